/**
 * Issue 9 end to end with the built binary and a real throwaway PostgreSQL cluster: two SEPARATE clones configured
 * with `lanes.store = {"kind": "postgres"}` see each other's lanes; `arbiter db migrate`; and the faults of the
 * issue with the hook's verdict following the fail-open table (push-gate.md §8.9) within the 4 s watchdog:
 * `pg_terminate_backend` on the hook's connection mid-claim, a statement stuck behind a row lock, `pg_ctl restart
 * -m immediate` during a run of hooks, the server gone, a missing schema, an unset URL variable.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { migrate, PG_LATEST_VERSION } from '@arbiter/io-node';
import { BIN, requireBuilt } from './helpers/bin.js';
import { startPgCluster, type PgCluster } from './helpers/pg-cluster.js';

const root = mkdtempSync(join(tmpdir(), 'arbiter-pgx-'));
let cluster: PgCluster;
let admin: pg.Pool;
let env: NodeJS.ProcessEnv;
const WATCHDOG_MS = 4_000;
/** Process start-up and exit on a loaded shared 2-core machine, on top of the in-process watchdog. */
const SLACK_MS = 4_000;

interface Ran { code: number; stdout: string; stderr: string; ms: number }
const arbiter = (args: string[], cwd: string, extra: NodeJS.ProcessEnv = {}, stdin = ''): Ran => {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, env: { ...env, ...extra }, input: stdin, encoding: 'utf8', timeout: 30_000 });
  return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '', ms: Date.now() - t0 };
};
const arbiterAsync = (args: string[], cwd: string, stdin: string, extra: NodeJS.ProcessEnv = {}): Promise<Ran> =>
  new Promise((res) => {
    const t0 = Date.now();
    const c = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...env, ...extra } });
    let out = '';
    let err = '';
    c.stdout.on('data', (d: Buffer) => (out += d.toString()));
    c.stderr.on('data', (d: Buffer) => (err += d.toString()));
    c.on('close', (code) => res({ code: code ?? -1, stdout: out, stderr: err, ms: Date.now() - t0 }));
    c.stdin.end(stdin);
  });
