/** Runs the `StateLockFiles` contract suite against io-memory and io-node. */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { memoryStateLockFiles } from '@arbiter/io-memory';
import { nodeStateLockFiles } from '@arbiter/io-node';
import { stateLockFilesContract } from './contract/state-lock-files.contract.js';

let n = 0;
stateLockFilesContract('io-memory', () => ({ fs: memoryStateLockFiles(() => 1_700_000_000_000), dir: `/mem/d${n++}` }));

const root = mkdtempSync(join(tmpdir(), 'arbiter-hlfs-'));
stateLockFilesContract('io-node', () => ({ fs: nodeStateLockFiles(), dir: join(root, `d${n++}`) }));

describe('io-node StateLockFiles specifics', () => {
  it('leaves no temporary host.lock.<pid>.<hex>.tmp file behind after wins and losses', async () => {
    const fs = nodeStateLockFiles(4242);
    const dir = join(root, 'tmpcheck');
    await fs.ensureDir(dir)();
    await fs.createExclusive(join(dir, 'host.lock'), 'A')();
    await fs.createExclusive(join(dir, 'host.lock'), 'B')();
    expect(readdirSync(dir)).toEqual(['host.lock']);
  });
});

afterAll(() => rmSync(root, { recursive: true, force: true }));
