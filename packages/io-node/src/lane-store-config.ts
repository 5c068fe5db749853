/**
 * The one place that turns `lanes.store` (push-gate.md §5.7) into a `LaneStore`: hooks, verbs and the PostToolUse
 * release all open their store here, so every adapter is selected the same way.
 *
 * - `embedded` (default): the file-system store at `root` (push-gate.md §5.5); no server, no database code.
 * - `postgres`: the PostgreSQL store; its URL comes only from the environment variable the configuration names
 *   (`url_env`, default `ARBITER_DATABASE_URL`), never from the committed file. `pg` loads on the first call.
 */
import type { LaneFailure, LaneStore } from '@arbiter/kernel';
import { pushGate as PG } from '@arbiter/kernel';
import { fsLaneStore } from './fs-lane-store.js';
import { openPgLaneStore } from './pg-lane-store.js';
import type { Env } from './paths.js';

/** What opening a store needs besides the spec. */
export interface LaneStoreContext {
  /** Root of the embedded store (the repository runtime dir, or `lanes.store.dir`). */
  readonly root: string;
  /** Where credentials come from (the hook's own environment). */
  readonly env: Env;
  /** `lanes.owners` (LS7). */
  readonly owners?: ReadonlyArray<string>;
  /** `lanes.lease_minutes` (LS3). */
  readonly defaultLeaseMin?: number;
}

/** A store every call of which fails with `failure` (a configuration that cannot work; never throws). */
export const failingLaneStore = (failure: LaneFailure): LaneStore => {
  const fail = () => () => Promise.resolve({ _tag: 'Left' as const, left: failure });
  return { claim: fail, heartbeat: fail, release: fail, forceRelease: fail, state: fail, post: fail, halt: fail, unhalt: fail, audit: fail };
};

/**
 * Open the lane store `spec` names (push-gate.md §5.7). Synchronous and cheap: no connection is made before the first
 * call. A `postgres` spec whose environment variable is unset or empty gives a store failing with kind `other`
 * (status names the variable: the verdict is `store-failed`, fail-open).
 */
export const openConfiguredLaneStore = (spec: PG.LaneStoreSpec, ctx: LaneStoreContext): LaneStore => {
  switch (spec.kind) {
    case 'postgres': {
      const url = ctx.env[spec.url_env];
      if (url === undefined || url === '') return failingLaneStore({ _tag: 'LaneFailure', kind: 'other', status: `${spec.url_env} is not set`.slice(0, 64) });
      return openPgLaneStore({ url, owners: ctx.owners, defaultLeaseMin: ctx.defaultLeaseMin });
    }
    case 'http':
      // the HTTP client store arrives with `arbiter serve` (issue 9 item 3)
      return failingLaneStore({ _tag: 'LaneFailure', kind: 'other', status: 'http lane store not available in this build' });
    default:
      return fsLaneStore(ctx.root, { owners: ctx.owners, defaultLeaseMin: ctx.defaultLeaseMin });
  }
};

/** Decode a store spec written to a pending marker (no secrets, only names); `null` when absent or malformed. */
export const decodeStoreSpec = (u: unknown): PG.LaneStoreSpec | null => {
  if (typeof u !== 'object' || u === null) return null;
  const o = u as Record<string, unknown>;
  const name = (v: unknown): v is string => typeof v === 'string' && /^[A-Za-z_][A-Za-z0-9_]{0,127}$/.test(v);
  if (o['kind'] === 'embedded') return { kind: 'embedded' };
  if (o['kind'] === 'postgres' && name(o['url_env'])) return { kind: 'postgres', url_env: o['url_env'] };
  if (o['kind'] === 'http' && typeof o['url'] === 'string' && name(o['token_env'])) return { kind: 'http', url: o['url'], token_env: o['token_env'] };
  return null;
};
