/**
 * `arbiter serve`: the HTTP lane service (push-gate.md §5.7; queue routes land.md §2.1 QH1–QH3). One POST route per `LaneStore` method, answering the
 * method's result as JSON, in front of the embedded store (`--store fs:DIR`) or PostgreSQL (`--store postgres`).
 *
 * Why fastify (a runtime dependency of the `serve` bundle only, never loaded by a hook or another verb): it gives us,
 * maintained and tested, exactly the parts a small service gets wrong by hand — routing with 404 for unknown paths,
 * JSON-schema validation of every body (Ajv, compiled once), a request body limit enforced while reading (413),
 * strict JSON parsing (400), and a close that lets in-flight requests finish while answering new ones 503. Its
 * logger is not used: the access log is one fixed JSON shape per request with whitelisted fields (below), so no
 * header, body or token can reach it by accident.
 *
 * Security rules: the holder's handle is the token's member, never a body field (bodies carry no `handle`); the
 * owner-only operations (force-release, lifting halts placed by others) are decided by the token's role: an owner
 * token is served by a store that treats every caller as an owner, a member token by one that treats nobody as an
 * owner (so `unhalt` still succeeds for the halts' author, LS7 and LS11). A `viewer` token (dashboard.md §4 D1) is
 * refused on every lane route (403); with `dashboard` given, the read routes and the page of dashboard.ts are served
 * too, and every answer carries the security headers of dashboard.md §4 D3. With `presence` given, the session
 * registry's two routes are served (presence.md §9): members and owners record, every token (a viewer's too) lists.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { LaneFailure, LaneStore, PresenceFailure, PresenceSighting, PresenceStore } from '@arbiter/kernel';
import { landQueue as LQ, presence as PR, pushGate as PG } from '@arbiter/kernel';
import { LANE_ROUTES, PRESENCE_ROUTES } from '@arbiter/io-node';
import type { TokenBearer, TokenStore } from './tokens.js';
import { ASSET_ROUTES, cookieValue, READ_ROUTES, registerDashboard, SECURITY_HEADERS, UI_COOKIE, UI_SESSION_ROUTE, uiSessions, type DashboardDeps } from './dashboard.js';

/** Limits of the service. Defaults: 16 KiB bodies, 5 s to receive a request, 2 s for the store to answer. */
export interface ServeLimits {
  /** Largest request body, bytes (413 above). */
  readonly bodyLimit: number;
  /** Time a client has to send its whole request, ms (408 after; a slow client cannot hold a connection longer). */
  readonly requestTimeoutMs: number;
  /** Time the store has to answer one call, ms (503 `store-timeout` after); below the client's `NET_TIMEOUT_MS`. */
  readonly storeTimeoutMs: number;
}

/** Default limits. */
export const DEFAULT_LIMITS: ServeLimits = { bodyLimit: 16 * 1024, requestTimeoutMs: 5_000, storeTimeoutMs: 2_000 };

/** One access-log line (written as JSON): never headers, bodies, queries or tokens; the token's id at most. */
export interface AccessLine {
  readonly at: string;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly ms: number;
  readonly member: string | null;
  readonly token_id: string | null;
  readonly error: string | null;
}

/** What the server needs. `store(owner)` is the store seen by an owner (`true`) or a member token. */
export interface ServeDeps {
  readonly store: (owner: boolean) => LaneStore;
  readonly tokens: TokenStore;
  readonly limits?: Partial<ServeLimits>;
  readonly log?: (line: AccessLine) => void;
  /** The dashboard's sources (`arbiter serve --ui`); absent, only the lane routes and `/healthz` exist. */
  readonly dashboard?: DashboardDeps;
  /**
   * The served session registry (presence.md §9): the presence store of the served lane store, which stamps every
   * sighting with its own clock. Absent, the presence routes do not exist (404).
   */
  readonly presence?: PresenceStore;
}

