/**
 * Decisions `push-release` (push-gate.md §9), `deploy` (push-gate.md §10), `lane-cli` (push-gate.md §11) and `context` (push-gate.md §12) of push-gate.md. Pure.
 */
import { done, mergeBatch, need, type Done, type Need, type StepDriver } from '../internal/step.js';
import type { ConfigState } from '../config.js';
import { ETA_MAX, ETA_MIN, isLaneName, type ClaimMeta, type ForceOk, type Holder, type LaneView, type StateView } from './lanes.js';
import { laneFor, laneFromArg, settingsOf } from './config.js';
import { messages, fmtAge, safeHandle, safeLane, safeReason, showSession } from './text.js';
import { nameArg } from '../internal/quote.js';
import { classifyPushCommand } from './classifier.js';
import {
  SESSION_ID_RE,
  decodeAgentPayload,
  pendingKeyMaterial,
  type ClaimAttempt,
  type CompatFact,
  type IdentityFact,
  type RepoFact,
  type StateFact,
} from './step.js';
import type { Agent } from '../early.js';

export const RELEASE_POLICY = 'push-release';
export const DEPLOY_POLICY = 'deploy';
export const LANE_CLI_POLICY = 'lane-cli';
export const CONTEXT_POLICY = 'context';
export const CONTEXT_WATCHDOG_MS = 6_000;
export const CONTEXT_TIMEOUT_MS = 4_000;
export const CONTEXT_CACHE_TTL_MS = 3_000;
export const CONTEXT_MAX_CHARS = 2_000;

// ───────────────────────────────────────── push-release (push-gate.md §9) ─────────────────────────────────────────

/** A pending marker (push-gate.md §8.8 `write-pending`). */
export interface PendingMarker {
  readonly instance: string;
  readonly lanes: ReadonlyArray<{ readonly lane: string; readonly fence: number }>;
  readonly created_at: number;
}
export interface ReleaseFacts {
  readonly agent: Agent;
  readonly payload: unknown;
  /** Probe `pending` answer: the marker or `null`. */
  readonly pending?: PendingMarker | null;
}
export type ReleaseProbe = { readonly _tag: 'pending'; readonly key_material: string };
export type ReleaseEffect =
  | { readonly _tag: 'ReleaseLane'; readonly lane: string; readonly instance: string }
  | { readonly _tag: 'DeletePending'; readonly key_material: string };
export type ReleaseOutcome = { readonly _tag: 'Done'; readonly reason: 'not-a-push' | 'nothing-to-release' | 'released'; readonly lanes: ReadonlyArray<string> };

/** push-gate.md §9 R1–R5. Only the `pending` probe is ever requested; silent, never blocks. */
export const releaseStep = (f: ReleaseFacts): Need<ReadonlyArray<ReleaseProbe>> | Done<ReleaseOutcome, ReleaseEffect> => {
  const p = decodeAgentPayload(f.payload);
  if (p === null || (p.tool_name !== null && p.tool_name !== 'Bash')) return done({ _tag: 'Done', reason: 'not-a-push', lanes: [] }); // R1
  if (classifyPushCommand(p.command)._tag === 'NotPush') return done({ _tag: 'Done', reason: 'not-a-push', lanes: [] }); // R2
  const key = pendingKeyMaterial(f.agent, p);
  if (f.pending === undefined) return need([{ _tag: 'pending', key_material: key }]); // R3
  if (f.pending === null) return done({ _tag: 'Done', reason: 'nothing-to-release', lanes: [] }); // R4
  const mk = f.pending;
  return done<ReleaseOutcome, ReleaseEffect>({ _tag: 'Done', reason: 'released', lanes: mk.lanes.map((l) => l.lane) }, [
    ...mk.lanes.map((l): ReleaseEffect => ({ _tag: 'ReleaseLane', lane: l.lane, instance: mk.instance })),
    { _tag: 'DeletePending', key_material: key },
  ]); // R5
};

/** Step calls of one push-release run (the `pending` probe is asked at most once). */
export const RELEASE_MAX_STEPS = 4;

/** Merge the `pending` probe's answer (the marker or null) into the release facts (push-gate.md §9). Pure. */
export const withReleaseAnswer = (facts: ReleaseFacts, _probes: ReadonlyArray<ReleaseProbe>, pending: PendingMarker | null): ReleaseFacts => ({ ...facts, pending });

