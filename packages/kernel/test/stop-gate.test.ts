import { afterAll, describe, expect, expectTypeOf, it } from 'vitest';
import fc from 'fast-check';
import { stopGate as sg, config, type ProbeAnswer } from '@arbiter/kernel';
import { validCodexStopOutput } from './helpers/codex-schema.js';

const NOW = 1_750_000_000_000;
const ok = <A>(value: A): ProbeAnswer<A, never> => ({ ok: true, value });
const fail = <K extends string>(kind: K): ProbeAnswer<never, K> => ({ ok: false, error: { kind, detail: kind } });
const AUTH: sg.StopGateSettings = { ...sg.DEFAULT_SETTINGS, authority: { baseUrl: 'http://127.0.0.1:9/sg', token: null } };
const obj = (value: Record<string, unknown>): sg.Payload => ({ _tag: 'Object', value });
const gateText = (mode: string, killSwitch = false) => JSON.stringify({ version: 1, mode, killSwitch, updatedAt: '2026-01-01T00:00:00.000Z' });
const NEUTRAL = 'All tests pass and the change is merged; nothing is left open.';
const G1 = "I'll run the migration now.";
const G2 = "The real fix is clear but it's late, so I'll leave it for the next session.";
const run = (payload: sg.Payload, a: sg.ScriptedAnswers, settings: sg.StopGateSettings = AUTH) => sg.run({ payload, settings, now: NOW }, a);
const tags = (ps: ReadonlyArray<sg.Probe>) => ps.map((p) => p._tag);

// ─── arbitraries ───
const messageArb = fc.oneof(
  { weight: 3, arbitrary: fc.constant(NEUTRAL) },
  fc.constantFrom(NEUTRAL, G1, G2, '', "I\u2019ll deploy\nnow", 'next step: you review the pr.', 'We will ship this turn.'),
  fc.string({ maxLength: 200 }),
  fc.string({ unit: 'binary', maxLength: 200 }),
);
const activeArb = fc.constantFrom(undefined, undefined, false, false, 0, '', null, true, 1, 'yes', [], {});
const payloadArb: fc.Arbitrary<sg.Payload> = fc.oneof(
  { weight: 1, arbitrary: fc.constantFrom<sg.Payload>({ _tag: 'Unreadable' }, { _tag: 'Empty' }, { _tag: 'Malformed' }) },
  {
    weight: 8,
    arbitrary: fc
      .record(
        {
          session_id: fc.constantFrom('S1', 'S1', 'S1', 'S2', '', 5, undefined),
          sessionId: fc.constantFrom('S1', undefined, ''),
          stop_hook_active: activeArb,
          last_assistant_message: messageArb,
          transcript_path: fc.constantFrom('/tmp/t.jsonl', '', null, undefined),
          stop_reason: fc.constantFrom(undefined, '', 'context window full'),
        },
        { requiredKeys: [] },
      )
      .map((v) => obj(v as Record<string, unknown>)),
  },
);
const modeArb = fc.constantFrom('shadow', 'enforce', 'shadow', 'enforce', 'off', 'ENFORCE', 'on', '');
const gateAnswerArb: fc.Arbitrary<ProbeAnswer<string | null>> = fc.oneof(
  { weight: 12, arbitrary: fc.tuple(modeArb, fc.boolean(), fc.boolean()).map(([m, k, k2]) => ok(gateText(m, k && k2))) },
  fc.constant(fail('failed') as ProbeAnswer<string | null>),
  fc.constant(ok(null)),
  fc.constant(ok('{not json')),
  fc.constant(ok('[1]')),
  fc.tuple(modeArb, fc.boolean()).map(([m, k]) => ok(gateText(m, k))),
);
const httpFailArb = fc.constantFrom<sg.HttpFailKind>('timeout', 'unreachable', 'http-status', 'malformed');
const hotArb: fc.Arbitrary<ProbeAnswer<string, sg.HttpFailKind>> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(ok('{}'), ok('{"selfDeferralGuardOn":true,"sessionStartTs":1}')) },
  httpFailArb.map((k) => fail(k)),
  fc.constant(ok('garbage')),
  fc.constant(ok('[]')),
  fc
    .record({
      killSwitch: fc.constantFrom(true, false, 'true'),
      mode: fc.constantFrom('off', 'enforce', 'shadow'),
      compactionInFlight: fc.constantFrom(true, false),
      selfDeferralGuardOn: fc.constantFrom(true, false),
      sessionStartTs: fc.constantFrom(NOW - 10_000, null, 'x'),
    })
    .map((o) => ok(JSON.stringify(o))),
);
const evalArb: fc.Arbitrary<ProbeAnswer<string, sg.HttpFailKind>> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(ok('{"decision":"continue","reminder":"Go on."}'), ok('{"decision":"continue","reminder":" "}')) },
  httpFailArb.map((k) => fail(k)),
  fc.constant(ok('nope')),
  fc
    .record(
      {
        decision: fc.constantFrom('continue', 'allow', 'escalate', 'force_allow', 'maybe', 3),
        reminder: fc.constantFrom('Finish the spec.', '', '   ', '\n', 'Do\u0007it', 7),
        rule: fc.constantFrom('R1', null, 5, undefined),
      },
      { requiredKeys: ['decision'] },
    )
    .map((o) => ok(JSON.stringify(o))),
);
const countArb: fc.Arbitrary<ProbeAnswer<string | null>> = fc.oneof(
  fc.constant(fail('failed') as ProbeAnswer<string | null>),
  fc.constant(ok(null)),
  fc.constant(ok('garbage')),
  fc.integer({ min: 0, max: 4 }).map((n) => ok(JSON.stringify({ version: 1, sessions: { S1: { count: n, lastAt: '2026-01-01T00:00:00.000Z' } } }))),
);
const answersArb: fc.Arbitrary<sg.ScriptedAnswers> = fc
  .record({
    gate: gateAnswerArb,
    count: countArb,
    hot: hotArb,
    files: fc.oneof(fc.constant(fail('timeout') as ProbeAnswer<string[]>), fc.constant(ok(['docs/spec.md', 'src/a.ts', 'task/plan.json']))),
    hist: fc.oneof(fc.constant(fail('timeout') as ProbeAnswer<Array<sg.PathHistory | null>>), fc.constant(ok([null, { introducingCommit: 'a', latestCommit: 'b', introducingTime: NOW, latestTime: NOW }]))),
    tail: fc.oneof(fc.constant(fail('failed') as ProbeAnswer<{ text: string; partial: boolean }>), fc.constant(ok({ text: '{"type":"user","message":{"content":"go on"}}\n', partial: false }))),
    ev: evalArb,
  })
  .map((r) => ({
    gateState: () => r.gate,
    continueCount: () => r.count,
    hotPath: () => r.hot,
    gitFiles: () => r.files,
    gitHistory: () => r.hist,
    transcriptTail: () => r.tail,
    evaluate: () => r.ev,
  }));
const settingsArb = fc.constantFrom(AUTH, AUTH, AUTH, sg.DEFAULT_SETTINGS);
// 400 cases per property in this file, and only in it: mutation runs keep one worker's modules across files
// (isolate: false), so the global set here is put back after the file, with the seed a mutation run fixed in it.
const fcBefore = fc.readConfigureGlobal();
fc.configureGlobal({ ...fcBefore, numRuns: 400 });
afterAll(() => fc.configureGlobal(fcBefore));
const modeOf = (a: sg.ScriptedAnswers): sg.GateState | null => {
  const g = a.gateState?.();
  return g === undefined || !g.ok ? null : sg.readGateState(g.value);
};

