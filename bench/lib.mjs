// Shared benchmark helpers: every figure is reported with its median and spread (interquartile range) and, where
// it has one, as a ratio against a baseline measured in the same run (architecture.md: speed is measured here, never
// asserted in tests; the machines are shared and noisy).
import { spawn, spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';

/** Sorted copy. */
const sorted = (xs) => [...xs].sort((a, b) => a - b);

/** Quantile q ∈ [0,1] by linear interpolation. */
export const quantile = (xs, q) => {
  const s = sorted(xs);
  if (s.length === 0) return NaN;
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
};

/** Median and interquartile range. */
export const stats = (xs) => ({ median: quantile(xs, 0.5), p25: quantile(xs, 0.25), p75: quantile(xs, 0.75), n: xs.length });

/** Wall time (ms) of one child process run with `input` on stdin. */
export const timeSpawn = (cmd, args, { env, input = '' } = {}) => {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { env, input, stdio: ['pipe', 'ignore', 'ignore'] });
  const t1 = performance.now();
  if (r.error) throw r.error;
  return t1 - t0;
};

/**
 * Alternate `a` and `b` (each a thunk returning one sample) `rounds` times after `warmup` discarded rounds, so both
 * see the same machine noise. Returns the two sample arrays.
 */
export const alternate = (a, b, rounds, warmup = 3) => {
  const as = [];
  const bs = [];
  for (let i = 0; i < warmup + rounds; i++) {
    const x = i % 2 === 0 ? [a(), b()] : [b(), a()].reverse();
    if (i >= warmup) {
      as.push(x[0]);
      bs.push(x[1]);
    }
  }
  return [as, bs];
};

/**
 * Run the named thunks `runs` (`[name, thunk]` pairs, each returning one sample) in rotating order, `rounds` times
 * after `warmup` discarded rounds, so every one sees the same machine noise and none is always first. Returns the
 * samples by name.
 */
export const rotate = (runs, rounds, warmup = 2) => {
  const series = Object.fromEntries(runs.map(([name]) => [name, []]));
  for (let i = 0; i < warmup + rounds; i++) {
    for (let k = 0; k < runs.length; k++) {
      const [name, f] = runs[(i + k) % runs.length];
      const t = f();
      if (i >= warmup) series[name].push(t);
    }
  }
  return series;
};

/** Calls per second of `fn` over about `ms` milliseconds, measured `repeats` times. Returns the samples. */
export const opsPerSec = (fn, { ms = 300, repeats = 7 } = {}) => {
  const out = [];
  // calibrate the batch size so one batch takes ~ms/10
  let batch = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < batch; i++) fn(i);
    const dt = performance.now() - t0;
    if (dt > ms / 10) break;
    batch *= 2;
  }
  for (let r = 0; r < repeats; r++) {
    let n = 0;
    const t0 = performance.now();
    let t = t0;
    while (t - t0 < ms) {
      for (let i = 0; i < batch; i++) fn(i);
      n += batch;
      t = performance.now();
    }
    out.push((n * 1000) / (t - t0));
  }
  return out;
};

/** Format a number with 3 significant digits. */
export const fmt = (x) => (Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 10 ? x.toFixed(1) : x.toPrecision(3));

/**
 * The baseline column of a whole-process row: `node -e 0`'s median and IQR (`n`, from {@link stats}), and, with `o`
 * (an older build's stats in the same rounds, or `null`), that build's median, IQR and ratio to `node -e 0`.
 */
export const baselineText = (n, o) =>
  `node -e 0 ${fmt(n.median)} ms (IQR ${fmt(n.p25)}–${fmt(n.p75)})` +
  (o ? `; older build ${fmt(o.median)} ms (IQR ${fmt(o.p25)}–${fmt(o.p75)}), ratio ${fmt(o.median / n.median)}×` : '');

/**
 * One start-up row: alternate `node -e 0` and `node <args>` (stdin `input`) `rounds` times in `env` and compare the
 * medians (the ratio), with interquartile ranges and the median of the paired per-round ratios. With
 * `BENCH_OLD_BIN` set (an older build's `dist/arbiter.cjs`) and `args[0]` the `arbiter` binary, the same command of
 * the older build is measured in the same rounds too, and its ratio is reported beside the baseline.
 */
export const startupRow = ({ name, args, env, input = '', rounds, target }) => {
  const oldBin = process.env.BENCH_OLD_BIN;
  const withOld = oldBin !== undefined && oldBin !== '' && typeof args[0] === 'string' && args[0].endsWith('arbiter.cjs');
  const nodes = [];
  const hooks = [];
  const olds = [];
  const runs = [
    () => timeSpawn(process.execPath, ['-e', '0'], { env }),
    () => timeSpawn(process.execPath, args, { env, input }),
    ...(withOld ? [() => timeSpawn(process.execPath, [oldBin, ...args.slice(1)], { env, input })] : []),
  ];
  for (let i = 0; i < rounds + 3; i++) {
    // rotate the order every round so each command sees the same machine noise
    const t = runs.map(() => 0);
    for (let k = 0; k < runs.length; k++) {
      const j = (i + k) % runs.length;
      t[j] = runs[j]();
    }
    if (i < 3) continue; // warm-up
    nodes.push(t[0]);
    hooks.push(t[1]);
    olds.push(withOld ? t[2] : NaN);
  }
  const n = stats(nodes);
  const h = stats(hooks);
  const o = withOld ? stats(olds) : null;
  const r = stats(hooks.map((x, i) => x / nodes[i]));
  return {
    name,
    value: h.median,
    unit: 'ms median',
    spread: `${fmt(h.p25)}–${fmt(h.p75)} ms`,
    baseline: baselineText(n, o),
    ratio: h.median / n.median,
    ...(target ? { target } : {}),
    pairedRatio: `${fmt(r.median)} (IQR ${fmt(r.p25)}–${fmt(r.p75)})`,
    ...(o ? { olderRatio: o.median / n.median } : {}),
  };
};

/**
 * Start `node <bin> serve --listen 127.0.0.1:0 …args` with `env` and resolve `{child, url}` once it says where it
 * listens; rejects with its stderr when it exits first.
 */
export const startServe = (bin, args, env) =>
  new Promise((res, rej) => {
    const child = spawn(process.execPath, [bin, 'serve', '--listen', '127.0.0.1:0', ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => {
      err += d.toString();
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(err);
      if (m) res({ child, url: m[1] });
    });
    child.on('exit', () => rej(new Error(`serve exited: ${err}`)));
  });
