// `arbiter status` (issue 14 "Speed"; docs/status.md): 1,000 sessions in the registry and 100 held lanes in the
// embedded store, plus 5 open halts and 5,000 logged decisions (one in ten a Block), in a temporary repository.
// Target: renders in under 200 ms.
// 1. The whole process, `arbiter status --json` and `arbiter status` (text, 100 columns: not a terminal), each
//    alternated with `node -e 0` in the same rounds (the start-up floor every verb pays), median and IQR over rounds;
//    under the environment as given and, when it sets NODE_EXTRA_CA_CERTS, once more without it. With
//    BENCH_OLD_BIN=<older build>/packages/hooks/dist/arbiter.cjs the older build's two commands run in the same rounds.
//    These rounds read a registry that has not changed for over a second, so the listing comes from its index
//    (presence.md §5.1). Then `arbiter status --json` once more, each run just after one record was replaced (a
//    rename, as a hook writes): the directory has changed, so the index cannot answer and every file is read.
// 2. In process (the built library): the collector over the real stores plus the renderer (text) or the JSON text,
//    against the floor of the same reads done raw in the same rounds (list and read the 1,000 registry files and the
//    100 lane files, read the decision log) with no decoding, joining or rendering. The registry is settled first, so
//    the collector lists it from its index while the floor reads every file. These run warm (the code already
//    compiled and optimised by the earlier rounds): they are the collector's and renderer's share, not a command's.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const require = createRequire(import.meta.url);

const SESSIONS = 1000;
const LANES = 100;
const DECISIONS = 5000;

