/**
 * The stdin pipe handle (`packages/hooks/src/hook/stdin-pipe.ts`) on the running Node major: it engages for a
 * socket stdin (how Node hosts spawn hooks) and a FIFO stdin (shells, Rust hosts), a regular file is read with
 * `readSync`, and `process.stdin` takes over when the binding is missing, throws or is shaped differently.
 *
 * Each supported major has a row of expectations in SUPPORTED; the running major must have one (a Node release
 * that is not in the table fails here until someone checks the reader on it and adds its row), and only the running
 * major's row is run. A child process does the reading: the two reader modules are compiled from their sources
 * with TypeScript (they import only `node:fs`) into a temporary directory, and a small driver reports which path
 * it took and what it read.
 */
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, constants as FS, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import ts from 'typescript';
import { openPipeReader, type LegacyBinding, type StdinSink } from '../packages/hooks/src/hook/stdin-pipe.js';

type Path = 'file' | 'pipe-handle' | 'stream';
interface MajorRow {
  /** Path taken for a socket and a FIFO stdin with the real binding. */
  readonly socket: Path;
  readonly fifo: Path;
}
/** Supported Node majors (package.json engines `>=20.16`; CI runs 20, 22 and 24) and what each must do. */
const SUPPORTED: Readonly<Record<number, MajorRow>> = {
  20: { socket: 'pipe-handle', fifo: 'pipe-handle' },
  22: { socket: 'pipe-handle', fifo: 'pipe-handle' },
  24: { socket: 'pipe-handle', fifo: 'pipe-handle' },
};
const running = Number(process.versions.node.split('.')[0]);

// ───────────────────────────────────────── the child reader ─────────────────────────────────────────

const dir = mkdtempSync(join(tmpdir(), 'arbiter-stdin-pipe-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const compile = (name: string): void => {
  const src = readFileSync(new URL(`../packages/hooks/src/hook/${name}.ts`, import.meta.url), 'utf8');
  const out = ts.transpileModule(src, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true } });
  writeFileSync(join(dir, `${name}.js`), out.outputText);
};
compile('stdin-pipe');
compile('stdin-reader');
writeFileSync(join(dir, 'package.json'), '{"type":"commonjs"}\n');
// argv[2]: how to tamper with process.binding before the reader loads (none, missing, throws, reshaped).
writeFileSync(
  join(dir, 'driver.js'),
  `'use strict';
const mode = process.argv[2];
const real = process.binding;
if (mode === 'missing') process.binding = undefined;
if (mode === 'throws') process.binding = () => { throw new Error('binding refused'); };
if (mode === 'reshaped') process.binding = (name) => (name === 'stream_wrap' ? { ...real.call(process, name), streamBaseState: [] } : real.call(process, name));
const { readStdinFd, stdinKind } = require('./stdin-reader.js');
const chunks = [];
const kind = stdinKind();
const report = (how) => {
  process.stdout.write(JSON.stringify({ kind, path: reading.path, how, text: Buffer.concat(chunks).toString('utf8') }));
  reading.stop();
};
const reading = readStdinFd({ data: (c) => (chunks.push(c), true), error: () => report('error'), end: () => report('end') }, kind);
`,
);

interface Report {
  readonly kind: string;
  readonly path: Path;
  readonly how: 'end' | 'error';
  readonly text: string;
}
const PAYLOAD = JSON.stringify({ session_id: 's', tool_name: 'Bash', tool_input: { command: 'echo é🎉' }, pad: 'x'.repeat(200_000) });

/** Run the driver with `stdin` (a descriptor, or 'pipe' to write `PAYLOAD` into Node's socketpair). */
const runDriver = (mode: string, stdin: number | 'pipe'): Promise<Report> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(dir, 'driver.js'), mode], { stdio: [stdin, 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout?.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.stderr?.on('data', (c: Buffer) => (err += c.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out) as Report) : reject(new Error(`driver exit ${String(code)}: ${err}`))));
    if (stdin === 'pipe') child.stdin?.end(PAYLOAD);
  });

/** Feed a FIFO: the payload is written while the child reads (it is larger than a pipe buffer), then the writer closes. */
const runOnFifo = async (mode: string): Promise<Report> => {
  const path = join(dir, `fifo-${Math.random().toString(16).slice(2)}`);
  execFileSync('mkfifo', [path]);
  const rfd = openSync(path, FS.O_RDONLY | FS.O_NONBLOCK);
  const wfd = openSync(path, FS.O_WRONLY | FS.O_NONBLOCK);
  const done = runDriver(mode, rfd);
  closeSync(rfd);
  const bytes = Buffer.from(PAYLOAD, 'utf8');
  let off = 0;
  while (off < bytes.length) {
    try {
      off += writeSync(wfd, bytes, off, Math.min(16_384, bytes.length - off));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
      await new Promise((r) => setTimeout(r, 2));
    }
  }
  closeSync(wfd);
  return done;
};

