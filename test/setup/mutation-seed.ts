/**
 * Setup file of mutation runs only (vitest.mutate.config.ts; testing.md §3 "Fixed seed"): fast-check draws every
 * property's cases from one fixed seed, so every run of the same code and tests draws the same cases and whether a
 * mutant is killed no longer depends on the draw. `npm test` keeps a new seed per run, so the suites keep exploring.
 * `ARBITER_FC_SEED` (an integer) picks another seed, to look at a mutant's fate under it. Merges into the global
 * configuration rather than replacing it (a file's own `numRuns` stays its own).
 */
import fc from 'fast-check';

/** The seed of mutation runs unless `ARBITER_FC_SEED` names another: the date the fixed seed was introduced. */
export const MUTATION_SEED = 20261207;

/**
 * The seed a mutation run uses: `ARBITER_FC_SEED` when it is a safe integer (decimal, optional sign), else
 * `MUTATION_SEED`. `env` is the process environment (a parameter so a test can give its own).
 */
export const mutationSeed = (env: NodeJS.ProcessEnv = process.env): number => {
  const raw = env['ARBITER_FC_SEED'];
  const n = raw !== undefined && /^[+-]?\d{1,15}$/.test(raw.trim()) ? Number(raw.trim()) : NaN;
  return Number.isSafeInteger(n) ? n : MUTATION_SEED;
};

fc.configureGlobal({ ...fc.readConfigureGlobal(), seed: mutationSeed() });
