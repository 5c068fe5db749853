/**
 * `arbiter serve` in-process on an ephemeral loopback port (push-gate.md §5.7): the LaneStore contract suite,
 * unchanged, against http→fs; the service's answers to bad input (each leaves the process up and writes nothing);
 * the handle and role taken from the token; graceful close; and the client's push-gate.md §5.6 status mapping.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { LaneStore } from '@arbiter/kernel';
import { pushGate as PG } from '@arbiter/kernel';
import { decodeQueueFile, fsLaneStore, httpLaneStore, kindOfHttpStatus, laneKey, LANE_ROUTES } from '@arbiter/io-node';
import type { FakeClock } from '@arbiter/io-memory';
import { buildServer, type AccessLine } from '../packages/hooks/src/serve/server.js';
import { fsTokenStore, type TokenStore } from '../packages/hooks/src/serve/tokens.js';
import { laneStoreContract } from './contract/lane-store.contract.js';
import { laneQueueContract } from './contract/lane-queue.contract.js';

const dirs: string[] = [];
const tmp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'arbiter-serve-'));
  dirs.push(d);
  return d;
};

// ── one server for the contract suite; each `make` points it at a fresh store directory and clock ──
type Current = { dir: string; clock: FakeClock; tokens: TokenStore; owners: ReadonlyArray<string> | undefined; minted: Map<string, Promise<string>> };
let current: Current | null = null;
const contractApp = buildServer({
  store: (owner) => fsLaneStore((current as Current).dir, { now: (current as Current).clock.now, ...(owner ? {} : { owners: [] }) }),
  tokens: {
    create: (m, o) => (current as Current).tokens.create(m, o),
    list: () => (current as Current).tokens.list(),
    revoke: (id) => (current as Current).tokens.revoke(id),
    verify: (t) => (current as Current).tokens.verify(t),
  },
  log: () => undefined,
});
let contractUrl = '';

const apps: { close: () => Promise<unknown> }[] = [contractApp];
beforeAll(async () => {
  await contractApp.listen({ host: '127.0.0.1', port: 0 });
  const a = contractApp.server.address();
  contractUrl = `http://127.0.0.1:${typeof a === 'object' && a !== null ? a.port : 0}`;
});
afterAll(async () => {
  for (const a of apps) await a.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/**
 * The test adapter: the server takes the handle from the token, so every holder handle the suite uses gets its own
 * member token (an owner token when the suite's `owners` list names it, as `lanes.owners` would).
 */
const viaHttp = (clock: FakeClock, owners?: ReadonlyArray<string>): LaneStore => {
  const dir = tmp();
  const cur: Current = { dir, clock, tokens: fsTokenStore(dir), owners, minted: new Map() };
  current = cur;
  const tokenOf = (handle: string): Promise<string> => {
    const hit = cur.minted.get(handle);
    if (hit !== undefined) return hit;
    const p = cur.tokens.create(handle, PG.isOwner(handle, owners) ? 'owner' : 'member').then((t) => t.token);
    cur.minted.set(handle, p);
    return p;
  };
  const as =
    (handle: string) =>
    async (): Promise<LaneStore> =>
      httpLaneStore({ url: contractUrl, token: await tokenOf(handle) });
  const run =
    <A>(handle: string, f: (s: LaneStore) => () => Promise<A>) =>
    async (): Promise<A> =>
      f(await as(handle)())();
  const reader = 'reader@example.com';
  return {
    claim: (l, h, m) => run(h.handle, (s) => s.claim(l, h, m)),
    heartbeat: (l, i, f) => run(reader, (s) => s.heartbeat(l, i, f)),
    release: (l, i) => run(reader, (s) => s.release(l, i)),
    forceRelease: (l, by, r) => run(by.handle, (s) => s.forceRelease(l, by, r)),
    state: (l, s0) => run(reader, (s) => s.state(l, s0)),
    post: (p) => run(p.by.handle, (s) => s.post(p)),
    halt: (t, by, r) => run(by.handle, (s) => s.halt(t, by, r)),
    unhalt: (t, by) => run(by.handle, (s) => s.unhalt(t, by)),
    audit: (n) => run(reader, (s) => s.audit(n)),
    enqueue: (l, h, m) => run(h.handle, (s) => s.enqueue(l, h, m)),
    dequeue: (l, i) => run(reader, (s) => s.dequeue(l, i)),
    queue: (l) => run(reader, (s) => s.queue(l)),
  };
};

