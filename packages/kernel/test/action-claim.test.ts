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

// ── whole verdicts and effects, store semantics and the command readers at their edges (issue 15) ──

/** A record of `topic` and `lemma` with every field chosen (the openRecord defaults overridden by `o`). */
const rec = (topic: string, lemma: Lemma, createdAt: number, o: Partial<Commitment> = {}): Commitment => ({ ...openRecord(topic, lemma, createdAt), ...o });
const claimOn = (value: ReadonlyArray<Commitment>, message: string, sessionId: unknown = 'sess-A', now = NOW) =>
  ac.observeClaim({ enabled: true, sessionId, message, now, topicCommitments: { ok: true, value } });

describe('observeClaim verdicts and effects whole (action-claim.md §3)', () => {
  it('Refreshed: housekeeping first, then the refresh (expiry max(old, now + 6 h), the new span, restatements + 1) and its audit', () => {
    const same = rec('sess-A', 'push', NOW - 60_000, { restatements: 2, lastSpan: 'old' });
    const stale = rec('sess-A', 'merge', NOW - ac.EXPIRY_MS - 1);
    const closed = rec('sess-A', 'fix', NOW - ac.EXPIRY_MS - 5, { status: 'delivered', closedAt: NOW - 9 });
    expect(claimOn([stale, closed, same], "Ok.  I'll\tpush it now")).toStrictEqual({
      _tag: 'Done',
      outcome: { _tag: 'Refreshed', reasons: ['refreshed'], id: same.id, lemma: 'push' },
      effects: [
        { _tag: 'CommitmentClose', id: stale.id, status: 'expired', closedAt: NOW, evidence: null, note: null },
        { _tag: 'CommitmentRefresh', id: same.id, expiresAt: NOW + ac.EXPIRY_MS, lastSpan: "I'll push", restatedAt: NOW, restatements: 3 },
        { _tag: 'Audit', policy: 'action-claim', event: 'refreshed', id: same.id, lemma: 'push', topic: 'sess-A', details: { restatements: 3 } },
      ],
    });
    // CM-P5: an expiry already later than now + 6 h is kept.
    const later = rec('sess-A', 'push', NOW - 60_000, { expiresAt: NOW + ac.EXPIRY_MS + 5 });
    const r = claimOn([later], "I'll push") as { effects: ReadonlyArray<ac.Effect> };
    expect(r.effects[0]).toMatchObject({ _tag: 'CommitmentRefresh', expiresAt: NOW + ac.EXPIRY_MS + 5 });
  });

  it('Registered: the whole record of action-claim.md §4 and its audit; the audit topic keeps the session charset only', () => {
    const sid = 'sess A/β:1';
    const key = ac.externalKey(sid, 'merge');
    const id = ac.commitmentId(key, NOW);
    expect(claimOn([], 'Tests pass. Going to merge\u200b now.', sid)).toStrictEqual({
      _tag: 'Done',
      outcome: { _tag: 'Registered', reasons: ['registered'], id, lemma: 'merge' },
      effects: [
        {
          _tag: 'CommitmentCreate',
          record: { id, externalKey: key, topic: sid, lemma: 'merge', span: 'Going to merge', lastSpan: 'Going to merge', createdAt: NOW, expiresAt: NOW + ac.EXPIRY_MS, restatedAt: NOW, restatements: 0, status: 'open', closedAt: null, evidence: null, note: null },
        },
        { _tag: 'Audit', policy: 'action-claim', event: 'registered', id, lemma: 'merge', topic: 'sessA:1', details: {} },
      ],
    });
    expect(ac.auditTopic('\u00e9\u00e9')).toBe('unknown');
    expect(ac.auditTopic('x'.repeat(200))).toBe('x'.repeat(128));
  });

  it('CM-P4 cap counts active actionclaim: records of this topic only: other topics, other key kinds and expired records do not count', () => {
    const others = (['restart', 'redeploy', 'deploy', 'merge', 'revert'] as const).map((l, i) => rec('sess-A', l, NOW - 1000 * (i + 1)));
    const capped = claimOn(others, "I'll push");
    expect(capped).toStrictEqual({
      _tag: 'Done',
      outcome: { _tag: 'CapReached', reasons: ['per-topic-cap'], lemma: 'push', open: 5 },
      effects: [{ _tag: 'Audit', policy: 'action-claim', event: 'per-topic-cap', id: null, lemma: 'push', topic: 'sess-A', details: { cap: 5, open: 5 } }],
    });
    const four = others.slice(0, 4);
    const foreignKey = rec('sess-A', 'rebase', NOW - 10, { externalKey: 'manual:0123456789abcdef' });
    const otherTopic = rec('sess-B', 'rerun', NOW - 10);
    const expired = rec('sess-A', 'relaunch', NOW - ac.EXPIRY_MS - 1);
    const reg = claimOn([...four, foreignKey, otherTopic, expired], "I'll push");
    expect(reg).toMatchObject({ outcome: { _tag: 'Registered' } });
    // Housekeeping closes only this topic's expired record, before the create.
    expect((reg as { effects: ReadonlyArray<ac.Effect> }).effects.map((e) => e._tag)).toEqual(['CommitmentClose', 'CommitmentCreate', 'Audit']);
    expect((reg as { effects: ReadonlyArray<ac.Effect> }).effects[0]).toMatchObject({ id: expired.id, status: 'expired' });
    // A record of another topic with this very key (as a store answering the wrong topic would give) is not "the same".
    const foreignSame = rec('sess-B', 'push', NOW - 10, { externalKey: ac.externalKey('sess-A', 'push') });
    expect(claimOn([foreignSame], "I'll push")).toMatchObject({ outcome: { _tag: 'Registered' } });
    // CapReached keeps the housekeeping effects before its audit.
    expect((claimOn([...others, expired], "I'll push") as { effects: ReadonlyArray<ac.Effect> }).effects.map((e) => e._tag)).toEqual(['CommitmentClose', 'Audit']);
  });

  it('CM-P8 clamp: a claim past 16 384 units is not seen; one ending at the limit is', () => {
    const pad = (n: number) => 'x'.repeat(n);
    expect(claimOn([], `${pad(ac.MESSAGE_CLAMP - 11)}. I'll push`)).toMatchObject({ outcome: { _tag: 'Registered' } });
    expect(claimOn([], `${pad(ac.MESSAGE_CLAMP - 10)}. I'll push`)).toMatchObject({ outcome: { reasons: ['no-claim'] } });
  });

  it('runStep refuses a step that asks for a second probe', () => {
    expect(() => ac.runStep(() => ({ _tag: 'Need', probe: { _tag: 'TopicCommitments', topic: 's' } }), () => ({ ok: true, value: [] }))).toThrow('probe requested twice');
  });
});

