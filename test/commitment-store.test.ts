/** Runs the CommitmentStore contract suite against the io-memory and io-node adapters. */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import * as E from 'fp-ts/lib/Either.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memoryCommitmentStore } from '@arbiter/io-memory';
import { commitmentsDir, fsCommitmentStore } from '@arbiter/io-node';
import { commitmentStoreContract } from './contract/commitment-store.contract.js';

commitmentStoreContract('io-memory', async () => {
  const store = memoryCommitmentStore();
  return { store, corrupt: async () => store.injectCorrupt(), cleanup: async () => {} };
});

commitmentStoreContract('io-node (generation files, link(2) compare-and-set)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'arbiter-cs-'));
  // `now` far in the future: a corrupt file is never mistaken for one still being written.
  const store = fsCommitmentStore(dir, { now: () => Date.now() + 60_000 });
  return {
    store,
    corrupt: async () => {
      const d = commitmentsDir(dir);
      const newest = readdirSync(d).filter((n) => /^commitments\.json\.\d+$/.test(n)).map((n) => Number(n.split('.').pop())).sort((a, b) => b - a)[0]!;
      writeFileSync(join(d, `commitments.json.${newest}`), '{"version":1,"commitments":[{"id":');
    },
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

describe('io-node commitment store: hostile files', () => {
  it('a FIFO or a symlink at the newest generation is reported as Corrupt at once, never a hang', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'arbiter-cs-fifo-'));
    try {
      const store = fsCommitmentStore(dir);
      const first = await store.commit(0, [])();
      expect(E.isRight(first) && first.right._tag).toBe('Committed');
      execFileSync('mkfifo', [join(commitmentsDir(dir), 'commitments.json.2')]);
      const r = await store.read()();
      expect(E.isLeft(r) && r.left).toMatchObject({ _tag: 'Corrupt', generation: 2 });
      symlinkSync('/etc/hostname', join(commitmentsDir(dir), 'commitments.json.3'));
      const r2 = await store.read()();
      expect(E.isLeft(r2) && r2.left._tag).toBeTruthy();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
