/**
 * Push options (push-gate.md §6.5), refspecs R1–R8 (push-gate.md §6.6), the fallback F1–F4 (push-gate.md §6.8),
 * the directory arithmetic of H1–H2 (push-gate.md §6.7) and the pre-push stdin parser PP1–PP8 (push-gate.md §7),
 * each pinned as the WHOLE result through the public functions. Expected values are written from the doc and
 * git-push(1), not copied from a run; they close the mutation gaps of `parsePushArgs`, `srcKind`, `dstKind`,
 * `hasGitPushTokens`, `classifyPushCommand`, `commandFromToolInput`, `resolveInvocationDir` and `pre-push.ts`.
 */
import { describe, expect, it } from 'vitest';
import {
  classifyPushCommand,
  commandFromToolInput,
  hasGitPushTokens,
  isZeroOid,
  MAX_COMMAND_CHARS,
  parsePrePushInput,
  prePushGatedRefs,
  resolveInvocationDir,
  type PrePushInput,
  type PushClassification,
  type PushDst,
  type PushInvocation,
  type PushSrc,
  type PushTarget,
} from '../src/push-gate/classifier.js';
import { currentTarget, DRY_RUN, exact, fallback, invocation, NOT_PUSH } from './helpers/push-results.js';

// ───────────────────────────── builders of whole results ─────────────────────────────

const same: PushDst = { kind: 'same' };
const unknownDst: PushDst = { kind: 'unknown' };
const nameD = (name: string): PushDst => ({ kind: 'name', name });
const refD = (ref: string): PushDst => ({ kind: 'ref', ref });
const nameS = (name: string): PushSrc => ({ kind: 'name', name });
const refS = (ref: string): PushSrc => ({ kind: 'ref', ref });
const headS = (text: string): PushSrc => ({ kind: 'head', text });
const exprS = (expr: string): PushSrc => ({ kind: 'expr', expr });
const unknownS: PushSrc = { kind: 'unknown' };

const upd = (src: PushSrc, dst: PushDst = same, force = false): PushTarget => ({ src, dst, op: 'update', force });
const del = (dst: PushDst, force = false): PushTarget => ({ src: { kind: 'none' }, dst, op: 'delete', force });
const cur = currentTarget;

const inv = invocation;
const DRY = DRY_RUN;

type Row = readonly [rule: string, command: string, expected: PushClassification];
const table = (rows: ReadonlyArray<Row>): Array<{ rule: string; command: string; expected: PushClassification }> =>
  rows.map(([rule, command, expected]) => ({ rule, command, expected }));

// ───────────────────────────── push-gate.md §6.5 push options ─────────────────────────────

