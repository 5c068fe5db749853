/**
 * The coordination block's running-land line (land.md §9 LD17): when a land of this session runs, one line with its
 * target and its position in the lane's queue (read from the configured lane store; a store that does not answer in
 * time leaves the position out).
 */
import { land as L, pushGate as PG } from '@arbiter/kernel';
import { readRepoConfig, repoRuntimeDir } from '@arbiter/io-node';
import type { Env } from '@arbiter/io-node';
import { findRunning } from './land-running.js';
import { laneRoot, storeFor, withTimeout } from './push-gate-probes.js';

/** Bound on the queue read, ms (the section itself is bounded by `SECTION_TIMEOUT_MS`). */
const QUEUE_READ_MS = 600;

/** What the section reads of the context input (context-sections.ts `ContextSectionInput`). */
export interface LandContextInput {
  readonly top: string;
  readonly commonDir: string;
  readonly session: string;
  readonly env: Env;
  readonly now: number;
}

/** Lines of the running-land section: none when no land of this session runs. Never throws. */
export const landContextLines = async (i: LandContextInput): Promise<ReadonlyArray<string>> => {
  const m = findRunning(repoRuntimeDir(i.commonDir, i.env), i.session, i.now);
  if (m === null) return [];
  let position: number | null = null;
  let of = 0;
  try {
    const cfg = readRepoConfig(i.top);
    const store = storeFor(laneRoot(i.commonDir, cfg, i.env), PG.settingsOf(cfg), i.env) as Partial<{ queue: (lane: string) => () => Promise<unknown> }>;
    if (typeof store.queue === 'function') {
      const r = (await withTimeout(store.queue(m.lane)(), QUEUE_READ_MS, null)) as { _tag: 'Right'; right: ReadonlyArray<{ instance: string; session: string; position: number }> } | { _tag: 'Left' } | null;
      if (r !== null && r._tag === 'Right') {
        of = r.right.length;
        position = r.right.find((t) => t.session === m.session)?.position ?? null;
      }
    }
  } catch {
    // the line goes out without the position
  }
  return [L.contextLine(m, position, of)];
};
