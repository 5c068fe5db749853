/**
 * The decision-log writer every hook and verb uses (architecture.md, decision log; push-gate.md §16): one verdict
 * becomes one NDJSON entry with masked facts, a ULID, an ISO timestamp and the duration since process start.
 */
import { buildLogEntry, type LogEntryInput } from '@arbiter/kernel';
import { appendDecisionSync, logDirFor, newDecisionId, type Env } from '@arbiter/io-node';
import { sinceStartMs } from './hook/clock.js';
import { agentLogMode, type Agent, type EarlyRecord } from '@arbiter/kernel/early';
import { emitNotification, sessionOfFacts } from './notify/emit.js';

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
  /** Events this run audited (see {@link VerdictInput}). */
  readonly audits?: ReadonlyArray<AuditInput>;
}

/**
 * An audited event of a run (push-gate.md §16 DL5): its own entry, `verdict` and first reason the event
 * code, linked to the verdict it belongs to by `audit_of`.
 */
export interface AuditInput {
  readonly policy: string;
  readonly policy_version: string;
  /** The audited event, a kebab-case code (`stale-takeover`, `delivered`). */
  readonly event: string;
  readonly facts: Record<string, unknown>;
}

/**
 * One verdict to append: a kernel `LogEntryInput` without what the writer supplies (id, clock, duration), with the
 * events the same run audited; those are written first, in the same append, each with `audit_of` = this verdict's id.
 */
export type VerdictInput = Omit<LogEntryInput, 'decision_id' | 'now' | 'duration_ms'> & { readonly audits?: ReadonlyArray<AuditInput> };

/**
 * Append `verdicts` (in order, one write) to the decision log in `logDir()` (push-gate.md §16): masked facts, a ULID,
 * an ISO timestamp and the duration since process start each; a verdict's audited events just before it, each with
 * `audit_of` = its id (DL5). The directory is resolved only when there is a verdict.
 * Ids draw from `Math.random`: they need order and uniqueness, not secrecy, so no crypto module loads on a hook's hot
 * path. Synchronous; never throws; a failure to write never changes a verdict (DL2).
 */
export const appendVerdicts = (logDir: () => string, verdicts: ReadonlyArray<VerdictInput>): void => {
  if (verdicts.length === 0) return;
  try {
    const now = Date.now();
    const duration = sinceStartMs();
    const entries = verdicts.flatMap(({ audits = [], ...v }) => {
      const id = newDecisionId(now, Math.random);
      return [
        ...audits.map((a) => buildLogEntry({ decision_id: newDecisionId(now, Math.random), audit_of: id, policy: a.policy, policy_version: a.policy_version, mode: v.mode, facts: a.facts, verdict: a.event, reasons: [a.event], now, duration_ms: duration })),
        buildLogEntry({ ...v, decision_id: id, now, duration_ms: duration }),
      ];
    });
    appendDecisionSync(logDir(), entries, now);
  } catch {
    // DL2: logging never changes a verdict
  }
};

/**
 * Whether a recorded verdict is a hook's block (docs/notify.md §3 T4): the verdict `Block` reached by a hook (an
 * agent's or git's), not by a verb. `Ask` and every allowing verdict are not blocks.
 */
export const isHookBlock = (r: Pick<DecisionRecord, 'mode' | 'verdict'>): boolean => r.mode !== 'cli' && r.mode !== 'library' && r.verdict === 'Block';

/**
 * Append one verdict to the decision log, in the log of `startDir` unless `logDir` names one (see {@link appendVerdicts});
 * a hook's block ({@link isHookBlock}) is also emitted as a `block` notification (docs/notify.md §5: nothing is
 * written or started when no webhook is configured). Never throws.
 */
export const recordDecision = (r: DecisionRecord): void => {
  appendDecision(r);
  if (isHookBlock(r)) {
    const lane = r.facts['lane'];
    emitNotification(
      { startDir: r.startDir, env: r.env },
      { kind: 'block', policy: r.policy, reason: r.reasons[0] ?? 'blocked', session: sessionOfFacts(r.facts), ...(typeof lane === 'string' ? { lane } : {}) },
    );
  }
};

const appendDecision = (r: DecisionRecord): void =>
  appendVerdicts(() => r.logDir ?? logDirFor(r.startDir, r.env), [
    {
      policy: r.policy,
      policy_version: r.policyVersion,
      mode: r.mode,
      facts: r.facts,
      verdict: r.verdict,
      reasons: r.reasons,
      effects: r.effects ?? [],
      probes: r.probes ?? [],
      ...(r.audit_of === undefined ? {} : { audit_of: r.audit_of }),
      ...(r.audits === undefined ? {} : { audits: r.audits }),
    },
  ]);

/** Append the records of early verdicts (`@arbiter/kernel/early`) of `agent`'s hook, one write (see {@link appendVerdicts}). */
export const recordEarly = (records: ReadonlyArray<EarlyRecord>, agent: Agent, logDir: () => string): void =>
  appendVerdicts(
    logDir,
    records.map((r) => ({ policy: r.policy, policy_version: r.policyVersion, mode: agentLogMode(agent), facts: r.facts, verdict: r.verdict, reasons: [r.reason] })),
  );
