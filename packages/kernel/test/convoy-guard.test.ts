import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { convoyGuard } from '@arbiter/kernel';
import { RUNS, deepFreeze } from './arb/freeze.js';

const { auditRun, GUARD_CODES } = convoyGuard;
type GuardCode = convoyGuard.GuardCode;
type GuardTask = convoyGuard.GuardTask;
type RunSnapshot = convoyGuard.RunSnapshot;
type Counts = convoyGuard.GuardEventCounts;

const ALL = { enabled: true } as const;

// ───────────────────────────────────────── arbSnapshot: a healthy run plus a defect injector ─────────────────

interface Mutable {
  tasks: GuardTask[];
  events: Map<string, Counts>;
  eventLog: number | 'missing';
  run: { totalTokens: number | null; reviewTokensSpent: number; reviewBudget: number | null; breakerEnabled: boolean };
  ledger: { rows: Array<{ kind: 'dlq' | 'dispute'; id: string }>; markers: Array<{ kind: 'dlq' | 'dispute'; id: string }> };
  probeLeases: Array<{ agent: string; taskId: string }> | null;
  worktrees: string[];
}

const terminal = ['done', 'done', 'failed', 'timed-out', 'gate-failed', 'review-blocked', 'hook-failed', 'disputed', 'skipped'] as const;

/** A healthy snapshot: all terminal, consistent log, ledger and breaker counts (convoy.md §8 `arbSnapshot`). */
const arbHealthy: fc.Arbitrary<Mutable> = fc
  .record({
    tasks: fc.array(
      fc.record({
        status: fc.constantFrom(...terminal),
        phase: fc.integer({ min: 1, max: 3 }),
        retries: fc.nat(3),
        extraStarts: fc.nat(2),
        gates: fc.boolean(),
        tokens: fc.nat(500),
        review: fc.constantFrom(null, 'reviewed', 'auto-passed', 'budget-downgraded'),
        deps: fc.array(fc.nat(7), { maxLength: 2 }),
      }),
      { minLength: 1, maxLength: 8 },
    ),
    breaker: fc.boolean(),
    extraLog: fc.nat(5),
    budget: fc.option(fc.integer({ min: 1, max: 1000 }), { nil: null }),
    ledgerN: fc.nat(3),
    leasesNull: fc.boolean(),
  })
  .map((g) => {
    const tasks: GuardTask[] = g.tasks.map((t, i) => ({
      id: `t${i}`,
      status: t.status,
      phase: t.phase,
      order: i,
      retries: t.retries,
      gatesConfigured: t.gates,
      tokens: t.tokens,
      reviewOutcome: t.status === 'done' ? t.review : null,
      dependsOn: t.deps.filter((d) => d < i).map((d) => `t${d}`),
      attemptAgent: 'developer',
    }));
    const events = new Map<string, Counts>();
    g.tasks.forEach((t, i) => {
      const failed = !['done', 'skipped'].includes(t.status);
      const ex = failed ? 1 : 0;
      events.set(`t${i}`, { taskStarted: t.retries + 1 + t.extraStarts, gateResult: t.gates ? 1 : 0, exhaustion: ex, breakerFailure: g.breaker ? ex : 0 });
    });
    const done = tasks.filter((t) => t.status === 'done').length;
    const ids = Array.from({ length: g.ledgerN }, (_, i) => ({ kind: 'dlq' as const, id: `dlq:r:t${i}:1` }));
    return {
      tasks,
      events,
      eventLog: done + g.extraLog,
      run: { totalTokens: tasks.reduce((s, t) => s + t.tokens, 0), reviewTokensSpent: g.budget === null ? 50 : Math.floor(g.budget / 2), reviewBudget: g.budget, breakerEnabled: g.breaker },
      ledger: { rows: ids, markers: [...ids] },
      probeLeases: g.leasesNull ? null : [],
      worktrees: [],
    };
  });

