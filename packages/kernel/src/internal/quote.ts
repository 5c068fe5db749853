/**
 * Shell words for names shown to a person or a model (push-gate.md §13.1 `showWord`): a lane name, a ref or a
 * session id is printed as ONE shell word that a POSIX shell with `$'…'` (bash, zsh, ksh; POSIX.1-2024) reads back
 * as exactly that name, and that uses only printable ASCII, so no control, bidi or invisible character ever
 * reaches a terminal or a model and two different names never print alike. The verbs accept the printed form
 * itself too ({@link unquoteWord}), so a message's suggestion works pasted into a shell or passed on verbatim.
 *
 * Pure and total: every function accepts any string and never throws.
 */

/**
 * Characters printed without quotes: safe unquoted in every position of a POSIX shell word (no glob, no `~`); a bare
 * word never ends in `.`, `,` or `:`, so punctuation after a name in a sentence is never read as part of it.
 */
const BARE = /^[A-Za-z0-9_./:@%+=,-]*[A-Za-z0-9_/@%+=-]$/;
/**
 * Printable ASCII without `"` and `` ` ``: shown inside POSIX single quotes as it is. The two are left out so that a
 * name never closes the `"…"` around a reason or the `` `…` `` around a suggested command in the message it sits in.
 */
const PLAIN_ASCII = /^[\x20-\x21\x23-\x5f\x61-\x7e]*$/;

const hex = (n: number, width: number): string => n.toString(16).padStart(width, '0');

/**
 * `showWord(s)` (push-gate.md §13.1): `s` itself when non-empty, made only of `A–Z a–z 0–9 _ . / : @ % + = , -` and
 * not ending in `.`, `,` or `:`; else, when every character is printable ASCII other than `"` and `` ` ``, POSIX single
 * quotes (`'` written `'\''`); else the ANSI-C form `$'…'` where `\` and `'` are backslash-escaped, printable ASCII
 * stays except `!`, `"` and `` ` ``, which with ASCII controls and DEL become `\xHH`, other BMP code units `\uHHHH` and astral code points `\UHHHHHHHH` (fixed widths, so a following hex digit is
 * never absorbed). The result is printable ASCII without `"` or `` ` ``, and `unquoteWord(showWord(s)) === s` for
 * every string.
 */
export const showWord = (s: string): string => {
  if (BARE.test(s)) return s;
  if (PLAIN_ASCII.test(s)) return `'${s.replace(/'/g, `'\\''`)}'`;
  let out = "$'";
  for (const ch of s) {
    const cp = ch.codePointAt(0) as number;
    if (ch === '\\' || ch === "'") out += `\\${ch}`;
    else if (cp >= 0x20 && cp <= 0x7e && ch !== '!' && ch !== '"' && ch !== '`') out += ch; // `!`: interactive history expansion
    else if (cp < 0x80) out += `\\x${hex(cp, 2)}`;
    else if (cp <= 0xffff) out += `\\u${hex(cp, 4)}`;
    else out += `\\U${hex(cp, 8)}`;
  }
  return `${out}'`;
};

/** Single-character escapes of `$'…'` (bash manual, "ANSI-C Quoting"). */
const C_ESCAPES: Readonly<Record<string, string>> = { a: '\x07', b: '\b', e: '\x1b', E: '\x1b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', "'": "'", '"': '"', '?': '?' };

/** Characters that end or change an unquoted word in a POSIX shell; a word containing one unquoted is refused. */
const SHELL_SPECIAL = /[\s|&;<>()$`"'\\*?[\]#~{}!]/;

/**
 * Read back one shell word as printed by {@link showWord} (and the usual hand-written forms): a concatenation of
 * bare runs, `'…'`, `"…"` (with `\" \\ \$ \``) and `$'…'` (with the escapes of {@link showWord} plus `\a \b \e \f \n
 * \r \t \v \?`, octal `\NNN` and variable-width hex). Returns `null` when `w` is not exactly one complete word made
 * of those parts (an unterminated quote, an unquoted space or shell operator, a `$` expansion, a glob character).
 * Code units from `\u` escapes are kept as given, so a lone surrogate printed by `showWord` reads back unchanged.
 */
export const unquoteWord = (w: string): string | null => {
  let out = '';
  let i = 0;
  let any = false;
  while (i < w.length) {
    const c = w[i] as string;
    if (c === "'") {
      const end = w.indexOf("'", i + 1);
      if (end < 0) return null;
      out += w.slice(i + 1, end);
      i = end + 1;
    } else if (c === '"') {
      i++;
      for (;;) {
        if (i >= w.length) return null;
        const d = w[i] as string;
        if (d === '"') break;
        if (d === '$' || d === '`') return null; // an expansion: not a literal word
        if (d === '\\' && i + 1 < w.length && '"\\$`'.includes(w[i + 1] as string)) {
          out += w[i + 1];
          i += 2;
        } else {
          out += d;
          i++;
        }
      }
      i++;
    } else if (c === '$' && w[i + 1] === "'") {
      i += 2;
      for (;;) {
        if (i >= w.length) return null;
        const d = w[i] as string;
        if (d === "'") break;
        if (d !== '\\') {
          out += d;
          i++;
          continue;
        }
        const e = w[i + 1];
        if (e === undefined) return null;
        const simple = C_ESCAPES[e];
        if (simple !== undefined) {
          out += simple;
          i += 2;
          continue;
        }
        const m = /^(?:x([0-9A-Fa-f]{1,2})|u([0-9A-Fa-f]{1,4})|U([0-9A-Fa-f]{1,8})|([0-7]{1,3}))/.exec(w.slice(i + 1, i + 11));
        if (m === null) {
          out += `\\${e}`; // bash keeps an unknown escape as written
          i += 2;
          continue;
        }
        const n = parseInt((m[1] ?? m[2] ?? m[3] ?? m[4]) as string, m[4] !== undefined ? 8 : 16);
        if (m[3] !== undefined && n > 0x10ffff) return null;
        out += m[2] !== undefined ? String.fromCharCode(n) : String.fromCodePoint(m[4] !== undefined ? n & 0xff : n);
        i += 1 + m[0].length;
      }
      i++;
    } else if (c === '\\') {
      if (i + 1 >= w.length) return null;
      out += w[i + 1];
      i += 2;
    } else {
      if (SHELL_SPECIAL.test(c)) return null;
      out += c;
      i++;
    }
    any = true;
  }
  return any ? out : null;
};

/**
 * A verb's name argument (a lane, a branch or a session id) as the person meant it: the shell has normally already
 * removed the quotes of a printed word; when the argument still is one complete quoted word (it starts with `'`,
 * `"` or `$'`, e.g. passed on verbatim without a shell), the word it denotes. Anything else is returned unchanged.
 */
export const nameArg = (arg: string): string => {
  if (!(arg.startsWith("'") || arg.startsWith('"') || arg.startsWith("$'"))) return arg;
  return unquoteWord(arg) ?? arg;
};
