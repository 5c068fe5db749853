/**
 * The io-node lock driver (`openStateLock`, `guardRuntimeDir`) over io-memory adapters (state-lock.md §2, state-lock.md §7,
 * state-lock.md §8): HL-P9 (fault injection), HL-P11 (single writer, model-based over fast-check's scheduler), HL-P10, HL-P12,
 * HL-P1/HL-P2 at the adapter boundary (which adapters were actually called), dry run, heartbeat and release.
 */
import { describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { stateLock as SL, type StateLockFiles, type PidLiveness, type Proc } from '@arbiter/kernel';
import { fakeClock, memoryStateLockFiles, scriptedFsKind, scriptedProc, type StateLockFilesOp } from '@arbiter/io-memory';
import { guardRuntimeDir, openStateLock, type StateLockDeps, type StateLockOptions } from '@arbiter/io-node';

const NOW = 1_700_000_600_000;
const DIR = '/repo/.git/arbiter';
const LOCK = `${DIR}/host.lock`;
const SELF = { pid: 1111, host: 'laptop' };

const world = (o: { now?: number } = {}) => {
  const clock = fakeClock(o.now ?? NOW);
  const fs = memoryStateLockFiles(clock.now);
  const df = scriptedFsKind();
  const proc = scriptedProc();
  const deps = (pid = SELF.pid, host = SELF.host): StateLockDeps => ({ hostname: () => host, pid, clock, proc, fsKind: df, files: fs });
  return { clock, fs, df, proc, deps };
};

const body = (pid: unknown, hostname: unknown) => JSON.stringify({ pid, hostname, acquiredAt: '2023-11-14T22:00:00.000Z' });

const open = (w: ReturnType<typeof world>, o: Partial<StateLockOptions> = {}, pid = SELF.pid, host = SELF.host) => {
  const events: SL.Effect[] = [];
  const p = openStateLock({ dir: DIR, heartbeatTimer: false, onEvent: (e) => events.push(e), ...o, deps: w.deps(pid, host) });
  return p.then((h) => ({ h, events }));
};

describe('openStateLock over io-memory: rules end to end', () => {
  it('absent → acquired (exclusive create of our body); a second process on this host → live-other', async () => {
    const w = world();
    const a = await open(w);
    expect(a.h.status()).toEqual({ enabled: true, dryRun: false, code: 'acquired' });
    expect(SL.parseLockBody(w.fs.peek(LOCK)?.text)).toEqual({ pid: SELF.pid, hostname: SELF.host, acquiredAt: NOW });
    w.proc.set(SELF.pid, 'alive');
    const b = await open(w, {}, 2222);
    expect(b.h.status()).toMatchObject({ enabled: false, code: 'live-other' });
    expect(b.events.map((e) => e._tag)).toEqual(['Alert']);
    expect(w.proc.probed()).toEqual([SELF.pid]);
  });

  it('host holder: two processes of one host share the lock; the second only reads and touches', async () => {
    const w = world();
    const a = await open(w, { holder: 'host' });
    expect(a.h.status().code).toBe('acquired');
    w.clock.advance(5_000);
    const before = w.fs.ops().length;
    const b = await open(w, { holder: 'host' }, 2222);
    expect(b.h.status()).toEqual({ enabled: true, dryRun: false, code: 'host-shared' });
    expect(w.fs.ops().slice(before).map((x) => x.op)).toEqual(['ensureDir', 'read', 'touch']);
    expect(w.fs.peek(LOCK)?.mtime).toBe(NOW + 5_000);
    expect(w.df.probed()).toEqual([]);
    expect(w.proc.probed()).toEqual([]);
  });

  it('the renamed-host heal: healed only on a local disk with a dead pid and a stale heartbeat', async () => {
    const w = world();
    w.fs.put(LOCK, body(4242, 'old-name'), NOW - 10 * 60_000);
    w.proc.set(4242, 'dead');
    const off = await open(w);
    expect(off.h.status().code).toBe('foreign-host');
    const heal = { autoHealStaleHostLock: true };
    w.df.set({ source: 'nas:/export', fsType: 'nfs4' });
    expect((await open(w, heal)).h.status().code).toBe('foreign-host-declined');
    w.df.set({ source: '/dev/sda1', fsType: 'ext4' });
    w.proc.set(4242, 'alive');
    expect((await open(w, heal)).h.status()).toMatchObject({ code: 'foreign-host-declined', reason: expect.stringContaining('holder pid dead=false') });
    w.proc.set(4242, 'dead');
    w.fs.put(LOCK, body(4242, 'old-name'), NOW - 60_000);
    expect((await open(w, heal)).h.status()).toMatchObject({ code: 'foreign-host-declined', reason: expect.stringContaining('heartbeat stale=false') });
    w.fs.put(LOCK, body(4242, 'old-name'), NOW - 10 * 60_000);
    const healed = await open(w, heal);
    expect(healed.h.status()).toEqual({ enabled: true, dryRun: false, code: 'healed' });
    expect(healed.events).toEqual([{ _tag: 'Audit', code: 'healed', prior: { pid: 4242, hostname: 'old-name' } }]);
    expect(SL.parseLockBody(w.fs.peek(LOCK)?.text)).toMatchObject({ pid: SELF.pid, hostname: SELF.host });
  });

  it('HL-P4 dry run: would-heal, and nothing is written (no create, unlink or touch)', async () => {
    const w = world();
    w.fs.put(LOCK, body(4242, 'old-name'), NOW - 10 * 60_000);
    w.proc.set(4242, 'dead');
    const r = await open(w, { autoHealStaleHostLock: true, dryRun: true });
    expect(r.h.status()).toMatchObject({ enabled: false, dryRun: true, code: 'would-heal' });
    expect(w.fs.ops().map((x) => x.op).filter((op) => op === 'createExclusive' || op === 'unlink' || op === 'touch')).toEqual([]);
    expect(w.fs.peek(LOCK)?.text).toBe(body(4242, 'old-name'));
    await r.h.release();
    expect(w.fs.peek(LOCK)?.text).toBe(body(4242, 'old-name'));
  });

  it('HL-P1 / HL-P2 at the adapter boundary: heal off never calls df, stat or the process table for a foreign lock', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.integer({ min: 1, max: 1e6 }), fc.constantFrom<unknown>(0, -1, 'x', null)),
        fc.string({ minLength: 1 }).filter((h) => h !== SELF.host),
        fc.constantFrom<SL.HolderMode>('process', 'host'),
        fc.boolean(),
        fc.integer({ min: 0, max: 2 * SL.STALE_MS }),
        async (pid, host, holder, dryRun, age) => {
          const w = world();
          w.fs.put(LOCK, body(pid, host), NOW - age);
          const r = await open(w, { holder, dryRun });
          expect(r.h.status().code).toBe('foreign-host');
          expect(w.fs.ops().map((x) => x.op)).toEqual(['ensureDir', 'read']);
          expect(w.df.probed()).toEqual([]);
          expect(w.proc.probed()).toEqual([]);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('HL-P2 at the adapter boundary: the process table is asked about a foreign pid only after df said local and the heartbeat is stale', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom({ source: '/dev/sda1', fsType: 'ext4' }, { source: 'nas:/x', fsType: 'nfs' }, { source: 'tmpfs', fsType: 'tmpfs' }, { _tag: 'FsKindTimeout' as const, detail: 't' }),
        fc.integer({ min: -60_000, max: 2 * SL.STALE_MS }),
        fc.constantFrom<PidLiveness>('alive', 'dead', 'unknown'),
        async (dfAnswer, age, live) => {
          const w = world();
          w.fs.put(LOCK, body(4242, 'old-name'), NOW - age);
          w.df.set(dfAnswer);
          w.proc.set(4242, live);
          await open(w, { autoHealStaleHostLock: true });
          if (w.proc.probed().length > 0) {
            expect('source' in dfAnswer && dfAnswer.source === '/dev/sda1').toBe(true);
            expect(age).toBeGreaterThanOrEqual(SL.STALE_MS);
          }
          if (!('source' in dfAnswer) || dfAnswer.source !== '/dev/sda1') expect(w.fs.ops().map((x) => x.op)).not.toContain('mtime');
        },
      ),
      { numRuns: 200 },
    );
  });

  it('HL-P9 fault injection: each probe and effect that throws in turn ends disabled with error', async () => {
    // A scenario that reaches every probe and every write: foreign lock, heal on, local, stale, dead pid.
    const ops: Array<StateLockFilesOp | 'df' | 'proc'> = ['ensureDir', 'read', 'df', 'mtime', 'proc', 'unlink', 'createExclusive'];
    for (const op of ops) {
      const w = world();
      w.fs.put(LOCK, body(4242, 'old-name'), NOW - 10 * 60_000);
      w.proc.set(4242, 'dead');
      let deps = w.deps();
      if (op === 'df') w.df.set('throw');
      else if (op === 'proc') deps = { ...deps, proc: { pidAlive: () => () => Promise.reject(new Error('injected proc fault')) } };
      else w.fs.throwNext(op);
      const events: SL.Effect[] = [];
      const h = await openStateLock({ dir: DIR, autoHealStaleHostLock: true, heartbeatTimer: false, onEvent: (e) => events.push(e), deps });
      expect([op, h.status().code]).toEqual([op, 'error']);
      expect(h.status().enabled).toBe(false);
      expect(events.some((e) => e._tag === 'Alert' && e.code === 'error')).toBe(true);
    }
    // The host-shared touch, and a heartbeat's read and touch.
    for (const op of ['touch'] as const) {
      const w = world();
      w.fs.put(LOCK, body(9, SELF.host), NOW);
      w.fs.throwNext(op);
      const r = await open(w, { holder: 'host' });
      expect(r.h.status().code).toBe('error');
    }
    for (const op of ['read', 'touch'] as const) {
      const w = world();
      const r = await open(w);
      expect(r.h.status().enabled).toBe(true);
      w.fs.throwNext(op);
      expect((await r.h.heartbeat()).code).toBe('error');
      expect(r.h.status().enabled).toBe(false);
    }
    // A throwing clock or hostname (driver exception).
    const w = world();
    const h = await openStateLock({ dir: DIR, heartbeatTimer: false, deps: { ...w.deps(), hostname: () => { throw new Error('no hostname'); } } });
    expect(h.status()).toMatchObject({ enabled: false, code: 'error', reason: expect.stringContaining('no hostname') });
  });

  it('HL-P9 (property) a throw at any operation of any scenario ends disabled with error', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<StateLockFilesOp>('ensureDir', 'read', 'mtime', 'touch', 'createExclusive', 'unlink'),
        fc.constantFrom('absent', 'ours-host', 'other-pid-stale', 'foreign-stale'),
        fc.constantFrom<SL.HolderMode>('process', 'host'),
        async (op, kind, holder) => {
          const w = world();
          if (kind === 'ours-host') w.fs.put(LOCK, body(9, SELF.host), NOW);
          if (kind === 'other-pid-stale') w.fs.put(LOCK, body(9, SELF.host), NOW - SL.STALE_MS);
          if (kind === 'foreign-stale') w.fs.put(LOCK, body(9, 'old-name'), NOW - SL.STALE_MS);
          w.proc.set(9, 'dead');
          w.fs.throwNext(op);
          const r = await open(w, { holder, autoHealStaleHostLock: true });
          const reached = w.fs.ops().some((x) => x.op === op);
          if (reached) expect(r.h.status()).toMatchObject({ enabled: false, code: 'error' });
          else expect(r.h.status().code).not.toBe('error');
        },
      ),
      { numRuns: 150 },
    );
  });

  it('HL-P10 loudness at the handle: disabled ⇒ non-empty reason and an Alert event; enabled ⇒ no reason', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('absent', 'corrupt', 'same-host-other', 'foreign'),
        fc.constantFrom<SL.HolderMode>('process', 'host'),
        fc.boolean(),
        fc.boolean(),
        fc.constantFrom<PidLiveness>('alive', 'dead', 'unknown'),
        fc.integer({ min: 0, max: 2 * SL.STALE_MS }),
        async (kind, holder, autoHeal, dryRun, live, age) => {
          const w = world();
          if (kind === 'corrupt') w.fs.put(LOCK, '{"pid":', NOW - age);
          if (kind === 'same-host-other') w.fs.put(LOCK, body(77, SELF.host), NOW - age);
          if (kind === 'foreign') w.fs.put(LOCK, body(77, 'old-name'), NOW - age);
          w.proc.set(77, live);
          const r = await open(w, { holder, autoHealStaleHostLock: autoHeal, dryRun });
          const st = r.h.status();
          if (st.enabled) {
            expect('reason' in st).toBe(false);
            expect(r.events.some((e) => e._tag === 'Alert')).toBe(false);
          } else {
            expect(st.reason.length).toBeGreaterThan(0);
            expect(r.events).toContainEqual({ _tag: 'Alert', code: st.code, message: st.reason });
          }
          expect(st.dryRun).toBe(dryRun);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('HL-P12 bounded retries at the handle: an exclusive create that always loses runs decideLock 3 times → contention', async () => {
    const w = world();
    const losing: StateLockFiles = { ...w.fs, createExclusive: () => () => Promise.resolve(E.right('Lost' as const)) };
    const h = await openStateLock({ dir: DIR, heartbeatTimer: false, deps: { ...w.deps(), files: losing } });
    expect(h.decideRuns).toBe(3);
    expect(h.status()).toMatchObject({ enabled: false, code: 'contention' });
  });

  it('HL-P11 single writer (model-based): any interleaving of 2–3 process acquirers leaves at most one enabled after one heartbeat each', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.integer({ min: 2, max: 3 }),
        fc.constantFrom('absent', 'corrupt', 'dead-fresh', 'stale', 'ours-old'),
        async (s, n, initial) => {
          const w = world();
          if (initial === 'corrupt') w.fs.put(LOCK, 'garbage', NOW);
          if (initial === 'dead-fresh') w.fs.put(LOCK, body(9, SELF.host), NOW - 1_000);
          if (initial === 'stale') w.fs.put(LOCK, body(9, SELF.host), NOW - SL.STALE_MS);
          if (initial === 'ours-old') w.fs.put(LOCK, body(101, SELF.host), NOW - 1_000);
          w.proc.set(9, 'dead');
          const pids = Array.from({ length: n }, (_, i) => 101 + i);
          for (const p of pids) w.proc.set(p, 'alive');
          w.fs.setPause((op, path) => s.schedule(Promise.resolve(), `${op} ${path}`));
          const handles = await s.waitFor(
            Promise.all(pids.map((pid) => openStateLock({ dir: DIR, holder: 'process', heartbeatTimer: false, deps: w.deps(pid) }))),
          );
          await s.waitFor(Promise.all(handles.map((h) => h.heartbeat())));
          const enabled = handles.filter((h) => h.status().enabled);
          expect(enabled.length).toBeLessThanOrEqual(1);
          if (enabled.length === 1) {
            const pid = pids[handles.indexOf(enabled[0]!)];
            expect(SL.parseLockBody(w.fs.peek(LOCK)?.text).pid).toBe(pid);
          }
          for (const h of handles) expect(h.decideRuns).toBeLessThanOrEqual(3);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('heartbeat and release at the handle (state-lock.md §7)', () => {
  it('heartbeat touches while the lock names us; after a takeover by another writer it disables with lost', async () => {
    const w = world();
    const r = await open(w);
    w.clock.advance(60_000);
    expect((await r.h.heartbeat()).enabled).toBe(true);
    expect(w.fs.peek(LOCK)?.mtime).toBe(NOW + 60_000);
    w.fs.put(LOCK, body(2222, SELF.host), NOW);
    const st = await r.h.heartbeat();
    expect(st).toMatchObject({ enabled: false, code: 'lost' });
    expect(r.events.at(-1)).toMatchObject({ _tag: 'Alert', code: 'lost' });
    // once disabled, heartbeat is a no-op and release never writes
    const before = w.fs.ops().length;
    await r.h.heartbeat();
    await r.h.release();
    expect(w.fs.ops().length).toBe(before);
    expect(w.fs.peek(LOCK)?.text).toBe(body(2222, SELF.host));
  });

  it('release: a process holder removes a lock naming it; a host holder never removes the lock', async () => {
    const w = world();
    const p = await open(w);
    await p.h.release();
    expect(w.fs.peek(LOCK)).toBeUndefined();
    await p.h.release(); // idempotent
    const h = await open(w, { holder: 'host' });
    await h.h.release();
    expect(w.fs.peek(LOCK)).toBeDefined();
  });

  it('a process holder heartbeats every 60 s on an unref-ed timer until released', async () => {
    vi.useFakeTimers();
    try {
      const w = world();
      const h = await openStateLock({ dir: DIR, deps: w.deps() });
      expect(h.status().enabled).toBe(true);
      const reads = () => w.fs.ops().filter((x) => x.op === 'read').length;
      const r0 = reads();
      await vi.advanceTimersByTimeAsync(SL.HEARTBEAT_INTERVAL_MS - 1);
      expect(reads()).toBe(r0);
      await vi.advanceTimersByTimeAsync(1);
      expect(reads()).toBe(r0 + 1);
      await h.release();
      await vi.advanceTimersByTimeAsync(5 * SL.HEARTBEAT_INTERVAL_MS);
      expect(reads()).toBe(r0 + 2); // the release read only
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('guardRuntimeDir (hooks.md §7 rule 5, state-lock.md §8)', () => {
  const proc: Proc = scriptedProc();
  it('enabled on a fresh directory (silent), host-shared on the next call; common path = one read + one touch', async () => {
    const w = world();
    const lines: string[] = [];
    const g1 = await guardRuntimeDir(DIR, { stderr: (l) => lines.push(l), deps: w.deps() });
    expect(g1.status).toEqual({ enabled: true, dryRun: false, code: 'acquired' });
    const n = w.fs.ops().length;
    const g2 = await guardRuntimeDir(DIR, { stderr: (l) => lines.push(l), deps: { ...w.deps(2222), proc } });
    expect(g2.status.code).toBe('host-shared');
    expect(w.fs.ops().slice(n).map((x) => x.op)).toEqual(['ensureDir', 'read', 'touch']);
    expect(lines).toEqual([]);
    expect(g2.warning).toBeNull();
  });

  it('disabled loudly: the warning line goes to stderr exactly once', async () => {
    const w = world();
    w.fs.put(LOCK, body(4242, 'old-name'), NOW);
    const lines: string[] = [];
    const g = await guardRuntimeDir(DIR, { stderr: (l) => lines.push(l), deps: w.deps() });
    expect(g.status).toMatchObject({ enabled: false, code: 'foreign-host' });
    expect(lines).toEqual([`arbiter: state directory ${DIR} is read-only for Arbiter (foreign-host). ${(g.status as { reason: string }).reason}`]);
    expect(g.warning).toBe(lines[0]);
  });

  it('reads state_lock.* from the configuration: heal on heals, dry run reports would-heal; invalid values warn and stay off', async () => {
    const cfg = (state_lock: Record<string, unknown>) => ({ _tag: 'Configured' as const, config: { version: 1 as const, state_lock } });
    const w = world();
    w.fs.put(LOCK, body(4242, 'old-name'), NOW - SL.STALE_MS);
    w.proc.set(4242, 'dead');
    const lines: string[] = [];
    const dry = await guardRuntimeDir(DIR, { config: cfg({ auto_heal_stale_host_lock: true, dry_run: true }), stderr: (l) => lines.push(l), deps: w.deps() });
    expect(dry.status).toMatchObject({ enabled: false, dryRun: true, code: 'would-heal' });
    const bad = await guardRuntimeDir(DIR, { config: cfg({ auto_heal_stale_host_lock: 'yes' }), stderr: (l) => lines.push(l), deps: w.deps() });
    expect(bad.status.code).toBe('foreign-host');
    expect(lines).toContain('arbiter: configuration key state_lock.auto_heal_stale_host_lock is not a boolean; using its default (false)');
    const audits: unknown[] = [];
    const healed = await guardRuntimeDir(DIR, { config: cfg({ auto_heal_stale_host_lock: true }), onAudit: (e) => audits.push(e), deps: w.deps() });
    expect(healed.status.code).toBe('healed');
    expect(audits).toEqual([{ _tag: 'Audit', code: 'healed', prior: { pid: 4242, hostname: 'old-name' } }]);
  });
});

describe('guardRuntimeDir never rejects', () => {
  it('a throwing stderr writer, a throwing audit listener or any injected fault still resolves with a status', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom<StateLockFilesOp | 'none'>('none', 'ensureDir', 'read', 'touch', 'createExclusive', 'unlink', 'mtime'), fc.boolean(), async (op, foreign) => {
        const w = world();
        if (foreign) w.fs.put(LOCK, body(5, 'old-name'), NOW - SL.STALE_MS);
        else w.fs.put(LOCK, 'corrupt', NOW);
        w.proc.set(5, 'dead');
        if (op !== 'none') w.fs.throwNext(op);
        const g = await guardRuntimeDir(DIR, {
          config: { _tag: 'Configured', config: { version: 1, state_lock: { auto_heal_stale_host_lock: true } } },
          stderr: () => {
            throw new Error('EPIPE');
          },
          onAudit: () => {
            throw new Error('listener bug');
          },
          deps: w.deps(),
        });
        expect(typeof g.status.enabled).toBe('boolean');
        expect(g.warning === null).toBe(g.status.enabled);
        await g.release();
      }),
      { numRuns: 100 },
    );
  });
});
