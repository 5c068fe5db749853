/**
 * Properties PG-10 … PG-24 and PG-31, PG-33 … PG-36 of push-gate.md §17, plus example suites for the rules.
 * The step function runs under the kernel's pure driver `pushGate.simulate` with scripted probe answers.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { pushGate as PG, runStepsSync, type config } from '@arbiter/kernel';

type ConfigState = config.ConfigState;

const SESSION = 'sess-me';
const ME = { ok: true as const, member: 'me@example.com', session: SESSION, instance: 'e'.repeat(32), host: 'laptop' };
const OID_A = 'a'.repeat(40);
const OID_B = 'b'.repeat(40);
const REFS: PG.GateRefs = {
  head_branch: 'main',
  head_oid: OID_A,
  default_remote: 'origin',
  branches: { main: OID_A, 'release/2.4': OID_B, 'feature/x': OID_B },
  tags: { 'v1.0': OID_B },
  objects: {},
};
const CONFIGURED: ConfigState = { _tag: 'Configured', config: { version: 1 } };

const DEPLOY_CMDS = [
  'git push origin main',
  'git push',
  'git push origin main release/2.4',
  'git push -f origin main',
  'git push origin +HEAD:refs/heads/main',
  'npm test && git push origin main',
  'git push --tags',
  'git push origin v1.0',
  'git push --no-verify origin main',
];
const NON_DEPLOY_CMDS = ['git push origin feature/x', 'git push origin HEAD:refs/heads/feature/login', 'git push origin :main', 'git push origin feature/x:feature/y'];
const NOT_PUSH = ['npm test', 'echo "git push"', 'git status', 'git push -n origin main', "grep 'git push' notes.md", 'ls -la'];

type ClaimAns = PG.ClaimAttempt;
const claimArb: fc.Arbitrary<ClaimAns> = fc.oneof(
  fc.record({ _tag: fc.constant('Granted' as const), fence: fc.integer({ min: 1, max: 100 }), reclaimed: fc.boolean() }),
  fc.record({ _tag: fc.constant('Held' as const), holder_handle: fc.string(), holder_instance: fc.constant('f'.repeat(32)), heartbeat_age_sec: fc.integer({ min: 0, max: 10_000 }) }),
  fc.record({ _tag: fc.constant('Failure' as const), kind: fc.constantFrom('transport' as const, 'contended' as const, 'forbidden' as const, 'other' as const), status: fc.constant('x') }),
);
const compatArb: fc.Arbitrary<PG.CompatFact> = fc.record({
  result: fc.constantFrom('fast-forward' as const, 'behind' as const, 'new-ref' as const, 'unknown' as const, 'not-applicable' as const),
  remote_present: fc.boolean(),
});
const haltArb = fc.record({
  halt_id: fc.constant('0123456789abcdef'),
  target_session: fc.constantFrom(SESSION, 'someone-else'),
  by_handle: fc.string(),
  by_session: fc.constant('s-o'),
  reason: fc.string(),
  created_at: fc.constant(0),
  age_sec: fc.nat(),
  open: fc.boolean(),
});
const stateArb: fc.Arbitrary<PG.StateFact> = fc.oneof(
  fc.constant({ ok: false as const }),
  fc.array(haltArb, { maxLength: 3 }).map((halts) => ({ ok: true as const, view: { lanes: [], halts, placed: [] } })),
);
const configArb: fc.Arbitrary<ConfigState | 'not-repo'> = fc.oneof(
  { weight: 6, arbitrary: fc.constant(CONFIGURED) },
  { weight: 1, arbitrary: fc.constant<ConfigState>({ _tag: 'NotConfigured' }) },
  { weight: 1, arbitrary: fc.constant<ConfigState>({ _tag: 'Invalid', detail: 'x' }) },
  { weight: 1, arbitrary: fc.constant<ConfigState>({ _tag: 'Configured', config: { version: 1, lanes: { enabled: false } } }) },
  { weight: 1, arbitrary: fc.constant<ConfigState>({ _tag: 'Configured', config: { version: 1, lanes: { block_force_rewrite: false } } }) },
  { weight: 1, arbitrary: fc.constant<'not-repo'>('not-repo') },
);

interface Scenario {
  command: string;
  agent: 'claude' | 'codex';
  config: ConfigState | 'not-repo';
  dry: boolean;
  bg: boolean;
  idOk: boolean;
  claims: ClaimAns[];
  compat: PG.CompatFact;
  state: PG.StateFact;
  cost: number;
}
const scenarioArb = (commands: string[] = [...DEPLOY_CMDS, ...NON_DEPLOY_CMDS, ...NOT_PUSH]): fc.Arbitrary<Scenario> =>
  fc.record({
    command: fc.constantFrom(...commands),
    agent: fc.constantFrom('claude' as const, 'codex' as const),
    config: configArb,
    dry: fc.boolean(),
    bg: fc.boolean(),
    idOk: fc.boolean(),
    claims: fc.array(claimArb, { minLength: 1, maxLength: 8 }),
    compat: compatArb,
    state: stateArb,
    cost: fc.integer({ min: 0, max: 2_600 }),
  });

const payloadOf = (command: string) => ({ session_id: SESSION, cwd: '/repo', hook_event_name: 'PreToolUse', tool_name: 'Bash', tool_input: { command }, tool_use_id: 'toolu_1' });

const runScenario = (s: Scenario, freq = { dry: s.dry }) => {
  let i = 0;
  const facts: PG.GateFacts = {
    mode: 'agent',
    agent: s.agent,
    payload: payloadOf(s.command),
    dry_run: freq.dry,
    break_glass: s.bg,
    break_glass_reason: s.bg ? 'because' : null,
    elapsed_ms: 0,
  };
  return PG.simulate(facts, {
    repo: () => (s.config === 'not-repo' ? { kind: 'not-repo' } : { kind: 'repo', top: '/repo', common_dir: '/repo/.git', shallow: false, config: s.config }),
    refs: () => REFS,
    identity: () => (s.idOk ? ME : { ok: false }),
    claim: () => s.claims[Math.min(i++, s.claims.length - 1)] as ClaimAns,
    compat: () => s.compat,
    state: () => s.state,
    cost: (p) => (p._tag === 'claim' ? s.cost : 0),
  });
};

const probeTags = (r: PG.SimRun) => r.needs.flat().map((p) => p._tag);
const FAST = { numRuns: 400 };

describe('push-gate step function (PG-10 … PG-24)', () => {
  it('PG-10 zero I/O for non-pushes and undecodable payloads', () => {
    fc.assert(
      fc.property(fc.oneof(fc.constantFrom(...NOT_PUSH).map(payloadOf), fc.anything(), fc.string().map((c) => ({ tool_name: 'Read', tool_input: { command: c } }))), (payload) => {
        const s = PG.gateStep({ mode: 'agent', agent: 'claude', payload, dry_run: false, break_glass: false, break_glass_reason: null, elapsed_ms: 0 });
        if (s._tag === 'Need') {
          // only real pushes may ask for the repository
          const p = PG.decodeAgentPayload(payload);
          expect(p).not.toBeNull();
          expect(PG.classifyPushCommand(p!.command)._tag).toBe('Push');
          return;
        }
        expect(s.effects).toEqual([]);
        expect(['bad-payload', 'not-a-push']).toContain(s.outcome.reason);
      }),
      FAST,
    );
  });

  it('PG-11 non-deploy pushes request only repo/refs and allow with no effects', () => {
    fc.assert(
      fc.property(scenarioArb(NON_DEPLOY_CMDS), (s) => {
        const r = runScenario({ ...s, config: CONFIGURED });
        for (const t of probeTags(r)) expect(['repo', 'refs']).toContain(t);
        expect(['non-deploy-ref', 'nothing-to-gate']).toContain(r.verdict.reason);
        expect(r.effects).toEqual([]);
      }),
      FAST,
    );
  });

  it('PG-12 unconfigured, disabled or outside a repository: only repo is requested', () => {
    fc.assert(
      fc.property(scenarioArb(DEPLOY_CMDS), fc.constantFrom<ConfigState | 'not-repo'>({ _tag: 'NotConfigured' }, { _tag: 'Configured', config: { version: 1, lanes: { enabled: false } } }, 'not-repo'), (s, config) => {
        const r = runScenario({ ...s, config });
        expect(probeTags(r)).toEqual(['repo']);
        expect(r.verdict._tag).toBe('Allow');
        expect(r.effects).toEqual([]);
      }),
      FAST,
    );
  });

  it('PG-13 a Block only on a confirmed positive', () => {
    fc.assert(
      fc.property(scenarioArb(), (s) => {
        const r = runScenario(s);
        if (r.verdict._tag !== 'Block') return;
        if (r.verdict.reason === 'halted') {
          expect(r.facts.state?.ok && r.facts.state.view.halts.some((h) => h.open && h.target_session === SESSION)).toBe(true);
        } else if (r.verdict.reason === 'force-rewrite') {
          // F1: a completed `behind` compat for a forced target, whatever the claims said (at least one answered)
          expect(r.facts.compat?.[r.verdict.target_ref ?? '']?.result).toBe('behind');
          expect(Object.values(r.facts.claims ?? {}).flat().length).toBeGreaterThan(0);
          expect(/(^| )(-f|--force)( |$)|\+/.test(s.command)).toBe(true);
        } else {
          // behind-remote: every lane granted and a completed `behind` compat for the named target
          for (const lane of r.verdict.lanes) expect(r.facts.claims?.[lane]?.at(-1)?._tag).toBe('Granted');
          expect(r.facts.compat?.[r.verdict.target_ref ?? '']?.result).toBe('behind');
        }
      }),
      FAST,
    );
  });

  it('PG-14 failures never block; no Ask without a Held result', () => {
    fc.assert(
      fc.property(scenarioArb(), (s) => {
        const noHalt: PG.StateFact = s.state.ok ? { ok: true, view: { ...s.state.view, halts: s.state.view.halts.filter((h) => h.target_session !== SESSION || !h.open) } } : s.state;
        const compat = s.compat.result === 'behind' ? { ...s.compat, result: 'unknown' as const } : s.compat;
        const r = runScenario({ ...s, state: noHalt, compat });
        expect(r.verdict._tag).not.toBe('Block');
        const held = Object.values(r.facts.claims ?? {}).some((as) => as.some((a) => a._tag === 'Held'));
        if (!held) expect(r.verdict._tag).not.toBe('Ask');
      }),
      FAST,
    );
  });

  it('PG-15 a Held claim ends in Block force-rewrite, Block halted or Ask held-by-other', () => {
    fc.assert(
      fc.property(scenarioArb(DEPLOY_CMDS), (s) => {
        const r = runScenario(s);
        const held = Object.values(r.facts.claims ?? {}).some((as) => as.at(-1)?._tag === 'Held');
        if (held) expect(['force-rewrite', 'halted', 'held-by-other']).toContain(r.verdict.reason);
      }),
      FAST,
    );
  });

  // push-gate.md §8.6 F1: the fail-closed boundary of a confirmed forced rewrite, for every lane state.
  const FORCED_CMDS = [
    'git push --force origin main',
    'git push -f origin main',
    'git push -fu origin main',
    'git push --force-with-lease origin main',
    'git push --force-if-includes --force-with-lease origin main',
    'git push origin +main',
    'git push origin +HEAD:refs/heads/main',
    'git push --force origin main release/2.4',
    'git push -f',
  ];
  /** A lane state as the claim answers the gate sees for it (push-gate.md §5.3), with an optional halt for us. */
  const laneStateArb = fc.constantFrom(
    { name: 'free', claim: { _tag: 'Granted', fence: 3, reclaimed: false } as ClaimAns },
    { name: 'held by this session', claim: { _tag: 'Granted', fence: 3, reclaimed: true } as ClaimAns },
    { name: 'expired, taken over', claim: { _tag: 'Granted', fence: 4, reclaimed: false } as ClaimAns },
    { name: 'held by another session', claim: { _tag: 'Held', holder_handle: 'ana@example.com', holder_instance: 'f'.repeat(32), heartbeat_age_sec: 12 } as ClaimAns },
    { name: 'store busy', claim: { _tag: 'Failure', kind: 'contended', status: 'EAGAIN' } as ClaimAns },
    { name: 'store down', claim: { _tag: 'Failure', kind: 'transport', status: 'ETIMEDOUT' } as ClaimAns },
    { name: 'store refused', claim: { _tag: 'Failure', kind: 'forbidden', status: 'EACCES' } as ClaimAns },
  );
  const haltedStateArb: fc.Arbitrary<PG.StateFact> = fc.oneof(
    stateArb,
    fc.constant<PG.StateFact>({ ok: true, view: { lanes: [], placed: [], halts: [{ halt_id: '0123456789abcdef', target_session: SESSION, by_handle: 'o', by_session: 's-o', reason: 'stop', created_at: 0, age_sec: 1, open: true }] } }),
  );

  it('PG-15a a confirmed forced rewrite of a deploy ref blocks in every lane state (agent layer)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...FORCED_CMDS),
        fc.array(laneStateArb, { minLength: 1, maxLength: 4 }),
        haltedStateArb,
        fc.constantFrom('claude' as const, 'codex' as const),
        (command, states, state, agent) => {
          const r = runScenario({ command, agent, config: CONFIGURED, dry: false, bg: false, idOk: true, claims: states.map((x) => x.claim), compat: { result: 'behind', remote_present: true }, state, cost: 0 });
          expect(r.verdict.reason).toBe('force-rewrite');
          expect(r.verdict._tag).toBe('Block');
          // before branch H: no state probe was asked; fresh grants are released
          expect(probeTags(r)).not.toContain('state');
          expect(r.effects.every((e) => e._tag === 'ReleaseLane')).toBe(true);
          expect(r.effects.map((e) => e._tag === 'ReleaseLane' && e.lane)).toEqual(r.verdict.fresh);
          expect(PG.renderGate(r.verdict, agent).exit).toBe(agent === 'claude' ? 2 : 0);
        },
      ),
      FAST,
    );
  });

  it('PG-15a git layer: a non-fast-forward line over a tip known locally blocks in every lane state', () => {
    const lines = `refs/heads/main ${OID_A} refs/heads/main ${OID_B}\nrefs/heads/release/2.4 ${OID_B} refs/heads/release/2.4 ${OID_A}\n`;
    fc.assert(
      fc.property(fc.array(laneStateArb, { minLength: 1, maxLength: 4 }), haltedStateArb, fc.boolean(), (states, state, both) => {
        let i = 0;
        const input = PG.parsePrePushInput(both ? lines : lines.split('\n')[0] + '\n');
        const r = PG.simulate(
          { mode: 'git', agent: null, prepush: { remote_name: 'origin', remote_url: 'u', input }, dry_run: false, break_glass: false, break_glass_reason: null, elapsed_ms: 0 },
          {
            repo: () => ({ kind: 'repo', top: '/r', common_dir: '/r/.git', shallow: false, config: CONFIGURED }),
            refs: () => REFS,
            identity: () => ME,
            claim: () => (states[Math.min(i++, states.length - 1)] as { claim: ClaimAns }).claim,
            compat: () => ({ result: 'behind', remote_present: true }),
            state: () => state,
          },
        );
        expect(r.verdict.reason).toBe('force-rewrite');
        expect(PG.renderGate(r.verdict, 'git').exit).toBe(1);
      }),
      FAST,
    );
  });

  it('PG-15a the boundary: without force, with an unconfirmed compat or with block_force_rewrite off, never force-rewrite', () => {
    const OFF: ConfigState = { _tag: 'Configured', config: { version: 1, lanes: { block_force_rewrite: false } } };
    fc.assert(
      fc.property(scenarioArb([...DEPLOY_CMDS, ...FORCED_CMDS]), fc.constantFrom('unforced', 'unconfirmed', 'off'), (s, why) => {
        const forced = FORCED_CMDS.includes(s.command) || /(^| )-f( |$)|\+/.test(s.command);
        if (why === 'unforced' && forced) return;
        const compat = why === 'unconfirmed' && s.compat.result === 'behind' ? { ...s.compat, result: 'unknown' as const } : s.compat;
        const config = why === 'off' ? OFF : s.config;
        const r = runScenario({ ...s, compat, config });
        expect(r.verdict.reason).not.toBe('force-rewrite');
      }),
      FAST,
    );
  });

  it('PG-16 after a transport failure no further claim; AllowLoud store-unreachable with no skip post', () => {
    fc.assert(
      fc.property(scenarioArb(DEPLOY_CMDS), (s) => {
        const r = runScenario(s);
        const claims = r.needs.flat().filter((p) => p._tag === 'claim');
        const answers = Object.values(r.facts.claims ?? {}).flat();
        const ti = answers.findIndex((a) => a._tag === 'Failure' && a.kind === 'transport');
        if (ti < 0) return;
        expect(claims.length).toBe(ti + 1);
        // F1 comes first (push-gate.md §8.6): a confirmed forced rewrite blocks whatever the store said
        const forced = Object.values(r.facts.compat ?? {}).some((c) => c.result === 'behind') && /(^| )(-f|--force)( |$)|\+/.test(s.command);
        const off = typeof s.config === 'object' && s.config._tag === 'Configured' && (s.config.config as { lanes?: { block_force_rewrite?: boolean } }).lanes?.block_force_rewrite === false;
        expect(r.verdict.reason).toBe(forced && !off ? 'force-rewrite' : 'store-unreachable');
        expect(r.effects.some((e) => e._tag === 'PostStatus')).toBe(false);
      }),
      FAST,
    );
  });

  it('PG-17 at most 1 + RETRIES claims per lane, 150/300 ms backoff, budget respected, forbidden/other never retried', () => {
    fc.assert(
      fc.property(scenarioArb(DEPLOY_CMDS), fc.integer({ min: 0, max: 3_900 }), (s, start) => {
        let i = 0;
        const needsElapsed: number[] = [];
        let f: PG.GateFacts = { mode: 'agent', agent: 'claude', payload: payloadOf(s.command), dry_run: false, break_glass: false, break_glass_reason: null, elapsed_ms: start };
        f = { ...f, repo: { kind: 'repo', top: '/r', common_dir: '/r/.git', shallow: false, config: CONFIGURED }, refs: REFS, identity: ME };
        runStepsSync(PG.driver, f, (probes, g): PG.GateAnswers => {
          let elapsed = g.elapsed_ms;
          const answers = probes.map((p): PG.GateProbeAnswer => {
            if (p._tag === 'claim') {
              const prev = g.claims?.[p.lane] ?? [];
              expect(p.attempt).toBe(prev.length + 1);
              expect(p.attempt).toBeLessThanOrEqual(1 + PG.RETRIES);
              if (p.attempt > 1) {
                const last = prev.at(-1);
                expect(last?._tag === 'Failure' && last.kind === 'contended').toBe(true);
                expect(p.delay_ms).toBe(PG.BACKOFF_MS(p.attempt - 1));
                expect([150, 300]).toContain(p.delay_ms);
                expect(elapsed + p.delay_ms + PG.NET_TIMEOUT_MS + PG.RETRY_SAFETY_MS).toBeLessThanOrEqual(PG.GATE_WATCHDOG_MS);
              }
              needsElapsed.push(elapsed);
              elapsed += p.delay_ms + s.cost;
              return { _tag: 'claim', value: s.claims[Math.min(i++, s.claims.length - 1)] as ClaimAns };
            }
            if (p._tag === 'compat') return { _tag: 'compat', value: s.compat };
            if (p._tag === 'state') return { _tag: 'state', value: s.state };
            throw new Error(`unexpected probe ${p._tag}`);
          });
          return { answers, elapsed_ms: elapsed };
        });
      }),
      FAST,
    );
  });

  it('PG-18 store-contended and store-failed carry exactly one skip post; no other verdict does', () => {
    fc.assert(
      fc.property(scenarioArb(DEPLOY_CMDS), (s) => {
        const r = runScenario(s);
        const skips = r.effects.filter((e) => e._tag === 'PostStatus' && e.body.startsWith('gate skipped'));
        expect(skips.length).toBe(r.verdict.reason === 'store-contended' || r.verdict.reason === 'store-failed' ? 1 : 0);
      }),
      FAST,
    );
  });

  it('PG-19 break-glass: AllowLoud, force-release then claim per lane, one S-BREAK post, no claim/compat/state probe', () => {
    fc.assert(
      fc.property(scenarioArb(DEPLOY_CMDS), (s) => {
        const r = runScenario({ ...s, bg: true, dry: false, idOk: true, config: CONFIGURED });
        if (r.verdict.reason === 'non-deploy-ref' || r.verdict.reason === 'nothing-to-gate') return;
        expect(r.verdict._tag).toBe('AllowLoud');
        expect(r.verdict.reason).toBe('break-glass');
        for (const t of probeTags(r)) expect(['repo', 'refs', 'identity']).toContain(t);
        const fr = r.effects.filter((e) => e._tag === 'ForceReleaseThenClaim').map((e) => e.lane);
        expect(fr).toEqual(r.verdict.lanes);
        expect(r.effects.filter((e) => e._tag === 'PostStatus' && e.body.startsWith('BREAK-GLASS')).length).toBe(1);
      }),
      FAST,
    );
  });

  it('PG-20 dry run dominates: AllowLoud dry-run, no identity/store/network probe, no effect', () => {
    fc.assert(
      fc.property(scenarioArb(DEPLOY_CMDS), fc.boolean(), (s, viaConfig) => {
        const config: ConfigState = viaConfig ? { _tag: 'Configured', config: { version: 1, lanes: { dry_run: true } } } : CONFIGURED;
        const r = runScenario({ ...s, config }, { dry: !viaConfig });
        if (r.verdict.reason === 'non-deploy-ref' || r.verdict.reason === 'nothing-to-gate') return;
        expect(r.verdict.reason).toBe('dry-run');
        for (const t of probeTags(r)) expect(['repo', 'refs']).toContain(t);
        expect(r.effects).toEqual([]);
      }),
      FAST,
    );
  });

  it('PG-21 grant hygiene: releases exactly the fresh grants; reclaimed never released; pending marker only for agent Allow claimed', () => {
    fc.assert(
      fc.property(scenarioArb(DEPLOY_CMDS), (s) => {
        const r = runScenario({ ...s, bg: false, dry: false, idOk: true, config: CONFIGURED });
        const fresh = Object.entries(r.facts.claims ?? {})
          .filter(([, as]) => { const l = as.at(-1); return l?._tag === 'Granted' && !l.reclaimed; })
          .map(([lane]) => lane)
          .filter((lane) => r.verdict.fresh.includes(lane));
        const released = r.effects.filter((e) => e._tag === 'ReleaseLane').map((e) => e.lane);
        const reclaimed = Object.entries(r.facts.claims ?? {}).filter(([, as]) => { const l = as.at(-1); return l?._tag === 'Granted' && l.reclaimed; }).map(([l]) => l);
        for (const l of reclaimed) expect(released).not.toContain(l);
        if (r.verdict.reason === 'claimed') {
          expect(released).toEqual([]);
          const pend = r.effects.filter((e) => e._tag === 'WritePending');
          if (fresh.length > 0) {
            expect(pend.length).toBe(1);
            expect(pend[0]?._tag === 'WritePending' && pend[0].lanes.map((x) => x.lane)).toEqual(fresh);
          } else expect(pend).toEqual([]);
        } else {
          expect([...released].sort()).toEqual([...r.verdict.fresh].sort());
          expect(r.effects.some((e) => e._tag === 'WritePending')).toBe(false);
        }
      }),
      FAST,
    );
  });

  it('PG-21 git mode never writes a pending marker', () => {
    fc.assert(
      fc.property(fc.array(claimArb, { minLength: 1, maxLength: 4 }), compatArb, (claims, compat) => {
        let i = 0;
        const line = `refs/heads/main ${OID_A} refs/heads/main ${OID_B}`;
        const r = PG.simulate(
          { mode: 'git', agent: null, prepush: { remote_name: 'origin', remote_url: '/x', input: PG.parsePrePushInput(line + '\n') }, dry_run: false, break_glass: false, break_glass_reason: null, elapsed_ms: 0 },
          {
            repo: () => ({ kind: 'repo', top: '/r', common_dir: '/r/.git', shallow: false, config: CONFIGURED }),
            refs: () => REFS,
            identity: () => ME,
            claim: () => claims[Math.min(i++, claims.length - 1)] as ClaimAns,
            compat: () => compat,
            state: () => ({ ok: true, view: { lanes: [], halts: [], placed: [] } }),
          },
        );
        expect(r.effects.some((e) => e._tag === 'WritePending')).toBe(false);
        expect(probeTags(r)).not.toContain('refs'); // readable stdin: no refs probe
      }),
      FAST,
    );
  });

  it('PG-22 ordering: ascending lanes, one claim in flight, compat only with/after the first claim, state at most once', () => {
    fc.assert(
      fc.property(scenarioArb(DEPLOY_CMDS), (s) => {
        const r = runScenario(s);
        let claimed = false;
        const lanesSeen: string[] = [];
        let states = 0;
        for (const need of r.needs) {
          expect(need.filter((p) => p._tag === 'claim').length).toBeLessThanOrEqual(1);
          if (need.some((p) => p._tag === 'claim')) claimed = true;
          for (const p of need) {
            if (p._tag === 'compat') expect(claimed).toBe(true);
            if (p._tag === 'claim' && lanesSeen.at(-1) !== p.lane) lanesSeen.push(p.lane);
            if (p._tag === 'state') {
              states++;
              expect(claimed).toBe(true);
            }
          }
        }
        expect(states).toBeLessThanOrEqual(1);
        expect([...lanesSeen].sort()).toEqual(lanesSeen);
      }),
      FAST,
    );
  });

  it('PG-23 termination within MAX_PLAN_STEPS and determinism', () => {
    fc.assert(
      fc.property(scenarioArb(), (s) => {
        const a = runScenario(s);
        const b = runScenario(s);
        expect(a.steps).toBeLessThanOrEqual(PG.MAX_PLAN_STEPS);
        expect(a.verdict.reason).not.toBe('plan-limit');
        expect(b).toEqual(a);
      }),
      FAST,
    );
  });

  it('PG-24 push-release releases exactly the marker lanes with its instance; no store for non-pushes or without a marker', () => {
    const markerArb = fc.option(
      fc.record({ instance: fc.stringMatching(/^[0-9a-f]{32}$/), lanes: fc.array(fc.record({ lane: fc.constantFrom('deploy:refs/heads/main', 'deploy:refs/tags/*'), fence: fc.nat() }), { maxLength: 3 }), created_at: fc.nat() }),
      { nil: null },
    );
    fc.assert(
      fc.property(fc.constantFrom(...DEPLOY_CMDS, ...NOT_PUSH), markerArb, (command, marker) => {
        const payload = payloadOf(command);
        const first = PG.releaseStep({ agent: 'claude', payload });
        if (PG.classifyPushCommand(command)._tag === 'NotPush') {
          expect(first._tag).toBe('Done');
          expect(first._tag === 'Done' && first.effects).toEqual([]);
          return;
        }
        expect(first._tag === 'Need' && first.probe.map((p) => p._tag)).toEqual(['pending']);
        const s = PG.releaseStep({ agent: 'claude', payload, pending: marker });
        expect(s._tag).toBe('Done');
        if (s._tag !== 'Done') return;
        const rel = s.effects.filter((e) => e._tag === 'ReleaseLane');
        if (marker === null) expect(s.effects).toEqual([]);
        else {
          expect(rel.map((e) => e._tag === 'ReleaseLane' && [e.lane, e.instance])).toEqual(marker.lanes.map((l) => [l.lane, marker.instance]));
          expect(s.effects.at(-1)?._tag).toBe('DeletePending');
        }
      }),
      FAST,
    );
  });
});

