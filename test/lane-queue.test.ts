/**
 * The landing-queue contract suite (land.md §2 Q1–Q6) against the in-memory store and the embedded file-system store,
 * plus the embedded store's own rules (land.md §2.1 QF1–QF6): the file layout, a corrupt newest generation rebuilt from
 * the last good one and audited (never an empty queue), crash injection at every step, and failure kinds. Everything
 * here runs in this process, so mutation runs count it (docs/testing.md §3); what needs another process (a FIFO made
 * by `mkfifo`, real processes enqueueing at once) is in lane-queue.multiprocess.test.ts.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { memoryLaneStore, type MemoryLaneStore } from '@arbiter/io-memory';
import { landQueue as Q } from '@arbiter/kernel';
import { decodeQueueFile, encodeQueueFile, fsLaneStore, isStorableQueueFile, laneKey } from '@arbiter/io-node';
import { laneQueueContract } from './contract/lane-queue.contract.js';
import { H, META, instances, newestFile, right, tmpDirs } from './helpers/queue-files.js';

const tmp = tmpDirs();

const memoryStores = new WeakMap<object, MemoryLaneStore>();
laneQueueContract(
  'in-memory',
  (clock) => {
    const s = memoryLaneStore({ clock });
    memoryStores.set(s, s);
    return s;
  },
  150,
  async (store, lane) => (memoryStores.get(store)?.tickets() ?? []).filter((t) => t.lane === lane).map((t) => ({ ticket_id: t.ticket_id, seq: t.seq })),
);

const fsRoots = new WeakMap<object, string>();
laneQueueContract(
  'embedded fs',
  (clock) => {
    const root = tmp();
    const s = fsLaneStore(root, { now: clock.now });
    fsRoots.set(s, root);
    return s;
  },
  40,
  async (store, lane) => {
    const f = newestFile(fsRoots.get(store) as string, lane);
    if (f === null) return [];
    const d = decodeQueueFile(f.text, lane);
    if ('corrupt' in d) throw new Error(`a committed generation does not decode: ${d.corrupt}`);
    return d.tickets.map((t) => ({ ticket_id: t.ticket_id, seq: t.seq }));
  },
);

describe('embedded fs queue specifics (land.md §2.1)', () => {
  const lane = 'deploy:refs/heads/main';

  it('QF1/QF2 one generation per changing call under queue/<lane key>.json.<g>; reads and idle dequeues write nothing; instants ISO', async () => {
    const root = tmp();
    const s = fsLaneStore(root, { now: () => Date.parse('2026-03-01T10:00:00.000Z') });
    await right(s.enqueue(lane, H(1), META));
    await right(s.enqueue(lane, H(2), META));
    await right(s.queue(lane));
    expect(await right(s.dequeue(lane, 'nobody'))).toEqual({ _tag: 'NotQueued' });
    await right(s.enqueue(lane, H(1), META)); // refresh
    expect(await right(s.dequeue(lane, H(1).instance))).toMatchObject({ _tag: 'Dequeued' });
    expect(readdirSync(join(root, 'queue')).sort()).toEqual([1, 2, 3, 4].map((g) => `${laneKey(lane)}.json.${g}`));
    expect(existsSync(join(root, 'lanes'))).toBe(false); // the queue never touches the lane records
    const f = JSON.parse(newestFile(root, lane)?.text ?? '') as { schema_version: number; lane: string; max_seq: number; tickets: { created_at: string; seq: number }[] };
    expect(f).toMatchObject({ schema_version: 1, lane, max_seq: 2, tickets: [{ seq: 2, created_at: '2026-03-01T10:00:00.000Z' }] });
  });

  it('QF3 codec: every queue the kernel can produce round-trips; a file naming another lane, a repeated instance or seq, or a seq above max_seq is corrupt', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ who: fc.nat(6), ttl: fc.integer({ min: Q.TICKET_TTL_MIN_MS, max: Q.TICKET_TTL_MAX_MS }), dt: fc.nat(100_000) }), { maxLength: 12 }), (steps) => {
        let recs: ReadonlyArray<Q.TicketRecord> = [];
        let max = 0;
        let t = 1_700_000_000_000;
        for (const [i, st] of steps.entries()) {
          t += st.dt;
          const tr = Q.enqueueT(recs, lane, H(st.who), { branch: `b/${i}`, ttl_ms: st.ttl }, t, max, `id${i}`);
          recs = tr.next;
          max = Math.max(max, ...recs.map((r) => r.seq));
        }
        const file = { lane, max_seq: max, tickets: recs };
        expect(isStorableQueueFile(file, lane)).toBe(true);
        expect(decodeQueueFile(encodeQueueFile(file), lane)).toEqual(file);
        expect(decodeQueueFile(encodeQueueFile(file), 'deploy:other')).toHaveProperty('corrupt');
        const first = recs[0];
        if (first !== undefined) {
          expect(decodeQueueFile(encodeQueueFile({ ...file, tickets: [...recs, { ...first, ticket_id: 'other', seq: max + 1 }] }), lane)).toHaveProperty('corrupt');
          expect(decodeQueueFile(encodeQueueFile({ ...file, max_seq: first.seq - 1 }), lane)).toHaveProperty('corrupt');
          expect(decodeQueueFile(encodeQueueFile({ ...file, tickets: [...recs, { ...first, ticket_id: 'x', instance: 'other' }] }), lane)).toHaveProperty('corrupt');
        }
      }),
      { numRuns: 200 },
    );
  });

  it('Q6 boundary (property): every meta and holder the kernel accepts makes a ticket every codec keeps; everything else is refused', () => {
    const str = (max: number) => fc.oneof(fc.string({ unit: 'binary', maxLength: max }), fc.string({ unit: 'grapheme', maxLength: 8 }), fc.constantFrom('', '\u0000', '\ud800', 'a\u001fb', '\u007f'));
    fc.assert(
      fc.property(
        fc.record({ branch: fc.oneof(str(40), fc.constant('b'.repeat(Q.TICKET_BRANCH_MAX)), fc.constant('b'.repeat(Q.TICKET_BRANCH_MAX + 1))), ttl_ms: fc.oneof(fc.integer(), fc.double()) }),
        fc.record({ handle: str(20), session: str(20), instance: fc.oneof(str(20), fc.constant('i'.repeat(513))), host: str(20) }),
        (meta, holder) => {
          const ok = Q.isTicketMeta(meta) && Q.isTicketHolder(holder);
          const tr = Q.enqueueT([], lane, holder, meta, 1_700_000_000_000, 0, 'id');
          const storable = tr.next.every((r) => Q.TicketRecordCodec.is(r)) && isStorableQueueFile({ lane, max_seq: 1, tickets: tr.next }, lane);
          if (ok) expect(storable).toBe(true);
          // the branch is refused when it could paint a terminal or could not be kept by PostgreSQL
          if (/[\u0000-\u001f\u007f]|[\ud800-\udfff]/u.test(meta.branch)) expect(Q.isTicketMeta(meta)).toBe(false);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('QF4 a corrupt newest generation is rebuilt from the last good one (live tickets kept, seq never reused), committed and audited', async () => {
    for (const junk of ['{"schema_version":1,"lane":', 'null', '{"schema_version":1,"lane":"deploy:refs/heads/main","max_seq":9,"tickets":[{"ticket_id":""}]}']) {
      const root = tmp();
      const s = fsLaneStore(root);
      await right(s.enqueue(lane, H(1), META)); // g1: seq 1
      await right(s.enqueue(lane, H(2), META)); // g2: seq 2
      writeFileSync(join(root, 'queue', `${laneKey(lane)}.json.3`), junk); // g3: garbage (it may have taken seq 3)
      // the read shows the rebuilt queue and writes nothing
      expect(await instances(s, lane)).toEqual([H(1).instance, H(2).instance]);
      expect(readdirSync(join(root, 'queue')).length).toBe(3);
      const c = await right(s.enqueue(lane, H(3), META));
      expect(c).toMatchObject({ refreshed: false, ticket: { position: 3 } });
      expect(await instances(s, lane)).toEqual([H(1).instance, H(2).instance, H(3).instance]);
      const f = decodeQueueFile(newestFile(root, lane)?.text ?? '', lane);
      if ('corrupt' in f) throw new Error(f.corrupt);
      expect(f.tickets.map((t) => t.seq)).toEqual([1, 2, 4]); // 3 may have been handed out by the lost generation
      const audit = await right(s.audit(10));
      expect(audit.map((a) => [a.kind, a.lane])).toEqual([['corrupt-record', lane]]);
      expect(audit[0]?.reason).toMatch(/^queue generation 3 corrupt \(.+\); rebuilt from generation 2$/);
      // the repair is committed once: the next call finds a good newest generation
      await right(s.enqueue(lane, H(1), META));
      expect((await right(s.audit(10))).length).toBe(1);
    }
  });

  it('crash injected at every step of an enqueue and a dequeue: the queue is the one before or the one after, never a torn or lost ticket', async () => {
    for (const op of ['enqueue', 'dequeue'] as const) {
      for (const step of ['list', 'read', 'mkdir', 'link', 'append']) {
        const root = tmp();
        await right(fsLaneStore(root).enqueue(lane, H(1), META));
        await right(fsLaneStore(root).enqueue(lane, H(2), META));
        let armed = true;
        const crashing = fsLaneStore(root, {
          inject: (s) => {
            if (armed && s === step) {
              armed = false;
              return 'EIO';
            }
            return null;
          },
        });
        const r = op === 'enqueue' ? await crashing.enqueue(lane, H(3), META)() : await crashing.dequeue(lane, H(1).instance)();
        const after = await instances(fsLaneStore(root), lane);
        const before = [H(1).instance, H(2).instance];
        const done = op === 'enqueue' ? [...before, H(3).instance] : [H(2).instance];
        expect([before, done]).toContainEqual(after);
        if (r._tag === 'Right') expect(after).toEqual(done);
        else expect(r.left).toEqual({ _tag: 'LaneFailure', kind: 'transport', status: 'EIO' });
        for (const n of readdirSync(join(root, 'queue'))) expect(decodeQueueFile(readFileSync(join(root, 'queue', n), 'utf8'), lane)).not.toHaveProperty('corrupt');
      }
    }
  });

  it('QF5 a commit another writer builds on at once keeps its answer: a new ticket answers refreshed false, a withdrawal Dequeued', async () => {
    const root = tmp();
    const first = await right(fsLaneStore(root).enqueue(lane, H(1), META));
    /** A store whose next commit is immediately built on by another writer (a copy as generation g+2). */
    const raced = (): ReturnType<typeof fsLaneStore> => {
      let linked = false;
      let done = false;
      return fsLaneStore(root, {
        inject: (st) => {
          if (st === 'link') linked = true;
          else if (st === 'list' && linked && !done) {
            done = true;
            const f = newestFile(root, lane) as { g: number; text: string };
            writeFileSync(join(root, 'queue', `${laneKey(lane)}.json.${f.g + 1}`), f.text);
          }
          return null;
        },
      });
    };
    const second = await right(raced().enqueue(lane, H(2), META));
    expect(second).toMatchObject({ refreshed: false, ticket: { position: 2 } });
    expect(await right(raced().dequeue(lane, H(1).instance))).toEqual({ _tag: 'Dequeued', ticket_id: first.ticket.ticket_id });
    expect(await instances(fsLaneStore(root), lane)).toEqual([H(2).instance]);
  });

  it('push-gate.md §5.6 failure kinds: store under a file → transport, read-only queue directory → forbidden, ENOSPC → other, always losing the race → contended', async () => {
    const file = join(tmp(), 'plain-file');
    writeFileSync(file, 'x');
    const r1 = await fsLaneStore(join(file, 'arbiter')).enqueue(lane, H(1), META)();
    expect(r1._tag === 'Left' && r1.left.kind).toBe('transport');
    const full = await fsLaneStore(tmp(), { inject: (x) => (x === 'link' ? 'ENOSPC' : null) }).enqueue(lane, H(1), META)();
    expect(full._tag === 'Left' && full.left).toEqual({ _tag: 'LaneFailure', kind: 'other', status: 'ENOSPC' });
    if (process.getuid?.() !== 0) {
      const ro = tmp();
      mkdirSync(join(ro, 'queue'));
      chmodSync(join(ro, 'queue'), 0o500);
      const r = await fsLaneStore(ro).enqueue(lane, H(1), META)();
      expect(r._tag === 'Left' && r.left.kind).toBe('forbidden');
      chmodSync(join(ro, 'queue'), 0o700);
    }
    const root = tmp();
    let n = 0;
    const losing = fsLaneStore(root, {
      inject: (x) => {
        // another writer commits the generation this call was about to take
        if (x === 'link') writeFileSync(join(root, 'queue', `${laneKey(lane)}.json.${++n}`), encodeQueueFile({ lane, max_seq: 0, tickets: [] }));
        return null;
      },
    });
    mkdirSync(join(root, 'queue'), { recursive: true });
    const r = await losing.enqueue(lane, H(1), META)();
    expect(r._tag === 'Left' && r.left).toEqual({ _tag: 'LaneFailure', kind: 'contended', status: 'CAS-EXHAUSTED' });
  });

  it('Q6 refused calls create nothing on disk', async () => {
    const root = tmp();
    const s = fsLaneStore(root);
    expect((await s.enqueue('bad\nlane', H(1), META)())._tag).toBe('Left');
    expect((await s.enqueue(lane, H(1), { branch: 'x', ttl_ms: 1 })())._tag).toBe('Left');
    expect((await s.enqueue(lane, { ...H(1), instance: '' }, META)())._tag).toBe('Left');
    expect(readdirSync(root)).toEqual([]);
  });
});

