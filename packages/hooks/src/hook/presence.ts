/**
 * The hooks' side of the session registry (presence.md §7 and presence.md §11): every event the runner serves, and
 * the git layer's pre-push when it knows its session, records the session's presence.
 *
 * The record is made in the process's `exit` listener: after the answer is decided and written (every hook ends in
 * `process.exit`, whose listeners run synchronously before the process ends), in the same process, never before the
 * answer, never with a network call. Two paths:
 *
 * - **Fast** (here, in the dispatcher's bundle): a tool event of a session whose due mark is in the future (IN2) is
 *   one `stat` and one appended line in the session's inbox (presence-inbox.ts, IN1). A tool event leaves `working`,
 *   and the mark is in the future only while the record is `working`, so such an event changes no state.
 * - **Full** (presence/record.ts, bundled apart in `dist/hook-presence.cjs` and loaded only then): every other event,
 *   and a tool event that is due, folds the inbox and the event into the registry record, then publishes and notifies
 *   on a state change.
 *
 * Fail-open: any failure is swallowed; the answer never changes.
 */
import { isAbsolute } from 'node:path';
import type { PresenceAgent, PresenceEventKind } from '@arbiter/kernel';
import { appendToInbox, arbiterHostOf, inboxDue, presenceInboxDir, type Env } from '@arbiter/io-node';

/** What a hook knows of the sighting it records: the rest (host, workspace, worktree, branch) is read when it is folded. */
export interface HookSighting {
  readonly agent: PresenceAgent;
  readonly event: PresenceEventKind;
  readonly session: string;
  /** Where the work happens: the payload's `cwd` or the process's working directory (absolute). */
  readonly startDir: string;
  readonly tool: string | null;
}

/** The full path's entry (presence/record.ts `recordHookPresence`), as a loaded bundle exports it. */
export interface FullPresencePath {
  readonly recordHookPresence: (h: HookSighting, env: Env, now: number) => void;
}

const isToolEvent = (k: PresenceEventKind): boolean => k === 'pre-tool' || k === 'post-tool' || k === 'post-tool-failure';

/**
 * Record one sighting now (module doc): the fast path when `h` is a tool event and its session is not due (IN2), else
 * `full()`'s full path. `now` is ms since the epoch, machine clock. Never throws.
 */
export const recordSighting = (h: HookSighting, env: Env, full: () => FullPresencePath, now: number = Date.now()): void => {
  try {
    const inbox = presenceInboxDir(env);
    if (isToolEvent(h.event) && !inboxDue(inbox, h.session, now)) {
      if (appendToInbox(inbox, { session: h.session, agent: h.agent, event: h.event, tool: h.tool, at: now, cwd: h.startDir, host: arbiterHostOf(env) })) return;
    }
    full().recordHookPresence(h, env, now);
  } catch {
    // fail-open: the registry never changes an answer
  }
};

let armed = false;

/**
 * Record `sighting()` when the process exits (module doc): after the answer is written, before the process ends.
 * `sighting` is called then, and may answer `null` (nothing to record); `full` loads the full path only when it is
 * needed. At most one listener per process. Never throws, and the listener never throws either (an exception there
 * would change the exit code).
 */
export const armPresence = (sighting: () => HookSighting | null, full: () => FullPresencePath, env: Env = process.env): void => {
  if (armed) return;
  armed = true;
  process.once('exit', () => {
    try {
      const h = sighting();
      if (h !== null) recordSighting(h, env, full);
    } catch {
      // fail-open
    }
  });
};

/** The session a git-layer process belongs to (presence.md §7): `$ARBITER_SESSION_ID`, `$ARBITER_SESSION`, `$CLAUDE_CODE_SESSION_ID`, then `$CODEX_THREAD_ID`; `null` when none is set. */
export const gitSessionOf = (env: Env): string | null => {
  for (const k of ['ARBITER_SESSION_ID', 'ARBITER_SESSION', 'CLAUDE_CODE_SESSION_ID', 'CODEX_THREAD_ID']) {
    const v = env[k];
    if (v !== undefined && v !== '') return v;
  }
  return null;
};

/** An absolute start directory: `dir` when absolute, else the process's working directory. */
export const absoluteDir = (dir: unknown): string => (typeof dir === 'string' && isAbsolute(dir) ? dir : process.cwd());
