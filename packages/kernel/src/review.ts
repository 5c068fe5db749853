/**
 * Review routing, budget, votes and disputes: how much independent review a finished change gets, whether the run
 * can still afford it, how reviewer answers combine, and what then happens to the task.
 *
 * Normative source: review.md (policy `review-level`, version 1.0.0). Reason codes are the spec's
 * codes in lowercase kebab-case (architecture.md conventions §5): `REVIEW_PANEL_PATH` is `review-panel-path`,
 * `BUDGET_DOWNGRADE_FLOOR` is `budget-downgrade-floor`; record outcomes likewise (`BUDGET_SKIPPED` is
 * `budget-skipped`).
 *
 * Pure: no I/O, no clock, no randomness.
 */
import type { DecisionTable } from './internal/table.js';
import {
  emit,
  type EmitEvent,
  type ScheduleRetry,
  type SetTaskStatus,
  type SkipTasks,
  type StopDispatching,
} from './internal/convoy-common.js';

// ───────────────────────────────────────── constants (review.md §9) ─────────────────────────────────────────

export const POLICY = 'review-level';
export const POLICY_VERSION = '1.0.0';
/** Reviewers expected per level, and votes needed. */
export const PANEL_SIZE = 3;
export const PANEL_VOTES_NEEDED = 2;
export const FAST_SIZE = 1;
export const FAST_VOTES_NEEDED = 1;
/** Blocking panels (this one included) that open a dispute. */
export const DISPUTE_PANEL_BLOCKS = 3;
/** Longest retry note, UTF-16 units (retry.md §4). */
export const NOTE_MAX = 6_000;
const NOTE_TRUNCATED = '[note truncated]';

// ───────────────────────────────────────── model (review.md §3) ─────────────────────────────────────────

/** Review setting of a task (review.md §3). */
export type Setting = 'auto' | 'fast' | 'panel' | 'none';
/** Review level, ordered none < auto-pass < fast < panel (RV-4). */
export type Level = 'none' | 'auto-pass' | 'fast' | 'panel';
/** Levels that call reviewers. */
export type ReviewedLevel = 'fast' | 'panel';

/** Rank of a level in the order none < auto-pass < fast < panel. */
export const levelRank = (l: Level): number => (l === 'none' ? 0 : l === 'auto-pass' ? 1 : l === 'fast' ? 2 : 3);

/**
 * A normalized repository path (paths.md §1 `NormPath`): `Root` (the whole tree) or `Rel` with a non-empty segment list
 * and a directory flag. Produced by `paths.normalizePath`; structurally compatible with it.
 */
export type NormPath =
  | { readonly _tag: 'Root' }
  | { readonly _tag: 'Rel'; readonly segments: ReadonlyArray<string>; readonly dir: boolean };

/** Diff facts (review.md §3). Counts are non-negative integers. */
export interface DiffFacts {
  readonly linesChanged: number;
  readonly filesChanged: number;
  readonly paths: ReadonlyArray<NormPath>;
  readonly malformed: boolean;
}

/** Decoded `review_heuristics` (convoy.md §7). */
export interface Heuristics {
  readonly panelPaths: ReadonlyArray<NormPath>;
  readonly panelAgents: ReadonlyArray<string>;
  readonly autoPassAgents: ReadonlyArray<string>;
  readonly autoPassMaxLines: number;
  readonly autoPassMaxFiles: number;
}

const dirPath = (s: string): NormPath => ({ _tag: 'Rel', segments: [s], dir: true });

/** The default heuristics of convoy.md §7. */
export const DEFAULT_HEURISTICS: Heuristics = {
  panelPaths: [dirPath('auth'), dirPath('security'), dirPath('migrations'), dirPath('rls')],
  panelAgents: ['security-expert', 'database-engineer'],
  autoPassAgents: ['documentation-writer'],
  autoPassMaxLines: 10,
  autoPassMaxFiles: 2,
};

// ───────────────────────────────────────── configuration (convoy.md §7, review.md §5) ─────────────────────────────────

/** Review settings of a run, decoded (convoy.md §7). `budget` in tokens or null (unlimited). */
export interface ReviewConfig {
  readonly review: Setting;
  readonly heuristics: Heuristics;
  readonly budget: number | null;
  readonly onBudgetExceeded: BudgetMode;
  readonly onDispute: 'stop' | 'continue';
  readonly maxConcurrentReviews: number;
}

/** The convoy.md §7 defaults. */
export const DEFAULT_REVIEW_CONFIG: ReviewConfig = {
  review: 'auto',
  heuristics: DEFAULT_HEURISTICS,
  budget: null,
  onBudgetExceeded: 'skip',
  onDispute: 'stop',
  maxConcurrentReviews: 3,
};

/** A path normalizer (`paths.normalizePath`, paths.md §1): a `Left` for a glob, a traversal or a drive path. */
export type Normalize = (raw: string) => { readonly _tag: 'Left'; readonly left: unknown } | { readonly _tag: 'Right'; readonly right: NormPath };

