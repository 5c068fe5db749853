/**
 * Contract suite of the `DecisionLog` port (kernel `ports/common.ts`; push-gate.md §16), run by
 * test/decision-log.contract.test.ts against the in-memory log (io-memory) and the daily NDJSON files (io-node).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { buildLogEntry, type DecisionLog, type DecisionLogEntry, type LogMode } from '@arbiter/kernel';

const right = async <A>(t: () => Promise<{ _tag: 'Left'; left: unknown } | { _tag: 'Right'; right: A }>): Promise<A> => {
  const r = await t();
  if (r._tag === 'Left') throw new Error(`expected Right, got ${JSON.stringify(r.left)}`);
  return r.right;
};

/** JSON-safe fact values (no -0, no undefined: what a verdict's facts hold). */
const arbFactValue = fc.oneof(fc.string({ maxLength: 20 }), fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.string({ maxLength: 8 }), { maxLength: 3 }));
const arbEntry: fc.Arbitrary<DecisionLogEntry> = fc
  .record({
    id: fc.stringMatching(/^[0-9A-HJKMNP-TV-Z]{26}$/),
    policy: fc.constantFrom('push-gate', 'session-lock', 'stop-gate', 'secrets'),
    now: fc.integer({ min: 1_600_000_000_000, max: 1_900_000_000_000 }),
    mode: fc.constantFrom<LogMode>('agent:claude', 'agent:codex', 'git', 'cli', 'library'),
    facts: fc.dictionary(fc.stringMatching(/^[a-z_]{1,10}$/), arbFactValue, { maxKeys: 4 }),
    verdict: fc.constantFrom('Allow', 'Deny', 'Ask'),
    reasons: fc.array(fc.stringMatching(/^[a-z]+(-[a-z]+)*$/), { maxLength: 3 }),
    duration_ms: fc.nat(5_000),
  })
  .map((x) => buildLogEntry({ decision_id: x.id, policy: x.policy, policy_version: '1.0.0', now: x.now, mode: x.mode, facts: x.facts, verdict: x.verdict, reasons: x.reasons, duration_ms: x.duration_ms }));

/** Register the contract tests for one adapter. `make` gives a fresh, empty log each time. */
export const decisionLogContract = (name: string, make: () => DecisionLog, runs = 40): void => {
  describe(`DecisionLog contract: ${name}`, () => {
    it('L1 a fresh log reads as empty', async () => {
      expect(await right(make().read())).toEqual([]);
    });

    it('L2 appended entries read back in append order, each equal to what was appended', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(arbEntry, { maxLength: 8 }), async (entries) => {
          const log = make();
          for (const e of entries) await right(log.append(e));
          expect(await right(log.read())).toEqual(entries);
        }),
        { numRuns: runs },
      );
    });

    it('L3 concurrent appends all land, each exactly once', async () => {
      const log = make();
      const entries = fc.sample(arbEntry, { numRuns: 20, seed: 11 }).map((e, i) => ({ ...e, decision_id: `id-${String(i).padStart(2, '0')}` }));
      await Promise.all(entries.map((e) => right(log.append(e))));
      const back = await right(log.read());
      expect([...back].sort((a, b) => (a.decision_id < b.decision_id ? -1 : 1))).toEqual(entries);
    });

    it('L4 reading does not consume: two reads give the same entries', async () => {
      const log = make();
      const [e] = fc.sample(arbEntry, { numRuns: 1, seed: 5 });
      await right(log.append(e as DecisionLogEntry));
      expect(await right(log.read())).toEqual(await right(log.read()));
      expect((await right(log.read())).length).toBe(1);
    });
  });
};
