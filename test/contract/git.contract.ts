/**
 * Contract suite of the `Git` port (kernel `ports/git.ts`), run by test/git.contract.test.ts against the scripted
 * in-memory git (io-memory) and the real `git` (io-node, real temporary repositories). Both build the same commit
 * graph from one description; every answer is checked against what the description implies (ancestry against a
 * reachability computed here), so the two adapters agree with each other by agreeing with the graph.
 */
import { describe, expect, it } from 'vitest';
import type { Git } from '@arbiter/kernel';

/** A commit graph: commits in order (parents first), refs by short name, HEAD, and configuration. */
export interface GraphSpec {
  /** `[label, parent labels]`; every parent appears earlier. */
  readonly commits: ReadonlyArray<readonly [string, ReadonlyArray<string>]>;
  /** Branch short name → commit label. */
  readonly branches: Readonly<Record<string, string>>;
  /** Lightweight tag name → commit label. */
  readonly tags: Readonly<Record<string, string>>;
  /** HEAD on a branch (possibly unborn) or detached at a commit label. */
  readonly head: { readonly branch: string } | { readonly detached: string };
  readonly config: Readonly<Record<string, string>>;
}

/** What a harness built: the adapter and the places the suite needs. */
export interface GitWorld {
  readonly git: Git;
  /** Worktree top-level and its git directory (= common directory). */
  readonly top: string;
  readonly gitDir: string;
  /** An existing subdirectory of `top`. */
  readonly sub: string;
  /** An existing directory in no repository. */
  readonly outside: string;
  /** The object id a commit label got (the same label gives the same id in the local and the remote repository). */
  readonly oid: (label: string) => string;
}

/**
 * Build a local repository from `local` and a remote one from `remote`, and configure the local one's
 * `remote.origin.url` to name the remote one.
 */
export type MakeGitWorld = (local: GraphSpec, remote: GraphSpec) => Promise<GitWorld>;

const right = async <A>(t: () => Promise<{ _tag: 'Left'; left: unknown } | { _tag: 'Right'; right: A }>): Promise<A> => {
  const r = await t();
  if (r._tag === 'Left') throw new Error(`expected Right, got ${JSON.stringify(r.left)}`);
  return r.right;
};
const leftTag = async (t: () => Promise<{ _tag: 'Left'; left: unknown } | { _tag: 'Right'; right: unknown }>): Promise<unknown> => {
  const r = await t();
  if (r._tag === 'Right') throw new Error(`expected Left, got ${JSON.stringify(r.right)}`);
  return typeof r.left === 'string' ? r.left : (r.left as { _tag: string })._tag;
};

//   a ── b ── c ── m        main = m, feature/x = b, tag v1 = b, tag side = a (shadows the branch of that name)
//    └─────── d ──┘         side = d
const LOCAL: GraphSpec = {
  commits: [
    ['a', []],
    ['b', ['a']],
    ['c', ['b']],
    ['d', ['a']],
    ['m', ['c', 'd']],
  ],
  branches: { main: 'm', side: 'd', 'feature/x': 'b' },
  tags: { v1: 'b', side: 'a' },
  head: { branch: 'main' },
  config: { 'branch.main.remote': 'origin', 'remote.pushDefault': 'upstream' },
};
/** The remote has the local commits and one more on its main. */
const REMOTE: GraphSpec = {
  commits: [...LOCAL.commits, ['r1', ['m']]],
  branches: { main: 'r1', old: 'b' },
  tags: {},
  head: { branch: 'main' },
  config: {},
};
const LABELS = LOCAL.commits.map(([l]) => l);

/** Labels reachable from `label` in `spec` (itself included). */
const ancestorsOf = (spec: GraphSpec, label: string): Set<string> => {
  const parents = new Map(spec.commits);
  const seen = new Set<string>();
  const stack = [label];
  for (let cur = stack.pop(); cur !== undefined; cur = stack.pop()) {
    if (seen.has(cur)) continue;
    seen.add(cur);
    stack.push(...(parents.get(cur) ?? []));
  }
  return seen;
};

const UNKNOWN_OID = 'f'.repeat(40);