describe('stop-gate properties (stop-gate.md §11, hooks.md §9)', () => {
  it('SG-P1 kill switch: Allow kill-switch for any message and mode, no effects, gateState the only probe', () => {
    fc.assert(
      fc.property(messageArb, modeArb, settingsArb, (m, mode, s) => {
        const r = run(obj({ session_id: 'S1', last_assistant_message: m }), { gateState: () => ok(gateText(mode, true)) }, s);
        expect(r.step.outcome).toEqual({ _tag: 'Allow', reasons: ['kill-switch'], failOpen: false });
        expect(r.step.effects).toEqual([]);
        expect(tags(r.probes)).toEqual(['GateState']);
      }),
    );
  });

  it('SG-P2 mode off: any mode value but shadow/enforce gives Allow mode-off with gateState the only probe', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.constantFrom('off', 'Enforce', 'SHADOW', 'on')), messageArb, (mode, m) => {
        fc.pre(mode !== 'shadow' && mode !== 'enforce');
        const r = run(obj({ session_id: 'S1', last_assistant_message: m }), { gateState: () => ok(gateText(mode)) });
        expect(r.step.outcome.reasons).toEqual(['mode-off']);
        expect(r.step.effects).toEqual([]);
        expect(tags(r.probes)).toEqual(['GateState']);
      }),
    );
  });

  it('SG-P3 loop guard and bad input: Allow with no probe and no effect', () => {
    fc.assert(
      fc.property(payloadArb, answersArb, settingsArb, (p, a, s) => {
        const bad =
          p._tag !== 'Object' || Boolean(p.value['stop_hook_active']) || sg.sessionOf(p.value) === null;
        fc.pre(bad);
        const r = run(p, a, s);
        expect(r.step.outcome._tag).toBe('Allow');
        expect(r.probes).toEqual([]);
        expect(r.step.effects).toEqual([]);
      }),
    );
  });

  it('SG-P4 enforce only: whenever the mode is not enforce, the verdict is Allow whatever the answers', () => {
    fc.assert(
      fc.property(payloadArb, answersArb, settingsArb, (p, a, s) => {
        const g = modeOf(a);
        fc.pre(g === null || g.mode !== 'enforce');
        expect(run(p, a, s).step.outcome._tag).toBe('Allow');
      }),
    );
  });

  it('SG-P5 authority block precondition: enforce, decision continue, non-blank reminder, count below 2', () => {
    fc.assert(
      fc.property(payloadArb, answersArb, (p, a) => {
        const r = run(p, a);
        if (r.step.outcome.reasons[0] !== 'authority-continue') return;
        expect(modeOf(a)?.mode).toBe('enforce');
        const ev = sg.decodeEvaluate((a.evaluate!({} as sg.EvaluateBody) as { value: string }).value);
        expect(ev?.decision).toBe('continue');
        expect(ev!.reminder.trim()).not.toBe('');
        const c = a.continueCount!('S1');
        expect(c.ok && sg.readContinueCount(c.value, sg.sessionOf((p as { value: Record<string, unknown> }).value)!)).toBeLessThan(2);
      }),
    );
  });

  it('SG-P6 counting: ContinueIncrement exactly with Block authority-continue; never in shadow', () => {
    fc.assert(
      fc.property(payloadArb, answersArb, settingsArb, (p, a, s) => {
        const r = run(p, a, s);
        const inc = r.step.effects.filter((e) => e._tag === 'ContinueIncrement');
        const isAuth = r.step.outcome._tag === 'Block' && r.step.outcome.reasons[0] === 'authority-continue';
        expect(inc.length).toBe(isAuth ? 1 : 0);
        if (modeOf(a)?.mode === 'shadow') expect(inc).toEqual([]);
      }),
    );
  });

  it('SG-P7 ceiling (model-based): at most 2 authority-continue blocks; afterwards no hotPath or evaluate', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.boolean(), (n, startActive) => {
        let counter: string | null = null;
        let blocks = 0;
        let ceiling = false;
        for (let i = 0; i < n; i++) {
          const active = (i % 2 === 0) === startActive;
          const r = run(obj({ session_id: 'S1', last_assistant_message: NEUTRAL, stop_hook_active: active }), {
            gateState: () => ok(gateText('enforce')),
            continueCount: () => ok(counter),
            hotPath: () => ok('{}'),
            gitFiles: () => ok([]),
            evaluate: () => ok(JSON.stringify({ decision: 'continue', reminder: 'Keep going.' })),
          });
          if (r.step.outcome.reasons[0] === 'authority-continue') blocks++;
          if (ceiling) expect(tags(r.probes).filter((t) => t === 'HotPath' || t === 'Evaluate')).toEqual([]);
          if (r.step.outcome.reasons[0] === 'continue-ceiling') ceiling = true;
          for (const e of r.step.effects) if (e._tag === 'ContinueIncrement') counter = sg.incrementContinue(counter, e.session, e.at);
        }
        expect(blocks).toBeLessThanOrEqual(2);
      }),
    );
  });

  it('SG-P8 fail-open: a failing gateState/continueCount/hotPath/evaluate allows with failOpen; evidence failures still evaluate', () => {
    const msg = obj({ session_id: 'S1', last_assistant_message: NEUTRAL, transcript_path: '/t' });
    const good = {
      gateState: () => ok(gateText('enforce')),
      continueCount: () => ok(null),
      hotPath: () => ok(JSON.stringify({ selfDeferralGuardOn: true })),
      gitFiles: () => ok(['docs/spec.md']),
      gitHistory: () => ok([null]),
      transcriptTail: () => ok({ text: '', partial: false }),
      evaluate: () => ok(JSON.stringify({ decision: 'continue', reminder: 'x' })),
    };
    const kinds = fc.constantFrom('timeout', 'unavailable', 'failed', 'unreachable', 'http-status', 'malformed', 'weird');
    fc.assert(
      fc.property(fc.constantFrom('gateState', 'continueCount', 'hotPath', 'evaluate'), kinds, (which, kind) => {
        const r = run(msg, { ...good, [which]: () => fail(kind) });
        expect(r.step.outcome).toMatchObject({ _tag: 'Allow', failOpen: true });
      }),
    );
    fc.assert(
      fc.property(fc.subarray(['gitFiles', 'gitHistory', 'transcriptTail'] as const, { minLength: 1 }), kinds, (which, kind) => {
        const a: Record<string, unknown> = { ...good };
        for (const w of which) a[w] = () => fail(kind);
        const r = run(msg, a as sg.ScriptedAnswers);
        expect(tags(r.probes)).toContain('Evaluate');
        const body = (r.probes.find((p) => p._tag === 'Evaluate') as Extract<sg.Probe, { _tag: 'Evaluate' }>).body;
        if (which.includes('gitFiles')) expect(body.evidenceMetadata.artifacts).toEqual([]);
        if (which.includes('gitHistory') && !which.includes('gitFiles')) expect(body.evidenceMetadata.artifacts[0]).toMatchObject({ introducingCommit: null, latestCommit: null });
        if (which.includes('transcriptTail')) expect(body.untrustedContent.recentTurns.filter((t) => t.source === 'user')).toEqual([]);
      }),
    );
  });

  const phraseArb = fc.stringMatching(/^[ab' \u2019]{0,4}$/);
  const listArb = fc.array(phraseArb, { maxLength: 4 });
  const oracle = (g: { enabled: boolean; minLength: number; a: string[]; b: string[] }, message: string) => {
    const norm = (s: string) => {
      let out = '';
      for (const ch of s.toLowerCase()) out += ch === '\u2018' || ch === '\u2019' ? "'" : ch === '\u201c' || ch === '\u201d' ? '"' : ch;
      return out.split(/\s+/).join(' ');
    };
    const m = norm(message).trim();
    const a = g.a.map((p) => norm(p)).filter((p) => /\S/.test(p));
    const b = g.b.map((p) => norm(p)).filter((p) => /\S/.test(p));
    if (!g.enabled || m.length < g.minLength) return null;
    const x = a.filter((p) => m.indexOf(p) >= 0)[0];
    const y = b.filter((p) => m.indexOf(p) >= 0)[0];
    return x === undefined || y === undefined ? null : [x, y];
  };

  it('SG-P9 guard oracle: a guard hits exactly when the oracle says so, quoting the first phrases in list order', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.integer({ min: 0, max: 12 }), listArb, listArb, fc.stringMatching(/^[abAB' \t\n\u2019]{0,16}$/), (enabled, minLength, a, b, m) => {
        const g: sg.GuardSettings = { enabled, minLength, lists: [sg.normalizePhrases(a), sg.normalizePhrases(b)] };
        const hit = sg.guardHit(g, sg.normalize(m));
        const o = oracle({ enabled, minLength, a, b }, m);
        expect(hit === null ? null : [...hit.phrases]).toEqual(o);
      }),
    );
  });

  it('SG-P10 empty lists: a guard with an empty phrase list never hits', () => {
    fc.assert(
      fc.property(listArb, fc.boolean(), fc.string(), (other, first, m) => {
        const lists: [ReadonlyArray<string>, ReadonlyArray<string>] = first ? [[], sg.normalizePhrases(other)] : [sg.normalizePhrases(other), []];
        expect(sg.guardHit({ enabled: true, minLength: 0, lists }, sg.normalize(m))).toBeNull();
        const blank = sg.resolveSettings({ guards: { stated_continuation: { commit_phrases: ['  ', '\n'] } } }).settings;
        expect(sg.guardHit(blank.statedContinuation, sg.normalize(m + " i'll do it now"))).toBeNull();
      }),
    );
  });

  it('the default phrase lists are stored already normalized (config load would not change them)', () => {
    for (const l of [sg.DEFAULT_COMMIT_PHRASES, sg.DEFAULT_IMMINENT_PHRASES, sg.DEFAULT_EXCUSE_PHRASES, sg.DEFAULT_KNOWN_WORK_PHRASES]) {
      expect(sg.normalizePhrases(l)).toEqual(l);
    }
  });

  it('SG-P11 disjoint defaults: the two lists of each guard share no phrase; no default phrase hits on its own', () => {
    for (const g of [sg.DEFAULT_SETTINGS.statedContinuation, sg.DEFAULT_SETTINGS.falseExcuse]) {
      const [a, b] = g.lists;
      expect(a.filter((p) => b.includes(p))).toEqual([]);
      for (const p of [...a, ...b]) {
        expect(sg.guardHit({ ...g, minLength: 0 }, sg.normalize(p))).toBeNull();
        expect(sg.guardHit({ ...g, minLength: 0 }, p)).toBeNull();
      }
    }
  });

  it('SG-P12 shadow guards: a hit never blocks and always audits shadow-guard-hit', () => {
    fc.assert(
      fc.property(messageArb, settingsArb, answersArb, (m, s, a) => {
        const n = sg.normalize(m);
        const hits = [s.statedContinuation, s.falseExcuse].filter((g) => sg.guardHit(g, n) !== null).length;
        fc.pre(hits > 0);
        const r = run(obj({ session_id: 'S1', last_assistant_message: m }), { ...a, gateState: () => ok(gateText('shadow')) }, s);
        expect(r.step.outcome._tag).toBe('Allow');
        expect(r.step.effects.filter((e) => e._tag === 'Audit' && e.reason === 'shadow-guard-hit').length).toBe(hits);
      }),
    );
  });

  it('SG-P13 probe order: requested probes form a subsequence of stop-gate.md §6; no HTTP probe after a guard block', () => {
    fc.assert(
      fc.property(payloadArb, answersArb, settingsArb, (p, a, s) => {
        const r = run(p, a, s);
        const idx = tags(r.probes).map((t) => sg.PROBE_ORDER.indexOf(t));
        for (let i = 1; i < idx.length; i++) expect(idx[i]!).toBeGreaterThan(idx[i - 1]!);
        if (r.step.outcome._tag === 'Block' && r.step.outcome.reasons[0] !== 'authority-continue') {
          expect(tags(r.probes)).toEqual(['GateState']);
        }
        const ti = tags(r.probes);
        if (ti.includes('ContinueCount')) expect(modeOf(a)?.mode).toBe('enforce');
        if (ti.includes('Evaluate')) expect(ti).toContain('HotPath');
      }),
    );
  });

  it('SG-P14 rendering: every verdict renders to Codex-valid JSON; a Block reason is non-blank', () => {
    fc.assert(
      fc.property(payloadArb, answersArb, settingsArb, (p, a, s) => {
        const v = run(p, a, s).step.outcome;
        const out = sg.renderStop(v._tag === 'Block' ? v.message : null);
        expect(validCodexStopOutput(JSON.parse(out))).toBe(true);
        if (v._tag === 'Block') {
          expect(v.message.trim()).not.toBe('');
          expect(JSON.parse(out)).toEqual({ decision: 'block', reason: v.message });
        } else expect(out).toBe('{}\n');
      }),
    );
  });

  it('SG-P15 signals equal their definition on arbitrary strings', () => {
    const words = fc.constantFrom('context', 'window', 'Token', 'compact', 'fresh session', 'New Session', 'restart', 'continue in a new', 'stop', 'PAUSE', 'wrap up', 'hand off', 'fresh', 'x', ' ');
    const textArb = fc.oneof(fc.string(), fc.array(words, { maxLength: 6 }).map((w) => w.join(' ')));
    fc.assert(
      fc.property(textArb, textArb, (r, m) => {
        const t = (r + '\n' + m).toLowerCase();
        const has = (w: string) => t.split(w).length > 1;
        expect(sg.signals(r, m)).toEqual({
          mentionsContextLimit: ['context', 'window', 'token', 'compact'].some(has),
          mentionsFreshSession: ['fresh session', 'new session', 'restart', 'continue in a new'].some(has),
          claimsShouldStopForContext: ['stop', 'pause', 'wrap up', 'hand off'].some(has) && ['context', 'fresh', 'compact'].some(has),
        });
      }),
    );
  });

  it('SG-P16 parseTranscriptTail never throws, returns ≤ 3 turns of ≤ 2000 units, in file order', () => {
    const entryArb = fc.oneof(
      fc.string({ maxLength: 3000 }).map((s) => ({ kind: 'user', line: JSON.stringify({ type: 'user', message: { content: s } }), text: s })),
      fc.array(fc.string({ maxLength: 50 }), { maxLength: 3 }).map((xs) => ({
        kind: 'user',
        line: JSON.stringify({ type: 'user', message: { content: xs.map((x) => ({ type: 'text', text: x })) } }),
        text: xs.join('\n'),
      })),
      fc.string({ maxLength: 50 }).map((s) => ({ kind: 'other', line: JSON.stringify({ type: 'assistant', message: { content: s } }), text: '' })),
      fc.string({ maxLength: 80 }).map((s) => ({ kind: 'junk', line: s.replace(/\n/g, ' '), text: '' })),
    );
    fc.assert(
      fc.property(fc.array(entryArb, { maxLength: 12 }), fc.boolean(), (entries, partial) => {
        const text = entries.map((e) => e.line).join('\n');
        const turns = sg.parseTranscriptTail(text, partial);
        expect(turns.length).toBeLessThanOrEqual(3);
        for (const t of turns) expect(t.text.length).toBeLessThanOrEqual(2000);
        // Oracle: the last three qualifying user entries (after dropping the first line when partial), in order.
        const kept = (partial ? entries.slice(1) : entries)
          .filter((e) => e.kind === 'user' && e.text.trim() !== '' && !/[\n]/.test(e.line))
          .map((e) => sg.parseTranscriptTail(e.line, false)[0]?.text)
          .filter((x): x is string => x !== undefined);
        expect(turns.map((t) => t.text)).toEqual(kept.slice(-3));
      }),
    );
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 2000 }), fc.boolean(), (s, p) => void sg.parseTranscriptTail(s, p)));
  });

  it('SG-P17 selectEvidencePaths: at most 30 paths, each satisfying the rule, in input order', () => {
    const seg = fc.constantFrom('task', 'Tasks', 'upgrades', 'MEMORY.md', 'agents.md', 'spec', 'PLAN', 'handoff', 'todo', 'next', 'round', 'src', 'lib', 'a', 'x.md', 'y.JSON', 'z.txt', 'w.ts', 'q.jsonl');
    const pathArb = fc.array(seg, { minLength: 1, maxLength: 4 }).map((s) => s.join('/'));
    fc.assert(
      fc.property(fc.array(pathArb, { maxLength: 80 }), (files) => {
        const out = sg.selectEvidencePaths(files);
        const rule = (p: string) =>
          ['md', 'markdown', 'json', 'jsonl', 'txt'].includes((p.split('.').pop() ?? '').toLowerCase()) && p.includes('.') &&
          (p.split('/').some((s) => ['task', 'upgrades', 'memory.md', 'agents.md'].some((x) => s.toLowerCase().startsWith(x))) ||
            ['spec', 'plan', 'handoff', 'todo', 'next', 'round'].some((x) => p.toLowerCase().includes(x)));
        expect(out).toEqual(files.filter(rule).slice(0, 30));
      }),
    );
  });

  it('G-P1/G-P2/G-P3 no re-request, ≤ 12 steps, deterministic, JSON round trip', () => {
    fc.assert(
      fc.property(payloadArb, answersArb, settingsArb, (p, a, s) => {
        const r1 = run(p, a, s);
        const r2 = run(p, a, s);
        expect(r1).toEqual(r2);
        expect(JSON.parse(JSON.stringify(r1.step))).toEqual(r1.step);
      }),
    );
  });

  it('G-P4 every reason belongs to the closed set; fail-open flag matches stop-gate.md §9', () => {
    expectTypeOf<sg.BlockReason>().toEqualTypeOf<'stated-continuation' | 'false-excuse-deferral' | 'authority-continue'>();
    fc.assert(
      fc.property(payloadArb, answersArb, settingsArb, (p, a, s) => {
        const r = run(p, a, s);
        const reason = r.step.outcome.reasons[0];
        expect(sg.REASONS).toContain(reason);
        if (r.step.outcome._tag === 'Allow') expect(r.step.outcome.failOpen).toBe((sg.FAIL_OPEN_REASONS as string[]).includes(reason));
        for (const e of r.step.effects) if (e._tag === 'Audit') expect(sg.REASONS).toContain(e.reason);
      }),
    );
  });

  it('fail-open boundary: the verdict is Block only for enforce + (guard hit or authority continue with reminder)', () => {
    fc.assert(
      fc.property(payloadArb, answersArb, settingsArb, (p, a, s) => {
        const v = run(p, a, s).step.outcome;
        if (v._tag !== 'Block') return;
        expect(modeOf(a)).toMatchObject({ mode: 'enforce', killSwitch: false });
        expect(sg.BLOCK_REASONS).toContain(v.reasons[0]);
      }),
    );
  });
});

