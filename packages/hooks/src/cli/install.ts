/**
 * `arbiter install [--claude] [--codex] [--git] [--user] [--uninstall] [--no-check] [--trust-codex-hooks
 * [--codex-bin PATH]]` (architecture.md conventions §1,
 * architecture.md conventions §7; push-gate.md §15; hooks.md §11).
 *
 * Registers every event row of the ONE wiring table (`wiring.ts`: one `hook <event>` command per client event) into
 * `.claude/settings.json`, `.codex/hooks.json` and the clone's git hooks directory (`git rev-parse --git-path hooks`,
 * which honours `core.hooksPath`), or with `--user` into the user's own Claude Code and Codex files. A project
 * command runs the committed launcher `.arbiter/bin/arbiter-hook` and is the same on every machine; the node and
 * `arbiter.cjs` of this install are recorded for the clone in `<git common dir>/arbiter-launcher` (hooks.md §11
 * "Registration"); a user command starts with that absolute launcher. Each is run once as the client will run it
 * before any client file is written; a command that does not answer aborts the install (exit 1). Merges with what
 * is there and chains an existing `pre-push`. Idempotent: a second run changes nothing. Writes a default
 * `.arbiter/config.json` when absent (not with `--user`). Everything added is listed in `<runtime dir>/install.json`
 * (`<per-user state dir>/install-user.json` for `--user`), so `--uninstall` removes exactly that and nothing else.
 * All writes are atomic (temp + rename). `--trust-codex-hooks` then has the user's `codex` record trust in each Codex
 * hook it registered (codex-trust.ts); that `codex` is run once before anything is written.
 *
 * Upgrade: every Arbiter registration that is not exactly a current one (the per-decision entries of earlier
 * releases, `LEGACY_COMMANDS`; bare `arbiter hook …`; another launcher; an old matcher) is replaced, so a tool call
 * never runs a decision twice; an old shim is rewritten with the same chaining.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, renameSync, rmSync, rmdirSync, unlinkSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { execFile, execFileSync } from 'node:child_process';
import { Command } from 'commander';
import { config } from '@arbiter/kernel';
import { configPath, resolveRepo, resolveStateDir, throwingState, writeFileAtomic, writeJsonAtomic, type Env } from '@arbiter/io-node';
import { EVENTS, LEGACY_COMMANDS, argsOf, type EventRow } from '../wiring.js';
import { die } from './util.js';
import { trustCodexHooks } from './codex-trust.js';
import type { Agent } from '@arbiter/kernel/early';

/**
 * One word for a POSIX shell (`sh -c`, `bash -lc`, zsh): bare when made only of `A–Z a–z 0–9 _ . / : @ % + = , -`,
 * else in single quotes with each `'` written `'\''`. Claude Code and Codex hand a hook's command to a shell, so a
 * path with a space or a quote still reaches Arbiter as one argument.
 */
