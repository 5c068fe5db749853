import { describe, expect, it } from 'vitest';
import {
  classifyPushCommand,
  MAX_COMMAND_CHARS,
  type PushClassification,
  type PushInvocation,
  type PushTarget,
} from '../src/push-gate/classifier.js';
import { EXAMPLES } from './push-classifier.examples.js';
import {
  parsePrePushInput,
  prePushGatedRefs,
  resolveDestinations,
  refsProbeExpressions,
  decodeRefsFacts,
  patternMatches,
  commandFromToolInput,
  hasGitPushTokens,
  resolveInvocationDir,
  type RefsFacts,
  type DeployRefEntry,
} from '../src/push-gate/classifier.js';

/** Compact rendering of a classification (notation documented in push-classifier.examples.ts). */
export const showTarget = (t: PushTarget): string => {
  const dst = t.dst.kind === 'same' ? '' : t.dst.kind === 'unknown' ? '?' : t.dst.kind === 'ref' ? t.dst.ref : t.dst.name;
  const f = t.force ? '+' : '';
  if (t.op === 'delete') return `${f}:${dst}`;
  const s = t.src;
  const src =
    s.kind === 'current' ? '@cur'
    : s.kind === 'head' ? s.text
    : s.kind === 'ref' ? s.ref
    : s.kind === 'name' ? s.name
    : s.kind === 'expr' ? `expr(${s.expr})`
    : s.kind === 'unknown' ? '?'
    : '';
  return f + src + (t.dst.kind === 'same' ? '' : `:${dst}`);
};
export const showInvocation = (inv: PushInvocation): string => {
  if (inv.fallback) return 'FB';
  const parts = [inv.remote ?? '-', ...inv.targets.map(showTarget)];
  if (inv.force) parts.push('[force]');
  if (inv.no_verify) parts.push('[no-verify]');
  for (const b of inv.broad) parts.push(`[${b}]`);
  if (inv.dir_hints.length > 0) parts.push(`[dir ${inv.dir_hints.map((h) => `${h.kind}=${h.path}`).join(',')}]`);
  if (inv.dir_uncertain) parts.push('[dir?]');
  return parts.join(' ');
};
export const show = (c: PushClassification): string => {
  if (c._tag === 'NotPush') return c.reason === 'git-dry-run' ? 'dry' : 'no';
  const body = c.invocations.map(showInvocation).join(' ; ');
  return c.confidence === 'fallback' ? `FALLBACK(${c.fallback}) ${body}` : body;
};

describe('push classifier examples (push-gate.md §6.10 and git-push(1) grammar)', () => {
  it('has at least 150 distinct command strings', () => {
    expect(new Set(EXAMPLES.map((e) => e[1])).size).toBeGreaterThanOrEqual(150);
  });
  it.each(EXAMPLES.map(([rule, cmd, exp]) => ({ rule, cmd, exp })))('$rule: $cmd', ({ cmd, exp }) => {
    expect(show(classifyPushCommand(cmd))).toBe(exp);
  });
});

