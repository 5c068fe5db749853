// Lane stores (issue 9 "Speed"): cost of one claim + release cycle.
// 1. PostgreSQL store vs the same lease as hand-written single-statement SQL (an upsert that takes a free or
//    expired lease, an update that clears it) on the same connection and table layout, alternated in the same run.
//    Target: store ≥ 0.8× the raw cycles/s. The cluster is a throwaway one (initdb, fsync=off, Unix socket), or
//    $ARBITER_BENCH_DATABASE_URL.
// 2. Embedded fs store vs `proper-lockfile` lock + unlock on the same disk (tmpdir), alternated. Target ≥ 5×.
// Figures: median and IQR of cycles/s over rounds; ratio = store / baseline.
import { execFileSync } from 'node:child_process';
import { appendFileSync, chownSync, mkdtempSync, rmSync, writeFileSync, readdirSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const req = createRequire(import.meta.url);

/** A throwaway cluster like test/helpers/pg-cluster.ts (bench is plain JS, so a short copy). */
const startCluster = () => {
  const base = '/usr/lib/postgresql';
  const v = existsSync(base) ? readdirSync(base).filter((x) => existsSync(join(base, x, 'bin', 'initdb'))).sort((a, b) => b - a)[0] : undefined;
  if (v === undefined) return null;
  const bin = join(base, v, 'bin');
  const root = mkdtempSync(join(tmpdir(), 'arb-pgb-'));
  const asRoot = process.getuid?.() === 0;
  if (asRoot) chownSync(root, Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })), Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' })));
  const run = (b, args) => execFileSync(asRoot ? 'runuser' : b, asRoot ? ['-u', 'postgres', '--', b, ...args] : args, { stdio: 'ignore' });
  const data = join(root, 'data');
  run(join(bin, 'initdb'), ['--no-sync', '-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C']);
  appendFileSync(join(data, 'postgresql.conf'), `\nlisten_addresses = ''\nunix_socket_directories = '${root}'\nfsync = off\nsynchronous_commit = off\nfull_page_writes = off\n`);
  run(join(bin, 'pg_ctl'), ['-D', data, '-l', join(root, 'log'), '-w', 'start']);
  return {
    url: `postgresql://postgres@localhost/postgres?host=${encodeURIComponent(root)}`,
    stop: () => {
      try {
        run(join(bin, 'pg_ctl'), ['-D', data, '-w', 'stop', '-m', 'immediate']);
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    },
  };
};

/** Alternate two async cycle functions; each sample is cycles/s over `batch` cycles. */
const alternateAsync = async (a, b, rounds, batch) => {
  const rate = async (f) => {
    const t0 = performance.now();
    for (let i = 0; i < batch; i++) await f(i);
    return (batch * 1000) / (performance.now() - t0);
  };
  const as = [];
  const bs = [];
  for (let r = 0; r < rounds + 2; r++) {
    const pair = r % 2 === 0 ? [await rate(a), await rate(b)] : [await rate(b), await rate(a)].reverse();
    if (r >= 2) {
      as.push(pair[0]);
      bs.push(pair[1]);
    }
  }
  return [as, bs];
};

