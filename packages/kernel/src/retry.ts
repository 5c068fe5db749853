/**
 * Retry and exhaustion policy (retry.md; policy `retry`, table `exhaustion`).
 *
 * Sections: model (failure kinds, facts) → decisions (`decideAfterFailure`, `renderNote`, `composePrompt`,
 * `exhaust`, `cascadeTargets`, `buildLedgerEntry`) → verdicts → messages (the retry.md §4 note templates, verbatim) →
 * table. Pure and total. Every piece of agent text that reaches a note, a status or a ledger entry is redacted
 * with the run's allowlist (secrets.md §5) first.
 */
import { msToIso } from './internal/codecs.js';
import type { DecisionTable } from './internal/table.js';
import type {
  ConvoyEffect,
  EmitEvent,
  RecordBreakerOutcome,
  SkipTasks,
  StopDispatching,
  TaskStatus,
  WriteLedgerEntry,
} from './internal/convoy.js';
import type { ExhaustMode } from './paths/paths.js';
import type { ReviewBlockFailure, ReviewPolicy } from './review.js';
import { redact, redactedExcerpt, scanForSecrets, type Allowlist, type PatternName } from './secrets.js';

// ───────────────────────────────────────── constants (retry.md §9) ─────────────────────────────────────────

export const POLICY = 'retry';
export const POLICY_VERSION = '1.0.0';
/** Characters of redacted output quoted at the end of a note (retry.md §4 `{tail}`). */
export const NOTE_TAIL_MAX = 3_000;
/** Whole-note cap, characters (retry.md §4). */
export const NOTE_MAX = 6_000;
export const NOTE_TRUNCATED = '[note truncated]';
/** DLQ error excerpt, characters (retry.md §8). */
export const DLQ_EXCERPT_MAX = 2_000;
/** Header line inserted by {@link composePrompt}. */
export const NOTE_HEADER = 'Note about your previous attempt:';
export const DEFAULT_MAX_RETRIES = 1;
export const DEFAULT_ON_EXHAUSTED: ExhaustMode = 'dlq';

// ───────────────────────────────────────── model (retry.md §3, retry.md §4) ─────────────────────────────────────────

/** Details per failure kind (retry.md §4). `output` is the attempt's raw output; it is redacted before any use. */
export interface FailureDetails {
  readonly error: { readonly exitCode: number | null; readonly output?: string };
  readonly timeout: { readonly timeoutMs: number; readonly output?: string };
  readonly gate: { readonly command: string; readonly exitCode: number | null; readonly output?: string };
  readonly 'browser-test': { readonly output?: string };
  readonly 'secret-scan': {
    readonly findings: ReadonlyArray<{ readonly pattern: PatternName; readonly file: string; readonly line: number }>;
    readonly output?: string;
  };
  readonly 'blast-radius': { readonly lines: number; readonly files: number; readonly output?: string };
  readonly 'no-op': { readonly output?: string };
  readonly 'review-block': { readonly level: 'fast' | 'panel'; readonly blocks: number; readonly feedback: ReadonlyArray<string>; readonly output?: string };
  readonly 'merge-conflict': { readonly files: ReadonlyArray<string>; readonly output?: string };
  readonly 'prompt-secret': { readonly output?: string };
  readonly hook: { readonly output?: string };
  readonly 'symlink-escape': { readonly output?: string };
  readonly 'adapter-unavailable': { readonly output?: string };
}
/** Failure kinds that `decideAfterFailure` and `exhaust` handle (drift has its own path, drift.md §7). */
export type FailureKind = keyof FailureDetails;
export type Failure = { [K in FailureKind]: { readonly kind: K; readonly details: FailureDetails[K] } }[FailureKind];

/** Note kinds: every failure kind plus `drift` (rendered for drift.md §7). */
export type NoteKind = FailureKind | 'drift';
export type NoteDetails = { [K in FailureKind]: FailureDetails[K] } & {
  readonly drift: { readonly score: number; readonly explanation: string };
};

