/**
 * The shared session registry in PostgreSQL (presence.md §9) on a real throwaway cluster: the ONE PresenceStore
 * contract suite (unchanged) against the pg store and against `arbiter serve` in-process in front of it (http → pg),
 * then the PostgreSQL rules: the database clock, compare-and-set under concurrent writers, migration 5 (idempotent,
 * from a version-4 database), a missing schema → `unavailable` naming `arbiter db migrate`, and `openSharedPresenceStore`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import type { FakeClock } from '@arbiter/io-memory';
import { presence as P, type PresenceStore } from '@arbiter/kernel';
import { fsLaneStore, httpPresenceStore, migrate, openPgPresenceStore, openSharedPresenceStore, PG_LATEST_VERSION, PG_PRESENCE_SCHEMA_VERSION, pgPresenceFailure, type ClosablePresenceStore } from '@arbiter/io-node';
import { buildServer } from '../packages/hooks/src/serve/server.js';
import { fsTokenStore } from '../packages/hooks/src/serve/tokens.js';
import { presenceStoreContract, sighting, type PresenceFixture } from './contract/presence-store.contract.js';
import { pgClusterForFile, type PgCluster } from './helpers/pg-cluster.js';

let cluster: PgCluster;
let pool: pg.Pool;
const opened: ClosablePresenceStore[] = [];
const dirs: string[] = [];
let schemas = 0;

pgClusterForFile((c, p) => ((cluster = c), (pool = p)), opened);
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const freshSchema = async (): Promise<string> => {
  const schema = `p${process.pid}_${++schemas}`;
  await migrate(cluster.url, { schema });
  return schema;
};

/** Test access to the raw rows of `schema`: replace a session's document (an external tamper), read it back. */
const rawAccess = (schema: string): Pick<PresenceFixture, 'injectRaw' | 'peekRaw'> => ({
  injectRaw: async (s, raw) => {
    await pool.query(
      `INSERT INTO "${schema}".arbiter_sessions (session_key, session, doc, rev, updated_at) VALUES (sha256(convert_to($1::text, 'UTF8')), $1, $2, 1, clock_timestamp())
       ON CONFLICT (session_key) DO UPDATE SET doc = EXCLUDED.doc, rev = "${schema}".arbiter_sessions.rev + 1`,
      [s, raw],
    );
  },
  peekRaw: async (s) => {
    const r = await pool.query(`SELECT doc FROM "${schema}".arbiter_sessions WHERE session = $1`, [s]);
    return r.rows[0] === undefined ? null : (r.rows[0].doc as string);
  },
});

presenceStoreContract('postgres', async (clock) => {
  const schema = await freshSchema();
  return { store: openPgPresenceStore({ url: cluster.url, handle: pool, schema, clock: clock.now }), ...rawAccess(schema), cleanup: async () => undefined };
});

// http → pg: `arbiter serve` in-process in front of the PostgreSQL registry; the server's store holds the (fake) clock
let current: PresenceStore | null = null;
const tokenDir = mkdtempSync(join(tmpdir(), 'arbiter-pgp-'));
dirs.push(tokenDir);
const tokens = fsTokenStore(tokenDir);
const app = buildServer({
  store: () => fsLaneStore(tokenDir),
  tokens,
  presence: { record: (s) => (current as PresenceStore).record(s), list: () => (current as PresenceStore).list() },
  log: () => undefined,
});
let url = '';
let member = '';
beforeAll(async () => {
  await app.listen({ host: '127.0.0.1', port: 0 });
  const a = app.server.address();
  url = `http://127.0.0.1:${typeof a === 'object' && a !== null ? a.port : 0}`;
  member = (await tokens.create('ana@example.com', 'member')).token;
});
afterAll(async () => {
  await app.close();
});

presenceStoreContract('http → postgres (arbiter serve in-process)', async (clock: FakeClock) => {
  const schema = await freshSchema();
  current = openPgPresenceStore({ url: cluster.url, handle: pool, schema, clock: clock.now });
  return { store: httpPresenceStore({ url, token: member }), ...rawAccess(schema), cleanup: async () => undefined };
});

const right = async <A>(t: () => Promise<E.Either<unknown, A>>): Promise<A> => {
  const r = await t();
  if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
  return r.right;
};

