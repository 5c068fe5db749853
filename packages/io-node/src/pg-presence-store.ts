/**
 * PostgreSQL `PresenceStore` (presence.md §9 RS1–RS4, RS6): the team's session registry in the table `arbiter_sessions` of the
 * lane store's schema (migration 5 of `arbiter db migrate`), over the same `pg` driver as the lane store, loaded on
 * the first call only.
 *
 * - One row per session: `session_key` (SHA-256 of the id's UTF-8, so any id of up to `PRESENCE_FIELD_MAX` units fits
 *   a btree index, as the landing queue keys its lanes), the full `session` id, `doc` (the record's JSON as TEXT, so a
 *   corrupt record or one from a newer Arbiter stays exactly as it was written and is reported, PR8), `rev` (the
 *   compare-and-set counter) and `updated_at`.
 * - `record`: one statement reads the database clock (`clock_timestamp()`, whole ms: the store clock of presence.md §4,
 *   never the client's) together with the session's row; the kernel's `observe` decides; a changed record is written
 *   by `INSERT … ON CONFLICT DO NOTHING` (no row yet) or `UPDATE … WHERE rev = <the rev read>` (compare-and-set). A
 *   write that lost its race reads again (a fresh time) and decides again, at most {@link PRESENCE_CAS_ATTEMPTS}
 *   times, so two machines recording one session at once never lose an update: each write is `observe` applied to
 *   the record it replaces.
 * - `list`: every row, decoded by the kernel; an unusable one is a problem keyed by its session id.
 * - No session state (no transaction spanning statements, no advisory lock, no `SET`, no named prepared statement):
 *   PgBouncer in transaction mode is fine. Every statement is parameterised; identifiers are never user text.
 * - A missing table or schema (a database not migrated to version 5) is a failure of kind `unavailable` whose detail
 *   names `arbiter db migrate`; the store never runs DDL.
 */
import * as E from 'fp-ts/lib/Either.js';
import { presence as P, type PresenceFailure, type PresenceList, type PresenceProblem, type PresenceRecorded, type PresenceSighting, type PresenceStore, type SessionPresence } from '@arbiter/kernel';
import { lazyPgPool, pgFailure, pgIdent, PG_SCHEMA_STATUS, type PgHandle, type PgModule } from './pg-lane-store.js';

/** The schema version whose migration creates `arbiter_sessions` (presence.md §9). */
export const PG_PRESENCE_SCHEMA_VERSION = 5;

/**
 * Reads and writes `record` tries before it gives up on a session written by others meanwhile. Each lost race means
 * another writer won, so n writers of one session at once all land within n attempts; 10 covers every writer a
 * session has in practice (its own hooks, the git layer, a verb) with room to spare.
 */
export const PRESENCE_CAS_ATTEMPTS = 10;

/** Pause before retry `i` (1-based) after a lost race: a random 0 to 2·i ms, so racing writers spread out. */
const backoff = (i: number): Promise<void> => new Promise((res) => setTimeout(res, Math.random() * 2 * i));

/** Migration 5's DDL for schema `S` (quoted), presence.md §9 RS1. Idempotent (`IF NOT EXISTS`); used by `pg-migrate.ts` only. */
export const pgPresenceDDL = (S: string): ReadonlyArray<string> => [
  `CREATE TABLE IF NOT EXISTS ${S}.arbiter_sessions (
    session_key bytea PRIMARY KEY CHECK (length(session_key) = 32),
    session     text NOT NULL CHECK (session <> ''),
    doc         text NOT NULL,
    rev         bigint NOT NULL CHECK (rev >= 1),
    updated_at  timestamptz NOT NULL
  )`,
];

/** Options of {@link openPgPresenceStore}. */
export interface PgPresenceStoreOptions {
  /** `postgres://…` or `postgresql://…`. Never logged. */
  readonly url: string;
  /** An existing pool to share (e.g. `arbiter serve`'s); `close()` then leaves it open. */
  readonly handle?: PgHandle;
  /** Schema holding the table (default `arbiter`). */
  readonly schema?: string;
  /** Connection set-up bound, ms (default 1 500). */
  readonly connectTimeoutMs?: number;
  /** Statement bound, ms (default 1 000): the server cancels at this, the client gives up 100 ms later. */
  readonly statementTimeoutMs?: number;
  /** Largest number of connections of the store's own pool (default 2). */
  readonly poolMax?: number;
  /**
   * Tests only: a fake clock (ms epoch) sent with the reading statement in place of the database clock, so the shared
   * contract suite can step time (as the lane store's). Production never sets it (presence.md §4).
   */
  readonly clock?: () => number;
  /** Tests only: the `pg` module to use. */
  readonly pg?: PgModule;
}

const failure = P.presenceFailure;

/**
 * A driver error → presence failure (presence.md §9 RS6), through the lane store's mapping (push-gate.md §5.6, PostgreSQL
 * row): no connection, a reset or a timeout → `transport`; no permission (42501) or a missing or older schema →
 * `unavailable` (detail `schema missing or old: run \`arbiter db migrate\``); anything else → `other`. The detail is
 * a SQLSTATE, an errno code or a fixed phrase: never a server message or the URL.
 */
export const pgPresenceFailure = (e: unknown): PresenceFailure => {
  const f = pgFailure(e);
  if (f.kind === 'transport' || f.kind === 'contended') return failure('transport', f.status);
  if (f.kind === 'forbidden' || f.status === PG_SCHEMA_STATUS) return failure('unavailable', f.status);
  return failure('other', f.status);
};

