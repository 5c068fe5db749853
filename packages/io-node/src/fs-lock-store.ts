/**
 * File-system `LockStore` (session-lock.md §6.4 F1–F10): each workspace's lock is a chain of immutable generation
 * files `session-lock-<hash>.json.<g>` in `<state dir>/locks/`. The only atomic primitive is creating a name that
 * must not exist yet (link(2) of a fully written temp file; O_EXCL create where links are refused), so no
 * interleaving of processes yields two holders: a commit of generation g+1 succeeds for exactly one writer.
 */
import { closeSync, openSync, readdirSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import type { CommitResult, LockStore, LockStoreFailure, sessionLock as SL } from '@arbiter/kernel';
import { sessionLock } from '@arbiter/kernel';
import { createExclusive, ensureDir, errnoCode, readNonBlocking, tempSuffix } from './atomic.js';

/** Options of {@link fsLockStore}. `now` (ms epoch) is used only for garbage collection ages. */
export interface FsLockStoreOptions {
  readonly now?: () => number;
  /** Test seam: force the O_EXCL fallback of F9 (as on a file system that refuses hard links). */
  readonly forceExclusiveFallback?: boolean;
}

const PARTIAL_RETRIES = 4;
const PARTIAL_RETRY_MS = 25;
const PARTIAL_WINDOW_MS = 2_000;
const READ_RACE_TRIES = 3;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const fail = (detail: string): LockStoreFailure => ({ _tag: 'Failure', detail: detail.slice(0, 200) });

/** Directory holding every workspace's generation files. */
export const locksDir = (stateDir: string): string => join(stateDir, 'locks');

/** Generation numbers present for `hash`, unsorted (F2: exact prefix then digits, no leading zeros). */
export const listGenerations = (dir: string, hash: string): number[] => {
  const prefix = `session-lock-${hash}.json.`;
  const out: number[] = [];
  for (const name of readdirSync(dir)) {
    if (!name.startsWith(prefix)) continue;
    const g = name.slice(prefix.length);
    if (/^[1-9][0-9]*$/.test(g)) out.push(Number(g));
  }
  return out;
};

const newest = (dir: string, hash: string): number => {
  try {
    return listGenerations(dir, hash).reduce((a, b) => Math.max(a, b), 0);
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return 0;
    throw e;
  }
};

/**
 * Build the file-system lock store rooted at `stateDir` (the per-user state directory, session-lock.md §4.2–4.3).
 * `read` and `commit` never throw; errors other than the contract cases map to `Failure {detail: errno}` (F10).
 */
export const fsLockStore = (stateDir: string, opts: FsLockStoreOptions = {}): LockStore => {
  const dir = locksDir(stateDir);
  const now = opts.now ?? Date.now;
  const file = (hash: string, g: number): string => join(dir, `session-lock-${hash}.json.${g}`);

  const readOnce = async (hash: string): Promise<E.Either<LockStoreFailure, SL.Snapshot>> => {
    for (let race = 0; race < READ_RACE_TRIES; race++) {
      let g: number;
      try {
        g = newest(dir, hash);
      } catch (e) {
        return E.left(fail(errnoCode(e)));
      }
      if (g === 0) return E.right({ generation: 0, content: { _tag: 'Absent' } });
      for (let partial = 0; ; partial++) {
        let got: Awaited<ReturnType<typeof readNonBlocking>>;
        try {
          got = await readNonBlocking(file(hash, g)); // never blocks on a FIFO, never follows a symlink
        } catch (e) {
          if (errnoCode(e) === 'ENOENT') break; // F4: collected between list and read, list again
          return E.left(fail(errnoCode(e)));
        }
        if (!got.regular) return E.right({ generation: g, content: { _tag: 'Corrupt', fence_floor: g, detail: 'not a regular file' } });
        const mtime = got.mtimeMs;
        const content = sessionLock.decodeStored(got.text, g); // F3: fence_floor = g
        // F9: a fresh undecodable generation may still be being written by an O_EXCL fallback writer.
        if (content._tag === 'Corrupt' && now() - mtime < PARTIAL_WINDOW_MS && partial < PARTIAL_RETRIES) {
          await sleep(PARTIAL_RETRY_MS);
          continue;
        }
        return E.right({ generation: g, content });
      }
    }
    return E.left(fail('generation vanished during read'));
  };

  /**
   * F7 garbage collection, best effort: keep the `GEN_KEEP` newest generations, remove older ones (and leftover temp
   * files) whose mtime is more than `GEN_GC_AGE_MS` old. Generations are created in order, so their mtimes rise with
   * the generation number: the walk goes from the oldest and stops at the first one still too young, so a commit
   * stats only what it removes plus one, not every generation a busy session has left in the last ten minutes. (A
   * clock that stepped back only makes it stop early and keep more.)
   */
  const gc = (hash: string): void => {
    try {
      const t = now();
      const prefix = `session-lock-${hash}.json.`;
      const tmpPrefix = `${prefix}tmp-`;
      const gens: number[] = [];
      const tmps: string[] = [];
      for (const name of readdirSync(dir)) {
        if (!name.startsWith(prefix)) continue;
        const g = name.slice(prefix.length);
        if (/^[1-9][0-9]*$/.test(g)) gens.push(Number(g));
        else if (name.startsWith(tmpPrefix)) tmps.push(name);
      }
      gens.sort((a, b) => b - a);
      const old = gens.slice(sessionLock.GEN_KEEP).reverse(); // oldest first
      for (const g of old) {
        const p = file(hash, g);
        if (t - statSync(p).mtimeMs <= sessionLock.GEN_GC_AGE_MS) break;
        unlinkSync(p);
      }
      for (const name of tmps) {
        const p = join(dir, name);
        if (t - statSync(p).mtimeMs > sessionLock.GEN_GC_AGE_MS) unlinkSync(p);
      }
    } catch {
      // F7: best effort, errors ignored
    }
  };

  const commitOnce = (hash: string, expected: number, record: SL.LockRecord): E.Either<LockStoreFailure, CommitResult> => {
    const target = file(hash, expected + 1);
    const data = sessionLock.encodeRecord(record);
    try {
      ensureDir(dir);
    } catch (e) {
      return E.left(fail(errnoCode(e)));
    }
    if (!Number.isSafeInteger(expected) || expected < 0) return E.right({ _tag: 'Conflict' }); // no such generation
    // C1 for an expected generation ahead of the chain: generation `expected` must exist. It can only vanish
    // later through GC, which needs ≥ GEN_KEEP newer generations, and then the F6 check below reports Conflict.
    if (expected > 0) {
      try {
        statSync(file(hash, expected));
      } catch (e) {
        if (errnoCode(e) === 'ENOENT') return E.right({ _tag: 'Conflict' });
        return E.left(fail(errnoCode(e)));
      }
    }
    let r: ReturnType<typeof createExclusive>;
    if (opts.forceExclusiveFallback === true) {
      try {
        const fd = openSync(target, 'wx', 0o600);
        try {
          writeSync(fd, data);
        } finally {
          closeSync(fd);
        }
        r = { _tag: 'Created' };
      } catch (e) {
        r = errnoCode(e) === 'EEXIST' ? { _tag: 'Exists' } : { _tag: 'FsError', code: errnoCode(e), path: target };
      }
    } else {
      r = createExclusive(target, data, { tmp: join(dir, `session-lock-${hash}.json.tmp-${tempSuffix()}`) }); // F5 (+F9)
    }
    if (r._tag === 'Exists') return E.right({ _tag: 'Conflict' });
    if (r._tag === 'FsError') return E.left(fail(r.code));
    // F6: a later generation already exists (we were suspended past GC and re-created a collected number).
    try {
      if (newest(dir, hash) > expected + 1) return E.right({ _tag: 'Conflict' });
    } catch {
      // listing failed after a successful link: the commit stands
    }
    gc(hash);
    return E.right({ _tag: 'Committed', generation: expected + 1 });
  };

  return {
    read: (hash) => () => readOnce(hash),
    commit: (hash, expected, record) => () => Promise.resolve(commitOnce(hash, expected, record)),
  };
};
