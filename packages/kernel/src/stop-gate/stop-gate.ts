/**
 * Stop-gate router: should a session that is trying to end its turn be sent back to work? Two local text guards
 * (stated continuation, false-excuse deferral) and an optional HTTP authority; off by default, blocks only in
 * `enforce`, and every failure lets the session stop.
 *
 * Normative source: spec/sentinels.md §3 (policy `stop-gate`, version 1.0.0), with DESIGN.md conventions winning:
 * gate state and continue counts live in the repository runtime directory, instants on disk are ISO-8601 UTC with
 * milliseconds, and reason codes are lowercase kebab-case without the spec's `sg.` area prefix.
 *
 * Sections follow DESIGN.md "One decision, one module": model → decision → verdict → messages → table.
 * Pure: no I/O, no clock, no randomness, no environment. The authority token arrives as a fact.
 */
import { STOP_GATE_FILE, STOP_GATE_POLICY, STOP_GATE_POLICY_VERSION, gateEarlyAllow, gateSessionOf } from '../hot.js';
import { isRight } from 'fp-ts/lib/Either.js';
import { IsoMillis, msToIso } from '../internal/codecs.js';
import { done, need, runStepsSync, type Done, type Need, type ProbeAnswer, type StepDriver } from '../internal/step.js';
import { clamp, sanitiseBlock, sanitiseLine } from '../internal/text.js';
import type { DecisionTable } from '../internal/table.js';

// ───────────────────────────────────────── constants (§3.4–§3.6) ─────────────────────────────────────────

/** Policy id written to the decision log. */
export const POLICY = STOP_GATE_POLICY;
/** Policy version (semver). */
export const POLICY_VERSION = STOP_GATE_POLICY_VERSION;
/** Gate state file in the repository runtime directory (§3.2). */
export const GATE_FILE = STOP_GATE_FILE;
/** Continue counter file in the repository runtime directory (§3.6). */
export const CONTINUES_FILE = 'stop-gate-continues.json';
/** Continue ceiling per session (§3.6). */
export const CONTINUE_CEILING = 2;
/** Hot-path GET timeout, ms, request start to end of body (§3.4). */
export const HOT_PATH_TIMEOUT_MS = 1_500;
/** Evaluate POST timeout, ms (§3.4). */
export const EVALUATE_TIMEOUT_MS = 2_500;
/** Largest accepted authority body, bytes (§3.4 `malformed`). */
export const HTTP_BODY_MAX_BYTES = 1_048_576;
/** Timeout of each git call, ms (§3.5). */
export const GIT_TIMEOUT_MS = 800;
/** Total budget of the `gitHistory` probe, ms (§3.5). */
export const GIT_HISTORY_BUDGET_MS = 5_000;
/** Bytes read from the end of the transcript (§3.5). */
export const TRANSCRIPT_TAIL_BYTES = 256 * 1024;
/** Most evidence paths sent (§3.4). */
export const EVIDENCE_MAX_PATHS = 30;
/** Most user turns taken from the transcript (§3.4). */
export const USER_TURNS_MAX = 3;
/** Clamp of one user turn, UTF-16 units (§3.4). */
export const USER_TURN_MAX = 2_000;
/** Clamp of the agent turn, UTF-16 units (§3.4). */
export const AGENT_TURN_MAX = 16_384;
/** Sessions idle longer than this are pruned from the continue counter, ms (§0.5 rule 4). */
export const CONTINUE_PRUNE_MS = 7 * 24 * 3_600_000;
/** Hard bound on steps (sentinels.md §0.3 rule 3). */
export const MAX_STEPS = 12;

// ───────────────────────────────────────── configuration (§0.5, §3.3, §3.4) ─────────────────────────────────

/** Default commit phrases of guard 1 (§3.3), in order. */
export const DEFAULT_COMMIT_PHRASES: ReadonlyArray<string> = [
  "i'll ", 'i will ', "i'm going to", 'i am going to', "i'm about to", 'i am about to', "we'll ", 'we will ',
  'gonna ', 'next step', 'next phase', 'next up', 'kicking off', 'moving on to', 'proceeding to', 'proceeding with',
];
/** Default imminent phrases of guard 1 (§3.3), in order. */
export const DEFAULT_IMMINENT_PHRASES: ReadonlyArray<string> = [
  ' now', 'right away', 'immediately', 'straight away', 'this turn', 'in this session', "then i'll", 'then i will',
];
/** Default excuse phrases of guard 2 (§3.3): every excuse family, in the order shown. */
export const DEFAULT_EXCUSE_PHRASES: ReadonlyArray<string> = [
  'long session', 'too long', 'marathon', 'this session has', 'been at this for',
  "it's late", 'it is late', 'late at night', 'at midnight', 'not tonight', 'end of the day',
  "don't want to rush", 'do not want to rush', 'rather not rush', 'not rushing', 'the responsible move',
  'the responsible thing', 'the prudent move', 'wiser to', 'safer to stop', 'better to pause',
  'wrong turns', 'error-prone', 'fresh eyes', 'made mistakes',
  'next session', 'fresh session', 'next focused', 'tackle it next', 'pick this up later', 'pick it up later',
  "so it can't slip", "so it won't slip", 'durably tracked',
];
/** Default known-work phrases of guard 2 (§3.3), in order. */
export const DEFAULT_KNOWN_WORK_PHRASES: ReadonlyArray<string> = [
  'the durable fix', 'the real fix', 'the actual fix', 'the core fix', 'the remaining', 'remaining work',
  'still needs', 'still owed', 'left to do', 'needs to be done', 'the next step', 'the rest of the',
  'the follow-up', 'the build', 'the spec',
];

/** One text guard, resolved: `lists[0]` and `lists[1]` are the two phrase families, normalised. */
export interface GuardSettings {
  readonly enabled: boolean;
  /** Minimum normalised message length, UTF-16 units. */
  readonly minLength: number;
  readonly lists: readonly [ReadonlyArray<string>, ReadonlyArray<string>];
}

/** The authority, resolved (§3.4): base URL without trailing `/`, and the bearer token (or null). */
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
 * Normalise a message for the guards (§3.3): lowercase, typographic quotes to ASCII, whitespace runs to one
 * space, trimmed. `trim = false` is the phrase form (leading/trailing spaces are significant).
 */
export const normalise = (s: string, trim = true): string => {
  const out = s
    .toLowerCase()
    .replace(/[\u2018\u2019]/g, "'")
    .replace(/[\u201c\u201d]/g, '"')
    .replace(/\s+/g, ' ');
  return trim ? out.trim() : out;
};

/** Normalise a phrase list: each phrase normalised without trimming; phrases with no non-space character dropped. */
export const normalisePhrases = (list: ReadonlyArray<string>): ReadonlyArray<string> =>
  list.map((p) => normalise(p, false)).filter((p) => p.trim() !== '');

