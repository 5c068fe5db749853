/**
 * The `land` decision and its landing queue, in process, rule by rule: the queue's records and transitions
 * (land.md §2 Q1–Q6), every step and outcome of the decision with its probe's fields and its effects
 * (land.md §4 LD1–LD12, land.md §5 LD13–LD14), how answers are folded into the facts, the ETA (land.md §3), every
 * message whole (land.md §6 LM1–LM6, land.md §9 LM7–LM8) and the running-land marker the hooks read
 * (land.md §9 LD15–LD16). The model properties of land.md §7 live in `test/land-model.test.ts`.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as L from '../src/land/land.js';
import * as Q from '../src/land/queue.js';
import type { LaneView } from '../src/push-gate/lanes.js';

// ───────────────────────────── the queue (land.md §2) ─────────────────────────────

const LANE = 'deploy:refs/heads/main';
const holder = (i: string) => ({ handle: `h-${i}`, session: `s-${i}`, instance: `i-${i}`, host: 'box' });
const rec = (o: Partial<Q.TicketRecord> & { seq: number }): Q.TicketRecord => ({
  ticket_id: `t${o.seq}`,
  lane: LANE,
  handle: 'h',
  session: 's',
  instance: `i${o.seq}`,
  host: 'box',
  branch: 'feature',
  created_at: 1_000,
  heartbeat_at: 1_000,
  ttl_ms: 10_000,
  ...o,
});

describe('landing queue records (land.md §2 Q1, Q6)', () => {
  it('Q6 ticket meta: a branch of at most 1,024 units without control characters or lone surrogates, a whole ttl from 5 s to 1 h', () => {
    const ok = (branch: unknown, ttl_ms: unknown): boolean => Q.isTicketMeta({ branch, ttl_ms } as Q.TicketMeta);
    expect(ok('b'.repeat(Q.TICKET_BRANCH_MAX), 5_000)).toBe(true);
    expect(ok('b'.repeat(Q.TICKET_BRANCH_MAX + 1), 5_000)).toBe(false);
    expect(ok('', Q.TICKET_TTL_MAX_MS)).toBe(true);
    expect(ok('f/é \u0080 \u{1F600}', 60_000)).toBe(true);
    for (const bad of ['a\u0000', 'a\u001f', '\u007f', 'a\ud800', '\udfffb', 'x\ny', 'x\ty']) expect(ok(bad, 60_000)).toBe(false);
    expect(ok(' ~', 60_000)).toBe(true);
    expect(ok(1, 60_000)).toBe(false);
    expect(ok(null, 60_000)).toBe(false);
    for (const bad of [Q.TICKET_TTL_MIN_MS - 1, Q.TICKET_TTL_MAX_MS + 1, 5_000.5, Number.NaN, Infinity, '60000', null]) expect(ok('b', bad)).toBe(false);
    expect([Q.TICKET_TTL_MIN_MS, Q.TICKET_TTL_MAX_MS, Q.TICKET_TTL_DEFAULT_MS]).toEqual([5_000, 3_600_000, 120_000]);
    expect(Q.isTicketMeta(null as unknown as Q.TicketMeta)).toBe(false);
    expect(Q.isTicketMeta('b' as unknown as Q.TicketMeta)).toBe(false);
  });

  it('Q6 holder: an instance of 1 to 512 units; handle, session and host strings of at most 512', () => {
    const h = { handle: 'x'.repeat(512), session: 'y'.repeat(512), instance: 'i'.repeat(512), host: 'z'.repeat(512) };
    expect(Q.isTicketHolder(h)).toBe(true);
    expect(Q.isTicketHolder({ ...h, instance: 'i' })).toBe(true);
    expect(Q.isTicketHolder({ ...h, handle: '', session: '', host: '' })).toBe(true);
    for (const k of ['handle', 'session', 'host', 'instance'] as const) {
      expect(Q.isTicketHolder({ ...h, [k]: 'q'.repeat(513) })).toBe(false);
      expect(Q.isTicketHolder({ ...h, [k]: 7 } as never)).toBe(false);
      expect(Q.isTicketHolder({ ...h, [k]: ['x'] } as never)).toBe(false); // has a length, is no string
    }
    expect(Q.isTicketHolder({ ...h, instance: '' })).toBe(false);
    expect(Q.isTicketHolder(null as never)).toBe(false);
    expect(Q.isTicketHolder('h' as never)).toBe(false);
  });

  it('Q6 enqueueRefusal: a bad lane name first, then a bad meta or holder, else nothing', () => {
    const meta = { branch: 'b', ttl_ms: 60_000 };
    expect(Q.enqueueRefusal(LANE, holder('a'), meta)).toBeNull();
    expect(Q.enqueueRefusal('', holder('a'), meta)).toBe('bad-lane-name');
    expect(Q.enqueueRefusal('', { ...holder('a'), instance: '' }, { branch: '\u0000', ttl_ms: 1 })).toBe('bad-lane-name');
    expect(Q.enqueueRefusal(LANE, holder('a'), { ...meta, ttl_ms: 1 })).toBe('bad-ticket');
    expect(Q.enqueueRefusal(LANE, { ...holder('a'), instance: '' }, meta)).toBe('bad-ticket');
  });

  it('Q1 decodeTicket: a stored ticket reads back exactly (unknown keys dropped); a field out of its range is corrupt, named', () => {
    const r = rec({ seq: 1 });
    expect(Q.decodeTicket(r)).toEqual(r);
    expect(Q.decodeTicket({ ...r, extra: 1 })).toEqual(r);
    const corrupt = (patch: Record<string, unknown>): string => {
      const d = Q.decodeTicket({ ...r, ...patch });
      if (!('corrupt' in d)) throw new Error(`accepted ${JSON.stringify(patch)}`);
      return d.corrupt;
    };
    expect(corrupt({ lane: '' })).toContain('lane');
    expect(corrupt({ seq: 0 })).toContain('seq');
    expect(corrupt({ ticket_id: '' })).toContain('ticket_id');
    expect(corrupt({ instance: '' })).toContain('instance');
    expect(corrupt({ branch: 'b'.repeat(Q.TICKET_BRANCH_MAX + 1) })).toContain('branch');
    expect(corrupt({ ttl_ms: 4_999 })).toContain('ttl_ms');
    expect(corrupt({ heartbeat_at: 1.5 })).toContain('heartbeat_at');
    expect(Q.decodeTicket({ ...r, lane: 'x'.repeat(8_192), branch: 'b'.repeat(Q.TICKET_BRANCH_MAX), ttl_ms: 3_600_000 })).toHaveProperty('seq', 1);
    expect(Q.decodeTicket(null)).toHaveProperty('corrupt');
  });
});

describe('landing queue transitions (land.md §2 Q2–Q5)', () => {
  it('Q4 a ticket is live while no more than its ttl has passed since its last refresh', () => {
    const r = rec({ seq: 1, heartbeat_at: 1_000, ttl_ms: 5_000 });
    expect(Q.isTicketExpired(r, 6_000)).toBe(false);
    expect(Q.isTicketExpired(r, 6_001)).toBe(true);
    expect(Q.isTicketExpired(r, 0)).toBe(false);
  });

  it('Q3 the live tickets of the lane in ascending seq, as views with 1-based positions and whole-second ages', () => {
    const records = [rec({ seq: 5, instance: 'c' }), rec({ seq: 2, instance: 'a' }), rec({ seq: 3, instance: 'x', lane: 'deploy:other' }), rec({ seq: 4, instance: 'dead', heartbeat_at: 0, ttl_ms: 5_000 }), rec({ seq: 3, instance: 'b' })];
    expect(Q.liveTickets(records, LANE, 6_000).map((r) => r.instance)).toEqual(['a', 'b', 'c']);
    const now = 3_999;
    expect(Q.queueView([rec({ seq: 9, created_at: 1_000, heartbeat_at: 2_000, branch: 'f/x', ttl_ms: 7_000 })], LANE, now)).toEqual([
      { ticket_id: 't9', lane: LANE, position: 1, handle: 'h', session: 's', instance: 'i9', host: 'box', branch: 'f/x', created_at: 1_000, age_sec: 2, heartbeat_age_sec: 1, ttl_ms: 7_000 },
    ]);
    expect(Q.queueView(records, LANE, 6_000).map((v) => [v.instance, v.position])).toEqual([['a', 1], ['b', 2], ['c', 3]]);
    // a store clock behind the record never shows a negative age
    expect(Q.ticketView(rec({ seq: 1, created_at: 5_000, heartbeat_at: 5_000 }), 1, 1_000)).toMatchObject({ age_sec: 0, heartbeat_age_sec: 0 });
  });

  it('Q2 a new waiter goes to the back with seq one above the highest the lane has used, its ticket built from holder and meta', () => {
    const live = [rec({ seq: 3, instance: 'i-a' }), rec({ seq: 7, instance: 'i-b' })];
    const t = Q.enqueueT([...live, rec({ seq: 9, instance: 'i-z', lane: 'deploy:other' })], LANE, holder('new'), { branch: 'topic', ttl_ms: 60_000 }, 2_000, 4, 'tid');
    expect(t.next).toEqual([
      ...live,
      { ticket_id: 'tid', lane: LANE, seq: 8, handle: 'h-new', session: 's-new', instance: 'i-new', host: 'box', branch: 'topic', created_at: 2_000, heartbeat_at: 2_000, ttl_ms: 60_000 },
    ]);
    expect(t.result).toEqual({
      _tag: 'Enqueued',
      refreshed: false,
      ticket: { ticket_id: 'tid', lane: LANE, position: 3, handle: 'h-new', session: 's-new', instance: 'i-new', host: 'box', branch: 'topic', created_at: 2_000, age_sec: 0, heartbeat_age_sec: 0, ttl_ms: 60_000 },
    });
    // the highest seq ever used counts even when the queue drained
    expect(Q.enqueueT([], LANE, holder('n'), { branch: 'b', ttl_ms: 60_000 }, 0, 41, 'x').next[0]?.seq).toBe(42);
    expect(Q.enqueueT([], LANE, holder('n'), { branch: 'b', ttl_ms: 60_000 }, 0, 0, 'x').next[0]?.seq).toBe(1);
  });

  it('Q2 a live waiter keeps its place: heartbeat, ttl and branch refreshed, seq, id and creation kept; expired tickets dropped', () => {
    const records = [rec({ seq: 1, instance: 'i-dead', heartbeat_at: 0, ttl_ms: 5_000 }), rec({ seq: 2, instance: 'i-a' }), rec({ seq: 3, instance: 'i-b' })];
    const t = Q.enqueueT(records, LANE, holder('a'), { branch: 'renamed', ttl_ms: 20_000 }, 8_000, 3, 'unused');
    expect(t.next).toEqual([{ ...rec({ seq: 2, instance: 'i-a' }), heartbeat_at: 8_000, ttl_ms: 20_000, branch: 'renamed' }, rec({ seq: 3, instance: 'i-b' })]);
    expect(t.result.refreshed).toBe(true);
    expect(t.result.ticket).toMatchObject({ ticket_id: 't2', position: 1, branch: 'renamed', age_sec: 7, heartbeat_age_sec: 0 });
    // an expired ticket of the same instance is not refreshed: a new one goes to the back
    const again = Q.enqueueT(records, LANE, holder('dead'), { branch: 'b', ttl_ms: 5_000 }, 8_000, 3, 'fresh');
    expect(again.result).toMatchObject({ refreshed: false, ticket: { ticket_id: 'fresh', position: 3 } });
    expect(again.next.map((r) => r.seq)).toEqual([2, 3, 4]);
  });

  it('Q5 dequeue withdraws the live ticket of the instance, or answers NotQueued; twice is harmless', () => {
    const records = [rec({ seq: 1, instance: 'i-a' }), rec({ seq: 2, instance: 'i-b' }), rec({ seq: 3, instance: 'i-old', heartbeat_at: 0, ttl_ms: 5_000 })];
    const d = Q.dequeueT(records, LANE, 'i-a', 6_000);
    expect(d).toEqual({ next: [rec({ seq: 2, instance: 'i-b' })], result: { _tag: 'Dequeued', ticket_id: 't1' } });
    expect(Q.dequeueT(d.next, LANE, 'i-a', 6_000)).toEqual({ next: [rec({ seq: 2, instance: 'i-b' })], result: { _tag: 'NotQueued' } });
    expect(Q.dequeueT(records, LANE, 'i-old', 6_000).result).toEqual({ _tag: 'NotQueued' });
    expect(Q.dequeueT(records, 'deploy:other', 'i-a', 6_000)).toEqual({ next: [], result: { _tag: 'NotQueued' } });
  });
});

// ───────────────────────────── the decision (land.md §4, land.md §5) ─────────────────────────────

const HEAD = 'a'.repeat(40);
const TIP = 'b'.repeat(40);
const NEW = 'c'.repeat(40);
const ME = { instance: 'i-me', session: 's-me' };
const CONFIG: L.LandConfig = {
  lane: LANE,
  remote: 'origin',
  onto: 'refs/heads/main',
  strategy: 'rebase',
  check: true,
  check_timeout_ms: 90_000,
  dry_run: false,
  max_attempts: 3,
};
const START: L.StartFact = { ok: true, branch: 'feature', head: HEAD, clean: true, busy: false };
const tv = (position: number, instance: string, handle = instance): Q.TicketView => ({
  ticket_id: `t-${instance}`,
  lane: LANE,
  position,
  handle,
  session: `s-${instance}`,
  instance,
  host: 'box',
  branch: 'feature',
  created_at: 0,
  age_sec: 3,
  heartbeat_age_sec: 1,
  ttl_ms: 120_000,
});
const laneView = (instance: string | null, fence: number, expired = false): LaneView => ({
  lane: LANE,
  fence,
  holder: instance === null ? null : { handle: `@${instance}`, session: 's', instance, host: 'box', claimed_at: 0, heartbeat_age_sec: 1, lease_sec: 60, intent: 'push', eta_minutes: 1 },
  expired,
});
/** A good look at the queue with this session at `position` behind others. */
const look = (position: number, o: Partial<Extract<L.QueueFact, { ok: true }>> = {}): L.QueueFact => {
  const queue = Array.from({ length: position }, (_, i) => (i + 1 === position ? tv(i + 1, ME.instance) : tv(i + 1, `i-${i + 1}`, `dev${i + 1}`)));
  return { ok: true, ticket: queue[position - 1] as Q.TicketView, refreshed: true, queue, lane: null, halts: 0, durations: [10_000, 30_000, 20_000], ...o };
};
const base = L.initialFacts(CONFIG, ME);
const started: L.LandFacts = { ...base, start: START };
const queued: L.LandFacts = { ...started, backup: true, queue: look(1) };
const held: L.LandFacts = { ...queued, claim: { _tag: 'Granted', fence: 7 }, fence: 7 };
const attempt = (a: L.Attempt, f: L.LandFacts = held): L.LandFacts => ({ ...f, attempts: [...f.attempts, a] });
const fetched: L.Attempt = { fetch: { ok: true, tip: TIP } };
const integrated: L.Attempt = { ...fetched, integrate: { _tag: 'Integrated', commit: NEW } };
const checked: L.Attempt = { ...integrated, check: { _tag: 'Passed', head: NEW } };
const asserted = (view: LaneView | null, halts = 0): L.Attempt => ({ ...checked, assert: { ok: true, view, halts } });
const ours = laneView('i-me', 7);
const RESTORE: L.Effect = { _tag: 'Restore', branch: 'feature', oid: HEAD };
const RELEASE: L.Effect = { _tag: 'Release', lane: LANE };
const DEQUEUE: L.Effect = { _tag: 'Dequeue', lane: LANE };
const stopped = (reason: L.StopReason, effects: ReadonlyArray<L.Effect>) => ({ _tag: 'Done', outcome: { _tag: 'Stopped', reason }, effects });
const needs = (probe: L.Probe) => ({ _tag: 'Need', probe });

