/**
 * `arbiter doctor [--json]` (hooks.md §11): checks an installation the way the clients will run it, and prints one
 * row per check with ✔ / ✘ (or – for what is not installed here) and, for each ✘, the fix. Exit 0 when nothing
 * failed, 1 otherwise; `--json` prints the rows as one JSON array instead of the table.
 *
 * Checks: the Node version; every Arbiter command registered in the project's and the user's Claude Code and Codex
 * files, run once as the client runs it (`sh -c`, and `bash -lc` for Codex) with a payload every stage answers
 * without a decision; that the commands of the committed project files name no machine-specific path, and the
 * committed launcher they run through resolves an arbiter here; the configuration decodes; the repository's state directory is writable and its guard
 * enabled; a Codex trust entry for each Arbiter hook; the git pre-push shim (where `core.hooksPath` points, the chain,
 * the shim run under both shells); the lane store answers a read (fs, postgres or http).
 *
 * Lives in the CLI bundle only: no hook bundle loads it (test/packaging.test.ts).
 */
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { execFileSync } from 'node:child_process';
import { Command } from 'commander';
import { pushGate as PG } from '@arbiter/kernel';
import { readRepoConfig, resolveRepo, type Env } from '@arbiter/io-node';
import { EVENTS } from '../wiring.js';
import { openRuntimeGuard } from '../state-lock-guard.js';
import { laneRoot, storeFor, withTimeout } from '../hook/push-gate-probes.js';
import {
  CHECK_CONCURRENCY,
  HOOK_LAUNCHER,
  SHELLS,
  checkShim,
  checkTimeoutSec,
  clientSetting,
  inBatches,
  isArbiterEventCommand,
  isOurLauncher,
  isOurShim,
  isPortableCommand,
  runLikeClient,
  shellWord,
  userFiles,
  type CommandCheck,
} from './install.js';

/** One row of the report. `fix` is set exactly when `status` is `fail`. */
export interface DoctorCheck {
  readonly name: string;
  readonly status: 'ok' | 'fail' | 'skip';
  readonly detail: string;
  readonly fix?: string;
}

const ok = (name: string, detail: string): DoctorCheck => ({ name, status: 'ok', detail });
const fail = (name: string, detail: string, fix: string): DoctorCheck => ({ name, status: 'fail', detail, fix });
const skip = (name: string, detail: string): DoctorCheck => ({ name, status: 'skip', detail });

/** Lowest Node version Arbiter supports (the root package.json `engines`). */
export const MIN_NODE: readonly [number, number] = [20, 16];

/** The Node version check (`v20.16.0` or later). */
export const nodeCheck = (version: string = process.version): DoctorCheck => {
  const m = /^v?(\d+)\.(\d+)/.exec(version);
  const good = m !== null && (Number(m[1]) > MIN_NODE[0] || (Number(m[1]) === MIN_NODE[0] && Number(m[2]) >= MIN_NODE[1]));
  return good ? ok('node', `${version} (${process.execPath})`) : fail('node', `${version} is older than ${MIN_NODE.join('.')}`, `install Node ${MIN_NODE.join('.')} or later, then run \`arbiter install\` again`);
};

type Group = { matcher?: string; hooks?: Array<{ command?: unknown }> };

/** The Arbiter commands of a client hooks file, with the position Codex keys its trust by. */
interface Found {
  readonly event: string;
  readonly group: number;
  readonly index: number;
  readonly command: string;
}

const readHooks = (path: string): { found: Found[]; error: string | null } => {
  if (!existsSync(path)) return { found: [], error: null };
  try {
    const v = JSON.parse(readFileSync(path, 'utf8')) as { hooks?: Record<string, Group[]> };
    const found: Found[] = [];
    for (const [event, groups] of Object.entries(v.hooks ?? {})) {
      if (!Array.isArray(groups)) continue;
      groups.forEach((g, gi) =>
        (Array.isArray(g.hooks) ? g.hooks : []).forEach((h, hi) => {
          if (typeof h.command === 'string' && isArbiterEventCommand(h.command)) found.push({ event, group: gi, index: hi, command: h.command });
        }),
      );
    }
    return { found, error: null };
  } catch (e) {
    return { found: [], error: (e as Error).message.slice(0, 120) };
  }
};

