/**
 * Ports shared by several decisions (types only; architecture.md "Ports and adapters"). Adapters return
 * `TaskEither<E, A>` with `E` a tagged union of adapter errors; nothing throws across a package boundary.
 */
import type { Task } from 'fp-ts/lib/Task.js';
import type { TaskEither } from 'fp-ts/lib/TaskEither.js';
import type { DecisionLogEntry } from '../internal/log.js';

/**
 * A clock: milliseconds since the epoch. io-node reads the system clock, io-memory a fake clock. Contract
 * (`test/contract/clock.contract.ts`): an integer whose ISO-8601 form round-trips, never going backwards.
 */
export interface Clock {
  readonly now: () => number;
}

/** Answer of a pid-liveness probe (session-lock.md §7.3). */
export type PidLiveness = 'alive' | 'dead' | 'unknown';

/**
 * Process-table port: liveness of a pid on this host. Never fails: errors map to `unknown`, and so does anything
 * that is not a positive integer (contract: `test/contract/proc.contract.ts`).
 */
export interface Proc {
  readonly pidAlive: (pid: number) => Task<PidLiveness>;
}

/** Failure of a decision-log write. A failed write never changes a verdict (push-gate.md §16 DL2). */
export interface LogWriteFailure {
  readonly _tag: 'LogWriteFailure';
  readonly detail: string;
}

/**
 * The decision log: one NDJSON entry per verdict (push-gate.md §16). Contract (`test/contract/decision-log.contract.ts`):
 * a fresh log reads empty; entries read back in append order, equal to what was appended; concurrent appends all land.
 */
export interface DecisionLog {
  readonly append: (entry: DecisionLogEntry) => TaskEither<LogWriteFailure, void>;
  readonly read: () => TaskEither<LogWriteFailure, ReadonlyArray<DecisionLogEntry>>;
}
