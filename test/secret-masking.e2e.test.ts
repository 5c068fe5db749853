/**
 * End to end against the BUILT binary (issue 12 "Secrets"; secrets.md §12): the outside campaign's commands run
 * through the hooks Claude Code calls (pre-tool, post-tool, Stop, SessionStart) in a real repository; afterwards
 * neither `arbiter log --json`, nor `arbiter commitments list --json`, nor any hook answer, nor any file Arbiter wrote
 * under its state directory holds a secret value.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireBuilt, runBin, testEnv, tmp, type RunResult } from './helpers/bin.js';

const PW = 'Sup3rS3cretPw';
const GHP = 'ghp_' + 'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8';
const AKIA = 'AKIAIOSFODNN7EXAMPL3';
const AWS_SECRET = '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';
const LIVE = 'sk-live-4eC39HqLyjWDarjtT1zdp7dc';

/** The campaign's commands (issue 12), each with the values that must never be stored or shown. */
const FORMS: ReadonlyArray<{ readonly command: string; readonly values: ReadonlyArray<string> }> = [
  { command: `aws configure set aws_access_key_id ${AKIA} && aws configure set aws_secret_access_key ${AWS_SECRET}`, values: [AKIA, AWS_SECRET] },
  { command: `echo ${AKIA} ${AWS_SECRET} > creds`, values: [AKIA, AWS_SECRET] },
  { command: `gh auth login --hostname github.com ${GHP}`, values: [GHP] },
  { command: `mysql -uroot -p${PW} prod -e 'select 1'`, values: [PW] },
  { command: `curl "https://api.example.com/v1/charges?api_key=${LIVE}&limit=1"`, values: [LIVE] },
  { command: `git push --push-option=token=${GHP} origin main`, values: [GHP] },
  { command: `git push https://bob:${PW}@example.com/r.git main`, values: [PW] },
];
const ALL_VALUES = [...new Set(FORMS.flatMap((f) => f.values))];

/** Every file under `dir`, recursively, with its text. */
const filesUnder = (dir: string): Array<{ path: string; text: string }> =>
  readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) return filesUnder(p);
    return st.isFile() ? [{ path: p, text: readFileSync(p, 'latin1') }] : [];
  });

const expectNoSecret = (where: string, text: string, values: ReadonlyArray<string> = ALL_VALUES): void => {
  for (const v of values) expect(text.includes(v) || text.includes(JSON.stringify(v).slice(1, -1)), `${v} in ${where}`).toBe(false);
};

/** A repository with a commit and a bare `origin`, its state isolated in its own ARBITER_STATE_DIR. */
const makeRepo = (): { repo: string; state: string; env: NodeJS.ProcessEnv } => {
  const root = tmp('arbiter-mask-e2e-');
  const state = join(root, 'state');
  mkdirSync(state);
  const env = testEnv(state, { HOME: root });
  const repo = join(root, 'repo');
  execFileSync('git', ['init', '-q', '--bare', '-b', 'main', join(root, 'remote.git')], { env });
  execFileSync('git', ['init', '-q', '-b', 'main', repo], { env });
  writeFileSync(join(repo, 'README.md'), '# t\n');
  execFileSync('git', ['add', 'README.md'], { cwd: repo, env });
  execFileSync('git', ['commit', '-q', '-m', 'init'], { cwd: repo, env });
  execFileSync('git', ['remote', 'add', 'origin', join(root, 'remote.git')], { cwd: repo, env });
  mkdirSync(join(repo, '.arbiter'));
  writeFileSync(join(repo, '.arbiter', 'config.json'), JSON.stringify({ version: 1 }));
  return { repo, state, env };
};

const hook = (event: string, payload: object, repo: string, env: NodeJS.ProcessEnv): RunResult =>
  runBin(['hook', event, '--agent', 'claude'], { input: JSON.stringify({ transcript_path: null, cwd: repo, ...payload }), env, cwd: repo });

const bash = (session: string, command: string) => ({ session_id: session, tool_name: 'Bash', tool_input: { command }, tool_use_id: 'toolu_01' });
const succeeded = { tool_response: { stdout: '', stderr: '', interrupted: false, isImage: false } };

