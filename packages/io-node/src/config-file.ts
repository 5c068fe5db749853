/**
 * Reading `<worktree top-level>/.arbiter/config.json` (architecture.md conventions §1; push-gate.md §3.1).
 */
import { join } from 'node:path';
import { config } from '@arbiter/kernel';
import { describeStateFailure, readState } from './state-io.js';

/** Path of the configuration file of a worktree. */
export const configPath = (topLevel: string): string => join(topLevel, '.arbiter', 'config.json');

/**
 * Read and decode the configuration of a worktree. Absent file → `NotConfigured`; unreadable, over 64 KiB, not JSON
 * or failing the codec → `Invalid` with a short detail. Never throws.
 */
export const readRepoConfig = (topLevel: string): config.ConfigState => {
  // state-io: never blocks on a FIFO, follows no symlink; anything but a regular file is an unreadable configuration
  const r = readState(configPath(topLevel), config.CONFIG_MAX_BYTES);
  if (r._tag === 'Absent' || (r._tag === 'Error' && r.code === 'ENOTDIR')) return config.parseConfig(null);
  if (r._tag !== 'File') return { _tag: 'Invalid', detail: `configuration unreadable (${describeStateFailure(r)})` };
  if (r.truncated) return { _tag: 'Invalid', detail: 'configuration file larger than 64 KiB' };
  try {
    return config.parseConfig(r.bytes.toString('utf8'));
  } catch {
    return { _tag: 'Invalid', detail: 'configuration unreadable (error)' };
  }
};