const OPTIONS: ReadonlyArray<Row> = [
  ['plain', 'git push origin main', exact(inv({ remote: 'origin', targets: [upd(nameS('main'))] }))],
  // force options
  ['-f', 'git push -f origin main', exact(inv({ remote: 'origin', force: true, targets: [upd(nameS('main'), same, true)] }))],
  ['--force', 'git push --force origin main', exact(inv({ remote: 'origin', force: true, targets: [upd(nameS('main'), same, true)] }))],
  [
    '--force-with-lease',
    'git push --force-with-lease origin main',
    exact(inv({ remote: 'origin', force: true, targets: [upd(nameS('main'), same, true)] })),
  ],
  [
    '--force-with-lease=<ref>:<expect> (its value is part of the word)',
    'git push --force-with-lease=main:abc123 origin main',
    exact(inv({ remote: 'origin', force: true, targets: [upd(nameS('main'), same, true)] })),
  ],
  [
    '--force-if-includes',
    'git push --force-if-includes origin main',
    exact(inv({ remote: 'origin', force: true, targets: [upd(nameS('main'), same, true)] })),
  ],
  ['--no-force after -f', 'git push -f --no-force origin main', exact(inv({ remote: 'origin', targets: [upd(nameS('main'))] }))],
  ['-f forces every target and the R8 target', 'git push -f', exact(inv({ force: true, targets: [cur(true)] }))],
  // --delete
  [
    '--delete a b',
    'git push --delete origin a b',
    exact(inv({ remote: 'origin', targets: [del(nameD('a')), del(nameD('b'))] })),
  ],
  [
    '-d: each word, or its dst, is a deletion (R5)',
    'git push -d origin a b:refs/heads/c d: :e',
    exact(inv({ remote: 'origin', targets: [del(nameD('a')), del(refD('refs/heads/c')), del(nameD('d')), del(nameD('e'))] })),
  ],
  ['-d with a + refspec (R1, R5)', 'git push -d origin +a', exact(inv({ remote: 'origin', targets: [del(nameD('a'), true)] }))],
  [
    '-fd cluster: force and delete',
    'git push -fd origin a',
    exact(inv({ remote: 'origin', force: true, targets: [del(nameD('a'), true)] })),
  ],
  ['--no-delete after --delete', 'git push --delete --no-delete origin a', exact(inv({ remote: 'origin', targets: [upd(nameS('a'))] }))],
  ['-d of a pattern is a deletion, not broad', 'git push -d origin refs/tags/*', exact(inv({ remote: 'origin', targets: [del(refD('refs/tags/*'))] }))],
  ['-d of a dynamic word', 'git push -d origin "$B"', exact(inv({ remote: 'origin', targets: [del(unknownDst)] }))],
  // broad pushes
  ['--tags', 'git push --tags origin', exact(inv({ remote: 'origin', broad: ['tags'] }))],
  ['--tags then --no-tags', 'git push --tags --no-tags origin', exact(inv({ remote: 'origin', targets: [cur()] }))],
  ['--follow-tags keeps the current branch (R8)', 'git push --follow-tags origin', exact(inv({ remote: 'origin', broad: ['tags'], targets: [cur()] }))],
  [
    '--follow-tags with a refspec',
    'git push --follow-tags origin main',
    exact(inv({ remote: 'origin', broad: ['tags'], targets: [upd(nameS('main'))] })),
  ],
  ['--follow-tags then --no-follow-tags', 'git push --follow-tags --no-follow-tags origin', exact(inv({ remote: 'origin', targets: [cur()] }))],
  ['--all', 'git push --all origin', exact(inv({ remote: 'origin', broad: ['all'] }))],
  ['--branches', 'git push --branches origin', exact(inv({ remote: 'origin', broad: ['all'] }))],
  ['--all then --no-all', 'git push --all --no-all origin', exact(inv({ remote: 'origin', targets: [cur()] }))],
  ['--mirror adds both, all first', 'git push --mirror origin', exact(inv({ remote: 'origin', broad: ['all', 'tags'] }))],
  ['--no-mirror adds nothing', 'git push --no-mirror origin', exact(inv({ remote: 'origin', targets: [cur()] }))],
  ['--all --no-mirror keeps all', 'git push --all --no-mirror origin', exact(inv({ remote: 'origin', broad: ['all'] }))],
  ['--tags --all: the order of broad is all, tags', 'git push --tags --all origin', exact(inv({ remote: 'origin', broad: ['all', 'tags'] }))],
  // dry run
  ['-n', 'git push -n origin main', DRY],
  ['--dry-run', 'git push --dry-run origin main', DRY],
  ['-fn cluster', 'git push -fn origin main', DRY],
  ['-n then --no-dry-run', 'git push -n --no-dry-run origin main', exact(inv({ remote: 'origin', targets: [upd(nameS('main'))] }))],
  ['a dry run beside a real push', 'git push -n origin a; git push origin b', exact(inv({ remote: 'origin', targets: [upd(nameS('b'))] }))],
  // no-verify
  ['--no-verify', 'git push --no-verify origin main', exact(inv({ remote: 'origin', no_verify: true, targets: [upd(nameS('main'))] }))],
  ['--no-verify then --verify', 'git push --no-verify --verify origin main', exact(inv({ remote: 'origin', targets: [upd(nameS('main'))] }))],
  ['--verify alone', 'git push --verify origin main', exact(inv({ remote: 'origin', targets: [upd(nameS('main'))] }))],
  // --repo
  ['--repo=x', 'git push --repo=upstream', exact(inv({ remote: 'upstream', targets: [cur()] }))],
  ['--repo x takes the next word', 'git push --repo upstream', exact(inv({ remote: 'upstream', targets: [cur()] }))],
  [
    '--repo x then a refspec: x is not the remote positional',
    'git push --repo upstream origin main',
    exact(inv({ remote: 'origin', targets: [upd(nameS('main'))] })),
  ],
  ['a positional remote wins over --repo', 'git push --repo=upstream origin main', exact(inv({ remote: 'origin', targets: [upd(nameS('main'))] }))],
  ['--repo=$R is not static', 'git push --repo=$R', exact(inv({ targets: [cur()] }))],
  ['--repo=a then a bare --repo keeps a', 'git push --repo=a --repo', exact(inv({ remote: 'a', targets: [cur()] }))],
  ['--no-repo takes no value', 'git push --no-repo origin main', exact(inv({ remote: 'origin', targets: [upd(nameS('main'))] }))],
  // options with a value
  ['--push-option=x', 'git push --push-option=ci.skip origin main', exact(inv({ remote: 'origin', targets: [upd(nameS('main'))] }))],
  ['--push-option x skips x', 'git push --push-option ci.skip origin main', exact(inv({ remote: 'origin', targets: [upd(nameS('main'))] }))],
  ['-o x skips x', 'git push -o ci.skip origin main', exact(inv({ remote: 'origin', targets: [upd(nameS('main'))] }))],
  ['-ox: the value is in the word', 'git push -oci.skip origin main', exact(inv({ remote: 'origin', targets: [upd(nameS('main'))] }))],
  [
    '-fo x: the value of a clustered -o is the next word',
    'git push -fo ci.skip origin main',
    exact(inv({ remote: 'origin', force: true, targets: [upd(nameS('main'), same, true)] })),
  ],
  ['-of: letters after o are its value, not flags', 'git push -of origin main', exact(inv({ remote: 'origin', targets: [upd(nameS('main'))] }))],
  ['--receive-pack x', 'git push --receive-pack /opt/git-receive-pack origin main', exact(inv({ remote: 'origin', targets: [upd(nameS('main'))] }))],
  ['--exec=x', 'git push --exec=/opt/grp origin main', exact(inv({ remote: 'origin', targets: [upd(nameS('main'))] }))],
  // ignored options
  ['-u', 'git push -u origin main', exact(inv({ remote: 'origin', targets: [upd(nameS('main'))] }))],
  ['-uq -v -4', 'git push -uq -v -4 origin main', exact(inv({ remote: 'origin', targets: [upd(nameS('main'))] }))],
  ['--set-upstream --porcelain', 'git push --set-upstream --porcelain origin main', exact(inv({ remote: 'origin', targets: [upd(nameS('main'))] }))],
  ['an unknown long option takes no value', 'git push --frobnicate origin main', exact(inv({ remote: 'origin', targets: [upd(nameS('main'))] }))],
  ['an unknown long option with =', 'git push --frobnicate=x origin main', exact(inv({ remote: 'origin', targets: [upd(nameS('main'))] }))],
  // end of options, bare dash
  ['-- ends options', 'git push -- -f main', exact(inv({ remote: '-f', targets: [upd(nameS('main'))] }))],
  ['--end-of-options ends options', 'git push --end-of-options origin -d', exact(inv({ remote: 'origin', targets: [upd(nameS('-d'))] }))],
  ['-- after the remote', 'git push origin -- --all', exact(inv({ remote: 'origin', targets: [upd(nameS('--all'))] }))],
  ['a lone - is a positional', 'git push - main', exact(inv({ remote: '-', targets: [upd(nameS('main'))] }))],
  // help (G4)
  ['--help', 'git push --help', NOT_PUSH],
  ['-h', 'git push origin -h', NOT_PUSH],
  ['--help after a refspec', 'git push origin main --help', NOT_PUSH],
  ['-h in a cluster is not help', 'git push -uh origin main', exact(inv({ remote: 'origin', targets: [upd(nameS('main'))] }))],
];

