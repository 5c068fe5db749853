/**
 * Decision `push-gate` (push-gate.md §8): the step function over facts, its verdicts, effects and host rendering.
 *
 * Pure: facts in, `Need [probes…]` or `Done {verdict, effects}` out. The hook's driver runs the probes (io-node),
 * adds their answers to the facts and calls `gateStep` again. The ordering rules ("no store or network for a
 * non-deploy ref", "claims in ascending lane order", "no retry after transport") live here so properties prove them.
 */
import { PUSH_GATE_POLICY, PUSH_GATE_POLICY_VERSION } from '../early.js';
import { done, mergeBatch, need, type Done, type Need, type StepDriver } from '../internal/step.js';
import type { ConfigState } from '../config.js';
import { laneFor, matchEntry, settingsOf, sortLanes, type DeployEntry, type LanesSettings } from './config.js';
import type { ClaimMeta, ClaimOk, Holder, StateView } from './lanes.js';
import { STATUS_SCHEMA_OUTDATED } from './lanes.js';
import { messages } from './text.js';
import { classifyPushCommand, commandFromToolInput, resolveInvocationDir } from './classifier.js';
import { refsProbeExpressions, resolveDestinations, type RefsFacts } from './destinations.js';
import { isZeroOid, type PrePushInput } from './pre-push.js';
import type { DirHint, PushClassification, PushInvocation } from './model.js';
import type { Rendered } from '../internal/render.js';
import type { Agent } from '../early.js';

/** Probe `refs` answer: the classifier's `RefsFacts` (push-gate.md §6.9) plus the default push remote (push-gate.md §8.4). */
export type GateRefs = RefsFacts & { readonly default_remote: string | null };

// ───────────────────────────────────────── constants (push-gate.md §2) ─────────────────────────────────────────

export const POLICY = PUSH_GATE_POLICY;
export const POLICY_VERSION = PUSH_GATE_POLICY_VERSION;
export const GATE_WATCHDOG_MS = 4_000;
export const NET_TIMEOUT_MS = 2_500;
export const RETRIES = 2;
/** Wait before retry n (n = 1, 2), ms. */
export const BACKOFF_MS = (n: number): number => 150 * n;
export const RETRY_SAFETY_MS = 250;
export const STDIN_TIMEOUT_MS = 1_500;
export const LOCAL_PROBE_TIMEOUT_MS = 1_000;
export const MAX_PLAN_STEPS = 24;
export const HOOK_LEASE_MIN = 10;
export const GIT_PUSH_LEASE_MIN = 2;
export const STORE_CAS_ATTEMPTS = 5;
export const MAX_COMMAND_CHARS = 65_536;
export const MAX_NESTING = 4;
/** Largest hook stdin accepted, bytes (larger input counts as a bad payload). */
export const STDIN_MAX_BYTES = 1_048_576;

/** push-gate.md §4: accepted `$ARBITER_SESSION` / halt target session ids. */
export const SESSION_ID_RE = /^[A-Za-z0-9_.:@-]{1,128}$/;

// ───────────────────────────────────────── model (push-gate.md §8.3) ─────────────────────────────────────────

/** Decoded PreToolUse / PostToolUse payload (Claude Code and Codex share these fields; host-protocols.md C2–C6). */
export interface AgentPayload {
  readonly tool_name: string | null;
  readonly command: string;
  readonly session_id: string | null;
  readonly cwd: string | null;
  readonly tool_use_id: string | null;
}

const str = (o: Record<string, unknown>, k: string): string | null => (typeof o[k] === 'string' ? (o[k] as string) : null);

/**
 * P1 decoding: an object whose `tool_input` yields a command (`commandFromToolInput`: `command`, Claude's `cmd`, or
 * an argv array). Anything else → `null`.
 * Never throws, even for hostile objects.
 */
export const decodeAgentPayload = (u: unknown): AgentPayload | null => {
  try {
    if (typeof u !== 'object' || u === null || Array.isArray(u)) return null;
    const o = u as Record<string, unknown>;
    const ti = o['tool_input'];
    if (typeof ti !== 'object' || ti === null || Array.isArray(ti)) return null;
    const command = commandFromToolInput(ti);
    if (command === null) return null;
    return { tool_name: str(o, 'tool_name'), command, session_id: str(o, 'session_id'), cwd: str(o, 'cwd'), tool_use_id: str(o, 'tool_use_id') };
  } catch {
    return null;
  }
};

/** Probe `repo` answer. */
export type RepoFact =
  | { readonly kind: 'not-repo' }
  | { readonly kind: 'repo'; readonly top: string; readonly common_dir: string; readonly shallow: boolean; readonly config: ConfigState };

/** Probe `identity` answer (push-gate.md §4). */
export type IdentityFact =
  | { readonly ok: true; readonly member: string; readonly session: string; readonly instance: string; readonly host: string }
  | { readonly ok: false };

/** One claim attempt's result (push-gate.md §5.1 `ClaimResult`). */
export type ClaimAttempt = ClaimOk | { readonly _tag: 'Failure'; readonly kind: 'transport' | 'contended' | 'forbidden' | 'other'; readonly status: string };

/** Probe `compat` answer; `remote_present` = the remote id exists locally (git mode C2). */
export interface CompatFact {
  readonly result: 'fast-forward' | 'behind' | 'new-ref' | 'unknown' | 'not-applicable';
  readonly remote_present: boolean;
}

/** Probe `state` answer; a failed read counts as "no halts" (H1, C3). */
export type StateFact = { readonly ok: true; readonly view: StateView } | { readonly ok: false };

/** git-mode input (push-gate.md §8.3 `prepush`). */
export interface PrePushFact {
  readonly remote_name: string;
  readonly remote_url: string;
  readonly input: PrePushInput;
}

