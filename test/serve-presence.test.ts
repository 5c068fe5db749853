/**
 * The session registry through `arbiter serve` (presence.md §9), in-process on an ephemeral loopback port: the ONE
 * PresenceStore contract suite (unchanged) against http → fs (the served store's clock stamps every sighting, so
 * PR-P4 holds whatever the client's clock says); the routes' roles (viewer lists, never records; no token 401); body
 * validation; the store failure → status → client kind mapping; the client's own failure kinds (no retry of
 * `record`); the dashboard's registry (the served store's, merged with the local one); and the built binary's
 * wiring (`arbiter serve --ui --store fs:DIR` records into DIR/sessions with its own clock and shows the sessions).
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { fakeClock, memoryPresenceStore, type FakeClock } from '@arbiter/io-memory';
import { presence as P, type HttpRequest, type PresenceStore } from '@arbiter/kernel';
import { fsLaneStore, fsPresenceStore, httpPresenceStore, presenceFailureOfStatus, presenceFileName, PRESENCE_ROUTES, sessionsDir } from '@arbiter/io-node';
import { buildServer, PRESENCE_BODY_LIMIT } from '../packages/hooks/src/serve/server.js';
import { fsTokenStore } from '../packages/hooks/src/serve/tokens.js';
import { laneSnapshot } from '../packages/hooks/src/serve/lane-snapshot.js';
import { presenceRegistrySource } from '../packages/hooks/src/serve/presence-registry.js';
import { presenceStoreContract, sighting } from './contract/presence-store.contract.js';
import { requireBuilt, startServe, worldEnv } from './helpers/bin.js';

const dirs: string[] = [];
const tmp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'arbiter-serve-presence-'));
  dirs.push(d);
  return d;
};
const apps: { close: () => Promise<unknown> }[] = [];
afterAll(async () => {
  for (const a of apps) await a.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** One in-process server whose presence store is `presence()` at each call. @returns its URL and tokens by role. */
const serve = async (presence: () => PresenceStore, storeTimeoutMs?: number) => {
  const dir = tmp();
  const tokens = fsTokenStore(dir);
  const app = buildServer({
    store: () => fsLaneStore(dir),
    tokens,
    presence: { record: (s) => presence().record(s), list: () => presence().list() },
    log: () => undefined,
    ...(storeTimeoutMs === undefined ? {} : { limits: { storeTimeoutMs } }),
  });
  apps.push(app);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const a = app.server.address();
  const url = `http://127.0.0.1:${typeof a === 'object' && a !== null ? a.port : 0}`;
  const revoked = await tokens.create('gone@example.com', 'member');
  await tokens.revoke(revoked.id);
  return {
    url,
    owner: (await tokens.create('boss@example.com', 'owner')).token,
    member: (await tokens.create('ana@example.com', 'member')).token,
    viewer: (await tokens.create('watcher', 'viewer')).token,
    revoked: revoked.token,
  };
};

// ── the contract, http → fs: each `make` points the one server at a fresh registry directory and its clock ──
let current: PresenceStore | null = null;
let contract: Awaited<ReturnType<typeof serve>>;
beforeAll(async () => {
  contract = await serve(() => current as PresenceStore);
});
presenceStoreContract('http → fs (arbiter serve in-process)', async (clock: FakeClock) => {
  const dir = tmp();
  current = fsPresenceStore(dir, clock);
  const file = (s: string): string => join(sessionsDir(dir), presenceFileName(s));
  return {
    store: httpPresenceStore({ url: contract.url, token: contract.member }),
    injectRaw: async (s, raw) => {
      mkdirSync(sessionsDir(dir), { recursive: true });
      writeFileSync(file(s), raw);
    },
    peekRaw: async (s) => (existsSync(file(s)) ? readFileSync(file(s), 'utf8') : null),
    cleanup: async () => undefined,
  };
});

