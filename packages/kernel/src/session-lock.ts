/**
 * Session lock: at most one agent session changes files in one workspace at a time.
 *
 * Normative source: session-lock.md (policy `session-lock`, version 1.0.0). Sections of this module follow
 * architecture.md "One decision, one module": model → decision → verdict → messages → table.
 *
 * Pure: no I/O, no clock, no randomness. `now`, pids, hostnames and probe answers arrive as facts.
 */
import * as t from 'io-ts';
import { isRight } from 'fp-ts/lib/Either.js';
import { IsoMillis, SafeInt, describeErrors, intIn, strLen } from './internal/codecs.js';
import { done, need, runStepsSync, type Done, type Need, type StepDriver } from './internal/step.js';
import { SESSION_CHAR, keepOnly } from './internal/text.js';
import type { DecisionTable } from './internal/table.js';
import { SILENT, type Rendered } from './internal/render.js';
import type { PidLiveness } from './ports/common.js';
import type { Agent } from './early.js';

// ───────────────────────────────────────── constants (session-lock.md §3) ─────────────────────────────────────────

/** Policy id written to the decision log. */
export const POLICY = 'session-lock';
/** Policy version (semver); major for changed verdicts or reason codes. */
export const POLICY_VERSION = '1.0.0';
/** The only record schema version accepted. */
export const SCHEMA_VERSION = 1;
/** Lease written into new and refreshed records unless configured, ms (5 min). */
export const DEFAULT_TTL_MS = 300_000;
/** Accepted `ttl_ms` range, ms. */
export const TTL_MIN_MS = 1_000;
export const TTL_MAX_MS = 86_400_000;
/** Hard deadline for every session-lock hook process, ms. */
export const LOCK_WATCHDOG_MS = 1_500;
/** Read-decide-commit rounds before the hook gives up (fail-open). */
export const CAS_ATTEMPTS = 3;
/** Hex characters of the workspace hash. */
export const HASH_LEN = 12;
/** Characters of a holder session id shown in a message. */
export const SESSION_RENDER_MAX = 64;
/** Larger stdin payloads are treated as unreadable, bytes. */
export const STDIN_MAX_BYTES = 1_048_576;
/** Bound on a `git rev-parse` call, ms. */
export const TOPLEVEL_TIMEOUT_MS = 500;
/** Newest generation files the fs store always keeps. */
export const GEN_KEEP = 8;
/** Older generations beyond `GEN_KEEP` may be deleted after this age, ms. */
export const GEN_GC_AGE_MS = 600_000;
/** Largest pid accepted in a record (2^31 − 1). */
export const PID_MAX = 2_147_483_647;

/** Mutating tool sets and the H4 filter live in the dependency-free `hot` module (re-exported here). */
export { MUTATING_TOOLS, isMutatingTool } from './early.js';

// ───────────────────────────────────────── model (session-lock.md §5, session-lock.md §6) ─────────────────────────────────────────

const Fence = intIn(1, Number.MAX_SAFE_INTEGER, 'Fence');
const Pid = intIn(1, PID_MAX, 'Pid');
const TtlMs = intIn(TTL_MIN_MS, TTL_MAX_MS, 'TtlMs');
const SessionId = strLen(1, 256, 'SessionId');
const Hostname = strLen(1, 255, 'Hostname');

/** Fields of a record, parameterised by the instant codec (ms in memory, ISO-8601 on disk). */
const recordCodecs = <I>(instant: t.Type<number, I, unknown>) => {
  const base = {
    schema_version: t.literal(SCHEMA_VERSION),
    session_id: SessionId,
    pid: Pid,
    hostname: Hostname,
    acquired_at: instant,
    refreshed_at: instant,
    ttl_ms: TtlMs,
    fence: Fence,
  };
  const held = t.exact(t.type({ ...base, state: t.literal('held') }), 'HeldRecord');
  const released = t.exact(t.type({ ...base, state: t.literal('released'), released_at: instant }), 'ReleasedRecord');
  const union = t.union([held, released]);
  // session-lock.md §5.2: `released_at` present on a held record is corrupt (t.exact alone would silently strip it).
  return new t.Type<t.TypeOf<typeof union>, t.OutputOf<typeof union>, unknown>(
    'LockRecord',
    union.is,
    (u, c) =>
      typeof u === 'object' && u !== null && !Array.isArray(u) && (u as Record<string, unknown>)['state'] === 'held' &&
      'released_at' in u
        ? t.failure(u, c, 'released_at present on a held record')
        : union.validate(u, c),
    union.encode,
  );
};

