/**
 * Engine (single-writer) lock: at most one Arbiter process writes a run's store at a time; a crashed owner on the
 * same host is recovered at once, a live owner on another host is never robbed.
 *
 * Normative source: engine-lock.md (policy `engine-lock`, version 1.0.0). Reason codes are the spec's
 * codes in lowercase kebab-case (architecture.md conventions §5): `LOCK_OWNER_DEAD` is `lock-owner-dead`.
 *
 * Pure: no I/O, no clock, no randomness. The row, the liveness probe answer and `now` are facts; the
 * compare-and-set statements are effects.
 */
import type { DecisionTable } from './internal/table.js';
import { IsoMillis } from './internal/codecs.js';
import { emit, type EmitEvent, type StopDispatching } from './internal/convoy-common.js';
import { isRight } from 'fp-ts/lib/Either.js';

// ───────────────────────────────────────── constants (engine-lock.md §7) ─────────────────────────────────────────

export const POLICY = 'engine-lock';
export const POLICY_VERSION = '1.0.0';
/** Heartbeat interval for a holder that runs longer than this, ms. */
export const HEARTBEAT_INTERVAL_MS = 10_000;
/** A foreign-host heartbeat older than this (strict `>`) is stale, ms. */
export const FOREIGN_STALE_MS = 30_000;

// ───────────────────────────────────────── model (engine-lock.md §3) ─────────────────────────────────────────

/** An owner token: pid (integer ≥ 1), hostname (non-empty), start instant (ms since the epoch, 1 ms precision). */
export interface Token {
  readonly pid: number;
  readonly hostname: string;
  readonly startedAt: number;
}

/** The `last_heartbeat` column as read. */
export type Heartbeat = { readonly _tag: 'At'; readonly at: number } | { readonly _tag: 'Unreadable' };

/** Lock row `id = 1` as read inside the write transaction. */
export type Row =
  | { readonly _tag: 'Absent' }
  | { readonly _tag: 'Present'; readonly token: Token; readonly heartbeat: Heartbeat }
  | { readonly _tag: 'Corrupt' };

/** The liveness probe's answer (signal 0), or `not-probed`. */
export type Liveness = 'alive' | 'dead' | 'eperm' | 'unknown' | 'not-probed';

/** Facts of {@link decideAcquire} (engine-lock.md §3). `now` ms since the epoch. */
export interface AcquireFacts {
  readonly store: 'ok' | 'busy';
  readonly row: Row;
  readonly self: Token;
  readonly ownerLiveness: Liveness;
  readonly now: number;
}

/** Raw columns of row 1 as an adapter reads them (any types). */
export interface RawRow {
  readonly pid: unknown;
  readonly hostname: unknown;
  readonly started_at: unknown;
  readonly last_heartbeat: unknown;
}

const canonicalInstant = (u: unknown): number | null => {
  const r = IsoMillis.decode(u);
  return isRight(r) && r.right >= 0 ? r.right : null;
};

/**
 * Decode row 1's columns (engine-lock.md §3): `Absent` for `null`; `Corrupt` when the pid is not a positive integer, the
 * hostname is not a non-empty string or `started_at` is not a canonical ISO-8601 instant; otherwise `Present`, with
 * an unreadable heartbeat kept as `Unreadable` (it alone does not make the row corrupt). Total.
 */
export const decodeRow = (raw: RawRow | null): Row => {
  if (raw === null) return { _tag: 'Absent' };
  const { pid, hostname } = raw;
  if (typeof pid !== 'number' || !Number.isSafeInteger(pid) || pid < 1) return { _tag: 'Corrupt' };
  if (typeof hostname !== 'string' || hostname === '') return { _tag: 'Corrupt' };
  const startedAt = canonicalInstant(raw.started_at);
  if (startedAt === null) return { _tag: 'Corrupt' };
  const hb = canonicalInstant(raw.last_heartbeat);
  return { _tag: 'Present', token: { pid, hostname, startedAt }, heartbeat: hb === null ? { _tag: 'Unreadable' } : { _tag: 'At', at: hb } };
};

