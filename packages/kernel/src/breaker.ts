/**
 * Circuit breaker, one per agent: stop giving tasks to an agent whose recent tasks keep failing for good, let
 * exactly one probe through after a cooldown, and route its work to a fallback agent while it is barred.
 *
 * Normative source: breaker.md (policy `breaker`, version 1.0.0). Sections follow architecture.md
 * "One decision, one module": model → decision → verdict → messages → table. Reason codes are the spec's codes in
 * lowercase kebab-case (architecture.md conventions §5): `BREAKER_TRIPPED` is `breaker-tripped`, `ADMIT_PROBE` is
 * `admit-probe`, `REFUSE_PROBE_IN_FLIGHT` is `refuse-probe-in-flight`.
 *
 * Pure: no I/O, no clock, no randomness. `now` (ms since the epoch) is a fact.
 */
import * as t from 'io-ts';
import { left, right, isRight, type Either } from 'fp-ts/lib/Either.js';
import { IsoMillis, describeErrors } from './internal/codecs.js';
import {
  AgentName,
  DurationMs,
  EpochMs,
  NonNegInt,
  PosInt,
  TaskId,
  emit,
  isAgentName,
  ownGet,
  ownSet,
  type EmitEvent,
  type SetTaskStatus,
  type SkipTasks,
} from './internal/convoy-common.js';
import { HANDLE_CHAR, keepOnly } from './internal/text.js';
import type { DecisionTable } from './internal/table.js';

// ───────────────────────────────────────── constants (breaker.md §9) ─────────────────────────────────────────

/** Policy id written to the decision log and used by `arbiter table breaker`. */
export const POLICY = 'breaker';
/** Policy version (semver); major for changed verdicts or reason codes. */
export const POLICY_VERSION = '1.0.0';
/** Consecutive exhausted failures that trip the breaker. */
export const DEFAULT_THRESHOLD = 3;
/** Cooldown before a probe, ms (inclusive: admitted when elapsed ≥ cooldown). */
export const DEFAULT_COOLDOWN_MS = 300_000;
/** Probe lease, ms (twice the default task timeout). */
export const DEFAULT_PROBE_LEASE_MS = 3_600_000;
/** The only document version accepted (breaker.md §8 D3). */
export const BOOK_VERSION = 1;

// ───────────────────────────────────────── model (breaker.md §3, breaker.md §4, breaker.md §8) ─────────────────────────────────

/** Breaker configuration (breaker.md §3). `cooldownMs`, `probeLeaseMs` in ms. */
export interface BreakerConfig {
  readonly threshold: number;
  readonly cooldownMs: number;
  readonly probeLeaseMs: number;
  readonly fallbackAgent: string | null;
}

/** The defaults of breaker.md §9 (what an empty `circuit_breaker: {}` object means). */
export const DEFAULT_CONFIG: BreakerConfig = {
  threshold: DEFAULT_THRESHOLD,
  cooldownMs: DEFAULT_COOLDOWN_MS,
  probeLeaseMs: DEFAULT_PROBE_LEASE_MS,
  fallbackAgent: null,
};

/**
 * Configuration codec for the snake_case `circuit_breaker` object (convoy.md §7; `.arbiter/config.json` key `breaker`).
 * Every key is optional; unknown keys are rejected (a typo must not silently disable a setting). Decodes to a
 * {@link BreakerConfig} with the defaults filled in. Invalid values fail the decode (fail-closed, convoy.md §7).
 */
export const BreakerConfigCodec = new t.Type<BreakerConfig, Record<string, unknown>, unknown>(
  'BreakerConfig',
  (u): u is BreakerConfig =>
    typeof u === 'object' && u !== null && 'threshold' in u && 'cooldownMs' in u && 'probeLeaseMs' in u,
  (u, c) => {
    const shape = t.exact(
      t.partial({ threshold: PosInt, cooldown_ms: DurationMs, probe_lease_ms: PosInt, fallback_agent: AgentName }),
    );
    if (typeof u !== 'object' || u === null || Array.isArray(u)) return t.failure(u, c, 'expected an object');
    const extra = Object.keys(u).filter((k) => !['threshold', 'cooldown_ms', 'probe_lease_ms', 'fallback_agent'].includes(k));
    if (extra.length > 0) return t.failure(u, c, `unknown key ${keepOnly(extra[0], HANDLE_CHAR, 40, '?')}`);
    const r = shape.validate(u, c);
    if (!isRight(r)) return r;
    return t.success({
      threshold: r.right.threshold ?? DEFAULT_THRESHOLD,
      cooldownMs: r.right.cooldown_ms ?? DEFAULT_COOLDOWN_MS,
      probeLeaseMs: r.right.probe_lease_ms ?? DEFAULT_PROBE_LEASE_MS,
      fallbackAgent: r.right.fallback_agent ?? null,
    });
  },
  (cfg) => ({
    threshold: cfg.threshold,
    cooldown_ms: cfg.cooldownMs,
    probe_lease_ms: cfg.probeLeaseMs,
    ...(cfg.fallbackAgent === null ? {} : { fallback_agent: cfg.fallbackAgent }),
  }),
);

