/**
 * Drift check (drift.md): example suites for P1–P3, J1–J6 and drift.md §7, and the property catalogue
 * DR-1 … DR-9.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { drift } from '@arbiter/kernel';
import { deepFreeze } from './arb/convoy.js';

const RUNS = { numRuns: 1000 };
const T = (raw: string): drift.Answer => ({ _tag: 'Text', raw });

describe('parseDriftAnswer (drift.md §5)', () => {
  it('example 1: JSON with explanation before score', () => {
    expect(drift.parseDriftAnswer('{"explanation":"adds the flag as asked","score":0.92}')).toEqual({ _tag: 'Parsed', score: 0.92, explanation: 'adds the flag as asked', form: 'json' });
  });
  it('example 2: a last line "Confidence: 0.4"', () => {
    expect(drift.parseDriftAnswer('The change adds a flag but also rewrites the parser.\nConfidence: 0.4')).toEqual({ _tag: 'Parsed', score: 0.4, explanation: '', form: 'line' });
  });
  it('example 3: prose with numbers is unparseable', () => {
    expect(drift.parseDriftAnswer('Fixed 10 tests, all green.')).toEqual({ _tag: 'Unparseable', reason: 'drift-unparseable' });
  });
  it('P1 candidate order: whole text, fenced blocks last first, then brace lines last first', () => {
    const fenced = 'intro\n```json\n{"score":0.1,"explanation":"first"}\n```\nmiddle\n```\n{"score":0.2,"explanation":"second"}\n```\n{"score":0.3,"explanation":"line"}';
    expect(drift.parseDriftAnswer(fenced)).toMatchObject({ score: 0.2, explanation: 'second', form: 'json' });
    expect(drift.parseDriftAnswer('a\n {"score":0.3,"explanation":"x"} \nb\n{"score":0.6,"explanation":"y"}\nc')).toMatchObject({ score: 0.6 });
    expect(drift.parseDriftAnswer('  {"score":1,"explanation":"","extra":[1]}  ')).toMatchObject({ score: 1, form: 'json' });
  });
  it('P1 rejects arrays, string scores, scores out of [0, 1], missing or non-string explanations', () => {
    for (const raw of ['[{"score":0.5,"explanation":"x"}]', '{"score":"0.9","explanation":"x"}', '{"score":1.0001,"explanation":"x"}', '{"score":-0.1,"explanation":"x"}', '{"score":0.5}', '{"score":0.5,"explanation":3}']) {
      expect(drift.parseDriftAnswer(raw)._tag).toBe('Unparseable');
    }
    expect(drift.parseDriftAnswer('{"score":0,"explanation":"x"}')).toMatchObject({ score: 0 });
    expect(drift.parseDriftAnswer('{"score":1,"explanation":"x"}')).toMatchObject({ score: 1 });
  });
  it('P2 line form: accepted number shapes, any key case, spaces around the colon, explanation line', () => {
    for (const [line, v] of [['score: 0', 0], ['SCORE:1', 1], ['Confidence :  0.75', 0.75], ['score: 1.000', 1], ['  score:0.5  ', 0.5]] as const) {
      expect(drift.parseDriftAnswer(`x\n${line}\ny`)).toMatchObject({ _tag: 'Parsed', score: v, form: 'line' });
    }
    for (const line of ['score: .5', 'score: 1.5', 'score: 0.5 points', 'score: 01', 'score = 0.5', 'my score: 0.5', 'score: 1.01', 'score: 0.']) {
      expect(drift.parseDriftAnswer(line)._tag).toBe('Unparseable');
    }
    expect(drift.parseDriftAnswer('Explanation: first\nscore: 0.5\nexplanation:  stays in scope ')).toMatchObject({ score: 0.5, explanation: 'stays in scope' });
  });
  it('P2 agreeing lines parse; disagreeing lines are ambiguous (DR-9 example)', () => {
    expect(drift.parseDriftAnswer('score: 0.5\nconfidence: 0.50')).toMatchObject({ _tag: 'Parsed', score: 0.5 });
    expect(drift.parseDriftAnswer('score: 0.9\nscore: 0.2')).toEqual({ _tag: 'Unparseable', reason: 'drift-ambiguous' });
  });
  it('reads only the last 65 536 UTF-16 units', () => {
    const head = '{"score":0.1,"explanation":"gone"}\n';
    expect(drift.parseDriftAnswer(head + 'x'.repeat(65_536))._tag).toBe('Unparseable');
    expect(drift.parseDriftAnswer(head + 'x'.repeat(65_536 - head.length))).toMatchObject({ score: 0.1 });
    expect(drift.parseDriftAnswer('x'.repeat(70_000) + '\nscore: 0.3')).toMatchObject({ score: 0.3 });
  });
});

describe('needsDriftCheck and judgeDrift (drift.md §6)', () => {
  it('J1 disabled, J2 already retried (in that order), else Check', () => {
    expect(drift.needsDriftCheck(false, true)).toMatchObject({ _tag: 'NotChecked', reason: 'drift-disabled' });
    expect(drift.needsDriftCheck(true, true)).toMatchObject({ _tag: 'NotChecked', reason: 'drift-already-retried' });
    expect(drift.needsDriftCheck(true, false)).toEqual({ _tag: 'Check' });
  });
  it('J3 unsupported is not checked (fail-open, warned in afterDrift)', () => {
    expect(drift.judgeDrift({ _tag: 'Unsupported' }, 0.8)).toMatchObject({ _tag: 'NotChecked', reason: 'drift-unsupported' });
  });
  it('J4 a failed check is drifted with 0.5', () => {
    expect(drift.judgeDrift({ _tag: 'CheckFailed', message: 'boom' }, 0.3)).toMatchObject({ _tag: 'Drifted', score: 0.5, reason: 'drift-check-failed' });
  });
  it('J5 threshold boundary: one below drifts, at and above are on track', () => {
    expect(drift.judgeDrift(T('{"score":0.79,"explanation":""}'), 0.8)).toMatchObject({ _tag: 'Drifted', score: 0.79, reason: 'drift-low-score' });
    expect(drift.judgeDrift(T('{"score":0.8,"explanation":""}'), 0.8)).toMatchObject({ _tag: 'OnTrack', score: 0.8, reason: 'drift-ok' });
    expect(drift.judgeDrift(T('{"score":0.81,"explanation":""}'), 0.8)).toMatchObject({ _tag: 'OnTrack' });
  });
  it('J6 unparseable is drifted with 0.5 and the parser reason, even at a tiny threshold', () => {
    expect(drift.judgeDrift(T('fine'), 0.01)).toMatchObject({ _tag: 'Drifted', score: 0.5, reason: 'drift-unparseable' });
    expect(drift.judgeDrift(T('score: 1\nscore: 0'), 0.01)).toMatchObject({ _tag: 'Drifted', score: 0.5, reason: 'drift-ambiguous' });
  });
});

describe('afterDrift (drift.md §7)', () => {
  it('Drifted: record, warn, drift retry with the note; retries untouched', () => {
    const v = drift.judgeDrift(T('{"score":0.42,"explanation":"also rewrote the parser"}'), 0.8);
    expect(drift.afterDrift(v, { taskId: 't1', driftRetried: false })).toEqual({
      _tag: 'DriftRetry',
      effects: [
        { _tag: 'RecordDriftScore', taskId: 't1', score: 0.42 },
        { _tag: 'EmitEvent', type: 'drift', severity: 'warn', code: 'drift-low-score', taskId: 't1', data: { score: 0.42 } },
        { _tag: 'ScheduleDriftRetry', taskId: 't1', note: 'A check doubted that your last change does what the task asks (confidence 0.42). also rewrote the parser Re-read the task and stay within it.' },
      ],
    });
  });
  it('the note masks secrets and control characters in the explanation', () => {
    const v = drift.judgeDrift(T('{"score":0.1,"explanation":"set TOKEN=abc123\\u001b[2J here"}'), 0.8);
    const d = drift.afterDrift(v, { taskId: 't1', driftRetried: false });
    const note = (d.effects[2] as drift.ScheduleDriftRetry).note;
    expect(note).not.toContain('abc123');
    expect(note).not.toMatch(/[\u0000-\u001f]/);
  });
  it('OnTrack records and proceeds with an info event; NotChecked proceeds (warn only for unsupported)', () => {
    const ok = drift.afterDrift(drift.judgeDrift(T('{"score":0.9,"explanation":""}'), 0.8), { taskId: 't1', driftRetried: false });
    expect(ok._tag).toBe('ProceedToReview');
    expect(ok.effects.map((e) => e._tag)).toEqual(['RecordDriftScore', 'EmitEvent']);
    const un = drift.afterDrift(drift.judgeDrift({ _tag: 'Unsupported' }, 0.8), { taskId: 't1', driftRetried: false });
    expect(un.effects).toEqual([{ _tag: 'EmitEvent', type: 'drift', severity: 'warn', code: 'drift-unsupported', taskId: 't1' }]);
    const off = drift.afterDrift(drift.decideDrift(false, false, T('x'), 0.8), { taskId: 't1', driftRetried: false });
    expect(off.effects).toEqual([{ _tag: 'EmitEvent', type: 'drift', severity: 'info', code: 'drift-disabled', taskId: 't1' }]);
  });
  it('a Drifted verdict for a task already drift-retried proceeds without a second retry', () => {
    const d = drift.afterDrift(drift.judgeDrift({ _tag: 'CheckFailed', message: '' }, 0.8), { taskId: 't1', driftRetried: true });
    expect(d._tag).toBe('ProceedToReview');
    expect(d.effects.some((e) => e._tag === 'ScheduleDriftRetry')).toBe(false);
  });
});

describe('parser details (drift.md §5)', () => {
  it('P1 the whole reply is a candidate even when it spans lines; JSON that is no object never crashes the parser', () => {
    expect(drift.parseDriftAnswer('{\n  "score": 0.7,\n  "explanation": "multi-line"\n}')).toEqual({ _tag: 'Parsed', score: 0.7, explanation: 'multi-line', form: 'json' });
    for (const raw of ['null', '42', '"score"', 'true', '[]', '{}', '{"score":1e999,"explanation":"x"}', '{"score":-1e999,"explanation":"x"}']) {
      expect(drift.parseDriftAnswer(raw)).toEqual({ _tag: 'Unparseable', reason: 'drift-unparseable' });
    }
  });
  it('P1 candidates are trimmed with the whole whitespace set, not only JSON whitespace', () => {
    expect(drift.parseDriftAnswer('\u00a0{"score":0.6,"explanation":"x"}\ufeff')).toEqual({ _tag: 'Parsed', score: 0.6, explanation: 'x', form: 'json' });
    expect(drift.parseDriftAnswer('intro\n\u2003{"score":0.4,"explanation":"y"}\u00a0\nend')).toMatchObject({ score: 0.4, form: 'json' });
  });
  it('P1 a fenced body keeps its line breaks: a number split over two lines is no JSON', () => {
    const split = 'x\n```\n{"score":0.\n5,"explanation":"x"}\n```\ny';
    expect(drift.parseDriftAnswer(split)).toEqual({ _tag: 'Unparseable', reason: 'drift-unparseable' });
    expect(drift.parseDriftAnswer('x\n```\n{"score":0.5,\n"explanation":"ok"}\n```\ny')).toEqual({ _tag: 'Parsed', score: 0.5, explanation: 'ok', form: 'json' });
  });
  it('P2 the explanation line: any ASCII case, spaces before the colon, the whole text after it (only \\r and \\n end a line)', () => {
    expect(drift.parseDriftAnswer('SCORE: 0.5\nEXPLANATION : Fine work ')).toEqual({ _tag: 'Parsed', score: 0.5, explanation: 'Fine work', form: 'line' });
    expect(drift.parseDriftAnswer('score: 0.5\nexplanation:kept')).toMatchObject({ explanation: 'kept' });
    expect(drift.parseDriftAnswer('score: 0.5\nmy explanation: no')).toMatchObject({ explanation: '' });
    expect(drift.parseDriftAnswer('score: 0.5\nexplanation: a\u2028b')).toMatchObject({ explanation: 'a\u2028b' });
    expect(drift.parseDriftAnswer('score: 0.5\rexplanation: after a CR')).toMatchObject({ score: 0.5, explanation: 'after a CR' });
  });
});

describe('decisions and effects in full (drift.md §6, drift.md §7)', () => {
  it('J4 and J6 record 0.5 with an empty explanation', () => {
    expect(drift.judgeDrift({ _tag: 'CheckFailed', message: 'boom' }, 0.8)).toEqual({ _tag: 'Drifted', score: 0.5, explanation: '', reason: 'drift-check-failed', reasons: ['drift-check-failed'] });
    expect(drift.judgeDrift(T('nothing'), 0.8)).toEqual({ _tag: 'Drifted', score: 0.5, explanation: '', reason: 'drift-unparseable', reasons: ['drift-unparseable'] });
    expect(drift.judgeDrift({ _tag: 'Unsupported' }, 0.8)).toEqual({ _tag: 'NotChecked', reason: 'drift-unsupported', reasons: ['drift-unsupported'] });
    expect(drift.judgeDrift(T('score: 0.9\nexplanation: fine'), 0.8)).toEqual({ _tag: 'OnTrack', score: 0.9, explanation: 'fine', reason: 'drift-ok', reasons: ['drift-ok'] });
  });
  it('J1 and J2 carry their reason list; decideDrift consults the answer only after them', () => {
    expect(drift.needsDriftCheck(false, false)).toEqual({ _tag: 'NotChecked', reason: 'drift-disabled', reasons: ['drift-disabled'] });
    expect(drift.needsDriftCheck(true, true)).toEqual({ _tag: 'NotChecked', reason: 'drift-already-retried', reasons: ['drift-already-retried'] });
    expect(drift.decideDrift(true, true, T('{"score":0.1,"explanation":""}'), 0.8)).toEqual({ _tag: 'NotChecked', reason: 'drift-already-retried', reasons: ['drift-already-retried'] });
    expect(drift.decideDrift(true, false, T('{"score":0.1,"explanation":"e"}'), 0.8)).toMatchObject({ _tag: 'Drifted', score: 0.1, explanation: 'e' });
  });
  it('afterDrift: every effect of OnTrack, of an already-retried task and of NotChecked drift-already-retried', () => {
    const ok = drift.afterDrift(drift.judgeDrift(T('{"score":0.9,"explanation":""}'), 0.8), { taskId: 't2', driftRetried: false });
    expect(ok).toEqual({
      _tag: 'ProceedToReview',
      effects: [
        { _tag: 'RecordDriftScore', taskId: 't2', score: 0.9 },
        { _tag: 'EmitEvent', type: 'drift', severity: 'info', code: 'drift-ok', taskId: 't2', data: { score: 0.9 } },
      ],
    });
    const again = drift.afterDrift(drift.judgeDrift(T('{"score":0.3,"explanation":"x"}'), 0.8), { taskId: 't3', driftRetried: true });
    expect(again).toEqual({
      _tag: 'ProceedToReview',
      effects: [
        { _tag: 'RecordDriftScore', taskId: 't3', score: 0.3 },
        { _tag: 'EmitEvent', type: 'drift', severity: 'warn', code: 'drift-already-retried', taskId: 't3', data: { score: 0.3, verdict: 'drift-low-score' } },
      ],
    });
    const skipped = drift.afterDrift(drift.decideDrift(true, true, T('x'), 0.8), { taskId: 't4', driftRetried: true });
    expect(skipped).toEqual({ _tag: 'ProceedToReview', effects: [{ _tag: 'EmitEvent', type: 'drift', severity: 'info', code: 'drift-already-retried', taskId: 't4' }] });
  });
  it('a failed check retries with a note that has no explanation part', () => {
    const d = drift.afterDrift(drift.judgeDrift({ _tag: 'CheckFailed', message: 'boom' }, 0.8), { taskId: 't5', driftRetried: false });
    expect(d).toEqual({
      _tag: 'DriftRetry',
      effects: [
        { _tag: 'RecordDriftScore', taskId: 't5', score: 0.5 },
        { _tag: 'EmitEvent', type: 'drift', severity: 'warn', code: 'drift-check-failed', taskId: 't5', data: { score: 0.5 } },
        { _tag: 'ScheduleDriftRetry', taskId: 't5', note: 'A check doubted that your last change does what the task asks (confidence 0.5). Re-read the task and stay within it.' },
      ],
    });
  });
});

describe('the drift note (drift.md §7, retry.md §4)', () => {
  const prefix = (score: string) => `A check doubted that your last change does what the task asks (confidence ${score}).`;
  const suffix = ' Re-read the task and stay within it.';
  it('the score is rounded to three decimals', () => {
    expect(drift.driftNote(0.12345, '')).toBe(prefix('0.123') + suffix);
    expect(drift.driftNote(0.0006, '')).toBe(prefix('0.001') + suffix);
    expect(drift.driftNote(1, '')).toBe(prefix('1') + suffix);
  });
  it('the default sanitizer turns C0, DEL and C1 controls into spaces and keeps 1 000 characters; blank explanations vanish', () => {
    expect(drift.defaultSanitize('a\u0000b\u001fc\u007fd\u0085e\u009ff\u00a0g')).toBe('a b c d e f\u00a0g');
    expect(drift.defaultSanitize('x'.repeat(1_001))).toBe('x'.repeat(1_000));
    expect(drift.driftNote(0.2, 'y'.repeat(5_000))).toBe(prefix('0.2') + ' ' + 'y'.repeat(1_000) + suffix);
    expect(drift.driftNote(0.2, ' \t\n ')).toBe(prefix('0.2') + suffix);
    expect(drift.driftNote(0.2, '  padded  ', (s) => s)).toBe(prefix('0.2') + ' padded' + suffix);
  });
  it('a note longer than 6 000 characters (a caller\'s sanitizer) is cut to 6 000 with a marker; 6 000 exactly is kept', () => {
    const fixed = (prefix('0.2') + ' ' + suffix).length;
    const exact = drift.driftNote(0.2, 'z'.repeat(6_000 - fixed), (s) => s);
    expect(exact).toHaveLength(6_000);
    expect(exact.endsWith(suffix)).toBe(true);
    const long = drift.driftNote(0.2, 'z'.repeat(6_001 - fixed), (s) => s);
    expect(long).toHaveLength(6_000);
    expect(long).toBe((prefix('0.2') + ' ' + 'z'.repeat(6_001 - fixed) + suffix).slice(0, 6_000 - 17) + '\n[note truncated]');
  });
});

describe('decodeDriftConfig shapes (convoy.md §7)', () => {
  it('defaults that are not an object are refused; an absent key keeps its default', () => {
    for (const bad of [null, [], 'x', 3, true]) expect(drift.decodeDriftConfig(bad)).toEqual({ _tag: 'Left', left: ['defaults: expected an object'] });
    expect(drift.decodeDriftConfig({})).toEqual({ _tag: 'Right', right: { detectDrift: false, threshold: 0.8 } });
    expect(drift.decodeDriftConfig({ detect_drift: false, drift_threshold: 0.5 })).toEqual({ _tag: 'Right', right: { detectDrift: false, threshold: 0.5 } });
    expect(drift.decodeDriftConfig({ drift_threshold: Number.POSITIVE_INFINITY })).toEqual({ _tag: 'Left', left: ['drift_threshold: expected a number with 0 < t ≤ 1'] });
  });
});

// ───────────────────────────────────────── properties ─────────────────────────────────────────

const arbScore = fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom(0, 1, 0.5, 0.8, 1e-7));
const arbThreshold = fc.oneof(fc.double({ min: Number.MIN_VALUE, max: 1, noNaN: true }), fc.constantFrom(1, 0.8, 0.5));
const arbExplanation = fc.string({ maxLength: 30, unit: 'grapheme' });

describe('properties (drift.md §9)', () => {
  it('DR-1 parseDriftAnswer is total on arbitrary full-Unicode strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (s) => {
        const r = drift.parseDriftAnswer(s);
        expect(['Parsed', 'Unparseable']).toContain(r._tag);
      }),
      RUNS,
    );
  });
  it('DR-2 key order: any JSON number in [0, 1], any explanation, extra keys, any permutation → Parsed {s}', () => {
    fc.assert(
      fc.property(arbScore, arbExplanation, fc.dictionary(fc.string({ maxLength: 5 }).filter((k) => k !== 'score' && k !== 'explanation'), fc.jsonValue(), { maxKeys: 3 }), fc.nat(), fc.boolean(), (s, ex, extra, seed, wrap) => {
        const entries: Array<[string, unknown]> = [['score', s], ['explanation', ex], ...Object.entries(extra)];
        const perm = entries.map((e, i) => [e, (i * 7919 + seed) % 101] as const).sort((a, b) => a[1] - b[1]).map(([e]) => e);
        const json = '{' + perm.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',') + '}';
        const text = wrap ? `Here is my verdict.\n\`\`\`json\n${json}\n\`\`\`\nThanks.` : json;
        expect(drift.parseDriftAnswer(text)).toEqual({ _tag: 'Parsed', score: s, explanation: ex, form: 'json' });
      }),
      RUNS,
    );
  });
  it('DR-3 no stray numbers: text with no brace and no qualifying line is Unparseable', () => {
    const word = fc.constantFrom('fixed', 'tests', '1', '10', '0.9', 'all', 'green', 'score', 'confidence', 'was', 'about', '1.0', 'of', 'and');
    const sentence = fc.array(word, { minLength: 2, maxLength: 8 }).map((ws) => ws.join(' ') + '.');
    fc.assert(
      fc.property(fc.array(sentence, { minLength: 1, maxLength: 5 }), (lines) => {
        expect(drift.parseDriftAnswer(lines.join('\n'))).toEqual({ _tag: 'Unparseable', reason: 'drift-unparseable' });
      }),
      RUNS,
    );
  });
  it('DR-4 a JSON score outside [0, 1] or not a number is never accepted through P1', () => {
    const bad = fc.oneof(
      fc.double({ noNaN: true, noDefaultInfinity: true }).filter((x) => x < 0 || x > 1),
      fc.string({ maxLength: 5 }),
      fc.boolean(),
      fc.constant(null),
      fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 2 }),
    );
    fc.assert(
      fc.property(bad, arbExplanation, (s, ex) => {
        expect(drift.parseDriftAnswer(JSON.stringify({ score: s, explanation: ex }))._tag).not.toBe('Parsed');
      }),
      RUNS,
    );
  });
  it('DR-5 a parsed s is drifted iff s < threshold; s = threshold is OnTrack', () => {
    fc.assert(
      fc.property(arbScore, arbThreshold, (s, t) => {
        const v = drift.judgeDrift(T(JSON.stringify({ score: s, explanation: '' })), t);
        expect(v._tag).toBe(s < t ? 'Drifted' : 'OnTrack');
        if (s > 0) expect(drift.judgeDrift(T(JSON.stringify({ score: s, explanation: '' })), s)._tag).toBe('OnTrack');
      }),
      RUNS,
    );
  });
  it('DR-6 Unparseable and CheckFailed are Drifted with score 0.5 for every threshold in (0, 1]', () => {
    fc.assert(
      fc.property(arbThreshold, fc.string({ maxLength: 40 }).filter((s) => drift.parseDriftAnswer(s)._tag === 'Unparseable'), fc.string(), (t, raw, msg) => {
        expect(drift.judgeDrift(T(raw), t)).toMatchObject({ _tag: 'Drifted', score: 0.5 });
        expect(drift.judgeDrift({ _tag: 'CheckFailed', message: msg }, t)).toMatchObject({ _tag: 'Drifted', score: 0.5, reason: 'drift-check-failed' });
      }),
      RUNS,
    );
  });
  it('DR-7 at most one drift retry per task over any sequence of attempts; retries never change', () => {
    const arbAnswer: fc.Arbitrary<drift.Answer> = fc.oneof(
      arbScore.map((s) => T(JSON.stringify({ score: s, explanation: 'e' }))),
      fc.constant({ _tag: 'CheckFailed', message: 'x' } as const),
      fc.constant({ _tag: 'Unsupported' } as const),
      fc.string({ maxLength: 20 }).map(T),
    );
    fc.assert(
      fc.property(fc.boolean(), arbThreshold, fc.array(arbAnswer, { minLength: 1, maxLength: 10 }), fc.boolean(), (enabled, t, answers, callerChecks) => {
        let driftRetried = false;
        const retries = 0;
        let count = 0;
        for (const a of answers) {
          // a careless caller may skip needsDriftCheck and judge directly; afterDrift must still hold the line
          const v = callerChecks ? drift.decideDrift(enabled, driftRetried, a, t) : drift.judgeDrift(a, t);
          const d = drift.afterDrift(deepFreeze(v), { taskId: 't1', driftRetried });
          for (const e of d.effects) {
            if (e._tag === 'ScheduleDriftRetry') {
              count++;
              driftRetried = true;
              expect(Object.keys(e).sort()).toEqual(['_tag', 'note', 'taskId']);
            }
          }
        }
        expect(count).toBeLessThanOrEqual(1);
        expect(retries).toBe(0);
      }),
      RUNS,
    );
  });
  it('DR-8 monotone: if s drifts, every s′ < s drifts', () => {
    fc.assert(
      fc.property(arbScore, arbScore, arbThreshold, (a, b, t) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        const judge = (s: number) => drift.judgeDrift(T(JSON.stringify({ score: s, explanation: '' })), t)._tag;
        if (judge(hi) === 'Drifted') expect(judge(lo)).toBe('Drifted');
      }),
      RUNS,
    );
  });
  it('DR-9 two qualifying lines with different values give drift-ambiguous', () => {
    const arbLineNum = fc.oneof(fc.constantFrom('0', '1', '1.0', '1.000'), fc.stringMatching(/^0\.[0-9]{1,4}$/));
    const arbKey = fc.constantFrom('score', 'Score', 'CONFIDENCE', 'confidence');
    fc.assert(
      fc.property(arbKey, arbLineNum, arbKey, arbLineNum, fc.array(fc.constantFrom('text', 'more words', ''), { maxLength: 3 }), (k1, n1, k2, n2, filler) => {
        fc.pre(Number(n1) !== Number(n2));
        const text = [...filler, `${k1}: ${n1}`, ...filler, `${k2}:${n2}`].join('\n');
        expect(drift.parseDriftAnswer(text)).toEqual({ _tag: 'Unparseable', reason: 'drift-ambiguous' });
      }),
      RUNS,
    );
  });
});

describe('decodeDriftConfig (convoy.md §7)', () => {
  it('defaults, boundaries of the threshold (0 refused, 1 accepted, just above 1 refused) and task override', () => {
    expect(drift.decodeDriftConfig(undefined)).toEqual({ _tag: 'Right', right: { detectDrift: false, threshold: 0.8 } });
    expect(drift.decodeDriftConfig({ drift_threshold: 1, detect_drift: true })).toEqual({ _tag: 'Right', right: { detectDrift: true, threshold: 1 } });
    expect(drift.decodeDriftConfig({ drift_threshold: Number.MIN_VALUE })._tag).toBe('Right');
    for (const bad of [0, 1.0000001, -1, '0.8', Number.NaN]) expect(drift.decodeDriftConfig({ drift_threshold: bad })._tag).toBe('Left');
    expect(drift.decodeDriftConfig({ detect_drift: 'yes', drift_threshold: 2 })).toEqual({ _tag: 'Left', left: ['detect_drift: expected a boolean', 'drift_threshold: expected a number with 0 < t ≤ 1'] });
    const cfg = { detectDrift: true, threshold: 0.8 };
    expect([drift.driftEnabled(undefined, cfg), drift.driftEnabled(false, cfg), drift.driftEnabled(true, { ...cfg, detectDrift: false })]).toEqual([true, false, true]);
  });
});
