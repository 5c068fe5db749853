/**
 * Paths, file partitions and task injection (convoy-policies.md §5; policy `paths`).
 *
 * Sections follow DESIGN.md "One decision, one module": model → decisions (`normalizePath`, `pathsOverlap`,
 * `validateFilePartitions`, `admitByPartition`, `validateInjection`, in the spec's order) → verdicts → messages →
 * table. Pure and total: no I/O, no clock; the case-sensitivity probe and symlink findings arrive as facts.
 */
import * as t from 'io-ts';
import * as E from 'fp-ts/lib/Either.js';
import type { ReadonlyNonEmptyArray } from 'fp-ts/lib/ReadonlyNonEmptyArray.js';
import { SESSION_CHAR, keepOnly } from '../internal/text.js';
import type { DecisionTable } from '../internal/table.js';
import {
  AgentNameCodec,
  TaskIdCodec,
  isLive,
  isTerminal,
  type EmitEvent,
  type InsertTask,
  type TaskStatus,
} from '../internal/convoy.js';

// ───────────────────────────────────────── constants (§5.7) ─────────────────────────────────────────

export const POLICY = 'paths';
export const POLICY_VERSION = '1.0.0';
/** At most this many tasks with the injected flag per run (§5.6 I2). */
export const MAX_INJECTED_TASKS = 10;
/** Injected task defaults (§5.6 I8), ms and count. */
export const INJECTED_DEFAULT_TIMEOUT_MS = 1_800_000;
export const INJECTED_DEFAULT_MAX_RETRIES = 1;

// ───────────────────────────────────────── model ─────────────────────────────────────────

/** A normalised repository path (§5.1): the whole tree, or a non-empty segment list with a directory flag. */
export type NormPath =
  | { readonly _tag: 'Root' }
  | { readonly _tag: 'Rel'; readonly segments: ReadonlyNonEmptyArray<string>; readonly dir: boolean };

export const ROOT: NormPath = { _tag: 'Root' };

/** Why a raw path was refused (§5.1 N1, N5, N6). */
export type PathErrorCode = 'path-glob' | 'path-traversal' | 'path-drive';
export interface PathError {
  readonly _tag: 'PathError';
  readonly code: PathErrorCode;
  readonly raw: string;
}

/** How a task ends when no attempt is left (§0.7, §6.6). */
export type ExhaustMode = 'dlq' | 'skip' | 'stop';
export const ExhaustModeCodec = t.keyof({ dlq: null, skip: null, stop: null });

// ───────────────────────────────────────── §5.1 normalizePath ─────────────────────────────────────────

/**
 * Normalise a raw repository path (§5.1, rules N1–N8, in order).
 *
 * @param raw any string (a task `files` entry, an injection path, a panel path, an allowlist path).
 * @returns `Right Root` for the whole tree (`''`, `.`, `/`, `./`, `\`), `Right Rel {segments, dir}` otherwise;
 *   `Left PathError` with `path-glob` (contains `*` or `?`), `path-traversal` (a `..` segment after separator
 *   conversion) or `path-drive` (first segment starts with one ASCII letter and `:`). Never throws.
 */
export const normalizePath = (raw: string): E.Either<PathError, NormPath> => {
  // N1
  if (raw.includes('*') || raw.includes('?')) return E.left({ _tag: 'PathError', code: 'path-glob', raw });
  // N2
  const dir = raw.endsWith('/') || raw.endsWith('\\');
  // N3, N4
  const segments = raw
    .replace(/\\/g, '/')
    .split('/')
    .filter((s) => s !== '' && s !== '.');
  // N5
  if (segments.includes('..')) return E.left({ _tag: 'PathError', code: 'path-traversal', raw });
  const first = segments[0];
  // N6
  if (first !== undefined && /^[A-Za-z]:/.test(first)) return E.left({ _tag: 'PathError', code: 'path-drive', raw });
  // N7, N8
  if (first === undefined) return E.right(ROOT);
  return E.right({ _tag: 'Rel', segments: segments as unknown as ReadonlyNonEmptyArray<string>, dir });
};

/** Render a `NormPath` (§5.1): `Root` is `.`, `Rel` is its segments joined by `/` plus `/` when `dir`. */
export const renderPath = (p: NormPath): string => (p._tag === 'Root' ? '.' : p.segments.join('/') + (p.dir ? '/' : ''));

