/**
 * File-system `BreakerStore` (breaker.md §8; port contract BS1–BS4 in the kernel's
 * `ports/breaker-store.ts`). The book is a chain of immutable generation files `book.json.<g>` in one directory.
 * A commit creates generation `expected + 1` with an exclusive link(2) of a fully written temp file (O_EXCL create
 * where links are refused), so of several processes committing on the same generation exactly one wins and the
 * others get `Conflict` (compare-and-set; never check-then-write). Readers take the newest generation, which is
 * always complete. A corrupt newest document is returned as it is; nothing in the store repairs or drops it.
 *
 * Each generation file ends with one trailer line, `#arbiter-commit {"commit":<id>,"parent":<id|null>}`: a random
 * commit id and the id of the generation it was built on (stripped by `read`). It settles the one ambiguous case
 * after a successful link: a newer generation already exists. Either another process built on our commit (it
 * stands: answering `Conflict` there would make the caller apply its change twice, e.g. count a failure twice), or
 * we were suspended past garbage collection and re-created a collected number (lost: our file is removed and the
 * answer is `Conflict`). The parent id of generation `expected + 2` tells which; when that file is gone, garbage
 * collection's age floor (`BREAKER_GEN_GC_AGE_MS`) tells: a successor created after our link cannot have been
 * collected yet unless the check ran that long after the link, which is reported as a failure (outcome unknown).
 *
 * Location (architecture.md conventions §2–3): per-repository runtime state `<git common dir>/arbiter/breaker/` (or
 * `$ARBITER_STATE_DIR/repos/<key>/breaker/`) inside a repository, else `<per-user state dir>/breaker/`.
 */
import { readdirSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { breaker, type BreakerCommitResult, type BreakerSnapshot, type BreakerStore, type BreakerStoreFailure } from '@arbiter/kernel';
import { createExclusive, ensureDir, errnoCode, randomHex16, tempSuffix } from './atomic.js';
import { resolveRepo, resolveStateDir, type Env } from './paths.js';
import { describeStateFailure, readState, throwingState } from './state-io.js';

/** Newest generation files always kept; older ones are deleted after a successful commit once they are old enough. */
export const BREAKER_GEN_KEEP = 8;
/**
 * A generation file younger than this (ms, by mtime) is never collected, so a commit that checks its outcome within
 * this time after its link can tell a collected successor (impossible) from a re-created collected number.
 */
export const BREAKER_GEN_GC_AGE_MS = 30_000;

/** Test seams of {@link fsBreakerStore}: run between the steps of a commit, to script interleavings. */
export interface FsBreakerStoreOptions {
  /** After the compare-and-set pre-check, before the link. */
  readonly beforeLink?: () => void;
  /** After a successful link, before the outcome check. */
  readonly afterLink?: () => void;
  /** Clock for garbage collection and the outcome check, ms epoch (default `Date.now`). */
  readonly now?: () => number;
}
const FILE_PREFIX = 'book.json.';
const READ_RACE_TRIES = 5;

const fail = (detail: string): BreakerStoreFailure => ({ _tag: 'BreakerStoreFailure', detail: detail.slice(0, 200) });

/**
 * Directory of the breaker book for a process started in `startDir`: `<repo runtime dir>/breaker` inside a git
 * repository, else `<per-user state dir>/breaker` (architecture.md conventions §2–3). Never creates it.
 */
export const breakerDirFor = (startDir: string, env: Env = process.env): string => {
  const repo = resolveRepo(startDir, env);
  return join(repo !== null ? repo.runtimeDir : resolveStateDir(env), 'breaker');
};

/** Generation numbers present in `dir` (exact prefix then digits without leading zeros); `[]` when `dir` is absent. */
export const listBreakerGenerations = (dir: string): number[] => {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return [];
    throw e;
  }
  const out: number[] = [];
  for (const n of names) {
    if (!n.startsWith(FILE_PREFIX)) continue;
    const g = n.slice(FILE_PREFIX.length);
    if (/^[1-9][0-9]{0,15}$/.test(g)) out.push(Number(g));
  }
  return out;
};

