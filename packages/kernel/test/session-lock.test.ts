/**
 * Session lock theorem catalogue (session-lock.md §14), kernel part: SL-2 … SL-16, plus rule examples.
 * SL-1 (mutual exclusion under the scheduler) lives in test/session-lock-model.test.ts; SL-17–SL-24 in test/.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isRight } from 'fp-ts/lib/Either.js';
import { sessionLock as SL } from '@arbiter/kernel';

const NOW = 1_700_000_600_000;
const TTL = 300_000;

// ── arbitraries (shaped by the session-lock.md §5.1 codec: every generated record must decode) ──────────────────────────────
const sessionArb = fc.oneof(fc.constantFrom('s-A', 's-B', 's-C'), fc.string({ minLength: 1, maxLength: 40 }));
const hostArb = fc.constantFrom('laptop', 'build-02');
const ttlArb = fc.integer({ min: SL.TTL_MIN_MS, max: SL.TTL_MAX_MS });
const instantArb = fc.integer({ min: 1_600_000_000_000, max: 1_800_000_000_000 });

const heldArb: fc.Arbitrary<SL.HeldRecord> = fc.record({
  schema_version: fc.constant(1 as const),
  state: fc.constant('held' as const),
  session_id: sessionArb,
  pid: fc.integer({ min: 1, max: SL.PID_MAX }),
  hostname: hostArb,
  acquired_at: instantArb,
  refreshed_at: instantArb,
  ttl_ms: ttlArb,
  fence: fc.integer({ min: 1, max: 1_000_000 }),
});
const releasedArb: fc.Arbitrary<SL.ReleasedRecord> = fc
  .tuple(heldArb, instantArb)
  .map(([h, at]) => ({ ...h, state: 'released' as const, released_at: at }));
const recordArb: fc.Arbitrary<SL.LockRecord> = fc.oneof(heldArb, releasedArb);

const snapshotArb: fc.Arbitrary<SL.Snapshot> = fc.oneof(
  fc.constant<SL.Snapshot>({ generation: 0, content: { _tag: 'Absent' } }),
  recordArb.chain((record) =>
    fc.integer({ min: record.fence, max: record.fence + 50 }).map((generation) => ({ generation, content: { _tag: 'Valid' as const, record } })),
  ),
  fc
    .tuple(fc.integer({ min: 1, max: 1_000_000 }), fc.string({ maxLength: 200 }))
    .map(([g, detail]) => ({ generation: g, content: { _tag: 'Corrupt' as const, fence_floor: g, detail } })),
);

const factsArb = fc.record({
  session_id: sessionArb,
  my_pid: fc.integer({ min: 1, max: SL.PID_MAX }),
  my_hostname: hostArb,
  now: instantArb,
  ttl_ms: ttlArb,
  workspace_hash: fc.constant('0123456789ab'),
  snapshot: snapshotArb,
});
const livenessArb = fc.constantFrom<'alive' | 'dead' | 'unknown'>('alive', 'dead', 'unknown');

const runRound = (f: SL.AcquireFacts, answer: 'alive' | 'dead' | 'unknown') => SL.runAcquireRound(f, () => answer);

/** Exactly the session-lock.md §7.3 rule 2 condition under which the pid probe is allowed. */
const probeAllowed = (f: SL.AcquireFacts): boolean =>
  f.snapshot.content._tag === 'Valid' &&
  f.snapshot.content.record.state === 'held' &&
  f.snapshot.content.record.session_id !== f.session_id &&
  !SL.isStale(f.snapshot.content.record, f.now) &&
  f.snapshot.content.record.hostname === f.my_hostname;

// ── examples of session-lock.md §7.6, session-lock.md §8.5, session-lock.md §9.6, session-lock.md §10.5, session-lock.md §11 ───────────────────────────────────────────────────────────
const held = (over: Partial<SL.HeldRecord> = {}): SL.HeldRecord => ({
  schema_version: 1,
  state: 'held',
  session_id: 's-B',
  pid: 4242,
  hostname: 'laptop',
  acquired_at: NOW - 400_000,
  refreshed_at: NOW - 1_000,
  ttl_ms: TTL,
  fence: 4,
  ...over,
});
const facts = (snapshot: SL.Snapshot, over: Partial<SL.AcquireFacts> = {}): SL.AcquireFacts => ({
  session_id: 's-A',
  my_pid: 1111,
  my_hostname: 'laptop',
  now: NOW,
  ttl_ms: TTL,
  workspace_hash: '0123456789ab',
  snapshot,
  ...over,
});
const valid = (record: SL.LockRecord, generation = 9): SL.Snapshot => ({ generation, content: { _tag: 'Valid', record } });

