/**
 * The `land` decision (land.md §3–§6): one session lands its branch onto a target ref through the landing queue of
 * the target's deploy lane. Given what was probed so far (the working tree, the queue, the lane claim, the fetched
 * remote tip, the rebase or merge, the check, the fence assertion, the push), it names the next step or ends with
 * an outcome and its effects.
 *
 * Sections follow architecture.md "One decision, one module": model → decision → verdict → messages → table.
 * Pure: no I/O, no clock, no randomness. Times, ids and every answer arrive as facts.
 */
import { done, need, runStepsSync, type Done, type Need, type StepDriver } from '../internal/step.js';
import { sanitizeLine } from '../internal/text.js';
import type { DecisionTable } from '../internal/table.js';
import type { LaneView } from '../push-gate/lanes.js';
import type { TicketView } from './queue.js';

// ───────────────────────────────────────── constants (land.md §3) ─────────────────────────────────────────

/** Policy id written to the decision log. */
export const POLICY = 'land';
/** Policy version (semver). */
export const POLICY_VERSION = '0.1.0';
/** Pushes one land may try: the first, plus one retry from fetch per lease rejection (land.md §3). */
export const MAX_ATTEMPTS = 5;
/** Default bound on the check command, minutes; accepted range (land.md §3). */
export const DEFAULT_CHECK_TIMEOUT_MIN = 30;
export const CHECK_TIMEOUT_MIN = 1;
export const CHECK_TIMEOUT_MAX = 1_440;
/** How often a waiter looks at the queue again, ms; the next in line (position ≤ 2) looks every {@link POLL_NEXT_MS}. */
export const POLL_MS = 1_000;
export const POLL_NEXT_MS = 250;

/** The pause before a waiter at 1-based `position` looks at the queue again, ms (land.md §3). */
export const pollMs = (position: number): number => (position <= 2 ? POLL_NEXT_MS : POLL_MS);
/** How often the ticket and (while held) the lane are refreshed, ms. */
export const HEARTBEAT_MS = 2_000;
/** Lease asked for with each lane claim, minutes; the heartbeat keeps it alive while the land works. */
export const LAND_LEASE_MIN = 1;
/** Recent landing durations the ETA uses (newest first). */
export const ETA_SAMPLES = 10;
/** Prefix of the backup ref: `refs/arbiter/land/<branch>` holds the branch as it was before `land`. */
export const BACKUP_PREFIX = 'refs/arbiter/land/';
/** Transient store failures in a row a waiter tolerates before it stops (`store-failed`). */
export const MAX_STORE_FAILURES = 10;
/** Hard bound on the steps of one land (about five hours of waiting at {@link POLL_MS}). */
export const MAX_STEPS = 20_000;
/** Longest name (branch, remote, ref, handle) shown in a message, code points. */
export const NAME_MAX = 120;

/** The backup ref of `branch` (land.md §4 LD3). */
export const backupRef = (branch: string): string => `${BACKUP_PREFIX}${branch}`;

// ───────────────────────────────────────── model (land.md §4) ─────────────────────────────────────────

/** What this land was asked to do (from the verb's options and the repository). */
export interface LandConfig {
  /** The deploy lane of the target (push-gate.md §3.2 N3), whose queue and claim this land uses. */
  readonly lane: string;
  /** Remote name or URL to fetch from and push to. */
  readonly remote: string;
  /** Full target ref on the remote, e.g. `refs/heads/main`. */
  readonly onto: string;
  readonly strategy: 'rebase' | 'merge';
  /** True when a check command was given (LD10 runs it; otherwise the land pushes unchecked). */
  readonly check: boolean;
  /** Bound on the check, ms. */
  readonly check_timeout_ms: number;
  readonly dry_run: boolean;
  /** Pushes this land may try, ≥ 1 ({@link MAX_ATTEMPTS} unless a test says otherwise). */
  readonly max_attempts: number;
}

/** The working tree before anything runs (LD1). `head` is the branch's commit id. */
export type StartFact =
  | { readonly ok: true; readonly branch: string | null; readonly head: string | null; readonly clean: boolean; readonly busy: boolean }
  | { readonly ok: false; readonly detail: string };

/**
 * A look at the queue (the answer of `Enqueue` and `Wait`, LD4/LD7): this ticket's view, the whole live queue, the
 * lane as the store sees it, the open halts directed at this session, and recent landing durations (ms, newest
 * first) for the ETA. `refreshed` is the store's answer: false on a later look means the ticket had been withdrawn.
 */
export type QueueFact =
  | {
      readonly ok: true;
      readonly ticket: TicketView;
      readonly refreshed: boolean;
      readonly queue: ReadonlyArray<TicketView>;
      readonly lane: LaneView | null;
      readonly halts: number;
      readonly durations: ReadonlyArray<number>;
    }
  | { readonly ok: false; readonly kind: 'transport' | 'contended' | 'forbidden' | 'other' };

/** The dry run's read-only look: the live queue and the lane (LD2). */
export type PeekFact = { readonly ok: true; readonly queue: ReadonlyArray<TicketView>; readonly lane: LaneView | null; readonly durations: ReadonlyArray<number> } | { readonly ok: false };

/** The lane claim (LD7). */
export type ClaimFact =
  | { readonly _tag: 'Granted'; readonly fence: number }
  | { readonly _tag: 'Held'; readonly holder_handle: string }
  | { readonly _tag: 'Failure'; readonly kind: 'transport' | 'contended' | 'forbidden' | 'other' };

/** `git fetch <remote> <onto>`: the remote tip (`null` when the remote lacks the ref). */
export type FetchFact = { readonly ok: true; readonly tip: string | null } | { readonly ok: false; readonly detail: string };

/** The branch rebased (or merged) onto the tip, starting from the branch as it was before `land` (LD9). */
export type IntegrateFact =
  | { readonly _tag: 'Integrated'; readonly commit: string }
  | { readonly _tag: 'Conflict' }
  | { readonly _tag: 'Failed'; readonly detail: string };

