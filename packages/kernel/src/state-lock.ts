/**
 * State-directory lock and stale host-lock heal: one writer per state directory, never two hosts.
 *
 * Normative source: state-lock.md (policy `state-lock`, version 1.0.0) with architecture.md conventions: the lock
 * file `host.lock` lives in the guarded directory, which for Arbiter is the repository runtime directory
 * (`<git common dir>/arbiter/` or `$ARBITER_STATE_DIR/repos/<key>/`), never a working tree. Sections follow architecture.md
 * "One decision, one module": model → decision → verdict/effects → messages → table.
 *
 * Reason codes: the spec writes them `hl.<name>`; per architecture.md conventions §5 they are the kebab-case `<name>`
 * here, written to the decision log beside the policy name `state-lock` (e.g. `hl.foreign-host` ≡ `foreign-host`).
 *
 * Pure: no I/O, no clock, no randomness. `now`, pids, hostnames and every probe answer arrive as facts.
 */
import * as t from 'io-ts';
import { sanitizeLine } from './internal/text.js';
import { isRight } from 'fp-ts/lib/Either.js';
import { IsoMillis } from './internal/codecs.js';
import { done, need, runStepsSync, type Done, type Need, type StepDriver } from './internal/step.js';
import { SESSION_CHAR, keepOnly } from './internal/text.js';
import type { DecisionTable } from './internal/table.js';

// ───────────────────────────────────────── constants (state-lock.md §10) ─────────────────────────────────────────

/** Policy id written to the decision log. */
export const POLICY = 'state-lock';
/** Policy version (semver); major for changed verdicts or reason codes. */
export const POLICY_VERSION = '1.0.0';
/** Name of the lock file inside the guarded directory (state-lock.md §1). */
export const LOCK_FILE = 'host.lock';
/** Staleness threshold, ms, inclusive: stale iff `now − mtimeMs ≥ STALE_MS` (state-lock.md §3). */
export const STALE_MS = 300_000;
/** Heartbeat interval for `process` holders, ms (state-lock.md §2, state-lock.md §10). */
export const HEARTBEAT_INTERVAL_MS = 60_000;
/** Budget of the whole df probe, ms (state-lock.md §4). */
export const DF_BUDGET_MS = 3_000;
/** Acquisition attempts per open (state-lock.md §7 `settleLock`). */
export const MAX_ATTEMPTS = 3;
/** Upper bound of steps of one step-function run (hooks.md §3 rule 3). */
export const MAX_STEPS = 12;
/** File-system types that are never local, compared lowercased (state-lock.md §4 rule 1). */
export const NETWORK_FS_TYPES: ReadonlyArray<string> = ['nfs', 'nfs4', 'cifs', 'smb3', 'fuse.sshfs', 'glusterfs', 'ceph', '9p'];

// ───────────────────────────────────────── text helper (hooks.md §4) ─────────────────────────────────────────

/** `sanitizeLine` of hooks.md §4 lives in internal/text.ts (one copy for every sentinel); re-exported. */
export { sanitizeLine } from './internal/text.js';

// ───────────────────────────────────────── model: file system (state-lock.md §4) ───────────────────────────────────

/** What the kernel concludes about the file system holding the lock. */
export type FsLocality = 'local' | 'not-local';
/** Answer of the `fsLocal` probe (state-lock.md §4): `unknown` when df failed, timed out or printed something unparseable. */
export type FsLocalAnswer = FsLocality | 'unknown';

/**
 * Classify the file system from df's first column and, when known, its type (state-lock.md §4 rules 1–6, in order).
 * Total over any input: a non-string `source` is empty (not-local); a non-string `fsType` counts as absent.
 *
 * @param source df's "Filesystem" column, e.g. `/dev/sda1`, `server:/export`, `//nas/share`, `tmpfs`, `pool/ds`.
 * @param fsType df's "Type" column when `-T` worked (`ext4`, `nfs4`, …), otherwise undefined.
 * @returns `local` iff `source` starts with `/dev/` and `fsType` is absent or not a network type (HL-P8).
 */
export const classifyDfSource = (source: unknown, fsType?: unknown): FsLocality => {
  if (typeof fsType === 'string' && NETWORK_FS_TYPES.includes(fsType.toLowerCase())) return 'not-local'; // rule 1
  if (typeof source !== 'string' || source === '') return 'not-local'; // rule 2
  if (source.startsWith('//')) return 'not-local'; // rule 3 (SMB/CIFS)
  if (!source.startsWith('/') && source.includes(':')) return 'not-local'; // rule 4 (host:/path)
  if (source.startsWith('/dev/')) return 'local'; // rule 5
  return 'not-local'; // rule 6: tmpfs, overlay, map/autofs entries, ZFS datasets, … fail closed
};

/** One parsed df data line: the source and, when the `-T` column was present, the type. */
export interface DfRow {
  readonly source: string;
  readonly fsType?: string;
}

/** Why df output could not be used (state-lock.md §4 step 2–3). */
export type DfParseError = 'too-few-lines' | 'no-type-column' | 'empty-line';

/**
 * Parse the stdout of `df -PT -- <dir>` (`withType` true) or `df -P -- <dir>` (state-lock.md §4 step 2). Pure and total.
 * Needs at least two lines. With `withType`, the header's second column must be `Type` (otherwise
 * `no-type-column`, and the adapter retries with `df -P`). Line 2 is split on runs of whitespace: field 1 is the
 * source, field 2 the type when `withType`.
 */
