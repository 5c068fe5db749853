/**
 * Atomic file primitives for every io-node store (architecture.md "Ports and adapters": exclusive create or
 * write-to-temp then rename, never check-then-write).
 *
 * `write-file-atomic` (npm's own maintained implementation of temp file + fsync + rename, with cleanup on failure)
 * does the temp-and-rename writes in atomic-write.ts, which imports this module (never the other way round); the
 * exclusive primitives below are the compare-and-set building blocks.
 */
import { crypto } from './lazy-builtins.js';
import { constants as FS, close, fstat, linkSync, open, openSync, closeSync, read, writeSync, unlinkSync } from 'node:fs';
import { dirname, join, basename } from 'node:path';

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

/**
 * Publish `data` at `path` only if `path` does not exist yet, all-or-nothing: the content is written to a temp
 * file first and then hard-linked to `path` (link(2) fails with EEXIST atomically), so no reader ever sees a
 * partial file. `tmp` names the temporary file (same directory). Falls back to `O_EXCL` create + write where hard links are refused (EPERM, ENOTSUP, EXDEV;
 * session-lock.md §6.4 F9). Never throws.
 */
export const createExclusive = (
  path: string,
  data: string,
  tmp: string = join(dirname(path), `${basename(path)}.tmp-${tempSuffix()}`),
): ExclusiveResult => {
  const dir = dirname(path);
  try {
    ensureDir(dir);
    const fd = openSync(tmp, 'wx', 0o600);
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
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EXDEV' || code === 'EOPNOTSUPP') return excl(path, data);
    return { _tag: 'FsError', code, path };
  } finally {
    try {
      unlinkSync(tmp);
    } catch {
      // best effort
    }
  }
};

const excl = (path: string, data: string): ExclusiveResult => {
  try {
    const fd = openSync(path, 'wx', 0o600);
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
 * Read a store file without ever blocking and without following a symlink: opened `O_RDONLY | O_NONBLOCK |
 * O_NOFOLLOW` and read only when it is a regular file. A FIFO planted at a generation name therefore cannot park a
 * thread-pool thread (which would even make `process.exit` hang), and a symlink fails with `ELOOP` instead of being
 * followed. Used by every generation-file store. Rejects with the fs error (e.g. `ENOENT` after garbage collection).
 */
export const readNonBlocking = async (path: string): Promise<NonBlockingRead> => {
  // Callback fs calls: `fs/promises` would load the readline and stream modules on a hook's hot path.
  const fd = await new Promise<number>((res, rej) => open(path, FS.O_RDONLY | FS.O_NONBLOCK | FS.O_NOFOLLOW, (e, d) => (e ? rej(e) : res(d))));
  try {
    const st = await new Promise<import('node:fs').Stats>((res, rej) => fstat(fd, (e, s) => (e ? rej(e) : res(s))));
    if (!st.isFile()) return { regular: false, mtimeMs: st.mtimeMs };
    const chunks: Buffer[] = [];
    for (;;) {
      const buf = Buffer.allocUnsafe(65_536);
      const n = await new Promise<number>((res, rej) => read(fd, buf, 0, buf.length, null, (e, k) => (e ? rej(e) : res(k))));
      if (n === 0) break;
      chunks.push(buf.subarray(0, n));
    }
    return { regular: true, text: Buffer.concat(chunks).toString('utf8'), mtimeMs: st.mtimeMs };
  } finally {
    await new Promise<void>((res) => close(fd, () => res()));
  }
};
