/**
 * `arbiter hook post-tool --agent claude|codex` (action-claim.md §5, hooks.md §6, hooks.md §7): on PostToolUse of a Bash call,
 * record follow-through evidence. A succeeded `git push` (and the other action-claim.md §5.3 rules) closes the session's open
 * commitments of that lemma as delivered.
 *
 * Never blocks: exit 0 always, exactly one JSON object on stdout — Claude Code on Delivered gets
 * `{"hookSpecificOutput":{"hookEventName":"PostToolUse","additionalContext":…}}`, everything else (Codex, no
 * evidence, bad input, an internal error, the watchdog) gets `{}`.
 */
import { actionClaim as AC, sanitizeLine, type CommitmentStore } from '@arbiter/kernel';
import type { Env } from '@arbiter/io-node';
import { agentLogMode } from '@arbiter/kernel/early';
import type { HookMain } from '../invocation.js';
import { armWatchdog, finish, parsePayload, readStdin, type Agent, type HookResult, type StdinResult } from './runtime.js';
import { recordDecision } from '../decision-record.js';
import { commitmentsContext, driveAndApply, logCommitmentDecision } from './commitments-io.js';
import { openRuntimeGuard } from '../state-lock-guard.js';
import { isAbsolute } from 'node:path';
import { statSync } from 'node:fs';

/** hooks.md §7 rule 1: stdin bound, bytes. */
export const HOOK_STDIN_MAX_BYTES = 8 * 1024 * 1024;
/** hooks.md §7 rule 1: stdin deadline, ms. */
export const HOOK_STDIN_TIMEOUT_MS = 5_000;
import { POST_TOOL_WATCHDOG_MS } from './watchdogs.js';
export { POST_TOOL_WATCHDOG_MS };

const EMPTY: HookResult = { code: 0, stdout: '{}\n' };

/** Injectable ports of the post-tool pipeline. */
export interface PostToolDeps {
  readonly stdin: () => Promise<StdinResult>;
  readonly env: Env;
  readonly cwd: string;
  readonly now: () => number;
  /** Store for a runtime directory (default: the file-system store). */
  readonly store?: (runtimeDir: string) => CommitmentStore;
  /**
   * The state guard (hooks.md §7 rule 5), asked right before a write: `true` when the runtime directory may be
   * written. Default: `openRuntimeGuard` with holder `host` (its warning line goes to stderr when disabled).
   */
  readonly guard?: (startDir: string) => Promise<boolean>;
}

const realGuard = async (startDir: string, env: Env, agent: Agent): Promise<boolean> => {
  const g = await openRuntimeGuard(startDir, env, agentLogMode(agent));
  if (g === null) return true;
  await g.release();
  return g.status.enabled;
};

/** The hook's working directory: the payload's `cwd` when it names an existing directory, else the process cwd (hooks.md §5). */
export const hookStartDir = (payload: Record<string, unknown> | null, fallback: string): string => {
  const c = payload?.['cwd'];
  if (typeof c === 'string' && c !== '' && isAbsolute(c)) {
    try {
      if (statSync(c).isDirectory()) return c;
    } catch {
      // fall back
    }
  }
  return fallback;
};

const oneLine = (e: unknown): string => sanitizeLine(e instanceof Error ? e.message : String(e), 200);

/**
 * Run the post-tool pipeline. Resolves to what the process prints (exit 0 always); never rejects. Internal errors
 * print `{}` plus one stderr line `arbiter: internal error in follow-through: …` (hooks.md §7 rule 4).
 */
