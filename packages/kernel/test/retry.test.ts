import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { retry, secrets } from '@arbiter/kernel';
import { RUNS, deepFreeze } from './arb/freeze.js';
import { arbAnySecret, arbText } from './arb/secrets.js';
import { arbDag } from './arb/dag.js';

const { decideAfterFailure, renderNote, composePrompt, exhaust, cascadeTargets, buildLedgerEntry, KINDS, FAILURE_KINDS } = retry;
type Failure = retry.Failure;
type FailureKind = retry.FailureKind;
type TaskStatus = Parameters<typeof cascadeTargets>[1] extends ReadonlyMap<string, infer S> ? S : never;
type Mode = 'dlq' | 'skip' | 'stop';

const NOW = 1_700_000_000_000;
const facts = (over: Partial<retry.RetryFacts> = {}): retry.RetryFacts =>
  deepFreeze({ onFailure: 'continue', breakerEnabled: true, interrupted: false, dispatchStopped: false, attemptAgent: 'developer', allowlist: [], ...over });
const gate = (output = 'FAIL'): Failure => ({ kind: 'gate', details: { command: 'npm test', exitCode: 1, output } });
const emptyGraph: retry.ExhaustGraph = { tasks: [], statuses: new Map() };
const run = (over: Partial<retry.ExhaustRunFacts> = {}): retry.ExhaustRunFacts => ({ runId: 'run1', onFailure: 'continue', breakerEnabled: true, attemptAgent: 'developer', ...over });

/** Output text: arbitrary text with secrets planted, sometimes long. */
const arbOutput = fc.oneof(
  fc.array(fc.oneof(arbText, arbAnySecret.map((s) => s.secret)), { maxLength: 6 }).map((p) => p.join(' ')),
  fc.tuple(fc.string({ maxLength: 30 }), fc.integer({ min: 50, max: 400 }), arbAnySecret).map(([s, n, k]) => `${s} ${k.secret}\n`.repeat(n)),
);

const arbFailure: fc.Arbitrary<Failure> = fc.constantFrom(...FAILURE_KINDS).chain((kind): fc.Arbitrary<Failure> => {
  switch (kind) {
    case 'error':
      return fc.record({ exitCode: fc.option(fc.integer({ min: -1, max: 255 }), { nil: null }), output: arbOutput }).map((details) => ({ kind, details }));
    case 'timeout':
      return fc.nat(10_000_000).map((timeoutMs) => ({ kind, details: { timeoutMs } }));
    case 'gate':
      return fc.record({ command: fc.oneof(fc.string({ maxLength: 20 }), arbAnySecret.map((s) => `deploy ${s.secret}`)), exitCode: fc.option(fc.nat(255), { nil: null }), output: arbOutput }).map((details) => ({ kind, details }));
    case 'secret-scan':
      return fc
        .array(fc.record({ pattern: fc.constantFrom(...secrets.PATTERN_NAMES), file: fc.string({ maxLength: 20 }), line: fc.nat(1000) }), { maxLength: 4 })
        .map((findings) => ({ kind, details: { findings } }));
    case 'blast-radius':
      return fc.record({ lines: fc.nat(5000), files: fc.nat(100) }).map((details) => ({ kind, details }));
    case 'review-block':
      return fc.record({ level: fc.constantFrom('fast', 'panel') as fc.Arbitrary<'fast' | 'panel'>, blocks: fc.integer({ min: 1, max: 3 }), feedback: fc.array(arbOutput, { maxLength: 3 }) }).map((details) => ({ kind, details }));
    case 'merge-conflict':
      return fc.array(fc.string({ maxLength: 20 }), { maxLength: 4 }).map((files) => ({ kind, details: { files } }));
    default:
      return arbOutput.map((output) => ({ kind, details: { output } }) as Failure);
  }
});

// ───────────────────────────────────────── retry.md §5 examples ─────────────────────────────────────────

