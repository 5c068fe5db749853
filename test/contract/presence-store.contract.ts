/**
 * The ONE contract suite of the `PresenceStore` port (presence.md §4–5), run against io-memory and io-node by
 * `test/presence-store.test.ts`. It pins: an empty registry, the store clock stamping every sighting (and resolving
 * clock skew between machines, PR-P4), late and duplicate sightings writing nothing, hostile session ids kept whole,
 * a corrupt or newer record listed as a problem and never replaced, and ten thousand sessions listed.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { fakeClock, type FakeClock } from '@arbiter/io-memory';
import { presence as P, type PresenceEventKind, type PresenceSighting, type PresenceStore } from '@arbiter/kernel';

export interface PresenceFixture {
  readonly store: PresenceStore;
  /** Replace the stored document of `session` by `raw` (as an external tamper or a newer Arbiter would). */
  readonly injectRaw: (session: string, raw: string) => Promise<void>;
  /** The stored document of `session`, or `null`. */
  readonly peekRaw: (session: string) => Promise<string | null>;
  readonly cleanup: () => Promise<void>;
}

const T0 = 1_700_000_000_000;

export const sighting = (event: PresenceEventKind, over: Partial<PresenceSighting> = {}): PresenceSighting => ({
  session: 's1',
  agent: 'claude',
  event,
  host: 'h1',
  workspace: '/repo/.git',
  worktree: '/repo',
  branch: 'main',
  tool: event === 'pre-tool' ? 'Bash' : null,
  ...over,
});

const unwrap = <A>(e: E.Either<unknown, A>): A => {
  if (E.isLeft(e)) throw new Error(`unexpected Left: ${JSON.stringify(e.left)}`);
  return e.right;
};

