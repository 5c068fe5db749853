/**
 * In-memory `LaneStore` (push-gate.md §5.6 "in-memory"): the kernel transitions applied to a map, with a fake clock,
 * scripted failures and optional latency. Each method is one synchronous step, so it is trivially atomic (LS12).
 */
import * as TE from 'fp-ts/lib/TaskEither.js';
import type { Clock, LaneFailure, LaneQueue, LaneStore } from '@arbiter/kernel';
import { landQueue as Q, pushGate as PG } from '@arbiter/kernel';

/** A scripted failure: returned by the next call of `method` (or every call when `sticky`). */
export interface ScriptedFailure {
  readonly method: keyof LaneStore | keyof LaneQueue | '*';
  readonly kind: LaneFailure['kind'];
  readonly status?: string;
  readonly sticky?: boolean;
}

/** Options: owners (LS7), default lease (minutes), latency (ms, real timers) and a halt-id source. */
export interface MemoryLaneStoreOptions {
  readonly clock: Clock;
  readonly owners?: ReadonlyArray<string>;
  readonly defaultLeaseMin?: number;
  readonly latencyMs?: number;
  readonly haltId?: () => string;
}

/** The memory store plus test hooks. */
export interface MemoryLaneStore extends LaneStore, LaneQueue {
  /** Queue a failure. */
  readonly fail: (f: ScriptedFailure) => void;
  /** Every committed generation per lane, oldest first (for replay checks). */
  readonly history: (lane: string) => ReadonlyArray<PG.LaneRecord>;
  /** Every audit record, oldest first. */
  readonly auditLog: () => ReadonlyArray<PG.AuditRecord>;
  /** Number of calls per method. */
  readonly calls: () => Readonly<Record<string, number>>;
  /** Every stored ticket of every lane (expired ones until a step of their lane drops them), for seq checks. */
  readonly tickets: () => ReadonlyArray<Q.TicketRecord>;
}

