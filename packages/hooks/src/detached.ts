/**
 * Work a hook hands to a short detached process so that it never waits on the network (notify.md §5 E3: the
 * notification flush; presence.md §10: publishing presence to a shared store), and the one cheap configuration read
 * that decides whether to start it.
 */
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { childProcess, readStateText, type Env } from '@arbiter/io-node';

/** Largest configuration file read, bytes (the kernel's `config.CONFIG_MAX_BYTES`). */
const CONFIG_READ_MAX = 64 * 1024;

/** The `arbiter` entry script of this installation: `arbiter.cjs` beside the running bundle, else the main script when it is one; `null` when neither is found. */
export const arbiterEntry = (): string | null => {
  const here = typeof __dirname === 'string' ? join(__dirname, 'arbiter.cjs') : null;
  if (here !== null && existsSync(here)) return here;
  const main = process.argv[1];
  return main !== undefined && /^arbiter(?:\.cjs)?$/.test(basename(main)) ? main : null;
};

/**
 * Start `node <bin> <args…>` in `cwd`, detached, stdio ignored, unref'd: an argument array, never a shell. The child
 * inherits `env` (so a webhook's `url_env` or a store's `token_env` resolves there). @returns `false` when the
 * spawn failed at once. Never throws.
 */
export const spawnDetached = (bin: string, args: ReadonlyArray<string>, cwd: string, env: Env): boolean => {
  try {
    const child = childProcess().spawn(process.execPath, [bin, ...args], { cwd, env: env as NodeJS.ProcessEnv, detached: true, stdio: 'ignore' });
    child.on('error', () => undefined);
    child.unref();
    return true;
  } catch {
    return false;
  }
};

/**
 * The parsed `.arbiter/config.json` of the worktree `topLevel` when its text mentions `"<key>"`, else `undefined`
 * (also for a missing, unreadable, oversized or malformed file): one bounded read, and no parse at all in the
 * common case where the section is absent. Never throws.
 */
export const configMentioning = (topLevel: string, key: string): unknown => {
  const text = readStateText(join(topLevel, '.arbiter', 'config.json'), CONFIG_READ_MAX);
  if (text === null || !text.includes(`"${key}"`)) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
};
