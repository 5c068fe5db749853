/**
 * Deploy-lane records and their pure transitions (push-gate.md §5.1–5.4). The in-memory store and the embedded
 * file-system store call these inside their compare-and-set loops, so every adapter agrees with the kernel; a
 * PostgreSQL store implements the same table in SQL and is checked by the same contract suite.
 *
 * Pure: `now` (ms epoch, the store's own clock, LS2) and owners arrive as arguments.
 */
import * as t from 'io-ts';
import { isRight } from 'fp-ts/lib/Either.js';
import { IsoMillis, SafeInt, describeErrors, intIn, strLen } from '../internal/codecs.js';
import { maskString } from '../internal/mask.js';

// ───────────────────────────────────────── constants (push-gate.md §2) ─────────────────────────────────────────

/** Lane record schema version. */
export const LANE_SCHEMA_VERSION = 1;
/** Accepted `eta_minutes` range. */
export const ETA_MIN = 1;
export const ETA_MAX = 1_440;
/** Lane lease when no `eta_minutes` is given, minutes. */
export const DEFAULT_LEASE_MIN = 30;
/**
 * The one failure status the kernel reads (push-gate.md §5.7 PS3): a store whose schema is missing or older than this
 * Arbiter fails with kind `other` and exactly this status, and the gate's L-REFUSED message then names the fix.
 * Every other status stays an adapter detail kept for logs.
 */
export const STATUS_SCHEMA_OUTDATED = 'schema missing or old: run `arbiter db migrate`';
/** Longest reason accepted by `forceRelease` / `halt`, characters. */
export const REASON_MAX = 200;

// ───────────────────────────────────────── model (push-gate.md §5.1, push-gate.md §5.4) ─────────────────────────────────────

/**
 * Longest lane name, UTF-16 code units (push-gate.md §3.2 N5). Twice Linux's `PATH_MAX` (4 096 bytes): git keeps
 * every ref it can create as a loose file under that limit, so `deploy:` + any ref git can hold always fits.
 */
export const LANE_NAME_MAX = 8_192;

/**
 * Lane name (push-gate.md §3.2 N5): a string of 1 to `LANE_NAME_MAX` UTF-16 code units, well-formed UTF-16 (no lone
 * surrogate) and without ASCII control characters (U+0000–U+001F, U+007F). Every `deploy:` + ref that
 * `git check-ref-format` accepts is one, whatever its characters (non-ASCII, shell metacharacters, `*`); the codec,
 * both stores and the verbs use this one predicate, so no store writes a record its codec refuses.
 */
export const isLaneName = (x: unknown): x is string =>
  typeof x === 'string' && x.length >= 1 && x.length <= LANE_NAME_MAX && !/[\u0000-\u001f\u007f]|[\ud800-\udfff]/u.test(x);

const LaneName = new t.Type<string, string, unknown>('Lane', isLaneName, (u, c) => (isLaneName(u) ? t.success(u) : t.failure(u, c)), t.identity);
const Fence = intIn(0, Number.MAX_SAFE_INTEGER, 'Fence');
const Str = strLen(0, 512);
const Intent = t.keyof({ push: null, deploy: null, 'break-glass': null });
const Eta = t.union([intIn(ETA_MIN, ETA_MAX, 'EtaMinutes'), t.null]);

/** Who is acting: `{handle, session, instance, host}` (push-gate.md §5.1 `Holder`). */
export interface Holder {
  readonly handle: string;
  readonly session: string;
  readonly instance: string;
  readonly host: string;
}
/** `ClaimMeta` (push-gate.md §5.1). */
export interface ClaimMeta {
  readonly intent: 'push' | 'deploy' | 'break-glass';
  readonly eta_minutes: number | null;
}

/** Summary of a displaced holder kept in events and audit records. */
export interface PreviousHolder {
  readonly handle: string;
  readonly session: string;
  readonly instance: string;
  readonly host: string;
}

/** Event kinds of a generation; `heartbeat` and `re-entry` are not audit-worthy (E3). */
export type EventKind = 'claim' | 're-entry' | 'expired-takeover' | 'heartbeat' | 'release' | 'force-release' | 'corrupt-record';

