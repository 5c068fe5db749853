/**
 * The one place outside the PostgreSQL store that reaches it (push-gate.md §5.7): `lane-store-config.ts`,
 * `presence-store-config.ts` and `arbiter serve --store postgres` come through here, on their first use only, so a hook that uses another store
 * never loads `pg`: `pg-lane-store.ts` loads the driver on its first statement ({@link PgStore.loadPg}).
 *
 * The store module itself is a static namespace import, not `import()`: the bundler wraps a dynamically imported
 * module and everything it imports (here the whole kernel barrel) in lazy initialisers that it can no longer
 * tree-shake, which put every kernel decision into the lean session-lock hook bundle (test/packaging.test.ts). The
 * module is plain code without top-level work; the costly part, `pg`, stays a run-time load.
 */
import * as PgStore from './pg-lane-store.js';
import * as PgPresence from './pg-presence-store.js';

/** The PostgreSQL lane-store module (`openPgLaneStore`, `loadPg`, …). */
export type PgStoreModule = typeof PgStore;

/** `m` once it has loaded, or `null` when it cannot be. Never throws. */
const loaded = async <M>(m: M): Promise<M | null> => {
  try {
    return await Promise.resolve(m);
  } catch {
    return null;
  }
};

/** Load the PostgreSQL lane-store module, or `null` when it cannot be loaded. Never throws. */
export const loadPgModule = (): Promise<PgStoreModule | null> => loaded(PgStore);

/** The PostgreSQL session-registry module (`openPgPresenceStore`, presence.md §9). */
export type PgPresenceModule = typeof PgPresence;

/**
 * Load the PostgreSQL session-registry module, or `null` when it cannot be loaded. Never throws. Like the lane store,
 * the module is plain code: `pg` itself is loaded by the store's first statement.
 */
export const loadPgPresenceModule = (): Promise<PgPresenceModule | null> => loaded(PgPresence);

/** The `pg` driver's `Pool` constructor (for `arbiter serve`'s shared pool and token table), or `null` when `pg` is not installed. Never throws. */
export const loadPgPool = async (): Promise<PgStore.PgModule['Pool'] | null> => {
  try {
    const mod = await loadPgModule();
    return mod === null ? null : (await mod.loadPg()).Pool;
  } catch {
    return null;
  }
};