describe('land decision steps (land.md §4 LD1–LD7)', () => {
  it('LD1 the work tree first; each early stop changes nothing', () => {
    expect(L.landStep(base)).toEqual(needs({ _tag: 'Start' }));
    expect(L.landStep({ ...base, start: { ok: false, detail: 'x' } })).toEqual(stopped('git-failed', []));
    expect(L.landStep({ ...base, start: { ...START, branch: null } })).toEqual(stopped('detached-head', []));
    expect(L.landStep({ ...base, start: { ...START, busy: true, clean: false } })).toEqual(stopped('operation-in-progress', []));
    expect(L.landStep({ ...base, start: { ...START, clean: false } })).toEqual(stopped('dirty-worktree', []));
    expect(L.landStep({ ...base, start: { ...START, head: null } })).toEqual(stopped('no-commits', []));
  });

  it('LD5 a signal stops the land at the next step, with the effects owed so far', () => {
    expect(L.landStep({ ...started, interrupted: true })).toEqual(stopped('interrupted', []));
    expect(L.landStep({ ...started, interrupted: true, config: { ...CONFIG, dry_run: true } })).toEqual(stopped('interrupted', []));
    expect(L.landStep({ ...queued, interrupted: true })).toEqual(stopped('interrupted', [RESTORE, DEQUEUE]));
    expect(L.landStep({ ...attempt(integrated), interrupted: true })).toEqual(stopped('interrupted', [RESTORE, RELEASE, DEQUEUE]));
  });

  it('LD2 a dry run peeks at the queue and ends with the position it would take, the live holder and the ETA, changing nothing', () => {
    const dry: L.LandFacts = { ...started, config: { ...CONFIG, dry_run: true } };
    expect(L.landStep(dry)).toEqual(needs({ _tag: 'Peek', lane: LANE }));
    expect(L.landStep({ ...dry, peek: { ok: false } })).toEqual(stopped('store-failed', []));
    const peek = (queue: Q.TicketView[], lane: LaneView | null, durations: number[]): L.LandStep => L.landStep({ ...dry, peek: { ok: true, queue, lane, durations } });
    // our own ticket (a land already waiting in this session) does not count
    expect(peek([tv(1, 'i-1', 'dev1'), tv(2, ME.instance), tv(3, 'i-3')], laneView('i-1', 3), [10_000, 20_000])).toEqual({
      _tag: 'Done',
      outcome: { _tag: 'DryRun', reason: 'dry-run', position: 3, holder: '@i-1', eta_ms: 30_000 },
      effects: [],
    });
    expect(peek([], laneView('i-1', 3, true), [])).toEqual({ _tag: 'Done', outcome: { _tag: 'DryRun', reason: 'dry-run', position: 1, holder: null, eta_ms: null }, effects: [] });
    expect(peek([], laneView(null, 3), [5_000])).toMatchObject({ outcome: { holder: null, eta_ms: 5_000 } });
    expect(peek([], null, [])).toMatchObject({ outcome: { holder: null } });
  });

  it('LD3 the backup ref of the branch before anything can move it; a failed backup stops with nothing to restore', () => {
    expect(L.landStep(started)).toEqual(needs({ _tag: 'Backup', ref: 'refs/arbiter/land/feature', oid: HEAD }));
    expect(L.backupRef('a/b')).toBe('refs/arbiter/land/a/b');
    expect(L.landStep({ ...started, backup: false })).toEqual(stopped('backup-failed', []));
  });

  it('LD4 a ticket on the lane; a store failure stops, restoring the branch and withdrawing the ticket asked for', () => {
    expect(L.landStep({ ...started, backup: true })).toEqual(needs({ _tag: 'Enqueue', lane: LANE, branch: 'feature' }));
    for (const kind of ['transport', 'contended', 'forbidden', 'other'] as const) {
      expect(L.landStep({ ...started, backup: true, queue: { ok: false, kind } })).toEqual(stopped('store-failed', [RESTORE, DEQUEUE]));
    }
  });

  it('LD6 a halt directed at this session stops the land, whether waiting or holding', () => {
    expect(L.landStep({ ...queued, queue: look(3, { halts: 1 }) })).toEqual(stopped('halted', [RESTORE, DEQUEUE]));
    expect(L.landStep({ ...held, queue: look(1, { halts: 2 }) })).toEqual(stopped('halted', [RESTORE, RELEASE, DEQUEUE]));
  });

  it('LD7 behind others the land waits, naming the first in line, the queue length and the ETA', () => {
    expect(L.landStep({ ...queued, queue: look(3) })).toEqual(needs({ _tag: 'Wait', lane: LANE, branch: 'feature', position: 3, of: 3, ahead: 'dev1', eta_ms: 40_000 }));
    // a queue that no longer lists anyone ahead (a stale look) names nobody
    expect(L.landStep({ ...queued, queue: look(2, { queue: [] }) })).toEqual(needs({ _tag: 'Wait', lane: LANE, branch: 'feature', position: 2, of: 0, ahead: null, eta_ms: 20_000 }));
    expect(L.landStep({ ...queued, queue: look(2, { durations: [] }) })).toMatchObject({ probe: { position: 2, of: 2, eta_ms: null } });
    expect(L.landStep({ ...queued, queue: look(2, { refreshed: false }) })).toEqual(stopped('ticket-lost', [RESTORE, DEQUEUE]));
  });

  it('LD7 at the head of the queue it claims the lane; a held lane or a transient failure means waiting, forbidden or other stops', () => {
    expect(L.landStep(queued)).toEqual(needs({ _tag: 'Claim', lane: LANE }));
    expect(L.landStep({ ...queued, claim: { _tag: 'Held', holder_handle: 'alice' } })).toEqual(needs({ _tag: 'Wait', lane: LANE, branch: 'feature', position: 1, of: 1, ahead: 'alice', eta_ms: 20_000 }));
    const withLane: L.LandFacts = { ...queued, queue: look(1, { lane: laneView('i-x', 4) }) };
    for (const kind of ['transport', 'contended'] as const) {
      expect(L.landStep({ ...withLane, claim: { _tag: 'Failure', kind } })).toEqual(needs({ _tag: 'Wait', lane: LANE, branch: 'feature', position: 1, of: 1, ahead: '@i-x', eta_ms: 20_000 }));
      expect(L.landStep({ ...queued, claim: { _tag: 'Failure', kind } })).toMatchObject({ probe: { _tag: 'Wait', ahead: null } });
    }
    for (const kind of ['forbidden', 'other'] as const) expect(L.landStep({ ...withLane, claim: { _tag: 'Failure', kind } })).toEqual(stopped('store-failed', [RESTORE, DEQUEUE]));
    // a granted claim starts the first attempt
    expect(L.landStep(held)).toEqual(needs({ _tag: 'Fetch', remote: 'origin', ref: 'refs/heads/main', attempt: 1 }));
    // holding, a ticket the store no longer refreshes does not stop the land
    expect(L.landStep({ ...held, queue: look(1, { refreshed: false }) })).toMatchObject({ probe: { _tag: 'Fetch' } });
  });

  it(`LD7 MAX_STORE_FAILURES (${L.MAX_STORE_FAILURES}) transient failures in a row stop the land; one fewer waits on`, () => {
    expect(L.landStep({ ...queued, queue: look(2), store_failures: L.MAX_STORE_FAILURES - 1 })).toMatchObject({ _tag: 'Need', probe: { _tag: 'Wait' } });
    expect(L.landStep({ ...queued, queue: look(2), store_failures: L.MAX_STORE_FAILURES })).toEqual(stopped('store-failed', [RESTORE, DEQUEUE]));
  });
});

