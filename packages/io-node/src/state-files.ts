/**
 * Filesystem adapter of the `StateFiles` port (kernel `ports/state-files.ts`): the small JSON state files of one
 * repository's runtime directory (`build-state.json`, `stop-gate.json`, `stop-gate-continues.json`).
 *
 * Write discipline (hooks.md §5 rules 1–2, architecture.md "Stores write with compare-and-set"):
 * - every write replaces the file atomically (temp + fsync + rename, via `writeFileAtomic`);
 * - `update` re-reads the file while holding `<name>.mutex`, created exclusively (O_EXCL), retried every 25 ms for
 *   up to 2000 ms; a mutex older than 10 s is deleted as stale; the mutex is removed after the write.
 */
import { closeSync, openSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { StateFileFailure, StateFileName, StateFiles, UpdateStep } from '@arbiter/kernel';
import { ensureDir, errnoCode } from './atomic.js';
import { writeFileAtomic } from './atomic-write.js';
import { describeStateFailure, readState } from './state-io.js';

/** Retry interval while waiting for a mutex, ms (hooks.md §5 rule 2). */
export const MUTEX_RETRY_MS = 25;
/** Longest wait for a mutex, ms. */
export const MUTEX_WAIT_MS = 2_000;
/** A mutex older than this is deleted as stale, ms. */
export const STALE_MUTEX_MS = 10_000;
/** Larger state files are refused as unreadable, bytes (they are a few hundred bytes in practice). */
export const STATE_FILE_MAX_BYTES = 4 * 1024 * 1024;

const NAMES: ReadonlySet<string> = new Set<StateFileName>(['build-state.json', 'stop-gate.json', 'stop-gate-continues.json']);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Read a state file synchronously: text, `null` when absent, or a failure. Never throws. */
export const readStateFileSync = (dir: string, name: StateFileName): { ok: true; text: string | null } | { ok: false; failure: StateFileFailure } => {
  if (!NAMES.has(name)) return { ok: false, failure: { _tag: 'ReadFailed', detail: 'unknown state file' } };
  // state-io: never blocks on a FIFO, follows no symlink; anything but a regular file reads as unreadable
  const r = readState(join(dir, name), STATE_FILE_MAX_BYTES);
  if (r._tag === 'Absent') return { ok: true, text: null };
  if (r._tag !== 'File') return { ok: false, failure: { _tag: 'ReadFailed', detail: describeStateFailure(r) } };
  if (r.truncated) return { ok: false, failure: { _tag: 'ReadFailed', detail: 'EFBIG' } };
  return { ok: true, text: r.bytes.toString('utf8') };
};

/** Options of {@link fsStateFiles} (tests shorten the waits). All in ms. */
export interface FsStateFilesOptions {
  readonly retryMs?: number;
  readonly waitMs?: number;
  readonly staleMs?: number;
  /** Clock for mutex staleness (ms epoch); defaults to `Date.now`. */
  readonly now?: () => number;
}

/**
 * The filesystem `StateFiles` for runtime directory `dir` (created 0700 on the first write).
 * Every operation returns a `TaskEither`; nothing throws or rejects.
 */
export const fsStateFiles = (dir: string, o: FsStateFilesOptions = {}): StateFiles => {
  const retryMs = o.retryMs ?? MUTEX_RETRY_MS;
  const waitMs = o.waitMs ?? MUTEX_WAIT_MS;
  const staleMs = o.staleMs ?? STALE_MUTEX_MS;
  const now = o.now ?? Date.now;

  const lock = async (name: StateFileName): Promise<string | StateFileFailure> => {
    const m = join(dir, `${name}.mutex`);
    try {
      ensureDir(dir);
    } catch (e) {
      return { _tag: 'WriteFailed', detail: errnoCode(e) };
    }
    const deadline = now() + waitMs;
    for (;;) {
      try {
        const fd = openSync(m, 'wx', 0o600);
        try {
          writeSync(fd, `${process.pid}\n`);
        } finally {
          closeSync(fd);
        }
        return m;
      } catch (e) {
        const code = errnoCode(e);
        if (code !== 'EEXIST') return { _tag: 'WriteFailed', detail: code };
      }
      try {
        if (now() - statSync(m).mtimeMs > staleMs) {
          unlinkSync(m);
          continue;
        }
      } catch {
        continue; // vanished between open and stat: try again at once
      }
      if (now() >= deadline) return { _tag: 'Busy', detail: `mutex ${name}.mutex held for more than ${waitMs} ms` };
      await sleep(retryMs);
    }
  };

  const unlock = (m: string): void => {
    try {
      unlinkSync(m);
    } catch {
      // already gone (stale-removed by another process); nothing to do
    }
  };

  return {
    dir,
    read: (name) => async () => {
      const r = readStateFileSync(dir, name);
      return r.ok ? { _tag: 'Right', right: r.text } : { _tag: 'Left', left: r.failure };
    },
    replace: (name, text) => async () => {
      if (!NAMES.has(name)) return { _tag: 'Left', left: { _tag: 'WriteFailed', detail: 'unknown state file' } };
      const err = writeFileAtomic(join(dir, name), text);
      return err === null ? { _tag: 'Right', right: undefined } : { _tag: 'Left', left: { _tag: 'WriteFailed', detail: err.code } };
    },
    update:
      <R>(name: StateFileName, f: (current: string | null) => UpdateStep<R>) =>
      async () => {
        if (!NAMES.has(name)) return { _tag: 'Left' as const, left: { _tag: 'WriteFailed' as const, detail: 'unknown state file' } };
        const m = await lock(name);
        if (typeof m !== 'string') return { _tag: 'Left' as const, left: m };
        try {
          const r = readStateFileSync(dir, name);
          if (!r.ok) return { _tag: 'Left' as const, left: r.failure };
          let step: UpdateStep<R>;
          try {
            step = f(r.text);
          } catch {
            return { _tag: 'Left' as const, left: { _tag: 'WriteFailed' as const, detail: 'update function threw' } };
          }
          if (step.next !== null) {
            const err = writeFileAtomic(join(dir, name), step.next);
            if (err !== null) return { _tag: 'Left' as const, left: { _tag: 'WriteFailed' as const, detail: err.code } };
          }
          return { _tag: 'Right' as const, right: step.result };
        } finally {
          unlock(m);
        }
      },
  };
};
