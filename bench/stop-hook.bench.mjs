// Stop hook start-up (issue 4, "Speed"): median wall time of `arbiter hook stop --agent claude` with no build,
// gate off and no claim, inside a git repository, as a ratio to `node -e 0` measured alternately in the same run
// (NODE_EXTRA_CA_CERTS unset). Target ≤ 1.3×. A second row: the owner's Stop that blocks (state read + patch).
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
  const measure = (name, input, n, target) => {
    const [nodes, hooks] = lib.alternate(
      () => lib.timeSpawn(process.execPath, ['-e', '0'], { env }),
      () => lib.timeSpawn(process.execPath, [bin, 'hook', 'stop', '--agent', 'claude'], { env, input }),
      n,
    );
    const s = lib.stats(nodes);
    const h = lib.stats(hooks);
    const r = lib.stats(hooks.map((x, i) => x / nodes[i]));
    rows.push({
      name,
      value: h.median,
      unit: 'ms median',
      spread: `${lib.fmt(h.p25)}–${lib.fmt(h.p75)} ms`,
      baseline: `node -e 0 ${lib.fmt(s.median)} ms (IQR ${lib.fmt(s.p25)}–${lib.fmt(s.p75)})`,
      ratio: h.median / s.median,
      ...(target ? { target } : {}),
      pairedRatio: `${lib.fmt(r.median)} (IQR ${lib.fmt(r.p25)}–${lib.fmt(r.p75)})`,
    });
  };
  measure('hook stop: no build, gate off, no claim (CA unset)', payload('S-bench'), rounds, '≤ 1.3×');
  execFileSync(process.execPath, [bin, 'build', 'start', '--size', 'large', '--task', 'bench', '--owner-session', 'S-other'], { cwd: repo, env });
  measure('hook stop: a build owned by another session (state read, approve)', payload('S-bench'), Math.max(10, Math.floor(rounds / 2)));
  return rows;
};
