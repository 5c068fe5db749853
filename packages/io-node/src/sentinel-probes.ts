/**
 * Probes of the build stop-hook and the stop gate (build-stop.md §3, stop-gate.md §5): the tmux owner identity, git evidence
 * and the transcript tail. Each never throws; failures come back as kernel probe answers (`ProbeAnswer`).
 * Every child process is `execFile` with an argument array and a timeout (never a shell).
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { ProbeAnswer, stopGate } from '@arbiter/kernel';
import type { Env } from './paths.js';

/** tmux probe timeout, ms (build-stop.md §3 rule 4). */
export const TMUX_TIMEOUT_MS = 2_000;

interface Ran {
  readonly ok: boolean;
  readonly stdout: string;
  readonly kind: 'timeout' | 'unavailable' | 'failed';
}

/**
 * Run a program with an argument array and a timeout (ms); resolves with stdout. Never rejects. `node:child_process`
 * is loaded on first use so a Stop hook that needs no probe does not pay for it.
 */
export const run = async (file: string, args: ReadonlyArray<string>, timeoutMs: number, cwd?: string, env?: Env): Promise<Ran> => {
  let cp: typeof import('node:child_process');
  try {
    cp = await import('node:child_process');
  } catch {
    return { ok: false, stdout: '', kind: 'unavailable' };
  }
  return new Promise((resolve) => {
    try {
      cp.execFile(
        file,
        [...args],
        { timeout: Math.max(1, timeoutMs), maxBuffer: 8 * 1024 * 1024, encoding: 'utf8', windowsHide: true, ...(cwd === undefined ? {} : { cwd }), ...(env === undefined ? {} : { env: { ...env } }) },
        (err, stdout) => {
          if (err === null) return resolve({ ok: true, stdout, kind: 'failed' });
          const e = err as NodeJS.ErrnoException & { killed?: boolean; signal?: string };
          const kind = e.killed === true || e.signal === 'SIGTERM' ? 'timeout' : e.code === 'ENOENT' ? 'unavailable' : 'failed';
          resolve({ ok: false, stdout: '', kind });
        },
      );
    } catch {
      resolve({ ok: false, stdout: '', kind: 'failed' });
    }
  });
};

/**
 * `resolveTmux` (build-stop.md §3): `ARBITER_NO_TMUX=1` → `""`; `ARBITER_TMUX_SESSION` set (even empty) → its
 * value; `TMUX` unset or empty → `""`; else `tmux display-message -p [-t $TMUX_PANE] '#S'` within 2000 ms, stdout
 * trimmed, any failure `""`. Never rejects.
 */
export const resolveTmux = async (env: Env, timeoutMs = TMUX_TIMEOUT_MS): Promise<string> => {
  if (env['ARBITER_NO_TMUX'] === '1') return '';
  if (env['ARBITER_TMUX_SESSION'] !== undefined) return env['ARBITER_TMUX_SESSION'];
  if (env['TMUX'] === undefined || env['TMUX'] === '') return '';
  const pane = env['TMUX_PANE'] ?? '';
  // The child sees the same environment the rules were evaluated on (TMUX names the server socket).
  const r = await run('tmux', pane === '' ? ['display-message', '-p', '#S'] : ['display-message', '-p', '-t', pane, '#S'], timeoutMs, undefined, env);
  return r.ok ? r.stdout.trim() : '';
};

/** `git -C <root> ls-files` within `timeoutMs` (stop-gate.md §5 `gitFiles`). */
export const gitLsFiles = async (root: string, timeoutMs: number): Promise<ProbeAnswer<ReadonlyArray<string>>> => {
  const r = await run('git', ['-C', root, 'ls-files', '-z'], timeoutMs);
  if (!r.ok) return { ok: false, error: { kind: r.kind, detail: 'git ls-files' } };
  return { ok: true, value: r.stdout.split('\0').filter((p) => p !== '') };
};

/**
 * `gitHistory(paths)` (stop-gate.md §4 rule 1, stop-gate.md §5): per path the introducing commit (first line of
 * `git log --follow --format=%H --reverse -- <path>`), the latest commit (`git log -1 --format=%H -- <path>`) and the
 * committer time of each (`git show -s --format=%ct <sha>` × 1000). Each call is bounded by `timeoutMs`, the whole
 * probe by `budgetMs`; paths not reached in time get null. Never rejects.
 */
export const gitHistory = async (
  root: string,
  paths: ReadonlyArray<string>,
  timeoutMs: number,
  budgetMs: number,
  now: () => number = Date.now,
): Promise<ProbeAnswer<ReadonlyArray<stopGate.PathHistory | null>>> => {
  const deadline = now() + budgetMs;
  const left = (): number => Math.min(timeoutMs, deadline - now());
  const line = async (args: string[]): Promise<string | null> => {
    const t = left();
    if (t <= 0) return null;
    const r = await run('git', ['-C', root, ...args], t);
    if (!r.ok) return null;
    const first = r.stdout.split('\n')[0]?.trim() ?? '';
    return first === '' ? null : first;
  };
  const time = async (sha: string | null): Promise<number | null> => {
    if (sha === null || !/^[0-9a-f]{7,64}$/.test(sha)) return null;
    const s = await line(['show', '-s', '--format=%ct', sha]);
    return s !== null && /^\d+$/.test(s) ? Number(s) * 1000 : null;
  };
  const out: Array<stopGate.PathHistory | null> = [];
  for (const p of paths) {
    if (left() <= 0) {
      out.push(null);
      continue;
    }
    const introducingCommit = await line(['log', '--follow', '--format=%H', '--reverse', '--', p]);
    const latestCommit = await line(['log', '-1', '--format=%H', '--', p]);
    out.push({ introducingCommit, latestCommit, introducingTime: await time(introducingCommit), latestTime: await time(latestCommit) });
  }
  return { ok: true, value: out };
};

/**
 * The last `maxBytes` bytes of a file (stop-gate.md §5 `transcriptTail`), and whether the read began mid-file.
 * Never throws.
 */
export const readTail = (path: string, maxBytes: number): ProbeAnswer<{ readonly text: string; readonly partial: boolean }> => {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const size = fstatSync(fd).size;
    const start = Math.max(0, size - maxBytes);
    const buf = Buffer.alloc(size - start);
    let off = 0;
    while (off < buf.length) {
      const n = readSync(fd, buf, off, buf.length - off, start + off);
      if (n === 0) break;
      off += n;
    }
    return { ok: true, value: { text: buf.subarray(0, off).toString('utf8'), partial: start > 0 } };
  } catch (e) {
    return { ok: false, error: { kind: (e as { code?: string }).code === 'ENOENT' ? 'unavailable' : 'failed', detail: 'transcript' } };
  } finally {
    if (fd !== undefined) {
      try {
        closeSync(fd);
      } catch {
        // ignore
      }
    }
  }
};
