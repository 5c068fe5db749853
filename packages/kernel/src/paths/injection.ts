/**
 * Task injection (paths.md §6): `validateInjection`, the graph and partition checks a task injected into
 * a running convoy must pass. Pure and total.
 */
import * as t from 'io-ts';
import * as E from 'fp-ts/lib/Either.js';
import { SESSION_CHAR, keepOnly } from '../internal/text.js';
import { AgentNameCodec, TaskIdCodec, isLive, isTerminal, type EmitEvent, type InsertTask, type TaskStatus } from '../internal/convoy.js';
import { type ExhaustMode, ExhaustModeCodec, INJECTED_DEFAULT_MAX_RETRIES, INJECTED_DEFAULT_TIMEOUT_MS, MAX_INJECTED_TASKS, type NormPath, ROOT, findCycles, normalizePath, renderPath } from './normalize.js';
import { overlapList } from './partitions.js';

// ───────────────────────────────────────── paths.md §6 validateInjection ─────────────────────────────────────────

/** A stored task record (paths.md §6 I8 fields). `files` are rendered normalized paths. */
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

/** An injection request after decoding at the boundary (paths.md §6 facts). */
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
/** The verdict of {@link validateInjection}; `reasons` is `[reason]` (architecture.md: every verdict carries reasons). */
export type InjectionVerdict =
  | { readonly _tag: 'Inserted'; readonly reason: 'inject-inserted'; readonly reasons: readonly ['inject-inserted']; readonly record: TaskRecord }
  | { readonly _tag: 'Existing'; readonly reason: 'inject-idempotent-replay'; readonly reasons: readonly ['inject-idempotent-replay']; readonly record: TaskRecord }
  | { readonly _tag: 'Rejected'; readonly reason: RejectReason; readonly reasons: readonly [RejectReason]; readonly details: Readonly<Record<string, unknown>> };

export type InjectionEffect = InsertTask<TaskRecord> | EmitEvent;

/** Normalized files of a stored record; an entry that no longer normalizes counts as the whole tree (fail-closed). */
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
 * Validate a task injection (paths.md §6, rules I1–I8, first failure wins).
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
