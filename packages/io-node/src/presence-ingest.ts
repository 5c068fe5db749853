/**
 * Folding the sighting inbox into the session registry (presence.md §11 IN3–IN5). The hook's full path folds its own
 * session's inbox with its own event; `arbiter status` and the dashboard fold every inbox of this user's state
 * directory before they list a registry.
 *
 * - IN3: one folder per session at a time (a process lock beside the inbox, process-lock.ts). The folder renames the
 *   inbox file to `.taken-<key>.jsonl` (writers that come after create a new inbox; one that wrote to the taken file
 *   after it was read writes again, IN1), reads it, resolves each line's repository from its `cwd` (the workspace,
 *   worktree and branch are read then, the branch from the worktree's `HEAD`), folds the lines of each repository
 *   into that registry's record with one read and one write (`recordEventsSync`), and removes the taken file. A
 *   taken file left by a folder that stopped half-way is folded first by the next one; a line folded twice changes
 *   nothing (PR6).
 * - IN4: a line that is not a sighting (torn by a crash, or written by hand) is skipped and counted; a line whose
 *   directory is outside a repository, or in a runtime directory another host holds (state-lock.md §8), is dropped
 *   and counted, as the hook's full path would have recorded nothing for it.
 * - IN5: a folder that cannot take the lock within {@link INGEST_WAIT_MS} leaves the inbox to its holder; the hook's
 *   full path then records its own event alone, as without an inbox.
 */
import { readdirSync, renameSync, unlinkSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { presence as P, type PresenceAgent, type PresenceEvent, type PresenceEventKind } from '@arbiter/kernel';
import { ensureDir, errnoCode } from './dir.js';
import { headBranchIn, resolveRepo, type Env, type Repo } from './paths.js';
import { recordEventsSync, type PresenceRecordSync } from './presence-files.js';
import { INBOX_FOLD_MS, inboxFile, setInboxDue, type InboxSighting } from './presence-inbox.js';
import { presenceKey } from './presence-key.js';
import { hostname } from './proc.js';
import { takeProcessLock } from './process-lock.js';
import { readState, readStateText } from './state-io.js';

/** Longest taken inbox file read, bytes (16 MiB: five minutes of a session's tool events are a few hundred KiB). */
export const INBOX_READ_MAX_BYTES = 16 * 1024 * 1024;

/** How long a folder waits for another folder of the same session, ms (IN5). */
export const INGEST_WAIT_MS = 200;

/** Age after which a folder's lock counts as abandoned, ms: far longer than a fold of one inbox takes. */
export const INGEST_LOCK_STALE_MS = 10_000;

const KEY_RE = /^(?:\.taken-)?([uh][0-9a-f]{1,256})\.jsonl$/;

/**
 * Rule IN4: one inbox line as a sighting, or `null` when it is not one (not JSON, not version 1, a field of the wrong
 * type, an unknown agent or event, a negative or fractional time, a relative directory). Field lengths are left to
 * `observe` (PR1). Total.
 */
export const decodeInboxLine = (line: string): InboxSighting | null => {
  let o: Record<string, unknown>;
  try {
    const u: unknown = JSON.parse(line);
    if (typeof u !== 'object' || u === null || Array.isArray(u)) return null;
    o = u as Record<string, unknown>;
  } catch {
    return null;
  }
  const { v, session, agent, event, tool, at, cwd, host } = o;
  if (v !== 1 || typeof session !== 'string' || session === '') return null;
  if (!P.PRESENCE_AGENTS.includes(agent as PresenceAgent) || !P.PRESENCE_EVENTS.includes(event as PresenceEventKind)) return null;
  if (!(tool === null || typeof tool === 'string') || !(host === null || typeof host === 'string')) return null;
  if (typeof at !== 'number' || !Number.isSafeInteger(at) || at < 0 || typeof cwd !== 'string' || !isAbsolute(cwd)) return null;
  return { session, agent: agent as PresenceAgent, event: event as PresenceEventKind, tool, at, cwd, host };
};

/**
 * True when the runtime directory's `host.lock` names another host (state-lock.md §8: a directory another host
 * holds is written by nobody here). Read-only and cheap: one bounded read, no lock taken; a missing, unreadable or
 * malformed lock, or one without a host name, counts as this host's, as the state lock itself reads it
 * (state-lock.md §6). Never throws.
 */
export const foreignHeld = (runtimeDir: string): boolean => {
  const text = readStateText(join(runtimeDir, 'host.lock'), 64 * 1024);
  if (text === null) return false;
  try {
    const h = (JSON.parse(text) as { hostname?: unknown }).hostname;
    return typeof h === 'string' && h !== '' && h !== hostname();
  } catch {
    return false;
  }
};

/** Where a line's sightings go: the registry's runtime directory and the identity fields read when folding. */
interface Place {
  readonly runtimeDir: string;
  readonly workspace: string;
  readonly worktree: string;
  readonly branch: string | null;
}

/** The place of `repo` (its branch read now from the worktree's `HEAD`), or `null` when another host holds it. */
const placeOf = (repo: Repo | null): Place | null =>
  repo === null || foreignHeld(repo.runtimeDir)
    ? null
    : { runtimeDir: repo.runtimeDir, workspace: repo.commonDir, worktree: repo.topLevel, branch: repo.gitDir !== undefined ? headBranchIn(repo.gitDir) : null };

/** Take the lock of a session key, waiting up to {@link INGEST_WAIT_MS}; the release function or `null`. */
const lockKey = (inbox: string, key: string): (() => void) | null => {
  const path = join(inbox, `.lock-${key}`);
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let waited = 0; ; waited += 10) {
    const release = takeProcessLock(path, INGEST_LOCK_STALE_MS);
    if (release !== null || waited >= INGEST_WAIT_MS) return release;
    Atomics.wait(pause, 0, 0, 10); // a synchronous pause: the hook folds in its exit listener
  }
};

