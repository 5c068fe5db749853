/**
 * The running-land marker (land.md §9 LD15): `arbiter land` writes `<repository runtime dir>/land/running-<key>.json`
 * when it starts and removes it when it ends; the Stop hook (LD16) and the coordination block (LD17) read it. The key
 * is 16 hex of SHA-256 of the session; the host is the machine's own name (`os.hostname()`), the one a pid means
 * something on. Reads never throw and never follow a symlink (state-io). The writer lives with the verb (cli/land.ts).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { land as L } from '@arbiter/kernel';
import { hostname, pidAlive, readStateText } from '@arbiter/io-node';

/** Directory of the markers under a repository runtime directory. */
export const runningDir = (runtimeDir: string): string => join(runtimeDir, 'land');

/**
 * The land running for `session` on this host (LD16), or null: every marker in the directory is read (a land of the
 * agent session may have been keyed by another lane-store session), and one counts only when `isRunning` holds.
 */
export const findRunning = (runtimeDir: string, session: string, now: number): L.RunningLand | null => {
  if (session === '') return null;
  let names: string[];
  try {
    names = readdirSync(runningDir(runtimeDir)).filter((n) => /^running-[0-9a-f]{16}\.json$/.test(n)).slice(0, 64);
  } catch {
    return null;
  }
  const host = hostname();
  for (const n of names) {
    const text = readStateText(join(runningDir(runtimeDir), n), 64 * 1024);
    const m = text === null ? null : L.decodeRunning(text);
    if (m !== null && L.isRunning(m, session, host, pidAlive(m.pid), now)) return m;
  }
  return null;
};