/** The check command's end (LD10). `head` is the commit checked out when it ended. */
export type CheckFact =
  | { readonly _tag: 'Passed'; readonly head: string | null }
  | { readonly _tag: 'Failed'; readonly code: number | null }
  | { readonly _tag: 'TimedOut' }
  | { readonly _tag: 'Error'; readonly detail: string };

/** The lane right before the push (LD11): its view (`null` when never claimed) and halts directed at us. */
export type AssertFact = { readonly ok: true; readonly view: LaneView | null; readonly halts: number } | { readonly ok: false };

/** `git push --force-with-lease` (LD12). `LeaseRejected`: the remote ref is no longer the tip we rebased onto. */
export type PushFact =
  | { readonly _tag: 'Pushed' }
  | { readonly _tag: 'LeaseRejected' }
  | { readonly _tag: 'Rejected'; readonly detail: string }
  | { readonly _tag: 'Failed'; readonly detail: string };

/** One attempt: fetch, integrate, check, assert, push (a lease rejection starts the next one, LD12). */
export interface Attempt {
  readonly fetch: FetchFact;
  readonly integrate?: IntegrateFact;
  readonly check?: CheckFact;
  readonly assert?: AssertFact;
  readonly push?: PushFact;
}

/** Facts of one land (land.md §4). */
export interface LandFacts {
  readonly config: LandConfig;
  /** This session's lane-store instance and session id (push-gate.md §4). */
  readonly me: { readonly instance: string; readonly session: string };
  readonly start?: StartFact;
  readonly peek?: PeekFact;
  /** The backup ref was written (true) or could not be (false). */
  readonly backup?: boolean;
  /** The latest look at the queue; absent until the ticket was asked for. */
  readonly queue?: QueueFact;
  /** The latest claim answer while not holding; cleared by the next look at the queue. */
  readonly claim?: ClaimFact;
  /** The fence the lane was granted under (kept once granted). */
  readonly fence?: number;
  /** Attempts so far, oldest first. */
  readonly attempts: ReadonlyArray<Attempt>;
  /** A signal asked the land to stop (any probe may answer `Interrupted`). */
  readonly interrupted: boolean;
  /** Transient store failures (transport, contended) in a row while waiting. */
  readonly store_failures: number;
}

/** The facts a land starts from. */
export const initialFacts = (config: LandConfig, me: LandFacts['me']): LandFacts => ({ config, me, attempts: [], interrupted: false, store_failures: 0 });

// ───────────────────────────────────────── probes, outcomes, effects (land.md §4–§5) ─────────────────────────────────────

/** Probes, each one step of the land. */
export type Probe =
  | { readonly _tag: 'Start' }
  | { readonly _tag: 'Peek'; readonly lane: string }
  | { readonly _tag: 'Backup'; readonly ref: string; readonly oid: string }
  | { readonly _tag: 'Enqueue'; readonly lane: string; readonly branch: string }
  | { readonly _tag: 'Wait'; readonly lane: string; readonly branch: string; readonly position: number; readonly of: number; readonly ahead: string | null; readonly eta_ms: number | null }
  | { readonly _tag: 'Claim'; readonly lane: string }
  | { readonly _tag: 'Fetch'; readonly remote: string; readonly ref: string; readonly attempt: number }
  | { readonly _tag: 'Integrate'; readonly strategy: 'rebase' | 'merge'; readonly branch: string; readonly base: string; readonly onto: string }
  | { readonly _tag: 'Check'; readonly commit: string; readonly timeout_ms: number }
  | { readonly _tag: 'Assert'; readonly lane: string }
  | { readonly _tag: 'Push'; readonly remote: string; readonly ref: string; readonly commit: string; readonly lease: string };

/** The answer to a probe; `Interrupted` may answer any of them (a signal arrived while it ran). */
export type Answer =
  | { readonly _tag: 'Start'; readonly value: StartFact }
  | { readonly _tag: 'Peek'; readonly value: PeekFact }
  | { readonly _tag: 'Backup'; readonly ok: boolean }
  | { readonly _tag: 'Enqueue'; readonly value: QueueFact }
  | { readonly _tag: 'Wait'; readonly value: QueueFact }
  | { readonly _tag: 'Claim'; readonly value: ClaimFact }
  | { readonly _tag: 'Fetch'; readonly value: FetchFact }
  | { readonly _tag: 'Integrate'; readonly value: IntegrateFact }
  | { readonly _tag: 'Check'; readonly value: CheckFact }
  | { readonly _tag: 'Assert'; readonly value: AssertFact }
  | { readonly _tag: 'Push'; readonly value: PushFact }
  | { readonly _tag: 'Interrupted' };

/** Reasons a land stops without landing (land.md §5). Stable public contract. */
export type StopReason =
  | 'git-failed'
  | 'detached-head'
  | 'operation-in-progress'
  | 'dirty-worktree'
  | 'no-commits'
  | 'backup-failed'
  | 'store-failed'
  | 'ticket-lost'
  | 'halted'
  | 'interrupted'
  | 'fetch-failed'
  | 'target-missing'
  | 'rebase-conflict'
  | 'merge-conflict'
  | 'integrate-failed'
  | 'check-failed'
  | 'check-timeout'
  | 'check-error'
  | 'check-moved-head'
  | 'fence-lost'
  | 'push-rejected'
  | 'push-failed'
  | 'retries-exhausted';

/** Every stop reason, in rule order. */
export const STOP_REASONS: ReadonlyArray<StopReason> = [
  'git-failed',
  'detached-head',
  'operation-in-progress',
  'dirty-worktree',
  'no-commits',
  'backup-failed',
  'store-failed',
  'ticket-lost',
  'halted',
  'interrupted',
  'fetch-failed',
  'target-missing',
  'rebase-conflict',
  'merge-conflict',
  'integrate-failed',
  'check-failed',
  'check-timeout',
  'check-error',
  'check-moved-head',
  'fence-lost',
  'push-rejected',
  'push-failed',
  'retries-exhausted',
];

