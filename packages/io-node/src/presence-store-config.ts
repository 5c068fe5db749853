/**
 * Shared presence store selection (presence.md §4): the one function that turns the configured `lanes.store` into
 * the team's session registry, used by `arbiter presence publish`, `arbiter status` and `arbiter serve --ui`.
 *
 * - `embedded`: `null`. The repository's own registry (fs-presence-store.ts) is the only one; nothing is shared.
 * - `http`: the `arbiter serve` presence routes, token from the environment variable the configuration names.
 * - `postgres`: the `arbiter_sessions` table, URL from `url_env`, loaded on the first call like the lane store.
 *
 * Synchronous, cheap, never throws: no connection is made and no database or HTTP code is loaded before the first
 * call; a missing URL or module answers every call with a `PresenceFailure` (`unavailable` or `other`).
 */
import * as E from 'fp-ts/lib/Either.js';
import { presence as P, type PresenceFailure, type PresenceStore, type pushGate as PG } from '@arbiter/kernel';
import { httpPresenceStore } from './http-presence-store.js';
import type { Env } from './paths.js';
import { loadPgPresenceModule } from './pg-loader.js';

/** A presence store that may hold a connection pool: `close` ends it (a no-op for the HTTP store). */
export type ClosablePresenceStore = PresenceStore & { readonly close: () => Promise<void> };

/** A store every call of which fails with `failure` (a configuration that cannot work; never throws). */
export const failingPresenceStore = (failure: PresenceFailure): ClosablePresenceStore => ({
  record: () => async () => E.left(failure),
  list: () => async () => E.left(failure),
  close: async () => undefined,
});

/**
 * The shared presence store of `spec` (presence.md §9 RS8), or `null` for the embedded store. `env` supplies the token
 * or database URL the spec names. An `http` spec whose token variable is unset answers every call `unavailable` (no
 * request is made); a `postgres` spec whose URL variable is unset or empty answers every call `unavailable` naming
 * the variable; a PostgreSQL module that cannot be loaded answers `unavailable` too.
 */
export const openSharedPresenceStore = (spec: PG.StoreSpec, env: Env): ClosablePresenceStore | null => {
  if (spec.kind === 'embedded') return null;
  if (spec.kind === 'http') return httpPresenceStore({ url: spec.url, token: env[spec.token_env] ?? null });
  const url = env[spec.url_env] ?? '';
  if (url === '') return failingPresenceStore(P.presenceFailure('unavailable', `${spec.url_env} is not set`));
  return lazyPresenceStore(async () => {
    const mod = await loadPgPresenceModule();
    if (mod === null) return P.presenceFailure('unavailable', 'this build has no PostgreSQL store');
    return mod.openPgPresenceStore({ url });
  });
};

/** A store whose adapter is opened on the first call; an opening failure answers every call. */
const lazyPresenceStore = (open: () => Promise<ClosablePresenceStore | PresenceFailure>): ClosablePresenceStore => {
  let p: Promise<ClosablePresenceStore | PresenceFailure> | null = null;
  const get = (): Promise<ClosablePresenceStore | PresenceFailure> =>
    (p ??= open().catch(() => P.presenceFailure('other', 'the store could not be opened')));
  const isFailure = (s: ClosablePresenceStore | PresenceFailure): s is PresenceFailure => '_tag' in s && s._tag === 'PresenceFailure';
  return {
    record: (sighting) => async () => {
      const s = await get();
      return isFailure(s) ? E.left(s) : s.record(sighting)();
    },
    list: () => async () => {
      const s = await get();
      return isFailure(s) ? E.left(s) : s.list()();
    },
    close: async () => {
      if (p === null) return;
      const s = await p;
      if (!isFailure(s)) await s.close();
    },
  };
};
