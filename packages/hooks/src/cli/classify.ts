/**
 * `arbiter classify <kind> …`: run a kernel classifier the way the hooks do and print the result as JSON, for
 * auditors and debugging. Each kind is a subcommand registered by one entry of `CLASSIFY_SUBCOMMANDS`
 * (e.g. `classify push`, later `classify claim`, `classify df-source`).
 */
import { resolve as resolvePath } from 'node:path';
import { Command } from 'commander';
import { pushClassifier, pushGate } from '@arbiter/kernel';
import { findTopLevel, nodeGit, readRepoConfig } from '@arbiter/io-node';
import { addDfSource } from './classify-df.js';
import { addClaimSubcommand } from './classify-claim.js';

/** JSON printed by `arbiter classify push`. */
export interface PushReport {
  readonly push: boolean;
  /** Full destination ref names (push-gate.md §6.9), a bare push resolved to the current branch of the working directory. */
  readonly refs: ReadonlyArray<string>;
  readonly remote: string | null;
  readonly flags: {
    readonly force: boolean;
    readonly no_verify: boolean;
    readonly dry_run: boolean;
    readonly broad: ReadonlyArray<pushClassifier.Broad>;
  };
  readonly confidence: 'exact' | 'fallback' | null;
  readonly reason: string | null;
  /** Shared lanes contributed by `--tags`/`--mirror` (D8). */
  readonly lanes: ReadonlyArray<string>;
  readonly deletions: ReadonlyArray<string>;
  readonly skipped: ReadonlyArray<string>;
  readonly directory: string;
  readonly dir_uncertain: boolean;
  /** Set when the refs could not be resolved (outside a repository, git failed). */
  readonly error: string | null;
  readonly classification: pushClassifier.PushClassification;
}

/**
 * Classify `command`, resolve its destinations in the repository of `cwd` (after the first invocation's directory
 * hints, push-gate.md §6.7 H3) and build the report. Never throws; a refs-probe failure is reported in `error`.
 */
export const classifyPushReport = async (command: string, cwd: string): Promise<PushReport> => {
  const c = pushClassifier.classifyPushCommand(command);
  const invs = c._tag === 'Push' ? c.invocations : [];
  const first = invs.find((i) => !i.fallback) ?? invs[0];
  const where = pushClassifier.resolveInvocationDir(cwd, first?.dir_hints ?? []);
  const dir = where.dir;
  const globalArgs: string[] = [];
  if (where.git_dir !== null) globalArgs.push(`--git-dir=${where.git_dir}`);
  if (where.work_tree !== null) globalArgs.push(`--work-tree=${where.work_tree}`);
  const finish = (
    push: boolean,
    rest: Partial<Pick<PushReport, 'refs' | 'lanes' | 'deletions' | 'skipped' | 'error' | 'confidence'>>,
  ): PushReport => ({
    push,
    refs: rest.refs ?? [],
    remote: first?.remote ?? null,
    flags: {
      force: invs.some((i) => i.force || i.targets.some((t) => t.force)),
      no_verify: invs.some((i) => i.no_verify),
      dry_run: c._tag === 'NotPush' && c.reason === 'git-dry-run',
      broad: (['all', 'tags'] as const).filter((b) => invs.some((i) => i.broad.includes(b))),
    },
    confidence: rest.confidence ?? (c._tag === 'Push' ? c.confidence : null),
    reason: c._tag === 'NotPush' ? c.reason : c.fallback,
    lanes: rest.lanes ?? [],
    deletions: rest.deletions ?? [],
    skipped: rest.skipped ?? [],
    directory: dir,
    dir_uncertain: first?.dir_uncertain ?? false,
    error: rest.error ?? null,
    classification: c,
  });
  if (c._tag === 'NotPush') return finish(false, {});
  const probed = await nodeGit().refsFacts(dir, pushClassifier.refsProbeExpressions(c), globalArgs)();
  if (probed._tag === 'Left') return finish(true, { error: probed.left });
  const facts = probed.right;
  // the repository's configured deploy refs (push-gate.md §3.1), the default list when it is not configured
  const top = findTopLevel(dir);
  const deployRefs = pushGate.settingsOf(top === null ? { _tag: 'NotConfigured' } : readRepoConfig(top)).deploy_refs;
  const r = pushClassifier.resolveDestinations(c, facts, deployRefs);
  return finish(true, {
    confidence: r.confidence,
    refs: r.targets.map((t) => t.ref),
    lanes: r.shared_lanes.map((l) => l.lane),
    deletions: r.deletions,
    skipped: r.skipped.map((s) => s.reason),
  });
};

/** `classify push [--cwd DIR] -- '<command>'`. */
const registerPush = (classify: Command): void => {
  classify
    .command('push')
    .description('classify a shell command as a git push (push-gate.md §6) and resolve its destination refs')
    .argument('<command...>', "the command text, e.g. -- 'git push origin main' (several words are joined by spaces)")
    .option('--cwd <dir>', 'working directory the command would run in', process.cwd())
    .action(async (words: string[], opts: { cwd: string }) => {
      const report = await classifyPushReport(words.join(' '), resolvePath(opts.cwd));
      process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      if (report.error !== null) {
        process.stderr.write(`arbiter: cannot resolve the pushed refs: ${report.error}\n`);
        process.exitCode = 1;
      }
    });
};

/** Subcommands of `arbiter classify`, one line each. */
export const CLASSIFY_SUBCOMMANDS: Array<(classify: Command) => void> = [registerPush, addClaimSubcommand, addDfSource];

/** Register the `classify` verb and its subcommands. */
export const register = (program: Command): void => {
  const classify = program
    .command('classify')
    .description('run a kernel classifier on text and print the result as JSON (for auditors and debugging)');
  for (const add of CLASSIFY_SUBCOMMANDS) add(classify);
};
