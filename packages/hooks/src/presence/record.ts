/**
 * The hook's full path into the session registry (presence.md §7 and presence.md §11): an event that changes a
 * session's state, or a tool event whose due mark says so (IN2), folds the session's inbox and its own event into the registry record, then
 * publishes and notifies when the record's state changed. Bundled apart (`dist/hook-presence.cjs`) and loaded only
 * then, so the dispatcher's bundle carries none of this code (hook/presence.ts is the fast path).
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { presence as P, type PresenceEvent, type SessionPresence } from '@arbiter/kernel';
import { agentLogMode } from '@arbiter/kernel/early';
import {
  INBOX_FOLD_MS,
  arbiterHostOf,
  failureMarkerPath,
  foreignHeld,
  headBranchIn,
  hostname,
  ingestInbox,
  lastPublishAttempt,
  notePublishAttempt,
  presenceInboxDir,
  resolveRepo,
  setInboxDue,
  type Env,
  type Repo,
} from '@arbiter/io-node';
import { appendVerdicts } from '../decision-record.js';
import { arbiterEntry, configMentioning, spawnDetached } from '../detached.js';
import type { HookSighting } from '../hook/presence.js';
import { emitNotification } from '../notify/emit.js';

/** The host a sighting names: `$ARBITER_HOST` when set (push-gate.md §4 host), else the machine's host name. */
const hostOf = (env: Env): string => arbiterHostOf(env) ?? hostname();

/** The event of `h` seen in `repo` at `at` (presence.md §1): workspace is the git common dir, worktree the top level. */
export const eventOf = (h: HookSighting, repo: Repo, env: Env, at: number): PresenceEvent => ({
  session: h.session,
  agent: h.agent,
  event: h.event,
  at,
  host: hostOf(env),
  workspace: repo.commonDir,
  worktree: repo.topLevel,
  branch: repo.gitDir !== undefined ? headBranchIn(repo.gitDir) : null,
  tool: h.tool,
});

/**
 * Log the first failure to record `session` (presence.md §7): only the process that creates the registry's marker
 * `.failed-<key>` (exclusively) writes a decision-log entry, so a record that keeps failing logs once. Never throws.
 */
const logFailureOnce = (repo: Repo, h: HookSighting, detail: string, kind: string): void => {
  try {
    const fd = openSync(failureMarkerPath(repo.runtimeDir, h.session), 'wx', 0o600);
    try {
      writeSync(fd, JSON.stringify({ at: Date.now(), kind, detail }) + '\n');
    } finally {
      closeSync(fd);
    }
  } catch {
    return; // already logged, or the registry cannot be written at all: stay quiet
  }
  appendVerdicts(
    () => join(repo.runtimeDir, 'log'),
    [
      {
        policy: P.PRESENCE_POLICY,
        policy_version: P.PRESENCE_POLICY_VERSION,
        mode: h.agent === 'claude' || h.agent === 'codex' ? agentLogMode(h.agent) : h.agent,
        facts: { session_id: h.session, event: h.event, detail },
        verdict: 'NotRecorded',
        reasons: [kind],
      },
    ],
  );
};

/**
 * Record one sighting now, synchronously, by the full path (presence.md §7; presence.md §11 IN2–IN3): resolve the repository of
 * `startDir`, fold the session's inbox and this event (stamped `now`, ms since the epoch, machine clock) into the
 * registry, which sets the session's due mark: due at once when the record is not `working` (so the next tool event,
 * which makes it `working` again, takes this path too), else {@link INBOX_FOLD_MS} later. Outside a repository, or in
 * a runtime directory another host holds, only the inbox is folded. Never throws.
 */
export const recordHookPresence = (h: HookSighting, env: Env = process.env, now: number = Date.now()): void => {
  try {
    const inbox = presenceInboxDir(env);
    const found = resolveRepo(h.startDir, env);
    const repo = found !== null && !foreignHeld(found.runtimeDir) ? found : null;
    const r = ingestInbox(inbox, h.session, env, repo === null ? null : { runtimeDir: repo.runtimeDir, event: eventOf(h, repo, env, now), cwd: h.startDir });
    const own = r.own;
    if (repo === null || own === null) {
      setInboxDue(inbox, h.session, now + INBOX_FOLD_MS); // nothing recorded: fold again in five minutes
      return;
    }
    const p = own._tag === 'Recorded' ? own.recorded.presence : null;
    if (own._tag === 'Failed') {
      logFailureOnce(repo, h, own.failure.detail, own.failure.kind);
      return;
    }
    if (own.recorded.changed && p !== null) publishIfDue(repo, p, env, now);
    if (own.recorded.changed && p !== null && p.state === 'waiting' && p.stateSince === p.lastEventAt) {
      // a session starts waiting for its person (notify.md: the `waiting` event); off and free without webhooks
      emitNotification({ startDir: h.startDir, env, repo }, { kind: 'waiting', session: p.session, branch: p.branch });
    }
  } catch {
    // fail-open: the registry never changes an answer
  }
};

/**
 * Start `arbiter presence publish` for the record `p` just written at `now` when a publish is due (presence.md §10
 * PR9) and the repository shares a lane store. On most events this is one `stat` of the publish marker; when a
 * publish is due, the attempt is noted first (so a shared store that is down is retried every five minutes, not on
 * every event), then the configuration is read once and, for a shared store only, one detached process is started.
 * Never throws.
 */
const publishIfDue = (repo: Repo, p: SessionPresence, env: Env, now: number): void => {
  if (!P.publishDue(p, lastPublishAttempt(repo.runtimeDir, p.session), now)) return;
  notePublishAttempt(repo.runtimeDir, p.session, now);
  if (!P.sharesPresence(configMentioning(repo.topLevel, 'store'))) return;
  const bin = arbiterEntry();
  if (bin !== null) spawnDetached(bin, ['presence', 'publish', `--session=${p.session}`, '--quiet'], repo.topLevel, env); // one argument: an id such as `--help` stays the value (the dispatcher takes a lone `--help` anywhere as a help request)
};
