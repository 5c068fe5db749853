/**
 * The event runner (architecture.md, hook life cycle): ONE process per client event. `arbiter hook pre-tool|post-tool|
 * post-tool-failure|stop|session-start|prompt|session-end|notification --agent claude|codex` reads the payload once,
 * arms the session's presence record (written at exit, after the answer: presence.md §7), then runs the event's
 * stages (`wiring.ts`) in their fixed order:
 *
 * 1. a stage whose early verdict answers (`@arbiter/kernel/early`: a read-only tool for the session lock, a
 *    command that is certainly not a push, a Stop with nothing to decide) is answered here, its verdicts logged,
 *    without loading any decision code;
 * 2. otherwise the stage's bundle is loaded and run. A non-final stage (session lock, push release) returns its
 *    answer; when it blocks (anything printed or a non-zero exit), the event ends with that answer and the later
 *    stages do not run. The final stage of an event renders the combined answer itself and exits (the stages before
 *    it print nothing unless they block), so what the host sees is exactly what that decision alone would print.
 *
 * The per-decision hooks of earlier releases (`hook session-lock acquire`, `hook gate-push [--post]`, `hook context
 * --event …`) are single-stage events here, so they take the same early verdicts. Fail-open throughout: an unknown
 * name, a missing `--agent`, or a crash exits 0 without blocking.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import {
  BUILD_STATE_FILE,
  STOP_GATE_FILE,
  pushGateEarly,
  pushReleaseEarly,
  sessionLockEarly,
  stopEarly,
  type Agent,
  type PayloadObject,
  type StopRepoFacts,
} from '@arbiter/kernel/early';
import { fitsUtf8 } from '@arbiter/kernel';
import { logDirFor, logDirOf, readStateText, resolveRepo } from '@arbiter/io-node';
import type { PresenceEventKind } from '@arbiter/kernel';
import type { HookInput, HookInvocation, HookMain } from '../invocation.js';
import { EVENTS, eventRow, stageMatches, type EventRow, type Stage, type StageId } from '../wiring.js';
import { armPresence, type FullPresencePath } from './presence.js';
import { objectOf } from './json-object.js';
import { recordEarly } from '../decision-record.js';
import { armWatchdog, finish, readStdin, type HookResult, type StdinResult } from './runtime.js';

/** What a hook bundle exports (`dist/hook-<name>.cjs`); only the parts a stage uses are present in each. */
export interface HookBundle {
  readonly main: HookMain;
  readonly sessionLockStage?: (verb: 'acquire' | 'refresh' | 'release', agent: Agent, input: HookInput) => Promise<HookResult>;
  readonly releaseStage?: (agent: Agent, input: HookInput) => Promise<void>;
}

/** Loads a hook bundle by file name (the dispatcher's `require` of `dist/<file>`). */
export type BundleLoader = (file: string) => HookBundle;

/** Stdin bounds of each stage: bytes and ms (session-lock.md §12.3 H2, push-gate.md §2, hooks.md §7 rule 1). */
const STDIN_BOUNDS: Readonly<Record<StageId, { readonly maxBytes: number; readonly timeoutMs: number }>> = {
  'session-lock acquire': { maxBytes: 1_048_576, timeoutMs: 1_500 },
  'session-lock refresh': { maxBytes: 1_048_576, timeoutMs: 1_500 },
  'session-lock release': { maxBytes: 1_048_576, timeoutMs: 1_500 },
  'push-gate': { maxBytes: 1_048_576, timeoutMs: 1_500 },
  'push-release': { maxBytes: 1_048_576, timeoutMs: 1_500 },
  'context session-start': { maxBytes: 1_048_576, timeoutMs: 1_500 },
  'context user-prompt-submit': { maxBytes: 1_048_576, timeoutMs: 1_500 },
  'action-claim evidence': { maxBytes: 8 * 1024 * 1024, timeoutMs: 5_000 },
  stop: { maxBytes: 8 * 1024 * 1024, timeoutMs: 5_000 },
};

/** Stdin bounds of an event with no stage (Notification): it only records presence. */
const NO_STAGE_BOUNDS = { maxBytes: 1_048_576, timeoutMs: 1_500 } as const;

/** What the final stage of an event prints when the event ends before it (or the backstop fires). */
const neutralOutput = (stage: StageId | undefined): string => (stage === 'action-claim evidence' || stage === 'stop' ? '{}\n' : '');

