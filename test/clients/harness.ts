/**
 * The real-client harness: a world (a git repository cloned from a bare remote, `arbiter install`ed, with a fresh
 * HOME, CODEX_HOME and TMPDIR) and one client session in it, run offline inside its own network namespace against a
 * fake model server (module docs of fake-model.ts and ns-run.cjs). Argument arrays only, never a shell.
 *
 * Namespaces: as root, `unshare -n` gives a namespace with only a loopback interface (ns-run brings it up); as
 * another user, `unshare -r -n` maps that user to root inside a new user namespace first (checked here as `nobody`;
 * a kernel with unprivileged user namespaces disabled refuses it, and `setupClients` then fails with the reason).
 * `unshare` is util-linux, `ip` is iproute2 (.ci/run installs both when missing).
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { startFakeAnthropic } from './fake-anthropic.js';
import { FAKE_MODEL, fakeModelCatalog, startFakeOpenAI } from './fake-openai.js';
import { tool, type FakeServer, type Live, type Recorded, type Step, type Turn } from './fake-model.js';
import { toolResults } from './fake-anthropic.js';
import { toolOutputs } from './fake-openai.js';

export type Client = 'claude' | 'codex';

/** Absolute path of the built binary (npm test builds it first). */
export const BIN = resolve(__dirname, '../../packages/hooks/dist/arbiter.cjs');
const NS_RUN = resolve(__dirname, 'ns-run.cjs');
/** The port the fake server answers on inside every namespace (each namespace has its own loopback). */
export const PORT = 18_080;

/** Install the pinned clients (cached; see install-clients.mjs) and return their binaries. */
export const clientBins = (): Record<Client, string> => {
  const out = execFileSync(process.execPath, [resolve(__dirname, 'install-clients.mjs')], { encoding: 'utf8', timeout: 900_000, stdio: ['ignore', 'pipe', 'inherit'] });
  return JSON.parse(out) as Record<Client, string>;
};

/**
 * Suite setup (a file's `beforeAll`): the built binary, the clients, and a network namespace we may create. Throws
 * with the reason when one is missing; the suite never skips.
 */
export const setupClients = (): void => {
  if (!existsSync(BIN)) throw new Error(`missing ${BIN}: run \`npm run build\` first (npm test does)`);
  BINS ??= clientBins();
  try {
    execFileSync('unshare', [...unshareArgs(), 'true'], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 10_000 });
  } catch (e) {
    throw new Error(`cannot create a network namespace with \`unshare ${unshareArgs().join(' ')}\` (root, or unprivileged user namespaces, are needed): ${String((e as { stderr?: unknown }).stderr ?? e)}`);
  }
};

/** Timeouts of the client files: a session may take a while on a loaded two-core machine; setup may install clients. */
export const SESSION_TEST_MS = 240_000;
export const SETUP_MS = 900_000;

/** The PATH a session starts with: the arbiter shim's directory (when wanted) before the system's. */
const SYSTEM_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** A world: paths of one isolated setup. */
export interface World {
  readonly root: string;
  readonly remote: string;
  readonly repo: string;
  readonly home: string;
  readonly codexHome: string;
  readonly tmp: string;
  /** Directory holding the `arbiter` shim (on PATH unless the session says otherwise). */
  readonly binDir: string;
  /** Where the recording hook writes the payloads it receives (one file per call). */
  readonly recordDir: string;
}

const gitEnv = (w: { home: string }): NodeJS.ProcessEnv => ({
  PATH: `${dirnameOf(process.execPath)}${delimiter}${SYSTEM_PATH}`,
  HOME: w.home,
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'Test',
  GIT_AUTHOR_EMAIL: 'test@example.invalid',
  GIT_COMMITTER_NAME: 'Test',
  GIT_COMMITTER_EMAIL: 'test@example.invalid',
});
const dirnameOf = (p: string): string => p.slice(0, p.lastIndexOf('/'));

/** `git <args>` in `cwd` with the world's HOME; returns stdout, throws on failure. */
export const git = (w: { home: string }, cwd: string, args: ReadonlyArray<string>, extra: NodeJS.ProcessEnv = {}): string =>
  execFileSync('git', [...args], { cwd, env: { ...gitEnv(w), ...extra }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 });

