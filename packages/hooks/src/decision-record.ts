/**
 * The decision-log writer every hook and verb uses (architecture.md, decision log; push-gate.md §16): one verdict
 * becomes one NDJSON entry with masked facts, a ULID, an ISO timestamp and the duration since process start.
 */
import { buildLogEntry, type LogEntryInput } from '@arbiter/kernel';
import { appendDecisionSync, logDirFor, newDecisionId, type Env } from '@arbiter/io-node';
import { sinceStartMs } from './hook/clock.js';

/**
 * Input of {@link recordDecision}: a kernel `LogEntryInput` without what the runtime supplies itself (id, clock,
 * duration), plus where to log.
 */
export interface DecisionRecord extends Omit<LogEntryInput, 'decision_id' | 'now' | 'duration_ms' | 'policy_version'> {
  /** Directory the work started in (selects the repository's log, else the per-user log). */
  readonly startDir: string;
  readonly env: Env;
  readonly policyVersion: string;
  /** Override the log directory (tests, verbs that already resolved it). */
  readonly logDir?: string;
}

/**
 * Append one verdict to the decision log (push-gate.md §16): masked facts, ULID, ISO timestamp, duration since
 * process start. Synchronous; never throws; a failure to write never changes a verdict (DL2).
 */
export const recordDecision = (r: DecisionRecord): void => {
  try {
    const now = Date.now();
    const entry = buildLogEntry({
      decision_id: newDecisionId(now, Math.random), // ids need order and uniqueness, not secrecy: no crypto module on the hot path
      policy: r.policy,
      policy_version: r.policyVersion,
      now,
      mode: r.mode,
      facts: r.facts,
      verdict: r.verdict,
      reasons: r.reasons,
      effects: r.effects ?? [],
      probes: r.probes ?? [],
      duration_ms: sinceStartMs(),
    });
    appendDecisionSync(r.logDir ?? logDirFor(r.startDir, r.env), entry, now);
  } catch {
    // DL2: logging never changes a verdict
  }
};
