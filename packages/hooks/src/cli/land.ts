/**
 * `arbiter land [--onto REF] [--remote R] [--check CMD] [--timeout MIN] [--strategy rebase|merge] [--ttl SEC] [--dry-run]`,
 * `arbiter land status` and `arbiter land cancel` (land.md §8). The kernel's `land` decision names every step; this
 * module runs them: git through `execFile` (never a shell), the lane store's queue and claim, the check command.
 *
 * The check command is the one exception to "no shell": it is the user's own command line (`npm test`,
 * `make check && ./lint`), given with `--check`, and running a command line means running it with `sh -c`. That is
 * the user's explicit request (land.md §8 "The check command"); nothing of ours is ever interpolated into it: the
 * string goes to `sh` as the single argument after `-c`, exactly as given.
 *
 * Die-loud: usage errors exit 2 before anything is read or written; a stop exits 1 after the branch was restored.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import type { LaneStore } from '@arbiter/kernel';
import { land as L, pushGate as PG, runSteps } from '@arbiter/kernel';
import { hostname, nodeGit, repoRuntimeDir, runGit, safeRevArg, sha256Hex, writeJsonAtomic, type Env, type GitRun } from '@arbiter/io-node';
import { recordDecision } from '../decision-record.js';
import { emitNotification } from '../notify/emit.js';
import { probeIdentity, probeRefs, probeRepo, sleep, storeFor, withTimeout } from '../hook/push-gate-probes.js';
import { requireWritableRuntime } from '../state-lock-guard.js';
import { runningDir } from '../hook/land-running.js';

/** Write the running-land marker (land.md §9 LD15, atomic). @returns its path, or null (the land goes on without it). */
const writeRunning = (runtimeDir: string, m: L.RunningLand): string | null => {
  const p = join(runningDir(runtimeDir), `running-${sha256Hex(m.session, 16)}.json`);
  return writeJsonAtomic(p, m) === null ? p : null;
};

/** Remove the marker. Never throws. */
const removeRunning = (path: string | null): void => {
  try {
    if (path !== null) unlinkSync(path);
  } catch {
    // already gone
  }
};

/** Bound on a local git command of the land (rebase and merge can take a while on a big branch), ms. */
const GIT_LOCAL_MS = 120_000;
/** Bound on a fetch or push, ms. */
const GIT_NET_MS = 120_000;
/** Audit records read for the ETA. */
const AUDIT_READ = 200;
/** The audit body a landing posts (land.md §8): its duration is what the next waiter's ETA is built from. */
const landedBody = (ms: number): string => `arbiter land: landed in ${Math.max(0, Math.round(ms))} ms`;
const LANDED_RE = /^arbiter land: landed in (\d+) ms$/;

type Store = LaneStore; // the port includes the queue (LaneStore extends LaneQueue)

/** Options as commander gives them. */
interface LandOptions {
  onto?: string;
  remote?: string;
  check?: string;
  timeout?: string;
  strategy?: string;
  ttl?: string;
  dryRun?: boolean;
}

/** Validated options (land.md §8 LU1–LU3). */
interface Args {
  readonly onto: string | null;
  readonly remote: string | null;
  readonly check: string | null;
  readonly timeoutMin: number;
  readonly strategy: 'rebase' | 'merge';
  readonly ttlMs: number;
  readonly dryRun: boolean;
}

const intArg = (v: string, min: number, max: number): number | null => (/^[0-9]{1,7}$/.test(v) && Number(v) >= min && Number(v) <= max ? Number(v) : null);

/**
 * Check the options (land.md §8 LU1). @returns the validated arguments, or the usage message (exit 2).
 */