/** In-memory record codec (instants as ms epoch integers). */
export const LockRecordMem = recordCodecs(SafeInt);
/** On-disk record codec (instants as ISO-8601 UTC strings with ms; architecture.md conventions §4). */
export const LockRecordCodec = recordCodecs(IsoMillis);

/** A decoded lock record (schema version 1). Instants are ms epoch. */
export type LockRecord = t.TypeOf<typeof LockRecordMem>;
export type HeldRecord = Extract<LockRecord, { state: 'held' }>;
export type ReleasedRecord = Extract<LockRecord, { state: 'released' }>;

/** Content of the newest generation (session-lock.md §6.1). */
export type SnapshotContent =
  | { readonly _tag: 'Absent' }
  | { readonly _tag: 'Valid'; readonly record: LockRecord }
  | { readonly _tag: 'Corrupt'; readonly fence_floor: number; readonly detail: string };

/** What `LockStore.read` returns: generation 0 means nothing was ever written. */
export interface Snapshot {
  readonly generation: number;
  readonly content: SnapshotContent;
}

/**
 * Decode stored bytes (already UTF-8 decoded text) into snapshot content, for adapters.
 * Returns `Valid` or `Corrupt` with `fence_floor` supplied by the adapter (session-lock.md §6.4 F2–F3) and a short decoder message.
 */
export const decodeStored = (text: string, fenceFloor: number): SnapshotContent => {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { _tag: 'Corrupt', fence_floor: fenceFloor, detail: 'not valid JSON' };
  }
  const r = LockRecordCodec.decode(json);
  return isRight(r)
    ? { _tag: 'Valid', record: r.right }
    : { _tag: 'Corrupt', fence_floor: fenceFloor, detail: describeErrors(r.left) };
};

/** Encode a record for storage (ISO instants, fields in schema order). */
export const encodeRecord = (r: LockRecord): string => JSON.stringify(LockRecordCodec.encode(r));

/** session-lock.md §5.3: a held record is stale iff `now − refreshed_at > ttl_ms` (equality is fresh; negative ages are fresh). */
export const isStale = (r: LockRecord, now: number): boolean => now - r.refreshed_at > r.ttl_ms;

/** Holder summary copied from an old record (session-lock.md §7.4). */
export interface HolderSummary {
  readonly session_id: string;
  readonly pid: number;
  readonly hostname: string;
  readonly refreshed_at: number;
  readonly fence: number;
}

const HolderSummaryCodec = t.type({
  session_id: SessionId,
  pid: Pid,
  hostname: Hostname,
  refreshed_at: SafeInt,
  fence: Fence,
});

const summarise = (r: LockRecord): HolderSummary => ({
  session_id: r.session_id,
  pid: r.pid,
  hostname: r.hostname,
  refreshed_at: r.refreshed_at,
  fence: r.fence,
});

/** Facts of one acquire round (session-lock.md §7.2). `now` and `ttl_ms` in ms. */
export interface AcquireFacts {
  readonly session_id: string;
  readonly my_pid: number;
  readonly my_hostname: string;
  readonly now: number;
  readonly ttl_ms: number;
  readonly workspace_hash: string;
  readonly snapshot: Snapshot;
  /** Present only after the `PidAlive` probe was answered. */
  readonly pid_alive?: PidLiveness;
}

/** Facts of a refresh round (session-lock.md §8.2). */
export type RefreshFacts = Omit<AcquireFacts, 'pid_alive'>;

