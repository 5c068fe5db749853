/**
 * LK-9 (engine-lock.md §9, convoy.md §8): model-based test of the engine lock. Processes A and B share the
 * in-memory compare-and-set row; commands acquire, heartbeat, fenced write, release, pause, resume, crash, advance
 * clock and set liveness. Invariants: every committed write was made by the process whose token was in the row at
 * commit time; a release or heartbeat by an owner that was taken over never changes the row; a process that
 * received `Lost` commits nothing afterwards.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { engineLock as EL } from '@arbiter/kernel';
import { memoryEngineLockRow, type MemoryEngineLockRow } from '@arbiter/io-memory';

interface Proc {
  pid: number;
  host: string;
  token: EL.Token;
  holds: boolean;
  lost: boolean;
  paused: boolean;
  crashed: boolean;
  liveness: 'alive' | 'eperm' | 'unknown';
  commitsAfterLost: number;
}
interface World {
  now: number;
  row: MemoryEngineLockRow;
  procs: Record<'A' | 'B', Proc>;
  nextPid: number;
}
type Cmd = fc.Command<object, World>;
type Who = 'A' | 'B';

/** The probe answer an adapter would get for the row's owner (signal 0 on our host). */
const livenessOf = (world: World, self: Proc): EL.Liveness => {
  const r = world.row.read();
  const pid = EL.livenessProbeFor(r, self.token);
  if (pid === null) return 'not-probed';
  const owner = Object.values(world.procs).find((p) => p.pid === pid && p.host === self.host);
  if (owner === undefined || owner.crashed) return 'dead';
  return owner.liveness === 'alive' ? 'alive' : owner.liveness;
};

const live = (p: Proc): boolean => !p.crashed && !p.paused;

const acquire = (who: Who): Cmd => ({
  check: () => true,
  run: (_m, w) => {
    const p = w.procs[who];
    if (p.crashed) {
      // a crashed process is restarted as a new process with a new pid and token
      Object.assign(p, { pid: w.nextPid++, crashed: false, holds: false, lost: false, paused: false });
      p.token = { pid: p.pid, hostname: p.host, startedAt: w.now };
    }
    if (p.paused || p.holds) return;
    const v = EL.decideAcquire({ store: 'ok', row: w.row.read(), self: p.token, ownerLiveness: livenessOf(w, p), now: w.now });
    if (v._tag === 'Acquire') p.holds = EL.interpretInsert(w.row.insert(p.token, w.now))._tag === 'Acquired';
    else if (v._tag === 'TakeOver') p.holds = EL.interpretTakeover(w.row.run(v.effects[0]))._tag === 'TakenOver';
    else if (v._tag === 'AlreadyHeld') p.holds = true;
    if (p.holds) p.lost = false;
  },
  toString: () => `acquire(${who})`,
});

const heartbeat = (who: Who): Cmd => ({
  check: () => true,
  run: (_m, w) => {
    const p = w.procs[who];
    if (!live(p) || !p.holds) return;
    const before = w.row.peek();
    const owned = before !== null && EL.sameToken(before.token, p.token);
    const out = EL.interpretHeartbeat(w.row.run(EL.heartbeatPlan(p.token, w.now)));
    if (!owned) expect(w.row.peek()).toBe(before); // a taken-over owner never changes the row
    if (out._tag === 'Lost') {
      expect(out.effects).toContainEqual({ _tag: 'StopDispatching', reason: 'lock-lost' });
      p.holds = false;
      p.lost = true;
    }
  },
  toString: () => `heartbeat(${who})`,
});

const write = (who: Who): Cmd => ({
  check: () => true,
  run: (_m, w) => {
    const p = w.procs[who];
    if (!live(p) || !p.holds) return; // a process that received Lost no longer believes it holds: no writes
    const n = w.row.commits().length;
    if (!w.row.fencedWrite(p.token, `${who}@${w.now}`)) {
      expect(w.row.commits().length).toBe(n);
      p.holds = false;
      p.lost = true; // rolled back: handled as Lost
      return;
    }
    if (p.lost) p.commitsAfterLost++;
  },
  toString: () => `write(${who})`,
});

const release = (who: Who): Cmd => ({
  check: () => true,
  run: (_m, w) => {
    const p = w.procs[who];
    if (!live(p)) return;
    const before = w.row.peek();
    const owned = before !== null && EL.sameToken(before.token, p.token);
    const out = EL.interpretRelease(w.row.run(EL.releasePlan(p.token)));
    if (!owned) {
      expect(w.row.peek()).toBe(before);
      expect(out._tag).toBe('NotOwner');
    } else expect(out._tag).toBe('Released');
    p.holds = false;
  },
  toString: () => `release(${who})`,
});

const simple = (label: string, f: (w: World) => void): Cmd => ({ check: () => true, run: (_m, w) => f(w), toString: () => label });

describe('engine lock, model-based (LK-9)', () => {
  it('LK-9 committed writes come from the row holder; taken-over owners never change the row; Lost commits nothing', () => {
    const who = fc.constantFrom<Who>('A', 'B');
    const cmds = [
      who.map(acquire),
      who.map(heartbeat),
      who.map(write),
      who.map(write),
      who.map(release),
      who.map((x) => simple(`pause(${x})`, (w) => void (w.procs[x].paused = true))),
      who.map((x) => simple(`resume(${x})`, (w) => void (w.procs[x].paused = false))),
      who.map((x) => simple(`crash(${x})`, (w) => void Object.assign(w.procs[x], { crashed: true, holds: false }))),
      fc.integer({ min: 0, max: 40_000 }).map((ms) => simple(`advance(${ms})`, (w) => void (w.now += ms))),
      fc.tuple(who, fc.constantFrom<'alive' | 'eperm' | 'unknown'>('alive', 'eperm', 'unknown')).map(([x, l]) => simple(`liveness(${x}, ${l})`, (w) => void (w.procs[x].liveness = l))),
    ];
    fc.assert(
      fc.property(fc.boolean(), fc.commands(cmds, { maxCommands: 80 }), (sameHost, cs) => {
        const now = 1_700_000_000_000;
        const mk = (pid: number, host: string): Proc => ({ pid, host, token: { pid, hostname: host, startedAt: now }, holds: false, lost: false, paused: false, crashed: false, liveness: 'alive', commitsAfterLost: 0 });
        const world: World = { now, row: memoryEngineLockRow(), procs: { A: mk(10, 'h1'), B: mk(20, sameHost ? 'h1' : 'h2') }, nextPid: 100 };
        fc.modelRun(() => ({ model: {}, real: world }), cs);
        for (const c of world.row.commits()) expect(c.rowTokenAtCommit !== null && EL.sameToken(c.by, c.rowTokenAtCommit)).toBe(true);
        for (const x of ['A', 'B'] as const) expect(world.procs[x].commitsAfterLost).toBe(0);
        // at most one process believes it holds the lock and is not paused/crashed while also being the row owner
        const r = world.row.peek();
        const believers = (['A', 'B'] as const).filter((x) => world.procs[x].holds && r !== null && EL.sameToken(r.token, world.procs[x].token));
        expect(believers.length).toBeLessThanOrEqual(1);
      }),
      { numRuns: 1000 },
    );
  });
});
