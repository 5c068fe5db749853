/**
 * The decision-log writer of early verdicts (`@arbiter/kernel/early`): the event runner answers a payload that needs
 * no decision without loading a hook bundle, and every verdict it reaches still goes to the log (push-gate.md §16;
 * hooks.md §8). The records themselves are built by the kernel's early-verdict functions; this module only adds the
 * id, clock, mode and duration and appends them in one write. Ids are drawn with `Math.random` (order and uniqueness,
 * not secrecy), so no cryptographic module loads. Never throws; a failed write changes nothing (DL2).
 */
import { agentLogMode, type Agent, type EarlyRecord } from '@arbiter/kernel/early';
import { buildLogEntry } from '@arbiter/kernel';
import { appendDecisionSync, newDecisionId } from '@arbiter/io-node';
import { sinceStartMs } from './clock.js';

/** Append `records` (in order, one write) to the log in `logDir()`; the directory is resolved only when there is one. */
export const logEarly = (records: ReadonlyArray<EarlyRecord>, agent: Agent, logDir: () => string): void => {
  if (records.length === 0) return;
  try {
    const now = Date.now();
    const duration = sinceStartMs();
    const entries = records.map((r) =>
      buildLogEntry({
        decision_id: newDecisionId(now, Math.random),
        policy: r.policy,
        policy_version: r.policyVersion,
        now,
        mode: agentLogMode(agent),
        facts: r.facts,
        verdict: r.verdict,
        reasons: [r.reason],
        duration_ms: duration,
      }),
    );
    appendDecisionSync(logDir(), entries, now);
  } catch {
    // DL2: logging never changes a verdict
  }
};
