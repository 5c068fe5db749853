/**
 * Runs the LaneStore contract suite against the in-memory store and the embedded file-system store, plus the
 * fs-specific rules: corrupt generations (E2), crash injection around the force-release commit (PG-30), fault
 * mapping (push-gate.md §5.6), and the cross-worktree location (E1).
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync, chmodSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { memoryLaneStore, type MemoryLaneStore } from '@arbiter/io-memory';
import { pushGate as PG } from '@arbiter/kernel';
import { DIR_INDEX_SETTLE_MS, fsLaneStore, laneKey, LANE_INDEX_FILE, kindOfErrno, OUTCOME_UNKNOWN } from '@arbiter/io-node';
import { laneStoreContract } from './contract/lane-store.contract.js';

const dirs: string[] = [];
const tmp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'arbiter-lanes-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const memoryStores = new WeakMap<object, MemoryLaneStore>();
laneStoreContract(
  'in-memory',
  (clock, owners) => {
    const s = memoryLaneStore({ clock, owners });
    memoryStores.set(s, s);
    return s;
  },
  150,
  async (store, lanes) => lanes.flatMap((lane) => (memoryStores.get(store)?.history(lane) ?? []).map((r) => ({ lane, text: PG.encodeLaneRecord(r) }))),
);
const fsRoots = new WeakMap<object, string>();
laneStoreContract(
  'embedded fs',
  (clock, owners) => {
    const root = tmp();
    const s = fsLaneStore(root, { now: clock.now, owners });
    fsRoots.set(s, root);
    return s;
  },
  40,
  async (store, lanes) => {
    const dir = join(fsRoots.get(store) as string, 'lanes');
    const byKey = new Map(lanes.map((l) => [laneKey(l), l]));
    const names = existsSync(dir) ? readdirSync(dir) : [];
    return names.map((n) => ({ lane: byKey.get(n.split('.')[0] as string) ?? null, text: readFileSync(join(dir, n), 'utf8') }));
  },
);

const H = (i: number) => ({ handle: `u${i}`, session: `s${i}`, instance: String(i).padStart(32, '0'), host: 'h' });
const right = async <A>(t: () => Promise<{ _tag: string; right?: A; left?: unknown }>): Promise<A> => {
  const r = await t();
  if (r._tag !== 'Right') throw new Error(JSON.stringify(r.left));
  return r.right as A;
};

describe('embedded fs lane store specifics', () => {
  it('issue 12: `release/café` and a 246-character branch claim, re-enter, release; one generation per call, no corrupt record', async () => {
    for (const branch of ['release/café', `release/${'x'.repeat(238)}`]) {
      const root = tmp();
      const s = fsLaneStore(root);
      const lane = `deploy:refs/heads/${branch}`;
      expect(await right(s.claim(lane, H(1), { intent: 'deploy', eta_minutes: null }))).toEqual({ _tag: 'Granted', fence: 1, reclaimed: false });
      expect(await right(s.claim(lane, H(1), { intent: 'deploy', eta_minutes: null }))).toEqual({ _tag: 'Granted', fence: 1, reclaimed: true });
      expect((await right<{ _tag: string }>(s.claim(lane, H(2), { intent: 'deploy', eta_minutes: null })))._tag).toBe('Held');
      expect(await right(s.release(lane, H(1).instance))).toEqual({ _tag: 'Released', fence: 1 });
      expect(readdirSync(join(root, 'lanes')).sort()).toEqual([1, 2, 3].map((g) => `${laneKey(lane)}.json.${g}`));
      const audit = await right<ReadonlyArray<{ kind: string; lane: string | null }>>(s.audit(10));
      expect(audit.map((a) => [a.kind, a.lane])).toEqual([['claim', lane], ['release', lane]]);
    }
  });

  it('compatibility: a store written by the previous release (same key, same record format) is read and continued', async () => {
    const root = tmp();
    const lane = 'deploy:refs/heads/main';
    mkdirSync(join(root, 'lanes'), { recursive: true });
    // verbatim the generation file the 0.1 release writes for a held lane (key = 32 hex of SHA-256 of the name)
    writeFileSync(
      join(root, 'lanes', 'e91e3c923fec24148f4d7b91fa5f356f.json.3'),
      '{"schema_version":1,"lane":"deploy:refs/heads/main","fence":3,"holder":{"handle":"ana@example.com","session":"s-a","instance":"0000000000000000000000000000000a","host":"h","claimed_at":"2026-01-01T00:00:00.000Z","heartbeat_at":"2026-01-01T00:00:00.000Z","lease_ms":1800000,"intent":"deploy","eta_minutes":null},"event":{"kind":"claim","at":"2026-01-01T00:00:00.000Z","by_handle":"ana@example.com","by_session":"s-a","by_instance":"0000000000000000000000000000000a","reason":null,"previous":null}}',
    );
    expect(laneKey(lane)).toBe('e91e3c923fec24148f4d7b91fa5f356f'); // the key function never changes
    const s = fsLaneStore(root, { now: () => Date.parse('2026-01-01T00:01:00.000Z') });
    const v = (await right<{ lanes: ReadonlyArray<{ fence: number; holder: { instance: string } | null }> }>(s.state('all', 'x'))).lanes;
    expect(v.map((l) => [l.fence, l.holder?.instance])).toEqual([[3, '0000000000000000000000000000000a']]);
    expect(await right(s.release(lane, '0000000000000000000000000000000a'))).toEqual({ _tag: 'Released', fence: 3 });
    expect(await right(s.claim(lane, H(2), { intent: 'push', eta_minutes: null }))).toEqual({ _tag: 'Granted', fence: 4, reclaimed: false });
  });

  it('E2: a corrupt newest generation is replaced as a free lane with fence = its generation, audited', async () => {
    const root = tmp();
    const s = fsLaneStore(root);
    const lane = 'deploy:refs/heads/main';
    await right(s.claim(lane, H(1), { intent: 'push', eta_minutes: null }));
    writeFileSync(join(root, 'lanes', `${laneKey(lane)}.json.2`), '{"schema_version":1,"lane":');
    expect(await right(s.claim(lane, H(2), { intent: 'push', eta_minutes: null }))).toEqual({ _tag: 'Granted', fence: 3, reclaimed: false });
    const audit = await right(s.audit(10));
    expect(audit.map((a) => a.kind)).toEqual(['claim', 'corrupt-record', 'claim']);
  });

  it('E2: a generation naming another lane is corrupt', async () => {
    const root = tmp();
    const s = fsLaneStore(root);
    await right(s.claim('deploy:a', H(1), { intent: 'push', eta_minutes: null }));
    const other = readdirSync(join(root, 'lanes'))[0] as string;
    mkdirSync(join(root, 'lanes'), { recursive: true });
    // copy lane a's record under lane b's key
    const { readFileSync } = await import('node:fs');
    writeFileSync(join(root, 'lanes', `${laneKey('deploy:b')}.json.1`), readFileSync(join(root, 'lanes', other)));
    expect(await right(s.claim('deploy:b', H(2), { intent: 'push', eta_minutes: null }))).toEqual({ _tag: 'Granted', fence: 2, reclaimed: false });
  });

  it("state('all') lists every lane whose newest generation decodes, and skips a corrupt, misplaced or codec-refused one", async () => {
    const root = tmp();
    const s = fsLaneStore(root);
    for (const l of ['deploy:a', 'deploy:b', 'deploy:c', 'deploy:d']) await right(s.claim(l, H(1), { intent: 'push', eta_minutes: null }));
    const gen1 = (l: string): string => join(root, 'lanes', `${laneKey(l)}.json.1`);
    const b = JSON.parse(readFileSync(gen1('deploy:b'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(root, 'lanes', `${laneKey('deploy:b')}.json.2`), JSON.stringify({ ...b, fence: -1 })); // refused by the codec
    writeFileSync(join(root, 'lanes', `${laneKey('deploy:c')}.json.2`), readFileSync(gen1('deploy:a'))); // names another lane
    writeFileSync(join(root, 'lanes', `${laneKey('deploy:d')}.json.2`), '{"schema_version":1,"lane":'); // not JSON
    expect((await right(s.state('all', 'x'))).lanes.map((v) => [v.lane, v.fence])).toEqual([['deploy:a', 1]]);
  });

  it('decodeLaneJson of a parsed generation answers what decodeLaneRecord answers for its text', () => {
    const rec = (lane: string, fence: unknown): Record<string, unknown> => ({
      schema_version: 1,
      lane,
      fence,
      holder: null,
      event: { kind: 'release', at: '2026-01-01T00:00:00.000Z', by_handle: 'h', by_session: 's', by_instance: 'i', reason: null, previous: null },
    });
    expect(PG.decodeLaneRecord(JSON.stringify(rec('deploy:a', 1)), 'deploy:a')).not.toHaveProperty('corrupt'); // the fixture is a valid record
    fc.assert(
      fc.property(fc.constantFrom('deploy:a', 'deploy:b'), fc.oneof(fc.nat(), fc.integer(), fc.string(), fc.constant(null)), fc.boolean(), (lane, fence, drop) => {
        const o = rec('deploy:a', fence);
        if (drop) delete o['event'];
        const text = JSON.stringify(o);
        expect(PG.decodeLaneJson(JSON.parse(text), lane)).toEqual(PG.decodeLaneRecord(text, lane));
      }),
    );
  });

  it('PG-30 crash injected at every step of a force-release: lane unchanged without audit, or released with its audit', async () => {
    for (const step of ['list', 'read', 'mkdir', 'link', 'append']) {
      const root = tmp();
      const lane = 'deploy:refs/heads/main';
      await right(fsLaneStore(root).claim(lane, H(1), { intent: 'push', eta_minutes: null }));
      let armed = true;
      const crashing = fsLaneStore(root, {
        inject: (s) => {
          if (armed && s === step) {
            armed = false;
            return 'EIO';
          }
          return null;
        },
      });
      await crashing.forceRelease(lane, H(0), 'crash test')();
      const view = await right(fsLaneStore(root).state(lane, 'x'));
      const holder = view.lanes[0]?.holder;
      // the generation file carries the event: read it back to see whether the audit record exists
      const gens = readdirSync(join(root, 'lanes')).sort();
      const newest = JSON.parse((await import('node:fs')).readFileSync(join(root, 'lanes', gens.at(-1) as string), 'utf8')) as { event: { kind: string } };
      if (holder === null) expect(newest.event.kind).toBe('force-release');
      else {
        expect(holder?.instance).toBe(H(1).instance);
        expect(newest.event.kind).toBe('claim');
      }
    }
  });

  it('push-gate.md §5.6 failure kinds: unreadable directory → forbidden, store path under a file → transport, ENOSPC → other', async () => {
    expect(kindOfErrno('EROFS')).toBe('transport');
    expect(kindOfErrno('EAGAIN')).toBe('contended');
    expect(kindOfErrno('EACCES')).toBe('forbidden');
    expect(kindOfErrno('ENOSPC')).toBe('other');
    const file = join(tmp(), 'plain-file');
    writeFileSync(file, 'x');
    const r1 = await fsLaneStore(join(file, 'arbiter')).claim('deploy:x', H(1), { intent: 'push', eta_minutes: null })();
    expect(r1._tag === 'Left' && r1.left.kind).toBe('transport');
    const full = await fsLaneStore(tmp(), { inject: (s) => (s === 'link' ? 'ENOSPC' : null) }).claim('deploy:x', H(1), { intent: 'push', eta_minutes: null })();
    expect(full._tag === 'Left' && full.left).toEqual({ _tag: 'LaneFailure', kind: 'other', status: 'ENOSPC' });
    if (process.getuid?.() !== 0) {
      const ro = tmp();
      mkdirSync(join(ro, 'lanes'));
      chmodSync(join(ro, 'lanes'), 0o500);
      const r = await fsLaneStore(ro).claim('deploy:x', H(1), { intent: 'push', eta_minutes: null })();
      expect(r._tag === 'Left' && r.left.kind).toBe('forbidden');
      chmodSync(join(ro, 'lanes'), 0o700);
    }
  });

  it('PG-25 in-process concurrency on the fs store: N concurrent claims of a free lane grant exactly one (others Held or contended)', async () => {
    for (let round = 0; round < 20; round++) {
      const root = tmp();
      const n = 2 + (round % 5);
      const stores = Array.from({ length: n }, () => fsLaneStore(root));
      const res = await Promise.all(stores.map((st, i) => st.claim('deploy:refs/heads/main', H(i + 1), { intent: 'push', eta_minutes: null })()));
      const granted = res.filter((r) => r._tag === 'Right' && r.right._tag === 'Granted');
      expect(granted.length).toBe(1);
      for (const r of res) if (r._tag === 'Left') expect(r.left.kind).toBe('contended');
      const st = await right(fsLaneStore(root).state('deploy:refs/heads/main', 'x'));
      expect(st.lanes[0]?.fence).toBe(1);
    }
  });

  it('E2 collection: a busy lane keeps its newest 8 generations whatever their age, so each call lists a short directory', async () => {
    // Before, collection also waited for a generation to be ten minutes old: 200 claim + release cycles left 400
    // files, and every later call listed (and stat'ed) all of them, so a cycle grew slower with each cycle before it.
    const root = tmp();
    const s = fsLaneStore(root);
    const lane = 'deploy:refs/heads/main';
    for (let i = 0; i < 200; i++) {
      expect(await right(s.claim(lane, H(1), { intent: 'push', eta_minutes: null }))).toEqual({ _tag: 'Granted', fence: i + 1, reclaimed: false });
      expect(await right(s.release(lane, H(1).instance))).toEqual({ _tag: 'Released', fence: i + 1 });
    }
    const names = readdirSync(join(root, 'lanes')).sort((a, b) => Number(a.split('.').at(-1)) - Number(b.split('.').at(-1)));
    expect(names).toEqual(Array.from({ length: 8 }, (_, i) => `${laneKey(lane)}.json.${393 + i}`));
    // the audit projection still has every event, and the lane reads back
    expect((await right<ReadonlyArray<unknown>>(s.audit(1_000))).length).toBe(400);
    expect((await right(s.state(lane, 'x'))).lanes[0]).toMatchObject({ fence: 200, holder: null });
  });

  /**
   * A store whose next commit is at once followed by generation g+1+`ahead`, written by "another writer" as a copy of
   * `text()` (default: our own new generation, i.e. a writer that built on ours and changed nothing visible).
   */
  const racedStore = (root: string, lane: string, ahead: number, text?: () => string) => {
    let linked = false;
    let done = false;
    return fsLaneStore(root, {
      inject: (st) => {
        if (st === 'link') linked = true;
        else if (st === 'list' && linked && !done) {
          done = true;
          const dir = join(root, 'lanes');
          const g = Math.max(...readdirSync(dir).filter((n) => /\.json\.[0-9]+$/.test(n)).map((n) => Number(n.split('.').at(-1))));
          writeFileSync(join(dir, `${laneKey(lane)}.json.${g + ahead}`), text?.() ?? readFileSync(join(dir, `${laneKey(lane)}.json.${g}`), 'utf8'));
        }
        return null;
      },
    });
  };
  const gensOf = (root: string): number[] => readdirSync(join(root, 'lanes')).map((n) => Number(n.split('.').at(-1))).sort((a, b) => a - b);

  it('F6 a commit another writer builds on at once keeps its answer: claim is not reclaimed, release is not NotHolder, nothing is written twice', async () => {
    // Before, the store decided again on the newer generation (which already held its own change): a fresh claim came
    // back `reclaimed: true` and wrote a second generation, a release that did release answered NotHolder.
    const root = tmp();
    const lane = 'deploy:x';
    const meta = { intent: 'push' as const, eta_minutes: null };
    expect(await right(racedStore(root, lane, 1).claim(lane, H(1), meta))).toEqual({ _tag: 'Granted', fence: 1, reclaimed: false });
    expect(gensOf(root)).toEqual([1, 2]);
    expect(await right(racedStore(root, lane, 1).heartbeat(lane, H(1).instance, 1))).toMatchObject({ _tag: 'Ok' });
    expect(await right(racedStore(root, lane, 1).release(lane, H(1).instance))).toEqual({ _tag: 'Released', fence: 1 });
    expect(gensOf(root).at(-1)).toBe(6);
    // the newer generation may lie up to GEN_KEEP − 1 numbers ahead: ours cannot have been collected yet
    expect(await right(racedStore(root, lane, 7).claim(lane, H(2), meta))).toEqual({ _tag: 'Granted', fence: 2, reclaimed: false });
    expect(gensOf(root).at(-1)).toBe(14);
    const audit = await right<ReadonlyArray<{ kind: string }>>(fsLaneStore(root).audit(100));
    expect(audit.map((a) => a.kind)).toEqual(['claim', 'release', 'claim']);
  });

  it('E2 a commit GEN_KEEP or more numbers behind the newest answers OUTCOME-UNKNOWN (contended), never a wrong answer either way', async () => {
    const outcomeUnknown = { _tag: 'Left', left: { _tag: 'LaneFailure', kind: 'contended', status: OUTCOME_UNKNOWN } };
    const meta = { intent: 'push' as const, eta_minutes: null };
    const lane = 'deploy:x';
    // 1. ours may be a re-created collected number that nobody built on: the newest has H(2) holding again
    const root = tmp();
    await right(fsLaneStore(root).claim(lane, H(2), meta)); // generation 1: H(2) holds
    const held = readFileSync(join(root, 'lanes', `${laneKey(lane)}.json.1`), 'utf8');
    await right(fsLaneStore(root).release(lane, H(2).instance)); // generation 2: free
    expect(await racedStore(root, lane, 8, () => held).claim(lane, H(1), meta)()).toEqual(outcomeUnknown);
    expect(gensOf(root)).toEqual([1, 2, 11]); // ours (3) deleted: collection can never project a grant that did not happen (E3)
    // it did not take effect: asking again answers from the lane as it is, and no grant to H(1) was audited
    expect(await right(fsLaneStore(root).claim(lane, H(1), meta))).toMatchObject({ _tag: 'Held' });
    for (let i = 0; i < 9; i++) await right(fsLaneStore(root).heartbeat(lane, H(2).instance, 1)); // collect all but 8
    expect((await right<ReadonlyArray<{ by_instance: string }>>(fsLaneStore(root).audit(100))).filter((a) => a.by_instance === H(1).instance)).toEqual([]);
    // 2. ours was built on (the newest is a copy of it) and overtaken 8 numbers: it took effect, so deciding again would
    //    have answered `reclaimed: true`; asking again is the honest re-entry
    const root2 = tmp();
    expect(await racedStore(root2, lane, 8).claim(lane, H(1), meta)()).toEqual(outcomeUnknown);
    expect(await right(fsLaneStore(root2).claim(lane, H(1), meta))).toEqual({ _tag: 'Granted', fence: 1, reclaimed: true });
    // the same for a release that did release: not NotHolder
    const root3 = tmp();
    await right(fsLaneStore(root3).claim(lane, H(1), meta));
    expect(await racedStore(root3, lane, 8).release(lane, H(1).instance)()).toEqual(outcomeUnknown);
    expect(await right(fsLaneStore(root3).state(lane, 'x'))).toMatchObject({ lanes: [{ holder: null }] });
  });

  /** The audit line key (lane + generation, E3) of every audit-worthy event in the lane files now on disk. */
  const auditedGens = (root: string, lane: string): Map<number, string> => {
    const out = new Map<number, string>();
    for (const n of readdirSync(join(root, 'lanes'))) {
      if (!/\.json\.[0-9]+$/.test(n)) continue;
      const d = PG.decodeLaneRecord(readFileSync(join(root, 'lanes', n), 'utf8'), lane);
      if (!('corrupt' in d) && PG.auditOf(d).length > 0) out.set(Number(n.split('.').at(-1)), d.event.kind);
    }
    return out;
  };
  /** A store clock past the grace in which collection leaves a pending generation to its writer (E3, 60 s). */
  const later = (): number => Date.now() + 61_000;
  const auditLines = (root: string): Array<{ gen?: number; kind: string }> =>
    readFileSync(join(root, 'audit.ndjson'), 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as { gen?: number; kind: string });

  it('E3 an audit append that failed is made by collection, once: the projection of a collected generation is never lost', async () => {
    // Before, the event of a commit whose own append failed (or whose call answered OUTCOME-UNKNOWN) stayed only in
    // its generation file, and was gone from every record once collection deleted that file.
    const root = tmp();
    const lane = 'deploy:refs/heads/main';
    const meta = { intent: 'push' as const, eta_minutes: null };
    await right(fsLaneStore(root, { inject: (st) => (st === 'append' ? 'EIO' : null) }).claim(lane, H(1), meta)); // generation 1
    expect(existsSync(join(root, 'audit.ndjson'))).toBe(false);
    const s = fsLaneStore(root, { now: later }); // past the grace a writer has to append its own line
    await right(s.release(lane, H(1).instance)); // generation 2, audited at once
    for (let i = 0; i < 3; i++) {
      await right(s.claim(lane, H(2), meta));
      await right(s.release(lane, H(2).instance));
    }
    expect(gensOf(root)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]); // generation 1 not collected yet: its event is not in the log
    expect(auditLines(root).map((a) => a.gen)).toEqual([2, 3, 4, 5, 6, 7, 8]);
    await right(s.claim(lane, H(2), meta)); // generation 9: collection deletes generation 1 and appends its event
    expect(gensOf(root)).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
    expect(auditLines(root).map((a) => [a.gen, a.kind])).toEqual([[2, 'release'], [3, 'claim'], [4, 'release'], [5, 'claim'], [6, 'release'], [7, 'claim'], [8, 'release'], [9, 'claim'], [1, 'claim']]);
    // an event already in the log is not appended again when its generation is collected
    await right(s.release(lane, H(2).instance)); // generation 10 collects generation 2
    expect(auditLines(root).filter((a) => a.gen === 2)).toHaveLength(1);
    const listed = await right<ReadonlyArray<{ kind: string; by_instance: string; fence: number | null }>>(s.audit(100));
    expect(listed.map((a) => `${a.kind}:${a.fence}`)).toEqual(['release:1', 'claim:2', 'release:2', 'claim:3', 'release:3', 'claim:4', 'release:4', 'claim:5', 'claim:1', 'release:5']);
  });

  it('E3 a generation is created read-only while its audit line is pending and made owner-writable once the line is in the log', async () => {
    const root = tmp();
    const lane = 'deploy:x';
    const meta = { intent: 'push' as const, eta_minutes: null };
    const modeOf = (g: number): number => statSync(join(root, 'lanes', `${laneKey(lane)}.json.${g}`)).mode & 0o777;
    await right(fsLaneStore(root).claim(lane, H(1), meta));
    expect(modeOf(1)).toBe(0o600); // appended, then marked
    await right(fsLaneStore(root).heartbeat(lane, H(1).instance, 1));
    expect(modeOf(2)).toBe(0o600 & ~process.umask()); // nothing to audit: created projected
    await right(fsLaneStore(root, { inject: (st) => (st === 'mark' ? 'EIO' : null) }).release(lane, H(1).instance));
    expect(modeOf(3)).toBe(0o400); // its line is in the log, but the mark failed: collection checks the log ...
    await right(fsLaneStore(root, { inject: (st) => (st === 'append' ? 'EIO' : null) }).claim(lane, H(2), meta));
    expect(modeOf(4)).toBe(0o400); // ... and here the line is missing
    const s = fsLaneStore(root, { now: later });
    for (let i = 0; i < 6; i++) await right(s.heartbeat(lane, H(2).instance, 2));
    expect(gensOf(root)).toEqual([3, 4, 5, 6, 7, 8, 9, 10]); // 1 (projected) and 2 (nothing to audit) collected unread
    expect(auditLines(root).map((a) => [a.gen, a.kind])).toEqual([[1, 'claim'], [3, 'release']]);
    for (let i = 0; i < 2; i++) await right(s.heartbeat(lane, H(2).instance, 2));
    expect(gensOf(root)).toEqual([5, 6, 7, 8, 9, 10, 11, 12]);
    expect(auditLines(root).map((a) => [a.gen, a.kind])).toEqual([[1, 'claim'], [3, 'release'], [4, 'claim']]); // 3 found, 4 recovered
  });

  it('E3 collection leaves a pending generation younger than 60 s to its writer, and checks it once older', async () => {
    // A pending generation may be a number its writer re-created after collection and is about to delete (E2,
    // OUTCOME-UNKNOWN): appending its line at once audited a step that never happened (seen in the F6 race below).
    const root = tmp();
    const lane = 'deploy:x';
    const meta = { intent: 'push' as const, eta_minutes: null };
    let clock = Date.now();
    await right(fsLaneStore(root, { inject: (st) => (st === 'append' ? 'EIO' : null) }).claim(lane, H(1), meta)); // generation 1, pending
    const s = fsLaneStore(root, { now: () => clock });
    for (let i = 0; i < 8; i++) await right(s.heartbeat(lane, H(1).instance, 1));
    expect(gensOf(root)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]); // 1 kept: its writer might still append it
    expect(existsSync(join(root, 'audit.ndjson'))).toBe(false);
    clock += 59_000;
    await right(s.heartbeat(lane, H(1).instance, 1));
    expect(gensOf(root)[0]).toBe(1);
    clock += 2_000;
    await right(s.heartbeat(lane, H(1).instance, 1));
    expect(gensOf(root)).toEqual([4, 5, 6, 7, 8, 9, 10, 11]);
    expect(auditLines(root).map((a) => [a.gen, a.kind])).toEqual([[1, 'claim']]);
  });

  it('E3 audit lists a generation line that is in the log twice (a late append beside collection) once, and a restarted number as a new event', async () => {
    const root = tmp();
    const lane = 'deploy:x';
    const s = fsLaneStore(root);
    await right(s.claim(lane, H(1), { intent: 'push', eta_minutes: null }));
    await right(s.halt('s9', H(0), 'stop'));
    const text = readFileSync(join(root, 'audit.ndjson'), 'utf8');
    writeFileSync(join(root, 'audit.ndjson'), text + text); // the claim and the halt, twice each
    expect((await right<ReadonlyArray<{ kind: string }>>(s.audit(100))).map((a) => a.kind)).toEqual(['claim', 'halt', 'halt']);
    // the lanes directory removed by hand: numbers start again at 1, and the new claim is another event
    rmSync(join(root, 'lanes'), { recursive: true });
    await right(s.claim(lane, H(2), { intent: 'push', eta_minutes: null }));
    expect((await right<ReadonlyArray<{ kind: string; by_instance: string }>>(s.audit(100))).map((a) => `${a.kind}:${a.by_instance.slice(-1)}`)).toEqual(['claim:1', 'halt:0', 'halt:0', 'claim:2']);
  });

  it('E3 property: whatever commit appends or marks fail, once every generation is collected the log holds each audited event exactly once', async () => {
    const lane = 'deploy:refs/heads/main';
    const meta = { intent: 'push' as const, eta_minutes: null };
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.constantFrom('claim', 'release', 'force', 'heartbeat'), fc.integer({ min: 1, max: 2 }), fc.constantFrom<false | 'append' | 'mark'>(false, 'append', 'mark')), { minLength: 1, maxLength: 30 }), async (ops) => {
        const root = tmp();
        let failNext: false | 'append' | 'mark' = false;
        const s = fsLaneStore(root, { now: later, inject: (st) => (st === failNext ? 'EIO' : null) });
        const expected = new Map<number, string>(); // generation → audited event kind, read before collection
        for (const [op, who, fail] of ops) {
          failNext = fail;
          if (op === 'claim') await s.claim(lane, H(who), meta)();
          else if (op === 'release') await s.release(lane, H(who).instance)();
          else if (op === 'force') await s.forceRelease(lane, H(0), 'property')();
          else {
            const v = await right(s.state(lane, 'x'));
            await s.heartbeat(lane, H(who).instance, v.lanes[0]?.fence ?? 0)();
          }
          for (const [g, kind] of existsSync(join(root, 'lanes')) ? auditedGens(root, lane) : []) expected.set(g, kind);
        }
        // then 8 quiet generations by another holder collect every generation above
        failNext = false;
        const last = Math.max(0, ...(existsSync(join(root, 'lanes')) ? gensOf(root) : [0]));
        await right(s.forceRelease(lane, H(0), 'property'));
        for (let i = 0; i < 4; i++) {
          await right(s.claim(lane, H(3), meta));
          await right(s.release(lane, H(3).instance));
        }
        const keep = new Set(gensOf(root));
        for (let g = 1; g <= last; g++) expect(keep.has(g)).toBe(false);
        const got = auditLines(root).filter((a) => (a.gen ?? 0) <= last);
        expect(got.map((a) => a.gen).sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual([...expected.keys()].sort((a, b) => a - b));
        expect(new Map(got.map((a) => [a.gen as number, a.kind]))).toEqual(expected);
      }),
      { numRuns: 40 },
    );
  });

  it('STORE_CAS_ATTEMPTS: a link that always loses ends in contended', async () => {
    const root = tmp();
    const lane = 'deploy:x';
    let n = 0;
    const s = fsLaneStore(root, {
      inject: (step) => {
        if (step === 'link') {
          // another writer commits the generation we were about to take
          writeFileSync(join(root, 'lanes', `${laneKey(lane)}.json.${++n}`), 'garbage');
        }
        return null;
      },
    });
    mkdirSync(join(root, 'lanes'), { recursive: true });
    const r = await s.claim(lane, H(1), { intent: 'push', eta_minutes: null })();
    expect(r._tag === 'Left' && r.left.kind).toBe('contended');
  });
});

