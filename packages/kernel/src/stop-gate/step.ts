/**
 * The stop-gate step (stop-gate.md §5–7, stop-gate.md §9): facts and probes, verdicts and effects, the step function with
 * its rules in order, and the step driver with scripted answers. Pure.
 */
import { gateEarlyAllow } from '../early.js';
import { done, need, runStepsSync, type Done, type Need, type ProbeAnswer, type StepDriver } from '../internal/step.js';
import { clamp, sanitizeLine } from '../internal/text.js';
import { AGENT_TURN_MAX, CONTINUE_CEILING, EVALUATE_TIMEOUT_MS, GIT_HISTORY_BUDGET_MS, GIT_TIMEOUT_MS, HOT_PATH_TIMEOUT_MS, MAX_STEPS, type StopGateSettings, TRANSCRIPT_TAIL_BYTES, normalize } from './settings.js';
import { type EvaluateBody, type HttpFailKind, type PathHistory, artifacts, authorityMessage, decodeEvaluate, decodeHotPath, parseTranscriptTail, selectEvidencePaths, signals, stopReasonOf } from './authority.js';
import { type Payload, falseExcuseMessage, guardHit, messageOf, sessionOf, statedContinuationMessage } from './guards.js';
import { readContinueCount, readGateState } from './state.js';

// ───────────────────────────────────────── facts and probes (stop-gate.md §5) ─────────────────────────────────────────

/** Probes, in the only order they may be requested (stop-gate.md §6). URLs and timeouts are data for the adapter. */
export type Probe =
  | { readonly _tag: 'GateState' }
  | { readonly _tag: 'ContinueCount'; readonly session: string }
  | { readonly _tag: 'HotPath'; readonly url: string; readonly timeoutMs: number }
  | { readonly _tag: 'GitFiles'; readonly timeoutMs: number }
  | { readonly _tag: 'GitHistory'; readonly paths: ReadonlyArray<string>; readonly timeoutMs: number; readonly budgetMs: number }
  | { readonly _tag: 'TranscriptTail'; readonly path: string; readonly maxBytes: number }
  | { readonly _tag: 'Evaluate'; readonly url: string; readonly body: EvaluateBody; readonly timeoutMs: number };
export type ProbeTag = Probe['_tag'];

/** The order of stop-gate.md §6; requested probes always form a subsequence (SG-P13). */
export const PROBE_ORDER: ReadonlyArray<ProbeTag> = [
  'GateState',
  'ContinueCount',
  'HotPath',
  'GitFiles',
  'GitHistory',
  'TranscriptTail',
  'Evaluate',
];

/**
 * Facts of one stop-gate decision (stop-gate.md §5). Probe answers: `gateState` and `continueCount` carry the file text (or
 * null when absent); `hotPath` and `evaluate` carry the response body text (failures with {@link HttpFailKind});
 * `gitHistory` one entry per requested path; `transcriptTail` the tail text and whether the read began mid-file.
 */
export interface GateFacts {
  readonly payload: Payload;
  readonly settings: StopGateSettings;
  readonly now: number;
  readonly gateState?: ProbeAnswer<string | null>;
  readonly continueCount?: ProbeAnswer<string | null>;
  readonly hotPath?: ProbeAnswer<string, HttpFailKind>;
  readonly gitFiles?: ProbeAnswer<ReadonlyArray<string>>;
  readonly gitHistory?: ProbeAnswer<ReadonlyArray<PathHistory | null>>;
  readonly transcriptTail?: ProbeAnswer<{ readonly text: string; readonly partial: boolean }>;
  readonly evaluate?: ProbeAnswer<string, HttpFailKind>;
}

// ───────────────────────────────────────── verdicts and effects (stop-gate.md §7, stop-gate.md §9) ─────────────────────────────────

/** Block reasons (stop-gate.md §7). */
export type BlockReason = 'stated-continuation' | 'false-excuse-deferral' | 'authority-continue';
/** Fail-open allow reasons (stop-gate.md §9 first table, without the hook-level codes). */
export type FailOpenReason =
  | 'stdin-unreadable'
  | 'empty-input'
  | 'malformed-input'
  | 'no-session'
  | 'gate-state-unreadable'
  | 'continue-count-unreadable'
  | 'hot-path-timeout'
  | 'hot-path-unreachable'
  | 'hot-path-http-status'
  | 'hot-path-malformed'
  | 'remote-kill-switch'
  | 'remote-mode-off'
  | 'compaction-in-flight'
  | 'evaluate-timeout'
  | 'evaluate-unreachable'
  | 'evaluate-http-status'
  | 'evaluate-malformed'
  | 'continue-empty-reminder';
