// Parts of a mutation module (docs/testing.md §3): a module whose code is too large for one Stryker run to finish in
// 15 minutes on two cores is mutated in parts, each its own run and report. A part is a run of whole top-level
// statements, given to Stryker as line ranges (`file.ts:10-240`); Stryker keeps a mutant only when its whole location
// lies in a range, and no mutant spans two top-level statements, so every mutant of the module falls in exactly one
// part and the parts' counts add up to the module's.
//
// Parts are balanced by weight, an estimate of the tested mutants: the syntax nodes that run when a function is
// called (inside a function, arrow, method or accessor body), leaving out type annotations (the checker rejects
// mutants there) and module-level initialisers (static mutants, which `ignoreStatic` leaves out). The TypeScript
// compiler's parser reads the files: it is already the project's type checker, and only it knows TypeScript syntax.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import picomatch from 'picomatch';
import ts from 'typescript';

/**
 * The weight above which a module is split (docs/testing.md §3). Calibration: `review`, weight 2,886 at about four
 * units per tested mutant, took 18.0 minutes with `--concurrency 2` at load average 2 to 3, about 3 of them the
 * initial test run. The first part of `push-gate-classifier`, weight 2,110 but denser (about 2.7 units per tested
 * mutant, 24 of them timeouts at 10 s or more each), took 15.8 minutes at load average 3: 2,000 was too much for a
 * dense module. 1,500 units leave a part of that density about 12 minutes.
 */
export const PART_WEIGHT = 1500;

const isFunctionLike = (n) =>
  ts.isFunctionDeclaration(n) || ts.isFunctionExpression(n) || ts.isArrowFunction(n) || ts.isMethodDeclaration(n) || ts.isGetAccessor(n) || ts.isSetAccessor(n) || ts.isConstructorDeclaration(n);

/** Nodes that run when a function is called, under `node`; `inBody` once inside a function body. */
const weigh = (node, inBody) => {
  if (ts.isTypeNode(node) || ts.isInterfaceDeclaration(node) || ts.isTypeAliasDeclaration(node)) return 0;
  const body = inBody || isFunctionLike(node);
  let w = inBody ? 1 : 0;
  ts.forEachChild(node, (c) => {
    w += weigh(c, body);
  });
  return w;
};

/**
 * The top-level statements of `file` (a path relative to the repository root) with the 1-based lines of their first
 * and last tokens, and their weight.
 */
export const statementsOf = (file) => {
  const text = readFileSync(file, 'utf8');
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const line = (pos) => sf.getLineAndCharacterOfPosition(pos).line + 1;
  return sf.statements.map((s) => ({ file, from: line(s.getStart(sf)), to: line(s.getEnd()), weight: weigh(s, false) }));
};

const walk = (dir) => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));

/** The files a module's patterns name (paths relative to the repository root, which is the working directory), sorted. */
export const filesOf = (patterns) => {
  const match = picomatch(patterns);
  return walk('packages/kernel/src').map((f) => f.split('\\').join('/')).filter((f) => match(f)).sort();
};

/**
 * A module's parts: one list of Stryker mutate patterns per part. A module of weight at most `PART_WEIGHT` is one part,
 * its own patterns. A heavier one is cut into ceil(weight / PART_WEIGHT) runs of consecutive top-level statements
 * (files in path order), each cut made where the running weight first reaches the next even share; every part holds
 * at least one statement, and each part's statements of one file form one range.
 */
export const partsOf = (patterns) => {
  const stmts = filesOf(patterns).flatMap(statementsOf);
  const total = stmts.reduce((a, s) => a + s.weight, 0);
  const n = Math.min(stmts.length, Math.max(1, Math.ceil(total / PART_WEIGHT)));
  if (n === 1) return [patterns];
  const parts = Array.from({ length: n }, () => []);
  let acc = 0;
  let k = 0;
  for (const [i, s] of stmts.entries()) {
    // the part whose even share the statement's middle falls in; never more than one past the last part used (so none
    // is left empty), and far enough on that each later part still gets a statement
    const share = Math.floor(((acc + s.weight / 2) * n) / Math.max(total, 1));
    k = Math.max(Math.min(share, k + 1, n - 1), i === 0 ? 0 : k, n - (stmts.length - i));
    if (i === 0) k = 0;
    parts[k].push(s);
    acc += s.weight;
  }
  return parts.map((ss) => {
    const ranges = new Map();
    for (const s of ss) {
      const r = ranges.get(s.file);
      ranges.set(s.file, r === undefined ? { from: s.from, to: s.to } : { from: r.from, to: s.to });
    }
    return [...ranges].map(([f, r]) => `${f}:${r.from}-${r.to}`);
  });
};

/**
 * A part's range (`file.ts:10-240`, as `partsOf` writes it) read back: `{ file, from, to }` with 1-based inclusive
 * lines, or null for a pattern that is not a range (a module run whole gives its plain patterns).
 */
export const rangeOf = (range) => {
  const m = /^(.*):(\d+)-(\d+)$/.exec(range);
  return m === null ? null : { file: m[1], from: Number(m[2]), to: Number(m[3]) };
};

/** The weight of a module's code (see above). */
export const weightOf = (patterns) => filesOf(patterns).flatMap(statementsOf).reduce((a, s) => a + s.weight, 0);
