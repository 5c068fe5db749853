/**
 * The decision-log entry of a gate-push verdict the dispatcher reached itself — `Allow not-a-push` (push-gate.md
 * §8.6 P2–P3) — so that every verdict reaches the log (§16) without loading the hook bundle. Part of the dispatcher
 * bundle. The id is drawn with `Math.random` (order and uniqueness, not secrecy), so no cryptographic module loads.
 * Never throws; a failed write changes nothing (DL2).
 */
import { isAbsolute } from 'node:path';
import { PUSH_GATE_POLICY, PUSH_GATE_POLICY_VERSION, bashCommandOf } from '@arbiter/kernel/hot';
import { buildLogEntry } from '@arbiter/kernel';
import { appendDecisionSync, logDirFor, newDecisionId } from '@arbiter/io-node';
import { objectOf } from './json-object.js';

/** Log `Allow not-a-push` for the payload `text` of `hook gate-push --agent <agent>`. */
export const logNotAPush = (text: string, agent: 'claude' | 'codex', durationMs: number): void => {
  try {
    const o = objectOf(text) ?? {};
    const str = (k: string): string | null => (typeof o[k] === 'string' ? (o[k] as string) : null);
    const cwd = str('cwd');
    const startDir = cwd !== null && isAbsolute(cwd) ? cwd : process.cwd();
    const now = Date.now();
    const entry = buildLogEntry({
      decision_id: newDecisionId(now, Math.random),
      policy: PUSH_GATE_POLICY,
      policy_version: PUSH_GATE_POLICY_VERSION,
      now,
      mode: agent === 'claude' ? 'agent:claude' : 'agent:codex',
      facts: { agent, hook: 'gate-push', tool_name: str('tool_name'), session_id: str('session_id'), cwd, command: bashCommandOf(o), stdin: 'Ok', fast_path: true },
      verdict: 'Allow',
      reasons: ['not-a-push'],
      duration_ms: durationMs,
    });
    appendDecisionSync(logDirFor(startDir, process.env), entry, now);
  } catch {
    // DL2: logging never changes a verdict
  }
};
