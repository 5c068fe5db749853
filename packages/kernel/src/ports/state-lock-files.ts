/**
 * `StateLockFiles` port: the file operations of the state lock, the state-directory lock of state-lock.md (state-lock.md §3, state-lock.md §7;
 * kernel namespace `stateLock`). Types only.
 *
 * Contract (one suite in `test/contract/state-lock-files.contract.ts` runs it against io-memory and io-node):
 * - `read` returns `Absent` for a missing file and the full text otherwise (never a torn body: every write is an
 *   exclusive create of a complete body);
 * - `createExclusive` is a compare-and-set on existence: of any number of concurrent calls on one path with no file
 *   present, exactly one answers `Won`; with the file present every call answers `Lost` and changes nothing;
 * - `unlink` of a missing file succeeds (ENOENT ignored);
 * - `touch` changes only the mtime (never the body); `mtime` reads it in ms epoch.
 */
import type { TaskEither } from 'fp-ts/lib/TaskEither.js';
import type { LockFileRead } from '../state-lock.js';

/** A file-system failure: the errno code (or a short reason) as `code`, a byte-free `detail` (≤ 200 chars). */
export interface StateLockFilesError {
  readonly _tag: 'StateLockFilesError';
  readonly code: string;
  readonly detail: string;
}

/** Outcome of an exclusive create: `Won` (the file now holds our body) or `Lost` (EEXIST). */
export type CreateResult = 'Won' | 'Lost';

/** The files of the state lock: one lock file per guarded directory, read, stat-ed, touched, created exclusively, removed. */
export interface StateLockFiles {
  /** Create `dir` (and parents) when missing. */
  readonly ensureDir: (dir: string) => TaskEither<StateLockFilesError, void>;
  /** Read the lock file's text, or `Absent`. */
  readonly read: (path: string) => TaskEither<StateLockFilesError, LockFileRead>;
  /** The lock file's mtime, ms epoch. */
  readonly mtime: (path: string) => TaskEither<StateLockFilesError, number>;
  /** Set the lock file's atime and mtime to `atMs` (ms epoch); fails with ENOENT when the file is gone. */
  readonly touch: (path: string, atMs: number) => TaskEither<StateLockFilesError, void>;
  /** Exclusive create of `path` with the complete `body` (temp file + link(2), or O_CREAT|O_EXCL). */
  readonly createExclusive: (path: string, body: string) => TaskEither<StateLockFilesError, CreateResult>;
  /** Remove `path`; a missing file is success. */
  readonly unlink: (path: string) => TaskEither<StateLockFilesError, void>;
}
