/**
 * Demo section: the push gate and deploy lanes on real git (issue 3 item 5). A bare remote and two clones share one
 * embedded lane store (`lanes.store.dir`); `arbiter install` in both; agent A claims the lane and pushes; agent B's
 * Claude PreToolUse for `git push origin main` gets `ask` while A holds; B, behind origin, is blocked by the git
 * pre-push hook with the rebase hint; non-pushes and non-deploy pushes pass without touching the lane store;
 * break-glass is allowed and audited; the context block shows who holds what.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { spawnSync } from 'node:child_process';
import type { DemoContext, Ran } from './context.js';

const pre = (session: string, cwd: string, command: string, id: string) =>
  JSON.stringify({ session_id: session, transcript_path: `/tmp/${session}.jsonl`, cwd, hook_event_name: 'PreToolUse', tool_name: 'Bash', tool_input: { command, description: 'push' }, tool_use_id: id });
const post = (session: string, cwd: string, command: string, id: string) =>
  JSON.stringify({ session_id: session, cwd, hook_event_name: 'PostToolUse', tool_name: 'Bash', tool_input: { command }, tool_use_id: id, tool_response: { stdout: '', stderr: '', interrupted: false, isImage: false } });

/** Run the section. */
export const run = async (ctx: DemoContext): Promise<void> => {
  ctx.heading('Push gate: two agents, one bare remote, deploy lane deploy:refs/heads/main');
  const root = join(ctx.tmp, 'push-gate');
  const bin = join(root, 'bin');
  mkdirSync(bin, { recursive: true });
  // The hooks call `arbiter` from PATH (push-gate.md §15); point it at the built binary.
  writeFileSync(join(bin, 'arbiter'), `#!/bin/sh\nexec "${process.execPath}" "${ctx.bin}" "$@"\n`);
  chmodSync(join(bin, 'arbiter'), 0o755);
  const env = { PATH: `${bin}${delimiter}${ctx.env['PATH'] ?? ''}` };
  const remote = join(root, 'remote.git');
  ctx.git(root, ['init', '-q', '--bare', '-b', 'main', remote]);
  const seed = ctx.makeRepo(join(root, 'seed'));
  ctx.git(seed, ['push', '-q', remote, 'main'], env);
  const A = join(root, 'clone-a');
  const B = join(root, 'clone-b');
  ctx.git(root, ['clone', '-q', remote, A]);
  ctx.git(root, ['clone', '-q', remote, B]);
  ctx.git(A, ['config', 'user.email', 'ana@example.com']);
  ctx.git(B, ['config', 'user.email', 'bo@example.com']);
  const lanes = join(root, 'shared-lanes');
  const run = (cwd: string, args: string[], extra: NodeJS.ProcessEnv = {}): Ran => ctx.arbiter(args, { cwd, env: { ...env, ...extra } });
  const gitRun = (cwd: string, args: string[], extra: NodeJS.ProcessEnv = {}): Ran => {
    const r = spawnSync('git', args, { cwd, env: { ...ctx.env, ...env, ...extra }, encoding: 'utf8' });
    return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  };
  for (const [name, dir] of [['A', A], ['B', B]] as const) {
    const r = run(dir, ['install']);
    ctx.say(`arbiter install in clone ${name}: ${r.stdout.trim().split('\n').length} step(s); pre-push shim in .git/hooks`);
    // Both clones live on this machine: relocate the embedded store so they share one set of lanes.
    const cfg = JSON.parse(readFileSync(join(dir, '.arbiter', 'config.json'), 'utf8')) as { lanes?: Record<string, unknown> };
    cfg.lanes = { ...(cfg.lanes ?? {}), store: { kind: 'embedded', dir: lanes } };
    writeFileSync(join(dir, '.arbiter', 'config.json'), JSON.stringify(cfg, null, 2) + '\n');
  }
  ctx.verdict('install again in A (idempotent)', run(A, ['install']));
  const SA = 'sess-ana-01';
  const SB = 'sess-bo-02';
  const gate = (agent: 'claude' | 'codex') => ['hook', 'gate-push', '--agent', agent];

  ctx.say('');
  ctx.say('Agent A commits and runs `git push origin main` through Claude Code:');
  ctx.git(A, ['commit', '-q', '--allow-empty', '-m', 'A: feature'], env);
  ctx.verdict('A PreToolUse `git push origin main`', ctx.arbiter(gate('claude'), { cwd: A, env, stdin: pre(SA, A, 'git push origin main', 'toolu_A1') }));
  ctx.verdict('B PreToolUse `git push origin main` while A holds (Claude asks)', ctx.arbiter(gate('claude'), { cwd: B, env, stdin: pre(SB, B, 'git push origin main', 'toolu_B1') }));
  ctx.verdict('same for a Codex session (Codex cannot ask: loud warning)', ctx.arbiter(gate('codex'), { cwd: B, env, stdin: pre('codex-B', B, 'git push origin main', 'call_1') }));
  ctx.verdict("A's git push (pre-push hook, same session via ARBITER_SESSION: re-entry)", gitRun(A, ['push', 'origin', 'main'], { ARBITER_SESSION: SA }));
  ctx.verdict('A PostToolUse (releases exactly the lanes A claimed)', ctx.arbiter(['hook', 'gate-push', '--post', '--agent', 'claude'], { cwd: A, env, stdin: post(SA, A, 'git push origin main', 'toolu_A1') }));

  ctx.say('');
  ctx.say('B never fetched A\'s commit and pushes from behind origin:');
  ctx.git(B, ['commit', '-q', '--allow-empty', '-m', 'B: hotfix'], env);
  const behind = gitRun(B, ['push', 'origin', 'main'], { ARBITER_SESSION: SB });
  const line = behind.stderr.split('\n').find((l) => l.startsWith('arbiter:')) ?? behind.stderr.split('\n')[0] ?? '';
  ctx.say(`B \`git push origin main\` → exit ${behind.code}  ${line}`);

  ctx.say('');
  ctx.say('Commands that are not deploy pushes never touch the lane store:');
  const before = existsSync(lanes) ? readFileSync(join(lanes, 'audit.ndjson'), 'utf8') : '';
  ctx.verdict('B PreToolUse `echo "git push"`', ctx.arbiter(gate('claude'), { cwd: B, env, stdin: pre(SB, B, 'echo "git push"', 'toolu_B2') }));
  ctx.verdict('B PreToolUse `git push origin feature/x`', ctx.arbiter(gate('claude'), { cwd: B, env, stdin: pre(SB, B, 'git push origin feature/x', 'toolu_B3') }));
  const after = existsSync(lanes) ? readFileSync(join(lanes, 'audit.ndjson'), 'utf8') : '';
  ctx.say(`lane store audit unchanged: ${before === after ? 'yes' : 'NO'}`);

  ctx.say('');
  ctx.say('A takes the lane with the deploy verb; B overrides with audited break-glass:');
  ctx.verdict('A `arbiter deploy`', run(A, ['deploy', '--eta', '15'], { ARBITER_SESSION: SA }));
  ctx.verdict('B `arbiter deploy` while A holds', run(B, ['deploy'], { ARBITER_SESSION: SB }));
  ctx.verdict('B PreToolUse with ARBITER_BREAK_GLASS=1', ctx.arbiter(gate('claude'), { cwd: B, env: { ...env, ARBITER_BREAK_GLASS: '1', ARBITER_BREAK_GLASS_REASON: 'prod is down' }, stdin: pre(SB, B, 'git push origin main', 'toolu_B4') }));

  ctx.say('');
  ctx.say('B rebases onto origin; A halts B; B\'s next push is blocked; the context block shows who holds what:');
  ctx.git(B, ['pull', '-q', '--rebase', 'origin', 'main'], env);
  ctx.verdict('A `arbiter lane halt --session sess-bo-02`', run(A, ['lane', 'halt', '--session', SB, '--reason', 'wait for the migration'], { ARBITER_SESSION: SA }));
  ctx.verdict('B PreToolUse `git push origin main` (halted)', ctx.arbiter(gate('claude'), { cwd: B, env, stdin: pre(SB, B, 'git push origin main', 'toolu_B5') }));
  const ctxBlock = ctx.arbiter(['hook', 'context', '--agent', 'claude', '--event', 'user-prompt-submit'], { cwd: B, env, stdin: JSON.stringify({ session_id: SB, cwd: B, hook_event_name: 'UserPromptSubmit', prompt: 'ship it' }) });
  ctx.say('B UserPromptSubmit context block:');
  for (const l of ctxBlock.stdout.trim().split('\n')) ctx.say(`  | ${l}`);
  ctx.verdict('A `arbiter lane unhalt --session sess-bo-02`', run(A, ['lane', 'unhalt', '--session', SB], { ARBITER_SESSION: SA }));
  const st = run(A, ['lane', 'status'], { ARBITER_SESSION: SA });
  ctx.say('`arbiter lane status` (audit trail includes the break-glass):');
  for (const l of st.stdout.trim().split('\n')) ctx.say(`  | ${l}`);
};
