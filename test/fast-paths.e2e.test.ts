/**
 * The event runner's early verdicts (packages/hooks/src/hook/events.ts, `@arbiter/kernel/early`) give exactly the
 * full hooks' answers and keep the decision log complete: a gate-push non-push is logged as `Allow not-a-push` (push-gate.md §16, PG-10); a
 * no-op Stop prints `{}`, writes no state and logs the same three verdicts as the full hook (hooks.md §8);
 * anything that may need a decision still reaches the hook bundle; a host that never closes stdin still gets the
 * fail-open answer from the stdin timer.
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readDecisions, resolveRepo, type Env } from '@arbiter/io-node';
import type { DecisionLogEntry } from '@arbiter/kernel';
import { BIN, makeRepo, requireBuilt, runBin, testEnv, tmp } from './helpers/bin.js';

const world = () => {
  const root = tmp('arbiter-fast-');
  const env = testEnv(join(root, 'state'));
  const repo = makeRepo(join(root, 'repo'));
  mkdirSync(join(repo, '.arbiter'));
  writeFileSync(join(repo, '.arbiter', 'config.json'), JSON.stringify({ version: 1 }));
  return { env, repo, logDir: join(resolveRepo(repo, env)!.runtimeDir, 'log'), runtime: resolveRepo(repo, env)!.runtimeDir };
};
const bash = (session: string, cwd: string, command: string, tool = 'Bash') =>
  JSON.stringify({ session_id: session, cwd, hook_event_name: 'PreToolUse', tool_name: tool, tool_input: { command }, tool_use_id: 'toolu_9' });
const stop = (session: string, cwd: string, message: string) =>
  JSON.stringify({ session_id: session, cwd, hook_event_name: 'Stop', stop_hook_active: false, last_assistant_message: message });

describe('dispatcher fast paths', () => {
  beforeAll(() => requireBuilt());

  it('PG-10 a non-push Bash command is allowed silently and logged as Allow not-a-push (masked), with no lane touched', () => {
    const w = world();
    for (const agent of ['claude', 'codex']) {
      const r = runBin(['hook', 'gate-push', '--agent', agent], { input: bash(`s-${agent}`, w.repo, 'GITHUB_TOKEN=abc123 npm test'), env: w.env, cwd: w.repo });
      expect(r).toMatchObject({ code: 0, stdout: '', stderr: '' });
    }
    const entries = readDecisions(w.logDir, { policy: 'push-gate' });
    expect(entries.map((e) => [e.mode, e.verdict, e.reasons[0]])).toEqual([
      ['agent:claude', 'Allow', 'not-a-push'],
      ['agent:codex', 'Allow', 'not-a-push'],
    ]);
    expect(entries[0]?.facts['command']).toBe('GITHUB_TOKEN=*** npm test');
    expect(entries[0]?.decision_id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(existsSync(join(w.runtime, 'lanes'))).toBe(false);
  });

  it('the post-tool release of a non-push logs nothing, as in the hook', () => {
    const w = world();
    const r = runBin(['hook', 'gate-push', '--post', '--agent', 'claude'], { input: bash('s', w.repo, 'ls'), env: w.env, cwd: w.repo });
    expect(r).toMatchObject({ code: 0, stdout: '', stderr: '' });
    expect(readDecisions(w.logDir, { policy: 'push-gate' })).toEqual([]);
  });

  it('a push-like command still reaches the gate (its verdict is logged by the hook bundle, not the fast path)', () => {
    const w = world();
    runBin(['hook', 'gate-push', '--agent', 'claude'], { input: bash('s', w.repo, 'git push origin feature/x'), env: w.env, cwd: w.repo });
    const e = readDecisions(w.logDir, { policy: 'push-gate' });
    expect(e).toHaveLength(1);
    expect(e[0]?.facts['fast_path']).toBeUndefined();
  });

  it('a no-op Stop prints {} and writes no state but the log (and the state lock the session-lock release takes); a claim, a build or a gate state sends it to the hook', () => {
    const w = world();
    const quiet = runBin(['hook', 'stop', '--agent', 'claude'], { input: stop('s', w.repo, 'All tests pass.'), env: w.env, cwd: w.repo });
    expect(quiet).toMatchObject({ code: 0, stdout: '{}\n', stderr: '' });
    // the Stop event runs the session-lock release first (architecture.md, hook life cycle): its log entry is written
    // under the state lock, whose host.lock it leaves, like every hook that writes the runtime directory; and every
    // event records the session's presence in sessions/ (presence.md §7)
    expect(existsSync(w.runtime) ? readdirSync(w.runtime).sort() : []).toEqual(['host.lock', 'log', 'sessions']);
    expect(readDecisions(w.logDir).map((e) => [e.policy, e.verdict, e.reasons[0], e.facts['fast_path']])).toEqual([
      ['state-lock', 'Enabled', 'acquired', undefined],
      ['session-lock', 'NotHolder', expect.any(String), undefined],
      ['action-claim', 'Skipped', 'no-claim', true],
      ['build-stop', 'Approve', 'no-state', true],
      ['stop-gate', 'Allow', 'mode-off', true],
    ]);
    // a claim stem: the hook bundle observes it and logs its decisions
    const claim = runBin(['hook', 'stop', '--agent', 'claude'], { input: stop('s', w.repo, 'Pushing it now.'), env: w.env, cwd: w.repo });
    expect(claim).toMatchObject({ code: 0, stdout: '{}\n' });
    expect(readDecisions(w.logDir).map((e) => e.policy)).toContain('action-claim');
  });

  /** What an entry says, without what differs between two runs (id, clock, duration) and the fast-path marker. */
  const gist = (e: DecisionLogEntry) => {
    const { fast_path: _f, ...facts } = e.facts;
    return { policy: e.policy, version: e.policy_version, mode: e.mode, verdict: e.verdict, reasons: e.reasons, effects: e.effects, probes: e.probes, facts, masked: e.masked };
  };
  /** Run the Stop hook bundle itself (no dispatcher, so no early verdict) with `input` on stdin. */
  const fullStop = (agent: string, input: string, env: Env, cwd: string) => {
    const inv = { hook: 'stop', positionals: [], agent, post: false, dryRun: false, help: false, event: null, exportSession: false };
    return spawnSync(process.execPath, ['-e', `require(${JSON.stringify(join(BIN, '..', 'hook-stop.cjs'))}).main(${JSON.stringify(inv)})`], { input, env, cwd, encoding: 'utf8' });
  };

  it('hooks.md §8: the no-op Stop fast path logs exactly the verdicts and facts of the full hook', () => {
    const outside = tmp('arbiter-fast-outside-');
    const payloads = (cwd: string) => [
      stop('s-1', cwd, 'All tests pass.'),
      JSON.stringify({ cwd, hook_event_name: 'Stop', last_assistant_message: 'Done.' }), // no session id
      JSON.stringify({ session_id: '  ', cwd, hook_event_name: 'Stop', last_assistant_message: 'Done.' }), // blank id
      JSON.stringify({ session_id: 's-2', cwd, hook_event_name: 'Stop', last_assistant_message: '' }),
      JSON.stringify({ session_id: 's-3', cwd, hook_event_name: 'Stop', last_assistant_message: 42 }),
      JSON.stringify({ sessionId: 's-4', cwd, hook_event_name: 'Stop', last_assistant_message: 'Looks good.' }),
      JSON.stringify({ session_id: 's-5', cwd, hook_event_name: 'Stop', last_assistant_message: 'token GITHUB_TOKEN=abc https://u:p@h/x' }),
      JSON.stringify({ session_id: 's-6', cwd, hook_event_name: 'Stop', stop_hook_active: true, last_assistant_message: 'Still done.' }), // loop guard
      JSON.stringify({ session_id: '', cwd, hook_event_name: 'Stop', stop_hook_active: 0, last_assistant_message: 'Bye.' }),
    ];
    for (const agent of ['claude', 'codex']) {
      for (const where of ['repo', 'outside'] as const) {
        const fast = world();
        const full = world();
        const dirOf = (w: ReturnType<typeof world>) => (where === 'repo' ? w.repo : outside);
        const logOf = (w: ReturnType<typeof world>) => (where === 'repo' ? w.logDir : join(w.env['ARBITER_STATE_DIR'] as string, 'log'));
        for (const [i, p] of payloads(dirOf(fast)).entries()) {
          const r = runBin(['hook', 'stop', '--agent', agent], { input: p, env: fast.env, cwd: dirOf(fast) });
          expect(r).toMatchObject({ code: 0, stdout: '{}\n', stderr: '' });
          const q = fullStop(agent, payloads(dirOf(full))[i] as string, full.env, dirOf(full));
          expect({ code: q.status, stdout: q.stdout, stderr: q.stderr }).toEqual({ code: 0, stdout: '{}\n', stderr: '' });
        }
        // the Stop event's session-lock release logs its own verdicts first (and the state lock its first take); the
        // Stop decisions are compared
        const a = readDecisions(logOf(fast)).filter((e) => e.policy !== 'session-lock' && e.policy !== 'state-lock');
        const b = readDecisions(logOf(full));
        expect(a).toHaveLength(3 * payloads('').length);
        expect(a.every((e) => e.facts['fast_path'] === true)).toBe(true);
        // the repository is the only thing that differs between the two worlds
        expect(JSON.stringify(a.map(gist)).replaceAll(fast.repo, '<repo>')).toBe(JSON.stringify(b.map(gist)).replaceAll(full.repo, '<repo>'));
      }
    }
  });

  /** Spawn `arbiter <args>`, write a partial payload, never close stdin; resolve with exit code, output and time. */
  const silentHost = (args: ReadonlyArray<string>, env: Env, partial: string, cwd?: string) =>
    new Promise<{ code: number | null; out: string; err: string; ms: number }>((resolve) => {
      const t0 = Date.now();
      const child = spawn(process.execPath, [BIN, ...args], { env, cwd, stdio: ['pipe', 'pipe', 'pipe'] });
      child.stdin.write(partial);
      let out = '';
      let err = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      child.stderr.on('data', (c: Buffer) => (err += c.toString()));
      child.on('close', (code) => {
        child.stdin.destroy();
        resolve({ code, out, err, ms: Date.now() - t0 });
      });
    });

  it('a host that never closes stdin: gate-push allows silently after its 1.5 s stdin bound and logs why; Stop prints {} after its 5 s one', async () => {
    const w = world();
    const [gate, stp] = await Promise.all([
      silentHost(['hook', 'gate-push', '--agent', 'claude'], w.env, bash('s', w.repo, 'ls').slice(0, 30), w.repo),
      silentHost(['hook', 'stop', '--agent', 'claude'], w.env, stop('s', w.repo, 'Done.').slice(0, 30)),
    ]);
    expect({ code: gate.code, out: gate.out, err: gate.err }).toEqual({ code: 0, out: '', err: '' });
    expect(gate.ms).toBeGreaterThanOrEqual(1_400); // STDIN_TIMEOUT_MS (push-gate.md §2)
    expect(gate.ms).toBeLessThan(10_000);
    expect(readDecisions(w.logDir, { policy: 'push-gate' }).map((e) => e.facts['stdin'])).toEqual(['Timeout']);
    expect({ code: stp.code, out: stp.out }).toEqual({ code: 0, out: '{}\n' });
    expect(stp.ms).toBeGreaterThanOrEqual(4_900);
    expect(stp.ms).toBeLessThan(25_000);
  }, 30_000);

  it('stdin from a regular file, a pipe or a socket gives the same answers (the reader serves each kind)', async () => {
    const w = world();
    const payload = bash('s-file', w.repo, 'ls -la');
    const file = join(w.repo, '..', 'payload.json');
    writeFileSync(file, payload);
    const fd = openSync(file, 'r');
    const fromFile = spawnSync(process.execPath, [BIN, 'hook', 'gate-push', '--agent', 'claude'], { stdio: [fd, 'pipe', 'pipe'], env: w.env, encoding: 'utf8' });
    closeSync(fd);
    expect({ code: fromFile.status, out: fromFile.stdout, err: fromFile.stderr }).toEqual({ code: 0, out: '', err: '' });
    // spawnSync hands the child a socket; a shell pipe is a FIFO
    const fromSocket = runBin(['hook', 'gate-push', '--agent', 'claude'], { input: bash('s-socket', w.repo, 'ls'), env: w.env, cwd: w.repo });
    expect(fromSocket).toMatchObject({ code: 0, stdout: '', stderr: '' });
    const fromFifo = spawnSync('sh', ['-c', 'printf %s "$P" | "$N" "$B" hook gate-push --agent claude'], { env: { ...w.env, P: bash('s-fifo', w.repo, 'ls'), N: process.execPath, B: BIN }, encoding: 'utf8' });
    expect({ code: fromFifo.status, out: fromFifo.stdout, err: fromFifo.stderr }).toEqual({ code: 0, out: '', err: '' });
    const sessions = readDecisions(w.logDir, { policy: 'push-gate' }).map((e) => e.facts['session_id']);
    expect(sessions).toEqual(['s-file', 's-socket', 's-fifo']);
    // a Stop from a file too (the answer is printed)
    const stopFile = join(w.repo, '..', 'stop.json');
    writeFileSync(stopFile, stop('s-file', w.repo, 'Done.'));
    const fd2 = openSync(stopFile, 'r');
    const st = spawnSync(process.execPath, [BIN, 'hook', 'stop', '--agent', 'codex'], { stdio: [fd2, 'pipe', 'pipe'], env: w.env, encoding: 'utf8' });
    closeSync(fd2);
    expect({ code: st.status, out: st.stdout }).toEqual({ code: 0, out: '{}\n' });
  });
});