describe('stop-gate rules (examples, stop-gate.md §6)', () => {
  const enforce = { gateState: () => ok(gateText('enforce')) };
  it('rules 1–5 in order', () => {
    expect(run({ _tag: 'Unreadable' }, enforce).step.outcome).toEqual({ _tag: 'Allow', reasons: ['stdin-unreadable'], failOpen: true });
    expect(run({ _tag: 'Empty' }, enforce).step.outcome.reasons).toEqual(['empty-input']);
    expect(run({ _tag: 'Malformed' }, enforce).step.outcome.reasons).toEqual(['malformed-input']);
    expect(run(obj({ stop_hook_active: 'x' }), enforce).step.outcome).toEqual({ _tag: 'Allow', reasons: ['loop-guard'], failOpen: false });
    expect(run(obj({ stop_hook_active: 0, session_id: '', sessionId: 7 }), enforce).step.outcome.reasons).toEqual(['no-session']);
    expect(run(obj({ sessionId: 'S9', last_assistant_message: G1 }), enforce).step.outcome.reasons).toEqual(['stated-continuation']);
  });
  it('classifyStdin', () => {
    expect(sg.classifyStdin(null)._tag).toBe('Unreadable');
    expect(sg.classifyStdin(' \n\t')._tag).toBe('Empty');
    expect(sg.classifyStdin('[1]')._tag).toBe('Malformed');
    expect(sg.classifyStdin('{"a":')._tag).toBe('Malformed');
    expect(sg.classifyStdin('['.repeat(200_000))._tag).toBe('Malformed');
    expect(sg.classifyStdin('{"a":1}')).toEqual({ _tag: 'Object', value: { a: 1 } });
  });
  it('rules 6–9: gate state', () => {
    const p = obj({ session_id: 'S1', last_assistant_message: G1 });
    expect(run(p, { gateState: () => fail('failed') }).step.outcome).toMatchObject({ reasons: ['gate-state-unreadable'], failOpen: true });
    expect(run(p, { gateState: () => ok('nope') }).step.outcome.reasons).toEqual(['gate-state-unreadable']);
    expect(run(p, { gateState: () => ok(null) }).step.outcome.reasons).toEqual(['mode-off']);
    expect(run(p, { gateState: () => ok('{"mode":"enforce","killSwitch":"true"}') }).step.outcome.reasons).toEqual(['stated-continuation']);
  });
  it('stop-gate.md §3 examples and normalization', () => {
    const s = sg.DEFAULT_SETTINGS;
    expect(sg.guardHit(s.statedContinuation, sg.normalize(G1))?.phrases).toEqual(["i'll ", ' now']);
    expect(sg.guardHit(s.statedContinuation, sg.normalize('next step: you review the pr.'))).toBeNull();
    expect(sg.guardHit(s.statedContinuation, sg.normalize(G2))).toBeNull();
    expect(sg.guardHit(s.falseExcuse, sg.normalize(G2))?.phrases).toEqual(["it's late", 'the real fix']);
    expect(sg.guardHit(s.statedContinuation, sg.normalize('I\u2019ll  deploy\n now'))?.phrases).toEqual(["i'll ", ' now']);
    expect(sg.guardHit(s.statedContinuation, sg.normalize("i'll\nship now"))?.phrases).toEqual(["i'll ", ' now']);
  });
  it('min_length boundaries (at, one below)', () => {
    const g = sg.DEFAULT_SETTINGS.statedContinuation;
    expect(sg.guardHit(g, "i'll now")?.phrases).toEqual(["i'll ", ' now']); // the space is shared; 8 units = min
    expect(sg.guardHit(g, "i'll no")).toBeNull();
    const m = "we'll go now"; // length 12
    expect(sg.guardHit({ ...g, minLength: 12 }, m)).not.toBeNull();
    expect(sg.guardHit({ ...g, minLength: 13 }, m)).toBeNull();
    expect(sg.guardHit({ ...g, enabled: false }, m)).toBeNull();
    const g2 = sg.DEFAULT_SETTINGS.falseExcuse;
    const m40 = 'the build: too long '.padEnd(40, 'x');
    expect(m40.length).toBe(40);
    expect(sg.guardHit(g2, m40)).not.toBeNull();
    expect(sg.guardHit(g2, m40.slice(0, 39))).toBeNull();
  });
  it('guard block texts', () => {
    const p = obj({ session_id: 'S1', last_assistant_message: G2 });
    const r = run(p, { gateState: () => ok(gateText('enforce')) });
    expect(r.step.outcome).toEqual({
      _tag: 'Block',
      reasons: ['false-excuse-deferral'],
      message:
        'Arbiter stop gate (false-excuse deferral): you left known work open ("the real fix") and gave a reason that does not prevent doing it ("it\'s late"). How long the session has run, the time of day, or a wish to be careful are not blockers; care is applied while doing the work. Keep going. Stop only for an external blocker you cannot clear, finished work, or a choice that belongs to the user.',
    });
    expect(sg.statedContinuationMessage("i'll ", ' now')).toBe(
      'Arbiter stop gate (stated-continuation): you announced an action for this turn ("i\'ll" \u2026 "now") but are stopping before doing it. Carry it out now. If you cannot, reply once, briefly, with the reason you are stopping instead. Arbiter asks this only once per stop.',
    );
  });
  const full = (over: Partial<sg.ScriptedAnswers> = {}): sg.ScriptedAnswers => ({
    gateState: () => ok(gateText('enforce')),
    continueCount: () => ok(null),
    hotPath: () => ok('{}'),
    gitFiles: () => ok([]),
    evaluate: () => ok(JSON.stringify({ decision: 'continue', reminder: 'Finish\r\nthe spec.\u0007', rule: 'R\n1' })),
    ...over,
  });
  const P = obj({ session_id: 'S 1/x', last_assistant_message: NEUTRAL });
  it('rule 12: no authority', () => {
    expect(run(P, full(), sg.DEFAULT_SETTINGS).step.outcome.reasons).toEqual(['no-authority']);
  });
  it('rule 13: continue ceiling boundaries (1 evaluates, 2 and 3 stop) and unreadable counter', () => {
    const cnt = (n: number) => () => ok(JSON.stringify({ version: 1, sessions: { 'S 1/x': { count: n, lastAt: '2026-01-01T00:00:00.000Z' } } }));
    expect(run(P, full({ continueCount: cnt(1) })).step.outcome.reasons).toEqual(['authority-continue']);
    const two = run(P, full({ continueCount: cnt(2) }));
    expect(two.step.outcome.reasons).toEqual(['continue-ceiling']);
    expect(two.step.effects).toEqual([{ _tag: 'Audit', reason: 'continue-ceiling', failOpen: false, details: { count: 2 } }]);
    expect(run(P, full({ continueCount: cnt(3) })).step.outcome.reasons).toEqual(['continue-ceiling']);
    expect(run(P, full({ continueCount: () => ok('{"sessions":[]}') })).step.outcome.reasons).toEqual(['continue-count-unreadable']);
    expect(tags(run(P, full({ gateState: () => ok(gateText('shadow')) })).probes)).not.toContain('ContinueCount');
  });
  it('rule 14: hot path URL encodes the session; failures by kind', () => {
    const r = run(P, full());
    expect(r.probes.find((p) => p._tag === 'HotPath')).toEqual({ _tag: 'HotPath', url: 'http://127.0.0.1:9/sg/hot-path?session=S%201%2Fx', timeoutMs: 1500 });
    for (const [k, reason] of [['timeout', 'hot-path-timeout'], ['unreachable', 'hot-path-unreachable'], ['http-status', 'hot-path-http-status'], ['malformed', 'hot-path-malformed']] as const) {
      expect(run(P, full({ hotPath: () => fail(k) })).step.outcome).toMatchObject({ reasons: [reason], failOpen: true });
    }
    expect(run(P, full({ hotPath: () => ok('x'.repeat(10)) })).step.outcome.reasons).toEqual(['hot-path-malformed']);
    expect(run(P, full({ hotPath: () => ok(' '.repeat(sg.HTTP_BODY_MAX_BYTES) + '{}') })).step.outcome.reasons).toEqual(['hot-path-malformed']);
  });
  it('rule 15: vetoes in order', () => {
    expect(run(P, full({ hotPath: () => ok('{"killSwitch":true,"mode":"off"}') })).step.outcome.reasons).toEqual(['remote-kill-switch']);
    expect(run(P, full({ hotPath: () => ok('{"mode":"off","compactionInFlight":true}') })).step.outcome.reasons).toEqual(['remote-mode-off']);
    expect(run(P, full({ hotPath: () => ok('{"compactionInFlight":true}') })).step.outcome.reasons).toEqual(['compaction-in-flight']);
    expect(run(P, full({ hotPath: () => ok('{"mode":"shadow","killSwitch":1}') })).step.outcome.reasons).toEqual(['authority-continue']);
  });
  it('rules 16–19: evidence and the evaluate body', () => {
    const p = obj({ session_id: 'S1', last_assistant_message: 'Done for now? maybe', stop_reason: 'context full', transcript_path: '/t.jsonl' });
    const r = run(p, full({
      hotPath: () => ok(JSON.stringify({ selfDeferralGuardOn: true, sessionStartTs: 1000 })),
      gitFiles: () => ok(['README.md', 'docs/SPEC.md', 'tasks/a.json', 'src/x.ts']),
      gitHistory: (paths) => ok(paths.map((_, i) => (i === 0 ? { introducingCommit: 'c1', latestCommit: 'c2', introducingTime: 999, latestTime: 1000 } : null))),
      transcriptTail: () => ok({ text: 'partial line\n{"type":"user","message":{"content":[{"type":"text","text":" hi "},{"type":"image"}]}}\n', partial: true }),
    }));
    expect(tags(r.probes)).toEqual(['GateState', 'ContinueCount', 'HotPath', 'GitFiles', 'GitHistory', 'TranscriptTail', 'Evaluate']);
    const ev = r.probes[6] as Extract<sg.Probe, { _tag: 'Evaluate' }>;
    expect(ev.url).toBe('http://127.0.0.1:9/sg/evaluate');
    expect(ev.timeoutMs).toBe(2500);
    expect(ev.body).toEqual({
      sessionId: 'S1',
      evidenceMetadata: {
        artifacts: [
          { path: 'docs/SPEC.md', introducingCommit: 'c1', latestCommit: 'c2', createdThisSession: false, modifiedThisSession: true },
          { path: 'tasks/a.json', introducingCommit: null, latestCommit: null, createdThisSession: false, modifiedThisSession: false },
        ],
        signals: { mentionsContextLimit: true, mentionsFreshSession: false, claimsShouldStopForContext: false },
        sessionStartTs: 1000,
      },
      untrustedContent: { stopReason: 'context full', recentTurns: [{ source: 'user', text: 'hi' }, { source: 'agent', text: 'Done for now? maybe' }] },
    });
    const noTail = run(p, full({ hotPath: () => ok('{}') }));
    expect(tags(noTail.probes)).not.toContain('TranscriptTail');
    expect(tags(noTail.probes)).not.toContain('GitHistory');
  });
  it('rules 20–23: evaluate outcomes', () => {
    const r = run(P, full());
    expect(r.step.outcome).toEqual({ _tag: 'Block', reasons: ['authority-continue'], message: 'Arbiter stop gate (authority, rule R 1): Finish\nthe spec.' });
    expect(r.step.effects[0]).toEqual({ _tag: 'ContinueIncrement', session: 'S 1/x', at: NOW });
    const e = (o: unknown) => full({ evaluate: () => ok(JSON.stringify(o)) });
    expect(run(P, e({ decision: 'continue', reminder: 'x' })).step.outcome).toMatchObject({ message: 'Arbiter stop gate (authority): x' });
    expect(run(P, e({ decision: 'continue', reminder: ' \n ' })).step.outcome).toMatchObject({ reasons: ['continue-empty-reminder'], failOpen: true });
    expect(run(P, e({ decision: 'continue' })).step.outcome.reasons).toEqual(['continue-empty-reminder']);
    expect(run(P, e({ decision: 'allow' })).step.outcome.reasons).toEqual(['authority-allow']);
    expect(run(P, e({ decision: 'escalate' })).step.outcome.reasons).toEqual(['authority-escalate']);
    expect(run(P, e({ decision: 'force_allow' })).step.outcome.reasons).toEqual(['authority-force-allow']);
    expect(run(P, e({ decision: 'CONTINUE', reminder: 'x' })).step.outcome.reasons).toEqual(['evaluate-malformed']);
    expect(run(P, e({ decision: 'continue', reminder: 5 })).step.outcome.reasons).toEqual(['evaluate-malformed']);
    expect(run(P, e({ decision: 'continue', reminder: 'x', rule: 5 })).step.outcome.reasons).toEqual(['evaluate-malformed']);
    const sh = run(P, { ...e({ decision: 'continue', reminder: 'x', rule: 'R2' }), gateState: () => ok(gateText('shadow')) });
    expect(sh.step.outcome.reasons).toEqual(['shadow']);
    expect(sh.step.effects).toEqual([{ _tag: 'Audit', reason: 'shadow', failOpen: false, details: { decision: 'continue', rule: 'R2' } }]);
    for (const [k, reason] of [['timeout', 'evaluate-timeout'], ['unreachable', 'evaluate-unreachable'], ['http-status', 'evaluate-http-status'], ['malformed', 'evaluate-malformed']] as const) {
      expect(run(P, full({ evaluate: () => fail(k) })).step.outcome).toMatchObject({ reasons: [reason], failOpen: true });
    }
  });
  it('authority reminder is sanitized and clamped to 2000 code points', () => {
    const m = sg.authorityMessage('a'.repeat(5000), 'r'.repeat(100));
    expect(m.startsWith(`Arbiter stop gate (authority, rule ${'r'.repeat(63)}\u2026): `)).toBe(true);
    expect(Array.from(m.split('): ')[1]!).length).toBe(2000);
  });
});

