/**
 * Lane-store selection (push-gate.md §5.7): the one function that turns the configured `lanes.store` into a
 * `LaneStore`, used by the hooks, the lane verbs, the post-tool release and `arbiter serve`.
 *
 * - `embedded`: the file-system store (push-gate.md §5.5) at `dir` or the repository runtime directory. The default; needs no
 *   server and loads nothing more.
 * - `http`: an `arbiter serve` (`http-lane-store.ts`); the bearer token is read from the environment variable the
 *   configuration names, never from the committed file. `node:http` is loaded only when the first call is made.
 * - `postgres`: the PostgreSQL store, loaded on the first call through `pg-loader.ts` (which loads `pg` on that first
 *   call too); the URL comes only from the environment variable the configuration names (`url_env`, default
 *   `ARBITER_DATABASE_URL`). A missing URL or module is a `LaneFailure` of kind `other` (hooks: `AllowLoud
 *   store-failed`), never a throw.
 */
import type { LaneFailure, LaneStore } from '@arbiter/kernel';
import { config as configCodecs, type pushGate as PG } from '@arbiter/kernel';
import { fsLaneStore } from './fs-lane-store.js';
import { httpLaneStore } from './http-lane-store.js';
import { loadPgModule } from './pg-loader.js';
import type { Env } from './paths.js';

/** Where and how to open the store. `root` is the embedded store's default root (the repository runtime dir). */
export interface LaneStoreContext {
  readonly root: string;
  /** `lanes.owners` (LS7); absent = everyone. */
  readonly owners?: ReadonlyArray<string> | undefined;
  /** `lanes.lease_minutes` (LS3). */
  readonly defaultLeaseMin?: number;
  /** Where credentials come from (the hook's own environment). */
  readonly env: Env;
}

/** A lane store that may hold a connection pool: `close` ends it (a no-op for the embedded and HTTP stores). */
export type ClosableLaneStore = LaneStore & { readonly close: () => Promise<void> };

/** The root directory an embedded spec uses (`dir` when relocated, else `root`); `null` for the other kinds. */
export const embeddedRootOf = (spec: PG.StoreSpec, root: string): string | null => (spec.kind === 'embedded' ? (spec.dir ?? root) : null);

/** A store every call of which fails with `failure` (a configuration that cannot work; never throws). */
export const failingLaneStore = (failure: LaneFailure): ClosableLaneStore => {
  const fail = () => () => Promise.resolve({ _tag: 'Left' as const, left: failure });
  return { claim: fail, heartbeat: fail, release: fail, forceRelease: fail, state: fail, post: fail, halt: fail, unhalt: fail, audit: fail, enqueue: fail, dequeue: fail, queue: fail, close: async () => undefined };
};

/**
 * Open the configured lane store (push-gate.md §5.7). Synchronous, cheap and never throws: no connection is made and
 * no database or HTTP code is loaded before the first call. A `postgres` spec whose environment variable is unset or
 * empty gives a store failing with kind `other`, status `<VAR> is not set` (the verdict is `store-failed`, fail-open).
 */
export const openLaneStore = (spec: PG.StoreSpec, ctx: LaneStoreContext): ClosableLaneStore => {
  const noClose = async (): Promise<void> => undefined;
  if (spec.kind === 'embedded') return { ...fsLaneStore(spec.dir ?? ctx.root, { owners: ctx.owners, defaultLeaseMin: ctx.defaultLeaseMin }), close: noClose };
  if (spec.kind === 'http') return { ...httpLaneStore({ url: spec.url, token: ctx.env[spec.token_env] ?? null }), close: noClose };
  const url = ctx.env[spec.url_env] ?? '';
  if (url === '') return failingLaneStore({ _tag: 'LaneFailure', kind: 'other', status: `${spec.url_env} is not set`.slice(0, 64) });
  return lazyStore(async () => {
    const mod = await loadPgModule();
    if (mod === null) return { _tag: 'LaneFailure', kind: 'other', status: 'postgres-unavailable' };
    return mod.openPgLaneStore({ url, owners: ctx.owners, defaultLeaseMin: ctx.defaultLeaseMin });
  });
};

/**
 * Decode the store spec a pending marker names (push-gate.md §5.7: names only, never a credential): an http store with
 * a valid URL and variable name, or a postgres store; `null` otherwise (absent or malformed = the embedded store at the
 * marker's `store_root`).
 */
export const decodeStoreSpec = (u: unknown): PG.StoreSpec | null => {
  if (typeof u !== 'object' || u === null) return null;
  const o = u as Record<string, unknown>;
  if (o['kind'] === 'http' && configCodecs.isStoreUrl(o['url']) && configCodecs.isEnvName(o['token_env'])) return { kind: 'http', url: o['url'], token_env: o['token_env'] };
  if (o['kind'] === 'postgres' && configCodecs.isEnvName(o['url_env'])) return { kind: 'postgres', url_env: o['url_env'] };
  return null;
};

/** A store whose real adapter is opened on the first call; an opening failure answers every call. */
const lazyStore = (open: () => Promise<ClosableLaneStore | LaneFailure>): ClosableLaneStore => {
  let p: Promise<ClosableLaneStore | LaneFailure> | null = null;
  const get = (): Promise<ClosableLaneStore | LaneFailure> => (p ??= open().catch((): LaneFailure => ({ _tag: 'LaneFailure', kind: 'other', status: 'open-failed' })));
  const via =
    <K extends keyof LaneStore>(k: K) =>
    (...args: Parameters<LaneStore[K]>) =>
    async () => {
      const s = await get();
      if ('_tag' in s && s._tag === 'LaneFailure') return { _tag: 'Left' as const, left: s };
      return (s as ClosableLaneStore)[k](...(args as [never, never, never]))();
    };
  return {
    claim: via('claim'),
    heartbeat: via('heartbeat'),
    release: via('release'),
    forceRelease: via('forceRelease'),
    state: via('state'),
    post: via('post'),
    halt: via('halt'),
    unhalt: via('unhalt'),
    audit: via('audit'),
    enqueue: via('enqueue'),
    dequeue: via('dequeue'),
    queue: via('queue'),
    close: async () => {
      if (p === null) return;
      const s = await p;
      if (!('_tag' in s && s._tag === 'LaneFailure')) await (s as ClosableLaneStore).close();
    },
  } as ClosableLaneStore;
};