laneStoreContract('http → embedded fs (arbiter serve in-process)', viaHttp, 40);

// the landing queue through the service (land.md §2.1 QH1–QH3), checked against the files the served store wrote
const servedDirs = new WeakMap<object, string>();
laneQueueContract(
  'http → embedded fs (arbiter serve in-process)',
  (clock) => {
    const s = viaHttp(clock);
    servedDirs.set(s, (current as Current).dir);
    return s;
  },
  25,
  async (store, lane) => {
    const dir = join(servedDirs.get(store) as string, 'queue');
    const names = existsSync(dir) ? readdirSync(dir).filter((n) => n.startsWith(`${laneKey(lane)}.json.`)) : [];
    const newest = names.sort((a, b) => Number(a.split('.').at(-1)) - Number(b.split('.').at(-1))).at(-1);
    if (newest === undefined) return [];
    const f = decodeQueueFile(readFileSync(join(dir, newest), 'utf8'), lane);
    if ('corrupt' in f) throw new Error(f.corrupt);
    return f.tickets.map((t) => ({ ticket_id: t.ticket_id, seq: t.seq }));
  },
);

// ── a second server for bad input, with short limits and a captured access log ──
const H = (i: number): PG.Holder => ({ handle: `u${i}@example.com`, session: `s-${i}`, instance: i.toString(16).padStart(32, '0'), host: 'h' });
const bad = { dir: '', url: '', tokens: null as unknown as TokenStore, member: '', owner: '', revoked: '', log: [] as AccessLine[] };

/** Every file under the store directory except the token files, with contents: "nothing written" compares these. */
const snapshot = (): Record<string, string> => {
  const out: Record<string, string> = {};
  const walk = (d: string, rel: string): void => {
    if (!existsSync(d)) return;
    for (const n of readdirSync(d, { withFileTypes: true })) {
      if (rel === '' && n.name === 'tokens') continue;
      const p = join(d, n.name);
      if (n.isDirectory()) walk(p, `${rel}${n.name}/`);
      else out[`${rel}${n.name}`] = readFileSync(p, 'utf8');
    }
  };
  walk(bad.dir, '');
  return out;
};

const post = async (path: string, body: string, token: string | null, headers: Record<string, string> = {}): Promise<{ status: number; json: Record<string, unknown> }> => {
  const r = await fetch(bad.url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token === null ? {} : { authorization: `Bearer ${token}` }), ...headers },
    body,
  });
  const text = await r.text();
  return { status: r.status, json: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
};
const claimBody = (lane: string, i = 1, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ lane, holder: { session: H(i).session, instance: H(i).instance, host: 'h' }, meta: { intent: 'push', eta_minutes: null }, ...extra });

