/**
 * Real clients and the session lock (session-lock.md) and the coordination context (push-gate.md §12): another
 * session holds this workspace's lock, so Claude's Write and Edit and Codex's apply_patch are refused and the file is
 * untouched; and the context block the SessionStart / UserPromptSubmit hooks print reaches the model's input.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { say } from './fake-model.js';
import { CLIENTS, arbiter, editFile, hookAs, makeWorld, modelInput, runSession, toldAfterTools, writeFile, SESSION_TEST_MS, SETUP_MS, cleanupWorlds, setupClients } from './harness.js';

vi.setConfig({ testTimeout: SESSION_TEST_MS });
beforeAll(setupClients, SETUP_MS);
afterAll(cleanupWorlds);

const OTHER = 'other-session-7';

describe.each(CLIENTS)('%s: session lock and context', (client) => {
  it('another session holds the workspace lock: creating and editing files is refused with the holder named', async () => {
    const w = makeWorld(`lock-${client}`);
    // the other session took the lock with a mutating call of its own (same client, same workspace)
    const held = hookAs(w, client, 'pre-tool', {
      session_id: OTHER,
      cwd: w.repo,
      hook_event_name: 'PreToolUse',
      tool_name: client === 'claude' ? 'Write' : 'apply_patch',
      tool_input: client === 'claude' ? { file_path: join(w.repo, 'x.txt'), content: 'x' } : { command: '*** Begin Patch\n*** Add File: x.txt\n+x\n*** End Patch\n' },
      tool_use_id: 'toolu_other',
    });
    expect(held.code).toBe(0);
    const s = await runSession(client, w, {
      prompt: 'Add notes.txt and bump the version in app.txt.',
      script: [writeFile(client, w, 'notes.txt', 'hello\n'), editFile(client, w, 'app.txt', 'version 1', 'version 2'), say('Blocked.')],
    });
    expect(s.code, s.stderr).toBe(0);
    expect(s.unused).toBe(0);
    expect(existsSync(join(w.repo, 'notes.txt'))).toBe(false);
    expect(readFileSync(join(w.repo, 'app.txt'), 'utf8')).toBe('version 1\n');
    const told = toldAfterTools(s);
    expect(told).toHaveLength(2);
    for (const t of told) expect(t).toContain(`parallel session lock held by ${OTHER}`);
  });

  it('without a competing session the same calls go through (the lock is taken and released by this session)', async () => {
    const w = makeWorld(`lock-free-${client}`);
    const s = await runSession(client, w, {
      prompt: 'Add notes.txt and bump the version in app.txt.',
      script: [writeFile(client, w, 'notes.txt', 'hello\n'), editFile(client, w, 'app.txt', 'version 1', 'version 2'), say('Done.')],
    });
    expect(s.code, s.stderr).toBe(0);
    expect(readFileSync(join(w.repo, 'notes.txt'), 'utf8')).toBe('hello\n');
    expect(readFileSync(join(w.repo, 'app.txt'), 'utf8')).toBe('version 2\n');
    for (const t of toldAfterTools(s)) expect(t).not.toContain('parallel session lock');
  });

  it('the context block reaches the model: this session, the lane held by another session', async () => {
    const w = makeWorld(`context-${client}`);
    expect(arbiter(w, w.repo, ['lane', 'claim', 'main'], { ARBITER_SESSION: OTHER }).code).toBe(0);
    const s = await runSession(client, w, { prompt: 'What is going on in this repository?', script: [say('Someone holds main.')] });
    expect(s.code, s.stderr).toBe(0);
    expect(s.unused).toBe(0);
    const input = modelInput(s);
    expect(input).toContain(`session ${s.sessionId}`);
    expect(input).toContain('deploy:refs/heads/main');
    expect(input).toContain('held by');
  });
});

describe('codex: SessionStart answers', () => {
  it('with `--export-session` on the SessionStart hook the context block still reaches the model (no `env` in a Codex answer)', async () => {
    const w = makeWorld('export-session-codex');
    const file = join(w.repo, '.codex', 'hooks.json');
    const text = readFileSync(file, 'utf8');
    // whatever form the installed command takes, add the flag to it
    expect(text).toMatch(/hook session-start --agent codex/);
    writeFileSync(file, text.replace(/(hook session-start --agent codex)/, '$1 --export-session'));
    const s = await runSession('codex', w, { prompt: 'What is going on in this repository?', script: [say('Nothing.')] });
    expect(s.code, s.stderr).toBe(0);
    // each of SessionStart and UserPromptSubmit adds the block as its own developer message (observed without the
    // flag); the SessionStart one is lost when its answer carries `env`
    const first = JSON.stringify(s.requests.find((r) => r.scripted)?.body ?? null);
    expect(first.split(`arbiter · repo · session ${s.sessionId}`).length - 1).toBe(2);
  });
});