describe('session-lock acquire rules (session-lock.md §7.5 A1–A7, examples of session-lock.md §7.6)', () => {
  it('A1 absent → Acquired, fence 1, one commit at generation 0', () => {
    const s = SL.acquireStep(facts({ generation: 0, content: { _tag: 'Absent' } }));
    expect(s._tag).toBe('Done');
    if (s._tag !== 'Done') return;
    expect(s.outcome).toMatchObject({ _tag: 'Acquired', reason: 'acquired', fence: 1 });
    expect(s.effects).toEqual([{ _tag: 'CommitLock', workspace_hash: '0123456789ab', expected_generation: 0, record: expect.objectContaining({ fence: 1, session_id: 's-A', acquired_at: NOW, refreshed_at: NOW }) }]);
  });
  it('A2 corrupt generation 9 → corrupt-takeover, fence 10, audit', () => {
    const bytes = '{"schema_version":1,"session_id":';
    const content = SL.decodeStored(bytes, 9);
    expect(content._tag).toBe('Corrupt');
    const s = SL.acquireStep(facts({ generation: 9, content }));
    if (s._tag !== 'Done') throw new Error('expected Done');
    if (content._tag !== 'Corrupt') throw new Error('expected Corrupt');
    expect(s.outcome).toMatchObject({ _tag: 'TakenOver', reason: 'corrupt-takeover', fence: 10, corrupt_detail: content.detail });
    const record = { schema_version: 1, state: 'held', session_id: 's-A', pid: 1111, hostname: 'laptop', acquired_at: NOW, refreshed_at: NOW, ttl_ms: TTL, fence: 10 };
    expect(s.effects).toEqual([
      { _tag: 'CommitLock', workspace_hash: '0123456789ab', expected_generation: 9, record },
      // session-lock.md §13.1: no previous holder for a corrupt record, the decoder message instead
      { _tag: 'Audit', kind: 'corrupt-takeover', workspace_hash: '0123456789ab', by_session: 's-A', new_fence: 10, previous: null, corrupt_detail: content.detail },
    ]);
  });
  it('A3 released by us, fence 4 → Acquired fence 5', () => {
    const s = SL.acquireStep(facts(valid({ ...held({ session_id: 's-A' }), state: 'released', released_at: NOW - 5 })));
    expect(s).toMatchObject({ _tag: 'Done', outcome: { _tag: 'Acquired', fence: 5 } });
  });
  it('A4 our own stale record → Reacquired, same fence and acquired_at, refreshed_at = now', () => {
    const old = held({ session_id: 's-A', refreshed_at: 1_699_999_000_000 });
    const s = SL.acquireStep(facts(valid(old)));
    expect(s).toMatchObject({ _tag: 'Done', outcome: { _tag: 'Reacquired', fence: 4, record: { acquired_at: old.acquired_at, refreshed_at: NOW } } });
  });
  it('A5 age 300 001 → stale-takeover; age exactly 300 000 → not stale (A6/A7)', () => {
    const stale = SL.acquireStep(facts(valid(held({ refreshed_at: 1_700_000_299_999 }))));
    expect(stale).toMatchObject({ _tag: 'Done', outcome: { _tag: 'TakenOver', reason: 'stale-takeover', fence: 5 } });
    const boundary = SL.acquireStep(facts(valid(held({ refreshed_at: 1_700_000_300_000 }))));
    expect(boundary).toEqual({ _tag: 'Need', probe: { _tag: 'PidAlive', pid: 4242 } });
    const foreign = SL.acquireStep(facts(valid(held({ refreshed_at: 1_700_000_300_000, hostname: 'build-02' }))));
    expect(foreign).toMatchObject({ _tag: 'Done', outcome: { _tag: 'Held', basis: 'foreign-host' } });
  });
  it('A6 same host: Need PidAlive, then dead → takeover, alive → Held alive, unknown → Held pid-unknown', () => {
    const f = facts(valid(held()));
    expect(SL.acquireStep(f)).toEqual({ _tag: 'Need', probe: { _tag: 'PidAlive', pid: 4242 } });
    expect(SL.acquireStep({ ...f, pid_alive: 'dead' })).toMatchObject({ outcome: { _tag: 'TakenOver', reason: 'dead-holder-takeover', fence: 5 } });
    expect(SL.acquireStep({ ...f, pid_alive: 'alive' })).toMatchObject({ outcome: { _tag: 'Held', basis: 'alive' }, effects: [] });
    expect(SL.acquireStep({ ...f, pid_alive: 'unknown' })).toMatchObject({ outcome: { _tag: 'Held', basis: 'pid-unknown' }, effects: [] });
  });
  it('A7 foreign host fresh → Held foreign-host, no probe, no effect', () => {
    expect(SL.acquireStep(facts(valid(held({ hostname: 'build-02' }))))).toMatchObject({ _tag: 'Done', outcome: { _tag: 'Held', basis: 'foreign-host' }, effects: [] });
  });
  it('session-lock.md §13.1 a takeover audits the previous holder; ids sanitized, up to 128 characters, else unknown', () => {
    const old = held({ session_id: 's B;x', refreshed_at: 0 });
    const s = SL.acquireStep(facts(valid(old), { session_id: ' ;!' }));
    if (s._tag !== 'Done') throw new Error('stale never probes');
    expect(s.effects[1]).toEqual({
      _tag: 'Audit',
      kind: 'stale-takeover',
      workspace_hash: '0123456789ab',
      by_session: 'unknown',
      new_fence: 5,
      previous: { session_id: 'sBx', pid: 4242, hostname: 'laptop', refreshed_at: 0, fence: 4 },
    });
    const dead = SL.acquireStep({ ...facts(valid(held()), { session_id: 'x'.repeat(200) }), pid_alive: 'dead' });
    if (dead._tag !== 'Done') throw new Error('answered probe');
    expect(dead.effects[1]).toMatchObject({ kind: 'dead-holder-takeover', by_session: 'x'.repeat(128), previous: { session_id: 's-B' } });
    expect(dead.effects[1]).not.toHaveProperty('corrupt_detail');
    expect(SL.sanitizeAuditSession('')).toBe('unknown');
  });
  it('A4 comparison is exact and case-sensitive', () => {
    expect(SL.acquireStep(facts(valid(held({ session_id: 'S-A', hostname: 'build-02' }))))).toMatchObject({ outcome: { _tag: 'Held' } });
  });
});