export const parseDfOutput = (
  stdout: unknown,
  withType: boolean,
): { readonly ok: true; readonly row: DfRow } | { readonly ok: false; readonly error: DfParseError } => {
  if (typeof stdout !== 'string') return { ok: false, error: 'too-few-lines' };
  const lines = stdout.split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = lines[0];
  const data = lines[1];
  if (header === undefined || data === undefined) return { ok: false, error: 'too-few-lines' };
  const fields = data.trim().split(/\s+/);
  const source = fields[0];
  if (source === undefined || source === '') return { ok: false, error: 'empty-line' };
  if (!withType) return { ok: true, row: { source } };
  const headerFields = header.trim().split(/\s+/);
  if (headerFields[1] !== 'Type') return { ok: false, error: 'no-type-column' };
  const fsType = fields[1];
  if (fsType === undefined) return { ok: false, error: 'empty-line' };
  return { ok: true, row: { source, fsType } };
};

// ───────────────────────────────────────── model: lock body (state-lock.md §3) ─────────────────────────────────────

/** A pid is valid only as a safe integer > 0 (state-lock.md §3, state-lock.md §5: `kill(0)` and negative pids address process groups). */
export const isValidPid = (pid: unknown): pid is number =>
  typeof pid === 'number' && Number.isSafeInteger(pid) && pid > 0;

/** A hostname is valid only as a non-empty string (state-lock.md §3). */
export const isValidHostname = (h: unknown): h is string => typeof h === 'string' && h.length > 0;

const PidCodec = new t.Type<number, number, unknown>('Pid', isValidPid, (u, c) => (isValidPid(u) ? t.success(u) : t.failure(u, c)), t.identity);
const HostnameCodec = new t.Type<string, string, unknown>(
  'Hostname',
  isValidHostname,
  (u, c) => (isValidHostname(u) ? t.success(u) : t.failure(u, c)),
  t.identity,
);

/** The lock body as written (state-lock.md §3): `{pid, hostname, acquiredAt}`; `acquiredAt` is ISO-8601 UTC with ms on disk. */
export const LockBodyCodec = t.type({ pid: PidCodec, hostname: HostnameCodec, acquiredAt: IsoMillis }, 'LockBody');
/** A lock body in memory (`acquiredAt` in ms epoch). */
export type LockBody = t.TypeOf<typeof LockBodyCodec>;

/** Encode a body for the lock file: `{"pid":…,"hostname":"…","acquiredAt":"…Z"}`. */
export const encodeLockBody = (b: LockBody): string => JSON.stringify(LockBodyCodec.encode(b));

/** What a reader makes of a lock file: each field kept only when valid (state-lock.md §3). Unparseable text reads as `{}`. */
export interface ParsedLock {
  readonly pid?: number;
  readonly hostname?: string;
  readonly acquiredAt?: number;
}

/**
 * Read a lock file's text leniently (state-lock.md §3): JSON that is not an object reads as `{}`; `pid` kept only if valid,
 * `hostname` only if a non-empty string, `acquiredAt` only if it round-trips as ISO-8601 with ms. Total.
 */
export const parseLockBody = (text: unknown): ParsedLock => {
  if (typeof text !== 'string') return {};
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return {};
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return {};
  const o = json as Record<string, unknown>;
  const at = IsoMillis.decode(o['acquiredAt']);
  return {
    ...(isValidPid(o['pid']) ? { pid: o['pid'] } : {}),
    ...(isValidHostname(o['hostname']) ? { hostname: o['hostname'] } : {}),
    ...(isRight(at) ? { acquiredAt: at.right } : {}),
  };
};

/** state-lock.md §3: stale iff `now − mtimeMs ≥ STALE_MS`. An unreadable mtime counts as 0 (stale); a future mtime is fresh. */
export const isStaleMtime = (now: number, mtimeMs: number | undefined): boolean => now - (mtimeMs ?? 0) >= STALE_MS;

// ───────────────────────────────────────── model: facts and probes (state-lock.md §5) ─────────────────────────────

/** Holder mode (state-lock.md §2): one live process, or every process of one host. */
export type HolderMode = 'process' | 'host';

/** What the `lockRead` probe found. */
export type LockFileRead = { readonly _tag: 'Absent' } | { readonly _tag: 'Present'; readonly text: string };

/** Liveness answer of the state lock's pid probe (state-lock.md §5: EPERM is alive, any other error fails the probe). */
export type PidAnswer = 'alive' | 'dead';

/** Failure of a probe (hooks.md §3 rule 2). `detail` is free text the kernel sanitizes before display. */
export interface ProbeFailure {
  readonly kind: 'timeout' | 'unavailable' | 'failed';
  readonly detail: string;
}

/** A probe answer (hooks.md §3 rule 2). */
export type Answer<A> = { readonly ok: true; readonly value: A } | { readonly ok: false; readonly error: ProbeFailure };

/** Probes of this policy, in the only orders state-lock.md §6 allows (HL-P15). */
export type Probe =
  | { readonly _tag: 'LockRead' }
  | { readonly _tag: 'FsLocal' }
  | { readonly _tag: 'LockAge' }
  | { readonly _tag: 'PidAlive'; readonly pid: number };

export type ProbeName = Probe['_tag'];

/** Given facts of an open (state-lock.md §5). `now` ms epoch; `attempt` 1–3; `dir`/`lockPath` only for messages. */
export interface LockGiven {
  readonly selfPid: number;
  readonly selfHostname: string;
  readonly holder: HolderMode;
  readonly autoHeal: boolean;
  readonly dryRun: boolean;
  readonly attempt: number;
  readonly now: number;
  readonly dir: string;
  readonly lockPath: string;
}

/** Facts known to `decideLock`: the given facts plus one answer per probe already run. */
export interface LockKnown extends LockGiven {
  readonly lockRead?: Answer<LockFileRead>;
  /** The lock file's mtime, ms epoch. */
  readonly lockAge?: Answer<number>;
  readonly fsLocal?: Answer<FsLocalAnswer>;
  readonly pidAlive?: Answer<PidAnswer>;
}