describe('land decision while holding the lane (land.md §4 LD8–LD12, land.md §5 LD13–LD14)', () => {
  const ALL = [RESTORE, RELEASE, DEQUEUE];

  it('LD8 fetch failures stop the land', () => {
    expect(L.landStep(attempt({ fetch: { ok: false, detail: 'net' } }))).toEqual(stopped('fetch-failed', ALL));
    expect(L.landStep(attempt({ fetch: { ok: true, tip: null } }))).toEqual(stopped('target-missing', ALL));
  });

  it('LD9 the branch as it was before land is integrated onto the fetched tip; conflicts and failures stop; the tip itself is nothing to land', () => {
    expect(L.landStep(attempt(fetched))).toEqual(needs({ _tag: 'Integrate', strategy: 'rebase', branch: 'feature', base: HEAD, onto: TIP }));
    const merge: L.LandFacts = { ...held, config: { ...CONFIG, strategy: 'merge' } };
    expect(L.landStep(attempt(fetched, merge))).toEqual(needs({ _tag: 'Integrate', strategy: 'merge', branch: 'feature', base: HEAD, onto: TIP }));
    expect(L.landStep(attempt({ ...fetched, integrate: { _tag: 'Conflict' } }))).toEqual(stopped('rebase-conflict', ALL));
    expect(L.landStep(attempt({ ...fetched, integrate: { _tag: 'Conflict' } }, merge))).toEqual(stopped('merge-conflict', ALL));
    expect(L.landStep(attempt({ ...fetched, integrate: { _tag: 'Failed', detail: 'x' } }))).toEqual(stopped('integrate-failed', ALL));
    expect(L.landStep(attempt({ ...fetched, integrate: { _tag: 'Integrated', commit: TIP } }))).toEqual({ _tag: 'Done', outcome: { _tag: 'UpToDate', reason: 'nothing-to-land', tip: TIP }, effects: ALL });
  });

  it('LD10 the check runs on the integrated commit with the configured bound; every way it fails stops; without a check the lane is asserted next', () => {
    expect(L.landStep(attempt(integrated))).toEqual(needs({ _tag: 'Check', commit: NEW, timeout_ms: 90_000 }));
    expect(L.landStep(attempt({ ...integrated, check: { _tag: 'Failed', code: 2 } }))).toEqual(stopped('check-failed', ALL));
    expect(L.landStep(attempt({ ...integrated, check: { _tag: 'Failed', code: null } }))).toEqual(stopped('check-failed', ALL));
    expect(L.landStep(attempt({ ...integrated, check: { _tag: 'TimedOut' } }))).toEqual(stopped('check-timeout', ALL));
    expect(L.landStep(attempt({ ...integrated, check: { _tag: 'Error', detail: 'ENOENT' } }))).toEqual(stopped('check-error', ALL));
    expect(L.landStep(attempt({ ...integrated, check: { _tag: 'Passed', head: TIP } }))).toEqual(stopped('check-moved-head', ALL));
    expect(L.landStep(attempt({ ...integrated, check: { _tag: 'Passed', head: null } }))).toEqual(stopped('check-moved-head', ALL));
    expect(L.landStep(attempt(checked))).toEqual(needs({ _tag: 'Assert', lane: LANE }));
    expect(L.landStep(attempt(integrated, { ...held, config: { ...CONFIG, check: false } }))).toEqual(needs({ _tag: 'Assert', lane: LANE }));
  });

  it('LD11 right before the push the lane must be ours, under our fence, not expired, with no halt', () => {
    expect(L.landStep(attempt({ ...checked, assert: { ok: false } }))).toEqual(stopped('store-failed', ALL));
    expect(L.landStep(attempt(asserted(ours, 1)))).toEqual(stopped('halted', ALL));
    for (const view of [null, laneView(null, 7), laneView('i-me', 7, true), laneView('i-other', 7), laneView('i-me', 8), laneView('i-me', 6)]) {
      expect(L.landStep(attempt(asserted(view)))).toEqual(stopped('fence-lost', ALL));
    }
    expect(L.landStep(attempt(asserted(ours)))).toEqual(needs({ _tag: 'Push', remote: 'origin', ref: 'refs/heads/main', commit: NEW, lease: TIP }));
  });

  it('LD12/LD14 an accepted push lands: release, dequeue, delete the backup, record the landing', () => {
    const one: L.Attempt = { ...asserted(ours), push: { _tag: 'LeaseRejected' } };
    expect(L.landStep(attempt({ ...asserted(ours), push: { _tag: 'Pushed' } }, attempt(one)))).toEqual({
      _tag: 'Done',
      outcome: { _tag: 'Landed', reason: 'landed', commit: NEW, onto: TIP, attempts: 2, fence: 7 },
      effects: [RELEASE, DEQUEUE, { _tag: 'DeleteBackup', ref: 'refs/arbiter/land/feature' }, { _tag: 'RecordLanding', lane: LANE }],
    });
  });

  it('LD8/LD12 a lease rejection starts the next attempt from the fetch until max_attempts pushes were tried', () => {
    const rejected: L.Attempt = { ...asserted(ours), push: { _tag: 'LeaseRejected' } };
    expect(L.landStep(attempt(rejected))).toEqual(needs({ _tag: 'Fetch', remote: 'origin', ref: 'refs/heads/main', attempt: 2 }));
    expect(L.landStep(attempt(rejected, attempt(rejected)))).toEqual(needs({ _tag: 'Fetch', remote: 'origin', ref: 'refs/heads/main', attempt: 3 }));
    expect(L.landStep(attempt(rejected, attempt(rejected, attempt(rejected))))).toEqual(stopped('retries-exhausted', ALL));
    expect(L.landStep({ ...attempt(rejected), config: { ...CONFIG, max_attempts: 1 } })).toEqual(stopped('retries-exhausted', ALL));
    expect(L.landStep(attempt({ ...asserted(ours), push: { _tag: 'Rejected', detail: 'hook' } }))).toEqual(stopped('push-rejected', ALL));
    expect(L.landStep(attempt({ ...asserted(ours), push: { _tag: 'Failed', detail: 'x' } }))).toEqual(stopped('push-failed', ALL));
  });

  it('exit code: 0 for landed, nothing to land and dry run, 1 for every stop', () => {
    expect(L.exitCode({ _tag: 'Landed', reason: 'landed', commit: NEW, onto: TIP, attempts: 1, fence: 1 })).toBe(0);
    expect(L.exitCode({ _tag: 'UpToDate', reason: 'nothing-to-land', tip: TIP })).toBe(0);
    expect(L.exitCode({ _tag: 'DryRun', reason: 'dry-run', position: 1, holder: null, eta_ms: null })).toBe(0);
    for (const reason of L.STOP_REASONS) expect(L.exitCode({ _tag: 'Stopped', reason })).toBe(1);
  });
});

