/** Bundle entry `dist/cli.cjs`: the verbs (`table`, `log`, `demo`, …) behind the `arbiter` dispatcher. */
import { buildProgram } from '../cli/index.js';

/** Parse `argv` (without node and script) and run the verb. */
export const main = async (argv: ReadonlyArray<string>): Promise<void> => {
  await buildProgram().parseAsync([...argv], { from: 'user' });
};