/** Deliberate allow reasons (stop-gate.md §9 second list). */
export type DeliberateReason =
  | 'loop-guard'
  | 'kill-switch'
  | 'mode-off'
  | 'no-authority'
  | 'continue-ceiling'
  | 'shadow'
  | 'authority-allow'
  | 'authority-escalate'
  | 'authority-force-allow';
export type AllowReason = FailOpenReason | DeliberateReason;
/** Audit-only reasons and increment failures. */
export type AuditReason = 'shadow-guard-hit';
/** Every reason code of this policy (G-P4). */
export type Reason = AllowReason | BlockReason | AuditReason;

export const FAIL_OPEN_REASONS: ReadonlyArray<FailOpenReason> = [
  'stdin-unreadable',
  'empty-input',
  'malformed-input',
  'no-session',
  'gate-state-unreadable',
  'continue-count-unreadable',
  'hot-path-timeout',
  'hot-path-unreachable',
  'hot-path-http-status',
  'hot-path-malformed',
  'remote-kill-switch',
  'remote-mode-off',
  'compaction-in-flight',
  'evaluate-timeout',
  'evaluate-unreachable',
  'evaluate-http-status',
  'evaluate-malformed',
  'continue-empty-reminder',
];
export const DELIBERATE_REASONS: ReadonlyArray<DeliberateReason> = [
  'loop-guard',
  'kill-switch',
  'mode-off',
  'no-authority',
  'continue-ceiling',
  'shadow',
  'authority-allow',
  'authority-escalate',
  'authority-force-allow',
];
export const BLOCK_REASONS: ReadonlyArray<BlockReason> = ['stated-continuation', 'false-excuse-deferral', 'authority-continue'];
export const REASONS: ReadonlyArray<Reason> = [...FAIL_OPEN_REASONS, ...DELIBERATE_REASONS, ...BLOCK_REASONS, 'shadow-guard-hit'];

/** The verdict (stop-gate.md §7). Allow renders `{}`, Block `{"decision":"block","reason":message}` (stop-gate.md §10). */
export type Verdict =
  | { readonly _tag: 'Allow'; readonly reasons: readonly [AllowReason]; readonly failOpen: boolean }
  | { readonly _tag: 'Block'; readonly reasons: readonly [BlockReason]; readonly message: string };

/** Effects (stop-gate.md §7): Audit entries for the decision log, and the continue increment (under the mutex). */
export type Effect =
  | {
      readonly _tag: 'Audit';
      readonly reason: Reason;
      readonly failOpen: boolean;
      readonly details: Readonly<Record<string, string | number | boolean | null>>;
    }
  | { readonly _tag: 'ContinueIncrement'; readonly session: string; readonly at: number };

export type GateStep = Need<Probe> | Done<Verdict, Effect>;

// ───────────────────────────────────────── decision (stop-gate.md §6) ─────────────────────────────────────────

const allow = (reason: AllowReason, effects: ReadonlyArray<Effect> = []): GateStep =>
  done<Verdict, Effect>({ _tag: 'Allow', reasons: [reason], failOpen: (FAIL_OPEN_REASONS as ReadonlyArray<string>).includes(reason) }, effects);

const audit = (reason: Reason, failOpen: boolean, details: Record<string, string | number | boolean | null> = {}): Effect => ({
  _tag: 'Audit',
  reason,
  failOpen,
  details,
});

/** An audited fail-open allow (rule 7 onward). */
const failOpen = (reason: FailOpenReason, pre: ReadonlyArray<Effect>, detail: string): GateStep =>
  allow(reason, [...pre, audit(reason, true, { detail: sanitizeLine(detail, 200) })]);

const HTTP_REASON = {
  hot: { timeout: 'hot-path-timeout', unreachable: 'hot-path-unreachable', 'http-status': 'hot-path-http-status', malformed: 'hot-path-malformed' },
  evaluate: { timeout: 'evaluate-timeout', unreachable: 'evaluate-unreachable', 'http-status': 'evaluate-http-status', malformed: 'evaluate-malformed' },
} as const;

/** Map any failure kind of an HTTP probe to its reason; an unknown kind counts as `unreachable`. */
const httpReason = (which: 'hot' | 'evaluate', kind: string): FailOpenReason =>
  (HTTP_REASON[which] as Record<string, FailOpenReason>)[kind] ?? HTTP_REASON[which].unreachable;