/** The probe slot of a half-open breaker. */
export type Probe =
  | { readonly _tag: 'Free' }
  | { readonly _tag: 'Leased'; readonly taskId: string; readonly leasedAt: number };

/**
 * One agent's breaker state (breaker.md §4). Each state carries only its own fields; instants are ms since the epoch.
 * An agent missing from the book is `Closed { failures: 0 }`.
 */
export type BreakerState =
  | { readonly _tag: 'Closed'; readonly failures: number }
  | { readonly _tag: 'Open'; readonly openedAt: number; readonly lateFailures: number }
  | { readonly _tag: 'HalfOpen'; readonly since: number; readonly probe: Probe };

/** The book: every agent's breaker state, keyed by `AgentName`. Missing agents are `Closed {0}`. */
export type Book = Readonly<Record<string, BreakerState>>;

/** `Closed {0}`: the state of an unknown agent (breaker.md §10: fail-open, nothing is known against it). */
export const CLOSED_ZERO: BreakerState = Object.freeze({ _tag: 'Closed', failures: 0 }) as BreakerState;

/** The empty book. */
export const EMPTY_BOOK: Book = Object.freeze({});

/** An agent's state in `book` (own properties only), `Closed {0}` when absent. */
export const stateOf = (book: Book, agent: string): BreakerState => ownGet(book, agent) ?? CLOSED_ZERO;

const FREE: Probe = Object.freeze({ _tag: 'Free' }) as Probe;

/** Instant on disk: `toISOString` form and within `EpochMs` (convoy.md §2; breaker.md §8 D2). */
const WireInstant = new t.Type<number, string, unknown>(
  'WireInstant',
  EpochMs.is,
  (u, c) => {
    const r = IsoMillis.validate(u, c);
    if (!isRight(r)) return r;
    return r.right >= 0 ? t.success(r.right) : t.failure(u, c, 'instant before the epoch');
  },
  (ms) => IsoMillis.encode(ms),
);

const exactKeys = (u: unknown, keys: ReadonlyArray<string>): boolean =>
  typeof u === 'object' &&
  u !== null &&
  !Array.isArray(u) &&
  Object.keys(u).length === keys.length &&
  keys.every((k) => Object.prototype.hasOwnProperty.call(u, k));

const ClosedEntry = t.type({ state: t.literal('closed'), failures: NonNegInt });
const OpenEntry = t.type({ state: t.literal('open'), opened_at: WireInstant, late_failures: NonNegInt });
const LeaseEntry = t.type({ task_id: TaskId, leased_at: WireInstant });
const HalfOpenEntry = t.type({ state: t.literal('half-open'), since: WireInstant, probe: t.union([t.null, LeaseEntry]) });

/** JSON form of one entry (breaker.md §8 table). */
export type EntryJson =
  | { state: 'closed'; failures: number }
  | { state: 'open'; opened_at: string; late_failures: number }
  | { state: 'half-open'; since: string; probe: null | { task_id: string; leased_at: string } };

/**
 * Codec of one book entry (breaker.md §8 D1, D2): unknown `state`, missing or extra key, wrong type, negative or fractional
 * count, invalid task id or non-canonical timestamp make the entry invalid. Encodes keys in table order.
 */
export const entryCodec = new t.Type<BreakerState, EntryJson, unknown>(
  'BreakerEntry',
  (u): u is BreakerState => typeof u === 'object' && u !== null && '_tag' in u,
  (u, c) => {
    const state = typeof u === 'object' && u !== null ? (u as Record<string, unknown>)['state'] : undefined;
    if (state === 'closed') {
      if (!exactKeys(u, ['state', 'failures'])) return t.failure(u, c, 'closed entry: wrong keys');
      const r = ClosedEntry.validate(u, c);
      return isRight(r) ? t.success({ _tag: 'Closed', failures: r.right.failures }) : r;
    }
    if (state === 'open') {
      if (!exactKeys(u, ['state', 'opened_at', 'late_failures'])) return t.failure(u, c, 'open entry: wrong keys');
      const r = OpenEntry.validate(u, c);
      return isRight(r) ? t.success({ _tag: 'Open', openedAt: r.right.opened_at, lateFailures: r.right.late_failures }) : r;
    }
    if (state === 'half-open') {
      if (!exactKeys(u, ['state', 'since', 'probe'])) return t.failure(u, c, 'half-open entry: wrong keys');
      const probe = (u as Record<string, unknown>)['probe'];
      if (probe !== null && !exactKeys(probe, ['task_id', 'leased_at'])) return t.failure(u, c, 'probe: wrong keys');
      const r = HalfOpenEntry.validate(u, c);
      if (!isRight(r)) return r;
      const p = r.right.probe;
      return t.success({
        _tag: 'HalfOpen',
        since: r.right.since,
        probe: p === null ? FREE : { _tag: 'Leased', taskId: p.task_id, leasedAt: p.leased_at },
      });
    }
    return t.failure(u, c, 'unknown breaker state');
  },
  (s): EntryJson => {
    switch (s._tag) {
      case 'Closed':
        return { state: 'closed', failures: s.failures };
      case 'Open':
        return { state: 'open', opened_at: WireInstant.encode(s.openedAt), late_failures: s.lateFailures };
      case 'HalfOpen':
        return {
          state: 'half-open',
          since: WireInstant.encode(s.since),
          probe: s.probe._tag === 'Free' ? null : { task_id: s.probe.taskId, leased_at: WireInstant.encode(s.probe.leasedAt) },
        };
    }
  },
);

