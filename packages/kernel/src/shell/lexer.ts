/**
 * The shell lexer (push-gate.md §6.2, rules X1–X8): one hand-written lexer of bash's word, quoting, expansion,
 * substitution, redirection and heredoc rules, shared by the push classifier (`push-gate/classifier.ts`) and the
 * action-claim command classifier (`action-claim/commands.ts`). No shell-parsing library matches these rules.
 *
 * Pure: no I/O, no clock, no randomness; total (an X8 failure is reported, never thrown) and linear in its input
 * (nesting is bounded by `MAX_NESTING`, so the work is at most `O(MAX_NESTING × input length)`).
 */

/** Nested `sh -c`, `eval`, wrapper command strings and substitution levels the classifier follows (push-gate.md §2). */
export const MAX_NESTING = 4;

/**
 * Placeholder for text the shell computes at run time (a `$name`, `${…}`, `$(…)`, backticks, …). It stands in a
 * word's literal text so that a command string handed to a nested shell (`sh -c "git push $B"`) keeps the
 * unknown part unknown: any word containing it is *dynamic* (push-gate.md §6.2 X4). A private-use code point, so ordinary
 * text never collides with it (an input that contains it is merely treated as dynamic, the safe side).
 */
export const DYN = '\uE000';

/** Reserved words (bash), recognised only when written plainly (S4). */
export const RESERVED: ReadonlySet<string> = new Set([
  '!', '{', '}', 'if', 'then', 'elif', 'else', 'fi', 'do', 'done', 'while', 'until', 'time', 'coproc',
  'for', 'select', 'case', 'function',
]);
/** Reserved words that may directly precede a compound command such as `( … )`. */
export const COMPOUND_PREFIX: ReadonlySet<string> = new Set(['!', '{', 'if', 'then', 'elif', 'else', 'do', 'while', 'until', 'time', 'coproc']);

/** A word after quote removal. `text` holds `DYN` where the shell computes text at run time. */
export interface Word {
  readonly text: string;
  /** Contains an expansion (X4, X5) or a brace expansion: its value is not known statically. */
  readonly dynamic: boolean;
  /** Entirely unquoted, unescaped literal text (needed for reserved words, S4). */
  readonly plain: boolean;
  /** Length of the leading unquoted literal part of `text` (an assignment's NAME= must lie inside it, S3). */
  readonly plainPrefix: number;
  /** Substitution bodies recorded for recursion (S2). */
  readonly subs: ReadonlyArray<string>;
}

/** A heredoc (X7); `text` is filled when the lexer reaches the line after the operator. */
export interface Heredoc {
  delim: string;
  quoted: boolean;
  strip: boolean;
  /** Script text for a shell reading it (X7 b): the body, with `DYN` for outer expansions when unquoted. */
  text: string;
  subs: string[];
}

/**
 * A token: a word, a control operator (`&&`, `||`, `;`, `;;`, `&`, `|`, `|&`, `(`, `)`, newline) or a redirection
 * operator (with its heredoc, if any; the target word follows as a separate word token). `start`/`end` are source
 * offsets (end exclusive); a newline operator's span also covers the heredoc bodies read after it.
 */
export type Token =
  | { readonly kind: 'word'; readonly word: Word; readonly start: number; readonly end: number }
  | { readonly kind: 'operator'; readonly op: string; readonly start: number; readonly end: number }
  | { readonly kind: 'redirect'; readonly op: string; readonly heredoc: Heredoc | null; readonly start: number; readonly end: number };

/** Raised inside the lexer on an X8 failure; caught by `lex`. Never escapes this module. */
class LexFail {
  constructor(readonly why: 'unterminated' | 'too-deep') {}
}

/** Shared empty list of substitution bodies (never pushed to). */
const NO_SUBS: string[] = [];

const BLANK = new Set([' ', '\t', '\r', '\v', '\f']);

