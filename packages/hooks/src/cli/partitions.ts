/**
 * `arbiter partitions check <plan.json|plan.yml> [--case-sensitive] [--json]`: validate a plan's file partitions
 * (paths.md §4: path errors, unknown dependencies, cycles, same-phase conflicts; cross-phase notices).
 *
 * Exit codes: 0 valid (notices are printed but do not fail); 1 violations; 2 usage, I/O, parse or shape error.
 * Paths compare case-insensitively unless `--case-sensitive` is given: a false overlap only serialises work, a
 * missed one lets two agents edit one file (paths.md §3 fail direction).
 */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import * as E from 'fp-ts/lib/Either.js';
import { describeErrors, paths } from '@arbiter/kernel';
// `yaml` (eemeli/yaml): the maintained YAML 1.2 parser with no dependencies, for plan.yml files.
import { parse as parseYaml } from 'yaml';
import { recordDecision } from '../decision-record.js';
import { die } from './util.js';

/** Parse a plan file by extension (.json, .yml/.yaml; anything else: JSON, then YAML). */
export const parsePlanText = (file: string, text: string): unknown => {
  if (/\.json$/i.test(file)) return JSON.parse(text);
  if (/\.ya?ml$/i.test(file)) return parseYaml(text);
  try {
    return JSON.parse(text);
  } catch {
    return parseYaml(text);
  }
};

/** Register `partitions check`. */
export const register = (program: Command): void => {
  const cmd = program.command('partitions').description('file partitions of a convoy plan (run `arbiter partitions check --help`)');
  cmd
    .command('check')
    .description('validate the file partitions of a plan; exit 0 valid, 1 violations, 2 usage or read error')
    .argument('<plan>', 'plan file (.json, .yml or .yaml) with a `tasks` list (id, files, depends_on, inputs[].from)')
    .option('--case-sensitive', 'compare paths case-sensitively (default: case-insensitive, the fail-closed choice)')
    .option('--json', 'print the result as JSON')
    .action((file: string, o: { caseSensitive?: boolean; json?: boolean }) => {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (e) {
        return die(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`, 2);
      }
      let doc: unknown;
      try {
        doc = parsePlanText(file, text);
      } catch (e) {
        return die(`cannot parse ${file}: ${(e as Error).message.split('\n')[0]}`, 2);
      }
      const plan = paths.PlanCodec.decode(doc);
      if (E.isLeft(plan)) return die(`${file}: not a plan: ${describeErrors(plan.left)}`, 2);
      const r = paths.validateFilePartitions(plan.right.tasks, o.caseSensitive !== true);
      if (o.json === true) {
        process.stdout.write(JSON.stringify(E.isRight(r) ? { valid: true, ...r.right } : { valid: false, errors: r.left.errors.map((e) => ({ ...e, message: paths.planErrorMessage(e) })) }, null, 2) + '\n');
      } else if (E.isRight(r)) {
        for (const ph of r.right.phases) process.stdout.write(`Phase ${ph.phase}: ${ph.taskIds.join(', ')}\n`);
        for (const n of r.right.notices) process.stdout.write(`notice: ${paths.noticeMessage(n)}\n`);
        process.stdout.write(`${file}: partitions OK (${r.right.phases.length} phase(s), ${r.right.notices.length} notice(s))\n`);
      } else {
        for (const e of r.left.errors) process.stdout.write(`${e.reason}: ${paths.planErrorMessage(e)}\n`);
        process.stderr.write(`${file}: ${r.left.errors.length} violation(s)\n`);
      }
      recordDecision({
        startDir: process.cwd(),
        env: process.env,
        policy: paths.POLICY,
        policyVersion: paths.POLICY_VERSION,
        mode: 'cli',
        facts: { plan: file, tasks: plan.right.tasks.length, caseInsensitive: o.caseSensitive !== true, errors: E.isLeft(r) ? r.left.errors.length : 0 },
        verdict: E.isRight(r) ? 'Valid' : 'Refused',
        reasons: E.isRight(r) ? ['plan-valid'] : [...new Set(r.left.errors.map((e) => e.reason))],
      });
      process.exitCode = E.isRight(r) ? 0 : 1;
    });
};
