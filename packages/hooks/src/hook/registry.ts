/**
 * The hook registry: `arbiter hook <name> …` → handler. Every handler parses its own argv, arms its own watchdog,
 * renders, exits, and is fail-open (DESIGN.md "Hook wrapper shape"). Add one line per hook.
 */
import { sessionLockMain } from './session-lock.js';
import { stopMain } from './stop.js';
import { gatePushMain, prePushMain } from './push-gate.js';
import { contextMain } from './context.js';
import { postToolMain } from './post-tool.js';

/**
 * A hook entry point: receives the argv after `arbiter hook <name>` and, when the dispatcher already read stdin
 * (fast path), its text in `pre.stdinText`. Never returns (it exits).
 */
export type HookHandler = (argv: ReadonlyArray<string>, pre?: { readonly stdinText?: string; readonly stdinFailed?: 'too-large' | 'timeout' }) => Promise<never>;

/** Every hook Arbiter ships, by the name used on the command line (DESIGN.md conventions §7). */
export const HOOKS: Readonly<Record<string, HookHandler>> = {
  'session-lock': sessionLockMain,
  stop: stopMain,
  'gate-push': gatePushMain,
  'pre-push': prePushMain,
  context: contextMain,
  'post-tool': postToolMain,
};