/** retry.md §4 table: retryable kinds and terminal statuses. */
export const KINDS: Readonly<Record<FailureKind, { readonly retryable: boolean; readonly terminal: TaskStatus }>> = {
  error: { retryable: true, terminal: 'failed' },
  timeout: { retryable: true, terminal: 'timed-out' },
  gate: { retryable: true, terminal: 'gate-failed' },
  'browser-test': { retryable: true, terminal: 'gate-failed' },
  'secret-scan': { retryable: true, terminal: 'gate-failed' },
  'blast-radius': { retryable: true, terminal: 'gate-failed' },
  'no-op': { retryable: true, terminal: 'failed' },
  'review-block': { retryable: true, terminal: 'review-blocked' },
  'merge-conflict': { retryable: true, terminal: 'failed' },
  'prompt-secret': { retryable: false, terminal: 'failed' },
  hook: { retryable: false, terminal: 'hook-failed' },
  'symlink-escape': { retryable: false, terminal: 'failed' },
  'adapter-unavailable': { retryable: false, terminal: 'failed' },
};
export const FAILURE_KINDS = Object.keys(KINDS) as ReadonlyArray<FailureKind>;

export type OnFailure = 'continue' | 'stop';

/** Task facts of a failed attempt (retry.md §3). */
export interface RetryTask {
  readonly id: string;
  readonly retries: number;
  readonly maxRetries: number;
}

/** Run and attempt facts of `decideAfterFailure` (retry.md §3). */
export interface RetryFacts {
  readonly onFailure: OnFailure;
  readonly breakerEnabled: boolean;
  readonly interrupted: boolean;
  readonly dispatchStopped: boolean;
  readonly attemptAgent: string;
  readonly allowlist: Allowlist;
}

// ───────────────────────────────────────── messages: notes (retry.md §4) ─────────────────────────────────────────

/** Interpolated single-line values: control characters and backticks replaced, cut to `max`. */
const oneLine = (s: string, max: number): string => s.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ').replace(/`/g, "'").slice(0, max);
const exitCode = (c: number | null): string => (c !== null && Number.isSafeInteger(c) ? String(c) : 'unknown');
const tailOf = (output: string | undefined, allowlist: Allowlist): string => {
  const t = redactedExcerpt(output ?? '', NOTE_TAIL_MAX, allowlist, 'tail');
  return t === '' ? '(empty)' : t;
};

const noteBody = <K extends NoteKind>(kind: K, details: NoteDetails[K], allowlist: Allowlist): string => {
  const d = details as NoteDetails[NoteKind] & Record<string, unknown>;
  switch (kind) {
    case 'error': {
      const x = d as NoteDetails['error'];
      return `Your last attempt stopped with exit code ${exitCode(x.exitCode)}. The end of its output was:\n${tailOf(x.output, allowlist)}`;
    }
    case 'timeout': {
      const x = d as NoteDetails['timeout'];
      const s = Number.isFinite(x.timeoutMs) ? Math.floor(Math.max(0, x.timeoutMs) / 1000) : 0;
      return `Your last attempt reached the time limit of ${s} s before it finished. Work in smaller steps and commit progress as you go.`;
    }
    case 'gate': {
      const x = d as NoteDetails['gate'];
      return (
        `After your last attempt the check \`${oneLine(x.command, 200)}\` exited with ${exitCode(x.exitCode)}. The end of its output was:\n` +
        `${tailOf(x.output, allowlist)}\nChange the work until this check passes.`
      );
    }
    case 'browser-test':
      return `The browser test rejected your last attempt:\n${tailOf((d as NoteDetails['browser-test']).output, allowlist)}`;
    case 'secret-scan': {
      const x = d as NoteDetails['secret-scan'];
      const list = x.findings.map((f) => `${f.pattern} in ${oneLine(f.file, 200)} line ${f.line}`).join('; ');
      return `The secret scan found ${x.findings.length} likely credential(s) in your last change: ${list}. Remove them and read such values from configuration instead.`;
    }
    case 'blast-radius': {
      const x = d as NoteDetails['blast-radius'];
      return `Your last change touched ${x.lines} lines in ${x.files} files; the limit is under 500 lines and under 10 files. Keep the change to what the task needs.`;
    }
    case 'no-op':
      return 'Your last attempt left the repository unchanged, but this task needs file changes.';
    case 'review-block': {
      const x = d as NoteDetails['review-block'];
      const fb = x.feedback.map((f) => redact(f, allowlist)).join('\n---\n');
      const close = 'Deal with each point and complete the task.';
      return x.level === 'panel'
        ? `${x.blocks} of 3 reviewers did not accept your last change. Points to fix:\n${fb}\n${close}`
        : `A reviewer did not accept your last change. Their points:\n${fb}\n${close}`;
    }
    case 'merge-conflict': {
      const x = d as NoteDetails['merge-conflict'];
      return `Your last change could not be merged because other work changed the same places in: ${x.files.map((f) => oneLine(f, 200)).join(', ')}. Start again from the current state of the branch.`;
    }
    case 'drift': {
      const x = d as NoteDetails['drift'];
      const score = Number.isFinite(x.score) ? x.score.toFixed(2) : 'unknown';
      return `A check doubted that your last change does what the task asks (confidence ${score}). ${redact(x.explanation, allowlist)} Re-read the task and stay within it.`;
    }
    default:
      return '';
  }
};

