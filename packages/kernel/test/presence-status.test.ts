/**
 * The status snapshot join (status.md §3): examples and properties of `statusSnapshot`, the pure function behind
 * `arbiter status` and the dashboard.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  PRESENCE_FORGET_AFTER_MS,
  PRESENCE_GONE_AFTER_MS,
  STATUS_RECENT_MAX,
  STATUS_SOURCES,
  isBlockOrAsk,
  isForgotten,
  presence as P,
  shownState,
  statusSnapshot,
  type BuildStatus,
  type CommitmentStatus,
  type DecisionStatus,
  type HaltStatus,
  type LaneStatus,
  type SessionPresence,
  type StatusSources,
} from '@arbiter/kernel';
import { presenceRecord } from '../../../test/helpers/presence.js';

const NOW = 1_800_000_000_000;

const presence = (session: string, o: Partial<SessionPresence> = {}): SessionPresence => presenceRecord(session, NOW, o);

const empty: StatusSources = { repo: '/repo', sessions: [], lanes: [], halts: [], commitments: [], builds: [], lockHolders: [], stopGate: { mode: 'off' }, decisions: [] };

// ── arbitraries ──────────────────────────────────────────────────────────────────────────────────────────────────────
const ids = fc.constantFrom('s-1', 's-2', 's-3', 's-4', 'nobody');
/**
 * The sources' arbitraries over a range of instants and a pool of short strings: the wide range of the examples, or a
 * narrow one (three instants, two-letter strings) in which every tie-break of every order is reached.
 */
const sourcesOf = (instant: fc.Arbitrary<number>, str: fc.Arbitrary<string>) => {
  const presenceArb: fc.Arbitrary<SessionPresence> = fc
    .record({ session: fc.oneof(ids, str), state: stateArb, lastEventAt: instant, host: fc.constantFrom('a', 'b'), branch: fc.option(str) })
    .map((r) => presence(r.session, r));
  const laneArb: fc.Arbitrary<LaneStatus> = fc.record({
    lane: fc.oneof(fc.string({ minLength: 1, maxLength: 6 }), str),
    holder: fc.option(ids),
    fence: fc.option(fc.nat(100)),
    leaseLeftMs: fc.option(fc.nat(600_000)),
    queue: fc.array(ids, { maxLength: 3 }),
  });
  const haltArb: fc.Arbitrary<HaltStatus> = fc.record({ target: ids, by: ids, reason: str, at: instant });
  const commitmentArb: fc.Arbitrary<CommitmentStatus> = fc.record({ session: ids, text: str, at: instant });
  const buildArb: fc.Arbitrary<BuildStatus> = fc.record({ session: fc.option(ids), name: str, state: fc.constantFrom('planning', 'executing'), at: instant });
  const decisionArb: fc.Arbitrary<DecisionStatus> = fc.record({
    at: instant,
    policy: fc.constantFrom('push-gate', 'session-lock'),
    verdict: fc.constantFrom('Allow', 'Block', 'Ask', 'deny', 'AllowLoud', 'allow-loud'),
    reason: str,
    session: fc.option(ids),
    lane: fc.option(str),
  });
  const problemArb = fc.record({ source: fc.constantFrom('sessions', 'lanes'), key: str, detail: str });
  const orNull = <A>(a: fc.Arbitrary<A>) => fc.option(a, { freq: 6 });
  const sources: fc.Arbitrary<StatusSources> = fc.record(
    {
      repo: fc.constant('/repo'),
      sessions: orNull(fc.array(presenceArb, { maxLength: 8 })),
      lanes: orNull(fc.array(laneArb, { maxLength: 6 })),
      halts: orNull(fc.array(haltArb, { maxLength: 4 })),
      commitments: orNull(fc.array(commitmentArb, { maxLength: 5 })),
      builds: orNull(fc.array(buildArb, { maxLength: 3 })),
      lockHolders: orNull(fc.array(ids, { maxLength: 3 })),
      stopGate: orNull(fc.record({ mode: fc.constantFrom('off', 'shadow', 'enforce') })),
      decisions: orNull(fc.array(decisionArb, { maxLength: 30 })),
      problems: fc.array(problemArb, { maxLength: 4 }),
    },
    { requiredKeys: ['repo', 'sessions', 'lanes', 'halts', 'commitments', 'builds', 'lockHolders', 'stopGate', 'decisions'] },
  );
  return { presenceArb, sources };
};
const instant = fc.integer({ min: NOW - 2 * PRESENCE_GONE_AFTER_MS, max: NOW + 60_000 });
const stateArb = fc.constantFrom('working' as const, 'waiting' as const, 'idle' as const, 'gone' as const);
const { presenceArb, sources: sourcesArb } = sourcesOf(instant, fc.string({ maxLength: 5 }));
/** Colliding instants and names: every order is decided by its tie-breaks. */
const { sources: tightSourcesArb } = sourcesOf(fc.integer({ min: NOW - 2, max: NOW }), fc.constantFrom('', 'a', 'b', 'ab'));
/** The same sources with every list reversed and rotated: the join must not see the difference. */
const shuffled = (s: StatusSources, k: number): StatusSources => {
  const mix = <A>(l: ReadonlyArray<A> | null): ReadonlyArray<A> | null => {
    if (l === null || l.length === 0) return l;
    const r = [...l].reverse();
    const n = k % r.length;
    return [...r.slice(n), ...r.slice(0, n)];
  };
  return { ...s, sessions: mix(s.sessions), lanes: mix(s.lanes), halts: mix(s.halts), commitments: mix(s.commitments), builds: mix(s.builds), lockHolders: mix(s.lockHolders), decisions: mix(s.decisions), ...(s.problems === undefined ? {} : { problems: mix(s.problems) ?? [] }) };
};

