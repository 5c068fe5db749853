/**
 * `@arbiter/kernel/early`: each decision's **early verdict**, the rules that answer a hook payload before any state is
 * read, and the decision-log records of those verdicts. Dependency-free on purpose (no io-ts, no fp-ts): the
 * `arbiter` dispatcher runs them on every tool call before it decides whether to load a hook bundle, and the full
 * decisions call the same functions for the same rules, so an early verdict is never derived twice.
 *
 * Sources: session-lock.md §12.3 H4 and session-lock.md §12.4 (mutating tools), push-gate.md §8.6 P2–P3 and push-gate.md §9 (not a push),
 * action-claim.md §3 rules 2–4 and action-claim.md §2 (claim pre-filter), build-stop.md §5 rule 2 (no state), stop-gate.md §6
 * rules 4–5 and 9, hooks.md §8 (order inside the Stop hook).
 */

/** The agents a hook serves (the one declaration of this type). */
export type Agent = 'claude' | 'codex';

/** The decision-log `mode` tag of an agent's hook (architecture.md, decision log). */
export type AgentLogMode = `agent:${Agent}`;

/** `agent:claude` / `agent:codex`: the one place the log tag of an agent is spelled. */
export const agentLogMode = (agent: Agent): AgentLogMode => (agent === 'claude' ? 'agent:claude' : 'agent:codex');

/** Narrow an unknown value to an {@link Agent}; `null` for anything else. */
export const agentOf = (v: unknown): Agent | null => (v === 'claude' || v === 'codex' ? v : null);

/** A payload decoded as a JSON object (the hook runtime's `objectOf`), read-only here. */
export type PayloadObject = Readonly<Record<string, unknown>>;

/**
 * One decision-log record of an early verdict: what the log writer needs beyond the id, clock, mode and duration it
 * supplies itself. Every early record carries the fact `fast_path: true`.
 */
export interface EarlyRecord {
  readonly policy: string;
  readonly policyVersion: string;
  readonly facts: Readonly<Record<string, unknown>>;
  readonly verdict: string;
  readonly reason: string;
}

/** A string field of a payload, else `null`. */
const strOf = (o: PayloadObject, k: string): string | null => (typeof o[k] === 'string' ? (o[k] as string) : null);

// ---------------------------------------------------------------------------------------------------------------
// Session lock (session-lock.md §12.3 H4, session-lock.md §12.4)

/** Tools that take the session lock, per agent (session-lock.md §12.4). Anything else never touches the store. */
export const MUTATING_TOOLS: Readonly<Record<Agent, ReadonlyArray<string>>> = {
  claude: ['Edit', 'Write', 'MultiEdit', 'NotebookEdit', 'Bash'],
  codex: ['Bash', 'apply_patch', 'Edit', 'Write'],
};

/**
 * Rule H4 (session-lock.md §12.3): true when the payload's `tool_name` must go through the lock. An absent tool name
 * counts as mutating (the host's matcher already filtered); any non-string value does not.
 */
export const isMutatingTool = (agent: Agent, toolName: unknown): boolean =>
  toolName === undefined || (typeof toolName === 'string' && MUTATING_TOOLS[agent].includes(toolName));

/**
 * Early verdict of `session-lock acquire|refresh` (rule H4): `'skip'` when the payload has a usable session id and a
 * read-only tool, so no decision is taken and nothing is logged; `null` when the full hook must run. `release` never
 * answers early (it always reads the lock).
 */
export const sessionLockEarly = (agent: Agent, verb: 'acquire' | 'refresh' | 'release', o: PayloadObject | null): 'skip' | null =>
  verb !== 'release' && o !== null && typeof o['session_id'] === 'string' && o['session_id'] !== '' && !isMutatingTool(agent, o['tool_name']) ? 'skip' : null;

// ---------------------------------------------------------------------------------------------------------------
// Push gate and push release (push-gate.md §8.6 P2–P3, push-gate.md §9)

/** Policy id and version of the push gate (push-gate.md header). */
export const PUSH_GATE_POLICY = 'push-gate';
export const PUSH_GATE_POLICY_VERSION = '1.0.0';

/**
 * Command text of a Bash PreToolUse/PostToolUse payload (push-gate.md §6.1 item 1): `tool_input.command`, else
 * `tool_input.cmd`, else `null`. Never throws.
 */
