/**
 * Runs the PresenceStore contract suite against the io-memory and io-node registries, and the file-system store's own
 * cases (presence.md §5): fixed-length file names, hostile files at a record's name, and two real processes
 * recording one session at once.
 */
import { describe, expect, it } from 'vitest';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as E from 'fp-ts/lib/Either.js';
import { memoryPresenceStore } from '@arbiter/io-memory';
import { fsPresenceStore, listPresenceSync, PRESENCE_INDEX_FILE, PRESENCE_INDEX_SETTLE_MS, presenceFileName, prunePresenceSync, recordPresenceSync, sessionsDir } from '@arbiter/io-node';
import fc from 'fast-check';
import { presence as P } from '@arbiter/kernel';
import { presenceStoreContract, sighting } from './contract/presence-store.contract.js';

presenceStoreContract('io-memory', async (clock) => {
  const store = memoryPresenceStore(clock);
  return { store, injectRaw: async (s, raw) => store.injectRaw(s, raw), peekRaw: async (s) => store.peekRaw(s), cleanup: async () => {} };
});

presenceStoreContract('io-node (one file per session, temp + rename)', async (clock) => {
  const dir = mkdtempSync(join(tmpdir(), 'arbiter-presence-'));
  const file = (s: string): string => join(sessionsDir(dir), presenceFileName(s));
  return {
    store: fsPresenceStore(dir, clock),
    // records are replaced by a rename, never edited in place (presence.md §5; presence.md §5.1 LX3)
    injectRaw: async (s, raw) => {
      mkdirSync(sessionsDir(dir), { recursive: true });
      writeFileSync(`${file(s)}.inject`, raw);
      renameSync(`${file(s)}.inject`, file(s));
    },
    peekRaw: async (s) => (existsSync(file(s)) ? readFileSync(file(s), 'utf8') : null),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

const tmp = (): string => mkdtempSync(join(tmpdir(), 'arbiter-presence-fs-'));

describe('io-node registry prune (presence.md §12)', () => {
  it('removes exactly the records silent for the age or more, with their markers; keeps younger, future and problem records; a dry run removes nothing', () => {
    const dir = tmp();
    try {
      const T = 1_800_000_000_000;
      const AGE = 7 * 86_400_000;
      const put = (s: string, at: number) => expect(recordPresenceSync(dir, sighting('prompt', { session: s }), at)._tag).toBe('Recorded');
      put('edge', T - AGE);
      put('older', T - AGE - 1);
      put('younger', T - AGE + 1);
      put('future', T + AGE);
      writeFileSync(join(sessionsDir(dir), presenceFileName('torn')), '{"v":1');
      writeFileSync(join(sessionsDir(dir), `.published-${presenceFileName('edge')}`), '{}');
      writeFileSync(join(sessionsDir(dir), `.failed-${presenceFileName('older')}`), '{}');
      const before = readdirSync(sessionsDir(dir)).sort();
      const dry = prunePresenceSync(dir, T, AGE, true);
      expect(dry._tag === 'Pruned' && { removed: dry.removed.map((p) => p.session).sort(), kept: dry.kept, problems: dry.problems }).toEqual({ removed: ['edge', 'older'], kept: 2, problems: 1 });
      expect(readdirSync(sessionsDir(dir)).sort()).toEqual(before);
      const real = prunePresenceSync(dir, T, AGE);
      expect(real._tag === 'Pruned' && real.removed.map((p) => p.session).sort()).toEqual(['edge', 'older']);
      expect(readdirSync(sessionsDir(dir)).sort()).toEqual([presenceFileName('future'), presenceFileName('torn'), presenceFileName('younger')].sort());
      // nothing left to remove: a second run is a no-op
      expect(prunePresenceSync(dir, T, AGE)).toEqual({ _tag: 'Pruned', removed: [], kept: 2, problems: 1 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a registry that cannot be listed is a failure, and an absent one is empty', () => {
    const dir = tmp();
    try {
      expect(prunePresenceSync(dir, 0, 1)).toEqual({ _tag: 'Pruned', removed: [], kept: 0, problems: 0 });
      writeFileSync(sessionsDir(dir), 'not a directory');
      const r = prunePresenceSync(dir, 0, 1);
      expect(r._tag).toBe('Failed');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('io-node registry listing index (presence.md §5.1)', () => {
  // `now` as the listing passes it: far enough after the directory's last change for LX2 to write the index
  const settled = (): number => Date.now() + PRESENCE_INDEX_SETTLE_MS + 1;
  const index = (dir: string): string => join(dir, PRESENCE_INDEX_FILE);
  // the listing read from the record files alone: with the index removed first (it writes a new one)
  const fromFiles = (dir: string) => {
    rmSync(index(dir), { force: true });
    return listPresenceSync(dir, settled());
  };
  // the tests fake a settled directory through `now`, so they wait out the file system's timestamp granularity after
  // an index is written, as LX2's real settling time does, before they change the directory
  const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 25));

  it('LX1/LX2: a settled listing writes the index; while the directory is unchanged the index answers, equal to the files', async () => {
    const dir = tmp();
    try {
      for (const s of ['a', 'b', 'c']) recordPresenceSync(dir, sighting('prompt', { session: s }), 1_000);
      writeFileSync(join(sessionsDir(dir), presenceFileName('torn')), '{"v":1');
      const first = listPresenceSync(dir, settled());
      expect(existsSync(index(dir))).toBe(true);
      expect(first._tag === 'Listed' && first.list.sessions.map((p) => p.session).sort()).toEqual(['a', 'b', 'c']);
      expect(first._tag === 'Listed' && first.list.problems).toEqual([{ key: presenceFileName('torn'), kind: 'corrupt', detail: 'not JSON' }]);
      // the index alone answers: with every record file's bytes made unreadable-as-records (a rename would change the
      // directory, so this edits in place, which Arbiter never does), the listing is still the indexed one
      const text = readFileSync(index(dir), 'utf8');
      for (const s of ['a', 'b', 'c']) writeFileSync(join(sessionsDir(dir), presenceFileName(s)), 'garbage');
      expect(listPresenceSync(dir, settled())).toEqual(first);
      expect(readFileSync(index(dir), 'utf8')).toBe(text);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('LX2: a listing of a directory that changed within the settling time writes no index', () => {
    const dir = tmp();
    try {
      recordPresenceSync(dir, sighting('prompt', { session: 'a' }), 1_000);
      const r = listPresenceSync(dir, Date.now());
      expect(r._tag === 'Listed' && r.list.sessions.map((p) => p.session)).toEqual(['a']);
      expect(existsSync(index(dir))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('LX1: after any sequence of records written, removed or corrupted (by rename), the listing equals the files read one by one', async () => {
    const sessions = ['s1', 's2', 's3', 's4'];
    const op = fc.oneof(
      fc.record({ k: fc.constant('record' as const), s: fc.constantFrom(...sessions), e: fc.constantFrom('prompt', 'stop', 'pre-tool', 'session-end'), at: fc.integer({ min: 1, max: 1e6 }) }),
      fc.record({ k: fc.constant('remove' as const), s: fc.constantFrom(...sessions) }),
      fc.record({ k: fc.constant('corrupt' as const), s: fc.constantFrom(...sessions) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 6 }), async (ops) => {
        const dir = tmp();
        try {
          recordPresenceSync(dir, sighting('prompt', { session: 's1' }), 1);
          for (const o of ops) {
            listPresenceSync(dir, settled()); // writes or uses the index
            await tick();
            const file = join(sessionsDir(dir), presenceFileName(o.s));
            if (o.k === 'record') recordPresenceSync(dir, sighting(o.e as never, { session: o.s }), o.at);
            else if (o.k === 'remove') rmSync(file, { force: true });
            else {
              writeFileSync(`${file}.x`, '{"v":1,');
              renameSync(`${file}.x`, file);
            }
            const listed = listPresenceSync(dir, settled());
            expect(listed).toEqual(fromFiles(dir));
          }
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      }),
      { numRuns: 15 },
    );
  });

  it('LX3: an index that is corrupt, of another version, altered, or of another state of the directory is not used, and a settled listing replaces it', async () => {
    const dir = tmp();
    try {
      for (const s of ['a', 'b']) recordPresenceSync(dir, sighting('prompt', { session: s }), 1_000);
      const good = listPresenceSync(dir, settled());
      const text = readFileSync(index(dir), 'utf8');
      const nl = text.indexOf('\n');
      const head = JSON.parse(text.slice(0, nl)) as Record<string, unknown>;
      const body = text.slice(nl + 1);
      const forged = JSON.stringify({ sessions: [], problems: [] });
      const bad = [
        'not an index',
        '',
        `${JSON.stringify({ ...head, v: 2 })}\n${body}`,
        `${JSON.stringify({ ...head, dir: 'elsewhere' })}\n${body}`,
        `${JSON.stringify(head)}\n${forged}`, // a body that is not the one its SHA-256 names
        text.slice(0, text.length - 5),
        `${JSON.stringify(head)}`,
      ];
      for (const b of bad) {
        writeFileSync(index(dir), b);
        expect(listPresenceSync(dir, settled())).toEqual(good);
        expect(readFileSync(index(dir), 'utf8')).toBe(text);
      }
      // a body with a matching SHA-256 that is not a listing
      const { createHash } = await import('node:crypto');
      const notList = '{"sessions":{}}';
      writeFileSync(index(dir), `${JSON.stringify({ ...head, sha256: createHash('sha256').update(notList).digest('hex') })}\n${notList}`);
      expect(listPresenceSync(dir, settled())).toEqual(good);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('LX2: an index that cannot be written leaves the listing as the files give it', () => {
    const dir = tmp();
    try {
      recordPresenceSync(dir, sighting('prompt', { session: 'a' }), 1_000);
      mkdirSync(index(dir)); // a directory where the index goes: the rename fails
      const r = listPresenceSync(dir, settled());
      expect(r._tag === 'Listed' && r.list.sessions.map((p) => p.session)).toEqual(['a']);
      unlinkSync(join(sessionsDir(dir), presenceFileName('a')));
      const r2 = listPresenceSync(dir, settled());
      expect(r2._tag === 'Listed' && r2.list.sessions).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('io-node registry files (presence.md §5)', () => {
  it('a record lives at sessions/<u hex or h SHA-256>.json whatever the id, with the full id inside; temp files and other names are skipped', async () => {
    const dir = tmp();
    try {
      const store = fsPresenceStore(dir);
      const id = `../${'x'.repeat(4000)}/\u0000`;
      expect(E.isRight(await store.record(sighting('prompt', { session: id }))())).toBe(true);
      const names = readdirSync(sessionsDir(dir));
      expect(names).toEqual([presenceFileName(id)]);
      expect(names[0]).toMatch(/^h[0-9a-f]{64}\.json$/); // longer than 48 units: named by its SHA-256
      expect(presenceFileName('sess-1')).toBe(`u${Buffer.from('sess-1', 'utf16le').toString('hex')}.json`);
      expect(JSON.parse(readFileSync(join(sessionsDir(dir), names[0]!), 'utf8')).session).toBe(id);
      writeFileSync(join(sessionsDir(dir), `.${names[0]}.123-0-abc`), '{"half":');
      writeFileSync(join(sessionsDir(dir), 'README'), 'not a record');
      const l = await store.list()();
      expect(E.isRight(l) && l.right).toEqual({ sessions: [expect.objectContaining({ session: id })], problems: [] });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a FIFO, a symlink or a directory at a record name is a corrupt problem at once (never a hang), and record refuses it', async () => {
    const dir = tmp();
    try {
      const store = fsPresenceStore(dir);
      mkdirSync(sessionsDir(dir), { recursive: true });
      execFileSync('mkfifo', [join(sessionsDir(dir), presenceFileName('fifo'))]);
      symlinkSync('/etc/hostname', join(sessionsDir(dir), presenceFileName('link')));
      mkdirSync(join(sessionsDir(dir), presenceFileName('dir')));
      const l = await store.list()();
      expect(E.isRight(l) && l.right.problems.map((p) => p.detail).sort()).toEqual(['directory, not a regular file', 'fifo, not a regular file', 'symlink, not a regular file']);
      for (const s of ['fifo', 'link', 'dir']) expect(E.isLeft(await store.record(sighting('prompt', { session: s }))())).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a record whose session id does not hash to its file name, or larger than a record can be, is corrupt', async () => {
    const dir = tmp();
    try {
      const store = fsPresenceStore(dir);
      mkdirSync(sessionsDir(dir), { recursive: true });
      const rec = P.observe(null, { ...sighting('prompt', { session: 'other' }), at: 1 })!;
      writeFileSync(join(sessionsDir(dir), presenceFileName('mine')), JSON.stringify(rec));
      writeFileSync(join(sessionsDir(dir), presenceFileName('big')), ' '.repeat(300 * 1024));
      const l = await store.list()();
      expect(E.isRight(l) && l.right.problems.map((p) => p.detail).sort()).toEqual(['larger than a record can be', 'session id does not match the file name']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a file named sessions is an unavailable registry for list, and a failed write for record (nothing thrown)', async () => {
    const dir = tmp();
    try {
      writeFileSync(join(dir, 'sessions'), '');
      const store = fsPresenceStore(dir);
      const l = await store.list()();
      expect(E.isLeft(l) && l.left.kind).toBe('unavailable');
      const r = await store.record(sighting('prompt'))();
      expect(E.isLeft(r) && r.left._tag).toBe('PresenceFailure');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('io-node registry across real processes (presence.md §5)', () => {
  it('two processes recording one session at once, 40 rounds: the file always decodes, equal to one of the two outcomes', async () => {
    const dir = tmp();
    const rounds = 40;
    const worker = fileURLToPath(new URL('./helpers/presence-worker.mjs', import.meta.url));
    const run = (id: string, event: string): Promise<Array<unknown>> =>
      new Promise((resolve, reject) => {
        execFile(process.execPath, [worker, dir, id, String(rounds), event], { timeout: 60_000 }, (e, out, err) => {
          if (e) reject(new Error(`${e.message}\n${err}`));
          else resolve(JSON.parse(out) as Array<unknown>);
        });
      });
    try {
      const a = run('A', 'pre-tool');
      const b = run('B', 'post-tool');
      const file = join(sessionsDir(dir), presenceFileName('race'));
      const seen: unknown[] = [];
      for (let i = 0; i < rounds; i++) {
        writeFileSync(join(dir, `go-${i}`), '');
        const deadline = Date.now() + 20_000;
        while (!(existsSync(join(dir, `done-A-${i}`)) && existsSync(join(dir, `done-B-${i}`))) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
        const d = P.decodePresence(JSON.parse(readFileSync(file, 'utf8')));
        expect(d._tag).toBe('Ok');
        seen.push(d._tag === 'Ok' ? d.presence : null);
      }
      const [ra, rb] = await Promise.all([a, b]);
      for (let i = 0; i < rounds; i++) expect([ra[i], rb[i]]).toContainEqual(seen[i]);
      expect(readdirSync(sessionsDir(dir))).toEqual([presenceFileName('race')]); // no temp file left behind
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
