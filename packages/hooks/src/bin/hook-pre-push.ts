/** Bundle entry `dist/hook-pre-push.cjs`: `arbiter hook pre-push <remote> <url>` (git layer) and nothing else. */
export { prePushMain as main } from '../hook/push-gate.js';
