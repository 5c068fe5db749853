/**
 * Contract suite of the `PathProbes` port (kernel `ports/path-probes.ts`; paths.md §3 case probe, paths.md §6 symlink
 * findings), run by test/path-probes.contract.test.ts against the in-memory tree (io-memory) and the real file system
 * (io-node). Each test builds its own layout under a fresh repository `top` (with `.arbiter/`) next to a directory
 * `outside` it.
 */
import { describe, expect, it } from 'vitest';
import { paths as P, type PathProbes, type SymlinkScanEntry } from '@arbiter/kernel';

/** One fresh world: a repository top with `.arbiter/`, a directory outside it, and ways to shape both. */
export interface PathWorld {
  readonly probes: PathProbes;
  /** Absolute path of the repository top (exists, contains an empty `.arbiter/`). */
  readonly top: string;
  /** Absolute path of an existing directory outside `top`. */
  readonly outside: string;
  /** Whether this file system ignores case, observed by the harness without the adapter. */
  readonly caseInsensitive: boolean;
  readonly mkdir: (abs: string) => void;
  readonly write: (abs: string) => void;
  readonly symlink: (target: string, abs: string) => void;
  readonly remove: (abs: string) => void;
  readonly list: (abs: string) => ReadonlyArray<string>;
}

const outcomes = (es: ReadonlyArray<SymlinkScanEntry>): Array<[string, string]> => es.map((e) => [e.path, e.outcome]);

