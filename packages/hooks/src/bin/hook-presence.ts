/** Bundle entry `dist/hook-presence.cjs`: the registry's full path (presence.md §11), loaded only when an event needs it. */
export { recordHookPresence } from '../presence/record.js';