export const runPostTool = async (agent: Agent, deps: PostToolDeps): Promise<HookResult> => {
  let startDir = deps.cwd;
  try {
    const input = await deps.stdin();
    const parsed = input._tag === 'Ok' ? parsePayload(input.text) : null;
    // hooks.md §7 rule 1: an unreadable or undecodable payload is a fact; the decision then ends at `not-bash`.
    const payload: Record<string, unknown> = parsed ?? {};
    startDir = hookStartDir(payload, deps.cwd);
    const ctx = commitmentsContext(startDir, deps.env, deps.store);
    const warnings = (ctx?.warnings ?? []).map((w) => `arbiter: config key ${w} has an invalid value; using its default\n`).join('');
    const now = deps.now();
    const settings = ctx?.settings ?? AC.DEFAULT_SETTINGS;
    const facts = {
      agent,
      settings,
      toolName: payload['tool_name'],
      toolInput: payload['tool_input'],
      toolResponse: payload['tool_response'],
      toolUseId: payload['tool_use_id'],
      sessionId: payload['session_id'],
      now,
    };
    const guard = deps.guard ?? ((dir: string) => realGuard(dir, deps.env, agent));
    const d = await driveAndApply(AC.evidenceDriver, facts as AC.EvidenceFacts, ctx?.store ?? null, now, () => guard(startDir));
    // hooks.md §7 rule 5 / state-lock.md §8: a disabled guard writes nothing into the directory, its log included; the warning line is
    // already on stderr. The commitment stays open.
    if (d.guardDisabled) return EMPTY;
    const v = d.verdict;
    // Every verdict goes to the decision log (architecture.md "Decision tables and decision log").
    logCommitmentDecision(startDir, deps.env, agentLogMode(agent), AC.EVIDENCE_POLICY, v, {
        ...(parsed === null ? { stdin: input._tag === 'Ok' ? 'undecodable' : 'unreadable' } : {}),
        session_id: typeof facts.sessionId === 'string' ? facts.sessionId : null,
        tool_use_id: typeof facts.toolUseId === 'string' ? facts.toolUseId : null,
        command: typeof (facts.toolInput as Record<string, unknown> | undefined)?.['command'] === 'string' ? (facts.toolInput as Record<string, string>)['command'] : null,
        ...(v._tag === 'Delivered' ? { delivered: v.delivered.map((x) => x.id) } : {}),
      }, d.effects, d.applied);
    const stored = d.applied === null || d.applied._tag !== 'Failed';
    const stdout = AC.renderEvidence(agent, v, stored);
    const stderr = `${warnings}${stored ? '' : 'arbiter: follow-through evidence could not be stored; the commitment stays open\n'}`;
    return stderr === '' ? { code: 0, stdout } : { code: 0, stdout, stderr };
  } catch (e) {
    // hooks.md §7 rule 4: allow output, one stderr line, and the internal error in the decision log.
    recordDecision({ startDir, env: deps.env, policy: AC.EVIDENCE_POLICY, policyVersion: AC.POLICY_VERSION, mode: agentLogMode(agent), verdict: 'NoEvidence', reasons: ['internal-error'], facts: { detail: oneLine(e) } });
    return { ...EMPTY, stderr: `arbiter: internal error in follow-through: ${oneLine(e)}\n` };
  }
};

/** Real entry point: watchdog, stdin, Node adapters, render, exit 0. */
export const postToolMain: HookMain = async (inv, input = {}) => {
  let printed = false;
  armWatchdog(POST_TOOL_WATCHDOG_MS, () => {
    if (!printed) {
      printed = true;
      try {
        process.stdout.write('{}\n');
      } catch {
        // ignore
      }
    }
  });
  const agent = inv.agent;
  if (agent === null) {
    printed = true;
    return finish(EMPTY); // a mis-wired hook never blocks and never guesses the client
  }
  // no backstop here: this stage reads and writes only state files (bounded, non-blocking: io-node state-io.ts) and
  // spawns nothing, so its timer watchdog can always fire (hook/backstop.ts)
  const r = await runPostTool(agent, {
    stdin: () => (input.stdin !== undefined ? Promise.resolve(input.stdin) : readStdin(HOOK_STDIN_MAX_BYTES, HOOK_STDIN_TIMEOUT_MS)),
    env: process.env,
    cwd: process.cwd(),
    now: Date.now,
  });
  printed = true;
  return finish(r);
};