/** Build an in-memory lane store. */
export const memoryLaneStore = (o: MemoryLaneStoreOptions): MemoryLaneStore => {
  const gens = new Map<string, PG.LaneRecord[]>();
  const audit: PG.AuditRecord[] = [];
  const halts: { rec: PG.HaltRecord; open: boolean }[] = [];
  const failures: ScriptedFailure[] = [];
  const calls: Record<string, number> = {};
  let seq = 0;
  const haltId = o.haltId ?? (() => (++seq).toString(16).padStart(16, '0'));
  // land.md §2: every ticket of every lane, and the highest seq each lane has used (never reused)
  let tickets: ReadonlyArray<Q.TicketRecord> = [];
  const maxSeq = new Map<string, number>();
  let ticketSerial = 0;
  const cur = (lane: string): PG.LaneRecord | null => gens.get(lane)?.at(-1) ?? null;
  /** Commit `t.next` (push-gate.md §5.5 E7: only a record the codec reads back). @returns false when refused. */
  const commit = (lane: string, t: PG.Transition<unknown>): boolean => {
    if (t.next === null) return true;
    if (!PG.isStorableRecord(t.next, lane)) return false;
    const list = gens.get(lane) ?? [];
    list.push(t.next);
    gens.set(lane, list);
    audit.push(...t.audit);
    return true;
  };
  const run = <A>(method: keyof LaneStore | keyof LaneQueue, f: () => A | LaneFailure): TE.TaskEither<LaneFailure, A> => async () => {
    calls[method] = (calls[method] ?? 0) + 1;
    if (o.latencyMs !== undefined && o.latencyMs > 0) await new Promise((r) => setTimeout(r, o.latencyMs));
    const i = failures.findIndex((x) => x.method === method || x.method === '*');
    if (i >= 0) {
      const x = failures[i] as ScriptedFailure;
      if (x.sticky !== true) failures.splice(i, 1);
      return { _tag: 'Left', left: { _tag: 'LaneFailure', kind: x.kind, status: x.status ?? 'scripted' } };
    }
    const r = f();
    return typeof r === 'object' && r !== null && (r as { _tag?: string })._tag === 'LaneFailure'
      ? { _tag: 'Left', left: r as LaneFailure }
      : { _tag: 'Right', right: r as A };
  };
  const forbidden: LaneFailure = { _tag: 'LaneFailure', kind: 'forbidden', status: 'not-owner' };
  // push-gate.md §3.2 N5: a name that is not a lane name is refused before anything is read or written
  const badName: LaneFailure = { _tag: 'LaneFailure', kind: 'other', status: 'bad-lane-name' };
  const badTicket: LaneFailure = { _tag: 'LaneFailure', kind: 'other', status: 'bad-ticket' };
  const unstorable: LaneFailure = { _tag: 'LaneFailure', kind: 'other', status: 'unstorable-record' };
  return {
    claim: (lane, holder, meta) =>
      run('claim', () => {
        if (!PG.isLaneName(lane)) return badName;
        const t = PG.claimT(cur(lane), lane, holder, meta, o.clock.now(), o.defaultLeaseMin);
        return commit(lane, t) ? t.result : unstorable;
      }),
    heartbeat: (lane, instance, fence) =>
      run('heartbeat', () => {
        if (!PG.isLaneName(lane)) return badName;
        const t = PG.heartbeatT(cur(lane), lane, instance, fence, o.clock.now());
        return commit(lane, t) ? t.result : unstorable;
      }),
    release: (lane, instance) =>
      run('release', () => {
        if (!PG.isLaneName(lane)) return badName;
        const t = PG.releaseT(cur(lane), lane, instance, o.clock.now());
        return commit(lane, t) ? t.result : unstorable;
      }),
    forceRelease: (lane, by, reason) =>
      run('forceRelease', () => {
        if (!PG.isLaneName(lane)) return badName;
        const t = PG.forceReleaseT(cur(lane), lane, by, reason, o.clock.now(), o.owners);
        if (t.result._tag === 'Forbidden') return forbidden;
        return commit(lane, t) ? t.result : unstorable;
      }),
    state: (lane, session) =>
      run('state', () => {
        if (lane !== 'all' && !PG.isLaneName(lane)) return badName;
        const now = o.clock.now();
        const names = lane === 'all' ? [...gens.keys()].sort() : [lane];
        return {
          lanes: names.map((l) => PG.viewOf(l, cur(l), now)),
          halts: halts.filter((h) => h.open && h.rec.target_session === session).map((h) => PG.haltView(h.rec, true, now)),
          placed: halts.filter((h) => h.open && h.rec.by_session === session).map((h) => PG.haltView(h.rec, true, now)),
        };
      }),
    post: (p) =>
      run('post', () => {
        audit.push({ at: o.clock.now(), lane: p.lane, kind: 'status', by_handle: p.by.handle, by_session: p.by.session, by_instance: p.by.instance, fence: null, previous: null, reason: null, body: p.body });
        return { _tag: 'Posted' as const };
      }),
    halt: (target, by, reason) =>
      run('halt', () => {
        const rec: PG.HaltRecord = { halt_id: haltId(), target_session: target, by_handle: by.handle, by_session: by.session, by_instance: by.instance, reason, created_at: o.clock.now() };
        halts.push({ rec, open: true });
        audit.push({ at: rec.created_at, lane: null, kind: 'halt', by_handle: by.handle, by_session: by.session, by_instance: by.instance, fence: null, previous: null, reason, body: null });
        return { _tag: 'Halted' as const, halt_id: rec.halt_id };
      }),
    unhalt: (target, by) =>
      run('unhalt', () => {
        const open = halts.filter((h) => h.open && h.rec.target_session === target);
        if (!PG.mayUnhalt(open.map((h) => h.rec), by, o.owners)) return forbidden;
        for (const h of open) h.open = false;
        audit.push({ at: o.clock.now(), lane: null, kind: 'unhalt', by_handle: by.handle, by_session: by.session, by_instance: by.instance, fence: null, previous: null, reason: null, body: null });
        return { _tag: 'Unhalted' as const, count: open.length };
      }),
    audit: (limit) => run('audit', () => audit.slice(-Math.max(0, limit))),
    enqueue: (lane, holder, meta) =>
      run('enqueue', () => {
        const refusal = Q.enqueueRefusal(lane, holder, meta);
        if (refusal !== null) return refusal === 'bad-lane-name' ? badName : badTicket;
        const t = Q.enqueueT(tickets, lane, holder, meta, o.clock.now(), maxSeq.get(lane) ?? 0, `t${(++ticketSerial).toString(16).padStart(15, '0')}`);
        // push-gate.md §5.5 E7: a ticket the codec would not read back (an empty instance, a field too long) is refused
        if (!t.next.every((r) => Q.TicketRecordCodec.is(r))) return unstorable;
        tickets = [...tickets.filter((r) => r.lane !== lane), ...t.next];
        maxSeq.set(lane, Math.max(maxSeq.get(lane) ?? 0, ...t.next.map((r) => r.seq)));
        return t.result;
      }),
    dequeue: (lane, instance) =>
      run('dequeue', () => {
        if (!PG.isLaneName(lane)) return badName;
        const t = Q.dequeueT(tickets, lane, instance, o.clock.now());
        tickets = [...tickets.filter((r) => r.lane !== lane), ...t.next];
        return t.result;
      }),
    queue: (lane) =>
      run('queue', () => {
        if (!PG.isLaneName(lane)) return badName;
        return Q.queueView(tickets, lane, o.clock.now());
      }),
    fail: (f) => failures.push(f),
    history: (lane) => [...(gens.get(lane) ?? [])],
    auditLog: () => [...audit],
    calls: () => ({ ...calls }),
    tickets: () => [...tickets],
  };
};