/** A payload every stage of an event answers without a decision (a read-only tool, outside any repository). */
const probe = (event: string, cwd: string): string =>
  JSON.stringify({ session_id: 'arbiter-doctor-probe', transcript_path: null, cwd, hook_event_name: event, tool_name: 'Read', tool_input: { file_path: join(cwd, 'x') }, tool_response: '', source: 'startup', prompt: '', stop_hook_active: false, last_assistant_message: '' });

/** Codex's trust key event names: `PreToolUse` → `pre_tool_use`. */
export const snakeEvent = (event: string): string => event.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();

/**
 * Whether `$CODEX_HOME/config.toml` holds a `[hooks.state."<key>"]` (or `'<key>'`) table with a `trusted_hash`. The
 * hash itself is not checked: Codex does not document how it computes it (hooks.md §11).
 */
export const hasTrustEntry = (toml: string, key: string): boolean => {
  const heads = [`[hooks.state."${key}"]`, `[hooks.state.'${key}']`];
  for (const h of heads) {
    const at = toml.indexOf(h);
    if (at < 0) continue;
    const body = toml.slice(at + h.length).split(/\n\s*\[/)[0] ?? '';
    if (/^\s*trusted_hash\s*=\s*["']sha256:[0-9a-f]+["']/m.test(body)) return true;
  }
  return false;
};

/** Failures that share a detail, one group each: `A, B: detail; C: other detail`. */
const groupByDetail = (items: ReadonlyArray<{ what: string; detail: string }>): string => {
  const by = new Map<string, string[]>();
  for (const i of items) by.set(i.detail, [...(by.get(i.detail) ?? []), i.what]);
  return [...by].map(([detail, whats]) => `${whats.join(', ')}: ${detail}`).join('; ');
};

/**
 * Check the registrations of one client file: every event present, each command answering as the client runs it
 * (project commands from the worktree `top`, with `CLAUDE_PROJECT_DIR`), for a project file that each Arbiter command
 * is portable (a committed machine-specific path breaks every other clone: hooks.md §11), and for Codex the trust.
 */
const clientChecks = async (client: 'claude' | 'codex', scope: 'project' | 'user', path: string, env: Env, work: string, top: string | null): Promise<DoctorCheck[]> => {
  const label = `${client} ${scope} hooks`;
  const { found, error } = readHooks(path);
  if (error !== null) return [fail(label, `${path} is not valid JSON (${error})`, `fix or remove ${path}, then run \`arbiter install${scope === 'user' ? ' --user' : ''} --${client}\``)];
  if (found.length === 0) return [skip(label, `none in ${path}`)];
  const out: DoctorCheck[] = [];
  if (scope === 'project') {
    const fixed = found.filter((f) => !isPortableCommand(f.command));
    out.push(
      fixed.length === 0
        ? ok(`${client} project portable`, `every Arbiter command runs through the committed ${HOOK_LAUNCHER}`)
        : fail(
            `${client} project portable`,
            `${fixed.length} Arbiter command(s) in ${path} name a machine-specific launcher (${fixed[0]?.command.slice(0, 120) ?? ''}): in any other clone or on any other machine they cannot start (exit 127) and every gate is off`,
            `run \`arbiter install --${client}\` (it rewrites them to the portable form and writes ${HOOK_LAUNCHER}), then commit both`,
          ),
    );
  }
  const how = clientSetting(scope === 'project' ? top : null, work);
  const expected = EVENTS.filter((r) => r.client === client).map((r) => r.event);
  const missing = expected.filter((e) => !found.some((f) => f.event === e));
  out.push(
    missing.length === 0
      ? ok(label, `${found.length} registered in ${path}`)
      : fail(label, `${path} lacks ${missing.join(', ')}`, `run \`arbiter install${scope === 'user' ? ' --user' : ''} --${client}\``),
  );
  const runs = await inBatches(
    found.flatMap((f) => {
      const row = EVENTS.find((r) => r.client === client && r.event === f.event);
      return SHELLS[client].map(
        (sh) => () =>
          runLikeClient(f.command, sh, { cwd: how.cwd, env: how.env, stdin: probe(f.event, work), timeoutSec: checkTimeoutSec(row?.timeoutSec ?? 10), stateDir: join(work, '..', 'state') }).then((c) => ({ f, c })),
      );
    }),
    CHECK_CONCURRENCY,
  );
  const bad = runs.filter((r) => !r.c.ok);
  const name = `${client} ${scope} commands`;
  out.push(
    bad.length === 0
      ? ok(name, `${runs.length} run(s) answered (${SHELLS[client].join(', ')})`)
      : fail(
          name,
          groupByDetail(bad.map((b: { f: Found; c: CommandCheck }) => ({ what: `${b.f.event} under ${b.c.shell}`, detail: b.c.detail }))),
          scope === 'user'
            ? `run \`arbiter install --user --${client}\` with the arbiter you want the client to run (user files name its absolute path)`
            : `install Arbiter in this clone (npm ci, or npm i -g), or run \`arbiter install --${client}\` here with the arbiter you want the client to run (it records it for this clone)`,
        ),
  );
  if (client === 'codex') out.push(trustCheck(scope, path, found, env));
  return out;
};

/** The Codex trust check of one hooks file. */
const trustCheck = (scope: string, path: string, found: ReadonlyArray<Found>, env: Env): DoctorCheck => {
  const codexHome = env['CODEX_HOME'] !== undefined && env['CODEX_HOME'] !== '' ? env['CODEX_HOME'] : join(env['HOME'] ?? homedir(), '.codex');
  const tomlPath = join(codexHome, 'config.toml');
  let toml = '';
  try {
    toml = readFileSync(tomlPath, 'utf8');
  } catch {
    toml = '';
  }
  const paths = [path];
  try {
    paths.push(realpathSync(path));
  } catch {
    // keep the path as given
  }
  const untrusted = found.filter((f) => !paths.some((p) => hasTrustEntry(toml, `${p}:${snakeEvent(f.event)}:${f.group}:${f.index}`)));
  const name = `codex ${scope} trust`;
  return untrusted.length === 0
    ? ok(name, `a trust entry for each of ${found.length} hook(s) in ${tomlPath} (hashes not verified)`)
    : fail(
        name,
        `${untrusted.length} of ${found.length} Arbiter hook(s) have no trust entry in ${tomlPath}: Codex skips them without a word (${untrusted.map((u) => snakeEvent(u.event)).join(', ')})`,
        `run \`arbiter install --codex${scope === 'user' ? ' --user' : ''} --trust-codex-hooks\` (Codex itself records the trust), or start Codex here, type /hooks and trust each Arbiter hook; \`codex exec\` cannot ask`,
      );
};

/** The repository checks: configuration, state directory and guard, git pre-push, lane store. */
const repoChecks = async (cwd: string, env: Env, work: string): Promise<DoctorCheck[]> => {
  const repo = resolveRepo(cwd, env);
  if (repo === null) return [skip('repository', 'not inside a git repository: only the user-level checks ran')];
  const out: DoctorCheck[] = [];
  const conf = readRepoConfig(repo.topLevel);
  const cfgPath = join(repo.topLevel, '.arbiter', 'config.json');
  if (conf._tag === 'Invalid') out.push(fail('configuration', `${cfgPath}: ${conf.detail}`, `fix ${cfgPath} (every gate treats it as invalid until then)`));
  else if (conf._tag === 'NotConfigured') out.push(fail('configuration', `${cfgPath} is absent: every hook stays silent here`, 'run `arbiter install` (it writes a default configuration)'));
  else out.push(ok('configuration', `${cfgPath} decodes`));
  // the state directory: writable, and its guard enabled (state-lock.md §8)
  try {
    mkdirSync(repo.runtimeDir, { recursive: true });
    const probeDir = mkdtempSync(join(repo.runtimeDir, '.doctor-'));
    writeFileSync(join(probeDir, 'w'), 'x');
    rmSync(probeDir, { recursive: true, force: true });
    const quiet: string[] = [];
    const guard = await openRuntimeGuard(repo.topLevel, env, 'cli', { stderr: (l) => quiet.push(l) });
    if (guard === null || guard.status.enabled) {
      await guard?.release();
      out.push(ok('state directory', `${repo.runtimeDir} is writable; its guard is enabled`));
    } else {
      await guard.release();
      out.push(fail('state directory', `${repo.runtimeDir}: guard disabled (${guard.status.code})`, 'see `arbiter lock status`: another host or a stale host lock owns the directory (state-lock.md)'));
    }
  } catch (e) {
    out.push(fail('state directory', `${repo.runtimeDir} is not writable (${(e as NodeJS.ErrnoException).code ?? 'error'})`, `make ${repo.runtimeDir} writable by this user (or set ARBITER_STATE_DIR)`));
  }
  const launcher = await launcherCheck(repo.topLevel);
  if (launcher !== null) out.push(launcher);
  out.push(...(await gitChecks(repo.topLevel)));
  if (conf._tag === 'Configured') out.push(await storeCheck(repo.commonDir, conf, env));
  void work;
  return out;
};

/**
 * The committed launcher (hooks.md §11), when a project file registers a portable command: present, Arbiter's,
 * executable, and resolving an arbiter here (`<launcher> --help` under `sh -c` and `bash -lc`; when nothing resolves
 * it exits 1 with its "did NOT run" line, shown as the detail).
 */
const launcherCheck = async (top: string): Promise<DoctorCheck | null> => {
  const files = [join(top, '.claude', 'settings.json'), join(top, '.codex', 'hooks.json')];
  if (!files.some((f) => readHooks(f).found.some((x) => isPortableCommand(x.command)))) return null;
  const path = join(top, HOOK_LAUNCHER);
  const name = 'hook launcher';
  let text: string | null = null;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    text = null;
  }
  if (text === null || !isOurLauncher(text)) {
    return fail(name, `${path} is ${text === null ? 'missing' : 'not Arbiter\'s launcher'}: every project hook fails to start`, 'run `arbiter install` here and commit .arbiter/bin/arbiter-hook');
  }
  try {
    accessSync(path, constants.X_OK);
  } catch {
    return fail(name, `${path} is not executable: every project hook fails to start`, `chmod +x ${path} (and commit the mode: git update-index --chmod=+x ${HOOK_LAUNCHER})`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'arbiter-doctor-launcher-'));
  try {
    const runs = await Promise.all(SHELLS.codex.map((sh) => runLikeClient(`${shellWord(path)} --help`, sh, { cwd: top, stdin: '', timeoutSec: 15, stateDir: join(dir, 'state') })));
    const bad = runs.filter((c) => !c.ok);
    return bad.length === 0
      ? ok(name, `${path} finds an arbiter (${runs.map((c) => c.shell).join(', ')})`)
      : fail(
          name,
          groupByDetail(bad.map((b) => ({ what: b.shell, detail: b.detail }))),
          'install Arbiter for this clone: `npm ci` (node_modules/.bin/arbiter), `npm i -g` (arbiter on PATH), or run `arbiter install` here with the arbiter to use (it records it for this clone)',
        );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

/** core.hooksPath, the pre-push shim, its chain, and the shim run under both shells. */
const gitChecks = async (top: string): Promise<DoctorCheck[]> => {
  const out: DoctorCheck[] = [];
  let dir: string;
  let hooksPath = '';
  try {
    const p = execFileSync('git', ['rev-parse', '--git-path', 'hooks'], { cwd: top, encoding: 'utf8', timeout: 5_000 }).trim();
    dir = isAbsolute(p) ? p : resolve(top, p);
    try {
      hooksPath = execFileSync('git', ['config', '--get', 'core.hooksPath'], { cwd: top, encoding: 'utf8', timeout: 5_000 }).trim();
    } catch {
      hooksPath = '';
    }
  } catch {
    return [fail('git pre-push', 'git could not name the hooks directory', 'check that git is installed and this is a repository')];
  }
  const where = hooksPath === '' ? dir : `${dir} (core.hooksPath = ${hooksPath})`;
  const shim = join(dir, 'pre-push');
  let text: string | null = null;
  try {
    text = readFileSync(shim, 'utf8');
  } catch {
    text = null;
  }
  if (text === null || !isOurShim(text)) {
    out.push(fail('git pre-push', `${where}: ${text === null ? 'no pre-push hook' : 'the pre-push hook is not Arbiter\'s (a tool may have replaced it)'}`, 'run `arbiter install --git` (it chains an existing hook)'));
    return out;
  }
  try {
    accessSync(shim, constants.X_OK);
  } catch {
    out.push(fail('git pre-push', `${shim} is not executable: git ignores it`, `chmod +x ${shim}`));
    return out;
  }
  const chained = join(dir, 'pre-push.arbiter-chained');
  if (text.includes('pre-push.arbiter-chained') && !(existsSync(chained) && (statSync(chained).mode & 0o111) !== 0)) {
    out.push(fail('git pre-push chain', `${chained} is missing or not executable: the previous hook no longer runs`, 'restore the previous hook as pre-push.arbiter-chained, or run `arbiter install --uninstall --git` then `arbiter install --git`'));
  }
  const checks = await checkShim(shim, top);
  const bad = checks.filter((c) => !c.ok);
  out.push(
    bad.length === 0
      ? ok('git pre-push', `${where}: Arbiter's shim answers (${checks.map((c) => c.shell).join(', ')})`)
      : fail('git pre-push', bad.map((b) => `${b.shell}: ${b.detail}`).join('; '), 'run `arbiter install --git` with the arbiter git should run'),
  );
  return out;
};

/** The lane store answers a read of every lane within the network bound. */
const storeCheck = async (commonDir: string, conf: ReturnType<typeof readRepoConfig>, env: Env): Promise<DoctorCheck> => {
  const settings = PG.settingsOf(conf);
  const kind = String((settings.store as { kind?: unknown }).kind ?? 'embedded');
  try {
    const store = storeFor(laneRoot(commonDir, conf, env), settings, env);
    const timeout = { _tag: 'Left' as const, left: { kind: 'contended', status: 'timeout' } };
    const r = await withTimeout(store.state('all', 'arbiter-doctor')(), PG.NET_TIMEOUT_MS * 2, timeout as never);
    return r._tag === 'Right'
      ? ok('lane store', `${kind} store answered`)
      : fail('lane store', `${kind} store failed (${(r as { left: { kind: string } }).left.kind})`, 'check lanes.store in .arbiter/config.json and that the store (directory, database or service) is reachable');
  } catch (e) {
    return fail('lane store', `${kind} store could not be opened (${(e as Error).message.replace(/[^\x20-\x7e]/g, '?').slice(0, 100)})`, 'check lanes.store in .arbiter/config.json');
  }
};

/** Every check, in report order. */
export const runDoctor = async (cwd: string, env: Env): Promise<DoctorCheck[]> => {
  const base = mkdtempSync(join(tmpdir(), 'arbiter-doctor-'));
  const work = join(base, 'cwd');
  mkdirSync(work);
  try {
    const repo = resolveRepo(cwd, env);
    const user = userFiles(env);
    const client: Array<Promise<DoctorCheck[]>> = [];
    for (const c of ['claude', 'codex'] as const) {
      if (repo !== null) client.push(clientChecks(c, 'project', c === 'claude' ? join(repo.topLevel, '.claude', 'settings.json') : join(repo.topLevel, '.codex', 'hooks.json'), env, work, repo.topLevel));
      client.push(clientChecks(c, 'user', user[c], env, work, null));
    }
    const rows = [nodeCheck(), ...(await Promise.all(client)).flat(), ...(await repoChecks(cwd, env, work))];
    return rows;
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
};

/** The report as a table: one line per check, then the fixes of the failed ones. */
export const renderDoctor = (rows: ReadonlyArray<DoctorCheck>): string => {
  const mark = (s: DoctorCheck['status']): string => (s === 'ok' ? '✔' : s === 'fail' ? '✘' : '–');
  const w = Math.max(...rows.map((r) => r.name.length));
  const lines = rows.map((r) => `${mark(r.status)} ${r.name.padEnd(w)}  ${r.detail}${r.fix !== undefined ? `\n  ${' '.repeat(w)}  fix: ${r.fix}` : ''}`);
  const failed = rows.filter((r) => r.status === 'fail').length;
  return `${lines.join('\n')}\n${failed === 0 ? 'all checks passed' : `${failed} check(s) failed`}\n`;
};

/** Register the `doctor` verb. */
export const register = (program: Command): void => {
  program
    .command('doctor')
    .description('check the installation as Claude Code, Codex and git will run it (exit 1 when a check fails)')
    .option('--json', 'print the checks as one JSON array')
    .action(async (o: { json?: boolean }) => {
      const rows = await runDoctor(process.cwd(), process.env);
      process.stdout.write(o.json === true ? `${JSON.stringify(rows)}\n` : renderDoctor(rows));
      process.exit(rows.some((r) => r.status === 'fail') ? 1 : 0);
    });
};
