/**
 * Step-function vocabulary shared by every decision (session-lock.md §2.2, DESIGN.md "One decision, one module").
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

/** Failure kinds every probe may report (sentinels.md §0.3 rule 2); decisions may add finer kinds. */
export type ProbeFailKind = 'timeout' | 'unavailable' | 'failed';

/**
 * Answer of one probe (sentinels.md §0.3 rule 2): `{ok:true, value}` or `{ok:false, error:{kind, detail}}`. The
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
