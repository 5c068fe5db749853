/**
 * The session registry the dashboard of `arbiter serve --ui` shows (presence.md §9 RS7, dashboard.md §3 D7): the served
 * store's presence store, so a team service shows the sessions of every machine that records through it. In a
 * repository it is merged with that repository's own registry by status/node-sources.ts `sharedRegistrySource`.
 */
import type { PresenceStore } from '@arbiter/kernel';
import { problemDetail, SourceError, type RegistrySource } from '../status/collect.js';

/**
 * A presence store as the status collector's registry source: its `list`, each unusable record a problem keyed by
 * its key with its kind in the detail. Rejects (the section is shown unavailable) when the store fails.
 */
export const presenceRegistrySource = (store: PresenceStore): RegistrySource => ({
  list: async () => {
    const r = await store.list()();
    if (r._tag === 'Left') throw new SourceError(`served registry: ${r.left.kind} (${r.left.detail})`);
    return {
      sessions: r.right.sessions,
      problems: r.right.problems.map((p) => ({ key: p.key, detail: problemDetail(p) })),
    };
  },
});
