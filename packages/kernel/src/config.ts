/**
 * Repository configuration: `<worktree top-level>/.arbiter/config.json` (architecture.md conventions push-gate.md §1;
 * push-gate.md §3.1 owns the file rules: at most 64 KiB, absent = not configured, invalid = loud).
 *
 * One codec per decision namespace (snake_case keys): `session_lock` here; `lanes`, `commitments`, `stop_gate`,
 * `state_lock`, `breaker`, `review` are added by their decision modules' owners below. Unknown top-level keys are
 * ignored so that an older Arbiter reads a newer file.
 */
import * as t from 'io-ts';
import { isRight } from 'fp-ts/lib/Either.js';
import { describeErrors, intIn } from './internal/codecs.js';
import { DEFAULT_TTL_MS, TTL_MAX_MS, TTL_MIN_MS } from './session-lock.js';
import { DEFAULT_SETTINGS as STOP_GATE_DEFAULTS, resolveSettings as resolveStopGate, type StopGateSettings } from './stop-gate/stop-gate.js';
import { ACTION_PATTERN_LEMMAS, DEFAULT_SETTINGS as COMMITMENTS_DEFAULTS, type CommitmentsSettings } from './action-claim/action-claim.js';

/** Largest accepted configuration file, bytes (push-gate.md §3.1 rule 1). */
export const CONFIG_MAX_BYTES = 64 * 1024;

/** `session_lock.*` (session-lock.md §3). An out-of-range `ttl_ms` is accepted here and ignored by {@link sessionLockTtl}. */
export const SessionLockConfig = t.partial({ ttl_ms: t.number });

/**
 * `state_lock.*` (hooks.md §5, state-lock.md): `auto_heal_stale_host_lock` and `dry_run`, both booleans defaulting to
 * false. Values are decoded leniently here (`t.unknown`) so that an invalid value falls back to its default with a
 * warning (hooks.md §5) instead of invalidating the whole file; see {@link stateLockSettings}.
 */
export const StateLockConfig = t.partial({ auto_heal_stale_host_lock: t.unknown, dry_run: t.unknown });

/** N1 (push-gate.md §3.2): a full ref name (`refs/…`), optionally ending in one final `*`, no whitespace. */
export const isDeployRefPattern = (p: unknown): p is string =>
  typeof p === 'string' && /^refs\/[^\s*]*\*?$/.test(p) && p.length <= 256 && p.length > 5;

const DeployRefPattern = new t.Type<string, string, unknown>(
  'DeployRefPattern',
  isDeployRefPattern,
  (u, c) => (isDeployRefPattern(u) ? t.success(u) : t.failure(u, c)),
  t.identity,
);
/** Minutes 1–1 440 (`ETA_MIN`–`ETA_MAX`, push-gate.md §2). */
const LaneMinutes = intIn(1, 1_440, 'Minutes');