const ensureDone = (m: Mutable): GuardTask => {
  const d = m.tasks.find((t) => t.status === 'done');
  if (d !== undefined) return d;
  const t: GuardTask = { id: 'extra-done', status: 'done', phase: 1, order: 99, retries: 0, gatesConfigured: false, tokens: 0, reviewOutcome: null, dependsOn: [], attemptAgent: 'developer' };
  m.tasks.push(t);
  m.events.set(t.id, { taskStarted: 1, gateResult: 0, exhaustion: 0, breakerFailure: 0 });
  if (typeof m.eventLog === 'number') m.eventLog += 1;
  return t;
};
const addDone = (m: Mutable, over: Partial<GuardTask>, ev: Partial<Counts> = {}) => {
  const t: GuardTask = { id: 'injected', status: 'done', phase: 2, order: 50, retries: 0, gatesConfigured: false, tokens: 0, reviewOutcome: null, dependsOn: [], attemptAgent: 'developer', ...over };
  m.tasks.push(t);
  m.events.set(t.id, { taskStarted: 1, gateResult: 0, exhaustion: 0, breakerFailure: 0, ...ev });
  if (typeof m.eventLog === 'number') m.eventLog += 1;
};

/** Inject one defect of the check with the given code. */
const inject = (m: Mutable, code: GuardCode): void => {
  switch (code) {
    case 'guard-non-terminal':
      (m.tasks[0] as { status: string }).status = 'running';
      (m.tasks[0] as { reviewOutcome: unknown }).reviewOutcome = null;
      return;
    case 'guard-dependent-stranded':
      m.tasks.push({ id: 'dead', status: 'failed', phase: 1, order: 60, retries: 0, gatesConfigured: false, tokens: 0, reviewOutcome: null, dependsOn: [], attemptAgent: 'developer' });
      m.events.set('dead', { taskStarted: 1, gateResult: 0, exhaustion: 1, breakerFailure: m.run.breakerEnabled ? 1 : 0 });
      m.tasks.push({ id: 'waiting', status: 'pending', phase: 2, order: 61, retries: 0, gatesConfigured: false, tokens: 0, reviewOutcome: null, dependsOn: ['dead'], attemptAgent: null });
      return;
    case 'guard-event-log-missing':
      ensureDone(m);
      m.eventLog = 'missing';
      return;
    case 'guard-event-log-short': {
      ensureDone(m);
      m.eventLog = m.tasks.filter((t) => t.status === 'done').length - 1;
      return;
    }
    case 'guard-attempts-unlogged': {
      const t = m.tasks[0] as GuardTask;
      const started = (m.events.get(t.id) as Counts).taskStarted;
      (t as { retries: number }).retries = started + 1;
      return;
    }
    case 'guard-gate-results-missing':
      addDone(m, { gatesConfigured: true });
      return;
    case 'guard-tokens-not-totalled':
      (m.tasks[0] as { tokens: number }).tokens += 5;
      m.run.totalTokens = null;
      return;
    case 'guard-review-undecided':
      addDone(m, { reviewOutcome: 'undecided' });
      return;
    case 'guard-breaker-miscount': {
      m.run.breakerEnabled = true;
      for (const [k, v] of m.events) m.events.set(k, { ...v, breakerFailure: v.exhaustion });
      const first = (m.tasks[0] as GuardTask).id;
      const v = m.events.get(first) as Counts;
      m.events.set(first, { ...v, breakerFailure: v.exhaustion + 1 });
      return;
    }
    case 'guard-ledger-mismatch':
      m.ledger.rows.push({ kind: 'dispute', id: 'dispute:r:x:3' });
      return;
    case 'guard-probe-dangling':
      m.probeLeases = [{ agent: 'developer', taskId: (m.tasks[0] as GuardTask).id }];
      return;
    case 'guard-worktrees-left':
      m.worktrees.push('/tmp/arbiter-wt/t0');
      return;
    case 'guard-review-budget-overrun':
      m.run.reviewBudget = 100;
      m.run.reviewTokensSpent = 101;
      return;
  }
};

const freeze = (m: Mutable): RunSnapshot => deepFreeze(structuredClone(m));
const codes = (s: RunSnapshot, cfg: convoyGuard.GuardConfig = ALL) => auditRun(s, cfg).warnings.map((w) => w.code);

// ───────────────────────────────────────── examples per check ─────────────────────────────────────────

