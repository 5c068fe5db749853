/**
 * The one way Arbiter opens its own state (architecture.md "State files are opened without blocking"; hooks.md §5
 * rule 5): every read, append and listing of a store file, lock, log or configuration goes through this module.
 *
 * A name in a state directory can be anything: a FIFO, a Unix socket, a directory, a symlink (a loop, or one that
 * points elsewhere), a device. A plain `open(path, 'r')` of a FIFO waits for a writer forever, and it waits
 * synchronously, so no timer of the process can fire. Here:
 *
 * - every open is `O_NONBLOCK | O_NOFOLLOW` (libuv adds `O_CLOEXEC` to every open itself): a FIFO opens at once
 *   (reading) or fails with `ENXIO` (writing, no reader), a socket fails with `ENXIO`, a symlink as the last
 *   component fails with `ELOOP`;
 * - the opened descriptor is `fstat`-checked and used only when it is a regular file; anything else is reported as
 *   {@link NotRegular} with what it was (looked up with `lstat`, which never follows or blocks, when the open itself
 *   failed), and each caller treats that exactly as it treats a corrupt or unreadable record today;
 * - reads are bounded (`maxBytes`) and synchronous: a regular file never makes a read wait, and a read that hangs
 *   anyway (a dead network mount) blocks the event loop, where the hook's backstop (hook/backstop.ts) still ends the
 *   process, rather than parking a thread-pool thread, which would make even `process.exit` wait.
 *
 * Writes that replace a file stay temp + rename or temp + link (atomic.ts, atomic-write.ts): creating a fresh name
 * with `O_EXCL` never opens what is already there. Only `node:fs` is loaded, so hooks pay nothing for it.
 */
import { closeSync, constants as FS, fstatSync, lstatSync, openSync, readSync, readdirSync, writeSync, type Dirent, type Stats } from 'node:fs';

/** errno code of a thrown value (`EUNKNOWN` when it has none); atomic.ts has the same helper and imports this module. */
const errnoCode = (e: unknown): string =>
  typeof e === 'object' && e !== null && typeof (e as { code?: unknown }).code === 'string' ? (e as { code: string }).code : 'EUNKNOWN';

/** What a name turned out to be when it is not a regular file (`file`: a regular file where a directory was listed). */
export type NotRegularKind = 'fifo' | 'socket' | 'directory' | 'symlink' | 'character-device' | 'block-device' | 'file' | 'unknown';

/** Something other than a regular file at a state path (to be treated as a corrupt or unreadable record). */
export interface NotRegular {
  readonly _tag: 'NotRegular';
  readonly kind: NotRegularKind;
}

/** Nothing at the path (`ENOENT`). */
export interface Absent {
  readonly _tag: 'Absent';
}

/** Any other failure, with its errno code (`EACCES`, `EIO`, `ENOTDIR`, `EUNKNOWN`, …). */
export interface StateIoError {
  readonly _tag: 'Error';
  readonly code: string;
}

/** Result of {@link readState}. `truncated`: the file is larger than `maxBytes` and `bytes` is its first `maxBytes`. */
export type StateRead =
  | Absent
  | { readonly _tag: 'File'; readonly bytes: Buffer; readonly truncated: boolean; readonly size: number; readonly mtimeMs: number }
  | NotRegular
  | StateIoError;

/** Result of {@link appendState}. */
export type StateAppend = { readonly _tag: 'Appended' } | NotRegular | StateIoError;

/** Result of {@link openState}: an open regular file (the caller closes `fd`), or why not. */
export type StateOpen = { readonly _tag: 'Open'; readonly fd: number; readonly stat: Stats } | Absent | NotRegular | StateIoError;

/** Result of {@link listState}: the names in a directory, or why they cannot be listed. */
export type StateList = Absent | { readonly _tag: 'Entries'; readonly names: ReadonlyArray<string> } | NotRegular | StateIoError;

/** How {@link openState} opens: read only, append only (created 0600 when missing), or both. */
export type StateOpenMode = 'read' | 'append' | 'read-append';

/** Default read bound, bytes (every state document is far smaller). */
export const STATE_READ_MAX_BYTES = 4 * 1024 * 1024;

const kindOfStats = (s: Stats): NotRegularKind =>
  s.isFile()
    ? 'file'
    : s.isFIFO()
    ? 'fifo'
    : s.isSocket()
      ? 'socket'
      : s.isDirectory()
        ? 'directory'
        : s.isSymbolicLink()
          ? 'symlink'
          : s.isCharacterDevice()
            ? 'character-device'
            : s.isBlockDevice()
              ? 'block-device'
              : 'unknown';

