/**
 * The `--store` option of `arbiter serve`, `arbiter token` (push-gate.md §5.7): `fs:DIR` (the embedded store and
 * its token files under DIR) or `postgres` (URL from `$ARBITER_DATABASE_URL`). Default: `fs:<state dir>/serve`.
 */
import * as path from 'node:path'; // a namespace: bundles that keep none of its users carry no unused named import
import type { LaneStore, PresenceStore } from '@arbiter/kernel';
import { pushGate as PG } from '@arbiter/kernel';
import { fsLaneStore, fsPresenceStore, loadPgModule, loadPgPool, loadPgPresenceModule, PG_DEFAULT_SCHEMA, resolveStateDir, type Env } from '@arbiter/io-node';
import { fsTokenStore, type TokenStore } from './tokens.js';
import { pgTokenStore } from './pg-tokens.js';

/** A parsed `--store`. */
export type StoreOption = { readonly kind: 'fs'; readonly dir: string } | { readonly kind: 'postgres' };

/** Parse `--store` (relative `fs:` directories resolve against `cwd`). @returns null when malformed. */
export const parseStoreOption = (s: string | undefined, cwd: string, env: Env): StoreOption | null => {
  if (s === undefined) return { kind: 'fs', dir: path.join(resolveStateDir(env), 'serve') };
  if (s === 'postgres') return { kind: 'postgres' };
  if (s.startsWith('fs:') && s.length > 3) return { kind: 'fs', dir: path.isAbsolute(s.slice(3)) ? s.slice(3) : path.resolve(cwd, s.slice(3)) };
  return null;
};

/** Everything `serve` and `token` open behind one `--store`. `close` ends a database pool. */
export interface OpenedStore {
  readonly store: (owner: boolean) => LaneStore;
  readonly tokens: TokenStore;
  /**
   * The served session registry (presence.md §9): `fs:DIR` → the registry files under DIR (DIR as a repository
   * runtime directory, stamped with the store clock `now`); `postgres` → the `arbiter_sessions` table on the shared
   * pool, stamped with the database clock.
   */
  readonly presence: PresenceStore;
  readonly label: string;
  readonly close: () => Promise<void>;
}

/**
 * Open the store. `now` (fs only) is the store clock; `defaultLeaseMin` the lease of a claim without an ETA.
 * @returns the opened store, or a one-line reason it cannot be opened.
 */
export const openStoreOption = async (o: StoreOption, env: Env, now: () => number = Date.now, defaultLeaseMin = PG.DEFAULT_LEASE_MIN): Promise<OpenedStore | string> => {
  if (o.kind === 'fs') {
    const asOwner = fsLaneStore(o.dir, { now, defaultLeaseMin });
    const asMember = fsLaneStore(o.dir, { now, defaultLeaseMin, owners: [] });
    return { store: (owner) => (owner ? asOwner : asMember), tokens: fsTokenStore(o.dir), presence: fsPresenceStore(o.dir, { now }), label: `fs:${o.dir}`, close: async () => undefined };
  }
  const url = env['ARBITER_DATABASE_URL'] ?? '';
  if (url === '') return 'ARBITER_DATABASE_URL is not set';
  const mod = await loadPgModule();
  const Pool = await loadPgPool();
  const presenceMod = await loadPgPresenceModule();
  if (mod === null || Pool === null || presenceMod === null) return 'this build has no PostgreSQL store';
  // one pool shared by both lane stores and the token table: the same bounds as the store's own pool (a statement
  // the server cancels at 1 s, a client bound 100 ms later), more connections since one server answers many clients
  const pool = new Pool({ connectionString: url, max: 8, connectionTimeoutMillis: 1_500, statement_timeout: 1_000, query_timeout: 1_100, idleTimeoutMillis: 5_000, application_name: 'arbiter serve' });
  pool.on('error', () => undefined); // a connection the server ended is dropped by the pool; it must not end serve
  const asOwner = mod.openPgLaneStore({ url, defaultLeaseMin, handle: pool });
  const asMember = mod.openPgLaneStore({ url, defaultLeaseMin, owners: [], handle: pool });
  return {
    store: (owner) => (owner ? asOwner : asMember),
    tokens: pgTokenStore(pool, mod.pgIdent(PG_DEFAULT_SCHEMA)),
    presence: presenceMod.openPgPresenceStore({ url, handle: pool }),
    label: 'postgres',
    close: async () => {
      await Promise.allSettled([asOwner.close(), asMember.close(), pool.end()]);
    },
  };
};
