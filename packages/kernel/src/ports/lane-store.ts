/**
 * `LaneStore` port of the deploy lanes (push-gate.md §5.1–5.3). Types only.
 *
 * Designed so that the embedded file-system store, the in-memory store, a PostgreSQL store and an HTTP client all
 * implement it without kernel changes: every adapter maps its own errors (errno, SQLSTATE, HTTP status) onto the
 * four failure kinds of {@link LaneFailure}; the kernel branches on `kind` only and keeps `status` for logs.
 * "Held", "Lost" and "NotHolder" are answers, not failures, so they travel on the Right side.
 *
 * Lane names (push-gate.md §3.2 N5): every adapter accepts every `isLaneName` string, whatever its characters or
 * length, and keys it however its medium needs (the embedded store hashes it); the full name is stored in the record.
 * A name outside `isLaneName` is refused with `other` (status `bad-lane-name`) before anything is read or written
 * (push-gate.md §5.3 LS13), and a record the adapter's codec would not read back is never committed (push-gate.md §5.5 E7).
 */
import type { TaskEither } from 'fp-ts/lib/TaskEither.js';
import type {
  AuditRecord,
  ClaimMeta,
  ClaimOk,
  ForceOk,
  HaltOk,
  HeartbeatOk,
  Holder,
  ReleaseOk,
  StateView,
  UnhaltOk,
} from '../push-gate/lanes.js';
import type { DequeueOk, EnqueueOk, TicketMeta, TicketView } from '../land/queue.js';

/** Failure kinds (push-gate.md §5.6). `status` is an adapter detail (errno code, SQLSTATE, HTTP status), ≤ 64 chars. */
export interface LaneFailure {
  readonly _tag: 'LaneFailure';
  readonly kind: 'transport' | 'contended' | 'forbidden' | 'other';
  readonly status: string;
}

/**
 * The lane store, with the landing queue of every lane ({@link LaneQueue}, land.md §2). Every method is one atomic
 * step against the store (LS12). Times come from the store's clock (LS2).
 */
export interface LaneStore extends LaneQueue {
  /** LS4: `Granted {fence, reclaimed}` or `Held {...}`. */
  readonly claim: (lane: string, holder: Holder, meta: ClaimMeta) => TaskEither<LaneFailure, ClaimOk>;
  /** LS5: `Ok` or `Lost`. */
  readonly heartbeat: (lane: string, instance: string, fence: number) => TaskEither<LaneFailure, HeartbeatOk>;
  /** LS6: `Released {fence}` or `NotHolder` (idempotent). */
  readonly release: (lane: string, instance: string) => TaskEither<LaneFailure, ReleaseOk>;
  /** LS7: owner-only; state change and audit record in one atomic step. Non-owner → `forbidden`. */
  readonly forceRelease: (lane: string, by: Holder, reason: string | null) => TaskEither<LaneFailure, ForceOk>;
  /** LS9: `lane` or `'all'`; halts directed at / placed by `session`. */
  readonly state: (lane: string | 'all', session: string) => TaskEither<LaneFailure, StateView>;
  /** LS10: append a `status` audit record. */
  readonly post: (p: { readonly body: string; readonly lane: string | null; readonly by: Holder }) => TaskEither<LaneFailure, { readonly _tag: 'Posted' }>;
  /** LS11: open a halt directed at `target`. */
  readonly halt: (target: string, by: Holder, reason: string) => TaskEither<LaneFailure, HaltOk>;
  /** LS11: close every open halt directed at `target` (owner or author of all of them, else `forbidden`). */
  readonly unhalt: (target: string, by: Holder) => TaskEither<LaneFailure, UnhaltOk>;
  /** Newest audit records, oldest first (at most `limit`); for `arbiter lane status`. */
  readonly audit: (limit: number) => TaskEither<LaneFailure, ReadonlyArray<AuditRecord>>;
}

/**
 * The landing queue on a lane (land.md §2): FIFO tickets per lane, kept alive by the waiter re-enqueueing (its
 * heartbeat). Every method is one atomic step against the store; times from the store's clock. Lane names as for
 * {@link LaneStore} (a bad name is `other` / `bad-lane-name`), a bad `TicketMeta` is `other` / `bad-ticket`.
 */
export interface LaneQueue {
  /** Q2: take a ticket at the back of `lane`'s queue, or refresh this instance's live ticket in place. */
  readonly enqueue: (lane: string, holder: Holder, meta: TicketMeta) => TaskEither<LaneFailure, EnqueueOk>;
  /** Q5: withdraw this instance's ticket (`NotQueued` when it has none: idempotent). */
  readonly dequeue: (lane: string, instance: string) => TaskEither<LaneFailure, DequeueOk>;
  /** Q3: the live tickets of `lane`, position 1 first (expired tickets are never reported). */
  readonly queue: (lane: string) => TaskEither<LaneFailure, ReadonlyArray<TicketView>>;
}
