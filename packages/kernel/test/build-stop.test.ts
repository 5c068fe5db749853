import { describe, expect, expectTypeOf, it } from 'vitest';
import fc from 'fast-check';
import { buildStop as bs, type ProbeAnswer } from '@arbiter/kernel';
import { validCodexStopOutput } from './helpers/codex-schema.js';

const NOW = 1_750_000_000_000;
const ok = <A>(value: A): ProbeAnswer<A> => ({ ok: true, value });
const fail = (kind: 'timeout' | 'unavailable' | 'failed' = 'failed'): ProbeAnswer<never> => ({ ok: false, error: { kind, detail: 'x' } });

interface Spec {
  phase: string;
  tmux: string;
  session: string;
  used: number;
  max: number;
  label: string;
  task: string;
  startedAt: number;
}
const base: Spec = { phase: 'executing', tmux: 'work', session: 'S-own', used: 0, max: 5, label: 'medium', task: 'ship it', startedAt: NOW - 1000 };
const stateText = (o: Partial<Spec> = {}): string => {
  const s = { ...base, ...o };
  return JSON.stringify({
    version: 1,
    phase: s.phase,
    size: 'standard',
    task: s.task,
    owner: { tmux: s.tmux, session: s.session, stampedAt: new Date(s.startedAt).toISOString() },
    protection: { reinforcements: s.max, label: s.label },
    reinforcementsUsed: s.used,
    startedAt: new Date(s.startedAt).toISOString(),
    updatedAt: new Date(s.startedAt).toISOString(),
  });
};
const stop = (hookSession: string, state: ProbeAnswer<string | null>, tmux: ProbeAnswer<string> = ok('')) =>
  bs.runStop({ hookSession, now: NOW }, { buildState: state, tmux });

// ─── arbitraries ───
const ids = fc.constantFrom('', 'S-own', 'S-other', 'S-new', ' S-own');
const tmuxNames = fc.constantFrom('', 'work', 'other', 'work ');
const phaseArb = fc.oneof(
  fc.constantFrom('idle', 'executing', 'verifying', 'complete', 'failed', 'escalated', 'Complete', 'FAILED'),
  fc.string({ maxLength: 40 }),
);
const specArb: fc.Arbitrary<Spec> = fc.record({
  phase: phaseArb,
  tmux: tmuxNames,
  session: ids,
  used: fc.integer({ min: 0, max: 12 }),
  max: fc.integer({ min: 0, max: 12 }),
  label: fc.constantFrom('light', 'medium', 'heavy', 'x\u0007y'),
  task: fc.string({ unit: 'binary', maxLength: 600 }),
  startedAt: fc.integer({ min: 0, max: 4_000_000_000_000 }),
});
const unparseableArb = fc.constantFrom(
  '',
  'not json',
  '[]',
  'null',
  '42',
  '{"reinforcementsUsed":-1,"owner":{"tmux":"work"}}',
  '{"reinforcementsUsed":1.5}',
  '{"protection":{"reinforcements":"5"}}',
  '{"protection":{"reinforcements":null}}',
);
const stateAnswerArb: fc.Arbitrary<ProbeAnswer<string | null>> = fc.oneof(
  fc.constant(fail()),
  fc.constant(fail('timeout')),
  fc.constant(ok(null)),
  unparseableArb.map((t) => ok(t)),
  specArb.map((s) => ok(stateText(s))),
);
const tmuxAnswerArb: fc.Arbitrary<ProbeAnswer<string>> = fc.oneof(tmuxNames.map((t) => ok(t)), fc.constant(fail()));

const viewOf = (a: ProbeAnswer<string | null>): bs.StateView | null => {
  if (!a.ok || a.value === null) return null;
  const r = bs.readState(a.value);
  return r._tag === 'Parsed' ? r.view : null;
};

