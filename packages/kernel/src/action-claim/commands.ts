/**
 * Follow-through command classification (action-claim.md §5.2–5.3): the outcome of a Bash call, and which lemmas an
 * executed command is evidence for. Commands are read with the shared shell lexer and walker (`shell/`). Pure and
 * total.
 */
import { lex, type Token } from '../shell/lexer.js';
import { simpleCommandOf, walkCommands } from '../shell/walker.js';
import { ACTION_PATTERN_LEMMAS, type Agent, type CommandOutcome, type CommitmentsSettings, DEFAULT_SETTINGS, DEFAULT_TEST_COMMANDS, type Lemma } from './records.js';

// ───────────────────────────────────────── command outcome and classification (action-claim.md §5.2–5.3) ───────────────

/** True for a plain JSON object (not null, not an array). */
export const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === 'object' && u !== null && !Array.isArray(u);

/** Longest Codex output string the push-report reader looks at, characters (the tail beyond it is not read). */
export const PUSH_REPORT_MAX_CHARS = 65_536;

/** A line of `git push` output that says a ref or the whole push failed (action-claim.md §5.2, Codex rows). */
const PUSH_FAILURE_LINE = /^(?:error:|fatal:|\s*!\s*\[(?:remote )?rejected\])/;
/** A `git push` updated-ref line after `To <remote>`: fast-forward, new ref, forced update, deletion. */
const PUSH_UPDATED_LINE = /^\s*(?:[0-9a-f]{4,}\.\.[0-9a-f]{4,}\s+\S|\*\s+\[new (?:branch|tag|reference)\]\s|\+\s+[0-9a-f]{4,}\.\.\.[0-9a-f]{4,}\s.*\(forced update\)|-\s+\[deleted\]\s)/;

/**
 * action-claim.md §5.2, the Codex string rows: what `git push` output (Codex 0.171.0 hands PostToolUse the command's
 * combined output as one string, with no exit code, for failed commands too) says about the push. `failed` when a line
 * starts `error:` or `fatal:` or is a `! [rejected]` / `! [remote rejected]` ref line; else `succeeded` when a line
 * `To <remote>` is followed by an updated-ref line (`a..b  src -> dst`, `* [new branch|tag|reference]`,
 * `+ a...b … (forced update)`, `- [deleted]`) or a line reads `Everything up-to-date`; else `unknown`. Reads at most
 * {@link PUSH_REPORT_MAX_CHARS} characters. Total.
 */
export const pushReportOutcome = (output: string): CommandOutcome => {
  const lines = output.slice(0, PUSH_REPORT_MAX_CHARS).split(/\r?\n|\r/);
  if (lines.some((l) => PUSH_FAILURE_LINE.test(l))) return 'failed';
  let sawTo = false;
  for (const l of lines) {
    if (/^To \S/.test(l)) sawTo = true;
    else if (sawTo && PUSH_UPDATED_LINE.test(l)) return 'succeeded';
    if (/^Everything up-to-date\s*$/.test(l)) return 'succeeded';
  }
  return 'unknown';
};

/**
 * action-claim.md §5.2: the outcome of a Bash call from its PostToolUse payload. Claude: background → unknown, `interrupted` →
 * failed, else succeeded (failures go to PostToolUseFailure). Codex: an integer `exit_code`/`exitCode` in an object,
 * or a string whose first line reads `Exit code: <integer>`; 0 → succeeded, other → failed. Otherwise a Codex string
 * is read by {@link pushReportOutcome}: `failed` on an error or rejection line whatever the command, `succeeded` on
 * a push success report only when `isPush` (the command's lemmas include `push`); anything else unknown. Total; never throws on plain JSON values.
 */
export const commandOutcome = (agent: Agent, toolInput: unknown, toolResponse: unknown, isPush = false): CommandOutcome => {
  if (agent === 'claude') {
    if (isRecord(toolInput) && toolInput['run_in_background'] === true) return 'unknown';
    if (isRecord(toolResponse) && toolResponse['interrupted'] === true) return 'failed';
    return 'succeeded';
  }
  const fromCode = (v: unknown): CommandOutcome | null =>
    typeof v === 'number' && Number.isInteger(v) ? (v === 0 ? 'succeeded' : 'failed') : null;
  if (isRecord(toolResponse)) {
    return fromCode(toolResponse['exit_code']) ?? fromCode(toolResponse['exitCode']) ?? 'unknown';
  }
  if (typeof toolResponse === 'string') {
    const nl = toolResponse.indexOf('\n');
    const first = nl < 0 ? toolResponse : toolResponse.slice(0, nl);
    const m = /^\s*exit\s*code\s*:\s*([+-]?\d{1,15})\s*$/i.exec(first.slice(0, 200));
    if (m !== null) return Number(m[1]) === 0 ? 'succeeded' : 'failed';
    const report = pushReportOutcome(toolResponse);
    return report === 'failed' || isPush ? report : 'unknown';
  }
  return 'unknown';
};

