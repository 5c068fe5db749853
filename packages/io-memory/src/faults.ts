/**
 * Fault injection shared by the in-memory stores (session-lock.md §6.3 test controls, and the same controls on the
 * commitment and breaker stores): make the next `read` fail, make the next `commit` return an injected outcome
 * (`K`, e.g. `'Conflict' | 'Failure'`), pause before a read or a commit so a scheduler can interleave callers, and
 * count the calls (a store spy).
 */

/** The controls a test holds. */
export interface FaultControls<K> {
  /** The next `read` fails. */
  readonly failNextRead: () => void;
  /** The next `commit` returns `kind` instead of running. */
  readonly failNextCommit: (kind: K) => void;
  /** Await this before every `read` resolves (e.g. a fast-check scheduler hook). */
  readonly setReadPause: (pause: (() => Promise<void>) | null) => void;
  /** Await this before every `commit` runs its compare-and-swap. */
  readonly setCommitPause: (pause: (() => Promise<void>) | null) => void;
  /** Number of `read` plus `commit` calls so far. */
  readonly calls: () => number;
}

/** The store's side: the controls, plus the hooks its `read` and `commit` run first. */
export interface Faults<K> {
  readonly controls: FaultControls<K>;
  /** Count the read, await the pause; `true` when this read must fail (the injection is consumed). */
  readonly beforeRead: () => Promise<boolean>;
  /** Count the commit, await the pause; the injected outcome to return instead (consumed), or `null`. */
  readonly beforeCommit: () => Promise<K | null>;
}

/** Fresh fault-injection state with nothing injected. */
export const faults = <K>(): Faults<K> => {
  let nextRead = false;
  let nextCommit: K | null = null;
  let readPause: (() => Promise<void>) | null = null;
  let commitPause: (() => Promise<void>) | null = null;
  let count = 0;
  return {
    controls: {
      failNextRead: () => {
        nextRead = true;
      },
      failNextCommit: (kind) => {
        nextCommit = kind;
      },
      setReadPause: (p) => {
        readPause = p;
      },
      setCommitPause: (p) => {
        commitPause = p;
      },
      calls: () => count,
    },
    beforeRead: async () => {
      count++;
      if (readPause !== null) await readPause();
      const fail = nextRead;
      nextRead = false;
      return fail;
    },
    beforeCommit: async () => {
      count++;
      if (commitPause !== null) await commitPause();
      const k = nextCommit;
      nextCommit = null;
      return k;
    },
  };
};
