/**
 * Session presence rules (presence.md §3 PR1–PR8) and their properties (presence.md §6 PR-P1–PR-P8; PR-P4, the store clock, is in presence-store.test.ts): units for each
 * rule, and fast-check properties over every event order, duplicated and lost events, clock skew between machines,
 * the silence that shows a session `gone`, and the decoder of a stored record.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { PRESENCE_GONE_AFTER_MS, presence as P, type PresenceEvent, type PresenceEventKind, type SessionPresence } from '@arbiter/kernel';
import { PRESENCE_DIRECT_MAX_UNITS, presenceFileName } from '@arbiter/io-node';

const T0 = 1_700_000_000_000;

const ev = (event: PresenceEventKind, at: number, over: Partial<PresenceEvent> = {}): PresenceEvent => ({
  session: 's1',
  agent: 'claude',
  event,
  at,
  host: 'h1',
  workspace: '/repo/.git',
  worktree: '/repo',
  branch: 'main',
  tool: event === 'pre-tool' || event === 'post-tool' || event === 'post-tool-failure' ? 'Bash' : null,
  ...over,
});

/** Fold events through `observe` as a store does: a `null` answer keeps the record. */
const fold = (events: ReadonlyArray<PresenceEvent>, start: SessionPresence | null = null): SessionPresence | null =>
  events.reduce<SessionPresence | null>((rec, e) => P.observe(rec, e) ?? rec, start);

const rank = (k: PresenceEventKind): number => P.PRESENCE_EVENTS.indexOf(k);
const byTime = (a: PresenceEvent, b: PresenceEvent): number => a.at - b.at || rank(a.event) - rank(b.event);

// Arbitraries -----------------------------------------------------------------------------------------------------

const kindArb = fc.constantFrom(...P.PRESENCE_EVENTS);
const textArb = fc.string({ maxLength: 20, unit: 'binary' });
const eventArb = (session = 's1'): fc.Arbitrary<PresenceEvent> =>
  fc.record({
    session: fc.constant(session),
    agent: fc.constantFrom(...P.PRESENCE_AGENTS),
    event: kindArb,
    at: fc.integer({ min: T0, max: T0 + 50 }),
    host: textArb,
    workspace: textArb,
    worktree: textArb,
    branch: fc.option(textArb, { nil: null }),
    tool: fc.option(textArb, { nil: null }),
  });
/** Events of one session with pairwise distinct (at, rank). */
const distinctEventsArb = fc.uniqueArray(eventArb(), { minLength: 1, maxLength: 12, selector: (e) => `${e.at}/${e.event}` });

/** Records exactly as observe produces them: any fold of recordable events. */
const recordArb: fc.Arbitrary<SessionPresence> = fc
  .array(
    fc.record({
      session: fc.string({ minLength: 1, maxLength: 30, unit: 'binary' }),
      agent: fc.constantFrom(...P.PRESENCE_AGENTS),
      event: kindArb,
      at: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
      host: textArb,
      workspace: textArb,
      worktree: textArb,
      branch: fc.option(textArb, { nil: null }),
      tool: fc.option(textArb, { nil: null }),
    }),
    { minLength: 1, maxLength: 5 },
  )
  .map((es) => fold(es.map((e) => ({ ...e, session: es[0]!.session })).sort(byTime)))
  .filter((r): r is SessionPresence => r !== null);

const KEYS: ReadonlyArray<keyof SessionPresence> = [
  'v', 'session', 'agent', 'host', 'workspace', 'worktree', 'branch', 'state', 'lastEvent', 'lastEventAt', 'lastTool', 'firstSeenAt', 'stateSince',
];

// Units -----------------------------------------------------------------------------------------------------------