describe('push-gate.md §6.5 push options, whole classification', () => {
  it.each(table(OPTIONS))('$rule: $command', ({ command, expected }) => {
    expect(classifyPushCommand(command)).toEqual(expected);
  });
});

// ───────────────────────────── push-gate.md §6.6 refspecs R1–R8 ─────────────────────────────

const REFSPECS: ReadonlyArray<Row> = [
  ['R8 bare push', 'git push', exact(inv({ targets: [cur()] }))],
  ['R8 remote only', 'git push origin', exact(inv({ remote: 'origin', targets: [cur()] }))],
  ['R1 +src', 'git push origin +main', exact(inv({ remote: 'origin', targets: [upd(nameS('main'), same, true)] }))],
  [
    'R1 +src:dst forces that target only',
    'git push origin +main:refs/heads/x dev',
    exact(inv({ remote: 'origin', targets: [upd(nameS('main'), refD('refs/heads/x'), true), upd(nameS('dev'))] })),
  ],
  [
    'R1 with -f: every target forced',
    'git push -f origin a +b',
    exact(inv({ remote: 'origin', force: true, targets: [upd(nameS('a'), same, true), upd(nameS('b'), same, true)] })),
  ],
  ['R2 ^neg is ignored, and is still a refspec (no R8 target)', 'git push origin ^main', exact(inv({ remote: 'origin' }))],
  ['R2 beside a positive refspec', 'git push origin ^main dev', exact(inv({ remote: 'origin', targets: [upd(nameS('dev'))] }))],
  ['R1 then R2: +^x is ignored', 'git push origin +^x dev', exact(inv({ remote: 'origin', targets: [upd(nameS('dev'))] }))],
  ['R3 :dst deletes', 'git push origin :old', exact(inv({ remote: 'origin', targets: [del(nameD('old'))] }))],
  ['R3 :refs/… deletes a full ref', 'git push origin :refs/heads/old', exact(inv({ remote: 'origin', targets: [del(refD('refs/heads/old'))] }))],
  ['R1 R3 +:dst', 'git push origin +:old', exact(inv({ remote: 'origin', targets: [del(nameD('old'), true)] }))],
  ['R3 :$X', 'git push origin :$X', exact(inv({ remote: 'origin', targets: [del(unknownDst)] }))],
  ['R3 : alone is the matching refspec (all)', 'git push origin :', exact(inv({ remote: 'origin', broad: ['all'] }))],
  ['R4 an empty word is a name (no colon, so no R3 deletion)', 'git push origin ""', exact(inv({ remote: 'origin', targets: [upd(nameS(''))] }))],
  ['R1 R4 a lone + is a forced empty name', 'git push origin +', exact(inv({ remote: 'origin', targets: [upd(nameS(''), same, true)] }))],
  ['R3 src: is dst same', 'git push origin main:', exact(inv({ remote: 'origin', targets: [upd(nameS('main'))] }))],
  ['R3 splits at the first colon', 'git push origin a:b:c', exact(inv({ remote: 'origin', targets: [upd(nameS('a'), nameD('b:c'))] }))],
  ['R3 src:dst name', 'git push origin feature:main', exact(inv({ remote: 'origin', targets: [upd(nameS('feature'), nameD('main'))] }))],
  ['R4 HEAD', 'git push origin HEAD', exact(inv({ remote: 'origin', targets: [upd(headS('HEAD'))] }))],
  ['R4 @', 'git push origin @', exact(inv({ remote: 'origin', targets: [upd(headS('@'))] }))],
  ['R7 HEAD:dst name', 'git push origin HEAD:main', exact(inv({ remote: 'origin', targets: [upd(headS('HEAD'), nameD('main'))] }))],
  ['R7 refs/ src', 'git push origin refs/heads/x', exact(inv({ remote: 'origin', targets: [upd(refS('refs/heads/x'))] }))],
  [
    'R7 refs/tags/… full',
    'git push origin refs/tags/v1:refs/tags/v1',
    exact(inv({ remote: 'origin', targets: [upd(refS('refs/tags/v1'), refD('refs/tags/v1'))] })),
  ],
  [
    'tag <t> is refs/tags/<t>:refs/tags/<t>',
    'git push origin tag v1 main',
    exact(inv({ remote: 'origin', targets: [upd(refS('refs/tags/v1'), refD('refs/tags/v1')), upd(nameS('main'))] })),
  ],
  ['tag as the last word is a name', 'git push origin main tag', exact(inv({ remote: 'origin', targets: [upd(nameS('main')), upd(nameS('tag'))] }))],
  ['tag $T is unknown', 'git push origin tag "$T"', exact(inv({ remote: 'origin', targets: [upd(unknownS)] }))],
  ['R6 refs/heads/* is all', 'git push origin refs/heads/*', exact(inv({ remote: 'origin', broad: ['all'] }))],
  ['R6 refs/tags/* is tags', 'git push origin refs/tags/*', exact(inv({ remote: 'origin', broad: ['tags'] }))],
  ['R6 refs/tags/*: (empty dst) is tags', 'git push origin refs/tags/*:', exact(inv({ remote: 'origin', broad: ['tags'] }))],
  ['R6 the dst decides: heads→tags', 'git push origin refs/heads/*:refs/tags/*', exact(inv({ remote: 'origin', broad: ['tags'] }))],
  ['R6 the dst decides: tags→heads', 'git push origin refs/tags/*:refs/heads/t/*', exact(inv({ remote: 'origin', broad: ['all'] }))],
  ['R6 * alone', 'git push origin *:', exact(inv({ remote: 'origin', broad: ['all'] }))],
  [
    'R6 a pattern beside a refspec',
    'git push origin refs/tags/* main',
    exact(inv({ remote: 'origin', broad: ['tags'], targets: [upd(nameS('main'))] })),
  ],
  // R7 src kinds
  ['R7 ~ is expr', 'git push origin main~1:x', exact(inv({ remote: 'origin', targets: [upd(exprS('main~1'), nameD('x'))] }))],
  ['R7 inner ^ is expr', 'git push origin main^:x', exact(inv({ remote: 'origin', targets: [upd(exprS('main^'), nameD('x'))] }))],
  ['R7 @{ is expr', 'git push origin main@{1}:x', exact(inv({ remote: 'origin', targets: [upd(exprS('main@{1}'), nameD('x'))] }))],
  ['R7 HEAD~1 is expr before head', 'git push origin HEAD~1:x', exact(inv({ remote: 'origin', targets: [upd(exprS('HEAD~1'), nameD('x'))] }))],
  ['R7 refs/…~1 is expr before ref', 'git push origin refs/heads/a~1:x', exact(inv({ remote: 'origin', targets: [upd(exprS('refs/heads/a~1'), nameD('x'))] }))],
  ['R7 4 hex digits are expr', 'git push origin abcd:x', exact(inv({ remote: 'origin', targets: [upd(exprS('abcd'), nameD('x'))] }))],
  ['R7 3 hex digits are a name', 'git push origin abc:x', exact(inv({ remote: 'origin', targets: [upd(nameS('abc'), nameD('x'))] }))],
  ['R7 upper-case hex', 'git push origin ABCDEF12:x', exact(inv({ remote: 'origin', targets: [upd(exprS('ABCDEF12'), nameD('x'))] }))],
  ['R7 64 hex digits are expr', `git push origin ${'a'.repeat(64)}:x`, exact(inv({ remote: 'origin', targets: [upd(exprS('a'.repeat(64)), nameD('x'))] }))],
  ['R7 65 hex digits are a name', `git push origin ${'a'.repeat(65)}:x`, exact(inv({ remote: 'origin', targets: [upd(nameS('a'.repeat(65)), nameD('x'))] }))],
  ['R7 hex then a letter is a name', 'git push origin abcdx:x', exact(inv({ remote: 'origin', targets: [upd(nameS('abcdx'), nameD('x'))] }))],
  ['R7 a letter then hex is a name', 'git push origin xabcd:x', exact(inv({ remote: 'origin', targets: [upd(nameS('xabcd'), nameD('x'))] }))],
  ['R7 HEADx is a name', 'git push origin HEADx @x', exact(inv({ remote: 'origin', targets: [upd(nameS('HEADx')), upd(nameS('@x'))] }))],
  ['R7 dynamic src', 'git push origin "$B":main', exact(inv({ remote: 'origin', targets: [upd(unknownS, nameD('main'))] }))],
  ['R7 partly dynamic src', 'git push origin "feat-$B"', exact(inv({ remote: 'origin', targets: [upd(unknownS)] }))],
  // R7 dst kinds
  ['R7 dynamic dst', 'git push origin main:"$D"', exact(inv({ remote: 'origin', targets: [upd(nameS('main'), unknownDst)] }))],
  ['R7 refs/ dst', 'git push origin HEAD:refs/heads/main', exact(inv({ remote: 'origin', targets: [upd(headS('HEAD'), refD('refs/heads/main'))] }))],
  ['R7 a dst merely containing refs/ is a name', 'git push origin HEAD:x/refs/y', exact(inv({ remote: 'origin', targets: [upd(headS('HEAD'), nameD('x/refs/y'))] }))],
  ['R7 a src merely containing refs/ is a name', 'git push origin x/refs/y', exact(inv({ remote: 'origin', targets: [upd(nameS('x/refs/y'))] }))],
  ['remote dynamic', 'git push "$R" main', exact(inv({ targets: [upd(nameS('main'))] }))],
  ['git-push direct', 'git-push origin main', exact(inv({ remote: 'origin', targets: [upd(nameS('main'))] }))],
];

