/**
 * Events as the real clients send them (issue 10; host-protocols.md C7), against the built binary on a real
 * repository: Claude Code's PostToolUseFailure (a failed call goes there, not to PostToolUse) refreshes the session
 * lock and releases the lanes a failed push claimed; Codex's shell tool arrives as `Bash` and goes through both the
 * session lock and the push gate; and the bad input a client can send (an unknown event, a newer client's extra
 * fields, a truncated or oversized payload, stdin kept open) ends in a fail-open answer within the watchdog.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readDecisions, resolveRepo } from '@arbiter/io-node';
import { pushGate as PG } from '@arbiter/kernel';
import { BIN, makeRepo, requireBuilt, runBin, testEnv, tmp } from './helpers/bin.js';

const world = () => {
  const root = tmp('arbiter-client-events-');
  const env = testEnv(join(root, 'state'));
  const repo = makeRepo(join(root, 'repo'));
  mkdirSync(join(repo, '.arbiter'));
  const lanes = join(root, 'lanes');
  writeFileSync(join(repo, '.arbiter', 'config.json'), JSON.stringify({ version: 1, lanes: { store: { kind: 'embedded', dir: lanes } } }));
  const runtime = resolveRepo(repo, env)!.runtimeDir;
  return { env, repo, logDir: join(runtime, 'log'), lanes };
};

const payload = (session: string, cwd: string, event: string, tool: string, input: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ session_id: session, cwd, hook_event_name: event, tool_name: tool, tool_input: input, ...extra });

describe('Claude Code PostToolUseFailure', () => {
  beforeAll(() => requireBuilt());

  it('a failed Edit refreshes the session lock; a failed push releases the lane its PreToolUse claimed', () => {
    const w = world();
    expect(runBin(['hook', 'pre-tool', '--agent', 'claude'], { input: payload('s1', w.repo, 'PreToolUse', 'Edit', { file_path: join(w.repo, 'x') }), env: w.env, cwd: w.repo })).toMatchObject({ code: 0, stdout: '' });
    const failedEdit = runBin(['hook', 'post-tool-failure', '--agent', 'claude'], {
      input: payload('s1', w.repo, 'PostToolUseFailure', 'Edit', { file_path: join(w.repo, 'x') }, { error: 'String to replace not found', tool_use_id: 'toolu_e' }),
      env: w.env,
      cwd: w.repo,
    });
    expect(failedEdit).toMatchObject({ code: 0, stdout: '', stderr: '' });
    expect(readDecisions(w.logDir, { policy: 'session-lock' }).map((e) => e.verdict)).toContain('Refreshed');
    // a push: PreToolUse claims the lane; the push fails; PostToolUseFailure releases it
    const push = { command: 'git push origin main' };
    expect(runBin(['hook', 'pre-tool', '--agent', 'claude'], { input: payload('s1', w.repo, 'PreToolUse', 'Bash', push, { tool_use_id: 'toolu_p' }), env: w.env, cwd: w.repo })).toMatchObject({ code: 0, stdout: '' });
    const audit = (): string[] => readFileSync(join(w.lanes, 'audit.ndjson'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { kind: string }).kind);
    expect(audit()).toEqual(['claim']);
    const failed = runBin(['hook', 'post-tool-failure', '--agent', 'claude'], {
      input: payload('s1', w.repo, 'PostToolUseFailure', 'Bash', push, { tool_use_id: 'toolu_p', error: 'Exit code 1\nfatal: could not read Username', is_interrupt: false }),
      env: w.env,
      cwd: w.repo,
    });
    expect(failed).toMatchObject({ code: 0, stdout: '', stderr: '' });
    expect(audit()).toEqual(['claim', 'release']);
  });
});

describe('Codex shell calls arrive as Bash', () => {
  beforeAll(() => requireBuilt());

  it('the session lock and the push gate both run for tool_name "Bash" (exec_command), apply_patch takes the lock only', () => {
    const w = world();
    const bash = runBin(['hook', 'pre-tool', '--agent', 'codex'], { input: payload('thr-1', w.repo, 'PreToolUse', 'Bash', { command: 'git push origin main' }, { turn_id: 't', model: 'gpt-5' }), env: w.env, cwd: w.repo });
    expect(bash).toMatchObject({ code: 0, stdout: '', stderr: '' });
    expect(readDecisions(w.logDir, { policy: 'push-gate' }).map((e) => e.verdict)).toEqual(['Allow']);
    expect(readDecisions(w.logDir, { policy: 'session-lock' }).map((e) => e.facts['tool_name'])).toEqual(['Bash']);
    const patch = runBin(['hook', 'pre-tool', '--agent', 'codex'], { input: payload('thr-1', w.repo, 'PreToolUse', 'apply_patch', { command: '*** Begin Patch\n*** End Patch\n' }), env: w.env, cwd: w.repo });
    expect(patch).toMatchObject({ code: 0, stdout: '', stderr: '' });
    expect(readDecisions(w.logDir, { policy: 'session-lock' }).map((e) => e.facts['tool_name'])).toEqual(['Bash', 'apply_patch']);
    expect(readDecisions(w.logDir, { policy: 'push-gate' })).toHaveLength(1);
  });
});

describe('bad input from a client answers within the watchdog and fails open', () => {
  beforeAll(() => requireBuilt());

  it('an unknown event name exits 0 with one stderr line; a newer client\'s extra fields change nothing', () => {
    const w = world();
    for (const agent of ['claude', 'codex']) {
      expect(runBin(['hook', 'post-compact', '--agent', agent], { input: '{}', env: w.env, cwd: w.repo })).toMatchObject({ code: 0, stdout: '', stderr: 'arbiter: hook "post-compact" is unknown (allowed)\n' });
    }
    const plain = payload('s-x', w.repo, 'PreToolUse', 'Bash', { command: 'npm test' });
    const newer = payload('s-x', w.repo, 'PreToolUse', 'Bash', { command: 'npm test', timeout: 5, sandbox: { network: false } }, { prompt_id: 'p', effort: 'high', future_field: { nested: [1, 2] }, agent_id: 'a' });
    for (const agent of ['claude', 'codex']) {
      const a = runBin(['hook', 'pre-tool', '--agent', agent], { input: plain, env: w.env, cwd: w.repo });
      const b = runBin(['hook', 'pre-tool', '--agent', agent], { input: newer, env: w.env, cwd: w.repo });
      expect(b).toMatchObject({ code: a.code, stdout: a.stdout, stderr: a.stderr });
    }
  });

  it('truncated, oversized and never-closed stdin: every event exits 0 within its watchdog, Codex answers stay valid', async () => {
    const w = world();
    const run = (args: string[], input: string, keepOpen: boolean): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; ms: number }> =>
      new Promise((resolve) => {
        const t0 = Date.now();
        const c = spawn(process.execPath, [BIN, ...args], { cwd: w.repo, env: w.env });
        let stdout = '';
        let stderr = '';
        c.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
        c.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
        c.on('close', (code, signal) => {
          c.stdin.destroy();
          resolve({ code, signal, stdout, stderr, ms: Date.now() - t0 });
        });
        c.stdin.on('error', () => undefined);
        c.stdin.write(input);
        if (!keepOpen) c.stdin.end();
      });
    const full = payload('s-bad', w.repo, 'PreToolUse', 'Bash', { command: 'git push origin main' });
    const inputs: Array<[string, boolean]> = [
      [full.slice(0, 25), false],
      [full.slice(0, 25), true],
      [`{"session_id":"s-big","cwd":${JSON.stringify(w.repo)},"pad":"${'a'.repeat(9 * 1024 * 1024)}"}`, false],
    ];
    for (const agent of ['claude', 'codex'] as const) {
      for (const name of ['pre-tool', 'post-tool', 'stop', 'session-start', 'prompt']) {
        const results = await Promise.all(inputs.map(([i, open]) => run(['hook', name, '--agent', agent], i, open)));
        for (const r of results) {
          // exit 0; or, on a starved machine, the backstop's kill (hooks.md §7 rule 6), which every client treats as a
          // non-blocking error and the pre-push shim maps to exit 0: fail-open either way
          if (r.code !== 0) expect({ signal: r.signal, backstop: r.stderr.includes('the backstop ended it') }).toEqual({ signal: 'SIGKILL', backstop: true });
          expect(r.ms).toBeLessThan(30_000 - 500 + 5_000); // the event's host timeout bounds it (stop: 30 s), with start-up slack
          // Codex answers are JSON or nothing (Claude's context is plain text by design)
          if (agent === 'codex' && r.stdout.trim() !== '') expect(() => JSON.parse(r.stdout)).not.toThrow();
          if (agent === 'codex') expect(r.stdout).not.toContain('"env"');
        }
      }
    }
    expect(PG.GATE_WATCHDOG_MS).toBeLessThan(10_000);
  }, 240_000);
});
