/**
 * `arbiter deploy [--lane] [--eta] [--break-glass [--reason]]` (push-gate.md §10) and
 * `arbiter lane status|claim|release [--force]|halt|unhalt` (push-gate.md §11). Die-loud: a confirmed conflict or a store
 * failure exits 1 with one fixed message on stderr; a usage error (a bad `--eta`, `--session` or `--reason`) exits 2
 * before anything is read, written or logged; success prints on stdout and exits 0.
 */
import { Command } from 'commander';
import type { LaneStore } from '@arbiter/kernel';
import { pushGate as PG, runSteps } from '@arbiter/kernel';
import { nodeGit, type Env } from '@arbiter/io-node';
import { recordDecision } from '../decision-record.js';
import { probeCompat, probeIdentity, probeRefs, probeRepo, storeFor, withTimeout, type GateRepo } from '../hook/push-gate-probes.js';
import { requireWritableRuntime } from '../state-lock-guard.js';
import { emitNotification } from '../notify/emit.js';

/** Status of the latest lane-store failure of this process (push-gate.md §5.6: adapter detail), for the hint below. */
let lastStoreStatus: string | null = null;

const finishCli = (o: PG.CliOutcome, policy: string, facts: Record<string, unknown>, env: Env, startDir: string): never => {
  (o.stream === 'stdout' ? process.stdout : process.stderr).write(`${o.message}\n`);
  // push-gate.md §5.7 PS3: a store failure that has a known fix (an unmigrated PostgreSQL schema, an unset URL
  // variable) says so on a second line; the kernel's message stays the fixed one
  if (o.code !== 0 && lastStoreStatus !== null && /arbiter db migrate| is not set$/.test(lastStoreStatus)) process.stderr.write(`arbiter: lane store: ${lastStoreStatus}\n`);
  recordDecision({ startDir, env, policy, policyVersion: PG.POLICY_VERSION, mode: 'cli', facts, verdict: o.code === 0 ? 'Ok' : 'Die', reasons: [o.reason] });
  process.exit(o.code);
};

/**
 * A usage error found before anything runs (push-gate.md §10 V3; C-BADARG of push-gate.md §11): print it on stderr
 * and exit 2, with no store, repository or decision-log access (a mistyped command changes and records nothing).
 * `null` passes.
 */
const exitOnUsageError = (o: PG.CliOutcome | null): void => {
  if (o === null) return;
  process.stderr.write(`${o.message}\n`);
  process.exit(o.code);
};

const timeoutLeft = { _tag: 'Left' as const, left: { _tag: 'LaneFailure' as const, kind: 'contended' as const, status: 'timeout' } };
const call = async <A>(t: () => Promise<{ _tag: 'Left'; left: { kind: string; status: string } } | { _tag: 'Right'; right: A }>) => {
  const r = await withTimeout(t(), PG.NET_TIMEOUT_MS, timeoutLeft);
  if (r._tag === 'Left') lastStoreStatus = r.left.status;
  return r;
};

