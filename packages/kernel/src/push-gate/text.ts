/**
 * Formatting helpers and fixed message templates of the push gate (push-gate.md §13). Pure and total: every
 * helper accepts any JavaScript value. Only these helpers' outputs are ever interpolated into model-facing text.
 */
import { HANDLE_CHAR, clamp, keepOnly, stripInvisible } from '../internal/text.js';
import { showWord } from '../internal/quote.js';
import { LANE_NAME_MAX } from './lanes.js';
import { maskString } from '../internal/mask.js';

/** Characters of a rendered handle (push-gate.md §2 `HANDLE_MAX`). */
export const HANDLE_MAX = 64;

/**
 * push-gate.md §13.1 `safeHandle`: non-string → `another session`; keep the part before the first `@` found after the first
 * character; keep `[A-Za-z0-9_./-]`; cut to `HANDLE_MAX`; empty → `another session`; else `@` + result.
 */
export const safeHandle = (x: unknown): string => {
  if (typeof x !== 'string') return 'another session';
  const at = x.indexOf('@', 1);
  const local = at > 0 ? x.slice(0, at) : x;
  const kept = keepOnly(local, HANDLE_CHAR, HANDLE_MAX, '');
  return kept === '' ? 'another session' : `@${kept}`;
};

/**
 * push-gate.md §13.1 `fmtAge(seconds)`: not a finite number → `unknown`; n = max(0, round half up); n < 60 → `<n>s`;
 * m = round(n/60), m < 60 → `<m>m`; else `<floor(m/60)>h`. 89 → `1m`, 90 → `2m`, 3570 → `1h`.
 */
export const fmtAge = (x: unknown): string => {
  if (typeof x !== 'number' || !Number.isFinite(x)) return 'unknown';
  const n = Math.max(0, Math.floor(x + 0.5));
  if (n < 60) return `${n}s`;
  const m = Math.floor(n / 60 + 0.5);
  if (m < 60) return `${m}m`;
  // BigInt prints every integer-valued double in plain digits (Number#toString switches to `1e+21` form).
  return `${BigInt(Math.floor(m / 60)).toString()}h`;
};

/**
 * push-gate.md §13.1 `safeLane`: the lane name as one copy-pasteable shell word ({@link showWord}: bare when made of
 * `A–Z a–z 0–9 _ . / : @ % + = , -`, else quoted and escaped; printable ASCII only). Never stripped, so two lanes
 * never print alike and the verbs accept what is printed. Not a string or empty → `(unnamed)`; longer than
 * `LANE_NAME_MAX` (not a lane) → the first 200 characters' word and ` …(cut)`.
 */