/** Everything the gate knows so far. Probe answers are absent until the driver adds them. */
export interface GateFacts {
  readonly mode: 'agent' | 'git';
  readonly agent: Agent | null;
  /** Agent mode: the parsed stdin JSON (anything). */
  readonly payload?: unknown;
  /**
   * Agent mode, optional: `classifyPushCommand` of the payload's command, stored by {@link prepareFacts} so steps do
   * not re-lex the command. Must be the classification of this payload's command.
   */
  readonly classification?: PushClassification;
  /**
   * Agent mode, optional: `decodeAgentPayload(payload)` (`null` = not a payload, P1), stored by {@link prepareFacts} so
   * later steps do not decode the payload again. Must be the decoding of this facts' `payload`.
   */
  readonly agent_payload?: AgentPayload | null;
  /**
   * Agent mode, optional: the preparation of a `Push` classification (push-gate.md §6.7 H3 filtering and the details known
   * before P10), stored by {@link prepareFacts}. Must be derived from this facts' `classification` and payload `cwd`.
   */
  readonly agent_prep?: AgentPrep;
  /**
   * Optional: the lane settings of `repo.config` (push-gate.md §3.1), stored by {@link prepareFacts} (which
   * {@link withAnswer} calls when `repo` arrives); used only while `of` is that very config object.
   */
  readonly settings?: Derived<ConfigState, LanesSettings>;
  /** Agent mode, optional: the P8 answer (push-gate.md §8.6 P8) of `agent_prep`, used only while `of` is the settings' deploy-ref list. */
  readonly agent_p8?: Derived<ReadonlyArray<DeployEntry>, P8Early>;
  /**
   * Optional: P10's deploy targets (push-gate.md §8.6 P10), stored by {@link prepareFacts} (which {@link withAnswer}
   * calls when `refs` or `repo` arrives); used only while every fact it was computed from is the same object.
   */
  readonly resolved?: ResolvedFact;
  /** git mode. */
  readonly prepush?: PrePushFact;
  readonly dry_run: boolean;
  readonly break_glass: boolean;
  readonly break_glass_reason: string | null;
  /** ms since process start, refreshed before every step. */
  readonly elapsed_ms: number;
  readonly repo?: RepoFact;
  readonly refs?: GateRefs;
  readonly identity?: IdentityFact;
  /** Per lane, attempts in order. */
  readonly claims?: Readonly<Record<string, ReadonlyArray<ClaimAttempt>>>;
  /** Per destination ref. */
  readonly compat?: Readonly<Record<string, CompatFact>>;
  readonly state?: StateFact;
}

// ───────────────────────────────────────── probes, verdicts, effects ─────────────────────────────────

export type GateProbe =
  | { readonly _tag: 'repo'; readonly cwd: string | null; readonly dir_hints: ReadonlyArray<DirHint> }
  | { readonly _tag: 'refs'; readonly exprs: ReadonlyArray<string> }
  | { readonly _tag: 'identity'; readonly session: string | null }
  | { readonly _tag: 'claim'; readonly lane: string; readonly attempt: number; readonly delay_ms: number; readonly meta: ClaimMeta }
  | {
      readonly _tag: 'compat';
      readonly ref: string;
      readonly remote: string | null;
      readonly src_oid: string | null;
      /** git mode: the remote id from stdin (null = create); agent mode: undefined (ask the remote). */
      readonly remote_oid?: string | null;
    }
  | { readonly _tag: 'state'; readonly lane: string; readonly session: string };

export type GateReason =
  | 'bad-payload'
  | 'not-a-push'
  | 'not-a-repo'
  | 'not-configured'
  | 'non-deploy-ref'
  | 'nothing-to-gate'
  | 'claimed'
  | 'config-invalid'
  | 'dry-run'
  | 'identity-unavailable'
  | 'break-glass'
  | 'store-unreachable'
  | 'store-contended'
  | 'store-failed'
  | 'watchdog'
  | 'plan-limit'
  | 'state-guard-disabled'
  | 'held-by-other'
  | 'halted'
  | 'behind-remote'
  | 'force-rewrite';

export type GateDetail = 'compat-unknown' | 'no-verify' | 'dir-uncertain' | 'other-repo-skipped' | 'fallback-classification';

/** Every reason with its verdict tag (push-gate.md §8.5). */
export const GATE_REASONS: Readonly<Record<GateReason, GateVerdict['_tag']>> = {
  'bad-payload': 'Allow',
  'not-a-push': 'Allow',
  'not-a-repo': 'Allow',
  'not-configured': 'Allow',
  'non-deploy-ref': 'Allow',
  'nothing-to-gate': 'Allow',
  claimed: 'Allow',
  'config-invalid': 'AllowLoud',
  'dry-run': 'AllowLoud',
  'identity-unavailable': 'AllowLoud',
  'break-glass': 'AllowLoud',
  'store-unreachable': 'AllowLoud',
  'store-contended': 'AllowLoud',
  'store-failed': 'AllowLoud',
  watchdog: 'AllowLoud',
  'plan-limit': 'AllowLoud',
  'state-guard-disabled': 'AllowLoud',
  'held-by-other': 'Ask',
  halted: 'Block',
  'behind-remote': 'Block',
  'force-rewrite': 'Block',
};

/** The verdict (push-gate.md §8.5). `reasons` = `[reason, ...details]`. Message data is kept sanitizable, never free text. */
export interface GateVerdict {
  readonly _tag: 'Allow' | 'AllowLoud' | 'Ask' | 'Block';
  readonly reason: GateReason;
  readonly reasons: ReadonlyArray<string>;
  readonly details: ReadonlyArray<GateDetail>;
  readonly lanes: ReadonlyArray<string>;
  /** The lane the message names. */
  readonly lane: string | null;
  readonly fresh: ReadonlyArray<string>;
  readonly holder_handle?: string;
  readonly heartbeat_age_sec?: number;
  readonly failure_kind?: 'transport' | 'contended' | 'forbidden' | 'other';
  /** K6: `migrate` when the store failed with {@link STATUS_SCHEMA_OUTDATED} (its schema needs `arbiter db migrate`). */
  readonly store_fix?: 'migrate';
  readonly target_ref?: string;
  readonly remote?: string | null;
}

