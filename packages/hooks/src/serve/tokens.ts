/**
 * Bearer tokens of `arbiter serve` (push-gate.md §5.7 "Tokens"): one per member, created by `arbiter token create`,
 * shown once, stored only as their SHA-256. The server derives the holder's handle and role from the token alone.
 *
 * A token is `arb_` + 43 base64url characters (32 random bytes from `crypto.randomBytes`). Its id is the first 16 hex
 * characters of its hash, which names it in `token list` and `token revoke` and is safe to print and log.
 *
 * Embedded (fs) layout, under the store directory: `tokens/<id>.json` = `{id, member, owner, sha256, created_at}`,
 * created once with an exclusive link (two concurrent `token create` never overwrite each other), never changed;
 * revoking creates `tokens/<id>.revoked.json` the same way. A token is valid while its record exists, its full hash
 * matches (compared in constant time) and no revocation file exists. Nothing is cached, so a revocation takes effect
 * on the server's next request. The PostgreSQL layout is the table in `pg-tokens.ts`.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createExclusive, crypto } from '@arbiter/io-node';

/** What a valid token says about its bearer. */
export interface TokenBearer {
  readonly id: string;
  readonly member: string;
  readonly owner: boolean;
}

/** A token as listed (never its secret or hash). `created_at`, `revoked_at`: ISO-8601 UTC or null. */
export interface TokenInfo extends TokenBearer {
  readonly created_at: string;
  readonly revoked_at: string | null;
}

/** A token store. Every method may reject with an I/O error; the server maps that to 503. */
export interface TokenStore {
  /** Mint a token for `member`. @returns the secret (to print once) and its id. */
  readonly create: (member: string, owner: boolean) => Promise<{ readonly token: string; readonly id: string }>;
  readonly list: () => Promise<ReadonlyArray<TokenInfo>>;
  /** @returns false when no such id exists (revoking twice is true both times). */
  readonly revoke: (id: string) => Promise<boolean>;
  /** The bearer of `token`, or null when unknown, malformed or revoked. */
  readonly verify: (token: string) => Promise<TokenBearer | null>;
}

/** A member name: 1–128 characters of `[A-Za-z0-9_.@+-]` (an e-mail address or a user name). */
export const MEMBER_RE = /^[A-Za-z0-9_.@+-]{1,128}$/;
/** Shape of a token secret. */
export const TOKEN_RE = /^arb_[A-Za-z0-9_-]{43}$/;
/** Shape of a token id. */
export const TOKEN_ID_RE = /^[0-9a-f]{16}$/;

/** SHA-256 of a token, hex. */
export const tokenHash = (token: string): string => crypto().createHash('sha256').update(token, 'utf8').digest('hex');

/** A fresh token and its hash and id. */
export const mintToken = (): { readonly token: string; readonly hash: string; readonly id: string } => {
  const token = `arb_${crypto().randomBytes(32).toString('base64url')}`;
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
  const info = (r: Record<string, unknown>): TokenInfo | null =>
    typeof r['id'] === 'string' && TOKEN_ID_RE.test(r['id']) && typeof r['member'] === 'string' && typeof r['owner'] === 'boolean' && typeof r['created_at'] === 'string'
      ? { id: r['id'], member: r['member'], owner: r['owner'], created_at: r['created_at'], revoked_at: revokedAt(r['id']) }
      : null;
  const made = (r: ReturnType<typeof createExclusive>): boolean => {
    if (r._tag === 'FsError') throw new Error(`token store: ${r.code}`);
    return r._tag === 'Created';
  };
  return {
    create: async (member, owner) => {
      for (;;) {
        const t = mintToken();
        const rec = { id: t.id, member, owner, sha256: t.hash, created_at: new Date().toISOString() };
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
      if (i === null || i.revoked_at !== null) return null;
      return { id: i.id, member: i.member, owner: i.owner };
    },
  };
};
