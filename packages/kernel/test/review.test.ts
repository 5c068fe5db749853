/**
 * Review routing, budget, votes and disputes (review.md): example suites for R0–R5, review.md §5 matching,
 * B1–B4, V1–V3, D1–D4, and the property catalogue RV-1 … RV-13.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { review } from '@arbiter/kernel';
import { arbDag, arbReviewerResult, arbReviewerResults, deepFreeze, pendingDependents, type Graph } from './arb/convoy.js';

const RUNS = { numRuns: 1000 };
const H = review.DEFAULT_HEURISTICS;
type P = review.NormPath;
const rel = (s: string): P => ({ _tag: 'Rel', segments: s.split('/').filter((x) => x !== ''), dir: s.endsWith('/') });
const ROOT: P = { _tag: 'Root' };
const diff = (paths: string[], lines: number, files = paths.length, malformed = false): review.DiffFacts => ({
  paths: paths.map(rel),
  linesChanged: lines,
  filesChanged: files,
  malformed,
});
const pass = (tokens = 10, feedback = 'ok'): review.ReviewerResult => ({ _tag: 'Pass', feedback, tokens });
const block = (tokens = 10, feedback = 'no'): review.ReviewerResult => ({ _tag: 'Block', feedback, tokens });
const skip = (tokens = 0): review.ReviewerResult => ({ _tag: 'Skipped', reason: 'timeout', tokens });

describe('routeReview (review.md §4)', () => {
  it('R0 forced settings', () => {
    expect(review.routeReview('none', 'security-expert', diff(['auth/x'], 1), H, true)).toMatchObject({ level: 'none', reason: 'review-disabled' });
    expect(review.routeReview('fast', 'security-expert', diff(['auth/x'], 1), H, true)).toMatchObject({ level: 'fast', reason: 'review-forced-fast' });
    expect(review.routeReview('panel', 'documentation-writer', diff([], 0), H, true)).toMatchObject({ level: 'panel', reason: 'review-forced-panel' });
  });
  it('R1 example 1: developer, src/auth/session.ts, 3 lines → panel, naming the first matching pair', () => {
    const v = review.routeReview('auto', 'developer', diff(['src/a.ts', 'src/auth/session.ts', 'migrations/1.sql'], 3), H, true);
    expect(v).toMatchObject({ level: 'panel', reason: 'review-panel-path', match: { path: rel('src/auth/session.ts'), entry: rel('auth/') } });
  });
  it('R1 entries are tried in list order for the first matching path', () => {
    const h = { ...H, panelPaths: [rel('x/'), rel('src/'), rel('auth/')] };
    expect(review.routeReview('auto', 'dev', diff(['src/auth/a.ts'], 1), h, true).match?.entry).toEqual(rel('src/'));
  });
  it('R2 panel agent', () => {
    expect(review.routeReview('auto', 'database-engineer', diff(['a.ts'], 1), H, true)).toMatchObject({ level: 'panel', reason: 'review-panel-agent' });
    expect(review.routeReview('auto', 'Database-Engineer', diff(['a.ts'], 1), H, true).reason).toBe('review-auto-pass-small');
  });
  it('R3 example 2: documentation-writer with 400 lines under docs/ → auto-pass', () => {
    expect(review.routeReview('auto', 'documentation-writer', diff(['docs/a.md'], 400, 30), H, false)).toMatchObject({ level: 'auto-pass', reason: 'review-auto-pass-agent' });
  });
  it('R4 size boundaries: lines and files at the maxima auto-pass, one above does not', () => {
    expect(review.routeReview('auto', 'dev', diff(['a', 'b'], 9, 1), H, true).reason).toBe('review-auto-pass-small');
    expect(review.routeReview('auto', 'dev', diff(['a', 'b'], 10, 2), H, true).reason).toBe('review-auto-pass-small');
    expect(review.routeReview('auto', 'dev', diff(['a', 'b'], 11, 2), H, true).reason).toBe('review-fast-default');
    expect(review.routeReview('auto', 'dev', diff(['a', 'b', 'c'], 10, 3), H, true).reason).toBe('review-fast-default');
    expect(review.routeReview('auto', 'dev', diff([], 0, 0), H, true).reason).toBe('review-auto-pass-small');
  });
  it('R4 a malformed diff or failed gates never auto-pass on size (example 3)', () => {
    expect(review.routeReview('auto', 'developer', diff(['a', 'b'], 8, 2), H, false)).toMatchObject({ level: 'fast', reason: 'review-fast-default' });
    expect(review.routeReview('auto', 'developer', diff(['a'], 1, 1, true), H, true)).toMatchObject({ level: 'fast', reason: 'review-fast-default' });
  });
});

describe('matchesPanelPath (review.md §5)', () => {
  it.each([
    ['auth/', 'auth/x.ts', true],
    ['auth/', 'src/auth/x.ts', true],
    ['auth/', 'oauth/x.ts', false],
    ['auth/', 'my-auth/x.ts', false],
    ['auth/', 'src/auth', false],
    ['auth/', 'auth', false],
    ['migrations', 'db/migrations/001.sql', true],
    ['migrations', 'db/migrations', true],
    ['migrations', 'db/migrations.sql', false],
    ['src/auth/', 'lib/src/auth/a/b.ts', true],
    ['src/auth/', 'src/x/auth/b.ts', false],
    ['AUTH/', 'src/Auth/x.ts', true],
    ['ä/', 'Ä/x', false],
  ])('%s vs %s → %s', (entry, changed, expected) => {
    expect(review.matchesPanelPath(rel(entry), rel(changed))).toBe(expected);
  });
  it('Root matches every path; a Root changed path only matches a Root entry', () => {
    expect(review.matchesPanelPath(ROOT, rel('a/b'))).toBe(true);
    expect(review.matchesPanelPath(ROOT, ROOT)).toBe(true);
    expect(review.matchesPanelPath(rel('a'), ROOT)).toBe(false);
  });
});

describe('applyReviewBudget (review.md §6)', () => {
  it('B1 none and auto-pass are not applicable', () => {
    for (const l of ['none', 'auto-pass'] as const) expect(review.applyReviewBudget(l, 1, 5, 'stop')._tag).toBe('NotApplicable');
  });
  it('B2 null budget proceeds', () => {
    expect(review.applyReviewBudget('panel', null, 10 ** 9, 'stop')).toMatchObject({ _tag: 'Proceed', level: 'panel', reason: 'budget-unlimited' });
  });
  it('B3/B4 boundary: spent = budget − 1 proceeds, spent = budget and budget + 1 apply the mode', () => {
    expect(review.applyReviewBudget('fast', 100, 99, 'stop')).toMatchObject({ _tag: 'Proceed', level: 'fast', reason: 'budget-within' });
    for (const spent of [100, 101]) {
      expect(review.applyReviewBudget('fast', 100, spent, 'skip')).toMatchObject({ _tag: 'SkipReview', reason: 'budget-skip', outcome: 'budget-skipped' });
      expect(review.applyReviewBudget('panel', 100, spent, 'skip')).toMatchObject({ _tag: 'SkipReview', reason: 'budget-skip' });
      expect(review.applyReviewBudget('panel', 100, spent, 'downgrade')).toMatchObject({ _tag: 'Downgrade', to: 'fast', reason: 'budget-downgrade' });
      expect(review.applyReviewBudget('fast', 100, spent, 'downgrade')).toMatchObject({ _tag: 'SkipReview', reason: 'budget-downgrade-floor', outcome: 'budget-floor-skipped' });
      expect(review.applyReviewBudget('fast', 100, spent, 'stop')).toMatchObject({ _tag: 'Halt', reason: 'budget-stop' });
      expect(review.applyReviewBudget('panel', 100, spent, 'stop')).toMatchObject({ _tag: 'Halt', reason: 'budget-stop' });
    }
  });
  it('records without review and the halt effects, in order, with no retry, ledger or breaker effect', () => {
    expect(review.recordWithoutReview('auto-pass', review.applyReviewBudget('auto-pass', 1, 1, 'skip'))).toMatchObject({ performed: 'auto-pass', verdict: 'pass', outcome: 'auto-passed' });
    expect(review.recordWithoutReview('panel', review.applyReviewBudget('panel', 1, 1, 'skip'))).toMatchObject({ performed: 'none', verdict: 'skipped', outcome: 'budget-skipped' });
    expect(review.recordWithoutReview('fast', review.applyReviewBudget('fast', 1, 1, 'downgrade'))).toMatchObject({ performed: 'none', verdict: 'skipped', outcome: 'budget-floor-skipped' });
    expect(review.recordWithoutReview('fast', review.applyReviewBudget('fast', 1, 1, 'stop'))).toMatchObject({ performed: 'none', verdict: 'none', outcome: 'budget-halted' });
    expect(review.recordWithoutReview('panel', review.applyReviewBudget('panel', 1, 1, 'downgrade'))).toBeNull();
    const eff = review.haltEffects('t1', 'panel', ['t2']);
    expect(eff.map((e) => e._tag)).toEqual(['RecordReview', 'SetTaskStatus', 'SkipTasks', 'StopDispatching', 'EmitEvent']);
    expect(eff[1]).toEqual({ _tag: 'SetTaskStatus', taskId: 't1', status: 'review-blocked', reason: 'review-budget-stop' });
    expect(eff[2]).toEqual({ _tag: 'SkipTasks', taskIds: ['t2'], reason: 'dependency-failed', cause: 't1' });
  });
});

describe('tallyVotes (review.md §7)', () => {
  it('examples: panel [pass, block, skipped] undecided; [block, block, pass] block; fast [skipped] undecided', () => {
    expect(review.tallyVotes('panel', [pass(), block(), skip()])._tag).toBe('Undecided');
    expect(review.tallyVotes('panel', [block(), block(), pass()])._tag).toBe('Block');
    expect(review.tallyVotes('fast', [skip()])._tag).toBe('Undecided');
  });
  it('missing results count as skipped; results beyond the expected count are ignored but their tokens summed', () => {
    expect(review.tallyVotes('panel', [pass(1)])).toMatchObject({ _tag: 'Undecided', passes: 1, blocks: 0, skipped: 2, tokens: 1 });
    expect(review.tallyVotes('panel', [])).toMatchObject({ _tag: 'Undecided', skipped: 3 });
    expect(review.tallyVotes('fast', [pass(1), block(2), block(3)])).toMatchObject({ _tag: 'Pass', passes: 1, blocks: 0, skipped: 0, tokens: 6 });
    expect(review.tallyVotes('panel', [pass(), pass(), skip(), block(), block()])._tag).toBe('Pass');
  });
  it('votes needed boundary: panel 1 block is not enough, 2 are', () => {
    expect(review.tallyVotes('panel', [block(), skip(), skip()])._tag).toBe('Undecided');
    expect(review.tallyVotes('panel', [block(), block(), skip()])._tag).toBe('Block');
    expect(review.tallyVotes('panel', [pass(), pass(), pass()])._tag).toBe('Pass');
    expect(review.tallyVotes('fast', [block()])._tag).toBe('Block');
    expect(review.tallyVotes('fast', [pass()])._tag).toBe('Pass');
  });
});

const ledger = (f: review.DisputeFacts) => [{ _tag: 'WriteLedgerEntry' as const, kind: 'dispute' as const, id: `dispute:run:${f.taskId}:${f.panelBlocks}` }];
const policy = (onDispute: 'stop' | 'continue' = 'stop'): review.ReviewPolicy<ReturnType<typeof ledger>[number]> => ({
  onDispute,
  renderNote: (f) => review.reviewBlockNote(f.level, f.blocks, f.feedback),
  disputeLedger: ledger,
});
const task = (retries: number, maxRetries: number, panelBlocks: number): review.ReviewTask => ({ taskId: 't1', agent: 'dev', retries, maxRetries, panelBlocks });
const tags = (d: { effects: ReadonlyArray<{ _tag: string }> }) => d.effects.map((e) => e._tag);

describe('afterReview (review.md §8)', () => {
  const panelBlock = review.tallyVotes('panel', [block(5, 'a'), block(5, 'b'), pass(5)]);
  it('D1 pass and undecided merge; undecided is loud and recorded as skipped', () => {
    const p = review.afterReview(task(0, 1, 0), 'fast', 'fast', review.tallyVotes('fast', [pass(7)]), policy(), []);
    expect(p).toMatchObject({ _tag: 'Merge', reason: 'review-passed' });
    expect(p.effects[0]).toEqual({ _tag: 'AddReviewTokens', tokens: 7 });
    const u = review.afterReview(task(0, 1, 0), 'panel', 'panel', review.tallyVotes('panel', [pass(), block(), skip()]), policy(), []);
    expect(u).toMatchObject({ _tag: 'Merge', reason: 'review-undecided' });
    expect(u.effects[1]).toMatchObject({ _tag: 'RecordReview', record: { verdict: 'skipped', outcome: 'undecided' } });
    expect(u.effects[2]).toMatchObject({ _tag: 'EmitEvent', severity: 'warn', code: 'review-undecided' });
  });
  it('D2 boundary: panel block with panelBlocks 1 retries, with 2 disputes (panelBlocks + 1 = 3), with 3 disputes', () => {
    expect(review.afterReview(task(0, 5, 1), 'panel', 'panel', panelBlock, policy(), [])._tag).toBe('Retry');
    expect(review.afterReview(task(0, 5, 2), 'panel', 'panel', panelBlock, policy(), [])._tag).toBe('Dispute');
    expect(review.afterReview(task(0, 5, 3), 'panel', 'panel', panelBlock, policy(), [])._tag).toBe('Dispute');
  });
  it('dispute effects in order; stop only with on_dispute stop', () => {
    const d = review.afterReview(task(2, 2, 2), 'panel', 'panel', panelBlock, policy('stop'), ['t4', 't5']);
    expect(tags(d)).toEqual(['AddReviewTokens', 'RecordReview', 'SetTaskStatus', 'IncrementPanelBlocks', 'WriteLedgerEntry', 'SkipTasks', 'StopDispatching', 'EmitEvent']);
    expect(d.effects[2]).toEqual({ _tag: 'SetTaskStatus', taskId: 't1', status: 'disputed', reason: 'review-disputed' });
    expect(d.effects[4]).toMatchObject({ id: 'dispute:run:t1:3' });
    expect(d.effects[5]).toEqual({ _tag: 'SkipTasks', taskIds: ['t4', 't5'], reason: 'dependency-disputed', cause: 't1' });
    expect(d.effects[6]).toEqual({ _tag: 'StopDispatching', reason: 'dispute-stop' });
    const c = review.afterReview(task(2, 2, 2), 'panel', 'panel', panelBlock, policy('continue'), ['t4']);
    expect(tags(c)).not.toContain('StopDispatching');
    expect(tags(c)).toContain('SkipTasks');
  });
  it('example 1: maxRetries 2, panel blocks on attempts 1 and 2 retry, the third disputes', () => {
    let t = task(0, 2, 0);
    const seen: string[] = [];
    for (let i = 0; i < 3; i++) {
      const d = review.afterReview(t, 'panel', 'panel', panelBlock, policy(), []);
      seen.push(d._tag);
      if (d._tag === 'Retry') t = { ...t, retries: d.retries, panelBlocks: t.panelBlocks + 1 };
    }
    expect(seen).toEqual(['Retry', 'Retry', 'Dispute']);
  });
  it('example 2: maxRetries 1: block, then block → exhausted with panelBlocks 2', () => {
    const a = review.afterReview(task(0, 1, 0), 'panel', 'panel', panelBlock, policy(), []);
    expect(a._tag).toBe('Retry');
    expect(tags(a)).toContain('IncrementPanelBlocks');
    const b = review.afterReview(task(1, 1, 1), 'panel', 'panel', panelBlock, policy(), []);
    expect(b).toMatchObject({ _tag: 'Exhausted', failure: { kind: 'review-block', level: 'panel', blocks: 2, feedback: ['a', 'b'] } });
    expect(tags(b)).toEqual(['AddReviewTokens', 'RecordReview', 'IncrementPanelBlocks']);
  });
  it('example 3: a fast block with no retries left is exhausted, never a dispute', () => {
    const d = review.afterReview(task(1, 1, 7), 'fast', 'fast', review.tallyVotes('fast', [block()]), policy(), []);
    expect(d._tag).toBe('Exhausted');
    expect(tags(d)).not.toContain('IncrementPanelBlocks');
  });
  it('D3 retries boundary: retries = maxRetries − 1 retries with retries + 1 and a note; = maxRetries is exhausted', () => {
    const v = review.tallyVotes('fast', [block(1, 'rename the flag')]);
    const r = review.afterReview(task(0, 1, 0), 'fast', 'fast', v, policy(), []);
    expect(r).toMatchObject({ _tag: 'Retry', retries: 1 });
    expect(r.effects[2]).toEqual({
      _tag: 'ScheduleRetry',
      taskId: 't1',
      retries: 1,
      note: 'A reviewer did not accept your last change. Their points:\nrename the flag\nDeal with each point and complete the task.',
    });
    expect(review.afterReview(task(1, 1, 0), 'fast', 'fast', v, policy(), [])._tag).toBe('Exhausted');
    expect(review.afterReview(task(2, 1, 0), 'fast', 'fast', v, policy(), [])._tag).toBe('Exhausted');
  });
  it('a downgraded review records budget-downgraded; notes are capped at 6 000 characters', () => {
    const d = review.afterReview(task(0, 1, 0), 'panel', 'fast', review.tallyVotes('fast', [pass()]), policy(), []);
    expect(d.effects[1]).toMatchObject({ record: { requested: 'panel', performed: 'fast', outcome: 'budget-downgraded' } });
    const note = review.reviewBlockNote('panel', 2, ['x'.repeat(5000), 'y'.repeat(5000)]);
    expect(note.length).toBeLessThanOrEqual(6000);
    expect(note.endsWith('[note truncated]')).toBe(true);
    expect(review.reviewBlockNote('panel', 2, ['a', 'b'])).toBe('2 of 3 reviewers did not accept your last change. Points to fix:\na\n---\nb\nDeal with each point and complete the task.');
  });
});

// ───────────────────────────────────────── properties ─────────────────────────────────────────

const arbSeg = fc.constantFrom('auth', 'Auth', 'AUTH', 'src', 'db', 'migrations', 'x.ts', 'oauth', 'a', 'B', 'ä');
const arbRel: fc.Arbitrary<P> = fc.record({ _tag: fc.constant('Rel' as const), segments: fc.array(arbSeg, { minLength: 1, maxLength: 5 }), dir: fc.boolean() });
const arbPathP: fc.Arbitrary<P> = fc.oneof({ weight: 1, arbitrary: fc.constant(ROOT) }, { weight: 9, arbitrary: arbRel });
const arbDiff: fc.Arbitrary<review.DiffFacts> = fc.record({
  paths: fc.array(arbRel, { maxLength: 4 }),
  linesChanged: fc.nat({ max: 30 }),
  filesChanged: fc.nat({ max: 5 }),
  malformed: fc.boolean(),
});
const arbH: fc.Arbitrary<review.Heuristics> = fc.record({
  panelPaths: fc.array(arbPathP, { maxLength: 3 }),
  panelAgents: fc.subarray(['security-expert', 'dev', 'writer']),
  autoPassAgents: fc.subarray(['documentation-writer', 'dev', 'writer']),
  autoPassMaxLines: fc.nat({ max: 20 }),
  autoPassMaxFiles: fc.nat({ max: 4 }),
});
const arbAgentR = fc.constantFrom('dev', 'writer', 'security-expert', 'documentation-writer', 'other');

/** Reference review.md §5 matcher over plain segment arrays (written independently: join-and-search on a separator). */
const refMatch = (entry: P, changed: P): boolean => {
  if (entry._tag === 'Root') return true;
  if (changed._tag === 'Root') return false;
  const low = (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());
  const sep = '\u0000';
  const f = sep + changed.segments.map(low).join(sep) + sep;
  const p = sep + entry.segments.map(low).join(sep) + sep;
  let from = 0;
  for (;;) {
    const i = f.indexOf(p, from);
    if (i < 0) return false;
    if (!entry.dir || i + p.length < f.length) return true;
    from = i + 1;
  }
};
const flipCase = (s: string, mask: number): string =>
  [...s].map((c, i) => ((mask >> i) & 1 ? (c >= 'a' && c <= 'z' ? c.toUpperCase() : c >= 'A' && c <= 'Z' ? c.toLowerCase() : c) : c)).join('');