/** One simple command of a command line: its tokens and the source span between the operators around it. */
interface SimpleSpan {
  readonly tokens: ReadonlyArray<Token>;
  readonly from: number;
  readonly to: number;
}

/**
 * The simple commands of `command` in source order, read with the shared shell lexer and walker (push-gate.md §6.2,
 * push-gate.md §6.3 S1): split at `&&`, `||`, `;`, `;;`, `|`, `|&`, `&`, newline and subshell parentheses, outside quotes,
 * escapes, substitutions, comments and heredoc bodies. Substitution bodies are not commands of the line (a command
 * inside `$(…)` or backticks is not evidence). On an unterminated quote or substitution the tokens read before it
 * count (the text after it is one unreadable word). Linear; total.
 */
const simpleSpans = (command: string): SimpleSpan[] => {
  const spans: SimpleSpan[] = [];
  walkCommands(lex(command, 0).tokens, null, command.length, {
    command: (tokens, state, place) => {
      spans.push({ tokens, from: place.from, to: place.to });
      return state;
    },
    uncertain: () => undefined,
  });
  return spans;
};

/** action-claim.md §5.3 step 2 on tokens: the words after quote removal, without redirections; leading `(`, `{`, `!` and trailing `)`, `}` stripped; empty words dropped. */
const wordsOf = (tokens: ReadonlyArray<Token>): string[] =>
  simpleCommandOf(tokens)
    .words.map((w) => w.text.replace(/^[({!]+/, '').replace(/[)}]+$/, ''))
    .filter((w) => w !== '');

/**
 * action-claim.md §5.3 step 1: the simple commands of a shell command, as the source text between the operators that separate
 * them (surrounding blanks kept; commands without a word dropped). See {@link simpleSpans} for the rules. Linear;
 * total.
 */
export const splitSimpleCommands = (command: string): string[] =>
  simpleSpans(command)
    .map((c) => command.slice(c.from, c.to))
    .filter((s) => s.trim() !== '');

/**
 * action-claim.md §5.3 step 2: words of one simple command, read with the shared shell lexer: quotes removed, backslash escapes
 * applied, redirections and their targets skipped, text computed at run time (`$X`, `$(…)`, backticks) as the
 * lexer's placeholder; leading `(`, `{`, `!` and trailing `)`, `}` stripped; empty words dropped. Linear; total.
 */
export const tokenize = (simple: string): string[] => wordsOf(lex(simple, 0).tokens.filter((t) => t.kind !== 'operator'));

const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;
const WRAPPERS = new Set(['command', 'nohup', 'time', 'exec']);

/** action-claim.md §5.3 steps 3–4: drop assignments and wrappers (`env` with its assignments and options, `command`, `nohup`, `time`, `exec`), then reduce the program to its basename. */
export const stripPrefixes = (words: ReadonlyArray<string>): string[] => {
  let i = 0;
  for (;;) {
    const w = words[i];
    if (w === undefined) break;
    if (ASSIGNMENT.test(w) || WRAPPERS.has(w)) {
      i++;
      continue;
    }
    if (w === 'env') {
      i++;
      while (i < words.length && (ASSIGNMENT.test(words[i]!) || words[i]!.startsWith('-'))) i++;
      continue;
    }
    break;
  }
  const rest = words.slice(i);
  if (rest.length > 0) rest[0] = rest[0]!.slice(rest[0]!.lastIndexOf('/') + 1);
  return rest;
};

const GIT_CONSUMING = new Set(['--git-dir', '--work-tree', '--namespace', '--exec-path']);