/** ASCII characters that end a run of ordinary unquoted word characters (lexer fast path). */
const SPECIAL = new Uint8Array(128);
for (const ch of ' \t\r\v\f\n#\\\'"`$<>&|;(){},.') SPECIAL[ch.charCodeAt(0)] = 1;
const isSpecial = (code: number): boolean => (code < 128 ? SPECIAL[code] === 1 : code === 0xe000);
/** Characters with a meaning inside double quotes or a heredoc body. */
const isDqSpecial = (code: number): boolean => code === 34 || code === 92 || code === 36 || code === 96;
const isNameStart = (c: string | undefined): boolean => c !== undefined && /[A-Za-z_]/.test(c);
const isNameChar = (c: string | undefined): boolean => c !== undefined && /[A-Za-z0-9_]/.test(c);

/**
 * Lexer over `src` from `start`. With `untilParen` it reads the body of a `$(…)`/`<(…)` and stops at the
 * unbalanced `)` (X5: nesting- and quote-aware). `depth` is the nesting level of the text being lexed; a
 * substitution inside it would be classified at `depth + 1`, so one deeper than `MAX_NESTING` fails (X8).
 */
class Lexer {
  readonly tokens: Token[] = [];
  private i: number;
  private parenDepth = 0;
  private pendingHeredocs: Heredoc[] = [];
  private awaitingDelim: { op: string } | null = null;
  // current word under construction, and its source offset
  private cur: string | null = null;
  private wordStart = 0;
  private dyn = false;
  private plain = true;
  private prefixOpen = true;
  private prefixLen = 0;
  private subs: string[] = NO_SUBS;
  private braceOpen = false;
  private braceSep = false;
  private braceExp = false;

  constructor(
    private readonly src: string,
    start: number,
    private readonly depth: number,
    private readonly untilParen: boolean,
    /** Only find the end of a substitution body: build no tokens (the body is lexed again when classified). */
    private readonly scanOnly = false,
  ) {
    this.i = start;
  }

  // ── word builder
  private start(): void {
    if (this.cur === null) {
      this.cur = '';
      this.wordStart = this.i;
      this.dyn = false;
      this.plain = true;
      this.prefixOpen = true;
      this.prefixLen = 0;
      this.subs = NO_SUBS;
      this.braceOpen = false;
      this.braceSep = false;
      this.braceExp = false;
    }
  }
  /** End the unquoted literal prefix (a quote, an escape or an expansion starts here). */
  private special(): void {
    this.start();
    if (this.prefixOpen) {
      this.prefixLen = (this.cur as string).length;
      this.prefixOpen = false;
    }
    this.plain = false;
  }
  private lit(s: string): void {
    this.start();
    if (s.includes(DYN)) this.dyn = true;
    this.cur += s;
  }
  private unquotedChar(c: string): void {
    this.start();
    if (c === DYN) this.dyn = true;
    // Brace expansion (`{a,b}`, `{1..3}`) makes the word's value unknown statically.
    if (c === '{') this.braceOpen = true;
    else if (this.braceOpen && (c === ',' || (c === '.' && this.src[this.i + 1] === '.'))) this.braceSep = true;
    else if (c === '}' && this.braceOpen && this.braceSep) this.braceExp = true;
    this.cur += c;
  }
  private addSub(body: string): void {
    if (this.subs === NO_SUBS) this.subs = [];
    this.subs.push(body);
  }
  private dynamic(): void {
    this.special();
    this.dyn = true;
    this.cur += DYN;
  }
  private endWord(): void {
    if (this.cur === null) return;
    if (this.scanOnly && this.awaitingDelim === null) {
      this.cur = null;
      return;
    }
    // A brace expansion's words are not known statically: mark the text itself dynamic.
    const text = this.braceExp ? DYN + this.cur : this.cur;
    const prefix = this.prefixOpen ? text.length : this.prefixLen;
    const w: Word = {
      text,
      dynamic: this.dyn || this.braceExp,
      plain: this.plain,
      plainPrefix: prefix,
      subs: this.subs,
    };
    this.cur = null;
    if (this.awaitingDelim !== null) {
      const op = this.awaitingDelim.op;
      this.awaitingDelim = null;
      const h: Heredoc = { delim: text, quoted: !w.plain, strip: op === '<<-', text: '', subs: [] };
      this.pendingHeredocs.push(h);
      this.tokens.push({ kind: 'redirect', op, heredoc: h, start: this.wordStart, end: this.i });
      return;
    }
    this.tokens.push({ kind: 'word', word: w, start: this.wordStart, end: this.i });
  }
  private op(op: string): void {
    this.endWord();
    if (!this.scanOnly) this.tokens.push({ kind: 'operator', op, start: this.i, end: this.i + op.length });
  }

