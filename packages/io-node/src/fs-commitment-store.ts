/**
 * File-system `CommitmentStore` (hooks.md §5 and action-claim.md §3 "Applying the effects", with architecture.md conventions §2:
 * runtime state in `<git common dir>/arbiter/commitments/`, or `$ARBITER_STATE_DIR/repos/<key>/commitments/`).
 *
 * The records of a repository are a chain of immutable generation files `commitments.json.<g>`. A commit publishes
 * generation g+1 with link(2) of a fully written temp file to a name that must not exist (O_EXCL create where links
 * are refused), so of two hooks writing at once exactly one wins the generation and the other re-reads and retries:
 * no commitment is ever lost, and no reader sees a partial file. Instead of the spec's `commitments.json` + mutex
 * (which needs stale-mutex deletion, a check-then-write), this is a lock-free compare-and-set.
 */
import { readdirSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import type { CommitmentCommitResult, CommitmentSnapshot, CommitmentStore, CommitmentStoreFailure } from '@arbiter/kernel';
import { actionClaim } from '@arbiter/kernel';
import { createExclusive, ensureDir, errnoCode, readNonBlocking, tempSuffix } from './atomic.js';

/** Newest generation files always kept. */
export const COMMITMENT_GEN_KEEP = 8;
/** Older generations (and stray temp files) may be deleted after this age, ms. */
export const COMMITMENT_GEN_GC_AGE_MS = 600_000;
const PARTIAL_RETRIES = 4;
const PARTIAL_RETRY_MS = 25;
const PARTIAL_WINDOW_MS = 2_000;
const PREFIX = 'commitments.json.';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const unavailable = (detail: string): CommitmentStoreFailure => ({ _tag: 'Unavailable', detail: detail.slice(0, 200) });

/** Directory of a repository's commitments: `<runtime dir>/commitments`. */
export const commitmentsDir = (runtimeDir: string): string => join(runtimeDir, 'commitments');

const generations = (dir: string): number[] => {
  const out: number[] = [];
  for (const name of readdirSync(dir)) {
    if (!name.startsWith(PREFIX)) continue;
    const g = name.slice(PREFIX.length);
    if (/^[1-9][0-9]{0,14}$/.test(g)) out.push(Number(g));
  }
  return out;
};

const newest = (dir: string): number => {
  try {
    return generations(dir).reduce((a, b) => Math.max(a, b), 0);
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return 0;
    throw e;
  }
};

/**
 * Build the file-system commitment store of a repository whose runtime directory is `runtimeDir` (io-node
 * `resolveRepo(...).runtimeDir`). `read` and `commit` never throw: filesystem errors map to `Unavailable {detail:
 * errno}`, an undecodable newest generation to `Corrupt`. `now` (ms epoch) only ages files for garbage collection.
 */
export const fsCommitmentStore = (runtimeDir: string, opts: { readonly now?: () => number } = {}): CommitmentStore => {
  const dir = commitmentsDir(runtimeDir);
  const now = opts.now ?? Date.now;
  const file = (g: number): string => join(dir, `${PREFIX}${g}`);

  const read = async (): Promise<E.Either<CommitmentStoreFailure, CommitmentSnapshot>> => {
    for (let race = 0; race < 3; race++) {
      let g: number;
      try {
        g = newest(dir);
      } catch (e) {
        return E.left(unavailable(errnoCode(e)));
      }
      if (g === 0) return E.right({ generation: 0, commitments: [] });
      for (let partial = 0; ; partial++) {
        let got: Awaited<ReturnType<typeof readNonBlocking>>;
        try {
          got = await readNonBlocking(file(g)); // never blocks on a FIFO, never follows a symlink
        } catch (e) {
          if (errnoCode(e) === 'ENOENT') break; // collected between list and read: list again
          return E.left(unavailable(errnoCode(e)));
        }
        if (!got.regular) return E.left({ _tag: 'Corrupt', generation: g, detail: 'not a regular file' });
        const mtime = got.mtimeMs;
        const d = actionClaim.decodeStoreFile(got.text);
        if (d.ok) return E.right({ generation: g, commitments: d.commitments });
        // An O_EXCL-fallback writer may still be writing a fresh generation.
        if (now() - mtime < PARTIAL_WINDOW_MS && partial < PARTIAL_RETRIES) {
          await sleep(PARTIAL_RETRY_MS);
          continue;
        }
        return E.left({ _tag: 'Corrupt', generation: g, detail: d.detail });
      }
    }
    return E.left(unavailable('generation vanished during read'));
  };

  const gc = (): void => {
    try {
      const t = now();
      for (const g of generations(dir).sort((a, b) => b - a).slice(COMMITMENT_GEN_KEEP)) {
        const p = file(g);
        if (t - statSync(p).mtimeMs > COMMITMENT_GEN_GC_AGE_MS) unlinkSync(p);
      }
      for (const name of readdirSync(dir)) {
        if (!name.startsWith('commitments.tmp-')) continue;
        const p = join(dir, name);
        if (t - statSync(p).mtimeMs > COMMITMENT_GEN_GC_AGE_MS) unlinkSync(p);
      }
    } catch {
      // best effort
    }
  };

  const commit = (expected: number, records: ReadonlyArray<actionClaim.Commitment>): E.Either<CommitmentStoreFailure, CommitmentCommitResult> => {
    if (!Number.isSafeInteger(expected) || expected < 0) return E.left(unavailable('invalid expected generation'));
    try {
      ensureDir(dir);
    } catch (e) {
      return E.left(unavailable(errnoCode(e)));
    }
    // A caller cannot build on a generation that does not exist (a future one, or one long collected).
    if (expected > 0) {
      try {
        statSync(file(expected));
      } catch (e) {
        return errnoCode(e) === 'ENOENT' ? E.right({ _tag: 'Conflict' }) : E.left(unavailable(errnoCode(e)));
      }
    }
    const r = createExclusive(file(expected + 1), actionClaim.encodeStoreFile(records), { tmp: join(dir, `commitments.tmp-${tempSuffix()}`) });
    if (r._tag === 'Exists') return E.right({ _tag: 'Conflict' });
    if (r._tag === 'FsError') return E.left(unavailable(r.code));
    // We re-created a number that garbage collection had removed: it was beyond the newest COMMITMENT_GEN_KEEP
    // generations. (A newer generation a few numbers ahead is normal: other writers built on ours at once.)
    try {
      if (newest(dir) - (expected + 1) >= COMMITMENT_GEN_KEEP) return E.right({ _tag: 'Conflict' });
    } catch {
      // the commit stands
    }
    gc();
    return E.right({ _tag: 'Committed', generation: expected + 1 });
  };

  return {
    read: () => () => read().catch((e: unknown) => E.left(unavailable(errnoCode(e)))),
    commit: (expected, records) => async () => {
      try {
        return commit(expected, records);
      } catch (e) {
        return E.left(unavailable(errnoCode(e)));
      }
    },
  };
};

/** Result of {@link applyCommitmentEffects}. */
export type ApplyResult =
  | { readonly _tag: 'Applied'; readonly generation: number; readonly commitments: ReadonlyArray<actionClaim.Commitment> }
  | { readonly _tag: 'Unchanged'; readonly generation: number }
  | { readonly _tag: 'Failed'; readonly error: CommitmentStoreFailure | { readonly _tag: 'Contention'; readonly attempts: number } };

/**
 * Apply kernel effects to a store with read → `actionClaim.applyEffects` → compare-and-set commit, retrying on a lost
 * race up to `attempts` times (default 12) with a short random back-off (1–`backoffMs` ms, default 15). Works over any
 * `CommitmentStore`. Effects that change nothing skip the write. Never throws; failures come back as `Failed`.
 * The effect semantics (create-as-refresh, refresh only active, close only open, cap, pruning) are the kernel's.
 */
export const applyCommitmentEffects = async (
  store: CommitmentStore,
  effects: ReadonlyArray<actionClaim.Effect>,
  now: number,
  opts: { readonly attempts?: number; readonly backoffMs?: number } = {},
): Promise<ApplyResult> => {
  const attempts = opts.attempts ?? 12;
  const backoff = opts.backoffMs ?? 15;
  try {
    for (let i = 0; i < attempts; i++) {
      const snap = await store.read()();
      if (E.isLeft(snap)) return { _tag: 'Failed', error: snap.left };
      const next = actionClaim.applyEffects(snap.right.commitments, effects, now);
      if (actionClaim.sameRecords(snap.right.commitments, next)) return { _tag: 'Unchanged', generation: snap.right.generation };
      const c = await store.commit(snap.right.generation, next)();
      if (E.isLeft(c)) return { _tag: 'Failed', error: c.left };
      if (c.right._tag === 'Committed') return { _tag: 'Applied', generation: c.right.generation, commitments: next };
      await sleep(1 + Math.floor(Math.random() * backoff));
    }
    return { _tag: 'Failed', error: { _tag: 'Contention', attempts } };
  } catch (e) {
    return { _tag: 'Failed', error: unavailable(e instanceof Error ? e.message : 'unknown error') };
  }
};
