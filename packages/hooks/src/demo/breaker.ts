/**
 * Demo section: the per-agent circuit breaker driven by a shell-style convoy runner through `arbiter breaker`
 * (issue 5): failures trip the breaker, work routes to the fallback, one probe after the cooldown, a second task
 * defers while the probe runs, the probe's success closes it, and a corrupt book stops dispatch until a reset.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DemoContext } from './context.js';

/** Run the section. */
export const run = async (ctx: DemoContext): Promise<void> => {
  ctx.heading('Circuit breaker: a flaky agent taken out of rotation and let back in with one probe');
  const repo = ctx.makeRepo(join(ctx.tmp, 'convoy'));
  mkdirSync(join(repo, '.arbiter'), { recursive: true });
  writeFileSync(join(repo, '.arbiter', 'config.json'), JSON.stringify({ version: 1, breaker: { threshold: 2, cooldown_ms: 1500, fallback_agent: 'senior-dev' } }, null, 2) + '\n');
  ctx.say('breaker: threshold 2, cooldown 1.5 s, fallback senior-dev (in .arbiter/config.json)');
  const b = (args: ReadonlyArray<string>) => ctx.arbiter(['breaker', ...args], { cwd: repo });
  ctx.verdict('record: developer failed task t1 for good', b(['record', '--agent', 'developer', '--outcome', 'failure', '--task', 't1']));
  ctx.verdict('record: developer failed task t2 for good', b(['record', '--agent', 'developer', '--outcome', 'failure', '--task', 't2']));
  ctx.verdict('can-assign t3 to developer (exit 4: route to the fallback)', b(['can-assign', '--agent', 'developer', '--task', 't3']));
  ctx.verdict('can-assign t3 to developer without a fallback (exit 3: skip)', b(['can-assign', '--agent', 'developer', '--task', 't3', '--fallback', 'developer']));
  await new Promise((r) => setTimeout(r, 1_600));
  ctx.verdict('after the cooldown: can-assign t4 (the single probe)', b(['can-assign', '--agent', 'developer', '--task', 't4']));
  ctx.verdict('can-assign t5 while t4 probes (exit 3: defer)', b(['can-assign', '--agent', 'developer', '--task', 't5', '--fallback', 'developer']));
  ctx.verdict('record: t4 succeeded', b(['record', '--agent', 'developer', '--outcome', 'success', '--task', 't4']));
  ctx.verdict('can-assign t5 again', b(['can-assign', '--agent', 'developer', '--task', 't5']));
  const dir = join(ctx.env['ARBITER_STATE_DIR'] as string, 'repos');
  const key = readdirSync(dir).find((k) => readdirSync(join(dir, k)).includes('breaker'));
  if (key !== undefined) {
    const bd = join(dir, key, 'breaker');
    const g = Math.max(...readdirSync(bd).filter((n) => /^book\.json\.\d+$/.test(n)).map((n) => Number(n.slice(10))));
    writeFileSync(join(bd, `book.json.${g + 1}`), '{"version":1,"agents":{');
    ctx.verdict('a corrupt book (fail-closed, exit 1)', b(['can-assign', '--agent', 'developer', '--task', 't6']));
    ctx.verdict('operator: arbiter breaker reset', b(['reset']));
    ctx.verdict('can-assign t6', b(['can-assign', '--agent', 'developer', '--task', 't6']));
  }
};