/** Register the contract tests for one adapter. */
export const gitContract = (name: string, make: MakeGitWorld): void => {
  describe(`Git contract: ${name}`, () => {
    it('G1 repoPaths: the top-level, the common dir and shallowness, from the top or a subdirectory; outside a repository GitFailed', async () => {
      const w = await make(LOCAL, REMOTE);
      const want = { top: w.top, common_dir: w.gitDir, shallow: false };
      expect(await right(w.git.repoPaths(w.top))).toEqual(want);
      expect(await right(w.git.repoPaths(w.sub))).toEqual(want);
      expect(await leftTag(w.git.repoPaths(w.outside))).toBe('GitFailed');
    });

    it('G2 currentBranch: the branch HEAD is on (also unborn), null when detached', async () => {
      const w = await make(LOCAL, REMOTE);
      expect(await right(w.git.currentBranch(w.top))).toBe('main');
      const detached = await make({ ...LOCAL, head: { detached: 'c' } }, REMOTE);
      expect(await right(detached.git.currentBranch(detached.top))).toBeNull();
      const unborn = await make({ ...LOCAL, head: { branch: 'fresh' } }, REMOTE);
      expect(await right(unborn.git.currentBranch(unborn.top))).toBe('fresh');
    });

    it('G3 revParse: names, full refs, HEAD, ~ and ^ steps, a tag before a branch of the same name; null for what does not name a commit', async () => {
      const w = await make(LOCAL, REMOTE);
      const cases: Array<[string, string | null]> = [
        ['main', 'm'],
        ['refs/heads/side', 'd'],
        ['v1', 'b'],
        ['side', 'a'],
        ['feature/x', 'b'],
        ['HEAD', 'm'],
        ['HEAD~1', 'c'],
        ['main^2', 'd'],
        ['main~2', 'b'],
        ['main~9', null],
        ['nope', null],
        ['-main', null],
        ['main ', null],
        [UNKNOWN_OID, null],
      ];
      for (const [rev, label] of cases) expect(await right(w.git.revParse(w.top, rev)), rev).toBe(label === null ? null : w.oid(label));
      expect(await right(w.git.revParse(w.top, w.oid('c')))).toBe(w.oid('c'));
      const unborn = await make({ ...LOCAL, head: { branch: 'fresh' } }, REMOTE);
      expect(await right(unborn.git.revParse(unborn.top, 'HEAD'))).toBeNull();
    });

    it('G4 configGet: a set value, null when unset or when the key is not a plain key', async () => {
      const w = await make(LOCAL, REMOTE);
      expect(await right(w.git.configGet(w.top, 'branch.main.remote'))).toBe('origin');
      expect(await right(w.git.configGet(w.top, 'remote.pushDefault'))).toBe('upstream');
      expect(await right(w.git.configGet(w.top, 'branch.side.remote'))).toBeNull();
      expect(await right(w.git.configGet(w.top, '-l'))).toBeNull();
    });

    it('G5 listRefs: full names under a prefix that ends at a path component, sorted; nothing for an option-like prefix', async () => {
      const w = await make(LOCAL, REMOTE);
      expect(await right(w.git.listRefs(w.top, 'refs/heads'))).toEqual(['refs/heads/feature/x', 'refs/heads/main', 'refs/heads/side']);
      expect(await right(w.git.listRefs(w.top, 'refs/heads/feature'))).toEqual(['refs/heads/feature/x']);
      expect(await right(w.git.listRefs(w.top, 'refs/heads/fea'))).toEqual([]);
      expect(await right(w.git.listRefs(w.top, 'refs/tags'))).toEqual(['refs/tags/side', 'refs/tags/v1']);
      expect(await right(w.git.listRefs(w.top, '--all'))).toEqual([]);
    });

    it('G6 isAncestor agrees with reachability in the graph for every pair; an unknown revision is GitFailed, an option-like one GitBadOutput', async () => {
      const w = await make(LOCAL, REMOTE);
      for (const x of LABELS)
        for (const y of LABELS) expect(await right(w.git.isAncestor(w.top, w.oid(x), w.oid(y))), `${x} ≤ ${y}`).toBe(ancestorsOf(LOCAL, y).has(x));
      expect(await right(w.git.isAncestor(w.top, 'feature/x', 'main'))).toBe(true);
      expect(await leftTag(w.git.isAncestor(w.top, 'nope', 'main'))).toBe('GitFailed');
      expect(await leftTag(w.git.isAncestor(w.top, '--root', 'main'))).toBe('GitBadOutput');
    });

    it('G7 hasObject: true for local commits only; false for a remote-only commit and for a malformed id', async () => {
      const w = await make(LOCAL, REMOTE);
      for (const l of LABELS) expect(await right(w.git.hasObject(w.top, w.oid(l)))).toBe(true);
      expect(await right(w.git.hasObject(w.top, w.oid('r1')))).toBe(false);
      expect(await right(w.git.hasObject(w.top, 'main'))).toBe(false);
    });

    it('G8 lsRemote answers the remote tip or null; fetchRef brings its commits without moving local refs', async () => {
      const w = await make(LOCAL, REMOTE);
      expect(await right(w.git.lsRemote(w.top, 'origin', 'refs/heads/main', 5_000))).toBe(w.oid('r1'));
      expect(await right(w.git.lsRemote(w.top, 'origin', 'refs/heads/old', 5_000))).toBe(w.oid('b'));
      expect(await right(w.git.lsRemote(w.top, 'origin', 'refs/heads/absent', 5_000))).toBeNull();
      expect(await leftTag(w.git.lsRemote(w.top, '--upload-pack=x', 'refs/heads/main', 5_000))).toBe('GitBadOutput');
      expect(await leftTag(w.git.lsRemote(w.top, 'no-such-remote', 'refs/heads/main', 5_000))).toBe('GitFailed');
      await right(w.git.fetchRef(w.top, 'origin', 'refs/heads/main', 5_000));
      expect(await right(w.git.hasObject(w.top, w.oid('r1')))).toBe(true);
      expect(await right(w.git.isAncestor(w.top, w.oid('m'), w.oid('r1')))).toBe(true);
      expect(await right(w.git.revParse(w.top, 'main'))).toBe(w.oid('m'));
      expect(await right(w.git.listRefs(w.top, 'refs/heads'))).toEqual(['refs/heads/feature/x', 'refs/heads/main', 'refs/heads/side']);
      expect(await leftTag(w.git.fetchRef(w.top, 'origin', 'refs/heads/absent', 5_000))).toBe('GitFailed');
    });

    it('G9 refsFacts: HEAD, every branch and tag, and each expression (any full id verifies; option-like ones are never asked)', async () => {
      const w = await make(LOCAL, REMOTE);
      const exprs = ['main', 'HEAD~1', 'v1', 'side', 'nope', '-f', w.oid('c'), UNKNOWN_OID, 'main^2'];
      const facts = await right(w.git.refsFacts(w.top, exprs));
      expect(facts).toEqual({
        head_branch: 'main',
        head_oid: w.oid('m'),
        branches: { 'feature/x': w.oid('b'), main: w.oid('m'), side: w.oid('d') },
        tags: { side: w.oid('a'), v1: w.oid('b') },
        objects: { main: w.oid('m'), 'HEAD~1': w.oid('c'), v1: w.oid('b'), side: w.oid('a'), nope: null, '-f': null, [w.oid('c')]: w.oid('c'), [UNKNOWN_OID]: UNKNOWN_OID, 'main^2': w.oid('d') },
      });
      expect(await right(w.git.refsFacts(w.sub, exprs))).toEqual(facts);
      // a --git-dir hint names the repository from anywhere
      expect(await right(w.git.refsFacts(w.outside, exprs, [`--git-dir=${w.gitDir}`]))).toEqual(facts);
      expect(await leftTag(w.git.refsFacts(w.outside, exprs))).toBe('not-a-git-repository');
    });

    it('G10 refsFacts on a detached HEAD and on an unborn branch', async () => {
      const d = await make({ ...LOCAL, head: { detached: 'c' } }, REMOTE);
      expect(await right(d.git.refsFacts(d.top, ['HEAD']))).toMatchObject({ head_branch: null, head_oid: d.oid('c'), objects: { HEAD: d.oid('c') } });
      const u = await make({ ...LOCAL, head: { branch: 'fresh' } }, REMOTE);
      expect(await right(u.git.refsFacts(u.top, ['HEAD']))).toMatchObject({ head_branch: 'fresh', head_oid: null, objects: { HEAD: null } });
    });
  });
};