/**
 * Render the retry note of a failure kind (retry.md §4 templates, verbatim). Placeholders are filled with redacted text;
 * the assembled note is redacted once more (interpolation can join harmless pieces into a match) and capped at
 * 6 000 characters, a longer note ending with a line `[note truncated]`. Every note scans clean (RE-11).
 * Non-retryable kinds have no note and give `''`. Never throws.
 */
export const renderNote = <K extends NoteKind>(kind: K, details: NoteDetails[K], allowlist: Allowlist): string => {
  const body = noteBody(kind, details, allowlist);
  const whole = redact(body, allowlist);
  if (whole.length <= NOTE_MAX) return whole;
  const room = NOTE_MAX - NOTE_TRUNCATED.length - 1;
  return `${redactedExcerpt(whole, room, allowlist, 'head')}\n${NOTE_TRUNCATED}`;
};

/**
 * The prompt of the next attempt (retry.md §4): the original when `note` is null, otherwise the original, a blank line,
 * the line "Note about your previous attempt:" and the note. Always built from the original stored prompt, so
 * notes never stack (RE-3).
 */
export const composePrompt = (original: string, note: string | null): string =>
  note === null ? original : `${original}\n\n${NOTE_HEADER}\n${note}`;

// ───────────────────────────────────────── decision: decideAfterFailure (retry.md §5) ──────────────────────────────

export type RetryReason = 'retry-interrupted' | 'run-stopped' | 'exhausted-not-retryable' | 'retry-scheduled' | 'exhausted-retries-spent';

export type RetryDecision =
  | { readonly _tag: 'Requeue'; readonly reason: 'retry-interrupted'; readonly reasons: readonly ['retry-interrupted'] }
  | { readonly _tag: 'RunStoppedSkip'; readonly reason: 'run-stopped'; readonly reasons: readonly ['run-stopped'] }
  | { readonly _tag: 'Retry'; readonly reason: 'retry-scheduled'; readonly reasons: readonly ['retry-scheduled']; readonly retries: number; readonly note: string }
  | {
      readonly _tag: 'Exhausted';
      readonly reason: 'exhausted-not-retryable' | 'exhausted-retries-spent';
      readonly reasons: readonly ['exhausted-not-retryable' | 'exhausted-retries-spent'];
    };

const probeRelease = (task: RetryTask, f: RetryFacts): ReadonlyArray<RecordBreakerOutcome> =>
  f.breakerEnabled ? [{ _tag: 'RecordBreakerOutcome', agent: f.attemptAgent, event: { _tag: 'ProbeReleased', taskId: task.id } }] : [];

/**
 * What happens after a failed attempt (retry.md §5, rules F1–F5, in order).
 *
 * @returns `Requeue` (interrupted; effects `Requeue` + probe release when the breaker is enabled), `RunStoppedSkip`
 *   (dispatch stopped with attempts left; `SetTaskStatus skipped run-stopped` + probe release), `Retry {retries + 1,
 *   note}` (`ScheduleRetry`, `EmitEvent retry`; `onFailure` is not consulted), or `Exhausted` (no effects here: the
 *   caller runs {@link exhaust}). Never a breaker `Failure`. Never throws.
 */
