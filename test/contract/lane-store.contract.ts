/**
 * The ONE contract suite of the `LaneStore` port (push-gate.md §5.3, properties PG-25 … PG-31), run by
 * `test/lane-store.test.ts` against the in-memory store and the embedded file-system store. Every adapter must agree
 * with the kernel transitions (`claimT`, `heartbeatT`, `releaseT`, `forceReleaseT`) on generated operation sequences.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { LaneStore } from '@arbiter/kernel';
import { pushGate as PG } from '@arbiter/kernel';
import { fakeClock, type FakeClock } from '@arbiter/io-memory';
import { refNameArb } from '../helpers/ref-names.js';

/** A fresh store driven by `clock`, with the given owners. */
export type MakeStore = (clock: FakeClock, owners?: ReadonlyArray<string>) => LaneStore;

/**
 * Every record generation `store` holds for `lanes`, each as the text its codec would read (for the embedded store
 * the generation files themselves; for a database the stored rows, encoded). Lets the suite check that no adapter
 * ever wrote a record its own codec refuses (push-gate.md §5.5 E7). A record under no name of `lanes` is returned
 * with `lane: null`.
 */
export type InspectStore = (store: LaneStore, lanes: ReadonlyArray<string>) => Promise<ReadonlyArray<{ readonly lane: string | null; readonly text: string }>>;

const holder = (i: number): PG.Holder => ({ handle: `user${i}@example.com`, session: `s-${i}`, instance: i.toString(16).padStart(32, '0'), host: 'h' });
const LANES = ['deploy:refs/heads/main', 'deploy:refs/tags/*'];

type Op =
  | { op: 'claim'; who: number; lane: number; eta: number | null }
  | { op: 'heartbeat'; who: number; lane: number; fenceDelta: number }
  | { op: 'release'; who: number; lane: number }
  | { op: 'force'; who: number; lane: number }
  | { op: 'advance'; ms: number };

const opArb = (n: number): fc.Arbitrary<Op> =>
  fc.oneof(
    { weight: 4, arbitrary: fc.record({ op: fc.constant('claim' as const), who: fc.nat(n - 1), lane: fc.nat(1), eta: fc.option(fc.integer({ min: 1, max: 3 }), { nil: null }) }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('heartbeat' as const), who: fc.nat(n - 1), lane: fc.nat(1), fenceDelta: fc.integer({ min: -1, max: 1 }) }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('release' as const), who: fc.nat(n - 1), lane: fc.nat(1) }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('force' as const), who: fc.nat(n - 1), lane: fc.nat(1) }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 200_000 }) }) },
  );

const get = async <A>(t: () => Promise<{ _tag: 'Left'; left: unknown } | { _tag: 'Right'; right: A }>): Promise<A> => {
  const r = await t();
  if (r._tag === 'Left') throw new Error(`store failure ${JSON.stringify(r.left)}`);
  return r.right;
};

/** Not lane names (push-gate.md §3.2 N5): a control character, a lone surrogate, one unit too long. */
const notLaneNameArb: fc.Arbitrary<string> = fc.oneof(
  refNameArb.chain((r) => fc.constantFrom('\n', '\u0000', '\u001b', '\u007f').map((c) => `deploy:${r}${c}`)),
  refNameArb.chain((r) => fc.constantFrom('\ud800', '\udfff').map((c) => `deploy:${r}${c}x`)),
  fc.constant(`deploy:refs/heads/${'a'.repeat(PG.LANE_NAME_MAX)}`),
  fc.constant(''),
);

const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Register the contract suite for one adapter. `runs` bounds fast-check runs (the fs store is slower); `inspect`
 * lists the stored records so the suite can decode every one of them.
 */
