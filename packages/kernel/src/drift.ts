/**
 * Drift check: after the gates pass and before review, a separate read-only check says whether the change still
 * does what the task asked; low confidence gives the task one fresh attempt, once ever.
 *
 * Normative source: drift.md (policy `drift`, version 1.0.0). Reason codes are the spec's codes
 * in lowercase kebab-case (architecture.md conventions §5): `DRIFT_LOW_SCORE` is `drift-low-score`.
 *
 * Pure: no I/O, no clock, no randomness.
 */
import type { DecisionTable } from './internal/table.js';
import { emit, type EmitEvent } from './internal/convoy-common.js';
import { maskString } from './internal/mask.js';

// ───────────────────────────────────────── constants (drift.md §8) ─────────────────────────────────────────

export const POLICY = 'drift';
export const POLICY_VERSION = '1.0.0';
/** Default threshold; a parsed score s is drifted iff s < threshold (strict). */
export const DEFAULT_THRESHOLD = 0.8;
/** Score recorded for an unreadable or failed answer. */
export const FALLBACK_SCORE = 0.5;
/** Longest answer parsed: the last 65 536 UTF-16 units. */
export const ANSWER_MAX = 65_536;
/** Longest explanation kept in a note, UTF-16 units. */
export const EXPLANATION_MAX = 1_000;
/** Longest note (retry.md §4 cap). */
export const NOTE_MAX = 6_000;

// ───────────────────────────────────────── model (drift.md §3, drift.md §4) ─────────────────────────────────────────

/** The checker's answer as the adapter gathered it (drift.md §3). */
export type Answer =
  | { readonly _tag: 'Text'; readonly raw: string }
  | { readonly _tag: 'CheckFailed'; readonly message: string }
  | { readonly _tag: 'Unsupported' };

/** Result of {@link parseDriftAnswer}. */
export type ParsedAnswer =
  | { readonly _tag: 'Parsed'; readonly score: number; readonly explanation: string; readonly form: 'json' | 'line' }
  | { readonly _tag: 'Unparseable'; readonly reason: 'drift-unparseable' | 'drift-ambiguous' };

/** Reason codes (drift.md §4). */
export type DriftReason =
  | 'drift-disabled'
  | 'drift-already-retried'
  | 'drift-unsupported'
  | 'drift-ok'
  | 'drift-low-score'
  | 'drift-unparseable'
  | 'drift-ambiguous'
  | 'drift-check-failed';

/** The drift verdict (drift.md §4). */
export type DriftVerdict =
  | { readonly _tag: 'NotChecked'; readonly reason: 'drift-disabled' | 'drift-already-retried' | 'drift-unsupported'; readonly reasons: readonly [DriftReason] }
  | { readonly _tag: 'OnTrack'; readonly score: number; readonly explanation: string; readonly reason: 'drift-ok'; readonly reasons: readonly [DriftReason] }
  | {
      readonly _tag: 'Drifted';
      readonly score: number;
      readonly explanation: string;
      readonly reason: 'drift-low-score' | 'drift-unparseable' | 'drift-ambiguous' | 'drift-check-failed';
      readonly reasons: readonly [DriftReason];
    };

const notChecked = (reason: 'drift-disabled' | 'drift-already-retried' | 'drift-unsupported'): DriftVerdict => ({
  _tag: 'NotChecked',
  reason,
  reasons: [reason],
});

/** Drift settings of a run (convoy.md §7): `defaults.detect_drift` and `defaults.drift_threshold`. */
export interface DriftConfig {
  readonly detectDrift: boolean;
  readonly threshold: number;
}

/**
 * Decode `detect_drift` (boolean, default false) and `drift_threshold` (number, 0 < t ≤ 1, default 0.8) from a
 * run's `defaults` object (convoy.md §7). @returns `Right` or `Left` listing every error (fail-closed). Total.
 */
