/** Bundle entry `dist/hook-help.cjs`: the usage text of every `arbiter hook …` command, loaded only for `--help`. */
export { hookUsage } from '../hook/usage.js';
