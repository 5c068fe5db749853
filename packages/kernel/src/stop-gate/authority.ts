/**
 * The stop gate's authority contract (stop-gate.md §4, stop-gate.md §8): the evidence sent (artifacts, signals, transcript
 * turns), the HTTP answers of `/hot-path` and `/evaluate` decoded, and the authority's block text. Pure and total.
 */
import { clamp, sanitizeBlock, sanitizeLine } from '../internal/text.js';
import { EVIDENCE_MAX_PATHS, HTTP_BODY_MAX_BYTES, USER_TURNS_MAX, USER_TURN_MAX, isObject } from './settings.js';
import { messageOf } from './guards.js';

// ───────────────────────────────────────── evidence (stop-gate.md §4) ─────────────────────────────────────────

const EVIDENCE_EXT = /\.(md|markdown|json|jsonl|txt)$/i;
const EVIDENCE_SEGMENT = /^(task|upgrades|memory\.md|agents\.md)/i;
const EVIDENCE_ANYWHERE = /(spec|plan|handoff|todo|next|round)/i;

/** True when one `git ls-files` path qualifies as evidence (stop-gate.md §4 artifacts rule). */
export const isEvidencePath = (p: string): boolean =>
  EVIDENCE_EXT.test(p) && (p.split('/').some((seg) => EVIDENCE_SEGMENT.test(seg)) || EVIDENCE_ANYWHERE.test(p));

/** `selectEvidencePaths` (stop-gate.md §4): the first 30 qualifying paths, in input order. Pure and total. */
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

/** One artifact record on the wire (stop-gate.md §4). */
export interface Artifact {
  readonly path: string;
  readonly introducingCommit: string | null;
  readonly latestCommit: string | null;
  readonly createdThisSession: boolean;
  readonly modifiedThisSession: boolean;
}

/** Build the artifact records (stop-gate.md §4 rule 1). `start` is the hot path's `sessionStartTs` (ms) or null. */
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

/** The signals of the evaluate body (stop-gate.md §4 rule 2). */
export interface Signals {
  readonly mentionsContextLimit: boolean;
  readonly mentionsFreshSession: boolean;
  readonly claimsShouldStopForContext: boolean;
}

/** `signals(stopReason, message)` (stop-gate.md §4 rule 2): case-insensitive substring tests on `stopReason + LF + message`. */
export const signals = (stopReason: string, message: string): Signals => {
  const text = `${stopReason}\n${message}`.toLowerCase();
  const any = (xs: ReadonlyArray<string>): boolean => xs.some((x) => text.includes(x));
  return {
    mentionsContextLimit: any(['context', 'window', 'token', 'compact']),
    mentionsFreshSession: any(['fresh session', 'new session', 'restart', 'continue in a new']),
    claimsShouldStopForContext: any(['stop', 'pause', 'wrap up', 'hand off']) && any(['context', 'fresh', 'compact']),
  };
};

/** `stopReason` (stop-gate.md §4 rule 3): `stop_reason`, else `reason` (non-empty strings), else the message. */
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
 * `parseTranscriptTail(text, partial)` (stop-gate.md §4 rule 4): read JSONL lines from the end, keep at most 3 entries with
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

// ───────────────────────────────────────── authority answers (stop-gate.md §4) ─────────────────────────────────────────

/** HTTP failure kinds (stop-gate.md §4). */
export type HttpFailKind = 'timeout' | 'unreachable' | 'http-status' | 'malformed';

/** What Arbiter reads from a hot-path answer (stop-gate.md §4). */
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

/** Decode a hot-path body (stop-gate.md §4): a JSON object (≤ 1 MiB) or null (`malformed`). Unknown fields ignored. */
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

/** Evaluate decisions (stop-gate.md §4). */
export type AuthorityDecision = 'continue' | 'allow' | 'escalate' | 'force_allow';

/** A decoded evaluate answer. */
export interface EvaluateAnswer {
  readonly decision: AuthorityDecision;
  readonly reminder: string;
  readonly rule: string | null;
}

/** Decode an evaluate body (stop-gate.md §4): unknown decision, non-string reminder or rule of another type → null (`malformed`). */
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

/** The evaluate request body (stop-gate.md §4). */
export interface EvaluateBody {
  readonly sessionId: string;
  readonly evidenceMetadata: {
    readonly artifacts: ReadonlyArray<Artifact>;
    readonly signals: Signals;
    readonly sessionStartTs: number | null;
  };
  readonly untrustedContent: { readonly stopReason: string; readonly recentTurns: ReadonlyArray<Turn> };
}

/** Block text of an authority `continue` (stop-gate.md §8): fixed frame, rule ≤ 64 code points, reminder through `sanitizeBlock(·, 2000)`. */
export const authorityMessage = (reminder: string, rule: string | null): string => {
  const r = rule === null ? '' : sanitizeLine(rule, 64);
  return `Arbiter stop gate (authority${r === '' ? '' : `, rule ${r}`}): ${sanitizeBlock(reminder, 2000)}`;
};