describe('arbiter serve: bad input gets a clear status and error body, the process stays up, nothing is written', () => {
  beforeAll(async () => {
    bad.dir = tmp();
    bad.tokens = fsTokenStore(bad.dir);
    bad.member = (await bad.tokens.create('u1@example.com', 'member')).token;
    bad.owner = (await bad.tokens.create('boss@example.com', 'owner')).token;
    const rv = await bad.tokens.create('gone@example.com', 'owner');
    await bad.tokens.revoke(rv.id);
    bad.revoked = rv.token;
    const asOwner = fsLaneStore(bad.dir);
    const asMember = fsLaneStore(bad.dir, { owners: [] });
    const app = buildServer({ store: (o) => (o ? asOwner : asMember), tokens: bad.tokens, limits: { bodyLimit: 2048, requestTimeoutMs: 600 }, log: (l) => bad.log.push(l) });
    apps.push(app);
    await app.listen({ host: '127.0.0.1', port: 0 });
    const a = app.server.address();
    bad.url = `http://127.0.0.1:${typeof a === 'object' && a !== null ? a.port : 0}`;
  });

  const unchanged = async (f: () => Promise<void>): Promise<void> => {
    const before = snapshot();
    await f();
    expect(snapshot()).toEqual(before);
    expect((await fetch(`${bad.url}/healthz`)).status).toBe(200); // still up
  };

  it('malformed JSON → 400 malformed-json', () =>
    unchanged(async () => {
      for (const b of ['{', '{"lane":', 'null x', '\u0000']) {
        const r = await post(LANE_ROUTES.claim, b, bad.member);
        expect(r.status).toBe(400);
        expect(r.json['error']).toBe('malformed-json');
      }
    }));

  it('a body over the limit → 413 body-too-large (chunked too)', () =>
    unchanged(async () => {
      const big = claimBody('deploy:x', 1, {}).replace('"push"', `"push","pad":"${'x'.repeat(4096)}"`);
      const r = await post(LANE_ROUTES.claim, big, bad.member);
      expect(r.status).toBe(413);
      expect(r.json['error']).toBe('body-too-large');
      const stream = new ReadableStream({
        start(c) {
          for (let i = 0; i < 8; i++) c.enqueue(new TextEncoder().encode('x'.repeat(1024)));
          c.close();
        },
      });
      const r2 = await fetch(bad.url + LANE_ROUTES.claim, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${bad.member}` }, body: stream, duplex: 'half' } as RequestInit);
      expect(r2.status).toBe(413);
    }));

  it('unknown routes → 404, known routes with the wrong method → 405 with Allow', () =>
    unchanged(async () => {
      const r = await fetch(`${bad.url}/v1/nope`, { method: 'POST', headers: { authorization: `Bearer ${bad.member}` } });
      expect(r.status).toBe(404);
      expect(((await r.json()) as { error: string }).error).toBe('not-found');
      for (const m of ['GET', 'PUT', 'DELETE', 'PATCH']) {
        const r2 = await fetch(bad.url + LANE_ROUTES.claim, { method: m, headers: { authorization: `Bearer ${bad.member}` } });
        expect(r2.status).toBe(405);
        expect(r2.headers.get('allow')).toBe('POST');
        expect(((await r2.json()) as { error: string }).error).toBe('method-not-allowed');
      }
      expect((await fetch(`${bad.url}/healthz`, { method: 'POST' })).status).toBe(405);
    }));

  it('a missing, wrong, malformed or revoked token → 401, before the body is even parsed', () =>
    unchanged(async () => {
      const wrong = `arb_${'A'.repeat(43)}`;
      for (const t of [null, wrong, 'not-a-token', bad.revoked]) {
        const r = await post(LANE_ROUTES.claim, claimBody('deploy:x'), t);
        expect(r.status).toBe(401);
        expect(r.json['error']).toBe('unauthorized');
      }
      const r = await post(LANE_ROUTES.claim, '{', null);
      expect(r.status).toBe(401);
      const basic = await post(LANE_ROUTES.state, '{}', null, { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` });
      expect(basic.status).toBe(401);
    }));

  it('a non-owner force-release → 403, nothing changes, nothing audited; an owner token succeeds', async () => {
    expect((await post(LANE_ROUTES.claim, claimBody('deploy:f', 1), bad.member)).status).toBe(200);
    await unchanged(async () => {
      const r = await post(LANE_ROUTES.forceRelease, JSON.stringify({ lane: 'deploy:f', by: { session: 's-1', instance: H(1).instance, host: 'h' }, reason: 'mine now' }), bad.member);
      expect(r.status).toBe(403);
      expect(r.json['error']).toBe('store-forbidden');
    });
    const ok = await post(LANE_ROUTES.forceRelease, JSON.stringify({ lane: 'deploy:f', by: { session: 's-9', instance: H(9).instance, host: 'h' }, reason: 'prod down' }), bad.owner);
    expect(ok.status).toBe(200);
    expect(ok.json).toMatchObject({ _tag: 'Forced', fence: 1, previous: { handle: 'u1@example.com' } });
  });

  it('the handle is the token\'s member, never a body field; a body naming a handle is refused', async () => {
    const r = await post(LANE_ROUTES.claim, claimBody('deploy:who', 2), bad.member);
    expect(r.status).toBe(200);
    const st = await post(LANE_ROUTES.state, JSON.stringify({ lane: 'deploy:who', session: 'x' }), bad.member);
    expect((st.json['lanes'] as PG.LaneView[])[0]?.holder?.handle).toBe('u1@example.com');
    await unchanged(async () => {
      const spoof = JSON.stringify({ lane: 'deploy:spoof', holder: { handle: 'boss@example.com', session: 's-2', instance: H(2).instance, host: 'h' }, meta: { intent: 'push', eta_minutes: null } });
      const r2 = await post(LANE_ROUTES.claim, spoof, bad.member);
      expect(r2.status).toBe(400);
      expect(r2.json['error']).toBe('bad-request');
    });
  });

  it('lane names as every store takes them (push-gate.md §3.2 N5: quotes, semicolons, non-ASCII, spaces, 1 000 characters) work; control characters, a lone surrogate or an empty name → 400 (over 8 192 characters the body limit answers first)', async () => {
    const fine = [`deploy:"x"`, `deploy:it's`, 'deploy:a;rm${IFS}-rf;/', 'deploy:é', 'deploy:🚀', 'deploy:a b', `deploy:${'z'.repeat(993)}`];
    expect(fine.every((l) => PG.isLaneName(l))).toBe(true);
    let fence = 0;
    for (const lane of fine) {
      const r = await post(LANE_ROUTES.claim, claimBody(lane, 3), bad.member);
      expect(r.status).toBe(200);
      expect(r.json).toEqual({ _tag: 'Granted', fence: 1, reclaimed: false });
      const st = await post(LANE_ROUTES.state, JSON.stringify({ lane, session: 'x' }), bad.member);
      expect((st.json['lanes'] as PG.LaneView[])[0]?.lane).toBe(lane);
      fence++;
    }
    expect(fence).toBe(fine.length);
    const refused = ['deploy:\u0007', 'deploy:a\n', '', 'deploy:\ud800'];
    expect(refused.some((l) => PG.isLaneName(l))).toBe(false);
    await unchanged(async () => {
      for (const lane of refused) {
        const r = await post(LANE_ROUTES.claim, claimBody(lane, 3), bad.member);
        expect(r.status).toBe(400);
        expect(r.json['error']).toBe('bad-request');
      }
    });
  });

  it('wrong types, missing fields, an out-of-range eta or fence → 400', () =>
    unchanged(async () => {
      const bodies: [string, unknown][] = [
        [LANE_ROUTES.claim, { lane: 'deploy:x' }],
        [LANE_ROUTES.claim, { lane: 'deploy:x', holder: { session: 's', instance: 'nothex', host: 'h' }, meta: { intent: 'push', eta_minutes: null } }],
        [LANE_ROUTES.claim, { lane: 'deploy:x', holder: { session: 's', instance: H(1).instance, host: 'h' }, meta: { intent: 'push', eta_minutes: 0 } }],
        [LANE_ROUTES.claim, { lane: 'deploy:x', holder: { session: 's', instance: H(1).instance, host: 'h' }, meta: { intent: 'yolo', eta_minutes: null } }],
        [LANE_ROUTES.heartbeat, { lane: 'deploy:x', instance: H(1).instance, fence: 1.5 }],
        [LANE_ROUTES.heartbeat, { lane: 'deploy:x', instance: H(1).instance, fence: '1' }],
        [LANE_ROUTES.halt, { target: 's; drop', by: { session: 's', instance: H(1).instance, host: 'h' }, reason: 'r' }],
        [LANE_ROUTES.audit, { limit: 1e9 }],
        [LANE_ROUTES.state, []],
      ];
      for (const [path, b] of bodies) {
        const r = await post(path, JSON.stringify(b), bad.member);
        expect([path, r.status]).toEqual([path, 400]);
        expect(r.json['error']).toBe('bad-request');
      }
    }));

  it('queue routes (land.md §2.1 QH1–QH3): token required, the ticket handle is the member, bad bodies → 400, nothing written', async () => {
    const who2 = { session: H(2).session, instance: H(2).instance, host: 'h' };
    const enq = (extra: Record<string, unknown> = {}, meta: Record<string, unknown> = { branch: 'feature/q', ttl_ms: 60_000 }): string => JSON.stringify({ lane: 'deploy:q', holder: who2, meta, ...extra });
    await unchanged(async () => {
      for (const path of [LANE_ROUTES.enqueue, LANE_ROUTES.dequeue, LANE_ROUTES.queue]) {
        expect((await post(path, '{}', null)).status).toBe(401);
        expect((await post(path, '{}', bad.revoked)).status).toBe(401);
        const r2 = await fetch(bad.url + path, { method: 'GET', headers: { authorization: `Bearer ${bad.member}` } });
        expect([r2.status, r2.headers.get('allow')]).toEqual([405, 'POST']);
      }
      const bodies: [string, string][] = [
        [LANE_ROUTES.enqueue, JSON.stringify({ lane: 'deploy:q', holder: { ...who2, handle: 'boss@example.com' }, meta: { branch: 'b', ttl_ms: 60_000 } })],
        [LANE_ROUTES.enqueue, enq({}, { branch: 'b\u001b[31m', ttl_ms: 60_000 })],
        [LANE_ROUTES.enqueue, enq({}, { branch: 'x'.repeat(1025), ttl_ms: 60_000 })],
        [LANE_ROUTES.enqueue, enq({}, { branch: 'b', ttl_ms: 4_999 })],
        [LANE_ROUTES.enqueue, enq({}, { branch: 'b', ttl_ms: 60_000.5 })],
        [LANE_ROUTES.enqueue, enq({}, { branch: 'b' })],
        [LANE_ROUTES.enqueue, enq({ lane: 'deploy:\n' })],
        [LANE_ROUTES.dequeue, JSON.stringify({ lane: 'deploy:q', instance: 'nothex' })],
        [LANE_ROUTES.queue, JSON.stringify({ lane: '' })],
        [LANE_ROUTES.queue, JSON.stringify({ lane: 'deploy:q', extra: 1 })],
      ];
      for (const [path, b] of bodies) {
        const r = await post(path, b, bad.member);
        expect([path, r.status, r.json['error']]).toEqual([path, 400, 'bad-request']);
      }
    });
    const r = await post(LANE_ROUTES.enqueue, enq(), bad.member);
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ _tag: 'Enqueued', refreshed: false, ticket: { lane: 'deploy:q', position: 1, handle: 'u1@example.com', instance: H(2).instance, branch: 'feature/q' } });
    const q = await post(LANE_ROUTES.queue, JSON.stringify({ lane: 'deploy:q' }), bad.owner);
    expect((q.json['tickets'] as { handle: string }[]).map((t) => t.handle)).toEqual(['u1@example.com']);
    const d = await post(LANE_ROUTES.dequeue, JSON.stringify({ lane: 'deploy:q', instance: H(2).instance }), bad.member);
    expect(d.json).toEqual({ _tag: 'Dequeued', ticket_id: (r.json['ticket'] as { ticket_id: string }).ticket_id });
    expect((await post(LANE_ROUTES.dequeue, JSON.stringify({ lane: 'deploy:q', instance: H(2).instance }), bad.member)).json).toEqual({ _tag: 'NotQueued' });
  });

  it('a slow client holding its connection open gets 408 within the request timeout; others are served meanwhile', async () => {
    await unchanged(async () => {
      const port = Number(new URL(bad.url).port);
      const sock = connect(port, '127.0.0.1');
      let got = '';
      sock.on('data', (d) => (got += d.toString('utf8')));
      const closed = new Promise<void>((r) => sock.on('close', () => r()));
      sock.write(`POST ${LANE_ROUTES.claim} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${bad.member}\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{"lane":`);
      // meanwhile another client is served
      expect((await fetch(`${bad.url}/healthz`)).status).toBe(200);
      const t0 = Date.now();
      await closed;
      expect(Date.now() - t0).toBeLessThan(3_000);
      expect(got).toMatch(/^HTTP\/1\.1 408/);
    });
  });

  it('one access-log line per request, with the member and token id, never the token or the body', async () => {
    const n = bad.log.length;
    await post(LANE_ROUTES.state, JSON.stringify({ lane: 'all', session: 'x' }), bad.member);
    await post(LANE_ROUTES.state, '{', `arb_${'B'.repeat(43)}`);
    const lines = bad.log.slice(n);
    expect(lines.length).toBe(2);
    expect(lines[0]).toMatchObject({ method: 'POST', path: LANE_ROUTES.state, status: 200, member: 'u1@example.com', error: null });
    expect(lines[1]).toMatchObject({ status: 401, member: null, error: 'unauthorized' });
    const text = JSON.stringify(bad.log);
    for (const secret of [bad.member, bad.owner, bad.revoked, 'B'.repeat(43)]) expect(text).not.toContain(secret);
  });
});