describe('embedded fs overview index (push-gate.md §5.5 E9)', () => {
  // the machine clock as the store's index decision sees it: far enough after `lanes/` last changed for it to settle
  const settled = (): number => Date.now() + DIR_INDEX_SETTLE_MS + 1;
  const index = (root: string): string => join(root, LANE_INDEX_FILE);
  const meta = { intent: 'push' as const, eta_minutes: null };
  // the overview read from the generation files alone: with the index removed first (the read writes a new one)
  const fromFiles = async (root: string, now: () => number) => {
    rmSync(index(root), { force: true });
    return right(fsLaneStore(root, { now, indexNow: settled }).state('all', 's1'));
  };
  // the tests fake a settled directory, so they wait out the file system's timestamp granularity after an index is
  // written, as the real settling time does, before they change the directory
  const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 25));

  it('E9: a settled overview writes the index; while lanes/ is unchanged the index answers, equal to the files', async () => {
    const root = tmp();
    const s = fsLaneStore(root, { indexNow: settled });
    for (const l of ['deploy:a', 'deploy:b', 'deploy:c']) await right(s.claim(l, H(1), meta));
    await right(s.release('deploy:b', H(1).instance));
    writeFileSync(join(root, 'lanes', `${laneKey('deploy:d')}.json.1`), '{"schema_version":1,"lane":'); // corrupt: skipped
    const first = await right(s.state('all', 's1'));
    expect(existsSync(index(root))).toBe(true);
    expect(first.lanes.map((v) => [v.lane, v.fence, v.holder?.session ?? null])).toEqual([
      ['deploy:a', 1, 's1'],
      ['deploy:b', 1, null],
      ['deploy:c', 1, 's1'],
    ]);
    // the index alone answers: with every generation's bytes made unreadable as records (a rename would change the
    // directory, so this edits in place, which the store never does), the overview is still the indexed one
    const text = readFileSync(index(root), 'utf8');
    for (const n of readdirSync(join(root, 'lanes'))) writeFileSync(join(root, 'lanes', n), 'garbage');
    expect(await right(s.state('all', 's1'))).toEqual(first);
    expect(readFileSync(index(root), 'utf8')).toBe(text);
    // a decision never reads it: the lane's own generation is read, and here it is corrupt (E2: free, fence = 1)
    const one = await right(s.state('deploy:a', 's1'));
    expect(one.lanes.map((v) => [v.lane, v.fence, v.holder])).toEqual([['deploy:a', 1, null]]);
  });

  it('E9: an overview of a directory that changed within the settling time writes no index, and the index never changes lanes/', async () => {
    const root = tmp();
    await right(fsLaneStore(root).claim('deploy:a', H(1), meta));
    await right(fsLaneStore(root, { indexNow: Date.now }).state('all', 's1'));
    expect(existsSync(index(root))).toBe(false);
    const before = statSync(join(root, 'lanes'), { bigint: true });
    await right(fsLaneStore(root, { indexNow: settled }).state('all', 's1'));
    expect(existsSync(index(root))).toBe(true);
    const after = statSync(join(root, 'lanes'), { bigint: true });
    expect([after.mtimeNs, after.ctimeNs]).toEqual([before.mtimeNs, before.ctimeNs]);
  });

  it('E9: after any sequence of claims, heartbeats, releases and force-releases, the overview equals the generation files read one by one', async () => {
    const lanes = ['deploy:a', 'deploy:b', 'deploy:c'];
    const op = fc.record({ k: fc.constantFrom('claim', 'heartbeat', 'release', 'force'), lane: fc.constantFrom(...lanes), who: fc.integer({ min: 1, max: 3 }), dt: fc.integer({ min: 0, max: 40 * 60_000 }) });
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 6 }), async (ops) => {
        const root = tmp();
        let t = 1_000_000;
        const now = (): number => t;
        const s = fsLaneStore(root, { now, indexNow: settled, owners: ['u1'] });
        for (const o of ops) {
          await right(s.state('all', 's1')); // writes or uses the index
          await tick();
          t += o.dt;
          const fence = (await right(s.state(o.lane, 's1'))).lanes[0]?.fence ?? 0;
          if (o.k === 'claim') await s.claim(o.lane, H(o.who), { intent: 'deploy', eta_minutes: 30 })();
          else if (o.k === 'heartbeat') await s.heartbeat(o.lane, H(o.who).instance, fence)();
          else if (o.k === 'release') await s.release(o.lane, H(o.who).instance)();
          else await s.forceRelease(o.lane, H(1), 'test')();
          expect(await right(s.state('all', 's1'))).toEqual(await fromFiles(root, now));
        }
      }),
      { numRuns: 15 },
    );
  });

  it('E9: an index that is corrupt, of another version, altered, or of another state of lanes/ is not used, and a settled overview replaces it', async () => {
    const root = tmp();
    const s = fsLaneStore(root, { indexNow: settled });
    for (const l of ['deploy:a', 'deploy:b']) await right(s.claim(l, H(1), meta));
    const good = await right(s.state('all', 's1'));
    const text = readFileSync(index(root), 'utf8');
    const nl = text.indexOf('\n');
    const head = JSON.parse(text.slice(0, nl)) as Record<string, unknown>;
    const body = text.slice(nl + 1);
    const sha = async (b: string): Promise<string> => (await import('node:crypto')).createHash('sha256').update(b).digest('hex');
    const bad = [
      'not an index',
      '',
      `${JSON.stringify({ ...head, v: 2 })}\n${body}`,
      `${JSON.stringify({ ...head, dir: 'elsewhere' })}\n${body}`,
      `${JSON.stringify(head)}\n${JSON.stringify({ lanes: [] })}`, // a body that is not the one its SHA-256 names
      text.slice(0, text.length - 5),
      `${JSON.stringify({ ...head, sha256: await sha('{"lanes":{}}') })}\n{"lanes":{}}`, // matching SHA-256, not a list
      `${JSON.stringify({ ...head, sha256: await sha('{"lanes":[{"lane":1}]}') })}\n{"lanes":[{"lane":1}]}`, // not lane records
    ];
    for (const b of bad) {
      writeFileSync(index(root), b);
      expect(await right(s.state('all', 's1'))).toEqual(good);
      expect(readFileSync(index(root), 'utf8')).toBe(text);
    }
  });

  it('E9: a change to lanes/ (a commit, or a generation replaced by a rename) is seen at once, whatever the index holds', async () => {
    const root = tmp();
    const s = fsLaneStore(root, { indexNow: settled });
    await right(s.claim('deploy:a', H(1), meta));
    await right(s.state('all', 's1')); // indexed
    await tick();
    await right(s.release('deploy:a', H(1).instance));
    expect((await right(s.state('all', 's1'))).lanes.map((v) => [v.lane, v.fence, v.holder])).toEqual([['deploy:a', 1, null]]);
    await tick();
    const gen = join(root, 'lanes', `${laneKey('deploy:a')}.json.2`);
    writeFileSync(`${gen}.x`, '{"schema_version":1,"lane":');
    renameSync(`${gen}.x`, gen);
    expect((await right(s.state('all', 's1'))).lanes).toEqual([]);
  });

  it('E9: an index that cannot be written leaves the overview as the files give it', async () => {
    const root = tmp();
    const s = fsLaneStore(root, { indexNow: settled });
    await right(s.claim('deploy:a', H(1), meta));
    mkdirSync(index(root)); // a directory where the index goes: the rename fails
    expect((await right(s.state('all', 's1'))).lanes.map((v) => v.lane)).toEqual(['deploy:a']);
  });
});