describe('properties (review.md §11)', () => {
  it('RV-1 precedence: with setting auto, any panel-path match yields panel whatever the agent, size or gates', () => {
    fc.assert(
      fc.property(arbAgentR, arbDiff, arbH, fc.boolean(), (agent, d, h, gates) => {
        const hit = d.paths.some((p) => h.panelPaths.some((e) => review.matchesPanelPath(e, p)));
        if (hit) expect(review.routeReview('auto', agent, d, h, gates)).toMatchObject({ level: 'panel', reason: 'review-panel-path' });
      }),
      RUNS,
    );
  });
  it('RV-2 segment boundary: equals a reference on segment arrays; prefixing the matched segment never matches', () => {
    fc.assert(
      fc.property(arbPathP, arbPathP, (e, c) => {
        expect(review.matchesPanelPath(e, c)).toBe(refMatch(e, c));
      }),
      RUNS,
    );
    fc.assert(
      fc.property(fc.array(arbSeg, { minLength: 1, maxLength: 3 }), fc.array(arbSeg, { maxLength: 2 }), fc.array(arbSeg, { minLength: 1, maxLength: 2 }), fc.string({ minLength: 1, maxLength: 3 }).filter((s) => !s.includes('/')), fc.boolean(), (entry, before, after, prefix, dir) => {
        const e: P = { _tag: 'Rel', segments: entry, dir };
        const hit: P = { _tag: 'Rel', segments: [...before, ...entry, ...after], dir: false };
        expect(review.matchesPanelPath(e, hit)).toBe(true);
        // prefix the first matched segment; only the unprefixed occurrence existed, so no other offset may match
        fc.pre(!before.some((s) => entry.some((x) => review.segmentEquals(s, x))) && !after.some((s) => entry.some((x) => review.segmentEquals(s, x))));
        const spoiled: P = { _tag: 'Rel', segments: [...before, prefix + entry[0], ...entry.slice(1), ...after], dir: false };
        expect(review.matchesPanelPath(e, spoiled)).toBe(false);
      }),
      RUNS,
    );
  });
  it('RV-3 case: the match is invariant under ASCII case changes on either side', () => {
    fc.assert(
      fc.property(arbPathP, arbPathP, fc.nat(), fc.nat(), (e, c, m1, m2) => {
        const flip = (p: P, m: number): P => (p._tag === 'Root' ? p : { ...p, segments: p.segments.map((s, i) => flipCase(s, m >> i)) });
        expect(review.matchesPanelPath(flip(e, m1), flip(c, m2))).toBe(review.matchesPanelPath(e, c));
      }),
      RUNS,
    );
  });
  it('RV-4 monotone: adding a path, more lines or files, failing gates or a malformed diff never lowers the level', () => {
    fc.assert(
      fc.property(arbAgentR, arbDiff, arbH, fc.boolean(), arbRel, fc.nat({ max: 10 }), fc.nat({ max: 3 }), (agent, d, h, gates, extra, dl, df) => {
        const base = review.levelRank(review.routeReview('auto', agent, d, h, gates).level);
        const variants: Array<[review.DiffFacts, boolean]> = [
          [{ ...d, paths: [...d.paths, extra] }, gates],
          [{ ...d, linesChanged: d.linesChanged + dl }, gates],
          [{ ...d, filesChanged: d.filesChanged + df }, gates],
          [d, false],
          [{ ...d, malformed: true }, gates],
        ];
        for (const [v, g] of variants) expect(review.levelRank(review.routeReview('auto', agent, v, h, g).level)).toBeGreaterThanOrEqual(base);
      }),
      RUNS,
    );
  });
  it('RV-5 gatesPassed false yields auto-pass only through R3', () => {
    fc.assert(
      fc.property(fc.constantFrom<review.Setting>('auto', 'fast', 'panel', 'none'), arbAgentR, arbDiff, arbH, (s, agent, d, h) => {
        const v = review.routeReview(s, agent, d, h, false);
        if (v.level === 'auto-pass') expect(v.reason).toBe('review-auto-pass-agent');
      }),
      RUNS,
    );
  });
  it('RV-6 forced settings ignore heuristics and diff facts entirely', () => {
    fc.assert(
      fc.property(fc.constantFrom<review.Setting>('fast', 'panel', 'none'), arbAgentR, arbAgentR, arbDiff, arbDiff, arbH, arbH, fc.boolean(), fc.boolean(), (s, a1, a2, d1, d2, h1, h2, g1, g2) => {
        expect(review.routeReview(s, a1, d1, h1, g1)).toEqual(review.routeReview(s, a2, d2, h2, g2));
      }),
      RUNS,
    );
  });
  const arbLevel = fc.constantFrom<review.Level>('none', 'auto-pass', 'fast', 'panel');
  const arbMode = fc.constantFrom<review.BudgetMode>('skip', 'downgrade', 'stop');
  const arbBudget = fc.oneof(fc.constant(null), fc.integer({ min: 1, max: 10_000 }));
  it('RV-7 budget: auto-pass and none are never affected; null budget or spent < budget proceeds at the same level', () => {
    fc.assert(
      fc.property(arbLevel, arbBudget, fc.nat({ max: 20_000 }), arbMode, (l, b, spent, m) => {
        const v = review.applyReviewBudget(l, b, spent, m);
        if (l === 'none' || l === 'auto-pass') expect(v._tag).toBe('NotApplicable');
        else if (b === null || spent < b) expect(v).toMatchObject({ _tag: 'Proceed', level: l });
      }),
      RUNS,
    );
  });
  it('RV-8 exceeded budget: the three modes give pairwise distinct outcomes and never perform a higher level', () => {
    fc.assert(
      fc.property(fc.constantFrom<review.Level>('fast', 'panel'), fc.integer({ min: 1, max: 10_000 }), fc.nat({ max: 10_000 }), (l, b, over) => {
        const spent = b + over;
        const outs = (['skip', 'downgrade', 'stop'] as const).map((m) => {
          const v = review.applyReviewBudget(l, b, spent, m);
          expect(review.levelRank(review.performedLevel(l, v))).toBeLessThanOrEqual(review.levelRank(l));
          return 'outcome' in v ? v.outcome : 'none';
        });
        expect(new Set(outs).size).toBe(3);
      }),
      RUNS,
    );
  });
  it('RV-9 votes: permutation-invariant at the expected length; Block ⇔ blocks ≥ needed; Pass ⇔ passes ≥ needed ∧ blocks < needed', () => {
    fc.assert(
      fc.property(fc.constantFrom<review.ReviewedLevel>('fast', 'panel'), fc.array(arbReviewerResult, { minLength: 3, maxLength: 3 }), fc.nat(), (l, rs0, seed) => {
        const rs = rs0.slice(0, review.expectedReviewers(l));
        const perm = [...rs].sort((a, b) => ((JSON.stringify(a).length * 31 + seed) % 7) - ((JSON.stringify(b).length * 31 + seed) % 7));
        const v = review.tallyVotes(l, rs);
        const w = review.tallyVotes(l, perm);
        expect([w._tag, w.passes, w.blocks, w.skipped, w.tokens]).toEqual([v._tag, v.passes, v.blocks, v.skipped, v.tokens]);
        const blocks = rs.filter((r) => r._tag === 'Block').length;
        const passes = rs.filter((r) => r._tag === 'Pass').length;
        const needed = review.votesNeeded(l);
        expect(v._tag === 'Block').toBe(blocks >= needed);
        expect(v._tag === 'Pass').toBe(passes >= needed && blocks < needed);
        expect(v._tag === 'Undecided').toBe(blocks < needed && passes < needed);
      }),
      RUNS,
    );
  });
  const arbTask = fc.record({ taskId: fc.constant('t0'), agent: fc.constant('dev'), retries: fc.nat({ max: 4 }), maxRetries: fc.nat({ max: 4 }), panelBlocks: fc.nat({ max: 4 }) });
  const arbLevels = fc.constantFrom<[review.Level, review.ReviewedLevel]>(['fast', 'fast'], ['panel', 'panel'], ['panel', 'fast']);
  it('RV-10 Undecided always yields a warn event and a skipped record, never a retry, exhaustion or dispute', () => {
    fc.assert(
      fc.property(arbTask, arbLevels, arbReviewerResults(4), fc.constantFrom<'stop' | 'continue'>('stop', 'continue'), (t, [req, perf], rs, od) => {
        const v = review.tallyVotes(perf, rs);
        fc.pre(v._tag === 'Undecided');
        const d = review.afterReview(deepFreeze(t), req, perf, deepFreeze(v), policy(od), []);
        expect(d._tag).toBe('Merge');
        expect(d.effects).toContainEqual(expect.objectContaining({ _tag: 'EmitEvent', severity: 'warn', code: 'review-undecided' }));
        expect(d.effects).toContainEqual(expect.objectContaining({ _tag: 'RecordReview', record: expect.objectContaining({ verdict: 'skipped', outcome: 'undecided' }) }));
        expect(tags(d).some((x) => ['ScheduleRetry', 'SetTaskStatus', 'WriteLedgerEntry', 'SkipTasks', 'StopDispatching'].includes(x))).toBe(false);
      }),
      RUNS,
    );
  });
  it('RV-11 dispute ⇔ performed panel ∧ Block ∧ panelBlocks + 1 ≥ 3; fast reviews never dispute', () => {
    fc.assert(
      fc.property(arbTask, arbLevels, arbReviewerResults(4), (t, [req, perf], rs) => {
        const v = review.tallyVotes(perf, rs);
        const d = review.afterReview(t, req, perf, v, policy(), []);
        expect(d._tag === 'Dispute').toBe(perf === 'panel' && v._tag === 'Block' && t.panelBlocks + 1 >= 3);
      }),
      RUNS,
    );
  });
  const arbDisputeGraph = arbDag().map((g): Graph => ({ ...g, status: { ...Object.fromEntries(g.ids.map((id) => [id, ['pending', 'running', 'assigned', 'done'].includes(g.status[id] as string) ? (g.status[id] as string) : 'pending'])), t0: 'running' } }));
  const applyEffects = (g: Graph, effects: ReadonlyArray<{ _tag: string }>): Record<string, string> => {
    const st: Record<string, string> = { ...g.status };
    for (const e of effects) {
      if (e._tag === 'SetTaskStatus') {
        const s = e as unknown as { taskId: string; status: string };
        st[s.taskId] = s.status;
      }
      if (e._tag === 'SkipTasks') for (const id of (e as unknown as { taskIds: string[] }).taskIds) if (st[id] === 'pending') st[id] = 'skipped';
    }
    return st;
  };
  it('RV-12 dispute effects skip exactly the transitive pending dependents, no breaker or DLQ effect, stop iff on_dispute stop', () => {
    fc.assert(
      fc.property(arbDisputeGraph, fc.constantFrom<'stop' | 'continue'>('stop', 'continue'), (g, od) => {
        const deps = pendingDependents(g, 't0');
        const d = review.afterReview({ ...task(0, 0, 2), taskId: 't0' }, 'panel', 'panel', review.tallyVotes('panel', [block(), block(), pass()]), { ...policy(od), disputeLedger: ledger }, deps);
        expect(d._tag).toBe('Dispute');
        const skips = d.effects.filter((e) => e._tag === 'SkipTasks') as unknown as ReadonlyArray<{ taskIds: string[] }>;
        expect(skips.flatMap((s) => s.taskIds).sort()).toEqual([...deps].sort());
        expect(tags(d)).not.toContain('RecordBreakerOutcome');
        expect(d.effects.some((e) => 'kind' in e && (e.kind as string) === 'dlq')).toBe(false);
        expect(tags(d).includes('StopDispatching')).toBe(od === 'stop');
      }),
      RUNS,
    );
  });
  it('RV-13 no stranded dependents: after a dispute or a budget halt, no pending task depends on a terminal non-done task', () => {
    const terminalNotDone = (s: string | undefined) => s !== undefined && !['pending', 'assigned', 'running', 'done'].includes(s);
    fc.assert(
      fc.property(arbDisputeGraph, fc.boolean(), (g, halt) => {
        const deps = pendingDependents(g, 't0');
        const effects = halt
          ? review.haltEffects('t0', 'panel', deps)
          : review.afterReview({ ...task(0, 0, 2), taskId: 't0' }, 'panel', 'panel', review.tallyVotes('panel', [block(), block()]), policy('continue'), deps).effects;
        const st = applyEffects(g, effects);
        for (const id of g.ids) if (st[id] === 'pending') for (const dep of g.deps[id] ?? []) expect(terminalNotDone(st[dep])).toBe(false);
      }),
      RUNS,
    );
  });
});

