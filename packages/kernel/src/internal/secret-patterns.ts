/**
 * The secret patterns (secrets.md §2) and the span redaction of one line (secrets.md §5 X1–X4): the one set of rules
 * that both the scanner (`secrets.ts`, namespace `secrets`) and the masker (`internal/mask.ts`, every string Arbiter
 * persists or shows a model, secrets.md §12) apply. Dependency-free on purpose: the `arbiter` dispatcher bundles the
 * masker with the decision-log writer, and it must not pull the allowlist codec (io-ts) onto a hook's hot path.
 *
 * Pure and total. Allowlist suppression arrives as a predicate (`keep`), so this module knows nothing of the
 * allowlist's shape. A matcher set holds regular expressions with `lastIndex` state: every function here resets
 * `lastIndex` before each use and finishes each use before returning, so a set may be compiled once and reused by
 * calls that do not overlap (JavaScript runs them one at a time; no function here calls back into another).
 */

/** Pattern names in table order (stable identifiers; secrets.md §2). */
export const PATTERN_NAMES = [
  'aws-access-key',
  'aws-secret-key',
  'generic-api-key',
  'bearer-token',
  'private-key',
  'connection-string',
  'github-token',
  'generic-password',
  'slack-token',
  'generic-secret',
] as const;
export type PatternName = (typeof PATTERN_NAMES)[number];

/** Regular-expression sources of the patterns (secrets.md §2); `connection-string` is matched by {@link CONN_PREFIX}. */
const PATTERN_SOURCES: ReadonlyArray<readonly [PatternName, string, string]> = [
  ['aws-access-key', 'AKIA[A-Z0-9]{16}', 'gi'],
  ['aws-secret-key', '(?:aws_secret_access_key|secret_key)[ \\t]*[=:][ \\t]*["\']?[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])', 'gi'],
  ['generic-api-key', 'api[_-]?key[ \\t]*[=:][ \\t]*["\']?[A-Za-z0-9_-]{20,}', 'gi'],
  ['bearer-token', 'bearer[ \\t]+[A-Za-z0-9\\-._~+/]{20,}=*', 'gi'],
  ['private-key', '-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED )?PRIVATE KEY-----', 'g'],
  ['connection-string', '', ''],
  ['github-token', 'gh[pousr]_[A-Za-z0-9_]{36,}|github_pat_[A-Za-z0-9_]{22,}', 'g'],
  ['generic-password', '(?:password|passwd|pwd)[ \\t]*[=:][ \\t]*["\']?[^\\s"\']{8,}', 'gi'],
  ['slack-token', 'xox[bprs]-[A-Za-z0-9-]{10,}', 'gi'],
  ['generic-secret', '(?:secret|token|credential)[ \\t]*[=:][ \\t]*["\']?[A-Za-z0-9_-]{16,}', 'gi'],
];
/** `connection-string` up to and including the `:` after the user part. */
const CONN_PREFIX = '(?:postgres(?:ql)?|mysql|mongodb(?:\\+srv)?|rediss?):\\/\\/[^\\s:@\\/]+:';
/** `aws-secret-key` without its negative lookahead: finds a 40-character value even inside a longer run. */
const AWS_SECRET_LOOSE = '(?:aws_secret_access_key|secret_key)[ \\t]*[=:][ \\t]*["\']?[A-Za-z0-9/+=]{40}';

/** One compiled matcher set (see the module note on `lastIndex`). */
export interface PatternSet {
  readonly pats: ReadonlyArray<RegExp | null>;
  readonly conn: RegExp;
  readonly stop: RegExp;
  readonly awsLoose: RegExp;
}

/** Compile the ten patterns (a few microseconds: V8 caches the compiled code of a source). */
export const compilePatterns = (): PatternSet => ({
  pats: PATTERN_SOURCES.map(([, src, flags]) => (src === '' ? null : new RegExp(src, flags))),
  conn: new RegExp(CONN_PREFIX, 'gi'),
  stop: /[\s@]/g,
  awsLoose: new RegExp(AWS_SECRET_LOOSE, 'gi'),
});

