/**
 * `npm run demo`, `bench` and `tables` build only when the sources changed (scripts/build.mjs --if-stale; README,
 * "Building"): the freshness check on a scratch tree, and the warning detector that makes `npm test`'s build fail on
 * any warning (--strict).
 */
import { appendFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain JavaScript build script, no declarations
import { dropStamp, inputsHash, isFresh, isWarningLine, writeStamp } from '../scripts/build-stamp.mjs';
import { tmp } from './helpers/bin.js';

/** A repository shaped like this one: two packages with src/ and dist/, a lockfile, an installed tree. */
const tree = (): string => {
  const root = tmp('arbiter-stamp-');
  writeFileSync(join(root, 'package.json'), JSON.stringify({ workspaces: ['packages/a', 'packages/b'] }));
  writeFileSync(join(root, 'package-lock.json'), '{"lockfileVersion":3}');
  mkdirSync(join(root, 'node_modules'), { recursive: true });
  writeFileSync(join(root, 'node_modules', '.package-lock.json'), '{}');
  for (const p of ['a', 'b']) {
    mkdirSync(join(root, 'packages', p, 'src', 'sub'), { recursive: true });
    mkdirSync(join(root, 'packages', p, 'dist'), { recursive: true });
    writeFileSync(join(root, 'packages', p, 'src', 'index.ts'), `export const ${p} = 1;\n`);
    writeFileSync(join(root, 'packages', p, 'src', 'sub', 'x.ts'), 'export {};\n');
    writeFileSync(join(root, 'packages', p, 'package.json'), '{}');
    writeFileSync(join(root, 'packages', p, 'dist', 'index.cjs'), `exports.${p} = 1;\n`);
  }
  return root;
};
const built = (): string => {
  const root = tree();
  writeStamp(root, inputsHash(root));
  return root;
};

describe('build freshness (scripts/build-stamp.mjs)', () => {
  it('a dist stamped after a build of the current sources is fresh; no stamp is never fresh', () => {
    const root = built();
    expect(isFresh(root)).toBe(true);
    dropStamp(root);
    expect(isFresh(root)).toBe(false);
  });

  it('any change to an input makes the dist stale: a source, a new source, a package or root config, the lockfile, the installed tree', () => {
    const changes: Array<(root: string) => void> = [
      (r) => appendFileSync(join(r, 'packages', 'b', 'src', 'sub', 'x.ts'), '// edit\n'),
      (r) => writeFileSync(join(r, 'packages', 'a', 'src', 'new.ts'), 'export {};\n'),
      (r) => rmSync(join(r, 'packages', 'a', 'src', 'sub', 'x.ts')),
      (r) => writeFileSync(join(r, 'packages', 'a', 'tsup.config.ts'), 'export default {};\n'),
      (r) => writeFileSync(join(r, 'packages', 'a', 'package.json'), '{"version":"2"}'),
      (r) => writeFileSync(join(r, 'package-lock.json'), '{"lockfileVersion":3,"x":1}'),
      (r) => writeFileSync(join(r, 'node_modules', '.package-lock.json'), '{"x":1}'),
      (r) => writeFileSync(join(r, 'tsconfig.base.json'), '{}'),
    ];
    for (const change of changes) {
      const root = built();
      change(root);
      expect(isFresh(root)).toBe(false);
    }
  });

  it('a touched but unchanged source keeps the dist fresh (content, not timestamps)', () => {
    const root = built();
    writeFileSync(join(root, 'packages', 'a', 'src', 'index.ts'), 'export const a = 1;\n');
    expect(isFresh(root)).toBe(true);
  });

  it('a dist that differs from the one the build left is stale: edited, extra, missing file, or a package without output', () => {
    const changes: Array<(root: string) => void> = [
      (r) => appendFileSync(join(r, 'packages', 'a', 'dist', 'index.cjs'), '// edit\n'),
      (r) => writeFileSync(join(r, 'packages', 'a', 'dist', 'stray.cjs'), ''),
      (r) => rmSync(join(r, 'packages', 'b', 'dist', 'index.cjs')),
      (r) => rmSync(join(r, 'packages', 'b', 'dist'), { recursive: true }),
    ];
    for (const change of changes) {
      const root = built();
      change(root);
      expect(isFresh(root)).toBe(false);
    }
    const empty = tree();
    rmSync(join(empty, 'packages', 'b', 'dist'), { recursive: true });
    writeStamp(empty, inputsHash(empty));
    expect(isFresh(empty)).toBe(false);
  });

  it('the warning detector catches what the build used to print, and nothing of a clean build', () => {
    for (const w of [
      '"constants", "close", "fstat", "linkSync", "open" and "read" are imported from external module "fs" but never used in "dist/arbiter.cjs".',
      'npm warn install-scripts 1 package has install scripts not yet covered by allowScripts:',
      '▲ [WARNING] Duplicate key "x" in object literal [duplicate-object-key]',
    ])
      expect(isWarningLine(w)).toBe(true);
    for (const ok of ['> @arbiter/kernel@0.1.0 build', 'CJS dist/index.cjs 364.98 KB', 'CJS ⚡️ Build success in 6005ms', 'DTS Build start', 'CLI Using tsup config: /x/tsup.config.ts'])
      expect(isWarningLine(ok)).toBe(false);
  });
});
