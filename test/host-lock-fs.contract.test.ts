/** Runs the `HostLockFs` contract suite against io-memory and io-node. */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { memoryHostLockFs } from '@arbiter/io-memory';
import { nodeHostLockFs } from '@arbiter/io-node';
import { hostLockFsContract } from './contract/host-lock-fs.contract.js';

let n = 0;
hostLockFsContract('io-memory', () => ({ fs: memoryHostLockFs(() => 1_700_000_000_000), dir: `/mem/d${n++}` }));

const root = mkdtempSync(join(tmpdir(), 'arbiter-hlfs-'));
hostLockFsContract('io-node', () => ({ fs: nodeHostLockFs(), dir: join(root, `d${n++}`) }));

describe('io-node HostLockFs specifics', () => {
  it('leaves no temporary host.lock.<pid>.<hex>.tmp file behind after wins and losses', async () => {
    const fs = nodeHostLockFs(4242);
    const dir = join(root, 'tmpcheck');
    await fs.ensureDir(dir)();
    await fs.createExclusive(join(dir, 'host.lock'), 'A')();
    await fs.createExclusive(join(dir, 'host.lock'), 'B')();
    expect(readdirSync(dir)).toEqual(['host.lock']);
  });
});

afterAll(() => rmSync(root, { recursive: true, force: true }));