describe('decodeReviewConfig (convoy.md §7, review.md §5)', () => {
  // A minimal stand-in for paths.normalizePath (paths.md §1 N1, N4, N5, N7, N8), enough to drive the decoder.
  const normalize: review.Normalize = (raw) => {
    if (/[*?]/.test(raw)) return { _tag: 'Left', left: 'glob' };
    const dir = /[/\\]$/.test(raw);
    const segments = raw.replace(/\\/g, '/').split('/').filter((s) => s !== '' && s !== '.');
    if (segments.includes('..')) return { _tag: 'Left', left: 'traversal' };
    return { _tag: 'Right', right: segments.length === 0 ? { _tag: 'Root' } : { _tag: 'Rel', segments, dir } };
  };
  it('absent values give the defaults', () => {
    expect(review.decodeReviewConfig(undefined, normalize)).toEqual({ _tag: 'Right', right: review.DEFAULT_REVIEW_CONFIG });
    expect(review.decodeReviewConfig({}, normalize)).toEqual({ _tag: 'Right', right: review.DEFAULT_REVIEW_CONFIG });
  });
  it('a given heuristics field replaces its default entirely; others keep theirs', () => {
    const r = review.decodeReviewConfig({ review_heuristics: { panel_paths: ['./db//schema/'], auto_pass_max_lines: 0 } }, normalize);
    expect(r._tag === 'Right' && r.right.heuristics).toEqual({ ...review.DEFAULT_HEURISTICS, panelPaths: [rel('db/schema/')], autoPassMaxLines: 0 });
  });
  it('every error is listed: globs, traversal, bad budget, bad modes', () => {
    const r = review.decodeReviewConfig(
      { review: 'maybe', review_budget: 0, on_review_budget_exceeded: 'pray', on_dispute: 'ignore', max_concurrent_reviews: 0, review_heuristics: { panel_paths: ['auth/*', '../x', 3], panel_agents: [''], auto_pass_max_files: -1 } },
      normalize,
    );
    expect(r._tag).toBe('Left');
    expect(r._tag === 'Left' && r.left.length).toBe(10);
    expect(r).toEqual({
      _tag: 'Left',
      left: [
        'review: expected auto, fast, panel or none',
        'review_budget: expected an integer ≥ 1',
        'on_review_budget_exceeded: expected skip, downgrade or stop',
        'on_dispute: expected stop or continue',
        'max_concurrent_reviews: expected an integer ≥ 1',
        'review_heuristics.panel_paths[0]: not a plain repository path (globs, .. and drive letters are refused)',
        'review_heuristics.panel_paths[1]: not a plain repository path (globs, .. and drive letters are refused)',
        'review_heuristics.panel_paths[2]: expected a string',
        'review_heuristics.panel_agents: expected a list of agent names',
        'review_heuristics.auto_pass_max_files: expected an integer ≥ 0',
      ],
    });
  });
  it('the other shapes refused, each named', () => {
    for (const d of [null, [], 'x', 3]) expect(review.decodeReviewConfig(d, normalize)).toEqual({ _tag: 'Left', left: ['defaults: expected an object'] });
    for (const h of [3, null, ['x']]) expect(review.decodeReviewConfig({ review_heuristics: h }, normalize)).toEqual({ _tag: 'Left', left: ['review_heuristics: expected an object'] });
    expect(review.decodeReviewConfig({ review_heuristics: { panel_paths: 'auth/', auto_pass_agents: ['a', 3], auto_pass_max_lines: 1.5 } }, normalize)).toEqual({
      _tag: 'Left',
      left: ['review_heuristics.panel_paths: expected a list of paths', 'review_heuristics.auto_pass_agents: expected a list of agent names', 'review_heuristics.auto_pass_max_lines: expected an integer ≥ 0'],
    });
    // agent names: 1 to 128 characters, no control character
    for (const a of ['', 'x'.repeat(129), 'a\u0000', 'a\u001f', 'a\u007f', 'a\u009f', 7])
      expect(review.decodeReviewConfig({ review_heuristics: { panel_agents: ['ok', a] } }, normalize)).toEqual({ _tag: 'Left', left: ['review_heuristics.panel_agents: expected a list of agent names'] });
    for (const n of [-1, 1.5, '3', Number.MAX_SAFE_INTEGER + 1]) {
      expect(review.decodeReviewConfig({ review_budget: n, max_concurrent_reviews: n }, normalize)._tag).toBe('Left');
      expect(review.decodeReviewConfig({ review_heuristics: { auto_pass_max_lines: n } }, normalize)._tag).toBe('Left');
    }
  });
  it('every accepted value is kept', () => {
    const right = (o: Partial<review.ReviewConfig>) => ({ _tag: 'Right', right: { ...review.DEFAULT_REVIEW_CONFIG, ...o } });
    for (const v of ['auto', 'fast', 'panel', 'none'] as const) expect(review.decodeReviewConfig({ review: v }, normalize)).toEqual(right({ review: v }));
    for (const v of ['skip', 'downgrade', 'stop'] as const) expect(review.decodeReviewConfig({ on_review_budget_exceeded: v }, normalize)).toEqual(right({ onBudgetExceeded: v }));
    for (const v of ['stop', 'continue'] as const) expect(review.decodeReviewConfig({ on_dispute: v }, normalize)).toEqual(right({ onDispute: v }));
    expect(review.decodeReviewConfig({ max_concurrent_reviews: 1, review_budget: 50_000 }, normalize)).toEqual(right({ maxConcurrentReviews: 1, budget: 50_000 }));
    const agents = ['a', 'x'.repeat(128), 'é ü'];
    expect(review.decodeReviewConfig({ review_heuristics: { panel_agents: agents, auto_pass_agents: [], auto_pass_max_files: 0, panel_paths: [] } }, normalize)).toEqual(
      right({ heuristics: { ...review.DEFAULT_HEURISTICS, panelAgents: agents, autoPassAgents: [], autoPassMaxFiles: 0, panelPaths: [] } }),
    );
    expect(review.decodeReviewConfig({ review_heuristics: { auto_pass_agents: ['docs'], auto_pass_max_lines: 3 } }, normalize)).toEqual(
      right({ heuristics: { ...review.DEFAULT_HEURISTICS, autoPassAgents: ['docs'], autoPassMaxLines: 3 } }),
    );
    expect(review.decodeReviewConfig({ review_heuristics: {} }, normalize)).toEqual(right({}));
  });
  it('budget boundary: 1 is accepted, 0 refused', () => {
    expect(review.decodeReviewConfig({ review_budget: 1 }, normalize)).toMatchObject({ _tag: 'Right', right: { budget: 1 } });
    expect(review.decodeReviewConfig({ review_budget: 0 }, normalize)._tag).toBe('Left');
  });
});