describe('decideAfterFailure (retry.md §5)', () => {
  test('spec examples', () => {
    const t = (retries: number, maxRetries: number) => deepFreeze({ id: 't', retries, maxRetries });
    expect(decideAfterFailure(t(0, 1), { kind: 'timeout', details: { timeoutMs: 1_800_000 } }, facts()).decision).toMatchObject({ _tag: 'Retry', retries: 1 });
    expect(decideAfterFailure(t(1, 1), gate(), facts()).decision._tag).toBe('Exhausted');
    expect(decideAfterFailure(t(0, 2), gate(), facts({ onFailure: 'stop' })).decision._tag).toBe('Retry');
  });
  test('F1 interrupted → Requeue with a probe release only when the breaker is enabled', () => {
    const r = decideAfterFailure({ id: 't', retries: 5, maxRetries: 1 }, { kind: 'hook', details: {} }, facts({ interrupted: true, dispatchStopped: true }));
    expect(r.decision.reason).toBe('retry-interrupted');
    expect(r.effects).toEqual([
      { _tag: 'Requeue', taskId: 't' },
      { _tag: 'RecordBreakerOutcome', agent: 'developer', event: { _tag: 'ProbeReleased', taskId: 't' } },
    ]);
    expect(decideAfterFailure({ id: 't', retries: 0, maxRetries: 1 }, gate(), facts({ interrupted: true, breakerEnabled: false })).effects).toEqual([{ _tag: 'Requeue', taskId: 't' }]);
  });
  test('F2 dispatch stopped with attempts left → skipped run-stopped; at the limit → exhausted', () => {
    const r = decideAfterFailure({ id: 't', retries: 0, maxRetries: 1 }, gate(), facts({ dispatchStopped: true }));
    expect(r.decision._tag).toBe('RunStoppedSkip');
    expect(r.effects).toEqual([
      { _tag: 'SetTaskStatus', taskId: 't', status: 'skipped', reason: 'run-stopped' },
      { _tag: 'RecordBreakerOutcome', agent: 'developer', event: { _tag: 'ProbeReleased', taskId: 't' } },
    ]);
    expect(decideAfterFailure({ id: 't', retries: 1, maxRetries: 1 }, gate(), facts({ dispatchStopped: true })).decision.reason).toBe('exhausted-retries-spent');
    expect(decideAfterFailure({ id: 't', retries: 0, maxRetries: 1 }, { kind: 'hook', details: {} }, facts({ dispatchStopped: true })).decision.reason).toBe('exhausted-not-retryable');
  });
  test('F3 non-retryable kinds exhaust at once', () => {
    for (const kind of ['prompt-secret', 'hook', 'symlink-escape', 'adapter-unavailable'] as const) {
      const r = decideAfterFailure({ id: 't', retries: 0, maxRetries: 5 }, { kind, details: {} }, facts());
      expect(r.decision.reason).toBe('exhausted-not-retryable');
      expect(r.effects).toEqual([]);
    }
  });
  test('F4/F5 boundary: retries one below, at and one above maxRetries', () => {
    const d = (retries: number) => decideAfterFailure({ id: 't', retries, maxRetries: 2 }, gate(), facts()).decision;
    expect(d(1)).toMatchObject({ _tag: 'Retry', retries: 2 });
    expect(d(2).reason).toBe('exhausted-retries-spent');
    expect(d(3).reason).toBe('exhausted-retries-spent');
    const r = decideAfterFailure({ id: 't', retries: 0, maxRetries: 1 }, gate(), facts());
    expect(r.effects.map((e) => e._tag)).toEqual(['ScheduleRetry', 'EmitEvent']);
    expect(r.effects[1]).toMatchObject({ type: 'retry', severity: 'info', code: 'retry-scheduled' });
  });
  test('F2 without the breaker: only the skip; F4 effects carry the note, the new count and the kind', () => {
    expect(decideAfterFailure({ id: 't', retries: 0, maxRetries: 1 }, gate(), facts({ dispatchStopped: true, breakerEnabled: false })).effects).toEqual([
      { _tag: 'SetTaskStatus', taskId: 't', status: 'skipped', reason: 'run-stopped' },
    ]);
    const note = renderNote('gate', { command: 'npm test', exitCode: 1, output: 'FAIL' }, []);
    expect(decideAfterFailure({ id: 't7', retries: 1, maxRetries: 3 }, gate(), facts())).toEqual({
      decision: { _tag: 'Retry', reason: 'retry-scheduled', reasons: ['retry-scheduled'], retries: 2, note },
      effects: [
        { _tag: 'ScheduleRetry', taskId: 't7', retries: 2, note },
        { _tag: 'EmitEvent', type: 'retry', severity: 'info', code: 'retry-scheduled', taskId: 't7', data: { kind: 'gate', retries: 2, maxRetries: 3 } },
      ],
    });
    expect(decideAfterFailure({ id: 't', retries: 0, maxRetries: 1 }, { kind: 'hook', details: {} }, facts()).decision).toEqual({
      _tag: 'Exhausted',
      reason: 'exhausted-not-retryable',
      reasons: ['exhausted-not-retryable'],
    });
    expect(decideAfterFailure({ id: 't', retries: 1, maxRetries: 1 }, gate(), facts())).toEqual({
      decision: { _tag: 'Exhausted', reason: 'exhausted-retries-spent', reasons: ['exhausted-retries-spent'] },
      effects: [],
    });
  });
  test('a kind outside the retry.md §4 table is not retryable: exhausted at once, never a throw (total)', () => {
    const odd = { kind: 'cosmic-ray', details: {} } as unknown as Failure;
    expect(decideAfterFailure({ id: 't', retries: 0, maxRetries: 3 }, odd, facts()).decision.reason).toBe('exhausted-not-retryable');
    expect(exhaust({ id: 't', retries: 0, tokens: 0, onExhausted: 'skip' }, odd, run(), emptyGraph, [], NOW).effects[0]).toEqual({
      _tag: 'SetTaskStatus',
      taskId: 't',
      status: 'failed',
      reason: 'exhausted-cosmic-ray',
      output: '',
    });
  });
});

// ───────────────────────────────────────── retry.md §4 notes ─────────────────────────────────────────