const isObj = (u: unknown): u is Record<string, unknown> => typeof u === 'object' && u !== null && !Array.isArray(u);
const isNat = (u: unknown): u is number => typeof u === 'number' && Number.isSafeInteger(u) && u >= 0;
const isAgent = (u: unknown): u is string => typeof u === 'string' && u.length >= 1 && u.length <= 128 && !/[\u0000-\u001f\u007f-\u009f]/.test(u);

/**
 * Decode the review part of a run's `defaults` (convoy.md §7): `review`, `review_heuristics` (each given field replaces its
 * default entirely; lists are never merged), `review_budget`, `on_review_budget_exceeded`, `on_dispute`,
 * `max_concurrent_reviews`. Panel paths go through `normalize` (paths.md §1); a glob or a `..` segment is an error (review.md §5).
 * @returns `Right` with the decoded configuration, or `Left` listing **every** error (fail-closed, convoy.md §7). Total.
 */
export const decodeReviewConfig = (
  defaults: unknown,
  normalize: Normalize,
): { readonly _tag: 'Left'; readonly left: ReadonlyArray<string> } | { readonly _tag: 'Right'; readonly right: ReviewConfig } => {
  const errors: string[] = [];
  const d = defaults === undefined ? {} : defaults;
  if (!isObj(d)) return { _tag: 'Left', left: ['defaults: expected an object'] };
  let cfg: ReviewConfig = DEFAULT_REVIEW_CONFIG;
  const set = <K extends keyof ReviewConfig>(k: K, v: ReviewConfig[K]): void => {
    cfg = { ...cfg, [k]: v };
  };
  const r = d['review'];
  if (r !== undefined) {
    if (r === 'auto' || r === 'fast' || r === 'panel' || r === 'none') set('review', r);
    else errors.push('review: expected auto, fast, panel or none');
  }
  const b = d['review_budget'];
  if (b !== undefined) {
    if (isNat(b) && b >= 1) set('budget', b);
    else errors.push('review_budget: expected an integer ≥ 1');
  }
  const m = d['on_review_budget_exceeded'];
  if (m !== undefined) {
    if (m === 'skip' || m === 'downgrade' || m === 'stop') set('onBudgetExceeded', m);
    else errors.push('on_review_budget_exceeded: expected skip, downgrade or stop');
  }
  const od = d['on_dispute'];
  if (od !== undefined) {
    if (od === 'stop' || od === 'continue') set('onDispute', od);
    else errors.push('on_dispute: expected stop or continue');
  }
  const mc = d['max_concurrent_reviews'];
  if (mc !== undefined) {
    if (isNat(mc) && mc >= 1) set('maxConcurrentReviews', mc);
    else errors.push('max_concurrent_reviews: expected an integer ≥ 1');
  }
  const h = d['review_heuristics'];
  if (h !== undefined) {
    if (!isObj(h)) errors.push('review_heuristics: expected an object');
    else {
      let heur: Heuristics = DEFAULT_HEURISTICS;
      const pp = h['panel_paths'];
      if (pp !== undefined) {
        if (!Array.isArray(pp)) errors.push('review_heuristics.panel_paths: expected a list of paths');
        else {
          const out: NormPath[] = [];
          pp.forEach((raw: unknown, i) => {
            if (typeof raw !== 'string') return void errors.push(`review_heuristics.panel_paths[${i}]: expected a string`);
            const n = normalize(raw);
            if (n._tag === 'Left') errors.push(`review_heuristics.panel_paths[${i}]: not a plain repository path (globs, .. and drive letters are refused)`);
            else out.push(n.right);
          });
          heur = { ...heur, panelPaths: out };
        }
      }
      for (const [key, field] of [['panel_agents', 'panelAgents'], ['auto_pass_agents', 'autoPassAgents']] as const) {
        const v = h[key];
        if (v === undefined) continue;
        if (Array.isArray(v) && v.every(isAgent)) heur = { ...heur, [field]: [...v] };
        else errors.push(`review_heuristics.${key}: expected a list of agent names`);
      }
      for (const [key, field] of [['auto_pass_max_lines', 'autoPassMaxLines'], ['auto_pass_max_files', 'autoPassMaxFiles']] as const) {
        const v = h[key];
        if (v === undefined) continue;
        if (isNat(v)) heur = { ...heur, [field]: v };
        else errors.push(`review_heuristics.${key}: expected an integer ≥ 0`);
      }
      set('heuristics', heur);
    }
  }
  return errors.length > 0 ? { _tag: 'Left', left: errors } : { _tag: 'Right', right: cfg };
};

// ───────────────────────────────────────── routing (review.md §4, review.md §5) ─────────────────────────────────────

const asciiLower = (s: string): string => s.replace(/[A-Z]/g, (ch) => String.fromCharCode(ch.charCodeAt(0) + 32));

