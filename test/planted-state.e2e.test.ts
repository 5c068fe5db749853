/**
 * Planted state files (issue 12, "Hangs past the watchdog"; architecture.md "State files are opened without
 * blocking"; hooks.md §5 rule 5 and hooks.md §7 rule 6): a FIFO, a Unix socket, a directory and a symlink loop at
 * every state path a hook or verb touches, one at a time, with real processes of the built binary. Every hook and
 * verb must end by itself, within its watchdog, with its documented verdict: hooks exit 0 (fail-open) and print
 * nothing or one JSON object (context hooks: their text); verbs exit 0 or 1 with a message, never hang. Before
 * state-io.ts, a FIFO at `host.lock`, in `halts/`, at `audit.ndjson` or at the day's decision log hung these
 * processes until they were killed.
 *
 * Each case restores a warmed-up world (a clone with a bare remote, a claimed lane, a halt, a session lock, an
 * instance, a pending marker, a context cache and a decision log), plants one kind at one path and runs the commands
 * that read that path. Worlds run concurrently (a small pool), cases within a world one after the other.
 */
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { basename, dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveRepo, resolveStateDir } from '@arbiter/io-node';
import { BIN, cloneAheadOfRemote, git, requireBuilt, testEnv, tmp } from './helpers/bin.js';

type Kind = 'fifo' | 'socket' | 'directory' | 'symlink-loop';
const KINDS: ReadonlyArray<Kind> = ['fifo', 'socket', 'directory', 'symlink-loop'];

interface World {
  readonly root: string;
  readonly repo: string;
  readonly remote: string;
  readonly env: NodeJS.ProcessEnv;
  readonly stateDir: string;
  readonly runtimeDir: string;
  readonly head: string;
}

interface Ran {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/** Run the binary asynchronously; killed (and so reported with a signal) after `killMs`. */
const run = (args: ReadonlyArray<string>, o: { cwd: string; env: NodeJS.ProcessEnv; input?: string; killMs?: number }): Promise<Ran> =>
  new Promise((resolve, reject) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, [BIN, ...args], { cwd: o.cwd, env: o.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const killer = setTimeout(() => child.kill('SIGKILL'), o.killMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - t0 });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(o.input ?? '');
  });

const SESSION = 'sess-planted';
const claude = (w: World, event: string, extra: Record<string, unknown>): string =>
  JSON.stringify({ session_id: SESSION, transcript_path: null, cwd: w.repo, hook_event_name: event, ...extra });
const bash = (command: string) => ({ tool_name: 'Bash', tool_input: { command }, tool_use_id: 'toolu_1' });

/** One command under test: how to run it, its watchdog (ms from start) and the exit codes its documentation allows. */
interface Cmd {
  readonly args: ReadonlyArray<string>;
  readonly input?: (w: World) => string;
  readonly env?: NodeJS.ProcessEnv;
  readonly watchdogMs: number;
  /** Hooks: exit 0 and at most one JSON object on stdout (context hooks: any text). Verbs: exit 0 or 1. */
  readonly hook: boolean;
  readonly text?: boolean;
}

