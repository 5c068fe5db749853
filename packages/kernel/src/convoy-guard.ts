/**
 * Convoy guard: the end-of-run audit (convoy-guard.md; policy `convoy-guard`).
 *
 * A pure function over a snapshot the adapter gathered after the run (tasks, per-task event counts, the exported
 * log's record count, ledger rows and markers, probe leases of the breaker book, leftover worktrees). It only
 * reports; it never blocks and changes nothing. Sections: model → decision (`auditRun`) → messages → table.
 */
import type { DecisionTable } from './internal/table.js';
import { SESSION_CHAR, keepOnly } from './internal/text.js';
import { isTerminal, type EmitEvent, type TaskStatus } from './internal/convoy.js';

export const POLICY = 'convoy-guard';
export const POLICY_VERSION = '1.0.0';

// ───────────────────────────────────────── model (convoy-guard.md §2) ─────────────────────────────────────────

/** Check codes in check order (G1 … G12). */
export const GUARD_CODES = [
  'guard-non-terminal',
  'guard-dependent-stranded',
  'guard-event-log-missing',
  'guard-event-log-short',
  'guard-attempts-unlogged',
  'guard-gate-results-missing',
  'guard-tokens-not-totalled',
  'guard-review-undecided',
  'guard-breaker-miscount',
  'guard-ledger-mismatch',
  'guard-probe-dangling',
  'guard-worktrees-left',
  'guard-review-budget-overrun',
] as const;
export type GuardCode = (typeof GUARD_CODES)[number];

/** Review outcomes that merged a change no reviewer accepted (convoy-guard.md §3 G7; review.md §6 outcome codes in kebab-case). */
export const UNREVIEWED_OUTCOMES: ReadonlyArray<string> = ['undecided', 'budget-skipped', 'budget-floor-skipped'];

export interface GuardTask {
  readonly id: string;
  readonly status: TaskStatus;
  readonly phase: number;
  readonly order: number;
  readonly retries: number;
  readonly gatesConfigured: boolean;
  readonly tokens: number;
  /** The task's review record outcome (`reviewed`, `undecided`, `budget-skipped`, …), or null when none. */
  readonly reviewOutcome: string | null;
  /** `depends_on` plus `inputs[].from`. */
  readonly dependsOn: ReadonlyArray<string>;
  readonly attemptAgent: string | null;
}

/** Per-task event counts (convoy-guard.md §2 `events`). Missing tasks count zero everywhere. */
export interface GuardEventCounts {
  readonly taskStarted: number;
  readonly gateResult: number;
  readonly exhaustion: number;
  /** `breaker` events whose input event was `Failure`. */
  readonly breakerFailure: number;
}

export interface RunSnapshot {
  readonly tasks: ReadonlyArray<GuardTask>;
  readonly events: ReadonlyMap<string, GuardEventCounts>;
  /** Records for this run in the exported log, or `missing`. */
  readonly eventLog: number | 'missing';
  readonly run: {
    readonly totalTokens: number | null;
    readonly reviewTokensSpent: number;
    readonly reviewBudget: number | null;
    readonly breakerEnabled: boolean;
  };
  readonly ledger: {
    readonly rows: ReadonlyArray<{ readonly kind: 'dlq' | 'dispute'; readonly id: string }>;
    readonly markers: ReadonlyArray<{ readonly kind: 'dlq' | 'dispute'; readonly id: string }>;
  };
  /**
   * Half-open probe leases of the decoded breaker book (agent and lease-holding task), or null when there is no
   * book. The adapter lists them from the breaker module's decoded book.
   */
  readonly probeLeases: ReadonlyArray<{ readonly agent: string; readonly taskId: string }> | null;
  /** Leftover worktree paths of this run. */
  readonly worktrees: ReadonlyArray<string>;
}

export interface GuardConfig {
  /** Default true. */
  readonly enabled: boolean;
  /** Checks to run, by code; null or absent: all. */
  readonly checks?: ReadonlyArray<GuardCode> | null;
}

export interface GuardWarning {
  readonly code: GuardCode;
  readonly message: string;
  readonly taskIds: ReadonlyArray<string>;
}

export interface AuditResult {
  readonly passed: boolean;
  readonly warnings: ReadonlyArray<GuardWarning>;
  readonly effects: ReadonlyArray<EmitEvent>;
}

// ───────────────────────────────────────── messages ─────────────────────────────────────────

const id = (s: string): string => keepOnly(s, SESSION_CHAR, 128, 'unknown');
const safeText = (s: string): string => s.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?').slice(0, 200);

