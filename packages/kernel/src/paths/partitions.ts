/**
 * File partitions (paths.md §4, paths.md §5): `validateFilePartitions` over a plan (phases, conflicts, notices),
 * `admitByPartition` at dispatch time, and their fixed-template messages. Pure and total.
 */
import * as t from 'io-ts';
import * as E from 'fp-ts/lib/Either.js';
import type { ReadonlyNonEmptyArray } from 'fp-ts/lib/ReadonlyNonEmptyArray.js';
import { SESSION_CHAR, keepOnly } from '../internal/text.js';
import { TaskIdCodec, type EmitEvent } from '../internal/convoy.js';
import { type NormPath, type PathErrorCode, findCycles, normalizePath, pathsOverlap, renderPath } from './normalize.js';

// ───────────────────────────────────────── paths.md §4 validateFilePartitions ─────────────────────────────────

/** One plan task as the validator sees it (paths.md §4 facts). Unknown plan fields are ignored. */
export interface PlanTask {
  readonly id: string;
  readonly files?: ReadonlyArray<string>;
  readonly depends_on?: ReadonlyArray<string>;
  readonly inputs?: ReadonlyArray<{ readonly from: string }>;
}

/** Codec of a plan document (`{ tasks: [...] }`), as read by `arbiter partitions check`. Extra fields pass. */
export const PlanCodec = t.type({
  tasks: t.array(
    t.intersection([
      t.type({ id: TaskIdCodec }),
      t.partial({
        files: t.array(t.string),
        depends_on: t.array(TaskIdCodec),
        inputs: t.array(t.type({ from: TaskIdCodec })),
      }),
    ]),
  ),
});
export type Plan = t.TypeOf<typeof PlanCodec>;

export type PlanError =
  | { readonly _tag: 'PathInvalid'; readonly reason: 'plan-path-invalid'; readonly taskId: string; readonly path: string; readonly cause: PathErrorCode }
  | { readonly _tag: 'DuplicateTask'; readonly reason: 'plan-duplicate-task'; readonly taskId: string }
  | { readonly _tag: 'UnknownDependency'; readonly reason: 'plan-unknown-dependency'; readonly taskId: string; readonly dep: string }
  | { readonly _tag: 'Cycle'; readonly reason: 'plan-cycle'; readonly members: ReadonlyArray<string> }
  | {
      readonly _tag: 'Conflict';
      readonly reason: 'partition-conflict';
      /** 1-based. */
      readonly phaseNumber: number;
      readonly taskA: string;
      readonly taskB: string;
      /** A's rendered files, in A's order, without repeats, that overlap any of B's. */
      readonly overlapping: ReadonlyArray<string>;
    };

/** paths.md §4 V4: a cross-phase overlap between unordered tasks, serialised at run time by paths.md §5. */
export interface PartitionNotice {
  readonly reason: 'partition-serialised';
  readonly taskA: string;
  readonly phaseA: number;
  readonly taskB: string;
  readonly phaseB: number;
  readonly overlapping: ReadonlyArray<string>;
}

export interface PlanPhases {
  /** Phases in ascending order, 1-based, tasks in plan order. */
  readonly phases: ReadonlyArray<{ readonly phase: number; readonly taskIds: ReadonlyArray<string> }>;
  readonly notices: ReadonlyArray<PartitionNotice>;
}

const depsOf = (tk: PlanTask): ReadonlyArray<string> => {
  const out: string[] = [];
  for (const d of [...(tk.depends_on ?? []), ...(tk.inputs ?? []).map((i) => i.from)]) if (!out.includes(d)) out.push(d);
  return out;
};

/** A's rendered files (A's order, no repeats) overlapping any of B's files. */
export const overlapList = (a: ReadonlyArray<NormPath>, b: ReadonlyArray<NormPath>, ci: boolean): ReadonlyArray<string> => {
  const out: string[] = [];
  for (const p of a) {
    const r = renderPath(p);
    if (!out.includes(r) && b.some((q) => pathsOverlap(p, q, ci))) out.push(r);
  }
  return out;
};

