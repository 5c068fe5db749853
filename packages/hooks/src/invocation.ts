/**
 * The one parse of an `arbiter hook …` command line (architecture.md, hook life cycle). The dispatcher parses the
 * arguments once with `node:util.parseArgs` and hands the result to whichever hook bundle it loads; no hook parses
 * its argv again.
 */
import { parseArgs } from 'node:util';
import { agentOf, type Agent } from '@arbiter/kernel/early';
import type { StdinResult } from './hook/stdin-reader.js';

/** A parsed `arbiter hook <name> [positionals] [options]` invocation. */
export interface HookInvocation {
  /** The hook or event name (`pre-tool`, `stop`, `session-lock`, `gate-push`, `pre-push`, …); `''` when absent. */
  readonly hook: string;
  /** Positional arguments after the name (`acquire`; git's `<remote> <url>`). */
  readonly positionals: ReadonlyArray<string>;
  /** `--agent claude|codex`; `null` when absent or another value (a mis-wired hook then allows). */
  readonly agent: Agent | null;
  /** `--post` (push release on PostToolUse). */
  readonly post: boolean;
  /** `--dry-run`. */
  readonly dryRun: boolean;
  /**
   * `--help` / `-h` anywhere before `--`, even where an option would take it as its value (`--event --help`), or
   * the name `help`. The dispatcher answers it with usage text before any hook runs (hooks.md §6); no main reads it.
   */
  readonly help: boolean;
  /** `--event session-start|user-prompt-submit` of the context hook; `null` when absent. */
  readonly event: string | null;
  /** `--export-session` of the context hook (Codex; accepted, adds nothing: push-gate.md §12.5). */
  readonly exportSession: boolean;
  /**
   * `--scope user`: registered by `arbiter install --user` in the user's own client settings. Such an event hook
   * answers only in a repository with `.arbiter/config.json` whose project settings do not register Arbiter
   * themselves (hooks.md §11); anywhere else it exits 0 with nothing decided and nothing written.
   */
  readonly userScope?: boolean;
}

/** True when parseArgs took a help flag as another option's value (`--agent --help`): still a request for help. */
const helpAsValue = (t: { readonly kind: string; readonly value?: string | undefined; readonly inlineValue?: boolean | undefined }): boolean =>
  t.kind === 'option' && t.inlineValue === false && (t.value === '--help' || t.value === '-h');

/**
 * Parse the arguments after `arbiter hook`. Unknown options are ignored (a hook must never fail on its command
 * line: a mis-wired hook allows). Never throws.
 */
export const parseHookArgs = (argv: ReadonlyArray<string>): HookInvocation => {
  try {
    const { values, positionals, tokens } = parseArgs({
      args: [...argv],
      strict: false,
      allowPositionals: true,
      tokens: true,
      options: {
        agent: { type: 'string' },
        post: { type: 'boolean' },
        'dry-run': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        event: { type: 'string' },
        'export-session': { type: 'boolean' },
        scope: { type: 'string' },
      },
    });
    const s = (v: unknown): string | null => (typeof v === 'string' ? v : null);
    return {
      hook: positionals[0] ?? '',
      positionals: positionals.slice(1),
      agent: agentOf(values['agent']),
      post: values['post'] === true,
      dryRun: values['dry-run'] === true,
      help: values['help'] === true || positionals[0] === 'help' || tokens.some(helpAsValue),
      event: s(values['event']),
      exportSession: values['export-session'] === true,
      userScope: values['scope'] === 'user',
    };
  } catch {
    return { hook: argv[0] ?? '', positionals: [], agent: null, post: false, dryRun: false, help: false, event: null, exportSession: false };
  }
};

/** What the dispatcher hands a hook bundle besides the invocation: the stdin it already read, when it read it. */
export interface HookInput {
  readonly stdin?: StdinResult;
}

/**
 * A hook entry point: runs one hook for a parsed invocation, renders its answer and exits (never returns).
 * `input.stdin`, when present, is the payload the dispatcher already read.
 */
export type HookMain = (inv: HookInvocation, input?: HookInput) => Promise<never>;
