/**
 * Refs probe for destination resolution (push-gate.md §6.9): the current branch, HEAD's id, every local branch and
 * tag, and the ids of the expressions the classification names. Git runs through `execFile` with an argument
 * array and `LOCAL_PROBE_TIMEOUT_MS` per call (§2); nothing is ever passed through a shell.
 *
 * Used by `arbiter classify push`; the push gate's own git adapter (io-node) answers the same probe for the hooks.
 */
import { execFile } from 'node:child_process';
import { pushClassifier } from '@arbiter/kernel';

/** Bound on each local git command, ms (push-gate.md §2 `LOCAL_PROBE_TIMEOUT_MS`). */
export const LOCAL_PROBE_TIMEOUT_MS = 1_000;

/** Result of one git call: exit code (null when killed or not started), stdout. */
interface GitRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly error: string | null;
}

/** Run `git <args>` in `cwd` with a timeout. Never rejects. */
export const runGit = (cwd: string, args: ReadonlyArray<string>, timeoutMs = LOCAL_PROBE_TIMEOUT_MS): Promise<GitRun> =>
  new Promise((resolve) => {
    execFile(
      'git',
      [...args],
      { cwd, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024, encoding: 'utf8', env: { ...process.env, GIT_OPTIONAL_LOCKS: '0' } },
      (err, stdout) => {
        if (err === null) return resolve({ code: 0, stdout, error: null });
        const code = typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : null;
        resolve({ code, stdout: typeof stdout === 'string' ? stdout : '', error: err.message });
      },
    );
  });

/** Why the refs probe failed. */
export type RefsProbeError = 'not-a-git-repository' | 'git-failed';

/**
 * Gather `RefsFacts` for the repository containing `cwd`. `globalArgs` are git global options to prepend
 * (`--git-dir=…`, `--work-tree=…` hints). Expressions starting with `-` are never passed to git (answered null).
 * Returns the facts, or the failure kind.
 */
export const readRefsFacts = async (
  cwd: string,
  expressions: ReadonlyArray<string>,
  globalArgs: ReadonlyArray<string> = [],
): Promise<pushClassifier.RefsFacts | RefsProbeError> => {
  const g = (args: string[]): Promise<GitRun> => runGit(cwd, [...globalArgs, ...args]);
  const inside = await g(['rev-parse', '--git-dir']);
  if (inside.code !== 0) return inside.code === null ? 'git-failed' : 'not-a-git-repository';
  const [sym, head, list] = await Promise.all([
    g(['symbolic-ref', '--quiet', '--short', 'HEAD']),
    g(['rev-parse', '--verify', '--quiet', 'HEAD']),
    g(['for-each-ref', '--format=%(objectname) %(refname)', 'refs/heads', 'refs/tags']),
  ]);
  if (list.code !== 0 || (sym.code !== 0 && sym.code !== 1)) return 'git-failed';
  const branches: Record<string, string> = {};
  const tags: Record<string, string> = {};
  for (const line of list.stdout.split('\n')) {
    const sp = line.indexOf(' ');
    if (sp < 0) continue;
    const oid = line.slice(0, sp);
    const ref = line.slice(sp + 1);
    if (ref.startsWith('refs/heads/')) branches[ref.slice(11)] = oid;
    else if (ref.startsWith('refs/tags/')) tags[ref.slice(10)] = oid;
  }
  const objects: Record<string, string | null> = {};
  for (const e of expressions) {
    if (e.startsWith('-')) {
      objects[e] = null;
      continue;
    }
    const r = await g(['rev-parse', '--verify', '--quiet', '--end-of-options', e]);
    objects[e] = r.code === 0 && r.stdout.trim() !== '' ? r.stdout.trim() : null;
  }
  return {
    head_branch: sym.code === 0 && sym.stdout.trim() !== '' ? sym.stdout.trim() : null,
    head_oid: head.code === 0 && head.stdout.trim() !== '' ? head.stdout.trim() : null,
    branches,
    tags,
    objects,
  };
};