describe('store semantics at their edges (action-claim.md §3 "Applying the effects", hooks.md §5 rule 4)', () => {
  const create = (r: Commitment): ac.Effect => ({ _tag: 'CommitmentCreate', record: r });
  it('a create: replayed id dropped; same key active → refresh (span only when newer); cap of 5 per topic for actionclaim: keys', () => {
    const a = rec('s', 'push', NOW - 5000, { restatements: 4, lastSpan: 'old span' });
    expect(ac.applyEffects([a], [create({ ...a, lastSpan: 'other' })], NOW)).toEqual([a]);
    const newer = rec('s', 'push', NOW - 100, { lastSpan: 'new span' });
    expect(ac.applyEffects([a], [create(newer)], NOW)).toEqual([{ ...a, expiresAt: newer.expiresAt, lastSpan: 'new span', restatedAt: NOW - 100, restatements: 5 }]);
    const older = rec('s', 'push', NOW - 9000, { lastSpan: 'older span' });
    expect(ac.applyEffects([a], [create(older)], NOW)).toEqual([{ ...a, restatements: 5 }]);
    // The same key, but not active: a new record is appended after the old one.
    const gone = { ...a, status: 'withdrawn' as const, closedAt: NOW - 1 };
    expect(ac.applyEffects([gone], [create(newer)], NOW)).toEqual([gone, newer]);
    const five = (['restart', 'redeploy', 'deploy', 'merge', 'revert'] as const).map((l, i) => rec('s', l, NOW - 1000 * (i + 1)));
    expect(ac.applyEffects(five, [create(newer)], NOW)).toEqual(five);
    const manual = rec('s', 'fix', NOW, { externalKey: 'manual:1' });
    expect(ac.applyEffects(five, [create(manual)], NOW)).toEqual([...five, manual]);
    const elsewhere = rec('t', 'push', NOW);
    expect(ac.applyEffects(five, [create(elsewhere)], NOW)).toEqual([...five, elsewhere]);
    const fourAndManual = [...five.slice(0, 4), { ...five[4]!, externalKey: 'manual:2' }];
    expect(ac.applyEffects(fourAndManual, [create(newer)], NOW)).toEqual([...fourAndManual, newer]);
    const fourAndExpired = [...five.slice(0, 4), rec('s', 'rebase', NOW - ac.EXPIRY_MS - 1)];
    expect(ac.applyEffects(fourAndExpired, [create(newer)], NOW)).toHaveLength(6);
  });

  it('a refresh: only of an active id; a replay (same restatedAt) changes nothing; nothing moves back in time', () => {
    const a = rec('s', 'push', NOW - 5000, { restatements: 1, lastSpan: 'old' });
    const refresh = (o: Partial<Extract<ac.Effect, { _tag: 'CommitmentRefresh' }>>): ac.Effect => ({ _tag: 'CommitmentRefresh', id: a.id, expiresAt: NOW + ac.EXPIRY_MS, lastSpan: 'new', restatedAt: NOW, restatements: 2, ...o });
    expect(ac.applyEffects([a], [refresh({})], NOW)).toEqual([{ ...a, expiresAt: NOW + ac.EXPIRY_MS, lastSpan: 'new', restatedAt: NOW, restatements: 2 }]);
    expect(ac.applyEffects([a], [refresh({ restatedAt: a.restatedAt })], NOW)).toEqual([a]);
    expect(ac.applyEffects([a], [refresh({ restatedAt: NOW - 9000, expiresAt: NOW, restatements: 7 })], NOW)).toEqual([{ ...a, restatements: 7 }]);
    expect(ac.applyEffects([a], [refresh({ id: 'c-other' })], NOW)).toEqual([a]);
    expect(ac.applyEffects([a], [refresh({})], a.expiresAt + 1)).toEqual([a]);
    const b = rec('s', 'merge', NOW - 4000);
    expect(ac.applyEffects([b, a], [refresh({})], NOW)).toEqual([b, { ...a, expiresAt: NOW + ac.EXPIRY_MS, lastSpan: 'new', restatedAt: NOW, restatements: 2 }]);
  });

  it('a close applies to a stored-open record only (an effectively expired one included); audits change nothing', () => {
    const a = rec('s', 'push', NOW - ac.EXPIRY_MS - 10);
    const close: ac.Effect = { _tag: 'CommitmentClose', id: a.id, status: 'withdrawn', closedAt: NOW, evidence: null, note: 'why' };
    const closed = ac.applyEffects([a], [close], NOW);
    expect(closed).toEqual([{ ...a, status: 'withdrawn', closedAt: NOW, evidence: null, note: 'why' }]);
    expect(ac.applyEffects(closed, [{ ...close, status: 'delivered', closedAt: NOW + 1, note: 'again' }], NOW + 1)).toEqual(closed);
    const audit: ac.Effect = { _tag: 'Audit', policy: 'action-claim', event: 'registered', id: a.id, lemma: 'push', topic: 's', details: {} };
    expect(ac.applyEffects([a], [audit], NOW)).toEqual([a]);
  });

  it('pruning: a record closed (or effectively expired) for exactly 7 days is kept, one ms longer is dropped', () => {
    const W = ac.PRUNE_AFTER_MS;
    const closedAt = NOW - W;
    const c = rec('s', 'push', NOW - W - 1000, { status: 'delivered', closedAt });
    const e = rec('s', 'merge', NOW - W - ac.EXPIRY_MS);
    expect(e.expiresAt).toBe(NOW - W);
    const open = rec('s', 'fix', NOW - 10);
    expect(ac.applyEffects([c, e, open], [], NOW)).toEqual([c, e, open]);
    expect(ac.applyEffects([c, e, open], [], NOW + 1)).toEqual([open]);
    expect(ac.applyEffects([c, e, open], [], NOW - 1)).toEqual([c, e, open]);
  });

  it('sameRecords: equal lists only', () => {
    const a = rec('s', 'push', NOW);
    const b = rec('s', 'merge', NOW);
    expect(ac.sameRecords([a, b], [{ ...a }, { ...b }])).toBe(true);
    expect(ac.sameRecords([a, b], [a])).toBe(false);
    expect(ac.sameRecords([a], [a, b])).toBe(false);
    expect(ac.sameRecords([a, b], [a, { ...b, restatements: 1 }])).toBe(false);
    expect(ac.sameRecords([], [])).toBe(true);
  });
});

