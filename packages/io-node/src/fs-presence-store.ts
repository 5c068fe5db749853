/**
 * The file-system `PresenceStore` (presence.md §4–5): the session registry in a repository's runtime directory,
 * `<runtime>/sessions/<key>.json`, stamped with the machine clock. The synchronous work is presence-files.ts, which
 * the event runner calls directly on its hot path; this module only wraps it as the port.
 */
import * as E from 'fp-ts/lib/Either.js';
import type { Clock, PresenceFailure, PresenceList, PresenceRecorded, PresenceStore } from '@arbiter/kernel';
import { systemClock } from './clock.js';
import { listPresenceSync, recordPresenceSync } from './presence-files.js';

/**
 * The registry of the repository whose runtime directory is `runtimeDir`. `clock` is the store clock that stamps
 * every sighting (default: the machine clock, presence.md §4). `record` fails without writing on a corrupt or newer
 * record (PR8) and on fs errors; `list` fails only when the directory cannot be listed.
 */
export const fsPresenceStore = (runtimeDir: string, clock: Clock = systemClock): PresenceStore => ({
  record: (sighting) => async () => {
    const r = recordPresenceSync(runtimeDir, sighting, clock.now());
    return r._tag === 'Recorded' ? E.right<PresenceFailure, PresenceRecorded>(r.recorded) : E.left(r.failure);
  },
  list: () => async () => {
    const r = listPresenceSync(runtimeDir);
    return r._tag === 'Listed' ? E.right<PresenceFailure, PresenceList>(r.list) : E.left(r.failure);
  },
});
