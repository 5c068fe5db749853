/** Bundle entry `dist/hook-gate-push.cjs`: the push gate's hook main (push release with `--post`) and the release stage. */
export { gatePushMain as main, releaseStage } from '../hook/push-gate.js';
