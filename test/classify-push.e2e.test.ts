/**
 * End-to-end: `arbiter classify push -- '<command>'` spawned from the built binary in temporary git repositories
 * (push-gate issue: "prints the classification as JSON {push, refs, remote, flags}", a bare push resolved to the
 * current branch of the working directory). Run `npm run build` first.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BIN = join(__dirname, '..', 'packages/hooks/dist/arbiter.cjs');
let root = '';
let repo = '';
let sub = '';
let detached = '';
let outside = '';

const git = (cwd: string, ...args: string[]): string =>
  execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=T', ...args], { cwd, encoding: 'utf8' }).trim();
const initRepo = (dir: string, branch: string): void => {
  mkdirSync(dir, { recursive: true });
  git(dir, 'init', '-q', '-b', branch);
  git(dir, 'commit', '-q', '--allow-empty', '-m', 'init');
};

interface Report {
  push: boolean;
  refs: string[];
  remote: string | null;
  flags: { force: boolean; no_verify: boolean; dry_run: boolean; broad: string[] };
  confidence: string | null;
  lanes: string[];
  skipped: string[];
  error: string | null;
}
const classify = (cwd: string, command: string, extra: string[] = []): { code: number | null; report: Report; stderr: string } => {
  const r = spawnSync(process.execPath, [BIN, 'classify', 'push', ...extra, '--', command], {
    cwd,
    encoding: 'utf8',
    timeout: 20_000,
    env: { ...process.env, GIT_CEILING_DIRECTORIES: root },
  });
  return { code: r.status, report: JSON.parse(r.stdout) as Report, stderr: r.stderr };
};

beforeAll(() => {
  expect(existsSync(BIN), `build the binary first (npm run build): ${BIN}`).toBe(true);
  root = realpathSync(mkdtempSync(join(tmpdir(), 'arbiter-classify-')));
  repo = join(root, 'repo');
  initRepo(repo, 'feature/x');
  git(repo, 'branch', 'main');
  git(repo, 'tag', 'v2.4.0');
  sub = join(repo, 'sub');
  initRepo(sub, 'other');
  detached = join(root, 'detached');
  initRepo(detached, 'main');
  git(detached, 'checkout', '-q', '--detach');
  outside = join(root, 'plain');
  mkdirSync(outside);
});
afterAll(() => {
  if (root !== '') rmSync(root, { recursive: true, force: true });
});

describe('arbiter classify push (e2e)', () => {
  it('a bare `git push` is the current branch of the working directory', () => {
    const { code, report } = classify(repo, 'git push');
    expect(code).toBe(0);
    expect(report).toMatchObject({ push: true, refs: ['refs/heads/feature/x'], remote: null, confidence: 'exact' });
  });
  it('explicit refspecs resolve to full destination refs; a local tag name to refs/tags/', () => {
    expect(classify(repo, 'npm test && git push origin main').report).toMatchObject({ push: true, refs: ['refs/heads/main'], remote: 'origin' });
    expect(classify(repo, 'git push origin v2.4.0').report.refs).toEqual(['refs/tags/v2.4.0']);
    expect(classify(repo, 'git push origin feature/x:release/2.4').report.refs).toEqual(['refs/heads/release/2.4']);
  });
  it('flags: force, no-verify, broad tags with the shared tag lane', () => {
    const f = classify(repo, 'git push --force --no-verify origin HEAD:refs/heads/production').report;
    expect(f).toMatchObject({ refs: ['refs/heads/production'], flags: { force: true, no_verify: true, dry_run: false, broad: [] } });
    const t = classify(repo, 'git push --tags origin').report;
    expect(t).toMatchObject({ push: true, refs: [], flags: { broad: ['tags'] }, lanes: ['deploy:refs/tags/*'] });
  });
  it('decoys and dry runs are not pushes', () => {
    expect(classify(repo, 'echo "git push origin main"').report).toMatchObject({ push: false, refs: [], remote: null });
    expect(classify(repo, 'git push -n origin main').report).toMatchObject({ push: false, flags: { dry_run: true } });
  });
  it('directory hints: `cd sub &&` and `git -C sub` resolve in that repository', () => {
    expect(classify(repo, 'cd sub && git push').report.refs).toEqual(['refs/heads/other']);
    expect(classify(repo, 'git -C sub push').report.refs).toEqual(['refs/heads/other']);
    expect(classify(root, 'git push', ['--cwd', sub]).report.refs).toEqual(['refs/heads/other']);
  });
  it('fallback: an unparseable push-like command is gated as the current branch', () => {
    expect(classify(repo, 'echo "oops; git push origin main').report).toMatchObject({ push: true, confidence: 'fallback', refs: ['refs/heads/feature/x'] });
  });
  it('detached HEAD: nothing to gate for a bare push', () => {
    expect(classify(detached, 'git push').report).toMatchObject({ push: true, refs: [], skipped: ['detached-head'] });
  });
  it('outside a repository: a push cannot be resolved (exit 1, error), a non-push is fine (exit 0)', () => {
    const bad = classify(outside, 'git push');
    expect(bad.code).toBe(1);
    expect(bad.report).toMatchObject({ push: true, refs: [], error: 'not-a-git-repository' });
    expect(bad.stderr).toContain('cannot resolve');
    const ok = classify(outside, 'ls -la');
    expect(ok.code).toBe(0);
    expect(ok.report.push).toBe(false);
  });
});