/** Open and read errors that mean "the name is there but is not a file we can read" (ESPIPE: a positional read of a FIFO): ask `lstat` what it is. */
const NOT_A_FILE_CODES: ReadonlySet<string> = new Set(['ELOOP', 'ENXIO', 'EISDIR', 'ESPIPE', 'EOPNOTSUPP', 'ENOTSUP', 'EMLINK', 'EFTYPE', 'ENODEV']);

const failure = (e: unknown, path: string): Absent | NotRegular | StateIoError => {
  const code = errnoCode(e);
  if (code === 'ENOENT') return { _tag: 'Absent' };
  if (NOT_A_FILE_CODES.has(code)) {
    try {
      const s = lstatSync(path);
      if (!s.isFile()) return { _tag: 'NotRegular', kind: kindOfStats(s) };
    } catch (e2) {
      return { _tag: 'Error', code: errnoCode(e2) };
    }
  }
  return { _tag: 'Error', code };
};

const flagsOf = (mode: StateOpenMode): number => {
  const base = FS.O_NONBLOCK | FS.O_NOFOLLOW;
  if (mode === 'read') return base | FS.O_RDONLY;
  return base | FS.O_APPEND | FS.O_CREAT | (mode === 'append' ? FS.O_WRONLY : FS.O_RDWR);
};

const closeQuietly = (fd: number): void => {
  try {
    closeSync(fd);
  } catch {
    // nothing to do
  }
};

/**
 * Open a state file without blocking and without following a symlink (module doc), and check it is a regular file.
 * `append` modes create a missing file with `createMode` (default 0600). Never throws.
 * @returns `Open` (the caller must close `fd`), `Absent`, `NotRegular` with the kind found, or `Error` with the errno code.
 */
export const openState = (path: string, mode: StateOpenMode, createMode = 0o600): StateOpen => {
  let fd: number;
  try {
    fd = openSync(path, flagsOf(mode), createMode);
  } catch (e) {
    return failure(e, path);
  }
  try {
    const stat = fstatSync(fd);
    if (stat.isFile()) return { _tag: 'Open', fd, stat };
    closeQuietly(fd);
    return { _tag: 'NotRegular', kind: kindOfStats(stat) };
  } catch (e) {
    closeQuietly(fd);
    return { _tag: 'Error', code: errnoCode(e) };
  }
};

/**
 * Read a state file: at most `maxBytes` bytes (default {@link STATE_READ_MAX_BYTES}), synchronously, never blocking,
 * never following a symlink. Never throws.
 * @returns `File` with the bytes read (its first `maxBytes` and `truncated: true` when larger) and its mtime (ms),
 *   `Absent`, `NotRegular` with the kind found, or `Error` with the errno code.
 */
export const readState = (path: string, maxBytes: number = STATE_READ_MAX_BYTES): StateRead => {
  const o = openState(path, 'read');
  if (o._tag !== 'Open') return o;
  try {
    const size = o.stat.size;
    const want = Math.max(0, Math.min(size, maxBytes));
    const buf = Buffer.allocUnsafe(want);
    let off = 0;
    while (off < want) {
      const n = readSync(o.fd, buf, off, want - off, off);
      if (n === 0) break;
      off += n;
    }
    return { _tag: 'File', bytes: buf.subarray(0, off), truncated: size > maxBytes, size, mtimeMs: o.stat.mtimeMs };
  } catch (e) {
    return { _tag: 'Error', code: errnoCode(e) };
  } finally {
    closeQuietly(o.fd);
  }
};

/**
 * Read a state file as UTF-8 text (see {@link readState}). @returns the text, or `null` for any other outcome
 * (absent, not a regular file, an error, or larger than `maxBytes`), for callers that treat all of those alike.
 */
export const readStateText = (path: string, maxBytes: number = STATE_READ_MAX_BYTES): string | null => {
  const r = readState(path, maxBytes);
  return r._tag === 'File' && !r.truncated ? r.bytes.toString('utf8') : null;
};

/** Bytes read per step by {@link readLinesBackward}. */
const BACKWARD_CHUNK_BYTES = 64 * 1024;

