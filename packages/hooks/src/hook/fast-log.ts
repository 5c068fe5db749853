/**
 * Decision-log entries of the verdicts the dispatcher reaches itself on its fast paths, so that every verdict reaches
 * the log (push-gate.md §16; sentinels.md §0.8) without loading a hook bundle:
 * - `hook gate-push` on a non-push: `push-gate` `Allow not-a-push` (push-gate.md §8.6 P2–P3);
 * - `hook stop` with nothing to decide: `action-claim` `Skipped` (§1.3 rules 2–4), `build-stop` `Approve no-state`
 *   (§2.5 rule 2) and `stop-gate` `Allow mode-off` (§3.6 rule 9), with the facts the full hook records.
 * Each entry carries the fact `fast_path: true`. Ids are drawn with `Math.random` (order and uniqueness, not secrecy),
 * so no cryptographic module loads. Never throws; a failed write changes nothing (DL2).
 */
import { isAbsolute } from 'node:path';
import {
  ACTION_CLAIM_POLICY,
  ACTION_CLAIM_POLICY_VERSION,
  BUILD_STOP_POLICY,
  BUILD_STOP_POLICY_VERSION,
  PUSH_GATE_POLICY,
  PUSH_GATE_POLICY_VERSION,
  STOP_GATE_POLICY,
  STOP_GATE_POLICY_VERSION,
  bashCommandOf,
  claimTopicOf,
  gateEarlyAllow,
  gateSessionOf,
} from '@arbiter/kernel/hot';
import { buildLogEntry, type LogMode } from '@arbiter/kernel';
import { appendDecisionSync, logDirFor, logDirOf, newDecisionId, type Repo } from '@arbiter/io-node';
import { sinceStartMs } from './clock.js';

type Agent = 'claude' | 'codex';

/** One verdict to log: what {@link logFast} needs beyond the shared id, clock, mode and duration. */
interface FastVerdict {
  readonly policy: string;
  readonly policyVersion: string;
  readonly facts: Record<string, unknown>;
  readonly verdict: string;
  readonly reason: string;
}


/** The directory a hook started in: the payload's absolute `cwd`, else the process working directory. */
const startDirOf = (payload: Readonly<Record<string, unknown>>): string => {
  const cwd = payload['cwd'];
  return typeof cwd === 'string' && isAbsolute(cwd) ? cwd : process.cwd();
};

/** Append `verdicts` (in order, one write) to the log in `logDir`. Never throws. */
const logFast = (logDir: () => string, agent: Agent, verdicts: ReadonlyArray<FastVerdict>): void => {
  try {
    const now = Date.now();
    const mode: LogMode = agent === 'claude' ? 'agent:claude' : 'agent:codex';
    const duration = sinceStartMs();
    const entries = verdicts.map((v) =>
      buildLogEntry({
        decision_id: newDecisionId(now, Math.random),
        policy: v.policy,
        policy_version: v.policyVersion,
        now,
        mode,
        facts: { ...v.facts, fast_path: true },
        verdict: v.verdict,
        reasons: [v.reason],
        duration_ms: duration,
      }),
    );
    appendDecisionSync(logDir(), entries, now);
  } catch {
    // DL2: logging never changes a verdict
  }
};

/** A string field of the payload, else `null`. */
const strOf = (o: Readonly<Record<string, unknown>>, k: string): string | null => (typeof o[k] === 'string' ? (o[k] as string) : null);

/** Log `Allow not-a-push` for the decoded payload `o` of `hook gate-push --agent <agent>`. */
export const logNotAPush = (o: Readonly<Record<string, unknown>>, agent: Agent): void =>
  logFast(() => logDirFor(startDirOf(o), process.env), agent, [
    {
      policy: PUSH_GATE_POLICY,
      policyVersion: PUSH_GATE_POLICY_VERSION,
      facts: { agent, hook: 'gate-push', tool_name: strOf(o, 'tool_name'), session_id: strOf(o, 'session_id'), cwd: strOf(o, 'cwd'), command: bashCommandOf(o), stdin: 'Ok' },
      verdict: 'Allow',
      reason: 'not-a-push',
    },
  ]);

/**
 * Log the three verdicts of a Stop with nothing to decide, for the decoded payload `o` of `hook stop --agent
 * <agent>`, whose `last_assistant_message` holds no claim stem. `repo` is the repository of the directory the hook
 * resolved (the payload's `cwd` when it is a directory), `null` outside one.
 */
export const logNoopStop = (o: Readonly<Record<string, unknown>>, agent: Agent, repo: Repo | null): void => {
  const sid = o['session_id'];
  const msg = o['last_assistant_message'];
  // observeClaim (§1.3) rules 2–4 in order, commitments enabled (the fast path runs only without a `commitments` section)
  const claimReason = claimTopicOf(sid) === null ? 'no-topic' : typeof msg !== 'string' || msg === '' ? 'no-message' : 'no-claim';
  // the stop gate: rules 4–5, else rule 9 (no gate state: mode off)
  const early = gateEarlyAllow(o);
  logFast(() => logDirOf(repo, process.env), agent, [
    { policy: ACTION_CLAIM_POLICY, policyVersion: ACTION_CLAIM_POLICY_VERSION, facts: { session_id: strOf(o, 'session_id') }, verdict: 'Skipped', reason: claimReason },
    {
      policy: BUILD_STOP_POLICY,
      policyVersion: BUILD_STOP_POLICY_VERSION,
      facts: { agent, session_id: typeof sid === 'string' ? sid : '', probes: ['BuildState'], in_repository: repo !== null },
      verdict: 'Approve',
      reason: 'no-state',
    },
    {
      policy: STOP_GATE_POLICY,
      policyVersion: STOP_GATE_POLICY_VERSION,
      facts: { agent, session_id: gateSessionOf(o) ?? '', payload: 'Object', probes: early === null ? ['GateState'] : [], failOpen: early?.failOpen ?? false },
      verdict: 'Allow',
      reason: early?.reason ?? 'mode-off',
    },
  ]);
};
