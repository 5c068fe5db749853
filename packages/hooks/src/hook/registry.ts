/**
 * The per-decision hook mains by their command-line name, for tools that embed Arbiter's hooks as a library. Every
 * main takes the parsed invocation (`invocation.ts`), arms its own watchdog, renders, exits, and is fail-open. The
 * binary reaches them through the event runner (`events.ts`), one bundle per hook. A main never answers `--help`:
 * the dispatcher prints `hookUsage(name)` (`usage.ts`) instead of calling it.
 */
import { sessionLockMain } from './session-lock.js';
import { stopMain } from './stop.js';
import { gatePushMain, prePushMain } from './push-gate.js';
import { contextMain } from './context.js';
import { postToolMain } from './post-tool.js';
import type { HookMain } from '../invocation.js';

/** A hook entry point (see `HookMain`). */
export type HookHandler = HookMain;

/** Every hook Arbiter ships, by the name used on the command line (architecture.md conventions §7). */
export const HOOKS: Readonly<Record<string, HookHandler>> = {
  'session-lock': sessionLockMain,
  stop: stopMain,
  'gate-push': gatePushMain,
  'pre-push': prePushMain,
  context: contextMain,
  'post-tool': postToolMain,
};