export const parseLandArgs = (action: string | undefined, o: LandOptions): Args | { readonly usage: string } => {
  if (action !== undefined && action !== 'status' && action !== 'cancel') return { usage: `unknown land action '${action.slice(0, 40)}' (expected status or cancel, or no action to land)` };
  const timeout = o.timeout === undefined ? L.DEFAULT_CHECK_TIMEOUT_MIN : intArg(o.timeout, L.CHECK_TIMEOUT_MIN, L.CHECK_TIMEOUT_MAX);
  if (timeout === null) return { usage: `--timeout must be a whole number of minutes from ${L.CHECK_TIMEOUT_MIN} to ${L.CHECK_TIMEOUT_MAX}` };
  const strategy = o.strategy ?? 'rebase';
  if (strategy !== 'rebase' && strategy !== 'merge') return { usage: '--strategy must be rebase or merge' };
  const ttl = o.ttl === undefined ? 120 : intArg(o.ttl, 5, 3_600);
  if (ttl === null) return { usage: '--ttl must be a whole number of seconds from 5 to 3600' };
  if (o.onto !== undefined && !(safeRevArg(o.onto) && !o.onto.includes('..') && !o.onto.endsWith('/'))) return { usage: '--onto must be a branch or ref name (no leading -, spaces or control characters)' };
  if (o.remote !== undefined && !safeRevArg(o.remote)) return { usage: '--remote must be a remote name or URL (no leading -, spaces or control characters)' };
  if (o.check !== undefined && o.check.trim() === '') return { usage: '--check must not be blank' };
  if (action !== undefined && (o.check !== undefined || o.dryRun === true || o.timeout !== undefined || o.strategy !== undefined)) {
    return { usage: `land ${action} takes only --onto and --remote` };
  }
  return {
    onto: o.onto === undefined ? null : o.onto.startsWith('refs/') ? o.onto : `refs/heads/${o.onto}`,
    remote: o.remote ?? null,
    check: o.check ?? null,
    timeoutMin: timeout,
    strategy,
    ttlMs: ttl * 1000,
    dryRun: o.dryRun === true,
  };
};

/** Run git in `dir`; an unfinished run reads as exit code -1. */
const git = async (dir: string, args: ReadonlyArray<string>, env: Env, ms = GIT_LOCAL_MS): Promise<GitRun> => {
  const r = await runGit(dir, args, ms, { ...env, GIT_EDITOR: 'true', GIT_SEQUENCE_EDITOR: 'true', GIT_MERGE_AUTOEDIT: 'no' })();
  return r._tag === 'Right' ? r.right : { code: -1, stdout: '', stderr: r.left._tag };
};
const line = (r: GitRun): string | null => (r.code === 0 && r.stdout.trim() !== '' ? r.stdout.trim() : null);

/** Is a rebase, merge, cherry-pick or revert in progress in the work tree at `dir`? */
const busy = async (dir: string, env: Env): Promise<{ rebase: boolean; merge: boolean; any: boolean }> => {
  const paths = await git(dir, ['rev-parse', '--git-path', 'rebase-merge', '--git-path', 'rebase-apply', '--git-path', 'MERGE_HEAD', '--git-path', 'CHERRY_PICK_HEAD', '--git-path', 'REVERT_HEAD'], env);
  const ex = paths.stdout.split('\n').filter((p) => p !== '').map((p) => existsSync(join(dir, p)) || existsSync(p));
  const rebase = ex[0] === true || ex[1] === true;
  const merge = ex[2] === true;
  return { rebase, merge, any: ex.some((x) => x) };
};

/**
 * Put `branch` back on `oid` (land.md §5 LD13): abort what is in progress, check the branch out, reset. A branch
 * that never moved is left alone, so edits made while the land waited are kept.
 */
const restore = async (dir: string, branch: string, oid: string, env: Env): Promise<boolean> => {
  const b = await busy(dir, env);
  const onIt = line(await git(dir, ['symbolic-ref', '--quiet', '--short', 'HEAD'], env)) === branch;
  if (!b.any && onIt && line(await git(dir, ['rev-parse', '--verify', 'HEAD'], env)) === oid) return true;
  if (b.rebase) await git(dir, ['rebase', '--abort'], env);
  if (b.merge) await git(dir, ['merge', '--abort'], env);
  const cur = line(await git(dir, ['symbolic-ref', '--quiet', '--short', 'HEAD'], env));
  if (cur !== branch) await git(dir, ['checkout', '--quiet', branch, '--'], env);
  await git(dir, ['reset', '--hard', '--quiet', oid, '--'], env);
  return line(await git(dir, ['rev-parse', '--verify', 'HEAD'], env)) === oid && line(await git(dir, ['symbolic-ref', '--quiet', '--short', 'HEAD'], env)) === branch;
};

