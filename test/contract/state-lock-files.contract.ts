/**
 * Contract suite of the `StateLockFiles` port (kernel `ports/state-lock-files.ts`), run against every adapter by
 * test/state-lock-files.contract.test.ts so that io-memory and io-node behave alike.
 */
import { describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import type { StateLockFiles } from '@arbiter/kernel';

/** A fresh adapter and a directory that does not exist yet. */
export interface ContractSubject {
  readonly fs: StateLockFiles;
  readonly dir: string;
}

const right = <A>(e: E.Either<unknown, A>): A => {
  if (E.isLeft(e)) throw new Error(`expected Right, got ${JSON.stringify(e.left)}`);
  return e.right;
};

/** Register the contract tests for one adapter. */
export const stateLockFilesContract = (name: string, make: () => ContractSubject): void => {
  describe(`StateLockFiles contract: ${name}`, () => {
    it('C1 a missing lock reads as Absent; ensureDir creates nested directories and is idempotent', async () => {
      const { fs, dir } = make();
      right(await fs.ensureDir(`${dir}/a/b`)());
      right(await fs.ensureDir(`${dir}/a/b`)());
      expect(right(await fs.read(`${dir}/a/b/host.lock`)())).toEqual({ _tag: 'Absent' });
    });

    it('C2 createExclusive publishes the complete body once; a second create is Lost and changes nothing', async () => {
      const { fs, dir } = make();
      right(await fs.ensureDir(dir)());
      const p = `${dir}/host.lock`;
      expect(right(await fs.createExclusive(p, '{"pid":1,"hostname":"a"}')())).toBe('Won');
      expect(right(await fs.createExclusive(p, '{"pid":2,"hostname":"b"}')())).toBe('Lost');
      expect(right(await fs.read(p)())).toEqual({ _tag: 'Present', text: '{"pid":1,"hostname":"a"}' });
    });

    it('C3 of concurrent exclusive creates on one path exactly one wins', async () => {
      const { fs, dir } = make();
      right(await fs.ensureDir(dir)());
      const p = `${dir}/host.lock`;
      const results = await Promise.all(Array.from({ length: 12 }, (_, i) => fs.createExclusive(p, `{"pid":${i + 1}}`)()));
      const won = results.map(right).filter((r) => r === 'Won');
      expect(won.length).toBe(1);
    });

    it('C4 touch sets the mtime and never the body; mtime reads it back in ms', async () => {
      const { fs, dir } = make();
      right(await fs.ensureDir(dir)());
      const p = `${dir}/host.lock`;
      right(await fs.createExclusive(p, 'BODY')());
      right(await fs.touch(p, 1_700_000_123_000)());
      expect(right(await fs.mtime(p)())).toBe(1_700_000_123_000);
      expect(right(await fs.read(p)())).toEqual({ _tag: 'Present', text: 'BODY' });
    });

    it('C5 touch and mtime of a missing file fail with ENOENT; unlink of a missing file succeeds', async () => {
      const { fs, dir } = make();
      right(await fs.ensureDir(dir)());
      const p = `${dir}/host.lock`;
      const t = await fs.touch(p, 1)();
      expect(E.isLeft(t) && t.left.code).toBe('ENOENT');
      const m = await fs.mtime(p)();
      expect(E.isLeft(m) && m.left.code).toBe('ENOENT');
      right(await fs.unlink(p)());
    });

    it('C6 unlink then create: the new body replaces the old one', async () => {
      const { fs, dir } = make();
      right(await fs.ensureDir(dir)());
      const p = `${dir}/host.lock`;
      right(await fs.createExclusive(p, 'OLD')());
      right(await fs.unlink(p)());
      expect(right(await fs.read(p)())).toEqual({ _tag: 'Absent' });
      expect(right(await fs.createExclusive(p, 'NEW')())).toBe('Won');
      expect(right(await fs.read(p)())).toEqual({ _tag: 'Present', text: 'NEW' });
    });
  });
};