/** One operation a history worker made and the answer it received (test/helpers/lane-history-worker.mjs). */
interface HistoryLine {
  readonly op: 'claim' | 'heartbeat' | 'release' | 'force';
  readonly lane: string;
  readonly instance: string;
  readonly res: { readonly _tag?: string; readonly fence?: number; readonly reclaimed?: boolean; readonly previous?: { instance: string } | null; readonly failure?: { kind: string } };
}
const historyWorker = (root: string, start: string, id: number, ops: number): Promise<HistoryLine[]> =>
  new Promise((resolve, reject) => {
    const w = fileURLToPath(new URL('./helpers/lane-history-worker.mjs', import.meta.url));
    execFile(process.execPath, [w, 'fs', root, start, String(id), String(ops), String(id * 7919 + 1)], { timeout: 60_000, maxBuffer: 16 << 20 }, (e, out, err) => {
      if (e) reject(new Error(`${e.message}\n${err}`));
      else resolve(out.trim().split('\n').map((l) => JSON.parse(l) as HistoryLine));
    });
  });

describe('embedded fs lanes across real processes', () => {
  it('F6 racing processes: every answer a worker received is the step that took effect (the audit of committed events agrees)', async () => {
    // Before, a commit another process built on at once was decided again against the newer generation: a fresh claim
    // answered `reclaimed: true` and a release that did release answered NotHolder (and a force-release was written twice).
    const root = tmp();
    const start = join(root, 'go');
    // Six processes on three lanes: commits are built on at once, and on a loaded 2-core machine some are overtaken by
    // GEN_KEEP or more generations before their own listing (E2). Deciding again there failed this check in about half
    // the runs (a release that did release answered NotHolder, so another process was granted the lane the worker
    // believed it held); such a call now answers OUTCOME-UNKNOWN, which the check treats as "may or may not have
    // taken effect" (10 of 10 runs passed at load 9.7). The injected tests above pin each case every time.
    const PROCS = 6;
    const OPS = 500;
    const runs = Array.from({ length: PROCS }, (_, i) => historyWorker(root, start, i + 1, OPS));
    await new Promise((r) => setTimeout(r, 400)); // every process waits at the barrier
    writeFileSync(start, '');
    const perWorker = await Promise.all(runs);
    // each worker's own view, lane by lane: held (with its fence), free, or unknown after a failed (contended) call
    const unexplained: string[] = [];
    const droppedWhileHeld: string[] = []; // release answered NotHolder although the worker held the lane
    for (const lines of perWorker) {
      const held = new Map<string, number | 'unknown'>();
      for (const l of lines) {
        const before = held.get(l.lane);
        const r = l.res;
        if (r.failure !== undefined) {
          expect(r.failure.kind).toBe('contended');
          held.set(l.lane, 'unknown');
        } else if (l.op === 'claim' && r._tag === 'Granted') {
          // LS4: re-entry only when this instance already held the lane (nothing expires in this run: 1-minute leases)
          if (r.reclaimed === true && before === undefined) unexplained.push(`${l.lane} ${l.instance}: reclaimed without holding`);
          held.set(l.lane, r.fence as number);
        } else if (l.op === 'release' && r._tag === 'NotHolder' && typeof before === 'number') {
          droppedWhileHeld.push(`${l.lane}|${before}|${l.instance}`);
          held.delete(l.lane);
        } else if (l.op === 'release' || l.op === 'force' || (l.op === 'heartbeat' && r._tag === 'Lost') || (l.op === 'claim' && r._tag === 'Held')) {
          held.delete(l.lane);
        }
      }
    }
    expect(unexplained).toEqual([]);
    const lines = perWorker.flat();
    const audit = await right<ReadonlyArray<{ kind: string; lane: string | null; by_instance: string; fence: number | null; previous: { instance: string } | null }>>(fsLaneStore(root).audit(100_000));
    // every fresh grant, release and force-release a process was told about is a committed event, once, and nothing else:
    // a call answered OUTCOME-UNKNOWN (E2) deletes its own generation, so collection never projects it (E3)
    const sorted = (xs: string[]): string[] => [...xs].sort();
    expect(sorted(audit.filter((a) => a.kind === 'claim').map((a) => `${a.lane}|${a.fence}|${a.by_instance}`))).toEqual(
      sorted(lines.filter((l) => l.op === 'claim' && l.res._tag === 'Granted' && l.res.reclaimed === false).map((l) => `${l.lane}|${l.res.fence}|${l.instance}`)),
    );
    expect(sorted(audit.filter((a) => a.kind === 'release').map((a) => `${a.lane}|${a.fence}|${a.by_instance}`))).toEqual(
      sorted(lines.filter((l) => l.op === 'release' && l.res._tag === 'Released').map((l) => `${l.lane}|${l.res.fence}|${l.instance}`)),
    );
    expect(sorted(audit.filter((a) => a.kind === 'force-release').map((a) => `${a.lane}|${a.fence}|${a.by_instance}|${a.previous?.instance ?? '-'}`))).toEqual(
      sorted(lines.filter((l) => l.op === 'force' && l.res._tag === 'Forced').map((l) => `${l.lane}|${l.res.fence}|${l.instance}|${l.res.previous?.instance ?? '-'}`)),
    );
    // a release answered NotHolder while the worker held the lane: another process force-released it meanwhile (LS6),
    // as the audit says, or with a force-release whose answer was OUTCOME-UNKNOWN (E2: it may have taken effect, and it
    // is never audited)
    const forcedOff = new Set(audit.filter((a) => a.kind === 'force-release').map((a) => `${a.lane}|${a.fence}|${a.previous?.instance ?? '-'}`));
    const unknownForce = new Set(lines.filter((l) => l.op === 'force' && l.res.failure !== undefined).map((l) => l.lane));
    expect(droppedWhileHeld.filter((k) => !forcedOff.has(k) && !unknownForce.has(k.split('|')[0] as string))).toEqual([]);
    expect(audit.filter((a) => a.kind === 'expired-takeover' || a.kind === 'corrupt-record')).toEqual([]);
    expect(lines.length).toBe(PROCS * OPS);
  }, 90_000);
});