/** `arbiter <args>` run in `cwd` as the person would (the built binary), with the world's HOME. */
export const arbiter = (w: World, cwd: string, args: ReadonlyArray<string>, extra: NodeJS.ProcessEnv = {}): { code: number; stdout: string; stderr: string } => {
  try {
    const stdout = execFileSync(process.execPath, [BIN, ...args], { cwd, env: { ...gitEnv(w), ...extra }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 });
    return { code: 0, stdout, stderr: '' };
  } catch (e) {
    const x = e as { status?: number; stdout?: string; stderr?: string };
    return { code: x.status ?? -1, stdout: x.stdout ?? '', stderr: x.stderr ?? '' };
  }
};

/** Options of {@link makeWorld}. */
export interface WorldOptions {
  /** Run `arbiter install` (default true) and how: through the PATH shim (`shim`, default) or `node …/arbiter.cjs install` (`node`). */
  readonly install?: false | 'shim' | 'node';
  /** Also register a recording hook for every client event (payload fixtures). */
  readonly record?: boolean;
}

/** The events the recording hook is registered for, per client. */
export const RECORDED_EVENTS: Record<Client, ReadonlyArray<string>> = {
  claude: ['SessionStart', 'UserPromptSubmit', 'PreToolUse', 'PostToolUse', 'PostToolUseFailure', 'Stop', 'SessionEnd'],
  codex: ['SessionStart', 'UserPromptSubmit', 'PreToolUse', 'PostToolUse', 'Stop'],
};

const made: string[] = [];

/** Remove every world this process made (a file's `afterAll`); kept when ARBITER_KEEP_WORLDS=1, for a post-mortem. */
export const cleanupWorlds = (): void => {
  if (process.env['ARBITER_KEEP_WORLDS'] === '1') return;
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
};

