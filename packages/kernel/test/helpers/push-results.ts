/**
 * Whole classification results of the push classifier (push-gate.md §6), written out for tests that compare a
 * `classifyPushCommand` answer with `toEqual`. The values are stated here from the doc, never taken from the
 * classifier, so a test built on them can fail.
 */
import type { FallbackCause, PushClassification, PushInvocation, PushTarget } from '../../src/push-gate/classifier.js';

/** `NotPush` of a command without a push (F3, F4). */
export const NOT_PUSH: PushClassification = { _tag: 'NotPush', reason: 'no-git-push' };
/** `NotPush` of a command whose only pushes are dry runs (push-gate.md §6.5). */
export const DRY_RUN: PushClassification = { _tag: 'NotPush', reason: 'git-dry-run' };

/** An exact invocation: no remote, no hints, no flags, no targets, with `over` laid on top. */
export const invocation = (over: Partial<PushInvocation> = {}): PushInvocation => ({
  remote: null,
  dir_hints: [],
  dir_uncertain: false,
  force: false,
  no_verify: false,
  broad: [],
  targets: [],
  fallback: false,
  ...over,
});

/** The branch `name` pushed to its own name (a refspec of one name, push-gate.md §6.5), forced when `force`. */
export const namedTarget = (name: string, force = false): PushTarget => ({ src: { kind: 'name', name }, dst: { kind: 'same' }, op: 'update', force });

/** The current branch pushed to its own name (R1's default refspec). */
export const currentTarget = (force = false): PushTarget => ({ src: { kind: 'current' }, dst: { kind: 'same' }, op: 'update', force });

/** The one invocation rule F1 adds: remote unknown, current branch. */
export const FALLBACK_INVOCATION: PushInvocation = invocation({ targets: [currentTarget()], fallback: true });

/** `Push exact` with these invocations. */
export const exact = (...invocations: PushInvocation[]): PushClassification => ({ _tag: 'Push', confidence: 'exact', invocations, fallback: null });

/** `Push fallback` for `cause`: the exact invocations found, then F1's current-branch invocation. */
export const fallback = (cause: FallbackCause, ...found: PushInvocation[]): PushClassification => ({
  _tag: 'Push',
  confidence: 'fallback',
  invocations: [...found, FALLBACK_INVOCATION],
  fallback: cause,
});
