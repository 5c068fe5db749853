/**
 * Runs the `Git` contract suite against the scripted in-memory git (io-memory) and the real `git` (io-node) on
 * real temporary repositories built commit by commit with `git commit-tree` (fixed author, committer and dates, so
 * one label gives one object id in both the local and the remote repository).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { memoryGit, type MemoryRepo } from '@arbiter/io-memory';
import { nodeGit } from '@arbiter/io-node';
import { gitContract, type GraphSpec } from './contract/git.contract.js';

// ───────────────────────────────────────── io-memory ─────────────────────────────────────────

/** A stand-in object id per label: the label's bytes in hex, padded (labels are short). */
const fakeOid = (label: string): string => Buffer.from(label, 'utf8').toString('hex').padEnd(40, '0');

const memRepo = (top: string, spec: GraphSpec, config: Record<string, string>): MemoryRepo => ({
  top,
  commits: Object.fromEntries(spec.commits.map(([l, ps]) => [fakeOid(l), ps.map(fakeOid)])),
  refs: {
    ...Object.fromEntries(Object.entries(spec.branches).map(([b, l]) => [`refs/heads/${b}`, fakeOid(l)])),
    ...Object.fromEntries(Object.entries(spec.tags).map(([t, l]) => [`refs/tags/${t}`, fakeOid(l)])),
  },
  head: 'branch' in spec.head ? spec.head : { detached: fakeOid(spec.head.detached) },
  config,
});

let m = 0;
gitContract('io-memory', async (local, remote) => {
  const top = `/mem/w${m}/local`;
  const remoteTop = `/mem/w${m++}/remote`;
  const git = memoryGit([memRepo(top, local, { ...local.config, 'remote.origin.url': remoteTop }), memRepo(remoteTop, remote, remote.config)]);
  return { git, top, gitDir: `${top}/.git`, sub: `${top}/sub`, outside: '/elsewhere', oid: fakeOid };
});

// ───────────────────────────────────────── io-node ─────────────────────────────────────────

const root = mkdtempSync(join(tmpdir(), 'arbiter-git-contract-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const env: NodeJS.ProcessEnv = {
  ...process.env,
  HOME: root,
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'A',
  GIT_AUTHOR_EMAIL: 'a@example.invalid',
  GIT_AUTHOR_DATE: '1700000000 +0000',
  GIT_COMMITTER_NAME: 'A',
  GIT_COMMITTER_EMAIL: 'a@example.invalid',
  GIT_COMMITTER_DATE: '1700000000 +0000',
};
const git = (cwd: string, args: string[], input?: string): string => execFileSync('git', args, { cwd, env, encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'] }).trim();

/** A real repository at `dir` holding `spec`: commits by `commit-tree` over the empty tree, refs by `update-ref`. */
const buildRepo = (dir: string, spec: GraphSpec, config: Record<string, string>): Map<string, string> => {
  mkdirSync(dir, { recursive: true });
  git(dir, ['init', '-q']);
  const empty = git(dir, ['mktree'], '');
  const oids = new Map<string, string>();
  for (const [label, parents] of spec.commits) oids.set(label, git(dir, ['commit-tree', empty, ...parents.flatMap((p) => ['-p', oids.get(p) as string]), '-m', label]));
  for (const [b, l] of Object.entries(spec.branches)) git(dir, ['update-ref', `refs/heads/${b}`, oids.get(l) as string]);
  for (const [t, l] of Object.entries(spec.tags)) git(dir, ['update-ref', `refs/tags/${t}`, oids.get(l) as string]);
  if ('branch' in spec.head) git(dir, ['symbolic-ref', 'HEAD', `refs/heads/${spec.head.branch}`]);
  else git(dir, ['update-ref', '--no-deref', 'HEAD', oids.get(spec.head.detached) as string]);
  for (const [k, v] of Object.entries(config)) git(dir, ['config', k, v]);
  return oids;
};

let n = 0;
gitContract('io-node', async (local, remote) => {
  const w = join(root, `w${n++}`);
  const top = join(w, 'local');
  const remoteTop = join(w, 'remote');
  const remoteOids = buildRepo(remoteTop, remote, remote.config);
  const oids = buildRepo(top, local, { ...local.config, 'remote.origin.url': remoteTop });
  mkdirSync(join(top, 'sub'));
  const outside = join(w, 'outside');
  mkdirSync(outside);
  const oid = (label: string): string => {
    const o = oids.get(label) ?? remoteOids.get(label);
    if (o === undefined) throw new Error(`no commit ${label}`);
    return o;
  };
  return { git: nodeGit({ env, localTimeoutMs: 10_000 }), top, gitDir: join(top, '.git'), sub: join(top, 'sub'), outside, oid };
});
