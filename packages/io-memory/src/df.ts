/** Scripted df answers for the state-directory lock (sentinels.md §0.2): a fixed row or error, and a probe log. */
import * as E from 'fp-ts/lib/Either.js';
import type { Df, DfError, stateLock } from '@arbiter/kernel';

/** A `Df` whose answer is set by the test, recording every probed path. */
export interface ScriptedDf extends Df {
  readonly set: (answer: stateLock.DfRow | DfError | 'throw') => void;
  readonly probed: () => ReadonlyArray<string>;
}

/** Create a scripted df; the default answer is a local disk (`/dev/sda1`, `ext4`). */
export const scriptedDf = (answer: stateLock.DfRow | DfError | 'throw' = { source: '/dev/sda1', fsType: 'ext4' }): ScriptedDf => {
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
