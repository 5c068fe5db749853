/**
 * Secret scan, redaction, unified-diff parsing and blast radius (secrets.md; policy `secrets`).
 *
 * Sections: model (patterns, allowlist codec) → decisions (`scanForSecrets`, `redact`, `parseUnifiedDiff`,
 * `blastRadius`) → verdicts → messages → table. Pure and total; the allowlist is a parameter, never a module
 * global, and no regular expression with state (`lastIndex`) is shared between calls: every call compiles its
 * own matcher set (V8 caches the compiled code, so this costs microseconds). The ten patterns and the span
 * redaction of a line live in `internal/secret-patterns.ts`, shared with the masker (`internal/mask.ts`,
 * secrets.md §12), so the scanner and the masker apply one set of rules.
 *
 * Linear time. Every pattern is anchored on a fixed keyword and its repetitions are bounded or end the match, so
 * a failed attempt costs at most the length of one keyword's value run; the one pattern whose naive regular
 * expression backtracks quadratically (`connection-string`: "user:password@" over a long run without `@`) is
 * matched with a prefix regex plus a forward-only pointer to the next whitespace or `@`. A line selector
 * (`internal/secret-lines.ts`: one case-insensitive regular expression) finds the lines that contain a trigger, the
 * fixed start every candidate has; only those lines run the ten patterns.
 */
import * as t from 'io-ts';
import * as E from 'fp-ts/lib/Either.js';
import { normalizePath, type NormPath } from './paths/paths.js';
import type { DecisionTable } from './internal/table.js';
import { forEachTriggerLine } from './internal/secret-lines.js';
import { compilePatterns, lineCandidates, redactLine, resolveLine, type Candidate, type PatternName } from './internal/secret-patterns.js';

// ───────────────────────────────────────── constants (secrets.md §8) ─────────────────────────────────────────

export const POLICY = 'secrets';
export const POLICY_VERSION = '1.0.0';
/** Snippet length in characters: 97 plus `...` when cut (secrets.md §1 S5). */
export const SNIPPET_MAX = 100;
/** Blast radius thresholds (secrets.md §7), inclusive. */
export const BLAST_WARN_LINES = 200;
export const BLAST_WARN_FILES = 5;
export const BLAST_BLOCK_LINES = 500;
export const BLAST_BLOCK_FILES = 10;

// ───────────────────────────────────────── model: patterns (secrets.md §2) ─────────────────────────────────────────

export { PATTERN_NAMES, type PatternName, type Candidate } from './internal/secret-patterns.js';
/** The masker (secrets.md §12) applies these same patterns; it is also exported flat from `@arbiter/kernel`. */
export { maskString, maskOutput } from './internal/mask.js';

// ───────────────────────────────────────── model: allowlist (secrets.md §3) ─────────────────────────────────────────

export type AllowMatcher =
  | { readonly _tag: 'Literal'; readonly text: string }
  | { readonly _tag: 'Pattern'; readonly source: string; readonly regex: RegExp };

export interface AllowEntry {
  readonly matcher: AllowMatcher;
  readonly reason: string;
  /** Empty: every file. Otherwise the entry applies only to files matched at segment boundaries (review.md §5, case-sensitive). */
  readonly paths: ReadonlyArray<NormPath>;
}
export type Allowlist = ReadonlyArray<AllowEntry>;

/** Why an allowlist entry or document was not used (warn events, secrets.md §3). */
export interface AllowlistProblem {
  readonly code: 'secret-allowlist-unreadable' | 'secret-allowlist-entry-dropped';
  /** Entry index for a dropped entry, -1 for the document. */
  readonly index: number;
  readonly detail: string;
}

const RawEntry = t.intersection([
  t.type({ reason: t.string }),
  t.partial({ literal: t.string, pattern: t.string, paths: t.array(t.string) }),
]);

