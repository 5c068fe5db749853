/**
 * `arbiter hook session-lock acquire|refresh|release --agent claude|codex` (session-lock.md §12).
 *
 * Pipeline H1–H9: watchdog → bounded stdin → decode → read-only filter → resolve state dir, workspace, anchor pid →
 * read–decide–commit loop (at most `CAS_ATTEMPTS` rounds, at most one pid probe per round) → `decide` → render →
 * audit and decision-log entries → exit. Every internal error ends in exit 0 with nothing rendered (session-lock.md §12.6).
 *
 * The pipeline is `runSessionLock(verb, agent, deps)` with injectable ports so tests can count store calls (SL-22)
 * and hang the store (SL-23); `sessionLockMain(argv)` wires the real adapters.
 */
import { sessionLock as SL, config, msToIso, type LockStore, type PidLiveness } from '@arbiter/kernel';
import { agentLogMode } from '@arbiter/kernel/early';
import type { HookInput, HookMain } from '../invocation.js';
import {
  anchorPid,
  runLockLoop,
  findTopLevel,
  fsLockStore,
  hostname,
  pidAlive,
  readRepoConfig,
  resolveStateDir,
  resolveWorkspace,
  type Env,
} from '@arbiter/io-node';
import { ALLOW, armWatchdog, fromRendered, finish, parsePayload, readStdin, str, type Agent, type HookResult, type StdinResult } from './runtime.js';
import { recordDecision } from '../decision-record.js';
import { openRuntimeGuard } from '../state-lock-guard.js';

/** The three hook verbs. */
export type Verb = 'acquire' | 'refresh' | 'release';

/** Everything the pipeline touches, injectable for tests. */
export interface SessionLockDeps {
  readonly stdin: () => Promise<StdinResult>;
  readonly env: Env;
  readonly cwd: string;
  readonly now: () => number;
  readonly hostname: () => string;
  readonly anchorPid: () => number;
  /** Store for a state directory (real: the fs store under `<state dir>/locks`). */
  readonly store: (stateDir: string) => LockStore;
  readonly pidAlive: (pid: number) => Promise<PidLiveness>;
  /** Decision-log and audit sink (real: `recordDecision`). */
  readonly record: (r: {
    startDir: string;
    verdict: string;
    reasons: string[];
    facts: Record<string, unknown>;
    effects?: string[];
    /** Events this run audited, logged with the verdict (each its own entry, `audit_of` = the verdict's id). */
    audits?: ReadonlyArray<{ event: string; facts: Record<string, unknown> }>;
  }) => void;
  /** In-process deadline for the whole pipeline, ms (the process-level watchdog is the backstop). */
  readonly deadlineMs?: number;
}

/** What one pipeline run produced (for tests); the process renders `result`. */
export interface SessionLockRun {
  readonly result: HookResult;
  /** Fail-open detail when the run ended without a kernel result (session-lock.md §13.2). */
  readonly failOpen?: SL.FailOpenDetail;
}

const summary = (s: SL.Snapshot): Record<string, unknown> => ({
  generation: s.generation,
  content: s.content._tag,
  ...(s.content._tag === 'Valid'
    ? {
        holder: {
          session_id: s.content.record.session_id,
          state: s.content.record.state,
          pid: s.content.record.pid,
          hostname: s.content.record.hostname,
          fence: s.content.record.fence,
        },
      }
    : {}),
});

/**
 * Run one session-lock hook invocation against the given ports. Never throws and never rejects: every failure is
 * an allow with a fail-open detail (session-lock.md §12.6).
 */
export const runSessionLock = (verb: Verb, agent: Agent, deps: SessionLockDeps): Promise<SessionLockRun> => {
  let timer: NodeJS.Timeout | undefined;
  let settled = false;
  // Shared with the pipeline, so the watchdog's entry names what the run had learnt (session, workspace) and, when
  // it fired while a commit was in flight, that commit: the lock may then be held by this session (session-lock.md §13.2).
  const facts: Record<string, unknown> = { agent, verb };
  const deadline = new Promise<SessionLockRun>((resolve) => {
    timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      deps.record({ startDir: deps.cwd, verdict: 'Allow', reasons: ['no-result', 'watchdog'], facts: { ...facts } });
      resolve({ result: ALLOW, failOpen: 'watchdog' });
    }, deps.deadlineMs ?? SL.LOCK_WATCHDOG_MS - 100);
    timer.unref();
  });
  // After the deadline the pipeline may still finish in the background: it must not log a second verdict.
  const work = pipeline(verb, agent, facts, { ...deps, record: (r) => (settled ? undefined : deps.record(r)) }).then((r) => {
    settled = true;
    clearTimeout(timer);
    return r;
  });
  return Promise.race([work, deadline]);
};

