/**
 * The sources of the dashboard's snapshot (dashboard.md §3 D7). In a repository, `arbiter serve --ui` shows what
 * `arbiter status` shows there (the status collector: sessions, halts, commitments, builds, stop gate, recent
 * decisions), except that the lanes are the served store's. Outside a repository only the served store's lanes are
 * known: every other section is named in `unavailable`, so the page says it has no source instead of showing an
 * empty list as if it were true.
 */
import { statusSnapshot, type LaneStatus, type LaneStore, type StatusSnapshot } from '@arbiter/kernel';
import { listingFailureDetail, type RegistrySource } from '../status/collect.js';

/** Session id the service reads the overview as (the lane store's `state` wants one; halts aimed at it are none). */
const READER = 'arbiter-serve';

/**
 * The lanes of `store` (the owner's view) as the status shows them: holder session, fence, lease left (ms) and the
 * landing queue's sessions. Rejects when the store fails (the dashboard answers 503, its event stream keeps the last
 * snapshot).
 */
export const servedLanes =
  (store: LaneStore): (() => Promise<ReadonlyArray<LaneStatus>>) =>
  async () => {
    const r = await store.state('all', READER)();
    if (r._tag === 'Left') throw new Error(`lane store: ${r.left.kind}`);
    return Promise.all(
      r.right.lanes.map(async (l): Promise<LaneStatus> => {
        const live = l.holder !== null && !l.expired;
        const q = await store.queue(l.lane)();
        return {
          lane: l.lane,
          holder: live && l.holder !== null ? l.holder.session : null,
          fence: l.fence === 0 ? null : l.fence,
          leaseLeftMs: live && l.holder !== null ? Math.max(0, Math.round((l.holder.lease_sec - l.holder.heartbeat_age_sec) * 1000)) : null,
          queue: q._tag === 'Right' ? q.right.map((t) => t.session) : [],
        };
      }),
    );
  };

/**
 * A snapshot source over `store` alone (outside a repository). `now` is ms since the epoch (the service's clock, for
 * `at`). With `registry` (the served store's session registry, presence.md §9) the sessions are its records, joined
 * with the lanes by the kernel's `statusSnapshot` (a registry that fails leaves the section unavailable, with a
 * problem); without it the sessions are unavailable too. Rejects when the lane store fails.
 */
export const laneSnapshot =
  (store: LaneStore, repo: string, now: () => number = Date.now, registry?: RegistrySource): (() => Promise<StatusSnapshot>) =>
  async () => {
    const lanes = await servedLanes(store)();
    if (registry === undefined)
      return { v: 1, at: now(), repo, sessions: [], lanes, halts: [], commitments: [], builds: [], stopGate: { mode: 'unknown' }, recent: [], unavailable: ['sessions', 'halts', 'commitments', 'builds', 'stopGate', 'recent'] };
    let sessions: Awaited<ReturnType<RegistrySource['list']>> | null = null;
    let failed: string | null = null;
    try {
      sessions = await registry.list();
    } catch (e) {
      failed = listingFailureDetail(e);
    }
    const problems = [...(sessions?.problems ?? []).map((p) => ({ source: 'sessions', ...p })), ...(failed === null ? [] : [{ source: 'sessions', key: '', detail: failed }])];
    return statusSnapshot({ repo, sessions: sessions?.sessions ?? null, lanes, halts: null, commitments: null, builds: null, lockHolders: null, stopGate: null, decisions: null, problems }, now());
  };
