/**
 * In-memory `CommitmentStore` (hooks.md §2 "a commitments map"): one generation counter and record list with a
 * synchronous compare-and-set, plus test controls: corrupt the newest generation, fail or conflict the next call,
 * and pause before a read or commit so a scheduler can interleave writers.
 */
import * as E from 'fp-ts/lib/Either.js';
import type { CommitmentCommitResult, CommitmentSnapshot, CommitmentStore, CommitmentStoreFailure, actionClaim } from '@arbiter/kernel';
import { faults, type FaultControls } from './faults.js';

/** The in-memory store with its test controls. */
export interface MemoryCommitmentStore extends CommitmentStore, FaultControls<'Conflict' | 'Unavailable'> {
  /** Current snapshot without going through `read`. */
  readonly peek: () => CommitmentSnapshot;
  /** Make the newest generation corrupt (reads fail with `Corrupt` until a commit replaces it). */
  readonly injectCorrupt: (detail?: string) => void;
}

/** Create an empty in-memory commitment store. Records are copied in and out, so callers cannot alias them. */
export const memoryCommitmentStore = (initial: ReadonlyArray<actionClaim.Commitment> = []): MemoryCommitmentStore => {
  let generation = initial.length > 0 ? 1 : 0;
  let records: actionClaim.Commitment[] = initial.map((r) => structuredClone(r));
  let corrupt: string | null = null;
  const f = faults<'Conflict' | 'Unavailable'>();
  const snap = (): CommitmentSnapshot => ({ generation, commitments: records.map((r) => structuredClone(r)) });
  return {
    peek: snap,
    injectCorrupt: (detail = 'injected corruption') => {
      generation++;
      corrupt = detail;
    },
    ...f.controls,
    read: () => async () => {
      if (await f.beforeRead()) {
        return E.left<CommitmentStoreFailure, CommitmentSnapshot>({ _tag: 'Unavailable', detail: 'injected read failure' });
      }
      if (corrupt !== null) return E.left<CommitmentStoreFailure, CommitmentSnapshot>({ _tag: 'Corrupt', generation, detail: corrupt });
      return E.right<CommitmentStoreFailure, CommitmentSnapshot>(snap());
    },
    commit: (expected, next) => async () => {
      const k = await f.beforeCommit();
      if (k !== null) {
        return k === 'Conflict'
          ? E.right<CommitmentStoreFailure, CommitmentCommitResult>({ _tag: 'Conflict' })
          : E.left<CommitmentStoreFailure, CommitmentCommitResult>({ _tag: 'Unavailable', detail: 'injected commit failure' });
      }
      // Compare and set, synchronously (no await between the check and the write).
      if (expected !== generation) return E.right<CommitmentStoreFailure, CommitmentCommitResult>({ _tag: 'Conflict' });
      generation++;
      records = next.map((r) => structuredClone(r));
      corrupt = null;
      return E.right<CommitmentStoreFailure, CommitmentCommitResult>({ _tag: 'Committed', generation });
    },
  };
};
