/**
 * The session registry on the file system (presence.md §5): one JSON file per session in the repository's runtime
 * directory, `<runtime>/sessions/<key>.json`, where `<key>` is the kernel's 32-hex registry key of the session id
 * (a fixed-length name whatever the id holds: a hostile or very long id never reaches a path), and the full id is
 * inside the record.
 *
 * Synchronous and free of fp-ts on purpose: the event runner records presence in the process's `exit` listener, after
 * the answer is written (hooks must not pay for a second process or an asynchronous round). `fs-presence-store.ts`
 * wraps these functions as the `PresenceStore` port.
 *
 * - Reads go through state-io.ts (non-blocking, no symlink followed, regular files only, bounded). A listing takes
 *   "regular file" from the directory entry's type instead of a `stat` of each file (`listStateEntries`).
 * - Writes are temp file + rename in the same directory (readers see the old record or the new one, never a part),
 *   without fsync: a presence record is a hint that the next event rewrites, so a crash may lose the last sighting
 *   and nothing else (presence.md §5).
 * - Two processes recording the same session at once both read, both decide, both rename: the last rename wins, so
 *   the file always holds a whole record equal to one of their outcomes (presence.md §5, tested with real processes).
 * - A corrupt record, or one written by a newer Arbiter, is listed as a problem and never replaced by `record`, which
 *   fails instead (PR8): nothing is lost silently; removing the file lets the session be recorded again.
 */
import * as fs from 'node:fs'; // a namespace import: bundles that only list the registry (serve) would warn of unused named imports
import { join } from 'node:path';
import { presence as P, type PresenceFailure, type PresenceList, type PresenceProblem, type PresenceEvent, type PresenceRecorded, type PresenceSighting, type PresenceEventKind, type SessionPresence } from '@arbiter/kernel';
import { errnoCode } from './dir.js';
import { presenceKey } from './presence-key.js';
import { dirMark, DIR_INDEX_SETTLE_MS, keepIndexIfSettled, readIndexBody, replaceFile, type DirMark } from './dir-index.js';
import { listStateEntries, readListedState, readState, readStateText, type Absent, type NotRegular, type StateIoError } from './state-io.js';

/** The registry directory inside a repository's runtime directory. */
export const SESSIONS_DIR = 'sessions';

/**
 * Largest record file read, bytes: a record holds at most five text fields of `PRESENCE_FIELD_MAX` UTF-16 units, each
 * at most six bytes once JSON-escaped, so a larger file is corrupt.
 */
export const PRESENCE_FILE_MAX_BYTES = 256 * 1024;

const FILE_RE = /^(?:u(?:[0-9a-f]{4}){1,48}|h[0-9a-f]{64})\.json$/;

/** The registry directory of a runtime directory. */
export const sessionsDir = (runtimeDir: string): string => join(runtimeDir, SESSIONS_DIR);

/** The file name of a session's record (presence.md §5): its registry key (presence-key.ts) and `.json`. Total. */
export const presenceFileName = (session: string): string => `${presenceKey(session)}.json`;

/** What one record file holds. */
export type PresenceFileRead =
  | { readonly _tag: 'Absent' }
  | { readonly _tag: 'Ok'; readonly presence: SessionPresence }
  | { readonly _tag: 'Problem'; readonly problem: PresenceProblem }
  | { readonly _tag: 'Error'; readonly code: string };

/**
 * Read and decode one record file (presence.md §5 PR8). A file that is not a regular file, too large, not JSON, not
 * exactly a version-1 record, or whose session id does not hash to its name is a `corrupt` problem; a record with a
 * higher version is a `newer` problem. `Error` carries the errno code of an unreadable file. Never throws.
 */
export const readPresenceFile = (dir: string, name: string): PresenceFileRead => {
  const r = readState(join(dir, name), PRESENCE_FILE_MAX_BYTES);
  return recordOfRead(name, r, () => (r._tag === 'File' ? r.bytes.toString('utf8') : ''));
};

