/**
 * The file-system decision log (push-gate.md §16 DL1–DL4; architecture.md conventions §6): NDJSON, one entry per
 * verdict, daily files `decisions-<YYYY-MM-DD>.ndjson` (UTC), files older than 14 days deleted by the first writer
 * of a new day, and a partial trailing line left by a crash truncated on the next append.
 *
 * Decision ids are ULIDs (`ulid`, the reference implementation of the ULID spec: time-ordered, 26 characters).
 */
import {
  closeSync,
  fstatSync,
  openSync,
  readSync,
  readdirSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
// a namespace for the one call only the writer makes: a bundle that reads the log but never appends (`arbiter serve
// --ui`) then carries no unused named import (the build's --strict mode fails on that warning)
import * as fsw from 'node:fs';
import { join } from 'node:path';
import { ulid } from 'ulid';
import * as E from 'fp-ts/lib/Either.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import type { DecisionLog, DecisionLogEntry, LogWriteFailure } from '@arbiter/kernel';
import { DAY_MS, serializeLogEntry } from '@arbiter/kernel';
import { ensureDir, errnoCode } from './dir.js';
import { describeStateFailure, openState, readState } from './state-io.js';

/** Days a daily log file is kept (DL1). */
export const LOG_RETENTION_DAYS = 14;
const FILE_RE = /^decisions-(\d{4}-\d{2}-\d{2})\.ndjson$/;
const REPAIR_LOCK_STALE_MS = 2_000;
/** Largest daily file read by `readDecisions`, bytes (a bigger one is read up to this size). */
const LOG_READ_MAX_BYTES = 256 * 1024 * 1024;

/**
 * A fresh decision id (ULID) for the instant `now` (ms epoch). `prng` (a `Math.random`-like source of [0, 1)) may
 * replace the default cryptographic source where start-up time matters: a log id needs order and uniqueness, not
 * secrecy.
 */
export const newDecisionId = (now: number, prng?: () => number): string => ulid(now, prng);

/** Daily file name for an instant (UTC date). */
export const logFileName = (now: number): string => `decisions-${new Date(now).toISOString().slice(0, 10)}.ndjson`;

/** Position just after the last `\n` of the open file, or 0; `null` when the file already ends with `\n` or is empty. */
const partialTailStart = (fd: number): number | null => {
  const size = fstatSync(fd).size;
  if (size === 0) return null;
  const one = Buffer.alloc(1);
  readSync(fd, one, 0, 1, size - 1);
  if (one[0] === 0x0a) return null;
  const chunk = Buffer.alloc(64 * 1024);
  let end = size;
  while (end > 0) {
    const start = Math.max(0, end - chunk.length);
    const n = readSync(fd, chunk, 0, end - start, start);
    const idx = chunk.subarray(0, n).lastIndexOf(0x0a);
    if (idx >= 0) return start + idx + 1;
    end = start;
  }
  return 0;
};

const withRepairLock = <A>(file: string, f: () => A): A => {
  const lock = `${file}.repair-lock`;
  const deadline = Date.now() + 200;
  let held = false;
  while (!held) {
    try {
      closeSync(openSync(lock, 'wx', 0o600));
      held = true;
    } catch {
      try {
        if (Date.now() - statSync(lock).mtimeMs > REPAIR_LOCK_STALE_MS) unlinkSync(lock);
      } catch {
        // vanished meanwhile
      }
      if (Date.now() > deadline) break; // give up the repair, still append
    }
  }
  try {
    return f();
  } finally {
    if (held) {
      try {
        unlinkSync(lock);
      } catch {
        // best effort
      }
    }
  }
};

const pruneOld = (dir: string, now: number): void => {
  try {
    const cutoff = now - LOG_RETENTION_DAYS * DAY_MS;
    for (const name of readdirSync(dir)) {
      const m = FILE_RE.exec(name);
      if (m?.[1] !== undefined && Date.parse(`${m[1]}T00:00:00.000Z`) < cutoff) unlinkSync(join(dir, name));
    }
  } catch {
    // retention is best effort
  }
};

/**
 * Append serialised entries (one, or several verdicts of one hook run) to the daily file of `now` in `dir` with a
 * single `write` (O_APPEND), first truncating a partial trailing line (under a short repair lock so two repairers
 * never cut each other's lines). The first writer of a new file prunes files older than 14 days. Synchronous (DL2).
 * @returns `null` on success or a `LogWriteFailure` (the caller ignores it: logging never changes a verdict).
 */
export const appendDecisionSync = (dir: string, entry: DecisionLogEntry | ReadonlyArray<DecisionLogEntry>, now: number): LogWriteFailure | null => {
  try {
    ensureDir(dir);
    const file = join(dir, logFileName(now));
    // state-io: O_RDWR|O_APPEND|O_CREAT|O_NONBLOCK|O_NOFOLLOW and a regular file only: a FIFO, socket, directory or
    // symlink at the day's name is a failed write (DL2: the verdict stands), never a wait
    const o = openState(file, 'read-append');
    if (o._tag !== 'Open') return { _tag: 'LogWriteFailure', detail: describeStateFailure(o) };
    const fd = o.fd;
    try {
      const entries: ReadonlyArray<DecisionLogEntry> = Array.isArray(entry) ? entry : [entry as DecisionLogEntry];
      const line = Buffer.from(entries.map(serializeLogEntry).join(''), 'utf8');
      const size = fstatSync(fd).size;
      if (partialTailStart(fd) !== null) {
        withRepairLock(file, () => {
          const cut = partialTailStart(fd);
          if (cut !== null) fsw.ftruncateSync(fd, cut);
          writeSync(fd, line);
        });
      } else {
        writeSync(fd, line);
      }
      if (size === 0) pruneOld(dir, now);
    } finally {
      closeSync(fd);
    }
    return null;
  } catch (e) {
    return { _tag: 'LogWriteFailure', detail: errnoCode(e) };
  }
};

/** Filters for {@link readDecisions}. */
export interface LogQuery {
  readonly policy?: string;
  readonly verdict?: string;
  /** Only entries at or after this instant (ms epoch). */
  readonly since?: number;
  readonly limit?: number;
}

/**
 * Read every entry of every daily file in `dir`, oldest first, skipping lines that do not parse (a partial line, a
 * foreign line). @returns the entries; an absent directory gives `[]`. Throws nothing.
 */
export const readDecisions = (dir: string, q: LogQuery = {}): DecisionLogEntry[] => {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => FILE_RE.test(n)).sort();
  } catch {
    return [];
  }
  const out: DecisionLogEntry[] = [];
  for (const name of names) {
    // state-io: never blocks on a FIFO, follows no symlink; anything but a regular file is skipped like a torn line
    const r = readState(join(dir, name), LOG_READ_MAX_BYTES);
    if (r._tag !== 'File') continue;
    const text = r.bytes.toString('utf8');
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      try {
        const e = JSON.parse(line) as DecisionLogEntry;
        if (typeof e !== 'object' || e === null || typeof e.policy !== 'string') continue;
        if (q.policy !== undefined && e.policy !== q.policy) continue;
        if (q.verdict !== undefined && e.verdict !== q.verdict) continue;
        if (q.since !== undefined && Date.parse(e.timestamp) < q.since) continue;
        out.push(e);
      } catch {
        // partial or foreign line: skipped on read, truncated on the next append
      }
    }
  }
  return q.limit !== undefined ? out.slice(-q.limit) : out;
};

/** The `DecisionLog` port over a directory (for tools importing io-node). `clock` supplies ms epoch. */
export const openDecisionLog = (dir: string, clock: () => number = Date.now): DecisionLog => ({
  append: (entry) => async () => {
    const r = appendDecisionSync(dir, entry, clock());
    return r === null ? E.right(undefined) : E.left(r);
  },
  read: () => TE.right(readDecisions(dir)),
});