describe('observeEvidence verdicts and effects whole (action-claim.md §5.5)', () => {
  const run = (value: ReadonlyArray<Commitment>, o: Partial<ac.EvidenceFacts>) => ac.observeEvidence({ ...evFacts(o), topicCommitments: { ok: true, value } });
  it('Delivered: housekeeping first, then one close and one follow-through audit per matching active record of this topic', () => {
    const push = rec('sess-A', 'push', NOW - 1000);
    const rerun = rec('sess-A', 'rerun', NOW - 2000);
    const stale = rec('sess-A', 'merge', NOW - ac.EXPIRY_MS - 1);
    const foreign = rec('sess-B', 'push', NOW - 10);
    const closedPush = rec('sess-A', 'push', NOW - 3000, { status: 'withdrawn', closedAt: NOW - 5, externalKey: 'actionclaim:x' });
    const fix = rec('sess-A', 'fix', NOW - 4000);
    const cmd = 'A=1 git push origin main\t&& npm test -- --run\n';
    const out = run([stale, push, foreign, closedPush, fix, rerun], { toolInput: { command: cmd }, toolUseId: 'u'.repeat(300) });
    const ev = (lemma: Lemma, command: string) => ({ kind: 'command', lemma, command, toolUseId: 'u'.repeat(256), at: NOW });
    expect(out).toStrictEqual({
      _tag: 'Done',
      outcome: {
        _tag: 'Delivered',
        reasons: ['delivered'],
        delivered: [
          { id: push.id, lemma: 'push', command: 'A=1 git push origin main' },
          { id: rerun.id, lemma: 'rerun', command: 'npm test -- --run' },
        ],
      },
      effects: [
        { _tag: 'CommitmentClose', id: stale.id, status: 'expired', closedAt: NOW, evidence: null, note: null },
        { _tag: 'CommitmentClose', id: push.id, status: 'delivered', closedAt: NOW, evidence: ev('push', 'A=1 git push origin main'), note: null },
        { _tag: 'Audit', policy: 'follow-through', event: 'delivered', id: push.id, lemma: 'push', topic: 'sess-A', details: {} },
        { _tag: 'CommitmentClose', id: rerun.id, status: 'delivered', closedAt: NOW, evidence: ev('rerun', 'npm test -- --run'), note: null },
        { _tag: 'Audit', policy: 'follow-through', event: 'delivered', id: rerun.id, lemma: 'rerun', topic: 'sess-A', details: {} },
      ],
    });
    const noId = run([push], { toolUseId: 42 }) as { effects: ReadonlyArray<ac.Effect> };
    expect(noId.effects[0]).toMatchObject({ evidence: { toolUseId: null } });
    // The evidence command is masked, then cut to 200 code points.
    const long = run([push], { toolInput: { command: `git push ${'o'.repeat(300)}` } }) as { outcome: ac.EvidenceVerdict };
    expect(long.outcome._tag === 'Delivered' && long.outcome.delivered[0]!.command).toBe(`git push ${'o'.repeat(190)}\u2026`);
  });

  it('no-open-commitment keeps the housekeeping effects; a record of another topic is never delivered', () => {
    const stale = rec('sess-A', 'push', NOW - ac.EXPIRY_MS - 1);
    const foreign = rec('sess-B', 'push', NOW - 10);
    expect(run([stale, foreign], {})).toStrictEqual({
      _tag: 'Done',
      outcome: { _tag: 'NoEvidence', reasons: ['no-open-commitment'] },
      effects: [{ _tag: 'CommitmentClose', id: stale.id, status: 'expired', closedAt: NOW, evidence: null, note: null }],
    });
    expect(ac.observeEvidence({ ...evFacts({}), topicCommitments: { ok: false, error: { kind: 'busy', detail: 'x' } } })).toStrictEqual({ _tag: 'Done', outcome: { _tag: 'NoEvidence', reasons: ['store-unavailable'] }, effects: [] });
  });

  it('rules 1–6 whole: the outcome rides only on not-succeeded; either switch disables; blank or non-object input is no command', () => {
    const no = (o: Partial<ac.EvidenceFacts>) => ac.observeEvidence(evFacts(o));
    expect(no({ settings: { ...settings, evidence: { ...settings.evidence, enabled: false } } })).toStrictEqual({ _tag: 'Done', outcome: { _tag: 'NoEvidence', reasons: ['disabled'] }, effects: [] });
    expect(no({ settings: { ...settings, enabled: false } })).toStrictEqual({ _tag: 'Done', outcome: { _tag: 'NoEvidence', reasons: ['disabled'] }, effects: [] });
    expect(no({ toolName: 'bash' })).toStrictEqual({ _tag: 'Done', outcome: { _tag: 'NoEvidence', reasons: ['not-bash'] }, effects: [] });
    expect(no({ sessionId: ' ' })).toStrictEqual({ _tag: 'Done', outcome: { _tag: 'NoEvidence', reasons: ['no-topic'] }, effects: [] });
    expect(no({ toolInput: { command: ' \n\t' } })).toStrictEqual({ _tag: 'Done', outcome: { _tag: 'NoEvidence', reasons: ['no-command'] }, effects: [] });
    expect(no({ toolInput: ['git push'] })).toMatchObject({ outcome: { reasons: ['no-command'] } });
    expect(no({ toolInput: { command: 7 } })).toMatchObject({ outcome: { reasons: ['no-command'] } });
    expect(no({ toolResponse: { interrupted: true } })).toStrictEqual({ _tag: 'Done', outcome: { _tag: 'NoEvidence', reasons: ['not-succeeded'], outcome: 'failed' }, effects: [] });
    expect(no({ agent: 'codex', toolResponse: 'ok' })).toStrictEqual({ _tag: 'Done', outcome: { _tag: 'NoEvidence', reasons: ['not-succeeded'], outcome: 'unknown' }, effects: [] });
    expect(no({ toolInput: { command: 'ls' } })).toStrictEqual({ _tag: 'Done', outcome: { _tag: 'NoEvidence', reasons: ['no-action'] }, effects: [] });
    // The push report counts for Codex only when the command pushes (action-claim.md §5.2).
    const report = 'To /srv/r.git\n   e7e9dd4..14ae7a0  main -> main\n';
    expect(no({ agent: 'codex', toolResponse: report })).toEqual({ _tag: 'Need', probe: { _tag: 'TopicCommitments', topic: 'sess-A' } });
    expect(no({ agent: 'codex', toolInput: { command: 'npm test' }, toolResponse: report })).toMatchObject({ outcome: { reasons: ['not-succeeded'], outcome: 'unknown' } });
  });

  it('renderEvidence: Claude Code gets one additionalContext line per delivered commitment only when stored; else {}', () => {
    const v: ac.EvidenceVerdict = { _tag: 'Delivered', reasons: ['delivered'], delivered: [{ id: 'c-1', lemma: 'push', command: 'git push' }, { id: 'c-2', lemma: 'rerun', command: 'npm test' }] };
    expect(ac.renderEvidence('claude', v, true)).toBe(
      JSON.stringify({ hookSpecificOutput: { hookEventName: 'PostToolUse', additionalContext: 'Arbiter: commitment c-1 (push) marked delivered by: git push\nArbiter: commitment c-2 (rerun) marked delivered by: npm test' } }) + '\n',
    );
    expect(ac.renderEvidence('claude', v, false)).toBe('{}\n');
    expect(ac.renderEvidence('codex', v, true)).toBe('{}\n');
    expect(ac.renderEvidence('claude', { _tag: 'NoEvidence', reasons: ['no-action'] }, true)).toBe('{}\n');
  });
});

