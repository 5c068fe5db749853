/**
 * The one place that loads the PostgreSQL lane store (push-gate.md §5.7), so that nothing else names its module and
 * a hook that uses another store never loads `pg`.
 *
 * MERGE NOTE (w/serve + w/pg): on the w/serve branch the PostgreSQL module does not exist yet, so the import below
 * goes through a computed specifier and a missing module reads as "not available". When both branches meet, this
 * body becomes `return await import('./pg-lane-store.js')` (a literal specifier, so the bundler includes it).
 */
import type { LaneStore } from '@arbiter/kernel';

/** What the PostgreSQL module exports (agreed interface, /work/notes/pg-port.md). */
export interface PgModule {
  readonly openPgLaneStore: (opts: { readonly url: string; readonly owners?: ReadonlyArray<string>; readonly defaultLeaseMin?: number }) => LaneStore & { readonly close: () => Promise<void> };
}

/** Load the PostgreSQL lane-store module, or `null` when this build has none. Never throws. */
export const loadPgModule = async (): Promise<PgModule | null> => {
  const specifier = ['.', 'pg-lane-store.js'].join('/');
  try {
    return (await import(specifier)) as PgModule;
  } catch {
    return null;
  }
};

/** The `pg` driver's `Pool` constructor (for the token table of `arbiter serve`), or `null` when not installed. */
export const loadPgPool = async (): Promise<(new (o: { connectionString: string; max?: number }) => { query: (text: string, params?: ReadonlyArray<unknown>) => Promise<{ rows: Record<string, unknown>[]; rowCount: number | null }>; end: () => Promise<void> }) | null> => {
  const specifier = ['p', 'g'].join('');
  try {
    const m = (await import(specifier)) as { default?: { Pool?: unknown }; Pool?: unknown };
    return ((m.Pool ?? m.default?.Pool) as never) ?? null;
  } catch {
    return null;
  }
};
