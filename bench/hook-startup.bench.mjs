// Hook start-up (issue 2): median wall time of `arbiter hook session-lock acquire --agent claude` on a read-only
// tool payload (no lock I/O) as a ratio to `node -e 0`, alternating in the same run, with NODE_EXTRA_CA_CERTS
// unset and set (it adds ~55 ms to every Node 20 start on these machines). Target ≤ 1.3×.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default async ({ bin, lib }) => {
  const state = mkdtempSync(join(tmpdir(), 'arbiter-bench-'));
  const payload = JSON.stringify({ session_id: 'bench', cwd: process.cwd(), hook_event_name: 'PreToolUse', tool_name: 'Read', tool_input: { file_path: '/etc/hostname' } });
  const rows = [];
  const base = { ...process.env, ARBITER_STATE_DIR: state };
  delete base.NODE_EXTRA_CA_CERTS;
  const ca = process.env.NODE_EXTRA_CA_CERTS ?? '/etc/ssl/certs/ca-certificates.crt';
  const rounds = Number(process.env.BENCH_ROUNDS ?? 40);
  for (const [label, env] of [
    ['NODE_EXTRA_CA_CERTS unset', base],
    ['NODE_EXTRA_CA_CERTS set', { ...base, NODE_EXTRA_CA_CERTS: ca }],
  ]) {
    rows.push(
      lib.startupRow({
        name: `session-lock acquire, read-only payload (${label})`,
        args: [bin, 'hook', 'session-lock', 'acquire', '--agent', 'claude'],
        env,
        input: payload,
        rounds,
        target: '≤ 1.3×',
      }),
    );
  }
  // The default set-up: no ARBITER_STATE_DIR, so the runtime directory (and the session registry the hook writes) is
  // `.git/arbiter` of the repository and no repository-key MD5 is computed (presence.md §8). A throw-away repository,
  // so the bench never writes into the one it runs from.
  const repo = mkdtempSync(join(tmpdir(), 'arbiter-bench-repo-'));
  execFileSync('git', ['init', '-q', repo]);
  const plain = { ...base };
  delete plain.ARBITER_STATE_DIR;
  rows.push(
    lib.startupRow({
      name: 'session-lock acquire, read-only payload, runtime dir in .git (NODE_EXTRA_CA_CERTS unset)',
      args: [bin, 'hook', 'session-lock', 'acquire', '--agent', 'claude'],
      env: plain,
      input: JSON.stringify({ session_id: 'bench', cwd: repo, hook_event_name: 'PreToolUse', tool_name: 'Read', tool_input: { file_path: '/etc/hostname' } }),
      rounds,
    }),
  );
  // A mutating payload does the full read–decide–commit round (one fs store read and one link).
  rows.push(
    lib.startupRow({
      name: 'session-lock acquire, mutating payload (full round, CA unset)',
      args: [bin, 'hook', 'session-lock', 'acquire', '--agent', 'claude'],
      env: base,
      input: JSON.stringify({ session_id: 'bench', cwd: process.cwd(), tool_name: 'Edit' }),
      rounds: Math.max(10, Math.floor(rounds / 2)),
    }),
  );
  return rows;
};
