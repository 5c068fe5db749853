/**
 * The dashboard of `arbiter serve --ui` (dashboard.md): the read routes `GET /v1/status`, `GET /v1/events`,
 * `GET /v1/decisions`, `GET /v1/sessions/:id/decisions`, the static page `GET /ui` (+ `/ui/app.js`, `/ui/app.css`,
 * files the project's build writes to `dist/ui`), and `POST /v1/ui-session`, which trades a bearer token for an
 * HttpOnly cookie so the page's `EventSource` (which cannot send headers) is authenticated too.
 *
 * What the page shows comes from two injected sources: `snapshot` (the status collector of `arbiter status`, a
 * {@link StatusSnapshot}) and `decisions` (the decision log's entries, as `arbiter log` reads them). The server filters
 * and shapes; it never renders data into HTML (the page inserts every string with `textContent`, dashboard.md §5 D6).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { DecisionLogEntry, StatusSnapshot } from '@arbiter/kernel';
import { crypto } from '@arbiter/io-node';
import { groupRows, parseSince, rowJson, rowMatches, type LogFilter } from '../cli/log-view.js';

/** Filters of the timeline (dashboard.md §3 D4). Times are ms since the epoch; `limit` is 1–1000 (default 200). */
export interface DecisionQuery extends LogFilter {
  readonly lane?: string;
  readonly until?: number;
  readonly limit: number;
}

/** What the dashboard reads. */
export interface DashboardDeps {
  /** The status snapshot now (the collector of `arbiter status`). May reject: the routes answer 503. */
  readonly snapshot: () => Promise<StatusSnapshot>;
  /** Decision-log entries, oldest first; the query is a hint (a reader may pre-filter), the server filters again. */
  readonly decisions: (q: DecisionQuery) => Promise<ReadonlyArray<DecisionLogEntry>>;
  /** Directory holding `index.html`, `app.js`, `app.css` (the build's `dist/ui`). */
  readonly assetsDir: string;
  /** How often the event stream asks `snapshot` for a change, ms (default 250). */
  readonly pollMs?: number;
  /** Heartbeat comment on an idle event stream, ms (default 15 000). */
  readonly heartbeatMs?: number;
}

/** Default and largest number of timeline rows one request returns. */
export const DECISIONS_DEFAULT_LIMIT = 200;
export const DECISIONS_MAX_LIMIT = 1000;

/** Name of the cookie `POST /v1/ui-session` sets (dashboard.md §4 D2). */
export const UI_COOKIE = 'arbiter_ui';
/** Life of a cookie session, ms (8 h); the token is verified again on every request, so revocation is immediate. */
export const UI_SESSION_TTL_MS = 8 * 3_600_000;
/** Most cookie sessions kept at once; the oldest is dropped beyond (its page asks for a new one with its token). */
export const UI_SESSIONS_MAX = 256;

/**
 * Headers of every answer (dashboard.md §4 D3): scripts, styles, images and connections from this origin only, no
 * inline script or style, no framing, no referrer (the first load's `?token=` never leaves in a Referer).
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
};

/** Route paths that read (viewer and up; a cookie session is accepted on these only). */
export const READ_ROUTES: ReadonlySet<string> = new Set(['/v1/status', '/v1/events', '/v1/decisions', '/v1/sessions/:id/decisions']);
/** The page's static files: public (they hold no data). */
export const ASSET_ROUTES: ReadonlySet<string> = new Set(['/ui', '/ui/app.js', '/ui/app.css']);
/** The route that trades a bearer header for a cookie session. */
export const UI_SESSION_ROUTE = '/v1/ui-session';

/**
 * Cookie sessions of the page: a random id → the bearer token it was opened with and when it ends. In memory only
 * (a restarted server forgets them; the page opens a new one with the token it kept in sessionStorage).
 */
export interface UiSessions {
  /** Open a session for `token` (already verified). @returns the cookie value (43 base64url characters). */
  readonly open: (token: string, now: number) => string;
  /** The token of a live session, or null (unknown, malformed or expired). */
  readonly token: (sid: string, now: number) => string | null;
}

/** An in-memory {@link UiSessions}, at most `max` at once (oldest dropped). */
export const uiSessions = (ttlMs = UI_SESSION_TTL_MS, max = UI_SESSIONS_MAX): UiSessions => {
  const live = new Map<string, { readonly token: string; readonly until: number }>();
  return {
    open: (token, now) => {
      const sid = crypto().randomBytes(32).toString('base64url');
      while (live.size >= max) live.delete(live.keys().next().value as string);
      live.set(sid, { token, until: now + ttlMs });
      return sid;
    },
    token: (sid, now) => {
      const s = live.get(sid);
      if (s === undefined) return null;
      if (now >= s.until) {
        live.delete(sid);
        return null;
      }
      return s.token;
    },
  };
};

/** The value of cookie `name` in a `Cookie` header, or null. Only base64url values are accepted. */
export const cookieValue = (header: string | undefined, name: string): string | null => {
  if (typeof header !== 'string') return null;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) {
      const v = part.slice(i + 1).trim();
      return /^[A-Za-z0-9_-]{1,128}$/.test(v) ? v : null;
    }
  }
  return null;
};

