/**
 * The hooks record presence (presence.md §7), against the built binary on a real git repository: every event the
 * runner serves (and the Notification event it now registers) leaves the session's record in the state of that
 * event, the git layer's pre-push records `git` when it knows its session, the answer is the same with or without a
 * registry, and a record that cannot be written changes no answer and is logged once.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeInboxLine, dueMarkFile, inboxFile, ingestAllInboxes, presenceFileName, presenceInboxDir, presenceKey, readDecisions, resolveRepo, sessionsDir } from '@arbiter/io-node';
import { presence as P, type SessionPresence } from '@arbiter/kernel';
import { git, makeRepo, requireBuilt, runBin, testEnv, tmp } from './helpers/bin.js';

/** The registry's files for `sessions`: each record and its publish marker (presence.md §10, written on a session's first event). */
const withMarkers = (...sessions: string[]): string[] => sessions.flatMap((id) => [presenceFileName(id), `.published-${presenceFileName(id)}`]).sort();

const world = () => {
  const root = tmp('arbiter-presence-hooks-');
  const env = testEnv(join(root, 'state'));
  const repo = makeRepo(join(root, 'repo'));
  mkdirSync(join(repo, '.arbiter'));
  writeFileSync(join(repo, '.arbiter', 'config.json'), JSON.stringify({ version: 1 }));
  const runtime = resolveRepo(repo, env)!.runtimeDir;
  // the record file as it stands, no inbox folded
  const raw = (session: string): SessionPresence | null => {
    try {
      const d = P.decodePresence(JSON.parse(readFileSync(join(sessionsDir(runtime), presenceFileName(session)), 'utf8')));
      return d._tag === 'Ok' ? d.presence : null;
    } catch {
      return null;
    }
  };
  // read as `arbiter status` reads: every inbox folded first (presence.md §11 IN3)
  const record = (session: string): SessionPresence | null => {
    ingestAllInboxes(presenceInboxDir(env), env);
    return raw(session);
  };
  return { env, repo, runtime, record, raw };
};

const payload = (session: string, cwd: string, event: string, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ session_id: session, cwd, hook_event_name: event, transcript_path: null, ...extra });

