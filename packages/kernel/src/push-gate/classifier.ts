/**
 * Push classifier (kernel-internal module of the push gate): is a shell command a `git push`, and which?
 *
 * Normative source: push-gate.md §2 (constants), push-gate.md §6 (command classifier: command structure S1–S8 over the
 * shared shell lexer of push-gate.md §6.2 in `shell/`, `git push` recognition G1–G4, push options push-gate.md §6.5, refspecs R1–R8,
 * directory hints H1–H3, fallback F1–F4). Destination resolution (push-gate.md §6.9 D1–D9) is in `destinations.ts`, the git
 * pre-push stdin parser (push-gate.md §7) in `pre-push.ts`; the `pushClassifier` namespace re-exports both.
 *
 * Pure: no I/O, no clock, no randomness; every exported function is total (never throws) and linear in its input up
 * to `MAX_COMMAND_CHARS` (nesting is bounded by `MAX_NESTING`, so the work is at most `O(MAX_NESTING × input
 * length)`).
 */
import { DYN, MAX_NESTING, RESERVED, lex, type Token, type Word } from '../shell/lexer.js';
import { PIPE_OPS, completedCommands, isAssignment, lastSegment, simpleCommandOf, walkCommands, type Stdin } from '../shell/walker.js';
import type { Broad, DirHint, FallbackCause, PushClassification, PushDst, PushInvocation, PushSrc, PushTarget } from './model.js';

export * from './model.js';
export * from './destinations.js';
export * from './pre-push.js';
export { MAX_NESTING } from '../shell/lexer.js';

// ───────────────────────────────────────── constants (push-gate.md §2) ─────────────────────────────────────────

/** Longer command strings skip the parser and go straight to the fallback rule (push-gate.md §6.8), characters. */
export const MAX_COMMAND_CHARS = 65_536;

const NOT_PUSH: PushClassification = { _tag: 'NotPush', reason: 'no-git-push' };
const DRY_RUN: PushClassification = { _tag: 'NotPush', reason: 'git-dry-run' };

/** The single invocation rule F1 adds: remote unknown, current branch. */
const fallbackInvocation = (): PushInvocation => ({
  remote: null,
  dir_hints: [],
  dir_uncertain: false,
  force: false,
  no_verify: false,
  broad: [],
  targets: [{ src: { kind: 'current' }, dst: { kind: 'same' }, op: 'update', force: false }],
  fallback: true,
});

// ───────────────────────────────────────── command structure (push-gate.md §6.3, push-gate.md §6.4, push-gate.md §6.7) ─────────────────────────────────────────

/** Directory state of one chain level (H1): hints so far and whether one could not be read. */
interface DirState {
  readonly hints: ReadonlyArray<DirHint>;
  readonly uncertain: boolean;
}

/**
 * What a classification run finds across all nesting levels: the `git push` invocations, whether a parse failed
 * (X8) or met an uncertain segment (F1), and whether a dry-run push was seen (push-gate.md §6.5).
 */
interface Findings {
  readonly invocations: PushInvocation[];
  failed: boolean;
  uncertain: boolean;
  dryRun: boolean;
}

/**
 * Directory hints kept per chain; a longer run of `cd`s marks the directory uncertain instead (keeps the work
 * linear in the input; no real command changes directory this often before a push).
 */
const MAX_DIR_HINTS = 32;

/** Effect of a simple command on the chain's directory (H1): a `cd`/`pushd` to a path, or to an unknown one. */
type CdEffect = { readonly path: string | null } | null;

const SHELLS = new Set(['sh', 'bash', 'dash', 'zsh', 'ksh', 'mksh', 'ash', 'fish']);

/** Classify a command string at nesting `depth` (S2, S6, S7 recursion), adding what it finds to `found`. */
const classifyText = (src: string, depth: number, dir: DirState, found: Findings): void => {
  if (depth > MAX_NESTING) {
    found.failed = true;
    return;
  }
  const { tokens, failed } = lex(src, depth);
  // F1: on a failed parse, keep the commands completed before the failure ("plus any exact invocations it found").
  if (failed) found.failed = true;
  const unclosed = walkCommands(failed ? completedCommands(tokens) : tokens, dir, src.length, {
    // H1: a `cd` outside a pipeline and not in the background changes the chain's directory.
    command: (cmd, d, place): DirState => {
      const eff = simpleCommand(cmd, depth, d, found);
      const inPipeline = (place.prev !== null && PIPE_OPS.has(place.prev)) || (place.next !== null && PIPE_OPS.has(place.next));
      if (eff === null || inPipeline || place.next === '&') return d;
      return eff.path === null || d.hints.length >= MAX_DIR_HINTS
        ? { hints: d.hints, uncertain: true }
        : { hints: [...d.hints, { kind: 'cd', path: eff.path }], uncertain: d.uncertain };
    },
    uncertain: () => {
      found.uncertain = true;
    },
  });
  if (unclosed) found.failed = true; // unclosed subshell
};

