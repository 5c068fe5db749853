/**
 * Build stop-hook session scoping: a build started by one session keeps *that* session working until the build
 * reaches a terminal phase, within a budget of reinforcements; every other session stops freely and never spends
 * the owner's budget.
 *
 * Normative source: build-stop.md (policy `build-stop`, version 1.0.0), with architecture.md conventions winning:
 * the state file lives in the repository runtime directory (`<git common dir>/arbiter/build-state.json`, or
 * `$ARBITER_STATE_DIR/repos/<key>/build-state.json`), instants on disk are ISO-8601 UTC with milliseconds, and
 * reason codes are lowercase kebab-case without the spec's `bs.` area prefix (the decision log writes the policy
 * name beside them).
 *
 * Sections follow architecture.md "One decision, one module": model → decision → verdict → messages → table.
 * Pure: no I/O, no clock, no randomness.
 */
import { BUILD_STATE_FILE, BUILD_STOP_POLICY, BUILD_STOP_POLICY_VERSION } from './early.js';
import * as t from 'io-ts';
import { isRight } from 'fp-ts/lib/Either.js';
import { IsoMillis, intIn, msToIso } from './internal/codecs.js';
import { done, need, runStepsSync, type Done, type Need, type ProbeAnswer, type StepDriver } from './internal/step.js';
import { sanitizeLine, shortId } from './internal/text.js';
import { maskString } from './internal/mask.js';
import type { DecisionTable } from './internal/table.js';

// ───────────────────────────────────────── constants (build-stop.md §8) ─────────────────────────────────────────

/** Policy id written to the decision log. */
export const POLICY = BUILD_STOP_POLICY;
/** Policy version (semver). */
export const POLICY_VERSION = BUILD_STOP_POLICY_VERSION;
/** Schema version of `build-state.json`. */
export const STATE_VERSION = 1;
/** File name inside the repository runtime directory. */
export const STATE_FILE = BUILD_STATE_FILE;
/** Budget when `protection.reinforcements` is absent (build-stop.md §2). */
export const DEFAULT_BUDGET = 5;
/** Timeout of the tmux probe, ms (build-stop.md §3 rule 4). */
export const TMUX_TIMEOUT_MS = 2_000;
/** Task clamp when stored, code points (build-stop.md §2). */
export const TASK_STORE_MAX = 2_000;
/** Task clamp inside the block reason, code points (build-stop.md §7). */
export const TASK_REASON_MAX = 300;
/** Hard bound on steps of {@link stopStep} (hooks.md §3 rule 3). */
export const MAX_STEPS = 12;

/** Build sizes and their protection (build-stop.md §8). */
export const SIZES = {
  small: { reinforcements: 3, label: 'light' },
  standard: { reinforcements: 5, label: 'medium' },
  large: { reinforcements: 10, label: 'heavy' },
} as const;
export type Size = keyof typeof SIZES;

/** Terminal phases, compared case-sensitively (build-stop.md §2). */
export const TERMINAL_PHASES: ReadonlyArray<string> = ['complete', 'failed', 'escalated'];

/** True when `phase` is exactly one of the terminal phases. */
export const isTerminal = (phase: string): boolean => TERMINAL_PHASES.includes(phase);

/** Accepted argument of `arbiter build phase <p>` (build-stop.md §3): `^[a-z][a-z0-9-]{0,31}$`, not terminal. */
export const PHASE_ARG = /^[a-z][a-z0-9-]{0,31}$/;

// ───────────────────────────────────────── model (build-stop.md §2) ─────────────────────────────────────────

/**
 * The state exactly as `arbiter build start` writes it (instants as ISO-8601 UTC strings with ms on disk, ms epoch
 * in memory). Used to encode new states; reading goes through the lenient {@link readState}.
 */
export const BuildStateCodec = t.type({
  version: t.literal(STATE_VERSION),
  phase: t.string,
  size: t.keyof({ small: null, standard: null, large: null }),
  task: t.string,
  owner: t.type({ tmux: t.string, session: t.string, stampedAt: IsoMillis }),
  protection: t.type({ reinforcements: intIn(0, Number.MAX_SAFE_INTEGER), label: t.string }),
  reinforcementsUsed: intIn(0, Number.MAX_SAFE_INTEGER),
  startedAt: IsoMillis,
  updatedAt: IsoMillis,
});
/** A build state in memory (instants in ms epoch). */
export type BuildState = t.TypeOf<typeof BuildStateCodec>;

/** Encode a state as the JSON text stored in `build-state.json` (ISO instants, schema field order). */
export const encodeState = (s: BuildState): string => JSON.stringify(BuildStateCodec.encode(s), null, 2) + '\n';