/** An `http:` or `https:` URL without credentials, at most 512 characters (`lanes.store.url`). */
export const isStoreUrl = (u: unknown): u is string =>
  typeof u === 'string' && u.length <= 512 && /^https?:\/\/(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?(?:\/[^\s@]*)?$/.test(u);
const StoreUrl = new t.Type<string, string, unknown>('StoreUrl', isStoreUrl, (u, c) => (isStoreUrl(u) ? t.success(u) : t.failure(u, c)), t.identity);

/** Name of an environment variable: `[A-Z_][A-Z0-9_]*`, at most 64 characters. */
export const isEnvName = (u: unknown): u is string => typeof u === 'string' && /^[A-Z_][A-Z0-9_]{0,63}$/.test(u);
const EnvName = new t.Type<string, string, unknown>('EnvName', isEnvName, (u, c) => (isEnvName(u) ? t.success(u) : t.failure(u, c)), t.identity);

/** One `lanes.deploy_refs` entry (push-gate.md §3.1): a pattern string or `{pattern, lane}`. */
export const DeployRefEntry = t.union([
  DeployRefPattern,
  t.type({ pattern: DeployRefPattern, lane: t.keyof({ 'per-ref': null, shared: null }) }),
]);

/**
 * `lanes.*` (push-gate.md §3.1). Every key optional; defaults applied by `pushGate.lanesSettings`. Kept here (not in
 * the push-gate modules) so that reading a configuration never loads the push gate.
 */
export const LanesConfig = t.partial({
  enabled: t.boolean,
  dry_run: t.boolean,
  deploy_refs: t.array(DeployRefEntry),
  owners: t.array(t.string),
  lease_minutes: LaneMinutes,
  hook_lease_minutes: LaneMinutes,
  git_push_lease_minutes: LaneMinutes,
  block_force_rewrite: t.boolean,
  /**
   * Lane-store adapter (push-gate.md §3.1, push-gate.md §5.7). `embedded`: `dir` (absolute path) relocates the embedded store so
   * that several clones on one machine share one set of lanes; absent = `<git common dir>/arbiter/` (push-gate.md §5.5 E1).
   * `http`: an `arbiter serve` at `url`, bearer token read from the environment variable `token_env`.
   * `postgres`: the database whose URL is in the environment variable `url_env`. Credentials never sit in the file.
   */
  store: t.union([
    t.intersection([t.type({ kind: t.literal('embedded') }), t.partial({ dir: t.string })]),
    // a `token` or `url` key would put a credential in a committed file: such a file is invalid, loudly
    t.intersection([t.type({ kind: t.literal('http'), url: StoreUrl }), t.partial({ token_env: EnvName, token: t.undefined })]),
    t.intersection([t.type({ kind: t.literal('postgres') }), t.partial({ url_env: EnvName, url: t.undefined })]),
  ]),
});
export type LanesConfig = t.TypeOf<typeof LanesConfig>;

/** The whole file. `version` is required and must be 1. */
export const RepoConfigCodec = t.intersection([
  t.type({ version: t.literal(1) }),
  t.partial({
    session_lock: SessionLockConfig,
    /**
     * `stop_gate.*` (hooks.md §5, stop-gate.md §3, stop-gate.md §4). Decoded key by key by {@link stopGateSettings}: an invalid key
     * falls back to its default with a warning, so it never invalidates the whole file.
     */
    stop_gate: t.unknown,
    lanes: LanesConfig,
    state_lock: StateLockConfig,
    // `breaker.*` (convoy.md §7 `circuit_breaker`): decoded strictly by `breaker.BreakerConfigCodec` where
    // it is used, so that a bad breaker setting fails the breaker verbs loudly without invalidating other policies.
    breaker: t.unknown,
    // Decoded key by key by `commitmentsSettings` (hooks.md §5: an invalid value falls back to its default
    // with a warning naming the key), so a bad `commitments.*` value never invalidates the whole file.
    commitments: t.unknown,
    // `notify.*` (docs/notify.md §2): resolved leniently by `notify.notifySettings` where it is used, so a bad
    // webhook entry is skipped with a warning and never invalidates the file for the other policies.
    notify: t.unknown,
  }),
]);
export type RepoConfig = t.TypeOf<typeof RepoConfigCodec>;

/** What a reader of `.arbiter/config.json` found (push-gate.md §3.1 rules 2–3). */
export type ConfigState =
  | { readonly _tag: 'NotConfigured' }
  | { readonly _tag: 'Invalid'; readonly detail: string }
  | { readonly _tag: 'Configured'; readonly config: RepoConfig };

/**
 * Decode the text of a configuration file (or `null` when the file is absent). Pure and total.
 * @returns `NotConfigured` for `null`; `Invalid` for text over `CONFIG_MAX_BYTES` UTF-16 units, non-JSON, or a
 *   codec failure (with a short byte-free detail); `Configured` otherwise.
 */
export const parseConfig = (text: string | null): ConfigState => {
  if (text === null) return { _tag: 'NotConfigured' };
  if (text.length > CONFIG_MAX_BYTES) return { _tag: 'Invalid', detail: 'configuration file larger than 64 KiB' };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { _tag: 'Invalid', detail: 'configuration file is not valid JSON' };
  }
  const r = RepoConfigCodec.decode(json);
  return isRight(r) ? { _tag: 'Configured', config: r.right } : { _tag: 'Invalid', detail: describeErrors(r.left) };
};

/** The default configuration `arbiter install` writes when none exists. */
export const defaultConfig = (): RepoConfig => ({
  version: 1,
  session_lock: { ttl_ms: DEFAULT_TTL_MS },
  lanes: { enabled: true, dry_run: false, block_force_rewrite: true, store: { kind: 'embedded' } },
});

/**
 * `session_lock.ttl_ms` when configured, an integer and within `[TTL_MIN_MS, TTL_MAX_MS]`; otherwise
 * `DEFAULT_TTL_MS` (session-lock.md §3: an out-of-range value is ignored). Works for every `ConfigState`.
 */
export const sessionLockTtl = (c: ConfigState): number => {
  const v = c._tag === 'Configured' ? c.config.session_lock?.ttl_ms : undefined;
  return typeof v === 'number' && Number.isInteger(v) && v >= TTL_MIN_MS && v <= TTL_MAX_MS ? v : DEFAULT_TTL_MS;
};

/**
 * `stop_gate.*` resolved (hooks.md §5): defaults for every absent or invalid key, one warning per invalid key;
 * an `Invalid` file gives every default and one warning. `envToken` is `ARBITER_AUTHORITY_TOKEN` (wins when
 * non-empty). Works for every `ConfigState`; pure.
 */
