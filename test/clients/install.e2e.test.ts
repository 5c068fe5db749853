/**
 * Real clients and the installation itself: hooks registered by `node …/arbiter.cjs install` when `arbiter` is not on
 * the PATH the client runs them with; the git layer under Codex's login shell (`bash -lc`, whose /etc/profile
 * rebuilds PATH); and what each client does with a hook that outlives its timeout (host-protocols.md C1, C6, C7).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { say } from './fake-model.js';
import { BIN, CLIENTS, addHook, arbiter, codexBin, decisions, git, laneAudit, makeWorld, remoteHead, runSession, shell, toldAfterTools, SESSION_TEST_MS, SETUP_MS, cleanupWorlds, setupClients, writeCodexConfig } from './harness.js';

vi.setConfig({ testTimeout: SESSION_TEST_MS });
beforeAll(setupClients, SETUP_MS);
afterAll(cleanupWorlds);

const PUSH = 'git commit -q --allow-empty -m "ship it" && git push origin main';

describe.each(CLIENTS)('%s: installation as the client runs it', (client) => {
  it('`arbiter` not on PATH: the hooks registered by `node …/arbiter.cjs install` still gate (agent and git layer)', async () => {
    const w = makeWorld(`nopath-${client}`, { install: 'node' });
    const s = await runSession(client, w, { prompt: 'Ship the change to main.', arbiterOnPath: false, script: [shell(client, PUSH), say('Pushed.')] });
    expect(s.code, s.stderr).toBe(0);
    expect(remoteHead(w)).toBe(git(w, w.repo, ['rev-parse', 'HEAD']).trim());
    // the agent layer claimed the lane for this session, and the git layer ran too
    expect(laneAudit(w).filter((a) => a['kind'] === 'claim').map((a) => a['by_session'])).toEqual([s.sessionId]);
    expect(decisions(w).filter((d) => d['policy'] === 'push-gate' && d['mode'] === 'git')).toHaveLength(1);
    if (client === 'claude') {
      const failed = s.events.filter((e) => e['subtype'] === 'hook_response' && e['exit_code'] === 127);
      expect(failed).toEqual([]);
    }
  });

  it("a teammate's clone (hooks.md §11): no launcher record, no arbiter on PATH, only the repository's node_modules: the committed hooks still gate (agent and git layer)", async () => {
    const w = makeWorld(`teammate-${client}`, { install: 'node' });
    rmSync(join(w.repo, '.git', 'arbiter-launcher')); // what `git clone` gives a teammate: no record of this machine
    const pkg = join(w.repo, 'node_modules', '@arbiter', 'hooks', 'dist');
    cpSync(dirname(BIN), pkg, { recursive: true });
    mkdirSync(join(w.repo, 'node_modules', '.bin'));
    symlinkSync('../@arbiter/hooks/dist/arbiter.cjs', join(w.repo, 'node_modules', '.bin', 'arbiter'));
    writeFileSync(join(w.repo, '.git', 'info', 'exclude'), 'node_modules/\n');
    const s = await runSession(client, w, { prompt: 'Ship the change to main.', arbiterOnPath: false, script: [shell(client, PUSH), say('Pushed.')] });
    expect(s.code, s.stderr).toBe(0);
    expect(remoteHead(w)).toBe(git(w, w.repo, ['rev-parse', 'HEAD']).trim());
    expect(laneAudit(w).filter((a) => a['kind'] === 'claim').map((a) => a['by_session'])).toEqual([s.sessionId]);
    expect(decisions(w).filter((d) => d['policy'] === 'push-gate' && d['mode'] === 'git')).toHaveLength(1);
    if (client === 'claude') expect(s.events.filter((e) => e['subtype'] === 'hook_response' && e['exit_code'] !== 0)).toEqual([]);
  });

  it('a hook that outlives its timeout does not stop the tool call: the client ends it and goes on', async () => {
    const w = makeWorld(`timeout-${client}`);
    addHook(w, client, 'PreToolUse', 'sleep 40', 2, client === 'claude' ? 'Bash' : '^Bash$');
    const s = await runSession(client, w, { prompt: 'Record that it ran.', script: [shell(client, 'echo ran > ran.txt'), say('Done.')] });
    expect(s.code, s.stderr).toBe(0);
    expect(s.unused).toBe(0);
    expect(readFileSync(join(w.repo, 'ran.txt'), 'utf8')).toBe('ran\n');
    expect(s.ms).toBeLessThan(35_000); // the client did not wait for the 40 s hook
    if (client === 'claude') {
      // Claude Code reports the timed-out hook in its stream as cancelled (exit code 1) and runs the tool anyway;
      // Codex shows nothing of it in `exec --json`
      const pre = s.events.filter((e) => e['subtype'] === 'hook_response' && e['hook_event'] === 'PreToolUse');
      expect(pre.map((e) => e['outcome']).sort()).toEqual(['cancelled', 'success']);
    }
    expect(existsSync(w.repo)).toBe(true);
  });
});

describe('codex: hook trust', () => {
  it('`arbiter install --codex` says plainly that Codex skips the hooks until they are trusted, and how to trust them', () => {
    const w = makeWorld('install-msg-codex', { install: false });
    const r = arbiter(w, w.repo, ['install', '--codex']);
    expect(r.code).toBe(0);
    const said = r.stdout.split(w.root).join('<world>'); // only what install says, not the paths it names
    expect(said).toMatch(/trust/i);
    expect(said).toMatch(/skip/i);
  });

  it('without trust Codex runs none of the installed hooks: the push goes through with no agent-layer decision', async () => {
    const w = makeWorld('bare-codex');
    const s = await runSession('codex', w, { prompt: 'Ship the change to main.', bypassHookTrust: false, script: [shell('codex', PUSH), say('Pushed.')] });
    expect(s.code, s.stderr).toBe(0);
    expect(remoteHead(w)).toBe(git(w, w.repo, ['rev-parse', 'HEAD']).trim());
    expect(decisions(w).filter((d) => d['mode'] === 'agent:codex')).toEqual([]);
  });
});

describe('codex: trust recorded by `install --trust-codex-hooks` (hooks.md §11)', () => {
  it('Codex itself records the trust: without --dangerously-bypass-hook-trust the hooks run, doctor passes, a re-run writes nothing', async () => {
    const w = makeWorld('trusted-codex');
    writeCodexConfig(w); // the project trusted, as a user of Codex has it
    const env = { CODEX_HOME: w.codexHome };
    const r = arbiter(w, w.repo, ['install', '--codex', '--trust-codex-hooks', '--codex-bin', codexBin()], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Codex now trusts [1-9]\d* Arbiter hook\(s\).*0 already trusted/);
    const toml = readFileSync(join(w.codexHome, 'config.toml'), 'utf8');
    expect(toml).toMatch(/trusted_hash = "sha256:[0-9a-f]{64}"/);
    const again = arbiter(w, w.repo, ['install', '--codex', '--trust-codex-hooks', '--codex-bin', codexBin()], env);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/Codex now trusts 0 Arbiter hook\(s\).*[1-9]\d* already trusted/);
    expect(readFileSync(join(w.codexHome, 'config.toml'), 'utf8')).toBe(toml);
    const doctor = JSON.parse(arbiter(w, w.repo, ['doctor', '--json'], env).stdout) as Array<{ name: string; status: string }>;
    expect(doctor.find((d) => d.name === 'codex project trust')?.status).toBe('ok');
    const s = await runSession('codex', w, { prompt: 'Ship the change to main.', bypassHookTrust: false, script: [shell('codex', PUSH), say('Pushed.')] });
    expect(s.code, s.stderr).toBe(0);
    expect(remoteHead(w)).toBe(git(w, w.repo, ['rev-parse', 'HEAD']).trim());
    // the twin of the untrusted run above: here the agent layer decided, and claimed the lane for this session
    expect(decisions(w).filter((d) => d['mode'] === 'agent:codex').length).toBeGreaterThan(0);
    expect(laneAudit(w).filter((a) => a['kind'] === 'claim').map((a) => a['by_session'])).toEqual([s.sessionId]);
  });

  it('a codex that cannot be run: exit 1, nothing written, and the message says how to name it', () => {
    const w = makeWorld('trust-nocodex', { install: false });
    const r = arbiter(w, w.repo, ['install', '--codex', '--trust-codex-hooks', '--codex-bin', join(w.root, 'no-such-codex')], { CODEX_HOME: w.codexHome });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--codex-bin/);
    expect(existsSync(join(w.repo, '.codex', 'hooks.json'))).toBe(false);
    expect(existsSync(join(w.codexHome, 'config.toml'))).toBe(false);
  });

  it('Codex does not list the hooks (project not trusted): exit 1, loudly, and no trust entry written', () => {
    const w = makeWorld('trust-untrustedproject', { install: false });
    const r = arbiter(w, w.repo, ['install', '--codex', '--trust-codex-hooks', '--codex-bin', codexBin()], { CODEX_HOME: w.codexHome });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/trust was NOT recorded/);
    const toml = existsSync(join(w.codexHome, 'config.toml')) ? readFileSync(join(w.codexHome, 'config.toml'), 'utf8') : '';
    expect(toml).not.toContain('trusted_hash');
  });
});

describe('codex: the login shell', () => {
  it('a push in Codex\'s `bash -lc` runs the git pre-push layer with the agent\'s session (no "UNGATED" warning about its own claim)', async () => {
    const w = makeWorld('loginshell-codex');
    const s = await runSession('codex', w, { prompt: 'Ship the change to main.', script: [shell('codex', PUSH), say('Pushed.')] });
    expect(s.code, s.stderr).toBe(0);
    const cmd = s.events.find((e) => (e['item'] as { type?: string } | undefined)?.type === 'command_execution');
    expect((cmd?.['item'] as { command?: string }).command).toMatch(/^\/bin\/bash -lc /);
    const gitLayer = decisions(w).filter((d) => d['policy'] === 'push-gate' && d['mode'] === 'git');
    expect(gitLayer).toHaveLength(1);
    expect((gitLayer[0]?.['facts'] as { identity?: { session?: string } }).identity?.session).toBe(s.sessionId);
    expect(toldAfterTools(s).join('\n')).not.toContain('UNGATED');
  });
});