/** Facts of a release round (session-lock.md §9.2). */
export interface ReleaseFacts {
  readonly session_id: string;
  readonly now: number;
  readonly workspace_hash: string;
  readonly snapshot: Snapshot;
}

// ───────────────────────────────────────── verdicts and effects (session-lock.md §7.4, session-lock.md §7.7) ──────────────────────────

/** The only probe of this policy (session-lock.md §7.3). */
export interface PidAliveProbe {
  readonly _tag: 'PidAlive';
  readonly pid: number;
}

/** Reason codes of this policy (session-lock.md §7.4, session-lock.md §8, session-lock.md §9, session-lock.md §10, session-lock.md §13.2). Stable public contract. */
export type Reason =
  | 'acquired'
  | 'reacquired'
  | 'stale-takeover'
  | 'dead-holder-takeover'
  | 'corrupt-takeover'
  | 'held-by-other'
  | 'refreshed'
  | 'released'
  | 'not-holder'
  | 'no-result';

/** Details recorded next to a fail-open reason in the decision log (session-lock.md §13.2). */
export type FailOpenDetail = 'bad-payload' | 'no-session' | 'store-failure' | 'cas-exhausted' | 'watchdog' | 'internal-error';

/** Every reason code, for tables and tests. */
export const REASONS: ReadonlyArray<Reason> = [
  'acquired',
  'reacquired',
  'stale-takeover',
  'dead-holder-takeover',
  'corrupt-takeover',
  'held-by-other',
  'refreshed',
  'released',
  'not-holder',
  'no-result',
];

export type HeldBasis = 'alive' | 'pid-unknown' | 'foreign-host';

/** Outcome of the acquire step function (session-lock.md §7.4). */
export type AcquireOutcome =
  | { readonly _tag: 'Acquired'; readonly reason: 'acquired'; readonly fence: number; readonly record: HeldRecord }
  | { readonly _tag: 'Reacquired'; readonly reason: 'reacquired'; readonly fence: number; readonly record: HeldRecord }
  | {
      readonly _tag: 'TakenOver';
      readonly reason: 'stale-takeover' | 'dead-holder-takeover';
      readonly fence: number;
      readonly record: HeldRecord;
      readonly previous: HolderSummary;
    }
  | {
      readonly _tag: 'TakenOver';
      readonly reason: 'corrupt-takeover';
      readonly fence: number;
      readonly record: HeldRecord;
      readonly corrupt_detail: string;
    }
  | { readonly _tag: 'Held'; readonly reason: 'held-by-other'; readonly holder: HolderSummary; readonly basis: HeldBasis };

export type NotHolderBasis = 'absent' | 'corrupt' | 'released' | 'other-session';

/** Outcome of `refresh` (session-lock.md §8.3). */
export type RefreshOutcome =
  | { readonly _tag: 'Refreshed'; readonly reason: 'refreshed'; readonly fence: number; readonly record: HeldRecord }
  | { readonly _tag: 'NotHolder'; readonly reason: 'not-holder'; readonly basis: NotHolderBasis };

/** Outcome of `release` (session-lock.md §9.3). */
export type ReleaseOutcome =
  | { readonly _tag: 'Released'; readonly reason: 'released'; readonly fence: number; readonly record: ReleasedRecord }
  | { readonly _tag: 'NotHolder'; readonly reason: 'not-holder'; readonly basis: NotHolderBasis };

/** Takeover kinds written to the audit trail (session-lock.md §13.1). */
export type AuditKind = 'stale-takeover' | 'dead-holder-takeover' | 'corrupt-takeover';

/** Effects returned as data (session-lock.md §7.7). The hook runs `CommitLock` first and `Audit` only after it succeeded. */
export type Effect =
  | {
      readonly _tag: 'CommitLock';
      readonly workspace_hash: string;
      readonly expected_generation: number;
      readonly record: LockRecord;
    }
  | {
      readonly _tag: 'Audit';
      readonly kind: AuditKind;
      readonly workspace_hash: string;
      readonly by_session: string;
      readonly new_fence: number;
      readonly previous: HolderSummary | null;
      readonly corrupt_detail?: string;
    };

