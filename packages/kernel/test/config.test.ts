/**
 * The repository configuration reader (`config.ts`; push-gate.md §3.1 owns the file rules, hooks.md §5 the lenient
 * per-key settings): the file-level rejections (size, JSON, codec), the value shapes that make a file invalid
 * (deploy-ref patterns, the store URL), the default file `arbiter install` writes, and `commitments.*` resolved key by
 * key. The session-lock TTL, `state_lock.*` and `stop_gate.*` resolutions are pinned beside their decisions
 * (internal.test.ts, state-lock.test.ts, stop-gate.test.ts).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { actionClaim, config } from '@arbiter/kernel';

const lanes = (l: unknown) => config.parseConfig(JSON.stringify({ version: 1, lanes: l }))._tag;

describe('parseConfig: file-level rules (push-gate.md §3.1)', () => {
  it('absent is NotConfigured; a file of exactly 64 KiB is read, one unit more is Invalid', () => {
    expect(config.parseConfig(null)).toEqual({ _tag: 'NotConfigured' });
    const body = '{"version":1}';
    const at = body + ' '.repeat(config.CONFIG_MAX_BYTES - body.length);
    expect(config.parseConfig(at)).toEqual({ _tag: 'Configured', config: { version: 1 } });
    expect(config.parseConfig(at + ' ')).toEqual({ _tag: 'Invalid', detail: 'configuration file larger than 64 KiB' });
  });
  it('text that is not JSON is Invalid with its own detail, never the codec message', () => {
    expect(config.parseConfig('{version: 1')).toEqual({ _tag: 'Invalid', detail: 'configuration file is not valid JSON' });
    expect(config.parseConfig('')).toEqual({ _tag: 'Invalid', detail: 'configuration file is not valid JSON' });
  });
  it('a codec failure is Invalid with a non-empty detail', () => {
    for (const t of ['{}', '{"version":2}', 'null', '[1]']) {
      const r = config.parseConfig(t);
      expect(r._tag).toBe('Invalid');
      expect(r._tag === 'Invalid' && r.detail.length).toBeGreaterThan(0);
    }
  });
  it('defaultConfig is the file arbiter install writes', () => {
    expect(config.defaultConfig()).toEqual({
      version: 1,
      session_lock: { ttl_ms: 300_000 },
      lanes: { enabled: true, dry_run: false, block_force_rewrite: true, store: { kind: 'embedded' } },
    });
    expect(config.parseConfig(JSON.stringify(config.defaultConfig()))).toEqual({ _tag: 'Configured', config: config.defaultConfig() });
  });
  it('stopGateSettings of an Invalid file warns once, naming the file detail', () => {
    expect(config.stopGateSettings({ _tag: 'Invalid', detail: 'bad thing' }).warnings).toEqual(['configuration file invalid (bad thing): stop_gate uses its defaults']);
  });
});

describe('lanes values that make the file invalid (push-gate.md §3.2 N1, push-gate.md §3.1)', () => {
  it('isDeployRefPattern: a full ref name, one final star at most, no whitespace, 6 to 256 characters', () => {
    for (const p of ['refs/x', 'refs/*', 'refs/heads/main', 'refs/heads/release/*', 'refs/' + 'a'.repeat(251)]) expect(config.isDeployRefPattern(p)).toBe(true);
    for (const p of ['refs/', 'refs/' + 'a'.repeat(252), 'xrefs/heads/main', 'heads/main', 'refs/heads/a b', 'refs/*/main', 'refs/heads/**', 'refs/heads/main\n', 7, null]) {
      expect(config.isDeployRefPattern(p)).toBe(false);
    }
    expect(lanes({ deploy_refs: ['refs/heads/main', { pattern: 'refs/tags/*', lane: 'shared' }] })).toBe('Configured');
    expect(lanes({ deploy_refs: ['refs/heads/a b'] })).toBe('Invalid');
  });
  it('isStoreUrl: http or https, a host name or bracketed IPv6, an optional port and path, no credentials, at most 512', () => {
    const ok = ['http://arbiter.local', 'https://a.example:8443', 'http://[::1]:7000/api', 'http://[fe80::1]', 'https://h/x', 'https://h/a/b?c=d'];
    for (const u of ok) expect(config.isStoreUrl(u)).toBe(true);
    const long = 'https://h/' + 'p'.repeat(502);
    expect(long.length).toBe(512);
    expect(config.isStoreUrl(long)).toBe(true);
    const bad = [long + 'p', 'xhttp://h', 'ftp://h', 'http://user:pw@h', 'http://h/a@b', 'http://h/a b', 'http://h/\n', 'http://[zz]', 'http://h:123456', 'http://h x', 3];
    for (const u of bad) expect(config.isStoreUrl(u)).toBe(false);
    expect(lanes({ store: { kind: 'http', url: 'http://[::1]:7000' } })).toBe('Configured');
    expect(lanes({ store: { kind: 'http', url: 'http://u:p@h' } })).toBe('Invalid');
  });
});

describe('commitmentsSettings: commitments.* key by key (hooks.md §5, action-claim.md §5)', () => {
  const resolve = (commitments: unknown) => config.commitmentsSettings({ _tag: 'Configured', config: { version: 1, commitments } });
  const D = actionClaim.DEFAULT_SETTINGS;
  it('every default for an absent section, an unconfigured or an invalid file', () => {
    for (const c of [{ _tag: 'NotConfigured' } as const, { _tag: 'Invalid', detail: 'x' } as const]) expect(config.commitmentsSettings(c)).toEqual({ settings: D, warnings: [] });
    expect(resolve(undefined)).toEqual({ settings: D, warnings: [] });
    expect(resolve({})).toEqual({ settings: D, warnings: [] });
    expect(D.evidence.action_patterns).toEqual({ relaunch: [], restart: [], deploy: [], redeploy: [] });
  });
  it('valid values replace the defaults, unknown keys are ignored', () => {
    const r = resolve({
      enabled: false,
      future: 1,
      evidence: { enabled: false, test_commands: ['make check'], action_patterns: { relaunch: ['a'], restart: ['b'], deploy: ['c'], redeploy: ['d'] } },
    });
    expect(r).toEqual({
      settings: { enabled: false, evidence: { enabled: false, test_commands: ['make check'], action_patterns: { relaunch: ['a'], restart: ['b'], deploy: ['c'], redeploy: ['d'] } } },
      warnings: [],
    });
  });
  it('a section that is not an object takes its defaults and is named', () => {
    for (const bad of [null, 'on', 3, ['x']]) {
      expect(resolve(bad)).toEqual({ settings: D, warnings: ['commitments'] });
      expect(resolve({ evidence: bad })).toEqual({ settings: D, warnings: ['commitments.evidence'] });
      expect(resolve({ evidence: { action_patterns: bad } })).toEqual({ settings: D, warnings: ['commitments.evidence.action_patterns'] });
    }
  });
  it('each invalid value takes its default and is named, in key order', () => {
    const r = resolve({ enabled: 'yes', evidence: { enabled: 1, test_commands: 'npm test', action_patterns: { relaunch: [1], restart: 'x', deploy: null, redeploy: {} } } });
    expect(r.settings).toEqual(D);
    expect(r.warnings).toEqual([
      'commitments.evidence.action_patterns.relaunch',
      'commitments.evidence.action_patterns.restart',
      'commitments.evidence.action_patterns.deploy',
      'commitments.evidence.action_patterns.redeploy',
      'commitments.enabled',
      'commitments.evidence.enabled',
      'commitments.evidence.test_commands',
    ]);
  });
  it('a list holds at most 1000 strings of at most 1000 characters each', () => {
    const tc = (v: unknown) => resolve({ evidence: { test_commands: v } });
    const thousand = Array.from({ length: 1000 }, (_, i) => `t${i}`);
    expect(tc(thousand)).toEqual({ settings: { ...D, evidence: { ...D.evidence, test_commands: thousand } }, warnings: [] });
    expect(tc([...thousand, 'one more']).warnings).toEqual(['commitments.evidence.test_commands']);
    expect(tc(['x'.repeat(1000)]).settings.evidence.test_commands).toEqual(['x'.repeat(1000)]);
    expect(tc(['x'.repeat(1001)]).warnings).toEqual(['commitments.evidence.test_commands']);
    expect(tc(['ok', 2]).warnings).toEqual(['commitments.evidence.test_commands']);
    expect(tc([['nested']]).warnings).toEqual(['commitments.evidence.test_commands']);
    expect(tc([]).settings.evidence.test_commands).toEqual([]);
  });
  it('a resolved list is a copy: changing the file value later changes nothing', () => {
    const list = ['a'];
    const r = resolve({ evidence: { test_commands: list } });
    list.push('b');
    expect(r.settings.evidence.test_commands).toEqual(['a']);
  });
  it('total: any JSON value as commitments.* resolves without throwing, warnings only for keys that were present', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const r = resolve(v);
        if (v === null || typeof v !== 'object' || Array.isArray(v)) return r.warnings.length === (v === undefined ? 0 : 1);
        return r.warnings.every((w) => w.startsWith('commitments.'));
      }),
    );
  });
});
