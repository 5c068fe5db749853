/** The system clock (the `Clock` port): `Date.now()`, milliseconds since the epoch. */
import type { Clock } from '@arbiter/kernel';

/** The `Clock` port over the system clock: integer ms epoch, as `Date.now()` reads it (wall time, not monotonic). */
export const systemClock: Clock = { now: () => Date.now() };
