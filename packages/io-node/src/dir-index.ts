/**
 * A directory's listing kept in one file, used while the directory is unchanged: the session registry's
 * `sessions.index` (presence.md §5.1 LX1–LX3) and the embedded lane store's `lanes.index` (push-gate.md §5.5 E9).
 * Reading a hundred or a thousand small files costs a reader far more than reading one; an index answers for them
 * as long as the directory's state (device, inode, modification and change times in nanoseconds) is the one it was
 * made from.
 *
 * The file: a header line `{"v":1,"dir":"<state>","sha256":"<hex>"}` and the body, a JSON text the caller chose. A
 * reader uses the body only when the header names the directory's current state and the body matches its SHA-256;
 * anything else (missing, unreadable, torn, altered, of another state or version) is no index. The index lives
 * beside the directory it describes, never inside it, so writing it does not change that directory. Written through a
 * temporary file and a rename, without fsync: an index holds nothing the directory does not, so losing it only costs
 * the next reader a full listing.
 */
import * as fs from 'node:fs';
import { join } from 'node:path';
import { ensureDir, errnoCode, tempSuffix } from './atomic.js';
import { sha256Hex } from './hash.js';
import { readState, readStateText } from './state-io.js';

/** One state of a directory, as an index records it. */
export interface DirMark {
  /** Device, inode, and the modification and change times in ns: any change Arbiter makes inside gives another. */
  readonly id: string;
  /** The later of the modification and change times, ms since the epoch. */
  readonly changedMs: number;
}

/**
 * A listing is written to an index only when its directory last changed at least this long before, ms
 * (presence.md §5.1 LX2): far above the granularity of a file system's timestamps (a few ms on Linux), so a directory that has
 * been still this long has its last change behind it, and any later change gives it another modification time.
 */
export const DIR_INDEX_SETTLE_MS = 1_000;

/** The state of directory `dir`, or `null` when it cannot be read (absent, not a directory, unreadable). Never throws. */
export const dirMark = (dir: string): DirMark | null => {
  try {
    const st = fs.statSync(dir, { bigint: true, throwIfNoEntry: false });
    if (st === undefined || !st.isDirectory()) return null;
    const changed = st.mtimeNs > st.ctimeNs ? st.mtimeNs : st.ctimeNs;
    return { id: `${st.dev}:${st.ino}:${st.mtimeNs}:${st.ctimeNs}`, changedMs: Number(changed / 1_000_000n) };
  } catch {
    return null;
  }
};

/** True when `mark` is a state at least {@link DIR_INDEX_SETTLE_MS} old at `now` (ms since the epoch, machine clock). */
const isSettled = (mark: DirMark, now: number): boolean => now - mark.changedMs >= DIR_INDEX_SETTLE_MS;

/** Largest header line of an index, bytes (its version, a directory state and a SHA-256 take about 150). */
const INDEX_HEAD_MAX_BYTES = 1024;

/** An index's header line, as parsed (its fields are checked where they are read). */
type IndexHead = { readonly v?: unknown; readonly dir?: unknown; readonly sha256?: unknown };

/** The header of an index's text: its first line as a JSON object, or `null` when there is no such line. Never throws. */
const headOf = (text: string): IndexHead | null => {
  const nl = text.indexOf('\n');
  if (nl < 0) return null;
  try {
    const h = JSON.parse(text.slice(0, nl)) as unknown;
    return typeof h === 'object' && h !== null ? h : null;
  } catch {
    return null;
  }
};

/** True when an index header is of version 1 and for the directory state `mark`. */
const headFits = (head: IndexHead | null, mark: DirMark): boolean => head !== null && head.v === 1 && head.dir === mark.id;

/**
 * The body of the index file `path` when it describes the directory state `mark` and matches its SHA-256, else
 * `null` (no index, one of another state or version, a torn or altered one, or one over `maxBytes` bytes). The
 * header is read first (1 KiB): an index of another state, the usual miss, costs no read of the body. Never throws.
 */
export const readIndexBody = (path: string, mark: DirMark, maxBytes: number): string | null => {
  const first = readState(path, INDEX_HEAD_MAX_BYTES);
  if (first._tag !== 'File' || !headFits(headOf(first.bytes.toString('latin1')), mark)) return null;
  const text = readStateText(path, maxBytes);
  const head = text === null ? null : headOf(text);
  if (text === null || head === null || !headFits(head, mark)) return null; // (replaced since the header was read)
  const body = text.slice(text.indexOf('\n') + 1);
  return head.sha256 === sha256Hex(body, 64) ? body : null;
};

/**
 * Write `body`, a listing of a directory read in the state `mark`, as the index file `name` in `dir` (the directory's
 * parent, never the directory itself). Best effort: an index that cannot be written (a read-only or full file system)
 * only costs the next reader a full listing.
 */
const writeIndexBody = (dir: string, name: string, mark: DirMark, body: string): void => {
  try {
    replaceFile(dir, name, `${JSON.stringify({ v: 1, dir: mark.id, sha256: sha256Hex(body, 64) })}\n${body}`);
  } catch {
    // the listing is still read from the directory
  }
};

/**
 * After a listing of `dir` read from its files, in the state `before` (read just before the files): write it to the
 * index file `name` in `indexDir` (with `writeIndexBody`) when the listing is `complete` (every file could be read),
 * `before` is settled at `now` (ms since the epoch, machine clock) and `dir` is still in that state (presence.md §5.1
 * LX2). `body` makes the index's text, only when it is written. Best effort, never throws.
 */
export const keepIndexIfSettled = (dir: string, before: DirMark | null, complete: boolean, now: number, indexDir: string, name: string, body: () => string): void => {
  if (!complete || before === null || !isSettled(before, now)) return;
  const after = dirMark(dir);
  if (after !== null && after.id === before.id) writeIndexBody(indexDir, name, before, body());
};

/**
 * Replace `dir/name` by `text` through a temporary file in the same directory and a rename, without fsync: readers
 * see the old file or the new one, never a part; a crash may lose the write. The temporary file is created with
 * `O_EXCL` (never opens what is there) and removed on failure; `dir` is created when missing. Throws the fs error.
 */
export const replaceFile = (dir: string, name: string, text: string): void => {
  const tmp = join(dir, `.${name}.${tempSuffix()}`);
  let fd: number;
  try {
    fd = fs.openSync(tmp, 'wx', 0o600);
  } catch (e) {
    if (errnoCode(e) !== 'ENOENT') throw e;
    ensureDir(dir);
    fd = fs.openSync(tmp, 'wx', 0o600);
  }
  try {
    try {
      fs.writeSync(fd, text);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, join(dir, name));
  } catch (e) {
    try {
      fs.unlinkSync(tmp);
    } catch {
      // already gone
    }
    throw e;
  }
};
