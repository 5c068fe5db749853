/**
 * `arbiter hook context --agent claude|codex --event session-start|user-prompt-submit [--export-session]`
 * (push-gate.md §12): the coordination block for SessionStart / UserPromptSubmit. Never blocks: every path exits 0;
 * the `CONTEXT_WATCHDOG_MS` watchdog exits 0 with nothing printed.
 */
import { appendFileSync, writeSync } from 'node:fs';
import type { Git } from '@arbiter/kernel';
import { maskOutput, pushGate as PG, runSteps, sessionLock as SL } from '@arbiter/kernel';
import {
  contextCachePath,
  fsLockStore,
  nodeGit,
  readContextCache,
  resolveStateDir,
  resolveWorkspace,
  writeContextCache,
  type Env,
} from '@arbiter/io-node';
import { readStdin, stdinJson } from './runtime.js';
import { agentLogMode } from '@arbiter/kernel/early';
import type { HookMain } from '../invocation.js';
import { armBackstop } from './backstop.js';
import { recordDecision } from '../decision-record.js';
import { CONTEXT_SECTIONS, SECTION_TIMEOUT_MS, type ContextSectionInput } from './context-sections.js';
import { probeIdentity, probeRepo, probeState, storeFor, withTimeout, type GateRepo } from './push-gate-probes.js';
import type { Agent } from '@arbiter/kernel/early';

/** Read-only session-lock line for the workspace of `dir` (session-lock.md §5.3, session-lock.md §11). `null` = corrupt. */
export const lockLine = async (stateDir: string, dir: string, session: string, now: number): Promise<PG.LockLine | null | 'failed'> => {
  try {
    const ws = resolveWorkspace(dir);
    const r = await fsLockStore(stateDir).read(ws.hash)();
    if (r._tag === 'Left') return 'failed';
    const c = r.right.content;
    if (c._tag === 'Absent') return { kind: 'free' };
    if (c._tag === 'Corrupt') return null;
    const rec = c.record;
    if (rec.state === 'released' || SL.isStale(rec, now)) return { kind: 'free' };
    if (rec.session_id === session) return { kind: 'ours' };
    return { kind: 'other', session: rec.session_id, pid: rec.pid, age_sec: Math.max(0, (now - rec.refreshed_at) / 1000) };
  } catch {
    return 'failed';
  }
};

/** Options of one context run (injectable for tests). */
export interface ContextDeps {
  readonly git: Git;
  readonly env: Env;
  readonly cwd: string;
  readonly now: () => number;
}

/** Run the context step function to its end. Never throws. */
export const runContext = async (
  agent: Agent,
  event: 'session-start' | 'user-prompt-submit',
  payload: unknown,
  deps: ContextDeps,
): Promise<{ outcome: PG.ContextOutcome; facts: PG.ContextFacts }> => {
  const stateDir = resolveStateDir(deps.env);
  let repo: GateRepo | null = null;
  const answer = async (p: PG.ContextProbe, cur: PG.ContextFacts): Promise<PG.ContextProbeAnswer> => {
    switch (p._tag) {
      case 'repo': {
        repo = await probeRepo(deps.git, p.cwd !== null && p.cwd.startsWith('/') ? p.cwd : deps.cwd, [], deps.env);
        return { _tag: 'repo', value: repo.fact };
      }
      case 'identity': {
        const common = cur.repo?.kind === 'repo' ? cur.repo.common_dir : '';
        return { _tag: 'identity', value: await probeIdentity(deps.git, repo?.dir ?? deps.cwd, common, p.session, deps.env) };
      }
      case 'cache': {
        if (cur.repo?.kind !== 'repo' || !cur.identity?.ok) return { _tag: 'cache', value: null };
        const c = readContextCache(contextCachePath(stateDir, cur.repo.common_dir, cur.identity.session));
        const extra = await sections(cur, stateDir, repo, deps);
        return { _tag: 'cache', value: c, extra };
      }
      case 'state': {
        if (cur.repo?.kind !== 'repo' || repo?.storeRoot == null) return { _tag: 'state', value: { ok: false } };
        const store = storeFor(repo.storeRoot, PG.settingsOf(cur.repo.config), deps.env);
        return { _tag: 'state', value: await probeState(store, 'all', p.session, PG.CONTEXT_TIMEOUT_MS) };
      }
      case 'lock-read': {
        const session = cur.identity?.ok ? cur.identity.session : '';
        return { _tag: 'lock-read', value: await lockLine(stateDir, repo?.dir ?? deps.cwd, session, deps.now()) };
      }
    }
  };
  const run = await runSteps(PG.contextDriver, { agent, event, payload, now: deps.now() } as PG.ContextFacts, (need, cur) => Promise.all(need.map((p) => answer(p, cur))));
  const f = run.facts;
  if (run._tag !== 'Done') return { outcome: { status: 'degraded', block: '' }, facts: f };
  for (const e of run.effects) {
    if (e._tag === 'WriteCache' && f.repo?.kind === 'repo' && f.identity?.ok) writeContextCache(contextCachePath(stateDir, f.repo.common_dir, f.identity.session), e.data, deps.now());
  }
  return { outcome: run.outcome, facts: f };
};

