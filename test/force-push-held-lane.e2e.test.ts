/**
 * push-gate.md §8.6 F1 end to end: a confirmed forced rewrite of a deploy ref is blocked whoever holds the lane.
 * Real git (a bare remote and two installed clones sharing one embedded lane store) and the built binary.
 *
 * - git layer: a person's `git push --force origin main` runs the installed pre-push hook; with another session
 *   holding the `main` lane it used to print a warning, exit 0 and land the rewrite. Now the push is refused and the
 *   remote ref is unchanged; the holder keeps the lane.
 * - agent layer: `arbiter hook pre-tool --agent claude` with a Bash `git push --force` (and the other forms the
 *   classifier counts as forced) exits 2 with B-REWRITE instead of asking.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { worldEnv } from './helpers/bin.js';

const BIN = resolve(__dirname, '../packages/hooks/dist/arbiter.cjs');
const root = mkdtempSync(join(tmpdir(), 'arbiter-force-held-'));
const binDir = join(root, 'bin');
const LANES = join(root, 'shared-lanes');
const env = worldEnv(root, { ARBITER_STATE_DIR: join(root, 'state'), PATH: `${binDir}${delimiter}${process.env['PATH'] ?? ''}` });

interface Ran { code: number; stdout: string; stderr: string }
const run = (cmd: string, args: string[], cwd: string, extra: NodeJS.ProcessEnv = {}, input = ''): Ran => {
  const r = spawnSync(cmd, args, { cwd, env: { ...env, ...extra }, input, encoding: 'utf8', timeout: 30_000 });
  return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
};
const arbiter = (args: string[], cwd: string, extra: NodeJS.ProcessEnv = {}, input = ''): Ran => run(process.execPath, [BIN, ...args], cwd, extra, input);
const git = (cwd: string, args: string[], extra: NodeJS.ProcessEnv = {}): Ran => run('git', args, cwd, extra);
const pre = (session: string, cwd: string, command: string) =>
  JSON.stringify({ session_id: session, transcript_path: null, cwd, permission_mode: 'default', hook_event_name: 'PreToolUse', tool_name: 'Bash', tool_input: { command }, tool_use_id: `toolu_${session}` });
const REWRITE = 'arbiter: BLOCKED — this push would discard commits on the remote refs/heads/main.';

/**
 * A bare remote whose main has two commits, and clones A and B (installed, sharing the lane store). B's main is
 * rewound to the first commit plus a commit of its own, so pushing it is a non-fast-forward over a tip B knows.
 */
const world = (name: string): { remote: string; A: string; B: string } => {
  const base = join(root, name);
  mkdirSync(base, { recursive: true });
  const remote = join(base, 'remote.git');
  git(base, ['init', '-q', '--bare', '-b', 'main', remote]);
  const seed = join(base, 'seed');
  git(base, ['init', '-q', '-b', 'main', seed]);
  git(seed, ['commit', '-q', '--allow-empty', '-m', 'c0']);
  git(seed, ['commit', '-q', '--allow-empty', '-m', 'c1']);
  expect(git(seed, ['push', '-q', remote, 'main']).code).toBe(0);
  const clone = (c: string, i: number): string => {
    const dir = join(base, c);
    expect(git(base, ['clone', '-q', remote, dir]).code).toBe(0);
    git(dir, ['config', 'user.email', `dev${i}@example.com`]);
    expect(arbiter(['install'], dir).code).toBe(0);
    writeFileSync(join(dir, '.arbiter', 'config.json'), JSON.stringify({ version: 1, lanes: { store: { kind: 'embedded', dir: join(LANES, name) } } }));
    return dir;
  };
  const A = clone('A', 0);
  const B = clone('B', 1);
  expect(git(B, ['reset', '-q', '--hard', 'HEAD~1']).code).toBe(0);
  expect(git(B, ['commit', '-q', '--allow-empty', '-m', 'b-rewrite']).code).toBe(0);
  return { remote, A, B };
};
const tip = (remote: string): string => git(remote, ['rev-parse', 'refs/heads/main']).stdout.trim();
const holder = (A: string): string => arbiter(['lane', 'status'], A, { ARBITER_SESSION: 'sA' }).stdout;

