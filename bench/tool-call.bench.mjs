// One Bash tool call under Claude Code (issue 11): PreToolUse then PostToolUse on a command that is not a push, in a
// real git repository where `arbiter install --claude` registered its hooks. The bench reads the registered commands
// back from `.claude/settings.json` (so it measures whatever the wiring table installs: five processes before the
// per-event hooks, two after) and runs every command whose matcher takes `Bash`, in order, with the host's payload.
//
// Figure: total CPU time (user + system) of all Arbiter processes of the call, as a ratio to the CPU time of one
// `node -e 0`, both measured by bash's `times` (children's CPU) in alternating rounds of the same run. Reported with
// NODE_EXTRA_CA_CERTS unset and set (it adds CPU to every Node start on these machines). Target ≤ 2.5×.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Children CPU seconds from bash's `times` output (its second line: children user and system). */
const childCpuMs = (out) => {
  const lines = out.trim().split('\n');
  const last = lines[lines.length - 1] ?? '';
  const m = [...last.matchAll(/(\d+)m([\d.]+)s/g)];
  if (m.length < 2) throw new Error(`cannot parse times output: ${out}`);
  return m.reduce((a, x) => a + (Number(x[1]) * 60 + Number(x[2])) * 1000, 0);
};

/** Shell-quote one word for the bash script (only our own paths and fixed args reach it). */
const q = (s) => `'${String(s).replace(/'/g, `'\\''`)}'`;

/** The commands a host runs for `event` on tool `tool`, read from Claude's settings file. */
const commandsFor = (settings, event, tool) =>
  (settings.hooks?.[event] ?? [])
    .filter((g) => g.matcher === undefined || new RegExp(`^(?:${g.matcher})$`).test(tool))
    .flatMap((g) => g.hooks.map((h) => h.command));

export default async ({ bin, lib }) => {
  const dir = mkdtempSync(join(tmpdir(), 'arbiter-bench-call-'));
  const repo = join(dir, 'repo');
  const state = join(dir, 'state');
  const gitEnv = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: dir, GIT_AUTHOR_NAME: 'b', GIT_AUTHOR_EMAIL: 'b@b', GIT_COMMITTER_NAME: 'b', GIT_COMMITTER_EMAIL: 'b@b' };
  execFileSync('git', ['init', '-q', '-b', 'main', repo], { env: gitEnv });
  execFileSync('git', ['commit', '-q', '--allow-empty', '-m', 'init'], { cwd: repo, env: gitEnv });
  execFileSync(process.execPath, [bin, 'install', '--claude'], { cwd: repo, env: { ...gitEnv, ARBITER_STATE_DIR: state }, stdio: 'ignore' });
  const settings = JSON.parse(readFileSync(join(repo, '.claude', 'settings.json'), 'utf8'));
  const base = { session_id: 'bench-session', cwd: repo, transcript_path: join(dir, 't.jsonl'), tool_name: 'Bash', tool_input: { command: 'npm test -- --run' } };
  const prePayload = join(dir, 'pre.json');
  const postPayload = join(dir, 'post.json');
  writeFileSync(prePayload, JSON.stringify({ ...base, hook_event_name: 'PreToolUse' }));
  writeFileSync(postPayload, JSON.stringify({ ...base, hook_event_name: 'PostToolUse', tool_response: { stdout: 'ok', stderr: '', exit_code: 0 } }));
  const toNode = (cmd) => cmd.replace(/^arbiter /, `${q(process.execPath)} ${q(bin)} `);
  const pre = commandsFor(settings, 'PreToolUse', 'Bash').map(toNode);
  const post = commandsFor(settings, 'PostToolUse', 'Bash').map(toNode);
  const callScript = [...pre.map((c) => `${c} < ${q(prePayload)} > /dev/null 2>&1`), ...post.map((c) => `${c} < ${q(postPayload)} > /dev/null 2>&1`), 'times'].join('\n');
  const nodeScript = `${q(process.execPath)} -e 0\ntimes`;
  const processes = pre.length + post.length;

  const rows = [];
  const ca = process.env.NODE_EXTRA_CA_CERTS ?? '/etc/ssl/certs/ca-certificates.crt';
  const rounds = Number(process.env.BENCH_ROUNDS ?? 30);
  const plain = { ...process.env, ARBITER_STATE_DIR: state };
  delete plain.NODE_EXTRA_CA_CERTS;
  for (const [label, env] of [
    ['NODE_EXTRA_CA_CERTS unset', plain],
    ['NODE_EXTRA_CA_CERTS set', { ...plain, NODE_EXTRA_CA_CERTS: ca }],
  ]) {
    const run = (script) => {
      const r = spawnSync('bash', ['-c', script], { cwd: repo, env, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`bench script failed: ${r.stderr}`);
      return childCpuMs(r.stdout);
    };
    const [calls, nodes] = lib.alternate(() => run(callScript), () => run(nodeScript), rounds);
    const c = lib.stats(calls);
    const n = lib.stats(nodes);
    rows.push({
      name: `one Bash tool call (PreToolUse + PostToolUse, not a push), ${processes} Arbiter processes, total CPU (${label})`,
      value: c.median,
      unit: 'ms CPU median',
      spread: `${lib.fmt(c.p25)}–${lib.fmt(c.p75)} ms`,
      baseline: `node -e 0 ${lib.fmt(n.median)} ms CPU (IQR ${lib.fmt(n.p25)}–${lib.fmt(n.p75)})`,
      ratio: c.median / n.median,
      target: '≤ 2.5×',
    });
  }
  return rows;
};