describe('statusSnapshot: examples', () => {
  it('two entries with no session fall to the next key (the lane, the build state), whatever order they came in', () => {
    const d = (lane: string): DecisionStatus => ({ at: NOW, policy: 'push-gate', verdict: 'Block', reason: 'r', session: null, lane });
    const b = (state: string): BuildStatus => ({ session: null, name: 'web', state, at: NOW });
    for (const flip of [false, true]) {
      const decisions = flip ? [d('b'), d('a')] : [d('a'), d('b')];
      const builds = flip ? [b('planning'), b('executing')] : [b('executing'), b('planning')];
      const s = statusSnapshot({ ...empty, decisions, builds }, NOW);
      expect(s.recent.map((x) => x.lane)).toEqual(['a', 'b']);
      expect(s.builds.map((x) => x.state)).toEqual(['executing', 'planning']);
    }
  });
  it('joins what a session holds from the lanes, builds, commitments, halts and locks', () => {
    const s = statusSnapshot(
      {
        ...empty,
        sessions: [presence('s-1'), presence('s-2', { state: 'idle' })],
        lanes: [
          { lane: 'deploy:refs/heads/main', holder: 's-1', fence: 7, leaseLeftMs: 60_000, queue: ['s-2'] },
          { lane: 'free', holder: null, fence: 3, leaseLeftMs: null, queue: [] },
        ],
        halts: [{ target: 's-2', by: 's-1', reason: 'wait', at: NOW - 10 }],
        commitments: [
          { session: 's-1', text: 'I will run the tests', at: NOW - 5 },
          { session: 's-1', text: 'and push', at: NOW - 4 },
        ],
        builds: [{ session: 's-2', name: 'ship it', state: 'executing', at: NOW - 100 }],
        lockHolders: ['s-1'],
      },
      NOW,
    );
    expect(s.sessions.map((x) => x.session)).toEqual(['s-1', 's-2']);
    expect(s.sessions[0]?.holds).toEqual({ lock: true, lanes: [{ lane: 'deploy:refs/heads/main', fence: 7 }], builds: [], commitments: 2, halts: ['s-2'] });
    expect(s.sessions[1]?.holds).toEqual({ lock: false, lanes: [], builds: ['ship it'], commitments: 0, halts: [] });
    expect(s.unavailable).toEqual([]);
  });

  it('an unreadable source is an empty section named in unavailable, never a failure', () => {
    const s = statusSnapshot({ ...empty, lanes: null, sessions: null, stopGate: null, decisions: null }, NOW);
    expect(s.lanes).toEqual([]);
    expect(s.sessions).toEqual([]);
    expect(s.stopGate).toEqual({ mode: 'unknown' });
    expect(s.unavailable).toEqual(['sessions', 'lanes', 'stop-gate', 'decisions']);
  });

  it('keeps the blocking and asking decisions only, newest first, at most 20', () => {
    const decisions: DecisionStatus[] = Array.from({ length: 50 }, (_, i) => ({ at: NOW - i, policy: 'push-gate', verdict: i % 2 === 0 ? 'Block' : 'Allow', reason: `r${i}`, session: null, lane: null }));
    const s = statusSnapshot({ ...empty, decisions }, NOW);
    expect(s.recent).toHaveLength(STATUS_RECENT_MAX);
    expect(s.recent[0]?.reason).toBe('r0');
    expect(s.recent.every((d) => d.verdict === 'Block')).toBe(true);
  });

  it('waiting sessions come first, then working, idle, gone; a session silent for 30 minutes is shown gone', () => {
    const s = statusSnapshot(
      {
        ...empty,
        sessions: [
          presence('idle', { state: 'idle' }),
          presence('silent', { state: 'working', lastEventAt: NOW - PRESENCE_GONE_AFTER_MS }),
          presence('waiting', { state: 'waiting' }),
          presence('working', { state: 'working' }),
        ],
      },
      NOW,
    );
    expect(s.sessions.map((x) => [x.session, x.shown])).toEqual([
      ['waiting', 'waiting'],
      ['working', 'working'],
      ['idle', 'idle'],
      ['silent', 'gone'],
    ]);
    expect(s.sessions[3]?.state).toBe('working'); // the recorded state is kept; only `shown` changes
  });

  it('within a state the most recently heard from first, then by id and host; lanes by name; ties of the other sections by their fields in order', () => {
    const s = statusSnapshot(
      {
        ...empty,
        sessions: [presence('b', { lastEventAt: NOW - 5 }), presence('a', { host: 'y', lastEventAt: NOW - 5 }), presence('a', { host: 'x', lastEventAt: NOW - 5 }), presence('z', { lastEventAt: NOW - 1 })],
        lanes: [
          { lane: 'deploy:b', holder: 'z', fence: null, leaseLeftMs: null, queue: [] },
          { lane: 'deploy:a', holder: 'z', fence: 2, leaseLeftMs: 5, queue: [] },
        ],
        halts: [
          { target: 't2', by: 'b', reason: 'r', at: NOW },
          { target: 't1', by: 'b', reason: 'r2', at: NOW },
          { target: 't1', by: 'b', reason: 'r1', at: NOW },
          { target: 't1', by: 'a', reason: 'r9', at: NOW },
          { target: 't9', by: 'z', reason: 'r', at: NOW + 1 },
        ],
        commitments: [
          { session: 's2', text: 'a', at: NOW },
          { session: 's1', text: 'b', at: NOW },
          { session: 's1', text: 'a', at: NOW },
          { session: 's9', text: 'z', at: NOW + 1 },
        ],
        builds: [
          { session: 's', name: 'n', state: 'planning', at: NOW },
          { session: 's', name: 'n', state: 'executing', at: NOW },
          { session: null, name: 'n', state: 'planning', at: NOW },
          { session: 'a', name: 'm', state: 'planning', at: NOW },
          { session: 'z', name: 'z', state: 'planning', at: NOW + 1 },
        ],
        decisions: [
          { at: NOW, policy: 'p', verdict: 'Block', reason: 'r', session: 's', lane: 'l' },
          { at: NOW, policy: 'p', verdict: 'Block', reason: 'r', session: 's', lane: null },
          { at: NOW, policy: 'p', verdict: 'Block', reason: 'r', session: null, lane: 'l' },
          { at: NOW, policy: 'p', verdict: 'Block', reason: 'q', session: 's', lane: 'l' },
          { at: NOW, policy: 'p', verdict: 'Ask', reason: 'r', session: 's', lane: 'l' },
          { at: NOW, policy: 'a', verdict: 'Deny', reason: 'r', session: 's', lane: 'l' },
          { at: NOW + 1, policy: 'z', verdict: 'Block', reason: 'z', session: 'z', lane: 'z' },
        ],
        problems: [
          { source: 'sessions', key: 'b.json', detail: 'corrupt' },
          { source: 'sessions', key: 'a.json', detail: 'newer' },
          { source: 'sessions', key: 'a.json', detail: 'corrupt' },
          { source: 'lanes', key: 'z', detail: 'corrupt' },
        ],
      },
      NOW,
    );
    expect(s.sessions.map((x) => `${x.session}@${x.host}`)).toEqual(['z@laptop', 'a@x', 'a@y', 'b@laptop']);
    expect(s.lanes.map((l) => l.lane)).toEqual(['deploy:a', 'deploy:b']);
    expect(s.sessions[0]?.holds.lanes).toEqual([{ lane: 'deploy:a', fence: 2 }, { lane: 'deploy:b', fence: 0 }]);
    expect(s.halts.map((h) => `${h.target}/${h.by}/${h.reason}`)).toEqual(['t9/z/r', 't1/a/r9', 't1/b/r1', 't1/b/r2', 't2/b/r']);
    expect(s.commitments.map((c) => `${c.session}/${c.text}`)).toEqual(['s9/z', 's1/a', 's1/b', 's2/a']);
    expect(s.builds.map((b) => `${b.name}/${b.session}/${b.state}`)).toEqual(['z/z/planning', 'm/a/planning', 'n/null/planning', 'n/s/executing', 'n/s/planning']);
    expect(s.recent.map((d) => `${d.policy}/${d.verdict}/${d.reason}/${d.session}/${d.lane}`)).toEqual([
      'z/Block/z/z/z',
      'a/Deny/r/s/l',
      'p/Ask/r/s/l',
      'p/Block/q/s/l',
      'p/Block/r/null/l',
      'p/Block/r/s/null',
      'p/Block/r/s/l',
    ]);
    expect(s.problems).toEqual([
      { source: 'lanes', key: 'z', detail: 'corrupt' },
      { source: 'sessions', key: 'a.json', detail: 'corrupt' },
      { source: 'sessions', key: 'a.json', detail: 'newer' },
      { source: 'sessions', key: 'b.json', detail: 'corrupt' },
    ]);
  });

  it('an instant that is not a number sorts after every number, in whichever order the sources list it', () => {
    const halts: HaltStatus[] = [
      { target: 'nan', by: 'b', reason: 'r', at: Number.NaN },
      { target: 'old', by: 'b', reason: 'r', at: NOW - 1 },
      { target: 'nan2', by: 'b', reason: 'r', at: Number.NaN },
      { target: 'new', by: 'b', reason: 'r', at: NOW },
    ];
    for (const order of [halts, [...halts].reverse(), [halts[1], halts[0], halts[3], halts[2]] as HaltStatus[]]) {
      // newest first is the numeric order reversed, so the not-a-number instants (last in numeric order) come first
      expect(statusSnapshot({ ...empty, halts: order }, NOW).halts.map((h) => h.target)).toEqual(['nan', 'nan2', 'new', 'old']);
    }
    const sessions = [presence('n', { lastEventAt: Number.NaN }), presence('m', { lastEventAt: NOW - 1 }), presence('k', { lastEventAt: Number.NaN })];
    for (const order of [sessions, [...sessions].reverse()]) expect(statusSnapshot({ ...empty, sessions: order }, NOW).sessions.map((x) => x.session)).toEqual(['k', 'n', 'm']);
  });

  it('every source that answered null is named in unavailable, in the fixed order, and the problems default to none', () => {
    const s = statusSnapshot({ repo: '/r', sessions: null, lanes: null, halts: null, commitments: null, builds: null, lockHolders: null, stopGate: null, decisions: null }, NOW);
    expect(s).toEqual({ v: 1, at: NOW, repo: '/r', sessions: [], lanes: [], halts: [], commitments: [], builds: [], stopGate: { mode: 'unknown' }, recent: [], unavailable: [...STATUS_SOURCES], problems: [], forgotten: 0 });
    expect(STATUS_SOURCES).toEqual(['sessions', 'lanes', 'halts', 'commitments', 'builds', 'locks', 'stop-gate', 'decisions']);
    const one = statusSnapshot({ ...empty, sessions: [presence('s-1')], lockHolders: null, builds: null, commitments: null, halts: null }, NOW);
    expect(one.unavailable).toEqual(['halts', 'commitments', 'builds', 'locks']);
    expect(one.sessions[0]?.holds).toEqual({ lock: false, lanes: [], builds: [], commitments: 0, halts: [] });
    expect(one.stopGate).toEqual({ mode: 'off' });
  });

  it('verdicts compare like arbiter log --verdict', () => {
    expect(['Block', 'block', 'Ask', 'ASK', 'Deny', 'de-ny', 'de_ny', ' A s\tk ', 'b-l_o c\nk'].every(isBlockOrAsk)).toBe(true);
    expect(['Allow', 'AllowLoud', 'allow-loud', 'Die', 'Blocked', ''].some(isBlockOrAsk)).toBe(false);
  });
});