export const presenceStoreContract = (name: string, make: (clock: FakeClock) => Promise<PresenceFixture>): void => {
  describe(`PresenceStore contract: ${name}`, () => {
    const withStore = async (f: (fx: PresenceFixture, clock: FakeClock) => Promise<void>): Promise<void> => {
      const clock = fakeClock(T0);
      const fx = await make(clock);
      try {
        await f(fx, clock);
      } finally {
        await fx.cleanup();
      }
    };

    it('an empty registry lists no session and no problem', () =>
      withStore(async ({ store }) => {
        expect(unwrap(await store.list()())).toEqual({ sessions: [], problems: [] });
      }));

    it('record stamps the sighting with the store clock and applies observe; list returns the record', () =>
      withStore(async ({ store }, clock) => {
        const a = unwrap(await store.record(sighting('prompt'))());
        expect(a).toEqual({ changed: true, presence: P.observe(null, { ...sighting('prompt'), at: T0 }) });
        clock.advance(5);
        const b = unwrap(await store.record(sighting('pre-tool', { tool: 'Edit' }))());
        expect(b.presence).toMatchObject({ state: 'working', lastEvent: 'pre-tool', lastEventAt: T0 + 5, lastTool: 'Edit', stateSince: T0, firstSeenAt: T0 });
        clock.advance(5);
        unwrap(await store.record(sighting('notification'))());
        clock.advance(5);
        unwrap(await store.record(sighting('stop'))());
        const l = unwrap(await store.list()());
        expect(l.problems).toEqual([]);
        expect(l.sessions).toEqual([expect.objectContaining({ session: 's1', state: 'idle', lastEvent: 'stop', lastEventAt: T0 + 15, stateSince: T0 + 15 })]);
      }));

    it('a duplicate sighting at the same store time, or one stamped earlier (the store clock stepped back), writes nothing', () =>
      withStore(async ({ store, peekRaw }, clock) => {
        unwrap(await store.record(sighting('stop'))());
        const raw = await peekRaw('s1');
        expect(unwrap(await store.record(sighting('stop'))())).toEqual({ changed: false, presence: expect.objectContaining({ lastEvent: 'stop' }) });
        clock.set(T0 - 1000);
        expect(unwrap(await store.record(sighting('prompt'))()).changed).toBe(false);
        expect(await peekRaw('s1')).toBe(raw);
      }));

    it('an unrecordable sighting (empty session id, over-long field) writes nothing', () =>
      withStore(async ({ store }) => {
        expect(unwrap(await store.record(sighting('prompt', { session: '' }))())).toEqual({ changed: false, presence: null });
        expect(unwrap(await store.record(sighting('prompt', { branch: 'b'.repeat(P.PRESENCE_FIELD_MAX + 1) }))()).changed).toBe(false);
        expect(unwrap(await store.list()()).sessions).toEqual([]);
      }));

    it('hostile session ids and branch names (paths, control characters, ANSI, very long, unicode) are kept whole, one record each', () =>
      withStore(async ({ store }) => {
        const ids = ['../../etc/passwd', 'a/b\\c', 'x\n\u001b[31mred\u001b[0m', '.', '..', 'é😀', 's'.repeat(P.PRESENCE_FIELD_MAX), '<script>alert(1)</script>'];
        for (const id of ids) unwrap(await store.record(sighting('prompt', { session: id, branch: `${id.slice(0, 64)}\u0007` }))());
        const l = unwrap(await store.list()());
        expect(l.problems).toEqual([]);
        expect(l.sessions.map((s) => s.session).sort()).toEqual([...ids].sort());
        for (const s of l.sessions) expect(s.branch).toBe(`${s.session.slice(0, 64)}\u0007`);
      }));

    it('a corrupt record is listed as a problem and never replaced: record fails and leaves it as it was', () =>
      withStore(async ({ store, injectRaw, peekRaw }) => {
        unwrap(await store.record(sighting('prompt', { session: 'ok' }))());
        for (const raw of ['{"v":1,"session":', 'null', '{"v":1}', JSON.stringify({ ...P.observe(null, { ...sighting('prompt'), at: T0 }), extra: true })]) {
          await injectRaw('s1', raw);
          const l = unwrap(await store.list()());
          expect(l.sessions.map((s) => s.session)).toEqual(['ok']);
          expect(l.problems).toEqual([expect.objectContaining({ kind: 'corrupt' })]);
          const r = await store.record(sighting('stop'))();
          expect(E.isLeft(r) && r.left).toMatchObject({ _tag: 'PresenceFailure', kind: 'other' });
          expect(await peekRaw('s1')).toBe(raw);
        }
      }));

    it('a record from a newer Arbiter is listed as a newer problem and never rewritten', () =>
      withStore(async ({ store, injectRaw, peekRaw }) => {
        const raw = JSON.stringify({ v: 2, session: 's1', somethingNew: [1, 2] });
        await injectRaw('s1', raw);
        expect(unwrap(await store.list()())).toEqual({ sessions: [], problems: [expect.objectContaining({ kind: 'newer', detail: 'version 2' })] });
        const r = await store.record(sighting('prompt'))();
        expect(E.isLeft(r)).toBe(true);
        expect(await peekRaw('s1')).toBe(raw);
      }));

    it('PR-P4 clock skew between machines is resolved by the store clock: two hosts whose clocks disagree, the record follows store order', () =>
      fc.assert(
        fc.asyncProperty(
          fc.array(fc.record({ host: fc.constantFrom('fast', 'slow'), event: fc.constantFrom(...P.PRESENCE_EVENTS), gap: fc.integer({ min: 1, max: 5 }) }), { minLength: 1, maxLength: 8 }),
          fc.integer({ min: -86_400_000, max: 86_400_000 }),
          async (arrivals, skew) =>
            withStore(async ({ store }, clock) => {
              for (const a of arrivals) {
                clock.advance(a.gap);
                // The sighting carries no time: whatever the host's own clock says (`fast` runs `skew` ms ahead) never
                // reaches the store, so no host can place its event before or after another's.
                const hostClock = a.host === 'fast' ? clock.now() + skew : clock.now();
                unwrap(await store.record(sighting(a.event, { host: a.host, tool: `${hostClock}` }))());
              }
              const last = arrivals[arrivals.length - 1]!;
              const [rec] = unwrap(await store.list()()).sessions;
              expect(rec).toMatchObject({ host: last.host, lastEvent: last.event, lastEventAt: clock.now(), state: P.stateAfter(last.event) });
            }),
        ),
        { numRuns: 25 },
      ));

    it('ten thousand sessions are recorded and listed', () =>
      withStore(async ({ store }, clock) => {
        for (let i = 0; i < 10_000; i++) {
          clock.advance(1);
          unwrap(await store.record(sighting(i % 3 === 0 ? 'stop' : 'prompt', { session: `session-${i}` }))());
        }
        const l = unwrap(await store.list()());
        expect(l.problems).toEqual([]);
        expect(l.sessions.length).toBe(10_000);
        expect(new Set(l.sessions.map((s) => s.session)).size).toBe(10_000);
      }), 120_000);
  });
};
