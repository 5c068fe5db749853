/** Bundle entry `dist/hook-claim-stop.cjs`: `arbiter hook claim-stop …` (claim observation on Stop) and nothing else. */
export { claimStopMain as main } from '../hook/claims-stop.js';
