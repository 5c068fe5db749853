import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import * as E from 'fp-ts/Either';
import { paths, secrets } from '@arbiter/kernel';
import { RUNS, deepFreeze } from './arb/freeze.js';
import { arbAnySecret, arbLine, arbSecret, arbText } from './arb/secrets.js';
import { arbDiffModel, modelCounts, renderDiff, renderHunk, type DiffModel } from './arb/diff.js';

const { scanForSecrets, redact, parseUnifiedDiff, blastRadius, findCandidates, PATTERN_NAMES } = secrets;
type Allowlist = secrets.Allowlist;
type PatternName = secrets.PatternName;

const lit = (text: string, ...ps: string[]): secrets.AllowEntry => ({
  matcher: { _tag: 'Literal', text },
  reason: 'test',
  paths: ps.map((p) => {
    const n = paths.normalizePath(p);
    if (E.isLeft(n)) throw new Error(p);
    return n.right;
  }),
});
const pat = (source: string): secrets.AllowEntry => ({ matcher: { _tag: 'Pattern', source, regex: new RegExp(source, 'i') }, reason: 'test', paths: [] });
const scan = (s: string, a: Allowlist = [], f = 'src/a.ts') => scanForSecrets(s, f, deepFreeze(a));
const names = (s: string, a: Allowlist = []) => scan(s, a).findings.map((f) => f.pattern);
const tok = (n: number, c = 'A') => c.repeat(n);

/** Reference S3+S4 over `findCandidates`, with literal/pattern suppression. */
const refKept = (line: string, a: Allowlist) => {
  const cs = findCandidates(line)
    .filter((c) => !a.some((e) => (e.matcher._tag === 'Literal' ? c.text.includes(e.matcher.text) : e.matcher.regex.test(c.text))))
    .slice()
    .sort((x, y) => x.start - y.start || PATTERN_NAMES.indexOf(x.pattern) - PATTERN_NAMES.indexOf(y.pattern));
  const kept: typeof cs = [];
  for (const c of cs) if (kept.length === 0 || c.start >= (kept[kept.length - 1] as { end: number }).end) kept.push(c);
  return kept;
};

// ───────────────────────────────────────── examples: patterns (secrets.md §2) and scan (secrets.md §1) ─────────────────────────────

