// Lane stores (issue 9 "Speed"): cost of one claim + release cycle.
// 1. PostgreSQL store vs the same lease as hand-written single-statement SQL (an upsert that takes a free or
//    expired lease, an update that clears it) on the same connection and table layout, rotated in the same run with
//    the floor below. Target: store ≥ 0.8× the raw cycles/s. The cluster is a throwaway one (initdb, fsync=off, Unix
//    socket), or $ARBITER_BENCH_DATABASE_URL. Where the gap is (pg_stat_statements, issue 9 session on speed): per cycle the
//    server spends about 350 µs in the store's two calls against about 100 µs for the raw pair; the audit row of each
//    grant and release (LS4, LS6, LS7) is about 90 µs of it and the LS8 fence trigger about 40 µs; the PL/pgSQL
//    wrapping costs nothing measurable (the raw pair wrapped in functions runs as fast), and sending the statements
//    inline is far slower (0.25–0.3×: they are planned on every call). A third series in the same rounds is the floor
//    of any store that keeps push-gate.md §5.3: the raw lease plus an audit row inserted by the same statement as each
//    grant and release (LS4, LS6). Its ratio to the raw lease bounds what any such store can reach.
// 2. Embedded fs store vs `proper-lockfile` lock + unlock on the same disk (tmpdir), alternated. Target ≥ 5×.
//    A third series in the same rounds runs only the file operations the store's protocol needs per method (list the
//    lane, read the newest generation, write a temp file and link it, unlink the temp, list again, append the audit
//    line and mark the generation projected, collect one old generation after an lstat (E3): about 24 system calls,
//    synchronous), with no decoding and no kernel logic: the
//    floor any implementation of push-gate.md §5.5 reaches on this disk, against proper-lockfile's three (mkdir, stat,
//    rmdir, asynchronous). Its ratio says how far the target is reachable at all.
// Figures: median and IQR of cycles/s over rounds; ratio = store / baseline.
import { execFileSync } from 'node:child_process';
import { appendFileSync, chmodSync, chownSync, closeSync, lstatSync, constants as FS, fstatSync, linkSync, mkdirSync, mkdtempSync, openSync, readSync, rmSync, unlinkSync, writeFileSync, writeSync, readdirSync, existsSync } from 'node:fs';
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

/** Rotate several async cycle functions (the first position moves each round); each sample is cycles/s over `batch`. */
const rotateAsync = async (fns, rounds, batch) => {
  const out = fns.map(() => []);
  for (let r = 0; r < rounds + 2; r++) {
    for (let k = 0; k < fns.length; k++) {
      const j = (r + k) % fns.length;
      const t0 = performance.now();
      for (let i = 0; i < batch; i++) await fns[j](i);
      if (r >= 2) out[j].push((batch * 1000) / (performance.now() - t0));
    }
  }
  return out;
};

/**
 * One method of the embedded store's protocol as bare file operations (see the header): what a claim or a release
 * costs on this disk before any decoding or decision. `dir` is a fresh directory; `g` counts generations.
 */
