/**
 * The presence publisher (presence.md §10 PR10, packages/hooks/src/presence/publish.ts) against the in-memory shared
 * store and a real local registry: it sends the local record's newest event once, sends nothing for a record the
 * store has seen, leaves while another live publisher holds the lock, keeps no mark when the store fails, and, when
 * the hook records a newer event while it holds the lock (the other publisher it started found the lock held and
 * left), publishes that event too before it ends. And what a reader (`arbiter status`, the dashboard) shows of a
 * shared registry: the local records, other machines' records, one problem when the shared store is down.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { fakeClock, memoryPresenceStore } from '@arbiter/io-memory';
import { publishLockPath, readPublished, recordPresenceSync, sessionsDir, takeProcessLock, type PresenceRecordSync } from '@arbiter/io-node';
import type { PresenceEventKind, PresenceSighting, PresenceStore } from '@arbiter/kernel';
import { publishSession } from '../packages/hooks/src/presence/publish.js';
import { fsRegistrySource, sharedRegistrySource } from '../packages/hooks/src/status/node-sources.js';

const T0 = 1_700_000_000_000;
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const runtime = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'arbiter-publish-'));
  dirs.push(d);
  return d;
};

const sighting = (event: PresenceEventKind): PresenceSighting => ({
  session: 's1',
  agent: 'claude',
  event,
  host: 'laptop',
  workspace: '/repo/.git',
  worktree: '/repo',
  branch: 'main',
  tool: event === 'pre-tool' ? 'Bash' : null,
});

const local = (dir: string, event: PresenceEventKind, at: number): PresenceRecordSync => recordPresenceSync(dir, sighting(event), at);

const sharedList = async (store: PresenceStore) => {
  const l = await store.list()();
  if (E.isLeft(l)) throw new Error('list failed');
  return l.right.sessions;
};

describe('presence publisher (presence.md §10)', () => {
  it('sends the newest local event once, stamped by the shared store clock; a second run sends nothing', async () => {
    const dir = runtime();
    const clock = fakeClock(T0 + 99_000); // the shared store's clock disagrees with the machine's
    const store = memoryPresenceStore(clock);
    local(dir, 'prompt', T0);
    expect(await publishSession(dir, 's1', store)).toEqual({ _tag: 'Published', sent: 1 });
    expect(await sharedList(store)).toEqual([expect.objectContaining({ session: 's1', state: 'working', lastEvent: 'prompt', lastEventAt: T0 + 99_000, host: 'laptop' })]);
    expect(readPublished(dir, 's1')).toEqual({ lastEvent: 'prompt', lastEventAt: T0 });
    expect(await publishSession(dir, 's1', store)).toEqual({ _tag: 'Published', sent: 0 });
    local(dir, 'stop', T0 + 5);
    clock.advance(10);
    expect(await publishSession(dir, 's1', store)).toEqual({ _tag: 'Published', sent: 1 });
    expect(await sharedList(store)).toEqual([expect.objectContaining({ state: 'idle', lastEvent: 'stop', lastEventAt: T0 + 99_010 })]);
  });

  it('no local record, or a corrupt one: nothing is sent', async () => {
    const dir = runtime();
    const store = memoryPresenceStore(fakeClock(T0));
    expect(await publishSession(dir, 's1', store)).toEqual({ _tag: 'Published', sent: 0 });
    mkdirSync(sessionsDir(dir), { recursive: true });
    local(dir, 'prompt', T0);
    const name = (await import('@arbiter/io-node')).presenceFileName('s1');
    writeFileSync(join(sessionsDir(dir), name), '{"v":1}');
    expect(await publishSession(dir, 's1', store)).toEqual({ _tag: 'Published', sent: 0 });
    expect(await sharedList(store)).toEqual([]);
  });

  it('leaves (Busy) while another live publisher of the session holds the lock', async () => {
    const dir = runtime();
    const store = memoryPresenceStore(fakeClock(T0));
    local(dir, 'prompt', T0);
    writeFileSync(publishLockPath(dir, 's1'), JSON.stringify({ pid: process.pid, at: new Date().toISOString(), tag: 'other' }));
    expect(await publishSession(dir, 's1', store)).toEqual({ _tag: 'Busy' });
    expect(await sharedList(store)).toEqual([]);
  });

  it('a lock left by a dead process is taken over', async () => {
    const dir = runtime();
    const store = memoryPresenceStore(fakeClock(T0));
    local(dir, 'prompt', T0);
    writeFileSync(publishLockPath(dir, 's1'), JSON.stringify({ pid: 2 ** 22 + 12345, at: new Date().toISOString(), tag: 'dead' }));
    expect(await publishSession(dir, 's1', store)).toEqual({ _tag: 'Published', sent: 1 });
  });

  it('a store failure is reported and leaves no mark, so the next publisher sends the event again', async () => {
    const dir = runtime();
    const store = memoryPresenceStore(fakeClock(T0));
    local(dir, 'prompt', T0);
    store.failNext('transport');
    expect(await publishSession(dir, 's1', store)).toMatchObject({ _tag: 'Failed', failure: { kind: 'transport' }, sent: 0 });
    expect(readPublished(dir, 's1')).toBeNull();
    expect(await publishSession(dir, 's1', store)).toEqual({ _tag: 'Published', sent: 1 });
  });

  it('an event recorded while the lock is held (its own publisher left Busy) is published before the holder ends', async () => {
    const dir = runtime();
    const inner = memoryPresenceStore(fakeClock(T0));
    local(dir, 'prompt', T0);
    let busy: unknown = null;
    let first = true;
    const store: PresenceStore = {
      list: inner.list,
      record: (s) => async () => {
        if (first) {
          first = false;
          local(dir, 'stop', T0 + 1); // the hook records the Stop meanwhile ...
          busy = await publishSession(dir, 's1', inner); // ... and the publisher it starts finds the lock held
        }
        return inner.record(s)();
      },
    };
    expect(await publishSession(dir, 's1', store)).toEqual({ _tag: 'Published', sent: 2 });
    expect(busy).toEqual({ _tag: 'Busy' });
    expect(await sharedList(inner)).toEqual([expect.objectContaining({ state: 'idle', lastEvent: 'stop' })]);
    expect(readPublished(dir, 's1')).toEqual({ lastEvent: 'stop', lastEventAt: T0 + 1 });
  });

  it("an event recorded after the holder's last read but before it released the lock is published after the release (no lost wake-up)", async () => {
    const dir = runtime();
    const store = memoryPresenceStore(fakeClock(T0));
    local(dir, 'prompt', T0);
    let busy: unknown = null;
    let releases = 0;
    const takeLock: typeof takeProcessLock = (path, staleMs, now) => {
      const release = takeProcessLock(path, staleMs, now);
      if (release === null) return null;
      return () => {
        if (releases++ === 0) {
          local(dir, 'stop', T0 + 1); // the Stop lands in the window ...
          void publishSession(dir, 's1', store).then((r) => (busy = r)); // ... and its publisher finds the lock still held
        }
        release();
      };
    };
    expect(await publishSession(dir, 's1', store, { takeLock })).toEqual({ _tag: 'Published', sent: 2 });
    expect(busy).toEqual({ _tag: 'Busy' });
    expect(await sharedList(store)).toEqual([expect.objectContaining({ state: 'idle', lastEvent: 'stop' })]);
  });
});

describe('reading a shared registry (presence.md §10)', () => {
  it("shows local records, other machines' records once, the shared store's unusable records as problems, and the local registry alone when the shared store is down", async () => {
    const dir = runtime();
    const shared = memoryPresenceStore(fakeClock(T0 + 50_000));
    local(dir, 'prompt', T0);
    expect(await publishSession(dir, 's1', shared)).toEqual({ _tag: 'Published', sent: 1 });
    await shared.record({ ...sighting('stop'), session: 'other-machine', host: 'ci-runner' })();
    shared.injectRaw('bad', '{"v":9}');
    const src = sharedRegistrySource(fsRegistrySource(dir), shared);
    const l = await src.list();
    expect(l.sessions.map((p) => [p.session, p.host, p.lastEventAt])).toEqual([
      ['s1', 'laptop', T0], // the local record, not the shared copy stamped T0 + 50 000
      ['other-machine', 'ci-runner', T0 + 50_000],
    ]);
    expect(l.problems).toEqual([{ key: 'shared:bad', detail: expect.stringContaining('newer') }]);
    shared.failNext('transport');
    const down = await src.list();
    expect(down.sessions.map((p) => p.session)).toEqual(['s1']);
    expect(down.problems).toEqual([{ key: 'shared registry', detail: expect.stringContaining('transport') }]);
    const alone = fsRegistrySource(dir);
    expect(sharedRegistrySource(alone, null)).toBe(alone); // the embedded store: the local registry, unwrapped
  });

  it('a local registry that cannot be read is one problem while the shared sessions show; both failing rejects with the local failure', async () => {
    const shared = memoryPresenceStore(fakeClock(T0));
    await shared.record({ ...sighting('prompt'), session: 'far' })();
    const broken = { list: async () => Promise.reject(new Error('registry: read: EACCES')) };
    const l = await sharedRegistrySource(broken, shared).list();
    expect(l.sessions.map((p) => p.session)).toEqual(['far']);
    expect(l.problems).toEqual([{ key: 'local registry', detail: 'registry: read: EACCES' }]);
    shared.failNext('transport');
    await expect(sharedRegistrySource(broken, shared).list()).rejects.toThrow(/EACCES/);
  });
});
