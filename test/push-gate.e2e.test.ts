/**
 * End-to-end tests of the push gate on real git repositories (a bare remote and clones) with the built binary
 * `packages/hooks/dist/arbiter.cjs` and documented Claude Code / Codex payloads (host-protocols.md C2–C6, D).
 * Covers: ask/warn while held, the git layer's rebase hint, zero lane access for non-deploy commands, break-glass
 * audit, install idempotence/uninstall, two concurrent `git push` processes racing for one lane, a CLI claim race,
 * the watchdog on a hung store (PG-37), the context hook (PG-38), the decision log (PG-39) and stdin fuzzing.
 */
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { worldEnv } from './helpers/bin.js';
import { PROJECT_LAUNCH } from '../packages/hooks/src/cli/install.js';
import fc from 'fast-check';

const BIN = resolve(__dirname, '../packages/hooks/dist/arbiter.cjs');
const root = mkdtempSync(join(tmpdir(), 'arbiter-pg-e2e-'));
const binDir = join(root, 'bin');
const LANES = join(root, 'shared-lanes');
const env = worldEnv(root, { ARBITER_STATE_DIR: join(root, 'state'), PATH: `${binDir}${delimiter}${process.env['PATH'] ?? ''}` });

interface Ran { code: number; stdout: string; stderr: string; ms: number }
const arbiter = (args: string[], o: { cwd: string; stdin?: string | Buffer; env?: NodeJS.ProcessEnv }): Ran => {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: o.cwd, env: { ...env, ...(o.env ?? {}) }, input: o.stdin ?? '', encoding: 'utf8', timeout: 30_000, maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '', ms: Date.now() - t0 };
};
const git = (cwd: string, args: string[], extra: NodeJS.ProcessEnv = {}): Ran => {
  const t0 = Date.now();
  const r = spawnSync('git', args, { cwd, env: { ...env, ...extra }, encoding: 'utf8', timeout: 30_000 });
  return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '', ms: Date.now() - t0 };
};
const pre = (session: string, cwd: string, command: string, id = `toolu_${session}`) =>
  JSON.stringify({ session_id: session, transcript_path: null, cwd, permission_mode: 'default', hook_event_name: 'PreToolUse', tool_name: 'Bash', tool_input: { command }, tool_use_id: id });
const codexPre = (session: string, cwd: string, command: string) =>
  JSON.stringify({ session_id: session, transcript_path: null, cwd, hook_event_name: 'PreToolUse', model: 'gpt-5', turn_id: 't1', tool_name: 'Bash', tool_use_id: 'call_1', tool_input: { command } });
const post = (session: string, cwd: string, command: string, id = `toolu_${session}`) =>
  JSON.stringify({ session_id: session, cwd, hook_event_name: 'PostToolUse', tool_name: 'Bash', tool_input: { command }, tool_use_id: id, tool_response: { stdout: '', stderr: '', interrupted: false, isImage: false } });
const GATE = ['hook', 'gate-push', '--agent', 'claude'];
/** What `arbiter install` registers before `hook …` in a project file (hooks.md §11): the committed launcher, portable. */
const LAUNCH = PROJECT_LAUNCH.claude;

