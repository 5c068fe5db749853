/**
 * `arbiter lock status [--json] [--dir D]`: the state-directory guard of this repository (state-lock.md §8 rule 3).
 *
 * Evaluates the guard exactly as every hook does (`guardRuntimeDir`: holder `host`, `state_lock.*` from the
 * repository configuration), so the answer is what the next hook will see; like a hook it creates the lock when
 * none exists and touches it when it is ours. Prints the status; exits 0 when enabled, 1 when disabled (the
 * reason is printed), 2 on a usage error (outside a repository without `--dir`). The verdict goes to the decision
 * log only when the guard is enabled: a disabled guard never writes into the guarded directory (state-lock.md §8).
 */
import { join } from 'node:path';
import { Command } from 'commander';
import { stateLock } from '@arbiter/kernel';
import { guardRuntimeDir, readRepoConfig, resolveRepo } from '@arbiter/io-node';
import { recordDecision } from '../decision-record.js';
import { die } from './util.js';

/** Register the `lock` verb. */
export const register = (program: Command): void => {
  const lock = program.command('lock').description('the state-directory lock that guards Arbiter runtime state');
  lock
    .command('status')
    .description('print whether Arbiter may write its runtime state here; exit 0 when enabled, 1 when disabled')
    .option('--json', 'print {dir, lockPath, enabled, dryRun, code, reason?} as JSON')
    .option('--dir <dir>', 'guard this directory instead of the repository runtime directory')
    .action(async (o: { json?: boolean; dir?: string }) => {
      const repo = resolveRepo(process.cwd(), process.env);
      const dir = o.dir ?? repo?.runtimeDir;
      if (dir === undefined) return die('not inside a git repository (use --dir to check another directory)', 2);
      const audits: string[] = [];
      const guard = await guardRuntimeDir(dir, {
        ...(repo === null ? {} : { config: readRepoConfig(repo.topLevel) }),
        stderr: () => undefined, // printed below, once
        onAudit: (e) => audits.push(`${e.code} (prior pid ${e.prior.pid ?? '?'} on ${stateLock.safeHost(e.prior.hostname)})`),
      });
      const st = guard.status;
      const lockPath = join(dir, stateLock.LOCK_FILE);
      if (st.enabled && repo !== null) {
        recordDecision({
          startDir: process.cwd(),
          env: process.env,
          policy: stateLock.POLICY,
          policyVersion: stateLock.POLICY_VERSION,
          mode: 'cli',
          facts: { dir, holder: 'host', dry_run: st.dryRun, audits },
          verdict: 'Enabled',
          reasons: [st.code],
          probes: guard.trace,
        });
      }
      if (o.json === true) {
        process.stdout.write(JSON.stringify({ dir, lockPath, ...st }) + '\n');
      } else {
        process.stdout.write(
          [
            `state lock: ${st.enabled ? 'enabled' : 'disabled'} (${st.code})`,
            `directory:  ${dir}`,
            `lock file:  ${lockPath}`,
            `dry run:    ${st.dryRun ? 'on' : 'off'}`,
            ...audits.map((a) => `taken over: ${a}`),
            ...(st.enabled ? [] : ['', st.reason]),
          ].join('\n') + '\n',
        );
      }
      await guard.release();
      process.exitCode = st.enabled ? 0 : 1;
    });
};