export const decodeDriftConfig = (
  defaults: unknown,
): { readonly _tag: 'Left'; readonly left: ReadonlyArray<string> } | { readonly _tag: 'Right'; readonly right: DriftConfig } => {
  const d = defaults === undefined ? {} : defaults;
  if (typeof d !== 'object' || d === null || Array.isArray(d)) return { _tag: 'Left', left: ['defaults: expected an object'] };
  const o = d as Record<string, unknown>;
  const errors: string[] = [];
  const dd = o['detect_drift'];
  const th = o['drift_threshold'];
  if (dd !== undefined && typeof dd !== 'boolean') errors.push('detect_drift: expected a boolean');
  if (th !== undefined && !(typeof th === 'number' && Number.isFinite(th) && th > 0 && th <= 1)) errors.push('drift_threshold: expected a number with 0 < t ≤ 1');
  if (errors.length > 0) return { _tag: 'Left', left: errors };
  return { _tag: 'Right', right: { detectDrift: dd === true, threshold: typeof th === 'number' ? th : DEFAULT_THRESHOLD } };
};

/** Whether a task is checked: task `detect_drift`, else the run's, else false (drift.md §3). */
export const driftEnabled = (taskDetectDrift: boolean | undefined, cfg: DriftConfig): boolean => taskDetectDrift ?? cfg.detectDrift;

// ───────────────────────────────────────── decision: needsDriftCheck (drift.md §6 J1–J2) ─────────────────────

/** Result of {@link needsDriftCheck}. */
export type CheckNeed =
  | { readonly _tag: 'Check' }
  | { readonly _tag: 'NotChecked'; readonly reason: 'drift-disabled' | 'drift-already-retried'; readonly reasons: readonly [DriftReason] };

/**
 * Should the adapter ask the checker at all? (drift.md §6 J1, J2, in order.)
 * @param enabled task `detect_drift`, else `defaults.detect_drift`, else false.
 * @param driftRetried the task's persisted drift flag (never reset).
 * @returns `NotChecked drift-disabled` (J1), `NotChecked drift-already-retried` (J2) or `Check`. Total.
 */
export const needsDriftCheck = (enabled: boolean, driftRetried: boolean): CheckNeed => {
  if (!enabled) return { _tag: 'NotChecked', reason: 'drift-disabled', reasons: ['drift-disabled'] };
  if (driftRetried) return { _tag: 'NotChecked', reason: 'drift-already-retried', reasons: ['drift-already-retried'] };
  return { _tag: 'Check' };
};

// ───────────────────────────────────────── decision: parseDriftAnswer (drift.md §5) ─────────────────────────