/** A lone surrogate: text PostgreSQL would store as U+FFFD, so the id read back would not be the id written. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** The row text of one record, decoded as a record or a problem keyed by `session` (presence.md §5 PR8). */
const decodeRow = (session: string, doc: string): SessionPresence | PresenceProblem => {
  const d = P.readStoredRecord(session, doc);
  return P.isPresenceProblem(d) || d.session === session ? d : { key: session, kind: 'corrupt', detail: 'session id does not match its row' };
};

/** The statements, for one schema `S` (quoted). */
const statements = (S: string) => {
  const key = `sha256(convert_to($2::text, 'UTF8'))`;
  const at = (p: string): string => `'epoch'::timestamptz + ${p}::float8 * interval '1 millisecond'`;
  return {
    // $1 test clock (null: the database clock), $2 session. One row even when the session has none.
    read: `SELECT CASE WHEN $1::float8 IS NULL THEN floor(extract(epoch FROM clock_timestamp()) * 1000)::float8 ELSE $1::float8 END AS now_ms,
        s.session, s.doc, s.rev::text AS rev
      FROM (SELECT 1) AS one LEFT JOIN ${S}.arbiter_sessions s ON s.session_key = ${key}`,
    // $1 at (ms), $2 session, $3 doc
    insert: `INSERT INTO ${S}.arbiter_sessions (session_key, session, doc, rev, updated_at)
      VALUES (${key}, $2::text, $3::text, 1, ${at('$1')}) ON CONFLICT (session_key) DO NOTHING RETURNING rev::text AS rev`,
    // $1 at (ms), $2 session, $3 doc, $4 the rev read
    update: `UPDATE ${S}.arbiter_sessions SET doc = $3::text, rev = rev + 1, updated_at = ${at('$1')}
      WHERE session_key = ${key} AND rev = $4::bigint RETURNING rev::text AS rev`,
    list: `SELECT session, doc FROM ${S}.arbiter_sessions ORDER BY session_key`,
  };
};

/** A lost race (the row changed between the read and the write), or every attempt lost. */
class Raced extends Error {}

/**
 * Open the PostgreSQL session registry (presence.md §9 RS2–RS4: database clock, compare-and-set, listing). Synchronous and cheap: nothing connects and `pg` is not
 * loaded until the first call. Methods never throw; every error is a `PresenceFailure` ({@link pgPresenceFailure};
 * a corrupt or newer stored record makes `record` fail with kind `other` and leaves the row as it was, PR8).
 * @throws only when `schema` is not a valid schema name (a programming error, never user text).
 */
export const openPgPresenceStore = (o: PgPresenceStoreOptions): PresenceStore & { readonly close: () => Promise<void> } => {
  const sql = statements(pgIdent(o.schema ?? 'arbiter'));
  const pool = lazyPgPool(o, 'arbiter presence');
  const getHandle = pool.handle;
  const q = async (text: string, values: ReadonlyArray<unknown>): Promise<ReadonlyArray<Record<string, unknown>>> => (await (await getHandle()).query(text, values)).rows;

  const recordOnce = async (s: PresenceSighting): Promise<PresenceRecorded> => {
    const row = (await q(sql.read, [o.clock === undefined ? null : o.clock(), s.session]))[0] ?? {};
    const now = Number(row['now_ms']);
    const doc = row['doc'];
    let prev: SessionPresence | null = null;
    if (typeof doc === 'string') {
      const d = decodeRow(String(row['session']), doc);
      if (P.isPresenceProblem(d)) throw failure('other', `${d.kind} record of this session kept: ${d.detail}`);
      prev = d;
    }
    const next = P.observe(prev, { ...s, at: now });
    if (next === null) return { presence: prev, changed: false };
    const text = JSON.stringify(next);
    const wrote = prev === null ? await q(sql.insert, [now, s.session, text]) : await q(sql.update, [now, s.session, text, row['rev']]);
    if (wrote.length === 0) throw new Raced();
    return { presence: next, changed: true };
  };

  return {
    record: (s) => async () => {
      // the id is the row's key: refuse what PostgreSQL text cannot hold exactly (U+0000, a lone surrogate) before
      // any statement; PR1 (an empty id, an over-long field) is `observe`'s to decide, like every store's
      if (typeof s.session !== 'string') return E.left(failure('other', 'session id is not text'));
      if (s.session.includes('\u0000') || LONE_SURROGATE.test(s.session)) return E.left(failure('other', 'session id holds U+0000 or a lone surrogate, which PostgreSQL text cannot keep'));
      for (let i = 0; i < PRESENCE_CAS_ATTEMPTS; i++) {
        try {
          return E.right<PresenceFailure, PresenceRecorded>(await recordOnce(s));
        } catch (e) {
          if (e instanceof Raced) {
            await backoff(i + 1);
            continue;
          }
          if (typeof e === 'object' && e !== null && (e as { _tag?: unknown })._tag === 'PresenceFailure') return E.left(e as PresenceFailure);
          return E.left(pgPresenceFailure(e));
        }
      }
      return E.left(failure('other', `the record changed under ${PRESENCE_CAS_ATTEMPTS} attempts in a row`));
    },
    list: () => async () => {
      try {
        const rows = await q(sql.list, []);
        const sessions: SessionPresence[] = [];
        const problems: PresenceProblem[] = [];
        for (const r of rows) {
          const d = decodeRow(String(r['session']), String(r['doc']));
          if (P.isPresenceProblem(d)) problems.push(d);
          else sessions.push(d);
        }
        return E.right<PresenceFailure, PresenceList>({ sessions, problems });
      } catch (e) {
        return E.left(pgPresenceFailure(e));
      }
    },
    close: pool.close,
  };
};
