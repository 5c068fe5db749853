/** Bundle entry `dist/hook-stop.cjs`: `arbiter hook stop …` (claims → build stop → stop gate) and nothing else. */
export { stopMain as main } from '../hook/stop.js';