/**
 * Decode a parsed `.arbiter/secret-allowlist.yml` document (secrets.md §3). Shape (a choice: the spec fixes only the
 * entry fields): `{ entries: [ { literal: "…" | pattern: "…", reason: "…", paths?: ["…"] } ] }`.
 *
 * @param doc the parsed YAML value; `undefined` means the file is missing.
 * @returns the allowlist and the problems to report as `EmitEvent secret` (warn). A document that is not an object
 *   with an `entries` list gives an empty allowlist and `secret-allowlist-unreadable`; an entry with no or both
 *   matchers, an empty reason or literal, an invalid regular expression or an invalid path is dropped with
 *   `secret-allowlist-entry-dropped`. Patterns compile case-insensitive, without the global flag. Fail-closed: a
 *   problem never suppresses anything.
 */
export const decodeAllowlist = (doc: unknown): { readonly allowlist: Allowlist; readonly problems: ReadonlyArray<AllowlistProblem> } => {
  if (doc === undefined) return { allowlist: [], problems: [] };
  const entries = typeof doc === 'object' && doc !== null && !Array.isArray(doc) ? (doc as Record<string, unknown>)['entries'] : undefined;
  if (!Array.isArray(entries)) {
    return { allowlist: [], problems: [{ code: 'secret-allowlist-unreadable', index: -1, detail: 'expected an object with an entries list' }] };
  }
  const allowlist: AllowEntry[] = [];
  const problems: AllowlistProblem[] = [];
  entries.forEach((raw: unknown, index) => {
    const drop = (detail: string) => problems.push({ code: 'secret-allowlist-entry-dropped', index, detail });
    const r = RawEntry.decode(raw);
    if (E.isLeft(r)) return drop('entry must have a reason and a literal or a pattern');
    const e = r.right;
    if (e.reason.trim() === '') return drop('empty reason');
    if ((e.literal === undefined) === (e.pattern === undefined)) return drop('exactly one of literal and pattern is required');
    const paths: NormPath[] = [];
    for (const p of e.paths ?? []) {
      const n = normalizePath(p);
      if (E.isLeft(n)) return drop(`invalid path (${n.left.code})`);
      paths.push(n.right);
    }
    let matcher: AllowMatcher;
    if (e.literal !== undefined) {
      if (e.literal === '') return drop('empty literal');
      matcher = { _tag: 'Literal', text: e.literal };
    } else {
      try {
        matcher = { _tag: 'Pattern', source: e.pattern as string, regex: new RegExp(e.pattern as string, 'i') };
      } catch {
        return drop('invalid regular expression');
      }
    }
    allowlist.push({ matcher, reason: e.reason, paths });
  });
  return { allowlist, problems };
};

/** A label such as `prompt:t1` or `ledger:dlq` is not a repository path (secrets.md §3). */
const isPseudoLabel = (label: string): boolean => /^[A-Za-z0-9_-]{2,}:/.test(label);

/** review.md §5 segment match, case-sensitive here: P occurs in F at segment boundaries; a directory P needs a segment after it. */
const pathEntryMatches = (p: NormPath, f: ReadonlyArray<string>): boolean => {
  if (p._tag === 'Root') return true;
  const k = p.segments.length;
  for (let i = 0; i + k <= f.length; i++) {
    if (p.dir && i + k >= f.length) break;
    let ok = true;
    for (let j = 0; j < k; j++) {
      if (f[i + j] !== p.segments[j]) {
        ok = false;
        break;
      }
    }
    if (ok) return true;
  }
  return false;
};

/** The entries that can apply to a file label (secrets.md §3 condition 1). `null` label: only unscoped entries. */
const entriesFor = (allowlist: Allowlist, label: string | null): Allowlist => {
  let segs: ReadonlyArray<string> | null = null;
  if (label !== null && !isPseudoLabel(label)) {
    const n = normalizePath(label);
    if (E.isRight(n)) segs = n.right._tag === 'Root' ? [] : n.right.segments;
  }
  return allowlist.filter((e) => e.paths.length === 0 || (segs !== null && e.paths.some((p) => pathEntryMatches(p, segs as ReadonlyArray<string>))));
};

/** secrets.md §3 condition 2: a literal occurs in, or a pattern finds a match in, the candidate's own text. */
const suppressed = (c: Candidate, entries: Allowlist): boolean =>
  entries.some((e) => (e.matcher._tag === 'Literal' ? c.text.includes(e.matcher.text) : c.text.search(e.matcher.regex) !== -1));

