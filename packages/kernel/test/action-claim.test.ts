/**
 * Properties of action-claim.md §7 (AC-*, CM-*, FE-*) and hooks.md §9 (G-P1..G-P4) for the `actionClaim` kernel module, plus
 * example suites for the boundaries (expiry at/one below/one above, cap at 4/5, clamp at 16384).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { actionClaim as ac, clamp, sanitizeLine, sanitizeBlock, shortId } from '@arbiter/kernel';

type Lemma = ac.Lemma;
type Commitment = ac.Commitment;

const LEMMAS = ac.LEMMAS;
const NOW = 1_700_000_000_000;

// ── generators from the grammar tables ──
const FILLER = ['build', 'green', 'and', 'tests', 'look', 'fine', 'so', 'next', 'check', 'logs', 'then', 'maybe', 'output', 'config', 'worker', 'branch', 'main', 'queue', 'today', 'later', 'ok', 'yes', 'docs', 'server'];
const fillerWords = (min: number, max: number) => fc.array(fc.constantFrom(...FILLER), { minLength: min, maxLength: max });
/** Filler text that is empty or ends in a space. */
const prefixFiller = fillerWords(0, 6).map((ws) => ws.map((w) => `${w} `).join(''));
const suffixNonWord = fc.tuple(fc.constantFrom('.', ',', '!', ' ', ';', ':', ')', ''), fillerWords(0, 5)).map(([p, ws]) =>
  p === '' ? '' : `${p} ${ws.join(' ')}`,
);

const PERSONAL_LEADS = [
  "I'll", 'I’ll', 'Ill', 'I will', "we'll", 'we’ll', 'we will', 'let me',
  "I'm going to", 'Im going to', 'I am going to', "we're going to", 'we are going to',
  "I'm about to", 'I’m about to', 'Im about to', 'I am about to', "we're about to", 'we’re about to', 'we are about to',
];
const lemmaArb = fc.constantFrom(...LEMMAS);
const formOf = (l: Lemma) => fc.constantFrom(...ac.verbForms(l));
const partOf = (l: Lemma) => fc.constantFrom(...ac.participles(l));
const PAST: Readonly<Record<Lemma, ReadonlyArray<string>>> = {
  relaunch: ['relaunched'], restart: ['restarted'], redeploy: ['redeployed'], deploy: ['deployed'], push: ['pushed'],
  merge: ['merged'], revert: ['reverted'], rebase: ['rebased'], rerun: ['reran', 're-ran'], fix: ['fixed'],
};
const ALL_PAST = Object.values(PAST).flat();

/** A single-candidate claim (shape A or B) starting at index 0, with its lemma. */
const abClaim = lemmaArb.chain((l) =>
  fc.tuple(
    fc.oneof(
      fc.tuple(fc.constantFrom(...PERSONAL_LEADS), formOf(l)).map(([lead, f]) => `${lead} ${f}`),
      fc.tuple(fc.constantFrom("I'm", 'Im', 'I am', 'I’m'), formOf(l)).map(([s, f]) => `${s} ${f}`),
    ),
    suffixNonWord,
  ).map(([c, s]) => ({ lemma: l, text: c + s })),
);
/** A single-candidate shape C claim at text start. */
const cClaim = lemmaArb.chain((l) =>
  fc.tuple(partOf(l), fc.constantFrom(' now', ' it', ' this', ' that', ' the worker', ' to prod'), fillerWords(0, 3)).map(
    ([p, tr, ws]) => ({ lemma: l, text: `${p}${tr}${ws.length ? ` ${ws.join(' ')}` : ''}` }),
  ),
);
const anyClaim = fc.oneof(abClaim, cClaim);

const grammarText = fc
  .array(fc.oneof(fc.constantFrom(...FILLER), fc.constantFrom(...PERSONAL_LEADS), lemmaArb.chain(formOf), fc.constantFrom('.', '"', "'", '?', '!', '\n', 'the', 'to', 'now', ...ALL_PAST)), { maxLength: 20 })
  .map((ws) => ws.join(' '));

const classify = ac.classifyActionClaim;