const call = async (url: string, method: 'GET' | 'POST', token: string | null, body?: string): Promise<{ status: number; json: Record<string, unknown> }> => {
  const r = await fetch(url, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token === null ? {} : { authorization: `Bearer ${token}` }) },
    ...(body === undefined ? {} : { body }),
  });
  const text = await r.text();
  return { status: r.status, json: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
};

describe('presence routes of arbiter serve (presence.md §9)', () => {
  let s: Awaited<ReturnType<typeof serve>>;
  const store = memoryPresenceStore(fakeClock(5_000));
  beforeAll(async () => {
    s = await serve(() => store);
  });
  const rec = (token: string | null, body: unknown = sighting('prompt')) => call(s.url + PRESENCE_ROUTES.record, 'POST', token, JSON.stringify(body));
  const list = (token: string | null) => call(s.url + PRESENCE_ROUTES.list, 'GET', token);

  it('owner and member tokens record (stamped by the served store: at 5 000, whatever the client); a viewer lists but gets 403 on record; nothing is written by it', async () => {
    expect(await rec(s.member)).toMatchObject({ status: 200, json: { changed: true, presence: { session: 's1', lastEventAt: 5_000, state: 'working' } } });
    expect(await rec(s.owner, sighting('stop'))).toMatchObject({ status: 200, json: { changed: true, presence: { state: 'idle' } } });
    const before = store.peekRaw('s1');
    expect(await rec(s.viewer, sighting('prompt', { session: 'viewer-wrote' }))).toMatchObject({ status: 403, json: { error: 'forbidden-role' } });
    expect(store.peekRaw('viewer-wrote')).toBeNull();
    expect(store.peekRaw('s1')).toBe(before);
    const l = await list(s.viewer);
    expect(l.status).toBe(200);
    expect(l.json).toEqual({ sessions: [expect.objectContaining({ session: 's1', state: 'idle' })], problems: [] });
    // the client: a viewer's record is `unavailable`, its list works
    const r = await httpPresenceStore({ url: s.url, token: s.viewer }).record(sighting('prompt'))();
    expect(E.isLeft(r) && r.left).toEqual({ _tag: 'PresenceFailure', kind: 'unavailable', detail: 'http-403' });
    expect(E.isRight(await httpPresenceStore({ url: s.url, token: s.viewer }).list()())).toBe(true);
  });

  it('no token, an unknown or a revoked token → 401 on both routes; the client answers `unavailable` (without a request when it has no token)', async () => {
    for (const t of [null, 'arb_' + 'x'.repeat(43), s.revoked]) {
      expect((await rec(t)).status).toBe(401);
      expect((await list(t)).status).toBe(401);
    }
    let asked = 0;
    const none = httpPresenceStore({ url: s.url, token: null, request: async () => (asked++, E.left({ _tag: 'Unreachable', detail: 'x' })) });
    expect(await none.record(sighting('prompt'))()).toEqual(E.left({ _tag: 'PresenceFailure', kind: 'unavailable', detail: 'no token' }));
    expect(asked).toBe(0);
    const bad = await httpPresenceStore({ url: s.url, token: s.revoked }).list()();
    expect(E.isLeft(bad) && bad.left.kind).toBe('unavailable');
  });

  it('bodies are checked: an unknown agent or event, a missing or extra field, a wrong type → 400 and nothing recorded; wrong methods → 405', async () => {
    const ok = sighting('prompt', { session: 'checked' });
    const bodies: unknown[] = [
      { ...ok, agent: 'robot' },
      { ...ok, event: 'reboot' },
      { ...ok, at: 1 }, // a client never sends the time: the store's clock stamps it
      (({ host: _h, ...rest }) => rest)(ok),
      { ...ok, branch: 7 },
      { ...ok, session: null },
      [ok],
    ];
    for (const b of bodies) expect(await rec(s.member, b)).toMatchObject({ status: 400, json: { error: 'bad-request' } });
    expect(store.peekRaw('checked')).toBeNull();
    expect((await call(s.url + PRESENCE_ROUTES.list, 'POST', s.member, '{}')).status).toBe(405);
    expect((await call(s.url + PRESENCE_ROUTES.record, 'GET', s.member)).status).toBe(405);
  });

  it('a sighting with every text field at the PR1 limit in non-ASCII (over the lane routes\' 16 KiB) is recorded; one over the route limit → 413', async () => {
    const long = 'é'.repeat(P.PRESENCE_FIELD_MAX);
    const big = sighting('pre-tool', { session: long, host: long, workspace: long, worktree: long, branch: long, tool: long });
    expect(JSON.stringify(big).length).toBeGreaterThan(16 * 1024);
    expect(await rec(s.member, big)).toMatchObject({ status: 200, json: { changed: true } });
    expect((await rec(s.member, { ...big, host: 'x'.repeat(PRESENCE_BODY_LIMIT) })).status).toBe(413);
  });

  it('a server without a presence store has no presence routes (404)', async () => {
    const dir = tmp();
    const tokens = fsTokenStore(dir);
    const app = buildServer({ store: () => fsLaneStore(dir), tokens, log: () => undefined });
    apps.push(app);
    await app.listen({ host: '127.0.0.1', port: 0 });
    const a = app.server.address();
    const url = `http://127.0.0.1:${typeof a === 'object' && a !== null ? a.port : 0}`;
    const t = (await tokens.create('ana@example.com', 'member')).token;
    expect((await call(url + PRESENCE_ROUTES.list, 'GET', t)).status).toBe(404);
  });

  it('a store failure is 502/503/500 with `store-<kind>` and its detail; the client keeps the kind; a store that does not answer → 503 store-timeout → transport', async () => {
    for (const [kind, status] of [
      ['transport', 502],
      ['unavailable', 503],
      ['other', 500],
    ] as const) {
      store.failNext(kind);
      expect(await list(s.member)).toEqual({ status, json: { error: `store-${kind}`, message: 'injected failure' } });
      store.failNext(kind);
      expect(await httpPresenceStore({ url: s.url, token: s.member }).record(sighting('prompt'))()).toEqual(E.left({ _tag: 'PresenceFailure', kind, detail: 'injected failure' }));
    }
    const hung = await serve(() => ({ record: () => () => new Promise(() => undefined), list: () => () => new Promise(() => undefined) }), 100);
    expect((await call(hung.url + PRESENCE_ROUTES.list, 'GET', hung.member)).json).toMatchObject({ error: 'store-timeout' });
    const r = await httpPresenceStore({ url: hung.url, token: hung.member }).record(sighting('prompt'))();
    expect(E.isLeft(r) && r.left.kind).toBe('transport');
  });
});

