/**
 * Schema of the PostgreSQL lane store and `arbiter db migrate` (push-gate.md §5.7 PS1–PS4).
 *
 * Versioned: `<schema>.schema_version` holds one row per applied migration; {@link migrate} applies the missing ones
 * in order inside one transaction that first takes `pg_advisory_xact_lock` (a lock that ends with the transaction,
 * so nothing outlives it and two concurrent runs simply queue), so running it twice, or twice at once, is safe.
 * Hooks never run DDL: the store's statements read `<schema>.now_v<N>`, a view that exists only once migration N
 * ran, so a missing or older schema fails the statement (SQLSTATE 42P01) and the store reports it as `store-failed`
 * naming `arbiter db migrate` (PS3).
 */
import { loadPg, pgFunctionDDL, pgIdent, type PgModule } from './pg-lane-store.js';
import { pgQueueDDL } from './pg-lane-queue.js';
import { pgPresenceDDL } from './pg-presence-store.js';

/** Schema version the lane store's statements need (the `now_v1` view); {@link migrate} applies every later one too. */
export const PG_SCHEMA_VERSION = 1;

/** Default schema name. */
export const PG_DEFAULT_SCHEMA = 'arbiter';

/** One migration: the statements that take the schema from `version − 1` to `version`. `S` is the quoted schema. */
interface Migration {
  readonly version: number;
  readonly statements: (S: string) => ReadonlyArray<string>;
}

const MIGRATIONS: ReadonlyArray<Migration> = [
  {
    version: 1,
    statements: (S) => [
      // LS1: one row per lane, never deleted. The holder columns are all null (free) or all set; `event_*` describe
      // the transition that produced the row (push-gate.md §5.4), so a statement's RETURNING can feed its audit row.
      `CREATE TABLE ${S}.lanes (
        lane text PRIMARY KEY CHECK (char_length(lane) BETWEEN 1 AND 256),
        fence bigint NOT NULL CHECK (fence >= 0),
        holder_handle text, holder_session text, holder_instance text, holder_host text,
        claimed_at timestamptz, heartbeat_at timestamptz,
        lease_ms integer CHECK (lease_ms > 0),
        intent text CHECK (intent IN ('push', 'deploy', 'break-glass')),
        eta_minutes integer,
        event_kind text NOT NULL,
        event_at timestamptz NOT NULL,
        event_previous jsonb,
        CHECK ((holder_instance IS NULL) = (heartbeat_at IS NULL) AND (holder_instance IS NULL) = (lease_ms IS NULL))
      )`,
      // LS8 enforced by the database too: the fence never falls and rises by exactly 1, only on a fresh grant.
      `CREATE FUNCTION ${S}.fence_rule() RETURNS trigger LANGUAGE plpgsql AS $f$
       BEGIN
         RAISE EXCEPTION 'lane % fence % -> % (%) breaks LS8', OLD.lane, OLD.fence, NEW.fence, NEW.event_kind USING ERRCODE = '23514';
       END $f$`,
      `CREATE TRIGGER lanes_fence_rule BEFORE UPDATE ON ${S}.lanes FOR EACH ROW
         WHEN (NEW.fence <> OLD.fence AND (NEW.fence <> OLD.fence + 1 OR NEW.event_kind NOT IN ('claim', 'expired-takeover')))
         EXECUTE FUNCTION ${S}.fence_rule()`,
      // Audit records: append-only (no UPDATE, DELETE or TRUNCATE).
      `CREATE TABLE ${S}.audit (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        at timestamptz NOT NULL,
        lane text,
        kind text NOT NULL,
        by_handle text NOT NULL, by_session text NOT NULL, by_instance text NOT NULL,
        fence bigint,
        previous jsonb,
        reason text,
        body text
      )`,
      `CREATE FUNCTION ${S}.audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $f$
       BEGIN
         RAISE EXCEPTION 'the lane audit table is append-only' USING ERRCODE = '42501';
       END $f$`,
      `CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON ${S}.audit FOR EACH STATEMENT EXECUTE FUNCTION ${S}.audit_append_only()`,
      `CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON ${S}.audit FOR EACH STATEMENT EXECUTE FUNCTION ${S}.audit_append_only()`,
      // LS11 halts, in their own table: open while closed_at is null.
      `CREATE TABLE ${S}.halts (
        halt_id text PRIMARY KEY CHECK (halt_id ~ '^[0-9a-f]{16}$'),
        target_session text NOT NULL,
        by_handle text NOT NULL, by_session text NOT NULL, by_instance text NOT NULL,
        reason text NOT NULL,
        created_at timestamptz NOT NULL,
        closed_at timestamptz, closed_by_handle text, closed_by_session text
      )`,
      `CREATE INDEX halts_open_target ON ${S}.halts (target_session) WHERE closed_at IS NULL`,
      `CREATE INDEX halts_open_by ON ${S}.halts (by_session) WHERE closed_at IS NULL`,
      // LS2: the one clock of every statement, the database's, in whole milliseconds (so an instant read back as
      // ms epoch compares exactly like the kernel's). Its name carries the version (PS3).
      `CREATE VIEW ${S}.now_v1 AS SELECT date_trunc('milliseconds', clock_timestamp()) AS t`,
      // one function per store method (PS6), its statement checked and planned by the server from here on
      ...pgFunctionDDL(S),
    ],
  },
  {
    version: 2,
    statements: (S) => [
      // the bearer tokens of `arbiter serve --store postgres` (push-gate.md §5.7 "Tokens"): only a token's SHA-256 is
      // kept, its id is the first 16 hex of it, a revoked token stays listed (`revoked_at`); serve never runs DDL
      `CREATE TABLE IF NOT EXISTS ${S}.arbiter_tokens (
        id         text PRIMARY KEY CHECK (id ~ '^[0-9a-f]{16}$'),
        member     text NOT NULL CHECK (length(member) BETWEEN 1 AND 128),
        owner      boolean NOT NULL DEFAULT false,
        sha256     text NOT NULL UNIQUE CHECK (sha256 ~ '^[0-9a-f]{64}$'),
        created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        revoked_at timestamptz
      )`,
    ],
  },
  {
    version: 3,
    // the landing queue (land.md §2.1 QP1–QP3): its two tables, the `now_v3` clock of its statements and their functions
    statements: (S) => pgQueueDDL(S),
  },
  {
    version: 4,
    // the read-only `viewer` role of the dashboard's tokens (dashboard.md §4 D1); never together with `owner`
    statements: (S) => [
      `ALTER TABLE ${S}.arbiter_tokens ADD COLUMN viewer boolean NOT NULL DEFAULT false,
         ADD CONSTRAINT arbiter_tokens_viewer_not_owner CHECK (NOT (viewer AND owner))`,
    ],
  },
  {
    version: 5,
    // the shared session registry (presence.md §9 RS1): one row per session, its record kept as the exact text written
    statements: (S) => pgPresenceDDL(S),
  },
];

