/**
 * In-memory `PresenceStore` (the session registry port, presence.md §4): one raw JSON document per session, stamped
 * with an injectable clock, plus test controls (inject a raw document such as a corrupt or newer one, make the next
 * call fail). Honours the same contract suite as the file-system store (test/contract/presence-store.contract.ts).
 */
import * as E from 'fp-ts/lib/Either.js';
import { presence as P, type Clock, type PresenceFailure, type PresenceList, type PresenceProblem, type PresenceRecorded, type PresenceSighting, type PresenceStore, type SessionPresence } from '@arbiter/kernel';

/** The in-memory registry with its test controls. */
export interface MemoryPresenceStore extends PresenceStore {
  /** Store `raw` as the document of `session` (e.g. a corrupt record, or one from a newer Arbiter). */
  readonly injectRaw: (session: string, raw: string) => void;
  /** The raw document of `session`, or `null`. */
  readonly peekRaw: (session: string) => string | null;
  /** Make the next `record` or `list` fail with `kind`. */
  readonly failNext: (kind: PresenceFailure['kind']) => void;
}

const failure = P.presenceFailure;

/**
 * Create an empty in-memory registry whose records are stamped with `clock.now()` (ms since the epoch). `record`
 * refuses (a `PresenceFailure` of kind `other`) to replace a corrupt record or one from a newer Arbiter, exactly as
 * the file-system store does; nothing else fails unless a failure is injected.
 */
export const memoryPresenceStore = (clock: Clock): MemoryPresenceStore => {
  const docs = new Map<string, string>();
  let fail: PresenceFailure['kind'] | null = null;
  const takeFailure = (): PresenceFailure | null => {
    if (fail === null) return null;
    const f = failure(fail, 'injected failure');
    fail = null;
    return f;
  };
  return {
    record: (s: PresenceSighting) => async () => {
      const f = takeFailure();
      if (f !== null) return E.left(f);
      const raw = docs.get(s.session);
      const prev = raw === undefined ? null : P.readStoredRecord(s.session, raw);
      if (prev !== null && P.isPresenceProblem(prev)) return E.left(failure('other', `${prev.kind} record kept: ${prev.detail}`));
      const next = P.observe(prev, { ...s, at: clock.now() });
      if (next === null) return E.right<PresenceFailure, PresenceRecorded>({ presence: prev, changed: false });
      docs.set(s.session, JSON.stringify(next));
      return E.right<PresenceFailure, PresenceRecorded>({ presence: next, changed: true });
    },
    list: () => async () => {
      const f = takeFailure();
      if (f !== null) return E.left(f);
      const sessions: SessionPresence[] = [];
      const problems: PresenceProblem[] = [];
      for (const [key, raw] of docs) {
        const d = P.readStoredRecord(key, raw);
        if (P.isPresenceProblem(d)) problems.push(d);
        else sessions.push(d);
      }
      return E.right<PresenceFailure, PresenceList>({ sessions, problems });
    },
    injectRaw: (session, raw) => {
      docs.set(session, raw);
    },
    peekRaw: (session) => docs.get(session) ?? null,
    failNext: (kind) => {
      fail = kind;
    },
  };
};
