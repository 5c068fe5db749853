/**
 * The state-directory lock library call (state-lock.md §2, state-lock.md §7, state-lock.md §8): `openStateLock(options)` guards any
 * directory with `<dir>/host.lock`, and `guardRuntimeDir(runtimeDir, options)` is the one call every Arbiter hook
 * and writing verb makes before it writes into the repository runtime directory.
 *
 * Every decision is the kernel's (`stateLock.decideLock`, `settleLock`, `decideHeartbeat`, `decideRelease`); this
 * module only runs the probes and effects they ask for, in the order they ask. It never throws and never rejects:
 * any exception becomes Disabled `error` (the lock fails closed).
 *
 * How Arbiter uses it (hooks.md §7 rule 5, state-lock.md §8) — one call per entry point, before any writing decision:
 *
 * ```ts
 * const repo = resolveRepo(cwd, process.env);                  // null outside a repository: nothing to guard
 * const guard = await guardRuntimeDir(repo.runtimeDir, { config: readRepoConfig(repo.topLevel) });
 * if (!guard.status.enabled) {
 *   // the warning line is already on stderr (loud); hooks print their allow output and skip every writing
 *   // decision (reason `hook.state-guard-disabled`); writing verbs exit 1; the context hook adds
 *   // stateLock.contextWarningBlock(guard.status.reason).
 * }
 * … decisions that write under repo.runtimeDir …
 * await guard.release();                                       // host holder: never removes the lock; stops timers
 * ```
 */
import { mkdirSync, statSync, unlinkSync, utimesSync } from 'node:fs';
import { monotonicMs } from './lazy-builtins.js';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import type { TaskEither } from 'fp-ts/lib/TaskEither.js';
import { config as K, runSteps, stateLock, type Clock, type FsKind, type StateLockFiles, type StateLockFilesError, type Proc } from '@arbiter/kernel';
import { createExclusive, errnoCode, tempSuffix } from './atomic.js';
import { describeStateFailure, readState } from './state-io.js';
import { fsLocal, nodeFsKind } from './fs-kind.js';
import { systemClock } from './clock.js';
import { hostname as osHostname, nodeProc } from './proc.js';


// ───────────────────────────────────────── filesystem adapter ─────────────────────────────────────────

/** Largest lock body read, bytes; a bigger file reads as its first 64 KiB (and so as corrupt). */
const LOCK_READ_MAX = 64 * 1024;

const fsErr = (e: unknown, what: string): StateLockFilesError => {
  const code = errnoCode(e);
  return { _tag: 'StateLockFilesError', code, detail: `${what}: ${code}` };
};

const attempt =
  <A>(what: string, f: () => A): TaskEither<StateLockFilesError, A> =>
  () => {
    try {
      return Promise.resolve(E.right(f()));
    } catch (e) {
      return Promise.resolve(E.left(fsErr(e, what)));
    }
  };

/**
 * The `StateLockFiles` port over the local file system. `createExclusive` writes the complete body to
 * `host.lock.<pid>.<8 random hex>.tmp` and hard-links it to the lock path (EEXIST = lost), falling back to
 * O_CREAT|O_EXCL when hard links are refused (state-lock.md §7). `touch` is `utimes(at, at)`: metadata only.
 */