describe('renderNote and composePrompt (retry.md §4)', () => {
  test('templates, verbatim', () => {
    expect(renderNote('error', { exitCode: 2, output: 'boom' }, [])).toBe('Your last attempt stopped with exit code 2. The end of its output was:\nboom');
    expect(renderNote('error', { exitCode: null, output: '' }, [])).toBe('Your last attempt stopped with exit code unknown. The end of its output was:\n(empty)');
    expect(renderNote('timeout', { timeoutMs: 1_800_000 }, [])).toBe(
      'Your last attempt reached the time limit of 1800 s before it finished. Work in smaller steps and commit progress as you go.',
    );
    expect(renderNote('gate', { command: 'npm test', exitCode: 1, output: 'FAIL x' }, [])).toBe(
      'After your last attempt the check `npm test` exited with 1. The end of its output was:\nFAIL x\nChange the work until this check passes.',
    );
    expect(renderNote('browser-test', { output: 'button missing' }, [])).toBe('The browser test rejected your last attempt:\nbutton missing');
    expect(renderNote('secret-scan', { findings: [{ pattern: 'aws-access-key', file: 'a.ts', line: 3 }, { pattern: 'slack-token', file: 'b.ts', line: 9 }] }, [])).toBe(
      'The secret scan found 2 likely credential(s) in your last change: aws-access-key in a.ts line 3; slack-token in b.ts line 9. Remove them and read such values from configuration instead.',
    );
    expect(renderNote('blast-radius', { lines: 612, files: 3 }, [])).toBe(
      'Your last change touched 612 lines in 3 files; the limit is under 500 lines and under 10 files. Keep the change to what the task needs.',
    );
    expect(renderNote('no-op', {}, [])).toBe('Your last attempt left the repository unchanged, but this task needs file changes.');
    expect(renderNote('review-block', { level: 'fast', blocks: 1, feedback: ['fix x'] }, [])).toBe(
      'A reviewer did not accept your last change. Their points:\nfix x\nDeal with each point and complete the task.',
    );
    expect(renderNote('review-block', { level: 'panel', blocks: 2, feedback: ['a', 'b'] }, [])).toBe(
      '2 of 3 reviewers did not accept your last change. Points to fix:\na\n---\nb\nDeal with each point and complete the task.',
    );
    expect(renderNote('merge-conflict', { files: ['a.ts', 'b.ts'] }, [])).toBe(
      'Your last change could not be merged because other work changed the same places in: a.ts, b.ts. Start again from the current state of the branch.',
    );
    expect(renderNote('drift', { score: 0.4, explanation: 'It edits the wrong file.' }, [])).toBe(
      'A check doubted that your last change does what the task asks (confidence 0.40). It edits the wrong file. Re-read the task and stay within it.',
    );
    expect(renderNote('hook', {}, [])).toBe('');
  });
  test('tail: the last 3 000 characters of the redacted output (at, one below, one above)', () => {
    const note = (n: number) => renderNote('browser-test', { output: 'a'.repeat(n) }, []);
    const head = 'The browser test rejected your last attempt:\n';
    expect(note(2999)).toBe(head + 'a'.repeat(2999));
    expect(note(3000)).toBe(head + 'a'.repeat(3000));
    expect(note(3001)).toBe(head + 'a'.repeat(3000));
    expect(renderNote('browser-test', { output: `x AKIA${'1'.repeat(16)}` }, [])).toBe(head + 'x [REDACTED:aws-access-key]');
  });
  test('cap: a note of 6 000 characters is kept; 6 001 is cut and ends with [note truncated]', () => {
    const fb = (n: number) => renderNote('review-block', { level: 'fast', blocks: 1, feedback: ['f'.repeat(n)] }, []);
    const fixed = fb(0).length;
    expect(fb(6000 - fixed).length).toBe(6000);
    expect(fb(6000 - fixed).endsWith('[note truncated]')).toBe(false);
    const cut = fb(6001 - fixed);
    expect(cut.length).toBeLessThanOrEqual(6000);
    expect(cut.endsWith('\n[note truncated]')).toBe(true);
  });
  test('interpolated values: one line, backticks turned to quotes, at most 200 characters; exit codes and limits that are no numbers', () => {
    const long = 'x'.repeat(250);
    expect(renderNote('gate', { command: 'a`b\nc\u0085d\u007fe', exitCode: 0, output: 'o' }, [])).toBe(
      "After your last attempt the check `a'b c d e` exited with 0. The end of its output was:\no\nChange the work until this check passes.",
    );
    expect(renderNote('gate', { command: long, exitCode: 1.5, output: 'o' }, [])).toContain(`check \`${'x'.repeat(200)}\` exited with unknown.`);
    expect(renderNote('error', { exitCode: Number.NaN }, [])).toBe('Your last attempt stopped with exit code unknown. The end of its output was:\n(empty)');
    expect(renderNote('error', { exitCode: 2 ** 53, output: 'o' }, [])).toContain('exit code unknown.');
    expect(renderNote('secret-scan', { findings: [{ pattern: 'aws-access-key', file: `a\tb${long}`, line: 1 }] }, [])).toContain(`aws-access-key in a b${'x'.repeat(197)} line 1.`);
    expect(renderNote('merge-conflict', { files: ['a`\r', long] }, [])).toContain(`in: a' , ${'x'.repeat(200)}. Start again`);
    const secs = (timeoutMs: number) => renderNote('timeout', { timeoutMs }, []).replace(/^.*time limit of (\S+) s.*$/, '$1');
    expect([1999, 2000, 0, -5000, Number.NaN, Number.POSITIVE_INFINITY].map(secs)).toEqual(['1', '2', '0', '0', '0', '0']);
    expect(renderNote('drift', { score: Number.NaN, explanation: 'x' }, [])).toContain('(confidence unknown). x Re-read');
    expect(renderNote('drift', { score: 0.5, explanation: `key AKIA${'3'.repeat(16)}` }, [])).toContain('(confidence 0.50). key [REDACTED:aws-access-key] Re-read');
    expect(renderNote('review-block', { level: 'panel', blocks: 3, feedback: [`AKIA${'4'.repeat(16)}`] }, [])).toBe(
      '3 of 3 reviewers did not accept your last change. Points to fix:\n[REDACTED:aws-access-key]\nDeal with each point and complete the task.',
    );
    for (const kind of ['prompt-secret', 'symlink-escape', 'adapter-unavailable'] as const) expect(renderNote(kind, {}, [])).toBe('');
  });
  test('cap: the truncated note is the head of the note, a newline and the marker, exactly 6 000 characters', () => {
    const head = 'A reviewer did not accept your last change. Their points:\n';
    const whole = `${head}${'f'.repeat(7000)}\nDeal with each point and complete the task.`;
    const cut = renderNote('review-block', { level: 'fast', blocks: 1, feedback: ['f'.repeat(7000)] }, []);
    expect(cut).toBe(`${whole.slice(0, 6000 - '[note truncated]'.length - 1)}\n[note truncated]`);
    expect(cut).toHaveLength(6000);
  });
  test('composePrompt', () => {
    expect(composePrompt('Do X.', null)).toBe('Do X.');
    expect(composePrompt('Do X.', 'n')).toBe('Do X.\n\nNote about your previous attempt:\nn');
  });
});

