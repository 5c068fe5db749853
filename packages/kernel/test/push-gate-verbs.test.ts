/**
 * push-release (push-gate.md §9), deploy (push-gate.md §10), lane-cli (push-gate.md §11, push-gate.md §11.1) and
 * context (push-gate.md §12) of packages/kernel/src/push-gate/verbs.ts, pinned whole: every outcome (exit code,
 * stream, reason and message), every probe and effect, every fixed line format. In process, so mutation runs see it
 * (testing.md §3).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { pushGate as PG, type config } from '@arbiter/kernel';

type ConfigState = config.ConfigState;

const SESSION = 'sess-me';
const INST = 'e'.repeat(32);
const OTHER = 'f'.repeat(32);
const ME = { ok: true as const, member: 'me@example.com', session: SESSION, instance: INST, host: 'laptop' };
const HOLDER = { handle: 'me@example.com', session: SESSION, instance: INST, host: 'laptop' };
const OID_A = 'a'.repeat(40);
const CONFIGURED: ConfigState = { _tag: 'Configured', config: { version: 1 } };
const REPO: PG.RepoFact = { kind: 'repo', top: '/work/app', common_dir: '/work/app/.git', shallow: false, config: CONFIGURED };
const REFS = { current_branch: 'main', head_oid: OID_A, default_remote: 'origin' };
const exit = (code: 0 | 1 | 2, reason: string, message: string) => ({ _tag: 'Exit', code, stream: code === 0 ? 'stdout' : 'stderr', reason, message });
const BAD_LANE_RULE = 'a lane name (1–8192 characters, no control character, no unpaired surrogate)';
/** The `Done` of a step (a `Need` fails the test). */
const doneOf = <S extends { readonly _tag: string }>(s: S): Extract<S, { _tag: 'Done' }> => {
  if (s._tag !== 'Done') throw new Error(`expected Done, got ${JSON.stringify(s)}`);
  return s as Extract<S, { _tag: 'Done' }>;
};

describe('push-release (push-gate.md §9 R1–R5)', () => {
  const payload = (o: Record<string, unknown> = {}) => ({ session_id: 'sess-1', tool_name: 'Bash', tool_use_id: 'tu-1', tool_input: { command: 'git push origin main' }, ...o });
  it('R1/R2: not a Bash push → Done not-a-push, no effect', () => {
    const notPush = { _tag: 'Done', outcome: { _tag: 'Done', reason: 'not-a-push', lanes: [] }, effects: [] };
    expect(PG.releaseStep({ agent: 'claude', payload: null })).toEqual(notPush);
    expect(PG.releaseStep({ agent: 'claude', payload: payload({ tool_name: 'Edit' }) })).toEqual(notPush);
    expect(PG.releaseStep({ agent: 'claude', payload: payload({ tool_input: { command: 'git status' } }) })).toEqual(notPush);
  });
  it('R3: a push asks the pending probe keyed by agent, session and tool use', () => {
    expect(PG.releaseStep({ agent: 'claude', payload: payload() })).toEqual({ _tag: 'Need', probe: [{ _tag: 'pending', key_material: 'claude:sess-1:tu-1' }] });
    // a payload naming no tool is still read for a push command (push-gate.md §9 R1 rejects only another tool)
    expect(PG.releaseStep({ agent: 'claude', payload: payload({ tool_name: undefined }) })).toEqual({ _tag: 'Need', probe: [{ _tag: 'pending', key_material: 'claude:sess-1:tu-1' }] });
  });
  it('R4/R5: no marker → nothing-to-release; a marker → release each lane then delete the marker', () => {
    expect(PG.releaseStep({ agent: 'codex', payload: payload(), pending: null })).toEqual({ _tag: 'Done', outcome: { _tag: 'Done', reason: 'nothing-to-release', lanes: [] }, effects: [] });
    const marker = { instance: INST, created_at: 1, lanes: [{ lane: 'deploy:a', fence: 1 }, { lane: 'deploy:b', fence: 2 }] };
    expect(PG.releaseStep({ agent: 'codex', payload: payload(), pending: marker })).toEqual({
      _tag: 'Done',
      outcome: { _tag: 'Done', reason: 'released', lanes: ['deploy:a', 'deploy:b'] },
      effects: [
        { _tag: 'ReleaseLane', lane: 'deploy:a', instance: INST },
        { _tag: 'ReleaseLane', lane: 'deploy:b', instance: INST },
        { _tag: 'DeletePending', key_material: 'codex:sess-1:tu-1' },
      ],
    });
    expect(PG.withReleaseAnswer({ agent: 'claude', payload: 1 }, [], marker)).toEqual({ agent: 'claude', payload: 1, pending: marker });
  });
});

