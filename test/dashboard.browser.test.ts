/**
 * The dashboard in a real browser (issue 14 "Proof expected"; dashboard.md): Playwright drives Debian's Chromium
 * (`/usr/bin/chromium`, installed by `.ci/run` when missing). Never skipped: without Chromium the suite fails and
 * says what to install.
 *
 * 1. The built `arbiter serve --ui --store fs:DIR` on a loopback ephemeral port, its decision log the one of a real
 *    clone configured for it: the page without a token says a token is required; with a viewer token (moved out of
 *    the address bar) it shows a lane held within 1 s of `arbiter deploy` returning and free again within 1 s of
 *    `arbiter lane release` returning; typing a policy into the timeline's filter narrows its rows; a real session
 *    (the `prompt` and `stop` hooks write the registry the page reads) is shown `working`, then `idle` within 1 s of
 *    its Stop hook returning.
 * 2. An in-process server whose snapshot source the test feeds (to place exact content): a session switches from
 *    `working` to `idle` within 1 s, hostile
 *    session ids, branches, lanes and reasons show as text (no element is made from them, no handler runs), a click
 *    on a session shows its own history, and ten thousand sessions render (the render time is printed, not asserted).
 *    With UPDATE_SCREENSHOT=1 it writes docs/dashboard.png (the README shows it).
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { DecisionLogEntry, SessionStatus, StatusSnapshot } from '@arbiter/kernel';
import { appendDecisionSync, fsLaneStore, logDirFor } from '@arbiter/io-node';
import { buildServer } from '../packages/hooks/src/serve/server.js';
import { fsTokenStore } from '../packages/hooks/src/serve/tokens.js';
import { requireBuilt, startServe, worldEnv } from './helpers/bin.js';

const CHROMIUM = process.env['ARBITER_CHROMIUM'] ?? '/usr/bin/chromium';
const BIN = resolve(__dirname, '../packages/hooks/dist/arbiter.cjs');
const UI_DIR = resolve(__dirname, '../packages/hooks/dist/ui');
/** How long a change may take to show (issue 14: within 1 s). */
const LIVE_MS = 1_000;

const root = mkdtempSync(join(tmpdir(), 'arbiter-dash-browser-'));
const env = worldEnv(root, { ARBITER_STATE_DIR: join(root, 'state') });
let browser: Browser;

const run = (cmd: string, args: string[], cwd: string, extra: NodeJS.ProcessEnv = {}) => {
  const r = spawnSync(cmd, args, { cwd, env: { ...env, ...extra }, encoding: 'utf8', timeout: 30_000 });
  return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
};
const arbiter = (args: string[], cwd: string, extra: NodeJS.ProcessEnv = {}) => run(process.execPath, [BIN, ...args], cwd, extra);

beforeAll(async () => {
  requireBuilt();
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: the dashboard's browser test needs it (apt-get install chromium); it is never skipped`);
  if (!existsSync(join(UI_DIR, 'app.js'))) throw new Error(`missing ${UI_DIR}/app.js: run \`npm run build\` first (npm test does)`);
  mkdirSync(join(root, 'home'), { recursive: true });
  // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'], headless: true });
});
afterAll(async () => {
  await browser?.close();
  rmSync(root, { recursive: true, force: true });
});

// Predicates run in the page. Functions, not strings: the page's CSP forbids eval, which a string predicate needs.
// The test's tsconfig has no DOM library, so the page's globals are reached through `globalThis`, loosely typed.
/* eslint-disable @typescript-eslint/no-explicit-any */
type Pred<A> = (arg: A) => boolean;

/** Wait until `fn(arg)` (run in the page) is true, at most `ms` from now. @returns ms it took. */
const within = async <A>(page: Page, ms: number, fn: Pred<A>, arg: A): Promise<number> => {
  const pred = fn as (arg: unknown) => boolean;
  const t0 = performance.now();
  await page.waitForFunction(pred, arg as unknown, { timeout: ms, polling: 'raf' });
  return performance.now() - t0;
};