/** The facts without the values `prepareFacts`/`withAnswer` derive once per run. */
const underived = (f: PG.GateFacts): PG.GateFacts => {
  const { agent_payload: _p, classification: _c, agent_prep: _a, settings: _s, agent_p8: _e, resolved: _r, ...rest } = f;
  return rest;
};

describe('facts derived once per run (push-gate.md §8.3; no state in kernel modules)', () => {
  it('derived facts are a cache only: every step of a run decides the same on the facts without them', () => {
    fc.assert(
      fc.property(scenarioArb(), (s) => {
        let i = 0;
        let derivedSeen = false;
        const checking = {
          ...PG.driver,
          step: (f: PG.GateFacts) => {
            const a = PG.gateStep(f);
            if (f.settings !== undefined || f.resolved !== undefined) derivedSeen = true;
            expect(PG.gateStep(underived(f))).toEqual(a);
            return a;
          },
        };
        const facts: PG.GateFacts = { mode: 'agent', agent: s.agent, payload: payloadOf(s.command), dry_run: s.dry, break_glass: s.bg, break_glass_reason: null, elapsed_ms: 0 };
        const r = runStepsSync(checking, PG.prepareFacts(facts), (probes, f): PG.GateAnswers => ({
          answers: probes.map((p): PG.GateProbeAnswer => {
            switch (p._tag) {
              case 'repo':
                return { _tag: 'repo', value: s.config === 'not-repo' ? { kind: 'not-repo' } : { kind: 'repo', top: '/repo', common_dir: '/repo/.git', shallow: false, config: s.config } };
              case 'refs':
                return { _tag: 'refs', value: REFS };
              case 'identity':
                return { _tag: 'identity', value: s.idOk ? ME : { ok: false } };
              case 'claim':
                return { _tag: 'claim', value: s.claims[Math.min(i++, s.claims.length - 1)] as ClaimAns };
              case 'compat':
                return { _tag: 'compat', value: s.compat };
              case 'state':
                return { _tag: 'state', value: s.state };
            }
          }),
          elapsed_ms: f.elapsed_ms + s.cost,
        }));
        expect(r._tag).toBe('Done');
        if (s.config === CONFIGURED && DEPLOY_CMDS.includes(s.command) && !s.dry) expect(derivedSeen).toBe(true);
      }),
      FAST,
    );
  });

  it('prepareFacts decodes, classifies and resolves once; derived facts of another config or refs are not used', () => {
    const repo = (config: ConfigState): PG.RepoFact => ({ kind: 'repo', top: '/repo', common_dir: '/repo/.git', shallow: false, config });
    const base: PG.GateFacts = { mode: 'agent', agent: 'claude', payload: payloadOf('git push origin main'), dry_run: false, break_glass: false, break_glass_reason: null, elapsed_ms: 0 };
    const f = PG.prepareFacts({ ...base, repo: repo(CONFIGURED), refs: REFS });
    expect(f.agent_payload?.command).toBe('git push origin main');
    expect(f.classification?._tag).toBe('Push');
    expect(f.agent_prep?.details).toEqual([]);
    expect(f.settings?.of).toBe(f.repo?.kind === 'repo' ? f.repo.config : null);
    expect(f.resolved?.value.lanes).toEqual(['deploy:refs/heads/main']);
    expect(PG.prepareFacts(f)).toBe(f); // idempotent: nothing new to derive
    // Facts changed without withAnswer: the stale derived values are ignored, the step decides on the facts.
    const off = { ...f, repo: repo({ _tag: 'Configured', config: { version: 1, lanes: { enabled: false } } }) };
    expect(PG.gateStep(off)).toEqual(PG.gateStep(underived(off)));
    expect(PG.gateStep(off)._tag === 'Done' && (PG.gateStep(off) as { outcome: PG.GateVerdict }).outcome.reason).toBe('not-configured');
    const prod = { ...f, repo: repo({ _tag: 'Configured', config: { version: 1, lanes: { deploy_refs: ['refs/heads/prod'] } } }) };
    expect(PG.gateStep(prod)).toEqual(PG.gateStep(underived(prod)));
    const feature = { ...f, refs: { ...REFS, head_branch: 'feature/x' } };
    expect(PG.gateStep(feature)).toEqual(PG.gateStep(underived(feature)));
    // withAnswer re-derives when the answers that feed a derived fact arrive.
    const g = PG.withAnswer(PG.prepareFacts(base), [{ _tag: 'repo', cwd: '/repo', dir_hints: [] }], { answers: [{ _tag: 'repo', value: repo(CONFIGURED) }], elapsed_ms: 1 });
    expect(g.settings?.value.enabled).toBe(true);
    expect(g.resolved).toBeUndefined();
    const h = PG.withAnswer(g, [{ _tag: 'refs', exprs: [] }], { answers: [{ _tag: 'refs', value: REFS }], elapsed_ms: 2 });
    expect(h.resolved?.value.headTargets.map((t) => t.ref)).toEqual(['refs/heads/main']);
  });

  it('git mode: every step of a run decides the same on the facts without the derived ones', () => {
    const lines = ['refs/heads/main ' + OID_A + ' refs/heads/main ' + OID_B, 'refs/heads/x ' + OID_A + ' refs/heads/feature/x ' + OID_B, null];
    for (const line of lines) {
      const checking = { ...PG.driver, step: (f: PG.GateFacts) => { const a = PG.gateStep(f); expect(PG.gateStep(underived(f))).toEqual(a); return a; } };
      const facts: PG.GateFacts = { mode: 'git', agent: null, prepush: { remote_name: 'origin', remote_url: '/x', input: PG.parsePrePushInput(line === null ? null : line + '\n') }, dry_run: false, break_glass: false, break_glass_reason: null, elapsed_ms: 0 };
      const r = runStepsSync(checking, PG.prepareFacts(facts), (probes, f): PG.GateAnswers => ({
        answers: probes.map((p): PG.GateProbeAnswer => {
          switch (p._tag) {
            case 'repo':
              return { _tag: 'repo', value: { kind: 'repo', top: '/repo', common_dir: '/repo/.git', shallow: false, config: CONFIGURED } };
            case 'refs':
              return { _tag: 'refs', value: REFS };
            case 'identity':
              return { _tag: 'identity', value: ME };
            case 'claim':
              return { _tag: 'claim', value: { _tag: 'Granted', fence: 1, reclaimed: false } };
            case 'compat':
              return { _tag: 'compat', value: { result: 'fast-forward', remote_present: true } };
            case 'state':
              return { _tag: 'state', value: { ok: true, view: { lanes: [], halts: [], placed: [] } } };
          }
        }),
        elapsed_ms: f.elapsed_ms + 1,
      }));
      expect(r._tag).toBe('Done');
      if (line !== null && line.includes('feature')) expect(r._tag === 'Done' && r.outcome.reason).toBe('non-deploy-ref');
      else expect(r._tag === 'Done' && r.outcome.reason).toBe('claimed');
    }
  });
});