describe('arbiter serve: graceful close', () => {
  it('in-flight requests finish; new ones are refused', async () => {
    const dir = tmp();
    const tokens = fsTokenStore(dir);
    const t = (await tokens.create('u1@example.com', 'member')).token;
    const slow = fsLaneStore(dir);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    // The server signals when the in-flight request reached the store: a fixed sleep let a loaded machine close the
    // server before the request arrived, so the "in-flight" request was refused too and the test failed.
    let arrived: () => void = () => undefined;
    const reached = new Promise<void>((r) => (arrived = r));
    const store: LaneStore = { ...slow, state: (l, s) => async () => (arrived(), await gate, slow.state(l, s)()) };
    const app = buildServer({ store: () => store, tokens, log: () => undefined });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const a = app.server.address();
    const url = `http://127.0.0.1:${typeof a === 'object' && a !== null ? a.port : 0}`;
    const client = httpLaneStore({ url, token: t });
    const inflight = client.state('all', 'x')();
    await reached;
    const closing = app.close();
    await new Promise((r) => setTimeout(r, 50));
    const late = await client.claim('deploy:x', H(1), { intent: 'push', eta_minutes: null })();
    expect(late._tag).toBe('Left'); // refused: the listener is closed (transport) or answered 503 (contended)
    release();
    const r = await inflight;
    expect(r._tag).toBe('Right');
    await closing;
    expect(existsSync(join(dir, 'lanes'))).toBe(false); // the refused claim wrote nothing
  });
});