describe('scanForSecrets examples (secrets.md §1, secrets.md §2)', () => {
  test('secrets.md §1 examples', () => {
    const r = scan(`token: ghp_${tok(36)}`);
    expect(r.findings.map((f) => [f.pattern, f.column])).toEqual([['generic-secret', 1]]);
    expect(names(`password=hunter2hunter2 api_key=${tok(24, 'k')}`)).toEqual(['generic-password', 'generic-api-key']);
    expect(scan('Send the bearer token in the header.')).toEqual({ findings: [], clean: true });
  });
  test('secrets.md §2 examples', () => {
    expect(names('Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0')).toEqual(['bearer-token']);
    expect(names('-----BEGIN PRIVATE KEY-----')).toEqual(['private-key']);
    expect(names('postgresql://app:s3cret@db:5432/x')).toEqual(['connection-string']);
  });
  test('aws-access-key: exactly AKIA + 16, case-insensitive; 15 is not enough', () => {
    expect(names(`AKIA${tok(16, '7')}`)).toEqual(['aws-access-key']);
    expect(names(`akia${tok(16, 'q')}`)).toEqual(['aws-access-key']);
    expect(names(`AKIA${tok(15, '7')}`)).toEqual([]);
  });
  test('aws-secret-key: exactly 40, not 39, not 41', () => {
    expect(names(`aws_secret_access_key = "${tok(40, 'a')}`)).toEqual(['aws-secret-key']);
    expect(names(`SECRET_KEY:${tok(40, '/')}`)).toEqual(['aws-secret-key']);
    expect(names(`secret_key=${tok(39, 'a')}`)).toEqual([]);
    expect(names(`secret_key=${tok(41, 'a')}`)).toEqual([]);
  });
  test('generic-api-key: 20 matches, 19 does not; api_key, api-key, apikey', () => {
    for (const k of ['api_key', 'API-KEY', 'apikey']) expect(names(`${k}: '${tok(20, 'x')}`)).toEqual(['generic-api-key']);
    expect(names(`api_key=${tok(19, 'x')}`)).toEqual([]);
  });
  test('bearer-token: 20 token characters match, 19 do not; tabs allowed; padding kept', () => {
    expect(names(`bearer\t${tok(20, 'z')}`)).toEqual(['bearer-token']);
    expect(names(`Bearer ${tok(19, 'z')} x`)).toEqual([]);
    const r = findCandidates(`BEARER ${tok(20, 'z')}==`);
    expect(r.map((c) => c.text)).toEqual([`BEARER ${tok(20, 'z')}==`]);
  });
  test('private-key: every header kind; case-sensitive', () => {
    for (const k of ['', 'RSA ', 'EC ', 'DSA ', 'OPENSSH ', 'ENCRYPTED ']) expect(names(`-----BEGIN ${k}PRIVATE KEY-----`)).toEqual(['private-key']);
    expect(names('-----begin private key-----')).toEqual([]);
    expect(names('-----BEGIN PUBLIC KEY-----')).toEqual([]);
  });
  test('connection-string: every scheme; needs user, password and @', () => {
    for (const s of ['postgres', 'postgresql', 'mysql', 'mongodb', 'mongodb+srv', 'redis', 'REDISS']) expect(names(`${s}://u:p@h`)).toEqual(['connection-string']);
    expect(names('redis://u@h')).toEqual([]);
    expect(names('redis://:p@h')).toEqual([]);
    expect(names('redis://u:@h')).toEqual([]);
    expect(names('redis://u:p h@x')).toEqual([]);
    expect(names('http://u:p@h')).toEqual([]);
  });
  test('github-token: 36 / 22 boundaries; case-sensitive prefix', () => {
    expect(names(`ghp_${tok(36)}`)).toEqual(['github-token']);
    expect(names(`ghp_${tok(35)}`)).toEqual([]);
    expect(names(`github_pat_${tok(22)}`)).toEqual(['github-token']);
    expect(names(`github_pat_${tok(21)}`)).toEqual([]);
    expect(names(`GHP_${tok(36)}`)).toEqual([]);
  });
  test('generic-password: 8 characters match, 7 do not; keywords without word boundary', () => {
    expect(names('db_password=abcdefgh')).toEqual(['generic-password']);
    expect(names('PWD: "abcdefgh"')).toEqual(['generic-password']);
    expect(names('passwd=abcdefg')).toEqual([]);
  });
  test('slack-token: 10 characters match, 9 do not', () => {
    expect(names(`xoxb-${tok(10, '1')}`)).toEqual(['slack-token']);
    expect(names(`XOXP-${tok(9, '1')}`)).toEqual([]);
    expect(names(`xoxa-${tok(20, '1')}`)).toEqual([]);
  });
  test('generic-secret: 16 match, 15 do not; secret, token, credential', () => {
    for (const k of ['secret', 'TOKEN', 'credential']) expect(names(`${k} = ${tok(16, 'b')}`)).toEqual(['generic-secret']);
    expect(names(`token=${tok(15, 'b')}`)).toEqual([]);
  });
  test('S1 lines split on \\n, one trailing \\r removed; numbered from 1; columns 1-based', () => {
    const r = scan(`a\r\nb AKIA${tok(16)}\r\n\nxoxb-${tok(10, '1')}`);
    expect(r.findings.map((f) => [f.line, f.column, f.pattern])).toEqual([
      [2, 3, 'aws-access-key'],
      [4, 1, 'slack-token'],
    ]);
  });
  test('S4 overlap resolution: start ties break by table order; every distinct finding on a line is reported', () => {
    // secret_key=<40> is aws-secret-key (2) and, from the same start, nothing else; the inner AKIA overlaps and is dropped.
    expect(names(`secret_key=AKIA${tok(36, '1')}`)).toEqual(['aws-secret-key']);
    expect(names(`xoxb-${tok(10, '1')} AKIA${tok(16)} ghp_${tok(36)}`)).toEqual(['slack-token', 'aws-access-key', 'github-token']);
  });
  test('S5 snippets are redacted and cut to 100 characters (97 plus ...)', () => {
    const line = `AKIA${tok(16)} ` + 'x'.repeat(200);
    const f = scan(line).findings[0];
    expect(f?.snippet).toBe(`[REDACTED:aws-access-key] ${'x'.repeat(97 - 26)}...`);
    expect(f?.snippet.length).toBe(100);
    const short = scan(`k AKIA${tok(16)}`).findings[0];
    expect(short?.snippet).toBe('k [REDACTED:aws-access-key]');
    const exactly100 = `AKIA${tok(16)}` + 'y'.repeat(100 - 25);
    expect(scan(exactly100).findings[0]?.snippet.length).toBe(100);
    expect(scan(exactly100).findings[0]?.snippet.endsWith('...')).toBe(false);
  });
  test('findingMessage: file:line:column pattern snippet', () => {
    const f = scan(`x AKIA${tok(16)}`, [], 'src/k.ts').findings[0] as secrets.Finding;
    expect(secrets.findingMessage(f)).toBe('src/k.ts:1:3 aws-access-key x [REDACTED:aws-access-key]');
  });
  test('findingMessage: C0 and C1 control characters and DEL in the label and the snippet print as ?, nothing else does', () => {
    const ctl = '\u0000\u001f\u007f\u009f';
    const kept = ' ~\u00a0é';
    const f = scan(`${ctl}${kept}AKIA${tok(16)}`, [], `a${ctl}${kept}b`).findings[0] as secrets.Finding;
    expect(f.snippet).toBe(`${ctl}${kept}[REDACTED:aws-access-key]`);
    expect(secrets.findingMessage(f)).toBe(`a????${kept}b:1:9 aws-access-key ????${kept}[REDACTED:aws-access-key]`);
  });
});

