/**
 * Stop-gate constants and settings (hooks.md §5, stop-gate.md §3–6): limits, timeouts, default phrases and
 * `resolveSettings`. Pure.
 */
import { STOP_GATE_FILE, STOP_GATE_POLICY, STOP_GATE_POLICY_VERSION } from '../early.js';
import { done } from '../internal/step.js';

// ───────────────────────────────────────── constants (stop-gate.md §4–6) ─────────────────────────────────────────

/** Policy id written to the decision log. */
export const POLICY = STOP_GATE_POLICY;
/** Policy version (semver). */
export const POLICY_VERSION = STOP_GATE_POLICY_VERSION;
/** Gate state file in the repository runtime directory (stop-gate.md §2). */
export const GATE_FILE = STOP_GATE_FILE;
/** Continue counter file in the repository runtime directory (stop-gate.md §6). */
export const CONTINUES_FILE = 'stop-gate-continues.json';
/** Continue ceiling per session (stop-gate.md §6). */
export const CONTINUE_CEILING = 2;
/** Hot-path GET timeout, ms, request start to end of body (stop-gate.md §4). */
export const HOT_PATH_TIMEOUT_MS = 1_500;
/** Evaluate POST timeout, ms (stop-gate.md §4). */
export const EVALUATE_TIMEOUT_MS = 2_500;
/** Largest accepted authority body, bytes (stop-gate.md §4 `malformed`). */
export const HTTP_BODY_MAX_BYTES = 1_048_576;
/** Timeout of each git call, ms (stop-gate.md §5). */
export const GIT_TIMEOUT_MS = 800;
/** Total budget of the `gitHistory` probe, ms (stop-gate.md §5). */
export const GIT_HISTORY_BUDGET_MS = 5_000;
/** Bytes read from the end of the transcript (stop-gate.md §5). */
export const TRANSCRIPT_TAIL_BYTES = 256 * 1024;
/** Most evidence paths sent (stop-gate.md §4). */
export const EVIDENCE_MAX_PATHS = 30;
/** Most user turns taken from the transcript (stop-gate.md §4). */
export const USER_TURNS_MAX = 3;
/** Clamp of one user turn, UTF-16 units (stop-gate.md §4). */
export const USER_TURN_MAX = 2_000;
/** Clamp of the agent turn, UTF-16 units (stop-gate.md §4). */
export const AGENT_TURN_MAX = 16_384;
/** Sessions idle longer than this are pruned from the continue counter, ms (hooks.md §5 rule 4). */
export const CONTINUE_PRUNE_MS = 7 * 24 * 3_600_000;
/** Hard bound on steps (hooks.md §3 rule 3). */
export const MAX_STEPS = 12;

// ───────────────────────────────────────── configuration (hooks.md §5, stop-gate.md §3, stop-gate.md §4) ─────────────────────────────────

/** Default commit phrases of guard 1 (stop-gate.md §3), in order. */
export const DEFAULT_COMMIT_PHRASES: ReadonlyArray<string> = [
  "i'll ", 'i will ', "i'm going to", 'i am going to', "i'm about to", 'i am about to', "we'll ", 'we will ',
  'gonna ', 'next step', 'next phase', 'next up', 'kicking off', 'moving on to', 'proceeding to', 'proceeding with',
];
/** Default imminent phrases of guard 1 (stop-gate.md §3), in order. */
export const DEFAULT_IMMINENT_PHRASES: ReadonlyArray<string> = [
  ' now', 'right away', 'immediately', 'straight away', 'this turn', 'in this session', "then i'll", 'then i will',
];
/** Default excuse phrases of guard 2 (stop-gate.md §3): every excuse family, in the order shown. */
export const DEFAULT_EXCUSE_PHRASES: ReadonlyArray<string> = [
  'long session', 'too long', 'marathon', 'this session has', 'been at this for',
  "it's late", 'it is late', 'late at night', 'at midnight', 'not tonight', 'end of the day',
  "don't want to rush", 'do not want to rush', 'rather not rush', 'not rushing', 'the responsible move',
  'the responsible thing', 'the prudent move', 'wiser to', 'safer to stop', 'better to pause',
  'wrong turns', 'error-prone', 'fresh eyes', 'made mistakes',
  'next session', 'fresh session', 'next focused', 'tackle it next', 'pick this up later', 'pick it up later',
  "so it can't slip", "so it won't slip", 'durably tracked',
];
/** Default known-work phrases of guard 2 (stop-gate.md §3), in order. */
export const DEFAULT_KNOWN_WORK_PHRASES: ReadonlyArray<string> = [
  'the durable fix', 'the real fix', 'the actual fix', 'the core fix', 'the remaining', 'remaining work',
  'still needs', 'still owed', 'left to do', 'needs to be done', 'the next step', 'the rest of the',
  'the follow-up', 'the build', 'the spec',
];