export type AcquireStep = Need<PidAliveProbe> | Done<AcquireOutcome, Effect>;

// ───────────────────────────────────────── decision: acquire (session-lock.md §7.5) ─────────────────────────────────

const heldRecord = (f: AcquireFacts | RefreshFacts, fence: number, acquiredAt: number): HeldRecord => ({
  schema_version: SCHEMA_VERSION,
  state: 'held',
  session_id: f.session_id,
  pid: f.my_pid,
  hostname: f.my_hostname,
  acquired_at: acquiredAt,
  refreshed_at: f.now,
  ttl_ms: f.ttl_ms,
  fence,
});

const commit = (f: { workspace_hash: string; snapshot: Snapshot }, record: LockRecord): Effect => ({
  _tag: 'CommitLock',
  workspace_hash: f.workspace_hash,
  expected_generation: f.snapshot.generation,
  record,
});

/** Audit ids are sanitized like message ids but may be longer (session-lock.md §13.1: up to 128 characters). */
export const sanitizeAuditSession = (s: string): string => keepOnly(s, SESSION_CHAR, 128, 'unknown');

const audit = (
  f: AcquireFacts,
  kind: AuditKind,
  newFence: number,
  previous: HolderSummary | null,
  corruptDetail?: string,
): Effect => ({
  _tag: 'Audit',
  kind,
  workspace_hash: f.workspace_hash,
  by_session: sanitizeAuditSession(f.session_id),
  new_fence: newFence,
  previous: previous === null ? null : { ...previous, session_id: sanitizeAuditSession(previous.session_id) },
  ...(corruptDetail === undefined ? {} : { corrupt_detail: corruptDetail }),
});

const takeover = (f: AcquireFacts, old: HeldRecord, reason: 'stale-takeover' | 'dead-holder-takeover'): AcquireStep => {
  const fence = old.fence + 1;
  const record = heldRecord(f, fence, f.now);
  const previous = summarise(old);
  return done<AcquireOutcome, Effect>({ _tag: 'TakenOver', reason, fence, record, previous }, [
    commit(f, record),
    audit(f, reason, fence, previous),
  ]);
};

/**
 * The acquire step function (session-lock.md §7.5, rules A1–A7, first match wins).
 *
 * @param f facts of this round; `pid_alive` present only once the `PidAlive` probe was answered.
 * @returns `Need PidAlive {pid}` exactly when the record is valid, held, by another session, fresh and on our
 *   hostname (session-lock.md §7.3) and the probe has not been answered yet; otherwise `Done` with the outcome and its effects
 *   (`CommitLock` for every outcome but `Held`, plus `Audit` for every `TakenOver`). Never throws on decoded facts.
 */
