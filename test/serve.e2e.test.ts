/**
 * `arbiter serve` as a real process with the built binary (push-gate.md §5.7): two clones with different host
 * identities configured for it, the hooks' fail-open verdicts (push-gate.md §8.9) when the service is SIGKILLed, restarted or
 * hung, a client SIGSTOPped past its lease (its heartbeat and release come back Lost/NotHolder, `lane assert` with
 * its fence fails), `deploy --print-env`, and SIGTERM. The service runs with `--clock-rate 10`, so a one-minute lease
 * lasts six seconds, and a hook's ten-minute lease one minute (a slow machine does not expire it by accident).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpLaneStore } from '@arbiter/io-node';
import { startServe, worldEnv } from './helpers/bin.js';

const BIN = resolve(__dirname, '../packages/hooks/dist/arbiter.cjs');
const IO_NODE = resolve(__dirname, '../packages/io-node/dist/index.cjs');
const root = mkdtempSync(join(tmpdir(), 'arbiter-serve-e2e-'));
const STORE = join(root, 'served');
const env = worldEnv(root);

interface Ran { code: number; stdout: string; stderr: string; ms: number }
const run = (cmd: string, args: string[], o: { cwd: string; stdin?: string; env?: NodeJS.ProcessEnv }): Ran => {
  const t0 = Date.now();
  const r = spawnSync(cmd, args, { cwd: o.cwd, env: { ...env, ...(o.env ?? {}) }, input: o.stdin ?? '', encoding: 'utf8', timeout: 30_000 });
  return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '', ms: Date.now() - t0 };
};
const arbiter = (args: string[], o: { cwd: string; stdin?: string; env?: NodeJS.ProcessEnv }): Ran => run(process.execPath, [BIN, ...args], o);
const git = (cwd: string, args: string[]): Ran => run('git', args, { cwd });
const pre = (session: string, cwd: string, command: string) =>
  JSON.stringify({ session_id: session, transcript_path: null, cwd, permission_mode: 'default', hook_event_name: 'PreToolUse', tool_name: 'Bash', tool_input: { command }, tool_use_id: `toolu_${session}_${Date.now()}` });
const GATE = ['hook', 'gate-push', '--agent', 'claude'];

/** Start `arbiter serve` on the served embedded store (clock ×10) and resolve once it listens. */
const serve = (listen: string): Promise<{ child: ChildProcess; url: string; port: number }> => startServe(['--listen', listen, '--store', `fs:${STORE}`, '--clock-rate', '10'], { env });
const exited = (c: ChildProcess): Promise<number | null> => new Promise((r) => (c.exitCode !== null || c.signalCode !== null ? r(c.exitCode) : c.on('exit', (code) => r(code))));

let server: { child: ChildProcess; url: string; port: number };
const A = join(root, 'machine-a', 'repo');
const B = join(root, 'machine-b', 'repo');
const machine = (dir: string, host: string, token: string): NodeJS.ProcessEnv => ({ ARBITER_STATE_DIR: join(dir, '..', 'state'), ARBITER_HOST: host, ARBITER_TOKEN: token });
let envA: NodeJS.ProcessEnv;
let envB: NodeJS.ProcessEnv;

