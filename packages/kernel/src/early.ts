/**
 * `@arbiter/kernel/hot`: the few pure facts a hook needs before it decides whether to load anything else.
 * Dependency-free on purpose (no io-ts, no fp-ts) so the `arbiter` dispatcher can answer a read-only tool call
 * without loading the hook bundle. Source: session-lock.md §12.3 H4 and §12.4 (mutating sets).
 */

/** Tools that take the session lock, per agent (session-lock.md §12.4). Anything else never touches the store. */
export const MUTATING_TOOLS: Readonly<Record<'claude' | 'codex', ReadonlyArray<string>>> = {
  claude: ['Edit', 'Write', 'MultiEdit', 'NotebookEdit', 'Bash'],
  codex: ['Bash', 'apply_patch', 'Edit', 'Write'],
};

/**
 * §12.4 defensive filter (rule H4): true when the payload's `tool_name` must go through the lock. An absent tool
 * name counts as mutating (the host's matcher already filtered); any non-string value does not.
 */
export const isMutatingTool = (agent: 'claude' | 'codex', toolName: unknown): boolean =>
  toolName === undefined || (typeof toolName === 'string' && MUTATING_TOOLS[agent].includes(toolName));

/**
 * Command text of a Bash PreToolUse/PostToolUse payload (push-gate.md §6.1 item 1): `tool_input.command`, else
 * Claude's `tool_input.cmd`, else `null`. Never throws.
 */
export const bashCommandOf = (payload: unknown): string | null => {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return null;
  const ti = (payload as Record<string, unknown>)['tool_input'];
  if (typeof ti !== 'object' || ti === null) return null;
  const o = ti as Record<string, unknown>;
  return typeof o['command'] === 'string' ? o['command'] : typeof o['cmd'] === 'string' ? o['cmd'] : null;
};

/**
 * Sound pre-filter of the push classifier for the dispatcher's fast path: `true` only when
 * `classifyPushCommand(command)` is certainly `NotPush`. Every push the classifier can find (an exact `push` word,
 * `git-push`, the F2 token `push`, a heredoc or `sh -c` script) needs the letters `push` in the text once quotes and
 * backslashes are removed; only ANSI-C quoting (`$'\x70ush'`) can spell them otherwise, so its presence, or an
 * over-long command, answers `false`. Proven against the classifier by a property test (PG-10 fast path).
 */
export const surelyNotPush = (command: string): boolean => {
  if (command.length > 65_536 || command.includes("$'")) return false;
  return !command.replace(/\\\r?\n/g, '').replace(/['"\\]/g, '').includes('push');
};

/**
 * A text without any lemma stem of the action-claim verb set cannot hold a claim (sentinels.md §1.2): the
 * classifier's own pre-filter, kept here so the dispatcher can use it without loading the classifier.
 */
export const CLAIM_STEM_RE = /relaunch|restart|deploy|push|merg|revert|rebas|re-?run|fix/i;

/** False only when `text` certainly holds no action claim (a non-string never does). */
export const mayHoldClaim = (text: unknown): boolean => typeof text === 'string' && CLAIM_STEM_RE.test(text);

/** Build state file in a repository's runtime directory (sentinels.md §2.2); absent = no build to protect. */
export const BUILD_STATE_FILE = 'build-state.json';

/** Stop-gate state file in a repository's runtime directory (sentinels.md §3.2); absent = mode off. */
export const STOP_GATE_FILE = 'stop-gate.json';

/** Policy id and version of the push gate (push-gate.md header), shared with the dispatcher's fast-path log. */
export const PUSH_GATE_POLICY = 'push-gate';
export const PUSH_GATE_POLICY_VERSION = '1.0.0';

/** Policy ids and versions of the Stop hook's three decisions (sentinels.md §1.3, §2, §3), shared with the fast path. */
export const ACTION_CLAIM_POLICY = 'action-claim';
export const ACTION_CLAIM_POLICY_VERSION = '1.0.0';
export const BUILD_STOP_POLICY = 'build-stop';
export const BUILD_STOP_POLICY_VERSION = '1.0.0';
export const STOP_GATE_POLICY = 'stop-gate';
export const STOP_GATE_POLICY_VERSION = '1.0.0';

/**
 * The stop gate's session id (sentinels.md §3.6 rule 5): `session_id` if a non-empty string, else `sessionId`, else
 * null. Exported by `stopGate` as `sessionOf`; here so the dispatcher's Stop fast path logs the same fact.
 */
export const gateSessionOf = (p: Readonly<Record<string, unknown>>): string | null => {
  const a = p['session_id'];
  if (typeof a === 'string' && a !== '') return a;
  const b = p['sessionId'];
  return typeof b === 'string' && b !== '' ? b : null;
};

/**
 * The commitment topic of a session id (sentinels.md §1.3 rule 2): the id when it is a string with a non-space
 * character, else null. Exported by `actionClaim` as `topicOf`; here for the dispatcher's Stop fast path.
 */
export const claimTopicOf = (sessionId: unknown): string | null => (typeof sessionId === 'string' && /\S/.test(sessionId) ? sessionId : null);

/**
 * Stop gate rules 4–5 (sentinels.md §3.6) on a decoded payload object, which allow before any state is read: the
 * loop guard (`stop_hook_active` truthy in the JavaScript sense; deliberate) and a missing session id (fail-open).
 * @returns the reason and its fail direction, or null when rule 6 (the gate state) decides next. Used by
 * `stopGate.step` and by the dispatcher's Stop fast path, so both log the same verdict.
 */
export const gateEarlyAllow = (p: Readonly<Record<string, unknown>>): { readonly reason: 'loop-guard' | 'no-session'; readonly failOpen: boolean } | null =>
  p['stop_hook_active'] ? { reason: 'loop-guard', failOpen: false } : gateSessionOf(p) === null ? { reason: 'no-session', failOpen: true } : null;
