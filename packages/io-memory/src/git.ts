/**
 * Scripted in-memory git (the `Git` port) for tests and simulations: repositories as commit graphs with refs, HEAD
 * and configuration, found by directory, so no `git` process runs. It honours the contract suite
 * `test/contract/git.contract.ts` that the io-node adapter honours against real repositories.
 *
 * What it models (and what it does not): commits are object ids with parent lists (no trees, no blobs; every object
 * is a commit, and a tag is lightweight: `refs/tags/<t>` names a commit). Revisions are a full object id, `HEAD`, a
 * full ref name or a short one (looked up the way git does: `refs/<n>`, `refs/tags/<n>`, `refs/heads/<n>`,
 * `refs/remotes/<n>`), each followed by any number of `~<n>` and `^<n>` steps. Abbreviated ids and the other
 * revision syntaxes (`@{…}`, `:/text`, ranges) do not resolve. A remote is named by the directory of another
 * scripted repository, or by a `remote.<name>.url` configuration value naming one; network time does not pass, so
 * the timeouts are accepted and never reached.
 */
import type { Git, GitError, pushClassifier, RefsProbeError, RepoPaths } from '@arbiter/kernel';
import type { Either } from 'fp-ts/lib/Either.js';

/** One scripted repository. Object ids are 40 (or 64) lowercase hex digits. */
export interface MemoryRepo {
  /** Worktree top-level directory (absolute); any directory under it is inside the repository. */
  readonly top: string;
  /** The git directory, `<top>/.git` by default (what `--git-dir=` names). */
  readonly gitDir?: string;
  /** The common directory, the git directory by default. */
  readonly commonDir?: string;
  readonly shallow?: boolean;
  /** Every commit: object id → parent ids (first parent first). */
  readonly commits: Readonly<Record<string, ReadonlyArray<string>>>;
  /** Full ref name → object id (`refs/heads/main`, `refs/tags/v1`, `refs/remotes/origin/main`, …). */
  readonly refs: Readonly<Record<string, string>>;
  /** HEAD: on a branch (which may be unborn: absent from `refs`), or detached at an object id. */
  readonly head: { readonly branch: string } | { readonly detached: string };
  /** `git config` values by key (`remote.origin.url`, `branch.main.remote`, …). */
  readonly config?: Readonly<Record<string, string>>;
}

/** One port call, recorded in order (method name and working directory). */
export interface MemoryGitCall {
  readonly method: keyof Git;
  readonly cwd: string;
}

/** The scripted git with its controls. */
export interface MemoryGit extends Git {
  /** Every port call so far, in order. */
  readonly calls: () => ReadonlyArray<MemoryGitCall>;
  /** The next call of `method` answers this error instead (a refs-probe call answers `git-failed`). */
  readonly failNext: (method: keyof Git, error: GitError) => void;
  /** The current commits of the repository whose top-level is `top` (fetches add to them). */
  readonly commitsOf: (top: string) => ReadonlyArray<string> | undefined;
}

interface RepoState {
  readonly spec: MemoryRepo;
  readonly gitDir: string;
  readonly commits: Map<string, ReadonlyArray<string>>;
}

const OID = /^[0-9a-f]{40}([0-9a-f]{24})?$/;
const ANY_HEX_OID = /^[0-9a-fA-F]{40}([0-9a-fA-F]{24})?$/;
const CONFIG_KEY = /^[A-Za-z0-9][A-Za-z0-9_.\-/]*$/;

/** The same argument screen as the io-node adapter: nothing that could be read as an option or holds a control character. */
const safeArg = (s: string): boolean => s.length > 0 && s.length <= 1024 && !s.startsWith('-') && !/[\u0000-\u001f\u007f\s]/.test(s);

const right = <A>(a: A): Either<never, A> => ({ _tag: 'Right', right: a });
const left = <E>(e: E): Either<E, never> => ({ _tag: 'Left', left: e });
const notARepo: GitError = { _tag: 'GitFailed', code: 128, stderr: 'fatal: not a git repository (or any of the parent directories): .git' };

const trimSlash = (p: string): string => (p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p);
const inside = (dir: string, root: string): boolean => dir === root || dir.startsWith(root === '/' ? '/' : `${root}/`);

