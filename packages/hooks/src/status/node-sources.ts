/**
 * The real sources of `arbiter status` (status.md §2), bound to this repository's stores: the lane store the
 * configuration names (embedded, http or postgres, as `arbiter lane status` opens it), the commitment store,
 * `build-state.json`, `stop-gate.json`, the session locks of the sessions' worktrees, and the decision log. Read
 * only: nothing here writes, creates a directory or records a decision.
 */
import { readdirSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import {
  actionClaim as AC,
  buildStop as BS,
  isBlockOrAsk,
  presence,
  STATUS_RECENT_MAX,
  pushGate as PG,
  sessionLock as SL,
  stopGate as SG,
  type DecisionStatus,
  type HaltStatus,
  type LaneStatus,
  type PresenceStore,
  type StateFileName,
} from '@arbiter/kernel';
import {
  embeddedRootOf,
  fsCommitmentStore,
  fsLockStore,
  fsOpenHalts,
  ingestAllInboxes,
  listPresenceSync,
  presenceInboxDir,
  logDirOf,
  openSharedPresenceStore,
  readRepoConfig,
  readLinesBackward,
  readStateFileSync,
  resolveRepo,
  resolveStateDir,
  resolveWorkspace,
  type ClosableLaneStore,
  type Env,
} from '@arbiter/io-node';
import { openLaneStore } from '@arbiter/io-node';
import { laneRoot } from '../hook/push-gate-probes.js';
import { listingFailureDetail, problemDetail, SourceError, type RegistrySource, type StatusReaders } from './collect.js';

/** The session id the status asks the lane store for lanes under (any valid id: it only selects halts, unused here). */
const STATUS_SESSION = 'arbiter-status';
/** Session ids a shared store accepts (the service's schema); no halt can name any other. */
const STORE_SESSION = /^[A-Za-z0-9_.:@-]{1,128}$/;

/** At most this many store calls at once (per-lane queues, per-session halts, per-worktree locks). */
const PARALLEL = 16;

/** Map `xs` through `f`, at most {@link PARALLEL} at a time, keeping the order. */
const mapLimited = async <A, B>(xs: ReadonlyArray<A>, f: (x: A) => Promise<B>): Promise<B[]> => {
  const out: B[] = new Array<B>(xs.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < xs.length) {
      const i = next++;
      out[i] = await f(xs[i] as A);
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, xs.length) }, worker));
  return out;
};

/** A store answer or a {@link SourceError} naming the failure kind and the adapter's status. */
const right = async <A>(t: () => Promise<{ _tag: 'Left'; left: { kind: string; status: string } } | { _tag: 'Right'; right: A }>): Promise<A> => {
  const r = await t();
  if (r._tag === 'Left') throw new SourceError(`lane store: ${r.left.kind} (${r.left.status})`);
  return r.right;
};

const isObj = (u: unknown): u is Record<string, unknown> => typeof u === 'object' && u !== null && !Array.isArray(u);
const isStr = (u: unknown): u is string => typeof u === 'string';

/**
 * The session registry of `runtimeDir` as the collector reads it: the file-system presence store's listing
 * (presence.md §4; `listPresenceSync`), after folding every inbox of `env`'s state directory into the registries
 * (presence.md §11 IN3), so the listing shows every sighting this user's hooks have seen (`env` `null`: the registry
 * as it stands). A registry directory that cannot be listed rejects (the section is shown unavailable); each unusable
 * record is a problem keyed by its file name, with its kind in the detail.
 */
export const fsRegistrySource = (runtimeDir: string, env: Env | null = null): RegistrySource => ({
  list: async () => {
    if (env !== null) ingestAllInboxes(presenceInboxDir(env), env);
    const r = listPresenceSync(runtimeDir);
    if (r._tag === 'Failed') throw new SourceError(`registry: ${r.failure.detail}`);
    return {
      sessions: r.list.sessions,
      problems: r.list.problems.map((p) => ({ key: p.key, detail: problemDetail(p) })),
    };
  },
});