/** Columns of a token as written (`started_at` canonical ISO-8601). */
export const encodeToken = (tk: Token): { pid: number; hostname: string; started_at: string } => ({
  pid: tk.pid,
  hostname: tk.hostname,
  started_at: IsoMillis.encode(tk.startedAt),
});

/** Token equality: pid, hostname and startedAt all equal. */
export const sameToken = (a: Token, b: Token): boolean => a.pid === b.pid && a.hostname === b.hostname && a.startedAt === b.startedAt;

/**
 * Should the adapter probe the owner's pid? Only when the row is present, on our host (exact string equality)
 * and with another pid (engine-lock.md §3). Returns the pid to probe with signal 0, or `null`.
 */
export const livenessProbeFor = (row: Row, self: Token): number | null =>
  row._tag === 'Present' && row.token.hostname === self.hostname && row.token.pid !== self.pid ? row.token.pid : null;

// ───────────────────────────────────────── verdicts and effects (engine-lock.md §4, engine-lock.md §6) ─────────────────────────

export type RefuseReason =
  | 'lock-store-busy'
  | 'lock-row-corrupt'
  | 'lock-own-pid-other-token'
  | 'lock-held-local'
  | 'lock-liveness-unknown'
  | 'lock-heartbeat-unreadable'
  | 'lock-held-remote'
  | 'lock-race-lost';

export type LockReason = 'lock-free' | 'lock-owner-dead' | 'lock-heartbeat-expired' | 'lock-already-ours' | RefuseReason | 'lock-lost' | 'lock-released' | 'lock-not-owner' | 'lock-held' | 'lock-taken-over';

/** `InsertLockRow`: insert row 1 (a constraint error means a racer won). */
export interface InsertLockRow {
  readonly _tag: 'InsertLockRow';
  readonly self: Token;
  readonly heartbeat: number;
}
/** `ReplaceLockRowIf`: update row 1 where pid, hostname and started_at equal `expected`. */
export interface ReplaceLockRowIf {
  readonly _tag: 'ReplaceLockRowIf';
  readonly expected: Token;
  readonly next: Token;
  readonly heartbeat: number;
}
/** `UpdateHeartbeatIf`: update `last_heartbeat` where the token matches. */
export interface UpdateHeartbeatIf {
  readonly _tag: 'UpdateHeartbeatIf';
  readonly token: Token;
  readonly at: number;
}
/** `DeleteLockRowIf`: delete row 1 where the token matches. */
export interface DeleteLockRowIf {
  readonly _tag: 'DeleteLockRowIf';
  readonly token: Token;
}

export type LockEffect = InsertLockRow | ReplaceLockRowIf | UpdateHeartbeatIf | DeleteLockRowIf | StopDispatching | EmitEvent;

/** Verdict of {@link decideAcquire} (engine-lock.md §4). `retryAfterMs` in ms, or null when no useful wait is known. */
export type AcquireVerdict =
  | { readonly _tag: 'Acquire'; readonly reason: 'lock-free'; readonly reasons: readonly [LockReason]; readonly effects: readonly [InsertLockRow] }
  | {
      readonly _tag: 'TakeOver';
      readonly reason: 'lock-owner-dead' | 'lock-heartbeat-expired';
      readonly reasons: readonly [LockReason];
      readonly previous: Token;
      readonly effects: readonly [ReplaceLockRowIf];
    }
  | { readonly _tag: 'AlreadyHeld'; readonly reason: 'lock-already-ours'; readonly reasons: readonly [LockReason]; readonly effects: readonly [] }
  | {
      readonly _tag: 'Refused';
      readonly reason: RefuseReason;
      readonly reasons: readonly [LockReason];
      readonly owner: Token | null;
      readonly retryAfterMs: number | null;
      readonly effects: readonly [];
    };