/** push-release for the step driver: {@link releaseStep}, {@link withReleaseAnswer}, at most {@link RELEASE_MAX_STEPS} calls. */
export const releaseDriver: StepDriver<ReleaseFacts, ReadonlyArray<ReleaseProbe>, PendingMarker | null, ReleaseOutcome, ReleaseEffect> = {
  step: (f) => releaseStep(f),
  withAnswer: withReleaseAnswer,
  limit: RELEASE_MAX_STEPS,
};

// ───────────────────────────────────────── die-loud outcomes ─────────────────────────────────────────

/** A CLI verb's final answer: exit code (0 success, 1 a confirmed conflict or failure, 2 a usage error), stream and one fixed message. */
export interface CliOutcome {
  readonly _tag: 'Exit';
  readonly code: 0 | 1 | 2;
  readonly stream: 'stdout' | 'stderr';
  readonly message: string;
  readonly reason: string;
}
const ok = (reason: string, message: string): CliOutcome => ({ _tag: 'Exit', code: 0, stream: 'stdout', message, reason });
const die = (reason: string, message: string): CliOutcome => ({ _tag: 'Exit', code: 1, stream: 'stderr', message, reason });
/** A usage error (a bad argument, nothing was asked of the store): exit 2, as every verb's usage error. */
const usage = (reason: string, message: string): CliOutcome => ({ _tag: 'Exit', code: 2, stream: 'stderr', message, reason });

// ───────────────────────────────────────── deploy (push-gate.md §10) ─────────────────────────────────────────

export interface DeployFacts {
  readonly lane_arg: string | null;
  readonly eta_arg: string | null;
  readonly break_glass: boolean;
  readonly reason: string | null;
  readonly repo?: RepoFact;
  readonly refs?: { readonly current_branch: string | null; readonly head_oid: string | null; readonly default_remote: string | null };
  readonly identity?: IdentityFact;
  readonly forced?: ForceOk | { readonly _tag: 'Failure'; readonly kind: string };
  readonly claim?: ClaimAttempt;
  readonly compat?: CompatFact | null;
}
export type DeployProbe =
  | { readonly _tag: 'repo' }
  | { readonly _tag: 'refs' }
  | { readonly _tag: 'identity' }
  | { readonly _tag: 'force-release'; readonly lane: string; readonly by: Holder; readonly reason: string | null }
  | { readonly _tag: 'claim'; readonly lane: string; readonly meta: ClaimMeta }
  | { readonly _tag: 'compat'; readonly ref: string; readonly remote: string | null; readonly src_oid: string | null };
export type DeployEffect = { readonly _tag: 'PostStatus'; readonly lane: string; readonly body: string; readonly by: Holder };

/** Parse `--eta` (V3): an integer string from `ETA_MIN` to `ETA_MAX`, else `null`. */
export const parseEta = (s: string): number | null => (/^\d{1,4}$/.test(s) && +s >= ETA_MIN && +s <= ETA_MAX ? +s : null);

/** `--eta` checked before anything runs (push-gate.md §10 V3): `null` when absent or valid, else the D-ETA usage error. */
export const etaArg = (s: string | null | undefined): CliOutcome | null =>
  s === null || s === undefined || parseEta(s) !== null ? null : usage('bad-eta', messages.deployBadEta());

