/**
 * `arbiter status` end to end with the built binary on a real repository (docs/status.md): a lane held by
 * `arbiter deploy` shows with its holder and fence, a registry record joins it as what that session holds, a halt
 * shows, `--json` prints the snapshot, `--help` answers, a corrupt or newer registry file is reported without a
 * crash, hostile strings are escaped, `--watch` without a terminal prints one snapshot per interval until SIGINT
 * (exit 0), and the usage and not-a-repository exits are 2 and 1; a session silent for 7 days is left out and counted,
 * and `arbiter presence prune` removes it. `status` and `status --json` run from their own
 * bundle (`dist/status.cjs`, status.md §8) and print what the full verb table prints.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PRESENCE_FORGET_AFTER_MS, type StatusSnapshot } from '@arbiter/kernel';
import { presenceFileName, resolveRepo } from '@arbiter/io-node';
import { BIN, makeRepo, requireBuilt, runBin, testEnv, tmp } from './helpers/bin.js';
import { presenceRecord } from './helpers/presence.js';

const root = tmp('arbiter-status-e2e-');
const state = join(root, 'state');
const repo = join(root, 'repo');
const SESSION = 'sess-deploy';
const env = testEnv(state, { ARBITER_SESSION: SESSION });
const NOW = Date.now();

const record = (session: string, o: Record<string, unknown> = {}) => JSON.stringify({ ...presenceRecord(session, NOW, { workspace: join(repo, '.git'), worktree: repo }), ...o });

beforeAll(() => {
  requireBuilt();
  makeRepo(repo);
  const d = runBin(['deploy'], { cwd: repo, env });
  expect(d.code, d.stderr).toBe(0);
  const h = runBin(['lane', 'halt', '--session', 'sess-other', '--reason', 'wait for my deploy'], { cwd: repo, env });
  expect(h.code, h.stderr).toBe(0);
  const runtime = join(state, 'repos', readdirSync(join(state, 'repos'))[0] as string);
  mkdirSync(join(runtime, 'sessions'), { recursive: true });
  writeFileSync(join(runtime, 'sessions', presenceFileName(SESSION)), record(SESSION));
  writeFileSync(join(runtime, 'sessions', presenceFileName('sess-other')), record('sess-other', { state: 'waiting', branch: 'evil/\x1b[2J\x1b]0;t\x07\u202e$(id)\r' }));
  writeFileSync(join(runtime, 'sessions', presenceFileName('sess-torn')), '{"v":1,"sess');
  writeFileSync(join(runtime, 'sessions', presenceFileName('sess-future')), record('sess-future', { v: 2 }));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('arbiter status (built binary)', () => {
  it('shows the lane arbiter deploy holds, with its holder and fence, and the session that holds it', () => {
    const r = runBin(['status'], { cwd: repo, env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/\n {2}deploy:refs\/heads\/main +sess-deploy +1 +\d+m +-\n/);
    // 100 columns without a terminal: the HOLDS cell is cut with an ellipsis (the whole of it is in --json below)
    expect(r.stdout).toMatch(/\n {2}working +\S+ +\S+ +sess-deploy +claude +main +pre-tool Bash +lane deploy:refs\/\S*\u2026\n/);
    expect(r.stdout).toMatch(/\n {2}sess-other +sess-deploy +\S+ +wait for my deploy\n/);
    expect(r.stdout).toContain('Stop gate: off');
    expect(r.stdout).toContain(`sessions ${presenceFileName('sess-torn')}: corrupt: `);
    expect(r.stdout).toContain(`sessions ${presenceFileName('sess-future')}: from a newer Arbiter (version 2)`);
  });

  it('escapes hostile branch names: no escape sequence, carriage return or bidi override reaches the terminal', () => {
    const r = runBin(['status'], { cwd: repo, env });
    expect(r.code).toBe(0);
    // eslint-disable-next-line no-control-regex
    expect(r.stdout).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/);
    expect(r.stdout).toContain("$'evil/\\x1b[2J\\x1b]");
  });

  it('--json prints the snapshot', () => {
    const r = runBin(['status', '--json'], { cwd: repo, env });
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as StatusSnapshot;
    expect(s.v).toBe(1);
    expect(s.lanes).toEqual([{ lane: 'deploy:refs/heads/main', holder: SESSION, fence: 1, leaseLeftMs: expect.any(Number), queue: [] }]);
    expect(s.sessions.map((x) => x.session)).toEqual(['sess-other', SESSION]);
    expect(s.sessions[1]?.holds.lanes).toEqual([{ lane: 'deploy:refs/heads/main', fence: 1 }]);
    expect(s.sessions[0]?.branch).toBe('evil/\x1b[2J\x1b]0;t\x07\u202e$(id)\r'); // the data as recorded; escaped as JSON text
    expect(r.stdout).not.toContain('\u202e');
    expect(s.halts).toEqual([{ target: 'sess-other', by: SESSION, reason: 'wait for my deploy', at: expect.any(Number) }]);
    expect(s.unavailable).toEqual([]);
    expect(s.problems?.map((p) => p.key).sort()).toEqual([presenceFileName('sess-torn'), presenceFileName('sess-future')].sort());
  });

  it('--help answers and exits 0', () => {
    const r = runBin(['status', '--help'], { cwd: repo, env });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: arbiter status [options]');
    expect(r.stdout).toContain('--watch');
  });

  it('usage errors exit 2, outside a repository exits 1', () => {
    expect(runBin(['status', '--interval', '500'], { cwd: repo, env }).code).toBe(2);
    expect(runBin(['status', '--watch', '--interval', '5'], { cwd: repo, env }).code).toBe(2);
    expect(runBin(['status', '--bogus'], { cwd: repo, env }).code).toBe(2);
    const outside = tmp('arbiter-status-outside-');
    const r = runBin(['status'], { cwd: outside, env });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('not inside a git repository');
    rmSync(outside, { recursive: true, force: true });
  });

  it('--watch without a terminal prints one snapshot per interval, separated by a blank line, until SIGINT (exit 0)', async () => {
    const child = spawn(process.execPath, [BIN, 'status', '--watch', '--interval', '100'], { cwd: repo, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    const deadline = Date.now() + 20_000;
    while ((out.match(/^arbiter status {2}/gm) ?? []).length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGINT');
    const code = await new Promise<number | null>((res) => child.on('close', (c) => res(c)));
    expect(code).toBe(0);
    const frames = out.split(/\n\n(?=arbiter status {2})/);
    expect(frames.length).toBeGreaterThanOrEqual(3);
    expect(out).not.toContain('\x1b[');
    for (const f of frames) expect(f).toContain('deploy:refs/heads/main');
  });

  it('status and status --json run from their own bundle; every other status command line from the full verb table', () => {
    // a preload that lists, at exit, every file this process loaded through require
    const probe = join(root, 'probe.cjs');
    writeFileSync(probe, "process.on('exit', () => { require('node:fs').writeSync(2, '\\nLOADED ' + JSON.stringify(Object.keys(require.cache)) + '\\n'); });\n");
    const loaded = (args: ReadonlyArray<string>): ReadonlyArray<string | undefined> => {
      const r = spawnSync(process.execPath, ['-r', probe, BIN, ...args], { cwd: repo, env, encoding: 'utf8' });
      return (JSON.parse(/\nLOADED (.*)\n/.exec(r.stderr)?.[1] ?? '[]') as string[]).map((f) => f.split(/[\\/]/).pop());
    };
    for (const args of [['status'], ['status', '--json']]) {
      const files = loaded(args);
      expect(files).toContain('status.cjs');
      expect(files).not.toContain('cli.cjs');
    }
    for (const args of [['status', '--help'], ['status', '--json', '--json'], ['status', '--bogus']]) expect(loaded(args)).toContain('cli.cjs');
  });

  it('the status bundle prints the snapshot the full verb table prints', () => {
    // the same command line through dist/cli.cjs (commander and every verb) and through the binary (dist/status.cjs)
    const full = join(BIN, '..', 'cli.cjs');
    const viaFull = (args: ReadonlyArray<string>) => spawnSync(process.execPath, ['-e', `require(${JSON.stringify(full)}).main(process.argv.slice(1))`, ...args], { cwd: repo, env, encoding: 'utf8' });
    const viaBin = (args: ReadonlyArray<string>) => spawnSync(process.execPath, [BIN, ...args], { cwd: repo, env, encoding: 'utf8' });
    // the clock moves between the two runs: instants, ages, lease left and column padding are left out of the comparison
    const json = (text: string): unknown => {
      const s = JSON.parse(text) as StatusSnapshot;
      return { ...s, at: 0, lanes: s.lanes.map((l) => ({ ...l, leaseLeftMs: 0 })) };
    };
    const screen = (text: string): string => text.replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, 'T').replace(/\b\d+[smhd]\b/g, 'N').replace(/ +/g, ' ');
    const [a, b] = [viaFull(['status', '--json']), viaBin(['status', '--json'])];
    expect([b.status, b.stderr]).toEqual([a.status, a.stderr]);
    expect(json(b.stdout)).toEqual(json(a.stdout));
    const [c, d] = [viaFull(['status']), viaBin(['status'])];
    expect([d.status, d.stderr]).toEqual([c.status, c.stderr]);
    expect(screen(d.stdout)).toEqual(screen(c.stdout));
    expect(d.stdout).toContain('Sessions (');
    // outside a repository: the same message and exit code
    const outside = tmp('arbiter-status-outside-');
    try {
      const [e, f] = [spawnSync(process.execPath, ['-e', `require(${JSON.stringify(full)}).main(['status'])`], { cwd: outside, env, encoding: 'utf8' }), spawnSync(process.execPath, [BIN, 'status'], { cwd: outside, env, encoding: 'utf8' })];
      expect([f.status, f.stdout, f.stderr]).toEqual([e.status, e.stdout, e.stderr]);
      expect(f.status).toBe(1);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });
});

describe('forgotten sessions (presence.md §3 PR11 and presence.md §12) with the built binary', () => {
  it('status leaves out and counts a session silent for 7 days; presence prune removes its record (dry run first), keeps the rest, and refuses a bad age', () => {
    const r2 = tmp('arbiter-prune-e2e-');
    try {
      const st = join(r2, 'state');
      const rp = join(r2, 'repo');
      const e2 = testEnv(st);
      makeRepo(rp);
      const runtime = resolveRepo(rp, e2)?.runtimeDir as string;
      const dir = join(runtime, 'sessions');
      mkdirSync(dir, { recursive: true });
      const at = (session: string, lastEventAt: number) => JSON.stringify(presenceRecord(session, lastEventAt, { workspace: join(rp, '.git'), worktree: rp }));
      writeFileSync(join(dir, presenceFileName('old')), at('old', NOW - PRESENCE_FORGET_AFTER_MS - 60_000));
      writeFileSync(join(dir, `.published-${presenceFileName('old')}`), '{}');
      writeFileSync(join(dir, presenceFileName('recent')), at('recent', NOW - PRESENCE_FORGET_AFTER_MS + 3_600_000));
      writeFileSync(join(dir, presenceFileName('torn')), '{"v":1');
      const snap = (): StatusSnapshot => JSON.parse(runBin(['status', '--json'], { cwd: rp, env: e2 }).stdout) as StatusSnapshot;
      expect(snap().sessions.map((s) => s.session)).toEqual(['recent']);
      expect(snap().forgotten).toBe(1);
      expect(runBin(['status'], { cwd: rp, env: e2 }).stdout).toContain('  1 more silent for 7 days or more, not shown (arbiter presence prune removes them)\n');
      const dry = runBin(['presence', 'prune', '--dry-run'], { cwd: rp, env: e2 });
      expect([dry.code, dry.stderr]).toEqual([0, '']);
      expect(dry.stdout).toMatch(/^arbiter: presence: would remove 1 record\(s\) of sessions silent for 7 day\(s\) or more; 1 kept, 1 problem record\(s\) left as they are\.\n {2}old {2}last seen \d{4}-\d\d-\d\dT[\d:.]+Z\n$/);
      expect(readdirSync(dir)).toContain(presenceFileName('old'));
      const real = runBin(['presence', 'prune'], { cwd: rp, env: e2 });
      expect([real.code, real.stderr]).toEqual([0, '']);
      expect(real.stdout).toMatch(/^arbiter: presence: removed 1 record/);
      expect(readdirSync(dir).sort()).toEqual([presenceFileName('recent'), presenceFileName('torn')].sort());
      expect(snap().forgotten).toBe(0);
      // a shorter age takes the recent one too; the corrupt record is never removed (PR8)
      expect(runBin(['presence', 'prune', '--older-than', '6'], { cwd: rp, env: e2 }).stdout).toMatch(/removed 1 record.*\n {2}recent /);
      expect(readdirSync(dir)).toEqual([presenceFileName('torn')]);
      for (const bad of ['0', '3651', '1.5', '-1', 'x', '']) {
        const b = runBin(['presence', 'prune', '--older-than', bad], { cwd: rp, env: e2 });
        expect([b.code, b.stdout]).toEqual([2, '']);
        expect(b.stderr).toContain('--older-than must be a whole number of days from 1 to 3650');
      }
      const help = runBin(['presence', 'prune', '--help'], { cwd: rp, env: e2 });
      expect(help.code).toBe(0);
      expect(help.stdout).toContain('--older-than <days>');
      expect(runBin(['presence', 'prune'], { cwd: r2, env: e2 }).code).toBe(1); // not a repository
    } finally {
      rmSync(r2, { recursive: true, force: true });
    }
  });
});
