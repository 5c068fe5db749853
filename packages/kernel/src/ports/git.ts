/**
 * `Git` port (push-gate.md §8.4 probes `repo`, `refs`, `compat`; push-gate.md §6.9 the refs probe of destination resolution).
 * Types only. The io-node adapter runs `git` via `execFile` with an explicit timeout per call
 * (`LOCAL_PROBE_TIMEOUT_MS` local, `NET_TIMEOUT_MS` network).
 *
 * Contract (one suite in `test/contract/git.contract.ts` runs it against io-memory and io-node): answers describe
 * the repository graph only (branches, tags, HEAD, ancestry, config), never the adapter; an argument that could be
 * read as an option is never passed to git (it answers as absent, or `GitBadOutput` where a network call was asked).
 */
import type { TaskEither } from 'fp-ts/lib/TaskEither.js';
import type { RefsFacts } from '../push-gate/destinations.js';

/** Tagged git failures: the process could not start, ran out of time, or exited with an unexpected code. */
export type GitError =
  | { readonly _tag: 'GitSpawnFailed'; readonly detail: string }
  | { readonly _tag: 'GitTimeout'; readonly timeout_ms: number }
  | { readonly _tag: 'GitFailed'; readonly code: number | null; readonly stderr: string }
  | { readonly _tag: 'GitBadOutput'; readonly detail: string };

/** `git rev-parse --show-toplevel --git-common-dir --is-shallow-repository` result, paths absolute. */
export interface RepoPaths {
  readonly top: string;
  readonly common_dir: string;
  readonly shallow: boolean;
}

/**
 * Why the refs probe gave no facts: `not-a-git-repository` when `rev-parse --git-dir` exits non-zero, `git-failed`
 * when a git run could not finish (spawn failure, timeout, oversized output) or listing refs failed. These strings
 * are user-facing: `arbiter classify push` prints them as its `error`.
 */
export type RefsProbeError = 'not-a-git-repository' | 'git-failed';

/** The git port. `cwd` is an absolute directory. */
export interface Git {
  /** Worktree top-level, common dir (absolute) and shallowness. `GitFailed` outside a repository. */
  readonly repoPaths: (cwd: string) => TaskEither<GitError, RepoPaths>;
  /** Current branch short name; `null` for a detached HEAD. */
  readonly currentBranch: (cwd: string) => TaskEither<GitError, string | null>;
  /** Object id of a revision (`rev-parse --verify --quiet <rev>^{commit}` style); `null` when it does not resolve. */
  readonly revParse: (cwd: string, rev: string) => TaskEither<GitError, string | null>;
  /** A `git config --get` value; `null` when unset. */
  readonly configGet: (cwd: string, key: string) => TaskEither<GitError, string | null>;
  /** Full ref names under `prefix` (`for-each-ref --format=%(refname)`). */
  readonly listRefs: (cwd: string, prefix: string) => TaskEither<GitError, ReadonlyArray<string>>;
  /** Remote tip of one ref (`ls-remote <remote> <ref>`), `null` when the remote lacks it. Network: timeout applies. */
  readonly lsRemote: (cwd: string, remote: string, ref: string, timeoutMs: number) => TaskEither<GitError, string | null>;
  /** Fetch one ref from a remote (`fetch --no-tags <remote> <ref>`), with a timeout. */
  readonly fetchRef: (cwd: string, remote: string, ref: string, timeoutMs: number) => TaskEither<GitError, void>;
  /** `merge-base --is-ancestor a b`: exit 0 → true, exit 1 → false, anything else → `GitFailed`. */
  readonly isAncestor: (cwd: string, ancestor: string, descendant: string) => TaskEither<GitError, boolean>;
  /** True when the object exists locally (`cat-file -e <oid>^{commit}`). */
  readonly hasObject: (cwd: string, oid: string) => TaskEither<GitError, boolean>;
  /**
   * The refs probe (push-gate.md §6.9): current branch (`null` when detached), HEAD's id (`null` when unborn),
   * every local branch and tag with its id (`refs/heads/*`, `refs/tags/*`; a tag maps to the tag object's id), and
   * for each of `expressions` the id it names (`rev-parse --verify --quiet --end-of-options <e>`), `null` when it
   * does not resolve or starts with `-` (never passed to git). `globalArgs` are git global options placed before
   * each command (`--git-dir=…`, `--work-tree=…` directory hints). Local timeout per git run.
   */
  readonly refsFacts: (cwd: string, expressions: ReadonlyArray<string>, globalArgs?: ReadonlyArray<string>) => TaskEither<RefsProbeError, RefsFacts>;
}
