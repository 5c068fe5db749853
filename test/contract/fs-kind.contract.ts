/**
 * Contract suite of the `FsKind` port (kernel `ports/fs-kind.ts`; state-lock.md §4), run by
 * test/fs-kind.contract.test.ts against the scripted answers (io-memory) and the real `df` (io-node).
 */
import { describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import { stateLock, type FsKind } from '@arbiter/kernel';

/**
 * An adapter, an existing directory with the row df gives for it (for io-node: parsed here from the machine's own
 * `df -P`/`df -PT`, independently of the adapter) and a path that does not exist.
 */
export interface FsKindSubject {
  readonly fsKind: FsKind;
  readonly dir: string;
  readonly expected: stateLock.DfRow;
  readonly missing: string;
}

const TAGS = ['FsKindTimeout', 'FsKindFailed', 'FsKindUnparseable'];

/** Register the contract tests for one adapter. */
export const fsKindContract = (name: string, make: () => Promise<FsKindSubject>): void => {
  describe(`FsKind contract: ${name}`, () => {
    it('F1 an existing directory answers the source (and type, where the platform reports one) of the file system that holds it', async () => {
      const { fsKind, dir, expected } = await make();
      expect(await fsKind.probe(dir)()).toEqual(E.right(expected));
    });

    it('F2 its classification is the kernel classification of that row (the fsLocal answer)', async () => {
      const { fsKind, dir, expected } = await make();
      const r = await fsKind.probe(dir)();
      expect(E.isRight(r) && stateLock.classifyDfSource(r.right.source, r.right.fsType)).toBe(stateLock.classifyDfSource(expected.source, expected.fsType));
    });

    it('F3 a path that does not exist answers a tagged error with a short detail, never a row and never a rejection', async () => {
      const { fsKind, missing } = await make();
      const r = await fsKind.probe(missing)();
      expect(E.isLeft(r)).toBe(true);
      if (E.isLeft(r)) {
        expect(TAGS).toContain(r.left._tag);
        expect(typeof r.left.detail).toBe('string');
        expect(r.left.detail.length).toBeLessThanOrEqual(200);
      }
    });

    it('F4 nothing is cached: the same directory probed twice gives the same answer both times', async () => {
      const { fsKind, dir } = await make();
      expect(await fsKind.probe(dir)()).toEqual(await fsKind.probe(dir)());
    });
  });
};