describe('auditRun checks (convoy-guard.md §3)', () => {
  const base = (): Mutable => ({
    tasks: [
      { id: 'a', status: 'done', phase: 1, order: 0, retries: 1, gatesConfigured: true, tokens: 10, reviewOutcome: 'reviewed', dependsOn: [], attemptAgent: 'dev' },
      { id: 'b', status: 'failed', phase: 2, order: 1, retries: 0, gatesConfigured: false, tokens: 5, reviewOutcome: null, dependsOn: ['a'], attemptAgent: 'dev' },
    ],
    events: new Map([
      ['a', { taskStarted: 2, gateResult: 1, exhaustion: 0, breakerFailure: 0 }],
      ['b', { taskStarted: 1, gateResult: 0, exhaustion: 1, breakerFailure: 1 }],
    ]),
    eventLog: 1,
    run: { totalTokens: 15, reviewTokensSpent: 100, reviewBudget: 100, breakerEnabled: true },
    ledger: { rows: [{ kind: 'dlq', id: 'dlq:r:b:1' }], markers: [{ kind: 'dlq', id: 'dlq:r:b:1' }] },
    probeLeases: [],
    worktrees: [],
  });
  test('a healthy run passes; boundaries: log count equal to done tasks, spent equal to budget, started equal to retries', () => {
    const m = base();
    m.events.set('a', { taskStarted: 1, gateResult: 1, exhaustion: 0, breakerFailure: 0 });
    expect(auditRun(freeze(m), ALL)).toEqual({ passed: true, warnings: [], effects: [] });
  });
  test('G1 lists id(status)', () => {
    const m = base();
    (m.tasks[1] as { status: string }).status = 'running';
    const r = auditRun(freeze(m), ALL);
    expect(r.warnings).toEqual([{ code: 'guard-non-terminal', message: 'Task b(running) did not reach a terminal status', taskIds: ['b'] }]);
    expect(r.effects).toEqual([{ _tag: 'EmitEvent', type: 'guard', severity: 'warn', code: 'guard-warnings', data: { warnings: [{ code: 'guard-non-terminal', taskIds: ['b'] }] } }]);
  });
  test('G2 stranded dependent; G1 still reports it when G2 is not selected', () => {
    const m = base();
    m.tasks.push({ id: 'c', status: 'pending', phase: 3, order: 2, retries: 0, gatesConfigured: false, tokens: 0, reviewOutcome: null, dependsOn: ['b'], attemptAgent: null });
    expect(codes(freeze(m))).toEqual(['guard-dependent-stranded']);
    expect(codes(freeze(m), { enabled: true, checks: ['guard-non-terminal'] })).toEqual(['guard-non-terminal']);
  });
  test('G3 missing log only matters with a done task; one below the done count is short', () => {
    const m = base();
    m.eventLog = 0;
    expect(codes(freeze(m))).toEqual(['guard-event-log-short']);
    m.eventLog = 'missing';
    expect(codes(freeze(m))).toEqual(['guard-event-log-missing']);
    (m.tasks[0] as { status: string }).status = 'skipped';
    (m.tasks[0] as { reviewOutcome: unknown }).reviewOutcome = null;
    expect(codes(freeze(m))).toEqual([]);
  });
  test('G4 fewer task_started events than retries (one below)', () => {
    const m = base();
    m.events.set('a', { taskStarted: 0, gateResult: 1, exhaustion: 0, breakerFailure: 0 });
    expect(codes(freeze(m))).toEqual(['guard-attempts-unlogged']);
  });
  test('G5 done with gates but no gate_result of its own', () => {
    const m = base();
    m.events.set('a', { taskStarted: 2, gateResult: 0, exhaustion: 0, breakerFailure: 0 });
    m.events.set('b', { taskStarted: 1, gateResult: 3, exhaustion: 1, breakerFailure: 1 });
    expect(codes(freeze(m))).toEqual(['guard-gate-results-missing']);
  });
  test('G6 no total while tasks used tokens; none needed when they used 0', () => {
    const m = base();
    m.run.totalTokens = null;
    expect(codes(freeze(m))).toEqual(['guard-tokens-not-totalled']);
    (m.tasks[0] as { tokens: number }).tokens = 0;
    (m.tasks[1] as { tokens: number }).tokens = 0;
    expect(codes(freeze(m))).toEqual([]);
  });
  test('G7 merged after undecided or budget-skipped reviews', () => {
    for (const o of ['undecided', 'budget-skipped', 'budget-floor-skipped']) {
      const m = base();
      (m.tasks[0] as { reviewOutcome: string }).reviewOutcome = o;
      expect(codes(freeze(m))).toEqual(['guard-review-undecided']);
    }
  });
  test('G8 breaker miscount only when the breaker is enabled', () => {
    const m = base();
    m.events.set('b', { taskStarted: 1, gateResult: 0, exhaustion: 1, breakerFailure: 2 });
    expect(codes(freeze(m))).toEqual(['guard-breaker-miscount']);
    m.run.breakerEnabled = false;
    expect(codes(freeze(m))).toEqual([]);
  });
  test('G9 row without marker and marker without row', () => {
    const m = base();
    m.ledger.markers = [{ kind: 'dispute', id: 'dispute:r:b:3' }];
    const r = auditRun(freeze(m), ALL);
    expect(r.warnings.map((w) => w.message)).toEqual(['Ledger dispute markdown entry dispute:r:b:3 has no row', 'Ledger dlq row dlq:r:b:1 has no markdown entry']);
  });
  test('G10 dangling lease; a running holder is fine', () => {
    const m = base();
    m.probeLeases = [{ agent: 'dev', taskId: 'a' }];
    expect(codes(freeze(m))).toEqual(['guard-probe-dangling']);
    (m.tasks[1] as { status: string }).status = 'running';
    m.probeLeases = [{ agent: 'dev', taskId: 'b' }];
    expect(codes(freeze(m))).toEqual(['guard-non-terminal']);
  });
  test('G11 worktrees left; G12 budget overrun one above, not at', () => {
    const m = base();
    m.worktrees = ['/w/2', '/w/1'];
    expect(auditRun(freeze(m), ALL).warnings.map((w) => w.message)).toEqual(['Worktree /w/1 of this run was left behind', 'Worktree /w/2 of this run was left behind']);
    const n = base();
    n.run.reviewTokensSpent = 101;
    expect(codes(freeze(n))).toEqual(['guard-review-budget-overrun']);
  });
  test('messages render task ids with session characters only (unknown when none is left) and other text without controls, 200 at most', () => {
    const m = base();
    m.tasks.push({ id: 'x y\u0007z', status: 'running', phase: 3, order: 2, retries: 0, gatesConfigured: false, tokens: 0, reviewOutcome: null, dependsOn: [], attemptAgent: null });
    m.tasks.push({ id: '!!', status: 'running', phase: 3, order: 3, retries: 0, gatesConfigured: false, tokens: 0, reviewOutcome: null, dependsOn: [], attemptAgent: null });
    m.worktrees = ['/w/a\nb\u0085c\u007f', '/' + 'p'.repeat(300)];
    m.ledger.rows.push({ kind: 'dispute', id: 'd\u0000x' });
    m.probeLeases = [{ agent: 'dev\tops', taskId: 'b' }];
    expect(auditRun(freeze(m), ALL).warnings.map((w) => w.message)).toEqual([
      'Task xyz(running) did not reach a terminal status',
      'Task unknown(running) did not reach a terminal status',
      'Ledger dispute row d?x has no markdown entry',
      'A half-open probe lease of agent dev?ops is held by task b, which is failed',
      `Worktree ${'/' + 'p'.repeat(199)} of this run was left behind`,
      'Worktree /w/a?b?c? of this run was left behind',
    ]);
    expect(auditRun(freeze({ ...base(), worktrees: ['x'.repeat(200)] }), ALL).warnings[0]?.message).toBe(`Worktree ${'x'.repeat(200)} of this run was left behind`);
  });
  test('G10 orders leases by their holder (phase, plan order), then unknown holders by task and agent; an assigned holder is fine', () => {
    const m = base();
    m.tasks.push({ id: 'z', status: 'done', phase: 1, order: 5, retries: 0, gatesConfigured: false, tokens: 0, reviewOutcome: null, dependsOn: [], attemptAgent: null });
    m.tasks.push({ id: 'q', status: 'assigned', phase: 1, order: 6, retries: 0, gatesConfigured: false, tokens: 0, reviewOutcome: null, dependsOn: [], attemptAgent: null });
    m.probeLeases = [
      { agent: 'b2', taskId: 'gone' },
      { agent: 'b1', taskId: 'gone' },
      { agent: 'x', taskId: 'b' },
      { agent: 'x', taskId: 'ghost' },
      { agent: 'x', taskId: 'q' },
      { agent: 'x', taskId: 'z' },
      { agent: 'x', taskId: 'a' },
    ];
    const w = auditRun(freeze(m), { enabled: true, checks: ['guard-probe-dangling'] }).warnings;
    expect(w.map((x) => x.message)).toEqual([
      'A half-open probe lease of agent x is held by task a, which is done',
      'A half-open probe lease of agent x is held by task z, which is done',
      'A half-open probe lease of agent x is held by task b, which is failed',
      'A half-open probe lease of agent x is held by task ghost, which is unknown',
      'A half-open probe lease of agent b1 is held by task gone, which is unknown',
      'A half-open probe lease of agent b2 is held by task gone, which is unknown',
    ]);
    expect(w.map((x) => x.taskIds)).toEqual([['a'], ['z'], ['b'], ['ghost'], ['gone'], ['gone']]);
    expect(auditRun(freeze({ ...m, probeLeases: null }), { enabled: true, checks: ['guard-probe-dangling'] }).warnings).toEqual([]);
  });
  test('G6 ignores a task token count that is not finite', () => {
    const m = base();
    m.run.totalTokens = null;
    (m.tasks[0] as { tokens: number }).tokens = Number.POSITIVE_INFINITY;
    (m.tasks[1] as { tokens: number }).tokens = Number.NaN;
    expect(codes(m as RunSnapshot)).toEqual([]);
    (m.tasks[1] as { tokens: number }).tokens = 3;
    expect(auditRun(m as RunSnapshot, ALL).warnings.map((w) => w.message)).toEqual(['The run has no token total although its tasks used 3 tokens']);
  });
  test('G8 also checks event counts of tasks the plan does not list, after the plan tasks, by id', () => {
    const m = base();
    m.events.set('zz', { taskStarted: 0, gateResult: 0, exhaustion: 2, breakerFailure: 0 });
    m.events.set('yy', { taskStarted: 0, gateResult: 0, exhaustion: 0, breakerFailure: 1 });
    m.events.set('b', { taskStarted: 1, gateResult: 0, exhaustion: 1, breakerFailure: 0 });
    const w = auditRun(freeze(m), ALL).warnings;
    expect(w.map((x) => [x.code, x.message, x.taskIds])).toEqual([
      ['guard-breaker-miscount', 'Task b has 1 exhaustion event(s) but 0 breaker failure(s)', ['b']],
      ['guard-breaker-miscount', 'Task yy has 0 exhaustion event(s) but 1 breaker failure(s)', ['yy']],
      ['guard-breaker-miscount', 'Task zz has 2 exhaustion event(s) but 0 breaker failure(s)', ['zz']],
    ]);
  });
  test('G2 needs a pending task and a dependency that ended other than done; the message names the dependency and its status', () => {
    const pending = (dependsOn: string[], status: 'pending' | 'running' = 'pending'): GuardTask => ({ id: 'c', status, phase: 3, order: 2, retries: 0, gatesConfigured: false, tokens: 0, reviewOutcome: null, dependsOn, attemptAgent: null });
    const run = (t: GuardTask, extra: GuardTask[] = []) => {
      const m = base();
      m.tasks.push(t, ...extra);
      return auditRun(freeze(m), ALL).warnings.map((w) => [w.code, w.message]);
    };
    expect(run(pending(['a', 'b']))).toEqual([['guard-dependent-stranded', 'Task c is pending but its dependency b ended as failed']]);
    expect(run(pending(['a']))).toEqual([['guard-non-terminal', 'Task c(pending) did not reach a terminal status']]);
    expect(run(pending(['nobody']))).toEqual([['guard-non-terminal', 'Task c(pending) did not reach a terminal status']]);
    expect(run(pending(['b'], 'running'))).toEqual([['guard-non-terminal', 'Task c(running) did not reach a terminal status']]);
    const live: GuardTask = { id: 'l', status: 'running', phase: 3, order: 3, retries: 0, gatesConfigured: false, tokens: 0, reviewOutcome: null, dependsOn: [], attemptAgent: null };
    expect(run(pending(['l']), [live]).map((x) => x[0])).toEqual(['guard-non-terminal', 'guard-non-terminal']);
  });
  test('a duplicated task id: the first in (phase, plan order) stands for the id', () => {
    const m = base();
    m.tasks.push({ id: 'b', status: 'running', phase: 9, order: 9, retries: 0, gatesConfigured: false, tokens: 0, reviewOutcome: null, dependsOn: [], attemptAgent: null });
    m.probeLeases = [{ agent: 'dev', taskId: 'b' }];
    expect(auditRun(freeze(m), { enabled: true, checks: ['guard-probe-dangling'] }).warnings.map((w) => w.message)).toEqual([
      'A half-open probe lease of agent dev is held by task b, which is failed',
    ]);
  });
  test('a run whose only warning is G12 emits one guard event carrying it', () => {
    const m = base();
    m.run.reviewTokensSpent = 150;
    expect(auditRun(freeze(m), ALL)).toEqual({
      passed: false,
      warnings: [{ code: 'guard-review-budget-overrun', message: 'Review tokens spent (150) exceed the review budget (100)', taskIds: [] }],
      effects: [{ _tag: 'EmitEvent', type: 'guard', severity: 'warn', code: 'guard-warnings', data: { warnings: [{ code: 'guard-review-budget-overrun', taskIds: [] }] } }],
    });
    m.run.reviewBudget = null;
    expect(codes(freeze(m))).toEqual([]);
  });
  test('warnings ordered by check number, then by (phase, plan order, id)', () => {
    const m = base();
    m.worktrees = ['/w'];
    (m.tasks[0] as { status: string }).status = 'running';
    (m.tasks[1] as { status: string }).status = 'assigned';
    m.run.totalTokens = null;
    expect(auditRun(freeze(m), ALL).warnings.map((w) => [w.code, w.taskIds.join()])).toEqual([
      ['guard-non-terminal', 'a'],
      ['guard-non-terminal', 'b'],
      ['guard-tokens-not-totalled', ''],
      ['guard-worktrees-left', ''],
    ]);
  });
  test('tasks given in any order are warned in (phase, plan order, id) order; full ties keep their input order', () => {
    const t = (id: string, phase: number, order: number, status: 'running' | 'assigned' = 'running'): GuardTask =>
      ({ id, status, phase, order, retries: 0, gatesConfigured: false, tokens: 0, reviewOutcome: null, dependsOn: [], attemptAgent: null });
    const m = base();
    m.tasks = [t('c', 2, 0), t('b', 1, 5), t('z', 1, 3), t('a', 1, 3), t('d', 3, 1)];
    expect(auditRun(freeze(m), ALL).warnings.map((w) => w.taskIds.join())).toEqual(['a', 'z', 'b', 'c', 'd']);
    // two tasks alike in phase, plan order and id (no plan lists such a pair) keep the order they were given in
    m.tasks = [t('x', 1, 0, 'running'), t('x', 1, 0, 'assigned')];
    expect(auditRun(freeze(m), ALL).warnings.map((w) => w.message)).toEqual(['Task x(running) did not reach a terminal status', 'Task x(assigned) did not reach a terminal status']);
    m.tasks.reverse();
    expect(auditRun(freeze(m), ALL).warnings.map((w) => w.message)).toEqual(['Task x(assigned) did not reach a terminal status', 'Task x(running) did not reach a terminal status']);
  });
  test('each task-level warning names its task in taskIds (G2, G4, G5, G7); run-level ones name none', () => {
    const m = base();
    m.tasks.push({ id: 'c', status: 'pending', phase: 3, order: 2, retries: 0, gatesConfigured: false, tokens: 0, reviewOutcome: null, dependsOn: ['b'], attemptAgent: null });
    m.tasks.push({ id: 'g', status: 'done', phase: 3, order: 3, retries: 2, gatesConfigured: true, tokens: 0, reviewOutcome: 'undecided', dependsOn: [], attemptAgent: 'dev' });
    m.events.set('g', { taskStarted: 1, gateResult: 0, exhaustion: 0, breakerFailure: 0 });
    m.eventLog = 2;
    expect(auditRun(freeze(m), ALL).warnings.map((w) => [w.code, w.taskIds])).toEqual([
      ['guard-dependent-stranded', ['c']],
      ['guard-attempts-unlogged', ['g']],
      ['guard-gate-results-missing', ['g']],
      ['guard-review-undecided', ['g']],
    ]);
  });
  test('G5 and G7 judge done tasks only: a failed task with gates and no gate_result, or with an undecided review, is not warned', () => {
    const m = base();
    const b = m.tasks[1] as { gatesConfigured: boolean; reviewOutcome: string | null };
    b.gatesConfigured = true;
    b.reviewOutcome = 'undecided';
    expect(codes(freeze(m))).toEqual([]);
  });
});

