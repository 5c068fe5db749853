/**
 * Bundle entry `dist/hook-post-tool.cjs`: the action-claim evidence hook (`arbiter hook post-tool`'s final stage) and
 * the session-lock stage, which the post-tool event runs before it on every mutating call: one bundle, so the
 * libraries both use (io-ts, fp-ts, the io-node stores) are compiled once per process.
 */
export { postToolMain as main } from '../hook/post-tool.js';
export { sessionLockStage } from '../hook/session-lock.js';
