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
import type { PresenceStore, pushGate as PG } from '@arbiter/kernel';
import type { Env } from './paths.js';

/** A presence store that may hold a connection pool: `close` ends it (a no-op for the HTTP store). */
export type ClosablePresenceStore = PresenceStore & { readonly close: () => Promise<void> };

/**
 * The shared presence store of `spec` (see module doc), or `null` for the embedded store. `env` supplies the token
 * or database URL the spec names.
 */
export const openSharedPresenceStore = (spec: PG.StoreSpec, env: Env): ClosablePresenceStore | null => {
  void env;
  if (spec.kind === 'embedded') return null;
  return null; // the http and postgres adapters are being built (issue 14 point 1)
};
