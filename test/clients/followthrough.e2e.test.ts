/**
 * Real clients and the Stop-time policies: an action claim ("Pushing it now.") becomes a commitment that a later
 * successful push in the same session delivers (action-claim.md), and a build the agent started itself keeps the
 * session working through Stop until `arbiter build done` (build-stop.md). The agent names the `arbiter` shim by its
 * full path, because Codex runs commands in a login shell that rebuilds PATH.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { say } from './fake-model.js';
import { CLIENTS, arbiter, git, makeWorld, modelInput, remoteHead, runSession, shell, shimPath, SESSION_TEST_MS, SETUP_MS, cleanupWorlds, setupClients } from './harness.js';

vi.setConfig({ testTimeout: SESSION_TEST_MS });
beforeAll(setupClients, SETUP_MS);
afterAll(cleanupWorlds);

interface CommitmentRow {
  readonly topic?: string;
  readonly effectiveStatus?: string;
  readonly lemma?: string;
}
const commitments = (rows: string): CommitmentRow[] => {
  const v = JSON.parse(rows) as unknown;
  return (Array.isArray(v) ? v : ((v as { commitments?: unknown[] }).commitments ?? [])) as CommitmentRow[];
};

describe.each(CLIENTS)('%s: follow-through', (client) => {
  it('"Pushing it now." opens a commitment; the push that follows in the same session delivers it', async () => {
    const w = makeWorld(`commit-${client}`);
    const first = await runSession(client, w, { prompt: 'Ship the change to main.', script: [say('Pushing it now.')] });
    expect(first.code, first.stderr).toBe(0);
    const open = commitments(arbiter(w, w.repo, ['commitments', 'list', '--json']).stdout);
    expect(open.map((c) => [c.topic, c.lemma, c.effectiveStatus])).toEqual([[first.sessionId, 'push', 'open']]);
    const second = await runSession(client, w, {
      prompt: 'Go ahead.',
      resume: first.sessionId,
      script: [shell(client, 'git commit -q --allow-empty -m "ship it" && git push origin main'), say('Pushed.')],
    });
    expect(second.code, second.stderr).toBe(0);
    expect(second.unused).toBe(0);
    expect(remoteHead(w)).toBe(git(w, w.repo, ['rev-parse', 'HEAD']).trim());
    const after = commitments(arbiter(w, w.repo, ['commitments', 'list', '--all', '--json']).stdout);
    expect(after.map((c) => [c.topic, c.effectiveStatus])).toEqual([[first.sessionId, 'delivered']]);
  });

  it('a build the agent started keeps it working through Stop until `arbiter build done`', async () => {
    const w = makeWorld(`build-${client}`);
    const shim = shimPath(w);
    const s = await runSession(client, w, {
      prompt: 'Build the feature.',
      script: [
        shell(client, `${shim} build start --task "ship the feature"`),
        say('The build is running; stopping here.'),
        // only reached when Stop kept the session working
        shell(client, `${shim} build done`),
        say('The build is done.'),
      ],
    });
    expect(s.code, s.stderr).toBe(0);
    expect(s.unused).toBe(0);
    // the Stop hook's reason reached the model as the next input after its first final answer
    const afterStop = s.requests.filter((r) => r.scripted)[2];
    expect(JSON.stringify(afterStop?.body ?? null)).toMatch(/build/i);
    expect(modelInput(s)).toContain('ship the feature');
    const status = arbiter(w, w.repo, ['build', 'status']);
    expect(status.stdout + status.stderr).toMatch(/done|complete/i);
  });
});