describe('command outcome and the Codex push report at their edges (action-claim.md §5.2)', () => {
  const out = (resp: unknown, isPush = true) => ac.commandOutcome('codex', { command: 'git push' }, resp, isPush);
  it('an exit code: integers in an object (exit_code before exitCode), or the first line of a string, at most 200 characters read', () => {
    expect(out({ exit_code: 'x', exitCode: 0 })).toBe('succeeded');
    expect(out({ exit_code: 3, exitCode: 0 })).toBe('failed');
    expect(out({ exit_code: null })).toBe('unknown');
    expect(out({ exitCode: 1.5 })).toBe('unknown');
    expect(out(['Exit code: 0'])).toBe('unknown');
    expect(out(42)).toBe('unknown');
    expect(out('  Exit Code : +0  \nTo /srv/r.git\n ! [rejected] main -> main')).toBe('succeeded');
    expect(out('exitcode:-3')).toBe('failed');
    expect(out('Exit code: 127\nEverything up-to-date')).toBe('failed');
    expect(out('Exit code: -0')).toBe('succeeded');
    expect(out('Exit code: 0 then')).toBe('unknown');
    expect(out('Exit code: 1234567890123456')).toBe('unknown');
    expect(out(`Exit code:${' '.repeat(190)}0`)).toBe('unknown');
    expect(out(`Exit code:${' '.repeat(189)}0`)).toBe('succeeded');
    expect(out('x\nExit code: 0')).toBe('unknown');
    expect(ac.commandOutcome('claude', { run_in_background: 'true' }, { interrupted: 1 })).toBe('succeeded');
    expect(ac.commandOutcome('claude', ['run_in_background'], null)).toBe('succeeded');
  });

  it('pushReportOutcome: failure lines win; success needs `To <remote>` before an updated-ref line, or Everything up-to-date', () => {
    const r = ac.pushReportOutcome;
    expect(r('To /srv/r.git\n   e7e9dd4..14ae7a0  main -> main')).toBe('succeeded');
    expect(r('To /srv/r.git\r\n * [new branch]      f -> f\r\n')).toBe('succeeded');
    expect(r('To /srv/r.git\r + 1234abc...5678def f -> f (forced update)')).toBe('succeeded');
    expect(r('To /srv/r.git\n - [deleted]         old')).toBe('succeeded');
    expect(r('To /srv/r.git\n * [new tag]         v1 -> v1')).toBe('succeeded');
    expect(r('To /srv/r.git\n * [new reference]   a -> a')).toBe('succeeded');
    expect(r('   e7e9dd4..14ae7a0  main -> main\nTo /srv/r.git')).toBe('unknown');
    expect(r('To \n   e7e9dd4..14ae7a0  main -> main')).toBe('unknown');
    expect(r('To /srv/r.git\n   e7e..14ae7a0  main -> main')).toBe('unknown');
    expect(r('Everything up-to-date  ')).toBe('succeeded');
    expect(r('Everything up-to-date, almost')).toBe('unknown');
    expect(r('Everything up-to-date\nerror: failed to push some refs')).toBe('failed');
    expect(r('To /srv/r.git\n   e7e9dd4..14ae7a0  main -> main\nfatal: the remote end hung up')).toBe('failed');
    expect(r(' ! [remote rejected] main -> main (hook declined)')).toBe('failed');
    expect(r('!   [rejected] main')).toBe('failed');
    expect(r('hint: error: not at the start')).toBe('unknown');
    // Only the first 65 536 characters are read.
    const head = 'x'.repeat(ac.PUSH_REPORT_MAX_CHARS - 22);
    expect(r(`${head}\nEverything up-to-date`)).toBe('succeeded');
    expect(r(`${head}x\nEverything up-to-date`)).toBe('unknown');
    // A failure line is read whatever the command; a success report only for a push.
    expect(out('error: oops', false)).toBe('failed');
    expect(out('Everything up-to-date', false)).toBe('unknown');
    expect(out('Everything up-to-date', true)).toBe('succeeded');
  });
});

