import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';
import base from './vitest.config';

// Test selection for mutation testing (docs/testing.md §3): the in-process suites only. A test that spawns the
// built binary, a git or PostgreSQL process, or a worker runs code a mutant never reaches (the binary is built from
// the unmutated source, and Stryker's sandbox copy has no fresh dist), so it would only slow and break the dry run.
// Chosen by what a file does, not by a list, so a new in-process suite is mutated without anyone remembering to.
const OUT_OF_PROCESS = /\brequire(?:Built|Binary)\(|\brunBin(?:Async)?\(|\bBIN\b|\bdist\b|startPgCluster|\bspawn(?:Sync)?\(|\bfork\(|\bexecFile(?:Sync)?\(|\bexecSync\(/;
const walk = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.test.ts') ? [join(dir, e.name)] : []));
const roots = ['test', ...readdirSync('packages').map((p) => join('packages', p, 'test'))].filter((d) => {
  try {
    return readdirSync(d).length >= 0;
  } catch {
    return false;
  }
});
const inProcess = roots.flatMap(walk).filter((f) => !OUT_OF_PROCESS.test(readFileSync(f, 'utf8')));

// Replace, not merge: vitest's mergeConfig concatenates arrays, which would keep the base config's include globs.
export default defineConfig({ ...base, test: { ...base.test, include: inProcess } });
