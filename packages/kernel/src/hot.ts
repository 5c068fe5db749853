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