const sections = async (f: PG.ContextFacts, stateDir: string, repo: GateRepo | null, deps: ContextDeps): Promise<ReadonlyArray<string>> => {
  if (f.repo?.kind !== 'repo' || !f.identity?.ok || CONTEXT_SECTIONS.length === 0) return [];
  const input: ContextSectionInput = {
    top: f.repo.top,
    commonDir: f.repo.common_dir,
    runtimeDir: repo?.storeRoot ?? '',
    stateDir,
    session: f.identity.session,
    instance: f.identity.instance,
    env: deps.env,
    now: deps.now(),
  };
  const out: string[] = [];
  for (const s of CONTEXT_SECTIONS) {
    const lines = await withTimeout(Promise.resolve().then(() => s.lines(input)), SECTION_TIMEOUT_MS, [] as ReadonlyArray<string>);
    out.push(...lines.filter((l) => typeof l === 'string' && !/[\u0000-\u001f\u007f-\u009f]/.test(l)));
  }
  return out;
};

/** `arbiter hook context …` entry point. */
export const contextMain: HookMain = async (inv, input = {}) => {
  const t = setTimeout(() => process.exit(0), PG.CONTEXT_WATCHDOG_MS);
  void t;
  const agent = inv.agent;
  const ev = inv.event;
  const event = ev === 'session-start' || ev === 'user-prompt-submit' ? ev : 'user-prompt-submit';
  if (agent === null) process.exit(0);
  armBackstop(PG.CONTEXT_WATCHDOG_MS, 'hook context'); // git, lanes: bounded even if the event loop blocks
  const env = process.env;
  try {
    const stdin = input.stdin ?? (await readStdin(PG.STDIN_MAX_BYTES, PG.STDIN_TIMEOUT_MS));
    const payload = stdinJson(stdin, {});
    const { outcome, facts } = await runContext(agent, event, payload, { git: nodeGit(), env, cwd: process.cwd(), now: Date.now });
    const sid = typeof (payload as { session_id?: unknown })?.session_id === 'string' ? ((payload as { session_id: string }).session_id) : null;
    // push-gate.md §12.5 session export (I5).
    if (event === 'session-start' && sid !== null && PG.SESSION_ID_RE.test(sid) && agent === 'claude' && env['CLAUDE_ENV_FILE']) {
      try {
        appendFileSync(env['CLAUDE_ENV_FILE'], `export ARBITER_SESSION=${sid}\n`);
      } catch {
        // best effort
      }
    }
    const out = PG.renderContext(agent, event, outcome.block, agent === 'codex' && inv.exportSession ? sid : null);
    if (out !== '') writeSync(1, maskOutput(out)); // secrets.md §12: a context block is masked like every hook answer
    recordDecision({
      startDir: facts.repo?.kind === 'repo' ? facts.repo.top : process.cwd(),
      env,
      policy: PG.CONTEXT_POLICY,
      policyVersion: PG.POLICY_VERSION,
      mode: agentLogMode(agent),
      facts: { agent, event, session_id: sid, status: outcome.status, chars: outcome.block.length },
      verdict: outcome.status,
      reasons: [outcome.status],
    });
  } catch {
    // never blocks
  }
  process.exit(0);
};