beforeAll(() => {
  expect(existsSync(BIN)).toBe(true);
  mkdirSync(binDir, { recursive: true });
  mkdirSync(join(root, 'home'), { recursive: true });
  writeFileSync(join(binDir, 'arbiter'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
  chmodSync(join(binDir, 'arbiter'), 0o755);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('a forced rewrite of a deploy ref over a held lane (push-gate.md §8.6 F1)', () => {
  it('git layer: with another session holding main, `git push --force` is refused and the remote ref is unchanged', () => {
    const { remote, A, B } = world('git-held');
    expect(arbiter(['deploy'], A, { ARBITER_SESSION: 'sA' }).code).toBe(0);
    const before = tip(remote);
    const r = git(B, ['push', '--force', 'origin', 'main'], { ARBITER_SESSION: 'sB' });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(REWRITE);
    expect(r.stderr).not.toContain('WARNING');
    expect(tip(remote)).toBe(before);
    // the holder keeps its lane: B never got it, so nothing of A's was released
    const st = holder(A);
    expect(st).toContain('deploy:refs/heads/main');
    expect(st).toContain('dev0');
    const kinds = readFileSync(join(LANES, 'git-held', 'audit.ndjson'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { kind: string }).kind);
    expect(kinds).toEqual(['claim']);
  });

  it('git layer: the same push over a free lane is refused too, and an ordinary push over the held lane still only warns', () => {
    const { remote, A, B } = world('git-free');
    const before = tip(remote);
    const r = git(B, ['push', '--force', 'origin', 'main'], { ARBITER_SESSION: 'sB' });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(REWRITE);
    expect(tip(remote)).toBe(before);
    // a fast-forward push by a non-holder is a warning in the git layer (it cannot ask), as before
    expect(arbiter(['deploy'], A, { ARBITER_SESSION: 'sA' }).code).toBe(0);
    expect(git(B, ['reset', '-q', '--hard', 'origin/main']).code).toBe(0);
    expect(git(B, ['commit', '-q', '--allow-empty', '-m', 'b-ff']).code).toBe(0);
    const ff = git(B, ['push', 'origin', 'main'], { ARBITER_SESSION: 'sB' });
    expect(ff.code).toBe(0);
    expect(ff.stderr).toContain('WARNING — deploy lane deploy:refs/heads/main is held by @dev0');
    expect(tip(remote)).not.toBe(before);
  });

  it('agent layer: hook pre-tool with a Bash forced push over a held lane exits 2 with B-REWRITE, for every forced form', () => {
    const { remote, A, B } = world('agent-held');
    expect(arbiter(['deploy'], A, { ARBITER_SESSION: 'sA' }).code).toBe(0);
    const before = tip(remote);
    for (const cmd of ['git push --force origin main', 'git push --force-with-lease origin main', 'git push origin +HEAD:refs/heads/main']) {
      const r = arbiter(['hook', 'pre-tool', '--agent', 'claude'], B, {}, pre('sB', B, cmd));
      expect({ cmd, code: r.code, stdout: r.stdout }).toEqual({ cmd, code: 2, stdout: '' });
      expect(r.stderr).toContain(REWRITE);
    }
    // not forced → the held lane is asked about, as before
    const ask = arbiter(['hook', 'pre-tool', '--agent', 'claude'], B, {}, pre('sB', B, 'git push origin main'));
    expect(ask.code).toBe(0);
    expect((JSON.parse(ask.stdout) as { hookSpecificOutput: { permissionDecision: string } }).hookSpecificOutput.permissionDecision).toBe('ask');
    expect(tip(remote)).toBe(before);
    expect(holder(A)).toContain('dev0');
  });
});