/**
 * Validate a plan's file partitions (paths.md §4, rules V1–V4).
 *
 * @param tasks the plan's tasks in plan order (raw `files`, `depends_on`, `inputs[].from`).
 * @param caseInsensitive the repository file system's case-sensitivity fact (paths.md §3).
 * @returns `Left {errors}` when any check fails, reporting every error of the first failing stage: V1 path errors
 *   (`plan-path-invalid`), duplicate ids (`plan-duplicate-task`, a choice: the spec is silent), V2 unknown
 *   dependencies then cycles (`plan-unknown-dependency`, `plan-cycle` with members), V3 same-phase conflicts
 *   (`partition-conflict`, 1-based phase numbers). Otherwise `Right {phases, notices}` with V4's
 *   `partition-serialised` notices. Never throws.
 */
export const validateFilePartitions = (
  tasks: ReadonlyArray<PlanTask>,
  caseInsensitive: boolean,
): E.Either<{ readonly errors: ReadonlyNonEmptyArray<PlanError> }, PlanPhases> => {
  const fail = (errors: PlanError[]) => E.left({ errors: errors as unknown as ReadonlyNonEmptyArray<PlanError> });
  // V1: normalize every entry, collect every error.
  const files = new Map<string, ReadonlyArray<NormPath>>();
  const pathErrors: PlanError[] = [];
  for (const tk of tasks) {
    const ok: NormPath[] = [];
    for (const raw of tk.files ?? []) {
      const r = normalizePath(raw);
      if (E.isLeft(r)) pathErrors.push({ _tag: 'PathInvalid', reason: 'plan-path-invalid', taskId: tk.id, path: raw, cause: r.left.code });
      else ok.push(r.right);
    }
    if (!files.has(tk.id)) files.set(tk.id, ok);
  }
  if (pathErrors.length > 0) return fail(pathErrors);
  const seen = new Set<string>();
  const dup: PlanError[] = [];
  for (const tk of tasks) {
    if (seen.has(tk.id) && !dup.some((d) => d._tag === 'DuplicateTask' && d.taskId === tk.id)) {
      dup.push({ _tag: 'DuplicateTask', reason: 'plan-duplicate-task', taskId: tk.id });
    }
    seen.add(tk.id);
  }
  if (dup.length > 0) return fail(dup);
  // V2: unknown dependencies, then cycles, then Kahn layers.
  const ids = tasks.map((tk) => tk.id);
  const deps = new Map(tasks.map((tk) => [tk.id, depsOf(tk)] as const));
  const unknown: PlanError[] = [];
  for (const tk of tasks) {
    for (const d of deps.get(tk.id) ?? []) {
      if (!seen.has(d)) unknown.push({ _tag: 'UnknownDependency', reason: 'plan-unknown-dependency', taskId: tk.id, dep: d });
    }
  }
  if (unknown.length > 0) return fail(unknown);
  const cycles = findCycles(ids, (n) => deps.get(n) ?? []);
  if (cycles.length > 0) return fail(cycles.map((members) => ({ _tag: 'Cycle', reason: 'plan-cycle', members })));
  const phase = kahnPhases(ids, deps);
  /** Every pair of tasks with files (plan order) that `keep` admits and whose files overlap, with the overlap. */
  const overlappingPairs = (keep: (a: PlanTask, b: PlanTask) => boolean): Array<{ a: PlanTask; b: PlanTask; overlapping: ReturnType<typeof overlapList> }> => {
    const out: Array<{ a: PlanTask; b: PlanTask; overlapping: ReturnType<typeof overlapList> }> = [];
    for (let i = 0; i < tasks.length; i++) {
      const a = tasks[i] as PlanTask;
      const fa = files.get(a.id) ?? [];
      if (fa.length === 0) continue;
      for (let j = i + 1; j < tasks.length; j++) {
        const b = tasks[j] as PlanTask;
        const fb = files.get(b.id) ?? [];
        if (fb.length === 0 || !keep(a, b)) continue;
        const overlapping = overlapList(fa, fb, caseInsensitive);
        if (overlapping.length > 0) out.push({ a, b, overlapping });
      }
    }
    return out;
  };
  const phaseOf = (t: PlanTask): number => phase.get(t.id) as number;
  // V3: same-phase pairs, plan order.
  const conflicts: PlanError[] = overlappingPairs((a, b) => phaseOf(a) === phaseOf(b)).map(({ a, b, overlapping }) => ({
    _tag: 'Conflict',
    reason: 'partition-conflict',
    phaseNumber: phaseOf(a),
    taskA: a.id,
    taskB: b.id,
    overlapping,
  }));
  if (conflicts.length > 0) return fail(conflicts);
  // V4: different phases, unordered, overlapping.
  const reach = ancestors(ids, deps);
  const unordered = (a: PlanTask, b: PlanTask): boolean => phaseOf(a) !== phaseOf(b) && !(reach.get(a.id)?.has(b.id) || reach.get(b.id)?.has(a.id));
  const notices: PartitionNotice[] = overlappingPairs(unordered).map(({ a, b, overlapping }) => ({
    reason: 'partition-serialised',
    taskA: a.id,
    phaseA: phaseOf(a),
    taskB: b.id,
    phaseB: phaseOf(b),
    overlapping,
  }));
  let maxPhase = 0;
  for (const v of phase.values()) maxPhase = Math.max(maxPhase, v);
  const phases = Array.from({ length: maxPhase }, (_, k) => ({ phase: k + 1, taskIds: ids.filter((id) => phase.get(id) === k + 1) }));
  return E.right({ phases, notices });
};