const refused = (reason: RefuseReason, owner: Token | null, retryAfterMs: number | null = null): AcquireVerdict => ({
  _tag: 'Refused',
  reason,
  reasons: [reason],
  owner,
  retryAfterMs,
  effects: [],
});

// ───────────────────────────────────────── decision (engine-lock.md §5) ─────────────────────────────────────────

/**
 * Decide whether this process may take the engine lock (engine-lock.md §5 rules L1–L5, in order). Every uncertainty refuses;
 * only a dead pid on our host or more than 30 000 ms of silence from a foreign host lets us take over.
 *
 * @param f the store state, row 1 read inside the immediate write transaction, our token, the liveness answer
 *   (probe only as {@link livenessProbeFor} says; otherwise `not-probed`) and `now` (ms).
 * @returns `Acquire` with `InsertLockRow`, `TakeOver` with `ReplaceLockRowIf` (compare-and-set on the previous
 *   token), `AlreadyHeld`, or `Refused` with the reason, the owner (when the row is readable) and `retryAfterMs`
 *   (L5c: heartbeat + 30 001 − now). Total.
 */
export const decideAcquire = (f: AcquireFacts): AcquireVerdict => {
  if (f.store === 'busy') return refused('lock-store-busy', null); // L1
  const row = f.row;
  if (row._tag === 'Absent') {
    return { _tag: 'Acquire', reason: 'lock-free', reasons: ['lock-free'], effects: [{ _tag: 'InsertLockRow', self: f.self, heartbeat: f.now }] }; // L2
  }
  if (row._tag === 'Corrupt') return refused('lock-row-corrupt', null); // L3
  const owner = row.token;
  const takeOver = (reason: 'lock-owner-dead' | 'lock-heartbeat-expired'): AcquireVerdict => ({
    _tag: 'TakeOver',
    reason,
    reasons: [reason],
    previous: owner,
    effects: [{ _tag: 'ReplaceLockRowIf', expected: owner, next: f.self, heartbeat: f.now }],
  });
  if (owner.hostname === f.self.hostname) {
    // L4 same host
    if (owner.pid === f.self.pid) {
      return owner.startedAt === f.self.startedAt
        ? { _tag: 'AlreadyHeld', reason: 'lock-already-ours', reasons: ['lock-already-ours'], effects: [] }
        : refused('lock-own-pid-other-token', owner); // L4a
    }
    if (f.ownerLiveness === 'dead') return takeOver('lock-owner-dead'); // L4b
    if (f.ownerLiveness === 'alive' || f.ownerLiveness === 'eperm') return refused('lock-held-local', owner); // L4c
    return refused('lock-liveness-unknown', owner); // L4d
  }
  // L5 foreign host
  const hb = row.heartbeat;
  if (hb._tag === 'Unreadable') return refused('lock-heartbeat-unreadable', owner); // L5a
  if (f.now - hb.at > FOREIGN_STALE_MS) return takeOver('lock-heartbeat-expired'); // L5b
  return refused('lock-held-remote', owner, hb.at + FOREIGN_STALE_MS + 1 - f.now); // L5c
};

/** Outcome of the `InsertLockRow` statement: `inserted`, or `constraint` when a racer inserted first. */
export const interpretInsert = (
  outcome: 'inserted' | 'constraint',
): { readonly _tag: 'Acquired'; readonly reason: 'lock-free' } | { readonly _tag: 'Refused'; readonly reason: 'lock-race-lost' } =>
  outcome === 'inserted' ? { _tag: 'Acquired', reason: 'lock-free' } : { _tag: 'Refused', reason: 'lock-race-lost' };

/** Outcome of `ReplaceLockRowIf` (engine-lock.md §6): 1 row → `TakenOver`; anything else → `Refused lock-race-lost`. */
export const interpretTakeover = (
  rowsAffected: number,
): { readonly _tag: 'TakenOver'; readonly reason: 'lock-taken-over' } | { readonly _tag: 'Refused'; readonly reason: 'lock-race-lost' } =>
  rowsAffected === 1 ? { _tag: 'TakenOver', reason: 'lock-taken-over' } : { _tag: 'Refused', reason: 'lock-race-lost' };