describe('stop-gate state files and config', () => {
  it('gate state reading', () => {
    expect(sg.readGateState(null)).toEqual({ mode: 'off', killSwitch: false });
    expect(sg.readGateState('{"mode":"shadow"}')).toEqual({ mode: 'shadow', killSwitch: false });
    expect(sg.readGateState('{"mode":"weird","killSwitch":true}')).toEqual({ mode: 'off', killSwitch: true });
    expect(sg.readGateState('"x"')).toBeNull();
    const enc = JSON.parse(sg.encodeGateState({ mode: 'enforce', killSwitch: true }, NOW));
    expect(enc).toEqual({ version: 1, mode: 'enforce', killSwitch: true, updatedAt: new Date(NOW).toISOString() });
  });
  it('continue counter: increments, prunes sessions idle > 7 days, refuses a corrupt file', () => {
    const old = new Date(NOW - sg.CONTINUE_PRUNE_MS - 1).toISOString();
    const edge = new Date(NOW - sg.CONTINUE_PRUNE_MS).toISOString();
    const t = JSON.stringify({ version: 1, sessions: { A: { count: 1, lastAt: old }, B: { count: 1, lastAt: edge }, S: { count: 1, lastAt: edge } } });
    const out = JSON.parse(sg.incrementContinue(t, 'S', NOW) as string);
    expect(out.sessions).toEqual({ B: { count: 1, lastAt: edge }, S: { count: 2, lastAt: new Date(NOW).toISOString() } });
    expect(sg.readContinueCount(sg.incrementContinue(null, 'X', NOW), 'X')).toBe(1);
    expect(sg.incrementContinue('{', 'X', NOW)).toBeNull();
    expect(sg.readContinueCount(t, 'toString')).toBe(0);
  });
  it('config: defaults, per-key fallback with warnings, env token precedence, base URL rules', () => {
    const d = config.stopGateSettings({ _tag: 'NotConfigured' });
    expect(d.settings).toEqual(sg.DEFAULT_SETTINGS);
    expect(d.warnings).toEqual([]);
    const r = sg.resolveSettings({
      guards: { stated_continuation: { min_length: -1, enabled: 'yes', commit_phrases: ['Go Ahead '] }, false_excuse_deferral: { known_work_phrases: 'x' } },
      authority: { base_url: 'http://127.0.0.1:4100/internal/stop-gate/', token: 'cfg' },
    }, '');
    expect(r.warnings).toEqual([
      'stop_gate.guards.stated_continuation.enabled: invalid value, using the default',
      'stop_gate.guards.stated_continuation.min_length: invalid value, using the default',
      'stop_gate.guards.false_excuse_deferral.known_work_phrases: invalid value, using the default',
    ]);
    expect(r.settings.statedContinuation).toMatchObject({ enabled: true, minLength: 8, lists: [['go ahead '], sg.DEFAULT_SETTINGS.statedContinuation.lists[1]] });
    expect(r.settings.authority).toEqual({ baseUrl: 'http://127.0.0.1:4100/internal/stop-gate', token: 'cfg' });
    expect(sg.resolveSettings({ authority: { base_url: 'http://h:1', token: 'cfg' } }, 'env').settings.authority?.token).toBe('env');
    for (const bad of ['ftp://h/x', 'not a url', 'http://u:p@h/x', 5]) {
      const b = sg.resolveSettings({ authority: { base_url: bad } });
      expect(b.settings.authority).toBeNull();
      expect(b.warnings).toEqual(['stop_gate.authority.base_url: invalid value, using the default']);
    }
    const inv = config.stopGateSettings({ _tag: 'Invalid', detail: 'x' });
    expect(inv.settings).toEqual(sg.DEFAULT_SETTINGS);
    expect(inv.warnings).toHaveLength(1);
    expect(config.parseConfig('{"version":1,"stop_gate":"nonsense"}')._tag).toBe('Configured');
  });
  it('table covers every verdict reason reachable by the kernel', () => {
    const t = sg.table();
    const reasons = new Set(t.rows.map((r) => r[5]));
    expect([...sg.FAIL_OPEN_REASONS, ...sg.DELIBERATE_REASONS, ...sg.BLOCK_REASONS].filter((r) => !reasons.has(r))).toEqual([]);
  });
});