/** Kahn layering (paths.md §4 V2) over an acyclic graph whose dependencies are all known: 1 + max phase of deps. */
const kahnPhases = (ids: ReadonlyArray<string>, deps: ReadonlyMap<string, ReadonlyArray<string>>): Map<string, number> => {
  const phase = new Map<string, number>();
  const indeg = new Map(ids.map((id) => [id, (deps.get(id) ?? []).length] as const));
  const dependents = new Map<string, string[]>(ids.map((id) => [id, []]));
  for (const id of ids) for (const d of deps.get(id) ?? []) dependents.get(d)?.push(id);
  const queue = ids.filter((id) => indeg.get(id) === 0);
  for (const id of queue) phase.set(id, 1);
  for (let q = 0; q < queue.length; q++) {
    const n = queue[q] as string;
    for (const m of dependents.get(n) ?? []) {
      phase.set(m, Math.max(phase.get(m) ?? 1, (phase.get(n) as number) + 1));
      const k = (indeg.get(m) as number) - 1;
      indeg.set(m, k);
      if (k === 0) queue.push(m);
    }
  }
  return phase;
};

/** Transitive dependencies of every node (reachability over dependency edges). */
const ancestors = (ids: ReadonlyArray<string>, deps: ReadonlyMap<string, ReadonlyArray<string>>): Map<string, Set<string>> => {
  const out = new Map<string, Set<string>>();
  for (const id of ids) {
    const seen = new Set<string>();
    const stack = [...(deps.get(id) ?? [])];
    while (stack.length > 0) {
      const n = stack.pop() as string;
      if (seen.has(n)) continue;
      seen.add(n);
      stack.push(...(deps.get(n) ?? []));
    }
    out.set(id, seen);
  }
  return out;
};

// ───────────────────────────────────────── paths.md §5 admitByPartition ─────────────────────────────────────────

export interface PartitionTask {
  readonly taskId: string;
  readonly files: ReadonlyArray<NormPath>;
}

export interface AdmissionFacts {
  /** Ready pending tasks in dispatch order. */
  readonly candidates: ReadonlyArray<PartitionTask>;
  /** Tasks `assigned` or `running`. */
  readonly live: ReadonlyArray<PartitionTask>;
  readonly freeSlots: number;
  readonly caseInsensitive: boolean;
}

