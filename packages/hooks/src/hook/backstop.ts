/**
 * The hook backstop (architecture.md, hook life cycle, "Watchdog and backstop"; hooks.md §7 rule 6): a watchdog
 * that still ends the process when its event loop is blocked.
 *
 * Every hook's watchdog is a timer, and a timer cannot fire while a synchronous call holds the event loop (a read
 * that never returns, a sync spawn that hangs, a runaway loop). The backstop is a tiny separate process, a POSIX
 * `sh` with `sleep`, that past the deadline writes one line to the hook's stderr, marks the pre-push shim's file
 * when there is one (`ARBITER_WATCHDOG_MARK`, see cli/install.ts), and sends the hook SIGKILL. It fires only
 * `BACKSTOP_GRACE_MS` after the hook's own watchdog would have, so a free event loop always ends through the
 * watchdog and its documented verdict; the backstop ends only what the watchdog could not.
 *
 * It holds the read end of a pipe whose write end only the hook has: when the hook exits, however it exits (a
 * SIGKILL from the host included), the backstop reads end of file, stops its `sleep` and exits without killing
 * anything, so a later process that reuses the pid is never touched. Moving the deadline starts a fresh backstop
 * and closes the old one's pipe.
 *
 * A killed hook exits 137: Claude Code and Codex treat that as a non-blocking hook error (the tool call goes ahead,
 * fail-open); git would treat it as a refusal, so the installed pre-push shim turns exactly this kill into exit 0.
 *
 * Cost, measured here (bench/tool-call.bench.mjs): about 30 ms of CPU per armed hook, less than half of a worker
 * thread (about 80 ms: a second V8 isolate and Node bootstrap). So it is armed lazily, by the stages that go beyond
 * the early verdicts into git subprocesses, lanes or the network (which load `node:child_process` anyway); the early
 * paths do only bounded, non-blocking I/O (io-node state-io.ts) and never arm it.
 */

/** `node:child_process`, loaded on first use (the stages that arm the backstop load it for git anyway). */
const childProcess = (): typeof import('node:child_process') =>
  (process as unknown as { getBuiltinModule: (id: string) => typeof import('node:child_process') }).getBuiltinModule('node:child_process');

/** How long after a hook's own watchdog the backstop fires, ms. */
export const BACKSTOP_GRACE_MS = 500;

/** Environment variable naming the file the backstop marks before it kills (set by the pre-push shim). */
export const WATCHDOG_MARK_ENV = 'ARBITER_WATCHDOG_MARK';

/** What the backstop writes into the mark file (the shim only checks that the file is no longer empty). */
export const WATCHDOG_MARK_TEXT = 'arbiter-backstop\n';

/**
 * The backstop, run by `/bin/sh -c SCRIPT arbiter-backstop <seconds> <pid> <line>`: fd 0 is the pipe from the hook,
 * fd 3 the hook's stderr (only the final `printf` uses it; the background jobs close it so that no host waits on
 * them for the end of the hook's stderr). The `sleep` completes only if the pipe stayed open that long. (A background
 * job's stdin is `/dev/null` in a non-interactive shell, hence the pipe is handed to `cat` as fd 4.)
 */
const SCRIPT =
  'exec 4<&0; ' + // a background job's stdin is /dev/null unless redirected: keep the pipe as fd 4
  'sleep "$1" 3>&- 4<&- </dev/null & s=$!; ' +
  '( cat <&4 >/dev/null; kill "$s" 2>/dev/null ) 3>&- & ' +
  'if wait "$s" 2>/dev/null; then ' +
  'printf \'%s\\n\' "$3" >&3; ' +
  `[ -z "$${WATCHDOG_MARK_ENV}" ] || printf '${WATCHDOG_MARK_TEXT.trim()}\\n' >> "$${WATCHDOG_MARK_ENV}"; ` +
  'kill -9 "$2"; fi';

interface Armed {
  readonly stdin: { destroy(): void } | null;
}

let current: Armed | null = null;
let armedAt: number | null = null;

/**
 * Arm (or move) the backstop so it ends the process `ms` milliseconds from now plus {@link BACKSTOP_GRACE_MS},
 * unless the process has ended by then. A later call replaces the earlier backstop (each stage of an event sets its
 * own watchdog's deadline). `label` names the hook in the stderr line. Never throws: if no backstop can be started
 * (no `/bin/sh`), the hook keeps its timer watchdog only.
 */
export const armBackstop = (ms: number, label: string): void => {
  armedAt = Math.round(process.uptime() * 1000);
  const seconds = ((Math.max(0, ms) + BACKSTOP_GRACE_MS) / 1000).toFixed(3);
  const line = `arbiter: ${label} was still running past its watchdog with its event loop blocked; the backstop ended it (fail-open: the call goes ahead)`;
  try {
    const child = childProcess().spawn('/bin/sh', ['-c', SCRIPT, 'arbiter-backstop', seconds, String(process.pid), line], {
      stdio: ['pipe', 'ignore', 'ignore', 2],
      detached: true, // its own process group: a Ctrl-C to the hook's group leaves the cleanup to the pipe
    });
    child.on('error', () => undefined); // no sh: the timer watchdog is all there is
    child.stdin?.on('error', () => undefined);
    child.unref();
    (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
    const previous = current;
    current = { stdin: child.stdin };
    previous?.stdin?.destroy(); // the old backstop reads end of file and exits without killing
  } catch {
    // no backstop: the timer watchdog is all there is
  }
};

/** ms since process start when the backstop was last armed, or `null` when it never was (for tests and logs). */
export const backstopArmedAt = (): number | null => armedAt;
