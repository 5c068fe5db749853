/**
 * Process watchdogs of the hooks whose modules pull in file-system code, in a module of their own so that the usage
 * text (`hook/usage.ts`, bundled into `hook-help.cjs`) can quote them without importing the hooks themselves.
 */

/** Post-tool process watchdog, ms (below the 10 s host timeout of hooks.md §6). */
export const POST_TOOL_WATCHDOG_MS = 8_000;

/**
 * Stop process watchdog, ms: below the 30 s host timeout of hooks.md §6 and above the sum of the spec's own limits on
 * the usual path (stdin 5 s, hot path 1.5 s, git 0.8 s + 5 s, evaluate 2.5 s). When it fires the hook prints `{}` and
 * exits 0.
 */
export const STOP_WATCHDOG_MS = 25_000;
