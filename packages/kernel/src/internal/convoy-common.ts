/**
 * Vocabulary shared by the convoy decisions (convoy.md §2 shared types, convoy.md §3 statuses, convoy.md §4
 * effects). Pure; no I/O. Decision-specific effects (breaker book, review records, lock rows) live in their
 * decision modules; the effects every convoy decision may return live here so that a runner handles one union.
 * Used by breaker, review, drift and engine-lock. The effect shapes are the convoy.md §4 table's, structurally identical to
 * those of the retry/paths/secrets half (`internal/convoy.ts` on branch issue-convoy2); the two files can be merged.
 */
import * as t from 'io-ts';
import { intIn } from './codecs.js';
import { hasControl } from './text.js';

// ───────────────────────────────────────── shared types (convoy.md §2) ─────────────────────────────────────────

/** Largest `EpochMs` (the `Date` range), ms since the epoch. */
export const EPOCH_MS_MAX = 8_640_000_000_000_000;

/** `EpochMs`: an instant, integer ms since the Unix epoch, 0 ≤ n ≤ 8.64e15 (convoy.md §2). */
export const EpochMs = intIn(0, EPOCH_MS_MAX, 'EpochMs');

/** `DurationMs`: a span, integer ms, 0 ≤ n ≤ 2^53 − 1 (convoy.md §2). */
export const DurationMs = intIn(0, Number.MAX_SAFE_INTEGER, 'DurationMs');

/** `NonNegInt`: a count, integer ≥ 0 (safe range). */
export const NonNegInt = intIn(0, Number.MAX_SAFE_INTEGER, 'NonNegInt');

/** `PosInt`: a count, integer ≥ 1 (safe range). */
export const PosInt = intIn(1, Number.MAX_SAFE_INTEGER, 'PosInt');

/** True for an `AgentName`: 1 to 128 UTF-16 units, no C0/C1 control character or DEL (convoy.md §2). */
export const isAgentName = (u: unknown): u is string =>
  typeof u === 'string' && u.length >= 1 && u.length <= 128 && !hasControl(u);

/** `AgentName` codec (convoy.md §2). */
export const AgentName = new t.Type<string, string, unknown>(
  'AgentName',
  isAgentName,
  (u, c) => (isAgentName(u) ? t.success(u) : t.failure(u, c, 'expected an agent name (1-128 characters, no control characters)')),
  t.identity,
);

const TASK_ID_RE = /^[A-Za-z0-9._-]{1,128}$/;

/** True for a `TaskId` / `RunId`: 1 to 128 characters from `A-Z a-z 0-9 . _ -` (convoy.md §2). */
export const isTaskId = (u: unknown): u is string => typeof u === 'string' && TASK_ID_RE.test(u);

/** `TaskId` codec (convoy.md §2). */
export const TaskId = new t.Type<string, string, unknown>(
  'TaskId',
  isTaskId,
  (u, c) => (isTaskId(u) ? t.success(u) : t.failure(u, c, 'expected a task id ([A-Za-z0-9._-], 1-128 characters)')),
  t.identity,
);

// ───────────────────────────────────────── statuses (convoy.md §3) ─────────────────────────────────────────

/** Task statuses (convoy.md §3): the one list, as a codec; the type, the array and the predicates derive from it. */
export const TaskStatusCodec = t.keyof({
  pending: null,
  assigned: null,
  running: null,
  done: null,
  failed: null,
  'timed-out': null,
  'gate-failed': null,
  'review-blocked': null,
  'hook-failed': null,
  disputed: null,
  skipped: null,
});
export type TaskStatus = t.TypeOf<typeof TaskStatusCodec>;

/** Every task status of convoy.md §3, in the spec's order. */
export const TASK_STATUSES = Object.keys(TaskStatusCodec.keys) as ReadonlyArray<TaskStatus>;

/** convoy.md §3: the live statuses (not terminal). */
export const isLive = (s: TaskStatus): boolean => s === 'pending' || s === 'assigned' || s === 'running';

/** Terminal statuses (convoy.md §3): every status but the live ones. */
export const TERMINAL_STATUSES: ReadonlyArray<TaskStatus> = TASK_STATUSES.filter((s) => !isLive(s));

/** True when `s` is terminal (convoy.md §3). */
export const isTerminal = (s: TaskStatus): boolean => !isLive(s);

// ───────────────────────────────────────── effects (convoy.md §4) ─────────────────────────────────────────

/** Event types (convoy.md §5). */
export type EventType =
  | 'breaker'
  | 'assignment'
  | 'review'
  | 'drift'
  | 'lock'
  | 'partition'
  | 'injection'
  | 'retry'
  | 'exhaustion'
  | 'ledger'
  | 'secret'
  | 'blast'
  | 'guard'
  | 'run';

export type Severity = 'info' | 'warn' | 'error';

/**
 * `EmitEvent`: append to the run's event log. `code` is a kebab-case reason code (architecture.md conventions §5). `D` is
 * the shape of `data` (scalars by default; the paths/retry/guard decisions also carry lists).
 */
export interface EmitEvent<D = Readonly<Record<string, string | number | boolean | null>>> {
  readonly _tag: 'EmitEvent';
  readonly type: EventType;
  readonly severity: Severity;
  readonly code: string;
  readonly taskId?: string;
  readonly agent?: string;
  readonly data?: D;
}

/** `SetTaskStatus`: write the status; `output` is already redacted. */
export interface SetTaskStatus {
  readonly _tag: 'SetTaskStatus';
  readonly taskId: string;
  readonly status: TaskStatus;
  readonly reason: string;
  readonly output?: string;
}

/** `SkipTasks`: set each listed task that is still pending to skipped; `cause` is the root task id. */
export interface SkipTasks {
  readonly _tag: 'SkipTasks';
  readonly taskIds: ReadonlyArray<string>;
  readonly reason: string;
  readonly cause: string;
}

/** `StopDispatching`: start no new attempt (convoy.md §4). */
export interface StopDispatching {
  readonly _tag: 'StopDispatching';
  readonly reason: string;
}

/** `ScheduleRetry`: status pending; store `retries`; store `note`, replacing any previous note. */
export interface ScheduleRetry {
  readonly _tag: 'ScheduleRetry';
  readonly taskId: string;
  readonly retries: number;
  readonly note: string;
}

/** Build an `EmitEvent` without undefined optional fields (keeps effects comparable with `toEqual`). */
export const emit = (
  type: EventType,
  severity: Severity,
  code: string,
  extra: { taskId?: string; agent?: string; data?: Readonly<Record<string, string | number | boolean | null>> } = {},
): EmitEvent => ({
  _tag: 'EmitEvent',
  type,
  severity,
  code,
  ...(extra.taskId === undefined ? {} : { taskId: extra.taskId }),
  ...(extra.agent === undefined ? {} : { agent: extra.agent }),
  ...(extra.data === undefined ? {} : { data: extra.data }),
});

/** Own-property lookup in a record keyed by user data (safe for keys such as `__proto__`). */
export const ownGet = <V>(rec: Readonly<Record<string, V>>, key: string): V | undefined =>
  Object.prototype.hasOwnProperty.call(rec, key) ? rec[key] : undefined;

/** Copy `rec` with `key` set to `value`, defining an own data property (safe for `__proto__`). */
export const ownSet = <V>(rec: Readonly<Record<string, V>>, key: string, value: V): Record<string, V> => {
  const out: Record<string, V> = { ...rec };
  Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  return out;
};