// ───────────────────────────────────────── verdicts and effects (state-lock.md §6–9) ─────────────────────────────

/** Codes of an Enabled outcome (state-lock.md §9: they have no message). */
export type EnabledReason = 'acquired' | 'reclaimed' | 'healed' | 'host-shared';
/** Codes of a Disabled outcome (each has a state-lock.md §9 message). */
export type DisabledReason =
  | 'foreign-host'
  | 'foreign-host-declined'
  | 'would-heal'
  | 'live-other'
  | 'contention'
  | 'lost'
  | 'error';
/** Every reason code of this policy (G-P4: the closed set; spec form `hl.<code>`). */
export type Reason = EnabledReason | DisabledReason;

export const ENABLED_REASONS: ReadonlyArray<EnabledReason> = ['acquired', 'reclaimed', 'healed', 'host-shared'];
export const DISABLED_REASONS: ReadonlyArray<DisabledReason> = [
  'foreign-host',
  'foreign-host-declined',
  'would-heal',
  'live-other',
  'contention',
  'lost',
  'error',
];
/** Every reason code, for tables and tests. */
export const REASONS: ReadonlyArray<Reason> = [...ENABLED_REASONS, ...DISABLED_REASONS];

/** A value shown in the `foreign-host-declined` message (state-lock.md §9). */
export type DeclineValue = 'true' | 'false' | 'unknown' | 'not checked';

/** Why a foreign lock was not healed (state-lock.md §6 rule 3). */
export interface DeclineDetails {
  readonly fsLocal: DeclineValue;
  readonly stale: DeclineValue;
  readonly pidDead: DeclineValue;
}

/** The previous holder recorded in the audit of a reclaim or heal (state-lock.md §9 last paragraph). */
export interface PriorHolder {
  readonly pid: number | null;
  readonly hostname: string | null;
}

/** How the lock is to be written (state-lock.md §7): `create` = exclusive create; `takeover` = unlink then exclusive create. */
export type TakeMethod = 'create' | 'takeover';

/** Intermediate outcome: write the lock, then feed the write's result to {@link settleLock}. */
export interface Take {
  readonly _tag: 'Take';
  readonly method: TakeMethod;
  readonly onWin: 'acquired' | 'reclaimed' | 'healed';
  readonly reasons: readonly ['acquired' | 'reclaimed' | 'healed'];
  readonly body: LockBody;
  readonly prior: PriorHolder | null;
}

/** The guard may write. */
export interface Enabled {
  readonly _tag: 'Enabled';
  readonly reasons: readonly [EnabledReason];
}

/** The guard refuses every write, loudly (state-lock.md §8). `message` is the fixed state-lock.md §9 text. */
export interface Disabled {
  readonly _tag: 'Disabled';
  readonly reasons: readonly [DisabledReason];
  readonly message: string;
  readonly details?: DeclineDetails;
}

/** The loser of an exclusive create re-evaluates at once (state-lock.md §7 `settleLock`). */
export interface Retry {
  readonly _tag: 'Retry';
  readonly attempt: number;
}

/**
 * Effects as data, executed in order by the adapter (hooks.md §3 rule 6, state-lock.md §7–8).
 * - `LockWrite`: exclusive create (`create`) or unlink-then-exclusive-create (`takeover`) of `body` (encoded).
 * - `LockTouch`: set the lock file's mtime to `at` (ms epoch).
 * - `LockRemove`: unlink the lock file (release).
 * - `Alert`: a transition to Disabled; the adapter makes it loud (stderr, context block, exit code).
 * - `Audit`: a reclaim or heal, recorded with the prior holder.
 */
export type Effect =
  | { readonly _tag: 'LockWrite'; readonly method: TakeMethod; readonly body: string }
  | { readonly _tag: 'LockTouch'; readonly at: number }
  | { readonly _tag: 'LockRemove' }
  | { readonly _tag: 'Alert'; readonly code: DisabledReason; readonly message: string }
  | { readonly _tag: 'Audit'; readonly code: 'reclaimed' | 'healed'; readonly prior: PriorHolder };

/** Result of one `decideLock` call. */
export type LockStep = Need<Probe> | Done<Take | Enabled | Disabled, Effect>;

// ───────────────────────────────────────── messages (state-lock.md §9) ─────────────────────────────────────────

/** Longest path rendered in a message, code points. */
const PATH_MAX = 500;
/** Longest hostname rendered in a message (RFC 1035 name limit), characters. */
const HOST_MAX = 255;

/** A hostname from a lock file is foreign text: keep `[A-Za-z0-9_.-]`, at most 255 characters, `?` when empty. */
export const safeHost = (h: unknown): string => keepOnly(h, SESSION_CHAR, HOST_MAX, '?');
const safePath = (p: unknown): string => sanitizeLine(p, PATH_MAX) || '?';
const safePid = (pid: unknown): string => (isValidPid(pid) ? String(pid) : '?');

/** Interpolations of the state-lock.md §9 templates. Everything is sanitized here, whatever the caller passes. */
export interface MessageArgs {
  readonly dir: string;
  readonly lockPath: string;
  readonly lockHost?: unknown;
  readonly thisHost?: unknown;
  readonly pid?: unknown;
  readonly ageMinutes?: number;
  readonly details?: DeclineDetails;
  readonly detail?: unknown;
}

/**
 * The fixed message of a Disabled code (state-lock.md §9). Only sanitized interpolations: paths via `sanitizeLine(…, 500)`,
 * hostnames via {@link safeHost}, pids as decimal or `?`, the error detail via `sanitizeLine(detail, 200)`.
 */
