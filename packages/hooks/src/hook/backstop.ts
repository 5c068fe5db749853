/**
 * The hook backstop (architecture.md, hook life cycle, "Watchdog and backstop"; hooks.md §7 rule 6): a watchdog
 * that still ends the process when its event loop is blocked.
 *
 * Every hook's watchdog is a timer, and a timer cannot fire while a synchronous call holds the event loop (a read
 * that never returns, a sync spawn that hangs, a runaway loop). The backstop is a tiny worker thread (its own
 * event loop) that, past the deadline, writes one line to stderr, marks the pre-push shim's file when there is one
 * (`ARBITER_WATCHDOG_MARK`, see cli/install.ts), and sends the process SIGKILL. It fires only `BACKSTOP_GRACE_MS`
 * after the hook's own watchdog would have, so a free event loop always ends through the watchdog and its
 * documented verdict; the backstop ends only what the watchdog could not.
 *
 * A killed hook exits 137: Claude Code and Codex treat that as a non-blocking hook error (the tool call goes ahead,
 * fail-open); git would treat it as a refusal, so the installed pre-push shim turns exactly this kill into exit 0.
 *
 * Cost: a worker costs about 20 ms of CPU (on another thread), so it is armed lazily, by the stages that go beyond
 * the early verdicts (git subprocesses, lanes, network); the early paths do only bounded, non-blocking I/O
 * (io-node state-io.ts) and never arm it. The worker is unref'd and dies with the process.
 */
import { sinceStartMs } from './clock.js';

/** How long after a hook's own watchdog the backstop fires, ms. */
export const BACKSTOP_GRACE_MS = 500;

/** Environment variable naming the file the backstop marks before it kills (set by the pre-push shim). */
export const WATCHDOG_MARK_ENV = 'ARBITER_WATCHDOG_MARK';

/** What the worker writes into the mark file (the shim only checks that the file is no longer empty). */
export const WATCHDOG_MARK_TEXT = 'arbiter-backstop\n';

// Runs in the worker (CommonJS `eval`): only node:fs and node:worker_threads, and nothing that can block.
const WORKER_SOURCE = `'use strict';
const { workerData, parentPort } = require('node:worker_threads');
const fs = require('node:fs');
const now = () => Number(process.hrtime.bigint() / 1000000n);
let deadline = workerData.deadline;
let timer = null;
const fire = () => {
  if (deadline - now() > 0) return arm();
  try { fs.writeSync(2, workerData.line); } catch {}
  if (workerData.mark !== '') {
    try {
      const c = fs.constants;
      const fd = fs.openSync(workerData.mark, c.O_WRONLY | c.O_APPEND | c.O_NOFOLLOW | c.O_NONBLOCK);
      try { fs.writeSync(fd, workerData.markText); } finally { fs.closeSync(fd); }
    } catch {}
  }
  process.kill(process.pid, 'SIGKILL');
};
const arm = () => {
  if (timer !== null) clearTimeout(timer);
  timer = setTimeout(fire, Math.max(0, deadline - now()));
};
parentPort.on('message', (d) => { deadline = d; arm(); });
arm();
`;

interface BackstopWorker {
  postMessage(value: unknown): void;
}

let worker: BackstopWorker | null = null;
let armedAt: number | null = null;

const monotonicMs = (): number => Number(process.hrtime.bigint() / 1_000_000n);

/**
 * Arm (or move) the backstop so it ends the process `ms` milliseconds from now plus {@link BACKSTOP_GRACE_MS},
 * unless the process has ended by then. The first call starts the worker; later calls move its deadline (either way:
 * each stage of an event sets it to its own watchdog). `label` names the hook in the stderr line. Never throws: if
 * no worker can be started, the hook keeps its timer watchdog only.
 */
export const armBackstop = (ms: number, label: string): void => {
  const deadline = monotonicMs() + Math.max(0, ms) + BACKSTOP_GRACE_MS;
  armedAt = sinceStartMs();
  try {
    if (worker !== null) {
      worker.postMessage(deadline);
      return;
    }
    const wt = (process as unknown as { getBuiltinModule: (id: string) => typeof import('node:worker_threads') }).getBuiltinModule('node:worker_threads');
    const line = `arbiter: ${label} was still running past its watchdog with its event loop blocked; the backstop ended it (fail-open: the call goes ahead)\n`;
    const w = new wt.Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { deadline, line, mark: process.env[WATCHDOG_MARK_ENV] ?? '', markText: WATCHDOG_MARK_TEXT },
      env: wt.SHARE_ENV,
      argv: [],
      execArgv: [],
      stdout: false,
      stderr: false,
      trackUnmanagedFds: false,
    });
    w.on('error', () => undefined); // a worker that fails leaves the timer watchdog in charge
    w.unref();
    worker = w;
  } catch {
    // no worker: the timer watchdog is all there is
  }
};

/** ms since process start when the backstop was last armed, or `null` when it never was (for tests and logs). */
export const backstopArmedAt = (): number | null => armedAt;