describe('command classification steps at their edges (action-claim.md §5.3)', () => {
  const c = (s: string, cfg: unknown = settings) => [...ac.classifyCommand(s, cfg)].sort();
  it('prefixes: assignments and wrappers repeatedly, env with its assignments and options, then the basename', () => {
    expect(ac.stripPrefixes(['A=1', 'time', 'nohup', 'command', 'exec', 'env', '-i', 'B=2', '--unset=X', '/usr/bin/git', 'push'])).toEqual(['git', 'push']);
    expect(ac.stripPrefixes(['env', 'git', 'push'])).toEqual(['git', 'push']);
    expect(ac.stripPrefixes(['env', '-i'])).toEqual([]);
    expect(ac.stripPrefixes(['sudo', 'git', 'push'])).toEqual(['sudo', 'git', 'push']);
    expect(ac.stripPrefixes(['1A=2', 'git'])).toEqual(['1A=2', 'git']);
    expect(ac.stripPrefixes(['git', 'A=1'])).toEqual(['git', 'A=1']);
    expect(ac.stripPrefixes([])).toEqual([]);
    expect(ac.stripPrefixes(['a/b/'])).toEqual(['']);
  });

  it('git global options: -C, -c and the four long options take the next word; with = they do not; other dash words are flags', () => {
    expect(ac.gitSubcommand(['git', '-C', 'x', '-c', 'a=b', '--work-tree', 'w', '--namespace', 'n', '--exec-path', 'e', '--git-dir', 'g', '--bare', 'push', 'o'])).toEqual({ sub: 'push', args: ['o'] });
    expect(ac.gitSubcommand(['git', '--git-dir=x', 'push'])).toEqual({ sub: 'push', args: [] });
    expect(ac.gitSubcommand(['git', '--exec-path', 'push'])).toBeNull();
    expect(ac.gitSubcommand(['git', '-p'])).toBeNull();
    expect(ac.gitSubcommand(['git'])).toBeNull();
    expect(c('git -c push.default=x push')).toEqual(['push']);
    expect(c('git --work-tree push merge')).toEqual(['merge']);
  });

  it('each lemma\'s refusing flags, wherever they stand; gh pr merge only as the first three words', () => {
    expect(c('git push -n origin')).toEqual([]);
    expect(c('git push origin --dry-run')).toEqual([]);
    expect(c('git merge --quit')).toEqual([]);
    expect(c('git rebase -i --abort')).toEqual([]);
    expect(c('git rebase --quit')).toEqual([]);
    expect(c('git rebase --show-current-patch')).toEqual([]);
    expect(c('git revert --abort')).toEqual([]);
    expect(c('git revert -n HEAD')).toEqual(['revert']);
    expect(c('git merge --no-ff x')).toEqual(['merge']);
    expect(c('gh pr merge')).toEqual(['merge']);
    expect(c('gh pr merge 3 --auto --disable-auto')).toEqual([]);
    expect(c('gh pr view 3')).toEqual([]);
    expect(c('gh issue merge')).toEqual([]);
    expect(c('hub pr merge')).toEqual([]);
    expect(c('git status push')).toEqual([]);
    expect(c('npm')).toEqual([]);
  });

  it('configured patterns: whitespace-split entries, `*` one word, every action-pattern lemma; a malformed config means the defaults', () => {
    const cfg = (ev: unknown) => ({ enabled: true, evidence: ev });
    const pats = { relaunch: ['./run.sh  relaunch'], restart: ['systemctl restart *'], deploy: ['make deploy'], redeploy: ['fly deploy --redeploy'] };
    const all = cfg({ test_commands: ['just check'], action_patterns: pats });
    expect(c('./run.sh relaunch now', all)).toEqual([]);
    expect(c('run.sh relaunch now', cfg({ action_patterns: { relaunch: ['run.sh relaunch'] } }))).toEqual(['relaunch']);
    expect(c('systemctl restart web', all)).toEqual(['restart']);
    expect(c('systemctl restart', all)).toEqual([]);
    expect(c('make deploy', all)).toEqual(['deploy']);
    expect(c('fly deploy --redeploy -a x', all)).toEqual(['redeploy']);
    expect(c('just check', all)).toEqual(['rerun']);
    expect(c('npm test', all)).toEqual([]);
    // Anything not a list of strings keeps the default for that list; a non-object evidence or config means the defaults.
    expect(c('npm test', cfg({ test_commands: ['a', 3] }))).toEqual(['rerun']);
    expect(c('npm test', cfg({ test_commands: 'npm test' }))).toEqual(['rerun']);
    expect(c('npm test', cfg(null))).toEqual(['rerun']);
    expect(c('npm test', cfg(['x']))).toEqual(['rerun']);
    expect(c('npm test', 'nonsense')).toEqual(['rerun']);
    expect(c('npm test')).toEqual(['rerun']);
    expect(c('systemctl restart web', cfg({ action_patterns: ['systemctl restart *'] }))).toEqual([]);
    expect(c('systemctl restart web', cfg({ action_patterns: { restart: 'systemctl restart *' } }))).toEqual([]);
    expect(c('make test', cfg({ test_commands: [] }))).toEqual([]);
    expect(ac.wordPrefixMatch(['a'], '   ')).toBe(false);
    expect(ac.wordPrefixMatch(['a'], 'a b')).toBe(false);
    expect(ac.wordPrefixMatch(['a', 'b'], ' a\t* ')).toBe(true);
    expect(ac.wordPrefixMatch(['a', 'b'], 'a c')).toBe(false);
  });

  it('hits: every (lemma, simple command) pair in command order, the simple command trimmed; nothing for a non-string or empty command', () => {
    expect(ac.classifyCommandHits('  git push ;  npm test && git merge x  ')).toEqual([
      { lemma: 'push', simple: 'git push' },
      { lemma: 'rerun', simple: 'npm test' },
      { lemma: 'merge', simple: 'git merge x' },
    ]);
    expect(ac.classifyCommandHits(['git push'])).toEqual([]);
    expect(ac.classifyCommandHits('')).toEqual([]);
    expect(ac.splitSimpleCommands('a ;  ; b')).toEqual(['a ', ' b']);
    expect(ac.tokenize('(  "git" pu\\sh )')).toEqual(['git', 'push']);
    expect(ac.tokenize('{ !git }')).toEqual(['git']);
  });
});