/** The default lists are written already normalised (lowercase ASCII, single spaces); a test pins that. */
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

const isObject = (u: unknown): u is Record<string, unknown> => typeof u === 'object' && u !== null && !Array.isArray(u);

/**
 * Parse `stop_gate.authority.base_url` (§3.4): an `http:` or `https:` URL (no credentials), trailing `/` removed.
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
 * Resolve `stop_gate.*` from the raw `stop_gate` config object (§0.5): unknown keys ignored; a key with an invalid
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
      return normalisePhrases(v as string[]);
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

// ───────────────────────────────────────── gate state and counters (§3.2, §3.6) ─────────────────────────────

/** Modes; any other stored value reads as `off` (§3.2). */
export type Mode = 'off' | 'shadow' | 'enforce';
export const MODES: ReadonlyArray<Mode> = ['off', 'shadow', 'enforce'];

/** The gate state as the decision uses it. */
export interface GateState {
  readonly mode: Mode;
  readonly killSwitch: boolean;
}

/** The gate state when `stop-gate.json` is absent. */
export const GATE_DEFAULT: GateState = { mode: 'off', killSwitch: false };

/**
 * Read `stop-gate.json` (§3.2). `null` (absent) gives `{off, false}`. A JSON object gives its mode (anything but
 * `shadow` / `enforce` is `off`) and `killSwitch === true`. Anything else (not JSON, not an object) gives null:
 * the caller treats it as a probe failure (rule 7). Total.
 */
export const readGateState = (text: string | null): GateState | null => {
  if (text === null) return GATE_DEFAULT;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isObject(json)) return null;
  const m = json['mode'];
  return { mode: m === 'shadow' || m === 'enforce' ? m : 'off', killSwitch: json['killSwitch'] === true };
};

/** Encode the gate state as stored (`updatedAt` ISO-8601 UTC with ms). */
export const encodeGateState = (s: GateState, now: number): string =>
  JSON.stringify({ version: 1, mode: s.mode, killSwitch: s.killSwitch, updatedAt: msToIso(now) }, null, 2) + '\n';

/**
 * The continue count of one session from `stop-gate-continues.json` (§3.6): `null` file → 0; session absent → 0;
 * an integer `count ≥ 0` → it. A file that is not a JSON object with an object `sessions`, or a count that is not
 * an integer ≥ 0, gives null (probe failure, rule 13). Total.
 */
export const readContinueCount = (text: string | null, session: string): number | null => {
  if (text === null) return 0;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isObject(json) || !isObject(json['sessions'])) return null;
  const sessions = json['sessions'];
  if (!Object.prototype.hasOwnProperty.call(sessions, session)) return 0;
  const rec = sessions[session];
  if (!isObject(rec)) return null;
  const c = rec['count'];
  return typeof c === 'number' && Number.isSafeInteger(c) && c >= 0 ? c : null;
};

/**
 * ContinueIncrement under the mutex (§3.6): `count = count + 1`, `lastAt = now` (ISO) for `session`, and sessions
 * whose `lastAt` is older than 7 days (or unreadable) pruned (§0.5 rule 4). A current file that is not a valid
 * counter file gives null: the increment is dropped and reported, never written over a corrupt file.
 */
export const incrementContinue = (current: string | null, session: string, now: number): string | null => {
  let sessions: Record<string, unknown> = {};
  if (current !== null) {
    let json: unknown;
    try {
      json = JSON.parse(current);
    } catch {
      return null;
    }
    if (!isObject(json) || !isObject(json['sessions'])) return null;
    sessions = json['sessions'];
  }
  const prior = readContinueCount(current, session) ?? 0;
  const out: Record<string, { count: number; lastAt: string }> = {};
  for (const [k, v] of Object.entries(sessions)) {
    if (k === session || !isObject(v)) continue;
    const at = IsoMillis.decode(v['lastAt']);
    const c = v['count'];
    if (!isRight(at) || now - at.right > CONTINUE_PRUNE_MS) continue;
    if (typeof c !== 'number' || !Number.isSafeInteger(c) || c < 0) continue;
    out[k] = { count: c, lastAt: msToIso(at.right) };
  }
  out[session] = { count: prior + 1, lastAt: msToIso(now) };
  return JSON.stringify({ version: 1, sessions: out }, null, 2) + '\n';
};

// ───────────────────────────────────────── payload (§3.5, §0.7) ─────────────────────────────────────────

/** The decoded stdin of a Stop hook. */
export type Payload =
  | { readonly _tag: 'Unreadable' }
  | { readonly _tag: 'Empty' }
  | { readonly _tag: 'Malformed' }
  | { readonly _tag: 'Object'; readonly value: Readonly<Record<string, unknown>> };

/**
 * Classify the stdin text of a hook (§3.6 rules 1–3): `null` (read error, timeout, over 8 MiB) → `Unreadable`;
 * blank → `Empty`; not JSON or not a JSON object → `Malformed`; else `Object`. Total: never throws (deeply nested
 * JSON that overflows the parser's stack is `Malformed`).
 */
export const classifyStdin = (text: string | null): Payload => {
  if (text === null) return { _tag: 'Unreadable' };
  if (text.trim() === '') return { _tag: 'Empty' };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { _tag: 'Malformed' };
  }
  return isObject(json) ? { _tag: 'Object', value: json } : { _tag: 'Malformed' };
};

/** Session id (§3.6 rule 5): `session_id` if a non-empty string, else `sessionId`, else null. */
export const sessionOf = gateSessionOf;

/** `last_assistant_message`, or `""` when it is not a string. */
export const messageOf = (p: Readonly<Record<string, unknown>>): string => {
  const m = p['last_assistant_message'];
  return typeof m === 'string' ? m : '';
};

// ───────────────────────────────────────── guards (§3.3) ─────────────────────────────────────────

/** A guard hit: the first phrase of each list that occurs, in list order. */
export interface GuardHit {
  readonly phrases: readonly [string, string];
}

/**
 * Evaluate one guard on a normalised message (§3.3): hits when enabled, `message.length ≥ minLength`, and some
 * phrase of each list occurs (plain substring). Returns the first phrase of each list that occurs, or null.
 */
export const guardHit = (g: GuardSettings, normalisedMessage: string): GuardHit | null => {
  if (!g.enabled || normalisedMessage.length < g.minLength) return null;
  const a = g.lists[0].find((p) => normalisedMessage.includes(p));
  if (a === undefined) return null;
  const b = g.lists[1].find((p) => normalisedMessage.includes(p));
  return b === undefined ? null : { phrases: [a, b] };
};

// ───────────────────────────────────────── evidence (§3.4) ─────────────────────────────────────────