describe('presence rules (presence.md §3)', () => {
  it('PR1: an event without a session id, with an unknown kind or agent, a bad time or an over-long field is not recorded', () => {
    expect(P.observe(null, ev('prompt', T0))).not.toBeNull();
    expect(P.observe(null, ev('prompt', T0, { session: '' }))).toBeNull();
    expect(P.observe(null, ev('prompt', T0, { agent: 'robot' as never }))).toBeNull();
    expect(P.observe(null, { ...ev('prompt', T0), event: 'reboot' as never })).toBeNull();
    expect(P.observe(null, ev('prompt', -1))).toBeNull();
    expect(P.observe(null, ev('prompt', 1.5))).toBeNull();
    expect(P.observe(null, ev('prompt', Number.NaN))).toBeNull();
    expect(P.observe(null, ev('prompt', T0, { branch: 'x'.repeat(P.PRESENCE_FIELD_MAX) }))).not.toBeNull();
    expect(P.observe(null, ev('prompt', T0, { branch: 'x'.repeat(P.PRESENCE_FIELD_MAX + 1) }))).toBeNull();
    expect(P.observe(null, ev('prompt', T0, { host: 'x'.repeat(P.PRESENCE_FIELD_MAX + 1) }))).toBeNull();
  });

  it('PR2: an event older than the last one is late and changes nothing; an event of another session is refused', () => {
    const r = P.observe(null, ev('stop', T0 + 10))!;
    expect(P.observe(r, ev('prompt', T0 + 9))).toBeNull();
    expect(P.observe(r, ev('prompt', T0 + 11, { session: 's2' }))).toBeNull();
    expect(P.observe(r, ev('prompt', T0 + 11))?.state).toBe('working');
  });

  it('PR3: at equal times the event later in a session life wins', () => {
    const stop = P.observe(null, ev('stop', T0))!;
    expect(P.observe(stop, ev('prompt', T0))).toBeNull();
    expect(P.observe(stop, ev('session-end', T0))?.state).toBe('gone');
    const git = P.observe(null, ev('git', T0, { agent: 'git' }))!;
    expect(P.observe(git, ev('session-start', T0))?.state).toBe('idle');
  });

  it('PR4: each event leaves its state (start idle, prompt and tools working, notification waiting, stop idle, end gone, git and cli working)', () => {
    const want: Record<PresenceEventKind, string> = {
      'session-start': 'idle',
      prompt: 'working',
      'pre-tool': 'working',
      'post-tool': 'working',
      'post-tool-failure': 'working',
      notification: 'waiting',
      stop: 'idle',
      'session-end': 'gone',
      git: 'working',
      cli: 'working',
    };
    for (const k of P.PRESENCE_EVENTS) {
      expect(P.stateAfter(k)).toBe(want[k]);
      expect(P.observe(null, ev(k, T0))?.state).toBe(want[k]);
    }
  });

  it('PR5: identity follows the newest event, the agent only an agent event, the tool only tool events, stateSince only state changes', () => {
    const a = P.observe(null, ev('git', T0, { agent: 'git', tool: null }))!;
    expect(a).toMatchObject({ agent: 'git', firstSeenAt: T0, stateSince: T0, lastTool: null });
    const b = P.observe(a, ev('pre-tool', T0 + 1, { tool: 'Edit', branch: 'feat', host: 'h2' }))!;
    expect(b).toMatchObject({ agent: 'claude', branch: 'feat', host: 'h2', lastTool: 'Edit', stateSince: T0, firstSeenAt: T0 });
    const c = P.observe(b, ev('git', T0 + 2, { agent: 'git', branch: null }))!;
    expect(c).toMatchObject({ agent: 'claude', branch: null, lastTool: 'Edit', lastEvent: 'git', stateSince: T0 });
    const d = P.observe(c, ev('notification', T0 + 3))!;
    expect(d).toMatchObject({ state: 'waiting', stateSince: T0 + 3, lastTool: 'Edit', firstSeenAt: T0 });
    const e = P.observe(d, ev('stop', T0 + 4, { agent: 'codex' }))!;
    expect(e).toMatchObject({ agent: 'codex', state: 'idle', stateSince: T0 + 4 });
  });

  it('PR6: an event that would change nothing writes nothing (the same event twice)', () => {
    const r = P.observe(null, ev('pre-tool', T0))!;
    expect(P.observe(r, ev('pre-tool', T0))).toBeNull();
    expect(P.observe(r, ev('pre-tool', T0, { tool: 'Edit' }))).not.toBeNull();
  });

  it('PR1: every text field is limited, the session id too; a tool event without a tool and a null branch are recorded', () => {
    const long = 'x'.repeat(P.PRESENCE_FIELD_MAX + 1);
    for (const field of ['session', 'host', 'workspace', 'worktree', 'branch', 'tool'] as const) {
      expect(P.isRecordable(ev('pre-tool', T0, { [field]: 'x'.repeat(P.PRESENCE_FIELD_MAX) }))).toBe(true);
      expect(P.isRecordable(ev('pre-tool', T0, { [field]: long }))).toBe(false);
      expect(P.observe(null, ev('pre-tool', T0, { [field]: long }))).toBeNull();
    }
    expect(P.isRecordable(ev('pre-tool', T0, { host: 3 as never }))).toBe(false);
    expect(P.isRecordable(ev('pre-tool', T0, { at: 0 }))).toBe(true);
    expect(P.isRecordable(ev('pre-tool', T0, { at: '5' as never }))).toBe(false);
    expect(P.observe(null, ev('pre-tool', T0, { tool: null, branch: null }))).toMatchObject({ lastTool: null, branch: null });
  });

  it('PR6: an event that changes any one field of the record writes it; samePresence compares every field', () => {
    const r = P.observe(null, ev('pre-tool', T0))!;
    const changes: ReadonlyArray<readonly [Partial<PresenceEvent>, Partial<SessionPresence>]> = [
      [{ host: 'h2' }, { host: 'h2' }],
      [{ workspace: '/other/.git' }, { workspace: '/other/.git' }],
      [{ worktree: '/other' }, { worktree: '/other' }],
      [{ branch: 'feat' }, { branch: 'feat' }],
      [{ branch: null }, { branch: null }],
      [{ tool: 'Edit' }, { lastTool: 'Edit' }],
      [{ agent: 'codex' }, { agent: 'codex' }],
    ];
    for (const [e, want] of changes) expect(P.observe(r, ev('pre-tool', T0, e))).toEqual({ ...r, ...want });
    expect(P.observe(r, ev('post-tool', T0))).toMatchObject({ lastEvent: 'post-tool', state: 'working', stateSince: T0 });
    expect(P.observe(r, ev('pre-tool', T0 + 1))).toMatchObject({ lastEventAt: T0 + 1, stateSince: T0, firstSeenAt: T0 });
    for (const k of KEYS) {
      const other = { ...r, [k]: k === 'v' ? 2 : typeof r[k] === 'number' ? (r[k] as number) + 1 : `${String(r[k])}-x` } as SessionPresence;
      expect(P.samePresence(r, other)).toBe(false);
      expect(P.samePresence(other, r)).toBe(false);
    }
    expect(P.samePresence(r, { ...r })).toBe(true);
  });

  it('PR7: shown gone after 30 minutes of silence, from the recorded state before; a record from the future shows its state', () => {
    const r = P.observe(null, ev('prompt', T0))!;
    expect(P.shownState(r, T0 + PRESENCE_GONE_AFTER_MS - 1)).toBe('working');
    expect(P.shownState(r, T0 + PRESENCE_GONE_AFTER_MS)).toBe('gone');
    expect(P.shownState(r, T0 - 60_000)).toBe('working');
  });

  it('PR8: decodePresence: a record round-trips; null, arrays, extra or missing keys, wrong types are Corrupt; v 2 is Newer', () => {
    const r = P.observe(null, ev('pre-tool', T0))!;
    expect(P.decodePresence(JSON.parse(JSON.stringify(r)))).toEqual({ _tag: 'Ok', presence: r });
    expect(P.decodePresence(null)._tag).toBe('Corrupt');
    expect(P.decodePresence([r])._tag).toBe('Corrupt');
    expect(P.decodePresence({ ...r, extra: 1 })._tag).toBe('Corrupt');
    const { host: _h, ...missing } = r;
    expect(P.decodePresence(missing)._tag).toBe('Corrupt');
    expect(P.decodePresence({ ...r, lastEventAt: '1' })).toEqual({ _tag: 'Corrupt', detail: 'bad lastEventAt' });
    expect(P.decodePresence({ ...r, state: 'sleeping' })._tag).toBe('Corrupt');
    expect(P.decodePresence({ ...r, v: 0 })._tag).toBe('Corrupt');
    expect(P.decodePresence({ ...r, v: 1.5 })._tag).toBe('Corrupt');
    expect(P.decodePresence({ v: 2, anything: true })).toEqual({ _tag: 'Newer', version: 2 });
    expect(P.decodePresence(JSON.parse('{"__proto__":{"v":1},"v":1}'))._tag).toBe('Corrupt');
  });

  it('PR8: each kind of corrupt record says why; a stored value reads as a record, a newer or a corrupt problem under its key', () => {
    const r = P.observe(null, ev('pre-tool', T0))!;
    expect(P.decodePresence('x')).toEqual({ _tag: 'Corrupt', detail: 'not an object' });
    expect(P.decodePresence({ ...r, v: '1' })).toEqual({ _tag: 'Corrupt', detail: 'unknown version' });
    expect(P.decodePresence({ ...r, extra: 1 })).toEqual({ _tag: 'Corrupt', detail: 'missing or extra keys' });
    const { host: _h, ...missing } = r;
    expect(P.decodePresence({ ...missing, other: 'h1' })).toEqual({ _tag: 'Corrupt', detail: 'missing or extra keys' });
    expect(P.decodePresence({ ...r, session: '' })).toEqual({ _tag: 'Corrupt', detail: 'bad session' });
    expect(P.decodePresence({ ...r, session: 'x'.repeat(P.PRESENCE_FIELD_MAX + 1) })).toEqual({ _tag: 'Corrupt', detail: 'bad session' });
    expect(P.decodePresence({ ...r, agent: 'robot' })).toEqual({ _tag: 'Corrupt', detail: 'bad agent' });
    expect(P.decodePresence({ ...r, lastEvent: 'reboot' })).toEqual({ _tag: 'Corrupt', detail: 'bad lastEvent' });
    expect(P.decodePresence({ ...r, v: Number.MAX_SAFE_INTEGER + 1 })).toEqual({ _tag: 'Corrupt', detail: 'unknown version' });
    expect(P.decodePresence({ ...r, v: 2.5 })).toEqual({ _tag: 'Corrupt', detail: 'unknown version' });

    expect(P.storedRecordOf('k', JSON.parse(JSON.stringify(r)))).toEqual(r);
    expect(P.storedRecordOf('k', { v: 7 })).toEqual({ key: 'k', kind: 'newer', detail: 'version 7' });
    expect(P.storedRecordOf('k', [])).toEqual({ key: 'k', kind: 'corrupt', detail: 'not an object' });
    expect(P.readStoredRecord('f.json', JSON.stringify(r))).toEqual(r);
    expect(P.readStoredRecord('f.json', '{"v":1')).toEqual({ key: 'f.json', kind: 'corrupt', detail: 'not JSON' });
    expect(P.readStoredRecord('f.json', '{"v":3}')).toEqual({ key: 'f.json', kind: 'newer', detail: 'version 3' });
    expect(P.isPresenceProblem(r)).toBe(false);
    expect(P.isPresenceProblem({ key: 'k', kind: 'corrupt', detail: 'not JSON' })).toBe(true);
  });

  it('a store failure keeps its kind and cuts its detail to 200 characters', () => {
    expect(P.presenceFailure('transport', 'reset')).toEqual({ _tag: 'PresenceFailure', kind: 'transport', detail: 'reset' });
    expect(P.presenceFailure('other', 'y'.repeat(200)).detail).toBe('y'.repeat(200));
    expect(P.presenceFailure('other', 'y'.repeat(201) + 'z').detail).toBe('y'.repeat(200));
  });
});