  /** Run to the end of input (or the closing `)` in `untilParen` mode). Returns the index reached. */
  run(): number {
    const s = this.src;
    const n = s.length;
    while (this.i < n) {
      const c = s[this.i] as string;
      if (BLANK.has(c)) {
        this.endWord();
        this.i++;
        continue;
      }
      switch (c) {
        case '\n': {
          this.op('\n');
          this.i++;
          const k = this.tokens.length - 1;
          this.readHeredocBodies();
          const nl = this.tokens[k];
          if (nl !== undefined && nl.kind === 'operator' && nl.end < this.i) this.tokens[k] = { ...nl, end: this.i };
          continue;
        }
        case '#':
          if (this.cur === null) {
            while (this.i < n && s[this.i] !== '\n') this.i++;
            continue;
          }
          this.unquotedChar(c);
          this.i++;
          continue;
        case '\\':
          if (s[this.i + 1] === '\n') {
            this.i += 2;
            continue;
          }
          this.special();
          if (this.i + 1 < n) {
            this.lit(s[this.i + 1] as string);
            this.i += 2;
          } else {
            this.lit('\\');
            this.i++;
          }
          continue;
        case "'": {
          this.special();
          const end = s.indexOf("'", this.i + 1);
          if (end < 0) throw new LexFail('unterminated');
          this.lit(s.slice(this.i + 1, end));
          this.i = end + 1;
          continue;
        }
        case '"':
          this.special();
          this.i++;
          this.readDouble('"');
          continue;
        case '`':
          this.readBacktick();
          continue;
        case '$':
          this.readDollar(false);
          continue;
        case '<':
        case '>':
          if (s[this.i + 1] === '(') {
            // process substitution <(…) / >(…) (X5)
            this.special();
            this.readCommandSubst(this.i + 2);
            continue;
          }
          this.readRedirection();
          continue;
        case '&':
          if (s.startsWith('&&', this.i)) {
            this.op('&&');
            this.i += 2;
          } else if (s.startsWith('&>>', this.i)) {
            this.redir('&>>', 3);
          } else if (s[this.i + 1] === '>') {
            this.redir('&>', 2);
          } else {
            this.op('&');
            this.i++;
          }
          continue;
        case '|':
          if (s[this.i + 1] === '|' || s[this.i + 1] === '&') {
            this.op(s.slice(this.i, this.i + 2));
            this.i += 2;
          } else {
            this.op('|');
            this.i++;
          }
          continue;
        case ';':
          if (s[this.i + 1] === ';' || s[this.i + 1] === '&') {
            this.op(';;');
            this.i += s.startsWith(';;&', this.i) ? 3 : 2;
          } else {
            this.op(';');
            this.i++;
          }
          continue;
        case '(':
          if (this.cur !== null && this.plain && /^[A-Za-z_][A-Za-z0-9_]*\+?=$/.test(this.cur)) {
            // `name=(a b …)`: an array assignment; its elements are data words, substitutions in them are live.
            this.readArrayLiteral();
            continue;
          }
          if (s[this.i + 1] === '(' && this.cur === null && this.atCommandStart()) {
            // `((…))` in command position is an arithmetic command (bash), unless its parentheses do not close
            // as `))`, in which case it is two nested subshells.
            const end = this.skipArithmetic(this.i + 2);
            if (end >= 0) {
              this.special();
              this.lit('((');
              this.addSub(`: ${s.slice(this.i + 2, end - 2)}`); // substitutions inside stay live (S2)
              this.i = end;
              this.endWord();
              continue;
            }
          }
          this.op('(');
          this.parenDepth++;
          this.i++;
          continue;
        case ')':
          if (this.untilParen && this.parenDepth === 0) {
            this.endWord();
            return this.i;
          }
          if (this.parenDepth > 0) this.parenDepth--;
          this.op(')');
          this.i++;
          continue;
        default: {
          // Fast path: a run of ordinary characters is appended at once.
          let j = this.i;
          while (j < n && !isSpecial(s.charCodeAt(j))) j++;
          if (j > this.i) {
            this.start();
            this.cur += s.slice(this.i, j);
            this.i = j;
          } else {
            this.unquotedChar(c);
            this.i++;
          }
        }
      }
    }
    if (this.untilParen) throw new LexFail('unterminated');
    this.endWord();
    return this.i;
  }

