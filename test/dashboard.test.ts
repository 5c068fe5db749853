/**
 * The dashboard of `arbiter serve --ui` in-process (dashboard.md): who may read what (no token 401, a viewer token
 * 403 on every lane route, the page's cookie session accepted on the read routes only), the security headers, the
 * timeline's filters, the event stream (a push on change, a heartbeat, closed with the server), and the viewer role
 * of the token stores, whose fail-closed boundary is a property: a token whose stored role and prefix disagree, or
 * whose record is malformed, is refused — never served with a role.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { DecisionLogEntry, StatusSnapshot } from '@arbiter/kernel';
import { fsLaneStore, LANE_ROUTES } from '@arbiter/io-node';
import { buildServer } from '../packages/hooks/src/serve/server.js';
import { fsTokenStore, TOKEN_RE } from '../packages/hooks/src/serve/tokens.js';
import { pgTokenStore, type Queryable } from '../packages/hooks/src/serve/pg-tokens.js';
import { changeKey, cookieValue, parseDecisionQuery, timeline, uiSessions, type DecisionQuery } from '../packages/hooks/src/serve/dashboard.js';

const dirs: string[] = [];
const tmp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'arbiter-dash-'));
  dirs.push(d);
  return d;
};

const emptySnapshot = (at: number): StatusSnapshot => ({ v: 1, at, repo: '/r', sessions: [], lanes: [], halts: [], commitments: [], builds: [], stopGate: { mode: 'strict' }, recent: [], unavailable: [] });

const entry = (over: Partial<DecisionLogEntry> & { t: number }): DecisionLogEntry => ({
  decision_id: `01J${String(over.t).padStart(23, '0')}`,
  policy: 'push-gate',
  policy_version: '1',
  timestamp: new Date(over.t).toISOString(),
  mode: 'agent:claude',
  facts: {},
  verdict: 'Allow',
  reasons: [],
  effects: [],
  probes: [],
  duration_ms: 1,
  masked: [],
  ...over,
});

const T0 = Date.parse('2026-12-05T10:00:00Z');
const LOG: DecisionLogEntry[] = [
  entry({ t: T0, policy: 'push-gate', verdict: 'Block', facts: { session_id: 's1', lane: 'deploy:prod' }, reasons: ['held'] }),
  entry({ t: T0 + 60_000, policy: 'session-lock', verdict: 'Allow', facts: { session_id: 's2' } }),
  entry({ t: T0 + 120_000, policy: 'lane', verdict: 'Ok', facts: { lane: 'main' }, mode: 'cli' }),
  entry({ t: T0 + 180_000, policy: 'push-gate', verdict: 'Allow', facts: { identity: { session: 's1' }, lane: 'main' } }),
];

// ── one server for the route tests ──
let snap: StatusSnapshot = emptySnapshot(T0);
let failSnapshot = false;
const store = tmp();
const tokens = fsTokenStore(store);
const app = buildServer({
  store: (owner) => fsLaneStore(store, owner ? {} : { owners: [] }),
  tokens,
  log: () => undefined,
  dashboard: {
    snapshot: async () => {
      if (failSnapshot) throw new Error('collector down');
      return snap;
    },
    decisions: async () => LOG,
    assetsDir: resolve(__dirname, '../packages/hooks/src/ui/public'), // index.html and app.css; app.js is built
    pollMs: 20,
    heartbeatMs: 100,
  },
});
let base = '';
let viewer = '';
let member = '';
let owner = '';

beforeAll(async () => {
  await app.listen({ host: '127.0.0.1', port: 0 });
  const a = app.server.address();
  base = `http://127.0.0.1:${typeof a === 'object' && a !== null ? a.port : 0}`;
  viewer = (await tokens.create('eve@example.com', 'viewer')).token;
  member = (await tokens.create('mo@example.com', 'member')).token;
  owner = (await tokens.create('boss@example.com', 'owner')).token;
});
afterAll(async () => {
  await app.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const call = async (path: string, o: { method?: string; token?: string; cookie?: string; body?: string } = {}) => {
  const headers: Record<string, string> = {};
  if (o.token !== undefined) headers['authorization'] = `Bearer ${o.token}`;
  if (o.cookie !== undefined) headers['cookie'] = o.cookie;
  if (o.body !== undefined) headers['content-type'] = 'application/json';
  const r = await fetch(base + path, { method: o.method ?? 'GET', headers, ...(o.body === undefined ? {} : { body: o.body }) });
  const text = await r.text();
  return { status: r.status, headers: r.headers, text, json: (() => { try { return JSON.parse(text) as Record<string, unknown>; } catch { return null; } })() };
};

const READS = ['/v1/status', '/v1/decisions', '/v1/sessions/s1/decisions'];
const who = { session: 's-1', instance: 'a'.repeat(32), host: 'h' };
const LANE_BODIES: Record<keyof typeof LANE_ROUTES, unknown> = {
  claim: { lane: 'deploy:v', holder: who, meta: { intent: 'push', eta_minutes: 5 } },
  heartbeat: { lane: 'deploy:v', instance: who.instance, fence: 1 },
  release: { lane: 'deploy:v', instance: who.instance },
  forceRelease: { lane: 'deploy:v', by: who, reason: null },
  state: { lane: 'deploy:v', session: 's-1' },
  post: { body: 'hi', lane: null, by: who },
  halt: { target: 's-2', by: who, reason: 'stop' },
  unhalt: { target: 's-2', by: who },
  audit: { limit: 5 },
  enqueue: { lane: 'deploy:v', holder: who, meta: { branch: 'b', ttl_ms: 600_000 } },
  dequeue: { lane: 'deploy:v', instance: who.instance },
  queue: { lane: 'deploy:v' },
};

describe('who may read (dashboard.md §4 D1, D2)', () => {
  it('no token, a malformed or an unknown token: 401 on every read route, with the security headers', async () => {
    for (const p of READS) {
      for (const t of [undefined, 'nope', `arv_${'A'.repeat(43)}`]) {
        const r = await call(p, t === undefined ? {} : { token: t });
        expect(r.status, `${p} ${t}`).toBe(401);
        expect(r.headers.get('content-security-policy')).toContain("default-src 'self'");
        expect(r.headers.get('x-content-type-options')).toBe('nosniff');
      }
    }
  });

  it('viewer, member and owner tokens read every read route', async () => {
    for (const t of [viewer, member, owner]) {
      for (const p of READS) expect((await call(p, { token: t })).status, p).toBe(200);
    }
  });

  it('a viewer token is refused (403) on every lane route, and nothing is written', async () => {
    const before = readdirSync(store).sort();
    for (const [m, path] of Object.entries(LANE_ROUTES)) {
      const r = await call(path, { method: 'POST', token: viewer, body: JSON.stringify(LANE_BODIES[m as keyof typeof LANE_ROUTES]) });
      expect(r.status, path).toBe(403);
      expect(r.json).toMatchObject({ error: 'forbidden-role' });
    }
    expect(readdirSync(store).sort()).toEqual(before);
    // a member token still claims (the role check is the viewer's only)
    expect((await call(LANE_ROUTES.claim, { method: 'POST', token: member, body: JSON.stringify(LANE_BODIES.claim) })).status).toBe(200);
    expect((await call(LANE_ROUTES.release, { method: 'POST', token: member, body: JSON.stringify(LANE_BODIES.release) })).status).toBe(200);
  });

  it('the page is public (it holds no data) and carries CSP, nosniff and no-referrer', async () => {
    const r = await call('/ui');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/html/);
    expect(r.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
    expect(r.headers.get('content-security-policy')).not.toMatch(/unsafe-inline/);
    expect(r.headers.get('referrer-policy')).toBe('no-referrer');
    expect(r.text).not.toMatch(/<script>|<script [^>]*>[^<]+<\/script>|\son[a-z]+=/i); // no inline script or handler
    expect((await call('/ui/app.css')).headers.get('content-type')).toMatch(/^text\/css/);
  });

  it('POST /v1/ui-session trades a bearer for an HttpOnly SameSite=Strict cookie valid on the read routes only', async () => {
    expect((await call('/v1/ui-session', { method: 'POST' })).status).toBe(401);
    const r = await call('/v1/ui-session', { method: 'POST', token: viewer });
    expect(r.status).toBe(200);
    const sc = r.headers.get('set-cookie') ?? '';
    expect(sc).toMatch(/^arbiter_ui=[A-Za-z0-9_-]{43}; HttpOnly; SameSite=Strict; Path=\/v1; Max-Age=\d+$/);
    const cookie = sc.split(';')[0] as string;
    for (const p of READS) expect((await call(p, { cookie })).status, p).toBe(200);
    // never on a route that changes something, whatever the token behind it (a member's here)
    const m = (await call('/v1/ui-session', { method: 'POST', token: member })).headers.get('set-cookie')?.split(';')[0] as string;
    expect((await call(LANE_ROUTES.claim, { method: 'POST', cookie: m, body: JSON.stringify(LANE_BODIES.claim) })).status).toBe(401);
    expect((await call('/v1/ui-session', { method: 'POST', cookie: m })).status).toBe(401);
    // an unknown cookie is no session
    expect((await call('/v1/status', { cookie: `arbiter_ui=${'x'.repeat(43)}` })).status).toBe(401);
  });

  it('revoking the token ends its cookie session at the next request', async () => {
    const t = await tokens.create('short@example.com', 'viewer');
    const cookie = (await call('/v1/ui-session', { method: 'POST', token: t.token })).headers.get('set-cookie')?.split(';')[0] as string;
    expect((await call('/v1/status', { cookie })).status).toBe(200);
    await tokens.revoke(t.id);
    expect((await call('/v1/status', { cookie })).status).toBe(401);
  });

  it('cookie sessions expire, and the oldest is dropped beyond the bound', () => {
    const s = uiSessions(1_000, 2);
    const a = s.open('tok-a', 0);
    const b = s.open('tok-b', 0);
    expect(s.token(a, 999)).toBe('tok-a');
    expect(s.token(a, 1_000)).toBeNull();
    s.open('tok-c', 0);
    s.open('tok-d', 0);
    expect(s.token(b, 1)).toBeNull();
    expect(cookieValue('x=1; arbiter_ui=abc_-9 ; y=2', 'arbiter_ui')).toBe('abc_-9');
    expect(cookieValue('arbiter_ui=<script>', 'arbiter_ui')).toBeNull();
    expect(cookieValue(undefined, 'arbiter_ui')).toBeNull();
  });

  it('a failing collector answers 503, not a made-up snapshot', async () => {
    failSnapshot = true;
    try {
      expect((await call('/v1/status', { token: viewer })).status).toBe(503);
    } finally {
      failSnapshot = false;
    }
  });
});

describe('the timeline (dashboard.md §3 D4)', () => {
  const q = (raw: Record<string, string>): DecisionQuery => parseDecisionQuery(raw, T0 + 3_600_000) as DecisionQuery;
  const ids = (r: ReturnType<typeof timeline>) => r.rows.map((x) => x['timestamp']);

  it('filters by policy, verdict, session, lane and time range, newest first', () => {
    expect(timeline(LOG, q({})).rows.map((x) => x['policy'])).toEqual(['push-gate', 'lane', 'session-lock', 'push-gate']);
    expect(timeline(LOG, q({ policy: 'push-gate' })).total).toBe(2);
    expect(timeline(LOG, q({ verdict: 'block' })).total).toBe(1);
    expect(ids(timeline(LOG, q({ session: 's1' })))).toEqual([LOG[3]?.timestamp, LOG[0]?.timestamp]);
    expect(ids(timeline(LOG, q({ lane: 'main' })))).toEqual([LOG[3]?.timestamp, LOG[2]?.timestamp]);
    expect(ids(timeline(LOG, q({ since: '2026-12-05T10:01:00Z', until: '2026-12-05T10:02:00Z' })))).toEqual([LOG[2]?.timestamp, LOG[1]?.timestamp]);
    const lim = timeline(LOG, q({ limit: '1' }));
    expect(lim).toMatchObject({ total: 4 });
    expect(ids(lim)).toEqual([LOG[3]?.timestamp]);
  });

  it('refuses a bad query with a reason (the route answers 400)', async () => {
    for (const bad of [{ limit: '0' }, { limit: '1001' }, { limit: 'x' }, { since: 'yesterday' }, { policy: 'a\nb' }, { lane: 'x'.repeat(513) }]) {
      expect(typeof parseDecisionQuery(bad, T0), JSON.stringify(bad)).toBe('string');
    }
    expect((await call('/v1/decisions?since=soon', { token: viewer })).status).toBe(400);
    const r = await call('/v1/decisions?policy=push-gate', { token: viewer });
    expect(r.json).toMatchObject({ total: 2 });
    const s = await call(`/v1/sessions/${encodeURIComponent('s2')}/decisions`, { token: viewer });
    expect(s.json).toMatchObject({ total: 1 });
  });
});

/** Read an event stream until `until` says stop; resolves with everything read. */
const readEvents = (path: string, token: string, until: (text: string) => boolean, ms = 5_000): Promise<string> =>
  new Promise((res, rej) => {
    let text = '';
    const req = request(base + path, { headers: { authorization: `Bearer ${token}` } }, (r) => {
      r.setEncoding('utf8');
      r.on('data', (d: string) => {
        text += d;
        if (until(text)) {
          req.destroy();
          res(text);
        }
      });
      r.on('end', () => res(text));
    });
    req.on('error', (e) => (text === '' ? rej(e) : res(text)));
    setTimeout(() => {
      req.destroy();
      res(text);
    }, ms);
    req.end();
  });

