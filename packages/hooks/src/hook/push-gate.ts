/**
 * `arbiter hook gate-push [--post] --agent claude|codex [--dry-run]` and `arbiter hook pre-push <remote> <url>
 * [--dry-run]` (push-gate.md §8, push-gate.md §9, push-gate.md §14, push-gate.md §15).
 *
 * Pipeline: watchdog → bounded stdin → facts → the probe driver around `pushGate.gateStep` (probes of one `Need`
 * run concurrently; at most `MAX_PLAN_STEPS` calls) → render for the host → decision log → effects under the
 * remaining budget → exit with the rendered code. Fail-open: any exception before rendering is a silent exit 0;
 * the watchdog renders L-WATCHDOG when nothing was rendered yet, else exits with the rendered code.
 */
import { writeSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { Git, LaneStore, ProbeRecord } from '@arbiter/kernel';
import { maskOutput, pushGate as PG, runSteps } from '@arbiter/kernel';
import { agentLogMode } from '@arbiter/kernel/early';
import type { HookInput, HookMain } from '../invocation.js';
import { deletePending, gitSpawnCpuMs, gitSpawnMs, nodeGit, openLaneStore, readPending, resolveStateDir, fsLaneStore, writePending, type Env } from '@arbiter/io-node';
import { readStdin, sinceStartMs, stdinJson, type Agent, type StdinResult } from './runtime.js';
import { recordDecision } from '../decision-record.js';
import { armPresence, gitSessionOf } from './presence.js';
import { recordHookPresence } from '../presence/record.js';
import { openRuntimeGuard } from '../state-lock-guard.js';
import { armBackstop } from './backstop.js';
import { probeClaim, probeCompat, probeIdentity, probeRefs, probeRepo, probeState, storeFor, withTimeout, type GateRepo } from './push-gate-probes.js';

/** Ports of one gate run (injectable for tests). */
export interface GateDeps {
  readonly git: Git;
  readonly env: Env;
  readonly cwd: string;
  /** ms since process start. */
  readonly elapsed: () => number;
  /** Store factory (real: the embedded fs store of the repository). */
  readonly store: (root: string, settings: PG.LanesSettings) => LaneStore;
}

/** What the driver produced. */
export interface GateRun {
  readonly verdict: PG.GateVerdict;
  readonly effects: ReadonlyArray<PG.GateEffect>;
  readonly probes: ReadonlyArray<ProbeRecord>;
  readonly facts: PG.GateFacts;
  readonly repo: GateRepo | null;
  readonly store: LaneStore | null;
  /**
   * Wall time of the driver, ms; the part of it spent waiting on git subprocesses (per batch, the longest git probe);
   * the part spent waiting on any probe, git or lane store (per batch, the longest probe); `claim_at_ms`: ms from
   * process start to the first claim answer (absent when nothing was claimed); `guard_ms`: the runtime-state guard
   * opened before the run (set by the hook, not by {@link runGate}). `busy_ms`: the part of the driver's wall time
   * the main thread was busy (event-loop utilisation: not waiting for a git child, a socket or a timer); `spawn_ms`:
   * the part of that spent starting git children (fork and exec are synchronous). `busy_ms − spawn_ms` is the
   * decision's own time: kernel steps, decoding, store clients, module loading, outside git and the network.
   * `cpu_ms` and `spawn_cpu_ms` are the same two as CPU time of the process (user + system), which a busy machine
   * does not inflate: a process that waits for a CPU is busy by the event loop's clock but uses none.
   */
  readonly timing: {
    readonly driver_ms: number;
    readonly git_ms: number;
    readonly io_ms: number;
    readonly busy_ms: number;
    readonly spawn_ms: number;
    readonly cpu_ms: number;
    readonly spawn_cpu_ms: number;
    readonly claim_at_ms?: number;
    readonly guard_ms?: number;
  };
}

/**
 * The gate run (push-gate.md §8.4) on the kernel's one step driver: `runSteps(PG.driver, …)` calls `gateStep`, and this
 * probe runner answers every probe of a `Need` concurrently (honouring `delay_ms`), recording each probe's name,
 * duration and outcome; `PG.withAnswer` merges the answers. At most `MAX_PLAN_STEPS` steps (→ `AllowLoud
 * plan-limit`). Never throws.
 */
export const runGate = async (initial: Omit<PG.GateFacts, 'elapsed_ms'>, deps: GateDeps): Promise<GateRun> => {
  const probes: ProbeRecord[] = [];
  let repo: GateRepo | null = null;
  let store: LaneStore | null = null;
  const tStart = performance.now();
  const elu0 = performance.eventLoopUtilization();
  const spawn0 = gitSpawnMs();
  const cpu0 = process.cpuUsage();
  const spawnCpu0 = gitSpawnCpuMs();
  let gitMs = 0;
  let ioMs = 0;
  let claimAt: number | null = null;
  const timing = () => ({
    driver_ms: Math.round((performance.now() - tStart) * 10) / 10,
    git_ms: Math.round(gitMs * 10) / 10,
    io_ms: Math.round(ioMs * 10) / 10,
    busy_ms: Math.round(performance.eventLoopUtilization(elu0).active * 10) / 10,
    spawn_ms: Math.round((gitSpawnMs() - spawn0) * 10) / 10,
    cpu_ms: Math.round(((u) => u.user + u.system)(process.cpuUsage(cpu0)) / 100) / 10,
    spawn_cpu_ms: Math.round((gitSpawnCpuMs() - spawnCpu0) * 10) / 10,
    ...(claimAt === null ? {} : { claim_at_ms: claimAt }),
  });
  // `git config user.email` (the identity probe's member, push-gate.md §4) is started together with the refs probe:
  // a run that needs refs is a push to a deploy ref and asks for identity next, so the two git start-ups overlap
  // instead of queueing before the claim (issue 12, a deploy push under load). Read once per directory; only read,
  // so a run that ends before identity (non-deploy-ref, dry-run) has spent one `git config` and changed nothing.
  const emailReads = new Map<string, Promise<Awaited<ReturnType<ReturnType<Git['configGet']>>>>>();
  const git: Git = {
    ...deps.git,
    configGet: (cwd, key) =>
      key !== 'user.email'
        ? deps.git.configGet(cwd, key)
        : () => {
            const p = emailReads.get(cwd) ?? deps.git.configGet(cwd, key)();
            emailReads.set(cwd, p);
            return p;
          },
  };
  const answerOne = async (p: PG.GateProbe, f: PG.GateFacts, gitDurations: number[], ioDurations: number[]): Promise<PG.GateProbeAnswer> => {
    const t0 = performance.now();
    const rec = (outcome: string) => {
      const d = performance.now() - t0;
      ioDurations.push(d);
      if (p._tag === 'repo' || p._tag === 'refs' || p._tag === 'compat' || p._tag === 'identity') gitDurations.push(d);
      probes.push({ name: p._tag, duration_ms: Math.round(d), outcome });
    };
    switch (p._tag) {
      case 'repo': {
        const r = await probeRepo(git, p.cwd !== null && p.cwd.startsWith('/') ? p.cwd : deps.cwd, p.dir_hints, deps.env);
        repo = r;
        if (r.storeRoot !== null && r.fact.kind === 'repo') store = deps.store(r.storeRoot, PG.settingsOf(r.fact.config));
        rec(r.fact.kind === 'repo' ? r.fact.config._tag : 'not-repo');
        return { _tag: 'repo', value: r.fact };
      }
      case 'refs': {
        void git.configGet(repo?.dir ?? deps.cwd, 'user.email')().catch(() => undefined);
        const r = await probeRefs(git, repo?.dir ?? deps.cwd, p.exprs);
        rec(r.head_branch === null ? 'detached' : 'ok');
        return { _tag: 'refs', value: r };
      }
      case 'identity': {
        const common = f.repo?.kind === 'repo' ? f.repo.common_dir : '';
        const r = await probeIdentity(git, repo?.dir ?? deps.cwd, common, p.session, deps.env);
        rec(r.ok ? 'ok' : 'failed');
        return { _tag: 'identity', value: r };
      }
      case 'claim': {
        const id = f.identity;
        const r: PG.ClaimAttempt =
          store === null || id === undefined || !id.ok
            ? { _tag: 'Failure', kind: 'other', status: 'no-store' }
            : await probeClaim(store, p.lane, { handle: id.member, session: id.session, instance: id.instance, host: id.host }, p.meta, p.delay_ms);
        // the adapter's status goes to the log only (push-gate.md §5.6): e.g. a PostgreSQL schema that needs `arbiter db migrate`
        rec(r._tag === 'Failure' ? `failure:${r.kind}:${r.status}` : r._tag);
        claimAt ??= Math.round(deps.elapsed());
        return { _tag: 'claim', value: r };
      }
      case 'compat': {
        const shallow = f.repo?.kind === 'repo' ? f.repo.shallow : false;
        const r = await probeCompat(git, repo?.dir ?? deps.cwd, p, f.mode, shallow);
        rec(r.result);
        return { _tag: 'compat', value: r };
      }
      case 'state': {
        const r: PG.StateFact = store === null ? { ok: false } : await probeState(store, p.lane, p.session, PG.NET_TIMEOUT_MS);
        rec(r.ok ? 'ok' : 'failed');
        return { _tag: 'state', value: r };
      }
    }
  };
  const run = await runSteps(PG.driver, PG.prepareFacts({ ...initial, elapsed_ms: deps.elapsed() }), async (need, f) => {
    const gitDurations: number[] = [];
    const ioDurations: number[] = [];
    const answers = await Promise.all(need.map((p) => answerOne(p, f, gitDurations, ioDurations)));
    gitMs += gitDurations.reduce((a, b) => Math.max(a, b), 0);
    ioMs += ioDurations.reduce((a, b) => Math.max(a, b), 0);
    return { answers, elapsed_ms: deps.elapsed() };
  });
  return run._tag === 'Done'
    ? { verdict: run.outcome, effects: run.effects, probes, facts: run.facts, repo, store, timing: timing() }
    : { verdict: PG.planLimitVerdict(), effects: [], probes, facts: run.facts, repo, store, timing: timing() };
};

/** Run effects (push-gate.md §8.8) concurrently under one cap (ms). Results are ignored; never throws. */
export const runEffects = async (
  effects: ReadonlyArray<PG.GateEffect>,
  store: LaneStore | null,
  storeRoot: string | null,
  stateDir: string,
  capMs: number,
  spec: PG.StoreSpec | null = null,
): Promise<void> => {
  const one = async (e: PG.GateEffect): Promise<void> => {
    switch (e._tag) {
      case 'ReleaseLane':
        if (store !== null) await store.release(e.lane, e.instance)();
        return;
      case 'ForceReleaseThenClaim':
        if (store === null) return;
        await store.forceRelease(e.lane, e.by, e.reason)();
        await store.claim(e.lane, e.by, e.meta)();
        return;
      case 'PostStatus':
        if (store !== null) await store.post({ body: e.body, lane: e.lane, by: e.by })();
        return;
      case 'WritePending':
        // the marker names the store (push-gate.md §5.7) so that post-tool releases through the same adapter
        writePending(stateDir, e.key_material, { store_root: storeRoot ?? '', instance: e.instance, lanes: e.lanes, ...(spec !== null && spec.kind !== 'embedded' ? { store: spec } : {}) });
        return;
    }
  };
  await withTimeout(Promise.all(effects.map((e) => one(e).catch(() => undefined))).then(() => undefined), capMs, undefined);
};


/** Break-glass facts from the hook process's own environment (push-gate.md §8.3): `ARBITER_BREAK_GLASS=1` and its reason. */
const breakGlassOf = (env: Env): Pick<PG.GateFacts, 'break_glass' | 'break_glass_reason'> => ({
  break_glass: env['ARBITER_BREAK_GLASS'] === '1',
  break_glass_reason: env['ARBITER_BREAK_GLASS_REASON'] ?? null,
});

const write = (r: PG.Rendered): void => {
  try {
    // secrets.md §12: every hook answer is masked (a block message may quote the command or the remote URL)
    if (r.stdout !== '') writeSync(1, maskOutput(r.stdout));
    if (r.stderr !== '') writeSync(2, maskOutput(r.stderr));
  } catch {
    // a closed pipe changes nothing
  }
};

/** Log facts of a gate run (masked by the log builder). */
const logFacts = (run: GateRun, extra: Record<string, unknown>): Record<string, unknown> => {
  const f = run.facts;
  const cls = PG.classificationOf(f);
  return {
    ...extra,
    dry_run: f.dry_run,
    break_glass: f.break_glass,
    ...(cls !== null ? { classification: cls._tag === 'Push' ? { confidence: cls.confidence, invocations: cls.invocations.length } : cls.reason } : {}),
    ...(f.repo?.kind === 'repo' ? { repo: f.repo.top, config: f.repo.config._tag } : f.repo !== undefined ? { repo: null } : {}),
    ...(f.identity?.ok ? { identity: { member: f.identity.member, session: f.identity.session, instance: f.identity.instance } } : {}),
    lanes: run.verdict.lanes,
    fresh: run.verdict.fresh,
    timing: run.timing,
    ...(f.claims !== undefined ? { claims: f.claims } : {}),
    ...(f.compat !== undefined ? { compat: f.compat } : {}),
    ...(f.state !== undefined ? { state: f.state.ok ? { halts: f.state.view.halts.length } : 'failed' } : {}),
  };
};

/** The verdict already rendered by this process (the watchdog then exits with its code, push-gate.md §14 rule 2). */
let gateRendered: PG.Rendered | null = null;

/** Who is behind the push this process gates in git mode (push-gate.md §14 rule 4); set once by `prePushMain`. */
let gitCaller: PG.GitCaller = 'person';

/**
 * push-gate.md §14 rule 4: the git layer runs under a Codex agent when `CODEX_THREAD_ID` (set by Codex in every
 * command it runs) is a session id; such a caller can neither answer an ask nor see a warning.
 */
export const gitCallerOf = (env: Env): PG.GitCaller => {
  const t = env['CODEX_THREAD_ID'];
  return t !== undefined && PG.SESSION_ID_RE.test(t) ? 'codex' : 'person';
};

/**
 * Arm the gate watchdog at process start (`GATE_WATCHDOG_MS`): nothing rendered yet → render `AllowLoud watchdog`
 * (L-WATCHDOG) and exit 0; otherwise exit with the rendered verdict's code.
 */
const armGateWatchdog = (host: Agent | 'git', env: Env, hook: string): void => {
  const t = setTimeout(() => {
    if (gateRendered === null) {
      const v = PG.watchdogVerdict();
      write(PG.renderGate(v, host, gitCaller));
      recordDecision({
        startDir: process.cwd(),
        env,
        policy: PG.POLICY,
        policyVersion: PG.POLICY_VERSION,
        mode: host === 'git' ? 'git' : agentLogMode(host),
        facts: { hook },
        verdict: v._tag,
        reasons: v.reasons,
      });
      process.exit(0);
    }
    process.exit(gateRendered.exit);
  }, Math.max(0, PG.GATE_WATCHDOG_MS - sinceStartMs()));
  void t; // not unref'd: a hung probe must still end in the watchdog's verdict, never in a silent drain
  // the same deadline for a blocked event loop, where the timer above cannot fire (backstop.ts)
  armBackstop(PG.GATE_WATCHDOG_MS - sinceStartMs(), `hook ${hook}`);
};

/** Shared tail: watchdog-aware render → log → effects → exit. */
const gateProcess = async (host: Agent | 'git', initial: Omit<PG.GateFacts, 'elapsed_ms'>, logExtra: Record<string, unknown>, env: Env): Promise<never> => {
  const cwd = process.cwd();
  const mode = host === 'git' ? 'git' : agentLogMode(host);
  const stateDir = resolveStateDir(env);
  // state-lock.md §8: the runtime state directory (lanes, pending markers, log) is guarded before anything writes.
  const startDir = typeof logExtra['cwd'] === 'string' && (logExtra['cwd'] as string).startsWith('/') ? (logExtra['cwd'] as string) : cwd;
  const tGuard = performance.now();
  const guard = await openRuntimeGuard(startDir, env, mode).catch(() => null);
  const guardMs = Math.round((performance.now() - tGuard) * 10) / 10;
  if (guard !== null && !guard.status.enabled) {
    const r = PG.renderGate(PG.guardDisabledVerdict(), host, gitCaller);
    gateRendered = r;
    write(r);
    process.exit(r.exit); // nothing is written into a directory another holder owns, not even the log
  }
  let run: GateRun;
  try {
    run = await runGate(initial, { git: nodeGit({ env: process.env }), env, cwd, elapsed: sinceStartMs, store: storeFor });
  } catch {
    recordDecision({ startDir: cwd, env, policy: PG.POLICY, policyVersion: PG.POLICY_VERSION, mode, facts: logExtra, verdict: 'Allow', reasons: ['internal-error'] });
    process.exit(0);
  }
  const r = PG.renderGate(run.verdict, host, gitCaller);
  gateRendered = r;
  write(r);
  recordDecision({
    startDir: run.repo?.dir ?? cwd,
    env,
    policy: PG.POLICY,
    policyVersion: PG.POLICY_VERSION,
    mode,
    facts: logFacts({ ...run, timing: { ...run.timing, guard_ms: guardMs } }, logExtra),
    verdict: run.verdict._tag,
    reasons: run.verdict.reasons,
    effects: run.effects.map(PG.effectSummary),
    probes: run.probes,
  });
  if (run.effects.length > 0) {
    const cap = Math.min(PG.NET_TIMEOUT_MS, PG.GATE_WATCHDOG_MS - sinceStartMs() - 100);
    if (cap > 0) await runEffects(run.effects, run.store, run.repo?.storeRoot ?? null, stateDir, cap, run.repo?.fact.kind === 'repo' ? PG.settingsOf(run.repo.fact.config).store : null);
  }
  await guard?.release().catch(() => undefined);
  process.exit(r.exit);
};

/** The payload the dispatcher read, else a bounded read of stdin (push-gate.md §2 `STDIN_MAX_BYTES`, `STDIN_TIMEOUT_MS`). */
const gateStdin = (input: HookInput): Promise<StdinResult> => (input.stdin !== undefined ? Promise.resolve(input.stdin) : readStdin(PG.STDIN_MAX_BYTES, PG.STDIN_TIMEOUT_MS));

/** `arbiter hook gate-push [--post] --agent …` entry point (the push gate, or with `--post` push release). */
export const gatePushMain: HookMain = async (inv, input = {}) => {
  const agent = inv.agent;
  if (agent === null) process.exit(0); // a mis-wired hook never blocks
  const env = process.env;
  if (inv.post) {
    const t = setTimeout(() => process.exit(0), PG.GATE_WATCHDOG_MS);
    t.unref();
    await releaseStage(agent, input);
    process.exit(0);
  }
  armGateWatchdog(agent, env, 'gate-push');
  const stdin: StdinResult = await gateStdin(input);
  const payload = stdinJson(stdin);
  const p = PG.decodeAgentPayload(payload);
  return gateProcess(
    agent,
    {
      mode: 'agent',
      agent,
      payload,
      dry_run: inv.dryRun,
      ...breakGlassOf(env),
    },
    { agent, hook: 'gate-push', tool_name: p?.tool_name ?? null, session_id: p?.session_id ?? null, cwd: p?.cwd ?? null, command: p?.command ?? null, stdin: stdin._tag },
    env,
  );
};

/** `arbiter hook pre-push <remote> <url>` entry point (git layer). */
export const prePushMain: HookMain = async (inv, input = {}) => {
  const env = process.env;
  const pos = inv.positionals;
  gitCaller = gitCallerOf(env);
  armGateWatchdog('git', env, 'pre-push');
  // presence.md §7: a push by a known session records `git` presence at exit, after the verdict
  const session = gitSessionOf(env);
  if (session !== null) armPresence(() => ({ agent: 'git', event: 'git', session, startDir: process.cwd(), tool: null }), () => ({ recordHookPresence }));
  const stdin = await gateStdin(input);
  const parsed = PG.parsePrePushInput(stdin._tag === 'Ok' ? stdin.text : null);
  return gateProcess(
    'git',
    {
      mode: 'git',
      agent: null,
      prepush: { remote_name: pos[0] ?? '', remote_url: pos[1] ?? '', input: parsed },
      dry_run: inv.dryRun,
      ...breakGlassOf(env),
    },
    { hook: 'pre-push', caller: gitCaller, remote: pos[0] ?? '', url: pos[1] ?? '', lines: parsed._tag === 'Lines' ? parsed.lines.length : 0, malformed: parsed.malformed, readable: parsed._tag === 'Lines' },
    env,
  );
};

/**
 * PostToolUse / PostToolUseFailure: `push-release` (push-gate.md §9), the release part of the post-tool events. Silent: prints
 * nothing and never blocks; bounded by `GATE_WATCHDOG_MS` from process start (its effects get what is left). Never
 * rejects.
 */
export const releaseStage = async (agent: Agent, input: HookInput = {}): Promise<void> => {
  armBackstop(PG.GATE_WATCHDOG_MS - sinceStartMs(), 'push release'); // lanes: bounded even if the loop blocks
  const env = process.env;
  const stateDir = resolveStateDir(env);
  const cwd = process.cwd();
  try {
    const payload = stdinJson(await gateStdin(input));
    // the marker as io-node read it (with its store root), besides the kernel's view of it
    const seen: { marker: ReturnType<typeof readPending> } = { marker: null };
    const run = await runSteps(PG.releaseDriver, { agent, payload } as PG.ReleaseFacts, async (need) => {
      const probe = need[0];
      seen.marker = probe === undefined ? null : readPending(stateDir, probe.key_material);
      return seen.marker;
    });
    if (run._tag !== 'Done' || run.outcome.reason === 'not-a-push') return;
    const { outcome, effects } = run;
    const held = seen.marker;
    const store =
      held === null ? null : held.store !== null ? openLaneStore(held.store, { root: held.store_root, env }) : held.store_root !== '' ? fsLaneStore(held.store_root) : null;
    await withTimeout(
      Promise.all(
        effects.map(async (e) => {
          if (e._tag === 'ReleaseLane' && store !== null) await store.release(e.lane, e.instance)();
          if (e._tag === 'DeletePending') deletePending(stateDir, e.key_material);
        }),
      ),
      Math.min(PG.NET_TIMEOUT_MS, PG.GATE_WATCHDOG_MS - sinceStartMs() - 100),
      undefined,
    );
    const p = PG.decodeAgentPayload(payload);
    recordDecision({
      startDir: p?.cwd?.startsWith('/') ? p.cwd : cwd,
      env,
      policy: PG.RELEASE_POLICY,
      policyVersion: PG.POLICY_VERSION,
      mode: agentLogMode(agent),
      facts: { agent, session_id: p?.session_id ?? null, command: p?.command ?? null, lanes: outcome.lanes },
      verdict: 'Done',
      reasons: [outcome.reason],
      effects: effects.map((e) => (e._tag === 'ReleaseLane' ? `ReleaseLane:${e.lane}` : 'DeletePending')),
    });
  } catch {
    // silent
  }
};