/** Segment equality ignoring ASCII case only (review.md §5); other characters compare exactly. */
export const segmentEquals = (a: string, b: string): boolean => a === b || (a.length === b.length && asciiLower(a) === asciiLower(b));

/**
 * Does panel entry `entry` match changed path `changed`? (review.md §5.)
 * `Root` matches every path. A `Rel` entry p1…pk matches f1…fn iff some offset i ≥ 0 has f(i+1…i+k) equal to
 * p1…pk segment by segment (ASCII case ignored) and, when the entry carries the directory flag, i + k < n. Whole
 * segments only: `auth/` never matches `oauth/x.ts`. A `Root` changed path matches only a `Root` entry.
 */
export const matchesPanelPath = (entry: NormPath, changed: NormPath): boolean => {
  if (entry._tag === 'Root') return true;
  if (changed._tag === 'Root') return false;
  const p = entry.segments;
  const f = changed.segments;
  const k = p.length;
  const n = f.length;
  if (k === 0) return true;
  const lastStart = entry.dir ? n - k - 1 : n - k;
  for (let i = 0; i <= lastStart; i++) {
    let ok = true;
    for (let j = 0; j < k; j++) {
      if (!segmentEquals(p[j] as string, f[i + j] as string)) {
        ok = false;
        break;
      }
    }
    if (ok) return true;
  }
  return false;
};

/** Routing reasons (review.md §4). */
export type RoutingReason =
  | 'review-disabled'
  | 'review-forced-fast'
  | 'review-forced-panel'
  | 'review-panel-path'
  | 'review-panel-agent'
  | 'review-auto-pass-agent'
  | 'review-auto-pass-small'
  | 'review-fast-default';

/** Verdict of {@link routeReview}. `match` names the first matching (changed path, entry) pair on R1. */
export interface RoutingVerdict {
  readonly _tag: 'Route';
  readonly level: Level;
  readonly reason: RoutingReason;
  readonly reasons: readonly [RoutingReason];
  readonly match?: { readonly path: NormPath; readonly entry: NormPath };
}

const route = (level: Level, reason: RoutingReason, match?: RoutingVerdict['match']): RoutingVerdict =>
  match === undefined ? { _tag: 'Route', level, reason, reasons: [reason] } : { _tag: 'Route', level, reason, reasons: [reason], match };

/**
 * Route a finished change to a review level (review.md §4 rules R0–R5, first match wins).
 *
 * @param setting the task's review setting (`none`, `fast`, `panel` are forced; `auto` applies the heuristics).
 * @param agent the agent that ran the attempt (after any fallback route); compared exactly.
 * @param diff line and file counts, changed paths (both sides of renames) and whether the parser failed.
 * @param heuristics decoded `review_heuristics`.
 * @param gatesPassed true iff every configured gate ran and passed (required; unverified gates never auto-pass).
 * @returns the level and its reason; R1 names the first matching pair (paths in `diff.paths` order, entries in
 *   list order). Fails toward the stronger review. Total.
 */
export const routeReview = (
  setting: Setting,
  agent: string,
  diff: DiffFacts,
  heuristics: Heuristics,
  gatesPassed: boolean,
): RoutingVerdict => {
  if (setting === 'none') return route('none', 'review-disabled'); // R0
  if (setting === 'fast') return route('fast', 'review-forced-fast');
  if (setting === 'panel') return route('panel', 'review-forced-panel');
  for (const path of diff.paths) {
    for (const entry of heuristics.panelPaths) {
      if (matchesPanelPath(entry, path)) return route('panel', 'review-panel-path', { path, entry }); // R1
    }
  }
  if (heuristics.panelAgents.includes(agent)) return route('panel', 'review-panel-agent'); // R2
  if (heuristics.autoPassAgents.includes(agent)) return route('auto-pass', 'review-auto-pass-agent'); // R3
  if (
    !diff.malformed &&
    diff.linesChanged <= heuristics.autoPassMaxLines &&
    diff.filesChanged <= heuristics.autoPassMaxFiles &&
    gatesPassed
  ) {
    return route('auto-pass', 'review-auto-pass-small'); // R4
  }
  return route('fast', 'review-fast-default'); // R5
};

// ───────────────────────────────────────── budget (review.md §6) ─────────────────────────────────────────

/** Budget mode (`on_review_budget_exceeded`). */
export type BudgetMode = 'skip' | 'downgrade' | 'stop';

/** Budget reasons (review.md §6). */
export type BudgetReason =
  | 'budget-not-applicable'
  | 'budget-unlimited'
  | 'budget-within'
  | 'budget-skip'
  | 'budget-downgrade'
  | 'budget-downgrade-floor'
  | 'budget-stop';

/** Outcome codes of a review record (review.md §6 table). */
export type RecordOutcome =
  | 'auto-passed'
  | 'budget-skipped'
  | 'budget-downgraded'
  | 'budget-floor-skipped'
  | 'budget-halted'
  | 'reviewed'
  | 'undecided';

