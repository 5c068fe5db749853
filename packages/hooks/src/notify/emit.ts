/**
 * Emitting a notification (docs/notify.md §5): the only part of notifications a hook or verb runs inline.
 *
 * With no `notify.webhooks` configured, {@link emitNotification} reads the configuration (or is handed it) and
 * returns: no file written, no process started, no further module loaded (E2). Otherwise it appends one line to the
 * repository's outbox (io-node notify-append.ts, one non-blocking append like the decision log's) and starts
 * `arbiter notify flush` as a detached process with its output ignored (E3): the network is never waited on here.
 */
import { normalizeNotifyEvent, wantsNotifications, type NotifyEvent } from '@arbiter/kernel';
import { appendOutbox, outboxLine, resolveRepo, type Env } from '@arbiter/io-node';
import { arbiterEntry, configMentioning, spawnDetached } from '../detached.js';

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

/**
 * Emit one notification event (docs/notify.md §5): `event` is a `NotifyEvent` (kernel `notify.NotifyEvent`)
 * (`{kind:'lane-granted', lane, session, fence}`, `{kind:'halt', target, by, reason}`,
 * `{kind:'waiting', session, branch, message?}`, `{kind:'block', policy, reason, session, lane?}`).
 *
 * - outside a repository, or when the configuration has no `notify.webhooks` entry: `off`, nothing written;
 * - an event that does not read (`notify.normalizeEvent`): `invalid`, nothing written;
 * - else one masked, sanitized line appended to `<runtime dir>/notify/outbox.ndjson` (`queued`; `overflow` when the
 *   outbox is full and the event was only counted) and a detached `arbiter notify flush` started.
 *
 * Synchronous, bounded (a few small file operations and one spawn), never throws, never waits on the network.
 */
export const emitNotification = (ctx: NotifyContext, event: NotifyEvent): EmitResult => {
  try {
    const repo = ctx.repo === undefined ? resolveRepo(ctx.startDir, ctx.env) : ctx.repo;
    if (repo === null) return 'off';
    const config = ctx.config === undefined ? configMentioning(repo.topLevel, 'notify') : ctx.config;
    if (!wantsNotifications(config)) return 'off';
    const e = normalizeNotifyEvent(event);
    if (e === null) return 'invalid';
    const r = appendOutbox(repo.runtimeDir, outboxLine(e, ctx.now ?? Date.now()));
    if (r._tag === 'Failed') return 'failed';
    const bin = ctx.bin === undefined ? arbiterEntry() : ctx.bin;
    if (bin !== null) spawnDetached(bin, ['notify', 'flush', '--quiet'], repo.topLevel, ctx.env);
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
