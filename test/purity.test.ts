/**
 * The kernel stays pure (architecture.md layout table; issue 2 item 2): no `node:*` or Node built-in module, no other
 * workspace package, nothing outside the allowed list, no clock, no randomness, no process access. Checked on the
 * sources, and on the built bundle so that no dependency smuggles a Node built-in in.
 */
import { readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import ts from 'typescript';
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

/** Methods that change a `Map`, `Set`, `WeakMap`, `WeakSet` or array in place. */
const MUTATORS = new Set(['set', 'add', 'delete', 'clear', 'push', 'pop', 'shift', 'unshift', 'splice', 'fill', 'copyWithin', 'reverse', 'sort']);

/**
 * Module-level mutable state of one TypeScript source (issue 11 point 4: memoised values are passed in as facts, not
 * kept in kernel module state): a top-level `let` or `var`, or a top-level `const` binding that a function body
 * changes (a mutating method call such as `.set(…)`/`.add(…)`/`.push(…)`, or a write to one of its properties).
 * Writes made by top-level statements (building a lookup table once at load) are initialisation, not state.
 * Returns `line: description` entries (1-based lines), empty when the module keeps no state.
 */
export const moduleState = (fileName: string, src: string): string[] => {
  const sf = ts.createSourceFile(fileName, src, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const out: string[] = [];
  const at = (n: ts.Node): number => sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1;
  const consts = new Set<string>();
  for (const st of sf.statements) {
    if (!ts.isVariableStatement(st)) continue;
    const list = st.declarationList;
    const isConst = (list.flags & ts.NodeFlags.Const) !== 0;
    for (const d of list.declarations) {
      if (!isConst) out.push(`${at(d)}: module-level ${(list.flags & ts.NodeFlags.Let) !== 0 ? 'let' : 'var'} ${d.name.getText(sf)}`);
      else if (ts.isIdentifier(d.name)) consts.add(d.name.text);
    }
  }
  /** The identifier a property access / element access chain starts from, if any. */
  const rootOf = (e: ts.Expression): string | null => {
    let x: ts.Expression = e;
    while (ts.isPropertyAccessExpression(x) || ts.isElementAccessExpression(x) || ts.isParenthesizedExpression(x) || ts.isNonNullExpression(x) || ts.isAsExpression(x)) x = x.expression;
    return ts.isIdentifier(x) ? x.text : null;
  };
  /** Names a function declares (parameters and variables anywhere in it), which shadow module-level names. */
  const declaredIn = (fn: ts.Node): Set<string> => {
    const names = new Set<string>();
    const addBinding = (b: ts.BindingName): void => {
      if (ts.isIdentifier(b)) names.add(b.text);
      else for (const el of b.elements) if (!ts.isOmittedExpression(el)) addBinding(el.name);
    };
    const visit = (n: ts.Node): void => {
      if (ts.isParameter(n) || ts.isVariableDeclaration(n)) addBinding(n.name);
      ts.forEachChild(n, visit);
    };
    ts.forEachChild(fn, visit);
    return names;
  };
  const walkNode = (n: ts.Node, watched: Set<string>, inFunction: boolean): void => {
    let w = watched;
    let inFn = inFunction;
    if (ts.isFunctionLike(n)) {
      const shadow = declaredIn(n);
      w = new Set([...watched].filter((x) => !shadow.has(x)));
      inFn = true;
    }
    if (inFn) {
      if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression) && MUTATORS.has(n.expression.name.text)) {
        const r = rootOf(n.expression.expression);
        if (r !== null && w.has(r)) out.push(`${at(n)}: ${r}.${n.expression.name.text}(…) inside a function`);
      }
      const isWrite =
        (ts.isBinaryExpression(n) && n.operatorToken.kind >= ts.SyntaxKind.FirstAssignment && n.operatorToken.kind <= ts.SyntaxKind.LastAssignment && n.left) ||
        ((ts.isPrefixUnaryExpression(n) || ts.isPostfixUnaryExpression(n)) && (n.operator === ts.SyntaxKind.PlusPlusToken || n.operator === ts.SyntaxKind.MinusMinusToken) && n.operand) ||
        (ts.isDeleteExpression(n) && n.expression);
      if (isWrite && (ts.isPropertyAccessExpression(isWrite) || ts.isElementAccessExpression(isWrite))) {
        const r = rootOf(isWrite);
        if (r !== null && w.has(r)) out.push(`${at(n)}: write to ${isWrite.getText(sf)} inside a function`);
      }
    }
    ts.forEachChild(n, (c) => walkNode(c, w, inFn));
  };
  walkNode(sf, consts, false);
  return out;
};

describe('kernel keeps no module-level mutable state (issue 11 point 4)', () => {
  it('no kernel source declares a top-level let/var or changes a module-level binding from a function', () => {
    const bad: string[] = [];
    for (const f of walk(kernelSrc)) for (const e of moduleState(f, readFileSync(f, 'utf8'))) bad.push(`${relative(root, f)}:${e}`);
    expect(bad).toEqual([]);
  });

  it('the checker itself flags memo state and lets load-time tables and locals pass (the test can fail)', () => {
    expect(moduleState('a.ts', 'let memo: number | null = null;\nexport const f = (): number => (memo ??= 1);\n')).toEqual(['1: module-level let memo']);
    expect(moduleState('b.ts', 'const memo = new WeakMap<object, number>();\nexport const f = (o: object): number => {\n  memo.set(o, 1);\n  return 1;\n};\n')).toEqual([
      '3: memo.set(…) inside a function',
    ]);
    expect(moduleState('c.ts', 'const cache: Record<string, number> = {};\nexport function g(k: string): void {\n  cache[k] = 1;\n}\n')).toEqual(['3: write to cache[k] inside a function']);
    expect(moduleState('d.ts', "const T = new Map<string, number>();\nfor (const x of ['a']) T.set(x, 1);\nconst S = new Set([1]);\nexport const h = (v: number): boolean => S.has(v) && T.has('a');\n")).toEqual([]);
    expect(moduleState('e.ts', 'const S = new Set<number>();\nexport const k = (S: Set<number>): void => {\n  S.add(1);\n  const out: number[] = [];\n  out.push(1);\n};\n')).toEqual([]);
  });
});
