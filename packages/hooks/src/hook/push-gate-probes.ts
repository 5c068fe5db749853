/**
 * Probe implementations for the push-gate family (push-gate.md §8.4), shared by the hooks and the verbs:
 * `repo`, `refs`, `identity`, `claim`, `compat`, `state`. Each returns the fact the kernel expects and never throws;
 * every git and store call is bounded by a timeout.
 */
import { realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, resolve } from 'node:path';
import type { Git, LaneFailure, LaneStore } from '@arbiter/kernel';
import { pushGate as PG } from '@arbiter/kernel';
import { identityProbe, openConfiguredLaneStore, readRepoConfig, repoRuntimeDir, resolveStateDir, type Env } from '@arbiter/io-node';

/** A resolved repository for the push gate. */
export interface GateRepo {
  readonly fact: PG.RepoFact;
  /** Directory git commands run in. */
  readonly dir: string;
  /** Runtime-state root of the lane store, when a repository. */
  readonly storeRoot: string | null;
}

/** Race a promise against a timeout (ms); `onTimeout` is the value on expiry. */
export const withTimeout = <A>(p: Promise<A>, ms: number, onTimeout: A): Promise<A> =>
  new Promise((res) => {
    const t = setTimeout(() => res(onTimeout), Math.max(0, ms));
    t.unref?.();
    p.then(
      (v) => {
        clearTimeout(t);
        res(v);
      },
      () => {
        clearTimeout(t);
        res(onTimeout);
      },
    );
  });

/** Resolve after `ms` milliseconds (a claim probe's `delay_ms`, push-gate.md §8.4). Never rejects. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Probe `repo`: start in `cwd` (absolute payload cwd, else the process cwd), apply directory hints in order
 * (H2; a hint with an expansion is ignored), then `git rev-parse`, then read `.arbiter/config.json`.
 */