/** push-gate.md §10 V1–V9 as a step function; `Done` carries the exit outcome and (for break-glass) the S-BREAK post. */
export const deployStep = (f: DeployFacts): Need<ReadonlyArray<DeployProbe>> | Done<CliOutcome, DeployEffect> => {
  if (f.repo === undefined) return need([{ _tag: 'repo' }]);
  if (f.repo.kind === 'not-repo') return done(die('not-a-repo', messages.deployNotInRepo())); // V1
  if (f.repo.config._tag === 'Invalid') return done(die('config-invalid', messages.deployConfigInvalid())); // V2
  const s = settingsOf(f.repo.config);
  let eta: number | null = null;
  if (f.eta_arg !== null) {
    eta = parseEta(f.eta_arg);
    if (eta === null) return done(usage('bad-eta', messages.deployBadEta())); // V3
  }
  if (f.refs === undefined) return need([{ _tag: 'refs' }]);
  let lane: string; // V4
  const cb = f.refs.current_branch;
  if (f.lane_arg !== null) lane = laneFromArg(f.lane_arg);
  else {
    if (cb === null) return done(die('no-branch', messages.deployDetachedHead()));
    const l = laneFor(`refs/heads/${cb}`, s.deploy_refs);
    if (l === null) return done(die('non-deploy-ref', messages.deployNotDeployRef(`refs/heads/${cb}`)));
    lane = l;
  }
  if (!isLaneName(lane)) return done(usage('bad-argument', messages.laneBadArgument('--lane', 'a lane name (1–8192 characters, no control character, no unpaired surrogate)', 'a name outside that rule'))); // N5: never sent to a store
  if (f.identity === undefined) return need([{ _tag: 'identity' }]);
  if (!f.identity.ok) return done(die('identity-unavailable', messages.deployNoIdentity())); // V5
  const me: Holder = { handle: f.identity.member, session: f.identity.session, instance: f.identity.instance, host: f.identity.host };
  const effects: DeployEffect[] = [];
  if (f.break_glass) {
    if (f.forced === undefined) return need([{ _tag: 'force-release', lane, by: me, reason: f.reason }]); // V6
    if (f.forced._tag === 'Failure' && f.forced.kind === 'forbidden') return done(die('break-glass-forbidden', messages.deployForceForbidden()));
    effects.push({ _tag: 'PostStatus', lane, body: messages.postBreakGlass(lane, me.handle, f.reason), by: me });
  }
  const laneRef = lane.startsWith('deploy:refs/heads/') ? lane.slice('deploy:'.length) : null;
  if (f.claim === undefined) {
    const probes: DeployProbe[] = [{ _tag: 'claim', lane, meta: { intent: f.break_glass ? 'break-glass' : 'deploy', eta_minutes: eta ?? s.lease_minutes } }];
    if (laneRef !== null && f.compat === undefined) probes.push({ _tag: 'compat', ref: laneRef, remote: f.refs.default_remote, src_oid: f.refs.head_oid });
    return need(probes); // V7
  }
  if (laneRef !== null && f.compat === undefined) return need([{ _tag: 'compat', ref: laneRef, remote: f.refs.default_remote, src_oid: f.refs.head_oid }]);
  const c = f.claim;
  if (c._tag === 'Held') return done(die('held-by-other', messages.deployLaneHeld(lane, c.holder_handle)), effects); // V8
  if (c._tag === 'Failure') return done(die('store-failed', messages.deployClaimFailed(lane, c.kind)), effects);
  if (f.compat?.result === 'behind') return done(ok('claimed-behind', messages.deployBehindRemote(lane, c.fence, f.refs.default_remote ?? 'origin', laneRef ?? '')), effects); // V9
  return done(ok('claimed', messages.deployClear(lane, c.fence)), effects);
};


/** Answer to one deploy probe, tagged like the probe it answers. */
export type DeployProbeAnswer =
  | { readonly _tag: 'repo'; readonly value: RepoFact }
  | { readonly _tag: 'refs'; readonly value: NonNullable<DeployFacts['refs']> }
  | { readonly _tag: 'identity'; readonly value: IdentityFact }
  | { readonly _tag: 'force-release'; readonly value: NonNullable<DeployFacts['forced']> }
  | { readonly _tag: 'claim'; readonly value: ClaimAttempt }
  | { readonly _tag: 'compat'; readonly value: CompatFact | null };

/** Step calls of one `arbiter deploy` run. */
export const DEPLOY_MAX_STEPS = 12;

/**
 * Merge the answers of one deploy `Need` (one per probe, in probe order) into the facts (push-gate.md §10): each probe sets its
 * own field. An answer missing for a probe or tagged unlike it is skipped. Pure.
 */
export const withDeployAnswer = (facts: DeployFacts, probes: ReadonlyArray<DeployProbe>, answers: ReadonlyArray<DeployProbeAnswer>): DeployFacts =>
  mergeBatch(facts, probes, answers, (f, _p, x): DeployFacts => {
    switch (x._tag) {
      case 'repo':
        return { ...f, repo: x.value };
      case 'refs':
        return { ...f, refs: x.value };
      case 'identity':
        return { ...f, identity: x.value };
      case 'force-release':
        return { ...f, forced: x.value };
      case 'claim':
        return { ...f, claim: x.value };
      case 'compat':
        return { ...f, compat: x.value };
    }
  });

