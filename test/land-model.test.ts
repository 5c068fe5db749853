/**
 * Properties of the `land` decision (land.md §7 LD-P1–LD-P7) against a model world: a random oracle answers every
 * probe (the queue moves, the lane is stolen, rebases conflict, checks fail or move HEAD, the remote moves under the
 * lease), a model repository applies the integrate answers and the Restore effect, and the model lane records who
 * holds it under which fence. The queue properties (FIFO, expiry) run the pure queue transitions and the memory store.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { land as L, landQueue as Q } from '@arbiter/kernel';
import { fakeClock, memoryLaneStore } from '@arbiter/io-memory';

const HEAD = 'a'.repeat(40);
const ME = { instance: 'i-me', session: 's-me' };
const config = (o: Partial<L.LandConfig> = {}): L.LandConfig => ({
  lane: 'deploy:refs/heads/main',
  remote: 'origin',
  onto: 'refs/heads/main',
  strategy: 'rebase',
  check: true,
  check_timeout_ms: 60_000,
  dry_run: false,
  max_attempts: L.MAX_ATTEMPTS,
  ...o,
});

const ticket = (position: number, instance: string): Q.TicketView => ({
  ticket_id: `t-${instance}`,
  lane: 'deploy:refs/heads/main',
  position,
  handle: instance,
  session: instance,
  instance,
  host: 'h',
  branch: 'feature',
  created_at: 0,
  age_sec: 1,
  heartbeat_age_sec: 0,
  ttl_ms: 120_000,
});

/** One model run: what the oracle saw, the probes asked, the final repository and lane state. */
interface World {
  branch: string; // the branch's commit in the model repository
  laneHolder: string | null;
  laneFence: number;
  remoteTip: string;
  position: number;
  pushes: Array<{ commit: string; fence: number | undefined; holder: string | null; worldFence: number; checked: string | null }>;
  afterFailedCheck: string[];
  failedCheckSeen: boolean;
  claimPositions: number[];
}

const hex = (n: number): string => n.toString(16).padStart(40, '0');