const recordCodecs = <I>(instant: t.Type<number, I, unknown>) => {
  const prev = t.union([t.null, t.type({ handle: Str, session: Str, instance: Str, host: Str })]);
  const holder = t.type({
    handle: Str,
    session: Str,
    instance: Str,
    host: Str,
    claimed_at: instant,
    heartbeat_at: instant,
    lease_ms: intIn(1, ETA_MAX * 60_000, 'LeaseMs'),
    intent: Intent,
    eta_minutes: Eta,
  });
  const event = t.type({
    kind: t.keyof({ claim: null, 're-entry': null, 'expired-takeover': null, heartbeat: null, release: null, 'force-release': null, 'corrupt-record': null }),
    at: instant,
    by_handle: Str,
    by_session: Str,
    by_instance: Str,
    reason: t.union([Str, t.null]),
    previous: prev,
  });
  return t.type({ schema_version: t.literal(LANE_SCHEMA_VERSION), lane: LaneName, fence: Fence, holder: t.union([t.null, holder]), event });
};

/** In-memory lane record codec (instants ms epoch). */
export const LaneRecordMem = recordCodecs(SafeInt);
/** On-disk lane record codec (instants ISO-8601 UTC with ms; architecture.md conventions §4). */
export const LaneRecordCodec = recordCodecs(IsoMillis);
export type LaneRecord = t.TypeOf<typeof LaneRecordMem>;
export type LaneHolderRecord = NonNullable<LaneRecord['holder']>;
export type LaneEvent = LaneRecord['event'];

/** Encode a record as the JSON text of one generation file. */
export const encodeLaneRecord = (r: LaneRecord): string => JSON.stringify(LaneRecordCodec.encode(r));

/**
 * Decode one generation's text for `lane` (E2: a record naming another lane is corrupt).
 * @returns the record, or `{corrupt: detail}` with a short byte-free detail.
 */
export const decodeLaneRecord = (text: string, lane: string): LaneRecord | { readonly corrupt: string } => {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { corrupt: 'not valid JSON' };
  }
  return decodeLaneJson(json, lane);
};

/**
 * {@link decodeLaneRecord} of a generation already parsed as JSON (`json`, any value): the same codec and the same
 * answers, for a reader that had to parse the text first to learn which lane it holds (the overview of every lane,
 * `state('all')`), so it parses each file once.
 */
export const decodeLaneJson = (json: unknown, lane: string): LaneRecord | { readonly corrupt: string } => {
  const r = LaneRecordCodec.decode(json);
  if (!isRight(r)) return { corrupt: describeErrors(r.left) };
  if (r.right.lane !== lane) return { corrupt: 'record names another lane' };
  return r.right;
};

/**
 * True when `r` is a record the on-disk codec reads back for `lane` unchanged (push-gate.md §5.5 E7): every adapter
 * checks this before it commits a generation, so a record its own codec would refuse is never written.
 */
export const isStorableRecord = (r: LaneRecord, lane: string): boolean => storableLaneText(r, lane) !== null;

/**
 * The generation text of `r` when it is storable for `lane` (see {@link isStorableRecord}), else null: the check
 * and the encoding a file store then writes, in one pass (push-gate.md §5.5 E7).
 */
export const storableLaneText = (r: LaneRecord, lane: string): string | null => {
  if (!LaneRecordMem.is(r)) return null;
  try {
    const text = encodeLaneRecord(r);
    return 'corrupt' in decodeLaneRecord(text, lane) ? null : text;
  } catch {
    return null; // an instant outside the ISO range cannot be encoded
  }
};

/** One audit record (push-gate.md §5.1 `AuditRecord`). `at` ms epoch (store clock). */
export interface AuditRecord {
  readonly at: number;
  readonly lane: string | null;
  readonly kind: EventKind | 'status' | 'halt' | 'unhalt';
  readonly by_handle: string;
  readonly by_session: string;
  readonly by_instance: string;
  readonly fence: number | null;
  readonly previous: PreviousHolder | null;
  readonly reason: string | null;
  readonly body: string | null;
}

