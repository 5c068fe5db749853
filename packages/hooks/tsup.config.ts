import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'tsup';
import type { Plugin } from 'esbuild';

const src = (rel: string): string => fileURLToPath(new URL(rel, import.meta.url));

/**
 * Namespace imports that tree-shake (status.md §8, speed). The kernel groups each decision under a namespace
 * (`export * as pushGate from './push-gate/push-gate.js'` in its index), and a module imports it as
 * `import { pushGate as PG } from '@arbiter/kernel'`. esbuild cannot shake a namespace reached through a re-export:
 * it builds the whole namespace object, so one `PG.decodeLaneRecord` pulled every push-gate module (the classifier,
 * the shell lexer, the verbs) into every bundle that reads a lane. It does shake a direct `import * as PG from
 * '<module>'` used only as `PG.name`. So, for the binary's bundles only, this plugin rewrites each such named
 * namespace import of `@arbiter/kernel` in our sources into that direct form, from the module the kernel index
 * names; every other specifier of the import stays as it was. Same code, same bindings: only unused code goes.
 */
const kernelIndex = src('../kernel/src/index.ts');
const kernelNamespaces = (): Map<string, string> => {
  const m = new Map<string, string>();
  for (const x of readFileSync(kernelIndex, 'utf8').matchAll(/^export \* as (\w+) from '(\.[^']+)\.js';$/gm)) {
    m.set(x[1] as string, join(dirname(kernelIndex), `${x[2] as string}.ts`));
  }
  return m;
};
const shakeKernelNamespaces: Plugin = {
  name: 'shake-kernel-namespaces',
  setup(build) {
    const ns = kernelNamespaces();
    build.onLoad({ filter: /[\\/]packages[\\/](hooks|io-node)[\\/]src[\\/].*\.ts$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      if (!text.includes("'@arbiter/kernel'")) return undefined;
      const contents = text.replace(/^import \{([^}]*)\} from '@arbiter\/kernel';$/gm, (all, list: string) => {
        const keep: string[] = [];
        const direct: string[] = [];
        for (const spec of list.split(',').map((x) => x.trim()).filter((x) => x !== '')) {
          const m = /^(\w+)(?:\s+as\s+(\w+))?$/.exec(spec); // a value specifier; `type X` ones stay
          const path = m === null ? undefined : ns.get(m[1] as string);
          if (m === null || path === undefined) keep.push(spec);
          else direct.push(`import * as ${m[2] ?? m[1]} from ${JSON.stringify(path)};`);
        }
        if (direct.length === 0) return all;
        return [...(keep.length > 0 ? [`import { ${keep.join(', ')} } from '@arbiter/kernel';`] : []), ...direct].join(' ');
      });
      return contents === text ? undefined : { contents, loader: 'ts' };
    });
  },
};

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
    esbuildPlugins: [shakeKernelNamespaces],
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