export const shellWord = (s: string): string => (/^[A-Za-z0-9_./:@%+=,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/**
 * What runs Arbiter on this machine (hooks.md §11): the absolute path of the node executable and of the installed
 * `arbiter.cjs`. Never a bare `arbiter` alone: a client's PATH (or a login shell's, which rebuilds PATH from
 * `/etc/profile`) need not hold it. Recorded per clone for the committed launcher and the pre-push shim, and written
 * into user-level commands; never into a committed file.
 */
export interface Launcher {
  readonly node: string;
  readonly script: string;
}

/** The launcher of the running binary: `process.execPath` and `<this bundle's dir>/arbiter.cjs`, symlinks resolved. */
export const currentLauncher = (): Launcher => {
  const real = (p: string): string => {
    try {
      return realpathSync(p);
    } catch {
      return p;
    }
  };
  return { node: real(process.execPath), script: real(join(__dirname, 'arbiter.cjs')) };
};

/** `<node> <arbiter.cjs>`, each a {@link shellWord}: the prefix of every registered command. */
export const launcherPrefix = (l: Launcher): string => `${shellWord(l.node)} ${shellWord(l.script)}`;

/** Where a registration lives: a repository's project files, or the user's own files (`install --user`). */
export type Scope = 'project' | 'user';

/**
 * The committed hook launcher, relative to the worktree top (hooks.md §11 "Portable project files"): every command in
 * the project's `.claude/settings.json` and `.codex/hooks.json` runs through it, so those committed files name nothing
 * that exists only on the installer's machine.
 */
export const HOOK_LAUNCHER = '.arbiter/bin/arbiter-hook';

/**
 * How a client reaches the committed launcher from its hook shell, one fixed string per client (no user data in it):
 * Claude Code sets `CLAUDE_PROJECT_DIR` to the project root for every hook; Codex sets no such variable and runs hooks
 * in the session's directory, which may be below the top, so its command asks git for the worktree top.
 */
export const PROJECT_LAUNCH: Readonly<Record<Agent, string>> = {
  claude: `"$CLAUDE_PROJECT_DIR"/${HOOK_LAUNCHER}`,
  codex: `"$(git rev-parse --show-toplevel)"/${HOOK_LAUNCHER}`,
};

/**
 * The shell command a host runs for an event row. A project-scope command goes through the committed launcher
 * ({@link PROJECT_LAUNCH}) and is the same on every machine; a user-scope command (the user's own, uncommitted files)
 * starts with the absolute launcher and carries `--scope user`: it answers only in a repository with
 * `.arbiter/config.json` whose project files do not register Arbiter themselves (hooks.md §11).
 */
export const commandOf = (row: EventRow, launcher: Launcher, scope: Scope = 'project'): string =>
  scope === 'project'
    ? [PROJECT_LAUNCH[row.client], ...argsOf(row)].join(' ')
    : [launcherPrefix(launcher), ...argsOf(row), '--scope', 'user'].join(' ');

/**
 * True for a command that runs one of Arbiter's event hooks, whatever launcher an earlier install wrote (a bare
 * `arbiter`, another node, another path, `npx arbiter`, the committed `arbiter-hook`): what `install` replaces and
 * `doctor` inspects.
 */
export const isArbiterEventCommand = (command: string): boolean => EVENT_COMMAND_RE.test(command);

/** An event hook command line: its event name is one of the wiring table's (so a new event is recognised at once). */
const EVENT_COMMAND_RE = new RegExp(
  `(?:^|[\\s'"/])arbiter(?:\\.cjs|-hook)?'? hook (?:${[...new Set(EVENTS.map((r) => r.name))].join('|')}) --agent (?:claude|codex)(?: --scope user)?$`,
);

/**
 * True for an Arbiter event command that names no machine-specific path: one of the {@link PROJECT_LAUNCH} forms.
 * An Arbiter command in a committed project file that is not portable breaks every other clone (`arbiter doctor`).
 */
export const isPortableCommand = (command: string): boolean =>
  isArbiterEventCommand(command) && Object.values(PROJECT_LAUNCH).some((p) => command.startsWith(`${p} hook `)) && !command.endsWith(' --scope user');

/**
 * The sh lines that choose what runs Arbiter on this machine, shared by the committed launcher and the pre-push shim
 * (hooks.md §11): `$top` is the worktree top, `$rec` this clone's launcher record. In order: (1) the node and
 * `arbiter.cjs` that `arbiter install` recorded for this clone (a relative script is read against `$top`; a recorded
 * node that is gone gives way to `node` on PATH), (2) this repository's `node_modules/.bin/arbiter` with that node,
 * (3) an `arbiter` on PATH. It leaves the command in `"$@"`, or runs `$missing` when nothing is found.
 */
const RESOLVE_SH =
  'node= script=\n' +
  'if [ -f "$rec" ]; then { IFS= read -r node; IFS= read -r script; } < "$rec"; fi\n' +
  'case $script in ""|/*) ;; *) script=$top/$script ;; esac\n' +
  '[ -n "$node" ] && [ -x "$node" ] || node=$(command -v node 2>/dev/null) || node=\n' +
  'if [ -n "$node" ] && [ -n "$script" ] && [ -f "$script" ]; then set -- "$node" "$script" "$@"\n' +
  'elif [ -n "$node" ] && [ -f "$top/node_modules/.bin/arbiter" ]; then set -- "$node" "$top/node_modules/.bin/arbiter" "$@"\n' +
  'elif command -v arbiter >/dev/null 2>&1; then set -- arbiter "$@"\n' +
  'else missing\n' +
  'fi\n';

/** The first line after the shebang of the committed launcher: how `install` and `doctor` recognise it. */
const LAUNCHER_MARK = '# arbiter: hook launcher (written by `arbiter install`; commit it with .claude/ and .codex/)';

/**
 * The committed launcher `.arbiter/bin/arbiter-hook` (hooks.md §11): a POSIX sh script (sh exists wherever a client
 * runs hooks; node may not be on a login shell's PATH). It finds this clone's git common directory from `.git` without
 * running git, then resolves Arbiter with {@link RESOLVE_SH} and `exec`s it with its own arguments. When nothing
 * resolves it prints one line on stderr naming the hook, that it did NOT run, and the fix, and exits 1: Claude Code
 * shows the line and goes on, Codex goes on (fail-open, loudly, as the pre-push shim: push-gate.md §17 PG-14). Its text
 * is the same on every machine, so it can be committed.
 */
export const hookLauncherScript = (): string =>
  '#!/bin/sh\n' +
  `${LAUNCHER_MARK}\n` +
  '# Runs the arbiter recorded for this clone by `arbiter install` (<git common dir>/arbiter-launcher, never\n' +
  '# committed), else node_modules/.bin/arbiter, else arbiter on PATH; otherwise says so and exits 1.\n' +
  'top=${0%/*}/../..\n' +
  'g=$top/.git\n' +
  'if [ -f "$g" ]; then\n' +
  '  IFS= read -r g < "$g"; g=${g#gitdir: }\n' +
  '  case $g in /*) ;; *) g=$top/$g ;; esac\n' +
  '  if [ -f "$g/commondir" ]; then IFS= read -r c < "$g/commondir"; case $c in /*) g=$c ;; *) g=$g/$c ;; esac; fi\n' +
  'fi\n' +
  'rec=$g/arbiter-launcher\n' +
  'missing() {\n' +
  '  echo "arbiter: \'arbiter $*\' did NOT run: no arbiter for this clone (none recorded by \'arbiter install\', no node_modules/.bin/arbiter with a node, no arbiter on PATH), so this step is ungated (fail-open). Install Arbiter (npm ci, or npm i -g) or run \'arbiter install\' here; \'arbiter doctor\' checks it." >&2\n' +
  '  exit 1\n' +
  '}\n' +
  RESOLVE_SH.replace('else missing\n', 'else missing "$@"\n') +
  'exec "$@"\n';

/** Whether `text` is Arbiter's committed launcher (any release): its marker line. */
export const isOurLauncher = (text: string): boolean => text.startsWith(`#!/bin/sh\n${LAUNCHER_MARK}`);

/**
 * Where `install` records this clone's launcher: `<git common dir>/arbiter-launcher`, shared by the clone's worktrees,
 * never committed, out of reach of `git clean`, and beside (not inside) the runtime directory, whose files are all
 * state (architecture.md conventions §2).
 */
export const launcherRecordPath = (commonDir: string): string => join(commonDir, 'arbiter-launcher');

/**
 * The record's text: the node on the first line, `arbiter.cjs` on the second, relative to `top` when it lies inside
 * the worktree (a repository's own `node_modules`), so a copied clone runs its own copy.
 */
export const launcherRecord = (l: Launcher, top: string): string => {
  const rel = relative(top, l.script);
  const script = rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : l.script;
  return `${l.node}\n${script}\n`;
};

/** The first line of every pre-push shim Arbiter writes (current and earlier releases): how a shim is recognised. */
const SHIM_MARK = '# arbiter: pre-push shim (installed by `arbiter install --git`)';

/**
 * The git pre-push shim (push-gate.md §15). Git runs it in the worktree top; it finds this clone's launcher record
 * (`git rev-parse --git-common-dir`) and resolves Arbiter exactly as the committed launcher does ({@link RESOLVE_SH}:
 * the recorded node and `arbiter.cjs`, else `node_modules/.bin/arbiter`, else `arbiter` on PATH), so the text names
 * no machine-specific path and one re-install moves both layers. When nothing resolves it says so on stderr and lets
 * the push go ahead (fail-open, loudly: push-gate.md §14, a skipped gate is never silent). It does not `exec` the
 * hook: a hook whose event loop blocked is ended by its backstop (hook/backstop.ts) with SIGKILL, exit 137, which git
 * would read as a refusal; the backstop first writes into the file named by `ARBITER_WATCHDOG_MARK`, so 137 with that
 * file non-empty is the watchdog and the push goes ahead (exit 0, one stderr line). Any other exit code is passed on
 * unchanged. `chain`: run the previous hook (renamed `pre-push.arbiter-chained`) first with the same stdin.
 */
export const prePushShim = (chain: boolean): string =>
  '#!/bin/sh\n' +
  `${SHIM_MARK}${chain ? ', chaining the previous hook' : ''}\n` +
  (chain ? 'input=$(cat)\nprev="$(dirname "$0")/pre-push.arbiter-chained"\nif [ -x "$prev" ]; then printf \'%s\\n\' "$input" | "$prev" "$@" || exit $?; fi\n' : '') +
  'top=$(pwd)\n' +
  'rec=$(git rev-parse --git-common-dir 2>/dev/null)/arbiter-launcher\n' +
  'missing() {\n' +
  '  echo "arbiter: the pre-push gate did NOT run: no arbiter for this clone (none recorded by \'arbiter install\', no node_modules/.bin/arbiter with a node, no arbiter on PATH); pushing ungated (fail-open). Install Arbiter, then run \'arbiter install --git\' (\'arbiter doctor\' checks it)." >&2\n' +
  '  exit 0\n' +
  '}\n' +
  'set -- hook pre-push "$@"\n' +
  RESOLVE_SH +
  'mark=$(mktemp "${TMPDIR:-/tmp}/arbiter-pre-push.XXXXXX" 2>/dev/null) || mark=\n' +
  `${chain ? "printf '%s\\n' \"$input\" | " : ''}ARBITER_WATCHDOG_MARK="$mark" "$@"\n` +
  'status=$?\n' +
  'if [ "$status" -eq 137 ] && [ -n "$mark" ] && [ -s "$mark" ]; then\n' +
  '  rm -f "$mark"\n' +
  '  echo "arbiter: the pre-push hook was ended by its watchdog backstop; pushing ungated (fail-open)" >&2\n' +
  '  exit 0\n' +
  'fi\n' +
  '[ -z "$mark" ] || rm -f "$mark"\n' +
  'exit "$status"\n';

/** Whether `text` is one of Arbiter's pre-push shims, current or of an earlier release (its marker line). */
export const isOurShim = (text: string): boolean => text.startsWith(`#!/bin/sh\n${SHIM_MARK}`);
/** Whether an Arbiter shim chains a previous hook. */
const shimChains = (text: string): boolean => text.includes('pre-push.arbiter-chained');

interface Added {
  readonly file: string;
  readonly event: string;
  readonly matcher: string | null;
  readonly command: string;
}
interface Manifest {
  version: 1;
  hooks: Added[];
  config_created: string | null;
  git_hook: { path: string; chained: string | null } | null;
  /** The committed launcher install created (`<top>/.arbiter/bin/arbiter-hook`), removed with the last project hook. */
  launcher_created?: string | null;
  /** This clone's launcher record, removed when nothing of the project install is left. */
  record?: string | null;
}

type HookGroup = { matcher?: string; hooks: { type: string; command: string; timeout?: number }[] };
type HooksFile = Record<string, unknown> & { hooks?: Record<string, HookGroup[]> };

const readJson = (p: string): HooksFile => {
  if (!existsSync(p)) return {};
  const text = readFileSync(p, 'utf8');
  if (text.trim() === '') return {};
  const v: unknown = JSON.parse(text);
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error(`${p} is not a JSON object`);
  return v as HooksFile;
};

/** One registration to write: a row and the exact command for it. */
export interface Registration {
  readonly row: EventRow;
  readonly command: string;
}

/** Merge registrations into a hooks file object; returns the entries it added (none when already present). */
export const mergeHooks = (file: HooksFile, regs: ReadonlyArray<Registration>, fileName: string): Added[] => {
  const added: Added[] = [];
  const hooks = (file.hooks ??= {});
  for (const { row, command: cmd } of regs) {
    const groups = (hooks[row.event] ??= []);
    const present = groups.some((g) => (g.matcher ?? null) === (row.matcher ?? null) && Array.isArray(g.hooks) && g.hooks.some((h) => h.command === cmd));
    if (present) continue;
    let g = groups.find((x) => (x.matcher ?? null) === (row.matcher ?? null) && Array.isArray(x.hooks));
    if (g === undefined) {
      g = row.matcher === undefined ? { hooks: [] } : { matcher: row.matcher, hooks: [] };
      groups.push(g);
    }
    g.hooks.push({ type: 'command', command: cmd, timeout: row.timeoutSec });
    added.push({ file: fileName, event: row.event, matcher: row.matcher ?? null, command: cmd });
  }
  return added;
};

/** Remove exactly `entries` from a hooks file object (empty groups and events that we emptied go too). */
export const unmergeHooks = (file: HooksFile, entries: ReadonlyArray<Added>): void => {
  const hooks = file.hooks;
  if (hooks === undefined) return;
  for (const e of entries) {
    const groups = hooks[e.event];
    if (!Array.isArray(groups)) continue;
    for (const g of groups) {
      if ((g.matcher ?? null) !== e.matcher || !Array.isArray(g.hooks)) continue;
      const i = g.hooks.findIndex((h) => h.command === e.command);
      if (i >= 0) g.hooks.splice(i, 1);
    }
    hooks[e.event] = groups.filter((g) => !Array.isArray(g.hooks) || g.hooks.length > 0);
    if (hooks[e.event]?.length === 0) delete hooks[e.event];
  }
  if (Object.keys(hooks).length === 0) delete file.hooks;
};

/**
 * Remove, from a hooks file object, every Arbiter registration that is not one of `regs` exactly (same event, same
 * matcher, same command): the per-decision entries of earlier releases (`LEGACY_COMMANDS`), bare `arbiter hook …`
 * commands, commands with another launcher (a moved node or package) and event commands under an old matcher. So a
 * re-install upgrades every old registration in place and a tool call never runs a decision twice. Other hooks are
 * kept. Returns the removed entries, so the manifest forgets them too.
 */
export const migrateLegacy = (file: HooksFile, regs: ReadonlyArray<Registration>, fileName: string): Added[] => {
  const removed: Added[] = [];
  const hooks = file.hooks;
  if (hooks === undefined) return removed;
  for (const [event, groups] of Object.entries(hooks)) {
    if (!Array.isArray(groups)) continue;
    for (const g of groups) {
      if (!Array.isArray(g.hooks)) continue;
      const matcher = g.matcher ?? null;
      const current = (command: string): boolean => regs.some((r) => r.row.event === event && (r.row.matcher ?? null) === matcher && r.command === command);
      const stale = (command: string): boolean => (LEGACY_COMMANDS.includes(command) || isArbiterEventCommand(command)) && !current(command);
      for (const h of g.hooks.filter((x) => typeof x.command === 'string' && stale(x.command))) removed.push({ file: fileName, event, matcher, command: h.command });
      g.hooks = g.hooks.filter((x) => !(typeof x.command === 'string' && stale(x.command)));
    }
    hooks[event] = groups.filter((g) => !Array.isArray(g.hooks) || g.hooks.length > 0);
    if (hooks[event]?.length === 0) delete hooks[event];
  }
  return removed;
};

const gitHooksDir = (top: string): string => {
  const out = execFileSync('git', ['rev-parse', '--git-path', 'hooks'], { cwd: top, encoding: 'utf8', timeout: 5_000 }).trim();
  return isAbsolute(out) ? out : resolve(top, out);
};

const say = (s: string): void => {
  process.stdout.write(`arbiter: ${s}\n`);
};

// ───────────────────────────────────────── running what was registered (hooks.md §11) ─────────────

/** How a client starts a hook command: `sh -c` (Claude Code, Codex), and `bash -lc` (the login shell Codex uses). */
export type ShellForm = 'sh -c' | 'bash -lc';

/** The shells each client's commands are tried under. */
export const SHELLS: Readonly<Record<'claude' | 'codex' | 'git', ReadonlyArray<ShellForm>>> = {
  claude: ['sh -c'],
  codex: ['sh -c', 'bash -lc'],
  git: ['sh -c', 'bash -lc'],
};

/** The outcome of running one registered command once. */
export interface CommandCheck {
  readonly command: string;
  readonly shell: ShellForm;
  readonly ok: boolean;
  /** `exit N`, `signal S`, `timed out`, or `bash not found`; with the first stderr line when there is one. */
  readonly detail: string;
  /** The first non-empty stderr line (printable ASCII, at most 160 characters), or `''`. */
  readonly stderrFirst?: string;
}

/** A payload the event's stages all answer without a decision: a read-only tool, outside any repository. */
const probePayload = (row: EventRow, cwd: string): string =>
  JSON.stringify({
    session_id: 'arbiter-install-probe',
    transcript_path: null,
    cwd,
    hook_event_name: row.event,
    tool_name: 'Read',
    tool_input: { file_path: join(cwd, 'probe') },
    tool_response: '',
    source: 'startup',
    prompt: '',
    stop_hook_active: false,
    last_assistant_message: '',
  });

/**
 * Run `command` once as a client would (`sh -c` or `bash -lc`, in `cwd`, `stdin` on stdin), bounded by
 * `timeoutSec`. OK when it exits 0 and prints nothing, one JSON object, or text. The environment is this process's
 * with `ARBITER_STATE_DIR` pointed at `stateDir`, so whatever the probe records lands in a throw-away directory, plus
 * `env` (e.g. the `CLAUDE_PROJECT_DIR` Claude Code sets for every hook).
 */
export const runLikeClient = (
  command: string,
  shell: ShellForm,
  o: { cwd: string; stdin: string; timeoutSec: number; stateDir: string; env?: Readonly<Record<string, string>> },
): Promise<CommandCheck> =>
  new Promise((resolvePromise) => {
    const [file, flag] = shell === 'sh -c' ? ['/bin/sh', '-c'] : ['bash', '-lc'];
    const child = execFile(
      file,
      [flag, command],
      { cwd: o.cwd, env: { ...process.env, ...(o.env ?? {}), ARBITER_STATE_DIR: o.stateDir }, timeout: o.timeoutSec * 1000, maxBuffer: 1024 * 1024, encoding: 'utf8' },
      (err, stdout, stderr) => {
        const first = String(stderr ?? '').split('\n').find((l) => l.trim() !== '') ?? '';
        const stderrFirst = first.replace(/[^\x20-\x7e]/g, '?').slice(0, 160);
        const tail = first === '' ? '' : `: ${stderrFirst}`;
        if (err === null) return resolvePromise({ command, shell, ok: true, detail: 'exit 0', stderrFirst });
        const e = err as NodeJS.ErrnoException & { code?: unknown; signal?: string | null; killed?: boolean };
        const detail =
          e.code === 'ENOENT' ? `${file} not found` : e.killed === true ? 'timed out' : typeof e.code === 'number' ? `exit ${e.code}` : `signal ${e.signal ?? '?'}`;
        void stdout;
        resolvePromise({ command, shell, ok: false, detail: `${detail}${tail}`, stderrFirst });
      },
    );
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(o.stdin);
  });

/** How many registered commands run at once while checking (a loaded two-core machine must not time them out). */
export const CHECK_CONCURRENCY = 4;

/**
 * The bound of one check, seconds: the registration's own timeout, at least 15 s. The check asks whether the command
 * answers at all (it can start, find node and the package, exit 0), not how fast; `arbiter doctor` and the clients'
 * own timeouts judge speed.
 */
export const checkTimeoutSec = (rowTimeoutSec: number): number => Math.max(rowTimeoutSec, 15);

/** Run `jobs` with at most `n` in flight; results in job order. */
export const inBatches = async <A>(jobs: ReadonlyArray<() => Promise<A>>, n: number): Promise<A[]> => {
  const out: A[] = new Array<A>(jobs.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const i = next++;
      out[i] = await (jobs[i] as () => Promise<A>)();
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, jobs.length) }, worker));
  return out;
};