describe('allowlist (secrets.md §3)', () => {
  const key = `AKIA${tok(16, '9')}`;
  test('a literal suppresses only candidates whose own text contains it', () => {
    expect(names(`${key} AKIA${tok(16, '8')}`, [lit('9999')])).toEqual(['aws-access-key']);
    expect(scan(`${key}`, [lit(key)]).clean).toBe(true);
    // the literal occurs on the line but not in the candidate's text: nothing suppressed
    expect(names(`example ${key}`, [lit('example')])).toEqual(['aws-access-key']);
  });
  test('a pattern entry is case-insensitive and tests the candidate text', () => {
    expect(scan(key, [pat('^akia9+$')]).clean).toBe(true);
    expect(scan(key, [pat('^akia8')]).clean).toBe(false);
  });
  test('path-scoped entries match at segment boundaries, case-sensitively; pseudo labels never match', () => {
    const e = lit(key, 'fixtures/');
    expect(scan(key, [e], 'test/fixtures/keys.txt').clean).toBe(true);
    expect(scan(key, [e], 'fixtures').clean).toBe(false); // a file named fixtures: the directory entry needs a segment after it
    expect(scan(key, [e], 'myfixtures/keys.txt').clean).toBe(false);
    expect(scan(key, [e], 'Fixtures/keys.txt').clean).toBe(false);
    expect(scan(key, [e], 'prompt:t1').clean).toBe(false);
    expect(scan(key, [lit(key)], 'prompt:t1').clean).toBe(true);
    expect(scan(key, [lit(key, 'a/b.ts')], 'src/a/b.ts').clean).toBe(true);
    expect(scan(key, [lit(key, 'a/b.ts')], 'src/a/b.tsx').clean).toBe(false);
  });
  test('decodeAllowlist: missing, unreadable, dropped entries (fail-closed)', () => {
    expect(secrets.decodeAllowlist(undefined)).toEqual({ allowlist: [], problems: [] });
    expect(secrets.decodeAllowlist('nonsense').problems[0]?.code).toBe('secret-allowlist-unreadable');
    const d = secrets.decodeAllowlist({
      entries: [
        { literal: 'abc', reason: 'doc example' },
        { pattern: '([', reason: 'broken' },
        { literal: 'x', pattern: 'y', reason: 'both' },
        { literal: 'x', reason: '' },
        { literal: 'x', reason: 'bad path', paths: ['../x'] },
        { pattern: '^AKIAEXAMPLE', reason: 'docs', paths: ['docs/'] },
      ],
    });
    expect(d.allowlist.map((e) => e.matcher._tag)).toEqual(['Literal', 'Pattern']);
    expect(d.problems.map((p) => [p.code, p.index])).toEqual([
      ['secret-allowlist-entry-dropped', 1],
      ['secret-allowlist-entry-dropped', 2],
      ['secret-allowlist-entry-dropped', 3],
      ['secret-allowlist-entry-dropped', 4],
    ]);
    const p = d.allowlist[1]?.matcher;
    expect(p?._tag === 'Pattern' && p.regex.flags).toBe('i');
  });
  test('decodeAllowlist: a document that is not an object with an entries list is unreadable (null, a list, entries not a list)', () => {
    const unreadable = { allowlist: [], problems: [{ code: 'secret-allowlist-unreadable', index: -1, detail: 'expected an object with an entries list' }] };
    const entries = [{ literal: 'abc', reason: 'r' }];
    for (const doc of [null, 'nonsense', 3, [], {}, { entries: 'x' }, { entries: null }, Object.assign([], { entries }), Object.assign(() => 0, { entries })])
      expect(secrets.decodeAllowlist(doc)).toEqual(unreadable);
    expect(secrets.decodeAllowlist({ entries: [] })).toEqual({ allowlist: [], problems: [] });
  });
  test('decodeAllowlist: each dropped entry says why; a kept entry keeps its matcher, reason and normalized paths', () => {
    const d = secrets.decodeAllowlist({
      entries: [
        3,
        null,
        { literal: 'x' },
        { literal: 'x', reason: ' \t' },
        { reason: 'no matcher' },
        { literal: 'x', pattern: 'y', reason: 'both' },
        { literal: 'x', reason: 'bad path', paths: ['docs/', '../x'] },
        { literal: '', reason: 'empty literal' },
        { pattern: '([', reason: 'broken' },
        { literal: 'abc', reason: 'doc example' },
        { pattern: '^AKIAEXAMPLE', reason: 'docs', paths: ['docs/', './a//b.ts'] },
      ],
    });
    const dropped = (index: number, detail: string) => ({ code: 'secret-allowlist-entry-dropped', index, detail });
    const shape = 'entry must have a reason and a literal or a pattern';
    expect(d.problems).toEqual([
      dropped(0, shape),
      dropped(1, shape),
      dropped(2, shape),
      dropped(3, 'empty reason'),
      dropped(4, 'exactly one of literal and pattern is required'),
      dropped(5, 'exactly one of literal and pattern is required'),
      dropped(6, 'invalid path (path-traversal)'),
      dropped(7, 'empty literal'),
      dropped(8, 'invalid regular expression'),
    ]);
    expect(d.allowlist).toEqual([
      { matcher: { _tag: 'Literal', text: 'abc' }, reason: 'doc example', paths: [] },
      {
        matcher: { _tag: 'Pattern', source: '^AKIAEXAMPLE', regex: /^AKIAEXAMPLE/i },
        reason: 'docs',
        paths: [
          { _tag: 'Rel', segments: ['docs'], dir: true },
          { _tag: 'Rel', segments: ['a', 'b.ts'], dir: false },
        ],
      },
    ]);
  });
  test('a pseudo label never matches a path-scoped entry, even one naming it; a label with a colon further on is a path', () => {
    const key = `AKIA${tok(16, '9')}`;
    // prompt:t1 and ledger:dlq are valid relative paths too, so only the pseudo-label rule keeps these entries away
    expect(scan(key, [lit(key, 'prompt:t1')], 'prompt:t1').clean).toBe(false);
    expect(scan(key, [lit(key, 'ledger:dlq')], 'ledger:dlq').clean).toBe(false);
    expect(scan(key, [lit(key, 'a-_0Z:b')], 'a-_0Z:b').clean).toBe(false);
    // a one-character prefix is not a pseudo label (a drive letter is no valid path; a digit is)
    expect(scan(key, [lit(key, '1:y')], '1:y').clean).toBe(true);
    expect(scan(key, [lit(key, 'a/')], 'a/prompt:t1').clean).toBe(true);
    expect(scan(key, [lit(key, 'a.b:c')], 'a.b:c').clean).toBe(true);
  });
  test('the whole tree as an entry path applies to every repository path; a label that is no valid path meets only unscoped entries', () => {
    const key = `AKIA${tok(16, '9')}`;
    for (const root of ['.', '']) {
      expect(scan(key, [lit(key, root)], 'src/a.ts').clean).toBe(true);
      expect(scan(key, [lit(key, root)], '.').clean).toBe(true);
      expect(scan(key, [lit(key, root)], 'prompt:t1').clean).toBe(false);
    }
    expect(scan(key, [lit(key, 'src/')], '.').clean).toBe(false);
    expect(scan(key, [lit(key, 'x/')], '../x/a.ts').clean).toBe(false);
    expect(scan(key, [lit(key)], '../x/a.ts').clean).toBe(true);
    expect(scan(key, [lit(key, 'x/')], 'x/a.ts').clean).toBe(true);
  });
  test('an entry with several paths applies where any one of them matches', () => {
    const key = `AKIA${tok(16, '9')}`;
    expect(scan(key, [lit(key, 'docs/', 'src/')], 'src/a.ts').clean).toBe(true);
    expect(scan(key, [lit(key, 'docs/', 'src/')], 'lib/a.ts').clean).toBe(false);
  });
});

