/**
 * A throwaway PostgreSQL cluster for tests (issue 9 item 6): `initdb --no-sync` into a temporary directory,
 * `fsync=off`, listening only on a Unix socket in a temporary directory (`listen_addresses = ''`, no TCP), removed
 * by `stop()`. initdb refuses to run as root, so under root every server binary runs as the `postgres` user through
 * `runuser` in a directory that user owns. Needs the Debian `postgresql` package (`.ci/run` installs it).
 */
import { execFile, execFileSync } from 'node:child_process';
import { appendFileSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';

/** A running cluster. `url` connects over the socket as the `postgres` superuser (trust auth, local only). */
export interface PgCluster {
  readonly url: string;
  readonly dataDir: string;
  readonly socketDir: string;
  /**
   * `pg_ctl restart -m <mode>`, resolved once it accepts connections again. Asynchronous, so the test's event loop
   * keeps timing the hook processes that run meanwhile.
   */
  readonly restart: (mode?: 'fast' | 'immediate') => Promise<void>;
  /** `pg_ctl stop -m immediate`, then remove every file. Idempotent. */
  readonly stop: () => void;
}

/** The newest installed PostgreSQL's bin directory, or `null`. */
export const pgBinDir = (): string | null => {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return null;
  const vs = readdirSync(base)
    .filter((v) => existsSync(join(base, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return vs[0] === undefined ? null : join(base, vs[0], 'bin');
};

const asRoot = process.getuid?.() === 0;

/** Run a server binary as the cluster owner. */
const run = (bin: string, args: ReadonlyArray<string>): string =>
  execFileSync(asRoot ? 'runuser' : bin, asRoot ? ['-u', 'postgres', '--', bin, ...args] : [...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });

/**
 * Start a fresh cluster. @throws when PostgreSQL is not installed or does not start (the test then fails: these
 * tests are not optional).
 */
export const startPgCluster = (): PgCluster => {
  const bin = pgBinDir();
  if (bin === null) throw new Error('PostgreSQL is not installed (/usr/lib/postgresql/*/bin/initdb); .ci/run installs the Debian package');
  // short path: a Unix socket path must stay under ~107 bytes
  const root = mkdtempSync(join(tmpdir(), 'arb-pg-'));
  const dataDir = join(root, 'data');
  const socketDir = root;
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(root, uid, gid);
  }
  run(join(bin, 'initdb'), ['--no-sync', '-D', dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-instructions']);
  const conf = [
    "listen_addresses = ''",
    `unix_socket_directories = '${socketDir}'`,
    'fsync = off',
    'synchronous_commit = off',
    'full_page_writes = off',
    'max_connections = 120',
    'shared_buffers = 16MB',
    "log_min_messages = 'warning'",
  ].join('\n');
  const pgconf = join(dataDir, 'postgresql.conf');
  // appended as root: postgres only needs to read it
  appendFileSync(pgconf, `\n${conf}\n`);
  const log = join(root, 'server.log');
  const ctl = (args: ReadonlyArray<string>): string => run(join(bin, 'pg_ctl'), ['-D', dataDir, '-l', log, '-w', '-t', '30', ...args]);
  ctl(['start']);
  let stopped = false;
  return {
    url: `postgresql://postgres@localhost/postgres?host=${encodeURIComponent(socketDir)}`,
    dataDir,
    socketDir,
    restart: (mode = 'fast') =>
      new Promise<void>((res, rej) => {
        const args = ['-D', dataDir, '-l', log, '-w', '-t', '30', 'restart', '-m', mode];
        const pgCtl = join(bin, 'pg_ctl');
        execFile(asRoot ? 'runuser' : pgCtl, asRoot ? ['-u', 'postgres', '--', pgCtl, ...args] : args, { timeout: 60_000 }, (e) => (e ? rej(e) : res()));
      }),
    stop: () => {
      if (stopped) return;
      stopped = true;
      try {
        ctl(['stop', '-m', 'immediate']);
      } catch {
        // already down
      }
      rmSync(root, { recursive: true, force: true });
    },
  };
};

/**
 * A test file's PostgreSQL: before its tests, one cluster and a pool of four connections (`ready` hands them over);
 * after them, every store in `closing` closed, the pool ended and the cluster stopped.
 */
export const pgClusterForFile = (ready: (cluster: PgCluster, pool: pg.Pool) => void, closing: ReadonlyArray<{ readonly close: () => Promise<void> }>): void => {
  let cluster: PgCluster | undefined;
  let pool: pg.Pool | undefined;
  beforeAll(() => {
    cluster = startPgCluster();
    pool = new pg.Pool({ connectionString: cluster.url, max: 4 });
    pool.on('error', () => undefined);
    ready(cluster, pool);
  });
  afterAll(async () => {
    for (const s of closing) await s.close();
    await pool?.end();
    cluster?.stop();
  });
};
