/**
 * The snapshot `arbiter serve --ui` shows until the status collector of `arbiter status` is bound in
 * (dashboard.md §3 D7): the lanes of the served store (holder session, fence, lease left) and nothing else; every other section is
 * named in `unavailable`, so the page says it has no source instead of showing an empty list as if it were true.
 */
import type { LaneStatus, LaneStore, StatusSnapshot } from '@arbiter/kernel';

/** Session id the service reads the overview as (the lane store's `state` wants one; halts aimed at it are none). */
const READER = 'arbiter-serve';

/**
 * A snapshot source over `store` (the owner's view). `now` is ms since the epoch (the service's clock, for `at`).
 * Rejects when the store fails (the dashboard answers 503, its event stream keeps the last snapshot).
 */
export const laneSnapshot =
  (store: LaneStore, repo: string, now: () => number = Date.now): (() => Promise<StatusSnapshot>) =>
  async () => {
    const r = await store.state('all', READER)();
    if (r._tag === 'Left') throw new Error(`lane store: ${r.left.kind}`);
    const lanes: LaneStatus[] = r.right.lanes.map((l) => ({
      lane: l.lane,
      holder: l.holder === null || l.expired ? null : l.holder.session,
      fence: l.fence,
      leaseLeftMs: l.holder === null || l.expired ? null : Math.max(0, Math.round((l.holder.lease_sec - l.holder.heartbeat_age_sec) * 1000)),
      queue: [],
    }));
    return { v: 1, at: now(), repo, sessions: [], lanes, halts: [], commitments: [], builds: [], stopGate: { mode: 'unknown' }, recent: [], unavailable: ['sessions', 'halts', 'commitments', 'builds', 'stopGate', 'recent'] };
  };