describe('push-gate examples (push-gate.md §8.10)', () => {
  const script = (o: Partial<PG.Script> = {}): PG.Script => ({
    repo: () => ({ kind: 'repo', top: '/r', common_dir: '/r/.git', shallow: false, config: CONFIGURED }),
    refs: () => REFS,
    identity: () => ME,
    claim: () => ({ _tag: 'Granted', fence: 8, reclaimed: false }),
    compat: () => ({ result: 'fast-forward', remote_present: true }),
    state: () => ({ ok: true, view: { lanes: [], halts: [], placed: [] } }),
    ...o,
  });
  const agent = (command: string, extra: Partial<PG.GateFacts> = {}): PG.GateFacts => ({ mode: 'agent', agent: 'claude', payload: payloadOf(command), dry_run: false, break_glass: false, break_glass_reason: null, elapsed_ms: 0, ...extra });

  it('P3/P8: npm test → Allow not-a-push with no probe; HEAD:refs/heads/feature/login → only repo', () => {
    expect(PG.simulate(agent('npm test'), script()).needs).toEqual([]);
    const r = PG.simulate(agent('git push origin HEAD:refs/heads/feature/login'), script());
    expect(r.verdict.reason).toBe('non-deploy-ref');
    expect(probeTags(r)).toEqual(['repo']);
  });
  it('C5: lane free, fast-forward → Allow claimed, pending marker with fence 8, silent', () => {
    const r = PG.simulate(agent('git push origin main'), script());
    expect(r.verdict.reason).toBe('claimed');
    expect(r.effects).toEqual([{ _tag: 'WritePending', key_material: `claude:${SESSION}:toolu_1`, instance: ME.instance, lanes: [{ lane: 'deploy:refs/heads/main', fence: 8 }] }]);
    expect(PG.renderGate(r.verdict, 'claude')).toEqual({ exit: 0, stdout: '', stderr: '' });
  });
  it('H3: held by ana, heartbeat 95 s → Ask with the A-HELD text', () => {
    const r = PG.simulate(agent('git push'), script({ claim: () => ({ _tag: 'Held', holder_handle: 'ana@example.com', holder_instance: 'f'.repeat(32), heartbeat_age_sec: 95 }) }));
    expect(r.verdict._tag).toBe('Ask');
    expect(PG.gateMessage(r.verdict, 'claude')).toBe(
      'Deploy lane deploy:refs/heads/main is held by @ana (last heartbeat 2m ago). Run `arbiter land` to queue for it, wait for its release, or override with `arbiter deploy --break-glass` (audited). Allow this push anyway?',
    );
  });
  it('H2: held and a halt for us → Block halted, exit 2', () => {
    const r = PG.simulate(
      agent('git push'),
      script({
        claim: () => ({ _tag: 'Held', holder_handle: 'ana', holder_instance: 'f'.repeat(32), heartbeat_age_sec: 1 }),
        state: () => ({ ok: true, view: { lanes: [], placed: [], halts: [{ halt_id: '0123456789abcdef', target_session: SESSION, by_handle: 'x', by_session: 'y', reason: 'r', created_at: 0, age_sec: 1, open: true }] } }),
      }),
    );
    expect(r.verdict.reason).toBe('halted');
    expect(PG.renderGate(r.verdict, 'claude').exit).toBe(2);
  });
  it('C2: behind → Block behind-remote, fresh grant released; forced → force-rewrite unless disabled', () => {
    const behind = script({ compat: () => ({ result: 'behind', remote_present: false }) });
    const r = PG.simulate(agent('git push origin main'), behind);
    expect(r.verdict.reason).toBe('behind-remote');
    expect(r.effects).toEqual([{ _tag: 'ReleaseLane', lane: 'deploy:refs/heads/main', instance: ME.instance }]);
    expect(PG.simulate(agent('git push -f origin main'), behind).verdict.reason).toBe('force-rewrite');
    const off = script({ compat: () => ({ result: 'behind', remote_present: true }), repo: () => ({ kind: 'repo', top: '/r', common_dir: '/r/.git', shallow: false, config: { _tag: 'Configured', config: { version: 1, lanes: { block_force_rewrite: false } } } }) });
    expect(PG.simulate(agent('git push -f origin main'), off).verdict.reason).toBe('claimed');
  });
  it('F1: a forced rewrite over a lane another session holds is blocked before branch H (no state probe, no Ask)', () => {
    const held = script({ claim: () => ({ _tag: 'Held', holder_handle: 'ana@example.com', holder_instance: 'f'.repeat(32), heartbeat_age_sec: 5 }), compat: () => ({ result: 'behind', remote_present: true }) });
    const r = PG.simulate(agent('git push --force origin main'), held);
    expect(r.verdict).toMatchObject({ _tag: 'Block', reason: 'force-rewrite', target_ref: 'refs/heads/main', lane: 'deploy:refs/heads/main' });
    expect(probeTags(r)).toEqual(['repo', 'refs', 'identity', 'claim', 'compat']);
    expect(PG.renderGate(r.verdict, 'claude')).toMatchObject({ exit: 2, stdout: '' });
    // the same push fast-forwarding is still an Ask; an unforced push from behind over a held lane too
    expect(PG.simulate(agent('git push --force origin main'), script({ claim: held.claim })).verdict.reason).toBe('held-by-other');
    expect(PG.simulate(agent('git push origin main'), held).verdict.reason).toBe('held-by-other');
  });
  it('F0: a held lane with a forced target whose compat has not answered waits for it (joins the K1 probe)', () => {
    const f = agent('git push -f origin main', {
      repo: { kind: 'repo', top: '/r', common_dir: '/r/.git', shallow: false, config: CONFIGURED },
      refs: REFS,
      identity: ME,
      claims: { 'deploy:refs/heads/main': [{ _tag: 'Held', holder_handle: 'ana', holder_instance: 'f'.repeat(32), heartbeat_age_sec: 1 }] },
    });
    const st = PG.gateStep(PG.prepareFacts(f));
    expect(st._tag === 'Need' && st.probe.map((p) => p._tag)).toEqual(['compat']);
    // unforced in agent mode: nothing to wait for, straight to H1
    const u = PG.gateStep(PG.prepareFacts({ ...f, payload: payloadOf('git push origin main'), agent_payload: undefined, classification: undefined, agent_prep: undefined }));
    expect(u._tag === 'Need' && u.probe.map((p) => p._tag)).toEqual(['state']);
  });
  it('C2 git mode: remote id present locally → force-rewrite (exit 1); absent → behind-remote with rebase hint', () => {
    const line = `refs/heads/main ${OID_A} refs/heads/main ${OID_B}\n`;
    const git = (present: boolean) =>
      PG.simulate(
        { mode: 'git', agent: null, prepush: { remote_name: 'origin', remote_url: 'u', input: PG.parsePrePushInput(line) }, dry_run: false, break_glass: false, break_glass_reason: null, elapsed_ms: 0 },
        script({ compat: () => ({ result: 'behind', remote_present: present }) }),
      );
    expect(git(true).verdict.reason).toBe('force-rewrite');
    expect(PG.renderGate(git(true).verdict, 'git').exit).toBe(1);
    expect(git(false).verdict.reason).toBe('behind-remote');
    expect(PG.renderGate(git(false).verdict, 'git').stderr).toContain('git pull --rebase');
  });
  it('K5: contended twice then budget allows one more, contended again → store-contended with one skip post', () => {
    const r = PG.simulate(agent('git push origin main'), script({ claim: () => ({ _tag: 'Failure', kind: 'contended', status: 'EAGAIN' }) }));
    expect(r.verdict.reason).toBe('store-contended');
    expect(r.needs.flat().filter((p) => p._tag === 'claim').map((p) => p._tag === 'claim' && p.delay_ms)).toEqual([0, 150, 300]);
  });
  it('push-gate.md §8.7 rule 3: a first attempt that ran into the 2.5 s timeout is never retried', () => {
    const r = PG.simulate(agent('git push origin main'), script({ claim: () => ({ _tag: 'Failure', kind: 'contended', status: 'timeout' }), cost: (p) => (p._tag === 'claim' ? PG.NET_TIMEOUT_MS : 0) }));
    expect(r.needs.flat().filter((p) => p._tag === 'claim').length).toBe(1);
    expect(r.verdict.reason).toBe('store-contended');
  });
  it('retry budget boundary: at equality a retry is requested, one ms above it is not', () => {
    const base = { repo: { kind: 'repo' as const, top: '/r', common_dir: '/r/.git', shallow: false, config: CONFIGURED }, refs: REFS, identity: ME, claims: { 'deploy:refs/heads/main': [{ _tag: 'Failure' as const, kind: 'contended' as const, status: 'x' }] } };
    const edge = PG.GATE_WATCHDOG_MS - PG.BACKOFF_MS(1) - PG.NET_TIMEOUT_MS - PG.RETRY_SAFETY_MS;
    const at = PG.gateStep(agent('git push origin main', { ...base, elapsed_ms: edge }));
    const above = PG.gateStep(agent('git push origin main', { ...base, elapsed_ms: edge + 1 }));
    expect(at._tag).toBe('Need');
    expect(above._tag === 'Done' && above.outcome.reason).toBe('store-contended');
  });
  it('K6: forbidden → store-failed (L-REFUSED forbidden), one skip post', () => {
    const r = PG.simulate(agent('git push origin main'), script({ claim: () => ({ _tag: 'Failure', kind: 'forbidden', status: 'EACCES' }) }));
    expect(r.verdict.reason).toBe('store-failed');
    expect(PG.gateMessage(r.verdict, 'codex')).toContain('refused the claim (forbidden)');
  });
  it('K6 / PS3: the message names `arbiter db migrate` exactly when the store failed with STATUS_SCHEMA_OUTDATED', () => {
    fc.assert(
      fc.property(fc.constantFrom<'forbidden' | 'other'>('forbidden', 'other'), fc.oneof(fc.constant(PG.STATUS_SCHEMA_OUTDATED), fc.string({ maxLength: 64 })), fc.constantFrom<'claude' | 'codex' | 'git'>('claude', 'codex', 'git'), (kind, status, host) => {
        const r = PG.simulate(agent('git push origin main'), script({ claim: () => ({ _tag: 'Failure', kind, status }) }));
        const fix = kind === 'other' && status === PG.STATUS_SCHEMA_OUTDATED;
        expect(r.verdict.reason).toBe('store-failed');
        expect(r.verdict.store_fix).toBe(fix ? 'migrate' : undefined);
        expect((PG.gateMessage(r.verdict, host) ?? '').includes('run `arbiter db migrate`')).toBe(fix);
        expect(PG.gateMessage(r.verdict, host)).toContain('pushing UNGATED');
      }),
      { numRuns: 60 },
    );
  });
  it('H3: a push in another directory of the same command is left to the git layer (other-repo-skipped)', () => {
    const r = PG.simulate(agent('git push origin main && git -C ../other push origin main'), script());
    expect(r.verdict.details).toContain('other-repo-skipped');
    expect(r.verdict.lanes).toEqual(['deploy:refs/heads/main']);
    expect(PG.simulate(agent('git push origin main && git push origin release/2.4'), script()).verdict.details).not.toContain('other-repo-skipped');
  });
  it('multi-lane push claims lanes in ascending order', () => {
    const r = PG.simulate(agent('git push origin release/2.4 main'), script());
    expect(r.needs.flat().filter((p) => p._tag === 'claim').map((p) => p._tag === 'claim' && p.lane)).toEqual(['deploy:refs/heads/main', 'deploy:refs/heads/release/2.4']);
  });
  it('git mode: deletion-only stdin → nothing-to-gate with no probe; unreadable → refs probe and current branch', () => {
    const del = PG.parsePrePushInput(`(delete) ${'0'.repeat(40)} refs/heads/old ${OID_B}\n`);
    const g = (input: PG.PrePushInput) => ({ mode: 'git' as const, agent: null, prepush: { remote_name: 'origin', remote_url: 'u', input }, dry_run: false, break_glass: false, break_glass_reason: null, elapsed_ms: 0 });
    const d = PG.simulate(g(del), script());
    expect(d.needs).toEqual([]);
    expect(d.verdict.reason).toBe('nothing-to-gate');
    const u = PG.simulate(g(PG.parsePrePushInput(null)), script());
    expect(probeTags(u)).toContain('refs');
    expect(u.verdict.lanes).toEqual(['deploy:refs/heads/main']);
  });
  it('P7 invalid config → AllowLoud config-invalid (L-CONFIG)', () => {
    const r = PG.simulate(agent('git push'), script({ repo: () => ({ kind: 'repo', top: '/r', common_dir: '/r/.git', shallow: false, config: { _tag: 'Invalid', detail: 'x' } }) }));
    expect(r.verdict.reason).toBe('config-invalid');
    expect(PG.renderGate(r.verdict, 'claude').stdout).toContain('config.json is invalid');
  });

  // ── rules the first mutation run showed untested (issue 15): each pinned where the rule is written ──
  const git = (input: PG.PrePushInput): PG.GateFacts => ({ mode: 'git', agent: null, prepush: { remote_name: 'origin', remote_url: 'u', input }, dry_run: false, break_glass: false, break_glass_reason: null, elapsed_ms: 0 });
  const Z = '0'.repeat(40);
  const compatProbes = (r: PG.SimRun) => r.needs.flat().filter((p) => p._tag === 'compat');

  it('P2: a push command from a tool other than Bash is not a push, with no probe; a payload with no tool_name is classified', () => {
    for (const tool of ['Write', 'Edit', 'bash', 'Task', '']) {
      const r = PG.simulate(agent('', { payload: { ...payloadOf('git push origin main'), tool_name: tool } }), script());
      expect([r.verdict.reason, r.needs]).toEqual(['not-a-push', []]);
    }
    const { tool_name: _dropped, ...noTool } = payloadOf('git push origin main');
    const r = PG.simulate(agent('', { payload: noTool }), script());
    expect([r.verdict.reason, r.verdict.lanes]).toEqual(['claimed', ['deploy:refs/heads/main']]);
  });

  it('P3/P10 git mode: deletions mixed with updates gate the updates only; a deleted deploy ref beside a feature update is not a deploy push', () => {
    const mixed = PG.parsePrePushInput(`(delete) ${Z} refs/heads/old ${OID_B}\nrefs/heads/main ${OID_A} refs/heads/main ${Z}\n(delete) ${Z} refs/heads/release/2.4 ${OID_B}\n`);
    const r = PG.simulate(git(mixed), script());
    expect([r.verdict.reason, r.verdict.lanes, r.verdict.fresh]).toEqual(['claimed', ['deploy:refs/heads/main'], ['deploy:refs/heads/main']]);
    const featureOnly = PG.parsePrePushInput(`(delete) ${Z} refs/heads/main ${OID_B}\nrefs/heads/feature/x ${OID_A} refs/heads/feature/x ${Z}\n`);
    const n = PG.simulate(git(featureOnly), script());
    expect([n.verdict.reason, n.needs]).toEqual(['non-deploy-ref', [[{ _tag: 'repo', cwd: null, dir_hints: [] }]]]);
  });

  it('P10 destinations: an unknown destination falls back to the current branch and says so once, whether or not the classification fell back too', () => {
    // exact classification, destination unknown (D7): the detail comes from resolving the targets
    const d7 = PG.simulate(agent('git push origin "$B"'), script());
    expect(PG.classifyPushCommand('git push origin "$B"')).toMatchObject({ _tag: 'Push', confidence: 'exact' });
    expect([d7.verdict.reason, d7.verdict.details, d7.verdict.lanes]).toEqual(['claimed', ['fallback-classification'], ['deploy:refs/heads/main']]);
    // the classification fell back as well: still one detail
    expect(PG.classifyPushCommand('git push origin "$B" && $X')).toMatchObject({ confidence: 'fallback' });
    expect(PG.simulate(agent('git push origin "$B" && $X'), script()).verdict.details).toEqual(['fallback-classification']);
    // after the classifier's own details, in that order
    expect(PG.simulate(agent('cd $D && git push origin "$B"'), script()).verdict.details).toEqual(['dir-uncertain', 'fallback-classification']);
  });

  it('K1 compat probes: with the first claim only, for every head target not yet known; git mode with readable input carries the remote id', () => {
    const multi = PG.simulate(agent('git push origin main release/2.4'), script());
    expect(multi.needs.map((n) => n.map((p) => p._tag))).toEqual([['repo'], ['refs'], ['identity'], ['claim', 'compat', 'compat'], ['claim'], ['state']]);
    expect(compatProbes(multi)).toStrictEqual([
      { _tag: 'compat', ref: 'refs/heads/main', remote: 'origin', src_oid: OID_A },
      { _tag: 'compat', ref: 'refs/heads/release/2.4', remote: 'origin', src_oid: OID_B },
    ]);
    // a target whose compat is already known is not asked again
    const facts = { ...agent('git push origin main release/2.4'), repo: { kind: 'repo' as const, top: '/r', common_dir: '/r/.git', shallow: false, config: CONFIGURED }, refs: REFS, identity: ME, compat: { 'refs/heads/main': { result: 'fast-forward' as const, remote_present: true } } };
    const k1 = PG.gateStep(facts);
    expect(k1._tag === 'Need' && k1.probe.map((p) => (p._tag === 'compat' ? p.ref : p._tag))).toEqual(['claim', 'refs/heads/release/2.4']);
    // the second lane's claim never carries compat, even while some is unknown (C1 asks for it afterwards)
    const k1b = PG.gateStep({ ...facts, compat: undefined, claims: { 'deploy:refs/heads/main': [{ _tag: 'Granted', fence: 2, reclaimed: false }] } });
    expect(k1b._tag === 'Need' && k1b.probe).toStrictEqual([{ _tag: 'claim', lane: 'deploy:refs/heads/release/2.4', attempt: 1, delay_ms: 0, meta: { intent: 'push', eta_minutes: 10 } }]);
    // git mode, readable input: the remote id from the line (null for a new ref); unreadable input: no remote id at all
    const line = PG.parsePrePushInput(`refs/heads/main ${OID_A} refs/heads/main ${Z}\nrefs/heads/release/2.4 ${OID_B} refs/heads/release/2.4 ${OID_A.toUpperCase()}\n`);
    const g = PG.simulate(git(line), script());
    expect(g.needs.map((n) => n.map((p) => p._tag))).toEqual([['repo'], ['identity'], ['claim', 'compat', 'compat'], ['claim'], ['state']]);
    expect(compatProbes(g)).toStrictEqual([
      { _tag: 'compat', ref: 'refs/heads/main', remote: 'origin', src_oid: OID_A, remote_oid: null },
      { _tag: 'compat', ref: 'refs/heads/release/2.4', remote: 'origin', src_oid: OID_B, remote_oid: OID_A },
    ]);
    const u = PG.simulate(git(PG.parsePrePushInput(null)), script());
    expect(u.needs.map((n) => n.map((p) => p._tag))).toEqual([['repo'], ['refs'], ['identity'], ['claim', 'compat'], ['state']]);
    expect(compatProbes(u)).toStrictEqual([{ _tag: 'compat', ref: 'refs/heads/main', remote: 'origin', src_oid: OID_A }]);
  });

  it('C1: every lane granted but a head target\'s compat unknown → ask for that one compat, one target at a time, before the state', () => {
    const granted = { _tag: 'Granted' as const, fence: 3, reclaimed: false };
    const base = { ...agent('git push origin main release/2.4'), repo: { kind: 'repo' as const, top: '/r', common_dir: '/r/.git', shallow: false, config: CONFIGURED }, refs: REFS, identity: ME, claims: { 'deploy:refs/heads/main': [granted], 'deploy:refs/heads/release/2.4': [granted] } };
    const first = PG.gateStep(base);
    expect(first).toMatchObject({ _tag: 'Need', probe: [{ _tag: 'compat', ref: 'refs/heads/main', remote: 'origin', src_oid: OID_A }] });
    expect(first._tag === 'Need' && first.probe).toHaveLength(1);
    const second = PG.gateStep({ ...base, compat: { 'refs/heads/main': { result: 'fast-forward', remote_present: true } } });
    expect(second._tag === 'Need' && second.probe).toStrictEqual([{ _tag: 'compat', ref: 'refs/heads/release/2.4', remote: 'origin', src_oid: OID_B }]);
    const both = { 'refs/heads/main': { result: 'fast-forward' as const, remote_present: true }, 'refs/heads/release/2.4': { result: 'new-ref' as const, remote_present: false } };
    expect(PG.gateStep({ ...base, compat: both })).toMatchObject({ _tag: 'Need', probe: [{ _tag: 'state', lane: 'deploy:refs/heads/main', session: SESSION }] });
  });

  it('verdict fields: non-deploy-ref, dry-run and identity-unavailable carry their details and lanes exactly', () => {
    expect(PG.simulate(agent('git push origin main:feature/x'), script()).verdict).toStrictEqual({ _tag: 'Allow', reason: 'non-deploy-ref', reasons: ['non-deploy-ref'], details: [], lanes: [], lane: null, fresh: [] });
    expect(PG.simulate(agent('cd $D && git push origin main:feature/x'), script()).verdict).toStrictEqual({ _tag: 'Allow', reason: 'non-deploy-ref', reasons: ['non-deploy-ref', 'dir-uncertain'], details: ['dir-uncertain'], lanes: [], lane: null, fresh: [] });
    expect(PG.simulate(agent('git push origin "$B"', { dry_run: true }), script()).verdict).toStrictEqual({
      _tag: 'AllowLoud', reason: 'dry-run', reasons: ['dry-run', 'fallback-classification'], details: ['fallback-classification'], lanes: ['deploy:refs/heads/main'], lane: 'deploy:refs/heads/main', fresh: [],
    });
    expect(PG.simulate(agent('cd $D && git push origin main release/2.4'), script({ identity: () => ({ ok: false }) })).verdict).toStrictEqual({
      _tag: 'AllowLoud', reason: 'identity-unavailable', reasons: ['identity-unavailable', 'dir-uncertain'], details: ['dir-uncertain'], lanes: ['deploy:refs/heads/main', 'deploy:refs/heads/release/2.4'], lane: 'deploy:refs/heads/main', fresh: [],
    });
  });

  // ── rules the complete mutation run of push-gate-step (2026-12-06) showed untested (issue 15) ──
  const REPO = { kind: 'repo' as const, top: '/r', common_dir: '/r/.git', shallow: false, config: CONFIGURED };
  const GRANTED = { _tag: 'Granted' as const, fence: 5, reclaimed: false };

  it('P1: the payload decodes only as an object with a tool_input that yields a command; other fields are kept only as strings; a hostile object is not a payload', () => {
    expect(PG.decodeAgentPayload({ tool_name: 'Bash', tool_input: { command: 'git push' }, session_id: 's', cwd: '/r', tool_use_id: 't' })).toStrictEqual({
      tool_name: 'Bash', command: 'git push', session_id: 's', cwd: '/r', tool_use_id: 't',
    });
    expect(PG.decodeAgentPayload({ tool_name: 1, tool_input: { cmd: ['git', 'push'] }, session_id: {}, cwd: null, tool_use_id: 7 })).toStrictEqual({
      tool_name: null, command: "'git' 'push'", session_id: null, cwd: null, tool_use_id: null,
    });
    for (const u of [null, 'git push', 3, [], [{ tool_input: { command: 'git push' } }], {}, { tool_input: null }, { tool_input: 'git push' }, { tool_input: ['git push'] }, { tool_input: {} }])
      expect(PG.decodeAgentPayload(u)).toBeNull();
    const hostile = { get tool_input(): unknown { throw new Error('no'); } };
    expect(PG.decodeAgentPayload(hostile)).toBeNull();
    expect(PG.gateStep(agent('', { payload: hostile }))).toStrictEqual({ _tag: 'Done', outcome: { _tag: 'Allow', reason: 'bad-payload', reasons: ['bad-payload'], details: [], lanes: [], lane: null, fresh: [] }, effects: [] });
  });

  it('the verdicts a driver renders itself (watchdog, plan limit, state guard) are whole AllowLoud verdicts with no lane', () => {
    const bare = (reason: PG.GateReason) => ({ _tag: 'AllowLoud', reason, reasons: [reason], details: [], lanes: [], lane: null, fresh: [] });
    expect(PG.watchdogVerdict()).toStrictEqual(bare('watchdog'));
    expect(PG.planLimitVerdict()).toStrictEqual(bare('plan-limit'));
    expect(PG.guardDisabledVerdict()).toStrictEqual(bare('state-guard-disabled'));
  });

  it('classificationOf: the stored classification when the run prepared one, else the payload\'s command classified, null for a bad payload', () => {
    const f = agent('git push origin main');
    expect(PG.classificationOf(f)).toStrictEqual(PG.classifyPushCommand('git push origin main'));
    const stored = PG.classifyPushCommand('npm test');
    expect(PG.classificationOf({ ...f, classification: stored })).toBe(stored);
    expect(PG.classificationOf(agent('', { payload: 'x' }))).toBeNull();
  });

  it('pending key material (push-gate.md §8.8): agent:session:tool_use_id, the command without an id, an empty session without one', () => {
    const p = PG.decodeAgentPayload(payloadOf('git push origin main'))!;
    expect(PG.pendingKeyMaterial('codex', p)).toBe(`codex:${SESSION}:toolu_1`);
    expect(PG.pendingKeyMaterial('claude', { ...p, tool_use_id: null })).toBe(`claude:${SESSION}:git push origin main`);
    expect(PG.pendingKeyMaterial('claude', { ...p, session_id: null })).toBe('claude::toolu_1');
    // the marker of a Codex run names Codex; a run with no agent named is Claude's
    expect(PG.simulate(agent('git push origin main', { agent: 'codex' }), script()).effects).toStrictEqual([
      { _tag: 'WritePending', key_material: `codex:${SESSION}:toolu_1`, instance: ME.instance, lanes: [{ lane: 'deploy:refs/heads/main', fence: 8 }] },
    ]);
    const none = PG.simulate(agent('git push origin main', { agent: null }), script()).effects[0];
    expect(none?._tag === 'WritePending' && none.key_material).toBe(`claude:${SESSION}:toolu_1`);
  });

  it('effect summaries for the decision log name the effect and its lanes, never a payload', () => {
    const by = { handle: 'me', session: 's', instance: 'i', host: 'h' };
    expect(PG.effectSummary({ _tag: 'ReleaseLane', lane: 'deploy:a', instance: 'i' })).toBe('ReleaseLane:deploy:a');
    expect(PG.effectSummary({ _tag: 'ForceReleaseThenClaim', lane: 'deploy:b', by, reason: 'r', meta: { intent: 'break-glass', eta_minutes: 10 } })).toBe('ForceReleaseThenClaim:deploy:b');
    expect(PG.effectSummary({ _tag: 'PostStatus', lane: 'deploy:c', body: 'secret body', by })).toBe('PostStatus:deploy:c');
    expect(PG.effectSummary({ _tag: 'WritePending', key_material: 'k', instance: 'i', lanes: [{ lane: 'x', fence: 1 }, { lane: 'y', fence: 2 }] })).toBe('write-pending:x,y');
  });

  it('H2/C4 haltedFor: only an open halt aimed at this session counts; a failed state read counts as no halts', () => {
    const halt = { halt_id: '0123456789abcdef', target_session: SESSION, by_handle: 'o', by_session: 's-o', reason: 'r', created_at: 0, age_sec: 1, open: true };
    const st = (halts: (typeof halt)[]): PG.StateFact => ({ ok: true, view: { lanes: [], placed: [], halts } });
    expect(PG.haltedFor(st([halt]), SESSION)).toBe(true);
    expect(PG.haltedFor(st([{ ...halt, open: false }]), SESSION)).toBe(false);
    expect(PG.haltedFor(st([{ ...halt, target_session: 'other' }]), SESSION)).toBe(false);
    expect(PG.haltedFor(st([{ ...halt, target_session: 'other' }, halt]), SESSION)).toBe(true);
    expect(PG.haltedFor(st([]), SESSION)).toBe(false);
    expect(PG.haltedFor({ ok: false }, SESSION)).toBe(false);
  });

  it('F1 forcedRewriteOf: the first behind target the push rewrites, in target order; none when the rule is off', () => {
    const t = (ref: string, force: boolean): PG.DeployTarget => ({ ref, lane: `deploy:${ref}`, src_oid: OID_A, remote: 'origin', force });
    const a = t('refs/heads/a', true);
    const b = t('refs/heads/b', true);
    const behind = { result: 'behind' as const, remote_present: true };
    expect(PG.forcedRewriteOf([a, b], { 'refs/heads/a': behind, 'refs/heads/b': behind }, true, true)).toBe(a);
    expect(PG.forcedRewriteOf([a, b], { 'refs/heads/b': behind }, true, true)).toBe(b);
    expect(PG.forcedRewriteOf([a, b], { 'refs/heads/a': behind, 'refs/heads/b': behind }, true, false)).toBeNull();
    expect(PG.forcedRewriteOf([{ ...a, force: false }], { 'refs/heads/a': behind }, true, true)).toBeNull();
    // git mode: forced means the remote id is present locally, whatever `force` says
    expect(PG.forcedRewriteOf([{ ...a, force: false }], { 'refs/heads/a': behind }, false, true)).toStrictEqual({ ...a, force: false });
    expect(PG.forcedRewriteOf([a], { 'refs/heads/a': { result: 'behind', remote_present: false } }, false, true)).toBeNull();
    for (const result of ['fast-forward', 'new-ref', 'unknown', 'not-applicable'] as const) expect(PG.forcedRewriteOf([a], { 'refs/heads/a': { result, remote_present: true } }, true, true)).toBeNull();
  });

  it('P13 break-glass: each lane force-released then claimed with intent break-glass and the hook lease, one S-BREAK post naming the reason', () => {
    const r = PG.simulate(agent('git push origin release/2.4 main', { break_glass: true, break_glass_reason: 'prod down' }), script());
    const me = { handle: ME.member, session: ME.session, instance: ME.instance, host: ME.host };
    const meta = { intent: 'break-glass', eta_minutes: PG.HOOK_LEASE_MIN };
    expect(r.verdict).toStrictEqual({ _tag: 'AllowLoud', reason: 'break-glass', reasons: ['break-glass'], details: [], lanes: ['deploy:refs/heads/main', 'deploy:refs/heads/release/2.4'], lane: 'deploy:refs/heads/main', fresh: [] });
    expect(r.effects).toStrictEqual([
      { _tag: 'ForceReleaseThenClaim', lane: 'deploy:refs/heads/main', by: me, reason: 'prod down', meta },
      { _tag: 'ForceReleaseThenClaim', lane: 'deploy:refs/heads/release/2.4', by: me, reason: 'prod down', meta },
      { _tag: 'PostStatus', lane: 'deploy:refs/heads/main', body: 'BREAK-GLASS deploy on deploy:refs/heads/main by @me — prod down', by: me },
    ]);
    // the git layer leases for GIT_PUSH_LEASE_MIN, in break-glass and in an ordinary claim
    const line = PG.parsePrePushInput(`refs/heads/main ${OID_A} refs/heads/main ${OID_B}\n`);
    const g = PG.simulate({ ...git(line), break_glass: true, break_glass_reason: null }, script());
    expect(g.effects[0]).toMatchObject({ _tag: 'ForceReleaseThenClaim', reason: null, meta: { intent: 'break-glass', eta_minutes: PG.GIT_PUSH_LEASE_MIN } });
    expect(g.effects[1]).toMatchObject({ _tag: 'PostStatus', body: 'BREAK-GLASS deploy on deploy:refs/heads/main by @me' });
    const claim = PG.simulate(git(line), script()).needs.flat().find((p) => p._tag === 'claim');
    expect(claim).toStrictEqual({ _tag: 'claim', lane: 'deploy:refs/heads/main', attempt: 1, delay_ms: 0, meta: { intent: 'push', eta_minutes: PG.GIT_PUSH_LEASE_MIN } });
  });

  it('K4–K6 and H3: each verdict after a first grant is whole, releases that grant, and the skip post names the lane and the holder', () => {
    const me = { handle: ME.member, session: ME.session, instance: ME.instance, host: ME.host };
    const second = (x: PG.ClaimAttempt) => script({ claim: (lane) => (lane === 'deploy:refs/heads/main' ? GRANTED : x) });
    const cmd = 'git push origin main release/2.4';
    const lanes = ['deploy:refs/heads/main', 'deploy:refs/heads/release/2.4'];
    const rel = { _tag: 'ReleaseLane', lane: 'deploy:refs/heads/main', instance: ME.instance };
    const base = { details: [], lanes, lane: 'deploy:refs/heads/release/2.4', fresh: ['deploy:refs/heads/main'] };
    const down = PG.simulate(agent(cmd), second({ _tag: 'Failure', kind: 'transport', status: 'ETIMEDOUT' }));
    expect(down.verdict).toStrictEqual({ _tag: 'AllowLoud', reason: 'store-unreachable', reasons: ['store-unreachable'], ...base, failure_kind: 'transport' });
    expect(down.effects).toStrictEqual([rel]);
    const busy = PG.simulate(agent(cmd), second({ _tag: 'Failure', kind: 'contended', status: 'EAGAIN' }));
    expect(busy.verdict).toStrictEqual({ _tag: 'AllowLoud', reason: 'store-contended', reasons: ['store-contended'], ...base, failure_kind: 'contended' });
    expect(busy.effects).toStrictEqual([rel, { _tag: 'PostStatus', lane: 'deploy:refs/heads/release/2.4', body: 'gate skipped on deploy:refs/heads/release/2.4 — lane store busy at push time', by: me }]);
    const refused = PG.simulate(agent(cmd), second({ _tag: 'Failure', kind: 'other', status: 'x' }));
    expect(refused.verdict).toStrictEqual({ _tag: 'AllowLoud', reason: 'store-failed', reasons: ['store-failed'], ...base, failure_kind: 'other' });
    expect(refused.effects).toStrictEqual([rel, { _tag: 'PostStatus', lane: 'deploy:refs/heads/release/2.4', body: 'gate skipped on deploy:refs/heads/release/2.4 — lane store refusing at push time', by: me }]);
    const held = PG.simulate(agent(cmd), second({ _tag: 'Held', holder_handle: 'ana', holder_instance: 'f'.repeat(32), heartbeat_age_sec: 42 }));
    expect(held.verdict).toStrictEqual({ _tag: 'Ask', reason: 'held-by-other', reasons: ['held-by-other'], ...base, holder_handle: 'ana', heartbeat_age_sec: 42 });
    expect(held.effects).toStrictEqual([rel]);
    expect(held.needs.at(-1)).toStrictEqual([{ _tag: 'state', lane: 'deploy:refs/heads/release/2.4', session: SESSION }]);
    // a reclaimed grant (this session held the lane already) is not fresh: nothing released
    const reclaimed = PG.simulate(agent(cmd), script({ claim: (lane) => (lane === 'deploy:refs/heads/main' ? { ...GRANTED, reclaimed: true } : { _tag: 'Failure', kind: 'transport', status: 't' }) }));
    expect([reclaimed.verdict.fresh, reclaimed.effects]).toStrictEqual([[], []]);
  });

  it('P8: a push no target of which could match a deploy pattern allows non-deploy-ref without asking refs; one that could goes on to refs', () => {
    const only = (...deploy_refs: string[]) => script({ repo: () => ({ ...REPO, config: { _tag: 'Configured', config: { version: 1, lanes: { deploy_refs } } } }) });
    const asksRefs = (cmd: string, sc: PG.Script) => {
      const r = PG.simulate(agent(cmd), sc);
      if (!probeTags(r).includes('refs')) expect([r.verdict.reason, probeTags(r)]).toEqual(['non-deploy-ref', ['repo']]);
      return probeTags(r).includes('refs');
    };
    const heads = only('refs/heads/main');
    const tags = only('refs/tags/*');
    const cases: ReadonlyArray<readonly [string, boolean, boolean]> = [
      // command, refs asked under [refs/heads/main], under [refs/tags/*]
      ['git push', true, false], // current branch, same name
      ['git push origin HEAD', true, false], // HEAD, same name
      ['git push --all origin', true, false],
      ['git push --tags origin', false, true],
      ['git push origin "$B"', true, false], // unknown source: could be any branch
      ['git push origin main:"$B"', true, false], // unknown destination
      ['git push origin refs/heads/main', true, false],
      ['git push origin refs/heads/feature/x', false, false],
      ['git push origin refs/tags/v2', false, true],
      ['git push origin main', true, true], // a name: refs/heads/main or refs/tags/main
      ['git push origin v1.0', false, true],
      ['git push origin x:main', true, true],
      ['git push origin x:v1.0', false, true],
      ['git push origin HEAD:refs/heads/main', true, false],
      ['git push origin HEAD:refs/tags/v2', false, true],
      ['git push origin :main feature/x', false, true], // the deletion of a deploy ref is no target (feature/x may be a tag)
      ['git push origin :refs/tags/v1.0 refs/heads/feature/x', false, false],
    ];
    for (const [cmd, h, t] of cases) expect([cmd, asksRefs(cmd, heads), asksRefs(cmd, tags)]).toEqual([cmd, h, t]);
  });

  it('P10 targets: the remote is the push\'s own or the default push remote; git ids are lowercased; --tags claims the shared tag lane and asks no compat', () => {
    const up = script({ refs: () => ({ ...REFS, default_remote: 'upstream' }) });
    const k1 = (r: PG.SimRun) => r.needs.find((n) => n.some((p) => p._tag === 'claim'));
    expect(compatProbes(PG.simulate(agent('git push'), up))).toStrictEqual([{ _tag: 'compat', ref: 'refs/heads/main', remote: 'upstream', src_oid: OID_A }]);
    expect(compatProbes(PG.simulate(agent('git push origin main'), up))).toStrictEqual([{ _tag: 'compat', ref: 'refs/heads/main', remote: 'origin', src_oid: OID_A }]);
    const tags = PG.simulate(agent('git push --tags origin'), script());
    expect([tags.verdict.reason, tags.verdict.lanes, compatProbes(tags)]).toEqual(['claimed', ['deploy:refs/tags/*'], []]);
    expect(k1(tags)).toStrictEqual([{ _tag: 'claim', lane: 'deploy:refs/tags/*', attempt: 1, delay_ms: 0, meta: { intent: 'push', eta_minutes: PG.HOOK_LEASE_MIN } }]);
    const line = PG.parsePrePushInput(`refs/heads/main ${OID_A.toUpperCase()} refs/heads/main ${OID_B.toUpperCase()}\n`);
    const g = PG.simulate({ ...git(line), prepush: { remote_name: 'backup', remote_url: 'u', input: line } }, script());
    expect(compatProbes(g)).toStrictEqual([{ _tag: 'compat', ref: 'refs/heads/main', remote: 'backup', src_oid: OID_A, remote_oid: OID_B }]);
  });

  it('git mode, unreadable stdin: the current branch is the target; detached HEAD has nothing to gate; no heads pattern needs no refs', () => {
    const unread = git(PG.parsePrePushInput(null));
    const u = PG.simulate({ ...unread, prepush: { remote_name: 'backup', remote_url: 'u', input: PG.parsePrePushInput(null) } }, script());
    expect(compatProbes(u)).toStrictEqual([{ _tag: 'compat', ref: 'refs/heads/main', remote: 'backup', src_oid: OID_A }]);
    const detached = PG.simulate(unread, script({ refs: () => ({ ...REFS, head_branch: null }) }));
    expect([detached.verdict.reason, probeTags(detached)]).toEqual(['nothing-to-gate', ['repo', 'refs']]);
    const feature = PG.simulate(unread, script({ refs: () => ({ ...REFS, head_branch: 'feature/x' }) }));
    expect([feature.verdict.reason, probeTags(feature)]).toEqual(['non-deploy-ref', ['repo', 'refs']]);
    const tagsOnly = PG.simulate(unread, script({ repo: () => ({ ...REPO, config: { _tag: 'Configured', config: { version: 1, lanes: { deploy_refs: ['refs/tags/*'] } } } }) }));
    expect([tagsOnly.verdict.reason, probeTags(tagsOnly)]).toEqual(['non-deploy-ref', ['repo']]);
    // readable stdin: the refs probe is never asked, the lines name the targets
    const line = PG.parsePrePushInput(`refs/heads/main ${OID_A} refs/heads/main ${OID_B}\n`);
    expect(probeTags(PG.simulate(git(line), script()))).not.toContain('refs');
  });

  it('C5: an unknown compat answer adds compat-unknown after the run\'s other details; the verdict is whole', () => {
    const r = PG.simulate(agent('git push --no-verify origin main'), script({ compat: () => ({ result: 'unknown', remote_present: false }) }));
    expect(r.verdict).toStrictEqual({
      _tag: 'Allow', reason: 'claimed', reasons: ['claimed', 'no-verify', 'compat-unknown'], details: ['no-verify', 'compat-unknown'], lanes: ['deploy:refs/heads/main'], lane: 'deploy:refs/heads/main', fresh: ['deploy:refs/heads/main'],
    });
    const plain = PG.simulate(agent('git push origin main'), script());
    expect(plain.verdict).toStrictEqual({ _tag: 'Allow', reason: 'claimed', reasons: ['claimed'], details: [], lanes: ['deploy:refs/heads/main'], lane: 'deploy:refs/heads/main', fresh: ['deploy:refs/heads/main'] });
    // a reclaimed lane is not fresh: no pending marker
    const again = PG.simulate(agent('git push origin main'), script({ claim: () => ({ _tag: 'Granted', fence: 8, reclaimed: true }) }));
    expect([again.verdict.fresh, again.effects]).toEqual([[], []]);
    // C2 / C4 verdicts whole
    const behind = PG.simulate(agent('git push origin main'), script({ compat: () => ({ result: 'behind', remote_present: true }) }));
    expect(behind.verdict).toStrictEqual({ _tag: 'Block', reason: 'behind-remote', reasons: ['behind-remote'], details: [], lanes: ['deploy:refs/heads/main'], lane: 'deploy:refs/heads/main', fresh: ['deploy:refs/heads/main'], target_ref: 'refs/heads/main', remote: 'origin' });
    const halt = { halt_id: '0123456789abcdef', target_session: SESSION, by_handle: 'o', by_session: 's-o', reason: 'r', created_at: 0, age_sec: 1, open: true };
    const halted = PG.simulate(agent('git push origin main'), script({ state: () => ({ ok: true, view: { lanes: [], placed: [], halts: [halt] } }) }));
    expect(halted.verdict).toStrictEqual({ _tag: 'Block', reason: 'halted', reasons: ['halted'], details: [], lanes: ['deploy:refs/heads/main'], lane: 'deploy:refs/heads/main', fresh: ['deploy:refs/heads/main'] });
    expect(halted.effects).toStrictEqual([{ _tag: 'ReleaseLane', lane: 'deploy:refs/heads/main', instance: ME.instance }]);
  });

  it('withAnswer (push-gate.md §8.4): each answer sets its fact, a claim appends to its lane, a compat sets its ref; an answer unlike its probe is skipped', () => {
    const claimP = (lane: string): PG.GateProbe => ({ _tag: 'claim', lane, attempt: 1, delay_ms: 0, meta: { intent: 'push', eta_minutes: 10 } });
    const compatP = (ref: string): PG.GateProbe => ({ _tag: 'compat', ref, remote: 'origin', src_oid: null });
    const f0 = { ...agent('npm test'), claims: { a: [GRANTED] }, compat: { 'refs/heads/x': { result: 'new-ref' as const, remote_present: false } } };
    const busy: PG.ClaimAttempt = { _tag: 'Failure', kind: 'contended', status: 'x' };
    const ff: PG.CompatFact = { result: 'fast-forward', remote_present: true };
    const f1 = PG.withAnswer(f0, [claimP('a'), claimP('b'), compatP('refs/heads/y')], {
      answers: [{ _tag: 'claim', value: busy }, { _tag: 'claim', value: GRANTED }, { _tag: 'compat', value: ff }],
      elapsed_ms: 77,
    });
    expect([f1.claims, f1.compat, f1.elapsed_ms]).toStrictEqual([{ a: [GRANTED, busy], b: [GRANTED] }, { 'refs/heads/x': f0.compat['refs/heads/x'], 'refs/heads/y': ff }, 77]);
    const st: PG.StateFact = { ok: false };
    const f2 = PG.withAnswer(agent('npm test'), [{ _tag: 'identity', session: null }, { _tag: 'state', lane: 'a', session: 's' }], {
      answers: [{ _tag: 'identity', value: ME }, { _tag: 'state', value: st }],
      elapsed_ms: 3,
    });
    expect([f2.identity, f2.state]).toStrictEqual([ME, st]);
    // an answer tagged unlike its probe leaves the probe unanswered
    const f3 = PG.withAnswer(agent('npm test'), [{ _tag: 'identity', session: null }], { answers: [{ _tag: 'state', value: st }], elapsed_ms: 4 });
    expect([f3.identity, f3.state, f3.elapsed_ms]).toStrictEqual([undefined, undefined, 4]);
  });

  it('derived facts are used only while the facts they came from are the same objects: a stale P8 answer, preparation or P10 result is recomputed', () => {
    const prodCfg: ConfigState = { _tag: 'Configured', config: { version: 1, lanes: { deploy_refs: ['refs/heads/prod'] } } };
    // P8 said non-deploy-ref under [refs/heads/prod]; under the default list `main` could be a deploy target
    const p8 = PG.prepareFacts({ ...agent('git push origin main'), repo: { ...REPO, config: prodCfg } });
    expect(p8.agent_p8?.value).toBe('non-deploy-ref');
    const now = { ...p8, repo: REPO };
    const st = PG.gateStep(now);
    expect(st._tag === 'Need' && st.probe.map((p) => p._tag)).toEqual(['refs']);
    // the run's preparation replaced (another command): P10 is resolved again for it
    const main = PG.prepareFacts({ ...agent('git push origin main'), repo: REPO, refs: REFS, identity: ME });
    const rel = PG.prepareFacts({ ...agent('git push origin release/2.4'), repo: REPO, refs: REFS });
    const swapped = { ...main, payload: rel.payload, agent_payload: rel.agent_payload, classification: rel.classification, agent_prep: rel.agent_prep, agent_p8: rel.agent_p8 };
    expect(PG.gateStep(swapped)).toStrictEqual(PG.gateStep(underived(swapped)));
    const k1 = PG.gateStep(swapped);
    expect(k1._tag === 'Need' && k1.probe[0]).toMatchObject({ _tag: 'claim', lane: 'deploy:refs/heads/release/2.4' });
    // git mode: other stdin lines than the ones P10 was resolved from
    const l1 = PG.parsePrePushInput(`refs/heads/main ${OID_A} refs/heads/main ${OID_B}\n`);
    const l2 = PG.parsePrePushInput(`refs/heads/release/2.4 ${OID_A} refs/heads/release/2.4 ${OID_B}\n`);
    const g = PG.prepareFacts({ ...git(l1), repo: REPO, identity: ME });
    const g2 = { ...g, prepush: { remote_name: 'origin', remote_url: 'u', input: l2 } };
    const gk = PG.gateStep(g2);
    expect(gk._tag === 'Need' && gk.probe[0]).toMatchObject({ _tag: 'claim', lane: 'deploy:refs/heads/release/2.4' });
    // the same facts prepared twice are the same object (nothing recomputed)
    expect(PG.prepareFacts(g)).toBe(g);
    expect(PG.prepareFacts(p8)).toBe(p8);
    // prepareFacts itself replaces each stale derived fact (push-gate.md §8.3: derived once per run, from these facts)
    const again = PG.prepareFacts({ ...now, refs: REFS });
    expect([again.settings?.of, again.agent_p8?.value, again.resolved?.value.lanes]).toStrictEqual([REPO.config, null, ['deploy:refs/heads/main']]);
    expect(PG.prepareFacts(swapped).resolved?.value.lanes).toEqual(['deploy:refs/heads/release/2.4']);
    expect(PG.prepareFacts(g2).resolved?.value.lanes).toEqual(['deploy:refs/heads/release/2.4']);
    expect(PG.prepareFacts({ ...main, refs: { ...REFS, head_branch: 'feature/x', default_remote: 'upstream' } }).resolved?.value.targets[0]?.remote).toBe('origin');
    expect(PG.prepareFacts({ ...main, agent: 'codex', payload: payloadOf('git push'), agent_payload: undefined, classification: undefined, agent_prep: undefined, agent_p8: undefined, refs: { ...REFS, default_remote: 'upstream' } }).resolved?.value.targets[0]?.remote).toBe('upstream');
  });

  it('P4 and P12 probes: repo carries the payload cwd and the first invocation\'s directory hints; identity the payload session (none in git mode)', () => {
    const r = PG.simulate(agent('cd sub && git push origin main'), script());
    const first = PG.classifyPushCommand('cd sub && git push origin main');
    expect(first._tag === 'Push' && first.invocations[0]?.dir_hints.length).toBeGreaterThan(0);
    expect(r.needs[0]).toStrictEqual([{ _tag: 'repo', cwd: '/repo', dir_hints: first._tag === 'Push' ? first.invocations[0]!.dir_hints : [] }]);
    expect(r.needs.find((n) => n[0]?._tag === 'identity')).toStrictEqual([{ _tag: 'identity', session: SESSION }]);
    const g = PG.simulate(git(PG.parsePrePushInput(`refs/heads/main ${OID_A} refs/heads/main ${OID_B}\n`)), script());
    expect(g.needs.find((n) => n[0]?._tag === 'identity')).toStrictEqual([{ _tag: 'identity', session: null }]);
    // K5: the retry asks the same lane again with the next attempt number, its backoff and the hook lease
    const busy = PG.simulate(agent('git push origin main'), script({ claim: (_l, n) => (n === 1 ? { _tag: 'Failure', kind: 'contended', status: 'x' } : GRANTED) }));
    expect(busy.needs.filter((n) => n[0]?._tag === 'claim')[1]).toStrictEqual([{ _tag: 'claim', lane: 'deploy:refs/heads/main', attempt: 2, delay_ms: PG.BACKOFF_MS(1), meta: { intent: 'push', eta_minutes: PG.HOOK_LEASE_MIN } }]);
    expect(busy.verdict.reason).toBe('claimed');
  });

  it('H3 (push-gate.md §6.7): pushes run from another directory than the first one are skipped, the directory resolved from the payload cwd (`/` when it is missing or relative)', () => {
    const at = (cwd: string | null, cmd: string) => PG.simulate(agent('', { payload: { ...payloadOf(cmd), cwd } }), script()).verdict;
    const cmd = 'git push origin main && git -C .. push origin release/2.4';
    expect(at('/repo/a', cmd)).toMatchObject({ details: ['other-repo-skipped'], lanes: ['deploy:refs/heads/main'] });
    // from `/` the parent is `/` again: one repository, both pushes gated
    for (const cwd of [null, 'repo/a', '/']) expect(at(cwd, cmd)).toMatchObject({ details: [], lanes: ['deploy:refs/heads/main', 'deploy:refs/heads/release/2.4'] });
  });

  it('P8: a deletion beside --tags is not deletions only; F1 waits for the first claim\'s answer; C2 and F0 in git mode and with the rule off', () => {
    expect(PG.simulate(agent('git push --tags origin :main'), script()).verdict).toMatchObject({ reason: 'claimed', lanes: ['deploy:refs/tags/*'] });
    // a behind answer known before any claim answered: the first claim is still asked (F1 needs its answer)
    const behind = { 'refs/heads/main': { result: 'behind' as const, remote_present: true } };
    const pre = PG.gateStep(PG.prepareFacts({ ...agent('git push -f origin main'), repo: REPO, refs: REFS, identity: ME, compat: behind }));
    expect(pre).toStrictEqual({ _tag: 'Need', probe: [{ _tag: 'claim', lane: 'deploy:refs/heads/main', attempt: 1, delay_ms: 0, meta: { intent: 'push', eta_minutes: PG.HOOK_LEASE_MIN } }] });
    const off = (o: Partial<PG.Script> = {}) => script({ repo: () => ({ ...REPO, config: { _tag: 'Configured', config: { version: 1, lanes: { block_force_rewrite: false } } } }), ...o });
    const line = PG.parsePrePushInput(`refs/heads/main ${OID_A} refs/heads/main ${OID_B}\n`);
    // git mode, rule off: a rewrite over a tip known locally is passed over by C2
    expect(PG.simulate(git(line), off({ compat: () => ({ result: 'behind', remote_present: true }) })).verdict.reason).toBe('claimed');
    // F0: a held lane waits for the compat of any head target in git mode, for none with the rule off
    const heldFacts = (g: PG.GateFacts, cfg: ConfigState) =>
      PG.prepareFacts({ ...g, repo: { ...REPO, config: cfg }, refs: REFS, identity: ME, claims: { 'deploy:refs/heads/main': [{ _tag: 'Held', holder_handle: 'ana', holder_instance: 'f'.repeat(32), heartbeat_age_sec: 1 }] } });
    const gs = PG.gateStep(heldFacts(git(line), CONFIGURED));
    expect(gs._tag === 'Need' && gs.probe).toStrictEqual([{ _tag: 'compat', ref: 'refs/heads/main', remote: 'origin', src_oid: OID_A, remote_oid: OID_B }]);
    const offCfg: ConfigState = { _tag: 'Configured', config: { version: 1, lanes: { block_force_rewrite: false } } };
    for (const f of [git(line), agent('git push -f origin main')]) {
      const s = PG.gateStep(heldFacts(f, offCfg));
      expect(s._tag === 'Need' && s.probe.map((p) => p._tag)).toEqual(['state']);
    }
  });

  it('prepareFacts (push-gate.md §8.3) derives only what the run will use: nothing past a bad payload, a non-push, a disabled gate, an early P8 verdict or a missing refs answer', () => {
    const bad = PG.prepareFacts({ ...agent(''), payload: { tool_input: 3 }, repo: REPO, refs: REFS });
    expect([bad.agent_payload, bad.classification, bad.agent_prep, bad.settings, bad.resolved]).toStrictEqual([null, undefined, undefined, undefined, undefined]);
    const notPush = PG.prepareFacts({ ...agent('npm test'), repo: REPO, refs: REFS });
    expect([notPush.classification?._tag, notPush.agent_prep, notPush.agent_p8, notPush.resolved]).toStrictEqual(['NotPush', undefined, undefined, undefined]);
    const disabled = PG.prepareFacts({ ...agent('git push origin main'), repo: { ...REPO, config: { _tag: 'Configured', config: { version: 1, lanes: { enabled: false } } } }, refs: REFS });
    expect([disabled.settings?.value.enabled, disabled.agent_p8, disabled.resolved]).toStrictEqual([false, undefined, undefined]);
    const unconfigured = PG.prepareFacts({ ...agent('git push origin main'), repo: { ...REPO, config: { _tag: 'NotConfigured' } }, refs: REFS });
    expect([unconfigured.settings, unconfigured.resolved]).toStrictEqual([undefined, undefined]);
    const nonDeploy = PG.prepareFacts({ ...agent('git push origin refs/heads/feature/x'), repo: REPO, refs: REFS });
    expect([nonDeploy.agent_p8?.value, nonDeploy.resolved]).toStrictEqual(['non-deploy-ref', undefined]);
    const noRefs = PG.prepareFacts({ ...agent('git push origin main'), repo: REPO });
    expect([noRefs.agent_p8?.value, noRefs.resolved]).toStrictEqual([null, undefined]);
    const unread = PG.prepareFacts({ ...git(PG.parsePrePushInput(null)), repo: REPO });
    expect(unread.resolved).toBeUndefined();
    expect(PG.prepareFacts({ ...unread, refs: REFS }).resolved?.value.lanes).toEqual(['deploy:refs/heads/main']);
    const read = PG.prepareFacts({ ...git(PG.parsePrePushInput(`refs/heads/main ${OID_A} refs/heads/main ${OID_B}\n`)), repo: REPO });
    expect(read.resolved?.value.lanes).toEqual(['deploy:refs/heads/main']);
  });

  it('P9 and P10: the refs probe names what to resolve (nothing in git mode); a tag target claims its lane but asks no compat', () => {
    // an expression source (push-gate.md §6.9) is resolved by the refs probe
    const r = PG.simulate(agent('git push origin HEAD~1:refs/heads/main'), script());
    expect(r.needs.flat().find((p) => p._tag === 'refs')).toStrictEqual({ _tag: 'refs', exprs: ['HEAD~1'] });
    const u = PG.simulate(git(PG.parsePrePushInput(null)), script());
    expect(u.needs.flat().find((p) => p._tag === 'refs')).toStrictEqual({ _tag: 'refs', exprs: [] });
    const tag = PG.simulate(agent('git push origin v1.0'), script());
    expect([tag.verdict.reason, tag.verdict.lanes, compatProbes(tag)]).toEqual(['claimed', ['deploy:refs/tags/*'], []]);
    // agent mode: P8 lets the current branch through, P10 finds it is no deploy ref
    const feature = PG.simulate(agent('git push'), script({ refs: () => ({ ...REFS, head_branch: 'feature/x' }) }));
    expect([feature.verdict, probeTags(feature)]).toStrictEqual([{ _tag: 'Allow', reason: 'non-deploy-ref', reasons: ['non-deploy-ref'], details: [], lanes: [], lane: null, fresh: [] }, ['repo', 'refs']]);
  });

  it('P3 details and P8 across several invocations: one deletion-only push does not make the command deletions only; one possible deploy target is enough; no-verify from any invocation', () => {
    expect(PG.simulate(agent('git push origin :main && git push origin release/2.4'), script()).verdict).toMatchObject({ reason: 'claimed', lanes: ['deploy:refs/heads/release/2.4'] });
    expect(PG.simulate(agent('git push origin refs/heads/feature/x && git push origin main'), script()).verdict).toMatchObject({ reason: 'claimed', lanes: ['deploy:refs/heads/main'] });
    expect(PG.simulate(agent('git push origin main && git push --no-verify origin release/2.4'), script()).verdict.details).toEqual(['no-verify']);
    // P8's early verdict carries the details known before it: the classifier's fallback and an uncertain directory
    const tagsOnly = script({ repo: () => ({ ...REPO, config: { _tag: 'Configured', config: { version: 1, lanes: { deploy_refs: ['refs/tags/*'] } } } }) });
    const fb = PG.simulate(agent('git push origin refs/heads/feature/x | $X'), tagsOnly);
    expect([fb.verdict, probeTags(fb)]).toStrictEqual([{ _tag: 'Allow', reason: 'non-deploy-ref', reasons: ['non-deploy-ref', 'fallback-classification'], details: ['fallback-classification'], lanes: [], lane: null, fresh: [] }, ['repo']]);
    const du = PG.simulate(agent('cd $D && git push origin HEAD:refs/heads/feature/x'), script());
    expect([du.verdict, probeTags(du)]).toStrictEqual([{ _tag: 'Allow', reason: 'non-deploy-ref', reasons: ['non-deploy-ref', 'dir-uncertain'], details: ['dir-uncertain'], lanes: [], lane: null, fresh: [] }, ['repo']]);
  });

  it('P10: a detached HEAD resolves to nothing git would push, so nothing-to-gate with the run\'s details; git mode adds no classification detail', () => {
    const d = PG.simulate(agent('git push --no-verify'), script({ refs: () => ({ ...REFS, head_branch: null }) }));
    expect([d.verdict, probeTags(d)]).toStrictEqual([{ _tag: 'Allow', reason: 'nothing-to-gate', reasons: ['nothing-to-gate', 'no-verify'], details: ['no-verify'], lanes: [], lane: null, fresh: [] }, ['repo', 'refs']]);
    const g = PG.simulate(git(PG.parsePrePushInput(`refs/heads/main ${OID_A} refs/heads/main ${OID_B}\n`)), script());
    expect(g.verdict).toStrictEqual({ _tag: 'Allow', reason: 'claimed', reasons: ['claimed'], details: [], lanes: ['deploy:refs/heads/main'], lane: 'deploy:refs/heads/main', fresh: ['deploy:refs/heads/main'] });
    // git mode, readable stdin, only a tag pattern: the tag line is a deploy target (P8 reads the lines, not the patterns' kinds)
    const tagsOnly = script({ repo: () => ({ ...REPO, config: { _tag: 'Configured', config: { version: 1, lanes: { deploy_refs: ['refs/tags/*'] } } } }) });
    const t = PG.simulate(git(PG.parsePrePushInput(`refs/tags/v2 ${OID_A} refs/tags/v2 ${Z}\n`)), tagsOnly);
    expect([t.verdict.reason, t.verdict.lanes, probeTags(t)]).toEqual(['claimed', ['deploy:refs/tags/v2'], ['repo', 'identity', 'claim', 'state']]);
  });

  it('a P10 result is used only with the refs answer and the deploy-ref list it was resolved under', () => {
    const cur = PG.prepareFacts({ ...agent('git push'), repo: REPO, refs: REFS, identity: ME });
    expect(cur.resolved?.value.lanes).toEqual(['deploy:refs/heads/main']);
    const moved = { ...cur, refs: { ...REFS, head_branch: 'release/2.4', head_oid: OID_B } };
    const s = PG.gateStep(moved);
    expect(s._tag === 'Need' && s.probe[0]).toMatchObject({ _tag: 'claim', lane: 'deploy:refs/heads/release/2.4' });
    expect(PG.prepareFacts(moved).resolved?.value.lanes).toEqual(['deploy:refs/heads/release/2.4']);
    const sharedCfg: ConfigState = { _tag: 'Configured', config: { version: 1, lanes: { deploy_refs: [{ pattern: 'refs/heads/*', lane: 'shared' }] } } };
    const shared = { ...cur, repo: { ...REPO, config: sharedCfg } };
    const s2 = PG.gateStep(shared);
    expect(s2._tag === 'Need' && s2.probe[0]).toMatchObject({ _tag: 'claim', lane: 'deploy:refs/heads/*' });
    expect(PG.prepareFacts(shared).resolved?.value.lanes).toEqual(['deploy:refs/heads/*']);
  });

  it('push-gate.md §14 rule 4: the caller matters in the git layer only; a Claude or Codex hook renders the same for either caller', () => {
    const held: PG.GateVerdict = { _tag: 'Ask', reason: 'held-by-other', reasons: ['held-by-other'], details: [], lanes: ['deploy:refs/heads/main'], lane: 'deploy:refs/heads/main', fresh: [], holder_handle: 'ana', heartbeat_age_sec: 5 };
    for (const host of ['claude', 'codex'] as const) {
      expect(PG.renderGate(held, host, 'codex')).toStrictEqual(PG.renderGate(held, host, 'person'));
      expect(PG.gateMessage(held, host, 'codex')).toBe(PG.gateMessage(held, host, 'person'));
    }
    expect(JSON.parse(PG.renderGate(held, 'claude', 'codex').stdout).hookSpecificOutput.permissionDecision).toBe('ask');
  });
});

