/**
 * The df probe of the state-directory lock (state-lock.md §4 "The `fsLocal` probe"): which file system holds a
 * directory, as df's source column and, when `-T` works, its type. The kernel classifies the row
 * (`stateLock.classifyDfSource`); any failure is the `unknown` answer, which the kernel treats as not-local.
 */
import { childProcess, monotonicMs } from './lazy-builtins.js';
import type { TaskEither } from 'fp-ts/lib/TaskEither.js';
import * as E from 'fp-ts/lib/Either.js';
import { stateLock, type FsKind, type FsKindError } from '@arbiter/kernel';

/** What one df run produced. `code` is the exit status (null when killed); `timedOut` when the budget ran out. */
export interface DfRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly timedOut: boolean;
  readonly error?: string;
}

/** Runs df with an argument array and a time budget (ms). Injected in tests; the default uses `execFile`. */
export type DfRunner = (args: ReadonlyArray<string>, timeoutMs: number) => Promise<DfRun>;

/** Largest df output read, bytes (two lines are needed). */
const DF_MAX_BUFFER = 64 * 1024;

/**
 * Default runner: `execFile('df', args)` without a shell, `LC_ALL=C` (stable header), killed after `timeoutMs`.
 * Never rejects: a spawn error, a non-zero exit or a timeout is reported in the result.
 */
export const execDf: DfRunner = (args, timeoutMs) =>
  new Promise((resolve) => {
    try {
      childProcess().execFile(
        'df',
        [...args],
        { env: { ...process.env, LC_ALL: 'C' }, timeout: Math.max(1, Math.floor(timeoutMs)), maxBuffer: DF_MAX_BUFFER, encoding: 'utf8', windowsHide: true },
        (err, stdout) => {
          if (err === null) return resolve({ code: 0, stdout: String(stdout), timedOut: false });
          const e = err as NodeJS.ErrnoException & { killed?: boolean; signal?: string | null; code?: unknown };
          const timedOut = e.killed === true && e.signal !== null && e.signal !== undefined;
          resolve({
            code: typeof e.code === 'number' ? e.code : null,
            stdout: String(stdout ?? ''),
            timedOut,
            error: typeof e.code === 'string' ? e.code : timedOut ? 'timeout' : `exit ${String(e.code ?? e.signal ?? '?')}`,
          });
        },
      );
    } catch (e) {
      resolve({ code: null, stdout: '', timedOut: false, error: e instanceof Error ? e.message.slice(0, 200) : 'spawn failed' });
    }
  });

/** Options of {@link nodeFsKind}. */
export interface NodeFsKindOptions {
  /** `process.platform` by default; `linux` tries `df -PT` first. */
  readonly platform?: NodeJS.Platform;
  /** Budget of the whole probe, ms (default `stateLock.DF_BUDGET_MS` = 3000). */
  readonly budgetMs?: number;
  readonly run?: DfRunner;
  /** Monotonic clock for the budget, ms (default `monotonicMs`). */
  readonly clock?: () => number;
}

/**
 * The `FsKind` port over the real `df` (state-lock.md §4 steps 1–3): on Linux `df -PT -- <dir>`, elsewhere
 * `df -P -- <dir>`; if `df -PT` exits non-zero or its header's second column is not `Type`, `df -P` once within
 * the remaining budget. Errors: `FsKindTimeout` (budget spent), `FsKindFailed` (spawn error, non-zero exit),
 * `FsKindUnparseable` (fewer than two lines, empty data line). Never rejects; nothing is cached.
 */
export const nodeFsKind = (o: NodeFsKindOptions = {}): FsKind => ({
  probe:
    (path: string): TaskEither<FsKindError, stateLock.DfRow> =>
    async () => {
      const clock = o.clock ?? monotonicMs;
      const budget = o.budgetMs ?? stateLock.DF_BUDGET_MS;
      const run = o.run ?? execDf;
      const start = clock();
      const remaining = () => budget - (clock() - start);
      const once = async (withType: boolean): Promise<E.Either<FsKindError, stateLock.DfRow> | 'fallback'> => {
        const left = remaining();
        if (left <= 0) return E.left({ _tag: 'FsKindTimeout', detail: `df budget of ${budget} ms spent` });
        const r = await run(withType ? ['-PT', '--', path] : ['-P', '--', path], left);
        if (r.timedOut) return E.left({ _tag: 'FsKindTimeout', detail: `df did not answer within ${budget} ms` });
        if (r.code !== 0) return withType ? 'fallback' : E.left({ _tag: 'FsKindFailed', detail: `df failed: ${r.error ?? `exit ${String(r.code)}`}` });
        const parsed = stateLock.parseDfOutput(r.stdout, withType);
        if (parsed.ok) return E.right(parsed.row);
        if (withType && parsed.error === 'no-type-column') return 'fallback';
        return E.left({ _tag: 'FsKindUnparseable', detail: `df output: ${parsed.error}` });
      };
      try {
        if ((o.platform ?? process.platform) === 'linux') {
          const first = await once(true);
          if (first !== 'fallback') return first;
        }
        const second = await once(false);
        return second === 'fallback' ? E.left({ _tag: 'FsKindFailed', detail: 'df failed' }) : second;
      } catch (e) {
        return E.left({ _tag: 'FsKindFailed', detail: e instanceof Error ? e.message.slice(0, 200) : 'df failed' });
      }
    },
});

/**
 * The `fsLocal` probe answer for `dir` (state-lock.md §4): the kernel's classification of df's row, or `unknown` on any df
 * error (a `Left`). An adapter that throws is not caught here: the lock driver turns it into Disabled `error`
 * (state-lock.md §7 "Exceptions", HL-P9).
 */
export const fsLocal = async (df: FsKind, dir: string): Promise<stateLock.FsLocalAnswer> => {
  const r = await df.probe(dir)();
  return E.isRight(r) ? stateLock.classifyDfSource(r.right.source, r.right.fsType) : 'unknown';
};
