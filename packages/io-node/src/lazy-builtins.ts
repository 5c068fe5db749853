/**
 * `node:crypto`, `node:os` and `node:fs/promises`, loaded on first use. Loading either costs several milliseconds of start-up in a
 * fresh process (measured ~4 ms and ~5 ms), which a hook that never hashes, draws a random name or asks for the
 * home directory (a read-only tool call, a no-op Stop) should not pay. `process.getBuiltinModule` (Node ≥ 20.16)
 * returns a built-in synchronously from both module formats.
 */
type Crypto = typeof import('node:crypto');
type Os = typeof import('node:os');
type FsPromises = typeof import('node:fs/promises');

const builtin = <M>(id: string): M => (process as unknown as { getBuiltinModule: (id: string) => M }).getBuiltinModule(id);

let cryptoMod: Crypto | null = null;
let osMod: Os | null = null;
let fspMod: FsPromises | null = null;

/** The `node:crypto` module, loaded on the first call. */
export const crypto = (): Crypto => (cryptoMod ??= builtin<Crypto>('node:crypto'));

/** The `node:os` module, loaded on the first call. */
export const os = (): Os => (osMod ??= builtin<Os>('node:os'));

/** The `node:fs/promises` module, loaded on the first call. */
export const fsp = (): FsPromises => (fspMod ??= builtin<FsPromises>('node:fs/promises'));
