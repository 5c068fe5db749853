/**
 * End-to-end: `arbiter lock status [--json] [--dir]` through the built binary (`npm run build` first) on a real git
 * repository with an isolated ARBITER_STATE_DIR (state-lock.md §8 rule 3), and the `classify df-source`
 * subcommand builder (state-lock.md §4) on a commander program.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveRepo } from '@arbiter/io-node';
import { addDfSource } from '../packages/hooks/src/cli/classify-df.js';
import { buildProgram } from '../packages/hooks/src/cli/index.js';

const BIN = resolve(__dirname, '../packages/hooks/dist/arbiter.cjs');
const root = mkdtempSync(join(tmpdir(), 'arbiter-lockcli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const env = { ...process.env, ARBITER_STATE_DIR: join(root, 'state'), GIT_CONFIG_NOSYSTEM: '1', HOME: root };

const arbiter = (args: string[], cwd: string) => {
  if (!existsSync(BIN)) throw new Error('packages/hooks/dist/arbiter.cjs is missing: run `npm run build` first');
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, env, encoding: 'utf8', timeout: 20_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};

const makeRepo = (name: string) => {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: dir, env });
  return dir;
};

describe('arbiter lock status (e2e)', () => {
  it('enabled (acquired, then host-shared) in a fresh repository; exit 0; the lock lives in the runtime dir, not the worktree', () => {
    const repo = makeRepo('r1');
    const first = arbiter(['lock', 'status', '--json'], repo);
    expect(first.code).toBe(0);
    const runtime = resolveRepo(repo, env)!.runtimeDir;
    expect(JSON.parse(first.stdout)).toEqual({ dir: runtime, lockPath: join(runtime, 'host.lock'), enabled: true, dryRun: false, code: 'acquired' });
    expect(existsSync(join(repo, '.arbiter'))).toBe(false);
    const second = arbiter(['lock', 'status'], repo);
    expect(second.code).toBe(0);
    expect(second.stdout.split('\n')[0]).toBe('state lock: enabled (host-shared)');
    const log = arbiter(['log', '--policy', 'state-lock', '--json'], repo);
    expect(log.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { reasons: string[] }).reasons[0])).toEqual(['acquired', 'host-shared']);
  });

  it('a foreign-host lock: exit 1 with the fixed message; nothing is written into the directory', () => {
    const repo = makeRepo('r2');
    const runtime = resolveRepo(repo, env)!.runtimeDir;
    mkdirSync(runtime, { recursive: true });
    const body = JSON.stringify({ pid: 4242, hostname: 'some-other-machine', acquiredAt: '2026-01-01T00:00:00.000Z' });
    writeFileSync(join(runtime, 'host.lock'), body);
    const r = arbiter(['lock', 'status', '--json'], repo);
    expect(r.code).toBe(1);
    const st = JSON.parse(r.stdout) as { enabled: boolean; code: string; reason: string };
    expect(st).toMatchObject({ enabled: false, code: 'foreign-host' });
    expect(st.reason).toContain('was written by host "some-other-machine"');
    expect(readFileSync(join(runtime, 'host.lock'), 'utf8')).toBe(body);
    expect(existsSync(join(runtime, 'log'))).toBe(false);
    const text = arbiter(['lock', 'status'], repo);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain('state lock: disabled (foreign-host)');
  });

  it('--dir guards any directory; outside a repository without --dir it is a usage error (exit 2)', () => {
    const outside = join(root, 'plain');
    mkdirSync(outside, { recursive: true });
    expect(arbiter(['lock', 'status'], outside).code).toBe(2);
    const d = join(root, 'guarded');
    const r = arbiter(['lock', 'status', '--json', '--dir', d], outside);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ enabled: true, code: 'acquired', dir: d });
  });
});

describe('classify df-source subcommand (state-lock.md §4)', () => {
  const run = (args: string[]): string => {
    const out: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((s: string) => (out.push(s), true)) as typeof process.stdout.write;
    try {
      // The program's own commander (v14, the hooks package's dependency); `classify` may already be wired.
      const program = buildProgram();
      const classify = program.commands.find((c) => c.name() === 'classify') ?? program.command('classify');
      if (!classify.commands.some((c) => c.name() === 'df-source')) addDfSource(classify);
      program.parse(['classify', 'df-source', ...args], { from: 'user' });
    } finally {
      process.stdout.write = write;
    }
    return out.join('');
  };
  it.each([
    [['/dev/sda1'], 'local\n'],
    [['/dev/mapper/vg0-root', '--fstype', 'xfs'], 'local\n'],
    [['/dev/sdb1', '--fstype', 'nfs4'], 'not-local\n'],
    [['nas:/export'], 'not-local\n'],
    [['//server/share'], 'not-local\n'],
    [['tmpfs', '--fstype', 'tmpfs'], 'not-local\n'],
    [['rpool/ROOT/ubuntu', '--fstype', 'zfs'], 'not-local\n'],
    [['overlay'], 'not-local\n'],
    [['--fstype', 'FUSE.SSHFS', '/dev/fuse'], 'not-local\n'],
  ])('%j → %j', (args, want) => {
    expect(run(args)).toBe(want);
  });
});
