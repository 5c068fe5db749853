/**
 * PostgreSQL `LaneStore` (push-gate.md §5.7 PS1–PS8, failure kinds push-gate.md §5.6), over `pg` (node-postgres).
 *
 * `pg` was chosen because it is the maintained pure-JavaScript PostgreSQL client (no native build), speaks the
 * extended protocol with unnamed statements (so it works behind PgBouncer in transaction mode) and has a small
 * surface. It is loaded only on a store's first call ({@link loadPg}), so a hook that never touches lanes, or uses
 * the embedded store, loads no database code.
 *
 * Each method is ONE parameterised statement in autocommit (LS12): the claim is an `INSERT … ON CONFLICT DO UPDATE`
 * whose `SET` applies the kernel's `claimT` table in SQL, and every audit row is inserted by a data-modifying CTE of
 * the same statement, so a grant or a force-release and its audit row commit together (LS4, LS7). Every instant comes
 * from the database clock through the `now_v1` view (LS2; whole milliseconds, so it compares exactly like the
 * kernel). No session state: no advisory locks, no named prepared statements, no `SET`.
 */
import type * as PgTypes from 'pg';
import type { LaneFailure, LaneQueue, LaneStore } from '@arbiter/kernel';
import { pgLaneQueue } from './pg-lane-queue.js';
import { laneFailure, laneTask } from './lane-task.js';
import { clockCte, methodCall, methodFunctionDDL, msOf, rowNum, rowStr, type PgRow, type PgSignature } from './pg-sql.js';
import { pushGate as PG } from '@arbiter/kernel';

/** The `pg` module's shape as this file uses it. */
export type PgModule = typeof PgTypes;

/** Something to run one parameterised statement on: a `pg.Pool` (or a test double). */
export interface PgHandle {
  readonly query: (text: string, values?: ReadonlyArray<unknown>) => Promise<{ readonly rows: ReadonlyArray<Record<string, unknown>> }>;
}

/** Options of {@link openPgLaneStore}. */
export interface PgLaneStoreOptions {
  /** `postgres://…` or `postgresql://…` (a Unix socket: `postgresql:///db?host=/run/postgresql`). Never logged. */
  readonly url: string;
  /** Connection set-up bound, ms (default 1 500; with the statement bound it stays within `NET_TIMEOUT_MS`). */
  readonly connectTimeoutMs?: number;
  /** Statement bound, ms (default 1 000): the server cancels at this, the client gives up 100 ms later. */
  readonly statementTimeoutMs?: number;
  /** An existing pool to share (e.g. `arbiter serve`'s); `close()` then leaves it open. */
  readonly handle?: PgHandle;
  /** LS7 owners (`lanes.owners`); absent = everyone. */
  readonly owners?: ReadonlyArray<string>;
  /** `lanes.lease_minutes` (LS3). */
  readonly defaultLeaseMin?: number;
  /** Schema holding the tables (default `arbiter`). */
  readonly schema?: string;
  /** Largest number of connections of the store's own pool (default 2). */
  readonly poolMax?: number;
  /**
   * Tests only: a fake clock (ms epoch) sent with every statement in place of the database clock, so the shared
   * contract suite can step time. Production never sets it (LS2).
   */
  readonly clock?: () => number;
  /** Tests only: the `pg` module to use. */
  readonly pg?: PgModule;
}

/** A `LaneStore` with its landing queue (land.md §2.1) that holds connections: `close()` ends its own pool (idempotent). */
export interface PgLaneStore extends LaneStore, LaneQueue {
  readonly close: () => Promise<void>;
}

let pgModule: Promise<PgModule> | null = null;

/**
 * The `pg` module, loaded on the first call. The specifier is a variable so that the bundler leaves it a run-time
 * `require`/`import`: the hook bundles carry no database code at all.
 */
export const loadPg = (): Promise<PgModule> => {
  const id = 'pg';
  pgModule ??= (import(/* @vite-ignore */ id) as Promise<PgModule & { default?: PgModule }>).then((m) => m.default ?? m);
  return pgModule;
};

/** A schema name as a quoted identifier. @throws when not `[a-z_][a-z0-9_]{0,62}` (identifiers are never user text). */
export const pgIdent = (name: string): string => {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`invalid schema name ${JSON.stringify(name.slice(0, 80))}`);
  return `"${name}"`;
};

