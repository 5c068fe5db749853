// Stop hook start-up (issue 4, "Speed"): median wall time of `arbiter hook stop --agent claude` with no build,
// gate off and no claim. Since one process per client event (issue 11) `hook stop` is the whole Stop event: the
// session-lock release (which loads the session-lock bundle and writes its verdict) and then the Stop decisions, which
// a Claude Code Stop used to run as two processes; tool-call.bench.mjs compares the event's total CPU with an older
// build's two processes. Measured inside a git repository, as a ratio to `node -e 0` measured alternately in the same run
// (NODE_EXTRA_CA_CERTS unset and set). Target ≤ 1.3×. Measured in the installed layout (no ARBITER_STATE_DIR) and
// with ARBITER_STATE_DIR set (as tests isolate state: the repository key is then an MD5, which loads node:crypto).
// Last row: a build owned by another session (state read, approve).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default async ({ bin, lib }) => {
  const dir = mkdtempSync(join(tmpdir(), 'arbiter-bench-stop-'));
  const repo = join(dir, 'repo');
  execFileSync('git', ['init', '-q', '-b', 'main', repo]);
  writeFileSync(join(repo, 'README.md'), '# bench\n');
  const env = { ...process.env, ARBITER_STATE_DIR: join(dir, 'state'), ARBITER_NO_TMUX: '1' };
  delete env.NODE_EXTRA_CA_CERTS;
  const payload = (s) => JSON.stringify({ session_id: s, cwd: repo, hook_event_name: 'Stop', stop_hook_active: false, last_assistant_message: 'Done: tests pass.' });
  const rounds = Number(process.env.BENCH_ROUNDS ?? 30);
  const rows = [];
  // The installed layout: no ARBITER_STATE_DIR, runtime state in <git common dir>/arbiter of the (temporary)
  // repository and per-user state under a temporary HOME, so nothing outside the scratch directory is touched.
  const homeEnv = { ...env, HOME: join(dir, 'home'), XDG_STATE_HOME: join(dir, 'home', '.local', 'state') };
  delete homeEnv.ARBITER_STATE_DIR;
  const measure = (name, input, n, target, e = env) =>
    rows.push(lib.startupRow({ name, args: [bin, 'hook', 'stop', '--agent', 'claude'], env: e, input, rounds: n, target }));

  measure('Stop event (lock release + Stop decisions): no build, gate off, no claim (CA unset, installed layout: state in <git common dir>/arbiter)', payload('S-bench'), rounds, '≤ 1.3×', homeEnv);
  measure('Stop event (lock release + Stop decisions): no build, gate off, no claim (CA unset, ARBITER_STATE_DIR set: the repo key needs an MD5)', payload('S-bench'), rounds, '≤ 1.3×');
  measure('Stop event (lock release + Stop decisions): no build, gate off, no claim (NODE_EXTRA_CA_CERTS set, installed layout)', payload('S-bench'), rounds, '≤ 1.3×', {
    ...homeEnv,
    NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS ?? '/etc/ssl/certs/ca-certificates.crt',
  });
  execFileSync(process.execPath, [bin, 'build', 'start', '--size', 'large', '--task', 'bench', '--owner-session', 'S-other'], { cwd: repo, env });
  measure('Stop event: a build owned by another session (state read, approve)', payload('S-bench'), Math.max(10, Math.floor(rounds / 2)));
  return rows;
};
