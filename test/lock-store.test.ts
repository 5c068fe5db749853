/**
 * Runs the LockStore contract against io-memory and io-node, plus SL-18 (adapter agreement on generated operation
 * sequences with injected corruption) and fs-specific rules F1, F6, F7, F9.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { LockStore, sessionLock as SL } from '@arbiter/kernel';
import { memoryLockStore } from '@arbiter/io-memory';
import { fsLockStore, listGenerations, locksDir } from '@arbiter/io-node';
import { lockStoreContract, type LockStoreHarness } from './contract/lock-store.contract.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'arbiter-lockstore-'));

/** Damage like a crashed writer: a newest generation file with undecodable bytes, old enough not to be "partial". */
const corruptFs = (stateDir: string) => (hash: string): void => {
  const dir = locksDir(stateDir);
  let gens: number[] = [];
  try {
    gens = listGenerations(dir, hash);
  } catch {
    // no directory yet
  }
  const g = gens.reduce((a, b) => Math.max(a, b), 0) + 1;
  mkdirSync(dir, { recursive: true });
  const p = join(dir, `session-lock-${hash}.json.${g}`);
  writeFileSync(p, '{"schema_version":1,"session_id":');
  utimesSync(p, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
};

const memHarness = (): LockStoreHarness => {
  const s = memoryLockStore();
  return { store: s, injectCorrupt: (h) => s.injectCorrupt(h) };
};
const fsHarness = (): LockStoreHarness => {
  const d = tmp();
  return { store: fsLockStore(d), injectCorrupt: corruptFs(d), cleanup: () => rmSync(d, { recursive: true, force: true }) };
};

lockStoreContract('io-memory', memHarness);
lockStoreContract('io-node (link)', fsHarness);
lockStoreContract('io-node (O_EXCL fallback, F9)', () => {
  const d = tmp();
  return { store: fsLockStore(d, { forceExclusiveFallback: true }), injectCorrupt: corruptFs(d), cleanup: () => rmSync(d, { recursive: true, force: true }) };
});

const H = 'cccccccccccc';
type Cmd = { kind: 'commit'; offset: number; session: string; fence: number; released: boolean } | { kind: 'corrupt' };
const cmdArb: fc.Arbitrary<Cmd> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('commit' as const), offset: fc.integer({ min: -1, max: 1 }), session: fc.constantFrom('a', 'b'), fence: fc.integer({ min: 1, max: 20 }), released: fc.boolean() }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'corrupt' as const }) },
);

const normalize = (s: SL.Snapshot) =>
  s.content._tag === 'Corrupt' ? { generation: s.generation, content: { _tag: 'Corrupt', fence_floor: s.content.fence_floor } } : s;

describe('SL-18 adapter agreement', () => {
  it('SL-18 memory and fs stores return equal snapshots after every step of any operation sequence', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(cmdArb, { maxLength: 12 }), async (cmds) => {
        const mem = memoryLockStore();
        const dir = tmp();
        const fsStore: LockStore = fsLockStore(dir);
        try {
          for (const c of cmds) {
            const [a, b] = await Promise.all([mem.read(H)(), fsStore.read(H)()]);
            if (a._tag === 'Left' || b._tag === 'Left') throw new Error('read failed');
            if (c.kind === 'corrupt') {
              mem.injectCorrupt(H);
              corruptFs(dir)(H);
            } else {
              const expected = a.right.generation + c.offset;
              const base = { schema_version: 1 as const, session_id: c.session, pid: 9, hostname: 'h', acquired_at: 1_700_000_000_000, refreshed_at: 1_700_000_000_000, ttl_ms: 300_000, fence: Math.min(c.fence, a.right.generation + 1) };
              const record: SL.LockRecord = c.released ? { ...base, state: 'released', released_at: 1_700_000_000_001 } : { ...base, state: 'held' };
              const [ca, cb] = await Promise.all([mem.commit(H, expected, record)(), fsStore.commit(H, expected, record)()]);
              expect(cb).toEqual(ca);
            }
            const [ra, rb] = await Promise.all([mem.read(H)(), fsStore.read(H)()]);
            if (ra._tag === 'Left' || rb._tag === 'Left') throw new Error('read failed');
            expect(normalize(rb.right)).toEqual(normalize(ra.right));
          }
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      }),
      { numRuns: 150 },
    );
  });
});

