/**
 * Bundle entry `dist/status.cjs`: one `arbiter status` snapshot (status.md §8, speed). The dispatcher loads it instead
 * of `dist/cli.cjs` for the command lines {@link plainStatus} accepts, so the screen people re-run pays for the
 * collector, the stores it reads and the renderer, not for the option parser and every other verb. The snapshot is
 * the one the `status` verb prints (`runStatus`, the same function with the same options as its commander action).
 */
import { join } from 'node:path';
import { WATCH_INTERVAL_MS, runStatus } from '../cli/status.js';
import { plainStatus } from '../status/plain.js';

/**
 * Print one snapshot for `argv` (without node and script: `status` or `status --json`) and exit 0 (1 outside a git
 * repository). Any other command line is handed to the full verb table, as the dispatcher would have.
 */
export const main = async (argv: ReadonlyArray<string>): Promise<void> => {
  const plain = plainStatus(argv);
  if (plain === null) return (require(join(__dirname, 'cli.cjs')) as { main: (a: ReadonlyArray<string>) => Promise<void> }).main(argv);
  await runStatus({ json: plain.json, watch: false, interval: WATCH_INTERVAL_MS }, process.cwd(), process.env);
};