/**
 * Visit the lines of a state file from the last to the first, reading it from its end in steps of `chunkBytes`
 * (default 64 KiB; opened as the module doc says: non-blocking, regular files only), and stop as soon as `visit`
 * returns `true`: a reader that wants the newest entries of an append-only log (the decision log's recent blocks,
 * status.md §2) reads only its tail, however large the file has grown. A line is
 * the text between two `\n` bytes (cut on bytes, so a multi-byte UTF-8 character is never split: no byte of one is
 * `\n`), decoded as UTF-8, without its `\n`; the text after the last `\n` counts as a line when not empty. Lines
 * longer than `maxLineBytes` (default 4 MiB) are skipped, so a corrupt file cannot make the reader hold it whole.
 * Never throws (an exception from `visit` propagates).
 * @returns `Done` (the end reached or `visit` stopped it), or `Absent`, `NotRegular` or `Error` with the errno code.
 */
export const readLinesBackward = (
  path: string,
  visit: (line: string) => boolean,
  maxLineBytes: number = STATE_READ_MAX_BYTES,
  chunkBytes: number = BACKWARD_CHUNK_BYTES,
): { readonly _tag: 'Done' } | Absent | NotRegular | StateIoError => {
  const o = openState(path, 'read');
  if (o._tag !== 'Open') return o;
  try {
    let end = o.stat.size; // file offset where the unread part ends
    let carry: Buffer = Buffer.alloc(0); // bytes after `end` that do not yet reach back to a `\n`
    let skipping = false; // the line in `carry` grew past maxLineBytes: drop it up to its start
    while (end > 0) {
      const want = Math.min(chunkBytes, end);
      const chunk = Buffer.allocUnsafe(want);
      let got = 0;
      while (got < want) {
        const n = readSync(o.fd, chunk, got, want - got, end - want + got);
        if (n === 0) break;
        got += n;
      }
      if (got < want) return { _tag: 'Done' }; // truncated under us: what was read is all there is
      end -= want;
      const buf = carry.length === 0 ? chunk : Buffer.concat([chunk, carry]);
      let stop = buf.length; // exclusive end of the line being cut
      let nl = buf.lastIndexOf(0x0a, stop - 1);
      while (nl >= 0) {
        if (!skipping && stop > nl + 1 && stop - nl - 1 <= maxLineBytes && visit(buf.toString('utf8', nl + 1, stop))) return { _tag: 'Done' };
        skipping = false;
        stop = nl;
        nl = stop > 0 ? buf.lastIndexOf(0x0a, stop - 1) : -1; // (a negative offset would search from the end)
      }
      carry = buf.subarray(0, stop);
      if (carry.length > maxLineBytes) {
        skipping = true;
        carry = Buffer.alloc(0);
      }
    }
    if (!skipping && carry.length > 0) visit(carry.toString('utf8')); // (never longer than maxLineBytes: see above)
    return { _tag: 'Done' };
  } catch (e) {
    return { _tag: 'Error', code: errnoCode(e) };
  } finally {
    closeQuietly(o.fd);
  }
};

/**
 * Append `data` to a state file with one `write` (`O_WRONLY | O_APPEND | O_CREAT | O_NONBLOCK | O_NOFOLLOW`, created
 * with `createMode`, default 0600), after checking that what was opened is a regular file. Never throws.
 * @returns `Appended`, `NotRegular` (nothing written) or `Error` with the errno code.
 */
export const appendState = (path: string, data: string | Uint8Array, createMode = 0o600): StateAppend => {
  const o = openState(path, 'append', createMode);
  if (o._tag === 'Absent') return { _tag: 'Error', code: 'ENOENT' }; // the directory is missing
  if (o._tag !== 'Open') return o;
  try {
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let off = 0;
    while (off < buf.length) off += writeSync(o.fd, buf, off, buf.length - off);
    return { _tag: 'Appended' };
  } catch (e) {
    return { _tag: 'Error', code: errnoCode(e) };
  } finally {
    closeQuietly(o.fd);
  }
};

/**
 * List a state directory. A missing directory is `Absent`; a name that is not a directory (a FIFO, a file, a
 * socket, a symlink to one of those, a symlink loop) is `NotRegular` with what it is, never a hang or a throw.
 * (`readdir` opens with `O_DIRECTORY`, which refuses a non-directory before it could wait.) Never throws.
 */
export const listState = (dir: string): StateList => {
  try {
    return { _tag: 'Entries', names: readdirSync(dir) };
  } catch (e) {
    return listFailure(e, dir);
  }
};

/** What a failed `readdir` of `dir` means: absent, not a directory (with what it is), or the errno code. */
const listFailure = (e: unknown, dir: string): Absent | NotRegular | StateIoError => {
  const code = errnoCode(e);
  if (code === 'ENOENT') return { _tag: 'Absent' };
  if (code === 'ENOTDIR' || code === 'ELOOP') {
    try {
      return { _tag: 'NotRegular', kind: kindOfStats(lstatSync(dir)) };
    } catch (e2) {
      return { _tag: 'Error', code: errnoCode(e2) };
    }
  }
  return { _tag: 'Error', code };
};

