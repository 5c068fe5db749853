/**
 * Step-function vocabulary shared by every decision (session-lock.md §2.2, architecture.md "One decision, one module").
 *
 * A step function takes the facts gathered so far and returns either `Need` (exactly one probe the adapter
 * must run; its answer is added to the facts before the next call) or `Done` (an outcome plus effects as
 * data). The adapter loops until `Done`. Keeping the probe order inside the kernel is what lets a property
 * prove ordering rules such as "never pid-probe a foreign host".
 */

/** One probe request. `P` is the decision's probe union (e.g. `{ _tag: 'PidAlive', pid }`). */
export interface Need<P> {
  readonly _tag: 'Need';
  readonly probe: P;
}

/** A finished decision: the outcome and the effects (plain data) the adapter must execute, in order. */
export interface Done<O, E> {
  readonly _tag: 'Done';
  readonly outcome: O;
  readonly effects: ReadonlyArray<E>;
}

/** Result of a step function. */
export type Step<P, O, E> = Need<P> | Done<O, E>;

/** Build a `Need`. Pure. */
export const need = <P>(probe: P): Need<P> => ({ _tag: 'Need', probe });

/** Build a `Done`. Pure. */
export const done = <O, E>(outcome: O, effects: ReadonlyArray<E> = []): Done<O, E> => ({
  _tag: 'Done',
  outcome,
  effects,
});

/** Type guard for `Need`. */
export const isNeed = <P, O, E>(s: Step<P, O, E>): s is Need<P> => s._tag === 'Need';

/** Failure kinds every probe may report (hooks.md §3 rule 2); decisions may add finer kinds. */
export type ProbeFailKind = 'timeout' | 'unavailable' | 'failed';

/**
 * Answer of one probe (hooks.md §3 rule 2): `{ok:true, value}` or `{ok:false, error:{kind, detail}}`. The
 * kernel decides what a failure means; a driver never throws into the kernel.
 */
export type ProbeAnswer<A, K extends string = ProbeFailKind> =
  | { readonly ok: true; readonly value: A }
  | { readonly ok: false; readonly error: { readonly kind: K; readonly detail: string } };

/** Build a successful probe answer. */
export const answerOk = <A>(value: A): { readonly ok: true; readonly value: A } => ({ ok: true, value });

/** Build a failed probe answer. `detail` should be short and byte-free. */
export const answerFail = <K extends string>(
  kind: K,
  detail = '',
): { readonly ok: false; readonly error: { readonly kind: K; readonly detail: string } } => ({
  ok: false,
  error: { kind, detail },
});

// ───────────────────────────────────────── the step driver ─────────────────────────────────────────

/**
 * Result of running a step function to completion: `Done`, or one of the two ways a step rule is broken — more than
 * `limit` step calls, or (for a driver with a `probeKey`) a probe asked again after it was answered.
 */
export type StepRun<F, O, E> =
  | { readonly _tag: 'Done'; readonly outcome: O; readonly effects: ReadonlyArray<E>; readonly facts: F; readonly steps: number }
  | { readonly _tag: 'StepLimit'; readonly facts: F; readonly steps: number }
  | { readonly _tag: 'RepeatedProbe'; readonly facts: F; readonly steps: number; readonly key: string };

/**
 * What a decision supplies to the one step driver: its step function, the pure merge of a probe's answer into the
 * facts, and the most step calls one run may make.
 */
export interface StepDriver<F, P, A, O, E> {
  readonly step: (facts: F) => Step<P, O, E>;
  /** Pure: the facts with the probe's answer merged in. */
  readonly withAnswer: (facts: F, probe: P, answer: A) => F;
  readonly limit: number;
  /**
   * The identity of a probe for decisions that ask each probe at most once (every one-probe-at-a-time decision): the
   * driver ends the run as `RepeatedProbe` instead of asking it again. Absent for batch decisions, whose probes may
   * repeat (a claim retried after a delay).
   */
  readonly probeKey?: (probe: P) => string;
}

/** The key of `probe` when the driver refuses it as asked before (recording it otherwise), else null. */
const repeated = <P>(d: { readonly probeKey?: (probe: P) => string }, asked: Set<string>, probe: P): string | null => {
  if (d.probeKey === undefined) return null;
  const k = d.probeKey(probe);
  if (asked.has(k)) return k;
  asked.add(k);
  return null;
};

/**
 * Async loop: run probes with `runProbe` (never throws; failures are answers) until Done or the limit.
 *
 * Calls `d.step` at most `d.limit` times. Each `Need` is answered by `runProbe(probe, facts)` with the facts the step
 * saw, and the answer merged by `d.withAnswer` before the next call; the probe of the last permitted `Need` is still
 * run and merged, so the `StepLimit` facts hold every answer gathered. A driver with a `probeKey` ends the run as
 * `RepeatedProbe` (nothing asked) when a step asks again for a probe already answered. `steps` counts the step calls. An exception
 * from `runProbe` or the step propagates (drivers catch it and fail in their policy's direction).
 */
export const runSteps = async <F, P, A, O, E>(
  d: StepDriver<F, P, A, O, E>,
  facts: F,
  runProbe: (probe: P, facts: F) => Promise<A>,
): Promise<StepRun<F, O, E>> => {
  let f = facts;
  const asked = new Set<string>();
  for (let steps = 1; steps <= d.limit; steps++) {
    const s = d.step(f);
    if (s._tag === 'Done') return { _tag: 'Done', outcome: s.outcome, effects: s.effects, facts: f, steps };
    const key = repeated(d, asked, s.probe);
    if (key !== null) return { _tag: 'RepeatedProbe', facts: f, steps, key };
    f = d.withAnswer(f, s.probe, await runProbe(s.probe, f));
  }
  return { _tag: 'StepLimit', facts: f, steps: d.limit };
};

/** Same loop for synchronous probe oracles (simulations and model tests). Same contract as {@link runSteps}. */
export const runStepsSync = <F, P, A, O, E>(
  d: StepDriver<F, P, A, O, E>,
  facts: F,
  runProbe: (probe: P, facts: F) => A,
): StepRun<F, O, E> => {
  let f = facts;
  const asked = new Set<string>();
  for (let steps = 1; steps <= d.limit; steps++) {
    const s = d.step(f);
    if (s._tag === 'Done') return { _tag: 'Done', outcome: s.outcome, effects: s.effects, facts: f, steps };
    const key = repeated(d, asked, s.probe);
    if (key !== null) return { _tag: 'RepeatedProbe', facts: f, steps, key };
    f = d.withAnswer(f, s.probe, runProbe(s.probe, f));
  }
  return { _tag: 'StepLimit', facts: f, steps: d.limit };
};

/**
 * Merge the answers of a batch `Need` (several probes asked at once; one answer per probe, in probe order) into the
 * facts with `set`. An answer missing for its probe, or tagged unlike it, is skipped (the probe stays unanswered, and
 * the step asks again or decides without it). The shared skeleton of the batch decisions' `withAnswer` (the push
 * gate, deploy, the coordination context). Pure.
 */
export const mergeBatch = <F, P extends { readonly _tag: string }, A extends { readonly _tag: string }>(
  facts: F,
  probes: ReadonlyArray<P>,
  answers: ReadonlyArray<A>,
  set: (facts: F, probe: P, answer: A) => F,
): F =>
  probes.reduce((f, p, i) => {
    const a = answers[i];
    return a === undefined || a._tag !== p._tag ? f : set(f, p, a);
  }, facts);
