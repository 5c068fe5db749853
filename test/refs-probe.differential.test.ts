/**
 * The refs probe moved into the Git port (`Git.refsFacts`, io-node) from `hooks/src/cli/refs-probe.ts`; its answers
 * must stay byte for byte what they were. The former implementation is kept here, verbatim in behaviour, as the
 * reference, and both run on the same real repositories with the same expressions and directory hints; their
 * answers are compared as JSON text (the form `arbiter classify push` prints).
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { nodeGit } from '@arbiter/io-node';

// ───────────────────────────── the former implementation (reference) ─────────────────────────────

interface OldRun {
  readonly code: number | null;
  readonly stdout: string;
}
// The timeout (1 s in both) is raised to 10 s in both here: the answers are compared, not a loaded machine's timing.
const oldRunGit = (cwd: string, args: ReadonlyArray<string>, timeoutMs = 10_000): Promise<OldRun> =>
  new Promise((resolve) => {
    execFile('git', [...args], { cwd, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024, encoding: 'utf8', env: { ...process.env, GIT_OPTIONAL_LOCKS: '0' } }, (err, stdout) => {
      if (err === null) return resolve({ code: 0, stdout });
      const code = typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : null;
      resolve({ code, stdout: typeof stdout === 'string' ? stdout : '' });
    });
  });
const oldReadRefsFacts = async (cwd: string, expressions: ReadonlyArray<string>, globalArgs: ReadonlyArray<string> = []): Promise<unknown> => {
  const g = (args: string[]): Promise<OldRun> => oldRunGit(cwd, [...globalArgs, ...args]);
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

// ───────────────────────────── repositories ─────────────────────────────

const root = mkdtempSync(join(tmpdir(), 'arbiter-refs-diff-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const env = { ...process.env, GIT_AUTHOR_NAME: 'A', GIT_AUTHOR_EMAIL: 'a@example.invalid', GIT_COMMITTER_NAME: 'A', GIT_COMMITTER_EMAIL: 'a@example.invalid' };
const git = (cwd: string, ...args: string[]): string => execFileSync('git', args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

const repo = (name: string): string => {
  const dir = join(root, name);
  mkdirSync(dir);
  git(dir, 'init', '-q');
  git(dir, 'symbolic-ref', 'HEAD', 'refs/heads/main');
  return dir;
};

/** The new probe's answer in the form the old one gave (facts, or the error string). */
const newAnswer = async (cwd: string, exprs: ReadonlyArray<string>, globalArgs: ReadonlyArray<string> = []): Promise<unknown> => {
  const r = await nodeGit({ localTimeoutMs: 10_000 }).refsFacts(cwd, exprs, globalArgs)();
  return r._tag === 'Left' ? r.left : r.right;
};
const same = async (cwd: string, exprs: ReadonlyArray<string>, globalArgs: ReadonlyArray<string> = []): Promise<void> => {
  const before = JSON.stringify(await oldReadRefsFacts(cwd, exprs, globalArgs));
  expect(JSON.stringify(await newAnswer(cwd, exprs, globalArgs))).toBe(before);
};

const EXPRS = ['main', 'HEAD', 'HEAD~1', 'HEAD^{tree}', 'v1', 'v1^{}', 'annotated', 'side', 'feature/x', 'refs/heads/main', 'nope', '-f', '--all', 'main@{0}', 'main..side', ':/second', 'a b', 'ma', '@', '', 'HEAD:missing'];

describe('refs probe: Git.refsFacts answers what cli/refs-probe.ts answered', () => {
  it('on a repository with branches, lightweight and annotated tags, a tag shadowing a branch, and odd expressions', async () => {
    const dir = repo('full');
    git(dir, 'commit', '-q', '--allow-empty', '-m', 'first');
    git(dir, 'tag', 'v1');
    git(dir, 'commit', '-q', '--allow-empty', '-m', 'second');
    git(dir, 'tag', '-a', 'annotated', '-m', 'an annotated tag');
    git(dir, 'branch', 'side', 'HEAD~1');
    git(dir, 'branch', 'feature/x');
    git(dir, 'tag', 'side', 'HEAD');
    const short = git(dir, 'rev-parse', '--short', 'HEAD');
    await same(dir, [...EXPRS, short, git(dir, 'rev-parse', 'HEAD'), 'f'.repeat(40)]);
    mkdirSync(join(dir, 'sub'));
    await same(join(dir, 'sub'), EXPRS);
  });

  it('on a detached HEAD, an unborn branch and an empty repository', async () => {
    const d = repo('detached');
    git(d, 'commit', '-q', '--allow-empty', '-m', 'one');
    git(d, 'commit', '-q', '--allow-empty', '-m', 'two');
    git(d, 'checkout', '-q', '--detach', 'HEAD~1');
    await same(d, EXPRS);
    const u = repo('unborn');
    await same(u, EXPRS);
    git(u, 'commit', '-q', '--allow-empty', '-m', 'one');
    git(u, 'symbolic-ref', 'HEAD', 'refs/heads/fresh');
    await same(u, EXPRS);
  });

  it('outside a repository, and with --git-dir / --work-tree hints (also a hint that names nothing)', async () => {
    const outside = join(root, 'outside');
    mkdirSync(outside);
    await same(outside, EXPRS);
    const dir = repo('hinted');
    git(dir, 'commit', '-q', '--allow-empty', '-m', 'one');
    await same(outside, EXPRS, [`--git-dir=${join(dir, '.git')}`]);
    await same(outside, EXPRS, [`--git-dir=${join(dir, '.git')}`, `--work-tree=${dir}`]);
    await same(outside, EXPRS, [`--git-dir=${join(root, 'no-such-dir')}`]);
  });
});
