/** Shared graph arbitraries (convoy.md §8 `arbDag`): nodes `t0 … tn-1` with random edges, acyclic unless `cycles`. */
import fc from 'fast-check';

export interface DagNode {
  readonly id: string;
  readonly deps: ReadonlyArray<string>;
}

export const arbDag = (opts: { readonly maxNodes?: number; readonly cycles?: boolean } = {}): fc.Arbitrary<ReadonlyArray<DagNode>> =>
  fc.integer({ min: 1, max: opts.maxNodes ?? 8 }).chain((n) =>
    fc
      .array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1)), { maxLength: n * 2 })
      .map((pairs) => {
        const deps: string[][] = Array.from({ length: n }, () => []);
        for (const [a, b] of pairs) {
          // acyclic: only edges to earlier nodes
          if (opts.cycles === true ? true : b < a) {
            const d = `t${b}`;
            if (!(deps[a] as string[]).includes(d)) (deps[a] as string[]).push(d);
          }
        }
        return deps.map((d, i) => ({ id: `t${i}`, deps: d }));
      }),
  );

/** Reference: longest-path layer (1-based) of each node of an acyclic graph. */
export const refLayers = (nodes: ReadonlyArray<DagNode>): Map<string, number> => {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const memo = new Map<string, number>();
  const layer = (id: string): number => {
    const m = memo.get(id);
    if (m !== undefined) return m;
    const deps = byId.get(id)?.deps ?? [];
    const v = deps.length === 0 ? 1 : 1 + Math.max(...deps.map(layer));
    memo.set(id, v);
    return v;
  };
  for (const n of nodes) layer(n.id);
  return memo;
};

/** Reference: does `from` reach `to` through dependency edges (BFS)? */
export const reaches = (nodes: ReadonlyArray<DagNode>, from: string, to: string): boolean => {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const seen = new Set<string>();
  const q = [...(byId.get(from)?.deps ?? [])];
  while (q.length > 0) {
    const x = q.shift() as string;
    if (x === to) return true;
    if (seen.has(x)) continue;
    seen.add(x);
    q.push(...(byId.get(x)?.deps ?? []));
  }
  return false;
};

/** Reference cycle test (DFS colours). */
export const hasCycle = (nodes: ReadonlyArray<DagNode>): boolean => {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const colour = new Map<string, number>();
  const visit = (id: string): boolean => {
    const c = colour.get(id);
    if (c === 1) return true;
    if (c === 2) return false;
    colour.set(id, 1);
    for (const d of byId.get(id)?.deps ?? []) if (byId.has(d) && visit(d)) return true;
    colour.set(id, 2);
    return false;
  };
  return nodes.some((n) => visit(n.id));
};
