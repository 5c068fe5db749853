/**
 * The module list of `npm run mutate` (mutation/modules.mjs) and the selection `.ci/run` makes from it
 * (scripts/mutate-changed.mjs; testing.md §3 and testing.md §3.3): every kernel decision source file belongs to exactly one
 * module, every pattern names a file that exists, a split module's parts hold each of its top-level statements once,
 * and a change is mapped to the modules whose files it touched.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain ES module script, no declarations
import { MODULES } from '../mutation/modules.mjs';
// @ts-expect-error plain ES module script, no declarations
import { hunksOf, touchedModules, touchedRuns } from '../scripts/mutate-changed.mjs';
// @ts-expect-error plain ES module script, no declarations
import { PART_WEIGHT, filesOf, partsOf, rangeOf, statementsOf, weightOf } from '../mutation/parts.mjs';
import fc from 'fast-check';
import base from '../vitest.config.js';
import mutateConfig from '../vitest.mutate.config.js';

const root = join(__dirname, '..');
const kernelSrc = join(root, 'packages/kernel/src');
const tsFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [relative(root, join(dir, e.name))] : []));
/** Kernel files that decide nothing: the barrel, port interfaces and the shared vocabulary in internal/. */
const notADecision = (f: string): boolean => f === 'packages/kernel/src/index.ts' || f.startsWith('packages/kernel/src/ports/') || f.startsWith('packages/kernel/src/internal/');
const touched = touchedModules as (files: string[]) => string[];

