/**
 * io-node state-io.ts (hooks.md §5 rule 5; architecture.md "State files are opened without blocking"): reads,
 * appends and listings of state never wait on and never follow what is planted at a state name, and report what it
 * was. The fail-open boundary as a property: a read returns bytes exactly when the name is a regular file, and then
 * exactly its first `maxBytes` bytes; everything else is `Absent`, `NotRegular` with the right kind, or an errno.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendState, listState, listStateEntries, openState, readLinesBackward, readListedState, readState, readStateText, throwingState } from '@arbiter/io-node';
import { tmp } from './helpers/bin.js';

type Planted = 'absent' | 'file' | 'fifo' | 'socket' | 'directory' | 'symlink-loop' | 'symlink-to-file';

let dir = '';
let socketPath = '';

beforeAll(async () => {
  dir = tmp('arbiter-state-io-');
  // one socket file, bound at a short path and renamed in (sun_path is short); it stays after the server closes
  const short = join(tmp('asio-'), 's');
  const server = createServer();
  await new Promise<void>((res, rej) => server.once('error', rej).listen(short, () => res()));
  socketPath = join(dir, 'the-socket');
  renameSync(short, socketPath);
  await new Promise<void>((res) => server.close(() => res()));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
/** Make a fresh name holding `kind` (regular files get `content`). */
const plant = (kind: Planted, content: Buffer): string => {
  const p = join(dir, `n${n++}`);
  switch (kind) {
    case 'absent':
      break;
    case 'file':
      writeFileSync(p, content);
      break;
    case 'fifo':
      execFileSync('mkfifo', [p]);
      break;
    case 'socket':
      return socketPath;
    case 'directory':
      mkdirSync(p);
      break;
    case 'symlink-loop':
      symlinkSync(`n${n - 1}`, p);
      break;
    case 'symlink-to-file':
      writeFileSync(`${p}.target`, content);
      symlinkSync(`${p}.target`, p);
      break;
  }
  return p;
};

const KIND_OF: Record<Exclude<Planted, 'absent' | 'file'>, string> = {
  fifo: 'fifo',
  socket: 'socket',
  directory: 'directory',
  'symlink-loop': 'symlink',
  'symlink-to-file': 'symlink',
};

const PLANTED: ReadonlyArray<Planted> = ['absent', 'file', 'fifo', 'socket', 'directory', 'symlink-loop', 'symlink-to-file'];

describe('readState', () => {
  it('property: bytes exactly for a regular file (its first maxBytes), else Absent or NotRegular with the kind found', () => {
    fc.assert(
      fc.property(fc.constantFrom(...PLANTED), fc.uint8Array({ maxLength: 2048 }), fc.integer({ min: 0, max: 3000 }), (kind, bytes, max) => {
        const content = Buffer.from(bytes);
        const r = readState(plant(kind, content), max);
        if (kind === 'file') {
          expect(r).toMatchObject({ _tag: 'File', truncated: content.length > max, size: content.length });
          if (r._tag === 'File') expect(Buffer.compare(r.bytes, content.subarray(0, max))).toBe(0);
        } else if (kind === 'absent') {
          expect(r).toEqual({ _tag: 'Absent' });
        } else {
          expect(r).toEqual({ _tag: 'NotRegular', kind: KIND_OF[kind] });
        }
      }),
      { numRuns: 150 },
    );
  });

  it('readStateText and throwingState: text of a regular file; null / a thrown ENOENT or ENOTREG otherwise', () => {
    const f = plant('file', Buffer.from('{"a":1}'));
    expect(readStateText(f)).toBe('{"a":1}');
    expect(throwingState(f)).toBe('{"a":1}');
    expect(readStateText(f, 3)).toBeNull(); // larger than the bound
    expect(readStateText(plant('fifo', Buffer.alloc(0)))).toBeNull();
    expect(() => throwingState(plant('fifo', Buffer.alloc(0)))).toThrow(expect.objectContaining({ code: 'ENOTREG' }));
    expect(() => throwingState(plant('absent', Buffer.alloc(0)))).toThrow(expect.objectContaining({ code: 'ENOENT' }));
    expect(readState(join(f, 'below-a-file'))).toEqual({ _tag: 'Error', code: 'ENOTDIR' });
  });
});

describe('appendState', () => {
  it('appends to a regular file (creating it 0600), and writes nothing anywhere else', () => {
    const p = plant('absent', Buffer.alloc(0));
    expect(appendState(p, 'a\n')).toEqual({ _tag: 'Appended' });
    expect(appendState(p, 'b\n')).toEqual({ _tag: 'Appended' });
    expect(readFileSync(p, 'utf8')).toBe('a\nb\n');
    for (const kind of ['fifo', 'socket', 'directory', 'symlink-loop', 'symlink-to-file'] as const) {
      const q = plant(kind, Buffer.from('target'));
      expect([kind, appendState(q, 'x\n')]).toEqual([kind, { _tag: 'NotRegular', kind: KIND_OF[kind] }]);
    }
    expect(readFileSync(`${join(dir, `n${n - 1}`)}.target`, 'utf8')).toBe('target'); // a symlink is never followed
    expect(appendState(join(dir, 'missing-dir', 'f'), 'x')).toEqual({ _tag: 'Error', code: 'ENOENT' });
  });

  it('a FIFO with a reader is still refused (fstat check), not written into', () => {
    const p = plant('fifo', Buffer.alloc(0));
    const reader = openState(p, 'read'); // opens a non-blocking reader, then refuses it as a FIFO
    expect(reader).toEqual({ _tag: 'NotRegular', kind: 'fifo' });
    expect(openState(p, 'read-append')).toEqual({ _tag: 'NotRegular', kind: 'fifo' });
  });
});