describe('action-claim classifier properties (action-claim.md §7 AC-*)', () => {
  it('AC-P1 totality: any value gives {claim:false} or a claim with a lemma in the closed set, never throws', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.string(), fc.string({ unit: 'binary' }), grammarText), (v) => {
        const r = classify(v);
        if (r.claim) {
          expect(LEMMAS).toContain(r.lemma);
          expect(Object.keys(r).sort()).toEqual(['claim', 'lemma', 'span']);
        } else expect(r).toEqual({ claim: false });
      }),
      { numRuns: 500 },
    );
    for (const v of [undefined, null, 0, NaN, {}, [], Symbol('x'), () => 1, new String('I will push')]) expect(classify(v)).toEqual({ claim: false });
  });

  it('AC-P1 totality on 1 MB of text (with and without a claim at the end)', () => {
    const big = 'The build is green and the deployed docs pushed fine. '.repeat(20_000);
    expect(classify(big)).toEqual({ claim: false });
    expect(classify(`${big}I'll merge it.`)).toEqual({ claim: true, lemma: 'merge', span: "I'll merge" });
    expect(classify(`${' '.repeat(1_000_000)}I`)).toEqual({ claim: false });
    expect(classify(`. ${' \t'.repeat(500_000)}x`)).toEqual({ claim: false });
  });

  it('AC-P2 determinism: equal inputs give deeply equal outputs', () => {
    fc.assert(fc.property(fc.oneof(grammarText, fc.string()), (s) => {
      expect(classify(s)).toEqual(classify(`${s}`));
    }), { numRuns: 300 });
  });

  it('AC-P3 span: substring of the input, no trailing whitespace, contains a form or participle of the lemma', () => {
    fc.assert(
      fc.property(fc.oneof(grammarText, anyClaim.map((c) => c.text), fc.tuple(prefixFiller, anyClaim).map(([p, c]) => p + c.text)), (s) => {
        const r = classify(s);
        if (!r.claim) return;
        expect(s.includes(r.span)).toBe(true);
        expect(r.span).toBe(r.span.replace(/\s+$/, ''));
        const lower = r.span.toLowerCase();
        expect([...ac.verbForms(r.lemma), ...ac.participles(r.lemma)].some((f) => lower.includes(f))).toBe(true);
      }),
      { numRuns: 400 },
    );
  });

  it('AC-P4 first-person leads: p + lead + " " + form + suffix is a claim of that lemma', () => {
    fc.assert(
      fc.property(prefixFiller, fc.constantFrom(...PERSONAL_LEADS), lemmaArb.chain((l) => fc.tuple(fc.constant(l), formOf(l))), suffixNonWord, (p, lead, [l, f], suf) => {
        const r = classify(`${p}${lead} ${f}${suf}`);
        expect(r.claim && r.lemma).toBe(l);
      }),
      { numRuns: 500 },
    );
  });

  it('AC-P5 other subjects: he is / she is / they are / you are / it is / he\'s / they\'re + going|about to + form is no claim', () => {
    fc.assert(
      fc.property(
        prefixFiller,
        fc.constantFrom('he is', 'she is', 'they are', 'you are', 'it is', "he's", "they're"),
        fc.constantFrom('going to', 'about to'),
        lemmaArb.chain(formOf),
        suffixNonWord,
        (p, subj, lead, f, suf) => {
          expect(classify(`${p}${subj} ${lead} ${f}${suf}`)).toEqual({ claim: false });
        },
      ),
      { numRuns: 400 },
    );
  });

  it('AC-P6 quotes: a quote character before a single-candidate claim, directly or with one space, gives no claim', () => {
    fc.assert(
      fc.property(fc.constantFrom('"', "'", '“', '”', '‘', '’', '`'), fc.constantFrom('', ' '), abClaim, (q, sp, c) => {
        expect(classify(c.text).claim).toBe(true);
        expect(classify(q + sp + c.text)).toEqual({ claim: false });
      }),
      { numRuns: 400 },
    );
  });

  it('AC-P7 past form in the verb slot never yields that lemma', () => {
    fc.assert(
      fc.property(prefixFiller, fc.constantFrom(...PERSONAL_LEADS, "I'm", 'I am', ''), lemmaArb, suffixNonWord, (p, lead, l, suf) => {
        for (const past of PAST[l]) {
          const r = classify(`${p}${lead}${lead ? ' ' : ''}${past}${suf}`);
          expect(r.claim && r.lemma === l).toBe(false);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('AC-P8 past form in a shape C trailer: still a claim of the participle\'s lemma', () => {
    fc.assert(
      fc.property(lemmaArb.chain((l) => fc.tuple(fc.constant(l), partOf(l))), fc.constantFrom('now', 'it', 'this', 'that', 'the', 'to'), fc.constantFrom(...ALL_PAST), fillerWords(0, 2), (lp, tr, past, ws) => {
        const [l, part] = lp;
        const r = classify(`${part} ${tr} ${past} ${ws.join(' ')}.`);
        expect(r.claim && r.lemma).toBe(l);
      }),
      { numRuns: 300 },
    );
  });

  it('AC-P9 shape C position: a participle after a word character and a space, with no lead, is no claim', () => {
    fc.assert(
      fc.property(fillerWords(1, 4), lemmaArb.chain(partOf), fc.constantFrom(' now', ' it', ' the branch', ' to prod'), (ws, part, tr) => {
        expect(classify(`${ws.join(' ')} ${part}${tr}`)).toEqual({ claim: false });
      }),
      { numRuns: 300 },
    );
  });

  it('AC-P10 shape C trailer: a participle followed by another word (or a trailer word extended) is no claim', () => {
    fc.assert(
      fc.property(lemmaArb.chain(partOf), fc.oneof(fc.constantFrom(...FILLER), fc.constantFrom('nowhere', 'items', 'thistle', 'thatch', 'theory', 'tomorrow', 'its', 'thee')), fillerWords(0, 3), (part, w, ws) => {
        expect(classify(`${part} ${w} ${ws.join(' ')}`)).toEqual({ claim: false });
      }),
      { numRuns: 300 },
    );
  });

  it('AC-P11 leftmost wins: a + ". " + b classifies as a\'s lemma', () => {
    fc.assert(
      fc.property(anyClaim, anyClaim, (a, b) => {
        const r = classify(`${a.text}. ${b.text}`);
        expect(r.claim && r.lemma).toBe(a.lemma);
      }),
      { numRuns: 400 },
    );
  });

  it('AC-P12 stability under appending: t ending in "." keeps its lemma for t + " " + u', () => {
    fc.assert(
      fc.property(fc.oneof(anyClaim.map((c) => `${c.text}.`), grammarText.map((g) => `${g}.`)), fc.string(), (t, u) => {
        const r = classify(t);
        if (!r.claim) return;
        const r2 = classify(`${t} ${u}`);
        expect(r2.claim && r2.lemma).toBe(r.lemma);
      }),
      { numRuns: 400 },
    );
  });

  it('AC-P13 apostrophe equivalence: U+0027 → U+2019 inside a lead never changes the result', () => {
    fc.assert(
      fc.property(prefixFiller, fc.constantFrom(...PERSONAL_LEADS.filter((l) => l.includes("'"))), lemmaArb.chain(formOf), suffixNonWord, (p, lead, f, suf) => {
        const a = classify(`${p}${lead} ${f}${suf}`);
        const b = classify(`${p}${lead.replace(/'/g, '\u2019')} ${f}${suf}`);
        expect(b.claim).toBe(a.claim);
        if (a.claim && b.claim) expect(b.lemma).toBe(a.lemma);
      }),
      { numRuns: 300 },
    );
  });

  it('AC-P14 ASCII case never changes claim or lemma for ASCII-only inputs', () => {
    const ascii = fc.oneof(grammarText.map((s) => s.replace(/[^\x00-\x7f]/g, "'")), fc.string({ unit: fc.constantFrom(...'Ii\'lmwe pushing.!? tordfx-'.split('')) }));
    fc.assert(
      fc.property(ascii, fc.array(fc.boolean(), { minLength: 1, maxLength: 64 }), (s, flips) => {
        const flipped = [...s].map((ch, i) => (flips[i % flips.length] ? (ch === ch.toLowerCase() ? ch.toUpperCase() : ch.toLowerCase()) : ch)).join('');
        const a = classify(s);
        const b = classify(flipped);
        expect(b.claim).toBe(a.claim);
        if (a.claim && b.claim) expect(b.lemma).toBe(a.lemma);
      }),
      { numRuns: 400 },
    );
  });

  it('AC-P15 "well <form>" and "were going to <form>" with filler give no claim', () => {
    fc.assert(
      fc.property(prefixFiller, fc.constantFrom('well', 'were going to', 'Well', 'Were going to', 'were about to'), lemmaArb.chain(formOf), suffixNonWord, (p, lead, f, suf) => {
        expect(classify(`${p}${lead} ${f}${suf}`)).toEqual({ claim: false });
      }),
      { numRuns: 300 },
    );
  });
});

// ── commitments ──

const settings = ac.DEFAULT_SETTINGS;
const topicArb = fc.oneof(fc.constantFrom('sess-A', 'sess-B', 'sess-C'), fc.string({ minLength: 1, maxLength: 12 }).filter((s) => /\S/.test(s)));

/** Drive a step function to its verdict with a synchronous store, recording the probes. */
const runClaim = (records: ReadonlyArray<Commitment>, f: Omit<ac.ClaimFacts, 'topicCommitments'>) =>
  ac.runStep((a) => ac.observeClaim(a === undefined ? f : { ...f, topicCommitments: a }), (p) => ({ ok: true, value: records.filter((r) => r.topic === p.topic) }));
const runEvidence = (records: ReadonlyArray<Commitment>, f: Omit<ac.EvidenceFacts, 'topicCommitments'>) =>
  ac.runStep((a) => ac.observeEvidence(a === undefined ? f : { ...f, topicCommitments: a }), (p) => ({ ok: true, value: records.filter((r) => r.topic === p.topic) }));

const activeKeyCounts = (records: ReadonlyArray<Commitment>, now: number): Map<string, number> => {
  const m = new Map<string, number>();
  for (const r of records) if (ac.isActive(r, now)) m.set(r.externalKey, (m.get(r.externalKey) ?? 0) + 1);
  return m;
};

type Ev =
  | { k: 'claim'; topic: string; text: string }
  | { k: 'evidence'; topic: string; command: string; tool: string }
  | { k: 'close'; pick: number; action: 'done' | 'withdraw' }
  | { k: 'advance'; ms: number };

const eventArb: fc.Arbitrary<Ev> = fc.oneof(
  fc.record({ k: fc.constant('claim' as const), topic: fc.constantFrom('sess-A', 'sess-B'), text: fc.oneof(anyClaim.map((c) => c.text), grammarText) }),
  fc.record({ k: fc.constant('evidence' as const), topic: fc.constantFrom('sess-A', 'sess-B'), command: fc.constantFrom('git push', 'npm test', 'git merge x', 'git rebase main', 'git revert HEAD', 'ls', 'git push -n'), tool: fc.constantFrom('Bash', 'Edit') }),
  fc.record({ k: fc.constant('close' as const), pick: fc.nat(20), action: fc.constantFrom('done' as const, 'withdraw' as const) }),
  fc.record({ k: fc.constant('advance' as const), ms: fc.oneof(fc.integer({ min: 0, max: 60_000 }), fc.constantFrom(ac.EXPIRY_MS, ac.EXPIRY_MS + 1, 8 * 86_400_000)) }),
);

/** Apply one event the way the hooks do: decide on a read, then apply the effects to the (same) records. */
const stepModel = (records: Commitment[], now: number, e: Ev): { records: Commitment[]; now: number; effects: ReadonlyArray<ac.Effect> } => {
  if (e.k === 'advance') return { records, now: now + e.ms, effects: [] };
  let effects: ReadonlyArray<ac.Effect> = [];
  if (e.k === 'claim') effects = runClaim(records, { enabled: true, sessionId: e.topic, message: e.text, now }).step.effects;
  if (e.k === 'evidence')
    effects = runEvidence(records, { agent: 'claude', settings, toolName: e.tool, toolInput: { command: e.command }, toolResponse: {}, toolUseId: 't1', sessionId: e.topic, now }).step.effects;
  if (e.k === 'close' && records.length > 0) {
    const r = records[e.pick % records.length]!;
    effects = ac.decideCliClose(records, e.action, r.id, 'because', now).effects;
  }
  return { records: ac.applyEffects(records, effects, now), now, effects };
};

describe('commitment properties (action-claim.md §7 CM-*)', () => {
  it('CM-P1 key shape: ^actionclaim:[0-9a-f]{16}$, depends only on (topic, lemma), distinct pairs have distinct pre-hash strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), lemmaArb, fc.string({ unit: 'binary' }), lemmaArb, (t1, l1, t2, l2) => {
        const k = ac.externalKey(t1, l1);
        expect(k).toMatch(/^actionclaim:[0-9a-f]{16}$/);
        expect(ac.externalKey(t1, l1)).toBe(k);
        if (t1 !== t2 || l1 !== l2) expect(ac.keyMaterial(t1, l1)).not.toBe(ac.keyMaterial(t2, l2));
      }),
      { numRuns: 300 },
    );
  });

  it('CM-P3 dedupe (model-based): no key ever has more than one active commitment', () => {
    fc.assert(
      fc.property(fc.array(eventArb, { maxLength: 40 }), (events) => {
        let s = { records: [] as Commitment[], now: NOW };
        for (const e of events) {
          s = stepModel(s.records, s.now, e);
          for (const n of activeKeyCounts(s.records, s.now).values()) expect(n).toBeLessThanOrEqual(1);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('store semantics: replaying a batch of effects changes nothing (a retried commit never double-applies)', () => {
    fc.assert(
      fc.property(fc.array(eventArb, { maxLength: 30 }), (events) => {
        let s = { records: [] as Commitment[], now: NOW };
        for (const e of events) {
          const next = stepModel(s.records, s.now, e);
          const once = ac.applyEffects(s.records, next.effects, next.now);
          expect(ac.applyEffects(once, next.effects, next.now)).toEqual(once);
          s = next;
        }
      }),
      { numRuns: 200 },
    );
  });

  it('CM-P3 dedupe under a race: two creates for one key decided on the same read leave one active commitment', () => {
    fc.assert(
      fc.property(abClaim, fc.integer({ min: 0, max: 1000 }), (c, dt) => {
        const a = runClaim([], { enabled: true, sessionId: 's', message: c.text, now: NOW }).step.effects;
        const b = runClaim([], { enabled: true, sessionId: 's', message: c.text, now: NOW + dt }).step.effects;
        const after = ac.applyEffects(ac.applyEffects([], a, NOW), b, NOW + dt);
        expect(after.filter((r) => ac.isActive(r, NOW + dt)).length).toBe(1);
      }),
    );
  });

  it('CM-P4 cap: registration never gives a topic more than 5 active claims; a restatement still refreshes at the cap', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(lemmaArb, fc.integer({ min: 0, max: 1000 })), { maxLength: 30 }), (seq) => {
        let records: Commitment[] = [];
        let now = NOW;
        for (const [l, dt] of seq) {
          now += dt;
          const before = records.find((r) => r.lemma === l && ac.isActive(r, now));
          const res = runClaim(records, { enabled: true, sessionId: 's', message: `I'll ${ac.verbForms(l)[0]} it.`, now });
          if (before !== undefined) expect(res.step.outcome._tag).toBe('Refreshed');
          records = ac.applyEffects(records, res.step.effects, now);
          expect(records.filter((r) => ac.isActive(r, now) && r.externalKey.startsWith('actionclaim:')).length).toBeLessThanOrEqual(ac.PER_TOPIC_CAP);
        }
      }),
    );
  });

  it('CM-P4 boundary: 4 active claims → registered; 5 → per-topic-cap; a 6th lemma racing past the read is dropped by the store', () => {
    const mk = (ls: ReadonlyArray<Lemma>) => ls.reduce<Commitment[]>((rs, l) => ac.applyEffects(rs, runClaim(rs, { enabled: true, sessionId: 's', message: `I'll ${l}`, now: NOW }).step.effects, NOW), []);
    const four = mk(['push', 'merge', 'revert', 'rebase']);
    expect(four).toHaveLength(4);
    expect(runClaim(four, { enabled: true, sessionId: 's', message: "I'll fix it", now: NOW }).step.outcome._tag).toBe('Registered');
    const five = mk(['push', 'merge', 'revert', 'rebase', 'fix']);
    const capped = runClaim(five, { enabled: true, sessionId: 's', message: "I'll deploy it", now: NOW }).step;
    expect(capped.outcome).toMatchObject({ _tag: 'CapReached', reasons: ['per-topic-cap'], open: 5 });
    expect(capped.effects.map((e) => e._tag)).toEqual(['Audit']);
    const late = runClaim(four, { enabled: true, sessionId: 's', message: "I'll deploy it", now: NOW }).step.effects;
    expect(ac.applyEffects(five, late, NOW)).toHaveLength(5);
  });

  it('CM-P5 expiry is monotone: a refresh never decreases expiresAt, and afterwards expiresAt ≥ now + 6 h', () => {
    fc.assert(
      fc.property(abClaim, fc.array(fc.integer({ min: 0, max: ac.EXPIRY_MS }), { minLength: 1, maxLength: 8 }), (c, dts) => {
        let now = NOW;
        let records = ac.applyEffects([], runClaim([], { enabled: true, sessionId: 's', message: c.text, now }).step.effects, now);
        for (const dt of dts) {
          now += dt;
          const before = records[0]!;
          const res = runClaim(records, { enabled: true, sessionId: 's', message: c.text, now });
          records = ac.applyEffects(records, res.step.effects, now);
          if (res.step.outcome._tag === 'Refreshed') {
            expect(records[0]!.expiresAt).toBeGreaterThanOrEqual(before.expiresAt);
            expect(records[0]!.expiresAt).toBeGreaterThanOrEqual(now + ac.EXPIRY_MS);
          }
        }
      }),
    );
  });

  it('CM-P6 no needless store read: verdicts from rules 1–4 request no probe', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.oneof(fc.anything(), topicArb), fc.oneof(fc.anything(), grammarText), (enabled, sid, msg) => {
        const s = ac.observeClaim({ enabled, sessionId: sid, message: msg, now: NOW });
        const rule1to4 = !enabled || ac.topicOf(sid) === null || typeof msg !== 'string' || msg === '' || !classify(clamp(msg, ac.MESSAGE_CLAMP)).claim;
        expect(s._tag === 'Done').toBe(rule1to4);
      }),
      { numRuns: 400 },
    );
  });

  it('CM-P8 clamp: the result for a message equals the result for clamp(message, 16384)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), fc.oneof(anyClaim.map((c) => c.text), fc.constant('')), fc.integer({ min: 16_340, max: 16_400 }), (tail, claim, pad) => {
        const msg = 'x '.repeat(pad >> 1).slice(0, pad) + claim + tail;
        const a = runClaim([], { enabled: true, sessionId: 's', message: msg, now: NOW }).step;
        const b = runClaim([], { enabled: true, sessionId: 's', message: clamp(msg, ac.MESSAGE_CLAMP), now: NOW }).step;
        expect(a).toEqual(b);
      }),
      { numRuns: 100 },
    );
    // Boundary: a claim ending exactly at 16384 units counts; one unit further does not.
    const at = `${'x '.repeat((ac.MESSAGE_CLAMP - 8) / 2)}I'll fix`;
    expect(at).toHaveLength(ac.MESSAGE_CLAMP);
    expect(ac.observeClaim({ enabled: true, sessionId: 's', message: at, now: NOW })._tag).toBe('Need');
    expect(ac.observeClaim({ enabled: true, sessionId: 's', message: `x${at}`, now: NOW })._tag).toBe('Done');
  });

  it('CM-P9 after expiry: the old commitment counts toward neither dedupe nor the cap, and a new claim creates a new id', () => {
    fc.assert(
      fc.property(abClaim, fc.integer({ min: 1, max: 10 * ac.EXPIRY_MS }), (c, extra) => {
        const first = runClaim([], { enabled: true, sessionId: 's', message: c.text, now: NOW }).step;
        let records = ac.applyEffects([], first.effects, NOW);
        const later = NOW + ac.EXPIRY_MS + extra;
        const res = runClaim(records, { enabled: true, sessionId: 's', message: c.text, now: later }).step;
        expect(res.outcome._tag).toBe('Registered');
        expect(res.effects[0]).toMatchObject({ _tag: 'CommitmentClose', status: 'expired' });
        records = ac.applyEffects(records, res.effects, later);
        const active = records.filter((r) => ac.isActive(r, later));
        expect(active).toHaveLength(1);
        expect(active[0]!.id).not.toBe((first.outcome as { id: string }).id);
      }),
    );
  });

  it('expiry boundary: active at expiresAt, expired one ms after (action-claim.md §4)', () => {
    const records = ac.applyEffects([], runClaim([], { enabled: true, sessionId: 's', message: "I'll push", now: NOW }).step.effects, NOW);
    const r = records[0]!;
    expect(r.expiresAt).toBe(NOW + ac.EXPIRY_MS);
    expect(ac.isActive(r, r.expiresAt - 1)).toBe(true);
    expect(ac.isActive(r, r.expiresAt)).toBe(true);
    expect(ac.isActive(r, r.expiresAt + 1)).toBe(false);
    expect(ac.effectiveStatus(r, r.expiresAt + 1)).toBe('expired');
    expect(runClaim(records, { enabled: true, sessionId: 's', message: "I'll push", now: r.expiresAt }).step.outcome._tag).toBe('Refreshed');
    expect(runClaim(records, { enabled: true, sessionId: 's', message: "I'll push", now: r.expiresAt + 1 }).step.outcome._tag).toBe('Registered');
  });

  it('observeClaim rule order and reason codes (examples)', () => {
    const f = { enabled: true, sessionId: 's', message: "I'll push", now: NOW };
    expect(ac.observeClaim({ ...f, enabled: false })).toMatchObject({ _tag: 'Done', outcome: { reasons: ['disabled'] } });
    expect(ac.observeClaim({ ...f, sessionId: ' \t' })).toMatchObject({ outcome: { reasons: ['no-topic'] } });
    expect(ac.observeClaim({ ...f, sessionId: 42 })).toMatchObject({ outcome: { reasons: ['no-topic'] } });
    expect(ac.observeClaim({ ...f, message: '' })).toMatchObject({ outcome: { reasons: ['no-message'] } });
    expect(ac.observeClaim({ ...f, message: 7 })).toMatchObject({ outcome: { reasons: ['no-message'] } });
    expect(ac.observeClaim({ ...f, message: 'I pushed' })).toMatchObject({ outcome: { reasons: ['no-claim'] } });
    expect(ac.observeClaim(f)).toEqual({ _tag: 'Need', probe: { _tag: 'TopicCommitments', topic: 's' } });
    expect(ac.observeClaim({ ...f, topicCommitments: { ok: false, error: { kind: 'timeout', detail: 'x' } } })).toMatchObject({ outcome: { reasons: ['store-unavailable'] }, effects: [] });
    const reg = ac.observeClaim({ ...f, topicCommitments: { ok: true, value: [] } });
    expect(reg).toMatchObject({ _tag: 'Done', outcome: { _tag: 'Registered', reasons: ['registered'], lemma: 'push' } });
    const rec = (reg as { effects: ReadonlyArray<ac.Effect> }).effects[0] as Extract<ac.Effect, { _tag: 'CommitmentCreate' }>;
    expect(rec.record.id).toMatch(/^c-[0-9a-f]{8}$/);
    expect(rec.record.span).toBe("I'll push");
  });
});

