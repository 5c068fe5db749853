/**
 * Stop-gate state files (stop-gate.md §2, stop-gate.md §6): the gate state (mode, kill switch) and the per-session continue
 * counter, decoded and encoded. Pure and total.
 */
import { isRight } from 'fp-ts/lib/Either.js';
import { IsoMillis, msToIso } from '../internal/codecs.js';
import { CONTINUE_PRUNE_MS, isObject } from './settings.js';

// ───────────────────────────────────────── gate state and counters (stop-gate.md §2, stop-gate.md §6) ─────────────────────────────

/** Modes; any other stored value reads as `off` (stop-gate.md §2). */
export type Mode = 'off' | 'shadow' | 'enforce';
export const MODES: ReadonlyArray<Mode> = ['off', 'shadow', 'enforce'];

/** The gate state as the decision uses it. */
export interface GateState {
  readonly mode: Mode;
  readonly killSwitch: boolean;
}

/** The gate state when `stop-gate.json` is absent. */
export const GATE_DEFAULT: GateState = { mode: 'off', killSwitch: false };

/**
 * Read `stop-gate.json` (stop-gate.md §2). `null` (absent) gives `{off, false}`. A JSON object gives its mode (anything but
 * `shadow` / `enforce` is `off`) and `killSwitch === true`. Anything else (not JSON, not an object) gives null:
 * the caller treats it as a probe failure (rule 7). Total.
 */
export const readGateState = (text: string | null): GateState | null => {
  if (text === null) return GATE_DEFAULT;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isObject(json)) return null;
  const m = json['mode'];
  return { mode: m === 'shadow' || m === 'enforce' ? m : 'off', killSwitch: json['killSwitch'] === true };
};

/** Encode the gate state as stored (`updatedAt` ISO-8601 UTC with ms). */
export const encodeGateState = (s: GateState, now: number): string =>
  JSON.stringify({ version: 1, mode: s.mode, killSwitch: s.killSwitch, updatedAt: msToIso(now) }, null, 2) + '\n';

/**
 * The continue count of one session from `stop-gate-continues.json` (stop-gate.md §6): `null` file → 0; session absent → 0;
 * an integer `count ≥ 0` → it. A file that is not a JSON object with an object `sessions`, or a count that is not
 * an integer ≥ 0, gives null (probe failure, rule 13). Total.
 */
export const readContinueCount = (text: string | null, session: string): number | null => {
  if (text === null) return 0;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isObject(json) || !isObject(json['sessions'])) return null;
  const sessions = json['sessions'];
  if (!Object.prototype.hasOwnProperty.call(sessions, session)) return 0;
  const rec = sessions[session];
  if (!isObject(rec)) return null;
  const c = rec['count'];
  return typeof c === 'number' && Number.isSafeInteger(c) && c >= 0 ? c : null;
};

/**
 * ContinueIncrement under the mutex (stop-gate.md §6): `count = count + 1`, `lastAt = now` (ISO) for `session`, and sessions
 * whose `lastAt` is older than 7 days (or unreadable) pruned (hooks.md §5 rule 4). A current file that is not a valid
 * counter file gives null: the increment is dropped and reported, never written over a corrupt file.
 */
export const incrementContinue = (current: string | null, session: string, now: number): string | null => {
  let sessions: Record<string, unknown> = {};
  if (current !== null) {
    let json: unknown;
    try {
      json = JSON.parse(current);
    } catch {
      return null;
    }
    if (!isObject(json) || !isObject(json['sessions'])) return null;
    sessions = json['sessions'];
  }
  const prior = readContinueCount(current, session) ?? 0;
  const out: Record<string, { count: number; lastAt: string }> = {};
  for (const [k, v] of Object.entries(sessions)) {
    if (k === session || !isObject(v)) continue;
    const at = IsoMillis.decode(v['lastAt']);
    const c = v['count'];
    if (!isRight(at) || now - at.right > CONTINUE_PRUNE_MS) continue;
    if (typeof c !== 'number' || !Number.isSafeInteger(c) || c < 0) continue;
    out[k] = { count: c, lastAt: msToIso(at.right) };
  }
  out[session] = { count: prior + 1, lastAt: msToIso(now) };
  return JSON.stringify({ version: 1, sessions: out }, null, 2) + '\n';
};
