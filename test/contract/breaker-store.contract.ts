/**
 * The one contract suite of the `BreakerStore` port (BS1–BS4 in packages/kernel/src/ports/breaker-store.ts), run
 * against every adapter by test/breaker-store.test.ts.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { breaker, type BreakerStore } from '@arbiter/kernel';
import { updateBook } from '@arbiter/io-node';
import { arbBook } from '../../packages/kernel/test/arb/convoy.js';

/** What each adapter provides to the suite. `injectRaw` appends a raw document as the next generation. */
export interface BreakerStoreHarness {
  readonly store: BreakerStore;
  readonly injectRaw: (raw: string) => void;
}

const ok = <A>(e: E.Either<unknown, A>): A => {
  if (E.isLeft(e)) throw new Error(`unexpected Left: ${JSON.stringify(e.left)}`);
  return e.right;
};

const book1: breaker.Book = { dev: { _tag: 'Closed', failures: 2 }, ops: { _tag: 'Open', openedAt: Date.UTC(2026, 0, 1), lateFailures: 1 } };

/** Register the contract suite for one adapter. `make` builds a fresh, empty store for each test. */
export const breakerStoreContract = (name: string, make: () => BreakerStoreHarness): void => {
  describe(`BreakerStore contract: ${name}`, () => {
    it('BS1 an empty store reads generation 0 with no document', async () => {
      expect(ok(await make().store.read()())).toEqual({ generation: 0, raw: null });
    });

    it('BS2 commit is a compare-and-set on the generation', async () => {
      const { store } = make();
      expect(ok(await store.commit(0, book1)())).toEqual({ _tag: 'Committed', generation: 1 });
      expect(ok(await store.commit(0, breaker.EMPTY_BOOK)())).toEqual({ _tag: 'Conflict' });
      expect(ok(await store.commit(2, breaker.EMPTY_BOOK)())).toEqual({ _tag: 'Conflict' });
      const snap = ok(await store.read()());
      expect(snap.generation).toBe(1);
      expect(snap.raw).toBe(breaker.encodeBook(book1) + '\n');
    });

    it('BS2 of concurrent commits on the same generation exactly one wins', async () => {
      const { store } = make();
      const results = await Promise.all(Array.from({ length: 12 }, (_, i) => store.commit(0, { [`a${i}`]: { _tag: 'Closed', failures: 1 } })()));
      expect(results.map(ok).filter((r) => r._tag === 'Committed')).toHaveLength(1);
      expect(ok(await store.read()()).generation).toBe(1);
    });

    it('BS3 generations rise by exactly one per successful commit', async () => {
      const { store } = make();
      for (let g = 0; g < 12; g++) {
        expect(ok(await store.commit(g, { a: { _tag: 'Closed', failures: g + 1 } })())).toEqual({ _tag: 'Committed', generation: g + 1 });
        expect(ok(await store.read()()).generation).toBe(g + 1);
      }
    });

    it('BS4 a committed book reads back as the same canonical text and the same book', async () => {
      await fc.assert(
        fc.asyncProperty(arbBook, async (book) => {
          const { store } = make();
          ok(await store.commit(0, book)());
          const snap = ok(await store.read()());
          expect(snap.raw).toBe(breaker.encodeBook(book) + '\n');
          const r = breaker.restoreBook(snap.raw, 0);
          expect(E.isRight(r) && breaker.encodeBook(r.right.book)).toBe(breaker.encodeBook(book));
        }),
        { numRuns: 40 },
      );
    });

    it('a corrupt document is returned as it is and never overwritten by an update', async () => {
      const h = make();
      ok(await h.store.commit(0, book1)());
      h.injectRaw('{"version":1,"agents":[');
      const snap = ok(await h.store.read()());
      expect(snap).toEqual({ generation: 2, raw: '{"version":1,"agents":[' });
      const u = await updateBook(h.store, 5, (b) => ({ book: { ...b, x: { _tag: 'Closed', failures: 1 } }, value: null }));
      expect(E.isLeft(u) && u.left._tag).toBe('BookUnreadable');
      expect(ok(await h.store.read()())).toEqual(snap);
      // the operator's reset is an explicit commit over it
      expect(ok(await h.store.commit(2, breaker.EMPTY_BOOK)())).toEqual({ _tag: 'Committed', generation: 3 });
    });

    it('an invalid entry is quarantined and the quarantine is persisted by the next update', async () => {
      const h = make();
      h.injectRaw('{"version":1,"agents":{"dev":{"state":"open","opened_at":"yesterday","late_failures":0}}}');
      const u = ok(await updateBook(h.store, Date.UTC(2026, 0, 1), (b) => ({ book: b, value: null })));
      expect(u.quarantined).toEqual(['dev']);
      const r = breaker.restoreBook(ok(await h.store.read()()).raw, 0);
      expect(E.isRight(r) && r.right.book['dev']).toEqual({ _tag: 'Open', openedAt: Date.UTC(2026, 0, 1), lateFailures: 0 });
    });

    it('no update is lost when many in-process writers record failures concurrently', async () => {
      const { store } = make();
      const cfg = { ...breaker.DEFAULT_CONFIG, threshold: 1_000 };
      const n = 25;
      const results = await Promise.all(
        Array.from({ length: n }, () =>
          updateBook(store, 1, (b) => {
            const t = breaker.transition(cfg, breaker.stateOf(b, 'dev'), { _tag: 'Failure', taskId: 't' }, 1);
            return { book: { ...b, dev: t.state }, value: t.code };
          }),
        ),
      );
      expect(results.every(E.isRight)).toBe(true);
      const r = breaker.restoreBook(ok(await store.read()()).raw, 0);
      expect(E.isRight(r) && r.right.book['dev']).toEqual({ _tag: 'Closed', failures: n });
    });
  });
};
