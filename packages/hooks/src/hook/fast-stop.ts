/**
 * The dispatcher's answer for `hook stop` when no decision is needed
 * (sentinels.md §0.8): no claim stem in the last assistant message (§1.2 pre-filter), no build state (§2.5 rule 2
 * `no-state`), no stop-gate state (§3.6 rule 9 `mode-off`), and no configuration section that could warn or change
 * the outcome. Then the full hook would print `{}`, write no state and log three verdicts (`action-claim` Skipped,
 * `build-stop` Approve `no-state`, `stop-gate` Allow `mode-off`), so this logs the same verdicts and prints `{}`
 * without loading it. Part of the dispatcher bundle: it shares the repository resolution and the log writer with
 * the gate-push fast path, and loads no built-in module beyond `fs` and `path` (hashes are pure JavaScript).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { BUILD_STATE_FILE, STOP_GATE_FILE, mayHoldClaim } from '@arbiter/kernel/hot';
import { resolveRepo, type Repo } from '@arbiter/io-node';
import { objectOf } from './json-object.js';
import { logNoopStop } from './fast-log.js';

/**
 * `{}\n` when the Stop needs no decision (its three verdicts are then logged), else `null` (hand the payload to the
 * hook bundle). Never throws.
 */
export const answer = (text: string, agent: 'claude' | 'codex'): string | null => {
  const o = objectOf(text);
  if (o === null || mayHoldClaim(o['last_assistant_message'])) return null;
  const cwd = o['cwd'];
  let dir = process.cwd();
  try {
    if (typeof cwd === 'string' && isAbsolute(cwd) && statSync(cwd).isDirectory()) dir = cwd;
  } catch {
    // not a directory: the hook uses the process working directory too
  }
  const repo = resolveRepo(dir, process.env);
  const out = noop(repo);
  if (out !== null) logNoopStop(o, agent, repo);
  return out;
};

/** `{}\n` when nothing in the repository (or its absence) calls for a decision, else `null`. */
const noop = (repo: Repo | null): string | null => {
  if (repo === null) return '{}\n';
  if (existsSync(join(repo.runtimeDir, BUILD_STATE_FILE)) || existsSync(join(repo.runtimeDir, STOP_GATE_FILE))) return null;
  // A configuration with a stop_gate, commitments or state_lock section can warn or change the outcome: the bundle
  // reads it. The default configuration (`arbiter install`) has none of them.
  // (existsSync first: building the ENOENT error of a failed read costs ~2 ms on a cold process)
  const path = join(repo.topLevel, '.arbiter', 'config.json');
  if (!existsSync(path)) return '{}\n';
  let config: string;
  try {
    config = readFileSync(path, 'utf8');
  } catch {
    return null;
  }
  const c = objectOf(config);
  return c !== null && !('stop_gate' in c) && !('commitments' in c) && !('state_lock' in c) ? '{}\n' : null;
};
