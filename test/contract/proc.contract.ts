/**
 * Contract suite of the `Proc` port (kernel `ports/common.ts`; session-lock.md §7.3), run by
 * test/proc.contract.test.ts against the scripted process table (io-memory) and the real one (io-node).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { PidLiveness, Proc } from '@arbiter/kernel';

/** An adapter with one pid it reports alive and one that has exited (for io-node: this process and a reaped child). */
export interface ProcSubject {
  readonly proc: Proc;
  readonly live: number;
  readonly dead: number;
}

const ANSWERS: ReadonlyArray<PidLiveness> = ['alive', 'dead', 'unknown'];

/** Register the contract tests for one adapter. */
export const procContract = (name: string, make: () => Promise<ProcSubject>): void => {
  describe(`Proc contract: ${name}`, () => {
    it('P1 a running pid is alive, an exited one dead, and asking again gives the same answer', async () => {
      const { proc, live, dead } = await make();
      for (let i = 0; i < 2; i++) {
        expect(await proc.pidAlive(live)()).toBe('alive');
        expect(await proc.pidAlive(dead)()).toBe('dead');
      }
    });

    it('P2 what is not a positive integer pid is unknown (never a signal to a process group or an error)', async () => {
      const { proc } = await make();
      for (const pid of [0, -1, -4242, 1.5, Number.NaN, Number.POSITIVE_INFINITY, -Number.MAX_SAFE_INTEGER]) expect(await proc.pidAlive(pid)(), String(pid)).toBe('unknown');
      await fc.assert(
        fc.asyncProperty(fc.oneof(fc.integer({ max: 0 }), fc.double({ noInteger: true })), async (pid) => {
          expect(await proc.pidAlive(pid)()).toBe('unknown');
        }),
        { numRuns: 100 },
      );
    });

    it('P3 never rejects: any number answers alive, dead or unknown', async () => {
      const { proc } = await make();
      await fc.assert(
        fc.asyncProperty(fc.oneof(fc.integer(), fc.double(), fc.constant(2 ** 53)), async (pid) => {
          expect(ANSWERS).toContain(await proc.pidAlive(pid)());
        }),
        { numRuns: 200 },
      );
    });
  });
};
