/**
 * In-memory `StateLockFiles` (hooks.md §2 "a lock-file simulator whose interleaving tests can control"): files
 * as `{text, mtime}` in a map, the same contract as the io-node adapter, plus test controls: fault injection per
 * operation (an error or a throw), a pause before each operation takes effect (a fast-check scheduler hook), and a
 * log of operations.
 */
import * as E from 'fp-ts/lib/Either.js';
import type { CreateResult, StateLockFiles, StateLockFilesError, stateLock } from '@arbiter/kernel';

/** Operation names of the port. */
export type StateLockFilesOp = 'ensureDir' | 'read' | 'mtime' | 'touch' | 'createExclusive' | 'unlink';

/** A file in the simulator. `mtime` ms epoch. */
export interface MemFile {
  readonly text: string;
  readonly mtime: number;
}

/** The simulator with its controls. */
export interface MemoryStateLockFiles extends StateLockFiles {
  /** Current file at `path`, if any. */
  readonly peek: (path: string) => MemFile | undefined;
  /** Put a file directly (e.g. a lock left by another host), with its mtime. */
  readonly put: (path: string, text: string, mtime: number) => void;
  /** The next call of `op` fails with errno `code` (an `E.left`). */
  readonly failNext: (op: StateLockFilesOp, code: string) => void;
  /** The next call of `op` throws (a bug or a broken adapter; HL-P9). */
  readonly throwNext: (op: StateLockFilesOp) => void;
  /** Await `pause(op, path)` before each operation takes effect; operations are atomic after the pause. */
  readonly setPause: (pause: ((op: StateLockFilesOp, path: string) => Promise<void>) | null) => void;
  /** Every operation performed, in order. */
  readonly ops: () => ReadonlyArray<{ readonly op: StateLockFilesOp; readonly path: string }>;
}

/**
 * Create an empty simulator. `now` gives the mtime of created files (ms epoch); `touch` sets the mtime it is given.
 */
export const memoryStateLockFiles = (now: () => number = () => 0): MemoryStateLockFiles => {
  const files = new Map<string, MemFile>();
  const failures = new Map<StateLockFilesOp, string>();
  const throws = new Set<StateLockFilesOp>();
  const log: Array<{ op: StateLockFilesOp; path: string }> = [];
  let pause: ((op: StateLockFilesOp, path: string) => Promise<void>) | null = null;

  const run =
    <A>(op: StateLockFilesOp, path: string, f: () => E.Either<StateLockFilesError, A>) =>
    async (): Promise<E.Either<StateLockFilesError, A>> => {
      if (pause !== null) await pause(op, path);
      log.push({ op, path });
      if (throws.delete(op)) throw new Error(`injected ${op} fault`);
      const code = failures.get(op);
      if (code !== undefined) {
        failures.delete(op);
        return E.left({ _tag: 'StateLockFilesError', code, detail: `${op}: ${code}` });
      }
      return f();
    };
  const enoent = (op: StateLockFilesOp): E.Either<StateLockFilesError, never> => E.left({ _tag: 'StateLockFilesError', code: 'ENOENT', detail: `${op}: ENOENT` });

  return {
    ensureDir: (dir) => run('ensureDir', dir, () => E.right(undefined)),
    read: (path) =>
      run('read', path, (): E.Either<StateLockFilesError, stateLock.LockFileRead> => {
        const f = files.get(path);
        return E.right(f === undefined ? { _tag: 'Absent' } : { _tag: 'Present', text: f.text });
      }),
    mtime: (path) =>
      run('mtime', path, () => {
        const f = files.get(path);
        return f === undefined ? enoent('mtime') : E.right(f.mtime);
      }),
    touch: (path, at) =>
      run('touch', path, () => {
        const f = files.get(path);
        if (f === undefined) return enoent('touch');
        files.set(path, { text: f.text, mtime: at });
        return E.right(undefined);
      }),
    createExclusive: (path, body) =>
      run('createExclusive', path, (): E.Either<StateLockFilesError, CreateResult> => {
        if (files.has(path)) return E.right('Lost');
        files.set(path, { text: body, mtime: now() });
        return E.right('Won');
      }),
    unlink: (path) =>
      run('unlink', path, () => {
        files.delete(path);
        return E.right(undefined);
      }),
    peek: (path) => files.get(path),
    put: (path, text, mtime) => {
      files.set(path, { text, mtime });
    },
    failNext: (op, code) => {
      failures.set(op, code);
    },
    throwNext: (op) => {
      throws.add(op);
    },
    setPause: (p) => {
      pause = p;
    },
    ops: () => log,
  };
};
