/** Runs the CommitmentStore contract suite against the io-memory and io-node adapters. */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
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
