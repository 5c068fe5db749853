/**
 * Git adapter (port `Git`, push-gate.md §8.4): every call is `execFile('git', [...args])` with an argument array
 * (never a shell), an explicit timeout, `GIT_TERMINAL_PROMPT=0` so no call can wait for a password, and tagged
 * errors. Exit codes that carry meaning (`merge-base --is-ancestor` 0/1, `rev-parse --verify --quiet` 1) are
 * answers, not errors.
 */
import { childProcess } from './lazy-builtins.js';
import { isAbsolute, resolve } from 'node:path';
import type { Git, GitError, pushClassifier, RefsProbeError, RepoPaths } from '@arbiter/kernel';
import type { Either } from 'fp-ts/lib/Either.js';
import type { TaskEither } from 'fp-ts/lib/TaskEither.js';

/** Default bound on a local git command, ms (push-gate.md §2 `LOCAL_PROBE_TIMEOUT_MS`). */
export const LOCAL_GIT_TIMEOUT_MS = 1_000;

/** Default bound on one git run's output, bytes. */
export const GIT_MAX_BUFFER = 4 * 1024 * 1024;

/** Bound on one refs-probe run's output, bytes: `for-each-ref` over every branch and tag can be large. */
export const REFS_MAX_BUFFER = 16 * 1024 * 1024;

/** Result of one git run: exit code and outputs, or a tagged error when it could not finish. */
export interface GitRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A ref or revision argument that cannot be read as an option or contain a control character. */
export const safeRevArg = (s: string): boolean => s.length > 0 && s.length <= 1024 && !s.startsWith('-') && !/[\u0000-\u001f\u007f\s]/.test(s);

/**
 * Run git with `args` in `cwd` within `timeoutMs`, its output bounded by `maxBuffer` bytes. @returns Right with the
 * exit code and outputs for any exit code; Left `GitTimeout` when killed (by the timeout, or for output over
 * `maxBuffer`), `GitSpawnFailed` when git could not start. Never rejects.
 */
export const runGit = (
  cwd: string,
  args: ReadonlyArray<string>,
  timeoutMs: number,
  env: NodeJS.ProcessEnv = process.env,
  maxBuffer: number = GIT_MAX_BUFFER,
): TaskEither<GitError, GitRun> => () =>
  new Promise((res) => {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    childProcess().execFile(
      'git',
      [...args],
      { cwd, timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer, encoding: 'utf8', env: { ...env, GIT_TERMINAL_PROMPT: '0', GIT_OPTIONAL_LOCKS: '0', LC_ALL: 'C' }, windowsHide: true },
      (err, stdout, stderr) => {
        if (err === null) return res({ _tag: 'Right', right: { code: 0, stdout, stderr } });
        const e = err as NodeJS.ErrnoException & { killed?: boolean; code?: number | string; signal?: string };
        if (e.killed === true || e.signal === 'SIGKILL') return res({ _tag: 'Left', left: { _tag: 'GitTimeout', timeout_ms: timeoutMs } });
        if (typeof e.code === 'number') return res({ _tag: 'Right', right: { code: e.code, stdout, stderr } });
        return res({ _tag: 'Left', left: { _tag: 'GitSpawnFailed', detail: String(e.code ?? e.message).slice(0, 200) } });
      },
    );
    spawnMs += performance.now() - t0; // fork and exec run synchronously, on this thread
    const c = process.cpuUsage(c0);
    spawnCpuMs += (c.user + c.system) / 1000;
  });

let spawnMs = 0;
let spawnCpuMs = 0;

/**
 * Milliseconds this process has spent so far inside `execFile` starting git children: fork and exec run synchronously
 * on the main thread, so this is git's share of the thread's busy time (the gate's timing facts subtract it to report
 * the decision's own time, push-gate.md §8.4). Grows only; read it before and after a section.
 */
export const gitSpawnMs = (): number => spawnMs;

/**
 * The CPU time (user + system, ms) this process has spent inside those `execFile` calls: the same share as
 * {@link gitSpawnMs} without the waits for a CPU on a busy machine. Grows only.
 */
export const gitSpawnCpuMs = (): number => spawnCpuMs;

