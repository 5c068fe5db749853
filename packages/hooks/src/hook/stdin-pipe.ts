/**
 * The one place Arbiter touches Node's legacy `process.binding` API: reading a hook's stdin when it is a pipe or a
 * Unix socket, through a libuv pipe handle (`pipe_wrap`, with `stream_wrap` for the read state and `uv` for the
 * end-of-file code).
 *
 * Why it exists: every hook host hands the hook its payload on a pipe (shells, Rust hosts) or a socket (Node hosts),
 * and the documented reader, `process.stdin`, loads `net` and the stream modules on construction (about 30 internal
 * modules, ~4-5 ms of a hook's start-up, more than the rest of a fast-path answer). A raw handle reads the same bytes
 * without them, and without blocking a thread: the caller's stdin timer still fires and `process.exit` still ends the
 * process when a host never closes stdin (a blocked `fs.read` on the thread pool would keep the exit waiting).
 * DEP0111 deprecates `process.binding` in documentation only; no warning is printed.
 *
 * Fallback: {@link openPipeReader} returns null, having read nothing, whenever the binding is missing, throws, or
 * is shaped differently than this module expects (another Node release may rename or drop any of it), and when
 * the handle will not open or start reading. The caller then reads `process.stdin`, so correctness never depends
 * on this module. test/stdin-pipe.test.ts proves, for each supported Node major, that the handle engages for a
 * socket and a FIFO and that the fallback is taken for a missing, throwing or reshaped binding.
 */

/** Where a stdin reader delivers what it reads. `data` returns false to stop reading (over the cap). */
export interface StdinSink {
  readonly data: (chunk: Buffer) => boolean;
  readonly error: () => void;
  readonly end: () => void;
}

/** `process.binding`'s shape: a binding's exports by name. */
export type LegacyBinding = (name: string) => Record<string, unknown>;

/** `process.binding` of this process, or undefined when this Node has none. */
export const legacyBinding = (): LegacyBinding | undefined => {
  const b = (process as unknown as { binding?: unknown }).binding;
  return typeof b === 'function' ? (b as LegacyBinding) : undefined;
};

/** The parts of the pipe handle used here (each checked at run time before use). */
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

/** The bindings this reader needs, or null when any is missing or of another shape. May throw (the caller catches). */
const bindingsOf = (binding: LegacyBinding): Bindings | null => {
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

/**
 * Start reading fd 0 (a pipe or a socket) into `sink` through a libuv pipe handle made with `binding` (this
 * process's `process.binding`, {@link legacyBinding}; tests inject others; undefined when there is none). Chunks arrive in order, then exactly one `end` or
 * `error`; nothing after `stop()` or after `data` returned false.
 * @returns `stop`, which stops reading and unrefs the handle but keeps fd 0 open (closing it would let the next file
 *   the process opens take descriptor 0, where a later reader of stdin or an inheriting child would find it); or
 *   null, with nothing read, when the handle cannot be used (see the module's fallback). Never throws.
 */
export const openPipeReader = (sink: StdinSink, binding: LegacyBinding | undefined): (() => void) | null => {
  if (binding === undefined) return null;
  let h: PipeHandle;
  let b: Bindings | null;
  try {
    b = bindingsOf(binding);
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