describe('stop-gate rules 4–5 shared with the dispatcher fast path (@arbiter/kernel/early)', () => {
  it('gateEarlyAllow gives the reason and fail direction of stopGate.step for any payload object', async () => {
    const { gateEarlyAllow } = await import('@arbiter/kernel/early');
    const payload = fc.record(
      { stop_hook_active: fc.oneof(fc.boolean(), fc.constantFrom(0, 1, '', 'yes', null)), session_id: fc.oneof(fc.string(), fc.constant(7)), sessionId: fc.oneof(fc.string(), fc.constant(null)) },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(payload, (p) => {
        const s = sg.step({ payload: { _tag: 'Object', value: p }, settings: sg.DEFAULT_SETTINGS, now: 0 });
        const e = gateEarlyAllow(p);
        if (e === null) expect(s._tag === 'Need' && s.probe._tag).toBe('GateState');
        else expect(s).toMatchObject({ _tag: 'Done', outcome: { _tag: 'Allow', reasons: [e.reason], failOpen: e.failOpen } });
      }),
      { numRuns: 500 },
    );
  });
});

// Whole-value checks of the helpers behind the step (settings, state, guards, authority, rendering): each output is
// compared whole so a changed field, message, boundary or branch fails here (testing.md §3, module stop-gate-rest).
describe('stop-gate helpers, whole values (settings, state files, payload, authority contract)', () => {
  it('normalize: lowercase, typographic quotes to ASCII, whitespace runs to one space, trimmed unless the phrase form', () => {
    expect(sg.normalize('  \u201CDon\u2019T\u201D\t\n\u2018Go\u2019   NOW  ')).toBe('"don\'t" \'go\' now');
    expect(sg.normalize('  A\u00a0\u00a0B  ', false)).toBe(' a b ');
    expect(sg.normalize('x')).toBe('x');
    expect(sg.normalizePhrases(['  ', '', '\t\n', ' Go\u2019  On ', 'x'])).toEqual([" go' on ", 'x']);
  });

  it('parseBaseUrl: http(s) only, anchored, host forms, port 1..65535, no credentials/query/fragment, trailing slashes dropped', () => {
    expect(sg.parseBaseUrl('HTTPS://Arb.example:443/a/b//')).toBe('https://Arb.example:443/a/b');
    expect(sg.parseBaseUrl('http://h')).toBe('http://h');
    expect(sg.parseBaseUrl('http://h/')).toBe('http://h');
    expect(sg.parseBaseUrl('http://[::1]:8080/x')).toBe('http://[::1]:8080/x');
    expect(sg.parseBaseUrl('http://10.0.0.1:1')).toBe('http://10.0.0.1:1');
    expect(sg.parseBaseUrl('http://h:65535')).toBe('http://h:65535');
    for (const bad of ['http://h:0', 'http://h:65536', 'http://h:123456', 'http://h:', 'http://h?q=1', 'http://h/p?q', 'http://h/p#f', 'http://h/a b',
      'xhttp://h', 'http://h x', ' http://h', 'http://u@h', 'https:/h', 'http://', 'http://h_h', 'http://[zz]', 'ws://h', null, ['http://h']]) {
      expect(sg.parseBaseUrl(bad)).toBeNull();
    }
    const long = 'http://h/' + 'a'.repeat(2048 - 9);
    expect(long.length).toBe(2048);
    expect(sg.parseBaseUrl(long)).toBe(long);
    expect(sg.parseBaseUrl(long + 'a')).toBeNull();
  });

  it('resolveSettings: every key falls back alone with its exact warning; valid values are taken whole', () => {
    expect(sg.resolveSettings(undefined)).toEqual({ settings: sg.DEFAULT_SETTINGS, warnings: [] });
    expect(sg.resolveSettings({})).toEqual({ settings: sg.DEFAULT_SETTINGS, warnings: [] });
    for (const bad of [null, [], 'x', 3]) {
      expect(sg.resolveSettings(bad)).toEqual({ settings: sg.DEFAULT_SETTINGS, warnings: ['stop_gate.(namespace): invalid value, using the default'] });
    }
    expect(sg.resolveSettings({ guards: [], authority: 'x' })).toEqual({
      settings: sg.DEFAULT_SETTINGS,
      warnings: ['stop_gate.guards: invalid value, using the default', 'stop_gate.authority: invalid value, using the default'],
    });
    expect(sg.resolveSettings({ guards: { stated_continuation: null, false_excuse_deferral: [1] } }).warnings).toEqual([
      'stop_gate.guards.stated_continuation: invalid value, using the default',
      'stop_gate.guards.false_excuse_deferral: invalid value, using the default',
    ]);
    const thousand = Array.from({ length: 1000 }, (_, i) => `P${i} `);
    const good = sg.resolveSettings({
      guards: {
        stated_continuation: { enabled: false, min_length: 0, commit_phrases: ['A  B', ' '], imminent_phrases: [] },
        false_excuse_deferral: { enabled: true, min_length: Number.MAX_SAFE_INTEGER, excuse_phrases: thousand, known_work_phrases: ['x'.repeat(1000)] },
      },
      authority: { base_url: 'https://a.example/sg/', token: 'cfg' },
    });
    expect(good).toEqual({
      settings: {
        statedContinuation: { enabled: false, minLength: 0, lists: [['a b'], []] },
        falseExcuse: { enabled: true, minLength: Number.MAX_SAFE_INTEGER, lists: [thousand.map((p) => p.toLowerCase()), ['x'.repeat(1000)]] },
        authority: { baseUrl: 'https://a.example/sg', token: 'cfg' },
      },
      warnings: [],
    });
    const bad = sg.resolveSettings({
      guards: {
        stated_continuation: { enabled: 1, min_length: 1.5, commit_phrases: [...thousand, 'y'], imminent_phrases: ['ok', 3] },
        false_excuse_deferral: { enabled: null, min_length: -1, excuse_phrases: ['x'.repeat(1001)], known_work_phrases: {} },
      },
      authority: { base_url: 'http://h', token: 5 },
    });
    expect(bad).toEqual({
      settings: { ...sg.DEFAULT_SETTINGS, authority: { baseUrl: 'http://h', token: null } },
      warnings: [
        'stop_gate.guards.stated_continuation.enabled: invalid value, using the default',
        'stop_gate.guards.stated_continuation.min_length: invalid value, using the default',
        'stop_gate.guards.stated_continuation.commit_phrases: invalid value, using the default',
        'stop_gate.guards.stated_continuation.imminent_phrases: invalid value, using the default',
        'stop_gate.guards.false_excuse_deferral.enabled: invalid value, using the default',
        'stop_gate.guards.false_excuse_deferral.min_length: invalid value, using the default',
        'stop_gate.guards.false_excuse_deferral.excuse_phrases: invalid value, using the default',
        'stop_gate.guards.false_excuse_deferral.known_work_phrases: invalid value, using the default',
        'stop_gate.authority.token: invalid value, using the default',
      ],
    });
    // A list entry must be a string: an array entry (it has a length too) is refused, never handed to normalize.
    expect(sg.resolveSettings({ guards: { stated_continuation: { commit_phrases: [['x']] } } })).toEqual({
      settings: sg.DEFAULT_SETTINGS,
      warnings: ['stop_gate.guards.stated_continuation.commit_phrases: invalid value, using the default'],
    });
    expect(sg.resolveSettings({ guards: { stated_continuation: { min_length: 2 ** 53 } } }).warnings).toEqual([
      'stop_gate.guards.stated_continuation.min_length: invalid value, using the default',
    ]);
    // The token: config when a string, the environment when non-empty, none otherwise; no base URL, no authority.
    expect(sg.resolveSettings({ authority: { base_url: 'http://h' } }, 'env')).toEqual({ settings: { ...sg.DEFAULT_SETTINGS, authority: { baseUrl: 'http://h', token: 'env' } }, warnings: [] });
    expect(sg.resolveSettings({ authority: { base_url: 'http://h' } }, '')).toEqual({ settings: { ...sg.DEFAULT_SETTINGS, authority: { baseUrl: 'http://h', token: null } }, warnings: [] });
    expect(sg.resolveSettings({ authority: { base_url: 'http://h', token: '' } }).settings.authority).toEqual({ baseUrl: 'http://h', token: '' });
    expect(sg.resolveSettings({ authority: { token: 'cfg' } }, 'env')).toEqual({ settings: sg.DEFAULT_SETTINGS, warnings: [] });
    expect(sg.resolveSettings({ authority: { base_url: 'ftp://h', token: 5 } }, 'env')).toEqual({
      settings: sg.DEFAULT_SETTINGS,
      warnings: ['stop_gate.authority.base_url: invalid value, using the default'],
    });
  });

  it('gate state: stored modes, killSwitch only when true, exact encoding', () => {
    expect(sg.readGateState('{"mode":"enforce","killSwitch":"true"}')).toEqual({ mode: 'enforce', killSwitch: false });
    expect(sg.readGateState('{"mode":"shadow","killSwitch":true}')).toEqual({ mode: 'shadow', killSwitch: true });
    expect(sg.readGateState('{"mode":"ENFORCE","killSwitch":1}')).toEqual({ mode: 'off', killSwitch: false });
    expect(sg.readGateState('{}')).toEqual({ mode: 'off', killSwitch: false });
    for (const t of ['[]', 'null', '{', '', '"enforce"']) expect(sg.readGateState(t)).toBeNull();
    expect(sg.encodeGateState({ mode: 'shadow', killSwitch: false }, NOW)).toBe(
      `{\n  "version": 1,\n  "mode": "shadow",\n  "killSwitch": false,\n  "updatedAt": "${new Date(NOW).toISOString()}"\n}\n`,
    );
  });

  it('continue count: absent file or session 0, a count ≥ 0 as it is, anything else unreadable', () => {
    const file = (rec: unknown) => JSON.stringify({ version: 1, sessions: { S: rec } });
    expect(sg.readContinueCount(null, 'S')).toBe(0);
    expect(sg.readContinueCount(file({ count: 0 }), 'S')).toBe(0);
    expect(sg.readContinueCount(file({ count: 7 }), 'S')).toBe(7);
    expect(sg.readContinueCount(file({ count: 7 }), 'T')).toBe(0);
    for (const bad of [{ count: -1 }, { count: 1.5 }, { count: '1' }, { count: 2 ** 53 }, {}, null, 3, [{ count: 1 }]]) expect(sg.readContinueCount(file(bad), 'S')).toBeNull();
    for (const t of ['{', '[]', 'null', '{"sessions":null}', '{"sessions":[]}', '{"sessions":"x"}', '{}']) expect(sg.readContinueCount(t, 'S')).toBeNull();
  });

  it('continue increment: exact file, the session moved last, unreadable peers dropped, a corrupt count restarts at 1', () => {
    const at = new Date(NOW - 1000).toISOString();
    const nowIso = new Date(NOW).toISOString();
    const cur = JSON.stringify({
      version: 1,
      sessions: {
        S: { count: 1, lastAt: at },
        A: { count: 0, lastAt: at },
        B: { count: -1, lastAt: at },
        C: { count: 1.5, lastAt: at },
        D: { count: '2', lastAt: at },
        E: null,
        F: { count: 3, lastAt: 'yesterday' },
        G: { count: 3 },
        H: { count: 4, lastAt: new Date(NOW + 5000).toISOString() },
      },
    });
    expect(sg.incrementContinue(cur, 'S', NOW)).toBe(
      JSON.stringify({ version: 1, sessions: { A: { count: 0, lastAt: at }, H: { count: 4, lastAt: new Date(NOW + 5000).toISOString() }, S: { count: 2, lastAt: nowIso } } }, null, 2) + '\n',
    );
    expect(sg.incrementContinue(null, 'X', NOW)).toBe(`{\n  "version": 1,\n  "sessions": {\n    "X": {\n      "count": 1,\n      "lastAt": "${nowIso}"\n    }\n  }\n}\n`);
    expect(JSON.parse(sg.incrementContinue(JSON.stringify({ sessions: { X: { count: -4, lastAt: at } } }), 'X', NOW) as string)).toEqual({ version: 1, sessions: { X: { count: 1, lastAt: nowIso } } });
    for (const t of ['{', '[]', 'null', '{"sessions":[]}', '{}', '"x"']) expect(sg.incrementContinue(t, 'X', NOW)).toBeNull();
  });

  it('payload: classifyStdin whole, messageOf and stopReasonOf fallbacks', () => {
    expect(sg.classifyStdin(null)).toEqual({ _tag: 'Unreadable' });
    expect(sg.classifyStdin('')).toEqual({ _tag: 'Empty' });
    expect(sg.classifyStdin(' \n')).toEqual({ _tag: 'Empty' });
    expect(sg.classifyStdin(' x ')).toEqual({ _tag: 'Malformed' });
    expect(sg.classifyStdin('null')).toEqual({ _tag: 'Malformed' });
    expect(sg.classifyStdin('[{}]')).toEqual({ _tag: 'Malformed' });
    expect(sg.classifyStdin(' {"a":[1]} ')).toEqual({ _tag: 'Object', value: { a: [1] } });
    expect(sg.messageOf({ last_assistant_message: 'm' })).toBe('m');
    expect(sg.messageOf({ last_assistant_message: 5 })).toBe('');
    expect(sg.messageOf({})).toBe('');
    expect(sg.stopReasonOf({ stop_reason: 'a', reason: 'b', last_assistant_message: 'm' })).toBe('a');
    expect(sg.stopReasonOf({ stop_reason: '', reason: 'b', last_assistant_message: 'm' })).toBe('b');
    expect(sg.stopReasonOf({ stop_reason: 1, reason: 'b', last_assistant_message: 'm' })).toBe('b');
    expect(sg.stopReasonOf({ stop_reason: '', reason: '', last_assistant_message: 'm' })).toBe('m');
    expect(sg.stopReasonOf({ reason: 2, last_assistant_message: 'm' })).toBe('m');
    expect(sg.stopReasonOf({})).toBe('');
  });

  it('guard 2 block text whole, phrases sanitized and cut to 40 code points', () => {
    expect(sg.falseExcuseMessage(' the\nbuild ', 'x'.repeat(50))).toBe(
      `Arbiter stop gate (false-excuse deferral): you left known work open ("the build") and gave a reason that does not prevent doing it ("${'x'.repeat(39)}\u2026"). How long the session has run, the time of day, or a wish to be careful are not blockers; care is applied while doing the work. Keep going. Stop only for an external blocker you cannot clear, finished work, or a choice that belongs to the user.`,
    );
    expect(sg.statedContinuationMessage('a'.repeat(41), 'b\u0007c')).toContain(`("${'a'.repeat(39)}\u2026" \u2026 "b c")`);
  });

  it('evidence paths: the 30-path cap at its edge, non-strings skipped', () => {
    const q = Array.from({ length: 31 }, (_, i) => `docs/plan-${i}.md`);
    expect(sg.selectEvidencePaths(q)).toEqual(q.slice(0, 30));
    expect(sg.selectEvidencePaths(q.slice(0, 29))).toEqual(q.slice(0, 29));
    expect(sg.selectEvidencePaths([['task.md'], 7, null, 'task.md', 'x/Upgrades/a.TXT', 'src/task.ts', 'notes/a.md', 'a/b/c.jsonl'] as unknown as string[])).toEqual(['task.md', 'x/Upgrades/a.TXT']);
    expect(sg.isEvidencePath('a/x-task/b.md')).toBe(false);
    expect(sg.isEvidencePath('a/memory.md')).toBe(true);
    expect(sg.isEvidencePath('a/spec.md.bak')).toBe(false);
  });

  it('artifacts: session-start boundaries, created needs a latest commit, missing history gives nulls', () => {
    const h = (introducingTime: number | null, latestTime: number | null, latestCommit: string | null = 'L'): sg.PathHistory => ({ introducingCommit: 'I', latestCommit, introducingTime, latestTime });
    expect(sg.artifacts(['a', 'b', 'c', 'd', 'e'], [h(100, 100), h(99, 99), h(100, 101, null), null, h(null, null)], 100)).toEqual([
      { path: 'a', introducingCommit: 'I', latestCommit: 'L', createdThisSession: true, modifiedThisSession: true },
      { path: 'b', introducingCommit: 'I', latestCommit: 'L', createdThisSession: false, modifiedThisSession: false },
      { path: 'c', introducingCommit: 'I', latestCommit: null, createdThisSession: false, modifiedThisSession: true },
      { path: 'd', introducingCommit: null, latestCommit: null, createdThisSession: false, modifiedThisSession: false },
      { path: 'e', introducingCommit: 'I', latestCommit: 'L', createdThisSession: false, modifiedThisSession: false },
    ]);
    expect(sg.artifacts(['a'], [h(100, 100)], null)).toEqual([{ path: 'a', introducingCommit: 'I', latestCommit: 'L', createdThisSession: false, modifiedThisSession: false }]);
    expect(sg.artifacts(['a', 'b'], null, 0)).toEqual([
      { path: 'a', introducingCommit: null, latestCommit: null, createdThisSession: false, modifiedThisSession: false },
      { path: 'b', introducingCommit: null, latestCommit: null, createdThisSession: false, modifiedThisSession: false },
    ]);
    expect(sg.artifacts(['a'], [], 0)).toEqual([{ path: 'a', introducingCommit: null, latestCommit: null, createdThisSession: false, modifiedThisSession: false }]);
    expect(sg.artifacts(['a'], [{ introducingCommit: null, latestCommit: 'L', introducingTime: null, latestTime: null }], 0)).toEqual([
      { path: 'a', introducingCommit: null, latestCommit: 'L', createdThisSession: false, modifiedThisSession: false },
    ]);
    expect(sg.artifacts(['a'], [{ introducingCommit: null, latestCommit: 'L', introducingTime: 0, latestTime: 0 }], 0)).toEqual([
      { path: 'a', introducingCommit: null, latestCommit: 'L', createdThisSession: true, modifiedThisSession: true },
    ]);
  });

  it('parseTranscriptTail: content shapes, blocks joined with LF in order, odd lines skipped, never throws on a non-string', () => {
    const u = (content: unknown) => JSON.stringify({ type: 'user', message: { content } });
    expect(sg.parseTranscriptTail(null as unknown as string, false)).toEqual([]);
    const text = [
      u([{ type: 'text', text: 'a' }, { type: 'image' }, null, 'x', { type: 'text', text: 5 }, { type: 'TEXT', text: 'no' }, { type: 'text', text: 'b' }]),
      JSON.stringify({ type: 'user', message: null }),
      JSON.stringify({ type: 'user', message: 'hi' }),
      JSON.stringify({ type: 'user' }),
      JSON.stringify([{ type: 'user', message: { content: 'arr' } }]),
      'null',
      u(5),
      u(null),
      u({ text: 'obj' }),
      u([]),
      u('   '),
      '   ',
      `\u00a0${u('  padded  ')}\u2028`,
    ].join('\n');
    expect(sg.parseTranscriptTail(text, false)).toEqual([{ source: 'user', text: 'a\nb' }, { source: 'user', text: 'padded' }]);
    expect(sg.parseTranscriptTail(`${u('first')}\n${u('second')}`, true)).toEqual([{ source: 'user', text: 'second' }]);
    expect(sg.parseTranscriptTail(`${u('first')}\n${u('second')}`, false)).toEqual([{ source: 'user', text: 'first' }, { source: 'user', text: 'second' }]);
    expect(sg.parseTranscriptTail(u('only'), false)).toEqual([{ source: 'user', text: 'only' }]);
    expect(sg.parseTranscriptTail([u('1'), u('2'), u('3'), u('4')].join('\n'), false).map((t) => t.text)).toEqual(['2', '3', '4']);
    expect(sg.parseTranscriptTail(u('y'.repeat(2001)), false)).toEqual([{ source: 'user', text: 'y'.repeat(2000) }]);
  });

  it('hot-path body: each field only when exactly right; the 1 MiB limit at its edge', () => {
    expect(sg.decodeHotPath('{"killSwitch":true,"mode":"off","compactionInFlight":true,"sessionStartTs":12.5,"selfDeferralGuardOn":true,"x":1}')).toEqual({
      killSwitch: true, modeOff: true, compactionInFlight: true, sessionStartTs: 12.5, selfDeferralGuardOn: true,
    });
    expect(sg.decodeHotPath('{"killSwitch":"true","mode":"OFF","compactionInFlight":1,"sessionStartTs":"5","selfDeferralGuardOn":"yes"}')).toEqual({
      killSwitch: false, modeOff: false, compactionInFlight: false, sessionStartTs: null, selfDeferralGuardOn: false,
    });
    expect(sg.decodeHotPath('{"sessionStartTs":1e999}')).toEqual({ killSwitch: false, modeOff: false, compactionInFlight: false, sessionStartTs: null, selfDeferralGuardOn: false });
    expect(sg.decodeHotPath('{"sessionStartTs":0}')?.sessionStartTs).toBe(0);
    for (const t of ['', 'x', '[]', 'null', '1', '"{}"']) expect(sg.decodeHotPath(t)).toBeNull();
    expect(sg.decodeHotPath(['{}'] as unknown as string)).toBeNull();
    const edge = '{}' + ' '.repeat(sg.HTTP_BODY_MAX_BYTES - 2);
    expect(sg.decodeHotPath(edge)).toEqual({ killSwitch: false, modeOff: false, compactionInFlight: false, sessionStartTs: null, selfDeferralGuardOn: false });
    expect(sg.decodeHotPath(edge + ' ')).toBeNull();
    expect(sg.decodeEvaluate(edge.replace('{}', '{"decision":"allow"}').slice(0, sg.HTTP_BODY_MAX_BYTES))).toEqual({ decision: 'allow', reminder: '', rule: null });
  });

  it('evaluate body: each decision, reminder and rule types, anything else malformed', () => {
    for (const d of ['continue', 'allow', 'escalate', 'force_allow'] as const) {
      expect(sg.decodeEvaluate(JSON.stringify({ decision: d, reminder: 'r', rule: 'R', extra: 1 }))).toEqual({ decision: d, reminder: 'r', rule: 'R' });
    }
    expect(sg.decodeEvaluate('{"decision":"continue"}')).toEqual({ decision: 'continue', reminder: '', rule: null });
    expect(sg.decodeEvaluate('{"decision":"allow","rule":null}')).toEqual({ decision: 'allow', reminder: '', rule: null });
    expect(sg.decodeEvaluate('{"decision":"allow","rule":""}')).toEqual({ decision: 'allow', reminder: '', rule: '' });
    for (const o of [{}, { decision: '' }, { decision: 'Allow' }, { decision: null }, { decision: 'allow', reminder: null }, { decision: 'allow', reminder: 1 },
      { decision: 'allow', rule: 1 }, { decision: 'allow', rule: false }, { decision: 'allow', rule: {} }]) {
      expect(sg.decodeEvaluate(JSON.stringify(o))).toBeNull();
    }
    for (const t of ['', '[]', 'null', 'nope']) expect(sg.decodeEvaluate(t)).toBeNull();
  });

  it('authority block text: the rule shown only when it sanitizes to something', () => {
    expect(sg.authorityMessage(' Go\r\non. ', '')).toBe('Arbiter stop gate (authority): Go\non.');
    expect(sg.authorityMessage('x', ' \u0007 ')).toBe('Arbiter stop gate (authority): x');
    expect(sg.authorityMessage('x', null)).toBe('Arbiter stop gate (authority): x');
    expect(sg.authorityMessage('x', ' R7 ')).toBe('Arbiter stop gate (authority, rule R7): x');
  });

  it('renderStop: allow for null or a blank reason, else one block object and LF', () => {
    expect(sg.renderStop(null)).toBe('{}\n');
    expect(sg.renderStop('')).toBe('{}\n');
    expect(sg.renderStop(' \n\t')).toBe('{}\n');
    expect(sg.renderStop(' go on ')).toBe('{"decision":"block","reason":" go on "}\n');
  });
});