export const decideAfterFailure = (
  task: RetryTask,
  failure: Failure,
  f: RetryFacts,
): { readonly decision: RetryDecision; readonly effects: ReadonlyArray<ConvoyEffect> } => {
  const retryable = KINDS[failure.kind]?.retryable === true;
  // F1
  if (f.interrupted) {
    return {
      decision: { _tag: 'Requeue', reason: 'retry-interrupted', reasons: ['retry-interrupted'] },
      effects: [{ _tag: 'Requeue', taskId: task.id }, ...probeRelease(task, f)],
    };
  }
  // F2
  if (f.dispatchStopped && retryable && task.retries < task.maxRetries) {
    return {
      decision: { _tag: 'RunStoppedSkip', reason: 'run-stopped', reasons: ['run-stopped'] },
      effects: [{ _tag: 'SetTaskStatus', taskId: task.id, status: 'skipped', reason: 'run-stopped' }, ...probeRelease(task, f)],
    };
  }
  // F3
  if (!retryable) return { decision: { _tag: 'Exhausted', reason: 'exhausted-not-retryable', reasons: ['exhausted-not-retryable'] }, effects: [] };
  // F4
  if (task.retries < task.maxRetries) {
    const retries = task.retries + 1;
    const note = renderNote(failure.kind, failure.details as never, f.allowlist);
    return {
      decision: { _tag: 'Retry', reason: 'retry-scheduled', reasons: ['retry-scheduled'], retries, note },
      effects: [
        { _tag: 'ScheduleRetry', taskId: task.id, retries, note },
        { _tag: 'EmitEvent', type: 'retry', severity: 'info', code: 'retry-scheduled', taskId: task.id, data: { kind: failure.kind, retries, maxRetries: task.maxRetries } },
      ],
    };
  }
  // F5
  return { decision: { _tag: 'Exhausted', reason: 'exhausted-retries-spent', reasons: ['exhausted-retries-spent'] }, effects: [] };
};

// ───────────────────────────────────────── decision: cascade (retry.md §7) ─────────────────────────────────────────

/** One task of the dependency graph. `dependsOn` holds `depends_on` plus `inputs[].from`. */
export interface GraphTask {
  readonly id: string;
  readonly phase: number;
  /** Plan order (injected tasks after plan tasks, in injection order). */
  readonly order: number;
  readonly dependsOn: ReadonlyArray<string>;
}

/**
 * The tasks an ending task takes down with it (retry.md §7): a walk over reversed dependency edges from `root`, through
 * tasks of any status, keeping those whose status is `pending`. Terminates on cycles (visited set); never includes
 * the root, nor terminal, assigned or running tasks. Ordered by phase, then plan order, then id. Linear in the graph.
 */