export const acquireStep = (f: AcquireFacts): AcquireStep => {
  const c = f.snapshot.content;
  // A1 Absent.
  if (c._tag === 'Absent') {
    const record = heldRecord(f, 1, f.now);
    return done<AcquireOutcome, Effect>({ _tag: 'Acquired', reason: 'acquired', fence: 1, record }, [commit(f, record)]);
  }
  // A2 Corrupt → takeover above the fence floor, audited. Fail-open: damage never locks anyone out.
  if (c._tag === 'Corrupt') {
    const fence = c.fence_floor + 1;
    const record = heldRecord(f, fence, f.now);
    return done<AcquireOutcome, Effect>(
      { _tag: 'TakenOver', reason: 'corrupt-takeover', fence, record, corrupt_detail: c.detail },
      [commit(f, record), audit(f, 'corrupt-takeover', fence, null, c.detail)],
    );
  }
  const old = c.record;
  // A3 Released → the fence keeps rising, even for the session that released.
  if (old.state === 'released') {
    const fence = old.fence + 1;
    const record = heldRecord(f, fence, f.now);
    return done<AcquireOutcome, Effect>({ _tag: 'Acquired', reason: 'acquired', fence, record }, [commit(f, record)]);
  }
  // A4 Same session (exact comparison), checked before staleness: a pure renewal.
  if (old.session_id === f.session_id) {
    const record = heldRecord(f, old.fence, old.acquired_at);
    return done<AcquireOutcome, Effect>({ _tag: 'Reacquired', reason: 'reacquired', fence: old.fence, record }, [
      commit(f, record),
    ]);
  }
  // A5 Stale: staleness alone decides, no probe.
  if (isStale(old, f.now)) return takeover(f, old, 'stale-takeover');
  // A6 Same host: the only place a pid probe means something.
  if (old.hostname === f.my_hostname) {
    if (f.pid_alive === undefined) return need<PidAliveProbe>({ _tag: 'PidAlive', pid: old.pid });
    if (f.pid_alive === 'dead') return takeover(f, old, 'dead-holder-takeover');
    return done<AcquireOutcome, Effect>({
      _tag: 'Held',
      reason: 'held-by-other',
      holder: summarise(old),
      basis: f.pid_alive === 'alive' ? 'alive' : 'pid-unknown',
    });
  }
  // A7 Foreign host, fresh: held, never probed.
  return done<AcquireOutcome, Effect>({ _tag: 'Held', reason: 'held-by-other', holder: summarise(old), basis: 'foreign-host' });
};

// ───────────────────────────────────────── decision: refresh (session-lock.md §8) and release (session-lock.md §9) ─────────────────────

type NotHolderOr<T> = T | { readonly basis: NotHolderBasis };

const notHolderBasis = (f: { session_id: string; snapshot: Snapshot }): NotHolderOr<HeldRecord> => {
  const c = f.snapshot.content;
  if (c._tag === 'Absent') return { basis: 'absent' }; // R1 / L1
  if (c._tag === 'Corrupt') return { basis: 'corrupt' }; // R2 / L2
  if (c.record.state === 'released') return { basis: 'released' }; // R3 / L3
  if (c.record.session_id !== f.session_id) return { basis: 'other-session' }; // R4 / L4
  return c.record;
};

/**
 * Refresh the holder's lease after a tool finished (session-lock.md §8, rules R1–R5). Never takes the lock, never probes.
 * @returns `Done Refreshed` with one `CommitLock` effect when we hold the lock; otherwise `Done NotHolder` with
 *   no effect (the store is untouched whatever the staleness).
 */
export const refresh = (f: RefreshFacts): Done<RefreshOutcome, Effect> => {
  const r = notHolderBasis(f);
  if ('basis' in r) return done<RefreshOutcome, Effect>({ _tag: 'NotHolder', reason: 'not-holder', basis: r.basis });
  const record = heldRecord(f, r.fence, r.acquired_at);
  return done<RefreshOutcome, Effect>({ _tag: 'Refreshed', reason: 'refreshed', fence: r.fence, record }, [commit(f, record)]);
};

/**
 * Release the workspace when a session stops (session-lock.md §9, rules L1–L5), keeping the fence and the last holder's
 * identity. Idempotent: a second release meets a `released` record and commits nothing.
 */
export const release = (f: ReleaseFacts): Done<ReleaseOutcome, Effect> => {
  const r = notHolderBasis(f);
  if ('basis' in r) return done<ReleaseOutcome, Effect>({ _tag: 'NotHolder', reason: 'not-holder', basis: r.basis });
  const { state: _state, ...rest } = r;
  const record: ReleasedRecord = { ...rest, state: 'released', released_at: f.now };
  return done<ReleaseOutcome, Effect>({ _tag: 'Released', reason: 'released', fence: r.fence, record }, [commit(f, record)]);
};

// ───────────────────────────────────────── verdict: decide (session-lock.md §10) ─────────────────────────────────────

/** The allow/block verdict the hook renders. */
export type Verdict =
  | { readonly _tag: 'Allow'; readonly reasons: readonly [Reason] }
  | { readonly _tag: 'Block'; readonly reasons: readonly ['held-by-other']; readonly message: string };