const EVIDENCE_EXT = /\.(md|markdown|json|jsonl|txt)$/i;
const EVIDENCE_SEGMENT = /^(task|upgrades|memory\.md|agents\.md)/i;
const EVIDENCE_ANYWHERE = /(spec|plan|handoff|todo|next|round)/i;

/** True when one `git ls-files` path qualifies as evidence (§3.4 artifacts rule). */
export const isEvidencePath = (p: string): boolean =>
  EVIDENCE_EXT.test(p) && (p.split('/').some((seg) => EVIDENCE_SEGMENT.test(seg)) || EVIDENCE_ANYWHERE.test(p));

/** `selectEvidencePaths` (§3.4): the first 30 qualifying paths, in input order. Pure and total. */
export const selectEvidencePaths = (files: ReadonlyArray<string>): ReadonlyArray<string> => {
  const out: string[] = [];
  for (const f of files) {
    if (out.length >= EVIDENCE_MAX_PATHS) break;
    if (typeof f === 'string' && isEvidencePath(f)) out.push(f);
  }
  return out;
};

/** What the `gitHistory` probe knows about one path; times in ms epoch. Unknown parts are null. */
export interface PathHistory {
  readonly introducingCommit: string | null;
  readonly latestCommit: string | null;
  readonly introducingTime: number | null;
  readonly latestTime: number | null;
}

/** One artifact record on the wire (§3.4). */
export interface Artifact {
  readonly path: string;
  readonly introducingCommit: string | null;
  readonly latestCommit: string | null;
  readonly createdThisSession: boolean;
  readonly modifiedThisSession: boolean;
}

/** Build the artifact records (§3.4 rule 1). `start` is the hot path's `sessionStartTs` (ms) or null. */
export const artifacts = (
  paths: ReadonlyArray<string>,
  history: ReadonlyArray<PathHistory | null> | null,
  start: number | null,
): ReadonlyArray<Artifact> =>
  paths.map((path, i) => {
    const h = history?.[i] ?? null;
    const latestTime = h?.latestTime ?? null;
    const introducingTime = h?.introducingTime ?? null;
    return {
      path,
      introducingCommit: h?.introducingCommit ?? null,
      latestCommit: h?.latestCommit ?? null,
      modifiedThisSession: start !== null && latestTime !== null && latestTime >= start,
      createdThisSession: start !== null && (h?.latestCommit ?? null) !== null && introducingTime !== null && introducingTime >= start,
    };
  });

/** The signals of the evaluate body (§3.4 rule 2). */
export interface Signals {
  readonly mentionsContextLimit: boolean;
  readonly mentionsFreshSession: boolean;
  readonly claimsShouldStopForContext: boolean;
}

/** `signals(stopReason, message)` (§3.4 rule 2): case-insensitive substring tests on `stopReason + LF + message`. */
export const signals = (stopReason: string, message: string): Signals => {
  const text = `${stopReason}\n${message}`.toLowerCase();
  const any = (xs: ReadonlyArray<string>): boolean => xs.some((x) => text.includes(x));
  return {
    mentionsContextLimit: any(['context', 'window', 'token', 'compact']),
    mentionsFreshSession: any(['fresh session', 'new session', 'restart', 'continue in a new']),
    claimsShouldStopForContext: any(['stop', 'pause', 'wrap up', 'hand off']) && any(['context', 'fresh', 'compact']),
  };
};

/** `stopReason` (§3.4 rule 3): `stop_reason`, else `reason` (non-empty strings), else the message. */
export const stopReasonOf = (p: Readonly<Record<string, unknown>>): string => {
  const a = p['stop_reason'];
  if (typeof a === 'string' && a !== '') return a;
  const b = p['reason'];
  if (typeof b === 'string' && b !== '') return b;
  return messageOf(p);
};

/** One turn of `recentTurns`. */
export interface Turn {
  readonly source: 'user' | 'agent';
  readonly text: string;
}

/**
 * `parseTranscriptTail(text, partial)` (§3.4 rule 4): read JSONL lines from the end, keep at most 3 entries with
 * `type:"user"` whose `message.content` is a string or an array of `{type:"text", text}` blocks (joined with LF),
 * trimmed, non-empty, clamped to 2000 units, returned in file order. When `partial` (the read began mid-file) the
 * first line is dropped. Never throws; unparseable lines give no turn.
 */
export const parseTranscriptTail = (text: string, partial: boolean): ReadonlyArray<Turn> => {
  if (typeof text !== 'string') return [];
  const lines = text.split('\n');
  if (partial) lines.shift();
  const out: Turn[] = [];
  for (let i = lines.length - 1; i >= 0 && out.length < USER_TURNS_MAX; i--) {
    const line = (lines[i] as string).trim();
    if (line === '') continue;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      continue;
    }
    if (!isObject(json) || json['type'] !== 'user' || !isObject(json['message'])) continue;
    const content = json['message']['content'];
    let body: string | null = null;
    if (typeof content === 'string') body = content;
    else if (Array.isArray(content)) {
      const parts = content.filter((b): b is { type: 'text'; text: string } => isObject(b) && b['type'] === 'text' && typeof b['text'] === 'string');
      body = parts.map((b) => b.text).join('\n');
    }
    if (body === null) continue;
    const trimmed = body.trim();
    if (trimmed === '') continue;
    out.push({ source: 'user', text: clamp(trimmed, USER_TURN_MAX) });
  }
  return out.reverse();
};

// ───────────────────────────────────────── authority answers (§3.4) ─────────────────────────────────────────

/** HTTP failure kinds (§3.4). */
export type HttpFailKind = 'timeout' | 'unreachable' | 'http-status' | 'malformed';

/** What Arbiter reads from a hot-path answer (§3.4). */
export interface HotPath {
  readonly killSwitch: boolean;
  readonly modeOff: boolean;
  readonly compactionInFlight: boolean;
  readonly sessionStartTs: number | null;
  readonly selfDeferralGuardOn: boolean;
}

const parseBody = (text: string): Record<string, unknown> | null => {
  if (typeof text !== 'string' || text.length > HTTP_BODY_MAX_BYTES) return null;
  try {
    const j: unknown = JSON.parse(text);
    return isObject(j) ? j : null;
  } catch {
    return null;
  }
};

/** Decode a hot-path body (§3.4): a JSON object (≤ 1 MiB) or null (`malformed`). Unknown fields ignored. */
export const decodeHotPath = (text: string): HotPath | null => {
  const j = parseBody(text);
  if (j === null) return null;
  const ts = j['sessionStartTs'];
  return {
    killSwitch: j['killSwitch'] === true,
    modeOff: j['mode'] === 'off',
    compactionInFlight: j['compactionInFlight'] === true,
    sessionStartTs: typeof ts === 'number' && Number.isFinite(ts) ? ts : null,
    selfDeferralGuardOn: j['selfDeferralGuardOn'] === true,
  };
};

