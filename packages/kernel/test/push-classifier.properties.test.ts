/**
 * Property tests for the push classifier, destination resolution and the pre-push parser: theorems PG-1 to PG-9
 * of push-gate.md §17. Expected values come from the generators' own structure (what was generated), never from
 * running the classifier.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  classifyPushCommand,
  hasGitPushTokens,
  isZeroOid,
  parsePrePushInput,
  prePushGatedRefs,
  resolveDestinations,
  MAX_COMMAND_CHARS,
  type DeployRefEntry,
  type RefsFacts,
} from '../src/push-gate/classifier.js';

import {
  applyContexts,
  bt,
  contextsGen,
  DATA_COMMANDS,
  dq,
  invocationsOf,
  pushGen,
  quotingsGen,
  renderWords,
  sq,
} from './push-classifier.generators.js';

describe('classifier theorems (push-gate.md §17)', () => {
  it('PG-1 exact pushes are found: generated git push in random quoting and contexts', () => {
    fc.assert(
      fc.property(pushGen(), quotingsGen, contextsGen, (g, qs, ctxs) => {
        const cmd = applyContexts(renderWords(g.words, qs), ctxs);
        const c = classifyPushCommand(cmd);
        expect(c._tag).toBe('Push');
        if (c._tag !== 'Push') return;
        expect(c.confidence).toBe('exact');
        expect(c.invocations).toEqual([g.expected]);
      }),
      { numRuns: 1500 },
    );
  });

  it('PG-2 quoted data is inert: a push inside quoted arguments of a data command is NotPush', () => {
    fc.assert(
      fc.property(
        pushGen(),
        quotingsGen,
        fc.constantFrom(...DATA_COMMANDS),
        fc.constantFrom<'single' | 'double'>('single', 'double'),
        fc.constantFrom('', ' --verbose', ' > out.txt', ' | wc -l', ' && echo done'),
        (g, qs, data, q, tail) => {
          const push = renderWords(g.words, qs);
          const cmd = `${data} ${q === 'single' ? sq(push) : dq(push)}${tail}`;
          expect(classifyPushCommand(cmd)).toEqual({ _tag: 'NotPush', reason: 'no-git-push' });
        },
      ),
      { numRuns: 800 },
    );
  });

  it('PG-2 decoys are inert: comments, heredoc data, here-string data, quoted message arguments', () => {
    fc.assert(
      fc.property(
        pushGen(),
        quotingsGen,
        fc.constantFrom(
          (p: string) => `# ${p}`,
          (p: string) => `echo ok # ${p}`,
          (p: string) => `cat <<'EOF'\n${p}\nEOF`,
          (p: string) => `cat <<EOF > notes.md\n${p}\nEOF\necho saved`,
          (p: string) => `tee out.txt <<-END\n\t${p}\n\tEND`,
          (p: string) => `cat <<< ${sq(p)}`,
          (p: string) => `git commit -m ${sq(p)} && git status`,
          (p: string) => `git log --grep=${dq(p)} | head`,
          (p: string) => `ssh deploy@host ${sq(p)}`,
        ),
        (g, qs, decoy) => {
          expect(classifyPushCommand(decoy(renderWords(g.words, qs)))).toEqual({ _tag: 'NotPush', reason: 'no-git-push' });
        },
      ),
      { numRuns: 800 },
    );
  });

  it('PG-3 substitutions are live: $(…) or backticks inside double quotes of any command yield the push', () => {
    fc.assert(
      fc.property(pushGen(), quotingsGen, fc.constantFrom(...DATA_COMMANDS), fc.boolean(), (g, qs, data, useBt) => {
        const push = renderWords(g.words, qs);
        const sub = useBt ? `\`${bt(push)}\`` : `$(${push})`;
        const c = classifyPushCommand(`${data} "result: ${sub} (done)"`);
        expect(c._tag === 'Push' && c.confidence === 'exact').toBe(true);
        expect(invocationsOf(c)).toEqual([g.expected]);
      }),
      { numRuns: 800 },
    );
  });

  const SHELLISH = fc.constantFrom(
    ...'git push origin main HEAD : + ~ ^ @ { } , ; & | ( ) < > << <<- <<< EOF \' " ` $ $( ${ $(( \\ # = - -- -C -c sh bash -c eval env sudo xargs cd \n \t  '.split(
      ' ',
    ),
    ' ',
    '\n',
    'EOF\n',
  );
  const shellish = fc.array(SHELLISH, { maxLength: 60 }).map((a) => a.join(''));

  it('PG-4 totality: never throws on any string, shell-like soup, or non-string', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 300 }), shellish, fc.anything()), (s) => {
        const c = classifyPushCommand(s);
        expect(['Push', 'NotPush']).toContain(c._tag);
      }),
      { numRuns: 3000 },
    );
  });

  it('PG-4 totality: huge and deeply nested inputs (1 MB, 100 000 levels) return a value', () => {
    const big = 'git push origin main; '.repeat(50_000); // ~1 MB
    expect(big.length).toBeGreaterThan(1_000_000);
    expect(classifyPushCommand(big)).toMatchObject({ _tag: 'Push', confidence: 'fallback', fallback: 'too-long' });
    const nestedAt = (open: string, close: string, n: number, core = 'git push origin main'): string =>
      open.repeat(n) + core + close.repeat(n);
    const cases = [
      nestedAt('$(', ')', 30_000),
      nestedAt('(', ')', 30_000),
      nestedAt('"$(', ')"', 20_000),
      nestedAt('${x:-', '}', 20_000),
      nestedAt('`', '`', 1_000),
      nestedAt("sh -c '", "'", 10_000),
      '$('.repeat(30_000),
      '('.repeat(60_000),
      '"'.repeat(65_535),
      "\\".repeat(65_536),
      'a=$(( '.repeat(10_000),
      'cat <<EOF\n'.repeat(6_000),
      'eval '.repeat(13_000) + 'git push origin main',
    ];
    for (const s of cases) {
      const c = classifyPushCommand(s);
      expect(['Push', 'NotPush']).toContain(c._tag);
      if (s.length <= MAX_COMMAND_CHARS && s.startsWith('$(') && s.includes('git push'))
        expect(c).toMatchObject({ _tag: 'Push', confidence: 'fallback' });
    }
  });

  it('PG-4 determinism: equal inputs give equal classifications', () => {
    fc.assert(
      fc.property(fc.oneof(shellish, fc.string({ maxLength: 200 })), (s) => {
        expect(classifyPushCommand(s)).toEqual(classifyPushCommand(s));
      }),
      { numRuns: 1000 },
    );
  });

  // Texts built from these tokens never contain quotes, `<`, `#`, `\` or `$`, so the unterminated tail below is
  // guaranteed to make the parse fail (X8).
  const PLAIN_TOKENS = fc.constantFrom(
    'git', 'push', 'origin', 'main', 'echo', 'status', '/usr/bin/git', 'git-push', 'pushx', 'x=1', '-C', 'dir', ' ',
    ' ', ' ', ';', '&&', '|', '\n', 'sudo', 'env',
  );
  const plainText = fc.array(PLAIN_TOKENS, { maxLength: 20 }).map((a) => a.join(' '));

  it('PG-5 fallback: a rejected string is Push fallback with a current-branch target exactly when it has a git…push token sequence', () => {
    fc.assert(
      fc.property(plainText, fc.constantFrom('"', "'", '$(', '`', '${'), plainText, (prefix, opener, tail) => {
        const s = `${prefix} ${opener}${tail}`;
        const c = classifyPushCommand(s);
        const fb = c._tag === 'Push' ? c.invocations.filter((i) => i.fallback) : [];
        if (hasGitPushTokens(s)) {
          expect(c).toMatchObject({ _tag: 'Push', confidence: 'fallback', fallback: 'parse-failed' });
          expect(fb).toHaveLength(1);
          expect(fb[0]?.targets).toEqual([{ src: { kind: 'current' }, dst: { kind: 'same' }, op: 'update', force: false }]);
        } else {
          expect(c._tag).toBe('NotPush');
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('PG-6 dry-run pushes: adding -n or --dry-run makes any push NotPush git-dry-run', () => {
    fc.assert(
      fc.property(pushGen({ dryRun: true }), quotingsGen, contextsGen, (g, qs, ctxs) => {
        const cmd = applyContexts(renderWords(g.words, qs), ctxs);
        expect(classifyPushCommand(cmd)).toEqual({ _tag: 'NotPush', reason: 'git-dry-run' });
      }),
      { numRuns: 800 },
    );
  });

  const anyCommand = fc.oneof(
    pushGen().chain((g) => quotingsGen.map((qs) => renderWords(g.words, qs))),
    fc.tuple(fc.constantFrom(...DATA_COMMANDS), fc.constantFrom("'git push'", 'hello', '"a b"')).map(([a, b]) => `${a} ${b}`),
  );

  it('PG-7 composition: invocations of `a OP b` are those of a followed by those of b, for every X1 operator', () => {
    fc.assert(
      fc.property(
        anyCommand,
        anyCommand,
        fc.constantFrom('&&', '||', ';', ';;', '|', '|&', '&', '\n'),
        (a, b, op) => {
          const ca = classifyPushCommand(a);
          const cb = classifyPushCommand(b);
          const cab = classifyPushCommand(`${a} ${op} ${b}`);
          expect(invocationsOf(cab)).toEqual([...invocationsOf(ca), ...invocationsOf(cb)]);
          expect(cab._tag === 'NotPush' || cab.confidence === 'exact').toBe(true);
        },
      ),
      { numRuns: 800 },
    );
  });

  it('PG-7 composition: `sh -c` / `bash -c` / `eval` / a subshell with a correctly quoted script equals the script', () => {
    fc.assert(
      fc.property(
        anyCommand,
        fc.constantFrom((x: string) => `sh -c ${sq(x)}`, (x: string) => `bash -c ${dq(x)}`, (x: string) => `eval ${sq(x)}`, (x: string) => `(${x})`),
        (a, wrap) => {
          expect(classifyPushCommand(wrap(a))).toEqual(classifyPushCommand(a));
        },
      ),
      { numRuns: 600 },
    );
  });
});

// ───────────────────────────── PG-8 destination resolution ─────────────────────────────

const OID = fc.string({ unit: fc.constantFrom(...'0123456789abcdef'.split('')), minLength: 40, maxLength: 40 });
const refsFactsGen: fc.Arbitrary<RefsFacts> = fc.record({
  head_branch: fc.option(fc.constantFrom('main', 'dev', 'release/2.4', 'feature/x'), { freq: 5 }),
  head_oid: fc.option(OID, { freq: 8 }),
  branches: fc.dictionary(fc.constantFrom('main', 'dev', 'release/2.4', 'feature/x', 'v1', 'production'), OID),
  tags: fc.dictionary(fc.constantFrom('v1', 'v2.0', 'dev'), OID),
  objects: fc.dictionary(fc.constantFrom('HEAD~1', 'dev^', 'abc1234', 'refs/remotes/origin/main'), fc.option(OID)),
});
const DEPLOY: DeployRefEntry[] = [
  { pattern: 'refs/heads/main', lane: 'per-ref' },
  { pattern: 'refs/heads/master', lane: 'per-ref' },
  { pattern: 'refs/heads/production', lane: 'per-ref' },
  { pattern: 'refs/heads/release/*', lane: 'per-ref' },
  { pattern: 'refs/tags/*', lane: 'shared' },
];
const SRC_WORDS = ['main', 'dev', 'v1', 'v2.0', 'nosuch', 'HEAD', '@', 'refs/heads/dev', 'refs/tags/v1', 'HEAD~1', 'dev^', 'abc1234'];
const DST_WORDS = [null, 'main', 'v9', 'refs/heads/production', 'refs/tags/v3'];

/** Oracle for D1–D9 over one refspec, written from the rule text. */
const oracle = (
  src: string,
  dst: string | null,
  f: RefsFacts,
): { refs: string[]; oid: string | null; skipped: boolean } => {
  const has = (r: Record<string, string>, k: string): boolean => Object.prototype.hasOwnProperty.call(r, k);
  const expr = /[~^]|@\{/.test(src) || /^[0-9a-fA-F]{4,64}$/.test(src);
  const head = !expr && (src === 'HEAD' || src === '@');
  const ref = !expr && src.startsWith('refs/');
  const name = !expr && !head && !ref;
  const oid = head
    ? f.head_oid
    : ref
      ? src.startsWith('refs/heads/')
        ? (f.branches[src.slice(11)] ?? null)
        : (f.tags[src.slice(10)] ?? null)
      : expr
        ? (f.objects[src] ?? null)
        : has(f.branches, src)
          ? (f.branches[src] as string)
          : has(f.tags, src)
            ? (f.tags[src] as string)
            : null;
  if (dst !== null && dst.startsWith('refs/')) return { refs: [dst], oid, skipped: false }; // D1
  if (dst !== null) {
    // D5
    const isTag = (ref && src.startsWith('refs/tags/')) || (name && has(f.tags, src));
    const isBranch = name && has(f.branches, src);
    const out: string[] = [];
    if (isTag) out.push(`refs/tags/${dst}`);
    if (!isTag || isBranch) out.push(`refs/heads/${dst}`);
    return { refs: out, oid, skipped: false };
  }
  if (head) return f.head_branch === null ? { refs: [], oid, skipped: true } : { refs: [`refs/heads/${f.head_branch}`], oid, skipped: false }; // D2
  if (ref) return { refs: [src], oid, skipped: false }; // D3
  if (expr) return { refs: [], oid, skipped: true }; // D6
  // D4
  const out: string[] = [];
  if (has(f.branches, src) || !has(f.tags, src)) out.push(`refs/heads/${src}`);
  if (has(f.tags, src)) out.push(`refs/tags/${src}`);
  return { refs: out, oid, skipped: false };
};

describe('PG-8 destination mapping (push-gate.md §6.9 D1–D9)', () => {
  it('PG-8 resolution follows D1–D9 for generated src/dst kinds and refs facts; + and force options set force', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...SRC_WORDS),
        fc.constantFrom(...DST_WORDS),
        fc.boolean(),
        fc.constantFrom('', ' --force', ' -u'),
        refsFactsGen,
        (src, dst, plus, opt, f) => {
          const spec = (plus ? '+' : '') + src + (dst === null ? '' : `:${dst}`);
          const c = classifyPushCommand(`git push${opt} origin ${spec}`);
          const r = resolveDestinations(c, f, DEPLOY);
          const o = oracle(src, dst, f);
          expect(r.targets.map((x) => x.ref)).toEqual(o.refs);
          expect(r.skipped.length > 0).toBe(o.skipped);
          for (const tg of r.targets) {
            expect(tg.force).toBe(plus || opt === ' --force');
            // D9: the source object id; for D4 with both a branch and a tag, each ref keeps its own id
            if (!(dst === null && o.refs.length === 2)) expect(tg.src_oid).toBe(o.oid);
          }
          expect(r.confidence).toBe('exact');
        },
      ),
      { numRuns: 1500 },
    );
  });

  it('PG-8 deletions produce no target (R3, R5)', () => {
    fc.assert(
      fc.property(fc.constantFrom('main', 'refs/heads/main', 'release/2.4', 'v1'), fc.constantFrom('colon', '-d', '--delete'), refsFactsGen, (d, how, f) => {
        const cmd = how === 'colon' ? `git push origin :${d}` : `git push ${how} origin ${d}`;
        const r = resolveDestinations(classifyPushCommand(cmd), f, DEPLOY);
        expect(r.targets).toEqual([]);
        expect(r.deletions).toEqual([d]);
      }),
    );
  });

  it('PG-8 D7: an unknown side becomes the current branch with confidence fallback', () => {
    fc.assert(
      fc.property(fc.constantFrom('"$B"', 'HEAD:"$T"', '"$S":main', '{a,b}'), refsFactsGen, (spec, f) => {
        const r = resolveDestinations(classifyPushCommand(`git push origin ${spec}`), f, DEPLOY);
        expect(r.confidence).toBe('fallback');
        expect(r.targets.map((x) => x.ref)).toEqual(f.head_branch === null ? [] : [`refs/heads/${f.head_branch}`]);
        expect(r.targets.every((x) => x.via === 'fallback')).toBe(true);
      }),
    );
  });

  it('PG-8 D8: --all gives every local branch under a refs/heads/ deploy pattern; --tags the shared tag lane', () => {
    fc.assert(
      fc.property(refsFactsGen, fc.constantFrom('--all', '--tags', '--mirror'), (f, opt) => {
        const r = resolveDestinations(classifyPushCommand(`git push ${opt} origin`), f, DEPLOY);
        const deployBranches = Object.keys(f.branches)
          .sort()
          .filter((b) => b === 'main' || b === 'master' || b === 'production' || b.startsWith('release/'))
          .map((b) => `refs/heads/${b}`);
        expect(r.targets.map((x) => x.ref)).toEqual(opt === '--tags' ? [] : deployBranches);
        expect(r.shared_lanes.map((x) => x.lane)).toEqual(opt === '--all' ? [] : ['deploy:refs/tags/*']);
      }),
    );
  });
});

