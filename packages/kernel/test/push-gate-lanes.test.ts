/**
 * The lane records every store shares (push-gate.md §5): the generation codec and the storability check every adapter
 * runs before it commits (E2, E7), the audit projection (E3), the owner and unhalt checks (LS7, LS11), the masking of
 * a break-glass reason, and the replacement of a corrupt generation (E2). The stores' contract suites
 * (test/lane-store.test.ts) reach these through real files; these tests pin each rule's exact answer in process.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { pushGate as PG } from '@arbiter/kernel';

const LANE = 'deploy:refs/heads/main';
const T0 = Date.UTC(2026, 11, 6, 8, 0, 0);
const alice: PG.Holder = { handle: 'alice@example.com', session: 'sess-a', instance: 'inst-a', host: 'host-a' };
const bob: PG.Holder = { handle: 'bob@example.com', session: 'sess-b', instance: 'inst-b', host: 'host-b' };
const held = (): PG.LaneRecord => {
  const t = PG.claimT(null, LANE, alice, { intent: 'deploy', eta_minutes: 5 }, T0);
  if (t.next === null) throw new Error('a claim of a free lane commits');
  return t.next;
};
// a well-formed GitHub token shape (built at run time so no scanner flags this file)
const GHP = 'ghp_' + 'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8';

describe('generation codec (push-gate.md §5.5 E2)', () => {
  it('text that is not JSON is corrupt with the detail "not valid JSON"; a record of another lane is corrupt', () => {
    expect(PG.decodeLaneRecord('{"schema_version":1,', LANE)).toEqual({ corrupt: 'not valid JSON' });
    expect(PG.decodeLaneRecord(PG.encodeLaneRecord(held()), 'deploy:refs/heads/other')).toEqual({ corrupt: 'record names another lane' });
    expect(PG.decodeLaneRecord(PG.encodeLaneRecord(held()), LANE)).toEqual(held());
  });

  it('a parsed value the codec refuses is corrupt with a detail, never a thrown error, whatever its shape', () => {
    fc.assert(
      fc.property(fc.oneof(fc.constant(null), fc.constant({}), fc.integer(), fc.string(), fc.array(fc.integer()), fc.dictionary(fc.string(), fc.jsonValue())), (json) => {
        const d = PG.decodeLaneJson(json, LANE);
        expect(d).toEqual({ corrupt: expect.any(String) });
        expect((d as { corrupt: string }).corrupt.length).toBeGreaterThan(0);
      }),
    );
  });

  it('E7: a record is storable for its own lane only, and storableLaneText is then exactly the text encodeLaneRecord writes', () => {
    const r = held();
    expect(PG.isStorableRecord(r, LANE)).toBe(true);
    expect(PG.storableLaneText(r, LANE)).toBe(PG.encodeLaneRecord(r));
    expect(PG.isStorableRecord(r, 'deploy:refs/heads/other')).toBe(false);
    expect(PG.storableLaneText(r, 'deploy:refs/heads/other')).toBeNull();
  });

  it('E7: a record the codec would refuse on reading is not storable (fence not an integer, instant outside the ISO range, an instant with a fraction of a millisecond)', () => {
    const r = held();
    expect(PG.storableLaneText({ ...r, fence: 1.5 }, LANE)).toBeNull();
    expect(PG.storableLaneText({ ...r, event: { ...r.event, at: 8.64e15 + 1 } }, LANE)).toBeNull();
    // a fractional instant encodes (the ISO text drops the fraction) and reads back, but not as the record in memory
    expect(PG.storableLaneText({ ...r, event: { ...r.event, at: T0 + 0.5 } }, LANE)).toBeNull();
    expect(PG.storableLaneText({ ...r, holder: { ...(r.holder as PG.LaneHolderRecord), heartbeat_at: T0 + 0.5 } }, LANE)).toBeNull();
    expect(PG.isStorableRecord({ ...r, fence: 1.5 }, LANE)).toBe(false);
  });
});

describe('lane view (push-gate.md §5.1 LaneView)', () => {
  it('a lane with no record and a released lane are free and not expired; a holder past its lease is shown expired', () => {
    expect(PG.viewOf(LANE, null, T0)).toEqual({ lane: LANE, fence: 0, holder: null, expired: false });
    const rel = PG.releaseT(held(), LANE, alice.instance, T0 + 1).next as PG.LaneRecord;
    expect(PG.viewOf(LANE, rel, T0 + 10 ** 9)).toEqual({ lane: LANE, fence: 1, holder: null, expired: false });
    expect(PG.viewOf(LANE, held(), T0 + 5 * 60_000).expired).toBe(false); // equality is live (LS3)
    expect(PG.viewOf(LANE, held(), T0 + 5 * 60_000 + 1).expired).toBe(true);
  });
});

describe('audit projection (push-gate.md §5.5 E3)', () => {
  it('heartbeat and re-entry generations have no audit line; a claim, release and force-release each have exactly one, naming the event', () => {
    const r = held();
    const hb = PG.heartbeatT(r, LANE, alice.instance, r.fence, T0 + 1000).next as PG.LaneRecord;
    expect(hb.event.kind).toBe('heartbeat');
    expect(PG.auditOf(hb)).toEqual([]);
    const re = PG.claimT(r, LANE, alice, { intent: 'deploy', eta_minutes: null }, T0 + 2000).next as PG.LaneRecord;
    expect(re.event.kind).toBe('re-entry');
    expect(PG.auditOf(re)).toEqual([]);
    expect(PG.auditOf(r)).toEqual([
      { at: T0, lane: LANE, kind: 'claim', by_handle: alice.handle, by_session: alice.session, by_instance: alice.instance, fence: 1, previous: null, reason: null, body: null },
    ]);
    const rel = PG.releaseT(r, LANE, alice.instance, T0 + 3000).next as PG.LaneRecord;
    expect(PG.auditOf(rel)).toEqual([
      {
        at: T0 + 3000,
        lane: LANE,
        kind: 'release',
        by_handle: alice.handle,
        by_session: alice.session,
        by_instance: alice.instance,
        fence: 1,
        previous: { handle: alice.handle, session: alice.session, instance: alice.instance, host: alice.host },
        reason: null,
        body: null,
      },
    ]);
  });
});

describe('owner and unhalt checks (push-gate.md §5.3 LS7, LS11)', () => {
  it('LS7: owners are compared case-insensitively after trimming, on both sides; no list means everyone', () => {
    expect(PG.isOwner('  Alice@Example.COM ', ['alice@example.com'])).toBe(true);
    expect(PG.isOwner('alice@example.com', ['  ALICE@example.com  '])).toBe(true);
    expect(PG.isOwner('bob@example.com', ['alice@example.com'])).toBe(false);
    expect(PG.isOwner('bob@example.com', [])).toBe(false);
    expect(PG.isOwner('bob@example.com', undefined)).toBe(true);
  });

  it('LS11: a non-owner may unhalt only when it placed every open halt (same handle, case-insensitive and trimmed, or same session)', () => {
    const halt = (by_handle: string, by_session: string): PG.HaltRecord => ({
      halt_id: '0123456789abcdef',
      target_session: 'sess-t',
      by_handle,
      by_session,
      by_instance: 'i',
      reason: 'stop',
      created_at: T0,
    });
    const owners = ['carol@example.com'];
    expect(PG.mayUnhalt([halt(' ALICE@example.com ', 'other')], alice, owners)).toBe(true); // same handle
    expect(PG.mayUnhalt([halt('alice@example.com', 'other')], { ...alice, handle: ' Alice@Example.com ' }, owners)).toBe(true);
    expect(PG.mayUnhalt([halt('someone@example.com', alice.session)], alice, owners)).toBe(true); // same session
    expect(PG.mayUnhalt([halt('bob@example.com', bob.session)], alice, owners)).toBe(false);
    expect(PG.mayUnhalt([halt('alice@example.com', 'x'), halt('bob@example.com', bob.session)], alice, owners)).toBe(false); // every one
    expect(PG.mayUnhalt([halt('bob@example.com', bob.session)], { ...alice, handle: 'carol@example.com' }, owners)).toBe(true); // an owner
    expect(PG.mayUnhalt([], alice, owners)).toBe(true);
  });
});

describe('force-release (push-gate.md §5.3 LS7) and corrupt replacement (push-gate.md §5.5 E2)', () => {
  it('the break-glass reason is stored masked (secrets.md §12) and cut to REASON_MAX; the holder is cleared and the fence kept', () => {
    const t = PG.forceReleaseT(held(), LANE, bob, `rotating ${GHP} now`, T0 + 5000, undefined);
    expect(t.result).toEqual({ _tag: 'Forced', previous: { handle: alice.handle, session: alice.session, instance: alice.instance, host: alice.host }, fence: 1 });
    const next = t.next as PG.LaneRecord;
    expect(next.holder).toBeNull();
    expect(next.fence).toBe(1);
    expect(next.event.reason).not.toContain(GHP);
    expect(next.event.reason).toMatch(/^rotating .+ now$/);
    expect(PG.forceReleaseT(held(), LANE, bob, 'x'.repeat(PG.REASON_MAX + 50), T0, undefined).next?.event.reason).toBe('x'.repeat(PG.REASON_MAX));
    expect(PG.forceReleaseT(held(), LANE, bob, null, T0, undefined).next?.event.reason).toBeNull();
    expect(PG.forceReleaseT(held(), LANE, bob, 'why', T0, ['alice@example.com'])).toEqual({ next: null, result: { _tag: 'Forbidden' }, audit: [] });
  });

  it('a corrupt generation g is replaced by a free lane with fence g and a corrupt-record event by "arbiter", its detail cut to REASON_MAX', () => {
    expect(PG.corruptReplacement(LANE, 7, T0, 'not valid JSON')).toEqual({
      schema_version: 1,
      lane: LANE,
      fence: 7,
      holder: null,
      event: { kind: 'corrupt-record', at: T0, by_handle: 'arbiter', by_session: 'arbiter', by_instance: 'arbiter', reason: 'not valid JSON', previous: null },
    });
    expect(PG.corruptReplacement(LANE, 1, T0, 'd'.repeat(PG.REASON_MAX + 1)).event.reason).toBe('d'.repeat(PG.REASON_MAX));
    expect(PG.isStorableRecord(PG.corruptReplacement(LANE, 3, T0, 'x'), LANE)).toBe(true);
  });
});