/** Evaluate decisions (§3.4). */
export type AuthorityDecision = 'continue' | 'allow' | 'escalate' | 'force_allow';

/** A decoded evaluate answer. */
export interface EvaluateAnswer {
  readonly decision: AuthorityDecision;
  readonly reminder: string;
  readonly rule: string | null;
}

/** Decode an evaluate body (§3.4): unknown decision, non-string reminder or rule of another type → null (`malformed`). */
export const decodeEvaluate = (text: string): EvaluateAnswer | null => {
  const j = parseBody(text);
  if (j === null) return null;
  const d = j['decision'];
  if (d !== 'continue' && d !== 'allow' && d !== 'escalate' && d !== 'force_allow') return null;
  const r = j['reminder'];
  if (r !== undefined && typeof r !== 'string') return null;
  const rule = j['rule'];
  if (rule !== undefined && rule !== null && typeof rule !== 'string') return null;
  return { decision: d, reminder: r ?? '', rule: typeof rule === 'string' ? rule : null };
};

/** The evaluate request body (§3.4). */
export interface EvaluateBody {
  readonly sessionId: string;
  readonly evidenceMetadata: {
    readonly artifacts: ReadonlyArray<Artifact>;
    readonly signals: Signals;
    readonly sessionStartTs: number | null;
  };
  readonly untrustedContent: { readonly stopReason: string; readonly recentTurns: ReadonlyArray<Turn> };
}

// ───────────────────────────────────────── facts and probes (§3.5) ─────────────────────────────────────────

/** Probes, in the only order they may be requested (§3.6). URLs and timeouts are data for the adapter. */
export type Probe =
  | { readonly _tag: 'GateState' }
  | { readonly _tag: 'ContinueCount'; readonly session: string }
  | { readonly _tag: 'HotPath'; readonly url: string; readonly timeoutMs: number }
  | { readonly _tag: 'GitFiles'; readonly timeoutMs: number }
  | { readonly _tag: 'GitHistory'; readonly paths: ReadonlyArray<string>; readonly timeoutMs: number; readonly budgetMs: number }
  | { readonly _tag: 'TranscriptTail'; readonly path: string; readonly maxBytes: number }
  | { readonly _tag: 'Evaluate'; readonly url: string; readonly body: EvaluateBody; readonly timeoutMs: number };
export type ProbeTag = Probe['_tag'];

/** The order of §3.6; requested probes always form a subsequence (SG-P13). */
export const PROBE_ORDER: ReadonlyArray<ProbeTag> = [
  'GateState',
  'ContinueCount',
  'HotPath',
  'GitFiles',
  'GitHistory',
  'TranscriptTail',
  'Evaluate',
];

/**
 * Facts of one stop-gate decision (§3.5). Probe answers: `gateState` and `continueCount` carry the file text (or
 * null when absent); `hotPath` and `evaluate` carry the response body text (failures with {@link HttpFailKind});
 * `gitHistory` one entry per requested path; `transcriptTail` the tail text and whether the read began mid-file.
 */
export interface GateFacts {
  readonly payload: Payload;
  readonly settings: StopGateSettings;
  readonly now: number;
  readonly gateState?: ProbeAnswer<string | null>;
  readonly continueCount?: ProbeAnswer<string | null>;
  readonly hotPath?: ProbeAnswer<string, HttpFailKind>;
  readonly gitFiles?: ProbeAnswer<ReadonlyArray<string>>;
  readonly gitHistory?: ProbeAnswer<ReadonlyArray<PathHistory | null>>;
  readonly transcriptTail?: ProbeAnswer<{ readonly text: string; readonly partial: boolean }>;
  readonly evaluate?: ProbeAnswer<string, HttpFailKind>;
}

// ───────────────────────────────────────── verdicts and effects (§3.7, §3.9) ─────────────────────────────────

/** Block reasons (§3.7). */
export type BlockReason = 'stated-continuation' | 'false-excuse-deferral' | 'authority-continue';
/** Fail-open allow reasons (§3.9 first table, without the hook-level codes). */
export type FailOpenReason =
  | 'stdin-unreadable'
  | 'empty-input'
  | 'malformed-input'
  | 'no-session'
  | 'gate-state-unreadable'
  | 'continue-count-unreadable'
  | 'hot-path-timeout'
  | 'hot-path-unreachable'
  | 'hot-path-http-status'
  | 'hot-path-malformed'
  | 'remote-kill-switch'
  | 'remote-mode-off'
  | 'compaction-in-flight'
  | 'evaluate-timeout'
  | 'evaluate-unreachable'
  | 'evaluate-http-status'
  | 'evaluate-malformed'
  | 'continue-empty-reminder';
/** Deliberate allow reasons (§3.9 second list). */
export type DeliberateReason =
  | 'loop-guard'
  | 'kill-switch'
  | 'mode-off'
  | 'no-authority'
  | 'continue-ceiling'
  | 'shadow'
  | 'authority-allow'
  | 'authority-escalate'
  | 'authority-force-allow';
export type AllowReason = FailOpenReason | DeliberateReason;
/** Audit-only reasons and increment failures. */
export type AuditReason = 'shadow-guard-hit';
/** Every reason code of this policy (G-P4). */
export type Reason = AllowReason | BlockReason | AuditReason;

export const FAIL_OPEN_REASONS: ReadonlyArray<FailOpenReason> = [
  'stdin-unreadable',
  'empty-input',
  'malformed-input',
  'no-session',
  'gate-state-unreadable',
  'continue-count-unreadable',
  'hot-path-timeout',
  'hot-path-unreachable',
  'hot-path-http-status',
  'hot-path-malformed',
  'remote-kill-switch',
  'remote-mode-off',
  'compaction-in-flight',
  'evaluate-timeout',
  'evaluate-unreachable',
  'evaluate-http-status',
  'evaluate-malformed',
  'continue-empty-reminder',
];
export const DELIBERATE_REASONS: ReadonlyArray<DeliberateReason> = [
  'loop-guard',
  'kill-switch',
  'mode-off',
  'no-authority',
  'continue-ceiling',
  'shadow',
  'authority-allow',
  'authority-escalate',
  'authority-force-allow',
];
export const BLOCK_REASONS: ReadonlyArray<BlockReason> = ['stated-continuation', 'false-excuse-deferral', 'authority-continue'];
export const REASONS: ReadonlyArray<Reason> = [...FAIL_OPEN_REASONS, ...DELIBERATE_REASONS, ...BLOCK_REASONS, 'shadow-guard-hit'];

/** The verdict (§3.7). Allow renders `{}`, Block `{"decision":"block","reason":message}` (§3.10). */
export type Verdict =
  | { readonly _tag: 'Allow'; readonly reasons: readonly [AllowReason]; readonly failOpen: boolean }
  | { readonly _tag: 'Block'; readonly reasons: readonly [BlockReason]; readonly message: string };

