/** A fake clock for tests and simulations: time moves only when told. */
import type { Clock } from '@arbiter/kernel';

/** Mutable fake clock. `now()` returns ms epoch; `advance(ms)` and `set(ms)` move it. */
export interface FakeClock extends Clock {
  readonly advance: (ms: number) => void;
  readonly set: (ms: number) => void;
}

/** Create a fake clock starting at `start` ms epoch (default 1 700 000 000 000). */
export const fakeClock = (start = 1_700_000_000_000): FakeClock => {
  let t = start;
  return {
    now: () => t,
    advance: (ms) => {
      t += ms;
    },
    set: (ms) => {
      t = ms;
    },
  };
};