/** A bare remote with one commit on main, and `n` clones with their own e-mail, installed and sharing LANES. */
const world = (name: string, n: number, shared = true): { remote: string; clones: [string, string, ...string[]] } => {
  const base = join(root, name);
  mkdirSync(base, { recursive: true });
  const remote = join(base, 'remote.git');
  git(base, ['init', '-q', '--bare', '-b', 'main', remote]);
  const seed = join(base, 'seed');
  git(base, ['init', '-q', '-b', 'main', seed]);
  git(seed, ['commit', '-q', '--allow-empty', '-m', 'init']);
  git(seed, ['push', '-q', remote, 'main']);
  const clones: string[] = [];
  for (let i = 0; i < n; i++) {
    const c = join(base, `clone-${i}`);
    git(base, ['clone', '-q', remote, c]);
    git(c, ['config', 'user.email', `dev${i}@example.com`]);
    const r = arbiter(['install', '--no-check'], { cwd: c }); // install itself is tested below; its check runs there
    expect(r.code).toBe(0);
    if (shared) writeFileSync(join(c, '.arbiter', 'config.json'), JSON.stringify({ version: 1, lanes: { store: { kind: 'embedded', dir: join(LANES, name) } } }));
    clones.push(c);
  }
  return { remote, clones: clones as [string, string, ...string[]] };
};
const audit = (name: string): Array<Record<string, unknown>> => {
  const p = join(LANES, name, 'audit.ndjson');
  return existsSync(p) ? readFileSync(p, 'utf8').trim().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>) : [];
};