/** The heartbeat statement (engine-lock.md §6): update `last_heartbeat` to `now` where the token is exactly `self`. */
export const heartbeatPlan = (self: Token, now: number): UpdateHeartbeatIf => ({ _tag: 'UpdateHeartbeatIf', token: self, at: now });

/**
 * Outcome of the heartbeat statement (engine-lock.md §6): 1 row → `Held`; 0 rows → `Lost` with `StopDispatching lock-lost` and
 * `EmitEvent lock` (error, `lock-lost`). After `Lost` the process makes no further store writes.
 */
export const interpretHeartbeat = (
  rowsAffected: number,
): { readonly _tag: 'Held'; readonly reason: 'lock-held'; readonly effects: readonly [] } | { readonly _tag: 'Lost'; readonly reason: 'lock-lost'; readonly effects: ReadonlyArray<LockEffect> } =>
  rowsAffected === 1
    ? { _tag: 'Held', reason: 'lock-held', effects: [] }
    : { _tag: 'Lost', reason: 'lock-lost', effects: [{ _tag: 'StopDispatching', reason: 'lock-lost' }, emit('lock', 'error', 'lock-lost')] };

/** The release statement (engine-lock.md §6): delete row 1 where the token is exactly `self`. */
export const releasePlan = (self: Token): DeleteLockRowIf => ({ _tag: 'DeleteLockRowIf', token: self });

/** Outcome of the release statement (engine-lock.md §6): 1 row → `Released`; 0 rows → `NotOwner` (an info event, not an error). */
export const interpretRelease = (
  rowsAffected: number,
): { readonly _tag: 'Released'; readonly reason: 'lock-released'; readonly effects: readonly [] } | { readonly _tag: 'NotOwner'; readonly reason: 'lock-not-owner'; readonly effects: ReadonlyArray<LockEffect> } =>
  rowsAffected === 1
    ? { _tag: 'Released', reason: 'lock-released', effects: [] }
    : { _tag: 'NotOwner', reason: 'lock-not-owner', effects: [emit('lock', 'info', 'lock-not-owner')] };

/**
 * Fencing (engine-lock.md §6): may a write transaction of `self` commit, given row 1 as read inside that transaction? Only when
 * the row is present and carries exactly `self`'s token; otherwise the transaction rolls back and is handled as
 * `Lost` ({@link interpretHeartbeat} with 0 rows).
 */
export const fenceAllows = (row: Row, self: Token): boolean => row._tag === 'Present' && sameToken(row.token, self);

// ───────────────────────────────────────── table ─────────────────────────────────────────

const T_NOW = 1_700_000_000_000;