const protocolFloor = (dir) => {
  mkdirSync(dir, { recursive: true });
  const rec = JSON.stringify({ schema_version: 1, lane: 'deploy:refs/heads/main', fence: 1, holder: null, event: { kind: 'release', at: new Date().toISOString() } }).padEnd(480);
  const audit = join(dir, 'audit.ndjson');
  let g = 0;
  const list = () => readdirSync(dir).filter((n) => n.startsWith('k.json.'));
  return () => {
    list();
    if (g > 0) {
      const fd = openSync(join(dir, `k.json.${g}`), FS.O_RDONLY | FS.O_NONBLOCK | FS.O_NOFOLLOW);
      const st = fstatSync(fd);
      readSync(fd, Buffer.allocUnsafe(st.size), 0, st.size, 0);
      closeSync(fd);
    }
    const tmp = join(dir, `k.json.${g + 1}.tmp-x`);
    const fd = openSync(tmp, 'wx', 0o400);
    writeSync(fd, rec);
    closeSync(fd);
    linkSync(tmp, join(dir, `k.json.${g + 1}`));
    unlinkSync(tmp);
    g++;
    list();
    const a = openSync(audit, FS.O_WRONLY | FS.O_APPEND | FS.O_CREAT | FS.O_NONBLOCK | FS.O_NOFOLLOW, 0o600);
    fstatSync(a);
    writeSync(a, rec + '\n');
    closeSync(a);
    chmodSync(join(dir, `k.json.${g}`), 0o600); // E3: its audit line is in the log
    if (g > 8) {
      const old = join(dir, `k.json.${g - 8}`);
      lstatSync(old); // E3: projected, so collected unread
      unlinkSync(old);
    }
  };
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
      // The same lease with the one thing push-gate.md §5.3 adds that the raw lease lacks and no store can drop: an
      // audit row written by the same statement as each grant and each release (LS4, LS6, LS7), in an append-only
      // table keyed by an identity column. No fence, no previous-holder record, no trigger: the floor of any LS store.
      await pool.query(`CREATE TABLE IF NOT EXISTS bench_raw_audit (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, at timestamptz NOT NULL, lane text, kind text NOT NULL, holder text)`);
      const auditClaim = `WITH up AS (${rawClaim.replace('RETURNING 1', 'RETURNING l.lane, l.holder, l.heartbeat_at')})
        INSERT INTO bench_raw_audit (at, lane, kind, holder) SELECT heartbeat_at, lane, 'claim', holder FROM up RETURNING 1`;
      const auditRelease = `WITH up AS (UPDATE bench_raw SET holder = NULL, heartbeat_at = NULL WHERE lane = $1 AND holder = $2 RETURNING lane)
        INSERT INTO bench_raw_audit (at, lane, kind, holder) SELECT clock_timestamp(), lane, 'release', $2 FROM up RETURNING 1`;
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
      const rawAudited = async (i) => {
        const lane = `deploy:${i % 8}`;
        if ((await pool.query(auditClaim, [lane, holder.instance, 1_800_000])).rowCount !== 1) throw new Error('raw audited claim');
        await pool.query(auditRelease, [lane, holder.instance]);
      };
      const [s, b, a] = await rotateAsync([ours, raw, rawAudited], rounds, 200);
      const so = lib.stats(s);
      const bo = lib.stats(b);
      const ao = lib.stats(a);
      rows.push({
        name: 'PostgreSQL store claim + release (2 statements, audit rows, DB clock)',
        value: so.median,
        unit: 'cycles/s median',
        spread: `${lib.fmt(so.p25)}–${lib.fmt(so.p75)}`,
        baseline: `raw single-statement SQL lease ${lib.fmt(bo.median)} cycles/s (IQR ${lib.fmt(bo.p25)}–${lib.fmt(bo.p75)})`,
        ratio: so.median / bo.median,
        target: '≥ 0.8×',
      });
      rows.push({
        name: 'raw lease + an audit row per grant and release in the same statement (the floor: what push-gate.md §5.3 LS4, LS6 add)',
        value: ao.median,
        unit: 'cycles/s median',
        spread: `${lib.fmt(ao.p25)}–${lib.fmt(ao.p75)}`,
        baseline: `raw single-statement SQL lease ${lib.fmt(bo.median)} cycles/s, same rounds; the store reaches ${lib.fmt((100 * so.median) / ao.median)}% of this floor`,
        ratio: ao.median / bo.median,
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
  const floorMethod = protocolFloor(join(dir, 'floor'));
  const floorCycle = async () => {
    floorMethod(); // claim
    floorMethod(); // release
  };
  const [f, p, fl] = await rotateAsync([fsCycle, plCycle, floorCycle], rounds, 100);
  rmSync(dir, { recursive: true, force: true });
  const fo = lib.stats(f);
  const po = lib.stats(p);
  const flo = lib.stats(fl);
  rows.push({
    name: 'embedded fs store claim + release (generation files + audit append)',
    value: fo.median,
    unit: 'cycles/s median',
    spread: `${lib.fmt(fo.p25)}–${lib.fmt(fo.p75)}`,
    baseline: `proper-lockfile lock + unlock ${lib.fmt(po.median)} cycles/s (IQR ${lib.fmt(po.p25)}–${lib.fmt(po.p75)})`,
    ratio: fo.median / po.median,
    target: '≥ 5×',
  });
  rows.push({
    name: "embedded store protocol's file operations alone, 2 methods (the floor: no decoding, no kernel)",
    value: flo.median,
    unit: 'cycles/s median',
    spread: `${lib.fmt(flo.p25)}–${lib.fmt(flo.p75)}`,
    baseline: `proper-lockfile lock + unlock ${lib.fmt(po.median)} cycles/s, same rounds; the store reaches ${lib.fmt((100 * fo.median) / flo.median)}% of this floor`,
    ratio: flo.median / po.median,
  });
  return rows;
};
