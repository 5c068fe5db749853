/**
 * The LaneStore contract suite (unchanged) against the PostgreSQL store on a real throwaway cluster, plus the
 * PostgreSQL rules of push-gate.md §5.7: concurrent claims in separate pools, migrations (idempotent, concurrent,
 * missing/old schema → `store-failed` naming `arbiter db migrate`), the append-only audit table, the fence rule
 * enforced by the database, and the push-gate.md §5.6 failure mapping.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import pg from 'pg';
import type { LaneQueue, LaneStore } from '@arbiter/kernel';
import { landQueue as Q, pushGate as PG } from '@arbiter/kernel';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { httpLaneStore, migrate, openPgLaneStore, pgFailure, PG_LATEST_VERSION, PG_SCHEMA_STATUS, type PgLaneStore } from '@arbiter/io-node';
import { buildServer } from '../packages/hooks/src/serve/server.js';
import { fsTokenStore, type TokenStore } from '../packages/hooks/src/serve/tokens.js';
import { pgTokenStore } from '../packages/hooks/src/serve/pg-tokens.js';
import { laneStoreContract } from './contract/lane-store.contract.js';
import { laneQueueContract } from './contract/lane-queue.contract.js';
import { pgClusterForFile, type PgCluster } from './helpers/pg-cluster.js';

let cluster: PgCluster;
let pool: pg.Pool;
const opened: PgLaneStore[] = [];
let schemas = 0;

pgClusterForFile((c, p) => ((cluster = c), (pool = p)), opened);

/** A store whose first call waits for its own freshly migrated schema (the contract's `make` is synchronous). */
const lazyStore = (ready: Promise<LaneStore>): LaneStore => {
  const m =
    <K extends keyof LaneStore>(k: K) =>
    (...args: Parameters<LaneStore[K]>) =>
    () =>
      ready.then((s) => (s[k] as (...a: Parameters<LaneStore[K]>) => () => Promise<unknown>)(...args)());
  return {
    claim: m('claim'),
    heartbeat: m('heartbeat'),
    release: m('release'),
    forceRelease: m('forceRelease'),
    state: m('state'),
    post: m('post'),
    halt: m('halt'),
    unhalt: m('unhalt'),
    audit: m('audit'),
    enqueue: m('enqueue'),
    dequeue: m('dequeue'),
    queue: m('queue'),
  } as LaneStore;
};

/** A PostgreSQL store on `schema` (once migrated) driven by `clock`, opened synchronously. */
const lazyPg = (schema: Promise<string>, clock: () => number): PgLaneStore => {
  const ready = schema.then((sc) => openPgLaneStore({ url: cluster.url, handle: pool, schema: sc, clock }));
  const s = lazyStore(ready);
  return { ...s, close: async () => undefined };
};

const freshSchema = async (): Promise<string> => {
  const schema = `c${process.pid}_${++schemas}`;
  await migrate(cluster.url, { schema });
  return schema;
};

laneStoreContract(
  'postgres',
  (clock, owners) => lazyStore(freshSchema().then((schema) => openPgLaneStore({ url: cluster.url, handle: pool, schema, clock: clock.now, owners: owners ?? undefined }))),
  40,
);

// the landing queue (land.md §2 Q1–Q6; land.md §2.1 QP1–QP6) on its own freshly migrated schema per store
const queueSchemas = new WeakMap<object, Promise<string>>();
laneQueueContract(
  'postgres',
  (clock) => {
    const schema = freshSchema();
    const ready = schema.then((sc) => openPgLaneStore({ url: cluster.url, handle: pool, schema: sc, clock: clock.now }));
    const q: LaneQueue = {
      enqueue: (l, h, m) => () => ready.then((s) => s.enqueue(l, h, m)()),
      dequeue: (l, i) => () => ready.then((s) => s.dequeue(l, i)()),
      queue: (l) => () => ready.then((s) => s.queue(l)()),
    };
    queueSchemas.set(q, schema);
    return q;
  },
  30,
  async (store, lane) => {
    const schema = await queueSchemas.get(store);
    // a name PostgreSQL text cannot even carry (U+0000) is never a lane: every stored ticket would be a wrongly kept one
    if (!PG.isLaneName(lane)) return (await pool.query(`SELECT ticket_id, seq::float8 AS seq FROM "${schema}".queue_tickets`)).rows as { ticket_id: string; seq: number }[];
    const r = await pool.query(`SELECT ticket_id, seq::float8 AS seq FROM "${schema}".queue_tickets WHERE lane = $1 ORDER BY seq`, [lane]);
    return r.rows as { ticket_id: string; seq: number }[];
  },
);