const VERB_BOUND_MS = 10_000;
const CMDS = {
  'pre-tool Edit': { args: ['hook', 'pre-tool', '--agent', 'claude'], input: (w) => claude(w, 'PreToolUse', { tool_name: 'Edit', tool_input: { file_path: join(w.repo, 'x') } }), watchdogMs: 1_500, hook: true },
  'pre-tool push': { args: ['hook', 'pre-tool', '--agent', 'claude'], input: (w) => claude(w, 'PreToolUse', bash('git push origin main')), watchdogMs: 4_000, hook: true },
  'post-tool push': { args: ['hook', 'post-tool', '--agent', 'claude'], input: (w) => claude(w, 'PostToolUse', { ...bash('git push origin main'), tool_response: { stdout: '', stderr: '', interrupted: false } }), watchdogMs: 8_000, hook: true },
  stop: { args: ['hook', 'stop', '--agent', 'claude'], input: (w) => claude(w, 'Stop', { stop_hook_active: false }), watchdogMs: 25_000, hook: true },
  'session-start': { args: ['hook', 'session-start', '--agent', 'claude'], input: (w) => claude(w, 'SessionStart', { source: 'startup' }), watchdogMs: 6_000, hook: true, text: true },
  prompt: { args: ['hook', 'prompt', '--agent', 'claude'], input: (w) => claude(w, 'UserPromptSubmit', { prompt: 'go on' }), watchdogMs: 6_000, hook: true, text: true },
  'pre-push': { args: ['hook', 'pre-push', 'origin', 'REMOTE'], input: (w) => `refs/heads/main ${w.head} refs/heads/main ${'0'.repeat(40)}\n`, watchdogMs: 4_000, hook: true },
  'gate-push (alias)': { args: ['hook', 'gate-push', '--agent', 'claude'], input: (w) => claude(w, 'PreToolUse', bash('git push origin main')), watchdogMs: 4_000, hook: true },
  'session-lock acquire (alias)': { args: ['hook', 'session-lock', 'acquire', '--agent', 'claude'], input: (w) => claude(w, 'PreToolUse', { tool_name: 'Write', tool_input: { file_path: join(w.repo, 'y') } }), watchdogMs: 1_500, hook: true },
  'context (alias)': { args: ['hook', 'context', '--agent', 'claude', '--event', 'user-prompt-submit'], input: (w) => claude(w, 'UserPromptSubmit', { prompt: 'x' }), watchdogMs: 6_000, hook: true, text: true },
  'lock status': { args: ['lock', 'status'], watchdogMs: VERB_BOUND_MS, hook: false },
  'lane status': { args: ['lane', 'status'], watchdogMs: VERB_BOUND_MS, hook: false },
  deploy: { args: ['deploy'], watchdogMs: VERB_BOUND_MS, hook: false },
  log: { args: ['log'], watchdogMs: VERB_BOUND_MS, hook: false },
  'commitments list': { args: ['commitments', 'list'], watchdogMs: VERB_BOUND_MS, hook: false },
  'gate status': { args: ['gate', 'status'], watchdogMs: VERB_BOUND_MS, hook: false },
  'build status': { args: ['build', 'status'], watchdogMs: VERB_BOUND_MS, hook: false },
  'breaker status': { args: ['breaker', 'status'], watchdogMs: VERB_BOUND_MS, hook: false },
} satisfies Record<string, Cmd>;
type CmdName = keyof typeof CMDS;

/**
 * Every state path (paths.ts, the stores, the decision log) and the hooks and verbs that read or write it: the ones
 * issue 12 found hanging, then at least one reader per path, and every hook and verb at least once overall.
 */
const TARGETS: ReadonlyArray<{ readonly name: string; readonly path: (w: World) => string; readonly cmds: ReadonlyArray<CmdName> }> = [
  { name: 'host.lock', path: (w) => join(w.runtimeDir, 'host.lock'), cmds: ['gate-push (alias)', 'session-lock acquire (alias)', 'context (alias)', 'lock status'] },
  { name: 'lanes/<newest generation>', path: (w) => newest(join(w.runtimeDir, 'lanes'), /\.json\.[1-9][0-9]*$/), cmds: ['pre-push', 'lane status'] },
  { name: 'lanes/', path: (w) => join(w.runtimeDir, 'lanes'), cmds: ['deploy'] },
  { name: 'halts/<halt>', path: (w) => newest(join(w.runtimeDir, 'halts'), /^[0-9a-f]{16}\.json$/), cmds: ['prompt', 'lane status'] },
  { name: 'halts/', path: (w) => join(w.runtimeDir, 'halts'), cmds: ['pre-tool push'] },
  { name: 'audit.ndjson', path: (w) => join(w.runtimeDir, 'audit.ndjson'), cmds: ['gate-push (alias)', 'deploy'] },
  { name: 'log/<today>', path: (w) => join(w.runtimeDir, 'log', `decisions-${new Date().toISOString().slice(0, 10)}.ndjson`), cmds: ['pre-tool Edit', 'log'] },
  { name: 'log/', path: (w) => join(w.runtimeDir, 'log'), cmds: ['log'] },
  { name: 'locks/<newest generation>', path: (w) => newest(join(w.stateDir, 'locks'), /^session-lock-[0-9a-f]{12}\.json\.[1-9][0-9]*$/), cmds: ['session-lock acquire (alias)'] },
  { name: 'locks/', path: (w) => join(w.stateDir, 'locks'), cmds: ['session-start'] },
  { name: 'commitments/commitments.json.1', path: (w) => join(w.runtimeDir, 'commitments', 'commitments.json.1'), cmds: ['post-tool push', 'commitments list'] },
  { name: 'commitments/', path: (w) => join(w.runtimeDir, 'commitments'), cmds: ['stop'] },
  { name: 'build-state.json', path: (w) => join(w.runtimeDir, 'build-state.json'), cmds: ['build status'] },
  { name: 'stop-gate.json', path: (w) => join(w.runtimeDir, 'stop-gate.json'), cmds: ['gate status'] },
  { name: 'stop-gate-continues.json', path: (w) => join(w.runtimeDir, 'stop-gate-continues.json'), cmds: ['stop'] },
  { name: 'breaker/book.json.1', path: (w) => join(w.runtimeDir, 'breaker', 'book.json.1'), cmds: ['breaker status'] },
  { name: 'instances/<repo>/<session>', path: (w) => newest(join(w.stateDir, 'instances'), /\.json$/), cmds: ['prompt'] },
  { name: 'pending/<marker>', path: (w) => newest(join(w.stateDir, 'pending'), /\.json$/), cmds: ['post-tool push'] },
  { name: 'cache/<context>', path: (w) => newest(join(w.stateDir, 'cache'), /\.json$/), cmds: ['prompt'] },
  // the session registry every event writes at exit (presence.md §5): a planted record or directory never hangs it
  { name: 'sessions/<session>', path: (w) => newest(join(w.runtimeDir, 'sessions'), /^(?:u(?:[0-9a-f]{4})+|h[0-9a-f]{64})\.json$/), cmds: ['prompt', 'pre-tool Edit'] },
  { name: 'sessions/', path: (w) => join(w.runtimeDir, 'sessions'), cmds: ['stop', 'session-start'] },
  { name: '.arbiter/config.json', path: (w) => join(w.repo, '.arbiter', 'config.json'), cmds: ['pre-tool Edit', 'lock status'] },
];