/** `arbiter deploy` for the step driver: {@link deployStep}, {@link withDeployAnswer}, at most {@link DEPLOY_MAX_STEPS} calls. */
export const deployDriver: StepDriver<DeployFacts, ReadonlyArray<DeployProbe>, ReadonlyArray<DeployProbeAnswer>, CliOutcome, DeployEffect> = {
  step: (f) => deployStep(f),
  withAnswer: withDeployAnswer,
  limit: DEPLOY_MAX_STEPS,
};

// ───────────────────────────────────────── lane-cli (push-gate.md §11) ─────────────────────────────────────────

/**
 * Lane argument rule (push-gate.md §11): as V4 (a printed, quoted lane is read back), current branch's lane when
 * omitted. Detached HEAD or a non-deploy branch → die; a result that is not a lane name (push-gate.md §3.2 N5) → die
 * `bad-argument`, so a verb never hands a store a name its codec refuses.
 */
export const laneArg = (arg: string | null, currentBranch: string | null, config: ConfigState): { lane: string } | CliOutcome => {
  if (arg !== null) {
    const lane = laneFromArg(arg);
    return isLaneName(lane) ? { lane } : usage('bad-argument', messages.laneBadArgument('lane', 'a lane name (1–8192 characters, no control character, no unpaired surrogate)', 'a name outside that rule'));
  }
  if (currentBranch === null) return die('no-branch', messages.deployDetachedHead());
  const l = laneFor(`refs/heads/${currentBranch}`, settingsOf(config).deploy_refs);
  if (l === null) return die('non-deploy-ref', messages.deployNotDeployRef(`refs/heads/${currentBranch}`));
  return isLaneName(l) ? { lane: l } : die('bad-argument', messages.laneBadArgument('lane', 'a lane name (1–8192 characters, no control character, no unpaired surrogate)', 'the current branch\'s lane, which is not'));
};

type Fail = { readonly _tag: 'Failure'; readonly kind: string };

/** `lane claim`: answer of `heartbeat` (when our instance held it) or of `claim`. */
export const laneClaimOutcome = (lane: string, r: ClaimAttempt | { readonly _tag: 'Ok'; readonly fence: number } | { readonly _tag: 'Lost'; readonly holder_handle: string | null }): CliOutcome => {
  switch (r._tag) {
    case 'Ok':
      return ok('renewed', messages.laneRenewed(lane, r.fence));
    case 'Lost':
      return die('lost', messages.laneLost(lane, r.holder_handle));
    case 'Granted':
      return ok('claimed', messages.laneClaimed(lane, r.fence));
    case 'Held':
      return die('held-by-other', messages.deployLaneHeld(lane, r.holder_handle));
    default:
      return die('store-failed', messages.laneStoreFailed(r.kind));
  }
};

/** `lane release [--force]`. */
export const laneReleaseOutcome = (lane: string, r: { readonly _tag: 'Released' } | { readonly _tag: 'NotHolder' } | ForceOk | Fail): CliOutcome => {
  switch (r._tag) {
    case 'Released':
      return ok('released', messages.laneReleased(lane));
    case 'NotHolder':
      return ok('not-holder', messages.laneNotHolder(lane));
    case 'Forced':
      return ok('force-released', messages.laneForceReleased(lane, r.previous?.handle ?? null));
    default:
      return r.kind === 'forbidden' ? die('force-forbidden', messages.laneForceDenied()) : die('store-failed', messages.laneStoreFailed(r.kind));
  }
};

/** The most characters of a halt reason after `safeReason` (push-gate.md §11). */
export const HALT_REASON_MAX = 200;

/**
 * A `--session` argument as the person meant it (push-gate.md §11): a printed, quoted session id (push-gate.md §13.1
 * `showSession`) is read back; `null` unless the result matches `SESSION_ID_RE`.
 */
export const sessionArg = (arg: unknown): string | null => {
  if (typeof arg !== 'string') return null;
  const s = nameArg(arg);
  return SESSION_ID_RE.test(s) ? s : null;
};

/**
 * `--session` of `lane halt|unhalt` (push-gate.md §11): `null` when {@link sessionArg} reads a valid session id, else
 * the C-BADARG usage error (exit 2) naming the rule and what was wrong (its length, or a character outside the set).
 */