describe('refresh and release rules (session-lock.md §8, session-lock.md §9)', () => {
  it('R5 held by us → Refreshed fence 7; R4 stale other → NotHolder other-session; R1 → absent', () => {
    expect(SL.refresh(facts(valid(held({ session_id: 's-A', fence: 7 }))))).toMatchObject({ outcome: { _tag: 'Refreshed', fence: 7 } });
    expect(SL.refresh(facts(valid(held({ refreshed_at: 0 }))))).toEqual({ _tag: 'Done', outcome: { _tag: 'NotHolder', reason: 'not-holder', basis: 'other-session' }, effects: [] });
    expect(SL.refresh(facts({ generation: 0, content: { _tag: 'Absent' } })).outcome).toMatchObject({ basis: 'absent' });
    expect(SL.refresh(facts({ generation: 3, content: { _tag: 'Corrupt', fence_floor: 3, detail: 'x' } })).outcome).toMatchObject({ basis: 'corrupt' });
  });
  it('L5 release keeps fence and identity; released → NotHolder released; other → untouched', () => {
    const r = SL.release(facts(valid(held({ session_id: 's-A', fence: 3 }))));
    expect(r.outcome).toMatchObject({ _tag: 'Released', fence: 3, record: { state: 'released', released_at: NOW, session_id: 's-A', fence: 3 } });
    const again = SL.release(facts(valid((r.outcome as { record: SL.LockRecord }).record)));
    expect(again).toEqual({ _tag: 'Done', outcome: { _tag: 'NotHolder', reason: 'not-holder', basis: 'released' }, effects: [] });
    expect(SL.release(facts(valid(held()))).outcome).toMatchObject({ basis: 'other-session' });
  });
});

describe('effects (session-lock.md §7.7)', () => {
  it('every acquire outcome but Held commits its record at the generation read; exactly the takeovers audit', () => {
    fc.assert(
      fc.property(factsArb, livenessArb, (f, ans) => {
        const { step } = runRound(f, ans);
        const o = step.outcome;
        if (o._tag === 'Held') {
          expect(step.effects).toEqual([]);
          return;
        }
        const commitLock = { _tag: 'CommitLock', workspace_hash: f.workspace_hash, expected_generation: f.snapshot.generation, record: o.record };
        if (o._tag !== 'TakenOver') {
          expect(step.effects).toEqual([commitLock]);
          return;
        }
        expect(step.effects[0]).toEqual(commitLock);
        expect(step.effects[1]).toMatchObject({ _tag: 'Audit', kind: o.reason, new_fence: o.fence, workspace_hash: f.workspace_hash });
        expect(step.effects).toHaveLength(2);
      }),
      { numRuns: 2_000 },
    );
  });
});

