/**
 * `arbiter land` end to end on real git (land.md §4–§8; issue 13 "Proof expected"): a bare remote, one clone per
 * session sharing one embedded lane store (land.md §8 LU3), and the built binary run as real concurrent processes.
 *
 * - 8 concurrent lands with a real check all land, in ticket order, with no lost commit;
 * - a land killed with SIGKILL in the middle of its check lets the others proceed once its lease and ticket expire;
 * - a rebase conflict stops only that session, its branch untouched, and the next one still lands;
 * - a person's plain `git push` racing the queue is caught by the lease and the land retries from the fetch;
 * - `land cancel` stops a waiting land with its branch untouched; `land status` and `--dry-run` change nothing.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { worldEnv } from './helpers/bin.js';

const BIN = resolve(__dirname, '../packages/hooks/dist/arbiter.cjs');
const root = mkdtempSync(join(tmpdir(), 'arbiter-land-'));
const env = worldEnv(root, { ARBITER_STATE_DIR: join(root, 'state') });
const children: ChildProcess[] = [];

interface Ran { code: number; stdout: string; stderr: string }
const run = (cmd: string, args: string[], cwd: string, extra: NodeJS.ProcessEnv = {}): Ran => {
  const r = spawnSync(cmd, args, { cwd, env: { ...env, ...extra }, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
};
const git = (cwd: string, args: string[]): Ran => run('git', args, cwd);
const arbiter = (args: string[], cwd: string, session: string): Ran => run(process.execPath, [BIN, ...args], cwd, { ARBITER_SESSION: session });
/** Start `arbiter land …` as a background process; resolves with its exit and output. */
const landAsync = (args: string[], cwd: string, session: string): { child: ChildProcess; done: Promise<Ran> } => {
  const child = spawn(process.execPath, [BIN, 'land', ...args], { cwd, env: { ...env, ARBITER_SESSION: session }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<Ran>((res) => child.on('close', (code, signal) => res({ code: code ?? (signal === null ? -1 : 128), stdout, stderr })));
  return { child, done };
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const waitFor = async (what: string, pred: () => boolean, ms: number): Promise<void> => {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
};

/** A world: a bare remote with one commit on main and `n` clones sharing one lane store, each with a commit of its own. */
const world = (name: string, n: number, file: (i: number) => [string, string] = (i) => [`f${i}.txt`, `change ${i}\n`]) => {
  const base = join(root, name);
  mkdirSync(base, { recursive: true });
  const remote = join(base, 'remote.git');
  git(base, ['init', '-q', '--bare', '-b', 'main', remote]);
  const seed = join(base, 'seed');
  git(base, ['init', '-q', '-b', 'main', seed]);
  writeFileSync(join(seed, 'shared.txt'), 'base\n');
  git(seed, ['add', 'shared.txt']);
  git(seed, ['-c', 'user.email=seed@example.com', '-c', 'user.name=seed', 'commit', '-q', '-m', 'c0']);
  expect(git(seed, ['push', '-q', remote, 'main']).code).toBe(0);
  const clones = Array.from({ length: n }, (_, i) => {
    const dir = join(base, `c${i}`);
    expect(git(base, ['clone', '-q', remote, dir]).code).toBe(0);
    git(dir, ['config', 'user.email', `dev${i}@example.com`]);
    git(dir, ['config', 'user.name', `dev${i}`]);
    mkdirSync(join(dir, '.arbiter'), { recursive: true });
    writeFileSync(join(dir, '.arbiter', 'config.json'), JSON.stringify({ version: 1, lanes: { store: { kind: 'embedded', dir: join(base, 'lanes') } } }));
    const [f, body] = file(i);
    writeFileSync(join(dir, f), body);
    git(dir, ['add', f]);
    expect(git(dir, ['commit', '-q', '-m', `change ${i}`]).code).toBe(0);
    return dir;
  });
  return { base, remote, clones };
};
const head = (dir: string): string => git(dir, ['rev-parse', 'HEAD']).stdout.trim();
/** Subjects on the remote's main, oldest first (first parent). */
const remoteLog = (remote: string): string[] => git(remote, ['log', '--first-parent', '--reverse', '--format=%s', 'main']).stdout.trim().split('\n');
/** Sessions in the queue, position 1 first, as `arbiter land status` prints them. */
const queued = (dir: string): string[] =>
  arbiter(['land', 'status'], dir, 'observer')
    .stdout.split('\n')
    .map((l) => /^\s+\d+\. \S+ (\S+) /.exec(l)?.[1])
    .filter((s): s is string => s !== undefined);

beforeAll(() => {
  expect(existsSync(BIN)).toBe(true);
  mkdirSync(join(root, 'home'), { recursive: true });
});
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

describe('arbiter land on real git (land.md §7 LD-P1–LD-P7)', () => {
  it('8 concurrent lands with a real check all land in ticket order, and main holds every commit', async () => {
    const N = 8;
    const { remote, clones } = world('eight', N);
    // a person holds the lane while the sessions queue up, so the ticket order is known before anyone lands
    const blocker = clones[0] as string;
    expect(arbiter(['lane', 'claim', 'main'], blocker, 'person').code).toBe(0);
    const runs = clones.map((dir, i) => landAsync(['--check', `test -f f${i}.txt && test -f shared.txt`, '--ttl', '30'], dir, `s${i}`));
    await waitFor('8 tickets', () => queued(blocker).length === N, 60_000);
    const order = queued(blocker);
    expect([...order].sort()).toEqual(clones.map((_, i) => `s${i}`).sort());
    expect(arbiter(['lane', 'release', 'main'], blocker, 'person').code).toBe(0);
    const results = await Promise.all(runs.map((r) => r.done));
    results.forEach((r) => expect(r.code, r.stderr).toBe(0));
    results.forEach((r) => expect(r.stdout).toMatch(/^arbiter land: landed [0-9a-f]{12} on origin main \(attempt 1\)\.$/m));
    // every commit is on main, once, in ticket order
    expect(remoteLog(remote)).toEqual(['c0', ...order.map((s) => `change ${s.slice(1)}`)]);
    expect(queued(blocker)).toEqual([]);
    // each clone's branch is the commit it landed, and its backup ref is gone
    for (const dir of clones) {
      expect(git(dir, ['merge-base', '--is-ancestor', 'HEAD', 'origin/main']).code).toBe(0);
      expect(git(dir, ['for-each-ref', 'refs/arbiter/land/']).stdout).toBe('');
    }
  }, 240_000);

  it('a land killed with SIGKILL mid-check lets the others land once its lease and ticket expire', async () => {
    const { base, remote, clones } = world('killed', 3);
    const marker = join(base, 'in-check');
    const first = landAsync(['--check', `touch ${JSON.stringify(marker)}; sleep 120`, '--ttl', '5'], clones[0] as string, 'k0');
    await waitFor('the first check', () => existsSync(marker), 60_000);
    const rest = [1, 2].map((i) => landAsync(['--check', 'true', '--ttl', '5'], clones[i] as string, `k${i}`));
    await waitFor('both waiting', () => queued(clones[1] as string).length === 3, 30_000);
    first.child.kill('SIGKILL');
    const killed = await first.done;
    expect(killed.code).not.toBe(0);
    const results = await Promise.all(rest.map((r) => r.done));
    results.forEach((r) => expect(r.code, r.stderr).toBe(0));
    expect(remoteLog(remote).slice(1).sort()).toEqual(['change 1', 'change 2']);
    expect(queued(clones[1] as string)).toEqual([]);
  }, 180_000);

  it('a rebase conflict stops only that session: its branch, tree and ticket are as before, and the next session lands', async () => {
    // c0 and c1 both rewrite shared.txt; c2 adds a file of its own
    const { remote, clones } = world('conflict', 3, (i) => (i < 2 ? ['shared.txt', `rewritten by ${i}\n`] : [`f${i}.txt`, 'x\n']));
    const [c0, c1, c2] = clones as [string, string, string];
    expect(arbiter(['land', '--check', 'true'], c0, 'x0').code).toBe(0);
    const before = head(c1);
    const r = arbiter(['land', '--check', 'true'], c1, 'x1');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('arbiter land: stopped \u2014 rebasing main onto origin main conflicts. Your branch main is as it was before arbiter land.');
    expect(head(c1)).toBe(before);
    expect(git(c1, ['status', '--porcelain', '--untracked-files=no']).stdout).toBe('');
    expect(existsSync(join(c1, '.git', 'rebase-merge'))).toBe(false);
    expect(git(c1, ['rev-parse', 'refs/arbiter/land/main']).stdout.trim()).toBe(before); // backup kept after a stop
    expect(queued(c1)).toEqual([]);
    expect(arbiter(['land', '--check', 'true'], c2, 'x2').code).toBe(0);
    expect(remoteLog(remote)).toEqual(['c0', 'change 0', 'change 2']);
  }, 120_000);

  it('a plain git push racing the queue is caught by the lease, and the land retries from the fetch', async () => {
    const { base, remote, clones } = world('race', 2);
    const [lander, person] = clones as [string, string];
    const once = join(base, 'pushed-once');
    // the person's push lands while the land's check runs (once): the land's leased push must be refused
    const check = `test -f ${JSON.stringify(once)} || { touch ${JSON.stringify(once)} && git -C ${JSON.stringify(person)} push -q origin HEAD:main; }`;
    const r = arbiter(['land', '--check', check], lander, 'r0');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('fetching origin main (attempt 2)');
    expect(r.stdout).toMatch(/landed [0-9a-f]{12} on origin main \(attempt 2\)/);
    expect(remoteLog(remote)).toEqual(['c0', 'change 1', 'change 0']);
  }, 120_000);

  it('land cancel stops a waiting land with its branch untouched; status and --dry-run change nothing', async () => {
    const { remote, clones } = world('cancel', 2);
    const [c0, c1] = clones as [string, string];
    expect(arbiter(['lane', 'claim', 'main'], c1, 'person').code).toBe(0);
    const before = head(c0);
    const dry = arbiter(['land', '--dry-run'], c0, 'w0');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('arbiter land: dry run \u2014 main would take position 1 for origin main; the lane is held by dev1@example.com');
    const waiting = landAsync(['--check', 'true'], c0, 'w0');
    await waitFor('the ticket', () => queued(c1).length === 1, 30_000);
    // land.md §9 LD16-LD17: while it runs, the Stop hook keeps session w0 working and its context shows the queue
    const stopPayload = (session: string) => JSON.stringify({ session_id: session, cwd: c0, hook_event_name: 'Stop', stop_hook_active: false });
    const stopW0 = spawnSync(process.execPath, [BIN, 'hook', 'stop', '--agent', 'claude'], { cwd: c0, env, input: stopPayload('w0'), encoding: 'utf8' });
    expect(JSON.parse(stopW0.stdout)).toEqual({ decision: 'block', reason: expect.stringContaining('Arbiter land guard: this session has an arbiter land running') });
    const stopOther = spawnSync(process.execPath, [BIN, 'hook', 'stop', '--agent', 'claude'], { cwd: c0, env, input: stopPayload('someone-else'), encoding: 'utf8' });
    expect(stopOther.stdout).not.toContain('Arbiter land guard');
    const ctx = spawnSync(process.execPath, [BIN, 'hook', 'context', '--agent', 'claude', '--event', 'session-start'], {
      cwd: c0,
      env,
      input: JSON.stringify({ session_id: 'w0', hook_event_name: 'SessionStart', source: 'startup', cwd: c0, transcript_path: null }),
      encoding: 'utf8',
    });
    expect(ctx.stdout).toContain('arbiter land running (pid ');
    expect(ctx.stdout).toContain('onto main: at the head of the queue (1 in line)');
    const cancel = arbiter(['land', 'cancel'], c0, 'w0');
    expect(cancel.code).toBe(0);
    expect(cancel.stdout).toContain('arbiter land: ticket withdrawn from deploy:refs/heads/main');
    const r = await waiting.done;
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("this session's ticket was withdrawn (arbiter land cancel) or expired");
    expect(head(c0)).toBe(before);
    expect(queued(c1)).toEqual([]);
    expect(remoteLog(remote)).toEqual(['c0']);
    expect(arbiter(['land', 'cancel'], c0, 'w0').stdout).toContain('this session has no ticket');
    // the land ended: the Stop hook lets the session go
    const after = spawnSync(process.execPath, [BIN, 'hook', 'stop', '--agent', 'claude'], { cwd: c0, env, input: stopPayload('w0'), encoding: 'utf8' });
    expect(after.stdout).not.toContain('Arbiter land guard');
  }, 120_000);
});