const newest = (dir: string): number => listBreakerGenerations(dir).reduce((a, b) => Math.max(a, b), 0);

/** Start of the trailer line of a generation file. */
const TRAILER = '#arbiter-commit ';

/** A generation file's document (up to and including its first LF) and trailer, if it has one. */
const splitTrailer = (text: string): { readonly raw: string; readonly commit: string | null; readonly parent: string | null } => {
  const at = text.indexOf(`\n${TRAILER}`);
  if (at < 0) return { raw: text, commit: null, parent: null };
  try {
    const t = JSON.parse(text.slice(at + 1 + TRAILER.length)) as { commit?: unknown; parent?: unknown };
    return { raw: text.slice(0, at + 1), commit: typeof t.commit === 'string' ? t.commit : null, parent: typeof t.parent === 'string' ? t.parent : null };
  } catch {
    return { raw: text.slice(0, at + 1), commit: null, parent: null };
  }
};

/** The trailer of the generation file at `path`: `undefined` when the file is absent, null fields when it has none. */
const trailerOf = (path: string): { readonly commit: string | null; readonly parent: string | null } | undefined => {
  try {
    return splitTrailer(throwingState(path)); // state-io: never blocks, follows no symlink
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return undefined;
    throw e;
  }
};

/**
 * Build the file-system breaker store rooted at `dir` (created with mode 0700 on the first commit).
 * `read` and `commit` never throw; I/O errors map to `BreakerStoreFailure {detail: errno}`.
 */
export const fsBreakerStore = (dir: string, options: FsBreakerStoreOptions = {}): BreakerStore => {
  const now = options.now ?? Date.now;
  const file = (g: number): string => join(dir, `${FILE_PREFIX}${g}`);

  const read = async (): Promise<E.Either<BreakerStoreFailure, BreakerSnapshot>> => {
    for (let i = 0; i < READ_RACE_TRIES; i++) {
      let g: number;
      try {
        g = newest(dir);
      } catch (e) {
        return E.left(fail(errnoCode(e)));
      }
      if (g === 0) return E.right({ generation: 0, raw: null });
      // state-io: never blocks on a FIFO, follows no symlink; anything but a regular file is a store failure (the
      // CLI exits 1, as for an unreadable book, breaker.md §8), and nothing overwrites it
      const r = readState(file(g));
      if (r._tag === 'File') return E.right({ generation: g, raw: splitTrailer(r.bytes.toString('utf8')).raw });
      if (r._tag !== 'Absent') return E.left(fail(`${FILE_PREFIX}${g}: ${describeStateFailure(r)}`));
      // collected between list and read: list again
    }
    return E.left(fail('generation vanished during read'));
  };

  const gc = (): void => {
    try {
      const t = now();
      for (const g of listBreakerGenerations(dir).sort((a, b) => b - a).slice(BREAKER_GEN_KEEP)) {
        if (t - statSync(file(g)).mtimeMs > BREAKER_GEN_GC_AGE_MS) unlinkSync(file(g));
      }
    } catch {
      // best effort
    }
  };

  const commit = (expected: number, book: breaker.Book): E.Either<BreakerStoreFailure, BreakerCommitResult> => {
    if (!Number.isSafeInteger(expected) || expected < 0) return E.left(fail('invalid expected generation'));
    const target = file(expected + 1);
    const commitId = randomHex16();
    try {
      ensureDir(dir);
    } catch (e) {
      return E.left(fail(errnoCode(e)));
    }
    // The generation we read must still be the newest one we can see (a stale or invented `expected` loses at
    // once); the exclusive create of `expected + 1` below is what decides between concurrent writers.
    try {
      const seen = newest(dir);
      if (seen !== expected) return E.right({ _tag: 'Conflict' });
    } catch (e) {
      return E.left(fail(errnoCode(e)));
    }
    let parent: string | null = null;
    try {
      parent = expected === 0 ? null : (trailerOf(file(expected))?.commit ?? null);
    } catch (e) {
      return E.left(fail(errnoCode(e)));
    }
    const data = `${breaker.encodeBook(book)}\n${TRAILER}${JSON.stringify({ commit: commitId, parent })}\n`;
    options.beforeLink?.();
    const r = createExclusive(target, data, { tmp: join(dir, `${FILE_PREFIX}tmp-${tempSuffix()}`) });
    if (r._tag === 'Exists') return E.right({ _tag: 'Conflict' });
    if (r._tag === 'FsError') return E.left(fail(r.code));
    const linkedAt = now();
    options.afterLink?.();
    // A newer generation already exists: built on ours (the commit stands), or we re-created a collected number.
    let later: number;
    try {
      later = newest(dir);
    } catch {
      later = expected + 1; // listing failed after a successful link: the commit stands
    }
    if (later > expected + 1) {
      let next: { readonly parent: string | null } | undefined;
      try {
        next = trailerOf(file(expected + 2));
      } catch (e) {
        return E.left(fail(`commit outcome unknown: ${errnoCode(e)}`));
      }
      // gone: collected, so older than the age floor; created after our link only if this check ran that late
      if (next === undefined && now() - linkedAt >= BREAKER_GEN_GC_AGE_MS) return E.left(fail('commit outcome unknown: checked too late after the link'));
      if (next === undefined || next.parent !== commitId) {
        try {
          unlinkSync(target); // a re-created collected number: never the newest, so never read; remove it
        } catch {
          // garbage collection removes it later
        }
        return E.right({ _tag: 'Conflict' });
      }
    }
    gc();
    return E.right({ _tag: 'Committed', generation: expected + 1 });
  };

  return {
    read: () => () => read(),
    commit: (expected, book) => () => Promise.resolve(commit(expected, book)),
  };
};

