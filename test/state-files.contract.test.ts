import { mkdtempSync, readdirSync, statSync, utimesSync, writeFileSync, chmodSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { memoryStateFiles } from '@arbiter/io-memory';
import { fsStateFiles } from '@arbiter/io-node';
import { stateFilesContract } from './contract/state-files.contract.js';

stateFilesContract('io-memory', () => memoryStateFiles());
stateFilesContract('io-node', () => fsStateFiles(join(mkdtempSync(join(tmpdir(), 'arbiter-sf-')), 'repo', 'arbiter')));

describe('fs StateFiles specifics (hooks.md §5)', () => {
  it('SF4 a mutex older than the stale limit is removed; a fresh one makes update Busy after the wait', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'arbiter-sf-'));
    const s = fsStateFiles(dir, { retryMs: 5, waitMs: 60 });
    writeFileSync(join(dir, 'build-state.json.mutex'), '1\n');
    const busy = await s.update('build-state.json', () => ({ next: 'x', result: 0 }))();
    expect(busy).toMatchObject({ _tag: 'Left', left: { _tag: 'Busy' } });
    const old = (Date.now() - 11_000) / 1000;
    utimesSync(join(dir, 'build-state.json.mutex'), old, old);
    const ok = await s.update('build-state.json', () => ({ next: 'x', result: 0 }))();
    expect(ok).toEqual({ _tag: 'Right', right: 0 });
    expect(readdirSync(dir).sort()).toEqual(['build-state.json']);
  });

  it('creates the runtime directory 0700 and leaves no temp or mutex files behind', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'arbiter-sf-')), 'a', 'b');
    const s = fsStateFiles(dir);
    await s.replace('stop-gate.json', '{}')();
    await s.update('stop-gate-continues.json', () => ({ next: '{}', result: 0 }))();
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(readdirSync(dir).sort()).toEqual(['stop-gate-continues.json', 'stop-gate.json']);
  });

  it('a read error other than ENOENT is ReadFailed (never null)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'arbiter-sf-'));
    mkdirSync(join(dir, 'build-state.json'));
    const r = await fsStateFiles(dir).read('build-state.json')();
    expect(r).toMatchObject({ _tag: 'Left', left: { _tag: 'ReadFailed', detail: 'directory, not a regular file' } });
  });

  it('an unwritable directory is a WriteFailed, not a throw', async () => {
    if (process.getuid?.() === 0) {
      // root ignores permission bits: use a path under a regular file instead
      const base = mkdtempSync(join(tmpdir(), 'arbiter-sf-'));
      writeFileSync(join(base, 'file'), '');
      const r = await fsStateFiles(join(base, 'file', 'sub')).replace('stop-gate.json', '{}')();
      expect(r._tag).toBe('Left');
      return;
    }
    const base = mkdtempSync(join(tmpdir(), 'arbiter-sf-'));
    chmodSync(base, 0o500);
    const r = await fsStateFiles(join(base, 'sub')).replace('stop-gate.json', '{}')();
    expect(r._tag).toBe('Left');
  });
});