/** How a land ends. */
export type Outcome =
  | { readonly _tag: 'Landed'; readonly reason: 'landed'; readonly commit: string; readonly onto: string; readonly attempts: number; readonly fence: number }
  | { readonly _tag: 'UpToDate'; readonly reason: 'nothing-to-land'; readonly tip: string }
  | { readonly _tag: 'DryRun'; readonly reason: 'dry-run'; readonly position: number; readonly holder: string | null; readonly eta_ms: number | null }
  | { readonly _tag: 'Stopped'; readonly reason: StopReason };

/** Every reason code of this policy. */
export type Reason = Outcome['reason'];

/**
 * Effects the driver runs after `Done`, in order (land.md §5 LD13–LD14). `Restore` puts the branch back on `oid`
 * (aborting a rebase or merge in progress first); the backup ref is deleted only after a landing.
 */
export type Effect =
  | { readonly _tag: 'Restore'; readonly branch: string; readonly oid: string }
  | { readonly _tag: 'Release'; readonly lane: string }
  | { readonly _tag: 'Dequeue'; readonly lane: string }
  | { readonly _tag: 'DeleteBackup'; readonly ref: string }
  | { readonly _tag: 'RecordLanding'; readonly lane: string };

export type LandStep = Need<Probe> | Done<Outcome, Effect>;

// ───────────────────────────────────────── ETA (land.md §3) ─────────────────────────────────────────

/**
 * ETA of a waiter at 1-based `position`, ms: the median of the newest {@link ETA_SAMPLES} landing durations (ms,
 * newest first; non-finite or negative ones ignored) times the landings ahead (`position − 1`, at least one).
 * `null` when no duration is known.
 */
export const etaMs = (position: number, durations: ReadonlyArray<number>): number | null => {
  const d = durations.filter((x) => Number.isFinite(x) && x >= 0).slice(0, ETA_SAMPLES).sort((a, b) => a - b);
  if (d.length === 0) return null;
  const mid = Math.floor(d.length / 2);
  const median = d.length % 2 === 1 ? (d[mid] as number) : ((d[mid - 1] as number) + (d[mid] as number)) / 2;
  return Math.round(median * Math.max(1, position - 1));
};

// ───────────────────────────────────────── decision (land.md §4 LD1–LD12) ─────────────────────────────────────────

const last = <A>(xs: ReadonlyArray<A>): A | undefined => xs[xs.length - 1];

/** The effects of a stop (LD13): restore once the backup exists, release a granted lane, withdraw a ticket asked for. */
const stopEffects = (f: LandFacts): ReadonlyArray<Effect> => {
  const s = f.start;
  const out: Effect[] = [];
  if (f.backup === true && s?.ok === true && s.branch !== null && s.head !== null) out.push({ _tag: 'Restore', branch: s.branch, oid: s.head });
  if (f.fence !== undefined) out.push({ _tag: 'Release', lane: f.config.lane });
  if (f.queue !== undefined) out.push({ _tag: 'Dequeue', lane: f.config.lane });
  return out;
};

const stop = (f: LandFacts, reason: StopReason): LandStep => done<Outcome, Effect>({ _tag: 'Stopped', reason }, stopEffects(f));

/** The holder of the lane as a short display name, or null when free or expired. */
const holderOf = (lane: LaneView | null): string | null => (lane !== null && lane.holder !== null && !lane.expired ? lane.holder.handle : null);

/**
 * The land step function (land.md §4, rules LD1–LD12, first match wins).
 *
 * @param f the facts so far.
 * @returns `Need` of the next probe, or `Done` with the outcome and its effects. A stop after the backup always
 *   carries `Restore` to the branch's commit before `land`; after a claim it carries `Release`; after the ticket
 *   was asked for, `Dequeue`. Never throws on well-typed facts.
 */
export const landStep = (f: LandFacts): LandStep => {
  const c = f.config;
  // LD1: the working tree.
  if (f.start === undefined) return need<Probe>({ _tag: 'Start' });
  const s = f.start;
  if (!s.ok) return stop(f, 'git-failed');
  if (s.branch === null) return stop(f, 'detached-head');
  if (s.busy) return stop(f, 'operation-in-progress');
  if (!s.clean) return stop(f, 'dirty-worktree');
  if (s.head === null) return stop(f, 'no-commits');
  // LD5: a signal stops the land from here on.
  if (f.interrupted) return stop(f, 'interrupted');
  // LD2: a dry run reads the queue and ends.
  if (c.dry_run) {
    if (f.peek === undefined) return need<Probe>({ _tag: 'Peek', lane: c.lane });
    if (!f.peek.ok) return stop(f, 'store-failed');
    const position = f.peek.queue.filter((t) => t.instance !== f.me.instance).length + 1;
    return done<Outcome, Effect>({ _tag: 'DryRun', reason: 'dry-run', position, holder: holderOf(f.peek.lane), eta_ms: etaMs(position, f.peek.durations) });
  }
  // LD3: the backup ref before anything can move the branch.
  if (f.backup === undefined) return need<Probe>({ _tag: 'Backup', ref: backupRef(s.branch), oid: s.head });
  if (!f.backup) return stop(f, 'backup-failed');
  // LD4: a ticket.
  if (f.queue === undefined) return need<Probe>({ _tag: 'Enqueue', lane: c.lane, branch: s.branch });
  const q = f.queue;
  if (!q.ok || f.store_failures >= MAX_STORE_FAILURES) return stop(f, 'store-failed');
  // LD6: a halt directed at this session stops it.
  if (q.halts > 0) return stop(f, 'halted');
  if (f.fence !== undefined) return holding(f, s.branch, s.head);
  // LD7: wait for the head of the queue, then claim the lane.
  if (!q.refreshed) return stop(f, 'ticket-lost');
  const waitFor = (ahead: string | null): LandStep =>
    need<Probe>({ _tag: 'Wait', lane: c.lane, branch: s.branch as string, position: q.ticket.position, of: q.queue.length, ahead, eta_ms: etaMs(q.ticket.position, q.durations) });
  if (q.ticket.position > 1) return waitFor(q.queue[0]?.handle ?? null);
  if (f.claim === undefined) return need<Probe>({ _tag: 'Claim', lane: c.lane });
  if (f.claim._tag === 'Held') return waitFor(f.claim.holder_handle);
  if (f.claim._tag === 'Failure') return f.claim.kind === 'transport' || f.claim.kind === 'contended' ? waitFor(holderOf(q.lane)) : stop(f, 'store-failed');
  return holding(f, s.branch, s.head); // Granted: withAnswer recorded the fence
};