/** P1: does `candidate` parse to a non-array object with a JSON-number score in [0, 1] and a string explanation? */
const jsonCandidate = (candidate: string): { score: number; explanation: string } | null => {
  let v: unknown;
  try {
    v = JSON.parse(candidate);
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return null;
  const o = v as Record<string, unknown>;
  const score = Object.prototype.hasOwnProperty.call(o, 'score') ? o['score'] : undefined;
  const explanation = Object.prototype.hasOwnProperty.call(o, 'explanation') ? o['explanation'] : undefined;
  if (typeof score !== 'number' || !Number.isFinite(score) || score < 0 || score > 1) return null;
  if (typeof explanation !== 'string') return null;
  return { score, explanation };
};

/** Bodies of fenced blocks (a line starting with three backticks opens and closes one), in text order. */
const fencedBodies = (lines: ReadonlyArray<string>): string[] => {
  const out: string[] = [];
  let open: string[] | null = null;
  for (const line of lines) {
    if (line.startsWith('```')) {
      if (open === null) open = [];
      else {
        out.push(open.join('\n'));
        open = null;
      }
    } else if (open !== null) open.push(line);
  }
  return out;
};

/** P2 line form: `score`/`confidence` (any ASCII case), spaces, colon, spaces, a number of the allowed shapes. */
const SCORE_LINE = /^(?:[sS][cC][oO][rR][eE]|[cC][oO][nN][fF][iI][dD][eE][nN][cC][eE]) *: *(0|1|0\.[0-9]+|1\.0+)$/;
// `s`: a line ends only at \r or \n (drift.md §5 code note), so `.` must also take U+2028 and U+2029; without it an
// explanation line holding one was skipped whole.
const EXPLANATION_LINE = /^[eE][xX][pP][lL][aA][nN][aA][tT][iI][oO][nN] *:(.*)$/s;

/** JavaScript's `trim` set minus nothing: the same whitespace `String.prototype.trim` removes. */
const trim = (s: string): string => s.trim();

/**
 * Parse the checker's reply strictly (drift.md §5 rules P1–P3). Only the last 65 536 UTF-16 units are read.
 *
 * P1 JSON candidates, in order: the whole text trimmed; each fenced block's body, last first; each line that once
 * trimmed starts with `{` and ends with `}`, last first. The first candidate that is a non-array JSON object with
 * a JSON-number `score` in [0, 1] and a string `explanation` wins (`form: json`; other keys ignored, any order).
 * P2 (only when P1 found nothing): lines `score: n` / `confidence: n` with n ∈ {0, 1, 0.d+, 1.0+}; all equal →
 * `Parsed {form: line}` with the text after the colon of the last `explanation:` line (trimmed) or empty;
 * disagreeing → `Unparseable drift-ambiguous`. P3 otherwise → `Unparseable drift-unparseable`.
 * Never searches prose for number-like tokens. Total on every string.
 */
export const parseDriftAnswer = (text: string): ParsedAnswer => {
  const s = text.length > ANSWER_MAX ? text.slice(text.length - ANSWER_MAX) : text;
  const lines = s.split(/\r\n|\n|\r/);
  // P1
  const candidates: string[] = [trim(s)];
  candidates.push(...fencedBodies(lines).reverse());
  for (let i = lines.length - 1; i >= 0; i--) {
    const l = trim(lines[i] as string);
    if (l.startsWith('{') && l.endsWith('}')) candidates.push(l);
  }
  for (const c of candidates) {
    const r = jsonCandidate(c);
    if (r !== null) return { _tag: 'Parsed', score: r.score, explanation: r.explanation, form: 'json' };
  }
  // P2
  const values: number[] = [];
  let explanation = '';
  for (const line of lines) {
    const l = trim(line);
    const m = SCORE_LINE.exec(l);
    if (m !== null) values.push(Number(m[1]));
    const e = EXPLANATION_LINE.exec(l);
    if (e !== null) explanation = trim(e[1] as string);
  }
  if (values.length > 0) {
    const first = values[0] as number;
    if (values.every((v) => v === first)) return { _tag: 'Parsed', score: first, explanation, form: 'line' };
    return { _tag: 'Unparseable', reason: 'drift-ambiguous' };
  }
  // P3
  return { _tag: 'Unparseable', reason: 'drift-unparseable' };
};

// ───────────────────────────────────────── decision: judgeDrift (drift.md §6 J3–J6) ─────────────────────────

/**
 * Judge an answer (drift.md §6 J3–J6; J1 and J2 are {@link needsDriftCheck}).
 * @param answer `Unsupported` (J3 → `NotChecked drift-unsupported`, fail-open loudly), `CheckFailed` (J4 →
 *   `Drifted {0.5} drift-check-failed`), or `Text` (parsed by {@link parseDriftAnswer}: J5 s < threshold →
 *   `Drifted drift-low-score`, otherwise `OnTrack`; J6 unparseable → `Drifted {0.5}` with the parser's reason).
 * @param threshold 0 < t ≤ 1 (default 0.8); the comparison is strict, so s = threshold is on track. Total.
 */
export const judgeDrift = (answer: Answer, threshold: number): DriftVerdict => {
  if (answer._tag === 'Unsupported') return notChecked('drift-unsupported'); // J3
  if (answer._tag === 'CheckFailed') {
    return { _tag: 'Drifted', score: FALLBACK_SCORE, explanation: '', reason: 'drift-check-failed', reasons: ['drift-check-failed'] }; // J4
  }
  const p = parseDriftAnswer(answer.raw);
  if (p._tag === 'Parsed') {
    return p.score < threshold
      ? { _tag: 'Drifted', score: p.score, explanation: p.explanation, reason: 'drift-low-score', reasons: ['drift-low-score'] }
      : { _tag: 'OnTrack', score: p.score, explanation: p.explanation, reason: 'drift-ok', reasons: ['drift-ok'] }; // J5
  }
  return { _tag: 'Drifted', score: FALLBACK_SCORE, explanation: '', reason: p.reason, reasons: [p.reason] }; // J6
};

/**
 * The whole of drift.md §6 in one call (J1–J6, in order): for tables and simulations. `answer` is only consulted when
 * {@link needsDriftCheck} says `Check`.
 */
export const decideDrift = (enabled: boolean, driftRetried: boolean, answer: Answer, threshold: number): DriftVerdict => {
  const n = needsDriftCheck(enabled, driftRetried);
  return n._tag === 'NotChecked' ? notChecked(n.reason) : judgeDrift(answer, threshold);
};

// ───────────────────────────────────────── disposition (drift.md §7) ─────────────────────────────────────

/** `RecordDriftScore`: store the score (or null) on the task. */
export interface RecordDriftScore {
  readonly _tag: 'RecordDriftScore';
  readonly taskId: string;
  readonly score: number | null;
}

/** `ScheduleDriftRetry`: status pending; set the drift flag; store the note; `retries` unchanged. */
export interface ScheduleDriftRetry {
  readonly _tag: 'ScheduleDriftRetry';
  readonly taskId: string;
  readonly note: string;
}

export type DriftEffect = RecordDriftScore | ScheduleDriftRetry | EmitEvent;

/** The task as {@link afterDrift} sees it. */
export interface DriftTask {
  readonly taskId: string;
  /** The persisted drift flag. */
  readonly driftRetried: boolean;
}

/** Disposition: retry the task once, or go on to review. */
export type DriftDisposition =
  | { readonly _tag: 'DriftRetry'; readonly effects: ReadonlyArray<DriftEffect> }
  | { readonly _tag: 'ProceedToReview'; readonly effects: ReadonlyArray<DriftEffect> };

/**
 * Default sanitizer of the checker's explanation before it enters a note: decision-log masking (push-gate.md §16 DL4),
 * control characters replaced by spaces, cut to 1 000 characters. A runner with the secret allowlist passes
 * `secrets.redact` instead (secrets.md §5).
 */
export const defaultSanitize = (s: string): string =>
  maskString(s)
    .replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ')
    .slice(0, EXPLANATION_MAX);

/** Render a score for a note: at most 3 decimals, no exponent. */
const renderScore = (s: number): string => String(Math.round(s * 1000) / 1000);

/**
 * The `drift` retry note (retry.md §4, verbatim template), capped at 6 000 characters. `explanation` is sanitized first.
 */
export const driftNote = (score: number, explanation: string, sanitize: (s: string) => string = defaultSanitize): string => {
  const ex = sanitize(explanation).trim();
  const text = `A check doubted that your last change does what the task asks (confidence ${renderScore(score)}).${ex === '' ? '' : ` ${ex}`} Re-read the task and stay within it.`;
  return text.length <= NOTE_MAX ? text : text.slice(0, NOTE_MAX - 17) + '\n[note truncated]';
};

/**
 * What the runner does after the drift verdict (drift.md §7).
 * - `Drifted` (task not yet drift-retried) → `DriftRetry`: `RecordDriftScore`, `EmitEvent drift` (warn),
 *   `ScheduleDriftRetry` with the drift note. `retries` is never touched.
 * - `Drifted` for a task whose drift flag is already set (a caller that skipped {@link needsDriftCheck}) →
 *   `ProceedToReview` with `RecordDriftScore` and a warn `drift-already-retried` event: at most one drift retry
 *   per task, ever (DR-7).
 * - `OnTrack` → `RecordDriftScore`, `EmitEvent drift` (info), proceed.
 * - `NotChecked` → `EmitEvent drift` (info; warn for `drift-unsupported`), proceed.
 * Total.
 */
export const afterDrift = (verdict: DriftVerdict, task: DriftTask, sanitize: (s: string) => string = defaultSanitize): DriftDisposition => {
  const { taskId } = task;
  switch (verdict._tag) {
    case 'Drifted':
      if (task.driftRetried) {
        return {
          _tag: 'ProceedToReview',
          effects: [
            { _tag: 'RecordDriftScore', taskId, score: verdict.score },
            emit('drift', 'warn', 'drift-already-retried', { taskId, data: { score: verdict.score, verdict: verdict.reason } }),
          ],
        };
      }
      return {
        _tag: 'DriftRetry',
        effects: [
          { _tag: 'RecordDriftScore', taskId, score: verdict.score },
          emit('drift', 'warn', verdict.reason, { taskId, data: { score: verdict.score } }),
          { _tag: 'ScheduleDriftRetry', taskId, note: driftNote(verdict.score, verdict.explanation, sanitize) },
        ],
      };
    case 'OnTrack':
      return {
        _tag: 'ProceedToReview',
        effects: [{ _tag: 'RecordDriftScore', taskId, score: verdict.score }, emit('drift', 'info', 'drift-ok', { taskId, data: { score: verdict.score } })],
      };
    case 'NotChecked':
      return {
        _tag: 'ProceedToReview',
        effects: [emit('drift', verdict.reason === 'drift-unsupported' ? 'warn' : 'info', verdict.reason, { taskId })],
      };
  }
};

// ───────────────────────────────────────── table ─────────────────────────────────────────

/** The drift decision table: every J rule, with the threshold boundary (one below, at, one above). */
export const table = (): DecisionTable => {
  const t = DEFAULT_THRESHOLD;
  const rows: string[][] = [];
  const answers: ReadonlyArray<readonly [string, Answer]> = [
    ['Text {"score":0.79,…} (threshold − 0.01)', { _tag: 'Text', raw: '{"score":0.79,"explanation":"x"}' }],
    ['Text {"score":0.8,…} (= threshold)', { _tag: 'Text', raw: '{"score":0.8,"explanation":"x"}' }],
    ['Text {"score":0.81,…} (threshold + 0.01)', { _tag: 'Text', raw: '{"score":0.81,"explanation":"x"}' }],
    ['Text "Confidence: 0.4" (line form)', { _tag: 'Text', raw: 'Looks partial.\nConfidence: 0.4' }],
    ['Text "score: 0.9" and "score: 0.2"', { _tag: 'Text', raw: 'score: 0.9\nscore: 0.2' }],
    ['Text "Fixed 10 tests, all green."', { _tag: 'Text', raw: 'Fixed 10 tests, all green.' }],
    ['Text {"score":1.5,…} (out of range)', { _tag: 'Text', raw: '{"score":1.5,"explanation":"x"}' }],
    ['CheckFailed', { _tag: 'CheckFailed', message: 'timeout' }],
    ['Unsupported', { _tag: 'Unsupported' }],
  ];
  const rowFor = (enabled: boolean, retried: boolean, label: string, a: Answer): void => {
    const v = decideDrift(enabled, retried, a, t);
    const d = afterDrift(v, { taskId: 't1', driftRetried: retried });
    rows.push([
      enabled ? 'yes' : 'no',
      retried ? 'yes' : 'no',
      label,
      v._tag + ('score' in v ? ` {${v.score}}` : ''),
      v.reason,
      d._tag,
      d.effects.map((e) => (e._tag === 'EmitEvent' ? `EmitEvent ${e.severity}` : e._tag)).join(', '),
    ]);
  };
  rowFor(false, false, '(not asked)', { _tag: 'Unsupported' });
  rowFor(true, true, '(not asked)', { _tag: 'Unsupported' });
  for (const [label, a] of answers) rowFor(true, false, label, a);
  return {
    policy: POLICY,
    version: POLICY_VERSION,
    title: 'Drift check: needsDriftCheck (J1–J2), judgeDrift (J3–J6) and afterDrift (drift.md §7).',
    columns: ['enabled', 'drift retried', 'answer', 'verdict', 'reason', 'disposition', 'effects'],
    rows,
    notes: [
      `threshold = ${t} (default); drifted iff score < threshold (strict).`,
      `Unparseable and failed answers are drifted at every threshold with score ${FALLBACK_SCORE}.`,
      'At most one drift retry per task, ever; it does not count against max_retries.',
      'An adapter that cannot run the check fails open with a warning (drift-unsupported).',
    ],
  };
};
