/**
 * `arbiter build start|phase|done|fail|escalate|status` (build-stop.md §3): the owner-stamped build state that the
 * Stop hook's build guard reads. Die-loud posture: exit 0 on success, 1 on a refused command (active build, no
 * build, finished build, corrupt state, not in a repository, state not writable), 2 on a usage error.
 *
 * State: `build-state.json` in the repository runtime directory (`<git common dir>/arbiter/`, or
 * `$ARBITER_STATE_DIR/repos/<key>/`), written atomically under the file mutex. Owner identity seams:
 * `--owner-session`, `ARBITER_SESSION_ID`, `CLAUDE_CODE_SESSION_ID`, `CODEX_THREAD_ID`; `--owner-tmux`, `ARBITER_NO_TMUX`,
 * `ARBITER_TMUX_SESSION`, `TMUX`/`TMUX_PANE`.
 */
import { join } from 'node:path';
import { Command } from 'commander';
import { buildStop as BS } from '@arbiter/kernel';
import { fsStateFiles, guardRuntimeDir, readRepoConfig, resolveRepo, resolveTmux } from '@arbiter/io-node';
import { recordDecision } from '../decision-record.js';
import { die } from './util.js';

/**
 * Print a kernel CLI result: exit 0 lines on stdout (warnings on stderr), refusals on stderr; then exit. Writing
 * commands (called after the state guard) record the verdict in the decision log; `status` is read-only and writes
 * nothing into the runtime directory.
 */
const emit = (r: BS.CliResult, json?: unknown): never => {
  if (r.reason !== 'cli-status') recordDecision({
    startDir: process.cwd(),
    env: process.env,
    policy: BS.POLICY,
    policyVersion: BS.POLICY_VERSION,
    mode: 'cli',
    facts: {},
    verdict: r.reason,
    reasons: [r.reason],
  });
  if (r.exit === 0) {
    if (json !== undefined) process.stdout.write(JSON.stringify(json) + '\n');
    else {
      for (const l of r.lines) (l === BS.NO_IDENTITY_WARNING ? process.stderr : process.stdout).write(`${l}\n`);
    }
    process.exit(0);
  }
  return die(r.lines.join('\n'), r.exit);
};

const repoOrDie = () => {
  const repo = resolveRepo(process.cwd(), process.env);
  if (repo === null) return die('not inside a git repository: the build state lives in the repository runtime directory', 1);
  return { repo, files: fsStateFiles(repo.runtimeDir), path: join(repo.runtimeDir, BS.STATE_FILE) };
};

/**
 * The state guard of a writing command (build-stop.md §3, state-lock.md §8): a disabled guard has printed the state-lock.md §9 warning on
 * stderr; the command refuses with exit 1. Returns the release function otherwise.
 */
const guardOrDie = async (repo: { runtimeDir: string; topLevel: string }): Promise<() => Promise<void>> => {
  const g = await guardRuntimeDir(repo.runtimeDir, { config: readRepoConfig(repo.topLevel) });
  if (!g.status.enabled) {
    await g.release();
    return die('the build state was not changed: the state directory guard is disabled (see the warning above)', 1);
  }
  return g.release;
};

/** Read-modify-write of the build state under the mutex with a pure kernel function; prints and exits. */
const mutate = async (f: (current: string | null, now: number) => BS.CliResult): Promise<never> => {
  const { repo, files } = repoOrDie();
  const release = await guardOrDie(repo);
  const r = await files.update<BS.CliResult>(BS.STATE_FILE, (cur) => {
    const res = f(cur, Date.now());
    return { next: res.write ?? null, result: res };
  })();
  await release();
  if (r._tag === 'Left') return die(`the build state cannot be written (${r.left._tag}: ${r.left.detail})`, 1);
  return emit(r.right);
};

/** Register the `build` verb and its subcommands. */
export const register = (program: Command): void => {
  const build = program.command('build').description('own a build: the Stop hook keeps the owning session working until it is done (build-stop.md)');

  build
    .command('start')
    .description('start a build owned by this session (tmux session and/or session id)')
    .option('--size <size>', 'small (3 reinforcements) | standard (5) | large (10)')
    .option('--task <text>', 'what the build is for (required)')
    .option('--owner-session <id>', 'owner session id (default: $ARBITER_SESSION_ID, then $CLAUDE_CODE_SESSION_ID, then $CODEX_THREAD_ID)')
    .option('--owner-tmux <name>', 'owner tmux session name (default: the current tmux session)')
    .action(async (o: { size?: string; task?: string; ownerSession?: string; ownerTmux?: string }) => {
      const { repo, files, path } = repoOrDie();
      const release = await guardOrDie(repo);
      const args: BS.StartArgs = { ...(o.size === undefined ? {} : { size: o.size }), ...(o.task === undefined ? {} : { task: o.task }), ...(o.ownerSession === undefined ? {} : { ownerSession: o.ownerSession }), ...(o.ownerTmux === undefined ? {} : { ownerTmux: o.ownerTmux }) };
      const cur = await files.read(BS.STATE_FILE)();
      if (cur._tag === 'Left') return die(`${path} cannot be read (${cur.left.detail})`, 1);
      const first = BS.checkStart(cur.right, args, path);
      if (first._tag === 'Refuse') return emit(first.result);
      // The tmux probe runs only when --owner-tmux is empty (build-stop.md §3 rule 4), outside the mutex.
      const tmux = first.needTmux ? await resolveTmux(process.env) : '';
      const env = { ARBITER_SESSION_ID: process.env['ARBITER_SESSION_ID'], CLAUDE_CODE_SESSION_ID: process.env['CLAUDE_CODE_SESSION_ID'], CODEX_THREAD_ID: process.env['CODEX_THREAD_ID'] };
      const r = await files.update<BS.CliResult>(BS.STATE_FILE, (now) => {
        const again = BS.checkStart(now, args, path);
        const res = again._tag === 'Refuse' ? again.result : BS.startBuild(again, args, tmux, env, Date.now());
        return { next: res.write ?? null, result: res };
      })();
      await release();
      if (r._tag === 'Left') return die(`the build state cannot be written (${r.left._tag}: ${r.left.detail})`, 1);
      return emit(r.right);
    });

  build
    .command('phase')
    .description('move the build to a phase (lowercase, e.g. planning, executing, verifying)')
    .argument('<phase>', 'new phase: ^[a-z][a-z0-9-]{0,31}$, not complete/failed/escalated')
    .action(async (p: string) => mutate((cur, now) => BS.setPhase(cur, p, now)));

  for (const [verb, text] of [
    ['done', 'mark the build complete'],
    ['fail', 'mark the build failed'],
    ['escalate', 'mark the build escalated to a person'],
  ] as const) {
    build
      .command(verb)
      .description(text)
      .action(async () => mutate((cur, now) => BS.finishBuild(cur, verb, now)));
  }

  build
    .command('status')
    .description('show the build state (read-only)')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }) => {
      const { files, path } = repoOrDie();
      const cur = await files.read(BS.STATE_FILE)();
      if (cur._tag === 'Left') return die(`${path} cannot be read (${cur.left.detail})`, 1);
      const s = BS.buildStatus(cur.right);
      return emit(s, o.json === true ? s.json : undefined);
    });
};