/**
 * The stop-gate step function (stop-gate.md §6, rules 1–23, in order).
 *
 * @param f the facts so far (payload, resolved settings, `now` in ms, and the probe answers gathered).
 * @returns `Need` the next probe of {@link PROBE_ORDER}, or `Done` with the verdict and its effects. Blocks only in
 *   `enforce`: on a local guard hit (rules 10–11) or on a well-formed authority `continue` with a non-blank
 *   reminder below the continue ceiling (rule 21). Every failure allows with `failOpen: true`. Never throws on
 *   facts of the declared types.
 */
export const step = (f: GateFacts): GateStep => {
  // Rules 1–3: the payload.
  if (f.payload._tag === 'Unreadable') return allow('stdin-unreadable');
  if (f.payload._tag === 'Empty') return allow('empty-input');
  if (f.payload._tag === 'Malformed') return allow('malformed-input');
  const p = f.payload.value;
  // Rule 4: loop guard (truthy in the JavaScript sense); rule 5: a session id.
  const early = gateEarlyAllow(p);
  if (early !== null) return allow(early.reason);
  const session = sessionOf(p) as string; // non-null: rule 5 passed
  // Rules 6–9: gate state, kill switch, mode.
  if (f.gateState === undefined) return need<Probe>({ _tag: 'GateState' });
  if (!f.gateState.ok) return failOpen('gate-state-unreadable', [], f.gateState.error.kind);
  const gate = readGateState(f.gateState.value);
  if (gate === null) return failOpen('gate-state-unreadable', [], 'stop-gate.json is not a JSON object');
  if (gate.killSwitch) return allow('kill-switch');
  if (gate.mode === 'off') return allow('mode-off');
  const enforce = gate.mode === 'enforce';
  // Rules 10–11: the local guards.
  const message = messageOf(p);
  const normalized = normalize(message);
  const pre: Effect[] = [];
  const g1 = guardHit(f.settings.statedContinuation, normalized);
  if (g1 !== null) {
    if (enforce) {
      return done<Verdict, Effect>(
        { _tag: 'Block', reasons: ['stated-continuation'], message: statedContinuationMessage(g1.phrases[0], g1.phrases[1]) },
        [audit('stated-continuation', false, { guard: 1, commit: sanitizeLine(g1.phrases[0], 40), imminent: sanitizeLine(g1.phrases[1], 40) })],
      );
    }
    pre.push(audit('shadow-guard-hit', false, { guard: 1, commit: sanitizeLine(g1.phrases[0], 40), imminent: sanitizeLine(g1.phrases[1], 40) }));
  }
  const g2 = guardHit(f.settings.falseExcuse, normalized);
  if (g2 !== null) {
    if (enforce) {
      return done<Verdict, Effect>(
        { _tag: 'Block', reasons: ['false-excuse-deferral'], message: falseExcuseMessage(g2.phrases[1], g2.phrases[0]) },
        [audit('false-excuse-deferral', false, { guard: 2, excuse: sanitizeLine(g2.phrases[0], 40), work: sanitizeLine(g2.phrases[1], 40) })],
      );
    }
    pre.push(audit('shadow-guard-hit', false, { guard: 2, excuse: sanitizeLine(g2.phrases[0], 40), work: sanitizeLine(g2.phrases[1], 40) }));
  }
  // Rule 12: no authority.
  const auth = f.settings.authority;
  if (auth === null) return allow('no-authority', pre);
  // Rule 13: the continue ceiling (enforce only).
  if (enforce) {
    if (f.continueCount === undefined) return need<Probe>({ _tag: 'ContinueCount', session });
    if (!f.continueCount.ok) return failOpen('continue-count-unreadable', pre, f.continueCount.error.kind);
    const count = readContinueCount(f.continueCount.value, session);
    if (count === null) return failOpen('continue-count-unreadable', pre, 'stop-gate-continues.json is not a counter file');
    if (count >= CONTINUE_CEILING) return allow('continue-ceiling', [...pre, audit('continue-ceiling', false, { count })]);
  }
  // Rules 14–15: the hot path and its vetoes.
  if (f.hotPath === undefined) {
    return need<Probe>({ _tag: 'HotPath', url: `${auth.baseUrl}/hot-path?session=${encodeURIComponent(session)}`, timeoutMs: HOT_PATH_TIMEOUT_MS });
  }
  if (!f.hotPath.ok) return failOpen(httpReason('hot', f.hotPath.error.kind), pre, f.hotPath.error.detail || f.hotPath.error.kind);
  const hot = decodeHotPath(f.hotPath.value);
  if (hot === null) return failOpen('hot-path-malformed', pre, 'hot-path body is not a JSON object of at most 1 MiB');
  if (hot.killSwitch) return failOpen('remote-kill-switch', pre, 'authority kill switch on');
  if (hot.modeOff) return failOpen('remote-mode-off', pre, 'authority mode off');
  if (hot.compactionInFlight) return failOpen('compaction-in-flight', pre, 'compaction in flight');
  // Rules 16–18: evidence (fails soft).
  if (f.gitFiles === undefined) return need<Probe>({ _tag: 'GitFiles', timeoutMs: GIT_TIMEOUT_MS });
  const paths = selectEvidencePaths(f.gitFiles.ok ? f.gitFiles.value : []);
  if (paths.length > 0 && f.gitHistory === undefined) {
    return need<Probe>({ _tag: 'GitHistory', paths, timeoutMs: GIT_TIMEOUT_MS, budgetMs: GIT_HISTORY_BUDGET_MS });
  }
  const transcriptPath = p['transcript_path'];
  const wantTail = hot.selfDeferralGuardOn && typeof transcriptPath === 'string' && transcriptPath !== '';
  if (wantTail && f.transcriptTail === undefined) {
    return need<Probe>({ _tag: 'TranscriptTail', path: transcriptPath as string, maxBytes: TRANSCRIPT_TAIL_BYTES });
  }
  // Rule 19: evaluate.
  if (f.evaluate === undefined) {
    const history = paths.length > 0 && f.gitHistory !== undefined && f.gitHistory.ok ? f.gitHistory.value : null;
    const userTurns = wantTail && f.transcriptTail !== undefined && f.transcriptTail.ok
      ? parseTranscriptTail(f.transcriptTail.value.text, f.transcriptTail.value.partial)
      : [];
    const stopReason = stopReasonOf(p);
    const body: EvaluateBody = {
      sessionId: session,
      evidenceMetadata: { artifacts: artifacts(paths, history, hot.sessionStartTs), signals: signals(stopReason, message), sessionStartTs: hot.sessionStartTs },
      untrustedContent: {
        stopReason,
        recentTurns: message === '' ? userTurns : [...userTurns, { source: 'agent', text: clamp(message, AGENT_TURN_MAX) }],
      },
    };
    return need<Probe>({ _tag: 'Evaluate', url: `${auth.baseUrl}/evaluate`, body, timeoutMs: EVALUATE_TIMEOUT_MS });
  }
  // Rule 20: evaluate failures.
  if (!f.evaluate.ok) return failOpen(httpReason('evaluate', f.evaluate.error.kind), pre, f.evaluate.error.detail || f.evaluate.error.kind);
  const ev = decodeEvaluate(f.evaluate.value);
  if (ev === null) return failOpen('evaluate-malformed', pre, 'evaluate body is not a valid answer');
  // Rule 21: the authority block.
  const reminderBlank = ev.reminder.trim() === '';
  if (enforce && ev.decision === 'continue' && !reminderBlank) {
    return done<Verdict, Effect>(
      { _tag: 'Block', reasons: ['authority-continue'], message: authorityMessage(ev.reminder, ev.rule) },
      [
        ...pre,
        { _tag: 'ContinueIncrement', session, at: f.now },
        audit('authority-continue', false, { rule: ev.rule === null ? null : sanitizeLine(ev.rule, 64) }),
      ],
    );
  }
  // Rule 22: shadow.
  if (!enforce) return allow('shadow', [...pre, audit('shadow', false, { decision: ev.decision, rule: ev.rule === null ? null : sanitizeLine(ev.rule, 64) })]);
  // Rule 23.
  switch (ev.decision) {
    case 'allow':
      return allow('authority-allow', pre);
    case 'escalate':
      return allow('authority-escalate', pre);
    case 'force_allow':
      return allow('authority-force-allow', pre);
    case 'continue':
      return failOpen('continue-empty-reminder', pre, 'continue with a blank reminder');
  }
};