/** Effects as data (push-gate.md §8.8). */
export type GateEffect =
  | { readonly _tag: 'ReleaseLane'; readonly lane: string; readonly instance: string }
  | { readonly _tag: 'ForceReleaseThenClaim'; readonly lane: string; readonly by: Holder; readonly reason: string | null; readonly meta: ClaimMeta }
  | { readonly _tag: 'PostStatus'; readonly lane: string; readonly body: string; readonly by: Holder }
  | {
      readonly _tag: 'WritePending';
      /** `agent:session:tool_use_id` (or `agent:session:command`); the adapter hashes it (SHA-256, 32 hex). */
      readonly key_material: string;
      readonly instance: string;
      readonly lanes: ReadonlyArray<{ readonly lane: string; readonly fence: number }>;
    };

export type GateStep = Need<ReadonlyArray<GateProbe>> | Done<GateVerdict, GateEffect>;

const verdict = (reason: GateReason, rest: Partial<Omit<GateVerdict, '_tag' | 'reason' | 'reasons'>> = {}): GateVerdict => {
  const details = rest.details ?? [];
  return {
    _tag: GATE_REASONS[reason],
    reason,
    reasons: [reason, ...details],
    details,
    lanes: rest.lanes ?? [],
    lane: rest.lane ?? null,
    fresh: rest.fresh ?? [],
    ...rest,
  };
};

const fin = (v: GateVerdict, effects: ReadonlyArray<GateEffect> = []): GateStep => done<GateVerdict, GateEffect>(v, effects);

/** The verdict a driver renders when the watchdog fires before a verdict (push-gate.md §14 rule 2). */
export const watchdogVerdict = (): GateVerdict => verdict('watchdog');
/** The verdict a driver renders after `MAX_PLAN_STEPS` step calls (push-gate.md §2). */
export const planLimitVerdict = (): GateVerdict => verdict('plan-limit');
/**
 * The verdict when Arbiter's state-directory lock is disabled (state-lock.md §8): the gate cannot record a claim,
 * so it allows loudly without touching the lane store (fail-open).
 */
export const guardDisabledVerdict = (): GateVerdict => verdict('state-guard-disabled');

// ───────────────────────────────────────── target analysis (P8–P10) ─────────────────────────────────

/** A deploy target after resolution. */
export interface DeployTarget {
  readonly ref: string;
  readonly lane: string;
  readonly src_oid: string | null;
  readonly remote: string | null;
  readonly force: boolean;
  /** git mode only. */
  readonly remote_oid?: string | null;
}

const anyHeadsPattern = (p: ReadonlyArray<DeployEntry>): boolean => p.some((e) => e.pattern.startsWith('refs/heads/'));
const anyTagsPattern = (p: ReadonlyArray<DeployEntry>): boolean => p.some((e) => e.pattern.startsWith('refs/tags/'));
const m = (ref: string, p: ReadonlyArray<DeployEntry>): boolean => matchEntry(ref, p) !== null;

/** P8 for one invocation: true when some non-deletion target could match a deploy pattern before resolution. */
const invocationCouldMatch = (inv: PushInvocation, p: ReadonlyArray<DeployEntry>): boolean => {
  if (inv.broad.includes('all') && anyHeadsPattern(p)) return true;
  if (inv.broad.includes('tags') && anyTagsPattern(p)) return true;
  for (const tg of inv.targets) {
    if (tg.op === 'delete') continue;
    const { src, dst } = tg;
    if (src.kind === 'unknown' || dst.kind === 'unknown' || inv.fallback) {
      if (anyHeadsPattern(p)) return true;
      continue;
    }
    if (dst.kind === 'ref' && m(dst.ref, p)) return true;
    if (dst.kind === 'name' && (m(`refs/heads/${dst.name}`, p) || m(`refs/tags/${dst.name}`, p))) return true;
    if (dst.kind === 'same') {
      if ((src.kind === 'current' || src.kind === 'head') && anyHeadsPattern(p)) return true;
      if (src.kind === 'ref' && m(src.ref, p)) return true;
      if (src.kind === 'name' && (m(`refs/heads/${src.name}`, p) || m(`refs/tags/${src.name}`, p))) return true;
    }
  }
  return false;
};

const onlyDeletions = (invs: ReadonlyArray<PushInvocation>): boolean =>
  invs.every((i) => i.broad.length === 0 && i.targets.every((t) => t.op === 'delete'));

/**
 * push-gate.md §6.7 H3: keep only the invocations that run in the same directory as the first one (directory hints applied to
 * the payload `cwd` by `resolveInvocationDir`). Returns `c` itself when every invocation is kept.
 */
const sameRepoOnly = (c: Extract<PushClassification, { _tag: 'Push' }>, cwd: string | null): Extract<PushClassification, { _tag: 'Push' }> => {
  if (c.invocations.length < 2) return c;
  const base = cwd !== null && cwd.startsWith('/') ? cwd : '/';
  const key = (i: PushInvocation): string => JSON.stringify(resolveInvocationDir(base, i.dir_hints));
  const first = key(c.invocations[0] as PushInvocation);
  const kept = c.invocations.filter((i) => key(i) === first);
  return kept.length === c.invocations.length ? c : { ...c, invocations: kept };
};

/** git-mode stdin lines when readable (`Lines`), else `null`. */
const linesOf = (inp: PrePushInput | undefined) => (inp !== undefined && inp._tag === 'Lines' ? inp.lines : null);

type PushCls = Extract<PushClassification, { _tag: 'Push' }>;

/** Agent-mode preparation derived from one classification (P3 onwards): H3 filtering and the details known before P10. */
export interface AgentPrep {
  /** The classification after H3 (`sameRepoOnly`). */
  readonly c: PushCls;
  /** Details known before P10 (frozen: shared by every verdict of the run). */
  readonly details: ReadonlyArray<GateDetail>;
}

/** A value derived from another fact, valid while `of` is (by identity) the fact it was derived from. */
export interface Derived<K, V> {
  readonly of: K;
  readonly value: V;
}

/** P8 in agent mode: the early verdict reason, or `null` when some target could match a deploy pattern. */
export type P8Early = 'nothing-to-gate' | 'non-deploy-ref' | null;