/**
 * The registry a reader shows when the repository shares a lane store (presence.md §10; the dashboard's, presence.md §9 RS7): the
 * local registry's records, and the shared store's records of sessions this machine has none of (kernel
 * `mergeRegistries`: the local record wins a session both hold). Either side that cannot be read adds one problem
 * (`local registry` or `shared registry`) while the other is shown; only when both fail does the listing reject
 * (with the local failure). The shared store's unusable records are problems keyed `shared:<key>`. `shared` `null`
 * (the embedded store) is the local registry alone.
 */
export const sharedRegistrySource = (local: RegistrySource, shared: PresenceStore | null): RegistrySource =>
  shared === null
    ? local
    : {
        list: async () => {
          const [mine, theirs] = await Promise.all([local.list().then((l) => ({ ok: true as const, l }), (e: unknown) => ({ ok: false as const, e })), shared.list()()]);
          if (!mine.ok && theirs._tag === 'Left') throw mine.e;
          const localProblems = mine.ok ? mine.l.problems : [{ key: 'local registry', detail: listingFailureDetail(mine.e) }];
          if (theirs._tag === 'Left') return { sessions: mine.ok ? mine.l.sessions : [], problems: [...localProblems, { key: 'shared registry', detail: `${theirs.left.kind}: ${theirs.left.detail}`.slice(0, 200) }] };
          return {
            sessions: presence.mergeRegistries(mine.ok ? mine.l.sessions : [], theirs.right.sessions),
            problems: [...localProblems, ...theirs.right.problems.map((p) => ({ key: `shared:${p.key}`, detail: problemDetail(p) }))],
          };
        },
      };

/** The session id a logged decision names: the hook's `session_id`, a push gate's identity, an audit's `by_session`. */
const sessionOfEntry = (f: Record<string, unknown>): string | null => {
  if (isStr(f['session_id']) && f['session_id'] !== '') return f['session_id'];
  const id = f['identity'];
  if (isObj(id) && isStr(id['session']) && id['session'] !== '') return id['session'];
  if (isStr(f['by_session']) && f['by_session'] !== '') return f['by_session'];
  return null;
};

/** The lane a logged decision names (`lane`, else the verb's `lane_arg`). */
const laneOfEntry = (f: Record<string, unknown>): string | null => (isStr(f['lane']) ? f['lane'] : isStr(f['lane_arg']) ? f['lane_arg'] : null);

/** Daily decision-log files (`decisions-YYYY-MM-DD.ndjson`, architecture.md conventions §6). */
const LOG_FILE = /^decisions-\d{4}-\d{2}-\d{2}\.ndjson$/;

/** What may stand between two letters of a verdict that `isBlockOrAsk` accepts: `-`, `_`, white space, raw or escaped. */
const VERDICT_GAP = String.raw`(?:[-_\s]|\\[fnrt])*`;
const spaced = (word: string): string => [...word].join(VERDICT_GAP);

/**
 * The prefilter of {@link recentDecisions}: a line may hold a blocking or asking verdict only if it has a `verdict`
 * member whose string starts, after `-`, `_` and white space (raw or as the JSON escapes `\t`, `\n`, `\r`, `\f`), with
 * `block`, `deny` or `ask` in any case (Unicode case folding, so a Kelvin sign counts as `k`, as `toLowerCase` makes
 * it), or if it has any `\u` escape at all (a key or verdict spelled with escapes is then decided by the parse). Every
 * line whose parsed `verdict` passes `isBlockOrAsk` matches; a match is only a candidate, the parse decides.
 */
const MAYBE_BLOCK_OR_ASK = new RegExp(String.raw`"verdict"\s*:\s*"${VERDICT_GAP}(?:${spaced('block')}|${spaced('deny')}|${spaced('ask')})|\\u`, 'iu');

/** Whether {@link recentDecisions} parses the decision-log `line` (a candidate; see {@link MAYBE_BLOCK_OR_ASK}). Total. */
export const mayBlockOrAsk = (line: string): boolean => MAYBE_BLOCK_OR_ASK.test(line);

