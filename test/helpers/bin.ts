/**
 * Helpers for end-to-end tests: run the built `arbiter` binary (packages/hooks/dist/arbiter.cjs, built by
 * `npm test` before vitest) and make real git repositories. Argument arrays only, never a shell.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Absolute path of the built binary. */
export const BIN = join(__dirname, '..', '..', 'packages', 'hooks', 'dist', 'arbiter.cjs');

/** Fail loudly when the binary was not built (never skip: a skipped e2e test is a defect). */
export const requireBuilt = (): void => {
  if (!existsSync(BIN)) throw new Error(`missing ${BIN}: run \`npm run build\` first (npm test does)`);
};

/** A fresh temporary directory. */
export const tmp = (prefix = 'arbiter-test-'): string => mkdtempSync(join(tmpdir(), prefix));

/** Result of one run. `ms` is wall time. */
export interface RunResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/**
 * Environment for a test child: isolated state, no CA bundle (start-up noise), deterministic git identity, and no
 * inherited FORCE_COLOR (tests read plain text; a test that wants colour passes it in `extra`).
 */
export const testEnv = (stateDir: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => {
  const { FORCE_COLOR: _inheritedForceColour, ...inherited } = process.env;
  const env: NodeJS.ProcessEnv = {
    ...inherited,
    ARBITER_STATE_DIR: stateDir,
    GIT_AUTHOR_NAME: 'Test',
    GIT_AUTHOR_EMAIL: 'test@example.invalid',
    GIT_COMMITTER_NAME: 'Test',
    GIT_COMMITTER_EMAIL: 'test@example.invalid',
    GIT_CONFIG_NOSYSTEM: '1',
    ...extra,
  };
  delete env['NODE_EXTRA_CA_CERTS'];
  // a test run inside an agent must not inherit that agent's session (push-gate.md §4: these name the git layer's session)
  for (const k of ['CODEX_THREAD_ID', 'ARBITER_SESSION', 'ARBITER_SESSION_ID', 'CLAUDE_CODE_SESSION_ID']) if (!(k in extra)) delete env[k];
  return env;
};

/** Run `arbiter <args>` synchronously with `input` on stdin. */
export const runBin = (args: ReadonlyArray<string>, o: { input?: string | Buffer; env: NodeJS.ProcessEnv; cwd?: string; timeout?: number }): RunResult => {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [BIN, ...args], { input: o.input ?? '', env: o.env, cwd: o.cwd, encoding: 'utf8', timeout: o.timeout ?? 15_000, maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status, signal: r.signal, stdout: r.stdout ?? '', stderr: r.stderr ?? '', ms: Date.now() - t0 };
};

/** Run `arbiter <args>` asynchronously (for concurrency tests). */
export const runBinAsync = (args: ReadonlyArray<string>, o: { input?: string; env: NodeJS.ProcessEnv; cwd?: string }): Promise<RunResult> =>
  new Promise((resolve, reject) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, [BIN, ...args], { env: o.env, cwd: o.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr, ms: Date.now() - t0 }));
    child.stdin.on('error', () => undefined);
    child.stdin.end(o.input ?? '');
  });

/** `git <args>` in `cwd`, throwing on failure. */
export const git = (cwd: string, args: ReadonlyArray<string>, env?: NodeJS.ProcessEnv): string =>
  execFileSync('git', [...args], { cwd, env: env ?? testEnv('/nonexistent'), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/** Create a git repository with one commit on `main` at `dir`. */
export const makeRepo = (dir: string): string => {
  mkdirSync(dir, { recursive: true });
  git(dir, ['init', '-q', '-b', 'main']);
  writeFileSync(join(dir, 'README.md'), '# test\n');
  git(dir, ['add', 'README.md']);
  git(dir, ['commit', '-q', '-m', 'initial']);
  return dir;
};

/**
 * Environment of an end-to-end world under `root`: its own `HOME` (`root/home`, so no user git config leaks in), no
 * system git config, a fixed git identity (`T <t@example.invalid>`), and none of Arbiter's session, break-glass,
 * token or host overrides from the calling shell; `extra` is applied last (an `undefined` value removes the key).
 */
export const worldEnv = (root: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: join(root, 'home'),
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_AUTHOR_NAME: 'T',
    GIT_AUTHOR_EMAIL: 't@example.invalid',
    GIT_COMMITTER_NAME: 'T',
    GIT_COMMITTER_EMAIL: 't@example.invalid',
  };
  for (const k of ['ARBITER_SESSION', 'ARBITER_BREAK_GLASS', 'ARBITER_TOKEN', 'ARBITER_HOST', 'CODEX_THREAD_ID', 'ARBITER_SESSION_ID', 'CLAUDE_CODE_SESSION_ID']) delete env[k];
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
};

/**
 * A bare `root/remote.git` on `main` and its clone `root/repo` with one pushed commit and one local commit ahead of
 * it (a push from `repo` is a fast-forward of `main`). Returns both paths.
 */
export const cloneAheadOfRemote = (root: string, env: NodeJS.ProcessEnv): { readonly remote: string; readonly repo: string } => {
  const remote = join(root, 'remote.git');
  git(root, ['init', '-q', '--bare', '-b', 'main', remote], env);
  const repo = join(root, 'repo');
  git(root, ['clone', '-q', remote, repo], env);
  git(repo, ['commit', '-q', '--allow-empty', '-m', 'init'], env);
  git(repo, ['push', '-q', 'origin', 'main'], env);
  git(repo, ['commit', '-q', '--allow-empty', '-m', 'ahead'], env);
  return { remote, repo };
};

/**
 * Start the built `arbiter serve …args` (which must listen on 127.0.0.1) and resolve once its stderr says where it
 * listens: the child, its base URL and port. Rejects with the server's stderr when it exits first or has not
 * started within 15 s.
 */
export const startServe = (args: ReadonlyArray<string>, opts: { readonly cwd?: string; readonly env: NodeJS.ProcessEnv }): Promise<{ child: ChildProcess; url: string; port: number }> =>
  new Promise((res, rej) => {
    const child = spawn(process.execPath, [BIN, 'serve', ...args], { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    const t = setTimeout(() => rej(new Error(`serve did not start: ${err}`)), 15_000);
    child.stderr?.on('data', (d: Buffer) => {
      err += d.toString('utf8');
      const m = /listening on (http:\/\/127\.0\.0\.1:(\d+))/.exec(err);
      if (m) {
        clearTimeout(t);
        res({ child, url: m[1] as string, port: Number(m[2]) });
      }
    });
    child.on('exit', () => {
      clearTimeout(t);
      rej(new Error(`serve exited: ${err}`));
    });
  });

/** Stop a child started by {@link startServe} (SIGTERM) and wait for it to exit; nothing when it has exited already. */
export const stopChild = async (child: ChildProcess | null | undefined): Promise<void> => {
  if (child === null || child === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const done = new Promise((r) => child.on('exit', r));
  child.kill('SIGTERM');
  await done;
};

/** Run `node script ...args` (a child bundled by a multi-process test) and collect its exit code and output. */
export const runNodeScript = (script: string, args: ReadonlyArray<string>): Promise<{ code: number | null; stdout: string; stderr: string }> =>
  new Promise((res) => {
    const p = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('close', (code) => res({ code, stdout, stderr }));
  });