/** The second cell of the row of `table` whose cell `col` is `key` is `want`. */
const cellIs: Pred<[string, number, string, number, string]> = ([table, col, key, at, want]) => {
  const d = (globalThis as any).document;
  for (const tr of d.querySelectorAll(`#${table} tr`)) if (tr.cells[col].textContent === key) return tr.cells[at].textContent === want;
  return false;
};
const laneHeldBy = (lane: string, want: string): [string, number, string, number, string] => ['t-lanes', 0, lane, 1, want];
const sessionShown = (id: string, want: string): [string, number, string, number, string] => ['t-sessions', 1, id, 0, want];
const live: Pred<null> = () => {
  const d = (globalThis as any).document;
  return d.body.dataset.ready === '1' && d.querySelector('#conn').dataset.conn === 'live';
};
const textIs: Pred<[string, string]> = ([sel, want]) => (globalThis as any).document.querySelector(sel)?.textContent === want;
const countIs: Pred<[string, number]> = ([sel, n]) => (globalThis as any).document.querySelectorAll(sel).length === n;
const countAtLeast: Pred<[string, number]> = ([sel, n]) => (globalThis as any).document.querySelectorAll(sel).length >= n;

describe('the built arbiter serve --ui with a clone configured for it', () => {
  let child: ChildProcess;
  let url = '';
  let viewer = '';
  let member = '';
  const STORE = join(root, 'served');
  const clone = join(root, 'clone');

  beforeAll(async () => {
    viewer = arbiter(['token', 'create', '--member', 'watcher', '--role', 'viewer', '--store', `fs:${STORE}`], root).stdout.trim();
    member = arbiter(['token', 'create', '--member', 'ana@example.com', '--store', `fs:${STORE}`], root).stdout.trim();
    expect(viewer).toMatch(/^arv_/);
    const remote = join(root, 'remote.git');
    run('git', ['init', '-q', '--bare', '-b', 'main', remote], root);
    run('git', ['clone', '-q', remote, clone], root);
    run('git', ['commit', '-q', '--allow-empty', '-m', 'init'], clone);
    run('git', ['push', '-q', 'origin', 'main'], clone);
    // the service's decision log is the one of the repository it runs in: this clone's
    ({ child, url } = await startServe(['--ui', '--listen', '127.0.0.1:0', '--store', `fs:${STORE}`], { cwd: clone, env }));
    mkdirSync(join(clone, '.arbiter'), { recursive: true });
    writeFileSync(join(clone, '.arbiter', 'config.json'), JSON.stringify({ version: 1, lanes: { store: { kind: 'http', url, token_env: 'ARBITER_TOKEN' } } }));
    // decisions of two other policies, one with a hostile session id, so the timeline has rows to narrow
    const dir = logDirFor(clone, env);
    const now = Date.now();
    const e = (policy: string, verdict: string, session: string, i: number): DecisionLogEntry => ({
      decision_id: `01JDASH${String(i).padStart(19, '0')}`,
      policy,
      policy_version: '1',
      timestamp: new Date(now - 60_000 + i).toISOString(),
      mode: 'agent:claude',
      facts: { session_id: session },
      verdict,
      reasons: ['<b>bold?</b>'],
      effects: [],
      probes: [],
      duration_ms: 1,
      masked: [],
    });
    expect(appendDecisionSync(dir, [e('session-lock', 'Block', '<img src=x onerror="window.__pwned=1">', 1), e('stop-gate', 'Allow', 's-2', 2), e('session-lock', 'Allow', 's-3', 3)], now)).toBeNull();
  });
  afterAll(() => {
    child?.kill('SIGKILL');
  });

  it('without a token the page says a token is required (the read routes answer 401)', async () => {
    const page = await browser.newPage();
    const status = page.waitForResponse((r) => r.url().endsWith('/v1/status'));
    await page.goto(`${url}/ui`);
    expect((await status).status()).toBe(401);
    await page.getByRole('heading', { name: 'Token required' }).waitFor({ timeout: 5_000 });
    expect(await page.locator('#main').isHidden()).toBe(true);
    await page.close();
  });

  it('shows a lane held within 1 s of arbiter deploy, free within 1 s of its release; the timeline filter narrows', async () => {
    const page = await browser.newPage();
    await page.goto(`${url}/ui?token=${viewer}`);
    // the page is live (its event stream delivered the first snapshot) before the change is made
    await within(page, 10_000, live, null);
    expect(new URL(page.url()).search).toBe(''); // the token left the address bar
    expect(await page.evaluate(() => (globalThis as any).sessionStorage.getItem('arbiter-token'))).toBe(viewer);

    const lane = 'deploy:dash';
    const who = { ARBITER_TOKEN: member, ARBITER_SESSION: 'sess-deploy', ARBITER_HOST: 'laptop' };
    const d = arbiter(['deploy', '--lane', lane, '--eta', '5'], clone, who);
    expect(d.code, d.stderr).toBe(0);
    const held = await within(page, LIVE_MS, cellIs, laneHeldBy(lane, 'sess-deploy'));
    const r = arbiter(['lane', 'release', lane], clone, who);
    expect(r.code, r.stderr).toBe(0);
    const freed = await within(page, LIVE_MS, cellIs, laneHeldBy(lane, 'free'));
    process.stdout.write(`dashboard: lane held shown ${held.toFixed(0)} ms after deploy returned, free ${freed.toFixed(0)} ms after release returned\n`);

    // the timeline: every decision, then only the policy typed in
    await within(page, 5_000, countAtLeast, ['#t-timeline tr', 4]);
    const policies = async () => page.$$eval('#t-timeline tr', (rows) => rows.map((tr) => (tr as unknown as { cells: { textContent: string }[] }).cells[1]?.textContent));
    const all = await policies();
    expect(new Set(all).size).toBeGreaterThan(1);
    await page.fill('#f-policy', 'session-lock');
    await within(page, 5_000, (p: string) => [...(globalThis as any).document.querySelectorAll('#t-timeline tr')].every((tr: any) => tr.cells[1].textContent === p), 'session-lock');
    const narrowed = await policies();
    expect(narrowed.length).toBe(2);
    expect(narrowed.length).toBeLessThan(all.length);
    // the hostile session id of a logged decision is text, not an element, and ran nothing
    expect(await page.locator('#t-timeline td', { hasText: '<img src=x onerror="window.__pwned=1">' }).count()).toBe(1);
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as any).__pwned)).toBeUndefined();
    await page.close();
  });

  it('a real session: working after its prompt, idle within 1 s of its Stop payload (the hooks write the registry the page reads)', async () => {
    const page = await browser.newPage();
    await page.goto(`${url}/ui?token=${viewer}`);
    await within(page, 10_000, live, null);
    const id = 'sess-real-stop';
    const hook = (event: string, payload: object) =>
      spawnSync(process.execPath, [BIN, 'hook', event, '--agent', 'claude'], { cwd: clone, env: { ...env, ARBITER_HOST: 'laptop' }, input: JSON.stringify(payload), encoding: 'utf8', timeout: 30_000 });
    const p = hook('prompt', { session_id: id, cwd: clone, hook_event_name: 'UserPromptSubmit', prompt: 'ship the fix' });
    expect(p.status, p.stderr).toBe(0);
    await within(page, 5_000, cellIs, sessionShown(id, 'working'));
    const s = hook('stop', { session_id: id, cwd: clone, hook_event_name: 'Stop', stop_hook_active: false });
    expect(s.status, s.stderr).toBe(0);
    const ms = await within(page, LIVE_MS, cellIs, sessionShown(id, 'idle'));
    process.stdout.write(`dashboard: a real session shown idle ${ms.toFixed(0)} ms after its Stop hook returned\n`);
    await page.close();
  });
});

