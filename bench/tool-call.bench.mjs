// Host events under Claude Code, end to end (issue 11): `arbiter install --claude` in a real git repository, then for
// each host event the bench reads the registered commands back from `.claude/settings.json` and runs every command
// whose matcher takes the tool, in order, with the host's payload. So it measures whatever the wiring table installs
// (five processes for a Bash call before the per-event hooks, two after).
//
// Figure: total CPU time (user + system) of all Arbiter processes of the event, as a ratio to the CPU time of one
// `node -e 0`, both measured by bash's `times` (children's CPU) in alternating rounds of the same run, with
// NODE_EXTRA_CA_CERTS unset and set (it adds CPU to every Node start on these machines). Target for the Bash call
// ≤ 2.5×. A last row per setting is the Bash call's floor as code: the same processes, each only compiling the
// files it loaded in a recorded run and running none of them (compileFloor). Its ratio says how much of the 2.5× the
// parse of the shipped code alone takes, before any module body, decision or I/O.
//
// Installed layout, as users run it: no ARBITER_STATE_DIR (runtime state in the clone's git common dir, per-user
// state under a temporary HOME/XDG_STATE_HOME), so nothing outside the scratch directory is touched.
//
// With BENCH_OLD_BIN=<path to an older build's dist/arbiter.cjs>, every row also measures that build's installation
// in the same rounds (an older release, installed the same way), so the change is a ratio within one run.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Children CPU ms from bash's `times` output (its last line: children user and system). */
const childCpuMs = (out) => {
  const lines = out.trim().split('\n');
  const m = [...(lines[lines.length - 1] ?? '').matchAll(/(\d+)m([\d.]+)s/g)];
  if (m.length < 2) throw new Error(`cannot parse times output: ${out}`);
  return m.reduce((a, x) => a + (Number(x[1]) * 60 + Number(x[2])) * 1000, 0);
};