export default async ({ root, lib }) => {
  const io = req(join(root, 'packages/io-node/dist/index.cjs'));
  const rows = [];
  const rounds = Number(process.env.BENCH_ROUNDS ?? 15);
  const holder = { handle: 'bench@example.com', session: 's-bench', instance: 'b'.repeat(32), host: 'bench' };
  const meta = { intent: 'push', eta_minutes: null };

  // ── 1. PostgreSQL ──
  const cluster = process.env.ARBITER_BENCH_DATABASE_URL ? { url: process.env.ARBITER_BENCH_DATABASE_URL, stop: () => undefined } : startCluster();
  if (cluster === null) {
    rows.push({ name: 'PostgreSQL claim + release (skipped: no PostgreSQL installed)', value: NaN, unit: 'cycles/s' });
  } else {
    const pg = req('pg');
    try {
      await io.migrate(cluster.url, { schema: 'bench' });
      const pool = new pg.Pool({ connectionString: cluster.url, max: 1 });
      pool.on('error', () => undefined);
      await pool.query(`CREATE TABLE IF NOT EXISTS bench_raw (lane text PRIMARY KEY, holder text, heartbeat_at timestamptz, lease_ms integer)`);
      const store = io.openPgLaneStore({ url: cluster.url, schema: 'bench', handle: pool });
      const rawClaim = `INSERT INTO bench_raw AS l (lane, holder, heartbeat_at, lease_ms) VALUES ($1, $2, clock_timestamp(), $3)
        ON CONFLICT (lane) DO UPDATE SET holder = EXCLUDED.holder, heartbeat_at = EXCLUDED.heartbeat_at, lease_ms = EXCLUDED.lease_ms
        WHERE l.holder IS NULL OR l.holder = EXCLUDED.holder OR clock_timestamp() - l.heartbeat_at > l.lease_ms * interval '1 millisecond'
        RETURNING 1`;
      const rawRelease = `UPDATE bench_raw SET holder = NULL, heartbeat_at = NULL WHERE lane = $1 AND holder = $2`;
      const ours = async (i) => {
        const lane = `deploy:${i % 8}`;
        const c = await store.claim(lane, holder, meta)();
        if (c._tag !== 'Right' || c.right._tag !== 'Granted') throw new Error(`claim ${JSON.stringify(c)}`);
        await store.release(lane, holder.instance)();
      };
      const raw = async (i) => {
        const lane = `deploy:${i % 8}`;
        await pool.query(rawClaim, [lane, holder.instance, 1_800_000]);
        await pool.query(rawRelease, [lane, holder.instance]);
      };
      const [s, b] = await alternateAsync(ours, raw, rounds, 200);
      const so = lib.stats(s);
      const bo = lib.stats(b);
      rows.push({
        name: 'PostgreSQL store claim + release (2 statements, audit rows, DB clock)',
        value: so.median,
        unit: 'cycles/s median',
        spread: `${lib.fmt(so.p25)}–${lib.fmt(so.p75)}`,
        baseline: `raw single-statement SQL lease ${lib.fmt(bo.median)} cycles/s (IQR ${lib.fmt(bo.p25)}–${lib.fmt(bo.p75)})`,
        ratio: so.median / bo.median,
        target: '≥ 0.8×',
      });
      await pool.end();
    } finally {
      cluster.stop();
    }
  }

  // ── 2. embedded fs store vs proper-lockfile ──
  const lockfile = req('proper-lockfile');
  const dir = mkdtempSync(join(tmpdir(), 'arbiter-bench-lanes-'));
  const fsStore = io.fsLaneStore(join(dir, 'store'));
  const target = join(dir, 'resource');
  writeFileSync(target, '');
  const fsCycle = async () => {
    const c = await fsStore.claim('deploy:refs/heads/main', holder, meta)();
    if (c._tag !== 'Right' || c.right._tag !== 'Granted') throw new Error(`claim ${JSON.stringify(c)}`);
    await fsStore.release('deploy:refs/heads/main', holder.instance)();
  };
  const plCycle = async () => {
    const release = await lockfile.lock(target, { realpath: false });
    await release();
  };
  const [f, p] = await alternateAsync(fsCycle, plCycle, rounds, 100);
  rmSync(dir, { recursive: true, force: true });
  const fo = lib.stats(f);
  const po = lib.stats(p);
  rows.push({
    name: 'embedded fs store claim + release (generation files + audit append)',
    value: fo.median,
    unit: 'cycles/s median',
    spread: `${lib.fmt(fo.p25)}–${lib.fmt(fo.p75)}`,
    baseline: `proper-lockfile lock + unlock ${lib.fmt(po.median)} cycles/s (IQR ${lib.fmt(po.p25)}–${lib.fmt(po.p75)})`,
    ratio: fo.median / po.median,
    target: '≥ 5×',
  });
  return rows;
};
