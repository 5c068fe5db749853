/**
 * End-to-end: the built `arbiter` binary's convoy verbs on real files — `blast-radius` on a real `git diff` from a
 * temporary repository, `scan secrets` on a planted fake key, `partitions check` on JSON and YAML plans.
 * Needs `npm run build` first (npm test does it).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../packages/hooks/dist/arbiter.cjs', import.meta.url));
const stateDir = mkdtempSync(join(tmpdir(), 'arbiter-convoy-state-'));
const env = { ...process.env, ARBITER_STATE_DIR: stateDir, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.invalid', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.invalid', NO_COLOR: '1' };
let repo = '';

const arbiter = (args: string[], opts: { input?: string; cwd?: string } = {}) => {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: opts.cwd ?? repo, env, input: opts.input ?? '', encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
};
const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, env, encoding: 'utf8' });

// Fake credentials, assembled at run time so this file itself does not scan dirty.
const AWS = ['AKIA', 'Z7Q2', 'EXAMPLE', 'KEY99'].join('');
const GH = 'ghp_' + 'x9'.repeat(18);

beforeAll(() => {
  repo = mkdtempSync(join(tmpdir(), 'arbiter-convoy-e2e-'));
  git('init', '-q', '-b', 'main');
  writeFileSync(join(repo, 'sql.txt'), ['-- keep', '-- drop column a', 'select 1;', ...Array.from({ length: 20 }, (_, i) => `row ${i}`)].join('\n') + '\n');
  writeFileSync(join(repo, 'loop.c'), 'int main() {\n  int i = 0;\n  return i;\n}\n');
  git('add', '.');
  git('commit', '-qm', 'base');
});
afterAll(() => {
  if (repo !== '') rmSync(repo, { recursive: true, force: true });
  rmSync(stateDir, { recursive: true, force: true });
});

describe('arbiter blast-radius (real git diff)', () => {
  test('counts content lines starting with -- and ++, and files, from a real diff', () => {
    // remove "-- drop column a" (diff line "--- drop column a"), add "++i;" (diff line "+++i;"), edit a row, add a file
    writeFileSync(join(repo, 'sql.txt'), ['-- keep', 'select 1;', ...Array.from({ length: 20 }, (_, i) => (i === 10 ? 'row ten' : `row ${i}`))].join('\n') + '\n');
    writeFileSync(join(repo, 'loop.c'), 'int main() {\n  int i = 0;\n++i;\n  return i;\n}\n');
    writeFileSync(join(repo, 'new.md'), 'a\nb\nc\n');
    git('add', '-N', 'new.md');
    const diff = git('diff');
    expect(diff).toContain('\n--- drop column a');
    expect(diff).toContain('\n+++i;');
    const r = arbiter(['blast-radius'], { input: diff });
    expect(r.code).toBe(0);
    // removed: "-- drop column a", "row 10"; added: "row ten", "++i;", a, b, c
    expect(JSON.parse(r.out)).toEqual({ level: 'ok', passed: true, reason: 'blast-ok', lines: 7, files: 3, summary: 'Blast radius: 7 lines, 3 files (ok)' });
    git('reset', '-q');
    git('checkout', '-q', '--', '.');
    rmSync(join(repo, 'new.md'));
    expect(git('status', '--porcelain')).toBe('');
  });
  test('a change of 500 lines blocks with exit 1; 200 lines warns with exit 0', () => {
    for (const [n, level, code] of [
      [200, 'warn', 0],
      [500, 'block', 1],
    ] as const) {
      writeFileSync(join(repo, 'big.txt'), Array.from({ length: n }, (_, i) => `l${i}`).join('\n') + '\n');
      git('add', '-N', 'big.txt');
      const r = arbiter(['blast-radius'], { input: git('diff') });
      expect(r.code).toBe(code);
      expect(JSON.parse(r.out)).toMatchObject({ level, lines: n, files: 1 });
      git('rm', '-q', '--cached', 'big.txt');
      rmSync(join(repo, 'big.txt'));
    }
  });
  test('a truncated diff blocks (fail-closed)', () => {
    writeFileSync(join(repo, 'loop.c'), 'changed\n');
    const diff = git('diff');
    git('checkout', '-q', '--', '.');
    expect(diff.endsWith('-}\n+changed\n')).toBe(true);
    const cut = diff.split('\n').slice(0, -3).join('\n') + '\n';
    const r = arbiter(['blast-radius'], { input: cut });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out)).toMatchObject({ level: 'block', passed: false, reason: 'blast-diff-malformed' });
  });
});

describe('arbiter scan secrets (planted fake keys)', () => {
  test('findings with file:line and pattern name, secrets masked, exit 1', () => {
    mkdirSync(join(repo, 'src'), { recursive: true });
    writeFileSync(join(repo, 'src', 'config.ts'), `export const region = 'eu';\nexport const key = "${AWS}";\n// token for CI\nconst gh = '${GH}';\n`);
    const r = arbiter(['scan', 'secrets', 'src']);
    expect(r.code).toBe(1);
    const lines = r.out.trim().split('\n');
    expect(lines).toEqual([`src/config.ts:2:21 aws-access-key export const key = "[REDACTED:aws-access-key]";`, `src/config.ts:4:13 github-token const gh = '[REDACTED:github-token]';`]);
    expect(r.out + r.err).not.toContain(AWS);
    expect(r.out + r.err).not.toContain(GH);
    const j = arbiter(['scan', 'secrets', '--json', 'src/config.ts']);
    expect(j.code).toBe(1);
    expect(JSON.parse(j.out).findings.map((f: { pattern: string; line: number }) => [f.pattern, f.line])).toEqual([
      ['aws-access-key', 2],
      ['github-token', 4],
    ]);
  });
  test('the repository allowlist suppresses a path-scoped literal; clean files exit 0', () => {
    mkdirSync(join(repo, '.arbiter'), { recursive: true });
    writeFileSync(join(repo, '.arbiter', 'secret-allowlist.yml'), `entries:\n  - literal: "${AWS.slice(0, 8)}"\n    reason: documented example key\n    paths: [src/]\n  - pattern: "(["\n    reason: broken on purpose\n`);
    const r = arbiter(['scan', 'secrets', 'src/config.ts']);
    expect(r.code).toBe(1);
    expect(r.out.trim().split('\n').map((l) => l.split(' ')[1])).toEqual(['github-token']);
    expect(r.err).toContain('secret-allowlist-entry-dropped');
    writeFileSync(join(repo, 'src', 'clean.ts'), 'export const x = 1;\n');
    expect(arbiter(['scan', 'secrets', 'src/clean.ts']).code).toBe(0);
    rmSync(join(repo, '.arbiter'), { recursive: true });
  });
  test('each scan is recorded in the decision log, with findings but no secret text', () => {
    const log = arbiter(['log', '--policy', 'secrets', '--json']);
    const entries = log.out.trim().split('\n').map((l) => JSON.parse(l) as { verdict: string; reasons: string[]; mode: string });
    expect(entries.length).toBeGreaterThan(0);
    expect(entries.some((e) => e.verdict === 'Findings' && e.reasons[0] === 'secret-found' && e.mode === 'cli')).toBe(true);
    expect(log.out).not.toContain(AWS);
  });
  test('a missing path is an I/O error: exit 2', () => {
    const r = arbiter(['scan', 'secrets', 'does-not-exist.ts']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('ENOENT');
  });
});

describe('arbiter partitions check (plan files)', () => {
  test('a valid JSON plan exits 0 and prints phases and cross-phase notices', () => {
    writeFileSync(
      join(repo, 'plan.json'),
      JSON.stringify({ name: 'x', tasks: [{ id: 'a', files: ['src/api/'] }, { id: 'b', files: ['lib/'] }, { id: 'c', files: ['src/api/x.ts'], depends_on: ['b'] }] }),
    );
    const r = arbiter(['partitions', 'check', 'plan.json']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('Phase 1: a, b');
    expect(r.out).toContain('Phase 2: c');
    expect(r.out).toContain('notice: Phases 1 and 2: tasks a and c both claim src/api/');
  });
  test('a conflicting YAML plan exits 1 with 1-based phase numbers', () => {
    writeFileSync(join(repo, 'plan.yml'), 'tasks:\n  - id: z\n  - id: a\n    depends_on: [z]\n    files: [src/api/]\n  - id: b\n    depends_on: [z]\n    files: [SRC/api/routes.ts]\n');
    const r = arbiter(['partitions', 'check', 'plan.yml']);
    expect(r.code).toBe(1);
    expect(r.out).toContain('partition-conflict: Phase 2: tasks a and b both claim src/api/');
    expect(arbiter(['partitions', 'check', '--case-sensitive', 'plan.yml']).code).toBe(0);
    const j = arbiter(['partitions', 'check', '--json', 'plan.yml']);
    expect(JSON.parse(j.out)).toMatchObject({ valid: false, errors: [{ reason: 'partition-conflict', phaseNumber: 2 }] });
  });
  test('path errors and cycles are violations; unreadable or shapeless plans exit 2', () => {
    writeFileSync(join(repo, 'bad.json'), JSON.stringify({ tasks: [{ id: 'a', files: ['../x'] }] }));
    expect(arbiter(['partitions', 'check', 'bad.json']).out).toContain('plan-path-invalid');
    writeFileSync(join(repo, 'cyc.yaml'), 'tasks:\n  - {id: a, depends_on: [b]}\n  - {id: b, depends_on: [a]}\n');
    const c = arbiter(['partitions', 'check', 'cyc.yaml']);
    expect(c.code).toBe(1);
    expect(c.out).toContain('plan-cycle: Dependency cycle among tasks a, b');
    writeFileSync(join(repo, 'shape.json'), '{"tasks": 3}');
    expect(arbiter(['partitions', 'check', 'shape.json']).code).toBe(2);
    writeFileSync(join(repo, 'broken.yml'), 'tasks: [\n');
    expect(arbiter(['partitions', 'check', 'broken.yml']).code).toBe(2);
    expect(arbiter(['partitions', 'check', 'missing.json']).code).toBe(2);
  });
});

describe('--help on each verb', () => {
  test.each([['scan', 'secrets'], ['blast-radius'], ['partitions', 'check']])('%s --help exits 0', (...verb) => {
    const r = arbiter([...verb, '--help']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('Usage: arbiter');
  });
  test('usage errors exit 2', () => {
    expect(arbiter(['scan', 'secrets']).code).toBe(2);
    expect(arbiter(['partitions', 'check']).code).toBe(2);
  });
});