describe('stop-gate step: every verdict with its effects whole (stop-gate.md §6, stop-gate.md §7, stop-gate.md §9)', () => {
  const P = obj({ session_id: 'S1', last_assistant_message: NEUTRAL });
  const full = (over: Partial<sg.ScriptedAnswers> = {}): sg.ScriptedAnswers => ({
    gateState: () => ok(gateText('enforce')),
    continueCount: () => ok(null),
    hotPath: () => ok('{}'),
    gitFiles: () => ok([]),
    evaluate: () => ok(JSON.stringify({ decision: 'allow' })),
    ...over,
  });
  const openWith = (reason: string, detail: string) => ({
    outcome: { _tag: 'Allow', reasons: [reason], failOpen: true },
    effects: [{ _tag: 'Audit', reason, failOpen: true, details: { detail } }],
  });
  const failure = <K extends string>(kind: K, detail: string): ProbeAnswer<never, K> => ({ ok: false, error: { kind, detail } });
  const evalWith = (o: unknown) => full({ evaluate: () => ok(JSON.stringify(o)) });

  it('each fail-open allow audits its reason with failOpen and the failure detail (a file read: its kind; an HTTP probe: its detail, else its kind)', () => {
    expect(run(P, { gateState: () => failure('failed', 'EACCES: permission denied') }).step).toMatchObject(openWith('gate-state-unreadable', 'failed'));
    expect(run(P, { gateState: () => ok('[]') }).step).toMatchObject(openWith('gate-state-unreadable', 'stop-gate.json is not a JSON object'));
    expect(run(P, full({ continueCount: () => failure('failed', 'EIO') })).step).toMatchObject(openWith('continue-count-unreadable', 'failed'));
    expect(run(P, full({ continueCount: () => ok('{"sessions":[]}') })).step).toMatchObject(openWith('continue-count-unreadable', 'stop-gate-continues.json is not a counter file'));
    expect(run(P, full({ hotPath: () => failure('timeout', 'no answer in 1500 ms') })).step).toMatchObject(openWith('hot-path-timeout', 'no answer in 1500 ms'));
    expect(run(P, full({ hotPath: () => failure('http-status', '') })).step).toMatchObject(openWith('hot-path-http-status', 'http-status'));
    expect(run(P, full({ hotPath: () => ok('[]') })).step).toMatchObject(openWith('hot-path-malformed', 'hot-path body is not a JSON object of at most 1 MiB'));
    expect(run(P, full({ hotPath: () => ok('{"killSwitch":true}') })).step).toMatchObject(openWith('remote-kill-switch', 'authority kill switch on'));
    expect(run(P, full({ hotPath: () => ok('{"mode":"off"}') })).step).toMatchObject(openWith('remote-mode-off', 'authority mode off'));
    expect(run(P, full({ hotPath: () => ok('{"compactionInFlight":true}') })).step).toMatchObject(openWith('compaction-in-flight', 'compaction in flight'));
    expect(run(P, full({ evaluate: () => failure('unreachable', 'ECONNREFUSED 127.0.0.1:9') })).step).toMatchObject(openWith('evaluate-unreachable', 'ECONNREFUSED 127.0.0.1:9'));
    expect(run(P, full({ evaluate: () => failure('malformed', '') })).step).toMatchObject(openWith('evaluate-malformed', 'malformed'));
    expect(run(P, evalWith({ decision: 'maybe' })).step).toMatchObject(openWith('evaluate-malformed', 'evaluate body is not a valid answer'));
    expect(run(P, evalWith({ decision: 'continue', reminder: '  ' })).step).toMatchObject(openWith('continue-empty-reminder', 'continue with a blank reminder'));
    // the whole step, not only the fields above: nothing else is emitted
    expect(run(P, { gateState: () => failure('failed', 'x') }).step).toEqual({ _tag: 'Done', ...openWith('gate-state-unreadable', 'failed') });
  });

  it('a guard hit in enforce blocks with one audit naming the guard and the phrases found; in shadow it audits shadow-guard-hit and goes on', () => {
    const both = obj({ session_id: 'S1', last_assistant_message: `${G1} ${G2}` });
    const g1 = run(obj({ session_id: 'S1', last_assistant_message: G1 }), full()).step;
    expect(g1.outcome).toMatchObject({ _tag: 'Block', reasons: ['stated-continuation'] });
    expect(g1.effects).toEqual([{ _tag: 'Audit', reason: 'stated-continuation', failOpen: false, details: { guard: 1, commit: "i'll", imminent: 'now' } }]);
    const g2 = run(obj({ session_id: 'S1', last_assistant_message: G2 }), full()).step;
    expect(g2.effects).toEqual([{ _tag: 'Audit', reason: 'false-excuse-deferral', failOpen: false, details: { guard: 2, excuse: "it's late", work: 'the real fix' } }]);
    const shadow = run(both, { gateState: () => ok(gateText('shadow')) }, sg.DEFAULT_SETTINGS).step;
    expect(shadow).toEqual({
      _tag: 'Done',
      outcome: { _tag: 'Allow', reasons: ['no-authority'], failOpen: false },
      effects: [
        { _tag: 'Audit', reason: 'shadow-guard-hit', failOpen: false, details: { guard: 1, commit: "i'll", imminent: 'now' } },
        { _tag: 'Audit', reason: 'shadow-guard-hit', failOpen: false, details: { guard: 2, excuse: "it's late", work: 'the real fix' } },
      ],
    });
  });

  it('rule 21: the authority block increments the counter and audits the rule (sanitized, or null when the answer has none)', () => {
    const withRule = run(P, evalWith({ decision: 'continue', reminder: 'Go on.', rule: 'R\n1' })).step;
    expect(withRule).toEqual({
      _tag: 'Done',
      outcome: { _tag: 'Block', reasons: ['authority-continue'], message: 'Arbiter stop gate (authority, rule R 1): Go on.' },
      effects: [
        { _tag: 'ContinueIncrement', session: 'S1', at: NOW },
        { _tag: 'Audit', reason: 'authority-continue', failOpen: false, details: { rule: 'R 1' } },
      ],
    });
    expect(run(P, evalWith({ decision: 'continue', reminder: 'Go on.' })).step.effects).toEqual([
      { _tag: 'ContinueIncrement', session: 'S1', at: NOW },
      { _tag: 'Audit', reason: 'authority-continue', failOpen: false, details: { rule: null } },
    ]);
    // a reminder on any other decision never blocks
    for (const decision of ['allow', 'escalate', 'force_allow'])
      expect(run(P, evalWith({ decision, reminder: 'Go on.' })).step.outcome).toEqual({ _tag: 'Allow', reasons: [`authority-${decision.replace('_', '-')}`], failOpen: false });
  });

  it('rule 22: shadow audits the decision and the rule, null when the answer has none', () => {
    const shadow = { gateState: () => ok(gateText('shadow')) };
    expect(run(P, { ...evalWith({ decision: 'escalate' }), ...shadow }).step).toEqual({
      _tag: 'Done',
      outcome: { _tag: 'Allow', reasons: ['shadow'], failOpen: false },
      effects: [{ _tag: 'Audit', reason: 'shadow', failOpen: false, details: { decision: 'escalate', rule: null } }],
    });
  });

  it('rules 16–19: the transcript tail is read only for a non-empty string path; an empty message adds no agent turn', () => {
    const guardOn = { hotPath: () => ok('{"selfDeferralGuardOn":true}'), transcriptTail: () => ok({ text: '{"type":"user","message":{"content":"go on"}}\n', partial: false }) };
    for (const transcript_path of [5, '', null, ['/t.jsonl']]) {
      const r = run(obj({ session_id: 'S1', last_assistant_message: NEUTRAL, transcript_path }), full(guardOn));
      expect([transcript_path, tags(r.probes)]).toEqual([transcript_path, ['GateState', 'ContinueCount', 'HotPath', 'GitFiles', 'Evaluate']]);
    }
    const withTail = run(obj({ session_id: 'S1', transcript_path: '/t.jsonl' }), full(guardOn));
    expect(tags(withTail.probes)).toEqual(['GateState', 'ContinueCount', 'HotPath', 'GitFiles', 'TranscriptTail', 'Evaluate']);
    const body = (withTail.probes.at(-1) as Extract<sg.Probe, { _tag: 'Evaluate' }>).body;
    expect(body.untrustedContent).toEqual({ stopReason: '', recentTurns: [{ source: 'user', text: 'go on' }] });
    const silent = run(obj({ session_id: 'S1' }), full());
    expect((silent.probes.at(-1) as Extract<sg.Probe, { _tag: 'Evaluate' }>).body.untrustedContent).toEqual({ stopReason: '', recentTurns: [] });
  });
});