/** The `Set-Cookie` of a session: HttpOnly (no script reads it), SameSite=Strict (no other site sends it), /v1 only. */
export const sessionCookie = (sid: string, ttlMs = UI_SESSION_TTL_MS): string => `${UI_COOKIE}=${sid}; HttpOnly; SameSite=Strict; Path=/v1; Max-Age=${Math.floor(ttlMs / 1000)}`;

// display text from a query: no control character, no lone surrogate, at most 512 characters (the same text rule as
// a lane name, push-gate.md §3.2 N5, shorter)
const TEXT_RE = /^[^\u0000-\u001f\u007f\ud800-\udfff]{1,512}$/;

/**
 * Parse the timeline's query string (dashboard.md §3 D4): `policy`, `verdict`, `session`, `lane` (display text),
 * `since`, `until` (a duration back from `now` such as `10m`, or an ISO-8601 instant, as `arbiter log --since`), and
 * `limit` (1–1000). Empty parameters are ignored. @returns the query, or a one-line reason (the route answers 400).
 */
export const parseDecisionQuery = (q: Readonly<Record<string, unknown>>, now: number): DecisionQuery | string => {
  const out: { -readonly [K in keyof DecisionQuery]?: DecisionQuery[K] } = {};
  for (const k of ['policy', 'verdict', 'session', 'lane'] as const) {
    const v = q[k];
    if (v === undefined || v === '') continue;
    if (typeof v !== 'string' || !TEXT_RE.test(v)) return `${k}: expected one value of at most 512 printable characters`;
    out[k] = v;
  }
  for (const k of ['since', 'until'] as const) {
    const v = q[k];
    if (v === undefined || v === '') continue;
    const t = typeof v === 'string' ? parseSince(v, now) : null;
    if (t === null) return `${k}: expected a duration like 10m, 2h, 1d or an ISO-8601 instant`;
    out[k] = t;
  }
  const l = q['limit'];
  if (l === undefined || l === '') out.limit = DECISIONS_DEFAULT_LIMIT;
  else if (typeof l === 'string' && /^[0-9]{1,4}$/.test(l) && Number(l) >= 1 && Number(l) <= DECISIONS_MAX_LIMIT) out.limit = Number(l);
  else return `limit: expected an integer from 1 to ${DECISIONS_MAX_LIMIT}`;
  return out as DecisionQuery;
};

/** Lane names an entry's facts name: `lane`, `lane_arg`, or the strings of `lanes`. */
const lanesOf = (e: DecisionLogEntry): string[] => {
  const f = e.facts;
  const out: string[] = [];
  for (const v of [f['lane'], f['lane_arg']]) if (typeof v === 'string') out.push(v);
  const ls = f['lanes'];
  if (Array.isArray(ls)) for (const v of ls) if (typeof v === 'string') out.push(v);
  return out;
};

/**
 * The timeline (dashboard.md §3 D4): entries grouped into rows as `arbiter log` groups them (a verdict with its
 * audited events), filtered by every given filter (`policy`, `verdict`, `session`, `since` as `arbiter log`; `lane`
 * as any entry's lane; `until` on the verdict's time), the newest `limit` rows, newest first, each as
 * `arbiter log --json` prints it. `total` counts the matching rows before the limit. Pure and total.
 */
export const timeline = (entries: ReadonlyArray<DecisionLogEntry>, q: DecisionQuery): { readonly rows: ReadonlyArray<Record<string, unknown>>; readonly total: number } => {
  const matching = groupRows(entries).filter(
    (r) =>
      rowMatches(r, q) &&
      (q.lane === undefined || [r.entry, ...r.audits].some((e) => lanesOf(e).includes(q.lane as string))) &&
      (q.until === undefined || Date.parse(r.entry.timestamp) <= q.until),
  );
  return { rows: matching.slice(-q.limit).reverse().map(rowJson), total: matching.length };
};

/**
 * The part of a snapshot whose change is worth a push (dashboard.md §3 D5): everything but the instant it was taken,
 * with each lane's lease as the second it ends instead of the milliseconds left (those change on every read; the
 * page counts down itself). Two snapshots with the same key show the same page.
 */
export const changeKey = (s: StatusSnapshot): string =>
  JSON.stringify({
    ...s,
    at: 0,
    lanes: s.lanes.map((l) => ({ ...l, leaseLeftMs: l.leaseLeftMs === null ? null : Math.round((s.at + l.leaseLeftMs) / 1000) })),
  });

const ASSETS: Readonly<Record<string, { readonly file: string; readonly type: string }>> = {
  '/ui': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/ui/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/ui/app.css': { file: 'app.css', type: 'text/css; charset=utf-8' },
};

type SendError = (reply: FastifyReply, status: number, code: string, message: string) => FastifyReply;

/**
 * One poller shared by every open event stream (dashboard.md §3 D5): while at least one stream is open it asks
 * `snapshot` every `pollMs` (never two calls at once: a slow collector skips ticks instead of piling them up) and
 * sends the snapshot to every stream when its {@link changeKey} changed; a new stream gets the latest snapshot at
 * once. A failed read sends nothing (the page keeps the last snapshot it has).
 */
