/**
 * SL-1 Mutual exclusion (session-lock.md §14): 2–6 sessions run any interleaving of acquire, refresh and
 * release against the in-memory store under fast-check's scheduler, through the same read–decide–commit loop the
 * hook runs (`runLockLoop`). Every read and every commit is a scheduling point.
 *
 * Checks: (a) replay — every committed generation is exactly what the kernel computes from its immediate
 * predecessor with the committing session's facts; (b) at every moment at most one session believes it holds the
 * lock, and a session whose latest acquire commit is still the newest generation is that generation's holder;
 * (c) with every holder alive and fresh (no expiry, pids alive), nobody is ever taken over.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sessionLock as SL } from '@arbiter/kernel';
import { memoryLockStore } from '@arbiter/io-memory';
import { runLockLoop, type LockCaller } from '@arbiter/io-node';

type Op = 'acquire' | 'refresh' | 'release';
const HASH = 'abcdefabcdef';

interface CommitLogItem {
  readonly session: string;
  readonly verb: Op;
  readonly generation: number;
  readonly caller: LockCaller;
  readonly now: number;
  readonly pidAlive: 'alive' | 'dead' | 'unknown' | undefined;
  readonly outcome: string;
}

const scenario = fc.record({
  sessions: fc.integer({ min: 2, max: 6 }),
  plans: fc.array(fc.array(fc.constantFrom<Op>('acquire', 'acquire', 'refresh', 'release'), { minLength: 1, maxLength: 5 }), { minLength: 6, maxLength: 6 }),
  ttl: fc.constantFrom(1_000, 300_000),
  hosts: fc.array(fc.constantFrom('laptop', 'build-02'), { minLength: 6, maxLength: 6 }),
  tick: fc.integer({ min: 0, max: 700 }),
  liveness: fc.constantFrom<'alive' | 'dead' | 'unknown'>('alive', 'dead', 'unknown'),
});

type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

const runScenario = async (s: fc.Scheduler, sc: Scenario) => {
  const store = memoryLockStore();
  let clock = 1_700_000_000_000;
  store.setReadPause(() => s.schedule(Promise.resolve()));
  store.setCommitPause(() => s.schedule(Promise.resolve()));
  const commits: CommitLogItem[] = [];
  /** session → generation of its latest successful acquire-type commit (null after its release). */
  const believes = new Map<string, number | null>();
  const violations: string[] = [];

  const checkBeliefs = (): void => {
    const current = store.peek(HASH);
    const holders = [...believes.entries()].filter(([, g]) => g !== null && g === current.generation).map(([k]) => k);
    if (holders.length > 1) violations.push(`two believers at generation ${current.generation}: ${holders.join(',')}`);
    for (const h of holders) {
      const c = current.content;
      if (c._tag !== 'Valid' || c.record.state !== 'held' || c.record.session_id !== h) violations.push(`believer ${h} is not the holder`);
    }
  };

  const sessionTask = async (i: number): Promise<void> => {
    const session = `s-${i}`;
    const caller: LockCaller = { session_id: session, my_pid: 100 + i, my_hostname: sc.hosts[i] ?? 'laptop', ttl_ms: sc.ttl, workspace_hash: HASH };
    for (const verb of sc.plans[i] ?? []) {
      clock += sc.tick;
      const r = await runLockLoop(verb, caller, { store, pidAlive: async () => sc.liveness, now: () => clock });
      if (r._tag !== 'Decided' || r.committed === null) continue;
      commits.push({ session, verb, generation: r.committed, caller, now: r.now, pidAlive: r.pidAlive, outcome: r.outcome._tag });
      if (r.outcome._tag === 'Acquired' || r.outcome._tag === 'Reacquired' || r.outcome._tag === 'TakenOver') believes.set(session, r.committed);
      else if (r.outcome._tag === 'Refreshed') believes.set(session, r.committed);
      else if (r.outcome._tag === 'Released') believes.set(session, null);
      checkBeliefs();
    }
  };

  // waitFor releases scheduled reads and commits, in the scheduler's chosen order, until every session is done.
  await s.waitFor(Promise.all([...Array(sc.sessions).keys()].map((i) => sessionTask(i))));
  return { store, commits, violations };
};

describe('SL-1 mutual exclusion under every interleaving (in-memory store, fast-check scheduler)', () => {
  it('SL-1 replay check and at most one holder, 10 000 runs', async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), scenario, async (s, sc) => {
        const { store, commits, violations } = await runScenario(s, sc);
        expect(violations).toEqual([]);
        expect(commits.length).toBe(store.history().length); // every commit is accounted for: the check is not vacuous
        // (a) replay: each committed generation is the kernel's successor of the one before it.
        const history = store.history();
        expect(history.map((h) => h.generation)).toEqual(history.map((_, i) => i + 1)); // C3
        for (const c of commits) {
          const prev = c.generation === 1 ? { generation: 0, content: { _tag: 'Absent' as const } } : { generation: c.generation - 1, content: history[c.generation - 2]!.content };
          const base = { ...c.caller, now: c.now, snapshot: prev };
          const replay =
            c.verb === 'acquire'
              ? SL.acquireStep(c.pidAlive === undefined ? base : { ...base, pid_alive: c.pidAlive })
              : c.verb === 'refresh'
                ? SL.refresh(base)
                : SL.release({ session_id: c.caller.session_id, now: c.now, workspace_hash: HASH, snapshot: prev });
          if (replay._tag !== 'Done') throw new Error('replay asked for a probe the run did not answer');
          const commit = replay.effects.find((e) => e._tag === 'CommitLock');
          expect(commit && commit._tag === 'CommitLock' ? commit.record : null).toEqual((history[c.generation - 1]!.content as { record: unknown }).record);
        }
        // (c) with live fresh holders on every host, a takeover is impossible.
        if (sc.ttl === 300_000 && sc.liveness !== 'dead') expect(commits.filter((c) => c.outcome === 'TakenOver')).toEqual([]);
      }),
      { numRuns: 10_000 },
    );
  }, 240_000);

  it('SL-1 sanity: the scheduler really interleaves (a lost race is observed)', async () => {
    let conflicts = 0;
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), async (s) => {
        const store = memoryLockStore();
        store.setReadPause(() => s.schedule(Promise.resolve()));
        store.setCommitPause(() => s.schedule(Promise.resolve()));
        const caller = (i: number): LockCaller => ({ session_id: `s-${i}`, my_pid: i + 1, my_hostname: 'h', ttl_ms: 300_000, workspace_hash: HASH });
        const rs = await s.waitFor(
          Promise.all([
            runLockLoop('acquire', caller(0), { store, pidAlive: async () => 'alive', now: () => 1 }),
            runLockLoop('acquire', caller(1), { store, pidAlive: async () => 'alive', now: () => 1 }),
          ]),
        );
        const rounds = rs.map((r) => r.rounds);
        if (rounds.some((n) => n > 1)) conflicts++;
        const acquired = rs.filter((r) => r._tag === 'Decided' && r.outcome._tag === 'Acquired');
        expect(acquired).toHaveLength(1);
      }),
      { numRuns: 200 },
    );
    expect(conflicts).toBeGreaterThan(0);
  });
});
