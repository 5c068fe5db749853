/**
 * The embedded landing queue (land.md §2.1) where another process is needed: a FIFO (made by `mkfifo`) at the newest
 * generation, and real processes enqueueing, refreshing and leaving at once. The in-process rules are in
 * lane-queue.test.ts.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { landQueue as Q } from '@arbiter/kernel';
import { decodeQueueFile, fsLaneStore, laneKey } from '@arbiter/io-node';
import { H, META, instances, newestFile, right, tmpDirs } from './helpers/queue-files.js';

const tmp = tmpDirs();

describe('embedded fs queue specifics needing a FIFO (land.md §2.1)', () => {
  const lane = 'deploy:refs/heads/main';

  it('QF4 a FIFO or directory at the newest generation is corrupt, never waited on; with no good generation left the queue restarts above every seq the lost ones could hold', async () => {
    const root = tmp();
    const s = fsLaneStore(root);
    await right(s.enqueue(lane, H(1), META));
    rmSync(join(root, 'queue', `${laneKey(lane)}.json.1`));
    mkdirSync(join(root, 'queue', `${laneKey(lane)}.json.2`));
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
  it('N processes enqueue at once and refresh ten times each (their commits race: lost rounds re-decide): every ticket present exactly once with distinct seqs, in seq order; leavers gone; no corrupt generation', async () => {
    for (const n of [8, 12]) {
      const root = tmp();
      const lane = 'deploy:refs/heads/main';
      const start = join(root, 'go');
      const leaving = (i: number): boolean => n === 12 && i % 3 === 0;
      const runs = Array.from({ length: n }, (_, i) => worker([root, lane, String(i), start, leaving(i) ? '1' : '0', '10']));
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
      // every step commits at least one generation (n first enqueues, 10 refreshes each, one dequeue per leaver); a step
      // whose commit was built on at once decides again and may commit once more (QF5)
      expect(newestFile(root, lane)?.g).toBeGreaterThanOrEqual(n * 11 + (n - staying.length));
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
