/**
 * `PresenceStore` port: the session registry (presence.md §4). Types only.
 *
 * Contract: `record` stamps the sighting with the store's own clock, applies `observe` (presence.md §3) to the
 * session's current record and writes the result atomically when it changed; it never rewrites a record from a newer
 * Arbiter nor a corrupt one without reporting it. `list` returns every readable record and names every unreadable one
 * in `problems`; it never fails because one record is bad.
 */
import type { TaskEither } from 'fp-ts/lib/TaskEither.js';
import type { PresenceEvent, SessionPresence } from '../presence/types.js';

/** A store-level failure: `transport` (network, timeout), `unavailable` (missing schema, no permission), `other`. */
export interface PresenceFailure {
  readonly _tag: 'PresenceFailure';
  readonly kind: 'transport' | 'unavailable' | 'other';
  /** Short reason, ≤ 200 characters, no secret. */
  readonly detail: string;
}

/** What a hook hands the store: an event without its time (the store's clock stamps it). */
export type PresenceSighting = Omit<PresenceEvent, 'at'>;

/** A record the store could not use: corrupt, or written by a newer Arbiter. `key` names it (file name, row id). */
export interface PresenceProblem {
  readonly key: string;
  readonly kind: 'corrupt' | 'newer';
  readonly detail: string;
}

/** Every readable record, and every unreadable one named. */
export interface PresenceList {
  readonly sessions: ReadonlyArray<SessionPresence>;
  readonly problems: ReadonlyArray<PresenceProblem>;
}

/** What `record` did: the record now stored, and whether this call changed it (`false`: late or duplicate event). */
export interface PresenceRecorded {
  readonly presence: SessionPresence | null;
  readonly changed: boolean;
}

/** The session registry port. */
export interface PresenceStore {
  readonly record: (sighting: PresenceSighting) => TaskEither<PresenceFailure, PresenceRecorded>;
  readonly list: () => TaskEither<PresenceFailure, PresenceList>;
}