describe('deploy (push-gate.md §10 V1–V9)', () => {
  const base: PG.DeployFacts = { lane_arg: null, eta_arg: null, break_glass: false, reason: null };
  const GRANT: PG.ClaimAttempt = { _tag: 'Granted', fence: 12, reclaimed: false };
  const FF: PG.CompatFact = { result: 'fast-forward', remote_present: true };
  const full = (o: Partial<PG.DeployFacts> = {}): PG.DeployFacts => ({ ...base, repo: REPO, refs: REFS, identity: ME, claim: GRANT, compat: FF, ...o });
  const clearMsg = (lane: string, fence: number) => `arbiter: lane ${lane} claimed (fence ${fence}) — clear to deploy. Release it with \`arbiter lane release ${lane}\` when done.`;

  it('probes in order: repo, refs, identity, then claim with compat for a deploy:refs/heads/ lane', () => {
    expect(PG.deployStep(base)).toEqual({ _tag: 'Need', probe: [{ _tag: 'repo' }] });
    expect(PG.deployStep({ ...base, repo: REPO })).toEqual({ _tag: 'Need', probe: [{ _tag: 'refs' }] });
    expect(PG.deployStep({ ...base, repo: REPO, refs: REFS })).toEqual({ _tag: 'Need', probe: [{ _tag: 'identity' }] });
    expect(PG.deployStep({ ...base, repo: REPO, refs: REFS, identity: ME })).toEqual({
      _tag: 'Need',
      probe: [
        { _tag: 'claim', lane: 'deploy:refs/heads/main', meta: { intent: 'deploy', eta_minutes: 30 } },
        { _tag: 'compat', ref: 'refs/heads/main', remote: 'origin', src_oid: OID_A },
      ],
    });
    // compat already known: claim alone; claim known, compat not: compat alone
    expect(PG.deployStep({ ...base, eta_arg: '7', repo: REPO, refs: REFS, identity: ME, compat: null })).toEqual({
      _tag: 'Need',
      probe: [{ _tag: 'claim', lane: 'deploy:refs/heads/main', meta: { intent: 'deploy', eta_minutes: 7 } }],
    });
    expect(PG.deployStep({ ...base, repo: REPO, refs: { current_branch: 'main', head_oid: null, default_remote: null }, identity: ME, claim: GRANT })).toEqual({
      _tag: 'Need',
      probe: [{ _tag: 'compat', ref: 'refs/heads/main', remote: null, src_oid: null }],
    });
    // a lane that is no deploy:refs/heads/ ref has no compat probe and needs none
    expect(PG.deployStep({ ...base, lane_arg: 'deploy:prod', repo: REPO, refs: REFS, identity: ME })).toEqual({
      _tag: 'Need',
      probe: [{ _tag: 'claim', lane: 'deploy:prod', meta: { intent: 'deploy', eta_minutes: 30 } }],
    });
    expect(PG.deployStep({ ...base, lane_arg: 'deploy:prod', repo: REPO, refs: REFS, identity: ME, claim: GRANT })).toEqual({
      _tag: 'Done',
      outcome: exit(0, 'claimed', clearMsg('deploy:prod', 12)),
      effects: [],
    });
    expect(PG.deployStep({ ...base, lane_arg: 'x-deploy:refs/heads/main', repo: REPO, refs: REFS, identity: ME })).toEqual({
      _tag: 'Need',
      probe: [{ _tag: 'claim', lane: 'x-deploy:refs/heads/main', meta: { intent: 'deploy', eta_minutes: 30 } }],
    });
  });

  it('each die-loud outcome whole', () => {
    const d = (o: Partial<PG.DeployFacts>) => PG.deployStep(full(o));
    expect(d({ repo: { kind: 'not-repo' } })).toEqual({ _tag: 'Done', outcome: exit(1, 'not-a-repo', 'arbiter: not inside a git repository.'), effects: [] });
    expect(d({ repo: { ...REPO, config: { _tag: 'Invalid', reason: 'x' } as unknown as ConfigState } })).toEqual({
      _tag: 'Done',
      outcome: exit(1, 'config-invalid', 'arbiter: .arbiter/config.json is invalid — fix it first.'),
      effects: [],
    });
    const badEta = { _tag: 'Done', outcome: exit(2, 'bad-eta', 'arbiter: --eta must be a whole number of minutes from 1 to 1440.'), effects: [] };
    expect(d({ eta_arg: '0', refs: undefined })).toEqual(badEta);
    expect(d({ eta_arg: '1441' })).toEqual(badEta);
    expect(d({ refs: { current_branch: null, head_oid: null, default_remote: null } })).toEqual({
      _tag: 'Done',
      outcome: exit(1, 'no-branch', 'arbiter: HEAD is detached — pass --lane <name>.'),
      effects: [],
    });
    expect(d({ refs: { ...REFS, current_branch: 'feature/x' } })).toEqual({
      _tag: 'Done',
      outcome: exit(1, 'non-deploy-ref', 'arbiter: refs/heads/feature/x is not a deploy ref in this repository — pass --lane <name> to claim a lane anyway.'),
      effects: [],
    });
    expect(d({ lane_arg: 'deploy:a\u0001b', identity: undefined })).toEqual({
      _tag: 'Done',
      outcome: exit(2, 'bad-argument', `arbiter: invalid argument --lane: expected ${BAD_LANE_RULE}; got a name outside that rule.`),
      effects: [],
    });
    expect(d({ identity: { ok: false } })).toEqual({
      _tag: 'Done',
      outcome: exit(1, 'identity-unavailable', 'arbiter: could not establish who you are (is the state directory writable?).'),
      effects: [],
    });
    expect(d({ claim: { _tag: 'Held', holder_handle: 'ana@x.io', holder_instance: OTHER, heartbeat_age_sec: 1 } })).toEqual({
      _tag: 'Done',
      outcome: exit(
        1,
        'held-by-other',
        'arbiter: deploy lane deploy:refs/heads/main is HELD by @ana. Wait for its release, retry with --break-glass (audited), or, as an owner, run `arbiter lane release deploy:refs/heads/main --force`.',
      ),
      effects: [],
    });
    expect(d({ claim: { _tag: 'Failure', kind: 'transport', status: 'x' } })).toEqual({
      _tag: 'Done',
      outcome: exit(1, 'store-failed', 'arbiter: could not claim deploy lane deploy:refs/heads/main (transport).'),
      effects: [],
    });
    expect(d({ compat: { result: 'behind', remote_present: true } })).toEqual({
      _tag: 'Done',
      outcome: exit(0, 'claimed-behind', 'arbiter: lane deploy:refs/heads/main claimed (fence 12) — but HEAD is behind origin/main. Run `git pull --rebase`, then push.'),
      effects: [],
    });
    expect(doneOf(d({ refs: { ...REFS, default_remote: 'up' }, compat: { result: 'behind', remote_present: true } })).outcome).toEqual(
      exit(0, 'claimed-behind', 'arbiter: lane deploy:refs/heads/main claimed (fence 12) — but HEAD is behind up/main. Run `git pull --rebase`, then push.'),
    );
    expect(doneOf(d({ refs: { ...REFS, default_remote: null }, compat: { result: 'behind', remote_present: true } })).outcome).toEqual(
      exit(0, 'claimed-behind', 'arbiter: lane deploy:refs/heads/main claimed (fence 12) — but HEAD is behind origin/main. Run `git pull --rebase`, then push.'),
    );
    // a behind answer for a lane that names no branch (never probed by the driver) names no branch either
    expect(doneOf(d({ lane_arg: 'deploy:prod', compat: { result: 'behind', remote_present: true } })).outcome).toEqual(
      exit(0, 'claimed-behind', PG.messages.deployBehindRemote('deploy:prod', 12, 'origin', '')),
    );
    expect(d({})).toEqual({ _tag: 'Done', outcome: exit(0, 'claimed', clearMsg('deploy:refs/heads/main', 12)), effects: [] });
    expect(d({ compat: null })).toEqual({ _tag: 'Done', outcome: exit(0, 'claimed', clearMsg('deploy:refs/heads/main', 12)), effects: [] });
    expect(d({ lane_arg: 'release' })).toEqual({ _tag: 'Done', outcome: exit(0, 'claimed', clearMsg('deploy:refs/heads/release', 12)), effects: [] });
  });

  it('V6 break-glass: force-release probe, forbidden, the S-BREAK post on every later outcome', () => {
    const bg = { break_glass: true, reason: 'prod down' };
    expect(PG.deployStep({ ...base, ...bg, eta_arg: '5', repo: REPO, refs: REFS, identity: ME })).toEqual({
      _tag: 'Need',
      probe: [{ _tag: 'force-release', lane: 'deploy:refs/heads/main', by: HOLDER, reason: 'prod down' }],
    });
    const forced = { _tag: 'Forced' as const, previous: null, fence: 3 };
    expect(PG.deployStep({ ...base, ...bg, eta_arg: '5', repo: REPO, refs: REFS, identity: ME, forced })).toEqual({
      _tag: 'Need',
      probe: [
        { _tag: 'claim', lane: 'deploy:refs/heads/main', meta: { intent: 'break-glass', eta_minutes: 5 } },
        { _tag: 'compat', ref: 'refs/heads/main', remote: 'origin', src_oid: OID_A },
      ],
    });
    expect(PG.deployStep(full({ ...bg, forced: { _tag: 'Failure', kind: 'forbidden' } }))).toEqual({
      _tag: 'Done',
      outcome: exit(1, 'break-glass-forbidden', 'arbiter: break-glass force-release is for owners only — you are not an owner of this repository.'),
      effects: [],
    });
    const post = [{ _tag: 'PostStatus', lane: 'deploy:refs/heads/main', body: 'BREAK-GLASS deploy on deploy:refs/heads/main by @me — prod down', by: HOLDER }];
    // another failure of the force-release does not stop the claim
    expect(PG.deployStep(full({ ...bg, forced: { _tag: 'Failure', kind: 'transport' } }))).toEqual({ _tag: 'Done', outcome: exit(0, 'claimed', clearMsg('deploy:refs/heads/main', 12)), effects: post });
    expect(doneOf(PG.deployStep(full({ ...bg, forced, claim: { _tag: 'Held', holder_handle: 'ana@x.io', holder_instance: OTHER, heartbeat_age_sec: 1 } }))).effects).toEqual(post);
    expect(doneOf(PG.deployStep(full({ ...bg, forced, claim: { _tag: 'Failure', kind: 'transport', status: 'x' } }))).effects).toEqual(post);
    expect(doneOf(PG.deployStep(full({ ...bg, forced, compat: { result: 'behind', remote_present: true } }))).effects).toEqual(post);
  });

  it('withDeployAnswer sets each probe’s own field', () => {
    const probes: PG.DeployProbe[] = [{ _tag: 'repo' }, { _tag: 'refs' }, { _tag: 'identity' }];
    expect(PG.withDeployAnswer(base, probes, [{ _tag: 'repo', value: REPO }, { _tag: 'refs', value: REFS }, { _tag: 'identity', value: ME }])).toEqual({ ...base, repo: REPO, refs: REFS, identity: ME });
    const forced = { _tag: 'Forced' as const, previous: null, fence: 3 };
    const p2: PG.DeployProbe[] = [
      { _tag: 'force-release', lane: 'l', by: HOLDER, reason: null },
      { _tag: 'claim', lane: 'l', meta: { intent: 'deploy', eta_minutes: 1 } },
      { _tag: 'compat', ref: 'r', remote: null, src_oid: null },
    ];
    expect(PG.withDeployAnswer(base, p2, [{ _tag: 'force-release', value: forced }, { _tag: 'claim', value: GRANT }, { _tag: 'compat', value: FF }])).toEqual({ ...base, forced, claim: GRANT, compat: FF });
  });
});

