/**
 * `openRuntimeGuard` / `requireWritableRuntime` (packages/hooks/src/state-lock-guard.ts): the per-entry-point guard of
 * the repository runtime directory on a real git repository with an isolated ARBITER_STATE_DIR (state-lock.md
 * hooks.md §7 rule 5, state-lock.md §8): quiet and enabled on the common path, loud (stderr) and write-free when disabled.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { readDecisions, resolveRepo } from '@arbiter/io-node';
import { openRuntimeGuard, requireWritableRuntime } from '../packages/hooks/src/state-lock-guard.js';

const root = mkdtempSync(join(tmpdir(), 'arbiter-guard-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const env = { ARBITER_STATE_DIR: join(root, 'state') };
const repoAt = (name: string) => {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: dir, env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: root } });
  return dir;
};
const captureStderr = () => {
  const lines: string[] = [];
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation(((s: string) => (lines.push(String(s)), true)) as typeof process.stderr.write);
  return { lines, restore: () => spy.mockRestore() };
};

describe('openRuntimeGuard', () => {
  it('outside a repository there is nothing to guard (null)', async () => {
    const plain = join(root, 'plain');
    mkdirSync(plain, { recursive: true });
    expect(await openRuntimeGuard(plain, env, 'agent:claude')).toBeNull();
  });

  it('first call acquires (logged), later calls share quietly (not logged); nothing on stderr', async () => {
    const repo = repoAt('a');
    const err = captureStderr();
    try {
      const g1 = await openRuntimeGuard(repo, env, 'agent:claude');
      const g2 = await openRuntimeGuard(repo, env, 'agent:codex');
      expect(g1?.status.code).toBe('acquired');
      expect(g2?.status.code).toBe('host-shared');
      await g1?.release();
      await g2?.release();
    } finally {
      err.restore();
    }
    expect(err.lines).toEqual([]);
    const runtime = resolveRepo(repo, env)!.runtimeDir;
    expect(existsSync(join(runtime, 'host.lock'))).toBe(true);
    const entries = readDecisions(join(runtime, 'log'), { policy: 'state-lock' });
    expect(entries.map((e) => [e.mode, e.verdict, e.reasons[0]])).toEqual([['agent:claude', 'Enabled', 'acquired']]);
  });

  it('a foreign lock: disabled, the warning line on stderr, the lock and the directory untouched', async () => {
    const repo = repoAt('b');
    const runtime = resolveRepo(repo, env)!.runtimeDir;
    mkdirSync(runtime, { recursive: true });
    const body = JSON.stringify({ pid: 7, hostname: 'elsewhere' });
    writeFileSync(join(runtime, 'host.lock'), body);
    const err = captureStderr();
    let g;
    try {
      g = await openRuntimeGuard(repo, env, 'agent:claude');
    } finally {
      err.restore();
    }
    expect(g?.status).toMatchObject({ enabled: false, code: 'foreign-host' });
    expect(err.lines.length).toBe(1);
    expect(err.lines[0]).toMatch(/^arbiter: state directory .* is read-only for Arbiter \(foreign-host\)\. Arbiter state lock disabled: /);
    expect(readFileSync(join(runtime, 'host.lock'), 'utf8')).toBe(body);
    expect(readdirSync(runtime)).toEqual(['host.lock']);
  });

  it('requireWritableRuntime exits 1 when disabled and returns the guard when enabled', async () => {
    const repo = repoAt('c');
    const ok = await requireWritableRuntime(repo, env);
    expect(ok?.status.enabled).toBe(true);
    const runtime = resolveRepo(repo, env)!.runtimeDir;
    writeFileSync(join(runtime, 'host.lock'), JSON.stringify({ pid: 7, hostname: 'elsewhere' }));
    const exit = vi.spyOn(process, 'exit').mockImplementation(((code?: number) => {
      throw new Error(`exit ${code}`);
    }) as typeof process.exit);
    const err = captureStderr();
    try {
      await expect(requireWritableRuntime(repo, env)).rejects.toThrow('exit 1');
    } finally {
      err.restore();
      exit.mockRestore();
    }
    expect(err.lines.join('')).toContain('(foreign-host)');
  });
});
