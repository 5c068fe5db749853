/**
 * Session presence (presence.md): how one observed event changes a session's registry record, the state shown at a
 * given time, and the decoder of a stored record. Total, pure and dependency-free (no io-ts, no fp-ts): the event
 * runner records presence on every hook, before it decides whether to load any decision code.
 *
 * Times are ms since the epoch on the clock of the store that records the event (presence.md §4): the store stamps
 * `at`, never the machine that saw the event, so clock skew between machines cannot reorder one session's events.
 */
import {
  PRESENCE_VERSION,
  type PresenceAgent,
  type PresenceEvent,
  type PresenceEventKind,
  type PresenceState,
  type SessionPresence,
} from './types.js';
import type { PresenceFailure, PresenceProblem } from '../ports/presence-store.js';

/** Policy id and version of the registry rules (presence.md header). */
export const PRESENCE_POLICY = 'presence';
export const PRESENCE_POLICY_VERSION = '1.0.0';

/** Longest session id, host, path or branch the registry keeps, in UTF-16 code units (presence.md §3 PR1). */
export const PRESENCE_FIELD_MAX = 4_096;

/** Every event kind, in lifecycle rank order: at equal times the higher rank wins (presence.md §3 PR3). */
export const PRESENCE_EVENTS: ReadonlyArray<PresenceEventKind> = [
  'git',
  'cli',
  'session-start',
  'prompt',
  'pre-tool',
  'post-tool',
  'post-tool-failure',
  'notification',
  'stop',
  'session-end',
];

/** Every agent a presence event can name. */
export const PRESENCE_AGENTS: ReadonlyArray<PresenceAgent> = ['claude', 'codex', 'git', 'cli'];

const STATES: ReadonlyArray<PresenceState> = ['working', 'waiting', 'idle', 'gone'];

const rank = (k: PresenceEventKind): number => PRESENCE_EVENTS.indexOf(k);

/**
 * The state an event leaves (presence.md §3 PR4). Every event carries one: a `git` push or a `cli` verb is a command
 * the session runs, so it leaves `working`. (An earlier draft let them keep the previous state; then the record
 * depended on the order in which events reached the store, which property PR-P1 refutes.)
 */
export const stateAfter = (k: PresenceEventKind): PresenceState => {
  switch (k) {
    case 'session-start':
    case 'stop':
      return 'idle';
    case 'prompt':
    case 'pre-tool':
    case 'post-tool':
    case 'post-tool-failure':
    case 'git':
    case 'cli':
      return 'working';
    case 'notification':
      return 'waiting';
    case 'session-end':
      return 'gone';
  }
};

const isTool = (k: PresenceEventKind): boolean => k === 'pre-tool' || k === 'post-tool' || k === 'post-tool-failure';

const okText = (s: unknown): s is string => typeof s === 'string' && s.length <= PRESENCE_FIELD_MAX;
const okTime = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;

/**
 * Rule PR1 (presence.md §3): true when an event may be recorded: a non-empty session id, known agent and kind, a
 * non-negative integer time, and every text field within {@link PRESENCE_FIELD_MAX}.
 */
export const isRecordable = (ev: PresenceEvent): boolean =>
  okText(ev.session) &&
  ev.session !== '' &&
  PRESENCE_AGENTS.includes(ev.agent) &&
  PRESENCE_EVENTS.includes(ev.event) &&
  okTime(ev.at) &&
  okText(ev.host) &&
  okText(ev.workspace) &&
  okText(ev.worktree) &&
  (ev.branch === null || okText(ev.branch)) &&
  (ev.tool === null || okText(ev.tool));

/**
 * The record after `ev` (presence.md §3 PR1–PR6). `prev` is the session's current record or `null`. Returns `null`
 * when nothing is to be written: the event is not recordable (PR1), belongs to another session, or is late — older
 * than the record's last event, or at the same time with a lower lifecycle rank (PR2–PR3) — or when it would change
 * nothing (a duplicate, PR6).
 *
 * - PR4: the state is the event's {@link stateAfter}, so the record's state, last event and its time are those of
 *   the newest event however the events reached the store (PR-P1).
 * - PR5: identity fields (host, workspace, worktree, branch) follow the newest event; an agent's own events set the
 *   agent, `git` / `cli` set it only for a session first seen through them; `lastTool` follows tool events only;
 *   `stateSince` moves only when the state changes; `firstSeenAt` is the first accepted event's time.
 */
