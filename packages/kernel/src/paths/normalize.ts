/**
 * Paths of the `paths` policy (paths.md §1, paths.md §2, paths.md §7): constants, the normalized path model,
 * `normalizePath`, `pathsOverlap`, and the dependency-graph cycle finder shared by paths.md §4 and paths.md §6. Pure and total.
 */
import * as t from 'io-ts';
import * as E from 'fp-ts/lib/Either.js';
import type { ReadonlyNonEmptyArray } from 'fp-ts/lib/ReadonlyNonEmptyArray.js';

// ───────────────────────────────────────── constants (paths.md §7) ─────────────────────────────────────────

export const POLICY = 'paths';
export const POLICY_VERSION = '1.0.0';
/** At most this many tasks with the injected flag per run (paths.md §6 I2). */
export const MAX_INJECTED_TASKS = 10;
/** Injected task defaults (paths.md §6 I8), ms and count. */
export const INJECTED_DEFAULT_TIMEOUT_MS = 1_800_000;
export const INJECTED_DEFAULT_MAX_RETRIES = 1;

// ───────────────────────────────────────── model ─────────────────────────────────────────

/** A normalized repository path (paths.md §1): the whole tree, or a non-empty segment list with a directory flag. */
export type NormPath =
  | { readonly _tag: 'Root' }
  | { readonly _tag: 'Rel'; readonly segments: ReadonlyNonEmptyArray<string>; readonly dir: boolean };

export const ROOT: NormPath = { _tag: 'Root' };

/** Why a raw path was refused (paths.md §1 N1, N5, N6). */
export type PathErrorCode = 'path-glob' | 'path-traversal' | 'path-drive';
export interface PathError {
  readonly _tag: 'PathError';
  readonly code: PathErrorCode;
  readonly raw: string;
}

/** How a task ends when no attempt is left (convoy.md §7, retry.md §6). */
export type ExhaustMode = 'dlq' | 'skip' | 'stop';
export const ExhaustModeCodec = t.keyof({ dlq: null, skip: null, stop: null });

// ───────────────────────────────────────── paths.md §1 normalizePath ─────────────────────────────────────────

/**
 * Normalize a raw repository path (paths.md §1, rules N1–N8, in order).
 *
 * @param raw any string (a task `files` entry, an injection path, a panel path, an allowlist path).
 * @returns `Right Root` for the whole tree (`''`, `.`, `/`, `./`, `\`), `Right Rel {segments, dir}` otherwise;
 *   `Left PathError` with `path-glob` (contains `*` or `?`), `path-traversal` (a `..` segment after separator
 *   conversion) or `path-drive` (first segment starts with one ASCII letter and `:`). Never throws.
 */
export const normalizePath = (raw: string): E.Either<PathError, NormPath> => {
  // N1
  if (raw.includes('*') || raw.includes('?')) return E.left({ _tag: 'PathError', code: 'path-glob', raw });
  // N2
  const dir = raw.endsWith('/') || raw.endsWith('\\');
  // N3, N4
  const segments = raw
    .replace(/\\/g, '/')
    .split('/')
    .filter((s) => s !== '' && s !== '.');
  // N5
  if (segments.includes('..')) return E.left({ _tag: 'PathError', code: 'path-traversal', raw });
  const first = segments[0];
  // N6
  if (first !== undefined && /^[A-Za-z]:/.test(first)) return E.left({ _tag: 'PathError', code: 'path-drive', raw });
  // N7, N8
  if (first === undefined) return E.right(ROOT);
  return E.right({ _tag: 'Rel', segments: segments as unknown as ReadonlyNonEmptyArray<string>, dir });
};

/** Render a `NormPath` (paths.md §1): `Root` is `.`, `Rel` is its segments joined by `/` plus `/` when `dir`. */
export const renderPath = (p: NormPath): string => (p._tag === 'Root' ? '.' : p.segments.join('/') + (p.dir ? '/' : ''));

