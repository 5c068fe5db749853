/**
 * One session registry record for tests (presence.md §5): a `working` Claude session on `main` whose last event was a
 * Bash call a second before `now` (ms since the epoch). `o` overrides any field, including ones a test wants wrong.
 */
import type { SessionPresence } from '@arbiter/kernel';

export const presenceRecord = (session: string, now: number, o: Partial<SessionPresence> = {}): SessionPresence => ({
  v: 1,
  session,
  agent: 'claude',
  host: 'laptop',
  workspace: '/repo/.git',
  worktree: '/repo',
  branch: 'main',
  state: 'working',
  lastEvent: 'pre-tool',
  lastEventAt: now - 1_000,
  lastTool: 'Bash',
  firstSeenAt: now - 60_000,
  stateSince: now - 5_000,
  ...o,
});
