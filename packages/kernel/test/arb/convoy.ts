/**
 * Shared fast-check arbitraries for the convoy decisions (convoy.md §8): instants biased to values
 * near each other, breaker states and books, reviewer results, and a deep-freeze helper (convoy.md §1 rule 4).
 */
import fc from 'fast-check';
import type { breaker, review } from '@arbiter/kernel';

/** Instants in [0, 2^42], biased to a small neighbourhood so that comparisons hit their boundaries. */
export const arbEpochMs: fc.Arbitrary<number> = fc.oneof(
  fc.integer({ min: 0, max: 2 ** 42 }),
  fc.integer({ min: 1_000_000, max: 1_000_000 + 10_000_000 }),
  fc.constantFrom(0, 1_000_000, 1_300_000, 1_299_999, 4_600_000),
);

export const arbTaskId: fc.Arbitrary<string> = fc.stringMatching(/^[A-Za-z0-9._-]{1,12}$/);
export const arbSmallTaskId: fc.Arbitrary<string> = fc.constantFrom('t1', 't2', 't3', 'p', 'q');
export const arbAgent: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('developer', 'security-expert', 'fallback', '__proto__', '123', 'a b', 'Ünïcode'),
  fc.string({ minLength: 1, maxLength: 20 }).filter((s) => !/[\u0000-\u001f\u007f-\u009f]/.test(s)),
);

export const arbProbe: fc.Arbitrary<breaker.Probe> = fc.oneof(
  fc.constant({ _tag: 'Free' } as const),
  fc.record({ _tag: fc.constant('Leased' as const), taskId: arbSmallTaskId, leasedAt: arbEpochMs }),
);

export const arbBreakerState: fc.Arbitrary<breaker.BreakerState> = fc.oneof(
  fc.record({ _tag: fc.constant('Closed' as const), failures: fc.nat({ max: 10 }) }),
  fc.record({ _tag: fc.constant('Open' as const), openedAt: arbEpochMs, lateFailures: fc.nat({ max: 10 }) }),
  fc.record({ _tag: fc.constant('HalfOpen' as const), since: arbEpochMs, probe: arbProbe }),
);

/** A book: a dictionary from agent names to states (own data properties, `__proto__` included). */
export const arbBook: fc.Arbitrary<breaker.Book> = fc
  .array(fc.tuple(arbAgent, arbBreakerState), { maxLength: 6 })
  .map((pairs) => {
    const out: Record<string, breaker.BreakerState> = {};
    for (const [k, v] of pairs) Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
    return out;
  });

export const arbConfig: fc.Arbitrary<breaker.BreakerConfig> = fc.record({
  threshold: fc.integer({ min: 1, max: 6 }),
  cooldownMs: fc.oneof(fc.constant(300_000), fc.integer({ min: 0, max: 1_000_000 })),
  probeLeaseMs: fc.oneof(fc.constant(3_600_000), fc.integer({ min: 1, max: 5_000_000 })),
  fallbackAgent: fc.oneof(fc.constant(null), fc.constantFrom('fallback', 'developer')),
});

export const arbReviewerResult: fc.Arbitrary<review.ReviewerResult> = fc.oneof(
  fc.record({ _tag: fc.constant('Pass' as const), feedback: fc.string({ maxLength: 10 }), tokens: fc.nat({ max: 5000 }) }),
  fc.record({ _tag: fc.constant('Block' as const), feedback: fc.string({ maxLength: 10 }), tokens: fc.nat({ max: 5000 }) }),
  fc.record({ _tag: fc.constant('Skipped' as const), reason: fc.constantFrom('timeout', 'no-verdict', 'not-configured'), tokens: fc.nat({ max: 5000 }) }),
);

export const arbReviewerResults = (maxLength = 5): fc.Arbitrary<review.ReviewerResult[]> => fc.array(arbReviewerResult, { maxLength });

/** Recursively freeze a value (objects and arrays), returning it. */
export const deepFreeze = <T>(v: T): T => {
  if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const k of Object.getOwnPropertyNames(v)) deepFreeze((v as Record<string, unknown>)[k]);
  }
  return v;
};

/** A random DAG (or, with `cycles`, any digraph) over tasks `t0…t(n-1)` with statuses; edges are (dependency → dependent). */
export interface Graph {
  readonly ids: ReadonlyArray<string>;
  readonly deps: Readonly<Record<string, ReadonlyArray<string>>>;
  readonly status: Readonly<Record<string, string>>;
}

export const arbDag = (opts: { cycles?: boolean } = {}): fc.Arbitrary<Graph> =>
  fc.integer({ min: 1, max: 9 }).chain((n) => {
    const ids = Array.from({ length: n }, (_, i) => `t${i}`);
    return fc
      .tuple(
        fc.array(fc.tuple(fc.nat({ max: n - 1 }), fc.nat({ max: n - 1 })), { maxLength: n * 2 }),
        fc.array(fc.constantFrom('pending', 'pending', 'pending', 'running', 'assigned', 'done', 'failed', 'skipped'), { minLength: n, maxLength: n }),
      )
      .map(([edges, statuses]) => {
        const deps: Record<string, string[]> = Object.fromEntries(ids.map((id) => [id, []]));
        for (const [a, b] of edges) {
          if (a === b) continue;
          if (!opts.cycles && a >= b) continue; // dependency a of b only when a < b: acyclic
          const list = deps[`t${b}`] as string[];
          if (!list.includes(`t${a}`)) list.push(`t${a}`);
        }
        return { ids, deps, status: Object.fromEntries(ids.map((id, i) => [id, statuses[i] as string])) };
      });
  });

/** Reference BFS: transitive dependents of `root` (following reversed edges through any status) that are pending. */
export const pendingDependents = (g: Graph, root: string): string[] => {
  const seen = new Set<string>([root]);
  const queue = [root];
  const out: string[] = [];
  while (queue.length > 0) {
    const cur = queue.shift() as string;
    for (const id of g.ids) {
      if (!seen.has(id) && (g.deps[id] ?? []).includes(cur)) {
        seen.add(id);
        queue.push(id);
        if (g.status[id] === 'pending') out.push(id);
      }
    }
  }
  return out;
};