// ───────────────────────────── exact outputs (mutation testing, testing.md §3) ─────────────────────────────

describe('whole verdicts and effects (review.md §4, review.md §6, review.md §8)', () => {
  it('R0–R5 verdicts whole: one reason in reasons, a match only on R1', () => {
    expect(review.routeReview('none', 'dev', diff(['auth/x'], 1), H, true)).toStrictEqual({ _tag: 'Route', level: 'none', reason: 'review-disabled', reasons: ['review-disabled'] });
    expect(review.routeReview('fast', 'dev', diff([], 1), H, true)).toStrictEqual({ _tag: 'Route', level: 'fast', reason: 'review-forced-fast', reasons: ['review-forced-fast'] });
    expect(review.routeReview('panel', 'dev', diff([], 1), H, true)).toStrictEqual({ _tag: 'Route', level: 'panel', reason: 'review-forced-panel', reasons: ['review-forced-panel'] });
    expect(review.routeReview('auto', 'dev', diff(['db/rls/p.sql'], 1), H, true)).toStrictEqual({
      _tag: 'Route',
      level: 'panel',
      reason: 'review-panel-path',
      reasons: ['review-panel-path'],
      match: { path: rel('db/rls/p.sql'), entry: rel('rls/') },
    });
    expect(review.routeReview('auto', 'security-expert', diff(['a'], 1), H, true)).toStrictEqual({ _tag: 'Route', level: 'panel', reason: 'review-panel-agent', reasons: ['review-panel-agent'] });
    expect(review.routeReview('auto', 'documentation-writer', diff(['a'], 99), H, true)).toStrictEqual({
      _tag: 'Route',
      level: 'auto-pass',
      reason: 'review-auto-pass-agent',
      reasons: ['review-auto-pass-agent'],
    });
    expect(review.routeReview('auto', 'dev', diff(['a'], 1), H, true)).toStrictEqual({ _tag: 'Route', level: 'auto-pass', reason: 'review-auto-pass-small', reasons: ['review-auto-pass-small'] });
    expect(review.routeReview('auto', 'dev', diff(['a'], 99), H, true)).toStrictEqual({ _tag: 'Route', level: 'fast', reason: 'review-fast-default', reasons: ['review-fast-default'] });
  });
  it('R4 each size limit alone: lines over with files within, files over with lines within', () => {
    const h = { ...H, autoPassMaxLines: 5, autoPassMaxFiles: 5 };
    expect(review.routeReview('auto', 'dev', diff(['a'], 6, 1), h, true).reason).toBe('review-fast-default');
    expect(review.routeReview('auto', 'dev', diff(['a'], 1, 6), h, true).reason).toBe('review-fast-default');
    expect(review.routeReview('auto', 'dev', diff(['a'], 5, 5), h, true).reason).toBe('review-auto-pass-small');
  });
  it('B1–B4 verdicts whole', () => {
    expect(review.applyReviewBudget('auto-pass', 1, 9, 'stop')).toStrictEqual({ _tag: 'NotApplicable', reason: 'budget-not-applicable', reasons: ['budget-not-applicable'] });
    expect(review.applyReviewBudget('none', null, 0, 'skip')).toStrictEqual({ _tag: 'NotApplicable', reason: 'budget-not-applicable', reasons: ['budget-not-applicable'] });
    expect(review.applyReviewBudget('fast', null, 9, 'stop')).toStrictEqual({ _tag: 'Proceed', level: 'fast', reason: 'budget-unlimited', reasons: ['budget-unlimited'] });
    expect(review.applyReviewBudget('panel', 10, 9, 'stop')).toStrictEqual({ _tag: 'Proceed', level: 'panel', reason: 'budget-within', reasons: ['budget-within'] });
    expect(review.applyReviewBudget('panel', 10, 10, 'skip')).toStrictEqual({ _tag: 'SkipReview', reason: 'budget-skip', reasons: ['budget-skip'], outcome: 'budget-skipped' });
    expect(review.applyReviewBudget('panel', 10, 10, 'downgrade')).toStrictEqual({ _tag: 'Downgrade', to: 'fast', reason: 'budget-downgrade', reasons: ['budget-downgrade'], outcome: 'budget-downgraded' });
    expect(review.applyReviewBudget('fast', 10, 10, 'downgrade')).toStrictEqual({
      _tag: 'SkipReview',
      reason: 'budget-downgrade-floor',
      reasons: ['budget-downgrade-floor'],
      outcome: 'budget-floor-skipped',
    });
    expect(review.applyReviewBudget('fast', 10, 10, 'stop')).toStrictEqual({ _tag: 'Halt', reason: 'budget-stop', reasons: ['budget-stop'], outcome: 'budget-halted' });
  });
  it('records without review whole; none when a reviewer runs or nothing was asked', () => {
    const zero = { tokens: 0, reviewers: 0 };
    expect(review.recordWithoutReview('auto-pass', review.applyReviewBudget('auto-pass', null, 0, 'skip'))).toStrictEqual({ requested: 'auto-pass', performed: 'auto-pass', verdict: 'pass', outcome: 'auto-passed', ...zero });
    expect(review.recordWithoutReview('none', review.applyReviewBudget('none', null, 0, 'skip'))).toBeNull();
    expect(review.recordWithoutReview('panel', review.applyReviewBudget('panel', 1, 1, 'skip'))).toStrictEqual({ requested: 'panel', performed: 'none', verdict: 'skipped', outcome: 'budget-skipped', ...zero });
    expect(review.recordWithoutReview('fast', review.applyReviewBudget('fast', 1, 1, 'downgrade'))).toStrictEqual({ requested: 'fast', performed: 'none', verdict: 'skipped', outcome: 'budget-floor-skipped', ...zero });
    expect(review.recordWithoutReview('panel', review.applyReviewBudget('panel', 1, 1, 'stop'))).toStrictEqual({ requested: 'panel', performed: 'none', verdict: 'none', outcome: 'budget-halted', ...zero });
    expect(review.recordWithoutReview('panel', review.applyReviewBudget('panel', null, 1, 'stop'))).toBeNull();
  });
  it('the performed level after each budget verdict', () => {
    expect(review.performedLevel('panel', review.applyReviewBudget('panel', null, 0, 'skip'))).toBe('panel');
    expect(review.performedLevel('panel', review.applyReviewBudget('panel', 1, 1, 'downgrade'))).toBe('fast');
    expect(review.performedLevel('auto-pass', review.applyReviewBudget('auto-pass', 1, 1, 'stop'))).toBe('auto-pass');
    expect(review.performedLevel('none', review.applyReviewBudget('none', 1, 1, 'stop'))).toBe('none');
    expect(review.performedLevel('fast', review.applyReviewBudget('fast', 1, 1, 'skip'))).toBe('none');
    expect(review.performedLevel('panel', review.applyReviewBudget('panel', 1, 1, 'stop'))).toBe('none');
  });
  it('haltEffects whole, the dependents copied', () => {
    const deps = ['t2', 't3'];
    const eff = review.haltEffects('t1', 'fast', deps);
    expect(eff).toStrictEqual([
      { _tag: 'RecordReview', taskId: 't1', record: { requested: 'fast', performed: 'none', verdict: 'none', outcome: 'budget-halted', tokens: 0, reviewers: 0 } },
      { _tag: 'SetTaskStatus', taskId: 't1', status: 'review-blocked', reason: 'review-budget-stop' },
      { _tag: 'SkipTasks', taskIds: ['t2', 't3'], reason: 'dependency-failed', cause: 't1' },
      { _tag: 'StopDispatching', reason: 'review-budget-stop' },
      { _tag: 'EmitEvent', type: 'review', severity: 'warn', code: 'budget-stop', taskId: 't1' },
    ]);
    expect((eff[2] as { taskIds: unknown }).taskIds).not.toBe(deps);
  });
  it('levelRank orders none < auto-pass < fast < panel', () => {
    expect((['none', 'auto-pass', 'fast', 'panel'] as const).map(review.levelRank)).toEqual([0, 1, 2, 3]);
  });
});