// ───────────────────────────────────────── retry.md §6–8 examples ─────────────────────────────────────────

describe('exhaust, cascade and ledger (retry.md §6–8)', () => {
  const graph: retry.ExhaustGraph = deepFreeze({
    tasks: [
      { id: 'a', phase: 1, order: 0, dependsOn: [] },
      { id: 'b', phase: 2, order: 1, dependsOn: ['a'] },
      { id: 'c', phase: 3, order: 2, dependsOn: ['b'] },
      { id: 'd', phase: 2, order: 3, dependsOn: ['a'] },
    ],
    statuses: new Map<string, TaskStatus>([
      ['a', 'running'],
      ['b', 'done'],
      ['c', 'pending'],
      ['d', 'pending'],
    ]),
  });
  test('E1–E7 in order for mode dlq', () => {
    const r = exhaust(deepFreeze({ id: 'a', retries: 1, tokens: 10 }), gate(), run(), graph, [], NOW);
    expect(r.mode).toBe('dlq');
    expect(r.effects.map((e) => e._tag)).toEqual(['SetTaskStatus', 'WriteLedgerEntry', 'SkipTasks', 'RecordBreakerOutcome', 'EmitEvent']);
    expect(r.effects[0]).toEqual({ _tag: 'SetTaskStatus', taskId: 'a', status: 'gate-failed', reason: 'exhausted-gate', output: 'FAIL' });
    expect(r.effects[2]).toEqual({ _tag: 'SkipTasks', taskIds: ['d', 'c'], reason: 'dependency-failed', cause: 'a' });
    expect(r.effects[3]).toEqual({ _tag: 'RecordBreakerOutcome', agent: 'developer', event: { _tag: 'Failure', taskId: 'a' } });
    expect(r.effects[4]).toEqual({ _tag: 'EmitEvent', type: 'exhaustion', severity: 'error', code: 'exhausted', taskId: 'a', data: { kind: 'gate', mode: 'dlq', attempts: 2 } });
  });
  test('E1 reason for every kind; E4/E5 stop reasons', () => {
    expect(exhaust({ id: 'a', retries: 0, tokens: 0 }, { kind: 'review-block', details: { level: 'fast', blocks: 1, feedback: [] } }, run(), emptyGraph, [], NOW).effects[0]).toMatchObject({
      status: 'review-blocked',
      reason: 'exhausted-review-block',
    });
    const stop = exhaust({ id: 'a', retries: 0, tokens: 0, onExhausted: 'stop' }, gate(), run({ onFailure: 'stop' }), emptyGraph, [], NOW).effects;
    expect(stop.filter((e) => e._tag === 'StopDispatching')).toEqual([{ _tag: 'StopDispatching', reason: 'exhausted-stop' }]);
    const onf = exhaust({ id: 'a', retries: 0, tokens: 0, onExhausted: 'skip' }, gate(), run({ onFailure: 'stop' }), emptyGraph, [], NOW).effects;
    expect(onf.filter((e) => e._tag === 'StopDispatching')).toEqual([{ _tag: 'StopDispatching', reason: 'on-failure-stop' }]);
  });
  test('cascade: reversed edges through any status, pending only, ordered by phase then plan order; cycles terminate', () => {
    expect(cascadeTargets(graph.tasks, graph.statuses, 'a')).toEqual(['d', 'c']);
    const cyc = [
      { id: 'x', phase: 1, order: 0, dependsOn: ['y'] },
      { id: 'y', phase: 1, order: 1, dependsOn: ['x'] },
    ];
    expect(cascadeTargets(cyc, new Map<string, TaskStatus>([['x', 'pending'], ['y', 'pending']]), 'x')).toEqual(['y']);
  });
  test('ledger markdown: marker, heading, field table, fenced excerpt longer than any backtick run', () => {
    const r = buildLedgerEntry({ kind: 'dlq', runId: 'run1', taskId: 't1', agent: 'dev|x', failureKind: 'error', attempts: 2, output: 'a ```` b', tokens: 7 }, [], NOW);
    expect(r._tag).toBe('Written');
    if (r._tag === 'Written') {
      expect(r.effect.id).toBe('dlq:run1:t1:2');
      expect(r.effect.markdown).toBe(
        [
          '<!-- arbiter-ledger dlq:run1:t1:2 -->',
          '## Dead letter: task t1 (run run1, 2 attempts)',
          '',
          '| field | value |',
          '|---|---|',
          '| run | run1 |',
          '| task | t1 |',
          '| agent | dev\\|x |',
          '| failure kind | error |',
          '| attempts | 2 |',
          '| tokens used | 7 |',
          '| created at | 2023-11-14T22:13:20.000Z |',
          '',
          '`````',
          'a ```` b',
          '`````',
          '',
        ].join('\n'),
      );
      expect(r.effect.row).toEqual({ run: 'run1', task: 't1', agent: 'dev|x', kind: 'error', attempts: 2, error_excerpt: 'a ```` b', tokens: 7, created_at: '2023-11-14T22:13:20.000Z' });
    }
    const d = buildLedgerEntry({ kind: 'dispute', runId: 'run1', taskId: 't1', agent: 'dev', panelBlocks: 3, feedback: ['no', `key AKIA${'2'.repeat(16)}`] }, [], NOW);
    expect(d._tag === 'Written' && d.effect.id).toBe('dispute:run1:t1:3');
    expect(d._tag === 'Written' && d.effect.row['feedback']).toEqual(['no', 'key [REDACTED:aws-access-key]']);
  });
  test('ledger cells: backslashes doubled, line breaks turned to one space; a fence of three backticks at least', () => {
    const r = buildLedgerEntry({ kind: 'dlq', runId: 'r', taskId: 't', agent: 'a\\b\r\n\nc', failureKind: 'error', attempts: 1, output: '', tokens: 0 }, [], NOW);
    expect(r._tag === 'Written' && r.effect.markdown.split('\n')).toEqual([
      '<!-- arbiter-ledger dlq:r:t:1 -->',
      '## Dead letter: task t (run r, 1 attempts)',
      '',
      '| field | value |',
      '|---|---|',
      '| run | r |',
      '| task | t |',
      '| agent | a\\\\b c |',
      '| failure kind | error |',
      '| attempts | 1 |',
      '| tokens used | 0 |',
      '| created at | 2023-11-14T22:13:20.000Z |',
      '',
      '```',
      '',
      '```',
      '',
    ]);
    const fence = (output: string) => {
      const w = buildLedgerEntry({ kind: 'dlq', runId: 'r', taskId: 't', agent: 'a', failureKind: 'error', attempts: 1, output, tokens: 0 }, [], NOW);
      return w._tag === 'Written' ? (w.effect.markdown.split('\n')[13] as string) : '';
    };
    expect([fence('a ` b'), fence('``'), fence('```'), fence('` `` `')]).toEqual(['```', '```', '````', '```']);
  });
  test('ledger created at: the instant truncated to the ms; outside the Date range or not finite, invalid-instant', () => {
    const created = (now: number) => {
      const w = buildLedgerEntry({ kind: 'dispute', runId: 'r', taskId: 't', agent: 'a', panelBlocks: 3, feedback: [] }, [], now);
      return w._tag === 'Written' ? w.effect.row['created_at'] : null;
    };
    expect(created(NOW + 0.9)).toBe('2023-11-14T22:13:20.000Z');
    expect(created(8_640_000_000_000_000)).toBe('+275760-09-13T00:00:00.000Z');
    expect(created(-8_640_000_000_000_000)).toBe('-271821-04-20T00:00:00.000Z');
    expect([created(8_640_000_000_000_001), created(-8_640_000_000_000_001), created(Number.NaN), created(Number.POSITIVE_INFINITY)]).toEqual(Array(4).fill('invalid-instant'));
  });
  test('dispute entry: row, heading and fields; feedback joined by a rule in the fence', () => {
    const d = buildLedgerEntry({ kind: 'dispute', runId: 'run1', taskId: 't1', agent: 'dev', panelBlocks: 3, feedback: ['no', 'never'] }, [], NOW);
    expect(d).toEqual({
      _tag: 'Written',
      reason: 'ledger-written',
      reasons: ['ledger-written'],
      effect: {
        _tag: 'WriteLedgerEntry',
        kind: 'dispute',
        id: 'dispute:run1:t1:3',
        row: { run: 'run1', task: 't1', agent: 'dev', panel_blocks: 3, feedback: ['no', 'never'], created_at: '2023-11-14T22:13:20.000Z', status: 'open' },
        markdown: [
          '<!-- arbiter-ledger dispute:run1:t1:3 -->',
          '## Dispute: task t1 (run run1, 3 blocking panels)',
          '',
          '| field | value |',
          '|---|---|',
          '| run | run1 |',
          '| task | t1 |',
          '| agent | dev |',
          '| panel blocks | 3 |',
          '| status | open |',
          '| created at | 2023-11-14T22:13:20.000Z |',
          '',
          '```',
          'no\n---\nnever',
          '```',
          '',
        ].join('\n'),
      },
    });
  });
  test('ledger excerpt: first 2 000 characters of the redacted output (at, one above)', () => {
    const ex = (n: number) => {
      const r = buildLedgerEntry({ kind: 'dlq', runId: 'r', taskId: 't', agent: 'a', failureKind: 'error', attempts: 1, output: 'z'.repeat(n), tokens: 0 }, [], NOW);
      return r._tag === 'Written' ? (r.effect.row['error_excerpt'] as string).length : -1;
    };
    expect([ex(1999), ex(2000), ex(2001)]).toEqual([1999, 2000, 2000]);
  });
  test('W5 an entry that still scans dirty is withheld, with pattern names and count only', () => {
    const r = buildLedgerEntry({ kind: 'dlq', runId: 'token', taskId: 'a'.repeat(20), agent: 'dev', failureKind: 'error', attempts: 1, output: '', tokens: 0 }, [], NOW);
    expect(r).toEqual({
      _tag: 'Withheld',
      reason: 'ledger-withheld',
      reasons: ['ledger-withheld'],
      event: { _tag: 'EmitEvent', type: 'secret', severity: 'warn', code: 'ledger-withheld', taskId: 'a'.repeat(20), data: { kind: 'dlq', patterns: ['generic-secret'], count: 1 } },
    });
  });
  test('W5 in exhaust: the withholding event takes the entry\'s place; a pattern found twice is named once and counted twice', () => {
    const t = 'a'.repeat(20);
    const x = exhaust({ id: t, retries: 0, tokens: 0 }, gate(''), run({ runId: 'token' }), emptyGraph, [], NOW).effects;
    expect(x[1]).toEqual({ _tag: 'EmitEvent', type: 'secret', severity: 'warn', code: 'ledger-withheld', taskId: t, data: { kind: 'dlq', patterns: ['generic-secret'], count: 1 } });
    const d = buildLedgerEntry({ kind: 'dispute', runId: 'token', taskId: t, agent: 'dev', panelBlocks: 3, feedback: [] }, [], NOW);
    expect(d._tag === 'Withheld' && d.event.data).toEqual({ kind: 'dispute', patterns: ['generic-secret'], count: 1 });
  });
  test('W4 scans the ledger as a pseudo-file: an allowlist entry scoped to repository paths, even the root, does not apply', () => {
    const t = 'a'.repeat(20);
    const entry = (paths: secrets.Allowlist[number]['paths']): secrets.Allowlist => [{ matcher: { _tag: 'Literal', text: t }, reason: 'r', paths }];
    const tag = (allow: secrets.Allowlist) => buildLedgerEntry({ kind: 'dlq', runId: 'token', taskId: t, agent: 'dev', failureKind: 'error', attempts: 1, output: '', tokens: 0 }, allow, NOW)._tag;
    expect(tag(entry([]))).toBe('Written');
    expect(tag(entry([{ _tag: 'Root' }]))).toBe('Withheld');
  });
  test('cascade ties: same phase and plan order fall back to the id; a repeated id keeps its first entry', () => {
    const pending = (ids: string[]) => new Map<string, TaskStatus>(ids.map((i) => [i, 'pending']));
    const tie = [
      { id: 'r', phase: 1, order: 0, dependsOn: [] },
      { id: 'b', phase: 2, order: 1, dependsOn: ['r'] },
      { id: 'a', phase: 2, order: 1, dependsOn: ['r'] },
      { id: 'c', phase: 2, order: 1, dependsOn: ['r'] },
    ];
    expect(cascadeTargets(tie, pending(['b', 'a', 'c']), 'r')).toEqual(['a', 'b', 'c']);
    const dup = [
      { id: 'y', phase: 1, order: 5, dependsOn: ['r'] },
      { id: 'x', phase: 2, order: 0, dependsOn: ['r'] },
      { id: 'x', phase: 0, order: 0, dependsOn: ['r'] },
    ];
    expect(cascadeTargets(dup, pending(['x', 'y']), 'r')).toEqual(['y', 'x']);
  });
  test('E4/E5: on_failure stop stops dispatching for dlq and skip too; mode skip writes no entry; the output is redacted', () => {
    for (const onExhausted of [null, 'dlq', 'skip'] as const) {
      const e = exhaust({ id: 'a', retries: 0, tokens: 0, onExhausted }, gate(), run({ onFailure: 'stop' }), emptyGraph, [], NOW).effects;
      expect(e.filter((x) => x._tag === 'StopDispatching')).toEqual([{ _tag: 'StopDispatching', reason: 'on-failure-stop' }]);
    }
    const skip = exhaust({ id: 'a', retries: 2, tokens: 0, onExhausted: 'skip' }, gate(`k AKIA${'5'.repeat(16)}`), run({ breakerEnabled: false }), emptyGraph, [], NOW);
    expect(skip).toEqual({
      mode: 'skip',
      effects: [
        { _tag: 'SetTaskStatus', taskId: 'a', status: 'gate-failed', reason: 'exhausted-gate', output: 'k [REDACTED:aws-access-key]' },
        { _tag: 'SkipTasks', taskIds: [], reason: 'dependency-failed', cause: 'a' },
        { _tag: 'EmitEvent', type: 'exhaustion', severity: 'error', code: 'exhausted', taskId: 'a', data: { kind: 'gate', mode: 'skip', attempts: 3 } },
      ],
    });
  });
});