/** Status of a missing or older schema (PS3): names the command that fixes it. ≤ 64 characters. */
export const PG_SCHEMA_STATUS: string = PG.STATUS_SCHEMA_OUTDATED;

const TRANSPORT_ERRNO = new Set(['ECONNREFUSED', 'ENOENT', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTCONN', 'ECONNABORTED']);

/**
 * push-gate.md §5.6, PostgreSQL row: a driver error → failure kind and status (SQLSTATE, errno code or a short
 * driver phrase; never the URL or a server message with data in it).
 * - transport: connection refused, DNS failure, reset before a result (errno codes above, SQLSTATE class 08,
 *   57P01 terminated by an administrator, 57P02/57P03 crash or restart in progress);
 * - contended: statement or lock timeout (57014, 55P03), client timeouts, 40001, 40P01, 53300;
 * - forbidden: 42501 (and the owner check, decided before any statement);
 * - other: anything else; a missing or older schema (42P01, 3F000, 42703, 42883) with {@link PG_SCHEMA_STATUS}.
 */
export const pgFailure = (e: unknown): LaneFailure => {
  const f = laneFailure;
  const o = (typeof e === 'object' && e !== null ? e : {}) as { code?: unknown; message?: unknown };
  const code = typeof o.code === 'string' ? o.code : '';
  const msg = typeof o.message === 'string' ? o.message : '';
  if (/^[0-9A-Z]{5}$/.test(code)) {
    if (code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03') return f('transport', `SQLSTATE ${code}`);
    if (['57014', '55P03', '40001', '40P01', '53300'].includes(code)) return f('contended', `SQLSTATE ${code}`);
    if (code === '42501') return f('forbidden', `SQLSTATE ${code}`);
    if (['42P01', '3F000', '42703', '42883'].includes(code)) return f('other', PG_SCHEMA_STATUS);
    return f('other', `SQLSTATE ${code}`);
  }
  if (TRANSPORT_ERRNO.has(code)) return f('transport', code);
  if (code === 'ETIMEDOUT') return f('contended', code);
  if (/timeout/i.test(msg)) return f('contended', 'client timeout');
  if (/terminated|not queryable|ended|closed/i.test(msg)) return f('transport', 'connection lost');
  return f('other', code !== '' ? code : 'driver error');
};

class Forbidden extends Error {}
class Retry extends Error {}
/** A name that is not a lane name (push-gate.md §3.2 N5): refused before any statement runs. */
class BadLane extends Error {}
const laneOk = (lane: string): void => {
  if (!PG.isLaneName(lane)) throw new BadLane();
};

const HOLDER_COLS = 'holder_handle, holder_session, holder_instance, holder_host, claimed_at, heartbeat_at, lease_ms, intent, eta_minutes';
const prevJson = (l: string): string =>
  `CASE WHEN ${l}.holder_instance IS NULL THEN NULL ELSE jsonb_build_object('handle', ${l}.holder_handle, 'session', ${l}.holder_session, 'instance', ${l}.holder_instance, 'host', ${l}.holder_host, 'heartbeat_at', ${msOf(`${l}.heartbeat_at`)}, 'lease_ms', ${l}.lease_ms) END`;

/** The statements, for one schema `S`. `$1` is always the test clock (null in production). */
const statements = (S: string) => {
  const clk = clockCte(S, 'now_v1');
  const expired = (l: string, now: string): string => `(${now} - ${l}.heartbeat_at > ${l}.lease_ms * interval '1 millisecond')`;
  // claim: $2 lane, $3 handle, $4 session, $5 instance, $6 host, $7 lease_ms, $8 intent, $9 eta_minutes
  const live = `(l.holder_instance IS NOT NULL AND NOT ${expired('l', 'EXCLUDED.heartbeat_at')})`;
  const same = `(${live} AND l.holder_instance = EXCLUDED.holder_instance)`;
  const keep = (c: string): string => `${c} = CASE WHEN ${same} THEN l.${c} ELSE EXCLUDED.${c} END`;
  const claim = `WITH ${clk},
  cur AS (SELECT l.holder_handle, l.holder_instance, l.heartbeat_at, l.lease_ms FROM ${S}.lanes l WHERE l.lane = $2),
  up AS (
    INSERT INTO ${S}.lanes AS l (lane, fence, ${HOLDER_COLS}, event_kind, event_at, event_previous)
    SELECT $2::text, 1, $3::text, $4::text, $5::text, $6::text, clk.t, clk.t, $7::integer, $8::text, $9::integer, 'claim', clk.t, NULL FROM clk
    ON CONFLICT (lane) DO UPDATE SET
      fence = CASE WHEN ${same} THEN l.fence ELSE l.fence + 1 END,
      ${keep('holder_handle')}, ${keep('holder_session')}, ${keep('holder_instance')}, ${keep('holder_host')}, ${keep('claimed_at')},
      heartbeat_at = EXCLUDED.heartbeat_at,
      lease_ms = CASE WHEN ${same} THEN greatest(l.lease_ms, EXCLUDED.lease_ms) ELSE EXCLUDED.lease_ms END,
      intent = EXCLUDED.intent,
      eta_minutes = EXCLUDED.eta_minutes,
      event_kind = CASE WHEN ${same} THEN 're-entry' WHEN l.holder_instance IS NULL THEN 'claim' ELSE 'expired-takeover' END,
      event_at = EXCLUDED.event_at,
      event_previous = CASE WHEN ${same} THEN NULL ELSE ${prevJson('l')} END
    WHERE NOT (${live} AND l.holder_instance <> EXCLUDED.holder_instance)
    RETURNING l.fence, l.event_kind, l.event_at, l.event_previous
  ),
  aud AS (
    INSERT INTO ${S}.audit (at, lane, kind, by_handle, by_session, by_instance, fence, previous)
    SELECT up.event_at, $2, up.event_kind, $3, $4, $5, up.fence, up.event_previous FROM up WHERE up.event_kind <> 're-entry'
  )
  SELECT 'granted' AS r, up.fence::float8 AS fence, up.event_kind = 're-entry' AS reclaimed, NULL AS handle, NULL AS instance, NULL::float8 AS age_ms, NULL::boolean AS blocking FROM up
  UNION ALL
  SELECT 'held', NULL, NULL, cur.holder_handle, cur.holder_instance, ${msOf('clk.t')} - ${msOf('cur.heartbeat_at')},
         cur.holder_instance IS NOT NULL AND cur.holder_instance <> $5 AND NOT ${expired('cur', 'clk.t')}
    FROM clk LEFT JOIN cur ON true WHERE NOT EXISTS (SELECT 1 FROM up)`;
  // heartbeat: $2 lane, $3 instance, $4 fence
  const heartbeat = `WITH ${clk},
  up AS (UPDATE ${S}.lanes l SET heartbeat_at = clk.t FROM clk
         WHERE l.lane = $2::text AND l.holder_instance = $3::text AND l.fence = $4::bigint AND NOT ${expired('l', 'clk.t')} RETURNING 1)
  SELECT EXISTS (SELECT 1 FROM up) AS ok,
         (SELECT l.holder_handle FROM ${S}.lanes l, clk WHERE l.lane = $2 AND l.holder_instance IS NOT NULL AND NOT ${expired('l', 'clk.t')}) AS live_handle`;
  // release: $2 lane, $3 instance
  const release = `WITH ${clk},
  up AS (UPDATE ${S}.lanes l SET holder_handle = NULL, holder_session = NULL, holder_instance = NULL, holder_host = NULL,
           claimed_at = NULL, heartbeat_at = NULL, lease_ms = NULL, intent = NULL, eta_minutes = NULL,
           event_kind = 'release', event_at = clk.t, event_previous = ${prevJson('l')}
         FROM clk WHERE l.lane = $2::text AND l.holder_instance = $3::text
         RETURNING l.fence, l.event_at, l.event_previous),
  aud AS (INSERT INTO ${S}.audit (at, lane, kind, by_handle, by_session, by_instance, fence, previous)
          SELECT up.event_at, $2, 'release', up.event_previous->>'handle', up.event_previous->>'session', up.event_previous->>'instance', up.fence, up.event_previous FROM up)
  SELECT up.fence::float8 AS fence FROM up`;
  // forceRelease: $2 lane, $3 handle, $4 session, $5 instance, $6 reason
  const force = `WITH ${clk},
  up AS (
    INSERT INTO ${S}.lanes AS l (lane, fence, event_kind, event_at, event_previous) SELECT $2::text, 0, 'force-release', clk.t, NULL FROM clk
    ON CONFLICT (lane) DO UPDATE SET holder_handle = NULL, holder_session = NULL, holder_instance = NULL, holder_host = NULL,
      claimed_at = NULL, heartbeat_at = NULL, lease_ms = NULL, intent = NULL, eta_minutes = NULL,
      event_kind = 'force-release', event_at = EXCLUDED.event_at, event_previous = ${prevJson('l')}
    RETURNING l.fence, l.event_at, l.event_previous),
  aud AS (INSERT INTO ${S}.audit (at, lane, kind, by_handle, by_session, by_instance, fence, previous, reason)
          SELECT up.event_at, $2::text, 'force-release', $3::text, $4::text, $5::text, up.fence, up.event_previous, $6::text FROM up)
  SELECT up.fence::float8 AS fence, up.event_previous AS previous FROM up`;
  // state: $2 lane or null (all), $3 session
  const state = `WITH ${clk}
  SELECT ${msOf('clk.t')} AS now_ms,
    (SELECT coalesce(json_agg(json_build_object('lane', l.lane, 'fence', l.fence::float8, 'handle', l.holder_handle, 'session', l.holder_session,
        'instance', l.holder_instance, 'host', l.holder_host, 'claimed_at', ${msOf('l.claimed_at')}, 'heartbeat_at', ${msOf('l.heartbeat_at')},
        'lease_ms', l.lease_ms, 'intent', l.intent, 'eta_minutes', l.eta_minutes)), '[]'::json)
       FROM ${S}.lanes l WHERE $2::text IS NULL OR l.lane = $2) AS lanes,
    (SELECT coalesce(json_agg(json_build_object('halt_id', h.halt_id, 'target_session', h.target_session, 'by_handle', h.by_handle,
        'by_session', h.by_session, 'by_instance', h.by_instance, 'reason', h.reason, 'created_at', ${msOf('h.created_at')}) ORDER BY h.created_at, h.halt_id), '[]'::json)
       FROM ${S}.halts h WHERE h.closed_at IS NULL AND (h.target_session = $3 OR h.by_session = $3)) AS halts
  FROM clk`;
  // post: $2 lane, $3 handle, $4 session, $5 instance, $6 body
  const post = `WITH ${clk}
  INSERT INTO ${S}.audit (at, lane, kind, by_handle, by_session, by_instance, body) SELECT clk.t, $2::text, 'status', $3::text, $4::text, $5::text, $6::text FROM clk`;
  // halt: $2 target, $3 handle, $4 session, $5 instance, $6 reason
  const halt = `WITH ${clk},
  h AS (INSERT INTO ${S}.halts (halt_id, target_session, by_handle, by_session, by_instance, reason, created_at)
        SELECT substr(md5(gen_random_uuid()::text), 1, 16), $2::text, $3::text, $4::text, $5::text, $6::text, clk.t FROM clk RETURNING halt_id, created_at),
  aud AS (INSERT INTO ${S}.audit (at, lane, kind, by_handle, by_session, by_instance, reason) SELECT h.created_at, NULL, 'halt', $3, $4, $5, $6 FROM h)
  SELECT h.halt_id FROM h`;
  // unhalt: $2 target, $3 handle, $4 session, $5 instance, $6 is-owner
  const unhalt = `WITH ${clk},
  open AS (SELECT h.halt_id, h.by_handle, h.by_session FROM ${S}.halts h WHERE h.target_session = $2::text AND h.closed_at IS NULL FOR UPDATE),
  allowed AS (SELECT $6::boolean OR NOT EXISTS (SELECT 1 FROM open
                WHERE NOT (lower(btrim(open.by_handle, E' \\t\\n\\r')) = lower(btrim($3, E' \\t\\n\\r')) OR open.by_session = $4)) AS ok),
  up AS (UPDATE ${S}.halts h SET closed_at = clk.t, closed_by_handle = $3, closed_by_session = $4 FROM clk, allowed
         WHERE allowed.ok AND h.halt_id IN (SELECT halt_id FROM open) RETURNING 1),
  aud AS (INSERT INTO ${S}.audit (at, lane, kind, by_handle, by_session, by_instance) SELECT clk.t, NULL, 'unhalt', $3::text, $4::text, $5::text FROM clk, allowed WHERE allowed.ok)
  SELECT allowed.ok, (SELECT count(*) FROM up)::int AS count FROM allowed`;
  // audit: $2 limit
  const audit = `WITH ${clk} SELECT * FROM (SELECT a.id, ${msOf('a.at')} AS at, a.lane, a.kind, a.by_handle, a.by_session, a.by_instance, a.fence::float8 AS fence,
      a.previous, a.reason, a.body FROM ${S}.audit a ORDER BY a.id DESC LIMIT $2) x ORDER BY x.id`;
  return { claim, heartbeat, release, force, state, post, halt, unhalt, audit };
};

type Method = keyof ReturnType<typeof statements>;

/**
 * Each method's statement runs inside a PL/pgSQL function created by the migration (`<method>_v1`), so the client
 * sends a short call and the server keeps the plan per connection (PS6: still one statement, one transaction;
 * nothing the client has to set up, so PgBouncer in transaction mode is fine). Argument types in `$n` order and the
 * result columns; `null` = no result.
 */
const SIGNATURES: Readonly<Record<Method, PgSignature>> = {
  claim: {
    args: ['float8', 'text', 'text', 'text', 'text', 'text', 'integer', 'text', 'integer'],
    returns: 'TABLE(r text, fence float8, reclaimed boolean, handle text, instance text, age_ms float8, blocking boolean)',
  },
  heartbeat: { args: ['float8', 'text', 'text', 'bigint'], returns: 'TABLE(ok boolean, live_handle text)' },
  release: { args: ['float8', 'text', 'text'], returns: 'TABLE(fence float8)' },
  force: { args: ['float8', 'text', 'text', 'text', 'text', 'text'], returns: 'TABLE(fence float8, previous jsonb)' },
  state: { args: ['float8', 'text', 'text'], returns: 'TABLE(now_ms float8, lanes json, halts json)' },
  post: { args: ['float8', 'text', 'text', 'text', 'text', 'text'], returns: null },
  halt: { args: ['float8', 'text', 'text', 'text', 'text', 'text'], returns: 'TABLE(halt_id text)' },
  unhalt: { args: ['float8', 'text', 'text', 'text', 'text', 'boolean'], returns: 'TABLE(ok boolean, count integer)' },
  audit: {
    args: ['float8', 'integer'],
    returns: 'TABLE(id bigint, at float8, lane text, kind text, by_handle text, by_session text, by_instance text, fence float8, previous jsonb, reason text, body text)',
  },
};

/** The migration's DDL for the method functions of schema `S` (quoted). Used by `pg-migrate.ts` only. */
export const pgFunctionDDL = (S: string): ReadonlyArray<string> => {
  const st = statements(S);
  return (Object.keys(SIGNATURES) as Method[]).map((m) => methodFunctionDDL(S, `${m}_v1`, SIGNATURES[m], st[m]));
};

/** The call of one method's function, parameterised. */
const callOf = (S: string, m: Method): string => methodCall(S, `${m}_v1`, SIGNATURES[m].args);

const prevOf = (v: unknown): PG.PreviousHolder | null => {
  if (typeof v !== 'object' || v === null) return null;
  const o = v as PgRow;
  return { handle: rowStr(o['handle']), session: rowStr(o['session']), instance: rowStr(o['instance']), host: rowStr(o['host']) };
};

/** What {@link lazyPgPool} needs: the connection options the PostgreSQL stores share. */
export type PgPoolOptions = Pick<PgLaneStoreOptions, 'url' | 'connectTimeoutMs' | 'statementTimeoutMs' | 'handle' | 'poolMax' | 'pg'>;

/**
 * The connection pool of a PostgreSQL store (push-gate.md §5.7), made on the first `handle()` call: `o.handle` when
 * given (shared, never ended here), else a pool of its own (`pg` loaded then) with the connect bound (default 1 500
 * ms), the statement bound (default 1 000 ms, the server cancels first, the client gives up 100 ms later), at most
 * `poolMax` (default 2) connections, idle ones closed after 5 s and never keeping the process alive.
 * `applicationName` names it in `pg_stat_activity`. `close()` ends its own pool (idempotent).
 */
export const lazyPgPool = (o: PgPoolOptions, applicationName: string): { readonly handle: () => Promise<PgHandle>; readonly close: () => Promise<void> } => {
  const stmtMs = o.statementTimeoutMs ?? 1_000;
  let own: PgTypes.Pool | null = null;
  let handle: Promise<PgHandle> | null = o.handle !== undefined ? Promise.resolve(o.handle) : null;
  return {
    handle: () =>
      (handle ??= (o.pg !== undefined ? Promise.resolve(o.pg) : loadPg()).then((pg) => {
        own = new pg.Pool({
          connectionString: o.url,
          connectionTimeoutMillis: o.connectTimeoutMs ?? 1_500,
          // the server cancels a statement first (no late commit after the client gave up); the client's own bound
          // covers a server that does not answer at all
          statement_timeout: stmtMs,
          query_timeout: stmtMs + 100,
          max: o.poolMax ?? 2,
          idleTimeoutMillis: 5_000,
          allowExitOnIdle: true,
          application_name: applicationName,
        });
        // an idle connection killed by the server (restart, pg_terminate_backend) must not crash the process; the
        // pool drops it and the next call connects again
        own.on('error', () => undefined);
        return own as unknown as PgHandle;
      })),
    close: async () => {
      const p = own as PgTypes.Pool | null;
      own = null;
      if (p !== null) await p.end().catch(() => undefined);
    },
  };
};

/**
 * Open the PostgreSQL lane store (push-gate.md §5.7). Synchronous and cheap: nothing connects until the first
 * method call (which loads `pg`). Methods never throw; every error is a `LaneFailure` per {@link pgFailure}.
 */
export const openPgLaneStore = (o: PgLaneStoreOptions): PgLaneStore => {
  const S = pgIdent(o.schema ?? 'arbiter');
  const sql = Object.fromEntries((Object.keys(SIGNATURES) as Method[]).map((m) => [m, callOf(S, m)])) as Record<Method, string>;
  const pool = lazyPgPool(o, 'arbiter');
  const getHandle = pool.handle;
  const q = async (text: string, values: ReadonlyArray<unknown>): Promise<ReadonlyArray<PgRow>> => {
    const h = await getHandle();
    const r = await h.query(text, [o.clock === undefined ? null : o.clock(), ...values]);
    return r.rows;
  };
  /** The store's own refusals, then the driver mapping (push-gate.md §5.6). */
  const failureOf = (e: unknown): LaneFailure =>
    e instanceof Forbidden ? laneFailure('forbidden', 'not-owner') : e instanceof Retry ? laneFailure('contended', 'claim raced') : e instanceof BadLane ? laneFailure('other', 'bad-lane-name') : pgFailure(e);
  const wrap = <A>(f: () => Promise<A>) => laneTask(failureOf, f);
  const byArgs = (by: PG.Holder): string[] => [by.handle, by.session, by.instance];
  return {
    ...pgLaneQueue({ schema: S, query: q, failure: pgFailure }), // the landing queue (land.md §2.1), schema version 3
    claim: (lane, holder, meta) =>
      wrap(async () => {
        laneOk(lane);
        const lease = PG.leaseMs(meta, o.defaultLeaseMin);
        // A refused upsert reports the holder from the statement's snapshot; when that snapshot does not show a live
        // other holder (it committed after the snapshot), ask again: each round is a fresh statement.
        for (let round = 0; round < PG.STORE_CAS_ATTEMPTS; round++) {
          const rows = await q(sql.claim, [lane, holder.handle, holder.session, holder.instance, holder.host, lease, meta.intent, meta.eta_minutes]);
          const r = rows[0];
          if (r === undefined) continue;
          if (r['r'] === 'granted') return { _tag: 'Granted' as const, fence: rowNum(r['fence']), reclaimed: r['reclaimed'] === true };
          if (r['blocking'] !== true) continue;
          return { _tag: 'Held' as const, holder_handle: rowStr(r['handle']), holder_instance: rowStr(r['instance']), heartbeat_age_sec: PG.ageSec(rowNum(r['age_ms']), 0) };
        }
        throw new Retry();
      }),
    heartbeat: (lane, instance, fence) =>
      wrap(async () => {
        laneOk(lane);
        const r = (await q(sql.heartbeat, [lane, instance, fence]))[0] ?? {};
        return r['ok'] === true ? { _tag: 'Ok' as const } : { _tag: 'Lost' as const, holder_handle: typeof r['live_handle'] === 'string' ? r['live_handle'] : null };
      }),
    release: (lane, instance) =>
      wrap(async () => {
        laneOk(lane);
        const r = (await q(sql.release, [lane, instance]))[0];
        return r === undefined ? { _tag: 'NotHolder' as const } : { _tag: 'Released' as const, fence: rowNum(r['fence']) };
      }),
    forceRelease: (lane, by, reason) =>
      wrap(async () => {
        if (!PG.isOwner(by.handle, o.owners)) throw new Forbidden(); // LS7: owner check first, nothing written
        laneOk(lane);
        const r = (await q(sql.force, [lane, ...byArgs(by), reason === null ? null : reason.slice(0, PG.REASON_MAX)]))[0] ?? {};
        return { _tag: 'Forced' as const, previous: prevOf(r['previous']), fence: rowNum(r['fence']) };
      }),
    state: (lane, session) =>
      wrap(async () => {
        if (lane !== 'all') laneOk(lane);
        const r = (await q(sql.state, [lane === 'all' ? null : lane, session]))[0] ?? {};
        const now = rowNum(r['now_ms']);
        const views = (Array.isArray(r['lanes']) ? (r['lanes'] as PgRow[]) : []).map((l): PG.LaneView => {
          const rec: PG.LaneRecord = {
            schema_version: 1,
            lane: rowStr(l['lane']),
            fence: rowNum(l['fence']),
            holder:
              typeof l['instance'] !== 'string'
                ? null
                : {
                    handle: rowStr(l['handle']),
                    session: rowStr(l['session']),
                    instance: rowStr(l['instance']),
                    host: rowStr(l['host']),
                    claimed_at: rowNum(l['claimed_at']),
                    heartbeat_at: rowNum(l['heartbeat_at']),
                    lease_ms: rowNum(l['lease_ms']),
                    intent: l['intent'] as PG.ClaimMeta['intent'],
                    eta_minutes: l['eta_minutes'] === null ? null : rowNum(l['eta_minutes']),
                  },
            event: { kind: 'claim', at: now, by_handle: '', by_session: '', by_instance: '', reason: null, previous: null },
          };
          return PG.viewOf(rec.lane, rec, now);
        });
        if (lane !== 'all' && views.length === 0) views.push(PG.viewOf(lane, null, now)); // LS1: no record = fence 0
        views.sort((a, b) => (a.lane < b.lane ? -1 : a.lane > b.lane ? 1 : 0));
        const halts = (Array.isArray(r['halts']) ? (r['halts'] as PgRow[]) : []).map((h) =>
          PG.haltView(
            {
              halt_id: rowStr(h['halt_id']),
              target_session: rowStr(h['target_session']),
              by_handle: rowStr(h['by_handle']),
              by_session: rowStr(h['by_session']),
              by_instance: rowStr(h['by_instance']),
              reason: rowStr(h['reason']),
              created_at: rowNum(h['created_at']),
            },
            true,
            now,
          ),
        );
        return { lanes: views, halts: halts.filter((h) => h.target_session === session), placed: halts.filter((h) => h.by_session === session) };
      }),
    post: (p) =>
      wrap(async () => {
        await q(sql.post, [p.lane, ...byArgs(p.by), p.body]);
        return { _tag: 'Posted' as const };
      }),
    halt: (target, by, reason) =>
      wrap(async () => {
        const r = (await q(sql.halt, [target, ...byArgs(by), reason]))[0] ?? {};
        return { _tag: 'Halted' as const, halt_id: rowStr(r['halt_id']) };
      }),
    unhalt: (target, by) =>
      wrap(async () => {
        const r = (await q(sql.unhalt, [target, ...byArgs(by), PG.isOwner(by.handle, o.owners)]))[0] ?? {};
        if (r['ok'] !== true) throw new Forbidden();
        return { _tag: 'Unhalted' as const, count: rowNum(r['count']) };
      }),
    audit: (limit) =>
      wrap(async () =>
        (await q(sql.audit, [Math.max(0, Math.floor(limit))])).map(
          (a): PG.AuditRecord => ({
            at: rowNum(a['at']),
            lane: typeof a['lane'] === 'string' ? a['lane'] : null,
            kind: rowStr(a['kind']) as PG.AuditRecord['kind'],
            by_handle: rowStr(a['by_handle']),
            by_session: rowStr(a['by_session']),
            by_instance: rowStr(a['by_instance']),
            fence: a['fence'] === null ? null : rowNum(a['fence']),
            previous: prevOf(a['previous']),
            reason: typeof a['reason'] === 'string' ? a['reason'] : null,
            body: typeof a['body'] === 'string' ? a['body'] : null,
          }),
        ),
      ),
    close: pool.close,
  };
};
