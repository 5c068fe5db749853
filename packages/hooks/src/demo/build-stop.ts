/**
 * Demo section: the build stop-hook and the stop gate (issue 4 item 7, build-stop.md, stop-gate.md) with documented Claude
 * Code and Codex Stop payloads sent to the real binary: a build owned by one session blocks only that session's
 * Stop and stops blocking when its budget is spent; then the stop gate in enforce mode with a local authority on
 * 127.0.0.1 sends a session back to work once, and lets it stop when the authority is down.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DemoContext, Ran } from './context.js';

const claudeStop = (session: string, cwd: string, message: string, active = false) =>
  JSON.stringify({ session_id: session, transcript_path: `/tmp/${session}.jsonl`, cwd, permission_mode: 'default', hook_event_name: 'Stop', stop_hook_active: active, last_assistant_message: message });
const codexStop = (session: string, cwd: string, message: string) =>
  JSON.stringify({ session_id: session, transcript_path: null, cwd, hook_event_name: 'Stop', model: 'gpt-5-codex', permission_mode: 'default', turn_id: 't1', stop_hook_active: false, last_assistant_message: message });

/** Spawn the binary without blocking the event loop (the demo's own HTTP authority must keep answering). */
const arbiterAsync = (ctx: DemoContext, args: ReadonlyArray<string>, cwd: string, stdin: string): Promise<Ran> =>
  new Promise((res) => {
    const c = spawn(process.execPath, [ctx.bin, ...args], { cwd, env: ctx.env });
    let out = '';
    let err = '';
    c.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    c.stderr.on('data', (d: Buffer) => (err += d.toString('utf8')));
    c.on('close', (code) => res({ code: code ?? -1, stdout: out, stderr: err }));
    c.stdin.end(stdin);
  });

/** One line for a Stop answer: `{}` or `block: <first line of the reason>`. */
const show = (ctx: DemoContext, label: string, r: Ran): void => {
  let text = r.stdout.trim();
  try {
    const j = JSON.parse(text) as { decision?: string; reason?: string };
    text = j.decision === 'block' ? `block: ${(j.reason ?? '').split('\n').slice(0, 2).join(' | ')}` : '{} (may stop)';
  } catch {
    // shown raw
  }
  ctx.say(`${label} → exit ${r.code}  ${text}`);
};

/** Run the section. */
export const run = async (ctx: DemoContext): Promise<void> => {
  ctx.heading('Build stop-hook: a build keeps only its owner working, within a budget');
  const repo = ctx.makeRepo(join(ctx.tmp, 'builds'));
  const A = 'sess-A-builder';
  const B = 'sess-B-reviewer';
  const env = { ARBITER_NO_TMUX: '1' };
  const start = ctx.arbiter(['build', 'start', '--size', 'small', '--task', 'Port the config loader to io-ts', '--owner-session', A], { cwd: repo, env });
  ctx.say(`$ arbiter build start --size small --task "Port the config loader to io-ts" --owner-session ${A}`);
  ctx.say(`  ${start.stdout.trim()}`);
  const stop = ['hook', 'stop', '--agent', 'claude'];
  show(ctx, `B (not the owner) Stop`, ctx.arbiter(stop, { cwd: repo, env, stdin: claudeStop(B, repo, 'Review done.') }));
  for (let i = 1; i <= 3; i++) show(ctx, `A (owner) Stop #${i}`, ctx.arbiter(stop, { cwd: repo, env, stdin: claudeStop(A, repo, 'Pausing here.', i > 1) }));
  show(ctx, `A (owner) Stop #4, budget of 3 spent`, ctx.arbiter(stop, { cwd: repo, env, stdin: claudeStop(A, repo, 'Pausing here.', true) }));
  show(ctx, `B Codex Stop`, ctx.arbiter(['hook', 'stop', '--agent', 'codex'], { cwd: repo, env, stdin: codexStop(B, repo, 'Done.') }));
  ctx.say('$ arbiter build status');
  for (const l of ctx.arbiter(['build', 'status'], { cwd: repo, env }).stdout.trim().split('\n')) ctx.say(`  ${l}`);
  ctx.say(`$ arbiter build done → ${ctx.arbiter(['build', 'done'], { cwd: repo, env }).stdout.trim()}`);

  ctx.heading('Stop gate: enforce mode, local guard and a local authority on 127.0.0.1');
  let up = true;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (!up) {
        res.statusCode = 503;
        res.end('maintenance');
      } else if ((req.url ?? '').includes('/hot-path')) res.end(JSON.stringify({ mode: 'enforce', sessionStartTs: 0 }));
      else res.end(JSON.stringify({ decision: 'continue', reminder: 'The spec still lists two open rules; finish them before stopping.', rule: 'open-spec-items' }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  try {
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/internal/stop-gate`;
    mkdirSync(join(repo, '.arbiter'), { recursive: true });
    writeFileSync(join(repo, '.arbiter', 'config.json'), JSON.stringify({ version: 1, stop_gate: { authority: { base_url: base } } }, null, 2) + '\n');
    ctx.say(`.arbiter/config.json: stop_gate.authority.base_url = ${base}`);
    ctx.say(`$ arbiter gate mode enforce → ${ctx.arbiter(['gate', 'mode', 'enforce'], { cwd: repo, env }).stdout.trim()}`);
    show(ctx, `B says "I'll run the migration now." and stops`, await arbiterAsync(ctx, stop, repo, claudeStop(B, repo, "I'll run the migration now.")));
    show(ctx, `B stops again (stop_hook_active: loop guard)`, await arbiterAsync(ctx, stop, repo, claudeStop(B, repo, 'Migration ran.', true)));
    show(ctx, `B stops after finishing (authority says continue)`, await arbiterAsync(ctx, stop, repo, claudeStop(B, repo, 'All done.')));
    up = false;
    show(ctx, `B stops while the authority answers 503 (fail-open)`, await arbiterAsync(ctx, stop, repo, claudeStop(B, repo, 'All done.')));
    ctx.say(`$ arbiter gate kill on → ${ctx.arbiter(['gate', 'kill', 'on'], { cwd: repo, env }).stdout.trim()}`);
    ctx.say(`$ arbiter gate status → ${ctx.arbiter(['gate', 'status'], { cwd: repo, env }).stdout.trim()}`);
  } finally {
    server.closeAllConnections();
    server.close();
  }
};
