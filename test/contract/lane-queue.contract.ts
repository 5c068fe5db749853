/**
 * The ONE contract suite of the landing queue on the lane store (land.md §2 Q1–Q6), run against every adapter: the
 * in-memory store and the embedded file-system store (test/lane-queue.test.ts), PostgreSQL (test/pg-lane-store.test.ts)
 * and the HTTP client in front of `arbiter serve` (test/serve.test.ts, test/pg-history.test.ts). Every adapter must
 * agree with the kernel transitions (`enqueueT`, `dequeueT`, `queueView`) on generated operation sequences, with time
 * stepped on the store's own clock.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { LaneQueue } from '@arbiter/kernel';
import { landQueue as Q, pushGate as PG } from '@arbiter/kernel';
import { fakeClock, type FakeClock } from '@arbiter/io-memory';
import { refNameArb } from '../helpers/ref-names.js';

/** A fresh, empty store driven by `clock`. */
export type MakeQueue = (clock: FakeClock) => LaneQueue;

/**
 * The tickets `store` keeps for `lane` as stored (id and `seq`), expired ones included while the adapter still holds
 * them. Lets the suite check Q1 (`seq` rises and is never reused) and that refused calls write nothing.
 */
export type InspectQueue = (store: LaneQueue, lane: string) => Promise<ReadonlyArray<{ readonly ticket_id: string; readonly seq: number }>>;

const holder = (i: number): PG.Holder => ({ handle: `user${i}@example.com`, session: `s-${i}`, instance: `i-${i.toString(16).padStart(30, '0')}`, host: `h${i}` });
const LANES = ['deploy:refs/heads/main', 'deploy:refs/heads/release/2.0'];
const TTLS = [Q.TICKET_TTL_MIN_MS, 20_000, Q.TICKET_TTL_DEFAULT_MS];
const BRANCHES = ['feature/a', 'fix/ümlaut-€', ''];

type Op =
  | { op: 'enqueue'; who: number; lane: number; ttl: number; branch: number }
  | { op: 'dequeue'; who: number; lane: number }
  | { op: 'advance'; ms: number };

const opArb = (n: number): fc.Arbitrary<Op> =>
  fc.oneof(
    { weight: 5, arbitrary: fc.record({ op: fc.constant('enqueue' as const), who: fc.nat(n - 1), lane: fc.nat(1), ttl: fc.nat(TTLS.length - 1), branch: fc.nat(BRANCHES.length - 1) }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('dequeue' as const), who: fc.nat(n - 1), lane: fc.nat(1) }) },
    { weight: 2, arbitrary: fc.oneof(fc.integer({ min: 0, max: 25_000 }), fc.constantFrom(Q.TICKET_TTL_MIN_MS, Q.TICKET_TTL_MIN_MS + 1)).map((ms) => ({ op: 'advance' as const, ms })) },
  );

type Res<A> = { _tag: 'Left'; left: { kind: string; status: string } } | { _tag: 'Right'; right: A };
const get = async <A>(t: () => Promise<Res<A>>): Promise<A> => {
  const r = await t();
  if (r._tag === 'Left') throw new Error(`store failure ${JSON.stringify(r.left)}`);
  return r.right;
};
/** Call `t` again while it answers `contended` (what a waiter does), at most 40 times. */
const persist = async <A>(t: () => Promise<Res<A>>): Promise<A> => {
  for (let i = 0; ; i++) {
    const r = await t();
    if (r._tag === 'Right') return r.right;
    if (r.left.kind !== 'contended' || i >= 40) throw new Error(`store failure ${JSON.stringify(r.left)}`);
  }
};

/** Not lane names (push-gate.md §3.2 N5). */
const notLaneNameArb: fc.Arbitrary<string> = fc.oneof(
  refNameArb.chain((r) => fc.constantFrom('\n', '\u0000', '\u001b', '\u007f').map((c) => `deploy:${r}${c}`)),
  refNameArb.chain((r) => fc.constantFrom('\ud800', '\udfff').map((c) => `deploy:${r}${c}x`)),
  fc.constant(`deploy:refs/heads/${'a'.repeat(PG.LANE_NAME_MAX)}`),
  fc.constant(''),
);