/** One text guard, resolved: `lists[0]` and `lists[1]` are the two phrase families, normalized. */
export interface GuardSettings {
  readonly enabled: boolean;
  /** Minimum normalized message length, UTF-16 units. */
  readonly minLength: number;
  readonly lists: readonly [ReadonlyArray<string>, ReadonlyArray<string>];
}

/** The authority, resolved (stop-gate.md §4): base URL without trailing `/`, and the bearer token (or null). */
export interface AuthoritySettings {
  readonly baseUrl: string;
  readonly token: string | null;
}

/** `stop_gate.*` resolved with defaults. */
export interface StopGateSettings {
  readonly statedContinuation: GuardSettings;
  readonly falseExcuse: GuardSettings;
  readonly authority: AuthoritySettings | null;
}

/**
 * Normalize a message for the guards (stop-gate.md §3): lowercase, typographic quotes to ASCII, whitespace runs to one
 * space, trimmed. `trim = false` is the phrase form (leading/trailing spaces are significant).
 */
export const normalize = (s: string, trim = true): string => {
  const out = s
    .toLowerCase()
    .replace(/[\u2018\u2019]/g, "'")
    .replace(/[\u201c\u201d]/g, '"')
    .replace(/\s+/g, ' ');
  return trim ? out.trim() : out;
};

/** Normalize a phrase list: each phrase normalized without trimming; phrases with no non-space character dropped. */
export const normalizePhrases = (list: ReadonlyArray<string>): ReadonlyArray<string> =>
  list.map((p) => normalize(p, false)).filter((p) => p.trim() !== '');

/** The default lists are written already normalized (lowercase ASCII, single spaces); a test pins that. */
const guardDefaults = (a: ReadonlyArray<string>, b: ReadonlyArray<string>, minLength: number): GuardSettings => ({
  enabled: true,
  minLength,
  lists: [a, b],
});

/** The defaults: both guards on with the default lists, no authority. */
export const DEFAULT_SETTINGS: StopGateSettings = {
  statedContinuation: guardDefaults(DEFAULT_COMMIT_PHRASES, DEFAULT_IMMINENT_PHRASES, 8),
  falseExcuse: guardDefaults(DEFAULT_EXCUSE_PHRASES, DEFAULT_KNOWN_WORK_PHRASES, 40),
  authority: null,
};

/** True for a plain JSON object (not null, not an array). */
export const isObject = (u: unknown): u is Record<string, unknown> => typeof u === 'object' && u !== null && !Array.isArray(u);

/**
 * Parse `stop_gate.authority.base_url` (stop-gate.md §4): an `http:` or `https:` URL (no credentials), trailing `/` removed.
 * Returns null for anything else.
 */