const failed = (r: GitRun): GitError => ({ _tag: 'GitFailed', code: r.code, stderr: r.stderr.slice(0, 500) });
const map = <A>(t: TaskEither<GitError, GitRun>, f: (r: GitRun) => { _tag: 'Left'; left: GitError } | { _tag: 'Right'; right: A }): TaskEither<GitError, A> => async () => {
  const r = await t();
  return r._tag === 'Left' ? r : f(r.right);
};
const right = <A>(a: A) => ({ _tag: 'Right' as const, right: a });
const left = (e: GitError) => ({ _tag: 'Left' as const, left: e });
const bad = (detail: string) => left({ _tag: 'GitBadOutput', detail });

/** Exit code of a finished run; `null` when the run could not finish (spawn failure, timeout, oversized output). */
const exitOf = (r: Either<GitError, GitRun>): number | null => (r._tag === 'Right' ? r.right.code : null);
/** Trimmed stdout of a run that exited 0, else null; an empty answer is null too. */
const okLine = (r: Either<GitError, GitRun>): string | null => (r._tag === 'Right' && r.right.code === 0 && r.right.stdout.trim() !== '' ? r.right.stdout.trim() : null);

const refsError = (e: RefsProbeError) => ({ _tag: 'Left' as const, left: e });

/**
 * The refs probe over `run` (push-gate.md §6.9; the `Git.refsFacts` contract): `rev-parse --git-dir` (non-zero exit →
 * `not-a-git-repository`, unfinished → `git-failed`), `symbolic-ref --quiet --short HEAD` (exit 1 = detached),
 * `rev-parse --verify --quiet HEAD`, `for-each-ref --format=%(objectname) %(refname) refs/heads refs/tags` and one
 * `rev-parse --verify --quiet --end-of-options <e>` per expression. The commands only read and none depends on
 * another's output, so they all run at once (at most {@link REFS_PARALLEL} expressions in flight): one git start-up
 * on the gate's path before the claim instead of three plus one per expression (issue 12, a deploy push under load).
 * The answer is the one the commands give run one after another (test/refs-probe.differential.test.ts).
 */
const readRefsFacts = async (
  run: (args: ReadonlyArray<string>) => Promise<Either<GitError, GitRun>>,
  expressions: ReadonlyArray<string>,
): Promise<Either<RefsProbeError, pushClassifier.RefsFacts>> => {
  const asked = expressions.filter((e) => !e.startsWith('-'));
  const verify = async (): Promise<Array<string | null>> => {
    const out: Array<string | null> = [];
    for (let i = 0; i < asked.length; i += REFS_PARALLEL) {
      const batch = asked.slice(i, i + REFS_PARALLEL);
      out.push(...(await Promise.all(batch.map(async (e) => okLine(await run(['rev-parse', '--verify', '--quiet', '--end-of-options', e]))))));
    }
    return out;
  };
  const [insideRun, sym, head, list, verified] = await Promise.all([
    run(['rev-parse', '--git-dir']),
    run(['symbolic-ref', '--quiet', '--short', 'HEAD']),
    run(['rev-parse', '--verify', '--quiet', 'HEAD']),
    run(['for-each-ref', '--format=%(objectname) %(refname)', 'refs/heads', 'refs/tags']),
    verify(),
  ]);
  const inside = exitOf(insideRun);
  if (inside !== 0) return refsError(inside === null ? 'git-failed' : 'not-a-git-repository');
  if (exitOf(list) !== 0 || (exitOf(sym) !== 0 && exitOf(sym) !== 1)) return refsError('git-failed');
  const branches: Record<string, string> = {};
  const tags: Record<string, string> = {};
  for (const line of list._tag === 'Right' ? list.right.stdout.split('\n') : []) {
    const sp = line.indexOf(' ');
    if (sp < 0) continue;
    const oid = line.slice(0, sp);
    const ref = line.slice(sp + 1);
    if (ref.startsWith('refs/heads/')) branches[ref.slice(11)] = oid;
    else if (ref.startsWith('refs/tags/')) tags[ref.slice(10)] = oid;
  }
  const objects: Record<string, string | null> = {};
  for (const e of expressions) objects[e] = e.startsWith('-') ? null : (verified[asked.indexOf(e)] ?? null);
  return { _tag: 'Right', right: { head_branch: okLine(sym), head_oid: okLine(head), branches, tags, objects } };
};