// ───────────────────────────────────────── convoy-guard.md §4 properties ─────────────────────────────────────────

const arbCode = fc.constantFrom(...GUARD_CODES);

describe('guard properties (convoy-guard.md §4)', () => {
  test('GD-1 disabled → passed, no warnings', () => {
    fc.assert(
      fc.property(arbHealthy, fc.array(arbCode, { maxLength: 4 }), (m, defects) => {
        for (const d of defects) inject(m, d);
        expect(auditRun(freeze(m), { enabled: false })).toEqual({ passed: true, warnings: [], effects: [] });
      }),
      RUNS,
    );
  });
  test('GD-2 passed ⇔ the warning list is empty', () => {
    fc.assert(
      fc.property(arbHealthy, fc.array(arbCode, { maxLength: 3 }), (m, defects) => {
        for (const d of defects) inject(m, d);
        const r = auditRun(freeze(m), ALL);
        expect(r.passed).toBe(r.warnings.length === 0);
        expect(r.effects.length).toBe(r.passed ? 0 : 1);
      }),
      RUNS,
    );
  });
  test('GD-3 a healthy snapshot yields no warnings', () => {
    fc.assert(
      fc.property(arbHealthy, (m) => {
        expect(auditRun(freeze(m), ALL).warnings).toEqual([]);
      }),
      RUNS,
    );
  });
  test('GD-4 one defect of check k yields warnings whose codes are exactly {k}', () => {
    fc.assert(
      fc.property(arbHealthy, arbCode, (m, k) => {
        inject(m, k);
        expect([...new Set(codes(freeze(m)))]).toEqual([k]);
      }),
      RUNS,
    );
  });
  test('GD-5 the output does not change under permutation of any input list', () => {
    fc.assert(
      fc.property(arbHealthy, fc.array(arbCode, { maxLength: 4 }), fc.nat(), (m, defects, seed) => {
        for (const d of defects) inject(m, d);
        m.worktrees.push('/w/b', '/w/a');
        const shuffle = <T>(xs: T[]): T[] => {
          const a = [...xs];
          let s = seed + 1;
          for (let i = a.length - 1; i > 0; i--) {
            s = (s * 1103515245 + 12345) % 2147483648;
            const j = s % (i + 1);
            [a[i], a[j]] = [a[j] as T, a[i] as T];
          }
          return a;
        };
        const p: Mutable = {
          ...m,
          tasks: shuffle(m.tasks),
          events: new Map(shuffle([...m.events])),
          ledger: { rows: shuffle(m.ledger.rows), markers: shuffle(m.ledger.markers) },
          probeLeases: m.probeLeases === null ? null : shuffle(m.probeLeases),
          worktrees: shuffle(m.worktrees),
        };
        expect(auditRun(freeze(p), ALL)).toEqual(auditRun(freeze(m), ALL));
      }),
      RUNS,
    );
  });
  test('GD-6 every warning code is among the selected checks', () => {
    fc.assert(
      fc.property(arbHealthy, fc.array(arbCode, { maxLength: 5 }), fc.subarray([...GUARD_CODES]), (m, defects, checks) => {
        for (const d of defects) inject(m, d);
        for (const c of codes(freeze(m), { enabled: true, checks })) expect(checks).toContain(c);
      }),
      RUNS,
    );
  });
});

describe('table', () => {
  test('every check appears once, each row flags exactly its own code, the healthy row passes', () => {
    const t = convoyGuard.table();
    expect(t.rows[0]?.[2]).toBe('passed');
    expect(t.rows.slice(1).map((r) => [r[0], r[3]])).toEqual(GUARD_CODES.map((c) => [c, c]));
  });
});
