/**
 * The contract of the session-lock driver (`runLockLoop`, session-lock.md §7.8, session-lock.md §8.6, session-lock.md §9.7) over the in-memory store:
 * whatever the kernel decides to write is written, as the next generation, exactly as decided; a decision that
 * writes nothing leaves the store untouched; a lost compare-and-set starts again from a fresh read; a store failure
 * or an exhausted compare-and-set fails open.
 *
 * The replay check of SL-1 (test/session-lock-model.test.ts) compares each commit with what the kernel computes, so
 * it cannot notice a kernel that forgets to write: these cases state the expected writes independently.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sessionLock as SL } from '@arbiter/kernel';
import { memoryLockStore, type MemoryLockStore } from '@arbiter/io-memory';
import { runLockLoop, type LockCaller } from '@arbiter/io-node';

const H = 'abcdefabcdef';
const T0 = 1_700_000_000_000;
const TTL = 300_000;
const me: LockCaller = { session_id: 's-A', my_pid: 1111, my_hostname: 'laptop', ttl_ms: TTL, workspace_hash: H };

const heldBy = (session_id: string, over: Partial<SL.HeldRecord> = {}): SL.HeldRecord => ({
  schema_version: 1,
  state: 'held',
  session_id,
  pid: 4242,
  hostname: 'build-02',
  acquired_at: T0 - 60_000,
  refreshed_at: T0 - 1_000,
  ttl_ms: 120_000,
  fence: 6,
  ...over,
});

/** A store whose newest generation is 1 and holds `record`. */
const seeded = async (record: SL.LockRecord): Promise<MemoryLockStore> => {
  const store = memoryLockStore();
  await store.commit(H, 0, record)();
  return store;
};

const run = (verb: 'acquire' | 'refresh' | 'release', store: MemoryLockStore, now: number, caller: LockCaller = me) =>
  runLockLoop(verb, caller, { store, pidAlive: async () => 'dead', now: () => now });