/** Resolve the repository, the queue-capable store and this session's identity, or die (exit 1). */
const context = async (cwd: string, env: Env, a: Args) => {
  const g = nodeGit();
  const repo = await probeRepo(g, cwd, [], env);
  const die = (message: string, reason: string): never => {
    process.stderr.write(`${message}\n`);
    recordDecision({ startDir: cwd, env, policy: L.POLICY, policyVersion: L.POLICY_VERSION, mode: 'cli', facts: {}, verdict: 'Die', reasons: [reason] });
    process.exit(1);
  };
  if (repo.fact.kind !== 'repo' || repo.storeRoot === null) return die(PG.messages.deployNotInRepo(), 'not-a-repo');
  if (repo.fact.config._tag === 'Invalid') return die(PG.messages.deployConfigInvalid(), 'config-invalid');
  const settings = PG.settingsOf(repo.fact.config);
  const store = storeFor(repo.storeRoot, settings, env); // every lane store carries the queue (land.md §2)
  const id = await probeIdentity(g, repo.dir, repo.fact.common_dir, null, env);
  if (!id.ok) return die(PG.messages.deployNoIdentity(), 'identity-unavailable');
  const me: PG.Holder = { handle: id.member, session: id.session, instance: id.instance, host: id.host };
  const top = repo.fact.top;
  const refs = await probeRefs(g, repo.dir, []);
  const remote: string = a.remote ?? refs.default_remote ?? 'origin';
  let onto = a.onto;
  if (onto === null) {
    // the remote's default branch (refs/remotes/<remote>/HEAD), else main
    const head = line(await git(top, ['symbolic-ref', '--quiet', `refs/remotes/${remote}/HEAD`], env));
    const prefix = `refs/remotes/${remote}/`;
    onto = head !== null && head.startsWith(prefix) ? `refs/heads/${head.slice(prefix.length)}` : 'refs/heads/main';
  }
  const lane = PG.laneFor(onto, settings.deploy_refs) ?? `deploy:${onto}`;
  if (!PG.isLaneName(lane)) return die('arbiter land: the target ref cannot name a lane.', 'store-failed');
  return { top, common: repo.fact.common_dir, store, me, remote, onto, lane, runtime: repoRuntimeDir(repo.fact.common_dir, env) };
};
type Ctx = Awaited<ReturnType<typeof context>>;

const timeoutLeft = { _tag: 'Left' as const, left: { _tag: 'LaneFailure' as const, kind: 'contended' as const, status: 'timeout' } };
/** One store call bounded by `NET_TIMEOUT_MS` (a timeout is `contended`, push-gate.md §5.6). */
const call = <A>(t: () => Promise<{ _tag: 'Left'; left: { kind: 'transport' | 'contended' | 'forbidden' | 'other'; status: string } } | { _tag: 'Right'; right: A }>) =>
  withTimeout(t(), PG.NET_TIMEOUT_MS, timeoutLeft);

/** Recent landing durations on `lane`, ms, newest first (from the audit records landings post). */
const durations = async (store: Store, lane: string): Promise<ReadonlyArray<number>> => {
  const r = await call(store.audit(AUDIT_READ));
  if (r._tag === 'Left') return [];
  return r.right
    .filter((a) => a.kind === 'status' && a.lane === lane && a.body !== null)
    .map((a) => LANDED_RE.exec(a.body as string))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .reverse();
};

/** Run the check command (`sh -c CMD`, the user's own command line) with its output in `log`. */
const runCheck = (cmd: string, cwd: string, log: string, timeoutMs: number, env: Env, onChild: (kill: () => void) => void): Promise<L.CheckFact | 'killed'> =>
  new Promise((res) => {
    let fd: number;
    try {
      mkdirSync(join(log, '..'), { recursive: true });
      fd = openSync(log, 'w', 0o600);
    } catch (e) {
      return res({ _tag: 'Error', detail: `log file: ${(e as NodeJS.ErrnoException).code ?? 'unwritable'}` });
    }
    let timedOut = false;
    let killed = false;
    // its own process group, so a timeout ends the whole command line and not only `sh`
    const child = spawn('sh', ['-c', cmd], { cwd, env, stdio: ['ignore', fd, fd], detached: true });
    const killGroup = (): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    onChild(() => {
      killed = true;
      killGroup();
    });
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      closeSync(fd);
      res({ _tag: 'Error', detail: String((e as NodeJS.ErrnoException).code ?? 'spawn') });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      try {
        closeSync(fd);
      } catch {
        // closed by the error path
      }
      if (killed) return res('killed');
      if (timedOut) return res({ _tag: 'TimedOut' });
      res(code === 0 ? { _tag: 'Passed', head: null } : { _tag: 'Failed', code });
    });
  });