describe('vote tally details (review.md §7)', () => {
  it('the counted reviewers\' feedback, in order; answers past the expected count neither vote nor give feedback', () => {
    expect(review.tallyVotes('panel', [block(1, 'b1'), pass(2, 'p1'), block(3, 'b2'), pass(4, 'p2'), block(5, 'b3')])).toStrictEqual({
      _tag: 'Block',
      passes: 1,
      blocks: 2,
      skipped: 0,
      tokens: 15,
      blockFeedback: ['b1', 'b2'],
      passFeedback: ['p1'],
    });
    expect(review.tallyVotes('fast', [skip(4), pass(1, 'late')])).toStrictEqual({ _tag: 'Undecided', passes: 0, blocks: 0, skipped: 1, tokens: 5, blockFeedback: [], passFeedback: [] });
    expect(review.tallyVotes('panel', [pass(0, 'a'), block(0, 'b'), pass(0, 'c')])).toMatchObject({ _tag: 'Pass', passes: 2, blocks: 1, skipped: 0, passFeedback: ['a', 'c'], blockFeedback: ['b'] });
  });
  it('expected reviewers and votes needed per level', () => {
    expect([review.expectedReviewers('panel'), review.votesNeeded('panel'), review.expectedReviewers('fast'), review.votesNeeded('fast')]).toEqual([3, 2, 1, 1]);
  });
});