describe('build-stop properties (build-stop.md §10, hooks.md §9)', () => {
  it('BS-P1 absent, unreadable, unparseable or terminal state approves with no effects and never asks tmux', () => {
    fc.assert(
      fc.property(stateAnswerArb, ids, tmuxAnswerArb, (st, hook, tm) => {
        const v = viewOf(st);
        if (v !== null && !bs.isTerminal(v.phase)) return;
        const { step, probes } = stop(hook, st, tm);
        expect(step.outcome._tag).toBe('Approve');
        expect(step.effects).toEqual([]);
        expect(probes).not.toContain('Tmux');
      }),
    );
  });

  it('BS-P2 no adoption: with both owner fields empty the verdict is Approve and no effect mentions owner', () => {
    fc.assert(
      fc.property(specArb, ids, tmuxAnswerArb, (s, hook, tm) => {
        const { step } = stop(hook, ok(stateText({ ...s, tmux: '', session: '' })), tm);
        expect(step.outcome._tag).toBe('Approve');
        expect(JSON.stringify(step.effects)).not.toMatch(/owner/i);
      }),
    );
  });

  it('BS-P3 non-owner: if neither the session nor tmux matches, Approve with no effects at all', () => {
    fc.assert(
      fc.property(specArb, ids, tmuxAnswerArb, (s, hook, tm) => {
        const sessionMatch = s.session !== '' && s.session === hook;
        const tmuxMatch = s.tmux !== '' && tm.ok && tm.value === s.tmux;
        if (sessionMatch || tmuxMatch) return;
        const { step } = stop(hook, ok(stateText(s)), tm);
        expect(step.outcome._tag).toBe('Approve');
        expect(step.effects).toEqual([]);
      }),
    );
  });

  it('BS-P4 a block implies proven ownership, used < max, and a patch setting reinforcementsUsed = used + 1', () => {
    fc.assert(
      fc.property(stateAnswerArb, ids, tmuxAnswerArb, (st, hook, tm) => {
        const { step, probes } = stop(hook, st, tm);
        if (step.outcome._tag !== 'Block') return;
        const v = viewOf(st);
        expect(v).not.toBeNull();
        if (v === null) return;
        const sessionMatch = v.ownerSession !== '' && v.ownerSession === hook;
        const tmuxMatch = probes.includes('Tmux') && v.ownerTmux !== '' && tm.ok && tm.value === v.ownerTmux;
        expect(sessionMatch || tmuxMatch).toBe(true);
        expect(v.used).toBeLessThan(v.max);
        const patch = step.effects.find((e) => e._tag === 'BuildStatePatch');
        expect(patch).toMatchObject({ reinforcementsUsed: v.used + 1, expectStartedAt: v.startedAt });
        expect(step.outcome.n).toBe(v.used + 1);
      }),
    );
  });

  it('BS-P5 budget (model-based): k owner stops block exactly min(k, max − used0) times; non-owners never change the counter', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10 }),
        fc.integer({ min: 0, max: 10 }),
        fc.array(fc.constantFrom('owner-session', 'owner-tmux', 'other', 'anon'), { maxLength: 30 }),
        (max, used0, seq) => {
          // io-memory semantics: one text, every patch applied through applyPatch under the (trivial) mutex.
          let text: string | null = stateText({ max, used: used0, tmux: 'work', session: 'S-own' });
          let blocks = 0;
          let k = 0;
          for (const who of seq) {
            const before = bs.readState(text as string);
            const hook = who === 'owner-session' ? 'S-own' : who === 'owner-tmux' ? '' : who === 'other' ? 'S-other' : '';
            const tmux = who === 'owner-tmux' ? 'work' : who === 'other' ? 'elsewhere' : '';
            const { step } = stop(hook, ok(text), ok(tmux));
            if (who.startsWith('owner')) k++;
            if (step.outcome._tag === 'Block') blocks++;
            for (const e of step.effects) {
              if (e._tag !== 'BuildStatePatch') continue;
              const r = bs.applyPatch(text, e, NOW);
              if (r._tag === 'Applied') text = r.text;
            }
            if (!who.startsWith('owner')) {
              expect(step.effects).toEqual([]);
              expect(bs.readState(text as string)).toEqual(before);
            }
          }
          expect(blocks).toBe(Math.min(k, Math.max(0, max - used0)));
          // After the budget: every stop approves.
          if (k >= max - used0) expect(stop('S-own', ok(text), ok('work')).step.outcome._tag).toBe('Approve');
        },
      ),
    );
  });

  it('BS-P6 reconcile: an ownerSession patch implies a tmux match, hookSession ≠ "" and o_sess ≠ hookSession', () => {
    fc.assert(
      fc.property(specArb, ids, tmuxAnswerArb, (s, hook, tm) => {
        const { step, probes } = stop(hook, ok(stateText(s)), tm);
        const withOwner = step.effects.filter((e) => e._tag === 'BuildStatePatch' && e.ownerSession !== undefined);
        const sessionMatch = s.session !== '' && s.session === hook;
        if (sessionMatch) expect(withOwner).toEqual([]);
        if (withOwner.length === 0) return;
        expect(probes).toContain('Tmux');
        expect(tm.ok && tm.value === s.tmux && s.tmux !== '').toBe(true);
        expect(hook).not.toBe('');
        expect(s.session).not.toBe(hook);
        expect(withOwner[0]).toMatchObject({ ownerSession: hook });
      }),
    );
  });

  it('BS-P7 tmux only when needed: parsed, not terminal, o_tmux ≠ "", session did not match', () => {
    fc.assert(
      fc.property(stateAnswerArb, ids, tmuxAnswerArb, (st, hook, tm) => {
        const { probes } = stop(hook, st, tm);
        if (!probes.includes('Tmux')) return;
        const v = viewOf(st);
        expect(v).not.toBeNull();
        if (v === null) return;
        expect(bs.isTerminal(v.phase)).toBe(false);
        expect(v.ownerTmux).not.toBe('');
        expect(v.ownerSession !== '' && v.ownerSession === hook).toBe(false);
      }),
    );
  });

  it('BS-P8 probe order: the requested probes form a prefix of [BuildState, Tmux]', () => {
    fc.assert(
      fc.property(stateAnswerArb, ids, tmuxAnswerArb, (st, hook, tm) => {
        const { probes } = stop(hook, st, tm);
        expect(['BuildState', 'Tmux'].slice(0, probes.length)).toEqual(probes);
        expect(probes.length).toBeGreaterThanOrEqual(1);
      }),
    );
  });

  it('BS-P9 the block reason has the sanitized phase, "{n} of {max}", label and task; no control but LF; task ≤ 300 code points', () => {
    fc.assert(
      fc.property(specArb, (s0) => {
        const s = { ...s0, used: Math.min(s0.used, 3), max: 4 + s0.max, phase: s0.phase.replace(/^(complete|failed|escalated)$/, 'x') };
        const { step } = stop('S-own', ok(stateText({ ...s, session: 'S-own' })));
        expect(step.outcome._tag).toBe('Block');
        if (step.outcome._tag !== 'Block') return;
        const m = step.outcome.message;
        const lines = m.split('\n');
        expect(lines).toHaveLength(6);
        expect(lines[1]).toBe(
          `Phase: ${sanitize(s.phase, 32)} (${sanitize(s.label, 16)} protection, reinforcement ${s.used + 1} of ${s.max}).`,
        );
        expect(lines[2]).toBe(`Task: ${sanitize(s.task, 300)}`);
        expect(Array.from(lines[2]!.slice('Task: '.length)).length).toBeLessThanOrEqual(300);
        expect(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029]/.test(m)).toBe(false);
      }),
    );
  });

  it('BS-P10 every verdict renders to JSON valid against the Codex Stop output schema (exit code 0 is the hook\'s)', async () => {
    const { stopGate } = await import('@arbiter/kernel');
    fc.assert(
      fc.property(stateAnswerArb, ids, tmuxAnswerArb, (st, hook, tm) => {
        const { step } = stop(hook, st, tm);
        const out = stopGate.renderStop(step.outcome._tag === 'Block' ? step.outcome.message : null);
        expect(out.endsWith('\n')).toBe(true);
        expect(validCodexStopOutput(JSON.parse(out))).toBe(true);
        if (step.outcome._tag === 'Block') expect(JSON.parse(out)).toEqual({ decision: 'block', reason: step.outcome.message });
        else expect(out).toBe('{}\n');
      }),
    );
  });

  it('BS-P11 CLI counter rules: phase never changes the counter, start sets it to 0, start refuses while a build is active', () => {
    fc.assert(
      fc.property(specArb, fc.stringMatching(/^[a-z][a-z0-9-]{0,31}$/), (s, p) => {
        const text = stateText(s);
        const r = bs.setPhase(text, p, NOW);
        if (r.write !== undefined) {
          const v = bs.readState(r.write);
          expect(v._tag === 'Parsed' && v.view.used).toBe(s.used);
          expect(v._tag === 'Parsed' && v.view.phase).toBe(p);
        }
        const c = bs.checkStart(text, { size: 'small', task: 'new task' }, '/x/build-state.json');
        if (bs.isTerminal(s.phase)) {
          expect(c._tag).toBe('Ok');
          if (c._tag === 'Ok') {
            const st = bs.startBuild(c, {}, 'work', {}, NOW);
            const v = bs.readState(st.write as string);
            expect(v._tag === 'Parsed' && v.view.used).toBe(0);
          }
        } else {
          expect(c._tag).toBe('Refuse');
          if (c._tag === 'Refuse') expect(c.result).toMatchObject({ exit: 1, reason: 'cli-build-active' });
        }
      }),
    );
  });

  it('BS-P12 a patch whose expectStartedAt differs from the stored value changes nothing', () => {
    fc.assert(
      fc.property(specArb, fc.integer({ min: 0, max: 4_000_000_000_000 }), fc.integer({ min: 0, max: 20 }), ids, (s, other, n, sess) => {
        fc.pre(other !== s.startedAt);
        const r = bs.applyPatch(stateText(s), { _tag: 'BuildStatePatch', expectStartedAt: other, reinforcementsUsed: n, ownerSession: sess }, NOW);
        expect(r._tag).toBe('Dropped');
      }),
    );
  });

  it('G-P1 never re-requests an answered probe and finishes within 12 steps', () => {
    fc.assert(fc.property(stateAnswerArb, ids, tmuxAnswerArb, (st, hook, tm) => void stop(hook, st, tm)));
  });

  it('G-P2 deterministic: equal facts give deeply equal results', () => {
    fc.assert(
      fc.property(stateAnswerArb, ids, tmuxAnswerArb, (st, hook, tm) => {
        const f = { hookSession: hook, now: NOW, buildState: st, tmux: tm };
        expect(bs.stopStep(f)).toEqual(bs.stopStep({ ...f }));
      }),
    );
  });

  it('G-P3 every verdict and effect survives a JSON round trip', () => {
    fc.assert(
      fc.property(stateAnswerArb, ids, tmuxAnswerArb, (st, hook, tm) => {
        const { step } = stop(hook, st, tm);
        expect(JSON.parse(JSON.stringify(step))).toEqual(step);
      }),
    );
  });

  it('G-P4 every reason belongs to the closed set (and the type pins the union)', () => {
    expectTypeOf<bs.StopReason>().toEqualTypeOf<
      'state-unreadable' | 'no-state' | 'terminal' | 'unparseable' | 'no-owner' | 'not-owner' | 'budget-exhausted' | 'reinforce'
    >();
    fc.assert(
      fc.property(stateAnswerArb, ids, tmuxAnswerArb, (st, hook, tm) => {
        const { step } = stop(hook, st, tm);
        expect(bs.STOP_REASONS).toContain(step.outcome.reasons[0]);
        for (const r of step.outcome.reasons) expect(r).toMatch(/^[a-z]+(-[a-z]+)*$/);
      }),
    );
  });
});