/** Make a world under the system temp dir: bare remote with one commit on main, a clone, the shim, the install. */
export const makeWorld = (name: string, o: WorldOptions = {}): World => {
  const root = mkdtempSync(join(tmpdir(), `arbiter-clients-${name}-`));
  made.push(root);
  const w: World = {
    root,
    remote: join(root, 'remote.git'),
    repo: join(root, 'repo'),
    home: join(root, 'home'),
    codexHome: join(root, 'home', '.codex'),
    tmp: join(root, 'tmp'),
    binDir: join(root, 'bin'),
    recordDir: join(root, 'record'),
  };
  for (const d of [w.home, w.codexHome, w.tmp, w.binDir, w.recordDir]) mkdirSync(d, { recursive: true });
  // The `arbiter` a user has on PATH (what `npm i -g` links): the built binary run by this Node.
  writeFileSync(join(w.binDir, 'arbiter'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
  chmodSync(join(w.binDir, 'arbiter'), 0o755);
  git(w, root, ['init', '-q', '--bare', '-b', 'main', w.remote]);
  const seed = join(root, 'seed');
  git(w, root, ['init', '-q', '-b', 'main', seed]);
  writeFileSync(join(seed, 'README.md'), '# demo\n');
  writeFileSync(join(seed, 'app.txt'), 'version 1\n');
  git(w, seed, ['add', '.']);
  git(w, seed, ['commit', '-q', '-m', 'init']);
  git(w, seed, ['push', '-q', w.remote, 'main']);
  git(w, root, ['clone', '-q', w.remote, w.repo]);
  git(w, w.repo, ['config', 'user.email', 'dev@example.invalid']);
  git(w, w.repo, ['config', 'user.name', 'Dev']);
  const mode = o.install ?? 'shim';
  if (mode !== false) {
    const env = { ...gitEnv(w), PATH: mode === 'shim' ? `${w.binDir}${delimiter}${gitEnv(w).PATH}` : gitEnv(w).PATH };
    const args = mode === 'shim' ? [join(w.binDir, 'arbiter'), 'install'] : [process.execPath, BIN, 'install'];
    // install runs each of its 17 commands once (4 at a time) before writing: on a loaded two-core machine that took
    // over 30 s (load average above 20 measured), so the bound is the session's, not a tight one
    execFileSync(args[0] as string, args.slice(1), { cwd: w.repo, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
  }
  if (o.record === true) addRecorders(w);
  return w;
};

/** Register, besides Arbiter's hooks, a hook that copies each payload it gets into `recordDir` (answers nothing). */
const addRecorders = (w: World): void => {
  const rec = join(w.root, 'record-hook.sh');
  writeFileSync(rec, `#!/bin/sh\ncat > "$(mktemp "${w.recordDir}/$1-$2.XXXXXX")"\nexit 0\n`);
  chmodSync(rec, 0o755);
  for (const client of ['claude', 'codex'] as const) {
    const file = client === 'claude' ? join(w.repo, '.claude', 'settings.json') : join(w.repo, '.codex', 'hooks.json');
    const data = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { hooks?: Record<string, unknown[]> }) : {};
    const hooks = (data.hooks ??= {});
    for (const ev of RECORDED_EVENTS[client]) (hooks[ev] ??= []).push({ hooks: [{ type: 'command', command: `/bin/sh ${rec} ${client} ${ev}`, timeout: 10 }] });
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(file, JSON.stringify(data, null, 2) + '\n');
  }
};

/** The payloads the recording hook captured, in arrival order. */
export const recorded = (w: World, client: Client): Array<{ event: string; payload: Record<string, unknown> }> =>
  readdirSync(w.recordDir)
    .filter((f) => f.startsWith(`${client}-`))
    .map((f) => ({ f, t: statMtime(join(w.recordDir, f)) }))
    .sort((a, b) => a.t - b.t)
    .map(({ f }) => ({ event: f.slice(client.length + 1, f.lastIndexOf('.')), payload: JSON.parse(readFileSync(join(w.recordDir, f), 'utf8')) as Record<string, unknown> }));
const statMtime = (p: string): number => statSync(p).mtimeMs;

/** Options of one session. */
export interface SessionOptions {
  readonly prompt: string;
  readonly script: ReadonlyArray<Step>;
  /** Continue this earlier session (Claude `--resume`, Codex `exec resume`) instead of starting one. */
  readonly resume?: string;
  /** The `arbiter` shim on PATH (default true). */
  readonly arbiterOnPath?: boolean;
  /** Extra environment for the client (and so its hooks and commands). */
  readonly env?: NodeJS.ProcessEnv;
  readonly timeoutMs?: number;
  /** Codex: pass `--dangerously-bypass-hook-trust` (default true); false shows what an untrusted install does. */
  readonly bypassHookTrust?: boolean;
}

/** What a session produced. */
export interface Session {
  readonly client: Client;
  readonly sessionId: string;
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout parsed line by line (JSONL of both clients); non-JSON lines dropped. */
  readonly events: ReadonlyArray<Record<string, unknown>>;
  readonly requests: ReadonlyArray<Recorded>;
  /** Scripted turns the client never asked for. */
  readonly unused: number;
  readonly ms: number;
}

const unshareArgs = (): string[] => (process.getuid?.() === 0 ? ['-n'] : ['-r', '-n']);

/** Run one client session in `w` (see module doc); resolves when the client exits or the timeout kills it. */
export const runSession = async (client: Client, w: World, o: SessionOptions): Promise<Session> => {
  const bins = BINS ?? (BINS = clientBins());
  const socket = join(w.root, `${client}-${randomUUID().slice(0, 8)}.sock`);
  const sessionId = o.resume ?? randomUUID();
  const live: Live = { sessionId: client === 'claude' || o.resume !== undefined ? sessionId : '' };
  const server: FakeServer = client === 'claude' ? await startFakeAnthropic(socket, o.script, live) : await startFakeOpenAI(socket, o.script, live);
  const path = `${o.arbiterOnPath === false ? '' : `${w.binDir}${delimiter}`}${dirnameOf(process.execPath)}${delimiter}${SYSTEM_PATH}`;
  const base: NodeJS.ProcessEnv = { PATH: path, HOME: w.home, TMPDIR: w.tmp, LANG: 'C.UTF-8', TERM: 'dumb', NO_COLOR: '1', GIT_CONFIG_NOSYSTEM: '1' };
  let argv: string[];
  let env: NodeJS.ProcessEnv;
  if (client === 'claude') {
    env = {
      ...base,
      ANTHROPIC_BASE_URL: `http://127.0.0.1:${PORT}`,
      ANTHROPIC_API_KEY: 'sk-ant-test-offline',
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      DISABLE_TELEMETRY: '1',
      DISABLE_AUTOUPDATER: '1',
      DISABLE_ERROR_REPORTING: '1',
      CLAUDE_CODE_TMPDIR: w.tmp,
      // inside the namespace the client is root either way (`unshare -r` maps the user to root), and Claude Code
      // refuses bypassPermissions as root unless told it is in a sandbox
      IS_SANDBOX: '1',
    };
    argv = [bins.claude, '-p', o.prompt, '--output-format', 'stream-json', '--verbose', '--include-hook-events', '--permission-mode', 'bypassPermissions', ...(o.resume === undefined ? ['--session-id', sessionId] : ['--resume', o.resume])];
  } else {
    writeCodexConfig(w);
    env = { ...base, CODEX_HOME: w.codexHome, FAKE_OPENAI_KEY: 'sk-test-offline' };
    const flags = ['--json', '--dangerously-bypass-approvals-and-sandbox', ...(o.bypassHookTrust === false ? [] : ['--dangerously-bypass-hook-trust'])];
    argv = o.resume === undefined ? [bins.codex, 'exec', ...flags, '-C', w.repo, o.prompt] : [bins.codex, 'exec', 'resume', ...flags, o.resume, o.prompt];
  }
  const t0 = Date.now();
  const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((res) => {
    const child = spawn('unshare', [...unshareArgs(), process.execPath, NS_RUN, socket, String(PORT), '--', ...argv], {
      cwd: w.repo,
      env: { ...env, ...(o.env ?? {}) },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString('utf8');
      // Codex makes its thread id known in its first JSONL event; dynamic steps read it
      if (live.sessionId === '') live.sessionId = /"thread_id":"([^"]+)"/.exec(stdout)?.[1] ?? '';
    });
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const timer = setTimeout(() => {
      stderr += '\n[harness] session timed out\n';
      try {
        process.kill(-(child.pid as number), 'SIGKILL');
      } catch {
        // gone
      }
    }, o.timeoutMs ?? 150_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      res({ code, stdout, stderr });
    });
  });
  const ms = Date.now() - t0;
  await server.close();
  const events = result.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
  return { client, sessionId: client === 'claude' || o.resume !== undefined ? sessionId : codexThreadId(events), ...result, events, requests: server.requests, unused: server.remaining(), ms };
};