describe('afterReview whole dispositions (review.md §8)', () => {
  const facts: review.DisputeFacts[] = [];
  const spy: review.ReviewPolicy<{ _tag: 'Ledger'; id: string }> = {
    onDispute: 'continue',
    renderNote: (f) => `note ${f.level} ${f.blocks} ${f.feedback.join('|')}`,
    disputeLedger: (f) => (facts.push(f), [{ _tag: 'Ledger', id: `${f.taskId}:${f.panelBlocks}` }]),
  };
  const t = (o: Partial<review.ReviewTask> = {}): review.ReviewTask => ({ taskId: 't1', agent: 'coder', retries: 0, maxRetries: 1, panelBlocks: 0, ...o });
  it('D1 pass: the tokens, the record with the reviewer count, an info event with the counts and level', () => {
    const v = review.tallyVotes('panel', [pass(3), pass(4), skip(5)]);
    expect(review.afterReview(t(), 'panel', 'panel', v, spy, [])).toStrictEqual({
      _tag: 'Merge',
      reason: 'review-passed',
      reasons: ['review-passed'],
      effects: [
        { _tag: 'AddReviewTokens', tokens: 12 },
        { _tag: 'RecordReview', taskId: 't1', record: { requested: 'panel', performed: 'panel', verdict: 'pass', outcome: 'reviewed', tokens: 12, reviewers: 3 } },
        { _tag: 'EmitEvent', type: 'review', severity: 'info', code: 'review-passed', taskId: 't1', data: { passes: 2, blocks: 0, skipped: 1, level: 'panel' } },
      ],
    });
  });
  it('D1 undecided: a warn event and a skipped record, even when the panel was downgraded', () => {
    const v = review.tallyVotes('fast', [skip(2)]);
    expect(review.afterReview(t(), 'panel', 'fast', v, spy, [])).toStrictEqual({
      _tag: 'Merge',
      reason: 'review-undecided',
      reasons: ['review-undecided'],
      effects: [
        { _tag: 'AddReviewTokens', tokens: 2 },
        { _tag: 'RecordReview', taskId: 't1', record: { requested: 'panel', performed: 'fast', verdict: 'skipped', outcome: 'undecided', tokens: 2, reviewers: 1 } },
        { _tag: 'EmitEvent', type: 'review', severity: 'warn', code: 'review-undecided', taskId: 't1', data: { passes: 0, blocks: 0, skipped: 1, level: 'fast' } },
      ],
    });
  });
  it('D2 dispute: the ledger gets the task, agent, new block count and feedback; the event adds panelBlocks', () => {
    facts.length = 0;
    const v = review.tallyVotes('panel', [block(1, 'x'), block(1, 'y'), skip(1)]);
    const deps = ['t9'];
    const d = review.afterReview(t({ panelBlocks: 4, retries: 0, maxRetries: 9 }), 'panel', 'panel', v, spy, deps);
    expect(d).toStrictEqual({
      _tag: 'Dispute',
      reason: 'review-disputed',
      reasons: ['review-disputed'],
      effects: [
        { _tag: 'AddReviewTokens', tokens: 3 },
        { _tag: 'RecordReview', taskId: 't1', record: { requested: 'panel', performed: 'panel', verdict: 'block', outcome: 'reviewed', tokens: 3, reviewers: 3 } },
        { _tag: 'SetTaskStatus', taskId: 't1', status: 'disputed', reason: 'review-disputed' },
        { _tag: 'IncrementPanelBlocks', taskId: 't1' },
        { _tag: 'Ledger', id: 't1:5' },
        { _tag: 'SkipTasks', taskIds: ['t9'], reason: 'dependency-disputed', cause: 't1' },
        { _tag: 'EmitEvent', type: 'review', severity: 'warn', code: 'review-disputed', taskId: 't1', data: { passes: 0, blocks: 2, skipped: 1, level: 'panel', panelBlocks: 5 } },
      ],
    });
    expect(facts).toEqual([{ taskId: 't1', agent: 'coder', panelBlocks: 5, feedback: ['x', 'y'] }]);
    expect((d.effects[5] as { taskIds: unknown }).taskIds).not.toBe(deps);
  });
  it('D3 retry: the note from the failure, the panel block counted, a warn event', () => {
    const v = review.tallyVotes('panel', [block(1, 'x'), block(1, 'y'), pass(1, 'z')]);
    expect(review.afterReview(t({ retries: 2, maxRetries: 3, panelBlocks: 1 }), 'panel', 'panel', v, spy, [])).toStrictEqual({
      _tag: 'Retry',
      reason: 'review-retry',
      reasons: ['review-retry'],
      retries: 3,
      effects: [
        { _tag: 'AddReviewTokens', tokens: 3 },
        { _tag: 'RecordReview', taskId: 't1', record: { requested: 'panel', performed: 'panel', verdict: 'block', outcome: 'reviewed', tokens: 3, reviewers: 3 } },
        { _tag: 'ScheduleRetry', taskId: 't1', retries: 3, note: 'note panel 2 x|y' },
        { _tag: 'IncrementPanelBlocks', taskId: 't1' },
        { _tag: 'EmitEvent', type: 'review', severity: 'warn', code: 'review-retry', taskId: 't1', data: { passes: 1, blocks: 2, skipped: 0, level: 'panel' } },
      ],
    });
  });
  it('D3 a supplied note over 6 000 characters is capped, its last line [note truncated]', () => {
    const long: review.ReviewPolicy<never> = { onDispute: 'stop', renderNote: () => 'n'.repeat(6_001), disputeLedger: () => [] };
    const exact: review.ReviewPolicy<never> = { ...long, renderNote: () => 'n'.repeat(6_000) };
    const v = review.tallyVotes('fast', [block()]);
    const noteOf = (p: review.ReviewPolicy<never>) => (review.afterReview(t(), 'fast', 'fast', v, p, []).effects[2] as { note: string }).note;
    expect(noteOf(exact)).toBe('n'.repeat(6_000));
    expect(noteOf(long)).toBe(`${'n'.repeat(6_000 - 17)}\n[note truncated]`);
  });
  it('D4 exhausted fast review: only the common effects, the failure whole', () => {
    const v = review.tallyVotes('fast', [block(4, 'why')]);
    expect(review.afterReview(t({ retries: 1, maxRetries: 1, panelBlocks: 2 }), 'fast', 'fast', v, spy, ['t2'])).toStrictEqual({
      _tag: 'Exhausted',
      reason: 'review-exhausted',
      reasons: ['review-exhausted'],
      failure: { kind: 'review-block', level: 'fast', blocks: 1, feedback: ['why'] },
      effects: [
        { _tag: 'AddReviewTokens', tokens: 4 },
        { _tag: 'RecordReview', taskId: 't1', record: { requested: 'fast', performed: 'fast', verdict: 'block', outcome: 'reviewed', tokens: 4, reviewers: 1 } },
      ],
    });
  });
});