export const sessionArgError = (session: unknown): CliOutcome | null => {
  if (sessionArg(session) !== null) return null;
  const n = typeof session === 'string' ? [...nameArg(session)].length : 0;
  const got = n < 1 || n > 128 ? `${n} characters` : 'a character outside that set';
  return usage('bad-argument', messages.laneBadArgument('--session', 'a session id of 1–128 characters from A-Z a-z 0-9 _ . : @ -', got));
};

/**
 * `lane halt` argument validation (push-gate.md §11): `null` when valid, else the C-BADARG usage error (exit 2). The
 * session is read by {@link sessionArg}; the reason must have 1–`HALT_REASON_MAX` characters once sanitized
 * (`safeReason`); the error says how many it had.
 */
export const haltArgs = (session: unknown, reason: unknown): CliOutcome | null => {
  const bad = sessionArgError(session);
  if (bad !== null) return bad;
  const n = safeReason(reason, Number.POSITIVE_INFINITY).length;
  if (n >= 1 && n <= HALT_REASON_MAX) return null;
  const expected = `1–${HALT_REASON_MAX} characters once control characters are removed and white space is collapsed`;
  return usage('bad-argument', messages.laneBadArgument('--reason', expected, `${n} characters`));
};

/** `lane halt` result. */
export const laneHaltOutcome = (session: string, r: { readonly _tag: 'Halted'; readonly halt_id: string } | Fail): CliOutcome =>
  r._tag === 'Halted' ? ok('halted', messages.laneHalted(r.halt_id, session)) : die('store-failed', messages.laneStoreFailed(r.kind));

/**
 * `lane unhalt`: self check first, then the store answer; `r` is `null` when the store was not asked (an invalid
 * `--session`: the C-BADARG usage error, exit 2).
 */
export const laneUnhaltOutcome = (ourSession: string, target: string, r: { readonly _tag: 'Unhalted'; readonly count: number } | Fail | null): CliOutcome => {
  if (ourSession === target) return die('self-unhalt', messages.laneUnhaltSelf());
  if (r === null) return sessionArgError(target) ?? die('store-failed', messages.laneStoreFailed('other')); // null: the store was not asked
  if (r._tag === 'Unhalted') return ok('unhalted', messages.laneUnhalted(r.count, target));
  return r.kind === 'forbidden' ? die('unhalt-forbidden', messages.laneUnhaltDenied()) : die('store-failed', messages.laneStoreFailed(r.kind));
};

/** `lane status` lines (fixed formats, sanitized). Ages in seconds. */
export const laneStatusLines = (
  v: StateView,
  audit: ReadonlyArray<{ readonly kind: string; readonly lane: string | null; readonly by_handle: string; readonly age_sec: number }>,
): ReadonlyArray<string> => {
  const out: string[] = [];
  if (v.lanes.length === 0) out.push('lanes: none recorded');
  for (const l of v.lanes) {
    const h = l.holder;
    out.push(
      h === null
        ? `${safeLane(l.lane)}  free  fence ${l.fence}`
        : `${safeLane(l.lane)}  ${safeHandle(h.handle)}  fence ${l.fence}  heartbeat ${fmtAge(h.heartbeat_age_sec)} ago  lease ${Math.round(h.lease_sec / 60)}m${l.expired ? '  expired' : ''}`,
    );
  }
  for (const h of v.halts) out.push(`HALT ${h.halt_id} from ${safeHandle(h.by_handle)} (${fmtAge(h.age_sec)} ago): "${safeReason(h.reason)}"`);
  if (audit.length > 0) out.push('recent audit:');
  for (const a of audit.slice(-10)) out.push(`  ${safeLane(a.kind)}  ${a.lane === null ? '-' : safeLane(a.lane)}  ${safeHandle(a.by_handle)}  ${fmtAge(a.age_sec)} ago`);
  return out;
};

// ───────────────────────────────────────── context (push-gate.md §12) ─────────────────────────────────────────

/** Session-lock line input (session-lock.md §11 formats). */
export type LockLine =
  | { readonly kind: 'free' }
  | { readonly kind: 'ours' }
  | { readonly kind: 'other'; readonly session: string; readonly pid: number; readonly age_sec: number };