const HeldOutcomeCodec = t.type({
  _tag: t.literal('Held'),
  reason: t.literal('held-by-other'),
  holder: HolderSummaryCodec,
  basis: t.keyof({ alive: null, 'pid-unknown': null, 'foreign-host': null }),
});

const HeldRecordMem = t.type({ state: t.literal('held') });
const CommittedOutcomeCodec = t.union([
  t.type({ _tag: t.literal('Acquired'), reason: t.literal('acquired'), fence: Fence, record: t.intersection([LockRecordMem, HeldRecordMem]) }),
  t.type({ _tag: t.literal('Reacquired'), reason: t.literal('reacquired'), fence: Fence, record: t.intersection([LockRecordMem, HeldRecordMem]) }),
  t.type({
    _tag: t.literal('TakenOver'),
    reason: t.keyof({ 'stale-takeover': null, 'dead-holder-takeover': null }),
    fence: Fence,
    record: t.intersection([LockRecordMem, HeldRecordMem]),
    previous: HolderSummaryCodec,
  }),
  t.type({
    _tag: t.literal('TakenOver'),
    reason: t.literal('corrupt-takeover'),
    fence: Fence,
    record: t.intersection([LockRecordMem, HeldRecordMem]),
    corrupt_detail: t.string,
  }),
]);

/**
 * Turn an acquire outcome, or its absence, into a verdict (session-lock.md §10, rules D1–D3). Fail-open: any value that does not
 * decode as an `AcquireOutcome` (undefined, null, wrong shape or tag) gives `Allow no-result`. Depends on the
 * outcome alone; never throws.
 */
export const decide = (input: unknown): Verdict => {
  try {
    const held = HeldOutcomeCodec.decode(input);
    if (isRight(held)) {
      return { _tag: 'Block', reasons: ['held-by-other'], message: blockMessage(held.right.holder) }; // D2
    }
    const other = CommittedOutcomeCodec.decode(input);
    if (isRight(other)) return { _tag: 'Allow', reasons: [other.right.reason] }; // D3
  } catch {
    // A hostile input (a throwing getter, a Proxy) lands here: fail open like D1.
  }
  return { _tag: 'Allow', reasons: ['no-result'] }; // D1
};

// ───────────────────────────────────────── messages (session-lock.md §11) ─────────────────────────────────────────

/** session-lock.md §11 rule 2: keep `[A-Za-z0-9_.-]`, cut to `SESSION_RENDER_MAX`, `unknown` when nothing is left. */
export const sanitizeSession = (s: unknown): string => keepOnly(s, SESSION_CHAR, SESSION_RENDER_MAX, 'unknown');

/** session-lock.md §11 rule 3: the pid in decimal when it is an integer ≥ 1, otherwise `?`. */
export const renderPid = (pid: unknown): string =>
  typeof pid === 'number' && Number.isInteger(pid) && pid >= 1 ? BigInt(pid).toString(10) : '?'; // never exponent form

/**
 * The only message of this policy (session-lock.md §11), exactly:
 * `parallel session lock held by <session> (pid <n>) — wait or close that session first`.
 * Interpolates nothing but the sanitized session id and the pid.
 */
export const blockMessage = (holder: { readonly session_id: unknown; readonly pid: unknown }): string =>
  `parallel session lock held by ${sanitizeSession(holder.session_id)} (pid ${renderPid(holder.pid)}) \u2014 wait or close that session first`;

/**
 * Render a `decide` verdict for the host (session-lock.md §12.5): a Claude Code block is exit 2 with the message and
 * a line feed on stderr; a Codex block is exit 0 with the `permissionDecision: "deny"` envelope on stdout; an allow
 * is silent. Pure.
 */
