// State-directory lock (issue 4 item 4): cost of the guard every hook runs before it writes runtime state. The
// common path (`guardRuntimeDir` on a lock this host already holds → host-shared) is one read plus one touch; the
// baseline is exactly that I/O done by hand (readFileSync + utimesSync of the same file), measured alternately in
// the same run. Reported per call in microseconds, median and IQR over batches.
import { mkdtempSync, readFileSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createRequire } from 'node:module';

export default async ({ root, lib }) => {
  // The CommonJS build (the one the arbiter bundles resolve alike); its ESM build imports fp-ts subpaths Node's ESM
  // loader cannot resolve.
  const io = createRequire(import.meta.url)(join(root, 'packages/io-node/dist/index.cjs'));
  const dir = mkdtempSync(join(tmpdir(), 'arbiter-bench-statelock-'));
  const lock = join(dir, 'host.lock');
  const first = await io.guardRuntimeDir(dir, { stderr: () => undefined });
  if (!first.status.enabled) throw new Error(`guard disabled: ${first.status.code}`);
  const batch = 200;
  const rounds = Number(process.env.BENCH_ROUNDS ?? 40);
  const guardBatch = async () => {
    const t0 = performance.now();
    for (let i = 0; i < batch; i++) await io.guardRuntimeDir(dir, { stderr: () => undefined });
    return ((performance.now() - t0) * 1000) / batch;
  };
  const rawBatch = async () => {
    const t0 = performance.now();
    for (let i = 0; i < batch; i++) {
      readFileSync(lock, 'utf8');
      const t = Date.now() / 1000;
      utimesSync(lock, t, t);
    }
    return ((performance.now() - t0) * 1000) / batch;
  };
  const guards = [];
  const raws = [];
  for (let r = 0; r < rounds + 3; r++) {
    const pair = r % 2 === 0 ? [await guardBatch(), await rawBatch()] : [await rawBatch(), await guardBatch()].reverse();
    if (r >= 3) {
      guards.push(pair[0]);
      raws.push(pair[1]);
    }
  }
  rmSync(dir, { recursive: true, force: true });
  const g = lib.stats(guards);
  const b = lib.stats(raws);
  return [
    {
      name: 'guardRuntimeDir common path (host-shared: read + touch, no df, no pid probe)',
      value: g.median,
      unit: 'µs/call median',
      spread: `${lib.fmt(g.p25)}–${lib.fmt(g.p75)} µs`,
      baseline: `readFileSync + utimesSync by hand ${lib.fmt(b.median)} µs (IQR ${lib.fmt(b.p25)}–${lib.fmt(b.p75)})`,
      ratio: g.median / b.median,
    },
  ];
};
