import { defineConfig } from 'tsup';

// Two kinds of output:
// 1. the library entry (`@arbiter/hooks`): ESM + CJS + .d.ts, dependencies external;
// 2. the `arbiter` binary, split into one self-contained bundle per entry so that a hook loads exactly one
//    small file besides the dispatcher: `arbiter.cjs` (argv dispatch only), `hook.cjs` (every hook wrapper),
//    `cli.cjs` (the verbs people run, with commander). Everything is bundled in (noExternal) because a hook
//    runs on every tool call and module resolution across node_modules costs start-up time.
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
    entry: { arbiter: 'src/bin/arbiter.ts', hook: 'src/bin/hook.ts', cli: 'src/bin/cli.ts' },
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
  },
]);
