/** Bundle entry `dist/hook-gate-push.cjs`: `arbiter hook gate-push …` (push gate and push release) and nothing else. */
export { gatePushMain as main } from '../hook/push-gate.js';
