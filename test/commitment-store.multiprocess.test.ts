/**
 * Multi-process proof for the file-system CommitmentStore (issue 4: "no commitment lost when two hooks write at
 * once"): several real Node processes register commitments in one runtime directory at the same instant; every
 * commitment must be present afterwards, and the shared key must have exactly one active commitment (CM-P3 across
 * processes). Also CM-P2: the kernel sha256 equals node:crypto.
 */
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { buildSync } from 'esbuild';
import * as E from 'fp-ts/lib/Either.js';
import { actionClaim as ac, sha256Hex } from '@arbiter/kernel';
import { fsCommitmentStore } from '@arbiter/io-node';
import { runNodeScript } from './helpers/bin.js';

const root = resolve(__dirname, '..');

const bundleChild = (out: string): void => {
  // The child runs the real adapter sources, bundled once (no dependency on a prior `npm run build`).
  buildSync({
    entryPoints: [join(root, 'test/fixtures/commitment-writer.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outfile: out,
    logLevel: 'silent',
    alias: {
      '@arbiter/kernel': join(root, 'packages/kernel/src/index.ts'),
      '@arbiter/io-node': join(root, 'packages/io-node/src/index.ts'),
    },
  });
};


describe('file-system commitment store across processes', () => {
  it('no commitment is lost when 6 processes write at once, and one key never has two active commitments', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'arbiter-mp-'));
    try {
      const script = join(dir, 'writer.cjs');
      bundleChild(script);
      const workers = 6;
      const count = 8;
      const startAt = String(Date.now() + 1500);
      const outs = await Promise.all(Array.from({ length: workers }, (_, w) => runNodeScript(script, [join(dir, 'rt'), String(w), String(count), startAt])));
      for (const o of outs) {
        expect(o.code).toBe(0);
        expect(o.stderr).toBe('');
        const line = JSON.parse(o.stdout) as { results: string[] };
        expect(line.results.every((r) => r === 'Applied' || r === 'Unchanged')).toBe(true);
      }
      const snap = await fsCommitmentStore(join(dir, 'rt')).read()();
      if (E.isLeft(snap)) throw new Error(JSON.stringify(snap.left));
      const topics = new Set(snap.right.commitments.map((c) => c.topic));
      for (let w = 0; w < workers; w++) for (let k = 0; k < count; k++) expect(topics.has(`w${w}-${k}`)).toBe(true);
      const now = 1_700_000_000_000 + count;
      const shared = snap.right.commitments.filter((c) => c.topic === 'shared' && ac.isActive(c, now));
      expect(shared).toHaveLength(1);
      // Workers claim at the same instants (now + k), and a replayed restatement is not counted twice.
      expect(shared[0]!.restatements).toBeGreaterThanOrEqual(count - 1);
      expect(shared[0]!.restatements).toBeLessThanOrEqual(workers * count - 1);
      expect(snap.right.commitments).toHaveLength(workers * count + 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('CM-P2 sha256: the kernel implementation equals node:crypto on arbitrary Unicode strings, lone surrogates included', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }), fc.string({ minLength: 50, maxLength: 200 })), (s) => {
        expect(sha256Hex(s)).toBe(createHash('sha256').update(s, 'utf8').digest('hex'));
      }),
      { numRuns: 500 },
    );
    for (const s of ['', '\ud800', 'a\udc00b', 'x'.repeat(55), 'x'.repeat(56), 'x'.repeat(64), 'x'.repeat(1000)]) {
      expect(sha256Hex(s)).toBe(createHash('sha256').update(s, 'utf8').digest('hex'));
    }
  });
});
