/**
 * History check over the audit table after a concurrent run (issue 9, "Bad input and faults"): 16 processes, at
 * least 2 000 operations on three lanes, while the test ages random holders past their lease (as a stalled client
 * would) so expired takeovers happen. Then, from the database's own record:
 * - at no database instant two unexpired holders of one lane: replaying each lane's audit rows in commit order,
 *   every grant finds the lane free, or its holder expired by the database clock at that instant (the takeover row
 *   carries the displaced holder's heartbeat and lease);
 * - fences strictly increase per lane (each grant is the previous fence + 1);
 * - every grant a process was told about has exactly its audit row, and every audit grant was told to a process.
 *
 * Stores under test, at the same time: half the workers use the PostgreSQL store direct, half go through one
 * `arbiter serve --store postgres` over HTTP (http→pg) with an owner token (the holder's handle is the token's member;
 * the checks below key on instances). Both write the same schema (`arbiter`, the one serve opens).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { migrate } from '@arbiter/io-node';
import { BIN, requireBuilt, startServe as startArbiterServe } from './helpers/bin.js';
import { startPgCluster, type PgCluster } from './helpers/pg-cluster.js';

const WORKER = join(__dirname, 'helpers', 'lane-history-worker.mjs');
const PROCS = 16;
const OPS = 130;
/** Store kinds the workers alternate between (see the file comment). */
const STORES: ReadonlyArray<string> = ['pg', 'http'];

let cluster: PgCluster;
let admin: pg.Pool;
beforeAll(() => {
  requireBuilt();
  cluster = startPgCluster();
  admin = new pg.Pool({ connectionString: cluster.url, max: 2 });
  admin.on('error', () => undefined);
});
afterAll(async () => {
  await admin?.end();
  cluster?.stop();
});

interface Line {
  op: string;
  lane: string;
  instance: string;
  res: { _tag?: string; fence?: number; reclaimed?: boolean; failure?: unknown };
}
/** `arbiter serve --store postgres` on a free port, and an owner token for the http workers. */
const startServe = async (): Promise<{ child: ChildProcess; url: string; token: string }> => {
  const env = { ...process.env, ARBITER_DATABASE_URL: cluster.url };
  const tok = spawnSync(process.execPath, [BIN, 'token', 'create', '--member', 'history@example.com', '--owner', '--store', 'postgres'], { env, encoding: 'utf8', timeout: 30_000 });
  if (tok.status !== 0) throw new Error(`token create: ${tok.stderr}`);
  const { child, url } = await startArbiterServe(['--listen', '127.0.0.1:0', '--store', 'postgres'], { env });
  return { child, url, token: tok.stdout.trim() };
};

const runWorker = (kind: string, schema: string, id: number, http: { url: string; token: string } | null): Promise<Line[]> =>
  new Promise((res, rej) => {
    const target = kind === 'http' && http !== null ? http.url : cluster.url;
    const env = { ...process.env, ARBITER_TOKEN: http?.token ?? '' };
    const c = spawn(process.execPath, [WORKER, kind, target, schema, String(id), String(OPS), String(id * 7919 + 1)], { env });
    let out = '';
    let err = '';
    c.stdout.on('data', (d: Buffer) => (out += d.toString()));
    c.stderr.on('data', (d: Buffer) => (err += d.toString()));
    c.on('close', (code) => (code === 0 ? res(out.trim().split('\n').map((l) => JSON.parse(l) as Line)) : rej(new Error(`worker ${id} exit ${code}: ${err}`))));
  });