/** Run one land against the model driven by `choices` (consumed in order, cyclically). */
const simulate = (choices: ReadonlyArray<number>, cfg: L.LandConfig, start: L.StartFact = { ok: true, branch: 'feature', head: HEAD, clean: true, busy: false }) => {
  let k = 0;
  const pick = (n: number): number => (choices.length === 0 ? 0 : (choices[k++ % choices.length] as number) % n);
  let serial = 100;
  let asked = 0;
  const w: World = { branch: HEAD, laneHolder: null, laneFence: 3, remoteTip: hex(1), position: 1 + pick(3), pushes: [], afterFailedCheck: [], failedCheckSeen: false, claimPositions: [] };
  const steal = (): void => {
    // another actor may force-release or take the lane whenever a probe other than Push runs
    if (pick(10) === 0) {
      w.laneFence++;
      w.laneHolder = pick(2) === 0 ? null : 'i-other';
    }
  };
  const queueFact = (refreshed: boolean): L.QueueFact => {
    const queue = Array.from({ length: w.position }, (_, i) => ticket(i + 1, i + 1 === w.position ? ME.instance : `i-${i}`));
    return { ok: true, ticket: queue[w.position - 1] as Q.TicketView, refreshed, queue, lane: null, halts: pick(40) === 0 ? 1 : 0, durations: [1_000, 2_000] };
  };
  const laneView = () => ({
    lane: cfg.lane,
    fence: w.laneFence,
    holder: w.laneHolder === null ? null : { handle: w.laneHolder, session: 's', instance: w.laneHolder, host: 'h', claimed_at: 0, heartbeat_age_sec: 0, lease_sec: 60, intent: 'push' as const, eta_minutes: 1 },
    expired: pick(30) === 0,
  });
  const { run, probes } = L.runLandSync(L.initialFacts(cfg, ME), (p, f) => {
    if (w.failedCheckSeen) w.afterFailedCheck.push(p._tag);
    if (p._tag !== 'Push') steal();
    // a signal may arrive at any probe; after 150 probes one always does (a cyclic choice list can wait forever)
    if ((pick(60) === 0 || ++asked > 150) && p._tag !== 'Start') return { _tag: 'Interrupted' };
    switch (p._tag) {
      case 'Start':
        return { _tag: 'Start', value: start };
      case 'Peek':
        return { _tag: 'Peek', value: { ok: true, queue: [], lane: null, durations: [] } };
      case 'Backup':
        return { _tag: 'Backup', ok: pick(20) !== 0 };
      case 'Enqueue':
        return { _tag: 'Enqueue', value: pick(20) === 0 ? { ok: false, kind: 'transport' } : queueFact(true) };
      case 'Wait':
        if (pick(2) === 0 && w.position > 1) w.position--;
        return { _tag: 'Wait', value: pick(25) === 0 ? { ok: false, kind: 'contended' } : queueFact(pick(30) !== 0) };
      case 'Claim': {
        w.claimPositions.push(f.queue?.ok === true ? f.queue.ticket.position : -1);
        const r = pick(4);
        if (r === 0) return { _tag: 'Claim', value: { _tag: 'Held', holder_handle: 'dev2' } };
        if (r === 1 && pick(3) === 0) return { _tag: 'Claim', value: { _tag: 'Failure', kind: pick(2) === 0 ? 'contended' : 'other' } };
        w.laneFence++;
        w.laneHolder = ME.instance;
        return { _tag: 'Claim', value: { _tag: 'Granted', fence: w.laneFence } };
      }
      case 'Fetch':
        if (pick(3) === 0) w.remoteTip = hex(serial++);
        return { _tag: 'Fetch', value: pick(30) === 0 ? { ok: false, detail: 'net' } : { ok: true, tip: pick(40) === 0 ? null : w.remoteTip } };
      case 'Integrate': {
        // the adapter starts from the branch as it was (p.base) and builds on p.onto; a conflict may leave it half-done
        const r = pick(8);
        if (r === 0) {
          w.branch = hex(serial++); // mid-rebase state
          return { _tag: 'Integrate', value: { _tag: 'Conflict' } };
        }
        if (r === 1) return { _tag: 'Integrate', value: { _tag: 'Failed', detail: 'x' } };
        w.branch = pick(15) === 0 ? p.onto : hex(serial++);
        return { _tag: 'Integrate', value: { _tag: 'Integrated', commit: w.branch } };
      }
      case 'Check': {
        const r = pick(6);
        if (r === 0 || r === 1) {
          w.failedCheckSeen = true;
          return { _tag: 'Check', value: r === 0 ? { _tag: 'Failed', code: 1 } : { _tag: 'TimedOut' } };
        }
        if (r === 2 && pick(3) === 0) {
          w.branch = hex(serial++); // the check committed something
          return { _tag: 'Check', value: { _tag: 'Passed', head: w.branch } };
        }
        return { _tag: 'Check', value: { _tag: 'Passed', head: p.commit } };
      }
      case 'Assert':
        return { _tag: 'Assert', value: pick(25) === 0 ? { ok: false } : { ok: true, view: laneView(), halts: pick(40) === 0 ? 1 : 0 } };
      case 'Push': {
        const a = f.attempts[f.attempts.length - 1];
        w.pushes.push({ commit: p.commit, fence: f.fence, holder: w.laneHolder, worldFence: w.laneFence, checked: a?.check?._tag === 'Passed' ? a.check.head : null });
        const r = pick(4);
        if (r === 0) {
          w.remoteTip = hex(serial++);
          return { _tag: 'Push', value: { _tag: 'LeaseRejected' } };
        }
        if (r === 1 && pick(4) === 0) return { _tag: 'Push', value: { _tag: 'Rejected', detail: 'hook' } };
        w.remoteTip = p.commit;
        return { _tag: 'Push', value: { _tag: 'Pushed' } };
      }
    }
  });
  // the driver's effects on the model repository
  if (run._tag === 'Done') for (const e of run.effects) if (e._tag === 'Restore') w.branch = e.oid;
  return { run, probes, w };
};

const choicesArb = fc.array(fc.nat({ max: 1_000 }), { minLength: 1, maxLength: 300 });
const cfgArb = fc.record({ strategy: fc.constantFrom<'rebase' | 'merge'>('rebase', 'merge'), check: fc.boolean(), max_attempts: fc.integer({ min: 1, max: 6 }) });
const RUNS = { numRuns: 300 };

