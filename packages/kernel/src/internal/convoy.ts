/**
 * Vocabulary shared by the convoy decisions (convoy-policies.md §0.3 task statuses, §0.4 effects as data,
 * §0.5 event types). Types and pure helpers only.
 *
 * Reason codes and event codes are the spec's SCREAMING_SNAKE_CASE codes written in lowercase kebab-case
 * (DESIGN.md conventions §5): `RUN_STOPPED` is `run-stopped`.
 */
import * as t from 'io-ts';

// ───────────────────────────────────────── task statuses (§0.3) ─────────────────────────────────────────

/** Every task status of §0.3. */
export const TASK_STATUSES = [
  'pending',
  'assigned',
  'running',
  'done',
  'failed',
  'timed-out',
  'gate-failed',
  'review-blocked',
  'hook-failed',
  'disputed',
  'skipped',
] as const;

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
export type TaskStatus = (typeof TASK_STATUSES)[number];

/** §0.3: the live statuses (not terminal). */
export const isLive = (s: TaskStatus): boolean => s === 'pending' || s === 'assigned' || s === 'running';
/** §0.3: every status but the live ones is terminal. */
export const isTerminal = (s: TaskStatus): boolean => !isLive(s);
/** §0.3: terminal and counted as failed in the run summary. */
export const isFailedTerminal = (s: TaskStatus): boolean => isTerminal(s) && s !== 'done' && s !== 'skipped';

/** A task id (§0.2): 1 to 128 characters from `A-Z a-z 0-9 . _ -`. */
export const TASK_ID_RE = /^[A-Za-z0-9._-]{1,128}$/;
export const TaskIdCodec = new t.Type<string, string, unknown>(
  'TaskId',
  (u): u is string => typeof u === 'string' && TASK_ID_RE.test(u),
  (u, c) => (typeof u === 'string' && TASK_ID_RE.test(u) ? t.success(u) : t.failure(u, c, 'invalid task id')),
  t.identity,
);
/** An agent name (§0.2): 1 to 128 characters, no control characters. */
export const AgentNameCodec = new t.Type<string, string, unknown>(
  'AgentName',
  (u): u is string => typeof u === 'string' && u.length >= 1 && u.length <= 128 && !/[\u0000-\u001f\u007f-\u009f]/.test(u),
  (u, c) =>
    typeof u === 'string' && u.length >= 1 && u.length <= 128 && !/[\u0000-\u001f\u007f-\u009f]/.test(u)
      ? t.success(u)
      : t.failure(u, c, 'invalid agent name'),
  t.identity,
);

// ───────────────────────────────────────── effects (§0.4) ─────────────────────────────────────────

/** §0.5 event types. */
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

/** `EmitEvent`: append to the run's event log. `data` is plain JSON and never carries unredacted agent text. */
export interface EmitEvent {
  readonly _tag: 'EmitEvent';
  readonly type: EventType;
  readonly severity: Severity;
  readonly code: string;
  readonly taskId?: string;
  readonly agent?: string;
  readonly data?: Readonly<Record<string, unknown>>;
}

/** A breaker input event (§1.5). The breaker module owns its transition; here it is only carried. */
export type BreakerEventData =
  | { readonly _tag: 'Failure'; readonly taskId: string }
  | { readonly _tag: 'Success'; readonly taskId: string }
  | { readonly _tag: 'ProbeReleased'; readonly taskId: string };

export interface RecordBreakerOutcome {
  readonly _tag: 'RecordBreakerOutcome';
  readonly agent: string;
  readonly event: BreakerEventData;
}

export interface SetTaskStatus {
  readonly _tag: 'SetTaskStatus';
  readonly taskId: string;
  readonly status: TaskStatus;
  readonly reason: string;
  /** Already redacted (§7.5). */
  readonly output?: string;
}

export interface ScheduleRetry {
  readonly _tag: 'ScheduleRetry';
  readonly taskId: string;
  readonly retries: number;
  /** Replaces any previous note (§6.4 "no stacking"). */
  readonly note: string;
}

export interface Requeue {
  readonly _tag: 'Requeue';
  readonly taskId: string;
}

export interface SkipTasks {
  readonly _tag: 'SkipTasks';
  readonly taskIds: ReadonlyArray<string>;
  readonly reason: string;
  /** Root task id. */
  readonly cause: string;
}

export interface StopDispatching {
  readonly _tag: 'StopDispatching';
  readonly reason: string;
}

/** `WriteLedgerEntry` (§6.8): the row and its markdown travel together (both or neither). */
export interface WriteLedgerEntry {
  readonly _tag: 'WriteLedgerEntry';
  readonly kind: 'dlq' | 'dispute';
  readonly id: string;
  readonly row: Readonly<Record<string, string | number | ReadonlyArray<string>>>;
  readonly markdown: string;
}

export interface InsertTask<R> {
  readonly _tag: 'InsertTask';
  readonly record: R;
}

/** The effects produced by the paths, retry, secrets and guard decisions. */
export type ConvoyEffect =
  | EmitEvent
  | RecordBreakerOutcome
  | SetTaskStatus
  | ScheduleRetry
  | Requeue
  | SkipTasks
  | StopDispatching
  | WriteLedgerEntry;
