/**
 * The hooks' stdin reader (the dispatcher's fast paths and `runtime.readStdin`): reads a hook payload from fd 0 without
 * `process.stdin`, whose construction on a pipe or socket loads `net` and the stream modules — about 30 internal
 * modules, ~4–5 ms of every hook's start-up, more than the rest of a fast-path answer.
 *
 * - A regular file (`arbiter hook … < payload.json`) is read with `readSync`, which never waits.
 * - A pipe or a Unix socket (every hook host: Node hosts hand their children a socket, shells and Rust hosts a
 *   pipe) is read through a libuv pipe handle (`stdin-pipe.ts`, the one module that uses Node's legacy
 *   `process.binding` API, and why).
 * - Anything else, or a pipe the handle cannot serve (a binding that is missing or shaped differently in another
 *   Node release), falls back to `process.stdin`, the slower documented path. Correctness never depends on the fast
 *   reader.
 */
import { fstatSync, readSync } from 'node:fs';
import { legacyBinding, openPipeReader, type StdinSink } from './stdin-pipe.js';

export type { StdinSink } from './stdin-pipe.js';

/** What reading stdin gave. */
export type StdinResult =
  | { readonly _tag: 'Ok'; readonly text: string }
  | { readonly _tag: 'Tty' }
  | { readonly _tag: 'TooLarge' }
  | { readonly _tag: 'Timeout' }
  | { readonly _tag: 'Error' };

/**
 * Read stdin to end of file, at most `maxBytes` bytes, within `timeoutMs` ms (an unref'd timer), and call `done` once
 * with the result: `Ok` with the UTF-8 text, `TooLarge`, `Timeout` or `Error`. Reads fd 0 with {@link readStdinFd}
 * (its `kind` from {@link stdinKind}, passed when the caller already has it), or `stream` when given (tests).
 * Never throws. Sources: session-lock.md §12.3 H2, push-gate.md `STDIN_TIMEOUT_MS`, hooks.md §7 rule 1.
 */
export const collectStdin = (
  maxBytes: number,
  timeoutMs: number,
  done: (r: StdinResult) => void,
  o: { readonly kind?: StdinKind; readonly stream?: NodeJS.ReadStream } = {},
): void => {
  const chunks: Buffer[] = [];
  let size = 0;
  let settled = false;
  const settle = (r: StdinResult): void => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    stop();
    done(r);
  };
  const timer = setTimeout(() => settle({ _tag: 'Timeout' }), timeoutMs);
  timer.unref();
  const sink: StdinSink = {
    data: (c) => {
      size += c.length;
      if (size > maxBytes) settle({ _tag: 'TooLarge' });
      else chunks.push(c);
      return !settled;
    },
    error: () => settle({ _tag: 'Error' }),
    end: () => settle({ _tag: 'Ok', text: Buffer.concat(chunks).toString('utf8') }),
  };
  const stop = o.stream === undefined ? readStdinFd(sink, o.kind).stop : readStreamInto(o.stream, sink);
};

/** Which reader serves fd 0: `readSync` on a regular file, the libuv pipe handle, or the `process.stdin` stream. */
export type StdinPath = 'file' | 'pipe-handle' | 'stream';

/** A started read of fd 0: the reader that serves it, and `stop`, which ends reading and releases its handle. */
export interface StdinReading {
  readonly path: StdinPath;
  readonly stop: () => void;
}

/**
 * Start reading fd 0 into `sink`: chunks, then exactly one `end` or `error` (none after `stop()` or after `data`
 * returned false). `kind` is what {@link stdinKind} says of fd 0 (looked up when not given): a file is read with
 * `readSync`, a pipe through the pipe handle when it can serve ({@link openPipeReader}), anything else (and a pipe
 * it cannot serve) through `process.stdin`. @returns the reading: its path and `stop`. Never throws.
 */
export const readStdinFd = (sink: StdinSink, kind = stdinKind()): StdinReading => {
  if (kind === 'file') return { path: 'file', stop: readFile(sink) };
  const pipe = kind === 'pipe' ? openPipeReader(sink, legacyBinding()) : null;
  return pipe !== null ? { path: 'pipe-handle', stop: pipe } : { path: 'stream', stop: readStreamInto(process.stdin, sink) };
};

/**
 * What fd 0 is: a regular `file`, a `pipe` (FIFO or socket), or `other` (a terminal, a device such as /dev/null, or
 * a descriptor that cannot be inspected), which only `process.stdin` reads.
 */
export type StdinKind = 'file' | 'pipe' | 'other';

/** {@link StdinKind} of fd 0, by `fstat`. Never throws. */
export const stdinKind = (): StdinKind => {
  try {
    const st = fstatSync(0);
    return st.isFile() ? 'file' : st.isFIFO() || st.isSocket() ? 'pipe' : 'other';
  } catch {
    return 'other'; // fd 0 closed or unreadable: the stream reports the error
  }
};

/** A regular file: synchronous reads to its end (they never wait). */
const readFile = (sink: StdinSink): (() => void) => {
  const buf = Buffer.allocUnsafe(65_536);
  let stopped = false;
  // on the next turn, like the other readers, so the caller's timer and state are set up first
  setImmediate(() => {
    try {
      for (;;) {
        if (stopped) return;
        const n = readSync(0, buf, 0, buf.length, null);
        if (n === 0) return sink.end();
        if (!sink.data(Buffer.from(buf.subarray(0, n)))) return;
      }
    } catch {
      if (!stopped) sink.error();
    }
  });
  return () => {
    stopped = true;
  };
};

/**
 * Read a stream into `sink` (the documented path; `process.stdin` when the fast readers cannot serve). @returns
 * `stop`, which detaches and destroys the stream. Never throws.
 */
export const readStreamInto = (stream: NodeJS.ReadStream, sink: StdinSink): (() => void) => {
  let stopped = false;
  stream.on('data', (c: Buffer) => {
    if (!stopped && !sink.data(c)) stopped = true;
  });
  stream.on('error', () => {
    if (!stopped) sink.error();
  });
  stream.on('end', () => {
    if (!stopped) sink.end();
  });
  return () => {
    stopped = true;
    stream.removeAllListeners('data');
    stream.removeAllListeners('end');
    stream.removeAllListeners('error');
    stream.destroy();
  };
};