// Properties ------------------------------------------------------------------------------------------------------

describe('presence properties (presence.md §6)', () => {
  it('PR-P1: every order of events with distinct (at, rank) folds to the state, last event and time of the newest', () => {
    fc.assert(
      fc.property(
        distinctEventsArb.chain((es) => fc.tuple(fc.constant(es), fc.shuffledSubarray(es, { minLength: es.length, maxLength: es.length }))),
        ([es, shuffled]) => {
          const sorted = fold([...es].sort(byTime))!;
          const any = fold(shuffled)!;
          expect({ state: any.state, lastEvent: any.lastEvent, lastEventAt: any.lastEventAt }).toEqual({
            state: sorted.state,
            lastEvent: sorted.lastEvent,
            lastEventAt: sorted.lastEventAt,
          });
          const newest = [...es].sort(byTime)[es.length - 1]!;
          expect(any.state).toBe(P.stateAfter(newest.event));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('PR-P2: a duplicated event changes nothing (observe answers null), wherever the copy arrives', () => {
    fc.assert(
      fc.property(distinctEventsArb, fc.nat(), (es, k) => {
        const rec = fold(es);
        const dup = es[k % es.length]!;
        if (rec === null) return;
        expect(P.observe(rec, dup)).toBeNull();
        // and the copy right after its original is always a no-op too
        const first = P.observe(null, dup);
        if (first !== null) expect(P.observe(first, dup)).toBeNull();
      }),
      { numRuns: 500 },
    );
  });

  it('PR-P3: with any events lost (any subsequence kept, in any order), the record ends in the state of the newest kept', () => {
    fc.assert(
      fc.property(
        distinctEventsArb.chain((es) => fc.tuple(fc.constant(es), fc.shuffledSubarray(es, { minLength: 1 }))),
        ([, kept]) => {
          const newest = [...kept].sort(byTime)[kept.length - 1]!;
          const r = fold(kept)!;
          expect(r.state).toBe(P.stateAfter(newest.event));
          expect(r.lastEventAt).toBe(newest.at);
          expect(r.lastEvent).toBe(newest.event);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('PR-P5: shownState is gone iff the silence is at least PRESENCE_GONE_AFTER_MS or the recorded state is gone', () => {
    fc.assert(
      fc.property(recordArb, fc.integer({ min: -2 * PRESENCE_GONE_AFTER_MS, max: 2 * PRESENCE_GONE_AFTER_MS }), (r, d) => {
        const now = r.lastEventAt + d;
        const shown = P.shownState(r, now);
        expect(shown === 'gone').toBe(d >= PRESENCE_GONE_AFTER_MS || r.state === 'gone');
        if (d < PRESENCE_GONE_AFTER_MS) expect(shown).toBe(r.state);
      }),
      { numRuns: 500 },
    );
  });

  it('PR-P6: decodePresence accepts exactly what observe produces, through JSON', () => {
    fc.assert(
      fc.property(recordArb, (r) => {
        expect(P.decodePresence(JSON.parse(JSON.stringify(r)))).toEqual({ _tag: 'Ok', presence: r });
      }),
      { numRuns: 500 },
    );
  });

  it('PR-P7: a record with an extra key, a missing key or a wrong-typed field is Corrupt; any integer v above 1 is Newer', () => {
    const wrong = fc.oneof(fc.constant(null), fc.boolean(), fc.double(), fc.string(), fc.constant([]), fc.constant({}), fc.integer({ min: -5, max: -1 }));
    fc.assert(
      fc.property(recordArb, fc.constantFrom(...KEYS), wrong, fc.string({ minLength: 1 }), (r, key, bad, extra) => {
        const o = JSON.parse(JSON.stringify(r)) as Record<string, unknown>;
        if (!(extra in o)) expect(P.decodePresence({ ...o, [extra]: 1 })._tag).toBe('Corrupt');
        const { [key]: _gone, ...missing } = o;
        expect(P.decodePresence(missing)._tag).toBe('Corrupt');
        const replaced = { ...o, [key]: bad };
        const d = P.decodePresence(replaced);
        // a replacement is accepted only when it is still a valid value of that field
        if (d._tag === 'Ok') expect(FIELD_ACCEPTS(key, bad)).toBe(true);
        else expect(d._tag).toBe('Corrupt');
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.integer({ min: 2, max: Number.MAX_SAFE_INTEGER }), fc.anything(), (v, rest) => {
        expect(P.decodePresence({ v, rest })).toEqual({ _tag: 'Newer', version: v });
      }),
    );
    fc.assert(fc.property(fc.oneof(fc.constant(null), fc.string(), fc.double(), fc.boolean(), fc.array(fc.anything())), (u) => {
      expect(P.decodePresence(u)._tag).toBe('Corrupt');
    }));
  });

  it('PR-P9: a record\'s file name is fixed-format hex for any id, the same for the same id, distinct for distinct ids up to 48 units, hashed beyond', () => {
    const NAME = /^(?:u(?:[0-9a-f]{4}){1,48}|h[0-9a-f]{64})\.json$/;
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 300, unit: 'binary' }), fc.string({ minLength: 1, maxLength: 60, unit: 'binary' }), (id, other) => {
        const name = presenceFileName(id);
        expect(name).toMatch(NAME);
        expect(presenceFileName(`${id}`)).toBe(name);
        expect(name.startsWith('u')).toBe(id.length <= PRESENCE_DIRECT_MAX_UNITS);
        if (id !== other && (id.length <= PRESENCE_DIRECT_MAX_UNITS || other.length <= PRESENCE_DIRECT_MAX_UNITS)) expect(presenceFileName(other)).not.toBe(name);
      }),
      { numRuns: 500 },
    );
    // lone surrogates and case: ids that differ only there still get their own files
    expect(presenceFileName('\ud800')).not.toBe(presenceFileName('\udc00'));
    expect(presenceFileName('Sess')).not.toBe(presenceFileName('sess'));
    expect(presenceFileName('x'.repeat(100_000))).toMatch(/^h[0-9a-f]{64}\.json$/);
  });

  it('PR-P8: observe is total and pure: any input answers without throwing, the same answer twice, inputs unchanged', () => {
    fc.assert(
      fc.property(fc.option(recordArb, { nil: null }), fc.anything(), fc.record({ event: kindArb, at: fc.integer() }), (prev, junk, e) => {
        const input = { ...ev(e.event, e.at), tool: junk as never };
        const frozen = prev === null ? null : Object.freeze({ ...prev });
        const a = P.observe(frozen, input);
        const b = P.observe(frozen, input);
        expect(a).toEqual(b);
        if (a !== null) expect(P.decodePresence(JSON.parse(JSON.stringify(a)))._tag).toBe('Ok');
      }),
      { numRuns: 500 },
    );
  });
});


/** Whether `x` is a valid value of field `k` among the wrong-value generator's outputs (only null, a string or a non-negative integer can be). */
const FIELD_ACCEPTS = (k: keyof SessionPresence, x: unknown): boolean => {
  if (k === 'branch' || k === 'lastTool') return x === null || (typeof x === 'string' && x.length <= P.PRESENCE_FIELD_MAX);
  if (k === 'host' || k === 'workspace' || k === 'worktree') return typeof x === 'string' && x.length <= P.PRESENCE_FIELD_MAX;
  if (k === 'session') return typeof x === 'string' && x !== '';
  if (k === 'lastEventAt' || k === 'firstSeenAt' || k === 'stateSince') return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
  if (k === 'agent') return typeof x === 'string' && (P.PRESENCE_AGENTS as ReadonlyArray<string>).includes(x);
  if (k === 'state') return x === 'working' || x === 'waiting' || x === 'idle' || x === 'gone';
  if (k === 'lastEvent') return typeof x === 'string' && (P.PRESENCE_EVENTS as ReadonlyArray<string>).includes(x);
  return false;
};

describe('publishing to a shared store (presence.md §10 PR9–PR10)', () => {
  const R = P.PUBLISH_REFRESH_MS;
  const rec = (over: Partial<SessionPresence> = {}): SessionPresence => ({ ...(P.observe(null, ev('prompt', T0)) as SessionPresence), ...over });

  it('PR9: due when the state started at this event, with no known attempt, or an attempt five minutes old or from the future; not due in between', () => {
    const working = rec({ lastEvent: 'pre-tool', lastEventAt: T0 + 10, stateSince: T0 });
    expect(P.publishDue(rec(), T0, T0)).toBe(true); // the prompt itself changed the state
    expect(P.publishDue(working, null, T0 + 10)).toBe(true);
    expect(P.publishDue(working, T0 + 10 - R, T0 + 10)).toBe(true);
    expect(P.publishDue(working, T0 + 11 - R, T0 + 10)).toBe(false);
    expect(P.publishDue(working, T0 + 5, T0 + 10)).toBe(false);
    expect(P.publishDue(working, T0 + 11, T0 + 10)).toBe(true); // the clock stepped back
    expect(P.publishDue(working, T0 + 10, T0 + 10)).toBe(false); // an attempt at this very instant is not in the future
  });

  it('PR9 property: due exactly when the state changed now, the attempt is unknown, at least PUBLISH_REFRESH_MS old, or in the future (the fail direction is to publish)', () => {
    fc.assert(
      fc.property(recordArb, fc.option(fc.integer({ min: -2 * R, max: 2 * R }), { nil: null }), fc.integer({ min: 0, max: 4 * R }), (p, delta, nowOff) => {
        const now = p.lastEventAt + nowOff;
        // instants are safe integers (epoch ms); past 2^53 the subtraction below is inexact and the case says nothing
        fc.pre(Number.isSafeInteger(now + 2 * R));
        const last = delta === null ? null : now - delta;
        const expected = p.stateSince === p.lastEventAt || delta === null || delta >= R || delta < 0;
        expect(P.publishDue(p, last, now)).toBe(expected);
      }),
    );
  });

  it('PR9: only an http or postgres lane store shares presence', () => {
    expect(P.sharesPresence({ lanes: { store: { kind: 'http', url: 'http://127.0.0.1:7420', token_env: 'T' } } })).toBe(true);
    expect(P.sharesPresence({ lanes: { store: { kind: 'postgres' } } })).toBe(true);
    for (const c of [undefined, null, 3, [], {}, { lanes: null }, { lanes: { store: 'http' } }, { lanes: { store: { kind: 'embedded' } } }, { lanes: [{ store: { kind: 'http' } }] }])
      expect(P.sharesPresence(c)).toBe(false);
  });

  it('PR10 property: the republished event, stamped by any later store clock, leaves the local record\'s state, last event, tool and identity', () => {
    fc.assert(
      fc.property(recordArb, fc.integer({ min: 0, max: 1_000_000 }), (p, at) => {
        const shared = P.observe(null, { ...P.republishEvent(p), at });
        expect(shared).not.toBeNull();
        const s = shared as SessionPresence;
        expect({ state: s.state, lastEvent: s.lastEvent, session: s.session, agent: s.agent, host: s.host, workspace: s.workspace, worktree: s.worktree, branch: s.branch }).toEqual({
          state: p.state, lastEvent: p.lastEvent, session: p.session, agent: p.agent, host: p.host, workspace: p.workspace, worktree: p.worktree, branch: p.branch,
        });
        if (p.lastEvent === 'pre-tool' || p.lastEvent === 'post-tool' || p.lastEvent === 'post-tool-failure') expect(s.lastTool).toBe(p.lastTool);
      }),
    );
  });

  it('PR10: the republished event carries the record\'s identity and newest event, and a tool only for a tool event', () => {
    const tool = rec({ lastEvent: 'post-tool-failure', lastTool: 'Edit', agent: 'codex', branch: null });
    expect(P.republishEvent(tool)).toEqual({ session: 's1', agent: 'codex', event: 'post-tool-failure', host: 'h1', workspace: '/repo/.git', worktree: '/repo', branch: null, tool: 'Edit' });
    expect(P.republishEvent(rec({ lastEvent: 'stop', lastTool: 'Edit' })).tool).toBeNull();
    expect(P.republishEvent(rec({ lastEvent: 'git', lastTool: 'Bash' })).tool).toBeNull();
  });

  it('PR10: a record counts as published only when the mark names its newest event at the same local time', () => {
    const p = rec();
    expect(P.publishedAlready(p, null)).toBe(false);
    expect(P.publishedAlready(p, { lastEvent: 'prompt', lastEventAt: T0 })).toBe(true);
    expect(P.publishedAlready(p, { lastEvent: 'prompt', lastEventAt: T0 - 1 })).toBe(false);
    expect(P.publishedAlready(p, { lastEvent: 'stop', lastEventAt: T0 })).toBe(false);
  });
});

describe('reading a shared registry (presence.md §10)', () => {
  it('mergeRegistries: a session the shared side lists twice is shown once, its first record; local records keep their order', () => {
    const r = (session: string, at: number): SessionPresence => ({ ...(P.observe(null, ev('prompt', at, { session }))!) });
    const local = [r('b', T0), r('a', T0)];
    const shared = [r('c', T0 + 1), r('a', T0 + 9), r('c', T0 + 2), r('d', T0 + 3)];
    expect(P.mergeRegistries(local, shared)).toEqual([local[0], local[1], shared[0], shared[3]]);
    expect(P.mergeRegistries([], shared).map((p) => p.lastEventAt)).toEqual([T0 + 1, T0 + 9, T0 + 3]);
  });

  it('mergeRegistries property: every session of either side appears once; a session both hold is shown from the local record', () => {
    const sideArb = fc.uniqueArray(recordArb, { maxLength: 6, selector: (p) => p.session });
    fc.assert(
      fc.property(sideArb, sideArb, fc.array(fc.nat(5), { maxLength: 6 }), (local, sharedOwn, steal) => {
        // some shared records are copies (with other times) of local sessions
        const shared = [...sharedOwn.filter((p) => !local.some((l) => l.session === p.session)), ...steal.flatMap((i) => (local[i] ? [{ ...local[i]!, lastEventAt: local[i]!.lastEventAt + 1 }] : []))];
        const merged = P.mergeRegistries(local, shared);
        const ids = merged.map((p) => p.session);
        expect(new Set(ids).size).toBe(ids.length);
        expect(new Set(ids)).toEqual(new Set([...local, ...shared].map((p) => p.session)));
        for (const l of local) expect(merged.find((p) => p.session === l.session)).toBe(l);
      }),
    );
  });
});