/**
 * What a read of the record file `name` holds (PR8): absent and unreadable pass through, anything not a regular file
 * or larger than a record is a corrupt problem, else `text()` (the bytes read, as UTF-8) decoded.
 */
const recordOfRead = (name: string, r: Absent | StateIoError | NotRegular | { readonly _tag: 'File' | 'Read'; readonly truncated: boolean }, text: () => string): PresenceFileRead => {
  if (r._tag === 'Absent' || r._tag === 'Error') return r;
  if (r._tag === 'NotRegular') return corrupt(name, `${r.kind}, not a regular file`);
  if (r.truncated) return corrupt(name, 'larger than a record can be');
  return decodeRecordText(name, text());
};

/** A corrupt-record problem of the file `name`. */
const corrupt = (name: string, detail: string): PresenceFileRead => ({ _tag: 'Problem', problem: { key: name, kind: 'corrupt', detail } });

/** The record file `name` holding `text`, decoded (PR8): a record whose session id hashes to `name`, or a problem. */
const decodeRecordText = (name: string, text: string): PresenceFileRead => {
  const d = P.readStoredRecord(name, text);
  if (P.isPresenceProblem(d)) return { _tag: 'Problem', problem: d };
  if (presenceFileName(d.session) !== name) return corrupt(name, 'session id does not match the file name');
  return { _tag: 'Ok', presence: d };
};

const failure = P.presenceFailure;

const ioFailure = (what: string, code: string): PresenceFailure =>
  failure(code === 'EACCES' || code === 'EPERM' || code === 'EROFS' || code === 'ENOSPC' ? 'unavailable' : 'other', `${what}: ${code}`);

/** Outcome of {@link recordPresenceSync}: what is stored now, or why nothing could be recorded. */
export type PresenceRecordSync = { readonly _tag: 'Recorded'; readonly recorded: PresenceRecorded } | { readonly _tag: 'Failed'; readonly failure: PresenceFailure };

/**
 * Record one sighting in the registry of `runtimeDir` at `now` (ms since the epoch: the store clock, the machine's
 * for this store), presence.md §3–5: read the session's record, apply `observe`, write the result when it changed.
 * Fails (`other`) without writing when the record is corrupt or from a newer Arbiter (PR8), and on an fs error
 * (`unavailable` for permission, read-only or full file systems). Never throws.
 */
export const recordPresenceSync = (runtimeDir: string, sighting: PresenceSighting, now: number): PresenceRecordSync =>
  typeof sighting.session !== 'string' ? { _tag: 'Failed', failure: failure('other', 'session id is not text') } : recordEventsSync(runtimeDir, sighting.session, [{ ...sighting, at: now }]);

/**
 * Fold `events` of `session`, each stamped with its time, into the session's record in the registry of `runtimeDir`
 * (presence.md §3–5; presence.md §11 IN3): one read, `observe` for each event (the result does not depend on their order, PR-P1),
 * and one write when anything changed. Events of another session change nothing (PR2). Fails like
 * {@link recordPresenceSync}. Never throws.
 */
export const recordEventsSync = (runtimeDir: string, session: string, events: ReadonlyArray<PresenceEvent>): PresenceRecordSync => {
  const dir = sessionsDir(runtimeDir);
  const name = presenceFileName(session);
  const cur = readPresenceFile(dir, name);
  if (cur._tag === 'Error') return { _tag: 'Failed', failure: ioFailure('read', cur.code) };
  if (cur._tag === 'Problem') return { _tag: 'Failed', failure: failure('other', `${cur.problem.kind} record ${name} kept: ${cur.problem.detail}`) };
  const prev = cur._tag === 'Ok' ? cur.presence : null;
  // two ids with one file name (possible only for ids named by their SHA-256): the first id keeps the file
  if (prev !== null && prev.session !== session) return { _tag: 'Failed', failure: failure('other', `record ${name} belongs to another session id`) };
  let next = prev;
  for (const ev of events) if (ev.session === session) next = P.observe(next, ev) ?? next;
  if (next === prev || next === null) return { _tag: 'Recorded', recorded: { presence: prev, changed: false } };
  try {
    replaceFile(dir, name, JSON.stringify(next) + '\n');
  } catch (e) {
    return { _tag: 'Failed', failure: ioFailure('write', errnoCode(e)) };
  }
  return { _tag: 'Recorded', recorded: { presence: next, changed: true } };
};

