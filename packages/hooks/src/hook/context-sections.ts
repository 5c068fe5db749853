/**
 * Pluggable sections of the coordination block (push-gate.md §12.4). Each section returns extra lines rendered
 * after the "commitments" lines and before the session-lock line. Lines must already be fixed templates with
 * sanitized interpolations (the block is model-facing). A section that throws or takes longer than
 * `SECTION_TIMEOUT_MS` is skipped; a section never blocks the hook. Add one entry per section.
 */
import { stateLock } from '@arbiter/kernel';
import type { Env } from '@arbiter/io-node';
import { openRuntimeGuard } from '../state-lock-guard.js';
import { commitmentContextLines } from './commitments-context.js';
import { landContextLines } from './land-context.js';

/**
 * state-lock.md §8 rule 2: while Arbiter's state-directory lock is disabled, the block says so (commitments,
 * build protection and the stop gate are inactive). Quiet: the block carries the warning, stderr does not.
 */
const stateGuardLines = async (i: ContextSectionInput): Promise<ReadonlyArray<string>> => {
  const g = await openRuntimeGuard(i.top, i.env, 'library', { stderr: () => undefined });
  await g?.release().catch(() => undefined);
  return g !== null && !g.status.enabled ? [stateLock.contextWarningBlock(g.status.reason ?? g.status.code)] : [];
};

/** What a section receives. */
export interface ContextSectionInput {
  /** Worktree top-level and git common dir (realpath) of the repository. */
  readonly top: string;
  readonly commonDir: string;
  /** Runtime-state directory of the repository (lanes, log, …). */
  readonly runtimeDir: string;
  /** Per-user state directory. */
  readonly stateDir: string;
  readonly session: string;
  readonly instance: string;
  readonly env: Env;
  /** ms epoch. */
  readonly now: number;
}

/** One section: a name (for logs) and a line producer. */
export interface ContextSection {
  readonly name: string;
  readonly lines: (i: ContextSectionInput) => Promise<ReadonlyArray<string>> | ReadonlyArray<string>;
}

/** Upper bound on one section, ms. */
export const SECTION_TIMEOUT_MS = 1_000;

/** Every extra section, in block order (e.g. the sentinels' "open commitments" lines). */
export const CONTEXT_SECTIONS: ReadonlyArray<ContextSection> = [
  { name: 'state-guard', lines: stateGuardLines },
  // action-claim.md §6: the session's open commitments (action claims not yet followed through).
  { name: 'open-commitments', lines: (i) => commitmentContextLines(i.top, i.env as NodeJS.ProcessEnv, i.now, i.session) },
  // land.md §9 LD17: a land running in this session and its place in the queue.
  { name: 'running-land', lines: landContextLines },
];