describe('land decision (land.md §7)', () => {
  it('LD-P1 never pushes without holding the lane with the current fence: every Push follows an Assert showing our fence, with nothing changed in between', () => {
    fc.assert(
      fc.property(choicesArb, cfgArb, (ch, o) => {
        const { run, w } = simulate(ch, config(o));
        expect(run._tag).toBe('Done');
        for (const p of w.pushes) {
          expect(p.fence).toBeDefined();
          expect(p.holder).toBe(ME.instance);
          expect(p.worldFence).toBe(p.fence);
        }
      }),
      RUNS,
    );
  });

  it('LD-P2 never pushes a tree other than the one checked: the pushed commit is the commit the passing check ended on', () => {
    fc.assert(
      fc.property(choicesArb, cfgArb, (ch, o) => {
        const { w } = simulate(ch, config({ ...o, check: true }));
        for (const p of w.pushes) expect(p.commit).toBe(p.checked);
      }),
      RUNS,
    );
  });

  it('LD-P3 never retries after a failed check: a failed or timed-out check is the last probe, the land stops with its reason, and no Fetch or Push follows', () => {
    fc.assert(
      fc.property(choicesArb, cfgArb, (ch, o) => {
        const { run, w } = simulate(ch, config({ ...o, check: true }));
        if (!w.failedCheckSeen) return;
        expect(w.afterFailedCheck).toEqual([]);
        expect(run._tag === 'Done' && run.outcome._tag === 'Stopped' && ['check-failed', 'check-timeout', 'interrupted'].includes(run.outcome.reason)).toBe(true);
      }),
      RUNS,
    );
  });

  it('LD-P4 after a stop (or nothing to land) the branch equals the branch before land; after a landing it is the pushed commit', () => {
    fc.assert(
      fc.property(choicesArb, cfgArb, (ch, o) => {
        const { run, w } = simulate(ch, config(o));
        if (run._tag !== 'Done') throw new Error(run._tag);
        if (run.outcome._tag === 'Landed') expect(w.branch).toBe(run.outcome.commit);
        else expect(w.branch).toBe(HEAD);
      }),
      RUNS,
    );
  });

  it('LD-P5 retries only after a lease rejection and at most max_attempts pushes; every stop after a claim releases, after a ticket withdraws it', () => {
    fc.assert(
      fc.property(choicesArb, cfgArb, (ch, o) => {
        const { run, probes } = simulate(ch, config(o));
        if (run._tag !== 'Done') throw new Error(run._tag);
        const f = run.facts;
        f.attempts.slice(0, -1).forEach((a) => expect(a.push?._tag).toBe('LeaseRejected'));
        expect(probes.filter((p) => p._tag === 'Push').length).toBeLessThanOrEqual(o.max_attempts);
        const tags = run.effects.map((e) => e._tag);
        if (f.fence !== undefined) expect(tags).toContain('Release');
        if (f.queue !== undefined) expect(tags).toContain('Dequeue');
        if (run.outcome._tag === 'Landed') expect(tags).toContain('DeleteBackup');
        else expect(tags).not.toContain('DeleteBackup');
      }),
      RUNS,
    );
  });

  it('LD-P6 claims the lane only at the head of the queue (position 1), and never from a dry run', () => {
    fc.assert(
      fc.property(choicesArb, cfgArb, fc.boolean(), (ch, o, dry) => {
        const { probes, w } = simulate(ch, config({ ...o, dry_run: dry }));
        for (const pos of w.claimPositions) expect(pos).toBe(1);
        if (dry) expect(probes.map((p) => p._tag).filter((t) => !['Start', 'Peek'].includes(t))).toEqual([]);
      }),
      RUNS,
    );
  });

  it('stops before anything changes on a detached HEAD, a dirty tree or an operation in progress', () => {
    for (const [start, reason] of [
      [{ ok: true, branch: null, head: HEAD, clean: true, busy: false }, 'detached-head'],
      [{ ok: true, branch: 'f', head: HEAD, clean: false, busy: false }, 'dirty-worktree'],
      [{ ok: true, branch: 'f', head: HEAD, clean: true, busy: true }, 'operation-in-progress'],
    ] as const) {
      const { run, probes } = simulate([0], config(), start);
      expect(run._tag === 'Done' && run.outcome).toEqual({ _tag: 'Stopped', reason });
      expect(run._tag === 'Done' && run.effects).toEqual([]);
      expect(probes.map((p) => p._tag)).toEqual(['Start']);
    }
  });

  it('a clean run: claim, fetch, rebase, check, assert, push, then release, dequeue and drop the backup', () => {
    let fence = 0;
    const { run, probes } = L.runLandSync(L.initialFacts(config(), ME), (p) => {
      switch (p._tag) {
        case 'Start':
          return { _tag: 'Start', value: { ok: true, branch: 'feature', head: HEAD, clean: true, busy: false } };
        case 'Backup':
          return { _tag: 'Backup', ok: true };
        case 'Enqueue':
          return { _tag: 'Enqueue', value: { ok: true, ticket: ticket(1, ME.instance), refreshed: false, queue: [ticket(1, ME.instance)], lane: null, halts: 0, durations: [] } };
        case 'Claim':
          return { _tag: 'Claim', value: { _tag: 'Granted', fence: (fence = 4) } };
        case 'Fetch':
          return { _tag: 'Fetch', value: { ok: true, tip: hex(1) } };
        case 'Integrate':
          return { _tag: 'Integrate', value: { _tag: 'Integrated', commit: hex(2) } };
        case 'Check':
          return { _tag: 'Check', value: { _tag: 'Passed', head: hex(2) } };
        case 'Assert':
          return { _tag: 'Assert', value: { ok: true, halts: 0, view: { lane: 'deploy:refs/heads/main', fence, expired: false, holder: { handle: 'me', session: 's', instance: ME.instance, host: 'h', claimed_at: 0, heartbeat_age_sec: 0, lease_sec: 60, intent: 'push', eta_minutes: 1 } } } };
        case 'Push':
          return { _tag: 'Push', value: { _tag: 'Pushed' } };
        default:
          throw new Error(p._tag);
      }
    });
    expect(probes.map((p) => p._tag)).toEqual(['Start', 'Backup', 'Enqueue', 'Claim', 'Fetch', 'Integrate', 'Check', 'Assert', 'Push']);
    expect(probes.find((p) => p._tag === 'Push')).toEqual({ _tag: 'Push', remote: 'origin', ref: 'refs/heads/main', commit: hex(2), lease: hex(1) });
    expect(run._tag === 'Done' && run.effects.map((e) => e._tag)).toEqual(['Release', 'Dequeue', 'DeleteBackup', 'RecordLanding']);
  });

  it('LD-P8 the Stop hook holds a session only for its own live land on this host, younger than LAND_STOP_MAX_MS; any doubt lets it stop', () => {
    fc.assert(
      fc.property(
        fc.record({ session: fc.constantFrom('s1', 's2', ''), agent: fc.constantFrom<string | null>(null, 'a1', 's2'), host: fc.constantFrom('h1', 'h2'), age: fc.integer({ min: -10, max: L.LAND_STOP_MAX_MS + 10 }) }),
        fc.constantFrom('s1', 'a1', 's2', ''),
        fc.constantFrom<'alive' | 'dead' | 'unknown'>('alive', 'dead', 'unknown'),
        (o, hookSession, alive) => {
          const now = 1_700_000_000_000;
          const m: L.RunningLand = { pid: 42, host: o.host, session: o.session, agent_session: o.agent, lane: 'deploy:refs/heads/main', onto: 'refs/heads/main', started_at: now - o.age };
          const expected = hookSession !== '' && (o.session === hookSession || o.agent === hookSession) && o.host === 'h1' && alive === 'alive' && o.age >= 0 && o.age < L.LAND_STOP_MAX_MS;
          expect(L.isRunning(m, hookSession, 'h1', alive, now)).toBe(expected);
          expect(L.isRunning(null, hookSession, 'h1', alive, now)).toBe(false);
          // the marker survives its own codec; anything else reads as no marker
          expect(L.decodeRunning(JSON.stringify(m))).toEqual(m);
        },
      ),
      RUNS,
    );
    for (const bad of ['', 'null', '{}', '{"pid":0}', JSON.stringify({ pid: 1, host: 'h', session: 's', agent_session: 5, lane: 'l', onto: 'o', started_at: 1 })]) expect(L.decodeRunning(bad)).toBeNull();
  });

  it('ETA: median of recent durations times the landings ahead; null without history', () => {
    expect(L.etaMs(3, [])).toBeNull();
    expect(L.etaMs(1, [10_000])).toBe(10_000);
    expect(L.etaMs(3, [10_000, 30_000, 20_000])).toBe(40_000);
    expect(L.etaMs(2, [10_000, 20_000, Number.NaN, -5])).toBe(15_000);
  });

  it('messages: every stop reason has a fixed one-line template that names the next step without control characters', () => {
    const ctx = { branch: 'feat\u001b[31m', remote: 'origin', onto: 'refs/heads/main', log: '/tmp/x.log' };
    for (const reason of L.STOP_REASONS) {
      const m = L.outcomeMessage({ _tag: 'Stopped', reason }, ctx);
      expect(m.startsWith('arbiter land: stopped')).toBe(true);
      expect(m).not.toMatch(/[\u0000-\u001f]/);
    }
  });
});

