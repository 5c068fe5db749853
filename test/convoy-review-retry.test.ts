/**
 * Cross-decision wiring (review review.md §8 → retry retry.md §4/retry.md §6/retry.md §8): `review.afterReview` with `retry.reviewPolicy`, and its
 * `Exhausted` failure handed to `retry.exhaust`. The breaker is fed exactly once per exhaustion and never by a
 * dispute; dispute ledger entries scan clean; review-block notes scan clean and stay within 6 000 characters.
 */
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { retry, review, secrets } from '@arbiter/kernel';

const NOW = 1_700_000_000_000;
const secret = fc.constantFrom(`AKIA${'7'.repeat(16)}`, `ghp_${'x'.repeat(36)}`, 'password=hunter2hunter2', '');
const feedback = fc.array(fc.tuple(fc.string({ maxLength: 40 }), secret).map(([a, b]) => `${a} ${b}`), { minLength: 1, maxLength: 3 });

describe('review → retry wiring', () => {
  test('RE-4 / RV-11 / RV-12 across modules: exhaustion feeds the breaker once, a dispute never; texts scan clean', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<'fast' | 'panel'>('fast', 'panel'),
        fc.nat(3),
        fc.nat(3),
        fc.nat(3),
        feedback,
        fc.constantFrom<'stop' | 'continue'>('stop', 'continue'),
        (level, retries, maxRetries, panelBlocks, fb, onDispute) => {
          const vote: review.Vote = { _tag: 'Block', passes: 0, blocks: fb.length, skipped: 0, tokens: 10, blockFeedback: fb, passFeedback: [] };
          const d = review.afterReview(
            { taskId: 't1', agent: 'developer', retries, maxRetries, panelBlocks },
            level,
            level,
            vote,
            retry.reviewPolicy(onDispute, 'run1', [], NOW),
            ['t2'],
          );
          const tags = d.effects.map((e) => e._tag as string);
          expect(tags).not.toContain('RecordBreakerOutcome');
          for (const e of d.effects) {
            if (e._tag === 'ScheduleRetry') {
              expect(e.note.length).toBeLessThanOrEqual(6000);
              expect(secrets.scanForSecrets(e.note, 'prompt:t1', []).clean).toBe(true);
            }
            if (e._tag === 'WriteLedgerEntry') {
              expect(e.kind).toBe('dispute');
              expect(secrets.scanForSecrets(e.markdown, 'ledger:dispute', []).clean).toBe(true);
            }
          }
          if (d._tag === 'Dispute') {
            expect(level).toBe('panel');
            expect(tags.filter((t) => t === 'WriteLedgerEntry').length).toBe(1);
          }
          if (d._tag === 'Exhausted') {
            const x = retry.exhaust(
              { id: 't1', retries, tokens: 10 },
              retry.reviewBlockFailure(d.failure),
              { runId: 'run1', onFailure: 'continue', breakerEnabled: true, attemptAgent: 'developer' },
              { tasks: [], statuses: new Map() },
              [],
              NOW,
            );
            expect(x.effects[0]).toMatchObject({ _tag: 'SetTaskStatus', status: 'review-blocked', reason: 'exhausted-review-block' });
            expect(x.effects.filter((e) => e._tag === 'RecordBreakerOutcome')).toEqual([
              { _tag: 'RecordBreakerOutcome', agent: 'developer', event: { _tag: 'Failure', taskId: 't1' } },
            ]);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});