/** Failure of {@link updateBook}: the store failed, the document is unreadable, or every compare-and-set lost. */
export type UpdateBookError =
  | BreakerStoreFailure
  | breaker.BookUnreadable
  | { readonly _tag: 'CasExhausted'; readonly attempts: number };

/** Result of {@link updateBook}: the book before and after, the committed generation, and quarantine events. */
export interface BookUpdate<A> {
  readonly before: breaker.Book;
  readonly after: breaker.Book;
  readonly generation: number;
  readonly value: A;
  readonly quarantined: ReadonlyArray<string>;
}

/**
 * Read-modify-write of the book through any {@link BreakerStore}: read, `breaker.restoreBook(raw, now)`, apply
 * `change`, commit on the generation read; on `Conflict` start again (at most `attempts` rounds). An unreadable
 * document is reported (`BookUnreadable`) and never overwritten (fail-closed, breaker.md §8): only an explicit reset writes
 * over it. When `change` returns the same book object, nothing is written. Never throws (a throwing `change` is
 * the caller's bug and is not caught).
 */
export const updateBook = async <A>(
  store: BreakerStore,
  now: number,
  change: (book: breaker.Book) => { readonly book: breaker.Book; readonly value: A },
  attempts = 50,
): Promise<E.Either<UpdateBookError, BookUpdate<A>>> => {
  for (let i = 0; i < attempts; i++) {
    const snap = await store.read()();
    if (E.isLeft(snap)) return snap;
    const restored = breaker.restoreBook(snap.right.raw, now);
    if (E.isLeft(restored)) return restored;
    const before = restored.right.book;
    const { book: after, value } = change(before);
    if (after === before && restored.right.quarantined.length === 0) {
      return E.right({ before, after, generation: snap.right.generation, value, quarantined: [] });
    }
    const c = await store.commit(snap.right.generation, after)();
    if (E.isLeft(c)) return c;
    if (c.right._tag === 'Committed') {
      return E.right({ before, after, generation: c.right.generation, value, quarantined: restored.right.quarantined });
    }
    // Conflict: another process committed first; back off a little (jitter) and re-read.
    await new Promise((r) => setTimeout(r, Math.floor(Math.random() * Math.min(50, 2 + i * 5))));
  }
  return E.left({ _tag: 'CasExhausted', attempts });
};
