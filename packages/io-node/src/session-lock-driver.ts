/**
 * The session-lock read–decide–commit loop (session-lock.md §7.8) on the kernel's step driver, written once over the ports so that the hook
 * (with the fs store) and the simulations (with the in-memory store under fast-check's scheduler) run the same code.
 *
 * Order: read the snapshot → at most one `PidAlive` probe, only when the kernel asks → commit → on `Conflict` go
 * back to the read with a fresh `now`, at most `CAS_ATTEMPTS` rounds.
 */
import { runSteps, sessionLock as SL, type LockStore, type PidLiveness } from '@arbiter/kernel';

/** The caller's identity and lease for one run. */
export interface LockCaller {
  readonly session_id: string;
  readonly my_pid: number;
  readonly my_hostname: string;
  readonly ttl_ms: number;
  readonly workspace_hash: string;
}

/** Ports the loop needs. `now` returns ms epoch and is read once per round, just before the snapshot. */
export interface LockLoopPorts {
  readonly store: LockStore;
  readonly pidAlive: (pid: number) => Promise<PidLiveness>;
  readonly now: () => number;
  /**
   * Told the generation a commit would create just before it is sent, and `null` once the store has answered
   * (optional). The hook uses it so that a watchdog firing while a commit is in flight says so in its log entry
   * instead of claiming no result (session-lock.md §13.2).
   */
  readonly onCommit?: (inFlight: number | null) => void;
}

/** A finished run: the outcome that was committed (or needed no commit), or a fail-open detail. */
export type LockLoopResult =
  | {
      readonly _tag: 'Decided';
      readonly outcome: SL.AcquireOutcome | SL.RefreshOutcome | SL.ReleaseOutcome;
      readonly effects: ReadonlyArray<SL.Effect>;
      /** Generation committed by this run, when it committed. */
      readonly committed: number | null;
      readonly snapshot: SL.Snapshot;
      readonly now: number;
      readonly rounds: number;
      readonly pidAlive?: PidLiveness;
    }
  | { readonly _tag: 'FailOpen'; readonly detail: 'store-failure' | 'cas-exhausted' | 'internal-error'; readonly rounds: number };

/**
 * Run `verb` for `caller` until a decision is committed (or needs no commit). Never rejects: store failures,
 * exhausted compare-and-set and unexpected errors become `FailOpen` (the hook then allows, session-lock.md §7.9).
 */
export const runLockLoop = async (
  verb: 'acquire' | 'refresh' | 'release',
  caller: LockCaller,
  ports: LockLoopPorts,
): Promise<LockLoopResult> => {
  let rounds = 0;
  try {
    for (rounds = 1; rounds <= SL.CAS_ATTEMPTS; rounds++) {
      const now = ports.now();
      const read = await ports.store.read(caller.workspace_hash)();
      if (read._tag === 'Left') return { _tag: 'FailOpen', detail: 'store-failure', rounds };
      const snapshot = read.right;
      let pidAlive: PidLiveness | undefined;
      let done: { outcome: SL.AcquireOutcome | SL.RefreshOutcome | SL.ReleaseOutcome; effects: ReadonlyArray<SL.Effect> };
      if (verb === 'acquire') {
        // the kernel's one step driver; the only probe is PidAlive, asked at most once per round (session-lock.md §7.3)
        const run = await runSteps(SL.driver, { ...caller, now, snapshot }, async (probe) => (pidAlive = await ports.pidAlive(probe.pid)));
        if (run._tag !== 'Done') return { _tag: 'FailOpen', detail: 'internal-error', rounds }; // never: SL-8
        done = run;
      } else if (verb === 'refresh') {
        done = SL.refresh({ ...caller, now, snapshot });
      } else {
        done = SL.release({ session_id: caller.session_id, now, workspace_hash: caller.workspace_hash, snapshot });
      }
      const commit = done.effects.find((e): e is Extract<SL.Effect, { _tag: 'CommitLock' }> => e._tag === 'CommitLock');
      let committed: number | null = null;
      if (commit !== undefined) {
        ports.onCommit?.(commit.expected_generation + 1);
        const c = await ports.store.commit(commit.workspace_hash, commit.expected_generation, commit.record)();
        ports.onCommit?.(null);
        if (c._tag === 'Left') return { _tag: 'FailOpen', detail: 'store-failure', rounds };
        if (c.right._tag === 'Conflict') continue;
        committed = c.right.generation;
      }
      return { _tag: 'Decided', outcome: done.outcome, effects: done.effects, committed, snapshot, now, rounds, ...(pidAlive === undefined ? {} : { pidAlive }) };
    }
    return { _tag: 'FailOpen', detail: 'cas-exhausted', rounds: SL.CAS_ATTEMPTS };
  } catch {
    return { _tag: 'FailOpen', detail: 'internal-error', rounds };
  }
};
