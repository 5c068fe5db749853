/**
 * In-memory `LockStore` (session-lock.md §6.3): a map from workspace hash to `{generation, content}` plus a
 * per-hash fence high-water mark for `fence_floor`, a synchronous compare-and-swap, and test controls: inject
 * `Corrupt` content, make the next commit conflict or fail, and pause between a read and a commit so a scheduler
 * can interleave sessions.
 */
import * as E from 'fp-ts/lib/Either.js';
import type { CommitResult, LockStore, LockStoreFailure, sessionLock as SL } from '@arbiter/kernel';
import { faults, type FaultControls } from './faults.js';

/** A committed generation as kept in history (for replay checks, SL-1). */
export interface HistoryEntry {
  readonly hash: string;
  readonly generation: number;
  readonly content: SL.SnapshotContent;
}

/** The in-memory store with its test controls (`failNextCommit`: `Conflict` without writing, or `Failure`). */
export interface MemoryLockStore extends LockStore, FaultControls<'Conflict' | 'Failure'> {
  /** Every committed or injected generation, in commit order. */
  readonly history: () => ReadonlyArray<HistoryEntry>;
  /** Current snapshot without going through `read` (no pause, no spy count). */
  readonly peek: (hash: string) => SL.Snapshot;
  /** Make the newest generation `Corrupt` (as a new generation, like a torn write by a crashed writer would). */
  readonly injectCorrupt: (hash: string, detail?: string) => void;
}

/** Create an empty in-memory lock store. */
export const memoryLockStore = (): MemoryLockStore => {
  const current = new Map<string, SL.Snapshot>();
  const fenceHigh = new Map<string, number>();
  const log: HistoryEntry[] = [];
  const f = faults<'Conflict' | 'Failure'>();

  const peek = (hash: string): SL.Snapshot => current.get(hash) ?? { generation: 0, content: { _tag: 'Absent' } };

  const put = (hash: string, content: SL.SnapshotContent): number => {
    const generation = peek(hash).generation + 1;
    current.set(hash, { generation, content });
    if (content._tag === 'Valid') fenceHigh.set(hash, Math.max(fenceHigh.get(hash) ?? 0, content.record.fence));
    log.push({ hash, generation, content });
    return generation;
  };

  return {
    read: (hash) => async () => {
      if (await f.beforeRead()) {
        return E.left<LockStoreFailure, SL.Snapshot>({ _tag: 'Failure', detail: 'injected read failure' });
      }
      return E.right(peek(hash));
    },
    commit: (hash, expected, record) => async () => {
      const k = await f.beforeCommit();
      if (k !== null) {
        return k === 'Conflict'
          ? E.right<LockStoreFailure, CommitResult>({ _tag: 'Conflict' })
          : E.left<LockStoreFailure, CommitResult>({ _tag: 'Failure', detail: 'injected commit failure' });
      }
      // C1: compare and swap, synchronously (no await between the check and the write).
      if (peek(hash).generation !== expected) return E.right<LockStoreFailure, CommitResult>({ _tag: 'Conflict' });
      return E.right<LockStoreFailure, CommitResult>({ _tag: 'Committed', generation: put(hash, { _tag: 'Valid', record }) });
    },
    history: () => log,
    peek,
    injectCorrupt: (hash, detail = 'injected corruption') => {
      const g = peek(hash).generation + 1;
      // C4: the floor is at least every fence ever committed; like the fs store (F3) it is also ≥ the generation.
      put(hash, { _tag: 'Corrupt', fence_floor: Math.max(fenceHigh.get(hash) ?? 0, g), detail });
    },
    ...f.controls,
  };
};