// ── follow-through evidence ──

const cmdArb = fc.oneof(
  fc.string(),
  fc.constantFrom('git push', 'git push --dry-run', 'git merge --abort', 'gh pr merge 3', 'npm test', 'git rebase main', 'echo fixed', 'git revert HEAD', 'kubectl rollout restart deploy/x'),
  fc.array(fc.constantFrom('git', 'push', '&&', ';', '|', '"', "'", '$(', ')', '`', 'env', 'A=1', '-C', 'x', 'npm', 'test', 'fix', 'merge'), { maxLength: 12 }).map((ws) => ws.join(' ')),
);
const configArb = fc.record({
  enabled: fc.boolean(),
  evidence: fc.record({
    enabled: fc.boolean(),
    test_commands: fc.array(fc.oneof(fc.string(), fc.constantFrom('fix', 'fix *', '*', 'git fix')), { maxLength: 4 }),
    action_patterns: fc.record({
      relaunch: fc.array(fc.constantFrom('*', 'fix', 'x y'), { maxLength: 2 }),
      restart: fc.array(fc.constantFrom('*', 'kubectl rollout restart *'), { maxLength: 2 }),
      deploy: fc.array(fc.string(), { maxLength: 2 }),
      redeploy: fc.array(fc.string(), { maxLength: 2 }),
    }),
  }),
});