/** The Stop decision's lenient view of a parsed state file (build-stop.md §2 "How the Stop decision reads the file"). */
export interface StateView {
  readonly phase: string;
  readonly size: string | null;
  readonly ownerTmux: string;
  readonly ownerSession: string;
  /** `protection.reinforcements`. */
  readonly max: number;
  readonly used: number;
  readonly label: string;
  readonly task: string;
  /** The build's identity for patches: ms epoch, or null. */
  readonly startedAt: number | null;
}

/** Result of {@link readState}. */
export type ReadResult =
  | { readonly _tag: 'Parsed'; readonly view: StateView }
  | { readonly _tag: 'Unparseable'; readonly detail: string };

const isObject = (u: unknown): u is Record<string, unknown> => typeof u === 'object' && u !== null && !Array.isArray(u);

const countField = (u: unknown, absent: number): number | null =>
  u === undefined ? absent : typeof u === 'number' && Number.isSafeInteger(u) && u >= 0 ? u : null;

/**
 * `startedAt` as the build identity: an IsoMillis string (Arbiter's format) or a finite number (instar's epoch ms)
 * is used; anything else gives null (build-stop.md §2).
 */
const instantField = (u: unknown): number | null => {
  if (typeof u === 'number' && Number.isFinite(u)) return u;
  const r = IsoMillis.decode(u);
  return isRight(r) ? r.right : null;
};

/**
 * Parse the text of `build-state.json` with the Stop decision's lenient rules (build-stop.md §2). Total: never throws.
 * @returns `Unparseable` when the text is not a JSON object or a counter (`protection.reinforcements`,
 *   `reinforcementsUsed`) is present but not an integer ≥ 0; otherwise `Parsed` with defaults filled in.
 */
export const readState = (text: string): ReadResult => {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { _tag: 'Unparseable', detail: 'not valid JSON' };
  }
  if (!isObject(json)) return { _tag: 'Unparseable', detail: 'not a JSON object' };
  const owner = isObject(json['owner']) ? json['owner'] : {};
  const protection = isObject(json['protection']) ? json['protection'] : {};
  const max = countField(protection['reinforcements'], DEFAULT_BUDGET);
  if (max === null) return { _tag: 'Unparseable', detail: 'protection.reinforcements is not an integer >= 0' };
  const used = countField(json['reinforcementsUsed'], 0);
  if (used === null) return { _tag: 'Unparseable', detail: 'reinforcementsUsed is not an integer >= 0' };
  const str = (u: unknown, d: string): string => (typeof u === 'string' ? u : d);
  return {
    _tag: 'Parsed',
    view: {
      phase: str(json['phase'], 'idle'),
      size: typeof json['size'] === 'string' ? json['size'] : null,
      ownerTmux: str(owner['tmux'], ''),
      ownerSession: str(owner['session'], ''),
      max,
      used,
      label: str(protection['label'], '-'),
      task: str(json['task'], '(no task recorded)'),
      startedAt: instantField(json['startedAt']),
    },
  };
};

// ───────────────────────────────────────── facts and probes (build-stop.md §4) ─────────────────────────────────────────

/** Probes of the Stop decision, in the only order they may be requested (BS-P8). */
export type Probe = { readonly _tag: 'BuildState' } | { readonly _tag: 'Tmux' };

/**
 * Facts of one Stop decision (build-stop.md §4). `hookSession` is stdin `session_id` or `""`; `now` in ms epoch.
 * `buildState` answers with the file text, or `null` when the file does not exist (any other read error is a
 * failed answer). `tmux` answers with the resolved tmux session name (a failure counts as `""`).
 */
export interface StopFacts {
  readonly hookSession: string;
  readonly now: number;
  readonly buildState?: ProbeAnswer<string | null>;
  readonly tmux?: ProbeAnswer<string>;
}

// ───────────────────────────────────────── verdicts and effects (build-stop.md §6) ─────────────────────────────────────

/** Reasons of an Approve (build-stop.md §6). */
export type ApproveReason =
  | 'state-unreadable'
  | 'no-state'
  | 'terminal'
  | 'unparseable'
  | 'no-owner'
  | 'not-owner'
  | 'budget-exhausted';
/** Reasons of the Stop decision. */
export type StopReason = ApproveReason | 'reinforce';
/** Reasons of the `arbiter build` commands (build-stop.md §3) and of a dropped patch (build-stop.md §6). */
export type CliReason =
  | 'cli-usage'
  | 'cli-state-corrupt'
  | 'cli-build-active'
  | 'cli-started'
  | 'cli-no-build'
  | 'cli-build-finished'
  | 'cli-phase-set'
  | 'cli-finished'
  | 'cli-status'
  | 'patch-dropped';
