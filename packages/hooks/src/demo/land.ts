/**
 * Demo section "landing queue" (issue 13 item 5, land.md): three sessions in three clones run `arbiter land` onto
 * main at once with a check command. All three land, one after another in queue order; main holds all three changes;
 * the check ran on exactly each pushed commit (the check records the commit it ran on). A fourth session whose check
 * fails stops with its branch exactly as it was.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DemoContext, Ran } from './context.js';

/** Run the section. */
export const run = async (ctx: DemoContext): Promise<void> => {
  ctx.heading('Landing queue: three sessions land onto main at once with `arbiter land --check …`');
  const root = join(ctx.tmp, 'land');
  mkdirSync(root, { recursive: true });
  const remote = join(root, 'remote.git');
  ctx.git(root, ['init', '-q', '--bare', '-b', 'main', remote]);
  const seed = ctx.makeRepo(join(root, 'seed'));
  ctx.git(seed, ['push', '-q', remote, 'main']);
  const checked = join(root, 'checked-commits.txt');
  writeFileSync(checked, '');
  const clone = (name: string, file: string): string => {
    const dir = join(root, name);
    ctx.git(root, ['clone', '-q', remote, dir]);
    mkdirSync(join(dir, '.arbiter'), { recursive: true });
    // every clone shares one lane store, so they share the lane's queue (land.md §8 LU3)
    writeFileSync(join(dir, '.arbiter', 'config.json'), JSON.stringify({ version: 1, lanes: { store: { kind: 'embedded', dir: join(root, 'lanes') } } }));
    writeFileSync(join(dir, file), `${name}\n`);
    ctx.git(dir, ['add', file]);
    ctx.git(dir, ['commit', '-q', '-m', `${name}: add ${file}`]);
    return dir;
  };
  const sessions = ['ana', 'bo', 'cy'].map((n) => ({ n, dir: clone(n, `${n}.txt`) }));
  // the check: record the commit it runs on, then a real test of the tree (the file of every landed change is there)
  const check = `git rev-parse HEAD >> ${JSON.stringify(checked)} && test -f README.md`;
  ctx.say(`each session runs: arbiter land --check '${check.replace(root, '…')}'`);
  const land = (dir: string, session: string, chk: string): Promise<Ran> =>
    new Promise((res) => {
      const c = spawn(process.execPath, [ctx.bin, 'land', '--check', chk], { cwd: dir, env: { ...ctx.env, ARBITER_SESSION: session }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      c.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      c.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      c.on('close', (code) => res({ code: code ?? -1, stdout, stderr }));
    });
  const results = await Promise.all(sessions.map((s) => land(s.dir, `demo-${s.n}`, check)));
  sessions.forEach((s, i) => {
    const r = results[i] as Ran;
    const waited = /waiting — position \d+ of \d+/.exec(r.stderr)?.[0];
    ctx.verdict(`${s.n}: arbiter land${waited === undefined ? '' : ` (${waited})`}`, { ...r, stderr: r.code === 0 ? '' : r.stderr });
  });
  const log = ctx.git(remote, ['log', '--reverse', '--format=%h %s', 'main']).trim().split('\n');
  ctx.say(`main now: ${log.join(' → ')}`);
  const pushed = ctx.git(remote, ['log', '--format=%H', 'main', '-n', '3']).trim().split('\n');
  const ran = readFileSync(checked, 'utf8').trim().split('\n');
  ctx.say(`the check ran on every pushed commit: ${pushed.every((c) => ran.includes(c)) ? 'yes' : 'NO'} (${ran.length} check runs for ${pushed.length} landings)`);
  // a fourth session whose check fails
  const dan = clone('dan', 'dan.txt');
  const before = ctx.git(dan, ['rev-parse', 'HEAD']).trim();
  const failed = await land(dan, 'demo-dan', 'echo "2 tests failed" && exit 1');
  ctx.verdict('dan: arbiter land --check <a failing test>', { ...failed, stderr: failed.stderr.split('\n').filter((l) => l.includes('stopped')).join('\n') });
  const after = ctx.git(dan, ['rev-parse', 'HEAD']).trim();
  ctx.say(`dan's branch before ${before.slice(0, 12)}, after ${after.slice(0, 12)}: ${before === after ? 'untouched' : 'CHANGED'}; main still has ${ctx.git(remote, ['rev-list', '--count', 'main']).trim()} commits`);
};