describe('push-gate.md §6.6 refspecs, whole classification', () => {
  it.each(table(REFSPECS))('$rule: $command', ({ command, expected }) => {
    expect(classifyPushCommand(command)).toEqual(expected);
  });
});

// ───────────────────────────── push-gate.md §6.8 fallback and the entry point ─────────────────────────────

const FALLBACKS: ReadonlyArray<Row> = [
  ['F1 failed parse with tokens', 'echo "x; git push origin main', fallback('parse-failed')],
  [
    'F1 the exact invocations found before the failure come first',
    'git push origin a; echo "x',
    fallback('parse-failed', inv({ remote: 'origin', targets: [upd(nameS('a'))] })),
  ],
  ['F1 a dry run before a failure is not kept', 'git push -n origin main; echo "x', fallback('parse-failed')],
  ['F1 uncertain with tokens', 'git $SUB push', fallback('uncertain')],
  [
    'F1 uncertain after an exact push',
    'git push origin a; for b in x; do git push origin "$b"; done',
    fallback('uncertain', inv({ remote: 'origin', targets: [upd(nameS('a'))] }), inv({ remote: 'origin', targets: [upd(unknownS)] })),
  ],
  ['F4 failed without tokens', 'echo "x', NOT_PUSH],
  ['F4 uncertain without tokens', 'git $SUB origin', NOT_PUSH],
  ['F3 parsed, no push, tokens only in quotes', 'echo "git push"', NOT_PUSH],
  [
    'a failed parse whose raw text hides the git…push tokens keeps its exact invocations',
    'g\\it push origin main; echo "x',
    exact(inv({ remote: 'origin', targets: [upd(nameS('main'))] })),
  ],
  ['only dry runs', 'git push -n; git push --dry-run origin x', DRY],
  ['help is no push at all', 'git push -h; git push -n', DRY],
];

