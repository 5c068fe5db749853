// Push gate (issue 3 "Speed"): median wall time of `arbiter hook gate-push --agent claude` on a non-push Bash
// payload as a ratio to `node -e 0`, alternating in the same run, with NODE_EXTRA_CA_CERTS unset and set
// (target ≤ 1.3×); a deploy-ref push on the fs lane store with a local bare remote (time outside the git
// subprocesses, from the decision log's probe durations); kernel calls per second of the gate decision on
// pre-decoded facts (target ≥ 1,000,000/s) and of the whole simulated run.
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';

export default async ({ bin, lib, root }) => {
  const rows = [];
  const state = mkdtempSync(join(tmpdir(), 'arbiter-bench-pg-'));
  const base = { ...process.env, ARBITER_STATE_DIR: join(state, 'state') };
  delete base.NODE_EXTRA_CA_CERTS;
  const ca = process.env.NODE_EXTRA_CA_CERTS ?? '/etc/ssl/certs/ca-certificates.crt';
  const rounds = Number(process.env.BENCH_ROUNDS ?? 40);
  // The payload runs in a scratch repository. The installed layout has no ARBITER_STATE_DIR: runtime state (the
  // decision log that records this Allow not-a-push) lives in that repository's <git common dir>/arbiter, and
  // per-user state under a scratch HOME. The isolated layout sets ARBITER_STATE_DIR as the tests do (the repository
  // key is then an MD5, which loads node:crypto).
  const work = join(state, 'work');
  execFileSync('git', ['init', '-q', '-b', 'main', work]);
  const payload = JSON.stringify({ session_id: 'bench', cwd: work, hook_event_name: 'PreToolUse', tool_name: 'Bash', tool_input: { command: 'npm test -- --reporter dot' }, tool_use_id: 't' });
  const installed = { ...base, HOME: join(state, 'home'), XDG_STATE_HOME: join(state, 'home', '.local', 'state') };
  delete installed.ARBITER_STATE_DIR;
  for (const [label, env] of [
    ['NODE_EXTRA_CA_CERTS unset, installed layout', installed],
    ['NODE_EXTRA_CA_CERTS set, installed layout', { ...installed, NODE_EXTRA_CA_CERTS: ca }],
    ['NODE_EXTRA_CA_CERTS unset, ARBITER_STATE_DIR set', base],
  ]) {
    rows.push(lib.startupRow({ name: `gate-push, non-push Bash payload (${label})`, args: [bin, 'hook', 'gate-push', '--agent', 'claude'], env, input: payload, rounds, target: '≤ 1.3×' }));
  }

  // Deploy-ref push on the fs lane store, local bare remote: total hook wall time vs the git subprocesses it ran.
  const g = (cwd, args) => execFileSync('git', args, { cwd, env: base, stdio: ['ignore', 'pipe', 'pipe'] });
  const remote = join(state, 'remote.git');
  g(state, ['init', '-q', '--bare', '-b', 'main', remote]);
  const clone = join(state, 'clone');
  g(state, ['init', '-q', '-b', 'main', clone]);
  g(clone, ['-c', 'user.email=b@example.com', '-c', 'user.name=b', 'commit', '-q', '--allow-empty', '-m', 'x']);
  g(clone, ['remote', 'add', 'origin', remote]);
  g(clone, ['push', '-q', 'origin', 'main']);
  mkdirSync(join(clone, '.arbiter'), { recursive: true });
  writeFileSync(join(clone, '.arbiter', 'config.json'), '{"version":1}\n');
  const totals = [];
  const gitMs = [];
  const deployRounds = Math.max(10, Math.floor(rounds / 2));
  for (let i = 0; i < deployRounds; i++) {
    const p = JSON.stringify({ session_id: `bench-${i}`, cwd: clone, hook_event_name: 'PreToolUse', tool_name: 'Bash', tool_input: { command: 'git push origin main' }, tool_use_id: `t${i}` });
    totals.push(lib.timeSpawn(process.execPath, [bin, 'hook', 'gate-push', '--agent', 'claude'], { env: base, input: p }));
    // release so that the next session finds the lane free
    lib.timeSpawn(process.execPath, [bin, 'hook', 'gate-push', '--post', '--agent', 'claude'], { env: base, input: p });
  }
  const logDir = join(base.ARBITER_STATE_DIR, 'repos');
  const entries = readdirSync(logDir).flatMap((k) => {
    const d = join(logDir, k, 'log');
    try {
      return readdirSync(d).flatMap((f) => readFileSync(join(d, f), 'utf8').trim().split('\n').map((l) => JSON.parse(l)));
    } catch {
      return [];
    }
  });
  const claimed = entries.filter((e) => e.policy === 'push-gate' && e.reasons[0] === 'claimed');
  for (const e of claimed) {
    // repo / refs / compat are git subprocesses; identity runs one `git config`
    // driver wall time minus the time spent waiting on git subprocesses (per concurrent batch, the longest)
    gitMs.push({ total: e.duration_ms, driver: e.facts.timing.driver_ms, git: e.facts.timing.git_ms, own: e.facts.timing.cpu_ms - e.facts.timing.spawn_cpu_ms, store: e.probes.filter((p) => p.name === 'claim' || p.name === 'state').reduce((a, p) => a + p.duration_ms, 0) });
  }
  const t = lib.stats(totals);
  const inProc = lib.stats(gitMs.map((x) => x.total));
  const outside = lib.stats(gitMs.map((x) => Math.max(0, x.driver - x.git)));
  const store = lib.stats(gitMs.map((x) => x.store));
  rows.push({ name: 'deploy push (claimed), hook wall time', value: t.median, unit: 'ms median', spread: `${lib.fmt(t.p25)}–${lib.fmt(t.p75)} ms` });
  rows.push({ name: 'deploy push, process start → verdict (decision log duration_ms)', value: inProc.median, unit: 'ms median', spread: `${lib.fmt(inProc.p25)}–${lib.fmt(inProc.p75)} ms` });
  rows.push({ name: 'deploy push, decision time outside the git subprocesses (driver wall − git wall)', value: outside.median, unit: 'ms median', spread: `${lib.fmt(outside.p25)}–${lib.fmt(outside.p75)} ms`, target: '≤ 10 ms' });
  // the same question asked as CPU time (serve.bench.mjs row 2): the driver's CPU time minus git spawns
  const own = lib.stats(gitMs.map((x) => Math.max(0, x.own)));
  rows.push({ name: 'deploy push, CPU time in the driver − git spawns (fs store: includes the store\'s file work)', value: own.median, unit: 'ms CPU median', spread: `${lib.fmt(own.p25)}–${lib.fmt(own.p75)} ms` });
  rows.push({ name: 'deploy push, fs lane store claim + state', value: store.median, unit: 'ms median', spread: `${lib.fmt(store.p25)}–${lib.fmt(store.p75)} ms` });

  // Kernel: the gate decision on pre-decoded facts (final step of a claimed run), and a full simulated run.
  const require = createRequire(import.meta.url);
  const { pushGate: PG } = require(join(root, 'packages/kernel/dist/index.cjs'));
  const facts = {
    mode: 'agent',
    agent: 'claude',
    payload: { session_id: 's', cwd: '/r', tool_name: 'Bash', tool_input: { command: 'git push origin main' }, tool_use_id: 't' },
    dry_run: false,
    break_glass: false,
    break_glass_reason: null,
    elapsed_ms: 10,
    repo: { kind: 'repo', top: '/r', common_dir: '/r/.git', shallow: false, config: { _tag: 'Configured', config: { version: 1 } } },
    refs: { head_branch: 'main', head_oid: 'a'.repeat(40), default_remote: 'origin', branches: { main: 'a'.repeat(40) }, tags: {}, objects: {} },
    identity: { ok: true, member: 'm', session: 's', instance: 'e'.repeat(32), host: 'h' },
    claims: { 'deploy:refs/heads/main': [{ _tag: 'Granted', fence: 3, reclaimed: false }] },
    compat: { 'refs/heads/main': { result: 'fast-forward', remote_present: true } },
    state: { ok: true, view: { lanes: [], halts: [], placed: [] } },
  };
  const ops0 = lib.stats(lib.opsPerSec(() => PG.gateStep(facts)));
  rows.push({ name: 'kernel gateStep, final step of a claimed run, command not yet classified', value: ops0.median, unit: 'calls/s median', spread: `${lib.fmt(ops0.p25)}–${lib.fmt(ops0.p75)}` });
  // What the drivers pass: `prepareFacts` stores the decoded payload, classification, settings and targets as facts.
  const decoded = PG.prepareFacts(facts);
  const ops = lib.stats(lib.opsPerSec(() => PG.gateStep(decoded)));
  rows.push({ name: 'kernel gateStep, final step of a claimed run on pre-decoded facts (prepareFacts)', value: ops.median, unit: 'calls/s median', spread: `${lib.fmt(ops.p25)}–${lib.fmt(ops.p75)}`, target: '≥ 1,000,000/s' });
  const preClassified = { ...facts };
  const cls = PG.classifyPushCommand('git push origin main');
  const opsCls = lib.stats(lib.opsPerSec(() => PG.classifyPushCommand('git push origin main')));
  rows.push({ name: 'kernel classifyPushCommand("git push origin main")', value: opsCls.median, unit: 'calls/s median', spread: `${lib.fmt(opsCls.p25)}–${lib.fmt(opsCls.p75)}` });
  void preClassified;
  void cls;
  return rows;
};