describe('the event stream (dashboard.md §3 D5)', () => {
  it('sends the snapshot at once, again only when it changed, and heartbeats', async () => {
    snap = emptySnapshot(T0);
    const events = (t: string) => t.split('\n').filter((l) => l === 'event: snapshot').length;
    const p = readEvents('/v1/events', viewer, (t) => events(t) >= 2 && t.includes(': heartbeat'));
    await new Promise((r) => setTimeout(r, 150));
    snap = { ...emptySnapshot(T0 + 1), lanes: [{ lane: 'deploy:prod', holder: 's1', fence: 3, leaseLeftMs: 60_000, queue: [] }] };
    const text = await p;
    expect(events(text)).toBe(2);
    expect(text).toContain('"holder":"s1"');
    expect(text).toContain(': heartbeat');
  });

  it('the page cannot read the stream without a token (401)', async () => {
    const r = await call('/v1/events');
    expect(r.status).toBe(401);
  });

  it('a stream ends when the server closes', async () => {
    const s2 = buildServer({ store: () => fsLaneStore(tmp()), tokens, log: () => undefined, dashboard: { snapshot: async () => emptySnapshot(Date.now()), decisions: async () => [], assetsDir: tmp() } });
    await s2.listen({ host: '127.0.0.1', port: 0 });
    const a = s2.server.address();
    const url = `http://127.0.0.1:${typeof a === 'object' && a !== null ? a.port : 0}/v1/events`;
    const ended = new Promise<string>((res) => {
      request(url, { headers: { authorization: `Bearer ${viewer}` } }, (r) => {
        let t = '';
        r.on('data', (d: Buffer) => (t += d.toString()));
        r.on('end', () => res(t));
      }).end();
    });
    await new Promise((r) => setTimeout(r, 300));
    const t0 = Date.now();
    await s2.close();
    expect(await ended).toContain('event: snapshot');
    expect(Date.now() - t0).toBeLessThan(5_000);
  });

  it('changeKey ignores when a snapshot was taken and the lease ticking down, not a change of holder', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e12 }), fc.integer({ min: 0, max: 1e6 }), fc.integer({ min: 0, max: 1e6 }), (at, left, dt) => {
        const lane = (holder: string, leaseLeftMs: number) => ({ lane: 'l', holder, fence: 1, leaseLeftMs, queue: [] });
        const a = { ...emptySnapshot(at), lanes: [lane('s1', left + dt)] };
        const b = { ...emptySnapshot(at + dt), lanes: [lane('s1', left)] }; // the same lease end, read dt ms later
        expect(changeKey(a)).toBe(changeKey(b));
        expect(changeKey({ ...b, lanes: [lane('s2', left)] })).not.toBe(changeKey(b));
      }),
    );
  });
});