/** What the model was told after each of its tool calls, in order (the text of each tool result). */
export const toldAfterTools = (s: Session): string[] => (s.client === 'claude' ? toolResults(s.requests).map((r) => r.text) : toolOutputs(s.requests).map((r) => r.text));

/** Every scripted (agent-loop) request body as JSON text, joined: everything the model was shown. */
export const modelInput = (s: Session): string => s.requests.filter((r) => r.scripted).map((r) => JSON.stringify(r.body)).join('\n');

/** Add a hook entry (not Arbiter's) for `event` to the client's project hooks file, e.g. one that outlives its timeout. */
export const addHook = (w: World, client: Client, event: string, command: string, timeoutSec: number, matcher?: string): void => {
  const file = client === 'claude' ? join(w.repo, '.claude', 'settings.json') : join(w.repo, '.codex', 'hooks.json');
  const data = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { hooks?: Record<string, unknown[]> }) : {};
  const hooks = (data.hooks ??= {});
  (hooks[event] ??= []).push({ ...(matcher === undefined ? {} : { matcher }), hooks: [{ type: 'command', command, timeout: timeoutSec }] });
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, JSON.stringify(data, null, 2) + '\n');
};

/** The lane audit records of the world's repository (embedded store), oldest first. */
export const laneAudit = (w: World): Array<Record<string, unknown>> => {
  const p = join(w.repo, '.git', 'arbiter', 'audit.ndjson');
  return existsSync(p) ? readFileSync(p, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>) : [];
};

/** The decision log entries of the world's repository, oldest first. */
export const decisions = (w: World): Array<Record<string, unknown>> => {
  const dir = join(w.repo, '.git', 'arbiter', 'log');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.ndjson'))
    .sort()
    .flatMap((f) => readFileSync(join(dir, f), 'utf8').split('\n').filter((l) => l !== ''))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
};