describe('redact examples (secrets.md §5)', () => {
  test('X2 lines without candidates are unchanged; line endings kept', () => {
    const s = 'a\r\nb\n\nc';
    expect(redact(s, [])).toBe(s);
    expect(redact(`x\r\ny AKIA${tok(16)}\r\nz`, [])).toBe('x\r\ny [REDACTED:aws-access-key]\r\nz');
  });
  test('X3 a maximal covered run is named after its leftmost candidate', () => {
    expect(redact(`token: ghp_${tok(36)} end`, [])).toBe('[REDACTED:generic-secret] end');
    expect(redact(`AKIA${tok(16)}AKIA${tok(16)}`, [])).toBe('[REDACTED:aws-access-key]');
  });
  test('X4 a line that still scans dirty is masked whole', () => {
    // Only the 40-character value is a match; the same text inside a 41-character run is not, so it would survive.
    const v = tok(40, 'a');
    const line = `secret_key=${v} secret_key=${v}b`;
    expect(redact(line, [])).toBe('[REDACTED LINE:aws-secret-key]');
    // the same with more than 16 candidates on the line (the loose aws-secret-key pass finds the survivor)
    const many = Array.from({ length: 20 }, (_, i) => `secret_key=${String(i).padStart(40, 'b')}`).join(' ');
    expect(redact(`${many} secret_key=${'0'.padStart(40, 'b')}c`, [])).toBe('[REDACTED LINE:aws-secret-key]');
    expect(redact(`${many} secret_key=${'x'.padStart(40, 'b')}c`, [])).toBe(Array.from({ length: 20 }, () => '[REDACTED:aws-secret-key]').join(' ') + ` secret_key=${'x'.padStart(40, 'b')}c`);
  });
});

// ───────────────────────────────────────── properties SC-1 … SC-9 ─────────────────────────────────────────

