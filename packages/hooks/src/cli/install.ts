/**
 * `arbiter install [--claude] [--codex] [--git] [--uninstall]` (architecture.md conventions §1, architecture.md conventions §7; push-gate.md §15).
 *
 * Registers every event row of the ONE wiring table (`wiring.ts`: one `arbiter hook <event>` command per client event)
 * into `.claude/settings.json`, `.codex/hooks.json` and the clone's git hooks directory (`git rev-parse --git-path hooks`, which honours `core.hooksPath`), merging with what
 * is there and chaining an existing `pre-push`. Idempotent: a second run changes nothing. Writes a default
 * `.arbiter/config.json` when absent. Everything added is listed in `<runtime dir>/install.json`, so `--uninstall`
 * removes exactly that and nothing else. All writes are atomic (temp + rename).
 *
 * Migration: an installation made with the per-decision entries of earlier releases (`arbiter hook session-lock
 * acquire …`, `arbiter hook gate-push …`, …; `LEGACY_COMMANDS`) has those entries replaced by the event entries, so a
 * tool call never runs a decision twice.
 */
import { chmodSync, existsSync, readFileSync, renameSync, unlinkSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { execFileSync } from 'node:child_process';
import { Command } from 'commander';
import { config } from '@arbiter/kernel';
import { configPath, resolveRepo, throwingState, writeFileAtomic, writeJsonAtomic } from '@arbiter/io-node';
import { EVENTS, LEGACY_COMMANDS, argsOf, type EventRow } from '../wiring.js';
import { die } from './util.js';
import type { Agent } from '@arbiter/kernel/early';

/** The shell command a host runs for an event row. */
export const commandOf = (row: EventRow): string => ['arbiter', ...argsOf(row)].join(' ');

/**
 * How the shims run Arbiter's hook: not with `exec`, so that exactly one outcome can be mapped. A hook whose event
 * loop blocked is ended by its backstop (hook/backstop.ts) with SIGKILL, exit 137, which git would read as a
 * refusal; the backstop first writes into the file named by `ARBITER_WATCHDOG_MARK`, so 137 with that file
 * non-empty is the watchdog and the push goes ahead (exit 0, one stderr line), like every other watchdog of the push
 * gate (push-gate.md §14 rule 2). Any other exit code, a 137 from anything else included, is
 * passed on unchanged. `$1` of the tail is the command that feeds the hook its stdin (empty: the shim's own stdin).
 */
const SHIM_RUN = (feed: string): string =>
  'mark=$(mktemp "${TMPDIR:-/tmp}/arbiter-pre-push.XXXXXX" 2>/dev/null) || mark=\n' +
  `${feed}ARBITER_WATCHDOG_MARK="$mark" arbiter hook pre-push "$@"\n` +
  'status=$?\n' +
  'if [ "$status" -eq 137 ] && [ -n "$mark" ] && [ -s "$mark" ]; then\n' +
  '  rm -f "$mark"\n' +
  '  echo "arbiter: the pre-push hook was ended by its watchdog backstop; pushing ungated (fail-open)" >&2\n' +
  '  exit 0\n' +
  'fi\n' +
  '[ -z "$mark" ] || rm -f "$mark"\n' +
  'exit "$status"\n';

/** Spec shim (push-gate.md §15), used when no pre-push hook existed; maps the backstop's kill to exit 0 (SHIM_RUN). */
export const PRE_PUSH_SHIM =
  '#!/bin/sh\n# arbiter: pre-push shim (installed by `arbiter install --git`)\ncommand -v arbiter >/dev/null 2>&1 || exit 0\n' + SHIM_RUN('');
/** Chaining shim: runs the pre-existing hook (renamed) first with the same stdin, then Arbiter's (as {@link PRE_PUSH_SHIM}). */
export const PRE_PUSH_CHAIN_SHIM =
  '#!/bin/sh\n# arbiter: pre-push shim (installed by `arbiter install --git`), chaining the previous hook\ninput=$(cat)\nprev="$(dirname "$0")/pre-push.arbiter-chained"\nif [ -x "$prev" ]; then printf \'%s\\n\' "$input" | "$prev" "$@" || exit $?; fi\ncommand -v arbiter >/dev/null 2>&1 || exit 0\n' +
  SHIM_RUN("printf '%s\\n' \"$input\" | ");

/** The shims of earlier releases (they `exec` the hook): recognised so that install upgrades them and uninstall removes them. */
export const LEGACY_PRE_PUSH_SHIMS: Readonly<Record<string, 'plain' | 'chain'>> = {
  '#!/bin/sh\n# arbiter: pre-push shim (installed by `arbiter install --git`)\ncommand -v arbiter >/dev/null 2>&1 || exit 0\nexec arbiter hook pre-push "$@"\n': 'plain',
  '#!/bin/sh\n# arbiter: pre-push shim (installed by `arbiter install --git`), chaining the previous hook\ninput=$(cat)\nprev="$(dirname "$0")/pre-push.arbiter-chained"\nif [ -x "$prev" ]; then printf \'%s\\n\' "$input" | "$prev" "$@" || exit $?; fi\ncommand -v arbiter >/dev/null 2>&1 || exit 0\nprintf \'%s\\n\' "$input" | exec arbiter hook pre-push "$@"\n': 'chain',
};

/** Whether `text` is one of Arbiter's pre-push shims, current or of an earlier release. */
const isOurShim = (text: string): boolean => text === PRE_PUSH_SHIM || text === PRE_PUSH_CHAIN_SHIM || Object.prototype.hasOwnProperty.call(LEGACY_PRE_PUSH_SHIMS, text);

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

/** Merge rows into a hooks file object; returns the entries it added (none when already present). */
export const mergeHooks = (file: HooksFile, rows: ReadonlyArray<EventRow>, fileName: string): Added[] => {
  const added: Added[] = [];
  const hooks = (file.hooks ??= {});
  for (const row of rows) {
    const cmd = commandOf(row);
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
 * Remove the entries an earlier release registered per decision (`LEGACY_COMMANDS`), and an event command that sits
 * under another matcher than its row's (the old `hook post-tool` and `hook stop` registrations), from a hooks file
 * object. Returns the removed entries, so the manifest forgets them too.
 */
export const migrateLegacy = (file: HooksFile, rows: ReadonlyArray<EventRow>, fileName: string): Added[] => {
  const removed: Added[] = [];
  const hooks = file.hooks;
  if (hooks === undefined) return removed;
  for (const [event, groups] of Object.entries(hooks)) {
    if (!Array.isArray(groups)) continue;
    for (const g of groups) {
      if (!Array.isArray(g.hooks)) continue;
      const matcher = g.matcher ?? null;
      const stale = (command: string): boolean =>
        LEGACY_COMMANDS.includes(command) ||
        rows.some((r) => r.event === event && commandOf(r) === command && (r.matcher ?? null) !== matcher);
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

/** Install (or uninstall) in the repository containing `cwd`. Returns the lines it printed. */
export const install = (cwd: string, opts: { claude: boolean; codex: boolean; git: boolean; uninstall: boolean }): void => {
  const repo = resolveRepo(cwd);
  if (repo === null) return die('not inside a git repository.');
  const top = repo.topLevel;
  const manifestPath = join(repo.runtimeDir, 'install.json');
  let manifest: Manifest = { version: 1, hooks: [], config_created: null, git_hook: null };
  try {
    manifest = JSON.parse(throwingState(manifestPath)) as Manifest; // state-io: never blocks, follows no symlink
  } catch {
    // first install
  }
  const files: Record<Agent, string> = { claude: join(top, '.claude', 'settings.json'), codex: join(top, '.codex', 'hooks.json') };
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
    if (opts.git && manifest.git_hook !== null) {
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
    if (opts.claude && opts.codex && opts.git && manifest.config_created !== null) {
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
    writeJsonAtomic(manifestPath, manifest);
    return;
  }
  const cp = configPath(top);
  if (!existsSync(cp)) {
    writeJsonAtomic(cp, config.defaultConfig());
    manifest.config_created = cp;
    say(`wrote default ${cp}`);
  }
  for (const client of ['claude', 'codex'] as const) {
    if (!opts[client]) continue;
    const rows = EVENTS.filter((r) => r.client === client);
    const f = readJson(files[client]);
    const migrated = migrateLegacy(f, rows, files[client]);
    const added = mergeHooks(f, rows, files[client]);
    if (added.length > 0 || migrated.length > 0) {
      writeJsonAtomic(files[client], f);
      const gone = (h: Added) => migrated.some((m) => m.file === h.file && m.event === h.event && m.matcher === h.matcher && m.command === h.command);
      manifest.hooks = [...manifest.hooks.filter((h) => !gone(h)), ...added];
    }
    if (migrated.length > 0) say(`${files[client]}: replaced ${migrated.length} per-decision hook(s) of an earlier release by one hook per event`);
    say(`${files[client]}: ${added.length} hook(s) added, ${rows.length - added.length} already present`);
  }
  if (opts.git) {
    const dir = gitHooksDir(top);
    const path = join(dir, 'pre-push');
    let existing: string | null = null;
    try {
      existing = readFileSync(path, 'utf8');
    } catch {
      existing = null;
    }
    const legacy = existing === null ? undefined : LEGACY_PRE_PUSH_SHIMS[existing];
    if (existing === PRE_PUSH_SHIM || existing === PRE_PUSH_CHAIN_SHIM) {
      say(`${path}: already installed`);
    } else if (legacy !== undefined) {
      // an earlier release's shim: the same chaining, with the backstop mapping of this one
      writeFileAtomic(path, legacy === 'plain' ? PRE_PUSH_SHIM : PRE_PUSH_CHAIN_SHIM);
      chmodSync(path, 0o755);
      say(`${path}: pre-push shim upgraded`);
    } else {
      let chained: string | null = null;
      if (existing !== null) {
        chained = join(dir, 'pre-push.arbiter-chained');
        renameSync(path, chained);
      }
      writeFileAtomic(path, chained === null ? PRE_PUSH_SHIM : PRE_PUSH_CHAIN_SHIM);
      chmodSync(path, 0o755);
      manifest.git_hook = { path, chained };
      say(`${path}: pre-push shim installed${chained !== null ? ' (chaining the existing hook)' : ''}`);
    }
  }
  writeJsonAtomic(manifestPath, manifest);
  void dirname;
};

/** Register the `install` verb. */
export const register = (program: Command): void => {
  program
    .command('install')
    .description('register Arbiter hooks for Claude Code, Codex and git in this repository (idempotent)')
    .option('--claude', 'Claude Code: .claude/settings.json')
    .option('--codex', 'Codex: .codex/hooks.json')
    .option('--git', "git: the clone's pre-push hook (respects core.hooksPath)")
    .option('--uninstall', 'remove exactly what install added')
    .action((o: { claude?: boolean; codex?: boolean; git?: boolean; uninstall?: boolean }) => {
      const none = o.claude !== true && o.codex !== true && o.git !== true;
      try {
        install(process.cwd(), { claude: none || o.claude === true, codex: none || o.codex === true, git: none || o.git === true, uninstall: o.uninstall === true });
      } catch (e) {
        die(`install failed: ${String((e as Error).message ?? e).replace(/[^\x20-\x7e]/g, '?').slice(0, 200)}`);
      }
    });
};