export const safeLane = (x: unknown): string => {
  if (typeof x !== 'string' || x === '') return '(unnamed)';
  return x.length > LANE_NAME_MAX ? `${showWord(clamp(x, 200))} …(cut)` : showWord(x);
};
/** push-gate.md §13.1 `safeRef`: as `safeLane`. */
export const safeRef = safeLane;
/** push-gate.md §13.1 `safeRemote`: the name when it matches `^[A-Za-z0-9_.-]{1,64}$`, else `the remote` (URLs never echoed). */
export const safeRemote = (x: unknown): string => (typeof x === 'string' && /^[A-Za-z0-9_.-]{1,64}$/.test(x) ? x : 'the remote');
/** push-gate.md §13.1 `branch(ref)`: drop a leading `refs/heads/`, then `safeRef`. */
export const branch = (ref: unknown): string => safeRef(typeof ref === 'string' ? ref.replace(/^refs\/heads\//, '') : ref);
/**
 * push-gate.md §13.1 `showSession`: the whole session id as one shell word ({@link showWord}), never cut or
 * stripped, so `arbiter lane halt|unhalt --session <shown>` names exactly that session. Not a string or empty →
 * `unknown`; longer than `SESSION_SHOW_MAX` (no verb accepts it) → the first 128 characters' word and ` …(cut)`.
 */
export const showSession = (s: unknown): string => {
  if (typeof s !== 'string' || s === '') return 'unknown';
  return s.length > SESSION_SHOW_MAX ? `${showWord(clamp(s, 128))} …(cut)` : showWord(s);
};
/** Longest session id shown whole, UTF-16 units (twice the 128 of `SESSION_ID_RE`). */
export const SESSION_SHOW_MAX = 256;

/**
 * push-gate.md §13.1 `safeReason`: remove invisible characters (`stripInvisible`, hooks.md §4 rule 0), control characters
 * (C0, C1, U+2028, U+2029) become spaces, `"` → `'`, collapse whitespace, trim, cut to `max` (160, or 200 for
 * break-glass) and append `…` when cut. Non-strings → empty string. Masked before the cut (secrets.md §12): halt,
 * force-release and break-glass reasons are stored and shown to the model through it.
 */
export const safeReason = (x: unknown, max = 160): string => {
  if (typeof x !== 'string') return '';
  const s = stripInvisible(x)
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' ')
    .replace(/"/g, "'")
    .replace(/\s+/g, ' ')
    .trim();
  const m = maskString(s);
  return m.length > max ? `${m.slice(0, max)}…` : m;
};

/** push-gate.md §13.1 `<more>`: empty for one lane, ` (+<n> more)` otherwise. */
export const more = (lanes: number): string => (lanes > 1 ? ` (+${lanes - 1} more)` : '');

/** The four failure kinds as they may appear in `<kind>`. */
export type FailureKind = 'transport' | 'contended' | 'forbidden' | 'other';
const kindOf = (k: unknown): FailureKind => (k === 'transport' || k === 'contended' || k === 'forbidden' ? k : 'other');

// ───────────────────────────────────────── push-gate.md §13.2 push-gate messages ─────────────────────────────────────────

/**
 * The fixed message templates (push-gate.md §13.2 gate messages, push-gate.md §13.3 audit bodies, push-gate.md §13.4 CLI messages), one function per
 * template; each key's comment names the spec's template id. Every interpolation goes through a push-gate.md §13.1 helper.
 */
export const messages = {
  /** B-HALT */
  blockedByHalt: (): string => 'arbiter: BLOCKED — this session has an open halt directed at it. Stop, tell the human, and do not push.',
  /** B-BEHIND */
  blockedBehindRemote: (dst: unknown, remote: unknown): string =>
    `arbiter: BLOCKED — the remote branch ${branch(dst)} on ${safeRemote(remote)} has commits that this push does not contain. Run \`arbiter land\` to queue, rebase, check and push in turn, or \`git pull --rebase\`, then push again.`,
  /** B-REWRITE */
  blockedHistoryRewrite: (dst: unknown): string =>
    `arbiter: BLOCKED — this push would discard commits on the remote ${safeRef(dst)}. Force-pushing a deploy ref needs a human decision (audited break-glass).`,
  /** A-HELD */
  askLaneHeld: (lane: unknown, handle: unknown, age: unknown): string =>
    `Deploy lane ${safeLane(lane)} is held by ${safeHandle(handle)} (last heartbeat ${fmtAge(age)} ago). Run \`arbiter land\` to queue for it, wait for its release, or override with \`arbiter deploy --break-glass\` (audited). Allow this push anyway?`,
  /**
   * B-HELD: a lane held by another session refuses a Codex push (push-gate.md §14 rule 4). Codex can neither ask
   * nor show a warning, so the reason names the holder and both ways through.
   */
  deniedLaneHeld: (lane: unknown, handle: unknown, age: unknown): string =>
    `arbiter: BLOCKED — deploy lane ${safeLane(lane)} is held by ${safeHandle(handle)} (last heartbeat ${fmtAge(age)} ago), and Codex cannot ask whether to push anyway. Queue for it with \`arbiter land\`, wait until the holder releases it (\`arbiter lane status\` shows it), or, if a human decides to override, run \`arbiter deploy --break-glass --reason '<why>'\` (audited) and push again.`,
  /** W-HELD */
  warnLaneHeld: (lane: unknown, handle: unknown, age: unknown): string =>
    `arbiter: WARNING — deploy lane ${safeLane(lane)} is held by ${safeHandle(handle)} (last heartbeat ${fmtAge(age)} ago). This host cannot ask, so the push goes ahead UNGATED; coordinate with the holder.`,
  /** L-DRY */
  loudDryRun: (lane: unknown, n: number): string => `arbiter: dry run — gate-push would gate lane ${safeLane(lane)}${more(n)}; nothing was claimed.`,
  /** L-BREAK */
  loudBreakGlass: (lane: unknown, n: number): string => `arbiter: BREAK-GLASS — deploy lane ${safeLane(lane)}${more(n)} taken by force; this takeover is audited.`,
  /** L-UNREACH */
  loudStoreUnreachable: (lane: unknown): string => `arbiter: deploy lane UNVERIFIED — lane store unreachable; pushing UNGATED on ${safeLane(lane)}.`,
  /** L-BUSY */
  loudStoreBusy: (lane: unknown): string => `arbiter: deploy lane UNVERIFIED — lane store busy; pushing UNGATED on ${safeLane(lane)} (skip recorded).`,
  /** L-REFUSED */
  loudStoreRefused: (kind: unknown, lane: unknown, fix?: unknown): string =>
    `arbiter: deploy lane UNVERIFIED — lane store refused the claim (${kindOf(kind) === 'forbidden' ? 'forbidden' : fix === 'migrate' ? 'other: its schema is missing or older than this Arbiter; run `arbiter db migrate`' : 'other'}); pushing UNGATED on ${safeLane(lane)} (skip recorded).`,
  /** L-NOID */
  loudNoIdentity: (lane: unknown): string => `arbiter: deploy lane UNVERIFIED — could not establish who is pushing; pushing UNGATED on ${safeLane(lane)}.`,
  /** L-CONFIG */
  loudConfigInvalid: (): string => 'arbiter: .arbiter/config.json is invalid — the push gate is OFF for this repository until it is fixed.',
  /** L-WATCHDOG */
  loudWatchdog: (): string => 'arbiter: the push gate ran out of time — pushing UNGATED.',
  /** L-LIMIT */
  loudPlanLimit: (): string => 'arbiter: the push gate hit an internal limit — pushing UNGATED.',
  /** L-GUARD */
  loudStateGuard: (): string => "arbiter: Arbiter's state directory is read-only (see `arbiter lock status`) — pushing UNGATED.",
  // push-gate.md §13.3 audit bodies
  /** S-SKIP */
  postGateSkipped: (lane: unknown, busy: boolean): string => `gate skipped on ${safeLane(lane)} — lane store ${busy ? 'busy' : 'refusing'} at push time`,
  /** S-BREAK */
  postBreakGlass: (lane: unknown, handle: unknown, reason: unknown): string => {
    const why = safeReason(reason, 200);
    return `BREAK-GLASS deploy on ${safeLane(lane)} by ${safeHandle(handle)}${why === '' ? '' : ` — ${why}`}`;
  },
  // push-gate.md §13.4 CLI messages
  /** D-HELD */
  deployLaneHeld: (lane: unknown, handle: unknown): string =>
    `arbiter: deploy lane ${safeLane(lane)} is HELD by ${safeHandle(handle)}. Wait for its release, retry with --break-glass (audited), or, as an owner, run \`arbiter lane release ${safeLane(lane)} --force\`.`,
  /** D-FAIL */
  deployClaimFailed: (lane: unknown, kind: unknown): string => `arbiter: could not claim deploy lane ${safeLane(lane)} (${kindOf(kind)}).`,
  /** D-FORBID */
  deployForceForbidden: (): string => 'arbiter: break-glass force-release is for owners only — you are not an owner of this repository.',
  /** D-BEHIND */
  deployBehindRemote: (lane: unknown, fence: number, remote: unknown, br: unknown): string =>
    `arbiter: lane ${safeLane(lane)} claimed (fence ${fence}) — but HEAD is behind ${safeRemote(remote)}/${branch(br)}. Run \`git pull --rebase\`, then push.`,
  /** D-CLEAR */
  deployClear: (lane: unknown, fence: number): string =>
    `arbiter: lane ${safeLane(lane)} claimed (fence ${fence}) — clear to deploy. Release it with \`arbiter lane release ${safeLane(lane)}\` when done.`,
  /** D-NOREPO */
  deployNotInRepo: (): string => 'arbiter: not inside a git repository.',
  /** D-CONFIG */
  deployConfigInvalid: (): string => 'arbiter: .arbiter/config.json is invalid — fix it first.',
  /** D-ETA */
  deployBadEta: (): string => 'arbiter: --eta must be a whole number of minutes from 1 to 1440.',
  /** D-DETACHED */
  deployDetachedHead: (): string => 'arbiter: HEAD is detached — pass --lane <name>.',
  /** D-NONDEPLOY */
  deployNotDeployRef: (ref: unknown): string => `arbiter: ${safeRef(ref)} is not a deploy ref in this repository — pass --lane <name> to claim a lane anyway.`,
  /** D-NOID */
  deployNoIdentity: (): string => 'arbiter: could not establish who you are (is the state directory writable?).',
  /** C-CLAIMED */
  laneClaimed: (lane: unknown, fence: number): string => `arbiter: lane ${safeLane(lane)} claimed (fence ${fence}).`,
  /** C-RENEWED */
  laneRenewed: (lane: unknown, fence: number): string => `arbiter: lane ${safeLane(lane)} renewed (fence ${fence}).`,
  /** C-LOST */
  laneLost: (lane: unknown, handle: unknown): string => `arbiter: lane ${safeLane(lane)} was lost — its lease ran out and it is now held by ${safeHandle(handle)}.`,
  /** C-RELEASED */
  laneReleased: (lane: unknown): string => `arbiter: lane ${safeLane(lane)} released.`,
  /** C-NOTHOLDER */
  laneNotHolder: (lane: unknown): string => `arbiter: lane ${safeLane(lane)} is not held by this session — nothing to release.`,
  /** C-FORCED */
  laneForceReleased: (lane: unknown, handle: unknown): string =>
    `arbiter: lane ${safeLane(lane)} force-released (was held by ${handle === null ? 'nobody' : safeHandle(handle)}); recorded in the audit log.`,
  /** C-FORCE-DENIED */
  laneForceDenied: (): string => 'arbiter: force-release is for owners only — you are not an owner of this repository.',
  /** C-HALTED */
  laneHalted: (id: unknown, session: unknown): string => `arbiter: halt ${keepOnly(id, /[0-9a-f]/, 16, '?')} is now directed at session ${showSession(session)}.`,
  /** C-UNHALTED */
  laneUnhalted: (n: number, session: unknown): string => `arbiter: closed ${n} halt(s) directed at session ${showSession(session)}.`,
  /** C-SELF */
  laneUnhaltSelf: (): string => 'arbiter: a session cannot lift a halt directed at itself.',
  /** C-UNHALT-DENIED */
  laneUnhaltDenied: (): string => "arbiter: only an owner or the halt's author can lift it.",
  /** C-BADARG: the option, the rule it breaks and what was given (both fixed kernel texts, never the value itself). */
  laneBadArgument: (name: string, expected: string, got: string): string =>
    `arbiter: invalid argument ${keepOnly(name, /[A-Za-z0-9-]/, 32, '?')}: expected ${expected}; got ${got}.`,
  /** C-STORE */
  laneStoreFailed: (kind: unknown): string => `arbiter: the lane store failed (${kindOf(kind)}).`,
  /** N-NOTCONF */
  contextNotConfigured: (): string => 'arbiter: not configured for this repository (no .arbiter/config.json) — coordination context unavailable.',
} as const;