// ───────────────────────────────────────── decision: scan (secrets.md §1) ─────────────────────────────────────────

export interface Finding {
  readonly pattern: PatternName;
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  /** 1-based UTF-16 column (start + 1). */
  readonly column: number;
  /** The redacted line, at most 100 characters (97 plus `...`). */
  readonly snippet: string;
}

export interface ScanResult {
  readonly findings: ReadonlyArray<Finding>;
  readonly clean: boolean;
}

/** secrets.md §3 as a predicate over candidates: the candidate stays unless an applicable entry suppresses it. */
const keeper = (entries: Allowlist) => (c: Candidate): boolean => !suppressed(c, entries);

const snippetOf = (redacted: string): string => (redacted.length > SNIPPET_MAX ? redacted.slice(0, SNIPPET_MAX - 3) + '...' : redacted);

/**
 * Scan text for likely credentials (secrets.md §1, rules S1–S5, with the secrets.md §2 patterns and secrets.md §3 allowlist).
 *
 * @param content any string (full Unicode).
 * @param filePath the label: a repository path, or a pseudo path such as `prompt:{taskId}` or `ledger:dlq` (pseudo
 *   paths never match path-scoped allowlist entries).
 * @param allowlist decoded entries; never cached.
 * @returns findings ordered by line then column, each with a redacted snippet; `clean` iff there are none.
 *   Linear time in the content length; never throws.
 */
export const scanForSecrets = (content: string, filePath: string, allowlist: Allowlist): ScanResult => {
  const rx = compilePatterns();
  const keep = keeper(entriesFor(allowlist, filePath));
  const findings: Finding[] = [];
  forEachTriggerLine(
    content,
    (line, lineNo) => {
      const kept = resolveLine(line, rx, keep);
      if (kept.length === 0) return;
      const snippet = snippetOf(redactLine(line, rx, keep));
      for (const c of kept) findings.push({ pattern: c.pattern, file: filePath, line: lineNo, column: c.start + 1, snippet });
    },
  );
  return { findings, clean: findings.length === 0 };
};

// ───────────────────────────────────────── decision: redact (secrets.md §5) ─────────────────────────────────────────

/**
 * Every candidate of every pattern on one line (secrets.md §1 S2: per pattern left to right, without overlaps within a
 * pattern), before allowlist suppression and overlap resolution. `line` must not contain `\n`. For tests, tables
 * and tools that explain a finding.
 */
export const findCandidates = (line: string): ReadonlyArray<Candidate> => lineCandidates(line, compilePatterns());

/**
 * Redact credentials from text (secrets.md §5, rules X1–X4), line by line with the original line endings kept.
 *
 * Only allowlist entries without `paths` apply (redacted text has no repository path). Guarantees, for the same
 * allowlist: the result scans clean, `redact` is idempotent, the line count is preserved and lines without
 * candidates are unchanged byte for byte. Linear time; never throws.
 */
export const redact = (text: string, allowlist: Allowlist): string => redactWith(text, entriesFor(allowlist, null));

const redactWith = (text: string, entries: Allowlist): string => {
  const rx = compilePatterns();
  const keep = keeper(entries);
  const parts: string[] = [];
  let pos = 0;
  forEachTriggerLine(
    text,
    (line, _n, start, end) => {
      const r = redactLine(line, rx, keep);
      if (r === line) return;
      parts.push(text.slice(pos, start), r);
      pos = end;
    },
  );
  if (pos === 0) return text;
  parts.push(text.slice(pos));
  return parts.join('');
};

/**
 * Redacted excerpt of at most `max` characters that still scans clean: the start (`'head'`) or the end (`'tail'`)
 * of the redacted text, re-redacted after the cut (a cut can turn a harmless string into a match, e.g. a 41-character
 * run cut to 40). Used for retry-note tails (retry.md §4) and ledger excerpts (retry.md §8). `max` ≥ 0; never throws.
 */
