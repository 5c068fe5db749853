/**
 * The one place outside the PostgreSQL store that loads it (push-gate.md §5.7): `lane-store-config.ts` and
 * `arbiter serve --store postgres` come through here, on their first use only, so a hook that uses another store
 * never loads `pg` (`pg-lane-store.ts` itself loads `pg` on its first call, {@link PgStore.loadPg}).
 */
import type * as PgStore from './pg-lane-store.js';

/** The PostgreSQL lane-store module (`openPgLaneStore`, `loadPg`, …). */
export type PgStoreModule = typeof PgStore;

/** Load the PostgreSQL lane-store module, or `null` when it cannot be loaded. Never throws. */
export const loadPgModule = async (): Promise<PgStoreModule | null> => {
  try {
    return await import('./pg-lane-store.js');
  } catch {
    return null;
  }
};

/** The `pg` driver's `Pool` constructor (for `arbiter serve`'s shared pool and token table), or `null` when `pg` is not installed. Never throws. */
export const loadPgPool = async (): Promise<PgStore.PgModule['Pool'] | null> => {
  try {
    const mod = await loadPgModule();
    return mod === null ? null : (await mod.loadPg()).Pool;
  } catch {
    return null;
  }
};
