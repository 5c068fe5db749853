/**
 * The landing queue on a lane (land.md §2): FIFO tickets per lane, each kept alive by its waiter's heartbeat, so a
 * dead waiter never blocks the line. Records, their codec and the pure transitions every adapter applies (the
 * memory and file-system stores call these; the PostgreSQL store does the same in SQL and the HTTP store forwards),
 * checked by one contract suite.
 *
 * Pure: `now` (ms epoch, the store's own clock, as push-gate.md §5.3 LS2 asks for lanes) arrives as an argument.
 */
import * as t from 'io-ts';
import { isRight } from 'fp-ts/lib/Either.js';
import { SafeInt, describeErrors, intIn, strLen } from '../internal/codecs.js';
import { isLaneName, type Holder } from '../push-gate/lanes.js';

/** A ticket lives this long after its last heartbeat when the waiter gives no `ttl_ms`, ms (land.md §2 Q4). */
export const TICKET_TTL_DEFAULT_MS = 120_000;
/** Accepted `ttl_ms` range, ms (land.md §2 Q4). */
export const TICKET_TTL_MIN_MS = 5_000;
export const TICKET_TTL_MAX_MS = 3_600_000;
/** Longest branch name stored on a ticket, UTF-16 code units (display only; the lane names the target). */
export const TICKET_BRANCH_MAX = 1_024;

/** What a waiter tells the queue besides who it is (land.md §2). */
export interface TicketMeta {
  /** The branch being landed (display only). */
  readonly branch: string;
  /** Lifetime after the last heartbeat, ms, within [TICKET_TTL_MIN_MS, TICKET_TTL_MAX_MS]. */
  readonly ttl_ms: number;
}

const Str = strLen(0, 512);
const LaneName = new t.Type<string, string, unknown>('Lane', isLaneName, (u, c) => (isLaneName(u) ? t.success(u) : t.failure(u, c)), t.identity);

/** One stored ticket (land.md §2 Q1). Times ms epoch (store clock); `seq` rises per lane and orders the queue. */
export const TicketRecordCodec = t.exact(
  t.type({
    ticket_id: strLen(1, 64),
    lane: LaneName,
    seq: intIn(1, Number.MAX_SAFE_INTEGER, 'Seq'),
    handle: Str,
    session: Str,
    instance: strLen(1, 512),
    host: Str,
    branch: strLen(0, TICKET_BRANCH_MAX),
    created_at: SafeInt,
    heartbeat_at: SafeInt,
    ttl_ms: intIn(TICKET_TTL_MIN_MS, TICKET_TTL_MAX_MS, 'TicketTtl'),
  }),
);
export type TicketRecord = t.TypeOf<typeof TicketRecordCodec>;

/** Decode one stored ticket. @returns the record, or `{corrupt}` naming what failed. */
export const decodeTicket = (u: unknown): TicketRecord | { readonly corrupt: string } => {
  const r = TicketRecordCodec.decode(u);
  return isRight(r) ? r.right : { corrupt: describeErrors(r.left) };
};

/** A ticket as `queue` reports it (land.md §2 Q3). Ages in seconds (store clock); `position` 1-based. */
export interface TicketView {
  readonly ticket_id: string;
  readonly lane: string;
  readonly position: number;
  readonly handle: string;
  readonly session: string;
  readonly instance: string;
  readonly host: string;
  readonly branch: string;
  readonly created_at: number;
  readonly age_sec: number;
  readonly heartbeat_age_sec: number;
  readonly ttl_ms: number;
}

/** Answers of the queue methods (land.md §2 Q2, Q5). */
export type EnqueueOk = { readonly _tag: 'Enqueued'; readonly ticket: TicketView; readonly refreshed: boolean };
export type DequeueOk = { readonly _tag: 'Dequeued'; readonly ticket_id: string } | { readonly _tag: 'NotQueued' };

/**
 * Whether `meta` is acceptable (land.md §2 Q6): a branch within bounds, without a control character or a lone
 * surrogate (it is printed in `arbiter land status` and progress lines, and PostgreSQL text cannot hold U+0000 or a
 * lone surrogate, so every adapter refuses the same branches), and a ttl within range.
 */
export const isTicketMeta = (m: TicketMeta): boolean =>
  typeof m === 'object' &&
  m !== null &&
  typeof m.branch === 'string' &&
  m.branch.length <= TICKET_BRANCH_MAX &&
  !/[\u0000-\u001f\u007f]|[\ud800-\udfff]/u.test(m.branch) &&
  Number.isSafeInteger(m.ttl_ms) &&
  m.ttl_ms >= TICKET_TTL_MIN_MS &&
  m.ttl_ms <= TICKET_TTL_MAX_MS;

/**
 * Whether a ticket can keep `holder` (land.md §2 Q6): an instance of 1 to 512 UTF-16 units and a handle, session and
 * host of at most 512, as {@link TicketRecordCodec} reads them back. Adapters check it before anything is written.
 */