describe('HTTP presence client: failure kinds (presence.md §9)', () => {
  const ok = (status: number, body: string) => async (): Promise<E.Either<never, { status: number; body: string }>> => E.right({ status, body });

  it('fail-open boundary (property): every non-200 answer is a failure, never a record; 401/403 → unavailable, 5xx → transport unless the service names its store\'s kind, else other', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 100, max: 599 }).filter((n) => n !== 200),
        fc.oneof(fc.constant(''), fc.constant('<html>bad gateway</html>'), fc.constantFrom('transport', 'unavailable', 'other', 'forbidden').map((k) => JSON.stringify({ error: `store-${k}`, message: 'm' })), fc.string()),
        async (status, body) => {
          const c = httpPresenceStore({ url: 'http://svc', token: 't', request: ok(status, body) });
          const named = /"error":"store-(transport|unavailable|other)"/.exec(body)?.[1];
          const want = status === 401 || status === 403 ? 'unavailable' : status >= 500 ? (named ?? 'transport') : 'other';
          for (const r of [await c.record(sighting('prompt'))(), await c.list()()]) {
            expect(E.isLeft(r)).toBe(true);
            expect(E.isLeft(r) && r.left.kind).toBe(want);
          }
          expect(presenceFailureOfStatus(status, body).kind).toBe(want);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('no answer: refused → transport; the client timeout → transport; too large → other; answers that do not decode → other', async () => {
    const refused = await httpPresenceStore({ url: 'http://127.0.0.1:1', token: 't' }).list()();
    expect(E.isLeft(refused) && refused.left.kind).toBe('transport');
    const slow = await httpPresenceStore({ url: 'http://svc', token: 't', request: async () => E.left({ _tag: 'Timeout', detail: 'x' }) }).list()();
    expect(E.isLeft(slow) && slow.left).toEqual({ _tag: 'PresenceFailure', kind: 'transport', detail: 'timeout' });
    const big = await httpPresenceStore({ url: 'http://svc', token: 't', request: async () => E.left({ _tag: 'TooLarge', detail: 'x' }) }).list()();
    expect(E.isLeft(big) && big.left.kind).toBe('other');
    const rec = P.observe(null, { ...sighting('prompt'), at: 1 });
    for (const body of ['not json', '{}', JSON.stringify({ changed: 'yes', presence: null }), JSON.stringify({ changed: true, presence: { v: 1 } })]) {
      const r = await httpPresenceStore({ url: 'http://svc', token: 't', request: ok(200, body) }).record(sighting('prompt'))();
      expect(E.isLeft(r) && r.left.kind).toBe('other');
    }
    const good = await httpPresenceStore({ url: 'http://svc', token: 't', request: ok(200, JSON.stringify({ changed: true, presence: rec })) }).record(sighting('prompt'))();
    expect(good).toEqual(E.right({ changed: true, presence: rec }));
    for (const body of ['[]', JSON.stringify({ sessions: {}, problems: [] }), JSON.stringify({ sessions: [], problems: [{ key: 1 }] })]) {
      const r = await httpPresenceStore({ url: 'http://svc', token: 't', request: ok(200, body) }).list()();
      expect(E.isLeft(r) && r.left.kind).toBe('other');
    }
  });

  it('a listed record this client cannot decode (a newer service) is a problem of the listing, the others are kept', async () => {
    const rec = P.observe(null, { ...sighting('prompt'), at: 1 });
    const body = JSON.stringify({ sessions: [rec, { v: 2, session: 'future' }, { v: 1, session: 'torn' }], problems: [{ key: 'k', kind: 'corrupt', detail: 'not JSON' }] });
    const r = await httpPresenceStore({ url: 'http://svc', token: 't', request: ok(200, body) }).list()();
    expect(r).toEqual(
      E.right({
        sessions: [rec],
        problems: [
          { key: 'k', kind: 'corrupt', detail: 'not JSON' },
          { key: 'future', kind: 'newer', detail: 'version 2' },
          { key: 'torn', kind: 'corrupt', detail: 'missing or extra keys' },
        ],
      }),
    );
  });

  it('record is never retried: one request per call whatever the failure; the time is never sent', async () => {
    const seen: HttpRequest[] = [];
    for (const answer of [E.left({ _tag: 'Unreachable' as const, detail: 'ECONNRESET' }), E.left({ _tag: 'Timeout' as const, detail: 'x' }), E.right({ status: 502, body: '' })]) {
      seen.length = 0;
      const c = httpPresenceStore({ url: 'http://svc/', token: 'tok', request: async (req) => (seen.push(req), answer) });
      expect(E.isLeft(await c.record(sighting('prompt'))())).toBe(true);
      expect(seen.length).toBe(1);
    }
    expect(seen[0]).toMatchObject({ method: 'POST', url: 'http://svc/v1/presence/record', headers: { authorization: 'Bearer tok' }, timeoutMs: 2_500 });
    expect(Object.keys(JSON.parse(seen[0]!.body ?? '{}') as object).sort()).toEqual(['agent', 'branch', 'event', 'host', 'session', 'tool', 'workspace', 'worktree']);
  });
});