/** One lane as `state` reports it (push-gate.md §5.1 `LaneView`). Ages in seconds (store clock). */
export interface LaneView {
  readonly lane: string;
  readonly fence: number;
  readonly holder: null | {
    readonly handle: string;
    readonly session: string;
    readonly instance: string;
    readonly host: string;
    readonly claimed_at: number;
    readonly heartbeat_age_sec: number;
    readonly lease_sec: number;
    readonly intent: ClaimMeta['intent'];
    readonly eta_minutes: number | null;
  };
  readonly expired: boolean;
}

/** A halt (push-gate.md §5.1). `created_at` ms epoch, `age_sec` seconds. */
export interface Halt {
  readonly halt_id: string;
  readonly target_session: string;
  readonly by_handle: string;
  readonly by_session: string;
  readonly reason: string;
  readonly created_at: number;
  readonly age_sec: number;
  readonly open: boolean;
}

/** `StateView` (push-gate.md §5.1). */
export interface StateView {
  readonly lanes: ReadonlyArray<LaneView>;
  readonly halts: ReadonlyArray<Halt>;
  readonly placed: ReadonlyArray<Halt>;
}

/** Successful answers of the port methods (push-gate.md §5.2). */
export type ClaimOk =
  | { readonly _tag: 'Granted'; readonly fence: number; readonly reclaimed: boolean }
  | { readonly _tag: 'Held'; readonly holder_handle: string; readonly holder_instance: string; readonly heartbeat_age_sec: number };
export type HeartbeatOk = { readonly _tag: 'Ok' } | { readonly _tag: 'Lost'; readonly holder_handle: string | null };
export type ReleaseOk = { readonly _tag: 'Released'; readonly fence: number } | { readonly _tag: 'NotHolder' };
export type ForceOk = { readonly _tag: 'Forced'; readonly previous: PreviousHolder | null; readonly fence: number };
export type HaltOk = { readonly _tag: 'Halted'; readonly halt_id: string };
export type UnhaltOk = { readonly _tag: 'Unhalted'; readonly count: number };

// ───────────────────────────────────────── helpers ─────────────────────────────────────────

/** Lease in ms for a claim (LS3): `eta_minutes × 60 000`, else `defaultLeaseMin × 60 000`. */
export const leaseMs = (meta: ClaimMeta, defaultLeaseMin = DEFAULT_LEASE_MIN): number =>
  (meta.eta_minutes ?? defaultLeaseMin) * 60_000;

/** LS3: expired iff `now − heartbeat_at > lease_ms` (equality is live). */
export const isExpired = (h: LaneHolderRecord, now: number): boolean => now - h.heartbeat_at > h.lease_ms;

/** Seconds between two ms instants, floored, never negative. */
export const ageSec = (now: number, at: number): number => Math.max(0, Math.floor((now - at) / 1000));

/** LS7 owner check: `owners` absent = everyone; else case-insensitive after trimming. */
export const isOwner = (member: string, owners: ReadonlyArray<string> | undefined): boolean =>
  owners === undefined || owners.some((o) => o.trim().toLowerCase() === member.trim().toLowerCase());

const prevOf = (h: LaneHolderRecord | null | undefined): PreviousHolder | null =>
  h ? { handle: h.handle, session: h.session, instance: h.instance, host: h.host } : null;

const eventOf = (kind: EventKind, by: Holder, now: number, reason: string | null, previous: PreviousHolder | null): LaneEvent => ({
  kind,
  at: now,
  by_handle: by.handle,
  by_session: by.session,
  by_instance: by.instance,
  reason,
  previous,
});

/** The audit record of a committed generation's event, or none for `heartbeat` / `re-entry` (E3). */
export const auditOf = (r: LaneRecord): ReadonlyArray<AuditRecord> =>
  r.event.kind === 'heartbeat' || r.event.kind === 're-entry'
    ? []
    : [
        {
          at: r.event.at,
          lane: r.lane,
          kind: r.event.kind,
          by_handle: r.event.by_handle,
          by_session: r.event.by_session,
          by_instance: r.event.by_instance,
          fence: r.fence,
          previous: r.event.previous,
          reason: r.event.reason,
          body: null,
        },
      ];

