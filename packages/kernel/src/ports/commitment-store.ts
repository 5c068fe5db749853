/**
 * `CommitmentStore` port of the action-claim policy (action-claim.md §3–6; architecture.md "Ports and adapters").
 * Types only.
 *
 * Contract: `read` returns the newest generation of the repository's commitments (generation 0 = never written,
 * no records), never a torn read; `commit` is a compare-and-set on the generation: it writes the full record list as
 * generation `expectedGeneration + 1` iff the current generation is `expectedGeneration`, else `Conflict`, so no
 * interleaving of writers loses a commitment (each retries on a fresh read). A corrupt newest generation is reported
 * as `Corrupt`, never silently overwritten.
 */
import type { TaskEither } from 'fp-ts/lib/TaskEither.js';
import type { Commitment } from '../action-claim/action-claim.js';

/** A store failure: unreadable/unwritable (errno or short reason as `detail`, ≤ 200 characters) or corrupt. */
export type CommitmentStoreFailure =
  | { readonly _tag: 'Unavailable'; readonly detail: string }
  | { readonly _tag: 'Corrupt'; readonly generation: number; readonly detail: string };

/** The newest generation and its records (instants in ms epoch). */
export interface CommitmentSnapshot {
  readonly generation: number;
  readonly commitments: ReadonlyArray<Commitment>;
}

/** Outcome of a `commit`: the new generation, or a lost race. */
export type CommitmentCommitResult = { readonly _tag: 'Committed'; readonly generation: number } | { readonly _tag: 'Conflict' };

/** The commitments of one repository (shared by all its worktrees). */
export interface CommitmentStore {
  readonly read: () => TaskEither<CommitmentStoreFailure, CommitmentSnapshot>;
  readonly commit: (
    expectedGeneration: number,
    commitments: ReadonlyArray<Commitment>,
  ) => TaskEither<CommitmentStoreFailure, CommitmentCommitResult>;
}