/** The newest file under `dir` (searched one level of subdirectories deep) whose name matches `re`. */
const newest = (dir: string, re: RegExp): string => {
  const found: string[] = [];
  for (const n of readdirSync(dir, { withFileTypes: true })) {
    if (n.isDirectory()) {
      for (const m of readdirSync(join(dir, n.name))) if (re.test(m)) found.push(join(dir, n.name, m));
    }    else if (re.test(n.name)) found.push(join(dir, n.name));
  }
  const gen = (p: string): number => Number(/\.(\d+)$/.exec(p)?.[1] ?? 0);
  const last = found.sort((a, b) => gen(a) - gen(b)).at(-1);
  if (last === undefined) throw new Error(`warm-up left nothing matching ${re} in ${dir}`);
  return last;
};

/** Replace whatever is at `path` by a `kind`. A socket is bound at a short path and renamed in (sun_path is short). */
const plant = async (path: string, kind: Kind, shortDir: string): Promise<void> => {
  rmSync(path, { recursive: true, force: true });
  mkdirSync(dirname(path), { recursive: true });
  switch (kind) {
    case 'fifo':
      execFileSync('mkfifo', [path]);
      return;
    case 'directory':
      mkdirSync(path);
      return;
    case 'symlink-loop':
      symlinkSync(basename(path), path); // a link to itself: ELOOP
      return;
    case 'socket': {
      const short = join(shortDir, 's');
      rmSync(short, { force: true });
      const server = createServer();
      await new Promise<void>((res, rej) => server.once('error', rej).listen(short, () => res()));
      renameSync(short, path);
      await new Promise<void>((res) => server.close(() => res())); // the renamed socket file stays
      return;
    }
  }
};

/** A clone with a bare remote, installed, with every state file created by real hook and verb runs. */
const warmWorld = async (root: string): Promise<World> => {
  mkdirSync(root, { recursive: true });
  const stateDir = join(root, 'state');
  const env = testEnv(stateDir, { HOME: join(root, 'home'), TZ: 'UTC' });
  delete env['ARBITER_SESSION'];
  delete env['ARBITER_BREAK_GLASS'];
  delete env['NODE_OPTIONS'];
  const { remote, repo } = cloneAheadOfRemote(root, env);
  const r = resolveRepo(repo, env);
  if (r === null) throw new Error('no repository');
  const w: World = { root, repo, remote, env, stateDir: resolveStateDir(env), runtimeDir: r.runtimeDir, head: git(repo, ['rev-parse', 'HEAD'], env).trim() };
  const must = async (args: ReadonlyArray<string>, input?: string, extra: NodeJS.ProcessEnv = {}): Promise<void> => {
    const x = await run(args, { cwd: repo, env: { ...env, ...extra }, ...(input === undefined ? {} : { input }) });
    if (x.code !== 0) throw new Error(`warm-up ${args.join(' ')}: ${x.code} ${x.stderr}`);
  };
  await must(['install']);
  await must(CMDS['pre-tool Edit'].args, CMDS['pre-tool Edit'].input(w)); // session lock, host.lock, decision log
  // lane claim, audit, instance, pending marker (retried: on a loaded machine the gate may meet its watchdog first)
  for (let i = 0; i < 3 && !existsSync(join(w.stateDir, 'pending')); i++) await must(CMDS['gate-push (alias)'].args, CMDS['gate-push (alias)'].input(w));
  await must(CMDS.prompt.args, CMDS.prompt.input(w)); // context cache
  await must(['lane', 'halt', '--session', 'sess-other', '--reason', 'planted-state test'], undefined, { ARBITER_SESSION: 'sess-halter' }); // halts/
  for (const t of TARGETS) t.path(w); // every discovered path exists
  cpSync(join(root, 'state'), join(root, 'snap-state'), { recursive: true, verbatimSymlinks: true });
  cpSync(join(repo, '.arbiter'), join(root, 'snap-arbiter'), { recursive: true });
  return w;
};

