/** io-node probes of the build stop-hook and the stop gate (build-stop.md §3, stop-gate.md §4–5) on real git and files. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gitHistory, gitLsFiles, readTail, resolveTmux } from '@arbiter/io-node';
import { stopGate } from '@arbiter/kernel';

describe('resolveTmux (build-stop.md §3)', () => {
  it('rule 1: ARBITER_NO_TMUX=1 wins over everything', async () => {
    expect(await resolveTmux({ ARBITER_NO_TMUX: '1', ARBITER_TMUX_SESSION: 'x', TMUX: '/tmp/s,1,0' })).toBe('');
  });
  it('rule 2: ARBITER_TMUX_SESSION, even empty, is used as is', async () => {
    expect(await resolveTmux({ ARBITER_TMUX_SESSION: ' work ' })).toBe(' work ');
    expect(await resolveTmux({ ARBITER_TMUX_SESSION: '', TMUX: '/tmp/s,1,0' })).toBe('');
    expect(await resolveTmux({ ARBITER_NO_TMUX: '0', ARBITER_TMUX_SESSION: 'w' })).toBe('w');
  });
  it('rule 3: outside tmux (TMUX unset or empty) tmux is not asked', async () => {
    expect(await resolveTmux({ PATH: '/nonexistent' })).toBe('');
    expect(await resolveTmux({ TMUX: '', PATH: '/nonexistent' })).toBe('');
  });
  it('rule 4: inside tmux, any failure of the tmux call gives ""', async () => {
    // A TMUX socket that does not exist: tmux (if installed) fails; if not installed, execFile fails. Both give "".
    expect(await resolveTmux({ ...process.env, TMUX: '/nonexistent/tmux-sock,1,0', TMUX_PANE: '%99', ARBITER_NO_TMUX: undefined, ARBITER_TMUX_SESSION: undefined }, 2000)).toBe('');
  });
});

describe('resolveTmux against a real tmux server (build-stop.md §3 rule 4)', () => {
  it('inside tmux it asks tmux for the session name of $TMUX_PANE', async () => {
    let hasTmux = true;
    try {
      execFileSync('tmux', ['-V'], { stdio: 'ignore' });
    } catch {
      hasTmux = false;
    }
    if (!hasTmux) {
      // Without tmux installed the call fails and the rule gives "" (checked above); nothing more to prove here.
      expect(await resolveTmux({ TMUX: '/x,1,0', PATH: '/nonexistent' })).toBe('');
      return;
    }
    const sock = join(mkdtempSync(join(tmpdir(), 'arbiter-tmux-')), 'sock');
    execFileSync('tmux', ['-S', sock, 'new-session', '-d', '-s', 'build-owner'], { stdio: 'ignore' });
    try {
      const pane = execFileSync('tmux', ['-S', sock, 'display-message', '-p', '-t', 'build-owner', '#{pane_id}'], { encoding: 'utf8' }).trim();
      const env = { PATH: process.env['PATH'], TMUX: `${sock},1,0`, TMUX_PANE: pane };
      expect(await resolveTmux(env)).toBe('build-owner');
    } finally {
      execFileSync('tmux', ['-S', sock, 'kill-server'], { stdio: 'ignore' });
    }
  });
});

describe('git evidence probes (stop-gate.md §4 rule 1)', () => {
  const repo = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'arbiter-probes-'));
    const env = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: dir, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@e.invalid', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@e.invalid' };
    const git = (args: string[], date: string) => execFileSync('git', args, { cwd: dir, env: { ...env, GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date }, stdio: 'ignore' });
    git(['init', '-q', '-b', 'main'], '2026-01-01T00:00:00Z');
    mkdirSync(join(dir, 'docs'));
    writeFileSync(join(dir, 'docs', 'spec.md'), 'v1\n');
    writeFileSync(join(dir, 'src.ts'), 'x\n');
    git(['add', '.'], '2026-01-01T00:00:00Z');
    git(['commit', '-q', '-m', 'one'], '2026-01-01T00:00:00Z');
    writeFileSync(join(dir, 'docs', 'spec.md'), 'v2\n');
    git(['commit', '-q', '-am', 'two'], '2026-01-02T00:00:00Z');
    return dir;
  };

  it('ls-files lists tracked paths; selectEvidencePaths keeps the spec', async () => {
    const dir = repo();
    const files = await gitLsFiles(dir, 2000);
    expect(files).toEqual({ ok: true, value: ['docs/spec.md', 'src.ts'] });
    expect(stopGate.selectEvidencePaths(files.ok ? files.value : [])).toEqual(['docs/spec.md']);
  });

  it('history: introducing and latest commits with committer times in ms; unknown paths are null parts', async () => {
    const dir = repo();
    const h = await gitHistory(dir, ['docs/spec.md', 'missing.md'], 2000, 5000);
    expect(h.ok).toBe(true);
    if (!h.ok) return;
    const [spec, missing] = h.value;
    expect(spec).toMatchObject({ introducingTime: Date.parse('2026-01-01T00:00:00Z'), latestTime: Date.parse('2026-01-02T00:00:00Z') });
    expect(spec?.introducingCommit).toMatch(/^[0-9a-f]{40}$/);
    expect(spec?.latestCommit).not.toBe(spec?.introducingCommit);
    expect(missing).toEqual({ introducingCommit: null, latestCommit: null, introducingTime: null, latestTime: null });
  });

  it('history: an exhausted budget gives null for the remaining paths; a non-repository fails soft', async () => {
    const dir = repo();
    const h = await gitHistory(dir, ['docs/spec.md', 'src.ts'], 2000, 0);
    expect(h).toEqual({ ok: true, value: [null, null] });
    expect((await gitLsFiles(tmpdir() + '/definitely-not-a-repo-' + process.pid, 2000)).ok).toBe(false);
  });
});

describe('transcript tail (stop-gate.md §5)', () => {
  it('reads the last bytes and says whether the read began mid-file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'arbiter-tail-'));
    const p = join(dir, 't.jsonl');
    const lines = Array.from({ length: 50 }, (_, i) => JSON.stringify({ type: 'user', message: { content: `turn ${i}` } }));
    writeFileSync(p, lines.join('\n') + '\n');
    const whole = readTail(p, 1 << 20);
    expect(whole).toMatchObject({ ok: true, value: { partial: false } });
    const tail = readTail(p, 200);
    expect(tail.ok && tail.value.partial).toBe(true);
    if (tail.ok) expect(stopGate.parseTranscriptTail(tail.value.text, tail.value.partial).map((t) => t.text)).toEqual(['turn 47', 'turn 48', 'turn 49']);
    expect(readTail(join(dir, 'nope'), 10)).toMatchObject({ ok: false, error: { kind: 'unavailable' } });
  });
});