/** Every reason code of this policy (G-P4). */
export type Reason = StopReason | CliReason;

/** Every Stop reason, in rule order. */
export const STOP_REASONS: ReadonlyArray<StopReason> = [
  'state-unreadable',
  'no-state',
  'terminal',
  'unparseable',
  'no-owner',
  'not-owner',
  'budget-exhausted',
  'reinforce',
];
/** Every CLI / patch reason. */
export const CLI_REASONS: ReadonlyArray<CliReason> = [
  'cli-usage',
  'cli-state-corrupt',
  'cli-build-active',
  'cli-started',
  'cli-no-build',
  'cli-build-finished',
  'cli-phase-set',
  'cli-finished',
  'cli-status',
  'patch-dropped',
];

/** The Stop verdict. Approve renders `{}`; Block renders `{"decision":"block","reason":message}` (build-stop.md §9). */
export type StopVerdict =
  | { readonly _tag: 'Approve'; readonly reasons: readonly [ApproveReason] }
  | {
      readonly _tag: 'Block';
      readonly reasons: readonly ['reinforce'];
      readonly message: string;
      /** The reinforcement this block spends (1-based). */
      readonly n: number;
      readonly max: number;
    };

/**
 * Effects (build-stop.md §6). `BuildStatePatch` is applied under the mutex by {@link applyPatch}: dropped when the stored build's
 * `startedAt` differs from `expectStartedAt`; `reinforcementsUsed` (when present) is applied as a monotone maximum;
 * `ownerSession` (when present) is the restart reconcile of rule 8.
 */
export type Effect =
  | {
      readonly _tag: 'BuildStatePatch';
      readonly expectStartedAt: number | null;
      readonly reinforcementsUsed?: number;
      readonly ownerSession?: string;
    }
  | {
      readonly _tag: 'Audit';
      readonly reason: 'reinforce';
      readonly session: string;
      readonly phase: string;
      readonly n: number;
      readonly max: number;
    };

export type StopStep = Need<Probe> | Done<StopVerdict, Effect>;

// ───────────────────────────────────────── decision (build-stop.md §5) ─────────────────────────────────────────

const approve = (reason: ApproveReason, effects: ReadonlyArray<Effect> = []): StopStep =>
  done<StopVerdict, Effect>({ _tag: 'Approve', reasons: [reason] }, effects);

/**
 * The Stop step function (build-stop.md §5, rules 1–10, in instar's order).
 *
 * @param f the facts so far; `buildState` / `tmux` present once their probe was answered.
 * @returns `Need BuildState` first; `Need Tmux` only when the state parsed, is not terminal, `owner.tmux ≠ ""`
 *   and the session did not match (BS-P7); otherwise `Done` with the verdict and its effects: a Block always
 *   carries `BuildStatePatch {reinforcementsUsed: used+1}` and an `Audit`; an Approve carries a patch only for a
 *   restart reconcile under `budget-exhausted`. Never throws.
 */
export const stopStep = (f: StopFacts): StopStep => {
  // Rule 1: need the state; a read error other than "not found" approves.
  if (f.buildState === undefined) return need<Probe>({ _tag: 'BuildState' });
  if (!f.buildState.ok) return approve('state-unreadable');
  // Rule 2: absent.
  if (f.buildState.value === null) return approve('no-state');
  const read = readState(f.buildState.value);
  // Rule 3: terminal (only a parseable state has a phase); rule 4: unparseable.
  if (read._tag === 'Parsed' && isTerminal(read.view.phase)) return approve('terminal');
  if (read._tag === 'Unparseable') return approve('unparseable');
  const v = read.view;
  // Rule 5: no owner stamp: never adopt.
  if (v.ownerTmux === '' && v.ownerSession === '') return approve('no-owner');
  let reconcile: string | undefined;
  // Rule 6: session match → owner, no tmux question.
  const sessionMatch = v.ownerSession !== '' && v.ownerSession === f.hookSession;
  if (!sessionMatch) {
    // Rule 7: no tmux stamp → not the owner (covers an unknown caller identity).
    if (v.ownerTmux === '') return approve('not-owner');
    // Rule 8: ask tmux.
    if (f.tmux === undefined) return need<Probe>({ _tag: 'Tmux' });
    // A failed probe matches no stamp.
    if (!f.tmux.ok || f.tmux.value !== v.ownerTmux) return approve('not-owner');
    // No session match here, so a non-empty hook session differs from the stamp: reconcile to it.
    if (f.hookSession !== '') reconcile = f.hookSession;
  }
  const patchBase = { _tag: 'BuildStatePatch' as const, expectStartedAt: v.startedAt };
  // Rule 9: budget spent → approve; only a reconcile is written.
  if (v.used >= v.max) {
    return approve('budget-exhausted', reconcile === undefined ? [] : [{ ...patchBase, ownerSession: reconcile }]);
  }
  // Rule 10: block and spend one reinforcement.
  const n = v.used + 1;
  return done<StopVerdict, Effect>(
    { _tag: 'Block', reasons: ['reinforce'], message: blockReason(v, n), n, max: v.max },
    [
      { ...patchBase, reinforcementsUsed: n, ...(reconcile === undefined ? {} : { ownerSession: reconcile }) },
      { _tag: 'Audit', reason: 'reinforce', session: shortId(f.hookSession), phase: sanitizeLine(v.phase, 32), n, max: v.max },
    ],
  );
};