/** Run the deploy step function with the Node adapters. */
export const runDeploy = async (args: { lane: string | null; eta: string | null; breakGlass: boolean; reason: string | null; printEnv?: boolean }, cwd: string, env: Env): Promise<never> => {
  const git = nodeGit();
  const facts: PG.DeployFacts = { lane_arg: args.lane, eta_arg: args.eta, break_glass: args.breakGlass, reason: args.reason };
  const ctx: { repo: GateRepo | null; store: LaneStore | null; lane: string | null } = { repo: null, store: null, lane: null };
  const answer = async (p: PG.DeployProbe, cur: PG.DeployFacts): Promise<PG.DeployProbeAnswer> => {
    switch (p._tag) {
      case 'repo': {
        const r = await probeRepo(git, cwd, [], env);
        ctx.repo = r;
        if (r.storeRoot !== null && r.fact.kind === 'repo') ctx.store = storeFor(r.storeRoot, PG.settingsOf(r.fact.config), env);
        return { _tag: 'repo', value: r.fact };
      }
      case 'refs': {
        const r = await probeRefs(git, ctx.repo?.dir ?? cwd, []);
        return { _tag: 'refs', value: { current_branch: r.head_branch, head_oid: r.head_oid, default_remote: r.default_remote } };
      }
      case 'identity':
        return { _tag: 'identity', value: await probeIdentity(git, ctx.repo?.dir ?? cwd, cur.repo?.kind === 'repo' ? cur.repo.common_dir : '', null, env) };
      case 'force-release': {
        const store = ctx.store;
        if (store === null) return { _tag: 'force-release', value: { _tag: 'Failure', kind: 'other' } };
        const r = await call(store.forceRelease(p.lane, p.by, p.reason));
        return { _tag: 'force-release', value: r._tag === 'Right' ? r.right : { _tag: 'Failure', kind: r.left.kind } };
      }
      case 'claim': {
        const store = ctx.store;
        const id = cur.identity;
        ctx.lane = p.lane;
        if (store === null || id === undefined || !id.ok) return { _tag: 'claim', value: { _tag: 'Failure', kind: 'other', status: 'no-store' } };
        const r = await call(store.claim(p.lane, { handle: id.member, session: id.session, instance: id.instance, host: id.host }, p.meta));
        return { _tag: 'claim', value: r._tag === 'Right' ? r.right : { _tag: 'Failure', kind: r.left.kind as 'other', status: 'cli' } };
      }
      case 'compat':
        return { _tag: 'compat', value: await probeCompat(git, ctx.repo?.dir ?? cwd, p, 'agent', cur.repo?.kind === 'repo' ? cur.repo.shallow : false) };
    }
  };
  const run = await runSteps(PG.deployDriver, facts, (need, cur) => Promise.all(need.map((p) => answer(p, cur))));
  if (run._tag !== 'Done') {
    return finishCli({ _tag: 'Exit', code: 1, stream: 'stderr', message: 'arbiter: internal limit reached.', reason: 'plan-limit' }, PG.DEPLOY_POLICY, {}, env, cwd);
  }
  const f = run.facts;
  const store = ctx.store;
  for (const e of run.effects) if (store !== null) await call(store.post({ body: e.body, lane: e.lane, by: e.by }));
  // --print-env (push-gate.md §11.1): the fence goes where the action happens; stdout holds only the env line
  const outcome = args.printEnv === true && run.outcome.code === 0 && f.claim?._tag === 'Granted' && ctx.lane !== null ? { ...run.outcome, stream: 'stderr' as const } : run.outcome;
  if (outcome !== run.outcome && f.claim?._tag === 'Granted' && ctx.lane !== null) process.stdout.write(`${PG.fenceEnvLine(ctx.lane, f.claim.fence)}\n`);
  return finishCli(outcome, PG.DEPLOY_POLICY, { lane_arg: args.lane, eta: args.eta, break_glass: args.breakGlass, reason: args.reason, claim: f.claim ?? null, compat: f.compat ?? null }, env, ctx.repo?.dir ?? cwd);
};

/** Resolve repo, store and identity for a lane verb, or die. */
const laneContext = async (cwd: string, env: Env) => {
  const git = nodeGit();
  const repo = await probeRepo(git, cwd, [], env);
  const die = (o: PG.CliOutcome) => finishCli(o, PG.LANE_CLI_POLICY, {}, env, cwd);
  if (repo.fact.kind !== 'repo' || repo.storeRoot === null) return die({ _tag: 'Exit', code: 1, stream: 'stderr', message: PG.messages.deployNotInRepo(), reason: 'not-a-repo' });
  if (repo.fact.config._tag === 'Invalid') return die({ _tag: 'Exit', code: 1, stream: 'stderr', message: PG.messages.deployConfigInvalid(), reason: 'config-invalid' });
  const settings = PG.settingsOf(repo.fact.config);
  const store = storeFor(repo.storeRoot, settings, env);
  const id = await probeIdentity(git, repo.dir, repo.fact.common_dir, null, env);
  if (!id.ok) return die({ _tag: 'Exit', code: 1, stream: 'stderr', message: PG.messages.deployNoIdentity(), reason: 'identity-unavailable' });
  const me: PG.Holder = { handle: id.member, session: id.session, instance: id.instance, host: id.host };
  const laneOf = async (arg: string | undefined): Promise<string> => {
    const branch = arg === undefined ? (await probeRefs(git, repo.dir, [])).head_branch : null; // the branch only decides when no lane is named
    const l = PG.laneArg(arg ?? null, branch, repo.fact.kind === 'repo' ? repo.fact.config : { _tag: 'NotConfigured' });
    return 'lane' in l ? l.lane : die(l);
  };
  const done = (o: PG.CliOutcome, facts: Record<string, unknown> = {}) => finishCli(o, PG.LANE_CLI_POLICY, facts, env, repo.dir);
  return { repo, store, me, laneOf, done, settings };
};