/** Effects (§3.7): Audit entries for the decision log, and the continue increment (under the mutex). */
export type Effect =
  | {
      readonly _tag: 'Audit';
      readonly reason: Reason;
      readonly failOpen: boolean;
      readonly details: Readonly<Record<string, string | number | boolean | null>>;
    }
  | { readonly _tag: 'ContinueIncrement'; readonly session: string; readonly at: number };

export type GateStep = Need<Probe> | Done<Verdict, Effect>;

// ───────────────────────────────────────── messages (§3.8) ─────────────────────────────────────────

/** Block text of guard 1 (§3.8); phrases through `sanitiseLine(·, 40)`. */
export const statedContinuationMessage = (commit: string, imminent: string): string =>
  `Arbiter stop gate (stated-continuation): you announced an action for this turn ("${sanitiseLine(commit, 40)}" \u2026 "${sanitiseLine(imminent, 40)}") but are stopping before doing it. Carry it out now. If you cannot, reply once, briefly, with the reason you are stopping instead. Arbiter asks this only once per stop.`;

/** Block text of guard 2 (§3.8). */
export const falseExcuseMessage = (work: string, excuse: string): string =>
  `Arbiter stop gate (false-excuse deferral): you left known work open ("${sanitiseLine(work, 40)}") and gave a reason that does not prevent doing it ("${sanitiseLine(excuse, 40)}"). How long the session has run, the time of day, or a wish to be careful are not blockers; care is applied while doing the work. Keep going. Stop only for an external blocker you cannot clear, finished work, or a choice that belongs to the user.`;

/** Block text of an authority `continue` (§3.8): fixed frame, rule ≤ 64 code points, reminder through `sanitiseBlock(·, 2000)`. */
export const authorityMessage = (reminder: string, rule: string | null): string => {
  const r = rule === null ? '' : sanitiseLine(rule, 64);
  return `Arbiter stop gate (authority${r === '' ? '' : `, rule ${r}`}): ${sanitiseBlock(reminder, 2000)}`;
};

// ───────────────────────────────────────── decision (§3.6) ─────────────────────────────────────────

const allow = (reason: AllowReason, effects: ReadonlyArray<Effect> = []): GateStep =>
  done<Verdict, Effect>({ _tag: 'Allow', reasons: [reason], failOpen: (FAIL_OPEN_REASONS as ReadonlyArray<string>).includes(reason) }, effects);

const audit = (reason: Reason, failOpen: boolean, details: Record<string, string | number | boolean | null> = {}): Effect => ({
  _tag: 'Audit',
  reason,
  failOpen,
  details,
});

/** An audited fail-open allow (rule 7 onward). */
const failOpen = (reason: FailOpenReason, pre: ReadonlyArray<Effect>, detail: string): GateStep =>
  allow(reason, [...pre, audit(reason, true, { detail: sanitiseLine(detail, 200) })]);

const HTTP_REASON = {
  hot: { timeout: 'hot-path-timeout', unreachable: 'hot-path-unreachable', 'http-status': 'hot-path-http-status', malformed: 'hot-path-malformed' },
  evaluate: { timeout: 'evaluate-timeout', unreachable: 'evaluate-unreachable', 'http-status': 'evaluate-http-status', malformed: 'evaluate-malformed' },
} as const;

/** Map any failure kind of an HTTP probe to its reason; an unknown kind counts as `unreachable`. */
const httpReason = (which: 'hot' | 'evaluate', kind: string): FailOpenReason =>
  (HTTP_REASON[which] as Record<string, FailOpenReason>)[kind] ?? HTTP_REASON[which].unreachable;

/**
 * The stop-gate step function (§3.6, rules 1–23, in order).
 *
 * @param f the facts so far (payload, resolved settings, `now` in ms, and the probe answers gathered).
 * @returns `Need` the next probe of {@link PROBE_ORDER}, or `Done` with the verdict and its effects. Blocks only in
 *   `enforce`: on a local guard hit (rules 10–11) or on a well-formed authority `continue` with a non-blank
 *   reminder below the continue ceiling (rule 21). Every failure allows with `failOpen: true`. Never throws on
 *   facts of the declared types.
 */
