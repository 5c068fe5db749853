/** `arbiter demo [--keep]`: the scripted end-to-end scenario (see demo/index.ts). */
import { join } from 'node:path';
import { Command } from 'commander';
import { runDemo } from '../demo/index.js';

/** Register the `demo` verb. */
export const register = (program: Command): void => {
  program
    .command('demo')
    .description('run the scripted multi-session scenario in a temporary directory with real git and the real binary')
    .option('--keep', 'keep the temporary directory')
    .action(async (o: { keep?: boolean }) => {
      await runDemo(join(__dirname, 'arbiter.cjs'), o.keep === true);
    });
};