/**
 * The `max` verdict entries of the decision log in `dir` that blocked or asked most recently: the daily files newest
 * first, each read from its end backwards (`readLinesBackward`: only the tail of a large day is read), until `max`
 * are found; "most recently" is the order they were logged in (the collector then sorts by time and keeps the newest
 * `STATUS_RECENT_MAX`). A line is parsed only when {@link mayBlockOrAsk} accepts it, so an allowed decision costs
 * one regular-expression scan, not a parse (a looser test on the whole line let every entry through: each carries
 * `"masked"`). A file that cannot be read is skipped like `arbiter log` skips it; an absent directory has no
 * decisions. `max` `Infinity`: every such entry. Throws nothing.
 */
export const recentDecisions = (dir: string, max: number): DecisionStatus[] => {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => LOG_FILE.test(n)).sort().reverse();
  } catch {
    return [];
  }
  const out: DecisionStatus[] = [];
  const visit = (line: string): boolean => {
    if (!mayBlockOrAsk(line)) return false;
    let e: unknown;
    try {
      e = JSON.parse(line);
    } catch {
      return false; // a torn or foreign line, skipped as `arbiter log` skips it
    }
    if (!isObj(e) || !isStr(e['policy']) || !isStr(e['verdict']) || !isStr(e['timestamp']) || e['audit_of'] !== undefined || !isBlockOrAsk(e['verdict'])) return false;
    const at = Date.parse(e['timestamp']);
    if (!Number.isFinite(at)) return false;
    const facts = isObj(e['facts']) ? e['facts'] : {};
    const reasons = Array.isArray(e['reasons']) ? e['reasons'].filter(isStr) : [];
    out.push({ at, policy: e['policy'], verdict: e['verdict'], reason: reasons.join(', '), session: sessionOfEntry(facts), lane: laneOfEntry(facts) });
    return out.length >= max;
  };
  for (const name of names) {
    if (out.length >= max) break;
    readLinesBackward(join(dir, name), visit);
  }
  return out;
};

/** Readers of a resolved repository plus what must be closed after the last snapshot (a PostgreSQL pool). */
export interface NodeStatusSources {
  readonly readers: StatusReaders;
  readonly close: () => Promise<void>;
}

/**
 * Bind the sources of the repository containing `cwd`. @returns `null` outside a git repository. `registry`
 * overrides the session registry (the presence store's adapter when wired; the interim file reader otherwise).
 * Never throws for an unreadable source: each reader rejects on its own and the collector reports it.
 */
