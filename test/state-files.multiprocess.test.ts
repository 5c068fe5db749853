/**
 * StateFiles SF3 across processes: several Node processes increment one counter file through the built io-node
 * adapter (`fsStateFiles(dir).update`) at the same time; no increment is lost (O_EXCL mutex + atomic replace).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const DIST = join(__dirname, '..', 'packages', 'io-node', 'dist', 'index.cjs');

const worker = (dir: string, n: number): Promise<number | null> =>
  new Promise((res) => {
    const code = `
      const { fsStateFiles } = require(${JSON.stringify(DIST)});
      const s = fsStateFiles(${JSON.stringify(dir)}, { waitMs: 20000 });
      (async () => {
        for (let i = 0; i < ${n}; i++) {
          const r = await s.update('stop-gate-continues.json', (cur) => ({ next: String((cur === null ? 0 : Number(cur)) + 1), result: 0 }))();
          if (r._tag !== 'Right') { console.error(JSON.stringify(r)); process.exit(3); }
        }
      })();`;
    const c = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'ignore', 'inherit'] });
    c.on('close', (status) => res(status));
  });

describe('fs StateFiles across processes', () => {
  it('SF3 8 processes × 15 concurrent updates end at 120', async () => {
    if (!existsSync(DIST)) throw new Error(`missing ${DIST}: run npm run build first`);
    const dir = join(mkdtempSync(join(tmpdir(), 'arbiter-sfmp-')), 'arbiter');
    const codes = await Promise.all(Array.from({ length: 8 }, () => worker(dir, 15)));
    expect(codes).toEqual(Array.from({ length: 8 }, () => 0));
    expect(readFileSync(join(dir, 'stop-gate-continues.json'), 'utf8')).toBe('120');
  });
});
