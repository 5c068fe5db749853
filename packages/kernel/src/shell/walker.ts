/**
 * The shell command walker (push-gate.md §6.3 S1, S3): splits the lexer's tokens into simple commands and subshells,
 * tracking a caller's per-chain state, and takes one simple command apart into its words, the substitution bodies
 * it holds and where its stdin comes from. Shared by the push classifier and the action-claim command classifier.
 * Pure and total.
 */
import { COMPOUND_PREFIX, type Token, type Word } from './lexer.js';

/** Operators that join the commands of a pipeline. */
export const PIPE_OPS: ReadonlySet<string> = new Set(['|', '|&']);

/** The last `/`-separated segment of a path (a command word's basename). */
export const lastSegment = (s: string): string => {
  const k = s.lastIndexOf('/');
  return k < 0 ? s : s.slice(k + 1);
};

/** S3: a word that is an assignment `NAME=…` / `NAME+=…` whose `NAME=` is unquoted literal text. */
export const isAssignment = (w: Word): boolean => {
  const m = /^[A-Za-z_][A-Za-z0-9_]*\+?=/.exec(w.text);
  return m !== null && m[0].length <= w.plainPrefix;
};

/**
 * The tokens of the commands completed before a lex failure (X8): everything up to the last control operator other
 * than `(`; the command the failure interrupted is dropped.
 */
export const completedCommands = (tokens: ReadonlyArray<Token>): Token[] => {
  let k = tokens.length - 1;
  while (k >= 0) {
    const tok = tokens[k] as Token;
    if (tok.kind === 'operator' && tok.op !== '(') break;
    k--;
  }
  return tokens.slice(0, k + 1);
};

/**
 * Where one simple command sits: the control operators right before and after it (`null` at the edge of a list, and
 * after a subshell's `(` only as `'('`), and the source span between those operators (`to` exclusive; whitespace
 * and comments included).
 */
export interface CommandPlace {
  readonly prev: string | null;
  readonly next: string | null;
  readonly from: number;
  readonly to: number;
}

/** What a caller does with the commands the walker finds. */
export interface CommandVisitor<S> {
  /** One simple command's tokens (never empty) and the chain state before it; returns the chain state after it. */
  readonly command: (tokens: ReadonlyArray<Token>, state: S, place: CommandPlace) => S;
  /** A construct bash would not run as a simple command: a `f()` function header, or `word (` (S4). */
  readonly uncertain: () => void;
}

/**
 * S1: walk `tokens` (of a source `srcLength` characters long) as lists of simple commands and subshells, calling
 * `v.command` for each simple command in source order. A subshell starts from the state at its `(` and the state
 * after its `)` is the one before it. Reserved words directly before a `(` (`then (…)`, `! (…)`) are dropped.
 * @returns true when a subshell was left unclosed.
 */
export const walkCommands = <S>(tokens: ReadonlyArray<Token>, state0: S, srcLength: number, v: CommandVisitor<S>): boolean => {
  const stack: S[] = [];
  let state = state0;
  let cmd: Token[] = [];
  let prevOp: string | null = null;
  let from = 0;
  const flush = (nextOp: string | null, to: number): void => {
    if (cmd.length === 0) return;
    const c = cmd;
    cmd = [];
    state = v.command(c, state, { prev: prevOp, next: nextOp, from, to });
  };
  for (let k = 0; k < tokens.length; k++) {
    const tok = tokens[k] as Token;
    if (tok.kind !== 'operator') {
      cmd.push(tok);
      continue;
    }
    if (tok.op === '(') {
      const next = tokens[k + 1];
      if (cmd.length === 1 && cmd[0]?.kind === 'word' && next?.kind === 'operator' && next.op === ')') {
        // S4: `f()` function definition header.
        v.uncertain();
        cmd = [];
        k++;
        prevOp = null;
        from = next.end;
        continue;
      }
      if (cmd.length > 0 && cmd.every((x) => x.kind === 'word' && x.word.plain && COMPOUND_PREFIX.has(x.word.text))) {
        cmd = []; // `then (…)`, `! (…)`, `do (…)`: reserved words before a subshell
      } else if (cmd.length > 0) {
        v.uncertain(); // `word (` is not a simple command bash would run as such
        flush(null, tok.start);
      }
      stack.push(state);
      prevOp = '(';
      from = tok.end;
      continue;
    }
    if (tok.op === ')') {
      flush(')', tok.start);
      const outer = stack.pop();
      if (outer !== undefined) state = outer; // an unbalanced `)` is a case pattern: ignored
      prevOp = ')';
      from = tok.end;
      continue;
    }
    flush(tok.op, tok.start);
    prevOp = tok.op;
    from = tok.end;
  }
  flush(null, srcLength);
  return stack.length > 0;
};

/** Stdin of a simple command, as far as a shell reading its script from stdin cares (S6, X7 b). */
export type Stdin = { readonly kind: 'script'; readonly text: string } | { readonly kind: 'file' } | { readonly kind: 'inherited' };

/** A simple command taken apart (S2, S3): its words, the substitution bodies it holds (in order), and its stdin. */
export interface SimpleCommand {
  readonly words: ReadonlyArray<Word>;
  readonly subs: ReadonlyArray<string>;
  readonly stdin: Stdin;
}

/**
 * Take one simple command's tokens apart: words in order, every substitution body of its words, redirection targets
 * and heredocs, and its stdin (a heredoc or here-string is a script, `<`/`<>` a file). S3: a redirection and its
 * target word are skipped wherever they appear.
 */
export const simpleCommandOf = (tokens: ReadonlyArray<Token>): SimpleCommand => {
  const words: Word[] = [];
  let stdin: Stdin = { kind: 'inherited' };
  const subs: string[] = [];
  for (let k = 0; k < tokens.length; k++) {
    const tok = tokens[k] as Token;
    if (tok.kind === 'word') {
      words.push(tok.word);
      subs.push(...tok.word.subs);
      continue;
    }
    if (tok.kind !== 'redirect') continue;
    if (tok.heredoc !== null) {
      subs.push(...tok.heredoc.subs);
      stdin = { kind: 'script', text: tok.heredoc.text };
      continue;
    }
    const target = tokens[k + 1];
    if (target?.kind === 'word') {
      subs.push(...target.word.subs);
      k++;
      if (tok.op === '<<<') stdin = { kind: 'script', text: target.word.text };
      else if (tok.op === '<' || tok.op === '<>') stdin = { kind: 'file' };
    }
  }
  return { words, subs, stdin };
};
