/**
 * The one contract suite of the `StateFiles` port (kernel `ports/state-files.ts`, SF1–SF5), run against every
 * adapter by test/state-files.contract.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { StateFiles } from '@arbiter/kernel';

/** Run the contract against adapters built by `make` (a fresh, empty store per call). */
export const stateFilesContract = (name: string, make: () => StateFiles): void => {
  describe(`StateFiles contract: ${name}`, () => {
    it('SF1 a file never written reads as null; after replace it reads back exactly', async () => {
      const s = make();
      expect(await s.read('build-state.json')()).toEqual({ _tag: 'Right', right: null });
      expect((await s.replace('build-state.json', '{"a":1}\n')())._tag).toBe('Right');
      expect(await s.read('build-state.json')()).toEqual({ _tag: 'Right', right: '{"a":1}\n' });
      expect(await s.read('stop-gate.json')()).toEqual({ _tag: 'Right', right: null });
    });

    it('SF2 replace overwrites whole: the reader sees the new text, never a mix', async () => {
      const s = make();
      await s.replace('stop-gate.json', 'x'.repeat(10_000))();
      await s.replace('stop-gate.json', 'short')();
      expect(await s.read('stop-gate.json')()).toEqual({ _tag: 'Right', right: 'short' });
    });

    it('SF3 concurrent updates never lose an increment', async () => {
      const s = make();
      const inc = () =>
        s.update('stop-gate-continues.json', (cur) => {
          const n = cur === null ? 0 : Number(cur);
          return { next: String(n + 1), result: n + 1 };
        })();
      const results = await Promise.all(Array.from({ length: 25 }, inc));
      expect(results.every((r) => r._tag === 'Right')).toBe(true);
      expect(await s.read('stop-gate-continues.json')()).toEqual({ _tag: 'Right', right: '25' });
      const seen = results.map((r) => (r._tag === 'Right' ? r.right : -1)).sort((a, b) => a - b);
      expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    });

    it('SF3 an update returning next = null writes nothing and returns its result', async () => {
      const s = make();
      await s.replace('build-state.json', 'keep')();
      const r = await s.update('build-state.json', (cur) => ({ next: null, result: cur }))();
      expect(r).toEqual({ _tag: 'Right', right: 'keep' });
      expect(await s.read('build-state.json')()).toEqual({ _tag: 'Right', right: 'keep' });
    });

    it('SF3 an update function that throws is a Left and changes nothing', async () => {
      const s = make();
      await s.replace('build-state.json', 'keep')();
      const r = await s.update('build-state.json', () => {
        throw new Error('boom');
      })();
      expect(r._tag).toBe('Left');
      expect(await s.read('build-state.json')()).toEqual({ _tag: 'Right', right: 'keep' });
      // the mutex was released: a later update succeeds
      expect((await s.update('build-state.json', () => ({ next: 'v2', result: 1 }))())._tag).toBe('Right');
    });

    it('SF5 names outside the closed set are refused', async () => {
      const s = make();
      const bad = '../escape.json' as 'build-state.json';
      expect((await s.read(bad)())._tag).toBe('Left');
      expect((await s.replace(bad, 'x')())._tag).toBe('Left');
      expect((await s.update(bad, () => ({ next: 'x', result: 0 }))())._tag).toBe('Left');
    });
  });
};