export const parseBaseUrl = (u: unknown): string | null => {
  if (typeof u !== 'string' || u.length > 2048) return null;
  // scheme://host[:port][/path] with a DNS name, IPv4 or bracketed IPv6 host; no credentials, query or fragment.
  const m = /^(https?):\/\/([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:\d{1,5})?(\/[^\s?#]*)?$/i.exec(u);
  if (m === null) return null;
  const port = m[3] === undefined ? null : Number(m[3].slice(1));
  if (port !== null && (port < 1 || port > 65535)) return null;
  return `${(m[1] as string).toLowerCase()}://${m[2] as string}${m[3] ?? ''}${m[4] ?? ''}`.replace(/\/+$/, '');
};

/**
 * Resolve `stop_gate.*` from the raw `stop_gate` config object (hooks.md §5): unknown keys ignored; a key with an invalid
 * value takes its default and adds one warning naming the key. `envToken` is `ARBITER_AUTHORITY_TOKEN` (a non-empty
 * value wins over the config token). Pure and total.
 * @returns the settings and the warnings (each `stop_gate.<key>: invalid value, using the default`).
 */
export const resolveSettings = (
  raw: unknown,
  envToken?: string,
): { readonly settings: StopGateSettings; readonly warnings: ReadonlyArray<string> } => {
  const warnings: string[] = [];
  const warn = (key: string): void => {
    warnings.push(`stop_gate.${key}: invalid value, using the default`);
  };
  const root = raw === undefined ? {} : isObject(raw) ? raw : (warn('(namespace)'), {});
  const sub = (o: Record<string, unknown>, k: string, path: string): Record<string, unknown> => {
    const v = o[k];
    if (v === undefined) return {};
    if (isObject(v)) return v;
    warn(path);
    return {};
  };
  const guards = sub(root, 'guards', 'guards');
  const bool = (o: Record<string, unknown>, k: string, path: string, d: boolean): boolean => {
    const v = o[k];
    if (v === undefined) return d;
    if (typeof v === 'boolean') return v;
    warn(path);
    return d;
  };
  const int = (o: Record<string, unknown>, k: string, path: string, d: number): number => {
    const v = o[k];
    if (v === undefined) return d;
    if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
    warn(path);
    return d;
  };
  const list = (o: Record<string, unknown>, k: string, path: string, d: ReadonlyArray<string>): ReadonlyArray<string> => {
    const v = o[k];
    if (v === undefined) return d;
    if (Array.isArray(v) && v.length <= 1000 && v.every((x) => typeof x === 'string' && x.length <= 1000)) {
      return normalizePhrases(v as string[]);
    }
    warn(path);
    return d;
  };
  const g1 = sub(guards, 'stated_continuation', 'guards.stated_continuation');
  const g2 = sub(guards, 'false_excuse_deferral', 'guards.false_excuse_deferral');
  const p1 = 'guards.stated_continuation.';
  const p2 = 'guards.false_excuse_deferral.';
  const statedContinuation: GuardSettings = {
    enabled: bool(g1, 'enabled', `${p1}enabled`, true),
    minLength: int(g1, 'min_length', `${p1}min_length`, 8),
    lists: [
      list(g1, 'commit_phrases', `${p1}commit_phrases`, DEFAULT_COMMIT_PHRASES),
      list(g1, 'imminent_phrases', `${p1}imminent_phrases`, DEFAULT_IMMINENT_PHRASES),
    ],
  };
  const falseExcuse: GuardSettings = {
    enabled: bool(g2, 'enabled', `${p2}enabled`, true),
    minLength: int(g2, 'min_length', `${p2}min_length`, 40),
    lists: [
      list(g2, 'excuse_phrases', `${p2}excuse_phrases`, DEFAULT_EXCUSE_PHRASES),
      list(g2, 'known_work_phrases', `${p2}known_work_phrases`, DEFAULT_KNOWN_WORK_PHRASES),
    ],
  };
  const auth = sub(root, 'authority', 'authority');
  let authority: AuthoritySettings | null = null;
  if (auth['base_url'] !== undefined) {
    const baseUrl = parseBaseUrl(auth['base_url']);
    if (baseUrl === null) warn('authority.base_url');
    else {
      let token: string | null = null;
      if (auth['token'] !== undefined && typeof auth['token'] !== 'string') warn('authority.token');
      if (typeof auth['token'] === 'string') token = auth['token'];
      if (typeof envToken === 'string' && envToken !== '') token = envToken;
      authority = { baseUrl, token };
    }
  }
  return { settings: { statedContinuation, falseExcuse, authority }, warnings };
};
