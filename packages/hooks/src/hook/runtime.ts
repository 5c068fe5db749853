/**
 * The shared hook-wrapper runtime (architecture.md "Hook wrapper shape"): bounded stdin, a process-level watchdog,
 * payload parsing, output and exit, and the decision-log append. Hooks are fail-open: bad input, an adapter error
 * or the watchdog all end in "allow" (exit 0).
 *
 * Kept small and free of heavy imports because it runs on every tool call.
 */
import { writeSync } from 'node:fs';
import { collectStdin, stdinKind, type StdinResult } from './stdin-reader.js';
import { objectOf } from './json-object.js';

export type { Agent } from '@arbiter/kernel/early';
import { maskOutput, type Rendered } from '@arbiter/kernel';

export { sinceStartMs } from './clock.js';

/**
 * Arm the process-level watchdog: after `ms` milliseconds the process runs `onFire` (best effort, must be quick and
 * synchronous) and exits 0 with nothing more on stdout/stderr. The timer is unref'd so it never keeps a finished
 * process alive. Source: session-lock.md §12.3 H1, push-gate.md §2 (`GATE_WATCHDOG_MS`).
 */
export const armWatchdog = (ms: number, onFire?: () => void): NodeJS.Timeout => {
  const t = setTimeout(() => {
    try {
      onFire?.();
    } finally {
      process.exit(0);
    }
  }, ms);
  t.unref();
  return t;
};

export type { StdinResult } from './stdin-reader.js';

/**
 * Read stdin to end of file, at most `maxBytes` bytes, within `timeoutMs` ms (session-lock.md §12.3 H2;
 * push-gate.md `STDIN_TIMEOUT_MS`). A terminal gives `Tty` at once. Never rejects. Without `stream`, fd 0 is read by
 * {@link collectStdin} (no stream modules loaded for a pipe, socket or file); an explicit `stream` (tests) is read
 * as a stream.
 */
export const readStdin = (maxBytes: number, timeoutMs: number, stream?: NodeJS.ReadStream): Promise<StdinResult> => {
  const kind = stream === undefined ? stdinKind() : undefined;
  if (stream === undefined ? kind === 'other' && process.stdin.isTTY === true : stream.isTTY === true) return Promise.resolve({ _tag: 'Tty' });
  return new Promise((resolve) => collectStdin(maxBytes, timeoutMs, resolve, { kind, stream }));
};

/** Parse a hook payload: a JSON object (not an array). @returns `null` for anything else. Never throws. */
export const parsePayload = objectOf;

/**
 * The JSON value of a stdin read by {@link readStdin}, any JSON type; `fallback` when stdin was not read (`Tty`,
 * `TooLarge`, `Timeout`, `Error`) or is not JSON. Never throws.
 */
export const stdinJson = (input: StdinResult, fallback?: unknown): unknown => {
  if (input._tag !== 'Ok') return fallback;
  try {
    return JSON.parse(input.text) as unknown;
  } catch {
    return fallback;
  }
};

/** A string field of a payload, or `undefined` when absent or not a string. */
export const str = (p: Record<string, unknown>, k: string): string | undefined => {
  const v = p[k];
  return typeof v === 'string' ? v : undefined;
};

/** What a hook process prints and its exit code. */
export interface HookResult {
  readonly code: number;
  readonly stdout?: string;
  readonly stderr?: string;
}

/** The silent allow: exit 0, nothing printed. */
export const ALLOW: HookResult = { code: 0 };

/** A kernel rendering (`Rendered`: every decision renders its verdict for the host in the kernel) as a hook result. */
export const fromRendered = (r: Rendered): HookResult => ({ code: r.exit, stdout: r.stdout, stderr: r.stderr });

/**
 * Write a result synchronously and exit with its code. What the host (and so the model) reads is masked first
 * (secrets.md §12 "hook answers": `maskOutput` keeps a JSON answer valid JSON).
 */
export const finish = (r: HookResult): never => {
  try {
    if (r.stdout !== undefined && r.stdout !== '') writeSync(1, maskOutput(r.stdout));
    if (r.stderr !== undefined && r.stderr !== '') writeSync(2, maskOutput(r.stderr));
  } catch {
    // a closed pipe changes nothing: the exit code still decides
  }
  process.exit(r.code);
};