/** Ticket metas outside Q6: ttl out of range or not an integer, branch too long or with a control character. */
const badMetaArb: fc.Arbitrary<Q.TicketMeta> = fc.oneof(
  fc.oneof(fc.integer({ max: Q.TICKET_TTL_MIN_MS - 1 }), fc.integer({ min: Q.TICKET_TTL_MAX_MS + 1 }), fc.constantFrom(5_000.5, Number.NaN, Infinity)).map((ttl_ms) => ({ branch: 'b', ttl_ms })),
  fc.constant({ branch: 'x'.repeat(Q.TICKET_BRANCH_MAX + 1), ttl_ms: 60_000 }),
  fc.constantFrom('\u0000', '\n', '\u001b[31m', '\u007f', '\ud800').map((c) => ({ branch: `feature/${c}x`, ttl_ms: 60_000 })),
);

/** Holders a ticket cannot keep: empty or over-long instance, over-long handle, session or host. */
const badHolderArb: fc.Arbitrary<PG.Holder> = fc.constantFrom(
  { ...holder(1), instance: '' },
  { ...holder(1), instance: 'i'.repeat(513) },
  { ...holder(1), session: 's'.repeat(513) },
  { ...holder(1), host: 'h'.repeat(513) },
);

/**
 * Register the queue contract suite for one adapter. `runs` bounds fast-check runs (slower adapters fewer); `inspect`
 * lists the stored tickets so the suite can check `seq` (Q1) and that refused calls wrote nothing (Q6). Over HTTP the
 * server takes the handle from the token (push-gate.md §5.7 SV3); the HTTP adapters mint one token per handle.
 */