/** The engine-lock decision table: every rule L1–L5 with the 30 000 ms boundary (at, one above, one below). */
export const table = (): DecisionTable => {
  const self: Token = { pid: 100, hostname: 'laptop', startedAt: T_NOW - 5_000 };
  const at = (ms: number): Heartbeat => ({ _tag: 'At', at: ms });
  const present = (pid: number, hostname: string, startedAt: number, heartbeat: Heartbeat): Row => ({
    _tag: 'Present',
    token: { pid, hostname, startedAt },
    heartbeat,
  });
  // Values no row prints and no rule reads there: the other owner's start (only "not our token" matters), the name of
  // the foreign host (only "not ours" matters, engine-lock.md §5 L5) and a same-host owner's heartbeat (on our host
  // only liveness counts, LK-4). Named once, so the fixtures say which facts are incidental.
  const theirStart = T_NOW - 9_000;
  const foreign = 'build-02';
  const oldBeat = at(T_NOW - 99_000);
  const cases: ReadonlyArray<readonly [string, 'ok' | 'busy', Row, Liveness]> = [
    ['store busy', 'busy', { _tag: 'Absent' }, 'not-probed'],
    ['row absent', 'ok', { _tag: 'Absent' }, 'not-probed'],
    ['row corrupt', 'ok', { _tag: 'Corrupt' }, 'not-probed'],
    ['same host, our pid, our token', 'ok', present(100, 'laptop', T_NOW - 5_000, at(T_NOW)), 'not-probed'],
    ['same host, our pid, other token', 'ok', present(100, 'laptop', theirStart, at(T_NOW)), 'not-probed'],
    ['same host, other pid, probe dead, heartbeat 1 s old', 'ok', present(200, 'laptop', theirStart, at(T_NOW - 1_000)), 'dead'],
    ['same host, other pid, probe alive', 'ok', present(200, 'laptop', theirStart, oldBeat), 'alive'],
    ['same host, other pid, probe EPERM', 'ok', present(200, 'laptop', theirStart, oldBeat), 'eperm'],
    ['same host, other pid, probe unknown', 'ok', present(200, 'laptop', theirStart, { _tag: 'Unreadable' }), 'unknown'],
    ['same host, other pid, not probed', 'ok', present(200, 'laptop', theirStart, at(T_NOW)), 'not-probed'],
    ['foreign host, heartbeat unreadable', 'ok', present(200, foreign, theirStart, { _tag: 'Unreadable' }), 'not-probed'],
    ['foreign host, heartbeat age 29 999', 'ok', present(200, foreign, theirStart, at(T_NOW - 29_999)), 'not-probed'],
    ['foreign host, heartbeat age 30 000', 'ok', present(200, foreign, theirStart, at(T_NOW - 30_000)), 'not-probed'],
    ['foreign host, heartbeat age 30 001', 'ok', present(200, foreign, theirStart, at(T_NOW - 30_001)), 'not-probed'],
    ['foreign host, heartbeat in the future', 'ok', present(200, foreign, theirStart, at(T_NOW + 5_000)), 'not-probed'],
  ];
  const rows = cases.map(([label, store, row, liveness]) => {
    const v = decideAcquire({ store, row, self, ownerLiveness: liveness, now: T_NOW });
    return [
      label,
      liveness,
      v._tag,
      v.reason,
      v._tag === 'Refused' && v.retryAfterMs !== null ? String(v.retryAfterMs) : '—',
      v.effects.map((e) => e._tag).join(', ') || '—',
    ];
  });
  rows.push(['heartbeat statement, 1 row / 0 rows', '—', `${interpretHeartbeat(1)._tag} / ${interpretHeartbeat(0)._tag}`, `${interpretHeartbeat(1).reason} / ${interpretHeartbeat(0).reason}`, '—', 'UpdateHeartbeatIf; on Lost: StopDispatching, EmitEvent']);
  rows.push(['release statement, 1 row / 0 rows', '—', `${interpretRelease(1)._tag} / ${interpretRelease(0)._tag}`, `${interpretRelease(1).reason} / ${interpretRelease(0).reason}`, '—', 'DeleteLockRowIf']);
  rows.push(['takeover statement, 1 row / 0 rows', '—', `${interpretTakeover(1)._tag} / ${interpretTakeover(0)._tag}`, `${interpretTakeover(1).reason} / ${interpretTakeover(0).reason}`, '—', 'ReplaceLockRowIf']);
  return {
    policy: POLICY,
    version: POLICY_VERSION,
    title: 'Engine lock acquisition (L1–L5) and the compare-and-set heartbeat, release and takeover statements; we are pid 100 on host `laptop`.',
    columns: ['row 1', 'liveness probe', 'verdict', 'reason', 'retryAfterMs', 'effects'],
    rows,
    notes: [
      `Foreign-host stale age ${FOREIGN_STALE_MS} ms, strict >; heartbeat interval ${HEARTBEAT_INTERVAL_MS} ms.`,
      'The pid is probed (signal 0) only on our host and for another pid; EPERM counts as alive.',
      'Fail direction: closed. Every uncertainty refuses; only a dead local pid or > 30 s of foreign silence takes over.',
    ],
  };
};