/** Data a context block is rendered from (and what the cache stores). */
export interface ContextData {
  readonly view: StateView;
  readonly lock: LockLine | null;
}
export interface ContextFacts {
  readonly agent: Agent;
  readonly event: 'session-start' | 'user-prompt-submit';
  readonly payload: unknown;
  readonly now: number;
  readonly repo?: RepoFact;
  readonly identity?: IdentityFact;
  /** Cache entry (`fetched_at` ms epoch) or null. */
  readonly cache?: { readonly fetched_at: number; readonly data: ContextData } | null;
  readonly state?: StateFact;
  readonly lock?: LockLine | null | 'failed';
  /** Extra lines from pluggable sections (already fixed templates, sanitized by their producers). */
  readonly extra?: ReadonlyArray<string>;
}
export type ContextProbe =
  | { readonly _tag: 'repo'; readonly cwd: string | null }
  | { readonly _tag: 'identity'; readonly session: string | null }
  | { readonly _tag: 'cache' }
  | { readonly _tag: 'state'; readonly session: string }
  | { readonly _tag: 'lock-read' };
export type ContextEffect = { readonly _tag: 'WriteCache'; readonly data: ContextData };
export interface ContextOutcome {
  readonly status: 'none' | 'not-configured' | 'config-invalid' | 'ok' | 'cached' | 'degraded';
  readonly block: string;
}

const repoName = (top: string): string => {
  const base = top.split(/[\\/]/).filter((x) => x !== '').pop() ?? '';
  return base.replace(/[^A-Za-z0-9_.-]/g, '').slice(0, 64);
};

/**
 * Render the coordination block (push-gate.md §12.4): header, health, lanes (max 8), halts, commitments, session lock, extras;
 * cut to `CONTEXT_MAX_CHARS` at a line boundary. `degradedAge` null = fresh data; number = stale cache age (s);
 * `'none'` = degraded without data.
 */
export const renderContextBlock = (
  top: string,
  session: string,
  instance: string | null,
  data: ContextData | null,
  degradedAge: number | null | 'none',
  extra: ReadonlyArray<string> = [],
): string => {
  const lines: string[] = [`arbiter · ${repoName(top)} · session ${showSession(session)}`];
  if (degradedAge === 'none') lines.push('arbiter: DEGRADED — lane store unavailable; no cached data.');
  else if (degradedAge !== null) lines.push(`arbiter: DEGRADED — lane store unavailable; showing data from ${fmtAge(degradedAge)} ago.`);
  if (data !== null) {
    const held = data.view.lanes.filter((l) => l.holder !== null && !l.expired);
    if (held.length === 0) lines.push('lanes: none held');
    for (const l of held.slice(0, 8)) {
      const h = l.holder!;
      lines.push(`lane ${safeLane(l.lane)}: held by ${safeHandle(h.handle)} (heartbeat ${fmtAge(h.heartbeat_age_sec)} ago)${h.instance === instance ? ' — this session' : ''}`);
    }
    if (held.length > 8) lines.push(`… and ${held.length - 8} more`);
    for (const h of data.view.halts.filter((x) => x.open && x.target_session === session)) {
      lines.push(`HALT from ${safeHandle(h.by_handle)} (${fmtAge(h.age_sec)} ago): "${safeReason(h.reason)}" — stop and tell the human before any push.`);
    }
    for (const l of held.filter((x) => x.holder?.instance === instance)) {
      lines.push(`you hold ${safeLane(l.lane)} (fence ${l.fence}) — release with \`arbiter lane release ${safeLane(l.lane)}\` when done.`);
    }
    for (const h of data.view.placed.filter((x) => x.open)) {
      const tgt = showSession(h.target_session);
      lines.push(`you placed halt ${h.halt_id.replace(/[^0-9a-f]/g, '')} on session ${tgt} — lift it with \`arbiter lane unhalt --session ${tgt}\` once resolved.`);
    }
    lines.push(...extra);
    const lk = data.lock;
    if (lk !== null) {
      if (lk.kind === 'free') lines.push('session lock: free');
      else if (lk.kind === 'ours') lines.push('session lock: held by this session');
      else {
        lines.push(`session lock: held by ${showSession(lk.session)} (pid ${Number.isInteger(lk.pid) && lk.pid >= 1 ? lk.pid : '?'}, refreshed ${fmtAge(lk.age_sec)} ago)`);
      }
    }
  } else lines.push(...extra);
  let out = '';
  for (const l of lines) {
    const next = out === '' ? l : `${out}\n${l}`;
    if (next.length > CONTEXT_MAX_CHARS) break;
    out = next;
  }
  return out;
};