/** The newest schema version {@link migrate} brings a database to (5: the shared session registry, presence.md §9). */
export const PG_LATEST_VERSION = MIGRATIONS.reduce((v, m) => Math.max(v, m.version), 0);

/** Options of {@link migrate}. `schema` (default `arbiter`, `[a-z_][a-z0-9_]*`) is for tests and shared databases. */
export interface MigrateOptions {
  readonly schema?: string;
  readonly connectTimeoutMs?: number;
  /** The `pg` module (tests may pass one); loaded lazily otherwise. */
  readonly pg?: PgModule;
}

/**
 * `arbiter db migrate` (push-gate.md §5.7 PS1–PS2): bring the schema at `url` to {@link PG_LATEST_VERSION}.
 * Idempotent and safe under concurrency (one transaction behind `pg_advisory_xact_lock`).
 * @returns the version found (`from`, 0 = none) and the version now (`to`).
 * @throws the driver's error (connection refused, permission denied, …) after rolling back; nothing half-applied.
 */
export const migrate = async (url: string, o: MigrateOptions = {}): Promise<{ from: number; to: number }> => {
  const S = pgIdent(o.schema ?? PG_DEFAULT_SCHEMA);
  const pg = o.pg ?? (await loadPg());
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: o.connectTimeoutMs ?? 10_000, application_name: 'arbiter db migrate' });
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query('BEGIN');
    try {
      // one lock key per schema name: two migrations of one schema queue, other schemas go on
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`arbiter db migrate ${S}`]);
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${S}`);
      await client.query(`CREATE TABLE IF NOT EXISTS ${S}.schema_version (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT clock_timestamp())`);
      const r = await client.query<{ v: number }>(`SELECT coalesce(max(version), 0)::int AS v FROM ${S}.schema_version`);
      const from = r.rows[0]?.v ?? 0;
      for (const m of MIGRATIONS) {
        if (m.version <= from) continue;
        for (const s of m.statements(S)) await client.query(s);
        await client.query(`INSERT INTO ${S}.schema_version (version) VALUES ($1)`, [m.version]);
      }
      await client.query('COMMIT');
      return { from, to: Math.max(from, PG_LATEST_VERSION) };
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw e;
    }
  } finally {
    await client.end().catch(() => undefined);
  }
};
