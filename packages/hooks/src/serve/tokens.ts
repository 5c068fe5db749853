/**
 * Bearer tokens of `arbiter serve` (push-gate.md §5.7 "Tokens"): one per member, created by `arbiter token create`,
 * shown once, stored only as their SHA-256. The server derives the holder's handle and role from the token alone.
 *
 * A token is `arb_` + 43 base64url characters (32 random bytes from `crypto.randomBytes`); a read-only `viewer` token
 * (dashboard.md §4 D1) is `arv_` + 43. Its id is the first 16 hex characters of its hash, which names it in
 * `token list` and `token revoke` and is safe to print and log.
 *
 * Roles (dashboard.md §4): `owner` and `member` use the lane routes (push-gate.md §5.7) and read the dashboard;
 * `viewer` reads the dashboard only. The prefix is part of the hashed secret, so a viewer token cannot be turned into
 * a member one, and a server older than the viewer role refuses a viewer token outright (its token pattern is
 * `arb_` only): the role fails closed across versions. `verify` also requires the stored role to agree with the prefix.
 *
 * Embedded (fs) layout, under the store directory: `tokens/<id>.json` = `{id, member, owner, sha256, created_at}`
 * (a viewer: `{id, member, role: "viewer", sha256, created_at}`, no `owner`, so an older reader finds it malformed),
 * created once with an exclusive link (two concurrent `token create` never overwrite each other), never changed;
 * revoking creates `tokens/<id>.revoked.json` the same way. A token is valid while its record exists, its full hash
 * matches (compared in constant time) and no revocation file exists. Nothing is cached, so a revocation takes effect
 * on the server's next request. The PostgreSQL layout is the table in `pg-tokens.ts`.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createExclusive, crypto, sha256Hex } from '@arbiter/io-node';

/** A token's role (dashboard.md §4 D1): `owner` ⊃ `member` ⊃ `viewer` (read-only dashboard routes). */
export type TokenRole = 'owner' | 'member' | 'viewer';

/** Roles `arbiter token create --role` accepts. */
export const TOKEN_ROLES: ReadonlyArray<TokenRole> = ['owner', 'member', 'viewer'];

/** What a valid token says about its bearer. `owner` is `role === 'owner'`, kept for the lane routes. */
export interface TokenBearer {
  readonly id: string;
  readonly member: string;
  readonly owner: boolean;
  readonly role: TokenRole;
}

/** A token as listed (never its secret or hash). `created_at`, `revoked_at`: ISO-8601 UTC or null. */
export interface TokenInfo extends TokenBearer {
  readonly created_at: string;
  readonly revoked_at: string | null;
}

/** A token store. Every method may reject with an I/O error; the server maps that to 503. */
export interface TokenStore {
  /** Mint a token for `member` with `role`. @returns the secret (to print once) and its id. */
  readonly create: (member: string, role: TokenRole) => Promise<{ readonly token: string; readonly id: string }>;
  readonly list: () => Promise<ReadonlyArray<TokenInfo>>;
  /** @returns false when no such id exists (revoking twice is true both times). */
  readonly revoke: (id: string) => Promise<boolean>;
  /** The bearer of `token`, or null when unknown, malformed or revoked. */
  readonly verify: (token: string) => Promise<TokenBearer | null>;
}

/** A member name: 1–128 characters of `[A-Za-z0-9_.@+-]` (an e-mail address or a user name). */
export const MEMBER_RE = /^[A-Za-z0-9_.@+-]{1,128}$/;
/** Shape of a token secret: `arb_` (owner, member) or `arv_` (viewer) and 43 base64url characters. */
export const TOKEN_RE = /^ar[bv]_[A-Za-z0-9_-]{43}$/;

/** Whether a well-formed secret is a viewer token (its prefix; dashboard.md §4 D1). */
export const isViewerSecret = (token: string): boolean => token.startsWith('arv_');
/** Shape of a token id. */
export const TOKEN_ID_RE = /^[0-9a-f]{16}$/;

/** SHA-256 of a token's UTF-8 bytes, 64 lowercase hex characters (the token store keeps only this). */
export const tokenHash = (token: string): string => sha256Hex(token, 64);

