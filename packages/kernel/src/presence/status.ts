/**
 * The status snapshot as a pure join (status.md; presence.md): what `arbiter status` and the dashboard show, built
 * from what each source answered. No clock (`at` is a parameter), no I/O, total over every input.
 *
 * A source that could not be read is passed as `null`: its section is an empty list and its name is listed in
 * `unavailable` (never a failure of the whole snapshot). What a session holds is derived here, at read time, from
 * the other sources (the registry never stores it): its session lock, the lanes it holds with their fences, its
 * active builds, the number of its open commitments, and the halts it placed.
 */
import type {
  BuildStatus,
  CommitmentStatus,
  DecisionStatus,
  HaltStatus,
  LaneStatus,
  PresenceState,
  SessionHoldings,
  SessionPresence,
  SessionStatus,
  StatusProblem,
  StatusSnapshot,
} from './types.js';
import { PRESENCE_FORGET_AFTER_MS, PRESENCE_GONE_AFTER_MS } from './types.js';

/** How many recent blocking or asking decisions a snapshot keeps (status.md "Recent blocks/asks"). */
export const STATUS_RECENT_MAX = 20;

/** Names of the sections, as they appear in `unavailable` (status.md "--json"). */
export type StatusSource = 'sessions' | 'lanes' | 'halts' | 'commitments' | 'builds' | 'locks' | 'stop-gate' | 'decisions';

/** Every source name, in the order `unavailable` lists them. */
export const STATUS_SOURCES: ReadonlyArray<StatusSource> = ['sessions', 'lanes', 'halts', 'commitments', 'builds', 'locks', 'stop-gate', 'decisions'];

/**
 * What the sources answered; `null` = that source could not be read. `lockHolders` are the session ids holding a
 * live (held, unexpired) session lock. `decisions` may hold every logged decision: the join keeps those that blocked
 * or asked ({@link isBlockOrAsk}), newest first, at most {@link STATUS_RECENT_MAX}.
 */
export interface StatusSources {
  readonly repo: string;
  readonly sessions: ReadonlyArray<SessionPresence> | null;
  readonly lanes: ReadonlyArray<LaneStatus> | null;
  readonly halts: ReadonlyArray<HaltStatus> | null;
  readonly commitments: ReadonlyArray<CommitmentStatus> | null;
  readonly builds: ReadonlyArray<BuildStatus> | null;
  readonly lockHolders: ReadonlyArray<string> | null;
  readonly stopGate: { readonly mode: string } | null;
  readonly decisions: ReadonlyArray<DecisionStatus> | null;
  /** Records a source could read but not use (a corrupt or newer registry record), shown as they are. */
  readonly problems?: ReadonlyArray<StatusProblem>;
}

/**
 * The state shown at `now` (presence.md §2): `gone` once `now − lastEventAt ≥ PRESENCE_GONE_AFTER_MS`, else the
 * recorded state. A record from the future (clock skew) is not silent. Total.
 */
export const shownState = (p: Pick<SessionPresence, 'state' | 'lastEventAt'>, now: number): PresenceState =>
  now - p.lastEventAt >= PRESENCE_GONE_AFTER_MS ? 'gone' : p.state;

/**
 * Whether a session is forgotten at `now` (presence.md §3 PR11): silent for {@link PRESENCE_FORGET_AFTER_MS} (7 days)
 * or more. A record from the future is never forgotten. Total.
 */
export const isForgotten = (p: Pick<SessionPresence, 'lastEventAt'>, now: number): boolean => now - p.lastEventAt >= PRESENCE_FORGET_AFTER_MS;

/**
 * Whether a logged verdict blocked or asked (status.md "Recent blocks/asks"): `Block`, `Deny` or `Ask`, compared in
 * any case and without `-`, `_` or spaces (as `arbiter log --verdict` compares). Total.
 */
export const isBlockOrAsk = (verdict: string): boolean => {
  const k = verdict.toLowerCase().replace(/[-_\s]/g, '');
  return k === 'block' || k === 'deny' || k === 'ask';
};

/** Sessions are listed by urgency: the ones waiting for their person first, then working, idle, gone. */
const STATE_RANK: Readonly<Record<PresenceState, number>> = { waiting: 0, working: 1, idle: 2, gone: 3 };

/** Code-unit order of strings (locale-free, so the same on every machine). */
const cmpStr = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const cmpNullStr = (a: string | null, b: string | null): number => (a === b ? 0 : a === null ? -1 : b === null ? 1 : cmpStr(a, b));
/** Numeric order, NaN last (a NaN never reaches here from a decoded record; the order stays total anyway). */
const cmpNum = (a: number, b: number): number => (a < b ? -1 : a > b ? 1 : a === b || (Number.isNaN(a) && Number.isNaN(b)) ? 0 : Number.isNaN(a) ? 1 : -1);
/** Last resort of every order: the canonical JSON text, so records that differ anywhere never compare equal. */
const cmpJson = (a: unknown, b: unknown): number => cmpStr(JSON.stringify(a) ?? '', JSON.stringify(b) ?? '');