describe('HTTP lane-store client: push-gate.md §5.6 mapping', () => {
  const withAnswer = (status: number, body: string) =>
    httpLaneStore({ url: 'http://127.0.0.1:1', token: 'arb_x', request: async () => ({ _tag: 'Right', right: { status, body } }) });

  it('fail-open boundary (property): every non-success status is a failure of the push-gate.md §5.6 kind, never an answer; 409 is Held only on claim', async () => {
    const held = JSON.stringify({ _tag: 'Held', holder_handle: 'a', holder_instance: 'b', heartbeat_age_sec: 3 });
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 100, max: 599 }).filter((s) => s !== 200), async (status) => {
        const s = withAnswer(status, held);
        const c = await s.claim('deploy:x', H(1), { intent: 'push', eta_minutes: null })();
        if (status === 409) expect(c).toEqual({ _tag: 'Right', right: JSON.parse(held) });
        else expect(c).toEqual({ _tag: 'Left', left: { _tag: 'LaneFailure', kind: kindOfHttpStatus(status), status: `http-${status}` } });
        const h = await s.heartbeat('deploy:x', H(1).instance, 1)();
        expect(h._tag).toBe('Left');
        const expected = status === 408 || status === 429 || status >= 500 ? 'contended' : status === 401 || status === 403 ? 'forbidden' : 'other';
        expect(h._tag === 'Left' && h.left.kind).toBe(expected);
      }),
      { numRuns: 200 },
    );
  });

  it('answers that do not decode are `other`; a Granted with status 409 or a Held with 200 is refused', async () => {
    for (const [st, body] of [
      [200, 'not json'],
      [200, '{"_tag":"Granted"}'],
      [200, '{"_tag":"Held","holder_handle":"a","holder_instance":"b","heartbeat_age_sec":1}'],
      [409, '{"_tag":"Granted","fence":1,"reclaimed":false}'],
      [200, '{"_tag":"Granted","fence":-1,"reclaimed":false}'],
    ] as const) {
      const r = await withAnswer(st, body).claim('deploy:x', H(1), { intent: 'push', eta_minutes: null })();
      expect(r).toEqual({ _tag: 'Left', left: { _tag: 'LaneFailure', kind: 'other', status: 'bad-answer' } });
    }
  });

  it('no answer: refused → transport; the client timeout → contended; no token → forbidden without a request', async () => {
    const refused = httpLaneStore({ url: 'http://127.0.0.1:1', token: 'arb_x' });
    const r = await refused.claim('deploy:x', H(1), { intent: 'push', eta_minutes: null })();
    expect(r._tag === 'Left' && r.left.kind).toBe('transport');
    const slow = httpLaneStore({ url: 'http://127.0.0.1:1', token: 'arb_x', request: async () => ({ _tag: 'Left', left: { _tag: 'Timeout', detail: 't' } }) });
    expect(await slow.state('all', 's')()).toEqual({ _tag: 'Left', left: { _tag: 'LaneFailure', kind: 'contended', status: 'timeout' } });
    let asked = 0;
    const none = httpLaneStore({ url: 'http://x', token: null, request: async () => (asked++, { _tag: 'Right', right: { status: 200, body: '{}' } }) });
    expect(await none.release('deploy:x', H(1).instance)()).toEqual({ _tag: 'Left', left: { _tag: 'LaneFailure', kind: 'forbidden', status: 'no-token' } });
    expect(asked).toBe(0);
  });

  it('queue methods (land.md §2.1 QH3): every non-success status maps like the other methods (a 409 is no answer here); answers that do not decode are `other`', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 100, max: 599 }).filter((st) => st !== 200), async (status) => {
        const s = withAnswer(status, JSON.stringify({ _tag: 'NotQueued' }));
        const want = { _tag: 'Left', left: { _tag: 'LaneFailure', kind: kindOfHttpStatus(status), status: `http-${status}` } };
        expect(await s.enqueue('deploy:x', H(1), { branch: 'b', ttl_ms: 60_000 })()).toEqual(want);
        expect(await s.dequeue('deploy:x', H(1).instance)()).toEqual(want);
        expect(await s.queue('deploy:x')()).toEqual(want);
      }),
      { numRuns: 100 },
    );
    const view = { ticket_id: 'abc', lane: 'deploy:x', position: 1, handle: 'u', session: 's', instance: 'i', host: 'h', branch: 'b', created_at: 1, age_sec: 0, heartbeat_age_sec: 0, ttl_ms: 60_000 };
    expect(await withAnswer(200, JSON.stringify({ tickets: [view] })).queue('deploy:x')()).toEqual({ _tag: 'Right', right: [view] });
    for (const body of ['[]', '{"tickets":[{"ticket_id":"a"}]}', JSON.stringify({ tickets: [{ ...view, position: 0 }] }), JSON.stringify({ _tag: 'Enqueued', ticket: { ...view, age_sec: -1 }, refreshed: false }), '{"_tag":"Dequeued"}']) {
      const bad1 = withAnswer(200, body);
      for (const t of [bad1.enqueue('deploy:x', H(1), { branch: 'b', ttl_ms: 60_000 }), bad1.dequeue('deploy:x', 'i'), bad1.queue('deploy:x')]) {
        expect(await t()).toEqual({ _tag: 'Left', left: { _tag: 'LaneFailure', kind: 'other', status: 'bad-answer' } });
      }
    }
  });

  it('never retries by itself (push-gate.md §8.7: the kernel plans the only retries)', async () => {
    let asked = 0;
    const s = httpLaneStore({ url: 'http://x', token: 'arb_x', request: async () => (asked++, { _tag: 'Right', right: { status: 503, body: '' } }) });
    await s.claim('deploy:x', H(1), { intent: 'push', eta_minutes: null })();
    await s.state('all', 's')();
    expect(asked).toBe(2);
  });
});