  /** `(…)` of an array assignment at `this.i`: the word becomes dynamic; the elements' substitutions are kept. */
  private readArrayLiteral(): void {
    if (this.depth + 1 > MAX_NESTING) throw new LexFail('too-deep');
    const from = this.i + 1;
    const inner = new Lexer(this.src, from, this.depth + 1, true, true);
    const end = inner.run();
    // The elements are classified as the arguments of a data command, one level deeper (S2, S8).
    this.addSub(`: ${this.src.slice(from, end)}`);
    this.i = end + 1;
    this.dynamic();
  }

  /** True when the next word would be in command position (after an operator or a reserved word). */
  private atCommandStart(): boolean {
    const last = this.tokens[this.tokens.length - 1];
    if (last === undefined || last.kind === 'operator') return true;
    return last.kind === 'word' && last.word.plain && COMPOUND_PREFIX.has(last.word.text);
  }

  private redir(op: string, len: number): void {
    this.endWord();
    this.i += len;
    this.tokens.push({ kind: 'redirect', op, heredoc: null, start: this.i - len, end: this.i });
  }

  /** `<`, `>`, `>>`, `<<`, `<<-`, `<<<`, `<>`, `>&`, `<&`, `>|`, optionally after a fd number (X1). */
  private readRedirection(): void {
    const s = this.src;
    // A word made only of unquoted digits right before the operator is its file-descriptor number.
    if (this.cur !== null && this.plain && /^[0-9]+$/.test(this.cur)) this.cur = null;
    else this.endWord();
    const ops = ['<<<', '<<-', '<<', '<>', '<&', '>>', '>&', '>|', '<', '>'];
    const op = ops.find((o) => s.startsWith(o, this.i)) as string;
    this.i += op.length;
    if (op === '<<' || op === '<<-') {
      this.awaitingDelim = { op };
      return;
    }
    this.tokens.push({ kind: 'redirect', op, heredoc: null, start: this.i - op.length, end: this.i });
  }

  /** X7: after a newline, read the bodies of the heredocs opened on the previous line, in order. */
  private readHeredocBodies(): void {
    const s = this.src;
    for (const h of this.pendingHeredocs) {
      const lines: string[] = [];
      for (;;) {
        if (this.i >= s.length) break; // unterminated heredoc: the body runs to the end (bash warns)
        let nl = s.indexOf('\n', this.i);
        if (nl < 0) nl = s.length;
        let line = s.slice(this.i, nl);
        this.i = Math.min(nl + 1, s.length);
        if (h.strip) line = line.replace(/^\t+/, '');
        if (line === h.delim) break;
        lines.push(line);
      }
      const body = lines.length === 0 ? '' : lines.join('\n') + '\n';
      if (h.quoted) {
        h.text = body;
      } else {
        // Unquoted delimiter: expansions and substitutions in the body are live (X7 a).
        const sub = new Lexer(body, 0, this.depth, false);
        sub.start();
        sub.readDouble(null);
        h.text = sub.cur ?? '';
        h.subs = sub.subs === NO_SUBS ? [] : sub.subs;
      }
    }
    this.pendingHeredocs = [];
  }

