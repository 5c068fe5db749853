/**
 * Wrappers and reserved words in front of `git push` (push-gate.md §6.3 S3–S8, push-gate.md §6.4 G1; hints H1, H2 of
 * push-gate.md §6.7), one row per option form. Every row asserts the whole classification, so a wrapper that eats
 * one word too many or too few, or stops too early, changes the result (a push becomes `NotPush`, gains or loses a
 * directory hint, or turns into a fallback).
 *
 * Expected values are written from the wrappers' own grammar (bash(1), env(1), nice(1), timeout(1), stdbuf(1),
 * time(1), sudo(8), xargs(1)) and the rules above, through the public entry point only.
 */
import { describe, expect, it } from 'vitest';
import {
  classifyPushCommand,
  commandFromToolInput,
  MAX_NESTING,
  resolveInvocationDir,
  type DirHint,
  type PushClassification,
  type PushInvocation,
  type PushTarget,
} from '../src/push-gate/classifier.js';
import { exact, fallback, invocation, namedTarget, NOT_PUSH } from './helpers/push-results.js';

// ───────────────────────────── expected values ─────────────────────────────

const NO = NOT_PUSH;

/** `main` as the only refspec (a branch name, pushed to the same name). */
const MAIN: PushTarget = namedTarget('main');
const named = (name: string): PushTarget => namedTarget(name);

/** `git push origin main` found in the text, with the directory hints (H1, H2) and uncertainty given. */
const inv = (hints: ReadonlyArray<DirHint> = [], uncertain = false, targets: ReadonlyArray<PushTarget> = [MAIN]): PushInvocation =>
  invocation({ remote: 'origin', dir_hints: hints, dir_uncertain: uncertain, targets });

/** Plain `origin main` push, no hints. */
const PUSH = exact(inv());
/** An `xargs git push …`: arguments come from stdin (push-gate.md §6.3 S5), so only the fallback is certain. */
const XARGS = fallback('uncertain');
const cd = (path: string): DirHint => ({ kind: 'cd', path });
const envC = (path: string): DirHint => ({ kind: 'env-C', path });

type Row = readonly [command: string, expected: PushClassification];

const table = (rows: ReadonlyArray<Row>): void => {
  it.each(rows.map(([command, expected]) => ({ command, expected })))('$command', ({ command, expected }) => {
    expect(classifyPushCommand(command)).toEqual(expected);
  });
};