/** LD8–LD12: the lane is ours under `f.fence`; one attempt after another. */
const holding = (f: LandFacts, branch: string, head: string): LandStep => {
  const c = f.config;
  const a = last(f.attempts);
  // LD8: fetch (first attempt, or a retry after a lease rejection while attempts remain).
  if (a === undefined || (a.push?._tag === 'LeaseRejected' && f.attempts.length < c.max_attempts)) {
    return need<Probe>({ _tag: 'Fetch', remote: c.remote, ref: c.onto, attempt: f.attempts.length + 1 });
  }
  if (!a.fetch.ok) return stop(f, 'fetch-failed');
  const tip = a.fetch.tip;
  if (tip === null) return stop(f, 'target-missing');
  // LD9: rebase or merge the branch as it was before land onto the tip.
  if (a.integrate === undefined) return need<Probe>({ _tag: 'Integrate', strategy: c.strategy, branch, base: head, onto: tip });
  if (a.integrate._tag === 'Conflict') return stop(f, c.strategy === 'rebase' ? 'rebase-conflict' : 'merge-conflict');
  if (a.integrate._tag === 'Failed') return stop(f, 'integrate-failed');
  const commit = a.integrate.commit;
  if (commit === tip) return done<Outcome, Effect>({ _tag: 'UpToDate', reason: 'nothing-to-land', tip }, stopEffects(f));
  // LD10: the check, on exactly this commit.
  if (c.check) {
    if (a.check === undefined) return need<Probe>({ _tag: 'Check', commit, timeout_ms: c.check_timeout_ms });
    if (a.check._tag === 'Failed') return stop(f, 'check-failed');
    if (a.check._tag === 'TimedOut') return stop(f, 'check-timeout');
    if (a.check._tag === 'Error') return stop(f, 'check-error');
    if (a.check.head !== commit) return stop(f, 'check-moved-head');
  }
  // LD11: the lane is still ours under our fence, and no halt is directed at us.
  if (a.assert === undefined) return need<Probe>({ _tag: 'Assert', lane: c.lane });
  if (!a.assert.ok) return stop(f, 'store-failed');
  if (a.assert.halts > 0) return stop(f, 'halted');
  const v = a.assert.view;
  if (v === null || v.expired || v.holder === null || v.holder.instance !== f.me.instance || v.fence !== f.fence) return stop(f, 'fence-lost');
  // LD12: push exactly the checked commit, leased on the tip it was built on.
  if (a.push === undefined) return need<Probe>({ _tag: 'Push', remote: c.remote, ref: c.onto, commit, lease: tip });
  if (a.push._tag === 'Pushed') {
    return done<Outcome, Effect>({ _tag: 'Landed', reason: 'landed', commit, onto: tip, attempts: f.attempts.length, fence: f.fence as number }, [
      { _tag: 'Release', lane: c.lane },
      { _tag: 'Dequeue', lane: c.lane },
      { _tag: 'DeleteBackup', ref: backupRef(branch) },
      { _tag: 'RecordLanding', lane: c.lane },
    ]);
  }
  if (a.push._tag === 'LeaseRejected') return stop(f, 'retries-exhausted'); // attempts used up (LD8 retries otherwise)
  return stop(f, a.push._tag === 'Rejected' ? 'push-rejected' : 'push-failed');
};

const setLast = (f: LandFacts, patch: Partial<Attempt>): LandFacts => {
  const a = last(f.attempts);
  return a === undefined ? f : { ...f, attempts: [...f.attempts.slice(0, -1), { ...a, ...patch }] };
};

/**
 * Merge a probe's answer into the facts (land.md §4). Pure. A `Wait` answer replaces the queue look and clears a
 * refused claim; a `Claim` grant records the fence; a `Fetch` answer opens a new attempt; the other answers fill the
 * current attempt. `Interrupted` sets `interrupted`. An answer whose tag does not match the probe is ignored.
 */
export const withAnswer = (f: LandFacts, p: Probe, a: Answer): LandFacts => {
  if (a._tag === 'Interrupted') return { ...f, interrupted: true };
  if (a._tag !== p._tag) return f;
  switch (a._tag) {
    case 'Start':
      return { ...f, start: a.value };
    case 'Peek':
      return { ...f, peek: a.value };
    case 'Backup':
      return { ...f, backup: a.ok };
    case 'Enqueue':
      return { ...f, queue: a.value.ok ? { ...a.value, refreshed: true } : a.value };
    case 'Wait': {
      const { claim: _claim, ...rest } = f;
      // a transient store failure keeps the last good look and counts; a good look resets the count
      if (!a.value.ok && f.queue?.ok === true && (a.value.kind === 'transport' || a.value.kind === 'contended')) return { ...rest, store_failures: f.store_failures + 1 };
      return { ...rest, queue: a.value, store_failures: 0 };
    }
    case 'Claim':
      return a.value._tag === 'Granted' ? { ...f, claim: a.value, fence: a.value.fence } : { ...f, claim: a.value };
    case 'Fetch':
      return { ...f, attempts: [...f.attempts, { fetch: a.value }] };
    case 'Integrate':
      return setLast(f, { integrate: a.value });
    case 'Check':
      return setLast(f, { check: a.value });
    case 'Assert':
      return setLast(f, { assert: a.value });
    case 'Push':
      return setLast(f, { push: a.value });
  }
};