// The model of hooks.md §4: invisible characters (rule 0: format characters, invisible fillers, variation selectors)
// are removed first, then controls become spaces, white space collapses, and the result is cut.
const INVISIBLE_MODEL = /[\p{Cf}\u034f\u115f\u1160\u3164\uffa0\ufe00-\ufe0f\u{e0100}-\u{e01ef}]/gu;
const sanitize = (s: string, n: number): string => {
  const t = s.replace(INVISIBLE_MODEL, '').replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' ').replace(/\s+/g, ' ').trim();
  const cps = Array.from(t);
  return cps.length <= n ? t : cps.slice(0, n - 1).join('') + '\u2026';
};

describe('build-stop rules (examples, build-stop.md §5)', () => {
  it('rule 1: a read error approves state-unreadable without asking tmux', () => {
    const r = stop('S-own', fail('timeout'));
    expect(r.step.outcome.reasons).toEqual(['state-unreadable']);
    expect(r.probes).toEqual(['BuildState']);
  });
  it('rule 2: absent file approves no-state', () => {
    expect(stop('S-own', ok(null)).step.outcome.reasons).toEqual(['no-state']);
  });
  it('rule 3: terminal phases are exact and case-sensitive', () => {
    for (const p of ['complete', 'failed', 'escalated']) expect(stop('S-own', ok(stateText({ phase: p }))).step.outcome.reasons).toEqual(['terminal']);
    for (const p of ['Complete', 'completed', ' failed']) expect(stop('S-own', ok(stateText({ phase: p }))).step.outcome._tag).toBe('Block');
  });
  it('rule 4: unparseable states approve; a terminal phase with a bad counter is unparseable', () => {
    expect(stop('S-own', ok('{oops')).step.outcome.reasons).toEqual(['unparseable']);
    expect(stop('S-own', ok('{"phase":"complete","reinforcementsUsed":"1"}')).step.outcome.reasons).toEqual(['unparseable']);
    expect(stop('S-own', ok('{"phase":"executing","owner":{"session":"S-own"},"protection":{"reinforcements":-1}}')).step.outcome.reasons).toEqual(['unparseable']);
  });
  it('build-stop.md §2 defaults: absent counters give budget 5 and used 0; absent phase is idle', () => {
    const r = stop('S-own', ok('{"owner":{"session":"S-own"}}'));
    expect(r.step.outcome).toMatchObject({ _tag: 'Block', n: 1, max: 5 });
    if (r.step.outcome._tag === 'Block') {
      expect(r.step.outcome.message).toContain('Phase: idle (- protection, reinforcement 1 of 5).');
      expect(r.step.outcome.message).toContain('Task: (no task recorded)');
      expect(r.step.outcome.message).toContain(bs.PHASE_HINTS['idle']);
    }
  });
  it('rule 5: no owner stamp approves no-owner even for a matching tmux', () => {
    const r = stop('S-own', ok(stateText({ tmux: '', session: '' })), ok(''));
    expect(r.step.outcome.reasons).toEqual(['no-owner']);
    expect(r.probes).toEqual(['BuildState']);
  });
  it('rule 6: a session match blocks without asking tmux and without reconcile', () => {
    const r = stop('S-own', ok(stateText({ tmux: 'work' })), ok('elsewhere'));
    expect(r.probes).toEqual(['BuildState']);
    expect(r.step.outcome._tag).toBe('Block');
    expect(r.step.effects[0]).toEqual({ _tag: 'BuildStatePatch', expectStartedAt: base.startedAt, reinforcementsUsed: 1 });
  });
  it('rule 6: an empty owner session matches nothing, not even an empty hook session: tmux decides', () => {
    const r = stop('', ok(stateText({ session: '' })), ok('elsewhere'));
    expect(r.step.outcome.reasons).toEqual(['not-owner']);
    expect(r.probes).toEqual(['BuildState', 'Tmux']);
  });
  it('rule 6: owner fields are compared exactly, untrimmed', () => {
    expect(stop(' S-own', ok(stateText({ tmux: '' }))).step.outcome.reasons).toEqual(['not-owner']);
  });
  it('rule 7: no tmux stamp and no session match approves not-owner without asking tmux', () => {
    const r = stop('S-other', ok(stateText({ tmux: '' })));
    expect(r.step.outcome.reasons).toEqual(['not-owner']);
    expect(r.probes).toEqual(['BuildState']);
  });
  it('rule 8: tmux mismatch or tmux failure approves not-owner', () => {
    expect(stop('S-other', ok(stateText()), ok('elsewhere')).step.outcome.reasons).toEqual(['not-owner']);
    expect(stop('S-other', ok(stateText()), fail()).step.outcome.reasons).toEqual(['not-owner']);
  });
  it('rule 8: tmux match with a different non-empty session reconciles; an empty hook session does not', () => {
    const r = stop('S-new', ok(stateText()), ok('work'));
    expect(r.step.effects[0]).toEqual({ _tag: 'BuildStatePatch', expectStartedAt: base.startedAt, reinforcementsUsed: 1, ownerSession: 'S-new' });
    const r2 = stop('', ok(stateText()), ok('work'));
    // strict: no `ownerSession` key at all, not even an undefined one
    expect(r2.step.effects[0]).toStrictEqual({ _tag: 'BuildStatePatch', expectStartedAt: base.startedAt, reinforcementsUsed: 1 });
    const r3 = stop('S-new', ok(stateText({ session: '' })), ok('work'));
    expect(r3.step.effects[0]).toMatchObject({ ownerSession: 'S-new' });
  });
  it('rule 9: budget boundaries (used = max − 1 blocks, used = max and max + 1 approve)', () => {
    for (const [size, max] of [['small', 3], ['standard', 5], ['large', 10]] as const) {
      expect(bs.SIZES[size].reinforcements).toBe(max);
      const below = stop('S-own', ok(stateText({ max, used: max - 1 })));
      expect(below.step.outcome).toMatchObject({ _tag: 'Block', n: max, max });
      expect(stop('S-own', ok(stateText({ max, used: max }))).step.outcome.reasons).toEqual(['budget-exhausted']);
      expect(stop('S-own', ok(stateText({ max, used: max + 1 }))).step.outcome.reasons).toEqual(['budget-exhausted']);
    }
    expect(stop('S-own', ok(stateText({ max: 0, used: 0 }))).step.outcome.reasons).toEqual(['budget-exhausted']);
  });
  it('rule 9: an exhausted budget still emits a reconcile patch without the counter', () => {
    const r = stop('S-new', ok(stateText({ used: 5, max: 5 })), ok('work'));
    expect(r.step.outcome.reasons).toEqual(['budget-exhausted']);
    expect(r.step.effects).toStrictEqual([{ _tag: 'BuildStatePatch', expectStartedAt: base.startedAt, ownerSession: 'S-new' }]);
    // an empty hook session reconciles nothing, so an exhausted budget writes nothing
    expect(stop('', ok(stateText({ used: 5, max: 5 })), ok('work')).step.effects).toStrictEqual([]);
  });
  it('rule 10: block text is the fixed template', () => {
    const r = stop('S-own', ok(stateText({ phase: 'verifying', used: 2, task: 'Ship\nthe\tthing' })));
    expect(r.step.outcome._tag === 'Block' && r.step.outcome.message).toBe(
      [
        'Arbiter build guard: this session owns a build that is not finished.',
        'Phase: verifying (medium protection, reinforcement 3 of 5).',
        'Task: Ship the thing',
        'Check the result independently, with at least one real run beyond the unit tests.',
        'When this phase is done, run: arbiter build phase <next-phase>. When the whole build is done, run: arbiter build done (or arbiter build fail / arbiter build escalate).',
        'Keep working on the build.',
      ].join('\n'),
    );
    expect(bs.hintFor('toString')).toBe(bs.OTHER_HINT);
    expect(bs.hintFor('custom-phase')).toBe(bs.OTHER_HINT);
  });
  it('build-stop.md §2 readState: what makes a file unparseable, and the detail it gives', () => {
    const bad = (detail: string) => ({ _tag: 'Unparseable', detail });
    expect(bs.readState('{')).toEqual(bad('not valid JSON'));
    for (const t of ['[]', 'null', '"x"', '42']) expect(bs.readState(t)).toEqual(bad('not a JSON object'));
    for (const r of ['1.5', '-1', '"5"', 'null', '9007199254740992'])
      expect(bs.readState(`{"protection":{"reinforcements":${r}}}`)).toEqual(bad('protection.reinforcements is not an integer >= 0'));
    for (const u of ['1.5', '-1', '"1"', 'null', '9007199254740992']) expect(bs.readState(`{"reinforcementsUsed":${u}}`)).toEqual(bad('reinforcementsUsed is not an integer >= 0'));
  });
  it('build-stop.md §2 readState: every field read leniently, with its default', () => {
    const view = (o: Partial<bs.StateView>) => ({
      _tag: 'Parsed',
      view: { phase: 'idle', size: null, ownerTmux: '', ownerSession: '', max: 5, used: 0, label: '-', task: '(no task recorded)', startedAt: null, ...o },
    });
    expect(bs.readState('{}')).toEqual(view({}));
    // wrong types fall back to the defaults; owner and protection that are no objects count as empty
    expect(bs.readState('{"size":3,"owner":["work","S"],"protection":[7],"phase":7,"task":null,"startedAt":"2025-01-01T00:00:00.000Z"}')).toEqual(view({ startedAt: 1_735_689_600_000 }));
    expect(bs.readState('{"owner":"work","protection":{"label":5}}')).toEqual(view({}));
    expect(bs.readState('{"owner":{"tmux":1,"session":null}}')).toEqual(view({}));
    expect(bs.readState('{"owner":null,"protection":null}')).toEqual(view({}));
    // startedAt: an ISO instant with ms or a finite number; anything else is no identity
    for (const a of ['1e999', '"2025-01-01T00:00:00Z"', '"x"', 'true', '{}']) expect(bs.readState(`{"startedAt":${a}}`)).toEqual(view({}));
    expect(bs.readState('{"startedAt":-5.5}')).toEqual(view({ startedAt: -5.5 }));
    expect(
      bs.readState('{"size":"huge","owner":{"tmux":"w","session":"s"},"protection":{"reinforcements":0,"label":"L"},"reinforcementsUsed":9,"phase":"p","task":"t","startedAt":0}'),
    ).toEqual(view({ phase: 'p', size: 'huge', ownerTmux: 'w', ownerSession: 's', max: 0, used: 9, label: 'L', task: 't', startedAt: 0 }));
  });
  it('rule 10: the audit names the short hook session, the sanitized phase, n and max', () => {
    const r = stop('S-own-session-long', ok(stateText({ session: 'S-own-session-long', phase: `ver\u0007ifying ${'p'.repeat(40)}`, used: 1, max: 3 })));
    expect(r.step.effects[1]).toEqual({ _tag: 'Audit', reason: 'reinforce', session: 'S-own-se', phase: `ver ifying ${'p'.repeat(20)}…`, n: 2, max: 3 });
    expect(r.step.outcome).toMatchObject({ _tag: 'Block', reasons: ['reinforce'], n: 2, max: 3 });
  });
  it('build-stop.md §2 instar epoch-ms startedAt is accepted as the build identity', () => {
    const text = JSON.stringify({ phase: 'x', owner: { session: 'S' }, startedAt: 12345 });
    expect(stop('S', ok(text)).step.effects[0]).toMatchObject({ expectStartedAt: 12345 });
  });
});

