/**
 * io-node locations and process facts: SL-20 workspace hash, state-directory resolution (session-lock.md §4.2),
 * repository runtime directory (architecture.md conventions §2–3), anchor pid walk (session-lock.md §4.4) and pid liveness (session-lock.md §7.3).
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { anchorPid, findTopLevel, gitCommonDir, laneKey, md5Prefix, pidAlive, repoRuntimeDir, resolveRepo, resolveStateDir, resolveWorkspace } from '@arbiter/io-node';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { git, makeRepo, tmp } from './helpers/bin.js';

describe('SL-20 workspace hash', () => {
  it('laneKey (node:crypto) equals the first 32 hex of an independent SHA-256 (@noble/hashes) of the lane name\'s UTF-8 bytes, for any lane name', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 300 }), (lane) => {
        expect(laneKey(lane)).toBe(bytesToHex(sha256(utf8ToBytes(lane))).slice(0, 32));
      }),
    );
  });
  it('md5Prefix (pure JavaScript) equals node:crypto MD5 of the UTF-8 bytes, for any string and prefix length', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' }), fc.integer({ min: 0, max: 32 }), (a, b, n) => {
        for (const s of [a, b, `/home/${a}/.git`]) expect(md5Prefix(s, n)).toBe(createHash('md5').update(s, 'utf8').digest('hex').slice(0, n));
      }),
      { numRuns: 500 },
    );
    expect(md5Prefix('')).toBe('d41d8cd98f00');
  });

  it('is 12 lowercase hex of the realpath of the worktree top-level; subdirectories share it; linked worktrees differ; symlinks resolve', () => {
    const root = realpathSync(tmp());
    const repo = makeRepo(join(root, 'app'));
    mkdirSync(join(repo, 'src', 'ui'), { recursive: true });
    const a = resolveWorkspace(join(repo, 'src', 'ui'));
    const b = resolveWorkspace(repo);
    expect(a.hash).toMatch(/^[0-9a-f]{12}$/);
    expect(a).toEqual(b);
    expect(a.hash).toBe(md5Prefix(repo));
    const wt = join(root, 'app-wt', 'fix-login');
    git(repo, ['worktree', 'add', '-q', '-b', 'fix-login', wt]);
    const w = resolveWorkspace(wt);
    expect(w.path).toBe(wt);
    expect(w.hash).not.toBe(a.hash);
    const link = join(root, 'link-to-src');
    symlinkSync(join(repo, 'src'), link);
    expect(resolveWorkspace(link)).toEqual(a);
    // W3: not a repository → the start directory itself (realpath'd)
    const plain = join(root, 'scratch');
    mkdirSync(plain);
    symlinkSync(plain, join(root, 'scratch-link'));
    expect(resolveWorkspace(join(root, 'scratch-link')).path).toBe(plain);
  });

  it('the walk gives git rev-parse --show-toplevel and --git-common-dir for clones, worktrees and submodule-like .git files', () => {
    const root = realpathSync(tmp());
    const repo = makeRepo(join(root, 'r'));
    const wt = join(root, 'wt');
    git(repo, ['worktree', 'add', '-q', '-b', 'w', wt]);
    for (const dir of [repo, wt, join(repo, 'README.md') === '' ? repo : repo]) {
      const top = findTopLevel(dir);
      expect(top).toBe(git(dir, ['rev-parse', '--show-toplevel']).trim());
      expect(gitCommonDir(top as string)).toBe(realpathSync(resolve(dir, git(dir, ['rev-parse', '--git-common-dir']).trim())));
    }
    // every worktree of one clone shares one runtime directory
    expect(resolveRepo(wt, {})?.runtimeDir).toBe(resolveRepo(repo, {})?.runtimeDir);
    expect(resolveRepo(repo, {})?.runtimeDir).toBe(join(realpathSync(join(repo, '.git')), 'arbiter'));
    expect(resolveRepo(root, {})).toBeNull();
  });
});

describe('state locations', () => {
  it('SD1–SD4: ARBITER_STATE_DIR, then XDG_STATE_HOME/arbiter, then ~/.local/state/arbiter; relative values ignored', () => {
    expect(resolveStateDir({ ARBITER_STATE_DIR: '/s', XDG_STATE_HOME: '/x' }, '/home/u')).toBe('/s');
    expect(resolveStateDir({ ARBITER_STATE_DIR: 'rel', XDG_STATE_HOME: '/x' }, '/home/u')).toBe('/x/arbiter');
    expect(resolveStateDir({ ARBITER_STATE_DIR: '', XDG_STATE_HOME: 'rel' }, '/home/u')).toBe('/home/u/.local/state/arbiter');
    expect(resolveStateDir({}, '/home/u')).toBe('/home/u/.local/state/arbiter');
  });
  it('ARBITER_STATE_DIR relocates repository runtime state to repos/<repo key>', () => {
    expect(repoRuntimeDir('/r/.git', { ARBITER_STATE_DIR: '/s' })).toBe(`/s/repos/${md5Prefix('/r/.git')}`);
    expect(repoRuntimeDir('/r/.git', {})).toBe('/r/.git/arbiter');
  });
});

describe('process facts', () => {
  it('pidAlive: alive for us, dead for a reaped child, unknown for nonsense', async () => {
    expect(pidAlive(process.pid)).toBe('alive');
    const c = spawn(process.execPath, ['-e', '0']);
    await new Promise((r) => c.on('close', r));
    expect(pidAlive(c.pid as number)).toBe('dead');
    expect(pidAlive(0)).toBe('unknown');
    expect(pidAlive(-5)).toBe('unknown');
    expect(pidAlive(1.5)).toBe('unknown');
  });

  it('anchorPid walks past `sh -c` and git to the long-lived process (session-lock.md §4.4 P2)', () => {
    const script = join(tmp(), 'anchor.cjs');
    const ioNode = join(__dirname, '..', 'packages', 'io-node', 'dist', 'index.cjs');
    writeFileSync(script, `process.stdout.write(String(require(${JSON.stringify(ioNode)}).anchorPid()))`);
    // test runner → sh -c → node: the anchor is the test runner
    const viaShell = execFileSync('sh', ['-c', `"${process.execPath}" "${script}"; true`], { encoding: 'utf8' });
    expect(Number(viaShell)).toBe(process.pid);
    // test runner → node directly: the anchor is the parent, the test runner
    expect(Number(execFileSync(process.execPath, [script], { encoding: 'utf8' }))).toBe(process.pid);
    // at most 4 moves: five nested `sh -c` stop at the fourth shell, never at init
    const deep = execFileSync('sh', ['-c', `sh -c 'sh -c "sh -c \\"sh -c \\\\\\"${process.execPath} ${script}; true\\\\\\"; true\\"; true"; true'; true`], { encoding: 'utf8' });
    expect(Number(deep)).not.toBe(process.pid);
    expect(Number(deep)).toBeGreaterThan(1);
  });
});