describe('decide and the message (session-lock.md §10, session-lock.md §11)', () => {
  it('D1–D3 examples', () => {
    expect(SL.decide(undefined)).toEqual({ _tag: 'Allow', reasons: ['no-result'] });
    const heldOutcome = SL.runAcquireRound(facts(valid(held())), () => 'alive').step.outcome;
    const v = SL.decide(heldOutcome);
    expect(v._tag).toBe('Block');
    if (v._tag === 'Block') expect(v.message.endsWith('(pid 4242) — wait or close that session first')).toBe(true);
    const stale = SL.runAcquireRound(facts(valid(held({ refreshed_at: 0 }))), () => 'alive').step.outcome;
    expect(SL.decide(stale)).toEqual({ _tag: 'Allow', reasons: ['stale-takeover'] });
  });
  it('D3 an outcome decodes only with a held record: a released record in it is no result', () => {
    const o = SL.runAcquireRound(facts({ generation: 0, content: { _tag: 'Absent' } }), () => 'alive').step.outcome;
    if (o._tag !== 'Acquired') throw new Error('absent must acquire');
    expect(SL.decide(o)).toEqual({ _tag: 'Allow', reasons: ['acquired'] });
    expect(SL.decide({ ...o, record: { ...o.record, state: 'released', released_at: NOW } })).toEqual({ _tag: 'Allow', reasons: ['no-result'] });
  });
  it('session-lock.md §11 table of rendered ids', () => {
    expect(SL.blockMessage({ session_id: '4f1c2a9e-77b0-4e55-9d1e-0c3b2f5a8e11', pid: 4242 })).toBe(
      'parallel session lock held by 4f1c2a9e-77b0-4e55-9d1e-0c3b2f5a8e11 (pid 4242) — wait or close that session first',
    );
    expect(SL.blockMessage({ session_id: 's B; rm -rf /', pid: 31 })).toBe('parallel session lock held by sBrm-rf (pid 31) — wait or close that session first');
    expect(SL.blockMessage({ session_id: '" \n "', pid: 0 })).toBe('parallel session lock held by unknown (pid ?) — wait or close that session first');
  });
  it('SL-24 rendering per host (session-lock.md §12.5): Claude exit 2 with the message on stderr, Codex the deny envelope, allow silent', () => {
    const v = SL.decide(SL.runAcquireRound(facts(valid(held())), () => 'alive').step.outcome);
    if (v._tag !== 'Block') throw new Error('a live same-host holder blocks');
    expect(SL.render('claude', v)).toEqual({ exit: 2, stdout: '', stderr: `${v.message}\n` });
    expect(SL.render('codex', v)).toEqual({
      exit: 0,
      stdout: `${JSON.stringify({ hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: 'deny', permissionDecisionReason: v.message } })}\n`,
      stderr: '',
    });
    for (const agent of ['claude', 'codex'] as const) expect(SL.render(agent, SL.decide(undefined))).toEqual({ exit: 0, stdout: '', stderr: '' });
  });
  it('session-lock.md §11 rule 3: the pid in decimal when it is an integer ≥ 1, else ?', () => {
    expect(SL.renderPid(1)).toBe('1');
    expect(SL.renderPid(SL.PID_MAX)).toBe('2147483647');
    expect(SL.renderPid(2 ** 60)).toBe('1152921504606846976'); // never exponent form
    for (const bad of [0, -1, 0.5, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '7', 7n, null, undefined]) expect(SL.renderPid(bad)).toBe('?');
  });
});