/** The stdin result a stage sees: over its own byte bound, a payload read whole by the event is `TooLarge` for it. */
const stdinFor = (r: StdinResult, id: StageId): StdinResult =>
  r._tag === 'Ok' && !fitsUtf8(r.text, STDIN_BOUNDS[id].maxBytes) ? { _tag: 'TooLarge' } : r;

/** The directory a hook starts in: the payload's `cwd` when it names an existing directory, else the process's. */
const startDirOf = (o: PayloadObject): string => {
  const cwd = o['cwd'];
  try {
    if (typeof cwd === 'string' && isAbsolute(cwd) && statSync(cwd).isDirectory()) return cwd;
  } catch {
    // not a directory: the process working directory, as the hook does
  }
  return process.cwd();
};

/** Largest configuration file read, bytes (the kernel's `config.CONFIG_MAX_BYTES`; a larger one is unreadable). */
const CONFIG_READ_MAX_BYTES = 64 * 1024;

/** Does the runtime directory hold a running-land marker (land.md §9 LD15)? Only names are listed; never throws. */
const hasLandMarker = (runtimeDir: string): boolean => {
  const dir = join(runtimeDir, 'land');
  if (!existsSync(dir)) return false;
  try {
    return readdirSync(dir).some((n) => n.startsWith('running-'));
  } catch {
    return false;
  }
};

/** The repository facts the early Stop needs (existence checks and the configuration file; nothing is written). */
const stopRepoFacts = (repo: ReturnType<typeof resolveRepo>): StopRepoFacts => {
  if (repo === null) return { inRepository: false, buildState: false, gateState: false, config: null };
  const path = join(repo.topLevel, '.arbiter', 'config.json');
  let config: StopRepoFacts['config'] = null;
  // existsSync first: building the ENOENT error of a failed read costs ~2 ms on a cold process
  if (existsSync(path)) {
    // state-io: a FIFO, socket, directory or symlink named config.json is unreadable, never a wait
    const text = readStateText(path, CONFIG_READ_MAX_BYTES);
    config = text === null ? 'unreadable' : (objectOf(text) ?? 'unreadable');
  }
  return {
    inRepository: true,
    buildState: existsSync(join(repo.runtimeDir, BUILD_STATE_FILE)),
    gateState: existsSync(join(repo.runtimeDir, STOP_GATE_FILE)),
    landMarker: hasLandMarker(repo.runtimeDir),
    config,
  };
};

/** The bundle file of each hook that has a main of its own (`dist/hook-<name>.cjs`), by its command-line name. */
export const HOOK_BUNDLES = {
  'session-lock': 'hook-session-lock.cjs',
  'gate-push': 'hook-gate-push.cjs',
  'post-tool': 'hook-post-tool.cjs',
  stop: 'hook-stop.cjs',
  context: 'hook-context.cjs',
  'pre-push': 'hook-pre-push.cjs',
} as const;

/** The hook whose main and bundle serve each stage. */
const STAGE_HOOK: Readonly<Record<StageId, keyof typeof HOOK_BUNDLES>> = {
  'session-lock acquire': 'session-lock',
  'session-lock refresh': 'session-lock',
  'session-lock release': 'session-lock',
  'push-gate': 'gate-push',
  'push-release': 'gate-push',
  'action-claim evidence': 'post-tool',
  stop: 'stop',
  'context session-start': 'context',
  'context user-prompt-submit': 'context',
};

/** What the runner needs of an event: its client, its stages and its host timeout (seconds). */
export type EventPlan = Pick<EventRow, 'client' | 'timeoutSec' | 'stages'>;

/**
 * The bundle a stage loads in `plan`: the session lock's refresh comes from the evidence hook's bundle when the event
 * runs both (post-tool), so the libraries they share are compiled once per process.
 */
const bundleOf = (plan: EventPlan, id: StageId): string =>
  HOOK_BUNDLES[id === 'session-lock refresh' && plan.stages.some((s) => s.id === 'action-claim evidence') ? 'post-tool' : STAGE_HOOK[id]];

