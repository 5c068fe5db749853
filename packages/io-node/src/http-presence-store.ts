/**
 * HTTP client of the `PresenceStore` port (presence.md §9 RS5–RS6): the session registry of an `arbiter serve`, one request per
 * call with the bearer token. The served store stamps every sighting with its own clock (the server machine's for an
 * embedded store, the database's for PostgreSQL), never this client's, so machines whose clocks disagree still
 * record one session's events in the order the service saw them (PR-P4).
 *
 * Small like http-lane-store.ts, and through the same `Http` adapter (`node:http` is loaded on the first request).
 * Failure kinds: no token, 401 or 403 → `unavailable`; no answer (refused, reset, DNS), the client timeout
 * (`NET_TIMEOUT_MS`) or a 5xx → `transport`, except that a 5xx whose body is the service's own
 * `{error: "store-<kind>", message}` keeps the kind the served store failed with (a database not migrated stays
 * `unavailable` naming `arbiter db migrate`); any other status or an answer that does not decode → `other`. `record`
 * is never retried: the next event records again.
 */
import * as E from 'fp-ts/lib/Either.js';
import type { HttpFailure, HttpRequest, HttpResponse, PresenceFailure, PresenceList, PresenceProblem, PresenceRecorded, PresenceSighting, PresenceStore, SessionPresence } from '@arbiter/kernel';
import { presence as P } from '@arbiter/kernel';
import { httpRequest } from './http.js';
import { HTTP_STORE_TIMEOUT_MS } from './http-lane-store.js';

/** The presence routes of `arbiter serve` (presence.md §9). */
export const PRESENCE_ROUTES = {
  /** POST, body a `PresenceSighting`; answer a `PresenceRecorded`. Owner and member tokens. */
  record: '/v1/presence/record',
  /** GET; answer a `PresenceList`. Any valid token, a viewer's too. */
  list: '/v1/presence',
} as const;

/**
 * Largest answer accepted, bytes: a listing of ten thousand sessions of ordinary ids is about 3 MiB; 64 MiB leaves
 * room for long ids and paths without letting a broken service exhaust the client.
 */
export const PRESENCE_MAX_ANSWER = 64 * 1024 * 1024;

/** Options of {@link httpPresenceStore}. `request` is a seam for tests (defaults to `httpRequest`). */
export interface HttpPresenceStoreOptions {
  /** Base URL of the service, e.g. `http://127.0.0.1:7420`. */
  readonly url: string;
  /** Bearer token, or `null` when the configured variable is unset (every call then fails `unavailable` locally). */
  readonly token: string | null;
  readonly timeoutMs?: number;
  readonly request?: (req: HttpRequest) => Promise<E.Either<HttpFailure, HttpResponse>>;
}

const failure = P.presenceFailure;

type Obj = Record<string, unknown>;
const isObj = (u: unknown): u is Obj => typeof u === 'object' && u !== null && !Array.isArray(u);
const KINDS: ReadonlyArray<PresenceFailure['kind']> = ['transport', 'unavailable', 'other'];

/**
 * presence.md §9 RS6: a non-success answer → failure. 401/403 → `unavailable`; a 5xx → the kind named by the service's
 * `store-<kind>` error body when it has one, else `transport`; anything else → `other`. Total.
 */
export const presenceFailureOfStatus = (status: number, body: string): PresenceFailure => {
  if (status === 401 || status === 403) return failure('unavailable', `http-${status}`);
  if (status >= 500) {
    try {
      const u: unknown = JSON.parse(body);
      const m = isObj(u) && typeof u['error'] === 'string' ? /^store-(transport|unavailable|other)$/.exec(u['error']) : null;
      if (m !== null && isObj(u)) {
        const kind = KINDS.find((k) => k === m[1]) ?? 'transport';
        return failure(kind, typeof u['message'] === 'string' ? u['message'] : `http-${status}`);
      }
    } catch {
      // not the service's own error body (a proxy's page): a transport failure
    }
    return failure('transport', `http-${status}`);
  }
  return failure('other', `http-${status}`);
};

/** A listed record as this client can use it, or a problem (an answer from a newer service). */
const decodeListed = (u: unknown, i: number): SessionPresence | PresenceProblem => {
  const key = isObj(u) && typeof u['session'] === 'string' ? u['session'] : `#${i}`;
  return P.storedRecordOf(key, u);
};
const isProblemAnswer = (u: unknown): u is PresenceProblem =>
  isObj(u) && typeof u['key'] === 'string' && (u['kind'] === 'corrupt' || u['kind'] === 'newer') && typeof u['detail'] === 'string';

/**
 * Build the client (presence.md §9). Synchronous and cheap. Methods never throw or reject; every error is a
 * `PresenceFailure` (see module doc). `close` is a no-op. A listed record this client cannot decode (one from a newer
 * Arbiter) becomes a problem of the listing, never a failed call.
 */
export const httpPresenceStore = (o: HttpPresenceStoreOptions): PresenceStore & { readonly close: () => Promise<void> } => {
  const base = o.url.replace(/\/+$/, '');
  const send = o.request ?? httpRequest;
  const timeoutMs = o.timeoutMs ?? HTTP_STORE_TIMEOUT_MS;
  const call = async (method: 'GET' | 'POST', path: string, body: string | undefined): Promise<E.Either<PresenceFailure, unknown>> => {
    if (o.token === null || o.token === '') return E.left(failure('unavailable', 'no token'));
    const r = await send({
      method,
      url: base + path,
      headers: { authorization: `Bearer ${o.token}`, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body }),
      timeoutMs,
      maxBodyBytes: PRESENCE_MAX_ANSWER,
    });
    if (r._tag === 'Left') {
      if (r.left._tag === 'TooLarge') return E.left(failure('other', 'answer too large'));
      return E.left(failure('transport', r.left._tag === 'Timeout' ? 'timeout' : r.left.detail));
    }
    if (r.right.status !== 200) return E.left(presenceFailureOfStatus(r.right.status, r.right.body));
    try {
      return E.right(JSON.parse(r.right.body) as unknown);
    } catch {
      return E.left(failure('other', 'bad answer'));
    }
  };
  const bad = E.left<PresenceFailure, never>(failure('other', 'bad answer'));
  return {
    record: (s: PresenceSighting) => async () => {
      const r = await call('POST', PRESENCE_ROUTES.record, JSON.stringify(s));
      if (E.isLeft(r)) return r;
      const u = r.right;
      if (!isObj(u) || typeof u['changed'] !== 'boolean') return bad;
      if (u['presence'] === null) return E.right<PresenceFailure, PresenceRecorded>({ presence: null, changed: u['changed'] });
      const d = P.decodePresence(u['presence']);
      return d._tag === 'Ok' ? E.right<PresenceFailure, PresenceRecorded>({ presence: d.presence, changed: u['changed'] }) : bad;
    },
    list: () => async () => {
      const r = await call('GET', PRESENCE_ROUTES.list, undefined);
      if (E.isLeft(r)) return r;
      const u = r.right;
      if (!isObj(u) || !Array.isArray(u['sessions']) || !Array.isArray(u['problems']) || !u['problems'].every(isProblemAnswer)) return bad;
      const sessions: SessionPresence[] = [];
      const problems: PresenceProblem[] = [...(u['problems'] as PresenceProblem[])];
      (u['sessions'] as unknown[]).forEach((x, i) => {
        const d = decodeListed(x, i);
        if (P.isPresenceProblem(d)) problems.push(d);
        else sessions.push(d);
      });
      return E.right<PresenceFailure, PresenceList>({ sessions, problems });
    },
    close: async () => undefined,
  };
};
