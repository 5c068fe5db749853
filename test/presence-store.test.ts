/**
 * Runs the PresenceStore contract suite against the io-memory and io-node registries, and the file-system store's own
 * cases (presence.md §5): fixed-length file names, hostile files at a record's name, and two real processes
 * recording one session at once.
 */
import { describe, expect, it } from 'vitest';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as E from 'fp-ts/lib/Either.js';
import { memoryPresenceStore } from '@arbiter/io-memory';
import { fsPresenceStore, presenceFileName, prunePresenceSync, recordPresenceSync, sessionsDir } from '@arbiter/io-node';
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
    injectRaw: async (s, raw) => {
      mkdirSync(sessionsDir(dir), { recursive: true });
      writeFileSync(file(s), raw);
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