/** Answer to a build-stop probe: `BuildState` the file text or null (absent); `Tmux` the tmux session name. */
export type Answer = ProbeAnswer<string | null> | ProbeAnswer<string>;

/**
 * Merge a probe's answer into the facts (build-stop.md §4): `BuildState` sets `buildState`, `Tmux` sets `tmux`. `answer` must be
 * the answer to `probe` (a `BuildState` answer for `BuildState`, a string answer for `Tmux`). Pure.
 */
export const withAnswer = (facts: StopFacts, probe: Probe, answer: Answer): StopFacts =>
  probe._tag === 'BuildState' ? { ...facts, buildState: answer } : { ...facts, tmux: answer as ProbeAnswer<string> };

/** The Stop decision for the step driver: {@link stopStep}, {@link withAnswer}, at most {@link MAX_STEPS} calls. */
export const driver: StepDriver<StopFacts, Probe, Answer, StopVerdict, Effect> = { step: stopStep, withAnswer, limit: MAX_STEPS, probeKey: (p) => p._tag };

/** Scripted answers for {@link runStop}. */
export interface StopAnswers {
  readonly buildState: ProbeAnswer<string | null>;
  readonly tmux: ProbeAnswer<string>;
}

/**
 * Drive {@link stopStep} to completion with scripted answers through `runStepsSync` (what an adapter does with real
 * probes), for tables, simulations and tests. Returns the final step and the probes requested, in order. Throws an
 * `Error` when the step re-requests an answered probe or exceeds {@link MAX_STEPS} (G-P1), so a test sees the
 * violation; the hook driver turns the same condition into its fail-open internal-error answer instead.
 */
export const runStop = (
  base: Omit<StopFacts, 'buildState' | 'tmux'>,
  answers: StopAnswers,
): { readonly step: Done<StopVerdict, Effect>; readonly probes: ReadonlyArray<Probe['_tag']> } => {
  const probes: Probe['_tag'][] = [];
  // the driver's probeKey stops a step that asks an answered probe again (RepeatedProbe) before it reaches this oracle
  const r = runStepsSync(driver, base, (p): Answer => {
    probes.push(p._tag);
    return p._tag === 'BuildState' ? answers.buildState : answers.tmux;
  });
  if (r._tag !== 'Done') throw new Error(r._tag === 'StepLimit' ? 'step bound exceeded' : `probe ${r.key} requested twice`);
  return { step: done<StopVerdict, Effect>(r.outcome, r.effects), probes };
};

// ───────────────────────────────────────── patch (build-stop.md §6) ─────────────────────────────────────────

/** Result of {@link applyPatch}: the new file text, or a dropped patch with a short reason. */
export type PatchResult =
  | { readonly _tag: 'Applied'; readonly text: string }
  | { readonly _tag: 'Dropped'; readonly reason: 'patch-dropped'; readonly detail: string };

/**
 * Apply a `BuildStatePatch` to the current file text (re-read under the mutex by the adapter; build-stop.md §6).
 * Drops the patch when the file is absent or unparseable or its `startedAt` differs from `expectStartedAt`
 * (BS-P12). Otherwise sets `owner.session` when the patch has one, `reinforcementsUsed = max(stored, n)` when the
 * patch has `n`, and `updatedAt = now` (ISO), keeping every other field as stored. Total; never throws.
 */
