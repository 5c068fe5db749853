/**
 * The deploy path of the push gate before the claim (issue 12: a deploy push under load spent most of its 4 s budget
 * waiting on git start-ups one after another). The gate asks the same probes and reaches the same verdict; what
 * changed is that independent git reads overlap: the identity probe's `git config user.email` starts with the refs
 * probe, and the default push remote's three `git config` keys are read at once (first set one wins, in order).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Git } from '@arbiter/kernel';
import { fakeClock, memoryLaneStore } from '@arbiter/io-memory';
import { nodeGit } from '@arbiter/io-node';
import { runGate } from '../packages/hooks/src/hook/push-gate.js';

const root = mkdtempSync(join(tmpdir(), 'arbiter-pg-deploy-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const env = { ...process.env, ARBITER_STATE_DIR: join(root, 'state'), GIT_CONFIG_NOSYSTEM: '1', HOME: root };
const sh = (cwd: string, args: string[]) => execFileSync('git', args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });

const repo = (name: string, config: Array<[string, string]> = []): string => {
  const dir = join(root, name);
  sh(root, ['init', '-q', '--bare', '-b', 'main', `${dir}.git`]);
  sh(root, ['init', '-q', '-b', 'main', dir]);
  sh(dir, ['-c', 'user.email=a@example.com', '-c', 'user.name=a', 'commit', '-q', '--allow-empty', '-m', 'x']);
  sh(dir, ['remote', 'add', 'origin', `${dir}.git`]);
  sh(dir, ['push', '-q', 'origin', 'main']);
  for (const [k, v] of config) sh(dir, ['config', k, v]);
  mkdirSync(join(dir, '.arbiter'), { recursive: true });
  writeFileSync(join(dir, '.arbiter', 'config.json'), '{"version":1}');
  return dir;
};

/** The real Git port, recording when each `configGet` and `refsFacts` call starts and ends. */
const recording = (): { git: Git; events: string[] } => {
  const real = nodeGit({ env });
  const events: string[] = [];
  const wrap =
    <A extends unknown[], R>(name: (...a: A) => string, f: (...a: A) => () => Promise<R>) =>
    (...a: A) =>
    async () => {
      events.push(`start ${name(...a)}`);
      const r = await f(...a)();
      events.push(`end ${name(...a)}`);
      return r;
    };
  return {
    events,
    git: {
      ...real,
      configGet: wrap((_c: string, k: string) => `config ${k}`, real.configGet),
      refsFacts: wrap((_c: string, _e: ReadonlyArray<string>, _g?: ReadonlyArray<string>) => 'refs', real.refsFacts),
    },
  };
};

const run = (dir: string, git: Git) =>
  runGate(
    { mode: 'agent', agent: 'claude', payload: { session_id: 'dp', cwd: dir, tool_name: 'Bash', tool_input: { command: 'git push origin main' }, tool_use_id: 't1' }, dry_run: false, break_glass: false, break_glass_reason: null },
    { git, env, cwd: dir, elapsed: () => 0, store: () => memoryLaneStore({ clock: fakeClock() }) },
  );

describe('push gate deploy path before the claim', () => {
  it('the identity read of user.email starts with the refs probe, not after it, and runs once', async () => {
    const dir = repo('overlap');
    const { git, events } = recording();
    const r = await run(dir, git);
    expect(r.verdict.reason).toBe('claimed');
    expect(r.probes.map((p) => p.name)).toEqual(['repo', 'refs', 'identity', 'claim', 'compat', 'state']);
    expect(events.filter((e) => e === 'start config user.email')).toHaveLength(1);
    expect(events.indexOf('start config user.email')).toBeLessThan(events.indexOf('end refs'));
  });

  it('the default push remote: the three keys are read at once, and the first set one wins in order', async () => {
    const cases: Array<[Array<[string, string]>, string]> = [
      [[], 'origin'],
      [[['branch.main.remote', 'up']], 'up'],
      [[['branch.main.remote', 'up'], ['remote.pushDefault', 'pd']], 'pd'],
      [[['branch.main.remote', 'up'], ['remote.pushDefault', 'pd'], ['branch.main.pushRemote', 'pr']], 'pr'],
    ];
    let i = 0;
    for (const [config, want] of cases) {
      const dir = repo(`remote-${i++}`, config);
      const { git, events } = recording();
      const r = await run(dir, git);
      expect(r.facts.refs?.default_remote).toBe(want);
      const keys = ['branch.main.pushRemote', 'remote.pushDefault', 'branch.main.remote'];
      const firstEnd = Math.min(...keys.map((k) => events.indexOf(`end config ${k}`)));
      for (const k of keys) expect(events.indexOf(`start config ${k}`)).toBeLessThan(firstEnd);
    }
  });
});