describe('CLI verdicts and messages whole (action-claim.md §6)', () => {
  it('done and withdraw: the close effect and the audit; the note masked, one line, cut to 200 code points', () => {
    const r = rec('sess A', 'push', NOW - 1000);
    expect(ac.decideCliClose([r], 'done', r.id, `ship\n${'n'.repeat(300)}`, NOW)).toStrictEqual({
      _tag: 'Done',
      outcome: { _tag: 'Closed', reasons: ['cli-delivered'], id: r.id, message: `Commitment ${r.id} (push) marked delivered.` },
      effects: [
        { _tag: 'CommitmentClose', id: r.id, status: 'delivered', closedAt: NOW, evidence: { kind: 'manual', note: `ship ${'n'.repeat(194)}\u2026` }, note: null },
        { _tag: 'Audit', policy: 'action-claim', event: 'cli-delivered', id: r.id, lemma: 'push', topic: 'sessA', details: {} },
      ],
    });
    expect(ac.decideCliClose([r], 'withdraw', r.id, null, NOW)).toStrictEqual({
      _tag: 'Done',
      outcome: { _tag: 'Closed', reasons: ['cli-withdrawn'], id: r.id, message: `Commitment ${r.id} (push) withdrawn.` },
      effects: [
        { _tag: 'CommitmentClose', id: r.id, status: 'withdrawn', closedAt: NOW, evidence: null, note: null },
        { _tag: 'Audit', policy: 'action-claim', event: 'cli-withdrawn', id: r.id, lemma: 'push', topic: 'sessA', details: {} },
      ],
    });
    expect(ac.decideCliClose([r], 'done', r.id, null, NOW).effects[0]).toMatchObject({ evidence: { kind: 'manual', note: null } });
    const secret = 'ghp_' + 'A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8';
    const w = ac.decideCliClose([r], 'withdraw', r.id, `token ${secret}`, NOW).effects[0] as Extract<ac.Effect, { _tag: 'CommitmentClose' }>;
    expect(w.note).not.toContain(secret);
    expect(ac.decideCliClose([r], 'done', 'nope', null, NOW)).toStrictEqual({ _tag: 'Done', outcome: { _tag: 'NotFound', reasons: ['cli-not-found'], message: 'No commitment with id nope.' }, effects: [] });
    const closed = { ...r, status: 'withdrawn' as const, closedAt: NOW - 1 };
    expect(ac.decideCliClose([closed], 'done', r.id, null, NOW)).toStrictEqual({ _tag: 'Done', outcome: { _tag: 'NotOpen', reasons: ['cli-not-open'], message: `Commitment ${r.id} is already withdrawn; nothing changed.` }, effects: [] });
    // Active up to its expiry instant (inclusive).
    expect(ac.decideCliClose([r], 'done', r.id, null, r.expiresAt).outcome._tag).toBe('Closed');
  });

  it('ids in messages: the handle charset, at most 64 characters, `?` when nothing is left', () => {
    expect(ac.safeId('c-1/a.b_C')).toBe('c-1/a.b_C');
    expect(ac.safeId('x'.repeat(70))).toBe('x'.repeat(64));
    expect(ac.safeId('\u00e9 ')).toBe('?');
    expect(ac.safeId(5)).toBe('?');
    expect(ac.notOpenMessage('c 1', 'expired')).toBe('Commitment c1 is already expired; nothing changed.');
    expect(ac.doneMessage({ id: 'c;1', lemma: 'fix' })).toBe('Commitment c1 (fix) marked delivered.');
    expect(ac.withdrawnMessage({ id: 'c;1', lemma: 'fix' })).toBe('Commitment c1 (fix) withdrawn.');
    expect(ac.deliveredContext({ id: 'c 1', lemma: 'push', command: `git push ${'o'.repeat(300)}` })).toBe(`Arbiter: commitment c1 (push) marked delivered by: git push ${'o'.repeat(190)}\u2026`);
    expect(ac.LIST_EMPTY).toBe('No open commitments.');
  });

  it('remaining time {H}h{MM}m: whole minutes, floored', () => {
    expect(ac.formatRemaining(60_000)).toBe('0h01m');
    expect(ac.formatRemaining(600_000)).toBe('0h10m');
    expect(ac.formatRemaining(3_599_999)).toBe('0h59m');
    expect(ac.formatRemaining(3_600_000)).toBe('1h00m');
    expect(ac.formatRemaining(3_660_000 + 59_999)).toBe('1h01m');
    expect(ac.formatRemaining(36 * 3_600_000)).toBe('36h00m');
  });

  it('list lines and the open block: expired shows its expiry, spans one line cut to 120, ties broken by id', () => {
    const e = rec('session-identifier-1', 'merge', NOW - ac.EXPIRY_MS - 10, { lastSpan: `a\n${'s'.repeat(200)}` });
    expect(ac.listLine(e, NOW)).toBe(`${e.id}  merge  expired  closed ${new Date(e.expiresAt).toISOString()}  session session-  "a ${'s'.repeat(117)}\u2026"`);
    const a = rec('s', 'push', NOW - 100);
    const b = rec('s', 'merge', NOW - 100);
    const [first, second] = a.id < b.id ? [a, b] : [b, a];
    expect(ac.selectForList([second, first], {}, NOW).map((r) => r.id)).toEqual([first.id, second.id]);
    expect(ac.selectForList([first, second], {}, NOW).map((r) => r.id)).toEqual([first.id, second.id]);
    expect(ac.selectForList([a, e], { all: false }, NOW)).toEqual([a]);
    expect(ac.selectForList([a, e], { all: true, session: 's' }, NOW)).toEqual([a]);
    const block = ac.renderOpenCommitments([second, first, e], NOW)!.split('\n');
    expect(block[0]).toBe('Open commitments from your earlier messages in this session (2):');
    expect(block.slice(1, 3)).toEqual([
      `- ${first.lemma}: "x" (id ${first.id}, expires in 5h59m)`,
      `- ${second.lemma}: "x" (id ${second.id}, expires in 5h59m)`,
    ]);
    expect(ac.renderOpenCommitments([{ ...first, lastSpan: 'z'.repeat(130) }], NOW)!.split('\n')[1]).toBe(`- ${first.lemma}: "${'z'.repeat(119)}\u2026" (id ${first.id}, expires in 5h59m)`);
    expect(ac.renderOpenCommitments([e], NOW)).toBeNull();
  });
});