// ───────────────────────────────────────── the step driver and scripted answers ─────────────────────────────────

/**
 * Answer to a stop-gate probe (stop-gate.md §5): `GateState`/`ContinueCount` the file text or null; `HotPath`/`Evaluate` the
 * response body (HTTP failure kinds); `GitFiles` the paths; `GitHistory` one entry per requested path;
 * `TranscriptTail` the tail text and whether the read began mid-file.
 */
export type Answer =
  | ProbeAnswer<string | null>
  | ProbeAnswer<string, HttpFailKind>
  | ProbeAnswer<ReadonlyArray<string>>
  | ProbeAnswer<ReadonlyArray<PathHistory | null>>
  | ProbeAnswer<{ readonly text: string; readonly partial: boolean }>;

/**
 * Merge a probe's answer into the facts (stop-gate.md §5): each probe sets its own field. `answer` must be the answer to
 * `probe` (of the type listed in {@link Answer}). Pure.
 */
export const withAnswer = (facts: GateFacts, probe: Probe, answer: Answer): GateFacts => {
  switch (probe._tag) {
    case 'GateState':
      return { ...facts, gateState: answer as ProbeAnswer<string | null> };
    case 'ContinueCount':
      return { ...facts, continueCount: answer as ProbeAnswer<string | null> };
    case 'HotPath':
      return { ...facts, hotPath: answer as ProbeAnswer<string, HttpFailKind> };
    case 'GitFiles':
      return { ...facts, gitFiles: answer as ProbeAnswer<ReadonlyArray<string>> };
    case 'GitHistory':
      return { ...facts, gitHistory: answer as ProbeAnswer<ReadonlyArray<PathHistory | null>> };
    case 'TranscriptTail':
      return { ...facts, transcriptTail: answer as ProbeAnswer<{ readonly text: string; readonly partial: boolean }> };
    case 'Evaluate':
      return { ...facts, evaluate: answer as ProbeAnswer<string, HttpFailKind> };
  }
};

