// Landing queue (issue 13, "Speed"): land BENCH_LAND_N (default 8) branches from as many clones onto one main with a
// BENCH_LAND_CHECK_S (default 2) second check, once through `arbiter land` (all started at once) and once with the
// loop agents use today, measured in the same run on a fresh remote each: check, push; on a rejection
// `git pull --rebase`, run the check again, push again. Reported for both: wall time, pushes attempted, checks run
// and commits lost (changes missing from main at the end; target 0).
import { execFile, spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** git with an argument array (no shell); resolves with the exit code. */
const git = (cwd, args, env) =>
  new Promise((res) => execFile('git', args, { cwd, env }, (err, stdout) => res({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : -1, stdout })));

/** A bare remote with one commit and `n` clones sharing one lane store, each with a commit adding its own file. */
const world = async (base, n, env) => {
  mkdirSync(base, { recursive: true });
  const remote = join(base, 'remote.git');
  await git(base, ['init', '-q', '--bare', '-b', 'main', remote], env);
  const seed = join(base, 'seed');
  await git(base, ['init', '-q', '-b', 'main', seed], env);
  await git(seed, ['commit', '-q', '--allow-empty', '-m', 'c0'], env);
  await git(seed, ['push', '-q', remote, 'main'], env);
  const clones = [];
  for (let i = 0; i < n; i++) {
    const dir = join(base, `c${i}`);
    await git(base, ['clone', '-q', remote, dir], env);
    mkdirSync(join(dir, '.arbiter'), { recursive: true });
    writeFileSync(join(dir, '.arbiter', 'config.json'), JSON.stringify({ version: 1, lanes: { store: { kind: 'embedded', dir: join(base, 'lanes') } } }));
    writeFileSync(join(dir, `f${i}.txt`), `${i}\n`);
    await git(dir, ['add', `f${i}.txt`], env);
    await git(dir, ['commit', '-q', '-m', `change ${i}`], env);
    clones.push(dir);
  }
  return { remote, clones };
};

/** Changes missing from the remote's main. */
const lost = async (remote, n, env) => {
  const subjects = new Set((await git(remote, ['log', '--format=%s', 'main'], env)).stdout.split('\n'));
  return Array.from({ length: n }, (_, i) => `change ${i}`).filter((s) => !subjects.has(s)).length;
};

export default async ({ bin }) => {
  const n = Number(process.env.BENCH_LAND_N ?? 8);
  const checkS = Number(process.env.BENCH_LAND_CHECK_S ?? 2);
  const root = mkdtempSync(join(tmpdir(), 'arbiter-bench-land-'));
  const env = {
    ...process.env,
    ARBITER_STATE_DIR: join(root, 'state'),
    HOME: join(root, 'home'),
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_AUTHOR_NAME: 'B',
    GIT_AUTHOR_EMAIL: 'b@example.invalid',
    GIT_COMMITTER_NAME: 'B',
    GIT_COMMITTER_EMAIL: 'b@example.invalid',
  };
  mkdirSync(env.HOME, { recursive: true });
  try {
    // ── through the queue
    const q = await world(join(root, 'queue'), n, env);
    const counter = join(root, 'queue-checks.txt');
    writeFileSync(counter, '');
    const t0 = performance.now();
    const runs = await Promise.all(
      q.clones.map(
        (dir, i) =>
          new Promise((res) => {
            const c = spawn(process.execPath, [bin, 'land', '--check', `echo x >> ${JSON.stringify(counter)}; sleep ${checkS}`], { cwd: dir, env: { ...env, ARBITER_SESSION: `bench-${i}` }, stdio: ['ignore', 'ignore', 'pipe'] });
            let err = '';
            c.stderr.on('data', (d) => (err += d.toString()));
            c.on('close', (code) => res({ code, pushes: (err.match(/arbiter land: pushing /g) ?? []).length }));
          }),
      ),
    );
    const queueMs = performance.now() - t0;
    const queueChecks = readFileSync(counter, 'utf8').split('\n').filter((l) => l !== '').length;
    const queuePushes = runs.reduce((a, r) => a + r.pushes, 0);
    const queueLost = await lost(q.remote, n, env);
    const queueFailed = runs.filter((r) => r.code !== 0).length;

    // ── the naive loop: check, push; on rejection pull --rebase, check again, push again
    const v = await world(join(root, 'naive'), n, env);
    let naiveChecks = 0;
    let naivePushes = 0;
    const t1 = performance.now();
    const naive = await Promise.all(
      v.clones.map(async (dir) => {
        for (let round = 0; round < 4 * n; round++) {
          naiveChecks++;
          appendFileSync(join(root, 'naive-checks.txt'), 'x\n');
          await sleep(checkS * 1000);
          naivePushes++;
          if ((await git(dir, ['push', '-q', 'origin', 'HEAD:main'], env)).code === 0) return true;
          if ((await git(dir, ['pull', '-q', '--rebase', 'origin', 'main'], env)).code !== 0) {
            await git(dir, ['rebase', '--abort'], env);
            return false;
          }
        }
        return false;
      }),
    );
    const naiveMs = performance.now() - t1;
    const naiveLost = await lost(v.remote, n, env);
    const naiveFailed = naive.filter((x) => !x).length;
    const label = `${n} branches, ${checkS} s check`;
    return [
      { name: `arbiter land: wall time (${label})`, value: queueMs / 1000, unit: 's', baseline: `naive loop ${(naiveMs / 1000).toFixed(1)} s`, ratio: queueMs / naiveMs },
      { name: 'arbiter land: checks run', value: queueChecks, unit: 'checks', baseline: `naive loop ${naiveChecks}`, ratio: queueChecks / Math.max(1, naiveChecks), target: `< naive, ≥ ${n}` },
      { name: 'arbiter land: pushes attempted', value: queuePushes, unit: 'pushes', baseline: `naive loop ${naivePushes}` },
      { name: 'arbiter land: commits lost', value: queueLost, unit: 'commits', baseline: `naive loop ${naiveLost}`, target: '0' },
      { name: 'arbiter land: runs that did not land', value: queueFailed, unit: 'runs', baseline: `naive loop ${naiveFailed}`, target: '0' },
    ];
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
};
