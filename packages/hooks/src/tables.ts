/**
 * Registry of decision tables: policy id → generator from the kernel. `arbiter table <policy>` prints one; the
 * tables test regenerates each and compares it with `docs/tables/<policy>.md`. Add one line per policy.
 */
import { actionClaim, sessionLock, type DecisionTable } from '@arbiter/kernel';

export const TABLES: Readonly<Record<string, () => DecisionTable>> = {
  'session-lock': sessionLock.table,
  'action-claim': actionClaim.table,
};
