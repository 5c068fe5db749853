// STUB: replaced by the claims branch
/**
 * Claim observation on Stop (sentinels.md §0.8 step 3, §1.3): registers the action claim of the last assistant
 * message as a commitment. This file is a stub with the agreed signature; the claims branch replaces it.
 * Contract: never throws, never rejects, never blocks (the Stop hook ignores its outcome).
 */

/** Input of {@link observeStopClaim}: the decoded payload (`{}` when stdin was not a JSON object), `now` in ms epoch. */
export interface StopClaimInput {
  readonly payload: Record<string, unknown>;
  readonly agent: 'claude' | 'codex';
  readonly startDir: string;
  readonly env: NodeJS.ProcessEnv;
  readonly now: number;
}

/** Observe the claim of a stopping session. Stub: does nothing. */
export const observeStopClaim = async (_input: StopClaimInput): Promise<void> => {
  // STUB: replaced by the claims branch
};