export default async ({ root, bin, lib }) => {
  const { fmt, stats } = lib;
  const kernel = require(join(root, 'packages/kernel/dist/index.cjs'));
  const io = require(join(root, 'packages/io-node/dist/index.cjs'));
  const hooks = require(join(root, 'packages/hooks/dist/index.cjs'));
  const dir = mkdtempSync(join(tmpdir(), 'arb-status-bench-'));
  const state = join(dir, 'state');
  const repo = join(dir, 'repo');
  const env = { ...process.env, ARBITER_STATE_DIR: state, GIT_CONFIG_NOSYSTEM: '1', GIT_AUTHOR_NAME: 'B', GIT_AUTHOR_EMAIL: 'b@example.invalid', GIT_COMMITTER_NAME: 'B', GIT_COMMITTER_EMAIL: 'b@example.invalid' };
  delete env.FORCE_COLOR;
  for (const k of ['ARBITER_SESSION', 'ARBITER_SESSION_ID', 'CLAUDE_CODE_SESSION_ID', 'CODEX_THREAD_ID']) delete env[k];
  try {
    mkdirSync(repo, { recursive: true });
    spawnSync('git', ['init', '-q', '-b', 'main', repo], { env });
    spawnSync('git', ['commit', '-q', '--allow-empty', '-m', 'init'], { cwd: repo, env });
    const r = io.resolveRepo(repo, env);
    const runtime = r.runtimeDir;
    const now = Date.now();

    // registry: one file per session, as the presence store keeps it
    mkdirSync(join(runtime, 'sessions'), { recursive: true });
    const states = ['working', 'waiting', 'idle', 'gone'];
    for (let i = 0; i < SESSIONS; i++) {
      const rec = { v: 1, session: `s-${i}`, agent: i % 3 === 0 ? 'codex' : 'claude', host: 'bench', workspace: r.commonDir, worktree: repo, branch: `feature/task-${i}`, state: states[i % 4], lastEvent: 'pre-tool', lastEventAt: now - i * 1000, lastTool: 'Bash', firstSeenAt: now - 3_600_000, stateSince: now - i * 2000 };
      writeFileSync(join(runtime, 'sessions', io.presenceFileName(`s-${i}`)), JSON.stringify(rec));
    }
    // lanes: held by the first 100 sessions, in the embedded store `arbiter deploy` uses
    const store = io.fsLaneStore(runtime);
    for (let i = 0; i < LANES; i++) {
      const got = await store.claim(`deploy:refs/heads/lane-${i}`, { handle: `dev${i}@example.invalid`, session: `s-${i}`, instance: i.toString(16).padStart(32, '0'), host: 'bench' }, { intent: 'deploy', eta_minutes: 60 })();
      if (got._tag !== 'Right' || got.right._tag !== 'Granted') throw new Error(`bench setup: lane ${i} not granted`);
    }
    for (let i = 0; i < 5; i++) await store.halt(`s-${200 + i}`, { handle: 'owner@example.invalid', session: `s-${i}`, instance: 'f'.repeat(32), host: 'bench' }, 'wait for the release')();
    // decision log
    const logDir = io.logDirOf(r, env);
    const entries = [];
    for (let i = 0; i < DECISIONS; i++) {
      entries.push(kernel.buildLogEntry({ decision_id: `d-${i}`, policy: 'push-gate', policy_version: '1', now: now - (DECISIONS - i) * 100, mode: 'claude', facts: { session_id: `s-${i % SESSIONS}` }, verdict: i % 10 === 0 ? 'Block' : 'Allow', reasons: ['bench'], duration_ms: 1 }));
    }
    io.appendDecisionSync(logDir, entries, now);

    // 1. whole process, under the environment as given and, when it names a CA bundle, without NODE_EXTRA_CA_CERTS
    //    too (Node 20 reads that bundle at start-up, before any of our code: it moves the floor, not our share)
    const oldBin = process.env.BENCH_OLD_BIN ?? '';
    const spawnMs = (file, args, e) => {
      const t0 = performance.now();
      const x = spawnSync(process.execPath, [file, ...args], { cwd: repo, env: e, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
      const t1 = performance.now();
      if (x.status !== 0) throw new Error(`${file} ${args.join(' ')} exited ${x.status}: ${x.stderr}`);
      return t1 - t0;
    };
    const check = JSON.parse(spawnSync(process.execPath, [bin, 'status', '--json'], { cwd: repo, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }).stdout);
    if (check.sessions.length !== SESSIONS || check.lanes.length !== LANES || check.unavailable.length !== 0) throw new Error('bench setup: the snapshot does not show every session and lane');
    const noCa = { ...env };
    delete noCa.NODE_EXTRA_CA_CERTS;
    const envs = env.NODE_EXTRA_CA_CERTS ? [['NODE_EXTRA_CA_CERTS set', env], ['NODE_EXTRA_CA_CERTS unset', noCa]] : [['NODE_EXTRA_CA_CERTS unset', env]];
    const rounds = 15;
    const rows = [];
    // one record replaced as a hook replaces it (temporary file and rename): the registry directory changes
    const sessionsPath = join(runtime, 'sessions');
    const touchedFile = join(sessionsPath, io.presenceFileName('s-0'));
    const touchRecord = () => {
      writeFileSync(`${touchedFile}.bench`, readFileSync(touchedFile));
      renameSync(`${touchedFile}.bench`, touchedFile);
    };
    const settle = () => new Promise((res) => setTimeout(res, io.PRESENCE_INDEX_SETTLE_MS + 100));
    for (const [envName, e] of envs) {
      // a settled registry: the first listing after this writes the index, every later one reads it
      await settle();
      spawnMs(bin, ['status', '--json'], e);
      // each command alternated with `node -e 0` (the start-up floor every verb pays) and, with BENCH_OLD_BIN, the same
      // command of an older build, in rotating order so all see the same machine noise
      const series = lib.rotate(
        [
          ['node', () => spawnMs('-e', ['0'], e)],
          ['json', () => spawnMs(bin, ['status', '--json'], e)],
          ['text', () => spawnMs(bin, ['status'], e)],
          ...(oldBin === '' ? [] : [['old-json', () => spawnMs(oldBin, ['status', '--json'], e)], ['old-text', () => spawnMs(oldBin, ['status'], e)]]),
        ],
        rounds,
      );
      const row = (label, s, n, o) => ({
        name: `${label}, ${SESSIONS} sessions, ${LANES} lanes (whole process, ${envName})`,
        value: s.median,
        unit: 'ms median',
        spread: `${fmt(s.p25)}–${fmt(s.p75)} ms`,
        baseline: lib.baselineText(n, o),
        ratio: s.median / n.median,
        target: '< 200 ms',
      });
      const n = stats(series.node);
      for (const [name, label] of [['json', 'arbiter status --json'], ['text', 'arbiter status (text)']])
        rows.push(row(label, stats(series[name]), n, oldBin === '' ? null : stats(series[`old-${name}`])));
      // the same command, each run just after a record was replaced: a full listing of the files
      const fresh = lib.rotate([['node', () => spawnMs('-e', ['0'], e)], ['json', () => (touchRecord(), spawnMs(bin, ['status', '--json'], e))]], rounds);
      rows.push(row('arbiter status --json just after a record changed (every file read)', stats(fresh.json), stats(fresh.node), null));
    }

    // 2. in process: collector + renderer vs the raw reads
    await settle();
    const src = hooks.nodeStatusSources(repo, env);
    const floor = () => {
      const t0 = performance.now();
      const sd = join(runtime, 'sessions');
      for (const f of readdirSync(sd)) readFileSync(join(sd, f), 'utf8');
      const ld = join(runtime, 'lanes');
      for (const f of readdirSync(ld)) readFileSync(join(ld, f), 'utf8');
      for (const f of readdirSync(logDir)) readFileSync(join(logDir, f), 'utf8');
      return performance.now() - t0;
    };
    const inProc = async (render) => {
      const t0 = performance.now();
      const snap = await hooks.collectStatus(src.readers, Date.now());
      const out = render(snap);
      if (out.length === 0) throw new Error('empty render');
      return performance.now() - t0;
    };
    const text = (s) => hooks.renderStatus(s, 100, hooks.PLAIN).join('\n');
    const json = (s) => hooks.snapshotJson(s);
    const ip = { floor: [], text: [], json: [] };
    for (let i = 0; i < rounds + 3; i++) {
      const order = [['floor', async () => floor()], ['text', () => inProc(text)], ['json', () => inProc(json)]];
      for (let k = 0; k < order.length; k++) {
        const [name, f] = order[(i + k) % order.length];
        const t = await f();
        if (i >= 3) ip[name].push(t);
      }
    }
    await src.close();
    const fl = stats(ip.floor);
    for (const [name, label] of [['text', 'collector + text screen'], ['json', 'collector + JSON text']]) {
      const s = stats(ip[name]);
      rows.push({
        name: `${label}, ${SESSIONS} sessions, ${LANES} lanes (in process)`,
        value: s.median,
        unit: 'ms median',
        spread: `${fmt(s.p25)}–${fmt(s.p75)} ms`,
        baseline: `raw reads of the same files ${fmt(fl.median)} ms (IQR ${fmt(fl.p25)}–${fmt(fl.p75)})`,
        ratio: s.median / fl.median,
        target: '< 200 ms',
      });
    }
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};
