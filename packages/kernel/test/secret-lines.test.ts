/**
 * The secret scan's line selection (secrets.md §1 S1–S2, secrets.md §2) against a straightforward reference: the
 * ten secrets.md §2 regular expressions, written out here from the spec table, run on every line with no prefilter. The
 * selector must visit every line that has a candidate, with the right number and span, and the scan and redaction
 * must give the answer the reference gives.
 */
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { secrets } from '@arbiter/kernel';
import { forEachTriggerLine } from '../src/internal/secret-lines.js';
import { RUNS, deepFreeze } from './arb/freeze.js';
import { arbAnySecret } from './arb/secrets.js';

const { scanForSecrets, redact, PATTERN_NAMES } = secrets;
type Allowlist = secrets.Allowlist;

// ───────────────────────────────────────── reference (secrets.md §2 table, secrets.md §1 S1–S4) ─────────────────────────────────────────

/** The ten patterns as secrets.md §2 states them (connection-string as the plain, backtracking expression: inputs here are short). */
const REFERENCE: ReadonlyArray<readonly [secrets.PatternName, RegExp]> = [
  ['aws-access-key', /AKIA[A-Z0-9]{16}/gi],
  ['aws-secret-key', /(?:aws_secret_access_key|secret_key)[ \t]*[=:][ \t]*["']?[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])/gi],
  ['generic-api-key', /api[_-]?key[ \t]*[=:][ \t]*["']?[A-Za-z0-9_-]{20,}/gi],
  ['bearer-token', /bearer[ \t]+[A-Za-z0-9\-._~+/]{20,}=*/gi],
  ['private-key', /-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED )?PRIVATE KEY-----/g],
  ['connection-string', /(?:postgres(?:ql)?|mysql|mongodb(?:\+srv)?|rediss?):\/\/[^\s:@/]+:[^\s@]+@/gi],
  ['github-token', /gh[pousr]_[A-Za-z0-9_]{36,}|github_pat_[A-Za-z0-9_]{22,}/g],
  ['generic-password', /(?:password|passwd|pwd)[ \t]*[=:][ \t]*["']?[^\s"']{8,}/gi],
  ['slack-token', /xox[bprs]-[A-Za-z0-9-]{10,}/gi],
  ['generic-secret', /(?:secret|token|credential)[ \t]*[=:][ \t]*["']?[A-Za-z0-9_-]{16,}/gi],
];

interface RefCandidate {
  readonly pattern: secrets.PatternName;
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

/** S2: every match of every pattern, left to right, without overlaps within a pattern. */
const refCandidates = (line: string): RefCandidate[] =>
  REFERENCE.flatMap(([pattern, re]) => [...line.matchAll(new RegExp(re.source, re.flags))].map((m) => ({ pattern, start: m.index, end: m.index + m[0].length, text: m[0] })));

/** S1: split on `\n`, one trailing `\r` removed. */
const refLines = (content: string): string[] => content.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));

/** S3 + S4 + S5 without snippets: `pattern line:column` of every finding, in order. */
const refFindings = (content: string, allowlist: Allowlist): string[] =>
  refLines(content).flatMap((line, i) => {
    const cs = refCandidates(line)
      .filter((c) => !allowlist.some((e) => (e.matcher._tag === 'Literal' ? c.text.includes(e.matcher.text) : e.matcher.regex.test(c.text))))
      .sort((a, b) => a.start - b.start || PATTERN_NAMES.indexOf(a.pattern) - PATTERN_NAMES.indexOf(b.pattern));
    const kept: string[] = [];
    let lastEnd = -1;
    for (const c of cs) {
      if (c.start >= lastEnd) {
        kept.push(`${c.pattern} ${i + 1}:${c.start + 1}`);
        lastEnd = c.end;
      }
    }
    return kept;
  });

// ───────────────────────────────────────── generated text ─────────────────────────────────────────

const randomCase = (w: string) =>
  fc.array(fc.boolean(), { minLength: w.length, maxLength: w.length }).map((up) => Array.from(w, (c, i) => (up[i] ? c.toUpperCase() : c.toLowerCase())).join(''));
/** Trigger words, their parts and near misses, in random case. */
const WORDS = [
  'akia', 'aki', 'kia', 'key', 'api_key', 'api-key', 'apikey', 'secret_key', 'aws_secret_access_key', 'pwd', 'passwd', 'password',
  'passw', 'secret', 'secre', 'token', 'toke', 'credential', 'credentia', 'bearer', 'beare', 'xox', 'xoxb-', 'xoxp-', 'xoxr-', 'xoxs-',
  'xoxa-', 'postgres', 'postgresql', 'mysql', 'mongodb', 'mongodb+srv', 'redis', 'rediss', 'ostgres', '://', ':/', 'gh', 'tokenCount',
];
/** Case-sensitive triggers and near misses, as they are. */
const EXACT = ['-----BEGIN ', '-----begin ', '----BEGIN ', '-----BEGIN PRIVATE KEY-----', 'ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_', 'ghx_', 'gHp_', 'github_pat_', 'github_Pat_', '_pat_', 'PRIVATE KEY-----'];
const SEPARATORS = ['', ' ', '\t', '  ', ' \t ', '=', ':', ' = ', '\t:', ': ', '="', "='", '"', "'", '@', '/', '.', ',', ';', '-', '_', '+'];
const BREAKS = ['\n', '\r\n', '\r', '\n\n', '\r\r\n'];
/** Non-ASCII: 2-, 3- and 4-byte UTF-8, lone surrogates, and letters that other case rules would fold to ASCII. */
const WIDE = ['é', 'Ω', '€', '🎉', '𝒌', '\ud800', '\udc00', '\u212a', '\u017f', '\u0130', '\u0131', 'ｋ', '\u0000', '\u00a0', '\u2028'];
const VALUE_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-/+=.~';

const arbToken = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...WORDS).chain(randomCase) },
  { weight: 2, arbitrary: fc.constantFrom(...EXACT) },
  { weight: 5, arbitrary: fc.constantFrom(...SEPARATORS) },
  { weight: 2, arbitrary: fc.constantFrom(...BREAKS) },
  { weight: 2, arbitrary: fc.constantFrom(...WIDE) },
  { weight: 4, arbitrary: fc.string({ unit: fc.constantFrom(...VALUE_CHARS.split('')), maxLength: 45 }) },
  { weight: 1, arbitrary: arbAnySecret.map((x) => x.secret) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 6 }) },
);
/** Text mixing triggers in random case, separators, CRLF, non-ASCII and planted secrets, long enough to span many 16-byte blocks. */
const arbMixed = fc.array(arbToken, { maxLength: 80 }).map((ts) => ts.join(''));

/** Unscoped allowlist entries that sometimes suppress a candidate. */
const arbAllowlist: fc.Arbitrary<Allowlist> = fc.array(
  fc.oneof(
    fc.constantFrom('AKIA', 'ghp_', 'xoxb-', '0123', 'ab', 'KEY', '@').map((text): secrets.AllowEntry => ({ matcher: { _tag: 'Literal', text }, reason: 'test', paths: [] })),
    fc.constantFrom('^bearer', 'x{3}', '[0-9]{4}', 'secret').map((source): secrets.AllowEntry => ({ matcher: { _tag: 'Pattern', source, regex: new RegExp(source, 'i') }, reason: 'test', paths: [] })),
  ),
  { maxLength: 2 },
);

/** Every line the selector visits, as `number:start:end:text`. */
const visited = (content: string): string[] => {
  const out: string[] = [];
  forEachTriggerLine(content, (line, n, start, end) => out.push(`${n}:${start}:${end}:${line}`));
  return out;
};

// ───────────────────────────────────────── properties ─────────────────────────────────────────

describe('secret line selection (secrets.md §1 S1–S2)', () => {
  test('every line with a secrets.md §2 candidate is visited once, in order, with its number, span and text', () => {
    fc.assert(
      fc.property(arbMixed, (content) => {
        const lines = refLines(content);
        let offset = 0;
        const spans = content.split('\n').map((raw, i) => {
          const start = offset;
          offset += raw.length + 1;
          return `${i + 1}:${start}:${start + (lines[i] as string).length}:${lines[i]}`;
        });
        const needed = spans.filter((_, i) => refCandidates(lines[i] as string).length > 0);
        const seen = visited(content);
        // visited lines are real lines, strictly increasing
        for (const v of seen) expect(spans).toContain(v);
        expect(seen.map((v) => Number(v.split(':')[0]))).toEqual([...new Set(seen.map((v) => Number(v.split(':')[0])))].sort((a, b) => a - b));
        for (const v of needed) expect(seen).toContain(v);
      }),
      RUNS,
    );
  });

  test('scanForSecrets equals the reference (ten regular expressions on every line)', () => {
    fc.assert(
      fc.property(arbMixed, arbAllowlist, (content, allowlist) => {
        const a = deepFreeze(allowlist);
        const expected = refFindings(content, a);
        const r = scanForSecrets(content, 'src/a.ts', a);
        expect(r.findings.map((f) => `${f.pattern} ${f.line}:${f.column}`)).toEqual(expected);
        expect(r.clean).toBe(expected.length === 0);
      }),
      RUNS,
    );
  });

  test('redact leaves lines without candidates unchanged, keeps the line count, and its result has no reference candidate left', () => {
    fc.assert(
      fc.property(arbMixed, arbAllowlist, (content, allowlist) => {
        const a = deepFreeze(allowlist);
        const r = redact(content, a);
        expect(refFindings(r, a)).toEqual([]);
        const before = content.split('\n');
        const after = r.split('\n');
        expect(after.length).toBe(before.length);
        before.forEach((raw, i) => {
          const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
          if (refCandidates(line).length === 0) expect(after[i]).toBe(raw);
        });
      }),
      RUNS,
    );
  });

  test('examples: anchors at block edges, long blank runs, UTF-16 offsets after astral and lone surrogates', () => {
    const cases = [
      `${'x'.repeat(15)}akia${'Q'.repeat(16)}`,
      `${'x'.repeat(13)}pwd${' \t'.repeat(40)}= hunter2hunter2`,
      `🎉🎉🎉\ud800é€ password: "correct-horse"\r\nnext ${'€'.repeat(9)}Bearer ${'t'.repeat(24)}`,
      `${'=:'.repeat(30)}SeCrEt\t: ${'s'.repeat(16)}`,
      `mongodb+srv://user:pa:ss@host\n-----BEGIN OPENSSH PRIVATE KEY-----\nxoxs-${'1'.repeat(10)}`,
      `x_github_pat_${'A'.repeat(22)} ghr_${'b'.repeat(36)}`,
    ];
    for (const c of cases) {
      const expected = refFindings(c, []);
      expect(expected.length).toBeGreaterThan(0);
      expect(scanForSecrets(c, 'f', []).findings.map((f) => `${f.pattern} ${f.line}:${f.column}`)).toEqual(expected);
    }
  });

  test('non-ASCII letters that other case rules fold to ASCII (Kelvin sign, long s, dotless i) match no keyword, as with the i flag', () => {
    const cases = [`a\u212aia${'Q'.repeat(16)}`, `pa\u017f\u017fword=hunter2hunter2`, `AK\u0130A${'Q'.repeat(16)}`, `akıa${'Q'.repeat(16)}`, `\u017fecret=${'s'.repeat(16)}`];
    for (const c of cases) {
      expect(refFindings(c, [])).toEqual([]);
      expect(scanForSecrets(c, 'f', []).findings).toEqual([]);
    }
  });

  test('texts on either side of 256 Ki characters (where a second selector used to take over) give the reference findings', () => {
    for (const n of [(1 << 18) - 30, (1 << 18) + 1]) {
      const text = `${'é'.repeat(7)}${'x'.repeat(n - 31)}\npassword=hunter2hunter2 ${'🎉'.repeat(3)}AKIA${'Z'.repeat(16)}`;
      expect(scanForSecrets(text, 'f', []).findings.map((f) => `${f.pattern} ${f.line}:${f.column}`)).toEqual(['generic-password 2:1', 'aws-access-key 2:31']);
    }
  });

  test('a text of 1 MB with a trigger on every line is visited line by line (linear)', () => {
    const text = Array.from({ length: 20_000 }, (_, i) => `v${i} = Token: ${i}`).join('\r\n');
    expect(visited(text).length).toBe(20_000);
  });
});