const pipeline = async (verb: Verb, agent: Agent, facts: Record<string, unknown>, deps: SessionLockDeps): Promise<SessionLockRun> => {
  let startDir = deps.cwd;
  const failOpen = (detail: SL.FailOpenDetail): SessionLockRun => {
    deps.record({ startDir, verdict: 'Allow', reasons: ['no-result', detail], facts });
    return { result: ALLOW, failOpen: detail };
  };
  try {
    // H2–H3
    const input = await deps.stdin();
    if (input._tag !== 'Ok') return failOpen('bad-payload');
    const payload = parsePayload(input.text);
    if (payload === null) return failOpen('bad-payload');
    const sessionId = str(payload, 'session_id');
    if (sessionId === undefined || sessionId === '' || sessionId.length > 256) return failOpen('no-session');
    const cwd = str(payload, 'cwd');
    if (cwd !== undefined && cwd !== '' && cwd.startsWith('/')) startDir = cwd; // W1
    facts['session_id'] = sessionId;
    const toolName = payload['tool_name'];
    if (typeof toolName === 'string') facts['tool_name'] = toolName;
    // H4: read-only tools never touch the store (and are not logged: they are not decisions of this policy).
    if (verb !== 'release' && !SL.isMutatingTool(agent, toolName)) return { result: ALLOW };
    // H5
    const stateDir = resolveStateDir(deps.env);
    const ws = resolveWorkspace(startDir);
    facts['workspace_path'] = ws.path;
    facts['workspace_hash'] = ws.hash;
    const top = findTopLevel(startDir);
    const ttl = config.sessionLockTtl(top === null ? { _tag: 'NotConfigured' } : readRepoConfig(top));
    const caller = { session_id: sessionId, my_pid: deps.anchorPid(), my_hostname: deps.hostname(), ttl_ms: ttl, workspace_hash: ws.hash };
    // H6: the read–decide–commit loop (shared with the simulations)
    const run = await runLockLoop(verb, caller, {
      store: deps.store(stateDir),
      pidAlive: deps.pidAlive,
      now: deps.now,
      onCommit: (inFlight) => {
        if (inFlight === null) delete facts['commit_in_flight'];
        else facts['commit_in_flight'] = inFlight;
      },
    });
    facts['rounds'] = run.rounds;
    if (run._tag === 'FailOpen') return failOpen(run.detail);
    facts['snapshot'] = summary(run.snapshot);
    if (run.pidAlive !== undefined) facts['pid_alive'] = run.pidAlive;
    const { outcome, effects } = run;
    // H7: render (acquire only), then H8: audit and log.
    const verdict = verb === 'acquire' ? SL.decide(outcome) : null;
    const result = verdict === null ? ALLOW : fromRendered(SL.render(agent, verdict));
    // architecture.md conventions §6: an audit is a decision-log entry whose verdict is the audited event; it is
    // written with the verdict it belongs to (one append, linked by `audit_of`). Instants in logs are ISO-8601
    // (architecture.md conventions §4).
    const audits = effects.flatMap((e) => {
      if (e._tag !== 'Audit') return [];
      const previous = e.previous === null ? null : { ...e.previous, refreshed_at: msToIso(e.previous.refreshed_at) };
      return [{ event: e.kind, facts: { ...e, previous, at: msToIso(run.now), workspace_path: ws.path } }];
    });
    deps.record({
      startDir,
      ...(audits.length === 0 ? {} : { audits }),
      verdict: verdict?._tag ?? outcome._tag,
      reasons: verdict !== null ? [...verdict.reasons] : outcome._tag === 'NotHolder' ? [outcome.reason, outcome.basis] : [outcome.reason],
      facts: { ...facts, outcome: outcome._tag, ...('fence' in outcome ? { fence: outcome.fence } : {}) },
      effects: effects.map((e) => e._tag),
    });
    return { result };
  } catch {
    return failOpen('internal-error');
  }
};

const VERBS: ReadonlyArray<Verb> = ['acquire', 'refresh', 'release'];

/**
 * The session-lock part of an event (pre-tool, post-tool, stop, session-end): run `verb` for the invocation's agent
 * with the Node adapters, write its decision-log entries under the state lock (state-lock.md §8), and return what to
 * print, without exiting. Bounded by the pipeline's own deadline (`LOCK_WATCHDOG_MS` − 100 ms); never rejects.
 */
export const sessionLockStage = async (verb: Verb, agent: Agent, input: HookInput = {}): Promise<HookResult> => {
  const env = process.env;
  // Decision-log entries go to the repository's runtime directory, which Arbiter's state lock guards
  // (state-lock.md §8): they are collected during the run and written only when the guard is enabled. The lock
  // itself lives in the per-user state directory, which that guard does not cover.
  const pending: Array<Parameters<SessionLockDeps['record']>[0]> = [];
  const run = await runSessionLock(verb, agent, {
    stdin: () => (input.stdin !== undefined ? Promise.resolve(input.stdin) : readStdin(SL.STDIN_MAX_BYTES, SL.LOCK_WATCHDOG_MS)),
    env,
    cwd: process.cwd(),
    now: Date.now,
    hostname,
    anchorPid: () => anchorPid(),
    store: (stateDir) => fsLockStore(stateDir),
    pidAlive: (pid) => Promise.resolve(pidAlive(pid)),
    record: (r) => pending.push(r),
  });
  if (pending.length > 0) {
    // quiet: this hook's stderr carries exactly the block message or nothing (session-lock.md §12.5)
    const guard = await openRuntimeGuard(pending[0]?.startDir ?? process.cwd(), env, agentLogMode(agent), { stderr: () => undefined }).catch(() => null);
    if (guard === null || guard.status.enabled) {
      for (const r of pending) {
        recordDecision({
          startDir: r.startDir,
          env,
          policy: SL.POLICY,
          policyVersion: SL.POLICY_VERSION,
          mode: agentLogMode(agent),
          facts: r.facts,
          verdict: r.verdict,
          reasons: r.reasons,
          effects: r.effects ?? [],
          ...(r.audits === undefined ? {} : { audits: r.audits.map((a) => ({ ...a, policy: SL.POLICY, policy_version: SL.POLICY_VERSION })) }),
        });
      }
    }
    await guard?.release().catch(() => undefined);
  }
  return run.result;
};

/** `arbiter hook session-lock acquire|refresh|release --agent …`: arm the watchdog, run the stage, render, exit. */
export const sessionLockMain: HookMain = async (inv, input = {}) => {
  const verb = VERBS.find((v) => v === inv.positionals[0]);
  armWatchdog(SL.LOCK_WATCHDOG_MS);
  if (verb === undefined || inv.agent === null) return finish(ALLOW); // a mis-wired hook never blocks a session
  return finish(await sessionLockStage(verb, inv.agent, input));
};