/** Project a record (or its absence) as a `LaneView` at `now`. */
export const viewOf = (lane: string, r: LaneRecord | null, now: number): LaneView => {
  if (r === null) return { lane, fence: 0, holder: null, expired: false };
  const h = r.holder;
  if (h === null) return { lane, fence: r.fence, holder: null, expired: false };
  return {
    lane,
    fence: r.fence,
    holder: {
      handle: h.handle,
      session: h.session,
      instance: h.instance,
      host: h.host,
      claimed_at: h.claimed_at,
      heartbeat_age_sec: ageSec(now, h.heartbeat_at),
      lease_sec: Math.floor(h.lease_ms / 1000),
      intent: h.intent,
      eta_minutes: h.eta_minutes,
    },
    expired: isExpired(h, now),
  };
};

// ───────────────────────────────────────── transitions (push-gate.md §5.4) ─────────────────────────────────────

/** Result of a transition: the answer, the new generation (`null` = nothing to commit) and its audit records. */
export interface Transition<R> {
  readonly result: R;
  readonly next: LaneRecord | null;
  readonly audit: ReadonlyArray<AuditRecord>;
}

const commitT = <R>(result: R, next: LaneRecord): Transition<R> => ({ result, next, audit: auditOf(next) });
const noop = <R>(result: R): Transition<R> => ({ result, next: null, audit: [] });

/**
 * LS4 claim. `current` is the newest record of `lane` or `null`; `defaultLeaseMin` from configuration.
 * Free or expired → `Granted {fence+1, reclaimed:false}` (`expired-takeover` event when a holder was displaced);
 * our instance unexpired → `Granted {same fence, reclaimed:true}` with `lease_ms = max(old, requested)`;
 * another instance unexpired → `Held` with no commit.
 */
export const claimT = (
  current: LaneRecord | null,
  lane: string,
  holder: Holder,
  meta: ClaimMeta,
  now: number,
  defaultLeaseMin = DEFAULT_LEASE_MIN,
): Transition<ClaimOk> => {
  const fence = current?.fence ?? 0;
  const h = current?.holder ?? null;
  const lease = leaseMs(meta, defaultLeaseMin);
  const live = h !== null && !isExpired(h, now);
  if (live && h.instance === holder.instance) {
    const next: LaneRecord = {
      schema_version: 1,
      lane,
      fence,
      holder: { ...h, heartbeat_at: now, lease_ms: Math.max(h.lease_ms, lease), intent: meta.intent, eta_minutes: meta.eta_minutes },
      event: eventOf('re-entry', holder, now, null, null),
    };
    return commitT({ _tag: 'Granted', fence, reclaimed: true }, next);
  }
  if (live) {
    return noop({ _tag: 'Held', holder_handle: h.handle, holder_instance: h.instance, heartbeat_age_sec: ageSec(now, h.heartbeat_at) });
  }
  const next: LaneRecord = {
    schema_version: 1,
    lane,
    fence: fence + 1,
    holder: { ...holder, claimed_at: now, heartbeat_at: now, lease_ms: lease, intent: meta.intent, eta_minutes: meta.eta_minutes },
    event: eventOf(h === null ? 'claim' : 'expired-takeover', holder, now, null, prevOf(h)),
  };
  return commitT({ _tag: 'Granted', fence: fence + 1, reclaimed: false }, next);
};

/** LS5 heartbeat: only our unexpired holding with the same fence is renewed; otherwise `Lost`, no commit. */
export const heartbeatT = (current: LaneRecord | null, lane: string, instance: string, fence: number, now: number): Transition<HeartbeatOk> => {
  const h = current?.holder ?? null;
  if (current === null || h === null || h.instance !== instance || current.fence !== fence || isExpired(h, now)) {
    return noop({ _tag: 'Lost', holder_handle: h !== null && !isExpired(h, now) ? h.handle : null });
  }
  const by: Holder = { handle: h.handle, session: h.session, instance: h.instance, host: h.host };
  return commitT({ _tag: 'Ok' }, { ...current, lane, holder: { ...h, heartbeat_at: now }, event: eventOf('heartbeat', by, now, null, null) });
};