describe('build-stop patch (build-stop.md §6)', () => {
  it('applies a monotone maximum and sets owner.session and updatedAt', () => {
    const t = stateText({ used: 3 });
    const r = bs.applyPatch(t, { _tag: 'BuildStatePatch', expectStartedAt: base.startedAt, reinforcementsUsed: 2, ownerSession: 'S-new' }, NOW);
    expect(r._tag).toBe('Applied');
    if (r._tag !== 'Applied') return;
    const j = JSON.parse(r.text);
    expect(j.reinforcementsUsed).toBe(3);
    expect(j.owner).toMatchObject({ session: 'S-new', tmux: 'work' });
    expect(j.updatedAt).toBe(new Date(NOW).toISOString());
    const r2 = bs.applyPatch(t, { _tag: 'BuildStatePatch', expectStartedAt: base.startedAt, reinforcementsUsed: 4 }, NOW);
    expect(r2._tag === 'Applied' && JSON.parse(r2.text).reinforcementsUsed).toBe(4);
  });
  it('keeps every other stored field, replaces an owner that is no object, and says why a patch is dropped', () => {
    const stored = JSON.stringify({ phase: 'x', owner: 'bad', startedAt: 7, reinforcementsUsed: 2, extra: [1] });
    const r = bs.applyPatch(stored, { _tag: 'BuildStatePatch', expectStartedAt: 7, ownerSession: 'S' }, NOW);
    expect(r._tag === 'Applied' && r.text).toBe(
      JSON.stringify({ phase: 'x', owner: { session: 'S' }, startedAt: 7, reinforcementsUsed: 2, extra: [1], updatedAt: new Date(NOW).toISOString() }, null, 2) + '\n',
    );
    expect(bs.applyPatch('{}', { _tag: 'BuildStatePatch', expectStartedAt: null }, 0)).toEqual({ _tag: 'Applied', text: '{\n  "updatedAt": "1970-01-01T00:00:00.000Z"\n}\n' });
    const dropped = (detail: string) => ({ _tag: 'Dropped', reason: 'patch-dropped', detail });
    expect(bs.applyPatch(stored, { _tag: 'BuildStatePatch', expectStartedAt: 8, reinforcementsUsed: 3 }, NOW)).toEqual(dropped('a different build is stored'));
    expect(bs.applyPatch(stored, { _tag: 'BuildStatePatch', expectStartedAt: null, reinforcementsUsed: 3 }, NOW)).toEqual(dropped('a different build is stored'));
    expect(bs.applyPatch(null, { _tag: 'BuildStatePatch', expectStartedAt: 7 }, NOW)).toEqual(dropped('no build state'));
    expect(bs.applyPatch('[]', { _tag: 'BuildStatePatch', expectStartedAt: 7 }, NOW)).toEqual(dropped('build state unparseable'));
  });
  it('drops the patch when the file is absent or unparseable', () => {
    expect(bs.applyPatch(null, { _tag: 'BuildStatePatch', expectStartedAt: 1, reinforcementsUsed: 1 }, NOW)._tag).toBe('Dropped');
    expect(bs.applyPatch('{', { _tag: 'BuildStatePatch', expectStartedAt: 1, reinforcementsUsed: 1 }, NOW)._tag).toBe('Dropped');
  });
});