describe('helpers and rendering (PG-33 … PG-36)', () => {
  it('PG-33 safeHandle output is `another session` or @[A-Za-z0-9_./-]{1,64}; e-mail local part kept', () => {
    fc.assert(
      fc.property(fc.anything(), (x) => {
        const h = PG.safeHandle(x);
        expect(h === 'another session' || /^@[A-Za-z0-9_./-]{1,64}$/.test(h)).toBe(true);
      }),
    );
    fc.assert(fc.property(fc.stringMatching(/^[a-z][a-z0-9]{0,20}$/), fc.domain(), (local, dom) => { expect(PG.safeHandle(`${local}@${dom}`)).toBe(`@${local}`); }));
    expect(PG.safeHandle('ana@example.com')).toBe('@ana');
    expect(PG.safeHandle('@@@')).toBe('another session');
    expect(PG.safeHandle('a'.repeat(65))).toBe(`@${'a'.repeat(64)}`);
  });
  it('PG-34 fmtAge total, format, monotone, boundaries', () => {
    fc.assert(fc.property(fc.anything(), (x) => { expect(PG.fmtAge(x)).toMatch(/^(\d+s|\d+m|\d+h|unknown)$/); }));
    const rank = (s: string): number => {
      const n = parseInt(s, 10);
      return s.endsWith('s') ? n : s.endsWith('m') ? n * 60 : n * 3600;
    };
    fc.assert(fc.property(fc.double({ min: 0, max: 1e7, noNaN: true }), fc.double({ min: 0, max: 1e7, noNaN: true }), (a, b) => {
      const [lo, hi] = a <= b ? [a, b] : [b, a];
      expect(rank(PG.fmtAge(lo))).toBeLessThanOrEqual(rank(PG.fmtAge(hi)));
    }));
    expect([59, 59.4, 59.5, 60, 89, 90, 3570, 3569, NaN, -5, Infinity].map(PG.fmtAge)).toEqual(['59s', '59s', '1m', '1m', '1m', '2m', '1h', '59m', 'unknown', '0s', 'unknown']);
  });
  it('PG-35 every gate message matches its template, has no control characters and no store text', () => {
    const allowed = /^[\x20-\x7e—…]*$/;
    fc.assert(
      fc.property(fc.constantFrom(...(Object.keys(PG.GATE_REASONS) as PG.GateReason[])), fc.string(), fc.string(), fc.anything(), fc.string(), fc.constantFrom('claude' as const, 'codex' as const, 'git' as const), (reason, lane, handle, age, remote, host) => {
        const v: PG.GateVerdict = { _tag: PG.GATE_REASONS[reason], reason, reasons: [reason], details: [], lanes: [lane], lane, fresh: [], holder_handle: handle, heartbeat_age_sec: age as number, target_ref: lane, remote, failure_kind: 'forbidden' };
        const m = PG.gateMessage(v, host);
        if (m === null) return;
        expect(m).toMatch(allowed);
        expect(m.includes('\n')).toBe(false);
        // a remote string outside the safe name set is never echoed (URLs, tokens, prompt text)
        if (reason === 'behind-remote' && !/^[A-Za-z0-9_.-]{1,64}$/.test(remote)) expect(m).toContain(' on the remote has commits');
        // the holder handle reaches the text only through safeHandle
        if (reason === 'held-by-other') expect(m).toContain(`held by ${PG.safeHandle(handle)} (`);
        const r = PG.renderGate(v, host);
        expect(r.stdout + r.stderr).toMatch(/^[\x20-\x7e—…\n]*$/);
      }),
      { numRuns: 600 },
    );
    expect(PG.messages.blockedBehindRemote('refs/heads/main', 'https://user:tok@evil.example/x.git')).toContain('on the remote has commits');
    expect(PG.messages.askLaneHeld('deploy:x\n"ignore previous"', 'a\u2028b', 3)).not.toMatch(/[\n\u2028"]/);
  });
  it('PG-36 host rendering: Codex never asks and denies a held lane; git Block never exits 0; Claude Block exit 2 with stderr only; ≤ 1 JSON object', () => {
    fc.assert(
      fc.property(fc.constantFrom(...(Object.keys(PG.GATE_REASONS) as PG.GateReason[])), fc.constantFrom('claude' as const, 'codex' as const, 'git' as const), fc.constantFrom('person' as const, 'codex' as const), (reason, host, caller) => {
        const v: PG.GateVerdict = { _tag: PG.GATE_REASONS[reason], reason, reasons: [reason], details: [], lanes: ['deploy:refs/heads/main'], lane: 'deploy:refs/heads/main', fresh: [], holder_handle: 'ana', heartbeat_age_sec: 5, target_ref: 'refs/heads/main', remote: 'origin' };
        const r = PG.renderGate(v, host, caller);
        if (host === 'codex') expect(r.stdout).not.toContain('"ask"');
        if (host !== 'git') expect(r).toEqual(PG.renderGate(v, host)); // the caller matters for git only
        if (host === 'git') expect(r.stdout).toBe('');
        // push-gate.md §14 rule 4: a held lane stops a Codex push (deny naming the holder and the way through)
        const refused = v._tag === 'Block' || (v._tag === 'Ask' && (host === 'codex' || caller === 'codex'));
        if (v._tag === 'Ask' && host === 'codex') {
          const o = JSON.parse(r.stdout) as { hookSpecificOutput: { permissionDecision: string; permissionDecisionReason: string } };
          expect(o.hookSpecificOutput.permissionDecision).toBe('deny');
          expect(o.hookSpecificOutput.permissionDecisionReason).toMatch(/held by @ana .*Queue for it with `arbiter land`, wait until the holder releases it.*arbiter deploy --break-glass/);
        }
        if (v._tag === 'Ask' && host === 'git') expect(r.stderr).toMatch(caller === 'codex' ? /^arbiter: BLOCKED — deploy lane .* held by @ana/ : /^arbiter: WARNING/);
        if (refused && host === 'git') expect(r.exit).toBe(1);
        if (v._tag === 'Block' && host === 'claude') expect(r).toEqual({ exit: 2, stdout: '', stderr: expect.stringMatching(/^arbiter: BLOCKED/) });
        if (!refused || host === 'codex') expect(r.exit).toBe(0);
        if (r.stdout !== '') {
          expect(r.stdout.endsWith('}\n')).toBe(true);
          expect(() => JSON.parse(r.stdout)).not.toThrow();
        }
      }),
    );
  });

  it('push-gate.md §13.2: each reason renders its own template with the verdict\'s lane, lane count, holder, target and failure; silent reasons have none', () => {
    const M = PG.messages;
    const v: PG.GateVerdict = {
      _tag: 'AllowLoud', reason: 'dry-run', reasons: [], details: [], lanes: ['deploy:refs/heads/main', 'deploy:refs/heads/release/2.4'], lane: 'deploy:refs/heads/main', fresh: [],
      holder_handle: 'ana@example.com', heartbeat_age_sec: 95, failure_kind: 'other', store_fix: 'migrate', target_ref: 'refs/heads/main', remote: 'upstream',
    };
    const want: Record<PG.GateReason, string | null> = {
      'bad-payload': null, 'not-a-push': null, 'not-a-repo': null, 'not-configured': null, 'non-deploy-ref': null, 'nothing-to-gate': null, claimed: null,
      'config-invalid': M.loudConfigInvalid(),
      'dry-run': M.loudDryRun(v.lane, 2),
      'identity-unavailable': M.loudNoIdentity(v.lane),
      'break-glass': M.loudBreakGlass(v.lane, 2),
      'store-unreachable': M.loudStoreUnreachable(v.lane),
      'store-contended': M.loudStoreBusy(v.lane),
      'store-failed': M.loudStoreRefused('other', v.lane, 'migrate'),
      watchdog: M.loudWatchdog(),
      'plan-limit': M.loudPlanLimit(),
      'state-guard-disabled': M.loudStateGuard(),
      'held-by-other': M.askLaneHeld(v.lane, 'ana@example.com', 95),
      halted: M.blockedByHalt(),
      'behind-remote': M.blockedBehindRemote('refs/heads/main', 'upstream'),
      'force-rewrite': M.blockedHistoryRewrite('refs/heads/main'),
    };
    for (const reason of Object.keys(PG.GATE_REASONS) as PG.GateReason[]) {
      const m = PG.gateMessage({ ...v, reason, _tag: PG.GATE_REASONS[reason] }, 'claude');
      expect([reason, m]).toEqual([reason, want[reason]]);
    }
    const loud = Object.values(want).filter((m) => m !== null);
    expect(new Set(loud).size).toBe(loud.length); // every template distinct, so each case is told apart
    expect(PG.gateMessage({ ...v, reason: 'dry-run' }, 'git')).toBe(M.loudDryRun(v.lane, 2));
    expect(PG.gateMessage({ ...v, reason: 'dry-run', lanes: [v.lane!] }, 'git')).toBe(M.loudDryRun(v.lane, 1));
    expect(PG.gateMessage({ ...v, reason: 'dry-run', lanes: [v.lane!] }, 'git')).not.toBe(M.loudDryRun(v.lane, 2));
    const held = { ...v, _tag: 'Ask' as const, reason: 'held-by-other' as const };
    expect(PG.gateMessage(held, 'codex')).toBe(M.deniedLaneHeld(v.lane, 'ana@example.com', 95));
    expect(PG.gateMessage(held, 'git')).toBe(M.warnLaneHeld(v.lane, 'ana@example.com', 95));
    expect(PG.gateMessage(held, 'git', 'codex')).toBe(M.deniedLaneHeld(v.lane, 'ana@example.com', 95));
    expect(new Set([M.askLaneHeld(v.lane, 'a', 1), M.deniedLaneHeld(v.lane, 'a', 1), M.warnLaneHeld(v.lane, 'a', 1)]).size).toBe(3);
  });

  it('push-gate.md §14: the rendering of each verdict kind on each host, whole', () => {
    const v = (reason: PG.GateReason): PG.GateVerdict => ({ _tag: PG.GATE_REASONS[reason], reason, reasons: [reason], details: [], lanes: ['deploy:refs/heads/main'], lane: 'deploy:refs/heads/main', fresh: [], holder_handle: 'ana', heartbeat_age_sec: 5, target_ref: 'refs/heads/main', remote: 'origin' });
    const msg = (reason: PG.GateReason, host: 'claude' | 'codex' | 'git', caller: 'person' | 'codex' = 'person') => PG.gateMessage(v(reason), host, caller) as string;
    const j = (o: unknown) => `${JSON.stringify(o)}\n`;
    const pre = (decision: string, reason: string) => j({ hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: decision, permissionDecisionReason: reason } });
    const silent = { exit: 0, stdout: '', stderr: '' };
    for (const host of ['claude', 'codex', 'git'] as const) expect(PG.renderGate(v('claimed'), host)).toStrictEqual(silent);
    // loud: a system message on the agents, stderr in the git layer, never a refusal
    expect(PG.renderGate(v('store-unreachable'), 'claude')).toStrictEqual({ exit: 0, stdout: j({ systemMessage: msg('store-unreachable', 'claude') }), stderr: '' });
    expect(PG.renderGate(v('store-unreachable'), 'codex')).toStrictEqual({ exit: 0, stdout: j({ systemMessage: msg('store-unreachable', 'codex') }), stderr: '' });
    expect(PG.renderGate(v('store-unreachable'), 'git', 'codex')).toStrictEqual({ exit: 0, stdout: '', stderr: `${msg('store-unreachable', 'git')}\n` });
    // held: Claude asks, Codex denies, a person's git push is warned, a Codex agent's git push is refused
    expect(PG.renderGate(v('held-by-other'), 'claude')).toStrictEqual({ exit: 0, stdout: pre('ask', msg('held-by-other', 'claude')), stderr: '' });
    expect(PG.renderGate(v('held-by-other'), 'codex')).toStrictEqual({ exit: 0, stdout: pre('deny', msg('held-by-other', 'codex')), stderr: '' });
    expect(PG.renderGate(v('held-by-other'), 'git')).toStrictEqual({ exit: 0, stdout: '', stderr: `${msg('held-by-other', 'git')}\n` });
    expect(PG.renderGate(v('held-by-other'), 'git', 'codex')).toStrictEqual({ exit: 1, stdout: '', stderr: `${msg('held-by-other', 'git', 'codex')}\n` });
    // blocks: Claude exit 2 on stderr, Codex a deny, git exit 1 on stderr
    expect(PG.renderGate(v('halted'), 'claude')).toStrictEqual({ exit: 2, stdout: '', stderr: `${msg('halted', 'claude')}\n` });
    expect(PG.renderGate(v('halted'), 'codex')).toStrictEqual({ exit: 0, stdout: pre('deny', msg('halted', 'codex')), stderr: '' });
    expect(PG.renderGate(v('halted'), 'git')).toStrictEqual({ exit: 1, stdout: '', stderr: `${msg('halted', 'git')}\n` });
  });
});

describe('lanes config and naming (push-gate.md §3)', () => {
  it('default patterns and lane names (N1–N4)', () => {
    expect(PG.laneFor('refs/heads/main')).toBe('deploy:refs/heads/main');
    expect(PG.laneFor('refs/heads/release/2.4')).toBe('deploy:refs/heads/release/2.4');
    expect(PG.laneFor('refs/tags/v2.4.0')).toBe('deploy:refs/tags/*');
    expect(PG.laneFor('refs/tags/v2.4.1')).toBe('deploy:refs/tags/*');
    expect(PG.isDeployRef('refs/heads/release/')).toBe(false); // strictly longer than the prefix
    expect(PG.isDeployRef('refs/heads/mainline')).toBe(false);
    expect(PG.isDeployRef('refs/heads/feature/x')).toBe(false);
    expect(PG.sortLanes(['b', 'a', 'b', 'A'])).toEqual(['A', 'a', 'b']);
    expect(PG.laneFromArg('main')).toBe('deploy:refs/heads/main');
    expect(PG.laneFromArg('deploy:custom')).toBe('deploy:custom');
  });
  it('config codec: lanes keys decode; bad values are invalid; session_lock kept', async () => {
    const { config } = await import('@arbiter/kernel');
    expect(config.parseConfig(JSON.stringify({ version: 1, session_lock: { ttl_ms: 5000 }, lanes: { deploy_refs: ['refs/heads/prod', { pattern: 'refs/tags/*', lane: 'shared' }], owners: ['a@b'] } }))._tag).toBe('Configured');
    expect(config.parseConfig(JSON.stringify({ version: 1, lanes: { lease_minutes: 0 } }))._tag).toBe('Invalid');
    expect(config.parseConfig(JSON.stringify({ version: 1, lanes: { deploy_refs: ['main'] } }))._tag).toBe('Invalid');
    // issue 9: postgres and http stores are configurable (push-gate.md §5.7); an unknown kind is not
    expect(config.parseConfig(JSON.stringify({ version: 1, lanes: { store: { kind: 'postgres' } } }))._tag).toBe('Configured');
    expect(config.parseConfig(JSON.stringify({ version: 1, lanes: { store: { kind: 'redis' } } }))._tag).toBe('Invalid');
    const s = PG.settingsOf(config.parseConfig(JSON.stringify({ version: 1, lanes: { deploy_refs: ['refs/heads/prod'] } })));
    expect(s.deploy_refs).toEqual([{ pattern: 'refs/heads/prod', lane: 'per-ref' }]);
    expect(config.parseConfig(JSON.stringify(config.defaultConfig()))._tag).toBe('Configured');
  });
});

describe('dispatcher fast path (PG-10 without loading the hook bundle)', () => {
  it('PG-10 surelyNotPush is sound: whenever it answers true, the classifier says NotPush', async () => {
    const { surelyNotPush, bashCommandOf } = await import('../src/early.js');
    const frag = fc.constantFrom('git', ' ', 'push', 'pu', 'sh', "'", '"', '\\', '\\\n', '$', "$'\\x70'", '(', ')', '`', ';', '&&', '|', 'sh -c ', 'eval ', '<<EOF\n', '\nEOF\n', 'git-push', '-C', 'x', 'echo', '{', '}', 'p', 'u', 's', 'h', '\n');
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.array(frag, { maxLength: 14 }).map((a) => a.join(''))), (cmd) => {
        if (surelyNotPush(cmd)) expect(PG.classifyPushCommand(cmd)._tag).toBe('NotPush');
      }),
      { numRuns: 3_000 },
    );
    for (const c of ['git push', 'git pu"sh"', 'git p\\ush', "git $'\\x70ush'", 'git pu\\\nsh', 'bash <<EOF\ngit push\nEOF']) expect(surelyNotPush(c)).toBe(false);
    expect(surelyNotPush('npm test && git status')).toBe(true);
    expect(bashCommandOf({ tool_input: { cmd: 'ls' } })).toBe('ls');
    expect(bashCommandOf({ tool_input: 'ls' })).toBeNull();
  });
});

