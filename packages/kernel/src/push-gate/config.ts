/**
 * `lanes.*` configuration, deploy-ref patterns and lane naming (push-gate.md §3). Pure.
 */
import { DeployRefEntry, LanesConfig, isDeployRefPattern, type ConfigState } from '../config.js';

/** Lane mode of a deploy-ref entry (push-gate.md §3.1). */
export type LaneMode = 'per-ref' | 'shared';
/** A normalized deploy-ref entry. */
export interface DeployEntry {
  readonly pattern: string;
  readonly lane: LaneMode;
}

/** N1: a full ref name (`refs/…`), optionally ending in one final `*`, no other `*`, no whitespace. */
export const isPattern = isDeployRefPattern;

export { DeployRefEntry, LanesConfig };

/** The default deploy-ref list, in match order (push-gate.md §3.1). */
export const DEFAULT_DEPLOY_REFS: ReadonlyArray<DeployEntry> = [
  { pattern: 'refs/heads/main', lane: 'per-ref' },
  { pattern: 'refs/heads/master', lane: 'per-ref' },
  { pattern: 'refs/heads/production', lane: 'per-ref' },
  { pattern: 'refs/heads/release/*', lane: 'per-ref' },
  { pattern: 'refs/tags/*', lane: 'shared' },
];

/** Effective lane settings with defaults. */
export interface LanesSettings {
  readonly enabled: boolean;
  readonly dry_run: boolean;
  readonly deploy_refs: ReadonlyArray<DeployEntry>;
  readonly owners: ReadonlyArray<string> | undefined;
  readonly lease_minutes: number;
  readonly hook_lease_minutes: number;
  readonly git_push_lease_minutes: number;
  readonly block_force_rewrite: boolean;
  /** Absolute directory of a relocated embedded store, or `null` (default location). */
  readonly store_dir: string | null;
  /** Which lane-store adapter (push-gate.md §5.7); `{kind: 'embedded'}` by default. */
  readonly store: LaneStoreSpec;
}

/**
 * The lane-store adapter a repository asks for (push-gate.md §5.7), with defaults applied: `postgres.url_env`
 * defaults to `ARBITER_DATABASE_URL`, `http.token_env` to `ARBITER_TOKEN`. Names environment variables only, never
 * a credential, so it may be written to a pending marker.
 */
export type LaneStoreSpec =
  | { readonly kind: 'embedded' }
  | { readonly kind: 'postgres'; readonly url_env: string }
  | { readonly kind: 'http'; readonly url: string; readonly token_env: string };

/** `lanes.store` with defaults (push-gate.md §5.7). */
export const storeSpecOf = (l: LanesConfig | undefined): LaneStoreSpec => {
  const s = l?.store;
  if (s?.kind === 'postgres') return { kind: 'postgres', url_env: s.url_env ?? 'ARBITER_DATABASE_URL' };
  if (s?.kind === 'http') return { kind: 'http', url: s.url, token_env: s.token_env ?? 'ARBITER_TOKEN' };
  return { kind: 'embedded' };
};

/** Defaults (push-gate.md §2): lease 30, hook lease 10, git-push lease 2 minutes. */
export const DEFAULT_SETTINGS: LanesSettings = {
  enabled: true,
  dry_run: false,
  deploy_refs: DEFAULT_DEPLOY_REFS,
  owners: undefined,
  lease_minutes: 30,
  hook_lease_minutes: 10,
  git_push_lease_minutes: 2,
  block_force_rewrite: true,
  store_dir: null,
  store: { kind: 'embedded' },
};

/** Effective settings of a decoded `lanes` object (or `undefined`). */
export const lanesSettings = (l: LanesConfig | undefined): LanesSettings => ({
  enabled: l?.enabled ?? true,
  dry_run: l?.dry_run ?? false,
  deploy_refs: l?.deploy_refs?.map((e) => (typeof e === 'string' ? { pattern: e, lane: 'per-ref' as const } : e)) ?? DEFAULT_DEPLOY_REFS,
  owners: l?.owners,
  lease_minutes: l?.lease_minutes ?? 30,
  hook_lease_minutes: l?.hook_lease_minutes ?? 10,
  git_push_lease_minutes: l?.git_push_lease_minutes ?? 2,
  block_force_rewrite: l?.block_force_rewrite ?? true,
  store_dir: l?.store?.kind === 'embedded' && typeof l.store.dir === 'string' && l.store.dir.startsWith('/') ? l.store.dir : null,
  store: storeSpecOf(l),
});

/**
 * Settings of any `ConfigState` (defaults when not configured or invalid: CLI verbs use them, push-gate.md §3.1 rule 2).
 * Pure and not memoised: a step function that reads settings on every call of a run takes them from its facts
 * (the gate's `settings` fact, push-gate.md §8.3).
 */
export const settingsOf = (c: ConfigState): LanesSettings =>
  c._tag === 'Configured' ? lanesSettings((c.config as { lanes?: LanesConfig }).lanes) : DEFAULT_SETTINGS;

/** N1: does `pattern` match `ref`? Equal, or (with final `*`) a strictly longer ref with that prefix. */
export const patternMatches = (pattern: string, ref: string): boolean =>
  pattern.endsWith('*') ? ref.length > pattern.length - 1 && ref.startsWith(pattern.slice(0, -1)) : pattern === ref;

/** N2: the first entry matching `ref`, or `null` (not a deploy ref). */
export const matchEntry = (ref: unknown, patterns: ReadonlyArray<DeployEntry> = DEFAULT_DEPLOY_REFS): DeployEntry | null => {
  if (typeof ref !== 'string') return null;
  for (const e of patterns) if (patternMatches(e.pattern, ref)) return e;
  return null;
};

/** True when `ref` (a full ref name) is a deploy ref under `patterns` (default list when omitted). */
export const isDeployRef = (ref: unknown, patterns: ReadonlyArray<DeployEntry> = DEFAULT_DEPLOY_REFS): boolean =>
  matchEntry(ref, patterns) !== null;

/** N3: lane of a deploy ref (`deploy:<ref>` per-ref, `deploy:<pattern>` shared), or `null` for a non-deploy ref. */
export const laneFor = (ref: unknown, patterns: ReadonlyArray<DeployEntry> = DEFAULT_DEPLOY_REFS): string | null => {
  const e = matchEntry(ref, patterns);
  if (e === null) return null;
  return e.lane === 'shared' ? `deploy:${e.pattern}` : `deploy:${ref as string}`;
};

/** N4: distinct lane names in ascending code-unit order. */
export const sortLanes = (lanes: Iterable<string>): ReadonlyArray<string> =>
  [...new Set(lanes)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

/** push-gate.md §10 V4: `--lane v` → `v` when it contains `:`, else `deploy:refs/heads/v`. */
export const laneFromArg = (v: string): string => (v.includes(':') ? v : `deploy:refs/heads/${v}`);