/** The land for the step driver. Probes repeat (waits, retries), so there is no `probeKey`. */
export const driver: StepDriver<LandFacts, Probe, Answer, Outcome, Effect> = { step: landStep, withAnswer, limit: MAX_STEPS };

// ───────────────────────────────────────── messages (land.md §6) ─────────────────────────────────────────

/** Names as messages show them: one line, at most {@link NAME_MAX} code points, `?` when empty. */
const nm = (s: unknown): string => sanitizeLine(s, NAME_MAX) || '?';
/** `refs/heads/main` → `main`. */
const shortRef = (ref: string): string => (ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : ref);
/** Seconds, rounded up, for an ETA. */
const secs = (ms: number): string => `${Math.max(1, Math.ceil(ms / 1000))} s`;

/** Names a message interpolates (all sanitized here). */
export interface MessageContext {
  readonly branch: string;
  readonly remote: string;
  readonly onto: string;
  /** Path of the check's log file, when a check ran. */
  readonly log: string | null;
}

/**
 * The progress line of a waiter (land.md §6 LM1), exactly:
 * `arbiter land: waiting — position <p> of <n> on <lane target>, <who> ahead[, ETA ~<s>]`.
 */
export const waitLine = (p: Extract<Probe, { _tag: 'Wait' }>, onto: string): string =>
  `arbiter land: waiting \u2014 position ${p.position} of ${Math.max(p.of, p.position)} for ${nm(shortRef(onto))}, ${p.ahead === null ? 'the lane is busy' : `${nm(p.ahead)} ahead`}${p.eta_ms === null ? '' : `, ETA ~${secs(p.eta_ms)}`}`;

/** The line printed before each step that changes something (land.md §6 LM2). */
export const stepLine = (p: Probe, ctx: MessageContext): string | null => {
  switch (p._tag) {
    case 'Claim':
      return `arbiter land: at the head of the queue, claiming the lane for ${nm(shortRef(ctx.onto))}`;
    case 'Fetch':
      return `arbiter land: fetching ${nm(ctx.remote)} ${nm(shortRef(p.ref))} (attempt ${p.attempt})`;
    case 'Integrate':
      return `arbiter land: ${p.strategy === 'rebase' ? 'rebasing' : 'merging'} ${nm(p.branch)} onto ${p.onto.slice(0, 12)}`;
    case 'Check':
      return `arbiter land: running the check on ${p.commit.slice(0, 12)}${ctx.log === null ? '' : ` (log: ${nm(ctx.log)})`}`;
    case 'Push':
      return `arbiter land: pushing ${p.commit.slice(0, 12)} to ${nm(ctx.remote)} ${nm(shortRef(p.ref))} (lease ${p.lease.slice(0, 12)})`;
    default:
      return null;
  }
};

/**
 * The final message of a land (land.md §6 LM3–LM4): one fixed template per reason, naming what happened and the next
 * step. Interpolates only sanitized names and commit ids.
 */
export const outcomeMessage = (o: Outcome, ctx: MessageContext): string => {
  const b = nm(ctx.branch);
  const t = `${nm(ctx.remote)} ${nm(shortRef(ctx.onto))}`;
  const kept = `Your branch ${b} is as it was before arbiter land.`;
  const log = ctx.log === null ? '' : ` The check's output is in ${nm(ctx.log)}.`;
  switch (o._tag) {
    case 'Landed':
      return `arbiter land: landed ${o.commit.slice(0, 12)} on ${t} (attempt ${o.attempts}).`;
    case 'UpToDate':
      return `arbiter land: nothing to land \u2014 ${b} is already contained in ${t}. ${kept}`;
    case 'DryRun':
      return `arbiter land: dry run \u2014 ${b} would take position ${o.position} for ${t}${o.holder === null ? '' : `; the lane is held by ${nm(o.holder)}`}${o.eta_ms === null ? '' : `; ETA ~${secs(o.eta_ms)}`}. Nothing was changed.`;
    case 'Stopped':
      switch (o.reason) {
        case 'git-failed':
          return 'arbiter land: stopped \u2014 git could not read this repository. Nothing was changed. Run arbiter land inside a git work tree.';
        case 'detached-head':
          return 'arbiter land: stopped \u2014 HEAD is detached. Nothing was changed. Check out the branch to land, then run arbiter land again.';
        case 'operation-in-progress':
          return 'arbiter land: stopped \u2014 a rebase, merge, cherry-pick or revert is in progress. Nothing was changed. Finish or abort it, then run arbiter land again.';
        case 'dirty-worktree':
          return 'arbiter land: stopped \u2014 the work tree has uncommitted changes to tracked files. Nothing was changed. Commit or stash them, then run arbiter land again.';
        case 'no-commits':
          return 'arbiter land: stopped \u2014 the branch has no commits. Nothing was changed.';
        case 'backup-failed':
          return `arbiter land: stopped \u2014 the backup ref of ${b} could not be written. Nothing was changed.`;
        case 'store-failed':
          return `arbiter land: stopped \u2014 the lane store did not answer. ${kept} Check arbiter lane status, then run arbiter land again.`;
        case 'ticket-lost':
          return `arbiter land: stopped \u2014 this session's ticket was withdrawn (arbiter land cancel) or expired. ${kept} Run arbiter land again to queue anew.`;
        case 'halted':
          return `arbiter land: stopped \u2014 a halt is directed at this session. ${kept} See arbiter lane status; land again once it is lifted.`;
        case 'interrupted':
          return `arbiter land: stopped \u2014 interrupted. ${kept}`;
        case 'fetch-failed':
          return `arbiter land: stopped \u2014 fetching ${t} failed. ${kept} Check the remote and your network, then run arbiter land again.`;
        case 'target-missing':
          return `arbiter land: stopped \u2014 ${t} does not exist on the remote. ${kept} Push the branch once with git push to create it.`;
        case 'rebase-conflict':
          return `arbiter land: stopped \u2014 rebasing ${b} onto ${t} conflicts. ${kept} Next: git pull --rebase ${nm(ctx.remote)} ${nm(shortRef(ctx.onto))}, resolve the conflicts, commit, then run arbiter land again.`;
        case 'merge-conflict':
          return `arbiter land: stopped \u2014 merging ${t} into ${b} conflicts. ${kept} Next: git pull ${nm(ctx.remote)} ${nm(shortRef(ctx.onto))}, resolve the conflicts, commit, then run arbiter land again.`;
        case 'integrate-failed':
          return `arbiter land: stopped \u2014 git could not rebase or merge ${b} onto ${t}. ${kept}`;
        case 'check-failed':
          return `arbiter land: stopped \u2014 the check failed on ${b} rebased onto ${t}; nothing was pushed. ${kept}${log} Fix the failure, commit, then run arbiter land again.`;
        case 'check-timeout':
          return `arbiter land: stopped \u2014 the check ran out of time; nothing was pushed. ${kept}${log} Make it faster or pass a longer --timeout.`;
        case 'check-error':
          return `arbiter land: stopped \u2014 the check command could not be started; nothing was pushed. ${kept}${log}`;
        case 'check-moved-head':
          return `arbiter land: stopped \u2014 the check moved HEAD, so the tree it checked is not the one that would be pushed; nothing was pushed. ${kept}${log}`;
        case 'fence-lost':
          return `arbiter land: stopped \u2014 the lane was released or taken over while this land worked (fence lost); nothing was pushed. ${kept} See arbiter lane status, then run arbiter land again.`;
        case 'push-rejected':
          return `arbiter land: stopped \u2014 the remote refused the push (not a lease rejection: a hook or permissions). ${kept}`;
        case 'push-failed':
          return `arbiter land: stopped \u2014 the push could not be run. ${kept} Check the remote, then run arbiter land again.`;
        case 'retries-exhausted':
          return `arbiter land: stopped \u2014 ${t} moved under every attempt (${MAX_ATTEMPTS} pushes leased and rejected). ${kept} Run arbiter land again when the branch is quieter.`;
      }
  }
};