// ───────────────────────────── PG-9 pre-push round trip ─────────────────────────────

const HEX = fc.constantFrom(...'0123456789abcdefABCDEF'.split(''));
const hexString = (n: number): fc.Arbitrary<string> => fc.string({ unit: HEX, minLength: n, maxLength: n });
const ZERO40 = '0'.repeat(40);
const ZERO64 = '0'.repeat(64);
const oidGen = (len: 40 | 64): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 5, arbitrary: hexString(len) },
    { weight: 2, arbitrary: fc.constant(len === 40 ? ZERO40 : ZERO64) },
  );
const lineGen = fc.constantFrom<40 | 64>(40, 64).chain((len) =>
  fc.record({
    local_ref: fc.oneof(
      fc.constantFrom('refs/heads/main', 'refs/tags/v2.4.0', 'HEAD~1', 'HEAD', '(delete)', 'refs/heads/release/2.4'),
      hexString(40),
    ),
    local_oid: oidGen(len),
    remote_ref: fc.constantFrom('refs/heads/main', 'refs/heads/foreign', 'refs/tags/v2.4.0', 'refs/heads/release/2.4'),
    remote_oid: oidGen(len),
  }),
);
const malformedGen = fc.oneof(
  fc.constantFrom(
    'refs/heads/main abc refs/heads/main def',
    `refs/heads/main ${'a'.repeat(40)} main ${'b'.repeat(40)}`,
    `refs/heads/main ${'a'.repeat(40)} refs/heads/main`,
    `refs/heads/main ${'a'.repeat(40)} refs/heads/main ${'b'.repeat(40)} extra`,
    `refs/heads/main ${'a'.repeat(39)} refs/heads/main ${'b'.repeat(40)}`,
    `refs/heads/main ${'g'.repeat(40)} refs/heads/main ${'b'.repeat(40)}`,
    'garbage',
  ),
  fc.string({ maxLength: 80 }).filter((s) => !s.includes('\n') && s.trim() !== '' && s.trim().split(/\s+/).length !== 4),
);

