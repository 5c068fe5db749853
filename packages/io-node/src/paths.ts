/**
 * Where Arbiter keeps things (architecture.md conventions §1–3; session-lock.md §4.1–4.2).
 *
 * - per-user state: `$ARBITER_STATE_DIR`, else `$XDG_STATE_HOME/arbiter`, else `<home>/.local/state/arbiter`
 *   (relative values ignored);
 * - per-repository runtime state: `<git common dir>/arbiter/`, or `$ARBITER_STATE_DIR/repos/<repo key>/` when
 *   `ARBITER_STATE_DIR` is set, so one variable isolates everything;
 * - configuration: `<worktree top-level>/.arbiter/config.json` only.
 *
 * The repository is found without spawning git (walk up to the nearest `.git` entry, read `gitdir:` / `commondir`
 * files), which gives git's answer for clones, linked worktrees and submodules and keeps hooks fast.
 */
import { md5 } from '@noble/hashes/legacy.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { os } from './lazy-builtins.js';
import { realpathSync, statSync } from 'node:fs';
import { throwingState } from './state-io.js';
import { dirname, isAbsolute, join, resolve } from 'node:path';

/** The environment variables Arbiter reads (a subset of `process.env`). */
export type Env = Readonly<Record<string, string | undefined>>;

const absolute = (v: string | undefined): string | undefined =>
  v !== undefined && v !== '' && isAbsolute(v) ? v : undefined;

/**
 * Per-user state directory (session-lock.md §4.2 SD1–SD4). Pure apart from `home` (defaults to `os.homedir()`, asked
 * only when SD1 and SD2 do not apply).
 * @returns an absolute path; the directory may not exist yet (writers create it with mode 0700).
 */
export const resolveStateDir = (env: Env = process.env, home?: string): string =>
  absolute(env['ARBITER_STATE_DIR']) ??
  (absolute(env['XDG_STATE_HOME']) !== undefined ? join(env['XDG_STATE_HOME'] as string, 'arbiter') : join(home ?? os().homedir(), '.local', 'state', 'arbiter'));

/**
 * Nearest ancestor of `startDir` (itself included) that contains an entry named `.git` (directory or file):
 * git's worktree top-level for clones, linked worktrees and submodules (session-lock.md §4.1 W2).
 * The walk starts from the realpath of `startDir`, as git's does.
 * @returns the top-level directory (a real path when `startDir` exists), or `null` when none exists up to the root.
 */
export const findTopLevel = (startDir: string): string | null => {
  let dir: string;
  try {
    // git walks the physical path: a symlink into a repo is in it. The JS realpath (an lstat walk) is used here: the
    // first call of the native one costs ~3 ms of start-up, and the walk only needs symlinks resolved.
    dir = realpathSync(resolve(startDir));
  } catch {
    dir = resolve(startDir);
  }
  for (;;) {
    try {
      statSync(join(dir, '.git'));
      return dir;
    } catch {
      // keep walking
    }
    const up = dirname(dir);
    if (up === dir) return null;
    dir = up;
  }
};

/**
 * The git directory of a worktree top-level: `<top>/.git` when it is a directory, else the `gitdir:` target of a
 * `.git` file. @returns an absolute path or `null` when unreadable.
 */
export const gitDir = (topLevel: string): string | null => {
  const dotGit = join(topLevel, '.git');
  try {
    if (statSync(dotGit).isDirectory()) return dotGit;
    const m = /^gitdir:\s*(.+?)\s*$/m.exec(throwingState(dotGit, 64 * 1024)); // a FIFO named .git never blocks
    return m?.[1] === undefined ? null : resolve(topLevel, m[1]);
  } catch {
    return null;
  }
};

/**
 * The short name of the branch checked out in a worktree, read from its git dir's `HEAD` file without spawning git
 * (`ref: refs/heads/<name>`; presence.md §1). @returns the name, or `null` on a detached HEAD, a symbolic ref outside
 * `refs/heads/`, or an unreadable or hostile `HEAD` (read through state-io: bounded, never blocking). Never throws.
 */
export const headBranch = (topLevel: string): string | null => {
  const gd = gitDir(topLevel);
  return gd === null ? null : headBranchIn(gd);
};

/** {@link headBranch} for a worktree whose git dir `gd` is known already (a resolved {@link Repo}'s `gitDir`). Never throws. */
export const headBranchIn = (gd: string): string | null => {
  let text: string;
  try {
    text = throwingState(join(gd, 'HEAD'), 4096);
  } catch {
    return null;
  }
  const m = /^ref: refs\/heads\/(.+?)\s*$/.exec(text.split('\n')[0] ?? '');
  return m?.[1] ?? null;
};

