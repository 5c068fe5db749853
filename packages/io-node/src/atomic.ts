/**
 * Atomic file primitives for every io-node store (architecture.md "Ports and adapters": exclusive create or
 * write-to-temp then rename, never check-then-write).
 *
 * `write-file-atomic` (npm's own maintained implementation of temp file + fsync + rename, with cleanup on failure)
 * does the temp-and-rename writes in atomic-write.ts, which imports this module (never the other way round); the
 * exclusive primitives below are the compare-and-set building blocks.
 */
import { crypto } from './lazy-builtins.js';
import { linkSync, openSync, closeSync, writeSync, unlinkSync } from 'node:fs';
import { dirname, join, basename } from 'node:path';
import { readState, StateIoFailure } from './state-io.js';

/** Tagged error of a filesystem operation: the errno code (e.g. `EACCES`) or `EUNKNOWN`. */
export interface FsError {
  readonly _tag: 'FsError';
  readonly code: string;
  readonly path: string;
}

import { ensureDir, errnoCode } from './dir.js';

export { errnoCode, ensureDir };

/** 16 random lowercase hex characters from `node:crypto`, for ids that must not be guessed. */
export const randomHex16 = (): string => crypto().randomBytes(8).toString('hex');

let tempCounter = 0;

/**
 * A suffix for a temporary file name, unique per process and call: pid, clock, a counter and `Math.random`. Temp
 * names need uniqueness, not secrecy (they live in 0700 directories and are published by link(2) or `O_EXCL`, which
 * fail rather than follow or overwrite), so no cryptographic module loads on a hook's hot path.
 */
export const tempSuffix = (): string =>
  `${process.pid.toString(36)}${Date.now().toString(36)}${(tempCounter++).toString(36)}${Math.floor(Math.random() * 2 ** 32).toString(36)}`;

/** Outcome of an exclusive create: `Created`, `Exists` (someone else won), or an `FsError`. */
export type ExclusiveResult = { readonly _tag: 'Created' } | { readonly _tag: 'Exists' } | FsError;

/** Options of {@link createExclusive}. */
export interface ExclusiveOptions {
  /** Path of the temporary file, in the same directory (default `<path>.tmp-<unique suffix>`). */
  readonly tmp?: string;
  /** Creation mode of the file (default 0600, less the umask). */
  readonly mode?: number;
}

/**
 * Publish `data` at `path` only if `path` does not exist yet, all-or-nothing: the content is written to a temp
 * file first and then hard-linked to `path` (link(2) fails with EEXIST atomically), so no reader ever sees a
 * partial file. Falls back to `O_EXCL` create + write where hard links are refused (EPERM, ENOTSUP, EXDEV;
 * session-lock.md §6.4 F9). Never throws.
 */
export const createExclusive = (path: string, data: string, opts: ExclusiveOptions = {}): ExclusiveResult => {
  const tmp = opts.tmp ?? join(dirname(path), `${basename(path)}.tmp-${tempSuffix()}`);
  const mode = opts.mode ?? 0o600;
  const dir = dirname(path);
  try {
    let fd: number;
    try {
      fd = openSync(tmp, 'wx', mode);
    } catch (e) {
      if (errnoCode(e) !== 'ENOENT') throw e;
      ensureDir(dir); // the directory is created on first use only: no mkdir on every commit
      fd = openSync(tmp, 'wx', mode);
    }
    try {
      writeSync(fd, data);
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    return { _tag: 'FsError', code: errnoCode(e), path };
  }
  try {
    linkSync(tmp, path);
    return { _tag: 'Created' };
  } catch (e) {
    const code = errnoCode(e);
    if (code === 'EEXIST') return { _tag: 'Exists' };
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EXDEV' || code === 'EOPNOTSUPP') return excl(path, data, mode);
    return { _tag: 'FsError', code, path };
  } finally {
    try {
      unlinkSync(tmp);
    } catch {
      // best effort
    }
  }
};

const excl = (path: string, data: string, mode: number): ExclusiveResult => {
  try {
    const fd = openSync(path, 'wx', mode);
    try {
      writeSync(fd, data);
    } finally {
      closeSync(fd);
    }
    return { _tag: 'Created' };
  } catch (e) {
    const code = errnoCode(e);
    return code === 'EEXIST' ? { _tag: 'Exists' } : { _tag: 'FsError', code, path };
  }
};

/** What {@link readNonBlocking} found: a regular file's text and mtime, or that the name is not a regular file. */
export type NonBlockingRead =
  | { readonly regular: true; readonly text: string; readonly mtimeMs: number }
  | { readonly regular: false; readonly mtimeMs: number };

/**
 * Read a generation file of a store through state-io.ts's `readState` (non-blocking, no symlink followed, regular
 * files only, bounded): `regular: false` for a FIFO, socket, directory, symlink or device at the name, which each
 * store treats as a corrupt generation. Rejects with an fs-like error (`code` = `ENOENT` when absent, e.g. after
 * garbage collection, else the errno code) so the stores' existing error paths stay as they are.
 */
export const readNonBlocking = async (path: string): Promise<NonBlockingRead> => {
  const r = readState(path);
  if (r._tag === 'File') return { regular: true, text: r.bytes.toString('utf8'), mtimeMs: r.mtimeMs };
  if (r._tag === 'NotRegular') return { regular: false, mtimeMs: 0 };
  throw new StateIoFailure(r);
};