describe('boundaries', () => {
  const pad = (n: number, tail: string): string => ' '.repeat(n - tail.length) + tail;
  it('MAX_COMMAND_CHARS: at the limit the parser runs (exact), one above goes to the fallback (too-long)', () => {
    const tail = 'git push origin main';
    expect(show(classifyPushCommand(pad(MAX_COMMAND_CHARS, tail)))).toBe('origin main');
    expect(show(classifyPushCommand(pad(MAX_COMMAND_CHARS - 1, tail)))).toBe('origin main');
    expect(show(classifyPushCommand(pad(MAX_COMMAND_CHARS + 1, tail)))).toBe('FALLBACK(too-long) FB');
  });
  it('MAX_COMMAND_CHARS: too long without a git…push token sequence is NotPush (F4)', () => {
    expect(show(classifyPushCommand(pad(MAX_COMMAND_CHARS + 1, 'echo push git')))).toBe('no');
  });
  it('MAX_NESTING: sh -c / backticks / sudo -s nested 4 levels are followed, 5 levels fall back (X8)', () => {
    const sq = (x: string): string => `'${x.replace(/'/g, `'\\''`)}'`;
    const nest = (k: number, wrap: (x: string) => string): string => {
      let s = 'git push origin main';
      for (let i = 0; i < k; i++) s = wrap(s);
      return s;
    };
    for (const wrap of [(x: string) => `sh -c ${sq(x)}`, (x: string) => `sudo -s ${x}`, (x: string) => `env -S ${sq(x)}`]) {
      expect(show(classifyPushCommand(nest(3, wrap)))).toBe('origin main');
      expect(show(classifyPushCommand(nest(4, wrap)))).toBe('origin main');
      expect(show(classifyPushCommand(nest(5, wrap)))).toBe('FALLBACK(parse-failed) FB');
    }
  });
  it('non-strings are NotPush no-git-push', () => {
    for (const v of [undefined, null, 42, {}, ['git push'], { command: 'git push' }, true])
      expect(classifyPushCommand(v)).toEqual({ _tag: 'NotPush', reason: 'no-git-push' });
  });
  it('the empty string and blanks are NotPush', () => {
    expect(show(classifyPushCommand(''))).toBe('no');
    expect(show(classifyPushCommand(' \t\n '))).toBe('no');
  });
});

// ───────────────────────────── push-gate.md §7 pre-push parser examples ─────────────────────────────


const A40 = '9f1c'.padEnd(40, 'a');
const B40 = '3b7a'.padEnd(40, 'b');
const Z40 = '0'.repeat(40);
const A64 = '5d2e'.padEnd(64, 'c');
const Z64 = '0'.repeat(64);

describe('push-gate.md §7 pre-push parser examples', () => {
  it('spec table: update, SHA-256 create, deletion', () => {
    const p = parsePrePushInput(
      `refs/heads/main ${A40} refs/heads/main ${B40}\n` +
        `refs/tags/v2.4.0 ${A64} refs/tags/v2.4.0 ${Z64}\n` +
        `(delete) ${Z40} refs/heads/old ${'77aa'.padEnd(40, 'd')}\n`,
    );
    expect(p._tag).toBe('Lines');
    if (p._tag !== 'Lines') return;
    expect(p.lines.map((l) => [l.remote_ref, l.op])).toEqual([
      ['refs/heads/main', 'update'],
      ['refs/tags/v2.4.0', 'create'],
      ['refs/heads/old', 'delete'],
    ]);
    expect(prePushGatedRefs(p)).toEqual(['refs/heads/main', 'refs/tags/v2.4.0']);
  });
  it('PP8: the gated ref is the remote ref (git push origin feature:main gates main)', () => {
    expect(prePushGatedRefs(parsePrePushInput(`refs/heads/feature ${A40} refs/heads/main ${B40}\n`))).toEqual([
      'refs/heads/main',
    ]);
  });
  it('PP6: a zero local oid is a deletion even without (delete); 64-zero ids count as zero', () => {
    const p = parsePrePushInput(`refs/heads/x ${Z64} refs/heads/x ${A64}\nHEAD~1 ${A64} refs/heads/y ${Z64}`);
    expect(p._tag === 'Lines' && p.lines.map((l) => l.op)).toEqual(['delete', 'create']);
  });
  it('host-protocols.md D: an expression on the local side is kept as typed', () => {
    const p = parsePrePushInput(`HEAD~2 ${A40} refs/heads/main ${B40}`);
    expect(p._tag === 'Lines' && p.lines[0]?.local_ref).toBe('HEAD~2');
  });
  it('PP4 boundaries: 39 and 41 hex digits are malformed, 40 and 64 are not, 63 and 65 are malformed', () => {
    const line = (n: number): string => `refs/heads/m ${'a'.repeat(n)} refs/heads/m ${B40}`;
    const ok = (n: number): boolean => {
      const p = parsePrePushInput(line(n));
      return p._tag === 'Lines' && p.lines.length === 1;
    };
    expect([39, 40, 41, 63, 64, 65].map(ok)).toEqual([false, true, false, false, true, false]);
    const upper = parsePrePushInput(`refs/heads/m ${'A'.repeat(40)} refs/heads/m ${'F'.repeat(64)}`);
    expect(upper._tag === 'Lines' && upper.lines.length).toBe(1);
  });
  it('PP2: CRLF endings, blank lines and surrounding blanks are tolerated', () => {
    const p = parsePrePushInput(`\r\n  refs/heads/main ${A40} refs/heads/main ${B40}  \r\n\r\n\n`);
    expect(p._tag === 'Lines' && p.lines.length).toBe(1);
  });
  it('PP3/PP5/PP7: malformed lines are counted; all malformed is unreadable; empty input is no lines', () => {
    expect(parsePrePushInput(`refs/heads/main ${A40} main ${B40}`)).toEqual({ _tag: 'Unreadable', reason: 'all-malformed', malformed: 1 });
    expect(parsePrePushInput(`refs/heads/main ${A40} refs/heads/main`)).toEqual({ _tag: 'Unreadable', reason: 'all-malformed', malformed: 1 });
    const mixed = parsePrePushInput(`junk\nrefs/heads/main ${A40} refs/heads/main ${B40}\n`);
    expect(mixed._tag === 'Lines' && [mixed.lines.length, mixed.malformed]).toEqual([1, 1]);
    expect(parsePrePushInput('')).toEqual({ _tag: 'Lines', lines: [], malformed: 0 });
    expect(parsePrePushInput('\n \n')).toEqual({ _tag: 'Lines', lines: [], malformed: 0 });
    expect(parsePrePushInput(null)).toEqual({ _tag: 'Unreadable', reason: 'not-text', malformed: 0 });
  });
  it('deletion-only input gates nothing (Arbiter differs from the seed: no current-branch fallback)', () => {
    expect(prePushGatedRefs(parsePrePushInput(`(delete) ${Z40} refs/heads/old ${B40}\n`))).toEqual([]);
  });
});

// ───────────────────────────── push-gate.md §6.9 resolution examples ─────────────────────────────

const DEFAULT_DEPLOY: DeployRefEntry[] = [
  { pattern: 'refs/heads/main', lane: 'per-ref' },
  { pattern: 'refs/heads/master', lane: 'per-ref' },
  { pattern: 'refs/heads/production', lane: 'per-ref' },
  { pattern: 'refs/heads/release/*', lane: 'per-ref' },
  { pattern: 'refs/tags/*', lane: 'shared' },
];
const facts = (over: Partial<RefsFacts> = {}): RefsFacts => ({
  head_branch: 'feature/x',
  head_oid: 'h'.repeat(40),
  branches: { 'feature/x': 'h'.repeat(40), main: 'm'.repeat(40), 'release/2.4': 'r'.repeat(40) },
  tags: { 'v2.4.0': 't'.repeat(40) },
  objects: {},
  ...over,
});
const resolve = (cmd: string, f: RefsFacts = facts()) => resolveDestinations(classifyPushCommand(cmd), f, DEFAULT_DEPLOY);
const refsOf = (cmd: string, f?: RefsFacts): string[] => resolve(cmd, f).targets.map((t) => t.ref);

describe('push-gate.md §6.9 destination resolution examples', () => {
  it('D2: bare push → current branch with the head id; detached HEAD → nothing', () => {
    expect(resolve('git push').targets).toEqual([
      { ref: 'refs/heads/feature/x', src_oid: 'h'.repeat(40), force: false, remote: null, invocation: 0, via: 'exact' },
    ]);
    const r = resolve('git push origin HEAD', facts({ head_branch: null }));
    expect(r.targets).toEqual([]);
    expect(r.skipped).toEqual([{ invocation: 0, reason: 'detached-head' }]);
  });
  it('D4: a local tag name resolves to refs/tags/, a branch to refs/heads/, neither to refs/heads/, both to both', () => {
    expect(refsOf('git push origin v2.4.0')).toEqual(['refs/tags/v2.4.0']);
    expect(refsOf('git push origin main')).toEqual(['refs/heads/main']);
    expect(refsOf('git push origin nosuch')).toEqual(['refs/heads/nosuch']);
    expect(refsOf('git push origin dup', facts({ branches: { dup: 'a'.repeat(40) }, tags: { dup: 'b'.repeat(40) } }))).toEqual([
      'refs/heads/dup',
      'refs/tags/dup',
    ]);
  });
  it('D5: feature:main → refs/heads/main from feature; a tag source with a short dst → refs/tags/', () => {
    expect(resolve('git push origin feature/x:main').targets.map((t) => [t.ref, t.src_oid])).toEqual([
      ['refs/heads/main', 'h'.repeat(40)],
    ]);
    expect(refsOf('git push origin v2.4.0:v2.4.1')).toEqual(['refs/tags/v2.4.1']);
    expect(refsOf('git push origin refs/tags/v2.4.0:v9')).toEqual(['refs/tags/v9']);
  });
  it('D1/D3/D6/D9: full dst as given; ref src kept; expr without dst skipped; expr ids from the probe', () => {
    expect(refsOf('git push origin +HEAD:refs/heads/main')).toEqual(['refs/heads/main']);
    expect(resolve('git push origin +HEAD:refs/heads/main').targets[0]?.force).toBe(true);
    expect(refsOf('git push origin refs/heads/release/2.4')).toEqual(['refs/heads/release/2.4']);
    expect(resolve('git push origin HEAD~1').skipped).toEqual([{ invocation: 0, reason: 'expr-needs-destination' }]);
    const r = resolve('git push origin HEAD~1:main', facts({ objects: { 'HEAD~1': 'e'.repeat(40) } }));
    expect(r.targets.map((t) => [t.ref, t.src_oid])).toEqual([['refs/heads/main', 'e'.repeat(40)]]);
  });
  it('refsProbeExpressions lists expressions and refs outside heads/tags, once each', () => {
    expect(
      refsProbeExpressions(classifyPushCommand('git push origin HEAD~1:main refs/remotes/o/x:refs/heads/y HEAD~1:z refs/heads/a')),
    ).toEqual(['HEAD~1', 'refs/remotes/o/x']);
    expect(refsProbeExpressions(classifyPushCommand('echo hi'))).toEqual([]);
  });
  it('deletions are listed, never gated; a fallback classification resolves to the current branch', () => {
    const r = resolve('git push origin :release/old main');
    expect(r.targets.map((t) => t.ref)).toEqual(['refs/heads/main']);
    expect(r.deletions).toEqual(['release/old']);
    const f = resolve('echo "x; git push origin main');
    expect(f.confidence).toBe('fallback');
    expect(f.targets.map((t) => [t.ref, t.via])).toEqual([['refs/heads/feature/x', 'fallback']]);
  });
  it('D8: --all lists deploy branches only; --tags contributes the shared tag lane', () => {
    expect(refsOf('git push --all origin')).toEqual(['refs/heads/main', 'refs/heads/release/2.4']);
    expect(resolve('git push --tags origin').shared_lanes.map((l) => l.lane)).toEqual(['deploy:refs/tags/*']);
    const perRefTags = resolveDestinations(classifyPushCommand('git push --tags'), facts(), [{ pattern: 'refs/tags/*', lane: 'per-ref' }]);
    expect(perRefTags.shared_lanes).toEqual([]);
  });
  it('one target per ref: duplicates merge and keep force', () => {
    expect(resolve('git push origin main && git push -f origin main').targets.map((t) => [t.ref, t.force])).toEqual([
      ['refs/heads/main', true],
    ]);
  });
  it('prototype-like names are plain keys', () => {
    expect(refsOf('git push origin __proto__', facts({ branches: {} }))).toEqual(['refs/heads/__proto__']);
    expect(refsOf('git push origin constructor')).toEqual(['refs/heads/constructor']);
  });
});

describe('helpers', () => {
  it('decodeRefsFacts accepts the probe shape and rejects others', () => {
    expect(decodeRefsFacts(facts())).toEqual(facts());
    expect(decodeRefsFacts({ head_branch: 1 })).toBeNull();
    expect(decodeRefsFacts(null)).toBeNull();
  });
  it('patternMatches (push-gate.md §3.2 N1): equal, or prefix + * for strictly longer refs', () => {
    expect(patternMatches('refs/heads/main', 'refs/heads/main')).toBe(true);
    expect(patternMatches('refs/heads/main', 'refs/heads/mainx')).toBe(false);
    expect(patternMatches('refs/heads/release/*', 'refs/heads/release/2.4')).toBe(true);
    expect(patternMatches('refs/heads/release/*', 'refs/heads/release/')).toBe(false);
    expect(patternMatches('refs/tags/*', 'refs/heads/x')).toBe(false);
  });
  it('commandFromToolInput: command, else cmd, else null', () => {
    expect(commandFromToolInput({ command: 'git push' })).toBe('git push');
    expect(commandFromToolInput({ cmd: 'git push' })).toBe('git push');
    expect(commandFromToolInput({ command: 3, cmd: 'x' })).toBe('x');
    expect(commandFromToolInput('git push')).toBeNull();
    const argv = commandFromToolInput({ command: ['bash', '-lc', `git push origin "it's"`] });
    expect(argv).toBe(`'bash' '-lc' 'git push origin "it'\\''s"'`);
    expect(show(classifyPushCommand(argv))).toBe("origin it's");
    expect(commandFromToolInput({ command: [] })).toBeNull();
    expect(commandFromToolInput({ command: ['git', 3] })).toBeNull();
  });
  it('hasGitPushTokens (F2) examples', () => {
    expect(hasGitPushTokens('git status; echo push')).toBe(true);
    expect(hasGitPushTokens('/usr/bin/git -C x push')).toBe(true);
    expect(hasGitPushTokens('x=git-push')).toBe(true);
    expect(hasGitPushTokens('push git')).toBe(false);
    expect(hasGitPushTokens('git pushx')).toBe(false);
    expect(hasGitPushTokens('$GIT push')).toBe(false);
    expect(hasGitPushTokens(42)).toBe(false);
  });
});

