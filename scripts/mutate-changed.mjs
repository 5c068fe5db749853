#!/usr/bin/env node
// `node scripts/mutate-changed.mjs [--since <rev>] [--budget <minutes>]`, run by .ci/run after the tests: mutation
// scores of the kernel decision modules a change touched (docs/testing.md §3.3). The change is `<rev>..HEAD`
// (default: $ARBITER_MUTATE_SINCE, else HEAD~1, the commit CI was started for). A module is touched when a changed
// file matches one of its patterns in mutation/modules.mjs. Each touched module runs `npm run mutate -- <module>`,
// one after the other, while the budget lasts (default $ARBITER_MUTATE_BUDGET_MIN, else 30 minutes): a module the
// budget cuts short is stopped and named, and the modules after it are listed as not run. Report only: the exit code
// is 0 unless a run itself fails (a crash of the tooling is a defect, a low score is a figure to read).
// picomatch matches the module patterns: the glob library the test runner already relies on, pinned as a dev
// dependency; the patterns are the same ones Stryker expands.
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import picomatch from 'picomatch';
import { MODULES } from '../mutation/modules.mjs';

const git = (args) => execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();

/** The files changed in `since..HEAD`, or null when `since` names no commit here (a shallow clone, a first commit). */
const changedFiles = (since) => {
  try {
    git(['rev-parse', '--verify', '--quiet', `${since}^{commit}`]);
  } catch {
    return null;
  }
  return git(['diff', '--name-only', `${since}`, 'HEAD', '--']).split('\n').filter((f) => f !== '');
};

/** The modules of mutation/modules.mjs with at least one changed file, in the file's order. */
export const touchedModules = (files) =>
  Object.entries(MODULES)
    .filter(([, patterns]) => {
      const match = picomatch(patterns);
      return files.some((f) => match(f));
    })
    .map(([name]) => name);

/** Run one module; resolves to its exit code, or 'budget' when the deadline stopped it (its process group is killed). */
const runModule = (name, deadline) =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, [join('scripts', 'mutate.mjs'), name], { stdio: 'inherit', detached: true });
    let stopped = false;
    const timer = setTimeout(() => {
      stopped = true;
      try {
        process.kill(-child.pid, 'SIGTERM'); // Stryker's test-runner and checker processes too
      } catch {
        // already gone
      }
    }, Math.max(0, deadline - Date.now()));
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve(stopped ? 'budget' : (code ?? 1));
    });
  });

const main = async () => {
  const { Command } = await import('./commander.mjs');
  const program = new Command('mutate-changed')
    .description('mutation scores of the kernel decision modules changed since a revision (report only)')
    .option('--since <rev>', 'the change is <rev>..HEAD', process.env.ARBITER_MUTATE_SINCE || 'HEAD~1')
    .option('--budget <minutes>', 'stop starting or running modules after this many minutes', process.env.ARBITER_MUTATE_BUDGET_MIN || '30')
    .showHelpAfterError();
  program.parse();
  const opts = program.opts();
  const budgetMin = Number(opts.budget);
  if (!(budgetMin > 0)) program.error('--budget: expected a positive number of minutes', { exitCode: 2 });
  // a revision is handed to git as an argument: one that starts with `-` would be read as an option
  if (opts.since === '' || opts.since.startsWith('-')) program.error(`--since: ${JSON.stringify(opts.since)} is not a revision`, { exitCode: 2 });
  const files = changedFiles(opts.since);
  if (files === null) {
    console.log(`mutation: ${opts.since} names no commit in this clone; no change to measure`);
    return 0;
  }
  const names = touchedModules(files);
  if (names.length === 0) {
    console.log(`mutation: no kernel decision module changed in ${opts.since}..HEAD`);
    return 0;
  }
  console.log(`mutation: ${names.join(', ')} changed in ${opts.since}..HEAD; budget ${budgetMin} min`);
  const deadline = Date.now() + budgetMin * 60_000;
  const lines = [];
  let failed = false;
  for (const [i, name] of names.entries()) {
    if (Date.now() >= deadline) {
      lines.push(...names.slice(i).map((n) => `${n.padEnd(22)} not run: the budget of ${budgetMin} min was spent`));
      break;
    }
    const summary = join('reports', 'mutation', name, 'summary.json');
    rmSync(summary, { force: true }); // a figure is only ever this run's
    const r = await runModule(name, deadline);
    if (r === 'budget') {
      rmSync('.stryker-tmp', { recursive: true, force: true }); // the stopped run's sandbox (a finished run removes its own)
      lines.push(`${name.padEnd(22)} stopped: not finished within the budget of ${budgetMin} min`);
    }
    else if (r !== 0 || !existsSync(summary)) {
      failed = true;
      lines.push(`${name.padEnd(22)} failed: npm run mutate -- ${name} exited ${r}`);
    } else {
      const s = JSON.parse(readFileSync(summary, 'utf8'));
      lines.push(`${name.padEnd(22)} ${s.score.toFixed(1).padStart(5)} %  (killed ${s.Killed}, timeout ${s.Timeout}, survived ${s.Survived}, no coverage ${s.NoCoverage}; ${s.minutes.toFixed(1)} min)`);
    }
  }
  console.log(`\nmutation scores of the changed modules (target 90 %, docs/testing.md §3.1):\n${lines.map((l) => `  ${l}`).join('\n')}`);
  return failed ? 1 : 0;
};

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) process.exit(await main());