/** Register `deploy` and `lane`. */
export const register = (program: Command): void => {
  program
    .command('deploy')
    .description('claim the deploy lane of the current branch (or --lane) and check HEAD against the remote')
    .option('--lane <name>', 'lane name, or a branch name (deploy:refs/heads/<name>)')
    .option('--eta <minutes>', 'lease in minutes (1–1440)')
    .option('--break-glass', 'force-release the lane first (owners only; audited)')
    .option('--reason <text>', 'reason recorded with --break-glass')
    .option('--print-env', 'print ARBITER_LANE=… ARBITER_FENCE=… on stdout (the message goes to stderr)')
    .action(async (o: { lane?: string; eta?: string; breakGlass?: boolean; reason?: string; printEnv?: boolean }) => {
      exitOnUsageError(PG.etaArg(o.eta));
      const env = process.env;
      await requireWritableRuntime(process.cwd(), env); // state-lock.md §8: writing verbs die loud when disabled
      await runDeploy(
        {
          lane: o.lane ?? null,
          eta: o.eta ?? null,
          breakGlass: o.breakGlass === true || env['ARBITER_BREAK_GLASS'] === '1',
          reason: o.reason ?? env['ARBITER_BREAK_GLASS_REASON'] ?? null,
          printEnv: o.printEnv === true,
        },
        process.cwd(),
        env,
      );
    });
  const lane = program.command('lane').description('deploy lanes: status, claim, release, halt, unhalt');
  lane
    .command('status [lane]')
    .description('lanes, halts directed at this session, recent audit records')
    .action(async (name: string | undefined) => {
      const c = await laneContext(process.cwd(), process.env);
      const st = await call(c.store.state(name === undefined ? 'all' : await c.laneOf(name), c.me.session));
      if (st._tag === 'Left') return c.done({ _tag: 'Exit', code: 1, stream: 'stderr', message: PG.messages.laneStoreFailed(st.left.kind), reason: 'store-failed' });
      const au = await call(c.store.audit(10));
      const now = Date.now();
      const audit = au._tag === 'Right' ? au.right.map((a) => ({ kind: a.kind, lane: a.lane, by_handle: a.by_handle, age_sec: Math.max(0, (now - a.at) / 1000) })) : [];
      process.stdout.write(PG.laneStatusLines(st.right, audit).join('\n') + '\n');
      return c.done({ _tag: 'Exit', code: 0, stream: 'stdout', message: `arbiter: ${st.right.lanes.length} lane(s).`, reason: 'status' });
    });
  lane
    .command('claim [lane]')
    .option('--eta <minutes>', 'lease in minutes (1–1440)')
    .description('claim (or renew) a lane for this session')
    .action(async (name: string | undefined, o: { eta?: string }) => {
      exitOnUsageError(PG.etaArg(o.eta));
      const eta = o.eta === undefined ? null : PG.parseEta(o.eta);
      await requireWritableRuntime(process.cwd(), process.env);
      const c = await laneContext(process.cwd(), process.env);
      const l = await c.laneOf(name);
      const st = await call(c.store.state(l, c.me.session));
      if (st._tag === 'Left') return c.done({ _tag: 'Exit', code: 1, stream: 'stderr', message: PG.messages.laneStoreFailed(st.left.kind), reason: 'store-failed' });
      const v = st.right.lanes[0];
      if (v?.holder !== null && v?.holder !== undefined && v.holder.instance === c.me.instance && !v.expired) {
        const hb = await call(c.store.heartbeat(l, c.me.instance, v.fence));
        if (hb._tag === 'Left') return c.done(PG.laneClaimOutcome(l, { _tag: 'Failure', kind: hb.left.kind as 'other', status: 'cli' }));
        return c.done(PG.laneClaimOutcome(l, hb.right._tag === 'Ok' ? { _tag: 'Ok', fence: v.fence } : hb.right), { lane: l });
      }
      const r = await call(c.store.claim(l, c.me, { intent: 'deploy', eta_minutes: eta ?? c.settings.lease_minutes }));
      return c.done(PG.laneClaimOutcome(l, r._tag === 'Right' ? r.right : { _tag: 'Failure', kind: r.left.kind as 'other', status: 'cli' }), { lane: l });
    });
  lane
    .command('release [lane]')
    .option('--force', 'owners only: release whoever holds it (audited)')
    .option('--reason <text>', 'reason recorded with --force')
    .description('release a lane held by this session')
    .action(async (name: string | undefined, o: { force?: boolean; reason?: string }) => {
      await requireWritableRuntime(process.cwd(), process.env);
      const c = await laneContext(process.cwd(), process.env);
      const l = await c.laneOf(name);
      const r = o.force === true ? await call(c.store.forceRelease(l, c.me, o.reason === undefined ? null : PG.safeReason(o.reason, 200))) : await call(c.store.release(l, c.me.instance));
      return c.done(PG.laneReleaseOutcome(l, r._tag === 'Right' ? r.right : { _tag: 'Failure', kind: r.left.kind }), { lane: l, force: o.force === true });
    });
  lane
    .command('assert <lane>')
    .requiredOption('--fence <n>', 'the fence the action was granted under')
    .description('exit 0 only while <n> is the lane\'s current fence and its holder is unexpired (run right before acting)')
    .action(async (name: string, o: { fence: string }) => {
      exitOnUsageError(PG.fenceArgError(o.fence));
      const c = await laneContext(process.cwd(), process.env);
      const l = PG.laneFromArg(name);
      const fence = PG.parseFence(o.fence) as number; // valid: checked above
      const st = await call(c.store.state(l, c.me.session));
      const view = st._tag === 'Left' ? { _tag: 'Failure' as const, kind: st.left.kind } : (st.right.lanes.find((v) => v.lane === l) ?? null);
      return c.done(PG.laneAssertOutcome(l, fence, view), { lane: l, fence });
    });
  lane
    .command('heartbeat [lane]')
    .requiredOption('--fence <n>', 'the fence this session holds the lane under')
    .description('renew this session\'s lease on a lane; exit 1 (lost) when it is no longer ours under that fence')
    .action(async (name: string | undefined, o: { fence: string }) => {
      exitOnUsageError(PG.fenceArgError(o.fence));
      await requireWritableRuntime(process.cwd(), process.env);
      const c = await laneContext(process.cwd(), process.env);
      const l = await c.laneOf(name);
      const fence = PG.parseFence(o.fence) as number; // valid: checked above
      const hb = await call(c.store.heartbeat(l, c.me.instance, fence));
      if (hb._tag === 'Left') return c.done(PG.laneClaimOutcome(l, { _tag: 'Failure', kind: hb.left.kind as 'other', status: 'cli' }), { lane: l });
      return c.done(PG.laneClaimOutcome(l, hb.right._tag === 'Ok' ? { _tag: 'Ok', fence } : hb.right), { lane: l, fence });
    });
  lane
    .command('halt')
    .requiredOption('--session <session>', 'the session to halt')
    .requiredOption('--reason <text>', `why (1–${PG.HALT_REASON_MAX} characters)`)
    .description('direct a halt at another session: its pushes are blocked until unhalted')
    .action(async (o: { session: string; reason: string }) => {
      exitOnUsageError(PG.haltArgs(o.session, o.reason));
      await requireWritableRuntime(process.cwd(), process.env);
      const c = await laneContext(process.cwd(), process.env);
      const target = PG.sessionArg(o.session) as string; // valid: haltArgs checked it
      const reason = PG.safeReason(o.reason, PG.HALT_REASON_MAX);
      const r = await call(c.store.halt(target, c.me, reason));
      // docs/notify.md §3 T2: a placed halt is announced (one outbox append and a detached flush; nothing when unconfigured)
      if (r._tag === 'Right' && PG.laneHaltOutcome(target, r.right).code === 0) {
        const conf = c.repo.fact.kind === 'repo' && c.repo.fact.config._tag === 'Configured' ? c.repo.fact.config.config : null;
        emitNotification({ startDir: c.repo.dir, env: process.env, config: conf }, { kind: 'halt', target, by: c.me.handle, reason });
      }
      return c.done(PG.laneHaltOutcome(target, r._tag === 'Right' ? r.right : { _tag: 'Failure', kind: r.left.kind }), { target });
    });
  lane
    .command('unhalt')
    .requiredOption('--session <session>', 'the halted session')
    .description('lift the halts directed at a session (owner or author)')
    .action(async (o: { session: string }) => {
      exitOnUsageError(PG.sessionArgError(o.session));
      await requireWritableRuntime(process.cwd(), process.env);
      const c = await laneContext(process.cwd(), process.env);
      const target = PG.sessionArg(o.session) as string; // a printed, quoted session id is read back (push-gate.md §11); valid: checked above
      if (c.me.session === target) return c.done(PG.laneUnhaltOutcome(c.me.session, target, null));
      const r = await call(c.store.unhalt(target, c.me));
      return c.done(PG.laneUnhaltOutcome(c.me.session, target, r._tag === 'Right' ? r.right : { _tag: 'Failure', kind: r.left.kind }), { target });
    });
};