export const step = (f: GateFacts): GateStep => {
  // Rules 1–3: the payload.
  if (f.payload._tag === 'Unreadable') return allow('stdin-unreadable');
  if (f.payload._tag === 'Empty') return allow('empty-input');
  if (f.payload._tag === 'Malformed') return allow('malformed-input');
  const p = f.payload.value;
  // Rule 4: loop guard (truthy in the JavaScript sense); rule 5: a session id.
  const early = gateEarlyAllow(p);
  if (early !== null) return allow(early.reason);
  const session = sessionOf(p) as string; // non-null: rule 5 passed
  // Rules 6–9: gate state, kill switch, mode.
  if (f.gateState === undefined) return need<Probe>({ _tag: 'GateState' });
  if (!f.gateState.ok) return failOpen('gate-state-unreadable', [], f.gateState.error.kind);
  const gate = readGateState(f.gateState.value);
  if (gate === null) return failOpen('gate-state-unreadable', [], 'stop-gate.json is not a JSON object');
  if (gate.killSwitch) return allow('kill-switch');
  if (gate.mode === 'off') return allow('mode-off');
  const enforce = gate.mode === 'enforce';
  // Rules 10–11: the local guards.
  const message = messageOf(p);
  const normalised = normalise(message);
  const pre: Effect[] = [];
  const g1 = guardHit(f.settings.statedContinuation, normalised);
  if (g1 !== null) {
    if (enforce) {
      return done<Verdict, Effect>(
        { _tag: 'Block', reasons: ['stated-continuation'], message: statedContinuationMessage(g1.phrases[0], g1.phrases[1]) },
        [audit('stated-continuation', false, { guard: 1, commit: sanitiseLine(g1.phrases[0], 40), imminent: sanitiseLine(g1.phrases[1], 40) })],
      );
    }
    pre.push(audit('shadow-guard-hit', false, { guard: 1, commit: sanitiseLine(g1.phrases[0], 40), imminent: sanitiseLine(g1.phrases[1], 40) }));
  }
  const g2 = guardHit(f.settings.falseExcuse, normalised);
  if (g2 !== null) {
    if (enforce) {
      return done<Verdict, Effect>(
        { _tag: 'Block', reasons: ['false-excuse-deferral'], message: falseExcuseMessage(g2.phrases[1], g2.phrases[0]) },
        [audit('false-excuse-deferral', false, { guard: 2, excuse: sanitiseLine(g2.phrases[0], 40), work: sanitiseLine(g2.phrases[1], 40) })],
      );
    }
    pre.push(audit('shadow-guard-hit', false, { guard: 2, excuse: sanitiseLine(g2.phrases[0], 40), work: sanitiseLine(g2.phrases[1], 40) }));
  }
  // Rule 12: no authority.
  const auth = f.settings.authority;
  if (auth === null) return allow('no-authority', pre);
  // Rule 13: the continue ceiling (enforce only).
  if (enforce) {
    if (f.continueCount === undefined) return need<Probe>({ _tag: 'ContinueCount', session });
    if (!f.continueCount.ok) return failOpen('continue-count-unreadable', pre, f.continueCount.error.kind);
    const count = readContinueCount(f.continueCount.value, session);
    if (count === null) return failOpen('continue-count-unreadable', pre, 'stop-gate-continues.json is not a counter file');
    if (count >= CONTINUE_CEILING) return allow('continue-ceiling', [...pre, audit('continue-ceiling', false, { count })]);
  }
  // Rules 14–15: the hot path and its vetoes.
  if (f.hotPath === undefined) {
    return need<Probe>({ _tag: 'HotPath', url: `${auth.baseUrl}/hot-path?session=${encodeURIComponent(session)}`, timeoutMs: HOT_PATH_TIMEOUT_MS });
  }
  if (!f.hotPath.ok) return failOpen(httpReason('hot', f.hotPath.error.kind), pre, f.hotPath.error.detail || f.hotPath.error.kind);
  const hot = decodeHotPath(f.hotPath.value);
  if (hot === null) return failOpen('hot-path-malformed', pre, 'hot-path body is not a JSON object of at most 1 MiB');
  if (hot.killSwitch) return failOpen('remote-kill-switch', pre, 'authority kill switch on');
  if (hot.modeOff) return failOpen('remote-mode-off', pre, 'authority mode off');
  if (hot.compactionInFlight) return failOpen('compaction-in-flight', pre, 'compaction in flight');
  // Rules 16–18: evidence (fails soft).
  if (f.gitFiles === undefined) return need<Probe>({ _tag: 'GitFiles', timeoutMs: GIT_TIMEOUT_MS });
  const paths = selectEvidencePaths(f.gitFiles.ok ? f.gitFiles.value : []);
  if (paths.length > 0 && f.gitHistory === undefined) {
    return need<Probe>({ _tag: 'GitHistory', paths, timeoutMs: GIT_TIMEOUT_MS, budgetMs: GIT_HISTORY_BUDGET_MS });
  }
  const transcriptPath = p['transcript_path'];
  const wantTail = hot.selfDeferralGuardOn && typeof transcriptPath === 'string' && transcriptPath !== '';
  if (wantTail && f.transcriptTail === undefined) {
    return need<Probe>({ _tag: 'TranscriptTail', path: transcriptPath as string, maxBytes: TRANSCRIPT_TAIL_BYTES });
  }
  // Rule 19: evaluate.
  if (f.evaluate === undefined) {
    const history = paths.length > 0 && f.gitHistory !== undefined && f.gitHistory.ok ? f.gitHistory.value : null;
    const userTurns = wantTail && f.transcriptTail !== undefined && f.transcriptTail.ok
      ? parseTranscriptTail(f.transcriptTail.value.text, f.transcriptTail.value.partial)
      : [];
    const stopReason = stopReasonOf(p);
    const body: EvaluateBody = {
      sessionId: session,
      evidenceMetadata: { artifacts: artifacts(paths, history, hot.sessionStartTs), signals: signals(stopReason, message), sessionStartTs: hot.sessionStartTs },
      untrustedContent: {
        stopReason,
        recentTurns: message === '' ? userTurns : [...userTurns, { source: 'agent', text: clamp(message, AGENT_TURN_MAX) }],
      },
    };
    return need<Probe>({ _tag: 'Evaluate', url: `${auth.baseUrl}/evaluate`, body, timeoutMs: EVALUATE_TIMEOUT_MS });
  }
  // Rule 20: evaluate failures.
  if (!f.evaluate.ok) return failOpen(httpReason('evaluate', f.evaluate.error.kind), pre, f.evaluate.error.detail || f.evaluate.error.kind);
  const ev = decodeEvaluate(f.evaluate.value);
  if (ev === null) return failOpen('evaluate-malformed', pre, 'evaluate body is not a valid answer');
  // Rule 21: the authority block.
  const reminderBlank = ev.reminder.trim() === '';
  if (enforce && ev.decision === 'continue' && !reminderBlank) {
    return done<Verdict, Effect>(
      { _tag: 'Block', reasons: ['authority-continue'], message: authorityMessage(ev.reminder, ev.rule) },
      [
        ...pre,
        { _tag: 'ContinueIncrement', session, at: f.now },
        audit('authority-continue', false, { rule: ev.rule === null ? null : sanitiseLine(ev.rule, 64) }),
      ],
    );
  }
  // Rule 22: shadow.
  if (!enforce) return allow('shadow', [...pre, audit('shadow', false, { decision: ev.decision, rule: ev.rule === null ? null : sanitiseLine(ev.rule, 64) })]);
  // Rule 23.
  switch (ev.decision) {
    case 'allow':
      return allow('authority-allow', pre);
    case 'escalate':
      return allow('authority-escalate', pre);
    case 'force_allow':
      return allow('authority-force-allow', pre);
    case 'continue':
      return failOpen('continue-empty-reminder', pre, 'continue with a blank reminder');
  }
};

// ───────────────────────────────────────── the step driver and scripted answers ─────────────────────────────────

/**
 * Answer to a stop-gate probe (§3.5): `GateState`/`ContinueCount` the file text or null; `HotPath`/`Evaluate` the
 * response body (HTTP failure kinds); `GitFiles` the paths; `GitHistory` one entry per requested path;
 * `TranscriptTail` the tail text and whether the read began mid-file.
 */
export type Answer =
  | ProbeAnswer<string | null>
  | ProbeAnswer<string, HttpFailKind>
  | ProbeAnswer<ReadonlyArray<string>>
  | ProbeAnswer<ReadonlyArray<PathHistory | null>>
  | ProbeAnswer<{ readonly text: string; readonly partial: boolean }>;

/**
 * Merge a probe's answer into the facts (§3.5): each probe sets its own field. `answer` must be the answer to
 * `probe` (of the type listed in {@link Answer}). Pure.
 */