describe('land answers folded into the facts (land.md §4)', () => {
  const start: L.Probe = { _tag: 'Start' };
  const wait: L.Probe = { _tag: 'Wait', lane: LANE, branch: 'feature', position: 2, of: 2, ahead: null, eta_ms: null };

  it('Interrupted answers any probe; an answer of another probe is ignored', () => {
    expect(L.withAnswer(base, start, { _tag: 'Interrupted' })).toEqual({ ...base, interrupted: true });
    expect(L.withAnswer(base, start, { _tag: 'Backup', ok: true })).toBe(base);
    expect(L.withAnswer(base, start, { _tag: 'Start', value: START })).toEqual(started);
    expect(L.withAnswer(started, { _tag: 'Backup', ref: 'r', oid: HEAD }, { _tag: 'Backup', ok: false })).toEqual({ ...started, backup: false });
    const peek: L.PeekFact = { ok: false };
    expect(L.withAnswer(started, { _tag: 'Peek', lane: LANE }, { _tag: 'Peek', value: peek })).toEqual({ ...started, peek });
  });

  it('Enqueue: a new ticket counts as refreshed (it was just taken); a failure is kept as it is', () => {
    const p: L.Probe = { _tag: 'Enqueue', lane: LANE, branch: 'feature' };
    expect(L.withAnswer(started, p, { _tag: 'Enqueue', value: look(2, { refreshed: false }) })).toEqual({ ...started, queue: look(2) });
    expect(L.withAnswer(started, p, { _tag: 'Enqueue', value: { ok: false, kind: 'other' } })).toEqual({ ...started, queue: { ok: false, kind: 'other' } });
  });

  it('Wait: a new look replaces the last and clears a refused claim; a transient failure keeps the last good look and counts', () => {
    const waiting: L.LandFacts = { ...queued, queue: look(2), claim: { _tag: 'Held', holder_handle: 'x' }, store_failures: 3 };
    expect(L.withAnswer(waiting, wait, { _tag: 'Wait', value: look(1) })).toEqual({ ...queued, queue: look(1), store_failures: 0 });
    for (const kind of ['transport', 'contended'] as const) {
      expect(L.withAnswer(waiting, wait, { _tag: 'Wait', value: { ok: false, kind } })).toEqual({ ...queued, queue: look(2), store_failures: 4 });
    }
    for (const kind of ['forbidden', 'other'] as const) {
      expect(L.withAnswer(waiting, wait, { _tag: 'Wait', value: { ok: false, kind } })).toEqual({ ...queued, queue: { ok: false, kind }, store_failures: 0 });
    }
    // without a good look before it, a transient failure is the look
    const bad: L.LandFacts = { ...queued, queue: { ok: false, kind: 'transport' }, store_failures: 2 };
    expect(L.withAnswer(bad, wait, { _tag: 'Wait', value: { ok: false, kind: 'transport' } })).toEqual({ ...bad, store_failures: 0 });
  });

  it('Claim: a grant records its fence; a refusal only the answer', () => {
    const p: L.Probe = { _tag: 'Claim', lane: LANE };
    expect(L.withAnswer(queued, p, { _tag: 'Claim', value: { _tag: 'Granted', fence: 9 } })).toEqual({ ...queued, claim: { _tag: 'Granted', fence: 9 }, fence: 9 });
    expect(L.withAnswer(queued, p, { _tag: 'Claim', value: { _tag: 'Held', holder_handle: 'h' } })).toEqual({ ...queued, claim: { _tag: 'Held', holder_handle: 'h' } });
  });

  it('Fetch opens an attempt; Integrate, Check, Assert and Push fill the latest one (and nothing before a fetch)', () => {
    const f1 = L.withAnswer(held, { _tag: 'Fetch', remote: 'origin', ref: 'r', attempt: 1 }, { _tag: 'Fetch', value: { ok: true, tip: TIP } });
    expect(f1).toEqual({ ...held, attempts: [fetched] });
    const f2 = L.withAnswer(f1, { _tag: 'Integrate', strategy: 'rebase', branch: 'feature', base: HEAD, onto: TIP }, { _tag: 'Integrate', value: { _tag: 'Integrated', commit: NEW } });
    const f3 = L.withAnswer(f2, { _tag: 'Check', commit: NEW, timeout_ms: 1 }, { _tag: 'Check', value: { _tag: 'Passed', head: NEW } });
    const f4 = L.withAnswer(f3, { _tag: 'Assert', lane: LANE }, { _tag: 'Assert', value: { ok: true, view: ours, halts: 0 } });
    const f5 = L.withAnswer(f4, { _tag: 'Push', remote: 'origin', ref: 'r', commit: NEW, lease: TIP }, { _tag: 'Push', value: { _tag: 'LeaseRejected' } });
    expect(f5).toEqual({ ...held, attempts: [{ ...asserted(ours), push: { _tag: 'LeaseRejected' } }] });
    const f6 = L.withAnswer(f5, { _tag: 'Fetch', remote: 'origin', ref: 'r', attempt: 2 }, { _tag: 'Fetch', value: { ok: false, detail: 'x' } });
    expect(f6.attempts).toEqual([{ ...asserted(ours), push: { _tag: 'LeaseRejected' } }, { fetch: { ok: false, detail: 'x' } }]);
    expect(L.withAnswer(held, { _tag: 'Check', commit: NEW, timeout_ms: 1 }, { _tag: 'Check', value: { _tag: 'TimedOut' } })).toBe(held);
  });
});

