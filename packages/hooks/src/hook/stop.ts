/**
 * `arbiter hook stop --agent claude|codex` (hooks.md §6–8): the composite Stop hook.
 *
 * Order (hooks.md §8): read and decode stdin (a decoding failure is kept as a fact) → claim observation
 * (`observeStopClaim`, never blocks) → the build stop decision (`buildStop`, build-stop.md); a Block is rendered and ends the
 * hook, so none of the stop gate's probes run → the stop gate (`stopGate`, stop-gate.md).
 *
 * Output (hooks.md §7 rule 3, build-stop.md §9, stop-gate.md §10): exactly one JSON object plus LF on stdout, exit 0, for both agents: `{}` to
 * allow, `{"decision":"block","reason":…}` to block. Fail-open everywhere: bad stdin, an adapter error, an exception
 * (`hook.internal-error`, one stderr line) or the watchdog all print `{}` and exit 0.
 *
 * The pipeline is `runStopHook(agent, deps)` with injectable ports (tests use io-memory); `stopMain(argv)` wires the
 * Node adapters.
 */
import { statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import {
  buildStop as BS,
  config,
  land as LD,
  sanitizeLine,
  runSteps,
  stateLock,
  stopGate as SG,
  type Http,
  type ProbeAnswer,
  type StateFiles,
} from '@arbiter/kernel';
import { fsStateFiles, gitHistory, gitLsFiles, guardRuntimeDir, logDirFor, nodeHttp, readRepoConfig, readTail, resolveRepo, resolveTmux, type Env } from '@arbiter/io-node';
import { observeStopClaim } from './action-claim-stop.js';
import { agentLogMode } from '@arbiter/kernel/early';
import type { HookMain } from '../invocation.js';
import { armWatchdog, finish, readStdin, type Agent, type StdinResult } from './runtime.js';
import { armBackstop } from './backstop.js';
import { recordDecision } from '../decision-record.js';
import { findRunning } from './land-running.js';

/** Largest stdin accepted, bytes (hooks.md §7 rule 1). */
export const STOP_STDIN_MAX_BYTES = 8 * 1024 * 1024;
/** Stdin read limit, ms (hooks.md §7 rule 1). */
export const STOP_STDIN_TIMEOUT_MS = 5_000;
import { STOP_WATCHDOG_MS } from './watchdogs.js';
export { STOP_WATCHDOG_MS };
/** Hook-level reason codes (hooks.md §7; `hook.*` in the spec). */
export type HookReason = 'internal-error' | 'state-guard-disabled';

/**
 * Input of the claim observer (hooks.md §8 step 3), taken from its signature so that the claims branch's
 * `action-claim-stop.ts` replaces the stub without any change here.
 */
export type StopClaimInput = Parameters<typeof observeStopClaim>[0];

/** A decision-log record produced by the pipeline. */
export interface StopRecord {
  readonly policy: string;
  readonly policyVersion: string;
  readonly verdict: string;
  readonly reasons: ReadonlyArray<string>;
  readonly facts: Record<string, unknown>;
  readonly effects?: ReadonlyArray<string>;
}

/** Everything the pipeline touches, injectable for tests. */
export interface StopDeps {
  readonly stdin: () => Promise<StdinResult>;
  readonly env: Env;
  readonly cwd: string;
  readonly now: () => number;
  /** The repository of a start directory: runtime dir and worktree top-level, or null outside a repository. */
  readonly repo: (startDir: string) => { readonly runtimeDir: string; readonly topLevel: string } | null;
  readonly files: (runtimeDir: string) => StateFiles;
  readonly config: (topLevel: string) => config.ConfigState;
  /**
   * The state-directory guard of state-lock.md §8 (holder `host`) on the repository runtime directory. When it is disabled the
   * state-lock.md §9 warning line has been passed to `stderr`; the hook then prints `{}` and runs no writing decision.
   */
  readonly guard: (runtimeDir: string, cfg: config.ConfigState, stderr: (line: string) => void) => Promise<{ readonly enabled: boolean; readonly release: () => Promise<void> }>;
  readonly http: Http;
  readonly tmux: () => Promise<string>;
  readonly gitFiles: (root: string, timeoutMs: number) => Promise<ProbeAnswer<ReadonlyArray<string>>>;
  readonly gitHistory: (root: string, paths: ReadonlyArray<string>, timeoutMs: number, budgetMs: number) => Promise<ProbeAnswer<ReadonlyArray<SG.PathHistory | null>>>;
  readonly transcriptTail: (path: string, maxBytes: number) => Promise<ProbeAnswer<{ readonly text: string; readonly partial: boolean }>>;
  readonly observeClaim: (input: StopClaimInput) => Promise<void>;
  readonly record: (startDir: string, r: StopRecord) => void;
  /** land.md §9 LD16: the land running for this session in a repository runtime directory, or null (absent: none). */
  readonly landRunning?: (runtimeDir: string, session: string) => LD.RunningLand | null;
}

/** What one run produced: the stdout line, stderr lines, and (for tests) the final reasons. */
export interface StopRun {
  readonly stdout: string;
  readonly stderr: ReadonlyArray<string>;
  readonly decision: 'build-stop' | 'land' | 'stop-gate' | 'hook';
  /** The reason of the final verdict: a build-stop or stop-gate reason, or `internal-error` / `state-guard-disabled`. */
  readonly reason: string;
}

const isDir = (p: string): boolean => {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
};

const answerOf = <A>(e: { _tag: 'Left'; left: { _tag: string; detail: string } } | { _tag: 'Right'; right: A }): ProbeAnswer<A> =>
  e._tag === 'Right' ? { ok: true, value: e.right } : { ok: false, error: { kind: 'failed', detail: `${e.left._tag}: ${e.left.detail}` } };

/** Map an `Http` outcome to the stop gate's probe answer (stop-gate.md §4 failure kinds). */
const httpAnswer = async (deps: StopDeps, req: Parameters<Http['request']>[0]): Promise<ProbeAnswer<string, SG.HttpFailKind>> => {
  const r = await deps.http.request(req)();
  if (r._tag === 'Left') {
    const kind: SG.HttpFailKind = r.left._tag === 'Timeout' ? 'timeout' : r.left._tag === 'TooLarge' ? 'malformed' : 'unreachable';
    return { ok: false, error: { kind, detail: r.left.detail } };
  }
  if (r.right.status < 200 || r.right.status > 299) return { ok: false, error: { kind: 'http-status', detail: `HTTP ${r.right.status}` } };
  return { ok: true, value: r.right.body };
};

/**
 * Run the composite Stop hook once. Never throws and never rejects: any exception ends in `{}` with the
 * `internal-error` stderr line (hooks.md §7 rule 4).
 */
export const runStopHook = async (agent: Agent, deps: StopDeps): Promise<StopRun> => {
  const stderr: string[] = [];
  let startDir = deps.cwd;
  let decision: StopRun['decision'] = 'hook';
  let release: () => Promise<void> = async () => undefined;
  const internal = (e: unknown): StopRun => {
    const msg = sanitizeLine(e instanceof Error ? e.message : String(e), 200);
    stderr.push(`arbiter: internal error in ${decision}: ${msg}`);
    try {
      deps.record(startDir, { policy: decision === 'hook' ? 'stop-hook' : decision, policyVersion: '1.0.0', verdict: 'Allow', reasons: ['internal-error'], facts: { agent, detail: msg } });
    } catch {
      // logging never changes a verdict
    }
    return { stdout: SG.renderStop(null), stderr, decision, reason: 'internal-error' };
  };
  try {
    // hooks.md §8 step 1: read and decode stdin; a failure is a fact.
    const input = await deps.stdin();
    const payload = SG.classifyStdin(input._tag === 'Ok' ? input.text : null);
    const obj: Record<string, unknown> = payload._tag === 'Object' ? { ...payload.value } : {};
    const cwd = obj['cwd'];
    if (typeof cwd === 'string' && cwd !== '' && isAbsolute(cwd) && isDir(cwd)) startDir = cwd;
    const repo = deps.repo(startDir);
    const files = repo === null ? null : deps.files(repo.runtimeDir);
    const cfg: config.ConfigState = repo === null ? { _tag: 'NotConfigured' } : deps.config(repo.topLevel);
    // hooks.md §8 step 2: the state guard (hooks.md §7 rule 5, state-lock.md §8). Disabled → `{}` and no writing decision at all.
    if (repo !== null) {
      const guard = await deps.guard(repo.runtimeDir, cfg, (line) => stderr.push(line));
      release = guard.release;
      if (!guard.enabled) return { stdout: SG.renderStop(null), stderr, decision, reason: 'state-guard-disabled' };
    }
    // hooks.md §8 step 3: claim observation, never blocks.
    try {
      await deps.observeClaim({ payload: obj, agent, startDir, env: deps.env as NodeJS.ProcessEnv, now: deps.now() });
    } catch {
      // observeStopClaim never throws by contract; a broken one still never blocks.
    }
    // hooks.md §8 step 4: build stop.
    decision = 'build-stop';
    const sid = obj['session_id'];
    const hookSession = typeof sid === 'string' ? sid : '';
    const asked: string[] = [];
    const brun = await runSteps(BS.driver, { hookSession, now: deps.now() } as BS.StopFacts, async (probe): Promise<BS.Answer> => {
      asked.push(probe._tag);
      if (probe._tag === 'BuildState') return files === null ? { ok: true, value: null } : answerOf(await files.read(BS.STATE_FILE)());
      return { ok: true, value: await deps.tmux() };
    });
    if (brun._tag === 'RepeatedProbe') throw new Error(`build-stop requested ${brun.key} twice`);
    if (brun._tag !== 'Done') throw new Error('build-stop exceeded its step limit');
    const bstep = brun;
    const bv = bstep.outcome;
    const bEffects: string[] = [];
    for (const e of bstep.effects) {
      if (e._tag === 'BuildStatePatch' && files !== null) {
        const now = deps.now();
        const r = await files.update<BS.PatchResult>(BS.STATE_FILE, (cur) => {
          const p = BS.applyPatch(cur, e, now);
          return { next: p._tag === 'Applied' ? p.text : null, result: p };
        })();
        if (r._tag === 'Left') {
          stderr.push(`arbiter: build state patch failed: ${r.left._tag} ${sanitizeLine(r.left.detail, 100)}`);
          bEffects.push('BuildStatePatch:failed');
        } else if (r.right._tag === 'Dropped') {
          stderr.push(`arbiter: build state patch dropped: ${r.right.detail}`);
          deps.record(startDir, { policy: BS.POLICY, policyVersion: BS.POLICY_VERSION, verdict: 'patch-dropped', reasons: ['patch-dropped'], facts: { detail: r.right.detail } });
          bEffects.push('BuildStatePatch:dropped');
        } else bEffects.push('BuildStatePatch');
      } else if (e._tag === 'Audit') {
        deps.record(startDir, { policy: BS.POLICY, policyVersion: BS.POLICY_VERSION, verdict: 'reinforce', reasons: ['reinforce'], facts: { ...e } });
        bEffects.push('Audit');
      }
    }
    deps.record(startDir, {
      policy: BS.POLICY,
      policyVersion: BS.POLICY_VERSION,
      verdict: bv._tag,
      reasons: [...bv.reasons],
      facts: { agent, session_id: hookSession, probes: asked, in_repository: repo !== null },
      effects: bEffects,
    });
    if (bv._tag === 'Block') return { stdout: SG.renderStop(bv.message), stderr, decision, reason: bv.reasons[0] };
    // land.md §9 LD16: a land running in this session owns it like a build: the session keeps working until it ends.
    decision = 'land';
    const landing = repo === null || deps.landRunning === undefined ? null : deps.landRunning(repo.runtimeDir, hookSession);
    if (landing !== null) {
      deps.record(startDir, { policy: LD.POLICY, policyVersion: LD.POLICY_VERSION, verdict: 'Block', reasons: ['land-running'], facts: { agent, session_id: hookSession, pid: landing.pid, lane: landing.lane } });
      return { stdout: SG.renderStop(LD.stopReason(landing)), stderr, decision, reason: 'land-running' };
    }
    // hooks.md §8 step 5: the stop gate.
    decision = 'stop-gate';
    const { settings, warnings } = config.stopGateSettings(cfg, deps.env['ARBITER_AUTHORITY_TOKEN']);
    for (const w of warnings) stderr.push(`arbiter: ${w}`);
    const gAsked: string[] = [];
    const headers = (json: boolean): Record<string, string> => ({
      accept: 'application/json',
      ...(json ? { 'content-type': 'application/json' } : {}),
      ...(settings.authority?.token ? { authorization: `Bearer ${settings.authority.token}` } : {}),
    });
    const grun = await runSteps(SG.driver, { payload, settings, now: deps.now() } as SG.GateFacts, async (p): Promise<SG.Answer> => {
      gAsked.push(p._tag);
      switch (p._tag) {
        case 'GateState':
          return files === null ? { ok: true, value: null } : answerOf(await files.read(SG.GATE_FILE)());
        case 'ContinueCount':
          return files === null ? { ok: true, value: null } : answerOf(await files.read(SG.CONTINUES_FILE)());
        case 'HotPath':
          return httpAnswer(deps, { method: 'GET', url: p.url, headers: headers(false), timeoutMs: p.timeoutMs, maxBodyBytes: SG.HTTP_BODY_MAX_BYTES });
        case 'GitFiles':
          return repo === null ? { ok: true, value: [] } : deps.gitFiles(repo.topLevel, p.timeoutMs);
        case 'GitHistory':
          return repo === null ? { ok: true, value: [] } : deps.gitHistory(repo.topLevel, p.paths, p.timeoutMs, p.budgetMs);
        case 'TranscriptTail':
          return deps.transcriptTail(p.path, p.maxBytes);
        case 'Evaluate':
          return httpAnswer(deps, { method: 'POST', url: p.url, headers: headers(true), body: JSON.stringify(p.body), timeoutMs: p.timeoutMs, maxBodyBytes: SG.HTTP_BODY_MAX_BYTES });
      }
    });
    if (grun._tag === 'RepeatedProbe') throw new Error(`stop-gate requested ${grun.key} twice`);
    if (grun._tag !== 'Done') throw new Error('stop-gate exceeded its step limit');
    const gstep = grun;
    const gv = gstep.outcome;
    const gEffects: string[] = [];
    for (const e of gstep.effects) {
      if (e._tag === 'ContinueIncrement') {
        if (files === null) continue;
        const r = await files.update(SG.CONTINUES_FILE, (cur) => {
          const next = SG.incrementContinue(cur, e.session, e.at);
          return { next, result: next !== null };
        })();
        if (r._tag === 'Left' || !r.right) {
          stderr.push(`arbiter: stop gate continue count not recorded${r._tag === 'Left' ? `: ${r.left._tag}` : ' (counter file unreadable)'}`);
          gEffects.push('ContinueIncrement:failed');
        } else gEffects.push('ContinueIncrement');
      } else {
        deps.record(startDir, { policy: SG.POLICY, policyVersion: SG.POLICY_VERSION, verdict: e.reason, reasons: [e.reason], facts: { failOpen: e.failOpen, ...e.details } });
        gEffects.push(`Audit:${e.reason}`);
      }
    }
    deps.record(startDir, {
      policy: SG.POLICY,
      policyVersion: SG.POLICY_VERSION,
      verdict: gv._tag,
      reasons: [...gv.reasons],
      facts: { agent, session_id: SG.sessionOf(obj) ?? '', payload: payload._tag, probes: gAsked, ...(gv._tag === 'Allow' ? { failOpen: gv.failOpen } : {}) },
      effects: gEffects,
    });
    return { stdout: SG.renderStop(gv._tag === 'Block' ? gv.message : null), stderr, decision, reason: gv.reasons[0] };
  } catch (e) {
    return internal(e);
  } finally {
    try {
      await release();
    } catch {
      // the host holder never removes the lock; a failed release changes nothing
    }
  }
};

/** Real entry point: parse argv, arm the watchdog, run with the Node adapters, print one JSON object, exit 0. */
export const stopMain: HookMain = async (inv, input = {}) => {
  let printed = false;
  const print = (stdout: string, stderr = ''): never => {
    if (printed) process.exit(0);
    printed = true;
    return finish({ code: 0, stdout, stderr });
  };
  armWatchdog(STOP_WATCHDOG_MS, () => {
    if (!printed) {
      printed = true;
      finish({ code: 0, stdout: '{}\n', stderr: 'arbiter: stop hook watchdog fired; allowing\n' });
    }
  });
  const agent = inv.agent;
  if (agent === null) return print('{}\n', 'arbiter: hook stop needs --agent claude|codex; allowing\n');
  armBackstop(STOP_WATCHDOG_MS, 'hook stop'); // git, builds, commitments: bounded even if the event loop blocks
  const env = process.env;
  // One log directory per start directory (resolving it walks the file system; the hook records several entries).
  const logDirs = new Map<string, string>();
  const logDir = (startDir: string): string => {
    let d = logDirs.get(startDir);
    if (d === undefined) {
      d = logDirFor(startDir, env);
      logDirs.set(startDir, d);
    }
    return d;
  };
  const run = await runStopHook(agent, {
    stdin: () => (input.stdin !== undefined ? Promise.resolve(input.stdin) : readStdin(STOP_STDIN_MAX_BYTES, STOP_STDIN_TIMEOUT_MS)),
    env,
    cwd: process.cwd(),
    now: Date.now,
    repo: (d) => {
      const r = resolveRepo(d, env);
      if (r !== null) logDirs.set(d, join(r.runtimeDir, 'log')); // what logDirFor(d) would resolve again
      return r;
    },
    files: (dir) => fsStateFiles(dir),
    landRunning: (dir, session) => findRunning(dir, session, Date.now()),
    config: readRepoConfig,
    guard: async (dir, cfg, line) => {
      const g = await guardRuntimeDir(dir, {
        config: cfg,
        stderr: line,
        // an event of the state-directory guard, which no verdict of this run records: `audit_of` null
        onAudit: (e) =>
          recordDecision({ startDir: process.cwd(), env, logDir: join(dir, 'log'), policy: stateLock.POLICY, policyVersion: stateLock.POLICY_VERSION, mode: agentLogMode(agent), facts: { ...e }, verdict: e.code, reasons: [e.code], audit_of: null }),
      });
      return { enabled: g.status.enabled, release: g.release };
    },
    http: nodeHttp,
    tmux: () => resolveTmux(env),
    gitFiles: gitLsFiles,
    gitHistory: (root, paths, t, b) => gitHistory(root, paths, t, b),
    transcriptTail: async (path, max) => readTail(path, max),
    observeClaim: observeStopClaim,
    record: (startDir, r) =>
      recordDecision({
        startDir,
        env,
        logDir: logDir(startDir),
        policy: r.policy,
        policyVersion: r.policyVersion,
        mode: agentLogMode(agent),
        facts: r.facts,
        verdict: r.verdict,
        reasons: r.reasons,
        effects: r.effects ?? [],
      }),
  });
  return print(run.stdout, run.stderr.map((l) => `${l}\n`).join(''));
};
