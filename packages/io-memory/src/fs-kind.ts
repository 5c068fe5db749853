/** Scripted `FsKind` answers (what df would say) for the state-directory lock (sentinels.md §0.2): a fixed row or error, and a probe log. */
import * as E from 'fp-ts/lib/Either.js';
import type { FsKind, FsKindError, stateLock } from '@arbiter/kernel';

/** A `FsKind` whose answer is set by the test, recording every probed path. */
export interface ScriptedFsKind extends FsKind {
  readonly set: (answer: stateLock.DfRow | FsKindError | 'throw') => void;
  readonly probed: () => ReadonlyArray<string>;
}

/** Create a scripted df; the default answer is a local disk (`/dev/sda1`, `ext4`). */
export const scriptedFsKind = (answer: stateLock.DfRow | FsKindError | 'throw' = { source: '/dev/sda1', fsType: 'ext4' }): ScriptedFsKind => {
  let current = answer;
  const asked: string[] = [];
  return {
    probe: (path) => async () => {
      asked.push(path);
      if (current === 'throw') throw new Error('injected df fault');
      return '_tag' in current ? E.left(current) : E.right(current);
    },
    set: (a) => {
      current = a;
    },
    probed: () => asked,
  };
};