export const render = (agent: Agent, v: Verdict): Rendered => {
  if (v._tag === 'Allow') return SILENT;
  if (agent === 'claude') return { exit: 2, stdout: '', stderr: `${v.message}\n` };
  return {
    exit: 0,
    stdout: JSON.stringify({ hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: 'deny', permissionDecisionReason: v.message } }) + '\n',
    stderr: '',
  };
};

// ───────────────────────────────────────── table ─────────────────────────────────────────

/** Abstract snapshot kinds of the table domain. */
const SNAPSHOT_KINDS = [
  'absent',
  'corrupt',
  'released (last holder: us)',
  'released (last holder: other)',
  'held by us, fresh',
  'held by us, stale',
  'held by other, stale, same host',
  'held by other, stale, foreign host',
  'held by other, fresh, same host',
  'held by other, fresh, foreign host',
] as const;

const TABLE_NOW = 1_700_000_600_000;
const TABLE_TTL = DEFAULT_TTL_MS;

const tableSnapshot = (kind: (typeof SNAPSHOT_KINDS)[number]): Snapshot => {
  const rec = (session: string, fresh: boolean, host: string): LockRecord => ({
    schema_version: 1,
    state: 'held',
    session_id: session,
    pid: 4242,
    hostname: host,
    acquired_at: TABLE_NOW - 400_000,
    refreshed_at: fresh ? TABLE_NOW - 1_000 : TABLE_NOW - TABLE_TTL - 1,
    ttl_ms: TABLE_TTL,
    fence: 4,
  });
  const rel = (session: string): LockRecord => ({
    ...(rec(session, true, 'laptop') as HeldRecord),
    state: 'released',
    released_at: TABLE_NOW - 500,
  });
  const valid = (record: LockRecord): Snapshot => ({ generation: 9, content: { _tag: 'Valid', record } });
  switch (kind) {
    case 'absent':
      return { generation: 0, content: { _tag: 'Absent' } };
    case 'corrupt':
      return { generation: 9, content: { _tag: 'Corrupt', fence_floor: 9, detail: 'not valid JSON' } };
    case 'released (last holder: us)':
      return valid(rel('s-A'));
    case 'released (last holder: other)':
      return valid(rel('s-B'));
    case 'held by us, fresh':
      return valid(rec('s-A', true, 'laptop'));
    case 'held by us, stale':
      return valid(rec('s-A', false, 'laptop'));
    case 'held by other, stale, same host':
      return valid(rec('s-B', false, 'laptop'));
    case 'held by other, stale, foreign host':
      return valid(rec('s-B', false, 'build-02'));
    case 'held by other, fresh, same host':
      return valid(rec('s-B', true, 'laptop'));
    case 'held by other, fresh, foreign host':
      return valid(rec('s-B', true, 'build-02'));
  }
};

/** One situation of {@link table}: the label of its rows and the acquire facts they run. */
export interface TableSituation {
  readonly kind: (typeof SNAPSHOT_KINDS)[number];
  readonly facts: Omit<AcquireFacts, 'pid_alive'>;
}

/**
 * The situations {@link table} runs, one per abstract snapshot kind, in row order: our session `s-A` on host `laptop`
 * at a fixed `now`. Exported so a test can check that each situation is what its label says (the table prints only
 * outcomes, so a mislabelled situation would not show in docs/tables/session-lock.md). Pure.
 */
export const tableSituations = (): ReadonlyArray<TableSituation> =>
  SNAPSHOT_KINDS.map((kind) => ({
    kind,
    facts: {
      session_id: 's-A',
      my_pid: 1111,
      my_hostname: 'laptop',
      now: TABLE_NOW,
      ttl_ms: TABLE_TTL,
      workspace_hash: '0123456789ab',
      snapshot: tableSnapshot(kind),
    },
  }));

/** Merge the pid probe's answer into the acquire facts (session-lock.md §7.3): `pid_alive` becomes the answer. Pure. */
export const withAnswer = (facts: AcquireFacts, _probe: PidAliveProbe, answer: PidLiveness): AcquireFacts => ({ ...facts, pid_alive: answer });