const openRecord = (topic: string, lemma: Lemma, createdAt = NOW - 1000): Commitment => {
  const key = ac.externalKey(topic, lemma);
  return { id: ac.commitmentId(key, createdAt), externalKey: key, topic, lemma, span: 'x', lastSpan: 'x', createdAt, expiresAt: createdAt + ac.EXPIRY_MS, restatedAt: createdAt, restatements: 0, status: 'open', closedAt: null, evidence: null, note: null };
};
const storeArb = fc.array(fc.tuple(fc.constantFrom('sess-A', 'sess-B'), lemmaArb, fc.integer({ min: -2 * ac.EXPIRY_MS, max: 0 })), { maxLength: 10 }).map((xs) => {
  const out: Commitment[] = [];
  for (const [t, l, age] of xs) {
    const r = openRecord(t, l, NOW + age);
    if (!out.some((o) => o.externalKey === r.externalKey)) out.push(r);
  }
  return out;
});

const evFacts = (o: Partial<ac.EvidenceFacts>): Omit<ac.EvidenceFacts, 'topicCommitments'> => ({
  agent: 'claude', settings, toolName: 'Bash', toolInput: { command: 'git push' }, toolResponse: { interrupted: false }, toolUseId: 'toolu_1', sessionId: 'sess-A', now: NOW, ...o,
});

