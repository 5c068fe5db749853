/**
 * End-to-end: the built `arbiter` binary as the Claude Code and Codex Stop hook (hooks.md §6–8, build-stop.md, stop-gate.md),
 * the `arbiter build` and `arbiter gate` verbs, and an HTTP authority on 127.0.0.1 (a node http server in this
 * process: timeouts, 5xx, garbage bodies all fail open).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, arbiter, claudeStop, codexStop, lastVerdict, requireBinary, runtimeDir, scratch } from './helpers.js';

const blockReason = (phase: string, label: string, n: number, max: number, task: string, hint: string) =>
  [
    'Arbiter build guard: this session owns a build that is not finished.',
    `Phase: ${phase} (${label} protection, reinforcement ${n} of ${max}).`,
    `Task: ${task}`,
    hint,
    'When this phase is done, run: arbiter build phase <next-phase>. When the whole build is done, run: arbiter build done (or arbiter build fail / arbiter build escalate).',
    'Keep working on the build.',
  ].join('\n');
const IDLE_HINT = 'Begin by settling open questions or by writing the plan.';

beforeAll(() => requireBinary());

describe('arbiter hook stop: build ownership (build-stop.md), end to end', () => {
  it('no build and gate off: both agents get exactly {} and exit 0', async () => {
    const { repo, env } = scratch();
    for (const [agent, payload] of [['claude', claudeStop({ session_id: 'S1', cwd: repo })], ['codex', codexStop({ session_id: 'S1', cwd: repo })]] as const) {
      const r = await arbiter(['hook', 'stop', '--agent', agent], { cwd: repo, env, stdin: payload });
      expect(r).toMatchObject({ code: 0, stdout: '{}\n' });
    }
  });

  it('a build owned by S1 blocks only S1, for exactly its budget (small = 3), then lets it stop', async () => {
    const { dir, repo, env } = scratch();
    const start = await arbiter(['build', 'start', '--size', 'small', '--task', 'Port the parser', '--owner-session', 'S1'], { cwd: repo, env });
    expect(start.code).toBe(0);
    expect(start.stdout).toBe('Build started: small (3 reinforcements, light). Owner: tmux "", session "S1". Task: Port the parser\n');
    // Another session stops freely, on both agents, and spends nothing.
    const other = await arbiter(['hook', 'stop', '--agent', 'claude'], { cwd: repo, env, stdin: claudeStop({ session_id: 'S2', cwd: repo }) });
    expect(other).toMatchObject({ code: 0, stdout: '{}\n' });
    const otherCodex = await arbiter(['hook', 'stop', '--agent', 'codex'], { cwd: repo, env, stdin: codexStop({ session_id: 'S2', cwd: repo }) });
    expect(otherCodex).toMatchObject({ code: 0, stdout: '{}\n' });
    // The owner: three blocks (Claude, Codex, Claude), exact JSON.
    const agents = ['claude', 'codex', 'claude'] as const;
    for (let n = 1; n <= 3; n++) {
      const agent = agents[n - 1] as 'claude' | 'codex';
      const payload = agent === 'claude' ? claudeStop({ session_id: 'S1', cwd: repo, stop_hook_active: n > 1 }) : codexStop({ session_id: 'S1', cwd: repo, stop_hook_active: true });
      const r = await arbiter(['hook', 'stop', '--agent', agent], { cwd: repo, env, stdin: payload });
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(JSON.stringify({ decision: 'block', reason: blockReason('idle', 'light', n, 3, 'Port the parser', IDLE_HINT) }) + '\n');
    }
    const spent = await arbiter(['hook', 'stop', '--agent', 'claude'], { cwd: repo, env, stdin: claudeStop({ session_id: 'S1', cwd: repo }) });
    expect(spent).toMatchObject({ code: 0, stdout: '{}\n' });
    expect(lastVerdict(dir, 'build-stop')).toMatchObject({ verdict: 'Approve', reasons: ['budget-exhausted'] });
    const st = JSON.parse(readFileSync(join(runtimeDir(dir), 'build-state.json'), 'utf8'));
    expect(st).toMatchObject({ reinforcementsUsed: 3, owner: { session: 'S1', tmux: '' }, protection: { reinforcements: 3, label: 'light' } });
    expect(st.startedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    // status, phase, done.
    expect((await arbiter(['build', 'status'], { cwd: repo, env })).stdout).toContain('reinforcements: 3 of 3');
    expect(await arbiter(['build', 'phase', 'verifying'], { cwd: repo, env })).toMatchObject({ code: 0, stdout: 'Build phase: verifying (was idle).\n' });
    expect(await arbiter(['build', 'done'], { cwd: repo, env })).toMatchObject({ code: 0, stdout: 'Build marked complete.\n' });
    expect(await arbiter(['build', 'fail'], { cwd: repo, env })).toMatchObject({ code: 1 });
  });

  it('tmux seam: ownership by tmux name, restart reconcile of owner.session; another tmux session is not the owner', async () => {
    const { dir, repo, env } = scratch();
    const tenv = { ...env, ARBITER_NO_TMUX: undefined, ARBITER_TMUX_SESSION: 'work' };
    const s = await arbiter(['build', 'start', '--task', 'Refactor'], { cwd: repo, env: tenv });
    expect(s.stdout).toContain('Owner: tmux "work", session ""');
    const elsewhere = await arbiter(['hook', 'stop', '--agent', 'claude'], { cwd: repo, env: { ...tenv, ARBITER_TMUX_SESSION: 'other' }, stdin: claudeStop({ session_id: 'S9', cwd: repo }) });
    expect(elsewhere.stdout).toBe('{}\n');
    const same = await arbiter(['hook', 'stop', '--agent', 'codex'], { cwd: repo, env: tenv, stdin: codexStop({ session_id: 'S9', cwd: repo }) });
    expect(JSON.parse(same.stdout)).toMatchObject({ decision: 'block' });
    expect(JSON.parse(readFileSync(join(runtimeDir(dir), 'build-state.json'), 'utf8')).owner).toMatchObject({ tmux: 'work', session: 'S9' });
    // ARBITER_NO_TMUX=1 wins over ARBITER_TMUX_SESSION: no tmux identity, and S9 now owns by session.
    const noTmux = await arbiter(['hook', 'stop', '--agent', 'claude'], { cwd: repo, env: { ...tenv, ARBITER_NO_TMUX: '1' }, stdin: claudeStop({ session_id: 'S8', cwd: repo }) });
    expect(noTmux.stdout).toBe('{}\n');
  });

  it('linked worktrees share one runtime directory: a build started in one worktree guards its owner in another', async () => {
    const { dir, repo, env } = scratch();
    const wt = join(dir, 'wt-b');
    execFileSync('git', ['worktree', 'add', '-q', '-b', 'feature', wt], { cwd: repo, env, stdio: 'ignore' });
    expect((await arbiter(['build', 'start', '--task', 'cross-worktree', '--owner-session', 'S1'], { cwd: repo, env })).code).toBe(0);
    const owner = await arbiter(['hook', 'stop', '--agent', 'claude'], { cwd: wt, env, stdin: claudeStop({ session_id: 'S1', cwd: wt }) });
    expect(JSON.parse(owner.stdout)).toMatchObject({ decision: 'block' });
    const other = await arbiter(['hook', 'stop', '--agent', 'claude'], { cwd: wt, env, stdin: claudeStop({ session_id: 'S2', cwd: wt }) });
    expect(other.stdout).toBe('{}\n');
    expect((await arbiter(['build', 'status', '--json'], { cwd: wt, env })).stdout).toContain('"used":1');
  });

  it('without ARBITER_STATE_DIR the state lives in <git common dir>/arbiter/, never in the working tree', async () => {
    const { repo, env } = scratch();
    const e = { ...env, ARBITER_STATE_DIR: undefined };
    expect((await arbiter(['build', 'start', '--task', 'where', '--owner-session', 'S1'], { cwd: repo, env: e })).code).toBe(0);
    expect(existsSync(join(repo, '.git', 'arbiter', 'build-state.json'))).toBe(true);
    expect(existsSync(join(repo, '.arbiter'))).toBe(false);
    const r = await arbiter(['hook', 'stop', '--agent', 'codex'], { cwd: repo, env: e, stdin: codexStop({ session_id: 'S1', cwd: repo }) });
    expect(JSON.parse(r.stdout)).toMatchObject({ decision: 'block' });
  });

  it('start without any identity warns; an unstamped build is never adopted', async () => {
    const { repo, env } = scratch();
    const s = await arbiter(['build', 'start', '--size', 'large', '--task', 'x'], { cwd: repo, env });
    expect(s.code).toBe(0);
    expect(s.stderr).toContain('Warning: no owner identity was recorded');
    const r = await arbiter(['hook', 'stop', '--agent', 'claude'], { cwd: repo, env, stdin: claudeStop({ session_id: 'S1', cwd: repo }) });
    expect(r.stdout).toBe('{}\n');
  });

  it('concurrent owner stops (separate processes): the stored counter stays within the budget and every block is counted at least once', async () => {
    const { dir, repo, env } = scratch();
    await arbiter(['build', 'start', '--size', 'small', '--task', 'race', '--owner-session', 'S1'], { cwd: repo, env });
    const runs = await Promise.all(Array.from({ length: 6 }, () => arbiter(['hook', 'stop', '--agent', 'claude'], { cwd: repo, env, stdin: claudeStop({ session_id: 'S1', cwd: repo }) })));
    expect(runs.every((r) => r.code === 0)).toBe(true);
    const blocks = runs.filter((r) => r.stdout.startsWith('{"decision":"block"')).length;
    // Each process reads, decides and patches; the patch is a monotone maximum under the mutex, so the stored
    // counter never exceeds the budget and never goes backwards.
    const used = JSON.parse(readFileSync(join(runtimeDir(dir), 'build-state.json'), 'utf8')).reinforcementsUsed;
    expect(used).toBeLessThanOrEqual(3);
    expect(used).toBeGreaterThanOrEqual(1);
    expect(blocks).toBeGreaterThanOrEqual(used);
  });

  it('a disabled state guard (a foreign host holds host.lock): the hook prints {} with the warning, writes nothing; writing verbs exit 1', async () => {
    const { dir, repo, env } = scratch();
    await arbiter(['build', 'start', '--size', 'small', '--task', 'guarded', '--owner-session', 'S1'], { cwd: repo, env });
    const rt = runtimeDir(dir);
    const before = readFileSync(join(rt, 'build-state.json'), 'utf8');
    writeFileSync(join(rt, 'host.lock'), JSON.stringify({ pid: 4242, hostname: 'some-other-machine', acquiredAt: '2026-01-01T00:00:00.000Z' }));
    const logBefore = lastVerdict(dir, 'build-stop');
    const r = await arbiter(['hook', 'stop', '--agent', 'claude'], { cwd: repo, env, stdin: claudeStop({ session_id: 'S1', cwd: repo }) });
    expect(r).toMatchObject({ code: 0, stdout: '{}\n' });
    expect(r.stderr).toContain('some-other-machine');
    expect(readFileSync(join(rt, 'build-state.json'), 'utf8')).toBe(before);
    expect(lastVerdict(dir, 'build-stop')).toEqual(logBefore);
    const phase = await arbiter(['build', 'phase', 'executing'], { cwd: repo, env });
    expect(phase.code).toBe(1);
    expect(phase.stderr).toContain('some-other-machine');
    expect((await arbiter(['gate', 'mode', 'enforce'], { cwd: repo, env })).code).toBe(1);
    expect(readFileSync(join(rt, 'build-state.json'), 'utf8')).toBe(before);
  });

  it('the CLI refuses outside a repository and on bad arguments', async () => {
    const { dir, env } = scratch();
    expect((await arbiter(['build', 'status'], { cwd: dir, env })).code).toBe(1);
    const { repo } = scratch();
    expect((await arbiter(['build', 'start', '--size', 'xl', '--task', 't'], { cwd: repo, env })).code).toBe(2);
    expect((await arbiter(['build', 'start'], { cwd: repo, env })).code).toBe(2);
    expect((await arbiter(['gate', 'mode', 'on'], { cwd: repo, env })).code).toBe(2);
    expect((await arbiter(['gate', 'kill', 'maybe'], { cwd: repo, env })).code).toBe(2);
  });
});

describe('arbiter hook stop: the stop gate (stop-gate.md), end to end', () => {
  it('gate verbs and local guards: off by default, shadow records, enforce blocks, kill switch silences', async () => {
    const { dir, repo, env } = scratch();
    const say = "I'll run the migration now.";
    expect((await arbiter(['gate', 'status'], { cwd: repo, env })).stdout).toBe('stop gate: mode off, kill switch off, authority none\n');
    const off = await arbiter(['hook', 'stop', '--agent', 'claude'], { cwd: repo, env, stdin: claudeStop({ session_id: 'S1', cwd: repo, last_assistant_message: say }) });
    expect(off.stdout).toBe('{}\n');
    expect(await arbiter(['gate', 'mode', 'shadow', '--json'], { cwd: repo, env })).toMatchObject({ code: 0, stdout: '{"mode":"shadow","prior":"off","changed":true}\n' });
    const shadow = await arbiter(['hook', 'stop', '--agent', 'claude'], { cwd: repo, env, stdin: claudeStop({ session_id: 'S1', cwd: repo, last_assistant_message: say }) });
    expect(shadow.stdout).toBe('{}\n');
    expect(lastVerdict(dir, 'stop-gate')).toMatchObject({ reasons: ['no-authority'] });
    expect(await arbiter(['gate', 'mode', 'enforce'], { cwd: repo, env })).toMatchObject({ stdout: 'stop gate mode: enforce (was shadow)\n' });
    const expected = JSON.stringify({
      decision: 'block',
      reason:
        'Arbiter stop gate (stated-continuation): you announced an action for this turn ("i\'ll" \u2026 "now") but are stopping before doing it. Carry it out now. If you cannot, reply once, briefly, with the reason you are stopping instead. Arbiter asks this only once per stop.',
    }) + '\n';
    for (const agent of ['claude', 'codex'] as const) {
      const payload = agent === 'claude' ? claudeStop({ session_id: 'S1', cwd: repo, last_assistant_message: say }) : codexStop({ session_id: 'S1', cwd: repo, last_assistant_message: say });
      expect(await arbiter(['hook', 'stop', '--agent', agent], { cwd: repo, env, stdin: payload })).toMatchObject({ code: 0, stdout: expected });
    }
    // Loop guard: the continuation after a block is allowed.
    expect((await arbiter(['hook', 'stop', '--agent', 'claude'], { cwd: repo, env, stdin: claudeStop({ session_id: 'S1', cwd: repo, last_assistant_message: say, stop_hook_active: true }) })).stdout).toBe('{}\n');
    expect(await arbiter(['gate', 'kill', 'on'], { cwd: repo, env })).toMatchObject({ stdout: 'stop gate kill switch: on (was off)\n' });
    expect((await arbiter(['hook', 'stop', '--agent', 'codex'], { cwd: repo, env, stdin: codexStop({ session_id: 'S1', cwd: repo, last_assistant_message: say }) })).stdout).toBe('{}\n');
    expect((await arbiter(['gate', 'status', '--json'], { cwd: repo, env })).stdout).toBe('{"mode":"enforce","killSwitch":true,"authority":null}\n');
  });

  describe('with an HTTP authority on 127.0.0.1', () => {
    let server: Server;
    let base = '';
    let behaviour = 'continue';
    const seen: Array<{ method: string; url: string; auth: string | undefined; body: string }> = [];
    beforeAll(async () => {
      server = createServer((req: IncomingMessage, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          seen.push({ method: req.method ?? '', url: req.url ?? '', auth: req.headers.authorization, body: Buffer.concat(chunks).toString('utf8') });
          const hot = (req.url ?? '').startsWith('/internal/stop-gate/hot-path');
          const json = (o: unknown) => res.end(JSON.stringify(o));
          switch (behaviour) {
            case 'continue':
              return hot ? json({ mode: 'enforce', sessionStartTs: 0 }) : json({ decision: 'continue', reminder: 'Keep going:\nfinish the spec.', rule: 'R1' });
            case 'hot-5xx':
              res.statusCode = 503;
              return res.end('unavailable');
            case 'eval-5xx':
              if (hot) return json({});
              res.statusCode = 500;
              return res.end('{}');
            case 'hot-garbage':
              return res.end(hot ? '<html>nope' : '{}');
            case 'eval-garbage':
              return hot ? json({}) : res.end('{"decision":"perhaps"}');
            case 'hot-slow':
              return setTimeout(() => json({}), 2500);
            case 'eval-slow':
              return hot ? json({}) : setTimeout(() => json({ decision: 'continue', reminder: 'late' }), 3500);
            case 'unauthorized':
              res.statusCode = 401;
              return res.end('{"error":"token"}');
            default:
              return json({ decision: 'allow' });
          }
        });
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/internal/stop-gate`;
    });
    afterAll(() => {
      server.closeAllConnections();
      server.close();
    });

    const setup = async () => {
      const s = scratch();
      mkdirSync(join(s.repo, '.arbiter'));
      writeFileSync(join(s.repo, '.arbiter', 'config.json'), JSON.stringify({ version: 1, stop_gate: { authority: { base_url: `${base}/`, token: 'cfg-secret' } } }));
      await arbiter(['gate', 'mode', 'enforce'], { cwd: s.repo, env: s.env });
      return s;
    };
    const stopNow = (s: { repo: string; env: NodeJS.ProcessEnv }, agent: 'claude' | 'codex' = 'claude', active = false) =>
      arbiter(['hook', 'stop', '--agent', agent], {
        cwd: s.repo,
        env: s.env,
        stdin: agent === 'claude' ? claudeStop({ session_id: 'S/1', cwd: s.repo, stop_hook_active: active }) : codexStop({ session_id: 'S/1', cwd: s.repo, stop_hook_active: active }),
      });

    it('continue with a reminder blocks (framed, sanitized), sends the token, and stops at the ceiling of 2', async () => {
      behaviour = 'continue';
      seen.length = 0;
      const s = await setup();
      expect((await arbiter(['gate', 'status'], { cwd: s.repo, env: s.env })).stdout).toBe(`stop gate: mode enforce, kill switch off, authority ${base}\n`);
      const expected = JSON.stringify({ decision: 'block', reason: 'Arbiter stop gate (authority, rule R1): Keep going:\nfinish the spec.' }) + '\n';
      expect(await stopNow(s, 'claude')).toMatchObject({ code: 0, stdout: expected });
      expect(seen.map((x) => `${x.method} ${x.url}`)).toEqual(['GET /internal/stop-gate/hot-path?session=S%2F1', 'POST /internal/stop-gate/evaluate']);
      expect(seen.every((x) => x.auth === 'Bearer cfg-secret')).toBe(true);
      const body = JSON.parse(seen[1]!.body);
      expect(body).toMatchObject({ sessionId: 'S/1', untrustedContent: { recentTurns: [{ source: 'agent', text: 'I have finished the change and the tests pass.' }] } });
      expect(body.evidenceMetadata.signals).toEqual({ mentionsContextLimit: false, mentionsFreshSession: false, claimsShouldStopForContext: false });
      // The loop guard lets the continuation stop, then the second block, then the ceiling.
      expect((await stopNow(s, 'codex', true)).stdout).toBe('{}\n');
      expect(await stopNow(s, 'codex')).toMatchObject({ code: 0, stdout: expected });
      seen.length = 0;
      expect((await stopNow(s, 'claude')).stdout).toBe('{}\n');
      expect(seen).toEqual([]);
      expect(lastVerdict(s.dir, 'stop-gate')).toMatchObject({ verdict: 'Allow', reasons: ['continue-ceiling'] });
      const counts = JSON.parse(readFileSync(join(runtimeDir(s.dir), 'stop-gate-continues.json'), 'utf8'));
      expect(counts.sessions['S/1'].count).toBe(2);
      expect(counts.sessions['S/1'].lastAt).toMatch(/Z$/);
      // The decision log never holds the token.
      expect(readFileSync(join(runtimeDir(s.dir), 'log', (await import('node:fs')).readdirSync(join(runtimeDir(s.dir), 'log'))[0]!), 'utf8')).not.toContain('cfg-secret');
    });

    const failOpen: Array<[string, string]> = [
      ['hot-5xx', 'hot-path-http-status'],
      ['unauthorized', 'hot-path-http-status'],
      ['hot-garbage', 'hot-path-malformed'],
      ['hot-slow', 'hot-path-timeout'],
      ['eval-5xx', 'evaluate-http-status'],
      ['eval-garbage', 'evaluate-malformed'],
      ['eval-slow', 'evaluate-timeout'],
    ];
    for (const [b, reason] of failOpen) {
      it(`authority ${b} fails open: {} exit 0 (${reason})`, async () => {
        behaviour = b;
        const s = await setup();
        const r = await stopNow(s, b.length % 2 === 0 ? 'claude' : 'codex');
        expect(r).toMatchObject({ code: 0, signal: null, stdout: '{}\n' });
        expect(lastVerdict(s.dir, 'stop-gate')).toMatchObject({ verdict: 'Allow', reasons: [reason], facts: { failOpen: true } });
      });
    }

    it('an authority that is not listening fails open (hot-path-unreachable)', async () => {
      const s = scratch();
      mkdirSync(join(s.repo, '.arbiter'));
      writeFileSync(join(s.repo, '.arbiter', 'config.json'), JSON.stringify({ version: 1, stop_gate: { authority: { base_url: 'http://127.0.0.1:1/x' } } }));
      await arbiter(['gate', 'mode', 'enforce'], { cwd: s.repo, env: s.env });
      const r = await stopNow(s);
      expect(r.stdout).toBe('{}\n');
      expect(lastVerdict(s.dir, 'stop-gate')).toMatchObject({ reasons: ['hot-path-unreachable'] });
    });

    it('an invalid config key warns on stderr and falls back to its default', async () => {
      behaviour = 'allow';
      const s = scratch();
      mkdirSync(join(s.repo, '.arbiter'));
      writeFileSync(join(s.repo, '.arbiter', 'config.json'), JSON.stringify({ version: 1, stop_gate: { guards: { stated_continuation: { min_length: 'x' } }, authority: { base_url: base } } }));
      const r = await stopNow(s);
      expect(r.stdout).toBe('{}\n');
      expect(r.stderr).toContain('arbiter: stop_gate.guards.stated_continuation.min_length: invalid value, using the default');
    });
  });
});

describe('binary path', () => {
  it('is the built dispatcher', () => {
    expect(BIN.endsWith('packages/hooks/dist/arbiter.cjs')).toBe(true);
  });
});