describe('scan properties (secrets.md §9)', () => {
  test('SC-1 total on arbitrary full-Unicode strings, and clean ⇔ no findings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => {
        const r = scan(s);
        expect(r.clean).toBe(r.findings.length === 0);
      }),
      RUNS,
    );
  });
  test('SC-2 detection: a planted secret of every pattern is found at its line and column (or under an overlapping leftmost one)', () => {
    fc.assert(
      fc.property(arbText, arbAnySecret, arbText, (pre, { pattern, secret }, post) => {
        const text = `${pre} ${secret} ${post}`;
        const start = pre.length + 1;
        const lineStart = text.lastIndexOf('\n', start) + 1;
        const lineNo = pre.split('\n').length;
        const col0 = start - lineStart;
        const lineEnd = text.indexOf('\n', start);
        const line = text.slice(lineStart, lineEnd === -1 ? text.length : lineEnd).replace(/\r$/, '');
        const r = scan(text);
        const onLine = r.findings.filter((f) => f.line === lineNo);
        const cands = findCandidates(line);
        const exact = onLine.some((f) => f.pattern === pattern && f.column === col0 + 1);
        const covering = onLine.some((f) => cands.some((c) => c.pattern === f.pattern && c.start === f.column - 1 && c.start <= col0 && c.end > col0));
        expect(exact || covering).toBe(true);
      }),
      RUNS,
    );
  });
  test('SC-3 prose: bearer plus a word of 1 to 19 token characters never yields bearer-token', () => {
    fc.assert(
      fc.property(
        arbText,
        fc.constantFrom('bearer', 'Bearer', 'BEARER'),
        fc.string({ unit: fc.constantFrom(' ', '\t'), minLength: 1, maxLength: 3 }),
        fc.oneof(fc.constant(19), fc.integer({ min: 1, max: 19 })).chain((n) => fc.string({ unit: fc.constantFrom(...'abcXYZ019-._~+/'.split('')), minLength: n, maxLength: n })),
        fc.constantFrom(' ', ',', ';', '!', '"', ')', '\n'),
        arbText,
        (pre, b, ws, word, stop, post) => {
          const r = scan(`${pre} ${b}${ws}${word}${stop}${post.replace(/[A-Za-z0-9]/g, ' ')}`);
          const line = pre.split('\n').length;
          expect(r.findings.some((f) => f.pattern === 'bearer-token' && f.line === line)).toBe(false);
        },
      ),
      RUNS,
    );
  });
  test('SC-4 the plain and encrypted PKCS#8 headers are found', () => {
    fc.assert(
      fc.property(arbText, fc.constantFrom('-----BEGIN PRIVATE KEY-----', '-----BEGIN ENCRYPTED PRIVATE KEY-----'), arbText, (pre, h, post) => {
        const r = scan(`${pre}\n${h}\n${post}`);
        expect(r.findings).toContainEqual(expect.objectContaining({ pattern: 'private-key', line: pre.split('\n').length + 1, column: 1 }));
      }),
      RUNS,
    );
  });
  test('SC-5 leftmost and distinct: sorted, non-overlapping, first at the smallest unsuppressed start', () => {
    fc.assert(
      fc.property(arbLine, fc.option(arbAnySecret, { nil: undefined }), (line, allow) => {
        const a: Allowlist = allow === undefined ? [] : [lit(allow.secret.slice(0, 12))];
        const found = scan(line, a).findings;
        const kept = refKept(line, a);
        expect(found.map((f) => [f.column, f.pattern])).toEqual(kept.map((c) => [c.start + 1, c.pattern]));
        for (let i = 1; i < kept.length; i++) expect((kept[i] as { start: number }).start).toBeGreaterThanOrEqual((kept[i - 1] as { end: number }).end);
        if (found.length > 0) {
          const all = findCandidates(line).filter((c) => !a.some((e) => e.matcher._tag === 'Literal' && c.text.includes(e.matcher.text)));
          expect((found[0] as secrets.Finding).column - 1).toBe(Math.min(...all.map((c) => c.start)));
        }
      }),
      RUNS,
    );
  });
  test('SC-6 lines are independent: a concatenation scans as the union of the per-line scans', () => {
    fc.assert(
      fc.property(fc.array(arbLine, { maxLength: 6 }), fc.boolean(), (lines, crlf) => {
        const whole = scan(lines.join(crlf ? '\r\n' : '\n')).findings;
        const parts = lines.flatMap((l, i) => scan(l).findings.map((f) => ({ ...f, line: i + 1 })));
        expect(whole).toEqual(parts);
      }),
      RUNS,
    );
  });
  test('SC-7 allowlist monotone: a new entry only shifts findings inside overlap clusters found without it; a literal of one candidate suppresses nothing else', () => {
    fc.assert(
      fc.property(arbLine, arbLine, fc.nat(), (line, other, pick) => {
        const base = scan(line).findings;
        const cands = findCandidates(line);
        // an entry built from arbitrary text of another line
        const entryText = other.slice(0, 10);
        if (entryText !== '') {
          const withE = scan(line, [lit(entryText)]).findings;
          const baseSpans = refKept(line, []);
          for (const f of withE) {
            const c = cands.find((x) => x.pattern === f.pattern && x.start === f.column - 1) as { start: number; end: number };
            expect(baseSpans.some((b) => b.start < c.end && c.start < b.end)).toBe(true);
          }
          expect(withE.length === 0 || base.length > 0).toBe(true);
        }
        if (cands.length > 0) {
          const c = cands[pick % cands.length] as secrets.Candidate;
          if (cands.filter((x) => x.text.includes(c.text)).length === 1) {
            const kept = refKept(line, [lit(c.text)]);
            const expected = refKept(line, []).length === 0 ? [] : kept;
            expect(scan(line, [lit(c.text)]).findings.map((f) => [f.column, f.pattern])).toEqual(expected.map((k) => [k.start + 1, k.pattern]));
            // every other candidate is still a candidate: it was not suppressed
            const survivors = findCandidates(line).filter((x) => !x.text.includes(c.text));
            expect(survivors.length).toBe(cands.length - 1);
          }
        }
      }),
      RUNS,
    );
  });
  test('SC-8 no hidden state: results do not depend on earlier calls with other allowlists', () => {
    fc.assert(
      fc.property(arbLine, fc.array(fc.array(arbAnySecret.map((s) => lit(s.secret.slice(0, 8))), { maxLength: 2 }), { minLength: 1, maxLength: 4 }), (line, lists) => {
        const fresh = lists.map((a) => JSON.stringify(scan(line, a)));
        const again = [...lists].reverse().map((a) => JSON.stringify(scan(line, a))).reverse();
        expect(again).toEqual(fresh);
        expect(lists.map((a) => JSON.stringify(scan(line, a)))).toEqual(fresh);
      }),
      RUNS,
    );
  });
  test('SC-9 snippets never contain the text of an unsuppressed candidate', () => {
    fc.assert(
      fc.property(arbLine, fc.option(arbAnySecret, { nil: undefined }), (line, allow) => {
        const a: Allowlist = allow === undefined ? [] : [lit(allow.secret)];
        const live = findCandidates(line).filter((c) => !c.text.includes(allow?.secret ?? '\u0000none'));
        for (const f of scan(line, a).findings) for (const c of live) expect(f.snippet.includes(c.text)).toBe(false);
      }),
      RUNS,
    );
  });
});

// ───────────────────────────────────────── redaction properties RD-1 … RD-4 ─────────────────────────────────

const arbDoc = fc.array(fc.oneof(arbLine, arbText), { maxLength: 6 }).map((ls) => ls.join('\n'));
const arbAllow = fc.array(fc.oneof(arbAnySecret.map((s) => lit(s.secret.slice(0, 6))), fc.constant(pat('^ghp_'))), { maxLength: 2 });