export const isTicketHolder = (h: Holder): boolean =>
  typeof h === 'object' &&
  h !== null &&
  [h.handle, h.session, h.host].every((x) => typeof x === 'string' && x.length <= 512) &&
  typeof h.instance === 'string' &&
  h.instance.length >= 1 &&
  h.instance.length <= 512;

/**
 * Q6 for `enqueue`: why the call is refused before anything is read or written, or null when it may proceed. One
 * check for every adapter (memory, fs, PostgreSQL), so they all refuse the same input with the same status.
 */
export const enqueueRefusal = (lane: string, holder: Holder, meta: TicketMeta): 'bad-lane-name' | 'bad-ticket' | null =>
  !isLaneName(lane) ? 'bad-lane-name' : !isTicketMeta(meta) || !isTicketHolder(holder) ? 'bad-ticket' : null;

/** Q4: a ticket has expired when more than its ttl has passed since its last heartbeat. */
export const isTicketExpired = (r: TicketRecord, now: number): boolean => now - r.heartbeat_at > r.ttl_ms;

/** Q3: the live tickets of one lane in queue order (ascending `seq`). */
export const liveTickets = (records: ReadonlyArray<TicketRecord>, lane: string, now: number): ReadonlyArray<TicketRecord> =>
  records.filter((r) => r.lane === lane && !isTicketExpired(r, now)).sort((a, b) => a.seq - b.seq);

/** The view of live ticket `r` at 1-based `position`. */
export const ticketView = (r: TicketRecord, position: number, now: number): TicketView => ({
  ticket_id: r.ticket_id,
  lane: r.lane,
  position,
  handle: r.handle,
  session: r.session,
  instance: r.instance,
  host: r.host,
  branch: r.branch,
  created_at: r.created_at,
  age_sec: Math.max(0, Math.floor((now - r.created_at) / 1000)),
  heartbeat_age_sec: Math.max(0, Math.floor((now - r.heartbeat_at) / 1000)),
  ttl_ms: r.ttl_ms,
});

/** Q3: the queue of `lane` as views, position 1 first. */
export const queueView = (records: ReadonlyArray<TicketRecord>, lane: string, now: number): ReadonlyArray<TicketView> =>
  liveTickets(records, lane, now).map((r, i) => ticketView(r, i + 1, now));

/** A queue transition: the lane's records after the step, and the answer. */
export interface QueueTransition<R> {
  /** Every record the lane keeps after the step (expired tickets dropped). */
  readonly next: ReadonlyArray<TicketRecord>;
  readonly result: R;
}

/**
 * Q2 enqueue: idempotent per `(lane, holder.instance)`. A live ticket of the same instance is refreshed (heartbeat,
 * ttl and branch updated; its `seq`, id and place kept, `refreshed: true`); otherwise a new ticket is appended with
 * `seq` one above the highest the lane has ever used (`maxSeq`, which the adapter keeps so a drained queue never
 * reuses a number) and id `newId`. Expired tickets are dropped from `next`.
 */
export const enqueueT = (
  records: ReadonlyArray<TicketRecord>,
  lane: string,
  holder: Holder,
  meta: TicketMeta,
  now: number,
  maxSeq: number,
  newId: string,
): QueueTransition<EnqueueOk> => {
  const live = liveTickets(records, lane, now);
  const mine = live.find((r) => r.instance === holder.instance);
  const next: ReadonlyArray<TicketRecord> = mine
    ? live.map((r) => (r === mine ? { ...r, heartbeat_at: now, ttl_ms: meta.ttl_ms, branch: meta.branch } : r))
    : [
        ...live,
        {
          ticket_id: newId,
          lane,
          seq: Math.max(maxSeq, ...live.map((r) => r.seq)) + 1,
          handle: holder.handle,
          session: holder.session,
          instance: holder.instance,
          host: holder.host,
          branch: meta.branch,
          created_at: now,
          heartbeat_at: now,
          ttl_ms: meta.ttl_ms,
        },
      ];
  const position = next.findIndex((r) => r.instance === holder.instance);
  return { next, result: { _tag: 'Enqueued', ticket: ticketView(next[position] as TicketRecord, position + 1, now), refreshed: mine !== undefined } };
};

/** Q5 dequeue: withdraw the live ticket of `instance` on `lane` (idempotent: `NotQueued` when none). */
export const dequeueT = (records: ReadonlyArray<TicketRecord>, lane: string, instance: string, now: number): QueueTransition<DequeueOk> => {
  const live = liveTickets(records, lane, now);
  const mine = live.find((r) => r.instance === instance);
  return mine === undefined
    ? { next: live, result: { _tag: 'NotQueued' } }
    : { next: live.filter((r) => r !== mine), result: { _tag: 'Dequeued', ticket_id: mine.ticket_id } };
};
