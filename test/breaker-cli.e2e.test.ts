/**
 * End-to-end: the built `arbiter breaker` binary on real files in a real git repository (run `npm run build`
 * first). Covers every subcommand, the documented exit codes, the book's location in the repository's runtime
 * state, configuration from `.arbiter/config.json`, a corrupt book and the decision log.
 */
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const BIN = resolve(__dirname, '../packages/hooks/dist/arbiter.cjs');
let root = '';
let repo = '';
let env: NodeJS.ProcessEnv = {};

const arb = (args: string[], extraEnv: NodeJS.ProcessEnv = {}, cwd = repo) => {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, env: { ...env, ...extraEnv }, encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const writeConfig = (breaker: unknown) => {
  mkdirSync(join(repo, '.arbiter'), { recursive: true });
  writeFileSync(join(repo, '.arbiter', 'config.json'), JSON.stringify({ version: 1, breaker }));
};

beforeAll(() => {
  expect(existsSync(BIN), 'run `npm run build` first').toBe(true);
  root = mkdtempSync(join(tmpdir(), 'arbiter-breaker-e2e-'));
  repo = join(root, 'repo');
  mkdirSync(repo);
  execFileSync('git', ['init', '-q', repo]);
  const { ARBITER_STATE_DIR: _a, XDG_STATE_HOME: _x, ...rest } = process.env;
  env = { ...rest, HOME: join(root, 'home') };
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('arbiter breaker (e2e)', () => {
  it('trips after the configured threshold, refuses (3), routes to a fallback (4), admits one probe, closes on its success', async () => {
    // a cooldown far longer than any run of this test, so the refusals below are inside it whatever the machine's load
    writeConfig({ threshold: 2, cooldown_ms: 3_600_000 });
    expect(arb(['breaker', 'can-assign', '--agent', 'dev', '--task', 't0'])).toMatchObject({ code: 0, stdout: 'assign "dev" (admit-closed)\n' });
    expect(arb(['breaker', 'record', '--agent', 'dev', '--outcome', 'failure', '--task', 't1']).stdout).toMatch(/^breaker-failure-counted/);
    expect(arb(['breaker', 'record', '--agent', 'dev', '--outcome', 'failure', '--task', 't2']).stdout).toMatch(/^breaker-tripped/);
    // the book lives in the repository's runtime state
    const books = readdirSync(join(repo, '.git', 'arbiter', 'breaker'));
    expect(books).toContain('book.json.2');
    const refused = arb(['breaker', 'can-assign', '--agent', 'dev', '--task', 't3']);
    expect(refused.code).toBe(3);
    expect(refused.stdout).toMatch(/^refuse skip \(refuse-cooling, retry after \d+ ms\)/);
    const routed = arb(['breaker', 'can-assign', '--agent', 'dev', '--task', 't3', '--fallback', 'helper']);
    expect(routed.code).toBe(4);
    expect(routed.stdout.split('\n')[0]).toBe('route to helper');
    // the cooldown is read from the configuration at each call: shortening it lets the breaker admit its probe now
    writeConfig({ threshold: 2, cooldown_ms: 1 });
    await sleep(5);
    expect(arb(['breaker', 'can-assign', '--agent', 'dev', '--task', 'p1'])).toMatchObject({ code: 0, stdout: 'assign "dev" (admit-probe)\n' });
    const second = arb(['breaker', 'can-assign', '--agent', 'dev', '--task', 'p2']);
    expect(second.code).toBe(3);
    expect(second.stdout).toMatch(/^refuse defer \(refuse-probe-in-flight/);
    expect(arb(['breaker', 'can-assign', '--agent', 'dev', '--task', 'p1']).stdout).toBe('assign "dev" (admit-probe-again)\n');
    expect(arb(['breaker', 'record', '--agent', 'dev', '--outcome', 'success', '--task', 'p2']).stdout).toMatch(/^breaker-late-success/);
    expect(arb(['breaker', 'record', '--agent', 'dev', '--outcome', 'success', '--task', 'p1']).stdout).toMatch(/^breaker-closed/);
    const status = JSON.parse(arb(['breaker', 'status', '--json']).stdout);
    expect(status.agents).toEqual({});
    // every verdict went to the decision log
    const log = arb(['log', '--policy', 'breaker', '--json']);
    const verdicts = log.stdout.trim().split('\n').map((l) => JSON.parse(l).verdict);
    expect(verdicts).toEqual(expect.arrayContaining(['breaker-tripped', 'Refuse', 'RouteToFallback', 'Assign', 'breaker-closed']));
  });

  it('status prints states; a probe release frees the slot', () => {
    writeConfig({ threshold: 1, cooldown_ms: 0 });
    arb(['breaker', 'record', '--agent', 'ops', '--outcome', 'failure']);
    expect(arb(['breaker', 'status', '--agent', 'ops']).stdout).toMatch(/^"ops": open since \d{4}-/);
    expect(arb(['breaker', 'can-assign', '--agent', 'ops', '--task', 'a']).code).toBe(0);
    expect(arb(['breaker', 'record', '--agent', 'ops', '--outcome', 'probe-released', '--task', 'a']).stdout).toMatch(/^breaker-probe-released/);
    expect(arb(['breaker', 'can-assign', '--agent', 'ops', '--task', 'b']).stdout).toBe('assign "ops" (admit-probe)\n');
  });

  it('a corrupt book stops everything with exit 1 until `reset`', () => {
    const dir = join(repo, '.git', 'arbiter', 'breaker');
    const g = Math.max(...readdirSync(dir).filter((n) => /^book\.json\.\d+$/.test(n)).map((n) => Number(n.slice(10))));
    writeFileSync(join(dir, `book.json.${g + 1}`), '{"version":1,"agents":');
    for (const args of [['breaker', 'status'], ['breaker', 'can-assign', '--agent', 'dev'], ['breaker', 'record', '--agent', 'dev', '--outcome', 'success']]) {
      const r = arb(args);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('breaker-book-unreadable');
    }
    expect(arb(['breaker', 'reset'])).toMatchObject({ code: 0, stdout: 'reset: empty breaker book written (every agent closed)\n' });
    expect(arb(['breaker', 'can-assign', '--agent', 'dev']).code).toBe(0);
  });

  it('reset --agent drops one entry', () => {
    writeConfig({ threshold: 1 });
    arb(['breaker', 'record', '--agent', 'a1', '--outcome', 'failure']);
    arb(['breaker', 'record', '--agent', 'a2', '--outcome', 'failure']);
    expect(arb(['breaker', 'reset', '--agent', 'a1']).code).toBe(0);
    expect(Object.keys(JSON.parse(arb(['breaker', 'status', '--json']).stdout).agents)).toEqual(['a2']);
  });

  it('an invalid breaker configuration is exit 1; usage errors are exit 2', () => {
    writeConfig({ threshold: 0 });
    expect(arb(['breaker', 'can-assign', '--agent', 'dev'])).toMatchObject({ code: 1 });
    writeConfig({});
    expect(arb(['breaker', 'record', '--agent', 'dev']).code).toBe(2);
    expect(arb(['breaker', 'record', '--agent', 'dev', '--outcome', 'maybe']).code).toBe(2);
    expect(arb(['breaker', 'can-assign', '--agent', 'dev', '--task', 'bad id']).code).toBe(2);
    expect(arb(['breaker', 'can-assign', '--agent', 'dev', '--threshold', 'x']).code).toBe(2);
  });

  it('ARBITER_STATE_DIR relocates the book to $ARBITER_STATE_DIR/repos/<key>/breaker; outside a repo the per-user state', () => {
    const sd = join(root, 'state');
    expect(arb(['breaker', 'record', '--agent', 'x', '--outcome', 'failure'], { ARBITER_STATE_DIR: sd }).code).toBe(0);
    const key = createHash('md5').update(realpathSync(join(repo, '.git'))).digest('hex').slice(0, 12);
    expect(readdirSync(join(sd, 'repos', key, 'breaker'))).toContain('book.json.1');
    const outside = join(root, 'outside');
    mkdirSync(outside, { recursive: true });
    expect(arb(['breaker', 'record', '--agent', 'y', '--outcome', 'failure'], { ARBITER_STATE_DIR: sd }, outside).code).toBe(0);
    expect(readdirSync(join(sd, 'breaker'))).toContain('book.json.1');
  });

  it('--help documents the exit codes', () => {
    const h = arb(['breaker', 'can-assign', '--help']);
    expect(h.code).toBe(0);
    expect(h.stdout).toContain('3  can-assign: refused');
    expect(h.stdout).toContain('4  can-assign: route the task to the fallback agent');
  });
});
