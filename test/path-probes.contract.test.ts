/**
 * Runs the `PathProbes` contract suite (test/contract/path-probes.contract.ts) against the in-memory tree (io-memory,
 * case-sensitive and case-insensitive) and the real file system (io-node, in a temporary directory whose case
 * behaviour is observed here without the adapter). Plus io-node specifics: the probe file is created exclusively and
 * removed, a FIFO among the request paths never blocks the scan, and `probePathFacts` honours an override.
 */
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { memoryPathProbes } from '@arbiter/io-memory';
import { nodePathProbes, probePathFacts } from '@arbiter/io-node';
import { pathProbesContract, type PathWorld } from './contract/path-probes.contract.js';

for (const insensitive of [false, true]) {
  pathProbesContract(`io-memory (${insensitive ? 'case-insensitive' : 'case-sensitive'})`, async () => {
    const m = memoryPathProbes();
    m.setCaseInsensitive(insensitive);
    m.mkdir('/w/repo/.arbiter');
    m.mkdir('/w/outside');
    return { probes: m, top: '/w/repo', outside: '/w/outside', caseInsensitive: insensitive, mkdir: m.mkdir, write: m.write, symlink: m.symlink, remove: m.remove, list: m.list };
  });
}

const base = mkdtempSync(join(tmpdir(), 'arbiter-path-probes-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

/** Whether `dir`'s file system ignores case, observed with plain fs calls (not the adapter). */
const observeCase = (dir: string): boolean => {
  const f = join(dir, 'Case-Observe.tmp');
  writeFileSync(f, '');
  const r = existsSync(join(dir, 'case-observe.tmp'));
  rmSync(f);
  return r;
};

let n = 0;
const nodeWorld = async (): Promise<PathWorld> => {
  const w = join(base, `w${++n}`);
  const top = join(w, 'repo');
  const outside = join(w, 'outside');
  mkdirSync(join(top, '.arbiter'), { recursive: true });
  mkdirSync(outside);
  return {
    probes: nodePathProbes(),
    top,
    outside,
    caseInsensitive: observeCase(w),
    mkdir: (p) => mkdirSync(p, { recursive: true }),
    write: (p) => writeFileSync(p, ''),
    symlink: (t, p) => symlinkSync(t, p),
    remove: (p) => rmSync(p, { recursive: true, force: true }),
    list: (p) => readdirSync(p).sort(),
  };
};
pathProbesContract('io-node', nodeWorld);

describe('io-node path probes: specifics', () => {
  it('a FIFO and a socket-like special file among the request paths are looked at, never opened', async () => {
    const w = await nodeWorld();
    execFileSync('mkfifo', [join(w.top, 'pipe')]);
    const t0 = Date.now();
    const r = await w.probes.symlinkScan(w.top, ['pipe', 'pipe/x'])();
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect(r.map((e) => e.outcome)).toEqual(['inside', 'inside']);
  });

  it('the probe file is exclusive: a planted file or symlink of any name is never written through', async () => {
    const w = await nodeWorld();
    const victim = join(w.outside, 'victim');
    writeFileSync(victim, 'keep');
    // plant links under every plausible lower-case probe name of this process: the adapter's random suffix misses them,
    // and O_EXCL would refuse them anyway
    for (let i = 0; i < 4; i++) symlinkSync(victim, join(w.top, '.arbiter', `case-probe-${process.pid}-${i}.tmp`));
    const r = await w.probes.caseProbe(w.top)();
    expect(r._tag).toBe(w.caseInsensitive ? 'Found' : 'NotFound');
    expect(readdirSync(join(w.top, '.arbiter')).length).toBe(4);
    expect(lstatSync(victim).size).toBe(4);
  });

  it('an `.arbiter` that is not a directory makes the probe fail (→ case-insensitive) and leaves it untouched', async () => {
    const w = await nodeWorld();
    rmSync(join(w.top, '.arbiter'), { recursive: true });
    writeFileSync(join(w.top, '.arbiter'), 'not a directory');
    expect(await w.probes.caseProbe(w.top)()).toEqual({ _tag: 'Failed', detail: 'ENOTDIR' });
    const f = await probePathFacts(w.probes, w.top, []);
    expect(f).toMatchObject({ caseInsensitive: true, case_source: 'probe', case_probe: { _tag: 'Failed', detail: 'ENOTDIR' } });
    expect(readdirSync(w.top)).toEqual(['.arbiter']);
    expect(lstatSync(join(w.top, '.arbiter')).isFile()).toBe(true);
  });

  it('probePathFacts: the probe by default, an override skips it; findings come from the scan', async () => {
    const w = await nodeWorld();
    symlinkSync(w.outside, join(w.top, 'out'));
    const f = await probePathFacts(w.probes, w.top, ['out/x', 'src/y']);
    expect(f).toEqual({
      caseInsensitive: w.caseInsensitive,
      case_source: 'probe',
      case_probe: { _tag: w.caseInsensitive ? 'Found' : 'NotFound' },
      symlinkFindings: ['out/x'],
      symlink_scan: [
        { path: 'out/x', outcome: 'escapes', via: 'out' },
        { path: 'src/y', outcome: 'inside' },
      ],
    });
    const m = memoryPathProbes();
    const o = await probePathFacts(m, '/', [], !w.caseInsensitive);
    expect(o).toMatchObject({ caseInsensitive: !w.caseInsensitive, case_source: 'override', case_probe: null });
    expect(m.caseProbes()).toBe(0);
  });
});
