/**
 * HTTP client of the `LaneStore` port (push-gate.md §5.7): every port method is one POST to an `arbiter serve`, with
 * the member's bearer token. The server, not this client, decides the holder's handle (from the token) and reads the
 * clock (LS2), so every age and fence in an answer is the server's.
 *
 * Kept small on purpose, because a hook loads it: it speaks through the `Http` adapter of `http.ts`, which loads
 * `node:http` only when a request is made, so merely constructing this store costs nothing.
 *
 * Failure kinds follow the "HTTP" row of push-gate.md §5.6: no answer (refused, DNS, TLS, reset) → `transport`;
 * the client timeout (`NET_TIMEOUT_MS`), 408, 429 and 5xx → `contended`; 401 and 403 → `forbidden`; any other
 * non-success status or an answer that does not decode → `other`. A 409 on `claim` is the `Held` answer, not a
 * failure. The client never retries by itself: the kernel plans the only retries push-gate.md §8.7 allows (contended claims).
 */
import type { HttpFailure, HttpRequest, HttpResponse, LaneFailure, LaneStore } from '@arbiter/kernel';
import type { landQueue as Q, pushGate as PG } from '@arbiter/kernel';
import type { Either } from 'fp-ts/lib/Either.js';
import { httpRequest } from './http.js';

/** Client timeout of one call, ms (`NET_TIMEOUT_MS`, push-gate.md §2). */
export const HTTP_STORE_TIMEOUT_MS = 2_500;
/** Largest answer accepted, bytes (a `state('all')` of many lanes stays far below). */
export const HTTP_STORE_MAX_ANSWER = 1024 * 1024;

/**
 * The routes of the lane service, one per port method (push-gate.md §5.7). Every route takes a JSON body by POST;
 * the answer is the method's result as JSON (status 200), a `Held` claim (status 409) or `{error, message}`.
 */
export const LANE_ROUTES = {
  claim: '/v1/claim',
  heartbeat: '/v1/heartbeat',
  release: '/v1/release',
  forceRelease: '/v1/force-release',
  state: '/v1/state',
  post: '/v1/post',
  halt: '/v1/halt',
  unhalt: '/v1/unhalt',
  audit: '/v1/audit',
  // the landing queue (land.md §2.1 QH1)
  enqueue: '/v1/enqueue',
  dequeue: '/v1/dequeue',
  queue: '/v1/queue',
} as const;

/** Options of {@link httpLaneStore}. `request` is a seam for tests (defaults to `httpRequest`). */
export interface HttpLaneStoreOptions {
  /** Base URL of the service, e.g. `http://127.0.0.1:7420`. */
  readonly url: string;
  /** Bearer token, or `null` when the configured variable is unset (every call then fails `forbidden` locally). */
  readonly token: string | null;
  readonly timeoutMs?: number;
  readonly request?: (req: HttpRequest) => Promise<Either<HttpFailure, HttpResponse>>;
}

type Res<A> = { readonly _tag: 'Left'; readonly left: LaneFailure } | { readonly _tag: 'Right'; readonly right: A };

const fail = (kind: LaneFailure['kind'], status: string): Res<never> => ({ _tag: 'Left', left: { _tag: 'LaneFailure', kind, status: status.slice(0, 64) } });

/** push-gate.md §5.6 "HTTP" row: a non-success status → failure kind. */
export const kindOfHttpStatus = (status: number): LaneFailure['kind'] => {
  if (status === 408 || status === 429 || status >= 500) return 'contended';
  if (status === 401 || status === 403) return 'forbidden';
  return 'other';
};

