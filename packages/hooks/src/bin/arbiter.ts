/**
 * Bundle entry `dist/arbiter.cjs`, the `arbiter` binary: a dispatcher that loads exactly one more bundle —
 * `hook-<name>.cjs` for `arbiter hook <name> …` (the hot path, every tool call; `hook.cjs` for help and unknown
 * names) or `cli.cjs` for the verbs people run.
 *
 * Fast path (session-lock.md §12.3 H4): for `hook session-lock acquire|refresh`, stdin is read here and a payload
 * naming a read-only tool exits 0 at once, without loading the hook bundle. Anything else is handed to the hook
 * bundle together with the stdin already read.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { bashCommandOf, isMutatingTool, surelyNotPush } from '@arbiter/kernel/hot';

type Main = (argv: ReadonlyArray<string>, pre?: { readonly stdinText?: string }) => Promise<void>;

const STDIN_MAX_BYTES = 1_048_576;
const WATCHDOG_MS = 1_500;

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
const agent = args.includes('--agent=codex') || args[args.indexOf('--agent') + 1] === 'codex' ? 'codex' : args.includes('--agent=claude') || args[args.indexOf('--agent') + 1] === 'claude' ? 'claude' : null;

/**
 * Fast path of `hook gate-push` (push-gate.md P2–P3, R1–R2): a payload whose Bash command certainly holds no push
 * (or whose tool is not Bash) exits 0 at once, without loading the hook bundle. Such calls touch no store, no git and
 * write no decision-log entry (the log records push-gate verdicts on commands that could be pushes).
 */
const gatePushFast = (text: string): boolean => {
  try {
    const p: unknown = JSON.parse(text);
    const cmd = bashCommandOf(p);
    if (cmd === null) return false;
    const tool = (p as Record<string, unknown>)['tool_name'];
    return (typeof tool === 'string' && tool !== 'Bash') || surelyNotPush(cmd);
  } catch {
    return false;
  }
};

if (args[0] === 'hook' && args[1] === 'gate-push' && agent !== null && process.stdin.isTTY !== true) {
  // GATE_WATCHDOG_MS while reading stdin; cleared on hand-over, where the hook bundle arms its own watchdog for the
  // rest of the same budget (counted from process start) and renders L-WATCHDOG if it fires.
  const wd = setTimeout(() => process.exit(0), 4_000);
  const chunks: Buffer[] = [];
  let size = 0;
  process.stdin.on('data', (c: Buffer) => {
    size += c.length;
    if (size > STDIN_MAX_BYTES) {
      process.stdin.removeAllListeners();
      clearTimeout(wd);
      const [bundle, rest] = hookBundle(args);
      void load(bundle)(rest, { stdinText: '' });
      return;
    }
    chunks.push(c);
  });
  process.stdin.on('error', () => process.exit(0));
  process.stdin.on('end', () => {
    if (size > STDIN_MAX_BYTES) return;
    const text = Buffer.concat(chunks).toString('utf8');
    if (gatePushFast(text)) process.exit(0);
    clearTimeout(wd);
    const [bundle, rest] = hookBundle(args);
    void load(bundle)(rest, { stdinText: text });
  });
} else if (args[0] === 'hook' && args[1] === 'session-lock' && (args[2] === 'acquire' || args[2] === 'refresh') && agent !== null && process.stdin.isTTY !== true) {
  setTimeout(() => process.exit(0), WATCHDOG_MS).unref();
  const chunks: Buffer[] = [];
  let size = 0;
  process.stdin.on('data', (c: Buffer) => {
    size += c.length;
    if (size > STDIN_MAX_BYTES) process.exit(0); // unreadable payload: fail open (H2)
    chunks.push(c);
  });
  process.stdin.on('error', () => process.exit(0));
  process.stdin.on('end', () => {
    const text = Buffer.concat(chunks).toString('utf8');
    let readOnly = false;
    try {
      const p: unknown = JSON.parse(text);
      if (typeof p === 'object' && p !== null && !Array.isArray(p)) {
        const o = p as Record<string, unknown>;
        readOnly = typeof o['session_id'] === 'string' && o['session_id'] !== '' && !isMutatingTool(agent, o['tool_name']);
      }
    } catch {
      // the hook bundle decides (and logs) what a malformed payload means
    }
    if (readOnly) process.exit(0);
    const [bundle, rest] = hookBundle(args);
    void load(bundle)(rest, { stdinText: text });
  });
} else if (args[0] === 'hook') {
  const [bundle, rest] = hookBundle(args);
  void load(bundle)(rest);
} else {
  void load('cli.cjs')(args);
}