describe('the viewer role in the token stores (dashboard.md §4 D1)', () => {
  it('viewer tokens have the arv_ prefix an older server refuses; list shows the role', async () => {
    const d = tmp();
    const s = fsTokenStore(d);
    const v = await s.create('v@example.com', 'viewer');
    expect(v.token).toMatch(TOKEN_RE);
    expect(v.token).toMatch(/^arv_/);
    expect(/^arb_[A-Za-z0-9_-]{43}$/.test(v.token)).toBe(false); // the pattern of a server before the viewer role
    expect(await s.verify(v.token)).toMatchObject({ role: 'viewer', owner: false });
    expect((await s.list()).map((t) => t.role)).toEqual(['viewer']);
    const rec = JSON.parse(readFileSync(join(d, 'tokens', `${v.id}.json`), 'utf8')) as Record<string, unknown>;
    expect(rec).not.toHaveProperty('owner'); // an older reader finds no boolean owner: malformed, refused
  });

  it('property: a record whose role fields are malformed or disagree with the prefix is refused (fail closed)', async () => {
    const d = tmp();
    const s = fsTokenStore(d);
    const toks = { viewer: await s.create('v@example.com', 'viewer'), member: await s.create('m@example.com', 'member') };
    const originals = Object.fromEntries(Object.entries(toks).map(([k, t]) => [k, readFileSync(join(d, 'tokens', `${t.id}.json`), 'utf8')]));
    const roleField = fc.option(fc.oneof(fc.constantFrom('viewer', 'member', 'owner', 'admin', ''), fc.boolean(), fc.integer()), { nil: undefined });
    const ownerField = fc.option(fc.oneof(fc.boolean(), fc.constantFrom('true', 'viewer'), fc.integer()), { nil: undefined });
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('viewer' as const, 'member' as const), roleField, ownerField, async (which, role, own) => {
        const t = toks[which];
        const rec = JSON.parse(originals[which] as string) as Record<string, unknown>;
        delete rec['role'];
        delete rec['owner'];
        if (role !== undefined) rec['role'] = role;
        if (own !== undefined) rec['owner'] = own;
        writeFileSync(join(d, 'tokens', `${t.id}.json`), JSON.stringify(rec));
        const b = await s.verify(t.token);
        const viewerOk = which === 'viewer' && role === 'viewer' && own === undefined;
        const memberOk = which === 'member' && role === undefined && typeof own === 'boolean';
        if (viewerOk) expect(b).toMatchObject({ role: 'viewer', owner: false });
        else if (memberOk) expect(b).toMatchObject({ role: own ? 'owner' : 'member', owner: own });
        else expect(b).toBeNull();
      }),
      { numRuns: 200 },
    );
  });

  it('pg: a viewer row needs the arv_ prefix, an arb_ secret on a viewer row is refused, and the role reads back', async () => {
    const rows = new Map<string, Record<string, unknown>>();
    const q: Queryable = {
      query: async (text, params = []) => {
        if (text.startsWith('INSERT')) {
          const [id, member] = params as string[];
          const viewerRow = text.includes('viewer');
          rows.set(id as string, { id, member, owner: viewerRow ? false : params[2], viewer: viewerRow, sha256: viewerRow ? params[2] : params[3], created_at: new Date(), revoked_at: null });
          return { rows: [], rowCount: 1 };
        }
        if (text.includes('WHERE id = $1')) {
          const r = rows.get(params[0] as string);
          return { rows: r === undefined ? [] : [r] };
        }
        return { rows: [...rows.values()] };
      },
    };
    const s = pgTokenStore(q);
    const v = await s.create('v@example.com', 'viewer');
    const o = await s.create('o@example.com', 'owner');
    expect(v.token).toMatch(/^arv_/);
    expect(await s.verify(v.token)).toMatchObject({ role: 'viewer', owner: false });
    expect(await s.verify(o.token)).toMatchObject({ role: 'owner', owner: true });
    // the row of the owner token marked viewer: role and prefix disagree, refused
    (rows.get(o.id) as Record<string, unknown>)['viewer'] = true;
    expect(await s.verify(o.token)).toBeNull();
    // the viewer row stripped of its flag (an older schema read): refused as well, not served as a member
    (rows.get(v.id) as Record<string, unknown>)['viewer'] = null;
    expect(await s.verify(v.token)).toBeNull();
    expect((await s.list()).map((t) => t.role).sort()).toEqual(['member', 'viewer']);
  });
});
