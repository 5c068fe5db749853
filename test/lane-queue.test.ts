/**
 * The landing-queue contract suite (land.md §2 Q1–Q6) against the in-memory store and the embedded file-system store,
 * plus the embedded store's own rules (land.md §2.1 QF1–QF6): the file layout, a corrupt newest generation rebuilt from
 * the last good one and audited (never an empty queue), crash injection at every step, failure kinds, and real
 * processes enqueueing at once.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { memoryLaneStore, type MemoryLaneStore } from '@arbiter/io-memory';
import { landQueue as Q } from '@arbiter/kernel';
import { decodeQueueFile, encodeQueueFile, fsLaneStore, isStorableQueueFile, laneKey } from '@arbiter/io-node';
import { laneQueueContract } from './contract/lane-queue.contract.js';

const dirs: string[] = [];
const tmp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'arbiter-queue-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

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

/** The newest queue generation of `lane` under `root`, decoded (null when none). */
const newestFile = (root: string, lane: string): { g: number; text: string } | null => {
  const dir = join(root, 'queue');
  if (!existsSync(dir)) return null;
  const gens = readdirSync(dir)
    .filter((n) => n.startsWith(`${laneKey(lane)}.json.`))
    .map((n) => Number(n.slice(laneKey(lane).length + 6)))
    .sort((a, b) => a - b);
  const g = gens.at(-1);
  return g === undefined ? null : { g, text: readFileSync(join(dir, `${laneKey(lane)}.json.${g}`), 'utf8') };
};

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

const H = (i: number) => ({ handle: `u${i}`, session: `s${i}`, instance: `inst-${i}`, host: 'h' });
const META = { branch: 'feature/x', ttl_ms: 60_000 };
const right = async <A>(t: () => Promise<{ _tag: string; right?: A; left?: unknown }>): Promise<A> => {
  const r = await t();
  if (r._tag !== 'Right') throw new Error(JSON.stringify(r.left));
  return r.right as A;
};
const instances = async (s: ReturnType<typeof fsLaneStore>, lane: string): Promise<string[]> => (await right(s.queue(lane))).map((v) => v.instance);

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

  it('QF4 a FIFO or directory at the newest generation is corrupt, never waited on; with no good generation left the queue restarts above every seq the lost ones could hold', async () => {
    const root = tmp();
    const s = fsLaneStore(root);
    await right(s.enqueue(lane, H(1), META));
    rmSync(join(root, 'queue', `${laneKey(lane)}.json.1`));
    mkdirSync(join(root, 'queue', `${laneKey(lane)}.json.2`));
    const { execFileSync } = await import('node:child_process');
    execFileSync('mkfifo', [join(root, 'queue', `${laneKey(lane)}.json.3`)]);
    const t0 = Date.now();
    expect(await instances(s, lane)).toEqual([]);
    const r = await right(s.enqueue(lane, H(2), META));
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect(r.ticket.position).toBe(1);
    const f = decodeQueueFile(newestFile(root, lane)?.text ?? '', lane);
    if ('corrupt' in f) throw new Error(f.corrupt);
    expect(f.tickets.map((t) => t.seq)).toEqual([4]);
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

/** Run one worker process; resolves with its JSON line. */
const worker = (args: ReadonlyArray<string>): Promise<Record<string, unknown>> =>
  new Promise((resolve, reject) => {
    execFile(process.execPath, [fileURLToPath(new URL('./helpers/queue-worker.mjs', import.meta.url)), ...args], { timeout: 60_000 }, (e, out, err) => {
      if (e) reject(new Error(`${e.message}\n${err}`));
      else resolve(JSON.parse(out) as Record<string, unknown>);
    });
  });

describe('embedded fs queue across real processes', () => {
  it('N processes enqueue at once: every ticket present exactly once with distinct seqs, in seq order; leavers gone; no corrupt generation', async () => {
    for (const n of [8, 12]) {
      const root = tmp();
      const lane = 'deploy:refs/heads/main';
      const start = join(root, 'go');
      const leaving = (i: number): boolean => n === 12 && i % 3 === 0;
      const runs = Array.from({ length: n }, (_, i) => worker([root, lane, String(i), start, leaving(i) ? '1' : '0']));
      await new Promise((r) => setTimeout(r, 400)); // let every process start and wait at the barrier
      writeFileSync(start, '');
      const outs = (await Promise.all(runs)) as unknown as { id: string; instance: string; first: { right?: Q.EnqueueOk; failure?: unknown }; again: { right?: Q.EnqueueOk; failure?: unknown }; out: { right?: Q.DequeueOk } | null }[];
      for (const o of outs) {
        expect(o.first.failure).toBeUndefined();
        expect(o.again.right?.refreshed).toBe(true);
        expect(o.again.right?.ticket.ticket_id).toBe(o.first.right?.ticket.ticket_id); // the refresh kept the ticket
        if (o.out !== null) expect(o.out.right).toEqual({ _tag: 'Dequeued', ticket_id: o.first.right?.ticket.ticket_id });
      }
      const staying = outs.filter((o) => o.out === null);
      const f = decodeQueueFile(newestFile(root, lane)?.text ?? '', lane);
      if ('corrupt' in f) throw new Error(f.corrupt);
      expect(f.tickets.map((t) => t.instance).sort()).toEqual(staying.map((o) => o.instance).sort());
      expect(new Set(f.tickets.map((t) => t.seq)).size).toBe(staying.length);
      expect(f.max_seq).toBe(n); // one number per waiter, none skipped, none reused
      const q = await right(fsLaneStore(root).queue(lane));
      const bySeq = [...f.tickets].sort((a, b) => a.seq - b.seq).map((t) => t.ticket_id);
      expect(q.map((v) => v.ticket_id)).toEqual(bySeq);
      for (const o of staying) expect(q.find((v) => v.instance === o.instance)?.ticket_id).toBe(o.first.right?.ticket.ticket_id);
      for (const name of readdirSync(join(root, 'queue'))) {
        if (name.includes('.tmp-')) continue;
        expect(decodeQueueFile(readFileSync(join(root, 'queue', name), 'utf8'), lane)).not.toHaveProperty('corrupt');
      }
      expect(readdirSync(join(root, 'queue')).filter((x) => x.includes('.tmp-'))).toEqual([]);
      expect(existsSync(join(root, 'audit.ndjson'))).toBe(false); // nothing was corrupt, nothing to report
    }
  }, 120_000);
});
