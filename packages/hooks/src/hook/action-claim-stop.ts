/**
 * Claim observation on Stop (action-claim.md §3, hooks.md §8 step 3): `observeStopClaim` registers, refreshes or skips a
 * commitment from the payload's `last_assistant_message`. The `arbiter hook stop` orchestrator calls it first; it
 * contributes no output, never blocks and never throws.
 */
import { actionClaim as AC } from '@arbiter/kernel';
import { agentLogMode } from '@arbiter/kernel/early';
import { commitmentsContext, driveAndApply, logCommitmentDecision } from './commitments-io.js';
import type { Agent } from '@arbiter/kernel/early';

/** Input of {@link observeStopClaim}. `now` in ms epoch; `startDir` the hook's working directory (hooks.md §5). */
export interface StopClaimInput {
  readonly payload: Record<string, unknown>;
  readonly agent: Agent;
  readonly startDir: string;
  readonly env: NodeJS.ProcessEnv;
  readonly now: number;
}

/** What happened, for tests and the orchestrator's log (never rendered). */
export type StopClaimResult =
  | { readonly _tag: 'Observed'; readonly verdict: AC.ClaimVerdict; readonly stored: boolean }
  | { readonly _tag: 'InternalError'; readonly detail: string };

/**
 * The caller has evaluated the state guard (hooks.md §8 step 2) and runs this only when it is enabled.
 *
 * Observe a claim on Stop: decode nothing beyond `session_id` and `last_assistant_message`, run the kernel
 * `observeClaim` (no store read unless the message holds a claim, CM-P6), apply its effects with compare-and-set
 * retries, and log the verdict. Every failure is swallowed (signal only, action-claim.md §3 "Fail direction"): an internal error
 * writes one stderr line `arbiter: internal error in action-claim: …`.
 */
export const observeStopClaimDetailed = async (input: StopClaimInput): Promise<StopClaimResult> => {
  try {
    const p = input.payload;
    const ctx = commitmentsContext(input.startDir, input.env);
    const settings = ctx?.settings ?? AC.DEFAULT_SETTINGS;
    const facts = { enabled: settings.enabled, sessionId: p['session_id'], message: p['last_assistant_message'], now: input.now };
    const d = await driveAndApply(AC.claimDriver, facts as AC.ClaimFacts, ctx?.store ?? null, input.now);
    for (const w of ctx?.warnings ?? []) process.stderr.write(`arbiter: config key ${w} has an invalid value; using its default\n`);
    logCommitmentDecision(input.startDir, input.env, agentLogMode(input.agent), AC.POLICY, d.verdict, {
      session_id: typeof facts.sessionId === 'string' ? facts.sessionId : null,
      ...(d.verdict._tag === 'Skipped' ? {} : { lemma: d.verdict.lemma }),
      ...('id' in d.verdict ? { id: d.verdict.id } : {}),
    }, d.effects, d.applied);
    return { _tag: 'Observed', verdict: d.verdict, stored: d.applied === null || d.applied._tag !== 'Failed' };
  } catch (e) {
    const detail = e instanceof Error ? e.message : 'unknown error';
    try {
      process.stderr.write(`arbiter: internal error in action-claim: ${detail.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ').slice(0, 200)}\n`);
    } catch {
      // ignore
    }
    return { _tag: 'InternalError', detail };
  }
};

/**
 * The orchestrator's entry (hooks.md §8 step 3): `(input) => Promise<void>`, never throws, never rejects, prints nothing on
 * stdout.
 */
export const observeStopClaim = async (input: StopClaimInput): Promise<void> => {
  await observeStopClaimDetailed(input);
};