// ───────────────────────────────────────── decision (convoy-guard.md §3) ─────────────────────────────────────────

const ZERO: GuardEventCounts = { taskStarted: 0, gateResult: 0, exhaustion: 0, breakerFailure: 0 };
const cmpStr = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const byTask = (a: GuardTask, b: GuardTask): number => a.phase - b.phase || a.order - b.order || cmpStr(a.id, b.id);

/**
 * Audit a finished run (convoy-guard.md §3, checks G1–G12, in order).
 *
 * Task-level checks give one warning per offending task, ordered by (phase, plan order, id); run-level checks give
 * one warning; G9 gives one per mismatched ledger id, G10 one per dangling lease, G11 one per worktree (sorted).
 * Choice where the spec is silent: a pending task reported by G2 (stranded) is not reported again by G1 when G2
 * runs, so a single defect yields a single code (GD-4). Disabled → passed with no warnings. Effects: one
 * `EmitEvent guard` (warn, `guard-warnings`) when there are warnings. Output is independent of input list order, except
 * that tasks alike in phase, plan order and id (never two tasks of one plan) keep their input order: the sort is stable.
 */
export const auditRun = (snapshot: RunSnapshot, config: GuardConfig): AuditResult => {
  if (!config.enabled) return { passed: true, warnings: [], effects: [] };
  const selected = new Set<GuardCode>(config.checks ?? GUARD_CODES);
  const on = (c: GuardCode): boolean => selected.has(c);
  const tasks = [...snapshot.tasks].sort(byTask);
  const byId = new Map<string, GuardTask>();
  for (const tk of tasks) if (!byId.has(tk.id)) byId.set(tk.id, tk);
  const ev = (t: string): GuardEventCounts => snapshot.events.get(t) ?? ZERO;
  const w: GuardWarning[] = [];
  const add = (code: GuardCode, message: string, taskIds: ReadonlyArray<string> = []) => w.push({ code, message, taskIds });

  const stranded = (tk: GuardTask): string | undefined =>
    tk.status === 'pending'
      ? tk.dependsOn.find((d) => {
          const dep = byId.get(d);
          return dep !== undefined && isTerminal(dep.status) && dep.status !== 'done';
        })
      : undefined;

  // G1
  if (on('guard-non-terminal')) {
    for (const tk of tasks) {
      if (isTerminal(tk.status)) continue;
      if (on('guard-dependent-stranded') && stranded(tk) !== undefined) continue;
      add('guard-non-terminal', `Task ${id(tk.id)}(${tk.status}) did not reach a terminal status`, [tk.id]);
    }
  }
  // G2
  if (on('guard-dependent-stranded')) {
    for (const tk of tasks) {
      const d = stranded(tk);
      if (d !== undefined) add('guard-dependent-stranded', `Task ${id(tk.id)} is pending but its dependency ${id(d)} ended as ${byId.get(d)?.status}`, [tk.id]);
    }
  }
  // G3
  const doneCount = tasks.filter((tk) => tk.status === 'done').length;
  if (snapshot.eventLog === 'missing') {
    if (on('guard-event-log-missing') && doneCount > 0) add('guard-event-log-missing', `The event log is missing although ${doneCount} task(s) are done`);
  } else if (on('guard-event-log-short') && snapshot.eventLog < doneCount) {
    add('guard-event-log-short', `The event log has ${snapshot.eventLog} record(s) for ${doneCount} done task(s)`);
  }
  // G4
  if (on('guard-attempts-unlogged')) {
    for (const tk of tasks) {
      const started = ev(tk.id).taskStarted;
      if (tk.retries > 0 && started < tk.retries) {
        add('guard-attempts-unlogged', `Task ${id(tk.id)} has ${tk.retries} retries but ${started} task_started event(s)`, [tk.id]);
      }
    }
  }
  // G5
  if (on('guard-gate-results-missing')) {
    for (const tk of tasks) {
      if (tk.status === 'done' && tk.gatesConfigured && ev(tk.id).gateResult === 0) {
        add('guard-gate-results-missing', `Task ${id(tk.id)} is done with gates configured but has no gate_result event`, [tk.id]);
      }
    }
  }
  // G6
  if (on('guard-tokens-not-totalled')) {
    const sum = tasks.reduce((s, tk) => s + (Number.isFinite(tk.tokens) ? tk.tokens : 0), 0);
    if (snapshot.run.totalTokens === null && sum > 0) add('guard-tokens-not-totalled', `The run has no token total although its tasks used ${sum} tokens`);
  }
  // G7
  if (on('guard-review-undecided')) {
    for (const tk of tasks) {
      if (tk.status === 'done' && tk.reviewOutcome !== null && UNREVIEWED_OUTCOMES.includes(tk.reviewOutcome)) {
        add('guard-review-undecided', `Task ${id(tk.id)} was merged after a review with outcome ${id(tk.reviewOutcome)}`, [tk.id]);
      }
    }
  }
  // G8
  if (on('guard-breaker-miscount') && snapshot.run.breakerEnabled) {
    const ids = [...new Set([...tasks.map((tk) => tk.id), ...[...snapshot.events.keys()].sort(cmpStr)])];
    for (const t of ids) {
      const e = ev(t);
      if (e.exhaustion !== e.breakerFailure) {
        add('guard-breaker-miscount', `Task ${id(t)} has ${e.exhaustion} exhaustion event(s) but ${e.breakerFailure} breaker failure(s)`, [t]);
      }
    }
  }
  // G9
  if (on('guard-ledger-mismatch')) {
    const key = (x: { kind: string; id: string }) => `${x.kind}\u0000${x.id}`;
    const rows = new Set(snapshot.ledger.rows.map(key));
    const marks = new Set(snapshot.ledger.markers.map(key));
    const all = [...new Set([...rows, ...marks])].sort(cmpStr);
    for (const k of all) {
      // split at the first NUL only: the kind never holds one, a ledger id may (it is rendered as `?`)
      const cut = k.indexOf('\u0000');
      const kind = k.slice(0, cut);
      const lid = k.slice(cut + 1);
      if (rows.has(k) && !marks.has(k)) add('guard-ledger-mismatch', `Ledger ${kind} row ${safeText(lid)} has no markdown entry`);
      else if (!rows.has(k) && marks.has(k)) add('guard-ledger-mismatch', `Ledger ${kind} markdown entry ${safeText(lid)} has no row`);
    }
  }
  // G10
  if (on('guard-probe-dangling') && snapshot.probeLeases !== null) {
    const rank = (l: { taskId: string }): [number, number, number] => {
      const tk = byId.get(l.taskId);
      return tk === undefined ? [1, 0, 0] : [0, tk.phase, tk.order];
    };
    const leases = [...snapshot.probeLeases].sort((a, b) => {
      const [x0, x1, x2] = rank(a);
      const [y0, y1, y2] = rank(b);
      return x0 - y0 || x1 - y1 || x2 - y2 || cmpStr(a.taskId, b.taskId) || cmpStr(a.agent, b.agent);
    });
    for (const l of leases) {
      const st = byId.get(l.taskId)?.status;
      if (st !== 'assigned' && st !== 'running') {
        add('guard-probe-dangling', `A half-open probe lease of agent ${safeText(l.agent)} is held by task ${id(l.taskId)}, which is ${st ?? 'unknown'}`, [l.taskId]);
      }
    }
  }
  // G11
  if (on('guard-worktrees-left')) {
    for (const p of [...new Set(snapshot.worktrees)].sort(cmpStr)) add('guard-worktrees-left', `Worktree ${safeText(p)} of this run was left behind`);
  }
  // G12
  if (on('guard-review-budget-overrun')) {
    const { reviewBudget: b, reviewTokensSpent: s } = snapshot.run;
    if (b !== null && s > b) add('guard-review-budget-overrun', `Review tokens spent (${s}) exceed the review budget (${b})`);
  }
  const passed = w.length === 0;
  return {
    passed,
    warnings: w,
    effects: passed ? [] : [{ _tag: 'EmitEvent', type: 'guard', severity: 'warn', code: 'guard-warnings', data: { warnings: w.map((x) => ({ code: x.code, taskIds: x.taskIds })) } }],
  };
};

