/** Shared helpers of the sentinel end-to-end tests: spawn the built binary asynchronously, make a git repository. */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const BIN = resolve(__dirname, '../../packages/hooks/dist/arbiter.cjs');

/** Fail loudly when the binary was not built (`npm run build`). */
export const requireBinary = (): void => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run npm run build first`);
};

export interface Ran {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Run `arbiter <args>` without blocking the event loop (an HTTP fixture in the same process must keep answering).
 * `timeoutMs` is a safety net only (the host's 30 s Stop timeout); a killed process shows as `signal`.
 */
export const arbiter = (args: ReadonlyArray<string>, o: { cwd: string; env: NodeJS.ProcessEnv; stdin?: string | Buffer; timeoutMs?: number; keepStdinOpen?: boolean }): Promise<Ran> =>
  new Promise((res) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: o.cwd, env: o.env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 30_000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      child.stdin.destroy();
      res({ code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
    child.stdin.on('error', () => undefined); // the hook may stop reading an oversized payload early
    if (o.keepStdinOpen === true) child.stdin.write(o.stdin ?? '');
    else child.stdin.end(o.stdin ?? '');
  });

/** A scratch directory with a git repository `repo/` (one commit) and an isolated environment. */
export const scratch = (): { dir: string; repo: string; env: NodeJS.ProcessEnv } => {
  const dir = mkdtempSync(join(tmpdir(), 'arbiter-e2e-'));
  const repo = join(dir, 'repo');
  mkdirSync(repo);
  mkdirSync(join(dir, 'home'));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'],
    HOME: join(dir, 'home'),
    ARBITER_STATE_DIR: join(dir, 'state'),
    ARBITER_NO_TMUX: '1',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_AUTHOR_NAME: 't',
    GIT_AUTHOR_EMAIL: 't@example.invalid',
    GIT_COMMITTER_NAME: 't',
    GIT_COMMITTER_EMAIL: 't@example.invalid',
  };
  const git = (...a: string[]) => execFileSync('git', a, { cwd: repo, env, stdio: 'ignore' });
  git('init', '-q', '-b', 'main');
  writeFileSync(join(repo, 'README.md'), '# r\n');
  git('add', '.');
  git('commit', '-q', '-m', 'init');
  return { dir, repo, env };
};

/** The repository runtime directory under `ARBITER_STATE_DIR/repos/<key>/` (there is exactly one repository). */
export const runtimeDir = (dir: string): string => {
  const repos = join(dir, 'state', 'repos');
  const keys = readdirSync(repos);
  return join(repos, keys[0] as string);
};

/** Every decision-log entry of the scratch repository, in order. */
export const logEntries = (dir: string): Array<Record<string, unknown>> => {
  const logDir = join(runtimeDir(dir), 'log');
  if (!existsSync(logDir)) return [];
  return readdirSync(logDir)
    .sort()
    .flatMap((f) => readFileSync(join(logDir, f), 'utf8').split('\n'))
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
};

/** The last decision-log entry of `policy` whose verdict is Allow/Block/Approve (not an audit line). */
export const lastVerdict = (dir: string, policy: string): Record<string, unknown> | undefined =>
  logEntries(dir)
    .filter((e) => e['policy'] === policy && ['Allow', 'Block', 'Approve'].includes(e['verdict'] as string))
    .pop();

/** Documented Claude Code Stop payload (code.claude.com/docs/en/hooks, "Stop input"). */
export const claudeStop = (o: { session_id: string; cwd: string; last_assistant_message?: string; stop_hook_active?: boolean }): string =>
  JSON.stringify({
    session_id: o.session_id,
    transcript_path: '/home/user/.claude/projects/p/00893aaf-19fa-41d2-8238-13269b9b3ca0.jsonl',
    cwd: o.cwd,
    permission_mode: 'default',
    hook_event_name: 'Stop',
    stop_hook_active: o.stop_hook_active ?? false,
    last_assistant_message: o.last_assistant_message ?? 'I have finished the change and the tests pass.',
  });

/** Documented Codex Stop payload (codex-rs/hooks/schema/generated/stop.command.input.schema.json). */
export const codexStop = (o: { session_id: string; cwd: string; last_assistant_message?: string | null; stop_hook_active?: boolean }): string =>
  JSON.stringify({
    session_id: o.session_id,
    transcript_path: null,
    cwd: o.cwd,
    hook_event_name: 'Stop',
    model: 'gpt-5-codex',
    permission_mode: 'default',
    turn_id: 'turn-7',
    stop_hook_active: o.stop_hook_active ?? false,
    last_assistant_message: o.last_assistant_message ?? 'Done: the change is in and the tests pass.',
  });