// ── JSON schemas of the bodies (push-gate.md §5.1 shapes; the handle is never accepted from a body) ──
// a lane name as the kernel's PG.isLaneName (push-gate.md §3.2 N5): any ref git accepts, so not ASCII only; no control
// character, no lone surrogate, at most LANE_NAME_MAX (8 192) characters
const lane = { type: 'string', pattern: '^[^\\u0000-\\u001f\\u007f\\ud800-\\udfff]{1,8192}$' } as const;
const session = { type: 'string', pattern: '^[A-Za-z0-9_.:@-]{1,128}$' } as const;
const instance = { type: 'string', pattern: '^[0-9a-f]{32}$' } as const;
const who = {
  type: 'object',
  additionalProperties: false,
  required: ['session', 'instance', 'host'],
  properties: { session, instance, host: { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,64}$' } },
} as const;
const body = (required: ReadonlyArray<string>, properties: Record<string, unknown>) => ({ type: 'object', additionalProperties: false, required, properties }) as const;
const reason = { type: 'string', minLength: 1, maxLength: 200 } as const;
const SCHEMAS: Record<keyof typeof LANE_ROUTES, unknown> = {
  claim: body(['lane', 'holder', 'meta'], {
    lane,
    holder: who,
    meta: body(['intent', 'eta_minutes'], { intent: { enum: ['push', 'deploy', 'break-glass'] }, eta_minutes: { anyOf: [{ type: 'integer', minimum: PG.ETA_MIN, maximum: PG.ETA_MAX }, { type: 'null' }] } }),
  }),
  heartbeat: body(['lane', 'instance', 'fence'], { lane, instance, fence: { type: 'integer', minimum: -Number.MAX_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER } }),
  release: body(['lane', 'instance'], { lane, instance }),
  forceRelease: body(['lane', 'by', 'reason'], { lane, by: who, reason: { anyOf: [reason, { type: 'null' }] } }),
  state: body(['lane', 'session'], { lane, session }),
  post: body(['body', 'lane', 'by'], { body: { type: 'string', minLength: 1, maxLength: 1000 }, lane: { anyOf: [lane, { type: 'null' }] }, by: who }),
  halt: body(['target', 'by', 'reason'], { target: session, by: who, reason }),
  unhalt: body(['target', 'by'], { target: session, by: who }),
  audit: body(['limit'], { limit: { type: 'integer', minimum: 0, maximum: 1000 } }),
  // the landing queue (land.md §2 Q6; land.md §2.1 QH2): a branch is display text, without a control character
  enqueue: body(['lane', 'holder', 'meta'], {
    lane,
    holder: who,
    meta: body(['branch', 'ttl_ms'], {
      branch: { type: 'string', pattern: `^[^\\u0000-\\u001f\\u007f\\ud800-\\udfff]{0,${LQ.TICKET_BRANCH_MAX}}$` },
      ttl_ms: { type: 'integer', minimum: LQ.TICKET_TTL_MIN_MS, maximum: LQ.TICKET_TTL_MAX_MS },
    }),
  }),
  dequeue: body(['lane', 'instance'], { lane, instance }),
  queue: body(['lane'], { lane }),
};

/**
 * A `PresenceSighting` (presence.md §9). Types and the known agents and event kinds are checked here; lengths and the
 * empty id are PR1's, applied by the store (an unrecordable sighting answers `changed: false`, as every store does),
 * and the route's body limit bounds the whole.
 */
const text = { type: 'string' } as const;
const textOrNull = { anyOf: [text, { type: 'null' }] } as const;
const SIGHTING_SCHEMA = body(['session', 'agent', 'event', 'host', 'workspace', 'worktree', 'branch', 'tool'], {
  session: text,
  agent: { enum: [...PR.PRESENCE_AGENTS] },
  event: { enum: [...PR.PRESENCE_EVENTS] },
  host: text,
  workspace: text,
  worktree: text,
  branch: textOrNull,
  tool: textOrNull,
});

/**
 * Body limit of the presence record route, bytes: a sighting carries six text fields of up to `PRESENCE_FIELD_MAX`
 * (4 096) UTF-16 units, at most 3 bytes each in UTF-8, so 128 KiB takes any recordable sighting with room for JSON.
 */
export const PRESENCE_BODY_LIMIT = 128 * 1024;

/** A presence store failure → HTTP status; the body's `store-<kind>` lets the client keep the kind (presence.md §9). */
export const statusOfPresenceFailure = (kind: PresenceFailure['kind']): number => (kind === 'transport' ? 502 : kind === 'unavailable' ? 503 : 500);

type Who = { session: string; instance: string; host: string };
type Bodies = {
  claim: { lane: string; holder: Who; meta: PG.ClaimMeta };
  heartbeat: { lane: string; instance: string; fence: number };
  release: { lane: string; instance: string };
  forceRelease: { lane: string; by: Who; reason: string | null };
  state: { lane: string; session: string };
  post: { body: string; lane: string | null; by: Who };
  halt: { target: string; by: Who; reason: string };
  unhalt: { target: string; by: Who };
  audit: { limit: number };
  enqueue: { lane: string; holder: Who; meta: LQ.TicketMeta };
  dequeue: { lane: string; instance: string };
  queue: { lane: string };
};

type Res = { readonly _tag: 'Left'; readonly left: LaneFailure } | { readonly _tag: 'Right'; readonly right: unknown };

/** One port call per route; the handle of every holder is the token's member. */
const CALLS: { [K in keyof Bodies]: (s: LaneStore, b: Bodies[K], me: TokenBearer) => () => Promise<Res> } = {
  claim: (s, b, me) => s.claim(b.lane, { handle: me.member, ...b.holder }, b.meta),
  heartbeat: (s, b) => s.heartbeat(b.lane, b.instance, b.fence),
  release: (s, b) => s.release(b.lane, b.instance),
  forceRelease: (s, b, me) => s.forceRelease(b.lane, { handle: me.member, ...b.by }, b.reason),
  state: (s, b) => s.state(b.lane, b.session),
  post: (s, b, me) => s.post({ body: b.body, lane: b.lane, by: { handle: me.member, ...b.by } }),
  halt: (s, b, me) => s.halt(b.target, { handle: me.member, ...b.by }, b.reason),
  unhalt: (s, b, me) => s.unhalt(b.target, { handle: me.member, ...b.by }),
  audit: (s, b) => async () => {
    const r = await s.audit(b.limit)();
    return r._tag === 'Left' ? r : { _tag: 'Right', right: { records: r.right } };
  },
  enqueue: (s, b, me) => s.enqueue(b.lane, { handle: me.member, ...b.holder }, b.meta),
  dequeue: (s, b) => s.dequeue(b.lane, b.instance),
  queue: (s, b) => async () => {
    const r = await s.queue(b.lane)();
    return r._tag === 'Left' ? r : { _tag: 'Right', right: { tickets: r.right } };
  },
};

/** A store failure → HTTP status: the client maps 5xx back to `contended` and 403 to `forbidden` (push-gate.md §5.6). */
export const statusOfFailure = (kind: LaneFailure['kind']): number => (kind === 'forbidden' ? 403 : kind === 'transport' ? 502 : kind === 'contended' ? 503 : 500);

const LANE_ROUTE_METHODS: ReadonlyArray<[string, string]> = [['/healthz', 'GET'], ...Object.values(LANE_ROUTES).map((p) => [p, 'POST'] as [string, string])];
const PRESENCE_ROUTE_METHODS: ReadonlyArray<[string, string]> = [
  [PRESENCE_ROUTES.record, 'POST'],
  [PRESENCE_ROUTES.list, 'GET'],
];
const DASHBOARD_ROUTE_METHODS: ReadonlyArray<[string, string]> = [...[...ASSET_ROUTES, '/v1/status', '/v1/events', '/v1/decisions'].map((p) => [p, 'GET'] as [string, string]), [UI_SESSION_ROUTE, 'POST']];

declare module 'fastify' {
  interface FastifyRequest {
    bearer: TokenBearer | null;
    errorCode: string | null;
  }
}

const sendError = (reply: FastifyReply, status: number, code: string, message: string): FastifyReply => {
  reply.request.errorCode = code;
  return reply.code(status).header('cache-control', 'no-store').send({ error: code, message });
};

/**
 * Build the service (not listening). Never throws on a request: every failure is a status and `{error, message}`.
 * Statuses: 200 result; 409 `Held` on claim; 400 malformed JSON or a body failing its schema; 401 missing, unknown or
 * revoked token; 403 not allowed (owner-only); 404 unknown path; 405 known path, wrong method; 408 request not
 * received in time; 413 body over the limit; 415 not JSON; 502/503/500 the store failed (transport/contended/other).
 */
export const buildServer = (deps: ServeDeps): FastifyInstance => {
  const limits: ServeLimits = { ...DEFAULT_LIMITS, ...(deps.limits ?? {}) };
  const log = deps.log ?? ((l: AccessLine) => process.stdout.write(JSON.stringify(l) + '\n'));
  const app = Fastify({
    logger: false,
    bodyLimit: limits.bodyLimit,
    return503OnClosing: true,
    // Own server so every timeout is ours: the whole request within requestTimeoutMs, checked every 250 ms (Node's
    // default check interval of 30 s would let a slow client hold its connection that long).
    serverFactory: (handler: (req: IncomingMessage, res: ServerResponse) => void): Server =>
      createServer({ requestTimeout: limits.requestTimeoutMs, headersTimeout: limits.requestTimeoutMs, keepAliveTimeout: 5_000, connectionsCheckingInterval: 250 }, handler),
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
  });
  app.decorateRequest('bearer', null);
  app.decorateRequest('errorCode', null);
  const started = new WeakMap<FastifyRequest, number>();
  const sessions = uiSessions();
  const ROUTE_METHODS = new Map<string, string>([...LANE_ROUTE_METHODS, ...(deps.dashboard === undefined ? [] : DASHBOARD_ROUTE_METHODS), ...(deps.presence === undefined ? [] : PRESENCE_ROUTE_METHODS)]);

  app.addHook('onRequest', async (req, reply) => {
    started.set(req, performance.now());
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) reply.header(k, v);
    const path = req.routeOptions.url;
    if (path === undefined || path === '/healthz' || ASSET_ROUTES.has(path)) return;
    const h = req.headers.authorization;
    const m = typeof h === 'string' ? /^Bearer ([^\s]+)$/.exec(h) : null;
    // the page's cookie session (dashboard.md §4 D2) stands for its token on the read routes only, never on a route
    // that changes anything: a cross-site form cannot use a lane route through the cookie
    const sid = m === null && READ_ROUTES.has(path) ? cookieValue(req.headers.cookie, UI_COOKIE) : null;
    const token = m !== null ? (m[1] as string) : sid !== null ? sessions.token(sid, Date.now()) : null;
    const bearer = token === null ? null : await deps.tokens.verify(token);
    if (bearer === null) {
      reply.header('www-authenticate', 'Bearer');
      return sendError(reply, 401, 'unauthorized', token === null ? 'missing bearer token' : 'unknown or revoked token');
    }
    req.bearer = bearer;
    // a viewer reads (dashboard.md §4 D1): the read routes, the session registry's listing (presence.md §9) and
    // opening a cookie session, nothing else
    if (bearer.role === 'viewer' && !READ_ROUTES.has(path) && path !== UI_SESSION_ROUTE && path !== PRESENCE_ROUTES.list)
      return sendError(reply, 403, 'forbidden-role', 'a viewer token may only read');
  });
  app.addHook('onResponse', async (req, reply) => {
    const t0 = started.get(req) ?? performance.now();
    const path = (req.url.split('?')[0] ?? '').slice(0, 128).replace(/[^\x21-\x7e]/g, '?');
    log({
      at: new Date().toISOString(),
      method: req.method.slice(0, 16),
      path,
      status: reply.statusCode,
      ms: Math.round((performance.now() - t0) * 10) / 10,
      member: req.bearer?.member ?? null,
      token_id: req.bearer?.id ?? null,
      error: req.errorCode,
    });
  });

  app.setErrorHandler((err: { code?: string; statusCode?: number; validation?: unknown; message?: string }, _req, reply) => {
    if (err.validation !== undefined) return sendError(reply, 400, 'bad-request', `invalid body: ${String(err.message ?? '').slice(0, 200)}`);
    switch (err.code) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return sendError(reply, 413, 'body-too-large', `request body over ${limits.bodyLimit} bytes`);
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return sendError(reply, 415, 'unsupported-media-type', 'send application/json');
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      case 'FST_ERR_CTP_INVALID_JSON_BODY':
        return sendError(reply, 400, 'malformed-json', 'request body is not valid JSON');
      case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
        return sendError(reply, 400, 'bad-request', 'content-length does not match the body');
    }
    if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) return sendError(reply, err.statusCode, 'bad-request', 'bad request');
    return sendError(reply, 500, 'internal', 'internal error');
  });
  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0] ?? '';
    const allowed = ROUTE_METHODS.get(path);
    if (allowed !== undefined) {
      reply.header('allow', allowed);
      return sendError(reply, 405, 'method-not-allowed', `${path} accepts ${allowed} only`);
    }
    return sendError(reply, 404, 'not-found', 'no such route');
  });

  app.get('/healthz', async () => ({ status: 'ok' }));
  if (deps.dashboard !== undefined) registerDashboard(app, deps.dashboard, sessions, sendError);

  if (deps.presence !== undefined) registerPresence(app, deps.presence, limits, sendError);

  for (const [method, path] of Object.entries(LANE_ROUTES) as [keyof Bodies, string][]) {
    app.post(path, { schema: { body: SCHEMAS[method] } }, async (req, reply) => {
      const me = req.bearer as TokenBearer;
      const call = (CALLS[method] as (s: LaneStore, b: unknown, me: TokenBearer) => () => Promise<Res>)(deps.store(me.owner), req.body, me);
      const r = await withinMs(call().catch((): Res => ({ _tag: 'Left', left: { _tag: 'LaneFailure', kind: 'other', status: 'threw' } })), limits.storeTimeoutMs);
      if (r === 'timeout') return sendError(reply, 503, 'store-timeout', `the lane store did not answer within ${limits.storeTimeoutMs} ms`);
      if (r._tag === 'Left') return sendError(reply, statusOfFailure(r.left.kind), `store-${r.left.kind}`, `lane store failure (${r.left.kind})`);
      const held = method === 'claim' && (r.right as { _tag?: string })._tag === 'Held';
      return reply.code(held ? 409 : 200).header('cache-control', 'no-store').send(r.right);
    });
  }
  return app;
};