/** The agent preparation (push-gate.md §8.6 P3 onwards) of a Push classification for a payload `cwd`. Pure. */
const buildPrep = (c0: PushCls, cwd: string | null): AgentPrep => {
  // H3: one repository per run — the first invocation's; pushes elsewhere are left to the git layer.
  const c = sameRepoOnly(c0, cwd);
  const details: GateDetail[] = [];
  if (c.invocations.length < c0.invocations.length) details.push('other-repo-skipped');
  if (c.confidence === 'fallback') details.push('fallback-classification');
  if (c.invocations.some((i) => i.no_verify)) details.push('no-verify');
  if (c.invocations[0]?.dir_uncertain === true) details.push('dir-uncertain');
  return { c, details: Object.freeze(details) };
};

/** P8 in agent mode for `prep` under the deploy-ref list `P`. Pure. */
const agentP8 = (prep: AgentPrep, P: ReadonlyArray<DeployEntry>): P8Early => {
  const invs = prep.c.invocations;
  return onlyDeletions(invs) ? 'nothing-to-gate' : !invs.some((i) => invocationCouldMatch(i, P)) ? 'non-deploy-ref' : null;
};

/** P10's result. */
export interface Resolved {
  readonly targets: ReadonlyArray<DeployTarget>;
  readonly extraLanes: ReadonlyArray<string>;
  readonly sawNonDelete: boolean;
  readonly fallback: boolean;
  /** N4 of the targets' lanes and `extraLanes` (frozen: shared by every verdict of the run). */
  readonly lanes: ReadonlyArray<string>;
  /** The targets on `refs/heads/` (the ones compat is asked for). */
  readonly headTargets: ReadonlyArray<DeployTarget>;
}

/** P10's result with the facts it was computed from (compared by identity before it is used). */
export interface ResolvedFact {
  readonly mode: GateFacts['mode'];
  readonly refs: GateRefs | undefined;
  readonly cls: PushClassification | null;
  readonly prepush: PrePushFact | undefined;
  readonly deploy_refs: ReadonlyArray<DeployEntry>;
  readonly value: Resolved;
}

/** P10: deploy targets (push-gate.md §6.9 in agent mode; remote refs of create/update lines in git mode; unreadable → current). */
const resolveTargets = (
  f: GateFacts,
  cls: PushClassification | null,
  P: ReadonlyArray<DeployEntry>,
  gitLines: NonNullable<ReturnType<typeof linesOf>>,
  gitUnreadable: boolean,
): Resolved => {
  const targets: DeployTarget[] = [];
  const extraLanes: string[] = [];
  let sawNonDelete = false;
  let fallback = false;
  if (f.mode === 'agent' && f.refs !== undefined && cls !== null) {
    const r = resolveDestinations(cls, f.refs, P);
    fallback = r.confidence === 'fallback';
    extraLanes.push(...r.shared_lanes.map((l) => l.lane));
    if (r.shared_lanes.length > 0) sawNonDelete = true;
    for (const t of r.targets) {
      sawNonDelete = true;
      const lane = laneFor(t.ref, P);
      if (lane !== null) targets.push({ ref: t.ref, lane, src_oid: t.src_oid, remote: t.remote ?? f.refs.default_remote, force: t.force });
    }
  } else if (gitUnreadable) {
    const cb = f.refs?.head_branch ?? null;
    if (cb !== null) {
      sawNonDelete = true;
      const ref = `refs/heads/${cb}`;
      const lane = laneFor(ref, P);
      if (lane !== null) targets.push({ ref, lane, src_oid: f.refs?.head_oid ?? null, remote: f.prepush?.remote_name ?? null, force: false, remote_oid: undefined });
    }
  } else {
    for (const l of gitLines) {
      if (l.op === 'delete') continue;
      sawNonDelete = true;
      const lane = laneFor(l.remote_ref, P);
      const remoteOid = isZeroOid(l.remote_oid) ? null : l.remote_oid.toLowerCase();
      if (lane !== null) targets.push({ ref: l.remote_ref, lane, src_oid: l.local_oid.toLowerCase(), remote: f.prepush?.remote_name ?? null, force: false, remote_oid: remoteOid });
    }
  }
  const lanes = Object.freeze(sortLanes([...targets.map((t) => t.lane), ...extraLanes]));
  const headTargets = targets.filter((t) => t.ref.startsWith('refs/heads/'));
  return { targets, extraLanes, sawNonDelete, fallback, lanes, headTargets };
};

/** P10 from the `resolved` fact when it was computed from these facts, else computed now. Pure. */
const resolvedOf = (
  f: GateFacts,
  cls: PushClassification | null,
  P: ReadonlyArray<DeployEntry>,
  gitLines: NonNullable<ReturnType<typeof linesOf>>,
  gitUnreadable: boolean,
): Resolved => {
  const r = f.resolved;
  if (r !== undefined && r.mode === f.mode && r.refs === f.refs && r.cls === cls && r.prepush === f.prepush && r.deploy_refs === P) return r.value;
  return resolveTargets(f, cls, P, gitLines, gitUnreadable);
};

/** K3/H/C: `ReleaseLane` for every lane this run freshly claimed, in claim order. */
const releasesOf = (fresh: ReadonlyArray<string>, instance: string): GateEffect[] =>
  fresh.map((lane) => ({ _tag: 'ReleaseLane', lane, instance }));

/** The compat probe of one head target (git mode with readable stdin carries the remote id from stdin). */
const compatProbeOf = (t: DeployTarget, withRemoteOid: boolean): GateProbe =>
  withRemoteOid
    ? { _tag: 'compat', ref: t.ref, remote: t.remote, src_oid: t.src_oid, remote_oid: t.remote_oid ?? null }
    : { _tag: 'compat', ref: t.ref, remote: t.remote, src_oid: t.src_oid };

const holderOf = (id: Extract<IdentityFact, { ok: true }>): Holder => ({ handle: id.member, session: id.session, instance: id.instance, host: id.host });

