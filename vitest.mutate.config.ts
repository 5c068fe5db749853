import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
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
// The real-client suite (test/clients, docs/testing.md §1) names no spawn in its test files: harness.ts starts the
// pinned Claude Code and Codex CLIs, which run the built binary. Every test there is out of process, and the whole
// suite took minutes of each dry run.
const REAL_CLIENTS = /(^|[\\/])test[\\/]clients[\\/]/;
const inProcess = roots.flatMap(walk).filter((f) => !REAL_CLIENTS.test(f) && !OUT_OF_PROCESS.test(readFileSync(f, 'utf8')));

// Order of the test files of one mutant run: a file that failed last time first (it likely kills the next mutant of
// the same function too), then the fastest first. The runner stops at the first failure (bail), so a killed mutant
// no longer waits for a slow model test (SL-1 runs 10 000 schedules) that happens to run before the killing file.
class KillFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const cache = this.ctx.cache;
    const key = (f: TestSpecification) => `${f.project.name}:${f.moduleId.slice(this.ctx.config.root.length + 1)}`;
    const rank = (f: TestSpecification): [number, number] => {
      const r = cache.getFileTestResults(key(f));
      return r === undefined ? [1, 0] : [r.failed ? 0 : 2, r.duration];
    };
    return [...files].sort((a, b) => {
      const [ra, da] = rank(a);
      const [rb, db] = rank(b);
      return ra - rb || da - db;
    });
  }
}

// Replace, not merge: vitest's mergeConfig concatenates arrays, which would keep the base config's include globs.
// isolate: false keeps the imported module graph between the test files and the runs of one worker: Stryker switches
// mutants at run time (a global the instrumented code reads), so nothing needs re-importing, and re-importing the
// kernel, io-node and hooks sources for every covering file of every mutant was most of a mutant's time.
// setupFiles: one fixed fast-check seed (test/setup/mutation-seed.ts), so a mutant's fate does not depend on the run.
export default defineConfig({
  ...base,
  test: { ...base.test, include: inProcess, isolate: false, sequence: { sequencer: KillFirst }, setupFiles: ['test/setup/mutation-seed.ts'] },
});