export interface AdmissionResult {
  readonly admitted: ReadonlyArray<string>;
  readonly deferred: ReadonlyArray<{ readonly taskId: string; readonly blockedBy: ReadonlyArray<string> }>;
  readonly effects: ReadonlyArray<EmitEvent>;
}

/**
 * Run-time partition admission (paths.md §5, rules AD1–AD4). Walks the candidates in order until `freeSlots` tasks are
 * admitted (candidates after that are neither admitted nor deferred). A candidate without files is admitted; one
 * whose files overlap a live task or a task admitted earlier in this call is deferred with `blockedBy` (live tasks
 * first, in their order, then admitted ones). Effects: one `EmitEvent partition` (info, `partition-deferred`) per
 * deferral. A non-positive or fractional `freeSlots` admits nothing beyond `floor(max(0, freeSlots))`.
 */
export const admitByPartition = (f: AdmissionFacts): AdmissionResult => {
  const slots = Math.max(0, Math.floor(Number.isFinite(f.freeSlots) ? f.freeSlots : 0));
  const admitted: PartitionTask[] = [];
  const deferred: Array<{ taskId: string; blockedBy: string[] }> = [];
  const effects: EmitEvent[] = [];
  for (const c of f.candidates) {
    if (admitted.length >= slots) break; // AD1
    if (c.files.length === 0) {
      admitted.push(c); // AD2
      continue;
    }
    const hits = (o: PartitionTask) => o.files.some((p) => c.files.some((q) => pathsOverlap(p, q, f.caseInsensitive)));
    const blockedBy = [...f.live.filter(hits), ...admitted.filter(hits)].map((o) => o.taskId).filter((id, i, a) => a.indexOf(id) === i);
    if (blockedBy.length > 0) {
      deferred.push({ taskId: c.taskId, blockedBy }); // AD3
      effects.push({ _tag: 'EmitEvent', type: 'partition', severity: 'info', code: 'partition-deferred', taskId: c.taskId, data: { blockedBy } });
    } else admitted.push(c); // AD4
  }
  return { admitted: admitted.map((a) => a.taskId), deferred, effects };
};

// ───────────────────────────────────────── messages ─────────────────────────────────────────

const safeId = (s: string): string => keepOnly(s, SESSION_CHAR, 128, 'unknown');
/** Paths in messages: control characters replaced, cut to 200 characters. */
export const safePath = (s: string): string => s.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?').slice(0, 200);

const PATH_CAUSE: Record<PathErrorCode, string> = {
  'path-glob': 'glob characters (* or ?) are not allowed',
  'path-traversal': 'a .. segment is not allowed',
  'path-drive': 'drive-letter paths are not allowed',
};

/** Fixed-template message for one plan error (1-based phase numbers, paths.md §4). */
export const planErrorMessage = (e: PlanError): string => {
  switch (e._tag) {
    case 'PathInvalid':
      return `Task ${safeId(e.taskId)}: invalid path "${safePath(e.path)}": ${PATH_CAUSE[e.cause]}`;
    case 'DuplicateTask':
      return `Task id ${safeId(e.taskId)} is used more than once`;
    case 'UnknownDependency':
      return `Task ${safeId(e.taskId)} depends on unknown task ${safeId(e.dep)}`;
    case 'Cycle':
      return `Dependency cycle among tasks ${e.members.map(safeId).join(', ')}`;
    case 'Conflict':
      return `Phase ${e.phaseNumber}: tasks ${safeId(e.taskA)} and ${safeId(e.taskB)} both claim ${e.overlapping.map(safePath).join(', ')}`;
  }
};

/** Fixed-template message for a cross-phase notice (paths.md §4 V4). */
export const noticeMessage = (n: PartitionNotice): string =>
  `Phases ${n.phaseA} and ${n.phaseB}: tasks ${safeId(n.taskA)} and ${safeId(n.taskB)} both claim ${n.overlapping.map(safePath).join(', ')}; they will not run at the same time`;