describe('push-gate.md §6.8 fallback, whole classification', () => {
  it.each(table(FALLBACKS))('$rule: $command', ({ command, expected }) => {
    expect(classifyPushCommand(command)).toEqual(expected);
  });
  it('too long: the whole F1 result, or NotPush without tokens (F4)', () => {
    const long = `${' '.repeat(MAX_COMMAND_CHARS)}git push origin main`;
    expect(classifyPushCommand(long)).toEqual(fallback('too-long'));
    expect(classifyPushCommand(`${' '.repeat(MAX_COMMAND_CHARS)}echo hi`)).toEqual(NOT_PUSH);
  });
});

describe('push-gate.md §6.8 F2 hasGitPushTokens', () => {
  it.each([
    ...[' ', '\t', '\n', ';', '&', '|', '(', ')', '<', '>', '`', "'", '"', '{', '}', '$', '=', ' ;& '].map(
      (sep) => [`git${sep}push`, true] as const,
    ),
    ['git.exe push', true],
    ['/usr/bin/git x y push', true],
    ['git-push', true],
    ['echo;git-push', true],
    ['gitpush', false],
    ['git.push', false],
    ['git:push', false],
    ['git/push', false],
    ['git,push', false],
    ['xgit push', false],
    ['git pushy', false],
    ['git-pushx', false],
    ['xgit-push', false],
    ['push', false],
    ['git', false],
    ['', false],
  ] as const)('%j → %s', (raw, want) => {
    expect(hasGitPushTokens(raw)).toBe(want);
  });
  it('non-strings are false', () => {
    for (const v of [null, undefined, 3, ['git', 'push'], { raw: 'git push' }]) expect(hasGitPushTokens(v)).toBe(false);
  });
});

