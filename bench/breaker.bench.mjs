// Circuit breaker throughput (issue 5): `breaker.transition` and `breaker.canAssign` calls per second on the built
// kernel (packages/kernel/dist), over a rotating mix of 64 states, events, task ids and instants so that every rule
// is exercised and nothing constant-folds. Baseline measured in the same run: a loop calling an empty function with
// the same arguments (the cost of the loop and the call itself). Target ≥ 5,000,000 calls/s.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export default async ({ root, lib }) => {
  const { breaker } = await import(pathToFileURL(join(root, 'packages/kernel/dist/index.js')).href);
  const cfg = breaker.DEFAULT_CONFIG;
  const N = 64;
  const T0 = 1_700_000_000_000;
  const states = [];
  const events = [];
  const tasks = [];
  const nows = [];
  for (let i = 0; i < N; i++) {
    const k = i % 8;
    states.push(
      k === 0 ? { _tag: 'Closed', failures: 0 }
      : k === 1 ? { _tag: 'Closed', failures: 2 }
      : k === 2 ? { _tag: 'Open', openedAt: T0 - 100_000, lateFailures: 0 }
      : k === 3 ? { _tag: 'Open', openedAt: T0 - 400_000, lateFailures: 1 }
      : k === 4 ? { _tag: 'Open', openedAt: T0 + 5_000, lateFailures: 0 }
      : k === 5 ? { _tag: 'HalfOpen', since: T0 - 10, probe: { _tag: 'Free' } }
      : k === 6 ? { _tag: 'HalfOpen', since: T0 - 10, probe: { _tag: 'Leased', taskId: 't1', leasedAt: T0 - 10 } }
      : { _tag: 'HalfOpen', since: T0 - 10, probe: { _tag: 'Leased', taskId: 't2', leasedAt: T0 - 4_000_000 } },
    );
    const tag = ['Failure', 'Success', 'ProbeReleased'][(i * 7) % 3];
    events.push({ _tag: tag, taskId: i % 2 === 0 ? 't1' : 't2' });
    tasks.push(i % 3 === 0 ? 't1' : 't3');
    nows.push(T0 + (i % 5) * 1_000);
  }
  let sink = 0;
  const empty = (c, s, e, n) => {}; // eslint-disable-line no-unused-vars
  const fns = {
    baseline: (i) => {
      const j = i & 63;
      empty(cfg, states[j], events[j], nows[j]);
      sink ^= j;
    },
    transition: (i) => {
      const j = i & 63;
      sink ^= breaker.transition(cfg, states[j], events[j], nows[j]).code.length;
    },
    canAssign: (i) => {
      const j = i & 63;
      sink ^= breaker.canAssign(cfg, states[j], tasks[j], nows[j]).reason.length;
    },
  };
  // Warm up every function, then alternate the measurements so all three see the same machine noise.
  for (const f of Object.values(fns)) lib.opsPerSec(f, { ms: 100, repeats: 2 });
  const samples = { baseline: [], transition: [], canAssign: [] };
  const rounds = Number(process.env.BENCH_ROUNDS ?? 7);
  const order = ['baseline', 'transition', 'canAssign'];
  for (let r = 0; r < rounds; r++) {
    const seq = r % 2 === 0 ? order : [...order].reverse();
    for (const name of seq) samples[name].push(...lib.opsPerSec(fns[name], { ms: 200, repeats: 1 }));
  }
  if (sink === 0.5) console.log(sink); // keep the sink observable
  const b = lib.stats(samples.baseline);
  const rows = [];
  for (const name of ['transition', 'canAssign']) {
    const s = lib.stats(samples[name]);
    rows.push({
      name: `breaker.${name} calls per second (${rounds} runs)`,
      value: s.median,
      unit: 'calls/s median',
      spread: `${lib.fmt(s.p25)}–${lib.fmt(s.p75)} calls/s`,
      baseline: `empty function call loop ${lib.fmt(b.median)} calls/s (IQR ${lib.fmt(b.p25)}–${lib.fmt(b.p75)})`,
      ratio: s.median / b.median,
      target: '≥ 5,000,000 calls/s',
    });
  }
  return rows;
};
