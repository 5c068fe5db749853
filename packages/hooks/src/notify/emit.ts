/**
 * Emitting a notification (docs/notify.md §5): the only part of notifications a hook or verb runs inline.
 *
 * With no `notify.webhooks` configured, {@link emitNotification} reads the configuration (or is handed it) and
 * returns: no file written, no process started, no further module loaded (E2). Otherwise it appends one line to the
 * repository's outbox (io-node notify-append.ts, one non-blocking append like the decision log's) and starts
 * `arbiter notify flush` as a detached process with its output ignored (E3): the network is never waited on here.
 */
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { normalizeNotifyEvent, wantsNotifications, type NotifyEvent } from '@arbiter/kernel';
import { appendOutbox, childProcess, outboxLine, readStateText, resolveRepo, type Env } from '@arbiter/io-node';

/** Where and how to emit (see {@link emitNotification}). */
export interface NotifyContext {
  /** A directory inside the repository the event belongs to (the hook's `cwd`, the verb's working directory). */
  readonly startDir: string;
  readonly env: Env;
  /** The repository when the caller resolved it already (`resolveRepo`); `null` = outside a repository. */
  readonly repo?: { readonly topLevel: string; readonly runtimeDir: string } | null;
  /** The parsed `.arbiter/config.json` when the caller has it (saves one read); `undefined` = read it here. */
  readonly config?: unknown;
  /** Instant of the event, ms epoch (default: now). */
  readonly now?: number;
  /** The `arbiter` entry script to spawn for the flush; `null` = do not spawn (tests). Default: found beside this bundle. */
  readonly bin?: string | null;
}

/** What {@link emitNotification} did: nothing (`off`: no webhook configured or outside a repository), queued, or not. */
export type EmitResult = 'off' | 'queued' | 'overflow' | 'invalid' | 'failed';

/** Largest configuration file read, bytes (the kernel's `config.CONFIG_MAX_BYTES`). */
const CONFIG_READ_MAX = 64 * 1024;

/** The `arbiter` entry script of this installation: `arbiter.cjs` beside the running bundle, else the main script when it is one. */
const defaultBin = (): string | null => {
  const here = typeof __dirname === 'string' ? join(__dirname, 'arbiter.cjs') : null;
  if (here !== null && existsSync(here)) return here;
  const main = process.argv[1];
  return main !== undefined && /^arbiter(?:\.cjs)?$/.test(basename(main)) ? main : null;
};

/**
 * Start `node <bin> notify flush` in `cwd`, detached, stdio ignored, unref'd: argument array, never a shell
 * (docs/notify.md §5 E3). The child inherits `env` (so a webhook's `url_env` resolves there). Never throws.
 */
export const spawnFlush = (bin: string, cwd: string, env: Env): boolean => {
  try {
    const child = childProcess().spawn(process.execPath, [bin, 'notify', 'flush', '--quiet'], { cwd, env: env as NodeJS.ProcessEnv, detached: true, stdio: 'ignore' });
    child.on('error', () => undefined);
    child.unref();
    return true;
  } catch {
    return false;
  }
};

/**
 * Emit one notification event (docs/notify.md §5): `event` is a `NotifyEvent` (kernel `notify.NotifyEvent`)
 * (`{kind:'lane-granted', lane, session, fence}`, `{kind:'halt', target, by, reason}`,
 * `{kind:'waiting', session, branch, message?}`, `{kind:'block', policy, reason, session, lane?}`).
 *
 * - outside a repository, or when the configuration has no `notify.webhooks` entry: `off`, nothing written;
 * - an event that does not read (`notify.normalizeEvent`): `invalid`, nothing written;
 * - else one masked, sanitised line appended to `<runtime dir>/notify/outbox.ndjson` (`queued`; `overflow` when the
 *   outbox is full and the event was only counted) and a detached `arbiter notify flush` started.
 *
 * Synchronous, bounded (a few small file operations and one spawn), never throws, never waits on the network.
 */
export const emitNotification = (ctx: NotifyContext, event: NotifyEvent): EmitResult => {
  try {
    const repo = ctx.repo === undefined ? resolveRepo(ctx.startDir, ctx.env) : ctx.repo;
    if (repo === null) return 'off';
    let config = ctx.config;
    if (config === undefined) {
      const text = readStateText(join(repo.topLevel, '.arbiter', 'config.json'), CONFIG_READ_MAX);
      if (text === null || !text.includes('"notify"')) return 'off'; // cheap: no parse when the key is absent
      try {
        config = JSON.parse(text) as unknown;
      } catch {
        return 'off';
      }
    }
    if (!wantsNotifications(config)) return 'off';
    const e = normalizeNotifyEvent(event);
    if (e === null) return 'invalid';
    const r = appendOutbox(repo.runtimeDir, outboxLine(e, ctx.now ?? Date.now()));
    if (r._tag === 'Failed') return 'failed';
    const bin = ctx.bin === undefined ? defaultBin() : ctx.bin;
    if (bin !== null) spawnFlush(bin, repo.topLevel, ctx.env);
    return r._tag === 'Appended' ? 'queued' : 'overflow';
  } catch {
    return 'failed';
  }
};

/** The session a decision-log fact set names (`session_id`, `identity.session`, `session`), else `unknown`. */
export const sessionOfFacts = (facts: Record<string, unknown>): string => {
  const id = facts['identity'];
  const cands = [facts['session_id'], typeof id === 'object' && id !== null ? (id as Record<string, unknown>)['session'] : undefined, facts['session']];
  const s = cands.find((c): c is string => typeof c === 'string' && c !== '');
  return s ?? 'unknown';
};