const cmpSession = (a: SessionStatus, b: SessionStatus): number =>
  STATE_RANK[a.shown] - STATE_RANK[b.shown] ||
  cmpNum(b.lastEventAt, a.lastEventAt) ||
  cmpStr(a.session, b.session) ||
  cmpStr(a.host, b.host) ||
  cmpJson(a, b);
const cmpLane = (a: LaneStatus, b: LaneStatus): number => cmpStr(a.lane, b.lane) || cmpJson(a, b);
const cmpHalt = (a: HaltStatus, b: HaltStatus): number => cmpNum(b.at, a.at) || cmpStr(a.target, b.target) || cmpStr(a.by, b.by) || cmpStr(a.reason, b.reason);
const cmpCommitment = (a: CommitmentStatus, b: CommitmentStatus): number => cmpNum(b.at, a.at) || cmpStr(a.session, b.session) || cmpStr(a.text, b.text);
const cmpBuild = (a: BuildStatus, b: BuildStatus): number => cmpNum(b.at, a.at) || cmpStr(a.name, b.name) || cmpNullStr(a.session, b.session) || cmpStr(a.state, b.state);
const cmpDecision = (a: DecisionStatus, b: DecisionStatus): number =>
  cmpNum(b.at, a.at) || cmpStr(a.policy, b.policy) || cmpStr(a.verdict, b.verdict) || cmpStr(a.reason, b.reason) || cmpNullStr(a.session, b.session) || cmpNullStr(a.lane, b.lane);

const push = <K, V>(m: Map<K, V[]>, k: K, v: V): void => {
  const l = m.get(k);
  if (l === undefined) m.set(k, [v]);
  else l.push(v);
};

/**
 * Join the sources into the snapshot taken at `at` (ms since the epoch). Sessions, lanes, halts, commitments, builds
 * and recent decisions are each sorted by a total order, so the snapshot does not depend on the order the sources
 * answered in: sessions by shown state (waiting, working, idle, gone), then last event newest first, then id; lanes
 * by name; halts, commitments, builds and decisions newest first. Every session's `holds` lists the lanes whose
 * holder is that session id (by lane name), its builds, its open commitments (a count), the targets of the halts it
 * placed (newest first) and whether it holds a session lock. A session silent for 7 days or more is left out and
 * counted in `forgotten` (presence.md §3 PR11); what it holds still shows in the other sections. Total; never throws.
 */
export const statusSnapshot = (src: StatusSources, at: number): StatusSnapshot => {
  const lanes = [...(src.lanes ?? [])].sort(cmpLane);
  const halts = [...(src.halts ?? [])].sort(cmpHalt);
  const commitments = [...(src.commitments ?? [])].sort(cmpCommitment);
  const builds = [...(src.builds ?? [])].sort(cmpBuild);
  const recent = (src.decisions ?? []).filter((d) => isBlockOrAsk(d.verdict)).sort(cmpDecision).slice(0, STATUS_RECENT_MAX);
  const locks = new Set(src.lockHolders ?? []);

  const lanesBy = new Map<string, { lane: string; fence: number }[]>();
  for (const l of lanes) if (l.holder !== null) push(lanesBy, l.holder, { lane: l.lane, fence: l.fence ?? 0 });
  const buildsBy = new Map<string, string[]>();
  for (const b of builds) if (b.session !== null) push(buildsBy, b.session, b.name);
  const commitmentsBy = new Map<string, number>();
  for (const c of commitments) commitmentsBy.set(c.session, (commitmentsBy.get(c.session) ?? 0) + 1);
  const haltsBy = new Map<string, string[]>();
  for (const h of halts) push(haltsBy, h.by, h.target);

  // PR11: forgotten sessions are counted, not shown
  const registry = src.sessions ?? [];
  const remembered = registry.filter((p) => !isForgotten(p, at));
  const sessions: SessionStatus[] = remembered.map((p) => {
    const holds: SessionHoldings = {
      lock: locks.has(p.session),
      lanes: lanesBy.get(p.session) ?? [],
      builds: buildsBy.get(p.session) ?? [],
      commitments: commitmentsBy.get(p.session) ?? 0,
      halts: haltsBy.get(p.session) ?? [],
    };
    return { ...p, shown: shownState(p, at), holds };
  });
  sessions.sort(cmpSession);

  const missing: Readonly<Record<StatusSource, boolean>> = {
    sessions: src.sessions === null,
    lanes: src.lanes === null,
    halts: src.halts === null,
    commitments: src.commitments === null,
    builds: src.builds === null,
    locks: src.lockHolders === null,
    'stop-gate': src.stopGate === null,
    decisions: src.decisions === null,
  };
  const problems = [...(src.problems ?? [])].sort((a, b) => cmpStr(a.source, b.source) || cmpStr(a.key, b.key) || cmpStr(a.detail, b.detail));
  return {
    v: 1,
    at,
    repo: src.repo,
    sessions,
    lanes,
    halts,
    commitments,
    builds,
    stopGate: src.stopGate ?? { mode: 'unknown' },
    recent,
    unavailable: STATUS_SOURCES.filter((s) => missing[s]),
    problems,
    forgotten: registry.length - remembered.length,
  };
};
