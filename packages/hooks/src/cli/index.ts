/**
 * The verbs people run (die-loud posture), built with commander (maintained, dependency-free, gives `--help` on
 * every verb). Each verb lives in its own module exporting `register(program)`; add one line per verb.
 */
import { Command } from 'commander';
import * as build from './build.js';
import * as breaker from './breaker.js';
import * as classify from './classify.js';
import * as commitments from './commitments.js';
import * as demo from './demo.js';
import * as gate from './gate.js';
import * as lock from './lock.js';
import * as log from './log.js';
import * as table from './table.js';
import * as install from './install.js';
import * as lanes from './lanes.js';
import * as db from './db.js';
import * as scan from './scan.js';
import * as blastRadius from './blast-radius.js';
import * as partitions from './partitions.js';

/** Every verb module, in `--help` order. */
export const VERBS: ReadonlyArray<{ readonly register: (p: Command) => void }> = [
  table,
  log,
  lock,
  breaker,
  build,
  gate,
  classify,
  commitments,
  demo,
  scan,
  blastRadius,
  partitions,
  install,
  lanes,
  db,
];

/** Build the `arbiter` program. */
export const buildProgram = (): Command => {
  const program = new Command('arbiter')
    .description('Arbiter: coordination decisions for parallel AI coding-agent sessions sharing one repository')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride((err) => {
      // commander exits 0 for --help/--version; usage errors exit 2 (meaningful codes: 1 = conflict/failure).
      process.exit(err.exitCode === 0 ? 0 : 2);
    });
  program
    .command('hook')
    .description('hook wrappers for Claude Code, Codex and git (run `arbiter hook --help`)')
    .allowUnknownOption()
    .helpOption(false);
  for (const v of VERBS) v.register(program);
  return program;
};
