/**
 * `Df` port of the state-directory lock (sentinels.md §4.4): which file system holds a directory. Types only.
 *
 * The adapter runs `df -PT -- <dir>` (Linux) or `df -P -- <dir>` without a shell, with `LC_ALL=C`, within
 * `stateLock.DF_BUDGET_MS` for the whole probe, and parses it with `stateLock.parseDfOutput`. The kernel classifies
 * the row with `stateLock.classifyDfSource`; any `DfError` is the `unknown` answer (treated as not-local, never cached).
 */
import type { TaskEither } from 'fp-ts/lib/TaskEither.js';
import type { DfRow } from '../state-lock.js';

/** Why df gave no usable row. `detail` is a short byte-free text (errno code, exit status, parse error). */
export type DfError =
  | { readonly _tag: 'DfTimeout'; readonly detail: string }
  | { readonly _tag: 'DfFailed'; readonly detail: string }
  | { readonly _tag: 'DfUnparseable'; readonly detail: string };

/** The df probe: the source and, when available, the type of the file system that holds `path`. */
export interface Df {
  readonly probe: (path: string) => TaskEither<DfError, DfRow>;
}
