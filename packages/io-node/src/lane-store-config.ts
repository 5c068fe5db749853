/**
 * Lane-store selection (push-gate.md §5.7): the one function that turns the configured `lanes.store` into a
 * `LaneStore`, used by the hooks, the lane verbs, the post-tool release and `arbiter serve`.
 *
 * - `embedded`: the file-system store (push-gate.md §5.5) at `dir` or the repository runtime directory. The default; needs no
 *   server and loads nothing more.
 * - `http`: an `arbiter serve` (`http-lane-store.ts`); the bearer token is read from the environment variable the
 *   configuration names, never from the committed file. `node:http` is loaded only when the first call is made.
 * - `postgres`: the PostgreSQL store, loaded on the first call through `pg-loader.ts`; the URL comes from the
 *   environment variable the configuration names. A missing URL or module is a `LaneFailure` of kind `other`
 *   (hooks: `AllowLoud store-failed`), never a throw.
 */
import type { LaneFailure, LaneStore } from '@arbiter/kernel';
import type { pushGate as PG } from '@arbiter/kernel';
import { fsLaneStore } from './fs-lane-store.js';
import { httpLaneStore } from './http-lane-store.js';
import { loadPgModule } from './pg-loader.js';
import type { Env } from './paths.js';

/** Where and how to open the store. `root` is the embedded store's default root (the repository runtime dir). */
export interface LaneStoreContext {
  readonly root: string;
  readonly owners?: ReadonlyArray<string> | undefined;
  readonly defaultLeaseMin?: number;
  readonly env: Env;
}

/** A lane store that may hold a connection pool: `close` ends it (a no-op for the embedded and HTTP stores). */
export type ClosableLaneStore = LaneStore & { readonly close: () => Promise<void> };

/** The root directory an embedded spec uses (`dir` when relocated, else `root`); `null` for the other kinds. */
export const embeddedRootOf = (spec: PG.StoreSpec, root: string): string | null => (spec.kind === 'embedded' ? (spec.dir ?? root) : null);

/** Open the configured lane store (never throws; a store that cannot be opened fails every call instead). */
export const openLaneStore = (spec: PG.StoreSpec, ctx: LaneStoreContext): ClosableLaneStore => {
  const noClose = async (): Promise<void> => undefined;
  if (spec.kind === 'embedded') return { ...fsLaneStore(spec.dir ?? ctx.root, { owners: ctx.owners, defaultLeaseMin: ctx.defaultLeaseMin }), close: noClose };
  if (spec.kind === 'http') return { ...httpLaneStore({ url: spec.url, token: ctx.env[spec.token_env] ?? null }), close: noClose };
  const url = ctx.env[spec.url_env] ?? '';
  return lazyStore(async () => {
    if (url === '') return { _tag: 'LaneFailure', kind: 'other', status: `${spec.url_env}-unset` };
    const mod = await loadPgModule();
    if (mod === null) return { _tag: 'LaneFailure', kind: 'other', status: 'postgres-unavailable' };
    return mod.openPgLaneStore({ url, owners: ctx.owners, defaultLeaseMin: ctx.defaultLeaseMin });
  });
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
    close: async () => {
      if (p === null) return;
      const s = await p;
      if (!('_tag' in s && s._tag === 'LaneFailure')) await (s as ClosableLaneStore).close();
    },
  } as ClosableLaneStore;
};