export const nodeStatusSources = (cwd: string, env: Env, registry?: RegistrySource): NodeStatusSources | null => {
  const repo = resolveRepo(cwd, env);
  if (repo === null) return null;
  const config = readRepoConfig(repo.topLevel);
  let common = repo.commonDir;
  try {
    common = realpathSync(common); // the same key `arbiter deploy` uses for the embedded store (push-gate-probes)
  } catch {
    // keep git's answer
  }
  const settings = PG.settingsOf(config);
  const root = laneRoot(common, config, env);
  const store: ClosableLaneStore | null = config._tag === 'Invalid' ? null : openLaneStore(settings.store, { root, owners: settings.owners, defaultLeaseMin: settings.lease_minutes, env });
  const embedded = embeddedRootOf(settings.store, root);
  const sharedPresence = config._tag === 'Invalid' ? null : openSharedPresenceStore(settings.store, env);
  // the read half of the state files alone: the screen writes nothing, so it neither needs nor loads the writer
  const readFile = async (name: StateFileName): Promise<string | null> => {
    const r = readStateFileSync(repo.runtimeDir, name);
    if (!r.ok) throw new SourceError(`${name}: ${r.failure.detail}`);
    return r.text;
  };
  const needStore = (): ClosableLaneStore => {
    if (store === null) throw new SourceError(`configuration invalid: ${config._tag === 'Invalid' ? config.detail : ''}`);
    return store;
  };

  const lanes = async (): Promise<LaneStatus[]> => {
    const s = needStore();
    const st = await right(() => s.state('all', STATUS_SESSION)());
    const queues = await mapLimited(st.lanes, async (v) => {
      const q = await s.queue(v.lane)();
      return q._tag === 'Right' ? q.right.map((t) => t.session) : [];
    });
    return st.lanes.map((v, i) => {
      const live = v.holder !== null && !v.expired;
      return {
        lane: v.lane,
        holder: live && v.holder !== null ? v.holder.session : null,
        fence: v.fence === 0 ? null : v.fence,
        leaseLeftMs: live && v.holder !== null ? Math.max(0, Math.round((v.holder.lease_sec - v.holder.heartbeat_age_sec) * 1000)) : null,
        queue: queues[i] ?? [],
      };
    });
  };

  const halts = async (sessions: ReadonlyArray<string>): Promise<HaltStatus[]> => {
    const view = (h: PG.Halt): HaltStatus => ({ target: h.target_session, by: h.by_session, reason: h.reason, at: h.created_at });
    if (embedded !== null) {
      const r = fsOpenHalts(embedded, Date.now());
      if (r._tag === 'Left') throw new SourceError(`lane store: ${r.left.kind} (${r.left.status})`);
      return r.right.map(view);
    }
    // a shared store answers per session (LS9): ask for every known session, keep each halt once
    const s = needStore();
    const lane = (await right(() => s.state('all', STATUS_SESSION)())).lanes[0]?.lane;
    const byId = new Map<string, HaltStatus>();
    await mapLimited(sessions.filter((id) => STORE_SESSION.test(id)), async (id) => {
      const st = await right(() => (lane === undefined ? s.state('all', id)() : s.state(lane, id)()));
      for (const h of [...st.halts, ...st.placed]) byId.set(h.halt_id, view(h));
    });
    return [...byId.values()];
  };

  const commitments = async () => {
    const r = await fsCommitmentStore(repo.runtimeDir).read()();
    if (r._tag === 'Left') throw new SourceError(`commitment store: ${r.left._tag}`);
    return AC.selectForList(r.right.commitments, {}, Date.now()).map((c) => ({ session: c.topic, text: c.span, at: c.createdAt }));
  };

  const builds = async () => {
    const text = await readFile(BS.STATE_FILE);
    if (text === null) return [];
    const s = BS.readState(text);
    if (s._tag === 'Unparseable') throw new SourceError(`${BS.STATE_FILE}: ${s.detail}`);
    const v = s.view;
    if (BS.isTerminal(v.phase)) return [];
    return [{ session: v.ownerSession === '' ? null : v.ownerSession, name: v.task, state: v.phase, at: v.startedAt ?? 0 }];
  };

  const stopGate = async () => {
    const g = SG.readGateState(await readFile(SG.GATE_FILE));
    if (g === null) throw new SourceError(`${SG.GATE_FILE}: cannot be parsed`);
    return { mode: g.killSwitch ? 'killed' : g.mode };
  };

  const lockHolders = async (worktrees: ReadonlyArray<string>) => {
    const locks = fsLockStore(resolveStateDir(env));
    const now = Date.now();
    const got = await mapLimited(worktrees, async (w): Promise<string | null> => {
      let hash: string;
      try {
        hash = resolveWorkspace(w).hash;
      } catch {
        return null; // a worktree of another machine, or removed: no lock of ours to read
      }
      const r = await locks.read(hash)();
      if (r._tag === 'Left' || r.right.content._tag !== 'Valid') return null;
      const rec = r.right.content.record;
      return rec.state === 'held' && !SL.isStale(rec, now) ? rec.session_id : null;
    });
    return got.filter((s): s is string => s !== null);
  };

  const decisions = async (): Promise<DecisionStatus[]> => recentDecisions(logDirOf(repo, env), STATUS_RECENT_MAX);

  return {
    readers: { repo: repo.topLevel, registry: registry ?? sharedRegistrySource(fsRegistrySource(repo.runtimeDir, env), sharedPresence), lanes, halts, commitments, builds, lockHolders, stopGate, decisions },
    close: async () => {
      await store?.close();
      await sharedPresence?.close();
    },
  };
};