export const applyPatch = (current: string | null, patch: Extract<Effect, { _tag: 'BuildStatePatch' }>, now: number): PatchResult => {
  if (current === null) return { _tag: 'Dropped', reason: 'patch-dropped', detail: 'no build state' };
  const read = readState(current);
  if (read._tag === 'Unparseable') return { _tag: 'Dropped', reason: 'patch-dropped', detail: 'build state unparseable' };
  if (read.view.startedAt !== patch.expectStartedAt) {
    return { _tag: 'Dropped', reason: 'patch-dropped', detail: 'a different build is stored' };
  }
  const json = JSON.parse(current) as Record<string, unknown>;
  const out: Record<string, unknown> = { ...json };
  if (patch.ownerSession !== undefined) {
    out['owner'] = { ...(isObject(json['owner']) ? json['owner'] : {}), session: patch.ownerSession };
  }
  if (patch.reinforcementsUsed !== undefined) out['reinforcementsUsed'] = Math.max(read.view.used, patch.reinforcementsUsed);
  out['updatedAt'] = msToIso(now);
  return { _tag: 'Applied', text: JSON.stringify(out, null, 2) + '\n' };
};

// ───────────────────────────────────────── messages (build-stop.md §7) ─────────────────────────────────────────

/** Hint line per phase (build-stop.md §7). */
export const PHASE_HINTS: Readonly<Record<string, string>> = {
  idle: 'Begin by settling open questions or by writing the plan.',
  clarify: 'Pin down what is still ambiguous, then go on to planning.',
  planning: 'Write out the plan and its test approach, then begin execution.',
  executing: 'Take the current step to done: its code, its tests, and proof that it works.',
  verifying: 'Check the result independently, with at least one real run beyond the unit tests.',
  fixing: 'Resolve each verification finding, then verify once more.',
  hardening: 'Work through the hardening checklist: logging, limits, failure paths.',
};
/** Hint for any other phase. */
export const OTHER_HINT = 'Keep going with the phase in progress.';

/** The hint of a phase (exact, case-sensitive lookup; own properties only). */
export const hintFor = (phase: string): string =>
  Object.prototype.hasOwnProperty.call(PHASE_HINTS, phase) ? (PHASE_HINTS[phase] as string) : OTHER_HINT;

/**
 * The block reason (build-stop.md §7): six fixed lines joined with LF; phase ≤ 32, label ≤ 16, task ≤ 300 code points, all
 * through `sanitizeLine`, so no control character other than LF appears (BS-P9).
 */
export const blockReason = (v: Pick<StateView, 'phase' | 'label' | 'task' | 'max'>, n: number): string =>
  [
    'Arbiter build guard: this session owns a build that is not finished.',
    `Phase: ${sanitizeLine(v.phase, 32)} (${sanitizeLine(v.label, 16)} protection, reinforcement ${n} of ${v.max}).`,
    `Task: ${sanitizeLine(v.task, TASK_REASON_MAX)}`,
    hintFor(v.phase),
    'When this phase is done, run: arbiter build phase <next-phase>. When the whole build is done, run: arbiter build done (or arbiter build fail / arbiter build escalate).',
    'Keep working on the build.',
  ].join('\n');

/** CLI message: no-identity warning (build-stop.md §7). */
export const NO_IDENTITY_WARNING =
  'Warning: no owner identity was recorded (no tmux session and no session id), so the build guard will not hold any session to this build. Pass --owner-session <id> or run inside tmux.';
/** CLI message: no build (build-stop.md §7). */
export const NO_BUILD_MESSAGE = 'No build is active.';

// ───────────────────────────────────────── CLI decisions (build-stop.md §3) ─────────────────────────────────────────

/** What a build command does: exit code, reason, lines for stdout (exit 0) or stderr, and an optional new file text. */
export interface CliResult {
  readonly exit: 0 | 1 | 2;
  readonly reason: CliReason;
  readonly lines: ReadonlyArray<string>;
  /** New content of `build-state.json` (written atomically), or absent for no write. */
  readonly write?: string;
}

const usage = (line: string): CliResult => ({ exit: 2, reason: 'cli-usage', lines: [line] });

/** Message for an unreadable state (build-stop.md §7 "state corrupt"); `path` is sanitized to one line of ≤ 300 code points. */
export const stateCorruptMessage = (path: string): string =>
  `${sanitizeLine(path, 300)} cannot be read as a build state. Inspect or delete it, then run arbiter build start again.`;

/** Arguments of `arbiter build start` after flag parsing. `size` undefined means the default `standard`. */
export interface StartArgs {
  readonly size?: string;
  readonly task?: string;
  readonly ownerSession?: string;
  readonly ownerTmux?: string;
}

/** Result of {@link checkStart}: refuse with a CLI result, or go on with the validated size and sanitized task. */
export type StartCheck =
  | { readonly _tag: 'Refuse'; readonly result: CliResult }
  | { readonly _tag: 'Ok'; readonly size: Size; readonly task: string; readonly needTmux: boolean };

