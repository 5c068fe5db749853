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

// ───────────────────────────── sentinels.md §0.4 helpers (clamp and sanitise) ─────────────────────────────

/**
 * `clamp(s, n)` (sentinels.md §0.4): `s` unchanged when it has at most `n` UTF-16 code units; otherwise its first
 * `n` units, dropping the last one too when it is a high surrogate (U+D800–U+DBFF), so a pair is never split.
 * Total: `n` below 0 counts as 0, a non-integer is floored.
 */
export const clamp = (s: string, n: number): string => {
  const m = Math.max(0, Math.floor(n));
  if (s.length <= m) return s;
  const last = s.charCodeAt(m - 1);
  return last >= 0xd800 && last <= 0xdbff ? s.slice(0, m - 1) : s.slice(0, m);
};

const LINE_CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/** Keep at most `n` code points; when more remain keep `n − 1` and append `…` (U+2026). */
const capCodePoints = (s: string, n: number, ellipsis: boolean): string => {
  const m = Math.max(0, Math.floor(n));
  let count = 0;
  let cut = -1; // code-unit index where the (m − 1)-th code point ends
  let i = 0;
  while (i < s.length) {
    if (count === m - 1 && cut < 0) cut = i;
    if (count === m) {
      // more than m code points remain
      if (!ellipsis) return s.slice(0, i);
      return m === 0 ? '' : s.slice(0, cut) + '\u2026';
    }
    const c = s.charCodeAt(i);
    i += c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00 ? 2 : 1;
    count += 1;
  }
  return s;
};

/**
 * `sanitiseLine(s, n)` (sentinels.md §0.4): (1) every character in U+0000–U+001F, U+007F–U+009F, U+2028, U+2029
 * becomes a space; (2) each run of whitespace collapses to one space, and the result is trimmed; (3) when more than
 * `n` code points remain, the first `n − 1` are kept and `…` (U+2026) appended. `n = Infinity` never cuts.
 * Total over any string; non-strings give `''`.
 */
export const sanitiseLine = (s: unknown, n: number): string => {
  if (typeof s !== 'string') return '';
  const flat = s.replace(LINE_CONTROL, ' ').replace(/\s+/g, ' ').trim();
  return Number.isFinite(n) ? capCodePoints(flat, n, true) : flat;
};

/**
 * `sanitiseBlock(s, n)` (sentinels.md §0.4): like {@link sanitiseLine} but multi-line: CR LF and lone CR become LF,
 * LF is kept, other control characters become spaces, spaces and tabs (any non-LF whitespace) collapse within each
 * line, each line is trimmed, runs of three or more LFs become two, the whole is trimmed and capped at `n` code points
 * with `…`. Total; non-strings give `''`.
 */
export const sanitiseBlock = (s: unknown, n: number): string => {
  if (typeof s !== 'string') return '';
  const text = s
    .replace(/\r\n?/g, '\n')
    .replace(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029]/g, ' ')
    .split('\n')
    .map((line) => line.replace(/[^\S\n]+/g, ' ').trim())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  return Number.isFinite(n) ? capCodePoints(text, n, true) : text;
};

/** `shortId(s)` (sentinels.md §0.4): the first 8 code points of `sanitiseLine(s, ∞)`, no ellipsis. Display only. */
export const shortId = (s: unknown): string => capCodePoints(sanitiseLine(s, Infinity), 8, false);
