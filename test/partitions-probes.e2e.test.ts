/**
 * `arbiter partitions check` computes its path facts by default (paths.md §11): the case probe on the repository's
 * `.arbiter/` and the symlink scan of the plan's files. Built binary, real git repositories in a temporary directory.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BIN = resolve(__dirname, '../packages/hooks/dist/arbiter.cjs');
const root = mkdtempSync(join(tmpdir(), 'arbiter-partitions-probes-'));
const env = { ...process.env, ARBITER_STATE_DIR: join(root, 'state'), GIT_CONFIG_NOSYSTEM: '1', NO_COLOR: '1' };
const arbiter = (cwd: string, args: string[]) => {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, env, encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
};
/** A git repository (optionally with `.arbiter/`) holding `plan.yml`: two tasks of one phase whose files differ only by case. */
const repo = (name: string, withArbiter: boolean): string => {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  execFileSync('git', ['init', '-q', dir], { env });
  if (withArbiter) mkdirSync(join(dir, '.arbiter'));
  writeFileSync(join(dir, 'plan.yml'), 'tasks:\n  - id: a\n    files: [src/api/]\n  - id: b\n    files: [SRC/api/routes.ts]\n');
  return dir;
};
/** Whether the temporary directory's file system ignores case (observed here, without Arbiter). */
let insensitiveFs = false;

beforeAll(() => {
  expect(existsSync(BIN)).toBe(true);
  writeFileSync(join(root, 'Observe.tmp'), '');
  insensitiveFs = existsSync(join(root, 'observe.tmp'));
  rmSync(join(root, 'Observe.tmp'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('arbiter partitions check: path facts from the probes', () => {
  it('by default the case fact is the probe of .arbiter/ (leaving it clean); the flags override it', () => {
    const dir = repo('probed', true);
    const d = arbiter(dir, ['partitions', 'check', '--json', 'plan.yml']);
    expect(d.code).toBe(insensitiveFs ? 1 : 0);
    expect(JSON.parse(d.out)).toMatchObject({ valid: !insensitiveFs, caseInsensitive: insensitiveFs, case_source: 'probe', symlinkFindings: [] });
    expect(readdirSync(join(dir, '.arbiter'))).toEqual([]);
    const ci = arbiter(dir, ['partitions', 'check', '--case-insensitive', 'plan.yml']);
    expect(ci.code).toBe(1);
    expect(ci.out).toContain('partition-conflict: Phase 1: tasks a and b both claim src/api/');
    expect(arbiter(dir, ['partitions', 'check', '--case-sensitive', 'plan.yml']).code).toBe(0);
    const both = arbiter(dir, ['partitions', 'check', '--case-sensitive', '--case-insensitive', 'plan.yml']);
    expect(both.code).toBe(2);
    expect(both.err).toContain('exclude each other');
  });

  it('a repository without .arbiter/ or no repository at all: the probe cannot run, so paths compare case-insensitively', () => {
    const dir = repo('bare', false);
    const r = arbiter(dir, ['partitions', 'check', '--json', 'plan.yml']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out)).toMatchObject({ valid: false, caseInsensitive: true, case_source: 'probe' });
    expect(existsSync(join(dir, '.arbiter'))).toBe(false);
    const plain = join(root, 'not-a-repo');
    mkdirSync(plain);
    writeFileSync(join(plain, 'plan.yml'), 'tasks:\n  - id: a\n    files: [src/api/]\n  - id: b\n    files: [SRC/api/routes.ts]\n');
    const n = arbiter(plain, ['partitions', 'check', '--json', 'plan.yml']);
    expect(n.code).toBe(1);
    expect(JSON.parse(n.out)).toMatchObject({ caseInsensitive: true, case_source: 'no-repository', symlinkFindings: [] });
  });

  it('plan files through a symlink that leads outside the repository are reported per task; links inside are not', () => {
    const dir = repo('links', true);
    const outside = join(root, 'outside-lib');
    mkdirSync(outside);
    mkdirSync(join(dir, 'vendor', 'real'), { recursive: true });
    symlinkSync(outside, join(dir, 'vendor', 'ext'));
    symlinkSync('real', join(dir, 'vendor', 'alias'));
    writeFileSync(join(dir, 'plan.yml'), 'tasks:\n  - id: a\n    files: [vendor/ext/x.ts, vendor/alias/y.ts]\n  - id: b\n    files: [docs/]\n    depends_on: [a]\n');
    const t = arbiter(dir, ['partitions', 'check', 'plan.yml']);
    expect(t.code).toBe(0);
    expect(t.err).toContain('warning: task a claims vendor/ext/x.ts, which leads outside the repository (symlink at vendor/ext)');
    expect(t.err).not.toContain('vendor/alias');
    const j = arbiter(dir, ['partitions', 'check', '--json', 'plan.yml']);
    expect(JSON.parse(j.out).symlinkFindings).toEqual([{ task: 'a', path: 'vendor/ext/x.ts', outcome: 'escapes', via: 'vendor/ext' }]);
  });
});