/** Single-quote a string for bash. */
const sq = (x: string): string => `'${x.replace(/'/g, `'\\''`)}'`;
/** `sh -c` around `cmd`, `n` times (each level one deeper, push-gate.md §6.3 S6). */
const nestSh = (n: number, cmd: string): string => {
  let s = cmd;
  for (let i = 0; i < n; i++) s = `sh -c ${sq(s)}`;
  return s;
};

// ───────────────────────────── S4 reserved words ─────────────────────────────

describe('push-gate.md §6.3 S4: reserved words', () => {
  table([
    ['time git push origin main', PUSH],
    ['time -p git push origin main', PUSH],
    ['time -p -p git push origin main', PUSH],
    ['! A=1 git push origin main', PUSH],
    // `-p` is an option of `time` only: after `!` or `if` it is the command word.
    ['! -p git push origin main', NO],
    ['if -p git push origin main; then :; fi', NO],
    // `time` written quoted is no reserved word; it is then the time(1) wrapper (below).
    ['function f { git push origin main; }', fallback('uncertain', inv())],
    ['for b in a; do git push origin main; done', fallback('uncertain', inv())],
    ['select b in a; do git push origin main; done', fallback('uncertain', inv())],
    ['case x in x) git push origin main;; esac', fallback('uncertain', inv())],
  ]);
});

// ───────────────────────────── S5 wrappers ─────────────────────────────

describe('push-gate.md §6.3 S5: command, builtin, exec', () => {
  table([
    ['command git push origin main', PUSH],
    ['command -p git push origin main', PUSH],
    ['command -pp git push origin main', PUSH],
    ['command -- git push origin main', PUSH],
    ['command -p -- git push origin main', PUSH],
    ['command -v git push origin main', NO],
    ['command -V git push origin main', NO],
    ['command -pv git push origin main', NO],
    // not an option of `command`: it is the command word
    ['command --p git push origin main', NO],
    ['command -px git push origin main', NO],
    ['command a-p git push origin main', NO],
    // `command -p` at the end of a chain runs nothing and keeps the exact push before it
    ['git push origin main; command -p', PUSH],
    ['builtin git push origin main', PUSH],
    // builtin takes no options: `-c` is the (builtin) command name, not exec's flag
    ['builtin -c git push origin main', NO],
    ['exec git push origin main', PUSH],
    ['exec -c git push origin main', PUSH],
    ['exec -l git push origin main', PUSH],
    ['exec -cl git push origin main', PUSH],
    ['exec -a name git push origin main', PUSH],
    ['exec -c -a name -- git push origin main', PUSH],
    ['exec -- git push origin main', PUSH],
    ['exec --c git push origin main', NO],
    ['exec -cx git push origin main', NO],
    ['exec a-c git push origin main', NO],
    ['git push origin main; exec -c', PUSH],
  ]);
});

describe('push-gate.md §6.3 S7: eval', () => {
  table([
    ['eval git push origin main', PUSH],
    ['eval -- git push origin main', PUSH],
    ["eval 'git push' origin main", PUSH],
  ]);
});

describe('push-gate.md §6.3 S5: nohup and time(1)', () => {
  table([
    ['nohup git push origin main', PUSH],
    ['nohup -- git push origin main', PUSH],
    // nohup has no options but `--`: `-p` is the command word (not time(1)'s flag)
    ['nohup -p git push origin main', NO],
    ['/usr/bin/nohup git push origin main', PUSH],
    ['/usr/bin/time git push origin main', PUSH],
    ['"time" git push origin main', PUSH],
    ['/usr/bin/time -p git push origin main', PUSH],
    ['/usr/bin/time -v git push origin main', PUSH],
    ['/usr/bin/time --verbose git push origin main', PUSH],
    ['/usr/bin/time --portability git push origin main', PUSH],
    ['/usr/bin/time -a -o t.log git push origin main', PUSH],
    ['/usr/bin/time --append --output t.log git push origin main', PUSH],
    ['/usr/bin/time -f %e git push origin main', PUSH],
    ['/usr/bin/time --format %e git push origin main', PUSH],
    ['/usr/bin/time --format=%e git push origin main', PUSH],
    ['/usr/bin/time --output=t.log git push origin main', PUSH],
    ['/usr/bin/time -- git push origin main', PUSH],
    ['/usr/bin/time -p -- git push origin main', PUSH],
    // not options of time(1): the command word
    ['/usr/bin/time a--format=x git push origin main', NO],
    ['/usr/bin/time -x git push origin main', NO],
  ]);
});

describe('push-gate.md §6.3 S5: env (push-gate.md §6.7 H2 for -C)', () => {
  table([
    ['env git push origin main', PUSH],
    ['env A=1 git push origin main', PUSH],
    ['env - git push origin main', PUSH],
    ['env -i git push origin main', PUSH],
    ['env -0v git push origin main', PUSH],
    ['env --ignore-environment --null --debug git push origin main', PUSH],
    ['env --block-signal git push origin main', PUSH],
    ['env -x git push origin main', PUSH],
    ['env -u VAR git push origin main', PUSH],
    ['env -uVAR git push origin main', PUSH],
    ['env -iu VAR git push origin main', PUSH],
    ['env -iuVAR git push origin main', PUSH],
    ['env --unset=VAR git push origin main', PUSH],
    ['env --unset VAR git push origin main', PUSH],
    ['env -- git push origin main', PUSH],
    // after `--` a word starting with `-` is the command, an assignment is still an assignment (env(1))
    ['env -- -i git push origin main', NO],
    ['env -- A=1 git push origin main', PUSH],
    ['env -i -- A=1 B=2 git push origin main', PUSH],
    ['git push origin main; env --', PUSH],
    ['git push origin main; env -- A=1', PUSH],
    ['env a--chdir=app git push origin main', NO],
    ['env --chdirx git push origin main', PUSH],
    ['env -C app git push origin main', exact(inv([envC('app')]))],
    ['env -Capp git push origin main', exact(inv([envC('app')]))],
    ['env -iC app git push origin main', exact(inv([envC('app')]))],
    ['env --chdir app git push origin main', exact(inv([envC('app')]))],
    ['env --chdir=app git push origin main', exact(inv([envC('app')]))],
    ["env --chdir='a b' git push origin main", exact(inv([envC('a b')]))],
    ['env -C "$D" git push origin main', exact(inv([], true))],
    ['cd x && env -C app git push origin main', exact(inv([cd('x'), envC('app')]))],
    ["env -S 'git push origin main'", PUSH],
    ["env -S'git push origin main'", PUSH],
    ["env --split-string='git push origin main'", PUSH],
    ["env --split-string 'git push origin main'", PUSH],
    ["env -C app -S 'git push origin main'", exact(inv([envC('app')]))],
    // extra words after the -S string are re-quoted, so a quote inside one stays part of the word
    ["env -S 'git push origin' \"ma'in\"", exact(inv([], false, [named("ma'in")]))],
    ["env -S 'git push origin' 'a b'", exact(inv([], false, [named('a b')]))],
  ]);
});

describe('push-gate.md §6.3 S5: nice, timeout, stdbuf', () => {
  table([
    ['nice git push origin main', PUSH],
    ['nice -5 git push origin main', PUSH],
    ['nice -n 5 git push origin main', PUSH],
    ['nice -n5 git push origin main', PUSH],
    ['nice -n10 git push origin main', PUSH],
    ['nice --adjustment=3 git push origin main', PUSH],
    ['nice --adjustment 3 git push origin main', PUSH],
    ['nice -- git push origin main', PUSH],
    ['nice -n 5 -- git push origin main', PUSH],
    ['nice a-5 git push origin main', NO],
    ['nice -5x git push origin main', NO],
    ['nice x-n5 git push origin main', NO],
    ['nice x--adjustment=3 git push origin main', NO],
    ['nice "-n5\nx" git push origin main', NO],
    ['timeout 5 git push origin main', PUSH],
    ['timeout --preserve-status 5 git push origin main', PUSH],
    ['timeout --foreground 5 git push origin main', PUSH],
    ['timeout -v 5 git push origin main', PUSH],
    ['timeout --verbose 5 git push origin main', PUSH],
    ['timeout -s KILL 5 git push origin main', PUSH],
    ['timeout --signal KILL 5 git push origin main', PUSH],
    ['timeout -k 1 5 git push origin main', PUSH],
    ['timeout --kill-after 1 5 git push origin main', PUSH],
    ['timeout -k5 5 git push origin main', PUSH],
    ['timeout -sKILL 5 git push origin main', PUSH],
    ['timeout --signal=9 5 git push origin main', PUSH],
    ['timeout --kill-after=1 5 git push origin main', PUSH],
    ['timeout -- 5 git push origin main', PUSH],
    ['timeout x-sK 5 git push origin main', NO],
    ['timeout x--signal=9 5 git push origin main', NO],
    ['timeout "-sK\nx" 5 git push origin main', NO],
    ['stdbuf -oL git push origin main', PUSH],
    ['stdbuf -o L git push origin main', PUSH],
    ['stdbuf -i 0 git push origin main', PUSH],
    ['stdbuf -e 0 git push origin main', PUSH],
    ['stdbuf -i1M git push origin main', PUSH],
    ['stdbuf --input 0 git push origin main', PUSH],
    ['stdbuf --output L git push origin main', PUSH],
    ['stdbuf --error 0 git push origin main', PUSH],
    ['stdbuf --output=L git push origin main', PUSH],
    ['stdbuf -- git push origin main', PUSH],
    ['stdbuf x-oL git push origin main', NO],
    ['stdbuf x--output=L git push origin main', NO],
    ['stdbuf "-oL\nx" git push origin main', NO],
  ]);
});

describe('push-gate.md §6.3 S5: sudo and doas', () => {
  table([
    ['sudo git push origin main', PUSH],
    ['doas git push origin main', PUSH],
    ['sudo -u alice git push origin main', PUSH],
    ['sudo -ualice git push origin main', PUSH],
    ['sudo -E -u alice git push origin main', PUSH],
    ['sudo A=1 git push origin main', PUSH],
    ['sudo -- git push origin main', PUSH],
    ['sudo -- -i git push origin main', NO],
    ['sudo --user=alice git push origin main', PUSH],
    ['sudo --preserve-env git push origin main', PUSH],
    ...['--user', '--group', '--host', '--prompt', '--close-from', '--chdir', '--role', '--type', '--other-user', '--command-timeout'].map(
      (o): Row => [`sudo ${o} v git push origin main`, PUSH],
    ),
    ['sudo -s git push origin main', PUSH],
    ['sudo -i git push origin main', PUSH],
    ['sudo --shell git push origin main', PUSH],
    ['sudo --login git push origin main', PUSH],
    // with -s/-i the command runs in a shell of its own: its `cd` does not reach the outer chain (H1)
    ...['-s', '-i', '-Es', '--shell', '--login'].map((o): Row => [`sudo ${o} cd app && git push origin main`, PUSH]),
    ['sudo cd app && git push origin main', exact(inv([cd('app')]))],
    // the shell command line is the words joined by spaces
    ['sudo --user v git push origin "a b"', exact(inv([], false, [named('a b')]))],
    ['sudo -s', NO],
    ['git push origin main; sudo -u root', PUSH],
    ['git push origin main; sudo -s', PUSH],
    ['git push origin main; env -S', PUSH],
  ]);
  it(`sudo -s without a command at nesting ${MAX_NESTING} reads nothing (no parse failure)`, () => {
    expect(classifyPushCommand(`git push origin main; ${nestSh(MAX_NESTING, 'sudo -s')}`)).toEqual(PUSH);
  });
});

describe('push-gate.md §6.3 S5: a long option abbreviated as getopt_long(3) allows', () => {
  table([
    // a unique prefix is the option itself, value and all
    ['env --chd app git push origin main', exact(inv([envC('app')]))],
    ['env --chd=app git push origin main', exact(inv([envC('app')]))],
    ['env --un VAR git push origin main', PUSH],
    ['env --sp "git push origin main"', PUSH],
    ['timeout --sig KILL 5 git push origin main', PUSH],
    ['timeout --s=KILL 5 git push origin main', PUSH],
    ['timeout --k 3 5 git push origin main', PUSH],
    ['timeout --pre 5 git push origin main', PUSH],
    ['nice --adj 5 git push origin main', PUSH],
    ['nice --a=5 git push origin main', PUSH],
    ['stdbuf --out L git push origin main', PUSH],
    ['stdbuf --e=0 git push origin main', PUSH],
    ['/usr/bin/time --f %e git push origin main', PUSH],
    ['/usr/bin/time --out t.txt git push origin main', PUSH],
    ['sudo --us alice git push origin main', PUSH],
    ['sudo --u=alice git push origin main', PUSH],
    ['sudo --sh "git push origin main"', PUSH],
    ['sudo --log "git push origin main"', PUSH],
    // an ambiguous prefix is left as written: env skips it as one unknown word; timeout takes it for the duration
    // and `5` for the command (the real tool refuses it, so nothing runs)
    ['env --i git push origin main', PUSH],
    ['timeout --ver 5 git push origin main', NO],
    // a whole name is never taken for a prefix of a longer one, nor is a word that only starts like one
    ['env --chdirx git push origin main', PUSH],
    ['sudo --user alice git push origin main', PUSH],
    ['nice --adjustmentx 5 git push origin main', NO],
  ]);
});

describe('push-gate.md §6.3 S5: xargs (a push after it is uncertain)', () => {
  table([
    ['xargs git push origin main', XARGS],
    ['xargs -I {} git push origin {}', XARGS],
    ['xargs -n 1 git push origin main', XARGS],
    ['xargs -0 git push origin main', XARGS],
    ['xargs -r -P 4 git push origin main', XARGS],
    ['xargs -- git push origin main', XARGS],
    ['xargs -- -0 git push origin main', NO],
    ['xargs - git push origin main', NO],
    ['xargs --n git push origin main', XARGS],
    ['xargs -n1 git push origin main', XARGS],
  ]);
});

// ───────────────────────────── cd / pushd / popd (H1) ─────────────────────────────

describe('push-gate.md §6.7 H1: cd, pushd, popd', () => {
  table([
    ['cd app && git push origin main', exact(inv([cd('app')]))],
    ['cd -P app && git push origin main', exact(inv([cd('app')]))],
    ['cd -LP app && git push origin main', exact(inv([cd('app')]))],
    ['cd -- app && git push origin main', exact(inv([cd('app')]))],
    ['cd -P -- app && git push origin main', exact(inv([cd('app')]))],
    ['cd a-P && git push origin main', exact(inv([cd('a-P')]))],
    // only a word made wholly of the flags L, P, e, @ is an option; anything else is the directory
    ['cd -Px && git push origin main', exact(inv([cd('-Px')]))],
    ['cd x~ && git push origin main', exact(inv([cd('x~')]))],
    ['cd +1 && git push origin main', exact(inv([cd('+1')]))],
    ['cd && git push origin main', exact(inv([], true))],
    ['cd - && git push origin main', exact(inv([], true))],
    ['cd ~x && git push origin main', exact(inv([], true))],
    ['cd "$D" && git push origin main', exact(inv([], true))],
    ['pushd app && git push origin main', exact(inv([cd('app')]))],
    ['pushd +1 && git push origin main', exact(inv([], true))],
    ['pushd -2 && git push origin main', exact(inv([], true))],
    ['pushd +12 && git push origin main', exact(inv([], true))],
    ['pushd a+1 && git push origin main', exact(inv([cd('a+1')]))],
    ['pushd +1x && git push origin main', exact(inv([cd('+1x')]))],
    ['cd app && popd && git push origin main', exact(inv([cd('app')], true))],
    // a cd in a pipeline (either side) or in the background changes nothing
    ['echo x | cd app; git push origin main', PUSH],
    ['cd app | cat; git push origin main', PUSH],
    ['cd app & git push origin main', PUSH],
  ]);
  it(`H1: ${32} cd hints are kept; one more marks the directory uncertain`, () => {
    const cds = (n: number): string => Array.from({ length: n }, (_, i) => `cd d${i}`).join('; ');
    const hints = (n: number): DirHint[] => Array.from({ length: n }, (_, i) => cd(`d${i}`));
    expect(classifyPushCommand(`${cds(32)}; git push origin main`)).toEqual(exact(inv(hints(32))));
    expect(classifyPushCommand(`${cds(33)}; git push origin main`)).toEqual(exact(inv(hints(32), true)));
  });
  it('H1 and H2: the hints resolve against the payload cwd in order', () => {
    const c = classifyPushCommand('cd app && env -C sub git -C ../x push origin main');
    expect(c._tag === 'Push' && c.invocations.map((i) => resolveInvocationDir('/repo', i.dir_hints))).toEqual([
      { dir: '/repo/app/x', git_dir: null, work_tree: null },
    ]);
  });
});

// ───────────────────────────── nesting and the fallback invocation ─────────────────────────────

describe('push-gate.md §6.3 S2 nesting and push-gate.md §6.8 F1', () => {
  it(`a substitution is one level deeper: at nesting ${MAX_NESTING} it is read, one more fails the parse`, () => {
    expect(classifyPushCommand(nestSh(MAX_NESTING - 1, 'echo $(git push origin main)'))).toEqual(PUSH);
    expect(classifyPushCommand(nestSh(MAX_NESTING, 'echo $(git push origin main)'))).toEqual(fallback('parse-failed'));
    expect(classifyPushCommand(`echo $(${nestSh(MAX_NESTING - 1, 'git push origin main')})`)).toEqual(PUSH);
    expect(classifyPushCommand(`echo $(${nestSh(MAX_NESTING, 'git push origin main')})`)).toEqual(fallback('parse-failed'));
  });
  it('the fallback invocation is the current branch, unforced, directory known (F1)', () => {
    expect(classifyPushCommand('"$(which git)" push origin main')).toEqual(fallback('uncertain'));
    expect(classifyPushCommand('echo "unterminated; git push origin main')).toEqual(fallback('parse-failed'));
  });
  it('a tool input argv is quoted word by word, so bash -lc reads its script (S6)', () => {
    const cmd = commandFromToolInput({ command: ['bash', '-lc', "cd app && git push origin 'a b'"] });
    expect(cmd === null ? null : classifyPushCommand(cmd)).toEqual(exact(inv([cd('app')], false, [named('a b')])));
  });
});
