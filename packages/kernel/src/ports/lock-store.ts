/**
 * `LockStore` port of the session lock (session-lock.md §6.1–6.2). Types only.
 *
 * Contract C1–C6: `commit` is a compare-and-set on the generation; generations rise by exactly one; the current
 * generation is never overwritten or deleted; a `Corrupt` snapshot carries a `fence_floor` at least every fence
 * ever committed for that workspace.
 */
import type { TaskEither } from 'fp-ts/lib/TaskEither.js';
import type { LockRecord, Snapshot } from '../session-lock.js';

/** A store-level failure (errno code or short reason as `detail`, ≤ 200 characters, no raw bytes). */
export interface LockStoreFailure {
  readonly _tag: 'Failure';
  readonly detail: string;
}

/** Outcome of a successful `commit` call: the new generation, or a lost compare-and-set race. */
export type CommitResult =
  | { readonly _tag: 'Committed'; readonly generation: number }
  | { readonly _tag: 'Conflict' };

/** The lock store port. `workspaceHash` is the 12-hex workspace hash (session-lock.md §4.1 W5). */
export interface LockStore {
  /** Newest generation and its decoded content. Never a torn read (C2). */
  readonly read: (workspaceHash: string) => TaskEither<LockStoreFailure, Snapshot>;
  /** Commit `record` as generation `expectedGeneration + 1` iff the current generation is `expectedGeneration` (C1). */
  readonly commit: (
    workspaceHash: string,
    expectedGeneration: number,
    record: LockRecord,
  ) => TaskEither<LockStoreFailure, CommitResult>;
}
