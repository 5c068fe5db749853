/** In-memory decision log (the `DecisionLog` port) for tests and simulations. */
import * as TE from 'fp-ts/lib/TaskEither.js';
import type { DecisionLog, DecisionLogEntry } from '@arbiter/kernel';

/** A decision log that keeps entries in an array. */
export const memoryDecisionLog = (): DecisionLog & { readonly entries: () => ReadonlyArray<DecisionLogEntry> } => {
  const entries: DecisionLogEntry[] = [];
  return {
    append: (e) => {
      entries.push(e);
      return TE.right(undefined);
    },
    read: () => TE.right([...entries]),
    entries: () => entries,
  };
};
