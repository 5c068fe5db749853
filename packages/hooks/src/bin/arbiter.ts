/**
 * Bundle entry `dist/arbiter.cjs`, the `arbiter` binary: a dispatcher that loads exactly one more bundle —
 * `hook.cjs` for `arbiter hook …` (the hot path, every tool call) or `cli.cjs` for the verbs people run.
 */
import { join } from 'node:path';

const args = process.argv.slice(2);
const bundle = args[0] === 'hook' ? 'hook.cjs' : 'cli.cjs';
// A computed path keeps the bundler from inlining the other entries into this one.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const mod = require(join(__dirname, bundle)) as { main: (argv: ReadonlyArray<string>) => Promise<void> };
void mod.main(args[0] === 'hook' ? args.slice(1) : args);