describe('the dashboard reads the served registry (presence.md §9)', () => {

  it('outside a repository the page shows the served registry\'s sessions (before: always unavailable); a failing registry leaves the section unavailable with a problem', async () => {
    const store = memoryPresenceStore(fakeClock(1_000));
    await store.record(sighting('prompt', { session: 'far-away', host: 'other-machine' }))();
    const lanes = fsLaneStore(tmp());
    const snap = await laneSnapshot(lanes, '/srv', () => 2_000, presenceRegistrySource(store))();
    expect(snap.sessions.map((s) => [s.session, s.host, s.shown])).toEqual([['far-away', 'other-machine', 'working']]);
    expect(snap.unavailable).not.toContain('sessions');
    store.failNext('unavailable');
    const down = await laneSnapshot(lanes, '/srv', () => 2_000, presenceRegistrySource(store))();
    expect(down.unavailable).toContain('sessions');
    expect(down.problems).toEqual([{ source: 'sessions', key: '', detail: 'served registry: unavailable (injected failure)' }]);
  });
});

describe('the built arbiter serve --ui --store fs:DIR, outside a repository (presence.md §9 RS2, RS5, RS7)', () => {
  const BIN = resolve(__dirname, '../packages/hooks/dist/arbiter.cjs');
  let child: ChildProcess | null = null;
  afterAll(async () => {
    if (child !== null && child.exitCode === null) {
      const done = new Promise((r) => child?.on('exit', r));
      child.kill('SIGTERM');
      await done;
    }
  });

  it('machines record through the service with its clock (×10 here, never the client\'s), into DIR/sessions; a viewer lists and sees them on the page\'s snapshot, and cannot record', async () => {
    requireBuilt();
    const root = tmp();
    const store = join(root, 'served');
    mkdirSync(join(root, 'home'), { recursive: true });
    const env = worldEnv(root, { ARBITER_STATE_DIR: join(root, 'state') });
    const token = (args: string[]) => spawnSync(process.execPath, [BIN, 'token', 'create', ...args, '--store', `fs:${store}`], { cwd: root, env, encoding: 'utf8', timeout: 30_000 }).stdout.trim();
    const member = token(['--member', 'ana@example.com']);
    const viewer = token(['--member', 'watcher', '--role', 'viewer']);
    expect(viewer).toMatch(/^arv_/);
    const { child: c, url } = await startServe(['--ui', '--listen', '127.0.0.1:0', '--store', `fs:${store}`, '--clock-rate', '10'], { cwd: root, env });
    child = c;
    await new Promise((r) => setTimeout(r, 600)); // the served clock runs ten times faster: now ~6 s ahead of ours
    const ana = httpPresenceStore({ url, token: member });
    const a = await ana.record(sighting('prompt', { session: 'on-laptop', host: 'laptop' }))();
    await ana.record(sighting('notification', { session: 'on-ci', host: 'ci-runner' }))();
    const mine = Date.now();
    expect(E.isRight(a) && a.right.changed).toBe(true);
    expect(E.isRight(a) && a.right.presence!.lastEventAt - mine).toBeGreaterThan(2_000); // the server's clock stamped it
    expect(readdirSync(join(store, 'sessions')).sort()).toEqual([presenceFileName('on-ci'), presenceFileName('on-laptop')].sort());
    const l = await httpPresenceStore({ url, token: viewer }).list()();
    expect(E.isRight(l) && l.right.sessions.map((x) => `${x.session}@${x.host}:${x.state}`).sort()).toEqual(['on-ci@ci-runner:waiting', 'on-laptop@laptop:working']);
    const denied = await httpPresenceStore({ url, token: viewer }).record(sighting('stop', { session: 'on-laptop' }))();
    expect(E.isLeft(denied) && denied.left.kind).toBe('unavailable');
    const snap = (await (await fetch(`${url}/v1/status`, { headers: { authorization: `Bearer ${viewer}` } })).json()) as { sessions: { session: string; shown: string }[]; unavailable: string[] };
    expect(snap.sessions.map((x) => `${x.session}:${x.shown}`).sort()).toEqual(['on-ci:waiting', 'on-laptop:working']);
    expect(snap.unavailable).not.toContain('sessions');
  }, 60_000);
});