/**
 * Every record of the registry of `runtimeDir` (presence.md §4): readable records in `sessions`, every unreadable one
 * named in `problems` (corrupt, newer, or an unreadable file as `corrupt` with its errno code). Temporary files of
 * writes in flight and other names are skipped. A missing directory is an empty registry. Fails only when the
 * directory itself cannot be listed. Never throws.
 *
 * While the registry directory is unchanged, the listing comes from its index, one file (presence.md §5.1 LX1–LX3):
 * the same answer as reading every record. `now` (ms since the epoch, the machine clock) only decides whether a fresh
 * listing may be written to the index (LX2).
 */
export const listPresenceSync = (runtimeDir: string, now: number = Date.now()): { readonly _tag: 'Listed'; readonly list: PresenceList } | { readonly _tag: 'Failed'; readonly failure: PresenceFailure } => {
  const dir = sessionsDir(runtimeDir);
  const before = dirMark(dir);
  const indexed = before === null ? null : readPresenceIndex(runtimeDir, before);
  if (indexed !== null) return { _tag: 'Listed', list: indexed };
  const r = listRecordFiles(dir);
  if (r._tag === 'Failed') return r;
  keepIndexIfSettled(dir, before, r.complete, now, runtimeDir, PRESENCE_INDEX_FILE, () => JSON.stringify({ sessions: r.list.sessions, problems: r.list.problems }));
  return { _tag: 'Listed', list: r.list };
};

/**
 * Every record file of the registry directory `dir`, read and decoded one by one (presence.md §4; PR8). `complete`
 * is false when a file could not be read (an errno error, which may pass: too many open files), so the listing is
 * not kept in the index (presence.md §5.1 LX2). Never throws.
 */
const listRecordFiles = (dir: string): { readonly _tag: 'Listed'; readonly list: PresenceList; readonly complete: boolean } | { readonly _tag: 'Failed'; readonly failure: PresenceFailure } => {
  const l = listStateEntries(dir);
  if (l._tag === 'Absent') return { _tag: 'Listed', list: { sessions: [], problems: [] }, complete: false };
  if (l._tag === 'NotRegular') return { _tag: 'Failed', failure: failure('unavailable', `${SESSIONS_DIR} is a ${l.kind}, not a directory`) };
  if (l._tag === 'Error') return { _tag: 'Failed', failure: ioFailure('list', l.code) };
  const sessions: SessionPresence[] = [];
  const problems: PresenceProblem[] = [];
  // a registry of a thousand sessions is a thousand small files: the listing says which are regular files, and each
  // is read into one buffer (one byte over the largest record, so a larger file shows as truncated), with no stat
  const buf = Buffer.allocUnsafe(PRESENCE_FILE_MAX_BYTES + 1);
  let complete = true;
  for (const { name, kind } of l.entries) {
    if (!FILE_RE.test(name)) continue;
    const r: PresenceFileRead = kind !== 'regular' ? corrupt(name, `${kind}, not a regular file`) : readListed(dir, name, buf);
    if (r._tag === 'Ok') sessions.push(r.presence);
    else if (r._tag === 'Problem') problems.push(r.problem);
    else if (r._tag === 'Error') {
      problems.push({ key: name, kind: 'corrupt', detail: `unreadable: ${r.code}` });
      complete = false;
    }
    // Absent: removed between the listing and the read (the directory changed: no index is written)
  }
  return { _tag: 'Listed', list: { sessions, problems }, complete };
};