// ───────────────────────────────────────── table ─────────────────────────────────────────

/** A healthy two-task run used by the table: one done task with gates, one exhausted task with a DLQ entry. */
const tableSnapshot = (): RunSnapshot => ({
  tasks: [
    { id: 'build', status: 'done', phase: 1, order: 0, retries: 1, gatesConfigured: true, tokens: 1200, reviewOutcome: 'reviewed', dependsOn: [], attemptAgent: 'developer' },
    { id: 'docs', status: 'failed', phase: 2, order: 1, retries: 0, gatesConfigured: false, tokens: 300, reviewOutcome: null, dependsOn: ['build'], attemptAgent: 'writer' },
  ],
  events: new Map([
    ['build', { taskStarted: 2, gateResult: 1, exhaustion: 0, breakerFailure: 0 }],
    ['docs', { taskStarted: 1, gateResult: 0, exhaustion: 1, breakerFailure: 1 }],
  ]),
  eventLog: 9,
  run: { totalTokens: 1500, reviewTokensSpent: 800, reviewBudget: 1000, breakerEnabled: true },
  ledger: { rows: [{ kind: 'dlq', id: 'dlq:run-1:docs:1' }], markers: [{ kind: 'dlq', id: 'dlq:run-1:docs:1' }] },
  probeLeases: [],
  worktrees: [],
});