describe('fs lock store specifics (session-lock.md §6.4)', () => {
  const rec: SL.LockRecord = { schema_version: 1, state: 'held', session_id: 'a', pid: 9, hostname: 'h', acquired_at: 1_700_000_000_000, refreshed_at: 1_700_000_000_000, ttl_ms: 300_000, fence: 1 };

  it('F1 layout: generation files only, no bare name, ISO instants on disk; temp files removed', async () => {
    const d = tmp();
    const s = fsLockStore(d);
    await s.commit(H, 0, rec)();
    const names = readdirSync(locksDir(d));
    expect(names).toEqual([`session-lock-${H}.json.1`]);
    expect(existsSync(join(locksDir(d), `session-lock-${H}.json`))).toBe(false);
    rmSync(d, { recursive: true, force: true });
  });

  it('F6 a later generation created meanwhile turns a successful link into Conflict', async () => {
    const d = tmp();
    const s = fsLockStore(d);
    await s.commit(H, 0, rec)();
    // simulate a writer suspended past GC: generation 5 exists while we commit generation 3 from a stale read
    writeFileSync(join(locksDir(d), `session-lock-${H}.json.5`), '{}');
    const r = await s.commit(H, 2, rec)();
    expect(r).toEqual({ _tag: 'Right', right: { _tag: 'Conflict' } });
    rmSync(d, { recursive: true, force: true });
  });

  it('F7 garbage collection keeps the newest GEN_KEEP and anything younger than GEN_GC_AGE_MS', async () => {
    const d = tmp();
    let now = Date.now();
    const s = fsLockStore(d, { now: () => now });
    for (let g = 0; g < 12; g++) await s.commit(H, g, { ...rec, fence: 1 })();
    expect(listGenerations(locksDir(d), H)).toHaveLength(12); // all young: nothing collected
    for (const g of listGenerations(locksDir(d), H)) {
      const old = new Date(Date.now() - 3_600_000);
      utimesSync(join(locksDir(d), `session-lock-${H}.json.${g}`), old, old);
    }
    now = Date.now();
    await s.commit(H, 12, rec)();
    const left = listGenerations(locksDir(d), H).sort((a, b) => a - b);
    expect(left).toEqual([6, 7, 8, 9, 10, 11, 12, 13]);
    rmSync(d, { recursive: true, force: true });
  });

  it('F7 garbage collection walks from the oldest generation and stops at the first one still young', async () => {
    const d = tmp();
    const now = Date.now();
    const s = fsLockStore(d, { now: () => now });
    for (let g = 0; g < 20; g++) await s.commit(H, g, { ...rec, fence: 1 })();
    // generations 1–6 are old, 7–20 young (they were created in order, so mtimes rise with the generation)
    const age = (g: number, ms: number) => {
      const t = new Date(now - ms);
      utimesSync(join(locksDir(d), `session-lock-${H}.json.${g}`), t, t);
    };
    for (let g = 1; g <= 20; g++) age(g, g <= 6 ? 3_600_000 : 1_000);
    // an old generation above a young one is not reached: the walk stops at generation 7
    age(9, 3_600_000);
    await s.commit(H, 20, rec)();
    const left = listGenerations(locksDir(d), H).sort((a, b) => a - b);
    expect(left).toEqual([7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21]);
    rmSync(d, { recursive: true, force: true });
  });

  it('F9 a fresh undecodable newest generation is retried: completed in time → Valid, still partial → Corrupt', async () => {
    const d = tmp();
    const s = fsLockStore(d);
    await s.commit(H, 0, rec)();
    const p2 = join(locksDir(d), `session-lock-${H}.json.2`);
    writeFileSync(p2, '{"schema_version":1,'); // a fallback writer mid-write
    const full = (await import('@arbiter/kernel')).sessionLock.encodeRecord({ ...rec, session_id: 'b', fence: 2 });
    setTimeout(() => writeFileSync(p2, full), 30);
    const r = await s.read(H)();
    expect(r._tag === 'Right' && r.right.content._tag).toBe('Valid');
    const p3 = join(locksDir(d), `session-lock-${H}.json.3`);
    writeFileSync(p3, '{"schema_version":1,');
    const t0 = Date.now();
    const r3 = await s.read(H)();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(4 * 25 - 10); // it waited PARTIAL_RETRY before giving up
    expect(r3._tag === 'Right' && r3.right.content).toMatchObject({ _tag: 'Corrupt', fence_floor: 3 });
    rmSync(d, { recursive: true, force: true });
  });

  it('F10 an unreadable state directory is a Failure, not an exception', async () => {
    const d = tmp();
    writeFileSync(join(d, 'locks'), 'not a directory');
    const s = fsLockStore(d);
    const r = await s.read(H)();
    expect(r._tag).toBe('Left');
    const c = await s.commit(H, 0, rec)();
    expect(c._tag).toBe('Left');
    rmSync(d, { recursive: true, force: true });
  });
});