/** What {@link prunePresenceSync} did: the records it removed (or would remove, on a dry run) and what it left. */
export interface PresencePruned {
  readonly _tag: 'Pruned';
  /** The forgotten sessions, in the listing's order. */
  readonly removed: ReadonlyArray<SessionPresence>;
  /** Readable records left in place. */
  readonly kept: number;
  /** Records listed as problems (corrupt, newer, unreadable): never removed, PR8. */
  readonly problems: number;
}

/**
 * Remove the records of forgotten sessions from the registry of `runtimeDir` (presence.md §12): every readable
 * record whose last event is `olderThanMs` (ms) or more before `now` (ms since the epoch; a record from the future is
 * kept), with its publish marker and its failure marker. Corrupt and newer records are never removed (PR8). Each
 * record is read once more just before it is removed, so a session that spoke since the listing stays. A session
 * that records an event in the instant between that read and the removal loses that one sighting; its next event
 * writes the record again (a record is a hint, presence.md §5). `dryRun` removes nothing. Fails only when the registry cannot
 * be listed or a file cannot be removed (the failure names the file's errno code). Never throws.
 */
export const prunePresenceSync = (
  runtimeDir: string,
  now: number,
  olderThanMs: number,
  dryRun = false,
): PresencePruned | { readonly _tag: 'Failed'; readonly failure: PresenceFailure } => {
  const l = listPresenceSync(runtimeDir);
  if (l._tag === 'Failed') return l;
  const dir = sessionsDir(runtimeDir);
  const old = (p: SessionPresence): boolean => now - p.lastEventAt >= olderThanMs;
  const removed: SessionPresence[] = [];
  for (const p of l.list.sessions) {
    if (!old(p)) continue;
    const name = presenceFileName(p.session);
    const again = readPresenceFile(dir, name);
    if (again._tag !== 'Ok' || !old(again.presence)) continue;
    if (!dryRun) {
      for (const f of [join(dir, name), publishMarkerPath(runtimeDir, p.session), failureMarkerPath(runtimeDir, p.session)]) {
        try {
          fs.unlinkSync(f);
        } catch (e) {
          const code = errnoCode(e);
          if (code !== 'ENOENT') return { _tag: 'Failed', failure: ioFailure('remove', code) };
        }
      }
    }
    removed.push(again.presence);
  }
  return { _tag: 'Pruned', removed, kept: l.list.sessions.length - removed.length, problems: l.list.problems.length };
};

// ---------------------------------------------------------------------------------------------------------------
// The listing index (presence.md §5.1): a whole listing in one file, used while the registry directory is unchanged

/** The listing index, in the runtime directory beside `sessions/`: writing it never changes the directory it describes. */
export const PRESENCE_INDEX_FILE = 'sessions.index';

/**
 * A listing is written to the index only when the registry directory last changed at least this long before, ms
 * (presence.md §5.1 LX2): far above the granularity of a file system's timestamps, so any later change gives the
 * directory another modification time.
 */
export const PRESENCE_INDEX_SETTLE_MS = DIR_INDEX_SETTLE_MS;

/** Largest index read, bytes: ten thousand records of a few hundred bytes each fit many times over. */
export const PRESENCE_INDEX_MAX_BYTES = 64 * 1024 * 1024;

/**
 * The listing the index of `runtimeDir` holds for the directory state `mark`, or `null` when there is none to use
 * (presence.md §5.1 LX1, LX3; dir-index.ts): no index, one for another state of the directory, one from another
 * version, or one whose body does not match its SHA-256 or is not a listing. Never throws.
 */
const readPresenceIndex = (runtimeDir: string, mark: DirMark): PresenceList | null => {
  const body = readIndexBody(join(runtimeDir, PRESENCE_INDEX_FILE), mark, PRESENCE_INDEX_MAX_BYTES);
  if (body === null) return null;
  try {
    const list = JSON.parse(body) as { sessions?: unknown; problems?: unknown };
    return Array.isArray(list.sessions) && Array.isArray(list.problems) ? (list as PresenceList) : null;
  } catch {
    return null;
  }
};