// ── answer guards: the service is another process, so its answers are checked like any input ──
type Obj = Record<string, unknown>;
const isObj = (u: unknown): u is Obj => typeof u === 'object' && u !== null && !Array.isArray(u);
const isNat = (u: unknown): u is number => typeof u === 'number' && Number.isSafeInteger(u) && u >= 0;
const isNum = (u: unknown): u is number => typeof u === 'number' && Number.isFinite(u) && u >= 0;
const isStr = (u: unknown): u is string => typeof u === 'string';
const isStrOrNull = (u: unknown): u is string | null => u === null || typeof u === 'string';
const isPrev = (u: unknown): boolean => u === null || (isObj(u) && isStr(u['handle']) && isStr(u['session']) && isStr(u['instance']) && isStr(u['host']));
const isHalt = (u: unknown): boolean =>
  isObj(u) && isStr(u['halt_id']) && isStr(u['target_session']) && isStr(u['by_handle']) && isStr(u['by_session']) && isStr(u['reason']) && isNum(u['created_at']) && isNum(u['age_sec']) && typeof u['open'] === 'boolean';
const isLaneView = (u: unknown): boolean => {
  if (!isObj(u) || !isStr(u['lane']) || !isNat(u['fence']) || typeof u['expired'] !== 'boolean') return false;
  const h = u['holder'];
  return h === null || (isObj(h) && isStr(h['handle']) && isStr(h['session']) && isStr(h['instance']) && isStr(h['host']) && isNum(h['claimed_at']) && isNum(h['heartbeat_age_sec']) && isNum(h['lease_sec']) && (h['intent'] === 'push' || h['intent'] === 'deploy' || h['intent'] === 'break-glass') && (h['eta_minutes'] === null || isNat(h['eta_minutes'])));
};
const isAudit = (u: unknown): boolean =>
  isObj(u) && isNum(u['at']) && isStrOrNull(u['lane']) && isStr(u['kind']) && isStr(u['by_handle']) && isStr(u['by_session']) && isStr(u['by_instance']) && (u['fence'] === null || isNat(u['fence'])) && isPrev(u['previous']) && isStrOrNull(u['reason']) && isStrOrNull(u['body']);
const arr = (u: unknown, f: (x: unknown) => boolean): boolean => Array.isArray(u) && u.every(f);
const isTicketView = (u: unknown): boolean =>
  isObj(u) &&
  isStr(u['ticket_id']) &&
  isStr(u['lane']) &&
  isNat(u['position']) &&
  (u['position'] as number) >= 1 &&
  isStr(u['handle']) &&
  isStr(u['session']) &&
  isStr(u['instance']) &&
  isStr(u['host']) &&
  isStr(u['branch']) &&
  isNum(u['created_at']) &&
  isNat(u['age_sec']) &&
  isNat(u['heartbeat_age_sec']) &&
  isNat(u['ttl_ms']);

/** Answer guards per method (status 200; `claim` also 409 for `Held`). */
const answers = {
  claim: (u: unknown): boolean =>
    isObj(u) && ((u['_tag'] === 'Granted' && isNat(u['fence']) && typeof u['reclaimed'] === 'boolean') || (u['_tag'] === 'Held' && isStr(u['holder_handle']) && isStr(u['holder_instance']) && isNum(u['heartbeat_age_sec']))),
  heartbeat: (u: unknown): boolean => isObj(u) && (u['_tag'] === 'Ok' || (u['_tag'] === 'Lost' && isStrOrNull(u['holder_handle']))),
  release: (u: unknown): boolean => isObj(u) && ((u['_tag'] === 'Released' && isNat(u['fence'])) || u['_tag'] === 'NotHolder'),
  forceRelease: (u: unknown): boolean => isObj(u) && u['_tag'] === 'Forced' && isNat(u['fence']) && isPrev(u['previous']),
  state: (u: unknown): boolean => isObj(u) && arr(u['lanes'], isLaneView) && arr(u['halts'], isHalt) && arr(u['placed'], isHalt),
  post: (u: unknown): boolean => isObj(u) && u['_tag'] === 'Posted',
  halt: (u: unknown): boolean => isObj(u) && u['_tag'] === 'Halted' && isStr(u['halt_id']),
  unhalt: (u: unknown): boolean => isObj(u) && u['_tag'] === 'Unhalted' && isNat(u['count']),
  audit: (u: unknown): boolean => isObj(u) && arr(u['records'], isAudit),
  enqueue: (u: unknown): boolean => isObj(u) && u['_tag'] === 'Enqueued' && isTicketView(u['ticket']) && typeof u['refreshed'] === 'boolean',
  dequeue: (u: unknown): boolean => isObj(u) && ((u['_tag'] === 'Dequeued' && isStr(u['ticket_id'])) || u['_tag'] === 'NotQueued'),
  queue: (u: unknown): boolean => isObj(u) && arr(u['tickets'], isTicketView),
} as const;