/**
 * Rules 1–3 of `arbiter build start` (build-stop.md §3), before any owner probe.
 * @param existing the current file text, or null when absent.
 * @param path the state file path, for the corrupt message.
 * @returns `Refuse` (exit 2 `cli-usage`, exit 1 `cli-state-corrupt` or `cli-build-active`) or `Ok` with
 *   `needTmux` true exactly when `--owner-tmux` is empty (the tmux probe is not requested otherwise).
 */
export const checkStart = (existing: string | null, args: StartArgs, path: string): StartCheck => {
  const size = args.size ?? 'standard';
  if (!Object.prototype.hasOwnProperty.call(SIZES, size)) {
    return { _tag: 'Refuse', result: usage('--size must be one of: small, standard, large') };
  }
  const task = sanitizeLine(maskString(args.task ?? ''), TASK_STORE_MAX); // secrets.md §12: the task is stored and shown
  if (task === '') return { _tag: 'Refuse', result: usage('--task <text> is required and must not be blank') };
  if (existing !== null) {
    const read = readState(existing);
    if (read._tag === 'Unparseable') {
      return { _tag: 'Refuse', result: { exit: 1, reason: 'cli-state-corrupt', lines: [stateCorruptMessage(path)] } };
    }
    if (!isTerminal(read.view.phase)) {
      return {
        _tag: 'Refuse',
        result: {
          exit: 1,
          reason: 'cli-build-active',
          lines: [
            `A build is already active (phase ${sanitizeLine(read.view.phase, 32)}; task: ${sanitizeLine(read.view.task, 120)}). End it first with arbiter build done, fail or escalate.`,
          ],
        },
      };
    }
  }
  return { _tag: 'Ok', size: size as Size, task, needTmux: (args.ownerTmux ?? '') === '' };
};

/**
 * Rule 4–5 of `arbiter build start` (build-stop.md §3): the owner and the new state.
 * @param tmux the resolved tmux name (`resolveTmux`), used only when `--owner-tmux` is empty.
 * @param env `ARBITER_SESSION_ID`, then `CLAUDE_CODE_SESSION_ID`, then `CODEX_THREAD_ID` (set by Codex in every
 *   command it runs, equal to its hooks' `session_id`); undefined or empty when unset.
 * @returns exit 0 `cli-started` with the new file text; the lines include the no-identity warning when both owner
 *   fields are empty.
 */
export const startBuild = (
  ok: Extract<StartCheck, { _tag: 'Ok' }>,
  args: StartArgs,
  tmux: string,
  env: { readonly ARBITER_SESSION_ID?: string | undefined; readonly CLAUDE_CODE_SESSION_ID?: string | undefined; readonly CODEX_THREAD_ID?: string | undefined },
  now: number,
): CliResult => {
  const ownerTmux = (args.ownerTmux ?? '') !== '' ? (args.ownerTmux as string) : tmux;
  const flagSession = (args.ownerSession ?? '').trim();
  const ownerSession =
    flagSession !== '' ? flagSession : (env.ARBITER_SESSION_ID || undefined) ?? (env.CLAUDE_CODE_SESSION_ID || undefined) ?? (env.CODEX_THREAD_ID || undefined) ?? '';
  const p = SIZES[ok.size];
  const state: BuildState = {
    version: STATE_VERSION,
    phase: 'idle',
    size: ok.size,
    task: ok.task,
    owner: { tmux: ownerTmux, session: ownerSession, stampedAt: now },
    protection: { reinforcements: p.reinforcements, label: p.label },
    reinforcementsUsed: 0,
    startedAt: now,
    updatedAt: now,
  };
  const lines = [
    `Build started: ${ok.size} (${p.reinforcements} reinforcements, ${p.label}). Owner: tmux "${sanitizeLine(ownerTmux, 64)}", session "${shortId(ownerSession)}". Task: ${sanitizeLine(ok.task, 120)}`,
  ];
  if (ownerTmux === '' && ownerSession === '') lines.push(NO_IDENTITY_WARNING);
  return { exit: 0, reason: 'cli-started', lines, write: encodeState(state) };
};

const withField = (text: string, fields: Record<string, unknown>): string => {
  const json = JSON.parse(text) as Record<string, unknown>;
  return JSON.stringify({ ...json, ...fields }, null, 2) + '\n';
};