/** Verdict of {@link applyReviewBudget}. */
export type BudgetVerdict =
  | { readonly _tag: 'NotApplicable'; readonly reason: 'budget-not-applicable'; readonly reasons: readonly [BudgetReason] }
  | { readonly _tag: 'Proceed'; readonly level: ReviewedLevel; readonly reason: 'budget-unlimited' | 'budget-within'; readonly reasons: readonly [BudgetReason] }
  | { readonly _tag: 'SkipReview'; readonly reason: 'budget-skip' | 'budget-downgrade-floor'; readonly reasons: readonly [BudgetReason]; readonly outcome: 'budget-skipped' | 'budget-floor-skipped' }
  | { readonly _tag: 'Downgrade'; readonly to: 'fast'; readonly reason: 'budget-downgrade'; readonly reasons: readonly [BudgetReason]; readonly outcome: 'budget-downgraded' }
  | { readonly _tag: 'Halt'; readonly reason: 'budget-stop'; readonly reasons: readonly [BudgetReason]; readonly outcome: 'budget-halted' };

/**
 * Can the run afford the review it asked for? (review.md §6 rules B1–B4, in order; checked before a review starts.)
 *
 * @param level the routed level.
 * @param budget the run's review budget in tokens (integer ≥ 1), or `null` for unlimited.
 * @param spent tokens spent by every reviewer call of the run so far (persisted), integer ≥ 0.
 * @param mode `on_review_budget_exceeded` (default `skip`).
 * @returns `NotApplicable` for none/auto-pass; `Proceed` with the same level when unlimited or spent < budget;
 *   otherwise `SkipReview` (skip, or downgrade at fast), `Downgrade {to: fast}` (downgrade at panel) or `Halt`
 *   (stop). Never raises the level. Total.
 */
export const applyReviewBudget = (level: Level, budget: number | null, spent: number, mode: BudgetMode): BudgetVerdict => {
  if (level === 'none' || level === 'auto-pass') {
    return { _tag: 'NotApplicable', reason: 'budget-not-applicable', reasons: ['budget-not-applicable'] }; // B1
  }
  if (budget === null) return { _tag: 'Proceed', level, reason: 'budget-unlimited', reasons: ['budget-unlimited'] }; // B2
  if (spent < budget) return { _tag: 'Proceed', level, reason: 'budget-within', reasons: ['budget-within'] }; // B3
  // B4
  if (mode === 'skip') return { _tag: 'SkipReview', reason: 'budget-skip', reasons: ['budget-skip'], outcome: 'budget-skipped' };
  if (mode === 'downgrade') {
    return level === 'panel'
      ? { _tag: 'Downgrade', to: 'fast', reason: 'budget-downgrade', reasons: ['budget-downgrade'], outcome: 'budget-downgraded' }
      : { _tag: 'SkipReview', reason: 'budget-downgrade-floor', reasons: ['budget-downgrade-floor'], outcome: 'budget-floor-skipped' };
  }
  return { _tag: 'Halt', reason: 'budget-stop', reasons: ['budget-stop'], outcome: 'budget-halted' };
};

/** A review record (review.md §6): stored on the task by `RecordReview`. `tokens` integer ≥ 0. */
export interface ReviewRecord {
  readonly requested: Level;
  readonly performed: Level;
  readonly verdict: 'pass' | 'block' | 'skipped' | 'none';
  readonly outcome: RecordOutcome;
  readonly tokens: number;
  readonly reviewers: number;
}

/** `RecordReview`: store the record on the task. */
export interface RecordReview {
  readonly _tag: 'RecordReview';
  readonly taskId: string;
  readonly record: ReviewRecord;
}

/** `AddReviewTokens`: add to the run's persisted review-token total. */
export interface AddReviewTokens {
  readonly _tag: 'AddReviewTokens';
  readonly tokens: number;
}

/** `IncrementPanelBlocks`: add 1 to the task's panel block count. */
export interface IncrementPanelBlocks {
  readonly _tag: 'IncrementPanelBlocks';
  readonly taskId: string;
}

/** Every effect this module returns. `L` is whatever the injected dispute-ledger builder returns. */
export type ReviewEffect<L = never> =
  | RecordReview
  | AddReviewTokens
  | IncrementPanelBlocks
  | SetTaskStatus
  | SkipTasks
  | StopDispatching
  | ScheduleRetry
  | EmitEvent
  | L;

/**
 * The record left when no reviewer runs (review.md §6 table): auto-pass, budget skip, budget floor skip, budget halt.
 * Returns `null` for verdicts after which reviewers do run (`Proceed`, `Downgrade`: the vote decides the record).
 */
export const recordWithoutReview = (requested: Level, v: BudgetVerdict): ReviewRecord | null => {
  if (v._tag === 'NotApplicable') {
    return requested === 'auto-pass'
      ? { requested, performed: 'auto-pass', verdict: 'pass', outcome: 'auto-passed', tokens: 0, reviewers: 0 }
      : null;
  }
  if (v._tag === 'SkipReview') return { requested, performed: 'none', verdict: 'skipped', outcome: v.outcome, tokens: 0, reviewers: 0 };
  if (v._tag === 'Halt') return { requested, performed: 'none', verdict: 'none', outcome: 'budget-halted', tokens: 0, reviewers: 0 };
  return null;
};

