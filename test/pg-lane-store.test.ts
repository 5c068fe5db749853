/**
 * The LaneStore contract suite (unchanged) against the PostgreSQL store on a real throwaway cluster, plus the
 * PostgreSQL rules of push-gate.md §5.7: concurrent claims in separate pools, migrations (idempotent, concurrent,
 * missing/old schema → `store-failed` naming `arbiter db migrate`), the append-only audit table, the fence rule
 * enforced by the database, and the push-gate.md §5.6 failure mapping.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import pg from 'pg';
import type { LaneStore } from '@arbiter/kernel';
import { migrate, openPgLaneStore, pgFailure, PG_LATEST_VERSION, PG_SCHEMA_STATUS, type PgLaneStore } from '@arbiter/io-node';
import { laneStoreContract } from './contract/lane-store.contract.js';
import { startPgCluster, type PgCluster } from './helpers/pg-cluster.js';

let cluster: PgCluster;
let pool: pg.Pool;
const opened: PgLaneStore[] = [];
let schemas = 0;

beforeAll(() => {
  cluster = startPgCluster();
  pool = new pg.Pool({ connectionString: cluster.url, max: 4 });
  pool.on('error', () => undefined);
});
afterAll(async () => {
  for (const s of opened) await s.close();
  await pool?.end();
  cluster?.stop();
});

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
  } as LaneStore;
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
    expect(v.rows).toEqual([{ version: 1 }, { version: 2 }]);
    expect((await pool.query(`SELECT count(*)::int AS n FROM "${schema}".arbiter_tokens`)).rows).toEqual([{ n: 0 }]);
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
      fc.asyncProperty(fc.stringMatching(/^[\x21-\x7e]{1,256}$/), async (lane) => {
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

  it('LS7 a non-owner force-release is forbidden before any statement runs', async () => {
    let calls = 0;
    const s = openPgLaneStore({ url: 'unused', owners: ['boss@example.com'], handle: { query: async () => ((calls += 1), { rows: [] }) } });
    const r = await s.forceRelease('deploy:x', H(1), 'x')();
    expect(r._tag === 'Left' && r.left).toEqual({ _tag: 'LaneFailure', kind: 'forbidden', status: 'not-owner' });
    expect(calls).toBe(0);
  });
});
