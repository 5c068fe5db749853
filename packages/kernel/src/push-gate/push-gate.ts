/**
 * Namespace `pushGate` of `@arbiter/kernel` (push-gate.md, policies `push-gate`, `push-release`, `deploy`,
 * `lane-cli`, `context`, all version 1.0.0): the namespace's face. The decision is split over this folder and
 * re-exported here: `config.ts` (configuration and naming, push-gate.md §3), `lanes.ts` (lane records and transitions, push-gate.md §5.4),
 * `text.ts` (helpers and message templates, push-gate.md §13), `step.ts` (the gate step, its step driver and host rendering,
 * push-gate.md §8, push-gate.md §14), `verbs.ts` (the verbs, push-gate.md §9–12). The classifier (push-gate.md §6, `classifier.ts` over the shared shell lexer in
 * `shell/`), destination resolution (push-gate.md §6.9, `destinations.ts`) and the pre-push parser (push-gate.md §7, `pre-push.ts`) form the
 * `pushClassifier` namespace; the names the gate's users need are re-exported here too. Here: the simulation
 * driver and the table.
 */
import type { DecisionTable } from '../internal/table.js';
import { runStepsSync } from '../internal/step.js';
import type { ConfigState } from '../config.js';
import {
  GATE_REASONS,
  POLICY,
  POLICY_VERSION,
  driver,
  prepareFacts,
  planLimitVerdict,
  renderGate,
  type ClaimAttempt,
  type CompatFact,
  type GateEffect,
  type GateFacts,
  type GateProbe,
  type GateAnswers,
  type GateProbeAnswer,
  type IdentityFact,
  type RepoFact,
  type GateVerdict,
  type StateFact,
  type GateRefs,
} from './step.js';


export * from './config.js';
export * from './lanes.js';
export * from './text.js';
export * from './step.js';
export * from './verbs.js';
export { classifyPushCommand } from './classifier.js';
export { parsePrePushInput } from './pre-push.js';
export type { PushClassification, PushInvocation, PushTarget, DirHint } from './model.js';
export type { RefsFacts } from './destinations.js';
export type { PrePushInput, PrePushLine } from './pre-push.js';

/** Scripted probe answers for {@link simulate}: each returns the fact to merge for one probe. */
export interface Script {
  readonly repo: () => RepoFact;
  readonly refs: () => GateRefs;
  readonly identity: () => IdentityFact;
  /** `attempt` is 1-based. */
  readonly claim: (lane: string, attempt: number) => ClaimAttempt;
  readonly compat: (ref: string) => CompatFact;
  readonly state: () => StateFact;
  /** Simulated ms each probe takes (default 0). */
  readonly cost?: (p: GateProbe) => number;
}

/** One simulated run: every `Need` list in order, the verdict, effects and the number of step calls. */
export interface SimRun {
  readonly needs: ReadonlyArray<ReadonlyArray<GateProbe>>;
  readonly verdict: GateVerdict;
  readonly effects: ReadonlyArray<GateEffect>;
  readonly steps: number;
  readonly facts: GateFacts;
}

const probeAnswer = (p: GateProbe, script: Script): GateProbeAnswer => {
  switch (p._tag) {
    case 'repo':
      return { _tag: 'repo', value: script.repo() };
    case 'refs':
      return { _tag: 'refs', value: script.refs() };
    case 'identity':
      return { _tag: 'identity', value: script.identity() };
    case 'claim':
      return { _tag: 'claim', value: script.claim(p.lane, p.attempt) };
    case 'compat':
      return { _tag: 'compat', value: script.compat(p.ref) };
    case 'state':
      return { _tag: 'state', value: script.state() };
  }
};

/**
 * A pure driver: run `gateStep` with scripted probe answers through `runStepsSync` (all probes of a `Need` answered
 * before the next call, `delay_ms` and `cost` added to `elapsed_ms`) until `Done` or `MAX_PLAN_STEPS`
 * (→ `AllowLoud plan-limit`). Used by the table, the properties and simulations.
 */
