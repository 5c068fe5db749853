/**
 * The import graph (issue 11, point 5): no import cycles anywhere in packages/<name>/src, and the package arrows
 * hooks → io-node → kernel, io-memory → kernel, nothing back, the kernel without node:*. The rules live in
 * `.dependency-cruiser.cjs` at the repository root; this test runs dependency-cruiser's CLI on the four source trees
 * and fails on any violation, checks that `@arbiter/*` imports resolve to sources (otherwise the arrows would not be
 * seen), and runs the same rules on a small fixture that breaks each one, to prove that every rule bites.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CONFIG = join(ROOT, '.dependency-cruiser.cjs');
const BIN = join(ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');
const SOURCES = ['packages/kernel/src', 'packages/io-memory/src', 'packages/io-node/src', 'packages/hooks/src'];

interface Violation {
  readonly from: string;
  readonly to: string;
  readonly rule: { readonly name: string };
  readonly cycle?: ReadonlyArray<{ readonly name: string }>;
}
interface CruiseResult {
  readonly modules: ReadonlyArray<{ readonly source: string; readonly dependencies: ReadonlyArray<{ readonly module: string; readonly resolved: string }> }>;
  readonly summary: { readonly violations: ReadonlyArray<Violation>; readonly totalCruised: number };
}

/** Run the cruiser in `cwd` on `dirs` with the repository's rules; JSON result (it exits non-zero on violations). */
const cruise = (cwd: string, dirs: ReadonlyArray<string>): Promise<CruiseResult> =>
  new Promise((resolve, reject) => {
    execFile(process.execPath, [BIN, ...dirs, '--config', CONFIG, '--output-type', 'json'], { cwd, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      try {
        resolve(JSON.parse(stdout) as CruiseResult);
      } catch {
        reject(new Error(`dependency-cruiser gave no JSON (${err?.message ?? 'no error'}): ${stderr.slice(0, 2000)}`));
      }
    });
  });

const describeViolation = (v: Violation): string =>
  v.cycle !== undefined && v.cycle.length > 0 ? `${v.rule.name}: ${v.from} → ${v.cycle.map((c) => c.name).join(' → ')}` : `${v.rule.name}: ${v.from} → ${v.to}`;

describe('import graph of packages/*/src', () => {
  it('has no cycle and no import against the package arrows', async () => {
    const r = await cruise(ROOT, SOURCES);
    expect(r.summary.totalCruised).toBeGreaterThan(100);
    expect(r.summary.violations.map(describeViolation)).toEqual([]);
    // the arrows are seen: hooks' imports of @arbiter/kernel resolve to the kernel's sources
    const hookEdges = r.modules.filter((m) => m.source.startsWith('packages/hooks/src/')).flatMap((m) => m.dependencies);
    expect(hookEdges.some((d) => d.module === '@arbiter/kernel' && d.resolved === 'packages/kernel/src/index.ts')).toBe(true);
    expect(hookEdges.some((d) => d.module === '@arbiter/io-node' && d.resolved === 'packages/io-node/src/index.ts')).toBe(true);
  });
});

describe('the rules bite (a fixture monorepo that breaks each one)', () => {
  const fixture = mkdtempSync(join(tmpdir(), 'arbiter-depcruise-'));
  afterAll(() => rmSync(fixture, { recursive: true, force: true }));
  const put = (rel: string, text: string): void => {
    mkdirSync(dirname(join(fixture, rel)), { recursive: true });
    writeFileSync(join(fixture, rel), text);
  };
  put(
    'tsconfig.json',
    JSON.stringify({
      compilerOptions: {
        module: 'ESNext',
        moduleResolution: 'Bundler',
        paths: Object.fromEntries(['kernel', 'io-memory', 'io-node', 'hooks'].map((p) => [`@arbiter/${p}`, [`./packages/${p}/src/index.ts`]])),
      },
    }),
  );
  put('packages/kernel/src/index.ts', "export * from './a.js';\nexport { x as reach } from './reach.js';\n");
  put('packages/kernel/src/a.ts', "import { b } from './b.js';\nexport const a = (): number => b() + 1;\n");
  put('packages/kernel/src/b.ts', "import { a } from './a.js';\nexport const b = (): number => (a.length > 9 ? 1 : 0);\n");
  put('packages/kernel/src/reach.ts', "import { readFileSync } from 'node:fs';\nimport { y } from '@arbiter/io-node';\nexport const x = [readFileSync, y];\n");
  put('packages/io-node/src/index.ts', "import { z } from '@arbiter/hooks';\nexport const y = z;\n");
  put('packages/io-memory/src/index.ts', "import { y } from '@arbiter/io-node';\nexport const w = y;\n");
  put('packages/hooks/src/index.ts', "import { w } from '@arbiter/io-memory';\nimport { nope } from './missing.js';\nexport const z = [w, nope];\n");

  it('finds the cycle, each forbidden arrow, the node: import in the kernel and the unresolvable import', async () => {
    const r = await cruise(fixture, SOURCES);
    const byRule = (name: string): string[] => r.summary.violations.filter((v) => v.rule.name === name).map((v) => `${v.from} → ${v.to}`);
    expect(byRule('no-circular')).toContain('packages/kernel/src/a.ts → packages/kernel/src/b.ts');
    expect(byRule('kernel-imports-no-adapter-or-hooks')).toEqual(['packages/kernel/src/reach.ts → packages/io-node/src/index.ts']);
    expect(byRule('kernel-imports-no-node-builtin')).toEqual(['packages/kernel/src/reach.ts → fs']);
    expect(byRule('io-node-imports-only-kernel-of-ours')).toEqual(['packages/io-node/src/index.ts → packages/hooks/src/index.ts']);
    expect(byRule('io-memory-imports-only-kernel-of-ours')).toEqual(['packages/io-memory/src/index.ts → packages/io-node/src/index.ts']);
    expect(byRule('hooks-imports-kernel-and-io-node-only')).toEqual(['packages/hooks/src/index.ts → packages/io-memory/src/index.ts']);
    expect(byRule('nothing-imports-hooks')).toEqual(['packages/io-node/src/index.ts → packages/hooks/src/index.ts']);
    expect(byRule('no-unresolvable-import')).toEqual(['packages/hooks/src/index.ts → ./missing.js']);
  });
});
