/**
 * Demo section: the parallel-session workspace lock with real Claude Code payloads sent to the real binary
 * (issue 2 item 7): A acquires, B is blocked while A holds, A's Stop releases, B acquires, and a stale holder is
 * taken over.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DemoContext } from './context.js';

const pre = (session: string, cwd: string, tool: string, input: Record<string, unknown>) =>
  JSON.stringify({
    session_id: session,
    transcript_path: `/tmp/${session}.jsonl`,
    cwd,
    hook_event_name: 'PreToolUse',
    tool_name: tool,
    tool_input: input,
    tool_use_id: `toolu_${session}`,
  });
const post = (session: string, cwd: string, tool: string) =>
  JSON.stringify({ session_id: session, cwd, hook_event_name: 'PostToolUse', tool_name: tool, tool_input: {}, tool_response: { success: true } });
const stop = (session: string, cwd: string) =>
  JSON.stringify({ session_id: session, cwd, hook_event_name: 'Stop', stop_hook_active: false, last_assistant_message: 'Done.' });

/** Run the section. */
export const run = async (ctx: DemoContext): Promise<void> => {
  ctx.heading('Session lock: two Claude Code sessions, one workspace');
  const repo = ctx.makeRepo(join(ctx.tmp, 'app'));
  const sub = join(repo, 'src');
  mkdirSync(sub, { recursive: true });
  const A = 'sess-A-4f1c2a9e';
  const B = 'sess-B-77b04e55';
  // the event hooks `arbiter install` registers: the session lock is the first stage of each
  const acquire = ['hook', 'pre-tool', '--agent', 'claude'];
  const refresh = ['hook', 'post-tool', '--agent', 'claude'];
  const release = ['hook', 'stop', '--agent', 'claude'];

  ctx.say(`repository ${repo}; state isolated in ARBITER_STATE_DIR=${ctx.env['ARBITER_STATE_DIR']}`);
  ctx.verdict(`A PreToolUse Edit src/app.ts`, ctx.arbiter(acquire, { stdin: pre(A, sub, 'Edit', { file_path: join(sub, 'app.ts') }), cwd: sub }));
  ctx.verdict(`B PreToolUse Read (read-only, never touches the lock)`, ctx.arbiter(acquire, { stdin: pre(B, repo, 'Read', { file_path: join(repo, 'README.md') }), cwd: repo }));
  ctx.verdict(`B PreToolUse Write README.md while A holds`, ctx.arbiter(acquire, { stdin: pre(B, repo, 'Write', { file_path: join(repo, 'README.md'), content: 'x' }), cwd: repo }));
  ctx.verdict(`A PostToolUse Edit (refresh the lease)`, ctx.arbiter(refresh, { stdin: post(A, sub, 'Edit'), cwd: sub }));
  ctx.verdict(`A Stop (end of turn: release, fence kept)`, ctx.arbiter(release, { stdin: stop(A, sub), cwd: sub }));
  ctx.verdict(`B PreToolUse Write README.md again`, ctx.arbiter(acquire, { stdin: pre(B, repo, 'Write', { file_path: join(repo, 'README.md'), content: 'x' }), cwd: repo }));

  ctx.say('');
  ctx.say('Stale holder: the repository sets session_lock.ttl_ms = 1000; B goes quiet for 1.2 s without a Stop.');
  mkdirSync(join(repo, '.arbiter'), { recursive: true });
  writeFileSync(join(repo, '.arbiter', 'config.json'), JSON.stringify({ version: 1, session_lock: { ttl_ms: 1000 } }, null, 2) + '\n');
  ctx.verdict(`B PreToolUse Bash (renews with the short lease)`, ctx.arbiter(acquire, { stdin: pre(B, repo, 'Bash', { command: 'npm test' }), cwd: repo }));
  await new Promise((r) => setTimeout(r, 1_200));
  ctx.verdict(`A PreToolUse Edit after B's lease ran out`, ctx.arbiter(acquire, { stdin: pre(A, repo, 'Edit', { file_path: join(repo, 'README.md') }), cwd: repo }));
  ctx.verdict(`Codex session C PreToolUse apply_patch while A holds`, ctx.arbiter(['hook', 'pre-tool', '--agent', 'codex'], {
    stdin: JSON.stringify({ session_id: 'codex-C-91', cwd: repo, hook_event_name: 'PreToolUse', turn_id: 't1', tool_name: 'apply_patch', tool_input: { command: '*** Begin Patch' }, model: 'gpt-5' }),
    cwd: repo,
  }));
  ctx.verdict(`Garbage on stdin (fail-open)`, ctx.arbiter(acquire, { stdin: '{"session_id": 42, "tool_name": [', cwd: repo }));

  ctx.say('');
  ctx.say('Decision log (arbiter log --policy session-lock):');
  const log = ctx.arbiter(['log', '--policy', 'session-lock'], { cwd: repo });
  for (const line of log.stdout.trim().split('\n')) ctx.say(`  ${line}`);
};