/** Two `NormPath`s are structurally equal (same tag, segments and directory flag). */
export const samePath = (a: NormPath, b: NormPath): boolean =>
  a._tag === 'Root'
    ? b._tag === 'Root'
    : b._tag === 'Rel' && a.dir === b.dir && a.segments.length === b.segments.length && a.segments.every((s, i) => s === b.segments[i]);

// ───────────────────────────────────────── §5.2 pathsOverlap ─────────────────────────────────────────

/** Comparison key of one segment (§5.2 O2): NFC, then `toLowerCase()` when case-insensitive. */
export const segmentKey = (s: string, caseInsensitive: boolean): string => {
  const n = s.normalize('NFC');
  return caseInsensitive ? n.toLowerCase() : n;
};

/**
 * Do two normalised paths overlap (§5.2, rules O1–O3)? `Root` overlaps everything; two `Rel` paths overlap iff one
 * segment list is a prefix of the other after NFC (and lower-casing when `caseInsensitive`). The directory flag is
 * ignored. Symmetric and reflexive. Never throws.
 */
export const pathsOverlap = (a: NormPath, b: NormPath, caseInsensitive: boolean): boolean => {
  if (a._tag === 'Root' || b._tag === 'Root') return true; // O1
  const n = Math.min(a.segments.length, b.segments.length);
  for (let i = 0; i < n; i++) {
    const x = a.segments[i] as string;
    const y = b.segments[i] as string;
    if (x !== y && segmentKey(x, caseInsensitive) !== segmentKey(y, caseInsensitive)) return false; // O2, O3
  }
  return true;
};

// ───────────────────────────────────────── graphs (shared by §5.4 and §5.6) ─────────────────────────────

/**
 * Strongly connected components that form cycles (size ≥ 2, or one node with a self edge), over `nodes` in the
 * given order with edges `edges(n)` (targets outside `nodes` are ignored). Each cycle lists its members in node
 * order; cycles are ordered by their first member. Iterative Tarjan: linear in nodes + edges.
 */
export const findCycles = (
  nodes: ReadonlyArray<string>,
  edges: (n: string) => ReadonlyArray<string>,
): ReadonlyArray<ReadonlyArray<string>> => {
  const order = new Map<string, number>();
  nodes.forEach((n, i) => order.set(n, i));
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const out: string[][] = [];
  let counter = 0;
  for (const root of nodes) {
    if (index.has(root)) continue;
    const work: Array<{ node: string; next: number; succ: ReadonlyArray<string> }> = [];
    const push = (n: string) => {
      index.set(n, counter);
      low.set(n, counter);
      counter++;
      stack.push(n);
      onStack.add(n);
      work.push({ node: n, next: 0, succ: edges(n).filter((m) => order.has(m)) });
    };
    push(root);
    while (work.length > 0) {
      const top = work[work.length - 1] as { node: string; next: number; succ: ReadonlyArray<string> };
      if (top.next < top.succ.length) {
        const m = top.succ[top.next++] as string;
        if (!index.has(m)) push(m);
        else if (onStack.has(m)) low.set(top.node, Math.min(low.get(top.node) as number, index.get(m) as number));
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent !== undefined) low.set(parent.node, Math.min(low.get(parent.node) as number, low.get(top.node) as number));
      if (low.get(top.node) === index.get(top.node)) {
        const comp: string[] = [];
        for (;;) {
          const x = stack.pop() as string;
          onStack.delete(x);
          comp.push(x);
          if (x === top.node) break;
        }
        if (comp.length > 1 || top.succ.includes(top.node)) {
          comp.sort((p, q) => (order.get(p) as number) - (order.get(q) as number));
          out.push(comp);
        }
      }
    }
  }
  return out.sort((p, q) => (order.get(p[0] as string) as number) - (order.get(q[0] as string) as number));
};

// ───────────────────────────────────────── §5.4 validateFilePartitions ─────────────────────────────────

/** One plan task as the validator sees it (§5.4 facts). Unknown plan fields are ignored. */
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

/** §5.4 V4: a cross-phase overlap between unordered tasks, serialised at run time by §5.5. */
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
const overlapList = (a: ReadonlyArray<NormPath>, b: ReadonlyArray<NormPath>, ci: boolean): ReadonlyArray<string> => {
  const out: string[] = [];
  for (const p of a) {
    const r = renderPath(p);
    if (!out.includes(r) && b.some((q) => pathsOverlap(p, q, ci))) out.push(r);
  }
  return out;
};