describe('context (PG-38) and verbs', () => {
  const repoFact: PG.RepoFact = { kind: 'repo', top: '/work/my app!', common_dir: '/w/.git', shallow: false, config: CONFIGURED };
  const view = (n: number, reason = 'wait'): PG.StateView => ({
    lanes: Array.from({ length: n }, (_, i) => ({ lane: `deploy:refs/heads/r${i}`, fence: i + 1, expired: false, holder: { handle: `u${i}@x.io`, session: 's', instance: i === 0 ? ME.instance : 'f'.repeat(32), host: 'h', claimed_at: 0, heartbeat_age_sec: 30, lease_sec: 600, intent: 'push' as const, eta_minutes: null } })),
    halts: [{ halt_id: 'abcdef0123456789', target_session: SESSION, by_handle: 'ops@x.io', by_session: 'o', reason, created_at: 0, age_sec: 5, open: true }],
    placed: [],
  });
  const base = (o: Partial<PG.ContextFacts> = {}): PG.ContextFacts => ({ agent: 'codex', event: 'session-start', payload: { session_id: SESSION, cwd: '/w' }, now: 1_000_000, repo: repoFact, identity: ME, ...o });

  it('PG-38 within CONTEXT_CACHE_TTL_MS of a read no store call; after it a state read; failure → DEGRADED with cache', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000 }), fc.boolean(), (age, fail) => {
        const cache = { fetched_at: 1_000_000 - age, data: { view: view(1), lock: null } };
        const s1 = PG.contextStep(base({ cache }));
        if (age < PG.CONTEXT_CACHE_TTL_MS) {
          expect(s1._tag === 'Done' && s1.outcome.status).toBe('cached');
          return;
        }
        expect(s1._tag === 'Need' && s1.probe.map((p) => p._tag).sort()).toEqual(['lock-read', 'state']);
        const s2 = PG.contextStep(base({ cache, state: fail ? { ok: false } : { ok: true, view: view(2) }, lock: { kind: 'free' } }));
        expect(s2._tag).toBe('Done');
        if (s2._tag !== 'Done') return;
        expect(s2.outcome.status).toBe(fail ? 'degraded' : 'ok');
        if (fail) expect(s2.outcome.block).toContain(`DEGRADED — lane store unavailable; showing data from ${PG.fmtAge(age / 1000)} ago.`);
        else expect(s2.effects).toEqual([{ _tag: 'WriteCache', data: { view: view(2), lock: { kind: 'free' } } }]);
      }),
    );
  });

  it('no Codex context answer carries `env`, whatever the session (Codex 0.171.0 rejects such an answer whole; push-gate.md §12.5)', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 200 }), fc.oneof(fc.constant(null), fc.string(), fc.constantFrom('sess-1', 'thr-019a')), fc.constantFrom('session-start' as const, 'user-prompt-submit' as const), (block, sid, event) => {
        const out = PG.renderContext('codex', event, block, sid);
        const o = JSON.parse(out) as { hookSpecificOutput: Record<string, unknown> } & Record<string, unknown>;
        expect(Object.keys(o)).toEqual(['hookSpecificOutput']);
        expect(Object.keys(o.hookSpecificOutput).sort()).toEqual(['additionalContext', 'hookEventName']);
      }),
    );
  });

  it('PG-38 block is at most CONTEXT_MAX_CHARS, control-free, halt reasons sanitized; Codex envelope names the event', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 40 }), fc.string({ maxLength: 400 }), fc.constantFrom('session-start' as const, 'user-prompt-submit' as const), (n, reason, event) => {
        const block = PG.renderContextBlock('/w/app', SESSION, ME.instance, { view: view(n, reason), lock: { kind: 'other', session: 'x\ny', pid: 7, age_sec: 9 } }, null);
        expect(block.length).toBeLessThanOrEqual(PG.CONTEXT_MAX_CHARS);
        expect(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029]/.test(block)).toBe(false);
        const out = JSON.parse(PG.renderContext('codex', event, block, null)) as { hookSpecificOutput: { hookEventName: string } };
        expect(out.hookSpecificOutput.hookEventName).toBe(event === 'session-start' ? 'SessionStart' : 'UserPromptSubmit');
      }),
    );
    const b = PG.renderContextBlock('/work/my app!', SESSION, ME.instance, { view: view(10), lock: null }, null);
    expect(b.split('\n')[0]).toBe('arbiter · myapp · session sess-me');
    expect(b).toContain('… and 2 more');
    expect(b).toContain('— this session');
    expect(PG.renderContext('claude', 'session-start', '', null)).toBe('');
  });

  it('deploy (push-gate.md §10): die-loud outcomes V1–V9', () => {
    const run = (o: Partial<PG.DeployFacts>, claim: PG.ClaimAttempt = { _tag: 'Granted', fence: 12, reclaimed: false }, compat: PG.CompatFact = { result: 'fast-forward', remote_present: true }) => {
      const f: PG.DeployFacts = { lane_arg: null, eta_arg: null, break_glass: false, reason: null, ...o };
      const r = runStepsSync({ ...PG.deployDriver, limit: 10 }, f, (probes) =>
        probes.map((p): PG.DeployProbeAnswer => {
          switch (p._tag) {
            case 'repo':
              return { _tag: 'repo', value: o.repo ?? repoFact };
            case 'refs':
              return { _tag: 'refs', value: o.refs ?? { current_branch: 'main', head_oid: OID_A, default_remote: 'origin' } };
            case 'identity':
              return { _tag: 'identity', value: o.identity ?? ME };
            case 'force-release':
              return { _tag: 'force-release', value: o.forced ?? { _tag: 'Forced', previous: null, fence: 3 } };
            case 'claim':
              return { _tag: 'claim', value: claim };
            case 'compat':
              return { _tag: 'compat', value: compat };
          }
        }),
      );
      if (r._tag !== 'Done') throw new Error('no verdict');
      return r;
    };
    expect(run({ repo: { kind: 'not-repo' } }).outcome).toMatchObject({ code: 1, reason: 'not-a-repo' });
    expect(run({ eta_arg: '0' }).outcome).toMatchObject({ code: 2, reason: 'bad-eta' }); // a usage error
    expect(run({ eta_arg: '1441' }).outcome).toMatchObject({ code: 2, reason: 'bad-eta' });
    expect(run({ eta_arg: '1440' }).outcome).toMatchObject({ code: 0, reason: 'claimed' });
    expect(run({ refs: { current_branch: null, head_oid: null, default_remote: null } }).outcome).toMatchObject({ code: 1, reason: 'no-branch' });
    expect(run({ refs: { current_branch: 'feature/x', head_oid: OID_A, default_remote: 'origin' } }).outcome).toMatchObject({ code: 1, reason: 'non-deploy-ref' });
    expect(run({ identity: { ok: false } }).outcome).toMatchObject({ code: 1, reason: 'identity-unavailable' });
    expect(run({ break_glass: true, forced: { _tag: 'Failure', kind: 'forbidden' } }).outcome).toMatchObject({ code: 1, reason: 'break-glass-forbidden' });
    const bg = run({ break_glass: true, reason: 'x' });
    expect(bg.effects.length).toBe(1);
    expect(run({}, { _tag: 'Held', holder_handle: 'ana@x', holder_instance: 'f', heartbeat_age_sec: 1 }).outcome).toMatchObject({ code: 1, reason: 'held-by-other', stream: 'stderr' });
    expect(run({}, { _tag: 'Failure', kind: 'transport', status: 'x' }).outcome.message).toBe('arbiter: could not claim deploy lane deploy:refs/heads/main (transport).');
    expect(run({}, undefined, { result: 'behind', remote_present: false }).outcome).toMatchObject({ code: 0, reason: 'claimed-behind' });
    expect(run({}).outcome.message).toBe('arbiter: lane deploy:refs/heads/main claimed (fence 12) — clear to deploy. Release it with `arbiter lane release deploy:refs/heads/main` when done.');
    expect(run({ lane_arg: 'deploy:custom' }).outcome.message).toContain('deploy:custom');
  });

  it('lane-cli (push-gate.md §11): outcomes and argument checks', () => {
    expect(PG.laneUnhaltOutcome('s1', 's1', null)).toMatchObject({ code: 1, reason: 'self-unhalt' });
    expect(PG.haltArgs('bad session', 'r')).toMatchObject({ code: 2, reason: 'bad-argument', stream: 'stderr' });
    expect(PG.haltArgs('ok-session', '   ')).toMatchObject({ code: 2, reason: 'bad-argument' });
    expect(PG.haltArgs('ok-session', 'x'.repeat(200))).toBeNull();
    expect(PG.haltArgs('ok-session', 'x'.repeat(201))?.message).toBe(
      'arbiter: invalid argument --reason: expected 1–200 characters once control characters are removed and white space is collapsed; got 201 characters.',
    );
    expect(PG.sessionArgError('s'.repeat(129))?.message).toBe(
      'arbiter: invalid argument --session: expected a session id of 1–128 characters from A-Z a-z 0-9 _ . : @ -; got 129 characters.',
    );
    expect(PG.sessionArgError('bad session')?.message).toContain('; got a character outside that set.');
    expect(PG.sessionArgError('sess-bo-02')).toBeNull();
    expect(PG.laneUnhaltOutcome('s1', 'bad session', null)).toMatchObject({ code: 2, reason: 'bad-argument' });
    expect(PG.etaArg('abc')).toMatchObject({ code: 2, reason: 'bad-eta', message: 'arbiter: --eta must be a whole number of minutes from 1 to 1440.' });
    expect([PG.etaArg(undefined), PG.etaArg(null), PG.etaArg('1'), PG.etaArg('1440')]).toEqual([null, null, null, null]);
    expect(PG.laneReleaseOutcome('deploy:x', { _tag: 'NotHolder' })).toMatchObject({ code: 0, reason: 'not-holder' });
    expect(PG.laneReleaseOutcome('deploy:x', { _tag: 'Failure', kind: 'forbidden' })).toMatchObject({ code: 1, reason: 'force-forbidden' });
    expect(PG.laneClaimOutcome('deploy:x', { _tag: 'Lost', holder_handle: 'b@y' }).message).toBe('arbiter: lane deploy:x was lost — its lease ran out and it is now held by @b.');
  });

  it('lane-cli (push-gate.md §11): a halt reason is accepted exactly when it has 1–200 characters once sanitized; otherwise exit 2 naming the limit and the length', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 260 }), fc.string({ minLength: 195, maxLength: 210 }), fc.constant(' \t\n')), (reason) => {
        const n = PG.safeReason(reason, Number.POSITIVE_INFINITY).length;
        const r = PG.haltArgs('ok-session', reason);
        if (n >= 1 && n <= PG.HALT_REASON_MAX) return r === null;
        return r !== null && r.code === 2 && r.message.includes('expected 1–200 characters') && r.message.endsWith(`got ${n} characters.`);
      }),
    );
  });
});