const NO_CLAIMS: Readonly<Record<string, ReadonlyArray<ClaimAttempt>>> = Object.freeze({});
const NO_COMPAT: Readonly<Record<string, CompatFact>> = Object.freeze({});
const NO_ATTEMPTS: ReadonlyArray<ClaimAttempt> = Object.freeze([]);
const NO_INVOCATIONS: ReadonlyArray<PushInvocation> = Object.freeze([]);
const NO_DETAILS: ReadonlyArray<GateDetail> = Object.freeze([]);
const NO_LINES: NonNullable<ReturnType<typeof linesOf>> = Object.freeze([]);

// ───────────────────────────────────────── the step function (push-gate.md §8.6) ─────────────────────────────────

/**
 * Classification of the payload's command (agent mode), exposed for logging: the `classification` fact when the run
 * prepared it (`prepareFacts`), else computed. Pure.
 */
export const classificationOf = (f: GateFacts): PushClassification | null => {
  if (f.classification !== undefined) return f.classification;
  const p = decodeAgentPayload(f.payload);
  return p === null ? null : classifyPushCommand(p.command);
};

/**
 * The facts with the values worth computing once per run stored as facts (push-gate.md §8.3), so that no step decodes,
 * classifies or resolves again and the kernel keeps no state between calls:
 * - agent mode: `agent_payload` (the decoded payload), `classification` (of its command, also for a non-`Bash` tool)
 *   and, for a `Push`, `agent_prep` (H3 filtering and details), each only when absent;
 * - `settings` of `repo.config` when it is `Configured` and `settings` is absent or was derived from another config;
 * - agent mode: `agent_p8` (P8 of `agent_prep`) under the current settings' deploy refs;
 * - `resolved` (P10) once the facts P10 reads are present and P8 lets the run reach P10, unless its keys still match.
 * Facts that need nothing new are returned unchanged (same object). Pure, idempotent; the drivers call it on the
 * initial facts and {@link withAnswer} calls it after every merge.
 */
export const prepareFacts = (facts: GateFacts): GateFacts => {
  let f = facts;
  if (f.mode === 'agent') {
    if (f.agent_payload === undefined) f = { ...f, agent_payload: decodeAgentPayload(f.payload) };
    const p = f.agent_payload as AgentPayload | null;
    if (p === null) return f;
    if (f.classification === undefined) f = { ...f, classification: classifyPushCommand(p.command) };
    const c = f.classification as PushClassification;
    if (c._tag === 'Push' && f.agent_prep === undefined) f = { ...f, agent_prep: buildPrep(c, p.cwd) };
  }
  const cfg = f.repo?.kind === 'repo' ? f.repo.config : undefined;
  if (cfg === undefined || cfg._tag !== 'Configured') return f;
  if (f.settings?.of !== cfg) f = { ...f, settings: { of: cfg, value: settingsOf(cfg) } };
  const s = (f.settings as Derived<ConfigState, LanesSettings>).value;
  if (!s.enabled) return f;
  const P = s.deploy_refs;
  const prep = f.agent_prep;
  let cls: PushClassification | null = null;
  if (f.mode === 'agent') {
    if (prep === undefined) return f;
    if (f.agent_p8?.of !== P) f = { ...f, agent_p8: { of: P, value: agentP8(prep, P) } };
    if ((f.agent_p8 as Derived<ReadonlyArray<DeployEntry>, P8Early>).value !== null || f.refs === undefined) return f;
    cls = prep.c;
  }
  const gitInput = linesOf(f.prepush?.input);
  const gitUnreadable = f.mode === 'git' && gitInput === null;
  if (gitUnreadable && f.refs === undefined) return f;
  const r = f.resolved;
  if (r !== undefined && r.mode === f.mode && r.refs === f.refs && r.cls === cls && r.prepush === f.prepush && r.deploy_refs === P) return f;
  const value = resolveTargets(f, cls, P, gitInput ?? NO_LINES, gitUnreadable);
  return { ...f, resolved: { mode: f.mode, refs: f.refs, cls, prepush: f.prepush, deploy_refs: P, value } };
};

/** Answer to one gate probe, tagged like the probe it answers. */
export type GateProbeAnswer =
  | { readonly _tag: 'repo'; readonly value: RepoFact }
  | { readonly _tag: 'refs'; readonly value: GateRefs }
  | { readonly _tag: 'identity'; readonly value: IdentityFact }
  | { readonly _tag: 'claim'; readonly value: ClaimAttempt }
  | { readonly _tag: 'compat'; readonly value: CompatFact }
  | { readonly _tag: 'state'; readonly value: StateFact };

/**
 * Answer to one `Need`: one answer per probe, in the order of the `Need`'s probes, and the gate's clock after they
 * ran (`elapsed_ms`, ms since process start; a simulation adds each claim's `delay_ms` and its simulated costs).
 */
export interface GateAnswers {
  readonly answers: ReadonlyArray<GateProbeAnswer>;
  readonly elapsed_ms: number;
}

/**
 * Merge the answers of one `Need` into the facts (push-gate.md §8.4), in probe order: `repo`, `refs`, `identity`, `state` set
 * their fact; a `claim` appends its attempt to its lane's list; a `compat` sets its destination ref's entry; then
 * `elapsed_ms` becomes the answers' clock. An answer missing for a probe or tagged unlike it is skipped (the probe
 * stays unanswered). Then {@link prepareFacts} stores what the new answers let it derive once (`settings` when `repo`
 * arrives, `resolved` when `refs` arrives). Pure; the only merge of gate probe answers (the hooks' driver and the
 * simulations use it).
 */
export const withAnswer = (facts: GateFacts, probes: ReadonlyArray<GateProbe>, a: GateAnswers): GateFacts => {
  const f = mergeBatch(facts, probes, a.answers, (g, p, x): GateFacts => {
    switch (x._tag) {
      case 'repo':
        return { ...g, repo: x.value };
      case 'refs':
        return { ...g, refs: x.value };
      case 'identity':
        return { ...g, identity: x.value };
      case 'claim': {
        const lane = (p as Extract<GateProbe, { _tag: 'claim' }>).lane;
        return { ...g, claims: { ...(g.claims ?? {}), [lane]: [...(g.claims?.[lane] ?? []), x.value] } };
      }
      case 'compat': {
        const ref = (p as Extract<GateProbe, { _tag: 'compat' }>).ref;
        return { ...g, compat: { ...(g.compat ?? {}), [ref]: x.value } };
      }
      case 'state':
        return { ...g, state: x.value };
    }
  });
  return prepareFacts({ ...f, elapsed_ms: a.elapsed_ms });
};