export const laneQueueContract = (name: string, make: MakeQueue, runs = 100, inspect?: InspectQueue): void => {
  describe(`LaneQueue contract: ${name}`, () => {
    it('Q2/Q3/Q4/Q5 adapter = kernel transitions on generated sequences: FIFO among live tickets, refresh keeps place, expiry by the store clock, dequeue idempotent, seq one above the highest ever used', async () => {
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 2, max: 5 }).chain((n) => fc.array(opArb(n), { minLength: 1, maxLength: 25 })), async (ops) => {
          const clock = fakeClock();
          const store = make(clock);
          let model: ReadonlyArray<Q.TicketRecord> = [];
          const maxSeq = new Map<string, number>();
          const ids = new Map<string, string>(); // adapter ticket id → model ticket id
          let serial = 0;
          const mapped = (v: Q.TicketView): Q.TicketView => ({ ...v, ticket_id: ids.get(v.ticket_id) ?? `unknown:${v.ticket_id}` });
          for (const o of ops) {
            if (o.op === 'advance') {
              clock.advance(o.ms);
              continue;
            }
            const lane = LANES[o.lane] as string;
            const now = clock.now();
            const h = holder(o.who);
            if (o.op === 'enqueue') {
              const meta = { branch: BRANCHES[o.branch] as string, ttl_ms: TTLS[o.ttl] as number };
              const exp = Q.enqueueT(model, lane, h, meta, now, maxSeq.get(lane) ?? 0, `m${++serial}`);
              const got = await get(store.enqueue(lane, h, meta));
              expect(got.refreshed).toBe(exp.result.refreshed);
              if (!got.refreshed) {
                expect(ids.has(got.ticket.ticket_id)).toBe(false); // a fresh id, never one handed out before
                ids.set(got.ticket.ticket_id, exp.result.ticket.ticket_id);
              }
              expect(mapped(got.ticket)).toEqual(exp.result.ticket);
              model = [...model.filter((r) => r.lane !== lane), ...exp.next];
              maxSeq.set(lane, Math.max(maxSeq.get(lane) ?? 0, ...exp.next.map((r) => r.seq)));
            } else {
              const exp = Q.dequeueT(model, lane, h.instance, now);
              const got = await get(store.dequeue(lane, h.instance));
              expect(got._tag === 'Dequeued' ? { _tag: 'Dequeued', ticket_id: ids.get(got.ticket_id) } : got).toEqual(exp.result);
              model = [...model.filter((r) => r.lane !== lane), ...exp.next];
            }
            // the queue of both lanes, as the store reports it, equals the kernel's view (expired tickets never shown)
            for (const l of LANES) {
              const view = await get(store.queue(l));
              expect(view.map(mapped)).toEqual(Q.queueView(model, l, now));
              expect(view.map((v) => v.position)).toEqual(view.map((_, i) => i + 1));
            }
            if (inspect !== undefined) {
              // Q1: every live ticket is stored with the model's seq (one above the highest the lane ever used)
              const stored = new Map((await inspect(store, lane)).map((t) => [ids.get(t.ticket_id), t.seq]));
              for (const r of Q.liveTickets(model, lane, now)) expect(stored.get(r.ticket_id)).toBe(r.seq);
            }
          }
        }),
        { numRuns: runs },
      );
    });

    it('Q1 seq is never reused after the queue drains, by dequeue or by expiry', async () => {
      const clock = fakeClock();
      const store = make(clock);
      const lane = LANES[0] as string;
      const meta = { branch: 'b', ttl_ms: Q.TICKET_TTL_MIN_MS };
      const a = await get(store.enqueue(lane, holder(1), meta));
      const b = await get(store.enqueue(lane, holder(2), meta));
      expect([a.ticket.position, b.ticket.position]).toEqual([1, 2]);
      expect(await get(store.dequeue(lane, holder(1).instance))).toEqual({ _tag: 'Dequeued', ticket_id: a.ticket.ticket_id });
      expect(await get(store.dequeue(lane, holder(2).instance))).toEqual({ _tag: 'Dequeued', ticket_id: b.ticket.ticket_id });
      expect(await get(store.queue(lane))).toEqual([]);
      const c = await get(store.enqueue(lane, holder(1), meta));
      expect(c).toMatchObject({ refreshed: false, ticket: { position: 1 } });
      expect(c.ticket.ticket_id).not.toBe(a.ticket.ticket_id);
      clock.advance(Q.TICKET_TTL_MIN_MS + 1); // drained by expiry
      expect(await get(store.queue(lane))).toEqual([]);
      const d = await get(store.enqueue(lane, holder(1), meta));
      expect(d.refreshed).toBe(false);
      if (inspect !== undefined) {
        const seqs = new Map((await inspect(store, lane)).map((t) => [t.ticket_id, t.seq]));
        expect(seqs.get(d.ticket.ticket_id)).toBe(4);
      }
      // the other lane numbers its own tickets
      const e = await get(store.enqueue(LANES[1] as string, holder(3), meta));
      if (inspect !== undefined) expect((await inspect(store, LANES[1] as string)).find((t) => t.ticket_id === e.ticket.ticket_id)?.seq).toBe(1);
    });

    it('Q4 a ticket lives exactly its ttl after the last refresh, measured on the store clock; a refresh keeps its place', async () => {
      const clock = fakeClock();
      const store = make(clock);
      const lane = LANES[0] as string;
      await get(store.enqueue(lane, holder(1), { branch: 'a', ttl_ms: 10_000 }));
      await get(store.enqueue(lane, holder(2), { branch: 'b', ttl_ms: 60_000 }));
      clock.advance(9_000);
      const r = await get(store.enqueue(lane, holder(1), { branch: 'a2', ttl_ms: 10_000 })); // the heartbeat
      expect(r).toMatchObject({ refreshed: true, ticket: { position: 1, branch: 'a2', age_sec: 9, heartbeat_age_sec: 0 } });
      clock.advance(10_000); // exactly the ttl since the refresh: still live
      expect((await get(store.queue(lane))).map((v) => [v.instance, v.position, v.age_sec, v.heartbeat_age_sec])).toEqual([
        [holder(1).instance, 1, 19, 10],
        [holder(2).instance, 2, 19, 19],
      ]);
      clock.advance(1);
      expect((await get(store.queue(lane))).map((v) => [v.instance, v.position])).toEqual([[holder(2).instance, 1]]);
      const back = await get(store.enqueue(lane, holder(1), { branch: 'a', ttl_ms: 10_000 })); // the dead waiter came back: end of the line
      expect(back).toMatchObject({ refreshed: false, ticket: { position: 2, age_sec: 0 } });
    });

    it('Q6 a bad lane name, ticket meta or holder is refused (`other`) by every method and nothing is written', async () => {
      await fc.assert(
        fc.asyncProperty(notLaneNameArb, badMetaArb, badHolderArb, async (badLane, badMeta, badHolder) => {
          const clock = fakeClock();
          const store = make(clock);
          const lane = LANES[0] as string;
          const refused = async (t: () => Promise<Res<unknown>>): Promise<void> => {
            const x = await t();
            expect(x._tag === 'Left' && x.left.kind).toBe('other');
          };
          await refused(store.enqueue(badLane, holder(1), { branch: 'b', ttl_ms: 60_000 }));
          await refused(store.dequeue(badLane, holder(1).instance));
          await refused(store.queue(badLane));
          await refused(store.enqueue(lane, holder(1), badMeta));
          await refused(store.enqueue(lane, badHolder, { branch: 'b', ttl_ms: 60_000 }));
          expect(await get(store.queue(lane))).toEqual([]);
          if (inspect !== undefined) {
            expect(await inspect(store, lane)).toEqual([]);
            expect(await inspect(store, badLane)).toEqual([]);
          }
          // and a good call afterwards starts the lane at seq 1: the refused ones took no number
          const ok = await get(store.enqueue(lane, holder(2), { branch: 'b', ttl_ms: 60_000 }));
          if (inspect !== undefined) expect(await inspect(store, lane)).toEqual([{ ticket_id: ok.ticket.ticket_id, seq: 1 }]);
        }),
        { numRuns: Math.min(runs, 20) },
      );
    });

    it('Q2 concurrent enqueues of distinct waiters: each ends in the queue exactly once, positions 1..n, a repeat keeps its place', async () => {
      for (const n of [2, 5, 8]) {
        const clock = fakeClock();
        const store = make(clock);
        const lane = LANES[1] as string;
        const got = await Promise.all(Array.from({ length: n }, (_, i) => persist(store.enqueue(lane, holder(i + 1), { branch: `b${i}`, ttl_ms: 60_000 }))));
        // (a `contended` answer leaves the outcome open, so a repeated call may find its own ticket: no `refreshed` check)
        expect(new Set(got.map((g) => g.ticket.ticket_id)).size).toBe(n);
        const q = await get(store.queue(lane));
        expect(q.map((v) => v.position)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
        expect(new Set(q.map((v) => v.instance)).size).toBe(n);
        expect(new Set(q.map((v) => v.ticket_id))).toEqual(new Set(got.map((g) => g.ticket.ticket_id)));
        // all of them refresh at once: nobody moves
        const again = await Promise.all(Array.from({ length: n }, (_, i) => persist(store.enqueue(lane, holder(i + 1), { branch: `b${i}`, ttl_ms: 60_000 }))));
        expect(again.every((g) => g.refreshed)).toBe(true);
        expect((await get(store.queue(lane))).map((v) => v.ticket_id)).toEqual(q.map((v) => v.ticket_id));
        if (inspect !== undefined) {
          const seqs = (await inspect(store, lane)).map((t) => t.seq).sort((a, b) => a - b);
          expect(seqs).toEqual(Array.from({ length: n }, (_, i) => i + 1));
        }
      }
    });
  });
};