/**
 * `arbiter build phase <p>` (build-stop.md §3): exit 2 `cli-usage` for a malformed or terminal `p`; exit 1 `cli-no-build`
 * (absent or unparseable), `cli-build-finished` (terminal); else exit 0 `cli-phase-set` writing only `phase` and
 * `updatedAt` (the counter is never changed, BS-P11).
 */
export const setPhase = (existing: string | null, p: string, now: number): CliResult => {
  if (!PHASE_ARG.test(p) || isTerminal(p)) {
    return usage('phase must match ^[a-z][a-z0-9-]{0,31}$ and must not be complete, failed or escalated (use arbiter build done, fail or escalate)');
  }
  if (existing === null) return { exit: 1, reason: 'cli-no-build', lines: [NO_BUILD_MESSAGE] };
  const read = readState(existing);
  if (read._tag === 'Unparseable') return { exit: 1, reason: 'cli-no-build', lines: [NO_BUILD_MESSAGE] };
  const prior = sanitizeLine(read.view.phase, 32);
  if (isTerminal(read.view.phase)) return { exit: 1, reason: 'cli-build-finished', lines: [`The build is already ${prior}.`] };
  return {
    exit: 0,
    reason: 'cli-phase-set',
    lines: [`Build phase: ${p} (was ${prior}).`],
    write: withField(existing, { phase: p, updatedAt: msToIso(now) }),
  };
};

/** Terminal phase written by `done`, `fail` and `escalate`. */
export const FINISH_PHASE = { done: 'complete', fail: 'failed', escalate: 'escalated' } as const;

/**
 * `arbiter build done|fail|escalate` (build-stop.md §3): exit 1 `cli-no-build` (absent or unparseable) or `cli-build-finished`
 * (already terminal); else exit 0 `cli-finished` writing the terminal phase and `updatedAt`.
 */
export const finishBuild = (existing: string | null, verb: keyof typeof FINISH_PHASE, now: number): CliResult => {
  if (existing === null) return { exit: 1, reason: 'cli-no-build', lines: [NO_BUILD_MESSAGE] };
  const read = readState(existing);
  if (read._tag === 'Unparseable') return { exit: 1, reason: 'cli-no-build', lines: [NO_BUILD_MESSAGE] };
  if (isTerminal(read.view.phase)) {
    return { exit: 1, reason: 'cli-build-finished', lines: [`The build is already ${read.view.phase}.`] };
  }
  const phase = FINISH_PHASE[verb];
  return { exit: 0, reason: 'cli-finished', lines: [`Build marked ${phase}.`], write: withField(existing, { phase, updatedAt: msToIso(now) }) };
};

/** JSON shape of `arbiter build status --json`. */
export interface StatusJson {
  readonly active: boolean;
  readonly state: 'absent' | 'unparseable' | 'parsed';
  readonly phase?: string;
  readonly size?: string | null;
  readonly owner?: { readonly tmux: string; readonly session: string };
  readonly used?: number;
  readonly max?: number;
  readonly label?: string;
  readonly task?: string;
}

/**
 * `arbiter build status` (build-stop.md §3): read-only, exit 0 `cli-status`. Lines: phase, size, owner (tmux name and `shortId`
 * of the session), `{used} of {max}`, task; `json` is the same as data (sanitized).
 */
export const buildStatus = (existing: string | null): CliResult & { readonly json: StatusJson } => {
  if (existing === null) return { exit: 0, reason: 'cli-status', lines: [NO_BUILD_MESSAGE], json: { active: false, state: 'absent' } };
  const read = readState(existing);
  if (read._tag === 'Unparseable') {
    return { exit: 0, reason: 'cli-status', lines: ['The build state cannot be parsed.'], json: { active: false, state: 'unparseable' } };
  }
  const v = read.view;
  const json: StatusJson = {
    active: !isTerminal(v.phase),
    state: 'parsed',
    phase: sanitizeLine(v.phase, 32),
    size: v.size === null ? null : sanitizeLine(v.size, 16),
    owner: { tmux: sanitizeLine(v.ownerTmux, 64), session: shortId(v.ownerSession) },
    used: v.used,
    max: v.max,
    label: sanitizeLine(v.label, 16),
    task: sanitizeLine(v.task, 300),
  };
  return {
    exit: 0,
    reason: 'cli-status',
    lines: [
      `phase: ${json.phase}`,
      `size: ${json.size ?? '-'}`,
      `owner: tmux "${json.owner?.tmux}", session "${json.owner?.session}"`,
      `reinforcements: ${v.used} of ${v.max}`,
      `task: ${json.task}`,
    ],
    json,
  };
};

// ───────────────────────────────────────── table ─────────────────────────────────────────

