/**
 * `arbiter hook stop` pipeline (hooks.md §7–8) driven in-process with io-memory adapters: the order of the
 * three decisions, rendering, effects through the StateFiles port, and every fail-open path of the composite hook.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { buildStop as BS, stopGate as SG, type HttpRequest } from '@arbiter/kernel';
import { memoryStateFiles, scriptedHttp, type MemoryStateFiles, type ScriptedRoute } from '@arbiter/io-memory';
import { runStopHook, type StopDeps, type StopRecord } from '../packages/hooks/src/hook/stop.js';
import { validCodexStopOutput } from '../packages/kernel/test/helpers/codex-schema.js';

const NOW = 1_760_000_000_000;
const iso = (ms: number) => new Date(ms).toISOString();
const buildText = (o: { session?: string; tmux?: string; used?: number; max?: number; phase?: string } = {}) =>
  JSON.stringify({
    version: 1,
    phase: o.phase ?? 'executing',
    size: 'standard',
    task: 'ship',
    owner: { tmux: o.tmux ?? '', session: o.session ?? 'S-own', stampedAt: iso(NOW - 1000) },
    protection: { reinforcements: o.max ?? 5, label: 'medium' },
    reinforcementsUsed: o.used ?? 0,
    startedAt: iso(NOW - 1000),
    updatedAt: iso(NOW - 1000),
  });
const gate = (mode: string, killSwitch = false) => JSON.stringify({ version: 1, mode, killSwitch, updatedAt: iso(NOW) });
const AUTH_CFG = { _tag: 'Configured', config: { version: 1, stop_gate: { authority: { base_url: 'http://authority.test/sg', token: 'cfg-token' } } } } as const;

interface Harness {
  readonly deps: StopDeps;
  readonly files: MemoryStateFiles;
  readonly http: ReturnType<typeof scriptedHttp>;
  readonly records: StopRecord[];
  readonly claims: unknown[];
  readonly tmuxCalls: { n: number };
}
const harness = (o: {
  stdin: string | null;
  seed?: Parameters<typeof memoryStateFiles>[0];
  routes?: Record<string, ScriptedRoute | ((r: HttpRequest) => ScriptedRoute)>;
  cfg?: StopDeps extends { config: (t: string) => infer C } ? C : never;
  tmux?: string;
  inRepo?: boolean;
  env?: Record<string, string>;
  over?: Partial<StopDeps>;
}): Harness => {
  const files = memoryStateFiles(o.seed ?? {});
  const http = scriptedHttp(o.routes ?? {}, 'http://authority.test');
  const records: StopRecord[] = [];
  const claims: unknown[] = [];
  const tmuxCalls = { n: 0 };
  const deps: StopDeps = {
    stdin: async () => (o.stdin === null ? { _tag: 'Timeout' } : { _tag: 'Ok', text: o.stdin }),
    env: o.env ?? {},
    cwd: '/nonexistent-cwd',
    now: () => NOW,
    repo: () => (o.inRepo === false ? null : { runtimeDir: '/mem/arbiter', topLevel: '/mem/repo' }),
    files: () => files,
    config: () => o.cfg ?? { _tag: 'NotConfigured' },
    guard: async () => ({ enabled: true, release: async () => undefined }),
    http,
    tmux: async () => {
      tmuxCalls.n++;
      return o.tmux ?? '';
    },
    gitFiles: async () => ({ ok: true, value: ['docs/spec.md'] }),
    gitHistory: async (_r, paths) => ({ ok: true, value: paths.map(() => null) }),
    transcriptTail: async () => ({ ok: true, value: { text: '', partial: false } }),
    observeClaim: async (i) => {
      claims.push(i);
    },
    record: (_d, r) => {
      records.push(r);
    },
    ...(o.over ?? {}),
  };
  return { deps, files, http, records, claims, tmuxCalls };
};
const stop = (p: Record<string, unknown>) => JSON.stringify({ hook_event_name: 'Stop', stop_hook_active: false, ...p });

describe('arbiter hook stop: order of the decisions (hooks.md §8)', () => {
  it('claim observation runs first with the decoded payload, even when the build blocks', async () => {
    const h = harness({ stdin: stop({ session_id: 'S-own', last_assistant_message: 'hi' }), seed: { 'build-state.json': buildText() } });
    const r = await runStopHook('claude', h.deps);
    expect(h.claims).toEqual([{ payload: { hook_event_name: 'Stop', stop_hook_active: false, session_id: 'S-own', last_assistant_message: 'hi' }, agent: 'claude', startDir: '/nonexistent-cwd', env: {}, now: NOW }]);
    expect(r.decision).toBe('build-stop');
    expect(JSON.parse(r.stdout)).toMatchObject({ decision: 'block' });
  });

  it('a build Block ends the hook: the stop gate runs no probe (no HTTP request even in enforce with an authority)', async () => {
    const h = harness({
      stdin: stop({ session_id: 'S-own', last_assistant_message: "I'll do it now." }),
      seed: { 'build-state.json': buildText(), 'stop-gate.json': gate('enforce') },
      routes: { 'GET /sg/hot-path': { status: 200, body: '{}' } },
      cfg: AUTH_CFG,
    });
    const r = await runStopHook('codex', h.deps);
    expect(r.reason).toBe('reinforce');
    expect(h.http.requests()).toEqual([]);
    expect(h.records.map((x) => x.policy)).not.toContain('stop-gate');
    expect(JSON.parse(h.files.snapshot()['build-state.json'] as string).reinforcementsUsed).toBe(1);
  });

  it('an approving build hands over to the stop gate; a guard block in enforce renders the block JSON', async () => {
    const h = harness({ stdin: stop({ session_id: 'S-other', last_assistant_message: "I'll run the migration now." }), seed: { 'build-state.json': buildText(), 'stop-gate.json': gate('enforce') } });
    const r = await runStopHook('claude', h.deps);
    expect(r.decision).toBe('stop-gate');
    expect(r.reason).toBe('stated-continuation');
    expect(r.stdout).toBe(JSON.stringify({ decision: 'block', reason: SG.statedContinuationMessage("i'll ", ' now') }) + '\n');
    expect(h.files.snapshot()['build-state.json']).toBe(buildText());
  });

  it('authority continue in enforce: bearer token from the environment wins, the counter goes up, the reply is framed', async () => {
    const h = harness({
      stdin: stop({ session_id: 'S-x', last_assistant_message: 'Done.' }),
      seed: { 'stop-gate.json': gate('enforce') },
      routes: {
        'GET /sg/hot-path': { status: 200, body: '{"sessionStartTs":1}' },
        'POST /sg/evaluate': { status: 200, body: JSON.stringify({ decision: 'continue', reminder: 'Write the tests.', rule: 'R7' }) },
      },
      cfg: AUTH_CFG,
      env: { ARBITER_AUTHORITY_TOKEN: 'env-token' },
    });
    const r = await runStopHook('codex', h.deps);
    expect(JSON.parse(r.stdout)).toEqual({ decision: 'block', reason: 'Arbiter stop gate (authority, rule R7): Write the tests.' });
    const reqs = h.http.requests();
    expect(reqs.map((q) => `${q.method} ${q.url} ${q.timeoutMs}`)).toEqual(['GET http://authority.test/sg/hot-path?session=S-x 1500', 'POST http://authority.test/sg/evaluate 2500']);
    expect(reqs.every((q) => q.headers?.['authorization'] === 'Bearer env-token')).toBe(true);
    expect(JSON.parse(reqs[1]!.body as string).evidenceMetadata.artifacts).toEqual([
      { path: 'docs/spec.md', introducingCommit: null, latestCommit: null, createdThisSession: false, modifiedThisSession: false },
    ]);
    expect(SG.readContinueCount(h.files.snapshot()['stop-gate-continues.json'] ?? null, 'S-x')).toBe(1);
  });
});

describe('arbiter hook stop: fail-open paths (hooks.md §7, stop-gate.md §9)', () => {
  const cases: Array<[string, Parameters<typeof harness>[0], string]> = [
    ['unreadable stdin', { stdin: null, seed: { 'stop-gate.json': gate('enforce') } }, 'stdin-unreadable'],
    ['empty stdin', { stdin: '  \n', seed: { 'stop-gate.json': gate('enforce') } }, 'empty-input'],
    ['malformed stdin', { stdin: '{"session_id":', seed: { 'stop-gate.json': gate('enforce') } }, 'malformed-input'],
    ['outside a repository', { stdin: stop({ session_id: 'S', last_assistant_message: "I'll go now" }), inRepo: false }, 'mode-off'],
    ['hot path 5xx', { stdin: stop({ session_id: 'S' }), seed: { 'stop-gate.json': gate('enforce') }, cfg: AUTH_CFG, routes: { 'GET /sg/hot-path': { status: 503, body: '' } } }, 'hot-path-http-status'],
    ['hot path slow', { stdin: stop({ session_id: 'S' }), seed: { 'stop-gate.json': gate('enforce') }, cfg: AUTH_CFG, routes: { 'GET /sg/hot-path': { status: 200, body: '{}', delayMs: 1500 } } }, 'hot-path-timeout'],
    ['hot path refused', { stdin: stop({ session_id: 'S' }), seed: { 'stop-gate.json': gate('enforce') }, cfg: AUTH_CFG }, 'hot-path-unreachable'],
    ['hot path too large', { stdin: stop({ session_id: 'S' }), seed: { 'stop-gate.json': gate('enforce') }, cfg: AUTH_CFG, routes: { 'GET /sg/hot-path': { status: 200, body: ' '.repeat(SG.HTTP_BODY_MAX_BYTES + 1) } } }, 'hot-path-malformed'],
    ['evaluate garbage', { stdin: stop({ session_id: 'S' }), seed: { 'stop-gate.json': gate('enforce') }, cfg: AUTH_CFG, routes: { 'GET /sg/hot-path': { status: 200, body: '{}' }, 'POST /sg/evaluate': { status: 200, body: '<html>' } } }, 'evaluate-malformed'],
    ['evaluate 400', { stdin: stop({ session_id: 'S' }), seed: { 'stop-gate.json': gate('enforce') }, cfg: AUTH_CFG, routes: { 'GET /sg/hot-path': { status: 200, body: '{}' }, 'POST /sg/evaluate': { status: 400, body: '{"error":"missing"}' } } }, 'evaluate-http-status'],
    ['evaluate slow', { stdin: stop({ session_id: 'S' }), seed: { 'stop-gate.json': gate('enforce') }, cfg: AUTH_CFG, routes: { 'GET /sg/hot-path': { status: 200, body: '{}' }, 'POST /sg/evaluate': { status: 200, body: '{}', delayMs: 2500 } } }, 'evaluate-timeout'],
    ['gate state corrupt', { stdin: stop({ session_id: 'S', last_assistant_message: "I'll go now" }), seed: { 'stop-gate.json': '{{' } }, 'gate-state-unreadable'],
    ['build state corrupt', { stdin: stop({ session_id: 'S' }), seed: { 'build-state.json': '{{' } }, 'mode-off'],
  ];
  for (const [name, o, reason] of cases) {
    it(`${name} → {} (${reason})`, async () => {
      const h = harness(o);
      const r = await runStopHook('claude', h.deps);
      expect(r.stdout).toBe('{}\n');
      expect(r.reason).toBe(reason);
    });
  }

  it('hooks.md §8 step 2: a disabled state guard prints {} with its warning and runs no decision and no claim observation', async () => {
    let released = 0;
    const h = harness({
      stdin: stop({ session_id: 'S-own', last_assistant_message: "I'll go now" }),
      seed: { 'build-state.json': buildText(), 'stop-gate.json': gate('enforce') },
      over: {
        guard: async (_d, _c, line) => {
          line('arbiter: state lock disabled (test)');
          return { enabled: false, release: async () => void released++ };
        },
      },
    });
    const r = await runStopHook('claude', h.deps);
    expect(r).toMatchObject({ stdout: '{}\n', reason: 'state-guard-disabled', stderr: ['arbiter: state lock disabled (test)'] });
    expect(h.claims).toEqual([]);
    expect(h.files.writes('build-state.json')).toBe(0);
    expect(h.records).toEqual([]);
    expect(released).toBe(1);
  });

  it('the guard is not asked outside a repository (nothing to guard), and is released after an enabled run', async () => {
    let asked = 0;
    let released = 0;
    const guard: StopDeps['guard'] = async () => {
      asked++;
      return { enabled: true, release: async () => void released++ };
    };
    await runStopHook('claude', harness({ stdin: stop({ session_id: 'S' }), inRepo: false, over: { guard } }).deps);
    expect(asked).toBe(0);
    await runStopHook('claude', harness({ stdin: stop({ session_id: 'S-own' }), seed: { 'build-state.json': buildText() }, over: { guard } }).deps);
    expect([asked, released]).toEqual([1, 1]);
  });

  it('a failing state store (read error) allows: build state-unreadable, gate gate-state-unreadable', async () => {
    const h = harness({ stdin: stop({ session_id: 'S-own', last_assistant_message: "I'll go now" }) });
    h.files.fail('build-state.json', { _tag: 'ReadFailed', detail: 'EIO' });
    h.files.fail('stop-gate.json', { _tag: 'ReadFailed', detail: 'EIO' });
    const r = await runStopHook('claude', h.deps);
    expect(r.stdout).toBe('{}\n');
    expect(h.records.find((x) => x.policy === 'build-stop' && x.verdict === 'Approve')?.reasons).toEqual(['state-unreadable']);
    expect(r.reason).toBe('gate-state-unreadable');
  });

  it('a failing patch write still renders the block (effects never change the rendering) and says so on stderr', async () => {
    const h = harness({ stdin: stop({ session_id: 'S-own' }), seed: { 'build-state.json': buildText() } });
    const orig = h.files.update;
    (h.deps as { files: StopDeps['files'] }).files = () => ({ ...h.files, update: () => async () => ({ _tag: 'Left', left: { _tag: 'Busy', detail: 'held' } }) });
    void orig;
    const r = await runStopHook('claude', h.deps);
    expect(JSON.parse(r.stdout).decision).toBe('block');
    expect(r.stderr.join('\n')).toMatch(/build state patch failed: Busy/);
  });

  it('an exception anywhere is hook.internal-error: {} and one sanitized stderr line', async () => {
    const h = harness({ stdin: stop({ session_id: 'S' }), over: { repo: () => { throw new Error('disk\nexploded'); } } });
    const r = await runStopHook('codex', h.deps);
    expect(r).toMatchObject({ stdout: '{}\n', reason: 'internal-error', stderr: ['arbiter: internal error in hook: disk exploded'] });
  });

  it('a throwing claim observer never blocks and the rest still runs', async () => {
    const h = harness({ stdin: stop({ session_id: 'S-own' }), seed: { 'build-state.json': buildText() }, over: { observeClaim: () => { throw new Error('x'); } } });
    const r = await runStopHook('claude', h.deps);
    expect(r.reason).toBe('reinforce');
  });
});

describe('arbiter hook stop: properties', () => {
  const sessions = fc.constantFrom('S-own', 'S-other', '', 'S-new');
  it('BS-P3 (hook level) a non-owner stop never writes the build state', async () => {
    await fc.assert(
      fc.asyncProperty(sessions, fc.constantFrom('', 'work', 'other'), fc.constantFrom('', 'work'), fc.integer({ min: 0, max: 6 }), async (sess, callerTmux, ownerTmux, used) => {
        const h = harness({ stdin: stop({ session_id: sess }), seed: { 'build-state.json': buildText({ tmux: ownerTmux, used }) }, tmux: callerTmux });
        await runStopHook('claude', h.deps);
        const owner = sess === 'S-own' || (ownerTmux !== '' && callerTmux === ownerTmux);
        if (!owner) expect(h.files.writes('build-state.json')).toBe(0);
        else if (used < 5) expect(JSON.parse(h.files.snapshot()['build-state.json'] as string).reinforcementsUsed).toBe(used + 1);
      }),
    );
  });

  it('G-P5 (in-process) arbitrary stdin and state: exactly one JSON object valid for the Codex Stop schema', async () => {
    const stdinArb = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 300 }),
      fc.json({ maxDepth: 4 }),
      fc.record({ session_id: fc.oneof(fc.string(), fc.integer(), fc.constant(null)), last_assistant_message: fc.oneof(fc.string(), fc.constant("I'll ship it now.")), stop_hook_active: fc.anything() }, { requiredKeys: [] }).map((o) => JSON.stringify(o)),
    );
    const fileArb = fc.oneof(fc.constant(undefined), fc.string({ maxLength: 50 }), fc.constant(buildText()), fc.constant(gate('enforce')), fc.constant(gate('shadow')));
    await fc.assert(
      fc.asyncProperty(stdinArb, fileArb, fileArb, fc.constantFrom('claude', 'codex') as fc.Arbitrary<'claude' | 'codex'>, async (text, b, g, agent) => {
        const seed: Record<string, string> = {};
        if (b !== undefined) seed['build-state.json'] = b;
        if (g !== undefined) seed['stop-gate.json'] = g;
        const h = harness({ stdin: text, seed, cfg: AUTH_CFG, routes: { 'GET /sg/hot-path': { status: 200, body: '{}' }, 'POST /sg/evaluate': { status: 200, body: '{"decision":"continue","reminder":"go"}' } } });
        const r = await runStopHook(agent, h.deps);
        expect(r.stdout.endsWith('\n')).toBe(true);
        expect(r.stdout.slice(0, -1)).not.toContain('\n');
        expect(validCodexStopOutput(JSON.parse(r.stdout))).toBe(true);
        for (const l of r.stderr) expect(l).not.toMatch(/\n|    at /);
      }),
      { numRuns: 150 },
    );
  });

  it('BS-P5 (through io-memory StateFiles) owner stops block exactly budget times across interleaved non-owners', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom('S-own', 'S-other', ''), { maxLength: 14 }), fc.integer({ min: 0, max: 4 }), async (seq, used0) => {
        const files = memoryStateFiles({ 'build-state.json': buildText({ used: used0, max: 4 }) });
        let blocks = 0;
        let k = 0;
        for (const s of seq) {
          const h = harness({ stdin: stop({ session_id: s }) });
          (h.deps as { files: StopDeps['files'] }).files = () => files;
          const r = await runStopHook('claude', h.deps);
          if (s === 'S-own') k++;
          if (r.reason === 'reinforce') blocks++;
        }
        expect(blocks).toBe(Math.min(k, 4 - used0));
        const v = BS.readState(files.snapshot()['build-state.json'] as string);
        expect(v._tag === 'Parsed' && v.view.used).toBe(used0 + blocks);
      }),
    );
  });

  it('SG-P7 (through io-memory StateFiles and scripted Http) at most 2 authority blocks per session; then no HTTP at all', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.boolean(), { minLength: 1, maxLength: 10 }), async (actives) => {
        const files = memoryStateFiles({ 'stop-gate.json': gate('enforce') });
        const http = scriptedHttp(
          { 'GET /sg/hot-path': { status: 200, body: '{}' }, 'POST /sg/evaluate': { status: 200, body: '{"decision":"continue","reminder":"more"}' } },
          'http://authority.test',
        );
        let blocks = 0;
        for (const active of actives) {
          const h = harness({ stdin: stop({ session_id: 'S', stop_hook_active: active, last_assistant_message: 'All done here.' }), cfg: AUTH_CFG });
          (h.deps as { files: StopDeps['files'] }).files = () => files;
          (h.deps as { http: StopDeps['http'] }).http = http;
          const before = http.requests().length;
          const r = await runStopHook('claude', h.deps);
          if (r.reason === 'authority-continue') blocks++;
          if (blocks >= 2 && r.reason !== 'authority-continue') expect(http.requests().length).toBe(before);
        }
        expect(blocks).toBeLessThanOrEqual(2);
        expect(blocks).toBe(Math.min(2, actives.filter((a) => !a).length));
      }),
    );
  });
});

describe('arbiter hook stop: a running land (land.md §9 LD16)', () => {
  const running = { pid: 4242, host: 'h', session: 'S-own', agent_session: null, lane: 'deploy:refs/heads/main', onto: 'refs/heads/main', started_at: NOW - 1_000 };

  it('a land of this session blocks after the build stop and before the stop gate, which then runs no probe', async () => {
    const asked: Array<[string, string]> = [];
    const h = harness({
      stdin: stop({ session_id: 'S-own', last_assistant_message: "I'll do it now." }),
      seed: { 'stop-gate.json': gate('enforce') },
      routes: { 'GET /sg/hot-path': { status: 200, body: '{}' } },
      cfg: AUTH_CFG,
      over: { landRunning: (dir, s) => (asked.push([dir, s]), s === 'S-own' ? running : null) },
    });
    const r = await runStopHook('claude', h.deps);
    expect(asked).toEqual([['/mem/arbiter', 'S-own']]);
    expect(r.decision).toBe('land');
    expect(r.reason).toBe('land-running');
    expect(JSON.parse(r.stdout)).toEqual({ decision: 'block', reason: 'Arbiter land guard: this session has an arbiter land running (pid 4242) onto main. Wait for it to finish and read its result before you stop; arbiter land status shows the queue.' });
    expect(h.http.requests()).toHaveLength(0);
    expect(h.records.map((x) => `${x.policy}:${x.reasons[0]}`)).toContain('land:land-running');
  });

  it('no land of this session (or no repository) goes on to the stop gate', async () => {
    const h = harness({ stdin: stop({ session_id: 'S-other', last_assistant_message: 'Done.' }), over: { landRunning: () => null } });
    const r = await runStopHook('claude', h.deps);
    expect(r.decision).toBe('stop-gate');
    const out = harness({ stdin: stop({ session_id: 'S-own' }), inRepo: false, over: { landRunning: () => running } });
    expect((await runStopHook('claude', out.deps)).decision).toBe('stop-gate');
  });
});