// ───────────────────────────────────────── per major ─────────────────────────────────────────

describe('supported Node majors', () => {
  it(`the running major (${running}) is in the table of supported majors`, () => {
    expect(Object.keys(SUPPORTED).map(Number)).toContain(running);
  });
});

for (const [major, row] of Object.entries(SUPPORTED).filter(([m]) => Number(m) === running)) {
  describe(`Node ${major}: stdin readers in a child process`, () => {
    it(`a socket stdin (Node hosts) is read through ${row.socket}, all of it`, async () => {
      const r = await runDriver('none', 'pipe');
      expect(r).toEqual({ kind: 'pipe', path: row.socket, how: 'end', text: PAYLOAD });
    });

    it(`a FIFO stdin (shells, Rust hosts) is read through ${row.fifo}, all of it`, async () => {
      const r = await runOnFifo('none');
      expect(r).toEqual({ kind: 'pipe', path: row.fifo, how: 'end', text: PAYLOAD });
    });

    it('a regular file is read with readSync', async () => {
      const file = join(dir, 'payload.json');
      writeFileSync(file, PAYLOAD);
      const fd = openSync(file, 'r');
      try {
        expect(await runDriver('none', fd)).toEqual({ kind: 'file', path: 'file', how: 'end', text: PAYLOAD });
      } finally {
        closeSync(fd);
      }
    });

    for (const mode of ['missing', 'throws', 'reshaped']) {
      it(`with process.binding ${mode}, a socket and a FIFO fall back to process.stdin and read the same bytes`, async () => {
        expect(await runDriver(mode, 'pipe')).toEqual({ kind: 'pipe', path: 'stream', how: 'end', text: PAYLOAD });
        expect(await runOnFifo(mode)).toEqual({ kind: 'pipe', path: 'stream', how: 'end', text: PAYLOAD });
      });
    }
  });
}

// ───────────────────────────────────────── injected bindings, in process ─────────────────────────────────────────

describe('openPipeReader with an injected binding: null (the fallback), having read nothing', () => {
  const sink = (): StdinSink & { calls: string[] } => {
    const calls: string[] = [];
    return { calls, data: () => (calls.push('data'), true), error: () => void calls.push('error'), end: () => void calls.push('end') };
  };
  const realShape = (over: Partial<Record<'pipe_wrap' | 'stream_wrap' | 'uv', Record<string, unknown>>>, handle: Record<string, unknown> = {}): LegacyBinding => {
    const Pipe = function (this: Record<string, unknown>) {
      Object.assign(this, { open: () => 0, readStart: () => 0, readStop: () => 0, close: () => undefined, ...handle });
    };
    const base: Record<string, Record<string, unknown>> = {
      pipe_wrap: { Pipe, constants: { SOCKET: 1 } },
      stream_wrap: { streamBaseState: new Int32Array(4), kReadBytesOrError: 0, kArrayBufferOffset: 1 },
      uv: { UV_EOF: -4095 },
    };
    return (name) => ({ ...(base[name] ?? {}), ...(over[name as keyof typeof over] ?? {}) });
  };

  it('the well-shaped fake engages (so the cases below fail for the reason they name)', () => {
    const s = sink();
    const stop = openPipeReader(s, realShape({}));
    expect(stop).not.toBeNull();
    stop?.();
    expect(s.calls).toEqual([]);
  });

  const cases: Array<[string, LegacyBinding | undefined]> = [
    ['no process.binding at all', undefined],
    ['a binding that throws', () => {
      throw new Error('No such module: pipe_wrap');
    }],
    ['pipe_wrap without Pipe', realShape({ pipe_wrap: { Pipe: undefined } })],
    ['pipe_wrap without constants.SOCKET', realShape({ pipe_wrap: { constants: {} } })],
    ['streamBaseState not an Int32Array', realShape({ stream_wrap: { streamBaseState: [0, 0] } })],
    ['kReadBytesOrError missing', realShape({ stream_wrap: { kReadBytesOrError: undefined } })],
    ['UV_EOF missing', realShape({ uv: { UV_EOF: undefined } })],
    ['a handle that will not open fd 0', realShape({}, { open: () => -9 })],
    ['a handle whose constructor throws', realShape({ pipe_wrap: { Pipe: () => { throw new Error('x'); } } })],
    ['a handle that will not start reading', realShape({}, { readStart: () => -22 })],
    ['a handle whose readStart throws', realShape({}, { readStart: () => { throw new Error('x'); } })],
  ];
  for (const [name, binding] of cases) {
    it(name, () => {
      const s = sink();
      expect(openPipeReader(s, binding)).toBeNull();
      expect(s.calls).toEqual([]);
    });
  }
});
