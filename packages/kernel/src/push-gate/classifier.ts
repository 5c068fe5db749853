/**
 * Push classifier and git pre-push stdin parser (kernel-internal module of the push gate).
 *
 * Normative source: spec/push-gate.md §2 (constants), §6 (command classifier: lexing X1–X8, command structure
 * S1–S8, `git push` recognition G1–G4, push options §6.5, refspecs R1–R8, directory hints H1–H3, fallback
 * F1–F4, destination resolution D1–D9) and §7 (pre-push stdin parser PP1–PP8); protocols.md §D (githooks(5)).
 *
 * The lexer is hand-written to the rules of §6.2 (no shell-parsing library matches them). Pure: no I/O, no clock,
 * no randomness; every exported function is total (never throws) and linear in its input up to
 * `MAX_COMMAND_CHARS` (nesting is bounded by `MAX_NESTING`, so the work is at most
 * `O(MAX_NESTING × input length)`).
 */
import * as t from 'io-ts';
import { isRight } from 'fp-ts/lib/Either.js';

// ───────────────────────────────────────── constants (§2) ─────────────────────────────────────────

/** Longer command strings skip the parser and go straight to the fallback rule (§6.8), characters. */
export const MAX_COMMAND_CHARS = 65_536;
/** Nested `sh -c`, `eval`, wrapper command strings and substitution levels the classifier follows. */
export const MAX_NESTING = 4;

/**
 * Placeholder for text the shell computes at run time (a `$name`, `${…}`, `$(…)`, backticks, …). It stands in a
 * word's literal text so that a command string handed to a nested shell (`sh -c "git push $B"`) keeps the
 * unknown part unknown: any word containing it is *dynamic* (§6.2 X4). A private-use code point, so ordinary
 * text never collides with it (an input that contains it is merely treated as dynamic, the safe side).
 */
const DYN = '\uE000';

// ───────────────────────────────────────── model (§6.1) ─────────────────────────────────────────

/**
 * Source side of a target (§6.1 item 3, §6.6 R7). `none` is used for deletions only (R3 empty src, R5
 * `--delete`), where git sends no object.
 */
export type PushSrc =
  | { readonly kind: 'current' }
  | { readonly kind: 'head'; readonly text: string }
  | { readonly kind: 'ref'; readonly ref: string }
  | { readonly kind: 'name'; readonly name: string }
  | { readonly kind: 'expr'; readonly expr: string }
  | { readonly kind: 'unknown' }
  | { readonly kind: 'none' };

/** Destination side of a target (§6.1 item 3, §6.6 R7). */
export type PushDst =
  | { readonly kind: 'same' }
  | { readonly kind: 'ref'; readonly ref: string }
  | { readonly kind: 'name'; readonly name: string }
  | { readonly kind: 'unknown' };

/** One refspec of an invocation after R1–R8. `force` is the `+` prefix or any force option of the invocation. */
export interface PushTarget {
  readonly src: PushSrc;
  readonly dst: PushDst;
  readonly op: 'update' | 'delete';
  readonly force: boolean;
}

/**
 * A directory hint (§6.7 H1, H2), in the order the shell applies them: `cd`/`pushd` of the enclosing chain,
 * `env -C`, then git's `-C`, `--git-dir`, `--work-tree`. Paths are as typed (relative to the previous hint, the
 * payload `cwd` first).
 */
export interface DirHint {
  readonly kind: 'cd' | 'env-C' | 'git-C' | 'git-dir' | 'work-tree';
  readonly path: string;
}

/** Broad push flags (§6.5, R6). */
export type Broad = 'all' | 'tags';

/**
 * One `git push` found in the command (§6.1 item 3). `remote` is null when absent or computed at run time;
 * `dir_uncertain` is true when a directory change could not be read (`cd` without a static argument, `cd -`,
 * a dynamic `-C` value): the repository probe then uses the payload `cwd` and records `dir_uncertain` (H1).
 */
export interface PushInvocation {
  readonly remote: string | null;
  readonly dir_hints: ReadonlyArray<DirHint>;
  readonly dir_uncertain: boolean;
  readonly force: boolean;
  readonly no_verify: boolean;
  readonly broad: ReadonlyArray<Broad>;
  readonly targets: ReadonlyArray<PushTarget>;
  /** True only for the current-branch invocation rule F1 adds (not found in the text). */
  readonly fallback: boolean;
}

/** Why a push classification fell back to the current branch (§6.8), for logs. */
export type FallbackCause = 'parse-failed' | 'uncertain' | 'too-long';

/** Result of `classifyPushCommand` (§6.1 item 2). */
export type PushClassification =
  | { readonly _tag: 'NotPush'; readonly reason: 'no-git-push' | 'git-dry-run' }
  | {
      readonly _tag: 'Push';
      readonly confidence: 'exact' | 'fallback';
      readonly invocations: ReadonlyArray<PushInvocation>;
      /** null for an exact parse; otherwise what triggered rule F1. */
      readonly fallback: FallbackCause | null;
    };

const NOT_PUSH: PushClassification = { _tag: 'NotPush', reason: 'no-git-push' };
const DRY_RUN: PushClassification = { _tag: 'NotPush', reason: 'git-dry-run' };

/** The single invocation rule F1 adds: remote unknown, current branch. */
const fallbackInvocation = (): PushInvocation => ({
  remote: null,
  dir_hints: [],
  dir_uncertain: false,
  force: false,
  no_verify: false,
  broad: [],
  targets: [{ src: { kind: 'current' }, dst: { kind: 'same' }, op: 'update', force: false }],
  fallback: true,
});

// ───────────────────────────────────────── lexer (§6.2) ─────────────────────────────────────────