/** The gate for the step driver: {@link gateStep}, {@link withAnswer}, at most `MAX_PLAN_STEPS` calls (→ plan-limit). */
export const driver: StepDriver<GateFacts, ReadonlyArray<GateProbe>, GateAnswers, GateVerdict, GateEffect> = {
  step: (f) => gateStep(f),
  withAnswer,
  limit: MAX_PLAN_STEPS,
};

/**
 * The gate step function (push-gate.md §8.6 rules P1–P13, K1–K6, F0–F1, H1–H3, C1–C5, first match wins; F1 is
 * checked before K3–K6, branch H and branch C once the first claim has an answer).
 *
 * @param f facts so far (see {@link GateFacts}); settings come from `f.repo.config`.
 * @returns `Need` with a non-empty list of probes, or `Done` with the verdict and its effects. Total: never throws
 *   on facts of the declared types.
 */
export const gateStep = (f: GateFacts): GateStep => {
  // ── preparation ──
  let invs: ReadonlyArray<PushInvocation> = NO_INVOCATIONS;
  let cls: PushClassification | null = null;
  let details: ReadonlyArray<GateDetail> = NO_DETAILS;
  let session: string | null = null;
  let payload: AgentPayload | null = null;
  let prep: AgentPrep | null = null;
  const agentMode = f.mode === 'agent';
  if (agentMode) {
    payload = f.agent_payload !== undefined ? f.agent_payload : decodeAgentPayload(f.payload);
    if (payload === null) return fin(verdict('bad-payload')); // P1
    if (payload.tool_name !== null && payload.tool_name !== 'Bash') return fin(verdict('not-a-push')); // P2
    const c0 = f.classification ?? classifyPushCommand(payload.command);
    if (c0._tag === 'NotPush') return fin(verdict('not-a-push')); // P3
    prep = f.agent_prep ?? buildPrep(c0, payload.cwd); // H3 and details
    cls = prep.c;
    invs = prep.c.invocations;
    details = prep.details;
    session = payload.session_id;
  } else {
    const lines = linesOf(f.prepush?.input);
    if (lines !== null && !lines.some((l) => l.op !== 'delete')) return fin(verdict('nothing-to-gate')); // P3
  }
  if (f.repo === undefined) return need([{ _tag: 'repo', cwd: payload?.cwd ?? null, dir_hints: invs[0]?.dir_hints ?? [] }]); // P4
  if (f.repo.kind === 'not-repo') return fin(verdict('not-a-repo')); // P5
  const cfg = f.repo.config;
  if (cfg._tag === 'NotConfigured') return fin(verdict('not-configured')); // P6
  if (cfg._tag === 'Invalid') return fin(verdict('config-invalid')); // P7
  const s: LanesSettings = f.settings !== undefined && f.settings.of === cfg ? f.settings.value : settingsOf(cfg);
  if (!s.enabled) return fin(verdict('not-configured')); // P6
  const P = s.deploy_refs;

  // P8
  const gitInput = linesOf(f.prepush?.input);
  const gitLines = gitInput ?? NO_LINES;
  const gitUnreadable = f.mode === 'git' && gitInput === null;
  if (prep !== null) {
    const early = f.agent_p8 !== undefined && f.agent_p8.of === P ? f.agent_p8.value : agentP8(prep, P);
    if (early !== null) return fin(verdict(early, { details }));
  } else if (gitUnreadable) {
    if (!anyHeadsPattern(P)) return fin(verdict('non-deploy-ref'));
  } else if (!gitLines.some((l) => l.op !== 'delete' && m(l.remote_ref, P))) {
    return fin(verdict('non-deploy-ref'));
  }
  // P9
  if (f.refs === undefined && (agentMode || gitUnreadable)) return need([{ _tag: 'refs', exprs: cls === null ? [] : refsProbeExpressions(cls) }]);
  // P10
  const res = resolvedOf(f, cls, P, gitLines, gitUnreadable);
  if (res.fallback && !details.includes('fallback-classification')) details = [...details, 'fallback-classification'];
  const { lanes, headTargets } = res;
  if (!res.sawNonDelete) return fin(verdict('nothing-to-gate', { details }));
  if (lanes.length === 0) return fin(verdict('non-deploy-ref', { details }));
  const first = lanes[0] as string;
  // P11
  if (f.dry_run || s.dry_run) return fin(verdict('dry-run', { details, lanes, lane: first }));
  // P12
  if (f.identity === undefined) return need([{ _tag: 'identity', session }]);
  if (!f.identity.ok) return fin(verdict('identity-unavailable', { details, lanes, lane: first }));
  const id = f.identity;
  const leaseMin = agentMode ? s.hook_lease_minutes : s.git_push_lease_minutes;
  // P13
  if (f.break_glass) {
    const me = holderOf(id);
    const meta: ClaimMeta = { intent: 'break-glass', eta_minutes: leaseMin };
    return fin(verdict('break-glass', { details, lanes, lane: first }), [
      ...lanes.map((lane): GateEffect => ({ _tag: 'ForceReleaseThenClaim', lane, by: me, reason: f.break_glass_reason, meta })),
      { _tag: 'PostStatus', lane: first, body: messages.postBreakGlass(first, id.member, f.break_glass_reason), by: me },
    ]);
  }

  // ── claiming (K1–K6), with the forced-rewrite rule F1 ahead of every claim outcome ──
  const claims = f.claims ?? NO_CLAIMS;
  const compat = f.compat ?? NO_COMPAT;
  const fresh: string[] = [];
  const freshFences: { lane: string; fence: number }[] = [];
  const withRemoteOid = f.mode === 'git' && !gitUnreadable;
  // The first lane whose latest attempt is not `Granted` (K1 when it has none, K3–K6 otherwise); `null` = all granted.
  let open: {
    readonly index: number;
    readonly lane: string;
    readonly attempts: ReadonlyArray<ClaimAttempt>;
    /** `undefined` = no attempt yet. */
    readonly last: Exclude<ClaimAttempt, { readonly _tag: 'Granted' }> | undefined;
  } | null = null;
  for (let i = 0; i < lanes.length; i++) {
    const lane = lanes[i] as string;
    const attempts = claims[lane] ?? NO_ATTEMPTS;
    const last = attempts[attempts.length - 1];
    if (last !== undefined && last._tag === 'Granted') {
      // K2
      if (!last.reclaimed) {
        fresh.push(lane);
        freshFences.push({ lane, fence: last.fence });
      }
      continue;
    }
    open = { index: i, lane, attempts, last };
    break;
  }
  // F1: once the first claim has an answer, a confirmed forced rewrite blocks, whoever holds the lane and whatever
  // the store said (push-gate.md §8.6 F1): checked before K3–K6, branch H and branch C.
  if ((claims[first]?.length ?? 0) > 0) {
    const t = forcedRewriteOf(headTargets, compat, agentMode, s.block_force_rewrite);
    if (t !== null) {
      return fin(verdict('force-rewrite', { details, lanes, lane: t.lane, fresh, target_ref: t.ref, remote: t.remote }), releasesOf(fresh, id.instance));
    }
  }
  if (open !== null) {
    const { index, lane, attempts, last } = open;
    if (last === undefined) {
      // K1 (compat together with the first claim)
      const probes: GateProbe[] = [{ _tag: 'claim', lane, attempt: 1, delay_ms: 0, meta: { intent: 'push', eta_minutes: leaseMin } }];
      if (index === 0) for (const t of headTargets) if (compat[t.ref] === undefined) probes.push(compatProbeOf(t, withRemoteOid));
      return need(probes);
    }
    if (last._tag === 'Failure' && last.kind === 'contended') {
      const n = attempts.length; // retry number
      if (n <= RETRIES && f.elapsed_ms + BACKOFF_MS(n) + NET_TIMEOUT_MS + RETRY_SAFETY_MS <= GATE_WATCHDOG_MS) {
        return need([{ _tag: 'claim', lane, attempt: n + 1, delay_ms: BACKOFF_MS(n), meta: { intent: 'push', eta_minutes: leaseMin } }]); // K5
      }
    }
    // F0: before a verdict on a held lane or a store failure, the compat answers F1 could block on (joins K1's probes).
    const awaited = headTargets.filter((t) => compat[t.ref] === undefined && s.block_force_rewrite && (!agentMode || t.force));
    if (awaited.length > 0) return need(awaited.map((t) => compatProbeOf(t, withRemoteOid)));
    if (last._tag === 'Held') {
      // Branch H
      if (f.state === undefined) return need([{ _tag: 'state', lane, session: id.session }]); // H1
      const hd = { details, lanes, lane, fresh };
      if (haltedFor(f.state, id.session)) return fin(verdict('halted', hd), releasesOf(fresh, id.instance)); // H2
      return fin(verdict('held-by-other', { ...hd, holder_handle: last.holder_handle, heartbeat_age_sec: last.heartbeat_age_sec }), releasesOf(fresh, id.instance)); // H3
    }
    // Failure
    const base = { details, lanes, lane, fresh, failure_kind: last.kind, ...(last.kind === 'other' && last.status === STATUS_SCHEMA_OUTDATED ? { store_fix: 'migrate' as const } : {}) };
    if (last.kind === 'transport') return fin(verdict('store-unreachable', base), releasesOf(fresh, id.instance)); // K4
    if (last.kind === 'contended') {
      return fin(verdict('store-contended', base), [...releasesOf(fresh, id.instance), { _tag: 'PostStatus', lane, body: messages.postGateSkipped(lane, true), by: holderOf(id) }]); // K5
    }
    return fin(verdict('store-failed', base), [...releasesOf(fresh, id.instance), { _tag: 'PostStatus', lane, body: messages.postGateSkipped(lane, false), by: holderOf(id) }]); // K6
  }

  // ── branch C: every lane granted ──
  for (const t of headTargets) if (compat[t.ref] === undefined) return need([compatProbeOf(t, withRemoteOid)]); // C1
  let unknown = false;
  for (const t of headTargets) {
    const c = compat[t.ref] as CompatFact;
    if (c.result === 'unknown') unknown = true;
    if (c.result !== 'behind') continue;
    // A rewrite was blocked by F1 when `lanes.block_force_rewrite` is on; with it off the target is passed over.
    if (agentMode ? t.force : c.remote_present) continue;
    return fin(verdict('behind-remote', { details, lanes, lane: t.lane, fresh, target_ref: t.ref, remote: t.remote }), releasesOf(fresh, id.instance)); // C2
  }
  if (f.state === undefined) return need([{ _tag: 'state', lane: first, session: id.session }]); // C3
  if (haltedFor(f.state, id.session)) return fin(verdict('halted', { details, lanes, lane: first, fresh }), releasesOf(fresh, id.instance)); // C4
  const d2: ReadonlyArray<GateDetail> = unknown ? [...details, 'compat-unknown'] : details;
  const effects: GateEffect[] =
    agentMode && freshFences.length > 0 && payload !== null
      ? [{ _tag: 'WritePending', key_material: pendingKeyMaterial(f.agent ?? 'claude', payload), instance: id.instance, lanes: freshFences }]
      : [];
  // C5: built directly (same fields, same order as `verdict('claimed', {details, lanes, lane, fresh})`).
  return done<GateVerdict, GateEffect>(
    { _tag: 'Allow', reason: 'claimed', reasons: d2.length === 0 ? ['claimed'] : ['claimed', ...d2], details: d2, lanes, lane: first, fresh },
    effects,
  );
};