export const message = (code: DisabledReason, a: MessageArgs): string => {
  const lockPath = safePath(a.lockPath);
  const dir = safePath(a.dir);
  const foreign = () =>
    `Arbiter state lock disabled: ${lockPath} was written by host "${safeHost(a.lockHost)}", and this host is "${safeHost(a.thisHost)}". Two hosts must never share one state directory. If this machine has only been renamed or restored from a backup, and no other machine uses ${dir}, remove ${lockPath} (or turn on state_lock.auto_heal_stale_host_lock) and run again.`;
  switch (code) {
    case 'foreign-host':
      return foreign();
    case 'foreign-host-declined': {
      const d = a.details ?? { fsLocal: 'not checked', stale: 'not checked', pidDead: 'not checked' };
      return `${foreign()} Auto-heal declined: local filesystem=${d.fsLocal}, heartbeat stale=${d.stale}, holder pid dead=${d.pidDead}.`;
    }
    case 'would-heal': {
      const age = a.ageMinutes !== undefined && Number.isFinite(a.ageMinutes) && a.ageMinutes >= 0 ? String(Math.floor(a.ageMinutes)) : '?';
      return `Arbiter state lock disabled (dry run): the lock from host "${safeHost(a.lockHost)}" looks like one left by renaming this machine (local filesystem, holder pid gone, heartbeat ${age} min old). Set state_lock.dry_run to false to let Arbiter take it over.`;
    }
    case 'live-other':
      return `Arbiter state lock disabled: ${lockPath} is held by process ${safePid(a.pid)} on this host, whose heartbeat is recent. ${dir} accepts a single writer at a time.`;
    case 'contention':
      return `Arbiter state lock disabled: another process won the takeover of ${lockPath} on all ${MAX_ATTEMPTS} attempts; Arbiter will look at it again on its next run.`;
    case 'lost':
      return `Arbiter state lock disabled: ${lockPath} no longer names this process; another writer has taken it over.`;
    case 'error':
      return `Arbiter state lock disabled: handling ${lockPath} failed: ${sanitizeLine(a.detail, 200) || 'unknown error'}.`;
  }
};

/** The stderr warning line every hook prints while the guard is disabled (state-lock.md §9, state-lock.md §8 rule 1). */
export const warningLine = (dir: string, code: string, msg: string): string =>
  `arbiter: state directory ${safePath(dir)} is read-only for Arbiter (${keepOnly(code, /[a-z0-9.-]/, 64, '?')}). ${sanitizeLine(msg, 2000)}`;

/** The context block the context hook adds while the guard is disabled (state-lock.md §9, state-lock.md §8 rule 2). */
export const contextWarningBlock = (msg: string): string =>
  `Arbiter warning: its state directory cannot be written, so commitments, build protection and the stop gate are inactive in this session. ${sanitizeLine(msg, 2000)}`;

// ───────────────────────────────────────── decision: acquire (state-lock.md §6) ─────────────────────────────────

type Where = Pick<LockGiven, 'dir' | 'lockPath'>;

const disabled = (code: DisabledReason, f: Where, a: Omit<MessageArgs, 'dir' | 'lockPath'> = {}): Done<Disabled, Effect> => {
  const msg = message(code, { dir: f.dir, lockPath: f.lockPath, ...a });
  const outcome: Disabled = {
    _tag: 'Disabled',
    reasons: [code],
    message: msg,
    ...(a.details === undefined ? {} : { details: a.details }),
  };
  return done<Disabled, Effect>(outcome, [{ _tag: 'Alert', code, message: msg }]);
};

const ourBody = (f: LockGiven): LockBody => ({ pid: f.selfPid, hostname: f.selfHostname, acquiredAt: f.now });

const take = (f: LockGiven, method: TakeMethod, onWin: Take['onWin'], prior: PriorHolder | null): Done<Take, Effect> => {
  const body = ourBody(f);
  return done<Take, Effect>({ _tag: 'Take', method, onWin, reasons: [onWin], body, prior }, [
    { _tag: 'LockWrite', method, body: encodeLockBody(body) },
  ]);
};

const priorOf = (l: ParsedLock): PriorHolder => ({ pid: l.pid ?? null, hostname: l.hostname ?? null });

const fsValue = (a: FsLocalAnswer): DeclineValue => (a === 'local' ? 'true' : a === 'not-local' ? 'false' : 'unknown');

/**
 * The acquire step function `decideLock` (state-lock.md §6, rules in evaluation order).
 *
 * Probes are requested one at a time and only where state-lock.md §6 allows: `lockRead` first; on a foreign lock with heal on,
 * `fsLocal`, then `lockAge`, then `pidAlive` (each only if the previous one allowed the heal to go on); on a
 * same-host lock under `process`, `lockAge` then `pidAlive`. With heal off a foreign lock gets no probe after
 * `lockRead` (hard invariant, HL-P1); `pidAlive` never comes before `fsLocal = local` (HL-P2) and never for an
 * invalid pid or our own pid (HL-P13). A probe failure counts as: `lockRead` → Disabled `error`; `fsLocal` →
 * `unknown`; `lockAge` → mtime 0 (stale); `pidAlive` → alive (fail closed).
 *
 * @returns `Need` of the next probe, or `Done` with `Take` (+ `LockWrite`), `Enabled host-shared` (+ `LockTouch`)
 *   or `Disabled` (+ `Alert`). Total and deterministic over its facts; never throws for facts of the declared types.
 */