/** Shell-quote one word for the bash script (only our own paths and fixed args reach it). */
const q = (s) => `'${String(s).replace(/'/g, `'\\''`)}'`;

/** The commands a host runs for `event` (on `tool`, for tool events), read from Claude's settings file. */
const commandsFor = (settings, event, tool) =>
  (settings.hooks?.[event] ?? [])
    .filter((g) => g.matcher === undefined || tool === undefined || new RegExp(`^(?:${g.matcher})$`).test(tool))
    .flatMap((g) => g.hooks.map((h) => h.command));

/**
 * Preloaded (NODE_OPTIONS --require) into one recorded run of a hook process: appends to $ARBITER_BENCH_LOADED, one
 * per line, every CommonJS file the process compiles (its entry and each `require`d file, an exit handler's
 * included; built-ins aside), for the compile floor.
 */
const RECORDER = `const M = require('module'), fs = require('fs'), compile = M.prototype._compile;
M.prototype._compile = function (code, filename) {
  fs.appendFileSync(process.env.ARBITER_BENCH_LOADED, filename + '\\n');
  return compile.apply(this, arguments);
};`;

/** A repository with `bin`'s Claude hooks installed; returns the bash script of each measured event. */
const installed = (bin, dir, gitEnv) => {
  const recorder = join(dir, 'recorder.cjs');
  writeFileSync(recorder, RECORDER);
  const repo = join(dir, 'repo');
  execFileSync('git', ['init', '-q', '-b', 'main', repo], { env: gitEnv });
  execFileSync('git', ['commit', '-q', '--allow-empty', '-m', 'init'], { cwd: repo, env: gitEnv });
  execFileSync(process.execPath, [bin, 'install', '--claude'], { cwd: repo, env: gitEnv, stdio: 'ignore' });
  const settings = JSON.parse(readFileSync(join(repo, '.claude', 'settings.json'), 'utf8'));
  const base = { session_id: 'bench-session', cwd: repo, transcript_path: join(dir, 't.jsonl') };
  const payload = (name, o) => {
    const f = join(dir, `${name}.json`);
    writeFileSync(f, JSON.stringify({ ...base, ...o }));
    return f;
  };
  const bashCall = { tool_name: 'Bash', tool_input: { command: 'npm test -- --run' } };
  const pre = payload('pre', { ...bashCall, hook_event_name: 'PreToolUse' });
  const post = payload('post', { ...bashCall, hook_event_name: 'PostToolUse', tool_response: { stdout: 'ok', stderr: '', exit_code: 0 } });
  const stop = payload('stop', { hook_event_name: 'Stop', stop_hook_active: false, last_assistant_message: 'All tests pass.' });
  const prompt = payload('prompt', { hook_event_name: 'UserPromptSubmit', prompt: 'go on' });
  const toNode = (cmd) => cmd.replace(/^arbiter /, `${q(process.execPath)} ${q(bin)} `);
  // Claude Code sets CLAUDE_PROJECT_DIR for every hook; the installed commands reach the committed launcher through it
  const header = `export CLAUDE_PROJECT_DIR=${q(repo)}`;
  const script = (steps) => {
    const cmds = steps.flatMap(([event, tool, file]) => commandsFor(settings, event, tool).map((c) => `${toNode(c)} < ${q(file)} > /dev/null 2>&1`));
    return { script: [header, ...cmds, 'times'].join('\n'), processes: cmds.length };
  };
  /**
   * The floor of `steps` as code: each of its processes replaced by a `node -e` that only compiles (vm.Script: the
   * parse V8 does before running anything) the JavaScript files that process loaded in a recorded steady-state run,
   * and runs none of it: no module body, no decision, no file or log I/O. What any build shipping this code pays
   * before its work. Called for the current build only (it runs the event twice to record it).
   */
  const compileFloor = (steps) => {
    // once unrecorded first, as the measured rounds find it: a session already `working`, whose tool events take the
    // registry's fast path (presence.md §7), so its first event's full path is not counted as steady-state code
    execFileSync('bash', ['-c', script(steps).script], { cwd: repo, env: gitEnv });
    const cmds = steps.flatMap(([event, tool, file]) =>
      commandsFor(settings, event, tool).map((c) => {
        const list = join(dir, `loaded-${event}.txt`);
        const env = { ...gitEnv, ARBITER_BENCH_LOADED: list, NODE_OPTIONS: `--require ${recorder}` };
        execFileSync('bash', ['-c', `${header}\n${toNode(c)} < ${q(file)} > /dev/null 2>&1 || true`], { cwd: repo, env });
        const files = [...new Set(readFileSync(list, 'utf8').split('\n').filter((f) => f !== ''))];
        const js = `const vm=require('vm'),fs=require('fs');for(const f of ${JSON.stringify(files)})new vm.Script(fs.readFileSync(f,'utf8'),{filename:f})`;
        return `${q(process.execPath)} -e ${q(js)} > /dev/null 2>&1`;
      }),
    );
    return { script: [...cmds, 'times'].join('\n'), processes: cmds.length };
  };
  const bashSteps = [
    ['PreToolUse', 'Bash', pre],
    ['PostToolUse', 'Bash', post],
  ];
  return {
    repo,
    floor: () => compileFloor(bashSteps),
    events: {
      'one Bash tool call (PreToolUse + PostToolUse, not a push)': script(bashSteps),
      'a Stop with nothing to decide': script([['Stop', undefined, stop]]),
      'a UserPromptSubmit (coordination context)': script([['UserPromptSubmit', undefined, prompt]]),
    },
  };
};

export default async ({ bin, lib }) => {
  const dir = mkdtempSync(join(tmpdir(), 'arbiter-bench-call-'));
  const gitEnv = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: dir, XDG_STATE_HOME: join(dir, 'xdg-state'), GIT_AUTHOR_NAME: 'b', GIT_AUTHOR_EMAIL: 'b@b', GIT_COMMITTER_NAME: 'b', GIT_COMMITTER_EMAIL: 'b@b' };
  const mk = (name) => {
    const d = join(dir, name);
    execFileSync('mkdir', ['-p', d]);
    return d;
  };
  delete gitEnv.ARBITER_STATE_DIR;
  const now = installed(bin, mk('now'), gitEnv);
  const oldBin = process.env.BENCH_OLD_BIN;
  const old = oldBin ? installed(oldBin, mk('old'), gitEnv) : null;

  const rows = [];
  let floorScript;
  const ca = process.env.NODE_EXTRA_CA_CERTS ?? '/etc/ssl/certs/ca-certificates.crt';
  const rounds = Number(process.env.BENCH_ROUNDS ?? 30);
  const plain = { ...gitEnv };
  delete plain.NODE_EXTRA_CA_CERTS;
  for (const [label, env0] of [
    ['NODE_EXTRA_CA_CERTS unset', plain],
    ['NODE_EXTRA_CA_CERTS set', { ...plain, NODE_EXTRA_CA_CERTS: ca }],
  ]) {
    const run = (script, cwd) => {
      const r = spawnSync('bash', ['-c', script], { cwd, env: env0, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`bench script failed: ${r.stderr}`);
      return childCpuMs(r.stdout);
    };
    const nodeScript = `${q(process.execPath)} -e 0\ntimes`;
    for (const [name, ev] of Object.entries(now.events)) {
      const oldEv = old?.events[name];
      const calls = [];
      const nodes = [];
      const olds = [];
      for (let i = 0; i < rounds + 3; i++) {
        const c = run(ev.script, now.repo);
        const n = run(nodeScript, now.repo);
        const o = oldEv ? run(oldEv.script, old.repo) : NaN;
        if (i < 3) continue; // warm-up
        calls.push(c);
        nodes.push(n);
        olds.push(o);
      }
      const c = lib.stats(calls);
      const n = lib.stats(nodes);
      const o = oldEv ? lib.stats(olds) : null;
      rows.push({
        name: `${name}: ${ev.processes} Arbiter process(es), total CPU (${label})`,
        value: c.median,
        unit: 'ms CPU median',
        spread: `${lib.fmt(c.p25)}–${lib.fmt(c.p75)} ms`,
        baseline:
          `node -e 0 ${lib.fmt(n.median)} ms CPU (IQR ${lib.fmt(n.p25)}–${lib.fmt(n.p75)})` +
          (o ? `; older build ${lib.fmt(o.median)} ms CPU with ${oldEv.processes} process(es) (IQR ${lib.fmt(o.p25)}–${lib.fmt(o.p75)}), now/older ${lib.fmt(c.median / o.median)}×` : ''),
        ratio: c.median / n.median,
        ...(o ? { olderRatio: o.median / n.median } : {}),
        ...(name.startsWith('one Bash') ? { target: '≤ 2.5×' } : {}),
      });
    }
    // The Bash call's floor as code (see compileFloor), alternated with `node -e 0` in rounds of its own
    floorScript ??= now.floor();
    const floors = [];
    const floorNodes = [];
    for (let i = 0; i < rounds + 3; i++) {
      const f = run(floorScript.script, now.repo);
      const n = run(nodeScript, now.repo);
      if (i < 3) continue;
      floors.push(f);
      floorNodes.push(n);
    }
    const f = lib.stats(floors);
    const fn = lib.stats(floorNodes);
    rows.push({
      name: `one Bash tool call, floor: its ${floorScript.processes} processes only compiling the code they load, running none of it (${label})`,
      value: f.median,
      unit: 'ms CPU median',
      spread: `${lib.fmt(f.p25)}–${lib.fmt(f.p75)} ms`,
      baseline: `node -e 0 ${lib.fmt(fn.median)} ms CPU (IQR ${lib.fmt(fn.p25)}–${lib.fmt(fn.p75)})`,
      ratio: f.median / fn.median,
    });
  }
  rmSync(dir, { recursive: true, force: true });
  return rows;
};