/**
 * The git common directory shared by every worktree of a clone (what `git rev-parse --git-common-dir` prints),
 * realpath'd. A linked worktree's git dir names it in its `commondir` file.
 * @returns an absolute real path, or `null` when the repository cannot be read.
 */
export const gitCommonDir = (topLevel: string): string | null => {
  const gd = gitDir(topLevel);
  return gd === null ? null : commonDirOf(gd);
};

/** {@link gitCommonDir} of a worktree whose git dir `gd` is known already. @returns a real path, or `null`. */
const commonDirOf = (gd: string): string | null => {
  let common = gd;
  try {
    common = resolve(gd, throwingState(join(gd, 'commondir'), 64 * 1024).trim());
  } catch {
    // an ordinary clone or a submodule: the git dir is the common dir
  }
  try {
    return realpathSync(common);
  } catch {
    return null;
  }
};

/**
 * MD5 of a string's UTF-8 bytes, first `n` lowercase hex characters (session-lock.md §4.1 W5; the repository key of
 * architecture.md conventions §3). Computed with `@noble/hashes` (the pure-JavaScript hash library the kernel already
 * uses) rather than `node:crypto`, whose loading costs a hook about 4 ms of start-up; a test checks the two agree.
 */
export const md5Prefix = (s: string, n = 12): string => bytesToHex(md5(utf8ToBytes(s))).slice(0, n);

/** Repository key: first 12 hex of the MD5 of the realpath of the git common dir (architecture.md conventions §3). */
export const repoKey = (commonDir: string): string => md5Prefix(commonDir, 12);

/**
 * Runtime-state directory of a repository (architecture.md conventions §2–3): `$ARBITER_STATE_DIR/repos/<key>` when
 * `ARBITER_STATE_DIR` is set and absolute, else `<common dir>/arbiter`.
 */
export const repoRuntimeDir = (commonDir: string, env: Env = process.env): string => {
  const sd = absolute(env['ARBITER_STATE_DIR']);
  return sd !== undefined ? join(sd, 'repos', repoKey(commonDir)) : join(commonDir, 'arbiter');
};

/** A resolved repository. */
export interface Repo {
  /** Worktree top-level (real path). */
  readonly topLevel: string;
  /** Realpath of the git common dir. */
  readonly commonDir: string;
  /** The worktree's own git dir (`<top>/.git`, or a linked worktree's `gitdir:` target); absent on hand-built values. */
  readonly gitDir?: string;
  /** Repository key (12 hex). */
  readonly key: string;
  /** Runtime-state directory (may not exist yet). */
  readonly runtimeDir: string;
}

/** Resolve the repository containing `startDir`. @returns `null` outside a repository or when it is unreadable. */
export const resolveRepo = (startDir: string, env: Env = process.env): Repo | null => {
  const topLevel = findTopLevel(startDir);
  if (topLevel === null) return null;
  const gd = gitDir(topLevel);
  const commonDir = gd === null ? null : commonDirOf(gd);
  if (gd === null || commonDir === null) return null;
  // `key` is an MD5: computed on first read, since most callers only need the directories
  let key: string | undefined;
  return {
    topLevel,
    commonDir,
    gitDir: gd,
    get key(): string {
      return (key ??= repoKey(commonDir));
    },
    runtimeDir: repoRuntimeDir(commonDir, env),
  };
};

/** A resolved session-lock workspace (session-lock.md §4.1). */
export interface Workspace {
  /** Realpath of the worktree top-level, or of the start directory outside a repository (W2–W4). */
  readonly path: string;
  /** First 12 hex of MD5 of `path` (W5). */
  readonly hash: string;
}

/**
 * Workspace of a start directory (session-lock.md §4.1 W1–W5). Throws only when `realpath` fails (W4: the hook
 * treats that as an internal error and allows).
 */
export const resolveWorkspace = (startDir: string): Workspace => {
  const top = findTopLevel(startDir) ?? startDir;
  const path = realpathSync.native(top);
  return { path, hash: md5Prefix(path, 12) };
};

/**
 * Directory of the decision log for work started in `startDir` (architecture.md conventions §6): the repository's
 * runtime `log/` inside a repository, else `<per-user state dir>/log`.
 */
export const logDirFor = (startDir: string, env: Env = process.env): string => logDirOf(resolveRepo(startDir, env), env);

/** {@link logDirFor} for an already resolved repository (`null`: outside one). */
export const logDirOf = (repo: Repo | null, env: Env = process.env): string =>
  repo !== null ? join(repo.runtimeDir, 'log') : join(resolveStateDir(env), 'log');
