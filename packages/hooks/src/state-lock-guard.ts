/**
 * The one call per entry point that guards Arbiter's runtime state directory (hooks.md §7 rule 5, state-lock.md §8).
 *
 * Hooks (before any decision that writes state):
 * ```ts
 * const guard = await openRuntimeGuard(cwd, process.env, 'agent:claude');
 * if (guard !== null && !guard.status.enabled) {
 *   // the warning line is already on stderr; print the allow output, skip every writing decision,
 *   // reason `hook.state-guard-disabled`. The context hook adds stateLock.contextWarningBlock(guard.status.reason).
 * }
 * … writing decisions …
 * await guard?.release();
 * ```
 * Writing verbs: `const guard = await requireWritableRuntime(process.cwd(), process.env);` (exits 1 when disabled).
 *
 * `null` means "not inside a git repository": there is no repository runtime directory to guard.
 */
import { join } from 'node:path';
import { stateLock, type LogMode } from '@arbiter/kernel';
import { guardRuntimeDir, readRepoConfig, resolveRepo, type Env, type RuntimeGuard } from '@arbiter/io-node';
import { recordDecision } from './decision-record.js';

/**
 * Resolve the repository of `startDir`, read `state_lock.*` from its configuration and open the guard with holder
 * `host` (`guardRuntimeDir`). A disabled guard has already written its warning line to stderr; nothing is written
 * into the directory then. While enabled, a transition worth auditing (`acquired`, `reclaimed`, `healed`; not the
 * every-call `host-shared`) is appended to the decision log, reclaim and heal with the prior holder (state-lock.md §9).
 * `opts.stderr` redirects the warning line (a hook whose stderr is a contract, like the session lock's, passes a
 * no-op). Never rejects. @returns the guard, or `null` outside a repository.
 */
export const openRuntimeGuard = async (
  startDir: string,
  env: Env,
  mode: LogMode,
  opts: { readonly stderr?: (line: string) => void } = {},
): Promise<RuntimeGuard | null> => {
  const repo = resolveRepo(startDir, env);
  if (repo === null) return null;
  const prior: Array<{ code: string; pid: number | null; hostname: string }> = [];
  const guard = await guardRuntimeDir(repo.runtimeDir, {
    config: readRepoConfig(repo.topLevel),
    ...(opts.stderr === undefined ? {} : { stderr: opts.stderr }),
    onAudit: (e) => prior.push({ code: e.code, pid: e.prior.pid, hostname: stateLock.safeHost(e.prior.hostname) }),
  });
  const st = guard.status;
  if (st.enabled && st.code !== 'host-shared') {
    recordDecision({
      startDir,
      env,
      policy: stateLock.POLICY,
      policyVersion: stateLock.POLICY_VERSION,
      mode,
      facts: { dir: repo.runtimeDir, holder: 'host', dry_run: st.dryRun, ...(prior[0] === undefined ? {} : { prior: prior[0] }) },
      verdict: 'Enabled',
      reasons: [st.code],
      probes: guard.trace,
      logDir: join(repo.runtimeDir, 'log'),
    });
  }
  return guard;
};

/**
 * For CLI verbs that write (die-loud posture, state-lock.md §8 rule 4): open the guard like {@link openRuntimeGuard} with mode
 * `cli`; when it is disabled, exit 1 (the warning line is already on stderr). @returns the enabled guard, or `null`
 * outside a repository.
 */
export const requireWritableRuntime = async (startDir: string, env: Env): Promise<RuntimeGuard | null> => {
  const guard = await openRuntimeGuard(startDir, env, 'cli');
  if (guard !== null && !guard.status.enabled) process.exit(1);
  return guard;
};