/**
 * Validate a plan's file partitions (§5.4, rules V1–V4).
 *
 * @param tasks the plan's tasks in plan order (raw `files`, `depends_on`, `inputs[].from`).
 * @param caseInsensitive the repository file system's case-sensitivity fact (§5.3).
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
  // V1: normalise every entry, collect every error.
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

/** Kahn layering (§5.4 V2) over an acyclic graph whose dependencies are all known: 1 + max phase of deps. */
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

// ───────────────────────────────────────── §5.5 admitByPartition ─────────────────────────────────────────

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
 * Run-time partition admission (§5.5, rules AD1–AD4). Walks the candidates in order until `freeSlots` tasks are
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

// ───────────────────────────────────────── §5.6 validateInjection ─────────────────────────────────────────

/** A stored task record (§5.6 I8 fields). `files` are rendered normalised paths. */
export interface TaskRecord {
  readonly id: string;
  readonly prompt: string;
  readonly agent: string;
  readonly phase: number;
  readonly depends_on: ReadonlyArray<string>;
  readonly files: ReadonlyArray<string>;
  readonly timeout_ms: number;
  readonly max_retries: number;
  readonly on_exhausted: ExhaustMode;
  readonly injected: boolean;
  readonly provenance: string | null;
  readonly idempotency_key: string | null;
  readonly status: TaskStatus;
  readonly retries: number;
  readonly drift_retried: boolean;
  readonly panel_blocks: number;
  readonly retry_note: string | null;
}

/** An injection request after decoding at the boundary (§5.6 facts). */
export const InjectionRequestCodec = t.intersection([
  t.type({
    id: TaskIdCodec,
    prompt: t.string,
    agent: AgentNameCodec,
    depends_on: t.array(TaskIdCodec),
    files: t.array(t.string),
  }),
  t.partial({
    phase: t.number,
    timeout_ms: t.number,
    max_retries: t.number,
    on_exhausted: ExhaustModeCodec,
    provenance: t.string,
    idempotency_key: t.string,
  }),
]);
export type InjectionRequest = t.TypeOf<typeof InjectionRequestCodec>;

export interface InjectionFacts {
  readonly request: InjectionRequest;
  /** The run's tasks in store order (phase, then id). Dependency edges include `inputs[].from`. */
  readonly tasks: ReadonlyArray<TaskRecord>;
  readonly defaults: { readonly on_exhausted?: ExhaustMode };
  /** Request paths that are, or pass through, a symlink leading outside the repository (adapter fact). */
  readonly symlinkFindings: ReadonlyArray<string>;
  readonly caseInsensitive: boolean;
}

export type InjectReason =
  | 'inject-inserted'
  | 'inject-idempotent-replay'
  | 'inject-limit'
  | 'inject-duplicate-id'
  | 'inject-unknown-dependency'
  | 'inject-dependency-terminal'
  | 'inject-path-invalid'
  | 'inject-symlink-escape'
  | 'inject-partition-overlap'
  | 'inject-existing-cycle'
  | 'inject-cycle'
  | 'inject-phase-invalid';

/** Rejection reasons in rule order (I2 … I7); used by the table and by PT-9. */
export const INJECT_REJECTIONS: ReadonlyArray<InjectReason> = [
  'inject-limit',
  'inject-duplicate-id',
  'inject-unknown-dependency',
  'inject-dependency-terminal',
  'inject-path-invalid',
  'inject-symlink-escape',
  'inject-partition-overlap',
  'inject-existing-cycle',
  'inject-cycle',
  'inject-phase-invalid',
];

type RejectReason = Exclude<InjectReason, 'inject-inserted' | 'inject-idempotent-replay'>;
/** The verdict of {@link validateInjection}; `reasons` is `[reason]` (DESIGN.md: every verdict carries reasons). */
export type InjectionVerdict =
  | { readonly _tag: 'Inserted'; readonly reason: 'inject-inserted'; readonly reasons: readonly ['inject-inserted']; readonly record: TaskRecord }
  | { readonly _tag: 'Existing'; readonly reason: 'inject-idempotent-replay'; readonly reasons: readonly ['inject-idempotent-replay']; readonly record: TaskRecord }
  | { readonly _tag: 'Rejected'; readonly reason: RejectReason; readonly reasons: readonly [RejectReason]; readonly details: Readonly<Record<string, unknown>> };