/** push-gate.md §12.3 X1–X7. Never blocks; `Done` carries the block (possibly empty) and an optional cache write. */
export const contextStep = (f: ContextFacts): Need<ReadonlyArray<ContextProbe>> | Done<ContextOutcome, ContextEffect> => {
  const p = typeof f.payload === 'object' && f.payload !== null ? (f.payload as Record<string, unknown>) : {};
  const session = typeof p['session_id'] === 'string' ? (p['session_id'] as string) : null;
  const cwd = typeof p['cwd'] === 'string' ? (p['cwd'] as string) : null;
  if (f.repo === undefined) return need([{ _tag: 'repo', cwd }]);
  if (f.repo.kind === 'not-repo') return done({ status: 'none', block: '' }); // X1
  const cfg = f.repo.config;
  if (cfg._tag === 'NotConfigured' || (cfg._tag === 'Configured' && !settingsOf(cfg).enabled)) return done({ status: 'not-configured', block: messages.contextNotConfigured() }); // X2
  if (cfg._tag === 'Invalid') return done({ status: 'config-invalid', block: messages.loudConfigInvalid() });
  if (f.identity === undefined) return need([{ _tag: 'identity', session }]); // X3
  const top = f.repo.top;
  if (!f.identity.ok) return done({ status: 'degraded', block: renderContextBlock(top, session ?? '', null, null, 'none', f.extra) });
  const id = f.identity;
  if (f.cache === undefined) return need([{ _tag: 'cache' }]);
  const age = f.cache === null ? null : f.now - f.cache.fetched_at;
  if (f.cache !== null && age !== null && age >= 0 && age < CONTEXT_CACHE_TTL_MS) {
    return done({ status: 'cached', block: renderContextBlock(top, id.session, id.instance, f.cache.data, null, f.extra) }); // X4
  }
  if (f.state === undefined || f.lock === undefined) {
    const probes: ContextProbe[] = [];
    if (f.state === undefined) probes.push({ _tag: 'state', session: id.session });
    if (f.lock === undefined) probes.push({ _tag: 'lock-read' });
    return need(probes); // X5
  }
  const lock = f.lock === 'failed' ? null : f.lock;
  if (f.state.ok) {
    const data: ContextData = { view: f.state.view, lock };
    return done<ContextOutcome, ContextEffect>({ status: 'ok', block: renderContextBlock(top, id.session, id.instance, data, null, f.extra) }, [{ _tag: 'WriteCache', data }]); // X6
  }
  if (f.cache !== null) {
    return done({ status: 'degraded', block: renderContextBlock(top, id.session, id.instance, { ...f.cache.data, lock }, Math.max(0, (age ?? 0) / 1000), f.extra) }); // X7
  }
  return done({ status: 'degraded', block: renderContextBlock(top, id.session, id.instance, null, 'none', f.extra) });
};

/** Answer to one context probe, tagged like the probe it answers; `cache` also carries the sections' extra lines. */
export type ContextProbeAnswer =
  | { readonly _tag: 'repo'; readonly value: RepoFact }
  | { readonly _tag: 'identity'; readonly value: IdentityFact }
  | { readonly _tag: 'cache'; readonly value: NonNullable<ContextFacts['cache']> | null; readonly extra?: ReadonlyArray<string> }
  | { readonly _tag: 'state'; readonly value: StateFact }
  | { readonly _tag: 'lock-read'; readonly value: LockLine | null | 'failed' };

/** Step calls of one context run. */
export const CONTEXT_MAX_STEPS = 8;

/**
 * Merge the answers of one context `Need` (one per probe, in probe order) into the facts (push-gate.md §12.3): each probe sets its
 * own field (`cache` also `extra` when given). An answer missing for a probe or tagged unlike it is skipped. Pure.
 */
export const withContextAnswer = (facts: ContextFacts, probes: ReadonlyArray<ContextProbe>, answers: ReadonlyArray<ContextProbeAnswer>): ContextFacts =>
  mergeBatch(facts, probes, answers, (f, _p, x): ContextFacts => {
    switch (x._tag) {
      case 'repo':
        return { ...f, repo: x.value };
      case 'identity':
        return { ...f, identity: x.value };
      case 'cache':
        return x.extra === undefined ? { ...f, cache: x.value } : { ...f, cache: x.value, extra: x.extra };
      case 'state':
        return { ...f, state: x.value };
      case 'lock-read':
        return { ...f, lock: x.value };
    }
  });