describe('hooks record presence (presence.md §7)', () => {
  beforeAll(() => requireBuilt());

  it('a Claude session through every event: idle, working, waiting on a Notification, idle on Stop, gone on SessionEnd', () => {
    const w = world();
    const steps: ReadonlyArray<[string, string, Record<string, unknown>, Partial<SessionPresence>]> = [
      ['session-start', 'SessionStart', { source: 'startup' }, { state: 'idle', lastEvent: 'session-start' }],
      ['prompt', 'UserPromptSubmit', { prompt: 'go' }, { state: 'working', lastEvent: 'prompt' }],
      ['pre-tool', 'PreToolUse', { tool_name: 'Edit', tool_input: { file_path: join(w.repo, 'x') } }, { state: 'working', lastEvent: 'pre-tool', lastTool: 'Edit' }],
      ['post-tool', 'PostToolUse', { tool_name: 'Bash', tool_input: { command: 'ls' }, tool_response: { stdout: '' } }, { state: 'working', lastEvent: 'post-tool', lastTool: 'Bash' }],
      ['post-tool-failure', 'PostToolUseFailure', { tool_name: 'Bash', tool_input: { command: 'false' }, error: 'Exit code 1' }, { state: 'working', lastEvent: 'post-tool-failure' }],
      ['notification', 'Notification', { message: 'Claude needs your permission to use Bash', notification_type: 'permission_prompt' }, { state: 'waiting', lastEvent: 'notification' }],
      ['stop', 'Stop', { stop_hook_active: false, last_assistant_message: 'Done.' }, { state: 'idle', lastEvent: 'stop' }],
      ['session-end', 'SessionEnd', { reason: 'clear' }, { state: 'gone', lastEvent: 'session-end' }],
    ];
    for (const [hook, event, extra, want] of steps) {
      const r = runBin(['hook', hook, '--agent', 'claude'], { input: payload('sess-1', w.repo, event, extra), env: w.env, cwd: w.repo });
      expect(r.code).toBe(0);
      expect(w.record('sess-1')).toMatchObject({ ...want, session: 'sess-1', agent: 'claude', branch: 'main', worktree: w.repo, workspace: resolveRepo(w.repo, w.env)!.commonDir });
    }
    // the Notification event answers nothing at all
    expect(runBin(['hook', 'notification', '--agent', 'claude'], { input: payload('sess-1', w.repo, 'Notification'), env: w.env, cwd: w.repo })).toMatchObject({ code: 0, stdout: '', stderr: '' });
  });

  it('a Codex session and a per-decision alias record too; outside a repository or without a session id nothing is written', () => {
    const w = world();
    runBin(['hook', 'prompt', '--agent', 'codex'], { input: payload('thread-1', w.repo, 'UserPromptSubmit', { prompt: 'x' }), env: w.env, cwd: w.repo });
    expect(w.record('thread-1')).toMatchObject({ agent: 'codex', state: 'working' });
    runBin(['hook', 'session-lock', 'release', '--agent', 'claude'], { input: payload('alias-1', w.repo, 'Stop'), env: w.env, cwd: w.repo });
    expect(w.record('alias-1')).toMatchObject({ lastEvent: 'stop', state: 'idle' });
    runBin(['hook', 'prompt', '--agent', 'claude'], { input: JSON.stringify({ cwd: w.repo, hook_event_name: 'UserPromptSubmit', prompt: 'x' }), env: w.env, cwd: w.repo });
    const outside = tmp('arbiter-presence-outside-');
    runBin(['hook', 'prompt', '--agent', 'claude'], { input: payload('nowhere', outside, 'UserPromptSubmit', { prompt: 'x' }), env: w.env, cwd: outside });
    expect(readdirSync(sessionsDir(w.runtime)).sort()).toEqual(withMarkers('alias-1', 'thread-1'));
  });

  it('the branch follows the worktree HEAD without git being run; a detached HEAD records null', () => {
    const w = world();
    git(w.repo, ['checkout', '-q', '-b', 'feature/ünï']);
    runBin(['hook', 'prompt', '--agent', 'claude'], { input: payload('b1', w.repo, 'UserPromptSubmit', { prompt: 'x' }), env: w.env, cwd: w.repo });
    expect(w.record('b1')?.branch).toBe('feature/ünï');
    git(w.repo, ['checkout', '-q', '--detach']);
    runBin(['hook', 'stop', '--agent', 'claude'], { input: payload('b1', w.repo, 'Stop', { stop_hook_active: false, last_assistant_message: '' }), env: w.env, cwd: w.repo });
    expect(w.record('b1')).toMatchObject({ branch: null, state: 'idle' });
  });

  it('the git pre-push records git presence when the session is known ($CLAUDE_CODE_SESSION_ID), and nothing without one', () => {
    const w = world();
    runBin(['hook', 'pre-push', 'origin', 'https://example.invalid/r.git'], { input: '', env: { ...w.env, CLAUDE_CODE_SESSION_ID: 'sess-git' }, cwd: w.repo });
    expect(w.record('sess-git')).toMatchObject({ agent: 'git', lastEvent: 'git', state: 'working' });
    const env = { ...w.env };
    delete env['CLAUDE_CODE_SESSION_ID'];
    delete env['CODEX_THREAD_ID'];
    delete env['ARBITER_SESSION_ID'];
    delete env['ARBITER_SESSION'];
    runBin(['hook', 'pre-push', 'origin', 'https://example.invalid/r.git'], { input: '', env, cwd: w.repo });
    expect(readdirSync(sessionsDir(w.runtime)).sort()).toEqual(withMarkers('sess-git'));
  });

  it('a corrupt record changes no answer (fail-open), is never rewritten, and the failure is logged once', () => {
    const w = world();
    mkdirSync(sessionsDir(w.runtime), { recursive: true });
    const file = join(sessionsDir(w.runtime), presenceFileName('bad'));
    writeFileSync(file, '{"v":1,');
    const stop = (): { code: number | null; stdout: string; stderr: string } =>
      runBin(['hook', 'stop', '--agent', 'claude'], { input: payload('bad', w.repo, 'Stop', { stop_hook_active: false, last_assistant_message: 'ok' }), env: w.env, cwd: w.repo });
    const run = runBin(['hook', 'stop', '--agent', 'claude'], { input: payload('good', w.repo, 'Stop', { stop_hook_active: false, last_assistant_message: 'ok' }), env: w.env, cwd: w.repo });
    const good = { code: run.code, stdout: run.stdout, stderr: run.stderr };
    for (let i = 0; i < 3; i++) {
      const r = stop();
      expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual(good);
    }
    expect(readFileSync(file, 'utf8')).toBe('{"v":1,');
    const logged = readDecisions(join(w.runtime, 'log'), { policy: 'presence' });
    expect(logged.map((e) => [e.verdict, e.facts['session_id']])).toEqual([['NotRecorded', 'bad']]);
  });

  it('a hostile session id (path, ANSI, 4 000 characters) is recorded under a fixed-length name with the id whole inside', () => {
    const w = world();
    const id = `../../\u001b[31m${'x'.repeat(4000)}`;
    runBin(['hook', 'prompt', '--agent', 'claude'], { input: payload(id, w.repo, 'UserPromptSubmit', { prompt: 'x' }), env: w.env, cwd: w.repo });
    expect(readdirSync(sessionsDir(w.runtime)).sort()).toEqual(withMarkers(id));
    expect(w.record(id)?.session).toBe(id);
  });

  it('a working session\'s tool event is one line in its inbox; a Stop folds it; the next tool event takes the full path (presence.md §11)', () => {
    const w = world();
    const inbox = presenceInboxDir(w.env);
    const hook = (name: string, event: string, extra: Record<string, unknown> = {}) =>
      expect(runBin(['hook', name, '--agent', 'claude'], { input: payload('in-1', w.repo, event, extra), env: w.env, cwd: w.repo }).code).toBe(0);
    hook('prompt', 'UserPromptSubmit', { prompt: 'go' });
    expect(w.raw('in-1')).toMatchObject({ state: 'working', lastEvent: 'prompt' });
    expect(statSync(dueMarkFile(inbox, presenceKey('in-1'))).mtimeMs).toBeGreaterThan(Date.now());
    hook('pre-tool', 'PreToolUse', { tool_name: 'Read', tool_input: { file_path: join(w.repo, 'README.md') } });
    expect(w.raw('in-1')).toMatchObject({ lastEvent: 'prompt', lastTool: null }); // the record is not touched
    const lines = readFileSync(inboxFile(inbox, presenceKey('in-1')), 'utf8').trimEnd().split('\n');
    expect(lines.map((l) => decodeInboxLine(l))).toMatchObject([{ session: 'in-1', event: 'pre-tool', tool: 'Read', cwd: w.repo, host: null }]);
    hook('stop', 'Stop', { stop_hook_active: false, last_assistant_message: 'Done.' });
    expect(w.raw('in-1')).toMatchObject({ state: 'idle', lastEvent: 'stop', lastTool: 'Read' });
    expect(existsSync(inboxFile(inbox, presenceKey('in-1')))).toBe(false);
    expect(statSync(dueMarkFile(inbox, presenceKey('in-1'))).mtimeMs).toBe(0);
    hook('pre-tool', 'PreToolUse', { tool_name: 'Grep', tool_input: { pattern: 'x' } });
    expect(w.raw('in-1')).toMatchObject({ state: 'working', lastEvent: 'pre-tool', lastTool: 'Grep' }); // idle → working: the full path
    // the dispatcher's bundle carries the fast path only; the full path is its own bundle, loaded when needed
    const dist = join(__dirname, '..', 'packages', 'hooks', 'dist');
    expect(readFileSync(join(dist, 'arbiter.cjs'), 'utf8')).not.toContain('recordEventsSync');
    expect(readFileSync(join(dist, 'hook-presence.cjs'), 'utf8')).toContain('recordEventsSync');
  });
});
