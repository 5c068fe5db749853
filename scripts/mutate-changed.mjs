#!/usr/bin/env node
// `node scripts/mutate-changed.mjs [--since <rev>] [--budget <minutes>]`, run by .ci/run after the tests: mutation
// scores of the kernel decision modules a change touched (docs/testing.md §3.3). The change is `<rev>..HEAD`
// (default: $ARBITER_MUTATE_SINCE, else HEAD~1, the commit CI was started for). A module is touched when a changed
// file matches one of its patterns in mutation/modules.mjs; of a module mutated in parts (mutation/parts.mjs), only
// the parts whose line ranges hold a changed line run. Each touched module or part runs `npm run mutate -- <name>`,
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
import { partsOf, rangeOf } from '../mutation/parts.mjs';

const git = (args) => execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();

/**
 * The changed lines of a `git diff --unified=0` text per file (`+++ b/<path>`), as spans [from, to] of the new side's
 * 1-based line numbers. A hunk that only deletes lines (`+c,0`) spans the lines on either side of the cut.
 */
export const hunksOf = (diff) => {
  const out = new Map();
  let file = null;
  for (const line of diff.split('\n')) {
    if (line.startsWith('diff --git ')) file = null;
    else if (line.startsWith('+++ ')) {
      file = line.startsWith('+++ b/') ? line.slice(6) : null; // `+++ /dev/null`: the file was deleted
      if (file !== null && !out.has(file)) out.set(file, []);
    } else if (file !== null && line.startsWith('@@')) {
      const m = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@/.exec(line);
      if (m === null) continue;
      const start = Number(m[1]);
      const count = m[2] === undefined ? 1 : Number(m[2]);
      out.get(file).push(count === 0 ? [start, start + 1] : [start, start + count - 1]);
    }
  }
  return out;
};

/**
 * The lines changed in `since..HEAD` per file (line numbers in HEAD's version, 1-based), or null when `since` names
 * no commit here (a shallow clone, a first commit). A hunk that only deletes lines counts the lines on either side of
 * the cut, so a removed statement still touches the part it was in.
 */
const changedLines = (since) => {
  try {
    git(['rev-parse', '--verify', '--quiet', `${since}^{commit}`]);
  } catch {
    return null;
  }
  const out = hunksOf(git(['diff', '--unified=0', '--no-color', '--no-ext-diff', '--src-prefix=a/', '--dst-prefix=b/', `${since}`, 'HEAD', '--']));
  // a deleted file has no `+++ b/` side: name it with no lines, so its module still counts as touched
  for (const f of git(['diff', '--name-only', '--diff-filter=D', `${since}`, 'HEAD', '--']).split('\n')) if (f !== '' && !out.has(f)) out.set(f, []);
  return out;
};

/** The modules of mutation/modules.mjs with at least one changed file, in the file's order. */
export const touchedModules = (files) =>
  Object.entries(MODULES)
    .filter(([, patterns]) => {
      const match = picomatch(patterns);
      return files.some((f) => match(f));
    })
    .map(([name]) => name);

/**
 * What to run for a change (`lines`: file → changed line spans [from, to]): each touched module by name, or, for a
 * module mutated in parts, `<module>/<i>` for each part holding a changed line (every part when a changed file has
 * no line in HEAD, being deleted). Parts are computed on the working tree, which CI checks out at HEAD.
 */
export const touchedRuns = (lines) => {
  const runs = [];
  for (const name of touchedModules([...lines.keys()])) {
    const parts = partsOf(MODULES[name]);
    if (parts.length === 1) {
      runs.push(name);
      continue;
    }
    const match = picomatch(MODULES[name]);
    const spans = [...lines].filter(([f]) => match(f));
    const hit = (range) => {
      const r = rangeOf(range);
      return spans.some(([f, ss]) => f === r.file && ss.some(([a, b]) => a <= r.to && b >= r.from));
    };
    const whole = spans.some(([, ss]) => ss.length === 0);
    for (const [i, p] of parts.entries()) if (whole || p.some(hit)) runs.push(`${name}/${i + 1}`);
  }
  return runs;
};

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
  const changed = changedLines(opts.since);
  if (changed === null) {
    console.log(`mutation: ${opts.since} names no commit in this clone; no change to measure`);
    return 0;
  }
  const names = touchedRuns(changed);
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
    const part = /^(.*)\/(\d+)$/.exec(name);
    const summary = part === null ? join('reports', 'mutation', name, 'summary.json') : join('reports', 'mutation', part[1], `part-${part[2]}`, 'summary.json');
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
