/** Small helpers shared by the verbs (die-loud posture: clear message on stderr, meaningful exit code). */
import { paintFor } from './colour.js';

/**
 * Print `arbiter: <message>` on stderr and exit with `code` (1 = a confirmed conflict or failure, 2 = usage).
 * Colours only when stderr is a terminal (cli/colour.ts).
 */
export const die = (message: string, code = 1): never => {
  process.stderr.write(`${paintFor(process.stderr).red('arbiter:')} ${message}\n`);
  process.exit(code);
};
