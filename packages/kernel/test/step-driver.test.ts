/**
 * The one step driver (`runSteps`, `runStepsSync` in internal/step.ts): the limit is honoured, probes are answered
 * in the order the step asks for them with the facts it saw, and a `Done` is returned as is.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { done, need, runSteps, runStepsSync, type Step, type StepDriver } from '@arbiter/kernel';

/** Facts: the answers so far. The step asks probe `k` (0-based) until `doneAfter` answers are in. */
type F = ReadonlyArray<number>;
const driverOf = (doneAfter: number, limit: number, outcome: object, effects: ReadonlyArray<string>): StepDriver<F, number, number, object, string> => ({
  step: (f): Step<number, object, string> => (f.length >= doneAfter ? done(outcome, effects) : need(f.length)),
  withAnswer: (f, _p, a) => [...f, a],
  limit,
});

describe('runSteps / runStepsSync', () => {
  it('limit honoured, probes answered in order with the facts the step saw, Done returned as is (sync and async agree)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(30), fc.integer({ min: 1, max: 30 }), fc.array(fc.string(), { maxLength: 3 }), async (doneAfter, limit, effects) => {
        const outcome = { verdict: 'x' };
        const d = driverOf(doneAfter, limit, outcome, effects);
        const asked: Array<[number, F]> = [];
        const answer = (p: number, f: F): number => {
          asked.push([p, f]);
          return p * 10;
        };
        const r = runStepsSync(d, [], answer);
        const askedSync = asked.splice(0);
        const ra = await runSteps(d, [], async (p, f) => answer(p, f));
        expect(ra).toEqual(r);
        expect(asked).toEqual(askedSync);
        // probes in order 0, 1, 2, … each seeing exactly the earlier answers
        askedSync.forEach(([p, f], k) => {
          expect(p).toBe(k);
          expect(f).toEqual(Array.from({ length: k }, (_, j) => j * 10));
        });
        if (doneAfter < limit) {
          expect(r._tag).toBe('Done');
          if (r._tag !== 'Done') return;
          expect(r.outcome).toBe(outcome); // the step's own outcome object
          expect(r.effects).toBe(effects);
          expect(r.steps).toBe(doneAfter + 1);
          expect(askedSync.length).toBe(doneAfter);
          expect(r.facts).toEqual(Array.from({ length: doneAfter }, (_, j) => j * 10));
        } else {
          expect(r._tag).toBe('StepLimit');
          expect(r.steps).toBe(limit);
          // every permitted step call made; the last Need's probe is still answered and merged
          expect(askedSync.length).toBe(limit);
          expect(r.facts.length).toBe(limit);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('a limit of 0 calls nothing', () => {
    let calls = 0;
    const r = runStepsSync({ step: () => (calls++, done(1)), withAnswer: (f: number) => f, limit: 0 }, 0, () => 0);
    expect(r).toEqual({ _tag: 'StepLimit', facts: 0, steps: 0 });
    expect(calls).toBe(0);
  });
  it('a driver with a probeKey never asks a probe twice: the run ends as RepeatedProbe, sync and async alike', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 12 }), async (script) => {
        // the step asks the probes of `script` in order (done after the last); a repeated one must not be asked
        const d: StepDriver<F, number, number, string, never> = {
          step: (f) => (f.length >= script.length ? done('ok') : need(script[f.length] as number)),
          withAnswer: (f, p) => [...f, p],
          limit: 20,
          probeKey: (p) => String(p),
        };
        const firstRepeat = script.findIndex((p, i) => script.indexOf(p) < i);
        for (const run of [
          async (ask: (p: number) => number) => runSteps(d, [], async (p) => ask(p)),
          async (ask: (p: number) => number) => runStepsSync(d, [], ask),
        ]) {
          const asked: number[] = [];
          const r = await run((p) => (asked.push(p), p));
          if (firstRepeat < 0) {
            expect(r._tag).toBe('Done');
            expect(asked).toEqual(script);
          } else {
            expect(r).toMatchObject({ _tag: 'RepeatedProbe', key: String(script[firstRepeat]), steps: firstRepeat + 1 });
            expect(asked).toEqual(script.slice(0, firstRepeat));
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
