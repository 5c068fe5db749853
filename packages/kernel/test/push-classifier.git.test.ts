/**
 * Shell interpreters (push-gate.md §6.3 S6), git's command word and global options (push-gate.md §6.4 G1–G4) and
 * push long options (push-gate.md §6.5, abbreviations and `--no-` forms as gitcli(7) allows), through the public
 * `classifyPushCommand`. Every case asserts the whole classification, so both "push found with these targets and
 * directory hints" and "not a push" / "uncertain" discriminate. Expected values are written from bash(1), git(1),
 * git-push(1) and the rules, not by running the classifier.
 */
import { describe, expect, it } from 'vitest';
import {
  classifyPushCommand,
  commandFromToolInput,
  resolveInvocationDir,
  type DirHint,
  type PushClassification,
  type PushInvocation,
  type PushTarget,
} from '../src/push-gate/classifier.js';
import { currentTarget, DRY_RUN, exact, fallback, invocation, namedTarget, NOT_PUSH } from './helpers/push-results.js';

// ───────────────────────────── builders for whole results ─────────────────────────────

const NO = NOT_PUSH;
const DRY = DRY_RUN;

const name = namedTarget;
const cur = currentTarget;
const del = (n: string): PushTarget => ({ src: { kind: 'none' }, dst: { kind: 'name', name: n }, op: 'delete', force: false });

const inv = (remote: string | null, targets: PushTarget[], extra: Partial<PushInvocation> = {}): PushInvocation =>
  invocation({ remote, targets, ...extra });
const uncertain = (...invocations: PushInvocation[]): PushClassification => fallback('uncertain', ...invocations);
const failed = (...invocations: PushInvocation[]): PushClassification => fallback('parse-failed', ...invocations);
const hints = (...hs: [DirHint['kind'], string][]): DirHint[] => hs.map(([kind, path]) => ({ kind, path }));
const MAIN = inv('origin', [name('main')]);

type Row = readonly [string, string, PushClassification];
const table = (title: string, rows: ReadonlyArray<Row>): void => {
  describe(title, () => {
    it.each(rows.map(([why, cmd, exp]) => ({ why, cmd, exp })))('$why: $cmd', ({ cmd, exp }) => {
      expect(classifyPushCommand(cmd)).toEqual(exp);
    });
  });
};

// ───────────────────────────── S6: shells (push-gate.md §6.3) ─────────────────────────────

table('S6 option words of a shell (push-gate.md §6.3)', [
  ['-c runs its first non-option word', "bash -c 'git push origin main'", exact(MAIN)],
  ['-lc clustered', "bash -lc 'git push origin main'", exact(MAIN)],
  ['every listed shell', "dash -c 'git push origin main'", exact(MAIN)],
  ['-- ends the options: the next word is the script', "bash -c -- 'git push origin main'", exact(MAIN)],
  ['- ends the options like -- (bash(1)): the next word is the script', "bash -c - 'git push origin main'", exact(MAIN)],
  ['- ends the options: with sh -s the script still comes from stdin', "sh -s - script.sh <<< 'git push origin main'", exact(MAIN)],
  ['after -- a `-c` word is a positional parameter of the stdin script', "sh -s -- -c 'git push origin a' <<< 'git push origin b'", exact(inv('origin', [name('b')]))],
  ['-o takes a value', "bash -o pipefail -c 'git push origin main'", exact(MAIN)],
  ['+o takes a value', "bash +o histexpand -c 'git push origin main'", exact(MAIN)],
  ['-O takes a value', "bash -O extglob -c 'git push origin main'", exact(MAIN)],
  ['+O takes a value', "bash +O extglob -c 'git push origin main'", exact(MAIN)],
  ['--rcfile takes a value', "bash --rcfile rc.sh -c 'git push origin main'", exact(MAIN)],
  ['--init-file takes a value', "bash --init-file init.sh -c 'git push origin main'", exact(MAIN)],
  ['-o value that is not an option word is still skipped (no script file)', "bash -o posix <<< 'git push origin main'", exact(MAIN)],
  ['--rcfile value is not a script file', "bash --rcfile rc.sh <<< 'git push origin main'", exact(MAIN)],
  ['a long option holding a c is not -c', "bash --norc <<< 'git push origin main'", exact(MAIN)],
  ['a long option holding an s is not -s: the file is the script', "bash --posix deploy.sh <<< 'git push origin main'", NO],
  ['a flag without c or s does not read stdin when a script file is given', "bash -x deploy.sh <<< 'git push origin main'", NO],
  ['a script file is opaque; the here-string is its input', "bash deploy.sh <<< 'git push origin main'", NO],
  ['-s reads the script from stdin even with arguments', "bash -s deploy.sh <<< 'git push origin main'", exact(MAIN)],
  ['-xs clustered', "bash -xs arg <<< 'git push origin main'", exact(MAIN)],
  ['no script word: the here-string is the script', "bash <<< 'git push origin main'", exact(MAIN)],
  ['no script word and a heredoc', 'sh <<EOF\ngit push origin main\nEOF', exact(MAIN)],
  ['reads a pipe: uncertain', "printf 'x' | bash; git push origin main", uncertain(MAIN)],
  ['reads a file redirect: opaque, not uncertain', 'bash < deploy.sh; git push origin main', exact(MAIN)],
  ['a file redirect and push words only as data: not a push', 'bash < deploy.sh; echo git push', NO],
  ['-c without a script word runs nothing', 'bash -c', NO],
  ['-c: the word after the script is $0, not a script', "bash -c 'git push origin main' git push", exact(MAIN)],
  // bash(1) and dash(1) both read `+c` as `-c` (checked against bash 5 and dash 0.5): a `+` cluster holding `c`
  // runs its first non-option word as a command string; bash also reads `+s` as `-s`.
  ['+c runs a command string like -c', "bash +c 'git push origin main'", exact(MAIN)],
  ['+ec clustered', "sh +ec 'git push origin main'", exact(MAIN)],
  ['+s reads the script from stdin like -s (bash(1))', "bash +s deploy.sh <<< 'git push origin main'", exact(MAIN)],
  ['+e without c or s: the word is a script file', "bash +e deploy.sh <<< 'git push origin main'", NO],
]);