/**
 * F1 (push-gate.md §8.6): the first deploy target, in target order, whose push is a confirmed forced rewrite: its compat
 * answer is `behind` and the push rewrites it — in agent mode the target or its invocation is forced (`+refspec`,
 * `-f`, `--force`, `--force-with-lease`, `--force-if-includes`, as the classifier sets `force`), in git mode the remote
 * id is present locally (git feeds the hook a non-fast-forward line over a known tip only for a forced push, push-gate.md §8.6 C2
 * note). `null` when `lanes.block_force_rewrite` is off, when a compat answer is missing, `unknown`, `new-ref` or
 * `fast-forward`. Pure.
 */
export const forcedRewriteOf = (
  headTargets: ReadonlyArray<DeployTarget>,
  compat: Readonly<Record<string, CompatFact>>,
  agentMode: boolean,
  blockForceRewrite: boolean,
): DeployTarget | null => {
  if (!blockForceRewrite) return null;
  for (const t of headTargets) {
    const c = compat[t.ref];
    if (c !== undefined && c.result === 'behind' && (agentMode ? t.force : c.remote_present)) return t;
  }
  return null;
};

/** H2/C4: the kernel re-checks that a returned halt is open and directed at `session`. */
export const haltedFor = (st: StateFact, session: string): boolean =>
  st.ok && st.view.halts.some((h) => h.open === true && h.target_session === session);