describe('follow-through evidence properties (action-claim.md §7 FE-*)', () => {
  it('FE-P1 fix is never automatic: classifyCommand never contains fix, for any string and any config', () => {
    fc.assert(fc.property(cmdArb, fc.oneof(configArb, fc.anything()), (cmd, cfg) => {
      expect(ac.classifyCommand(cmd, cfg).has('fix')).toBe(false);
    }), { numRuns: 500 });
  });

  it('FE-P2 Bash and success only: a non-Bash tool or a non-succeeded outcome produces no CommitmentClose(delivered)', () => {
    fc.assert(
      fc.property(storeArb, fc.constantFrom('claude' as const, 'codex' as const), fc.oneof(fc.constantFrom('Edit', 'bash', 'Bash ', 'apply_patch'), fc.string()), fc.anything(), cmdArb, (store, agent, tool, resp, cmd) => {
        const toolName = tool === 'Bash' ? 'Edit' : tool;
        const r = runEvidence(store, evFacts({ agent, toolName, toolInput: { command: cmd }, toolResponse: resp })).step;
        expect(r.effects.some((e) => e._tag === 'CommitmentClose' && e.status === 'delivered')).toBe(false);
        const failed = agent === 'claude' ? { interrupted: true } : { exit_code: 1 };
        const r2 = runEvidence(store, evFacts({ agent, toolInput: { command: cmd }, toolResponse: failed })).step;
        expect(r2.effects.some((e) => e._tag === 'CommitmentClose' && e.status === 'delivered')).toBe(false);
        const bg = runEvidence(store, evFacts({ agent: 'claude', toolInput: { command: cmd, run_in_background: true } })).step;
        expect(bg.outcome.reasons[0] === 'not-succeeded' || bg.outcome.reasons[0] === 'no-command').toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('FE-P3 + FE-P4 topic isolation and lemma match: every delivered commitment is of the payload session, was active, and its lemma is in classifyCommand', () => {
    fc.assert(
      fc.property(storeArb, fc.constantFrom('sess-A', 'sess-B'), cmdArb, fc.integer({ min: 0, max: ac.EXPIRY_MS * 2 }), (store, sid, cmd, dt) => {
        const now = NOW + dt;
        const r = runEvidence(store, evFacts({ sessionId: sid, toolInput: { command: cmd }, now })).step;
        const set = ac.classifyCommand(cmd, settings);
        for (const e of r.effects) {
          if (e._tag !== 'CommitmentClose' || e.status !== 'delivered') continue;
          const rec = store.find((x) => x.id === e.id)!;
          expect(rec.topic).toBe(sid);
          expect(ac.isActive(rec, now)).toBe(true);
          expect(set.has(rec.lemma)).toBe(true);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('FE-P5 git push recognition: assignments, wrappers and git global options before `git push`; not with --dry-run or -n', () => {
    const pre = fc.array(fc.oneof(fc.constantFrom('A=1', 'GIT_TRACE=1', 'env', 'env -i', 'env FOO=bar', 'command', 'nohup', 'time', 'exec')), { maxLength: 4 });
    const gopts = fc.array(fc.constantFrom('-C repo', '-c user.name=x', '--git-dir=.git', '--git-dir .git', '--work-tree w', '--no-pager', '-P', '--namespace=n', '--exec-path p'), { maxLength: 4 });
    const args = fc.array(fc.constantFrom('origin', 'main', '-f', '--force-with-lease', '-u', 'HEAD:refs/heads/x', '--tags'), { maxLength: 4 });
    fc.assert(
      fc.property(pre, fc.constantFrom('git', '/usr/bin/git', './git'), gopts, args, fc.constantFrom('--dry-run', '-n'), (p, git, g, a, dry) => {
        const cmd = [...p, git, ...g, 'push', ...a].join(' ');
        expect(ac.classifyCommand(cmd).has('push')).toBe(true);
        expect(ac.classifyCommand([...p, git, ...g, 'push', ...a, dry].join(' ')).has('push')).toBe(false);
      }),
      { numRuns: 400 },
    );
  });

  it('FE-P6 quoting and nesting: `git push` inside quotes, $(…) or backticks is not classified; after &&, ;, || or | it is', () => {
    fc.assert(
      fc.property(fc.constantFrom('echo', 'printf', 'x=', 'cat'), fc.constantFrom('"git push"', "'git push'", '$(git push)', '`git push`', '"$(git push)"', 'bash -c "git push"'), fc.constantFrom('&&', ';', '||', '|', '&', '\n', '|&'), (cmd, wrapped, sep) => {
        expect(ac.classifyCommand(`${cmd} ${wrapped}`).has('push')).toBe(false);
        expect(ac.classifyCommand(`${cmd} ${wrapped} ${sep} git push`).has('push')).toBe(true);
      }),
    );
  });

  it('FE-P7 no needless store read: no probe when classifyCommand is empty', () => {
    fc.assert(
      fc.property(cmdArb, configArb, (cmd, cfg) => {
        const f = evFacts({ toolInput: { command: cmd }, settings: cfg });
        const s = ac.observeEvidence(f);
        if (ac.classifyCommand(cmd, cfg).size === 0) expect(s._tag).toBe('Done');
      }),
      { numRuns: 400 },
    );
  });

  it('FE-P8 idempotence: delivering the same payload twice closes each commitment once', () => {
    fc.assert(
      fc.property(storeArb, cmdArb, (store, cmd) => {
        const f = evFacts({ toolInput: { command: cmd } });
        const first = runEvidence(store, f).step;
        const after1 = ac.applyEffects(store, first.effects, NOW);
        const second = runEvidence(after1, f).step;
        expect(second.effects.some((e) => e._tag === 'CommitmentClose' && e.status === 'delivered')).toBe(false);
        const after2 = ac.applyEffects(after1, [...first.effects, ...second.effects], NOW);
        expect(after2).toEqual(after1);
      }),
      { numRuns: 300 },
    );
  });

  it('observeEvidence rule order (examples) and the outcome table (action-claim.md §5.2)', () => {
    const s = [openRecord('sess-A', 'push')];
    const r = (o: Partial<ac.EvidenceFacts>) => runEvidence(s, evFacts(o)).step.outcome.reasons[0];
    expect(r({ settings: { ...settings, enabled: false } })).toBe('disabled');
    expect(r({ toolName: 'Write' })).toBe('not-bash');
    expect(r({ sessionId: '' })).toBe('no-topic');
    expect(r({ toolInput: { command: '' } })).toBe('no-command');
    expect(r({ toolInput: {} })).toBe('no-command');
    expect(r({ toolResponse: { interrupted: true } })).toBe('not-succeeded');
    expect(r({ toolInput: { command: 'ls -la' } })).toBe('no-action');
    expect(r({ toolInput: { command: 'npm test' } })).toBe('no-open-commitment');
    expect(r({})).toBe('delivered');
    expect(runEvidence(s, evFacts({})).step.effects[0]).toMatchObject({ _tag: 'CommitmentClose', status: 'delivered', evidence: { kind: 'command', lemma: 'push', command: 'git push', toolUseId: 'toolu_1', at: NOW } });
    expect(ac.commandOutcome('codex', {}, { exit_code: 0 })).toBe('succeeded');
    expect(ac.commandOutcome('codex', {}, { exitCode: 2 })).toBe('failed');
    expect(ac.commandOutcome('codex', {}, 'Exit code: 0\nWall time: 1s')).toBe('succeeded');
    expect(ac.commandOutcome('codex', {}, 'exit CODE :  1')).toBe('failed');
    expect(ac.commandOutcome('codex', {}, 'done')).toBe('unknown');
    expect(ac.commandOutcome('codex', {}, { exit_code: 0.5 })).toBe('unknown');
    expect(ac.commandOutcome('codex', {}, null)).toBe('unknown');
    expect(ac.commandOutcome('claude', { run_in_background: true }, { interrupted: true })).toBe('unknown');
    expect(ac.commandOutcome('claude', {}, 'whatever')).toBe('succeeded');
  });

  it('classifyCommand rules per lemma (examples), with configured patterns and wildcards', () => {
    const cfg = { ...settings, evidence: { ...settings.evidence, action_patterns: { relaunch: [], restart: ['kubectl rollout restart *'], deploy: ['./deploy.sh'], redeploy: [] } } };
    const c = (s: string) => [...ac.classifyCommand(s, cfg)].sort();
    expect(c('git merge feature')).toEqual(['merge']);
    expect(c('git merge --abort')).toEqual([]);
    expect(c('gh pr merge 12 --squash')).toEqual(['merge']);
    expect(c('gh pr merge --disable-auto')).toEqual([]);
    expect(c('git rebase --continue')).toEqual(['rebase']);
    expect(c('git rebase --edit-todo')).toEqual([]);
    expect(c('git revert HEAD')).toEqual(['revert']);
    expect(c('git revert --quit')).toEqual([]);
    expect(c('python -m pytest -k x')).toEqual(['rerun']);
    expect(c('./node_modules/.bin/vitest run')).toEqual(['rerun']);
    expect(c('npm run build')).toEqual([]);
    expect(c('kubectl rollout restart deploy/web')).toEqual(['restart']);
    expect(c('kubectl rollout restart')).toEqual([]);
    expect(c('deploy.sh')).toEqual([]);
    expect(c('./deploy.sh')).toEqual([]); // basename is deploy.sh, the entry word ./deploy.sh never equals it
    expect(c('sudo git push')).toEqual([]);
    expect(c('git status && git push origin main; npm test')).toEqual(['push', 'rerun']);
    expect(c('(cd x && git push)')).toEqual(['push']);
    expect(c('{ git push; }')).toEqual(['push']);
    expect(c('! git push')).toEqual(['push']);
    expect(c('git -C "my repo" push')).toEqual(['push']);
    expect(c('git --git-dir x push')).toEqual(['push']);
    expect(c('git --git-dir=x status push')).toEqual([]);
    expect(c('git')).toEqual([]);
    expect(ac.splitSimpleCommands('git push 2>&1 | tee log &> /dev/null; make test &')).toEqual(['git push 2>&1 ', ' tee log &> /dev/null', ' make test ']);
    expect(c('git push --dry-run 2>&1')).toEqual([]);
    expect(c('git push origin main >&2')).toEqual(['push']);
  });
});

// ── CLI decisions and messages ──

describe('commitments CLI decisions and messages (action-claim.md §6)', () => {
  it('done/withdraw: not found → cli-not-found; not open → cli-not-open; open → closed', () => {
    const r = openRecord('sess-A', 'push');
    expect(ac.decideCliClose([r], 'done', 'c-nothere', null, NOW).outcome).toMatchObject({ _tag: 'NotFound', reasons: ['cli-not-found'], message: 'No commitment with id c-nothere.' });
    const d = ac.decideCliClose([r], 'done', r.id, 'shipped', NOW);
    expect(d.outcome).toMatchObject({ _tag: 'Closed', reasons: ['cli-delivered'], message: `Commitment ${r.id} (push) marked delivered.` });
    const closed = ac.applyEffects([r], d.effects, NOW);
    expect(closed[0]).toMatchObject({ status: 'delivered', closedAt: NOW, evidence: { kind: 'manual', note: 'shipped' } });
    expect(ac.decideCliClose(closed, 'withdraw', r.id, null, NOW).outcome).toMatchObject({ _tag: 'NotOpen', message: `Commitment ${r.id} is already delivered; nothing changed.` });
    const w = ac.decideCliClose([r], 'withdraw', r.id, 'no longer needed', NOW);
    expect(w.outcome).toMatchObject({ reasons: ['cli-withdrawn'], message: `Commitment ${r.id} (push) withdrawn.` });
    expect(ac.applyEffects([r], w.effects, NOW)[0]).toMatchObject({ status: 'withdrawn', note: 'no longer needed' });
    expect(ac.decideCliClose([r], 'done', r.id, null, r.expiresAt + 1).outcome).toMatchObject({ _tag: 'NotOpen', message: `Commitment ${r.id} is already expired; nothing changed.` });
    expect(ac.notFoundMessage('c-1\n"; rm -rf')).toBe('No commitment with id c-1rm-rf.');
  });

  it('renderOpenCommitments: null without active records; header, oldest first, closing line', () => {
    expect(ac.renderOpenCommitments([], NOW)).toBeNull();
    const a = openRecord('s', 'push', NOW - 2000);
    const b = { ...openRecord('s', 'merge', NOW - 5000), lastSpan: 'I\'ll merge\nit "now"' };
    const text = ac.renderOpenCommitments([a, b], NOW)!;
    expect(text.split('\n')).toEqual([
      'Open commitments from your earlier messages in this session (2):',
      `- merge: "I'll merge it "now"" (id ${b.id}, expires in 5h59m)`,
      `- push: "x" (id ${a.id}, expires in 5h59m)`,
      'Follow through on each, or close it: arbiter commitments done <id>, or arbiter commitments withdraw <id> --reason "<why>".',
    ]);
    expect(ac.formatRemaining(ac.EXPIRY_MS)).toBe('6h00m');
    expect(ac.formatRemaining(59_999)).toBe('0h00m');
    expect(ac.formatRemaining(-5)).toBe('0h00m');
  });

  it('list selection: active only by default, newest first; --all adds every status; --session filters', () => {
    const a = openRecord('s1', 'push', NOW - 1000);
    const b = openRecord('s2', 'merge', NOW - 500);
    const c = { ...openRecord('s1', 'fix', NOW - 100), status: 'withdrawn' as const, closedAt: NOW - 50 };
    expect(ac.selectForList([a, b, c], {}, NOW).map((r) => r.id)).toEqual([b.id, a.id]);
    expect(ac.selectForList([a, b, c], { all: true }, NOW).map((r) => r.id)).toEqual([c.id, b.id, a.id]);
    expect(ac.selectForList([a, b, c], { session: 's1', all: true }, NOW).map((r) => r.id)).toEqual([c.id, a.id]);
    expect(ac.listLine(c, NOW)).toBe(`${c.id}  fix  withdrawn  closed ${new Date(NOW - 50).toISOString()}  session s1  "x"`);
    expect(ac.listLine(a, NOW)).toBe(`${a.id}  push  open  expires in 5h59m  session s1  "x"`);
  });

  it('deliveredContext template', () => {
    expect(ac.deliveredContext({ id: 'c-0123abcd', lemma: 'push', command: 'git push\norigin' })).toBe('Arbiter: commitment c-0123abcd (push) marked delivered by: git push origin');
  });
});

// ── codec and common properties ──

describe('record codec and common properties (hooks.md §9 G-P*)', () => {
  it('store file round-trips with ISO instants; a record open with closedAt, or a bad instant, is corrupt', () => {
    const r = openRecord('s', 'push');
    const text = ac.encodeStoreFile([r]);
    expect(text).toContain(new Date(r.createdAt).toISOString());
    expect(ac.decodeStoreFile(text)).toEqual({ ok: true, commitments: [r] });
    expect(ac.decodeStoreFile(text.replace('"closedAt":null', '"closedAt":"2026-01-01T00:00:00.000Z"')).ok).toBe(false);
    expect(ac.decodeStoreFile(text.replace(new Date(r.createdAt).toISOString(), '2023-11-14T22:13:19Z')).ok).toBe(false);
    expect(ac.decodeStoreFile('{').ok).toBe(false);
    expect(ac.decodeStoreFile('{"version":2,"commitments":[]}').ok).toBe(false);
  });

  it('G-P1 each step requests at most one probe, never one already answered, and ends within 12 steps', () => {
    fc.assert(
      fc.property(storeArb, fc.oneof(anyClaim.map((c) => c.text), grammarText), cmdArb, fc.constantFrom(null, 'timeout', 'unavailable', 'failed'), (store, msg, cmd, fail) => {
        const answer = () => (fail !== null ? { ok: false as const, error: { kind: fail, detail: 'x' } } : { ok: true as const, value: store });
        for (const run of [
          () => ac.runStep((a) => ac.observeClaim({ enabled: true, sessionId: 'sess-A', message: msg, now: NOW, ...(a ? { topicCommitments: a } : {}) }), answer),
          () => ac.runStep((a) => ac.observeEvidence({ ...evFacts({ toolInput: { command: cmd } }), ...(a ? { topicCommitments: a } : {}) }), answer),
        ]) {
          const { probes } = run();
          expect(probes.length).toBeLessThanOrEqual(1);
        }
        // With the answer present, the step never asks again.
        expect(ac.observeClaim({ enabled: true, sessionId: 'sess-A', message: msg, now: NOW, topicCommitments: answer() })._tag).toBe('Done');
        expect(ac.observeEvidence({ ...evFacts({ toolInput: { command: cmd } }), topicCommitments: answer() })._tag).toBe('Done');
      }),
      { numRuns: 200 },
    );
  });

  it('G-P2 determinism and G-P3 JSON round trip of every verdict and effect', () => {
    fc.assert(
      fc.property(storeArb, fc.oneof(anyClaim.map((c) => c.text), grammarText), cmdArb, (store, msg, cmd) => {
        const a = runClaim(store, { enabled: true, sessionId: 'sess-A', message: msg, now: NOW }).step;
        expect(runClaim(store, { enabled: true, sessionId: 'sess-A', message: msg, now: NOW }).step).toEqual(a);
        expect(JSON.parse(JSON.stringify(a))).toEqual(a);
        const e = runEvidence(store, evFacts({ toolInput: { command: cmd } })).step;
        expect(runEvidence(store, evFacts({ toolInput: { command: cmd } })).step).toEqual(e);
        expect(JSON.parse(JSON.stringify(e))).toEqual(e);
      }),
      { numRuns: 200 },
    );
  });

  it('G-P4 every reason produced is in the closed set (and the unions are pinned at the type level)', () => {
    const claimPinned: Record<ac.ClaimReason, true> = { disabled: true, 'no-topic': true, 'no-message': true, 'no-claim': true, 'store-unavailable': true, refreshed: true, 'per-topic-cap': true, registered: true };
    const evPinned: Record<ac.EvidenceReason, true> = { disabled: true, 'not-bash': true, 'no-topic': true, 'no-command': true, 'not-succeeded': true, 'no-action': true, 'store-unavailable': true, 'no-open-commitment': true, delivered: true };
    const cliPinned: Record<ac.CliReason, true> = { 'cli-listed': true, 'cli-not-found': true, 'cli-not-open': true, 'cli-delivered': true, 'cli-withdrawn': true };
    expect(Object.keys(claimPinned).sort()).toEqual([...ac.CLAIM_REASONS].sort());
    expect(Object.keys(evPinned).sort()).toEqual([...ac.EVIDENCE_REASONS].sort());
    expect(Object.keys(cliPinned).sort()).toEqual([...ac.CLI_REASONS].sort());
    for (const r of [...ac.CLAIM_REASONS, ...ac.EVIDENCE_REASONS, ...ac.CLI_REASONS]) expect(r).toMatch(/^[a-z]+(-[a-z]+)*$/);
    fc.assert(
      fc.property(storeArb, fc.boolean(), fc.oneof(topicArb, fc.anything()), fc.oneof(anyClaim.map((c) => c.text), grammarText, fc.anything()), cmdArb, fc.anything(), (store, enabled, sid, msg, cmd, resp) => {
        const a = runClaim(store, { enabled, sessionId: sid, message: msg, now: NOW }).step.outcome;
        expect(ac.CLAIM_REASONS).toContain(a.reasons[0]);
        const e = runEvidence(store, evFacts({ sessionId: sid, toolInput: { command: cmd }, toolResponse: resp })).step.outcome;
        expect(ac.EVIDENCE_REASONS).toContain(e.reasons[0]);
      }),
      { numRuns: 300 },
    );
  });

  it('table(): covers every claim and evidence reason and matches the classifier', () => {
    const tb = ac.table();
    const reasons = new Set(tb.rows.map((r) => r[4]));
    for (const r of ac.CLAIM_REASONS) expect(reasons.has(r)).toBe(true);
    for (const r of ac.EVIDENCE_REASONS) expect(reasons.has(r)).toBe(true);
    for (const row of tb.rows) expect(row).toHaveLength(tb.columns.length);
  });
});

describe('text helpers (hooks.md §4)', () => {
  it('clamp never splits a surrogate pair and keeps short strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.integer({ min: 0, max: 40 }), (s, n) => {
        const c = clamp(s, n);
        expect(c.length).toBeLessThanOrEqual(n);
        expect(s.startsWith(c)).toBe(true);
        if (s.length <= n) expect(c).toBe(s);
        else expect(c.length >= n - 1).toBe(true);
        if (c.length > 0) expect(c.charCodeAt(c.length - 1) >= 0xd800 && c.charCodeAt(c.length - 1) <= 0xdbff).toBe(false);
      }),
    );
  });
  it('sanitizeLine: no control characters, single spaces, at most n code points', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.integer({ min: 1, max: 30 }), (s, n) => {
        const o = sanitizeLine(s, n);
        expect(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(o)).toBe(false);
        expect(/\s\s/.test(o)).toBe(false);
        expect([...o].length).toBeLessThanOrEqual(n);
      }),
    );
    expect(sanitizeLine('  a\n\tb  ', 10)).toBe('a b');
    expect(sanitizeLine('abcdef', 4)).toBe('abc\u2026');
    expect(sanitizeLine('abcd', 4)).toBe('abcd');
    expect(sanitizeBlock('a\r\n\r\n\r\n\r\nb  c\rd', 100)).toBe('a\n\nb c\nd');
    expect(shortId('  abcdefghijk')).toBe('abcdefgh');
  });
});