/** JSON form of the whole document (breaker.md §8). */
export interface BookJson {
  version: 1;
  agents: Record<string, EntryJson>;
}

const isClosedZero = (s: BreakerState): boolean => s._tag === 'Closed' && s.failures === 0;

/** Agents of `book` that encoding keeps (not `Closed {0}`), sorted by name (UTF-16 code-unit order). */
const keptAgents = (book: Book): string[] =>
  Object.keys(book)
    .filter((a) => !isClosedZero(book[a] as BreakerState))
    .sort();

/**
 * Strict codec of the whole book document (breaker.md §8): decodes only when the document is readable (D3) **and** every
 * entry is valid (D1, D2); {@link restoreBook} is the lenient reader that quarantines invalid entries instead.
 * Encoding omits `Closed {0}` entries and sorts agents; use {@link encodeBook} for the canonical bytes.
 */
export const bookCodec = new t.Type<Book, BookJson, unknown>(
  'BreakerBook',
  (u): u is Book => typeof u === 'object' && u !== null,
  (u, c) => {
    const doc = readDocument(u);
    if (doc._tag === 'Unreadable') return t.failure(u, c, doc.detail);
    let book: Book = EMPTY_BOOK;
    for (const [agent, raw] of doc.entries) {
      const r = entryCodec.decode(raw);
      if (!isRight(r)) return t.failure(u, c, `invalid entry: ${describeErrors(r.left)}`);
      book = ownSet(book, agent, r.right);
    }
    return t.success(book);
  },
  (book) => {
    const agents: Record<string, EntryJson> = {};
    for (const a of keptAgents(book)) {
      Object.defineProperty(agents, a, { value: entryCodec.encode(book[a] as BreakerState), enumerable: true, writable: true, configurable: true });
    }
    return { version: 1, agents };
  },
);

/**
 * Canonical document text of `book` (breaker.md §8): `{"version":1,"agents":{...}}` with `Closed {0}` omitted, agents
 * sorted by name and entry keys in table order, so equal books give byte-identical documents. Built by hand
 * because `JSON.stringify` would move integer-like agent names to the front.
 */
export const encodeBook = (book: Book): string =>
  `{"version":1,"agents":{${keptAgents(book)
    .map((a) => `${JSON.stringify(a)}:${JSON.stringify(entryCodec.encode(book[a] as BreakerState))}`)
    .join(',')}}}`;

type ReadDoc =
  | { readonly _tag: 'Unreadable'; readonly detail: string }
  | { readonly _tag: 'Readable'; readonly entries: ReadonlyArray<readonly [string, unknown]> };

/** breaker.md §8 D3: the document-level checks. */
const readDocument = (u: unknown): ReadDoc => {
  if (typeof u !== 'object' || u === null || Array.isArray(u)) return { _tag: 'Unreadable', detail: 'document is not an object' };
  const o = u as Record<string, unknown>;
  if (o['version'] !== BOOK_VERSION) return { _tag: 'Unreadable', detail: 'unsupported version' };
  const agents = o['agents'];
  if (typeof agents !== 'object' || agents === null || Array.isArray(agents)) {
    return { _tag: 'Unreadable', detail: 'agents is not an object' };
  }
  const entries: Array<readonly [string, unknown]> = [];
  for (const k of Object.keys(agents)) {
    if (!isAgentName(k)) return { _tag: 'Unreadable', detail: 'agent key is not an agent name' };
    entries.push([k, (agents as Record<string, unknown>)[k]]);
  }
  return { _tag: 'Readable', entries };
};

/** `restoreBook`'s failure: the whole document is unreadable (breaker.md §8 D3). */
export interface BookUnreadable {
  readonly _tag: 'BookUnreadable';
  readonly reason: 'breaker-book-unreadable';
  /** Short, byte-free description (never the document's content). */
  readonly detail: string;
}

/** `restoreBook`'s success: the book, the quarantined agents (sorted) and one warn event per quarantined agent. */
export interface Restored {
  readonly book: Book;
  readonly quarantined: ReadonlyArray<string>;
  readonly effects: ReadonlyArray<EmitEvent>;
}

/**
 * Restore a persisted book (breaker.md §8 `restoreBook`).
 *
 * @param raw the stored document text, or `null` when no document exists.
 * @param now ms since the epoch; the opening time of every quarantined agent.
 * @returns `Right` with an empty book for `null`; `Left BookUnreadable` when the text is not JSON, not an object,
 *   has `version` ≠ 1, a non-object `agents` or an agent key that is not an `AgentName` (fail-closed: dispatch stops
 *   until `arbiter breaker reset`); otherwise `Right` where every invalid entry (D1, D2) is restored as
 *   `Open { openedAt: now, lateFailures: 0 }`, listed in `quarantined` and reported by an `EmitEvent breaker`
 *   (warn, `breaker-entry-quarantined`). Total; never throws.
 */