// ───────────────────────────────────────── retry.md §10 properties ─────────────────────────────────────────

const arbTaskCounters = fc.record({ retries: fc.nat(5), maxRetries: fc.nat(5) });
const arbMode = fc.constantFrom<Mode | null>(null, 'dlq', 'skip', 'stop');

describe('retry properties (retry.md §10)', () => {
  test('RE-1 retryable, not interrupted, not stopped: Retry ⇔ retries < maxRetries, for both onFailure values', () => {
    fc.assert(
      fc.property(arbFailure.filter((f) => KINDS[f.kind].retryable), arbTaskCounters, fc.constantFrom('continue', 'stop') as fc.Arbitrary<'continue' | 'stop'>, (f, c, onFailure) => {
        const r = decideAfterFailure(deepFreeze({ id: 't', ...c }), deepFreeze(f), facts({ onFailure }));
        expect(r.decision._tag === 'Retry').toBe(c.retries < c.maxRetries);
      }),
      RUNS,
    );
  });
  test('RE-2 a retry sets exactly retries + 1; over any failure sequence retries ≤ maxRetries', () => {
    fc.assert(
      fc.property(fc.array(arbFailure, { minLength: 1, maxLength: 8 }), fc.nat(4), (fs, maxRetries) => {
        let retries = 0;
        for (const f of fs) {
          const r = decideAfterFailure({ id: 't', retries, maxRetries }, f, facts());
          if (r.decision._tag === 'Retry') {
            expect(r.decision.retries).toBe(retries + 1);
            retries = r.decision.retries;
          } else break;
          expect(retries).toBeLessThanOrEqual(maxRetries);
        }
      }),
      RUNS,
    );
  });
  test('RE-3 no stacking: the next prompt is composePrompt(original, last note), bounded by original + header + 6 000', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), fc.array(arbFailure.filter((f) => KINDS[f.kind].retryable), { minLength: 1, maxLength: 5 }), (original, fs) => {
        let stored: string | null = null;
        const notes: string[] = [];
        fs.forEach((f, i) => {
          const r = decideAfterFailure({ id: 't', retries: i, maxRetries: 99 }, f, facts());
          for (const e of r.effects) if (e._tag === 'ScheduleRetry') stored = e.note; // replaces any previous note
          if (stored !== null) notes.push(stored);
        });
        const last = notes[notes.length - 1] as string;
        const prompt = composePrompt(original, stored);
        expect(prompt).toBe(composePrompt(original, last));
        expect(prompt.length).toBeLessThanOrEqual(original.length + '\n\nNote about your previous attempt:\n'.length + 6000);
        for (const n of notes.slice(0, -1)) if (!(original + '\n' + last).includes(n)) expect(prompt.includes(n)).toBe(false);
      }),
      RUNS,
    );
  });
  test('RE-4 exactly one breaker Failure per Exhausted decision when enabled; none otherwise; none when disabled', () => {
    fc.assert(
      fc.property(arbFailure, arbTaskCounters, fc.boolean(), fc.boolean(), fc.boolean(), arbMode, (f, c, enabled, interrupted, stopped, mode) => {
        const d = decideAfterFailure({ id: 't', ...c }, f, facts({ breakerEnabled: enabled, interrupted, dispatchStopped: stopped }));
        const failures = (es: ReadonlyArray<{ _tag: string; event?: { _tag: string } }>) => es.filter((e) => e._tag === 'RecordBreakerOutcome' && e.event?._tag === 'Failure').length;
        expect(failures(d.effects as never)).toBe(0);
        if (d.decision._tag === 'Exhausted') {
          const x = exhaust({ id: 't', retries: c.retries, tokens: 0, onExhausted: mode }, f, run({ breakerEnabled: enabled }), emptyGraph, [], NOW);
          expect(failures(x.effects as never)).toBe(enabled ? 1 : 0);
          expect(x.effects.filter((e) => e._tag === 'RecordBreakerOutcome').length).toBe(enabled ? 1 : 0);
        }
      }),
      RUNS,
    );
  });
  test('RE-5 mode resolution: task, else default, else dlq (all 4 × 4 combinations)', () => {
    const modes: Array<Mode | null> = [null, 'dlq', 'skip', 'stop'];
    for (const tm of modes)
      for (const dm of modes) {
        const r = exhaust({ id: 't', retries: 0, tokens: 0, onExhausted: tm }, gate(), run({ defaultOnExhausted: dm }), emptyGraph, [], NOW);
        expect(r.mode).toBe(tm ?? dm ?? 'dlq');
      }
  });
  test('RE-6 the mode table holds: DLQ presence, cascade and stop', () => {
    fc.assert(
      fc.property(arbMode, arbMode, fc.constantFrom('continue', 'stop') as fc.Arbitrary<'continue' | 'stop'>, arbFailure, (tm, dm, onFailure, f) => {
        const r = exhaust({ id: 'a', retries: 0, tokens: 0, onExhausted: tm }, f, run({ onFailure, defaultOnExhausted: dm }), emptyGraph, [], NOW);
        const tags = r.effects.map((e) => e._tag);
        const ledger = r.effects.some((e) => e._tag === 'WriteLedgerEntry' || (e._tag === 'EmitEvent' && e.code === 'ledger-withheld'));
        expect(ledger).toBe(r.mode !== 'skip');
        expect(tags.filter((t) => t === 'SkipTasks').length).toBe(1);
        expect(tags.includes('StopDispatching')).toBe(r.mode === 'stop' || onFailure === 'stop');
      }),
      RUNS,
    );
  });
  test('RE-7 both or neither: one WriteLedgerEntry with row and markdown, or none; written text scans clean', () => {
    fc.assert(
      fc.property(arbFailure, arbMode, fc.array(arbAnySecret.map((s) => s.secret.slice(0, 5)), { maxLength: 2 }), (f, mode, lits) => {
        const allow: secrets.Allowlist = lits.map((text) => ({ matcher: { _tag: 'Literal', text }, reason: 'r', paths: [] }));
        const r = exhaust({ id: 't', retries: 0, tokens: 3, onExhausted: mode }, f, run(), emptyGraph, deepFreeze(allow), NOW);
        const w = r.effects.filter((e): e is Extract<typeof e, { _tag: 'WriteLedgerEntry' }> => e._tag === 'WriteLedgerEntry');
        expect(w.length).toBeLessThanOrEqual(1);
        for (const e of w) {
          expect(e.markdown.length).toBeGreaterThan(0);
          expect(Object.keys(e.row).length).toBeGreaterThan(0);
          expect(secrets.scanForSecrets(e.markdown, 'ledger:dlq', allow).clean).toBe(true);
          for (const v of Object.values(e.row)) for (const s of Array.isArray(v) ? v : [String(v)]) expect(secrets.scanForSecrets(s, 'ledger:dlq', allow).clean).toBe(true);
        }
      }),
      RUNS,
    );
  });
  test('RE-8 redaction is enough: output with generated secrets still yields a DLQ entry without them', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(arbText, arbAnySecret), { minLength: 1, maxLength: 4 }), (parts) => {
        const output = parts.map(([t, s]) => `${t} ${s.secret} `).join('\n');
        const r = exhaust({ id: 't', retries: 1, tokens: 0 }, { kind: 'error', details: { exitCode: 1, output } }, run(), emptyGraph, [], NOW);
        const w = r.effects.find((e) => e._tag === 'WriteLedgerEntry');
        expect(w).toBeDefined();
        const all = JSON.stringify(w) + JSON.stringify(r.effects[0]);
        for (const [, s] of parts) {
          expect((w as { markdown: string }).markdown.includes(s.secret)).toBe(false);
          expect(all.includes(JSON.stringify(s.secret).slice(1, -1))).toBe(false);
        }
      }),
      RUNS,
    );
  });
  test('RE-9 cascade targets equal a reference BFS over reversed edges; terminates on cycles; never the root', () => {
    const statuses = ['pending', 'assigned', 'running', 'done', 'failed', 'skipped', 'disputed'] as const;
    fc.assert(
      fc.property(
        arbDag({ maxNodes: 9, cycles: true }).chain((dag) => fc.tuple(fc.constant(dag), fc.array(fc.constantFrom(...statuses), { minLength: dag.length, maxLength: dag.length }), fc.nat(dag.length - 1))),
        ([dag, sts, r]) => {
          const graph = dag.map((n, i) => ({ id: n.id, phase: (i % 3) + 1, order: i, dependsOn: n.deps }));
          const st = new Map<string, TaskStatus>(dag.map((n, i) => [n.id, sts[i] as TaskStatus]));
          const root = `t${r}`;
          // reference BFS
          const seen = new Set([root]);
          const q = [root];
          while (q.length > 0) {
            const x = q.shift() as string;
            for (const g of graph) if (g.dependsOn.includes(x) && !seen.has(g.id)) (seen.add(g.id), q.push(g.id));
          }
          const expected = graph
            .filter((g) => g.id !== root && seen.has(g.id) && st.get(g.id) === 'pending')
            .sort((a, b) => a.phase - b.phase || a.order - b.order)
            .map((g) => g.id);
          const got = cascadeTargets(deepFreeze(graph), deepFreeze(st), root);
          expect(got).toEqual(expected);
          expect(got).not.toContain(root);
        },
      ),
      RUNS,
    );
  });
  test('RV-13 (exhaustion half) no stranded dependents: after the effects apply, no pending task waits on a failed dependency', () => {
    const statuses = ['pending', 'assigned', 'running', 'done'] as const;
    fc.assert(
      fc.property(
        arbDag({ maxNodes: 9 }).chain((dag) => fc.tuple(fc.constant(dag), fc.array(fc.constantFrom(...statuses), { minLength: dag.length, maxLength: dag.length }), fc.nat(dag.length - 1), arbMode)),
        ([dag, sts, r, mode]) => {
          const graph = dag.map((n, i) => ({ id: n.id, phase: i + 1, order: i, dependsOn: n.deps }));
          const st = new Map<string, TaskStatus>(dag.map((n, i) => [n.id, sts[i] as TaskStatus]));
          const root = `t${r}`;
          st.set(root, 'running');
          const x = exhaust({ id: root, retries: 0, tokens: 0, onExhausted: mode }, gate(), run(), deepFreeze({ tasks: graph, statuses: new Map(st) }), [], NOW);
          for (const e of x.effects) {
            if (e._tag === 'SetTaskStatus') st.set(e.taskId, e.status);
            if (e._tag === 'SkipTasks') for (const id of e.taskIds) if (st.get(id) === 'pending') st.set(id, 'skipped');
          }
          const failedTerminal = (s: TaskStatus | undefined) => s !== undefined && !['pending', 'assigned', 'running', 'done'].includes(s);
          // running/assigned dependents finish on their own; every pending one must not wait on a failed task
          for (const g of graph) if (st.get(g.id) === 'pending') for (const d of g.dependsOn) expect(failedTerminal(st.get(d))).toBe(false);
        },
      ),
      RUNS,
    );
  });
  test('RE-10 StopDispatching at most once; for Exhausted present iff mode stop or onFailure stop', () => {
    fc.assert(
      fc.property(arbFailure, arbTaskCounters, arbMode, arbMode, fc.constantFrom('continue', 'stop') as fc.Arbitrary<'continue' | 'stop'>, fc.boolean(), fc.boolean(), (f, c, tm, dm, onFailure, interrupted, stopped) => {
        const d = decideAfterFailure({ id: 't', ...c }, f, facts({ onFailure, interrupted, dispatchStopped: stopped }));
        expect(d.effects.filter((e) => e._tag === 'StopDispatching').length).toBe(0);
        if (d.decision._tag !== 'Exhausted') return;
        const x = exhaust({ id: 't', retries: c.retries, tokens: 0, onExhausted: tm }, f, run({ onFailure, defaultOnExhausted: dm }), emptyGraph, [], NOW);
        const stops = x.effects.filter((e) => e._tag === 'StopDispatching').length;
        expect(stops).toBeLessThanOrEqual(1);
        expect(stops === 1).toBe(x.mode === 'stop' || onFailure === 'stop');
      }),
      RUNS,
    );
  });
  test('RE-11 every rendered note scans clean and is at most 6 000 characters long', () => {
    fc.assert(
      fc.property(arbFailure, fc.array(arbAnySecret.map((s) => s.secret.slice(0, 6)), { maxLength: 2 }), (f, lits) => {
        const allow: secrets.Allowlist = lits.map((text) => ({ matcher: { _tag: 'Literal', text }, reason: 'r', paths: [] }));
        const note = renderNote(f.kind as FailureKind, f.details as never, allow);
        expect(note.length).toBeLessThanOrEqual(6000);
        expect(secrets.scanForSecrets(note, 'prompt:t', allow).clean).toBe(true);
      }),
      RUNS,
    );
  });
});