export const decideLock = (f: LockKnown): LockStep => {
  // 1. lockRead.
  if (f.lockRead === undefined) return need<Probe>({ _tag: 'LockRead' });
  if (!f.lockRead.ok) return disabled('error', f, { detail: `reading the lock failed: ${f.lockRead.error.detail}` });
  // 2. Absent → exclusive create.
  if (f.lockRead.value._tag === 'Absent') return take(f, 'create', 'acquired', null);
  const lock = parseLockBody(f.lockRead.value.text);
  const lockHost = lock.hostname;
  // 3. Foreign host.
  if (lockHost !== undefined && lockHost !== f.selfHostname) {
    const hostArgs = { lockHost, thisHost: f.selfHostname };
    // 3.1 Hard invariant: heal off → no further probe of any kind.
    if (!f.autoHeal) return disabled('foreign-host', f, hostArgs);
    // 3.2 fsLocal first; it decides alone.
    if (f.fsLocal === undefined) return need<Probe>({ _tag: 'FsLocal' });
    const fs: FsLocalAnswer = f.fsLocal.ok ? f.fsLocal.value : 'unknown';
    if (fs !== 'local') {
      return disabled('foreign-host-declined', f, {
        ...hostArgs,
        details: { fsLocal: fsValue(fs), stale: 'not checked', pidDead: 'not checked' },
      });
    }
    // 3.3 Heartbeat.
    if (f.lockAge === undefined) return need<Probe>({ _tag: 'LockAge' });
    const mtime = f.lockAge.ok ? f.lockAge.value : 0;
    if (!isStaleMtime(f.now, mtime)) {
      return disabled('foreign-host-declined', f, { ...hostArgs, details: { fsLocal: 'true', stale: 'false', pidDead: 'not checked' } });
    }
    // 3.4 pid dead? An invalid pid counts as dead without a probe.
    if (lock.pid !== undefined) {
      if (f.pidAlive === undefined) return need<Probe>({ _tag: 'PidAlive', pid: lock.pid });
      const alive = f.pidAlive.ok ? f.pidAlive.value === 'alive' : true;
      if (alive) {
        return disabled('foreign-host-declined', f, { ...hostArgs, details: { fsLocal: 'true', stale: 'true', pidDead: 'false' } });
      }
    }
    // 3.5 All three conditions hold.
    if (f.dryRun) return disabled('would-heal', f, { lockHost, ageMinutes: (f.now - mtime) / 60_000 });
    return take(f, 'takeover', 'healed', priorOf(lock));
  }
  // 4. Same host: hostname missing/invalid (corrupt included) or equal to ours.
  if (f.holder === 'host') {
    if (lockHost === f.selfHostname) {
      return done<Enabled, Effect>({ _tag: 'Enabled', reasons: ['host-shared'] }, [{ _tag: 'LockTouch', at: f.now }]);
    }
    return take(f, 'takeover', 'reclaimed', priorOf(lock));
  }
  // Holder `process`.
  if (lock.pid === undefined || lock.pid === f.selfPid) return take(f, 'takeover', 'reclaimed', priorOf(lock));
  if (f.lockAge === undefined) return need<Probe>({ _tag: 'LockAge' });
  if (isStaleMtime(f.now, f.lockAge.ok ? f.lockAge.value : 0)) return take(f, 'takeover', 'reclaimed', priorOf(lock));
  if (f.pidAlive === undefined) return need<Probe>({ _tag: 'PidAlive', pid: lock.pid });
  const alive = f.pidAlive.ok ? f.pidAlive.value === 'alive' : true;
  if (alive) return disabled('live-other', f, { pid: lock.pid });
  return take(f, 'takeover', 'reclaimed', priorOf(lock));
};

// ───────────────────────────────────────── decision: settle, touch (state-lock.md §7) ─────────────────────────────

/** Result of executing a `LockWrite`: won the exclusive create, lost it (EEXIST), or any other error. */
export type WriteResult =
  | { readonly _tag: 'Won' }
  | { readonly _tag: 'Lost' }
  | { readonly _tag: 'Error'; readonly detail: string };

/**
 * `settleLock(attempt, result)` (state-lock.md §7 table): won → Enabled with the Take's `onWin` (plus an `Audit` effect with
 * the prior holder for `reclaimed` and `healed`); lost and `attempt < 3` → Retry with `attempt + 1`; lost at
 * attempt 3 → Disabled `contention`; any other error → Disabled `error`. Disabled carries an `Alert`.
 */
export const settleLock = (f: LockGiven, tk: Take, result: WriteResult): Done<Enabled | Disabled | Retry, Effect> => {
  switch (result._tag) {
    case 'Won': {
      const effects: Effect[] =
        tk.onWin === 'acquired' ? [] : [{ _tag: 'Audit', code: tk.onWin, prior: tk.prior ?? { pid: null, hostname: null } }];
      return done<Enabled, Effect>({ _tag: 'Enabled', reasons: [tk.onWin] }, effects);
    }
    case 'Lost':
      return f.attempt < MAX_ATTEMPTS ? done<Retry, Effect>({ _tag: 'Retry', attempt: f.attempt + 1 }) : disabled('contention', f);
    case 'Error':
      return disabled('error', f, { detail: `writing the lock failed: ${result.detail}` });
  }
};

/** Result of a `LockTouch`/`LockRemove` effect. */
export type EffectResult = { readonly _tag: 'Ok' } | { readonly _tag: 'Error'; readonly detail: string };

/**
 * Settle the `LockTouch` that accompanies `host-shared` or a heartbeat (state-lock.md §7 Touch): a failed touch gives
 * Disabled `error`; a successful one keeps `outcome`.
 */
export const settleTouch = <O>(f: Where, outcome: O, result: EffectResult): Done<O | Disabled, Effect> =>
  result._tag === 'Ok'
    ? done<O, Effect>(outcome)
    : disabled('error', f, { detail: `touching the lock failed: ${result.detail}` });