describe('PG-9 pre-push parser (push-gate.md §7)', () => {
  it('PG-9 rendering generated lines and parsing them returns the same lines with operations per PP6', () => {
    fc.assert(
      fc.property(
        fc.array(lineGen, { maxLength: 6 }),
        fc.constantFrom('\n', '\r\n'),
        fc.boolean(),
        fc.constantFrom(' ', '\t', '  '),
        (lines, eol, blankLines, sep) => {
          const text = lines
            .map((l) => [l.local_ref, l.local_oid, l.remote_ref, l.remote_oid].join(sep))
            .join(blankLines ? `${eol}${eol}` : eol) + (lines.length > 0 ? eol : '');
          const p = parsePrePushInput(text);
          expect(p._tag).toBe('Lines');
          if (p._tag !== 'Lines') return;
          expect(p.malformed).toBe(0);
          expect(p.lines).toEqual(
            lines.map((l) => ({
              ...l,
              op:
                l.local_ref === '(delete)' || isZeroOid(l.local_oid)
                  ? 'delete'
                  : isZeroOid(l.remote_oid)
                    ? 'create'
                    : 'update',
            })),
          );
          // PP8: deletions are never gated; creations and updates are, by their remote ref
          expect(prePushGatedRefs(p)).toEqual([
            ...new Set(p.lines.filter((l) => l.op !== 'delete').map((l) => l.remote_ref)),
          ]);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('PG-9 malformed lines never throw and never become targets; all-malformed input is unreadable', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(lineGen.map((l) => ({ ok: true as const, l })), malformedGen.map((m) => ({ ok: false as const, m })))), (items) => {
        const text = items
          .map((x) => (x.ok ? [x.l.local_ref, x.l.local_oid, x.l.remote_ref, x.l.remote_oid].join(' ') : x.m))
          .join('\n');
        const p = parsePrePushInput(text);
        const good = items.filter((x) => x.ok).length;
        const bad = items.length - good;
        if (good === 0 && bad > 0) expect(p).toEqual({ _tag: 'Unreadable', reason: 'all-malformed', malformed: bad });
        else {
          expect(p._tag).toBe('Lines');
          if (p._tag === 'Lines') {
            expect(p.lines).toHaveLength(good);
            expect(p.malformed).toBe(bad);
          }
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('PG-9 totality: any value or string is parsed without throwing', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.string({ unit: 'binary', maxLength: 500 })), (v) => {
        const p = parsePrePushInput(v);
        expect(['Lines', 'Unreadable']).toContain(p._tag);
        if (typeof v !== 'string') expect(p).toEqual({ _tag: 'Unreadable', reason: 'not-text', malformed: 0 });
      }),
    );
  });
});
