/**
 * The landing queue of the PostgreSQL lane store (land.md §2 Q1–Q6; tables and statements land.md §2.1 QP1–QP6),
 * composed into `openPgLaneStore` (push-gate.md §5.7 PS1–PS9).
 *
 * Schema version 3 (`arbiter db migrate`) adds two tables: `queue_lanes`, one row per lane that ever had a ticket,
 * holding the highest `seq` it used (never deleted, so a drained queue never reuses a number, Q1), and
 * `queue_tickets`, one row per ticket. Both are keyed by the SHA-256 of the lane name's UTF-8 bytes, so every lane name
 * (up to 8 192 units, push-gate.md §3.2 N5) fits a btree index; the full name is stored beside it.
 *
 * Each method is ONE parameterised statement in autocommit, kept in a PL/pgSQL function (`enqueue_v3`, `dequeue_v3`,
 * `queue_v3`), whose instants all come from the database clock through the `now_v3` view (PS3, PS4: a database still
 * at schema 2 fails the statement and the store names `arbiter db migrate`). No session state (PS7).
 */
import type { LaneFailure, LaneQueue } from '@arbiter/kernel';
import { landQueue as Q, pushGate as PG } from '@arbiter/kernel';
import { laneFailure, laneTask } from './lane-task.js';
import { clockCte, methodCall, methodFunctionDDL, msOf, rowNum, rowStr, type PgRow, type PgSignature } from './pg-sql.js';

/** The schema version whose migration creates the queue tables and functions (land.md §2.1 QP1). */
export const PG_QUEUE_SCHEMA_VERSION = 3;

/** What {@link pgLaneQueue} needs from the store it is composed into. */
export interface PgLaneQueueDeps {
  /** The quoted schema name (`pgIdent`). */
  readonly schema: string;
  /** Run one statement; `$1` is filled by the store (its test clock, null in production), `values` are `$2…`. */
  readonly query: (text: string, values: ReadonlyArray<unknown>) => Promise<ReadonlyArray<Record<string, unknown>>>;
  /** The store's driver error → failure mapping (push-gate.md §5.6, PostgreSQL row). */
  readonly failure: (e: unknown) => LaneFailure;
}