/** A fresh token and its hash and id; a viewer token (`viewer` true) carries the `arv_` prefix. */
export const mintToken = (viewer = false): { readonly token: string; readonly hash: string; readonly id: string } => {
  const token = `${viewer ? 'arv_' : 'arb_'}${crypto().randomBytes(32).toString('base64url')}`;
  const hash = tokenHash(token);
  return { token, hash, id: hash.slice(0, 16) };
};

/** Constant-time comparison of two hex digests. */
export const sameHash = (a: string, b: string): boolean => a.length === b.length && crypto().timingSafeEqual(Buffer.from(a), Buffer.from(b));

/** The embedded token store under `dir` (the `fs:` store directory of `arbiter serve`). */
export const fsTokenStore = (dir: string): TokenStore => {
  const tdir = join(dir, 'tokens');
  const readJson = (p: string): Record<string, unknown> | null => {
    try {
      const j = JSON.parse(readFileSync(p, 'utf8')) as unknown;
      return typeof j === 'object' && j !== null ? (j as Record<string, unknown>) : null;
    } catch (e) {
      if ((e as { code?: string }).code === 'ENOENT') return null;
      throw e;
    }
  };
  const revokedAt = (id: string): string | null => {
    const r = readJson(join(tdir, `${id}.revoked.json`));
    return r === null ? null : typeof r['revoked_at'] === 'string' ? r['revoked_at'] : 'unknown';
  };
  // a record names its role by `owner` (true/false) or, a viewer, by `role: "viewer"` and no `owner`; anything else
  // (both, neither, an unknown role from a newer Arbiter) is malformed: the token is refused, never given a role
  const roleOf = (r: Record<string, unknown>): TokenRole | null =>
    r['role'] === 'viewer' && r['owner'] === undefined ? 'viewer' : r['role'] === undefined && typeof r['owner'] === 'boolean' ? (r['owner'] ? 'owner' : 'member') : null;
  const info = (r: Record<string, unknown>): TokenInfo | null => {
    const role = roleOf(r);
    return role !== null && typeof r['id'] === 'string' && TOKEN_ID_RE.test(r['id']) && typeof r['member'] === 'string' && typeof r['created_at'] === 'string'
      ? { id: r['id'], member: r['member'], owner: role === 'owner', role, created_at: r['created_at'], revoked_at: revokedAt(r['id']) }
      : null;
  };
  const made = (r: ReturnType<typeof createExclusive>): boolean => {
    if (r._tag === 'FsError') throw new Error(`token store: ${r.code}`);
    return r._tag === 'Created';
  };
  return {
    create: async (member, role) => {
      for (;;) {
        const t = mintToken(role === 'viewer');
        const created_at = new Date().toISOString();
        const rec = role === 'viewer' ? { id: t.id, member, role, sha256: t.hash, created_at } : { id: t.id, member, owner: role === 'owner', sha256: t.hash, created_at };
        if (made(createExclusive(join(tdir, `${t.id}.json`), JSON.stringify(rec) + '\n'))) return { token: t.token, id: t.id };
      }
    },
    list: async () => {
      let names: string[] = [];
      try {
        names = readdirSync(tdir);
      } catch (e) {
        if ((e as { code?: string }).code !== 'ENOENT') throw e;
      }
      const out: TokenInfo[] = [];
      for (const n of names.filter((x) => /^[0-9a-f]{16}\.json$/.test(x)).sort()) {
        const r = readJson(join(tdir, n));
        const i = r === null ? null : info(r);
        if (i !== null) out.push(i);
      }
      return out.sort((a, b) => (a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : 0));
    },
    revoke: async (id) => {
      if (!TOKEN_ID_RE.test(id) || readJson(join(tdir, `${id}.json`)) === null) return false;
      made(createExclusive(join(tdir, `${id}.revoked.json`), JSON.stringify({ revoked_at: new Date().toISOString() }) + '\n'));
      return true;
    },
    verify: async (token) => {
      if (!TOKEN_RE.test(token)) return null;
      const hash = tokenHash(token);
      const id = hash.slice(0, 16);
      const r = readJson(join(tdir, `${id}.json`));
      if (r === null || typeof r['sha256'] !== 'string' || !sameHash(r['sha256'], hash)) return null;
      const i = info(r);
      if (i === null || i.revoked_at !== null || (i.role === 'viewer') !== isViewerSecret(token)) return null;
      return { id: i.id, member: i.member, owner: i.owner, role: i.role };
    },
  };
};
