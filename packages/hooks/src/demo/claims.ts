/**
 * Demo section: action claims and follow-through (issue 4 item 7, action-claim.md). A Claude Code session ends its
 * turn with "Pushing it now."; the Stop hook records a commitment; the agent's `git push` really runs against a bare
 * remote and its PostToolUse payload marks the commitment delivered. Real payloads, the real binary, real git.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { actionClaim } from '@arbiter/kernel';
import type { DemoContext } from './context.js';

/** Run the section. */
export const run = async (ctx: DemoContext): Promise<void> => {
  ctx.heading('Action claims: "Pushing it now." becomes a commitment, delivered by the git push');
  const repo = ctx.makeRepo(join(ctx.tmp, 'claims'));
  const remote = join(ctx.tmp, 'claims-remote.git');
  ctx.git(ctx.tmp, ['init', '-q', '--bare', '-b', 'main', remote]);
  ctx.git(repo, ['remote', 'add', 'origin', remote]);
  const S = 'sess-claims-5d2e81';
  const stopHook = 'stop'; // the composite Stop hook: claim observation first (hooks.md §8)
  const stop = (message: string) =>
    JSON.stringify({
      session_id: S,
      transcript_path: `/tmp/${S}.jsonl`,
      cwd: repo,
      permission_mode: 'default',
      hook_event_name: 'Stop',
      stop_hook_active: false,
      last_assistant_message: message,
    });
  const post = (command: string) =>
    JSON.stringify({
      session_id: S,
      transcript_path: `/tmp/${S}.jsonl`,
      cwd: repo,
      permission_mode: 'default',
      hook_event_name: 'PostToolUse',
      tool_name: 'Bash',
      tool_input: { command, description: 'Push to origin' },
      tool_response: { stdout: '', stderr: '', interrupted: false, isImage: false },
      tool_use_id: 'toolu_01Demo',
    });
  const show = (label: string, args: string[]) => {
    const r = ctx.arbiter(args, { cwd: repo });
    ctx.say(`${label}:`);
    for (const l of (r.stdout.trim() || r.stderr.trim()).split('\n')) ctx.say(`  ${l}`);
  };

  for (const m of ['Tests pass. Pushing it now.', 'I pushed the docs yesterday.', 'He is going to deploy it.']) {
    ctx.say(`classifyActionClaim(${JSON.stringify(m)}) → ${JSON.stringify(actionClaim.classifyActionClaim(m))}`);
  }
  ctx.verdict('Stop: "I pushed the docs yesterday." (past tense: no claim)', ctx.arbiter(['hook', stopHook, '--agent', 'claude'], { stdin: stop('I pushed the docs yesterday.'), cwd: repo }));
  ctx.verdict('Stop: "Tests pass. Pushing it now."', ctx.arbiter(['hook', stopHook, '--agent', 'claude'], { stdin: stop('Tests pass. Pushing it now.'), cwd: repo }));
  show('arbiter commitments list', ['commitments', 'list']);
  ctx.verdict('PostToolUse: git push --dry-run (not evidence)', ctx.arbiter(['hook', 'post-tool', '--agent', 'claude'], { stdin: post('git push --dry-run origin main'), cwd: repo }));
  writeFileSync(join(repo, 'CHANGELOG.md'), '- demo\n');
  ctx.git(repo, ['add', 'CHANGELOG.md']);
  ctx.git(repo, ['commit', '-q', '-m', 'changelog']);
  ctx.git(repo, ['push', '-q', 'origin', 'main']);
  ctx.say('the agent runs: git push origin main  (succeeded against the bare remote)');
  ctx.verdict('PostToolUse: git push origin main', ctx.arbiter(['hook', 'post-tool', '--agent', 'claude'], { stdin: post('git push origin main'), cwd: repo }));
  show('arbiter commitments list', ['commitments', 'list']);
  show('arbiter commitments list --all', ['commitments', 'list', '--all']);
  show('decision log (arbiter log --policy follow-through)', ['log', '--policy', 'follow-through']);
};
