/**
 * `FsKind` port of the state-directory lock (state-lock.md §4): which kind of file system holds a directory (its
 * source and type, which the kernel classifies as local or not). Types only. (Formerly `Df`, after the program the
 * Node adapter asks; the spec's `classifyDfSource` and the `classify df-source` verb keep that name.)
 *
 * The io-node adapter runs `df -PT -- <dir>` (Linux) or `df -P -- <dir>` without a shell, with `LC_ALL=C`, within
 * `stateLock.DF_BUDGET_MS` for the whole probe, and parses it with `stateLock.parseDfOutput`. The kernel classifies
 * the row with `stateLock.classifyDfSource`; any `FsKindError` is the `unknown` answer (treated as not-local, never cached).
 * Contract: `test/contract/fs-kind.contract.ts`.
 */
import type { TaskEither } from 'fp-ts/lib/TaskEither.js';
import type { DfRow } from '../state-lock.js';

/** Why df gave no usable row. `detail` is a short byte-free text (errno code, exit status, parse error). */
export type FsKindError =
  | { readonly _tag: 'FsKindTimeout'; readonly detail: string }
  | { readonly _tag: 'FsKindFailed'; readonly detail: string }
  | { readonly _tag: 'FsKindUnparseable'; readonly detail: string };

/** The df probe: the source and, when available, the type of the file system that holds `path`. */
export interface FsKind {
  readonly probe: (path: string) => TaskEither<FsKindError, DfRow>;
}
