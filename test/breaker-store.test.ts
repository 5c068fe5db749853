/**
 * Runs the BreakerStore contract suite against io-memory and io-node, plus a real multi-process test: several
 * `arbiter breaker record` processes (the built binary) record failures concurrently on one book, and no update is
 * lost. Run `npm run build` first.
 */
import { describe, expect, it, afterAll } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { breaker } from '@arbiter/kernel';
import { memoryBreakerStore } from '@arbiter/io-memory';
import { BREAKER_GEN_GC_AGE_MS, fsBreakerStore, listBreakerGenerations } from '@arbiter/io-node';
import { breakerStoreContract } from './contract/breaker-store.contract.js';

const dirs: string[] = [];
const tmp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'arbiter-breaker-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

breakerStoreContract('io-memory', () => {
  const store = memoryBreakerStore();
  return { store, injectRaw: (raw) => store.injectRaw(raw) };
});

breakerStoreContract('io-node (filesystem)', () => {
  const dir = join(tmp(), 'breaker');
  const store = fsBreakerStore(dir);
  return {
    store,
    injectRaw: (raw) => {
      const g = listBreakerGenerations(dir).reduce((a, b) => Math.max(a, b), 0) + 1;
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, `book.json.${g}`), raw);
    },
  };
});

describe('io-node breaker store specifics', () => {
  /** A clock past the garbage-collection age floor of every file written now. */
  const later = () => Date.now() + BREAKER_GEN_GC_AGE_MS + 1_000;
  it('keeps only the newest generations, and every generation younger than the age floor', async () => {
    const dir = join(tmp(), 'breaker');
    const young = fsBreakerStore(dir);
    for (let g = 0; g < 10; g++) await young.commit(g, { a: { _tag: 'Closed', failures: g + 1 } })();
    expect(listBreakerGenerations(dir)).toHaveLength(10);
    const store = fsBreakerStore(dir, { now: later });
    for (let g = 10; g < 20; g++) await store.commit(g, { a: { _tag: 'Closed', failures: g + 1 } })();
    const gens = listBreakerGenerations(dir).sort((a, b) => a - b);
    expect(gens).toEqual([13, 14, 15, 16, 17, 18, 19, 20]);
  });
  it('a commit another process built on before its outcome check stands: Committed, applied once', async () => {
    const dir = join(tmp(), 'breaker');
    const other = fsBreakerStore(dir);
    let done = false;
    const mine = fsBreakerStore(dir, {
      afterLink: () => {
        if (done) return;
        done = true;
        // another process reads our generation 1 and commits generation 2 on it
        void other.commit(1, { a: { _tag: 'Closed', failures: 2 } })();
      },
    });
    const r = await mine.commit(0, { a: { _tag: 'Closed', failures: 1 } })();
    expect(E.isRight(r) && r.right).toEqual({ _tag: 'Committed', generation: 1 });
    const snap = await other.read()();
    expect(E.isRight(snap) && snap.right).toEqual({ generation: 2, raw: breaker.encodeBook({ a: { _tag: 'Closed', failures: 2 } }) + '\n' });
  });
  for (const [label, extra] of [
    ['still present', 9],
    ['collected too', 10],
  ] as const) {
    it(`a writer suspended past garbage collection that re-creates a collected number gets Conflict, and its file is removed (successor ${label})`, async () => {
      const dir = join(tmp(), 'breaker');
      const other = fsBreakerStore(dir, { now: later });
      const mine = fsBreakerStore(dir, {
        beforeLink: () => {
          // while we are suspended after the pre-check, others commit `extra` generations; collection removes ours
          for (let g = 0; g < extra; g++) void other.commit(g, { b: { _tag: 'Closed', failures: g + 1 } })();
        },
      });
      const r = await mine.commit(0, { a: { _tag: 'Closed', failures: 1 } })();
      expect(E.isRight(r) && r.right._tag).toBe('Conflict');
      expect(listBreakerGenerations(dir)).not.toContain(1);
      const snap = await other.read()();
      expect(E.isRight(snap) && snap.right.generation).toBe(extra);
      expect(E.isRight(snap) && snap.right.raw).toBe(breaker.encodeBook({ b: { _tag: 'Closed', failures: extra } }) + '\n');
    });
  }
  it('a writer that lost a collected generation number gets Conflict', async () => {
    const dir = join(tmp(), 'breaker');
    const store = fsBreakerStore(dir, { now: later });
    for (let g = 0; g < 20; g++) await store.commit(g, breaker.EMPTY_BOOK)();
    const r = await store.commit(2, { late: { _tag: 'Closed', failures: 1 } })(); // generation 3 was collected
    expect(E.isRight(r) && r.right._tag).toBe('Conflict');
    const snap = await store.read()();
    expect(E.isRight(snap) && snap.right.generation).toBe(20);
  });
  it('an unwritable directory is a failure, not a throw', async () => {
    const f = join(tmp(), 'file');
    writeFileSync(f, 'x');
    const r = await fsBreakerStore(join(f, 'breaker')).commit(0, breaker.EMPTY_BOOK)();
    expect(E.isLeft(r) && r.left._tag).toBe('BreakerStoreFailure');
  });
});

const BIN = resolve(__dirname, '../packages/hooks/dist/arbiter.cjs');

const run = (args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<{ code: number; stdout: string; stderr: string }> =>
  new Promise((res) => {
    execFile(process.execPath, [BIN, ...args], { env, cwd, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1;
      res({ code, stdout, stderr });
    });
  });

describe('multi-process: concurrent `arbiter breaker record` processes', () => {
  it('no update is lost (16 processes, 2 failures each)', async () => {
    expect(existsSync(BIN), 'run `npm run build` first').toBe(true);
    const root = tmp();
    const dir = join(root, 'book');
    const env = { ...process.env, ARBITER_STATE_DIR: join(root, 'state') };
    const procs = 16;
    const each = 2;
    const outs = await Promise.all(
      Array.from({ length: procs }, async (_, p) => {
        const codes: number[] = [];
        for (let k = 0; k < each; k++) {
          const r = await run(['breaker', 'record', '--agent', 'dev', '--outcome', 'failure', '--task', `t${p}-${k}`, '--threshold', '1000', '--dir', dir], env, root);
          codes.push(r.code);
          if (r.code !== 0) throw new Error(r.stderr);
        }
        return codes;
      }),
    );
    expect(outs.flat().every((c) => c === 0)).toBe(true);
    const snap = await fsBreakerStore(dir).read()();
    const book = E.isRight(snap) ? breaker.restoreBook(snap.right.raw, 0) : null;
    expect(book !== null && E.isRight(book) && book.right.book['dev']).toEqual({ _tag: 'Closed', failures: procs * each });
    expect(E.isRight(snap) && snap.right.generation).toBe(procs * each);
  });
});
