/**
 * Demo section: the state-directory lock and the stale host-lock heal (state-lock.md; issue 4 item 7). A lock
 * left by this machine under its old name is healed only on a local disk, with a dead holder pid and a stale
 * heartbeat: heal off refuses, then the three refusals (network file system, fresh heartbeat, live pid), a dry
 * run, and the heal. Every step but the network one runs the real `arbiter lock status` on the real lock file;
 * the network refusal replays what `df -PT` prints on an NFS mount into the library call, because the scratch
 * directory is on a local disk.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stateLock } from '@arbiter/kernel';
import { nodeFsKind, openStateLock, resolveRepo } from '@arbiter/io-node';
import type { DemoContext, Ran } from './context.js';

const OLD_NAME = 'old-laptop-name';

/** Start a process that idles until killed; resolves once it runs. */
const idler = (): Promise<{ pid: number; kill: () => Promise<void> }> =>
  new Promise((resolve, reject) => {
    const c = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000); process.stdout.write("up\\n")'], { stdio: ['ignore', 'pipe', 'ignore'] });
    c.once('error', reject);
    const exited = new Promise<void>((done) => c.once('exit', () => done()));
    c.stdout.once('data', () =>
      resolve({
        pid: c.pid ?? -1,
        kill: () => {
          if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
          return exited;
        },
      }),
    );
  });

/** The "Auto-heal declined: …" tail of a status message, or its first sentence. */
const why = (r: Ran): string => {
  const text = r.stdout;
  const m =
    /Auto-heal declined: [^\n]*/.exec(text) ??
    /written by host "[^"]*", and this host is "[^"]*"/.exec(text) ??
    /looks like one left by renaming this machine \([^)]*\)/.exec(text);
  return m?.[0] ?? '';
};

/** Run the section. */
export const run = async (ctx: DemoContext): Promise<void> => {
  ctx.heading('State-directory lock: a lock left by a renamed host heals only when that is provably safe');
  const repo = ctx.makeRepo(join(ctx.tmp, 'renamed'));
  const resolved = resolveRepo(repo, ctx.env);
  if (resolved === null) throw new Error('demo repository not found');
  const dir = resolved.runtimeDir;
  const lockPath = join(dir, stateLock.LOCK_FILE);
  mkdirSync(dir, { recursive: true });
  const holder = await idler();
  const writeLock = (pid: number, ageMs: number): void => {
    writeFileSync(lockPath, JSON.stringify({ pid, hostname: OLD_NAME, acquiredAt: new Date(Date.now() - ageMs).toISOString() }));
    const t = (Date.now() - ageMs) / 1000;
    utimesSync(lockPath, t, t);
  };
  const config = (sl: Record<string, boolean>): void => {
    mkdirSync(join(repo, '.arbiter'), { recursive: true });
    writeFileSync(join(repo, '.arbiter', 'config.json'), JSON.stringify({ version: 1, state_lock: sl }, null, 2) + '\n');
  };
  const status = (label: string): Ran => {
    const r = ctx.arbiter(['lock', 'status'], { cwd: repo });
    ctx.verdict(label, r);
    const w = why(r);
    if (w !== '') ctx.say(`   ${w}`);
    return r;
  };

  try {
    ctx.say(`runtime directory ${dir}`);
    ctx.say(`host.lock names host "${OLD_NAME}" (this machine before a rename), pid ${holder.pid}, heartbeat 10 min old`);
    writeLock(holder.pid, 10 * 60_000);
    status('heal off (the default): foreign host');

    config({ auto_heal_stale_host_lock: true });
    ctx.say('');
    ctx.say('state_lock.auto_heal_stale_host_lock = true; the probes run in the order file system → heartbeat → pid:');
    const nfs = await openStateLock({
      dir,
      holder: 'host',
      autoHealStaleHostLock: true,
      heartbeatTimer: false,
      deps: {
        fsKind: nodeFsKind({
          platform: 'linux',
          run: () =>
            Promise.resolve({
              code: 0,
              timedOut: false,
              stdout: 'Filesystem           Type 1024-blocks     Used Available Capacity Mounted on\nnas.lan:/export/home nfs4   976762584 12345678 964416906       2% /home\n',
            }),
        }),
      },
    });
    const st = nfs.status();
    ctx.say(`refusal 1, network file system (df -PT answer replayed from an NFS mount) → ${st.enabled ? 'enabled' : 'disabled'} (${st.code})`);
    if (!st.enabled) ctx.say(`   ${/Auto-heal declined: .*/.exec(st.reason)?.[0] ?? ''}`);

    writeLock(holder.pid, 60_000);
    status('refusal 2, local disk but the heartbeat is 1 min old');

    writeLock(holder.pid, 10 * 60_000);
    status(`refusal 3, local disk, stale heartbeat, but pid ${holder.pid} is alive`);

    await holder.kill();
    ctx.say('');
    ctx.say(`pid ${holder.pid} killed with SIGKILL; with state_lock.dry_run = true Arbiter only says what it would do:`);
    config({ auto_heal_stale_host_lock: true, dry_run: true });
    status('dry run');

    config({ auto_heal_stale_host_lock: true });
    status('local disk, dead pid, stale heartbeat → heal');
    status('next hook on this host shares the healed lock');

    ctx.say('');
    ctx.say('Decision log (arbiter log --policy state-lock):');
    const log = ctx.arbiter(['log', '--policy', 'state-lock'], { cwd: repo });
    for (const line of log.stdout.trim().split('\n')) ctx.say(`  ${line}`);
  } finally {
    await holder.kill().catch(() => undefined);
  }
};