// ───────────────────────────── push-gate.md §6.1 item 1 commandFromToolInput ─────────────────────────────

describe('push-gate.md §6.1 commandFromToolInput', () => {
  it.each([
    [{ command: 'git push' }, 'git push'],
    [{ command: 'a', cmd: 'b' }, 'a'],
    [{ command: null, cmd: 'b' }, 'b'],
    [{ command: [], cmd: 'b' }, 'b'],
    [{ command: ['x', 1], cmd: 'b' }, 'b'],
    [{ command: ['git', 'push'], cmd: 'b' }, `'git' 'push'`],
    [{ cmd: ['git', 'push origin'] }, `'git' 'push origin'`],
    [{ command: ["a'b'c"] }, `'a'\\''b'\\''c'`],
    [{ command: [''] }, `''`],
    [{}, null],
    [{ cmd: 3 }, null],
    [null, null],
    [undefined, null],
    ['git push', null],
    [42, null],
  ] as const)('%j → %j', (input, want) => {
    expect(commandFromToolInput(input)).toBe(want);
  });
  it('an argv array read back is the same push', () => {
    const c = commandFromToolInput({ cmd: ['git', 'push', 'origin', "it's:main"] });
    expect(classifyPushCommand(c)).toEqual(exact(inv({ remote: 'origin', targets: [upd(nameS("it's"), nameD('main'))] })));
  });
});