/** The context block for the step driver: {@link contextStep}, {@link withContextAnswer}, at most {@link CONTEXT_MAX_STEPS} calls. */
export const contextDriver: StepDriver<ContextFacts, ReadonlyArray<ContextProbe>, ReadonlyArray<ContextProbeAnswer>, ContextOutcome, ContextEffect> = {
  step: (f) => contextStep(f),
  withAnswer: withContextAnswer,
  limit: CONTEXT_MAX_STEPS,
};

/**
 * push-gate.md §12.5 rendering: Claude plain stdout; Codex the envelope naming the event that fired, and never an
 * `env` field (Codex 0.171.0 rejects an answer carrying one whole, so the context would be lost; host-protocols.md
 * C7). `_exportSession` is kept for callers of earlier releases and ignored: the git layer under Codex reads the
 * session from `CODEX_THREAD_ID` instead (push-gate.md §4). Pure.
 */
export const renderContext = (agent: Agent, event: 'session-start' | 'user-prompt-submit', block: string, _exportSession: string | null = null): string => {
  if (block === '') return '';
  if (agent === 'claude') return `${block}\n`;
  const hookEventName = event === 'session-start' ? 'SessionStart' : 'UserPromptSubmit';
  return `${JSON.stringify({ hookSpecificOutput: { hookEventName, additionalContext: block } })}\n`;
};

// ───────────────────────────────────────── fences where the action happens (push-gate.md §11.1) ─────────────────────────────────────────

/** A value in single quotes for a POSIX shell (`'` becomes `'\''`). */
const shQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * `arbiter deploy --print-env` (push-gate.md §11.1): one line `ARBITER_LANE='<lane>' ARBITER_FENCE=<n>`, for
 * `eval "$(arbiter deploy --print-env)"` in a deploy script. The lane is shell-quoted (lane names may hold `*`, `;`, `'`).
 */
export const fenceEnvLine = (lane: string, fence: number): string => `ARBITER_LANE=${shQuote(lane)} ARBITER_FENCE=${fence}`;

/** Parse `--fence`: a decimal integer from 0 to 2^53 − 1, else `null`. */
export const parseFence = (s: string): number | null => (/^(0|[1-9][0-9]{0,15})$/.test(s) && Number.isSafeInteger(+s) ? +s : null);

/**
 * `--fence` of `lane assert|heartbeat` (push-gate.md §11.1): `null` when {@link parseFence} reads it, else the C-BADARG
 * usage error (exit 2) naming the rule.
 */
export const fenceArgError = (s: string): CliOutcome | null =>
  parseFence(s) !== null ? null : usage('bad-argument', messages.laneBadArgument('--fence', 'a whole number from 0 to 2^53 − 1', 'something else'));

/**
 * `arbiter lane assert <lane> --fence N` (push-gate.md §11.1), from the store's `state(lane)`: exit 0 (`fence-current`)
 * only while N is the lane's fence and its holder is unexpired; otherwise exit 1 with the reason: `lane-free` (nobody
 * holds it, e.g. released or force-released), `holder-expired` (the holder's lease ran out), `fence-stale` (another
 * grant happened since: N is older than the lane's fence), `fence-unknown` (N is newer than any grant), or
 * `store-failed` (the store could not be read: a deploy must not go ahead on an unverified fence).
 */
export const laneAssertOutcome = (lane: string, fence: number, view: LaneView | null | { readonly _tag: 'Failure'; readonly kind: string }): CliOutcome => {
  if (view !== null && '_tag' in view) return die('store-failed', messages.laneStoreFailed(view.kind));
  const cur = view?.fence ?? 0;
  const l = safeLane(lane);
  if (fence < cur) return die('fence-stale', `arbiter: fence ${fence} is stale: lane ${l} was granted again since (fence ${cur}). Do not act.`);
  if (fence > cur) return die('fence-unknown', `arbiter: fence ${fence} was never granted on lane ${l} (its fence is ${cur}). Do not act.`);
  if (view === null || view.holder === null) return die('lane-free', `arbiter: lane ${l} is not held any more (fence ${cur}). Do not act.`);
  if (view.expired) return die('holder-expired', `arbiter: the lease on lane ${l} (fence ${cur}) has expired. Do not act; claim it again.`);
  return ok('fence-current', `arbiter: fence ${fence} is current on lane ${l}, held by ${safeHandle(view.holder.handle)}.`);
};
