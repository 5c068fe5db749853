/**
 * The `--store` option of `arbiter serve`, `arbiter token` (push-gate.md §5.7): `fs:DIR` (the embedded store and
 * its token files under DIR) or `postgres` (URL from `$ARBITER_DATABASE_URL`). Default: `fs:<state dir>/serve`.
 */
import * as path from 'node:path'; // a namespace: bundles that keep none of its users carry no unused named import
import type { LaneStore } from '@arbiter/kernel';
import { pushGate as PG } from '@arbiter/kernel';
import { fsLaneStore, loadPgModule, loadPgPool, resolveStateDir, type Env } from '@arbiter/io-node';
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
    return { store: (owner) => (owner ? asOwner : asMember), tokens: fsTokenStore(o.dir), label: `fs:${o.dir}`, close: async () => undefined };
  }
  const url = env['ARBITER_DATABASE_URL'] ?? '';
  if (url === '') return 'ARBITER_DATABASE_URL is not set';
  const mod = await loadPgModule();
  const Pool = await loadPgPool();
  if (mod === null || Pool === null) return 'this build has no PostgreSQL store';
  const asOwner = mod.openPgLaneStore({ url, defaultLeaseMin });
  const asMember = mod.openPgLaneStore({ url, defaultLeaseMin, owners: [] });
  const pool = new Pool({ connectionString: url, max: 4 });
  return {
    store: (owner) => (owner ? asOwner : asMember),
    tokens: pgTokenStore(pool),
    label: 'postgres',
    close: async () => {
      await Promise.allSettled([asOwner.close(), asMember.close(), pool.end()]);
    },
  };
};