/** Expressions the refs probe verifies at once (each is one `git rev-parse`). */
export const REFS_PARALLEL = 8;

/** Options: local timeout (ms) and the environment passed to git. */
export interface NodeGitOptions {
  readonly localTimeoutMs?: number;
  readonly env?: NodeJS.ProcessEnv;
}

/** The `Git` port over the real `git` binary. */
export const nodeGit = (o: NodeGitOptions = {}): Git => {
  const lt = o.localTimeoutMs ?? LOCAL_GIT_TIMEOUT_MS;
  const env = o.env ?? process.env;
  const git = (cwd: string, args: ReadonlyArray<string>, t = lt) => runGit(cwd, args, t, env);
  return {
    repoPaths: (cwd) =>
      map(git(cwd, ['rev-parse', '--show-toplevel', '--git-common-dir', '--is-shallow-repository']), (r) => {
        if (r.code !== 0) return left(failed(r));
        const [top, common, shallow] = r.stdout.split('\n');
        if (top === undefined || common === undefined || top === '' || common === '') return bad('rev-parse output');
        const paths: RepoPaths = { top, common_dir: isAbsolute(common) ? common : resolve(cwd, common), shallow: shallow === 'true' };
        return right(paths);
      }),
    currentBranch: (cwd) =>
      map(git(cwd, ['symbolic-ref', '--quiet', '--short', 'HEAD']), (r) => (r.code === 0 ? right(r.stdout.trim() || null) : r.code === 1 ? right(null) : left(failed(r)))),
    revParse: (cwd, rev) =>
      safeRevArg(rev)
        ? map(git(cwd, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`]), (r) =>
            r.code === 0 ? right(r.stdout.trim().toLowerCase() || null) : r.code === 1 || r.code === 128 ? right(null) : left(failed(r)),
          )
        : async () => right(null),
    configGet: (cwd, key) =>
      /^[A-Za-z0-9][A-Za-z0-9_.\-/]*$/.test(key)
        ? map(git(cwd, ['config', '--get', key]), (r) => (r.code === 0 ? right(r.stdout.trim()) : r.code === 1 ? right(null) : left(failed(r))))
        : async () => right(null),
    listRefs: (cwd, prefix) =>
      safeRevArg(prefix)
        ? map(git(cwd, ['for-each-ref', '--format=%(refname)', prefix]), (r) => (r.code === 0 ? right(r.stdout.split('\n').filter((x) => x !== '')) : left(failed(r))))
        : async () => right([]),
    lsRemote: (cwd, remote, ref, timeoutMs) =>
      safeRevArg(remote) && safeRevArg(ref)
        ? map(git(cwd, ['ls-remote', '--refs', '--', remote, ref], timeoutMs), (r) => {
            if (r.code !== 0) return left(failed(r));
            for (const line of r.stdout.split('\n')) {
              const [oid, name] = line.split('\t');
              if (name === ref && oid !== undefined && /^[0-9a-f]{40}([0-9a-f]{24})?$/.test(oid)) return right(oid);
            }
            return right(null);
          })
        : async () => bad('unsafe argument'),
    fetchRef: (cwd, remote, ref, timeoutMs) =>
      safeRevArg(remote) && safeRevArg(ref)
        ? map(git(cwd, ['fetch', '--quiet', '--no-tags', '--no-write-fetch-head', '--', remote, ref], timeoutMs), (r) => (r.code === 0 ? right(undefined) : left(failed(r))))
        : async () => bad('unsafe argument'),
    isAncestor: (cwd, a, b) =>
      safeRevArg(a) && safeRevArg(b)
        ? map(git(cwd, ['merge-base', '--is-ancestor', a, b]), (r) => (r.code === 0 ? right(true) : r.code === 1 ? right(false) : left(failed(r))))
        : async () => bad('unsafe argument'),
    hasObject: (cwd, oid) =>
      /^[0-9a-fA-F]{40}([0-9a-fA-F]{24})?$/.test(oid)
        ? map(git(cwd, ['cat-file', '-e', `${oid}^{commit}`]), (r) => right(r.code === 0))
        : async () => right(false),
    refsFacts: (cwd, expressions, globalArgs = []) => () => readRefsFacts((args) => runGit(cwd, [...globalArgs, ...args], lt, env, REFS_MAX_BUFFER)(), expressions),
  };
};