const restore = (w: World): void => {
  rmSync(join(w.root, 'state'), { recursive: true, force: true });
  cpSync(join(w.root, 'snap-state'), join(w.root, 'state'), { recursive: true, verbatimSymlinks: true });
  rmSync(join(w.repo, '.arbiter'), { recursive: true, force: true });
  cpSync(join(w.root, 'snap-arbiter'), join(w.repo, '.arbiter'), { recursive: true });
};

/** Slack over a watchdog for process start-up on a loaded two-core machine, ms. */
const SLACK_MS = 3_000;

/** What is wrong with one run, or null. */
const problem = (name: CmdName, r: Ran): string | null => {
  const c: Cmd = CMDS[name];
  if (r.signal !== null) return `ended by ${r.signal} after ${r.ms} ms (hung or killed by the backstop)`;
  if (r.ms > c.watchdogMs + SLACK_MS) return `took ${r.ms} ms (watchdog ${c.watchdogMs} ms)`;
  if (c.hook) {
    if (r.code !== 0) return `exit ${r.code} (hooks fail open: 0): ${r.stderr.slice(0, 300)}`;
    const out = r.stdout.trim();
    if (out !== '' && c.text !== true) {
      try {
        JSON.parse(out);
      } catch {
        return `stdout is not one JSON object: ${out.slice(0, 200)}`;
      }
    }
    return null;
  }
  if (r.code !== 0 && r.code !== 1) return `exit ${r.code} (verbs: 0 or 1): ${r.stderr.slice(0, 300)}`;
  return null;
};

describe('a FIFO, socket, directory or symlink loop at any state path never hangs a hook or verb', () => {
  beforeAll(() => requireBuilt());

  it('every hook and verb ends within its watchdog with its documented verdict', async () => {
    const POOL = 3;
    const base = tmp('arbiter-planted-');
    const worlds: World[] = [];
    for (let i = 0; i < POOL; i++) worlds.push(await warmWorld(join(base, `w${i}`))); // one at a time: the gate has a 4 s watchdog
    const cases = TARGETS.flatMap((t) => KINDS.map((k) => ({ t, k })));
    const failures: string[] = [];
    const special: string[] = [];
    let next = 0;
    await Promise.all(
      worlds.map(async (w, i) => {
        const shortDir = tmp(`ap${i}-`);
        for (;;) {
          const c = cases[next++];
          if (c === undefined) return;
          restore(w);
          const path = c.t.path(w);
          await plant(path, c.k, shortDir);
          for (const name of c.t.cmds) {
            const cmd: Cmd = CMDS[name];
            const args = cmd.args.map((a) => (a === 'REMOTE' ? w.remote : a));
            const r = await run(args, { cwd: w.repo, env: { ...w.env, ARBITER_SESSION: SESSION }, ...(cmd.input === undefined ? {} : { input: cmd.input(w) }) });
            const p = problem(name, r);
            if (p !== null) failures.push(`${c.k} at ${c.t.name}: ${name}: ${p}`);
            // the documented verdicts where the planted name is the one deciding
            if (c.t.name === 'host.lock' && name === 'lock status' && !(r.code === 1 && /disabled \(error\)/.test(r.stdout)))
              special.push(`${c.k} at host.lock: lock status must report the guard disabled (error) and exit 1: ${r.code} ${r.stdout}`);
            if (c.t.name === 'host.lock' && name === 'gate-push (alias)' && !/systemMessage/.test(r.stdout))
              special.push(`${c.k} at host.lock: the gate must allow loudly (state guard disabled): ${r.stdout}`);
            if (c.t.name === '.arbiter/config.json' && name === 'lock status' && r.code !== 0)
              special.push(`${c.k} at config.json: an unreadable configuration leaves the guard enabled: ${r.code} ${r.stdout}`);
          }
        }
      }),
    );
    expect(failures).toEqual([]);
    expect(special).toEqual([]);
    rmSync(base, { recursive: true, force: true });
  }, 600_000);
});