table('S6 with env -C before the shell: directory hints carry into the script (push-gate.md §6.7 H1)', [
  ['env -C dir', "env -C app bash -c 'git push origin main'", exact(inv('origin', [name('main')], { dir_hints: hints(['env-C', 'app']) }))],
  [
    'cd, then env -C: hints in order',
    "cd repo && env -C app bash -c 'git push origin main'",
    exact(inv('origin', [name('main')], { dir_hints: hints(['cd', 'repo'], ['env-C', 'app']) })),
  ],
  [
    'env -C dir with a stdin script',
    "env -C app sh <<< 'git -C sub push origin main'",
    exact(inv('origin', [name('main')], { dir_hints: hints(['env-C', 'app'], ['git-C', 'sub']) })),
  ],
  ['dynamic env -C: uncertain directory', 'env -C "$D" bash -c \'git push origin main\'', exact(inv('origin', [name('main')], { dir_uncertain: true }))],
  [
    'cd, then dynamic env -C: the hint so far stays, the directory is uncertain',
    'cd repo && env -C "$D" bash -c \'git push origin main\'',
    exact(inv('origin', [name('main')], { dir_hints: hints(['cd', 'repo']), dir_uncertain: true })),
  ],
  [
    'uncertain cd, then env -C: stays uncertain',
    'cd "$X" && env -C app bash -c \'git push origin main\'',
    exact(inv('origin', [name('main')], { dir_hints: hints(['env-C', 'app']), dir_uncertain: true })),
  ],
]);