/** The complete lines of a taken file (a torn last line is skipped; a missing file has none). */
const linesOf = (path: string): string[] => {
  const r = readState(path, INBOX_READ_MAX_BYTES);
  if (r._tag !== 'File') return [];
  const text = r.bytes.toString('utf8');
  const end = text.lastIndexOf('\n');
  return end < 0 ? [] : text.slice(0, end).split('\n');
};

/** The taken file of a session key (IN3). */
const takenFile = (inbox: string, key: string): string => join(inbox, `.taken-${key}.jsonl`);

/**
 * Rule IN3, the take (the caller holds the session's lock): the lines of a taken file left by a folder that stopped
 * half-way, then the inbox's, after renaming the inbox onto the taken file (writers that come after create a new
 * inbox). The caller folds the lines, then calls {@link removeTaken}. Throws an fs error other than a missing inbox.
 */
export const takeInboxLines = (inbox: string, key: string): string[] => {
  const taken = takenFile(inbox, key);
  const lines = linesOf(taken);
  try {
    renameSync(inboxFile(inbox, key), taken);
    lines.push(...linesOf(taken));
  } catch (e) {
    if (errnoCode(e) !== 'ENOENT') throw e;
  }
  return lines;
};

/** Remove the taken file of `key` once its lines are folded (IN3). Never throws. */
export const removeTaken = (inbox: string, key: string): void => {
  try {
    unlinkSync(takenFile(inbox, key));
  } catch {
    // nothing was taken
  }
};

/** What one fold did (IN3–IN5). */
export interface IngestResult {
  /** The outcome for the caller's own event (`own`), or `null` when none was given or it could not be recorded. */
  readonly own: PresenceRecordSync | null;
  /** Lines folded into a registry. */
  readonly folded: number;
  /** Lines skipped: not a sighting, of another session, outside a repository, or in another host's directory. */
  readonly dropped: number;
  /** True when another folder held the session's inbox (IN5). */
  readonly busy: boolean;
}

/**
 * The due mark after the caller's own event is recorded (IN2): due at once (0) when the record is not `working`, else
 * {@link INBOX_FOLD_MS} after the event; a record that could not be written or read is `working` as far as the mark
 * goes (retried five minutes later, not on every event).
 */
const dueAfter = (r: PresenceRecordSync, at: number): number =>
  r._tag === 'Recorded' && r.recorded.presence !== null && r.recorded.presence.state !== 'working' ? 0 : at + INBOX_FOLD_MS;

/** The caller's own event to fold with the inbox: the registry it goes to and the event, stamped. */
export interface OwnEvent {
  readonly runtimeDir: string;
  readonly event: PresenceEvent;
  /** The directory the event was seen in: inbox lines of the same directory go where it goes, resolved once. */
  readonly cwd?: string;
}

/** Record `own` without its inbox (IN5) and set its due mark; `null` without one. */
const recordAlone = (inbox: string, own: OwnEvent | null): PresenceRecordSync | null => {
  if (own === null) return null;
  const r = recordEventsSync(own.runtimeDir, own.event.session, [own.event]);
  setInboxDue(inbox, own.event.session, dueAfter(r, own.event.at));
  return r;
};

