/**
 * `node:crypto`, `node:os`, `node:fs/promises` and `node:child_process`, loaded on first use. Each costs milliseconds
 * of start-up in a fresh process (crypto ~4 ms, fs/promises ~5 ms with the readline and stream modules it pulls in,
 * child_process ~8 ms with net, dgram and the streams), which a hook that never hashes, spawns git or asks for the
 * home directory (a session-lock acquire, a no-op Stop) should not pay. `process.getBuiltinModule` (Node ≥ 20.16)
 * returns a built-in synchronously from both module formats.
 */
type Crypto = typeof import('node:crypto');
type Os = typeof import('node:os');
type FsPromises = typeof import('node:fs/promises');
type ChildProcess = typeof import('node:child_process');

const builtin = <M>(id: string): M => (process as unknown as { getBuiltinModule: (id: string) => M }).getBuiltinModule(id);

let cryptoMod: Crypto | null = null;
let osMod: Os | null = null;
let fspMod: FsPromises | null = null;
let cpMod: ChildProcess | null = null;

/** The `node:crypto` module, loaded on the first call. */
export const crypto = (): Crypto => (cryptoMod ??= builtin<Crypto>('node:crypto'));

/** The `node:os` module, loaded on the first call. */
export const os = (): Os => (osMod ??= builtin<Os>('node:os'));

/** The `node:fs/promises` module, loaded on the first call. */
export const fsp = (): FsPromises => (fspMod ??= builtin<FsPromises>('node:fs/promises'));

/** The `node:child_process` module, loaded on the first call. */
export const childProcess = (): ChildProcess => (cpMod ??= builtin<ChildProcess>('node:child_process'));

/**
 * Milliseconds on a monotonic clock (for durations only), from `process.hrtime` — unlike the `performance` global,
 * it loads no module (`perf_hooks` is about ten internal modules on a cold start).
 */
export const monotonicMs = (): number => Number(process.hrtime.bigint()) / 1e6;