export const restoreBook = (raw: string | null, now: number): Either<BookUnreadable, Restored> => {
  if (raw === null) return right({ book: EMPTY_BOOK, quarantined: [], effects: [] });
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return left({ _tag: 'BookUnreadable', reason: 'breaker-book-unreadable', detail: 'not valid JSON' });
  }
  const doc = readDocument(json);
  if (doc._tag === 'Unreadable') return left({ _tag: 'BookUnreadable', reason: 'breaker-book-unreadable', detail: doc.detail });
  let book: Book = EMPTY_BOOK;
  const quarantined: string[] = [];
  for (const [agent, entry] of doc.entries) {
    const r = entryCodec.decode(entry);
    if (isRight(r)) {
      book = ownSet(book, agent, r.right);
    } else {
      book = ownSet(book, agent, { _tag: 'Open', openedAt: now, lateFailures: 0 });
      quarantined.push(agent);
    }
  }
  quarantined.sort();
  return right({
    book,
    quarantined,
    effects: quarantined.map((agent) => emit('breaker', 'warn', 'breaker-entry-quarantined', { agent })),
  });
};

// ───────────────────────────────────────── decision: transition (breaker.md §5) ─────────────────────────────

/** Breaker events (breaker.md §5). */
export type BreakerEvent =
  | { readonly _tag: 'Failure'; readonly taskId: string }
  | { readonly _tag: 'Success'; readonly taskId: string }
  | { readonly _tag: 'ProbeReleased'; readonly taskId: string };

/** Codes of `transition` (breaker.md §5), one per rule. */
export type TransitionCode =
  | 'breaker-tripped'
  | 'breaker-failure-counted'
  | 'breaker-reset'
  | 'breaker-success'
  | 'breaker-late-failure'
  | 'breaker-late-success'
  | 'breaker-reopened'
  | 'breaker-closed'
  | 'breaker-probe-released'
  | 'breaker-noop';

/** Result of {@link transition}. `state` is the input object itself when unchanged. */
export interface TransitionResult {
  readonly state: BreakerState;
  readonly code: TransitionCode;
}

const leaseHolder = (s: BreakerState): string | null =>
  s._tag === 'HalfOpen' && s.probe._tag === 'Leased' ? s.probe.taskId : null;

/**
 * Feed one outcome to an agent's breaker (breaker.md §5 rules T1–T10; exactly one code per call).
 *
 * @param config `threshold` is read (T1); the other fields are not.
 * @param state the agent's current state.
 * @param event `Failure` (an exhausted failure, retry.md §6), `Success` (the task reached done) or `ProbeReleased`.
 * @param now ms since the epoch; the opening time on T1 and T5.
 * @returns the next state (the same object when unchanged) and the rule's code. Total; never throws.
 */
export const transition = (config: BreakerConfig, state: BreakerState, event: BreakerEvent, now: number): TransitionResult => {
  switch (state._tag) {
    case 'Closed':
      if (event._tag === 'Failure') {
        const f = state.failures + 1;
        return f >= config.threshold
          ? { state: { _tag: 'Open', openedAt: now, lateFailures: 0 }, code: 'breaker-tripped' } // T1
          : { state: { _tag: 'Closed', failures: f }, code: 'breaker-failure-counted' }; // T1
      }
      if (event._tag === 'Success') {
        return state.failures > 0 ? { state: CLOSED_ZERO, code: 'breaker-reset' } : { state, code: 'breaker-success' }; // T2
      }
      return { state, code: 'breaker-noop' }; // T10
    case 'Open':
      if (event._tag === 'Failure') {
        return { state: { _tag: 'Open', openedAt: state.openedAt, lateFailures: state.lateFailures + 1 }, code: 'breaker-late-failure' }; // T3
      }
      if (event._tag === 'Success') return { state, code: 'breaker-late-success' }; // T4
      return { state, code: 'breaker-noop' }; // T10
    case 'HalfOpen': {
      const isHolder = leaseHolder(state) === event.taskId; // a free slot has no holder (null is no task id)
      if (event._tag === 'Failure') {
        return isHolder
          ? { state: { _tag: 'Open', openedAt: now, lateFailures: 0 }, code: 'breaker-reopened' } // T5
          : { state, code: 'breaker-late-failure' }; // T7
      }
      if (event._tag === 'Success') {
        return isHolder ? { state: CLOSED_ZERO, code: 'breaker-closed' } : { state, code: 'breaker-late-success' }; // T6 / T8
      }
      return isHolder
        ? { state: { _tag: 'HalfOpen', since: state.since, probe: FREE }, code: 'breaker-probe-released' } // T9
        : { state, code: 'breaker-noop' }; // T10
    }
  }
};

// ───────────────────────────────────────── decision: canAssign (breaker.md §6) ─────────────────────────────

/** Admission reasons (breaker.md §6). */
export type AdmitReason = 'admit-closed' | 'admit-probe' | 'admit-probe-again' | 'admit-probe-lease-expired';
/** Refusal reasons (breaker.md §6). */
export type RefuseReason = 'refuse-clock-skew' | 'refuse-cooling' | 'refuse-probe-in-flight';

