// Deploy push under load (issue 12, "a newcomer's friction"): where the 4 s budget of a deploy push through the gate
// goes when the machine is busy. One run measures every step twice, first on the machine as it is ("idle", the
// baseline) and then with `BENCH_LOAD_PROCS` busy child processes spinning (default: 2 per CPU, at least 4), so each
// loaded figure has a ratio against its baseline from the same run (bench/lib.mjs conventions).
//
// Steps of the real hook come from its decision-log entry (`arbiter hook gate-push` with a deploy-ref push on the fs
// lane store and a local bare remote): each probe's duration, the runtime-state guard before the gate
// (`facts.timing.guard_ms`), process start → verdict (`duration_ms`) and the whole wall time. What happens after the
// verdict (the log write, the pending marker) and each git command of the probes are also timed in-process with the
// same io-node adapters the hook uses, on the same repository, so each git spawn has its own line.
//
// With BENCH_OLD_BIN=<older build>/packages/hooks/dist/arbiter.cjs the same deploy push of the older build runs in the
// same rounds (alternating which goes first, its own state directory), for before/after figures from one run:
//   BENCH_OLD_BIN=/path/to/old/packages/hooks/dist/arbiter.cjs npm run bench -- deploy-load
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { spawn, execFileSync } from 'node:child_process';
import { cpus, tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

/** Start `n` busy-looping node processes; returns a stop function. */
const startLoad = (n) => {
  const kids = [];
  for (let i = 0; i < n; i++) kids.push(spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' }));
  return () => {
    for (const k of kids) k.kill('SIGKILL');
  };
};

/** Wall time (ms) of an async thunk. */
const timeAsync = async (f) => {
  const t0 = performance.now();
  await f();
  return performance.now() - t0;
};

export default async ({ bin, lib, root }) => {
  const require = createRequire(import.meta.url);
  const io = require(join(root, 'packages/io-node/dist/index.cjs'));
  const rounds = Math.max(8, Math.floor(Number(process.env.BENCH_ROUNDS ?? 40) / 3));
  const loadProcs = Number(process.env.BENCH_LOAD_PROCS ?? Math.max(4, 2 * cpus().length));
  const state = mkdtempSync(join(tmpdir(), 'arbiter-bench-deploy-'));
  const env = { ...process.env, ARBITER_STATE_DIR: join(state, 'state') };
  // BENCH_OLD_BIN (an older build's dist/arbiter.cjs, as in bench/lib.mjs): the same deploy push with it, alternating
  // in the same rounds, with its own state directory (its own lanes and log)
  const oldBin = process.env.BENCH_OLD_BIN ? process.env.BENCH_OLD_BIN : null;
  const oldEnv = { ...env, ARBITER_STATE_DIR: join(state, 'state-old') };
  const g = (cwd, args) => execFileSync('git', args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const remote = join(state, 'remote.git');
  g(state, ['init', '-q', '--bare', '-b', 'main', remote]);
  const clone = join(state, 'clone');
  g(state, ['init', '-q', '-b', 'main', clone]);
  g(clone, ['-c', 'user.email=b@example.com', '-c', 'user.name=b', 'commit', '-q', '--allow-empty', '-m', 'x']);
  g(clone, ['remote', 'add', 'origin', remote]);
  g(clone, ['push', '-q', '-u', 'origin', 'main']);
  mkdirSync(join(clone, '.arbiter'), { recursive: true });
  writeFileSync(join(clone, '.arbiter', 'config.json'), '{"version":1}\n');
  const head = g(clone, ['rev-parse', 'HEAD']).toString().trim();
  const git = io.nodeGit({ env });
  const laneRoot = join(state, 'lanes-inproc');
  const store = io.fsLaneStore(laneRoot, { owners: [], defaultLeaseMin: 10 });
  const holder = { handle: 'b', session: 'bench', instance: 'e'.repeat(32), host: 'h' };
  const logDir = join(state, 'log-inproc');
  const entry = {
    decision_id: '01J0000000000000000000000', policy: 'push-gate', policy_version: '1.0.0', timestamp: new Date().toISOString(), mode: 'agent:claude',
    facts: { command: 'git push origin main', lanes: ['deploy:refs/heads/main'] }, verdict: 'Allow', reasons: ['claimed'], effects: [], probes: [], duration_ms: 1, masked: [],
  };

  // One sample of every step; `i` makes each hook run a new session so the lane is free (released by --post).
  let serial = 0;
  const sampleOnce = async () => {
    const i = serial++;
    const s = {};
    s['node -e 0 (spawn baseline)'] = lib.timeSpawn(process.execPath, ['-e', '0'], { env });
    const p = JSON.stringify({ session_id: `bench-${i}`, cwd: clone, hook_event_name: 'PreToolUse', tool_name: 'Bash', tool_input: { command: 'git push origin main' }, tool_use_id: `t${i}` });
    // the older build first in odd rounds, second in even ones, so both see the same machine
    const runNew = () => {
      s['hook wall time'] = lib.timeSpawn(process.execPath, [bin, 'hook', 'gate-push', '--agent', 'claude'], { env, input: p });
      lib.timeSpawn(process.execPath, [bin, 'hook', 'gate-push', '--post', '--agent', 'claude'], { env, input: p });
    };
    const runOld = () => {
      if (oldBin === null) return;
      s['older build: hook wall time'] = lib.timeSpawn(process.execPath, [oldBin, 'hook', 'gate-push', '--agent', 'claude'], { env: oldEnv, input: p });
      lib.timeSpawn(process.execPath, [oldBin, 'hook', 'gate-push', '--post', '--agent', 'claude'], { env: oldEnv, input: p });
    };
    if (i % 2 === 0) {
      runNew();
      runOld();
    } else {
      runOld();
      runNew();
    }
    // in-process, the same adapters: each git command of the probes, the store claim, the log write, the marker
    s['git rev-parse (repo probe)'] = await timeAsync(() => git.repoPaths(clone)());
    s['git refs probe (refsFacts)'] = await timeAsync(() => git.refsFacts(clone, ['main'])());
    s['git config (one key)'] = await timeAsync(() => git.configGet(clone, 'branch.main.remote')());
    s['git ls-remote (compat)'] = await timeAsync(() => git.lsRemote(clone, 'origin', 'refs/heads/main', 2500)());
    s['git cat-file -e (compat)'] = await timeAsync(() => git.hasObject(clone, head)());
    s['git merge-base --is-ancestor (compat)'] = await timeAsync(() => git.isAncestor(clone, head, head)());
    s['fs store claim (in-process)'] = await timeAsync(() => store.claim('deploy:refs/heads/main', { ...holder, session: `s${i}`, instance: String(i).padStart(32, '0') }, { intent: 'push', eta_minutes: 10 })());
    s['fs store release (in-process)'] = await timeAsync(() => store.release('deploy:refs/heads/main', String(i).padStart(32, '0'))());
    s['decision-log append (in-process)'] = await timeAsync(() => io.appendDecisionSync(logDir, entry, Date.now()));
    s['pending marker write (in-process)'] = await timeAsync(() => io.writePending(join(state, 'inproc-state'), `k${i}`, { store_root: laneRoot, instance: holder.instance, lanes: [{ lane: 'deploy:refs/heads/main', fence: i }] }));
    return s;
  };

  /** Samples of every step in `rounds` rounds (after 2 warm-up rounds), plus the hook's own log entries since `from`. */
  const phase = async () => {
    const before = new Set([...hookEntries(), ...hookEntries(oldEnv.ARBITER_STATE_DIR)].map((e) => e.decision_id));
    const samples = {};
    for (let r = 0; r < rounds + 2; r++) {
      const s = await sampleOnce();
      if (r < 2) continue;
      for (const [k, v] of Object.entries(s)) (samples[k] ??= []).push(v);
    }
    const mine = hookEntries().filter((x) => !before.has(x.decision_id));
    const theirs = hookEntries(oldEnv.ARBITER_STATE_DIR).filter((x) => !before.has(x.decision_id));
    samples.outcomes = mine.map((e) => e.reasons?.[0] ?? '?');
    samples.oldOutcomes = theirs.map((e) => e.reasons?.[0] ?? '?');
    const add = (k, v) => typeof v === 'number' && (samples[k] ??= []).push(v);
    for (const e of theirs.filter((x) => x.reasons?.[0] === 'claimed')) {
      add('older build: process start → verdict (duration_ms)', e.duration_ms);
      for (const pr of e.probes ?? []) add(`older build: probe ${pr.name}`, pr.duration_ms);
    }
    for (const e of mine.filter((x) => x.reasons?.[0] === 'claimed')) {
      add('hook: process start → verdict (duration_ms)', e.duration_ms);
      add('hook: state guard before the gate (guard_ms)', e.facts?.timing?.guard_ms);
      add('hook: probe driver, repo → verdict (driver_ms)', e.facts?.timing?.driver_ms);
      add('hook: process start → claim answered', e.facts?.timing?.claim_at_ms);
      for (const pr of e.probes ?? []) add(`hook probe ${pr.name}`, pr.duration_ms);
    }
    return samples;
  };
  const hookEntries = (stateDir = env.ARBITER_STATE_DIR) => {
    const out = [];
    const reposDir = join(stateDir, 'repos');
    let keys = [];
    try {
      keys = readdirSync(reposDir);
    } catch {
      return out;
    }
    for (const k of keys) {
      const d = join(reposDir, k, 'log');
      let files = [];
      try {
        files = readdirSync(d);
      } catch {
        continue;
      }
      for (const f of files) {
        for (const l of readFileSync(join(d, f), 'utf8').split('\n')) {
          if (l === '') continue;
          const e = JSON.parse(l);
          if (e.policy === 'push-gate') out.push(e);
        }
      }
    }
    return out;
  };

  const idle = await phase();
  const stop = startLoad(loadProcs);
  let loaded;
  try {
    await new Promise((r) => setTimeout(r, 300)); // let the spinners get scheduled
    loaded = await phase();
  } finally {
    stop();
  }
  const rows = [];
  const claimedShare = (ph) => ph.outcomes.filter((o) => o === 'claimed').length / Math.max(1, ph.outcomes.length);
  const tally = (ph) => Object.entries(ph.outcomes.reduce((a, o) => ({ ...a, [o]: (a[o] ?? 0) + 1 }), {})).map(([k, v]) => `${k} ${v}`).join(', ');
  rows.push({
    name: `deploy push under load (${loadProcs} busy processes): runs that ended claimed within the 4 s watchdog (${tally(loaded)})`,
    value: 100 * claimedShare(loaded),
    unit: '%',
    baseline: `without the added load ${lib.fmt(100 * claimedShare(idle))}% (${tally(idle)})`,
  });
  if (oldBin !== null) {
    const share = (ph) => ph.oldOutcomes.filter((o) => o === 'claimed').length / Math.max(1, ph.oldOutcomes.length);
    const t = (ph) => Object.entries(ph.oldOutcomes.reduce((a, o) => ({ ...a, [o]: (a[o] ?? 0) + 1 }), {})).map(([k, v]) => `${k} ${v}`).join(', ');
    rows.push({
      name: `deploy push under load (${loadProcs} busy processes): older build, runs that ended claimed (${t(loaded)})`,
      value: 100 * share(loaded),
      unit: '%',
      baseline: `without the added load ${lib.fmt(100 * share(idle))}% (${t(idle)})`,
    });
  }
  // a step with no loaded sample (every loaded run ended in the watchdog, so no probe durations) still gets its row
  for (const k of [...new Set([...Object.keys(idle), ...Object.keys(loaded)])]) {
    if (k === 'outcomes' || k === 'oldOutcomes') continue;
    const l = lib.stats(loaded[k] ?? []);
    const b = lib.stats(idle[k] ?? []);
    rows.push({
      name: `deploy push under load (${loadProcs} busy processes): ${k}`,
      value: l.median,
      unit: 'ms median',
      spread: `${lib.fmt(l.p25)}–${lib.fmt(l.p75)} ms, max ${lib.fmt(Math.max(...(loaded[k] ?? [NaN])))} ms, n ${l.n}`,
      baseline: `same step without the added load ${lib.fmt(b.median)} ms (IQR ${lib.fmt(b.p25)}–${lib.fmt(b.p75)})`,
      ratio: l.median / b.median,
    });
  }
  if (oldBin !== null) {
    for (const [label, ph] of [
      ['under load', loaded],
      ['without the added load', idle],
    ]) {
      const n = lib.stats(ph['hook wall time']);
      const o = lib.stats(ph['older build: hook wall time']);
      rows.push({
        name: `deploy push, hook wall time, this build vs the older build (${label})`,
        value: n.median,
        unit: 'ms median',
        spread: `${lib.fmt(n.p25)}–${lib.fmt(n.p75)} ms`,
        baseline: `older build ${lib.fmt(o.median)} ms (IQR ${lib.fmt(o.p25)}–${lib.fmt(o.p75)}), same rounds`,
        ratio: n.median / o.median,
      });
    }
  }
  return rows;
};