/**
 * Rules IN3–IN5: fold the inbox of session key `key` in `inbox` (and `own`, the caller's event, when given) into the
 * registries its lines name; with `own`, then set the session's due mark from the record it leaves (IN2). Every line
 * belongs to one session: lines of another session (a forged line or a key collision) are dropped. Never throws; a
 * registry that cannot be written leaves its lines unfolded (a hint lost, reported in `own` when it is the caller's
 * registry); an inbox directory that cannot be created records `own` alone at once (no lock to wait for).
 */
export const ingestInboxKey = (inbox: string, key: string, env: Env, own: OwnEvent | null = null): IngestResult => {
  try {
    ensureDir(inbox); // an inbox that cannot exist (a read-only or full file system) has no lock worth waiting for
  } catch {
    return { own: recordAlone(inbox, own), folded: 0, dropped: 0, busy: false };
  }
  const release = lockKey(inbox, key);
  if (release === null) return { own: recordAlone(inbox, own), folded: 0, dropped: 0, busy: true };
  try {
    const lines = takeInboxLines(inbox, key);
    const places = new Map<string, Place | null>();
    if (own?.cwd !== undefined) places.set(own.cwd, { runtimeDir: own.runtimeDir, workspace: own.event.workspace, worktree: own.event.worktree, branch: own.event.branch });
    const groups = new Map<string, PresenceEvent[]>();
    let session = own?.event.session ?? null;
    let host: string | null = null;
    let dropped = 0;
    for (const line of lines) {
      const s = line === '' ? null : decodeInboxLine(line);
      if (s === null || (session !== null && s.session !== session) || (session === null && presenceKey(s.session) !== key)) {
        dropped += line === '' ? 0 : 1;
        continue;
      }
      session = s.session;
      if (!places.has(s.cwd)) places.set(s.cwd, placeOf(resolveRepo(s.cwd, env)));
      const place = places.get(s.cwd) ?? null;
      if (place === null) {
        dropped++;
        continue;
      }
      const ev: PresenceEvent = {
        session: s.session,
        agent: s.agent,
        event: s.event as PresenceEventKind,
        at: s.at,
        host: s.host ?? (host ??= hostname()),
        workspace: place.workspace,
        worktree: place.worktree,
        branch: place.branch,
        tool: s.tool,
      };
      const g = groups.get(place.runtimeDir);
      if (g === undefined) groups.set(place.runtimeDir, [ev]);
      else g.push(ev);
    }
    if (own !== null) {
      const g = groups.get(own.runtimeDir);
      if (g === undefined) groups.set(own.runtimeDir, [own.event]);
      else g.push(own.event);
    }
    let ownResult: PresenceRecordSync | null = null;
    let folded = 0;
    for (const [runtimeDir, events] of groups) {
      if (session === null) break;
      const r = recordEventsSync(runtimeDir, session, events);
      const mine = own !== null && runtimeDir === own.runtimeDir;
      if (mine) ownResult = r;
      if (r._tag === 'Recorded') folded += events.length - (mine ? 1 : 0);
      else dropped += events.length - (mine ? 1 : 0);
    }
    removeTaken(inbox, key);
    // set under the lock, so two folds of one session cannot leave the mark of the older record
    if (own !== null && ownResult !== null) setInboxDue(inbox, own.event.session, dueAfter(ownResult, own.event.at));
    return { own: ownResult, folded, dropped, busy: false };
  } catch {
    // the inbox could not be taken (IN5): the caller's own event is recorded alone
    return { own: recordAlone(inbox, own), folded: 0, dropped: 0, busy: false };
  } finally {
    release();
  }
};

/** {@link ingestInboxKey} for a session id. Never throws. */
export const ingestInbox = (inbox: string, session: string, env: Env, own: OwnEvent | null = null): IngestResult =>
  ingestInboxKey(inbox, presenceKey(session), env, own);

/**
 * Rule IN3 for readers: fold every session's inbox in `inbox` (a missing directory has none), so a registry listed
 * next shows every sighting this user's hooks have seen. @returns the lines folded and dropped. Never throws.
 */
export const ingestAllInboxes = (inbox: string, env: Env): { readonly folded: number; readonly dropped: number } => {
  let names: string[];
  try {
    names = readdirSync(inbox);
  } catch {
    return { folded: 0, dropped: 0 };
  }
  const keys = new Set<string>();
  for (const n of names) {
    const m = KEY_RE.exec(n);
    if (m?.[1] !== undefined) keys.add(m[1]);
  }
  let folded = 0;
  let dropped = 0;
  for (const key of keys) {
    const r = ingestInboxKey(inbox, key, env);
    folded += r.folded;
    dropped += r.dropped;
  }
  return { folded, dropped };
};