describe('land ETA and polling (land.md §3)', () => {
  it('the median of the newest ETA_SAMPLES valid durations times the landings ahead (at least one), rounded to ms', () => {
    expect(L.etaMs(1, [])).toBeNull();
    expect(L.etaMs(5, [Number.NaN, -1, Infinity])).toBeNull();
    expect(L.etaMs(1, [0])).toBe(0);
    expect(L.etaMs(0, [7_000])).toBe(7_000);
    expect(L.etaMs(2, [7_000])).toBe(7_000);
    expect(L.etaMs(4, [7_000])).toBe(21_000);
    expect(L.etaMs(2, [3, 1, 2])).toBe(2);
    expect(L.etaMs(2, [1, 2])).toBe(2); // 1.5 rounds up
    expect(L.etaMs(3, [4, 1, 3, 2])).toBe(5); // (2 + 3) / 2 × 2
    // only the newest ten count: an old outlier beyond them changes nothing
    const ten = Array.from({ length: L.ETA_SAMPLES }, (_, i) => (i + 1) * 1_000);
    expect(L.etaMs(2, [...ten, 1e9, 1e9, 1e9])).toBe(5_500);
    expect(L.etaMs(2, [1e9, ...ten])).toBe(5_500); // 1,000 … 9,000 and 1e9
  });

  it('POLL_NEXT_MS at positions 1 and 2, POLL_MS behind them', () => {
    expect([1, 2, 3, 10].map(L.pollMs)).toEqual([250, 250, 1_000, 1_000]);
  });
});

