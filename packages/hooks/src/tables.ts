/**
 * Registry of decision tables: policy id → generator from the kernel. `arbiter table <policy>` prints one; the
 * tables test regenerates each and compares it with `docs/tables/<policy>.md`. Add one line per policy.
 */
import {
  actionClaim,
  breaker,
  buildStop,
  convoyGuard,
  drift,
  engineLock,
  land,
  paths,
  pushGate,
  retry,
  review,
  secrets,
  sessionLock,
  stateLock,
  stopGate,
  type DecisionTable,
} from '@arbiter/kernel';

export const TABLES: Readonly<Record<string, () => DecisionTable>> = {
  'session-lock': sessionLock.table,
  'state-lock': stateLock.table,
  breaker: breaker.table,
  'review-level': review.table,
  drift: drift.table,
  'engine-lock': engineLock.table,
  exhaustion: retry.table,
  retry: retry.retryTable,
  'blast-radius': secrets.table,
  paths: paths.table,
  'convoy-guard': convoyGuard.table,
  'build-stop': buildStop.table,
  'stop-gate': stopGate.table,
  'gate-push': pushGate.table,
  'action-claim': actionClaim.table,
  land: land.table,
};