beforeAll(async () => {
  mkdirSync(join(root, 'home'), { recursive: true });
  const tokA = arbiter(['token', 'create', '--member', 'ana@example.com', '--store', `fs:${STORE}`], { cwd: root });
  const tokB = arbiter(['token', 'create', '--member', 'bo@example.com', '--store', `fs:${STORE}`], { cwd: root });
  expect(tokA.stdout).toMatch(/^arb_[A-Za-z0-9_-]{43}\n$/);
  server = await serve('127.0.0.1:0');
  const remote = join(root, 'remote.git');
  git(root, ['init', '-q', '--bare', '-b', 'main', remote]);
  const seed = join(root, 'seed');
  git(root, ['init', '-q', '-b', 'main', seed]);
  git(seed, ['commit', '-q', '--allow-empty', '-m', 'init']);
  git(seed, ['push', '-q', remote, 'main']);
  for (const [dir, who] of [[A, 'ana@example.com'], [B, 'bo@example.com']] as const) {
    mkdirSync(join(dir, '..'), { recursive: true });
    git(root, ['clone', '-q', remote, dir]);
    git(dir, ['config', 'user.email', who]);
    mkdirSync(join(dir, '.arbiter'), { recursive: true });
    writeFileSync(join(dir, '.arbiter', 'config.json'), JSON.stringify({ version: 1, lanes: { store: { kind: 'http', url: server.url, token_env: 'ARBITER_TOKEN' } } }));
  }
  envA = machine(A, 'laptop-ana', tokA.stdout.trim());
  envB = machine(B, 'ci-runner-7', tokB.stdout.trim());
});
afterAll(async () => {
  server.child.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

describe('arbiter serve: two clones on two "machines"', () => {
  it('B is asked while A holds; the embedded stores of the clones stay untouched', () => {
    // A claims with the verb (no watchdog, so a loaded machine cannot turn it into a fail-open allow)
    const a = arbiter(['lane', 'claim', 'main', '--eta', '30'], { cwd: A, env: { ...envA, ARBITER_SESSION: 'sess-a' } });
    expect(a.stdout).toContain('claimed (fence 1)');
    // on an overloaded machine the gate's 4 s watchdog may fire first (it then allows loudly): ask again, at most 3 times
    let b = arbiter(GATE, { cwd: B, env: envB, stdin: pre('sess-b', B, 'git push origin main') });
    for (let i = 0; i < 2 && b.stdout.includes('ran out of time'); i++) b = arbiter(GATE, { cwd: B, env: envB, stdin: pre('sess-b', B, 'git push origin main') });
    expect(b.code).toBe(0);
    expect(JSON.parse(b.stdout)).toMatchObject({ hookSpecificOutput: { permissionDecision: 'ask' } });
    expect(b.stdout).toContain('held by @ana');
    const st = arbiter(['lane', 'status', 'main'], { cwd: B, env: envB });
    expect(st.code).toBe(0);
    expect(st.stdout).toContain('deploy:refs/heads/main');
    // nothing went to either clone's embedded store
    for (const e of [envA, envB]) {
      const files = existsSync(e['ARBITER_STATE_DIR'] as string) ? (readdirSync(e['ARBITER_STATE_DIR'] as string, { recursive: true }) as string[]) : [];
      expect(files.filter((f) => /(^|\/)(lanes|halts)(\/|$)|audit\.ndjson/.test(f))).toEqual([]);
    }
  });

  it('deploy --print-env prints only the env line on stdout; lane assert passes with it and fails after release', () => {
    const d = arbiter(['deploy', '--lane', 'deploy:env-demo', '--print-env'], { cwd: A, env: { ...envA, ARBITER_SESSION: 'sess-env' } });
    expect(d.code).toBe(0);
    expect(d.stdout).toBe("ARBITER_LANE='deploy:env-demo' ARBITER_FENCE=1\n");
    expect(d.stderr).toContain('claimed (fence 1)');
    const ok = arbiter(['lane', 'assert', 'deploy:env-demo', '--fence', '1'], { cwd: B, env: envB });
    expect(ok.code).toBe(0);
    const stale = arbiter(['lane', 'assert', 'deploy:env-demo', '--fence', '0'], { cwd: B, env: envB });
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain('stale');
    expect(arbiter(['lane', 'release', 'deploy:env-demo'], { cwd: A, env: { ...envA, ARBITER_SESSION: 'sess-env' } }).code).toBe(0);
    const free = arbiter(['lane', 'assert', 'deploy:env-demo', '--fence', '1'], { cwd: B, env: envB });
    expect(free.code).toBe(1);
    expect(free.stderr).toContain('not held');
  });

  it('the landing queue through the real service (land.md §2.1 QH1–QH3): tickets in order with handles from the tokens, a dead waiter drops out by the store clock, files in the served store', async () => {
    const lane = 'deploy:refs/heads/queue-demo';
    const a = httpLaneStore({ url: server.url, token: envA['ARBITER_TOKEN'] as string });
    const b = httpLaneStore({ url: server.url, token: envB['ARBITER_TOKEN'] as string });
    const me = (i: number) => ({ handle: 'ignored', session: `sess-q${i}`, instance: String(i).repeat(32), host: `host-${i}` });
    // B first with a long ttl, then A with the shortest (0.5 s of real time at ×10): no timing can reorder the answers
    const rb = await b.enqueue(lane, me(2), { branch: 'feature/b', ttl_ms: 600_000 })();
    const ra = await a.enqueue(lane, me(1), { branch: 'feature/a', ttl_ms: 5_000 })();
    expect(rb._tag === 'Right' && [rb.right.ticket.position, rb.right.ticket.handle]).toEqual([1, 'bo@example.com']);
    expect(ra._tag === 'Right' && [ra.right.ticket.position, ra.right.ticket.handle]).toEqual([2, 'ana@example.com']);
    await new Promise((r) => setTimeout(r, 1_000)); // 10 s of store time at ×10: A stopped refreshing, its 5 s ticket is gone
    const q = await b.queue(lane)();
    expect(q._tag === 'Right' && q.right.map((v) => [v.position, v.handle, v.branch])).toEqual([[1, 'bo@example.com', 'feature/b']]);
    expect(await b.dequeue(lane, me(2).instance)()).toEqual({ _tag: 'Right', right: { _tag: 'Dequeued', ticket_id: rb._tag === 'Right' ? rb.right.ticket.ticket_id : '' } });
    expect(readdirSync(join(STORE, 'queue')).length).toBe(3); // enqueue, enqueue, dequeue: one generation each
  });
});

describe('a hook that never touches lanes loads no HTTP client code', () => {
  it('a non-push Bash payload in a clone configured for the http store loads no http, https or net module', () => {
    const probe = join(root, 'modules.cjs');
    writeFileSync(probe, "process.on('exit', () => { require('node:fs').writeSync(2, '\\nMODULES ' + JSON.stringify(process.moduleLoadList.filter((m) => /NativeModule (http|https|net|_http)/.test(m))) + '\\n'); });\n");
    const np = pre('sess-np', A, 'npm test');
    const r = run(process.execPath, ['--require', probe, BIN, ...GATE], { cwd: A, env: envA, stdin: np });
    expect(r.code).toBe(0);
    expect(JSON.parse(/MODULES (.*)/.exec(r.stderr)?.[1] ?? 'null')).toEqual([]);
    // the probe itself works: a verb that calls the service does load node:http
    const p = run(process.execPath, ['--require', probe, BIN, 'lane', 'status'], { cwd: A, env: envA });
    expect(JSON.parse(/MODULES (.*)/.exec(p.stderr)?.[1] ?? '[]')).toContain('NativeModule http');
  });
});

describe('arbiter serve: faults, with the hooks failing open within the 4 s watchdog (push-gate.md §8.9)', () => {
  it('the service SIGKILLed: the gate allows loudly (store-unreachable); restarted on the same port, the lanes are all still there', async () => {
    // A renews its hold for a day first, so that only the restart can explain a change
    expect(arbiter(['lane', 'claim', 'main', '--eta', '1440'], { cwd: A, env: { ...envA, ARBITER_SESSION: 'sess-a' } }).stdout).toMatch(/renewed|claimed/);
    server.child.kill('SIGKILL');
    await exited(server.child);
    const b = arbiter(GATE, { cwd: B, env: envB, stdin: pre('sess-b', B, 'git push origin main') });
    expect(b.code).toBe(0);
    expect(b.ms).toBeLessThan(5_000); // GATE_WATCHDOG_MS from process start, plus the process start itself
    expect(b.stdout + b.stderr).toMatch(/lane store|unreachable|ran out of time/i);
    expect(b.stdout).not.toContain('"deny"');
    server = await serve(`127.0.0.1:${server.port}`);
    const again = arbiter(GATE, { cwd: B, env: envB, stdin: pre('sess-b', B, 'git push origin main') });
    expect(JSON.parse(again.stdout)).toMatchObject({ hookSpecificOutput: { permissionDecision: 'ask' } }); // A's claim survived
  });

  it('the service hung (SIGSTOP): the client timeout makes the gate allow loudly (store-contended) within the watchdog', async () => {
    server.child.kill('SIGSTOP');
    try {
      const b = arbiter(GATE, { cwd: B, env: envB, stdin: pre('sess-b', B, 'git push origin main') });
      expect(b.code).toBe(0);
      expect(b.ms).toBeLessThan(5_000); // GATE_WATCHDOG_MS from process start, plus the process start itself
      expect(b.stdout + b.stderr).toMatch(/busy|contended|lane store|ran out of time/i); // the client timeout or, on a loaded machine, the watchdog: both fail open
      expect(b.stdout).not.toContain('"deny"');
    } finally {
      server.child.kill('SIGCONT');
    }
  });

  it('a client SIGSTOPped past its lease: its heartbeat comes back Lost, its release NotHolder, and lane assert with its fence fails', async () => {
    const lane = 'deploy:stopped';
    // a long-running client (a deploy script's heartbeat loop) on the HTTP lane-store client of io-node
    const script = `
      const { httpLaneStore } = require(${JSON.stringify(IO_NODE)});
      const s = httpLaneStore({ url: ${JSON.stringify(server.url)}, token: process.env.ARBITER_TOKEN });
      const me = { handle: 'ignored', session: 'sess-stopped', instance: 'a'.repeat(32), host: 'laptop-ana' };
      (async () => {
        const c = await s.claim(${JSON.stringify(lane)}, me, { intent: 'deploy', eta_minutes: 1 })();
        console.log('claim ' + JSON.stringify(c.right ?? c.left));
        const fence = c.right.fence;
        for (;;) {
          await new Promise((r) => setTimeout(r, 100));
          const h = await s.heartbeat(${JSON.stringify(lane)}, me.instance, fence)();
          console.log('heartbeat ' + JSON.stringify(h.right ?? h.left));
          if (h._tag === 'Right' && h.right._tag === 'Lost') {
            const r = await s.release(${JSON.stringify(lane)}, me.instance)();
            console.log('release ' + JSON.stringify(r.right ?? r.left));
            return;
          }
        }
      })();`;
    const child = spawn(process.execPath, ['-e', script], { env: { ...env, ...envA }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString('utf8')));
    const until = async (re: RegExp, ms: number): Promise<void> => {
      const t0 = Date.now();
      while (!re.test(out) && Date.now() - t0 < ms) await new Promise((r) => setTimeout(r, 20));
      expect(out).toMatch(re);
    };
    await until(/heartbeat \{"_tag":"Ok"\}/, 10_000);
    const fence = Number(/"fence":(\d+)/.exec(out)?.[1]);
    child.kill('SIGSTOP');
    await new Promise((r) => setTimeout(r, 7_000)); // > 60 s of store time at ×10
    const b = arbiter(['lane', 'claim', lane, '--eta', '30'], { cwd: B, env: envB });
    expect(b.stdout).toContain(`claimed (fence ${fence + 1})`);
    const assertA = arbiter(['lane', 'assert', lane, '--fence', String(fence)], { cwd: A, env: envA });
    expect(assertA.code).toBe(1);
    expect(assertA.stderr).toContain('stale');
    child.kill('SIGCONT');
    await exited(child);
    expect(out).toContain('heartbeat {"_tag":"Lost","holder_handle":"bo@example.com"}');
    expect(out).toContain('release {"_tag":"NotHolder"}');
    expect(arbiter(['lane', 'assert', lane, '--fence', String(fence + 1)], { cwd: B, env: envB }).code).toBe(0);
  });

  it('SIGTERM: the service stops accepting and exits 0', async () => {
    const other = await new Promise<{ child: ChildProcess }>((res, rej) => {
      const child = spawn(process.execPath, [BIN, 'serve', '--listen', '127.0.0.1:0', '--store', `fs:${join(root, 'other')}`], { env, stdio: ['ignore', 'ignore', 'pipe'] });
      child.stderr?.on('data', (d: Buffer) => (/listening/.test(d.toString()) ? res({ child }) : undefined));
      child.on('exit', () => rej(new Error('exited early')));
    });
    other.child.kill('SIGTERM');
    expect(await exited(other.child)).toBe(0);
  });
});