describe('lane history over the audit table (16 processes)', () => {
  it('no two unexpired holders at any database instant, fences strictly increase, every grant has its audit row', async () => {
    const schema = 'arbiter';
    await migrate(cluster.url, { schema });
    const served = STORES.includes('http') ? await startServe() : null;
    let running = true;
    let aged = 0;
    // a stalled holder, seen from the database: its last heartbeat moves 2 minutes back (leases are 1 minute)
    const ager = (async () => {
      while (running) {
        const r = await admin.query(
          `UPDATE "${schema}".lanes SET heartbeat_at = heartbeat_at - interval '2 minutes'
            WHERE lane = (ARRAY['deploy:a','deploy:b','deploy:c'])[1 + floor(random() * 3)::int] AND holder_instance IS NOT NULL`,
        );
        aged += r.rowCount ?? 0;
        await new Promise((res) => setTimeout(res, 40));
      }
    })();
    let lines: Line[];
    try {
      lines = (await Promise.all(Array.from({ length: PROCS }, (_, i) => runWorker(STORES[i % STORES.length] as string, schema, i + 1, served)))).flat();
    } finally {
      running = false;
      await ager;
      served?.child.kill('SIGTERM');
    }
    // both paths ran at once: grants audited under a direct worker's handle and under the served token's member
    if (served !== null) {
      const by = (await admin.query<{ h: string }>(`SELECT DISTINCT by_handle AS h FROM "${schema}".audit WHERE kind IN ('claim', 'expired-takeover')`)).rows.map((r) => r.h);
      expect(by).toContain('history@example.com');
      expect(by.some((h) => /^w\d+@example\.com$/.test(h))).toBe(true);
    }
    expect(lines.length).toBeGreaterThanOrEqual(2_000);
    expect(aged).toBeGreaterThan(0);

    const rows = (
      await admin.query<{ id: string; at: number; lane: string; kind: string; by_instance: string; fence: number; previous: { instance: string; heartbeat_at: number; lease_ms: number } | null }>(
        `SELECT id, (extract(epoch from at) * 1000)::float8 AS at, lane, kind, by_instance, fence::int AS fence, previous FROM "${schema}".audit WHERE lane IS NOT NULL ORDER BY id`,
      )
    ).rows;
    const grants = new Set<string>();
    let takeovers = 0;
    for (const lane of ['deploy:a', 'deploy:b', 'deploy:c']) {
      let holder: string | null = null;
      let fence = 0;
      for (const r of rows.filter((x) => x.lane === lane)) {
        const where = `${lane} audit #${r.id} ${r.kind}`;
        if (r.kind === 'claim') {
          expect(holder, where).toBeNull();
          expect(r.fence, where).toBe(fence + 1);
          holder = r.by_instance;
          fence = r.fence;
          grants.add(`${lane}|${r.fence}|${r.by_instance}`);
        } else if (r.kind === 'expired-takeover') {
          expect(r.previous?.instance, where).toBe(holder);
          // the displaced holder was expired at this database instant (LS3: now − heartbeat_at > lease)
          expect(r.at - (r.previous?.heartbeat_at ?? Infinity), where).toBeGreaterThan(r.previous?.lease_ms ?? Infinity);
          expect(r.fence, where).toBe(fence + 1);
          holder = r.by_instance;
          fence = r.fence;
          takeovers++;
          grants.add(`${lane}|${r.fence}|${r.by_instance}`);
        } else if (r.kind === 'release') {
          expect(r.by_instance, where).toBe(holder);
          expect(r.fence, where).toBe(fence);
          holder = null;
        } else if (r.kind === 'force-release') {
          expect(r.previous?.instance ?? null, where).toBe(holder);
          expect(r.fence, where).toBe(fence);
          holder = null;
        }
      }
      const row = (await admin.query(`SELECT fence::int AS fence, holder_instance FROM "${schema}".lanes WHERE lane = $1`, [lane])).rows[0] as { fence: number; holder_instance: string | null };
      expect(row).toEqual({ fence, holder_instance: holder });
    }
    expect(takeovers).toBeGreaterThan(0);
    // every fresh grant a process saw has its audit row, and nothing else was granted
    const told = new Set(
      lines.filter((l) => l.op === 'claim' && l.res._tag === 'Granted' && l.res.reclaimed === false).map((l) => `${l.lane}|${l.res.fence}|${l.instance}`),
    );
    const failures = lines.filter((l) => l.res.failure !== undefined);
    expect(failures.length).toBe(0);
    expect([...told].sort()).toEqual([...grants].sort());
  });
});
