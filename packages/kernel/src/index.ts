/**
 * @arbiter/kernel: every Arbiter decision as a total pure function over facts.
 *
 * Each decision module is exported as a namespace named after it (architecture.md conventions §8). Shared vocabulary
 * (step functions, codecs, sanitizers, decision tables, the decision-log entry) is exported flat.
 */
export * as sessionLock from './session-lock.js';
export * as config from './config.js';
export * as buildStop from './build-stop.js';
export * as stopGate from './stop-gate/stop-gate.js';
export * as pushGate from './push-gate/push-gate.js';
// Kernel-internal module of the push gate (push-gate.md §6, push-gate.md §7); the `pushGate` namespace re-exports it.
export * as pushClassifier from './push-gate/classifier.js';
export * as stateLock from './state-lock.js';
export * as breaker from './breaker.js';
export * as review from './review.js';
export * as drift from './drift.js';
export * as engineLock from './engine-lock.js';
export * as paths from './paths/paths.js';
export * as retry from './retry.js';
export * as secrets from './secrets.js';
export * as convoyGuard from './convoy-guard.js';
export * as actionClaim from './action-claim/action-claim.js';
export * as landQueue from './land/queue.js';
export * as land from './land/land.js';
export * as notify from './notify/notify.js';
// The emitters' part of notifications, flat so a hook bundles only it (docs/notify.md §5 E2).
export { normalizeEvent as normalizeNotifyEvent, wantsNotifications, type NotifyEvent } from './internal/notify-event.js';

export * from './internal/step.js';
export * from './internal/codecs.js';
export * from './internal/text.js';
export * from './internal/quote.js';
export * from './internal/sha256.js';
export { DAY_MS } from './internal/time.js';
export * from './internal/table.js';
export * from './internal/mask.js';
export * from './internal/log.js';
export * from './internal/convoy.js';
export type * from './ports/index.js';
export * from './internal/render.js';
// Session registry and status snapshot shapes (presence.md).
export * from './presence/types.js';
export * as presence from './presence/presence.js';
export * from './presence/status.js';