export const redactedExcerpt = (text: string, max: number, allowlist: Allowlist, side: 'head' | 'tail'): string => {
  const entries = entriesFor(allowlist, null);
  let r = redactWith(text, entries);
  let n = Math.max(0, Math.floor(max));
  while (r.length > max) {
    const cut = side === 'head' ? r.slice(0, n) : r.slice(r.length - n);
    const c = redactWith(cut, entries);
    if (c.length <= max) return c;
    n -= c.length - max;
    if (n <= 0) return '';
  }
  return r;
};

// ───────────────────────────────────────── decision: unified diff (secrets.md §6) ───────────────────────────────────

export interface DiffCounts {
  readonly files: number;
  readonly added: number;
  readonly removed: number;
  /** added + removed. */
  readonly linesChanged: number;
}

export interface DiffMalformed {
  readonly _tag: 'DiffMalformed';
  readonly reason: 'diff-malformed';
  /** 1-based line where parsing failed (one past the last line when the text ends inside a hunk). */
  readonly line: number;
  readonly detail: 'bad-hunk-header' | 'counter-below-zero' | 'unexpected-line-in-hunk' | 'ends-inside-hunk';
}

const HUNK = /^@@ -(\d{1,15})(?:,(\d{1,15}))? \+(\d{1,15})(?:,(\d{1,15}))? @@/;

/**
 * Parse a unified diff into counts (secrets.md §6, rules U1–U5). Content lines that start with `--`/`++` inside a hunk are
 * counted; headers outside hunks never are. Files = the number of `diff --git ` lines, else of `+++ ` headers.
 *
 * @returns `Right {files, added, removed, linesChanged}` or `Left DiffMalformed` (a hunk header that cannot be read,
 *   a counter that would go below 0, another first character inside a hunk, or text ending inside a hunk).
 *   Linear time; never throws.
 */
export const parseUnifiedDiff = (text: string): E.Either<DiffMalformed, DiffCounts> => {
  const bad = (line: number, detail: DiffMalformed['detail']) => E.left<DiffMalformed, DiffCounts>({ _tag: 'DiffMalformed', reason: 'diff-malformed', line, detail });
  let added = 0;
  let removed = 0;
  let gitFiles = 0;
  let plusHeaders = 0;
  let oldLeft = 0;
  let newLeft = 0;
  let inHunk = false;
  let lineNo = 0;
  let pos = 0;
  const n = text.length;
  while (pos < n) {
    let nl = text.indexOf('\n', pos);
    if (nl === -1) nl = n;
    let end = nl;
    if (end > pos && text.charCodeAt(end - 1) === 13) end--;
    const line = text.slice(pos, end);
    lineNo++;
    pos = nl + 1;
    if (inHunk) {
      const c = line.charCodeAt(0);
      if (c === 45 /* - */) {
        if (oldLeft === 0) return bad(lineNo, 'counter-below-zero');
        oldLeft--;
        removed++;
      } else if (c === 43 /* + */) {
        if (newLeft === 0) return bad(lineNo, 'counter-below-zero');
        newLeft--;
        added++;
      } else if (c === 32 /* space */ || line.length === 0) {
        if (oldLeft === 0 || newLeft === 0) return bad(lineNo, 'counter-below-zero');
        oldLeft--;
        newLeft--;
      } else if (c !== 92 /* \ */) return bad(lineNo, 'unexpected-line-in-hunk');
      if (oldLeft === 0 && newLeft === 0) inHunk = false;
      continue;
    }
    if (line.startsWith('diff --git ')) gitFiles++;
    else if (line.startsWith('@@ ')) {
      const m = HUNK.exec(line);
      if (m === null) return bad(lineNo, 'bad-hunk-header');
      oldLeft = m[2] === undefined ? 1 : Number(m[2]);
      newLeft = m[4] === undefined ? 1 : Number(m[4]);
      inHunk = oldLeft > 0 || newLeft > 0;
    } else if (line.startsWith('+++ ')) plusHeaders++;
  }
  if (inHunk) return bad(lineNo + 1, 'ends-inside-hunk');
  return E.right({ files: gitFiles > 0 ? gitFiles : plusHeaders, added, removed, linesChanged: added + removed });
};

// ───────────────────────────────────────── decision: blast radius (secrets.md §7) ───────────────────────────────────