/** The invocation a stage's own main sees (its hook name and the verb or flags that select the stage). */
const stageInvocation = (inv: HookInvocation, id: StageId): HookInvocation => {
  const hook = STAGE_HOOK[id];
  switch (id) {
    case 'session-lock acquire':
    case 'session-lock refresh':
    case 'session-lock release':
      return { ...inv, hook, positionals: [id.slice('session-lock '.length)] };
    case 'push-gate':
    case 'push-release':
      return { ...inv, hook, post: id === 'push-release' };
    case 'context session-start':
    case 'context user-prompt-submit':
      return { ...inv, hook, event: id.slice('context '.length) };
    default:
      return { ...inv, hook };
  }
};

/**
 * The event an invocation names: an event hook of the wiring table, or a per-decision alias as a single-stage event.
 * `null` for anything else (the pre-push hook and unknown names are not events).
 */
export const eventOf = (inv: HookInvocation): EventPlan | null => {
  const agent = inv.agent;
  if (agent === null) return null;
  const row = eventRow(agent, inv.hook);
  if (row !== undefined) return row;
  const single = (id: StageId): EventPlan => ({ client: agent, timeoutSec: 10, stages: [{ id }] });
  if (inv.hook === 'session-lock') {
    const verb = inv.positionals[0];
    return verb === 'acquire' || verb === 'refresh' || verb === 'release' ? single(`session-lock ${verb}`) : null;
  }
  if (inv.hook === 'gate-push') return single(inv.post ? 'push-release' : 'push-gate');
  if (inv.hook === 'context') return single(inv.event === 'session-start' ? 'context session-start' : 'context user-prompt-submit');
  return null;
};

/**
 * hooks.md §11 user scope: true when a `--scope user` event hook must stay out of the way, because the payload's
 * directory is in no repository, the worktree has no `.arbiter/config.json`, or the project's own client settings
 * register Arbiter's hook for this event already (so one event never runs twice). Reads two small files at most;
 * writes nothing.
 */
export const userScopeIdle = (agent: Agent, name: string, o: PayloadObject | null): boolean => {
  const repo = resolveRepo(startDirOf(o ?? {}), process.env);
  if (repo === null || !existsSync(join(repo.topLevel, '.arbiter', 'config.json'))) return true;
  const own = ` hook ${name} --agent ${agent}`;
  const files = agent === 'claude' ? ['.claude/settings.json', '.claude/settings.local.json'] : ['.codex/hooks.json'];
  return files.some((f) => {
    const text = readStateText(join(repo.topLevel, f), CONFIG_READ_MAX_BYTES * 16);
    return text !== null && text.split(own).slice(1).some((rest) => !rest.startsWith(' --scope user'));
  });
};

/** The presence event of each host event name a payload's `hook_event_name` may carry (host-protocols.md C3). */
const HOST_EVENT_PRESENCE: Readonly<Record<string, PresenceEventKind>> = {
  PreToolUse: 'pre-tool',
  PostToolUse: 'post-tool',
  PostToolUseFailure: 'post-tool-failure',
  UserPromptSubmit: 'prompt',
  SessionStart: 'session-start',
  Stop: 'stop',
  SessionEnd: 'session-end',
  Notification: 'notification',
};

/** The presence event a per-decision alias stands for when the payload does not name its host event. */
const STAGE_PRESENCE: Readonly<Record<StageId, PresenceEventKind | null>> = {
  'session-lock acquire': 'pre-tool',
  'push-gate': 'pre-tool',
  'session-lock refresh': 'post-tool',
  'push-release': 'post-tool',
  'action-claim evidence': 'post-tool',
  stop: 'stop',
  'context session-start': 'session-start',
  'context user-prompt-submit': 'prompt',
  'session-lock release': null, // a Stop or a SessionEnd: only the payload can tell
};

/**
 * The presence event (presence.md §7) an invocation records: an event hook's own name (`arbiter hook stop` records
 * `stop`); for a per-decision alias, the payload's `hook_event_name` when it names a host event, else what the
 * alias's stage stands for. `null` when unknown (nothing is recorded).
 */
export const presenceEventOf = (inv: HookInvocation, plan: EventPlan, o: PayloadObject | null): PresenceEventKind | null => {
  const row = inv.agent === null ? undefined : eventRow(inv.agent, inv.hook);
  if (row !== undefined) return row.name;
  const named = o?.['hook_event_name'];
  if (typeof named === 'string' && Object.prototype.hasOwnProperty.call(HOST_EVENT_PRESENCE, named)) return HOST_EVENT_PRESENCE[named] ?? null;
  const first = plan.stages[0];
  return first === undefined ? null : STAGE_PRESENCE[first.id];
};