describe('record codec and classifier edges (action-claim.md §2, action-claim.md §4)', () => {
  it('a stored record is open exactly when closedAt is null, in is() and decode() alike; a broken file names why', () => {
    const r = rec('s', 'push', NOW);
    expect(ac.CommitmentMem.is(r)).toBe(true);
    expect(ac.CommitmentMem.is({ ...r, closedAt: NOW })).toBe(false);
    expect(ac.CommitmentMem.is({ ...r, status: 'delivered' })).toBe(false);
    expect(ac.CommitmentMem.is({ ...r, status: 'delivered', closedAt: NOW })).toBe(true);
    expect(ac.CommitmentMem.is({ ...r, restatements: -1 })).toBe(false);
    const bad = ac.CommitmentMem.decode({ ...r, status: 'expired' });
    expect(bad._tag).toBe('Left');
    expect(bad._tag === 'Left' && bad.left[0]!.message).toBe('closedAt must be null exactly when status is open');
    expect(ac.CommitmentMem.decode({ ...r, status: 'expired', closedAt: NOW })._tag).toBe('Right');
    expect(ac.CommitmentMem.decode({ ...r, evidence: { kind: 'manual', note: null } })._tag).toBe('Right');
    expect(ac.decodeStoreFile('{')).toEqual({ ok: false, detail: 'not valid JSON' });
    const d = ac.decodeStoreFile('{"version":1,"commitments":[{"id":3}]}');
    expect(d.ok).toBe(false);
    expect(!d.ok && d.detail.length > 0).toBe(true);
    expect(ac.encodeStoreFile([])).toBe('{"version":1,"commitments":[]}');
  });

  it('rule 2 quotes: up to two characters before the candidate, spaces skipped; a quoted candidate is skipped, a later one counts', () => {
    expect(ac.isQuotedAt('"I', 1)).toBe(true);
    expect(ac.isQuotedAt('` I', 2)).toBe(true);
    expect(ac.isQuotedAt('"  I', 3)).toBe(false);
    expect(ac.isQuotedAt('  I', 2)).toBe(false);
    expect(ac.isQuotedAt(' I', 1)).toBe(false);
    expect(ac.isQuotedAt('I', 0)).toBe(false);
    expect(ac.isQuotedAt('x I', 2)).toBe(false);
    for (const q of ['"', "'", '\u201c', '\u201d', '\u2018', '\u2019', '`']) expect(ac.classifyActionClaim(`${q}I'll push`)).toEqual({ claim: false });
    expect(ac.classifyActionClaim('"I\'ll push" and then I\'ll merge.')).toEqual({ claim: true, lemma: 'merge', span: "I'll merge" });
    expect(ac.classifyActionClaim('«I\'ll push')).toEqual({ claim: true, lemma: 'push', span: "I'll push" });
    // AC-P1: only a string is read; a list holding a claim is no text.
    expect(ac.classifyActionClaim(["I'll push"])).toEqual({ claim: false });
    expect(ac.classifyActionClaim({ toString: () => "I'll push" })).toEqual({ claim: false });
    expect(ac.verbForms('merge')).toContain('merg');
    expect(ac.participles('rerun')).toEqual(['rerunning', 're-running']);
  });
});