export const bashCommandOf = (payload: unknown): string | null => {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return null;
  const ti = (payload as Record<string, unknown>)['tool_input'];
  if (typeof ti !== 'object' || ti === null) return null;
  const o = ti as Record<string, unknown>;
  return typeof o['command'] === 'string' ? o['command'] : typeof o['cmd'] === 'string' ? o['cmd'] : null;
};

/**
 * Sound pre-filter of the push classifier: `true` only when `classifyPushCommand(command)` is certainly `NotPush`.
 * Every push the classifier can find (an exact `push` word, `git-push`, the F2 token `push`, a heredoc or `sh -c`
 * script) needs the letters `push` in the text once quotes and backslashes are removed; only ANSI-C quoting
 * (`$'\x70ush'`) can spell them otherwise, so its presence, or an over-long command (> 65,536 characters), answers
 * `false`. Proven against the classifier by a property test (PG-10).
 */
export const surelyNotPush = (command: string): boolean => {
  if (command.length > 65_536 || command.includes("$'")) return false;
  return !command.replace(/\\\r?\n/g, '').replace(/['"\\]/g, '').includes('push');
};

/**
 * True when a decoded agent payload certainly carries no push (rules P2–P3): a command is present and either the
 * tool is a string other than `Bash` or the command surely holds no push. `false` means "let the decision look".
 */
const certainlyNotAPush = (o: PayloadObject): boolean => {
  const cmd = bashCommandOf(o);
  if (cmd === null) return false;
  const tool = o['tool_name'];
  return (typeof tool === 'string' && tool !== 'Bash') || surelyNotPush(cmd);
};

/**
 * Early verdict of the push gate on PreToolUse: the `Allow not-a-push` record to log when the payload certainly
 * holds no push (push-gate.md §8.6 P2–P3), else `null` (the full gate decides).
 */
export const pushGateEarly = (agent: Agent, o: PayloadObject | null): EarlyRecord | null =>
  o === null || !certainlyNotAPush(o)
    ? null
    : {
        policy: PUSH_GATE_POLICY,
        policyVersion: PUSH_GATE_POLICY_VERSION,
        facts: { agent, hook: 'gate-push', tool_name: strOf(o, 'tool_name'), session_id: strOf(o, 'session_id'), cwd: strOf(o, 'cwd'), command: bashCommandOf(o), stdin: 'Ok', fast_path: true },
        verdict: 'Allow',
        reason: 'not-a-push',
      };

/**
 * Early verdict of push release on PostToolUse (push-gate.md §9): `'skip'` when the payload certainly holds no push,
 * so nothing is released and nothing is logged (the full release logs nothing for a non-push either); else `null`.
 */
export const pushReleaseEarly = (o: PayloadObject | null): 'skip' | null => (o !== null && certainlyNotAPush(o) ? 'skip' : null);

// ---------------------------------------------------------------------------------------------------------------
// The Stop hook's three decisions (hooks.md §8): action claims, build stop, stop gate

/** Build state file in a repository's runtime directory (build-stop.md §2); absent = no build to protect. */
export const BUILD_STATE_FILE = 'build-state.json';

/** Stop-gate state file in a repository's runtime directory (stop-gate.md §2); absent = mode off. */
export const STOP_GATE_FILE = 'stop-gate.json';

/** Policy ids and versions of the Stop hook's three decisions. */
export const ACTION_CLAIM_POLICY = 'action-claim';
export const ACTION_CLAIM_POLICY_VERSION = '1.0.0';
export const BUILD_STOP_POLICY = 'build-stop';
export const BUILD_STOP_POLICY_VERSION = '1.0.0';
export const STOP_GATE_POLICY = 'stop-gate';
export const STOP_GATE_POLICY_VERSION = '1.0.0';

/**
 * A text without any lemma stem of the action-claim verb set cannot hold a claim (action-claim.md §2): the
 * classifier's own pre-filter.
 */
export const CLAIM_STEM_RE = /relaunch|restart|deploy|push|merg|revert|rebas|re-?run|fix/i;

/** False only when `text` certainly holds no action claim (a non-string never does). */
export const mayHoldClaim = (text: unknown): boolean => typeof text === 'string' && CLAIM_STEM_RE.test(text);

/**
 * The stop gate's session id (stop-gate.md §6 rule 5): `session_id` if a non-empty string, else `sessionId`, else
 * null.
 */
export const gateSessionOf = (p: PayloadObject): string | null => {
  const a = p['session_id'];
  if (typeof a === 'string' && a !== '') return a;
  const b = p['sessionId'];
  return typeof b === 'string' && b !== '' ? b : null;
};

/**
 * The commitment topic of a session id (action-claim.md §3 rule 2): the id when it is a string with a non-space
 * character, else null.
 */
export const claimTopicOf = (sessionId: unknown): string | null => (typeof sessionId === 'string' && /\S/.test(sessionId) ? sessionId : null);

/**
 * Stop gate rules 4–5 (stop-gate.md §6), which allow before any state is read: the loop guard (`stop_hook_active`
 * truthy in the JavaScript sense; deliberate) and a missing session id (fail-open). Returns the reason and its fail
 * direction, or null when rule 6 (the gate state) decides next. Used by `stopGate.step` and by the early Stop.
 */
export const gateEarlyAllow = (p: PayloadObject): { readonly reason: 'loop-guard' | 'no-session'; readonly failOpen: boolean } | null =>
  p['stop_hook_active'] ? { reason: 'loop-guard', failOpen: false } : gateSessionOf(p) === null ? { reason: 'no-session', failOpen: true } : null;

/** Facts the early Stop needs about the repository the hook resolved (gathered by the caller, never read here). */
export interface StopRepoFacts {
  /** False outside a git repository. */
  readonly inRepository: boolean;
  /** `build-state.json` exists in the runtime directory. */
  readonly buildState: boolean;
  /** `stop-gate.json` exists in the runtime directory. */
  readonly gateState: boolean;
  /** A running-land marker exists in the runtime directory (land.md §9 LD15); absent reads as false. */
  readonly landMarker?: boolean;
  /**
   * The repository configuration, decoded as an object: `null` when absent, `'unreadable'` when it exists but cannot
   * be read or decoded (then the full hook reads it and reports).
   */
  readonly config: PayloadObject | null | 'unreadable';
}

/**
 * Early verdict of the Stop hook (hooks.md §8): when the last assistant message holds no claim stem, there is no
 * build state, no stop-gate state, and no configuration section that could warn or change the outcome
 * (`stop_gate`, `commitments`, `state_lock`), the full hook would print `{}`, write nothing and log three verdicts:
 * `action-claim Skipped` (session-lock.md §3 rules 2–4), `build-stop Approve no-state` (rule 2) and `stop-gate Allow` (rules 4–5,
 * else rule 9 `mode-off`). Returns those three records, or `null` when a decision is needed.
 */
export const stopEarly = (agent: Agent, o: PayloadObject | null, repo: StopRepoFacts): ReadonlyArray<EarlyRecord> | null => {
  if (o === null || mayHoldClaim(o['last_assistant_message'])) return null;
  if (repo.inRepository) {
    if (repo.buildState || repo.gateState || repo.landMarker === true || repo.config === 'unreadable') return null;
    if (repo.config !== null && ('stop_gate' in repo.config || 'commitments' in repo.config || 'state_lock' in repo.config)) return null;
  }
  const sid = o['session_id'];
  const msg = o['last_assistant_message'];
  const claimReason = claimTopicOf(sid) === null ? 'no-topic' : typeof msg !== 'string' || msg === '' ? 'no-message' : 'no-claim';
  const early = gateEarlyAllow(o);
  return [
    { policy: ACTION_CLAIM_POLICY, policyVersion: ACTION_CLAIM_POLICY_VERSION, facts: { session_id: strOf(o, 'session_id'), fast_path: true }, verdict: 'Skipped', reason: claimReason },
    {
      policy: BUILD_STOP_POLICY,
      policyVersion: BUILD_STOP_POLICY_VERSION,
      facts: { agent, session_id: typeof sid === 'string' ? sid : '', probes: ['BuildState'], in_repository: repo.inRepository, fast_path: true },
      verdict: 'Approve',
      reason: 'no-state',
    },
    {
      policy: STOP_GATE_POLICY,
      policyVersion: STOP_GATE_POLICY_VERSION,
      facts: { agent, session_id: gateSessionOf(o) ?? '', payload: 'Object', probes: early === null ? ['GateState'] : [], failOpen: early?.failOpen ?? false, fast_path: true },
      verdict: 'Allow',
      reason: early?.reason ?? 'mode-off',
    },
  ];
};
