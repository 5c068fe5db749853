/**
 * Reading `<worktree top-level>/.arbiter/config.json` (architecture.md conventions §1; push-gate.md §3.1).
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { config } from '@arbiter/kernel';

/** Path of the configuration file of a worktree. */
export const configPath = (topLevel: string): string => join(topLevel, '.arbiter', 'config.json');

/**
 * Read and decode the configuration of a worktree. Absent file → `NotConfigured`; unreadable, over 64 KiB, not JSON
 * or failing the codec → `Invalid` with a short detail. Never throws.
 */
export const readRepoConfig = (topLevel: string): config.ConfigState => {
  const p = configPath(topLevel);
  try {
    if (statSync(p).size > config.CONFIG_MAX_BYTES) return { _tag: 'Invalid', detail: 'configuration file larger than 64 KiB' };
    return config.parseConfig(readFileSync(p, 'utf8'));
  } catch (e) {
    const code = (e as { code?: string }).code;
    return code === 'ENOENT' || code === 'ENOTDIR' ? config.parseConfig(null) : { _tag: 'Invalid', detail: `configuration unreadable (${code ?? 'error'})` };
  }
};