describe('edges the 2026-12-06 mutation run left open (action-claim.md §4, action-claim.md §5.2, action-claim.md §5.3, action-claim.md §6)', () => {
  it('the Codex readers anchor at the line start: `To <remote>`, Everything up-to-date and the exit-code line; no default push', () => {
    expect(ac.pushReportOutcome('Pushed To /srv/r.git\n   e7e9dd4..14ae7a0  main -> main')).toBe('unknown');
    expect(ac.pushReportOutcome('Not Everything up-to-date')).toBe('unknown');
    const codex = (resp: unknown, isPush?: boolean) => ac.commandOutcome('codex', { command: 'git push' }, resp, isPush);
    expect(codex('x Exit code: 0', false)).toBe('unknown');
    expect(codex('\nExit code: 0', false)).toBe('unknown');
    // Without the command's lemmas a success report proves nothing (isPush defaults to false).
    expect(codex('Everything up-to-date')).toBe('unknown');
    expect(codex('error: no')).toBe('failed');
  });

  it('FE-P5: a push among other lemmas still reads the push report; only git is read for git subcommands', () => {
    const report = 'To /srv/r.git\n   e7e9dd4..14ae7a0  main -> main\n';
    expect(ac.observeEvidence(evFacts({ agent: 'codex', toolInput: { command: 'npm test && git push' }, toolResponse: report }))).toEqual({ _tag: 'Need', probe: { _tag: 'TopicCommitments', topic: 'sess-A' } });
    expect([...ac.classifyCommand('hg push')]).toEqual([]);
    expect([...ac.classifyCommand('svn merge x')]).toEqual([]);
  });

  it('tokenize strips only leading ( { ! and trailing ) }, whole runs of them', () => {
    expect(ac.tokenize('echo a!b')).toEqual(['echo', 'a!b']);
    expect(ac.tokenize('echo a}b')).toEqual(['echo', 'a}b']);
    expect(ac.tokenize('!!git push')).toEqual(['git', 'push']);
    expect(ac.tokenize('git}} x')).toEqual(['git', 'x']);
  });

  it('an absent action-patterns list is empty (action-claim.md §5.4): no command delivers those lemmas', () => {
    for (const cmd of ['Stryker was here', 'kubectl rollout restart x', 'deploy', './deploy.sh', 'relaunch'])
      for (const cfg of [{ enabled: true, evidence: {} }, { enabled: true, evidence: { action_patterns: {} } }])
        for (const l of ac.ACTION_PATTERN_LEMMAS) expect(ac.classifyCommand(cmd, cfg).has(l)).toBe(false);
  });

  it('effective status: a closed record stays closed past its expiry; housekeeping spares a record at its expiry instant', () => {
    const d = rec('s', 'push', NOW - ac.EXPIRY_MS - 10, { status: 'delivered', closedAt: NOW - ac.EXPIRY_MS });
    expect(ac.effectiveStatus(d, NOW)).toBe('delivered');
    expect(ac.decideCliClose([d], 'done', d.id, null, NOW).outcome.message).toBe(`Commitment ${d.id} is already delivered; nothing changed.`);
    const m = rec('sess-A', 'merge', NOW - ac.EXPIRY_MS);
    expect(m.expiresAt).toBe(NOW);
    expect(ac.expiryHousekeeping([m], 'sess-A', NOW)).toEqual([]);
    expect((claimOn([m], "I'll push") as { effects: ReadonlyArray<ac.Effect> }).effects.map((e) => e._tag)).toEqual(['CommitmentCreate', 'Audit']);
  });

  it('a replayed create changes nothing, after a restatement or after the record closed', () => {
    const created = rec('s', 'push', NOW - 5000);
    const restated = { ...created, restatedAt: NOW - 100, restatements: 1, lastSpan: 'again' };
    expect(ac.applyEffects([restated], [{ _tag: 'CommitmentCreate', record: created }], NOW)).toEqual([restated]);
    const closed = { ...created, status: 'withdrawn' as const, closedAt: NOW - 1 };
    expect(ac.applyEffects([closed], [{ _tag: 'CommitmentCreate', record: created }], NOW)).toEqual([closed]);
  });

  it('the open block breaks a createdAt tie by id whatever the input order', () => {
    const a = rec('s', 'push', NOW - 100);
    const b = rec('s', 'merge', NOW - 100);
    const lines = (rs: Commitment[]) => ac.renderOpenCommitments(rs, NOW)!.split('\n').slice(1, 3);
    expect(lines([a, b])).toEqual(lines([b, a]));
    expect(lines([a, b])[0]).toContain(a.id < b.id ? a.id : b.id);
  });
});
