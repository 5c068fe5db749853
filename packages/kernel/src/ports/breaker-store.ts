/**
 * `BreakerStore` port (breaker.md §8, convoy.md §1 rule 6): the persisted breaker book survives between
 * short-lived processes. Types only.
 *
 * Contract (test/contract/breaker-store.contract.ts):
 * - BS1 `read` returns the newest generation and its raw document text (`null` when no document was ever written,
 *   generation 0). Decoding is the caller's job (`breaker.restoreBook(raw, now)`), so a corrupt document is
 *   returned as it is, never repaired or dropped by the store.
 * - BS2 `commit(expected, book)` writes `breaker.encodeBook(book)` as generation `expected + 1` iff the newest
 *   generation is still `expected` (compare-and-set); otherwise it writes nothing and answers `Conflict`.
 *   Exactly one of several concurrent commits on the same `expected` wins, across processes.
 * - BS3 Generations rise by exactly one per successful commit; a read never sees a partial document.
 * - BS4 A committed book reads back as the same canonical text.
 */
import type { TaskEither } from 'fp-ts/lib/TaskEither.js';
import type { Book } from '../breaker.js';

/** A store-level failure: an errno code or short reason (≤ 200 characters, no raw bytes). */
export interface BreakerStoreFailure {
  readonly _tag: 'BreakerStoreFailure';
  readonly detail: string;
}

/** What `read` returns: the newest generation (0 = never written) and its raw text (`null` when absent). */
export interface BreakerSnapshot {
  readonly generation: number;
  readonly raw: string | null;
}

/** Outcome of a `commit`: the new generation, or a lost compare-and-set race (nothing written). */
export type BreakerCommitResult =
  | { readonly _tag: 'Committed'; readonly generation: number }
  | { readonly _tag: 'Conflict' };

/** The breaker book store (one book per store instance: per repository, or per user outside a repository). */
export interface BreakerStore {
  readonly read: () => TaskEither<BreakerStoreFailure, BreakerSnapshot>;
  readonly commit: (expectedGeneration: number, book: Book) => TaskEither<BreakerStoreFailure, BreakerCommitResult>;
}