/**
 * Internal-error outcome (hooks.md §3 rule 3, state-lock.md §7 "Exceptions"): any exception in a probe, an effect or the driver, or a
 * step that breaks the driver's rules, gives Disabled `error`. `detail` is sanitized into the message.
 */
export const internalError = (f: Where, detail: unknown): Done<Disabled, Effect> =>
  disabled('error', f, { detail: typeof detail === 'string' ? detail : 'internal error' });

// ───────────────────────────────────────── decision: heartbeat and release (state-lock.md §7) ─────────────────────

/** Facts of a heartbeat or a release. */
export interface KeepKnown {
  readonly selfPid: number;
  readonly selfHostname: string;
  readonly holder: HolderMode;
  readonly now: number;
  readonly dir: string;
  readonly lockPath: string;
  readonly lockRead?: Answer<LockFileRead>;
}

/** A heartbeat found the lock still ours. */
export interface Kept {
  readonly _tag: 'Kept';
}

/** "Names us" (state-lock.md §7): for `process` the same pid and hostname; for `host` the same hostname. */
export const namesUs = (f: Pick<KeepKnown, 'selfPid' | 'selfHostname' | 'holder'>, lock: ParsedLock): boolean =>
  lock.hostname === f.selfHostname && (f.holder === 'host' || lock.pid === f.selfPid);

/**
 * Heartbeat decision (state-lock.md §7): need `lockRead`; a failed read → Disabled `error`; absent, unparseable or not naming
 * us → Disabled `lost`; otherwise `Kept` with one `LockTouch` at `now` (settle it with {@link settleTouch}).
 */
export const decideHeartbeat = (f: KeepKnown): Need<Probe> | Done<Kept | Disabled, Effect> => {
  if (f.lockRead === undefined) return need<Probe>({ _tag: 'LockRead' });
  const g: Where = f;
  if (!f.lockRead.ok) return disabled('error', g, { detail: `reading the lock failed: ${f.lockRead.error.detail}` });
  if (f.lockRead.value._tag === 'Absent') return disabled('lost', g);
  if (!namesUs(f, parseLockBody(f.lockRead.value.text))) return disabled('lost', g);
  return done<Kept, Effect>({ _tag: 'Kept' }, [{ _tag: 'LockTouch', at: f.now }]);
};

/** Outcome of a release: whether the lock file is to be removed. */
export interface Released {
  readonly _tag: 'Released';
  readonly removed: boolean;
}

/**
 * Release decision (state-lock.md §7): a `host` holder never removes the lock and reads nothing; a `process` holder needs
 * `lockRead` and removes the lock (`LockRemove`) only if it names us. A failed read removes nothing.
 */
export const decideRelease = (f: KeepKnown): Need<Probe> | Done<Released, Effect> => {
  if (f.holder === 'host') return done<Released, Effect>({ _tag: 'Released', removed: false });
  if (f.lockRead === undefined) return need<Probe>({ _tag: 'LockRead' });
  if (!f.lockRead.ok || f.lockRead.value._tag === 'Absent' || !namesUs(f, parseLockBody(f.lockRead.value.text))) {
    return done<Released, Effect>({ _tag: 'Released', removed: false });
  }
  return done<Released, Effect>({ _tag: 'Released', removed: true }, [{ _tag: 'LockRemove' }]);
};

// ───────────────────────────────────────── guard status (state-lock.md §8) ─────────────────────────────────────

/** `status()` of a lock handle (state-lock.md §8): `reason` present exactly when `enabled` is false. */
export type GuardStatus =
  | { readonly enabled: true; readonly dryRun: boolean; readonly code: EnabledReason }
  | { readonly enabled: false; readonly dryRun: boolean; readonly code: DisabledReason; readonly reason: string };

/** Status after a final outcome. */
export const statusOf = (o: Enabled | Disabled, dryRun: boolean): GuardStatus =>
  o._tag === 'Enabled'
    ? { enabled: true, dryRun, code: o.reasons[0] }
    : { enabled: false, dryRun, code: o.reasons[0], reason: o.message };

// ───────────────────────────────────────── pure driver (for simulations, tables, properties) ───────────

/** Synchronous answers for {@link simulateOpen}. Each may throw to inject a fault (HL-P9). */
export interface Oracle {
  readonly probe: (p: Probe, attempt: number) => Answer<unknown>;
  readonly write: (method: TakeMethod, attempt: number) => WriteResult;
  readonly touch: () => EffectResult;
}

/** Trace of one simulated open. */
export interface OpenTrace {
  readonly probes: ReadonlyArray<{ readonly attempt: number; readonly probe: Probe }>;
  readonly effects: ReadonlyArray<Effect>;
  readonly decideRuns: number;
  readonly final: Enabled | Disabled;
}

const answerKey = (p: Probe): 'lockRead' | 'fsLocal' | 'lockAge' | 'pidAlive' =>
  p._tag === 'LockRead' ? 'lockRead' : p._tag === 'FsLocal' ? 'fsLocal' : p._tag === 'LockAge' ? 'lockAge' : 'pidAlive';

/** Answer to a state-lock probe: `LockRead` the file or Absent, `FsLocal` the kind, `LockAge` the mtime (ms epoch), `PidAlive` the liveness. */
export type LockAnswer = Answer<LockFileRead> | Answer<FsLocalAnswer> | Answer<number> | Answer<PidAnswer>;

