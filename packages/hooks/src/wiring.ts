/**
 * The ONE table of hook registrations (DESIGN.md conventions §7). `arbiter install` writes Claude Code's
 * `.claude/settings.json`, Codex's `.codex/hooks.json` and git hooks from these rows, so wiring lives here only.
 * `args` are the arguments after the `arbiter` binary.
 */

/** One hook registration. `timeoutSec` is the host's timeout in seconds (always longer than Arbiter's watchdog). */
export interface WiringRow {
  readonly client: 'claude' | 'codex' | 'git';
  /** Host event name (`PreToolUse`, `Stop`, …) or git hook name (`pre-push`). */
  readonly event: string;
  /** Host matcher; `undefined` = no matcher (all). */
  readonly matcher?: string;
  readonly args: ReadonlyArray<string>;
  readonly timeoutSec: number;
  /** Policy the row belongs to (documentation and `--only` filters). */
  readonly policy: string;
}

const CLAUDE_MUTATING = 'Edit|Write|MultiEdit|NotebookEdit|Bash';

/** Every registration, in install order. Source: session-lock.md §12.4 (more rows come with each policy). */
export const WIRING: ReadonlyArray<WiringRow> = [
  { client: 'claude', event: 'PreToolUse', matcher: CLAUDE_MUTATING, args: ['hook', 'session-lock', 'acquire', '--agent', 'claude'], timeoutSec: 5, policy: 'session-lock' },
  { client: 'claude', event: 'PostToolUse', matcher: CLAUDE_MUTATING, args: ['hook', 'session-lock', 'refresh', '--agent', 'claude'], timeoutSec: 5, policy: 'session-lock' },
  { client: 'claude', event: 'Stop', args: ['hook', 'session-lock', 'release', '--agent', 'claude'], timeoutSec: 5, policy: 'session-lock' },
  { client: 'claude', event: 'SessionEnd', args: ['hook', 'session-lock', 'release', '--agent', 'claude'], timeoutSec: 2, policy: 'session-lock' },
  { client: 'codex', event: 'PreToolUse', matcher: '^(Bash|apply_patch)$', args: ['hook', 'session-lock', 'acquire', '--agent', 'codex'], timeoutSec: 5, policy: 'session-lock' },
  { client: 'codex', event: 'Stop', args: ['hook', 'session-lock', 'release', '--agent', 'codex'], timeoutSec: 5, policy: 'session-lock' },
  // sentinels.md §0.6: the composite Stop hook (claims → build stop → stop gate), 30 s host timeout.
  { client: 'claude', event: 'Stop', args: ['hook', 'stop', '--agent', 'claude'], timeoutSec: 30, policy: 'build-stop' },
  { client: 'codex', event: 'Stop', args: ['hook', 'stop', '--agent', 'codex'], timeoutSec: 30, policy: 'build-stop' },
  // push-gate.md §15: push gate, push release, coordination context, git pre-push shim.
  { client: 'claude', event: 'PreToolUse', matcher: 'Bash', args: ['hook', 'gate-push', '--agent', 'claude'], timeoutSec: 10, policy: 'push-gate' },
  { client: 'claude', event: 'PostToolUse', matcher: 'Bash', args: ['hook', 'gate-push', '--post', '--agent', 'claude'], timeoutSec: 10, policy: 'push-release' },
  { client: 'claude', event: 'PostToolUseFailure', matcher: 'Bash', args: ['hook', 'gate-push', '--post', '--agent', 'claude'], timeoutSec: 10, policy: 'push-release' },
  { client: 'claude', event: 'SessionStart', args: ['hook', 'context', '--agent', 'claude', '--event', 'session-start'], timeoutSec: 10, policy: 'context' },
  { client: 'claude', event: 'UserPromptSubmit', args: ['hook', 'context', '--agent', 'claude', '--event', 'user-prompt-submit'], timeoutSec: 10, policy: 'context' },
  { client: 'codex', event: 'PreToolUse', matcher: '^Bash$', args: ['hook', 'gate-push', '--agent', 'codex'], timeoutSec: 10, policy: 'push-gate' },
  { client: 'codex', event: 'PostToolUse', matcher: '^Bash$', args: ['hook', 'gate-push', '--post', '--agent', 'codex'], timeoutSec: 10, policy: 'push-release' },
  { client: 'codex', event: 'SessionStart', args: ['hook', 'context', '--agent', 'codex', '--event', 'session-start'], timeoutSec: 10, policy: 'context' },
  { client: 'codex', event: 'UserPromptSubmit', args: ['hook', 'context', '--agent', 'codex', '--event', 'user-prompt-submit'], timeoutSec: 10, policy: 'context' },
  { client: 'git', event: 'pre-push', args: ['hook', 'pre-push'], timeoutSec: 10, policy: 'push-gate' },
  // sentinels.md §0.6: follow-through evidence on Bash calls.
  { client: 'claude', event: 'PostToolUse', matcher: 'Bash', args: ['hook', 'post-tool', '--agent', 'claude'], timeoutSec: 10, policy: 'action-claim' },
  { client: 'codex', event: 'PostToolUse', matcher: '^Bash$', args: ['hook', 'post-tool', '--agent', 'codex'], timeoutSec: 10, policy: 'action-claim' },
];
