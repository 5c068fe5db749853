/** Deep-freeze a test input (convoy.md §1 rule 4: kernel functions never mutate their arguments). */
export const deepFreeze = <T>(v: T): T => {
  if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) {
    if (v instanceof Map) {
      for (const [k, x] of v) {
        deepFreeze(k);
        deepFreeze(x);
      }
      // A frozen Map can still be mutated through set(); make the mutators throw.
      const m = v as unknown as Map<unknown, unknown>;
      m.set = () => {
        throw new Error('frozen map');
      };
      m.delete = () => {
        throw new Error('frozen map');
      };
      m.clear = () => {
        throw new Error('frozen map');
      };
    } else if (!(v instanceof RegExp)) {
      for (const x of Object.values(v as Record<string, unknown>)) deepFreeze(x);
    }
    Object.freeze(v);
  }
  return v;
};

/** At least 1 000 runs per property (convoy.md §8). */
export const RUNS = { numRuns: 1000 } as const;
