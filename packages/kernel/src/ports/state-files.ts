/**
 * `StateFiles` port (types only): small JSON state files of one repository's runtime directory (
 * architecture.md conventions §2: `<git common dir>/arbiter/`, or `$ARBITER_STATE_DIR/repos/<key>/`). Used by the build stop-hook
 * (`build-state.json`) and the stop gate (`stop-gate.json`, `stop-gate-continues.json`); hooks.md §5 write
 * discipline.
 *
 * Contract (test/contract/state-files.contract.ts):
 * SF1 `read` of a file never written is `Right(null)`; after `replace(t)` it is `Right(t)`.
 * SF2 `replace` is atomic: a reader sees the old text or the new text, never a torn mix.
 * SF3 `update` runs `f` on the current text while holding the file's mutex and writes its `next` (unless null)
 *     atomically before releasing: N concurrent `update`s that each add one to a counter end at N (no lost update).
 * SF4 (filesystem) the mutex `<name>.mutex` is created exclusively, retried every 25 ms for up to 2000 ms, and a
 *     mutex older than 10 s is deleted as stale; failing to get it is `Left Busy` (hooks.md §5 rule 2).
 * SF5 names outside {@link StateFileName} are never touched.
 */
import type { TaskEither } from 'fp-ts/lib/TaskEither.js';

/** The files this port may touch. */
export type StateFileName = 'build-state.json' | 'stop-gate.json' | 'stop-gate-continues.json';

/** Why a state-file operation failed. `detail` is an errno code or a short reason (≤ 200 characters). */
export type StateFileFailure =
  | { readonly _tag: 'ReadFailed'; readonly detail: string }
  | { readonly _tag: 'WriteFailed'; readonly detail: string }
  | { readonly _tag: 'Busy'; readonly detail: string };

/** What an update function returns: the next text (`null` = write nothing) and a result for the caller. */
export interface UpdateStep<R> {
  readonly next: string | null;
  readonly result: R;
}

/** The port. */
export interface StateFiles {
  /** Where the files live (for messages), e.g. `/repo/.git/arbiter`. */
  readonly dir: string;
  /** The file's text, or `null` when it does not exist. */
  readonly read: (name: StateFileName) => TaskEither<StateFileFailure, string | null>;
  /** Replace the file atomically (temp + fsync + rename). Creates the directory when needed. */
  readonly replace: (name: StateFileName, text: string) => TaskEither<StateFileFailure, void>;
  /** Read-modify-write under the file's mutex (SF3). `f` must be pure and must not throw. */
  readonly update: <R>(name: StateFileName, f: (current: string | null) => UpdateStep<R>) => TaskEither<StateFileFailure, R>;
}