/** push-gate.md §8.8 pending-marker key material: `agent:session:tool_use_id`, or `agent:session:command` without an id. */
export const pendingKeyMaterial = (agent: string, p: AgentPayload): string =>
  `${agent}:${p.session_id ?? ''}:${p.tool_use_id ?? p.command}`;

// ───────────────────────────────────────── messages and host rendering (push-gate.md §13.2, push-gate.md §14) ───────────────────

/**
 * Who is behind a push the git layer gates (push-gate.md §14 rule 4): `person` for a terminal, `codex` when the
 * command runs inside a Codex agent (`CODEX_THREAD_ID` set), which can neither answer an ask nor see a warning.
 */
export type GitCaller = 'person' | 'codex';

/**
 * True when a held lane refuses rather than warns or asks (push-gate.md §14 rule 4): on Codex's PreToolUse, and in
 * the git layer under a Codex agent.
 */
const heldRefuses = (host: Agent | 'git', caller: GitCaller): boolean => host === 'codex' || (host === 'git' && caller === 'codex');

/**
 * The fixed message of a verdict, or `null` for a silent `Allow`. `host` (and, for `git`, `caller`) chooses A-HELD
 * (Claude Code), B-HELD (Codex, and git under a Codex agent) or W-HELD (a person's git push).
 */
export const gateMessage = (v: GateVerdict, host: Agent | 'git', caller: GitCaller = 'person'): string | null => {
  const n = v.lanes.length;
  switch (v.reason) {
    case 'config-invalid':
      return messages.loudConfigInvalid();
    case 'dry-run':
      return messages.loudDryRun(v.lane, n);
    case 'identity-unavailable':
      return messages.loudNoIdentity(v.lane);
    case 'break-glass':
      return messages.loudBreakGlass(v.lane, n);
    case 'store-unreachable':
      return messages.loudStoreUnreachable(v.lane);
    case 'store-contended':
      return messages.loudStoreBusy(v.lane);
    case 'store-failed':
      return messages.loudStoreRefused(v.failure_kind, v.lane, v.store_fix);
    case 'watchdog':
      return messages.loudWatchdog();
    case 'plan-limit':
      return messages.loudPlanLimit();
    case 'state-guard-disabled':
      return messages.loudStateGuard();
    case 'held-by-other':
      return host === 'claude'
        ? messages.askLaneHeld(v.lane, v.holder_handle, v.heartbeat_age_sec)
        : heldRefuses(host, caller)
          ? messages.deniedLaneHeld(v.lane, v.holder_handle, v.heartbeat_age_sec)
          : messages.warnLaneHeld(v.lane, v.holder_handle, v.heartbeat_age_sec);
    case 'halted':
      return messages.blockedByHalt();
    case 'behind-remote':
      return messages.blockedBehindRemote(v.target_ref, v.remote);
    case 'force-rewrite':
      return messages.blockedHistoryRewrite(v.target_ref);
    default:
      return null;
  }
};

/** What a hook process prints and returns (the kernel's one `Rendered`, internal/render.ts); for the gate `stdout` holds at most one JSON object plus a line feed. */
export type { Rendered };

/**
 * push-gate.md §14 rendering table: one verdict, one host. `caller` matters for `git` only: an `Ask` under a Codex
 * agent renders as a `Block` (exit 1, B-HELD), a person's push keeps W-HELD and exit 0. On Codex an `Ask` is a deny
 * naming the holder (rule 4). Pure.
 */
export const renderGate = (v: GateVerdict, host: Agent | 'git', caller: GitCaller = 'person'): Rendered => {
  const msg = gateMessage(v, host, caller);
  const json = (o: unknown): string => `${JSON.stringify(o)}\n`;
  if (v._tag === 'Allow' || msg === null) return { exit: 0, stdout: '', stderr: '' };
  const refuse = v._tag === 'Block' || (v._tag === 'Ask' && heldRefuses(host, caller));
  if (!refuse && (v._tag === 'AllowLoud' || host !== 'claude')) {
    return host === 'git' ? { exit: 0, stdout: '', stderr: `${msg}\n` } : { exit: 0, stdout: json({ systemMessage: msg }), stderr: '' };
  }
  if (!refuse) {
    return { exit: 0, stdout: json({ hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: 'ask', permissionDecisionReason: msg } }), stderr: '' };
  }
  if (host === 'claude') return { exit: 2, stdout: '', stderr: `${msg}\n` };
  if (host === 'codex') {
    return { exit: 0, stdout: json({ hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: 'deny', permissionDecisionReason: msg } }), stderr: '' };
  }
  return { exit: 1, stdout: '', stderr: `${msg}\n` };
};

/** Effect kinds and lanes for the decision log (DL3 `effects`: no payloads). */
export const effectSummary = (e: GateEffect): string =>
  e._tag === 'WritePending' ? `write-pending:${e.lanes.map((l) => l.lane).join(',')}` : `${e._tag}:${e.lane}`;