const snapshotHub = (deps: DashboardDeps) => {
  const streams = new Set<(data: string) => void>();
  let last: { key: string; data: string } | null = null;
  let timer: NodeJS.Timeout | null = null;
  let busy = false;
  const tick = async (): Promise<void> => {
    if (busy) return;
    busy = true;
    try {
      const s = await deps.snapshot();
      const key = changeKey(s);
      if (last === null || last.key !== key) {
        last = { key, data: JSON.stringify(s) };
        for (const send of streams) send(last.data);
      }
    } catch {
      // the collector failed: keep the last snapshot; the next tick tries again
    } finally {
      busy = false;
    }
  };
  return {
    add: (send: (data: string) => void): (() => void) => {
      streams.add(send);
      if (last !== null) send(last.data);
      if (timer === null) {
        timer = setInterval(() => void tick(), deps.pollMs ?? 250);
        timer.unref();
        void tick();
      }
      return () => {
        streams.delete(send);
        if (streams.size === 0 && timer !== null) {
          clearInterval(timer);
          timer = null;
          last = null; // nobody watches: the next stream starts from a fresh read
        }
      };
    },
  };
};

/**
 * Register the dashboard's routes on `app` (authentication is the server's `onRequest` hook: read routes accept a
 * bearer of any role or a cookie session, `POST /v1/ui-session` a bearer header only). Statuses: 200; 400 a bad
 * query; 401 no or a bad token (the hook); 503 the collector or the log failed, or the page's files are not built.
 */
export const registerDashboard = (app: FastifyInstance, deps: DashboardDeps, sessions: UiSessions, sendError: SendError): void => {
  const assetCache = new Map<string, Buffer>();
  for (const [path, a] of Object.entries(ASSETS)) {
    app.get(path, async (_req, reply) => {
      let body = assetCache.get(a.file);
      if (body === undefined) {
        try {
          body = readFileSync(join(deps.assetsDir, a.file));
          assetCache.set(a.file, body);
        } catch {
          return sendError(reply, 503, 'ui-not-built', 'the dashboard files are missing: run `npm run build`');
        }
      }
      return reply.code(200).header('content-type', a.type).header('cache-control', 'no-cache').send(body);
    });
  }

  app.post(UI_SESSION_ROUTE, async (req, reply) => {
    const token = /^Bearer ([^\s]+)$/.exec(req.headers.authorization ?? '')?.[1] as string; // verified by onRequest
    const sid = sessions.open(token, Date.now());
    return reply.code(200).header('cache-control', 'no-store').header('set-cookie', sessionCookie(sid)).send({ member: req.bearer?.member, role: req.bearer?.role });
  });

  app.get('/v1/status', async (_req, reply) => {
    try {
      return reply.code(200).header('cache-control', 'no-store').send(await deps.snapshot());
    } catch {
      return sendError(reply, 503, 'status-unavailable', 'the status collector failed');
    }
  });

  const decisions = async (reply: FastifyReply, raw: Record<string, unknown>, session: string | null): Promise<FastifyReply> => {
    const q = parseDecisionQuery(session === null ? raw : { ...raw, session }, Date.now());
    if (typeof q === 'string') return sendError(reply, 400, 'bad-query', q);
    try {
      return reply.code(200).header('cache-control', 'no-store').send(timeline(await deps.decisions(q), q));
    } catch {
      return sendError(reply, 503, 'log-unavailable', 'the decision log could not be read');
    }
  };
  app.get('/v1/decisions', async (req, reply) => decisions(reply, req.query as Record<string, unknown>, null));
  app.get('/v1/sessions/:id/decisions', async (req, reply) => {
    const id = (req.params as { id?: unknown }).id;
    if (typeof id !== 'string' || !TEXT_RE.test(id)) return sendError(reply, 400, 'bad-query', 'session id: expected 1–512 printable characters');
    return decisions(reply, req.query as Record<string, unknown>, id);
  });

  const hub = snapshotHub(deps);
  const open = new Set<() => void>();
  app.get('/v1/events', (req, reply) => {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    res.write(': arbiter dashboard events\nretry: 1000\n\n');
    // a client that stops reading is dropped once 64 MiB wait for it, instead of growing the server's memory
    const write = (chunk: string): void => {
      if (res.writableLength > 64 * 1024 * 1024) end();
      else res.write(chunk);
    };
    const remove = hub.add((data) => write(`event: snapshot\ndata: ${data}\n\n`));
    const beat = setInterval(() => write(': heartbeat\n\n'), deps.heartbeatMs ?? 15_000);
    beat.unref();
    let ended = false;
    const end = (): void => {
      if (ended) return;
      ended = true;
      clearInterval(beat);
      remove();
      open.delete(end);
      res.end();
    };
    open.add(end);
    req.raw.on('close', end);
    res.on('error', end);
  });
  // streams never end by themselves: end them before the server waits for its connections to close
  app.addHook('preClose', async () => {
    for (const end of [...open]) end();
  });
};
