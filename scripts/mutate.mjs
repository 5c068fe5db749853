#!/usr/bin/env node
// `npm run mutate [-- <module>...] [--list]`: StrykerJS over the kernel decision modules, one run and one report
// per module (reports/mutation/<module>/index.html and mutation.json), then one line per module with its score and
// wall time. Score = (killed + timeout) / (killed + timeout + survived + no coverage); compile errors, runtime
// errors and ignored mutants are left out (docs/testing.md "Mutation testing"). Exit 1 when a module is under
// --min (default 0: report only). Not part of `npm test`: it takes minutes per module on two cores.
import { Command } from './commander.mjs';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Stryker } from '@stryker-mutator/core';
import { MODULES } from '../mutation/modules.mjs';

const program = new Command('mutate')
  .description('mutation testing of the kernel decision modules (StrykerJS, vitest runner, TypeScript checker)')
  .argument('[modules...]', `modules to mutate (default: all): ${Object.keys(MODULES).join(', ')}`)
  .option('--list', 'print the module names and their files, then exit')
  .option('--min <percent>', 'exit 1 when a module scores under this', '0')
  .option('--concurrency <n>', 'test-runner processes', '2')
  .showHelpAfterError();
program.parse();
const opts = program.opts();
const names = program.args.length > 0 ? program.args : Object.keys(MODULES);
if (opts.list) {
  for (const [n, files] of Object.entries(MODULES)) console.log(`${n}\t${files.join(' ')}`);
  process.exit(0);
}
const unknown = names.filter((n) => !(n in MODULES));
if (unknown.length > 0) program.error(`unknown module(s): ${unknown.join(', ')} (see --list)`, { exitCode: 2 });
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

const rows = [];
for (const name of names) {
  const dir = join('reports', 'mutation', name);
  mkdirSync(dir, { recursive: true });
  const t0 = Date.now();
  const stryker = new Stryker({
    mutate: MODULES[name],
    concurrency: Number(opts.concurrency),
    htmlReporter: { fileName: join(dir, 'index.html') },
    jsonReporter: { fileName: join(dir, 'mutation.json') },
    reporters: ['html', 'json', 'progress'],
  });
  const results = await stryker.runMutationTest();
  const t = tally(results);
  const row = { module: name, ...t, minutes: (Date.now() - t0) / 60_000 };
  rows.push(row);
  writeFileSync(join(dir, 'summary.json'), JSON.stringify(row, null, 2) + '\n');
  const survivors = results.filter((r) => r.status === 'Survived' || r.status === 'NoCoverage');
  writeFileSync(
    join(dir, 'survivors.txt'),
    survivors.map((r) => `${r.fileName}:${r.location.start.line}:${r.location.start.column + 1} ${r.status} ${r.mutatorName}: ${String(r.replacement ?? '').replace(/\s+/g, ' ').slice(0, 160)}`).join('\n') + '\n',
  );
}
console.log('\nmodule                  killed timeout survived no-cov compile  score   minutes');
for (const r of rows)
  console.log(
    `${r.module.padEnd(22)} ${String(r.Killed).padStart(7)} ${String(r.Timeout).padStart(7)} ${String(r.Survived).padStart(8)} ${String(r.NoCoverage).padStart(6)} ${String(r.CompileError).padStart(7)} ${r.score.toFixed(1).padStart(6)} % ${r.minutes.toFixed(1).padStart(7)}`,
  );
process.exit(rows.some((r) => r.score < min) ? 1 : 0);
