// Build freshness and warning detection for scripts/build.mjs (see there). Plain functions over a repository root,
// so test/build-stamp.test.ts checks them on a scratch tree without building anything.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

/** Where the stamp of `root` lives: under node_modules, so `npm ci` drops it. */
export const stampPath = (root) => join(root, 'node_modules', '.cache', 'arbiter', 'build-stamp.json');

/** Absolute directories of the workspace packages of `root` (its package.json `workspaces`). */
export const packagesOf = (root) => JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).workspaces.map((w) => join(root, w));

/** Every file under `dir`, sorted, as absolute paths (none when `dir` is absent). */
const walk = (dir) => {
  if (!existsSync(dir)) return [];
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else out.push(p);
  }
  return out;
};

const sha = (buf) => createHash('sha256').update(buf).digest('hex');

/** The root files every build reads besides the packages' own. */
const ROOT_INPUTS = ['package.json', 'package-lock.json', 'tsconfig.base.json', 'tsconfig.json', 'node_modules/.package-lock.json', 'scripts/build.mjs', 'scripts/build-stamp.mjs'];
/** The files of each package a build reads besides its src/. */
const PACKAGE_INPUTS = ['package.json', 'tsup.config.ts', 'tsconfig.json'];

/** One SHA-256 over the relative path and content of every input of the build of `root` (an absent file counts too). */
export const inputsHash = (root) => {
  const files = [...ROOT_INPUTS.map((f) => join(root, f)), ...packagesOf(root).flatMap((p) => [...walk(join(p, 'src')), ...PACKAGE_INPUTS.map((f) => join(p, f))])];
  const h = createHash('sha256');
  for (const f of files) {
    h.update(relative(root, f) + '\0');
    h.update(existsSync(f) ? readFileSync(f) : Buffer.from('<absent>'));
    h.update('\0');
  }
  return h.digest('hex');
};

/** SHA-256 of every file under each package's dist/, by path relative to `root`. */
export const outputsOf = (root) => Object.fromEntries(packagesOf(root).flatMap((p) => walk(join(p, 'dist'))).map((f) => [relative(root, f), sha(readFileSync(f))]));

/**
 * Whether the dist of `root` is fresh: the stamp exists, its inputs hash equals the current one, every package has
 * output, and the outputs on disk are exactly the recorded ones with the same content. Never throws.
 */
export const isFresh = (root) => {
  try {
    const stamp = JSON.parse(readFileSync(stampPath(root), 'utf8'));
    if (stamp.inputs !== inputsHash(root)) return false;
    const now = outputsOf(root);
    const want = stamp.outputs ?? {};
    const keys = Object.keys(want);
    if (keys.length !== Object.keys(now).length) return false;
    if (!packagesOf(root).every((p) => keys.some((k) => k.startsWith(relative(root, join(p, 'dist')) + '/')))) return false;
    return keys.every((k) => now[k] === want[k]);
  } catch {
    return false;
  }
};

/** Delete the stamp (before a build starts). */
export const dropStamp = (root) => rmSync(stampPath(root), { force: true });

/** Record a successful build of `inputs` (the hash taken before it started) with the outputs now on disk. */
export const writeStamp = (root, inputs) => {
  mkdirSync(dirname(stampPath(root)), { recursive: true });
  writeFileSync(stampPath(root), JSON.stringify({ inputs, outputs: outputsOf(root) }, null, 1) + '\n');
};

/** Lines a clean build never prints: npm's and esbuild's warnings, rollup's "imported … but never used". */
export const isWarningLine = (line) => /\bwarn(ing)?\b|never used|\bdeprecat/i.test(line);