describe('runLockLoop writes what the kernel decides (session-lock.md §7.8, session-lock.md §8.6, session-lock.md §9.7)', () => {
  it('R5 a refresh by the holder writes the renewed record as the next generation', async () => {
    const old = heldBy('s-A');
    const store = await seeded(old);
    const r = await run('refresh', store, T0);
    expect(r).toMatchObject({ _tag: 'Decided', outcome: { _tag: 'Refreshed', fence: 6 }, committed: 2, rounds: 1 });
    expect(store.peek(H)).toEqual({
      generation: 2,
      content: { _tag: 'Valid', record: { ...old, pid: 1111, hostname: 'laptop', refreshed_at: T0, ttl_ms: TTL } },
    });
  });

  it('L5 a release by the holder writes the released record, fence and last holder kept', async () => {
    const old = heldBy('s-A');
    const store = await seeded(old);
    const r = await run('release', store, T0);
    expect(r).toMatchObject({ _tag: 'Decided', outcome: { _tag: 'Released', fence: 6 }, committed: 2 });
    expect(store.peek(H)).toEqual({ generation: 2, content: { _tag: 'Valid', record: { ...old, state: 'released', released_at: T0 } } });
    // L3 / session-lock.md §9.5: the second release meets the released record and writes nothing
    const again = await run('release', store, T0 + 5);
    expect(again).toMatchObject({ _tag: 'Decided', outcome: { _tag: 'NotHolder', basis: 'released' }, committed: null });
    expect(store.history()).toHaveLength(2);
  });

  it('R1–R4 / L1–L4 a refresh or release by a non-holder writes nothing', async () => {
    const cases: Array<[SL.NotHolderBasis, () => MemoryLockStore | Promise<MemoryLockStore>]> = [
      ['absent', () => memoryLockStore()],
      [
        'corrupt',
        () => {
          const s = memoryLockStore();
          s.injectCorrupt(H);
          return s;
        },
      ],
      ['released', () => seeded({ ...heldBy('s-A'), state: 'released', released_at: T0 - 10 })],
      ['other-session', () => seeded(heldBy('s-B', { refreshed_at: 0 }))],
    ];
    for (const [basis, make] of cases) {
      for (const verb of ['refresh', 'release'] as const) {
        const store = await make();
        const before = store.peek(H);
        const r = await run(verb, store, T0);
        expect(r).toMatchObject({ _tag: 'Decided', outcome: { _tag: 'NotHolder', basis }, committed: null });
        expect(store.peek(H)).toEqual(before);
      }
    }
  });

  it('A1–A5 an acquire that decides to write writes the decided record; a Held outcome writes nothing', async () => {
    const store = memoryLockStore();
    const first = await run('acquire', store, T0);
    expect(first).toMatchObject({ _tag: 'Decided', outcome: { _tag: 'Acquired', fence: 1 }, committed: 1 });
    expect(store.peek(H).content).toEqual({ _tag: 'Valid', record: (first as { outcome: { record: SL.HeldRecord } }).outcome.record });
    const held = await run('acquire', store, T0 + 1, { ...me, session_id: 's-B', my_hostname: 'build-02' });
    expect(held).toMatchObject({ _tag: 'Decided', outcome: { _tag: 'Held', basis: 'foreign-host' }, committed: null });
    expect(store.peek(H).generation).toBe(1);
  });

  it('every committed decision is the next generation and holds exactly the CommitLock record', async () => {
    const recordArb = fc.record({
      session: fc.constantFrom('s-A', 's-B'),
      state: fc.constantFrom('held', 'released', 'corrupt', 'absent'),
      age: fc.constantFrom(0, 200_000),
    });
    await fc.assert(
      fc.asyncProperty(recordArb, fc.constantFrom<'acquire' | 'refresh' | 'release'>('acquire', 'refresh', 'release'), async (s, verb) => {
        const store = memoryLockStore();
        const held = heldBy(s.session, { hostname: 'laptop', refreshed_at: T0 - s.age });
        if (s.state === 'held') await store.commit(H, 0, held)();
        if (s.state === 'released') await store.commit(H, 0, { ...held, state: 'released', released_at: T0 - s.age })();
        if (s.state === 'corrupt') store.injectCorrupt(H);
        const before = store.peek(H);
        const r = await run(verb, store, T0);
        if (r._tag !== 'Decided') throw new Error('the in-memory store never fails unasked');
        const commit = r.effects.find((e) => e._tag === 'CommitLock');
        // a decision that changes the lock always carries its write (A1–A6 committed outcomes, R5, L5)
        const writes = ['Acquired', 'Reacquired', 'TakenOver', 'Refreshed', 'Released'].includes(r.outcome._tag);
        expect(commit !== undefined).toBe(writes);
        if (commit === undefined || commit._tag !== 'CommitLock') {
          expect(r.committed).toBeNull();
          expect(store.peek(H)).toEqual(before);
          return;
        }
        expect(commit.expected_generation).toBe(before.generation);
        expect(r.committed).toBe(before.generation + 1);
        expect(store.peek(H)).toEqual({ generation: before.generation + 1, content: { _tag: 'Valid', record: commit.record } });
        expect(commit.record).toEqual((r.outcome as { record: SL.LockRecord }).record);
      }),
      { numRuns: 200 },
    );
  });

  it('a lost compare-and-set reads again; a store failure and three lost rounds fail open', async () => {
    const store = await seeded(heldBy('s-A'));
    store.failNextCommit('Conflict');
    expect(await run('refresh', store, T0)).toMatchObject({ _tag: 'Decided', outcome: { _tag: 'Refreshed' }, committed: 2, rounds: 2 });
    store.failNextCommit('Failure');
    expect(await run('release', store, T0)).toEqual({ _tag: 'FailOpen', detail: 'store-failure', rounds: 1 });
    store.failNextRead();
    expect(await run('acquire', store, T0)).toEqual({ _tag: 'FailOpen', detail: 'store-failure', rounds: 1 });
    const always = await seeded(heldBy('s-A'));
    const conflicting = { ...always, commit: () => async () => ({ _tag: 'Right' as const, right: { _tag: 'Conflict' as const } }) };
    const r = await runLockLoop('refresh', me, { store: conflicting, pidAlive: async () => 'dead', now: () => T0 });
    expect(r).toEqual({ _tag: 'FailOpen', detail: 'cas-exhausted', rounds: SL.CAS_ATTEMPTS });
  });
});
