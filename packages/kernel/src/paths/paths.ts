/**
 * Paths, file partitions and task injection (paths.md; policy `paths`): the namespace's face.
 *
 * Modules, in the spec's order: `normalize.ts` (constants, model, `normalizePath` paths.md §1, `pathsOverlap` paths.md §2, cycle
 * finding), `partitions.ts` (`validateFilePartitions` paths.md §4, `admitByPartition` paths.md §5, their messages),
 * `injection.ts` (`validateInjection` paths.md §6), `probes.ts` (probe answers to facts, paths.md §11); here: the table.
 * Pure and total: no I/O, no clock; the case-sensitivity probe and symlink findings arrive as facts.
 */
import * as E from 'fp-ts/lib/Either.js';
import type { DecisionTable } from '../internal/table.js';
import { POLICY, POLICY_VERSION, normalizePath, pathsOverlap, renderPath } from './normalize.js';

export * from './normalize.js';
export * from './partitions.js';
export * from './injection.js';
export * from './probes.js';

// ───────────────────────────────────────── table ─────────────────────────────────────────

/**
 * The path-normalization and overlap table: representative raw inputs through `normalizePath`, and the overlap
 * of representative pairs under both case modes.
 */
export const table = (): DecisionTable => {
  const inputs = ['', '.', '/', './', '\\', './src//auth/', '\\lib\\x.ts', 'src/*.ts', 'a?b', 'a/../b', '..foo/x', '...', 'C:/repo/x.ts', 'c:x', '/src/x'];
  const rows: string[][] = inputs.map((raw) => {
    const r = normalizePath(raw);
    return [JSON.stringify(raw), E.isRight(r) ? renderPath(r.right) : '—', E.isRight(r) ? r.right._tag.toLowerCase() : r.left.code];
  });
  const pairs: Array<[string, string]> = [
    ['.', 'src/x.ts'],
    ['src/auth', 'src/auth/x.ts'],
    ['src/auth', 'src/auth-utils/'],
    ['Src/A.ts', 'src/a.ts'],
  ];
  for (const [a, b] of pairs) {
    const na = normalizePath(a);
    const nb = normalizePath(b);
    if (E.isRight(na) && E.isRight(nb)) {
      rows.push([`${a} ↔ ${b}`, String(pathsOverlap(na.right, nb.right, false)), `case-insensitive: ${pathsOverlap(na.right, nb.right, true)}`]);
    }
  }
  return {
    policy: POLICY,
    version: POLICY_VERSION,
    title: 'Path normalization (paths.md §1) and overlap (paths.md §2).',
    columns: ['input', 'normalized / overlap (case-sensitive)', 'result'],
    rows,
    notes: [
      'Whole-tree paths ("", ".", "/", "./", "\\") normalize to Root, which overlaps every path (fail-closed).',
      'Segments compare after NFC; case is ignored only when the repository file system is case-insensitive.',
    ],
  };
};
