#!/usr/bin/env node
// `npm run mutate [-- <module>...] [--list]`: StrykerJS over the kernel decision modules, one run and one report
// per module (reports/mutation/<module>/index.html and mutation.json), then one line per module with its score and
// wall time. Score = (killed + timeout) / (killed + timeout + survived + no coverage); compile errors, runtime
// errors and ignored mutants are left out (docs/testing.md "Mutation testing"). Exit 1 when a module is under
// --min (default 0: report only). Not part of `npm test`: it takes minutes per module on two cores. A module too
// large for one run to finish in 15 minutes is run in parts (mutation/parts.mjs), each its own Stryker run and report
// under reports/mutation/<module>/part-<i>/; the module's summary adds them up. `<module>/<i>` runs one part.
import { Command } from './commander.mjs';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Stryker } from '@stryker-mutator/core';
import { MODULES } from '../mutation/modules.mjs';
import { partsOf } from '../mutation/parts.mjs';

const program = new Command('mutate')
  .description('mutation testing of the kernel decision modules (StrykerJS, vitest runner, TypeScript checker)')
  .argument('[modules...]', `modules to mutate (default: all), or <module>/<part> for one part: ${Object.keys(MODULES).join(', ')}`)
  .option('--list', 'print the module names and the line ranges of their parts, then exit')
  .option('--min <percent>', 'exit 1 when a module scores under this', '0')
  .option('--concurrency <n>', 'test-runner processes', '2')
  .showHelpAfterError();
program.parse();
const opts = program.opts();
const names = program.args.length > 0 ? program.args : Object.keys(MODULES);
if (opts.list) {
  for (const [n, files] of Object.entries(MODULES)) {
    const parts = partsOf(files);
    if (parts.length === 1) console.log(`${n}\t${files.join(' ')}`);
    else for (const [i, p] of parts.entries()) console.log(`${n}/${i + 1}\t${p.join(' ')}`);
  }
  process.exit(0);
}
/** A requested run: the module, and the part (1-based) or null for all of them. */
const requests = names.map((arg) => {
  const m = /^(.*)\/(\d+)$/.exec(arg);
  return m === null ? { arg, name: arg, part: null } : { arg, name: m[1], part: Number(m[2]) };
});
const unknown = requests.filter((r) => !(r.name in MODULES)).map((r) => r.arg);
if (unknown.length > 0) program.error(`unknown module(s): ${unknown.join(', ')} (see --list)`, { exitCode: 2 });
const badPart = requests.filter((r) => r.part !== null && !(r.part >= 1 && r.part <= partsOf(MODULES[r.name]).length)).map((r) => r.arg);
if (badPart.length > 0) program.error(`no such part: ${badPart.join(', ')} (see --list)`, { exitCode: 2 });
const min = Number(opts.min);
if (!(min >= 0 && min <= 100)) program.error('--min: expected a percentage from 0 to 100', { exitCode: 2 });

/** Count a run's results by status. */
const tally = (results) => {
  const c = { Killed: 0, Timeout: 0, Survived: 0, NoCoverage: 0, CompileError: 0, RuntimeError: 0, Ignored: 0, Pending: 0 };
  for (const r of results) c[r.status] = (c[r.status] ?? 0) + 1;
  const detected = c.Killed + c.Timeout;
  const valid = detected + c.Survived + c.NoCoverage;
  return { ...c, score: valid === 0 ? 100 : (100 * detected) / valid };
};

/** One Stryker run over `mutate` (patterns, with line ranges for a part); its report goes to `dir`. */
const runOnce = async (label, mutate, dir) => {
  mkdirSync(dir, { recursive: true });
  const t0 = Date.now();
  const stryker = new Stryker({
    mutate,
    concurrency: Number(opts.concurrency),
    htmlReporter: { fileName: join(dir, 'index.html') },
    jsonReporter: { fileName: join(dir, 'mutation.json') },
    reporters: ['html', 'json', 'progress'],
  });
  const results = await stryker.runMutationTest();
  const row = { module: label, ...tally(results), minutes: (Date.now() - t0) / 60_000 };
  writeFileSync(join(dir, 'summary.json'), JSON.stringify(row, null, 2) + '\n');
  const survivors = results.filter((r) => r.status === 'Survived' || r.status === 'NoCoverage');
  writeFileSync(
    join(dir, 'survivors.txt'),
    survivors.map((r) => `${r.fileName}:${r.location.start.line}:${r.location.start.column + 1} ${r.status} ${r.mutatorName}: ${String(r.replacement ?? '').replace(/\s+/g, ' ').slice(0, 160)}`).join('\n') + '\n',
  );
  return row;
};

/** The counts of several runs added up, the score computed again from the sums, the minutes added. */
const sumRows = (label, parts) => {
  const keys = ['Killed', 'Timeout', 'Survived', 'NoCoverage', 'CompileError', 'RuntimeError', 'Ignored', 'Pending'];
  const sum = Object.fromEntries(keys.map((k) => [k, parts.reduce((a, r) => a + (r[k] ?? 0), 0)]));
  const detected = sum.Killed + sum.Timeout;
  const valid = detected + sum.Survived + sum.NoCoverage;
  return { module: label, ...sum, score: valid === 0 ? 100 : (100 * detected) / valid, minutes: parts.reduce((a, r) => a + r.minutes, 0), parts: parts.map((r) => r.module) };
};

const rows = [];
for (const { name, part } of requests) {
  const dir = join('reports', 'mutation', name);
  const parts = partsOf(MODULES[name]);
  if (parts.length === 1) {
    rows.push(await runOnce(name, MODULES[name], dir));
    continue;
  }
  const picked = part === null ? parts.map((_, i) => i + 1) : [part];
  const partRows = [];
  for (const i of picked) {
    const row = await runOnce(`${name}/${i}`, parts[i - 1], join(dir, `part-${i}`));
    rows.push(part === null ? { ...row, inModule: true } : row);
    partRows.push(row);
  }
  if (part === null) {
    // the module's figures: every part of this invocation added up (a single part's run leaves them alone)
    const total = sumRows(name, partRows);
    rows.push(total);
    writeFileSync(join(dir, 'summary.json'), JSON.stringify(total, null, 2) + '\n');
    writeFileSync(join(dir, 'survivors.txt'), picked.map((i) => readFileSync(join(dir, `part-${i}`, 'survivors.txt'), 'utf8')).join(''));
  }
}
console.log('\nmodule                  killed timeout survived no-cov compile  score   minutes');
for (const r of rows)
  console.log(
    `${r.module.padEnd(22)} ${String(r.Killed).padStart(7)} ${String(r.Timeout).padStart(7)} ${String(r.Survived).padStart(8)} ${String(r.NoCoverage).padStart(6)} ${String(r.CompileError).padStart(7)} ${r.score.toFixed(1).padStart(6)} % ${r.minutes.toFixed(1).padStart(7)}`,
  );
// --min judges what was asked for: a module (a split one by its parts added up) or a single part
process.exit(rows.some((r) => !r.inModule && r.score < min) ? 1 : 0);
