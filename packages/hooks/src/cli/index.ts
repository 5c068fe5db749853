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
import * as doctor from './doctor.js';
import * as lanes from './lanes.js';
import * as land from './land.js';
import * as db from './db.js';
import * as scan from './scan.js';
import * as blastRadius from './blast-radius.js';
import * as partitions from './partitions.js';
import * as serve from './serve.js';
import * as status from './status.js';
import * as notifyVerb from './notify.js';
import * as presence from './presence.js';

/** Every verb module, in `--help` order. */
export const VERBS: ReadonlyArray<{ readonly register: (p: Command) => void }> = [
  table,
  log,
  status,
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
  doctor,
  lanes,
  land,
  serve,
  db,
  notifyVerb,
  presence,
];

/**
 * The command whose usage `argv` asks for, or `null`: `--help` or `-h` anywhere before `--` asks for help, even
 * where commander would take it as an option's value (`lane halt --reason --help` prints the usage and places no
 * halt). The command is the deepest one named by the leading words (`lane halt …` → `lane halt`).
 */
export const helpTarget = (program: Command, argv: ReadonlyArray<string>): Command | null => {
  const end = argv.indexOf('--');
  const before = end === -1 ? argv : argv.slice(0, end);
  if (!before.some((a) => a === '--help' || a === '-h')) return null;
  let cmd = program;
  for (const word of before) {
    const sub = word.startsWith('-') ? undefined : cmd.commands.find((c) => c.name() === word || c.aliases().includes(word));
    if (sub === undefined) break;
    cmd = sub;
  }
  return cmd;
};

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