/** The level that is actually performed after the budget verdict (`none` when no reviewer runs). */
export const performedLevel = (requested: Level, v: BudgetVerdict): Level =>
  v._tag === 'Proceed' ? v.level : v._tag === 'Downgrade' ? 'fast' : v._tag === 'NotApplicable' ? requested : 'none';

/**
 * Effects of a budget halt (review.md §6 "Halt effects", in order): `RecordReview`, `SetTaskStatus review-blocked`
 * (`review-budget-stop`), `SkipTasks` for the dependents (`dependency-failed`), `StopDispatching`
 * (`review-budget-stop`), `EmitEvent review` (warn). No retry, no ledger entry, no breaker outcome.
 */
export const haltEffects = (taskId: string, requested: Level, dependents: ReadonlyArray<string>): ReadonlyArray<ReviewEffect> => [
  { _tag: 'RecordReview', taskId, record: { requested, performed: 'none', verdict: 'none', outcome: 'budget-halted', tokens: 0, reviewers: 0 } },
  { _tag: 'SetTaskStatus', taskId, status: 'review-blocked', reason: 'review-budget-stop' },
  { _tag: 'SkipTasks', taskIds: [...dependents], reason: 'dependency-failed', cause: taskId },
  { _tag: 'StopDispatching', reason: 'review-budget-stop' },
  emit('review', 'warn', 'budget-stop', { taskId }),
];

// ───────────────────────────────────────── votes (review.md §7) ─────────────────────────────────────────

/** One reviewer's answer (review.md §3). `tokens` integer ≥ 0. */
export type ReviewerResult =
  | { readonly _tag: 'Pass'; readonly feedback: string; readonly tokens: number }
  | { readonly _tag: 'Block'; readonly feedback: string; readonly tokens: number }
  | { readonly _tag: 'Skipped'; readonly reason: string; readonly tokens: number };

/** The tally (review.md §7). `tokens` sums every given result (tokens spent are spent); votes use the first expected ones. */
export interface Vote {
  readonly _tag: 'Pass' | 'Block' | 'Undecided';
  readonly passes: number;
  readonly blocks: number;
  readonly skipped: number;
  readonly tokens: number;
  /** Feedback of the counted blocking reviewers, in order. */
  readonly blockFeedback: ReadonlyArray<string>;
  /** Feedback of the counted passing reviewers, in order. */
  readonly passFeedback: ReadonlyArray<string>;
}

/** Expected reviewers per level (review.md §9): 3 for a panel, 1 for fast. */
export const expectedReviewers = (level: ReviewedLevel): number => (level === 'panel' ? PANEL_SIZE : FAST_SIZE);
/** Votes needed per level (review.md §9): 2 for a panel, 1 for fast. */
export const votesNeeded = (level: ReviewedLevel): number => (level === 'panel' ? PANEL_VOTES_NEEDED : FAST_VOTES_NEEDED);

/**
 * Combine reviewer answers (review.md §7 rules V1–V3). Missing results count as skipped; results beyond the expected count
 * (3 panel, 1 fast) are ignored for the vote (the first ones, in order, are used) but their tokens are summed.
 * V1 blocks ≥ needed → `Block`; V2 passes ≥ needed → `Pass`; V3 otherwise `Undecided` (fail-open, loudly). Total.
 */
export const tallyVotes = (level: ReviewedLevel, results: ReadonlyArray<ReviewerResult>): Vote => {
  const expected = expectedReviewers(level);
  const needed = votesNeeded(level);
  let passes = 0;
  let blocks = 0;
  let tokens = 0;
  const blockFeedback: string[] = [];
  const passFeedback: string[] = [];
  results.forEach((r, i) => {
    tokens += r.tokens;
    if (i >= expected) return;
    if (r._tag === 'Pass') {
      passes++;
      passFeedback.push(r.feedback);
    } else if (r._tag === 'Block') {
      blocks++;
      blockFeedback.push(r.feedback);
    }
  });
  const skipped = expected - passes - blocks;
  const tag = blocks >= needed ? 'Block' : passes >= needed ? 'Pass' : 'Undecided';
  return { _tag: tag, passes, blocks, skipped, tokens, blockFeedback, passFeedback };
};

// ───────────────────────────────────────── after review (review.md §8) ─────────────────────────────────────

/** Facts handed to the dispute-ledger builder (retry.md §8 `dispute` row). */
export interface DisputeFacts {
  readonly taskId: string;
  readonly agent: string;
  /** The task's panel block count including this panel. */
  readonly panelBlocks: number;
  /** Each blocking reviewer's feedback (not yet redacted). */
  readonly feedback: ReadonlyArray<string>;
}