/** The statements, for one schema `S` (quoted). `$1` is always the test clock (null in production). */
const statements = (S: string) => {
  const clk = clockCte(S, 'now_v3');
  const key = `k AS (SELECT sha256(convert_to($2::text, 'UTF8')) AS k)`;
  const live = (t: string, now = 'clk.t'): string => `(${now} - ${t}.heartbeat_at <= ${t}.ttl_ms * interval '1 millisecond')`;
  const cols = (t: string): string =>
    `${t}.ticket_id, ${t}.seq::float8 AS seq, ${t}.handle, ${t}.session, ${t}.instance, ${t}.host, ${t}.branch, ${msOf(`${t}.created_at`)} AS created_at, ${msOf(`${t}.heartbeat_at`)} AS heartbeat_at, ${t}.ttl_ms`;
  // Q2 enqueue: $2 lane, $3 handle, $4 session, $5 instance, $6 host, $7 branch, $8 ttl_ms.
  // A live ticket of this instance in the statement's snapshot is refreshed in place (`ref`); otherwise the lane's
  // counter is raised (its row lock orders simultaneous enqueues of one lane) and a ticket inserted with the new seq
  // (`ins`); an expired row of this instance is replaced by the new ticket, and one inserted meanwhile by a
  // simultaneous call of the same instance keeps its id, seq and place. Expired tickets of others are left to `dequeue`
  // (Q4 lets any step delete them): deleting them here too would let two enqueues lock the same rows in opposite order.
  const liveEx = live('t', 'EXCLUDED.heartbeat_at'); // the conflicting row, judged at this statement's instant
  const enqueue = `WITH ${clk}, ${key},
  nid AS (SELECT substr(md5(gen_random_uuid()::text), 1, 16) AS id),
  mine AS (SELECT t.ticket_id, t.seq FROM ${S}.queue_tickets t, clk, k WHERE t.lane_key = k.k AND t.instance = $5::text AND ${live('t')}),
  bump AS (INSERT INTO ${S}.queue_lanes AS q (lane_key, lane, max_seq) SELECT k.k, $2::text, 1 FROM k WHERE NOT EXISTS (SELECT 1 FROM mine)
           ON CONFLICT (lane_key) DO UPDATE SET max_seq = q.max_seq + 1 RETURNING q.max_seq),
  ins AS (INSERT INTO ${S}.queue_tickets AS t (ticket_id, lane_key, lane, seq, handle, session, instance, host, branch, created_at, heartbeat_at, ttl_ms)
          SELECT nid.id, k.k, $2::text, bump.max_seq, $3::text, $4::text, $5::text, $6::text, $7::text, clk.t, clk.t, $8::integer FROM nid, k, bump, clk
          ON CONFLICT (lane_key, instance) DO UPDATE SET
            ticket_id = CASE WHEN ${liveEx} THEN t.ticket_id ELSE EXCLUDED.ticket_id END,
            seq = CASE WHEN ${liveEx} THEN t.seq ELSE EXCLUDED.seq END,
            handle = CASE WHEN ${liveEx} THEN t.handle ELSE EXCLUDED.handle END,
            session = CASE WHEN ${liveEx} THEN t.session ELSE EXCLUDED.session END,
            host = CASE WHEN ${liveEx} THEN t.host ELSE EXCLUDED.host END,
            created_at = CASE WHEN ${liveEx} THEN t.created_at ELSE EXCLUDED.created_at END,
            heartbeat_at = EXCLUDED.heartbeat_at, ttl_ms = EXCLUDED.ttl_ms, branch = EXCLUDED.branch
          RETURNING ${cols('t')}),
  ref AS (UPDATE ${S}.queue_tickets t SET heartbeat_at = clk.t, ttl_ms = $8::integer, branch = $7::text FROM clk, mine
          WHERE t.ticket_id = mine.ticket_id AND ${live('t')} RETURNING ${cols('t')}),
  got AS (SELECT ins.*, ins.ticket_id <> nid.id AS refreshed FROM ins, nid UNION ALL SELECT ref.*, true FROM ref)
  SELECT got.*, ${msOf('clk.t')} AS now_ms,
    1 + (SELECT count(*) FROM ${S}.queue_tickets o, k WHERE o.lane_key = k.k AND o.instance <> $5::text AND o.seq < got.seq AND ${live('o')})::integer AS pos
  FROM got, clk`;
  // Q5 dequeue: $2 lane, $3 instance. Withdraws the live ticket (expired ones of the lane are deleted with it).
  const dequeue = `WITH ${clk}, ${key},
  d AS (DELETE FROM ${S}.queue_tickets t USING clk, k WHERE t.lane_key = k.k AND t.instance = $3::text AND ${live('t')} RETURNING t.ticket_id),
  gc AS (DELETE FROM ${S}.queue_tickets t USING clk, k WHERE t.lane_key = k.k AND NOT ${live('t')})
  SELECT d.ticket_id FROM d`;
  // Q3 queue: $2 lane. Read-only: the live tickets in seq order and the clock they were judged by.
  const queue = `WITH ${clk}, ${key}
  SELECT ${msOf('clk.t')} AS now_ms,
    (SELECT coalesce(json_agg(json_build_object('ticket_id', t.ticket_id, 'seq', t.seq::float8, 'handle', t.handle, 'session', t.session, 'instance', t.instance,
        'host', t.host, 'branch', t.branch, 'created_at', ${msOf('t.created_at')}, 'heartbeat_at', ${msOf('t.heartbeat_at')}, 'ttl_ms', t.ttl_ms) ORDER BY t.seq), '[]'::json)
       FROM ${S}.queue_tickets t, k WHERE t.lane_key = k.k AND ${live('t')}) AS tickets
  FROM clk`;
  return { enqueue, dequeue, queue };
};

type Method = keyof ReturnType<typeof statements>;

const TICKET_COLS = 'ticket_id text, seq float8, handle text, session text, instance text, host text, branch text, created_at float8, heartbeat_at float8, ttl_ms integer';
/** Argument types in `$n` order and result columns of each method's function (as for the lanes, PS6). */
const SIGNATURES: Readonly<Record<Method, PgSignature>> = {
  enqueue: { args: ['float8', 'text', 'text', 'text', 'text', 'text', 'text', 'integer'], returns: `TABLE(${TICKET_COLS}, refreshed boolean, now_ms float8, pos integer)` },
  dequeue: { args: ['float8', 'text', 'text'], returns: 'TABLE(ticket_id text)' },
  queue: { args: ['float8', 'text'], returns: 'TABLE(now_ms float8, tickets json)' },
};

/**
 * Migration 3 (land.md §2.1 QP1–QP3): the queue tables, the `now_v3` clock view and the method functions, for schema
 * `S` (quoted). Used by `pg-migrate.ts` only.
 */