describe('redaction properties (secrets.md §9)', () => {
  test('RD-1 scan(redact(x, A), A) is clean', () => {
    fc.assert(
      fc.property(arbDoc, arbAllow, fc.constantFrom('src/a.ts', 'prompt:t1', 'ledger:dlq'), (x, a, label) => {
        expect(scanForSecrets(redact(x, deepFreeze(a)), label, a).clean).toBe(true);
      }),
      RUNS,
    );
  });
  test('RD-2 redact is idempotent', () => {
    fc.assert(
      fc.property(arbDoc, arbAllow, (x, a) => {
        const once = redact(x, a);
        expect(redact(once, a)).toBe(once);
      }),
      RUNS,
    );
  });
  test('RD-3 line count preserved; lines without candidates unchanged byte for byte', () => {
    fc.assert(
      fc.property(arbDoc, arbAllow, (x, a) => {
        const out = redact(x, a).split('\n');
        const inp = x.split('\n');
        expect(out.length).toBe(inp.length);
        inp.forEach((l, i) => {
          const bare = l.replace(/\r$/, '');
          if (refKept(bare, a).length === 0 && findCandidates(bare).every((c) => a.some((e) => (e.matcher._tag === 'Literal' ? c.text.includes(e.matcher.text) : e.matcher.regex.test(c.text)))))
            expect(out[i]).toBe(l);
        });
      }),
      RUNS,
    );
  });
  test('RD-4 redacted text contains none of the generated secrets', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(arbText, arbAnySecret), { minLength: 1, maxLength: 4 }), arbText, (parts, tail) => {
        const x = parts.map(([t, s]) => `${t} ${s.secret} `).join('') + tail;
        const out = redact(x, []);
        for (const [, s] of parts) expect(out.includes(s.secret)).toBe(false);
      }),
      RUNS,
    );
  });
  test('redactedExcerpt: the start or the end of the redacted text, cut to max; a shorter text whole', () => {
    const x = `abc AKIA${tok(16)} def`; // redacted: 'abc [REDACTED:aws-access-key] def', 33 characters
    const ex = (t: string, max: number, side: 'head' | 'tail', a: Allowlist = []) => secrets.redactedExcerpt(t, max, deepFreeze(a), side);
    expect(ex(x, 33, 'head')).toBe('abc [REDACTED:aws-access-key] def');
    expect(ex(x, 100, 'tail')).toBe('abc [REDACTED:aws-access-key] def');
    expect([ex(x, 5, 'head'), ex(x, 5, 'tail')]).toEqual(['abc [', '] def']);
    expect([ex(x, 30, 'head'), ex(x, 30, 'tail')]).toEqual(['abc [REDACTED:aws-access-key] ', ' [REDACTED:aws-access-key] def']);
    expect([ex(x, 3.7, 'head'), ex(x, 0, 'tail'), ex(x, -1, 'head')]).toEqual(['abc', '', '']);
    // a cut that creates a match is redacted again: 41 characters are no aws-secret-key, the first 40 are
    const v = `secret_key=${tok(41, 'a')}`;
    expect(ex(v, 52, 'head')).toBe(v);
    expect(ex(v, 51, 'head')).toBe('[REDACTED:aws-secret-key]');
    expect(ex(v, 50, 'head')).toBe(v.slice(0, 50));
    // the candidate loses the allowlisted literal in the cut; its marker is longer than the cut, so the cut shrinks
    const g = `token = ${tok(16, 'B')}XYZ`;
    const allowXyz = [lit('XYZ')];
    expect(ex(g, 27, 'head', allowXyz)).toBe(g);
    expect(ex(g, 25, 'head', allowXyz)).toBe('[REDACTED:generic-secret]');
    expect(ex(g, 24, 'head', allowXyz)).toBe(`token = ${tok(15, 'B')}`);
    expect(ex(g, 24, 'head')).toBe('[REDACTED:generic-secret');
  });
  test('redactedExcerpt: at most max characters, clean, head or tail', () => {
    fc.assert(
      fc.property(arbDoc, fc.nat(120), fc.constantFrom('head', 'tail') as fc.Arbitrary<'head' | 'tail'>, (x, max, side) => {
        const e = secrets.redactedExcerpt(x, max, [], side);
        expect(e.length).toBeLessThanOrEqual(max);
        expect(scanForSecrets(e, 'ledger:dlq', []).clean).toBe(true);
      }),
      RUNS,
    );
  });
});

// ───────────────────────────────────────── diff parser and blast radius ─────────────────────────────────────

const diffOf = (files: number, added: number): string => {
  const out: string[] = [];
  for (let f = 0; f < files; f++) {
    const n = Math.floor(added / files) + (f < added % files ? 1 : 0);
    out.push(`diff --git a/f${f} b/f${f}`, `--- a/f${f}`, `+++ b/f${f}`);
    if (n > 0) out.push(`@@ -0,0 +1,${n} @@`, ...Array.from({ length: n }, (_, i) => `+line ${i}`));
  }
  return out.join('\n') + '\n';
};

