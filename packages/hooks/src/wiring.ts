/**
 * The ONE table of hook registrations (architecture.md conventions §7): one row per client event. `arbiter install`
 * writes Claude Code's `.claude/settings.json`, Codex's `.codex/hooks.json` and the git `pre-push` hook from these
 * rows, and the dispatcher runs each event's stages from the same rows, so wiring lives here only. Every event also
 * records the session's presence (presence.md §7), whatever its stages; an event may have no stage at all.
 *
 * An event hook (`arbiter hook pre-tool --agent claude`, …) composes, in one process and in the order of `stages`,
 * the decisions attached to that event. A stage runs only when the payload's `tool_name` matches its own matcher
 * (tool events), so each decision sees exactly the calls it saw when it had a registration of its own. A stage that
 * blocks ends the event: the later stages do not run.
 */
import type { Agent } from '@arbiter/kernel/early';

/** The decision parts an event can be composed of (each is one hook of the alias table below). */
export type StageId =
  | 'session-lock acquire'
  | 'session-lock refresh'
  | 'session-lock release'
  | 'push-gate'
  | 'push-release'
  | 'action-claim evidence'
  | 'stop'
  | 'context session-start'
  | 'context user-prompt-submit';

/** One stage of an event: a decision part and the tools it applies to (`undefined` = every call of the event). */
export interface Stage {
  readonly id: StageId;
  /** Host matcher syntax (`Edit|Write`, `^Bash$`): matched whole against `tool_name`. */
  readonly matcher?: string;
}

/** The event hooks Arbiter registers, by the name used on the command line. */
export type EventName = 'pre-tool' | 'post-tool' | 'post-tool-failure' | 'stop' | 'session-start' | 'prompt' | 'session-end' | 'notification';

/** One registration: a client event and the stages its process runs. */
export interface EventRow {
  readonly client: Agent;
  /** Host event name (`PreToolUse`, `Stop`, …). */
  readonly event: string;
  /** Arbiter's event hook for it. */
  readonly name: EventName;
  /** Host matcher of the registration: the union of the stages' matchers (`undefined` = all). */
  readonly matcher?: string;
  /** Host timeout, seconds (always longer than the longest stage watchdog). */
  readonly timeoutSec: number;
  readonly stages: ReadonlyArray<Stage>;
}

const CLAUDE_MUTATING = 'Edit|Write|MultiEdit|NotebookEdit|Bash';

/**
 * Every event registration, in install order. Sources: session-lock.md §12.4, push-gate.md §15, hooks.md §6 (the
 * stage matchers and timeouts of the former per-decision registrations, unchanged).
 */
export const EVENTS: ReadonlyArray<EventRow> = [
  {
    client: 'claude',
    event: 'PreToolUse',
    name: 'pre-tool',
    matcher: CLAUDE_MUTATING,
    timeoutSec: 10,
    stages: [{ id: 'session-lock acquire', matcher: CLAUDE_MUTATING }, { id: 'push-gate', matcher: 'Bash' }],
  },
  {
    client: 'claude',
    event: 'PostToolUse',
    name: 'post-tool',
    matcher: CLAUDE_MUTATING,
    timeoutSec: 10,
    stages: [
      { id: 'session-lock refresh', matcher: CLAUDE_MUTATING },
      { id: 'push-release', matcher: 'Bash' },
      { id: 'action-claim evidence', matcher: 'Bash' },
    ],
  },
  // Claude Code sends a failed call here, not to PostToolUse (host-protocols.md C7): the lock is refreshed and the
  // lanes a failed push claimed are released exactly as after a successful call; a failure is no follow-through evidence.
  {
    client: 'claude',
    event: 'PostToolUseFailure',
    name: 'post-tool-failure',
    matcher: CLAUDE_MUTATING,
    timeoutSec: 10,
    stages: [
      { id: 'session-lock refresh', matcher: CLAUDE_MUTATING },
      { id: 'push-release', matcher: 'Bash' },
    ],
  },
  { client: 'claude', event: 'Stop', name: 'stop', timeoutSec: 30, stages: [{ id: 'session-lock release' }, { id: 'stop' }] },
  { client: 'claude', event: 'SessionStart', name: 'session-start', timeoutSec: 10, stages: [{ id: 'context session-start' }] },
  { client: 'claude', event: 'UserPromptSubmit', name: 'prompt', timeoutSec: 10, stages: [{ id: 'context user-prompt-submit' }] },
  { client: 'claude', event: 'SessionEnd', name: 'session-end', timeoutSec: 2, stages: [{ id: 'session-lock release' }] },
  // No decision runs on a Notification: the event only records that the session waits for its person (presence.md §7;
  // every event records presence). Codex has no such event (host-protocols.md C8).
  { client: 'claude', event: 'Notification', name: 'notification', timeoutSec: 5, stages: [] },
  {
    client: 'codex',
    event: 'PreToolUse',
    name: 'pre-tool',
    matcher: '^(Bash|apply_patch)$',
    timeoutSec: 10,
    stages: [{ id: 'session-lock acquire', matcher: '^(Bash|apply_patch)$' }, { id: 'push-gate', matcher: '^Bash$' }],
  },
  {
    client: 'codex',
    event: 'PostToolUse',
    name: 'post-tool',
    matcher: '^Bash$',
    timeoutSec: 10,
    stages: [
      { id: 'push-release', matcher: '^Bash$' },
      { id: 'action-claim evidence', matcher: '^Bash$' },
    ],
  },
  { client: 'codex', event: 'Stop', name: 'stop', timeoutSec: 30, stages: [{ id: 'session-lock release' }, { id: 'stop' }] },
  { client: 'codex', event: 'SessionStart', name: 'session-start', timeoutSec: 10, stages: [{ id: 'context session-start' }] },
  { client: 'codex', event: 'UserPromptSubmit', name: 'prompt', timeoutSec: 10, stages: [{ id: 'context user-prompt-submit' }] },
];

/** The git layer's registration (push-gate.md §15): the `pre-push` shim runs `arbiter hook pre-push`. */
export const GIT_PRE_PUSH_ARGS: ReadonlyArray<string> = ['hook', 'pre-push'];

/** The arguments after `arbiter` that a host runs for an event row. */
export const argsOf = (row: EventRow): ReadonlyArray<string> => ['hook', row.name, '--agent', row.client];

/** The event row of `name` for `agent`, if that client has one. */
export const eventRow = (agent: Agent, name: string): EventRow | undefined => EVENTS.find((r) => r.client === agent && r.name === name);

/** True when a stage applies to `toolName` (an absent or non-string tool name: the host's matcher already chose). */
export const stageMatches = (stage: Stage, toolName: unknown): boolean =>
  stage.matcher === undefined || typeof toolName !== 'string' || new RegExp(`^(?:${stage.matcher})$`).test(toolName);

/**
 * The per-decision registrations of earlier releases, as `arbiter install` wrote them (`arbiter <args>`). The
 * commands still work (aliases for tests and older installs); `arbiter install` replaces these entries by the event
 * rows above.
 */
export const LEGACY_COMMANDS: ReadonlyArray<string> = [
  ...(['claude', 'codex'] as const).flatMap((a) => [
    `arbiter hook session-lock acquire --agent ${a}`,
    `arbiter hook session-lock refresh --agent ${a}`,
    `arbiter hook session-lock release --agent ${a}`,
    `arbiter hook gate-push --agent ${a}`,
    `arbiter hook gate-push --post --agent ${a}`,
    `arbiter hook context --agent ${a} --event session-start`,
    `arbiter hook context --agent ${a} --event user-prompt-submit`,
  ]),
];
