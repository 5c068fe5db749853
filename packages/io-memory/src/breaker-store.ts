/**
 * In-memory `BreakerStore` (port contract BS1–BS4 in the kernel's `ports/breaker-store.ts`): a list of generations
 * of raw document text with a synchronous compare-and-set, plus test controls (inject a raw document such as a
 * corrupt one, make the next commit conflict or fail, make the next read fail).
 */
import * as E from 'fp-ts/lib/Either.js';
import { breaker, type BreakerCommitResult, type BreakerSnapshot, type BreakerStore, type BreakerStoreFailure } from '@arbiter/kernel';
import { faults, type FaultControls } from './faults.js';

/** The in-memory breaker store with its test controls. */
export interface MemoryBreakerStore extends BreakerStore, FaultControls<'Conflict' | 'Failure'> {
  /** Current snapshot without going through `read`. */
  readonly peek: () => BreakerSnapshot;
  /** Append `raw` as a new generation (e.g. a corrupt document written by another tool). */
  readonly injectRaw: (raw: string) => void;
}

/** Create an empty in-memory breaker store. */
export const memoryBreakerStore = (): MemoryBreakerStore => {
  const gens: string[] = [];
  const f = faults<'Conflict' | 'Failure'>();
  const peek = (): BreakerSnapshot => ({ generation: gens.length, raw: gens.length === 0 ? null : (gens[gens.length - 1] as string) });
  return {
    read: () => async () => {
      if (await f.beforeRead()) {
        return E.left<BreakerStoreFailure, BreakerSnapshot>({ _tag: 'BreakerStoreFailure', detail: 'injected read failure' });
      }
      return E.right(peek());
    },
    commit: (expected, book) => async () => {
      const k = await f.beforeCommit();
      if (k !== null) {
        return k === 'Conflict'
          ? E.right<BreakerStoreFailure, BreakerCommitResult>({ _tag: 'Conflict' })
          : E.left<BreakerStoreFailure, BreakerCommitResult>({ _tag: 'BreakerStoreFailure', detail: 'injected commit failure' });
      }
      // BS2: compare and set, synchronously (no await between the check and the write).
      if (gens.length !== expected) return E.right<BreakerStoreFailure, BreakerCommitResult>({ _tag: 'Conflict' });
      gens.push(breaker.encodeBook(book) + '\n');
      return E.right<BreakerStoreFailure, BreakerCommitResult>({ _tag: 'Committed', generation: gens.length });
    },
    peek,
    injectRaw: (raw) => {
      gens.push(raw);
    },
    ...f.controls,
  };
};