describe('record codec (session-lock.md §5)', () => {
  it('rejects released_at on a held record, a future schema, missing fields, out-of-range ttl, non-round-trip instants', () => {
    const ok = JSON.parse(SL.encodeRecord(held())) as Record<string, unknown>;
    expect(SL.decodeStored(JSON.stringify(ok), 1)._tag).toBe('Valid');
    for (const bad of [
      { ...ok, released_at: ok['refreshed_at'] },
      { ...ok, schema_version: 2 },
      { ...ok, ttl_ms: 999 },
      { ...ok, ttl_ms: SL.TTL_MAX_MS + 1 },
      { ...ok, pid: 0 },
      { ...ok, fence: 0 },
      { ...ok, session_id: '' },
      { ...ok, refreshed_at: '2026-01-01T00:00:00Z' },
      { ...ok, state: 'released' },
      Object.fromEntries(Object.entries(ok).filter(([k]) => k !== 'hostname')),
      [ok],
      'held',
      null,
      [{ ...ok, released_at: ok['refreshed_at'] }],
    ]) {
      expect(SL.decodeStored(JSON.stringify(bad), 5)).toMatchObject({ _tag: 'Corrupt', fence_floor: 5 });
    }
    expect(SL.decodeStored('\u0000\u00ff', 5)).toMatchObject({ _tag: 'Corrupt' });
  });
  it('a Corrupt snapshot carries the decoder message (session-lock.md §13.1 audits it)', () => {
    expect(SL.decodeStored('{"schema_version":1,', 7)).toEqual({ _tag: 'Corrupt', fence_floor: 7, detail: 'not valid JSON' });
    const ok = JSON.parse(SL.encodeRecord(held())) as Record<string, unknown>;
    expect(SL.decodeStored(JSON.stringify({ ...ok, released_at: ok['refreshed_at'] }), 7)).toEqual({
      _tag: 'Corrupt',
      fence_floor: 7,
      detail: 'released_at present on a held record',
    });
  });
  it('encode/decode round-trips every record and drops unknown fields', () => {
    fc.assert(
      fc.property(recordArb, (r) => {
        const text = SL.encodeRecord(r);
        const withExtra = JSON.stringify({ ...(JSON.parse(text) as object), extra: 1 });
        expect(SL.decodeStored(withExtra, 1)).toEqual({ _tag: 'Valid', record: r });
      }),
    );
  });
});