beforeAll(requireBuilt);

describe('secrets never reach the log, the stores or the model (built binary)', () => {
  it('each campaign command through pre-tool and post-tool: log, answers and every state file are clean', () => {
    const { repo, state, env } = makeRepo();
    for (const f of FORMS) {
      const pre = hook('pre-tool', { ...bash('sess-mask-a', f.command), hook_event_name: 'PreToolUse' }, repo, env);
      expect(pre.code).toBe(0);
      expectNoSecret(`pre-tool answer to ${f.command}`, pre.stdout + pre.stderr, f.values);
      const post = hook('post-tool', { ...bash('sess-mask-a', f.command), ...succeeded, hook_event_name: 'PostToolUse' }, repo, env);
      expect(post.code).toBe(0);
      expectNoSecret(`post-tool answer to ${f.command}`, post.stdout + post.stderr, f.values);
    }
    const log = runBin(['log', '--json'], { env, cwd: repo });
    expect(log.code).toBe(0);
    const entries = log.stdout.trim().split('\n').map((l) => JSON.parse(l) as { facts: { command?: string }; masked: string[] });
    // every command is in the log, masked (not dropped)
    for (const f of FORMS) {
      const word = f.command.split(' ')[0] as string;
      expect(entries.some((e) => typeof e.facts.command === 'string' && e.facts.command.startsWith(word) && e.masked.includes('command')), f.command).toBe(true);
    }
    expectNoSecret('arbiter log --json', log.stdout);
    for (const file of filesUnder(state)) expectNoSecret(file.path, file.text);
  });

  it('post-tool: the delivering command is masked in the answer to Claude, the commitment store and the log', () => {
    const { repo, state, env } = makeRepo();
    const stop = hook('stop', { session_id: 'sess-mask-b', hook_event_name: 'Stop', stop_hook_active: false, last_assistant_message: 'All tests pass. Pushing it now.' }, repo, env);
    expect(stop).toMatchObject({ code: 0, stdout: '{}\n' });
    const command = `git push https://bob:${PW}@example.com/r.git main`;
    const post = hook('post-tool', { ...bash('sess-mask-b', command), ...succeeded, hook_event_name: 'PostToolUse' }, repo, env);
    expect(post.code).toBe(0);
    const ctx = (JSON.parse(post.stdout) as { hookSpecificOutput: { additionalContext: string } }).hookSpecificOutput.additionalContext;
    expect(ctx).toMatch(/marked delivered by: git push https:\/\/bob:\*\*\*@example\.com\/r\.git main$/);
    const listed = runBin(['commitments', 'list', '--all', '--json'], { env, cwd: repo });
    expect(listed.stdout).toContain('https://bob:***@example.com');
    expectNoSecret('commitments list', listed.stdout, [PW]);
    expectNoSecret('log', runBin(['log', '--json'], { env, cwd: repo }).stdout, [PW]);
    for (const file of filesUnder(state)) expectNoSecret(file.path, file.text, [PW]);
  });

  it('a halt reason holding a password is stored masked and shown masked in the SessionStart context block and lane status', () => {
    const { repo, state, env } = makeRepo();
    const halt = runBin(['lane', 'halt', '--session', 'sess-mask-d', '--reason', `rotate: curl -u bob:${PW} https://h`], { env: { ...env, ARBITER_SESSION: 'sess-ops-1' }, cwd: repo });
    expect(halt.code).toBe(0);
    const start = hook('session-start', { session_id: 'sess-mask-d', hook_event_name: 'SessionStart', source: 'startup' }, repo, env);
    expect(start.code).toBe(0);
    expect(start.stdout).toContain('"rotate: curl -u bob:*** https://h"');
    const status = runBin(['lane', 'status'], { env: { ...env, ARBITER_SESSION: 'sess-mask-d' }, cwd: repo });
    expect(status.stdout).toContain('HALT');
    for (const [where, text] of [['context block', start.stdout], ['lane status', status.stdout], ['log', runBin(['log', '--json'], { env, cwd: repo }).stdout]]) {
      expectNoSecret(where as string, text as string, [PW]);
    }
    for (const file of filesUnder(state)) expectNoSecret(file.path, file.text, [PW]);
  });
});
