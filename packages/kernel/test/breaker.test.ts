/**
 * Circuit breaker (breaker.md): example suites for T1–T10, A1–A9, R1–R4, the codec (D1–D3) and
 * `restoreBook`, plus the property catalogue CB-1 … CB-16 (each test title starts with its id).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isLeft, isRight } from 'fp-ts/lib/Either.js';
import { breaker } from '@arbiter/kernel';
import { arbBook, arbBreakerState, arbConfig, arbEpochMs, arbSmallTaskId, deepFreeze } from './arb/convoy.js';

type S = breaker.BreakerState;
const cfg = breaker.DEFAULT_CONFIG; // threshold 3, cooldown 300 000, lease 3 600 000
const RUNS = { numRuns: 1000 };

const closed = (failures: number): S => ({ _tag: 'Closed', failures });
const open = (openedAt: number, lateFailures = 0): S => ({ _tag: 'Open', openedAt, lateFailures });
const half = (since: number, probe: breaker.Probe = { _tag: 'Free' }): S => ({ _tag: 'HalfOpen', since, probe });
const leased = (since: number, taskId: string, leasedAt: number): S => half(since, { _tag: 'Leased', taskId, leasedAt });
const F = (taskId = 't'): breaker.BreakerEvent => ({ _tag: 'Failure', taskId });
const OK = (taskId = 't'): breaker.BreakerEvent => ({ _tag: 'Success', taskId });
const REL = (taskId = 't'): breaker.BreakerEvent => ({ _tag: 'ProbeReleased', taskId });

const arbEvent: fc.Arbitrary<breaker.BreakerEvent> = fc.record({
  _tag: fc.constantFrom('Failure' as const, 'Success' as const, 'ProbeReleased' as const),
  taskId: arbSmallTaskId,
});

describe('transition (breaker.md §5)', () => {
  it('T1 counts failures below the threshold and trips at it (one below, at)', () => {
    expect(breaker.transition(cfg, closed(0), F(), 5)).toEqual({ state: closed(1), code: 'breaker-failure-counted' });
    expect(breaker.transition(cfg, closed(1), F(), 5)).toEqual({ state: closed(2), code: 'breaker-failure-counted' });
    expect(breaker.transition(cfg, closed(2), F(), 5)).toEqual({ state: open(5, 0), code: 'breaker-tripped' });
    // above: a Closed count already past the threshold (a lowered threshold) trips on the next failure
    expect(breaker.transition(cfg, closed(3), F(), 7)).toEqual({ state: open(7, 0), code: 'breaker-tripped' });
    expect(breaker.transition({ ...cfg, threshold: 1 }, closed(0), F(), 9)).toEqual({ state: open(9, 0), code: 'breaker-tripped' });
  });
  it('T2 success resets (f > 0) or reports success (f = 0)', () => {
    expect(breaker.transition(cfg, closed(2), OK(), 5)).toEqual({ state: closed(0), code: 'breaker-reset' });
    expect(breaker.transition(cfg, closed(1), OK(), 5)).toEqual({ state: closed(0), code: 'breaker-reset' });
    expect(breaker.transition(cfg, closed(0), OK(), 5)).toEqual({ state: closed(0), code: 'breaker-success' });
  });
  it('T3 a late failure while open keeps openedAt and counts (example 2)', () => {
    const t0 = 1_000_000;
    expect(breaker.transition(cfg, open(t0, 0), F(), t0 + 1_000)).toEqual({ state: open(t0, 1), code: 'breaker-late-failure' });
    expect(breaker.canAssign(cfg, open(t0, 1), 'x', t0 + 299_999).allowed).toBe(false);
    expect(breaker.canAssign(cfg, open(t0, 1), 'x', t0 + 300_000).allowed).toBe(true);
  });
  it('T4 a success while open changes nothing', () => {
    const s = open(10, 2);
    expect(breaker.transition(cfg, s, OK(), 99)).toEqual({ state: s, code: 'breaker-late-success' });
  });
  it('T5 the probe holder failing re-opens at now', () => {
    expect(breaker.transition(cfg, leased(1, 'p', 2), F('p'), 50)).toEqual({ state: open(50, 0), code: 'breaker-reopened' });
  });
  it('T6 the probe holder succeeding closes', () => {
    expect(breaker.transition(cfg, leased(1, 'p', 2), OK('p'), 50)).toEqual({ state: closed(0), code: 'breaker-closed' });
  });
  it('T7/T8 outcomes of other tasks leave half-open unchanged (example 3)', () => {
    const s = leased(1, 'a', 2);
    expect(breaker.transition(cfg, s, F('b'), 50)).toEqual({ state: s, code: 'breaker-late-failure' });
    expect(breaker.transition(cfg, s, OK('b'), 50)).toEqual({ state: s, code: 'breaker-late-success' });
    const free = half(1);
    expect(breaker.transition(cfg, free, F('b'), 50)).toEqual({ state: free, code: 'breaker-late-failure' });
    expect(breaker.transition(cfg, free, OK('b'), 50)).toEqual({ state: free, code: 'breaker-late-success' });
  });
  it('T9 releasing the probe frees the slot and keeps since', () => {
    expect(breaker.transition(cfg, leased(7, 'p', 8), REL('p'), 50)).toEqual({ state: half(7), code: 'breaker-probe-released' });
  });
  it('T10 any other release is a no-op', () => {
    for (const s of [closed(1), open(3, 1), half(3), leased(3, 'p', 4)]) {
      expect(breaker.transition(cfg, s, REL('q'), 50)).toEqual({ state: s, code: 'breaker-noop' });
    }
  });
});

describe('canAssign (breaker.md §6)', () => {
  const o = 1_000_000;
  it('A1 closed admits', () => {
    const s = closed(2);
    expect(breaker.canAssign(cfg, s, 't1', 5)).toEqual({ allowed: true, reason: 'admit-closed', state: s, retryAfterMs: null });
  });
  it('A2 an opening time in the future is refused and re-anchored (one above now; at now is A3)', () => {
    expect(breaker.canAssign(cfg, open(o + 1, 4), 't1', o)).toEqual({ allowed: false, reason: 'refuse-clock-skew', state: open(o, 4), retryAfterMs: 300_000 });
    const atNow = open(o, 4);
    const a = breaker.canAssign(cfg, atNow, 't1', o);
    expect(a).toEqual({ allowed: false, reason: 'refuse-cooling', state: atNow, retryAfterMs: 300_000 });
    expect(a.state).toBe(atNow); // unchanged: the input object itself, so assign persists nothing
  });
  it('A3/A4 cooldown boundary (examples 1, 2): one below refused with 1 ms left, at and one above admitted', () => {
    expect(breaker.canAssign(cfg, open(o), 't1', 1_299_999)).toEqual({ allowed: false, reason: 'refuse-cooling', state: open(o), retryAfterMs: 1 });
    expect(breaker.canAssign(cfg, open(o), 't1', 1_300_000)).toEqual({
      allowed: true,
      reason: 'admit-probe',
      state: leased(1_300_000, 't1', 1_300_000),
      retryAfterMs: null,
    });
    expect(breaker.canAssign(cfg, open(o), 't1', 1_300_001).reason).toBe('admit-probe');
    expect(breaker.canAssign({ ...cfg, cooldownMs: 0 }, open(o), 't1', o).reason).toBe('admit-probe');
  });
  it('example 3: two requests at the same now after the cooldown admit only the first', () => {
    const a = breaker.canAssign(cfg, open(o), 't1', 1_300_000);
    const b = breaker.canAssign(cfg, a.state, 't2', 1_300_000);
    expect([a.allowed, b.allowed, b.reason]).toEqual([true, false, 'refuse-probe-in-flight']);
    expect(b.retryAfterMs).toBe(3_600_000);
  });
  it('A5 a free probe slot is leased to the requester', () => {
    expect(breaker.canAssign(cfg, half(3), 't1', 10)).toEqual({ allowed: true, reason: 'admit-probe', state: leased(3, 't1', 10), retryAfterMs: null });
  });
  it('A6 the holder is admitted again and its lease renewed', () => {
    expect(breaker.canAssign(cfg, leased(3, 't1', 4), 't1', 10)).toEqual({ allowed: true, reason: 'admit-probe-again', state: leased(3, 't1', 10), retryAfterMs: null });
  });
  it('A7 a lease in the future is re-anchored and refuses for one lease (one above now; at now is A8)', () => {
    expect(breaker.canAssign(cfg, leased(3, 't2', 11), 't1', 10)).toEqual({ allowed: false, reason: 'refuse-probe-in-flight', state: leased(3, 't2', 10), retryAfterMs: 3_600_000 });
    // leased exactly at now: held = 0 is A8, so the state is the input object itself (nothing to re-anchor or persist)
    const atNow = leased(3, 't2', 10);
    const a = breaker.canAssign(cfg, atNow, 't1', 10);
    expect(a).toEqual({ allowed: false, reason: 'refuse-probe-in-flight', state: atNow, retryAfterMs: 3_600_000 });
    expect(a.state).toBe(atNow);
    expect(breaker.assign(cfg, { dev: atNow }, { taskId: 't1', agent: 'dev' }, 10).effects.map((e) => e._tag)).toEqual(['EmitEvent']);
  });
  it('A8/A9 lease boundary: one below refused, at and one above admitted', () => {
    const L = 3_600_000;
    expect(breaker.canAssign(cfg, leased(3, 't2', 100), 't1', 100 + L - 1)).toEqual({ allowed: false, reason: 'refuse-probe-in-flight', state: leased(3, 't2', 100), retryAfterMs: 1 });
    expect(breaker.canAssign(cfg, leased(3, 't2', 100), 't1', 100 + L)).toEqual({ allowed: true, reason: 'admit-probe-lease-expired', state: leased(3, 't1', 100 + L), retryAfterMs: null });
    expect(breaker.canAssign(cfg, leased(3, 't2', 100), 't1', 100 + L + 1).reason).toBe('admit-probe-lease-expired');
  });
  it('the expired holder\'s later outcome is ignored (T7/T8 after A9)', () => {
    const s = breaker.canAssign(cfg, leased(3, 't2', 100), 't1', 100 + 3_600_000).state;
    expect(breaker.transition(cfg, s, F('t2'), 200 + 3_600_000)).toEqual({ state: s, code: 'breaker-late-failure' });
  });
});

describe('assign (breaker.md §7)', () => {
  const req = { taskId: 't1', agent: 'dev', dependents: ['t5', 't6'] };
  const barred = (agent: string, at = 1_000_000): breaker.Book => ({ [agent]: open(at) });
  it('R1 a disabled breaker assigns the requested agent and keeps the book', () => {
    const book = barred('dev');
    const v = breaker.assign(null, book, req, 1_000_001);
    expect(v).toEqual({ _tag: 'Assign', agent: 'dev', reason: 'breaker-disabled', reasons: ['breaker-disabled'], book, effects: [{ _tag: 'AssignAgent', taskId: 't1', agent: 'dev', routedFrom: null }] });
  });
  it('R2 an allowed primary is assigned; a closed agent changes nothing and emits no event', () => {
    const v = breaker.assign(cfg, {}, req, 5);
    expect(v._tag).toBe('Assign');
    expect(v.effects).toEqual([{ _tag: 'AssignAgent', taskId: 't1', agent: 'dev', routedFrom: null }]);
    expect(v.book).toEqual({});
  });
  it('R2 a probe admission persists the book and emits an assignment event', () => {
    const v = breaker.assign(cfg, barred('dev'), req, 1_300_000);
    expect(v._tag).toBe('Assign');
    expect(v.reason).toBe('admit-probe');
    expect(v.book['dev']).toEqual(leased(1_300_000, 't1', 1_300_000));
    expect(v.effects).toEqual([
      { _tag: 'AssignAgent', taskId: 't1', agent: 'dev', routedFrom: null },
      { _tag: 'PersistBreakerBook', book: v.book },
      { _tag: 'EmitEvent', type: 'assignment', severity: 'info', code: 'admit-probe', taskId: 't1', agent: 'dev' },
    ]);
  });
  it('R3 a refused primary is routed to an admitted fallback (the fallback actually receives the task)', () => {
    const v = breaker.assign({ ...cfg, fallbackAgent: 'fb' }, barred('dev'), req, 1_000_010);
    expect(v).toMatchObject({ _tag: 'RouteToFallback', from: 'dev', to: 'fb', primaryReason: 'refuse-cooling', reason: 'breaker-fallback-routed' });
    expect(v.reasons).toEqual(['breaker-fallback-routed', 'refuse-cooling']);
    expect(v.effects).toEqual([
      { _tag: 'AssignAgent', taskId: 't1', agent: 'fb', routedFrom: 'dev' },
      { _tag: 'PersistBreakerBook', book: v.book },
      { _tag: 'EmitEvent', type: 'assignment', severity: 'warn', code: 'breaker-fallback-routed', taskId: 't1', agent: 'fb', data: { from: 'dev', primaryReason: 'refuse-cooling' } },
    ]);
  });
  it('R3 a fallback in half-open gets its probe lease in the next book', () => {
    const book: breaker.Book = { dev: open(1_000_000), fb: half(5) };
    const v = breaker.assign({ ...cfg, fallbackAgent: 'fb' }, book, req, 1_000_010);
    expect(v._tag).toBe('RouteToFallback');
    expect(v.book['fb']).toEqual(leased(5, 't1', 1_000_010));
  });
  it('R4 no fallback: refused and skipped with the cascade', () => {
    const book0 = barred('dev');
    const v = breaker.assign(cfg, book0, req, 1_000_010);
    expect(v).toMatchObject({ _tag: 'Refuse', reason: 'refuse-cooling', fallback: { _tag: 'none' }, disposition: 'skip', retryAfterMs: 299_990 });
    expect(v.reasons).toEqual(['refuse-cooling']);
    expect(v.book).toBe(book0);
    expect(v.effects).toEqual([
      { _tag: 'SetTaskStatus', taskId: 't1', status: 'skipped', reason: 'breaker-open' },
      { _tag: 'SkipTasks', taskIds: ['t5', 't6'], reason: 'dependency-skipped', cause: 't1' },
      { _tag: 'EmitEvent', type: 'assignment', severity: 'warn', code: 'refuse-cooling', taskId: 't1', agent: 'dev', data: { retryAfterMs: 299_990, fallback: 'none' } },
    ]);
    // a task without pending dependents still gets its (empty) cascade
    const w = breaker.assign(cfg, book0, { taskId: 't1', agent: 'dev' }, 1_000_010);
    expect(w.effects[1]).toEqual({ _tag: 'SkipTasks', taskIds: [], reason: 'dependency-skipped', cause: 't1' });
  });
  it('R4 a fallback equal to the agent is SAME_AGENT', () => {
    const v = breaker.assign({ ...cfg, fallbackAgent: 'dev' }, barred('dev'), req, 1_000_010);
    expect(v).toMatchObject({ _tag: 'Refuse', fallback: { _tag: 'same-agent' } });
    expect(v.effects[2]).toMatchObject({ data: { retryAfterMs: 299_990, fallback: 'same-agent' } });
  });
  it('R4 a refused fallback is REFUSED with its reason', () => {
    const book: breaker.Book = { dev: open(1_000_000), fb: open(1_000_005) };
    const v = breaker.assign({ ...cfg, fallbackAgent: 'fb' }, book, req, 1_000_010);
    expect(v).toMatchObject({ _tag: 'Refuse', fallback: { _tag: 'refused', agent: 'fb', reason: 'refuse-cooling' }, disposition: 'skip' });
    expect(v.book).toBe(book); // neither breaker changed: nothing to persist
    expect(v.effects.map((e) => e._tag)).toEqual(['SetTaskStatus', 'SkipTasks', 'EmitEvent']);
  });
  it('R4 a fallback refused after being re-anchored persists the fallback\'s new state', () => {
    const book: breaker.Book = { dev: open(1_000_000), fb: open(2_000_000) };
    const v = breaker.assign({ ...cfg, fallbackAgent: 'fb' }, book, req, 1_000_010);
    expect(v).toMatchObject({ _tag: 'Refuse', fallback: { _tag: 'refused', agent: 'fb', reason: 'refuse-clock-skew' } });
    expect(v.book).toEqual({ dev: open(1_000_000), fb: open(1_000_010) });
    expect(v.effects[0]).toEqual({ _tag: 'PersistBreakerBook', book: v.book });
  });
  it('R4 probe in flight defers (no skip, no cascade), and a re-anchored state is persisted', () => {
    const v = breaker.assign(cfg, { dev: leased(1, 'other', 10) }, req, 20);
    expect(v).toMatchObject({ _tag: 'Refuse', reason: 'refuse-probe-in-flight', disposition: 'defer' });
    expect(v.effects).toEqual([
      { _tag: 'EmitEvent', type: 'assignment', severity: 'info', code: 'refuse-probe-in-flight', taskId: 't1', agent: 'dev', data: { retryAfterMs: 3_599_990 } },
    ]);
    const w = breaker.assign(cfg, { dev: leased(1, 'other', 30) }, req, 20);
    expect(w.effects.map((e) => e._tag)).toEqual(['PersistBreakerBook', 'EmitEvent']);
    expect(w.book['dev']).toEqual(leased(1, 'other', 20));
  });
  it('R4 a refusal re-anchored by clock skew persists the book before skipping', () => {
    const v = breaker.assign(cfg, { dev: open(50) }, req, 20);
    expect(v.effects.map((e) => e._tag)).toEqual(['PersistBreakerBook', 'SetTaskStatus', 'SkipTasks', 'EmitEvent']);
  });
});

describe('book codec and restoreBook (breaker.md §8)', () => {
  it('encodes in the documented shape, omitting Closed {0}, sorted, keys in table order', () => {
    const book: breaker.Book = {
      zed: closed(0),
      b: open(Date.UTC(2026, 0, 2), 2),
      a: closed(2),
      '10': leased(Date.UTC(2026, 0, 1), 'task-1', Date.UTC(2026, 0, 1, 0, 0, 1)),
      '9': half(Date.UTC(2026, 0, 1)),
    };
    expect(breaker.encodeBook(book)).toBe(
      '{"version":1,"agents":{"10":{"state":"half-open","since":"2026-01-01T00:00:00.000Z","probe":{"task_id":"task-1","leased_at":"2026-01-01T00:00:01.000Z"}},' +
        '"9":{"state":"half-open","since":"2026-01-01T00:00:00.000Z","probe":null},"a":{"state":"closed","failures":2},' +
        '"b":{"state":"open","opened_at":"2026-01-02T00:00:00.000Z","late_failures":2}}}',
    );
  });
  it('absent raw gives an empty book', () => {
    expect(breaker.restoreBook(null, 5)).toEqual({ _tag: 'Right', right: { book: {}, quarantined: [], effects: [] } });
  });
  it.each([
    ['not JSON', '{'],
    ['not an object', '[1]'],
    ['null', 'null'],
    ['version 2', '{"version":2,"agents":{}}'],
    ['version "1"', '{"version":"1","agents":{}}'],
    ['no version', '{"agents":{}}'],
    ['agents an array', '{"version":1,"agents":[]}'],
    ['agents null', '{"version":1,"agents":null}'],
    ['empty agent key', '{"version":1,"agents":{"":{"state":"closed","failures":1}}}'],
    ['control character in agent key', '{"version":1,"agents":{"a\\u0007":{"state":"closed","failures":1}}}'],
    ['agent key of 129 characters', `{"version":1,"agents":{"${'a'.repeat(129)}":{"state":"closed","failures":1}}}`],
  ])('D3 unreadable document: %s', (_l, raw) => {
    const r = breaker.restoreBook(raw, 5);
    expect(isLeft(r) && r.left.reason).toBe('breaker-book-unreadable');
  });
  it('an agent key of exactly 128 characters is accepted', () => {
    const r = breaker.restoreBook(`{"version":1,"agents":{"${'a'.repeat(128)}":{"state":"closed","failures":1}}}`, 5);
    expect(isRight(r)).toBe(true);
  });
  it.each([
    ['unknown state', { state: 'ajar', failures: 1 }],
    ['missing key', { state: 'open', opened_at: '2026-01-01T00:00:00.000Z' }],
    ['extra key', { state: 'closed', failures: 1, last_failure_at: null }],
    ['negative count', { state: 'closed', failures: -1 }],
    ['fractional count', { state: 'closed', failures: 1.5 }],
    ['string count', { state: 'closed', failures: '1' }],
    ['open without opening time', { state: 'open', opened_at: null, late_failures: 0 }],
    ['non-canonical time (no ms)', { state: 'open', opened_at: '2026-01-01T00:00:00Z', late_failures: 0 }],
    ['impossible date', { state: 'open', opened_at: '2025-02-30T00:00:00.000Z', late_failures: 0 }],
    ['offset other than Z', { state: 'half-open', since: '2026-01-01T00:00:00.000+01:00', probe: null }],
    ['invalid task id', { state: 'half-open', since: '2026-01-01T00:00:00.000Z', probe: { task_id: 'a b', leased_at: '2026-01-01T00:00:00.000Z' } }],
    ['probe with extra key', { state: 'half-open', since: '2026-01-01T00:00:00.000Z', probe: { task_id: 'a', leased_at: '2026-01-01T00:00:00.000Z', x: 1 } }],
    ['probe missing a key', { state: 'half-open', since: '2026-01-01T00:00:00.000Z', probe: { task_id: 'a' } }],
    ['probe not an object', { state: 'half-open', since: '2026-01-01T00:00:00.000Z', probe: 'a' }],
    ['open entry with extra key', { state: 'open', opened_at: '2026-01-01T00:00:00.000Z', late_failures: 0, x: 1 }],
    ['half-open entry with extra key', { state: 'half-open', since: '2026-01-01T00:00:00.000Z', probe: null, x: 1 }],
    ['closed entry missing its count', { state: 'closed' }],
    ['half-open entry missing its probe', { state: 'half-open', since: '2026-01-01T00:00:00.000Z' }],
    ['negative late count', { state: 'open', opened_at: '2026-01-01T00:00:00.000Z', late_failures: -1 }],
    ['null', null],
    ['an array', [{ state: 'closed', failures: 1 }]],
    ['not an object', 3],
  ])('D1/D2 invalid entry is quarantined as Open at now: %s', (_l, entry) => {
    const raw = JSON.stringify({ version: 1, agents: { bad: entry, good: { state: 'closed', failures: 2 } } });
    const r = breaker.restoreBook(raw, 777);
    expect(r).toEqual({
      _tag: 'Right',
      right: {
        book: { bad: open(777, 0), good: closed(2) },
        quarantined: ['bad'],
        effects: [{ _tag: 'EmitEvent', type: 'breaker', severity: 'warn', code: 'breaker-entry-quarantined', agent: 'bad' }],
      },
    });
  });
  it('D1/D2 every quarantined agent is listed and reported once, sorted by name', () => {
    const bad = { state: 'open', opened_at: 'yesterday', late_failures: 0 };
    const raw = JSON.stringify({ version: 1, agents: { zed: bad, b: null, ok: { state: 'closed', failures: 1 }, a: bad } });
    const r = breaker.restoreBook(raw, 9);
    expect(isRight(r) && r.right.quarantined).toEqual(['a', 'b', 'zed']);
    expect(isRight(r) && r.right.effects.map((e) => e.agent)).toEqual(['a', 'b', 'zed']);
    expect(isRight(r) && r.right.book).toEqual({ zed: open(9), b: open(9), ok: closed(1), a: open(9) });
  });
  it('D1 the entry codec rejects null and non-objects without throwing, and encodes every state in table order', () => {
    for (const u of [null, undefined, 3, 'closed', [], { state: 'closed', failures: 1, extra: null }]) {
      const r = breaker.entryCodec.decode(u);
      expect(isLeft(r)).toBe(true);
    }
    expect(breaker.entryCodec.decode({ state: 'closed', failures: 1, x: 1 })).toMatchObject({ left: [{ message: 'closed entry: wrong keys' }] });
    // the right number of keys is not enough: a renamed key is a wrong key
    expect(breaker.entryCodec.decode({ state: 'closed', failurez: 1 })).toMatchObject({ left: [{ message: 'closed entry: wrong keys' }] });
    expect(breaker.entryCodec.decode({ state: 'open', opened_at: '2026-01-01T00:00:00.000Z', late_failures: 0, x: 1 })).toMatchObject({ left: [{ message: 'open entry: wrong keys' }] });
    expect(breaker.entryCodec.decode({ state: 'half-open', since: '2026-01-01T00:00:00.000Z', probe: null, x: 1 })).toMatchObject({ left: [{ message: 'half-open entry: wrong keys' }] });
    expect(breaker.entryCodec.decode({ state: 'half-open', since: '2026-01-01T00:00:00.000Z', probe: { task_id: 'a' } })).toMatchObject({ left: [{ message: 'probe: wrong keys' }] });
    expect(breaker.entryCodec.decode(null)).toMatchObject({ left: [{ message: 'unknown breaker state' }] });
    expect(breaker.entryCodec.decode({ state: 'open', opened_at: '1969-12-31T23:59:59.999Z', late_failures: 0 })).toMatchObject({ left: [{ message: 'instant before the epoch' }] });
    expect(breaker.entryCodec.decode({ state: 'open', opened_at: '1970-01-01T00:00:00.000Z', late_failures: 0 })).toEqual({ _tag: 'Right', right: open(0, 0) });
    expect(breaker.entryCodec.is(closed(0))).toBe(true);
    for (const u of [null, 3, { state: 'closed', failures: 0 }]) expect(breaker.entryCodec.is(u)).toBe(false);
    const t = Date.UTC(2026, 0, 1);
    expect(breaker.entryCodec.encode(closed(2))).toEqual({ state: 'closed', failures: 2 });
    expect(JSON.stringify(breaker.entryCodec.encode(open(t, 1)))).toBe('{"state":"open","opened_at":"2026-01-01T00:00:00.000Z","late_failures":1}');
    expect(JSON.stringify(breaker.entryCodec.encode(leased(t, 'p', t + 1)))).toBe(
      '{"state":"half-open","since":"2026-01-01T00:00:00.000Z","probe":{"task_id":"p","leased_at":"2026-01-01T00:00:00.001Z"}}',
    );
  });
  it('an agent named __proto__ is stored as an own entry, not a prototype', () => {
    const r = breaker.restoreBook('{"version":1,"agents":{"__proto__":{"state":"closed","failures":2}}}', 1);
    expect(isRight(r)).toBe(true);
    if (isRight(r)) {
      expect(breaker.stateOf(r.right.book, '__proto__')).toEqual(closed(2));
      expect(Object.getPrototypeOf(r.right.book)).toBe(Object.prototype);
    }
    expect(breaker.stateOf({}, '__proto__')).toEqual(closed(0));
    expect(breaker.stateOf({}, 'toString')).toEqual(closed(0));
  });
  it('bookCodec decodes only fully valid documents', () => {
    expect(isRight(breaker.bookCodec.decode({ version: 1, agents: { a: { state: 'closed', failures: 1 } } }))).toBe(true);
    expect(isLeft(breaker.bookCodec.decode({ version: 1, agents: { a: { state: 'closed', failures: -1 } } }))).toBe(true);
    expect(isLeft(breaker.bookCodec.decode({ version: 2, agents: {} }))).toBe(true);
  });
  it('bookCodec rejects a null book, null agents and a null entry without throwing, naming the reason', () => {
    expect(breaker.bookCodec.decode(null)).toMatchObject({ _tag: 'Left', left: [{ message: 'document is not an object' }] });
    expect(breaker.bookCodec.decode([])).toMatchObject({ _tag: 'Left', left: [{ message: 'document is not an object' }] });
    expect(breaker.bookCodec.decode('x')).toMatchObject({ _tag: 'Left', left: [{ message: 'document is not an object' }] });
    expect(breaker.restoreBook('3', 5)).toEqual({ _tag: 'Left', left: { _tag: 'BookUnreadable', reason: 'breaker-book-unreadable', detail: 'document is not an object' } });
    expect(breaker.bookCodec.decode({ version: 1, agents: null })).toMatchObject({ _tag: 'Left', left: [{ message: 'agents is not an object' }] });
    expect(breaker.bookCodec.decode({ version: 1, agents: [] })).toMatchObject({ _tag: 'Left', left: [{ message: 'agents is not an object' }] });
    expect(breaker.bookCodec.decode({ version: 1, agents: { a: null } })).toMatchObject({ _tag: 'Left', left: [{ message: 'invalid entry: unknown breaker state' }] });
    expect(breaker.bookCodec.decode({ version: 1, agents: { 'a\u0007': { state: 'closed', failures: 1 } } })).toMatchObject({ _tag: 'Left', left: [{ message: 'agent key is not an agent name' }] });
    expect(breaker.bookCodec.decode({ agents: {} })).toMatchObject({ _tag: 'Left', left: [{ message: 'unsupported version' }] });
    expect(breaker.restoreBook('{"version":1,"agents":null}', 5)).toEqual({ _tag: 'Left', left: { _tag: 'BookUnreadable', reason: 'breaker-book-unreadable', detail: 'agents is not an object' } });
    expect(breaker.restoreBook('{', 5)).toEqual({ _tag: 'Left', left: { _tag: 'BookUnreadable', reason: 'breaker-book-unreadable', detail: 'not valid JSON' } });
    expect(breaker.bookCodec.decode({ version: 1, agents: { b: { state: 'closed', failures: 1 }, a: { state: 'closed', failures: 0 } } })).toEqual({
      _tag: 'Right',
      right: { b: closed(1), a: closed(0) },
    });
    expect(breaker.bookCodec.is({})).toBe(true);
    expect(breaker.bookCodec.is(null)).toBe(false);
    expect(breaker.bookCodec.is(3)).toBe(false);
    expect(breaker.bookCodec.encode({ b: open(0, 1), a: closed(2), z: closed(0) })).toEqual({
      version: 1,
      agents: { a: { state: 'closed', failures: 2 }, b: { state: 'open', opened_at: '1970-01-01T00:00:00.000Z', late_failures: 1 } },
    });
    const enc = breaker.bookCodec.encode({ b: open(0, 1), a: closed(2) });
    expect(Object.keys(enc.agents)).toEqual(['a', 'b']);
    // plain data properties, as JSON.parse would give (an agent named __proto__ stays an own key)
    expect(Object.getOwnPropertyDescriptor(enc.agents, 'a')).toEqual({ value: { state: 'closed', failures: 2 }, enumerable: true, writable: true, configurable: true });
    expect(Object.keys(breaker.bookCodec.encode({ ['__proto__']: closed(1) } as breaker.Book).agents)).toEqual(['__proto__']);
  });
  it('BreakerConfigCodec fills defaults and rejects bad values and unknown keys', () => {
    expect(breaker.BreakerConfigCodec.decode({})).toEqual({ _tag: 'Right', right: breaker.DEFAULT_CONFIG });
    expect(breaker.BreakerConfigCodec.decode({ threshold: 1, cooldown_ms: 0, probe_lease_ms: 1, fallback_agent: 'fb' })).toEqual({
      _tag: 'Right',
      right: { threshold: 1, cooldownMs: 0, probeLeaseMs: 1, fallbackAgent: 'fb' },
    });
    for (const bad of [{ threshold: 0 }, { cooldown_ms: -1 }, { probe_lease_ms: 0 }, { fallback_agent: '' }, { threshold: 1.5 }, { treshold: 3 }, null, [], 'x']) {
      expect(isLeft(breaker.BreakerConfigCodec.decode(bad))).toBe(true);
    }
    expect(breaker.BreakerConfigCodec.decode({ threshold: 2, 'bad\u0007key': 1 })).toMatchObject({ left: [{ message: 'unknown key badkey' }] });
    expect(breaker.BreakerConfigCodec.decode(null)).toMatchObject({ left: [{ message: 'expected an object' }] });
    expect(breaker.BreakerConfigCodec.decode([])).toMatchObject({ left: [{ message: 'expected an object' }] });
    expect(breaker.BreakerConfigCodec.decode('x')).toMatchObject({ left: [{ message: 'expected an object' }] });
    expect(breaker.BreakerConfigCodec.decode({ '\u0007': 1 })).toMatchObject({ left: [{ message: 'unknown key ?' }] });
    expect(breaker.BreakerConfigCodec.decode({ ['k'.repeat(50)]: 1 })).toMatchObject({ left: [{ message: `unknown key ${'k'.repeat(40)}` }] });
    expect(breaker.BreakerConfigCodec.is(breaker.DEFAULT_CONFIG)).toBe(true);
    for (const u of [null, 3, { threshold: 3, cooldownMs: 1 }, { threshold: 3, probeLeaseMs: 1 }, { cooldownMs: 1, probeLeaseMs: 1 }]) expect(breaker.BreakerConfigCodec.is(u)).toBe(false);
    expect(breaker.BreakerConfigCodec.encode(breaker.DEFAULT_CONFIG)).toEqual({ threshold: 3, cooldown_ms: 300_000, probe_lease_ms: 3_600_000 });
    expect(breaker.BreakerConfigCodec.encode({ ...breaker.DEFAULT_CONFIG, fallbackAgent: 'fb' })).toEqual({ threshold: 3, cooldown_ms: 300_000, probe_lease_ms: 3_600_000, fallback_agent: 'fb' });
  });
});

describe('messages and table', () => {
  it('admission messages interpolate only a sanitized agent and whole seconds', () => {
    const a = breaker.canAssign(cfg, open(1_000_000), 't', 1_000_001);
    expect(breaker.admissionMessage('dev\u001b[31m; rm -rf', a)).toBe('agent dev31mrm-rf is barred by its circuit breaker; cooling down, retry in 300 s');
  });
  it('every admission reason has its fixed message; retry seconds are whole and rounded up', () => {
    const L = 3_600_000;
    const msg = (s: S, task: string, now: number): string => breaker.admissionMessage('dev', breaker.canAssign(cfg, s, task, now));
    expect(msg(closed(1), 't', 5)).toBe('agent dev may take the task (breaker closed)');
    expect(msg(open(0), 't', 300_000)).toBe('agent dev may take the task as its single probe');
    expect(msg(leased(1, 't', 2), 't', 5)).toBe('agent dev may take the task again (it already holds the probe)');
    expect(msg(leased(1, 'u', 2), 't', 2 + L)).toBe('agent dev may take the task as its probe (the previous probe lease expired)');
    expect(msg(open(0), 't', 299_000)).toBe('agent dev is barred by its circuit breaker; cooling down, retry in 1 s');
    expect(msg(open(0), 't', 298_999)).toBe('agent dev is barred by its circuit breaker; cooling down, retry in 2 s');
    expect(msg(open(0), 't', 299_999)).toBe('agent dev is barred by its circuit breaker; cooling down, retry in 1 s');
    expect(msg(open(10), 't', 5)).toBe('agent dev is barred by its circuit breaker; its opening time was in the future and was re-anchored, retry in 300 s');
    expect(msg(leased(1, 'u', 2), 't', 2 + L - 1_500)).toBe('agent dev is half-open and another task holds its probe; retry in at most 2 s');
    expect(breaker.admissionMessage('', breaker.canAssign(cfg, closed(0), 't', 5))).toBe('agent unknown may take the task (breaker closed)');
    expect(breaker.admissionMessage('a'.repeat(70), breaker.canAssign(cfg, closed(0), 't', 5))).toBe(`agent ${'a'.repeat(64)} may take the task (breaker closed)`);
    // a negative span (never produced by canAssign) renders as 0 s rather than a negative number
    expect(breaker.admissionMessage('dev', { allowed: false, reason: 'refuse-cooling', state: open(0), retryAfterMs: -5_000 })).toBe(
      'agent dev is barred by its circuit breaker; cooling down, retry in 0 s',
    );
  });
  it('safeAgent keeps handle characters, at most 64, and names an empty or non-string agent unknown', () => {
    expect(breaker.safeAgent('team/dev-1.x_y')).toBe('team/dev-1.x_y');
    expect(breaker.safeAgent('a b\u0000c')).toBe('abc');
    expect(breaker.safeAgent('b'.repeat(65))).toBe('b'.repeat(64));
    expect(breaker.safeAgent('')).toBe('unknown');
    expect(breaker.safeAgent(null)).toBe('unknown');
  });
  it('describeState renders every state in its fixed template (singular and plural, ISO instants, out-of-range raw)', () => {
    const t = Date.UTC(2026, 0, 2, 3, 4, 5, 6);
    expect(breaker.describeState(closed(0))).toBe('closed (0 consecutive failures)');
    expect(breaker.describeState(closed(1))).toBe('closed (1 consecutive failure)');
    expect(breaker.describeState(closed(2))).toBe('closed (2 consecutive failures)');
    expect(breaker.describeState(open(t, 1))).toBe('open since 2026-01-02T03:04:05.006Z (1 late failure)');
    expect(breaker.describeState(open(t, 0))).toBe('open since 2026-01-02T03:04:05.006Z (0 late failures)');
    expect(breaker.describeState(half(t))).toBe('half-open since 2026-01-02T03:04:05.006Z, probe free');
    expect(breaker.describeState(leased(t, 'task/1 x', t + 1))).toBe('half-open since 2026-01-02T03:04:05.006Z, probe leased to task/1x at 2026-01-02T03:04:05.007Z');
    expect(breaker.describeState(leased(t, '\u0007', t))).toBe('half-open since 2026-01-02T03:04:05.006Z, probe leased to ? at 2026-01-02T03:04:05.006Z');
    // the ISO range is [0, 9999-12-31T23:59:59.999Z]; outside it the raw number is printed
    expect(breaker.describeState(open(0, 2))).toBe('open since 1970-01-01T00:00:00.000Z (2 late failures)');
    expect(breaker.describeState(open(-1, 2))).toBe('open since -1 (2 late failures)');
    expect(breaker.describeState(open(253_402_300_799_999, 2))).toBe('open since 9999-12-31T23:59:59.999Z (2 late failures)');
    expect(breaker.describeState(open(253_402_300_800_000, 2))).toBe('open since 253402300800000 (2 late failures)');
  });
  it('table covers every admission reason and every transition code', () => {
    const tb = breaker.table();
    const cells = tb.rows.map((r) => r[3]);
    for (const code of ['admit-closed', 'refuse-clock-skew', 'refuse-cooling', 'admit-probe', 'admit-probe-again', 'refuse-probe-in-flight', 'admit-probe-lease-expired', 'breaker-tripped', 'breaker-failure-counted', 'breaker-reset', 'breaker-success', 'breaker-late-failure', 'breaker-late-success', 'breaker-reopened', 'breaker-closed', 'breaker-probe-released', 'breaker-noop']) {
      expect(cells).toContain(code);
    }
    expect(tb.rows.every((r) => r.length === tb.columns.length)).toBe(true);
  });
});

// ───────────────────────────────────────── properties ─────────────────────────────────────────

describe('properties (breaker.md §11)', () => {
  it('CB-1 no transition or canAssign takes Open to Closed; Closed is entered only from Closed or via T6', () => {
    fc.assert(
      fc.property(arbConfig, arbBreakerState, arbEvent, arbSmallTaskId, arbEpochMs, (c, s, e, task, now) => {
        const t = breaker.transition(c, s, e, now);
        const a = breaker.canAssign(c, s, task, now);
        if (s._tag === 'Open') {
          expect(t.state._tag).not.toBe('Closed');
          expect(a.state._tag).not.toBe('Closed');
        }
        if (t.state._tag === 'Closed') expect(s._tag === 'Closed' || t.code === 'breaker-closed').toBe(true);
        if (a.state._tag === 'Closed') expect(s._tag).toBe('Closed');
      }),
      RUNS,
    );
  });
  it('CB-2 Closed never becomes HalfOpen; HalfOpen is entered only through A4', () => {
    fc.assert(
      fc.property(arbConfig, arbBreakerState, arbEvent, arbSmallTaskId, arbEpochMs, (c, s, e, task, now) => {
        const t = breaker.transition(c, s, e, now);
        const a = breaker.canAssign(c, s, task, now);
        if (s._tag !== 'HalfOpen') expect(t.state._tag).not.toBe('HalfOpen');
        if (s._tag === 'Closed') expect(a.state._tag).not.toBe('HalfOpen');
        if (s._tag !== 'HalfOpen' && a.state._tag === 'HalfOpen') expect([s._tag, a.reason]).toEqual(['Open', 'admit-probe']);
      }),
      RUNS,
    );
  });
  it('CB-3 single probe: distinct tasks, non-decreasing now within one lease of the first admission → at most one admitted', () => {
    const arbStart = arbBreakerState.filter((s) => s._tag !== 'Closed');
    fc.assert(
      fc.property(arbConfig, arbStart, arbEpochMs, fc.array(fc.nat({ max: 2_000_000 }), { minLength: 1, maxLength: 12 }), (c, s0, t0, gaps) => {
        let s: S = s0;
        let now = t0;
        let firstAdmit: number | null = null;
        let admitted = 0;
        gaps.forEach((g, i) => {
          now += g;
          if (firstAdmit !== null && now - firstAdmit >= c.probeLeaseMs) return; // outside the window
          const a = breaker.canAssign(c, s, `task-${i}`, now);
          s = a.state;
          if (a.allowed) {
            admitted++;
            firstAdmit ??= now;
          }
        });
        expect(admitted).toBeLessThanOrEqual(1);
      }),
      RUNS,
    );
  });
  it('CB-4 cooldown boundary: for Open {o} with o ≤ now, allowed ⇔ now − o ≥ cooldownMs', () => {
    fc.assert(
      fc.property(arbConfig, arbEpochMs, fc.nat({ max: 2_000_000 }), fc.nat({ max: 10 }), (c, o, d, l) => {
        const now = o + d;
        expect(breaker.canAssign(c, open(o, l), 't', now).allowed).toBe(d >= c.cooldownMs);
        if (c.cooldownMs > 0) expect(breaker.canAssign(c, open(o, l), 't', o + c.cooldownMs - 1).allowed).toBe(false);
        expect(breaker.canAssign(c, open(o, l), 't', o + c.cooldownMs).allowed).toBe(true);
      }),
      RUNS,
    );
  });
  it('CB-5 monotone in time: allowed from Open at now implies allowed at every later now', () => {
    fc.assert(
      fc.property(arbConfig, arbEpochMs, fc.nat({ max: 10 }), arbEpochMs, fc.nat({ max: 10_000_000 }), (c, o, l, now, later) => {
        if (breaker.canAssign(c, open(o, l), 't', now).allowed) expect(breaker.canAssign(c, open(o, l), 't', now + later).allowed).toBe(true);
      }),
      RUNS,
    );
  });
  it('CB-6 late failures: Open {o, l} + Failure gives Open {o, l + 1} for every now', () => {
    fc.assert(
      fc.property(arbConfig, arbEpochMs, fc.nat({ max: 1000 }), arbSmallTaskId, arbEpochMs, (c, o, l, task, now) => {
        expect(breaker.transition(c, open(o, l), F(task), now).state).toEqual(open(o, l + 1));
      }),
      RUNS,
    );
  });
  it('CB-7 counting: k < threshold failures give Closed {k}, the threshold-th opens at now; success always resets', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), arbEpochMs, fc.nat({ max: 30 }), (threshold, now, f) => {
        const c = { ...cfg, threshold };
        let s: S = closed(0);
        for (let k = 1; k < threshold; k++) {
          s = breaker.transition(c, s, F(), now).state;
          expect(s).toEqual(closed(k));
        }
        expect(breaker.transition(c, s, F(), now).state).toEqual(open(now, 0));
        expect(breaker.transition(c, closed(f), OK(), now).state).toEqual(closed(0));
      }),
      RUNS,
    );
  });
  it('CB-8 one Failure changes at most one counter by exactly one, or the tag, never both', () => {
    fc.assert(
      fc.property(arbConfig, arbBreakerState, arbSmallTaskId, arbEpochMs, (c, s, task, now) => {
        const n = breaker.transition(c, s, F(task), now).state;
        if (n._tag !== s._tag) return; // the tag changed: T1 trip or T5 re-open, counters start afresh
        if (s._tag === 'Closed' && n._tag === 'Closed') expect(n.failures - s.failures).toBe(1);
        else if (s._tag === 'Open' && n._tag === 'Open') expect(n).toEqual(open(s.openedAt, s.lateFailures + 1));
        else expect(n).toEqual(s);
      }),
      RUNS,
    );
  });
  it('CB-9 in HalfOpen, events from tasks other than the lease holder leave the state equal', () => {
    fc.assert(
      fc.property(arbConfig, arbEpochMs, arbProbeArb(), arbEvent, arbEpochMs, (c, since, probe, e, now) => {
        const s = half(since, probe);
        fc.pre(probe._tag === 'Free' || probe.taskId !== e.taskId);
        expect(breaker.transition(c, s, e, now).state).toEqual(s);
      }),
      RUNS,
    );
  });
  it('CB-10 fallback: RouteToFallback implies primary refused, fallback different and admitted; an allowed primary is always assigned', () => {
    fc.assert(
      fc.property(arbConfig, arbBook, fc.constantFrom('developer', 'fallback', '__proto__'), arbSmallTaskId, arbEpochMs, (c, book, agent, taskId, now) => {
        const v = breaker.assign(c, book, { taskId, agent }, now);
        const p = breaker.canAssign(c, breaker.stateOf(book, agent), taskId, now);
        if (p.allowed) expect(v).toMatchObject({ _tag: 'Assign', agent });
        if (v._tag === 'RouteToFallback') {
          expect(p.allowed).toBe(false);
          expect(v.to).toBe(c.fallbackAgent);
          expect(v.to).not.toBe(agent);
          expect(breaker.canAssign(c, breaker.stateOf(book, v.to), taskId, now).allowed).toBe(true);
        }
      }),
      RUNS,
    );
  });
  it('CB-11 disabled breaker: assign always yields Assign with the requested agent and an unchanged book', () => {
    fc.assert(
      fc.property(arbBook, fc.string({ minLength: 1, maxLength: 8 }), arbSmallTaskId, arbEpochMs, (book, agent, taskId, now) => {
        const v = breaker.assign(null, deepFreeze(book), { taskId, agent }, now);
        expect(v._tag).toBe('Assign');
        expect(v._tag === 'Assign' && v.agent).toBe(agent);
        expect(v.book).toBe(book);
        expect(v.effects.some((e) => e._tag === 'PersistBreakerBook')).toBe(false);
      }),
      RUNS,
    );
  });
  it('CB-12 codec round trip: decode(encode(book)) is the book without Closed {0}; encode is canonical', () => {
    fc.assert(
      fc.property(arbBook, (book) => {
        const text = breaker.encodeBook(book);
        const r = breaker.restoreBook(text, 0);
        expect(isRight(r)).toBe(true);
        if (!isRight(r)) return;
        expect(r.right.quarantined).toEqual([]);
        const expected: Record<string, S> = {};
        for (const k of Object.keys(book)) {
          const s = book[k] as S;
          if (!(s._tag === 'Closed' && s.failures === 0)) Object.defineProperty(expected, k, { value: s, enumerable: true });
        }
        expect(Object.keys(r.right.book).sort()).toEqual(Object.keys(expected).sort());
        for (const k of Object.keys(expected)) expect(breaker.stateOf(r.right.book, k)).toEqual(expected[k]);
        expect(breaker.encodeBook(r.right.book)).toBe(text);
        const strict = breaker.bookCodec.decode(JSON.parse(text));
        expect(isRight(strict) && breaker.encodeBook(strict.right)).toBe(text);
      }),
      RUNS,
    );
  });
  it('CB-13 invalid timestamps: replacing any timestamp with a non-canonical value quarantines that agent as Open at now', () => {
    const arbBad = fc.oneof(
      fc.string({ maxLength: 30 }).filter((s) => !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(s)),
      fc.constant('NaN'),
      fc.constant(''),
      fc.double(),
      fc.integer(),
      fc.constant(null),
      fc.constantFrom('2025-02-30T00:00:00.000Z', '2026-13-01T00:00:00.000Z', '2026-01-01T00:00:00Z', '2026-01-01T24:00:00.000Z'),
    );
    const arbTimed = arbBreakerState.filter((s) => s._tag !== 'Closed');
    fc.assert(
      fc.property(arbTimed, arbBad, fc.nat({ max: 1 }), arbEpochMs, (s, bad, which, now) => {
        const entry = breaker.entryCodec.encode(s) as Record<string, unknown>;
        if (entry['state'] === 'open') entry['opened_at'] = bad;
        else if (which === 0 || entry['probe'] === null) entry['since'] = bad;
        else entry['probe'] = { ...(entry['probe'] as object), leased_at: bad };
        const r = breaker.restoreBook(JSON.stringify({ version: 1, agents: { a: entry } }), now);
        expect(r).toEqual({ _tag: 'Right', right: expect.objectContaining({ book: { a: open(now, 0) }, quarantined: ['a'] }) });
      }),
      RUNS,
    );
  });
  it('CB-14 skew bound: from future timestamps, repeated calls admit someone no later than first now + cooldown + lease', () => {
    const arbFuture = (now: number): fc.Arbitrary<S> =>
      fc.oneof(
        fc.integer({ min: 1, max: 10 ** 9 }).map((d) => open(now + d, 0)),
        fc.tuple(fc.integer({ min: 1, max: 10 ** 9 }), fc.integer({ min: 0, max: 10 ** 9 })).map(([d, e]) => leased(now + e, 'holder', now + d)),
      );
    fc.assert(
      fc.property(
        arbConfig,
        arbEpochMs.chain((now) => fc.tuple(fc.constant(now), arbFuture(now))),
        fc.array(fc.nat({ max: 400_000 }), { minLength: 1, maxLength: 40 }),
        (c, [t0, s0], gaps) => {
          const deadline = t0 + c.cooldownMs + c.probeLeaseMs;
          let s = s0;
          let now = t0;
          let i = 0;
          for (const g of [0, ...gaps, deadline - t0]) {
            now = Math.min(deadline, now + g);
            const a = breaker.canAssign(c, s, `t${i++}`, now);
            s = a.state;
            if (a.allowed) return;
          }
          throw new Error(`nobody admitted by ${deadline}`);
        },
      ),
      RUNS,
    );
  });
  it('CB-15 purity and totality: deep-frozen inputs, equal results on repeat, no throw', () => {
    fc.assert(
      fc.property(arbConfig, arbBook, arbBreakerState, arbEvent, fc.constantFrom('developer', 'fallback', '__proto__'), arbSmallTaskId, arbEpochMs, (c, book, s, e, agent, task, now) => {
        deepFreeze(c);
        deepFreeze(book);
        deepFreeze(s);
        deepFreeze(e);
        expect(breaker.transition(c, s, e, now)).toEqual(breaker.transition(c, s, e, now));
        expect(breaker.canAssign(c, s, task, now)).toEqual(breaker.canAssign(c, s, task, now));
        expect(breaker.assign(c, book, { taskId: task, agent }, now)).toEqual(breaker.assign(c, book, { taskId: task, agent }, now));
        expect(breaker.encodeBook(book)).toBe(breaker.encodeBook(book));
      }),
      RUNS,
    );
    fc.assert(fc.property(fc.oneof(fc.string(), fc.json()), arbEpochMs, (raw, now) => void breaker.restoreBook(raw, now)), RUNS);
  });

  it('CB-16 model-based: the allowed set matches a reference model; at most one unexpired lease holder', () => {
    type Cmd = fc.Command<Model, Real>;
    interface Model {
      tag: 'closed' | 'open' | 'half';
      failures: number;
      openedAt: number;
      late: number;
      holder: string | null;
      leasedAt: number;
      now: number;
    }
    interface Real {
      s: S;
      now: number;
      probes: Map<string, number>; // admitted probe holders still outstanding → leasedAt
    }
    const C = { threshold: 2, cooldownMs: 1_000, probeLeaseMs: 5_000, fallbackAgent: null };
    // Reference model: the breaker.md §5/breaker.md §6 rules written directly over a flat record.
    const modelRequest = (m: Model, task: string): boolean => {
      if (m.tag === 'closed') return true;
      if (m.tag === 'open') {
        if (m.openedAt > m.now) {
          m.openedAt = m.now;
          return false;
        }
        if (m.now - m.openedAt < C.cooldownMs) return false;
        m.tag = 'half';
        m.holder = task;
        m.leasedAt = m.now;
        return true;
      }
      if (m.holder === null || m.holder === task || m.now - m.leasedAt >= C.probeLeaseMs) {
        if (m.holder !== null && m.holder !== task && m.leasedAt > m.now) {
          m.leasedAt = m.now;
          return false;
        }
        m.holder = task;
        m.leasedAt = m.now;
        return true;
      }
      if (m.leasedAt > m.now) m.leasedAt = m.now;
      return false;
    };
    const modelOutcome = (m: Model, task: string, ok: boolean): void => {
      if (m.tag === 'closed') {
        if (ok) m.failures = 0;
        else if (++m.failures >= C.threshold) Object.assign(m, { tag: 'open', openedAt: m.now, late: 0, failures: 0 });
      } else if (m.tag === 'open') {
        if (!ok) m.late++;
      } else if (m.holder === task) {
        if (ok) Object.assign(m, { tag: 'closed', failures: 0, holder: null });
        else Object.assign(m, { tag: 'open', openedAt: m.now, late: 0, holder: null });
      }
    };
    const checkLeases = (r: Real): void => {
      const live = [...r.probes.values()].filter((at) => r.now - at < C.probeLeaseMs);
      expect(live.length).toBeLessThanOrEqual(1);
      if (r.s._tag === 'HalfOpen' && r.s.probe._tag === 'Leased') {
        const p = r.s.probe;
        for (const [task, at] of r.probes) if (task !== p.taskId) expect(r.now - at).toBeGreaterThanOrEqual(C.probeLeaseMs);
      }
    };
    const request = (task: string): Cmd => ({
      check: () => true,
      run: (m, r) => {
        const expected = modelRequest(m, task);
        const a = breaker.canAssign(C, r.s, task, r.now);
        r.s = a.state;
        expect(a.allowed).toBe(expected);
        if (a.allowed && a.reason !== 'admit-closed') r.probes.set(task, r.now);
        checkLeases(r);
      },
      toString: () => `request(${task})`,
    });
    const outcome = (task: string, ok: boolean): Cmd => ({
      check: () => true,
      run: (m, r) => {
        modelOutcome(m, task, ok);
        r.s = breaker.transition(C, r.s, ok ? OK(task) : F(task), r.now).state;
        r.probes.delete(task);
        checkLeases(r);
      },
      toString: () => `outcome(${task}, ${ok ? 'success' : 'failure'})`,
    });
    const release = (task: string): Cmd => ({
      check: () => true,
      run: (m, r) => {
        if (m.tag === 'half' && m.holder === task) m.holder = null;
        r.s = breaker.transition(C, r.s, REL(task), r.now).state;
        r.probes.delete(task);
        checkLeases(r);
      },
      toString: () => `release(${task})`,
    });
    const advance = (ms: number): Cmd => ({
      check: () => true,
      run: (m, r) => {
        m.now += ms;
        r.now += ms;
        checkLeases(r);
      },
      toString: () => `advance(${ms})`,
    });
    const task = fc.constantFrom('a', 'b', 'c', 'd');
    const cmds = [
      task.map(request),
      fc.tuple(task, fc.boolean()).map(([t, ok]) => outcome(t, ok)),
      task.map(release),
      fc.integer({ min: 0, max: 6_000 }).map(advance),
    ];
    fc.assert(
      fc.property(fc.commands(cmds, { maxCommands: 60 }), (cs) => {
        const m: Model = { tag: 'closed', failures: 0, openedAt: 0, late: 0, holder: null, leasedAt: 0, now: 10_000 };
        const r: Real = { s: closed(0), now: 10_000, probes: new Map() };
        fc.modelRun(() => ({ model: m, real: r }), cs);
      }),
      RUNS,
    );
  });
});

function arbProbeArb(): fc.Arbitrary<breaker.Probe> {
  return fc.oneof(
    fc.constant({ _tag: 'Free' } as const),
    fc.record({ _tag: fc.constant('Leased' as const), taskId: arbSmallTaskId, leasedAt: arbEpochMs }),
  );
}