/** One simple command (S2–S8): substitutions first, then the command word. Returns its `cd` effect (H1). */
const simpleCommand = (tokens: ReadonlyArray<Token>, depth: number, dir: DirState, found: Findings): CdEffect => {
  const { words, subs, stdin } = simpleCommandOf(tokens);
  for (const body of subs) classifyText(body, depth + 1, dir, found); // S2
  return commandWord(words, 0, depth, dir, found, stdin, { hints: [], uncertain: false, xargs: false });
};

/** Hints gathered by wrappers between the chain's directory and the command word (`env -C`, H2). */
interface Local {
  hints: DirHint[];
  uncertain: boolean;
  xargs: boolean;
}

/** Value of an option word `--name=value` or `-Xvalue`, or the next word. Returns [value or null, next index]. */
const optValue = (words: ReadonlyArray<Word>, k: number, joined: string | null): [Word | null, number] => {
  if (joined !== null) {
    const w = words[k] as Word;
    return [{ ...w, text: joined, dynamic: joined.includes(DYN) }, k + 1];
  }
  return [words[k + 1] ?? null, k + 2];
};

/** Quote a word's text for a command string built from words (`sudo -s`, `env -S` extra args). */
const requote = (w: Word): string => (w.dynamic ? w.text : `'${w.text.replace(/'/g, `'\\''`)}'`);

/** The index of the first word from `k` on that is not an assignment `NAME=value` (S3). */
const skipAssignments = (words: ReadonlyArray<Word>, k: number): number => {
  while (k < words.length && isAssignment(words[k] as Word)) k++;
  return k;
};

// ─────────────────── wrappers (push-gate.md §6.3 S5) ───────────────────
// Each takes `words` and `k`, the index just after the wrapper's name, and returns the index of the command word the
// wrapper runs (its options skipped), or null when the walk ends there: nothing is run, or the rest of the words was
// classified as a nested script (S6, S7).

/**
 * The names among `names` that begin with `prefix`: the candidates getopt_long(3) and git's parse-options weigh when a
 * long option is abbreviated. An abbreviation stands for its option only when it is the one candidate.
 */
const namesStartingWith = (prefix: string, names: Iterable<string>): string[] => [...names].filter((n) => n.startsWith(prefix));

/**
 * A wrapper's long option as getopt_long(3) reads it: `--name` or `--name=value` whose `name` is a prefix of exactly one
 * of the wrapper's long option names `names` (and is not itself one) comes back written in full (`--chd=app` →
 * `--chdir=app`, `--sig` → `--signal`); anything else, an ambiguous or unknown prefix included, as written. Without
 * this, `timeout --sig KILL 5 git push` read `--sig` as the duration and `KILL` as the command, and the push was missed.
 */
const fullLong = (o: string | undefined, names: ReadonlySet<string> | ReadonlyMap<string, unknown>): string | undefined => {
  if (o === undefined || !o.startsWith('--')) return o;
  const eq = o.indexOf('=');
  const name = eq === -1 ? o.slice(2) : o.slice(2, eq);
  if (names.has(name)) return o;
  // (`--` alone has the empty name, a prefix of every name: ambiguous, so it stays as written)
  const hits = namesStartingWith(name, names.keys());
  return hits.length === 1 ? `--${hits[0] as string}${eq === -1 ? '' : o.slice(eq)}` : o;
};

/** Long option names of GNU time(1). */
const TIME_LONG: ReadonlySet<string> = new Set(['format', 'output', 'append', 'verbose', 'portability', 'quiet', 'help', 'version']);
/** Long option names of GNU env(1). */
const ENV_LONG: ReadonlySet<string> = new Set([
  'ignore-environment', 'null', 'unset', 'chdir', 'split-string', 'debug', 'block-signal', 'default-signal',
  'ignore-signal', 'list-signal-handling', 'help', 'version',
]);
/** Long option names of GNU nice(1). */
const NICE_LONG: ReadonlySet<string> = new Set(['adjustment', 'help', 'version']);
/** Long option names of GNU timeout(1). */
const TIMEOUT_LONG: ReadonlySet<string> = new Set(['preserve-status', 'foreground', 'kill-after', 'signal', 'verbose', 'help', 'version']);
/** Long option names of GNU stdbuf(1). */
const STDBUF_LONG: ReadonlySet<string> = new Set(['input', 'output', 'error', 'help', 'version']);
/** Long options of sudo(8), each with whether it takes the next word as its value when written without `=`. */
const SUDO_LONG: ReadonlyMap<string, boolean> = new Map([
  ['askpass', false], ['background', false], ['bell', false], ['close-from', true], ['chdir', true],
  ['preserve-env', false], ['edit', false], ['group', true], ['set-home', false], ['help', false], ['host', true],
  ['login', false], ['remove-timestamp', false], ['reset-timestamp', false], ['list', false],
  ['non-interactive', false], ['preserve-groups', false], ['prompt', true], ['chroot', false], ['role', true],
  ['stdin', false], ['shell', false], ['type', true], ['command-timeout', true], ['other-user', true], ['user', true],
  ['version', false], ['validate', false],
]);

/** `command [-p] [--] cmd`; `-v` and `-V` only describe `cmd`, so nothing runs. */
const afterCommand = (words: ReadonlyArray<Word>, k: number): number | null => {
  for (; k < words.length; k++) {
    const o = (words[k] as Word).text;
    if (o === '--') return k + 1;
    if (!/^-[pvV]+$/.test(o)) break;
    if (/[vV]/.test(o)) return null; // `command -v git`: nothing is executed
  }
  return k;
};

/** `exec [-cl] [-a name] [--] cmd`. */
const afterExec = (words: ReadonlyArray<Word>, k: number): number => {
  for (; k < words.length; k++) {
    const o = (words[k] as Word).text;
    if (o === '--') return k + 1;
    if (o === '-a') {
      k++;
      continue;
    }
    if (!/^-[cl]+$/.test(o)) break;
  }
  return k;
};

/** `cd`/`pushd [-LPe@]… [--] target`: the directory it moves to (H1), unknown for `-`, `~…`, a stack index or none. */
const cdEffect = (name: string, words: ReadonlyArray<Word>, k: number): CdEffect => {
  while (k < words.length && /^-[LPe@]+$/.test((words[k] as Word).text)) k++;
  if (words[k]?.text === '--') k++;
  const target = words[k];
  if (target === undefined || target.dynamic || target.text === '-' || target.text.startsWith('~')) return { path: null };
  if (name === 'pushd' && /^[+-][0-9]+$/.test(target.text)) return { path: null };
  return { path: target.text };
};

/** `time [-pva] [-f fmt] [-o file] [--format=… | --output=…] [--] cmd` (the keyword and GNU time alike). */
const afterTime = (words: ReadonlyArray<Word>, k: number): number => {
  for (;;) {
    const o = fullLong(words[k]?.text, TIME_LONG);
    if (o === '-p' || o === '-v' || o === '--verbose' || o === '--portability' || o === '-a' || o === '--append') k++;
    else if (o === '-f' || o === '-o' || o === '--format' || o === '--output') k += 2;
    else if (o !== undefined && /^--(format|output)=/.test(o)) k++;
    else if (o === '--') return k + 1;
    else return k;
  }
};

/**
 * `env [-0iv] [-u VAR] [-C dir] [-S script] [NAME=value]… cmd`: `-C` adds a directory hint (H2) to `local`, `-S`
 * classifies its script with the remaining words one level deeper (S6) and ends the walk.
 */
const afterEnv = (words: ReadonlyArray<Word>, k: number, depth: number, dir: DirState, found: Findings, local: Local): number | null => {
  for (;;) {
    const ow = words[k];
    if (ow === undefined) return k;
    const o = fullLong(ow.text, ENV_LONG) as string;
    // env(1) reads `NAME=value` operands after the options, also after `--` (`env -- A=1 git push`)
    if (o === '--') return skipAssignments(words, k + 1);
    if (o === '-') {
      k++; // `-` is `-i`; the long flags without a value (`--null`, `--debug`, ...) take the general `--…` branch below
      continue;
    }
    const long = /^--(unset|chdir|split-string)(?:=([\s\S]*))?$/.exec(o);
    let letter: string | null = null;
    let joined: string | null = null;
    if (long) {
      letter = long[1] === 'unset' ? 'u' : long[1] === 'chdir' ? 'C' : 'S';
      joined = long[2] ?? null;
    } else if (/^-[^-]/.test(o)) {
      // cluster of flags; u, C and S take the rest of the word or the next word
      let p = 1;
      while (p < o.length && '0iv'.includes(o[p] as string)) p++;
      if (p === o.length) {
        k++;
        continue;
      }
      letter = o[p] as string;
      if (!'uCS'.includes(letter)) {
        k++; // unknown flag: skipped
        continue;
      }
      joined = p + 1 < o.length ? o.slice(p + 1) : null;
    } else if (o.startsWith('--') || isAssignment(ow)) {
      k++;
      continue;
    } else return k;
    const [val, next] = optValue(words, k, joined);
    if (letter === 'C') {
      if (val === null || val.dynamic) local.uncertain = true;
      else local.hints.push({ kind: 'env-C', path: val.text });
    } else if (letter === 'S') {
      const rest = words.slice(next).map(requote);
      classifyText([val?.text ?? '', ...rest].join(' '), depth + 1, withLocal(dir, local), found);
      return null;
    }
    k = next;
  }
};

/** `nice [-N | -n N | -nN | --adjustment[=]N] [--] cmd`. */
const afterNice = (words: ReadonlyArray<Word>, k: number): number => {
  for (;;) {
    const o = fullLong(words[k]?.text, NICE_LONG);
    if (o === undefined) return k;
    if (/^-[0-9]+$/.test(o) || /^-n.+$/.test(o) || /^--adjustment=/.test(o)) k++;
    else if (o === '-n' || o === '--adjustment') k += 2;
    else if (o === '--') return k + 1;
    else return k;
  }
};

/** `timeout [--preserve-status] [--foreground] [-v] [-s sig] [-k dur] [--] duration cmd`: exactly one duration word. */
const afterTimeout = (words: ReadonlyArray<Word>, k: number): number => {
  for (;;) {
    const o = fullLong(words[k]?.text, TIMEOUT_LONG);
    if (o === '--preserve-status' || o === '--foreground' || o === '-v' || o === '--verbose') k++;
    else if (o === '-s' || o === '--signal' || o === '-k' || o === '--kill-after') k += 2;
    else if (o !== undefined && (/^-[sk].+$/.test(o) || /^--(signal|kill-after)=/.test(o))) k++;
    else return o === '--' ? k + 2 : k + 1; // the command follows the duration word
  }
};

/** `stdbuf [-i|-o|-e mode]… [--] cmd` (values joined, separate or as `--input=…`). */
const afterStdbuf = (words: ReadonlyArray<Word>, k: number): number => {
  for (;;) {
    const o = fullLong(words[k]?.text, STDBUF_LONG);
    if (o === undefined) return k;
    if (o === '-i' || o === '-o' || o === '-e' || o === '--input' || o === '--output' || o === '--error') k += 2;
    else if (/^-[ioe].+$/.test(o) || /^--(input|output|error)=/.test(o)) k++;
    else if (o === '--') return k + 1;
    else return k;
  }
};

/**
 * `sudo`/`doas [options] [--] [NAME=value]… cmd`: with `-s`, `-i`, `--shell` or `--login` the remaining words run in
 * a shell, so they are classified as a script one level deeper (S6) and the walk ends.
 */
const afterSudo = (words: ReadonlyArray<Word>, k: number, depth: number, dir: DirState, found: Findings, local: Local): number | null => {
  let shell = false;
  for (;;) {
    const o = fullLong(words[k]?.text, SUDO_LONG);
    if (o === undefined) break;
    if (o === '--') {
      k++;
      break;
    }
    if (o.startsWith('--')) {
      if (o === '--shell' || o === '--login') shell = true;
      k += !o.includes('=') && SUDO_LONG.get(o.slice(2)) === true ? 2 : 1;
      continue;
    }
    if (!/^-./.test(o)) break;
    let consumed = 1;
    for (let p = 1; p < o.length; p++) {
      const l = o[p] as string;
      if ('ughpCDrtUT'.includes(l)) {
        if (p + 1 === o.length) consumed = 2; // the value is the next word
        break;
      }
      if (l === 's' || l === 'i') shell = true;
    }
    k += consumed;
  }
  k = skipAssignments(words, k);
  if (!shell) return k;
  if (k < words.length) classifyText(words.slice(k).map((x) => x.text).join(' '), depth + 1, withLocal(dir, local), found);
  return null;
};

/** `xargs [options] [--] cmd`: options `-I -L -n -P -s -d -E -a` take the next word. */
const afterXargs = (words: ReadonlyArray<Word>, k: number): number => {
  for (;;) {
    const o = words[k]?.text;
    if (o === undefined) return k;
    if (o === '--') return k + 1;
    if (!o.startsWith('-') || o === '-') return k;
    k += /^-[ILnPsdEa]$/.test(o) ? 2 : 1;
  }
};

/**
 * S3–S8 and G1: walk from the command position of `words` (index `i`) through reserved words and wrappers to
 * the command word, and act on it. Returns a `cd` effect for H1.
 */
const commandWord = (
  words: ReadonlyArray<Word>,
  i: number,
  depth: number,
  dir: DirState,
  found: Findings,
  stdin: Stdin,
  local: Local,
): CdEffect => {
  i = skipAssignments(words, i); // S3
  for (;;) {
    const w = words[i];
    if (w === undefined) return null;
    // S4 reserved words (only when written plainly, as bash requires).
    if (w.plain && RESERVED.has(w.text)) {
      if (w.text === 'for' || w.text === 'select' || w.text === 'case') {
        found.uncertain = true;
        return null;
      }
      if (w.text === 'function') {
        found.uncertain = true;
        i += 2;
        continue;
      }
      i++;
      if (w.text === 'time') while (words[i]?.plain && (words[i] as Word).text === '-p') i++;
      i = skipAssignments(words, i); // `time A=1 git push`, `! A=1 …`
      continue;
    }
    if (w.dynamic) {
      // G1: `$GIT push`, `"$(which git)" push`: the command word is not known.
      found.uncertain = true;
      return null;
    }
    const name = w.text;
    const base = lastSegment(name);
    // S5 wrappers: on to the command each one runs.
    let next: number | null;
    switch (name) {
      case 'command':
        next = afterCommand(words, i + 1);
        break;
      case 'builtin':
        next = i + 1;
        break;
      case 'exec':
        next = afterExec(words, i + 1);
        break;
      case 'eval': {
        // S7: arguments joined by single spaces, one level deeper.
        const k = words[i + 1]?.text === '--' ? i + 2 : i + 1;
        classifyText(words.slice(k).map((x) => x.text).join(' '), depth + 1, withLocal(dir, local), found);
        return null;
      }
      case 'cd':
      case 'pushd':
        return cdEffect(name, words, i + 1);
      case 'popd':
        return { path: null };
      default:
        switch (base) {
          case 'nohup':
            next = words[i + 1]?.text === '--' ? i + 2 : i + 1;
            break;
          case 'time':
            next = afterTime(words, i + 1);
            break;
          case 'env':
            next = afterEnv(words, i + 1, depth, dir, found, local);
            break;
          case 'nice':
            next = afterNice(words, i + 1);
            break;
          case 'timeout':
            next = afterTimeout(words, i + 1);
            break;
          case 'stdbuf':
            next = afterStdbuf(words, i + 1);
            break;
          case 'sudo':
          case 'doas':
            next = afterSudo(words, i + 1, depth, dir, found, local);
            break;
          case 'xargs':
            local.xargs = true;
            next = afterXargs(words, i + 1);
            break;
          default:
            if (SHELLS.has(base)) return shellCommand(words, i + 1, depth, dir, found, stdin, local);
            if (base === 'git' || base === 'git.exe') return gitCommand(words, i + 1, false, dir, found, local);
            if (base === 'git-push') return gitCommand(words, i + 1, true, dir, found, local);
            return null; // S8: anything else is data
        }
    }
    if (next === null) return null;
    i = next;
  }
};

const withLocal = (dir: DirState, local: Local): DirState =>
  local.hints.length === 0 && !local.uncertain
    ? dir
    : { hints: [...dir.hints, ...local.hints], uncertain: dir.uncertain || local.uncertain };

/** S6: a shell interpreter; `i` is the index after its command word. */
const shellCommand = (
  words: ReadonlyArray<Word>,
  i: number,
  depth: number,
  dir: DirState,
  found: Findings,
  stdin: Stdin,
  local: Local,
): CdEffect => {
  let cMode = false;
  let sMode = false;
  let k = i;
  for (; k < words.length; k++) {
    const o = (words[k] as Word).text;
    if (o === '--' || o === '-') {
      k++;
      break;
    }
    if (o === '-o' || o === '+o' || o === '-O' || o === '+O' || o === '--rcfile' || o === '--init-file') {
      k++;
      continue;
    }
    if (o.startsWith('--')) continue;
    if (/^[-+]./.test(o)) {
      if (o.slice(1).includes('c')) cMode = true; // bash and dash read `+c` as `-c` (and bash `+s` as `-s`)
      else if (o.slice(1).includes('s')) sMode = true; // `bash -s args`: script on stdin
      continue;
    }
    break;
  }
  const script = words[k];
  const d = withLocal(dir, local);
  if (cMode) {
    if (script !== undefined) classifyText(script.text, depth + 1, d, found);
    return null;
  }
  if (script !== undefined && !sMode) return null; // a script file: opaque
  if (stdin.kind === 'script') classifyText(stdin.text, depth + 1, d, found);
  else if (stdin.kind === 'inherited') found.uncertain = true; // reads a script from a pipe or the terminal
  return null;
};
// ───────────────────────────────────────── git push (push-gate.md §6.4, push-gate.md §6.5, push-gate.md §6.6) ─────────────────────────────────────────

/**
 * G2–G4: skip git's global options (recording directory hints), check the subcommand and parse the push.
 * `direct` is true for the `git-push` command word, whose arguments are push arguments.
 */
const gitCommand = (
  words: ReadonlyArray<Word>,
  i: number,
  direct: boolean,
  dir: DirState,
  found: Findings,
  local: Local,
): CdEffect => {
  const hints: DirHint[] = [...dir.hints, ...local.hints];
  let uncertainDir = dir.uncertain || local.uncertain;
  const hint = (kind: DirHint['kind'], w: Word | null | undefined): void => {
    if (w === null || w === undefined || w.dynamic) uncertainDir = true;
    else hints.push({ kind, path: w.text });
  };
  let k = i;
  if (!direct) {
    for (;;) {
      const w = words[k];
      if (w === undefined) return null;
      const o = w.text;
      if (!o.startsWith('-')) break;
      if (o === '-C') {
        hint('git-C', words[k + 1]);
        k += 2;
      } else if (o === '-c' || o === '--config-env' || o === '--namespace') {
        k += 2;
      } else if (o === '--git-dir' || o === '--work-tree') {
        hint(o === '--git-dir' ? 'git-dir' : 'work-tree', words[k + 1]);
        k += 2;
      } else if (o.startsWith('--git-dir=') || o.startsWith('--work-tree=')) {
        const eq = o.indexOf('=');
        const val = o.slice(eq + 1);
        hint(o.startsWith('--git-dir') ? 'git-dir' : 'work-tree', { ...w, text: val, dynamic: val.includes(DYN) });
        k++;
      } else {
        k++; // every other global option takes no value, or only in its `=` form
      }
    }
    const sub = words[k] as Word;
    if (sub.dynamic) {
      found.uncertain = true; // `git $CMD …`
      return null;
    }
    if (sub.text !== 'push') return null; // G3
    k++;
  }
  const parsed = parsePushArgs(words.slice(k));
  if (parsed === 'help') return null; // G4
  if (local.xargs) {
    found.uncertain = true; // S5: xargs appends arguments read from its input
    return null;
  }
  if (parsed === 'dry-run') {
    found.dryRun = true;
    return null;
  }
  found.invocations.push({
    remote: parsed.remote,
    dir_hints: hints,
    dir_uncertain: uncertainDir,
    force: parsed.force,
    no_verify: parsed.no_verify,
    broad: parsed.broad,
    targets: parsed.targets,
    fallback: false,
  });
  return null;
};

/** Long options of git-push(1) (builtin/push.c): whether each takes a required value. */
const PUSH_LONG: ReadonlyMap<string, boolean> = new Map([
  ['all', false], ['branches', false], ['mirror', false], ['delete', false], ['tags', false], ['dry-run', false],
  ['porcelain', false], ['force', false], ['force-with-lease', false], ['force-if-includes', false],
  ['repo', true], ['recurse-submodules', true], ['thin', false], ['receive-pack', true], ['exec', true],
  ['set-upstream', false], ['progress', false], ['prune', false], ['no-verify', false], ['verify', false],
  ['follow-tags', false], ['signed', false], ['atomic', false], ['push-option', true], ['ipv4', false],
  ['ipv6', false], ['quiet', false], ['verbose', false], ['help', false],
]);

/**
 * Resolve a long option name as git's parse-options does: an exact name (or its `no-` negation) wins, else a
 * unique prefix of one option (gitcli(7): long options may be abbreviated). Returns the canonical name and
 * whether it was negated, or null when unknown or ambiguous.
 */
const longOption = (name: string): { opt: string; neg: boolean } | null => {
  if (PUSH_LONG.has(name)) return { opt: name, neg: false };
  if (name.startsWith('no-') && PUSH_LONG.has(name.slice(3))) return { opt: name.slice(3), neg: true };
  const hits = [
    ...namesStartingWith(name, PUSH_LONG.keys()).map((opt) => ({ opt, neg: false })),
    ...(name.startsWith('no-') && name.length > 3 ? namesStartingWith(name.slice(3), PUSH_LONG.keys()).map((opt) => ({ opt, neg: true })) : []),
  ];
  return hits.length === 1 ? (hits[0] as { opt: string; neg: boolean }) : null;
};

type ParsedPush = 'help' | 'dry-run' | Omit<PushInvocation, 'dir_hints' | 'dir_uncertain' | 'fallback'>;

/** push-gate.md §6.5 options, then push-gate.md §6.6 refspecs, over the words after `push`. */
const parsePushArgs = (args: ReadonlyArray<Word>): ParsedPush => {
  let force = false;
  let del = false;
  let dry = false;
  let noVerify = false;
  let all = false;
  let tags = false;
  let followTags = false;
  let repo: Word | null = null;
  const positionals: Word[] = [];
  let endOpts = false;
  for (let k = 0; k < args.length; k++) {
    const w = args[k] as Word;
    const o = w.text;
    if (endOpts || !o.startsWith('-') || o === '-') {
      positionals.push(w);
      continue;
    }
    if (o === '--' || o === '--end-of-options') {
      endOpts = true;
      continue;
    }
    if (o.startsWith('--')) {
      const eq = o.indexOf('=');
      const name = eq < 0 ? o.slice(2) : o.slice(2, eq);
      const lo = longOption(name);
      if (lo === null) continue; // any other option: ignored, no value
      const on = !lo.neg;
      let value: Word | null = null;
      if (PUSH_LONG.get(lo.opt) === true && !lo.neg) {
        if (eq >= 0) value = { ...w, text: o.slice(eq + 1), dynamic: o.slice(eq + 1).includes(DYN) };
        else {
          value = args[k + 1] ?? null;
          k++;
        }
      }
      switch (lo.opt) {
        case 'help':
          return 'help';
        case 'force':
        case 'force-with-lease':
        case 'force-if-includes':
          force = on;
          break;
        case 'delete':
          del = on;
          break;
        case 'tags':
          tags = on;
          break;
        case 'follow-tags':
          followTags = on;
          break;
        case 'all':
        case 'branches':
          all = on;
          break;
        case 'mirror':
          if (on) {
            all = true;
            tags = true;
          }
          break;
        case 'dry-run':
          dry = on;
          break;
        case 'no-verify':
          noVerify = on;
          break;
        case 'verify':
          noVerify = !on;
          break;
        case 'repo':
          if (value !== null) repo = value;
          break;
      }
      continue;
    }
    // short options, possibly clustered (`-fu`)
    if (o === '-h') return 'help';
    for (let p = 1; p < o.length; p++) {
      const l = o[p];
      if (l === 'f') force = true;
      else if (l === 'd') del = true;
      else if (l === 'n') dry = true;
      else if (l === 'o') {
        if (p + 1 === o.length) k++; // the value is the next word
        break;
      }
    }
  }
  if (dry) return 'dry-run';
  const remoteWord = positionals[0] ?? repo;
  const remote = remoteWord === null || remoteWord.dynamic ? null : remoteWord.text;
  let broadAll = all;
  let broadTags = tags;
  const targets: PushTarget[] = [];
  const refspecs = positionals.slice(1);
  for (let r = 0; r < refspecs.length; r++) {
    const w = refspecs[r] as Word;
    let text = w.text;
    const next = refspecs[r + 1];
    if (text === 'tag' && next !== undefined) {
      // git-push(1): `tag <tag>` means the same as `refs/tags/<tag>:refs/tags/<tag>`.
      r++;
      text = next.dynamic ? DYN : `refs/tags/${next.text}:refs/tags/${next.text}`;
    }
    let plus = false;
    if (text.startsWith('+')) {
      plus = true; // R1
      text = text.slice(1);
    }
    if (text.startsWith('^')) continue; // R2
    const colon = text.indexOf(':');
    const src = colon < 0 ? text : text.slice(0, colon);
    const dst = colon < 0 ? null : text.slice(colon + 1);
    const tf = plus || force;
    if (del) {
      // R5: each refspec word (or its dst) is a deletion
      targets.push({ src: { kind: 'none' }, dst: dstKind(dst === null || dst === '' ? src : dst), op: 'delete', force: tf });
      continue;
    }
    if (colon >= 0 && src === '') {
      if (dst === '') broadAll = true; // `:` alone is the "matching" refspec
      else targets.push({ src: { kind: 'none' }, dst: dstKind(dst as string), op: 'delete', force: tf }); // R3
      continue;
    }
    if (src.includes('*')) {
      // R6 pattern refspec
      const d = dst === null || dst === '' ? src : dst;
      if (d.startsWith('refs/tags/')) broadTags = true;
      else broadAll = true;
      continue;
    }
    targets.push({
      src: srcKind(src),
      dst: dst === null || dst === '' ? { kind: 'same' } : dstKind(dst),
      op: 'update',
      force: tf,
    });
  }
  // R8. `--follow-tags` pushes tags *in addition to* what would be pushed, so it does not suppress the
  // current-branch target (git-push(1)); `--tags`, `--all`, `--mirror` and pattern refspecs do.
  if (refspecs.length === 0 && !broadAll && !broadTags)
    targets.push({ src: { kind: 'current' }, dst: { kind: 'same' }, op: 'update', force });
  if (followTags) broadTags = true;
  const broad: Broad[] = [];
  if (broadAll) broad.push('all');
  if (broadTags) broad.push('tags');
  return { remote, force, no_verify: noVerify, broad, targets };
};

/** R7 src kinds. */
const srcKind = (s: string): PushSrc => {
  if (s.includes(DYN)) return { kind: 'unknown' };
  if (s.includes('~') || s.includes('^') || s.includes('@{')) return { kind: 'expr', expr: s };
  if (s === 'HEAD' || s === '@') return { kind: 'head', text: s };
  if (s.startsWith('refs/')) return { kind: 'ref', ref: s };
  if (/^[0-9a-fA-F]{4,64}$/.test(s)) return { kind: 'expr', expr: s };
  return { kind: 'name', name: s };
};

/** R7 dst kinds. */
const dstKind = (s: string): PushDst => {
  if (s.includes(DYN)) return { kind: 'unknown' };
  if (s.startsWith('refs/')) return { kind: 'ref', ref: s };
  return { kind: 'name', name: s };
};

// ───────────────────────────────────────── fallback (push-gate.md §6.8) and entry point (push-gate.md §6.1) ─────────────────────────────────────────

/**
 * F2: true when `raw`, split into maximal runs of characters other than whitespace and
 * `; & | ( ) < > \` ' " { } $ =`, has a token whose last path segment is `git` or `git.exe` followed anywhere
 * later by the token `push`, or the token `git-push`. Linear in the input.
 */
export const hasGitPushTokens = (raw: unknown): boolean => {
  if (typeof raw !== 'string') return false;
  let seenGit = false;
  for (const tok of raw.split(/[\s;&|()<>`'"{}$=]+/)) {
    if (tok === 'git-push') return true;
    if (seenGit && tok === 'push') return true;
    const seg = lastSegment(tok);
    if (seg === 'git' || seg === 'git.exe') seenGit = true;
  }
  return false;
};

/**
 * Classify a shell command string as a `git push` or not (push-gate.md §6).
 *
 * @param command the Bash command text (`tool_input.command`); any non-string is `NotPush no-git-push`.
 * @returns `NotPush {reason}` or `Push {confidence, invocations, fallback}`:
 *   - exact parse with pushes → `Push exact` with every invocation found, in execution order (substitutions of a
 *     simple command before the command itself);
 *   - a parse that failed (X8: unterminated quote or substitution, nesting deeper than `MAX_NESTING`, input
 *     longer than `MAX_COMMAND_CHARS`) or found an uncertain segment (S4 headers, dynamic command words,
 *     `xargs git push`, a shell reading a pipe) → `Push fallback` with the exact invocations it did find followed
 *     by one current-branch invocation, when the raw text has a git…push token sequence (F1, F2); otherwise the
 *     exact invocations alone, or `NotPush` (F4);
 *   - only dry-run pushes → `NotPush git-dry-run` (push-gate.md §6.5); nothing → `NotPush no-git-push` (F3).
 * Total (never throws), deterministic, linear in the input size.
 */
export const classifyPushCommand = (command: unknown): PushClassification => {
  if (typeof command !== 'string') return NOT_PUSH;
  const fallbackOnly = (cause: FallbackCause): PushClassification =>
    hasGitPushTokens(command)
      ? { _tag: 'Push', confidence: 'fallback', invocations: [fallbackInvocation()], fallback: cause }
      : NOT_PUSH;
  if (command.length > MAX_COMMAND_CHARS) return fallbackOnly('too-long');
  try {
    const found: Findings = { invocations: [], failed: false, uncertain: false, dryRun: false };
    classifyText(command, 0, { hints: [], uncertain: false }, found);
    if ((found.failed || found.uncertain) && hasGitPushTokens(command))
      return {
        _tag: 'Push',
        confidence: 'fallback',
        invocations: [...found.invocations, fallbackInvocation()],
        fallback: found.failed ? 'parse-failed' : 'uncertain',
      };
    if (found.invocations.length > 0) return { _tag: 'Push', confidence: 'exact', invocations: found.invocations, fallback: null };
    return found.dryRun ? DRY_RUN : NOT_PUSH;
  } catch {
    // Defensive: an engine limit (e.g. stack) counts as a failed parse.
    return fallbackOnly('parse-failed');
  }
};

/**
 * The command text of a PreToolUse `tool_input` (push-gate.md §6.1 item 1): `command` when it is a string, else Claude's
 * `cmd`, else null. An argv array of strings (older Codex shell calls such as `["bash", "-lc", "…"]`) is rendered
 * as one command line with every element single-quoted, so `bash -lc` scripts are still read by rule S6.
 */
export const commandFromToolInput = (toolInput: unknown): string | null => {
  if (typeof toolInput !== 'object' || toolInput === null) return null;
  const o = toolInput as Record<string, unknown>;
  for (const key of ['command', 'cmd']) {
    const v = o[key];
    if (typeof v === 'string') return v;
    if (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string'))
      return (v as string[]).map((x) => `'${x.replace(/'/g, `'\\''`)}'`).join(' ');
  }
  return null;
};

// ───────────────────────────────────────── directory of an invocation (push-gate.md §6.7) ─────────────────────────────────────────

/** POSIX path join + normalization (`.`, `..`, repeated `/`), pure. `base` should be absolute. */
const joinPosix = (base: string, p: string): string => {
  const parts = (p.startsWith('/') ? p : `${base}/${p}`).split('/');
  const out: string[] = [];
  for (const part of parts) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return `/${out.join('/')}`;
};

/**
 * Where an invocation runs (push-gate.md §6.7 H1, H2): apply its directory hints in order to the payload's `cwd` (an absolute
 * POSIX path). `cd`, `env -C` and `git -C` change the directory; `--git-dir` and `--work-tree` are resolved
 * against the directory at that point. Pure string arithmetic (no symlink resolution).
 * @returns `{dir, git_dir, work_tree}`; `git_dir`/`work_tree` are null when not given.
 */
export const resolveInvocationDir = (
  cwd: string,
  hints: ReadonlyArray<DirHint>,
): { dir: string; git_dir: string | null; work_tree: string | null } => {
  let dir = joinPosix('/', cwd);
  let gitDir: string | null = null;
  let workTree: string | null = null;
  for (const h of hints) {
    if (h.kind === 'git-dir') gitDir = joinPosix(dir, h.path);
    else if (h.kind === 'work-tree') workTree = joinPosix(dir, h.path);
    else dir = joinPosix(dir, h.path);
  }
  return { dir, git_dir: gitDir, work_tree: workTree };
};