/** Register the contract tests for one adapter; `make` builds a fresh world per test. */
export const pathProbesContract = (name: string, make: () => Promise<PathWorld>): void => {
  describe(`PathProbes contract: ${name}`, () => {
    it('CP1 the case probe reports the file system as it is, and leaves `.arbiter/` as it found it', async () => {
      const w = await make();
      w.write(`${w.top}/.arbiter/config.json`);
      const r = await w.probes.caseProbe(w.top)();
      expect(r).toEqual({ _tag: w.caseInsensitive ? 'Found' : 'NotFound' });
      expect(P.caseInsensitiveOf(r)).toBe(w.caseInsensitive);
      expect(w.list(`${w.top}/.arbiter`)).toEqual(['config.json']);
    });

    it('CP2 eight probes at once agree and leave nothing behind', async () => {
      const w = await make();
      const rs = await Promise.all(Array.from({ length: 8 }, () => w.probes.caseProbe(w.top)()));
      expect(new Set(rs.map((r) => r._tag))).toEqual(new Set([w.caseInsensitive ? 'Found' : 'NotFound']));
      expect(w.list(`${w.top}/.arbiter`)).toEqual([]);
    });

    it('CP3 without `.arbiter/` the probe fails (→ case-insensitive, fail closed) and creates nothing', async () => {
      const w = await make();
      w.remove(`${w.top}/.arbiter`);
      const r = await w.probes.caseProbe(w.top)();
      expect(r._tag).toBe('Failed');
      expect(P.caseInsensitiveOf(r)).toBe(true);
      expect(w.list(w.top)).toEqual([]);
    });

    it('SL1 plain files, directories, missing paths and the whole tree are inside; one entry per path, in order', async () => {
      const w = await make();
      w.mkdir(`${w.top}/src/api`);
      w.write(`${w.top}/src/api/x.ts`);
      const req = ['src/api/x.ts', 'src/', 'src/new/deep/file.ts', '.', 'src/api/x.ts', 'src/api/x.ts/not-a-dir'];
      const r = await w.probes.symlinkScan(w.top, req)();
      expect(outcomes(r)).toEqual(req.map((p) => [p, 'inside']));
      expect(P.symlinkFindingsOf(r)).toEqual([]);
    });

    it('SL2 a symlink inside the repository pointing outside is found; one pointing inside is not', async () => {
      const w = await make();
      w.write(`${w.outside}/secret.txt`);
      w.mkdir(`${w.top}/src`);
      w.write(`${w.top}/src/real.ts`);
      w.symlink(`${w.outside}/secret.txt`, `${w.top}/src/abs-out`);
      w.symlink('../../outside-sibling', `${w.top}/src/rel-out`);
      w.symlink('real.ts', `${w.top}/src/rel-in`);
      w.symlink(`${w.top}/src/real.ts`, `${w.top}/src/abs-in`);
      w.symlink('../src/./real.ts', `${w.top}/src/dotted-in`);
      const r = await w.probes.symlinkScan(w.top, ['src/abs-out', 'src/rel-out', 'src/rel-in', 'src/abs-in', 'src/dotted-in'])();
      expect(outcomes(r)).toEqual([
        ['src/abs-out', 'escapes'],
        ['src/rel-out', 'escapes'],
        ['src/rel-in', 'inside'],
        ['src/abs-in', 'inside'],
        ['src/dotted-in', 'inside'],
      ]);
      expect(r[0]).toEqual({ path: 'src/abs-out', outcome: 'escapes', via: 'src/abs-out' });
      expect(P.symlinkFindingsOf(r)).toEqual(['src/abs-out', 'src/rel-out']);
    });

    it('SL3 dangling links: a missing target outside is found, a missing target inside is not', async () => {
      const w = await make();
      w.symlink(`${w.outside}/not-there/x`, `${w.top}/dangle-out`);
      w.symlink('missing/inside.ts', `${w.top}/dangle-in`);
      const r = await w.probes.symlinkScan(w.top, ['dangle-out', 'dangle-in', 'dangle-in/below.ts'])();
      expect(outcomes(r)).toEqual([
        ['dangle-out', 'escapes'],
        ['dangle-in', 'inside'],
        ['dangle-in/below.ts', 'inside'],
      ]);
    });

    it('SL4 chains of links are followed to their end, and a loop is unresolved (a finding, fail closed)', async () => {
      const w = await make();
      w.mkdir(`${w.top}/a`);
      w.write(`${w.top}/a/end.ts`);
      w.symlink('hop2', `${w.top}/hop1`);
      w.symlink('a/../hop3', `${w.top}/hop2`);
      w.symlink(w.outside, `${w.top}/hop3`);
      w.symlink('inhop2', `${w.top}/inhop1`);
      w.symlink('a/end.ts', `${w.top}/inhop2`);
      w.symlink('loop2', `${w.top}/loop1`);
      w.symlink('loop1', `${w.top}/loop2`);
      const r = await w.probes.symlinkScan(w.top, ['hop1', 'inhop1', 'loop1/x'])();
      expect(outcomes(r)).toEqual([
        ['hop1', 'escapes'],
        ['inhop1', 'inside'],
        ['loop1/x', 'unresolved'],
      ]);
      expect(P.symlinkFindingsOf(r)).toEqual(['hop1', 'loop1/x']);
    });

    it('SL5 a path through a symlinked directory: outside is found at the directory, inside is not', async () => {
      const w = await make();
      w.mkdir(`${w.outside}/lib`);
      w.write(`${w.outside}/lib/x.ts`);
      w.mkdir(`${w.top}/vendor/real`);
      w.symlink(`${w.outside}/lib`, `${w.top}/vendor/ext`);
      w.symlink('real', `${w.top}/vendor/alias`);
      const r = await w.probes.symlinkScan(w.top, ['vendor/ext/x.ts', 'vendor/ext/missing/y.ts', 'vendor/alias/z.ts', 'vendor/'])();
      expect(r).toEqual([
        { path: 'vendor/ext/x.ts', outcome: 'escapes', via: 'vendor/ext' },
        { path: 'vendor/ext/missing/y.ts', outcome: 'escapes', via: 'vendor/ext' },
        { path: 'vendor/alias/z.ts', outcome: 'inside' },
        { path: 'vendor/', outcome: 'inside' },
      ]);
    });

    it('SL6 what counts is where each prefix of the request path resolves: back in through an outside link is inside, through an outside directory escapes', async () => {
      const w = await make();
      w.mkdir(`${w.top}/src`);
      w.symlink(`${w.top}/src`, `${w.outside}/back`);
      w.symlink(`${w.outside}/back`, `${w.top}/roundtrip`);
      const r = await w.probes.symlinkScan(w.top, ['roundtrip/x.ts'])();
      expect(outcomes(r)).toEqual([['roundtrip/x.ts', 'inside']]);
      w.symlink(w.outside, `${w.top}/out`);
      const r2 = await w.probes.symlinkScan(w.top, ['out/back/x.ts'])();
      expect(r2).toEqual([{ path: 'out/back/x.ts', outcome: 'escapes', via: 'out' }]);
    });

    it('SL7 a repository top that does not exist makes every path unresolved; an empty request gives no entries', async () => {
      const w = await make();
      const r = await w.probes.symlinkScan(`${w.top}/no-such-dir`, ['a', 'b/c'])();
      expect(outcomes(r)).toEqual([
        ['a', 'unresolved'],
        ['b/c', 'unresolved'],
      ]);
      expect(await w.probes.symlinkScan(w.top, [])()).toEqual([]);
    });
  });
};
