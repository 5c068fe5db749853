/** Bundle entry `dist/hook-session-lock.cjs`: the session lock's hook main and its stage of the event hooks, nothing else. */
export { sessionLockMain as main, sessionLockStage } from '../hook/session-lock.js';
