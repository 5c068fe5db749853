/**
 * Bundle entry `dist/dispatch.cjs`, run by the `arbiter` binary (`dist/arbiter.cjs`, which compiles it with its V8
 * code cache): a dispatcher that loads exactly one more bundle —
 * `hook-<name>.cjs` for `arbiter hook <name> …` (the hot path, every tool call; `hook.cjs` for help and unknown
 * names) or `cli.cjs` for the verbs people run.
 *
 * Fast paths: for the hooks that run on most tool calls or turns, stdin is read here (`hook/stdin-reader.ts`, which
 * avoids loading the stream modules) and a payload that certainly needs no decision is answered at once, without
 * loading the hook bundle. Each answer is exactly what the full hook would print; no state is written, and the
 * verdicts the full hook would log are logged (`hook/fast-log.ts`). Anything else is handed to the hook bundle with
 * the stdin already read.
 * - `hook session-lock acquire|refresh`: a read-only tool (session-lock.md §12.3 H4) → exit 0, silent (the hook
 *   logs nothing for it either).
 * - `hook gate-push`: a Bash command that certainly holds no push, or a tool that is not Bash (push-gate.md P2–P3,
 *   R1–R2) → exit 0, silent; logged as `Allow not-a-push`.
 * - `hook stop`: no claim stem in the last assistant message, no build state and no stop-gate state in the
 *   repository's runtime directory (sentinels.md §0.8: claims skip, build rule 2 `no-state`, gate rules 4–5 or 9)
 *   → `{}`, exit 0; its three verdicts logged.
 */
import { existsSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { bashCommandOf, isMutatingTool, surelyNotPush } from '@arbiter/kernel/hot';
import { objectOf } from '../hook/json-object.js';
import { logNotAPush } from '../hook/fast-log.js';
import { collectStdin, stdinKind, type StdinKind } from '../hook/stdin-reader.js';
import { answer as noopStopAnswer } from '../hook/fast-stop.js';

/** What the dispatcher hands a hook bundle: the stdin it read, or why it could not. */
type Pre = { readonly stdinText?: string; readonly stdinFailed?: 'too-large' | 'timeout' };
type Main = (argv: ReadonlyArray<string>, pre?: Pre) => Promise<void>;
type Agent = 'claude' | 'codex';

// A computed path keeps the bundler from inlining the other entries into this one.
const load = (bundle: string): Main => (require(join(__dirname, bundle)) as { main: Main }).main;

/** Bundle and argv for `arbiter hook <name> …`: the hook's own bundle when it exists, else the generic one. */
const hookBundle = (argv: ReadonlyArray<string>): [string, ReadonlyArray<string>] => {
  const name = argv[1] ?? '';
  return /^[a-z][a-z-]{0,40}$/.test(name) && existsSync(join(__dirname, `hook-${name}.cjs`))
    ? [`hook-${name}.cjs`, argv.slice(2)]
    : ['hook.cjs', argv.slice(1)];
};

const args = process.argv.slice(2);
const agentOf = (a: ReadonlyArray<string>): Agent | null => {
  const i = a.indexOf('--agent');
  const v = i >= 0 ? a[i + 1] : a.find((x) => x.startsWith('--agent='))?.slice('--agent='.length);
  return v === 'claude' || v === 'codex' ? v : null;
};


/** One fast path: which invocations it serves, its stdin bounds, and the answer it can give without the bundle. */
interface FastPath {
  readonly matches: (a: ReadonlyArray<string>, agent: Agent) => boolean;
  /** Stdin cap, bytes (the hook's own cap). */
  readonly maxBytes: number;
  /** Bound on reading stdin, ms: when it fires the process prints `failOpen` and exits 0, like the hook would. */
  readonly stdinMs: number;
  /** Keep the stdin timer armed after the hand-over (the hook's watchdog counts from process start). */
  readonly keepTimer: boolean;
  /** What the hook prints when it fails open (stdin unreadable, over the cap, timed out). */
  readonly failOpen: string;
  /**
   * Over the cap or timed out: answer `failOpen` here, or hand over so the bundle sees (and logs) an unreadable
   * payload — as `stdinText: ''` (the gate's convention for "too large") or as `stdinFailed`.
   */
  readonly overCap: 'answer' | 'hand-over-empty' | 'hand-over-failed';
  /** The answer when no decision is needed (text to print, possibly empty), or null to hand over. */
  readonly answer: (text: string, agent: Agent) => string | null;
}

const FAST_PATHS: ReadonlyArray<FastPath> = [
  {
    matches: (a) => a[1] === 'session-lock' && (a[2] === 'acquire' || a[2] === 'refresh'),
    maxBytes: 1_048_576,
    stdinMs: 1_500, // LOCK_WATCHDOG_MS, from process start
    keepTimer: true,
    failOpen: '',
    overCap: 'answer',
    answer: (text, agent) => {
      const o = objectOf(text);
      const readOnly = o !== null && typeof o['session_id'] === 'string' && o['session_id'] !== '' && !isMutatingTool(agent, o['tool_name']);
      return readOnly ? '' : null;
    },
  },
  {
    matches: (a) => a[1] === 'gate-push', // --post too: a non-push releases nothing and logs nothing (push-gate.md §9)
    maxBytes: 1_048_576,
    stdinMs: 4_000, // GATE_WATCHDOG_MS; the bundle arms the rest of the same budget
    keepTimer: false,
    failOpen: '',
    overCap: 'hand-over-empty',
    answer: (text, agent) => {
      const o = objectOf(text);
      const cmd = o === null ? null : bashCommandOf(o);
      if (o === null || cmd === null) return null;
      const tool = o['tool_name'];
      if (!((typeof tool === 'string' && tool !== 'Bash') || surelyNotPush(cmd))) return null;
      // The gate's verdict here is `Allow not-a-push`: it goes to the decision log like every verdict (§16), from a
      // small bundle loaded only now. The post-tool release of a non-push logs nothing in the hook either.
      if (!args.includes('--post')) logNotAPush(o, agent);
      return '';
    },
  },
  {
    matches: (a) => a[1] === 'stop',
    maxBytes: 8 * 1024 * 1024, // STOP_STDIN_MAX_BYTES
    stdinMs: 5_000, // STOP_STDIN_TIMEOUT_MS
    keepTimer: false,
    failOpen: '{}\n',
    overCap: 'hand-over-failed',
    answer: noopStopAnswer,
  },
];

/** Read stdin for a fast path (fd 0 of kind `kind`), then answer or hand over to the hook bundle. */
const runFast = (fp: FastPath, agent: Agent, kind: StdinKind): void => {
  // Arbiter only ever formats instants in UTC; pinning this process's zone spares the first Date formatting the
  // local-timezone set-up (~2 ms of a hook's start-up). Hook bundles inherit it; the verbs are not affected.
  process.env['TZ'] = 'UTC';
  const exitWith = (out: string): never => {
    if (out === '') process.exit(0);
    try {
      // a synchronous write to fd 1: `process.stdout` on a pipe would load the stream modules for three bytes
      writeSync(1, out);
      process.exit(0);
    } catch {
      process.stdout.write(out, () => process.exit(0));
    }
    return undefined as never;
  };
  const handOver = (pre: Pre): void => {
    const [bundle, rest] = hookBundle(args);
    void load(bundle)(rest, pre);
  };
  // The hook's watchdog counts from process start: this timer stays armed through the hand-over.
  if (fp.keepTimer) setTimeout(() => exitWith(fp.failOpen), fp.stdinMs).unref();
  collectStdin(
    fp.maxBytes,
    fp.stdinMs,
    (r) => {
      if (r._tag === 'Ok') {
        const out = fp.answer(r.text, agent);
        if (out === null) handOver({ stdinText: r.text });
        else exitWith(out);
      } else if (r._tag === 'TooLarge' && fp.overCap === 'hand-over-empty') handOver({ stdinText: '' });
      else if ((r._tag === 'TooLarge' || r._tag === 'Timeout') && fp.overCap === 'hand-over-failed') handOver({ stdinFailed: r._tag === 'TooLarge' ? 'too-large' : 'timeout' });
      else exitWith(fp.failOpen);
    },
    { kind },
  );
};

const agent = agentOf(args);
// Only a payload on a pipe, socket or file takes a fast path (a terminal or a device goes to the hook bundle).
const kind = args[0] === 'hook' && agent !== null ? stdinKind() : 'other';
const fast = kind !== 'other' && agent !== null ? FAST_PATHS.find((f) => f.matches(args, agent)) : undefined;
if (fast !== undefined && agent !== null) {
  runFast(fast, agent, kind);
} else if (args[0] === 'hook') {
  const [bundle, rest] = hookBundle(args);
  void load(bundle)(rest);
} else {
  void load('cli.cjs')(args);
}