describe('PostgreSQL session registry (presence.md §9)', () => {
  it('the store clock is the database clock: a record is stamped with clock_timestamp(), in whole ms', async () => {
    const schema = await freshSchema();
    const s = openPgPresenceStore({ url: cluster.url, handle: pool, schema });
    const before = Number((await pool.query('SELECT floor(extract(epoch FROM clock_timestamp()) * 1000)::float8 AS ms')).rows[0].ms);
    const r = await right(s.record(sighting('prompt')));
    const after = Number((await pool.query('SELECT floor(extract(epoch FROM clock_timestamp()) * 1000)::float8 AS ms')).rows[0].ms);
    expect(Number.isSafeInteger(r.presence?.lastEventAt)).toBe(true);
    expect(r.presence!.lastEventAt).toBeGreaterThanOrEqual(before);
    expect(r.presence!.lastEventAt).toBeLessThanOrEqual(after);
    const row = (await pool.query(`SELECT rev::int AS rev, (extract(epoch FROM updated_at) * 1000)::float8 AS at FROM "${schema}".arbiter_sessions`)).rows;
    expect(row).toEqual([{ rev: 1, at: r.presence!.lastEventAt }]);
  });

  it('compare-and-set: eight connections recording one session at once (20 rounds) never lose an update', async () => {
    const schema = await freshSchema();
    const stores = Array.from({ length: 8 }, () => openPgPresenceStore({ url: cluster.url, schema, poolMax: 1 }));
    opened.push(...stores);
    const events = P.PRESENCE_EVENTS.slice(0, 8); // eight distinct kinds: at one instant their ranks order them
    let changed = 0;
    for (let round = 0; round < 20; round++) {
      const rs = await Promise.all(stores.map((s, i) => s.record(sighting(events[i]!, { host: `h${i}`, tool: `t${round}-${i}` }))()));
      const ok = rs.map((r) => {
        if (E.isLeft(r)) throw new Error(`a concurrent record failed: ${JSON.stringify(r.left)}`);
        return r.right;
      });
      changed += ok.filter((r) => r.changed).length;
      const row = (await pool.query(`SELECT doc, rev::int AS rev FROM "${schema}".arbiter_sessions`)).rows as { doc: string; rev: number }[];
      expect(row.length).toBe(1);
      const d = P.decodePresence(JSON.parse(row[0]!.doc));
      expect(d._tag).toBe('Ok');
      const stored = d._tag === 'Ok' ? d.presence : null;
      // every changed answer is one write: the counter moved once per write, none was lost
      expect(row[0]!.rev).toBe(changed);
      // the stored record is the newest any caller was told it wrote, exactly as that caller was told
      const newest = ok.filter((r) => r.changed).map((r) => r.presence!).sort((a, b) => b.lastEventAt - a.lastEventAt || P.PRESENCE_EVENTS.indexOf(b.lastEvent) - P.PRESENCE_EVENTS.indexOf(a.lastEvent))[0];
      if (newest !== undefined) expect(stored).toEqual(newest);
      for (const r of ok) expect(stored!.lastEventAt).toBeGreaterThanOrEqual(r.presence!.lastEventAt);
    }
  });

  it('PS1 migration 5 is idempotent and brings a version-4 database forward, keeping its data', async () => {
    expect(PG_LATEST_VERSION).toBe(PG_PRESENCE_SCHEMA_VERSION);
    const schema = await freshSchema();
    const s = openPgPresenceStore({ url: cluster.url, handle: pool, schema });
    await right(s.record(sighting('prompt')));
    expect(await migrate(cluster.url, { schema })).toEqual({ from: 5, to: 5 });
    // a database migrated by the previous release: version 4, no registry table
    await pool.query(`DROP TABLE "${schema}".arbiter_sessions`);
    await pool.query(`DELETE FROM "${schema}".schema_version WHERE version = 5`);
    await pool.query(`INSERT INTO "${schema}".arbiter_tokens (id, member, sha256) VALUES ('0123456789abcdef', 'kept@example.com', repeat('a', 64))`);
    const before = await s.list()();
    expect(E.isLeft(before) && before.left.kind).toBe('unavailable');
    const rs = await Promise.all(Array.from({ length: 3 }, () => migrate(cluster.url, { schema })));
    expect(rs.filter((r) => r.from === 4).length).toBe(1);
    expect(rs.every((r) => r.to === 5)).toBe(true);
    expect((await pool.query(`SELECT member FROM "${schema}".arbiter_tokens`)).rows).toEqual([{ member: 'kept@example.com' }]);
    expect(await right(s.list())).toEqual({ sessions: [], problems: [] });
    await right(s.record(sighting('stop')));
    expect((await right(s.list())).sessions).toEqual([expect.objectContaining({ session: 's1', state: 'idle' })]);
  });

  it('a missing schema or table is `unavailable` naming `arbiter db migrate`, for record and list; no DDL is run', async () => {
    const missing = openPgPresenceStore({ url: cluster.url, handle: pool, schema: 'never_migrated_presence' });
    for (const r of [await missing.record(sighting('prompt'))(), await missing.list()()]) {
      expect(E.isLeft(r) && r.left).toEqual({ _tag: 'PresenceFailure', kind: 'unavailable', detail: expect.stringContaining('arbiter db migrate') });
    }
    expect((await pool.query("SELECT 1 FROM pg_namespace WHERE nspname = 'never_migrated_presence'")).rowCount).toBe(0);
    // through the service: the client keeps the kind and the detail the served store failed with
    current = missing;
    const viaHttp = await httpPresenceStore({ url, token: member }).list()();
    expect(E.isLeft(viaHttp) && viaHttp.left).toEqual({ _tag: 'PresenceFailure', kind: 'unavailable', detail: expect.stringContaining('arbiter db migrate') });
  });

  it('failure kinds: nothing listening → transport; permission → unavailable; the detail never carries a server message', async () => {
    const down = openPgPresenceStore({ url: `postgresql://postgres@localhost/postgres?host=${encodeURIComponent(`${cluster.socketDir}/nowhere`)}` });
    opened.push(down);
    const r = await down.record(sighting('prompt'))();
    expect(E.isLeft(r) && r.left.kind).toBe('transport');
    expect(pgPresenceFailure({ code: '57014' }).kind).toBe('transport');
    expect(pgPresenceFailure({ code: '42501' }).kind).toBe('unavailable');
    expect(pgPresenceFailure({ code: '42P01' })).toEqual({ _tag: 'PresenceFailure', kind: 'unavailable', detail: expect.stringContaining('arbiter db migrate') });
    expect(pgPresenceFailure({ code: '23505', message: 'secret postgres://u:pw@h' })).toEqual({ _tag: 'PresenceFailure', kind: 'other', detail: 'SQLSTATE 23505' });
  });

  it('ids PostgreSQL text cannot keep exactly (U+0000, a lone surrogate) are refused before any statement; quotes and SQL are data', async () => {
    const schema = await freshSchema();
    const s = openPgPresenceStore({ url: cluster.url, handle: pool, schema });
    for (const id of ['a\u0000b', 'x\ud800y', '\udc00']) {
      const r = await s.record(sighting('prompt', { session: id }))();
      expect(E.isLeft(r) && r.left.kind).toBe('other');
    }
    const evil = "x'); DROP TABLE arbiter_sessions; --";
    await right(s.record(sighting('prompt', { session: evil, branch: "'; --" })));
    expect((await right(s.list())).sessions.map((x) => [x.session, x.branch])).toEqual([[evil, "'; --"]]);
  });

  it('a row whose document names another session is a corrupt problem keyed by the row, never rewritten', async () => {
    const schema = await freshSchema();
    const s = openPgPresenceStore({ url: cluster.url, handle: pool, schema });
    const raw = JSON.stringify(P.observe(null, { ...sighting('prompt', { session: 'other' }), at: 1 }));
    await rawAccess(schema).injectRaw('mine', raw);
    expect(await right(s.list())).toEqual({ sessions: [], problems: [{ key: 'mine', kind: 'corrupt', detail: 'session id does not match its row' }] });
    const r = await s.record(sighting('stop', { session: 'mine' }))();
    expect(E.isLeft(r) && r.left.kind).toBe('other');
    expect(await rawAccess(schema).peekRaw('mine')).toBe(raw);
  });

  it('openSharedPresenceStore: embedded → null; postgres → the `arbiter` schema, URL from url_env (unset → unavailable naming it); http → the service', async () => {
    expect(openSharedPresenceStore({ kind: 'embedded', dir: null }, {})).toBeNull();
    const unset = openSharedPresenceStore({ kind: 'postgres', url_env: 'MY_DB_URL' }, {});
    const u = await unset!.record(sighting('prompt'))();
    expect(E.isLeft(u) && u.left).toEqual({ _tag: 'PresenceFailure', kind: 'unavailable', detail: 'MY_DB_URL is not set' });
    await migrate(cluster.url);
    const viaPg = openSharedPresenceStore({ kind: 'postgres', url_env: 'MY_DB_URL' }, { MY_DB_URL: cluster.url })!;
    opened.push(viaPg);
    await right(viaPg.record(sighting('prompt', { session: 'shared-1' })));
    expect((await pool.query('SELECT session FROM arbiter.arbiter_sessions')).rows).toEqual([{ session: 'shared-1' }]);
    current = openPgPresenceStore({ url: cluster.url, handle: pool });
    const viaHttp = openSharedPresenceStore({ kind: 'http', url, token_env: 'MY_TOKEN' }, { MY_TOKEN: member })!;
    expect((await right(viaHttp.list())).sessions.map((x) => x.session)).toEqual(['shared-1']);
    const noToken = await openSharedPresenceStore({ kind: 'http', url, token_env: 'MY_TOKEN' }, {})!.list()();
    expect(E.isLeft(noToken) && noToken.left.kind).toBe('unavailable');
  });
});
