/**
 * An in-memory file tree with symlinks implementing the `PathProbes` port (paths.md §3, paths.md §6): the model the real
 * adapter (io-node `nodePathProbes`) is checked against in `test/contract/path-probes.contract.ts`. Paths are absolute
 * POSIX strings; the tree can be case-sensitive or case-insensitive (names kept as written, looked up by lower case),
 * and the case probe can be made to fail.
 */
import type { CaseProbe, PathProbes, SymlinkScanEntry } from '@arbiter/kernel';

type Node = { readonly kind: 'dir' } | { readonly kind: 'file' } | { readonly kind: 'link'; readonly target: string };

/** Symlinks followed per request path before `unresolved` (`ELOOP`), as in io-node. */
const MAX_LINK_HOPS = 40;

/** The in-memory tree and its probes. */
export interface MemoryPathProbes extends PathProbes {
  /** Create a directory and its missing parents. */
  readonly mkdir: (path: string) => void;
  /** Create an empty file (parents must exist). */
  readonly write: (path: string) => void;
  /** Create a symlink at `path` whose target is `target` (stored as written, like symlink(2)). */
  readonly symlink: (target: string, path: string) => void;
  /** Remove an entry and everything under it. */
  readonly remove: (path: string) => void;
  /** Names directly under a directory, sorted. */
  readonly list: (path: string) => ReadonlyArray<string>;
  /** Whether names differ by case (default false: case-sensitive). */
  readonly setCaseInsensitive: (on: boolean) => void;
  /** Make the case probe's create fail with this code (`null` restores it). */
  readonly failCaseProbe: (detail: string | null) => void;
  /** Case probes run so far. */
  readonly caseProbes: () => number;
}

const parentOf = (p: string): string => {
  const i = p.lastIndexOf('/');
  return i <= 0 ? '/' : p.slice(0, i);
};
const childOf = (dir: string, name: string): string => (dir === '/' ? `/${name}` : `${dir}/${name}`);

/** Create an empty tree holding only `/`. */
export const memoryPathProbes = (): MemoryPathProbes => {
  const nodes = new Map<string, Node>([['/', { kind: 'dir' }]]);
  let insensitive = false;
  let caseFail: string | null = null;
  let probes = 0;
  let seq = 0;
  const key = (p: string): string => (insensitive ? p.toLowerCase() : p);
  const find = (p: string): { path: string; node: Node } | null => {
    const direct = nodes.get(p);
    if (direct !== undefined) return { path: p, node: direct };
    if (!insensitive) return null;
    for (const [k, n] of nodes) if (key(k) === key(p)) return { path: k, node: n };
    return null;
  };
  const mkdir = (p: string): void => {
    if (p === '/' || find(p) !== null) return;
    mkdir(parentOf(p));
    nodes.set(p, { kind: 'dir' });
  };
  const add = (p: string, n: Node): void => {
    if (find(parentOf(p))?.node.kind !== 'dir') throw new Error(`ENOENT: ${parentOf(p)}`);
    if (find(p) !== null) throw new Error(`EEXIST: ${p}`);
    nodes.set(p, n);
  };

  type Pos = { ok: true; path: string; missing: boolean } | { ok: false; detail: string };
  const step = (cur: string, missing: boolean, seg: string, hops: { n: number }): Pos => {
    if (seg === '' || seg === '.') return { ok: true, path: cur, missing };
    if (seg === '..') return { ok: true, path: parentOf(cur), missing };
    const next = childOf(cur, seg);
    if (missing) return { ok: true, path: next, missing: true };
    const f = find(next);
    if (f === null) return { ok: true, path: next, missing: true };
    if (f.node.kind !== 'link') return { ok: true, path: f.path, missing: false };
    if (++hops.n > MAX_LINK_HOPS) return { ok: false, detail: 'ELOOP' };
    let pos: Pos = { ok: true, path: f.node.target.startsWith('/') ? '/' : cur, missing: false };
    for (const s of f.node.target.split('/')) {
      if (!pos.ok) break;
      pos = step(pos.path, pos.missing, s, hops);
    }
    return pos;
  };
  const resolveAll = (p: string): Pos => {
    let pos: Pos = { ok: true, path: '/', missing: false };
    const hops = { n: 0 };
    for (const s of p.split('/')) {
      if (!pos.ok) break;
      pos = step(pos.path, pos.missing, s, hops);
    }
    return pos;
  };
  const within = (p: string, root: string): boolean => key(p) === key(root) || key(p).startsWith(key(root === '/' ? '/' : `${root}/`));

  return {
    caseProbe: (top) => async (): Promise<CaseProbe> => {
      probes++;
      const dir = find(`${top}/.arbiter`);
      if (caseFail !== null) return { _tag: 'Failed', detail: caseFail };
      if (dir === null || dir.node.kind !== 'dir') return { _tag: 'Failed', detail: 'ENOENT' };
      const name = `${dir.path}/case-probe-${++seq}-memory.tmp`;
      nodes.set(name, { kind: 'file' });
      try {
        const other = find(`${dir.path}/${name.slice(dir.path.length + 1).toUpperCase()}`);
        return other !== null && other.path === name ? { _tag: 'Found' } : { _tag: 'NotFound' };
      } finally {
        nodes.delete(name);
      }
    },
    symlinkScan: (top, requests) => async (): Promise<ReadonlyArray<SymlinkScanEntry>> => {
      const r = resolveAll(top);
      if (!r.ok || r.missing) return requests.map((path) => ({ path, outcome: 'unresolved', detail: r.ok ? 'ENOENT' : r.detail }));
      const root = r.path;
      return requests.map((path): SymlinkScanEntry => {
        const segs = path.split('/').filter((s) => s !== '' && s !== '.');
        let pos: Pos = { ok: true, path: root, missing: false };
        const hops = { n: 0 };
        for (let i = 0; i < segs.length; i++) {
          pos = step(pos.path, pos.missing, segs[i] as string, hops);
          if (!pos.ok) return { path, outcome: 'unresolved', detail: pos.detail };
          if (!within(pos.path, root)) return { path, outcome: 'escapes', via: segs.slice(0, i + 1).join('/') };
        }
        return { path, outcome: 'inside' };
      });
    },
    mkdir,
    write: (p) => add(p, { kind: 'file' }),
    symlink: (target, p) => add(p, { kind: 'link', target }),
    remove: (p) => {
      for (const k of [...nodes.keys()]) if (k !== '/' && (key(k) === key(p) || key(k).startsWith(key(`${p}/`)))) nodes.delete(k);
    },
    list: (p) => {
      const f = find(p);
      if (f === null) return [];
      const prefix = f.path === '/' ? '/' : `${f.path}/`;
      return [...nodes.keys()].filter((k) => k !== f.path && k.startsWith(prefix) && !k.slice(prefix.length).includes('/')).map((k) => k.slice(prefix.length)).sort();
    },
    setCaseInsensitive: (on) => {
      insensitive = on;
    },
    failCaseProbe: (d) => {
      caseFail = d;
    },
    caseProbes: () => probes,
  };
};
