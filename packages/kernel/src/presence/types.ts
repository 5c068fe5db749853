/**
 * Shapes of the session registry and of the status snapshot (presence.md): the one contract shared by the hook that
 * records a session's presence, the stores that keep it, `arbiter status`, and the dashboard of `arbiter serve`.
 * Types and constants only, dependency-free (internal/time.ts imports nothing), so the hot path
 * (`@arbiter/kernel/early`) may import it.
 */
import { DAY_MS } from '../internal/time.js';

/** Who produced a presence event: an agent's hook, the git layer (pre-push), or a verb a person or agent ran. */
export type PresenceAgent = 'claude' | 'codex' | 'git' | 'cli';

/**
 * A session's state (presence.md §2): `working` between a prompt and its Stop, `waiting` after a Notification or a
 * permission prompt (the session needs its person), `idle` after Stop, `gone` after SessionEnd or a long silence.
 */
export type PresenceState = 'working' | 'waiting' | 'idle' | 'gone';

/** The client events a presence record can follow (one per hook event the runner serves, plus git and verbs). */
export type PresenceEventKind =
  | 'session-start'
  | 'prompt'
  | 'pre-tool'
  | 'post-tool'
  | 'post-tool-failure'
  | 'notification'
  | 'stop'
  | 'session-end'
  | 'git'
  | 'cli';

/** One observed event, as the hook hands it to the registry. `at` is the store's clock, ms since the epoch. */
export interface PresenceEvent {
  readonly session: string;
  readonly agent: PresenceAgent;
  readonly event: PresenceEventKind;
  /** ms since the epoch, from the clock of the store that records it (the database clock for a shared store). */
  readonly at: number;
  readonly host: string;
  /** The repository's common directory (shared by its worktrees): which project the session works in. */
  readonly workspace: string;
  /** The worktree's top-level directory. */
  readonly worktree: string;
  /** Short branch name, `null` on a detached HEAD or when unknown. */
  readonly branch: string | null;
  /** The tool of a tool event (`Bash`, `Edit`, …), else `null`. */
  readonly tool: string | null;
}

/** One session's record in the registry (version {@link PRESENCE_VERSION}). Times are ms since the epoch. */
export interface SessionPresence {
  readonly v: 1;
  readonly session: string;
  readonly agent: PresenceAgent;
  readonly host: string;
  readonly workspace: string;
  readonly worktree: string;
  readonly branch: string | null;
  /** The state the last accepted event left (before silence is applied; see `gone`). */
  readonly state: PresenceState;
  readonly lastEvent: PresenceEventKind;
  readonly lastEventAt: number;
  readonly lastTool: string | null;
  readonly firstSeenAt: number;
  /** When `state` last changed. */
  readonly stateSince: number;
}

/** Version of the registry record; a record with a higher `v` is from a newer Arbiter and is shown, never rewritten. */
export const PRESENCE_VERSION = 1;

/** Silence after which a session is shown `gone` although no SessionEnd came: 30 minutes, ms. */
export const PRESENCE_GONE_AFTER_MS = 30 * 60_000;

/**
 * Silence after which a session is forgotten (presence.md §3 PR11), days. The status view leaves it out and
 * `arbiter presence prune` removes its record.
 */
export const PRESENCE_FORGET_AFTER_DAYS = 7;
/** {@link PRESENCE_FORGET_AFTER_DAYS} in ms. */
export const PRESENCE_FORGET_AFTER_MS = PRESENCE_FORGET_AFTER_DAYS * DAY_MS;

/** What a session holds, derived at read time from the stores (never written by the hook). */
export interface SessionHoldings {
  readonly lock: boolean;
  readonly lanes: ReadonlyArray<{ readonly lane: string; readonly fence: number }>;
  readonly builds: ReadonlyArray<string>;
  readonly commitments: number;
  readonly halts: ReadonlyArray<string>;
}

/** A session as `arbiter status` and the dashboard show it. */
export interface SessionStatus extends SessionPresence {
  /** The state shown now: `gone` once silent for {@link PRESENCE_GONE_AFTER_MS}. */
  readonly shown: PresenceState;
  readonly holds: SessionHoldings;
}

/** One lane as shown: its holder (session id), fence, lease left (ms, `null` when free) and its landing queue. */
export interface LaneStatus {
  readonly lane: string;
  readonly holder: string | null;
  readonly fence: number | null;
  readonly leaseLeftMs: number | null;
  readonly queue: ReadonlyArray<string>;
}

/** One halt as shown. `at` is ms since the epoch. */
export interface HaltStatus {
  readonly target: string;
  readonly by: string;
  readonly reason: string;
  readonly at: number;
}

/** One open commitment as shown. */
export interface CommitmentStatus {
  readonly session: string;
  readonly text: string;
  readonly at: number;
}

/** One build as shown. */
export interface BuildStatus {
  readonly session: string | null;
  readonly name: string;
  readonly state: string;
  readonly at: number;
}

/** One recent decision that blocked or asked (from the decision log). */
export interface DecisionStatus {
  readonly at: number;
  readonly policy: string;
  readonly verdict: string;
  readonly reason: string;
  readonly session: string | null;
  readonly lane: string | null;
}

/**
 * Everything `arbiter status --json` prints and the dashboard shows (version 1). `at` is when it was taken (ms since
 * the epoch). A section whose source could not be read is an empty list with its name in `unavailable`.
 */
export interface StatusSnapshot {
  readonly v: 1;
  readonly at: number;
  readonly repo: string;
  readonly sessions: ReadonlyArray<SessionStatus>;
  readonly lanes: ReadonlyArray<LaneStatus>;
  readonly halts: ReadonlyArray<HaltStatus>;
  readonly commitments: ReadonlyArray<CommitmentStatus>;
  readonly builds: ReadonlyArray<BuildStatus>;
  readonly stopGate: { readonly mode: string };
  readonly recent: ReadonlyArray<DecisionStatus>;
  readonly unavailable: ReadonlyArray<string>;
  /**
   * Records a source could read but not use, e.g. a registry record that is corrupt or from a newer Arbiter
   * (status.md). Optional: added by `arbiter status`; absent means none were reported.
   */
  readonly problems?: ReadonlyArray<StatusProblem>;
  /**
   * How many registry sessions the view left out because they were forgotten (presence.md §3 PR11). Optional: a
   * snapshot built before this field existed has none.
   */
  readonly forgotten?: number;
}

/** One record a source could not use: which source, the record's key (a file name, a session id), why. */
export interface StatusProblem {
  readonly source: string;
  readonly key: string;
  readonly detail: string;
}