export const observe = (prev: SessionPresence | null, ev: PresenceEvent): SessionPresence | null => {
  if (!isRecordable(ev)) return null;
  if (prev !== null) {
    if (prev.session !== ev.session) return null;
    if (ev.at < prev.lastEventAt) return null;
    if (ev.at === prev.lastEventAt && rank(ev.event) < rank(prev.lastEvent)) return null;
  }
  const state: PresenceState = stateAfter(ev.event);
  const ownAgent = ev.agent === 'claude' || ev.agent === 'codex';
  const next: SessionPresence = {
    v: PRESENCE_VERSION,
    session: ev.session,
    agent: prev === null || ownAgent ? ev.agent : prev.agent,
    host: ev.host,
    workspace: ev.workspace,
    worktree: ev.worktree,
    branch: ev.branch,
    state,
    lastEvent: ev.event,
    lastEventAt: ev.at,
    lastTool: isTool(ev.event) ? ev.tool : (prev?.lastTool ?? null),
    firstSeenAt: prev?.firstSeenAt ?? ev.at,
    stateSince: prev !== null && prev.state === state ? prev.stateSince : ev.at,
  };
  return prev !== null && samePresence(prev, next) ? null : next;
};

/** True when two records are equal field by field. */
export const samePresence = (a: SessionPresence, b: SessionPresence): boolean =>
  a.v === b.v &&
  a.session === b.session &&
  a.agent === b.agent &&
  a.host === b.host &&
  a.workspace === b.workspace &&
  a.worktree === b.worktree &&
  a.branch === b.branch &&
  a.state === b.state &&
  a.lastEvent === b.lastEvent &&
  a.lastEventAt === b.lastEventAt &&
  a.lastTool === b.lastTool &&
  a.firstSeenAt === b.firstSeenAt &&
  a.stateSince === b.stateSince;

// The state shown at a time (PR7) and whether a session is forgotten (PR11) are the status view's: one definition.
export { isForgotten, shownState } from './status.js';

/** What a stored record decodes to (presence.md §5): a record, one from a newer Arbiter, or a corrupt one. */
export type PresenceDecoded =
  | { readonly _tag: 'Ok'; readonly presence: SessionPresence }
  | { readonly _tag: 'Newer'; readonly version: number }
  | { readonly _tag: 'Corrupt'; readonly detail: string };

/**
 * Decodes a parsed JSON value as a registry record (presence.md §5 PR8). A record whose `v` is an integer above
 * {@link PRESENCE_VERSION} is `Newer` (shown as a problem, never rewritten); anything else that is not exactly a
 * version-1 record (missing or extra keys, wrong types, unknown agent/state/event) is `Corrupt` with a short detail.
 */
export const decodePresence = (u: unknown): PresenceDecoded => {
  if (typeof u !== 'object' || u === null || Array.isArray(u)) return { _tag: 'Corrupt', detail: 'not an object' };
  const o = u as Record<string, unknown>;
  const v = o['v'];
  if (typeof v === 'number' && Number.isSafeInteger(v) && v > PRESENCE_VERSION) return { _tag: 'Newer', version: v };
  if (v !== PRESENCE_VERSION) return { _tag: 'Corrupt', detail: 'unknown version' };
  const keys = Object.keys(o);
  if (keys.length !== RECORD_KEYS.length || !RECORD_KEYS.every((k) => Object.prototype.hasOwnProperty.call(o, k)))
    return { _tag: 'Corrupt', detail: 'missing or extra keys' };
  const bad = RECORD_KEYS.find((k) => !FIELD_OK[k](o[k]));
  if (bad !== undefined) return { _tag: 'Corrupt', detail: `bad ${bad}` };
  return { _tag: 'Ok', presence: o as unknown as SessionPresence };
};

/**
 * Rule PR8 (presence.md §5): a stored value (already parsed) as a record, or the problem it is under `key`: `newer`
 * for a higher version, `corrupt` for anything else that is not exactly a record. Total.
 */
export const storedRecordOf = (key: string, u: unknown): SessionPresence | PresenceProblem => {
  const d = decodePresence(u);
  return d._tag === 'Ok' ? d.presence : d._tag === 'Newer' ? { key, kind: 'newer', detail: `version ${d.version}` } : { key, kind: 'corrupt', detail: d.detail };
};

/** Rule PR8 (presence.md §5): stored text as a record, or the problem it is under `key` (text that is not JSON is `corrupt`). Total. */
export const readStoredRecord = (key: string, text: string): SessionPresence | PresenceProblem => {
  let u: unknown;
  try {
    u = JSON.parse(text);
  } catch {
    return { key, kind: 'corrupt', detail: 'not JSON' };
  }
  return storedRecordOf(key, u);
};

/** A store failure of `kind` with `detail` cut to the port's 200 characters (the `PresenceStore` contract). Total. */
export const presenceFailure = (kind: PresenceFailure['kind'], detail: string): PresenceFailure => ({ _tag: 'PresenceFailure', kind, detail: detail.slice(0, 200) });

/** True when a read answered a problem rather than a record. */
export const isPresenceProblem = (x: SessionPresence | PresenceProblem): x is PresenceProblem => 'kind' in x;