/** Two `NormPath`s are structurally equal (same tag, segments and directory flag). */
export const samePath = (a: NormPath, b: NormPath): boolean =>
  a._tag === 'Root'
    ? b._tag === 'Root'
    : b._tag === 'Rel' && a.dir === b.dir && a.segments.length === b.segments.length && a.segments.every((s, i) => s === b.segments[i]);

// ───────────────────────────────────────── paths.md §2 pathsOverlap ─────────────────────────────────────────

/** Comparison key of one segment (paths.md §2 O2): NFC, then `toLowerCase()` when case-insensitive. */
export const segmentKey = (s: string, caseInsensitive: boolean): string => {
  const n = s.normalize('NFC');
  return caseInsensitive ? n.toLowerCase() : n;
};

/**
 * Do two normalized paths overlap (paths.md §2, rules O1–O3)? `Root` overlaps everything; two `Rel` paths overlap iff one
 * segment list is a prefix of the other after NFC (and lower-casing when `caseInsensitive`). The directory flag is
 * ignored. Symmetric and reflexive. Never throws.
 */
export const pathsOverlap = (a: NormPath, b: NormPath, caseInsensitive: boolean): boolean => {
  if (a._tag === 'Root' || b._tag === 'Root') return true; // O1
  const n = Math.min(a.segments.length, b.segments.length);
  for (let i = 0; i < n; i++) {
    const x = a.segments[i] as string;
    const y = b.segments[i] as string;
    if (x !== y && segmentKey(x, caseInsensitive) !== segmentKey(y, caseInsensitive)) return false; // O2, O3
  }
  return true;
};

// ───────────────────────────────────────── graphs (shared by paths.md §4 and paths.md §6) ─────────────────────────────

/**
 * Strongly connected components that form cycles (size ≥ 2, or one node with a self edge), over `nodes` in the
 * given order with edges `edges(n)` (targets outside `nodes` are ignored). Each cycle lists its members in node
 * order; cycles are ordered by their first member. Iterative Tarjan: linear in nodes + edges.
 */
export const findCycles = (
  nodes: ReadonlyArray<string>,
  edges: (n: string) => ReadonlyArray<string>,
): ReadonlyArray<ReadonlyArray<string>> => {
  const order = new Map<string, number>();
  nodes.forEach((n, i) => order.set(n, i));
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const out: string[][] = [];
  let counter = 0;
  for (const root of nodes) {
    if (index.has(root)) continue;
    const work: Array<{ node: string; next: number; succ: ReadonlyArray<string> }> = [];
    const push = (n: string) => {
      index.set(n, counter);
      low.set(n, counter);
      counter++;
      stack.push(n);
      onStack.add(n);
      work.push({ node: n, next: 0, succ: edges(n).filter((m) => order.has(m)) });
    };
    push(root);
    while (work.length > 0) {
      const top = work[work.length - 1] as { node: string; next: number; succ: ReadonlyArray<string> };
      if (top.next < top.succ.length) {
        const m = top.succ[top.next++] as string;
        if (!index.has(m)) push(m);
        else if (onStack.has(m)) low.set(top.node, Math.min(low.get(top.node) as number, index.get(m) as number));
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent !== undefined) low.set(parent.node, Math.min(low.get(parent.node) as number, low.get(top.node) as number));
      if (low.get(top.node) === index.get(top.node)) {
        const comp: string[] = [];
        for (;;) {
          const x = stack.pop() as string;
          onStack.delete(x);
          comp.push(x);
          if (x === top.node) break;
        }
        if (comp.length > 1 || top.succ.includes(top.node)) {
          comp.sort((p, q) => (order.get(p) as number) - (order.get(q) as number));
          out.push(comp);
        }
      }
    }
  }
  return out.sort((p, q) => (order.get(p[0] as string) as number) - (order.get(q[0] as string) as number));
};
