/**
 * The hooks' stdin reader (the dispatcher's fast paths and `runtime.readStdin`): reads a hook payload from fd 0 without
 * `process.stdin`, whose construction on a pipe or socket loads `net` and the stream modules — about 30 internal
 * modules, ~4–5 ms of every hook's start-up, more than the rest of a fast-path answer.
 *
 * - A regular file (`arbiter hook … < payload.json`) is read with `readSync`, which never waits.
 * - A pipe or a Unix socket (every hook host: Node hosts hand their children a socket, shells and Rust hosts a
 *   pipe) is read through a libuv pipe handle from Node's legacy `process.binding` API (`pipe_wrap`,
 *   `stream_wrap`, `uv`; DEP0111 is documentation-only, no warning). The handle reads without blocking a thread, so
 *   the stdin timer still fires and `process.exit` still ends the process when a host never closes stdin (a blocked
 *   `fs.read` on the thread pool would make the exit wait for it forever).
 * - Anything else, or a binding that is missing or shaped differently (another Node release), falls back to
 *   `process.stdin`, the slower documented path. Correctness never depends on the fast reader.
 */
import { fstatSync, readSync } from 'node:fs';

/** Where {@link readStdinFd} delivers what it reads. `data` returns false to stop reading (over the cap). */
export interface StdinSink {
  readonly data: (chunk: Buffer) => boolean;
  readonly error: () => void;
  readonly end: () => void;
}

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
 * Never throws. Sources: session-lock.md §12.3 H2, push-gate.md `STDIN_TIMEOUT_MS`, sentinels.md §0.7 rule 1.
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
  const stop = o.stream === undefined ? readStdinFd(sink, o.kind) : readStreamInto(o.stream, sink);
};

/**
 * Start reading fd 0 into `sink`: chunks, then exactly one `end` or `error` (none after `stop()` or after `data`
 * returned false). `kind` is what {@link stdinKind} says of fd 0 (looked up when not given). @returns `stop`, which
 * ends reading and releases the descriptor's handle. Never throws.
 */
export const readStdinFd = (sink: StdinSink, kind = stdinKind()): (() => void) => {
  if (kind === 'file') return readFile(sink);
  return (kind === 'pipe' ? readPipeHandle(sink) : null) ?? readStreamInto(process.stdin, sink);
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

/** The parts of Node's legacy bindings the pipe reader uses (checked at run time before use). */
interface PipeHandle {
  open(fd: number): number;
  readStart(): number;
  readStop(): number;
  unref?(): void;
  close(): void;
  onread: (buf: ArrayBuffer | undefined) => void;
}
interface Bindings {
  readonly Pipe: new (type: number) => PipeHandle;
  readonly socketType: number;
  readonly state: Int32Array;
  readonly kBytes: number;
  readonly kOffset: number;
  readonly eof: number;
}

const bindings = (): Bindings | null => {
  const binding = (process as unknown as { binding?: (name: string) => Record<string, unknown> }).binding;
  if (typeof binding !== 'function') return null;
  const pw = binding('pipe_wrap');
  const sw = binding('stream_wrap');
  const uv = binding('uv');
  const Pipe = pw['Pipe'];
  const socketType = (pw['constants'] as Record<string, unknown> | undefined)?.['SOCKET'];
  const state = sw['streamBaseState'];
  const kBytes = sw['kReadBytesOrError'];
  const kOffset = sw['kArrayBufferOffset'];
  const eof = uv['UV_EOF'];
  if (typeof Pipe !== 'function' || typeof socketType !== 'number' || !(state instanceof Int32Array)) return null;
  if (typeof kBytes !== 'number' || typeof kOffset !== 'number' || typeof eof !== 'number') return null;
  return { Pipe: Pipe as Bindings['Pipe'], socketType, state, kBytes, kOffset, eof };
};

/** A pipe or socket through a libuv pipe handle. @returns `stop`, or null when the handle cannot be used. */
const readPipeHandle = (sink: StdinSink): (() => void) | null => {
  let h: PipeHandle;
  let b: Bindings | null;
  try {
    b = bindings();
    if (b === null) return null;
    h = new b.Pipe(b.socketType);
    if (h.open(0) !== 0) {
      h.close();
      return null;
    }
  } catch {
    return null;
  }
  const { state, kBytes, kOffset, eof } = b;
  let stopped = false;
  // Stopping reads and unrefs the handle but keeps fd 0 open: closing it would let the next file the hook opens take
  // descriptor 0, where a later reader of stdin or an inheriting child would find it.
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    try {
      h.readStop();
      if (typeof h.unref === 'function') h.unref();
      else h.close();
    } catch {
      // already closed
    }
  };
  h.onread = (ab) => {
    if (stopped) return;
    const n = state[kBytes] ?? -1;
    if (n > 0 && ab !== undefined) {
      if (!sink.data(Buffer.from(new Uint8Array(ab, state[kOffset] ?? 0, n)))) stop();
    } else if (n === eof) {
      stop();
      sink.end();
    } else if (n < 0) {
      stop();
      sink.error();
    }
  };
  try {
    if (h.readStart() !== 0) {
      stop();
      return null;
    }
  } catch {
    stop();
    return null;
  }
  return stop;
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
