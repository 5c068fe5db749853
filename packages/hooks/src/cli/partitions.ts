/**
 * `arbiter partitions check <plan.json|plan.yml> [--case-sensitive|--case-insensitive] [--json]`: validate a plan's
 * file partitions (paths.md §4: path errors, unknown dependencies, cycles, same-phase conflicts; cross-phase notices).
 *
 * Exit codes: 0 valid (notices are printed but do not fail); 1 violations; 2 usage, I/O, parse or shape error.
 * The facts come from the path probes of the repository holding the working directory (paths.md §3 and paths.md §11):
 * `caseInsensitive` from the case probe on its `.arbiter/` (a failed probe, or no repository, means
 * case-insensitive: a false overlap only serialises work, a missed one lets two agents edit one file), unless
 * `--case-sensitive` or `--case-insensitive` says otherwise; symlink findings of the plan's files from the symlink
 * scan, printed as warnings (plan validation does not take them; injection refuses them, paths.md §6 I5.2).
 */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import * as E from 'fp-ts/lib/Either.js';
import { describeErrors, paths } from '@arbiter/kernel';
// `yaml` (eemeli/yaml): the maintained YAML 1.2 parser with no dependencies, for plan.yml files.
import { parse as parseYaml } from 'yaml';
import { nodePathProbes, probePathFacts, resolveRepo, type PathFacts } from '@arbiter/io-node';
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

/** Where `caseInsensitive` came from: the probe, an explicit flag, or no repository (fail closed: insensitive). */
export type CaseSource = 'probe' | 'override' | 'no-repository';

/**
 * The path facts of a plan (paths.md §11): the repository of the working directory is probed (`probePathFacts`) over
 * the rendered normalized `files` of every task (paths that do not normalize are left to the validator). Outside a
 * repository nothing is probed: the override, else case-insensitive, and no findings. Never rejects.
 */
export const planPathFacts = async (
  tasks: ReadonlyArray<paths.PlanTask>,
  override: boolean | null,
  cwd: string = process.cwd(),
): Promise<{ readonly caseInsensitive: boolean; readonly source: CaseSource; readonly facts: PathFacts | null }> => {
  const repo = resolveRepo(cwd);
  if (repo === null) return { caseInsensitive: override ?? true, source: override === null ? 'no-repository' : 'override', facts: null };
  const requests = [...new Set(tasks.flatMap((t) => (t.files ?? []).flatMap((f) => E.fold(() => [], (n: paths.NormPath) => [paths.renderPath(n)])(paths.normalizePath(f)))))];
  const facts = await probePathFacts(nodePathProbes(), repo.topLevel, requests, override);
  return { caseInsensitive: facts.caseInsensitive, source: facts.case_source, facts };
};

/** One plan file that is a symlink finding, with the task claiming it (every claiming task, in plan order). */
export type PlanEscape = { readonly task: string; readonly path: string } & (
  | { readonly outcome: 'escapes'; readonly via: string }
  | { readonly outcome: 'unresolved'; readonly detail: string }
);

/** The symlink findings of `facts` per claiming task, in plan and file order. */
export const escapesByTask = (tasks: ReadonlyArray<paths.PlanTask>, facts: PathFacts | null): ReadonlyArray<PlanEscape> => {
  if (facts === null) return [];
  const out: PlanEscape[] = [];
  for (const t of tasks) {
    for (const raw of t.files ?? []) {
      const n = paths.normalizePath(raw);
      if (E.isLeft(n)) continue;
      const path = paths.renderPath(n.right);
      const e = facts.symlink_scan.find((x) => x.path === path);
      if (e === undefined || e.outcome === 'inside' || out.some((o) => o.task === t.id && o.path === path)) continue;
      out.push(e.outcome === 'escapes' ? { task: t.id, path, outcome: 'escapes', via: e.via } : { task: t.id, path, outcome: 'unresolved', detail: e.detail });
    }
  }
  return out;
};

/** Register `partitions check`. */
export const register = (program: Command): void => {
  const cmd = program.command('partitions').description('file partitions of a convoy plan (run `arbiter partitions check --help`)');
  cmd
    .command('check')
    .description('validate the file partitions of a plan; exit 0 valid, 1 violations, 2 usage or read error')
    .argument('<plan>', 'plan file (.json, .yml or .yaml) with a `tasks` list (id, files, depends_on, inputs[].from)')
    .option('--case-sensitive', 'compare paths case-sensitively (default: probe the repository file system)')
    .option('--case-insensitive', 'compare paths case-insensitively (default: probe the repository file system)')
    .option('--json', 'print the result as JSON')
    .action(async (file: string, o: { caseSensitive?: boolean; caseInsensitive?: boolean; json?: boolean }) => {
      if (o.caseSensitive === true && o.caseInsensitive === true) return die('--case-sensitive and --case-insensitive exclude each other', 2);
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
      const override = o.caseSensitive === true ? false : o.caseInsensitive === true ? true : null;
      const pf = await planPathFacts(plan.right.tasks, override);
      const r = paths.validateFilePartitions(plan.right.tasks, pf.caseInsensitive);
      const escapes = escapesByTask(plan.right.tasks, pf.facts);
      if (o.json === true) {
        const facts = { caseInsensitive: pf.caseInsensitive, case_source: pf.source, symlinkFindings: escapes };
        process.stdout.write(JSON.stringify(E.isRight(r) ? { valid: true, ...r.right, ...facts } : { valid: false, errors: r.left.errors.map((e) => ({ ...e, message: paths.planErrorMessage(e) })), ...facts }, null, 2) + '\n');
      } else if (E.isRight(r)) {
        for (const ph of r.right.phases) process.stdout.write(`Phase ${ph.phase}: ${ph.taskIds.join(', ')}\n`);
        for (const n of r.right.notices) process.stdout.write(`notice: ${paths.noticeMessage(n)}\n`);
        process.stdout.write(`${file}: partitions OK (${r.right.phases.length} phase(s), ${r.right.notices.length} notice(s))\n`);
      } else {
        for (const e of r.left.errors) process.stdout.write(`${e.reason}: ${paths.planErrorMessage(e)}\n`);
        process.stderr.write(`${file}: ${r.left.errors.length} violation(s)\n`);
      }
      if (o.json !== true) {
        for (const x of escapes) process.stderr.write(`warning: task ${x.task} claims ${x.path}, which leads outside the repository (${x.outcome === 'escapes' ? `symlink at ${x.via}` : `unresolved: ${x.detail}`})\n`);
      }
      recordDecision({
        startDir: process.cwd(),
        env: process.env,
        policy: paths.POLICY,
        policyVersion: paths.POLICY_VERSION,
        mode: 'cli',
        facts: { plan: file, tasks: plan.right.tasks.length, caseInsensitive: pf.caseInsensitive, case_source: pf.source, symlink_findings: escapes.length, errors: E.isLeft(r) ? r.left.errors.length : 0 },
        verdict: E.isRight(r) ? 'Valid' : 'Refused',
        reasons: E.isRight(r) ? ['plan-valid'] : [...new Set(r.left.errors.map((e) => e.reason))],
      });
      process.exitCode = E.isRight(r) ? 0 : 1;
    });
};