const RECORD_KEYS: ReadonlyArray<keyof SessionPresence> = [
  'v',
  'session',
  'agent',
  'host',
  'workspace',
  'worktree',
  'branch',
  'state',
  'lastEvent',
  'lastEventAt',
  'lastTool',
  'firstSeenAt',
  'stateSince',
];

const FIELD_OK: Readonly<Record<keyof SessionPresence, (x: unknown) => boolean>> = {
  v: (x) => x === PRESENCE_VERSION,
  session: (x) => okText(x) && x !== '',
  agent: (x) => PRESENCE_AGENTS.includes(x as PresenceAgent),
  host: okText,
  workspace: okText,
  worktree: okText,
  branch: (x) => x === null || okText(x),
  state: (x) => STATES.includes(x as PresenceState),
  lastEvent: (x) => PRESENCE_EVENTS.includes(x as PresenceEventKind),
  lastEventAt: okTime,
  lastTool: (x) => x === null || okText(x),
  firstSeenAt: okTime,
  stateSince: okTime,
};

// ---------------------------------------------------------------------------------------------------------------
// Publishing to a shared store (presence.md §10 PR9–PR10)

/** How often a session whose state has not changed is published again to the shared store: 5 minutes, ms (PR9). */
export const PUBLISH_REFRESH_MS = 5 * 60_000;

/**
 * Rule PR9 (presence.md §10): true when the local record `p`, just written, must be published to the shared store:
 * its state started at this event (`stateSince === lastEventAt`: a prompt, a Stop, a Notification, a SessionEnd, or
 * the session's first event), or the last publish attempt (`lastAttemptAt`, ms on the same clock as `now`, `null`
 * when none is known) is {@link PUBLISH_REFRESH_MS} or more before `now`, or after it (a clock stepped back). A
 * session that keeps working is so published about every five minutes, well inside the 30-minute silence after
 * which readers show it `gone` (PR7).
 */
export const publishDue = (p: SessionPresence, lastAttemptAt: number | null, now: number): boolean =>
  p.stateSince === p.lastEventAt || lastAttemptAt === null || now - lastAttemptAt >= PUBLISH_REFRESH_MS || now < lastAttemptAt;

/**
 * Rule PR10 (presence.md §10): the event that publishes the local record `p` to a shared store, without a time (the
 * shared store stamps it with its own clock, PR-P4): the record's newest event with its agent, place, branch and
 * tool. Folded into the shared record by `observe`, it leaves the same state as the local record's (PR4). The tool
 * is kept only for tool events (a tool-less event never carries one, PR5).
 */
export const republishEvent = (p: SessionPresence): Omit<PresenceEvent, 'at'> => ({
  session: p.session,
  agent: p.agent,
  event: p.lastEvent,
  host: p.host,
  workspace: p.workspace,
  worktree: p.worktree,
  branch: p.branch,
  tool: isTool(p.lastEvent) ? p.lastTool : null,
});

/**
 * Rule PR10 (presence.md §10): true when the shared store has seen the local record `p` already: the last event
 * published (`sent`, `null` when none) is `p`'s newest event at the same local time. A publisher stops when this holds.
 */
export const publishedAlready = (p: SessionPresence, sent: { readonly lastEvent: PresenceEventKind; readonly lastEventAt: number } | null): boolean =>
  sent !== null && sent.lastEvent === p.lastEvent && sent.lastEventAt === p.lastEventAt;

/**
 * Rule PR9 (presence.md §10): true when a parsed `.arbiter/config.json` names a shared lane store (`lanes.store.kind`
 * `http` or `postgres`), the only case in which presence is published. A cheap look at two keys, not a validation:
 * the publisher decodes the whole configuration before it connects anywhere. Total.
 */
export const sharesPresence = (config: unknown): boolean => {
  const field = (o: unknown, k: string): unknown => (typeof o === 'object' && o !== null && !Array.isArray(o) ? (o as Record<string, unknown>)[k] : undefined);
  const kind = field(field(field(config, 'lanes'), 'store'), 'kind');
  return kind === 'http' || kind === 'postgres';
};

/**
 * The sessions a reader shows when a repository shares its registry (presence.md §10): every local record, and
 * every shared record of a session with no local record (another machine's, or one this machine's registry lost),
 * each session once, in the order given (local first). The local record wins a session both hold: this machine
 * wrote it first and the shared copy is at most as new. Total and pure.
 */
export const mergeRegistries = (local: ReadonlyArray<SessionPresence>, shared: ReadonlyArray<SessionPresence>): ReadonlyArray<SessionPresence> => {
  const seen = new Set(local.map((p) => p.session));
  const out = [...local];
  for (const p of shared) {
    if (seen.has(p.session)) continue;
    seen.add(p.session);
    out.push(p);
  }
  return out;
};