/** action-claim.md §5.3 step 5: the git subcommand and its arguments, skipping global options; null when there is none. */
export const gitSubcommand = (words: ReadonlyArray<string>): { sub: string; args: string[] } | null => {
  let i = 1;
  while (i < words.length) {
    const w = words[i]!;
    if (w === '-C' || w === '-c' || GIT_CONSUMING.has(w)) {
      i += 2;
      continue;
    }
    if (w.startsWith('-')) {
      i++;
      continue;
    }
    return { sub: w, args: words.slice(i + 1) };
  }
  return null;
};

/** Word-prefix match (action-claim.md §5.3): every entry word equals the word at the same position; `*` matches any one word. */
export const wordPrefixMatch = (words: ReadonlyArray<string>, entry: string): boolean => {
  const ew = entry.split(/\s+/).filter((w) => w !== '');
  if (ew.length === 0 || ew.length > words.length) return false;
  return ew.every((e, k) => e === '*' || e === words[k]);
};

/** One simple command that is evidence for one lemma. */
export interface CommandHit {
  readonly lemma: Lemma;
  /** The simple command text (raw, unsanitized). */
  readonly simple: string;
}

const settingsOf = (config: unknown): CommitmentsSettings['evidence'] => {
  const c = config as Partial<CommitmentsSettings> | undefined;
  const e = c?.evidence;
  if (!isRecord(e)) return DEFAULT_SETTINGS.evidence;
  const list = (v: unknown, d: ReadonlyArray<string>): ReadonlyArray<string> =>
    Array.isArray(v) && v.every((x) => typeof x === 'string') ? v : d;
  const ap = isRecord(e['action_patterns']) ? (e['action_patterns'] as Record<string, unknown>) : {};
  return {
    enabled: e['enabled'] !== false,
    test_commands: list(e['test_commands'], DEFAULT_TEST_COMMANDS),
    action_patterns: {
      relaunch: list(ap['relaunch'], []),
      restart: list(ap['restart'], []),
      deploy: list(ap['deploy'], []),
      redeploy: list(ap['redeploy'], []),
    },
  };
};

/** Lemmas one simple command's words deliver (after steps 2–4). */
const lemmasOfWords = (words: ReadonlyArray<string>, ev: CommitmentsSettings['evidence']): Lemma[] => {
  const out: Lemma[] = [];
  if (words.length === 0) return out;
  const has = (args: ReadonlyArray<string>, flags: ReadonlyArray<string>): boolean => args.some((a) => flags.includes(a));
  if (words[0] === 'git') {
    const g = gitSubcommand(words);
    if (g !== null) {
      if (g.sub === 'push' && !has(g.args, ['-n', '--dry-run'])) out.push('push');
      if (g.sub === 'merge' && !has(g.args, ['--abort', '--quit'])) out.push('merge');
      if (g.sub === 'rebase' && !has(g.args, ['--abort', '--quit', '--edit-todo', '--show-current-patch'])) out.push('rebase');
      if (g.sub === 'revert' && !has(g.args, ['--abort', '--quit'])) out.push('revert');
    }
  }
  if (words[0] === 'gh' && words[1] === 'pr' && words[2] === 'merge' && !has(words.slice(3), ['--disable-auto'])) out.push('merge');
  if (ev.test_commands.some((e) => wordPrefixMatch(words, e))) out.push('rerun');
  for (const l of ACTION_PATTERN_LEMMAS) if (ev.action_patterns[l].some((e) => wordPrefixMatch(words, e))) out.push(l);
  return out;
};

/**
 * action-claim.md §5.3 in detail: every (lemma, simple command) pair the command delivers, in command order. Never yields `fix`.
 * `config` is a {@link CommitmentsSettings} (anything else means the defaults). Total and linear.
 */
export const classifyCommandHits = (command: unknown, config?: unknown): CommandHit[] => {
  if (typeof command !== 'string' || command === '') return [];
  const ev = settingsOf(config);
  const hits: CommandHit[] = [];
  for (const c of simpleSpans(command)) {
    const simple = command.slice(c.from, c.to).trim();
    for (const lemma of lemmasOfWords(stripPrefixes(wordsOf(c.tokens)), ev)) hits.push({ lemma, simple });
  }
  return hits;
};

/**
 * `classifyCommand(command, config) → Set<Lemma>` (action-claim.md §5.3): which lemmas an executed command is evidence for.
 * `fix` is never in the set (FE-P1). Total over any value.
 */
export const classifyCommand = (command: unknown, config?: unknown): ReadonlySet<Lemma> =>
  new Set(classifyCommandHits(command, config).map((h) => h.lemma));