export const stopGateSettings = (
  c: ConfigState,
  envToken?: string,
): { readonly settings: StopGateSettings; readonly warnings: ReadonlyArray<string> } => {
  if (c._tag === 'Invalid') {
    return { settings: STOP_GATE_DEFAULTS, warnings: [`configuration file invalid (${c.detail}): stop_gate uses its defaults`] };
  }
  return resolveStopGate(c._tag === 'Configured' ? c.config.stop_gate : undefined, envToken);
};

/** Options of Arbiter's own state-directory lock read from `state_lock.*`, plus the keys that fell back to default. */
export interface StateLockSettings {
  readonly autoHealStaleHostLock: boolean;
  readonly dryRun: boolean;
  /** Keys present with a non-boolean value (each deserves one stderr warning, hooks.md §5). */
  readonly invalidKeys: ReadonlyArray<string>;
}

/**
 * `state_lock.auto_heal_stale_host_lock` and `state_lock.dry_run` (hooks.md §5, state-lock.md §8). A key that is absent
 * or not a boolean takes its default `false` (a non-boolean is listed in `invalidKeys`); a `NotConfigured` or
 * `Invalid` file gives both defaults. Total over every `ConfigState`; the safe direction is heal off.
 */
export const stateLockSettings = (c: ConfigState): StateLockSettings => {
  const sl = c._tag === 'Configured' ? c.config.state_lock : undefined;
  const invalidKeys: string[] = [];
  const bool = (key: 'auto_heal_stale_host_lock' | 'dry_run'): boolean => {
    const v: unknown = sl?.[key];
    if (v === undefined) return false;
    if (typeof v === 'boolean') return v;
    invalidKeys.push(`state_lock.${key}`);
    return false;
  };
  return { autoHealStaleHostLock: bool('auto_heal_stale_host_lock'), dryRun: bool('dry_run'), invalidKeys };
};

/** Defaulted `commitments.*` settings and one warning per invalid key (hooks.md §5). */
export interface CommitmentsResolution {
  readonly settings: CommitmentsSettings;
  /** Dotted names of the keys whose value was invalid and replaced by its default. */
  readonly warnings: ReadonlyArray<string>;
}

/**
 * Resolve `commitments.*` (hooks.md §5, action-claim.md §3, action-claim.md §5): `enabled` (boolean, default true), `evidence.enabled`
 * (boolean, default true), `evidence.test_commands` (string[], default the action-claim.md §5.4 list),
 * `evidence.action_patterns.{relaunch,restart,deploy,redeploy}` (string[], default []). Unknown keys are ignored; a
 * key with an invalid value takes its default and is named in `warnings`. Not configured or an invalid file gives
 * every default (the file-level warning is the reader's job). Pure and total.
 */
export const commitmentsSettings = (c: ConfigState): CommitmentsResolution => {
  const warnings: string[] = [];
  const raw = c._tag === 'Configured' ? c.config.commitments : undefined;
  const obj = (v: unknown, key: string): Record<string, unknown> => {
    if (v === undefined) return {};
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Record<string, unknown>;
    warnings.push(key);
    return {};
  };
  const bool = (v: unknown, key: string, d: boolean): boolean => {
    if (v === undefined) return d;
    if (typeof v === 'boolean') return v;
    warnings.push(key);
    return d;
  };
  const list = (v: unknown, key: string, d: ReadonlyArray<string>): ReadonlyArray<string> => {
    if (v === undefined) return d;
    if (Array.isArray(v) && v.length <= 1000 && v.every((x) => typeof x === 'string' && x.length <= 1000)) return [...v];
    warnings.push(key);
    return d;
  };
  const top = obj(raw, 'commitments');
  const ev = obj(top['evidence'], 'commitments.evidence');
  const ap = obj(ev['action_patterns'], 'commitments.evidence.action_patterns');
  const patterns = {} as Record<(typeof ACTION_PATTERN_LEMMAS)[number], ReadonlyArray<string>>;
  for (const l of ACTION_PATTERN_LEMMAS) patterns[l] = list(ap[l], `commitments.evidence.action_patterns.${l}`, []);
  return {
    settings: {
      enabled: bool(top['enabled'], 'commitments.enabled', COMMITMENTS_DEFAULTS.enabled),
      evidence: {
        enabled: bool(ev['enabled'], 'commitments.evidence.enabled', COMMITMENTS_DEFAULTS.evidence.enabled),
        test_commands: list(ev['test_commands'], 'commitments.evidence.test_commands', COMMITMENTS_DEFAULTS.evidence.test_commands),
        action_patterns: patterns,
      },
    },
    warnings,
  };
};