/** The stop gate for the step driver: {@link step}, {@link withAnswer}, at most {@link MAX_STEPS} calls. */
export const driver: StepDriver<GateFacts, Probe, Answer, Verdict, Effect> = { step: (f) => step(f), withAnswer, limit: MAX_STEPS, probeKey: (p) => p._tag };

/** Scripted answers for {@link run}: one function per probe (called at most once each). */
export interface ScriptedAnswers {
  readonly gateState?: () => ProbeAnswer<string | null>;
  readonly continueCount?: (session: string) => ProbeAnswer<string | null>;
  readonly hotPath?: (url: string) => ProbeAnswer<string, HttpFailKind>;
  readonly gitFiles?: () => ProbeAnswer<ReadonlyArray<string>>;
  readonly gitHistory?: (paths: ReadonlyArray<string>) => ProbeAnswer<ReadonlyArray<PathHistory | null>>;
  readonly transcriptTail?: (path: string) => ProbeAnswer<{ readonly text: string; readonly partial: boolean }>;
  readonly evaluate?: (body: EvaluateBody) => ProbeAnswer<string, HttpFailKind>;
}

const unscripted = { ok: false as const, error: { kind: 'unavailable' as const, detail: 'not scripted' } };
const unreachable = { ok: false as const, error: { kind: 'unreachable' as const, detail: 'not scripted' } };

/** The scripted answer to one probe (an unscripted probe answers `unavailable`, an unscripted HTTP probe `unreachable`). */
const scriptedAnswer = (a: ScriptedAnswers, pr: Probe): Answer => {
  switch (pr._tag) {
    case 'GateState':
      return a.gateState?.() ?? unscripted;
    case 'ContinueCount':
      return a.continueCount?.(pr.session) ?? unscripted;
    case 'HotPath':
      return a.hotPath?.(pr.url) ?? unreachable;
    case 'GitFiles':
      return a.gitFiles?.() ?? unscripted;
    case 'GitHistory':
      return a.gitHistory?.(pr.paths) ?? unscripted;
    case 'TranscriptTail':
      return a.transcriptTail?.(pr.path) ?? unscripted;
    case 'Evaluate':
      return a.evaluate?.(pr.body) ?? unreachable;
  }
};

/**
 * Drive {@link step} with scripted answers through `runStepsSync` — the in-memory driver used by tables,
 * simulations and tests. Returns the final step and the probes requested, in order. Throws an `Error` if the step
 * re-requests an answered probe or exceeds {@link MAX_STEPS} (G-P1); the hook driver fails open instead.
 */
export const run = (
  base: Pick<GateFacts, 'payload' | 'settings' | 'now'>,
  a: ScriptedAnswers,
): { readonly step: Done<Verdict, Effect>; readonly probes: ReadonlyArray<Probe> } => {
  const probes: Probe[] = [];
  // the driver's probeKey stops a step that asks an answered probe again (RepeatedProbe) before it reaches this oracle
  const r = runStepsSync(driver, base as GateFacts, (pr): Answer => {
    probes.push(pr);
    return scriptedAnswer(a, pr);
  });
  if (r._tag !== 'Done') throw new Error(r._tag === 'StepLimit' ? 'step bound exceeded' : `probe ${r.key} requested twice`);
  return { step: done<Verdict, Effect>(r.outcome, r.effects), probes };
};
