/**
 * The pure parts of shared lanes (push-gate.md §5.7, push-gate.md §11.1): the `lanes.store` codec and its defaults, the
 * pending marker naming its store, `lane assert` (a fail-closed boundary: exit 0 only on a verified current fence),
 * and the `--print-env` line, evaluated by a real POSIX shell.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { config, pushGate as PG } from '@arbiter/kernel';
import { readPending, writePending } from '@arbiter/io-node';

const lanesOf = (store: unknown) => config.parseConfig(JSON.stringify({ version: 1, lanes: { store } }));

describe('lanes.store (push-gate.md §5.7)', () => {
  it('accepts embedded, http and postgres stores and fills in the default variable names', () => {
    const http = lanesOf({ kind: 'http', url: 'http://10.0.0.5:7420' });
    expect(http._tag).toBe('Configured');
    expect(PG.settingsOf(http).store).toEqual({ kind: 'http', url: 'http://10.0.0.5:7420', token_env: 'ARBITER_TOKEN' });
    expect(PG.settingsOf(lanesOf({ kind: 'http', url: 'https://lanes.example.com/base', token_env: 'LANES_TOKEN' })).store).toEqual({ kind: 'http', url: 'https://lanes.example.com/base', token_env: 'LANES_TOKEN' });
    expect(PG.settingsOf(lanesOf({ kind: 'postgres' })).store).toEqual({ kind: 'postgres', url_env: 'ARBITER_DATABASE_URL' });
    expect(PG.settingsOf(lanesOf({ kind: 'embedded', dir: '/srv/lanes' })).store).toEqual({ kind: 'embedded', dir: '/srv/lanes' });
    expect(PG.settingsOf(lanesOf({ kind: 'embedded', dir: '/srv/lanes' })).store_dir).toBe('/srv/lanes');
    expect(PG.settingsOf(lanesOf({ kind: 'http', url: 'http://h:1' })).store_dir).toBeNull();
    expect(PG.settingsOf({ _tag: 'NotConfigured' }).store).toEqual({ kind: 'embedded', dir: null });
  });

  it('refuses credentials in the committed file, other schemes, and odd variable names (the file is invalid, loudly)', () => {
    for (const store of [
      { kind: 'http', url: 'http://ana:secret@lanes:7420' },
      { kind: 'http', url: 'ftp://lanes' },
      { kind: 'http', url: 'http://' },
      { kind: 'http', url: 'http://lanes/a b' },
      { kind: 'http' },
      { kind: 'http', url: 'http://lanes', token_env: 'lower' },
      { kind: 'http', url: 'http://lanes', token: 'arb_x' },
      { kind: 'postgres', url_env: 'X;Y' },
      { kind: 'postgres', url: 'postgres://u:p@h/db' },
      { kind: 'redis' },
    ]) {
      const c = lanesOf(store);
      expect([store, c._tag]).toEqual([store, 'Invalid']);
    }
  });

  it('a pending marker names its http store, so the post-tool release goes to the same service', () => {
    const d = mkdtempSync(join(tmpdir(), 'arbiter-pending-'));
    try {
      writePending(d, 'k1', { store_root: '/r', instance: 'e'.repeat(32), lanes: [{ lane: 'deploy:x', fence: 3 }], store: { kind: 'http', url: 'http://127.0.0.1:7420', token_env: 'ARBITER_TOKEN' } });
      expect(readPending(d, 'k1')?.store).toEqual({ kind: 'http', url: 'http://127.0.0.1:7420', token_env: 'ARBITER_TOKEN' });
      writePending(d, 'k2', { store_root: '/r', instance: 'e'.repeat(32), lanes: [] });
      expect(readPending(d, 'k2')?.store).toBeNull();
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });
});

describe('fences where the action happens (push-gate.md §11.1)', () => {
  const viewArb = fc.option(
    fc.record({
      lane: fc.constant('deploy:x'),
      fence: fc.nat(20),
      expired: fc.boolean(),
      holder: fc.option(
        fc.record({ handle: fc.constant('ana'), session: fc.constant('s'), instance: fc.constant('e'.repeat(32)), host: fc.constant('h'), claimed_at: fc.nat(), heartbeat_age_sec: fc.nat(), lease_sec: fc.nat(), intent: fc.constant('deploy' as const), eta_minutes: fc.constant(null) }),
        { nil: null },
      ),
    }),
    { nil: null },
  );

  it('lane assert is fail-closed (property): exit 0 exactly when N is the current fence of an unexpired holder; a store failure never passes', () => {
    fc.assert(
      fc.property(fc.nat(22), viewArb, fc.boolean(), (n, view, storeFailed) => {
        const o = PG.laneAssertOutcome('deploy:x', n, storeFailed ? { _tag: 'Failure', kind: 'transport' } : view);
        const pass = !storeFailed && view !== null && view.fence === n && view.holder !== null && !view.expired;
        expect(o.code === 0).toBe(pass);
        if (!pass) expect(['fence-stale', 'fence-unknown', 'lane-free', 'holder-expired', 'store-failed']).toContain(o.reason);
      }),
      { numRuns: 500 },
    );
  });

  it('parseFence takes only non-negative decimal integers', () => {
    expect(['0', '7', '9007199254740991'].map(PG.parseFence)).toEqual([0, 7, 9007199254740991]);
    for (const s of ['', '-1', '01', '1.0', '1e3', ' 1', '0x10', '99999999999999999']) expect(PG.parseFence(s)).toBeNull();
  });

  it('--print-env: a POSIX shell that evals the line gets back the exact lane and fence (quotes, $, *, ; included)', () => {
    const lanes = ['deploy:refs/heads/main', 'deploy:refs/tags/*', "deploy:it's", 'deploy:$(touch${IFS}x);`id`', 'deploy:"q"\\n'];
    for (const [i, lane] of lanes.entries()) {
      const out = execFileSync('sh', ['-c', 'eval "$1"; printf "%s|%s" "$ARBITER_LANE" "$ARBITER_FENCE"', 'sh', PG.fenceEnvLine(lane, i + 1)], { encoding: 'utf8', cwd: tmpdir() });
      expect(out).toBe(`${lane}|${i + 1}`);
    }
  });
});