describe('push-gate.md §6.7 resolveInvocationDir', () => {
  const dirOf = (cmd: string, cwd = '/home/u/repo') => {
    const c = classifyPushCommand(cmd);
    return resolveInvocationDir(cwd, c._tag === 'Push' ? (c.invocations[0]?.dir_hints ?? []) : []);
  };
  it('applies cd, env -C and git -C in order; absolute paths replace; .. and . normalize', () => {
    expect(dirOf('git push').dir).toBe('/home/u/repo');
    expect(dirOf('cd app && git -C ../lib push').dir).toBe('/home/u/repo/lib');
    expect(dirOf('cd /srv && env -C a git -C ./b push').dir).toBe('/srv/a/b');
    expect(dirOf('cd ../.. && git push').dir).toBe('/home');
    expect(dirOf('cd ../../../.. && git push').dir).toBe('/');
    expect(dirOf('cd a//b/ && git push').dir).toBe('/home/u/repo/a/b');
  });
  it('--git-dir and --work-tree resolve against the directory at that point', () => {
    expect(dirOf('cd app && git --git-dir=.git --work-tree ../w push')).toEqual({
      dir: '/home/u/repo/app',
      git_dir: '/home/u/repo/app/.git',
      work_tree: '/home/u/repo/w',
    });
  });
});