describe('lane-cli (push-gate.md §11)', () => {
  it('laneArg: quoted argument, current branch, detached, non-deploy, bad names', () => {
    expect(PG.laneArg('main', null, CONFIGURED)).toEqual({ lane: 'deploy:refs/heads/main' });
    expect(PG.laneArg('deploy:x', 'main', CONFIGURED)).toEqual({ lane: 'deploy:x' });
    expect(PG.laneArg('deploy:\u0007', 'main', CONFIGURED)).toEqual(exit(2, 'bad-argument', `arbiter: invalid argument lane: expected ${BAD_LANE_RULE}; got a name outside that rule.`));
    expect(PG.laneArg(null, 'main', CONFIGURED)).toEqual({ lane: 'deploy:refs/heads/main' });
    expect(PG.laneArg(null, null, CONFIGURED)).toEqual(exit(1, 'no-branch', 'arbiter: HEAD is detached — pass --lane <name>.'));
    expect(PG.laneArg(null, 'feature/x', CONFIGURED)).toEqual(
      exit(1, 'non-deploy-ref', 'arbiter: refs/heads/feature/x is not a deploy ref in this repository — pass --lane <name> to claim a lane anyway.'),
    );
    const cfg: ConfigState = { _tag: 'Configured', config: { version: 1, lanes: { deploy_refs: ['refs/heads/rel*'] } } };
    expect(PG.laneArg(null, 'rel1', cfg)).toEqual({ lane: 'deploy:refs/heads/rel1' });
    expect(PG.laneArg(null, 'main', cfg)).toMatchObject({ reason: 'non-deploy-ref' });
    expect(PG.laneArg(null, 'rel\u0001', cfg)).toEqual(
      exit(1, 'bad-argument', `arbiter: invalid argument lane: expected ${BAD_LANE_RULE}; got the current branch's lane, which is not.`),
    );
  });

  it('laneClaimOutcome and laneReleaseOutcome: every answer whole', () => {
    const L = 'deploy:x';
    expect(PG.laneClaimOutcome(L, { _tag: 'Ok', fence: 4 })).toEqual(exit(0, 'renewed', 'arbiter: lane deploy:x renewed (fence 4).'));
    expect(PG.laneClaimOutcome(L, { _tag: 'Lost', holder_handle: 'b@y' })).toEqual(exit(1, 'lost', 'arbiter: lane deploy:x was lost — its lease ran out and it is now held by @b.'));
    expect(PG.laneClaimOutcome(L, { _tag: 'Granted', fence: 5, reclaimed: false })).toEqual(exit(0, 'claimed', 'arbiter: lane deploy:x claimed (fence 5).'));
    expect(PG.laneClaimOutcome(L, { _tag: 'Held', holder_handle: 'b@y', holder_instance: OTHER, heartbeat_age_sec: 1 })).toEqual(
      exit(1, 'held-by-other', 'arbiter: deploy lane deploy:x is HELD by @b. Wait for its release, retry with --break-glass (audited), or, as an owner, run `arbiter lane release deploy:x --force`.'),
    );
    expect(PG.laneClaimOutcome(L, { _tag: 'Failure', kind: 'transport', status: 'x' })).toEqual(exit(1, 'store-failed', 'arbiter: the lane store failed (transport).'));
    expect(PG.laneReleaseOutcome(L, { _tag: 'Released' })).toEqual(exit(0, 'released', 'arbiter: lane deploy:x released.'));
    expect(PG.laneReleaseOutcome(L, { _tag: 'NotHolder' })).toEqual(exit(0, 'not-holder', 'arbiter: lane deploy:x is not held by this session — nothing to release.'));
    expect(PG.laneReleaseOutcome(L, { _tag: 'Forced', previous: null, fence: 2 } as PG.ForceOk)).toEqual(
      exit(0, 'force-released', 'arbiter: lane deploy:x force-released (was held by nobody); recorded in the audit log.'),
    );
    expect(PG.laneReleaseOutcome(L, { _tag: 'Forced', previous: { handle: 'b@y' }, fence: 2 } as unknown as PG.ForceOk)).toEqual(
      exit(0, 'force-released', 'arbiter: lane deploy:x force-released (was held by @b); recorded in the audit log.'),
    );
    expect(PG.laneReleaseOutcome(L, { _tag: 'Failure', kind: 'forbidden' })).toEqual(exit(1, 'force-forbidden', 'arbiter: force-release is for owners only — you are not an owner of this repository.'));
    expect(PG.laneReleaseOutcome(L, { _tag: 'Failure', kind: 'transport' })).toEqual(exit(1, 'store-failed', 'arbiter: the lane store failed (transport).'));
  });

  it('sessionArg, sessionArgError, haltArgs, laneHaltOutcome, laneUnhaltOutcome whole', () => {
    expect(PG.sessionArg(7)).toBeNull();
    expect(PG.sessionArg('s-1')).toBe('s-1');
    expect(PG.sessionArg("'s-1'")).toBe('s-1');
    expect(PG.sessionArg('')).toBeNull();
    expect(PG.sessionArg('a b')).toBeNull();
    const rule = 'arbiter: invalid argument --session: expected a session id of 1–128 characters from A-Z a-z 0-9 _ . : @ -; got ';
    expect(PG.sessionArgError(7)).toEqual(exit(2, 'bad-argument', `${rule}0 characters.`));
    expect(PG.sessionArgError('')).toEqual(exit(2, 'bad-argument', `${rule}0 characters.`));
    expect(PG.sessionArgError('s'.repeat(128))).toBeNull();
    expect(PG.sessionArgError('s'.repeat(129))).toEqual(exit(2, 'bad-argument', `${rule}129 characters.`));
    expect(PG.sessionArgError('é')).toEqual(exit(2, 'bad-argument', `${rule}a character outside that set.`));
    expect(PG.sessionArgError(`${'s'.repeat(127)}é`)).toEqual(exit(2, 'bad-argument', `${rule}a character outside that set.`));
    expect(PG.haltArgs(7, 'r')).toEqual(exit(2, 'bad-argument', `${rule}0 characters.`));
    expect(PG.haltArgs('s-1', 'r')).toBeNull();
    expect(PG.haltArgs('s-1', ' \t ')).toEqual(
      exit(2, 'bad-argument', 'arbiter: invalid argument --reason: expected 1–200 characters once control characters are removed and white space is collapsed; got 0 characters.'),
    );
    expect(PG.laneHaltOutcome('s-2', { _tag: 'Halted', halt_id: 'abc123' })).toEqual(exit(0, 'halted', 'arbiter: halt abc123 is now directed at session s-2.'));
    expect(PG.laneHaltOutcome('s-2', { _tag: 'Failure', kind: 'transport' })).toEqual(exit(1, 'store-failed', 'arbiter: the lane store failed (transport).'));
    expect(PG.laneUnhaltOutcome('s-1', 's-1', { _tag: 'Unhalted', count: 1 })).toEqual(exit(1, 'self-unhalt', 'arbiter: a session cannot lift a halt directed at itself.'));
    expect(PG.laneUnhaltOutcome('s-1', 'a b', null)).toEqual(exit(2, 'bad-argument', `${rule}a character outside that set.`));
    expect(PG.laneUnhaltOutcome('s-1', 's-2', null)).toEqual(exit(1, 'store-failed', 'arbiter: the lane store failed (other).'));
    expect(PG.laneUnhaltOutcome('s-1', 's-2', { _tag: 'Unhalted', count: 3 })).toEqual(exit(0, 'unhalted', 'arbiter: closed 3 halt(s) directed at session s-2.'));
    expect(PG.laneUnhaltOutcome('s-1', 's-2', { _tag: 'Failure', kind: 'forbidden' })).toEqual(exit(1, 'unhalt-forbidden', "arbiter: only an owner or the halt's author can lift it."));
    expect(PG.laneUnhaltOutcome('s-1', 's-2', { _tag: 'Failure', kind: 'transport' })).toEqual(exit(1, 'store-failed', 'arbiter: the lane store failed (transport).'));
  });

  it('laneStatusLines: every line format', () => {
    const holder = (o: Record<string, unknown> = {}) => ({ handle: 'ana@x.io', session: 's', instance: OTHER, host: 'h', claimed_at: 0, heartbeat_age_sec: 30, lease_sec: 600, intent: 'push' as const, eta_minutes: null, ...o });
    expect(PG.laneStatusLines({ lanes: [], halts: [], placed: [] }, [])).toEqual(['lanes: none recorded']);
    const v = {
      lanes: [
        { lane: 'deploy:a', fence: 1, expired: false, holder: null },
        { lane: 'deploy:b', fence: 2, expired: false, holder: holder({ lease_sec: 90 }) },
        { lane: 'deploy:c', fence: 3, expired: true, holder: holder() },
      ],
      halts: [{ halt_id: 'ab12', target_session: 's', by_handle: 'ops@x.io', by_session: 'o', reason: 'stop\nnow', created_at: 0, age_sec: 5, open: true }],
      placed: [],
    } as unknown as PG.StateView;
    const audit = Array.from({ length: 12 }, (_, i) => ({ kind: `k${i}`, lane: i === 11 ? null : `deploy:l${i}`, by_handle: 'ana@x.io', age_sec: 60 }));
    expect(PG.laneStatusLines(v, audit)).toEqual([
      'deploy:a  free  fence 1',
      `deploy:b  @ana  fence 2  heartbeat ${PG.fmtAge(30)} ago  lease 2m`,
      `deploy:c  @ana  fence 3  heartbeat ${PG.fmtAge(30)} ago  lease 10m  expired`,
      `HALT ab12 from @ops (${PG.fmtAge(5)} ago): "stop now"`,
      'recent audit:',
      ...audit.slice(2).map((a, i) => `  k${i + 2}  ${i === 9 ? '-' : `deploy:l${i + 2}`}  @ana  ${PG.fmtAge(60)} ago`),
    ]);
    expect(PG.laneStatusLines(v, []).includes('recent audit:')).toBe(false);
  });
});