describe('parseUnifiedDiff examples (secrets.md §6)', () => {
  test('example 1 and 2: --- and +++ content lines are counted', () => {
    const d = 'diff --git a/x b/x\nindex 1..2 100644\n--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n--- drop column\n+++i;\n ctx\n';
    expect(parseUnifiedDiff(d)).toEqual(E.right({ files: 1, added: 1, removed: 1, linesChanged: 2 }));
  });
  test('example 3: a hunk cut short by the next diff --git is malformed', () => {
    const d = 'diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1,3 @@\n+a\n+b\ndiff --git a/y b/y\n';
    expect(parseUnifiedDiff(d)).toEqual(E.left({ _tag: 'DiffMalformed', reason: 'diff-malformed', line: 7, detail: 'unexpected-line-in-hunk' }));
  });
  test('U2 header variants, default counts of 1, text after @@ ignored, binary sections', () => {
    expect(parseUnifiedDiff('--- a\n+++ b\n@@ -3 +3 @@ fn\n-x\n+y\n')).toEqual(E.right({ files: 1, added: 1, removed: 1, linesChanged: 2 }));
    expect(parseUnifiedDiff('diff --git a/p b/p\nBinary files a/p and b/p differ\n')).toEqual(E.right({ files: 1, added: 0, removed: 0, linesChanged: 0 }));
    expect(parseUnifiedDiff('')).toEqual(E.right({ files: 0, added: 0, removed: 0, linesChanged: 0 }));
    expect(E.isLeft(parseUnifiedDiff('@@ -x +1 @@\n'))).toBe(true);
    expect(E.isLeft(parseUnifiedDiff('@@ -1 +1\n'))).toBe(true);
  });
  test('U3 markers and empty context lines; a trailing \\ marker after the hunk', () => {
    expect(parseUnifiedDiff('@@ -1,2 +1,2 @@\n\n-a\n\\ No newline at end of file\n+b\n\\ No newline at end of file\n')).toEqual(E.right({ files: 0, added: 1, removed: 1, linesChanged: 2 }));
  });
  test('U4 counters below zero and text ending inside a hunk', () => {
    expect(parseUnifiedDiff('@@ -1 +1 @@\n-a\n-b\n')).toMatchObject({ left: { detail: 'counter-below-zero' } });
    expect(parseUnifiedDiff('@@ -1,2 +1,2 @@\n a\n')).toMatchObject({ left: { detail: 'ends-inside-hunk' } });
    expect(parseUnifiedDiff('@@ -0,0 +1 @@\n x\n')).toMatchObject({ left: { detail: 'counter-below-zero' } });
  });
  test('U4 the malformed line and detail: one past the end for text ending inside a hunk', () => {
    const bad = (line: number, detail: string) => E.left({ _tag: 'DiffMalformed', reason: 'diff-malformed', line, detail });
    expect(parseUnifiedDiff('x\n@@ -1,2 +1,2 @@\n a\n')).toEqual(bad(4, 'ends-inside-hunk'));
    expect(parseUnifiedDiff('x\n@@ -1,2 +1,2 @@\n a')).toEqual(bad(4, 'ends-inside-hunk'));
    expect(parseUnifiedDiff('x\n@@ -1 +1 @@\n-a\n-b\n')).toEqual(bad(4, 'counter-below-zero'));
    expect(parseUnifiedDiff('x\n@@ -1 +1 @@\n+a\n+b\n')).toEqual(bad(4, 'counter-below-zero'));
    expect(parseUnifiedDiff('x\n@@ -1,1 +0,0 @@\n a\n')).toEqual(bad(3, 'counter-below-zero'));
    expect(parseUnifiedDiff('x\n@@ -0,0 +1,1 @@\n\n')).toEqual(bad(3, 'counter-below-zero'));
    expect(parseUnifiedDiff('x\ny\n@@ -1 +1\n')).toEqual(bad(3, 'bad-hunk-header'));
    expect(parseUnifiedDiff('x\n@@ -1 +1 @@\n#a\n')).toEqual(bad(3, 'unexpected-line-in-hunk'));
  });
  test('U2 hunk header numbers have 1 to 15 digits', () => {
    expect(parseUnifiedDiff('@@ -123456789012345,1 +123456789012345,1 @@\n-a\n+b\n')).toEqual(E.right({ files: 0, added: 1, removed: 1, linesChanged: 2 }));
    expect(parseUnifiedDiff('@@ -1,000000000000000 +1,000000000000001 @@\n+a\n')).toEqual(E.right({ files: 0, added: 1, removed: 0, linesChanged: 1 }));
    for (const h of ['@@ -1234567890123456 +1 @@', '@@ -1,1234567890123456 +1 @@', '@@ -1 +1234567890123456 @@', '@@ -1 +1,1234567890123456 @@', '@@ - +1 @@', '@@ -1, +1 @@'])
      expect(parseUnifiedDiff(`${h}\n`)).toEqual(E.left({ _tag: 'DiffMalformed', reason: 'diff-malformed', line: 1, detail: 'bad-hunk-header' }));
  });
  test('U2 code note: a hunk header declaring 0 old and 0 new lines opens no hunk', () => {
    expect(parseUnifiedDiff('diff --git a/x b/x\n@@ -0,0 +0,0 @@\ndiff --git a/y b/y\n')).toEqual(E.right({ files: 2, added: 0, removed: 0, linesChanged: 0 }));
    expect(parseUnifiedDiff('@@ -0,0 +0,0 @@\n')).toEqual(E.right({ files: 0, added: 0, removed: 0, linesChanged: 0 }));
    expect(parseUnifiedDiff('@@ -1 +0,0 @@\n-a\n')).toEqual(E.right({ files: 0, added: 0, removed: 1, linesChanged: 1 }));
    expect(parseUnifiedDiff('@@ -0,0 +1 @@\n+a\n')).toEqual(E.right({ files: 0, added: 1, removed: 0, linesChanged: 1 }));
  });
  test('U1 CRLF lines and no final newline', () => {
    expect(parseUnifiedDiff('@@ -1 +1 @@\r\n-a\r\n+b')).toEqual(E.right({ files: 0, added: 1, removed: 1, linesChanged: 2 }));
  });
});

