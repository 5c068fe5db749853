/**
 * The session registry the dashboard of `arbiter serve --ui` shows (presence.md §9 RS7, dashboard.md §3 D7): the served
 * store's presence store, so a team service shows the sessions of every machine that records through it, merged
 * with the registry of the repository the service runs in (its own machine's sessions, written by the local hooks).
 */
import type { PresenceStore, SessionPresence } from '@arbiter/kernel';
import { SourceError, type RegistrySource } from '../status/collect.js';

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
      problems: r.right.problems.map((p) => ({ key: p.key, detail: p.kind === 'newer' ? `from a newer Arbiter (${p.detail})` : `corrupt: ${p.detail}` })),
    };
  },
});

/**
 * Several registries as one: every session once, the record with the latest last event kept (the first source's on a
 * tie), every problem of every source. A source that fails adds a problem naming it (`registry <n>`) while the others
 * are shown; only when every source fails does the listing reject (with the first failure).
 */
export const mergedRegistrySource = (sources: ReadonlyArray<RegistrySource>): RegistrySource => ({
  list: async () => {
    const got = await Promise.allSettled(sources.map((s) => s.list()));
    if (got.every((g) => g.status === 'rejected')) throw (got[0] as PromiseRejectedResult | undefined)?.reason ?? new SourceError('no registry');
    const by = new Map<string, SessionPresence>();
    const problems: { key: string; detail: string }[] = [];
    got.forEach((g, i) => {
      if (g.status === 'rejected') {
        problems.push({ key: `registry ${i + 1}`, detail: g.reason instanceof Error ? g.reason.message.slice(0, 200) : 'unreadable' });
        return;
      }
      for (const s of g.value.sessions) {
        const had = by.get(s.session);
        if (had === undefined || s.lastEventAt > had.lastEventAt) by.set(s.session, s);
      }
      problems.push(...g.value.problems);
    });
    return { sessions: [...by.values()], problems };
  },
});
