/**
 * The one way every `LaneStore` adapter in io-node (file system, PostgreSQL, their landing queues) turns a method's
 * body into the port's lazy task: a tagged result or a `Failure` (push-gate.md §5.2) of one of the four kinds of
 * push-gate.md §5.6; a method never throws.
 */
import type { LaneFailure } from '@arbiter/kernel';
import { errnoCode } from './dir.js';

/** A method's answer as the `LaneStore` port returns it: the value, or the failure. */
export type LaneAnswer<A> = { _tag: 'Left'; left: LaneFailure } | { _tag: 'Right'; right: A };

/**
 * Run a method's body `f` as the port's lazy task: its value on success; when it throws, the failure `toFailure`
 * makes of the error (the adapter's own refusals first, then its mapping of system or driver errors onto the
 * kinds of push-gate.md §5.6). Never rejects.
 */
export const laneTask =
  <A>(toFailure: (e: unknown) => LaneFailure, f: () => A | Promise<A>): (() => Promise<LaneAnswer<A>>) =>
  async () => {
    try {
      return { _tag: 'Right', right: await f() };
    } catch (e) {
      return { _tag: 'Left', left: toFailure(e) };
    }
  };

/** A failure of kind `kind` with the short status `status` (≤ 64 characters, push-gate.md §5.6). */
export const laneFailure = (kind: LaneFailure['kind'], status: string): LaneFailure => ({ _tag: 'LaneFailure', kind, status: status.slice(0, 64) });

/**
 * A refusal or failure an embedded adapter (the file-system store and its queue) raises on purpose, carrying the
 * status it answers: an errno code it met (`ENOTDIR`, `EAGAIN`) or its own (`not-owner`, `bad-lane-name`,
 * `CAS-EXHAUSTED`).
 */
export class LaneFail extends Error {
  constructor(readonly code: string) {
    super(code);
  }
}

/**
 * The failure mapping of an embedded adapter: a {@link LaneFail}'s code, else the system error's errno code (or
 * `EUNKNOWN`), as the status, with the kind `kindOf` gives that code (push-gate.md §5.6, embedded row).
 */
export const failureByCode =
  (kindOf: (code: string) => LaneFailure['kind']) =>
  (e: unknown): LaneFailure => {
    const code = e instanceof LaneFail ? e.code : errnoCode(e);
    return laneFailure(kindOf(code), code);
  };