/** The branch's state before land (LD1). */
const probeStart = async (top: string, env: Env): Promise<L.StartFact> => {
  const inside = await git(top, ['rev-parse', '--is-inside-work-tree'], env);
  if (inside.code !== 0) return { ok: false, detail: 'not a work tree' };
  const branch = line(await git(top, ['symbolic-ref', '--quiet', '--short', 'HEAD'], env));
  const head = line(await git(top, ['rev-parse', '--verify', '--quiet', 'HEAD'], env));
  const st = await git(top, ['status', '--porcelain', '--untracked-files=no'], env);
  const b = await busy(top, env);
  return { ok: true, branch, head, clean: st.code === 0 && st.stdout.trim() === '', busy: b.any };
};

/** `arbiter land`: run the kernel's steps with real git and the configured store. */
const runLand = async (a: Args, cwd: string, env: Env): Promise<never> => {
  const c: Ctx = await context(cwd, env, a);
  const { top, store, me, lane } = c;
  const cfg: L.LandConfig = {
    lane,
    remote: c.remote,
    onto: c.onto,
    strategy: a.strategy,
    check: a.check !== null,
    check_timeout_ms: a.timeoutMin * 60_000,
    dry_run: a.dryRun,
    max_attempts: L.MAX_ATTEMPTS,
  };
  const meta = (branch: string) => ({ branch: branch.slice(0, 1_024), ttl_ms: a.ttlMs });
  const err = (s: string): void => void process.stderr.write(`${s}\n`);
  let interrupted = false;
  let killCheck: (() => void) | null = null;
  const onSignal = (): void => {
    interrupted = true;
    killCheck?.();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // land.md §9 LD15: the marker the Stop hook and the coordination block read while this land runs
  const agentSession = env['ARBITER_SESSION'] ?? env['CLAUDE_CODE_SESSION_ID'] ?? env['CODEX_THREAD_ID'] ?? null; // push-gate.md §4 I5: Codex names its session by CODEX_THREAD_ID
  const marker = a.dryRun
    ? null
    : writeRunning(c.runtime, { pid: process.pid, host: hostname(), session: me.session, agent_session: agentSession === me.session ? null : agentSession, lane, onto: c.onto, started_at: Date.now() });
  const state = { branch: '', waited: false, holding: false, fence: 0, grantedAt: 0, log: null as string | null, lastWait: '', durations: [] as ReadonlyArray<number>, durationsAt: 0 };
  // the heartbeat while the lane is ours: the lane lease and the ticket (waiting refreshes the ticket itself, LD7)
  const beat = setInterval(() => {
    if (!state.holding) return;
    void call(store.heartbeat(lane, me.instance, state.fence));
    void call(store.enqueue(lane, me, meta(state.branch)));
  }, L.HEARTBEAT_MS);
  beat.unref();
  const look = async (): Promise<L.QueueFact> => {
    const e = await call(store.enqueue(lane, me, meta(state.branch)));
    if (e._tag === 'Left') return { ok: false, kind: e.left.kind };
    const [q, st] = await Promise.all([call(store.queue(lane)), call(store.state(lane, me.session))]);
    if (q._tag === 'Left') return { ok: false, kind: q.left.kind };
    const now = Date.now();
    if (now - state.durationsAt > 15_000) {
      state.durations = await durations(store, lane);
      state.durationsAt = now;
    }
    const view = st._tag === 'Right' ? (st.right.lanes.find((l) => l.lane === lane) ?? null) : null;
    const halts = st._tag === 'Right' ? st.right.halts.filter((h) => h.open).length : 0;
    return { ok: true, ticket: e.right.ticket, refreshed: e.right.refreshed, queue: q.right, lane: view, halts, durations: state.durations };
  };
  const ictx = (): L.MessageContext => ({ branch: state.branch, remote: c.remote, onto: c.onto, log: state.log });
  const answer = async (p: L.Probe): Promise<L.Answer> => {
    const line1 = L.stepLine(p, ictx());
    switch (p._tag) {
      case 'Start': {
        const v = await probeStart(top, env);
        if (v.ok && v.branch !== null) state.branch = v.branch;
        return { _tag: 'Start', value: v };
      }
      case 'Peek': {
        const [q, st] = await Promise.all([call(store.queue(lane)), call(store.state(lane, me.session))]);
        if (q._tag === 'Left') return { _tag: 'Peek', value: { ok: false } };
        const view = st._tag === 'Right' ? (st.right.lanes.find((l) => l.lane === lane) ?? null) : null;
        return { _tag: 'Peek', value: { ok: true, queue: q.right, lane: view, durations: await durations(store, lane) } };
      }
      case 'Backup':
        return { _tag: 'Backup', ok: (await git(top, ['update-ref', '-m', 'arbiter land backup', p.ref, p.oid], env)).code === 0 };
      case 'Enqueue': {
        state.durations = await durations(store, lane);
        state.durationsAt = Date.now();
        return { _tag: 'Enqueue', value: await look() };
      }
      case 'Wait': {
        const w = L.waitLine(p, c.onto);
        if (w !== state.lastWait) err(w);
        state.lastWait = w;
        state.waited = true;
        await sleep(L.pollMs(p.position));
        if (interrupted) return { _tag: 'Interrupted' };
        return { _tag: 'Wait', value: await look() };
      }
      case 'Claim': {
        if (line1 !== null && line1 !== state.lastWait) err(line1);
        state.lastWait = line1 ?? '';
        const r = await call(store.claim(lane, me, { intent: 'push', eta_minutes: L.LAND_LEASE_MIN }));
        if (r._tag === 'Left') return { _tag: 'Claim', value: { _tag: 'Failure', kind: r.left.kind } };
        if (r.right._tag === 'Granted') {
          state.holding = true;
          state.fence = r.right.fence;
          state.grantedAt = Date.now();
          // docs/notify.md §3 T1: the queue handed the lane to this session after it waited its turn
          if (state.waited) emitNotification({ startDir: top, env }, { kind: 'lane-granted', lane, session: me.session, fence: r.right.fence });
          return { _tag: 'Claim', value: { _tag: 'Granted', fence: r.right.fence } };
        }
        return { _tag: 'Claim', value: { _tag: 'Held', holder_handle: r.right.holder_handle } };
      }
      case 'Fetch': {
        if (line1 !== null) err(line1);
        const f = await git(top, ['fetch', '--quiet', '--no-tags', '--', p.remote, p.ref], env, GIT_NET_MS);
        if (interrupted) return { _tag: 'Interrupted' };
        if (f.code !== 0) {
          // a ref the remote lacks is "target missing", not a failure of the fetch
          return { _tag: 'Fetch', value: /couldn't find remote ref/i.test(f.stderr) ? { ok: true, tip: null } : { ok: false, detail: f.stderr.slice(0, 200) } };
        }
        return { _tag: 'Fetch', value: { ok: true, tip: line(await git(top, ['rev-parse', '--verify', 'FETCH_HEAD^{commit}'], env)) } };
      }
      case 'Integrate': {
        if (line1 !== null) err(line1);
        // always from the branch as it was before land, so a retry never stacks merges or replays twice; on the first
        // attempt the tree must still be clean (someone may have edited it while the land waited)
        const cur = line(await git(top, ['rev-parse', '--verify', 'HEAD'], env));
        if (cur === p.base) {
          const st = await git(top, ['status', '--porcelain', '--untracked-files=no'], env);
          if (st.code !== 0 || st.stdout.trim() !== '') return { _tag: 'Integrate', value: { _tag: 'Failed', detail: 'the work tree changed while the land waited' } };
        } else await git(top, ['reset', '--hard', '--quiet', p.base, '--'], env);
        const r = p.strategy === 'rebase' ? await git(top, ['rebase', '--quiet', p.onto], env) : await git(top, ['merge', '--quiet', '--no-edit', '--no-ff', p.onto], env);
        if (r.code !== 0) {
          const b = await busy(top, env);
          if (b.rebase) await git(top, ['rebase', '--abort'], env);
          if (b.merge) await git(top, ['merge', '--abort'], env);
          return { _tag: 'Integrate', value: b.rebase || b.merge || /conflict/i.test(r.stdout + r.stderr) ? { _tag: 'Conflict' } : { _tag: 'Failed', detail: r.stderr.slice(0, 200) } };
        }
        if (interrupted) return { _tag: 'Interrupted' };
        const head = line(await git(top, ['rev-parse', '--verify', 'HEAD'], env));
        return { _tag: 'Integrate', value: head === null ? { _tag: 'Failed', detail: 'no HEAD' } : { _tag: 'Integrated', commit: head } };
      }
      case 'Check': {
        const stamp = new Date().toISOString().replace(/[:.]/g, '-');
        state.log = join(c.runtime, 'land', `check-${stamp}-${process.pid}.log`);
        const l = L.stepLine(p, ictx());
        if (l !== null) err(l);
        const r = await runCheck(a.check as string, top, state.log, p.timeout_ms, env, (k) => (killCheck = k));
        killCheck = null;
        if (r === 'killed' || interrupted) return { _tag: 'Interrupted' };
        if (r._tag !== 'Passed') return { _tag: 'Check', value: r };
        // the tree pushed is the commit checked out when the check ended (LD10)
        return { _tag: 'Check', value: { _tag: 'Passed', head: line(await git(top, ['rev-parse', '--verify', 'HEAD'], env)) } };
      }
      case 'Assert': {
        if (interrupted) return { _tag: 'Interrupted' };
        const st = await call(store.state(lane, me.session));
        if (st._tag === 'Left') return { _tag: 'Assert', value: { ok: false } };
        return { _tag: 'Assert', value: { ok: true, view: st.right.lanes.find((l) => l.lane === lane) ?? null, halts: st.right.halts.filter((h) => h.open).length } };
      }
      case 'Push': {
        if (line1 !== null) err(line1);
        // the session travels with the push so an installed pre-push hook sees this session, which holds the lane
        const pushEnv = PG.SESSION_ID_RE.test(me.session) ? { ...env, ARBITER_SESSION: me.session } : env;
        const r = await git(top, ['push', '--porcelain', `--force-with-lease=${p.ref}:${p.lease}`, '--', p.remote, `${p.commit}:${p.ref}`], pushEnv, GIT_NET_MS);
        if (r.code === 0) return { _tag: 'Push', value: { _tag: 'Pushed' } };
        const out = `${r.stdout}\n${r.stderr}`;
        if (/stale info|fetch first|non-fast-forward/.test(out)) return { _tag: 'Push', value: { _tag: 'LeaseRejected' } };
        if (/rejected/.test(out)) return { _tag: 'Push', value: { _tag: 'Rejected', detail: out.slice(0, 200) } };
        return { _tag: 'Push', value: { _tag: 'Failed', detail: out.slice(0, 200) } };
      }
    }
  };
  const started = Date.now();
  const run = await runSteps(L.driver, L.initialFacts(cfg, { instance: me.instance, session: me.session }), (p) => answer(p));
  clearInterval(beat);
  removeRunning(marker);
  const outcome: L.Outcome = run._tag === 'Done' ? run.outcome : { _tag: 'Stopped', reason: 'interrupted' };
  // a broken step rule (the step bound) ends like an interruption: the kernel names the stop's effects
  const end = run._tag === 'Done' ? run : L.landStep({ ...run.facts, interrupted: true });
  const effects: ReadonlyArray<L.Effect> = end._tag === 'Done' ? end.effects : [];
  let restored: boolean | null = null;
  for (const e of effects) {
    switch (e._tag) {
      case 'Restore':
        restored = await restore(top, e.branch, e.oid, env);
        break;
      case 'Release':
        state.holding = false;
        await call(store.release(e.lane, me.instance));
        break;
      case 'Dequeue':
        await call(store.dequeue(e.lane, me.instance));
        break;
      case 'DeleteBackup':
        await git(top, ['update-ref', '-d', e.ref], env);
        break;
      case 'RecordLanding':
        await call(store.post({ body: landedBody(Date.now() - state.grantedAt), lane: e.lane, by: me }));
        break;
    }
  }
  const msg = L.outcomeMessage(outcome, ictx());
  (outcome._tag === 'Stopped' ? process.stderr : process.stdout).write(`${msg}\n`);
  if (restored === false) err(`arbiter land: the branch could not be restored automatically; its commit before land is kept in ${L.backupRef(state.branch)} (git reset --hard ${L.backupRef(state.branch)}).`);
  recordDecision({
    startDir: top,
    env,
    policy: L.POLICY,
    policyVersion: L.POLICY_VERSION,
    mode: 'cli',
    facts: { lane, onto: c.onto, remote: c.remote, strategy: a.strategy, check: a.check !== null, dry_run: a.dryRun, attempts: run.facts.attempts.length, fence: run.facts.fence ?? null, duration_ms: Date.now() - started },
    verdict: outcome._tag,
    reasons: [outcome.reason],
    effects: effects.map((e) => e._tag),
  });
  process.exit(L.exitCode(outcome) === 0 && restored !== false ? 0 : 1);
};

/** `arbiter land status`: the queue of the target's lane and who holds the lane. */
const runStatus = async (a: Args, cwd: string, env: Env): Promise<never> => {
  const c = await context(cwd, env, a);
  const [q, st] = await Promise.all([call(c.store.queue(c.lane)), call(c.store.state(c.lane, c.me.session))]);
  if (q._tag === 'Left') {
    process.stderr.write(`${PG.messages.laneStoreFailed(q.left.kind)}\n`);
    process.exit(1);
  }
  const view = st._tag === 'Right' ? (st.right.lanes.find((l) => l.lane === c.lane) ?? null) : null;
  process.stdout.write(`${L.statusLines(c.lane, q.right, view, c.me.instance).join('\n')}\n`);
  process.exit(0);
};

/** `arbiter land cancel`: withdraw this session's ticket (a running land then stops with `ticket-lost`). */
const runCancel = async (a: Args, cwd: string, env: Env): Promise<never> => {
  const c = await context(cwd, env, a);
  const r = await call(c.store.dequeue(c.lane, c.me.instance));
  if (r._tag === 'Left') {
    process.stderr.write(`${PG.messages.laneStoreFailed(r.left.kind)}\n`);
    process.exit(1);
  }
  process.stdout.write(`${L.cancelMessage(c.lane, r.right._tag === 'Dequeued')}\n`);
  recordDecision({ startDir: c.top, env, policy: L.POLICY, policyVersion: L.POLICY_VERSION, mode: 'cli', facts: { lane: c.lane }, verdict: 'Ok', reasons: [r.right._tag === 'Dequeued' ? 'cancelled' : 'not-queued'] });
  process.exit(0);
};

/** Register `land`. */
export const register = (program: Command): void => {
  program
    .command('land [action]')
    .description('land the current branch through the queue of the target\'s lane: wait your turn, rebase, check, push with a lease (action: status, cancel)')
    .option('--onto <ref>', 'target branch or ref on the remote (default: the remote\'s default branch, else main)')
    .option('--remote <name>', 'remote to fetch from and push to (default: the branch\'s push remote, else origin)')
    .option('--check <command>', 'command line run with sh -c on exactly the tree to be pushed; non-zero exit stops the land')
    .option('--timeout <minutes>', `bound on the check (${L.CHECK_TIMEOUT_MIN}–${L.CHECK_TIMEOUT_MAX}, default ${L.DEFAULT_CHECK_TIMEOUT_MIN})`)
    .option('--strategy <s>', 'rebase (default) or merge')
    .option('--ttl <seconds>', 'how long the ticket outlives this process\'s last heartbeat (5–3600, default 120)')
    .option('--dry-run', 'show the position this land would take; change nothing')
    .action(async (action: string | undefined, o: LandOptions) => {
      const a = parseLandArgs(action, o);
      if ('usage' in a) {
        process.stderr.write(`arbiter: ${a.usage}\n`);
        process.exit(2);
      }
      const env = process.env;
      if (action === 'status') return runStatus(a, process.cwd(), env);
      await requireWritableRuntime(process.cwd(), env); // state-lock.md §8: writing verbs die loud when disabled
      if (action === 'cancel') return runCancel(a, process.cwd(), env);
      return runLand(a, process.cwd(), env);
    });
};
