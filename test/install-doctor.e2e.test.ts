/**
 * `arbiter install` as the real clients run what it registers (issue 10; hooks.md §11;
 * push-gate.md §15): absolute launchers that work without `arbiter` on PATH and under a login shell that rebuilds
 * PATH, a pre-push shim that never skips silently, the check that runs every command before registering it,
 * upgrades of old registrations, `install --user` (silent wherever `.arbiter/config.json` is absent) and
 * `arbiter doctor`. Runs the BUILT binary (`npm run build` first).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, readdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readDecisions, resolveRepo } from '@arbiter/io-node';
import { isArbiterEventCommand, prePushShim, shellWord } from '../packages/hooks/src/cli/install.js';
import { hasTrustEntry, snakeEvent } from '../packages/hooks/src/cli/doctor.js';
import { BIN, cloneAheadOfRemote, git, requireBuilt, tmp, worldEnv } from './helpers/bin.js';

/** The launcher `install` registers when run from the built binary with this node. */
const LAUNCH = `${shellWord(realpathSync(process.execPath))} ${shellWord(realpathSync(BIN))}`;
/** A PATH without any `arbiter` (and without the directory of this node). */
const BARE_PATH = '/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin';

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}
const arbiterIn = (bin: string, args: string[], o: { cwd: string; env: NodeJS.ProcessEnv; input?: string }): Ran => {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: o.cwd, env: o.env, input: o.input ?? '', encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
};
const arbiter = (args: string[], o: { cwd: string; env: NodeJS.ProcessEnv; input?: string }): Ran => arbiterIn(BIN, args, o);
const sh = (file: string, args: string[], o: { cwd: string; env: NodeJS.ProcessEnv; input?: string }): Ran => {
  const r = spawnSync(file, args, { cwd: o.cwd, env: o.env, input: o.input ?? '', encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
};

/** A world: a clone one commit ahead of its bare remote, its own HOME and state dir, PATH without arbiter. */
const world = () => {
  const root = tmp('arbiter-install-');
  mkdirSync(join(root, 'home'), { recursive: true });
  const env = worldEnv(root, { ARBITER_STATE_DIR: join(root, 'state'), PATH: BARE_PATH, CODEX_HOME: join(root, 'home', '.codex') });
  const { remote, repo } = cloneAheadOfRemote(root, env);
  return { root, env, remote, repo };
};

/** Every command registered in a client hooks file. */
const commandsIn = (path: string): string[] => {
  const v = JSON.parse(readFileSync(path, 'utf8')) as { hooks?: Record<string, Array<{ hooks: Array<{ command: string }> }>> };
  return Object.values(v.hooks ?? {}).flatMap((gs) => gs.flatMap((g) => g.hooks.map((h) => h.command)));
};

beforeAll(() => requireBuilt());

describe('install registers commands that run whatever PATH and shell the client uses', () => {
  it('without arbiter on PATH: absolute launchers; every registered command answers under sh -c and bash -lc with a login PATH; the pre-push shim gates a push run by bash -lc', () => {
    const w = world();
    const r = arbiter(['install'], { cwd: w.repo, env: w.env });
    expect(r.code).toBe(0);
    expect(sh('sh', ['-c', 'command -v arbiter'], { cwd: w.repo, env: w.env }).code).not.toBe(0);
    const claude = commandsIn(join(w.repo, '.claude', 'settings.json'));
    const codex = commandsIn(join(w.repo, '.codex', 'hooks.json'));
    expect(claude).toHaveLength(8); // seven decision events and the Notification that records waiting (presence.md §7)
    expect(codex).toHaveLength(5);
    for (const c of [...claude, ...codex]) expect(c.startsWith(`${LAUNCH} hook `)).toBe(true);
    // a login shell whose profile rebuilds PATH (as /etc/profile does for Codex's bash -lc)
    writeFileSync(join(w.root, 'home', '.bash_profile'), 'export PATH=/usr/bin:/bin\n');
    const payload = JSON.stringify({ session_id: 'thr-login', cwd: w.repo, hook_event_name: 'PreToolUse', tool_name: 'Bash', tool_input: { command: 'git push origin main' } });
    for (const c of codex.filter((x) => x.includes('hook pre-tool'))) {
      expect(sh('bash', ['-lc', c], { cwd: w.repo, env: w.env, input: payload })).toMatchObject({ code: 0, stdout: '' });
    }
    // git run by a login shell: the shim still finds Arbiter and the gate runs (a decision in the log, mode git)
    const push = sh('bash', ['-lc', 'git push origin main'], { cwd: w.repo, env: { ...w.env, ARBITER_SESSION: 'thr-login' } });
    expect(push.code).toBe(0);
    const logDir = join(resolveRepo(w.repo, w.env)!.runtimeDir, 'log');
    expect(readDecisions(logDir, { policy: 'push-gate' }).some((e) => e.mode === 'git')).toBe(true);
  }, 180_000);

  it('a package directory whose path has a space and a quote is registered as one shell word each and still answers', () => {
    const w = world();
    const pkg = join(w.root, "pkg dir's", 'dist');
    cpSync(dirname(BIN), pkg, { recursive: true });
    const r = arbiterIn(join(pkg, 'arbiter.cjs'), ['install', '--claude'], { cwd: w.repo, env: w.env });
    expect(r.code).toBe(0);
    const cmds = commandsIn(join(w.repo, '.claude', 'settings.json'));
    expect(cmds[0]).toContain(`'${realpathSync(pkg).replace(/'/g, `'\\''`)}/arbiter.cjs'`);
    for (const c of cmds) expect(isArbiterEventCommand(c)).toBe(true);
  }, 180_000);

  it("a repository's node_modules/.bin symlink registers the package's real path; a copy in npx's cache registers with a warning", () => {
    const w = world();
    const pkg = join(w.repo, 'node_modules', 'arbiter', 'dist');
    cpSync(dirname(BIN), pkg, { recursive: true });
    mkdirSync(join(w.repo, 'node_modules', '.bin'));
    symlinkSync('../arbiter/dist/arbiter.cjs', join(w.repo, 'node_modules', '.bin', 'arbiter'));
    const r = arbiterIn(join(w.repo, 'node_modules', '.bin', 'arbiter'), ['install', '--claude', '--no-check'], { cwd: w.repo, env: w.env });
    expect(r.code).toBe(0);
    expect(commandsIn(join(w.repo, '.claude', 'settings.json'))[0]).toContain(`${realpathSync(pkg)}/arbiter.cjs hook `);
    const npx = join(w.root, 'npm-cache', '_npx', '0a1b2c', 'node_modules', 'arbiter', 'dist');
    cpSync(dirname(BIN), npx, { recursive: true });
    const n = arbiterIn(join(npx, 'arbiter.cjs'), ['install', '--claude', '--no-check'], { cwd: w.repo, env: w.env });
    expect(n.code).toBe(0);
    expect(n.stdout).toContain("WARNING: this arbiter runs from npx's cache");
  }, 180_000);

  it('install runs every command once and fails loudly, writing nothing, when one does not answer', () => {
    const w = world();
    const pkg = join(w.root, 'broken', 'dist');
    cpSync(dirname(BIN), pkg, { recursive: true });
    // a launcher whose hooks exit 3 (a broken install), while its verbs still work
    writeFileSync(join(pkg, 'arbiter.cjs'), "if (process.argv[2] === 'hook') process.exit(3);\nvoid require('./cli.cjs').main(process.argv.slice(2));\n");
    const r = arbiterIn(join(pkg, 'arbiter.cjs'), ['install'], { cwd: w.repo, env: w.env });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('did not answer as the client would run them, so nothing was registered');
    expect(r.stderr).toMatch(/bash -lc .*hook pre-tool --agent codex\n\s+→ exit 3/);
    expect(existsSync(join(w.repo, '.claude', 'settings.json'))).toBe(false);
    expect(existsSync(join(w.repo, '.codex', 'hooks.json'))).toBe(false);
    expect(existsSync(join(w.repo, '.git', 'hooks', 'pre-push'))).toBe(false);
  }, 180_000);

  it('re-install upgrades bare `arbiter hook …` registrations and an old shim in place, keeps other hooks, and is then idempotent', () => {
    const w = world();
    mkdirSync(join(w.repo, '.claude'), { recursive: true });
    const old = {
      hooks: {
        PreToolUse: [{ matcher: 'Edit|Write|MultiEdit|NotebookEdit|Bash', hooks: [{ type: 'command', command: 'arbiter hook pre-tool --agent claude', timeout: 10 }, { type: 'command', command: 'my-hook' }] }],
        PostToolUseFailure: [{ matcher: 'Bash', hooks: [{ type: 'command', command: '/old/node /old/arbiter.cjs hook post-tool-failure --agent claude', timeout: 10 }] }],
      },
    };
    writeFileSync(join(w.repo, '.claude', 'settings.json'), JSON.stringify(old));
    writeFileSync(join(w.repo, '.git', 'hooks', 'pre-push'), '#!/bin/sh\n# arbiter: pre-push shim (installed by `arbiter install --git`)\ncommand -v arbiter >/dev/null 2>&1 || exit 0\nexec arbiter hook pre-push "$@"\n');
    const r = arbiter(['install', '--claude', '--git'], { cwd: w.repo, env: w.env });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('replaced 2 registration(s) of an earlier install');
    expect(r.stdout).toContain('pre-push shim upgraded');
    const cmds = commandsIn(join(w.repo, '.claude', 'settings.json'));
    expect(cmds).toContain('my-hook');
    expect(cmds.filter((c) => c !== 'my-hook').every((c) => c.startsWith(LAUNCH))).toBe(true);
    expect(cmds.filter((c) => c.includes('hook pre-tool'))).toHaveLength(1);
    expect(readFileSync(join(w.repo, '.git', 'hooks', 'pre-push'), 'utf8')).toBe(prePushShim({ node: realpathSync(process.execPath), script: realpathSync(BIN) }, false));
    const snap = () => [readFileSync(join(w.repo, '.claude', 'settings.json'), 'utf8'), readFileSync(join(w.repo, '.git', 'hooks', 'pre-push'), 'utf8')];
    const first = snap();
    expect(arbiter(['install', '--claude', '--git', '--no-check'], { cwd: w.repo, env: w.env }).code).toBe(0);
    expect(snap()).toEqual(first);
  }, 180_000);

  it('the pre-push shim never skips silently: with its launcher gone and no arbiter on PATH it says so and lets the push go (fail-open, loudly)', () => {
    const root = tmp('arbiter-shim-gone-');
    const path = join(root, 'pre-push');
    writeFileSync(path, prePushShim({ node: '/nonexistent/node', script: '/nonexistent/dist/arbiter.cjs' }, false));
    chmodSync(path, 0o755);
    const r = sh(path, ['origin', 'url'], { cwd: root, env: { PATH: BARE_PATH }, input: 'refs/heads/main a refs/heads/main b\n' });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('arbiter: the pre-push gate did NOT run: /nonexistent/dist/arbiter.cjs is gone and no arbiter is on PATH; pushing ungated (fail-open).');
  });

  it('shellWord: a POSIX shell reads every string back as one word (fast-check)', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 40 }).filter((s) => !s.includes('\0')), (s) => {
        const r = spawnSync('sh', ['-c', `printf '%s' ${shellWord(s)}`], { encoding: 'utf8' });
        expect(r.stdout).toBe(s);
      }),
      { numRuns: 60 },
    );
  }, 60_000);
});

describe('install --user', () => {
  it('adds to the user files beside other hooks, is idempotent, and --uninstall restores them exactly', () => {
    const w = world();
    const claudeFile = join(w.root, 'home', '.claude', 'settings.json');
    const codexFile = join(w.root, 'home', '.codex', 'hooks.json');
    mkdirSync(dirname(claudeFile), { recursive: true });
    mkdirSync(dirname(codexFile), { recursive: true });
    const theirs = { model: 'x', hooks: { PreToolUse: [{ matcher: 'Bash', hooks: [{ type: 'command', command: 'their-hook', timeout: 3 }] }], Notification: [{ hooks: [{ type: 'command', command: 'notify' }] }] } };
    const theirsCodex = { hooks: { Stop: [{ hooks: [{ type: 'command', command: 'their-stop' }] }] } };
    writeFileSync(claudeFile, JSON.stringify(theirs, null, 2));
    writeFileSync(codexFile, JSON.stringify(theirsCodex));
    const outside = join(w.root, 'elsewhere');
    mkdirSync(outside);
    const r = arbiter(['install', '--user'], { cwd: outside, env: w.env });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Codex skips these hooks until each one is trusted');
    const cmds = commandsIn(claudeFile);
    expect(cmds).toContain('their-hook');
    expect(cmds.filter((c) => c.endsWith('--scope user'))).toHaveLength(8);
    expect(commandsIn(codexFile).filter((c) => c.endsWith('--scope user'))).toHaveLength(5);
    expect(existsSync(join(outside, '.arbiter'))).toBe(false);
    const snap = [readFileSync(claudeFile, 'utf8'), readFileSync(codexFile, 'utf8')];
    expect(arbiter(['install', '--user', '--no-check'], { cwd: w.repo, env: w.env }).code).toBe(0);
    expect([readFileSync(claudeFile, 'utf8'), readFileSync(codexFile, 'utf8')]).toEqual(snap);
    expect(arbiter(['install', '--user', '--uninstall'], { cwd: outside, env: w.env }).code).toBe(0);
    expect(JSON.parse(readFileSync(claudeFile, 'utf8'))).toEqual(theirs);
    expect(JSON.parse(readFileSync(codexFile, 'utf8'))).toEqual(theirsCodex);
  }, 180_000);

  it('a user-scope hook is silent and writes nothing outside a repository and where .arbiter/config.json is absent; it answers in a configured repository unless the project registers Arbiter itself', () => {
    const w = world();
    const outside = join(w.root, 'elsewhere');
    mkdirSync(outside);
    const events: Array<[string, string, string]> = [
      ['claude', 'pre-tool', 'PreToolUse'],
      ['claude', 'post-tool', 'PostToolUse'],
      ['claude', 'post-tool-failure', 'PostToolUseFailure'],
      ['claude', 'stop', 'Stop'],
      ['claude', 'session-start', 'SessionStart'],
      ['claude', 'prompt', 'UserPromptSubmit'],
      ['claude', 'session-end', 'SessionEnd'],
      ['claude', 'notification', 'Notification'],
      ['codex', 'pre-tool', 'PreToolUse'],
      ['codex', 'post-tool', 'PostToolUse'],
      ['codex', 'stop', 'Stop'],
      ['codex', 'session-start', 'SessionStart'],
      ['codex', 'prompt', 'UserPromptSubmit'],
    ];
    const payload = (cwd: string, event: string) =>
      JSON.stringify({ session_id: 's-user', cwd, hook_event_name: event, tool_name: 'Bash', tool_input: { command: 'git push origin main' }, tool_response: 'To x\n   1111111..2222222  main -> main\n', source: 'startup', prompt: 'hi', stop_hook_active: false, last_assistant_message: "I'll push it now." });
    for (const dir of [outside, w.repo]) {
      for (const [agent, name, event] of events) {
        const r = arbiter(['hook', name, '--agent', agent, '--scope', 'user'], { cwd: dir, env: w.env, input: payload(dir, event) });
        expect({ agent, name, code: r.code, out: r.stdout.trim(), err: r.stderr }).toMatchObject({ agent, name, code: 0, err: '' });
        expect(['', '{}']).toContain(r.stdout.trim());
      }
    }
    expect(existsSync(join(w.root, 'state'))).toBe(false); // nothing decided, nothing written, not even the log
    // configured: the same hook answers (the context block), and the project-level registration wins when present
    mkdirSync(join(w.repo, '.arbiter'));
    writeFileSync(join(w.repo, '.arbiter', 'config.json'), '{"version":1}\n');
    const ctx = arbiter(['hook', 'session-start', '--agent', 'claude', '--scope', 'user'], { cwd: w.repo, env: w.env, input: payload(w.repo, 'SessionStart') });
    expect(ctx.stdout).toMatch(/^arbiter · repo · session s-user/);
    expect(arbiter(['install', '--claude', '--no-check'], { cwd: w.repo, env: w.env }).code).toBe(0);
    const again = arbiter(['hook', 'session-start', '--agent', 'claude', '--scope', 'user'], { cwd: w.repo, env: w.env, input: payload(w.repo, 'SessionStart') });
    expect(again).toMatchObject({ code: 0, stdout: '' });
  }, 180_000);
});

describe('arbiter doctor', () => {
  it('a healthy installation: every check ✔, exit 0; --json gives the same rows', () => {
    const w = world();
    expect(arbiter(['install', '--no-check'], { cwd: w.repo, env: w.env }).code).toBe(0);
    // trust entries for each Codex hook, keyed as Codex keys them (hooks.md §11; the hash is not verified)
    const hooksFile = join(w.repo, '.codex', 'hooks.json');
    const codex = JSON.parse(readFileSync(hooksFile, 'utf8')) as { hooks: Record<string, unknown[]> };
    const toml = Object.keys(codex.hooks).map((e) => `[hooks.state."${realpathSync(hooksFile)}:${snakeEvent(e)}:0:0"]\ntrusted_hash = "sha256:${'ab'.repeat(32)}"\n`).join('\n');
    mkdirSync(join(w.root, 'home', '.codex'), { recursive: true });
    writeFileSync(join(w.root, 'home', '.codex', 'config.toml'), toml);
    const r = arbiter(['doctor'], { cwd: w.repo, env: w.env });
    expect(r.stdout).toContain('all checks passed');
    expect(r.code).toBe(0);
    for (const name of ['node', 'claude project commands', 'codex project commands', 'codex project trust', 'configuration', 'state directory', 'git pre-push', 'lane store']) {
      expect(r.stdout).toMatch(new RegExp(`^✔ ${name} `, 'm'));
    }
    const j = arbiter(['doctor', '--json'], { cwd: w.repo, env: w.env });
    const rows = JSON.parse(j.stdout) as Array<{ name: string; status: string }>;
    expect(rows.every((x) => x.status !== 'fail')).toBe(true);
    expect(j.code).toBe(0);
    expect(arbiter(['doctor', '--help'], { cwd: w.repo, env: w.env })).toMatchObject({ code: 0, stdout: expect.stringContaining('Usage: arbiter doctor') });
  }, 180_000);

  it('each failure it can provoke is a ✘ with its fix, and exit 1', () => {
    const w = world();
    expect(arbiter(['install', '--no-check'], { cwd: w.repo, env: w.env }).code).toBe(0);
    // a registration whose launcher moved away; no Codex trust; the shim removed; a store that does not answer; bad config
    const settings = join(w.repo, '.claude', 'settings.json');
    writeFileSync(settings, readFileSync(settings, 'utf8').split(realpathSync(BIN)).join('/moved/away/arbiter.cjs'));
    rmSync(join(w.repo, '.git', 'hooks', 'pre-push'));
    writeFileSync(join(w.repo, '.arbiter', 'config.json'), JSON.stringify({ version: 1, lanes: { store: { kind: 'http', url: 'http://127.0.0.1:9/' } } }));
    const r = arbiter(['doctor', '--json'], { cwd: w.repo, env: { ...w.env, ARBITER_TOKEN: 't' } });
    expect(r.code).toBe(1);
    const rows = JSON.parse(r.stdout) as Array<{ name: string; status: string; detail: string; fix?: string }>;
    const row = (n: string) => rows.find((x) => x.name === n);
    expect(row('claude project commands')).toMatchObject({ status: 'fail', detail: expect.stringMatching(/exit 1|exit 127|not found/) });
    expect(row('codex project commands')?.status).toBe('ok');
    expect(row('codex project trust')).toMatchObject({ status: 'fail', fix: expect.stringContaining('/hooks') });
    expect(row('codex project trust')?.fix).toContain('arbiter install --codex --trust-codex-hooks');
    expect(row('git pre-push')).toMatchObject({ status: 'fail', fix: expect.stringContaining('arbiter install --git') });
    expect(row('lane store')).toMatchObject({ status: 'fail', detail: expect.stringMatching(/http store (failed|could not be opened)/) });
    for (const x of rows.filter((y) => y.status === 'fail')) expect(x.fix).toBeTruthy();
    // an invalid configuration and a state directory that cannot be created
    writeFileSync(join(w.repo, '.arbiter', 'config.json'), '{ not json');
    const stateFile = join(w.root, 'not-a-dir');
    writeFileSync(stateFile, '');
    const t = arbiter(['doctor'], { cwd: w.repo, env: { ...w.env, ARBITER_STATE_DIR: stateFile } });
    expect(t.code).toBe(1);
    expect(t.stdout).toMatch(/^✘ configuration .*not valid JSON/m);
    expect(t.stdout).toMatch(/^✘ state directory .*is not writable/m);
    expect(t.stdout).toMatch(/fix: /);
  }, 180_000);

  it('hasTrustEntry reads both TOML quotings and needs a sha256 trusted_hash', () => {
    const k = '/r/.codex/hooks.json:pre_tool_use:0:0';
    expect(hasTrustEntry(`[hooks.state."${k}"]\ntrusted_hash = "sha256:ab12"\n`, k)).toBe(true);
    expect(hasTrustEntry(`[hooks.state.'${k}']\ntrusted_hash = 'sha256:ab12'\n`, k)).toBe(true);
    expect(hasTrustEntry(`[hooks.state."${k}"]\nenabled = false\n[other]\ntrusted_hash = "sha256:ab"\n`, k)).toBe(false);
    expect(hasTrustEntry('', k)).toBe(false);
    expect(readdirSync).toBeTypeOf('function');
  });
});