/** Result of {@link canAssign}. `retryAfterMs` (ms) is null when allowed. `state` is the input object when unchanged. */
export type Admission =
  | { readonly allowed: true; readonly reason: AdmitReason; readonly state: BreakerState; readonly retryAfterMs: null }
  | { readonly allowed: false; readonly reason: RefuseReason; readonly state: BreakerState; readonly retryAfterMs: number };

/**
 * May `taskId` be given to this agent now? (breaker.md §6 rules A1–A9, in order.)
 *
 * @param config `cooldownMs` and `probeLeaseMs` (ms) are read.
 * @param state the agent's current state.
 * @param taskId the requesting task (identifies the probe holder).
 * @param now ms since the epoch.
 * @returns `allowed`, the rule's reason, the next state (open → half-open with a lease on A4, the lease on A5, A6
 *   and A9, re-anchored future timestamps on A2 and A7; the input object itself when unchanged) and `retryAfterMs`
 *   (ms until a retry can succeed) when refused. Total; never throws.
 */
export const canAssign = (config: BreakerConfig, state: BreakerState, taskId: string, now: number): Admission => {
  switch (state._tag) {
    case 'Closed':
      return { allowed: true, reason: 'admit-closed', state, retryAfterMs: null }; // A1
    case 'Open': {
      if (state.openedAt > now) {
        return {
          allowed: false,
          reason: 'refuse-clock-skew',
          state: { _tag: 'Open', openedAt: now, lateFailures: state.lateFailures },
          retryAfterMs: config.cooldownMs,
        }; // A2
      }
      const elapsed = now - state.openedAt;
      if (elapsed < config.cooldownMs) {
        return { allowed: false, reason: 'refuse-cooling', state, retryAfterMs: config.cooldownMs - elapsed }; // A3
      }
      return {
        allowed: true,
        reason: 'admit-probe',
        state: { _tag: 'HalfOpen', since: now, probe: { _tag: 'Leased', taskId, leasedAt: now } },
        retryAfterMs: null,
      }; // A4
    }
    case 'HalfOpen': {
      const p = state.probe;
      if (p._tag === 'Free') {
        return {
          allowed: true,
          reason: 'admit-probe',
          state: { _tag: 'HalfOpen', since: state.since, probe: { _tag: 'Leased', taskId, leasedAt: now } },
          retryAfterMs: null,
        }; // A5
      }
      if (p.taskId === taskId) {
        return {
          allowed: true,
          reason: 'admit-probe-again',
          state: { _tag: 'HalfOpen', since: state.since, probe: { _tag: 'Leased', taskId, leasedAt: now } },
          retryAfterMs: null,
        }; // A6
      }
      if (p.leasedAt > now) {
        return {
          allowed: false,
          reason: 'refuse-probe-in-flight',
          state: { _tag: 'HalfOpen', since: state.since, probe: { _tag: 'Leased', taskId: p.taskId, leasedAt: now } },
          retryAfterMs: config.probeLeaseMs,
        }; // A7
      }
      const held = now - p.leasedAt;
      if (held < config.probeLeaseMs) {
        return { allowed: false, reason: 'refuse-probe-in-flight', state, retryAfterMs: config.probeLeaseMs - held }; // A8
      }
      return {
        allowed: true,
        reason: 'admit-probe-lease-expired',
        state: { _tag: 'HalfOpen', since: state.since, probe: { _tag: 'Leased', taskId, leasedAt: now } },
        retryAfterMs: null,
      }; // A9
    }
  }
};

// ───────────────────────────────────────── decision: assign (breaker.md §7) ─────────────────────────────

/** `AssignAgent`: record which agent runs this attempt (`routedFrom` is the barred primary after a route). */
export interface AssignAgent {
  readonly _tag: 'AssignAgent';
  readonly taskId: string;
  readonly agent: string;
  readonly routedFrom: string | null;
}

/** `PersistBreakerBook`: encode (breaker.md §8) and replace the stored document; a failed write must stop the attempt. */
export interface PersistBreakerBook {
  readonly _tag: 'PersistBreakerBook';
  readonly book: Book;
}

/** `RecordBreakerOutcome`: call {@link transition} with the same `now`, persist, and emit `breaker`. */
export interface RecordBreakerOutcome {
  readonly _tag: 'RecordBreakerOutcome';
  readonly agent: string;
  readonly event: BreakerEvent;
}

/** Effects of {@link assign}, in list order. */
export type AssignEffect = AssignAgent | PersistBreakerBook | SetTaskStatus | SkipTasks | EmitEvent;

/** What the fallback said when the primary was refused (spec `NONE`, `SAME_AGENT`, `REFUSED`). */
export type FallbackOutcome =
  | { readonly _tag: 'none' }
  | { readonly _tag: 'same-agent' }
  | { readonly _tag: 'refused'; readonly agent: string; readonly reason: RefuseReason };

/** Reasons of the assignment verdict (breaker.md §7). */
export type AssignReason = 'breaker-disabled' | AdmitReason | 'breaker-fallback-routed' | RefuseReason;

