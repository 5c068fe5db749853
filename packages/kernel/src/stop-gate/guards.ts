/**
 * The stop gate's local text guards (stop-gate.md §3, stop-gate.md §5, stop-gate.md §8): the Stop payload, the two phrase guards
 * (stated continuation, false-excuse deferral) and their block texts. Pure.
 */
import { gateSessionOf } from '../early.js';
import { sanitizeLine } from '../internal/text.js';
import { type GuardSettings, isObject } from './settings.js';

// ───────────────────────────────────────── payload (stop-gate.md §5, hooks.md §7) ─────────────────────────────────────────

/** The decoded stdin of a Stop hook. */
export type Payload =
  | { readonly _tag: 'Unreadable' }
  | { readonly _tag: 'Empty' }
  | { readonly _tag: 'Malformed' }
  | { readonly _tag: 'Object'; readonly value: Readonly<Record<string, unknown>> };

/**
 * Classify the stdin text of a hook (stop-gate.md §6 rules 1–3): `null` (read error, timeout, over 8 MiB) → `Unreadable`;
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

/** Session id (stop-gate.md §6 rule 5): `session_id` if a non-empty string, else `sessionId`, else null. */
export const sessionOf = gateSessionOf;

/** `last_assistant_message`, or `""` when it is not a string. */
export const messageOf = (p: Readonly<Record<string, unknown>>): string => {
  const m = p['last_assistant_message'];
  return typeof m === 'string' ? m : '';
};

// ───────────────────────────────────────── guards (stop-gate.md §3) ─────────────────────────────────────────

/** A guard hit: the first phrase of each list that occurs, in list order. */
export interface GuardHit {
  readonly phrases: readonly [string, string];
}

/**
 * Evaluate one guard on a normalized message (stop-gate.md §3): hits when enabled, `message.length ≥ minLength`, and some
 * phrase of each list occurs (plain substring). Returns the first phrase of each list that occurs, or null.
 */
export const guardHit = (g: GuardSettings, normalizedMessage: string): GuardHit | null => {
  if (!g.enabled || normalizedMessage.length < g.minLength) return null;
  const a = g.lists[0].find((p) => normalizedMessage.includes(p));
  if (a === undefined) return null;
  const b = g.lists[1].find((p) => normalizedMessage.includes(p));
  return b === undefined ? null : { phrases: [a, b] };
};

// ───────────────────────────────────────── messages (stop-gate.md §8) ─────────────────────────────────────────

/** Block text of guard 1 (stop-gate.md §8); phrases through `sanitizeLine(·, 40)`. */
export const statedContinuationMessage = (commit: string, imminent: string): string =>
  `Arbiter stop gate (stated-continuation): you announced an action for this turn ("${sanitizeLine(commit, 40)}" \u2026 "${sanitizeLine(imminent, 40)}") but are stopping before doing it. Carry it out now. If you cannot, reply once, briefly, with the reason you are stopping instead. Arbiter asks this only once per stop.`;

/** Block text of guard 2 (stop-gate.md §8). */
export const falseExcuseMessage = (work: string, excuse: string): string =>
  `Arbiter stop gate (false-excuse deferral): you left known work open ("${sanitizeLine(work, 40)}") and gave a reason that does not prevent doing it ("${sanitizeLine(excuse, 40)}"). How long the session has run, the time of day, or a wish to be careful are not blockers; care is applied while doing the work. Keep going. Stop only for an external blocker you cannot clear, finished work, or a choice that belongs to the user.`;
