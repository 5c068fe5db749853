/**
 * The status collector (status.md §2): asks every source at once, each under a deadline, and hands what came back to
 * the kernel's pure join (`statusSnapshot`). A source that throws, rejects or misses its deadline is `null` for the
 * join (an empty section named in `unavailable`) and one entry in `problems`; the collector itself never throws.
 *
 * The sources are plain async functions (see {@link StatusReaders}) so tests feed fakes and `node-sources.ts` binds
 * the real stores. The session registry is read through {@link RegistrySource}, the minimal shape of the registry
 * store's `list` (presence store port), bound by whoever wires the real adapter.
 */
import {
  statusSnapshot,
  type BuildStatus,
  type CommitmentStatus,
  type DecisionStatus,
  type HaltStatus,
  type LaneStatus,
  type SessionPresence,
  type StatusProblem,
  type StatusSnapshot,
  type StatusSources,
} from '@arbiter/kernel';

/**
 * The session registry as the collector needs it: every record it holds, plus the records it could not use (a
 * corrupt file, a record from a newer Arbiter) by key. Rejecting means the registry could not be read at all.
 */
export interface RegistrySource {
  readonly list: () => Promise<{ readonly sessions: ReadonlyArray<SessionPresence>; readonly problems: ReadonlyArray<{ readonly key: string; readonly detail: string }> }>;
}

/** How a registry problem reads on the status screen and the page: `from a newer Arbiter (…)` or `corrupt: …` (status.md). */
export const problemDetail = (p: { readonly kind: 'corrupt' | 'newer'; readonly detail: string }): string => (p.kind === 'newer' ? `from a newer Arbiter (${p.detail})` : `corrupt: ${p.detail}`);

/** How a registry listing that failed reads as a problem's detail: its message cut to 200 characters, else `unreadable`. */
export const listingFailureDetail = (e: unknown): string => (e instanceof Error ? e.message.slice(0, 200) : 'unreadable');

/** A source's failure with a short, printable detail (anything else thrown is reported by its message). */
export class SourceError extends Error {}

/**
 * One reader per source. Each resolves with its section or rejects (throws) when the source cannot be read. `halts`
 * and `lockHolders` are asked after the registry answered, with the session ids and worktrees it listed (a store
 * that can only answer per session, and locks kept per workspace, need them).
 */
export interface StatusReaders {
  /** The repository shown in the header (its top-level directory). */
  readonly repo: string;
  readonly registry: RegistrySource;
  readonly lanes: () => Promise<ReadonlyArray<LaneStatus>>;
  readonly halts: (sessions: ReadonlyArray<string>) => Promise<ReadonlyArray<HaltStatus>>;
  readonly commitments: () => Promise<ReadonlyArray<CommitmentStatus>>;
  readonly builds: () => Promise<ReadonlyArray<BuildStatus>>;
  readonly lockHolders: (worktrees: ReadonlyArray<string>) => Promise<ReadonlyArray<string>>;
  readonly stopGate: () => Promise<{ readonly mode: string }>;
  /** Logged decisions (any verdict; the join keeps the blocking and asking ones). */
  readonly decisions: () => Promise<ReadonlyArray<DecisionStatus>>;
}

/** Deadline of each source, ms (status.md §2): a hung mount or store leaves its section unavailable, not the screen. */
export const SOURCE_TIMEOUT_MS = 3_000;

const DEADLINE = Symbol('deadline');

/** `p`'s value, or `DEADLINE` after `ms`; the timer never keeps the process alive. */
const within = <A>(p: Promise<A>, ms: number): Promise<A | typeof DEADLINE> =>
  new Promise((res, rej) => {
    const t = setTimeout(() => res(DEADLINE), Math.max(0, ms));
    t.unref?.();
    p.then(
      (v) => {
        clearTimeout(t);
        res(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        rej(e);
      },
    );
  });

/** A short, single-line description of a thrown value. */
const detailOf = (e: unknown): string => {
  const m = e instanceof Error ? e.message : typeof e === 'string' ? e : 'unknown error';
  return m.length > 200 ? `${m.slice(0, 199)}…` : m;
};

/**
 * Take a snapshot at `now` (ms epoch) from `r`. Total: resolves whatever the readers do. `timeoutMs` bounds each
 * source separately (default {@link SOURCE_TIMEOUT_MS}).
 */
export const collectStatus = async (r: StatusReaders, now: number, timeoutMs: number = SOURCE_TIMEOUT_MS): Promise<StatusSnapshot> => {
  const problems: StatusProblem[] = [];
  const ask = async <A>(source: string, f: () => Promise<A>): Promise<A | null> => {
    try {
      const v = await within(Promise.resolve().then(f), timeoutMs);
      if (v === DEADLINE) {
        problems.push({ source, key: '', detail: `no answer within ${timeoutMs} ms` });
        return null;
      }
      return v;
    } catch (e) {
      problems.push({ source, key: '', detail: detailOf(e) });
      return null;
    }
  };
  const registryP = ask('sessions', () => r.registry.list());
  const independent = Promise.all([
    ask('lanes', r.lanes),
    ask('commitments', r.commitments),
    ask('builds', r.builds),
    ask('stop-gate', r.stopGate),
    ask('decisions', r.decisions),
  ]);
  const registry = await registryP;
  const sessions = registry === null ? null : registry.sessions;
  for (const p of registry?.problems ?? []) problems.push({ source: 'sessions', key: p.key, detail: p.detail });
  const [lanes, commitments, builds, stopGate, decisions] = await independent;
  // halts: the sessions the registry knows plus every lane holder (a halt placed by or at a session without a record)
  const ids = new Set<string>(sessions?.map((s) => s.session) ?? []);
  for (const l of lanes ?? []) if (l.holder !== null) ids.add(l.holder);
  const worktrees = [...new Set(sessions?.map((s) => s.worktree) ?? [])];
  const [halts, lockHolders] = await Promise.all([ask('halts', () => r.halts([...ids])), ask('locks', () => r.lockHolders(worktrees))]);
  const src: StatusSources = { repo: r.repo, sessions, lanes, halts, commitments, builds, lockHolders, stopGate, decisions, problems };
  return statusSnapshot(src, now);
};