describe('S6 nesting through stdin scripts counts one level each (push-gate.md §6.3, X8)', () => {
  const sq = (x: string): string => `'${x.replace(/'/g, `'\\''`)}'`;
  const nest = (k: number): string => {
    let s = 'git push origin main';
    for (let i = 0; i < k; i++) s = `bash <<< ${sq(s)}`;
    return s;
  };
  it('4 levels of here-string scripts are followed, 5 fall back', () => {
    expect(classifyPushCommand(nest(4))).toEqual(exact(MAIN));
    expect(classifyPushCommand(nest(5))).toEqual(failed());
    expect(classifyPushCommand(nest(6))).toEqual(failed());
  });
});

describe('S6 through commandFromToolInput: an argv array is rendered so `bash -lc` still reads its script', () => {
  it('["bash", "-lc", "cd api && git push origin main"]', () => {
    const cmd = commandFromToolInput({ command: ['bash', '-lc', 'cd api && git push origin main'] });
    expect(classifyPushCommand(cmd)).toEqual(exact(inv('origin', [name('main')], { dir_hints: hints(['cd', 'api']) })));
  });
  it('["sh", "-c", "--", "git push origin main"]', () => {
    expect(classifyPushCommand(commandFromToolInput({ cmd: ['sh', '-c', '--', 'git push origin main'] }))).toEqual(exact(MAIN));
  });
});

// ───────────────────────────── G1–G4: git's command word and global options (push-gate.md §6.4) ─────────────────────────────

table('G1 command words (push-gate.md §6.4)', [
  ['git', 'git push origin main', exact(MAIN)],
  ['a path ending in git', '/usr/bin/git push origin main', exact(MAIN)],
  ['git.exe', 'git.exe push origin main', exact(MAIN)],
  ['a path ending in git.exe', "'C:/Program Files/Git/bin/git.exe' push origin main", exact(MAIN)],
  ['git-push: its arguments are push arguments', 'git-push origin main', exact(MAIN)],
  ['git-push: options are push options', 'git-push -f origin main', exact(inv('origin', [name('main', true)], { force: true }))],
  ['gitx is another command', 'gitx push origin main', NO],
  ['git alone', 'git', NO],
  ['git with only global options', 'git -C app', NO],
  ['git with a dangling -C', 'git -C', NO],
]);

table('G2 global options (push-gate.md §6.4)', [
  ['-C dir', 'git -C app push origin main', exact(inv('origin', [name('main')], { dir_hints: hints(['git-C', 'app']) }))],
  [
    '-C cumulative',
    'git -C a -C b push origin main',
    exact(inv('origin', [name('main')], { dir_hints: hints(['git-C', 'a'], ['git-C', 'b']) })),
  ],
  ['-C dynamic', 'git -C "$DIR" push origin main', exact(inv('origin', [name('main')], { dir_uncertain: true }))],
  ['-c k=v', 'git -c core.sshCommand=ssh push origin main', exact(MAIN)],
  ['-c alias.x=push does not make x a push (G3: aliases are left to the git layer)', 'git -c alias.x=push x origin main', NO],
  ['--config-env name=ENV (separate value)', 'git --config-env core.sshCommand=SSH push origin main', exact(MAIN)],
  ['--config-env=name=ENV (joined)', 'git --config-env=core.sshCommand=SSH push origin main', exact(MAIN)],
  ['--namespace ns (separate value)', 'git --namespace ns push origin main', exact(MAIN)],
  ['--namespace=ns (joined)', 'git --namespace=ns push origin main', exact(MAIN)],
  ['--git-dir path', 'git --git-dir ../r.git push origin main', exact(inv('origin', [name('main')], { dir_hints: hints(['git-dir', '../r.git']) }))],
  ['--git-dir=path', 'git --git-dir=../r.git push origin main', exact(inv('origin', [name('main')], { dir_hints: hints(['git-dir', '../r.git']) }))],
  ['--work-tree path', 'git --work-tree wt push origin main', exact(inv('origin', [name('main')], { dir_hints: hints(['work-tree', 'wt']) }))],
  ['--work-tree=path', 'git --work-tree=wt push origin main', exact(inv('origin', [name('main')], { dir_hints: hints(['work-tree', 'wt']) }))],
  ['--git-dir=dynamic', 'git --git-dir="$G" push origin main', exact(inv('origin', [name('main')], { dir_uncertain: true }))],
  ['--work-tree dynamic', 'git --work-tree "$W" push origin main', exact(inv('origin', [name('main')], { dir_uncertain: true }))],
  [
    'all hint kinds, in order',
    'cd r && git -C a --git-dir=g --work-tree w push origin main',
    exact(inv('origin', [name('main')], { dir_hints: hints(['cd', 'r'], ['git-C', 'a'], ['git-dir', 'g'], ['work-tree', 'w']) })),
  ],
  ['--exec-path=path: =-only', 'git --exec-path=/opt/git push origin main', exact(MAIN)],
  ['--exec-path alone is read as a flag (G2: any other dash word), so the next word is the subcommand', 'git --exec-path push origin main', exact(MAIN)],
  ['flag options', 'git --no-pager --bare -P push origin main', exact(MAIN)],
  ['an unknown dash word is a flag', 'git --frobnicate push origin main', exact(MAIN)],
  ['-- is a flag word for the global walk', 'git -- push origin main', exact(MAIN)],
]);

table('G3 subcommand (push-gate.md §6.4)', [
  ['pushall is not push', 'git pushall', NO],
  ['status', 'git -C app status', NO],
  ['a dynamic subcommand is uncertain', 'git "$CMD" origin main && git push origin dev', uncertain(inv('origin', [name('dev')]))],
  ['a dynamic subcommand alone, push tokens elsewhere', 'git $SUB origin; echo git push', uncertain()],
  ['a dynamic subcommand after global options', 'git -C app "$CMD" && git push', uncertain(inv(null, [cur()]))],
  ['push as a later argument of another subcommand', 'git log push origin main', NO],
]);

table('G4 help (push-gate.md §6.4)', [
  ['-h', 'git push -h', NO],
  ['--help', 'git -C app push --help origin main', NO],
  ['--he (unique abbreviation of --help)', 'git push --he', NO],
]);

// ───────────────────────────── push long options (push-gate.md §6.5) ─────────────────────────────

table('push long options: exact names, `--no-` negation, unique abbreviations (push-gate.md §6.5, gitcli(7))', [
  ['--force', 'git push --force origin main', exact(inv('origin', [name('main', true)], { force: true }))],
  ['--no-force clears --force', 'git push --force --no-force origin main', exact(MAIN)],
  ['--no-force-with-lease clears the lease', 'git push --force-with-lease --no-force-with-lease origin main', exact(MAIN)],
  ['--no-tags clears --tags', 'git push --tags --no-tags origin', exact(inv('origin', [cur()]))],
  ['--no-dry-run clears -n', 'git push -n --no-dry-run origin main', exact(MAIN)],
  ['--no-delete clears -d', 'git push -d --no-delete origin main', exact(MAIN)],
  ['--no-verify is its own option', 'git push --no-verify origin main', exact(inv('origin', [name('main')], { no_verify: true }))],
  ['--no-no-verify clears it', 'git push --no-verify --no-no-verify origin main', exact(MAIN)],
  ['--verify after --no-verify clears it', 'git push --no-verify --verify origin main', exact(MAIN)],
  ['--no-repo: a negated value option takes no value', 'git push --no-repo origin main', exact(MAIN)],
  ['--dele abbreviates --delete', 'git push --dele origin main', exact(inv('origin', [del('main')]))],
  ['--dry abbreviates --dry-run', 'git push --dry origin main', DRY],
  ['--no-dry abbreviates --no-dry-run', 'git push --dry-run --no-dry origin main', exact(MAIN)],
  ['--no-force-w abbreviates --no-force-with-lease', 'git push --force-with-lease --no-force-w origin main', exact(MAIN)],
  ['--no-ta abbreviates --no-tags', 'git push --tags --no-ta origin', exact(inv('origin', [cur()]))],
  ['--no-forc is ambiguous (force, force-with-lease, force-if-includes; git refuses it): ignored', 'git push -f --no-forc origin main', exact(inv('origin', [name('main', true)], { force: true }))],
  ['--f is ambiguous (git refuses it): ignored', 'git push --f origin main', exact(MAIN)],
  ['--fo is ambiguous (force…, follow-tags): ignored', 'git push --fo origin main', exact(MAIN)],
  ['--fol abbreviates --follow-tags', 'git push --fol origin main', exact(inv('origin', [name('main')], { broad: ['tags'] }))],
  ['--mi abbreviates --mirror', 'git push --mi origin', exact(inv('origin', [], { broad: ['all', 'tags'] }))],
  ['--re abbreviates nothing uniquely (repo, recurse-submodules, receive-pack): ignored', 'git push --re origin main', exact(MAIN)],
  ['--rep=up abbreviates --repo=up', 'git push --rep=up', exact(inv('up', [cur()]))],
  ['--rep up abbreviates --repo up', 'git push --rep up', exact(inv('up', [cur()]))],
  ['an unknown long option is ignored', 'git push --bogus origin main', exact(MAIN)],
  ['an unknown option holding an option name after three letters does not negate it', 'git push -f --un-force origin main', exact(inv('origin', [name('main', true)], { force: true }))],
  ['--no- alone is read as a prefix of no-verify (git refuses it as ambiguous; the flag errs on the gated side)', 'git push --no- origin main', exact(inv('origin', [name('main')], { no_verify: true }))],
  ['--no-n leaves no_verify false (git reads it as --no-no-verify; the classifier ignores it)', 'git push --no-n origin main', exact(MAIN)],
]);

// ───────────────────────────── directory resolution of the hints found (push-gate.md §6.7 H2) ─────────────────────────────

describe('resolveInvocationDir over hints from env -C, git -C, --git-dir, --work-tree (push-gate.md §6.7)', () => {
  const hintsOf = (cmd: string): ReadonlyArray<DirHint> => {
    const c = classifyPushCommand(cmd);
    if (c._tag !== 'Push') throw new Error(`not a push: ${cmd}`);
    return (c.invocations[0] as PushInvocation).dir_hints;
  };
  it('env -C then bash -c then git -C and --git-dir', () => {
    expect(resolveInvocationDir('/w', hintsOf("env -C app bash -c 'git -C ../lib --git-dir=.git push origin main'"))).toEqual({
      dir: '/w/lib',
      git_dir: '/w/lib/.git',
      work_tree: null,
    });
  });
  it('--work-tree resolves against the directory at that point', () => {
    expect(resolveInvocationDir('/w', hintsOf('git --work-tree=wt -C sub push origin main'))).toEqual({
      dir: '/w/sub',
      git_dir: null,
      work_tree: '/w/wt',
    });
  });
});