/** Merge a probe's answer into the facts of an open (state-lock.md §5): each probe sets its own field. `answer` must answer `probe`. Pure. */
export const withAnswer = (known: LockKnown, probe: Probe, answer: LockAnswer): LockKnown => {
  switch (probe._tag) {
    case 'LockRead':
      return { ...known, lockRead: answer as Answer<LockFileRead> };
    case 'FsLocal':
      return { ...known, fsLocal: answer as Answer<FsLocalAnswer> };
    case 'LockAge':
      return { ...known, lockAge: answer as Answer<number> };
    case 'PidAlive':
      return { ...known, pidAlive: answer as Answer<PidAnswer> };
  }
};

/** One attempt of an open for the step driver: {@link decideLock}, {@link withAnswer}, at most {@link MAX_STEPS} calls. */
export const driver: StepDriver<LockKnown, Probe, LockAnswer, Take | Enabled | Disabled, Effect> = { step: (f) => decideLock(f), withAnswer, limit: MAX_STEPS, probeKey: (p) => p._tag };

/** Merge the `LockRead` answer of a heartbeat or release into its facts (state-lock.md §7); other probes are not asked there. Pure. */
export const withKeepAnswer = (known: KeepKnown, probe: Probe, answer: LockAnswer): KeepKnown =>
  probe._tag === 'LockRead' ? { ...known, lockRead: answer as Answer<LockFileRead> } : known;

/** A heartbeat for the step driver: {@link decideHeartbeat}, {@link withKeepAnswer}, at most 2 calls (one `LockRead`). */
export const heartbeatDriver: StepDriver<KeepKnown, Probe, LockAnswer, Kept | Disabled, Effect> = { step: (f) => decideHeartbeat(f), withAnswer: withKeepAnswer, limit: 2, probeKey: (p) => p._tag };

/** A release for the step driver: {@link decideRelease}, {@link withKeepAnswer}, at most 2 calls (one `LockRead`). */
export const releaseDriver: StepDriver<KeepKnown, Probe, LockAnswer, Released, Effect> = { step: (f) => decideRelease(f), withAnswer: withKeepAnswer, limit: 2, probeKey: (p) => p._tag };

/**
 * Run one open with synchronous answers: `decideLock` through `runStepsSync` (≤ 12 steps, never re-requesting an
 * answered probe) → execute the Take's write → `settleLock`, retrying from `lockRead` up to `MAX_ATTEMPTS` times; a
 * `host-shared` touch is settled with `settleTouch`. Any exception or rule break gives `internalError` (Disabled
 * `error`). The io-node adapter runs the same loop asynchronously; this one serves tables, simulations and properties.
 */
export const simulateOpen = (given: Omit<LockGiven, 'attempt'>, oracle: Oracle): OpenTrace => {
  const probes: Array<{ attempt: number; probe: Probe }> = [];
  const effects: Effect[] = [];
  let decideRuns = 0;
  const finish = (d: Done<Enabled | Disabled, Effect>): OpenTrace => {
    effects.push(...d.effects);
    return { probes, effects, decideRuns, final: d.outcome };
  };
  try {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const g: LockGiven = { ...given, attempt };
      decideRuns++;
      // A re-requested probe breaks the step rule (HL-P15): the driver ends the run, and so does the step limit.
      const r = runStepsSync(driver, g as LockKnown, (p) => {
        probes.push({ attempt, probe: p });
        return oracle.probe(p, attempt) as LockAnswer;
      });
      if (r._tag !== 'Done') return finish(internalError(g, 'step rule broken'));
      const o = r.outcome;
      if (o._tag === 'Disabled') return finish(done<Disabled, Effect>(o, r.effects));
      if (o._tag === 'Enabled') {
        effects.push(...r.effects);
        return finish(settleTouch(g, o, oracle.touch()));
      }
      effects.push(...r.effects);
      const settled = settleLock(g, o, oracle.write(o.method, attempt));
      if (settled.outcome._tag !== 'Retry') return finish(settled as Done<Enabled | Disabled, Effect>);
      effects.push(...settled.effects);
    }
    return finish(internalError(given, 'attempts exhausted'));
  } catch (e) {
    return finish(internalError(given, e instanceof Error ? e.message : 'exception'));
  }
};

// ───────────────────────────────────────── table ─────────────────────────────────────────

const TABLE_NOW = 1_700_000_600_000;
const TABLE_SELF = { pid: 1111, hostname: 'laptop' } as const;

type LockKind = 'absent' | 'corrupt' | 'ours (this pid)' | 'this host, other pid' | 'foreign host' | 'foreign host, invalid pid';
const LOCK_KINDS: ReadonlyArray<LockKind> = ['absent', 'corrupt', 'ours (this pid)', 'this host, other pid', 'foreign host', 'foreign host, invalid pid'];

const tableLock = (k: LockKind): LockFileRead => {
  const text = (o: unknown) => ({ _tag: 'Present', text: JSON.stringify(o) }) as const;
  switch (k) {
    case 'absent':
      return { _tag: 'Absent' };
    case 'corrupt':
      return { _tag: 'Present', text: '{"pid": 42, "host' };
    case 'ours (this pid)':
      return text({ pid: TABLE_SELF.pid, hostname: TABLE_SELF.hostname, acquiredAt: '2023-11-14T22:00:00.000Z' });
    case 'this host, other pid':
      return text({ pid: 4242, hostname: TABLE_SELF.hostname, acquiredAt: '2023-11-14T22:00:00.000Z' });
    case 'foreign host':
      return text({ pid: 4242, hostname: 'old-name', acquiredAt: '2023-11-14T22:00:00.000Z' });
    case 'foreign host, invalid pid':
      return text({ pid: 0, hostname: 'old-name' });
  }
};