/**
 * Create a scripted git over `repos` (copied: the caller's objects are never changed). A directory belongs to the
 * repository with the longest top-level that contains it.
 */
export const memoryGit = (repos: ReadonlyArray<MemoryRepo>): MemoryGit => {
  const states: RepoState[] = repos.map((r) => ({
    spec: { ...r, top: trimSlash(r.top) },
    gitDir: trimSlash(r.gitDir ?? `${trimSlash(r.top)}/.git`),
    commits: new Map(Object.entries(r.commits)),
  }));
  const log: MemoryGitCall[] = [];
  const failures = new Map<keyof Git, GitError>();

  const repoAt = (dir: string): RepoState | undefined => {
    const d = trimSlash(dir);
    return states.filter((s) => inside(d, s.spec.top) || inside(d, s.gitDir)).sort((a, b) => b.spec.top.length - a.spec.top.length)[0];
  };
  const refOf = (s: RepoState, name: string): string | undefined => s.spec.refs[name];
  const headOid = (s: RepoState): string | null => ('detached' in s.spec.head ? s.spec.head.detached : (refOf(s, `refs/heads/${s.spec.head.branch}`) ?? null));

  /** The object a base name (no `~`/`^` steps) names; `checkExists` false accepts any full id, as `rev-parse --verify` does. */
  const baseOid = (s: RepoState, name: string, checkExists: boolean): string | null => {
    if (name === 'HEAD') return headOid(s);
    if (OID.test(name)) return !checkExists || s.commits.has(name) ? name : null;
    for (const full of name.startsWith('refs/') ? [name] : [`refs/${name}`, `refs/tags/${name}`, `refs/heads/${name}`, `refs/remotes/${name}`]) {
      const oid = refOf(s, full);
      if (oid !== undefined) return oid;
    }
    return null;
  };

  /** Resolve a revision with `~n`/`^n` steps; `null` when any step fails. */
  const resolve = (s: RepoState, rev: string, checkExists: boolean): string | null => {
    const m = /^(.*?)((?:[~^]\d*)*)$/.exec(rev);
    if (m === null || m[1] === undefined || m[1] === '') return null;
    let oid = baseOid(s, m[1], checkExists && (m[2] ?? '') === '');
    for (const step of (m[2] ?? '').match(/[~^]\d*/g) ?? []) {
      if (oid === null) return null;
      const n = step.length > 1 ? Number(step.slice(1)) : 1;
      if (step[0] === '~') {
        for (let i = 0; i < n && oid !== null; i++) oid = s.commits.get(oid)?.[0] ?? null;
      } else if (n > 0) {
        oid = s.commits.get(oid)?.[n - 1] ?? null;
      } else if (!s.commits.has(oid)) oid = null;
    }
    return oid;
  };

  /** Commits reachable from `oid` (itself included). */
  const reachable = (commits: ReadonlyMap<string, ReadonlyArray<string>>, oid: string): Set<string> => {
    const seen = new Set<string>();
    const stack = [oid];
    for (let cur = stack.pop(); cur !== undefined; cur = stack.pop()) {
      if (seen.has(cur) || !commits.has(cur)) continue;
      seen.add(cur);
      stack.push(...(commits.get(cur) ?? []));
    }
    return seen;
  };

  const remoteRepo = (s: RepoState, remote: string): RepoState | undefined => {
    const url = s.spec.config?.[`remote.${remote}.url`];
    return remote.startsWith('/') ? repoAt(remote) : url !== undefined ? repoAt(url) : undefined;
  };

  /** Record the call, then answer an injected failure or run `f` against the repository of `cwd`. */
  const call =
    <A>(method: keyof Git, cwd: string, f: (s: RepoState) => Either<GitError, A>) =>
    async (): Promise<Either<GitError, A>> => {
      log.push({ method, cwd });
      const injected = failures.get(method);
      if (injected !== undefined) {
        failures.delete(method);
        return left(injected);
      }
      const s = repoAt(cwd);
      return s === undefined ? left(notARepo) : f(s);
    };

  const git: MemoryGit = {
    repoPaths: (cwd) =>
      call('repoPaths', cwd, (s) => right<RepoPaths>({ top: s.spec.top, common_dir: trimSlash(s.spec.commonDir ?? s.gitDir), shallow: s.spec.shallow === true })),
    currentBranch: (cwd) => call('currentBranch', cwd, (s) => right('branch' in s.spec.head ? s.spec.head.branch : null)),
    revParse: (cwd, rev) => call('revParse', cwd, (s) => right(safeArg(rev) ? resolve(s, rev, true) : null)),
    configGet: (cwd, key) => call('configGet', cwd, (s) => right(CONFIG_KEY.test(key) ? (s.spec.config?.[key] ?? null) : null)),
    listRefs: (cwd, prefix) =>
      call('listRefs', cwd, (s) => {
        if (!safeArg(prefix)) return right([]);
        const p = trimSlash(prefix);
        return right(Object.keys(s.spec.refs).filter((r) => r === p || r.startsWith(`${p}/`)).sort());
      }),
    lsRemote: (cwd, remote, ref) =>
      call('lsRemote', cwd, (s) => {
        if (!safeArg(remote) || !safeArg(ref)) return left({ _tag: 'GitBadOutput', detail: 'unsafe argument' });
        const r = remoteRepo(s, remote);
        if (r === undefined) return left({ _tag: 'GitFailed', code: 128, stderr: `fatal: '${remote}' does not appear to be a git repository` });
        return right(refOf(r, ref) ?? null);
      }),
    fetchRef: (cwd, remote, ref) =>
      call('fetchRef', cwd, (s) => {
        if (!safeArg(remote) || !safeArg(ref)) return left({ _tag: 'GitBadOutput', detail: 'unsafe argument' });
        const r = remoteRepo(s, remote);
        if (r === undefined) return left({ _tag: 'GitFailed', code: 128, stderr: `fatal: '${remote}' does not appear to be a git repository` });
        const tip = refOf(r, ref);
        if (tip === undefined) return left({ _tag: 'GitFailed', code: 128, stderr: `fatal: couldn't find remote ref ${ref}` });
        for (const oid of reachable(r.commits, tip)) s.commits.set(oid, r.commits.get(oid) ?? []);
        return right(undefined);
      }),
    isAncestor: (cwd, a, b) =>
      call('isAncestor', cwd, (s) => {
        if (!safeArg(a) || !safeArg(b)) return left({ _tag: 'GitBadOutput', detail: 'unsafe argument' });
        const x = resolve(s, a, true);
        const y = resolve(s, b, true);
        if (x === null || y === null) return left({ _tag: 'GitFailed', code: 128, stderr: `fatal: Not a valid commit name ${x === null ? a : b}` });
        return right(reachable(s.commits, y).has(x));
      }),
    hasObject: (cwd, oid) => call('hasObject', cwd, (s) => right(ANY_HEX_OID.test(oid) && s.commits.has(oid.toLowerCase()))),
    refsFacts: (cwd, expressions, globalArgs = []) => async () => {
      log.push({ method: 'refsFacts', cwd });
      if (failures.delete('refsFacts')) return left<RefsProbeError>('git-failed');
      // `--git-dir=<dir>` names the repository; `--work-tree=` and other global options change nothing here.
      const gd = [...globalArgs].reverse().find((a) => a.startsWith('--git-dir='));
      const where = gd === undefined ? cwd : gd.slice('--git-dir='.length);
      const s = repoAt(where.startsWith('/') ? where : `${trimSlash(cwd)}/${where}`);
      if (s === undefined) return left<RefsProbeError>('not-a-git-repository');
      const branches: Record<string, string> = {};
      const tags: Record<string, string> = {};
      for (const [ref, oid] of Object.entries(s.spec.refs).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
        if (ref.startsWith('refs/heads/')) branches[ref.slice(11)] = oid;
        else if (ref.startsWith('refs/tags/')) tags[ref.slice(10)] = oid;
      }
      const objects: Record<string, string | null> = {};
      for (const e of expressions) objects[e] = e.startsWith('-') ? null : resolve(s, e, false);
      const facts: pushClassifier.RefsFacts = { head_branch: 'branch' in s.spec.head ? s.spec.head.branch : null, head_oid: headOid(s), branches, tags, objects };
      return right(facts);
    },
    calls: () => log,
    failNext: (method, error) => {
      failures.set(method, error);
    },
    commitsOf: (top) => {
      const s = states.find((x) => x.spec.top === trimSlash(top));
      return s === undefined ? undefined : [...s.commits.keys()];
    },
  };
  return git;
};
