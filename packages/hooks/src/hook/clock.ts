/**
 * The hook process's own clock reading: milliseconds since the process started, for `duration_ms` in the decision
 * log (push-gate.md §16) and for watchdog budgets that count from process start. From `process.uptime()`, which,
 * unlike `performance`, loads no module (`perf_hooks` is about ten internal modules on a cold start).
 */

/** Milliseconds since process start, rounded. */
export const sinceStartMs = (): number => Math.round(process.uptime() * 1000);