export const simulate = (initial: GateFacts, script: Script): SimRun => {
  const needs: GateProbe[][] = [];
  const r = runStepsSync(driver, prepareFacts(initial), (probes, f): GateAnswers => {
    needs.push([...probes]);
    const elapsed = probes.reduce((e, p) => e + (p._tag === 'claim' ? p.delay_ms : 0) + (script.cost?.(p) ?? 0), f.elapsed_ms);
    return { answers: probes.map((p) => probeAnswer(p, script)), elapsed_ms: elapsed };
  });
  return r._tag === 'Done'
    ? { needs, verdict: r.outcome, effects: r.effects, steps: r.steps, facts: r.facts }
    : { needs, verdict: planLimitVerdict(), effects: [], steps: r.steps, facts: r.facts };
};

// ───────────────────────────────────────── table ─────────────────────────────────────────

const CONFIGURED: ConfigState = { _tag: 'Configured', config: { version: 1 } };
const OID_A = 'a'.repeat(40);
const OID_B = 'b'.repeat(40);
const REFS: GateRefs = {
  head_branch: 'main',
  head_oid: OID_A,
  default_remote: 'origin',
  branches: { main: OID_A, 'feature/x': OID_B },
  tags: {},
  objects: {},
};
const VIEW = (halt: boolean) => ({
  lanes: [],
  halts: halt ? [{ halt_id: '0123456789abcdef', target_session: 's-A', by_handle: 'ops@example.com', by_session: 's-O', reason: 'stop', created_at: 0, age_sec: 5, open: true }] : [],
  placed: [],
});

type ClaimKind = 'granted' | 'reclaimed' | 'held' | 'transport' | 'contended×3' | 'contended→granted' | 'forbidden' | 'other';
const claimOf = (k: ClaimKind, attempt: number): ClaimAttempt => {
  switch (k) {
    case 'granted':
      return { _tag: 'Granted', fence: 8, reclaimed: false };
    case 'reclaimed':
      return { _tag: 'Granted', fence: 7, reclaimed: true };
    case 'held':
      return { _tag: 'Held', holder_handle: 'ana@example.com', holder_instance: 'f'.repeat(32), heartbeat_age_sec: 95 };
    case 'contended→granted':
      return attempt < 2 ? { _tag: 'Failure', kind: 'contended', status: 'EAGAIN' } : { _tag: 'Granted', fence: 8, reclaimed: false };
    case 'contended×3':
      return { _tag: 'Failure', kind: 'contended', status: 'EAGAIN' };
    default:
      return { _tag: 'Failure', kind: k, status: k };
  }
};

/**
 * The push-gate decision table (agent mode, Claude Code host) over an abstract domain: command kind × config ×
 * dry-run/break-glass × identity × claim answer × halt × compat. Rows that would repeat the same verdict for a
 * dimension the rule never reads are collapsed (e.g. a non-deploy push never reaches the claim column).
 */