describe('arbiter build commands (build-stop.md §3)', () => {
  const path = '/r/.git/arbiter/build-state.json';
  it('start: size and task validation (exit 2 cli-usage)', () => {
    expect(bs.checkStart(null, { size: 'huge', task: 't' }, path)).toMatchObject({ _tag: 'Refuse', result: { exit: 2, reason: 'cli-usage' } });
    expect(bs.checkStart(null, { task: ' \n\t ' }, path)).toMatchObject({ _tag: 'Refuse', result: { exit: 2, reason: 'cli-usage' } });
    expect(bs.checkStart(null, {}, path)).toMatchObject({ _tag: 'Refuse', result: { exit: 2, reason: 'cli-usage' } });
    expect(bs.checkStart(null, { size: 'toString', task: 't' }, path)).toMatchObject({ _tag: 'Refuse' });
  });
  it('start: corrupt state exits 1 cli-state-corrupt; terminal state allows a new start', () => {
    expect(bs.checkStart('{', { task: 't' }, path)).toMatchObject({ _tag: 'Refuse', result: { exit: 1, reason: 'cli-state-corrupt' } });
    expect(bs.checkStart(stateText({ phase: 'failed' }), { task: 't' }, path)._tag).toBe('Ok');
  });
  it('start: owner resolution order and the no-identity warning', () => {
    const c = bs.checkStart(null, { size: 'large', task: 'Big  job' }, path);
    if (c._tag !== 'Ok') throw new Error('expected Ok');
    expect(c.needTmux).toBe(true);
    const r1 = bs.startBuild(c, { ownerSession: '  S-flag ' }, 'tm', { ARBITER_SESSION_ID: 'S-env', CLAUDE_CODE_SESSION_ID: 'S-cc' }, NOW);
    const j1 = JSON.parse(r1.write as string);
    expect(j1).toMatchObject({
      version: 1,
      phase: 'idle',
      size: 'large',
      task: 'Big job',
      owner: { tmux: 'tm', session: 'S-flag', stampedAt: new Date(NOW).toISOString() },
      protection: { reinforcements: 10, label: 'heavy' },
      reinforcementsUsed: 0,
      startedAt: new Date(NOW).toISOString(),
    });
    expect(JSON.parse(bs.startBuild(c, {}, '', { ARBITER_SESSION_ID: 'S-env', CLAUDE_CODE_SESSION_ID: 'S-cc' }, NOW).write as string).owner.session).toBe('S-env');
    expect(JSON.parse(bs.startBuild(c, {}, '', { ARBITER_SESSION_ID: '', CLAUDE_CODE_SESSION_ID: 'S-cc' }, NOW).write as string).owner.session).toBe('S-cc');
    // a Codex agent: only CODEX_THREAD_ID (equal to its hooks' session_id) names the session
    expect(JSON.parse(bs.startBuild(c, {}, '', { CODEX_THREAD_ID: 'thr-019a' }, NOW).write as string).owner.session).toBe('thr-019a');
    expect(JSON.parse(bs.startBuild(c, {}, '', { CLAUDE_CODE_SESSION_ID: 'S-cc', CODEX_THREAD_ID: 'thr-019a' }, NOW).write as string).owner.session).toBe('S-cc');
    const none = bs.startBuild(c, {}, '', {}, NOW);
    expect(none.lines).toContain(bs.NO_IDENTITY_WARNING);
    expect(none.lines[0]).toBe('Build started: large (10 reinforcements, heavy). Owner: tmux "", session "". Task: Big job');
    const c2 = bs.checkStart(null, { task: 't', ownerTmux: 'flagged' }, path);
    expect(c2._tag === 'Ok' && c2.needTmux).toBe(false);
    if (c2._tag === 'Ok') expect(JSON.parse(bs.startBuild(c2, { ownerTmux: 'flagged' }, 'probe', {}, NOW).write as string).owner.tmux).toBe('flagged');
  });
  it('start: the refusal lines (build-stop.md §7)', () => {
    const refuse = (exit: number, reason: string, line: string) => ({ _tag: 'Refuse', result: { exit, reason, lines: [line] } });
    expect(bs.checkStart(null, { size: 'huge', task: 't' }, path)).toEqual(refuse(2, 'cli-usage', '--size must be one of: small, standard, large'));
    expect(bs.checkStart(null, { task: ' ' }, path)).toEqual(refuse(2, 'cli-usage', '--task <text> is required and must not be blank'));
    expect(bs.checkStart('[]', { task: 't' }, '/r/a\nb')).toEqual(
      refuse(1, 'cli-state-corrupt', '/r/a b cannot be read as a build state. Inspect or delete it, then run arbiter build start again.'),
    );
    expect(bs.checkStart(JSON.stringify({ phase: 'exec\nuting', task: 'x'.repeat(130) }), { task: 't' }, path)).toEqual(
      refuse(1, 'cli-build-active', `A build is already active (phase exec uting; task: ${'x'.repeat(119)}…). End it first with arbiter build done, fail or escalate.`),
    );
    expect(bs.checkStart(null, { size: 'small', task: `key AKIA${'A'.repeat(16)}`, ownerTmux: '' }, path)).toEqual({ _tag: 'Ok', size: 'small', task: 'key [REDACTED:aws-access-key]', needTmux: true });
  });
  it('start: one owner field is enough to skip the no-identity warning; the start line sanitizes tmux and task', () => {
    const c = bs.checkStart(null, { task: 't' }, path);
    if (c._tag !== 'Ok') throw new Error('expected Ok');
    expect(bs.startBuild(c, {}, 'tm', {}, NOW).lines).toEqual(['Build started: standard (5 reinforcements, medium). Owner: tmux "tm", session "". Task: t']);
    expect(bs.startBuild(c, { ownerSession: 'session-12345' }, '', {}, NOW).lines).toEqual(['Build started: standard (5 reinforcements, medium). Owner: tmux "", session "session-". Task: t']);
    expect(bs.startBuild(c, { ownerSession: ' ' }, 'a\tb', { ARBITER_SESSION_ID: 'S-env' }, NOW).lines).toEqual(['Build started: standard (5 reinforcements, medium). Owner: tmux "a b", session "S-env". Task: t']);
    const r = bs.startBuild(c, {}, '', {}, NOW);
    expect(r).toMatchObject({ exit: 0, reason: 'cli-started', lines: [expect.any(String), bs.NO_IDENTITY_WARNING] });
    expect(r.write).toBe(
      bs.encodeState({
        version: 1,
        phase: 'idle',
        size: 'standard',
        task: 't',
        owner: { tmux: '', session: '', stampedAt: NOW },
        protection: { reinforcements: 5, label: 'medium' },
        reinforcementsUsed: 0,
        startedAt: NOW,
        updatedAt: NOW,
      }),
    );
    // the stored text is a whole JSON document followed by one newline (a text file, build-stop.md §2)
    expect(r.write).toMatch(/^\{\n[^]*\n\}\n$/);
  });
  it('start: the stored state decodes with the strict codec (ISO instants)', () => {
    const c = bs.checkStart(null, { task: 't' }, path);
    if (c._tag !== 'Ok') throw new Error('expected Ok');
    const j = JSON.parse(bs.startBuild(c, {}, 'w', {}, NOW).write as string);
    expect(bs.BuildStateCodec.decode(j)._tag).toBe('Right');
  });
  it('phase: argument rules, no build, finished build', () => {
    expect(bs.setPhase(stateText(), 'Bad', NOW)).toMatchObject({ exit: 2, reason: 'cli-usage' });
    expect(bs.setPhase(stateText(), 'complete', NOW)).toMatchObject({ exit: 2, reason: 'cli-usage' });
    expect(bs.setPhase(stateText(), 'a'.repeat(33), NOW)).toMatchObject({ exit: 2 });
    expect(bs.setPhase(stateText(), 'a'.repeat(32), NOW)).toMatchObject({ exit: 0, reason: 'cli-phase-set' });
    expect(bs.setPhase(null, 'fixing', NOW)).toStrictEqual({ exit: 1, reason: 'cli-no-build', lines: [bs.NO_BUILD_MESSAGE] });
    expect(bs.setPhase('{', 'fixing', NOW)).toStrictEqual({ exit: 1, reason: 'cli-no-build', lines: [bs.NO_BUILD_MESSAGE] });
    expect(bs.setPhase(stateText({ phase: 'complete' }), 'fixing', NOW)).toMatchObject({ exit: 1, reason: 'cli-build-finished' });
    expect(bs.setPhase(stateText({ phase: 'planning' }), 'fixing', NOW).lines).toEqual(['Build phase: fixing (was planning).']);
  });
  it('phase and finish: the usage line, and only phase and updatedAt are written', () => {
    expect(bs.setPhase(null, 'Bad', NOW)).toEqual({
      exit: 2,
      reason: 'cli-usage',
      lines: ['phase must match ^[a-z][a-z0-9-]{0,31}$ and must not be complete, failed or escalated (use arbiter build done, fail or escalate)'],
    });
    for (const p of ['failed', 'escalated', '1a', '-a', 'a_b', 'a b', '']) expect(bs.setPhase(stateText(), p, NOW)).toMatchObject({ exit: 2, reason: 'cli-usage' });
    expect(bs.setPhase(stateText(), 'a-0', NOW)).toMatchObject({ exit: 0 });
    expect(bs.setPhase('{"phase":"complete"}', 'fixing', NOW)).toEqual({ exit: 1, reason: 'cli-build-finished', lines: ['The build is already complete.'] });
    expect(bs.setPhase('[]', 'fixing', NOW)).toEqual({ exit: 1, reason: 'cli-no-build', lines: ['No build is active.'] });
    expect(bs.setPhase('{"phase":"a\\u0007b","x":1}', 'fixing', 0)).toEqual({
      exit: 0,
      reason: 'cli-phase-set',
      lines: ['Build phase: fixing (was a b).'],
      write: '{\n  "phase": "fixing",\n  "x": 1,\n  "updatedAt": "1970-01-01T00:00:00.000Z"\n}\n',
    });
    expect(bs.finishBuild('{"phase":"a","x":1}', 'fail', 0)).toEqual({
      exit: 0,
      reason: 'cli-finished',
      lines: ['Build marked failed.'],
      write: '{\n  "phase": "failed",\n  "x": 1,\n  "updatedAt": "1970-01-01T00:00:00.000Z"\n}\n',
    });
    expect(bs.finishBuild('[]', 'done', NOW)).toEqual({ exit: 1, reason: 'cli-no-build', lines: ['No build is active.'] });
    expect(bs.finishBuild(null, 'done', NOW)).toEqual({ exit: 1, reason: 'cli-no-build', lines: ['No build is active.'] });
  });
  it('done / fail / escalate', () => {
    expect(bs.finishBuild(null, 'done', NOW)).toMatchObject({ exit: 1, reason: 'cli-no-build' });
    expect(bs.finishBuild(stateText({ phase: 'failed' }), 'done', NOW)).toMatchObject({ exit: 1, reason: 'cli-build-finished', lines: ['The build is already failed.'] });
    for (const [verb, phase] of [['done', 'complete'], ['fail', 'failed'], ['escalate', 'escalated']] as const) {
      const r = bs.finishBuild(stateText({ used: 2 }), verb, NOW);
      expect(r).toMatchObject({ exit: 0, reason: 'cli-finished', lines: [`Build marked ${phase}.`] });
      expect(JSON.parse(r.write as string)).toMatchObject({ phase, reinforcementsUsed: 2 });
    }
  });
  it('status', () => {
    expect(bs.buildStatus(null).json).toEqual({ active: false, state: 'absent' });
    const s = bs.buildStatus(stateText({ used: 2, session: 'abcdefghijkl' }));
    expect(s.lines).toEqual(['phase: executing', 'size: standard', 'owner: tmux "work", session "abcdefgh"', 'reinforcements: 2 of 5', 'task: ship it']);
  });
  it('status: unparseable, terminal and defaulted states; the json is the sanitized view', () => {
    expect(bs.buildStatus(null)).toEqual({ exit: 0, reason: 'cli-status', lines: ['No build is active.'], json: { active: false, state: 'absent' } });
    expect(bs.buildStatus('[]')).toEqual({ exit: 0, reason: 'cli-status', lines: ['The build state cannot be parsed.'], json: { active: false, state: 'unparseable' } });
    const defaults = { state: 'parsed', size: null, owner: { tmux: '', session: '' }, used: 0, max: 5, label: '-', task: '(no task recorded)' };
    expect(bs.buildStatus('{"phase":"complete","size":3}')).toEqual({
      exit: 0,
      reason: 'cli-status',
      lines: ['phase: complete', 'size: -', 'owner: tmux "", session ""', 'reinforcements: 0 of 5', 'task: (no task recorded)'],
      json: { active: false, phase: 'complete', ...defaults },
    });
    expect(bs.buildStatus('{}').json).toEqual({ active: true, phase: 'idle', ...defaults });
    const s = bs.buildStatus(
      JSON.stringify({ phase: 'p\u0007q', size: `s\t${'z'.repeat(20)}`, owner: { tmux: 'w\nx', session: 'S\u0007-long-session' }, protection: { reinforcements: 3, label: 'l\tm' }, reinforcementsUsed: 1, task: `t\n${'u'.repeat(400)}` }),
    );
    expect(s.json).toEqual({
      active: true,
      state: 'parsed',
      phase: 'p q',
      size: `s ${'z'.repeat(13)}…`,
      owner: { tmux: 'w x', session: 'S -long-' },
      used: 1,
      max: 3,
      label: 'l m',
      task: `t ${'u'.repeat(297)}…`,
    });
    expect(s.lines).toEqual(['phase: p q', `size: s ${'z'.repeat(13)}…`, 'owner: tmux "w x", session "S -long-"', 'reinforcements: 1 of 3', `task: t ${'u'.repeat(297)}…`]);
  });
});

describe('build-stop table', () => {
  it('covers every stop reason', () => {
    const t = bs.table();
    const reasons = new Set(t.rows.map((r) => r[5]));
    for (const r of bs.STOP_REASONS) expect(reasons.has(r)).toBe(true);
  });
});
