/** Scripted `FsKind` answers (what df would say) for the state-directory lock (hooks.md §2): a row or error per path, and a probe log. */
import * as E from 'fp-ts/lib/Either.js';
import type { FsKind, FsKindError, stateLock } from '@arbiter/kernel';

/** A scripted answer: a df row, an error, or `throw` (a broken adapter, HL-P9). */
export type ScriptedFsKindAnswer = stateLock.DfRow | FsKindError | 'throw';

/** A `FsKind` whose answers are set by the test, recording every probed path. */
export interface ScriptedFsKind extends FsKind {
  /** The answer for every path without an answer of its own. */
  readonly set: (answer: ScriptedFsKindAnswer) => void;
  /** The answer for one path (exact match), ahead of the one given to `set`. */
  readonly setFor: (path: string, answer: ScriptedFsKindAnswer) => void;
  readonly probed: () => ReadonlyArray<string>;
}

/** Create a scripted file-system kind; the default answer is a local disk (`/dev/sda1`, `ext4`). */
export const scriptedFsKind = (answer: ScriptedFsKindAnswer = { source: '/dev/sda1', fsType: 'ext4' }): ScriptedFsKind => {
  let current = answer;
  const perPath = new Map<string, ScriptedFsKindAnswer>();
  const asked: string[] = [];
  return {
    probe: (path) => async () => {
      asked.push(path);
      const a = perPath.get(path) ?? current;
      if (a === 'throw') throw new Error('injected df fault');
      return '_tag' in a ? E.left(a) : E.right(a);
    },
    set: (a) => {
      current = a;
    },
    setFor: (path, a) => {
      perPath.set(path, a);
    },
    probed: () => asked,
  };
};
