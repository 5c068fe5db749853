/**
 * Real clients (Claude Code 2.1.332, Codex 0.171.0) pushing to a deploy branch through `arbiter install`ed hooks, in
 * a real repository with a bare remote, offline against the fake model servers (harness.ts). Each scenario asserts
 * what the model was told after its tool call and what reached the remote. Expected behaviour per issue 10 point 2 and
 * push-gate.md; host facts in host-protocols.md C7.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { existsSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { say } from './fake-model.js';
import { CLIENTS, arbiter, decisions, git, laneAudit, makeWorld, remoteHead, runSession, shell, toldAfterTools, SESSION_TEST_MS, SETUP_MS, cleanupWorlds, setupClients } from './harness.js';

vi.setConfig({ testTimeout: SESSION_TEST_MS });
beforeAll(setupClients, SETUP_MS);
afterAll(cleanupWorlds);

const PUSH = 'git commit -q --allow-empty -m "ship it" && git push origin main';
const OTHER = 'other-session-7';

describe.each(CLIENTS)('%s: deploy pushes through the installed hooks', (client) => {
  it('an allowed deploy push claims the lane for this session, the git layer re-enters it, and the lane is released', async () => {
    const w = makeWorld(`push-ok-${client}`);
    const s = await runSession(client, w, { prompt: 'Ship the change to main.', script: [shell(client, PUSH), say('Pushed.')] });
    expect(s.code, s.stderr).toBe(0);
    expect(s.unused).toBe(0);
    expect(remoteHead(w)).toBe(git(w, w.repo, ['rev-parse', 'HEAD']).trim());
    const audit = laneAudit(w).filter((a) => a['lane'] === 'deploy:refs/heads/main');
    expect(audit.map((a) => [a['kind'], a['by_session']])).toEqual([
      ['claim', s.sessionId],
      ['release', s.sessionId],
    ]);
    // the git layer ran inside the client's shell and knew the agent's session (a re-entry, not a second holder)
    const gitLayer = decisions(w).filter((d) => d['policy'] === 'push-gate' && d['mode'] === 'git');
    expect(gitLayer).toHaveLength(1);
    expect((gitLayer[0]?.['facts'] as { identity?: { session?: string } }).identity?.session).toBe(s.sessionId);
    const told = toldAfterTools(s).join('\n');
    expect(told).toContain('main -> main');
    expect(told).not.toMatch(/UNGATED|held by/);
  });

  it('a lane held by another session stops the push before it happens, naming the holder and the way out', async () => {
    const w = makeWorld(`push-held-${client}`);
    expect(arbiter(w, w.repo, ['lane', 'claim', 'main'], { ARBITER_SESSION: OTHER }).code).toBe(0);
    const before = remoteHead(w);
    const s = await runSession(client, w, { prompt: 'Ship the change to main.', script: [shell(client, PUSH), say('Stopped.')] });
    expect(s.code, s.stderr).toBe(0);
    expect(remoteHead(w)).toBe(before);
    const told = toldAfterTools(s).join('\n');
    expect(told).toMatch(/held by/);
    if (client === 'codex') expect(told).toContain('arbiter deploy --break-glass'); // Codex can neither ask nor warn: the reason is the way out
    expect(laneAudit(w).filter((a) => a['kind'] === 'claim').map((a) => a['by_session'])).toEqual([OTHER]);
  });

  it('a halt directed at this session blocks its push and the model is told why', async () => {
    const w = makeWorld(`push-halt-${client}`);
    const before = remoteHead(w);
    // the other session halts this one once it has started (Codex makes its thread id known only then)
    const s = await runSession(client, w, {
      prompt: 'Ship the change to main.',
      script: [
        shell(client, 'git status --short'),
        (live) => {
          const r = arbiter(w, w.repo, ['lane', 'halt', '--session', live.sessionId, '--reason', 'wait for the migration'], { ARBITER_SESSION: OTHER });
          if (r.code !== 0) throw new Error(`halt failed: ${r.stderr}`);
          return shell(client, PUSH);
        },
        say('Halted.'),
      ],
    });
    expect(s.code, s.stderr).toBe(0);
    expect(s.unused).toBe(0);
    expect(remoteHead(w)).toBe(before);
    const told = toldAfterTools(s);
    expect(told[1]).toContain('this session has an open halt directed at it');
    expect(told[1]).toContain('do not push');
  });

  it('a branch behind the remote is refused with the rebase hint, and the remote is unchanged', async () => {
    const w = makeWorld(`push-behind-${client}`);
    const other = join(w.root, 'other');
    git(w, w.root, ['clone', '-q', w.remote, other]);
    git(w, other, ['commit', '-q', '--allow-empty', '-m', 'someone else']);
    git(w, other, ['push', '-q', 'origin', 'main']);
    git(w, w.repo, ['fetch', '-q']);
    const before = remoteHead(w);
    const s = await runSession(client, w, { prompt: 'Ship the change to main.', script: [shell(client, PUSH), say('Behind.')] });
    expect(s.code, s.stderr).toBe(0);
    expect(remoteHead(w)).toBe(before);
    expect(toldAfterTools(s).join('\n')).toContain('git pull --rebase');
  });

  it('a failed push releases the lane it claimed (Claude: PostToolUseFailure; Codex: PostToolUse with the output)', async () => {
    const w = makeWorld(`push-fail-${client}`);
    const hook = join(w.remote, 'hooks', 'pre-receive');
    writeFileSync(hook, '#!/bin/sh\necho "refused by the remote for this test" >&2\nexit 1\n');
    chmodSync(hook, 0o755);
    const before = remoteHead(w);
    const s = await runSession(client, w, { prompt: 'Ship the change to main.', script: [shell(client, PUSH), say('It failed.')] });
    expect(s.code, s.stderr).toBe(0);
    expect(remoteHead(w)).toBe(before);
    expect(toldAfterTools(s).join('\n')).toContain('refused by the remote for this test');
    const kinds = laneAudit(w).filter((a) => a['by_session'] === s.sessionId).map((a) => a['kind']);
    expect(kinds[0]).toBe('claim');
    expect(kinds.at(-1)).toBe('release');
    const status = arbiter(w, w.repo, ['lane', 'status']);
    expect(status.stdout).not.toContain(s.sessionId);
    expect(existsSync(w.repo)).toBe(true);
  });
});