describe('listState', () => {
  it('lists a directory; a missing one is Absent; a non-directory or a symlink loop is NotRegular, never a throw', () => {
    const d = plant('directory', Buffer.alloc(0));
    writeFileSync(join(d, 'x'), '');
    expect(listState(d)).toEqual({ _tag: 'Entries', names: ['x'] });
    expect(listState(plant('absent', Buffer.alloc(0)))).toEqual({ _tag: 'Absent' });
    expect(listState(plant('fifo', Buffer.alloc(0)))).toEqual({ _tag: 'NotRegular', kind: 'fifo' });
    expect(listState(plant('file', Buffer.from('x')))).toEqual({ _tag: 'NotRegular', kind: 'file' });
    expect(listState(socketPath)).toEqual({ _tag: 'NotRegular', kind: 'socket' });
    expect(listState(plant('symlink-loop', Buffer.alloc(0)))).toEqual({ _tag: 'NotRegular', kind: 'symlink' });
  });
});

describe('readLinesBackward', () => {
  // lines of any Unicode text (multi-byte characters land across chunk edges), empty lines, long lines, with or
  // without a final newline, read in chunks of any size
  const lineArb = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 12 }), fc.constant(''), fc.string({ minLength: 20, maxLength: 60 })).map((l) => l.replaceAll('\n', ' '));
  it('property: visits the non-empty lines no longer than maxLineBytes, last first, and stops when asked', () => {
    fc.assert(
      fc.property(fc.array(lineArb, { maxLength: 30 }), fc.boolean(), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 8, max: 200 }), fc.nat({ max: 35 }), (lines, trailing, chunk, maxLine, stopAfter) => {
        const path = plant('file', Buffer.from(lines.join('\n') + (trailing && lines.length > 0 ? '\n' : ''), 'utf8'));
        const want = lines.filter((l) => l !== '' && Buffer.byteLength(l, 'utf8') <= maxLine).reverse();
        const seen: string[] = [];
        expect(readLinesBackward(path, (l) => (seen.push(l), seen.length === stopAfter), maxLine, chunk)).toEqual({ _tag: 'Done' });
        expect(seen).toEqual(stopAfter === 0 ? want : want.slice(0, stopAfter));
      }),
      { numRuns: 300 },
    );
  });
  it('reports what is not a regular file, and visits nothing', () => {
    for (const kind of PLANTED.filter((k) => k !== 'file')) {
      const seen: string[] = [];
      const r = readLinesBackward(plant(kind, Buffer.alloc(0)), (l) => (seen.push(l), false));
      expect(r).toEqual(kind === 'absent' ? { _tag: 'Absent' } : { _tag: 'NotRegular', kind: KIND_OF[kind] });
      expect(seen).toEqual([]);
    }
  });
});

describe('listStateEntries and readListedState', () => {
  it('property: the listing names each entry with its kind; a listed regular file reads exactly, bounded by the buffer', () => {
    fc.assert(
      fc.property(fc.constantFrom(...PLANTED), fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 1, max: 400 }), (kind, bytes, size) => {
        const content = Buffer.from(bytes);
        const p = plant(kind, content);
        const listed = listStateEntries(dir);
        expect(listed._tag).toBe('Entries');
        const entry = listed._tag === 'Entries' ? listed.entries.find((e) => e.name === p.slice(dir.length + 1)) : undefined;
        if (kind === 'absent') {
          expect(entry).toBeUndefined();
          return;
        }
        expect(entry?.kind).toBe(kind === 'file' ? 'regular' : KIND_OF[kind]);
        const buf = Buffer.alloc(size);
        const r = readListedState(p, buf);
        if (kind === 'file') {
          expect(r).toEqual({ _tag: 'Read', length: Math.min(size, content.length), truncated: content.length >= size });
          expect(Buffer.compare(buf.subarray(0, Math.min(size, content.length)), content.subarray(0, size))).toBe(0);
        } else {
          // a FIFO opens without waiting and its positional read fails (ESPIPE); a directory's read fails (EISDIR)
          expect(r).toEqual({ _tag: 'NotRegular', kind: KIND_OF[kind] });
        }
      }),
      { numRuns: 60 },
    );
  });
  it('fails like listState for a missing directory or a non-directory', () => {
    expect(listStateEntries(plant('absent', Buffer.alloc(0)))).toEqual({ _tag: 'Absent' });
    expect(listStateEntries(plant('file', Buffer.from('x')))).toEqual({ _tag: 'NotRegular', kind: 'file' });
    expect(listStateEntries(plant('symlink-loop', Buffer.alloc(0)))).toEqual({ _tag: 'NotRegular', kind: 'symlink' });
    expect(readListedState(plant('absent', Buffer.alloc(0)), Buffer.alloc(4))).toEqual({ _tag: 'Absent' });
  });
});
