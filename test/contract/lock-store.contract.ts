/**
 * The `LockStore` contract (session-lock.md §6.2 C1–C6), one suite run against every adapter.
 * `makeHarness` returns a fresh, empty store plus a way to damage the newest generation the way a crashed writer
 * would (so C4 and the Corrupt path are part of the contract).
 */
import { describe, expect, it } from 'vitest';
import type { LockStore, sessionLock as SL } from '@arbiter/kernel';

/** A store under test plus its corruption seam. */
export interface LockStoreHarness {
  readonly store: LockStore;
  /** Append an undecodable newest generation for `hash`. */
  readonly injectCorrupt: (hash: string) => void;
  readonly cleanup?: () => void;
}

const H = 'aaaaaaaaaaaa';
const rec = (session: string, fence: number, state: 'held' | 'released' = 'held'): SL.LockRecord =>
  state === 'held'
    ? { schema_version: 1, state, session_id: session, pid: 7, hostname: 'h', acquired_at: 1_700_000_000_000, refreshed_at: 1_700_000_000_000, ttl_ms: 300_000, fence }
    : { schema_version: 1, state, session_id: session, pid: 7, hostname: 'h', acquired_at: 1_700_000_000_000, refreshed_at: 1_700_000_000_000, ttl_ms: 300_000, fence, released_at: 1_700_000_000_500 };

const right = async <A>(te: () => Promise<{ _tag: 'Left'; left: unknown } | { _tag: 'Right'; right: A }>): Promise<A> => {
  const r = await te();
  if (r._tag === 'Left') throw new Error(`adapter failure: ${JSON.stringify(r.left)}`);
  return r.right;
};

/** Register the contract suite for one adapter. */
export const lockStoreContract = (name: string, makeHarness: () => LockStoreHarness): void => {
  describe(`LockStore contract: ${name}`, () => {
    const withStore = (f: (h: LockStoreHarness) => Promise<void>) => async () => {
      const h = makeHarness();
      try {
        await f(h);
      } finally {
        h.cleanup?.();
      }
    };

    it('a never-written hash reads as generation 0, Absent', withStore(async ({ store }) => {
      expect(await right(store.read(H))).toEqual({ generation: 0, content: { _tag: 'Absent' } });
    }));

    it('C1/C3 commit at the current generation succeeds and raises it by exactly one', withStore(async ({ store }) => {
      expect(await right(store.commit(H, 0, rec('a', 1)))).toEqual({ _tag: 'Committed', generation: 1 });
      expect(await right(store.read(H))).toEqual({ generation: 1, content: { _tag: 'Valid', record: rec('a', 1) } });
      expect(await right(store.commit(H, 1, rec('a', 1, 'released')))).toEqual({ _tag: 'Committed', generation: 2 });
      expect((await right(store.read(H))).generation).toBe(2);
    }));

    it('C1/C5 a stale expected generation conflicts and changes nothing', withStore(async ({ store }) => {
      await right(store.commit(H, 0, rec('a', 1)));
      expect(await right(store.commit(H, 0, rec('b', 1)))).toEqual({ _tag: 'Conflict' });
      expect(await right(store.commit(H, 5, rec('b', 1)))).toEqual({ _tag: 'Conflict' });
      expect(await right(store.read(H))).toEqual({ generation: 1, content: { _tag: 'Valid', record: rec('a', 1) } });
    }));

    it('C1 concurrent commits on one generation: exactly one wins', withStore(async ({ store }) => {
      const rs = await Promise.all([...Array(8).keys()].map((i) => right(store.commit(H, 0, rec(`s${i}`, 1)))));
      expect(rs.filter((r) => r._tag === 'Committed')).toHaveLength(1);
      expect((await right(store.read(H))).generation).toBe(1);
    }));

    it('C4 a corrupt newest generation reports a fence floor ≥ every committed fence', withStore(async ({ store, injectCorrupt }) => {
      await right(store.commit(H, 0, rec('a', 1)));
      await right(store.commit(H, 1, rec('a', 1, 'released')));
      await right(store.commit(H, 2, rec('b', 2)));
      injectCorrupt(H);
      const s = await right(store.read(H));
      expect(s.generation).toBe(4);
      expect(s.content._tag).toBe('Corrupt');
      if (s.content._tag === 'Corrupt') {
        expect(s.content.fence_floor).toBeGreaterThanOrEqual(2);
        expect(s.content.detail.length).toBeLessThanOrEqual(200);
      }
      // the corrupt generation is a generation like any other: the next commit builds on it
      expect(await right(store.commit(H, 4, rec('c', 5)))).toEqual({ _tag: 'Committed', generation: 5 });
    }));

    it('C6 workspaces are independent chains', withStore(async ({ store }) => {
      await right(store.commit(H, 0, rec('a', 1)));
      expect(await right(store.read('bbbbbbbbbbbb'))).toEqual({ generation: 0, content: { _tag: 'Absent' } });
      expect(await right(store.commit('bbbbbbbbbbbb', 0, rec('b', 1)))).toEqual({ _tag: 'Committed', generation: 1 });
    }));
  });
};