describe('blastRadius examples (secrets.md §7)', () => {
  test('BR1 malformed blocks', () => {
    const r = blastRadius('@@ -1 +1 @@\n');
    expect(r).toMatchObject({ _tag: 'Block', reason: 'blast-diff-malformed', passed: false, lines: null });
  });
  test('BR1 code note: no counts, and the summary names the line', () => {
    expect(blastRadius('x\n@@ -1 +1 @@\n')).toEqual({
      _tag: 'Block',
      reason: 'blast-diff-malformed',
      reasons: ['blast-diff-malformed'],
      level: 'block',
      passed: false,
      lines: null,
      files: null,
      summary: 'Blast radius: the diff could not be parsed at line 3 (block)',
    });
  });
  test('BR2–BR4 whole verdicts', () => {
    const v = (tag: string, reason: string, level: string, passed: boolean, lines: number, files: number) => ({ _tag: tag, reason, reasons: [reason], level, passed, lines, files, summary: `Blast radius: ${lines} lines, ${files} files (${level})` });
    expect(blastRadius('')).toEqual(v('Ok', 'blast-ok', 'ok', true, 0, 0));
    expect(blastRadius(diffOf(2, 199))).toEqual(v('Ok', 'blast-ok', 'ok', true, 199, 2));
    expect(blastRadius(diffOf(5, 5))).toEqual(v('Warn', 'blast-large', 'warn', true, 5, 5));
    expect(blastRadius(diffOf(1, 200))).toEqual(v('Warn', 'blast-large', 'warn', true, 200, 1));
    expect(blastRadius(diffOf(1, 500))).toEqual(v('Block', 'blast-too-large', 'block', false, 500, 1));
    expect(blastRadius(diffOf(10, 10))).toEqual(v('Block', 'blast-too-large', 'block', false, 10, 10));
  });
  test('BR2–BR4 summary text', () => {
    expect(blastRadius(diffOf(1, 3)).summary).toBe('Blast radius: 3 lines, 1 files (ok)');
    expect(blastRadius(diffOf(5, 5))).toMatchObject({ _tag: 'Warn', reason: 'blast-large', passed: true, summary: 'Blast radius: 5 lines, 5 files (warn)' });
    expect(blastRadius(diffOf(1, 500))).toMatchObject({ _tag: 'Block', reason: 'blast-too-large', passed: false });
  });
});

describe('diff and blast-radius properties (secrets.md §9)', () => {
  test('BL-1 counts follow the model for rendered diffs', () => {
    fc.assert(
      fc.property(arbDiffModel, (m) => {
        expect(parseUnifiedDiff(renderDiff(m))).toEqual(E.right(modelCounts(m)));
      }),
      RUNS,
    );
  });
  test('BL-2 threshold boundaries at 199/200 and 499/500 lines, 4/5 and 9/10 files', () => {
    const lvl = (files: number, lines: number) => blastRadius(diffOf(files, lines)).level;
    expect([lvl(1, 199), lvl(1, 200), lvl(1, 201)]).toEqual(['ok', 'warn', 'warn']);
    expect([lvl(1, 499), lvl(1, 500), lvl(1, 501)]).toEqual(['warn', 'block', 'block']);
    expect([lvl(4, 4), lvl(5, 5), lvl(6, 6)]).toEqual(['ok', 'warn', 'warn']);
    expect([lvl(9, 9), lvl(10, 10), lvl(11, 11)]).toEqual(['warn', 'block', 'block']);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 0, max: 600 }), (files, lines) => {
        const l = Math.max(lines, 0);
        const expected = l >= 500 || files >= 10 ? 'block' : l >= 200 || files >= 5 ? 'warn' : 'ok';
        expect(blastRadius(diffOf(files, l)).level).toBe(expected);
      }),
      { numRuns: 1000 },
    );
  });
  test('BL-3 monotone: more lines or files never lower the level', () => {
    const rank = { ok: 0, warn: 1, block: 2 } as const;
    fc.assert(
      fc.property(fc.nat(700), fc.nat(15), fc.nat(300), fc.nat(8), (l, f, dl, df) => {
        expect(rank[secrets.blastLevel(l + dl, f + df)]).toBeGreaterThanOrEqual(rank[secrets.blastLevel(l, f)]);
      }),
      RUNS,
    );
    fc.assert(
      fc.property(arbDiffModel, arbDiffModel, (a, b) => {
        const both: DiffModel = { ...a, git: true, files: [...a.files, ...b.files] };
        const one: DiffModel = { ...a, git: true };
        expect(rank[blastRadius(renderDiff(both)).level]).toBeGreaterThanOrEqual(rank[blastRadius(renderDiff(one)).level]);
      }),
      RUNS,
    );
  });
  test('BL-4 a truncated or corrupted hunk blocks with blast-diff-malformed, never Ok', () => {
    fc.assert(
      fc.property(arbDiffModel, fc.nat(), fc.boolean(), fc.constantFrom('x', '@', 'd', '#', '\t'), (m, pick, truncate, bad) => {
        const hunks = m.files.flatMap((f) => (f._tag === 'Text' ? f.hunks : []));
        if (hunks.length === 0) return;
        const text = renderDiff({ ...m, crlf: false });
        const lines = text.split('\n');
        // locate every hunk body line in the rendered text
        const bodyIdx: number[] = [];
        let i = 0;
        for (const f of m.files) {
          if (f._tag === 'Binary') {
            i += m.git ? 3 : 0;
            continue;
          }
          i += (m.git ? 2 : 0) + 2;
          for (const h of f.hunks) {
            const r = renderHunk(h);
            for (let k = 1; k < r.length; k++) if (!(r[k] as string).startsWith('\\')) bodyIdx.push(i + k);
            i += r.length;
          }
        }
        const at = bodyIdx[pick % bodyIdx.length] as number;
        const broken = truncate ? lines.slice(0, at).join('\n') + '\n' : [...lines.slice(0, at), bad + (lines[at] as string).slice(1), ...lines.slice(at + 1)].join('\n');
        const r = blastRadius(broken);
        expect(r.reason).toBe('blast-diff-malformed');
        expect(r.passed).toBe(false);
      }),
      RUNS,
    );
  });
});