/**
 * How a client starts a hook of `top`'s project files (`top` null: the user's files): in the worktree top, with
 * `CLAUDE_PROJECT_DIR` set to it as Claude Code does. The payload's own `cwd` stays outside any repository.
 */
export const clientSetting = (top: string | null, fallbackCwd: string): { cwd: string; env: Record<string, string> } =>
  top === null ? { cwd: fallbackCwd, env: {} } : { cwd: top, env: { CLAUDE_PROJECT_DIR: top } };

/**
 * Run every registration once under each of its client's shells, {@link CHECK_CONCURRENCY} at a time, with a payload
 * whose directory is a fresh one outside any repository and a throw-away state directory; project registrations run
 * from `top` as the client starts them ({@link clientSetting}). Resolves to every check (failed ones first).
 */
export const checkRegistrations = async (regs: ReadonlyArray<Registration>, top: string | null = null): Promise<CommandCheck[]> => {
  const dir = mkdtempSync(join(tmpdir(), 'arbiter-install-check-'));
  try {
    const cwd = join(dir, 'cwd');
    mkdirSync(cwd);
    const how = clientSetting(top, cwd);
    const jobs = regs.flatMap((r) =>
      SHELLS[r.row.client].map((sh) => () => runLikeClient(r.command, sh, { cwd: how.cwd, env: how.env, stdin: probePayload(r.row, cwd), timeoutSec: checkTimeoutSec(r.row.timeoutSec), stateDir: join(dir, 'state') })),
    );
    const all = await inBatches(jobs, CHECK_CONCURRENCY);
    return [...all.filter((c) => !c.ok), ...all.filter((c) => c.ok)];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

/**
 * Run a pre-push shim as git would, in the worktree `top` (`<shim> --help`: Arbiter answers with usage, touching no
 * state), under both shells. A shim that exits 0 but says the gate did NOT run (nothing resolved) fails the check.
 */
export const checkShim = async (path: string, top: string): Promise<CommandCheck[]> => {
  const dir = mkdtempSync(join(tmpdir(), 'arbiter-install-check-'));
  try {
    const runs = await Promise.all(SHELLS.git.map((sh) => runLikeClient(`${shellWord(path)} --help`, sh, { cwd: top, stdin: '', timeoutSec: 10, stateDir: join(dir, 'state') })));
    return runs.map((c) => (c.ok && (c.stderrFirst ?? '').includes('did NOT run') ? { ...c, ok: false, detail: `exit 0 but ungated: ${c.stderrFirst ?? ''}` } : c));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

/** Die with every failed check listed (install writes nothing then). */
const failLoudly = (failed: ReadonlyArray<CommandCheck>, what: string): never => {
  const lines = failed.map((c) => `  ${c.shell} ${c.command}\n    → ${c.detail}`).join('\n');
  return die(`${what}: ${failed.length} command(s) did not answer as the client would run them, so nothing was registered:\n${lines}\n` +
    'Every hook would be off. Check that node and the arbiter package exist where the launcher record or these paths say, or reinstall, then run `arbiter install` again (`arbiter doctor` explains each check).');
};

/**
 * The Codex trust notice (host-protocols.md C7): Codex skips every hook nobody trusted, without a word. Printed by
 * `install --codex` unless `--trust-codex-hooks` recorded the trust (then printed only when that failed).
 */
export const codexTrustNotice = (file: string): string =>
  `Codex skips these hooks until each one is trusted. Codex records that trust per hook in $CODEX_HOME/config.toml ` +
  `(default ~/.codex/config.toml) as [hooks.state.'${file}:<event>:<group>:<index>'] trusted_hash = "sha256:…", and ` +
  'trusting the project is not enough. To trust them: start Codex in this repository, type /hooks, and trust each ' +
  'Arbiter hook (review the command first). `codex exec` has no review step: trust them once interactively, or the ' +
  'agent layer stays off and only the git layer gates. Or run `arbiter install --codex --trust-codex-hooks` (add ' +
  '--user for user-level hooks): your codex then records the hash it computes for each Arbiter hook, and nothing else. ' +
  '`arbiter doctor` shows which Arbiter hooks have a trust entry.';

/** An error's message on one printable line. */
const oneLine = (e: unknown): string => String((e as Error).message ?? e).replace(/[^\x20-\x7e]/g, '?').slice(0, 600);

/**
 * Dies (exit 1, before install writes anything) unless `<bin> --version` answers: `--trust-codex-hooks` needs the
 * user's `codex`, and finding out only after the hooks were written would leave them registered and untrusted.
 */
const codexAnswers = async (bin: string, env: Env): Promise<void> => {
  const r = await new Promise<string | null>((res) =>
    execFile(bin, ['--version'], { env: { ...env }, timeout: 30_000, encoding: 'utf8' }, (err, out) => res(err === null ? null : `${err.message.split('\n')[0] ?? ''} ${out}`.trim())),
  );
  if (r !== null) die(`--trust-codex-hooks: \`${bin} --version\` failed (${r.slice(0, 200)}); nothing was written. Put codex on PATH or name it with --codex-bin.`);
};

/** Warning for a launcher inside npx's cache, which npm may clear at any time. */
const npxWarning = (l: Launcher): string | null =>
  /[\\/]_npx[\\/]/.test(l.script)
    ? `WARNING: this arbiter runs from npx's cache (${l.script}); npm may delete it, and every registered hook would stop. Install the package (npm i -D, or npm i -g) and run \`arbiter install\` again.`
    : null;

/** Options of {@link install}. */
export interface InstallOptions {
  readonly claude: boolean;
  readonly codex: boolean;
  readonly git: boolean;
  readonly uninstall: boolean;
  /** `--user`: the user's own client files, serving every repository (no configuration, no git hook). */
  readonly user?: boolean;
  /** `--no-check`: do not run the registered commands first. */
  readonly check?: boolean;
  /** Test seam: the launcher to register (default: this binary). */
  readonly launcher?: Launcher;
  /** Test seam: the environment (HOME, CLAUDE_CONFIG_DIR, CODEX_HOME, ARBITER_STATE_DIR). */
  readonly env?: Env;
  /**
   * `--trust-codex-hooks`: after registering the Codex hooks, record the user's trust in each of them through this
   * `codex` executable's app-server (codex-trust.ts; hooks.md §11). Absent: trust is left to the user.
   */
  readonly trustCodexWith?: string;
}

/**
 * The user-level client files of `--user`: `$CLAUDE_CONFIG_DIR/settings.json` (default `~/.claude/settings.json`)
 * and `$CODEX_HOME/hooks.json` (default `~/.codex/hooks.json`).
 */
export const userFiles = (env: Env): Record<Agent, string> => {
  const home = env['HOME'] !== undefined && env['HOME'] !== '' ? env['HOME'] : homedir();
  const abs = (v: string | undefined): string | null => (v !== undefined && v !== '' && isAbsolute(v) ? v : null);
  return {
    claude: join(abs(env['CLAUDE_CONFIG_DIR']) ?? join(home, '.claude'), 'settings.json'),
    codex: join(abs(env['CODEX_HOME']) ?? join(home, '.codex'), 'hooks.json'),
  };
};

/** Where the registrations of each client go, and the manifest that lists what was added. */
export const installTargets = (
  cwd: string,
  opts: Pick<InstallOptions, 'user'>,
  env: Env,
): { files: Record<Agent, string>; manifestPath: string; top: string | null; runtimeDir: string | null; commonDir: string | null } => {
  if (opts.user === true) return { files: userFiles(env), manifestPath: join(resolveStateDir(env), 'install-user.json'), top: null, runtimeDir: null, commonDir: null };
  const repo = resolveRepo(cwd, env);
  if (repo === null) return die('not inside a git repository (use --user to install for every repository).');
  const top = repo.topLevel;
  return {
    files: { claude: join(top, '.claude', 'settings.json'), codex: join(top, '.codex', 'hooks.json') },
    manifestPath: join(repo.runtimeDir, 'install.json'),
    top,
    runtimeDir: repo.runtimeDir,
    commonDir: repo.commonDir,
  };
};

/** The registrations of one client for a launcher and scope. */
export const registrationsFor = (client: Agent, launcher: Launcher, scope: Scope): Registration[] =>
  EVENTS.filter((r) => r.client === client).map((row) => ({ row, command: commandOf(row, launcher, scope) }));

/** A file written before the self-check, with what it held before (null: absent), so a failed check restores it. */
interface Staged {
  readonly path: string;
  readonly before: string | null;
}

const readOrNull = (path: string): string | null => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
};

/** Write `text` to `path` (atomic; `mode` then set) unless it already holds it; returns what to restore, or null. */
const stage = (path: string, text: string, mode: number): Staged | null => {
  const before = readOrNull(path);
  if (before !== text) {
    const err = writeFileAtomic(path, text);
    if (err !== null) throw new Error(`cannot write ${path} (${err.code})`);
  }
  chmodSync(path, mode);
  return before === text ? null : { path, before };
};

/** Put back what {@link stage} replaced (a failed self-check leaves the files as they were). */
const unstage = (staged: ReadonlyArray<Staged>): void => {
  for (const st of staged) {
    if (st.before === null) rmSync(st.path, { force: true });
    else writeFileAtomic(st.path, st.before);
  }
};

/**
 * Install (or uninstall) in the repository containing `cwd`, or for the user (`opts.user`). In a repository it first
 * writes the committed launcher (`.arbiter/bin/arbiter-hook`, when Claude Code or Codex is installed) and this
 * clone's launcher record; then it runs every command it is about to register once, as the client will (`sh -c`; for
 * Codex and git also `bash -lc`), and when one does not answer it puts those two files back as they were, lists the
 * failures and dies, so no client file is written. Prints what it did.
 */
export const install = async (cwd: string, opts: InstallOptions): Promise<void> => {
  const env = opts.env ?? process.env;
  const scope: Scope = opts.user === true ? 'user' : 'project';
  const { files, manifestPath, top, commonDir } = installTargets(cwd, opts, env);
  let manifest: Manifest = { version: 1, hooks: [], config_created: null, git_hook: null };
  try {
    manifest = JSON.parse(throwingState(manifestPath)) as Manifest; // state-io: never blocks, follows no symlink
  } catch {
    // first install
  }
  const git = opts.git && top !== null;
  if (opts.uninstall) {
    for (const client of ['claude', 'codex'] as const) {
      if (!opts[client]) continue;
      const ours = manifest.hooks.filter((h) => h.file === files[client]);
      if (ours.length === 0) continue;
      const f = readJson(files[client]);
      unmergeHooks(f, ours);
      writeJsonAtomic(files[client], f);
      manifest.hooks = manifest.hooks.filter((h) => h.file !== files[client]);
      say(`removed ${ours.length} hook(s) from ${files[client]}`);
    }
    if (git && manifest.git_hook !== null) {
      const gh = manifest.git_hook;
      try {
        const text = readFileSync(gh.path, 'utf8');
        if (isOurShim(text)) unlinkSync(gh.path);
      } catch {
        // already gone
      }
      if (gh.chained !== null && existsSync(gh.chained)) renameSync(gh.chained, gh.path);
      manifest.git_hook = null;
      say(`removed the pre-push shim${gh.chained !== null ? ' and restored the previous hook' : ''}`);
    }
    if (opts.claude && opts.codex && git && manifest.config_created !== null) {
      const p = manifest.config_created;
      try {
        if (readFileSync(p, 'utf8') === JSON.stringify(config.defaultConfig(), null, 2) + '\n') {
          unlinkSync(p);
          say(`removed ${p} (unchanged since install)`);
        }
      } catch {
        // gone or edited: keep
      }
      manifest.config_created = null;
    }
    // the committed launcher goes with the last project hook it created; the record when nothing is left
    const projectHooksLeft = manifest.hooks.some((h) => h.file === files.claude || h.file === files.codex);
    if (!projectHooksLeft && manifest.launcher_created != null) {
      const p = manifest.launcher_created;
      if (readOrNull(p) === hookLauncherScript()) {
        unlinkSync(p);
        try {
          rmdirSync(dirname(p)); // .arbiter/bin, when empty
        } catch {
          // not empty: keep
        }
        say(`removed ${p} (unchanged since install)`);
      }
      manifest.launcher_created = null;
    }
    if (!projectHooksLeft && manifest.git_hook === null && manifest.record != null) {
      rmSync(manifest.record, { force: true });
      manifest.record = null;
    }
    writeJsonAtomic(manifestPath, manifest);
    return;
  }
  const launcher = opts.launcher ?? currentLauncher();
  if (/[\r\n]/.test(launcher.node + launcher.script)) return die(`the node (${launcher.node}) or arbiter.cjs (${launcher.script}) path holds a line break; install Arbiter under a plain path.`);
  const regs = (['claude', 'codex'] as const).filter((c) => opts[c]).flatMap((c) => registrationsFor(c, launcher, scope));
  if (opts.trustCodexWith !== undefined) await codexAnswers(opts.trustCodexWith, env); // before anything is written
  // hooks.md §11: the committed launcher and this clone's record come first, since the commands run through them
  const staged: Staged[] = [];
  if (top !== null && commonDir !== null) {
    const lp = join(top, HOOK_LAUNCHER);
    const existing = readOrNull(lp);
    if ((opts.claude || opts.codex) && existing !== null && !isOurLauncher(existing)) {
      return die(`${lp} exists and is not Arbiter's launcher; move it away, then run \`arbiter install\` again.`);
    }
    const rec = launcherRecordPath(commonDir);
    const r = stage(rec, launcherRecord(launcher, top), 0o644);
    if (r !== null) staged.push(r);
    manifest.record = rec;
    if (opts.claude || opts.codex) {
      const l = stage(lp, hookLauncherScript(), 0o755);
      if (l !== null) staged.push(l);
      if (existing === null) manifest.launcher_created = lp;
    }
  }
  if (opts.check !== false) {
    const failed = (await checkRegistrations(regs, top)).filter((c) => !c.ok);
    if (failed.length > 0) {
      unstage(staged);
      return failLoudly(failed, 'install failed');
    }
  }
  for (const st of staged) {
    if (st.path.endsWith(HOOK_LAUNCHER)) say(`${st.path}: ${st.before === null ? 'written' : 'updated'}; commit it with .claude/settings.json and .codex/hooks.json (their commands run through it on every clone)`);
    else say(`${st.path}: this clone runs ${launcher.script} with ${launcher.node} (this machine only, never committed)`);
  }
  const warn = npxWarning(launcher);
  if (warn !== null) say(warn);
  if (top !== null) {
    const cp = configPath(top);
    if (!existsSync(cp)) {
      writeJsonAtomic(cp, config.defaultConfig());
      manifest.config_created = cp;
      say(`wrote default ${cp}`);
    }
  }
  for (const client of ['claude', 'codex'] as const) {
    if (!opts[client]) continue;
    const mine = regs.filter((r) => r.row.client === client);
    const f = readJson(files[client]);
    const migrated = migrateLegacy(f, mine, files[client]);
    const added = mergeHooks(f, mine, files[client]);
    if (added.length > 0 || migrated.length > 0) {
      writeJsonAtomic(files[client], f);
      const gone = (h: Added) => migrated.some((m) => m.file === h.file && m.event === h.event && m.matcher === h.matcher && m.command === h.command);
      manifest.hooks = [...manifest.hooks.filter((h) => !gone(h)), ...added];
    }
    if (migrated.length > 0) say(`${files[client]}: replaced ${migrated.length} registration(s) of an earlier install by the current ones`);
    say(`${files[client]}: ${added.length} hook(s) added, ${mine.length - added.length} already present`);
    if (client === 'codex' && opts.trustCodexWith === undefined) say(codexTrustNotice(files[client]));
    if (client === 'codex' && opts.trustCodexWith !== undefined) {
      writeJsonAtomic(manifestPath, manifest); // the hooks are registered whatever Codex answers next
      const file = files[client];
      try {
        const r = await trustCodexHooks({ codexBin: opts.trustCodexWith, cwd: top ?? cwd, file, commands: mine.map((m) => m.command), env: { ...env } });
        say(`${file}: Codex now trusts ${r.trusted.length} Arbiter hook(s) (recorded by \`${opts.trustCodexWith} app-server\` in its config.toml), ${r.already.length} already trusted`);
      } catch (e) {
        return die(`${file}: the hooks are registered but their Codex trust was NOT recorded, so Codex skips them: ${oneLine(e)}\n${codexTrustNotice(file)}`);
      }
    }
  }
  if (scope === 'user') {
    say('user-level hooks answer only in repositories with .arbiter/config.json whose own settings do not register Arbiter; the git layer is per clone: run `arbiter install --git` in each.');
  }
  if (git && top !== null) {
    const dir = gitHooksDir(top);
    const path = join(dir, 'pre-push');
    let existing: string | null = null;
    try {
      existing = readFileSync(path, 'utf8');
    } catch {
      existing = null;
    }
    let wrote = false;
    if (existing !== null && isOurShim(existing)) {
      const want = prePushShim(shimChains(existing));
      if (existing === want) say(`${path}: already installed`);
      else {
        // an earlier release's shim or another launcher: the same chaining, with this launcher
        writeFileAtomic(path, want);
        chmodSync(path, 0o755);
        wrote = true;
        say(`${path}: pre-push shim upgraded`);
      }
    } else {
      let chained: string | null = null;
      if (existing !== null) {
        chained = join(dir, 'pre-push.arbiter-chained');
        renameSync(path, chained);
      }
      writeFileAtomic(path, prePushShim(chained !== null));
      chmodSync(path, 0o755);
      manifest.git_hook = { path, chained };
      wrote = true;
      say(`${path}: pre-push shim installed${chained !== null ? ' (chaining the existing hook)' : ''}`);
    }
    if (wrote && opts.check !== false) {
      const failed = (await checkShim(path, top)).filter((c) => !c.ok);
      if (failed.length > 0) {
        writeJsonAtomic(manifestPath, manifest);
        return failLoudly(failed, `${path} was written but does not run`);
      }
    }
  }
  writeJsonAtomic(manifestPath, manifest);
};

/** Register the `install` verb. */
export const register = (program: Command): void => {
  program
    .command('install')
    .description('register Arbiter hooks for Claude Code, Codex and git in this repository, or for every repository with --user (idempotent)')
    .option('--claude', 'Claude Code: .claude/settings.json (with --user: ~/.claude/settings.json)')
    .option('--codex', 'Codex: .codex/hooks.json (with --user: ~/.codex/hooks.json)')
    .option('--git', "git: the clone's pre-push hook (respects core.hooksPath; not with --user)")
    .option('--user', 'install in your own client settings, serving every repository and worktree that has .arbiter/config.json')
    .option('--uninstall', 'remove exactly what install added')
    .option('--no-check', 'do not run each registered command once before writing it (run `arbiter doctor` instead)')
    .option(
      '--trust-codex-hooks',
      "also record YOUR trust in Arbiter's Codex hooks (Codex skips untrusted hooks): asks your codex's app-server for each hook's hash and has Codex write it to $CODEX_HOME/config.toml; other hooks are untouched",
    )
    .option('--codex-bin <path>', 'the codex executable --trust-codex-hooks asks (default: codex on PATH)')
    .action(async (o: { claude?: boolean; codex?: boolean; git?: boolean; user?: boolean; uninstall?: boolean; check?: boolean; trustCodexHooks?: boolean; codexBin?: string }) => {
      const none = o.claude !== true && o.codex !== true && o.git !== true;
      if (o.user === true && o.git === true) return die('--git cannot be used with --user: the git layer is installed per clone (`arbiter install --git` in each).', 2);
      if (o.trustCodexHooks === true && (o.uninstall === true || !(none || o.codex === true))) return die('--trust-codex-hooks goes with installing the Codex hooks (`arbiter install --codex --trust-codex-hooks`).', 2);
      if (o.codexBin !== undefined && o.trustCodexHooks !== true) return die('--codex-bin is used only with --trust-codex-hooks.', 2);
      try {
        await install(process.cwd(), {
          claude: none || o.claude === true,
          codex: none || o.codex === true,
          git: o.user !== true && (none || o.git === true),
          uninstall: o.uninstall === true,
          user: o.user === true,
          check: o.check !== false,
          ...(o.trustCodexHooks === true ? { trustCodexWith: o.codexBin ?? 'codex' } : {}),
        });
      } catch (e) {
        die(`install failed: ${String((e as Error).message ?? e).replace(/[^\x20-\x7e]/g, '?').slice(0, 200)}`);
      }
    });
};