export const withAnswer = (facts: GateFacts, probe: Probe, answer: Answer): GateFacts => {
  switch (probe._tag) {
    case 'GateState':
      return { ...facts, gateState: answer as ProbeAnswer<string | null> };
    case 'ContinueCount':
      return { ...facts, continueCount: answer as ProbeAnswer<string | null> };
    case 'HotPath':
      return { ...facts, hotPath: answer as ProbeAnswer<string, HttpFailKind> };
    case 'GitFiles':
      return { ...facts, gitFiles: answer as ProbeAnswer<ReadonlyArray<string>> };
    case 'GitHistory':
      return { ...facts, gitHistory: answer as ProbeAnswer<ReadonlyArray<PathHistory | null>> };
    case 'TranscriptTail':
      return { ...facts, transcriptTail: answer as ProbeAnswer<{ readonly text: string; readonly partial: boolean }> };
    case 'Evaluate':
      return { ...facts, evaluate: answer as ProbeAnswer<string, HttpFailKind> };
  }
};

/** The stop gate for the step driver: {@link step}, {@link withAnswer}, at most {@link MAX_STEPS} calls. */
export const driver: StepDriver<GateFacts, Probe, Answer, Verdict, Effect> = { step: (f) => step(f), withAnswer, limit: MAX_STEPS };

/** Scripted answers for {@link run}: one function per probe (called at most once each). */
export interface ScriptedAnswers {
  readonly gateState?: () => ProbeAnswer<string | null>;
  readonly continueCount?: (session: string) => ProbeAnswer<string | null>;
  readonly hotPath?: (url: string) => ProbeAnswer<string, HttpFailKind>;
  readonly gitFiles?: () => ProbeAnswer<ReadonlyArray<string>>;
  readonly gitHistory?: (paths: ReadonlyArray<string>) => ProbeAnswer<ReadonlyArray<PathHistory | null>>;
  readonly transcriptTail?: (path: string) => ProbeAnswer<{ readonly text: string; readonly partial: boolean }>;
  readonly evaluate?: (body: EvaluateBody) => ProbeAnswer<string, HttpFailKind>;
}

const unscripted = { ok: false as const, error: { kind: 'unavailable' as const, detail: 'not scripted' } };
const unreachable = { ok: false as const, error: { kind: 'unreachable' as const, detail: 'not scripted' } };

/** The scripted answer to one probe (an unscripted probe answers `unavailable`, an unscripted HTTP probe `unreachable`). */
const scriptedAnswer = (a: ScriptedAnswers, pr: Probe): Answer => {
  switch (pr._tag) {
    case 'GateState':
      return a.gateState?.() ?? unscripted;
    case 'ContinueCount':
      return a.continueCount?.(pr.session) ?? unscripted;
    case 'HotPath':
      return a.hotPath?.(pr.url) ?? unreachable;
    case 'GitFiles':
      return a.gitFiles?.() ?? unscripted;
    case 'GitHistory':
      return a.gitHistory?.(pr.paths) ?? unscripted;
    case 'TranscriptTail':
      return a.transcriptTail?.(pr.path) ?? unscripted;
    case 'Evaluate':
      return a.evaluate?.(pr.body) ?? unreachable;
  }
};

/**
 * Drive {@link step} with scripted answers through `runStepsSync` — the in-memory driver used by tables,
 * simulations and tests. Returns the final step and the probes requested, in order. Throws an `Error` if the step
 * re-requests an answered probe or exceeds {@link MAX_STEPS} (G-P1); the hook driver fails open instead.
 */
export const run = (
  base: Pick<GateFacts, 'payload' | 'settings' | 'now'>,
  a: ScriptedAnswers,
): { readonly step: Done<Verdict, Effect>; readonly probes: ReadonlyArray<Probe> } => {
  const probes: Probe[] = [];
  const r = runStepsSync(driver, base as GateFacts, (pr): Answer => {
    if (probes.some((q) => q._tag === pr._tag)) throw new Error(`probe requested twice: ${pr._tag}`);
    probes.push(pr);
    return scriptedAnswer(a, pr);
  });
  if (r._tag === 'StepLimit') throw new Error('step bound exceeded');
  return { step: done<Verdict, Effect>(r.outcome, r.effects), probes };
};

// ───────────────────────────────────────── rendering (§3.10, §0.7 rule 3) ─────────────────────────────────────

/**
 * Render a Stop-hook answer for Claude Code and Codex alike (§0.7 rule 3, §2.9, §3.10): `{}` to allow, or
 * `{"decision":"block","reason":<text>}` to block (a blank reason renders as allow, so a block always carries a
 * non-blank reason). One JSON object plus LF; exit code 0 is the caller's.
 */
export const renderStop = (block: string | null): string =>
  block === null || block.trim() === '' ? '{}\n' : JSON.stringify({ decision: 'block', reason: block }) + '\n';

// ───────────────────────────────────────── table ─────────────────────────────────────────

const TABLE_NOW = 1_700_000_000_000;

/**
 * The stop-gate decision table: abstract situations (payload, gate state, guard hits, authority answers) through
 * {@link run}. Guard examples are the spec's; the authority is `http://127.0.0.1:4100/internal/stop-gate`.
 */