const TABLE_NOW = 1_700_000_000_000;
const tableState = (o: { phase?: string; tmux: string; session: string; used: number; max?: number; raw?: string }): string =>
  o.raw ??
  encodeState({
    version: 1,
    phase: o.phase ?? 'executing',
    size: 'standard',
    task: 'ship the feature',
    owner: { tmux: o.tmux, session: o.session, stampedAt: TABLE_NOW - 60_000 },
    protection: { reinforcements: o.max ?? 5, label: 'medium' },
    reinforcementsUsed: o.used,
    startedAt: TABLE_NOW - 60_000,
    updatedAt: TABLE_NOW - 60_000,
  });

/**
 * The build-stop decision table: abstract state kinds × caller identities × tmux answers through {@link runStop}.
 * Owner stamp: tmux `work`, session `S-own`; the caller is `S-own`, `S-new` (same tmux, restarted) or `S-other`.
 */
export const table = (): DecisionTable => {
  type Row = { state: string; answer: ProbeAnswer<string | null>; caller: string; tmux: ProbeAnswer<string> };
  const ok = <A>(value: A): ProbeAnswer<A> => ({ ok: true, value });
  const fail: ProbeAnswer<string | null> = { ok: false, error: { kind: 'failed', detail: 'EACCES' } };
  const rows: Row[] = [];
  const states: Array<[string, ProbeAnswer<string | null>]> = [
    ['unreadable (read error)', fail],
    ['absent', ok(null)],
    ['terminal (complete)', ok(tableState({ phase: 'complete', tmux: 'work', session: 'S-own', used: 0 }))],
    ['unparseable', ok('{"reinforcementsUsed":"x"}')],
    ['no owner stamp', ok(tableState({ tmux: '', session: '', used: 0 }))],
    ['owner session only, used 0 of 5', ok(tableState({ tmux: '', session: 'S-own', used: 0 }))],
    ['owner tmux + session, used 0 of 5', ok(tableState({ tmux: 'work', session: 'S-own', used: 0 }))],
    ['owner tmux + session, used 4 of 5', ok(tableState({ tmux: 'work', session: 'S-own', used: 4 }))],
    ['owner tmux + session, used 5 of 5', ok(tableState({ tmux: 'work', session: 'S-own', used: 5 }))],
  ];
  for (const [state, answer] of states) {
    for (const caller of ['S-own', 'S-new', 'S-other', '']) {
      for (const tm of ['work', 'elsewhere']) rows.push({ state, answer, caller, tmux: ok(tm) });
    }
  }
  const out: string[][] = [];
  const seen = new Set<string>();
  for (const r of rows) {
    const { step, probes } = runStop({ hookSession: r.caller, now: TABLE_NOW }, { buildState: r.answer, tmux: r.tmux });
    const asked = probes.includes('Tmux');
    const callerTmux = asked && r.tmux.ok ? r.tmux.value : '—';
    const key = [r.state, r.caller, callerTmux].join('|');
    if (seen.has(key)) continue;
    seen.add(key);
    const v = step.outcome;
    out.push([
      r.state,
      r.caller === '' ? '(none)' : r.caller,
      callerTmux,
      probes.join(' → '),
      v._tag,
      v.reasons[0],
      v._tag === 'Block' ? `${v.n} of ${v.max}` : '—',
      step.effects
        .map((e) =>
          e._tag === 'BuildStatePatch'
            ? `Patch(${[e.reinforcementsUsed === undefined ? '' : `used=${e.reinforcementsUsed}`, e.ownerSession === undefined ? '' : `owner.session=${e.ownerSession}`].filter((x) => x !== '').join(', ')})`
            : e._tag,
        )
        .join(', ') || '—',
    ]);
  }
  return {
    policy: POLICY,
    version: POLICY_VERSION,
    title: 'Stop hook: does this session own an unfinished build with budget left? (owner stamp: tmux `work`, session `S-own`).',
    columns: ['build state', 'hook session', 'caller tmux', 'probes', 'verdict', 'reason', 'reinforcement', 'effects'],
    rows: out,
    notes: [
      'Budgets: small 3 (light), standard 5 (medium), large 10 (heavy); 5 when the field is absent.',
      'Terminal phases: complete, failed, escalated (case-sensitive).',
      'tmux is asked only when the state parsed, is not terminal, owner.tmux is set and the session did not match; "—" means not asked.',
      'A restart reconcile (owner.session := hook session) happens only on a tmux match with a different, non-empty hook session.',
      'Fail direction: approve. Every doubt (no state, unreadable, unparseable, no stamp, unknown identity, failed probe) lets the session stop.',
    ],
  };
};