// ───────────────────────────── messages (land.md §6, land.md §9) ─────────────────────────────

describe('land messages (land.md §6 LM1–LM6)', () => {
  const ctx: L.MessageContext = { branch: 'feature', remote: 'origin', onto: 'refs/heads/main', log: '/tmp/land.log' };
  const KEPT = 'Your branch feature is as it was before arbiter land.';
  const LOG = " The check's output is in /tmp/land.log.";

  it('LM1 the waiting line: position, queue length (never below the position), target, who is ahead, ETA in whole seconds rounded up', () => {
    const w = (o: Partial<Extract<L.Probe, { _tag: 'Wait' }>>, onto = 'refs/heads/main'): string => L.waitLine({ _tag: 'Wait', lane: LANE, branch: 'f', position: 3, of: 5, ahead: 'dev1', eta_ms: null, ...o }, onto);
    expect(w({})).toBe('arbiter land: waiting \u2014 position 3 of 5 for main, dev1 ahead');
    expect(w({ of: 1, ahead: null, eta_ms: 1_001 })).toBe('arbiter land: waiting \u2014 position 3 of 3 for main, the lane is busy, ETA ~2 s');
    expect(w({ eta_ms: 0 })).toBe('arbiter land: waiting \u2014 position 3 of 5 for main, dev1 ahead, ETA ~1 s');
    expect(w({ eta_ms: 40_000 }, 'refs/tags/v1')).toBe('arbiter land: waiting \u2014 position 3 of 5 for refs/tags/v1, dev1 ahead, ETA ~40 s');
    expect(w({ ahead: '' }, '')).toBe('arbiter land: waiting \u2014 position 3 of 5 for ?, ? ahead');
  });

  it('LM2 one line before each step that acts, none for the others', () => {
    expect(L.stepLine({ _tag: 'Claim', lane: LANE }, ctx)).toBe('arbiter land: at the head of the queue, claiming the lane for main');
    expect(L.stepLine({ _tag: 'Fetch', remote: 'x', ref: 'refs/heads/dev', attempt: 2 }, ctx)).toBe('arbiter land: fetching origin dev (attempt 2)');
    expect(L.stepLine({ _tag: 'Integrate', strategy: 'rebase', branch: 'topic', base: HEAD, onto: '0123456789abcdef' }, ctx)).toBe('arbiter land: rebasing topic onto 0123456789ab');
    expect(L.stepLine({ _tag: 'Integrate', strategy: 'merge', branch: 'topic', base: HEAD, onto: TIP }, ctx)).toBe('arbiter land: merging topic onto bbbbbbbbbbbb');
    expect(L.stepLine({ _tag: 'Check', commit: NEW, timeout_ms: 1 }, ctx)).toBe('arbiter land: running the check on cccccccccccc (log: /tmp/land.log)');
    expect(L.stepLine({ _tag: 'Check', commit: NEW, timeout_ms: 1 }, { ...ctx, log: null })).toBe('arbiter land: running the check on cccccccccccc');
    expect(L.stepLine({ _tag: 'Push', remote: 'x', ref: 'refs/heads/main', commit: NEW, lease: TIP }, ctx)).toBe('arbiter land: pushing cccccccccccc to origin main (lease bbbbbbbbbbbb)');
    for (const p of [{ _tag: 'Start' }, { _tag: 'Peek', lane: LANE }, { _tag: 'Backup', ref: 'r', oid: HEAD }, { _tag: 'Enqueue', lane: LANE, branch: 'f' }, { _tag: 'Assert', lane: LANE }] as const) {
      expect(L.stepLine(p, ctx)).toBeNull();
    }
  });

  it('LM3 a landing, and the nothing-to-land and dry-run endings', () => {
    expect(L.outcomeMessage({ _tag: 'Landed', reason: 'landed', commit: NEW, onto: TIP, attempts: 2, fence: 7 }, ctx)).toBe('arbiter land: landed cccccccccccc on origin main (attempt 2).');
    expect(L.outcomeMessage({ _tag: 'UpToDate', reason: 'nothing-to-land', tip: TIP }, ctx)).toBe(`arbiter land: nothing to land \u2014 feature is already contained in origin main. ${KEPT}`);
    expect(L.outcomeMessage({ _tag: 'DryRun', reason: 'dry-run', position: 2, holder: 'dev1', eta_ms: 4_500 }, ctx)).toBe(
      'arbiter land: dry run \u2014 feature would take position 2 for origin main; the lane is held by dev1; ETA ~5 s. Nothing was changed.',
    );
    expect(L.outcomeMessage({ _tag: 'DryRun', reason: 'dry-run', position: 1, holder: null, eta_ms: null }, ctx)).toBe('arbiter land: dry run \u2014 feature would take position 1 for origin main. Nothing was changed.');
  });

  it('LM4 every stop reason has its fixed text: what happened, the branch kept, the log of a check, the next step', () => {
    const T = 'origin main';
    const expected: Record<L.StopReason, string> = {
      'git-failed': 'git could not read this repository. Nothing was changed. Run arbiter land inside a git work tree.',
      'detached-head': 'HEAD is detached. Nothing was changed. Check out the branch to land, then run arbiter land again.',
      'operation-in-progress': 'a rebase, merge, cherry-pick or revert is in progress. Nothing was changed. Finish or abort it, then run arbiter land again.',
      'dirty-worktree': 'the work tree has uncommitted changes to tracked files. Nothing was changed. Commit or stash them, then run arbiter land again.',
      'no-commits': 'the branch has no commits. Nothing was changed.',
      'backup-failed': 'the backup ref of feature could not be written. Nothing was changed.',
      'store-failed': `the lane store did not answer. ${KEPT} Check arbiter lane status, then run arbiter land again.`,
      'ticket-lost': `this session's ticket was withdrawn (arbiter land cancel) or expired. ${KEPT} Run arbiter land again to queue anew.`,
      halted: `a halt is directed at this session. ${KEPT} See arbiter lane status; land again once it is lifted.`,
      interrupted: `interrupted. ${KEPT}`,
      'fetch-failed': `fetching ${T} failed. ${KEPT} Check the remote and your network, then run arbiter land again.`,
      'target-missing': `${T} does not exist on the remote. ${KEPT} Push the branch once with git push to create it.`,
      'rebase-conflict': `rebasing feature onto ${T} conflicts. ${KEPT} Next: git pull --rebase origin main, resolve the conflicts, commit, then run arbiter land again.`,
      'merge-conflict': `merging ${T} into feature conflicts. ${KEPT} Next: git pull origin main, resolve the conflicts, commit, then run arbiter land again.`,
      'integrate-failed': `git could not rebase or merge feature onto ${T}. ${KEPT}`,
      'check-failed': `the check failed on feature rebased onto ${T}; nothing was pushed. ${KEPT}${LOG} Fix the failure, commit, then run arbiter land again.`,
      'check-timeout': `the check ran out of time; nothing was pushed. ${KEPT}${LOG} Make it faster or pass a longer --timeout.`,
      'check-error': `the check command could not be started; nothing was pushed. ${KEPT}${LOG}`,
      'check-moved-head': `the check moved HEAD, so the tree it checked is not the one that would be pushed; nothing was pushed. ${KEPT}${LOG}`,
      'fence-lost': `the lane was released or taken over while this land worked (fence lost); nothing was pushed. ${KEPT} See arbiter lane status, then run arbiter land again.`,
      'push-rejected': `the remote refused the push (not a lease rejection: a hook or permissions). ${KEPT}`,
      'push-failed': `the push could not be run. ${KEPT} Check the remote, then run arbiter land again.`,
      'retries-exhausted': `${T} moved under every attempt (${L.MAX_ATTEMPTS} pushes leased and rejected). ${KEPT} Run arbiter land again when the branch is quieter.`,
    };
    expect([...L.STOP_REASONS].sort()).toEqual(Object.keys(expected).sort());
    for (const reason of L.STOP_REASONS) expect(L.outcomeMessage({ _tag: 'Stopped', reason }, ctx)).toBe(`arbiter land: stopped \u2014 ${expected[reason]}`);
    // without a log file the check stops name none
    expect(L.outcomeMessage({ _tag: 'Stopped', reason: 'check-error' }, { ...ctx, log: null })).toBe(`arbiter land: stopped \u2014 the check command could not be started; nothing was pushed. ${KEPT}`);
  });

  it('LM4 names are one sanitized line of at most 120 code points, `?` when empty; a target outside refs/heads/ is shown whole', () => {
    const m = L.outcomeMessage({ _tag: 'Stopped', reason: 'interrupted' }, { ...ctx, branch: 'a\u001b[31m\nb' });
    expect(m).toBe('arbiter land: stopped \u2014 interrupted. Your branch a [31m b is as it was before arbiter land.');
    expect(L.outcomeMessage({ _tag: 'Stopped', reason: 'interrupted' }, { ...ctx, branch: '' })).toContain('Your branch ? is');
    const long = L.outcomeMessage({ _tag: 'Stopped', reason: 'interrupted' }, { ...ctx, branch: 'x'.repeat(200) });
    expect(long).toContain(`Your branch ${'x'.repeat(L.NAME_MAX - 1)}\u2026 is`);
    expect(L.outcomeMessage({ _tag: 'Stopped', reason: 'target-missing' }, { ...ctx, remote: 'up', onto: 'refs/tags/v1' })).toMatch(/^arbiter land: stopped \u2014 up refs\/tags\/v1 does not exist/);
  });

  it('LM5 cancel: withdrawn or no ticket', () => {
    expect(L.cancelMessage(LANE, true)).toBe('arbiter land: ticket withdrawn from deploy:refs/heads/main; a land waiting in this session stops.');
    expect(L.cancelMessage(LANE, false)).toBe('arbiter land: this session has no ticket on deploy:refs/heads/main.');
  });

  it('LM6 status: the holder with its fence (a free or expired lane is free) and the queue, one line per ticket, ours marked', () => {
    const q = [{ ...tv(1, 'i-1', 'dev1'), session: 'sess-'.repeat(10), age_sec: 12, heartbeat_age_sec: 2 }, { ...tv(2, ME.instance, 'me'), session: '', branch: 'topic' }];
    expect(L.statusLines(LANE, q, laneView('i-1', 4), ME.instance)).toEqual([
      'deploy:refs/heads/main: lane held by @i-1 (fence 4); 2 in the queue',
      `  1. dev1 ${'sess-'.repeat(5).slice(0, 23)}\u2026 feature \u2014 waiting 12 s, heartbeat 2 s ago`,
      '  2. me ? topic \u2014 waiting 3 s, heartbeat 1 s ago (this session)',
    ]);
    expect(L.statusLines(LANE, [], laneView('i-1', 4, true), ME.instance)).toEqual(['deploy:refs/heads/main: lane free; queue empty']);
    expect(L.statusLines(LANE, [], null, ME.instance)).toEqual(['deploy:refs/heads/main: lane free; queue empty']);
    expect(L.statusLines(LANE, [tv(1, 'i-1')], laneView(null, 4), 'i-9')).toEqual(['deploy:refs/heads/main: lane free; 1 in the queue', '  1. i-1 s-i-1 feature \u2014 waiting 3 s, heartbeat 1 s ago']);
  });
});