export const table = (): DecisionTable => {
  const withAuth: StopGateSettings = { ...DEFAULT_SETTINGS, authority: { baseUrl: 'http://127.0.0.1:4100/internal/stop-gate', token: null } };
  const ok = <A>(value: A): ProbeAnswer<A, never> => ({ ok: true, value });
  const fail = <K extends string>(kind: K): ProbeAnswer<never, K> => ({ ok: false, error: { kind, detail: kind } });
  const obj = (o: Record<string, unknown>): Payload => ({ _tag: 'Object', value: o });
  const plain = { session_id: 'S1', last_assistant_message: 'All tests pass; the change is merged.' };
  const g1 = { session_id: 'S1', last_assistant_message: "I'll run the migration now." };
  const g2 = { session_id: 'S1', last_assistant_message: "The real fix is clear but it's late, so I'll leave it for the next session." };
  const gate = (mode: string, kill = false) => () => ok(JSON.stringify({ version: 1, mode, killSwitch: kill, updatedAt: '2026-01-01T00:00:00.000Z' }));
  const cont = (n: number) => () => ok(n === 0 ? null : JSON.stringify({ version: 1, sessions: { S1: { count: n, lastAt: '2026-01-01T00:00:00.000Z' } } }));
  const hot = (o: Record<string, unknown> = {}) => () => ok(JSON.stringify({ mode: 'enforce', ...o }));
  const ev = (o: Record<string, unknown>) => () => ok(JSON.stringify(o));
  type Case = [string, Payload, string, boolean, ScriptedAnswers];
  const cases: Case[] = [
    ['stdin unreadable', { _tag: 'Unreadable' }, '—', false, {}],
    ['empty stdin', { _tag: 'Empty' }, '—', false, {}],
    ['malformed JSON', { _tag: 'Malformed' }, '—', false, {}],
    ['stop_hook_active true', obj({ ...g1, stop_hook_active: true }), 'enforce', true, { gateState: gate('enforce') }],
    ['no session id', obj({ last_assistant_message: 'x' }), 'enforce', true, { gateState: gate('enforce') }],
    ['gate state unreadable', obj(plain), '(unreadable)', true, { gateState: () => ok('{oops') }],
    ['kill switch on', obj(g1), 'enforce + kill', true, { gateState: gate('enforce', true) }],
    ['gate file absent', obj(g1), 'off (absent)', true, { gateState: () => ok(null) }],
    ['mode off', obj(g1), 'off', true, { gateState: gate('off') }],
    ['guard 1 hit', obj(g1), 'enforce', false, { gateState: gate('enforce') }],
    ['guard 1 hit', obj(g1), 'shadow', false, { gateState: gate('shadow') }],
    ['guard 2 hit', obj(g2), 'enforce', false, { gateState: gate('enforce') }],
    ['no guard hit', obj(plain), 'enforce', false, { gateState: gate('enforce') }],
    ['continue count unreadable', obj(plain), 'enforce', true, { gateState: gate('enforce'), continueCount: () => fail('failed') }],
    ['continue count 2', obj(plain), 'enforce', true, { gateState: gate('enforce'), continueCount: cont(2) }],
    ['hot path timeout', obj(plain), 'enforce', true, { gateState: gate('enforce'), continueCount: cont(0), hotPath: () => fail('timeout') }],
    ['hot path unreachable', obj(plain), 'enforce', true, { gateState: gate('enforce'), continueCount: cont(0), hotPath: () => fail('unreachable') }],
    ['hot path 401/5xx', obj(plain), 'enforce', true, { gateState: gate('enforce'), continueCount: cont(0), hotPath: () => fail('http-status') }],
    ['hot path garbage body', obj(plain), 'enforce', true, { gateState: gate('enforce'), continueCount: cont(0), hotPath: () => ok('<html>') }],
    ['remote kill switch', obj(plain), 'enforce', true, { gateState: gate('enforce'), continueCount: cont(0), hotPath: hot({ killSwitch: true }) }],
    ['remote mode off', obj(plain), 'enforce', true, { gateState: gate('enforce'), continueCount: cont(0), hotPath: hot({ mode: 'off' }) }],
    ['compaction in flight', obj(plain), 'enforce', true, { gateState: gate('enforce'), continueCount: cont(0), hotPath: hot({ compactionInFlight: true }) }],
    ['evaluate timeout', obj(plain), 'enforce', true, { gateState: gate('enforce'), continueCount: cont(0), hotPath: hot(), gitFiles: () => ok([]), evaluate: () => fail('timeout') }],
    ['evaluate connection refused', obj(plain), 'enforce', true, { gateState: gate('enforce'), continueCount: cont(0), hotPath: hot(), gitFiles: () => ok([]), evaluate: () => fail('unreachable') }],
    ['evaluate 400/5xx', obj(plain), 'enforce', true, { gateState: gate('enforce'), continueCount: cont(0), hotPath: hot(), gitFiles: () => ok([]), evaluate: () => fail('http-status') }],
    ['evaluate unknown decision', obj(plain), 'enforce', true, { gateState: gate('enforce'), continueCount: cont(0), hotPath: hot(), gitFiles: () => ok([]), evaluate: ev({ decision: 'maybe' }) }],
    ['authority continue + reminder, count 1', obj(plain), 'enforce', true, { gateState: gate('enforce'), continueCount: cont(1), hotPath: hot(), gitFiles: () => ok([]), evaluate: ev({ decision: 'continue', reminder: 'Finish the spec.', rule: 'R1' }) }],
    ['authority continue + reminder', obj(plain), 'shadow', true, { gateState: gate('shadow'), hotPath: hot(), gitFiles: () => ok([]), evaluate: ev({ decision: 'continue', reminder: 'Finish the spec.' }) }],
    ['authority continue, blank reminder', obj(plain), 'enforce', true, { gateState: gate('enforce'), continueCount: cont(0), hotPath: hot(), gitFiles: () => ok([]), evaluate: ev({ decision: 'continue', reminder: '  ' }) }],
    ['authority allow', obj(plain), 'enforce', true, { gateState: gate('enforce'), continueCount: cont(0), hotPath: hot(), gitFiles: () => ok([]), evaluate: ev({ decision: 'allow' }) }],
    ['authority escalate', obj(plain), 'enforce', true, { gateState: gate('enforce'), continueCount: cont(0), hotPath: hot(), gitFiles: () => ok([]), evaluate: ev({ decision: 'escalate' }) }],
    ['authority force_allow', obj(plain), 'enforce', true, { gateState: gate('enforce'), continueCount: cont(0), hotPath: hot(), gitFiles: () => ok([]), evaluate: ev({ decision: 'force_allow' }) }],
    ['git evidence fails (degrades)', obj(plain), 'enforce', true, { gateState: gate('enforce'), continueCount: cont(0), hotPath: hot(), gitFiles: () => fail('timeout'), evaluate: ev({ decision: 'allow' }) }],
  ];
  const rows = cases.map(([situation, payload, mode, authority, answers]) => {
    const { step: s, probes } = run({ payload, settings: authority ? withAuth : DEFAULT_SETTINGS, now: TABLE_NOW }, answers);
    const v = s.outcome;
    return [
      situation,
      mode,
      authority ? 'yes' : 'no',
      probes.map((q) => q._tag).join(' → ') || '—',
      v._tag,
      v.reasons[0],
      v._tag === 'Allow' ? (v.failOpen ? 'yes' : 'no') : '—',
      s.effects.map((e) => (e._tag === 'Audit' ? `Audit(${e.reason})` : e._tag)).join(', ') || '—',
    ];
  });
  return {
    policy: POLICY,
    version: POLICY_VERSION,
    title: 'Stop gate: send a stopping session back to work? Blocks only in enforce, on a local guard hit or an authority continue with a reminder.',
    columns: ['situation', 'gate mode', 'authority', 'probes', 'verdict', 'reason', 'fail-open', 'effects'],
    rows,
    notes: [
      `Continue ceiling ${CONTINUE_CEILING} per session (counted only for enforce blocks); hot path ${HOT_PATH_TIMEOUT_MS} ms, evaluate ${EVALUATE_TIMEOUT_MS} ms, git ${GIT_TIMEOUT_MS} ms per call and ${GIT_HISTORY_BUDGET_MS} ms in total.`,
      'Guard 1 (stated continuation, min length 8): a commit phrase and an imminent phrase. Guard 2 (false-excuse deferral, min length 40): an excuse phrase and a known-work phrase.',
      'Kill switch and mode off silence everything after the gate state is read (no guard, no authority, no audit).',
      'Fail direction: open. Every failure (stdin, state files, HTTP, decoding) allows with fail-open = yes; evidence probes (git, transcript) degrade to empty evidence.',
    ],
  };
};
