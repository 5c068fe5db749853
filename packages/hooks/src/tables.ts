/**
 * Registry of decision tables: policy id → generator from the kernel. `arbiter table <policy>` prints one; the
 * tables test regenerates each and compares it with `docs/tables/<policy>.md`. Add one line per policy.
 */
import { actionClaim, breaker, drift, engineLock, review, sessionLock, stateLock, type DecisionTable } from '@arbiter/kernel';

export const TABLES: Readonly<Record<string, () => DecisionTable>> = {
  'session-lock': sessionLock.table,
  'state-lock': stateLock.table,
  breaker: breaker.table,
  'review-level': review.table,
  drift: drift.table,
  'engine-lock': engineLock.table,
  'action-claim': actionClaim.table,
};
