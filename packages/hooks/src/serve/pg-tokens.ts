/**
 * Bearer tokens of `arbiter serve --store postgres` (push-gate.md §5.7 "Tokens"), in the table `arbiter_tokens`.
 * Same rules as the embedded token store (`tokens.ts`): only the SHA-256 is stored, the id is its first 16 hex
 * characters, a revoked token stays listed. Parameterised statements only, no session state (works behind a
 * transaction-mode pooler). The table, `<schema>.arbiter_tokens`, is created by `arbiter db migrate` (schema version 2,
 * `pg-migrate.ts`); its `viewer` column (dashboard.md §4 D1) by schema version 4. This module never runs DDL: it reads
 * `viewer` through `to_jsonb(row)`, so owner and member tokens keep working on a schema not yet migrated to 4, and only
 * creating a viewer token needs it (the insert fails naming the column until `arbiter db migrate` ran).
 */
import { isViewerSecret, mintToken, sameHash, tokenHash, TOKEN_ID_RE, TOKEN_RE, type TokenRole, type TokenStore } from './tokens.js';

/** The one method of a `pg` pool or client this module uses. */
export interface Queryable {
  readonly query: (text: string, params?: ReadonlyArray<unknown>) => Promise<{ readonly rows: ReadonlyArray<Record<string, unknown>>; readonly rowCount?: number | null }>;
}

const iso = (v: unknown): string | null => (v === null || v === undefined ? null : v instanceof Date ? v.toISOString() : String(v));

/**
 * The PostgreSQL token store over `q`, in the quoted schema `S` (default `"arbiter"`, the lane store's). Errors
 * reject (the server answers 503).
 */
export const pgTokenStore = (q: Queryable, S = '"arbiter"'): TokenStore => ({
  create: async (member, role) => {
    for (;;) {
      const t = mintToken(role === 'viewer');
      const r =
        role === 'viewer'
          ? await q.query(`INSERT INTO ${S}.arbiter_tokens (id, member, owner, viewer, sha256) VALUES ($1, $2, false, true, $3) ON CONFLICT DO NOTHING`, [t.id, member, t.hash])
          : await q.query(`INSERT INTO ${S}.arbiter_tokens (id, member, owner, sha256) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`, [t.id, member, role === 'owner', t.hash]);
      if ((r.rowCount ?? 0) === 1) return { token: t.token, id: t.id };
    }
  },
  list: async () => {
    const r = await q.query(`SELECT id, member, owner, (to_jsonb(t) ->> 'viewer') = 'true' AS viewer, created_at, revoked_at FROM ${S}.arbiter_tokens t ORDER BY created_at, id`);
    return r.rows.map((x) => ({ id: String(x['id']), member: String(x['member']), owner: x['owner'] === true && x['viewer'] !== true, role: roleOfRow(x), created_at: iso(x['created_at']) ?? '', revoked_at: iso(x['revoked_at']) }));
  },
  revoke: async (id) => {
    if (!TOKEN_ID_RE.test(id)) return false;
    const r = await q.query(`UPDATE ${S}.arbiter_tokens SET revoked_at = COALESCE(revoked_at, clock_timestamp()) WHERE id = $1`, [id]);
    return (r.rowCount ?? 0) === 1;
  },
  verify: async (token) => {
    if (!TOKEN_RE.test(token)) return null;
    const hash = tokenHash(token);
    const r = await q.query(`SELECT id, member, owner, (to_jsonb(t) ->> 'viewer') = 'true' AS viewer, sha256 FROM ${S}.arbiter_tokens t WHERE id = $1 AND revoked_at IS NULL`, [hash.slice(0, 16)]);
    const row = r.rows[0];
    if (row === undefined || typeof row['sha256'] !== 'string' || !sameHash(row['sha256'], hash)) return null;
    const role = roleOfRow(row);
    if ((role === 'viewer') !== isViewerSecret(token)) return null;
    return { id: String(row['id']), member: String(row['member']), owner: role === 'owner', role };
  },
});

/** A row's role: `viewer` wins over `owner` (the insert never sets both). */
const roleOfRow = (x: Record<string, unknown>): TokenRole => (x['viewer'] === true ? 'viewer' : x['owner'] === true ? 'owner' : 'member');