/** A holder as sent: no `handle`, the server takes it from the token. */
const who = (h: PG.Holder): Obj => ({ session: h.session, instance: h.instance, host: h.host });

/**
 * Build the client. Methods never throw or reject; every error is a `LaneFailure` (status: `http-<code>`, the
 * socket error code, `timeout`, `no-token` or `bad-answer`).
 */
export const httpLaneStore = (o: HttpLaneStoreOptions): LaneStore => {
  const base = o.url.replace(/\/+$/, '');
  const send = o.request ?? httpRequest;
  const timeoutMs = o.timeoutMs ?? HTTP_STORE_TIMEOUT_MS;
  const call =
    <A>(method: keyof typeof LANE_ROUTES, body: Obj, pick: (u: Obj) => A = (u) => u as A) =>
    async (): Promise<Res<A>> => {
      if (o.token === null || o.token === '') return fail('forbidden', 'no-token');
      const r = await send({
        method: 'POST',
        url: base + LANE_ROUTES[method],
        headers: { authorization: `Bearer ${o.token}`, 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(body),
        timeoutMs,
        maxBodyBytes: HTTP_STORE_MAX_ANSWER,
      });
      if (r._tag === 'Left') {
        if (r.left._tag === 'Timeout') return fail('contended', 'timeout');
        if (r.left._tag === 'TooLarge') return fail('other', 'answer-too-large');
        return fail('transport', r.left.detail);
      }
      const { status } = r.right;
      const ok = status === 200 || (status === 409 && method === 'claim');
      if (!ok) return fail(kindOfHttpStatus(status), `http-${status}`);
      let json: unknown;
      try {
        json = JSON.parse(r.right.body);
      } catch {
        return fail('other', 'bad-answer');
      }
      if (!answers[method](json) || (status === 409) !== ((json as Obj)['_tag'] === 'Held')) return fail('other', 'bad-answer');
      return { _tag: 'Right', right: pick(json as Obj) };
    };
  return {
    claim: (lane, holder, meta) => call('claim', { lane, holder: who(holder), meta: { intent: meta.intent, eta_minutes: meta.eta_minutes } }),
    heartbeat: (lane, instance, fence) => call('heartbeat', { lane, instance, fence }),
    release: (lane, instance) => call('release', { lane, instance }),
    forceRelease: (lane, by, reason) => call('forceRelease', { lane, by: who(by), reason }),
    state: (lane, session) => call('state', { lane, session }),
    post: (p) => call('post', { body: p.body, lane: p.lane, by: who(p.by) }),
    halt: (target, by, reason) => call('halt', { target, by: who(by), reason }),
    unhalt: (target, by) => call('unhalt', { target, by: who(by) }),
    audit: (limit) => call('audit', { limit }, (u) => u['records'] as ReadonlyArray<PG.AuditRecord>),
    // land.md §2.1 QH1–QH3: the handle of a ticket is the token's member, as for a claim
    enqueue: (lane, holder, meta) => call('enqueue', { lane, holder: who(holder), meta: { branch: meta.branch, ttl_ms: meta.ttl_ms } }),
    dequeue: (lane, instance) => call('dequeue', { lane, instance }),
    queue: (lane) => call('queue', { lane }, (u) => u['tickets'] as ReadonlyArray<Q.TicketView>),
  };
};