export const nodeStateLockFiles = (pid: number = process.pid): StateLockFiles => ({
  ensureDir: (dir) => attempt('creating the directory', () => void mkdirSync(dir, { recursive: true, mode: 0o700 })),
  read: (path) => () => {
    // state-io: never blocks on a FIFO, never follows a symlink; anything but a regular file is a failed read, so the
    // guard is Disabled `error` (state-lock.md §6 step 1), loudly, and nothing is written into the directory.
    const r = readState(path, LOCK_READ_MAX);
    if (r._tag === 'Absent') return Promise.resolve(E.right<StateLockFilesError, stateLock.LockFileRead>({ _tag: 'Absent' }));
    if (r._tag === 'File') return Promise.resolve(E.right<StateLockFilesError, stateLock.LockFileRead>({ _tag: 'Present', text: r.bytes.toString('utf8') }));
    const code = r._tag === 'NotRegular' ? 'ENOTREG' : r.code;
    return Promise.resolve(E.left<StateLockFilesError, stateLock.LockFileRead>({ _tag: 'StateLockFilesError', code, detail: describeStateFailure(r) }));
  },
  mtime: (path) => attempt('reading the heartbeat', () => Math.floor(statSync(path).mtimeMs)),
  touch: (path, atMs) => attempt('touching the lock', () => utimesSync(path, atMs / 1000, atMs / 1000)),
  createExclusive: (path, body) => () => {
    const tmp = `${path}.${pid}.${tempSuffix()}.tmp`;
    const r = createExclusive(path, body, { tmp });
    if (r._tag === 'Created') return Promise.resolve(E.right('Won' as const));
    if (r._tag === 'Exists') return Promise.resolve(E.right('Lost' as const));
    return Promise.resolve(E.left<StateLockFilesError>({ _tag: 'StateLockFilesError', code: r.code, detail: `creating the lock: ${r.code}` }));
  },
  unlink: (path) =>
    attempt('removing the lock', () => {
      try {
        unlinkSync(path);
      } catch (e) {
        if (errnoCode(e) !== 'ENOENT') throw e;
      }
    }),
});

// ───────────────────────────────────────── options and handle ─────────────────────────────────────────

/** Injected dependencies (state-lock.md §2 `deps`): everything the lock observes or changes. */
export interface StateLockDeps {
  readonly hostname: () => string;
  readonly pid: number;
  readonly clock: Clock;
  /** Liveness of a pid; `unknown` counts as a failed probe, i.e. alive (state-lock.md §5). */
  readonly proc: Proc;
  readonly fsKind: FsKind;
  readonly files: StateLockFiles;
}

/** Options of {@link openStateLock} (state-lock.md §2). */
export interface StateLockOptions {
  /** Directory to guard; created (0700) if missing. The lock is `<dir>/host.lock`. */
  readonly dir: string;
  /** `process` (default): one live process holds the lock. `host`: every process of one host shares it. */
  readonly holder?: stateLock.HolderMode;
  /** Opt-in to the foreign-host heal (default false). */
  readonly autoHealStaleHostLock?: boolean;
  /** With heal on: report that the lock would heal and write nothing (default false). */
  readonly dryRun?: boolean;
  /** Start an unref'd heartbeat timer every 60 s while a `process` holder is enabled (default true). */
  readonly heartbeatTimer?: boolean;
  /** Receives each `Alert` (every transition to Disabled) and `Audit` (reclaim, heal) effect, in order. */
  readonly onEvent?: (e: Extract<stateLock.Effect, { _tag: 'Alert' | 'Audit' }>) => void;
  readonly deps?: Partial<StateLockDeps>;
}

/** A probe or effect that ran, for the decision log (`ProbeRecord` shape: name, duration ms, outcome). */
export interface LockTraceItem {
  readonly name: string;
  readonly duration_ms: number;
  readonly outcome: string;
}

/** The handle `openStateLock` resolves to. No method ever rejects. */
export interface StateLockHandle {
  /** Guard status (state-lock.md §8): `{enabled, dryRun, reason?, code}`; `reason` present exactly when disabled. */
  readonly status: () => stateLock.GuardStatus;
  /** Run the heartbeat decision (state-lock.md §7); a no-op once disabled. Resolves to the status after it. */
  readonly heartbeat: () => Promise<stateLock.GuardStatus>;
  /** Run the release decision (state-lock.md §7) and stop the heartbeat timer. Idempotent. */
  readonly release: () => Promise<void>;
  /** Lock file path. */
  readonly lockPath: string;
  /** Probes and effects run so far, in order. */
  readonly trace: () => ReadonlyArray<LockTraceItem>;
  /** Every effect returned by the kernel so far, in order (Alert, Audit, LockWrite, LockTouch, LockRemove). */
  readonly effects: () => ReadonlyArray<stateLock.Effect>;
  /** How many times `decideLock` ran during the open (1–3). */
  readonly decideRuns: number;
}