/** Steps of one acquire round: the first call, and one more after the only probe (session-lock.md §7.3). */
export const MAX_ACQUIRE_STEPS = 2;

/** One acquire round for the step driver: {@link acquireStep}, {@link withAnswer}, at most {@link MAX_ACQUIRE_STEPS} calls. */
export const driver: StepDriver<AcquireFacts, PidAliveProbe, PidLiveness, AcquireOutcome, Effect> = {
  step: (f) => acquireStep(f),
  withAnswer,
  limit: MAX_ACQUIRE_STEPS,
  probeKey: (p) => p._tag,
};

/**
 * Run the acquire loop of one round with a scripted pid-probe answer through `runStepsSync` (the adapter's job, done
 * here for tables and simulations). Returns the final `Done` and the probes requested. Throws an `Error` if the step
 * exceeds {@link MAX_ACQUIRE_STEPS} (a broken step rule), so a test sees it.
 */
export const runAcquireRound = (
  facts: Omit<AcquireFacts, 'pid_alive'>,
  probe: (p: PidAliveProbe) => PidLiveness,
): { readonly step: Done<AcquireOutcome, Effect>; readonly probed: ReadonlyArray<PidAliveProbe> } => {
  const probed: PidAliveProbe[] = [];
  const r = runStepsSync(driver, facts as AcquireFacts, (p) => {
    probed.push(p);
    return probe(p);
  });
  if (r._tag !== 'Done') throw new Error(r._tag === 'StepLimit' ? 'step bound exceeded' : `probe ${r.key} requested twice`);
  return { step: done<AcquireOutcome, Effect>(r.outcome, r.effects), probed };
};

/**
 * The session-lock decision table: every abstract snapshot kind × every pid-probe answer, through `acquireStep`,
 * `decide`, `refresh` and `release`. Our session `s-A` on host `laptop`; constants as in session-lock.md §3.
 */
export const table = (): DecisionTable => {
  const rows: string[][] = [];
  for (const { kind, facts: base } of tableSituations()) {
    const probes: ReadonlyArray<PidLiveness | null> = kind === 'held by other, fresh, same host' ? ['alive', 'dead', 'unknown'] : [null];
    for (const answer of probes) {
      const { step, probed } = runAcquireRound(base, () => answer ?? 'unknown');
      const o = step.outcome;
      const v = decide(o);
      const ref = refresh(base).outcome;
      const rel = release(base).outcome;
      rows.push([
        kind,
        probed.length > 0 ? `PidAlive → ${answer}` : '—',
        o._tag,
        o.reason + (o._tag === 'Held' ? ` (${o.basis})` : ''),
        'fence' in o ? String(o.fence) : '—',
        step.effects.map((e) => e._tag).join(', ') || '—',
        v._tag,
        ref._tag + (ref._tag === 'NotHolder' ? ` (${ref.basis})` : ''),
        rel._tag + (rel._tag === 'NotHolder' ? ` (${rel.basis})` : ''),
      ]);
    }
  }
  rows.push(['(no acquire result: store failure, CAS exhausted, watchdog, bad payload)', '—', '—', 'no-result', '—', '—', decide(undefined)._tag, '—', '—']);
  return {
    policy: POLICY,
    version: POLICY_VERSION,
    title:
      'Acquire (PreToolUse on a mutating tool), refresh (PostToolUse) and release (Stop/SessionEnd) for our session `s-A` on host `laptop`.',
    columns: ['newest generation', 'probe', 'acquire outcome', 'reason', 'fence', 'effects', 'verdict', 'refresh', 'release'],
    rows,
    notes: [
      `ttl_ms = ${TABLE_TTL} (DEFAULT_TTL_MS); stale iff now − refreshed_at > ttl_ms (equality is fresh).`,
      'Stored fence of a valid record is 4; a corrupt newest generation 9 has fence_floor 9.',
      `Block message: "${blockMessage({ session_id: 's-B', pid: 4242 })}".`,
      'Fail direction: open. Every missing fact, store failure or exhausted compare-and-set allows.',
    ],
  };
};