export const pgQueueDDL = (S: string): ReadonlyArray<string> => {
  const st = statements(S);
  return [
    // Q1: the highest seq each lane has used, kept after its queue drains
    `CREATE TABLE ${S}.queue_lanes (
      lane_key bytea PRIMARY KEY CHECK (octet_length(lane_key) = 32),
      lane text NOT NULL CHECK (char_length(lane) BETWEEN 1 AND 8192),
      max_seq bigint NOT NULL CHECK (max_seq >= 1)
    )`,
    `CREATE TABLE ${S}.queue_tickets (
      ticket_id text PRIMARY KEY CHECK (ticket_id ~ '^[0-9a-f]{16}$'),
      lane_key bytea NOT NULL,
      lane text NOT NULL,
      seq bigint NOT NULL CHECK (seq >= 1),
      handle text NOT NULL CHECK (char_length(handle) <= 512),
      session text NOT NULL CHECK (char_length(session) <= 512),
      instance text NOT NULL CHECK (char_length(instance) BETWEEN 1 AND 512),
      host text NOT NULL CHECK (char_length(host) <= 512),
      branch text NOT NULL CHECK (char_length(branch) <= ${Q.TICKET_BRANCH_MAX}),
      created_at timestamptz NOT NULL,
      heartbeat_at timestamptz NOT NULL,
      ttl_ms integer NOT NULL CHECK (ttl_ms BETWEEN ${Q.TICKET_TTL_MIN_MS} AND ${Q.TICKET_TTL_MAX_MS}),
      UNIQUE (lane_key, instance),
      UNIQUE (lane_key, seq)
    )`,
    // the clock of every queue statement; its name carries the version that created it (PS3)
    `CREATE VIEW ${S}.now_v3 AS SELECT date_trunc('milliseconds', clock_timestamp()) AS t`,
    ...(Object.keys(SIGNATURES) as Method[]).map((m) => methodFunctionDDL(S, `${m}_v3`, SIGNATURES[m], st[m])),
  ];
};

/** A row (or JSON object) of the ticket columns → the kernel's record for `lane`. */
const recordOf = (lane: string, r: PgRow): Q.TicketRecord => ({
  ticket_id: rowStr(r['ticket_id']),
  lane,
  seq: rowNum(r['seq']),
  handle: rowStr(r['handle']),
  session: rowStr(r['session']),
  instance: rowStr(r['instance']),
  host: rowStr(r['host']),
  branch: rowStr(r['branch']),
  created_at: rowNum(r['created_at']),
  heartbeat_at: rowNum(r['heartbeat_at']),
  ttl_ms: rowNum(r['ttl_ms']),
});

class Refused extends Error {
  constructor(readonly status: string) {
    super(status);
  }
}
class Raced extends Error {}

/**
 * The queue methods of the PostgreSQL store. Lane names, metas and holders are checked before any statement runs (Q6);
 * methods never throw, every error is a `LaneFailure` (the store's mapping; `contended` / `queue raced` when a
 * refreshed ticket vanished under every one of `STORE_CAS_ATTEMPTS` statements).
 */
export const pgLaneQueue = (d: PgLaneQueueDeps): LaneQueue => {
  const S = d.schema;
  const call = (m: Method): string => methodCall(S, `${m}_v3`, SIGNATURES[m].args);
  const sql = { enqueue: call('enqueue'), dequeue: call('dequeue'), queue: call('queue') };
  /** The queue's own refusals, then the store's driver mapping. */
  const failureOf = (e: unknown): LaneFailure => (e instanceof Refused ? laneFailure('other', e.status) : e instanceof Raced ? laneFailure('contended', 'queue raced') : d.failure(e));
  const wrap = <A>(f: () => Promise<A>) => laneTask(failureOf, f);
  const laneOk = (lane: string): void => {
    if (!PG.isLaneName(lane)) throw new Refused('bad-lane-name');
  };
  return {
    enqueue: (lane, holder, meta) =>
      wrap(async () => {
        const refusal = Q.enqueueRefusal(lane, holder, meta);
        if (refusal !== null) throw new Refused(refusal);
        // A ticket refreshed from the statement's snapshot may be withdrawn or expire before the update reaches it;
        // the statement then answers nothing and a fresh statement decides again.
        for (let round = 0; round < PG.STORE_CAS_ATTEMPTS; round++) {
          const r = (await d.query(sql.enqueue, [lane, holder.handle, holder.session, holder.instance, holder.host, meta.branch, meta.ttl_ms]))[0];
          if (r === undefined) continue;
          const now = rowNum(r['now_ms']);
          return { _tag: 'Enqueued' as const, ticket: Q.ticketView(recordOf(lane, r), rowNum(r['pos']), now), refreshed: r['refreshed'] === true };
        }
        throw new Raced();
      }),
    dequeue: (lane, instance) =>
      wrap(async () => {
        laneOk(lane);
        const r = (await d.query(sql.dequeue, [lane, instance]))[0];
        return r === undefined ? { _tag: 'NotQueued' as const } : { _tag: 'Dequeued' as const, ticket_id: rowStr(r['ticket_id']) };
      }),
    queue: (lane) =>
      wrap(async () => {
        laneOk(lane);
        const r = (await d.query(sql.queue, [lane]))[0] ?? {};
        const now = rowNum(r['now_ms']);
        const recs = (Array.isArray(r['tickets']) ? (r['tickets'] as PgRow[]) : []).map((t) => recordOf(lane, t));
        return Q.queueView(recs, lane, now);
      }),
  };
};
