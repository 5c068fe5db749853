/**
 * Engine lock (engine-lock.md): example suites for L1–L5, the row decoder and the compare-and-set
 * statements, and the property catalogue LK-1 … LK-10 (LK-9, model-based, lives in io-memory's tests).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { engineLock as EL } from '@arbiter/kernel';
import { arbEpochMs, deepFreeze } from './arb/convoy.js';

const RUNS = { numRuns: 1000 };
const NOW = 1_700_000_000_000;
const self: EL.Token = { pid: 100, hostname: 'laptop', startedAt: NOW - 5_000 };
const at = (ms: number): EL.Heartbeat => ({ _tag: 'At', at: ms });
const row = (pid: number, hostname: string, startedAt: number, heartbeat: EL.Heartbeat): EL.Row => ({ _tag: 'Present', token: { pid, hostname, startedAt }, heartbeat });
const facts = (r: EL.Row, ownerLiveness: EL.Liveness = 'not-probed', now = NOW, store: 'ok' | 'busy' = 'ok'): EL.AcquireFacts => ({ store, row: r, self, ownerLiveness, now });

describe('decideAcquire (engine-lock.md §5)', () => {
  it('L1 busy store refuses', () => {
    expect(EL.decideAcquire(facts({ _tag: 'Absent' }, 'dead', NOW, 'busy'))).toMatchObject({ _tag: 'Refused', reason: 'lock-store-busy' });
  });
  it('L2 absent row acquires with an insert at now', () => {
    expect(EL.decideAcquire(facts({ _tag: 'Absent' }))).toEqual({ _tag: 'Acquire', reason: 'lock-free', reasons: ['lock-free'], effects: [{ _tag: 'InsertLockRow', self, heartbeat: NOW }] });
  });
  it('L3 corrupt row refuses', () => {
    expect(EL.decideAcquire(facts({ _tag: 'Corrupt' }, 'dead'))).toMatchObject({ _tag: 'Refused', reason: 'lock-row-corrupt' });
  });
  it('L4a our pid: our token is already held; another token refuses; never taken over even if probed dead', () => {
    expect(EL.decideAcquire(facts(row(100, 'laptop', NOW - 5_000, at(0)), 'dead'))).toMatchObject({ _tag: 'AlreadyHeld', reason: 'lock-already-ours' });
    expect(EL.decideAcquire(facts(row(100, 'laptop', NOW - 5_001, at(0)), 'dead'))).toMatchObject({ _tag: 'Refused', reason: 'lock-own-pid-other-token' });
  });
  it('L4b example 2: same host, other pid, probe dead, heartbeat 1 s old → take over with a compare-and-set on the old token', () => {
    const r = row(200, 'laptop', NOW - 9_000, at(NOW - 1_000));
    expect(EL.decideAcquire(facts(r, 'dead'))).toEqual({
      _tag: 'TakeOver',
      reason: 'lock-owner-dead',
      reasons: ['lock-owner-dead'],
      previous: { pid: 200, hostname: 'laptop', startedAt: NOW - 9_000 },
      effects: [{ _tag: 'ReplaceLockRowIf', expected: { pid: 200, hostname: 'laptop', startedAt: NOW - 9_000 }, next: self, heartbeat: NOW }],
    });
  });
  it('L4c/L4d example 3: alive or EPERM → held locally; unknown or not probed → liveness unknown', () => {
    const r = row(200, 'laptop', NOW - 9_000, at(NOW - 99_000));
    expect(EL.decideAcquire(facts(r, 'alive')).reason).toBe('lock-held-local');
    expect(EL.decideAcquire(facts(r, 'eperm')).reason).toBe('lock-held-local');
    expect(EL.decideAcquire(facts(r, 'unknown')).reason).toBe('lock-liveness-unknown');
    expect(EL.decideAcquire(facts(r, 'not-probed')).reason).toBe('lock-liveness-unknown');
  });
  it('hostnames compare exactly (case matters)', () => {
    expect(EL.decideAcquire(facts(row(200, 'Laptop', NOW, at(NOW - 30_001)), 'dead')).reason).toBe('lock-heartbeat-expired');
  });
  it('L5 example 1: foreign heartbeat age 29 999 and 30 000 refuse (retryAfter 2 and 1 ms), 30 001 takes over', () => {
    expect(EL.decideAcquire(facts(row(200, 'build-02', NOW, at(NOW - 29_999))))).toMatchObject({ _tag: 'Refused', reason: 'lock-held-remote', retryAfterMs: 2 });
    expect(EL.decideAcquire(facts(row(200, 'build-02', NOW, at(NOW - 30_000))))).toMatchObject({ _tag: 'Refused', reason: 'lock-held-remote', retryAfterMs: 1 });
    expect(EL.decideAcquire(facts(row(200, 'build-02', NOW, at(NOW - 30_001))))).toMatchObject({ _tag: 'TakeOver', reason: 'lock-heartbeat-expired' });
  });
  it('L5a unreadable foreign heartbeat refuses; a future one refuses with the wait', () => {
    expect(EL.decideAcquire(facts(row(200, 'build-02', NOW, { _tag: 'Unreadable' }))).reason).toBe('lock-heartbeat-unreadable');
    expect(EL.decideAcquire(facts(row(200, 'build-02', NOW, at(NOW + 10))))).toMatchObject({ reason: 'lock-held-remote', retryAfterMs: 30_011 });
  });
});

describe('row decoding and statements (engine-lock.md §3, engine-lock.md §6)', () => {
  const iso = (ms: number) => new Date(ms).toISOString();
  it('decodeRow: absent, corrupt columns, unreadable heartbeat kept apart', () => {
    expect(EL.decodeRow(null)).toEqual({ _tag: 'Absent' });
    for (const bad of [
      { pid: 0, hostname: 'h', started_at: iso(NOW), last_heartbeat: iso(NOW) },
      { pid: 1.5, hostname: 'h', started_at: iso(NOW), last_heartbeat: iso(NOW) },
      { pid: '7', hostname: 'h', started_at: iso(NOW), last_heartbeat: iso(NOW) },
      { pid: 7, hostname: '', started_at: iso(NOW), last_heartbeat: iso(NOW) },
      { pid: 7, hostname: 'h', started_at: '2026-01-01T00:00:00Z', last_heartbeat: iso(NOW) },
      { pid: 7, hostname: 'h', started_at: null, last_heartbeat: iso(NOW) },
    ]) {
      expect(EL.decodeRow(bad)).toEqual({ _tag: 'Corrupt' });
    }
    expect(EL.decodeRow({ pid: 7, hostname: 'h', started_at: iso(NOW), last_heartbeat: 'NaN' })).toEqual({ _tag: 'Present', token: { pid: 7, hostname: 'h', startedAt: NOW }, heartbeat: { _tag: 'Unreadable' } });
    expect(EL.decodeRow({ ...EL.encodeToken(self), last_heartbeat: iso(NOW) })).toMatchObject({ _tag: 'Present', heartbeat: at(NOW) });
  });
  it('livenessProbeFor: only our host and another pid', () => {
    expect(EL.livenessProbeFor(row(200, 'laptop', 0, at(0)), self)).toBe(200);
    expect(EL.livenessProbeFor(row(100, 'laptop', 0, at(0)), self)).toBeNull();
    expect(EL.livenessProbeFor(row(200, 'build-02', 0, at(0)), self)).toBeNull();
    expect(EL.livenessProbeFor({ _tag: 'Corrupt' }, self)).toBeNull();
  });
  it('heartbeat, release, takeover and insert outcomes', () => {
    expect(EL.heartbeatPlan(self, NOW)).toEqual({ _tag: 'UpdateHeartbeatIf', token: self, at: NOW });
    expect(EL.interpretHeartbeat(1)).toMatchObject({ _tag: 'Held', effects: [] });
    expect(EL.interpretHeartbeat(0)).toEqual({
      _tag: 'Lost',
      reason: 'lock-lost',
      effects: [{ _tag: 'StopDispatching', reason: 'lock-lost' }, { _tag: 'EmitEvent', type: 'lock', severity: 'error', code: 'lock-lost' }],
    });
    expect(EL.releasePlan(self)).toEqual({ _tag: 'DeleteLockRowIf', token: self });
    expect(EL.interpretRelease(1)._tag).toBe('Released');
    expect(EL.interpretRelease(0)).toMatchObject({ _tag: 'NotOwner', effects: [{ severity: 'info', code: 'lock-not-owner' }] });
    expect(EL.interpretTakeover(1)._tag).toBe('TakenOver');
    expect(EL.interpretTakeover(0)).toEqual({ _tag: 'Refused', reason: 'lock-race-lost' });
    expect(EL.interpretInsert('constraint')).toEqual({ _tag: 'Refused', reason: 'lock-race-lost' });
    expect(EL.fenceAllows(row(100, 'laptop', NOW - 5_000, at(0)), self)).toBe(true);
    expect(EL.fenceAllows(row(100, 'laptop', NOW - 4_999, at(0)), self)).toBe(false);
  });
  it('table covers every acquire reason', () => {
    const reasons = EL.table().rows.map((r) => r[3]).join(' ');
    for (const r of ['lock-store-busy', 'lock-free', 'lock-row-corrupt', 'lock-already-ours', 'lock-own-pid-other-token', 'lock-owner-dead', 'lock-held-local', 'lock-liveness-unknown', 'lock-heartbeat-unreadable', 'lock-heartbeat-expired', 'lock-held-remote', 'lock-race-lost']) {
      expect(reasons).toContain(r);
    }
  });
});

describe('whole verdicts and boundaries (engine-lock.md §3 to engine-lock.md §6)', () => {
  const iso = (ms: number) => new Date(ms).toISOString();
  const owner = (pid: number, hostname: string, startedAt: number): EL.Token => ({ pid, hostname, startedAt });
  const refusedWith = (reason: string, o: EL.Token | null, retryAfterMs: number | null = null) => ({ _tag: 'Refused', reason, reasons: [reason], owner: o, retryAfterMs, effects: [] });
  it('every Refused verdict carries its reason list, the owner when the row is readable, no wait unless L5c, and no effect', () => {
    expect(EL.decideAcquire(facts(row(200, 'build-02', NOW, at(NOW)), 'dead', NOW, 'busy'))).toEqual(refusedWith('lock-store-busy', null));
    expect(EL.decideAcquire(facts({ _tag: 'Corrupt' }))).toEqual(refusedWith('lock-row-corrupt', null));
    expect(EL.decideAcquire(facts(row(100, 'laptop', NOW - 1, at(NOW))))).toEqual(refusedWith('lock-own-pid-other-token', owner(100, 'laptop', NOW - 1)));
    expect(EL.decideAcquire(facts(row(200, 'laptop', NOW - 9_000, at(NOW)), 'eperm'))).toEqual(refusedWith('lock-held-local', owner(200, 'laptop', NOW - 9_000)));
    expect(EL.decideAcquire(facts(row(200, 'laptop', NOW - 9_000, at(NOW)), 'unknown'))).toEqual(refusedWith('lock-liveness-unknown', owner(200, 'laptop', NOW - 9_000)));
    expect(EL.decideAcquire(facts(row(300, 'build-02', NOW - 7, { _tag: 'Unreadable' })))).toEqual(refusedWith('lock-heartbeat-unreadable', owner(300, 'build-02', NOW - 7)));
    expect(EL.decideAcquire(facts(row(300, 'build-02', NOW - 7, at(NOW - 10_000))))).toEqual(refusedWith('lock-held-remote', owner(300, 'build-02', NOW - 7), 20_001));
  });
  it('L4a our own token is AlreadyHeld with no statement; L5b takes over with a compare-and-set on the foreign token', () => {
    expect(EL.decideAcquire(facts(row(100, 'laptop', NOW - 5_000, at(NOW - 99_000)), 'alive'))).toEqual({ _tag: 'AlreadyHeld', reason: 'lock-already-ours', reasons: ['lock-already-ours'], effects: [] });
    const prev = owner(300, 'build-02', NOW - 7);
    expect(EL.decideAcquire(facts(row(300, 'build-02', NOW - 7, at(NOW - 30_001)), 'not-probed', NOW + 3, 'ok'))).toEqual({
      _tag: 'TakeOver',
      reason: 'lock-heartbeat-expired',
      reasons: ['lock-heartbeat-expired'],
      previous: prev,
      effects: [{ _tag: 'ReplaceLockRowIf', expected: prev, next: self, heartbeat: NOW + 3 }],
    });
  });
  it('decodeRow: pid 1 is the smallest valid pid; NaN, Infinity and 2^53 are corrupt; the hostname must be a string', () => {
    const cols = { hostname: 'h', started_at: iso(NOW), last_heartbeat: iso(NOW) };
    expect(EL.decodeRow({ ...cols, pid: 1 })).toEqual({ _tag: 'Present', token: { pid: 1, hostname: 'h', startedAt: NOW }, heartbeat: at(NOW) });
    for (const pid of [Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, -1, null]) expect(EL.decodeRow({ ...cols, pid })).toEqual({ _tag: 'Corrupt' });
    for (const hostname of [null, 7, ['h'], undefined]) expect(EL.decodeRow({ ...cols, pid: 7, hostname })).toEqual({ _tag: 'Corrupt' });
  });
  it('decodeRow: an instant is canonical from the epoch on; before 1970 started_at is corrupt and the heartbeat unreadable', () => {
    const base = { pid: 7, hostname: 'h' };
    expect(EL.decodeRow({ ...base, started_at: '1970-01-01T00:00:00.000Z', last_heartbeat: '1970-01-01T00:00:00.000Z' })).toEqual({ _tag: 'Present', token: { pid: 7, hostname: 'h', startedAt: 0 }, heartbeat: at(0) });
    expect(EL.decodeRow({ ...base, started_at: '1969-12-31T23:59:59.999Z', last_heartbeat: iso(NOW) })).toEqual({ _tag: 'Corrupt' });
    expect(EL.decodeRow({ ...base, started_at: iso(NOW), last_heartbeat: '1969-12-31T23:59:59.999Z' })).toEqual({ _tag: 'Present', token: { pid: 7, hostname: 'h', startedAt: NOW }, heartbeat: { _tag: 'Unreadable' } });
    expect(EL.decodeRow({ ...base, started_at: iso(NOW), last_heartbeat: NOW })).toMatchObject({ heartbeat: { _tag: 'Unreadable' } });
  });
  it('encodeToken writes the three columns, started_at as a canonical instant', () => {
    expect(EL.encodeToken({ pid: 42, hostname: 'ci-7', startedAt: NOW + 1 })).toEqual({ pid: 42, hostname: 'ci-7', started_at: iso(NOW + 1) });
  });
  it('sameToken and fenceAllows: pid, hostname and startedAt must all match, and only a present row fences in', () => {
    expect(EL.sameToken(self, { ...self })).toBe(true);
    expect(EL.sameToken(self, { ...self, pid: 101 })).toBe(false);
    expect(EL.sameToken(self, { ...self, hostname: 'Laptop' })).toBe(false);
    expect(EL.sameToken(self, { ...self, startedAt: self.startedAt + 1 })).toBe(false);
    expect(EL.fenceAllows(row(101, 'laptop', NOW - 5_000, at(0)), self)).toBe(false);
    expect(EL.fenceAllows(row(100, 'build-02', NOW - 5_000, at(0)), self)).toBe(false);
    expect(EL.fenceAllows(row(100, 'laptop', NOW - 5_000, { _tag: 'Unreadable' }), self)).toBe(true);
    expect(EL.fenceAllows({ _tag: 'Absent' }, self)).toBe(false);
    expect(EL.fenceAllows({ _tag: 'Corrupt' }, self)).toBe(false);
  });
  it('statement outcomes: an insert that went in is Acquired; exactly one row holds, releases or takes over', () => {
    expect(EL.interpretInsert('inserted')).toEqual({ _tag: 'Acquired', reason: 'lock-free' });
    expect(EL.interpretHeartbeat(1)).toEqual({ _tag: 'Held', reason: 'lock-held', effects: [] });
    expect(EL.interpretRelease(1)).toEqual({ _tag: 'Released', reason: 'lock-released', effects: [] });
    expect(EL.interpretRelease(0)).toEqual({ _tag: 'NotOwner', reason: 'lock-not-owner', effects: [{ _tag: 'EmitEvent', type: 'lock', severity: 'info', code: 'lock-not-owner' }] });
    expect(EL.interpretTakeover(1)).toEqual({ _tag: 'TakenOver', reason: 'lock-taken-over' });
    for (const n of [2, -1]) {
      expect(EL.interpretTakeover(n)._tag).toBe('Refused');
      expect(EL.interpretHeartbeat(n)._tag).toBe('Lost');
      expect(EL.interpretRelease(n)._tag).toBe('NotOwner');
    }
  });
});

// ───────────────────────────────────────── properties ─────────────────────────────────────────

const arbHost = fc.constantFrom('laptop', 'build-02', 'Laptop');
const arbPid = fc.constantFrom(100, 200, 300);
const arbStarted = fc.constantFrom(NOW - 5_000, NOW - 9_000, NOW);
const arbHeartbeat: fc.Arbitrary<EL.Heartbeat> = fc.oneof(fc.constant({ _tag: 'Unreadable' } as const), arbEpochMs.map(at), fc.integer({ min: NOW - 100_000, max: NOW + 100_000 }).map(at));
const arbRow: fc.Arbitrary<EL.Row> = fc.oneof(
  fc.constant({ _tag: 'Absent' } as const),
  fc.constant({ _tag: 'Corrupt' } as const),
  fc.record({ _tag: fc.constant('Present' as const), token: fc.record({ pid: arbPid, hostname: arbHost, startedAt: arbStarted }), heartbeat: arbHeartbeat }),
);
const arbLiveness = fc.constantFrom<EL.Liveness>('alive', 'dead', 'eperm', 'unknown', 'not-probed');
const arbNow = fc.oneof(arbEpochMs, fc.integer({ min: NOW - 100_000, max: NOW + 100_000 }));
const arbFacts: fc.Arbitrary<EL.AcquireFacts> = fc.record({ store: fc.constantFrom<'ok' | 'busy'>('ok', 'busy'), row: arbRow, self: fc.constant(self), ownerLiveness: arbLiveness, now: arbNow });
const foreign = (r: EL.Row): boolean => r._tag === 'Present' && r.token.hostname !== self.hostname;

describe('properties (engine-lock.md §9)', () => {
  it('LK-1 an absent row with store ok gives Acquire', () => {
    fc.assert(fc.property(arbLiveness, arbNow, (l, now) => void expect(EL.decideAcquire(facts({ _tag: 'Absent' }, l, now))._tag).toBe('Acquire')), RUNS);
  });
  it('LK-2 foreign host, readable heartbeat: TakeOver ⇔ now − heartbeat > 30 000 (30 000 and 30 001 explicit)', () => {
    fc.assert(
      fc.property(arbPid, arbStarted, arbEpochMs, fc.integer({ min: -100_000, max: 100_000 }), arbLiveness, (pid, st, hb, d, l) => {
        const now = hb + d;
        const v = EL.decideAcquire(facts(row(pid, 'build-02', st, at(hb)), l, now));
        expect(v._tag === 'TakeOver').toBe(now - hb > 30_000);
        expect(EL.decideAcquire(facts(row(pid, 'build-02', st, at(hb)), l, hb + 30_000))._tag).toBe('Refused');
        expect(EL.decideAcquire(facts(row(pid, 'build-02', st, at(hb)), l, hb + 30_001))._tag).toBe('TakeOver');
      }),
      RUNS,
    );
  });
  it('LK-3 foreign host with an unreadable heartbeat is Refused for every now', () => {
    fc.assert(fc.property(arbPid, arbStarted, arbLiveness, arbNow, (pid, st, l, now) => void expect(EL.decideAcquire(facts(row(pid, 'build-02', st, { _tag: 'Unreadable' }), l, now))).toMatchObject({ _tag: 'Refused', reason: 'lock-heartbeat-unreadable' })), RUNS);
  });
  it('LK-4 same host, other pid: the verdict ignores the heartbeat, and TakeOver ⇔ liveness dead', () => {
    fc.assert(
      fc.property(fc.constantFrom(200, 300), arbStarted, arbHeartbeat, arbHeartbeat, arbLiveness, arbNow, (pid, st, h1, h2, l, now) => {
        const a = EL.decideAcquire(facts(row(pid, 'laptop', st, h1), l, now));
        const b = EL.decideAcquire(facts(row(pid, 'laptop', st, h2), l, now));
        expect(a).toEqual(b);
        expect(a._tag === 'TakeOver').toBe(l === 'dead');
      }),
      RUNS,
    );
  });
  it('LK-5 alive, eperm, unknown and not-probed all refuse (same host, other pid)', () => {
    fc.assert(
      fc.property(fc.constantFrom<EL.Liveness>('alive', 'eperm', 'unknown', 'not-probed'), fc.constantFrom(200, 300), arbStarted, arbHeartbeat, arbNow, (l, pid, st, hb, now) => {
        expect(EL.decideAcquire(facts(row(pid, 'laptop', st, hb), l, now))._tag).toBe('Refused');
      }),
      RUNS,
    );
  });
  it('LK-6 own token → AlreadyHeld; our pid with another token → Refused; our pid on our host is never taken over', () => {
    fc.assert(
      fc.property(arbStarted, arbHeartbeat, arbLiveness, arbNow, (st, hb, l, now) => {
        const v = EL.decideAcquire(facts(row(100, 'laptop', st, hb), l, now));
        expect(v._tag).toBe(st === self.startedAt ? 'AlreadyHeld' : 'Refused');
        expect(v._tag).not.toBe('TakeOver');
      }),
      RUNS,
    );
  });
  it('LK-7 a future heartbeat on a foreign host is Refused', () => {
    fc.assert(fc.property(arbPid, arbStarted, arbNow, fc.integer({ min: 1, max: 10 ** 9 }), arbLiveness, (pid, st, now, d, l) => void expect(EL.decideAcquire(facts(row(pid, 'build-02', st, at(now + d)), l, now))._tag).toBe('Refused')), RUNS);
  });
  it('LK-8 every heartbeat and release effect carries exactly the caller\'s token', () => {
    const arbToken = fc.record({ pid: fc.integer({ min: 1, max: 2 ** 31 }), hostname: fc.string({ minLength: 1 }), startedAt: arbEpochMs });
    fc.assert(
      fc.property(arbToken, arbNow, (tk, now) => {
        deepFreeze(tk);
        expect(EL.heartbeatPlan(tk, now).token).toBe(tk);
        expect(EL.releasePlan(tk).token).toBe(tk);
        expect(EL.heartbeatPlan(tk, now).at).toBe(now);
      }),
      RUNS,
    );
  });
  it('LK-10 a busy store refuses whatever the other facts', () => {
    fc.assert(fc.property(arbFacts, (f) => void expect(EL.decideAcquire({ ...f, store: 'busy' })).toMatchObject({ _tag: 'Refused', reason: 'lock-store-busy' })), RUNS);
  });
  it('fail direction: only a dead local pid or a foreign heartbeat older than 30 000 ms takes over; purity', () => {
    fc.assert(
      fc.property(arbFacts, (f) => {
        deepFreeze(f);
        const v = EL.decideAcquire(f);
        expect(EL.decideAcquire(f)).toEqual(v);
        if (v._tag === 'TakeOver') {
          const r = f.row as Extract<EL.Row, { _tag: 'Present' }>;
          if (foreign(r)) expect(r.heartbeat._tag === 'At' && f.now - r.heartbeat.at > 30_000).toBe(true);
          else expect(f.ownerLiveness).toBe('dead');
        }
      }),
      RUNS,
    );
  });
});