describe('an in-process server fed with exact sessions (hostile strings, history, scale)', () => {
  const HOSTILE = '<img src=x onerror="window.__pwned=1">';
  const base = Date.now();
  const session = (id: string, over: Partial<SessionStatus> = {}): SessionStatus => ({
    v: 1,
    session: id,
    agent: 'claude',
    host: 'laptop',
    workspace: '/work/app/.git',
    worktree: '/work/app',
    branch: 'feature/search',
    state: 'working',
    shown: 'working',
    lastEvent: 'pre-tool',
    lastEventAt: base - 5_000,
    lastTool: 'Bash',
    firstSeenAt: base - 600_000,
    stateSince: base - 90_000,
    holds: { lock: false, lanes: [], builds: [], commitments: 0, halts: [] },
    ...over,
  });
  const showcase = (): StatusSnapshot => ({
    v: 1,
    at: Date.now(),
    repo: '/work/app',
    sessions: [
      session('8c41-claude-api', { branch: 'feature/api', holds: { lock: true, lanes: [{ lane: 'deploy:staging', fence: 7 }], builds: [], commitments: 1, halts: [] } }),
      session('2f9a-codex-ui', { agent: 'codex', branch: 'fix/login', state: 'waiting', shown: 'waiting', lastEvent: 'notification', lastTool: null, stateSince: base - 240_000 }),
      session('77b0-claude-docs', { branch: 'docs/guide', state: 'idle', shown: 'idle', lastEvent: 'stop', lastTool: null, stateSince: base - 1_200_000 }),
      session(HOSTILE, { branch: '<script>window.__pwned=2</script>', agent: 'cli' }),
    ],
    lanes: [
      { lane: 'deploy:staging', holder: '8c41-claude-api', fence: 7, leaseLeftMs: 840_000, queue: ['2f9a-codex-ui'] },
      { lane: 'deploy:prod', holder: null, fence: 12, leaseLeftMs: null, queue: [] },
      { lane: `deploy:${HOSTILE}`, holder: null, fence: 1, leaseLeftMs: null, queue: [] },
    ],
    halts: [{ target: '2f9a-codex-ui', by: 'ana@example.com', reason: 'prod incident, hold pushes', at: base - 300_000 }],
    commitments: [{ session: '8c41-claude-api', text: 'run the migration tests before pushing', at: base - 400_000 }],
    builds: [{ session: '8c41-claude-api', name: 'web', state: 'running', at: base - 60_000 }],
    stopGate: { mode: 'strict' },
    recent: [{ at: base - 120_000, policy: 'push-gate', verdict: 'Block', reason: `lane held by 8c41-claude-api ${HOSTILE}`, session: '2f9a-codex-ui', lane: 'deploy:staging' }],
    unavailable: [],
  });
  const decisions: DecisionLogEntry[] = ['session-lock', 'push-gate', 'stop-gate', 'push-gate'].map((policy, i) => ({
    decision_id: `01JSHOW${String(i).padStart(19, '0')}`,
    policy,
    policy_version: '1',
    timestamp: new Date(base - 200_000 + i * 30_000).toISOString(),
    mode: 'agent:claude',
    facts: { session_id: i % 2 === 0 ? '8c41-claude-api' : '2f9a-codex-ui', ...(policy === 'push-gate' ? { lane: 'deploy:staging' } : {}) },
    verdict: policy === 'push-gate' && i === 1 ? 'Block' : 'Allow',
    reasons: [policy === 'push-gate' && i === 1 ? 'lane-held' : 'ok'],
    effects: [],
    probes: [],
    duration_ms: 2,
    masked: [],
  }));

  let snap = showcase();
  const dir = mkdtempSync(join(root, 'inproc-'));
  const tokens = fsTokenStore(dir);
  const app = buildServer({
    store: () => fsLaneStore(dir),
    tokens,
    log: () => undefined,
    // `at` is set when the test changes the snapshot (as a collector reads lease and clock together), so a lease's
    // end stays put between reads and an unchanged snapshot is not pushed again
    dashboard: { snapshot: async () => snap, decisions: async () => decisions, assetsDir: UI_DIR },
  });
  let url = '';
  let viewer = '';
  beforeAll(async () => {
    await app.listen({ host: '127.0.0.1', port: 0 });
    const a = app.server.address();
    url = `http://127.0.0.1:${typeof a === 'object' && a !== null ? a.port : 0}`;
    viewer = (await tokens.create('watcher', 'viewer')).token;
  });
  afterAll(async () => {
    await app.close();
  });

  const open = async (): Promise<Page> => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    await page.goto(`${url}/ui?token=${viewer}`);
    await within(page, 10_000, live, null);
    return page;
  };

  it('a session switches from working to idle within 1 s of its Stop; hostile strings stay text', async () => {
    snap = showcase();
    const page = await open();
    await within(page, 1_000, cellIs, sessionShown('8c41-claude-api', 'working'));
    // the Stop payload, as the registry would record it
    snap = { ...snap, at: Date.now(), sessions: snap.sessions.map((s) => (s.session === '8c41-claude-api' ? { ...s, state: 'idle', shown: 'idle', lastEvent: 'stop', lastTool: null, stateSince: Date.now() } : s)) };
    const ms = await within(page, LIVE_MS, cellIs, sessionShown('8c41-claude-api', 'idle'));
    process.stdout.write(`dashboard: session idle shown ${ms.toFixed(0)} ms after its Stop\n`);

    expect(await page.locator('#t-sessions td', { hasText: HOSTILE }).count()).toBe(1);
    expect(await page.locator('#t-sessions td', { hasText: '<script>window.__pwned=2</script>' }).count()).toBe(1);
    expect(await page.locator('#t-lanes td', { hasText: `deploy:${HOSTILE}` }).count()).toBe(1);
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.locator('main script').count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as any).__pwned)).toBeUndefined();

    // a session's own history on click, its id shown as text
    await page.locator('#t-sessions tr', { hasText: '2f9a-codex-ui' }).click();
    await within(page, 5_000, countIs, ['#t-history tr', 2]);
    expect(await page.textContent('#history-title')).toBe('History of session 2f9a-codex-ui');
    await page.locator('#t-sessions tr', { hasText: HOSTILE }).click();
    await within(page, 5_000, textIs, ['#history-title', `History of session ${HOSTILE}`]);
    expect(await page.locator('img').count()).toBe(0);

    // the picture in the README: the showcase state, with the first session's history open
    snap = showcase();
    await within(page, 5_000, cellIs, sessionShown('8c41-claude-api', 'working'));
    await page.locator('#t-sessions tr', { hasText: '8c41-claude-api' }).click();
    await within(page, 5_000, textIs, ['#history-title', 'History of session 8c41-claude-api']);
    const shot = process.env['UPDATE_SCREENSHOT'] === '1' ? resolve(__dirname, '../docs/dashboard.png') : join(root, 'dashboard.png');
    const png = await page.screenshot({ path: shot, fullPage: true });
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    await page.close();
  });

  it('ten thousand sessions render and the page stays responsive (times printed, not asserted)', async () => {
    snap = showcase();
    const page = await open();
    const many = Array.from({ length: 10_000 }, (_, i) => session(`s-${String(i).padStart(5, '0')}`, { branch: `topic/${i}`, shown: i % 3 === 0 ? 'idle' : 'working' }));
    const t0 = performance.now();
    snap = { ...showcase(), sessions: many }; // showcase() stamps `at`
    await within(page, 30_000, textIs, ['#n-sessions', '(10000)']);
    const shown = performance.now() - t0;
    const renderMs = Number(await page.evaluate(() => (globalThis as any).document.body.dataset.renderMs));
    // all are counted; the first 500 in order of need are rows, the rest are one filter away (dashboard.md §5 D8)
    expect(await page.evaluate(() => (globalThis as any).document.querySelectorAll('#t-sessions tr').length)).toBe(500);
    expect(await page.textContent('#more-sessions')).toMatch(/^9500 more not shown/);
    // responsive: the page answers a script at once, the filter finds the last session, a click opens its history
    const t1 = performance.now();
    await page.evaluate(() => 1 + 1);
    const evalMs = performance.now() - t1;
    const t2 = performance.now();
    await page.fill('#f-sessions', 's-09999');
    await within(page, 5_000, countIs, ['#t-sessions tr', 1]);
    const filterMs = performance.now() - t2;
    await page.locator('#t-sessions tr').first().click();
    await within(page, 5_000, textIs, ['#history-title', 'History of session s-09999']);
    await page.fill('#f-sessions', '');
    // one session starts waiting for its person: it moves to the top within 1 s of the change
    const t3 = performance.now();
    snap = { ...snap, at: Date.now(), sessions: many.map((s, i) => (i === 9_000 ? { ...s, shown: 'waiting' as const } : s)) };
    await within(page, 5_000, cellIs, sessionShown('s-09000', 'waiting'));
    const changeMs = performance.now() - t3;
    const rerenderMs = Number(await page.evaluate(() => (globalThis as any).document.body.dataset.renderMs));
    process.stdout.write(
      `dashboard: 10 000 sessions shown ${shown.toFixed(0)} ms after the change (render ${renderMs.toFixed(0)} ms), a script answered in ${evalMs.toFixed(0)} ms, ` +
        `the filter narrowed to one in ${filterMs.toFixed(0)} ms, one change shown in ${changeMs.toFixed(0)} ms (render ${rerenderMs.toFixed(0)} ms)\n`,
    );
    await page.close();
  });
});
