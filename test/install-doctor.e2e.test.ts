/**
 * `arbiter install` as the real clients run what it registers (issue 10; hooks.md §11;
 * push-gate.md §15): portable commands in the committed files, run through the committed launcher, which finds this
 * clone's recorded arbiter without `arbiter` on PATH and under a login shell that rebuilds PATH, and another clone's
 * (another directory, another node) through its node_modules; a launcher and a pre-push shim that never skip silently, the check that runs every command before registering it,
 * upgrades of old registrations, `install --user` (silent wherever `.arbiter/config.json` is absent) and
 * `arbiter doctor`. Runs the BUILT binary (`npm run build` first).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, readdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readDecisions, resolveRepo } from '@arbiter/io-node';
import { HOOK_LAUNCHER, PROJECT_LAUNCH, isArbiterEventCommand, isPortableCommand, prePushShim, shellWord } from '../packages/hooks/src/cli/install.js';
import { hasTrustEntry, snakeEvent } from '../packages/hooks/src/cli/doctor.js';
import { BIN, cloneAheadOfRemote, git, requireBuilt, tmp, worldEnv } from './helpers/bin.js';

/** The absolute launcher `install --user` registers (and records for a clone) when run from the built binary with this node. */
const LAUNCH = `${shellWord(realpathSync(process.execPath))} ${shellWord(realpathSync(BIN))}`;
/** This clone's launcher record. */
const record = (repo: string): string => readFileSync(join(repo, '.git', 'arbiter-launcher'), 'utf8');
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
  it('without arbiter on PATH: portable commands through the committed launcher and this clone\'s record; every registered command answers under sh -c and bash -lc with a login PATH; the pre-push shim gates a push run by bash -lc', () => {
    const w = world();
    const r = arbiter(['install'], { cwd: w.repo, env: w.env });
    expect(r.code).toBe(0);
    expect(sh('sh', ['-c', 'command -v arbiter'], { cwd: w.repo, env: w.env }).code).not.toBe(0);
    const claude = commandsIn(join(w.repo, '.claude', 'settings.json'));
    const codex = commandsIn(join(w.repo, '.codex', 'hooks.json'));
    expect(claude).toHaveLength(8); // seven decision events and the Notification that records waiting (presence.md §7)
    expect(codex).toHaveLength(5);
    for (const c of claude) expect(c.startsWith(`${PROJECT_LAUNCH.claude} hook `)).toBe(true);
    for (const c of codex) expect(c.startsWith(`${PROJECT_LAUNCH.codex} hook `)).toBe(true);
    for (const c of [...claude, ...codex]) expect({ c, portable: isPortableCommand(c), arbiter: isArbiterEventCommand(c) }).toEqual({ c, portable: true, arbiter: true });
    expect(record(w.repo)).toBe(`${realpathSync(process.execPath)}\n${realpathSync(BIN)}\n`);
    expect(readFileSync(join(w.repo, HOOK_LAUNCHER), 'utf8')).not.toContain(realpathSync(BIN)); // committed: nothing of this machine
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

  it('a package directory whose path has a space and a quote is recorded as it is and still answers', () => {
    const w = world();
    const pkg = join(w.root, "pkg dir's", 'dist');
    cpSync(dirname(BIN), pkg, { recursive: true });
    const r = arbiterIn(join(pkg, 'arbiter.cjs'), ['install', '--claude'], { cwd: w.repo, env: w.env });
    expect(r.code).toBe(0);
    const cmds = commandsIn(join(w.repo, '.claude', 'settings.json'));
    expect(record(w.repo).split('\n')[1]).toBe(`${realpathSync(pkg)}/arbiter.cjs`);
    for (const c of cmds) expect(isPortableCommand(c)).toBe(true);
    const pre = sh('sh', ['-c', cmds.find((c) => c.includes('hook pre-tool')) ?? ''], { cwd: w.repo, env: { ...w.env, CLAUDE_PROJECT_DIR: w.repo }, input: '{}' });
    expect(pre.code, pre.stderr).toBe(0);
    expect(pre.stderr).not.toContain('did NOT run');
  }, 180_000);

  it("a repository's node_modules/.bin symlink records the package's real path relative to the clone; a copy in npx's cache installs with a warning", () => {
    const w = world();
    const pkg = join(w.repo, 'node_modules', 'arbiter', 'dist');
    cpSync(dirname(BIN), pkg, { recursive: true });
    mkdirSync(join(w.repo, 'node_modules', '.bin'));
    symlinkSync('../arbiter/dist/arbiter.cjs', join(w.repo, 'node_modules', '.bin', 'arbiter'));
    const r = arbiterIn(join(w.repo, 'node_modules', '.bin', 'arbiter'), ['install', '--claude', '--no-check'], { cwd: w.repo, env: w.env });
    expect(r.code).toBe(0);
    expect(record(w.repo).split('\n')[1]).toBe('node_modules/arbiter/dist/arbiter.cjs');
    expect(commandsIn(join(w.repo, '.claude', 'settings.json'))[0]).toBe(`${PROJECT_LAUNCH.claude} hook pre-tool --agent claude`);
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
    // the launcher and the record written for the check are put back as they were (absent)
    expect(existsSync(join(w.repo, HOOK_LAUNCHER))).toBe(false);
    expect(existsSync(join(w.repo, '.git', 'arbiter-launcher'))).toBe(false);
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
    expect(cmds.filter((c) => c !== 'my-hook').every((c) => isPortableCommand(c))).toBe(true);
    expect(cmds.filter((c) => c.includes('hook pre-tool'))).toHaveLength(1);
    expect(readFileSync(join(w.repo, '.git', 'hooks', 'pre-push'), 'utf8')).toBe(prePushShim(false));
    const snap = () => [readFileSync(join(w.repo, '.claude', 'settings.json'), 'utf8'), readFileSync(join(w.repo, '.git', 'hooks', 'pre-push'), 'utf8')];
    const first = snap();
    expect(arbiter(['install', '--claude', '--git', '--no-check'], { cwd: w.repo, env: w.env }).code).toBe(0);
    expect(snap()).toEqual(first);
  }, 180_000);

  it('the pre-push shim never skips silently: with no record, no node_modules and no arbiter on PATH it says so and lets the push go (fail-open, loudly)', () => {
    const root = tmp('arbiter-shim-gone-');
    const path = join(root, 'pre-push');
    writeFileSync(path, prePushShim(false));
    chmodSync(path, 0o755);
    const r = sh(path, ['origin', 'url'], { cwd: root, env: { PATH: BARE_PATH }, input: 'refs/heads/main a refs/heads/main b\n' });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("arbiter: the pre-push gate did NOT run: no arbiter for this clone (none recorded by 'arbiter install', no node_modules/.bin/arbiter with a node, no arbiter on PATH); pushing ungated (fail-open).");
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

describe('the committed files work in every clone, on any machine (hooks.md §11)', () => {
  /** A PATH directory with only a node at another place than the installer's (a symlink), git and bash. */
  const otherNodePath = (root: string): string => {
    const bin = join(root, 'elsewhere-bin');
    mkdirSync(bin);
    symlinkSync(process.execPath, join(bin, 'node'));
    for (const tool of ['git', 'bash']) symlinkSync(sh('sh', ['-c', `command -v ${tool}`], { cwd: root, env: process.env }).stdout.trim(), join(bin, tool));
    return bin;
  };
  /** A repository's own Arbiter, as `npm ci` puts it there: the package in node_modules and its `.bin` link. */
  const npmCi = (repo: string): void => {
    cpSync(dirname(BIN), join(repo, 'node_modules', '@arbiter', 'hooks', 'dist'), { recursive: true });
    mkdirSync(join(repo, 'node_modules', '.bin'), { recursive: true });
    symlinkSync('../@arbiter/hooks/dist/arbiter.cjs', join(repo, 'node_modules', '.bin', 'arbiter'));
  };
  const pushPayload = (session: string, cwd: string) =>
    JSON.stringify({ session_id: session, cwd, hook_event_name: 'PreToolUse', tool_name: 'Bash', tool_input: { command: 'git push origin main' } });
  /** Install in the world's repository with ITS node_modules arbiter and commit what a team commits. */
  const installAndCommit = (w: ReturnType<typeof world>): void => {
    npmCi(w.repo);
    const r = arbiterIn(join(w.repo, 'node_modules', '.bin', 'arbiter'), ['install'], { cwd: w.repo, env: w.env });
    expect(r.code, r.stderr).toBe(0);
    git(w.repo, ['add', '.arbiter', '.claude', '.codex'], w.env);
    git(w.repo, ['commit', '-q', '-m', 'arbiter'], w.env);
  };

  it('cloned into another directory, the installer\'s copy deleted, node elsewhere, no arbiter on PATH: the committed hooks run the clone\'s node_modules arbiter and gate a deploy push (both clients, and git)', () => {
    const w = world();
    installAndCommit(w);
    const b = join(w.root, 'teammate');
    git(w.root, ['clone', '-q', w.repo, b], w.env);
    git(b, ['remote', 'set-url', 'origin', w.remote], w.env);
    rmSync(w.repo, { recursive: true, force: true }); // nothing of the installer's clone is left
    expect(existsSync(join(b, '.git', 'arbiter-launcher'))).toBe(false); // a clone gets no record
    npmCi(b);
    const env = { ...w.env, PATH: otherNodePath(w.root) };
    expect(sh('/bin/sh', ['-c', 'command -v arbiter'], { cwd: b, env }).code).not.toBe(0);
    const claude = commandsIn(join(b, '.claude', 'settings.json')).find((c) => c.includes('hook pre-tool')) ?? '';
    const codex = commandsIn(join(b, '.codex', 'hooks.json')).find((c) => c.includes('hook pre-tool')) ?? '';
    // session s-one claims the deploy lane through Claude's hook (started from the project directory) ...
    const one = sh('/bin/sh', ['-c', claude], { cwd: b, env: { ...env, CLAUDE_PROJECT_DIR: b }, input: pushPayload('s-one', b) });
    expect(one, one.stderr).toMatchObject({ code: 0, stderr: '' });
    // ... so Codex's hook (started below the top) stops session s-two's push, naming the holder (s-one holds this
    // clone's session lock)
    mkdirSync(join(b, 'sub'));
    const two = sh('/bin/sh', ['-c', codex], { cwd: join(b, 'sub'), env, input: pushPayload('s-two', b) });
    expect(two.code, two.stderr).toBe(0);
    expect(JSON.parse(two.stdout)).toMatchObject({ hookSpecificOutput: { permissionDecision: 'deny', permissionDecisionReason: expect.stringContaining('s-one') } });
    const log = join(resolveRepo(b, env)!.runtimeDir, 'log');
    expect(readDecisions(log, { policy: 'push-gate' }).filter((e) => e.mode === 'agent:claude').map((e) => e.verdict)).toEqual(['Allow']);
    expect(readDecisions(log, {}).filter((e) => e.mode === 'agent:codex').map((e) => e.verdict)).toContain('Block');
    // the teammate's git layer: `arbiter install --git` from node_modules, then a push in a login-less shell is gated
    const gitInstall = arbiterIn(join(b, 'node_modules', '.bin', 'arbiter'), ['install', '--git'], { cwd: b, env });
    expect(gitInstall.code, gitInstall.stderr).toBe(0);
    const push = sh('git', ['push', 'origin', 'main'], { cwd: b, env: { ...env, ARBITER_SESSION: 's-one' } });
    expect(push.stderr).not.toContain('did NOT run');
    expect(readDecisions(log, { policy: 'push-gate' }).some((e) => e.mode === 'git')).toBe(true);
  }, 240_000);

  it('copied with its .git to another directory on a machine whose recorded node is gone: the shim and the hooks use PATH\'s node and the copy\'s own node_modules', () => {
    const w = world();
    installAndCommit(w);
    expect(record(w.repo).split('\n')[1]).toBe('node_modules/@arbiter/hooks/dist/arbiter.cjs');
    const c = join(w.root, 'copy');
    cpSync(w.repo, c, { recursive: true, verbatimSymlinks: true });
    rmSync(w.repo, { recursive: true, force: true });
    const rec = join(c, '.git', 'arbiter-launcher');
    writeFileSync(rec, readFileSync(rec, 'utf8').replace(/^[^\n]*/, '/gone/bin/node'));
    const env = { ...w.env, PATH: otherNodePath(w.root) };
    const claude = commandsIn(join(c, '.claude', 'settings.json')).find((x) => x.includes('hook pre-tool')) ?? '';
    expect(sh('/bin/sh', ['-c', claude], { cwd: c, env: { ...env, CLAUDE_PROJECT_DIR: c }, input: pushPayload('s-copy', c) })).toMatchObject({ code: 0, stderr: '' });
    const push = sh('git', ['push', 'origin', 'main'], { cwd: c, env: { ...env, ARBITER_SESSION: 's-copy' } });
    expect(push.code, push.stderr).toBe(0);
    expect(push.stderr).not.toContain('did NOT run');
    const log = join(resolveRepo(c, env)!.runtimeDir, 'log');
    expect(readDecisions(log, { policy: 'push-gate' }).map((e) => e.mode).sort()).toEqual(['agent:claude', 'git']);
  }, 240_000);

  it('nothing resolves (no record, no node_modules, no arbiter on PATH): every committed hook exits 1 with the reason and the fix (never 127), and doctor says ✘', () => {
    const w = world();
    installAndCommit(w);
    const b = join(w.root, 'fresh-clone');
    git(w.root, ['clone', '-q', w.repo, b], w.env);
    const env = { ...w.env, PATH: otherNodePath(w.root) };
    const payload = JSON.stringify({ session_id: 's-x', cwd: b, hook_event_name: 'Stop', stop_hook_active: false });
    for (const [file, client] of [[join(b, '.claude', 'settings.json'), 'claude'], [join(b, '.codex', 'hooks.json'), 'codex']] as const) {
      for (const c of commandsIn(file)) {
        const r = sh('/bin/sh', ['-c', c], { cwd: b, env: { ...env, CLAUDE_PROJECT_DIR: b }, input: payload });
        expect({ c, code: r.code }).toEqual({ c, code: 1 });
        expect(r.stderr).toMatch(new RegExp(`^arbiter: 'arbiter hook [a-z-]+ --agent ${client}' did NOT run: no arbiter for this clone .*Install Arbiter \\(npm ci, or npm i -g\\) or run 'arbiter install' here`));
      }
    }
    const d = arbiter(['doctor', '--json'], { cwd: b, env });
    expect(d.code).toBe(1);
    const rows = JSON.parse(d.stdout) as Array<{ name: string; status: string; detail: string; fix?: string }>;
    expect(rows.find((x) => x.name === 'hook launcher')).toMatchObject({ status: 'fail', detail: expect.stringContaining('did NOT run'), fix: expect.stringContaining('npm ci') });
    expect(rows.find((x) => x.name === 'claude project commands')).toMatchObject({ status: 'fail', detail: expect.stringContaining('exit 1') });
    expect(rows.find((x) => x.name === 'claude project portable')?.status).toBe('ok');
  }, 240_000);

  it('an install with absolute launchers in the committed files is migrated to the portable form once; a second run changes nothing; --uninstall removes the launcher it wrote', () => {
    const w = world();
    mkdirSync(join(w.repo, '.claude'), { recursive: true });
    mkdirSync(join(w.repo, '.codex'), { recursive: true });
    const abs = (client: string, name: string) => `${LAUNCH} hook ${name} --agent ${client}`;
    writeFileSync(join(w.repo, '.claude', 'settings.json'), JSON.stringify({ hooks: { Stop: [{ hooks: [{ type: 'command', command: abs('claude', 'stop'), timeout: 10 }, { type: 'command', command: 'theirs' }] }] } }));
    writeFileSync(join(w.repo, '.codex', 'hooks.json'), JSON.stringify({ hooks: { Stop: [{ hooks: [{ type: 'command', command: abs('codex', 'stop'), timeout: 10 }] }] } }));
    const r = arbiter(['install', '--claude', '--codex'], { cwd: w.repo, env: w.env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.match(/replaced 1 registration\(s\) of an earlier install/g)).toHaveLength(2);
    const all = [...commandsIn(join(w.repo, '.claude', 'settings.json')), ...commandsIn(join(w.repo, '.codex', 'hooks.json'))];
    expect(all.filter((c) => c !== 'theirs').every((c) => isPortableCommand(c))).toBe(true);
    expect(all.filter((c) => c.includes('hook stop'))).toHaveLength(2);
    const snap = () => [join(w.repo, '.claude', 'settings.json'), join(w.repo, '.codex', 'hooks.json'), join(w.repo, HOOK_LAUNCHER), join(w.repo, '.git', 'arbiter-launcher')].map((p) => readFileSync(p, 'utf8'));
    const first = snap();
    const again = arbiter(['install', '--claude', '--codex'], { cwd: w.repo, env: w.env });
    expect(again.stdout).not.toContain('replaced');
    expect(snap()).toEqual(first);
    expect(arbiter(['install', '--claude', '--codex', '--uninstall'], { cwd: w.repo, env: w.env }).code).toBe(0);
    expect(existsSync(join(w.repo, HOOK_LAUNCHER))).toBe(false);
    expect(existsSync(join(w.repo, '.git', 'arbiter-launcher'))).toBe(false);
    expect(commandsIn(join(w.repo, '.claude', 'settings.json'))).toEqual(['theirs']);
  }, 240_000);
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
    for (const name of ['node', 'claude project portable', 'claude project commands', 'codex project portable', 'codex project commands', 'codex project trust', 'configuration', 'state directory', 'hook launcher', 'git pre-push', 'lane store']) {
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
    // a committed registration with a machine-specific launcher that moved away (an earlier release's form); no Codex
    // trust; the shim removed; a store that does not answer; bad config
    const settings = join(w.repo, '.claude', 'settings.json');
    writeFileSync(settings, readFileSync(settings, 'utf8').split(PROJECT_LAUNCH.claude.replace(/"/g, '\\"')).join('/moved/away/node /moved/away/arbiter.cjs'));
    rmSync(join(w.repo, '.git', 'hooks', 'pre-push'));
    writeFileSync(join(w.repo, '.arbiter', 'config.json'), JSON.stringify({ version: 1, lanes: { store: { kind: 'http', url: 'http://127.0.0.1:9/' } } }));
    const r = arbiter(['doctor', '--json'], { cwd: w.repo, env: { ...w.env, ARBITER_TOKEN: 't' } });
    expect(r.code).toBe(1);
    const rows = JSON.parse(r.stdout) as Array<{ name: string; status: string; detail: string; fix?: string }>;
    const row = (n: string) => rows.find((x) => x.name === n);
    expect(row('claude project commands')).toMatchObject({ status: 'fail', detail: expect.stringMatching(/exit 1|exit 127|not found/) });
    expect(row('claude project portable')).toMatchObject({ status: 'fail', detail: expect.stringContaining('machine-specific'), fix: expect.stringContaining('arbiter install --claude') });
    expect(row('codex project portable')?.status).toBe('ok');
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