// ───────────────────────────── push-gate.md §6.7 resolveInvocationDir ─────────────────────────────

describe('push-gate.md §6.7 resolveInvocationDir (H1, H2)', () => {
  it('normalises the cwd itself: relative, ., .., repeated /', () => {
    expect(resolveInvocationDir('a/b', [])).toEqual({ dir: '/a/b', git_dir: null, work_tree: null });
    expect(resolveInvocationDir('/x/./y/../z//w/', [])).toEqual({ dir: '/x/z/w', git_dir: null, work_tree: null });
    expect(resolveInvocationDir('/', [])).toEqual({ dir: '/', git_dir: null, work_tree: null });
    expect(resolveInvocationDir('/..', [])).toEqual({ dir: '/', git_dir: null, work_tree: null });
  });
  it('each hint kind in order; git-dir and work-tree do not move the directory', () => {
    expect(
      resolveInvocationDir('/r', [
        { kind: 'cd', path: 'a' },
        { kind: 'git-dir', path: '../g' },
        { kind: 'env-C', path: 'b' },
        { kind: 'work-tree', path: '.' },
        { kind: 'git-C', path: '/abs/./c' },
      ]),
    ).toEqual({ dir: '/abs/c', git_dir: '/r/g', work_tree: '/r/a/b' });
  });
  it('an absolute git-dir replaces; the last of each kind wins', () => {
    expect(
      resolveInvocationDir('/r', [
        { kind: 'git-dir', path: '/g1' },
        { kind: 'git-dir', path: 'g2' },
        { kind: 'work-tree', path: 'w1' },
        { kind: 'work-tree', path: '/w2/..' },
      ]),
    ).toEqual({ dir: '/r', git_dir: '/r/g2', work_tree: '/' });
  });
});

// ───────────────────────────── push-gate.md §7 pre-push stdin parser ─────────────────────────────

const A40 = '9f1c'.padEnd(40, 'a');
const B40 = '3b7a'.padEnd(40, 'b');
const C64 = '5d2e'.padEnd(64, 'c');
const Z40 = '0'.repeat(40);
const Z64 = '0'.repeat(64);

