/**
 * The hooks' side of the session registry (presence.md §7): every event the runner serves, and the git layer's
 * pre-push when it knows its session, records the session's presence in the repository's runtime directory.
 *
 * The write happens in the process's `exit` listener: after the answer is decided and written (every hook ends in
 * `process.exit`, whose listeners run synchronously before the process ends), in the same process, never before the
 * answer. It is a read, a decision (`observe`) and at most one temp-file write and rename (presence-files.ts): no
 * second process, no network. It is fail-open: any failure is swallowed, and the first failure of a session is
 * logged once to the decision log (a marker file in the registry keeps the later ones quiet).
 *
 * Shared stores (`lanes.store` postgres or http) are not written from here: a network round trip would be a
 * measurable cost on every event. When a state changes (and every five minutes of work) a short detached
 * `arbiter presence publish` copies the record there (presence.md §10).
 */
import { isAbsolute, join } from 'node:path';
import { closeSync, openSync, writeSync } from 'node:fs';
import { presence as P, type PresenceAgent, type PresenceEventKind, type PresenceSighting, type SessionPresence } from '@arbiter/kernel';
import { agentLogMode } from '@arbiter/kernel/early';
import {
  headBranch,
  headBranchIn,
  lastPublishAttempt,
  notePublishAttempt,
  os,
  presenceFileName,
  readStateText,
  recordPresenceSync,
  resolveRepo,
  sessionsDir,
  type Env,
  type Repo,
} from '@arbiter/io-node';
import { appendVerdicts } from '../decision-record.js';
import { arbiterEntry, configMentioning, spawnDetached } from '../detached.js';
import { emitNotification } from '../notify/emit.js';

/** What a hook knows of the sighting it records: the rest (host, workspace, worktree, branch) is read at exit. */
export interface HookSighting {
  readonly agent: PresenceAgent;
  readonly event: PresenceEventKind;
  readonly session: string;
  /** Where the work happens: the payload's `cwd` or the process's working directory (absolute). */
  readonly startDir: string;
  readonly tool: string | null;
}

/** The host a sighting names: `$ARBITER_HOST` when set (push-gate.md §4 host), else the machine's host name. */
const hostOf = (env: Env): string => {
  const h = env['ARBITER_HOST'];
  return h !== undefined && h !== '' ? h : os().hostname();
};

/** The sighting of `h` in `repo` (presence.md §1): workspace is the git common dir, worktree the top level. */
export const sightingOf = (h: HookSighting, repo: Repo, env: Env): PresenceSighting => ({
  session: h.session,
  agent: h.agent,
  event: h.event,
  host: hostOf(env),
  workspace: repo.commonDir,
  worktree: repo.topLevel,
  branch: repo.gitDir !== undefined ? headBranchIn(repo.gitDir) : headBranch(repo.topLevel),
  tool: h.tool,
});

/**
 * Log the first failure to record `session` (presence.md §7): only the process that creates the registry's marker
 * `.failed-<key>` (exclusively) writes a decision-log entry, so a record that keeps failing logs once. Never throws.
 */
const logFailureOnce = (repo: Repo, h: HookSighting, detail: string, kind: string): void => {
  try {
    const fd = openSync(join(sessionsDir(repo.runtimeDir), `.failed-${presenceFileName(h.session)}`), 'wx', 0o600);
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
    return typeof h === 'string' && h !== '' && h !== os().hostname();
  } catch {
    return false;
  }
};

/**
 * Record one sighting now, synchronously (presence.md §7): resolve the repository of `startDir`, stamp with the
 * machine clock, write the registry record. Outside a repository, or in a runtime directory another host holds,
 * nothing is recorded. Never throws.
 */
export const recordHookPresence = (h: HookSighting, env: Env = process.env): void => {
  try {
    const repo = resolveRepo(h.startDir, env);
    if (repo === null || foreignHeld(repo.runtimeDir)) return;
    const now = Date.now();
    const r = recordPresenceSync(repo.runtimeDir, sightingOf(h, repo, env), now);
    if (r._tag === 'Failed') {
      logFailureOnce(repo, h, r.failure.detail, r.failure.kind);
      return;
    }
    const p = r.recorded.presence;
    if (r.recorded.changed && p !== null) publishIfDue(repo, p, env, now);
    if (r.recorded.changed && p !== null && p.state === 'waiting' && p.stateSince === p.lastEventAt) {
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

let armed = false;

/**
 * Record `sighting()` when the process exits (module doc): after the answer is written, before the process ends.
 * `sighting` is called then, and may answer `null` (nothing to record). At most one listener per process. Never
 * throws, and the listener never throws either (an exception there would change the exit code).
 */
export const armPresence = (sighting: () => HookSighting | null, env: Env = process.env): void => {
  if (armed) return;
  armed = true;
  process.once('exit', () => {
    try {
      const h = sighting();
      if (h !== null) recordHookPresence(h, env);
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