export const table = (): DecisionTable => {
  const rows: string[][] = [];
  const run = (label: string, command: string, o: {
    config?: ConfigState | 'not-repo';
    dry?: boolean;
    bg?: boolean;
    id?: boolean;
    claim?: ClaimKind;
    halt?: boolean;
    compat?: CompatFact['result'];
  }) => {
    const facts: GateFacts = {
      mode: 'agent',
      agent: 'claude',
      payload: { tool_name: 'Bash', session_id: 's-A', cwd: '/repo', tool_use_id: 't1', tool_input: { command } },
      dry_run: o.dry ?? false,
      break_glass: o.bg ?? false,
      break_glass_reason: o.bg ? 'hotfix' : null,
      elapsed_ms: 0,
    };
    const r = simulate(facts, {
      repo: () => (o.config === 'not-repo' ? { kind: 'not-repo' } : { kind: 'repo', top: '/repo', common_dir: '/repo/.git', shallow: false, config: o.config ?? CONFIGURED }),
      refs: () => REFS,
      identity: () => (o.id === false ? { ok: false } : { ok: true, member: 'me@example.com', session: 's-A', instance: 'e'.repeat(32), host: 'laptop' }),
      claim: (_l, a) => claimOf(o.claim ?? 'granted', a),
      compat: () => ({ result: o.compat ?? 'fast-forward', remote_present: false }),
      state: () => ({ ok: true, view: VIEW(o.halt ?? false) }),
    });
    const probes = [...new Set(r.needs.flat().map((p) => p._tag))].join(', ') || '—';
    rows.push([
      label,
      o.config === undefined ? 'ok' : o.config === 'not-repo' ? 'not a repo' : o.config._tag === 'Invalid' ? 'invalid' : o.config._tag === 'NotConfigured' ? 'absent' : o.config.config.lanes?.enabled === false ? 'disabled' : 'force rewrite allowed',
      o.dry ? 'yes' : '—',
      o.bg ? 'yes' : '—',
      o.id === false ? 'failed' : 'ok',
      o.claim ?? 'granted',
      o.halt ? 'yes' : 'no',
      o.compat ?? 'fast-forward',
      probes,
      r.verdict._tag,
      r.verdict.reasons.join(' + '),
      r.effects.map((e) => e._tag).join(', ') || '—',
      String(renderGate(r.verdict, 'claude').exit),
    ]);
  };
  run('`npm test`', 'npm test', {});
  run('`git push origin feature/x`', 'git push origin feature/x', {});
  run('`git push origin :main` (delete)', 'git push origin :main', {});
  run('`git push origin main`', 'git push origin main', { config: 'not-repo' });
  run('`git push origin main`', 'git push origin main', { config: { _tag: 'NotConfigured' } });
  run('`git push origin main`', 'git push origin main', { config: { _tag: 'Invalid', detail: 'x' } });
  run('`git push origin main`', 'git push origin main', { config: { _tag: 'Configured', config: { version: 1, lanes: { enabled: false } } } });
  run('`git push origin main`', 'git push origin main', { dry: true });
  run('`git push origin main`', 'git push origin main', { dry: true, bg: true });
  run('`git push origin main`', 'git push origin main', { id: false });
  run('`git push origin main`', 'git push origin main', { bg: true });
  const claimKinds: ClaimKind[] = ['granted', 'reclaimed', 'held', 'transport', 'contended×3', 'contended→granted', 'forbidden', 'other'];
  for (const claim of claimKinds) {
    for (const halt of [false, true]) {
      const compats: CompatFact['result'][] = claim === 'granted' || claim === 'reclaimed' ? ['fast-forward', 'behind', 'unknown', 'new-ref'] : ['fast-forward'];
      for (const compat of compats) run('`git push origin main`', 'git push origin main', { claim, halt, compat });
    }
  }
  // F1: a confirmed forced rewrite blocks whatever the claim answered (push-gate.md §8.6 F1).
  for (const claim of ['granted', 'reclaimed', 'held', 'transport', 'contended×3', 'forbidden'] as const) {
    for (const halt of claim === 'held' || claim === 'granted' ? [false, true] : [false]) run('`git push -f origin main`', 'git push -f origin main', { claim, halt, compat: 'behind' });
  }
  run('`git push -f origin main`', 'git push -f origin main', { claim: 'held', compat: 'fast-forward' });
  run('`git push -f origin main`', 'git push -f origin main', { compat: 'behind', config: { _tag: 'Configured', config: { version: 1, lanes: { block_force_rewrite: false } } } });
  return {
    // The table is published as `gate-push` (the hook's name: `arbiter table gate-push`); decision-log entries of
    // these verdicts carry the policy id `push-gate`.
    policy: 'gate-push',
    version: POLICY_VERSION,
    title: 'PreToolUse gate for a Bash command in agent mode (Claude Code rendering), on a clone whose current branch is `main`.',
    columns: ['command', 'config', 'dry run', 'break-glass', 'identity', 'claim answer', 'halt for us', 'compat', 'probes requested', 'verdict', 'reasons', 'effects', 'claude exit'],
    rows,
    notes: [
      `Decision-log policy id of these verdicts: ${POLICY}.`,
      'Default deploy refs: refs/heads/main, refs/heads/master, refs/heads/production, refs/heads/release/* (per-ref), refs/tags/* (shared).',
      'Fail direction: open and loud. Block only on a verified halt directed at this session or a completed compat probe that found the remote not an ancestor.',
      'A confirmed forced rewrite (compat `behind` for a forced target) blocks whatever the claim answered, before branch H (rule F1).',
      'Retries: contended claims only, at most 2, backoff 150 ms then 300 ms, only while elapsed + backoff + 2500 + 250 ≤ 4000 ms.',
      `Verdict tags by reason: ${Object.entries(GATE_REASONS).map(([k, v]) => `${k}→${v}`).join(', ')}.`,
    ],
  };
};
