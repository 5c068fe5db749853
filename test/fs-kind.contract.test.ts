/**
 * Runs the `FsKind` contract suite against the scripted answers (io-memory) and the real `df` (io-node), whose
 * expected row is parsed here from this machine's own `df -P` (and `df -PT` on Linux).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import type { stateLock } from '@arbiter/kernel';
import { scriptedFsKind } from '@arbiter/io-memory';
import { nodeFsKind } from '@arbiter/io-node';
import { fsKindContract } from './contract/fs-kind.contract.js';

fsKindContract('io-memory', async () => {
  const fsKind = scriptedFsKind({ _tag: 'FsKindFailed', detail: 'df failed: exit 1' });
  const expected = { source: 'nas.lan:/export/home', fsType: 'nfs4' };
  fsKind.setFor('/mem/home', expected);
  return { fsKind, dir: '/mem/home', expected, missing: '/mem/does-not-exist' };
});

const root = mkdtempSync(join(tmpdir(), 'arbiter-fskind-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Second line, whitespace-separated columns of `df <flag> -- dir` under LC_ALL=C. */
const dfColumns = (flag: string, dir: string): string[] =>
  execFileSync('df', [flag, '--', dir], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } }).trim().split('\n')[1]!.trim().split(/\s+/);

/** The row this machine's df gives for `dir`, read without the adapter. */
const machineRow = (dir: string): stateLock.DfRow => {
  const source = dfColumns('-P', dir)[0]!;
  return process.platform === 'linux' ? { source, fsType: dfColumns('-PT', dir)[1]! } : { source };
};

fsKindContract('io-node', async () => ({ fsKind: nodeFsKind(), dir: root, expected: machineRow(root), missing: join(root, 'does-not-exist', 'x') }));
