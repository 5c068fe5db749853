/** Bundle entry `dist/hook-context.cjs`: `arbiter hook context …` (coordination block) and nothing else. */
export { contextMain as main } from '../hook/context.js';