/** A word after quote removal. `text` holds `DYN` where the shell computes text at run time. */
interface Word {
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

/** A heredoc (X7); `body` is filled when the lexer reaches the line after the operator. */
interface Heredoc {
  delim: string;
  quoted: boolean;
  strip: boolean;
  /** Script text for a shell reading it (X7 b): the body, with `DYN` for outer expansions when unquoted. */
  text: string;
  subs: string[];
}

type Tok =
  | { readonly t: 'w'; readonly w: Word }
  | { readonly t: 'op'; readonly op: string }
  | { readonly t: 'r'; readonly op: string; readonly here: Heredoc | null };

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
  readonly toks: Tok[] = [];
  private i: number;
  private parenDepth = 0;
  private pendingHeredocs: Heredoc[] = [];
  private awaitingDelim: { op: string } | null = null;
  // current word under construction
  private cur: string | null = null;
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
      this.toks.push({ t: 'r', op, here: h });
      return;
    }
    this.toks.push({ t: 'w', w });
  }
  private op(op: string): void {
    this.endWord();
    if (!this.scanOnly) this.toks.push({ t: 'op', op });
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
        case '\n':
          this.op('\n');
          this.i++;
          this.readHeredocBodies();
          continue;
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
    const last = this.toks[this.toks.length - 1];
    if (last === undefined || last.t === 'op') return true;
    return last.t === 'w' && last.w.plain && COMPOUND_PREFIX.has(last.w.text);
  }

  private redir(op: string, len: number): void {
    this.endWord();
    this.i += len;
    this.toks.push({ t: 'r', op, here: null });
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
    this.toks.push({ t: 'r', op, here: null });
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

/** Lex `src` at nesting `depth`: the tokens, and whether X8 failed (tokens are then those read before it). */
const lex = (src: string, depth: number): { toks: Tok[]; failed: boolean } => {
  const lx = new Lexer(src, 0, depth, false);
  try {
    lx.run();
    return { toks: lx.toks, failed: false };
  } catch (e) {
    if (e instanceof LexFail) return { toks: lx.toks, failed: true };
    throw e;
  }
};

// ───────────────────────────────────────── command structure (§6.3, §6.4, §6.7) ─────────────────────────────────────────

/** Directory state of one chain level (H1): hints so far and whether one could not be read. */
interface DirState {
  readonly hints: ReadonlyArray<DirHint>;
  readonly uncertain: boolean;
}

/** What a classification run gathers across all nesting levels. */
interface Acc {
  readonly invs: PushInvocation[];
  failed: boolean;
  uncertain: boolean;
  dryRun: boolean;
}

/**
 * Directory hints kept per chain; a longer run of `cd`s marks the directory uncertain instead (keeps the work
 * linear in the input; no real command changes directory this often before a push).
 */
const MAX_DIR_HINTS = 32;

/** Effect of a simple command on the chain's directory (H1): a `cd`/`pushd` to a path, or to an unknown one. */
type CdEffect = { readonly path: string | null } | null;

const RESERVED = new Set([
  '!', '{', '}', 'if', 'then', 'elif', 'else', 'fi', 'do', 'done', 'while', 'until', 'time', 'coproc',
  'for', 'select', 'case', 'function',
]);
/** Reserved words that may directly precede a compound command such as `( … )`. */
const COMPOUND_PREFIX = new Set(['!', '{', 'if', 'then', 'elif', 'else', 'do', 'while', 'until', 'time', 'coproc']);
const SHELLS = new Set(['sh', 'bash', 'dash', 'zsh', 'ksh', 'mksh', 'ash', 'fish']);
const PIPE_OPS = new Set(['|', '|&']);

const lastSegment = (s: string): string => {
  const k = s.lastIndexOf('/');
  return k < 0 ? s : s.slice(k + 1);
};

const isAssignment = (w: Word): boolean => {
  const m = /^[A-Za-z_][A-Za-z0-9_]*\+?=/.exec(w.text);
  return m !== null && m[0].length <= w.plainPrefix;
};

/** Classify a command string at nesting `depth` (S2, S6, S7 recursion), adding what it finds to `acc`. */
const classifyText = (src: string, depth: number, dir: DirState, acc: Acc): void => {
  if (depth > MAX_NESTING) {
    acc.failed = true;
    return;
  }
  const { toks, failed } = lex(src, depth);
  let usable = toks;
  if (failed) {
    acc.failed = true;
    // Keep only the commands completed before the failure (F1: "plus any exact invocations the parse did find").
    let k = toks.length - 1;
    while (k >= 0 && !(toks[k]?.t === 'op' && (toks[k] as { op: string }).op !== '(')) k--;
    usable = toks.slice(0, k + 1);
  }
  walk(usable, depth, dir, acc);
};

/** S1: split tokens into simple commands and subshells, tracking the chain's directory (H1). */
const walk = (toks: ReadonlyArray<Tok>, depth: number, dir0: DirState, acc: Acc): void => {
  const stack: DirState[] = [];
  let dir: DirState = dir0;
  let cmd: Tok[] = [];
  let prevOp: string | null = null;
  const flush = (nextOp: string | null): void => {
    if (cmd.length === 0) return;
    const eff = simpleCommand(cmd, depth, dir, acc);
    cmd = [];
    const inPipeline = (prevOp !== null && PIPE_OPS.has(prevOp)) || (nextOp !== null && PIPE_OPS.has(nextOp));
    if (eff !== null && !inPipeline && nextOp !== '&') {
      dir =
        eff.path === null || dir.hints.length >= MAX_DIR_HINTS
          ? { hints: dir.hints, uncertain: true }
          : { hints: [...dir.hints, { kind: 'cd', path: eff.path }], uncertain: dir.uncertain };
    }
  };
  for (let k = 0; k < toks.length; k++) {
    const tok = toks[k] as Tok;
    if (tok.t !== 'op') {
      cmd.push(tok);
      continue;
    }
    if (tok.op === '(') {
      const next = toks[k + 1];
      if (cmd.length === 1 && cmd[0]?.t === 'w' && next?.t === 'op' && next.op === ')') {
        // S4: `f()` function definition header.
        acc.uncertain = true;
        cmd = [];
        k++;
        prevOp = null;
        continue;
      }
      if (cmd.length > 0 && cmd.every((x) => x.t === 'w' && x.w.plain && COMPOUND_PREFIX.has(x.w.text))) {
        cmd = []; // `then (…)`, `! (…)`, `do (…)`: reserved words before a subshell
      } else if (cmd.length > 0) {
        acc.uncertain = true; // `word (` is not a simple command bash would run as such
        flush(null);
      }
      stack.push(dir);
      prevOp = '(';
      continue;
    }
    if (tok.op === ')') {
      flush(')');
      const outer = stack.pop();
      if (outer !== undefined) dir = outer; // an unbalanced `)` is a case pattern: ignored
      prevOp = ')';
      continue;
    }
    flush(tok.op);
    prevOp = tok.op;
  }
  flush(null);
  if (stack.length > 0) acc.failed = true; // unclosed subshell
};

/** Stdin of a simple command, as far as a shell reading its script from stdin cares (S6, X7 b). */
type Stdin = { kind: 'script'; text: string } | { kind: 'file' } | { kind: 'inherited' };

/** One simple command (S2–S8): substitutions first, then the command word. Returns its `cd` effect (H1). */
const simpleCommand = (toks: ReadonlyArray<Tok>, depth: number, dir: DirState, acc: Acc): CdEffect => {
  const words: Word[] = [];
  let stdin: Stdin = { kind: 'inherited' };
  const subs: string[] = [];
  for (let k = 0; k < toks.length; k++) {
    const tok = toks[k] as Tok;
    if (tok.t === 'w') {
      words.push(tok.w);
      subs.push(...tok.w.subs);
      continue;
    }
    if (tok.t !== 'r') continue;
    if (tok.here !== null) {
      subs.push(...tok.here.subs);
      stdin = { kind: 'script', text: tok.here.text };
      continue;
    }
    // S3: a redirection and its target word are skipped wherever they appear.
    const target = toks[k + 1];
    if (target?.t === 'w') {
      subs.push(...target.w.subs);
      k++;
      if (tok.op === '<<<') stdin = { kind: 'script', text: target.w.text };
      else if (tok.op === '<' || tok.op === '<>') stdin = { kind: 'file' };
    }
  }
  for (const body of subs) classifyText(body, depth + 1, dir, acc); // S2
  return commandWord(words, 0, depth, dir, acc, stdin, { hints: [], uncertain: false, xargs: false });
};

/** Hints gathered by wrappers between the chain's directory and the command word (`env -C`, H2). */
interface Local {
  hints: DirHint[];
  uncertain: boolean;
  xargs: boolean;
}

/** Value of an option word `--name=value` or `-Xvalue`, or the next word. Returns [value or null, next index]. */
const optValue = (words: ReadonlyArray<Word>, k: number, joined: string | null): [Word | null, number] => {
  if (joined !== null) {
    const w = words[k] as Word;
    return [{ ...w, text: joined, dynamic: joined.includes(DYN) }, k + 1];
  }
  return [words[k + 1] ?? null, k + 2];
};

/** Quote a word's text for a command string built from words (`sudo -s`, `env -S` extra args). */
const requote = (w: Word): string => (w.dynamic ? w.text : `'${w.text.replace(/'/g, `'\\''`)}'`);

/**
 * S3–S8 and G1: walk from the command position of `words` (index `i`) through reserved words and wrappers to
 * the command word, and act on it. Returns a `cd` effect for H1.
 */
const commandWord = (
  words: ReadonlyArray<Word>,
  i: number,
  depth: number,
  dir: DirState,
  acc: Acc,
  stdin: Stdin,
  local: Local,
): CdEffect => {
  while (i < words.length && isAssignment(words[i] as Word)) i++; // S3
  for (;;) {
    const w = words[i];
    if (w === undefined) return null;
    // S4 reserved words (only when written plainly, as bash requires).
    if (w.plain && RESERVED.has(w.text)) {
      if (w.text === 'for' || w.text === 'select' || w.text === 'case') {
        acc.uncertain = true;
        return null;
      }
      if (w.text === 'function') {
        acc.uncertain = true;
        i += 2;
        continue;
      }
      i++;
      if (w.text === 'time') while (words[i]?.plain && (words[i] as Word).text === '-p') i++;
      while (i < words.length && isAssignment(words[i] as Word)) i++; // `time A=1 git push`, `! A=1 …`
      continue;
    }
    if (w.dynamic) {
      // G1: `$GIT push`, `"$(which git)" push`: the command word is not known.
      acc.uncertain = true;
      return null;
    }
    const name = w.text;
    const base = lastSegment(name);
    // S5 wrappers.
    switch (name) {
      case 'command': {
        let k = i + 1;
        for (; k < words.length; k++) {
          const o = (words[k] as Word).text;
          if (o === '--') {
            k++;
            break;
          }
          if (!/^-[pvV]+$/.test(o)) break;
          if (/[vV]/.test(o)) return null; // `command -v git`: nothing is executed
        }
        i = k;
        continue;
      }
      case 'builtin':
        i++;
        continue;
      case 'exec': {
        let k = i + 1;
        for (; k < words.length; k++) {
          const o = (words[k] as Word).text;
          if (o === '--') {
            k++;
            break;
          }
          if (o === '-a') {
            k++;
            continue;
          }
          if (!/^-[cl]+$/.test(o)) break;
        }
        i = k;
        continue;
      }
      case 'eval': {
        // S7: arguments joined by single spaces, one level deeper.
        let k = i + 1;
        if (words[k]?.text === '--') k++;
        const script = words.slice(k).map((x) => x.text).join(' ');
        classifyText(script, depth + 1, withLocal(dir, local), acc);
        return null;
      }
      case 'cd':
      case 'pushd': {
        let k = i + 1;
        while (k < words.length && /^-[LPe@]+$/.test((words[k] as Word).text)) k++;
        if (words[k]?.text === '--') k++;
        const target = words[k];
        if (target === undefined || target.dynamic || target.text === '-' || target.text.startsWith('~'))
          return { path: null };
        if (name === 'pushd' && /^[+-][0-9]+$/.test(target.text)) return { path: null };
        return { path: target.text };
      }
      case 'popd':
        return { path: null };
    }
    switch (base) {
      case 'nohup':
        i++;
        if (words[i]?.text === '--') i++;
        continue;
      case 'time': {
        i++;
        for (;;) {
          const o = words[i]?.text;
          if (o === '-p' || o === '-v' || o === '--verbose' || o === '--portability' || o === '-a' || o === '--append') i++;
          else if (o === '-f' || o === '-o' || o === '--format' || o === '--output') i += 2;
          else if (o !== undefined && /^--(format|output)=/.test(o)) i++;
          else if (o === '--') {
            i++;
            break;
          } else break;
        }
        continue;
      }
      case 'env': {
        let k = i + 1;
        for (;;) {
          const ow = words[k];
          if (ow === undefined) break;
          const o = ow.text;
          if (o === '--') {
            k++;
            break;
          }
          if (o === '-' || o === '--ignore-environment' || o === '--null' || o === '--debug') {
            k++;
            continue;
          }
          const long = /^--(unset|chdir|split-string)(?:=([\s\S]*))?$/.exec(o);
          let letter: string | null = null;
          let joined: string | null = null;
          if (long) {
            letter = long[1] === 'unset' ? 'u' : long[1] === 'chdir' ? 'C' : 'S';
            joined = long[2] ?? null;
          } else if (/^-[^-]/.test(o)) {
            // cluster of flags; u, C and S take the rest of the word or the next word
            let p = 1;
            while (p < o.length && '0iv'.includes(o[p] as string)) p++;
            if (p === o.length) {
              k++;
              continue;
            }
            letter = o[p] as string;
            if (!'uCS'.includes(letter)) {
              k++; // unknown flag: skipped
              continue;
            }
            joined = p + 1 < o.length ? o.slice(p + 1) : null;
          } else if (o.startsWith('--')) {
            k++;
            continue;
          } else if (isAssignment(ow)) {
            k++;
            continue;
          } else break;
          const [val, next] = optValue(words, k, joined);
          if (letter === 'C') {
            if (val === null || val.dynamic) local.uncertain = true;
            else local.hints.push({ kind: 'env-C', path: val.text });
          } else if (letter === 'S') {
            const rest = words.slice(next).map(requote);
            const script = [val?.text ?? '', ...rest].join(' ');
            classifyText(script, depth + 1, withLocal(dir, local), acc);
            return null;
          }
          k = next;
        }
        i = k;
        continue;
      }
      case 'nice': {
        let k = i + 1;
        for (;;) {
          const o = words[k]?.text;
          if (o === undefined) break;
          if (/^-[0-9]+$/.test(o) || /^-n.+$/.test(o) || /^--adjustment=/.test(o)) k++;
          else if (o === '-n' || o === '--adjustment') k += 2;
          else if (o === '--') {
            k++;
            break;
          } else break;
        }
        i = k;
        continue;
      }
      case 'timeout': {
        let k = i + 1;
        for (;;) {
          const o = words[k]?.text;
          if (o === undefined) break;
          if (o === '--preserve-status' || o === '--foreground' || o === '-v' || o === '--verbose') k++;
          else if (o === '-s' || o === '--signal' || o === '-k' || o === '--kill-after') k += 2;
          else if (/^-[sk].+$/.test(o) || /^--(signal|kill-after)=/.test(o)) k++;
          else if (o === '--') {
            k++;
            break;
          } else break;
        }
        i = k + 1; // exactly one duration word
        continue;
      }
      case 'stdbuf': {
        let k = i + 1;
        for (;;) {
          const o = words[k]?.text;
          if (o === undefined) break;
          if (o === '-i' || o === '-o' || o === '-e' || o === '--input' || o === '--output' || o === '--error') k += 2;
          else if (/^-[ioe].+$/.test(o) || /^--(input|output|error)=/.test(o)) k++;
          else if (o === '--') {
            k++;
            break;
          } else break;
        }
        i = k;
        continue;
      }
      case 'sudo':
      case 'doas': {
        let k = i + 1;
        let shell = false;
        const longWithValue = new Set([
          '--user', '--group', '--host', '--prompt', '--close-from', '--chdir', '--role', '--type', '--other-user',
          '--command-timeout',
        ]);
        for (;;) {
          const o = words[k]?.text;
          if (o === undefined) break;
          if (o === '--') {
            k++;
            break;
          }
          if (o.startsWith('--')) {
            if (o === '--shell' || o === '--login') shell = true;
            k += !o.includes('=') && longWithValue.has(o) ? 2 : 1;
            continue;
          }
          if (!/^-./.test(o)) break;
          let consumed = 1;
          for (let p = 1; p < o.length; p++) {
            const l = o[p] as string;
            if ('ughpCDrtUT'.includes(l)) {
              if (p + 1 === o.length) consumed = 2; // the value is the next word
              break;
            }
            if (l === 's' || l === 'i') shell = true;
          }
          k += consumed;
        }
        while (k < words.length && isAssignment(words[k] as Word)) k++;
        if (shell) {
          if (k < words.length) {
            const script = words.slice(k).map((x) => x.text).join(' ');
            classifyText(script, depth + 1, withLocal(dir, local), acc);
          }
          return null;
        }
        i = k;
        continue;
      }
      case 'xargs': {
        let k = i + 1;
        for (;;) {
          const o = words[k]?.text;
          if (o === undefined) break;
          if (o === '--') {
            k++;
            break;
          }
          if (!o.startsWith('-') || o === '-') break;
          if (/^-[ILnPsdEa]$/.test(o)) k += 2;
          else k++;
        }
        local.xargs = true;
        i = k;
        continue;
      }
    }
    if (SHELLS.has(base)) return shellCommand(words, i + 1, depth, dir, acc, stdin, local);
    if (base === 'git' || base === 'git.exe') return gitCommand(words, i + 1, false, dir, acc, local);
    if (base === 'git-push') return gitCommand(words, i + 1, true, dir, acc, local);
    return null; // S8: anything else is data
  }
};

const withLocal = (dir: DirState, local: Local): DirState =>
  local.hints.length === 0 && !local.uncertain
    ? dir
    : { hints: [...dir.hints, ...local.hints], uncertain: dir.uncertain || local.uncertain };

/** S6: a shell interpreter; `i` is the index after its command word. */
const shellCommand = (
  words: ReadonlyArray<Word>,
  i: number,
  depth: number,
  dir: DirState,
  acc: Acc,
  stdin: Stdin,
  local: Local,
): CdEffect => {
  let cMode = false;
  let sMode = false;
  let k = i;
  for (; k < words.length; k++) {
    const o = (words[k] as Word).text;
    if (o === '--' || o === '-') {
      k++;
      break;
    }
    if (o === '-o' || o === '+o' || o === '-O' || o === '+O' || o === '--rcfile' || o === '--init-file') {
      k++;
      continue;
    }
    if (o.startsWith('--')) continue;
    if (/^[-+]./.test(o)) {
      if (o.startsWith('-') && o.slice(1).includes('c')) cMode = true;
      else if (o.startsWith('-') && o.slice(1).includes('s')) sMode = true; // `bash -s args`: script on stdin
      continue;
    }
    break;
  }
  const script = words[k];
  const d = withLocal(dir, local);
  if (cMode) {
    if (script !== undefined) classifyText(script.text, depth + 1, d, acc);
    return null;
  }
  if (script !== undefined && !sMode) return null; // a script file: opaque
  if (stdin.kind === 'script') classifyText(stdin.text, depth + 1, d, acc);
  else if (stdin.kind === 'inherited') acc.uncertain = true; // reads a script from a pipe or the terminal
  return null;
};

// ───────────────────────────────────────── git push (§6.4, §6.5, §6.6) ─────────────────────────────────────────

/**
 * G2–G4: skip git's global options (recording directory hints), check the subcommand and parse the push.
 * `direct` is true for the `git-push` command word, whose arguments are push arguments.
 */
const gitCommand = (
  words: ReadonlyArray<Word>,
  i: number,
  direct: boolean,
  dir: DirState,
  acc: Acc,
  local: Local,
): CdEffect => {
  const hints: DirHint[] = [...dir.hints, ...local.hints];
  let uncertainDir = dir.uncertain || local.uncertain;
  const hint = (kind: DirHint['kind'], w: Word | null | undefined): void => {
    if (w === null || w === undefined || w.dynamic) uncertainDir = true;
    else hints.push({ kind, path: w.text });
  };
  let k = i;
  if (!direct) {
    for (;;) {
      const w = words[k];
      if (w === undefined) return null;
      const o = w.text;
      if (!o.startsWith('-')) break;
      if (o === '-C') {
        hint('git-C', words[k + 1]);
        k += 2;
      } else if (o === '-c' || o === '--config-env' || o === '--namespace') {
        k += 2;
      } else if (o === '--git-dir' || o === '--work-tree') {
        hint(o === '--git-dir' ? 'git-dir' : 'work-tree', words[k + 1]);
        k += 2;
      } else if (o.startsWith('--git-dir=') || o.startsWith('--work-tree=')) {
        const eq = o.indexOf('=');
        const val = o.slice(eq + 1);
        hint(o.startsWith('--git-dir') ? 'git-dir' : 'work-tree', { ...w, text: val, dynamic: val.includes(DYN) });
        k++;
      } else {
        k++; // every other global option takes no value, or only in its `=` form
      }
    }
    const sub = words[k] as Word;
    if (sub.dynamic) {
      acc.uncertain = true; // `git $CMD …`
      return null;
    }
    if (sub.text !== 'push') return null; // G3
    k++;
  }
  const parsed = parsePushArgs(words.slice(k));
  if (parsed === 'help') return null; // G4
  if (local.xargs) {
    acc.uncertain = true; // S5: xargs appends arguments read from its input
    return null;
  }
  if (parsed === 'dry-run') {
    acc.dryRun = true;
    return null;
  }
  acc.invs.push({
    remote: parsed.remote,
    dir_hints: hints,
    dir_uncertain: uncertainDir,
    force: parsed.force,
    no_verify: parsed.no_verify,
    broad: parsed.broad,
    targets: parsed.targets,
    fallback: false,
  });
  return null;
};

/** Long options of git-push(1) (builtin/push.c): whether each takes a required value. */
const PUSH_LONG: ReadonlyMap<string, boolean> = new Map([
  ['all', false], ['branches', false], ['mirror', false], ['delete', false], ['tags', false], ['dry-run', false],
  ['porcelain', false], ['force', false], ['force-with-lease', false], ['force-if-includes', false],
  ['repo', true], ['recurse-submodules', true], ['thin', false], ['receive-pack', true], ['exec', true],
  ['set-upstream', false], ['progress', false], ['prune', false], ['no-verify', false], ['verify', false],
  ['follow-tags', false], ['signed', false], ['atomic', false], ['push-option', true], ['ipv4', false],
  ['ipv6', false], ['quiet', false], ['verbose', false], ['help', false],
]);

/**
 * Resolve a long option name as git's parse-options does: an exact name (or its `no-` negation) wins, else a
 * unique prefix of one option (gitcli(7): long options may be abbreviated). Returns the canonical name and
 * whether it was negated, or null when unknown or ambiguous.
 */
const longOption = (name: string): { opt: string; neg: boolean } | null => {
  if (PUSH_LONG.has(name)) return { opt: name, neg: false };
  if (name.startsWith('no-') && PUSH_LONG.has(name.slice(3))) return { opt: name.slice(3), neg: true };
  const hits: { opt: string; neg: boolean }[] = [];
  for (const opt of PUSH_LONG.keys()) {
    if (opt.startsWith(name)) hits.push({ opt, neg: false });
    else if (name.startsWith('no-') && name.length > 3 && opt.startsWith(name.slice(3))) hits.push({ opt, neg: true });
  }
  return hits.length === 1 ? (hits[0] as { opt: string; neg: boolean }) : null;
};

type ParsedPush = 'help' | 'dry-run' | Omit<PushInvocation, 'dir_hints' | 'dir_uncertain' | 'fallback'>;

/** §6.5 options, then §6.6 refspecs, over the words after `push`. */
const parsePushArgs = (args: ReadonlyArray<Word>): ParsedPush => {
  let force = false;
  let del = false;
  let dry = false;
  let noVerify = false;
  let all = false;
  let tags = false;
  let followTags = false;
  let repo: Word | null = null;
  const positionals: Word[] = [];
  let endOpts = false;
  for (let k = 0; k < args.length; k++) {
    const w = args[k] as Word;
    const o = w.text;
    if (endOpts || !o.startsWith('-') || o === '-') {
      positionals.push(w);
      continue;
    }
    if (o === '--' || o === '--end-of-options') {
      endOpts = true;
      continue;
    }
    if (o.startsWith('--')) {
      const eq = o.indexOf('=');
      const name = eq < 0 ? o.slice(2) : o.slice(2, eq);
      const lo = longOption(name);
      if (lo === null) continue; // any other option: ignored, no value
      const on = !lo.neg;
      let value: Word | null = null;
      if (PUSH_LONG.get(lo.opt) === true && !lo.neg) {
        if (eq >= 0) value = { ...w, text: o.slice(eq + 1), dynamic: o.slice(eq + 1).includes(DYN) };
        else {
          value = args[k + 1] ?? null;
          k++;
        }
      }
      switch (lo.opt) {
        case 'help':
          return 'help';
        case 'force':
        case 'force-with-lease':
        case 'force-if-includes':
          force = on;
          break;
        case 'delete':
          del = on;
          break;
        case 'tags':
          tags = on;
          break;
        case 'follow-tags':
          followTags = on;
          break;
        case 'all':
        case 'branches':
          all = on;
          break;
        case 'mirror':
          if (on) {
            all = true;
            tags = true;
          }
          break;
        case 'dry-run':
          dry = on;
          break;
        case 'no-verify':
          noVerify = on;
          break;
        case 'verify':
          noVerify = !on;
          break;
        case 'repo':
          if (value !== null) repo = value;
          break;
      }
      continue;
    }
    // short options, possibly clustered (`-fu`)
    if (o === '-h') return 'help';
    for (let p = 1; p < o.length; p++) {
      const l = o[p];
      if (l === 'f') force = true;
      else if (l === 'd') del = true;
      else if (l === 'n') dry = true;
      else if (l === 'o') {
        if (p + 1 === o.length) k++; // the value is the next word
        break;
      }
    }
  }
  if (dry) return 'dry-run';
  const remoteWord = positionals[0] ?? repo;
  const remote = remoteWord === null || remoteWord.dynamic ? null : remoteWord.text;
  let broadAll = all;
  let broadTags = tags;
  const targets: PushTarget[] = [];
  const refspecs = positionals.slice(1);
  for (let r = 0; r < refspecs.length; r++) {
    const w = refspecs[r] as Word;
    let text = w.text;
    const next = refspecs[r + 1];
    if (text === 'tag' && next !== undefined) {
      // git-push(1): `tag <tag>` means the same as `refs/tags/<tag>:refs/tags/<tag>`.
      r++;
      text = next.dynamic ? DYN : `refs/tags/${next.text}:refs/tags/${next.text}`;
    }
    let plus = false;
    if (text.startsWith('+')) {
      plus = true; // R1
      text = text.slice(1);
    }
    if (text.startsWith('^')) continue; // R2
    const colon = text.indexOf(':');
    const src = colon < 0 ? text : text.slice(0, colon);
    const dst = colon < 0 ? null : text.slice(colon + 1);
    const tf = plus || force;
    if (del) {
      // R5: each refspec word (or its dst) is a deletion
      targets.push({ src: { kind: 'none' }, dst: dstKind(dst === null || dst === '' ? src : dst), op: 'delete', force: tf });
      continue;
    }
    if (colon >= 0 && src === '') {
      if (dst === '') broadAll = true; // `:` alone is the "matching" refspec
      else targets.push({ src: { kind: 'none' }, dst: dstKind(dst as string), op: 'delete', force: tf }); // R3
      continue;
    }
    if (src.includes('*')) {
      // R6 pattern refspec
      const d = dst === null || dst === '' ? src : dst;
      if (d.startsWith('refs/tags/')) broadTags = true;
      else broadAll = true;
      continue;
    }
    targets.push({
      src: srcKind(src),
      dst: dst === null || dst === '' ? { kind: 'same' } : dstKind(dst),
      op: 'update',
      force: tf,
    });
  }
  // R8. `--follow-tags` pushes tags *in addition to* what would be pushed, so it does not suppress the
  // current-branch target (git-push(1)); `--tags`, `--all`, `--mirror` and pattern refspecs do.
  if (refspecs.length === 0 && !broadAll && !broadTags)
    targets.push({ src: { kind: 'current' }, dst: { kind: 'same' }, op: 'update', force });
  if (followTags) broadTags = true;
  const broad: Broad[] = [];
  if (broadAll) broad.push('all');
  if (broadTags) broad.push('tags');
  return { remote, force, no_verify: noVerify, broad, targets };
};

/** R7 src kinds. */
const srcKind = (s: string): PushSrc => {
  if (s.includes(DYN)) return { kind: 'unknown' };
  if (s.includes('~') || s.includes('^') || s.includes('@{')) return { kind: 'expr', expr: s };
  if (s === 'HEAD' || s === '@') return { kind: 'head', text: s };
  if (s.startsWith('refs/')) return { kind: 'ref', ref: s };
  if (/^[0-9a-fA-F]{4,64}$/.test(s)) return { kind: 'expr', expr: s };
  return { kind: 'name', name: s };
};

/** R7 dst kinds. */
const dstKind = (s: string): PushDst => {
  if (s.includes(DYN)) return { kind: 'unknown' };
  if (s.startsWith('refs/')) return { kind: 'ref', ref: s };
  return { kind: 'name', name: s };
};

// ───────────────────────────────────────── fallback (§6.8) and entry point (§6.1) ─────────────────────────────────────────

/**
 * F2: true when `raw`, split into maximal runs of characters other than whitespace and
 * `; & | ( ) < > \` ' " { } $ =`, has a token whose last path segment is `git` or `git.exe` followed anywhere
 * later by the token `push`, or the token `git-push`. Linear in the input.
 */
export const hasGitPushTokens = (raw: unknown): boolean => {
  if (typeof raw !== 'string') return false;
  let seenGit = false;
  for (const tok of raw.split(/[\s;&|()<>`'"{}$=]+/)) {
    if (tok === 'git-push') return true;
    if (seenGit && tok === 'push') return true;
    const seg = lastSegment(tok);
    if (seg === 'git' || seg === 'git.exe') seenGit = true;
  }
  return false;
};

/**
 * Classify a shell command string as a `git push` or not (push-gate.md §6).
 *
 * @param command the Bash command text (`tool_input.command`); any non-string is `NotPush no-git-push`.
 * @returns `NotPush {reason}` or `Push {confidence, invocations, fallback}`:
 *   - exact parse with pushes → `Push exact` with every invocation found, in execution order (substitutions of a
 *     simple command before the command itself);
 *   - a parse that failed (X8: unterminated quote or substitution, nesting deeper than `MAX_NESTING`, input
 *     longer than `MAX_COMMAND_CHARS`) or found an uncertain segment (S4 headers, dynamic command words,
 *     `xargs git push`, a shell reading a pipe) → `Push fallback` with the exact invocations it did find followed
 *     by one current-branch invocation, when the raw text has a git…push token sequence (F1, F2); otherwise the
 *     exact invocations alone, or `NotPush` (F4);
 *   - only dry-run pushes → `NotPush git-dry-run` (§6.5); nothing → `NotPush no-git-push` (F3).
 * Total (never throws), deterministic, linear in the input size.
 */
export const classifyPushCommand = (command: unknown): PushClassification => {
  if (typeof command !== 'string') return NOT_PUSH;
  const fallbackOnly = (cause: FallbackCause): PushClassification =>
    hasGitPushTokens(command)
      ? { _tag: 'Push', confidence: 'fallback', invocations: [fallbackInvocation()], fallback: cause }
      : NOT_PUSH;
  if (command.length > MAX_COMMAND_CHARS) return fallbackOnly('too-long');
  try {
    const acc: Acc = { invs: [], failed: false, uncertain: false, dryRun: false };
    classifyText(command, 0, { hints: [], uncertain: false }, acc);
    if ((acc.failed || acc.uncertain) && hasGitPushTokens(command))
      return {
        _tag: 'Push',
        confidence: 'fallback',
        invocations: [...acc.invs, fallbackInvocation()],
        fallback: acc.failed ? 'parse-failed' : 'uncertain',
      };
    if (acc.invs.length > 0) return { _tag: 'Push', confidence: 'exact', invocations: acc.invs, fallback: null };
    return acc.dryRun ? DRY_RUN : NOT_PUSH;
  } catch {
    // Defensive: an engine limit (e.g. stack) counts as a failed parse.
    return fallbackOnly('parse-failed');
  }
};

/**
 * The command text of a PreToolUse `tool_input` (§6.1 item 1): `command` when it is a string, else Claude's
 * `cmd`, else null. An argv array of strings (older Codex shell calls such as `["bash", "-lc", "…"]`) is rendered
 * as one command line with every element single-quoted, so `bash -lc` scripts are still read by rule S6.
 */
export const commandFromToolInput = (toolInput: unknown): string | null => {
  if (typeof toolInput !== 'object' || toolInput === null) return null;
  const o = toolInput as Record<string, unknown>;
  for (const key of ['command', 'cmd']) {
    const v = o[key];
    if (typeof v === 'string') return v;
    if (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string'))
      return (v as string[]).map((x) => `'${x.replace(/'/g, `'\\''`)}'`).join(' ');
  }
  return null;
};

// ───────────────────────────────────────── directory of an invocation (§6.7) ─────────────────────────────────────────

/** POSIX path join + normalisation (`.`, `..`, repeated `/`), pure. `base` should be absolute. */
const joinPosix = (base: string, p: string): string => {
  const parts = (p.startsWith('/') ? p : `${base}/${p}`).split('/');
  const out: string[] = [];
  for (const part of parts) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return `/${out.join('/')}`;
};

/**
 * Where an invocation runs (§6.7 H1, H2): apply its directory hints in order to the payload's `cwd` (an absolute
 * POSIX path). `cd`, `env -C` and `git -C` change the directory; `--git-dir` and `--work-tree` are resolved
 * against the directory at that point. Pure string arithmetic (no symlink resolution).
 * @returns `{dir, git_dir, work_tree}`; `git_dir`/`work_tree` are null when not given.
 */
export const resolveInvocationDir = (
  cwd: string,
  hints: ReadonlyArray<DirHint>,
): { dir: string; git_dir: string | null; work_tree: string | null } => {
  let dir = joinPosix('/', cwd);
  let gitDir: string | null = null;
  let workTree: string | null = null;
  for (const h of hints) {
    if (h.kind === 'git-dir') gitDir = joinPosix(dir, h.path);
    else if (h.kind === 'work-tree') workTree = joinPosix(dir, h.path);
    else dir = joinPosix(dir, h.path);
  }
  return { dir, git_dir: gitDir, work_tree: workTree };
};

// ───────────────────────────────────────── destination resolution (§6.9) ─────────────────────────────────────────

const Oid = t.string;
/**
 * Answer of the refs probe (§6.9), decoded at the boundary:
 * - `head_branch`: short name of the current branch (`git symbolic-ref --short HEAD`), null when HEAD is detached;
 * - `head_oid`: `git rev-parse HEAD`, null in an unborn repository;
 * - `branches` / `tags`: every local branch / tag, short name → object id (`git for-each-ref refs/heads refs/tags`);
 * - `objects`: `git rev-parse --verify` of each string `refsProbeExpressions` lists, null when it does not resolve.
 */
export const RefsFacts = t.type({
  head_branch: t.union([t.string, t.null]),
  head_oid: t.union([Oid, t.null]),
  branches: t.record(t.string, Oid),
  tags: t.record(t.string, Oid),
  objects: t.record(t.string, t.union([Oid, t.null])),
});
export type RefsFacts = t.TypeOf<typeof RefsFacts>;

/** Decode a refs-probe answer; null when it does not match `RefsFacts`. */
export const decodeRefsFacts = (u: unknown): RefsFacts | null => {
  const r = RefsFacts.decode(u);
  return isRight(r) ? r.right : null;
};

/** A deploy-ref entry of the configuration (§3.1): a pattern and its lane mode. */
export interface DeployRefEntry {
  readonly pattern: string;
  readonly lane: 'per-ref' | 'shared';
}

/** §3.2 N1: a full ref name, or a prefix followed by one final `*` that matches strictly longer refs. */
export const patternMatches = (pattern: string, ref: string): boolean =>
  pattern.endsWith('*') ? ref.length > pattern.length - 1 && ref.startsWith(pattern.slice(0, -1)) : pattern === ref;

/** One gated destination after §6.9. `src_oid` is D9's local source object id (null when unknown). */
export interface ResolvedTarget {
  readonly ref: string;
  readonly src_oid: string | null;
  readonly force: boolean;
  readonly remote: string | null;
  /** Index of the invocation in the classification. */
  readonly invocation: number;
  /** `exact` refspec, `broad` (D8 `all`), or `fallback` (current branch standing in for something unknown). */
  readonly via: 'exact' | 'broad' | 'fallback';
}

/** A shared lane contributed by `broad: tags` (D8): `lane` is `deploy:` followed by the pattern (§3.2 N3). */
export interface SharedLaneTarget {
  readonly lane: string;
  readonly pattern: string;
  readonly force: boolean;
  readonly remote: string | null;
  readonly invocation: number;
}

/** Output of `resolveDestinations`. */
export interface Resolution {
  /** `fallback` when the classification was, or when D7 replaced an unknown side by the current branch. */
  readonly confidence: 'exact' | 'fallback';
  /** Gated destinations, first occurrence order, one per ref (force flags merged). */
  readonly targets: ReadonlyArray<ResolvedTarget>;
  readonly shared_lanes: ReadonlyArray<SharedLaneTarget>;
  /** Destinations deleted (never gated, PP8/§6.9), as typed or as full refs. */
  readonly deletions: ReadonlyArray<string>;
  /** Targets that resolve to nothing git would push: detached HEAD (D2) or an expression without dst (D6). */
  readonly skipped: ReadonlyArray<{ readonly invocation: number; readonly reason: 'detached-head' | 'expr-needs-destination' }>;
}

const own = <V>(rec: Readonly<Record<string, V>>, key: string): V | undefined =>
  Object.prototype.hasOwnProperty.call(rec, key) ? rec[key] : undefined;

/**
 * The strings the refs probe must `rev-parse` beyond the branch/tag listing (D9): every `expr` source and every
 * `ref` source outside `refs/heads/` and `refs/tags/`, in first-occurrence order. Empty for `NotPush`.
 */
export const refsProbeExpressions = (c: PushClassification): string[] => {
  if (c._tag !== 'Push') return [];
  const out: string[] = [];
  for (const inv of c.invocations)
    for (const tg of inv.targets) {
      const s =
        tg.src.kind === 'expr'
          ? tg.src.expr
          : tg.src.kind === 'ref' && !tg.src.ref.startsWith('refs/heads/') && !tg.src.ref.startsWith('refs/tags/')
            ? tg.src.ref
            : null;
      if (s !== null && !out.includes(s)) out.push(s);
    }
  return out;
};

/**
 * Destination resolution (push-gate.md §6.9, rules D1–D9).
 *
 * @param c a classification from `classifyPushCommand`; `NotPush` resolves to nothing.
 * @param refs the decoded refs-probe answer (`RefsFacts`).
 * @param deployRefs the configured deploy-ref entries in match order (§3.1), used by D8 only.
 * @returns the gated destination refs with their local source ids, the shared lanes of `broad: tags`, the
 *   deletions (never gated) and the targets git would not push. Pure and total over decoded facts.
 */
export const resolveDestinations = (
  c: PushClassification,
  refs: RefsFacts,
  deployRefs: ReadonlyArray<DeployRefEntry>,
): Resolution => {
  const targets: ResolvedTarget[] = [];
  const shared: SharedLaneTarget[] = [];
  const deletions: string[] = [];
  const skipped: { invocation: number; reason: 'detached-head' | 'expr-needs-destination' }[] = [];
  if (c._tag !== 'Push') return { confidence: 'exact', targets, shared_lanes: shared, deletions, skipped };
  let fallback = c.confidence === 'fallback';
  const add = (t0: ResolvedTarget): void => {
    const k = targets.findIndex((x) => x.ref === t0.ref);
    if (k < 0) targets.push(t0);
    else if (t0.force && !(targets[k] as ResolvedTarget).force) targets[k] = { ...(targets[k] as ResolvedTarget), force: true };
  };
  const refOid = (ref: string): string | null => {
    if (ref.startsWith('refs/heads/')) return own(refs.branches, ref.slice(11)) ?? own(refs.objects, ref) ?? null;
    if (ref.startsWith('refs/tags/')) return own(refs.tags, ref.slice(10)) ?? own(refs.objects, ref) ?? null;
    return own(refs.objects, ref) ?? null;
  };
  c.invocations.forEach((inv, n) => {
    const base = { remote: inv.remote, invocation: n };
    const current = (force: boolean, via: ResolvedTarget['via']): void => {
      // D2
      if (refs.head_branch === null) skipped.push({ invocation: n, reason: 'detached-head' });
      else add({ ...base, ref: `refs/heads/${refs.head_branch}`, src_oid: refs.head_oid, force, via });
    };
    for (const tg of inv.targets) {
      if (tg.op === 'delete') {
        deletions.push(tg.dst.kind === 'ref' ? tg.dst.ref : tg.dst.kind === 'name' ? tg.dst.name : '?');
        continue;
      }
      const { src, dst, force } = tg;
      if (src.kind === 'unknown' || dst.kind === 'unknown') {
        fallback = true; // D7
        current(force, 'fallback');
        continue;
      }
      if (inv.fallback) {
        current(force, 'fallback'); // the F1 invocation
        continue;
      }
      // source object id and whether the source is a tag (D5, D9)
      let srcOid: string | null = null;
      let srcIsTag = false;
      let srcIsBranch = false;
      switch (src.kind) {
        case 'current':
        case 'head':
          srcOid = refs.head_oid;
          break;
        case 'ref':
          srcOid = refOid(src.ref);
          srcIsTag = src.ref.startsWith('refs/tags/');
          break;
        case 'name': {
          const b = own(refs.branches, src.name);
          const tg2 = own(refs.tags, src.name);
          srcIsBranch = b !== undefined;
          srcIsTag = tg2 !== undefined;
          srcOid = b ?? tg2 ?? null;
          break;
        }
        case 'expr':
          srcOid = own(refs.objects, src.expr) ?? null;
          break;
        case 'none':
          continue;
      }
      if (dst.kind === 'ref') {
        add({ ...base, ref: dst.ref, src_oid: srcOid, force, via: 'exact' }); // D1
        continue;
      }
      if (dst.kind === 'name') {
        // D5 (a source that is both a branch and a tag: both destinations, as D4 does)
        if (srcIsTag) add({ ...base, ref: `refs/tags/${dst.name}`, src_oid: srcOid, force, via: 'exact' });
        if (!srcIsTag || srcIsBranch)
          add({ ...base, ref: `refs/heads/${dst.name}`, src_oid: srcOid, force, via: 'exact' });
        continue;
      }
      // dst same
      switch (src.kind) {
        case 'current':
        case 'head':
          current(force, 'exact'); // D2
          break;
        case 'ref':
          add({ ...base, ref: src.ref, src_oid: srcOid, force, via: 'exact' }); // D3
          break;
        case 'name': {
          // D4
          const b = own(refs.branches, src.name);
          const tg2 = own(refs.tags, src.name);
          if (b !== undefined || tg2 === undefined)
            add({ ...base, ref: `refs/heads/${src.name}`, src_oid: b ?? null, force, via: 'exact' });
          if (tg2 !== undefined) add({ ...base, ref: `refs/tags/${src.name}`, src_oid: tg2, force, via: 'exact' });
          break;
        }
        case 'expr':
          skipped.push({ invocation: n, reason: 'expr-needs-destination' }); // D6
          break;
      }
    }
    // D8
    if (inv.broad.includes('all')) {
      for (const b of Object.keys(refs.branches).sort()) {
        const ref = `refs/heads/${b}`;
        const entry = deployRefs.find((e) => patternMatches(e.pattern, ref));
        if (entry !== undefined && entry.pattern.startsWith('refs/heads/'))
          add({ ...base, ref, src_oid: own(refs.branches, b) ?? null, force: inv.force, via: 'broad' });
      }
    }
    if (inv.broad.includes('tags')) {
      for (const e of deployRefs) {
        if (!e.pattern.startsWith('refs/tags/') || e.lane !== 'shared') continue;
        const lane = `deploy:${e.pattern}`;
        if (!shared.some((x) => x.lane === lane))
          shared.push({ lane, pattern: e.pattern, force: inv.force, remote: inv.remote, invocation: n });
      }
    }
  });
  return { confidence: fallback ? 'fallback' : 'exact', targets, shared_lanes: shared, deletions, skipped };
};

// ───────────────────────────────────────── git pre-push stdin (§7) ─────────────────────────────────────────

/** One well-formed pre-push line (§7 PP3–PP6); fields exactly as git wrote them. */
export interface PrePushLine {
  readonly local_ref: string;
  readonly local_oid: string;
  readonly remote_ref: string;
  readonly remote_oid: string;
  readonly op: 'create' | 'update' | 'delete';
}

/** Result of `parsePrePushInput` (§7 PP7). */
export type PrePushInput =
  | { readonly _tag: 'Unreadable'; readonly reason: 'not-text' | 'all-malformed'; readonly malformed: number }
  | { readonly _tag: 'Lines'; readonly lines: ReadonlyArray<PrePushLine>; readonly malformed: number };

const OID_RE = /^(?:[0-9a-fA-F]{40}|[0-9a-fA-F]{64})$/;
/** PP4: the all-zero id of either length means "none". */
export const isZeroOid = (oid: string): boolean => /^(?:0{40}|0{64})$/.test(oid);

/**
 * Parse the text git wrote to the pre-push hook's stdin (push-gate.md §7).
 *
 * @param stdin the text read until end of file; anything that is not a string (a terminal stdin, a read error,
 *   a timeout, reported by the adapter as null/undefined) is `Unreadable not-text` (PP1).
 * @returns `Lines` with the well-formed lines in input order and the count of malformed ones (PP2–PP6), or
 *   `Unreadable all-malformed` when every non-empty line is malformed (PP7). Empty input gives no lines.
 *   Total, linear in the input.
 */
export const parsePrePushInput = (stdin: unknown): PrePushInput => {
  if (typeof stdin !== 'string') return { _tag: 'Unreadable', reason: 'not-text', malformed: 0 };
  const lines: PrePushLine[] = [];
  let malformed = 0;
  for (const raw of stdin.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw; // PP2
    const trimmed = line.trim();
    if (trimmed === '') continue;
    const f = trimmed.split(/\s+/);
    if (f.length !== 4) {
      malformed++; // PP3
      continue;
    }
    const [localRef, localOid, remoteRef, remoteOid] = f as [string, string, string, string];
    if (!OID_RE.test(localOid) || !OID_RE.test(remoteOid) || !remoteRef.startsWith('refs/')) {
      malformed++; // PP4, PP5
      continue;
    }
    const op: PrePushLine['op'] =
      localRef === '(delete)' || isZeroOid(localOid) ? 'delete' : isZeroOid(remoteOid) ? 'create' : 'update'; // PP6
    lines.push({ local_ref: localRef, local_oid: localOid, remote_ref: remoteRef, remote_oid: remoteOid, op });
  }
  if (lines.length === 0 && malformed > 0) return { _tag: 'Unreadable', reason: 'all-malformed', malformed };
  return { _tag: 'Lines', lines, malformed };
};

/** PP8: the gated refs of parsed pre-push input: the remote ref of every create or update, in order, unique. */
export const prePushGatedRefs = (input: PrePushInput): string[] => {
  if (input._tag !== 'Lines') return [];
  const out: string[] = [];
  for (const l of input.lines) if (l.op !== 'delete' && !out.includes(l.remote_ref)) out.push(l.remote_ref);
  return out;
};
