/**
 * `node:crypto`, loaded on first use. Loading it costs several milliseconds of start-up, which a hook that never
 * hashes or draws a random name (a read-only tool call, a no-op Stop) should not pay. `process.getBuiltinModule`
 * (Node ≥ 20.16) returns the built-in synchronously from both module formats.
 */
type Crypto = typeof import('node:crypto');

let mod: Crypto | null = null;

/** The `node:crypto` module, loaded on the first call. */
export const crypto = (): Crypto => {
  if (mod === null) mod = (process as unknown as { getBuiltinModule: (id: string) => Crypto }).getBuiltinModule('node:crypto');
  return mod;
};