describe('statusSnapshot: properties', () => {
  it('every lane held by a known session appears in that session\'s holds with its fence, and nothing else does', () => {
    fc.assert(
      fc.property(sourcesArb, (src) => {
        const s = statusSnapshot(src, NOW);
        for (const sess of s.sessions) {
          const expected = s.lanes.filter((l) => l.holder === sess.session).map((l) => ({ lane: l.lane, fence: l.fence ?? 0 }));
          expect(sess.holds.lanes).toEqual(expected);
          expect(sess.holds.commitments).toBe(s.commitments.filter((c) => c.session === sess.session).length);
          expect(sess.holds.halts).toEqual(s.halts.filter((h) => h.by === sess.session).map((h) => h.target));
          expect(sess.holds.builds).toEqual(s.builds.filter((b) => b.session === sess.session).map((b) => b.name));
          expect(sess.holds.lock).toBe((src.lockHolders ?? []).includes(sess.session));
        }
      }),
    );
  });

  it('shown is gone exactly when the session was gone or silent for at least PRESENCE_GONE_AFTER_MS', () => {
    fc.assert(
      fc.property(presenceArb, fc.integer({ min: -PRESENCE_GONE_AFTER_MS, max: 3 * PRESENCE_GONE_AFTER_MS }), (p, dt) => {
        const now = p.lastEventAt + dt;
        const shown = shownState(p, now);
        expect(shown === 'gone').toBe(p.state === 'gone' || now - p.lastEventAt >= PRESENCE_GONE_AFTER_MS);
        if (shown !== 'gone') expect(shown).toBe(p.state);
        expect(statusSnapshot({ ...empty, sessions: [p] }, now).sessions[0]?.shown).toBe(shown);
      }),
    );
  });

  it('PR11 a session silent for 7 days or more is left out and counted, whatever it holds; a younger or future one is shown', () => {
    const at = (dt: number) => presence(`s${dt}`, { lastEventAt: NOW - dt });
    expect(PRESENCE_FORGET_AFTER_MS).toBe(604_800_000);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -PRESENCE_GONE_AFTER_MS, max: 2 * PRESENCE_FORGET_AFTER_MS }), { maxLength: 8 }), fc.array(ids, { maxLength: 3 }), (silences, lockHolders) => {
        // the edge itself, and one ms either side, always among them
        const all = [...silences, PRESENCE_FORGET_AFTER_MS - 1, PRESENCE_FORGET_AFTER_MS, PRESENCE_FORGET_AFTER_MS + 1].map(at);
        const held = all.map((p) => ({ lane: `lane-${p.session}`, holder: p.session, fence: 1, leaseLeftMs: 0, queue: [] }));
        const s = statusSnapshot({ ...empty, sessions: all, lanes: held, lockHolders }, NOW);
        const kept = all.filter((p) => NOW - p.lastEventAt < PRESENCE_FORGET_AFTER_MS);
        expect(s.sessions.map((x) => x.session).sort()).toEqual(kept.map((p) => p.session).sort());
        expect(s.forgotten).toBe(all.length - kept.length);
        expect(all.every((p) => isForgotten(p, NOW) === !kept.includes(p))).toBe(true);
        // what a forgotten session holds is still shown in its own section
        expect(s.lanes).toHaveLength(all.length);
      }),
    );
    expect(isForgotten({ lastEventAt: NOW - PRESENCE_FORGET_AFTER_MS + 1 }, NOW)).toBe(false);
    expect(isForgotten({ lastEventAt: NOW - PRESENCE_FORGET_AFTER_MS }, NOW)).toBe(true);
    expect(isForgotten({ lastEventAt: NOW + PRESENCE_FORGET_AFTER_MS }, NOW)).toBe(false);
    // the registry module answers with the same functions
    expect(P.isForgotten).toBe(isForgotten);
    expect(P.shownState).toBe(shownState);
  });

  it('the orders are total: the snapshot does not depend on the order the sources answered in', () => {
    fc.assert(
      fc.property(sourcesArb, fc.nat(50), (src, k) => {
        expect(statusSnapshot(shuffled(src, k), NOW)).toEqual(statusSnapshot(src, NOW));
      }),
    );
  });

  it('the orders are total when instants and names collide: every tie-break decides, whatever order the sources answered in', () => {
    fc.assert(
      fc.property(tightSourcesArb, fc.nat(50), (src, k) => {
        expect(statusSnapshot(shuffled(src, k), NOW)).toEqual(statusSnapshot(src, NOW));
      }),
      { numRuns: 300 },
    );
  });

  it('a source is listed unavailable exactly when it answered null, and its section is then empty', () => {
    fc.assert(
      fc.property(sourcesArb, (src) => {
        const s = statusSnapshot(src, NOW);
        expect(s.unavailable.includes('sessions')).toBe(src.sessions === null);
        expect(s.unavailable.includes('lanes')).toBe(src.lanes === null);
        expect(s.unavailable.includes('halts')).toBe(src.halts === null);
        expect(s.unavailable.includes('decisions')).toBe(src.decisions === null);
        if (src.lanes === null) expect(s.lanes).toEqual([]);
        expect(s.sessions).toHaveLength(src.sessions?.length ?? 0);
        expect(s.recent.length).toBeLessThanOrEqual(STATUS_RECENT_MAX);
        expect(s.recent.every((d) => isBlockOrAsk(d.verdict))).toBe(true);
        for (let i = 1; i < s.recent.length; i++) expect((s.recent[i - 1] as DecisionStatus).at).toBeGreaterThanOrEqual((s.recent[i] as DecisionStatus).at);
      }),
    );
  });

  it('is a snapshot of the sources: the same input always gives the same output, and the input is not changed', () => {
    fc.assert(
      fc.property(sourcesArb, (src) => {
        const before = JSON.stringify(src);
        const a = statusSnapshot(src, NOW);
        expect(JSON.stringify(src)).toBe(before);
        expect(statusSnapshot(src, NOW)).toEqual(a);
      }),
    );
  });
});
