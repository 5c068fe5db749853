/**
 * The push gate's configuration and naming (push-gate.md §3), its message helpers (push-gate.md §13.1), destination
 * resolution (push-gate.md §6.9) and the simulation driver, pinned whole in process (docs/testing.md §3, module
 * `push-gate-rest`): every output is compared as a whole value, every boundary at its edge.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { pushGate as PG, type config } from '@arbiter/kernel';
import { classifyPushCommand } from '../src/push-gate/classifier.js';
import { decodeRefsFacts, patternMatches as dPatternMatches, refsProbeExpressions, resolveDestinations, type DeployRefEntry, type RefsFacts } from '../src/push-gate/destinations.js';
import type { PushClassification, PushInvocation, PushTarget } from '../src/push-gate/model.js';

type LanesConfig = PG.LanesConfig;
const DEFAULTS = [
  { pattern: 'refs/heads/main', lane: 'per-ref' },
  { pattern: 'refs/heads/master', lane: 'per-ref' },
  { pattern: 'refs/heads/production', lane: 'per-ref' },
  { pattern: 'refs/heads/release/*', lane: 'per-ref' },
  { pattern: 'refs/tags/*', lane: 'shared' },
];
const DEFAULT_SETTINGS = {
  enabled: true,
  dry_run: false,
  deploy_refs: DEFAULTS,
  owners: undefined,
  lease_minutes: 30,
  hook_lease_minutes: 10,
  git_push_lease_minutes: 2,
  block_force_rewrite: true,
  store_dir: null,
  store: { kind: 'embedded', dir: null },
};

describe('lanes settings (push-gate.md §3.1, push-gate.md §5.7)', () => {
  it('no lanes object, and any state that is not Configured, give every default', () => {
    expect(PG.lanesSettings(undefined)).toStrictEqual(DEFAULT_SETTINGS);
    expect(PG.lanesSettings({})).toStrictEqual(DEFAULT_SETTINGS);
    const states: config.ConfigState[] = [{ _tag: 'NotConfigured' }, { _tag: 'Invalid', detail: 'x' }];
    for (const s of states) expect(PG.settingsOf(s)).toStrictEqual(DEFAULT_SETTINGS);
    expect(PG.settingsOf({ _tag: 'Configured', config: { version: 1 } })).toStrictEqual(DEFAULT_SETTINGS);
    expect(PG.DEFAULT_SETTINGS).toStrictEqual(DEFAULT_SETTINGS);
  });
  it('every key set to a non-default value is taken as given', () => {
    const l = {
      enabled: false,
      dry_run: true,
      deploy_refs: ['refs/heads/prod', { pattern: 'refs/tags/v*', lane: 'shared' }, { pattern: 'refs/heads/x', lane: 'per-ref' }],
      owners: ['a@b'],
      lease_minutes: 7,
      hook_lease_minutes: 3,
      git_push_lease_minutes: 1,
      block_force_rewrite: false,
      store: { kind: 'embedded', dir: '/srv/lanes' },
    } as LanesConfig;
    expect(PG.settingsOf({ _tag: 'Configured', config: { version: 1, lanes: l } } as config.ConfigState)).toStrictEqual(PG.lanesSettings(l));
    expect(PG.settingsOf({ _tag: 'Configured', config: { version: 1, lanes: l } } as config.ConfigState).enabled).toBe(false);
    expect(PG.lanesSettings(l)).toStrictEqual({
      enabled: false,
      dry_run: true,
      deploy_refs: [
        { pattern: 'refs/heads/prod', lane: 'per-ref' },
        { pattern: 'refs/tags/v*', lane: 'shared' },
        { pattern: 'refs/heads/x', lane: 'per-ref' },
      ],
      owners: ['a@b'],
      lease_minutes: 7,
      hook_lease_minutes: 3,
      git_push_lease_minutes: 1,
      block_force_rewrite: false,
      store_dir: '/srv/lanes',
      store: { kind: 'embedded', dir: '/srv/lanes' },
    });
    // zero is a value, not an absent key (`??`, not `||`); an empty list is a list
    expect(PG.lanesSettings({ lease_minutes: 0, hook_lease_minutes: 0, git_push_lease_minutes: 0, deploy_refs: [] } as LanesConfig)).toStrictEqual({
      ...DEFAULT_SETTINGS,
      lease_minutes: 0,
      hook_lease_minutes: 0,
      git_push_lease_minutes: 0,
      deploy_refs: [],
    });
  });
  it('the store spec: embedded (absolute dir only), http with its token variable, postgres with its URL variable', () => {
    expect(PG.storeSpecOf(undefined)).toStrictEqual({ kind: 'embedded', dir: null });
    expect(PG.storeSpecOf({ kind: 'embedded' })).toStrictEqual({ kind: 'embedded', dir: null });
    expect(PG.storeSpecOf({ kind: 'embedded', dir: '/srv/lanes' })).toStrictEqual({ kind: 'embedded', dir: '/srv/lanes' });
    expect(PG.storeSpecOf({ kind: 'embedded', dir: 'srv/lanes/' })).toStrictEqual({ kind: 'embedded', dir: null });
    expect(PG.storeSpecOf({ kind: 'embedded', dir: '' })).toStrictEqual({ kind: 'embedded', dir: null });
    expect(PG.storeSpecOf({ kind: 'http', url: 'http://h:1' })).toStrictEqual({ kind: 'http', url: 'http://h:1', token_env: 'ARBITER_TOKEN' });
    expect(PG.storeSpecOf({ kind: 'http', url: 'http://h:1', token_env: 'MY_TOKEN' })).toStrictEqual({ kind: 'http', url: 'http://h:1', token_env: 'MY_TOKEN' });
    expect(PG.storeSpecOf({ kind: 'postgres' })).toStrictEqual({ kind: 'postgres', url_env: 'ARBITER_DATABASE_URL' });
    expect(PG.storeSpecOf({ kind: 'postgres', url_env: 'PG_URL' })).toStrictEqual({ kind: 'postgres', url_env: 'PG_URL' });
    // store_dir is the relocated embedded directory only
    const dirOf = (store: LanesConfig['store']) => PG.lanesSettings({ store } as LanesConfig).store_dir;
    expect(dirOf({ kind: 'embedded', dir: '/srv/lanes' })).toBe('/srv/lanes');
    expect(dirOf({ kind: 'embedded', dir: 'srv/lanes/' })).toBeNull();
    expect(dirOf({ kind: 'embedded' })).toBeNull();
    expect(dirOf({ kind: 'http', url: 'http://h:1' })).toBeNull();
    expect(dirOf({ kind: 'postgres', dir: '/srv/lanes' } as unknown as LanesConfig['store'])).toBeNull();
    expect(PG.lanesSettings({ store: { kind: 'http', url: 'http://h:1' } } as LanesConfig)).toStrictEqual({
      ...DEFAULT_SETTINGS,
      store: { kind: 'http', url: 'http://h:1', token_env: 'ARBITER_TOKEN' },
    });
  });
});

describe('deploy-ref patterns and lane names (push-gate.md §3.2 N1–N4, push-gate.md §10 V4)', () => {
  it('N1 patternMatches: equal, or a strictly longer ref with the prefix before the final `*`', () => {
    for (const pm of [PG.patternMatches, dPatternMatches]) {
      expect(pm('refs/heads/main', 'refs/heads/main')).toBe(true);
      expect(pm('refs/heads/main', 'refs/heads/mai')).toBe(false);
      expect(pm('refs/heads/main', 'refs/heads/main*')).toBe(false);
      expect(pm('refs/heads/r/*', 'refs/heads/r/')).toBe(false); // the prefix alone is not strictly longer
      expect(pm('refs/heads/r/*', 'refs/heads/r/x')).toBe(true); // one character more
      expect(pm('refs/heads/r/*', 'refs/heads/r/*')).toBe(true); // the pattern itself is a longer ref with the prefix
      expect(pm('refs/heads/r/*', 'x/refs/heads/r/')).toBe(false); // a prefix, not a suffix
      expect(pm('refs/heads/r/*', 'refs/heads/q/x')).toBe(false);
      expect(pm('*refs/heads/r/', '*refs/heads/r/')).toBe(true); // `*` only counts at the end
      expect(pm('*refs/heads/r/', '*refs/heads/r/x')).toBe(false);
      expect(pm('refs/*', 'refs/')).toBe(false);
      expect(pm('refs/*', 'refs/a')).toBe(true);
    }
  });
  it('N2 matchEntry: the first matching entry, in list order; null for a non-string or no match', () => {
    const list: PG.DeployEntry[] = [
      { pattern: 'refs/heads/rel/*', lane: 'shared' },
      { pattern: 'refs/heads/rel/a', lane: 'per-ref' },
    ];
    expect(PG.matchEntry('refs/heads/rel/a', list)).toBe(list[0]);
    expect(PG.matchEntry('refs/heads/rel/a', [...list].reverse())).toBe(list[1]);
    expect(PG.matchEntry('refs/heads/other', list)).toBeNull();
    expect(PG.matchEntry(undefined, list)).toBeNull();
    expect(PG.matchEntry(7, [{ pattern: '7', lane: 'per-ref' }])).toBeNull();
    expect(PG.matchEntry('refs/heads/main')).toStrictEqual({ pattern: 'refs/heads/main', lane: 'per-ref' });
    expect(PG.matchEntry('refs/tags/v1')).toStrictEqual({ pattern: 'refs/tags/*', lane: 'shared' });
    expect(PG.isDeployRef('refs/heads/main')).toBe(true);
    expect(PG.isDeployRef('refs/heads/rel/b', list)).toBe(true);
    expect(PG.isDeployRef('refs/heads/main', list)).toBe(false);
    expect(PG.isDeployRef(null)).toBe(false);
  });
  it('N3 laneFor: per-ref lanes are named by the ref, shared lanes by the pattern; null outside the list', () => {
    const list: PG.DeployEntry[] = [
      { pattern: 'refs/heads/rel/*', lane: 'shared' },
      { pattern: 'refs/heads/x/*', lane: 'per-ref' },
    ];
    expect(PG.laneFor('refs/heads/rel/2', list)).toBe('deploy:refs/heads/rel/*');
    expect(PG.laneFor('refs/heads/x/2', list)).toBe('deploy:refs/heads/x/2');
    expect(PG.laneFor('refs/heads/main', list)).toBeNull();
    expect(PG.laneFor(42, list)).toBeNull();
    expect(PG.laneFor('refs/heads/main')).toBe('deploy:refs/heads/main');
    expect(PG.laneFor('refs/heads/feature')).toBeNull();
  });
  it('N4 sortLanes: distinct names in ascending code-unit order, whatever the input order', () => {
    expect(PG.sortLanes([])).toStrictEqual([]);
    expect(PG.sortLanes(['b'])).toStrictEqual(['b']);
    expect(PG.sortLanes(['b', 'a'])).toStrictEqual(['a', 'b']);
    expect(PG.sortLanes(['a', 'b'])).toStrictEqual(['a', 'b']);
    expect(PG.sortLanes(['c', 'a', 'c', 'b', 'a'])).toStrictEqual(['a', 'b', 'c']);
    expect(PG.sortLanes(new Set(['deploy:z', 'deploy:Z', 'deploy:é', 'deploy:a']))).toStrictEqual(['deploy:Z', 'deploy:a', 'deploy:z', 'deploy:é']);
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 4 }), { maxLength: 12 }), (xs) => {
        const want = [...new Set(xs)].sort();
        expect(PG.sortLanes(xs)).toStrictEqual(want);
        expect(PG.sortLanes([...xs].reverse())).toStrictEqual(want);
      }),
    );
  });
  it('V4 laneFromArg: a name with `:` as given, else the branch lane; a quoted word is read as the name it denotes', () => {
    expect(PG.laneFromArg('main')).toBe('deploy:refs/heads/main');
    expect(PG.laneFromArg('release/2.4')).toBe('deploy:refs/heads/release/2.4');
    expect(PG.laneFromArg('deploy:refs/tags/*')).toBe('deploy:refs/tags/*');
    expect(PG.laneFromArg("'deploy:my lane'")).toBe('deploy:my lane');
    expect(PG.laneFromArg("'my branch'")).toBe('deploy:refs/heads/my branch');
    expect(PG.laneFromArg('')).toBe('deploy:refs/heads/');
  });
});

describe('message helpers (push-gate.md §13.1)', () => {
  it('safeHandle: the local part before an `@` after the first character, handle characters only, 64 at most', () => {
    expect(PG.safeHandle(undefined)).toBe('another session');
    expect(PG.safeHandle(42)).toBe('another session');
    expect(PG.safeHandle('')).toBe('another session');
    expect(PG.safeHandle('ana')).toBe('@ana');
    expect(PG.safeHandle('ana@x@y')).toBe('@ana');
    expect(PG.safeHandle('@ana@example.com')).toBe('@ana'); // a leading `@` is not the separator
    expect(PG.safeHandle('@ana')).toBe('@ana');
    expect(PG.safeHandle('a@b')).toBe('@a');
    expect(PG.safeHandle('a n!a')).toBe('@ana');
    expect(PG.safeHandle('a'.repeat(64))).toBe(`@${'a'.repeat(64)}`);
  });
  it('fmtAge: rounding and unit edges', () => {
    expect([0, 0.49, 0.5, 59.49, 59.5, 89.49, 3569.49, 3570, 7169, 7170, 86_400, 1e22].map(PG.fmtAge)).toStrictEqual([
      '0s',
      '0s',
      '1s',
      '59s',
      '1m',
      '1m',
      '59m',
      '1h',
      '1h',
      '2h',
      '24h',
      `${BigInt(Math.floor(Math.floor(1e22 / 60 + 0.5) / 60))}h`,
    ]);
    expect([-Infinity, '5', null].map(PG.fmtAge)).toStrictEqual(['unknown', 'unknown', 'unknown']);
  });
  it('safeLane and safeRef: one shell word, `(unnamed)` for nothing, cut after LANE_NAME_MAX', () => {
    for (const f of [PG.safeLane, PG.safeRef]) {
      expect(f(undefined)).toBe('(unnamed)');
      expect(f(3)).toBe('(unnamed)');
      expect(f('')).toBe('(unnamed)');
      expect(f('deploy:refs/heads/main')).toBe('deploy:refs/heads/main');
      expect(f('a b')).toBe("'a b'");
      expect(f("it's")).toBe("'it'\\''s'");
      expect(f('a\nb')).toBe("$'a\\x0ab'");
      expect(f('x'.repeat(8_192))).toBe('x'.repeat(8_192));
      expect(f('x'.repeat(8_193))).toBe(`${'x'.repeat(200)} …(cut)`);
      expect(f(`${' '.repeat(8_193)}`)).toBe(`'${' '.repeat(200)}' …(cut)`);
    }
  });
  it('safeRemote: a short plain name, else `the remote`', () => {
    expect(PG.safeRemote('origin')).toBe('origin');
    expect(PG.safeRemote('up_stream.2-b')).toBe('up_stream.2-b');
    expect(PG.safeRemote('ab')).toBe('ab');
    expect(PG.safeRemote('r'.repeat(64))).toBe('r'.repeat(64));
    for (const x of ['r'.repeat(65), '', 'ab/', '/ab', 'a b', 'https://user:tok@h/x.git', 5, null, ['origin']]) expect(PG.safeRemote(x)).toBe('the remote');
  });
  it('branch: a leading refs/heads/ dropped, nothing else', () => {
    expect(PG.branch('refs/heads/main')).toBe('main');
    expect(PG.branch('refs/heads/refs/heads/x')).toBe('refs/heads/x');
    expect(PG.branch('refs/tags/v1')).toBe('refs/tags/v1');
    expect(PG.branch('x/refs/heads/y')).toBe('x/refs/heads/y');
    expect(PG.branch('refs/heads/a b')).toBe("'a b'");
    expect(PG.branch(undefined)).toBe('(unnamed)');
    expect(PG.branch(9)).toBe('(unnamed)');
  });
  it('showSession: the whole id as one word, `unknown` for nothing, cut after SESSION_SHOW_MAX', () => {
    expect(PG.showSession(undefined)).toBe('unknown');
    expect(PG.showSession(12)).toBe('unknown');
    expect(PG.showSession('')).toBe('unknown');
    expect(PG.showSession('sess-1')).toBe('sess-1');
    expect(PG.showSession('s 1')).toBe("'s 1'");
    expect(PG.SESSION_SHOW_MAX).toBe(256);
    expect(PG.showSession('s'.repeat(256))).toBe('s'.repeat(256));
    expect(PG.showSession('s'.repeat(257))).toBe(`${'s'.repeat(128)} …(cut)`);
  });
  it('safeReason: invisible characters removed, controls to spaces, `"` to `\'`, blanks collapsed, trimmed, cut with `…`', () => {
    expect(PG.safeReason(undefined)).toBe('');
    expect(PG.safeReason(5)).toBe('');
    expect(PG.safeReason('')).toBe('');
    expect(PG.safeReason('  say "hi"\u0001now\u0085then\u2028x\u2029y\u007fz  ')).toBe("say 'hi' now then x y z");
    expect(PG.safeReason('a\u200bb \t\n c')).toBe('ab c');
    expect(PG.safeReason('x'.repeat(160))).toBe('x'.repeat(160));
    expect(PG.safeReason('x'.repeat(161))).toBe(`${'x'.repeat(160)}…`);
    expect(PG.safeReason('x'.repeat(200), 200)).toBe('x'.repeat(200));
    expect(PG.safeReason('x'.repeat(201), 200)).toBe(`${'x'.repeat(200)}…`);
    expect(PG.safeReason(`  ${'x'.repeat(160)}  `)).toBe('x'.repeat(160)); // trimmed before the cut
  });
  it('more: nothing for one lane or none, the count of the others otherwise', () => {
    expect([0, 1, 2, 3, 10].map(PG.more)).toStrictEqual(['', '', ' (+1 more)', ' (+2 more)', ' (+9 more)']);
  });
  it('the failure kind printed: transport, contended and forbidden as given, anything else `other`', () => {
    const M = PG.messages;
    expect(['transport', 'contended', 'forbidden', 'other', 'weird', undefined, 'Transport'].map((k) => M.deployClaimFailed('deploy:x', k))).toStrictEqual([
      'arbiter: could not claim deploy lane deploy:x (transport).',
      'arbiter: could not claim deploy lane deploy:x (contended).',
      'arbiter: could not claim deploy lane deploy:x (forbidden).',
      'arbiter: could not claim deploy lane deploy:x (other).',
      'arbiter: could not claim deploy lane deploy:x (other).',
      'arbiter: could not claim deploy lane deploy:x (other).',
      'arbiter: could not claim deploy lane deploy:x (other).',
    ]);
    expect(M.loudStoreRefused('forbidden', 'deploy:x', 'migrate')).toBe('arbiter: deploy lane UNVERIFIED — lane store refused the claim (forbidden); pushing UNGATED on deploy:x (skip recorded).');
    expect(M.loudStoreRefused('transport', 'deploy:x')).toBe('arbiter: deploy lane UNVERIFIED — lane store refused the claim (other); pushing UNGATED on deploy:x (skip recorded).');
  });
});

// ───────────────────────────── push-gate.md §6.9 destination resolution, whole ─────────────────────────────

const H = 'h'.repeat(40);
const M = 'm'.repeat(40);
const R = 'r'.repeat(40);
const T = 't'.repeat(40);
const X = 'x'.repeat(40);
const DEPLOY: DeployRefEntry[] = DEFAULTS as DeployRefEntry[];
const refsFacts = (over: Partial<RefsFacts> = {}): RefsFacts => ({
  head_branch: 'feature/x',
  head_oid: H,
  branches: { 'feature/x': H, main: M, 'release/2.4': R },
  tags: { 'v2.4.0': T },
  objects: {},
  ...over,
});
const inv = (targets: PushTarget[], o: Partial<PushInvocation> = {}): PushInvocation => ({
  remote: 'origin',
  dir_hints: [],
  dir_uncertain: false,
  force: false,
  no_verify: false,
  broad: [],
  targets,
  fallback: false,
  ...o,
});
const push = (invocations: PushInvocation[], confidence: 'exact' | 'fallback' = 'exact'): PushClassification => ({
  _tag: 'Push',
  confidence,
  invocations,
  fallback: confidence === 'exact' ? null : 'uncertain',
});
const upd = (src: PushTarget['src'], dst: PushTarget['dst'], force = false): PushTarget => ({ src, dst, op: 'update', force });
const EMPTY = { confidence: 'exact', targets: [], shared_lanes: [], deletions: [], skipped: [] };
const tgt = (ref: string, src_oid: string | null, o: { force?: boolean; remote?: string | null; invocation?: number; via?: 'exact' | 'broad' | 'fallback' } = {}) => ({
  remote: 'remote' in o ? o.remote : 'origin',
  invocation: o.invocation ?? 0,
  ref,
  src_oid,
  force: o.force ?? false,
  via: o.via ?? 'exact',
});

describe('destination resolution, whole results (push-gate.md §6.9 D1–D9)', () => {
  it('NotPush resolves to nothing at all; so does a push with no target', () => {
    for (const reason of ['no-git-push', 'git-dry-run'] as const) expect(resolveDestinations({ _tag: 'NotPush', reason }, refsFacts(), DEPLOY)).toStrictEqual(EMPTY);
    expect(resolveDestinations(push([inv([])]), refsFacts(), DEPLOY)).toStrictEqual(EMPTY);
    expect(resolveDestinations(push([]), refsFacts(), DEPLOY)).toStrictEqual(EMPTY);
    expect(resolveDestinations(push([], 'fallback'), refsFacts(), DEPLOY)).toStrictEqual({ ...EMPTY, confidence: 'fallback' });
  });
  it('every field of each target: remote and invocation index per invocation, the source id, force, via', () => {
    const r = resolveDestinations(classifyPushCommand('git push origin main HEAD:refs/heads/production && git push -f upstream v2.4.0 feature/x:release/9'), refsFacts(), DEPLOY);
    expect(r).toStrictEqual({
      confidence: 'exact',
      targets: [
        tgt('refs/heads/main', M),
        tgt('refs/heads/production', H),
        tgt('refs/tags/v2.4.0', T, { remote: 'upstream', invocation: 1, force: true }),
        tgt('refs/heads/release/9', H, { remote: 'upstream', invocation: 1, force: true }),
      ],
      shared_lanes: [],
      deletions: [],
      skipped: [],
    });
    // no remote typed: null
    expect(resolveDestinations(classifyPushCommand('git push'), refsFacts(), DEPLOY).targets).toStrictEqual([tgt('refs/heads/feature/x', H, { remote: null })]);
  });
  it('one target per ref: a repeat never clears force, and two unforced repeats stay unforced', () => {
    expect(resolveDestinations(classifyPushCommand('git push origin main main'), refsFacts(), DEPLOY).targets).toStrictEqual([tgt('refs/heads/main', M)]);
    expect(resolveDestinations(classifyPushCommand('git push origin +main main'), refsFacts(), DEPLOY).targets).toStrictEqual([tgt('refs/heads/main', M, { force: true })]);
    expect(resolveDestinations(classifyPushCommand('git push origin main +main'), refsFacts(), DEPLOY).targets).toStrictEqual([tgt('refs/heads/main', M, { force: true })]);
    // the first occurrence keeps its own fields (remote, invocation, source id)
    expect(resolveDestinations(classifyPushCommand('git push origin main && git push -f up feature/x:main'), refsFacts(), DEPLOY).targets).toStrictEqual([
      tgt('refs/heads/main', M, { force: true }),
    ]);
  });
  it('D9: source ids of full refs: the listing first, then the probe\'s objects, else null', () => {
    const f = refsFacts({
      objects: { 'refs/heads/gone': X, 'refs/tags/old': X, 'refs/remotes/o/x': X, 'refs/heads/main': 'z'.repeat(40), 'refs/tags/v2.4.0': 'z'.repeat(40) },
    });
    const oids = (cmd: string) => resolveDestinations(classifyPushCommand(cmd), f, DEPLOY).targets.map((t) => [t.ref, t.src_oid]);
    expect(oids('git push origin refs/heads/main:refs/heads/a refs/tags/v2.4.0:refs/tags/b')).toStrictEqual([
      ['refs/heads/a', M],
      ['refs/tags/b', T],
    ]);
    expect(oids('git push origin refs/heads/gone:refs/heads/a refs/tags/old:refs/tags/b refs/remotes/o/x:refs/heads/c')).toStrictEqual([
      ['refs/heads/a', X],
      ['refs/tags/b', X],
      ['refs/heads/c', X],
    ]);
    expect(oids('git push origin refs/heads/none:refs/heads/a refs/tags/none:refs/tags/b refs/remotes/o/none:refs/heads/c refs/notes/x:refs/heads/d')).toStrictEqual([
      ['refs/heads/a', null],
      ['refs/tags/b', null],
      ['refs/heads/c', null],
      ['refs/heads/d', null],
    ]);
    // only refs/tags/ reads the tag listing: a ref whose name after ten characters is a tag's name is not a tag
    expect(oids('git push origin refs/misc/v2.4.0:refs/heads/a')).toStrictEqual([['refs/heads/a', null]]);
    // D3: a full ref with no destination pushes to itself; D9: an expression's id comes from the probe's objects
    expect(resolveDestinations(classifyPushCommand('git push origin refs/heads/release/2.4 HEAD~1:main'), refsFacts({ objects: { 'HEAD~1': X } }), DEPLOY)).toStrictEqual({
      ...EMPTY,
      targets: [tgt('refs/heads/release/2.4', R), tgt('refs/heads/main', X)],
    });
    expect(oids('git push origin HEAD~3:main')).toStrictEqual([['refs/heads/main', null]]);
    // a branch named like a tag path is not a tag, and the reverse
    const g = refsFacts({ branches: { 'v2.4.0': 'b'.repeat(40) }, tags: { main: 'c'.repeat(40) } });
    expect(resolveDestinations(classifyPushCommand('git push origin refs/heads/main:refs/heads/a refs/tags/v2.4.0:refs/tags/b'), g, DEPLOY).targets.map((t) => t.src_oid)).toStrictEqual([null, null]);
    // D5: a full tag ref as source with a short destination goes under refs/tags/, a full branch ref under refs/heads/
    expect(oids('git push origin refs/tags/v2.4.0:t1 refs/heads/main:b1 HEAD:b2 @:b3')).toStrictEqual([
      ['refs/tags/t1', T],
      ['refs/heads/b1', M],
      ['refs/heads/b2', H],
      ['refs/heads/b3', H],
    ]);
  });
  it('D4/D5: a name that is both a branch and a tag gives both refs, each with its own id', () => {
    const f = refsFacts({ branches: { dup: 'b'.repeat(40) }, tags: { dup: 'c'.repeat(40) } });
    expect(resolveDestinations(classifyPushCommand('git push origin dup'), f, DEPLOY).targets).toStrictEqual([
      tgt('refs/heads/dup', 'b'.repeat(40)),
      tgt('refs/tags/dup', 'c'.repeat(40)),
    ]);
    expect(resolveDestinations(classifyPushCommand('git push origin dup:x'), f, DEPLOY).targets).toStrictEqual([
      tgt('refs/tags/x', 'b'.repeat(40)),
      tgt('refs/heads/x', 'b'.repeat(40)),
    ]);
    // a tag-only source with a short destination: the tag ref only
    expect(resolveDestinations(classifyPushCommand('git push origin v2.4.0:v9'), refsFacts(), DEPLOY).targets).toStrictEqual([tgt('refs/tags/v9', T)]);
    expect(resolveDestinations(classifyPushCommand('git push origin nosuch nosuch:y'), f, DEPLOY).targets).toStrictEqual([tgt('refs/heads/nosuch', null), tgt('refs/heads/y', null)]);
  });
  it('deletions are listed as typed (a computed name as `?`), in order, and never gated', () => {
    const r = resolveDestinations(classifyPushCommand('git push origin :main :refs/heads/x :"$X" +feature/x'), refsFacts(), DEPLOY);
    expect(r).toStrictEqual({ ...EMPTY, confidence: 'exact', targets: [tgt('refs/heads/feature/x', H, { force: true })], deletions: ['main', 'refs/heads/x', '?'] });
    // a `none` source outside a deletion pushes nothing either
    expect(resolveDestinations(push([inv([upd({ kind: 'none' }, { kind: 'ref', ref: 'refs/heads/main' })])]), refsFacts(), DEPLOY)).toStrictEqual(EMPTY);
  });
  it('D2/D6/D7: detached HEAD and a destination-less expression are skipped by invocation; an unknown side falls back', () => {
    const r = resolveDestinations(classifyPushCommand('git push origin main && git push origin HEAD~1 && git push origin HEAD'), refsFacts({ head_branch: null }), DEPLOY);
    expect(r).toStrictEqual({
      ...EMPTY,
      targets: [tgt('refs/heads/main', M)],
      skipped: [
        { invocation: 1, reason: 'expr-needs-destination' },
        { invocation: 2, reason: 'detached-head' },
      ],
    });
    const u = resolveDestinations(classifyPushCommand('git push origin main && git push -f up "$S":main'), refsFacts(), DEPLOY);
    expect(u).toStrictEqual({ ...EMPTY, confidence: 'fallback', targets: [tgt('refs/heads/main', M), tgt('refs/heads/feature/x', H, { remote: 'up', invocation: 1, force: true, via: 'fallback' })] });
    // an unknown destination alone is enough (D7)
    expect(resolveDestinations(classifyPushCommand('git push origin main:"$T"'), refsFacts(), DEPLOY)).toStrictEqual({ ...EMPTY, confidence: 'fallback', targets: [tgt('refs/heads/feature/x', H, { via: 'fallback' })] });
    const d = resolveDestinations(classifyPushCommand('git push origin "$S"'), refsFacts({ head_branch: null }), DEPLOY);
    expect(d).toStrictEqual({ ...EMPTY, confidence: 'fallback', skipped: [{ invocation: 0, reason: 'detached-head' }] });
    // F1: the fallback invocation stands for the current branch whatever its target says; the confidence comes from the classification
    const f1 = push([inv([upd({ kind: 'name', name: 'main' }, { kind: 'ref', ref: 'refs/heads/main' }, true)], { fallback: true, remote: null })], 'fallback');
    expect(resolveDestinations(f1, refsFacts(), DEPLOY)).toStrictEqual({ ...EMPTY, confidence: 'fallback', targets: [tgt('refs/heads/feature/x', H, { remote: null, force: true, via: 'fallback' })] });
    const exactF1 = push([inv([upd({ kind: 'current' }, { kind: 'same' })], { fallback: true })]);
    expect(resolveDestinations(exactF1, refsFacts(), DEPLOY)).toStrictEqual({ ...EMPTY, targets: [tgt('refs/heads/feature/x', H, { via: 'fallback' })] });
  });
  it('D8 --all: every local branch under a refs/heads/ deploy pattern, sorted, with its id and the invocation\'s force', () => {
    const f = refsFacts({ branches: { 'release/b': 'b'.repeat(40), zeta: 'z'.repeat(40), main: M, 'release/a': 'a'.repeat(40), dev: 'd'.repeat(40) } });
    expect(resolveDestinations(classifyPushCommand('git push --all -f up'), f, DEPLOY)).toStrictEqual({
      ...EMPTY,
      targets: [
        tgt('refs/heads/main', M, { remote: 'up', force: true, via: 'broad' }),
        tgt('refs/heads/release/a', 'a'.repeat(40), { remote: 'up', force: true, via: 'broad' }),
        tgt('refs/heads/release/b', 'b'.repeat(40), { remote: 'up', force: true, via: 'broad' }),
      ],
    });
    // a deploy pattern outside refs/heads/ that happens to match a branch ref does not count
    const wide: DeployRefEntry[] = [{ pattern: 'refs/*', lane: 'per-ref' }, { pattern: 'refs/heads/dev', lane: 'per-ref' }];
    expect(resolveDestinations(classifyPushCommand('git push --all'), f, wide).targets).toStrictEqual([]);
    expect(resolveDestinations(classifyPushCommand('git push --all'), f, [...wide].reverse()).targets).toStrictEqual([tgt('refs/heads/dev', 'd'.repeat(40), { remote: null, via: 'broad' })]);
  });
  it('D8 --tags: one shared lane per shared refs/tags/ pattern, once across invocations, with the first invocation\'s fields', () => {
    const list: DeployRefEntry[] = [
      { pattern: 'refs/heads/release/*', lane: 'shared' },
      { pattern: 'refs/tags/v*', lane: 'shared' },
      { pattern: 'refs/tags/x', lane: 'per-ref' },
      { pattern: 'refs/tags/*', lane: 'shared' },
    ];
    expect(resolveDestinations(classifyPushCommand('git push --tags -f up && git push --tags origin'), refsFacts(), list)).toStrictEqual({
      ...EMPTY,
      shared_lanes: [
        { lane: 'deploy:refs/tags/v*', pattern: 'refs/tags/v*', force: true, remote: 'up', invocation: 0 },
        { lane: 'deploy:refs/tags/*', pattern: 'refs/tags/*', force: true, remote: 'up', invocation: 0 },
      ],
    });
    expect(resolveDestinations(classifyPushCommand('git push origin main && git push --tags'), refsFacts(), list).shared_lanes).toStrictEqual([
      { lane: 'deploy:refs/tags/v*', pattern: 'refs/tags/v*', force: false, remote: null, invocation: 1 },
      { lane: 'deploy:refs/tags/*', pattern: 'refs/tags/*', force: false, remote: null, invocation: 1 },
    ]);
  });
  it('refsProbeExpressions: expressions and refs outside refs/heads/ and refs/tags/, once each, in order', () => {
    expect(
      refsProbeExpressions(classifyPushCommand('git push origin HEAD main refs/tags/v1:refs/tags/v1 refs/heads/a:b HEAD~2:x refs/notes/n:refs/heads/n HEAD~2:y refs/notes/n:z @{u}:w')),
    ).toStrictEqual(['HEAD~2', 'refs/notes/n', '@{u}']);
    expect(refsProbeExpressions(classifyPushCommand('git push origin main'))).toStrictEqual([]);
    expect(refsProbeExpressions({ _tag: 'NotPush', reason: 'git-dry-run' })).toStrictEqual([]);
  });
  it('decodeRefsFacts: the probe shape only', () => {
    expect(decodeRefsFacts(refsFacts())).toStrictEqual(refsFacts());
    expect(decodeRefsFacts({ ...refsFacts(), head_branch: null, head_oid: null, objects: { a: null } })).toStrictEqual({ ...refsFacts(), head_branch: null, head_oid: null, objects: { a: null } });
    for (const bad of [null, [], 'x', { ...refsFacts(), branches: { a: 1 } }, { ...refsFacts(), tags: null }, { ...refsFacts(), objects: undefined }, { ...refsFacts(), head_oid: 3 }]) expect(decodeRefsFacts(bad)).toBeNull();
  });
});

describe('the simulation driver (push-gate.md §8.3)', () => {
  const ME = { ok: true as const, member: 'me@example.com', session: 's-A', instance: 'e'.repeat(32), host: 'laptop' };
  const facts = (command: string): PG.GateFacts => ({
    mode: 'agent',
    agent: 'claude',
    payload: { tool_name: 'Bash', session_id: 's-A', cwd: '/repo', tool_use_id: 't1', tool_input: { command } },
    dry_run: false,
    break_glass: false,
    break_glass_reason: null,
    elapsed_ms: 0,
  });
  const script = (log: string[], o: Partial<PG.Script> = {}): PG.Script => ({
    repo: () => (log.push('repo'), { kind: 'repo', top: '/repo', common_dir: '/repo/.git', shallow: false, config: { _tag: 'Configured', config: { version: 1 } } }),
    refs: () => (log.push('refs'), { head_branch: 'main', head_oid: 'a'.repeat(40), default_remote: 'origin', branches: { main: 'a'.repeat(40) }, tags: {}, objects: {} }),
    identity: () => (log.push('identity'), ME),
    claim: (lane, attempt) => (log.push(`claim ${lane} ${attempt}`), { _tag: 'Failure', kind: 'contended', status: 'EAGAIN' }),
    compat: (ref) => (log.push(`compat ${ref}`), { result: 'fast-forward', remote_present: true }),
    state: () => (log.push('state'), { ok: true, view: { lanes: [], halts: [], placed: [] } }),
    ...o,
  });
  it('each probe goes to its own script function; elapsed time adds every claim\'s delay and every probe\'s cost', () => {
    const log: string[] = [];
    const r = PG.simulate(facts('git push origin main'), script(log, { cost: (p) => ({ repo: 1, refs: 2, identity: 4, claim: 8, compat: 16, state: 32 })[p._tag] }));
    const probes = r.needs.flat();
    expect(log).toStrictEqual(probes.map((p) => (p._tag === 'claim' ? `claim ${p.lane} ${p.attempt}` : p._tag === 'compat' ? `compat ${p.ref}` : p._tag)));
    expect(log.filter((l) => l.startsWith('claim'))).toStrictEqual(['claim deploy:refs/heads/main 1', 'claim deploy:refs/heads/main 2', 'claim deploy:refs/heads/main 3']);
    const cost = { repo: 1, refs: 2, identity: 4, claim: 8, compat: 16, state: 32 };
    expect(r.facts.elapsed_ms).toBe(probes.reduce((e, p) => e + cost[p._tag], 0) + 0 + 150 + 300);
    expect(r.verdict.reason).toBe('store-contended');
    expect(r.steps).toBe(r.needs.length + 1);
    const log2: string[] = [];
    const g = PG.simulate(facts('git push origin main'), script(log2, { claim: (lane, attempt) => (log2.push(`claim ${lane} ${attempt}`), { _tag: 'Granted', fence: 3, reclaimed: false }) }));
    expect(log2).toStrictEqual(['repo', 'refs', 'identity', 'claim deploy:refs/heads/main 1', 'compat refs/heads/main', 'state']);
    expect([g.verdict.reason, g.needs.length, g.steps, g.facts.elapsed_ms]).toStrictEqual(['claimed', 5, 6, 0]);
  });
  it('the retry budget sees the simulated time: a 400 ms claim allows a third attempt, a 500 ms one does not', () => {
    const claims = (ms: number) => {
      const log: string[] = [];
      const r = PG.simulate(facts('git push origin main'), script(log, { cost: (p) => (p._tag === 'claim' ? ms : 0) }));
      return [log.filter((l) => l.startsWith('claim')).length, r.facts.elapsed_ms];
    };
    expect(claims(400)).toStrictEqual([3, 3 * 400 + 150 + 300]);
    expect(claims(500)).toStrictEqual([2, 2 * 500 + 150]);
    // without a cost function every probe costs nothing
    const log: string[] = [];
    expect(PG.simulate(facts('git push origin main'), script(log)).facts.elapsed_ms).toBe(450);
  });
});
