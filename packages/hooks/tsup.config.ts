import { fileURLToPath } from 'node:url';
import { defineConfig } from 'tsup';

const src = (rel: string): string => fileURLToPath(new URL(rel, import.meta.url));

// Two kinds of output:
// 1. the library entry (`@arbiter/hooks`): ESM + CJS + .d.ts, dependencies external;
// 2. the `arbiter` binary, split into one self-contained bundle per file of src/bin so that a hook loads exactly
//    one small file besides the dispatcher: `arbiter.cjs` (argv dispatch only), `hook-<name>.cjs` (one hook
//    wrapper each), `hook-help.cjs` (the usage of every hook, loaded only for `--help`), `cli.cjs` (the verbs
//    people run, with commander).
//    Everything is bundled in (noExternal) because a hook runs on every tool call and module resolution across
//    node_modules costs start-up time.
// 3. the dashboard page of `arbiter serve --ui` (dashboard.md): `dist/ui/app.js`, one browser bundle (IIFE, no
//    import at run time), with `index.html` and `app.css` copied beside it from src/ui/public. Type-checked by
//    src/ui/tsconfig.json (the DOM library), which `npm run typecheck` runs.
export default defineConfig([
  {
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    dts: true,
    clean: true,
    target: 'node20',
    treeshake: true,
  },
  {
    entry: ['src/bin/*.ts'],
    format: ['cjs'],
    outExtension: () => ({ js: '.cjs' }),
    dts: false,
    clean: false,
    target: 'node20',
    platform: 'node',
    noExternal: [/.*/],
    treeshake: true,
    minify: false,
    banner: { js: '#!/usr/bin/env node' },
    // Bundle our own packages from their ESM sources, not their single-file dists: every package declares
    // `sideEffects: false`, so esbuild drops the decision modules a hook does not use (a lean hook bundle).
    esbuildOptions(o) {
      o.alias = {
        '@arbiter/kernel/early': src('../kernel/src/early.ts'),
        '@arbiter/kernel': src('../kernel/src/index.ts'),
        '@arbiter/io-node': src('../io-node/src/index.ts'),
        // the sources import fp-ts through lib/ (CommonJS, so both module formats load it); inside a bundle the
        // ES module build is the same code and tree-shakes
        'fp-ts/lib': 'fp-ts/es6',
        // ulid's Node build loads node:crypto at start-up (~4 ms); its portable build draws from Web Crypto only
        // when an id is made without a caller-supplied PRNG, so hooks that log nothing never pay for it
        ulid: src('../../node_modules/ulid/dist/browser/index.js'),
      };
    },
  },
  {
    entry: { app: 'src/ui/app.ts' },
    outDir: 'dist/ui',
    format: ['iife'],
    outExtension: () => ({ js: '.js' }),
    platform: 'browser',
    target: 'es2020',
    dts: false,
    clean: false,
    treeshake: true,
    minify: true,
    publicDir: 'src/ui/public',
  },
]);
