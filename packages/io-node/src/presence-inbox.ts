/**
 * The sighting inbox (presence.md §11): the hook's fast path into the session registry. A tool event of a session
 * that is already `working` appends one JSON line to the session's inbox file in the per-user state directory,
 * `<state>/presence-inbox/<key>.jsonl`, and does nothing else: no repository to resolve, no record to read, no
 * temporary file, no rename. Whoever reads the registry next (the session's next state change in the hook,
 * `arbiter status`, the dashboard) folds the inbox into the registry records (presence-ingest.ts, IN3).
 *
 * Synchronous, small and free of the kernel's presence module on purpose: the event runner calls it in the process's
 * `exit` listener, and the dispatcher's bundle must stay small (compiling it is part of every hook's start-up).
 *
 * - IN1: an append is one `write` with `O_APPEND` (lines of concurrent writers never interleave on a local file
 *   system), then a check that the inbox file is still the one written to; when an ingester took the file away in
 *   between, the line is appended again to the new file. A line is so folded at least once, never lost; a duplicate
 *   changes nothing (PR6).
 * - IN2: the due mark `.due-<key>`, whose modification time is when the session's next event must take the full
 *   path; a missing mark, a time not after now, or one more than {@link INBOX_FOLD_MS} ahead (a clock stepped back)
 *   is due.
 */
import * as fs from 'node:fs'; // a namespace import: the dispatcher's bundle uses only part of this module, and named imports it drops would warn
import { join } from 'node:path';
import { ensureDir, errnoCode } from './dir.js';
import { resolveStateDir, type Env } from './paths.js';
import { presenceKey } from './presence-key.js';

/** The inbox directory's name inside the per-user state directory. */
export const PRESENCE_INBOX_DIR = 'presence-inbox';

/**
 * How long a working session's tool events go to the inbox before one takes the full path again, ms (IN2): five
 * minutes, so an inbox holds at most five minutes of a session's tool events, and a working session is folded and
 * published (PR9) about that often.
 */
export const INBOX_FOLD_MS = 5 * 60_000;

/** One line of an inbox (presence.md §11 IN1): a sighting as the hook saw it, stamped with the machine clock. */
export interface InboxSighting {
  readonly session: string;
  readonly agent: 'claude' | 'codex' | 'git' | 'cli';
  readonly event: string;
  readonly tool: string | null;
  /** ms since the epoch, machine clock. */
  readonly at: number;
  /** The directory the work happens in (absolute): the repository is resolved from it when the line is folded. */
  readonly cwd: string;
  /** `$ARBITER_HOST` when the hook had it set, else `null` (the folding machine's host name is this machine's). */
  readonly host: string | null;
}

/** `$ARBITER_HOST` when set and not empty (the host a sighting names, push-gate.md §4 host), else `null`. */
export const arbiterHostOf = (env: Env): string | null => {
  const h = env['ARBITER_HOST'];
  return h !== undefined && h !== '' ? h : null;
};

/** The inbox directory of `env`'s per-user state directory (`$HOME` read from `env`, so `node:os` is not loaded). */
export const presenceInboxDir = (env: Env): string => join(resolveStateDir(env, env['HOME'] !== undefined && env['HOME'] !== '' ? env['HOME'] : undefined), PRESENCE_INBOX_DIR);

/** The inbox file of a session key (presence-key.ts). */
export const inboxFile = (inbox: string, key: string): string => join(inbox, `${key}.jsonl`);

/** The due mark of a session key (IN2). */
export const dueMarkFile = (inbox: string, key: string): string => join(inbox, `.due-${key}`);

/**
 * Rule IN2: true when the next event of `session` must take the full path at `now` (ms, machine clock): its due mark
 * is missing or unreadable, not after `now`, or more than {@link INBOX_FOLD_MS} after it. One `stat`. Never throws.
 */
export const inboxDue = (inbox: string, session: string, now: number): boolean => {
  try {
    const s = fs.statSync(dueMarkFile(inbox, presenceKey(session)), { throwIfNoEntry: false });
    return s === undefined || s.mtimeMs <= now || s.mtimeMs > now + INBOX_FOLD_MS;
  } catch {
    return true;
  }
};

/**
 * Rule IN2: set the due mark of `session` to `at` (ms since the epoch; `0` makes the next event due). Creates the
 * mark (and the inbox directory) when missing. Never throws; `false` when the mark cannot be written.
 */
export const setInboxDue = (inbox: string, session: string, at: number): boolean => {
  const path = dueMarkFile(inbox, presenceKey(session));
  const t = Math.max(0, at) / 1000;
  for (let i = 0; i < 2; i++) {
    try {
      fs.utimesSync(path, t, t);
      return true;
    } catch (e) {
      if (errnoCode(e) !== 'ENOENT') return false;
    }
    try {
      ensureDir(inbox);
      fs.closeSync(fs.openSync(path, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_NOFOLLOW, 0o600));
    } catch {
      return false;
    }
  }
  return false;
};

/** The inbox line of a sighting: one JSON object and a newline. */
export const inboxLine = (s: InboxSighting): string =>
  JSON.stringify({ v: 1, session: s.session, agent: s.agent, event: s.event, tool: s.tool, at: s.at, cwd: s.cwd, host: s.host }) + '\n';

/** Most writes of one line (IN1): a folder takes an inbox once per fold, so a second write almost always sticks. */
export const INBOX_APPEND_TRIES = 10;

const APPEND_FLAGS = fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK;

/**
 * Append `buf` to `path` once and say whether `path` still names the file written to, checked while that file is
 * still open (an open file's inode cannot be freed and reused, so a match is never a new file that happens to get
 * the old number): `Kept`, `Moved`, or the errno code. Throws nothing.
 */
const appendOnce = (path: string, buf: Buffer): 'Kept' | 'Moved' | string => {
  let fd: number;
  try {
    fd = fs.openSync(path, APPEND_FLAGS, 0o600);
  } catch (e) {
    return errnoCode(e);
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) return 'ENOTREG';
    let off = 0;
    while (off < buf.length) off += fs.writeSync(fd, buf, off, buf.length - off);
    const now = fs.lstatSync(path, { throwIfNoEntry: false });
    return now !== undefined && now.dev === st.dev && now.ino === st.ino ? 'Kept' : 'Moved';
  } catch (e) {
    return errnoCode(e);
  } finally {
    try {
      fs.closeSync(fd);
    } catch {
      // closed
    }
  }
};

/**
 * Rule IN1: append sighting `s` to its session's inbox in `inbox`: one `O_APPEND` write, then a `stat` of the inbox
 * path; when the path no longer names the file written to (an ingester took it away, presence-ingest.ts), the line
 * is written again to the new file, at most ten times. The directory is created on first use. Never throws.
 * @returns `true` when the line is in the inbox, `false` when it could not be written (a hint lost, nothing else).
 */
export const appendToInbox = (inbox: string, s: InboxSighting): boolean => {
  const path = inboxFile(inbox, presenceKey(s.session));
  const buf = Buffer.from(inboxLine(s), 'utf8');
  for (let i = 0; i < INBOX_APPEND_TRIES; i++) {
    let w = appendOnce(path, buf);
    if (w === 'ENOENT') {
      try {
        ensureDir(inbox);
      } catch {
        return false;
      }
      w = appendOnce(path, buf);
    }
    if (w === 'Kept') return true;
    if (w !== 'Moved') return false;
  }
  return false;
};