export const laneStoreContract = (name: string, make: MakeStore, runs = 100, inspect?: InspectStore): void => {
  describe(`LaneStore contract: ${name}`, () => {
    it('PG-40 every ref name git check-ref-format accepts is a working lane, and every stored record decodes', async () => {
      const meta: PG.ClaimMeta = { intent: 'deploy', eta_minutes: null };
      await fc.assert(
        fc.asyncProperty(fc.uniqueArray(refNameArb, { minLength: 1, maxLength: 3 }), async (refs) => {
          const clock = fakeClock();
          const store = make(clock);
          const lanes = refs.map((r) => `deploy:${r}`);
          for (const lane of lanes) {
            expect(PG.isLaneName(lane)).toBe(true);
            expect(await get(store.claim(lane, holder(1), meta))).toEqual({ _tag: 'Granted', fence: 1, reclaimed: false });
            expect(await get(store.claim(lane, holder(1), meta))).toEqual({ _tag: 'Granted', fence: 1, reclaimed: true });
            expect((await get(store.claim(lane, holder(2), meta)))._tag).toBe('Held');
            const v = (await get(store.state(lane, 'x'))).lanes;
            expect(v.map((l) => [l.lane, l.fence, l.holder?.instance, l.expired])).toEqual([[lane, 1, holder(1).instance, false]]);
            expect(await get(store.heartbeat(lane, holder(1).instance, 1))).toEqual({ _tag: 'Ok' });
          }
          expect((await get(store.state('all', 'x'))).lanes.map((l) => l.lane)).toEqual([...lanes].sort(byCodeUnit));
          for (const lane of lanes) {
            expect(await get(store.release(lane, holder(1).instance))).toEqual({ _tag: 'Released', fence: 1 });
            expect(await get(store.claim(lane, holder(2), meta))).toEqual({ _tag: 'Granted', fence: 2, reclaimed: false });
          }
          const audit = await get(store.audit(1_000));
          expect(audit.filter((a) => a.kind === 'corrupt-record')).toEqual([]);
          expect([...new Set(audit.map((a) => a.lane ?? '(none)'))].sort(byCodeUnit)).toEqual([...lanes].sort(byCodeUnit));
          if (inspect !== undefined) {
            const recs = await inspect(store, lanes);
            expect(recs.length).toBe(lanes.length * 5); // claim, re-entry, heartbeat, release, claim
            for (const r of recs) {
              expect(r.lane).not.toBeNull();
              expect(PG.decodeLaneRecord(r.text, r.lane as string)).not.toHaveProperty('corrupt');
            }
          }
        }),
        { numRuns: runs },
      );
    });

    it('PG-41 a name that is not a lane name is refused (`other`) by every method and nothing is written', async () => {
      await fc.assert(
        fc.asyncProperty(notLaneNameArb, async (bad) => {
          expect(PG.isLaneName(bad)).toBe(false);
          const clock = fakeClock();
          const store = make(clock);
          const refused = async (r: Promise<{ _tag: 'Left'; left: { kind: string } } | { _tag: 'Right'; right: unknown }>): Promise<void> => {
            const x = await r;
            expect(x._tag === 'Left' && x.left.kind).toBe('other');
          };
          await refused(store.claim(bad, holder(1), { intent: 'push', eta_minutes: null })());
          await refused(store.heartbeat(bad, holder(1).instance, 1)());
          await refused(store.release(bad, holder(1).instance)());
          await refused(store.forceRelease(bad, holder(0), null)());
          await refused(store.state(bad, 'x')());
          expect((await get(store.state('all', 'x'))).lanes).toEqual([]);
          expect(await get(store.audit(100))).toEqual([]);
          if (inspect !== undefined) expect(await inspect(store, [bad])).toEqual([]);
        }),
        { numRuns: Math.min(runs, 25) },
      );
    });

    it('PG-25/PG-26 single unexpired holder, adapter = kernel transitions, fences monotonic (+1 per fresh grant)', async () => {
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 2, max: 6 }).chain((n) => fc.tuple(fc.constant(n), fc.array(opArb(n), { minLength: 1, maxLength: 30 }))), async ([, ops]) => {
          const clock = fakeClock();
          const owners = ['user0@example.com'];
          const store = make(clock, owners);
          const model = new Map<string, PG.LaneRecord | null>();
          const fences = new Map<string, number>();
          for (const o of ops) {
            if (o.op === 'advance') {
              clock.advance(o.ms);
              continue;
            }
            const lane = LANES[o.lane] as string;
            const cur = model.get(lane) ?? null;
            const now = clock.now();
            const h = holder(o.who);
            let expected: PG.Transition<unknown>;
            let got: unknown;
            if (o.op === 'claim') {
              expected = PG.claimT(cur, lane, h, { intent: 'push', eta_minutes: o.eta }, now);
              got = await get(store.claim(lane, h, { intent: 'push', eta_minutes: o.eta }));
            } else if (o.op === 'heartbeat') {
              const f = (cur?.fence ?? 0) + o.fenceDelta;
              expected = PG.heartbeatT(cur, lane, h.instance, f, now);
              got = await get(store.heartbeat(lane, h.instance, f));
            } else if (o.op === 'release') {
              expected = PG.releaseT(cur, lane, h.instance, now);
              got = await get(store.release(lane, h.instance));
            } else {
              expected = PG.forceReleaseT(cur, lane, h, null, now, owners);
              const r = await store.forceRelease(lane, h, null)();
              got = r._tag === 'Left' ? (r.left.kind === 'forbidden' ? { _tag: 'Forbidden' } : r.left) : r.right;
            }
            expect(got).toEqual(expected.result);
            if (expected.next !== null) model.set(lane, expected.next);
            // single holder + fence rules against the store's own view
            const view = await get(store.state(lane, 'nobody'));
            const v = view.lanes[0] as PG.LaneView;
            const m = PG.viewOf(lane, model.get(lane) ?? null, now);
            expect(v.fence).toBe(m.fence);
            expect(v.holder?.instance ?? null).toBe(m.holder?.instance ?? null);
            const before = fences.get(lane) ?? 0;
            expect(v.fence).toBeGreaterThanOrEqual(before);
            const fresh = (got as { _tag?: string; reclaimed?: boolean })._tag === 'Granted' && (got as { reclaimed: boolean }).reclaimed === false;
            expect(v.fence - before).toBe(fresh ? 1 : 0);
            fences.set(lane, v.fence);
          }
        }),
        { numRuns: runs },
      );
    });

    it('PG-27 expiry: after the lease another instance is granted fence + 1 with an expired-takeover audit record', async () => {
      const clock = fakeClock();
      const store = make(clock);
      const lane = LANES[0] as string;
      expect(await get(store.claim(lane, holder(1), { intent: 'push', eta_minutes: 2 }))).toEqual({ _tag: 'Granted', fence: 1, reclaimed: false });
      clock.advance(120_000); // exactly the lease: still live
      expect((await get(store.claim(lane, holder(2), { intent: 'push', eta_minutes: 2 })))._tag).toBe('Held');
      clock.advance(1);
      expect(await get(store.claim(lane, holder(2), { intent: 'push', eta_minutes: 2 }))).toEqual({ _tag: 'Granted', fence: 2, reclaimed: false });
      const audit = await get(store.audit(10));
      const take = audit.find((a) => a.kind === 'expired-takeover');
      expect(take?.previous?.instance).toBe(holder(1).instance);
      expect(take?.fence).toBe(2);
    });

    it('PG-28 heartbeat is compare-and-set: wrong fence, wrong instance or expired → Lost, nothing changes', async () => {
      const clock = fakeClock();
      const store = make(clock);
      const lane = LANES[0] as string;
      await get(store.claim(lane, holder(1), { intent: 'push', eta_minutes: 1 }));
      expect(await get(store.heartbeat(lane, holder(1).instance, 2))).toEqual({ _tag: 'Lost', holder_handle: holder(1).handle });
      expect(await get(store.heartbeat(lane, holder(2).instance, 1))).toEqual({ _tag: 'Lost', holder_handle: holder(1).handle });
      expect(await get(store.heartbeat(lane, holder(1).instance, 1))).toEqual({ _tag: 'Ok' });
      clock.advance(60_001);
      expect(await get(store.heartbeat(lane, holder(1).instance, 1))).toEqual({ _tag: 'Lost', holder_handle: null });
      const v = (await get(store.state(lane, 'x'))).lanes[0];
      expect(v?.expired).toBe(true);
      expect(v?.holder?.heartbeat_age_sec).toBe(60);
    });

    it('PG-29 release is idempotent and a non-holder release changes nothing', async () => {
      const clock = fakeClock();
      const store = make(clock);
      const lane = LANES[0] as string;
      await get(store.claim(lane, holder(1), { intent: 'deploy', eta_minutes: null }));
      expect(await get(store.release(lane, holder(2).instance))).toEqual({ _tag: 'NotHolder' });
      expect((await get(store.state(lane, 'x'))).lanes[0]?.holder?.instance).toBe(holder(1).instance);
      expect(await get(store.release(lane, holder(1).instance))).toEqual({ _tag: 'Released', fence: 1 });
      const after = await get(store.state(lane, 'x'));
      expect(await get(store.release(lane, holder(1).instance))).toEqual({ _tag: 'NotHolder' });
      expect(await get(store.state(lane, 'x'))).toEqual(after);
      expect(after.lanes[0]).toEqual({ lane, fence: 1, holder: null, expired: false });
    });

    it('PG-30 force-release is owner-only (no state or audit change for others) and audited for owners, free lanes too', async () => {
      const clock = fakeClock();
      const store = make(clock, ['  User0@Example.com ']);
      const lane = LANES[0] as string;
      await get(store.claim(lane, holder(1), { intent: 'push', eta_minutes: null }));
      const auditBefore = await get(store.audit(100));
      const r = await store.forceRelease(lane, holder(2), 'no')();
      expect(r._tag === 'Left' && r.left.kind).toBe('forbidden');
      expect(await get(store.audit(100))).toEqual(auditBefore);
      expect((await get(store.state(lane, 'x'))).lanes[0]?.holder?.instance).toBe(holder(1).instance);
      expect(await get(store.forceRelease(lane, holder(0), 'prod down'))).toEqual({ _tag: 'Forced', previous: { handle: holder(1).handle, session: 's-1', instance: holder(1).instance, host: 'h' }, fence: 1 });
      const a = (await get(store.audit(100))).filter((x) => x.kind === 'force-release');
      expect(a.length).toBe(1);
      expect(a[0]?.reason).toBe('prod down');
      expect(await get(store.forceRelease(LANES[1] as string, holder(0), null))).toEqual({ _tag: 'Forced', previous: null, fence: 0 });
      expect((await get(store.audit(100))).filter((x) => x.kind === 'force-release').length).toBe(2);
    });

    it('PG-31 re-entry never shortens a lease and keeps the fence', async () => {
      await fc.assert(
        fc.asyncProperty(fc.option(fc.integer({ min: 1, max: 1440 }), { nil: null }), fc.option(fc.integer({ min: 1, max: 1440 }), { nil: null }), async (e1, e2) => {
          const clock = fakeClock();
          const store = make(clock);
          const lane = LANES[0] as string;
          await get(store.claim(lane, holder(1), { intent: 'push', eta_minutes: e1 }));
          expect(await get(store.claim(lane, holder(1), { intent: 'deploy', eta_minutes: e2 }))).toEqual({ _tag: 'Granted', fence: 1, reclaimed: true });
          const v = (await get(store.state(lane, 'x'))).lanes[0];
          expect(v?.holder?.lease_sec).toBe(Math.max(e1 ?? 30, e2 ?? 30) * 60);
          expect(v?.holder?.intent).toBe('deploy');
        }),
        { numRuns: Math.min(runs, 30) },
      );
    });

    it('halts: directed at a session, listed as placed by the author, lifted only by owner or author', async () => {
      const clock = fakeClock();
      const store = make(clock, ['user0@example.com']);
      const h = await get(store.halt('s-2', holder(1), 'wait for the migration'));
      expect(h.halt_id).toMatch(/^[0-9a-f]{16}$/);
      const forB = await get(store.state('all', 's-2'));
      expect(forB.halts.map((x) => [x.target_session, x.by_session, x.reason, x.open])).toEqual([['s-2', 's-1', 'wait for the migration', true]]);
      expect((await get(store.state('all', 's-1'))).placed.length).toBe(1);
      expect((await get(store.state('all', 's-3'))).halts).toEqual([]);
      const denied = await store.unhalt('s-2', holder(3))();
      expect(denied._tag === 'Left' && denied.left.kind).toBe('forbidden');
      expect(await get(store.unhalt('s-2', holder(1)))).toEqual({ _tag: 'Unhalted', count: 1 });
      expect((await get(store.state('all', 's-2'))).halts).toEqual([]);
      await get(store.halt('s-2', holder(1), 'again'));
      expect(await get(store.unhalt('s-2', holder(0)))).toEqual({ _tag: 'Unhalted', count: 1 });
    });

    it('post appends a status audit record; state(all) lists every lane with a record', async () => {
      const clock = fakeClock();
      const store = make(clock);
      await get(store.claim(LANES[1] as string, holder(1), { intent: 'push', eta_minutes: null }));
      await get(store.claim(LANES[0] as string, holder(2), { intent: 'push', eta_minutes: null }));
      await get(store.post({ body: 'gate skipped on x — lane store busy at push time', lane: LANES[0] as string, by: holder(2) }));
      const st = await get(store.state('all', 's-1'));
      expect(st.lanes.map((l) => l.lane)).toEqual([...LANES].sort());
      expect((await get(store.audit(1)))[0]?.body).toBe('gate skipped on x — lane store busy at push time');
    });
  });
};
