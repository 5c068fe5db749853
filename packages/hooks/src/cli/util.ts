/** Small helpers shared by the verbs (die-loud posture: clear message on stderr, meaningful exit code). */
import pc from 'picocolors';

/**
 * Print `arbiter: <message>` on stderr and exit with `code` (1 = a confirmed conflict or failure, 2 = usage).
 * Colours (picocolors, a tiny maintained colour library) only when stderr is a terminal.
 */
export const die = (message: string, code = 1): never => {
  process.stderr.write(`${pc.red('arbiter:')} ${message}\n`);
  process.exit(code);
};