/** The assignment verdict (breaker.md §7). Every verdict carries the next `book` and the effects, in order. */
export type AssignmentVerdict =
  | {
      readonly _tag: 'Assign';
      readonly agent: string;
      readonly reason: 'breaker-disabled' | AdmitReason;
      readonly reasons: readonly [AssignReason];
      readonly book: Book;
      readonly effects: ReadonlyArray<AssignEffect>;
    }
  | {
      readonly _tag: 'RouteToFallback';
      readonly from: string;
      readonly to: string;
      readonly primaryReason: RefuseReason;
      readonly reason: 'breaker-fallback-routed';
      readonly reasons: readonly [AssignReason, AssignReason];
      readonly book: Book;
      readonly effects: ReadonlyArray<AssignEffect>;
    }
  | {
      readonly _tag: 'Refuse';
      readonly agent: string;
      readonly reason: RefuseReason;
      readonly reasons: readonly [AssignReason];
      readonly fallback: FallbackOutcome;
      readonly disposition: 'defer' | 'skip';
      readonly retryAfterMs: number;
      readonly book: Book;
      readonly effects: ReadonlyArray<AssignEffect>;
    };

/** The attempt being dispatched. `dependents` are the task's transitive pending dependents (retry.md §7), used on skip. */
export interface AssignRequest {
  readonly taskId: string;
  readonly agent: string;
  readonly dependents?: ReadonlyArray<string>;
}

const withState = (book: Book, agent: string, before: BreakerState, after: BreakerState): Book =>
  after === before ? book : ownSet(book, agent, after);

/**
 * Choose the agent that runs an attempt (breaker.md §7 rules R1–R4, in order), for every attempt including retries.
 *
 * @param config the breaker configuration, or `null` when `defaults.circuit_breaker` is absent (breaker off).
 * @param book the current book (missing agents are `Closed {0}`).
 * @param req the task id, the requested agent and the task's transitive pending dependents (for a skip).
 * @param now ms since the epoch.
 * @returns `Assign` (R1 disabled, R2 primary allowed), `RouteToFallback` (R3: primary refused, a different
 *   fallback configured and admitted by its own breaker) or `Refuse` (R4; disposition `defer` for
 *   `refuse-probe-in-flight`, `skip` otherwise). The next book holds the primary's returned state and, when the
 *   fallback was consulted, the fallback's. Effects follow the breaker.md §7 table. Total; never throws.
 */
export const assign = (config: BreakerConfig | null, book: Book, req: AssignRequest, now: number): AssignmentVerdict => {
  const { taskId, agent } = req;
  // R1
  if (config === null) {
    return {
      _tag: 'Assign',
      agent,
      reason: 'breaker-disabled',
      reasons: ['breaker-disabled'],
      book,
      effects: [{ _tag: 'AssignAgent', taskId, agent, routedFrom: null }],
    };
  }
  const before = stateOf(book, agent);
  const p = canAssign(config, before, taskId, now);
  const book1 = withState(book, agent, before, p.state);
  // R2
  if (p.allowed) {
    const effects: AssignEffect[] = [{ _tag: 'AssignAgent', taskId, agent, routedFrom: null }];
    if (book1 !== book) effects.push({ _tag: 'PersistBreakerBook', book: book1 });
    if (p.reason !== 'admit-closed') effects.push(emit('assignment', 'info', p.reason, { taskId, agent }));
    return { _tag: 'Assign', agent, reason: p.reason, reasons: [p.reason], book: book1, effects };
  }
  // R3
  const fb = config.fallbackAgent;
  let fallback: FallbackOutcome = { _tag: 'none' };
  let book2 = book1;
  if (fb === agent) fallback = { _tag: 'same-agent' };
  else if (fb !== null) {
    const fbBefore = stateOf(book1, fb);
    const q = canAssign(config, fbBefore, taskId, now);
    book2 = withState(book1, fb, fbBefore, q.state);
    if (q.allowed) {
      return {
        _tag: 'RouteToFallback',
        from: agent,
        to: fb,
        primaryReason: p.reason,
        reason: 'breaker-fallback-routed',
        reasons: ['breaker-fallback-routed', p.reason],
        book: book2,
        effects: [
          { _tag: 'AssignAgent', taskId, agent: fb, routedFrom: agent },
          { _tag: 'PersistBreakerBook', book: book2 },
          emit('assignment', 'warn', 'breaker-fallback-routed', { taskId, agent: fb, data: { from: agent, primaryReason: p.reason } }),
        ],
      };
    }
    fallback = { _tag: 'refused', agent: fb, reason: q.reason };
  }
  // R4
  const disposition = p.reason === 'refuse-probe-in-flight' ? 'defer' : 'skip';
  const effects: AssignEffect[] = [];
  if (book2 !== book) effects.push({ _tag: 'PersistBreakerBook', book: book2 });
  if (disposition === 'skip') {
    effects.push({ _tag: 'SetTaskStatus', taskId, status: 'skipped', reason: 'breaker-open' });
    effects.push({ _tag: 'SkipTasks', taskIds: [...(req.dependents ?? [])], reason: 'dependency-skipped', cause: taskId });
    effects.push(emit('assignment', 'warn', p.reason, { taskId, agent, data: { retryAfterMs: p.retryAfterMs, fallback: fallback._tag } }));
  } else {
    effects.push(emit('assignment', 'info', p.reason, { taskId, agent, data: { retryAfterMs: p.retryAfterMs } }));
  }
  return {
    _tag: 'Refuse',
    agent,
    reason: p.reason,
    reasons: [p.reason],
    fallback,
    disposition,
    retryAfterMs: p.retryAfterMs,
    book: book2,
    effects,
  };
};

