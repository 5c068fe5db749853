// `arbiter serve` (issue 9 "Speed", push-gate.md §5.7):
// 1. claim + release cycles per second with 16 concurrent clients on loopback (each client its own lane, a new TCP
//    connection per call as a hook makes it), with p50/p99 cycle latency; backed by the embedded store (fs:DIR).
//    Set BENCH_SERVE_STORE=postgres (and ARBITER_DATABASE_URL) to measure the PostgreSQL-backed service.
// 2. the gate-push deploy path with the http store: decision time outside the git subprocesses and the store's
//    network round trips, target ≤ 10 ms median. Measured as the CPU time the hook process used during the probe
//    driver minus the CPU time of starting git children (fork + exec inside execFile run synchronously):
//    `cpu_ms − spawn_cpu_ms` of the decision log. Waiting for a git child or a socket uses no CPU, so everything
//    left is Arbiter's own work: kernel steps, decoding git's answers and the configuration, opening the store,
//    loading node:http, building and parsing the HTTP bodies. CPU time, because on a shared machine a process that
//    waits for a CPU looks busy by any wall clock; the wall-clock form (event-loop busy time minus time inside
//    execFile, `busy_ms − spawn_ms`) is printed beside it and equals it on an idle machine. The earlier figure,
//    driver wall − the longest probe of each batch (`driver_ms − io_ms`), counted all the work inside a probe as I/O;
//    it is still printed, labelled as such, for comparison. A floor row follows: the same measure of a fresh Node
//    process that only starts as many trivial git children as the claimed run did and makes two loopback requests.
// 3. a hook that never touches lanes (non-push Bash payload) in a clone configured for the http store: start-up as a
//    ratio to `node -e 0`, and whether `node:http` was loaded at all (it must not be).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default async ({ bin, lib, root }) => {
  const rows = [];
  const require = createRequire(import.meta.url);
  const { httpLaneStore } = require(join(root, 'packages/io-node/dist/index.cjs'));
  const tmp = mkdtempSync(join(tmpdir(), 'arbiter-bench-serve-'));
  const env = { ...process.env, ARBITER_STATE_DIR: join(tmp, 'state') };
  delete env.NODE_EXTRA_CA_CERTS;
  const storeArg = process.env.BENCH_SERVE_STORE === 'postgres' ? 'postgres' : `fs:${join(tmp, 'served')}`;
  const token = (m) => execFileSync(process.execPath, [bin, 'token', 'create', '--member', m, '--store', storeArg], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  const tokens = Array.from({ length: 16 }, (_, i) => token(`bench${i}@example.com`));
  const srv = await lib.startServe(bin, ['--store', storeArg], env);
  try {
    // 1. 16 concurrent clients, claim + release cycles
    const cycles = Number(process.env.BENCH_SERVE_CYCLES ?? 150);
    const lat = [];
    const client = async (i) => {
      const s = httpLaneStore({ url: srv.url, token: tokens[i] });
      const me = { handle: 'x', session: `bench-${i}`, instance: i.toString(16).padStart(32, '0'), host: 'bench' };
      for (let k = 0; k < cycles; k++) {
        const t0 = performance.now();
        const c = await s.claim(`deploy:bench-${i}`, me, { intent: 'push', eta_minutes: 1 })();
        const r = await s.release(`deploy:bench-${i}`, me.instance)();
        if (c._tag !== 'Right' || c.right._tag !== 'Granted' || r._tag !== 'Right') throw new Error(`cycle failed: ${JSON.stringify(c)} ${JSON.stringify(r)}`);
        lat.push(performance.now() - t0);
      }
    };
    await Promise.all(Array.from({ length: 4 }, (_, i) => client(i))); // warm-up
    lat.length = 0;
    const t0 = performance.now();
    await Promise.all(Array.from({ length: 16 }, (_, i) => client(i)));
    const wall = (performance.now() - t0) / 1000;
    const st = lib.stats(lat);
    const p99 = lib.quantile(lat, 0.99);
    const label = storeArg === 'postgres' ? 'postgres' : 'embedded fs';
    rows.push({ name: `arbiter serve (${label}), claim + release, 16 concurrent clients on loopback`, value: lat.length / wall, unit: 'cycles/s' });
    rows.push({ name: `arbiter serve (${label}), claim + release cycle latency p50`, value: st.median, unit: 'ms' });
    rows.push({ name: `arbiter serve (${label}), claim + release cycle latency p99`, value: p99, unit: 'ms' });

    // 2. the gate-push deploy path with the http store
    const g = (cwd, args) => execFileSync('git', args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const remote = join(tmp, 'remote.git');
    g(tmp, ['init', '-q', '--bare', '-b', 'main', remote]);
    const clone = join(tmp, 'clone');
    g(tmp, ['init', '-q', '-b', 'main', clone]);
    g(clone, ['-c', 'user.email=b@example.com', '-c', 'user.name=b', 'commit', '-q', '--allow-empty', '-m', 'x']);
    g(clone, ['remote', 'add', 'origin', remote]);
    g(clone, ['push', '-q', 'origin', 'main']);
    mkdirSync(join(clone, '.arbiter'), { recursive: true });
    writeFileSync(join(clone, '.arbiter', 'config.json'), JSON.stringify({ version: 1, lanes: { store: { kind: 'http', url: srv.url, token_env: 'ARBITER_TOKEN' } } }));
    const henv = { ...env, ARBITER_TOKEN: tokens[0] };
    const rounds = Math.max(10, Math.floor(Number(process.env.BENCH_ROUNDS ?? 40) / 2));
    for (let i = 0; i < rounds; i++) {
      const p = JSON.stringify({ session_id: `bench-http-${i}`, cwd: clone, hook_event_name: 'PreToolUse', tool_name: 'Bash', tool_input: { command: 'git push origin main' }, tool_use_id: `t${i}` });
      lib.timeSpawn(process.execPath, [bin, 'hook', 'gate-push', '--agent', 'claude'], { env: henv, input: p });
      lib.timeSpawn(process.execPath, [bin, 'hook', 'gate-push', '--post', '--agent', 'claude'], { env: henv, input: p });
    }
    const logDir = join(env.ARBITER_STATE_DIR, 'repos');
    const entries = readdirSync(logDir).flatMap((k) => {
      try {
        return readdirSync(join(logDir, k, 'log')).flatMap((f) => readFileSync(join(logDir, k, 'log', f), 'utf8').trim().split('\n').map((l) => JSON.parse(l)));
      } catch {
        return [];
      }
    });
    const claimed = entries.filter((e) => e.policy === 'push-gate' && e.reasons[0] === 'claimed');
    if (claimed.length === 0) throw new Error('no claimed gate run in the decision log');
    const net = claimed.map((e) => e.probes.filter((p) => p.name === 'claim' || p.name === 'state').reduce((a, p) => a + p.duration_ms, 0));
    // io_ms: per probe batch, the longest probe (git or store): the claim runs concurrently with the compat git probe
    const probeMethod = lib.stats(claimed.map((e) => Math.max(0, e.facts.timing.driver_ms - e.facts.timing.io_ms)));
    const own = lib.stats(claimed.map((e) => Math.max(0, e.facts.timing.cpu_ms - e.facts.timing.spawn_cpu_ms)));
    const spawnCpu = lib.stats(claimed.map((e) => e.facts.timing.spawn_cpu_ms));
    const ownWall = lib.stats(claimed.map((e) => Math.max(0, e.facts.timing.busy_ms - e.facts.timing.spawn_ms)));
    const n = lib.stats(net);
    rows.push({
      name: 'deploy push via the http store, decision time outside git subprocesses and network round trips (CPU time − git spawns)',
      value: own.median,
      unit: 'ms CPU median',
      spread: `${lib.fmt(own.p25)}–${lib.fmt(own.p75)} ms; git spawns ${lib.fmt(spawnCpu.median)} ms CPU`,
      target: '≤ 10 ms',
    });
    rows.push({ name: 'deploy push via the http store, the same by the wall clock (event-loop busy − time inside execFile)', value: ownWall.median, unit: 'ms median', spread: `${lib.fmt(ownWall.p25)}–${lib.fmt(ownWall.p75)} ms` });
    rows.push({ name: 'deploy push via the http store, driver wall − longest probe per batch (earlier method: work inside probes counted as I/O)', value: probeMethod.median, unit: 'ms median', spread: `${lib.fmt(probeMethod.p25)}–${lib.fmt(probeMethod.p75)} ms` });
    rows.push({ name: 'deploy push via the http store, claim + state round trips', value: n.median, unit: 'ms median', spread: `${lib.fmt(n.p25)}–${lib.fmt(n.p75)} ms` });

    // 2b. the floor of that figure: how many git children one claimed run starts (counted once through a `git` on PATH
    // that logs and hands over to the real one), then a fresh Node process that loads node:child_process and node:http,
    // starts as many `git --version` children and makes two loopback requests (claim and state), measured exactly as
    // the hook measures itself (CPU time − CPU time inside execFile). No decision, no decoding, no store: what Node's
    // child-process and HTTP machinery cost on their own.
    const shim = join(tmp, 'git-count');
    mkdirSync(shim);
    const counted = join(tmp, 'git-calls');
    const realGit = execFileSync('bash', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
    writeFileSync(join(shim, 'git'), `#!/bin/sh\necho x >> '${counted}'\nexec '${realGit}' "$@"\n`, { mode: 0o755 });
    const cp = JSON.stringify({ session_id: 'bench-count', cwd: clone, hook_event_name: 'PreToolUse', tool_name: 'Bash', tool_input: { command: 'git push origin main' }, tool_use_id: 'count' });
    const cenv = { ...henv, PATH: `${shim}:${henv.PATH ?? ''}` };
    lib.timeSpawn(process.execPath, [bin, 'hook', 'gate-push', '--agent', 'claude'], { env: cenv, input: cp });
    const gitCalls = readFileSync(counted, 'utf8').trim().split('\n').length;
    lib.timeSpawn(process.execPath, [bin, 'hook', 'gate-push', '--post', '--agent', 'claude'], { env: henv, input: cp });
    const floorScript = join(tmp, 'exec-floor.cjs');
    writeFileSync(
      floorScript,
      `(async () => {
  const cpu0 = process.cpuUsage();
  const cp = require('node:child_process');
  const http = require('node:http');
  let spawnCpu = 0;
  for (let i = 0; i < ${gitCalls}; i++)
    await new Promise((res) => {
      const c0 = process.cpuUsage();
      cp.execFile('git', ['--version'], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } }, res);
      const c = process.cpuUsage(c0);
      spawnCpu += (c.user + c.system) / 1000;
    });
  for (let i = 0; i < 2; i++)
    await new Promise((res) => http.get(${JSON.stringify(`${srv.url}/healthz`)}, (r) => r.resume().on('end', res)).on('error', res));
  const u = process.cpuUsage(cpu0);
  process.stdout.write(String((u.user + u.system) / 1000 - spawnCpu));
})();
`,
    );
    const floor = lib.stats(Array.from({ length: rounds }, () => Number(execFileSync(process.execPath, [floorScript], { env, encoding: 'utf8' }))));
    rows.push({
      name: `deploy push via the http store, floor: a fresh Node process starting ${gitCalls} git children (as many as the claimed run) and making 2 loopback requests, measured the same way (CPU time − git spawns)`,
      value: floor.median,
      unit: 'ms CPU median',
      spread: `${lib.fmt(floor.p25)}–${lib.fmt(floor.p75)} ms; Arbiter's own share above it ${lib.fmt(own.median - floor.median)} ms`,
    });

    // 3. a non-push hook in the http-configured clone: start-up ratio, and no node:http loaded
    const np = JSON.stringify({ session_id: 'bench-np', cwd: clone, hook_event_name: 'PreToolUse', tool_name: 'Bash', tool_input: { command: 'npm test' }, tool_use_id: 'np' });
    rows.push(lib.startupRow({ name: 'gate-push, non-push Bash payload, clone configured for the http store', args: [bin, 'hook', 'gate-push', '--agent', 'claude'], env: henv, input: np, rounds: Number(process.env.BENCH_ROUNDS ?? 40), target: '≤ 1.3×' }));
    const probe = join(tmp, 'modules.cjs');
    writeFileSync(probe, "process.on('exit', () => { require('node:fs').writeSync(2, '\\nMODULES ' + JSON.stringify(process.moduleLoadList.filter((m) => /NativeModule (http|https|net|_http)/.test(m))) + '\\n'); });\n");
    const r = spawnSync(process.execPath, ['--require', probe, bin, 'hook', 'gate-push', '--agent', 'claude'], { env: henv, input: np, encoding: 'utf8' });
    const loaded = JSON.parse(/MODULES (.*)/.exec(r.stderr)?.[1] ?? '["?"]');
    rows.push({ name: `non-push hook in an http-configured clone: HTTP/network modules loaded (${loaded.join(', ') || 'none'})`, value: loaded.length, unit: 'modules', target: '0' });
  } finally {
    srv.child.kill('SIGTERM');
  }
  return rows;
};