describe('landing queue (land.md §2)', () => {
  const holder = (i: number) => ({ handle: `h${i}`, session: `s${i}`, instance: `i${i}`, host: 'h' });
  type Op = { kind: 'enqueue' | 'heartbeat' | 'dequeue'; who: number } | { kind: 'tick'; ms: number };
  const opArb: fc.Arbitrary<Op> = fc.oneof(
    fc.record({ kind: fc.constantFrom<'enqueue' | 'heartbeat' | 'dequeue'>('enqueue', 'heartbeat', 'dequeue'), who: fc.integer({ min: 0, max: 5 }) }),
    fc.record({ kind: fc.constant<'tick'>('tick'), ms: fc.integer({ min: 0, max: 8_000 }) }),
  );

  it('LD-P7 FIFO among live tickets, and a dead waiter expires: the queue is the live waiters in the order they took their ticket', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 60 }), (ops) => {
        let now = 1_000_000;
        let records: ReadonlyArray<Q.TicketRecord> = [];
        let maxSeq = 0;
        // the model: who holds a ticket, since when (order of taking), last refresh
        const model = new Map<number, { order: number; refreshed: number }>();
        let order = 0;
        const ttl = 5_000;
        for (const op of ops) {
          if (op.kind === 'tick') now += op.ms;
          for (const [who, m] of model) if (now - m.refreshed > ttl) model.delete(who);
          if (op.kind === 'enqueue' || op.kind === 'heartbeat') {
            const t = Q.enqueueT(records, 'deploy:refs/heads/main', holder(op.who), { branch: 'b', ttl_ms: ttl }, now, maxSeq, `id${order}`);
            records = t.next;
            maxSeq = Math.max(maxSeq, ...records.map((r) => r.seq));
            const m = model.get(op.who);
            model.set(op.who, { order: m?.order ?? order++, refreshed: now });
            expect(t.result.refreshed).toBe(m !== undefined);
          } else if (op.kind === 'dequeue') {
            records = Q.dequeueT(records, 'deploy:refs/heads/main', `i${op.who}`, now).next;
            model.delete(op.who);
          }
          const view = Q.queueView(records, 'deploy:refs/heads/main', now);
          const expected = [...model.entries()].sort((a, b) => a[1].order - b[1].order).map(([who]) => `i${who}`);
          expect(view.map((v) => v.instance)).toEqual(expected);
          view.forEach((v, i) => expect(v.position).toBe(i + 1));
        }
      }),
      { numRuns: 400 },
    );
  });

  it('a dead waiter at the head stops blocking once its ttl passes (memory store, store clock)', async () => {
    const clock = fakeClock();
    const store = memoryLaneStore({ clock });
    const lane = 'deploy:refs/heads/main';
    await store.enqueue(lane, holder(1), { branch: 'a', ttl_ms: 5_000 })();
    await store.enqueue(lane, holder(2), { branch: 'b', ttl_ms: 5_000 })();
    for (let i = 0; i < 3; i++) {
      clock.advance(2_000);
      const r = await store.enqueue(lane, holder(2), { branch: 'b', ttl_ms: 5_000 })(); // only waiter 2 heartbeats
      expect(r._tag === 'Right' && r.right.refreshed).toBe(true);
    }
    const q = await store.queue(lane)();
    expect(q._tag === 'Right' && q.right.map((t) => [t.instance, t.position])).toEqual([['i2', 1]]);
  });
});