describe('fences (push-gate.md §11.1)', () => {
  it('fenceEnvLine, parseFence, fenceArgError', () => {
    expect(PG.fenceEnvLine("it's;*", 7)).toBe("ARBITER_LANE='it'\\''s;*' ARBITER_FENCE=7");
    expect(PG.fenceEnvLine("a'b'c", 0)).toBe("ARBITER_LANE='a'\\''b'\\''c' ARBITER_FENCE=0");
    expect(['0', '1', '9007199254740991', '1234567890123456'].map(PG.parseFence)).toEqual([0, 1, 9007199254740991, 1234567890123456]);
    expect(['', '01', '-1', '1.5', ' 1', '1 ', '9007199254740992', '12345678901234567', 'x1', '1x'].map(PG.parseFence)).toEqual(Array(10).fill(null));
    expect(PG.fenceArgError('3')).toBeNull();
    expect(PG.fenceArgError('x')).toEqual(exit(2, 'bad-argument', 'arbiter: invalid argument --fence: expected a whole number from 0 to 2^53 − 1; got something else.'));
  });
  it('parseEta: 1..1440, at most four digits', () => {
    expect(['1', '1440', '0001', '30'].map(PG.parseEta)).toEqual([1, 1440, 1, 30]);
    expect(['0', '1441', '', '01440', ' 5', '5 ', '1e3', '-1', 'x'].map(PG.parseEta)).toEqual(Array(9).fill(null));
  });
  it('laneAssertOutcome: every reason whole', () => {
    const lv = (o: Record<string, unknown>) => ({ lane: 'deploy:x', fence: 5, expired: false, holder: { handle: 'ana@x.io', session: 's', instance: OTHER, host: 'h', claimed_at: 0, heartbeat_age_sec: 1, lease_sec: 60, intent: 'deploy', eta_minutes: null }, ...o }) as unknown as PG.LaneView;
    expect(PG.laneAssertOutcome('deploy:x', 5, { _tag: 'Failure', kind: 'transport' })).toEqual(exit(1, 'store-failed', 'arbiter: the lane store failed (transport).'));
    expect(PG.laneAssertOutcome('deploy:x', 4, lv({}))).toEqual(exit(1, 'fence-stale', 'arbiter: fence 4 is stale: lane deploy:x was granted again since (fence 5). Do not act.'));
    expect(PG.laneAssertOutcome('deploy:x', 6, lv({}))).toEqual(exit(1, 'fence-unknown', 'arbiter: fence 6 was never granted on lane deploy:x (its fence is 5). Do not act.'));
    expect(PG.laneAssertOutcome('deploy:x', 0, null)).toEqual(exit(1, 'lane-free', 'arbiter: lane deploy:x is not held any more (fence 0). Do not act.'));
    expect(PG.laneAssertOutcome('deploy:x', 1, null)).toEqual(exit(1, 'fence-unknown', 'arbiter: fence 1 was never granted on lane deploy:x (its fence is 0). Do not act.'));
    expect(PG.laneAssertOutcome('deploy:x', 5, lv({ holder: null }))).toEqual(exit(1, 'lane-free', 'arbiter: lane deploy:x is not held any more (fence 5). Do not act.'));
    expect(PG.laneAssertOutcome('deploy:x', 5, lv({ expired: true }))).toEqual(exit(1, 'holder-expired', 'arbiter: the lease on lane deploy:x (fence 5) has expired. Do not act; claim it again.'));
    expect(PG.laneAssertOutcome('deploy:x', 5, lv({}))).toEqual(exit(0, 'fence-current', 'arbiter: fence 5 is current on lane deploy:x, held by @ana.'));
  });
});

