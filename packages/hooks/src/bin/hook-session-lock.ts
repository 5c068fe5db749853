/** Bundle entry `dist/hook-session-lock.cjs`: `arbiter hook session-lock …` and nothing else. */
export { sessionLockMain as main } from '../hook/session-lock.js';
