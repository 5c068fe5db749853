/**
 * Vocabulary shared by the convoy decisions (convoy.md §3 task statuses, convoy.md §4 effects as data,
 * convoy.md §5 event types). Types and pure helpers only.
 *
 * Reason codes and event codes are the spec's SCREAMING_SNAKE_CASE codes written in lowercase kebab-case
 * (architecture.md conventions §5): `RUN_STOPPED` is `run-stopped`.
 */
import * as t from 'io-ts';
import {
  AgentName,
  TaskId,
  isTerminal,
  type EmitEvent as CommonEmitEvent,
  type EventType,
  type SetTaskStatus,
  type Severity,
  type ScheduleRetry,
  type SkipTasks,
  type StopDispatching,
  type TaskStatus,
} from './convoy-common.js';

// The convoy.md §2–4 types shared with breaker/review/drift/engine-lock come from `convoy-common.ts`; this file adds
// what the paths, retry, secrets and guard decisions need on top (statuses as a codec, the remaining effects, and an
// `EmitEvent` whose `data` may carry lists).
export type { EventType, SetTaskStatus, Severity, ScheduleRetry, SkipTasks, StopDispatching, TaskStatus };

// ───────────────────────────────────────── task statuses (convoy.md §3) ─────────────────────────────────────────

export { TASK_STATUSES, TaskStatusCodec, isLive, isTerminal } from './convoy-common.js';

/** convoy.md §3: terminal and counted as failed in the run summary. */
export const isFailedTerminal = (s: TaskStatus): boolean => isTerminal(s) && s !== 'done' && s !== 'skipped';

/** A task id (convoy.md §2): 1 to 128 characters from `A-Z a-z 0-9 . _ -` (the shared codec). */
export const TaskIdCodec = TaskId;
/** An agent name (convoy.md §2): 1 to 128 characters, no control characters (the shared codec). */
export const AgentNameCodec = AgentName;

// ───────────────────────────────────────── effects (convoy.md §4) ─────────────────────────────────────────

/**
 * `EmitEvent`: append to the run's event log. Same shape as `convoy-common`'s, with `data` values that may also be
 * lists and records (deferrals list `blockedBy`, injections list conflicts), never unredacted agent text.
 */
export type EmitEvent = CommonEmitEvent<Readonly<Record<string, unknown>>>;

/** A breaker input event (breaker.md §5). The breaker module owns its transition; here it is only carried. */
export type BreakerEventData =
  | { readonly _tag: 'Failure'; readonly taskId: string }
  | { readonly _tag: 'Success'; readonly taskId: string }
  | { readonly _tag: 'ProbeReleased'; readonly taskId: string };

export interface RecordBreakerOutcome {
  readonly _tag: 'RecordBreakerOutcome';
  readonly agent: string;
  readonly event: BreakerEventData;
}

export interface Requeue {
  readonly _tag: 'Requeue';
  readonly taskId: string;
}

/** `WriteLedgerEntry` (retry.md §8): the row and its markdown travel together (both or neither). */
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