// http → pg: `arbiter serve` in-process in front of the PostgreSQL store (land.md §2.1 QH1–QH3), one token per handle
type Served = { store: PgLaneStore; tokens: TokenStore; minted: Map<string, Promise<string>> };
let served: Served | null = null;
const servedApp = buildServer({
  store: () => (served as Served).store,
  tokens: {
    create: (m, o) => (served as Served).tokens.create(m, o),
    list: () => (served as Served).tokens.list(),
    revoke: (id) => (served as Served).tokens.revoke(id),
    verify: (t) => (served as Served).tokens.verify(t),
  },
  log: () => undefined,
});
let servedUrl = '';
beforeAll(async () => {
  await servedApp.listen({ host: '127.0.0.1', port: 0 });
  const a = servedApp.server.address();
  servedUrl = `http://127.0.0.1:${typeof a === 'object' && a !== null ? a.port : 0}`;
});
afterAll(async () => {
  await servedApp.close();
  for (const d of tokenDirs) rmSync(d, { recursive: true, force: true });
});
const tokenDirs: string[] = [];
const httpSchemas = new WeakMap<object, Promise<string>>();
laneQueueContract(
  'http → postgres (arbiter serve in-process)',
  (clock) => {
    const dir = mkdtempSync(join(tmpdir(), 'arbiter-pgq-'));
    tokenDirs.push(dir);
    const schema = freshSchema();
    const cur: Served = { store: lazyPg(schema, clock.now), tokens: fsTokenStore(dir), minted: new Map() };
    served = cur;
    const client = async (handle: string): Promise<LaneQueue> => {
      let t = cur.minted.get(handle);
      if (t === undefined) {
        t = cur.tokens.create(handle, 'member').then((x) => x.token);
        cur.minted.set(handle, t);
      }
      return httpLaneStore({ url: servedUrl, token: await t });
    };
    const q: LaneQueue = {
      enqueue: (l, h, m) => async () => (await client(h.handle)).enqueue(l, h, m)(),
      dequeue: (l, i) => async () => (await client('reader@example.com')).dequeue(l, i)(),
      queue: (l) => async () => (await client('reader@example.com')).queue(l)(),
    };
    httpSchemas.set(q, schema);
    return q;
  },
  20,
  async (store, lane) => {
    const schema = await httpSchemas.get(store);
    if (!PG.isLaneName(lane)) return (await pool.query(`SELECT ticket_id, seq::float8 AS seq FROM "${schema}".queue_tickets`)).rows as { ticket_id: string; seq: number }[];
    return (await pool.query(`SELECT ticket_id, seq::float8 AS seq FROM "${schema}".queue_tickets WHERE lane = $1 ORDER BY seq`, [lane])).rows as { ticket_id: string; seq: number }[];
  },
);

const H = (i: number) => ({ handle: `u${i}`, session: `s${i}`, instance: String(i).padStart(32, '0'), host: 'h' });
const right = async <A>(t: () => Promise<{ _tag: string; right?: A; left?: unknown }>): Promise<A> => {
  const r = await t();
  if (r._tag !== 'Right') throw new Error(JSON.stringify(r.left));
  return r.right as A;
};

