/**
 * `lanes.store` (push-gate.md §5.7): the codec accepts the embedded, postgres and http adapters, defaults are
 * applied, credentials never come from the file, and `openLaneStore` is the one selection point (the
 * embedded store by default, a loud `other` failure when the URL variable is unset).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { config, pushGate as PG } from '@arbiter/kernel';

const { parseConfig } = config;
import { decodeStoreSpec, openLaneStore, readPending, writePending } from '@arbiter/io-node';

const dirs: string[] = [];
const tmp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'arbiter-lsc-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const cfg = (store: unknown) => parseConfig(JSON.stringify({ version: 1, lanes: { store } }));
const H = { handle: 'u', session: 's', instance: '0'.repeat(32), host: 'h' };

describe('lanes.store configuration', () => {
  it('accepts embedded, postgres and http, with defaults for the variable names', () => {
    expect(PG.settingsOf(cfg({ kind: 'embedded' })).store).toEqual({ kind: 'embedded', dir: null });
    expect(PG.settingsOf(cfg({ kind: 'postgres' })).store).toEqual({ kind: 'postgres', url_env: 'ARBITER_DATABASE_URL' });
    expect(PG.settingsOf(cfg({ kind: 'postgres', url_env: 'TEAM_PG' })).store).toEqual({ kind: 'postgres', url_env: 'TEAM_PG' });
    expect(PG.settingsOf(cfg({ kind: 'http', url: 'http://127.0.0.1:7420' })).store).toEqual({ kind: 'http', url: 'http://127.0.0.1:7420', token_env: 'ARBITER_TOKEN' });
    expect(PG.settingsOf(parseConfig(JSON.stringify({ version: 1 }))).store).toEqual({ kind: 'embedded', dir: null });
    expect(PG.settingsOf(cfg({ kind: 'embedded', dir: '/srv/lanes' })).store_dir).toBe('/srv/lanes');
    expect(PG.settingsOf(cfg({ kind: 'postgres', dir: '/srv/lanes' })).store_dir).toBeNull();
  });

  it('an unknown kind or a variable name that is not a name makes the file invalid', () => {
    expect(cfg({ kind: 'mysql' })._tag).toBe('Invalid');
    expect(cfg({ kind: 'postgres', url_env: 'postgres://u:pw@h/db' })._tag).toBe('Invalid');
    expect(cfg({ kind: 'http' })._tag).toBe('Invalid');
  });

  it('openLaneStore: embedded by default (no server); postgres with its variable unset fails loud as other', async () => {
    const root = tmp();
    const emb = openLaneStore({ kind: 'embedded', dir: null }, { root, env: {} });
    expect(await emb.claim('deploy:x', H, { intent: 'push', eta_minutes: null })()).toEqual({ _tag: 'Right', right: { _tag: 'Granted', fence: 1, reclaimed: false } });
    for (const env of [{}, { ARBITER_DATABASE_URL: '' }]) {
      const pg = openLaneStore({ kind: 'postgres', url_env: 'ARBITER_DATABASE_URL' }, { root, env });
      expect(await pg.claim('deploy:x', H, { intent: 'push', eta_minutes: null })()).toEqual({ _tag: 'Left', left: { _tag: 'LaneFailure', kind: 'other', status: 'ARBITER_DATABASE_URL is not set' } });
    }
  });

  it('openLaneStore: every kind of store offers the landing queue (land.md §2), the lazily opened postgres one included', async () => {
    const root = tmp();
    const emb = openLaneStore({ kind: 'embedded', dir: null }, { root, env: {} });
    const got = await emb.enqueue('deploy:x', H, { branch: 'b', ttl_ms: 60_000 })();
    expect(got._tag === 'Right' && [got.right.refreshed, got.right.ticket.position]).toEqual([false, 1]);
    const unset = openLaneStore({ kind: 'postgres', url_env: 'ARBITER_DATABASE_URL' }, { root, env: {} });
    expect(await unset.queue('deploy:x')()).toEqual({ _tag: 'Left', left: { _tag: 'LaneFailure', kind: 'other', status: 'ARBITER_DATABASE_URL is not set' } });
    // a URL naming a socket nobody listens on: the store opens on the first call and answers transport
    const down = openLaneStore({ kind: 'postgres', url_env: 'U' }, { root, env: { U: `postgresql://postgres@localhost/postgres?host=${encodeURIComponent(join(root, 'nowhere'))}` } });
    for (const t of [down.enqueue('deploy:x', H, { branch: 'b', ttl_ms: 60_000 }), down.dequeue('deploy:x', H.instance), down.queue('deploy:x')]) {
      const r = await t();
      expect(r._tag === 'Left' && r.left.kind).toBe('transport');
    }
    await down.close();
  });

  it('the pending marker names the store (never a credential) and reads back; old markers mean embedded at store_root', () => {
    const state = tmp();
    writePending(state, 'k1', { store_root: '/r', store: { kind: 'postgres', url_env: 'ARBITER_DATABASE_URL' }, instance: H.instance, lanes: [{ lane: 'deploy:x', fence: 3 }] });
    expect(readPending(state, 'k1')).toMatchObject({ store_root: '/r', store: { kind: 'postgres', url_env: 'ARBITER_DATABASE_URL' }, lanes: [{ lane: 'deploy:x', fence: 3 }] });
    writePending(state, 'k2', { store_root: '/r', instance: H.instance, lanes: [] });
    // no store named: the embedded store at store_root
    expect(readPending(state, 'k2')?.store).toBeNull();
  });

  it('decodeStoreSpec accepts only well-formed specs', () => {
    fc.assert(
      fc.property(fc.anything(), (u) => {
        const d = decodeStoreSpec(u);
        if (d !== null) expect(['postgres', 'http']).toContain(d.kind);
      }),
    );
    expect(decodeStoreSpec({ kind: 'postgres', url_env: 'A B' })).toBeNull();
    expect(decodeStoreSpec({ kind: 'http', url: 'http://u:pw@h', token_env: 'ARBITER_TOKEN' })).toBeNull();
    expect(decodeStoreSpec({ kind: 'http', url: 'http://127.0.0.1:7420', token_env: 'ARBITER_TOKEN' })).toEqual({ kind: 'http', url: 'http://127.0.0.1:7420', token_env: 'ARBITER_TOKEN' });
  });
});