describe('review-block note (retry.md §4)', () => {
  it('fast and panel templates; no feedback is said so; the cap at its edge', () => {
    expect(review.reviewBlockNote('fast', 1, [])).toBe('A reviewer did not accept your last change. Their points:\n(no feedback given)\nDeal with each point and complete the task.');
    expect(review.reviewBlockNote('panel', 3, [])).toBe('3 of 3 reviewers did not accept your last change. Points to fix:\n(no feedback given)\nDeal with each point and complete the task.');
    const frame = 'A reviewer did not accept your last change. Their points:\n\nDeal with each point and complete the task.'.length;
    expect(review.reviewBlockNote('fast', 1, ['f'.repeat(6_000 - frame)]).length).toBe(6_000);
    expect(review.reviewBlockNote('fast', 1, ['f'.repeat(6_000 - frame)]).endsWith('complete the task.')).toBe(true);
    const over = review.reviewBlockNote('fast', 1, ['f'.repeat(6_001 - frame)]);
    expect(over.length).toBe(6_000);
    expect(over).toBe(`A reviewer did not accept your last change. Their points:\n${'f'.repeat(6_001 - frame)}\nDeal with each point and complete the task.`.slice(0, 6_000 - 17) + '\n[note truncated]');
  });
});

describe('panel path matching edges (review.md §5)', () => {
  it('segments compare exactly or equal after ASCII lower-casing only', () => {
    expect(review.segmentEquals('Auth', 'aUTH')).toBe(true);
    expect(review.segmentEquals('auth', 'auth')).toBe(true);
    expect(review.segmentEquals('auth', 'auth2')).toBe(false);
    expect(review.segmentEquals('\u00c4', '\u00e4')).toBe(false);
    expect(review.segmentEquals('[', '{')).toBe(false);
    expect(review.segmentEquals('@', '`')).toBe(false);
  });
  it('a directory entry needs a segment after the run: at the end of the path it does not match, one segment more does', () => {
    expect(review.matchesPanelPath(rel('a/b/'), rel('x/a/b'))).toBe(false);
    expect(review.matchesPanelPath(rel('a/b/'), rel('x/a/b/c'))).toBe(true);
    expect(review.matchesPanelPath(rel('a/b'), rel('x/a/b'))).toBe(true);
    expect(review.matchesPanelPath(rel('a/b'), rel('x/a'))).toBe(false);
    expect(review.matchesPanelPath(rel('a/b'), rel('a/x/a/b'))).toBe(true);
  });
  it('an entry without segments matches every relative path, a changed path without segments too', () => {
    const empty: P = { _tag: 'Rel', segments: [], dir: true };
    expect(review.matchesPanelPath(empty, rel('a'))).toBe(true);
    expect(review.matchesPanelPath(empty, { _tag: 'Rel', segments: [], dir: false })).toBe(true);
  });
});