/** Abstract answers of each probe in the table domain. */
const TABLE_ANSWERS: Record<Exclude<ProbeName, 'LockRead'>, ReadonlyArray<{ label: string; answer: Answer<unknown> }>> = {
  FsLocal: [
    { label: 'local', answer: { ok: true, value: 'local' } },
    { label: 'not-local', answer: { ok: true, value: 'not-local' } },
    { label: 'unknown', answer: { ok: true, value: 'unknown' } },
  ],
  LockAge: [
    { label: 'fresh (60 s)', answer: { ok: true, value: TABLE_NOW - 60_000 } },
    { label: 'stale (5 min)', answer: { ok: true, value: TABLE_NOW - STALE_MS } },
    { label: 'unreadable', answer: { ok: false, error: { kind: 'failed', detail: 'ENOENT' } } },
  ],
  PidAlive: [
    { label: 'alive', answer: { ok: true, value: 'alive' } },
    { label: 'dead', answer: { ok: true, value: 'dead' } },
    { label: 'probe failed', answer: { ok: false, error: { kind: 'failed', detail: 'EINVAL' } } },
  ],
};

/** Walk every branch of `decideLock` from a given start, answering each requested probe with every abstract answer. */
const branches = (known: LockKnown, path: string[]): Array<{ path: string[]; done: Done<Take | Enabled | Disabled, Effect> }> => {
  const s = decideLock(known);
  if (s._tag === 'Done') return [{ path, done: s }];
  const p = s.probe;
  if (p._tag === 'LockRead') throw new Error('table: lockRead is given');
  const key = answerKey(p);
  return TABLE_ANSWERS[p._tag].flatMap((a) => branches({ ...known, [key]: a.answer }, [...path, `${p._tag} → ${a.label}`]));
};

/**
 * The state-lock decision table: every lock kind × holder × auto-heal × dry run, and every answer of each probe
 * the decision asks for (a probe that is not requested is not branched on). Our process 1111 on host `laptop`.
 */
export const table = (): DecisionTable => {
  const rows: string[][] = [];
  for (const holder of ['host', 'process'] as const) {
    for (const kind of LOCK_KINDS) {
      for (const autoHeal of [false, true]) {
        for (const dryRun of [false, true]) {
          const foreign = kind.startsWith('foreign');
          if (!foreign && (autoHeal || dryRun)) continue; // same-host decisions ignore both options
          if (!autoHeal && dryRun) continue; // dry run matters only with heal on
          const given: LockKnown = {
            selfPid: TABLE_SELF.pid,
            selfHostname: TABLE_SELF.hostname,
            holder,
            autoHeal,
            dryRun,
            attempt: 1,
            now: TABLE_NOW,
            dir: '/repo/.git/arbiter',
            lockPath: '/repo/.git/arbiter/host.lock',
            lockRead: { ok: true, value: tableLock(kind) },
          };
          for (const b of branches(given, [])) {
            const o = b.done.outcome;
            rows.push([
              holder,
              kind,
              foreign ? (autoHeal ? 'on' : 'off') : '—',
              foreign && autoHeal ? (dryRun ? 'on' : 'off') : '—',
              b.path.join('; ') || '—',
              o._tag === 'Take' ? `Take ${o.method}` : o._tag,
              o.reasons[0],
              b.done.effects.map((e) => (e._tag === 'LockWrite' ? `LockWrite(${e.method})` : e._tag)).join(', ') || '—',
            ]);
          }
        }
      }
    }
  }
  rows.push(['any', 'any Take', '—', '—', 'write lost (EEXIST), attempt < 3', 'Retry', '—', '—']);
  rows.push(['any', 'any Take', '—', '—', 'write lost (EEXIST), attempt = 3', 'Disabled', 'contention', 'Alert']);
  rows.push(['any', 'any Take', '—', '—', 'write failed (other error)', 'Disabled', 'error', 'Alert']);
  rows.push(['any', 'lock read failed', '—', '—', 'LockRead → failed', 'Disabled', 'error', 'Alert']);
  rows.push(['any', 'host-shared', '—', '—', 'LockTouch failed', 'Disabled', 'error', 'Alert']);
  rows.push(['any (heartbeat)', 'names us', '—', '—', 'LockRead', 'Kept', '—', 'LockTouch']);
  rows.push(['any (heartbeat)', 'absent, corrupt or not naming us', '—', '—', 'LockRead', 'Disabled', 'lost', 'Alert']);
  rows.push(['process (release)', 'names us', '—', '—', 'LockRead', 'Released', '—', 'LockRemove']);
  rows.push(['host (release)', 'any', '—', '—', '—', 'Released', '—', '—']);
  return {
    policy: POLICY,
    version: POLICY_VERSION,
    title: 'Acquire decision (`decideLock`, state-lock.md §6) of the state-directory lock for process 1111 on host `laptop`.',
    columns: ['holder', 'lock file', 'auto-heal', 'dry run', 'probes (in order)', 'outcome', 'reason', 'effects'],
    rows,
    notes: [
      'Every acquire starts with the LockRead probe; the "lock file" column is its answer, and the probes column lists the probes after it.',
      `Stale iff now − mtime ≥ ${STALE_MS} ms; an unreadable mtime counts as 0 (stale). Probe failures: fsLocal → unknown, pidAlive → alive.`,
      'A Take is settled by the exclusive create: won → Enabled with the Take reason (reclaimed/healed are audited with the prior holder).',
      `Network file-system types (never local): ${NETWORK_FS_TYPES.join(', ')}. classifyDfSource is local iff the source starts with /dev/ and the type is not one of them.`,
      'Reason codes are written hl.<code> in state-lock.md; the decision log writes them beside the policy name state-lock.',
      'Fail direction: closed for data (a doubt disables writes, loudly); Arbiter hooks stay fail-open toward the agent.',
    ],
  };
};
