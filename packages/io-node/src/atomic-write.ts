/**
 * Temp-file + fsync + rename writes through `write-file-atomic` (npm's own maintained implementation, with cleanup
 * on failure). Kept apart from atomic.ts so that hook bundles which only need exclusive creates do not load it. The
 * dependency runs one way: this module uses atomic.ts's helpers; atomic.ts never imports this one.
 */
import { dirname } from 'node:path';
import writeFileAtomicLib from 'write-file-atomic';
import { ensureDir, errnoCode, type FsError } from './atomic.js';

/**
 * Replace `path` atomically with `data` (temp file in the same directory, fsync, rename). Creates the parent
 * directory (0700). @returns `null` on success or an `FsError`. Never throws.
 */
export const writeFileAtomic = (path: string, data: string): FsError | null => {
  try {
    ensureDir(dirname(path));
    writeFileAtomicLib.sync(path, data, { mode: 0o600 });
    return null;
  } catch (e) {
    return { _tag: 'FsError', code: errnoCode(e), path };
  }
};

/** {@link writeFileAtomic} of `JSON.stringify(value, null, 2)` plus a newline. */
export const writeJsonAtomic = (path: string, value: unknown): FsError | null =>
  writeFileAtomic(path, JSON.stringify(value, null, 2) + '\n');