/** Every event hook name, for help text. */
export const EVENT_NAMES: ReadonlyArray<string> = [...new Set(EVENTS.map((r) => r.name))];

/**
 * Run one event: read stdin once, then its stages in order (module doc). Never returns: the last stage that runs,
 * or this function, exits the process.
 */
export const runEvent = async (row: EventPlan, inv: HookInvocation, load: BundleLoader): Promise<never> => {
  const agent = row.client;
  const last = row.stages[row.stages.length - 1]?.id;
  const maxBytes = Math.max(NO_STAGE_BOUNDS.maxBytes, ...row.stages.map((s) => STDIN_BOUNDS[s.id].maxBytes));
  const timeoutMs = Math.max(NO_STAGE_BOUNDS.timeoutMs, ...row.stages.map((s) => STDIN_BOUNDS[s.id].timeoutMs));
  // Backstop: every stage is bounded by its own watchdog or deadline; this only ends a process that outlives them.
  armWatchdog(row.timeoutSec * 1000 - 500, () => finish({ code: 0, stdout: neutralOutput(last) }));
  const stdin = await readStdin(maxBytes, timeoutMs);
  const o: PayloadObject | null = stdin._tag === 'Ok' ? objectOf(stdin.text) : null;
  if (inv.userScope === true && userScopeIdle(agent, inv.hook, o)) return finish({ code: 0, stdout: neutralOutput(last) });
  const toolName = o?.['tool_name'];
  // presence.md §7: every event served records the session's presence, at exit (after the answer), in this process
  const kind = presenceEventOf(inv, row, o);
  const session = o?.['session_id'];
  if (kind !== null && typeof session === 'string' && session !== '' && o !== null) {
    armPresence(
      () => ({ agent, event: kind, session, startDir: startDirOf(o), tool: typeof toolName === 'string' ? toolName : null }),
      () => load('hook-presence.cjs') as unknown as FullPresencePath,
    );
  }
  const stages = row.stages.filter((s: Stage) => stageMatches(s, toolName));
  for (let i = 0; i < stages.length; i++) {
    const id = (stages[i] as Stage).id;
    const final = id === last; // the event's own final stage renders the combined answer and exits
    const input: HookInput = { stdin: stdinFor(stdin, id) };
    const sinv = stageInvocation(inv, id);
    switch (id) {
      case 'session-lock acquire':
      case 'session-lock refresh':
      case 'session-lock release': {
        const verb = id === 'session-lock acquire' ? 'acquire' : id === 'session-lock refresh' ? 'refresh' : 'release';
        if (sessionLockEarly(agent, verb, o) === 'skip') continue; // H4: no decision, nothing logged
        const bundle = load(bundleOf(row, id));
        if (final) return bundle.main(sinv, input);
        const r = (await bundle.sessionLockStage?.(verb, agent, input)) ?? { code: 0 };
        if (r.code !== 0 || (r.stdout ?? '') !== '' || (r.stderr ?? '') !== '') return finish(r); // a block ends the event
        continue;
      }
      case 'push-release': {
        if (pushReleaseEarly(o) === 'skip') continue; // push-gate.md §9: a non-push releases nothing and logs nothing
        const bundle = load(bundleOf(row, id));
        if (final) return bundle.main(sinv, input);
        await bundle.releaseStage?.(agent, input);
        continue;
      }
      case 'push-gate': {
        const early = pushGateEarly(agent, o);
        if (early === null) return load(bundleOf(row, id)).main(sinv, input);
        recordEarly([early], agent, () => logDirFor(o !== null && typeof o['cwd'] === 'string' && isAbsolute(o['cwd']) ? o['cwd'] : process.cwd(), process.env));
        return finish({ code: 0 });
      }
      case 'stop': {
        if (o !== null) {
          const repo = resolveRepo(startDirOf(o), process.env);
          const early = stopEarly(agent, o, stopRepoFacts(repo));
          if (early !== null) {
            recordEarly(early, agent, () => logDirOf(repo, process.env));
            return finish({ code: 0, stdout: '{}\n' });
          }
        }
        return load(bundleOf(row, id)).main(sinv, input);
      }
      case 'action-claim evidence':
      case 'context session-start':
      case 'context user-prompt-submit':
        return load(bundleOf(row, id)).main(sinv, input);
    }
  }
  return finish({ code: 0, stdout: neutralOutput(last) });
};
