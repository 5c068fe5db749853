/**
 * The commitments block of the context hook (action-claim.md §6): the lines of `renderOpenCommitments` for the
 * session's active commitments, for `arbiter hook context` on SessionStart and UserPromptSubmit.
 */
import { actionClaim as AC } from '@arbiter/kernel';
import { commitmentsContext } from './commitments-io.js';

/**
 * Lines of the open-commitments block, or `[]` when there is nothing to show, the store is unreadable, the policy
 * is disabled, or anything fails (read-only; never throws, never rejects).
 *
 * @param startDir the hook's working directory (payload `cwd` when it exists).
 * @param env environment (for `ARBITER_STATE_DIR`).
 * @param now ms epoch.
 * @param sessionId the payload's `session_id`: the block lists that session's commitments (action-claim.md §6). When omitted,
 *   every session's active commitments are listed.
 */
export const commitmentContextLines = async (startDir: string, env: NodeJS.ProcessEnv, now: number, sessionId?: string): Promise<string[]> => {
  try {
    const ctx = commitmentsContext(startDir, env);
    if (ctx === null || !ctx.settings.enabled) return [];
    const r = await ctx.store.read()();
    if (r._tag === 'Left') return [];
    const mine = r.right.commitments.filter((c) => sessionId === undefined || c.topic === sessionId);
    const text = AC.renderOpenCommitments(mine, now);
    return text === null ? [] : text.split('\n');
  } catch {
    return [];
  }
};