/** One defect per code, applied to {@link tableSnapshot}. */
const DEFECTS: ReadonlyArray<readonly [GuardCode, string, (s: RunSnapshot) => RunSnapshot]> = [
  ['guard-non-terminal', 'build is still running', (s) => ({ ...s, tasks: s.tasks.map((t) => (t.id === 'build' ? { ...t, status: 'running', reviewOutcome: null } : t)) })],
  ['guard-dependent-stranded', 'a pending task depends on the failed docs', (s) => ({ ...s, tasks: [...s.tasks, { ...(s.tasks[1] as GuardTask), id: 'publish', status: 'pending', phase: 3, order: 2, dependsOn: ['docs'], tokens: 0 }] })],
  ['guard-event-log-missing', 'the exported log is missing', (s) => ({ ...s, eventLog: 'missing' })],
  ['guard-event-log-short', 'the log has 0 records for 1 done task', (s) => ({ ...s, eventLog: 0 })],
  ['guard-attempts-unlogged', 'build has 1 retry but no task_started event', (s) => ({ ...s, events: new Map([...s.events, ['build', { taskStarted: 0, gateResult: 1, exhaustion: 0, breakerFailure: 0 }]]) })],
  ['guard-gate-results-missing', 'build is done with gates but has no gate_result', (s) => ({ ...s, events: new Map([...s.events, ['build', { taskStarted: 2, gateResult: 0, exhaustion: 0, breakerFailure: 0 }]]) })],
  ['guard-tokens-not-totalled', 'the run total is null', (s) => ({ ...s, run: { ...s.run, totalTokens: null } })],
  ['guard-review-undecided', 'build merged after an undecided review', (s) => ({ ...s, tasks: s.tasks.map((t) => (t.id === 'build' ? { ...t, reviewOutcome: 'undecided' } : t)) })],
  ['guard-breaker-miscount', 'docs has 1 exhaustion but 0 breaker failures', (s) => ({ ...s, events: new Map([...s.events, ['docs', { taskStarted: 1, gateResult: 0, exhaustion: 1, breakerFailure: 0 }]]) })],
  ['guard-ledger-mismatch', 'the DLQ row has no markdown marker', (s) => ({ ...s, ledger: { ...s.ledger, markers: [] } })],
  ['guard-probe-dangling', 'a half-open lease is held by the done build', (s) => ({ ...s, probeLeases: [{ agent: 'developer', taskId: 'build' }] })],
  ['guard-worktrees-left', 'a worktree of the run remains', (s) => ({ ...s, worktrees: ['.arbiter-worktrees/run-1/docs'] })],
  ['guard-review-budget-overrun', 'review tokens 1001 over a budget of 1000', (s) => ({ ...s, run: { ...s.run, reviewTokensSpent: 1001 } })],
];

/** The guard checks, in order: one defect injected into a healthy run per check, through `auditRun`. */
export const table = (): DecisionTable => {
  const healthy = auditRun(tableSnapshot(), { enabled: true });
  const rows = [['—', 'healthy run (all terminal, consistent log, ledger and breaker counts)', healthy.passed ? 'passed' : 'warnings', '—', '—']];
  DEFECTS.forEach(([code, what, apply]) => {
    const r = auditRun(apply(tableSnapshot()), { enabled: true });
    const w = r.warnings[0];
    rows.push([code, what, r.passed ? 'passed' : 'warnings', r.warnings.map((x) => x.code).join(', '), w?.message ?? '—']);
  });
  return {
    policy: POLICY,
    version: POLICY_VERSION,
    title: 'End-of-run audit checks (convoy-guard.md §3), one injected defect each. The audit reports only; it never blocks.',
    columns: ['check', 'defect', 'result', 'warning codes', 'first message'],
    rows,
    notes: [
      'guard.enabled defaults to true (disabled: passed, no warnings); guard.checks selects codes and defaults to all.',
      'A pending task reported as stranded (G2) is not reported again as non-terminal (G1) while G2 runs.',
    ],
  };
};