// ───────────────────────────────────────── messages ─────────────────────────────────────────

/** An agent name as it may appear in a message: `[A-Za-z0-9_./-]`, at most 64 characters, `unknown` if empty. */
export const safeAgent = (agent: unknown): string => keepOnly(agent, HANDLE_CHAR, 64, 'unknown');

/** Whole seconds, rounded up, of a non-negative ms span. */
const secs = (ms: number): number => Math.ceil(Math.max(0, ms) / 1000);

/** One-line human rendering of a state (fixed template; only numbers and ISO instants are interpolated). */
export const describeState = (s: BreakerState): string => {
  const iso = (ms: number): string => (ms >= 0 && ms <= 253_402_300_799_999 ? IsoMillis.encode(ms) : String(ms));
  switch (s._tag) {
    case 'Closed':
      return `closed (${s.failures} consecutive failure${s.failures === 1 ? '' : 's'})`;
    case 'Open':
      return `open since ${iso(s.openedAt)} (${s.lateFailures} late failure${s.lateFailures === 1 ? '' : 's'})`;
    case 'HalfOpen':
      return s.probe._tag === 'Free'
        ? `half-open since ${iso(s.since)}, probe free`
        : `half-open since ${iso(s.since)}, probe leased to ${keepOnly(s.probe.taskId, HANDLE_CHAR, 64, '?')} at ${iso(s.probe.leasedAt)}`;
  }
};

/**
 * Fixed message for an admission result (used by `arbiter breaker can-assign`). Interpolates only the sanitized
 * agent name and a whole number of seconds.
 */
export const admissionMessage = (agent: string, a: Admission): string => {
  const who = safeAgent(agent);
  switch (a.reason) {
    case 'admit-closed':
      return `agent ${who} may take the task (breaker closed)`;
    case 'admit-probe':
      return `agent ${who} may take the task as its single probe`;
    case 'admit-probe-again':
      return `agent ${who} may take the task again (it already holds the probe)`;
    case 'admit-probe-lease-expired':
      return `agent ${who} may take the task as its probe (the previous probe lease expired)`;
    case 'refuse-cooling':
      return `agent ${who} is barred by its circuit breaker; cooling down, retry in ${secs(a.retryAfterMs ?? 0)} s`;
    case 'refuse-clock-skew':
      return `agent ${who} is barred by its circuit breaker; its opening time was in the future and was re-anchored, retry in ${secs(a.retryAfterMs ?? 0)} s`;
    case 'refuse-probe-in-flight':
      return `agent ${who} is half-open and another task holds its probe; retry in at most ${secs(a.retryAfterMs ?? 0)} s`;
  }
};

// ───────────────────────────────────────── table ─────────────────────────────────────────

const T_NOW = 1_700_000_000_000;

/**
 * The breaker decision table: `canAssign` for task `t1` over every abstract state (with the boundaries of A3/A4 and
 * A8/A9: one below, at, one above), then `transition` for every state × event. Defaults of breaker.md §9.
 */
