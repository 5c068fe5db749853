import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

const src = (p: string) => fileURLToPath(new URL(`./packages/${p}/src/index.ts`, import.meta.url));

// Unit and property tests import the packages' sources directly (aliases below), so they do not depend on a
// build; end-to-end tests spawn the built binary `packages/hooks/dist/arbiter.cjs` (`npm test` builds first).
export default defineConfig({
  resolve: {
    alias: {
      '@arbiter/kernel/early': fileURLToPath(new URL('./packages/kernel/src/early.ts', import.meta.url)),
      '@arbiter/kernel': src('kernel'),
      '@arbiter/io-memory': src('io-memory'),
      '@arbiter/io-node': src('io-node'),
      '@arbiter/hooks': src('hooks'),
    },
  },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two cores on CI machines: keep parallelism modest so the multi-process tests get CPU time.
    maxWorkers: 2,
  },
});