export const cascadeTargets = (graph: ReadonlyArray<GraphTask>, statuses: ReadonlyMap<string, TaskStatus>, root: string): ReadonlyArray<string> => {
  const dependents = new Map<string, string[]>();
  const byId = new Map<string, GraphTask>();
  for (const g of graph) {
    if (!byId.has(g.id)) byId.set(g.id, g);
    for (const d of g.dependsOn) {
      const l = dependents.get(d);
      if (l === undefined) dependents.set(d, [g.id]);
      else l.push(g.id);
    }
  }
  const seen = new Set<string>([root]);
  const queue = [root];
  const out: GraphTask[] = [];
  for (let q = 0; q < queue.length; q++) {
    for (const n of dependents.get(queue[q] as string) ?? []) {
      if (seen.has(n)) continue;
      seen.add(n);
      queue.push(n);
      const g = byId.get(n);
      if (g !== undefined && statuses.get(n) === 'pending') out.push(g);
    }
  }
  out.sort((a, b) => a.phase - b.phase || a.order - b.order || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return out.map((g) => g.id);
};

// ───────────────────────────────────────── decision: ledger entries (retry.md §8) ──────────────────────────────────

export type LedgerFacts =
  | {
      readonly kind: 'dlq';
      readonly runId: string;
      readonly taskId: string;
      readonly agent: string;
      readonly failureKind: FailureKind;
      /** retries + 1. */
      readonly attempts: number;
      readonly output: string;
      readonly tokens: number;
    }
  | {
      readonly kind: 'dispute';
      readonly runId: string;
      readonly taskId: string;
      readonly agent: string;
      readonly panelBlocks: number;
      /** Each blocking reviewer's feedback. */
      readonly feedback: ReadonlyArray<string>;
    };

export type LedgerOutcome =
  | { readonly _tag: 'Written'; readonly reason: 'ledger-written'; readonly reasons: readonly ['ledger-written']; readonly effect: WriteLedgerEntry }
  | { readonly _tag: 'Withheld'; readonly reason: 'ledger-withheld'; readonly reasons: readonly ['ledger-withheld']; readonly event: EmitEvent };

const cell = (s: string): string => s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/[\r\n]+/g, ' ');
const fenceFor = (body: string): string => {
  let longest = 0;
  for (const m of body.matchAll(/`+/g)) longest = Math.max(longest, m[0].length);
  return '`'.repeat(Math.max(3, longest + 1));
};
/**
 * ISO instant for a ledger `created at`; an instant outside the `Date` range renders as `invalid-instant`. The range
 * test alone refuses NaN and the infinities (every comparison with NaN is false; |±∞| is out of range).
 */
const isoOrInvalid = (now: number): string => (Math.abs(now) <= 8_640_000_000_000_000 ? msToIso(Math.trunc(now)) : 'invalid-instant');

/**
 * Build a ledger entry, both or neither (retry.md §8, procedure W1–W5). Free-text fields (agent, excerpt, feedback) are
 * redacted with the run's allowlist (W2), the markdown is rendered from the redacted entry (W3: marker comment,
 * heading, field table, fenced excerpt with a fence longer than any backtick run), and the markdown and every
 * free-text field are scanned (W4). Clean → one `WriteLedgerEntry` with row and markdown (`ledger-written`);
 * dirty → no ledger effect, an `EmitEvent secret` (warn, `ledger-withheld`) with pattern names and count only.
 * Ids are deterministic: `dlq:{runId}:{taskId}:{attempts}`, `dispute:{runId}:{taskId}:{panelBlocks}`. `now` in ms.
 */
export const buildLedgerEntry = (facts: LedgerFacts, allowlist: Allowlist, now: number): LedgerOutcome => {
  const created = isoOrInvalid(now);
  const agent = redact(facts.agent, allowlist);
  let id: string;
  let row: Record<string, string | number | ReadonlyArray<string>>;
  let fields: Array<[string, string]>;
  let body: string;
  let heading: string;
  let freeText: string[];
  if (facts.kind === 'dlq') {
    id = `dlq:${facts.runId}:${facts.taskId}:${facts.attempts}`;
    const excerpt = redactedExcerpt(facts.output, DLQ_EXCERPT_MAX, allowlist, 'head');
    row = { run: facts.runId, task: facts.taskId, agent, kind: facts.failureKind, attempts: facts.attempts, error_excerpt: excerpt, tokens: facts.tokens, created_at: created };
    fields = [
      ['run', facts.runId],
      ['task', facts.taskId],
      ['agent', agent],
      ['failure kind', facts.failureKind],
      ['attempts', String(facts.attempts)],
      ['tokens used', String(facts.tokens)],
      ['created at', created],
    ];
    body = excerpt;
    heading = `## Dead letter: task ${facts.taskId} (run ${facts.runId}, ${facts.attempts} attempts)`;
    freeText = [agent, excerpt];
  } else {
    id = `dispute:${facts.runId}:${facts.taskId}:${facts.panelBlocks}`;
    const feedback = facts.feedback.map((f) => redact(f, allowlist));
    row = { run: facts.runId, task: facts.taskId, agent, panel_blocks: facts.panelBlocks, feedback, created_at: created, status: 'open' };
    fields = [
      ['run', facts.runId],
      ['task', facts.taskId],
      ['agent', agent],
      ['panel blocks', String(facts.panelBlocks)],
      ['status', 'open'],
      ['created at', created],
    ];
    body = feedback.join('\n---\n');
    heading = `## Dispute: task ${facts.taskId} (run ${facts.runId}, ${facts.panelBlocks} blocking panels)`;
    freeText = [agent, ...feedback];
  }
  const fence = fenceFor(body);
  const markdown = [
    `<!-- arbiter-ledger ${id} -->`,
    heading,
    '',
    '| field | value |',
    '|---|---|',
    ...fields.map(([k, v]) => `| ${cell(k)} | ${cell(v)} |`),
    '',
    fence,
    body,
    fence,
    '',
  ].join('\n');
  const label = `ledger:${facts.kind}`;
  const found = [markdown, ...freeText].flatMap((s) => scanForSecrets(s, label, allowlist).findings);
  if (found.length === 0) {
    return { _tag: 'Written', reason: 'ledger-written', reasons: ['ledger-written'], effect: { _tag: 'WriteLedgerEntry', kind: facts.kind, id, row, markdown } };
  }
  const patterns = [...new Set(found.map((f) => f.pattern))];
  return {
    _tag: 'Withheld',
    reason: 'ledger-withheld',
    reasons: ['ledger-withheld'],
    event: { _tag: 'EmitEvent', type: 'secret', severity: 'warn', code: 'ledger-withheld', taskId: facts.taskId, data: { kind: facts.kind, patterns, count: found.length } },
  };
};

// ───────────────────────────────────────── decision: exhaust (retry.md §6) ─────────────────────────────────────────

/** Task facts of `exhaust`. `onExhausted` null or absent: fall back to the run default. */
export interface ExhaustTask {
  readonly id: string;
  readonly retries: number;
  readonly onExhausted?: ExhaustMode | null;
  /** Tokens spent by the task (for the DLQ row). */
  readonly tokens: number;
}

export interface ExhaustRunFacts {
  readonly runId: string;
  readonly onFailure: OnFailure;
  readonly defaultOnExhausted?: ExhaustMode | null;
  readonly breakerEnabled: boolean;
  readonly attemptAgent: string;
}

export interface ExhaustGraph {
  readonly tasks: ReadonlyArray<GraphTask>;
  readonly statuses: ReadonlyMap<string, TaskStatus>;
}

/** retry.md §6: the task's `on_exhausted`, else the run default, else `dlq`. */
export const effectiveMode = (task: ExhaustMode | null | undefined, dflt: ExhaustMode | null | undefined): ExhaustMode =>
  task ?? dflt ?? DEFAULT_ON_EXHAUSTED;

/** `EXHAUSTED_<KIND>` in kebab-case: `exhausted-review-block`. */
export const exhaustedReason = (kind: FailureKind): string => `exhausted-${kind}`;

/**
 * The effects of an exhausted failure (retry.md §6, E1–E7, in order): `SetTaskStatus` (the kind's terminal status,
 * `exhausted-<kind>`, redacted output); for `dlq`/`stop` the ledger entry or its withholding event (retry.md §8);
 * `SkipTasks` for the cascade targets (`dependency-failed`, always present, possibly empty); `StopDispatching
 * exhausted-stop` for mode `stop`; `StopDispatching on-failure-stop` when `onFailure` is `stop` and none is in the
 * list yet; exactly one breaker `Failure` when the breaker is enabled; `EmitEvent exhaustion` (error, `exhausted`,
 * with kind, mode and attempts = retries + 1). The only producer of a breaker `Failure`. Never throws.
 */
export const exhaust = (
  task: ExhaustTask,
  failure: Failure,
  run: ExhaustRunFacts,
  graph: ExhaustGraph,
  allowlist: Allowlist,
  now: number,
): { readonly mode: ExhaustMode; readonly effects: ReadonlyArray<ConvoyEffect> } => {
  const mode = effectiveMode(task.onExhausted, run.defaultOnExhausted);
  // A kind outside the table (a caller's bug) ends as `failed`, like the non-retryable kinds of retry.md §4.
  const terminal: TaskStatus = KINDS[failure.kind]?.terminal ?? 'failed';
  const raw = failure.details.output ?? '';
  const attempts = task.retries + 1;
  const effects: ConvoyEffect[] = [];
  // E1
  effects.push({ _tag: 'SetTaskStatus', taskId: task.id, status: terminal, reason: exhaustedReason(failure.kind), output: redact(raw, allowlist) });
  // E2
  if (mode === 'dlq' || mode === 'stop') {
    const l = buildLedgerEntry(
      { kind: 'dlq', runId: run.runId, taskId: task.id, agent: run.attemptAgent, failureKind: failure.kind, attempts, output: raw, tokens: task.tokens },
      allowlist,
      now,
    );
    effects.push(l._tag === 'Written' ? l.effect : l.event);
  }
  // E3
  const skip: SkipTasks = { _tag: 'SkipTasks', taskIds: cascadeTargets(graph.tasks, graph.statuses, task.id), reason: 'dependency-failed', cause: task.id };
  effects.push(skip);
  // E4, E5
  const stop: StopDispatching | null =
    mode === 'stop' ? { _tag: 'StopDispatching', reason: 'exhausted-stop' } : run.onFailure === 'stop' ? { _tag: 'StopDispatching', reason: 'on-failure-stop' } : null;
  if (stop !== null) effects.push(stop);
  // E6
  if (run.breakerEnabled) effects.push({ _tag: 'RecordBreakerOutcome', agent: run.attemptAgent, event: { _tag: 'Failure', taskId: task.id } });
  // E7
  effects.push({ _tag: 'EmitEvent', type: 'exhaustion', severity: 'error', code: 'exhausted', taskId: task.id, data: { kind: failure.kind, mode, attempts } });
  return { mode, effects };
};

// ───────────────────────────────────────── table ─────────────────────────────────────────

/**
 * The exhaustion table (retry.md §6): every task `on_exhausted` × run default × `on_failure` × breaker, through `exhaust`
 * with a gate failure, a clean output and one pending dependent.
 */
export const table = (): DecisionTable => {
  const modes: ReadonlyArray<ExhaustMode | null> = [null, 'dlq', 'skip', 'stop'];
  const graph: ExhaustGraph = {
    tasks: [
      { id: 'a', phase: 1, order: 0, dependsOn: [] },
      { id: 'b', phase: 2, order: 1, dependsOn: ['a'] },
    ],
    statuses: new Map<string, TaskStatus>([
      ['a', 'running'],
      ['b', 'pending'],
    ]),
  };
  const rows: string[][] = [];
  for (const tm of modes) {
    for (const dm of modes) {
      for (const onFailure of ['continue', 'stop'] as const) {
        for (const breakerEnabled of [false, true]) {
          const { mode, effects } = exhaust(
            { id: 'a', retries: 1, onExhausted: tm, tokens: 1200 },
            { kind: 'gate', details: { command: 'npm test', exitCode: 1, output: 'FAIL src/x.test.ts' } },
            { runId: 'run-1', onFailure, defaultOnExhausted: dm, breakerEnabled, attemptAgent: 'developer' },
            graph,
            [],
            1_700_000_000_000,
          );
          const stop = effects.find((e): e is StopDispatching => e._tag === 'StopDispatching');
          rows.push([
            tm ?? '(absent)',
            dm ?? '(absent)',
            onFailure,
            breakerEnabled ? 'on' : 'off',
            mode,
            effects.some((e) => e._tag === 'WriteLedgerEntry') ? 'yes' : 'no',
            stop === undefined ? 'no' : stop.reason,
            String(effects.filter((e) => e._tag === 'RecordBreakerOutcome').length),
            effects.map((e) => e._tag).join(', '),
          ]);
        }
      }
    }
  }
  return {
    policy: 'exhaustion',
    version: POLICY_VERSION,
    title: 'What an exhausted failure does (retry.md §6): effective mode, DLQ entry, cascade, stop and breaker feed.',
    columns: ['task on_exhausted', 'defaults.on_exhausted', 'on_failure', 'breaker', 'mode', 'DLQ entry', 'stops dispatching', 'breaker failures', 'effects (in order)'],
    rows,
    notes: [
      'Failure kind `gate` (terminal status gate-failed), task `a` with one pending dependent `b`; output is clean, so the DLQ entry is written.',
      'A DLQ entry whose output still scans dirty after redaction is withheld (EmitEvent secret, ledger-withheld).',
      'Every mode cascades (SkipTasks dependency-failed). exhaust is the only producer of a breaker Failure, exactly once.',
    ],
  };
};

/** Example details per kind for {@link retryTable}. */
const EXAMPLE_FAILURES: Readonly<Record<FailureKind, Failure>> = {
  error: { kind: 'error', details: { exitCode: 1, output: 'Error: boom' } },
  timeout: { kind: 'timeout', details: { timeoutMs: 1_800_000 } },
  gate: { kind: 'gate', details: { command: 'npm test', exitCode: 1, output: 'FAIL' } },
  'browser-test': { kind: 'browser-test', details: { output: 'button missing' } },
  'secret-scan': { kind: 'secret-scan', details: { findings: [{ pattern: 'aws-access-key', file: 'src/a.ts', line: 3 }] } },
  'blast-radius': { kind: 'blast-radius', details: { lines: 612, files: 3 } },
  'no-op': { kind: 'no-op', details: {} },
  'review-block': { kind: 'review-block', details: { level: 'fast', blocks: 1, feedback: ['fix x'] } },
  'merge-conflict': { kind: 'merge-conflict', details: { files: ['src/a.ts'] } },
  'prompt-secret': { kind: 'prompt-secret', details: {} },
  hook: { kind: 'hook', details: {} },
  'symlink-escape': { kind: 'symlink-escape', details: {} },
  'adapter-unavailable': { kind: 'adapter-unavailable', details: {} },
};

/**
 * The retry table (retry.md §5): every failure kind × {attempts left, none left} × {normal, dispatch stopped, interrupted},
 * through `decideAfterFailure` (breaker enabled, maxRetries 1).
 */
export const retryTable = (): DecisionTable => {
  const rows: string[][] = [];
  for (const kind of FAILURE_KINDS) {
    for (const retries of [0, 1]) {
      for (const situation of ['normal', 'dispatch stopped', 'interrupted'] as const) {
        const r = decideAfterFailure({ id: 't', retries, maxRetries: 1 }, EXAMPLE_FAILURES[kind], {
          onFailure: 'continue',
          breakerEnabled: true,
          interrupted: situation === 'interrupted',
          dispatchStopped: situation === 'dispatch stopped',
          attemptAgent: 'developer',
          allowlist: [],
        });
        rows.push([kind, KINDS[kind].retryable ? 'yes' : 'no', KINDS[kind].terminal, `${retries} of 1`, situation, r.decision._tag, r.decision.reason, r.effects.map((e) => e._tag).join(', ') || '— (caller runs exhaust)']);
      }
    }
  }
  return {
    policy: 'retry',
    version: POLICY_VERSION,
    title: 'After a failed attempt (retry.md §5, F1–F5): requeue, run-stopped skip, retry with a note, or exhaustion.',
    columns: ['kind', 'retryable', 'terminal status', 'retries used', 'situation', 'decision', 'reason', 'effects'],
    rows,
    notes: ['maxRetries 1, breaker enabled. on_failure never suppresses a retry; it only acts after exhaustion (retry.md §6 E5).'],
  };
};

// ───────────────────────────────────────── glue with the review decision (review.md §8 → retry.md §4, retry.md §6, retry.md §8) ────────────

/** The `review-block` failure of `review.afterReview` in this module's `Failure` shape (for `exhaust`). */
export const reviewBlockFailure = (f: ReviewBlockFailure): Failure => ({
  kind: 'review-block',
  details: { level: f.level, blocks: f.blocks, feedback: f.feedback },
});

/**
 * The `review.ReviewPolicy` a runner passes to `review.afterReview`, built from this module: the `review-block`
 * note is {@link renderNote} (redacted, capped, scans clean) and the dispute ledger entry is
 * {@link buildLedgerEntry} of kind `dispute` (written, or its withholding event). `now` in ms.
 */
export const reviewPolicy = (
  onDispute: 'stop' | 'continue',
  runId: string,
  allowlist: Allowlist,
  now: number,
): ReviewPolicy<WriteLedgerEntry | EmitEvent> => ({
  onDispute,
  renderNote: (f) => renderNote('review-block', { level: f.level, blocks: f.blocks, feedback: f.feedback }, allowlist),
  disputeLedger: (f) => {
    const l = buildLedgerEntry({ kind: 'dispute', runId, taskId: f.taskId, agent: f.agent, panelBlocks: f.panelBlocks, feedback: f.feedback }, allowlist, now);
    return [l._tag === 'Written' ? l.effect : l.event];
  },
});