/** The commit id of `ref` in the bare remote. */
export const remoteHead = (w: World, ref = 'main'): string => git(w, w.remote, ['rev-parse', ref]).trim();

let BINS: Record<Client, string> | undefined;

const codexThreadId = (events: ReadonlyArray<Record<string, unknown>>): string => {
  const started = events.find((e) => e['type'] === 'thread.started');
  return typeof started?.['thread_id'] === 'string' ? started['thread_id'] : '';
};

/** The pinned `codex` binary (installs the clients on first use). */
export const codexBin = (): string => (BINS ??= clientBins()).codex;

/**
 * Codex's user configuration: the fake provider and model, the project trusted, no analytics or update checks.
 * Written once per world: a test may write it before a session (so `install --trust-codex-hooks` has a trusted
 * project), and what Codex then adds to it (hook trust) stays.
 */
export const writeCodexConfig = (w: World): void => {
  if (existsSync(join(w.codexHome, 'config.toml'))) return;
  const catalog = join(w.root, 'model-catalog.json');
  writeFileSync(catalog, JSON.stringify(fakeModelCatalog(), null, 2));
  const q = (s: string): string => JSON.stringify(s);
  const toml = [
    `model = ${q(FAKE_MODEL)}`,
    'model_provider = "fake"',
    `model_catalog_json = ${q(catalog)}`,
    'check_for_update_on_startup = false',
    '',
    '[model_providers.fake]',
    'name = "fake"',
    `base_url = "http://127.0.0.1:${PORT}/v1"`,
    'wire_api = "responses"',
    'env_key = "FAKE_OPENAI_KEY"',
    'request_max_retries = 0',
    'stream_max_retries = 0',
    '',
    '[analytics]',
    'enabled = false',
    '',
    `[projects.${q(w.repo)}]`,
    'trust_level = "trusted"',
    '',
  ].join('\n');
  const p = join(w.codexHome, 'config.toml');
  writeFileSync(p, toml);
};

/** A shell command as the client's model calls it: Claude's `Bash`, Codex's `exec_command`. */
export const shell = (client: Client, command: string, text?: string): Turn =>
  client === 'claude' ? tool('Bash', { command, description: 'run a command' }, text) : tool('exec_command', { cmd: command }, text);

/** Create a file: Claude's `Write`, Codex's freeform `apply_patch` (Add File). `rel` is relative to the repository. */
export const writeFile = (client: Client, w: World, rel: string, content: string): Turn =>
  client === 'claude'
    ? tool('Write', { file_path: join(w.repo, rel), content })
    : tool('apply_patch', `*** Begin Patch\n*** Add File: ${rel}\n${content.split('\n').filter((l) => l !== '').map((l) => `+${l}`).join('\n')}\n*** End Patch\n`);

/** Replace one line of a file: Claude's `Edit`, Codex's freeform `apply_patch` (Update File). */
export const editFile = (client: Client, w: World, rel: string, from: string, to: string): Turn =>
  client === 'claude'
    ? tool('Edit', { file_path: join(w.repo, rel), old_string: from, new_string: to })
    : tool('apply_patch', `*** Begin Patch\n*** Update File: ${rel}\n@@\n-${from}\n+${to}\n*** End Patch\n`);

/** Run an event hook as another session would have (stdin `payload`), e.g. to make that session hold the lock. */
export const hookAs = (w: World, client: Client, name: string, payload: Record<string, unknown>): { code: number; stdout: string } => {
  try {
    const stdout = execFileSync(process.execPath, [BIN, 'hook', name, '--agent', client], { cwd: w.repo, env: gitEnv(w), input: JSON.stringify(payload), encoding: 'utf8', timeout: 30_000 });
    return { code: 0, stdout };
  } catch (e) {
    const x = e as { status?: number; stdout?: string };
    return { code: x.status ?? -1, stdout: x.stdout ?? '' };
  }
};

/** The path of the world's `arbiter` shim: agent commands name it in full, since Codex's login shell rebuilds PATH. */
export const shimPath = (w: World): string => join(w.binDir, 'arbiter');

/** Both clients, for `describe.each`. */
export const CLIENTS: ReadonlyArray<Client> = ['claude', 'codex'];