describe('context (push-gate.md §12)', () => {
  const holder = (instance: string, handle = 'ana@x.io') => ({ handle, session: 's', instance, host: 'h', claimed_at: 0, heartbeat_age_sec: 30, lease_sec: 600, intent: 'push' as const, eta_minutes: null });
  const halt = (o: Record<string, unknown> = {}) => ({ halt_id: 'ab12', target_session: SESSION, by_handle: 'ops@x.io', by_session: 'o', reason: 'wait', created_at: 0, age_sec: 5, open: true, ...o });
  const VIEW = {
    lanes: [
      { lane: 'deploy:mine', fence: 3, expired: false, holder: holder(INST, 'me@example.com') },
      { lane: 'deploy:free', fence: 1, expired: false, holder: null },
      { lane: 'deploy:old', fence: 2, expired: true, holder: holder(OTHER) },
      { lane: 'deploy:theirs', fence: 4, expired: false, holder: holder(OTHER) },
    ],
    halts: [halt(), halt({ open: false, reason: 'closed' }), halt({ target_session: 'other', reason: 'not me' })],
    placed: [halt({ halt_id: 'cd-34', target_session: 'victim-1' }), halt({ halt_id: 'ef56', target_session: 'victim-2', open: false })],
  } as unknown as PG.StateView;
  const EMPTY = { lanes: [], halts: [], placed: [] } as PG.StateView;
  const age = (s: number) => PG.fmtAge(s);

  it('renderContextBlock: every line format, in order', () => {
    expect(PG.renderContextBlock('C:\\src\\my app!\\', SESSION, INST, { view: VIEW, lock: { kind: 'other', session: 's-9', pid: 42, age_sec: 7 } }, null, ['extra one'])).toBe(
      [
        'arbiter · myapp · session sess-me',
        `lane deploy:mine: held by @me (heartbeat ${age(30)} ago) — this session`,
        `lane deploy:theirs: held by @ana (heartbeat ${age(30)} ago)`,
        `HALT from @ops (${age(5)} ago): "wait" — stop and tell the human before any push.`,
        'you hold deploy:mine (fence 3) — release with `arbiter lane release deploy:mine` when done.',
        'you placed halt cd34 on session victim-1 — lift it with `arbiter lane unhalt --session victim-1` once resolved.',
        'extra one',
        `session lock: held by s-9 (pid 42, refreshed ${age(7)} ago)`,
      ].join('\n'),
    );
    expect(PG.renderContextBlock('/w/app', SESSION, null, { view: EMPTY, lock: { kind: 'free' } }, 12, ['x'])).toBe(
      ['arbiter · app · session sess-me', `arbiter: DEGRADED — lane store unavailable; showing data from ${age(12)} ago.`, 'lanes: none held', 'x', 'session lock: free'].join('\n'),
    );
    expect(PG.renderContextBlock('/w/app', SESSION, null, { view: EMPTY, lock: { kind: 'ours' } }, null)).toBe(['arbiter · app · session sess-me', 'lanes: none held', 'session lock: held by this session'].join('\n'));
    expect(PG.renderContextBlock('/', '', null, null, 'none', ['e1', 'e2'])).toBe(['arbiter ·  · session unknown', 'arbiter: DEGRADED — lane store unavailable; no cached data.', 'e1', 'e2'].join('\n'));
    expect(PG.renderContextBlock('/w/' + 'a'.repeat(80), SESSION, null, null, null)).toBe(`arbiter · ${'a'.repeat(64)} · session sess-me`);
    for (const [pid, shown] of [[1, '1'], [0, '?'], [1.5, '?'], [-3, '?']] as const) {
      expect(PG.renderContextBlock('/w/app', SESSION, null, { view: EMPTY, lock: { kind: 'other', session: 's', pid, age_sec: 1 } }, null).split('\n')[2]).toBe(`session lock: held by s (pid ${shown}, refreshed ${age(1)} ago)`);
    }
  });

  it('renderContextBlock: at most 8 lanes, then a count; cut at a line boundary to CONTEXT_MAX_CHARS', () => {
    const many = { lanes: Array.from({ length: 9 }, (_, i) => ({ lane: `deploy:r${i}`, fence: i, expired: false, holder: holder(OTHER) })), halts: [], placed: [] } as unknown as PG.StateView;
    const lines = PG.renderContextBlock('/w/app', SESSION, null, { view: many, lock: null }, null).split('\n');
    expect(lines.length).toBe(10);
    expect(lines[8]).toBe(`lane deploy:r7: held by @ana (heartbeat ${age(30)} ago)`);
    expect(lines[9]).toBe('… and 1 more');
    const eight = { ...many, lanes: many.lanes.slice(0, 8) };
    expect(PG.renderContextBlock('/w/app', SESSION, null, { view: eight, lock: null }, null).split('\n').length).toBe(9);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 700 }), { maxLength: 8 }), (sizes) => {
        const extra = sizes.map((n, i) => String(i).repeat(n));
        const all = ['arbiter · app · session sess-me', ...extra];
        const out = PG.renderContextBlock('/w/app', SESSION, null, null, null, extra);
        // the longest prefix of whole lines that fits
        let k = 1;
        while (k < all.length && all.slice(0, k + 1).join('\n').length <= PG.CONTEXT_MAX_CHARS) k++;
        expect(out).toBe(all.slice(0, k).join('\n'));
      }),
    );
    const header = 'arbiter · app · session sess-me';
    const fill = 'x'.repeat(PG.CONTEXT_MAX_CHARS - header.length - 1);
    expect(PG.renderContextBlock('/w/app', SESSION, null, null, null, [fill])).toBe(`${header}\n${fill}`);
    expect(PG.renderContextBlock('/w/app', SESSION, null, null, null, [fill + 'x', 'y'])).toBe(header);
  });

  describe('contextStep X1–X7', () => {
    const base = (o: Partial<PG.ContextFacts> = {}): PG.ContextFacts => ({ agent: 'claude', event: 'session-start', payload: { session_id: SESSION, cwd: '/w' }, now: 100_000, ...o });
    const withId = (o: Partial<PG.ContextFacts> = {}) => base({ repo: REPO, identity: ME, ...o });
    const data = { view: VIEW, lock: null };
    const block = (d: PG.ContextData | null, deg: number | null | 'none', extra: string[] = []) => PG.renderContextBlock('/work/app', SESSION, INST, d, deg, extra);

    it('probes: repo with cwd, identity with session, cache, then state and lock-read', () => {
      expect(PG.contextStep(base())).toEqual({ _tag: 'Need', probe: [{ _tag: 'repo', cwd: '/w' }] });
      expect(PG.contextStep(base({ payload: null }))).toEqual({ _tag: 'Need', probe: [{ _tag: 'repo', cwd: null }] });
      expect(PG.contextStep(base({ payload: { session_id: 3, cwd: 4 } }))).toEqual({ _tag: 'Need', probe: [{ _tag: 'repo', cwd: null }] });
      expect(PG.contextStep(base({ repo: REPO }))).toEqual({ _tag: 'Need', probe: [{ _tag: 'identity', session: SESSION }] });
      expect(PG.contextStep(base({ repo: REPO, payload: 'x' }))).toEqual({ _tag: 'Need', probe: [{ _tag: 'identity', session: null }] });
      expect(PG.contextStep(withId())).toEqual({ _tag: 'Need', probe: [{ _tag: 'cache' }] });
      expect(PG.contextStep(withId({ cache: null }))).toEqual({ _tag: 'Need', probe: [{ _tag: 'state', session: SESSION }, { _tag: 'lock-read' }] });
      expect(PG.contextStep(withId({ cache: null, lock: null }))).toEqual({ _tag: 'Need', probe: [{ _tag: 'state', session: SESSION }] });
      expect(PG.contextStep(withId({ cache: null, state: { ok: false } }))).toEqual({ _tag: 'Need', probe: [{ _tag: 'lock-read' }] });
    });

    it('X1/X2: outside a repo nothing; not configured, disabled or invalid config: the fixed block', () => {
      expect(PG.contextStep(base({ repo: { kind: 'not-repo' } }))).toEqual({ _tag: 'Done', outcome: { status: 'none', block: '' }, effects: [] });
      const nc = { _tag: 'Done', outcome: { status: 'not-configured', block: 'arbiter: not configured for this repository (no .arbiter/config.json) — coordination context unavailable.' }, effects: [] };
      expect(PG.contextStep(base({ repo: { ...REPO, config: { _tag: 'NotConfigured' } as ConfigState } }))).toEqual(nc);
      expect(PG.contextStep(base({ repo: { ...REPO, config: { _tag: 'Configured', config: { version: 1, lanes: { enabled: false } } } } }))).toEqual(nc);
      expect(PG.contextStep(base({ repo: { ...REPO, config: { _tag: 'Invalid', reason: 'x' } as unknown as ConfigState } }))).toEqual({
        _tag: 'Done',
        outcome: { status: 'config-invalid', block: 'arbiter: .arbiter/config.json is invalid — the push gate is OFF for this repository until it is fixed.' },
        effects: [],
      });
    });

    it('X3: no identity → degraded without data, extras kept', () => {
      expect(PG.contextStep(base({ repo: REPO, identity: { ok: false }, extra: ['e'] }))).toEqual({
        _tag: 'Done',
        outcome: { status: 'degraded', block: PG.renderContextBlock('/work/app', SESSION, null, null, 'none', ['e']) },
        effects: [],
      });
      expect(doneOf(PG.contextStep(base({ repo: REPO, identity: { ok: false }, payload: {} }))).outcome).toEqual({ status: 'degraded', block: ['arbiter · app · session unknown', 'arbiter: DEGRADED — lane store unavailable; no cached data.'].join('\n') });
    });

    it('X4: a cache entry younger than CONTEXT_CACHE_TTL_MS (and not from the future) is shown, no store read', () => {
      for (const a of [0, 1, PG.CONTEXT_CACHE_TTL_MS - 1]) {
        expect(PG.contextStep(withId({ cache: { fetched_at: 100_000 - a, data }, extra: ['e'] }))).toEqual({ _tag: 'Done', outcome: { status: 'cached', block: block(data, null, ['e']) }, effects: [] });
      }
      for (const a of [-1, PG.CONTEXT_CACHE_TTL_MS]) {
        expect(PG.contextStep(withId({ cache: { fetched_at: 100_000 - a, data } }))).toEqual({ _tag: 'Need', probe: [{ _tag: 'state', session: SESSION }, { _tag: 'lock-read' }] });
      }
    });

    it('X6: fresh state → ok with the cache write; a failed lock read shows no lock line', () => {
      const lock = { kind: 'ours' as const };
      expect(PG.contextStep(withId({ cache: null, state: { ok: true, view: VIEW }, lock, extra: ['e'] }))).toEqual({
        _tag: 'Done',
        outcome: { status: 'ok', block: block({ view: VIEW, lock }, null, ['e']) },
        effects: [{ _tag: 'WriteCache', data: { view: VIEW, lock } }],
      });
      expect(PG.contextStep(withId({ cache: null, state: { ok: true, view: EMPTY }, lock: 'failed' }))).toEqual({
        _tag: 'Done',
        outcome: { status: 'ok', block: ['arbiter · app · session sess-me', 'lanes: none held'].join('\n') },
        effects: [{ _tag: 'WriteCache', data: { view: EMPTY, lock: null } }],
      });
    });

    it('X7: store failed → the stale cache with its age in seconds and the fresh lock, else degraded without data', () => {
      const cache = { fetched_at: 100_000 - 12_500, data: { view: EMPTY, lock: { kind: 'free' as const } } };
      expect(PG.contextStep(withId({ cache, state: { ok: false }, lock: { kind: 'ours' } }))).toEqual({
        _tag: 'Done',
        outcome: { status: 'degraded', block: ['arbiter · app · session sess-me', `arbiter: DEGRADED — lane store unavailable; showing data from ${age(12.5)} ago.`, 'lanes: none held', 'session lock: held by this session'].join('\n') },
        effects: [],
      });
      // a cache entry from the future reads as age 0
      const future = { ...cache, fetched_at: 100_000 + 5_000 };
      expect(doneOf(PG.contextStep(withId({ cache: future, state: { ok: false }, lock: 'failed' }))).outcome).toEqual({
        status: 'degraded',
        block: ['arbiter · app · session sess-me', `arbiter: DEGRADED — lane store unavailable; showing data from ${age(0)} ago.`, 'lanes: none held'].join('\n'),
      });
      expect(PG.contextStep(withId({ cache: null, state: { ok: false }, lock: { kind: 'free' }, extra: ['e'] }))).toEqual({
        _tag: 'Done',
        outcome: { status: 'degraded', block: ['arbiter · app · session sess-me', 'arbiter: DEGRADED — lane store unavailable; no cached data.', 'e'].join('\n') },
        effects: [],
      });
    });

    it('withContextAnswer sets each probe’s own field; cache carries extra only when given', () => {
      const f = base();
      const cache = { fetched_at: 1, data };
      expect(PG.withContextAnswer(f, [{ _tag: 'repo', cwd: null }, { _tag: 'identity', session: null }], [{ _tag: 'repo', value: REPO }, { _tag: 'identity', value: ME }])).toEqual({ ...f, repo: REPO, identity: ME });
      expect(PG.withContextAnswer(f, [{ _tag: 'cache' }], [{ _tag: 'cache', value: cache }])).toEqual({ ...f, cache });
      expect(PG.withContextAnswer(f, [{ _tag: 'cache' }], [{ _tag: 'cache', value: null, extra: ['x'] }])).toEqual({ ...f, cache: null, extra: ['x'] });
      expect(PG.withContextAnswer(f, [{ _tag: 'state', session: 's' }, { _tag: 'lock-read' }], [{ _tag: 'state', value: { ok: false } }, { _tag: 'lock-read', value: 'failed' }])).toEqual({ ...f, state: { ok: false }, lock: 'failed' });
    });
  });

  it('renderContext (push-gate.md §12.5): Claude plain, Codex envelope naming the event, empty block nothing', () => {
    expect(PG.renderContext('claude', 'user-prompt-submit', 'b')).toBe('b\n');
    expect(PG.renderContext('codex', 'session-start', 'b')).toBe('{"hookSpecificOutput":{"hookEventName":"SessionStart","additionalContext":"b"}}\n');
    expect(PG.renderContext('codex', 'user-prompt-submit', 'b', 's')).toBe('{"hookSpecificOutput":{"hookEventName":"UserPromptSubmit","additionalContext":"b"}}\n');
    expect(PG.renderContext('codex', 'session-start', '')).toBe('');
  });
});