export const table = (): DecisionTable => {
  const cfg = DEFAULT_CONFIG;
  const c = cfg.cooldownMs;
  const l = cfg.probeLeaseMs;
  const leased = (taskId: string, leasedAt: number): BreakerState => ({
    _tag: 'HalfOpen',
    since: T_NOW - l - 10,
    probe: { _tag: 'Leased', taskId, leasedAt },
  });
  const admitStates: ReadonlyArray<readonly [string, BreakerState]> = [
    ['Closed {0}', { _tag: 'Closed', failures: 0 }],
    [`Closed {${cfg.threshold - 1}}`, { _tag: 'Closed', failures: cfg.threshold - 1 }],
    ['Open, opened in the future', { _tag: 'Open', openedAt: T_NOW + 1, lateFailures: 0 }],
    ['Open, elapsed = cooldown − 1', { _tag: 'Open', openedAt: T_NOW - c + 1, lateFailures: 0 }],
    ['Open, elapsed = cooldown', { _tag: 'Open', openedAt: T_NOW - c, lateFailures: 0 }],
    ['Open, elapsed = cooldown + 1', { _tag: 'Open', openedAt: T_NOW - c - 1, lateFailures: 0 }],
    ['HalfOpen, probe free', { _tag: 'HalfOpen', since: T_NOW - 5, probe: { _tag: 'Free' } }],
    ['HalfOpen, leased to t1 (this task)', leased('t1', T_NOW - 5)],
    ['HalfOpen, leased to t2, leased in the future', leased('t2', T_NOW + 1)],
    ['HalfOpen, leased to t2, held = lease − 1', leased('t2', T_NOW - l + 1)],
    ['HalfOpen, leased to t2, held = lease', leased('t2', T_NOW - l)],
    ['HalfOpen, leased to t2, held = lease + 1', leased('t2', T_NOW - l - 1)],
  ];
  const rows: string[][] = [];
  const rel = (s: BreakerState): string => {
    const at = (ms: number): string => (ms === T_NOW ? 'now' : ms > T_NOW ? `now+${ms - T_NOW}` : `now−${T_NOW - ms}`);
    switch (s._tag) {
      case 'Closed':
        return `Closed {${s.failures}}`;
      case 'Open':
        return `Open {openedAt ${at(s.openedAt)}, late ${s.lateFailures}}`;
      case 'HalfOpen':
        return s.probe._tag === 'Free' ? `HalfOpen {since ${at(s.since)}, Free}` : `HalfOpen {since ${at(s.since)}, Leased ${s.probe.taskId} at ${at(s.probe.leasedAt)}}`;
    }
  };
  for (const [label, s] of admitStates) {
    const a = canAssign(cfg, s, 't1', T_NOW);
    rows.push([label, 'canAssign(t1)', a.allowed ? 'allowed' : 'refused', a.reason, a.retryAfterMs === null ? '—' : String(a.retryAfterMs), a.state === s ? 'unchanged' : rel(a.state)]);
  }
  const transStates: ReadonlyArray<readonly [string, BreakerState]> = [
    ['Closed {0}', { _tag: 'Closed', failures: 0 }],
    [`Closed {${cfg.threshold - 2}}`, { _tag: 'Closed', failures: cfg.threshold - 2 }],
    [`Closed {${cfg.threshold - 1}}`, { _tag: 'Closed', failures: cfg.threshold - 1 }],
    ['Open {late 0}', { _tag: 'Open', openedAt: T_NOW - 1000, lateFailures: 0 }],
    ['HalfOpen, probe free', { _tag: 'HalfOpen', since: T_NOW - 5, probe: { _tag: 'Free' } }],
    ['HalfOpen, leased to p', leased('p', T_NOW - 5)],
  ];
  const events: ReadonlyArray<readonly [string, BreakerEvent]> = [
    ['Failure {p}', { _tag: 'Failure', taskId: 'p' }],
    ['Success {p}', { _tag: 'Success', taskId: 'p' }],
    ['ProbeReleased {p}', { _tag: 'ProbeReleased', taskId: 'p' }],
    ['Failure {t}', { _tag: 'Failure', taskId: 't' }],
    ['Success {t}', { _tag: 'Success', taskId: 't' }],
    ['ProbeReleased {t}', { _tag: 'ProbeReleased', taskId: 't' }],
  ];
  for (const [label, s] of transStates) {
    for (const [elabel, e] of events) {
      const r = transition(cfg, s, e, T_NOW);
      rows.push([label, `transition(${elabel})`, '—', r.code, '—', r.state === s ? 'unchanged' : rel(r.state)]);
    }
  }
  const fbCfg: BreakerConfig = { ...cfg, fallbackAgent: 'fb' };
  const openBook: Book = { dev: { _tag: 'Open', openedAt: T_NOW - 1000, lateFailures: 0 } };
  const assignCases: ReadonlyArray<readonly [string, BreakerConfig | null, Book]> = [
    ['breaker disabled; dev Open', null, openBook],
    ['dev Closed', cfg, {}],
    ['dev Open (cooling), fallback fb Closed', fbCfg, openBook],
    ['dev Open (cooling), fallback fb Open (cooling)', fbCfg, { ...openBook, fb: { _tag: 'Open', openedAt: T_NOW - 1000, lateFailures: 0 } }],
    ['dev Open (cooling), fallback = dev', { ...cfg, fallbackAgent: 'dev' }, openBook],
    ['dev Open (cooling), no fallback', cfg, openBook],
    ['dev HalfOpen, probe leased to t2', cfg, { dev: leased('t2', T_NOW - 5) }],
  ];
  for (const [label, c0, book] of assignCases) {
    const v = assign(c0, book, { taskId: 't1', agent: 'dev' }, T_NOW);
    const verdict =
      v._tag === 'Assign' ? `Assign ${v.agent}` : v._tag === 'RouteToFallback' ? `RouteToFallback → ${v.to}` : `Refuse (${v.disposition}; fallback ${v.fallback._tag})`;
    rows.push([label, 'assign(t1, dev)', verdict, v.reasons.join(', '), v._tag === 'Refuse' ? String(v.retryAfterMs) : '—', v.effects.map((e) => e._tag).join(', ')]);
  }
  return {
    policy: POLICY,
    version: POLICY_VERSION,
    title: 'Circuit breaker: admission (`canAssign`, rules A1–A9), outcomes (`transition`, rules T1–T10) and assignment (`assign`, rules R1–R4).',
    columns: ['state', 'call', 'admission / verdict', 'reason / code', 'retryAfterMs', 'next state / effects'],
    rows,
    notes: [
      `threshold = ${cfg.threshold}, cooldownMs = ${c}, probeLeaseMs = ${l} (defaults, breaker.md §9).`,
      'Times are relative to the call\'s `now`; "unchanged" means the returned state is the input state.',
      'Fail direction: unknown agent open (Closed {0}); future timestamps, a lost probe and a corrupt book closed.',
      'assign: disabled breaker → Assign; primary allowed → Assign; else a different fallback admitted → RouteToFallback; else Refuse (defer for refuse-probe-in-flight, skip otherwise).',
    ],
  };
};