/** A name in a listed state directory and what the listing says it is (`regular` for a regular file). */
export interface StateEntry {
  readonly name: string;
  readonly kind: 'regular' | Exclude<NotRegularKind, 'file'>;
}

const kindOfDirent = (d: Dirent): StateEntry['kind'] =>
  d.isFile()
    ? 'regular'
    : d.isFIFO()
      ? 'fifo'
      : d.isSocket()
        ? 'socket'
        : d.isDirectory()
          ? 'directory'
          : d.isSymbolicLink()
            ? 'symlink'
            : d.isCharacterDevice()
              ? 'character-device'
              : d.isBlockDevice()
                ? 'block-device'
                : 'unknown';

/**
 * List a state directory with what each name is, as the directory itself records it (`d_type`; Node asks `lstat`
 * where the file system does not record it), so a reader of many small files learns which are regular files without
 * a `stat` of each. Fails like {@link listState}. Never throws.
 */
export const listStateEntries = (dir: string): Absent | { readonly _tag: 'Entries'; readonly entries: ReadonlyArray<StateEntry> } | NotRegular | StateIoError => {
  try {
    return { _tag: 'Entries', entries: readdirSync(dir, { withFileTypes: true }).map((d) => ({ name: d.name, kind: kindOfDirent(d) })) };
  } catch (e) {
    return listFailure(e, dir);
  }
};

/**
 * Read a file that {@link listStateEntries} listed as regular into `buf` (reused across files by a reader of many
 * small files: no allocation and no `fstat` per file). The open is non-blocking and follows no symlink (module doc),
 * so a name replaced after the listing by a FIFO, a socket, a directory or a symlink is an empty read or a failure,
 * never a wait. Reads at most `buf.length` bytes: `truncated` when the file filled `buf` (size the buffer one byte
 * over the largest valid file). Never throws.
 * @returns `Read` with the byte count, or `Absent` (removed since the listing), `NotRegular`, or `Error`.
 */
export const readListedState = (path: string, buf: Buffer): { readonly _tag: 'Read'; readonly length: number; readonly truncated: boolean } | Absent | NotRegular | StateIoError => {
  let fd: number;
  try {
    fd = openSync(path, flagsOf('read'));
  } catch (e) {
    return failure(e, path);
  }
  try {
    // a regular file reads short only at its end, so one read of a small file is the whole of it (no second read
    // to see end-of-file; a thousand registry records are a thousand reads, not two thousand)
    let off = 0;
    while (off < buf.length) {
      const want = buf.length - off;
      const n = readSync(fd, buf, off, want, off);
      off += n;
      if (n < want) break;
    }
    return { _tag: 'Read', length: off, truncated: off === buf.length };
  } catch (e) {
    return failure(e, path);
  } finally {
    closeQuietly(fd);
  }
};

/**
 * A short description of a failed read, append or listing for logs and messages: `fifo, not a regular file`, `a
 * directory entry missing`, or the errno code.
 */
export const describeStateFailure = (r: Absent | NotRegular | StateIoError): string =>
  r._tag === 'NotRegular' ? `${r.kind}, not a regular file` : r._tag === 'Absent' ? 'ENOENT' : r.code;

/**
 * Thrown by {@link throwingState} for code that keeps an exception-based flow: carries `code` like an fs error, so
 * `errnoCode` reads it (`ENOTREG` for something that is not a regular file).
 */
export class StateIoFailure extends Error {
  readonly code: string;
  constructor(readonly result: Absent | NotRegular | StateIoError) {
    super(describeStateFailure(result));
    this.code = result._tag === 'NotRegular' ? 'ENOTREG' : result._tag === 'Absent' ? 'ENOENT' : result.code;
  }
}

/**
 * The text of a state file for code that reports failures by throwing (stores built on `try`/`catch` of fs errors):
 * the UTF-8 text of a regular file (its first `maxBytes` bytes when larger), else a thrown {@link StateIoFailure} whose `code` is
 * `ENOENT` (absent), `ENOTREG` (not a regular file) or the errno code.
 */
export const throwingState = (path: string, maxBytes: number = STATE_READ_MAX_BYTES): string => {
  const r = readState(path, maxBytes);
  if (r._tag === 'File') return r.bytes.toString('utf8');
  throw new StateIoFailure(r);
};