/** `arbiter land cancel`'s line (land.md §6 LM5). */
export const cancelMessage = (lane: string, withdrawn: boolean): string =>
  withdrawn ? `arbiter land: ticket withdrawn from ${nm(lane)}; a land waiting in this session stops.` : `arbiter land: this session has no ticket on ${nm(lane)}.`;

/**
 * `arbiter land status` (land.md §6 LM6): the lane's holder, then one line per live ticket in queue order, `me`
 * marking this session's ticket.
 */
export const statusLines = (lane: string, queue: ReadonlyArray<TicketView>, view: LaneView | null, myInstance: string): ReadonlyArray<string> => {
  const h = holderOf(view);
  const head = `${nm(lane)}: ${h === null ? 'lane free' : `lane held by ${nm(h)} (fence ${view?.fence ?? 0})`}; ${queue.length === 0 ? 'queue empty' : `${queue.length} in the queue`}`;
  return [
    head,
    ...queue.map(
      (t) =>
        `  ${t.position}. ${nm(t.handle)} ${sanitizeLine(t.session, 24) || '?'} ${nm(t.branch)} \u2014 waiting ${t.age_sec} s, heartbeat ${t.heartbeat_age_sec} s ago${t.instance === myInstance ? ' (this session)' : ''}`,
    ),
  ];
};

/** Exit code of an outcome: 0 for landed, nothing-to-land and dry run; 1 for a stop (land.md §6). */
export const exitCode = (o: Outcome): 0 | 1 => (o._tag === 'Stopped' ? 1 : 0);

// ───────────────────────────────────────── a running land seen by the hooks (land.md §9) ─────────────────────────────────────────

/** A running land keeps the session that started it working this long at most, ms (land.md §9 LD16). */
export const LAND_STOP_MAX_MS = 6 * 3_600_000;

/**
 * The marker a running land keeps in the repository runtime directory (`land/running-<key>.json`, land.md §9 LD15).
 * `started_at` ms epoch; `agent_session` the agent's session id from the environment, when it differs.
 */
export interface RunningLand {
  readonly pid: number;
  readonly host: string;
  readonly session: string;
  readonly agent_session: string | null;
  readonly lane: string;
  readonly onto: string;
  readonly started_at: number;
}

/** Read a marker's text; `null` for anything that is not a well-formed marker. Never throws. */
export const decodeRunning = (text: string): RunningLand | null => {
  try {
    const j = JSON.parse(text) as Record<string, unknown>;
    const str = (k: string, max: number): string | null => (typeof j[k] === 'string' && (j[k] as string).length <= max ? (j[k] as string) : null);
    const pid = j['pid'];
    const at = j['started_at'];
    const session = str('session', 512);
    const host = str('host', 255);
    const lane = str('lane', 8_192);
    const onto = str('onto', 8_192);
    const agent = j['agent_session'] === null ? null : str('agent_session', 512);
    if (typeof pid !== 'number' || !Number.isInteger(pid) || pid < 1 || typeof at !== 'number' || !Number.isSafeInteger(at)) return null;
    if (session === null || host === null || lane === null || onto === null || (agent === null && j['agent_session'] !== null)) return null;
    return { pid, host, session, agent_session: agent, lane, onto, started_at: at };
  } catch {
    return null;
  }
};

/** True when the marker was written by a land of `session` (its lane-store session or its agent session). */
export const ownedBy = (m: RunningLand, session: string): boolean => session !== '' && (m.session === session || m.agent_session === session);

/**
 * LD16: is a land of this session still running? True when the marker is ours, on this host, its pid answers
 * `alive`, and it started less than {@link LAND_STOP_MAX_MS} ago. Any doubt (no marker, another host, a pid that is
 * dead or unknown, an old marker) answers false, so the Stop hook lets the session stop.
 */
export const isRunning = (m: RunningLand | null, session: string, host: string, alive: 'alive' | 'dead' | 'unknown', now: number): m is RunningLand =>
  m !== null && ownedBy(m, session) && m.host === host && alive === 'alive' && now - m.started_at >= 0 && now - m.started_at < LAND_STOP_MAX_MS;

