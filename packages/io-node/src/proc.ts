/**
 * Process facts: pid liveness (session-lock.md §7.3), the anchor pid (session-lock.md §4.4) and the hostname.
 */
import * as fs from 'node:fs'; // a namespace: bundles that keep none of its readers carry no unused named import
import { childProcess, os } from './lazy-builtins.js';
import { basename } from 'node:path';
import type { PidLiveness, Proc } from '@arbiter/kernel';

/**
 * Signal 0 to `pid` (session-lock.md §7.3 rule 1): returns normally → `alive`; `ESRCH` → `dead`; `EPERM` → `alive` (exists, not
 * ours); anything else (including an invalid pid) → `unknown`. Never throws.
 */
export const pidAlive = (pid: number): PidLiveness => {
  if (!Number.isInteger(pid) || pid < 1) return 'unknown';
  try {
    process.kill(pid, 0);
    return 'alive';
  } catch (e) {
    const code = (e as { code?: string }).code;
    return code === 'ESRCH' ? 'dead' : code === 'EPERM' ? 'alive' : 'unknown';
  }
};

/** The `Proc` port over the real process table. */
export const nodeProc: Proc = { pidAlive: (pid) => () => Promise.resolve(pidAlive(pid)) };

/** `os.hostname()`; `unknown` if it throws or is empty. */
export const hostname = (): string => {
  try {
    return os().hostname() || 'unknown';
  } catch {
    return 'unknown';
  }
};

const SHELLS = new Set(['sh', 'bash', 'dash', 'zsh', 'ksh', 'fish', 'cmd.exe', 'powershell', 'pwsh']);
const MAX_MOVES = 4;

interface ProcInfo {
  readonly ppid: number;
  readonly argv: ReadonlyArray<string>;
}

const linuxInfo = (pid: number): ProcInfo | null => {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may contain spaces and parentheses: fields resume after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ppid = Number(rest[1]);
    const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((a) => a !== '');
    return Number.isInteger(ppid) && ppid >= 0 ? { ppid, argv } : null;
  } catch {
    return null;
  }
};

const psInfo = (pid: number): ProcInfo | null => {
  try {
    const out = childProcess().execFileSync('ps', ['-o', 'ppid=,command=', '-p', String(pid)], { timeout: 200, encoding: 'utf8' });
    const m = /^\s*(\d+)\s+(.*)$/.exec(out.trim());
    return m?.[1] === undefined ? null : { ppid: Number(m[1]), argv: (m[2] ?? '').split(/\s+/) };
  } catch {
    return null;
  }
};

/** True when a process exists only to run a command: a `-c` shell, or git itself (session-lock.md §4.4 P2). */
const isPassThrough = (argv: ReadonlyArray<string>): boolean => {
  const exe = basename(argv[0] ?? '').replace(/^-/, '');
  if (exe === 'git') return true;
  if (!SHELLS.has(exe)) return false;
  return argv.slice(1).some((a) => /^-[A-Za-z]*c[A-Za-z]*$/.test(a) || /^-(Command|command|EncodedCommand)$/.test(a) || a === '/c');
};

/**
 * The long-lived agent process that started this hook (session-lock.md §4.4 P1–P4): start at the parent pid and
 * move up past `-c` shells and git, at most 4 moves; any lookup failure stops at the last good pid. Linux reads
 * `/proc`; macOS/BSD runs `ps` (200 ms bound); Windows stops at P1. Never throws.
 */
export const anchorPid = (startPpid: number = process.ppid, platform: NodeJS.Platform = process.platform): number => {
  if (platform === 'win32') return startPpid;
  const info = platform === 'linux' ? linuxInfo : psInfo;
  let pid = startPpid;
  for (let moves = 0; moves < MAX_MOVES; moves++) {
    const cur = info(pid);
    if (cur === null || !isPassThrough(cur.argv) || cur.ppid <= 1) break;
    pid = cur.ppid;
  }
  return pid;
};