  /**
   * Double-quoted text (X4) up to `term` (`"`), or to the end of input when `term` is null (heredoc body).
   * `this.i` is just after the opening quote.
   */
  readDouble(term: '"' | null): void {
    const s = this.src;
    const n = s.length;
    this.start();
    while (this.i < n) {
      const c = s[this.i] as string;
      if (c === term) {
        this.i++;
        return;
      }
      if (c === '\\') {
        const d = s[this.i + 1];
        if (d === '\n') {
          this.i += 2;
          continue;
        }
        if (d === '$' || d === '`' || d === '\\' || (term !== null && d === '"')) {
          this.lit(d);
          this.i += 2;
          continue;
        }
        this.lit('\\');
        this.i++;
        continue;
      }
      if (c === '$') {
        this.readDollar(true);
        continue;
      }
      if (c === '`') {
        this.readBacktick();
        continue;
      }
      let j = this.i + 1;
      while (j < n && !isDqSpecial(s.charCodeAt(j))) j++;
      this.lit(s.slice(this.i, j));
      this.i = j;
    }
    if (term !== null) throw new LexFail('unterminated');
  }

  /** A `$…` at `this.i` (X3, X4, X5). */
  private readDollar(inDouble: boolean): void {
    const s = this.src;
    const d = s[this.i + 1];
    if (d === '(') {
      this.special();
      if (s[this.i + 2] === '(') {
        // $((…)) arithmetic: not a command, but its value is unknown. When the first unbalanced `)` is not
        // followed by another `)`, it was `$( (…) …)`, a command substitution starting with a subshell (bash).
        const end = this.skipArithmetic(this.i + 3);
        if (end >= 0) {
          this.i = end;
          this.dynamic();
          return;
        }
      }
      this.readCommandSubst(this.i + 2);
      return;
    }
    if (d === '{') {
      this.special();
      this.i = this.skipBraces(this.i + 2);
      this.dynamic();
      return;
    }
    if (d === "'" && !inDouble) {
      this.special();
      this.i += 2;
      this.lit(this.readAnsiC());
      return;
    }
    if (d === '"' && !inDouble) {
      this.special();
      this.i += 2;
      this.readDouble('"');
      return;
    }
    if (isNameStart(d)) {
      this.special();
      this.i += 2;
      while (isNameChar(s[this.i])) this.i++;
      this.dynamic();
      return;
    }
    if (d !== undefined && /[0-9@*#?\-$!]/.test(d)) {
      this.special();
      this.i += 2;
      this.dynamic();
      return;
    }
    if (inDouble) this.lit('$');
    else this.unquotedChar('$');
    this.i++;
  }

  /** `$(…)` or `<(…)`/`>(…)` whose body starts at `from`: record the body (S2), the word becomes dynamic. */
  private readCommandSubst(from: number): void {
    if (this.depth + 1 > MAX_NESTING) throw new LexFail('too-deep');
    const inner = new Lexer(this.src, from, this.depth + 1, true, true);
    const end = inner.run();
    this.addSub(this.src.slice(from, end));
    this.i = end + 1;
    this.dynamic();
  }

  /** Backtick substitution at `this.i` (X4, X5): `\`, `` ` `` and `$` escaped inside are unescaped. */
  private readBacktick(): void {
    const s = this.src;
    this.special();
    if (this.depth + 1 > MAX_NESTING) throw new LexFail('too-deep');
    let j = this.i + 1;
    let body = '';
    for (;;) {
      if (j >= s.length) throw new LexFail('unterminated');
      const c = s[j] as string;
      if (c === '`') break;
      if (c === '\\' && j + 1 < s.length) {
        const d = s[j + 1] as string;
        if (d === '`' || d === '\\' || d === '$') {
          body += d;
          j += 2;
          continue;
        }
        body += c + d;
        j += 2;
        continue;
      }
      body += c;
      j++;
    }
    this.addSub(body);
    this.i = j + 1;
    this.dynamic();
  }

  /**
   * `$((…))`: skip to the matching `))`, counting parentheses. Returns the index after it, or -1 when the first
   * unbalanced `)` is not followed by `)` (not arithmetic). Unterminated: X8.
   */
  private skipArithmetic(from: number): number {
    const s = this.src;
    let depth = 0;
    for (let j = from; j < s.length; j++) {
      const c = s[j];
      if (c === '(') depth++;
      else if (c === ')') {
        if (depth === 0) return s[j + 1] === ')' ? j + 2 : -1;
        depth--;
      }
    }
    throw new LexFail('unterminated');
  }

  /**
   * `${…}` starting after `${`: skip to the matching `}`, honouring quotes, escapes and nested `${`; command
   * substitutions inside are recorded. Returns the index after the `}`.
   */
  private skipBraces(from: number): number {
    const s = this.src;
    let depth = 0;
    let j = from;
    while (j < s.length) {
      const c = s[j] as string;
      if (c === '\\') {
        j += 2;
        continue;
      }
      if (c === "'") {
        const e = s.indexOf("'", j + 1);
        if (e < 0) throw new LexFail('unterminated');
        j = e + 1;
        continue;
      }
      if (c === '"' || c === '`' || (c === '$' && s[j + 1] === '(' && s[j + 2] !== '(')) {
        // Read the quoted part / substitution with a throw-away word so its substitutions are recorded here.
        const saveCur = this.cur;
        const saveI = this.i;
        this.i = j;
        if (c === '"') {
          this.i++;
          this.readDouble('"');
        } else if (c === '`') this.readBacktick();
        else this.readCommandSubst(j + 2);
        j = this.i;
        this.cur = saveCur;
        this.i = saveI;
        continue;
      }
      if (c === '$' && s[j + 1] === '{') {
        depth++;
        j += 2;
        continue;
      }
      if (c === '}') {
        if (depth === 0) return j + 1;
        depth--;
      }
      j++;
    }
    throw new LexFail('unterminated');
  }

  /** `$'…'` (X3): read up to the closing quote and decode backslash escapes. `this.i` is after `$'`. */
  private readAnsiC(): string {
    const s = this.src;
    let out = '';
    while (this.i < s.length) {
      const c = s[this.i] as string;
      if (c === "'") {
        this.i++;
        return out;
      }
      if (c !== '\\') {
        out += c;
        this.i++;
        continue;
      }
      const d = s[this.i + 1];
      if (d === undefined) throw new LexFail('unterminated');
      this.i += 2;
      const simple: Record<string, string> = {
        n: '\n', t: '\t', r: '\r', a: '\x07', b: '\b', e: '\x1b', E: '\x1b', f: '\f', v: '\v',
        '\\': '\\', "'": "'", '"': '"', '?': '?',
      };
      if (Object.prototype.hasOwnProperty.call(simple, d)) {
        out += simple[d];
        continue;
      }
      const hexRun = (max: number): string => {
        let h = '';
        while (h.length < max && /[0-9A-Fa-f]/.test(s[this.i] ?? '')) h += s[this.i++];
        return h;
      };
      if (d === 'x' || d === 'u' || d === 'U') {
        const h = hexRun(d === 'x' ? 2 : d === 'u' ? 4 : 8);
        const cp = h === '' ? -1 : parseInt(h, 16);
        out += cp < 0 ? '\\' + d : cp <= 0x10ffff ? String.fromCodePoint(cp) : '\ufffd';
        continue;
      }
      if (/[0-7]/.test(d)) {
        let o = d;
        while (o.length < 3 && /[0-7]/.test(s[this.i] ?? '')) o += s[this.i++];
        out += String.fromCharCode(parseInt(o, 8) & 0xff);
        continue;
      }
      if (d === 'c') {
        const x = s[this.i];
        if (x !== undefined) {
          this.i++;
          out += String.fromCharCode(x.charCodeAt(0) & 0x1f);
        }
        continue;
      }
      out += '\\' + d;
    }
    throw new LexFail('unterminated');
  }
}

/**
 * Lex `src` at nesting `depth` (push-gate.md §6.2): the tokens, and whether X8 failed (unterminated quote, substitution or
 * subshell body, or a substitution nested deeper than {@link MAX_NESTING}); on failure the tokens are those read
 * before it. Total, linear in `src`.
 */
export const lex = (src: string, depth: number): { tokens: Token[]; failed: boolean } => {
  const lx = new Lexer(src, 0, depth, false);
  try {
    lx.run();
    return { tokens: lx.tokens, failed: false };
  } catch (e) {
    if (e instanceof LexFail) return { tokens: lx.tokens, failed: true };
    throw e;
  }
};
