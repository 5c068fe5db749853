/**
 * Shared demo scaffolding: a temporary directory, an isolated `ARBITER_STATE_DIR`, narration, and helpers to run
 * the real `arbiter` binary and real git (execFileSync with argument arrays, never a shell).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { paintFor } from '../cli/colour.js';

const pc = paintFor(process.stdout);

/** Result of running a command. */
export interface Ran {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** What every demo section receives. */
export interface DemoContext {
  /** Absolute path of the built `arbiter.cjs`. */
  readonly bin: string;
  /** Scratch directory of this demo run. */
  readonly tmp: string;
  /** Environment for every child (isolated state directory, deterministic git identity). */
  readonly env: NodeJS.ProcessEnv;
  readonly heading: (text: string) => void;
  readonly say: (text: string) => void;
  /** Print a verdict line: what was asked and what Arbiter answered. */
  readonly verdict: (label: string, r: Ran) => void;
  /** Run `arbiter <args>` with `stdin` in `cwd`. */
  readonly arbiter: (args: ReadonlyArray<string>, opts?: { stdin?: string; cwd?: string; env?: NodeJS.ProcessEnv }) => Ran;
  /** Run git with argument array in `cwd`; throws on failure (demo set-up must not silently fail). */
  readonly git: (cwd: string, args: ReadonlyArray<string>, env?: NodeJS.ProcessEnv) => string;
  /** Create a git repository with one commit at `dir`. */
  readonly makeRepo: (dir: string) => string;
}

/** Build the demo context. */
export const demoContext = (bin: string, tmp: string): DemoContext => {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ARBITER_STATE_DIR: join(tmp, 'state'),
    GIT_AUTHOR_NAME: 'Demo',
    GIT_AUTHOR_EMAIL: 'demo@example.invalid',
    GIT_COMMITTER_NAME: 'Demo',
    GIT_COMMITTER_EMAIL: 'demo@example.invalid',
    GIT_CONFIG_NOSYSTEM: '1',
    HOME: join(tmp, 'home'),
  };
  mkdirSync(join(tmp, 'home'), { recursive: true });
  const git = (cwd: string, args: ReadonlyArray<string>, extra: NodeJS.ProcessEnv = {}): string =>
    execFileSync('git', [...args], { cwd, env: { ...env, ...extra }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return {
    bin,
    tmp,
    env,
    heading: (t) => process.stdout.write(`\n${pc.bold(pc.cyan(`== ${t}`))}\n`),
    say: (t) => process.stdout.write(`   ${t}\n`),
    verdict: (label, r) => {
      const shown = (r.stderr.trim() || r.stdout.trim() || '(silent)').split('\n')[0] ?? '';
      const tag = r.code === 0 ? pc.green(`exit ${r.code}`) : pc.red(`exit ${r.code}`);
      process.stdout.write(`   ${pc.bold(label)} → ${tag}  ${shown}\n`);
    },
    arbiter: (args, o = {}) => {
      const r = spawnSync(process.execPath, [bin, ...args], {
        cwd: o.cwd ?? tmp,
        env: { ...env, ...(o.env ?? {}) },
        input: o.stdin ?? '',
        encoding: 'utf8',
        timeout: 20_000,
      });
      return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
    },
    git,
    makeRepo: (dir) => {
      mkdirSync(dir, { recursive: true });
      git(dir, ['init', '-q', '-b', 'main']);
      writeFileSync(join(dir, 'README.md'), '# demo\n');
      git(dir, ['add', 'README.md']);
      git(dir, ['commit', '-q', '-m', 'initial commit']);
      return dir;
    },
  };
};
