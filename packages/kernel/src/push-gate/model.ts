/**
 * The push classifier's result model (push-gate.md §6.1): invocations, targets and directory hints. Shared by the
 * classifier, destination resolution and the gate step.
 */

/**
 * Source side of a target (push-gate.md §6.1 item 3, push-gate.md §6.6 R7). `none` is used for deletions only (R3 empty src, R5
 * `--delete`), where git sends no object.
 */
export type PushSrc =
  | { readonly kind: 'current' }
  | { readonly kind: 'head'; readonly text: string }
  | { readonly kind: 'ref'; readonly ref: string }
  | { readonly kind: 'name'; readonly name: string }
  | { readonly kind: 'expr'; readonly expr: string }
  | { readonly kind: 'unknown' }
  | { readonly kind: 'none' };

/** Destination side of a target (push-gate.md §6.1 item 3, push-gate.md §6.6 R7). */
export type PushDst =
  | { readonly kind: 'same' }
  | { readonly kind: 'ref'; readonly ref: string }
  | { readonly kind: 'name'; readonly name: string }
  | { readonly kind: 'unknown' };

/** One refspec of an invocation after R1–R8. `force` is the `+` prefix or any force option of the invocation. */
export interface PushTarget {
  readonly src: PushSrc;
  readonly dst: PushDst;
  readonly op: 'update' | 'delete';
  readonly force: boolean;
}

/**
 * A directory hint (push-gate.md §6.7 H1, H2), in the order the shell applies them: `cd`/`pushd` of the enclosing chain,
 * `env -C`, then git's `-C`, `--git-dir`, `--work-tree`. Paths are as typed (relative to the previous hint, the
 * payload `cwd` first).
 */
export interface DirHint {
  readonly kind: 'cd' | 'env-C' | 'git-C' | 'git-dir' | 'work-tree';
  readonly path: string;
}

/** Broad push flags (push-gate.md §6.5, R6). */
export type Broad = 'all' | 'tags';

/**
 * One `git push` found in the command (push-gate.md §6.1 item 3). `remote` is null when absent or computed at run time;
 * `dir_uncertain` is true when a directory change could not be read (`cd` without a static argument, `cd -`,
 * a dynamic `-C` value): the repository probe then uses the payload `cwd` and records `dir_uncertain` (H1).
 */
export interface PushInvocation {
  readonly remote: string | null;
  readonly dir_hints: ReadonlyArray<DirHint>;
  readonly dir_uncertain: boolean;
  readonly force: boolean;
  readonly no_verify: boolean;
  readonly broad: ReadonlyArray<Broad>;
  readonly targets: ReadonlyArray<PushTarget>;
  /** True only for the current-branch invocation rule F1 adds (not found in the text). */
  readonly fallback: boolean;
}

/** Why a push classification fell back to the current branch (push-gate.md §6.8), for logs. */
export type FallbackCause = 'parse-failed' | 'uncertain' | 'too-long';

/** Result of `classifyPushCommand` (push-gate.md §6.1 item 2). */
export type PushClassification =
  | { readonly _tag: 'NotPush'; readonly reason: 'no-git-push' | 'git-dry-run' }
  | {
      readonly _tag: 'Push';
      readonly confidence: 'exact' | 'fallback';
      readonly invocations: ReadonlyArray<PushInvocation>;
      /** null for an exact parse; otherwise what triggered rule F1. */
      readonly fallback: FallbackCause | null;
    };
