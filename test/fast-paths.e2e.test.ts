/**
 * The dispatcher's fast paths (packages/hooks/src/bin/arbiter.ts) give exactly the full hooks' answers and keep
 * the decision log complete: a gate-push non-push is logged as `Allow not-a-push` (push-gate.md §16, PG-10); a
 * no-op Stop prints `{}` and writes no state; anything that may need a decision still reaches the hook bundle.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readDecisions, resolveRepo } from '@arbiter/io-node';
import { makeRepo, requireBuilt, runBin, testEnv, tmp } from './helpers/bin.js';

const world = () => {
  const root = tmp('arbiter-fast-');
  const env = testEnv(join(root, 'state'));
  const repo = makeRepo(join(root, 'repo'));
  mkdirSync(join(repo, '.arbiter'));
  writeFileSync(join(repo, '.arbiter', 'config.json'), JSON.stringify({ version: 1 }));
  return { env, repo, logDir: join(resolveRepo(repo, env)!.runtimeDir, 'log'), runtime: resolveRepo(repo, env)!.runtimeDir };
};
const bash = (session: string, cwd: string, command: string, tool = 'Bash') =>
  JSON.stringify({ session_id: session, cwd, hook_event_name: 'PreToolUse', tool_name: tool, tool_input: { command }, tool_use_id: 'toolu_9' });
const stop = (session: string, cwd: string, message: string) =>
  JSON.stringify({ session_id: session, cwd, hook_event_name: 'Stop', stop_hook_active: false, last_assistant_message: message });

describe('dispatcher fast paths', () => {
  beforeAll(() => requireBuilt());

  it('PG-10 a non-push Bash command is allowed silently and logged as Allow not-a-push (masked), with no lane touched', () => {
    const w = world();
    for (const agent of ['claude', 'codex']) {
      const r = runBin(['hook', 'gate-push', '--agent', agent], { input: bash(`s-${agent}`, w.repo, 'GITHUB_TOKEN=abc123 npm test'), env: w.env, cwd: w.repo });
      expect(r).toMatchObject({ code: 0, stdout: '', stderr: '' });
    }
    const entries = readDecisions(w.logDir, { policy: 'push-gate' });
    expect(entries.map((e) => [e.mode, e.verdict, e.reasons[0]])).toEqual([
      ['agent:claude', 'Allow', 'not-a-push'],
      ['agent:codex', 'Allow', 'not-a-push'],
    ]);
    expect(entries[0]?.facts['command']).toBe('GITHUB_TOKEN=*** npm test');
    expect(entries[0]?.decision_id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(existsSync(join(w.runtime, 'lanes'))).toBe(false);
  });

  it('the post-tool release of a non-push logs nothing, as in the hook', () => {
    const w = world();
    const r = runBin(['hook', 'gate-push', '--post', '--agent', 'claude'], { input: bash('s', w.repo, 'ls'), env: w.env, cwd: w.repo });
    expect(r).toMatchObject({ code: 0, stdout: '', stderr: '' });
    expect(readDecisions(w.logDir, { policy: 'push-gate' })).toEqual([]);
  });

  it('a push-like command still reaches the gate (its verdict is logged by the hook bundle, not the fast path)', () => {
    const w = world();
    runBin(['hook', 'gate-push', '--agent', 'claude'], { input: bash('s', w.repo, 'git push origin feature/x'), env: w.env, cwd: w.repo });
    const e = readDecisions(w.logDir, { policy: 'push-gate' });
    expect(e).toHaveLength(1);
    expect(e[0]?.facts['fast_path']).toBeUndefined();
  });

  it('a no-op Stop prints {} and writes nothing; a claim, a build or a gate state sends it to the hook', () => {
    const w = world();
    const quiet = runBin(['hook', 'stop', '--agent', 'claude'], { input: stop('s', w.repo, 'All tests pass.'), env: w.env, cwd: w.repo });
    expect(quiet).toMatchObject({ code: 0, stdout: '{}\n', stderr: '' });
    expect(existsSync(w.runtime) ? readdirSync(w.runtime) : []).toEqual([]);
    // a claim stem: the hook bundle observes it and logs its decisions
    const claim = runBin(['hook', 'stop', '--agent', 'claude'], { input: stop('s', w.repo, 'Pushing it now.'), env: w.env, cwd: w.repo });
    expect(claim).toMatchObject({ code: 0, stdout: '{}\n' });
    expect(readDecisions(w.logDir).map((e) => e.policy)).toContain('action-claim');
  });
});