describe('mutation modules', () => {
  it('every kernel decision source file belongs to exactly one module', () => {
    const decisions = tsFiles(kernelSrc).filter((f) => !notADecision(f));
    expect(decisions.length).toBeGreaterThan(30);
    for (const f of decisions) expect([f, touched([f])]).toEqual([f, [expect.any(String)]]);
  });

  it('every pattern of every module names at least one existing file', () => {
    const files = tsFiles(kernelSrc);
    for (const [name, patterns] of Object.entries(MODULES as Record<string, string[]>))
      for (const p of patterns) expect([name, p, files.some((f) => touched([f]).includes(name) && (p.includes('*') || f === p))]).toEqual([name, p, true]);
  });

  it('the CI selection refuses a revision that git would read as an option, and runs nothing for an empty change', () => {
    const run = (args: string[]): { code: number; out: string } => {
      try {
        return { code: 0, out: execFileSync(process.execPath, [join(root, 'scripts/mutate-changed.mjs'), ...args], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }) };
      } catch (e) {
        const x = e as { status: number; stderr: string };
        return { code: x.status, out: x.stderr };
      }
    };
    expect(run(['--since', '--output=/tmp/x'])).toEqual({ code: 2, out: expect.stringContaining('is not a revision') });
    expect(run(['--since', 'HEAD'])).toEqual({ code: 0, out: 'mutation: no kernel decision module changed in HEAD..HEAD\n' });
  });

  it('a change maps to the modules it touched, once each, and files outside the decisions map to none', () => {
    expect(touched(['docs/testing.md', 'packages/hooks/src/bin/arbiter.ts', 'packages/kernel/src/internal/text.ts', 'packages/kernel/src/index.ts'])).toEqual([]);
    expect(touched(['packages/kernel/src/shell/lexer.ts', 'packages/kernel/src/shell/walker.ts'])).toEqual(['shell']);
    expect(touched(['packages/kernel/src/push-gate/pre-push.ts', 'packages/kernel/src/breaker.ts'])).toEqual(['breaker', 'push-gate-classifier']);
  });

  it('the mutation runs select the in-process suites: every kernel test file, no real-client suite, nothing that spawns the binary by name', () => {
    const include = (mutateConfig.test?.include ?? []).map((f) => f.split('\\').join('/'));
    const kernelTests = tsFiles(join(root, 'packages/kernel/test')).filter((f) => f.endsWith('.test.ts'));
    expect(kernelTests.length).toBeGreaterThan(20);
    for (const f of kernelTests) expect([f, include.includes(f)]).toEqual([f, true]);
    expect(include.filter((f) => f.startsWith('test/clients/'))).toEqual([]);
    const e2e = tsFiles(join(root, 'test')).filter((f) => f.endsWith('.e2e.test.ts'));
    expect(e2e.length).toBeGreaterThan(5);
    expect([...e2e, 'test/tables.test.ts'].filter((f) => include.includes(f))).toEqual([]);
  });
  it('mutation runs draw every property from one fixed fast-check seed (testing.md §3 "Fixed seed"), which ARBITER_FC_SEED may change', async () => {
    expect(mutateConfig.test?.setupFiles).toEqual(['test/setup/mutation-seed.ts']);
    expect(base.test?.setupFiles).toBeUndefined(); // `npm test` keeps a new seed per run
    const before = fc.readConfigureGlobal();
    try {
      fc.configureGlobal({ ...before, numRuns: 37 });
      const setup = await import('./setup/mutation-seed.js');
      expect(fc.readConfigureGlobal()).toMatchObject({ seed: setup.MUTATION_SEED, numRuns: 37 }); // merged, not replaced
      const seen = (s: number) => fc.sample(fc.integer(), { seed: s, numRuns: 5 });
      expect(seen(setup.MUTATION_SEED)).toEqual(seen(setup.MUTATION_SEED));
      expect(setup.mutationSeed({})).toBe(setup.MUTATION_SEED);
      expect(setup.mutationSeed({ ARBITER_FC_SEED: ' -42 ' })).toBe(-42);
      for (const bad of ['', 'x', '1.5', '1e3', '9'.repeat(16)]) expect([bad, setup.mutationSeed({ ARBITER_FC_SEED: bad })]).toEqual([bad, setup.MUTATION_SEED]);
    } finally {
      fc.configureGlobal(before);
    }
  });

  it("a split module's parts hold every top-level statement of its files exactly once, in order, each part at least one, no line in two parts", () => {
    type Stmt = { file: string; from: number; to: number; weight: number };
    const prev = process.cwd();
    process.chdir(root);
    try {
      let split = 0;
      for (const [name, patterns] of Object.entries(MODULES as Record<string, string[]>)) {
        const parts = partsOf(patterns) as string[][];
        const weight = weightOf(patterns) as number;
        expect([name, parts.length]).toEqual([name, Math.max(1, Math.ceil(weight / PART_WEIGHT))]);
        if (parts.length === 1) {
          expect(parts[0]).toEqual(patterns);
          continue;
        }
        split++;
        const stmts = (filesOf(patterns) as string[]).flatMap((f) => statementsOf(f) as Stmt[]);
        const seen: Stmt[] = [];
        let last: { file: string; to: number } | null = null;
        for (const part of parts) {
          expect(part.length).toBeGreaterThan(0);
          for (const range of part) {
            const r = rangeOf(range) as { file: string; from: number; to: number } | null;
            expect(r).not.toBeNull();
            const { file, from, to } = r!;
            if (last !== null && last.file === file) expect(from).toBeGreaterThan(last.to);
            last = { file, to };
            const inside = stmts.filter((s) => s.file === file && s.from >= from && s.to <= to);
            expect(inside.length).toBeGreaterThan(0);
            expect([inside[0]!.from, inside.at(-1)!.to]).toEqual([from, to]);
            seen.push(...inside);
          }
        }
        expect(seen).toEqual(stmts);
      }
      expect(split).toBeGreaterThan(0);
    } finally {
      process.chdir(prev);
    }
  });

  it('the weight counts code that runs in a function, not types, not module-level initialisers', async () => {
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'arbiter-parts-'));
    try {
      const f = join(dir, 'x.ts');
      writeFileSync(f, ['type T = { a: string };', 'interface I { b: number }', 'const C = [1, 2, 3];', 'export const g = (x: number): number => x + 1;', 'function h(y: T): string {', '  return y.a;', '}', ''].join('\n'));
      const ws = (statementsOf(f) as { from: number; to: number; weight: number }[]).map((s) => [s.from, s.to, s.weight > 0]);
      expect(ws).toEqual([[1, 1, false], [2, 2, false], [3, 3, false], [4, 4, true], [5, 7, true]]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('of a module mutated in parts, a change runs only the parts holding a changed line; a deleted file runs them all', () => {
    const prev = process.cwd();
    process.chdir(root);
    try {
      const runs = touchedRuns as (lines: Map<string, [number, number][]>) => string[];
      const land = (MODULES as Record<string, string[]>)['land']!;
      const parts = partsOf(land) as string[][];
      expect(parts.length).toBeGreaterThan(1);
      const span = (range: string) => rangeOf(range) as { file: string; from: number; to: number };
      const first = span(parts[0]![0]!);
      const last = span(parts.at(-1)!.at(-1)!);
      expect(runs(new Map([[first.file, [[first.from, first.from]]]]))).toEqual(['land/1']);
      expect(runs(new Map([[last.file, [[last.to, last.to + 3]]]]))).toEqual([`land/${parts.length}`]);
      expect(runs(new Map([[first.file, [[first.from, first.from]]], [last.file, [[last.to, last.to]]]]))).toEqual(['land/1', `land/${parts.length}`]);
      // a span over the cut between two parts runs both
      const second = span(parts[1]![0]!);
      if (second.file === first.file) expect(runs(new Map([[first.file, [[second.from - 3, second.from]]]]))).toEqual(['land/1', 'land/2']);
      // lines outside every range (before the first statement: the file's opening comment) hold no mutant
      if (first.from > 1) expect(runs(new Map([[first.file, [[1, first.from - 1]]]]))).toEqual([]);
      expect(runs(new Map([[first.file, []]]))).toEqual(parts.map((_, i) => `land/${i + 1}`));
      // a module in one part runs whole, whatever line changed; a file of no module runs nothing
      expect(runs(new Map([['packages/kernel/src/early.ts', [[1, 1]]], ['docs/testing.md', [[5, 9]]]]))).toEqual(['early']);
    } finally {
      process.chdir(prev);
    }
  });
  it("reads the changed lines of a diff per file: a hunk's new-side lines, the lines around a pure deletion, nothing of a deleted file", () => {
    const diff = [
      'diff --git a/packages/kernel/src/land/land.ts b/packages/kernel/src/land/land.ts',
      'index 1111111..2222222 100644',
      '--- a/packages/kernel/src/land/land.ts',
      '+++ b/packages/kernel/src/land/land.ts',
      '@@ -10,2 +10,3 @@ export const x = 1;',
      '-a',
      '+b',
      '@@ -40 +41 @@',
      '-c',
      '+d',
      '@@ -50,4 +51,0 @@',
      '-e',
      'diff --git a/packages/kernel/src/early.ts b/packages/kernel/src/early.ts',
      'deleted file mode 100644',
      '--- a/packages/kernel/src/early.ts',
      '+++ /dev/null',
      '@@ -1,3 +0,0 @@',
      '-gone',
      '',
    ].join('\n');
    expect([...(hunksOf(diff) as Map<string, [number, number][]>)]).toEqual([['packages/kernel/src/land/land.ts', [[10, 12], [41, 41], [51, 52]]]]);
  });
});