beforeAll(() => {
  expect(existsSync(BIN)).toBe(true);
  mkdirSync(binDir, { recursive: true });
  mkdirSync(join(root, 'home'), { recursive: true });
  writeFileSync(join(binDir, 'arbiter'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
  chmodSync(join(binDir, 'arbiter'), 0o755);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('push gate end to end (real git, built binary)', () => {
  it('A claims and pushes; B is asked (Claude) or denied (Codex, push-gate.md §14 rule 4); the git layer re-enters; PostToolUse releases', () => {
    const { clones: [A, B] } = world('w1', 2);
    git(A, ['commit', '-q', '--allow-empty', '-m', 'a1']);
    const a = arbiter(GATE, { cwd: A, stdin: pre('sA', A, 'git push origin main') });
    expect(a).toMatchObject({ code: 0, stdout: '', stderr: '' });
    const b = arbiter(GATE, { cwd: B, stdin: pre('sB', B, 'git push origin main') });
    expect(b.code).toBe(0);
    const out = JSON.parse(b.stdout) as { hookSpecificOutput: { permissionDecision: string; permissionDecisionReason: string } };
    expect(out.hookSpecificOutput.permissionDecision).toBe('ask');
    expect(out.hookSpecificOutput.permissionDecisionReason).toMatch(/^Deploy lane deploy:refs\/heads\/main is held by @dev0 \(last heartbeat \d+s ago\)/);
    const cx = arbiter(['hook', 'gate-push', '--agent', 'codex'], { cwd: B, stdin: codexPre('cB', B, 'git push origin main') });
    expect(cx.code).toBe(0);
    const denied = JSON.parse(cx.stdout) as { hookSpecificOutput: { hookEventName: string; permissionDecision: string; permissionDecisionReason: string } };
    expect(denied.hookSpecificOutput).toMatchObject({ hookEventName: 'PreToolUse', permissionDecision: 'deny' });
    expect(denied.hookSpecificOutput.permissionDecisionReason).toMatch(/^arbiter: BLOCKED — deploy lane deploy:refs\/heads\/main is held by @dev0 \(last heartbeat \d+s ago\).*Queue for it with `arbiter land`, wait until the holder releases it.*`arbiter deploy --break-glass/);
    const push = git(A, ['push', 'origin', 'main'], { ARBITER_SESSION: 'sA' });
    expect(push.code).toBe(0);
    expect(arbiter(['hook', 'gate-push', '--post', '--agent', 'claude'], { cwd: A, stdin: post('sA', A, 'git push origin main') })).toMatchObject({ code: 0, stdout: '', stderr: '' });
    const kinds = audit('w1').map((x) => x['kind']);
    expect(kinds).toEqual(['claim', 'release']); // the git layer's claim was a re-entry (same session, same instance)
  });

  it('Codex: the git layer reads CODEX_THREAD_ID, so a Codex deploy push finds its own claim; under another Codex agent a held lane refuses the push (exit 1), a person is only warned', () => {
    const { clones: [A, B] } = world('w1c', 2);
    git(A, ['commit', '-q', '--allow-empty', '-m', 'a1']);
    // the Codex agent's PreToolUse claims with the payload session_id; its command's git layer has CODEX_THREAD_ID
    expect(arbiter(['hook', 'gate-push', '--agent', 'codex'], { cwd: A, stdin: codexPre('thr-A', A, 'git push origin main') })).toMatchObject({ code: 0, stdout: '', stderr: '' });
    const own = git(A, ['push', 'origin', 'main'], { CODEX_THREAD_ID: 'thr-A' });
    expect(own.code).toBe(0);
    expect(own.stderr).not.toContain('arbiter:'); // no "held by … UNGATED" about its own claim
    expect(audit('w1c').map((x) => x['kind'])).toEqual(['claim']); // the git layer's claim was a re-entry
    git(B, ['pull', '-q', '--rebase', 'origin', 'main']);
    git(B, ['commit', '-q', '--allow-empty', '-m', 'b1']);
    const other = git(B, ['push', 'origin', 'main'], { CODEX_THREAD_ID: 'thr-B' });
    expect(other.code).not.toBe(0);
    expect(other.stderr).toMatch(/arbiter: BLOCKED — deploy lane deploy:refs\/heads\/main is held by @dev0 .*arbiter deploy --break-glass/);
    const person = git(B, ['push', 'origin', 'main'], { ARBITER_SESSION: 'sB' });
    expect(person.code).toBe(0);
    expect(person.stderr).toContain('arbiter: WARNING — deploy lane deploy:refs/heads/main is held by @dev0');
  });

  it('arbiter build start run by a Codex agent takes CODEX_THREAD_ID as its owner session', () => {
    const { clones: [A] } = world('w1b', 1);
    const r = arbiter(['build', 'start', '--task', 'ship it'], { cwd: A, env: { CODEX_THREAD_ID: 'thr-build-1', ARBITER_NO_TMUX: '1' } });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('session "thr-buil"'); // shown cut to 8 (build-stop.md)
  });

  it('B behind origin is blocked by the git pre-push hook with the rebase hint; the fresh grant is released', () => {
    const { clones: [A, B] } = world('w2', 2);
    git(A, ['commit', '-q', '--allow-empty', '-m', 'a1']);
    expect(git(A, ['push', '-q', 'origin', 'main'], { ARBITER_SESSION: 'sA' }).code).toBe(0);
    // A's git-layer claim holds a 2-minute lease; release it the way a person would.
    expect(arbiter(['lane', 'release', 'main'], { cwd: A, env: { ARBITER_SESSION: 'sA' } }).code).toBe(0);
    git(B, ['commit', '-q', '--allow-empty', '-m', 'b1']);
    const r = git(B, ['push', 'origin', 'main'], { ARBITER_SESSION: 'sB' });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('arbiter: BLOCKED — the remote branch main on origin has commits that this push does not contain. Run `arbiter land` to queue, rebase, check and push in turn, or `git pull --rebase`, then push again.');
    const last = audit('w2').at(-1);
    expect(last?.['kind']).toBe('release');
    expect(last?.['by_session']).toBe('sB');
  });

  it('non-pushes and non-deploy pushes never touch the lane store (no lanes directory is ever created)', () => {
    const { clones: [B] } = world('w3', 1);
    for (const cmd of ['echo "git push"', 'git push origin feature/x', "git commit -m 'git push later'", 'npm test', 'git push origin :main']) {
      const r = arbiter(GATE, { cwd: B, stdin: pre('sB', B, cmd) });
      expect(r).toMatchObject({ code: 0, stdout: '', stderr: '' });
    }
    expect(existsSync(join(LANES, 'w3'))).toBe(false);
  });

  it('break-glass is allowed, loud and audited (force-release, status post, claim)', () => {
    const { clones: [A, B] } = world('w4', 2);
    expect(arbiter(['deploy'], { cwd: A, env: { ARBITER_SESSION: 'sA' } }).code).toBe(0);
    const held = arbiter(['deploy'], { cwd: B, env: { ARBITER_SESSION: 'sB' } });
    expect(held.code).toBe(1);
    expect(held.stderr).toContain('is HELD by @dev0');
    const bg = arbiter(GATE, { cwd: B, stdin: pre('sB', B, 'git push origin main'), env: { ARBITER_BREAK_GLASS: '1', ARBITER_BREAK_GLASS_REASON: 'prod "down"\n now' } });
    expect(bg.code).toBe(0);
    expect(JSON.parse(bg.stdout)).toEqual({ systemMessage: 'arbiter: BREAK-GLASS — deploy lane deploy:refs/heads/main taken by force; this takeover is audited.' });
    const a = audit('w4');
    const kinds = a.map((x) => x['kind']);
    // force-release strictly before the break-glass claim (sequential per lane); the status post runs concurrently
    expect([...kinds].sort()).toEqual(['claim', 'claim', 'force-release', 'status']);
    expect(kinds.indexOf('force-release')).toBeLessThan(kinds.lastIndexOf('claim'));
    expect(a.find((x) => x['kind'] === 'status')?.['body']).toBe("BREAK-GLASS deploy on deploy:refs/heads/main by @dev1 — prod 'down' now");
  });

  it('install is idempotent, respects core.hooksPath, chains an existing hook, and uninstall removes exactly what it added', () => {
    const base = join(root, 'w5');
    mkdirSync(base, { recursive: true });
    const repo = join(base, 'r');
    git(base, ['init', '-q', '-b', 'main', repo]);
    mkdirSync(join(repo, '.claude'), { recursive: true });
    const userSettings = { permissions: { allow: ['Bash(ls)'] }, hooks: { PreToolUse: [{ matcher: 'Bash', hooks: [{ type: 'command', command: 'my-own-hook' }] }] } };
    writeFileSync(join(repo, '.claude', 'settings.json'), JSON.stringify(userSettings));
    mkdirSync(join(repo, 'githooks'), { recursive: true });
    git(repo, ['config', 'core.hooksPath', 'githooks']);
    writeFileSync(join(repo, 'githooks', 'pre-push'), '#!/bin/sh\necho previous-hook-ran >&2\nexit 0\n');
    chmodSync(join(repo, 'githooks', 'pre-push'), 0o755);
    expect(arbiter(['install'], { cwd: repo }).code).toBe(0);
    const snap = () => ({
      claude: readFileSync(join(repo, '.claude', 'settings.json'), 'utf8'),
      codex: readFileSync(join(repo, '.codex', 'hooks.json'), 'utf8'),
      hook: readFileSync(join(repo, 'githooks', 'pre-push'), 'utf8'),
      config: readFileSync(join(repo, '.arbiter', 'config.json'), 'utf8'),
    });
    const first = snap();
    expect(first.hook).toContain('pre-push.arbiter-chained');
    const s = JSON.parse(first.claude) as { permissions: unknown; hooks: Record<string, Array<{ hooks: Array<{ command: string }> }>> };
    expect(s.permissions).toEqual(userSettings.permissions);
    expect(JSON.stringify(s.hooks['PreToolUse'])).toContain('my-own-hook');
    expect((s.hooks['PreToolUse'] ?? []).flatMap((g) => g.hooks.map((h) => h.command))).toContain(`${LAUNCH} hook pre-tool --agent claude`);
    // one registration per client event (architecture.md conventions §7), each through the committed launcher
    const commands = Object.values(s.hooks).flatMap((gs) => gs.flatMap((g) => g.hooks.map((h) => h.command))).filter((c) => c.startsWith(LAUNCH));
    expect(commands.sort()).toEqual(
      ['notification', 'post-tool', 'post-tool-failure', 'pre-tool', 'prompt', 'session-end', 'session-start', 'stop'].map((e) => `${LAUNCH} hook ${e} --agent claude`),
    );
    expect(arbiter(['install'], { cwd: repo }).code).toBe(0);
    expect(snap()).toEqual(first);
    // the chained hook still runs
    const pp = spawnSync(join(repo, 'githooks', 'pre-push'), ['origin', '/nowhere'], { cwd: repo, env, input: '', encoding: 'utf8' });
    expect(pp.stderr).toContain('previous-hook-ran');
    expect(arbiter(['install', '--uninstall'], { cwd: repo }).code).toBe(0);
    expect(JSON.parse(readFileSync(join(repo, '.claude', 'settings.json'), 'utf8'))).toEqual(userSettings);
    expect(readFileSync(join(repo, 'githooks', 'pre-push'), 'utf8')).toBe('#!/bin/sh\necho previous-hook-ran >&2\nexit 0\n');
    expect(existsSync(join(repo, '.arbiter', 'config.json'))).toBe(false);
    expect(JSON.parse(readFileSync(join(repo, '.codex', 'hooks.json'), 'utf8'))).toEqual({});
  });

  it('install migrates the per-decision registrations of an earlier release to one hook per event, and keeps the rest', () => {
    const base = join(root, 'w5-migrate');
    mkdirSync(base, { recursive: true });
    const repo = join(base, 'r');
    git(base, ['init', '-q', '-b', 'main', repo]);
    mkdirSync(join(repo, '.claude'), { recursive: true });
    const M = 'Edit|Write|MultiEdit|NotebookEdit|Bash';
    const cmd = (command: string, timeout = 10) => ({ type: 'command', command, timeout });
    // what `arbiter install --claude` wrote before one process per event, plus a hook of the user's own
    const old = {
      hooks: {
        PreToolUse: [
          { matcher: M, hooks: [cmd('arbiter hook session-lock acquire --agent claude', 5)] },
          { matcher: 'Bash', hooks: [cmd('arbiter hook gate-push --agent claude'), cmd('my-own-hook')] },
        ],
        PostToolUse: [
          { matcher: M, hooks: [cmd('arbiter hook session-lock refresh --agent claude', 5)] },
          { matcher: 'Bash', hooks: [cmd('arbiter hook gate-push --post --agent claude'), cmd('arbiter hook post-tool --agent claude')] },
        ],
        PostToolUseFailure: [{ matcher: 'Bash', hooks: [cmd('arbiter hook gate-push --post --agent claude')] }],
        Stop: [{ hooks: [cmd('arbiter hook session-lock release --agent claude', 5), cmd('arbiter hook stop --agent claude', 30)] }],
        SessionEnd: [{ hooks: [cmd('arbiter hook session-lock release --agent claude', 2)] }],
        SessionStart: [{ hooks: [cmd('arbiter hook context --agent claude --event session-start')] }],
        UserPromptSubmit: [{ hooks: [cmd('arbiter hook context --agent claude --event user-prompt-submit')] }],
      },
    };
    writeFileSync(join(repo, '.claude', 'settings.json'), JSON.stringify(old));
    const r = arbiter(['install', '--claude'], { cwd: repo });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('registration(s) of an earlier install by the current ones');
    const now = JSON.parse(readFileSync(join(repo, '.claude', 'settings.json'), 'utf8')) as { hooks: Record<string, Array<{ matcher?: string; hooks: Array<{ command: string }> }>> };
    const byEvent = Object.fromEntries(Object.entries(now.hooks).map(([e, gs]) => [e, gs.flatMap((g) => g.hooks.map((h) => `${g.matcher ?? '*'} ${h.command}`))]));
    expect(byEvent).toEqual({
      PreToolUse: ['Bash my-own-hook', `${M} ${LAUNCH} hook pre-tool --agent claude`],
      PostToolUse: [`${M} ${LAUNCH} hook post-tool --agent claude`],
      PostToolUseFailure: [`${M} ${LAUNCH} hook post-tool-failure --agent claude`],
      Stop: [`* ${LAUNCH} hook stop --agent claude`],
      SessionEnd: [`* ${LAUNCH} hook session-end --agent claude`],
      SessionStart: [`* ${LAUNCH} hook session-start --agent claude`],
      UserPromptSubmit: [`* ${LAUNCH} hook prompt --agent claude`],
      // new with the session registry (presence.md §7): the waiting state comes from Claude's Notification event
      Notification: [`* ${LAUNCH} hook notification --agent claude`],
    });
    // a second run changes nothing
    const text = readFileSync(join(repo, '.claude', 'settings.json'), 'utf8');
    expect(arbiter(['install', '--claude'], { cwd: repo }).code).toBe(0);
    expect(readFileSync(join(repo, '.claude', 'settings.json'), 'utf8')).toBe(text);
  });

  it('two concurrent `git push` processes race for one lane: exactly one holds it', async () => {
    for (let rep = 0; rep < 3; rep++) {
      const name = `w6-${rep}`;
      const { clones } = world(name, 2);
      for (const c of clones) git(c, ['commit', '-q', '--allow-empty', '-m', `from ${c}`]);
      const runs = await Promise.all(
        clones.map(
          (c, i) =>
            new Promise<{ code: number; stderr: string }>((res) => {
              const p = spawn('git', ['push', 'origin', 'main'], { cwd: c, env: { ...env, ARBITER_SESSION: `race-${i}` } });
              let stderr = '';
              p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
              p.on('close', (code) => res({ code: code ?? -1, stderr }));
            }),
        ),
      );
      const claims = audit(name).filter((x) => x['kind'] === 'claim');
      expect(claims.length).toBe(1);
      expect(claims[0]?.['fence']).toBe(1);
      // the loser was warned (git cannot ask) or blocked behind the winner; never both granted
      const loser = runs.filter((r) => r.stderr.includes('WARNING — deploy lane') || r.stderr.includes('BLOCKED'));
      expect(loser.length).toBeGreaterThanOrEqual(1);
    }
  });

  it('eight concurrent `arbiter lane claim` processes: exactly one claims, the others are told it is held', async () => {
    const { clones: [A] } = world('w7', 1);
    const res = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        new Promise<{ code: number; out: string }>((r) => {
          const p = spawn(process.execPath, [BIN, 'lane', 'claim', 'main'], { cwd: A, env: { ...env, ARBITER_SESSION: `cli-${i}` } });
          let out = '';
          p.stdout.on('data', (d: Buffer) => (out += d.toString()));
          p.stderr.on('data', (d: Buffer) => (out += d.toString()));
          p.on('close', (code) => r({ code: code ?? -1, out }));
        }),
      ),
    );
    expect(res.filter((r) => r.code === 0).length).toBe(1);
    expect(res.filter((r) => r.code === 1 && r.out.includes('is HELD by')).length).toBe(7);
  });

  it('PG-32 concurrent first identity probes for one (repository, session) agree on one instance', async () => {
    const { clones: [A] } = world('w8', 1);
    const res = await Promise.all(
      Array.from({ length: 6 }, () =>
        new Promise<number>((r) => {
          const p = spawn(process.execPath, [BIN, 'lane', 'claim', 'main'], { cwd: A, env: { ...env, ARBITER_SESSION: 'same-session' } });
          p.on('close', (code) => r(code ?? -1));
        }),
      ),
    );
    expect(res.every((c) => c === 0)).toBe(true); // one instance: every claim is the same holder (fresh or re-entry)
    const claims = audit('w8').filter((x) => x['kind'] === 'claim');
    expect(claims.length).toBe(1);
  });

  it('PG-37 probes that never answer: the gate exits at the watchdog with L-WATCHDOG (exit 0)', () => {
    const { clones: [A] } = world('w9', 1);
    // A `git` that answers only rev-parse --show-toplevel and hangs on everything else: every later probe runs into
    // its own 1 s timeout, so the run outlasts GATE_WATCHDOG_MS and the watchdog must render.
    const slow = join(root, 'slow-bin');
    mkdirSync(slow, { recursive: true });
    const realGit = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
    writeFileSync(join(slow, 'git'), `#!/bin/sh\ncase "$*" in *show-toplevel*) exec "${realGit}" "$@";; esac\nexec sleep 30\n`);
    chmodSync(join(slow, 'git'), 0o755);
    const r = arbiter(GATE, { cwd: A, stdin: pre('sA', A, 'git push origin main'), env: { PATH: `${slow}${delimiter}${env['PATH'] ?? ''}` } });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ systemMessage: 'arbiter: the push gate ran out of time — pushing UNGATED.' });
    expect(r.ms).toBeLessThan(4_000 + 2_000); // GATE_WATCHDOG_MS plus process start-up on a loaded 2-core machine
  });

  it('a FIFO planted as a lane generation is corrupt, never a hang', () => {
    const { clones: [A] } = world('w9b', 1);
    const lanesDir = join(LANES, 'w9b', 'lanes');
    mkdirSync(lanesDir, { recursive: true });
    const key = execFileSync(process.execPath, ['-e', "process.stdout.write(require('crypto').createHash('sha256').update('deploy:refs/heads/main').digest('hex').slice(0,32))"], { encoding: 'utf8' });
    execFileSync('mkfifo', [join(lanesDir, `${key}.json.1`)]);
    const r = arbiter(GATE, { cwd: A, stdin: pre('sA', A, 'git push origin main') });
    expect(r).toMatchObject({ code: 0, stdout: '', stderr: '' });
    expect(audit('w9b').map((x) => x['kind'])).toEqual(['corrupt-record', 'claim']);
  });

  it('fault injection: unreadable lane directory → AllowLoud store-failed (skip attempted); corrupt lane file → healed, claimed', () => {
    const { clones: [A] } = world('w10', 1);
    const lanesDir = join(LANES, 'w10', 'lanes');
    mkdirSync(lanesDir, { recursive: true });
    if (process.getuid?.() !== 0) {
      chmodSync(lanesDir, 0o000);
      const r = arbiter(GATE, { cwd: A, stdin: pre('sA', A, 'git push origin main') });
      chmodSync(lanesDir, 0o700);
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout).systemMessage).toContain('lane store refused the claim (forbidden)');
    }
    const key = execFileSync(process.execPath, ['-e', "process.stdout.write(require('crypto').createHash('sha256').update('deploy:refs/heads/main').digest('hex').slice(0,32))"], { encoding: 'utf8' });
    writeFileSync(join(lanesDir, `${key}.json.1`), '{not json');
    const r2 = arbiter(GATE, { cwd: A, stdin: pre('sA', A, 'git push origin main') });
    expect(r2).toMatchObject({ code: 0, stdout: '', stderr: '' });
    expect(audit('w10').map((x) => x['kind'])).toEqual(['corrupt-record', 'claim']);
  });

  it('PG-38 context: Claude plain block, Codex envelope naming the event, cache within TTL, exit 0 always', () => {
    const { clones: [A, B] } = world('w11', 2);
    expect(arbiter(['deploy'], { cwd: A, env: { ARBITER_SESSION: 'ctxA' } }).code).toBe(0);
    const payload = (s: string, cwd: string, ev: string) => JSON.stringify({ session_id: s, cwd, hook_event_name: ev, source: 'startup', prompt: 'hi' });
    const c = arbiter(['hook', 'context', '--agent', 'claude', '--event', 'user-prompt-submit'], { cwd: B, stdin: payload('ctxB', B, 'UserPromptSubmit') });
    expect(c.code).toBe(0);
    expect(c.stdout).toMatch(/^arbiter · clone-1 · session ctxB\nlane deploy:refs\/heads\/main: held by @dev0 \(heartbeat \d+s ago\)\n/);
    const x = arbiter(['hook', 'context', '--agent', 'codex', '--event', 'session-start', '--export-session'], { cwd: A, stdin: payload('ctxA', A, 'SessionStart') });
    const env2 = JSON.parse(x.stdout) as { hookSpecificOutput: { hookEventName: string; additionalContext: string; env?: unknown } };
    expect(env2.hookSpecificOutput.hookEventName).toBe('SessionStart');
    // Codex 0.171.0 rejects an answer carrying `env` whole (host-protocols.md C7): --export-session adds nothing
    expect(Object.keys(env2.hookSpecificOutput).sort()).toEqual(['additionalContext', 'hookEventName']);
    expect(x.stdout).not.toContain('"env"');
    expect(env2.hookSpecificOutput.additionalContext).toContain('— this session');
    expect(env2.hookSpecificOutput.additionalContext).toContain('you hold deploy:refs/heads/main (fence 1)');
    // unconfigured repository: one note line
    const plain = join(root, 'w11', 'plain');
    git(join(root, 'w11'), ['init', '-q', plain]);
    expect(arbiter(['hook', 'context', '--agent', 'claude'], { cwd: plain, stdin: payload('z', plain, 'UserPromptSubmit') }).stdout).toBe(
      'arbiter: not configured for this repository (no .arbiter/config.json) — coordination context unavailable.\n',
    );
    for (const junk of ['', '{', '[]', '{"session_id":5}']) expect(arbiter(['hook', 'context', '--agent', 'codex'], { cwd: A, stdin: junk }).code).toBe(0);
  });

  it('PG-39 decision log: one entry per verdict, secrets in commands and URLs never written', () => {
    const { clones: [A] } = world('w12', 1);
    const secret = 'ghp_SECRETSECRET123';
    const logText = (): string => {
      const reposDir = join(env['ARBITER_STATE_DIR'] as string, 'repos');
      const dirs = readdirSync(reposDir).map((k) => join(reposDir, k, 'log')).filter(existsSync);
      return dirs.flatMap((d) => readdirSync(d).map((f) => readFileSync(join(d, f), 'utf8'))).join('');
    };
    const count = (t: string): number => t.split('\n').filter((l) => l.includes('"policy":"push-gate"')).length;
    const before = count(logText());
    arbiter(GATE, { cwd: A, stdin: pre('sA', A, `GITHUB_TOKEN=${secret} git -c http.extraheader="Authorization: Bearer ${secret}" push https://user:${secret}@example.com/x.git feature/y`) });
    const text = logText();
    expect(count(text)).toBe(before + 1);
    expect(text).not.toContain(secret);
  });

  it('fuzzed gate-push stdin: exit 0, no stack trace, no lane state written', () => {
    const { clones: [A] } = world('w13', 1);
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    const fixed: Array<string | Buffer> = [
      '',
      '{',
      '{"tool_input":',
      deep,
      JSON.stringify({ tool_name: 'Bash', tool_input: { command: 42 } }),
      JSON.stringify({ tool_name: ['Bash'], tool_input: 'git push' }),
      JSON.stringify({ tool_name: 'Bash', session_id: {}, cwd: 7, tool_input: { command: 'echo hi' } }),
      Buffer.alloc(5 * 1024 * 1024, 0x61),
      `{"tool_name":"Bash","tool_input":{"command":"git push origin main","x":"${'y'.repeat(5 * 1024 * 1024)}"}}`,
    ];
    const random = fc.sample(fc.uint8Array({ maxLength: 512 }), 12).map((u) => Buffer.from(u));
    for (const input of [...fixed, ...random]) {
      const r = arbiter(GATE, { cwd: A, stdin: input });
      expect(r.code).toBe(0);
      expect(r.stderr).not.toMatch(/at .+:\d+:\d+|Error:/);
      expect(r.stdout === '' || JSON.parse(r.stdout)).toBeTruthy();
    }
    expect(existsSync(join(LANES, 'w13'))).toBe(false);
  });
});
