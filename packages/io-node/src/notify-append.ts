/**
 * The emitter's half of the notification outbox (docs/notify.md §5): one append of one small NDJSON line to
 * `<runtime dir>/notify/outbox.ndjson`, non-blocking like the decision log's (state-io.ts: `O_APPEND`, no symlink
 * followed, never a wait on a FIFO). Only `node:fs` is loaded; nothing here reads the network or spawns.
 *
 * The flush process (notify-outbox.ts) claims the file by renaming it, so an emitter always appends to a fresh one.
 */
import { join } from 'node:path';
import { statSync } from 'node:fs';
import { ensureDir } from './dir.js';
import { appendState } from './state-io.js';

/** Directory of the outbox, the queue state and the flush lock inside a repository's runtime directory. */
export const notifyDir = (runtimeDir: string): string => join(runtimeDir, 'notify');
/** Name of the outbox file the emitters append to. */
export const OUTBOX_FILE = 'outbox.ndjson';
/** Name of the file that counts events the emitters could not store (one byte each). */
export const OVERFLOW_FILE = 'outbox.overflow';
/**
 * Largest outbox an emitter still appends to, bytes (docs/notify.md §4 N1): a flush that cannot run (no Node, a full
 * disk) must not let the file grow without bound. Beyond it an event is counted in {@link OVERFLOW_FILE} instead.
 */
export const OUTBOX_MAX_BYTES = 512 * 1024;

/**
 * One outbox line `{"v":1,"at":"<ISO>","event":{…}}` and its newline, for an event (already normalised by the kernel's
 * `notify.normalizeEvent`) emitted at `now` (ms epoch). `parseOutboxLine` (notify-outbox.ts) reads it back.
 */
export const outboxLine = (event: unknown, now: number): string => `${JSON.stringify({ v: 1, at: new Date(now).toISOString(), event })}\n`;

/** Outcome of {@link appendOutbox}: stored, counted as an overflow, or not stored (the errno code). */
export type OutboxAppend = { readonly _tag: 'Appended' } | { readonly _tag: 'Overflow' } | { readonly _tag: 'Failed'; readonly code: string };

/**
 * Append one line (`line` must end with `\n` and hold no other newline) to the outbox of `runtimeDir` with a single
 * write, creating the directory (0700) and file (0600) on first use. When the outbox already holds
 * {@link OUTBOX_MAX_BYTES} or more, one byte is appended to the overflow counter instead. Never throws.
 */
export const appendOutbox = (runtimeDir: string, line: string): OutboxAppend => {
  const dir = notifyDir(runtimeDir);
  try {
    ensureDir(dir);
    let size = 0;
    try {
      size = statSync(join(dir, OUTBOX_FILE)).size;
    } catch {
      // absent: a fresh outbox
    }
    if (size >= OUTBOX_MAX_BYTES) {
      const r = appendState(join(dir, OVERFLOW_FILE), '1');
      return r._tag === 'Appended' ? { _tag: 'Overflow' } : { _tag: 'Failed', code: r._tag === 'Error' ? r.code : 'ENOTREG' };
    }
    const r = appendState(join(dir, OUTBOX_FILE), line);
    return r._tag === 'Appended' ? r : { _tag: 'Failed', code: r._tag === 'Error' ? r.code : 'ENOTREG' };
  } catch (e) {
    return { _tag: 'Failed', code: typeof e === 'object' && e !== null && typeof (e as { code?: unknown }).code === 'string' ? (e as { code: string }).code : 'EUNKNOWN' };
  }
};
