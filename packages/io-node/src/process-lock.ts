/**
 * A lock held by one short-lived process of this machine (a notification flush, a presence publisher): a file
 * created exclusively (atomic.ts `createExclusive`) holding `{pid, at, tag}`. A lock whose process is gone, that is
 * older than the caller's stale age, or that cannot be read is removed and the take retried once. Not a fencing
 * lease: two takers of one stale lock may both succeed in a narrow race, so it only serves work that stays correct
 * (if slower) when run twice.
 */
import { unlinkSync } from 'node:fs';
import { createExclusive, tempSuffix } from './atomic.js';
import { readStateText } from './state-io.js';

/** Whether a process with this pid exists on this machine (`kill 0`; EPERM means it exists). */
const pidExists = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === 'EPERM';
  }
};

/**
 * Take the lock file `path` (module doc). `staleMs` is the age, ms, after which a held lock counts as abandoned
 * whatever its pid says (longer than the holder may run); `now` gives ms since the epoch. @returns a release
 * function (removes the file only while it is still this taker's), or `null` when another live process holds it or
 * the directory cannot be written. Never throws.
 */
export const takeProcessLock = (path: string, staleMs: number, now: () => number = Date.now): (() => void) | null => {
  const mine = JSON.stringify({ pid: process.pid, at: new Date(now()).toISOString(), tag: tempSuffix() });
  for (let i = 0; i < 2; i++) {
    const r = createExclusive(path, mine);
    if (r._tag === 'Created') {
      return () => {
        try {
          if (readStateText(path, 4096) === mine) unlinkSync(path);
        } catch {
          // gone already
        }
      };
    }
    if (r._tag !== 'Exists') return null;
    const held = readStateText(path, 4096);
    let stale = held === null;
    try {
      const o = JSON.parse(held ?? 'null') as { pid?: unknown; at?: unknown } | null;
      const at = typeof o?.at === 'string' ? Date.parse(o.at) : NaN;
      stale = typeof o?.pid !== 'number' || !pidExists(o.pid) || !Number.isFinite(at) || now() - at > staleMs;
    } catch {
      stale = true;
    }
    if (!stale) return null;
    try {
      unlinkSync(path);
    } catch {
      // someone else removed it: retry the take
    }
  }
  return null;
};