export const probeRepo = async (git: Git, cwd: string, hints: ReadonlyArray<PG.DirHint>, env: Env): Promise<GateRepo> => {
  let dir = cwd;
  for (const h of hints) {
    if (h.path === '' || /[$`\uE000]/.test(h.path)) continue;
    const p = isAbsolute(h.path) ? h.path : resolve(dir, h.path);
    // `--git-dir=<repo>/.git` names the repository through its git dir; every other hint is a directory.
    dir = h.kind === 'git-dir' ? (basename(p) === '.git' ? dirname(p) : p) : p;
  }
  const r = await git.repoPaths(dir)();
  if (r._tag === 'Left') return { fact: { kind: 'not-repo' }, dir, storeRoot: null };
  let common = r.right.common_dir;
  try {
    common = realpathSync(common);
  } catch {
    // keep git's answer
  }
  return {
    fact: { kind: 'repo', top: r.right.top, common_dir: common, shallow: r.right.shallow, config: readRepoConfigCached(r.right.top) },
    dir,
    storeRoot: r.right.top === '' ? null : laneRoot(common, readRepoConfigCached(r.right.top), env),
  };
};

const cfgCache = new Map<string, ReturnType<typeof readRepoConfig>>();
const readRepoConfigCached = (top: string): ReturnType<typeof readRepoConfig> => {
  const c = cfgCache.get(top) ?? readRepoConfig(top);
  cfgCache.set(top, c);
  return c;
};

/** Root of the embedded lane store: `lanes.store.dir` when configured, else the repository runtime dir (E1). */
export const laneRoot = (commonDir: string, config: ReturnType<typeof readRepoConfig>, env: Env): string =>
  PG.settingsOf(config).store_dir ?? repoRuntimeDir(commonDir, env);

/**
 * The lane store of a repository as `lanes.store` selects it (push-gate.md §5.7; embedded at `root` by default,
 * push-gate.md §5.5), configured with owners and the default lease; credentials from `env`.
 */
export const storeFor = (root: string, config: PG.LanesSettings, env: Env = process.env): LaneStore =>
  openConfiguredLaneStore(config.store, { root, env, owners: config.owners, defaultLeaseMin: config.lease_minutes });

/**
 * Probe `refs` (push-gate.md §8.4): the classifier's `RefsFacts` (current branch, HEAD, every local branch and tag, the
 * expressions the classification names; the Git port's `refsFacts`) plus the default push remote
 * (`branch.<b>.pushRemote`, `remote.pushDefault`, `branch.<b>.remote`, else `origin`). A failed probe reads as an
 * empty repository (no current branch), which can only make the gate allow.
 */
export const probeRefs = async (git: Git, dir: string, exprs: ReadonlyArray<string>): Promise<PG.GateRefs> => {
  const r = await git.refsFacts(dir, exprs)();
  const facts = r._tag === 'Left' ? { head_branch: null, head_oid: null, branches: {}, tags: {}, objects: {} } : r.right;
  const cb = facts.head_branch;
  let remote: string | null = null;
  const keys = cb === null ? ['remote.pushDefault'] : [`branch.${cb}.pushRemote`, 'remote.pushDefault', `branch.${cb}.remote`];
  for (const k of keys) {
    const v = await git.configGet(dir, k)();
    remote = v._tag === 'Right' ? v.right : null;
    if (remote !== null) break;
  }
  return { ...facts, default_remote: remote ?? 'origin' };
};

/**
 * Probe `compat` (push-gate.md §8.4 ancestry test). Agent mode (`remoteOid` undefined): `ls-remote` within `NET_TIMEOUT_MS`;
 * git mode: the remote id from stdin (`null` = create); `'unknown'` for a target from unreadable stdin.
 */
export const probeCompat = async (
  git: Git,
  dir: string,
  p: { ref: string; remote: string | null; src_oid: string | null; remote_oid?: string | null },
  mode: 'agent' | 'git',
  shallow: boolean,
): Promise<PG.CompatFact> => {
  const unknown: PG.CompatFact = { result: 'unknown', remote_present: false };
  let R: string | null;
  if (p.remote_oid !== undefined) R = p.remote_oid;
  else if (mode === 'git') return unknown;
  else {
    const r = await git.lsRemote(dir, p.remote ?? 'origin', p.ref, PG.NET_TIMEOUT_MS)();
    if (r._tag === 'Left') return unknown;
    R = r.right;
  }
  if (R === null) return { result: 'new-ref', remote_present: false };
  if (p.src_oid === null) return unknown;
  const has = await git.hasObject(dir, R)();
  if (has._tag === 'Left') return unknown;
  if (!has.right) return shallow ? unknown : { result: 'behind', remote_present: false };
  const a = await git.isAncestor(dir, R, p.src_oid)();
  if (a._tag === 'Left') return { result: 'unknown', remote_present: true };
  return { result: a.right ? 'fast-forward' : 'behind', remote_present: true };
};

const timeoutFailure: LaneFailure = { _tag: 'LaneFailure', kind: 'contended', status: 'timeout' };

/** Probe `claim` (bounded by `NET_TIMEOUT_MS`; a timeout is `contended`, push-gate.md §5.6). */
export const probeClaim = async (store: LaneStore, lane: string, holder: PG.Holder, meta: PG.ClaimMeta, delayMs: number): Promise<PG.ClaimAttempt> => {
  if (delayMs > 0) await sleep(delayMs);
  const r = await withTimeout(store.claim(lane, holder, meta)(), PG.NET_TIMEOUT_MS, { _tag: 'Left' as const, left: timeoutFailure });
  return r._tag === 'Right' ? r.right : { _tag: 'Failure', kind: r.left.kind, status: r.left.status };
};

/** Probe `state`; any failure or timeout reads as `{ok:false}` (counts as "no halts"). */
export const probeState = async (store: LaneStore, lane: string | 'all', session: string, timeoutMs: number): Promise<PG.StateFact> => {
  const r = await withTimeout(store.state(lane, session)(), timeoutMs, { _tag: 'Left' as const, left: timeoutFailure });
  return r._tag === 'Right' ? { ok: true, view: r.right } : { ok: false };
};

/** Probe `identity` in the per-user state directory. */
export const probeIdentity = (git: Git, dir: string, commonDir: string, session: string | null, env: Env): Promise<PG.IdentityFact> =>
  identityProbe({ stateDir: resolveStateDir(env), commonDir, session, env, git, cwd: dir });