/** The `review-block` failure handed to exhaustion (retry.md §6) and to the note renderer (retry.md §4). */
export interface ReviewBlockFailure {
  readonly kind: 'review-block';
  readonly level: ReviewedLevel;
  readonly blocks: number;
  /** Blocking reviewers' feedback (not yet redacted). */
  readonly feedback: ReadonlyArray<string>;
}

/**
 * Policy of {@link afterReview}. The two functions are pure helpers supplied by the runner so that redaction and
 * the ledger (spec retry.md §4, retry.md §8, owned by the `retry` and `secrets` decisions) stay in one place:
 * `renderNote` returns the `review-block` note (use {@link reviewBlockNote} over redacted feedback);
 * `disputeLedger` returns the ledger effect of kind `dispute` or its withholding event (retry.md §8 `buildLedgerEntry`).
 */
export interface ReviewPolicy<L> {
  readonly onDispute: 'stop' | 'continue';
  readonly renderNote: (f: ReviewBlockFailure) => string;
  readonly disputeLedger: (f: DisputeFacts) => ReadonlyArray<L>;
}

/** Task counters read by {@link afterReview} (review.md §3). */
export interface ReviewTask {
  readonly taskId: string;
  readonly agent: string;
  readonly retries: number;
  readonly maxRetries: number;
  readonly panelBlocks: number;
}

/** Reasons of the disposition (review.md §8). */
export type DispositionReason = 'review-passed' | 'review-undecided' | 'review-disputed' | 'review-retry' | 'review-exhausted';

/**
 * Disposition after a review (review.md §8). `Exhausted` carries the failure to hand to `retry.exhaust` (retry.md §6), which
 * produces the status, ledger, cascade, stop and breaker effects; this module adds only the review's own effects.
 */
export type ReviewDisposition<L> =
  | { readonly _tag: 'Merge'; readonly reason: 'review-passed' | 'review-undecided'; readonly reasons: readonly [DispositionReason]; readonly effects: ReadonlyArray<ReviewEffect<L>> }
  | { readonly _tag: 'Dispute'; readonly reason: 'review-disputed'; readonly reasons: readonly [DispositionReason]; readonly effects: ReadonlyArray<ReviewEffect<L>> }
  | { readonly _tag: 'Retry'; readonly reason: 'review-retry'; readonly reasons: readonly [DispositionReason]; readonly retries: number; readonly effects: ReadonlyArray<ReviewEffect<L>> }
  | {
      readonly _tag: 'Exhausted';
      readonly reason: 'review-exhausted';
      readonly reasons: readonly [DispositionReason];
      readonly failure: ReviewBlockFailure;
      readonly effects: ReadonlyArray<ReviewEffect<L>>;
    };

/**
 * What happens to the task after a review was performed (review.md §8 rules D1–D4, in order).
 *
 * Every disposition starts with `AddReviewTokens {vote.tokens}` and `RecordReview` (review.md §6 accounting; verdict
 * `skipped` and outcome `undecided` for an undecided vote, `budget-downgraded` when `requested` was panel and
 * fast was performed), followed by the rule's effects:
 * - D1 `Pass` → `Merge` (`review-passed`, info event); `Undecided` → `Merge` (`review-undecided`, warn event).
 * - D2 `Block` on a performed panel with panelBlocks + 1 ≥ 3 → `Dispute`: `SetTaskStatus disputed`,
 *   `IncrementPanelBlocks`, the ledger effects of `policy.disputeLedger`, `SkipTasks` (`dependency-disputed`),
 *   `StopDispatching dispute-stop` iff `onDispute` is `stop`, `EmitEvent review` (warn, `review-disputed`).
 *   Never a breaker outcome or DLQ entry.
 * - D3 `Block` with retries < maxRetries → `Retry`: `ScheduleRetry {retries + 1, note}`, plus
 *   `IncrementPanelBlocks` for a panel, and a warn event.
 * - D4 `Block` otherwise → `Exhausted` (kind `review-block`), plus `IncrementPanelBlocks` for a panel.
 *
 * @param dependents the task's transitive pending dependents (retry.md §7), skipped on a dispute. Total.
 */