/** LD16 block reason of the Stop hook (land.md §9 LM7): fixed text naming the target. */
export const stopReason = (m: RunningLand): string =>
  `Arbiter land guard: this session has an arbiter land running (pid ${m.pid}) onto ${nm(shortRef(m.onto))}. Wait for it to finish and read its result before you stop; arbiter land status shows the queue.`;

/** LD17 context line (land.md §9 LM8): the running land and, when known, its place in the queue. */
export const contextLine = (m: RunningLand, position: number | null, of: number): string =>
  `arbiter land running (pid ${m.pid}) onto ${nm(shortRef(m.onto))}: ${position === null ? 'not in the queue (landing or finishing)' : position === 1 ? `at the head of the queue (${of} in line)` : `position ${position} of ${Math.max(of, position)} in the queue`} \u2014 wait for its result.`;

// ───────────────────────────────────────── table ─────────────────────────────────────────

const T_HEAD = 'a'.repeat(40);
const T_TIP = 'b'.repeat(40);
const T_TIP2 = 'd'.repeat(40);
const T_NEW = 'c'.repeat(40);
const T_ME = { instance: 'i-me', session: 's-me' };
const T_CONFIG: LandConfig = {
  lane: 'deploy:refs/heads/main',
  remote: 'origin',
  onto: 'refs/heads/main',
  strategy: 'rebase',
  check: true,
  check_timeout_ms: DEFAULT_CHECK_TIMEOUT_MIN * 60_000,
  dry_run: false,
  max_attempts: MAX_ATTEMPTS,
};
const tTicket = (position: number, instance: string, handle: string): TicketView => ({
  ticket_id: `t${position}`,
  lane: T_CONFIG.lane,
  position,
  handle,
  session: `s-${handle}`,
  instance,
  host: 'laptop',
  branch: 'feature',
  created_at: 0,
  age_sec: 30,
  heartbeat_age_sec: 1,
  ttl_ms: 120_000,
});
const tLane = (instance: string | null, fence: number, expired = false): LaneView => ({
  lane: T_CONFIG.lane,
  fence,
  holder:
    instance === null
      ? null
      : { handle: instance === 'i-me' ? 'me' : 'dev2', session: 's', instance, host: 'laptop', claimed_at: 0, heartbeat_age_sec: 1, lease_sec: 60, intent: 'push', eta_minutes: 1 },
  expired,
});
const tQueue = (position: number, o: { halts?: number; refreshed?: boolean } = {}): QueueFact => {
  const queue = Array.from({ length: Math.max(position, 1) }, (_, i) => (i + 1 === position ? tTicket(i + 1, 'i-me', 'me') : tTicket(i + 1, `i-${i}`, `dev${i + 2}`)));
  return { ok: true, ticket: queue[position - 1] as TicketView, refreshed: o.refreshed ?? true, queue, lane: null, halts: o.halts ?? 0, durations: [40_000, 50_000, 60_000] };
};

/**
 * The land decision table: one row per situation, built by folding answers into the facts and asking `landStep`
 * for the next step. Our session `i-me`; target `origin refs/heads/main`; strategy rebase with a check.
 */