// ── the theorem catalogue ──────────────────────────────────────────────────────────────────────────────
describe('session-lock theorems', () => {
  it('SL-2 fence monotonicity: +1 on Acquired/TakenOver (floor+1 on corrupt), unchanged by Reacquired/Refreshed/Released', () => {
    fc.assert(
      fc.property(factsArb, livenessArb, (f, ans) => {
        const o = runRound(f, ans).step.outcome;
        const c = f.snapshot.content;
        const oldFence = c._tag === 'Valid' ? c.record.fence : c._tag === 'Corrupt' ? c.fence_floor : 0;
        if (o._tag === 'Acquired' || (o._tag === 'TakenOver' && o.reason !== 'corrupt-takeover')) expect(o.fence).toBe(oldFence + 1);
        if (o._tag === 'TakenOver' && o.reason === 'corrupt-takeover') expect(o.fence).toBe(oldFence + 1);
        if (o._tag === 'Reacquired') expect(o.fence).toBe(oldFence);
        if (o._tag !== 'Held') expect(o.record.fence).toBe(o.fence);
        const r = SL.refresh(f).outcome;
        if (r._tag === 'Refreshed') expect(r.fence).toBe(oldFence);
        const l = SL.release(f).outcome;
        if (l._tag === 'Released') expect(l.record.fence).toBe(oldFence);
      }),
      { numRuns: 2_000 },
    );
  });

  it('SL-3 fence survives release: acquire A, release A, acquire X → f + 1', () => {
    fc.assert(
      fc.property(factsArb, sessionArb, fc.integer({ min: 0, max: 10_000 }), (f0, other, dt) => {
        const f = { ...f0, snapshot: { generation: 0, content: { _tag: 'Absent' as const } } };
        const a = runRound(f, 'alive').step;
        if (a.outcome._tag === 'Held') throw new Error('absent must acquire');
        const fenceA = a.outcome.fence;
        const rel = SL.release({ session_id: f.session_id, now: f.now + dt, workspace_hash: f.workspace_hash, snapshot: valid(a.outcome.record, 1) });
        if (rel.outcome._tag !== 'Released') throw new Error('holder must release');
        for (const who of [f.session_id, other]) {
          const again = runRound({ ...f, session_id: who, now: f.now + 2 * dt, snapshot: valid(rel.outcome.record, 2) }, 'alive').step.outcome;
          expect(again).toMatchObject({ _tag: 'Acquired', fence: fenceA + 1 });
        }
      }),
    );
  });

  it('SL-4 reacquire is a pure renewal', () => {
    fc.assert(
      fc.property(factsArb, heldArb, (f, old) => {
        const mine = { ...old, session_id: f.session_id };
        const o = runRound({ ...f, snapshot: valid(mine, mine.fence) }, 'alive').step.outcome;
        expect(o).toEqual({
          _tag: 'Reacquired',
          reason: 'reacquired',
          fence: mine.fence,
          record: { ...mine, pid: f.my_pid, hostname: f.my_hostname, refreshed_at: f.now, ttl_ms: f.ttl_ms },
        });
      }),
    );
  });

  it('SL-5 refresh never steals: not held by us → NotHolder, no commit', () => {
    fc.assert(
      fc.property(factsArb, (f) => {
        const c = f.snapshot.content;
        const ours = c._tag === 'Valid' && c.record.state === 'held' && c.record.session_id === f.session_id;
        const r = SL.refresh(f);
        if (!ours) {
          expect(r.outcome._tag).toBe('NotHolder');
          expect(r.effects).toEqual([]);
        } else {
          if (r.outcome._tag !== 'Refreshed') throw new Error('the holder must refresh');
          // R5: the renewal is written, at the generation read (the driver writes exactly the CommitLock record)
          expect(r.outcome.record).toEqual({ ...c.record, pid: f.my_pid, hostname: f.my_hostname, refreshed_at: f.now, ttl_ms: f.ttl_ms });
          expect(r.effects).toEqual([{ _tag: 'CommitLock', workspace_hash: f.workspace_hash, expected_generation: f.snapshot.generation, record: r.outcome.record }]);
        }
      }),
      { numRuns: 2_000 },
    );
  });

  it('SL-6 release only by the holder, idempotently', () => {
    fc.assert(
      fc.property(factsArb, (f) => {
        const c = f.snapshot.content;
        const ours = c._tag === 'Valid' && c.record.state === 'held' && c.record.session_id === f.session_id;
        const r1 = SL.release(f);
        if (!ours) {
          expect(r1.effects).toEqual([]);
          return;
        }
        if (r1.outcome._tag !== 'Released') throw new Error('holder must release');
        // L5: the released record is written, at the generation read
        expect(r1.outcome.record).toEqual({ ...c.record, state: 'released', released_at: f.now });
        expect(r1.effects).toEqual([{ _tag: 'CommitLock', workspace_hash: f.workspace_hash, expected_generation: f.snapshot.generation, record: r1.outcome.record }]);
        const r2 = SL.release({ ...f, snapshot: valid(r1.outcome.record, f.snapshot.generation + 1) });
        expect(r2.outcome).toMatchObject({ _tag: 'NotHolder', basis: 'released' });
        expect(r2.effects).toEqual([]); // the store after two releases equals the store after one
      }),
    );
  });

  it('SL-7 exact staleness boundary: stale-takeover iff now − refreshed_at > ttl_ms', () => {
    fc.assert(
      fc.property(factsArb, heldArb, fc.integer({ min: -3, max: 3 }), livenessArb, (f, old0, delta, ans) => {
        const old = { ...old0, session_id: `${f.session_id}-other` };
        const now = old.refreshed_at + old.ttl_ms + delta;
        const o = runRound({ ...f, now, snapshot: valid(old, old.fence) }, ans).step.outcome;
        expect(o.reason === 'stale-takeover').toBe(now - old.refreshed_at > old.ttl_ms);
      }),
      { numRuns: 2_000 },
    );
  });

  it('SL-8 probe discipline: Need PidAlive iff valid, held, other session, fresh, same host; never twice; refresh/release never Need', () => {
    fc.assert(
      fc.property(factsArb, livenessArb, (f, ans) => {
        const first = SL.acquireStep(f);
        expect(first._tag === 'Need').toBe(probeAllowed(f));
        const { probed } = runRound(f, ans);
        expect(probed.length).toBe(probeAllowed(f) ? 1 : 0);
        if (first._tag === 'Need' && f.snapshot.content._tag === 'Valid') expect(first.probe.pid).toBe(f.snapshot.content.record.pid);
        expect((SL.refresh(f) as { _tag: string })._tag).toBe('Done');
        expect((SL.release(f) as { _tag: string })._tag).toBe('Done');
      }),
      { numRuns: 3_000 },
    );
  });

  it('SL-9 dead → dead-holder-takeover, alive → Held alive, unknown → Held pid-unknown', () => {
    fc.assert(
      fc.property(factsArb, livenessArb, (f, ans) => {
        fc.pre(probeAllowed(f));
        const o = runRound(f, ans).step.outcome;
        if (ans === 'dead') expect(o).toMatchObject({ _tag: 'TakenOver', reason: 'dead-holder-takeover' });
        if (ans === 'alive') expect(o).toMatchObject({ _tag: 'Held', basis: 'alive' });
        if (ans === 'unknown') expect(o).toMatchObject({ _tag: 'Held', basis: 'pid-unknown' });
      }),
    );
  });

  it('SL-10 fresh foreign-host record → Held foreign-host for every pid, no probe', () => {
    fc.assert(
      fc.property(factsArb, heldArb, (f, old0) => {
        const old = { ...old0, session_id: `${f.session_id}-x`, hostname: `${f.my_hostname}-foreign`, refreshed_at: f.now - Math.min(old0.ttl_ms, 1000) };
        const s = SL.acquireStep({ ...f, snapshot: valid(old, old.fence) });
        expect(s).toMatchObject({ _tag: 'Done', outcome: { _tag: 'Held', basis: 'foreign-host' } });
      }),
    );
  });

  it('SL-11 every Corrupt snapshot heals: corrupt-takeover, fence > floor, exactly one audit', () => {
    fc.assert(
      fc.property(factsArb, fc.integer({ min: 0, max: 1_000_000 }), fc.string(), (f, floor, detail) => {
        const s = SL.acquireStep({ ...f, snapshot: { generation: Math.max(floor, 1), content: { _tag: 'Corrupt', fence_floor: floor, detail } } });
        if (s._tag !== 'Done') throw new Error('corrupt never probes');
        expect(s.outcome).toMatchObject({ _tag: 'TakenOver', reason: 'corrupt-takeover', fence: floor + 1, corrupt_detail: detail });
        expect(s.effects.filter((e) => e._tag === 'Audit')).toEqual([
          { _tag: 'Audit', kind: 'corrupt-takeover', workspace_hash: f.workspace_hash, by_session: SL.sanitizeAuditSession(f.session_id), new_fence: floor + 1, previous: null, corrupt_detail: detail },
        ]);
      }),
    );
  });

  it('SL-12 totality and determinism', () => {
    fc.assert(
      fc.property(factsArb, livenessArb, fc.anything(), (f, ans, junk) => {
        expect(runRound(f, ans)).toEqual(runRound(f, ans));
        expect(SL.acquireStep({ ...f, pid_alive: ans })).toEqual(SL.acquireStep({ ...f, pid_alive: ans }));
        expect(SL.refresh(f)).toEqual(SL.refresh(f));
        expect(SL.release(f)).toEqual(SL.release(f));
        expect(SL.decide(junk)).toEqual(SL.decide(junk));
      }),
      { numRuns: 1_000 },
    );
  });

  it('SL-13 decide is fail-open for every value that is not a decodable outcome', () => {
    const wrongTag = fc.record({ _tag: fc.string(), reason: fc.string(), fence: fc.integer() });
    fc.assert(
      fc.property(fc.oneof(fc.anything(), wrongTag, fc.constant(undefined), fc.constant(null)), (u) => {
        const v = SL.decide(u);
        if (v._tag === 'Block') {
          // only a genuine Held outcome may block (SL-14 covers it); fc.anything() never builds one by accident
          expect((u as { _tag?: unknown })._tag).toBe('Held');
        } else if (typeof u !== 'object' || u === null || !['Acquired', 'Reacquired', 'TakenOver'].includes(String((u as { _tag?: unknown })._tag))) {
          expect(v).toEqual({ _tag: 'Allow', reasons: ['no-result'] });
        }
      }),
      { numRuns: 3_000 },
    );
    const hostile = new Proxy({}, { get: () => { throw new Error('boom'); } });
    expect(SL.decide(hostile)).toEqual({ _tag: 'Allow', reasons: ['no-result'] });
  });

  it('SL-14 decide(o) is a Block iff o decodes as Held', () => {
    fc.assert(
      fc.property(factsArb, livenessArb, (f, ans) => {
        const o = runRound(f, ans).step.outcome;
        expect(SL.decide(o)._tag === 'Block').toBe(o._tag === 'Held');
        if (o._tag !== 'Held') expect(SL.decide(o)).toEqual({ _tag: 'Allow', reasons: [o.reason] });
        // damaging a Held outcome's holder makes it undecodable → allow
        if (o._tag === 'Held') expect(SL.decide({ ...o, holder: { ...o.holder, pid: -1 } })._tag).toBe('Allow');
      }),
      { numRuns: 2_000 },
    );
  });

  it('SL-15 message safety for every holder id and pid', () => {
    const re = /^parallel session lock held by [A-Za-z0-9_.-]{1,64} \(pid (\d+|\?)\) — wait or close that session first$/;
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: 'binary', maxLength: 300 }), fc.anything()), fc.oneof(fc.integer(), fc.double(), fc.anything()), (sid, pid) => {
        const m = SL.blockMessage({ session_id: sid, pid });
        expect(m).toMatch(re);
        expect(/[\u0000-\u001f\u007f-\u009f]/.test(m)).toBe(false);
        const shown = /held by (.*) \(pid/.exec(m)?.[1] ?? '';
        if (typeof sid === 'string' && shown !== 'unknown') expect(sid.replace(/[^A-Za-z0-9_.-]/g, '').startsWith(shown)).toBe(true);
      }),
      { numRuns: 2_000 },
    );
  });

  it('SL-16 time-shift invariance of tag and reason', () => {
    const shiftRec = (r: SL.LockRecord, k: number): SL.LockRecord =>
      r.state === 'held'
        ? { ...r, acquired_at: r.acquired_at + k, refreshed_at: r.refreshed_at + k }
        : { ...r, acquired_at: r.acquired_at + k, refreshed_at: r.refreshed_at + k, released_at: r.released_at + k };
    fc.assert(
      fc.property(factsArb, livenessArb, fc.integer({ min: -1_000_000_000, max: 1_000_000_000 }), (f, ans, k) => {
        const c = f.snapshot.content;
        const shifted: SL.AcquireFacts = {
          ...f,
          now: f.now + k,
          snapshot: c._tag === 'Valid' ? valid(shiftRec(c.record, k), f.snapshot.generation) : f.snapshot,
        };
        const a = runRound(f, ans).step.outcome;
        const b = runRound(shifted, ans).step.outcome;
        expect([b._tag, b.reason]).toEqual([a._tag, a.reason]);
        expect(SL.refresh(shifted).outcome.reason).toBe(SL.refresh(f).outcome.reason);
        expect(SL.release(shifted).outcome.reason).toBe(SL.release(f).outcome.reason);
      }),
      { numRuns: 2_000 },
    );
  });

  it('table situations are what their labels say, with valid records that claim no future instant', () => {
    const situations = SL.tableSituations();
    expect(situations.map((s) => s.kind)).toEqual([...new Set(situations.map((s) => s.kind))]);
    for (const { kind, facts: f } of situations) {
      expect(f.workspace_hash).toMatch(/^[0-9a-f]{12}$/); // session-lock.md §4.1 W5
      const c = f.snapshot.content;
      expect(c._tag).toBe(kind === 'absent' ? 'Absent' : kind === 'corrupt' ? 'Corrupt' : 'Valid');
      if (c._tag === 'Absent') expect(f.snapshot.generation).toBe(0);
      if (c._tag !== 'Valid') continue;
      const r = c.record;
      expect(isRight(SL.LockRecordMem.decode(r))).toBe(true);
      expect(r.acquired_at).toBeLessThanOrEqual(r.refreshed_at);
      expect(r.refreshed_at).toBeLessThanOrEqual(f.now);
      if (r.state === 'released') expect(r.released_at).toBeGreaterThanOrEqual(r.refreshed_at);
      if (r.state === 'released') expect(r.released_at).toBeLessThanOrEqual(f.now);
      expect(r.state).toBe(kind.startsWith('released') ? 'released' : 'held');
      expect(r.session_id === f.session_id).toBe(/\bus\b/.test(kind));
      expect(r.hostname === f.my_hostname).toBe(!kind.includes('foreign host'));
      if (kind.includes('fresh')) expect(SL.isStale(r, f.now)).toBe(false);
      if (kind.includes('stale')) expect(SL.isStale(r, f.now)).toBe(true);
    }
  });

  it('table covers every reason code the acquire path can reach and is deterministic', () => {
    const t = SL.table();
    expect(t).toEqual(SL.table());
    const reasons = new Set(t.rows.map((r) => (r[3] ?? '').split(' ')[0]));
    for (const r of ['acquired', 'reacquired', 'stale-takeover', 'dead-holder-takeover', 'corrupt-takeover', 'held-by-other', 'no-result']) expect(reasons.has(r)).toBe(true);
    for (const row of t.rows) expect(row).toHaveLength(t.columns.length);
  });
});
