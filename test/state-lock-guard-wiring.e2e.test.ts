/**
 * Every Arbiter hook and writing verb guards the repository's runtime state directory (state-lock.md §8, issue 4
 * item 4): with a lock written by another host, hooks still answer (fail-open) but write nothing into the
 * directory, and writing verbs die loud with exit 1. The lock file and the directory stay exactly as they were.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveRepo } from '@arbiter/io-node';
import { makeRepo, requireBuilt, runBin, testEnv, tmp } from './helpers/bin.js';

const foreignWorld = () => {
  const root = tmp('arbiter-guard-');
  const env = testEnv(join(root, 'state'));
  const repo = makeRepo(join(root, 'repo'));
  const runtime = resolveRepo(repo, env)?.runtimeDir as string;
  mkdirSync(runtime, { recursive: true });
  const body = JSON.stringify({ pid: 7, hostname: 'another-machine' });
  writeFileSync(join(runtime, 'host.lock'), body);
  return { repo, env, runtime, body };
};

const pre = (session: string, cwd: string, tool: string, input: Record<string, unknown>) =>
  JSON.stringify({ session_id: session, cwd, hook_event_name: 'PreToolUse', tool_name: tool, tool_input: input, tool_use_id: 'toolu_1' });

describe('state-directory guard wiring', () => {
  beforeAll(() => requireBuilt());

  it('session-lock still decides (the lock is per-user state) but writes no log into a foreign-held runtime dir; stderr stays exact', () => {
    const w = foreignWorld();
    const a = runBin(['hook', 'session-lock', 'acquire', '--agent', 'claude'], { input: pre('A', w.repo, 'Edit', {}), env: w.env, cwd: w.repo });
    expect(a).toMatchObject({ code: 0, stdout: '', stderr: '' });
    const b = runBin(['hook', 'session-lock', 'acquire', '--agent', 'claude'], { input: pre('B', w.repo, 'Edit', {}), env: w.env, cwd: w.repo });
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/^parallel session lock held by A \(pid \d+\) — wait or close that session first\n$/);
    expect(readdirSync(w.runtime)).toEqual(['host.lock']);
    expect(readFileSync(join(w.runtime, 'host.lock'), 'utf8')).toBe(w.body);
  });

  it('gate-push and pre-push allow loudly with the guard template and touch no lane', () => {
    const w = foreignWorld();
    mkdirSync(join(w.repo, '.arbiter'), { recursive: true });
    writeFileSync(join(w.repo, '.arbiter', 'config.json'), JSON.stringify({ version: 1 }));
    const g = runBin(['hook', 'gate-push', '--agent', 'claude'], { input: pre('A', w.repo, 'Bash', { command: 'git push origin main' }), env: w.env, cwd: w.repo });
    expect(g.code).toBe(0);
    expect(g.stdout + g.stderr).toContain("Arbiter's state directory is read-only");
    const p = runBin(['hook', 'pre-push', 'origin', 'file:///nowhere'], { input: `refs/heads/main ${'1'.repeat(40)} refs/heads/main ${'0'.repeat(40)}\n`, env: w.env, cwd: w.repo });
    expect(p.code).toBe(0);
    expect(p.stderr).toContain("Arbiter's state directory is read-only");
    expect(readdirSync(w.runtime)).toEqual(['host.lock']);
    expect(readFileSync(join(w.runtime, 'host.lock'), 'utf8')).toBe(w.body);
  });

  it('the context block says the state directory cannot be written', () => {
    const w = foreignWorld();
    mkdirSync(join(w.repo, '.arbiter'), { recursive: true });
    writeFileSync(join(w.repo, '.arbiter', 'config.json'), JSON.stringify({ version: 1 }));
    const payload = JSON.stringify({ session_id: 'ctx-1', cwd: w.repo, hook_event_name: 'SessionStart', source: 'startup' });
    const r = runBin(['hook', 'context', '--agent', 'claude', '--event', 'session-start'], { input: payload, env: w.env, cwd: w.repo });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Arbiter warning: its state directory cannot be written');
    expect(readFileSync(join(w.runtime, 'host.lock'), 'utf8')).toBe(w.body);
  });

  it('writing verbs exit 1 with the warning on stderr; nothing is written', () => {
    const w = foreignWorld();
    for (const args of [['lane', 'claim', 'main'], ['breaker', 'record', '--agent', 'dev', '--outcome', 'failure', '--task', 't1'], ['deploy', '--lane', 'main']]) {
      const r = runBin(args, { env: w.env, cwd: w.repo });
      expect({ args, code: r.code }).toEqual({ args, code: 1 });
      expect(r.stderr).toContain('read-only for Arbiter (foreign-host)');
    }
    expect(readdirSync(w.runtime)).toEqual(['host.lock']);
    expect(readFileSync(join(w.runtime, 'host.lock'), 'utf8')).toBe(w.body);
  });
});