const defaultDeps = (): StateLockDeps => ({
  hostname: osHostname,
  pid: process.pid,
  clock: systemClock,
  proc: nodeProc,
  fsKind: nodeFsKind(),
  files: nodeStateLockFiles(process.pid),
});

const errDetail = (e: unknown): string => (e instanceof Error ? e.message : typeof e === 'string' ? e : 'exception');

// ───────────────────────────────────────── driver ─────────────────────────────────────────

/**
 * Open the lock on `options.dir` (state-lock.md §2): `decideLock` with its probes, the exclusive create or
 * takeover it asks for, `settleLock` (up to 3 attempts), the `host-shared` touch; then, for an enabled `process`
 * holder, an unref'd heartbeat timer. Never rejects: any thrown error or failed precondition is Disabled `error`.
 * Every transition to Disabled is passed to `onEvent` as an `Alert` (the caller makes it loud).
 */
export const openStateLock = async (options: StateLockOptions): Promise<StateLockHandle> => {
  const holder = options.holder ?? 'process';
  const autoHeal = options.autoHealStaleHostLock === true;
  const dryRun = options.dryRun === true;
  const dir = options.dir;
  const lockPath = join(dir, stateLock.LOCK_FILE);
  const where = { dir, lockPath };
  const trace: LockTraceItem[] = [];
  const effects: stateLock.Effect[] = [];
  let status: stateLock.GuardStatus = { enabled: false, dryRun, code: 'error', reason: stateLock.message('error', { ...where, detail: 'not opened' }) };
  let timer: NodeJS.Timeout | null = null;
  let released = false;
  let decideRuns = 0;

  let deps: StateLockDeps;
  try {
    deps = { ...defaultDeps(), ...(options.deps ?? {}) };
  } catch {
    deps = defaultDeps();
  }

  const emit = (list: ReadonlyArray<stateLock.Effect>): void => {
    for (const e of list) {
      effects.push(e);
      if ((e._tag === 'Alert' || e._tag === 'Audit') && options.onEvent !== undefined) {
        try {
          options.onEvent(e);
        } catch {
          // a throwing listener never changes the lock's outcome
        }
      }
    }
  };
  const timed = async <A>(name: string, f: () => Promise<A>, show: (a: A) => string): Promise<A> => {
    const t0 = monotonicMs();
    try {
      const a = await f();
      trace.push({ name, duration_ms: Math.round(monotonicMs() - t0), outcome: show(a) });
      return a;
    } catch (e) {
      trace.push({ name, duration_ms: Math.round(monotonicMs() - t0), outcome: 'threw' });
      throw e;
    }
  };
  const fsCall = async <A>(name: string, te: TaskEither<StateLockFilesError, A>): Promise<E.Either<StateLockFilesError, A>> =>
    timed(name, te, (r) => (E.isRight(r) ? 'ok' : r.left.code));

  /** The probe runner of every state-lock step function (the drivers refuse a probe asked twice). */
  const answerProbe = async (p: stateLock.Probe): Promise<stateLock.LockAnswer> => {
    switch (p._tag) {
      case 'LockRead': {
        const r = await fsCall('lockRead', deps.files.read(lockPath));
        return E.isRight(r) ? { ok: true, value: r.right } : { ok: false, error: { kind: 'failed', detail: r.left.detail } };
      }
      case 'LockAge': {
        const r = await fsCall('lockAge', deps.files.mtime(lockPath));
        return E.isRight(r) ? { ok: true, value: r.right } : { ok: false, error: { kind: 'failed', detail: r.left.detail } };
      }
      case 'FsLocal': {
        const v = await timed('fsLocal', () => fsLocal(deps.fsKind, dir), (x) => x);
        return { ok: true, value: v };
      }
      case 'PidAlive': {
        const v = await timed('pidAlive', deps.proc.pidAlive(p.pid), (x) => x);
        return v === 'alive' || v === 'dead' ? { ok: true, value: v } : { ok: false, error: { kind: 'failed', detail: 'pid probe failed' } };
      }
    }
  };

  const finalise = (d: { outcome: stateLock.Enabled | stateLock.Disabled; effects: ReadonlyArray<stateLock.Effect> }): void => {
    emit(d.effects);
    status = stateLock.statusOf(d.outcome, dryRun);
  };

  const open = async (): Promise<void> => {
    const mk = await fsCall('ensureDir', deps.files.ensureDir(dir));
    if (E.isLeft(mk)) return finalise(stateLock.internalError(where, mk.left.detail));
    const selfHostname = deps.hostname();
    for (let n = 1; n <= stateLock.MAX_ATTEMPTS; n++) {
      const given: stateLock.LockGiven = { selfPid: deps.pid, selfHostname, holder, autoHeal, dryRun, attempt: n, now: deps.clock.now(), dir, lockPath };
      decideRuns++;
      const s = await runSteps(stateLock.driver, given as stateLock.LockKnown, answerProbe);
      if (s._tag !== 'Done') return finalise(stateLock.internalError(where, 'step rule broken'));
      const o = s.outcome;
      if (o._tag === 'Disabled') return finalise({ outcome: o, effects: s.effects });
      emit(s.effects);
      if (o._tag === 'Enabled') {
        const t = await fsCall('lockTouch', deps.files.touch(lockPath, given.now));
        return finalise(stateLock.settleTouch(where, o, E.isRight(t) ? { _tag: 'Ok' } : { _tag: 'Error', detail: t.left.detail }));
      }
      const body = stateLock.encodeLockBody(o.body);
      let result: stateLock.WriteResult;
      const un = o.method === 'takeover' ? await fsCall('lockUnlink', deps.files.unlink(lockPath)) : E.right(undefined);
      if (E.isLeft(un)) result = { _tag: 'Error', detail: un.left.detail };
      else {
        const c = await fsCall('lockCreate', deps.files.createExclusive(lockPath, body));
        result = E.isLeft(c) ? { _tag: 'Error', detail: c.left.detail } : c.right === 'Won' ? { _tag: 'Won' } : { _tag: 'Lost' };
      }
      const settled = stateLock.settleLock(given, o, result);
      if (settled.outcome._tag !== 'Retry') return finalise({ outcome: settled.outcome, effects: settled.effects });
      emit(settled.effects);
    }
    return finalise(stateLock.internalError(where, 'attempts exhausted'));
  };

  try {
    await open();
  } catch (e) {
    finalise(stateLock.internalError(where, errDetail(e)));
  }

  const keepKnown = (): stateLock.KeepKnown => ({ selfPid: deps.pid, selfHostname: deps.hostname(), holder, now: deps.clock.now(), dir, lockPath });

  const stopTimer = (): void => {
    if (timer !== null) clearInterval(timer);
    timer = null;
  };

  const heartbeat = async (): Promise<stateLock.GuardStatus> => {
    if (!status.enabled || released) return status;
    try {
      const known = keepKnown();
      const s = await runSteps(stateLock.heartbeatDriver, known, answerProbe);
      if (s._tag !== 'Done') {
        finalise(stateLock.internalError(where, 'step rule broken'));
      } else if (s.outcome._tag === 'Disabled') {
        finalise({ outcome: s.outcome, effects: s.effects });
      } else {
        emit(s.effects);
        const t = await fsCall('lockTouch', deps.files.touch(lockPath, known.now));
        const d = stateLock.settleTouch(where, s.outcome, E.isRight(t) ? { _tag: 'Ok' } : { _tag: 'Error', detail: t.left.detail });
        if (d.outcome._tag === 'Disabled') finalise({ outcome: d.outcome, effects: d.effects });
      }
    } catch (e) {
      finalise(stateLock.internalError(where, errDetail(e)));
    }
    if (!status.enabled) stopTimer();
    return status;
  };

  const release = async (): Promise<void> => {
    stopTimer();
    if (released) return;
    released = true;
    if (!status.enabled) return; // a disabled guard never writes into the directory
    try {
      const s = await runSteps(stateLock.releaseDriver, keepKnown(), answerProbe);
      if (s._tag === 'Done') {
        emit(s.effects);
        if (s.effects.some((e) => e._tag === 'LockRemove')) await fsCall('lockRemove', deps.files.unlink(lockPath));
      }
    } catch {
      // release is best effort: a lock left behind is reclaimed by the next acquirer's rules
    }
  };

  if (status.enabled && holder === 'process' && options.heartbeatTimer !== false) {
    timer = setInterval(() => void heartbeat(), stateLock.HEARTBEAT_INTERVAL_MS);
    timer.unref();
  }

  return {
    status: () => status,
    heartbeat,
    release,
    lockPath,
    trace: () => trace,
    effects: () => effects,
    decideRuns,
  };
};