describe('a running land seen by the hooks (land.md §9 LD15–LD17, LM7–LM8)', () => {
  const M: L.RunningLand = { pid: 42, host: 'box', session: 's1', agent_session: 'a1', lane: LANE, onto: 'refs/heads/main', started_at: 1_000 };

  it('LD15 decodeRunning reads a well-formed marker and nothing else, never throwing', () => {
    expect(L.decodeRunning(JSON.stringify(M))).toEqual(M);
    expect(L.decodeRunning(JSON.stringify({ ...M, agent_session: null, extra: 1 }))).toEqual({ ...M, agent_session: null });
    const limits: Array<[keyof L.RunningLand, number]> = [['session', 512], ['host', 255], ['lane', 8_192], ['onto', 8_192], ['agent_session', 512]];
    for (const [k, max] of limits) {
      expect(L.decodeRunning(JSON.stringify({ ...M, [k]: 'x'.repeat(max) }))).toEqual({ ...M, [k]: 'x'.repeat(max) });
      expect(L.decodeRunning(JSON.stringify({ ...M, [k]: 'x'.repeat(max + 1) }))).toBeNull();
      expect(L.decodeRunning(JSON.stringify({ ...M, [k]: 5 }))).toBeNull();
    }
    for (const k of ['session', 'host', 'lane', 'onto', 'agent_session', 'pid', 'started_at'] as const) {
      const { [k]: _gone, ...rest } = M;
      expect(L.decodeRunning(JSON.stringify(rest))).toBeNull();
    }
    expect(L.decodeRunning(JSON.stringify({ ...M, pid: 1 }))).toEqual({ ...M, pid: 1 });
    for (const pid of [0, -3, 1.5, '42', null]) expect(L.decodeRunning(JSON.stringify({ ...M, pid }))).toBeNull();
    expect(L.decodeRunning(JSON.stringify({ ...M, started_at: 0 }))).toEqual({ ...M, started_at: 0 });
    for (const at of [2 ** 53, 1.5, '1000', null]) expect(L.decodeRunning(JSON.stringify({ ...M, started_at: at }))).toBeNull();
    for (const text of ['', 'null', '[]', '7', '{', '"x"']) expect(L.decodeRunning(text)).toBeNull();
  });

  it('LD16 the marker is owned by its lane-store session or its agent session, never by an empty one', () => {
    expect(L.ownedBy(M, 's1')).toBe(true);
    expect(L.ownedBy(M, 'a1')).toBe(true);
    expect(L.ownedBy(M, 's2')).toBe(false);
    expect(L.ownedBy({ ...M, session: '', agent_session: null }, '')).toBe(false);
    expect(L.ownedBy({ ...M, agent_session: '' }, '')).toBe(false);
    const now = 1_000 + L.LAND_STOP_MAX_MS;
    expect(L.isRunning(M, 's1', 'box', 'alive', now - 1)).toBe(true);
    expect(L.isRunning(M, 's1', 'box', 'alive', now)).toBe(false);
    expect(L.isRunning(M, 's1', 'box', 'alive', 1_000)).toBe(true);
    expect(L.isRunning(M, 's1', 'box', 'alive', 999)).toBe(false);
    expect(L.LAND_STOP_MAX_MS).toBe(6 * 60 * 60 * 1_000);
  });

  it('LM7 the Stop hook reason and LM8 the context line, whole', () => {
    expect(L.stopReason(M)).toBe('Arbiter land guard: this session has an arbiter land running (pid 42) onto main. Wait for it to finish and read its result before you stop; arbiter land status shows the queue.');
    expect(L.contextLine(M, null, 3)).toBe('arbiter land running (pid 42) onto main: not in the queue (landing or finishing) \u2014 wait for its result.');
    expect(L.contextLine(M, 1, 3)).toBe('arbiter land running (pid 42) onto main: at the head of the queue (3 in line) \u2014 wait for its result.');
    expect(L.contextLine(M, 2, 3)).toBe('arbiter land running (pid 42) onto main: position 2 of 3 in the queue \u2014 wait for its result.');
    expect(L.contextLine({ ...M, onto: 'refs/tags/x' }, 4, 3)).toBe('arbiter land running (pid 42) onto refs/tags/x: position 4 of 4 in the queue \u2014 wait for its result.');
  });
});

describe('land decision, whole runs (land.md §4)', () => {
  it('a run never asks more than MAX_STEPS probes and a waiter that never reaches the head ends interrupted or store-failed only', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom<'ok' | 'transport' | 'other' | 'int'>('ok', 'transport', 'other', 'int'), { minLength: 1, maxLength: 30 }), (answers) => {
        let k = 0;
        const { run } = L.runLandSync(L.initialFacts(CONFIG, ME), (p) => {
          if (p._tag === 'Start') return { _tag: 'Start', value: START };
          if (p._tag === 'Backup') return { _tag: 'Backup', ok: true };
          const a = answers[k++];
          if (a === undefined || a === 'int') return { _tag: 'Interrupted' };
          const value: L.QueueFact = a === 'ok' ? look(2) : { ok: false, kind: a };
          return p._tag === 'Enqueue' ? { _tag: 'Enqueue', value } : { _tag: 'Wait', value };
        });
        expect(run._tag).toBe('Done');
        if (run._tag === 'Done') expect(['interrupted', 'store-failed']).toContain(run.outcome.reason);
      }),
      { numRuns: 200 },
    );
  });
});
