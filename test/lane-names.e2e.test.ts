/**
 * Issue 12 end to end with the built binary on a real repository: `git checkout -b release/café && arbiter deploy`
 * (and a 246-character branch, and `release/$(id);`x`|&>q`) gives a working lane, a second `deploy` re-enters
 * instead of failing, and the release command the message suggests, pasted into a shell or passed verbatim,
 * releases exactly that lane. Nothing corrupt is ever recorded and no generation files pile up.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { worldEnv } from './helpers/bin.js';

const BIN = resolve(__dirname, '../packages/hooks/dist/arbiter.cjs');
const root = mkdtempSync(join(tmpdir(), 'arbiter-lane-names-'));
const env = worldEnv(root, { ARBITER_STATE_DIR: join(root, 'state'), ARBITER_SESSION: 'sess-bo-02', LC_ALL: 'C.UTF-8' });

interface Ran { code: number; stdout: string; stderr: string }
const run = (cmd: string, args: string[], cwd: string, extra: NodeJS.ProcessEnv = {}): Ran => {
  const r = spawnSync(cmd, args, { cwd, env: { ...env, ...extra }, encoding: 'utf8', timeout: 30_000 });
  return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
};
const arbiter = (args: string[], cwd: string, extra: NodeJS.ProcessEnv = {}): Ran => run(process.execPath, [BIN, ...args], cwd, extra);
/** A shell line as a person pastes it; `arbiter` is on PATH. Only the binary's own printed words are interpolated. */
const shell = (line: string, cwd: string): Ran => run('bash', ['--norc', '--noprofile', '-c', line], cwd, { PATH: `${join(root, 'bin')}:${process.env['PATH'] ?? ''}` });

let repo = '';
const store = (): string => join(root, 'lanes');

beforeAll(() => {
  expect(existsSync(BIN)).toBe(true);
  mkdirSync(join(root, 'home'), { recursive: true });
  mkdirSync(join(root, 'bin'), { recursive: true });
  writeFileSync(join(root, 'bin', 'arbiter'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`, { mode: 0o755 });
  repo = join(root, 'repo');
  expect(run('git', ['init', '-q', '-b', 'main', repo], root).code).toBe(0);
  expect(run('git', ['commit', '-q', '--allow-empty', '-m', 'init'], repo).code).toBe(0);
  expect(run('git', ['config', 'user.email', 't@example.invalid'], repo).code).toBe(0);
  mkdirSync(join(repo, '.arbiter'), { recursive: true });
  writeFileSync(join(repo, '.arbiter', 'config.json'), JSON.stringify({ version: 1, lanes: { store: { kind: 'embedded', dir: store() } } }));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The lane word a D-CLEAR message prints: between `lane ` and ` claimed`. */
const printedLane = (stdout: string): string => {
  const m = /^arbiter: lane (.+) claimed \(fence \d+\) — clear to deploy\. Release it with `arbiter lane release (.+)` when done\.\n$/.exec(stdout);
  expect(m).not.toBeNull();
  expect(m?.[1]).toBe(m?.[2]);
  return m?.[1] as string;
};

describe('issue 12: lanes on ordinary branch names (built binary)', () => {
  const cases: ReadonlyArray<{ branch: string; verbatim: boolean }> = [
    { branch: 'release/café', verbatim: false },
    { branch: `release/${'x'.repeat(238)}`, verbatim: true },
    { branch: 'release/$(id);`x`|&>q', verbatim: false },
    { branch: 'release/\u202eevil\u200b', verbatim: true },
  ];
  for (const { branch, verbatim } of cases) {
    it(`deploy twice on ${JSON.stringify(branch.slice(0, 40))} then release with the printed command (${verbatim ? 'verbatim' : 'through a shell'})`, () => {
      expect(run('git', ['checkout', '-q', '-b', branch], repo).code).toBe(0);
      const lane = `deploy:refs/heads/${branch}`;
      const first = arbiter(['deploy'], repo);
      expect(first).toMatchObject({ code: 0, stderr: '' });
      const word = printedLane(first.stdout);
      expect(word).toMatch(/^[\x20-\x7e]+$/); // no raw bidi or zero-width character reaches the terminal
      const second = arbiter(['deploy'], repo);
      expect(second).toMatchObject({ code: 0, stderr: '' });
      expect(printedLane(second.stdout)).toBe(word);
      const status = arbiter(['lane', 'status'], repo);
      expect(status.stdout).toContain(`${word}  @t  fence 1`);
      run('git', ['checkout', '-q', 'main'], repo); // release must work from anywhere, by the printed name alone
      const rel = verbatim ? arbiter(['lane', 'release', word], repo) : shell(`arbiter lane release ${word}`, repo);
      expect(rel).toMatchObject({ code: 0, stdout: `arbiter: lane ${word} released.\n` });
      const after = arbiter(['lane', 'status', word], repo);
      expect(after.stdout.split('\n')[0]).toBe(`${word}  free  fence 1`);
      const key = readdirSync(join(store(), 'lanes')).filter((n) => n.endsWith('.json.1'));
      expect(key.length).toBeGreaterThan(0);
      const auditLines = readFileSync(join(store(), 'audit.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { kind: string; lane: string });
      expect(auditLines.filter((a) => a.lane === lane).map((a) => a.kind)).toEqual(['claim', 'release']);
      expect(auditLines.some((a) => a.kind === 'corrupt-record')).toBe(false);
    });
  }

  it('every lane keeps exactly its generations: claim, re-entry, release (nothing piles up)', () => {
    const files = readdirSync(join(store(), 'lanes'));
    const byKey = new Map<string, number>();
    for (const f of files) byKey.set(f.split('.')[0] as string, (byKey.get(f.split('.')[0] as string) ?? 0) + 1);
    expect([...byKey.values()]).toEqual(cases.map(() => 3));
  });

  it('lane halt / unhalt accept the session id as the message prints it', () => {
    const h = arbiter(['lane', 'halt', '--session', 'sess-other.', '--reason', 'wait'], repo);
    expect(h.code).toBe(0);
    expect(h.stdout).toMatch(/^arbiter: halt [0-9a-f]{16} is now directed at session 'sess-other\.'\.\n$/);
    const u = shell(`arbiter lane unhalt --session 'sess-other.'`, repo);
    expect(u).toMatchObject({ code: 0, stdout: "arbiter: closed 1 halt(s) directed at session 'sess-other.'.\n" });
  });
});