/** LS6 release: our holding (expired or not) is cleared, fence kept, `release` event; otherwise `NotHolder`. */
export const releaseT = (current: LaneRecord | null, lane: string, instance: string, now: number): Transition<ReleaseOk> => {
  const h = current?.holder ?? null;
  if (current === null || h === null || h.instance !== instance) return noop({ _tag: 'NotHolder' });
  const by: Holder = { handle: h.handle, session: h.session, instance: h.instance, host: h.host };
  return commitT({ _tag: 'Released', fence: current.fence }, { ...current, lane, holder: null, event: eventOf('release', by, now, null, prevOf(h)) });
};

/**
 * LS7 force-release: non-owner → `Forbidden` (no commit, no audit); owner → holder cleared, fence kept, a
 * `force-release` event naming `by`, `reason` and the previous holder in the same generation. A free lane still
 * gets the event (and a record with fence 0 when it had none).
 */
export const forceReleaseT = (
  current: LaneRecord | null,
  lane: string,
  by: Holder,
  reason: string | null,
  now: number,
  owners: ReadonlyArray<string> | undefined,
): Transition<ForceOk | { readonly _tag: 'Forbidden' }> => {
  if (!isOwner(by.handle, owners)) return noop({ _tag: 'Forbidden' });
  const fence = current?.fence ?? 0;
  const previous = prevOf(current?.holder);
  const r = reason === null ? null : maskString(reason).slice(0, REASON_MAX); // secrets.md §12: the break-glass reason is stored
  return commitT(
    { _tag: 'Forced', previous, fence },
    { schema_version: 1, lane, fence, holder: null, event: eventOf('force-release', by, now, r, previous) },
  );
};

/**
 * E2 corrupt newest generation `g`: replaced as a free lane with fence = g and a `corrupt-record` event; the caller
 * then applies the requested transition on top of it.
 */
export const corruptReplacement = (lane: string, generation: number, now: number, detail: string): LaneRecord => ({
  schema_version: 1,
  lane,
  fence: generation,
  holder: null,
  event: { kind: 'corrupt-record', at: now, by_handle: 'arbiter', by_session: 'arbiter', by_instance: 'arbiter', reason: detail.slice(0, REASON_MAX), previous: null },
});

/** Stored halt (E4), instants ms epoch in memory. */
export interface HaltRecord {
  readonly halt_id: string;
  readonly target_session: string;
  readonly by_handle: string;
  readonly by_session: string;
  readonly by_instance: string;
  readonly reason: string;
  readonly created_at: number;
}

/** On-disk halt codec. */
export const HaltRecordCodec = t.type({
  halt_id: strLen(16, 16),
  target_session: strLen(1, 128),
  by_handle: Str,
  by_session: Str,
  by_instance: Str,
  reason: strLen(1, REASON_MAX),
  created_at: IsoMillis,
});

/** Project a stored halt at `now`. */
export const haltView = (h: HaltRecord, open: boolean, now: number): Halt => ({
  halt_id: h.halt_id,
  target_session: h.target_session,
  by_handle: h.by_handle,
  by_session: h.by_session,
  reason: h.reason,
  created_at: h.created_at,
  age_sec: ageSec(now, h.created_at),
  open,
});

/**
 * LS11 unhalt permission: `by` may close the open halts directed at a session when it is an owner or the author
 * (same handle, case-insensitive) of every one of them.
 */
export const mayUnhalt = (open: ReadonlyArray<HaltRecord>, by: Holder, owners: ReadonlyArray<string> | undefined): boolean =>
  isOwner(by.handle, owners) ||
  open.every((h) => h.by_handle.trim().toLowerCase() === by.handle.trim().toLowerCase() || h.by_session === by.session);