/** `p`'s value, or `'timeout'` when it has not settled within `ms` milliseconds (the per-request store bound). */
const withinMs = async <T>(p: Promise<T>, ms: number): Promise<T | 'timeout'> => {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((res) => {
    timer = setTimeout(() => res('timeout'), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
};

/**
 * The session registry's routes (presence.md §9 RS5–RS6): `POST /v1/presence/record` (owner and member tokens; a viewer gets
 * 403 from the role check) records a sighting with the served store's clock and answers the `PresenceRecorded`;
 * `GET /v1/presence` (any valid token) answers the `PresenceList`. A store failure is 502 (`transport`), 503
 * (`unavailable`) or 500 (`other`) with `{error: "store-<kind>", message: <the failure's detail>}`; a store that does
 * not answer within `storeTimeoutMs` is 503 `store-timeout`.
 */
const registerPresence = (app: FastifyInstance, store: PresenceStore, limits: ServeLimits, send: typeof sendError): void => {
  type Out = { readonly _tag: 'Left'; readonly left: PresenceFailure } | { readonly _tag: 'Right'; readonly right: unknown };
  const answer = async (reply: FastifyReply, call: () => Promise<Out>): Promise<FastifyReply> => {
    const r = await withinMs(call().catch((): Out => ({ _tag: 'Left', left: PR.presenceFailure('other', 'the store threw') })), limits.storeTimeoutMs);
    if (r === 'timeout') return send(reply, 503, 'store-timeout', `the presence store did not answer within ${limits.storeTimeoutMs} ms`);
    if (r._tag === 'Left') return send(reply, statusOfPresenceFailure(r.left.kind), `store-${r.left.kind}`, r.left.detail.slice(0, 200));
    return reply.code(200).header('cache-control', 'no-store').send(r.right);
  };
  app.post(PRESENCE_ROUTES.record, { bodyLimit: PRESENCE_BODY_LIMIT, schema: { body: SIGHTING_SCHEMA } }, async (req, reply) => answer(reply, store.record(req.body as PresenceSighting)));
  app.get(PRESENCE_ROUTES.list, async (_req, reply) => answer(reply, store.list()));
};

/** Parse `--listen host:port` (IPv4 or `[v6]`). @returns null when malformed. */
export const parseListen = (s: string): { readonly host: string; readonly port: number } | null => {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]+)):([0-9]{1,5})$/.exec(s);
  if (m === null) return null;
  const port = Number(m[3]);
  if (port > 65_535) return null;
  return { host: (m[1] ?? m[2]) as string, port };
};
