/**
 * The flush process's half of the notification outbox (docs/notify.md §5): claiming what the emitters appended, the
 * stored queue state, and the flush lock. Used only by `arbiter notify flush|status|test`, never by a hook.
 *
 * Files in `<runtime dir>/notify/` (notify-append.ts): `outbox.ndjson` (emitters append), `outbox.overflow` (one byte
 * per event an emitter could not store), `claim-*.ndjson` (an outbox being read; a crashed flush's claim is read by
 * the next one), `state.json` (the queue, written temp + rename), `flush.lock` (one flush at a time).
 */
import { readdirSync, renameSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { notify } from '@arbiter/kernel';
import { tempSuffix } from './atomic.js';
import { writeJsonAtomic } from './atomic-write.js';
import { OUTBOX_FILE, OVERFLOW_FILE, notifyDir } from './notify-append.js';
import { takeProcessLock } from './process-lock.js';
import { readState, readStateText } from './state-io.js';

/** Name of the stored queue state. */
export const NOTIFY_STATE_FILE = 'state.json';
/** Name of the flush lock. */
export const FLUSH_LOCK_FILE = 'flush.lock';
/** A lock older than this is stale whatever its pid says, ms: longer than any flush may run (`FLUSH_BUDGET_MS` + two requests). */
export const FLUSH_LOCK_STALE_MS = notify.FLUSH_BUDGET_MS + 2 * notify.TIMEOUT_MAX_MS + 5_000;
/** Largest claimed outbox read, bytes (an emitter stops appending at half of it). */
const CLAIM_READ_MAX = 1024 * 1024;

/** One outbox line read back: the event and when it was emitted (ms epoch). */
export interface OutboxItem {
  readonly event: notify.NotifyEvent;
  readonly at: number;
}

/** What {@link claimOutbox} took: the readable events, in order, and how many the emitters could not store. */
export interface Claimed {
  readonly items: ReadonlyArray<OutboxItem>;
  readonly overflowed: number;
  /** Lines that did not read as an event (a torn or foreign line): skipped. */
  readonly unreadable: number;
}

/** Parse one outbox line `{"v":1,"at":"<ISO>","event":{…}}`. @returns the item or `null`. */
export const parseOutboxLine = (line: string): OutboxItem | null => {
  try {
    const o = JSON.parse(line) as Record<string, unknown>;
    if (typeof o !== 'object' || o === null || o['v'] !== 1 || typeof o['at'] !== 'string') return null;
    const at = Date.parse(o['at']);
    const event = notify.normalizeEvent(o['event']);
    return Number.isFinite(at) && event !== null ? { event, at } : null;
  } catch {
    return null;
  }
};

/**
 * Take what the emitters wrote (call with the flush lock held): rename the outbox and the overflow counter to claim
 * names (an emitter appending meanwhile creates a fresh outbox), read every claim file (a crashed flush's included),
 * then delete them. Never throws; an unreadable file counts its content as lost.
 */
export const claimOutbox = (runtimeDir: string): Claimed => {
  const dir = notifyDir(runtimeDir);
  const tag = tempSuffix();
  for (const [from, to] of [
    [OUTBOX_FILE, `claim-${tag}.ndjson`],
    [OVERFLOW_FILE, `claim-${tag}.overflow`],
  ] as const) {
    try {
      renameSync(join(dir, from), join(dir, to));
    } catch {
      // absent: nothing appended since the last claim
    }
  }
  let names: string[] = [];
  try {
    names = readdirSync(dir).filter((n) => /^claim-[0-9a-z]+\.(?:ndjson|overflow)$/.test(n)).sort();
  } catch {
    return { items: [], overflowed: 0, unreadable: 0 };
  }
  const items: OutboxItem[] = [];
  let overflowed = 0;
  let unreadable = 0;
  for (const n of names) {
    const r = readState(join(dir, n), CLAIM_READ_MAX);
    if (r._tag === 'File') {
      if (n.endsWith('.overflow')) overflowed += r.size;
      else {
        for (const line of r.bytes.toString('utf8').split('\n')) {
          if (line.trim() === '') continue;
          const it = parseOutboxLine(line);
          if (it === null) unreadable += 1;
          else items.push(it);
        }
      }
    }
    try {
      unlinkSync(join(dir, n));
    } catch {
      // gone already
    }
  }
  return { items, overflowed, unreadable };
};

/** The stored queue state and whether it had to be reset (absent → empty, not reset; corrupt → empty, reset). */
export const readNotifyState = (runtimeDir: string): { readonly state: notify.QueueState; readonly reset: string | null } => {
  const text = readStateText(join(notifyDir(runtimeDir), NOTIFY_STATE_FILE), 4 * 1024 * 1024);
  if (text === null) return { state: notify.emptyState(), reset: null };
  try {
    const d = notify.decodeState(JSON.parse(text));
    return 'corrupt' in d ? { state: notify.emptyState(), reset: d.corrupt } : { state: d, reset: null };
  } catch {
    return { state: notify.emptyState(), reset: 'not JSON' };
  }
};

/** Store the queue state (temp + fsync + rename). @returns `null` or the errno code. */
export const writeNotifyState = (runtimeDir: string, s: notify.QueueState): string | null => {
  const e = writeJsonAtomic(join(notifyDir(runtimeDir), NOTIFY_STATE_FILE), notify.encodeState(s));
  return e === null ? null : e.code;
};

/**
 * Take the flush lock of `runtimeDir` (process-lock.ts): a lock whose pid is gone or that is older than
 * {@link FLUSH_LOCK_STALE_MS} is removed and the take retried once. @returns a release function, or `null` when another flush holds it.
 */
export const takeFlushLock = (runtimeDir: string, now: () => number = Date.now): (() => void) | null =>
  takeProcessLock(join(notifyDir(runtimeDir), FLUSH_LOCK_FILE), FLUSH_LOCK_STALE_MS, now);
