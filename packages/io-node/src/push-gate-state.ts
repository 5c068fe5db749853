/**
 * Local state of the push gate (push-gate.md §4 identity, push-gate.md §8.8 pending markers, push-gate.md §12.2 context cache), all under
 * the per-user state directory. Writers use exclusive create or temp + rename; readers never throw, never block and
 * never follow a symlink (state-io.ts).
 */
import { crypto } from './lazy-builtins.js';
import { readdirSync, statSync, unlinkSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import type { Git } from '@arbiter/kernel';
import { pushGate as PG } from '@arbiter/kernel';
import { createExclusive } from './atomic.js';
import { writeJsonAtomic } from './atomic-write.js';
import { decodeStoreSpec } from './lane-store-config.js';
import { repoKey, type Env } from './paths.js';
import { throwingState } from './state-io.js';
import { anchorPid, hostname } from './proc.js';
import { sha256Hex } from './hash.js';

/**
 * push-gate.md §4 host: `$ARBITER_HOST` when set (a machine whose host name says nothing, such as a CI runner or a
 * container, names itself), else `os.hostname()`; either without characters outside `[A-Za-z0-9_.-]`.
 */
export const safeHost = (env: Env = {}): string => (env['ARBITER_HOST'] ?? '').replace(/[^A-Za-z0-9_.-]/g, '').slice(0, 64) || hostname().replace(/[^A-Za-z0-9_.-]/g, '') || 'unknown';

/**
 * push-gate.md §4 session for non-agent callers (the git layer, the verbs): the first of `$ARBITER_SESSION` and
 * `$CODEX_THREAD_ID` (set by Codex in every command it runs, equal to its hooks' `session_id`, push-gate.md §4 I5)
 * that matches `SESSION_ID_RE`, else `tty:<host>:<anchor pid>`.
 */
export const ttySession = (env: Env): string => {
  for (const k of ['ARBITER_SESSION', 'CODEX_THREAD_ID']) {
    const s = env[k];
    if (s !== undefined && PG.SESSION_ID_RE.test(s)) return s;
  }
  return `tty:${safeHost(env)}:${anchorPid()}`;
};

/** push-gate.md §4 member: `git config user.email`, else `$USER`, `$USERNAME`, the OS user name, else `unknown`. */
export const memberOf = async (git: Git, cwd: string, env: Env): Promise<string> => {
  const e = await git.configGet(cwd, 'user.email')();
  if (e._tag === 'Right' && e.right !== null && e.right.trim() !== '') return e.right.trim();
  for (const k of ['USER', 'USERNAME']) {
    const v = env[k];
    if (v !== undefined && v.trim() !== '') return v.trim();
  }
  try {
    const u = userInfo().username;
    if (u !== '') return u;
  } catch {
    // fall through
  }
  return 'unknown';
};

/**
 * push-gate.md §4 I1–I3 instance of (repository, session): `<state>/instances/<repo-key>/<session-key>.json`, created by
 * temp + exclusive link; if the name exists, the existing instance wins (two concurrent first calls agree).
 * @returns the 32-hex instance, or `null` when the state directory cannot be written or the file is unreadable.
 */
export const instanceFor = (stateDir: string, commonDir: string, session: string, now: number = Date.now()): string | null => {
  const path = join(stateDir, 'instances', repoKey(commonDir), `${sha256Hex(session, 16)}.json`);
  const read = (): string | null => {
    try {
      const j = JSON.parse(throwingState(path)) as { instance?: unknown }; // not a regular file: unreadable
      return typeof j.instance === 'string' && /^[0-9a-f]{32}$/.test(j.instance) ? j.instance : null;
    } catch {
      return null;
    }
  };
  const existing = read();
  if (existing !== null) return existing;
  const instance = crypto().randomBytes(16).toString('hex');
  const r = createExclusive(path, JSON.stringify({ instance, session, repo_common_dir: commonDir, created_at: new Date(now).toISOString() }) + '\n');
  if (r._tag === 'Created') return instance;
  if (r._tag === 'Exists') return read();
  return null;
};

/** Probe `identity` (push-gate.md §4): member, session, instance, host, or `{ok:false}` (I3). */
export const identityProbe = async (o: { stateDir: string; commonDir: string; session: string | null; env: Env; git: Git; cwd: string }): Promise<PG.IdentityFact> => {
  try {
    const session = o.session !== null && o.session !== '' ? o.session : ttySession(o.env);
    const member = await memberOf(o.git, o.cwd, o.env);
    const instance = instanceFor(o.stateDir, o.commonDir, session);
    if (instance === null) return { ok: false };
    return { ok: true, member, session, instance, host: safeHost(o.env) };
  } catch {
    return { ok: false };
  }
};

/** Path of a pending marker (push-gate.md §8.8): `<state>/pending/<first 32 hex of SHA-256(key material)>.json`. */
export const pendingPath = (stateDir: string, keyMaterial: string): string => join(stateDir, 'pending', `${sha256Hex(keyMaterial, 32)}.json`);

/** Write a pending marker atomically. Never throws. */
export const writePending = (
  stateDir: string,
  keyMaterial: string,
  m: { store_root: string; instance: string; lanes: ReadonlyArray<{ lane: string; fence: number }>; store?: PG.StoreSpec },
  now = Date.now(),
): void => {
  writeJsonAtomic(pendingPath(stateDir, keyMaterial), { ...m, created_at: new Date(now).toISOString() });
};

/**
 * A decoded marker plus its store root and, for an http or postgres store, its store spec (push-gate.md §5.7; `null`
 * = the embedded store at `store_root`), or `null` when absent or unreadable. Deletes markers older than
 * `HOOK_LEASE_MIN`.
 */
export const readPending = (stateDir: string, keyMaterial: string, now = Date.now()): (PG.PendingMarker & { store_root: string; store: PG.StoreSpec | null }) | null => {
  const dir = join(stateDir, 'pending');
  try {
    for (const n of readdirSync(dir)) {
      const p = join(dir, n);
      try {
        if (now - statSync(p).mtimeMs > PG.HOOK_LEASE_MIN * 60_000) unlinkSync(p);
      } catch {
        // best effort
      }
    }
  } catch {
    return null;
  }
  try {
    const j = JSON.parse(throwingState(pendingPath(stateDir, keyMaterial))) as Record<string, unknown>; // not a regular file: unreadable
    const lanes = Array.isArray(j['lanes'])
      ? (j['lanes'] as unknown[]).filter((l): l is { lane: string; fence: number } => typeof l === 'object' && l !== null && typeof (l as { lane?: unknown }).lane === 'string' && typeof (l as { fence?: unknown }).fence === 'number')
      : [];
    if (typeof j['instance'] !== 'string' || typeof j['store_root'] !== 'string') return null;
    return { instance: j['instance'], lanes, created_at: Date.parse(String(j['created_at'])) || 0, store_root: j['store_root'], store: decodeStoreSpec(j['store']) };
  } catch {
    return null;
  }
};

/** Delete a pending marker. Never throws. */
export const deletePending = (stateDir: string, keyMaterial: string): void => {
  try {
    unlinkSync(pendingPath(stateDir, keyMaterial));
  } catch {
    // idempotent
  }
};

/** Path of the context cache (push-gate.md §12.2). */
export const contextCachePath = (stateDir: string, commonDir: string, session: string): string =>
  join(stateDir, 'cache', `context-${repoKey(commonDir)}-${sha256Hex(session, 16)}.json`);

/** Read the context cache; `null` when absent or unreadable. */
export const readContextCache = (path: string): { fetched_at: number; data: PG.ContextData } | null => {
  try {
    const j = JSON.parse(throwingState(path)) as { fetched_at?: unknown; data?: unknown }; // not a regular file: unreadable
    if (typeof j.fetched_at !== 'number' || typeof j.data !== 'object' || j.data === null) return null;
    const d = j.data as PG.ContextData;
    if (!Array.isArray(d.view?.lanes) || !Array.isArray(d.view?.halts) || !Array.isArray(d.view?.placed)) return null;
    return { fetched_at: j.fetched_at, data: d };
  } catch {
    return null;
  }
};

/** Write the context cache atomically. Never throws. */
export const writeContextCache = (path: string, data: PG.ContextData, now = Date.now()): void => {
  writeJsonAtomic(path, { fetched_at: now, data });
};
