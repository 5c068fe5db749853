/**
 * Bundle entry `dist/arbiter.cjs`, the `arbiter` binary: a loader that runs the dispatcher (`dist/dispatch.cjs`) with
 * the V8 code cache made for it at build time (`dist/dispatch.cjs.v8cache`, by `scripts/code-cache.mjs`), so the
 * dispatcher's source is not parsed and compiled again on every hook call. This is what Node 22's
 * `module.enableCompileCache()` does, for Node 20. The cache is only a speed-up: V8 rejects one made from other
 * source, by another V8 version or with other flags, and a missing, unreadable or rejected cache just compiles the
 * source as `require` would. Loads no module beyond `fs`, `path` and `vm`.
 *
 * With `ARBITER_CODE_CACHE_OUT` set to a path, the process writes a fresh cache there when it exits (build time only).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Script } from 'node:vm';

const file = join(__dirname, 'dispatch.cjs');
let cachedData: Buffer | undefined;
try {
  cachedData = readFileSync(`${file}.v8cache`);
} catch {
  cachedData = undefined; // no cache: compile from source
}
// The CommonJS wrapper, as `require` builds it; the shebang line is replaced by a comment of the same length.
const source = readFileSync(file, 'utf8').replace(/^#!/, '//');
const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: file, cachedData });
const out = process.env['ARBITER_CODE_CACHE_OUT'];
if (out !== undefined && out !== '') {
  process.on('exit', () => {
    try {
      writeFileSync(out, script.createCachedData());
    } catch {
      // build-time helper: the build reports a missing cache
    }
  });
}
(script.runInThisContext() as (e: unknown, r: NodeJS.Require, m: NodeJS.Module, f: string, d: string) => void)(module.exports, require, module, file, __dirname);
