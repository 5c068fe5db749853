/**
 * `PathProbes` port (paths.md §3 and paths.md §6): the two observations of the repository's own file system that the path
 * decisions take as facts. Types only; the kernel turns the answers into facts with `paths.caseInsensitiveOf` and
 * `paths.symlinkFindingsOf`.
 *
 * - `caseProbe(top)`: create a file with a unique lower-case name in `<top>/.arbiter/`, look up its upper-case
 *   spelling, delete the file (paths.md §3).
 * - `symlinkScan(top, paths)`: for each rendered normalized request path, walk its segments from `top`, following
 *   symlinks (chains, relative and absolute targets, dangling targets lexically), and say whether some prefix of it
 *   resolves outside the repository (paths.md §6 I5.2, the walk of paths.md §11).
 *
 * Both never reject: a failure is an answer (`Failed`, `unresolved`). Adapters: io-node `nodePathProbes` (the real
 * file system), io-memory `memoryPathProbes` (an in-memory tree). Contract: `test/contract/path-probes.contract.ts`.
 */
import type { Task } from 'fp-ts/lib/Task.js';

/**
 * What the case probe saw: `Found` (the upper-case spelling names the probe file itself), `NotFound` (ENOENT, or a
 * different file), `Failed` (the file could not be created, or any other error; `detail` is a short errno code).
 */
export type CaseProbe =
  | { readonly _tag: 'Found' }
  | { readonly _tag: 'NotFound' }
  | { readonly _tag: 'Failed'; readonly detail: string };

/**
 * Where one request path leads (paths.md §6): `inside` (every prefix resolves inside the repository, missing
 * segments included), `escapes` (the prefix `via` resolves outside it), `unresolved` (a link loop, too many links, or
 * an error other than a missing or non-directory segment; `detail` says which).
 */
export type SymlinkScanEntry =
  | { readonly path: string; readonly outcome: 'inside' }
  | { readonly path: string; readonly outcome: 'escapes'; readonly via: string }
  | { readonly path: string; readonly outcome: 'unresolved'; readonly detail: string };

/** The probes; `top` is the repository's worktree top level (absolute). */
export interface PathProbes {
  readonly caseProbe: (top: string) => Task<CaseProbe>;
  /** One entry per request path, in request order (repeats included). */
  readonly symlinkScan: (top: string, paths: ReadonlyArray<string>) => Task<ReadonlyArray<SymlinkScanEntry>>;
}
