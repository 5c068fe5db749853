/**
 * Integration tests of the state-directory lock on the real machine (state-lock.md): the df probe against the
 * real `df -P` output of this machine, a real child process killed with SIGKILL as the dead holder, and real
 * processes racing the exclusive create and the takeover (they load the built io-node: `npm run build` first).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import { stateLock as SL } from '@arbiter/kernel';
import { fsLocal, nodeFsKind, openStateLock, type DfRun } from '@arbiter/io-node';

const root = mkdtempSync(join(tmpdir(), 'arbiter-statelock-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = () => {
  const d = join(root, `d${n++}`);
  mkdirSync(d, { recursive: true });
  return d;
};

/** What this machine's df says about `dir`, parsed here independently of the adapter. */
const machineDf = (dir: string): { source: string; fsType?: string } => {
  const plain = execFileSync('df', ['-P', '--', dir], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
  const source = plain.trim().split('\n')[1]!.trim().split(/\s+/)[0]!;
  if (process.platform !== 'linux') return { source };
  const typed = execFileSync('df', ['-PT', '--', dir], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
  return { source, fsType: typed.trim().split('\n')[1]!.trim().split(/\s+/)[1]! };
};

describe('df probe on this machine (state-lock.md §4)', () => {
  it('nodeFsKind reports the same source (and type on Linux) as the real df -P / df -PT output', async () => {
    const dir = freshDir();
    const want = machineDf(dir);
    const r = await nodeFsKind().probe(dir)();
    expect(E.isRight(r)).toBe(true);
    if (E.isRight(r)) expect(r.right).toEqual(want);
    expect(await fsLocal(nodeFsKind(), dir)).toBe(SL.classifyDfSource(want.source, want.fsType));
  });

  it('a directory whose name starts with "-" is passed after "--" and still probed', async () => {
    const dir = join(root, '-dash');
    mkdirSync(dir, { recursive: true });
    const r = await nodeFsKind().probe(dir)();
    expect(E.isRight(r) && r.right.source).toBe(machineDf(dir).source);
  });

  it('a missing directory gives a df failure, i.e. the unknown answer', async () => {
    expect(await fsLocal(nodeFsKind(), join(root, 'does-not-exist', 'x'))).toBe('unknown');
  });

  it('falls back to df -P once when df -PT exits non-zero or prints no Type column; budget and parse errors give errors', async () => {
    const calls: string[][] = [];
    const script = (answers: DfRun[]) => (args: ReadonlyArray<string>) => {
      calls.push([...args]);
      return Promise.resolve(answers.shift() ?? { code: 1, stdout: '', timedOut: false });
    };
    const P = 'Filesystem 1024-blocks Used Available Capacity Mounted on\n/dev/sdz9 1 1 1 1% /\n';
    const r1 = await nodeFsKind({ platform: 'linux', run: script([{ code: 1, stdout: '', timedOut: false }, { code: 0, stdout: P, timedOut: false }]) }).probe('/x')();
    expect(r1).toEqual(E.right({ source: '/dev/sdz9' }));
    expect(calls).toEqual([['-PT', '--', '/x'], ['-P', '--', '/x']]);
    calls.length = 0;
    const r2 = await nodeFsKind({ platform: 'linux', run: script([{ code: 0, stdout: P, timedOut: false }, { code: 0, stdout: P, timedOut: false }]) }).probe('/x')();
    expect(r2).toEqual(E.right({ source: '/dev/sdz9' }));
    expect(calls.length).toBe(2);
    calls.length = 0;
    const r3 = await nodeFsKind({ platform: 'darwin', run: script([{ code: 0, stdout: P, timedOut: false }]) }).probe('/x')();
    expect(r3).toEqual(E.right({ source: '/dev/sdz9' }));
    expect(calls).toEqual([['-P', '--', '/x']]);
    const r4 = await nodeFsKind({ platform: 'linux', run: script([{ code: null, stdout: '', timedOut: true }]) }).probe('/x')();
    expect(E.isLeft(r4) && r4.left._tag).toBe('FsKindTimeout');
    const r5 = await nodeFsKind({ platform: 'darwin', run: script([{ code: 0, stdout: 'Filesystem\n', timedOut: false }]) }).probe('/x')();
    expect(E.isLeft(r5) && r5.left._tag).toBe('FsKindUnparseable');
    // The fallback only gets what is left of the 3000 ms budget.
    let t = 0;
    const budgets: number[] = [];
    const slow = (args: ReadonlyArray<string>, ms: number) => {
      budgets.push(ms);
      t += 2_500;
      return Promise.resolve<DfRun>(args[0] === '-PT' ? { code: 1, stdout: '', timedOut: false } : { code: 0, stdout: P, timedOut: false });
    };
    await nodeFsKind({ platform: 'linux', run: slow, clock: () => t }).probe('/x')();
    expect(budgets).toEqual([3_000, 500]);
    t = 0;
    const r6 = await nodeFsKind({ platform: 'linux', run: (a, ms) => ((t += 3_000), slow(a, ms)), clock: () => t }).probe('/x')();
    expect(E.isLeft(r6) && r6.left._tag).toBe('FsKindTimeout');
  });

  it('the default runner runs the real df without a shell and returns its output', async () => {
    const { execDf } = await import('@arbiter/io-node');
    const r = await execDf(['-P', '--', root], 3_000);
    expect(r.code).toBe(0);
    expect(r.timedOut).toBe(false);
    expect(r.stdout.split('\n')[0]).toMatch(/^Filesystem\s/);
  });
});

/** Spawn a process that idles, and return it once it runs. */
const idler = async (): Promise<ChildProcess> => {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000); process.stdout.write("up\\n")'], { stdio: ['ignore', 'pipe', 'ignore'] });
  await new Promise<void>((res) => child.stdout!.once('data', () => res()));
  return child;
};
const killed = async (): Promise<number> => {
  const child = await idler();
  const pid = child.pid!;
  const exited = new Promise<void>((res) => child.once('exit', () => res()));
  child.kill('SIGKILL');
  await exited;
  return pid;
};
const writeLock = (dir: string, pid: number, host: string, ageMs: number) => {
  const p = join(dir, 'host.lock');
  writeFileSync(p, JSON.stringify({ pid, hostname: host, acquiredAt: new Date().toISOString() }));
  const t = (Date.now() - ageMs) / 1000;
  utimesSync(p, t, t);
  return p;
};

describe('real processes: dead holder killed with SIGKILL (state-lock.md §5, state-lock.md §6)', () => {
  const foreignHost = `${hostname()}-before-rename`;

  it('a foreign lock of a SIGKILLed process with a stale heartbeat heals on a local disk (declines otherwise)', async () => {
    const dir = freshDir();
    const pid = await killed();
    const p = writeLock(dir, pid, foreignHost, 10 * 60_000);
    const local = SL.classifyDfSource(machineDf(dir).source, machineDf(dir).fsType) === 'local';
    const h = await openStateLock({ dir, autoHealStaleHostLock: true, heartbeatTimer: false });
    if (local) {
      expect(h.status()).toEqual({ enabled: true, dryRun: false, code: 'healed' });
      expect(JSON.parse(readFileSync(p, 'utf8'))).toMatchObject({ pid: process.pid, hostname: hostname() });
      expect(h.trace().map((x) => `${x.name}:${x.outcome}`)).toEqual(['ensureDir:ok', 'lockRead:ok', 'fsLocal:local', 'lockAge:ok', 'pidAlive:dead', 'lockUnlink:ok', 'lockCreate:ok']);
      await h.release();
      expect(existsSync(p)).toBe(false);
    } else {
      expect(h.status()).toMatchObject({ enabled: false, code: 'foreign-host-declined' });
    }
  });

  it('the same lock of a live process is declined with pidDead=false (on a local disk); heal off never probes', async () => {
    const dir = freshDir();
    const child = await idler();
    try {
      writeLock(dir, child.pid!, foreignHost, 10 * 60_000);
      const local = SL.classifyDfSource(machineDf(dir).source, machineDf(dir).fsType) === 'local';
      const h = await openStateLock({ dir, autoHealStaleHostLock: true, heartbeatTimer: false });
      expect(h.status()).toMatchObject({ enabled: false, code: 'foreign-host-declined' });
      if (local) expect(h.status()).toMatchObject({ reason: expect.stringContaining('local filesystem=true, heartbeat stale=true, holder pid dead=false') });
      const off = await openStateLock({ dir, heartbeatTimer: false });
      expect(off.status().code).toBe('foreign-host');
      expect(off.trace().map((x) => x.name)).toEqual(['ensureDir', 'lockRead']);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('a same-host process lock with a fresh heartbeat: SIGKILLed holder → reclaimed; live holder → live-other', async () => {
    const dir = freshDir();
    const dead = await killed();
    writeLock(dir, dead, hostname(), 1_000);
    const h = await openStateLock({ dir, heartbeatTimer: false });
    expect(h.status().code).toBe('reclaimed');
    expect(h.trace().map((x) => `${x.name}:${x.outcome}`)).toContain('pidAlive:dead');
    const child = await idler();
    try {
      const dir2 = freshDir();
      writeLock(dir2, child.pid!, hostname(), 1_000);
      const h2 = await openStateLock({ dir: dir2, heartbeatTimer: false });
      expect(h2.status()).toMatchObject({ enabled: false, code: 'live-other' });
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('the heartbeat is the mtime: a touch moves it and keeps the body', async () => {
    const dir = freshDir();
    const h = await openStateLock({ dir, heartbeatTimer: false });
    const p = join(dir, 'host.lock');
    const before = readFileSync(p, 'utf8');
    const old = (Date.now() - 120_000) / 1000;
    utimesSync(p, old, old);
    await h.heartbeat();
    expect(Date.now() - statSync(p).mtimeMs).toBeLessThan(60_000);
    expect(readFileSync(p, 'utf8')).toBe(before);
    await h.release();
  });
});

// ───────────────────────────── racing real processes ─────────────────────────────

const IO_NODE_DIST = resolve(__dirname, '../packages/io-node/dist/index.cjs');

const RACER = `
const fs = require('node:fs');
const { openStateLock } = require(process.env.IO_NODE_DIST);
const [dir, holder, gate] = process.argv.slice(2);
const wait = async (f) => { while (!fs.existsSync(f)) await new Promise((r) => setTimeout(r, 2)); };
(async () => {
  process.stdout.write(JSON.stringify({ pid: process.pid, ready: true }) + '\\n');
  await wait(gate + '.go');
  const h = await openStateLock({ dir, holder, heartbeatTimer: false });
  process.stdout.write(JSON.stringify({ pid: process.pid, open: h.status(), runs: h.decideRuns }) + '\\n');
  await wait(gate + '.hb');
  const st = await h.heartbeat();
  process.stdout.write(JSON.stringify({ pid: process.pid, hb: st }) + '\\n');
  await wait(gate + '.end');
  process.exit(0);
})();
`;

interface RacerLine {
  pid: number;
  ready?: boolean;
  open?: SL.GuardStatus;
  runs?: number;
  hb?: SL.GuardStatus;
}

const race = async (dir: string, holder: 'process' | 'host', count: number) => {
  if (!existsSync(IO_NODE_DIST) || statSync(IO_NODE_DIST).mtimeMs < statSync(resolve(__dirname, '../packages/io-node/src/state-lock.ts')).mtimeMs) {
    throw new Error('packages/io-node/dist is missing or older than its sources: run `npm run build` first');
  }
  const script = join(root, 'racer.cjs');
  writeFileSync(script, RACER);
  const gate = join(root, `gate${n++}`);
  const lines: RacerLine[] = [];
  const kids = Array.from({ length: count }, () => {
    const c = spawn(process.execPath, [script, dir, holder, gate], { env: { ...process.env, IO_NODE_DIST }, stdio: ['ignore', 'pipe', 'inherit'] });
    let buf = '';
    c.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        lines.push(JSON.parse(buf.slice(0, i)) as RacerLine);
        buf = buf.slice(i + 1);
      }
    });
    return c;
  });
  const until = async (pred: () => boolean) => {
    const t0 = Date.now();
    while (!pred()) {
      if (Date.now() - t0 > 30_000) throw new Error('racers did not report in 30 s');
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  await until(() => lines.filter((l) => l.ready).length === count);
  writeFileSync(`${gate}.go`, '');
  await until(() => lines.filter((l) => l.open).length === count);
  writeFileSync(`${gate}.hb`, '');
  await until(() => lines.filter((l) => l.hb).length === count);
  const lockText = readFileSync(join(dir, 'host.lock'), 'utf8');
  writeFileSync(`${gate}.end`, '');
  await Promise.all(kids.map((k) => new Promise((r) => (k.exitCode !== null ? r(null) : k.once('exit', r)))));
  return { opens: lines.filter((l) => l.open), hbs: lines.filter((l) => l.hb), lock: SL.parseLockBody(lockText) };
};

describe('real processes racing the lock (state-lock.md §7, HL-P11)', () => {
  it('racing the exclusive create on an empty directory: exactly one acquires, the others see live-other', async () => {
    const dir = freshDir();
    const r = await race(dir, 'process', 6);
    const winners = r.opens.filter((l) => l.open!.enabled);
    expect(winners.length).toBe(1);
    expect(winners[0]!.open!.code).toBe('acquired');
    expect(r.lock.pid).toBe(winners[0]!.pid);
    for (const l of r.opens.filter((x) => !x.open!.enabled)) expect(l.open!.code).toBe('live-other');
    expect(r.hbs.filter((l) => l.hb!.enabled).map((l) => l.pid)).toEqual([winners[0]!.pid]);
    for (const l of r.opens) expect(l.runs).toBeLessThanOrEqual(3);
  });

  it('racing the takeover of a dead holder’s stale lock: after one heartbeat each, exactly one holds it and the file names it', async () => {
    const dir = freshDir();
    writeLock(dir, await killed(), hostname(), 10 * 60_000);
    const r = await race(dir, 'process', 6);
    // The first writer reclaims; a racer that reads between someone's unlink and create sees no lock and acquires.
    expect(r.opens.some((l) => l.open!.enabled && ['reclaimed', 'acquired'].includes(l.open!.code))).toBe(true);
    expect(r.opens.every((l) => (l.open!.enabled ? ['reclaimed', 'acquired'] : ['live-other', 'contention']).includes(l.open!.code))).toBe(true);
    const holders = r.hbs.filter((l) => l.hb!.enabled);
    expect(holders.length).toBe(1);
    expect(r.lock.pid).toBe(holders[0]!.pid);
    for (const l of r.hbs.filter((x) => !x.hb!.enabled)) expect(['live-other', 'lost', 'contention']).toContain(l.hb!.code);
  });

  it('host holders share: every racer of one host is enabled', async () => {
    const dir = freshDir();
    const r = await race(dir, 'host', 4);
    expect(r.opens.every((l) => l.open!.enabled)).toBe(true);
    expect(r.opens.filter((l) => l.open!.code === 'acquired').length).toBe(1);
    expect(r.hbs.every((l) => l.hb!.enabled)).toBe(true);
    expect(r.lock.hostname).toBe(hostname());
  });
});
