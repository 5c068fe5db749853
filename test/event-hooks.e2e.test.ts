/**
 * One hook process per client event (architecture.md, hook life cycle; hooks.md §6), against the built binary on a
 * real git repository: each stage runs only for the tools its own matcher names, a stage that blocks ends the event
 * (a PreToolUse the session lock refuses never reaches the push gate, so no lane is claimed for a call that does not
 * happen), and the events print what the host expects (`{}` from post-tool and stop, nothing from an allowed
 * pre-tool).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readDecisions, resolveRepo } from '@arbiter/io-node';
import { makeRepo, requireBuilt, runBin, testEnv, tmp } from './helpers/bin.js';

const world = () => {
  const root = tmp('arbiter-events-');
  const env = testEnv(join(root, 'state'));
  const repo = makeRepo(join(root, 'repo'));
  mkdirSync(join(repo, '.arbiter'));
  writeFileSync(join(repo, '.arbiter', 'config.json'), JSON.stringify({ version: 1 }));
  const logDir = join(resolveRepo(repo, env)!.runtimeDir, 'log');
  return { env, repo, logDir };
};

const payload = (session: string, cwd: string, event: string, tool: string, input: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ session_id: session, cwd, hook_event_name: event, tool_name: tool, tool_input: input, ...extra });

describe('event hooks (one process per client event)', () => {
  beforeAll(() => requireBuilt());

  it('a session-lock block ends pre-tool: the push gate does not run and no lane is claimed', () => {
    const w = world();
    const a = runBin(['hook', 'pre-tool', '--agent', 'claude'], { input: payload('sess-A', w.repo, 'PreToolUse', 'Edit', { file_path: join(w.repo, 'x') }), env: w.env, cwd: w.repo });
    expect(a).toMatchObject({ code: 0, stdout: '', stderr: '' });
    // B pushes main from the same workspace while A holds it
    const b = runBin(['hook', 'pre-tool', '--agent', 'claude'], { input: payload('sess-B', w.repo, 'PreToolUse', 'Bash', { command: 'git push origin main' }), env: w.env, cwd: w.repo });
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/^parallel session lock held by sess-A /);
    expect(readDecisions(w.logDir, { policy: 'push-gate' })).toEqual([]);
    expect(readDecisions(w.logDir, { policy: 'session-lock' }).map((e) => [e.facts['session_id'], e.verdict])).toEqual([
      ['sess-A', 'Allow'],
      ['sess-B', 'Block'],
    ]);
    // Codex gets the deny envelope from the same stage, and the gate does not run either
    const c = runBin(['hook', 'pre-tool', '--agent', 'codex'], { input: payload('sess-C', w.repo, 'PreToolUse', 'Bash', { command: 'git push origin main' }), env: w.env, cwd: w.repo });
    expect(c.code).toBe(0);
    expect(JSON.parse(c.stdout)).toMatchObject({ hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: 'deny' } });
    expect(readDecisions(w.logDir, { policy: 'push-gate' })).toEqual([]);
  });

  it('each stage runs only for its own tools: an Edit never reaches the push gate, a Read touches nothing', () => {
    const w = world();
    const edit = runBin(['hook', 'pre-tool', '--agent', 'claude'], { input: payload('s', w.repo, 'PreToolUse', 'Edit', { file_path: join(w.repo, 'x') }), env: w.env, cwd: w.repo });
    expect(edit).toMatchObject({ code: 0, stdout: '', stderr: '' });
    const read = runBin(['hook', 'pre-tool', '--agent', 'claude'], { input: payload('s', w.repo, 'PreToolUse', 'Read', { file_path: join(w.repo, 'x') }), env: w.env, cwd: w.repo });
    expect(read).toMatchObject({ code: 0, stdout: '', stderr: '' });
    const bash = runBin(['hook', 'pre-tool', '--agent', 'claude'], { input: payload('s', w.repo, 'PreToolUse', 'Bash', { command: 'npm test' }), env: w.env, cwd: w.repo });
    expect(bash).toMatchObject({ code: 0, stdout: '', stderr: '' });
    // the session lock decided for Edit and Bash (not Read); the push gate only for Bash, by its early verdict
    expect(readDecisions(w.logDir, { policy: 'session-lock' }).map((e) => [e.facts['tool_name'], e.verdict])).toEqual([
      ['Edit', 'Allow'],
      ['Bash', 'Allow'],
    ]);
    expect(readDecisions(w.logDir, { policy: 'push-gate' }).map((e) => [e.verdict, e.reasons[0], e.facts['fast_path']])).toEqual([['Allow', 'not-a-push', true]]);
  });

  it('post-tool refreshes the lease and prints one JSON object; Codex has no refresh stage; stop releases and prints {}', () => {
    const w = world();
    runBin(['hook', 'pre-tool', '--agent', 'claude'], { input: payload('s', w.repo, 'PreToolUse', 'Edit', { file_path: join(w.repo, 'x') }), env: w.env, cwd: w.repo });
    const edit = runBin(['hook', 'post-tool', '--agent', 'claude'], { input: payload('s', w.repo, 'PostToolUse', 'Edit', { file_path: join(w.repo, 'x') }, { tool_response: {} }), env: w.env, cwd: w.repo });
    expect(edit).toMatchObject({ code: 0, stdout: '{}\n', stderr: '' });
    const bash = runBin(['hook', 'post-tool', '--agent', 'claude'], {
      input: payload('s', w.repo, 'PostToolUse', 'Bash', { command: 'ls' }, { tool_response: { stdout: '', stderr: '', interrupted: false } }),
      env: w.env,
      cwd: w.repo,
    });
    expect(bash).toMatchObject({ code: 0, stdout: '{}\n', stderr: '' });
    const codex = runBin(['hook', 'post-tool', '--agent', 'codex'], { input: payload('cx', w.repo, 'PostToolUse', 'Bash', { command: 'ls' }, { tool_response: 'ok' }), env: w.env, cwd: w.repo });
    expect(codex).toMatchObject({ code: 0, stdout: '{}\n' });
    const stop = runBin(['hook', 'stop', '--agent', 'claude'], { input: JSON.stringify({ session_id: 's', cwd: w.repo, hook_event_name: 'Stop', last_assistant_message: 'Done.' }), env: w.env, cwd: w.repo });
    expect(stop).toMatchObject({ code: 0, stdout: '{}\n', stderr: '' });
    const lock = readDecisions(w.logDir, { policy: 'session-lock' }).map((e) => [e.facts['verb'], e.facts['session_id'], e.verdict]);
    expect(lock).toEqual([
      ['acquire', 's', 'Allow'],
      ['refresh', 's', 'Refreshed'],
      ['refresh', 's', 'Refreshed'],
      ['release', 's', 'Released'],
    ]);
    // evidence ran for both Bash calls (Claude and Codex), never for the Edit
    expect(readDecisions(w.logDir, { policy: 'follow-through' }).map((e) => e.mode)).toEqual(['agent:claude', 'agent:codex']);
  });

  it('an event without --agent, or an unknown hook, allows and says why on stderr', () => {
    const w = world();
    expect(runBin(['hook', 'pre-tool'], { input: '{}', env: w.env, cwd: w.repo })).toMatchObject({ code: 0, stdout: '', stderr: 'arbiter: hook "pre-tool" needs --agent claude|codex (allowed)\n' });
    expect(runBin(['hook', 'no-such-hook', '--agent', 'claude'], { input: '{}', env: w.env, cwd: w.repo })).toMatchObject({ code: 0, stdout: '', stderr: 'arbiter: hook "no-such-hook" is unknown (allowed)\n' });
  });
});