/** A raw match of one pattern on one line (secrets.md §1 S2). `start`/`end` are UTF-16 offsets in the line. */
export interface Candidate {
  readonly pattern: PatternName;
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

/** Whether a candidate stays (is not suppressed by an allowlist, secrets.md §3). */
export type KeepCandidate = (c: Candidate) => boolean;

const keepAll: KeepCandidate = () => true;

/** `connection-string` matches: prefix regex, then a forward-only pointer to the next whitespace or `@`. */
const connMatches = (line: string, rx: PatternSet, out: Candidate[]): void => {
  const re = rx.conn;
  re.lastIndex = 0;
  let stopFrom = -1;
  let stopAt = -1;
  for (let m = re.exec(line); m !== null; m = re.exec(line)) {
    const p = m.index + m[0].length;
    if (!(p >= stopFrom && p <= stopAt)) {
      rx.stop.lastIndex = p;
      const s = rx.stop.exec(line);
      stopFrom = p;
      stopAt = s === null ? line.length : s.index;
    }
    if (stopAt > p && line.charCodeAt(stopAt) === 64 /* @ */) {
      out.push({ pattern: 'connection-string', start: m.index, end: stopAt + 1, text: line.slice(m.index, stopAt + 1) });
      re.lastIndex = stopAt + 1;
    }
  }
  re.lastIndex = 0;
};

/**
 * secrets.md §1 S2: every match of every pattern on one line, left to right, without overlaps within a pattern.
 * `line` must not contain `\n`. Linear in the line length.
 */
export const lineCandidates = (line: string, rx: PatternSet): Candidate[] => {
  const out: Candidate[] = [];
  for (let i = 0; i < PATTERN_SOURCES.length; i++) {
    const re = rx.pats[i];
    const name = PATTERN_NAMES[i] as PatternName;
    if (re === null || re === undefined) {
      connMatches(line, rx, out);
      continue;
    }
    re.lastIndex = 0;
    for (let m = re.exec(line); m !== null; m = re.exec(line)) {
      out.push({ pattern: name, start: m.index, end: m.index + m[0].length, text: m[0] });
    }
    re.lastIndex = 0;
  }
  return out;
};

/** Order of secrets.md §1 S4 and secrets.md §5 X3: by start, then by table order. */
export const byStartThenTable = (a: Candidate, b: Candidate): number =>
  a.start - b.start || PATTERN_NAMES.indexOf(a.pattern) - PATTERN_NAMES.indexOf(b.pattern);

/** secrets.md §1 S3 + S4 on one line: drop suppressed candidates, then keep the leftmost non-overlapping ones. */
export const resolveLine = (line: string, rx: PatternSet, keep: KeepCandidate = keepAll): Candidate[] => {
  const cands = lineCandidates(line, rx).filter(keep);
  cands.sort(byStartThenTable);
  const kept: Candidate[] = [];
  let lastEnd = -1;
  for (const c of cands) {
    if (c.start >= lastEnd) {
      kept.push(c);
      lastEnd = c.end;
    }
  }
  return kept;
};

/**
 * The pattern of a candidate whose text still occurs in the redacted line, if any. Every pattern but
 * `aws-secret-key` matches wherever its text occurs, so a surviving occurrence would itself have been a candidate;
 * `aws-secret-key` refuses a 40-character value followed by a 41st character, so its texts are looked up along a
 * loose pass over the line (linear). Few candidates are also checked directly, as a second line of defence.
 */
const survivingCandidate = (out: string, cands: ReadonlyArray<Candidate>, rx: PatternSet): PatternName | undefined => {
  if (cands.length <= 16) {
    const c = cands.find((x) => out.includes(x.text));
    if (c !== undefined) return c.pattern;
  }
  const aws = new Set(cands.filter((c) => c.pattern === 'aws-secret-key').map((c) => c.text));
  if (aws.size === 0) return undefined;
  const re = rx.awsLoose;
  re.lastIndex = 0;
  let found: PatternName | undefined;
  for (let m = re.exec(out); m !== null; m = re.exec(out)) {
    if (aws.has(m[0])) {
      found = 'aws-secret-key';
      break;
    }
  }
  re.lastIndex = 0;
  return found;
};

/**
 * secrets.md §5 X1–X4 on one line (without its line ending): each maximal run covered by kept candidates becomes
 * `[REDACTED:{name}]`; when the result still holds a candidate, or a masked candidate's text survives elsewhere on
 * the line (the X4 extension), the whole line becomes `[REDACTED LINE:{name}]`. `keep` applies the allowlist.
 * Returns `line` itself when nothing was kept (X2). Linear; never throws.
 */
export const redactLine = (line: string, rx: PatternSet, keep: KeepCandidate = keepAll): string => {
  const cands = lineCandidates(line, rx).filter(keep); // X1
  if (cands.length === 0) return line; // X2
  cands.sort(byStartThenTable);
  let out = '';
  let pos = 0;
  let i = 0;
  while (i < cands.length) {
    // X3: one maximal covered run, named after its leftmost candidate (ties by table order).
    const first = cands[i] as Candidate;
    let end = first.end;
    i++;
    while (i < cands.length && (cands[i] as Candidate).start <= end) {
      end = Math.max(end, (cands[i] as Candidate).end);
      i++;
    }
    out += line.slice(pos, first.start) + `[REDACTED:${first.pattern}]`;
    pos = end;
  }
  out += line.slice(pos);
  // X4. Extension (fail-closed, a choice): the line is also masked whole when a candidate's text survives
  // elsewhere on it (e.g. as part of a 41-character run that is not itself a match), so no redacted line or
  // snippet ever contains the text of an unsuppressed candidate (SC-9).
  const left = resolveLine(out, rx, keep);
  if (left.length > 0) return `[REDACTED LINE:${(left[0] as Candidate).pattern}]`;
  const survivor = survivingCandidate(out, cands, rx);
  return survivor === undefined ? out : `[REDACTED LINE:${survivor}]`;
};