/** The record file `name` that a listing of `dir` showed as a regular file, read into `buf` (`readListedState`). */
const readListed = (dir: string, name: string, buf: Buffer): PresenceFileRead => {
  const r = readListedState(`${dir}/${name}`, buf); // `name` is a checked file name: nothing for join to normalise, run a thousand times cold
  return recordOfRead(name, r, () => (r._tag === 'Read' ? buf.toString('utf8', 0, r.length) : ''));
};

// ---------------------------------------------------------------------------------------------------------------
// Publishing to a shared store (presence.md §10): one marker and one lock per session, beside its record

/** What a publisher last sent to the shared store for a session: the local record's newest event and its local time. */
export interface PublishedMark {
  readonly lastEvent: PresenceEventKind;
  readonly lastEventAt: number;
}

/** The publish marker of `session` (presence.md §10): `.published-<key>`; its modification time is the last attempt. */
export const publishMarkerPath = (runtimeDir: string, session: string): string => join(sessionsDir(runtimeDir), `.published-${presenceFileName(session)}`);

/** The failure marker of `session` (presence.md §7): `.failed-<key>`; the process that creates it logs the first failure. */
export const failureMarkerPath = (runtimeDir: string, session: string): string => join(sessionsDir(runtimeDir), `.failed-${presenceFileName(session)}`);

/** The publish lock of `session` (presence.md §10): `.publish-<key>.lock`, held by the one publisher of the session. */
export const publishLockPath = (runtimeDir: string, session: string): string => join(sessionsDir(runtimeDir), `.publish-${presenceFileName(session)}.lock`);

/**
 * When a publish of `session` was last attempted, ms since the epoch on this machine's clock (the marker's
 * modification time; one `stat`), or `null` when never. Never throws.
 */
export const lastPublishAttempt = (runtimeDir: string, session: string): number | null => {
  try {
    return fs.statSync(publishMarkerPath(runtimeDir, session)).mtimeMs;
  } catch {
    return null;
  }
};

/**
 * Note an attempt to publish `session` at `now` (ms since the epoch): the marker's modification time is set to `now`,
 * its content (what was last sent) is kept; a missing marker is created empty. Never throws; `false` when the
 * registry cannot be written.
 */
export const notePublishAttempt = (runtimeDir: string, session: string, now: number): boolean => {
  const path = publishMarkerPath(runtimeDir, session);
  try {
    fs.utimesSync(path, now / 1000, now / 1000);
    return true;
  } catch (e) {
    if (errnoCode(e) !== 'ENOENT') return false;
  }
  try {
    replaceFile(sessionsDir(runtimeDir), `.published-${presenceFileName(session)}`, 'null\n');
    return true;
  } catch {
    return false;
  }
};

/** What the marker says was last sent for `session`, or `null` (never sent, or an unreadable marker). Never throws. */
export const readPublished = (runtimeDir: string, session: string): PublishedMark | null => {
  const text = readStateText(publishMarkerPath(runtimeDir, session), 4096);
  if (text === null) return null;
  try {
    const o = JSON.parse(text) as { lastEvent?: unknown; lastEventAt?: unknown } | null;
    return o !== null && typeof o === 'object' && P.PRESENCE_EVENTS.includes(o.lastEvent as PresenceEventKind) && typeof o.lastEventAt === 'number'
      ? { lastEvent: o.lastEvent as PresenceEventKind, lastEventAt: o.lastEventAt }
      : null;
  } catch {
    return null;
  }
};

/** Record that `mark` reached the shared store (temp file + rename). Throws the fs error. */
export const writePublished = (runtimeDir: string, session: string, mark: PublishedMark): void =>
  replaceFile(sessionsDir(runtimeDir), `.published-${presenceFileName(session)}`, JSON.stringify({ lastEvent: mark.lastEvent, lastEventAt: mark.lastEventAt }) + '\n');