export const afterReview = <L>(
  task: ReviewTask,
  requested: Level,
  performed: ReviewedLevel,
  vote: Vote,
  policy: ReviewPolicy<L>,
  dependents: ReadonlyArray<string>,
): ReviewDisposition<L> => {
  const { taskId } = task;
  const reviewers = expectedReviewers(performed);
  const outcome: RecordOutcome =
    vote._tag === 'Undecided' ? 'undecided' : requested === 'panel' && performed === 'fast' ? 'budget-downgraded' : 'reviewed';
  const verdict = vote._tag === 'Pass' ? 'pass' : vote._tag === 'Block' ? 'block' : 'skipped';
  const head: ReviewEffect<L>[] = [
    { _tag: 'AddReviewTokens', tokens: vote.tokens },
    { _tag: 'RecordReview', taskId, record: { requested, performed, verdict, outcome, tokens: vote.tokens, reviewers } },
  ];
  const data = { passes: vote.passes, blocks: vote.blocks, skipped: vote.skipped, level: performed };
  // D1
  if (vote._tag === 'Pass') {
    return { _tag: 'Merge', reason: 'review-passed', reasons: ['review-passed'], effects: [...head, emit('review', 'info', 'review-passed', { taskId, data })] };
  }
  if (vote._tag === 'Undecided') {
    return { _tag: 'Merge', reason: 'review-undecided', reasons: ['review-undecided'], effects: [...head, emit('review', 'warn', 'review-undecided', { taskId, data })] };
  }
  const panel = performed === 'panel';
  const failure: ReviewBlockFailure = { kind: 'review-block', level: performed, blocks: vote.blocks, feedback: vote.blockFeedback };
  // D2
  if (panel && task.panelBlocks + 1 >= DISPUTE_PANEL_BLOCKS) {
    const effects: ReviewEffect<L>[] = [
      ...head,
      { _tag: 'SetTaskStatus', taskId, status: 'disputed', reason: 'review-disputed' },
      { _tag: 'IncrementPanelBlocks', taskId },
      ...policy.disputeLedger({ taskId, agent: task.agent, panelBlocks: task.panelBlocks + 1, feedback: vote.blockFeedback }),
      { _tag: 'SkipTasks', taskIds: [...dependents], reason: 'dependency-disputed', cause: taskId },
      ...(policy.onDispute === 'stop' ? [{ _tag: 'StopDispatching', reason: 'dispute-stop' } as const] : []),
      emit('review', 'warn', 'review-disputed', { taskId, data: { ...data, panelBlocks: task.panelBlocks + 1 } }),
    ];
    return { _tag: 'Dispute', reason: 'review-disputed', reasons: ['review-disputed'], effects };
  }
  const inc: ReviewEffect<L>[] = panel ? [{ _tag: 'IncrementPanelBlocks', taskId }] : [];
  // D3
  if (task.retries < task.maxRetries) {
    const retries = task.retries + 1;
    return {
      _tag: 'Retry',
      reason: 'review-retry',
      reasons: ['review-retry'],
      retries,
      effects: [...head, { _tag: 'ScheduleRetry', taskId, retries, note: capNote(policy.renderNote(failure)) }, ...inc, emit('review', 'warn', 'review-retry', { taskId, data })],
    };
  }
  // D4
  return { _tag: 'Exhausted', reason: 'review-exhausted', reasons: ['review-exhausted'], failure, effects: [...head, ...inc] };
};

// ───────────────────────────────────────── messages (retry.md §4 review-block note) ─────────────────────────

const capNote = (s: string): string => (s.length <= NOTE_MAX ? s : s.slice(0, NOTE_MAX - NOTE_TRUNCATED.length - 1) + '\n' + NOTE_TRUNCATED);

/**
 * The `review-block` retry note (retry.md §4, verbatim templates), capped at 6 000 characters with `[note truncated]`.
 * `redactedFeedback` must already be redacted (secrets.md §5); for a panel the items are joined with a line of three dashes.
 */
export const reviewBlockNote = (level: ReviewedLevel, blocks: number, redactedFeedback: ReadonlyArray<string>): string => {
  const closing = 'Deal with each point and complete the task.';
  const body = redactedFeedback.length === 0 ? '(no feedback given)' : redactedFeedback.join('\n---\n');
  const text =
    level === 'fast'
      ? `A reviewer did not accept your last change. Their points:\n${body}\n${closing}`
      : `${blocks} of 3 reviewers did not accept your last change. Points to fix:\n${body}\n${closing}`;
  return capNote(text);
};

// ───────────────────────────────────────── table ─────────────────────────────────────────

const rel = (s: string, dir = false): NormPath => {
  const segments = s.split('/').filter((x) => x !== '');
  return { _tag: 'Rel', segments, dir };
};

/**
 * The review-level decision table: routing over abstract diff/agent facts (every rule, with the auto-pass size
 * boundaries at, one below and one above), then the budget rules for every level × mode around the budget.
 */
