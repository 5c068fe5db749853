/**
 * Text sanitisers for model-facing messages (DESIGN.md "messages": the only interpolations are values the
 * kernel has sanitised). Pure; total over any string.
 */

/**
 * Keep only characters matched by `allowed` (a single-character class, no flags), cut to `max` characters, and
 * return `fallback` when nothing is left. Source: session-lock.md §11 rule 2, push-gate.md §13.1 `safeHandle`.
 *
 * @param value any value; non-strings are treated as empty.
 * @param allowed a RegExp matching one allowed character, e.g. `/[A-Za-z0-9_.-]/`.
 * @param max maximum length in UTF-16 code units of the result.
 * @param fallback returned when the filtered string is empty.
 */
export const keepOnly = (value: unknown, allowed: RegExp, max: number, fallback: string): string => {
  if (typeof value !== 'string') return fallback;
  let out = '';
  for (const ch of value) {
    if (out.length >= max) break;
    if (ch.length === 1 && allowed.test(ch)) out += ch;
  }
  return out === '' ? fallback : out;
};

/** Character class of a session id rendered in a message: `A–Z a–z 0–9 _ . -` (session-lock.md §11). */
export const SESSION_CHAR = /[A-Za-z0-9_.-]/;

/** Character class of a handle (DESIGN.md: `[A-Za-z0-9_.-/]`). */
export const HANDLE_CHAR = /[A-Za-z0-9_./-]/;

/** True when `s` contains a C0/C1 control character or DEL. */
export const hasControl = (s: string): boolean => /[\u0000-\u001f\u007f-\u009f]/.test(s);
