/**
 * The presence publisher (presence.md §10): copies one session's local registry record to the shared store, run by
 * `arbiter presence publish` in a short detached process that a hook starts when PR9 says a publish is due. The hook
 * itself never talks to the network.
 *
 * One publisher per session at a time (the lock `.publish-<key>.lock`, process-lock.ts). It reads the local record,
 * sends its newest event (PR10, `republishEvent`) to the shared store, which stamps it with its own clock, notes what
 * it sent in `.published-<key>`, and reads again until the record it sent is still the newest. A hook that records a
 * newer event while a publisher holds the lock starts another publisher, which finds the lock held and leaves: so
 * after releasing the lock the publisher reads once more and publishes again when the record moved meanwhile (no
 * event is left unpublished). Events are never sent out of order by two publishers, except in the narrow race of
 * two takers of one stale lock; the next publish corrects that.
 */
import * as E from 'fp-ts/lib/Either.js';
import { pushGate, presence as P, type PresenceFailure, type PresenceStore } from '@arbiter/kernel';
import { presenceFileName, publishLockPath, readPresenceFile, readPublished, sessionsDir, takeProcessLock, writePublished } from '@arbiter/io-node';

/** Most events one publisher sends before it leaves (the next due publish carries on). */
export const PUBLISH_MAX_SENDS = 4;

/** Age after which a publish lock is abandoned, ms: longer than a publisher may run (every send at the network timeout). */
export const PUBLISH_LOCK_STALE_MS = PUBLISH_MAX_SENDS * pushGate.NET_TIMEOUT_MS + 5_000;

/** What {@link publishSession} did. */
export type PublishOutcome =
  /** `sent` events reached the shared store (0: it had seen the record already, or there was none to send). */
  | { readonly _tag: 'Published'; readonly sent: number }
  /** Another publisher of this session holds the lock; it publishes what this one would have. */
  | { readonly _tag: 'Busy' }
  /** The shared store refused or could not be reached; nothing more was sent. */
  | { readonly _tag: 'Failed'; readonly failure: PresenceFailure; readonly sent: number };

/** What {@link publishSession} uses besides the store: the lock's clock (ms since the epoch) and the lock itself (tests wrap it). */
export interface PublishDeps {
  readonly now?: () => number;
  readonly takeLock?: typeof takeProcessLock;
}

/**
 * Publish the local record of `session` in the registry of `runtimeDir` to `store` (module doc; presence.md §10
 * PR10). A local record that is missing, corrupt or from a newer Arbiter is not published (`Published` with what
 * was sent so far). Never throws.
 */
export const publishSession = async (runtimeDir: string, session: string, store: PresenceStore, deps: PublishDeps = {}): Promise<PublishOutcome> => {
  const { now = Date.now, takeLock = takeProcessLock } = deps;
  const dir = sessionsDir(runtimeDir);
  const name = presenceFileName(session);
  const pending = () => {
    const cur = readPresenceFile(dir, name);
    return cur._tag === 'Ok' && !P.publishedAlready(cur.presence, readPublished(runtimeDir, session)) ? cur.presence : null;
  };
  let sent = 0;
  while (sent < PUBLISH_MAX_SENDS) {
    const release = takeLock(publishLockPath(runtimeDir, session), PUBLISH_LOCK_STALE_MS, now);
    if (release === null) return sent > 0 ? { _tag: 'Published', sent } : { _tag: 'Busy' };
    try {
      for (let p = pending(); p !== null && sent < PUBLISH_MAX_SENDS; p = pending()) {
        const r = await store.record(P.republishEvent(p))();
        if (E.isLeft(r)) return { _tag: 'Failed', failure: r.left, sent };
        sent++;
        try {
          writePublished(runtimeDir, session, { lastEvent: p.lastEvent, lastEventAt: p.lastEventAt });
        } catch {
          // the mark is only an optimisation: without it the next publisher sends the same event again, a duplicate the store ignores (PR6)
        }
      }
    } finally {
      release();
    }
    // a hook that wrote a newer record while the lock was held found it held and left: publish that record too
    if (pending() === null) break;
  }
  return { _tag: 'Published', sent };
};
