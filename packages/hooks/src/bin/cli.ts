/** Bundle entry `dist/cli.cjs`: the verbs (`table`, `log`, `demo`, …) behind the `arbiter` dispatcher. */
import { buildProgram, helpTarget } from '../cli/index.js';

/**
 * Parse `argv` (without node and script) and run the verb; with `--help` / `-h` before `--`, print the usage of the
 * command it names on stdout and exit 0 without running anything.
 */
export const main = async (argv: ReadonlyArray<string>): Promise<void> => {
  const program = buildProgram();
  helpTarget(program, argv)?.help(); // commander prints the usage and exits 0 (the program's exitOverride)
  await program.parseAsync([...argv], { from: 'user' });
};