const git = (cwd: string, args: string[]): void => {
  const r = spawnSync('git', args, { cwd, env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
};
const pre = (session: string, cwd: string, command: string, id = `toolu_${session}`) =>
  JSON.stringify({ session_id: session, transcript_path: null, cwd, permission_mode: 'default', hook_event_name: 'PreToolUse', tool_name: 'Bash', tool_input: { command }, tool_use_id: id });
const post = (session: string, cwd: string, command: string, id = `toolu_${session}`) =>
  JSON.stringify({ session_id: session, cwd, hook_event_name: 'PostToolUse', tool_name: 'Bash', tool_input: { command }, tool_use_id: id, tool_response: { stdout: '', stderr: '', interrupted: false, isImage: false } });
const GATE = ['hook', 'gate-push', '--agent', 'claude'];
const PUSH = 'git push origin main';

/** A bare remote and `n` separate clones (different e-mails), installed, configured for the postgres store. */
const world = (name: string, n: number, store: Record<string, unknown> = { kind: 'postgres' }): string[] => {
  const base = join(root, name);
  mkdirSync(base, { recursive: true });
  const remote = join(base, 'remote.git');
  git(base, ['init', '-q', '--bare', '-b', 'main', remote]);
  const seed = join(base, 'seed');
  git(base, ['init', '-q', '-b', 'main', seed]);
  git(seed, ['commit', '-q', '--allow-empty', '-m', 'init']);
  git(seed, ['push', '-q', remote, 'main']);
  return Array.from({ length: n }, (_, i) => {
    const c = join(base, `clone-${i}`);
    git(base, ['clone', '-q', remote, c]);
    git(c, ['config', 'user.email', `dev${i}@example.com`]);
    expect(arbiter(['install'], c).code).toBe(0);
    writeFileSync(join(c, '.arbiter', 'config.json'), JSON.stringify({ version: 1, lanes: { store } }));
    git(c, ['commit', '-q', '--allow-empty', '-m', `work ${i}`]);
    return c;
  });
};
const lane = async (name = 'deploy:refs/heads/main') =>
  (await admin.query('SELECT fence::int AS fence, holder_instance, holder_handle FROM arbiter.lanes WHERE lane = $1', [name])).rows[0] as { fence: number; holder_instance: string | null; holder_handle: string | null } | undefined;
const auditKinds = async () => (await admin.query<{ kind: string }>('SELECT kind FROM arbiter.audit ORDER BY id')).rows.map((r) => r.kind);
const freeLane = async () => {
  await migrate(cluster.url); // idempotent: lets any one test run alone
  const l = await lane();
  if (l?.holder_instance) await admin.query("UPDATE arbiter.lanes SET holder_handle = NULL, holder_session = NULL, holder_instance = NULL, holder_host = NULL, claimed_at = NULL, heartbeat_at = NULL, lease_ms = NULL, intent = NULL, eta_minutes = NULL, event_kind = 'release' WHERE lane = 'deploy:refs/heads/main'");
};
const systemMessage = (r: Ran): string => (r.stdout === '' ? '' : ((JSON.parse(r.stdout) as { systemMessage?: string }).systemMessage ?? ''));

beforeAll(() => {
  requireBuilt();
  cluster = startPgCluster();
  admin = new pg.Pool({ connectionString: cluster.url, max: 3 });
  admin.on('error', () => undefined);
  mkdirSync(join(root, 'home'), { recursive: true });
  env = {
    ...process.env,
    ARBITER_STATE_DIR: join(root, 'state'),
    HOME: join(root, 'home'),
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_AUTHOR_NAME: 'T',
    GIT_AUTHOR_EMAIL: 't@example.invalid',
    GIT_COMMITTER_NAME: 'T',
    GIT_COMMITTER_EMAIL: 't@example.invalid',
    ARBITER_DATABASE_URL: cluster.url,
  };
  delete env['ARBITER_SESSION'];
});
afterAll(async () => {
  await admin?.end();
  cluster?.stop();
  rmSync(root, { recursive: true, force: true });
});

describe('PostgreSQL lane store end to end', () => {
  it('arbiter db migrate: creates the schema, then finds it current; refuses without a URL; never prints the URL', () => {
    const cwd = root;
    const noUrl = arbiter(['db', 'migrate'], cwd, { ARBITER_DATABASE_URL: '' });
    expect(noUrl.code).toBe(2);
    expect(noUrl.stderr).toContain('ARBITER_DATABASE_URL is not set');
    const first = arbiter(['db', 'migrate', '--store', 'postgres'], cwd);
    expect(first).toMatchObject({ code: 0, stdout: `arbiter: lane-store schema migrated from version 0 to ${PG_LATEST_VERSION}.\n` });
    const again = arbiter(['db', 'migrate'], cwd);
    expect(again).toMatchObject({ code: 0, stdout: `arbiter: lane-store schema already at version ${PG_LATEST_VERSION}.\n` });
    const down = arbiter(['db', 'migrate'], cwd, { ARBITER_DATABASE_URL: `postgresql://u:hunter2@localhost/x?host=${encodeURIComponent(join(root, 'nowhere'))}` });
    expect(down.code).toBe(1);
    expect(down.stderr).toContain('migration failed (transport');
    expect(down.stderr + down.stdout).not.toContain('hunter2');
  });

  it('two separate clones share the lane: A is granted, B is asked, A releases on PostToolUse, then B is granted fence + 1', async () => {
    const [A, B] = world('share', 2) as [string, string];
    await freeLane();
    const a = arbiter(GATE, A, {}, pre('sA', A, PUSH));
    expect(a).toMatchObject({ code: 0, stdout: '', stderr: '' });
    const held = await lane();
    expect(held?.holder_handle).toBe('dev0@example.com');
    const b = arbiter(GATE, B, {}, pre('sB', B, PUSH));
    const out = JSON.parse(b.stdout) as { hookSpecificOutput: { permissionDecision: string; permissionDecisionReason: string } };
    expect(out.hookSpecificOutput.permissionDecision).toBe('ask');
    expect(out.hookSpecificOutput.permissionDecisionReason).toMatch(/^Deploy lane deploy:refs\/heads\/main is held by @dev0/);
    expect(arbiter(['hook', 'gate-push', '--post', '--agent', 'claude'], A, {}, post('sA', A, PUSH))).toMatchObject({ code: 0, stdout: '', stderr: '' });
    expect((await lane())?.holder_instance).toBeNull();
    expect(arbiter(GATE, B, {}, pre('sB', B, PUSH, 'toolu_sB2'))).toMatchObject({ code: 0, stdout: '' });
    const after = await lane();
    expect(after?.holder_handle).toBe('dev1@example.com');
    expect(after?.fence).toBe((held?.fence ?? 0) + 1);
    const st = arbiter(['lane', 'status'], A);
    expect(st.code).toBe(0);
    expect(st.stdout).toContain('deploy:refs/heads/main');
    await freeLane();
  });

  it('pg_terminate_backend on the hook connection mid-claim: AllowLoud store-unreachable in time, nothing half-written', async () => {
    const [A] = world('term', 1) as [string];
    await freeLane();
    const before = await auditKinds();
    const locker = await admin.connect();
    try {
      await locker.query('BEGIN');
      await locker.query("SELECT 1 FROM arbiter.lanes WHERE lane = 'deploy:refs/heads/main' FOR UPDATE");
      const hook = arbiterAsync(GATE, A, pre('sT', A, PUSH));
      // wait until the hook's claim is waiting on our row lock, then kill its backend
      let killed = 0;
      for (let i = 0; i < 100 && killed === 0; i++) {
        await new Promise((r) => setTimeout(r, 20));
        const r = await admin.query("SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = 'arbiter' AND wait_event_type = 'Lock'");
        killed = r.rowCount ?? 0;
      }
      expect(killed).toBe(1);
      const r = await hook;
      expect(r.code).toBe(0);
      expect(r.ms).toBeLessThan(WATCHDOG_MS + SLACK_MS);
      expect(systemMessage(r)).toContain('lane store unreachable; pushing UNGATED');
    } finally {
      await locker.query('ROLLBACK');
      locker.release();
    }
    expect((await lane())?.holder_instance).toBeNull();
    expect(await auditKinds()).toEqual(before);
  });

  it('a claim stuck behind a row lock: the server cancels it (statement timeout), the gate retries and says busy within the watchdog; no late commit', async () => {
    const [A] = world('stuck', 1) as [string];
    await freeLane();
    const before = await auditKinds();
    const locker = await admin.connect();
    let r: Ran;
    try {
      await locker.query('BEGIN');
      await locker.query("SELECT 1 FROM arbiter.lanes WHERE lane = 'deploy:refs/heads/main' FOR UPDATE");
      r = await arbiterAsync(GATE, A, pre('sS', A, PUSH));
    } finally {
      await locker.query('ROLLBACK');
      locker.release();
    }
    expect(r.code).toBe(0);
    expect(r.ms).toBeLessThan(WATCHDOG_MS + SLACK_MS);
    expect(systemMessage(r)).toMatch(/lane store busy; pushing UNGATED|lane store unreachable|push gate ran out of time/);
    await new Promise((res) => setTimeout(res, 300));
    expect((await lane())?.holder_instance).toBeNull();
    // the only new audit row is the "gate skipped" status post (S-SKIP), never a grant
    expect((await auditKinds()).slice(before.length).filter((k) => k !== 'status')).toEqual([]);
  });

  it('pg_ctl restart -m immediate during a run of hooks: every verdict is claimed, held or a loud fail-open, each within the watchdog', async () => {
    const clones = world('restart', 4);
    await freeLane();
    // two hooks at a time, back to back, while the server restarts underneath them (a shared 2-core machine: more
    // parallel processes would only measure the machine)
    let restarting = true;
    const restart = new Promise<void>((res, rej) => setTimeout(() => cluster.restart('immediate').then(res, rej).finally(() => (restarting = false)), 200));
    const results: Ran[] = [];
    for (let round = 0; round < 12 && (round < 4 || restarting); round++) {
      const pair = [clones[round % 4], clones[(round + 1) % 4]] as [string, string];
      results.push(...(await Promise.all(pair.map((c, j) => arbiterAsync(GATE, c, pre(`sR${(round + j) % 4}`, c, PUSH, `toolu_${round}_${j}`))))));
    }
    await restart;
    for (const r of results) {
      expect(r.code).toBe(0);
      expect(r.ms).toBeLessThan(WATCHDOG_MS + SLACK_MS);
      const ask = r.stdout.includes('"permissionDecision":"ask"');
      const loud = /UNVERIFIED — lane store (unreachable|busy|refused)|push gate ran out of time — pushing UNGATED/.test(systemMessage(r));
      expect(r.stdout === "" || ask || loud, r.stdout).toBe(true);
    }
    // after the restart the store serves again
    const [c0] = clones as [string];
    await freeLane();
    expect(arbiter(GATE, c0, {}, pre('sAfter', c0, PUSH, 'toolu_after'))).toMatchObject({ code: 0, stdout: '' });
    await freeLane();
  });

  it('missing schema, unset URL variable, server gone: loud fail-open verdicts; lane status names `arbiter db migrate`', async () => {
    const [A] = world('fail', 1) as [string];
    await admin.query('CREATE DATABASE empty_db');
    const emptyUrl = cluster.url.replace('/postgres?', '/empty_db?');
    const noSchema = arbiter(GATE, A, { ARBITER_DATABASE_URL: emptyUrl }, pre('sF', A, PUSH));
    expect(noSchema.code).toBe(0);
    expect(systemMessage(noSchema)).toContain('lane store refused the claim (other: its schema is missing or older than this Arbiter; run `arbiter db migrate`)');
    const st = arbiter(['lane', 'status'], A, { ARBITER_DATABASE_URL: emptyUrl });
    expect(st.code).toBe(1);
    expect(st.stderr).toContain('run `arbiter db migrate`');
    const unset = arbiter(GATE, A, { ARBITER_DATABASE_URL: '' }, pre('sF', A, PUSH, 'toolu_2'));
    expect(systemMessage(unset)).toContain('lane store refused the claim (other)');
    expect(arbiter(['lane', 'status'], A, { ARBITER_DATABASE_URL: '' }).stderr).toContain('ARBITER_DATABASE_URL is not set');
    const gone = arbiter(GATE, A, { ARBITER_DATABASE_URL: `postgresql://postgres@localhost/postgres?host=${encodeURIComponent(join(root, 'nowhere'))}` }, pre('sF', A, PUSH, 'toolu_3'));
    expect(gone.code).toBe(0);
    expect(gone.ms).toBeLessThan(WATCHDOG_MS + SLACK_MS);
    expect(systemMessage(gone)).toContain('lane store unreachable; pushing UNGATED');
    // no hook ran DDL
    expect((await admin.query("SELECT 1 FROM pg_database WHERE datname = 'empty_db'")).rowCount).toBe(1);
    const c = new pg.Client({ connectionString: emptyUrl });
    await c.connect();
    expect((await c.query("SELECT 1 FROM pg_namespace WHERE nspname = 'arbiter'")).rowCount).toBe(0);
    await c.end();
  });

  it('a non-push and a non-deploy push with a postgres store configured touch no database (no connection is made)', async () => {
    const [A] = world('quiet', 1, { kind: 'postgres', url_env: 'ARBITER_QUIET_URL' }) as [string];
    // a URL pointing nowhere: any connection attempt would need time and fail; none is made
    for (const cmd of ['npm test', 'git push origin feature/x']) {
      const r = arbiter(GATE, A, { ARBITER_QUIET_URL: 'postgresql://nobody@localhost/none?host=/nonexistent' }, pre('sQ', A, cmd));
      expect(r).toMatchObject({ code: 0, stdout: '', stderr: '' });
    }
  });
});