export type InjectionEffect = InsertTask<TaskRecord> | EmitEvent;

/** Normalised files of a stored record; an entry that no longer normalises counts as the whole tree (fail-closed). */
const storedFiles = (r: TaskRecord): ReadonlyArray<NormPath> =>
  r.files.map((f) => {
    const n = normalizePath(f);
    return E.isRight(n) ? n.right : ROOT;
  });

const decideInjection = (f: InjectionFacts): InjectionVerdict => {
  const rq = f.request;
  const reject = (reason: RejectReason, details: Record<string, unknown>): InjectionVerdict => ({ _tag: 'Rejected', reason, reasons: [reason], details });
  // I1
  if (rq.idempotency_key !== undefined) {
    const hit = f.tasks.find((tk) => tk.idempotency_key === rq.idempotency_key);
    if (hit !== undefined) return { _tag: 'Existing', reason: 'inject-idempotent-replay', reasons: ['inject-idempotent-replay'], record: hit };
  }
  // I2
  const injected = f.tasks.filter((tk) => tk.injected).length;
  if (injected >= MAX_INJECTED_TASKS) return reject('inject-limit', { injected, limit: MAX_INJECTED_TASKS });
  // I3
  const byId = new Map<string, TaskRecord>();
  for (const tk of f.tasks) if (!byId.has(tk.id)) byId.set(tk.id, tk);
  if (byId.has(rq.id)) return reject('inject-duplicate-id', { id: rq.id });
  // I4
  for (const dep of rq.depends_on) {
    const d = byId.get(dep);
    if (d === undefined) return reject('inject-unknown-dependency', { dep });
    if (isTerminal(d.status) && d.status !== 'done') return reject('inject-dependency-terminal', { dep, status: d.status });
  }
  // I5.1
  const files: NormPath[] = [];
  for (const raw of rq.files) {
    const n = normalizePath(raw);
    if (E.isLeft(n)) return reject('inject-path-invalid', { path: raw.slice(0, 256), cause: n.left.code });
    files.push(n.right);
  }
  // I5.2
  if (f.symlinkFindings.length > 0) return reject('inject-symlink-escape', { paths: [...f.symlinkFindings] });
  // I5.3
  const conflicts: Array<{ taskId: string; paths: ReadonlyArray<string> }> = [];
  for (const tk of f.tasks) {
    if (!isLive(tk.status) || tk.files.length === 0) continue;
    const overlapping = overlapList(files, storedFiles(tk), f.caseInsensitive);
    if (overlapping.length > 0) conflicts.push({ taskId: tk.id, paths: overlapping });
  }
  if (conflicts.length > 0) return reject('inject-partition-overlap', { conflicts });
  // I6
  const ids = f.tasks.map((tk) => tk.id);
  const existing = findCycles(ids, (n) => byId.get(n)?.depends_on ?? []);
  if (existing.length > 0) return reject('inject-existing-cycle', { members: existing[0] });
  const withNew = findCycles([...ids, rq.id], (n) => (n === rq.id ? rq.depends_on : byId.get(n)?.depends_on ?? []));
  const cyc = withNew.find((c) => c.includes(rq.id)) ?? withNew[0];
  if (cyc !== undefined) return reject('inject-cycle', { members: cyc });
  // I7
  const depPhase = rq.depends_on.reduce((m, d) => Math.max(m, byId.get(d)?.phase ?? 0), 0);
  let phase = depPhase + 1;
  if (rq.phase !== undefined) {
    if (!Number.isSafeInteger(rq.phase) || rq.phase < 1 || rq.phase <= depPhase) {
      return reject('inject-phase-invalid', { phase: rq.phase, minimum: depPhase + 1 });
    }
    phase = rq.phase;
  }
  // I8
  const record: TaskRecord = {
    id: rq.id,
    prompt: rq.prompt,
    agent: rq.agent,
    phase,
    depends_on: [...rq.depends_on],
    files: files.map(renderPath),
    timeout_ms: rq.timeout_ms ?? INJECTED_DEFAULT_TIMEOUT_MS,
    max_retries: rq.max_retries ?? INJECTED_DEFAULT_MAX_RETRIES,
    on_exhausted: rq.on_exhausted ?? f.defaults.on_exhausted ?? 'dlq',
    injected: true,
    provenance: rq.provenance ?? null,
    idempotency_key: rq.idempotency_key ?? null,
    status: 'pending',
    retries: 0,
    drift_retried: false,
    panel_blocks: 0,
    retry_note: null,
  };
  return { _tag: 'Inserted', reason: 'inject-inserted', reasons: ['inject-inserted'], record };
};

