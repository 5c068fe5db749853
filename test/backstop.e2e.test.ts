/**
 * The hook backstop and the pre-push shim's mapping of it (hook/backstop.ts, cli/install.ts; architecture.md, hook
 * life cycle "Watchdog and backstop"; hooks.md §7 rule 6), and the stdin bounds of the aliases (issue 12):
 *
 * - a hook whose event loop is blocked (a preload that spins forever on the hook's first git subprocess, i.e. once
 *   it has started its full path) is still ended, by SIGKILL from the backstop process, soon after its own
 *   watchdog, with one stderr line; before the backstop it spun until killed from outside;
 * - the early-verdict paths never start the backstop (it costs a process);
 * - the installed pre-push shim turns exactly the backstop's kill (exit 137 with the mark file written) into exit 0
 *   with a stderr line, and passes every other exit code on unchanged, a bare 137 included;
 * - `hook gate-push` and `hook session-lock acquire` with a stdin that never closes, or 5 MB of it, log their
 *   fail-open verdict within their bounds.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readDecisions, resolveRepo } from '@arbiter/io-node';
import { pushGate as PG, sessionLock as SL } from '@arbiter/kernel';
import { prePushShim } from '../packages/hooks/src/cli/install.js';

import { BACKSTOP_GRACE_MS, WATCHDOG_MARK_TEXT } from '../packages/hooks/src/hook/backstop.js';
import { BIN, cloneAheadOfRemote, git, requireBuilt, testEnv, tmp } from './helpers/bin.js';

interface Ran {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/** Spawn `file args`; `input` is written and stdin closed unless `keepOpen`; killed with SIGTERM after `killMs`. */
const spawnRun = (file: string, args: ReadonlyArray<string>, o: { cwd: string; env: NodeJS.ProcessEnv; input?: string; keepOpen?: boolean; killMs?: number }): Promise<Ran> =>
  new Promise((resolve, reject) => {
    const t0 = Date.now();
    const child = spawn(file, [...args], { cwd: o.cwd, env: o.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const killer = setTimeout(() => child.kill('SIGTERM'), o.killMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      child.stdin.destroy();
      resolve({ code, signal, stdout, stderr, ms: Date.now() - t0 });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.write(o.input ?? '');
    if (o.keepOpen !== true) child.stdin.end();
  });

/** A clone of a bare remote, one commit ahead, installed (lanes on: a push to main claims its lane). */
const world = () => {
  const root = tmp('arbiter-backstop-');
  const env = testEnv(join(root, 'state'), { HOME: join(root, 'home') });
  delete env['NODE_OPTIONS'];
  delete env['ARBITER_SESSION'];
  const { remote, repo } = cloneAheadOfRemote(root, env);
  const inst = spawnSync(process.execPath, [BIN, 'install', '--git'], { cwd: repo, env, encoding: 'utf8' });
  expect(inst.status).toBe(0);
  // the test preloads: spin forever on the hook's first git subprocess (its full path has begun); report each spawn
  const spin = join(root, 'spin.cjs');
  writeFileSync(
    spin,
    "const cp = require('node:child_process');\n" +
      'const orig = cp.execFile;\n' +
      "cp.execFile = function (file, ...rest) { if (file === 'git') { for (;;) {} } return orig.call(this, file, ...rest); };\n",
  );
  const probe = join(root, 'probe.cjs');
  writeFileSync(
    probe,
    "const cp = require('node:child_process');\n" +
      'const orig = cp.spawn;\n' +
      "cp.spawn = function (file, args, ...rest) { if (Array.isArray(args) && args.includes('arbiter-backstop')) require('node:fs').writeSync(2, 'PROBE: backstop\\n'); return orig.call(this, file, args, ...rest); };\n",
  );
  const head = git(repo, ['rev-parse', 'HEAD'], env).trim();
  const logDir = join(resolveRepo(repo, env)!.runtimeDir, 'log');
  return { root, env, remote, repo, head, spin, probe, logDir };
};

const push = (cwd: string, session = 's-backstop') =>
  JSON.stringify({ session_id: session, transcript_path: null, cwd, hook_event_name: 'PreToolUse', tool_name: 'Bash', tool_input: { command: 'git push origin main' }, tool_use_id: 't1' });

/** Slack for process start-up on a loaded two-core machine, ms. */
const SLACK_MS = 3_000;

describe('the backstop ends a hook whose event loop is blocked', () => {
  beforeAll(() => requireBuilt());

  it('pre-push and gate-push, spinning on the main thread past their watchdog, are killed by the backstop with one stderr line', async () => {
    const w = world();
    const env = { ...w.env, NODE_OPTIONS: `--require ${w.spin}` };
    const [pp, gp] = await Promise.all([
      spawnRun(process.execPath, [BIN, 'hook', 'pre-push', 'origin', w.remote], { cwd: w.repo, env, input: `refs/heads/main ${w.head} refs/heads/main ${'0'.repeat(40)}\n` }),
      spawnRun(process.execPath, [BIN, 'hook', 'gate-push', '--agent', 'claude'], { cwd: w.repo, env, input: push(w.repo) }),
    ]);
    for (const r of [pp, gp]) {
      expect(r.signal).toBe('SIGKILL'); // not our SIGTERM after 30 s: the backstop's
      expect(r.stderr).toMatch(/was still running past its watchdog with its event loop blocked; the backstop ended it/);
      expect(r.ms).toBeGreaterThanOrEqual(PG.GATE_WATCHDOG_MS + BACKSTOP_GRACE_MS - 100);
      expect(r.ms).toBeLessThan(PG.GATE_WATCHDOG_MS + BACKSTOP_GRACE_MS + SLACK_MS);
    }
  }, 60_000);

  it('through the installed shim, the backstop kill of pre-push is a fail-open exit 0 with a stderr line, and the mark file is removed', async () => {
    const w = world();
    const bin = join(w.root, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'arbiter'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
    chmodSync(join(bin, 'arbiter'), 0o755);
    const marks = join(w.root, 'tmp');
    mkdirSync(marks);
    const env = { ...w.env, NODE_OPTIONS: `--require ${w.spin}`, PATH: `${bin}${delimiter}${w.env['PATH'] ?? ''}`, TMPDIR: marks };
    const r = await spawnRun('sh', [join(w.repo, '.git', 'hooks', 'pre-push'), 'origin', w.remote], { cwd: w.repo, env, input: `refs/heads/main ${w.head} refs/heads/main ${'0'.repeat(40)}\n` });
    expect({ code: r.code, signal: r.signal }).toEqual({ code: 0, signal: null });
    expect(r.stderr).toContain('arbiter: the pre-push hook was ended by its watchdog backstop; pushing ungated (fail-open)');
    expect(readdirSync(marks)).toEqual([]);
  }, 60_000);

  it('the early-verdict paths never start the backstop; a stage past them does', async () => {
    const w = world();
    const env = { ...w.env, NODE_OPTIONS: `--require ${w.probe}` };
    const pre = (tool: Record<string, unknown>) => JSON.stringify({ session_id: 's-early', cwd: w.repo, hook_event_name: 'PreToolUse', ...tool });
    const early = await Promise.all([
      spawnRun(process.execPath, [BIN, 'hook', 'pre-tool', '--agent', 'claude'], { cwd: w.repo, env, input: pre({ tool_name: 'Read', tool_input: { file_path: '/x' } }) }),
      spawnRun(process.execPath, [BIN, 'hook', 'pre-tool', '--agent', 'claude'], { cwd: w.repo, env, input: pre({ tool_name: 'Bash', tool_input: { command: 'npm test' } }) }),
      spawnRun(process.execPath, [BIN, 'hook', 'pre-tool', '--agent', 'claude'], { cwd: w.repo, env, input: pre({ tool_name: 'Edit', tool_input: { file_path: join(w.repo, 'x') } }) }),
      spawnRun(process.execPath, [BIN, 'hook', 'stop', '--agent', 'claude'], { cwd: w.repo, env, input: JSON.stringify({ session_id: 's-early', cwd: w.repo, hook_event_name: 'Stop', stop_hook_active: false }) }),
    ]);
    for (const r of early) expect({ code: r.code, probe: r.stderr.includes('PROBE') }).toEqual({ code: 0, probe: false });
    const full = await spawnRun(process.execPath, [BIN, 'hook', 'pre-tool', '--agent', 'claude'], { cwd: w.repo, env, input: push(w.repo, 's-early') });
    expect({ code: full.code, probe: full.stderr.includes('PROBE: backstop') }).toEqual({ code: 0, probe: true });
  }, 60_000);
});

describe('the pre-push shim maps exactly the backstop kill to exit 0', () => {
  /**
   * Run a shim with a fake `arbiter` on PATH (a shell script) and a chained previous hook that passes; outside a
   * repository there is no launcher record, so the shim falls back to that `arbiter`.
   */
  const shim = async (text: string, fake: string): Promise<Ran & { marksLeft: number }> => {
    const root = tmp('arbiter-shim-');
    const hooks = join(root, 'hooks');
    const bin = join(root, 'bin');
    const marks = join(root, 'tmp');
    for (const d of [hooks, bin, marks]) mkdirSync(d);
    writeFileSync(join(hooks, 'pre-push'), text);
    writeFileSync(join(hooks, 'pre-push.arbiter-chained'), '#!/bin/sh\ncat >/dev/null\nexit 0\n');
    chmodSync(join(hooks, 'pre-push.arbiter-chained'), 0o755);
    writeFileSync(join(bin, 'arbiter'), `#!/bin/sh\ncat >/dev/null\n${fake}\n`);
    chmodSync(join(bin, 'arbiter'), 0o755);
    const r = await spawnRun('sh', [join(hooks, 'pre-push'), 'origin', 'u'], { cwd: root, env: { PATH: `${bin}${delimiter}/usr/bin${delimiter}/bin`, TMPDIR: marks }, input: 'refs/heads/main a refs/heads/main b\n' });
    return { ...r, marksLeft: readdirSync(marks).length };
  };
  const KILLED_BY_BACKSTOP = `printf '${WATCHDOG_MARK_TEXT.trim()}\\n' >> "$ARBITER_WATCHDOG_MARK"; kill -9 $$`;

  it.each([
    ['plain', prePushShim(false)],
    ['chaining', prePushShim(true)],
  ])('%s shim', async (_name, text) => {
    const killed = await shim(text, KILLED_BY_BACKSTOP);
    expect({ code: killed.code, marksLeft: killed.marksLeft }).toEqual({ code: 0, marksLeft: 0 });
    expect(killed.stderr).toContain('arbiter: the pre-push hook was ended by its watchdog backstop; pushing ungated (fail-open)');
    // a SIGKILL from anything else (no mark written) stays a refusal, and every other code passes through
    for (const [fake, code] of [['kill -9 $$', 137], ['exit 137', 137], ['exit 1', 1], ['exit 0', 0], ['exit 2', 2]] as const) {
      const r = await shim(text, fake);
      expect({ fake, code: r.code, marksLeft: r.marksLeft, stderr: r.stderr.includes('backstop') }).toEqual({ fake, code, marksLeft: 0, stderr: false });
    }
  }, 60_000);
});

describe('stdin that never closes, or 5 MB of it, ends in a logged fail-open verdict', () => {
  beforeAll(() => requireBuilt());

  it('hook gate-push: a logged bad-payload allow within the 1.5 s stdin bound; hook session-lock acquire logs too', async () => {
    const w = world();
    const partial = push(w.repo).slice(0, 30);
    const [gate, lock, big] = await Promise.all([
      spawnRun(process.execPath, [BIN, 'hook', 'gate-push', '--agent', 'claude'], { cwd: w.repo, env: w.env, input: partial, keepOpen: true }),
      spawnRun(process.execPath, [BIN, 'hook', 'session-lock', 'acquire', '--agent', 'claude'], { cwd: w.repo, env: w.env, input: partial, keepOpen: true }),
      spawnRun(process.execPath, [BIN, 'hook', 'session-lock', 'acquire', '--agent', 'claude'], { cwd: w.repo, env: w.env, input: `{"session_id":"s-big","cwd":"${w.repo}","pad":"${'a'.repeat(5 * 1024 * 1024)}"}` }),
    ]);
    expect({ code: gate.code, out: gate.stdout }).toEqual({ code: 0, out: '' });
    expect(gate.ms).toBeGreaterThanOrEqual(PG.STDIN_TIMEOUT_MS - 100);
    expect(gate.ms).toBeLessThan(PG.GATE_WATCHDOG_MS + SLACK_MS); // wall time includes start-up on a loaded machine
    const gateLog = readDecisions(w.logDir, { policy: 'push-gate' });
    expect(gateLog.map((e) => [e.verdict, e.reasons])).toEqual([['Allow', ['bad-payload']]]);
    // measured inside the process: the 1.5 s stdin bound ended it, not the 4 s watchdog
    expect(gateLog[0]?.duration_ms).toBeGreaterThanOrEqual(PG.STDIN_TIMEOUT_MS - 100);
    expect(gateLog[0]?.duration_ms).toBeLessThan(PG.GATE_WATCHDOG_MS);
    for (const r of [lock, big]) expect({ code: r.code, out: r.stdout, err: r.stderr }).toEqual({ code: 0, out: '', err: '' });
    expect(lock.ms).toBeLessThan(SL.LOCK_WATCHDOG_MS + SLACK_MS);
    const entries = readDecisions(w.logDir, { policy: 'session-lock' });
    expect(entries.map((e) => [e.verdict, e.reasons[0]])).toEqual([
      ['Allow', 'no-result'],
      ['Allow', 'no-result'],
    ]);
    for (const e of entries) expect(['bad-payload', 'watchdog']).toContain(e.reasons[1]);
  }, 60_000);
});