// ───────────────────────────────────────── Arbiter's own guard ─────────────────────────────────────────

/** Options of {@link guardRuntimeDir}. */
export interface GuardOptions {
  /** The repository configuration (`state_lock.*`); absent or invalid means heal off, dry run off. */
  readonly config?: K.ConfigState;
  /** Where the warning line goes (default: `process.stderr`). */
  readonly stderr?: (line: string) => void;
  /** Receives `Audit` effects (reclaim, heal) for the decision log; only called while the guard is enabled. */
  readonly onAudit?: (e: Extract<stateLock.Effect, { _tag: 'Audit' }>) => void;
  readonly deps?: Partial<StateLockDeps>;
}

/** What an entry point gets back from {@link guardRuntimeDir}. */
export interface RuntimeGuard {
  readonly status: stateLock.GuardStatus;
  /** The stderr warning line when disabled (already written), else null. */
  readonly warning: string | null;
  /** Probes and effects run, for the decision log entry of the guard. */
  readonly trace: ReadonlyArray<LockTraceItem>;
  /** Release (host holder: never removes the lock). Never rejects. */
  readonly release: () => Promise<void>;
}

/**
 * Guard Arbiter's runtime state directory (hooks.md §7 rule 5, state-lock.md §8): open the lock on `runtimeDir` with
 * holder `host`, `autoHealStaleHostLock` from `state_lock.auto_heal_stale_host_lock` and `dryRun` from
 * `state_lock.dry_run`. When the guard is disabled, the state-lock.md §9 warning line is written to stderr (loud) before this
 * resolves; one warning per invalid `state_lock.*` key is written too (hooks.md §5). The common path is one read plus one
 * touch, with no df and no pid probe. Never rejects.
 *
 * Callers: every hook and every writing verb, once, before any decision that writes under `runtimeDir`. When
 * `status.enabled` is false, hooks print their allow output and skip all writing decisions; verbs exit 1.
 */
export const guardRuntimeDir = async (runtimeDir: string, options: GuardOptions = {}): Promise<RuntimeGuard> => {
  const write = options.stderr ?? ((line: string) => void process.stderr.write(line + '\n'));
  const say = (line: string): void => {
    try {
      write(line);
    } catch {
      // stderr unavailable: nothing else to do
    }
  };
  const settings = K.stateLockSettings(options.config ?? { _tag: 'NotConfigured' });
  for (const key of settings.invalidKeys) say(`arbiter: configuration key ${key} is not a boolean; using its default (false)`);
  const handle = await openStateLock({
    dir: runtimeDir,
    holder: 'host',
    autoHealStaleHostLock: settings.autoHealStaleHostLock,
    dryRun: settings.dryRun,
    heartbeatTimer: false,
    ...(options.deps === undefined ? {} : { deps: options.deps }),
    onEvent: (e) => {
      if (e._tag === 'Audit' && options.onAudit !== undefined) options.onAudit(e);
    },
  });
  const status = handle.status();
  const warning = status.enabled ? null : stateLock.warningLine(runtimeDir, status.code, status.reason);
  if (warning !== null) say(warning);
  return { status, warning, trace: handle.trace(), release: handle.release };
};
