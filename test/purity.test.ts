/**
 * The kernel stays pure (architecture.md layout table; issue 2 item 2): no `node:*` or Node built-in module, no other
 * workspace package, nothing outside the allowed list, no clock, no randomness, no process access. Checked on the
 * sources, and on the built bundle so that no dependency smuggles a Node built-in in.
 */
import { readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(__dirname, '..');
const kernelSrc = join(root, 'packages/kernel/src');
const ALLOWED = new Set(['fp-ts', 'io-ts', '@noble/hashes']);

const walk = (dir: string): string[] =>
  readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.ts') ? [p] : [];
  });

/** Every module specifier of a TypeScript source (static imports, re-exports, dynamic imports, require). */
export const specifiers = (src: string): string[] => {
  const out: string[] = [];
  const re = /(?:import|export)\s[^'"`;]*?from\s*['"]([^'"]+)['"]|import\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|require\s*\(\s*['"]([^'"]+)['"]\s*\)/g;
  for (const m of src.matchAll(re)) out.push((m[1] ?? m[2] ?? m[3] ?? m[4]) as string);
  return out;
};

const stripComments = (src: string): string => src.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"])\/\/.*$/gm, '$1');

describe('kernel purity', () => {
  const files = walk(kernelSrc);

  it('has sources to check', () => {
    expect(files.length).toBeGreaterThan(5);
  });

  it('imports only relative modules and the allowed pure libraries', () => {
    const bad: string[] = [];
    for (const f of files) {
      for (const s of specifiers(readFileSync(f, 'utf8'))) {
        if (s.startsWith('./') || s.startsWith('../')) continue;
        const pkg = s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : (s.split('/')[0] as string);
        if (s.startsWith('node:') || builtinModules.includes(pkg) || !ALLOWED.has(pkg)) bad.push(`${relative(root, f)}: ${s}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('reads no clock, draws no randomness, touches no process or global I/O', () => {
    const forbidden = [
      /\bDate\.now\s*\(/,
      /\bnew\s+Date\s*\(\s*\)/,
      /\bperformance\s*\./,
      /\bMath\.random\s*\(/,
      /\bcrypto\s*\./,
      /\bprocess\s*\./,
      /\bglobalThis\b/,
      /\bsetTimeout\s*\(/,
      /\bsetInterval\s*\(/,
      /\bfetch\s*\(/,
      /\brequire\s*\(/,
      /\beval\s*\(/,
      /\bnew\s+Function\s*\(/,
    ];
    const bad: string[] = [];
    for (const f of files) {
      const src = stripComments(readFileSync(f, 'utf8'));
      for (const re of forbidden) if (re.test(src)) bad.push(`${relative(root, f)}: ${re.source}`);
    }
    expect(bad).toEqual([]);
  });

  it('the checker itself flags a forbidden import (the test can fail)', () => {
    expect(specifiers(`import { readFileSync } from 'node:fs';\nexport * from "./x.js";\nconst m = await import('os');`)).toEqual(['node:fs', './x.js', 'os']);
  });

  it('the built kernel bundle requires nothing outside the allowed list', () => {
    const dist = join(root, 'packages/kernel/dist/index.cjs');
    if (!existsSync(dist)) throw new Error('build the kernel first (npm run build)');
    const reqs = [...readFileSync(dist, 'utf8').matchAll(/require\(["']([^"']+)["']\)/g)].map((m) => m[1] as string);
    const bad = reqs.filter((r) => !ALLOWED.has(r.startsWith('@') ? r.split('/').slice(0, 2).join('/') : (r.split('/')[0] as string)));
    expect(bad).toEqual([]);
  });
});

describe('dependency direction (hooks → io-node → kernel ← io-memory)', () => {
  const importsOf = (pkg: string): Set<string> => {
    const set = new Set<string>();
    for (const f of walk(join(root, 'packages', pkg, 'src'))) for (const s of specifiers(readFileSync(f, 'utf8'))) if (s.startsWith('@arbiter/')) set.add(s.split('/').slice(0, 2).join('/'));
    return set;
  };
  it('io-memory and io-node import only the kernel; the kernel imports no package of ours', () => {
    expect([...importsOf('kernel')]).toEqual([]);
    expect([...importsOf('io-memory')].filter((p) => p !== '@arbiter/kernel')).toEqual([]);
    expect([...importsOf('io-node')].filter((p) => p !== '@arbiter/kernel')).toEqual([]);
    expect([...importsOf('hooks')].filter((p) => p !== '@arbiter/kernel' && p !== '@arbiter/io-node')).toEqual([]);
  });
});
