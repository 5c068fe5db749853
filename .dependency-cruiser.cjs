/**
 * The import graph's rules (issue 11: "no import cycles anywhere; the package arrows hooks → io-node → kernel,
 * io-memory → kernel, nothing back"), checked by dependency-cruiser over packages/<name>/src. test/import-graph.test.ts
 * runs it and fails on any violation, and runs the same rules on a small fixture to prove that each one bites.
 *
 * `@arbiter/*` specifiers resolve through the root tsconfig.json `paths` to the packages' sources, so a
 * cross-package import is an edge between two source files (a cycle through two packages is found too). Type-only
 * imports count: a cycle of types still ties the modules together.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No import cycles anywhere in packages/*/src (issue 11, point 5).',
      from: { path: '^packages/[^/]+/src/' },
      to: { circular: true },
    },
    {
      name: 'kernel-imports-no-adapter-or-hooks',
      severity: 'error',
      comment: 'The kernel decides; it imports nothing from io-node, io-memory or hooks.',
      from: { path: '^packages/kernel/src/' },
      to: { path: '^packages/(io-node|io-memory|hooks)/' },
    },
    {
      name: 'kernel-imports-no-node-builtin',
      severity: 'error',
      comment: 'The kernel is pure: no node:* (or bare Node built-in) modules.',
      from: { path: '^packages/kernel/src/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'io-node-imports-only-kernel-of-ours',
      severity: 'error',
      comment: 'io-node adapts the kernel ports; of our packages it may import the kernel only.',
      from: { path: '^packages/io-node/src/' },
      to: { path: '^packages/(io-memory|hooks)/' },
    },
    {
      name: 'io-memory-imports-only-kernel-of-ours',
      severity: 'error',
      comment: 'io-memory adapts the kernel ports; of our packages it may import the kernel only.',
      from: { path: '^packages/io-memory/src/' },
      to: { path: '^packages/(io-node|hooks)/' },
    },
    {
      name: 'hooks-imports-kernel-and-io-node-only',
      severity: 'error',
      comment: 'hooks compose the kernel and io-node; the in-memory adapters are for tests and simulations.',
      from: { path: '^packages/hooks/src/' },
      to: { path: '^packages/io-memory/' },
    },
    {
      name: 'nothing-imports-hooks',
      severity: 'error',
      comment: 'hooks is the top of the graph: no other package imports it.',
      from: { path: '^packages/[^/]+/src/', pathNot: '^packages/hooks/' },
      to: { path: '^packages/hooks/' },
    },
    {
      name: 'no-unresolvable-import',
      severity: 'error',
      comment: 'An import the cruiser cannot resolve could hide an arrow; every one must resolve.',
      from: { path: '^packages/[^/]+/src/' },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    // Cruise the sources only; npm packages are leaves (not followed), Node built-ins stay visible to the rules.
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^packages/[^/]+/(dist|test)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
  },
};