export type BlastReason = 'blast-diff-malformed' | 'blast-too-large' | 'blast-large' | 'blast-ok';
export type BlastLevel = 'ok' | 'warn' | 'block';

export interface BlastVerdict {
  readonly _tag: 'Ok' | 'Warn' | 'Block';
  readonly reason: BlastReason;
  readonly reasons: readonly [BlastReason];
  readonly level: BlastLevel;
  readonly passed: boolean;
  /** Changed content lines and files; null when the diff could not be parsed. */
  readonly lines: number | null;
  readonly files: number | null;
  readonly summary: string;
}

/** secrets.md §7 BR2–BR4 on counts (thresholds inclusive). */
export const blastLevel = (lines: number, files: number): BlastLevel =>
  lines >= BLAST_BLOCK_LINES || files >= BLAST_BLOCK_FILES ? 'block' : lines >= BLAST_WARN_LINES || files >= BLAST_WARN_FILES ? 'warn' : 'ok';

/**
 * Blast radius of a change (secrets.md §7, rules BR1–BR4, in order). A diff that cannot be parsed blocks
 * (`blast-diff-malformed`, fail-closed); ≥ 500 lines or ≥ 10 files block (`blast-too-large`); ≥ 200 lines or ≥ 5
 * files warn (`blast-large`, passed); otherwise `blast-ok`. Summary: "Blast radius: {lines} lines, {files} files
 * ({level})". Never throws.
 */
export const blastRadius = (diffText: string): BlastVerdict => {
  const p = parseUnifiedDiff(diffText);
  if (E.isLeft(p)) {
    return {
      _tag: 'Block',
      reason: 'blast-diff-malformed',
      reasons: ['blast-diff-malformed'],
      level: 'block',
      passed: false,
      lines: null,
      files: null,
      summary: `Blast radius: the diff could not be parsed at line ${p.left.line} (block)`,
    };
  }
  const { linesChanged: lines, files } = p.right;
  const level = blastLevel(lines, files);
  const reason: BlastReason = level === 'block' ? 'blast-too-large' : level === 'warn' ? 'blast-large' : 'blast-ok';
  return {
    _tag: level === 'block' ? 'Block' : level === 'warn' ? 'Warn' : 'Ok',
    reason,
    reasons: [reason],
    level,
    passed: level !== 'block',
    lines,
    files,
    summary: `Blast radius: ${lines} lines, ${files} files (${level})`,
  };
};

// ───────────────────────────────────────── messages ─────────────────────────────────────────

/** One finding for people and CI logs: `file:line:column pattern snippet` (the snippet is already redacted). */
export const findingMessage = (f: Finding): string =>
  `${f.file.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?')}:${f.line}:${f.column} ${f.pattern} ${f.snippet.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?')}`;

// ───────────────────────────────────────── table ─────────────────────────────────────────

/** The blast-radius table: the secrets.md §7 levels at and around every threshold. */
export const table = (): DecisionTable => {
  const cases: Array<[number, number]> = [
    [0, 0],
    [199, 4],
    [200, 4],
    [199, 5],
    [499, 9],
    [500, 9],
    [499, 10],
    [10_000, 1],
  ];
  const rows = cases.map(([lines, files]) => {
    const level = blastLevel(lines, files);
    return [String(lines), String(files), level, level === 'block' ? 'blast-too-large' : level === 'warn' ? 'blast-large' : 'blast-ok', String(level !== 'block')];
  });
  rows.push(['malformed diff', '—', 'block', 'blast-diff-malformed', 'false']);
  return {
    policy: 'blast-radius',
    version: POLICY_VERSION,
    title: 'Blast radius of a change (secrets.md §7): changed content lines and files of a unified diff.',
    columns: ['lines', 'files', 'level', 'reason', 'passed'],
    rows,
    notes: [
      `Block: lines ≥ ${BLAST_BLOCK_LINES} or files ≥ ${BLAST_BLOCK_FILES}. Warn: lines ≥ ${BLAST_WARN_LINES} or files ≥ ${BLAST_WARN_FILES}. Thresholds are inclusive.`,
      'A diff that cannot be parsed blocks (fail-closed).',
    ],
  };
};
