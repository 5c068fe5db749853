/**
 * Contract suite of the `Clock` port (kernel `ports/common.ts`; architecture.md conventions §4: inside the kernel, time
 * is milliseconds since the epoch), run by test/clock.contract.test.ts against the fake clock (io-memory) and the
 * system clock (io-node).
 */
import { describe, expect, it } from 'vitest';
import type { Clock } from '@arbiter/kernel';

/** Register the contract tests for one adapter. */
export const clockContract = (name: string, make: () => Clock): void => {
  describe(`Clock contract: ${name}`, () => {
    it('K1 now() is an integer number of milliseconds since the epoch whose ISO-8601 form round-trips (the log codec accepts it)', () => {
      const c = make();
      for (let i = 0; i < 100; i++) {
        const t = c.now();
        expect(Number.isSafeInteger(t)).toBe(true);
        expect(t).toBeGreaterThan(Date.UTC(2000, 0, 1));
        expect(Date.parse(new Date(t).toISOString())).toBe(t);
      }
    });

    it('K2 readings never go backwards, across synchronous calls and across awaited turns', async () => {
      const c = make();
      let last = c.now();
      for (let i = 0; i < 200; i++) {
        if (i % 20 === 0) await new Promise((r) => setTimeout(r, 1));
        const t = c.now();
        expect(t).toBeGreaterThanOrEqual(last);
        last = t;
      }
    });
  });
};