describe('PostgreSQL lane store specifics', () => {
  it('PG-25 across connections: N stores (own pools) claiming one free lane at once grant exactly one, the rest Held', async () => {
    for (let round = 0; round < 10; round++) {
      const schema = await freshSchema();
      const n = 2 + (round % 6);
      const stores = Array.from({ length: n }, () => openPgLaneStore({ url: cluster.url, schema, poolMax: 1 }));
      opened.push(...stores);
      const res = await Promise.all(stores.map((st, i) => st.claim('deploy:refs/heads/main', H(i + 1), { intent: 'push', eta_minutes: null })()));
      const tags = res.map((r) => (r._tag === 'Right' ? r.right._tag : `Left:${r.left.kind}`));
      expect(tags.filter((t) => t === 'Granted').length).toBe(1);
      expect(tags.filter((t) => t !== 'Granted').every((t) => t === 'Held')).toBe(true);
      const st = await right(stores[0]!.state('deploy:refs/heads/main', 'x'));
      expect(st.lanes[0]?.fence).toBe(1);
      const audit = await right(stores[0]!.audit(100));
      expect(audit.map((a) => a.kind)).toEqual(['claim']);
    }
  });

  it('PS1 migrate is idempotent and safe when several run at once (one applies, the rest find it done)', async () => {
    const schema = `m${process.pid}`;
    const rs = await Promise.all(Array.from({ length: 5 }, () => migrate(cluster.url, { schema })));
    expect(rs.filter((r) => r.from === 0).length).toBe(1);
    expect(rs.every((r) => r.to === PG_LATEST_VERSION)).toBe(true);
    expect(await migrate(cluster.url, { schema })).toEqual({ from: PG_LATEST_VERSION, to: PG_LATEST_VERSION });
    const v = await pool.query(`SELECT version FROM "${schema}".schema_version ORDER BY version`);
    // version 1: the lane store; version 2: the token table of `arbiter serve --store postgres`
    // version 3: the landing queue (land.md §2.1 QP1); version 4: the tokens' viewer role (dashboard.md §4 D1);
    // version 5: the shared session registry (presence.md §9)
    expect(v.rows).toEqual([{ version: 1 }, { version: 2 }, { version: 3 }, { version: 4 }, { version: 5 }]);
    expect((await pool.query(`SELECT count(*)::int AS n FROM "${schema}".arbiter_sessions`)).rows).toEqual([{ n: 0 }]);
    expect((await pool.query(`SELECT count(*)::int AS n FROM "${schema}".arbiter_tokens`)).rows).toEqual([{ n: 0 }]);
  });

  it('viewer tokens in PostgreSQL (dashboard.md §4 D1): the role reads back, never with owner; owner and member tokens still verify on a schema without the viewer column', async () => {
    const schema = await freshSchema();
    const ts = pgTokenStore(pool, `"${schema}"`);
    const v = await ts.create('v@example.com', 'viewer');
    const o = await ts.create('o@example.com', 'owner');
    const m = await ts.create('m@example.com', 'member');
    expect(v.token).toMatch(/^arv_/);
    expect(await ts.verify(v.token)).toMatchObject({ role: 'viewer', owner: false });
    expect(await ts.verify(o.token)).toMatchObject({ role: 'owner', owner: true });
    expect(await ts.verify(m.token)).toMatchObject({ role: 'member', owner: false });
    expect(Object.fromEntries((await ts.list()).map((t) => [t.member, t.role]))).toEqual({ 'v@example.com': 'viewer', 'o@example.com': 'owner', 'm@example.com': 'member' });
    await expect(pool.query(`UPDATE "${schema}".arbiter_tokens SET owner = true WHERE id = $1`, [v.id])).rejects.toThrow(/viewer_not_owner/);
    // a database still at schema 3 (no viewer column): owner and member tokens verify, a viewer cannot be made
    await pool.query(`DELETE FROM "${schema}".arbiter_tokens WHERE id = $1`, [v.id]);
    await pool.query(`ALTER TABLE "${schema}".arbiter_tokens DROP COLUMN viewer`);
    expect(await ts.verify(o.token)).toMatchObject({ role: 'owner' });
    expect(await ts.verify(m.token)).toMatchObject({ role: 'member' });
    await expect(ts.create('v2@example.com', 'viewer')).rejects.toThrow(/viewer/);
  });

  it('PS3 a missing or older schema is a store failure of kind other naming `arbiter db migrate`; no DDL is run', async () => {
    const missing = openPgLaneStore({ url: cluster.url, handle: pool, schema: 'never_migrated' });
    for (const t of [missing.claim('deploy:x', H(1), { intent: 'push', eta_minutes: null }), missing.state('all', 's'), missing.audit(5)]) {
      const r = await t();
      expect(r._tag === 'Left' && r.left).toEqual({ _tag: 'LaneFailure', kind: 'other', status: PG_SCHEMA_STATUS });
    }
    const exists = await pool.query("SELECT 1 FROM pg_namespace WHERE nspname = 'never_migrated'");
    expect(exists.rowCount).toBe(0);
    // an older schema: the statements need the version-1 clock view
    const schema = await freshSchema();
    await pool.query(`DROP VIEW "${schema}".now_v1`);
    const old = await openPgLaneStore({ url: cluster.url, handle: pool, schema }).claim('deploy:x', H(1), { intent: 'push', eta_minutes: null })();
    expect(old._tag === 'Left' && old.left.status).toContain('arbiter db migrate');
  });

  it('PS5 audit rows are append-only and the fence can only rise by one on a fresh grant, enforced by the database', async () => {
    const schema = await freshSchema();
    const s = openPgLaneStore({ url: cluster.url, handle: pool, schema });
    await right(s.claim('deploy:x', H(1), { intent: 'push', eta_minutes: null }));
    await expect(pool.query(`UPDATE "${schema}".audit SET reason = 'x'`)).rejects.toMatchObject({ code: '42501' });
    await expect(pool.query(`DELETE FROM "${schema}".audit`)).rejects.toMatchObject({ code: '42501' });
    await expect(pool.query(`TRUNCATE "${schema}".audit`)).rejects.toMatchObject({ code: '42501' });
    await expect(pool.query(`UPDATE "${schema}".lanes SET fence = 0`)).rejects.toMatchObject({ code: '23514' });
    await expect(pool.query(`UPDATE "${schema}".lanes SET fence = fence + 1, event_kind = 'release'`)).rejects.toMatchObject({ code: '23514' });
    await expect(pool.query(`UPDATE "${schema}".lanes SET fence = fence + 2, event_kind = 'claim'`)).rejects.toMatchObject({ code: '23514' });
    expect((await right(s.audit(10))).length).toBe(1);
  });

  it('PS4 times come from the database clock: a claim made with a skewed client clock still reads as fresh', async () => {
    const schema = await freshSchema();
    const s = openPgLaneStore({ url: cluster.url, handle: pool, schema });
    await right(s.claim('deploy:x', H(1), { intent: 'push', eta_minutes: 1 }));
    const db = (await pool.query<{ ms: number }>('SELECT (extract(epoch from clock_timestamp()) * 1000)::float8 AS ms')).rows[0]!.ms;
    const v = (await right(s.state('deploy:x', 's'))).lanes[0]!;
    expect(Math.abs((v.holder?.claimed_at ?? 0) - db)).toBeLessThan(5_000);
    expect(v.holder?.heartbeat_age_sec).toBe(0);
    expect(v.expired).toBe(false);
  });

  it('lane names with quotes, semicolons, backslashes and 256 characters are data, never SQL', async () => {
    const schema = await freshSchema();
    const s = openPgLaneStore({ url: cluster.url, handle: pool, schema });
    await fc.assert(
      // `all` names no one lane to `state`: the port's `state(lane | 'all')` then reads every lane (LaneStore in
      // ports/lane-store.ts), so `lanes[0]` is whichever lane sorts first. fast-check does generate `all` (a dry run
      // of `npm run mutate` failed on it once an earlier example's lane sorted before it).
      fc.asyncProperty(fc.stringMatching(/^[\x21-\x7e]{1,256}$/).filter((l) => l !== 'all'), async (lane) => {
        const g = await right(s.claim(lane, H(1), { intent: 'push', eta_minutes: null }));
        expect(g._tag).toBe('Granted');
        expect((await right(s.state(lane, 's'))).lanes[0]?.lane).toBe(lane);
        expect(await right(s.release(lane, H(1).instance))).toMatchObject({ _tag: 'Released' });
      }),
      { numRuns: 60, examples: [["x'; DROP TABLE lanes; --"], ['"\\\\'], ['a'.repeat(256)]] },
    );
    expect((await pool.query(`SELECT count(*)::int AS n FROM "${schema}".lanes`)).rows[0].n).toBeGreaterThan(0);
  });

  it('push-gate.md §5.6 failure kinds: nothing listening → transport; SQLSTATE and driver errors map per the PostgreSQL row', async () => {
    const down = openPgLaneStore({ url: `postgresql://postgres@localhost/postgres?host=${encodeURIComponent(`${cluster.socketDir}/nowhere`)}` });
    opened.push(down);
    const r = await down.claim('deploy:x', H(1), { intent: 'push', eta_minutes: null })();
    expect(r._tag === 'Left' && r.left.kind).toBe('transport');
    const k = (e: unknown) => pgFailure(e).kind;
    expect(k({ code: 'ECONNREFUSED' })).toBe('transport');
    expect(k({ code: 'ENOTFOUND' })).toBe('transport');
    expect(k({ code: 'ECONNRESET' })).toBe('transport');
    expect(k({ code: '08006' })).toBe('transport');
    expect(k({ code: '57P01' })).toBe('transport');
    expect(k(new Error('Connection terminated unexpectedly'))).toBe('transport');
    for (const c of ['57014', '55P03', '40001', '40P01', '53300']) expect(k({ code: c })).toBe('contended');
    expect(k(new Error('Query read timeout'))).toBe('contended');
    expect(k(new Error('timeout exceeded when trying to connect'))).toBe('contended');
    expect(k({ code: '42501' })).toBe('forbidden');
    expect(k({ code: '28P01' })).toBe('other');
    expect(k({ code: '23505' })).toBe('other');
    expect(pgFailure({ code: '42P01' })).toEqual({ _tag: 'LaneFailure', kind: 'other', status: PG_SCHEMA_STATUS });
    // the status never carries the server's message (it could hold data or a URL)
    expect(pgFailure({ code: '23505', message: 'secret postgres://u:pw@h' }).status).toBe('SQLSTATE 23505');
  });

  it('QP4 queue across connections: N stores (own pools) enqueueing on one lane at once all get in, seqs 1..N, positions in seq order', async () => {
    for (const n of [2, 5, 8]) {
      const schema = await freshSchema();
      const stores = Array.from({ length: n }, () => openPgLaneStore({ url: cluster.url, schema, poolMax: 1 }));
      opened.push(...stores);
      const lane = 'deploy:refs/heads/main';
      const res = await Promise.all(stores.map((st, i) => st.enqueue(lane, H(i + 1), { branch: `b${i}`, ttl_ms: 60_000 })()));
      for (const r of res) expect(r._tag === 'Right' && r.right.refreshed).toBe(false);
      const rows = (await pool.query(`SELECT ticket_id, seq::int AS seq FROM "${schema}".queue_tickets ORDER BY seq`)).rows as { ticket_id: string; seq: number }[];
      expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
      const q = await right(stores[0]!.queue(lane));
      expect(q.map((v) => v.ticket_id)).toEqual(rows.map((r) => r.ticket_id));
      // the same instance twice at once (two processes of one waiter): one ticket, its place kept
      const twice = await Promise.all([stores[0]!.enqueue(lane, H(1), { branch: 'x', ttl_ms: 60_000 })(), stores[1]!.enqueue(lane, H(1), { branch: 'y', ttl_ms: 60_000 })()]);
      const place = q.findIndex((v) => v.instance === H(1).instance) + 1;
      for (const r of twice) expect(r._tag === 'Right' && [r.right.refreshed, r.right.ticket.position]).toEqual([true, place]);
      expect((await right(stores[0]!.queue(lane))).map((v) => v.ticket_id)).toEqual(rows.map((r) => r.ticket_id));
      // and one instance's FIRST ticket taken twice at once: one ticket; the loser refreshes it (its number is skipped, never reused)
      const first = await Promise.all(stores.slice(0, 2).map((st, i) => st.enqueue('deploy:self', H(99), { branch: `z${i}`, ttl_ms: 60_000 })()));
      const ids = first.map((r) => (r._tag === 'Right' ? r.right.ticket.ticket_id : `failed ${JSON.stringify(r.left)}`));
      expect(ids[0]).toBe(ids[1]);
      expect(first.map((r) => r._tag === 'Right' && r.right.refreshed).sort()).toEqual([false, true]);
      expect((await right(stores[0]!.queue('deploy:self'))).map((v) => v.ticket_id)).toEqual([ids[0]]);
    }
  });

  it('QP4 eight connections enqueue, refresh and withdraw at once (some tickets expired meanwhile): no failure, every answer true to the end state', async () => {
    const schema = await freshSchema();
    const lane = 'deploy:refs/heads/main';
    const stores = Array.from({ length: 8 }, () => openPgLaneStore({ url: cluster.url, schema, poolMax: 1 }));
    opened.push(...stores);
    // dead waiters from before: expired tickets the dequeues will clear
    for (let i = 20; i < 24; i++) await right(stores[0]!.enqueue(lane, H(i), { branch: 'old', ttl_ms: Q.TICKET_TTL_MIN_MS }));
    await pool.query(`UPDATE "${schema}".queue_tickets SET heartbeat_at = heartbeat_at - interval '1 minute'`);
    const ids = await Promise.all(
      stores.map(async (st, i) => {
        const first = await right(st.enqueue(lane, H(i + 1), { branch: `b${i}`, ttl_ms: 60_000 }));
        for (let k = 0; k < 5; k++) expect((await right(st.enqueue(lane, H(i + 1), { branch: `b${i}`, ttl_ms: 60_000 }))).ticket.ticket_id).toBe(first.ticket.ticket_id);
        if (i % 2 === 0) expect(await right(st.dequeue(lane, H(i + 1).instance))).toEqual({ _tag: 'Dequeued', ticket_id: first.ticket.ticket_id });
        return i % 2 === 0 ? null : first.ticket.ticket_id;
      }),
    );
    const q = await right(stores[0]!.queue(lane));
    expect(q.map((v) => v.ticket_id).sort()).toEqual(ids.filter((x): x is string => x !== null).sort());
    const seqs = (await pool.query(`SELECT max_seq::int AS m FROM "${schema}".queue_lanes`)).rows[0].m as number;
    expect(seqs).toBe(12); // 4 old + 8 new, each number once
  });

  it('QP5 a schema older than version 3 fails every queue method with the status naming `arbiter db migrate`', async () => {
    const schema = await freshSchema();
    await pool.query(`DROP VIEW "${schema}".now_v3`);
    const s = openPgLaneStore({ url: cluster.url, handle: pool, schema });
    for (const t of [s.enqueue('deploy:x', H(1), { branch: 'b', ttl_ms: 60_000 }), s.dequeue('deploy:x', H(1).instance), s.queue('deploy:x')]) {
      const r = await t();
      expect(r._tag === 'Left' && r.left).toEqual({ _tag: 'LaneFailure', kind: 'other', status: PG_SCHEMA_STATUS });
    }
    expect((await right(s.claim('deploy:x', H(1), { intent: 'push', eta_minutes: null })))._tag).toBe('Granted'); // the lanes still work
  });

  it('QP1 lane names of any length and with quotes or semicolons are data, keyed by their SHA-256; the lane counter outlives its tickets', async () => {
    const schema = await freshSchema();
    const s = openPgLaneStore({ url: cluster.url, handle: pool, schema });
    for (const lane of ["deploy:x'; DROP TABLE queue_tickets; --", `deploy:refs/heads/${'é'.repeat(PG.LANE_NAME_MAX - 18)}`, 'deploy:\\"\u{1f600}']) {
      expect(PG.isLaneName(lane)).toBe(true);
      const a = await right(s.enqueue(lane, H(1), { branch: 'b', ttl_ms: 60_000 }));
      expect(a.ticket).toMatchObject({ lane, position: 1 });
      expect((await right(s.queue(lane))).map((v) => v.lane)).toEqual([lane]);
      expect(await right(s.dequeue(lane, H(1).instance))).toEqual({ _tag: 'Dequeued', ticket_id: a.ticket.ticket_id });
    }
    const r = await pool.query(`SELECT count(*)::int AS n, bool_and(octet_length(lane_key) = 32) AS ok, sum(max_seq)::int AS s FROM "${schema}".queue_lanes`);
    expect(r.rows[0]).toEqual({ n: 3, ok: true, s: 3 });
    expect((await pool.query(`SELECT count(*)::int AS n FROM "${schema}".queue_tickets`)).rows[0].n).toBe(0);
  });

  it('QP6 ticket times come from the database clock (PS4): fresh on the database clock, whatever the client clock says', async () => {
    const schema = await freshSchema();
    const s = openPgLaneStore({ url: cluster.url, handle: pool, schema });
    const e = await right(s.enqueue('deploy:x', H(1), { branch: 'b', ttl_ms: 60_000 }));
    const db = (await pool.query<{ ms: number }>('SELECT (extract(epoch from clock_timestamp()) * 1000)::float8 AS ms')).rows[0]!.ms;
    expect(Math.abs(e.ticket.created_at - db)).toBeLessThan(5_000);
    expect(e.ticket.created_at % 1).toBe(0); // whole milliseconds
    // age the stored ticket on the database side only: the store's own clock sees it expire
    await pool.query(`UPDATE "${schema}".queue_tickets SET heartbeat_at = heartbeat_at - interval '61 seconds'`);
    expect(await right(s.queue('deploy:x'))).toEqual([]);
    expect(await right(s.dequeue('deploy:x', H(1).instance))).toEqual({ _tag: 'NotQueued' });
    expect((await pool.query(`SELECT count(*)::int AS n FROM "${schema}".queue_tickets`)).rows[0].n).toBe(0); // deleted with the dequeue
  });

  it('LS7 a non-owner force-release is forbidden before any statement runs', async () => {
    let calls = 0;
    const s = openPgLaneStore({ url: 'unused', owners: ['boss@example.com'], handle: { query: async () => ((calls += 1), { rows: [] }) } });
    const r = await s.forceRelease('deploy:x', H(1), 'x')();
    expect(r._tag === 'Left' && r.left).toEqual({ _tag: 'LaneFailure', kind: 'forbidden', status: 'not-owner' });
    expect(calls).toBe(0);
  });
});