export const table = (): DecisionTable => {
  const base = initialFacts(T_CONFIG, T_ME);
  const okStart: StartFact = { ok: true, branch: 'feature', head: T_HEAD, clean: true, busy: false };
  const startRow = (label: string, start: StartFact): [string, LandFacts] => [label, { ...base, start }];
  const queued: LandFacts = { ...base, start: okStart, backup: true, queue: tQueue(1) };
  const held: LandFacts = { ...queued, claim: { _tag: 'Granted', fence: 7 }, fence: 7 };
  const fetched: LandFacts = { ...held, attempts: [{ fetch: { ok: true, tip: T_TIP } }] };
  const rebased: LandFacts = { ...held, attempts: [{ fetch: { ok: true, tip: T_TIP }, integrate: { _tag: 'Integrated', commit: T_NEW } }] };
  const checked: LandFacts = { ...held, attempts: [{ fetch: { ok: true, tip: T_TIP }, integrate: { _tag: 'Integrated', commit: T_NEW }, check: { _tag: 'Passed', head: T_NEW } }] };
  const asserted = (view: LaneView | null, halts = 0): LandFacts => ({
    ...held,
    attempts: [{ fetch: { ok: true, tip: T_TIP }, integrate: { _tag: 'Integrated', commit: T_NEW }, check: { _tag: 'Passed', head: T_NEW }, assert: { ok: true, view, halts } }],
  });
  const mine = tLane('i-me', 7);
  const pushed = (push: PushFact, n = 1): LandFacts => {
    const one: Attempt = { fetch: { ok: true, tip: T_TIP }, integrate: { _tag: 'Integrated', commit: T_NEW }, check: { _tag: 'Passed', head: T_NEW }, assert: { ok: true, view: mine, halts: 0 }, push };
    return { ...held, attempts: Array.from({ length: n }, () => one) };
  };
  const cases: ReadonlyArray<[string, LandFacts]> = [
    ['nothing probed yet', base],
    startRow('git cannot read the repository', { ok: false, detail: 'not a git repository' }),
    startRow('HEAD detached', { ...okStart, branch: null }),
    startRow('a rebase or merge in progress', { ...okStart, busy: true }),
    startRow('tracked files changed', { ...okStart, clean: false }),
    startRow('clean branch `feature`', okStart),
    ['dry run', { ...base, config: { ...T_CONFIG, dry_run: true }, start: okStart }],
    ['dry run, queue read (one waiter, lane held)', { ...base, config: { ...T_CONFIG, dry_run: true }, start: okStart, peek: { ok: true, queue: [tTicket(1, 'i-1', 'dev2')], lane: tLane('i-1', 3), durations: [40_000] } }],
    ['backup ref failed', { ...base, start: okStart, backup: false }],
    ['backup written', { ...base, start: okStart, backup: true }],
    ['enqueue failed', { ...base, start: okStart, backup: true, queue: { ok: false, kind: 'transport' } }],
    ['position 3 of 3', { ...queued, queue: tQueue(3) }],
    ['position 1, a halt directed at us', { ...queued, queue: tQueue(1, { halts: 1 }) }],
    ['position 2, ticket withdrawn (cancel)', { ...queued, queue: tQueue(2, { refreshed: false }) }],
    ['signal received while waiting', { ...queued, queue: tQueue(2), interrupted: true }],
    ['position 1, not claimed', queued],
    ['position 1, lane held by a person', { ...queued, claim: { _tag: 'Held', holder_handle: 'dev2' } }],
    ['position 1, claim contended', { ...queued, claim: { _tag: 'Failure', kind: 'contended' } }],
    ['position 1, claim forbidden', { ...queued, claim: { _tag: 'Failure', kind: 'forbidden' } }],
    ['lane granted (fence 7)', held],
    ['fetch failed', { ...held, attempts: [{ fetch: { ok: false, detail: 'network' } }] }],
    ['remote lacks the target', { ...held, attempts: [{ fetch: { ok: true, tip: null } }] }],
    ['fetched tip b…', fetched],
    ['rebase conflicts', { ...held, attempts: [{ fetch: { ok: true, tip: T_TIP }, integrate: { _tag: 'Conflict' } }] }],
    ['merge conflicts (strategy merge)', { ...held, config: { ...T_CONFIG, strategy: 'merge' }, attempts: [{ fetch: { ok: true, tip: T_TIP }, integrate: { _tag: 'Conflict' } }] }],
    ['branch already in the tip', { ...held, attempts: [{ fetch: { ok: true, tip: T_TIP }, integrate: { _tag: 'Integrated', commit: T_TIP } }] }],
    ['rebased to c…', rebased],
    ['rebased, no check configured', { ...rebased, config: { ...T_CONFIG, check: false } }],
    ['check failed', { ...held, attempts: [{ fetch: { ok: true, tip: T_TIP }, integrate: { _tag: 'Integrated', commit: T_NEW }, check: { _tag: 'Failed', code: 1 } }] }],
    ['check timed out', { ...held, attempts: [{ fetch: { ok: true, tip: T_TIP }, integrate: { _tag: 'Integrated', commit: T_NEW }, check: { _tag: 'TimedOut' } }] }],
    ['check could not start', { ...held, attempts: [{ fetch: { ok: true, tip: T_TIP }, integrate: { _tag: 'Integrated', commit: T_NEW }, check: { _tag: 'Error', detail: 'ENOENT' } }] }],
    ['check passed but moved HEAD', { ...held, attempts: [{ fetch: { ok: true, tip: T_TIP }, integrate: { _tag: 'Integrated', commit: T_NEW }, check: { _tag: 'Passed', head: T_TIP2 } }] }],
    ['check passed on c…', checked],
    ['lane ours, fence 7', asserted(mine)],
    ['lane force-released (free)', asserted(tLane(null, 8))],
    ['lane taken over (fence 8)', asserted(tLane('i-2', 8))],
    ['lane ours but lease expired', asserted(tLane('i-me', 7, true))],
    ['a halt arrived during the check', asserted(mine, 1)],
    ['pushed', pushed({ _tag: 'Pushed' })],
    ['lease rejected (remote moved), attempt 1', pushed({ _tag: 'LeaseRejected' })],
    [`lease rejected on attempt ${MAX_ATTEMPTS}`, pushed({ _tag: 'LeaseRejected' }, MAX_ATTEMPTS)],
    ['push refused by the remote', pushed({ _tag: 'Rejected', detail: 'hook declined' })],
  ];
  const rows = cases.map(([label, f]) => {
    const s = landStep(f);
    if (s._tag === 'Need') {
      const p = s.probe;
      const detail =
        p._tag === 'Wait'
          ? `position ${p.position}, ETA ${p.eta_ms === null ? '—' : secs(p.eta_ms)}`
          : p._tag === 'Push'
            ? `commit ${p.commit.slice(0, 2)}…, lease ${p.lease.slice(0, 2)}…`
            : p._tag === 'Integrate'
              ? `${p.strategy} ${p.base.slice(0, 2)}… onto ${p.onto.slice(0, 2)}…`
              : p._tag === 'Fetch'
                ? `attempt ${p.attempt}`
                : '—';
      return [label, p._tag, detail, '—', '—'];
    }
    const o = s.outcome;
    return [label, o._tag, '—', o.reason, s.effects.map((e) => e._tag).join(', ') || '—'];
  });
  return {
    policy: POLICY,
    version: POLICY_VERSION,
    title: 'Next step of `arbiter land` for our session `i-me` landing `feature` onto `origin refs/heads/main` (strategy rebase, with a check).',
    columns: ['situation', 'next step / outcome', 'detail', 'reason', 'effects'],
    rows,
    notes: [
      `MAX_ATTEMPTS = ${MAX_ATTEMPTS} pushes; a retry (back to Fetch) follows only a lease rejection, never a failed check.`,
      'Commit ids: a… the branch before land, b… the fetched tip, c… the rebased commit, d… another commit.',
      'ETA = median of recent landing durations (40 s, 50 s, 60 s here) × landings ahead.',
      'Every stop after the backup restores the branch (Restore), releases a granted lane (Release) and withdraws the ticket (Dequeue); the backup ref is kept until a landing.',
    ],
  };
};

/** Run a land to completion with a synchronous oracle (tables, simulations, properties); returns the run and the probes asked. */
export const runLandSync = (facts: LandFacts, oracle: (p: Probe, f: LandFacts) => Answer): { readonly run: ReturnType<typeof runStepsSync<LandFacts, Probe, Answer, Outcome, Effect>>; readonly probes: ReadonlyArray<Probe> } => {
  const probes: Probe[] = [];
  const run = runStepsSync(driver, facts, (p, f) => {
    probes.push(p);
    return oracle(p, f);
  });
  return { run, probes };
};