describe('push-gate.md §7 parsePrePushInput, whole result', () => {
  it('PP6 mixed update, creation, deletion (by (delete) and by a zero local oid), CR LF and blanks (PP2)', () => {
    const stdin =
      `refs/heads/main ${A40} refs/heads/main ${B40}\r\n` +
      `\r\n` +
      `refs/tags/v1 ${C64}\trefs/tags/v1  ${Z64}\r\n` +
      `   \n` +
      `(delete) ${Z40} refs/heads/old ${B40}\n` +
      `refs/heads/gone ${Z40} refs/heads/gone ${A40}\n` +
      `HEAD~1 ${A40} refs/heads/new ${Z40}`;
    const want: PrePushInput = {
      _tag: 'Lines',
      lines: [
        { local_ref: 'refs/heads/main', local_oid: A40, remote_ref: 'refs/heads/main', remote_oid: B40, op: 'update' },
        { local_ref: 'refs/tags/v1', local_oid: C64, remote_ref: 'refs/tags/v1', remote_oid: Z64, op: 'create' },
        { local_ref: '(delete)', local_oid: Z40, remote_ref: 'refs/heads/old', remote_oid: B40, op: 'delete' },
        { local_ref: 'refs/heads/gone', local_oid: Z40, remote_ref: 'refs/heads/gone', remote_oid: A40, op: 'delete' },
        { local_ref: 'HEAD~1', local_oid: A40, remote_ref: 'refs/heads/new', remote_oid: Z40, op: 'create' },
      ],
      malformed: 0,
    };
    const p = parsePrePushInput(stdin);
    expect(p).toEqual(want);
    expect(prePushGatedRefs(p)).toEqual(['refs/heads/main', 'refs/tags/v1', 'refs/heads/new']);
  });
  it('PP2 only a trailing CR is the line end: a leading CR is a blank trimmed away, the last character kept', () => {
    expect(parsePrePushInput(`x\n\rrefs/heads/main ${A40} refs/heads/main ${B40}`)).toEqual({
      _tag: 'Lines',
      lines: [{ local_ref: 'refs/heads/main', local_oid: A40, remote_ref: 'refs/heads/main', remote_oid: B40, op: 'update' }],
      malformed: 1,
    });
  });
  it('PP6 (delete) wins over a non-zero local oid', () => {
    expect(parsePrePushInput(`(delete) ${A40} refs/heads/x ${Z40}`)).toEqual({
      _tag: 'Lines',
      lines: [{ local_ref: '(delete)', local_oid: A40, remote_ref: 'refs/heads/x', remote_oid: Z40, op: 'delete' }],
      malformed: 0,
    });
  });
  it('PP3 PP4 PP5: malformed lines counted beside good ones', () => {
    const stdin = [
      'junk',
      `refs/heads/a ${A40} refs/heads/a`, // 3 fields
      `refs/heads/a ${A40} refs/heads/a ${B40} extra`, // 5 fields
      `refs/heads/a ${'g'.repeat(40)} refs/heads/a ${B40}`, // local oid not hex
      `refs/heads/a ${A40} refs/heads/a ${'g'.repeat(40)}`, // remote oid not hex
      `refs/heads/a ${A40} heads/a ${B40}`, // remote ref outside refs/
      `refs/heads/a x${A40} refs/heads/a ${B40}`, // 41 characters
      `refs/heads/a ${A40} refs/heads/a ${B40}x`,
      `refs/heads/ok ${A40} refs/heads/ok ${B40}`,
    ].join('\n');
    expect(parsePrePushInput(stdin)).toEqual({
      _tag: 'Lines',
      lines: [{ local_ref: 'refs/heads/ok', local_oid: A40, remote_ref: 'refs/heads/ok', remote_oid: B40, op: 'update' }],
      malformed: 8,
    });
  });
  it('PP7 all malformed is unreadable with the count; blank-only input is no lines', () => {
    expect(parsePrePushInput('a\nb c\r\n\n')).toEqual({ _tag: 'Unreadable', reason: 'all-malformed', malformed: 2 });
    expect(parsePrePushInput('\r\n\t\n')).toEqual({ _tag: 'Lines', lines: [], malformed: 0 });
  });
  it('PP1 a non-string is unreadable not-text', () => {
    for (const v of [undefined, null, 0, ['x'], {}]) expect(parsePrePushInput(v)).toEqual({ _tag: 'Unreadable', reason: 'not-text', malformed: 0 });
  });
  it('PP4 zero ids are exactly 40 or 64 zeros', () => {
    const tail40 = `${'a'.repeat(24)}${Z40}`; // 64 digits ending in 40 zeros
    const head40 = `${Z40}${'a'.repeat(24)}`; // 64 digits starting with 40 zeros
    expect([Z40, Z64, tail40, head40, '0'.repeat(39), '0'.repeat(41), ''].map(isZeroOid)).toEqual([
      true, true, false, false, false, false, false,
    ]);
    const p = parsePrePushInput(`refs/heads/a ${tail40} refs/heads/a ${head40}`);
    expect(p).toEqual({
      _tag: 'Lines',
      lines: [{ local_ref: 'refs/heads/a', local_oid: tail40, remote_ref: 'refs/heads/a', remote_oid: head40, op: 'update' }],
      malformed: 0,
    });
  });
  it('PP8 gated refs: creates and updates, in order, once each; none of unreadable input', () => {
    const p = parsePrePushInput(
      `refs/heads/b ${A40} refs/heads/main ${B40}\n` +
        `refs/heads/c ${A40} refs/heads/main ${Z40}\n` +
        `(delete) ${Z40} refs/heads/old ${B40}\n` +
        `refs/heads/c ${A40} refs/heads/c ${B40}\n`,
    );
    expect(prePushGatedRefs(p)).toEqual(['refs/heads/main', 'refs/heads/c']);
    expect(prePushGatedRefs({ _tag: 'Unreadable', reason: 'all-malformed', malformed: 1 })).toEqual([]);
    expect(prePushGatedRefs({ _tag: 'Unreadable', reason: 'not-text', malformed: 0 })).toEqual([]);
  });
});