export const table = (): DecisionTable => {
  const h = DEFAULT_HEURISTICS;
  const rows: string[][] = [];
  const diff = (paths: string[], lines: number, files: number, malformed = false): DiffFacts => ({
    paths: paths.map((p) => rel(p)),
    linesChanged: lines,
    filesChanged: files,
    malformed,
  });
  const cases: ReadonlyArray<readonly [Setting, string, DiffFacts, boolean, string]> = [
    ['none', 'developer', diff(['src/auth/x.ts'], 3, 1), true, 'auth path, forced none'],
    ['fast', 'developer', diff(['src/auth/x.ts'], 3, 1), true, 'auth path, forced fast'],
    ['panel', 'documentation-writer', diff(['docs/a.md'], 1, 1), true, 'docs, forced panel'],
    ['auto', 'developer', diff(['src/auth/session.ts'], 3, 1), true, 'src/auth/session.ts'],
    ['auto', 'developer', diff(['src/oauth/x.ts'], 3, 1), true, 'src/oauth/x.ts (not a segment match)'],
    ['auto', 'developer', diff(['src/Auth/x.ts'], 3, 1), true, 'src/Auth/x.ts (case ignored)'],
    ['auto', 'developer', diff(['src/auth'], 3, 1), true, 'src/auth (a file named auth)'],
    ['auto', 'security-expert', diff(['src/a.ts'], 1, 1), true, 'panel agent'],
    ['auto', 'documentation-writer', diff(['docs/a.md'], 400, 9), false, 'auto-pass agent, big diff, gates failed'],
    ['auto', 'developer', diff(['a.ts', 'b.ts'], 9, 2), true, 'lines max−1, files max'],
    ['auto', 'developer', diff(['a.ts', 'b.ts'], 10, 2), true, 'lines = max, files = max'],
    ['auto', 'developer', diff(['a.ts', 'b.ts'], 11, 2), true, 'lines max+1'],
    ['auto', 'developer', diff(['a.ts', 'b.ts', 'c.ts'], 10, 3), true, 'files max+1'],
    ['auto', 'developer', diff(['a.ts'], 8, 1), false, 'small, gates not passed'],
    ['auto', 'developer', diff(['a.ts'], 8, 1, true), true, 'small, malformed diff'],
  ];
  for (const [setting, agent, d, gates, label] of cases) {
    const r = routeReview(setting, agent, d, h, gates);
    rows.push(['route', `${label}; setting ${setting}, agent ${agent}, ${d.linesChanged} lines, ${d.filesChanged} files, gates ${gates ? 'passed' : 'not passed'}${d.malformed ? ', malformed' : ''}`, r.level, r.reason]);
  }
  const budget = 1000;
  for (const level of ['none', 'auto-pass', 'fast', 'panel'] as const) {
    for (const mode of ['skip', 'downgrade', 'stop'] as const) {
      for (const spent of level === 'none' || level === 'auto-pass' ? [budget] : [budget - 1, budget, budget + 1]) {
        const v = applyReviewBudget(level, budget, spent, mode);
        const rec = recordWithoutReview(level, v);
        rows.push([
          'budget',
          `level ${level}, mode ${mode}, spent ${spent} of ${budget}`,
          `${v._tag}${v._tag === 'Downgrade' ? ' → fast' : ''} (performs ${performedLevel(level, v)})`,
          v.reason + (rec === null ? '' : `; record ${rec.outcome}`),
        ]);
      }
    }
  }
  rows.push(['budget', 'level fast or panel, budget unlimited (null)', 'Proceed', applyReviewBudget('panel', null, 10 ** 9, 'stop').reason]);
  for (const level of ['fast', 'panel'] as const) {
    const mk = (tags: ReadonlyArray<ReviewerResult['_tag']>): ReviewerResult[] =>
      tags.map((tg) => (tg === 'Skipped' ? { _tag: tg, reason: 'timeout', tokens: 1 } : { _tag: tg, feedback: 'x', tokens: 1 }));
    const sets: ReadonlyArray<ReadonlyArray<ReviewerResult['_tag']>> =
      level === 'fast' ? [['Pass'], ['Block'], ['Skipped'], []] : [['Pass', 'Pass', 'Block'], ['Block', 'Block', 'Pass'], ['Pass', 'Block', 'Skipped'], ['Skipped', 'Skipped', 'Skipped'], ['Pass']];
    for (const s of sets) {
      const v = tallyVotes(level, mk(s));
      rows.push(['vote', `${level}: [${s.join(', ') || 'no results'}]`, v._tag, `passes ${v.passes}, blocks ${v.blocks}, skipped ${v.skipped}`]);
    }
  }
  return {
    policy: POLICY,
    version: POLICY_VERSION,
    title: 'Review routing (R0–R5), review budget (B1–B4) and vote tally (V1–V3).',
    columns: ['rule set', 'facts', 'result', 'reason'],
    rows,
    notes: [
      `Default heuristics: panel paths auth/, security/, migrations/, rls/; panel agents ${h.panelAgents.join(', ')}; auto-pass agents ${h.autoPassAgents.join(', ')}; auto-pass max ${h.autoPassMaxLines} lines and ${h.autoPassMaxFiles} files.`,
      'Panel paths match whole segments, ignoring ASCII case; a directory entry needs at least one segment after it.',
      `Votes: panel ${PANEL_VOTES_NEEDED} of ${PANEL_SIZE}, fast ${FAST_VOTES_NEEDED} of ${FAST_SIZE}; missing results count as skipped; undecided merges loudly.`,
      `Dispute: a blocking panel when panelBlocks + 1 ≥ ${DISPUTE_PANEL_BLOCKS}; fast reviews never dispute.`,
    ],
  };
};
