/** Bundle entry `dist/hook-post-tool.cjs`: `arbiter hook post-tool …` (follow-through evidence) and nothing else. */
export { postToolMain as main } from '../hook/post-tool.js';
