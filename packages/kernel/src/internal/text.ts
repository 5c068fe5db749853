/**
 * Text sanitizers for model-facing messages (architecture.md "messages": the only interpolations are values the
 * kernel has sanitized). Pure; total over any string.
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

/** Character class of a handle (architecture.md: `[A-Za-z0-9_.-/]`). */
export const HANDLE_CHAR = /[A-Za-z0-9_./-]/;

/** True when `s` contains a C0/C1 control character or DEL. */
export const hasControl = (s: string): boolean => /[\u0000-\u001f\u007f-\u009f]/.test(s);

// ───────────────────────── hooks.md §4 helpers (clamp, sanitizeLine, sanitizeBlock, shortId) ─────────────────────────

/**
 * `clamp(s, n)` (hooks.md §4): `s` unchanged when it has at most `n` UTF-16 units; otherwise its first `n`
 * units, dropping a trailing high surrogate so no half pair is left. Total over any string and any `n ≥ 0`.
 */
export const clamp = (s: string, n: number): string => {
  if (s.length <= n) return s;
  let out = s.slice(0, Math.max(0, n));
  const last = out.charCodeAt(out.length - 1);
  if (out.length > 0 && last >= 0xd800 && last <= 0xdbff) out = out.slice(0, -1);
  return out;
};

/**
 * Invisible characters that can reorder or hide text (hooks.md §4 rule 0): every Unicode format character (`Cf`:
 * the bidi embeddings, overrides and isolates U+202A–U+202E, U+2066–U+2069, the marks U+200E, U+200F, U+061C, the
 * zero-width U+200B–U+200D, U+2060–U+2064, U+FEFF, the soft hyphen, the tag characters U+E0000–U+E007F, …), plus
 * the invisible non-`Cf` fillers U+034F, U+115F, U+1160, U+3164, U+FFA0 and the variation selectors
 * U+FE00–U+FE0F, U+E0100–U+E01EF.
 */
const INVISIBLE = /[\p{Cf}\u034f\u115f\u1160\u3164\uffa0\ufe00-\ufe0f\u{e0100}-\u{e01ef}]/gu;

/**
 * `stripInvisible(s)` (hooks.md §4 rule 0): `s` without the {@link INVISIBLE} characters, so text shown to a model
 * or a person cannot carry a right-to-left override or a zero-width payload. Total over any string; lone surrogates
 * are kept as they are.
 */
export const stripInvisible = (s: string): string => s.replace(INVISIBLE, '');

/** Characters replaced by a space before collapsing (hooks.md §4 rule 1). */
const LINE_CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/** Keep at most `n` code points; when cut, keep `n − 1` and append `…` (U+2026). `n = Infinity` never cuts. */
const cutCodePoints = (s: string, n: number): string => {
  if (!Number.isFinite(n)) return s;
  const cps = Array.from(s);
  if (cps.length <= n) return s;
  return n <= 0 ? '' : cps.slice(0, n - 1).join('') + '\u2026';
};

/**
 * `sanitizeLine(s, n)` (hooks.md §4): invisible characters removed ({@link stripInvisible}), controls (C0, DEL, C1,
 * U+2028, U+2029) become spaces, whitespace runs collapse to one space, the result is trimmed and cut to `n` code
 * points with `…`. Non-strings give `""`.
 */
export const sanitizeLine = (s: unknown, n: number): string => {
  if (typeof s !== 'string') return '';
  return cutCodePoints(stripInvisible(s).replace(LINE_CONTROL, ' ').replace(/\s+/g, ' ').trim(), n);
};

/**
 * `sanitizeBlock(s, n)` (hooks.md §4): like {@link sanitizeLine} (invisible characters removed) but line breaks survive: CR LF and lone CR
 * become LF, other controls become spaces, spaces/tabs collapse within a line, 3+ LFs become 2, trimmed, cut to
 * `n` code points with `…`. Non-strings give `""`.
 */
export const sanitizeBlock = (s: unknown, n: number): string => {
  if (typeof s !== 'string') return '';
  const lines = stripInvisible(s)
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((l) => l.replace(LINE_CONTROL, ' ').replace(/[^\S\n]+/g, ' '));
  return cutCodePoints(lines.join('\n').replace(/\n{3,}/g, '\n\n').trim(), n);
};

/** `shortId(s)` (hooks.md §4): the first 8 code points of `sanitizeLine(s, ∞)`, no ellipsis. */
export const shortId = (s: unknown): string => Array.from(sanitizeLine(s, Infinity)).slice(0, 8).join('');