/**
 * Validate a task injection (§5.6, rules I1–I8, first failure wins).
 *
 * The adapter runs the snapshot read, this decision and the insert in one write transaction under the engine lock.
 * @returns the verdict (`Inserted`, `Existing` for an idempotent replay, or `Rejected {reason, details}`) and its
 *   effects: `InsertTask` + `EmitEvent injection` (info) for `Inserted`; `EmitEvent injection` (info,
 *   `inject-idempotent-replay`) for `Existing`; `EmitEvent injection` (warn, the code) for a rejection. Never throws.
 */
export const validateInjection = (f: InjectionFacts): { readonly verdict: InjectionVerdict; readonly effects: ReadonlyArray<InjectionEffect> } => {
  const verdict = decideInjection(f);
  const taskId = verdict._tag === 'Rejected' ? keepOnly(f.request.id, SESSION_CHAR, 128, 'unknown') : verdict.record.id;
  switch (verdict._tag) {
    case 'Inserted':
      return {
        verdict,
        effects: [
          { _tag: 'InsertTask', record: verdict.record },
          { _tag: 'EmitEvent', type: 'injection', severity: 'info', code: verdict.reason, taskId },
        ],
      };
    case 'Existing':
      return { verdict, effects: [{ _tag: 'EmitEvent', type: 'injection', severity: 'info', code: verdict.reason, taskId }] };
    case 'Rejected':
      return {
        verdict,
        effects: [{ _tag: 'EmitEvent', type: 'injection', severity: 'warn', code: verdict.reason, taskId, data: verdict.details }],
      };
  }
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

/** Fixed-template message for one plan error (1-based phase numbers, §5.4). */
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

/** Fixed-template message for a cross-phase notice (§5.4 V4). */
export const noticeMessage = (n: PartitionNotice): string =>
  `Phases ${n.phaseA} and ${n.phaseB}: tasks ${safeId(n.taskA)} and ${safeId(n.taskB)} both claim ${n.overlapping.map(safePath).join(', ')}; they will not run at the same time`;

// ───────────────────────────────────────── table ─────────────────────────────────────────

/**
 * The path-normalisation and overlap table: representative raw inputs through `normalizePath`, and the overlap
 * of representative pairs under both case modes.
 */
export const table = (): DecisionTable => {
  const inputs = ['', '.', '/', './', '\\', './src//auth/', '\\lib\\x.ts', 'src/*.ts', 'a?b', 'a/../b', '..foo/x', '...', 'C:/repo/x.ts', 'c:x', '/src/x'];
  const rows: string[][] = inputs.map((raw) => {
    const r = normalizePath(raw);
    return [JSON.stringify(raw), E.isRight(r) ? renderPath(r.right) : '—', E.isRight(r) ? r.right._tag.toLowerCase() : r.left.code];
  });
  const pairs: Array<[string, string]> = [
    ['.', 'src/x.ts'],
    ['src/auth', 'src/auth/x.ts'],
    ['src/auth', 'src/auth-utils/'],
    ['Src/A.ts', 'src/a.ts'],
  ];
  for (const [a, b] of pairs) {
    const na = normalizePath(a);
    const nb = normalizePath(b);
    if (E.isRight(na) && E.isRight(nb)) {
      rows.push([`${a} ↔ ${b}`, String(pathsOverlap(na.right, nb.right, false)), `case-insensitive: ${pathsOverlap(na.right, nb.right, true)}`]);
    }
  }
  return {
    policy: POLICY,
    version: POLICY_VERSION,
    title: 'Path normalisation (§5.1) and overlap (§5.2).',
    columns: ['input', 'normalised / overlap (case-sensitive)', 'result'],
    rows,
    notes: [
      'Whole-tree paths ("", ".", "/", "./", "\\") normalise to Root, which overlaps every path (fail-closed).',
      'Segments compare after NFC; case is ignored only when the repository file system is case-insensitive.',
    ],
  };
};
