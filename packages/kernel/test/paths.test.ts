import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import * as E from 'fp-ts/Either';
import { paths } from '@arbiter/kernel';
import { RUNS, deepFreeze } from './arb/freeze.js';
import { arbCleanSegment, arbNormPath, arbPath, arbPoolPath, arbSegment } from './arb/paths.js';
import { arbDag, hasCycle, reaches, refLayers } from './arb/dag.js';

const { normalizePath, renderPath, pathsOverlap, validateFilePartitions, admitByPartition, validateInjection } = paths;
type NormPath = paths.NormPath;
type TaskRecord = paths.TaskRecord;

const norm = (s: string): NormPath => {
  const r = normalizePath(s);
  if (E.isLeft(r)) throw new Error(`bad test path ${s}`);
  return r.right;
};
const code = (s: string) => {
  const r = normalizePath(s);
  return E.isLeft(r) ? r.left.code : renderPath(r.right);
};

/** Naive reference for paths.md §2: segment keys joined, one a prefix of the other at a segment boundary. */
const refOverlap = (a: NormPath, b: NormPath, ci: boolean): boolean => {
  if (a._tag === 'Root' || b._tag === 'Root') return true;
  const k = (p: { segments: ReadonlyArray<string> }) => p.segments.map((s) => (ci ? s.normalize('NFC').toLowerCase() : s.normalize('NFC'))).join('\u0000') + '\u0000';
  const x = k(a);
  const y = k(b);
  return x.startsWith(y) || y.startsWith(x);
};

// ───────────────────────────────────────── paths.md §1 examples ─────────────────────────────────────────

describe('normalizePath examples (paths.md §1)', () => {
  test('spec examples', () => {
    expect(code('./src//auth/')).toBe('src/auth/');
    expect(code('\\lib\\x.ts')).toBe('lib/x.ts');
    expect(code('a/../b')).toBe('path-traversal');
  });
  test('N1 glob characters anywhere are refused before anything else', () => {
    expect(code('src/*.ts')).toBe('path-glob');
    expect(code('a?')).toBe('path-glob');
    expect(code('../*')).toBe('path-glob');
    expect(code('C:/x?')).toBe('path-glob');
  });
  test('N2 directory flag from a trailing / or \\', () => {
    expect(norm('src/')).toEqual({ _tag: 'Rel', segments: ['src'], dir: true });
    expect(norm('src\\')).toEqual({ _tag: 'Rel', segments: ['src'], dir: true });
    expect(norm('src')).toEqual({ _tag: 'Rel', segments: ['src'], dir: false });
    expect(norm('src/.')).toEqual({ _tag: 'Rel', segments: ['src'], dir: false });
  });
  test('N4 empty and . segments dropped; leading / dropped', () => {
    expect(code('/src/x')).toBe('src/x');
    expect(code('a/./b//c')).toBe('a/b/c');
  });
  test('N5 only an exact .. segment is traversal', () => {
    expect(code('..')).toBe('path-traversal');
    expect(code('a\\..\\b')).toBe('path-traversal');
    expect(code('..foo/x')).toBe('..foo/x');
    expect(code('...')).toBe('...');
    expect(code('a/..b')).toBe('a/..b');
  });
  test('N6 drive letters refused (first segment only)', () => {
    expect(code('C:/repo/x.ts')).toBe('path-drive');
    expect(code('c:')).toBe('path-drive');
    expect(code('/D:\\x')).toBe('path-drive');
    expect(code('ab:/x')).toBe('ab:/x');
    expect(code('x/C:/y')).toBe('x/C:/y');
    expect(code('1:/y')).toBe('1:/y');
  });
  test('N7 whole-tree spellings are Root, rendered "."', () => {
    for (const s of ['', '.', '/', './', '\\', '//', './/.']) expect(normalizePath(s)).toEqual(E.right(paths.ROOT));
    expect(renderPath(paths.ROOT)).toBe('.');
  });
});

describe('pathsOverlap examples (paths.md §2)', () => {
  test('spec examples', () => {
    expect(pathsOverlap(norm('src/auth'), norm('src/auth/x.ts'), false)).toBe(true);
    expect(pathsOverlap(norm('src/auth'), norm('src/auth-utils/'), false)).toBe(false);
    expect(pathsOverlap(norm('Src/A.ts'), norm('src/a.ts'), false)).toBe(false);
    expect(pathsOverlap(norm('Src/A.ts'), norm('src/a.ts'), true)).toBe(true);
  });
  test('O1 Root overlaps everything, Root included', () => {
    expect(pathsOverlap(paths.ROOT, paths.ROOT, false)).toBe(true);
    expect(pathsOverlap(paths.ROOT, norm('a/b'), false)).toBe(true);
    expect(pathsOverlap(norm('a/b'), paths.ROOT, false)).toBe(true);
  });
  test('O2 NFC: composed and decomposed spellings overlap', () => {
    expect(pathsOverlap(norm('caf\u00e9/x'), norm('cafe\u0301/x'), false)).toBe(true);
  });
  test('O3 directory flag ignored; siblings do not overlap', () => {
    expect(pathsOverlap(norm('src/'), norm('src'), false)).toBe(true);
    expect(pathsOverlap(norm('src/a'), norm('src/b'), false)).toBe(false);
  });
});

// ───────────────────────────────────────── paths.md §8 properties PT-1 … PT-6 ─────────────────────────────────────────

describe('normalization and overlap properties (paths.md §8)', () => {
  test('PT-1 idempotent normalization: normalize(render(n)) = n', () => {
    fc.assert(
      fc.property(arbPath, (raw) => {
        const r = normalizePath(raw);
        if (E.isRight(r)) expect(normalizePath(renderPath(r.right))).toEqual(r);
      }),
      RUNS,
    );
  });
  test('PT-2 refusals: globs, .. segments and drive letters are always refused', () => {
    fc.assert(
      fc.property(arbPath, fc.constantFrom('*', '?'), fc.nat(), (raw, g, at) => {
        const i = at % (raw.length + 1);
        const r = normalizePath(raw.slice(0, i) + g + raw.slice(i));
        expect(E.isLeft(r) && r.left.code).toBe('path-glob');
      }),
      RUNS,
    );
    fc.assert(
      fc.property(fc.array(arbCleanSegment, { maxLength: 3 }), fc.array(arbCleanSegment, { maxLength: 3 }), fc.constantFrom('/', '\\'), (pre, post, sep) => {
        const r = normalizePath([...pre, '..', ...post].join(sep));
        expect(E.isLeft(r) && r.left.code).toBe('path-traversal');
      }),
      RUNS,
    );
    fc.assert(
      fc.property(fc.constantFrom(...'abcxyzABCXYZ'.split('')), fc.array(arbCleanSegment, { maxLength: 3 }), fc.boolean(), (letter, rest, lead) => {
        const r = normalizePath((lead ? '/' : '') + [`${letter}:`, ...rest].join('/'));
        expect(E.isLeft(r) && r.left.code).toBe('path-drive');
      }),
      RUNS,
    );
  });
  test('PT-3 separators: replacing / with \\ anywhere gives the same result', () => {
    fc.assert(
      fc.property(arbPath, fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }), (raw, flips) => {
        let k = 0;
        const swapped = raw.replace(/\//g, () => (flips[k++ % 40] ? '\\' : '/'));
        const a = normalizePath(raw);
        const b = normalizePath(swapped);
        expect(E.isRight(b) ? b.right : b.left.code).toEqual(E.isRight(a) ? a.right : a.left.code);
      }),
      RUNS,
    );
  });
  test('PT-4 Root: separators and . segments only give Root, and Root overlaps every NormPath', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('/', '\\', '.', './', '.\\'), { maxLength: 8 }), arbNormPath, fc.boolean(), (parts, p, ci) => {
        const raw = parts.join('/');
        expect(normalizePath(raw)).toEqual(E.right(paths.ROOT));
        expect(pathsOverlap(paths.ROOT, p, ci)).toBe(true);
        expect(pathsOverlap(p, paths.ROOT, ci)).toBe(true);
      }),
      RUNS,
    );
  });
  test('PT-5 pathsOverlap is reflexive, symmetric and equals the naive segment-prefix reference', () => {
    fc.assert(
      fc.property(arbNormPath, arbNormPath, fc.boolean(), (a, b, ci) => {
        deepFreeze(a);
        deepFreeze(b);
        expect(pathsOverlap(a, a, ci)).toBe(true);
        expect(pathsOverlap(a, b, ci)).toBe(pathsOverlap(b, a, ci));
        expect(pathsOverlap(a, b, ci)).toBe(refOverlap(a, b, ci));
      }),
      RUNS,
    );
  });
  test('PT-6 case: an overlap found case-sensitively is also found case-insensitively', () => {
    fc.assert(
      fc.property(arbNormPath, arbNormPath, (a, b) => {
        if (pathsOverlap(a, b, false)) expect(pathsOverlap(a, b, true)).toBe(true);
      }),
      RUNS,
    );
  });
  test('normalizePath is total on arbitrary strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (s) => {
        const r = normalizePath(s);
        if (E.isRight(r)) expect(normalizePath(renderPath(r.right))).toEqual(r);
      }),
      RUNS,
    );
    void arbSegment;
  });
});

// ───────────────────────────────────────── paths.md §4 plan validation ─────────────────────────────────────────

describe('validateFilePartitions (paths.md §4)', () => {
  test('V1 collects every path error and refuses', () => {
    const r = validateFilePartitions(
      deepFreeze([
        { id: 'a', files: ['src/*.ts', 'ok.ts'] },
        { id: 'b', files: ['../x', 'C:/y'] },
      ]),
      false,
    );
    expect(E.isLeft(r) && r.left.errors.map((e) => [e.reason, 'taskId' in e ? e.taskId : ''])).toEqual([
      ['plan-path-invalid', 'a'],
      ['plan-path-invalid', 'b'],
      ['plan-path-invalid', 'b'],
    ]);
  });
  test('V2 unknown dependency and cycles (with members)', () => {
    const u = validateFilePartitions([{ id: 'a', depends_on: ['zz'] }], false);
    expect(E.isLeft(u) && u.left.errors[0]).toMatchObject({ reason: 'plan-unknown-dependency', taskId: 'a', dep: 'zz' });
    const c = validateFilePartitions(
      [
        { id: 'a', depends_on: ['b'] },
        { id: 'b', inputs: [{ from: 'a' }] },
        { id: 'c', depends_on: ['c'] },
        { id: 'd', depends_on: ['a'] },
      ],
      false,
    );
    expect(E.isLeft(c) && c.left.errors).toEqual([
      { _tag: 'Cycle', reason: 'plan-cycle', members: ['a', 'b'] },
      { _tag: 'Cycle', reason: 'plan-cycle', members: ['c'] },
    ]);
  });
  test('V2 layers: 1 + the largest dependency phase, inputs count as edges', () => {
    const r = validateFilePartitions(
      [
        { id: 'a' },
        { id: 'b', depends_on: ['a'] },
        { id: 'c', inputs: [{ from: 'b' }] },
        { id: 'd', depends_on: ['a', 'c'] },
      ],
      false,
    );
    expect(E.isRight(r) && r.right.phases).toEqual([
      { phase: 1, taskIds: ['a'] },
      { phase: 2, taskIds: ['b'] },
      { phase: 3, taskIds: ['c'] },
      { phase: 4, taskIds: ['d'] },
    ]);
  });
  test('V3 same-phase conflict with 1-based phase numbers and the message of the spec', () => {
    const r = validateFilePartitions(
      [
        { id: 'z' },
        { id: 'a', files: ['src/api/', 'src/api/x.ts', 'lib/'], depends_on: ['z'] },
        { id: 'b', files: ['src/api/routes.ts'], depends_on: ['z'] },
      ],
      false,
    );
    expect(E.isLeft(r)).toBe(true);
    if (E.isLeft(r)) {
      const e = r.left.errors[0];
      expect(e).toEqual({ _tag: 'Conflict', reason: 'partition-conflict', phaseNumber: 2, taskA: 'a', taskB: 'b', overlapping: ['src/api/'] });
      expect(paths.planErrorMessage(e)).toBe('Phase 2: tasks a and b both claim src/api/');
    }
  });
  test('V3 boundaries: empty files never conflict; Root conflicts with every declaring task of its phase; case fact', () => {
    expect(E.isRight(validateFilePartitions([{ id: 'a', files: [] }, { id: 'b', files: ['.'] }], false))).toBe(true);
    const r = validateFilePartitions([{ id: 'a', files: ['x'] }, { id: 'b', files: ['/'] }, { id: 'c', files: ['y/z'] }], false);
    expect(E.isLeft(r) && r.left.errors.length).toBe(2);
    expect(E.isRight(validateFilePartitions([{ id: 'a', files: ['A.ts'] }, { id: 'b', files: ['a.ts'] }], false))).toBe(true);
    expect(E.isLeft(validateFilePartitions([{ id: 'a', files: ['A.ts'] }, { id: 'b', files: ['a.ts'] }], true))).toBe(true);
  });
  test('V4 cross-phase unordered overlap is a notice; ordered pairs are not', () => {
    const r = validateFilePartitions(
      [
        { id: 'a', files: ['src/'] },
        { id: 'b' },
        { id: 'c', files: ['src/x.ts'], depends_on: ['b'] },
        { id: 'd', files: ['src/y.ts'], depends_on: ['a'] },
      ],
      false,
    );
    expect(E.isRight(r) && r.right.notices).toEqual([{ reason: 'partition-serialised', taskA: 'a', phaseA: 1, taskB: 'c', phaseB: 2, overlapping: ['src/'] }]);
  });
  test('duplicate task ids refuse the plan', () => {
    const r = validateFilePartitions([{ id: 'a' }, { id: 'a' }], false);
    expect(E.isLeft(r) && r.left.errors[0]?.reason).toBe('plan-duplicate-task');
  });

  test('PT-7 valid ⇔ no same-phase overlap; phases are Kahn layers ≥ 1; notices only for unordered cross-phase pairs', () => {
    fc.assert(
      fc.property(
        arbDag({ maxNodes: 7 }).chain((dag) => fc.tuple(fc.constant(dag), fc.array(fc.array(arbPoolPath, { maxLength: 2 }), { minLength: dag.length, maxLength: dag.length }), fc.boolean())),
        ([dag, files, ci]) => {
          const plan = deepFreeze(dag.map((n, i) => ({ id: n.id, files: files[i] as string[], depends_on: [...n.deps] })));
          const layers = refLayers(dag);
          const fileOf = (id: string) => (plan.find((p) => p.id === id)?.files ?? []).map(norm);
          const overlap = (x: string, y: string) => fileOf(x).some((p) => fileOf(y).some((q) => pathsOverlap(p, q, ci)));
          let samePhaseOverlap = false;
          for (let i = 0; i < dag.length; i++)
            for (let j = i + 1; j < dag.length; j++) {
              const a = (dag[i] as { id: string }).id;
              const b = (dag[j] as { id: string }).id;
              if (layers.get(a) === layers.get(b) && overlap(a, b)) samePhaseOverlap = true;
            }
          const r = validateFilePartitions(plan, ci);
          expect(E.isRight(r)).toBe(!samePhaseOverlap);
          if (E.isLeft(r)) {
            for (const e of r.left.errors) {
              expect(e._tag).toBe('Conflict');
              if (e._tag === 'Conflict') {
                expect(e.phaseNumber).toBeGreaterThanOrEqual(1);
                expect(e.phaseNumber).toBe(layers.get(e.taskA));
                expect(e.phaseNumber).toBe(layers.get(e.taskB));
              }
            }
          } else {
            for (const ph of r.right.phases) for (const id of ph.taskIds) expect(ph.phase).toBe(layers.get(id));
            for (const n of r.right.notices) {
              expect(n.phaseA).not.toBe(n.phaseB);
              expect(reaches(dag, n.taskA, n.taskB) || reaches(dag, n.taskB, n.taskA)).toBe(false);
              expect(overlap(n.taskA, n.taskB)).toBe(true);
            }
          }
        },
      ),
      RUNS,
    );
  });
});

// ───────────────────────────────────────── paths.md §5 admission ─────────────────────────────────────────

describe('admitByPartition (paths.md §5)', () => {
  const T = (taskId: string, ...fs: string[]) => ({ taskId, files: fs.map(norm) });
  test('AD1 slots: at, one below, one above the candidate count', () => {
    const cands = [T('a', 'a/'), T('b', 'b/'), T('c', 'c/')];
    for (const [slots, n] of [
      [0, 0],
      [2, 2],
      [3, 3],
      [4, 3],
    ] as const) {
      const r = admitByPartition(deepFreeze({ candidates: cands, live: [], freeSlots: slots, caseInsensitive: false }));
      expect(r.admitted.length).toBe(n);
    }
  });
  test('AD2 tasks without files are admitted even beside Root', () => {
    const r = admitByPartition({ candidates: [T('a'), T('b', '.')], live: [T('x', '.')], freeSlots: 5, caseInsensitive: false });
    expect(r.admitted).toEqual(['a']);
    expect(r.deferred).toEqual([{ taskId: 'b', blockedBy: ['x'] }]);
  });
  test('AD3 overlap with a live task or one admitted earlier defers, with an info event', () => {
    const r = admitByPartition({ candidates: [T('a', 'src/'), T('b', 'src/x.ts'), T('c', 'lib/')], live: [T('l', 'lib/y.ts')], freeSlots: 5, caseInsensitive: false });
    expect(r.admitted).toEqual(['a']);
    expect(r.deferred).toEqual([
      { taskId: 'b', blockedBy: ['a'] },
      { taskId: 'c', blockedBy: ['l'] },
    ]);
    expect(r.effects).toEqual([
      { _tag: 'EmitEvent', type: 'partition', severity: 'info', code: 'partition-deferred', taskId: 'b', data: { blockedBy: ['a'] } },
      { _tag: 'EmitEvent', type: 'partition', severity: 'info', code: 'partition-deferred', taskId: 'c', data: { blockedBy: ['l'] } },
    ]);
  });
  test('AD3 deferred tasks do not consume slots; the walk stops once the slots are full', () => {
    const r = admitByPartition({ candidates: [T('a', 'x'), T('b', 'x'), T('c', 'y'), T('d', 'x')], live: [], freeSlots: 2, caseInsensitive: false });
    expect(r.admitted).toEqual(['a', 'c']);
    expect(r.deferred.map((d) => d.taskId)).toEqual(['b']);
  });

  test('PT-8 admission, model-based: never two overlapping live tasks, never more than freeSlots, file-less never deferred', () => {
    interface Task {
      id: string;
      files: NormPath[];
      status: 'pending' | 'live' | 'done';
    }
    interface Model {
      tasks: Task[];
    }
    const ci = false;
    /** Reference model: the greedy walk written independently. */
    const refAdmit = (m: Model, slots: number): string[] => {
      const taken: NormPath[] = m.tasks.filter((t) => t.status === 'live').flatMap((t) => t.files);
      const out: string[] = [];
      for (const t of m.tasks.filter((x) => x.status === 'pending')) {
        if (out.length >= slots) break;
        if (t.files.length > 0 && t.files.some((p) => taken.some((q) => refOverlap(p, q, ci)))) continue;
        out.push(t.id);
        taken.push(...t.files);
      }
      return out;
    };
    const invariant = (m: Model) => {
      const live = m.tasks.filter((t) => t.status === 'live');
      for (let i = 0; i < live.length; i++)
        for (let j = i + 1; j < live.length; j++) {
          const a = live[i] as Task;
          const b = live[j] as Task;
          expect(a.files.some((p) => b.files.some((q) => pathsOverlap(p, q, ci)))).toBe(false);
        }
    };
    class Dispatch implements fc.Command<Model, Model> {
      constructor(readonly slots: number) {}
      check = () => true;
      run(m: Model): void {
        const pending = m.tasks.filter((t) => t.status === 'pending');
        const live = m.tasks.filter((t) => t.status === 'live');
        const r = admitByPartition(
          deepFreeze({
            candidates: pending.map((t) => ({ taskId: t.id, files: t.files })),
            live: live.map((t) => ({ taskId: t.id, files: t.files })),
            freeSlots: this.slots,
            caseInsensitive: ci,
          }),
        );
        expect(r.admitted.length).toBeLessThanOrEqual(this.slots);
        expect([...r.admitted]).toEqual(refAdmit(m, this.slots));
        for (const d of r.deferred) expect(m.tasks.find((t) => t.id === d.taskId)?.files.length).toBeGreaterThan(0);
        for (const id of r.admitted) (m.tasks.find((t) => t.id === id) as Task).status = 'live';
        invariant(m);
      }
      toString = () => `dispatch(${this.slots})`;
    }
    class Complete implements fc.Command<Model, Model> {
      constructor(readonly k: number) {}
      check = (m: Readonly<Model>) => m.tasks.some((t) => t.status === 'live');
      run(m: Model): void {
        const live = m.tasks.filter((t) => t.status === 'live');
        (live[this.k % live.length] as Task).status = 'done';
        invariant(m);
      }
      toString = () => `complete(${this.k})`;
    }
    fc.assert(
      fc.property(
        fc.array(fc.array(arbPoolPath, { maxLength: 2 }), { minLength: 1, maxLength: 8 }),
        fc.commands([fc.nat(4).map((s) => new Dispatch(s)), fc.nat(10).map((k) => new Complete(k))], { maxCommands: 20 }),
        (files, cmds) => {
          const model: Model = { tasks: files.map((fs, i) => ({ id: `t${i}`, files: fs.map(norm), status: 'pending' as const })) };
          fc.modelRun(() => ({ model, real: model }), cmds);
        },
      ),
      RUNS,
    );
  });
});

// ───────────────────────────────────────── paths.md §6 injection ─────────────────────────────────────────

const rec = (id: string, over: Partial<TaskRecord> = {}): TaskRecord => ({
  id,
  prompt: 'p',
  agent: 'developer',
  phase: 1,
  depends_on: [],
  files: [],
  timeout_ms: 1_800_000,
  max_retries: 1,
  on_exhausted: 'dlq',
  injected: false,
  provenance: null,
  idempotency_key: null,
  status: 'pending',
  retries: 0,
  drift_retried: false,
  panel_blocks: 0,
  retry_note: null,
  ...over,
});
const req = (over: Partial<paths.InjectionRequest> = {}): paths.InjectionRequest => ({ id: 'n', prompt: 'do it', agent: 'developer', depends_on: [], files: [], ...over });
const inject = (request: paths.InjectionRequest, tasks: TaskRecord[], extra: Partial<paths.InjectionFacts> = {}) =>
  validateInjection(deepFreeze({ request, tasks, defaults: {}, symlinkFindings: [], caseInsensitive: false, ...extra }));
const reasonOf = (r: ReturnType<typeof inject>) => r.verdict.reason;

describe('validateInjection examples (paths.md §6)', () => {
  test('example 1: a replay at the limit returns Existing', () => {
    const stored = rec('old', { injected: true, idempotency_key: 'k1' });
    const tasks = [stored, ...Array.from({ length: 9 }, (_, i) => rec(`i${i}`, { injected: true }))];
    const r = inject(req({ id: 'old', idempotency_key: 'k1' }), tasks);
    expect(r.verdict).toEqual({ _tag: 'Existing', reason: 'inject-idempotent-replay', reasons: ['inject-idempotent-replay'], record: stored });
    expect(r.effects).toEqual([{ _tag: 'EmitEvent', type: 'injection', severity: 'info', code: 'inject-idempotent-replay', taskId: 'old' }]);
  });
  test('example 2: overlap with a running task lists every conflicting task in store order', () => {
    const r = inject(req({ files: ['src/api/'] }), [rec('a', { status: 'running', files: ['src/api/routes.ts'] }), rec('b', { status: 'done', files: ['src/'] }), rec('c', { status: 'pending', files: ['src/'] })]);
    expect(r.verdict).toEqual({
      _tag: 'Rejected',
      reason: 'inject-partition-overlap',
      reasons: ['inject-partition-overlap'],
      details: {
        conflicts: [
          { taskId: 'a', paths: ['src/api/'] },
          { taskId: 'c', paths: ['src/api/'] },
        ],
      },
    });
    expect(r.effects[0]).toMatchObject({ _tag: 'EmitEvent', severity: 'warn', code: 'inject-partition-overlap' });
  });
  test('example 3: an existing cycle is reported with its members', () => {
    const r = inject(req(), [rec('x', { depends_on: ['y'] }), rec('y', { depends_on: ['x'] })]);
    expect(r.verdict).toEqual({ _tag: 'Rejected', reason: 'inject-existing-cycle', reasons: ['inject-existing-cycle'], details: { members: ['x', 'y'] } });
  });
  test('I2 limit boundary: 9 injected accepted, 10 and 11 refused', () => {
    const inj = (n: number) => Array.from({ length: n }, (_, i) => rec(`i${i}`, { injected: true, status: 'done' }));
    expect(reasonOf(inject(req(), inj(9)))).toBe('inject-inserted');
    expect(reasonOf(inject(req(), inj(10)))).toBe('inject-limit');
    expect(reasonOf(inject(req(), inj(11)))).toBe('inject-limit');
  });
  test('I3 duplicate id whatever the status', () => {
    for (const status of ['pending', 'done', 'failed', 'skipped'] as const) expect(reasonOf(inject(req({ id: 'a' }), [rec('a', { status })]))).toBe('inject-duplicate-id');
  });
  test('I4 unknown and terminal-failed dependencies, in request order; done is fine', () => {
    const tasks = [rec('ok', { status: 'done' }), rec('bad', { status: 'failed' }), rec('skip', { status: 'skipped' })];
    expect(inject(req({ depends_on: ['ok', 'ghost', 'bad'] }), tasks).verdict).toMatchObject({ reason: 'inject-unknown-dependency', details: { dep: 'ghost' } });
    expect(inject(req({ depends_on: ['ok', 'bad', 'ghost'] }), tasks).verdict).toMatchObject({ reason: 'inject-dependency-terminal', details: { dep: 'bad', status: 'failed' } });
    expect(reasonOf(inject(req({ depends_on: ['skip'] }), tasks))).toBe('inject-dependency-terminal');
    expect(reasonOf(inject(req({ depends_on: ['ok'] }), tasks))).toBe('inject-inserted');
  });
  test('I5 invalid path, symlink escape', () => {
    expect(inject(req({ files: ['ok', 'a/../b', 'x*'] }), []).verdict).toMatchObject({ reason: 'inject-path-invalid', details: { path: 'a/../b', cause: 'path-traversal' } });
    expect(inject(req({ files: ['link/x'] }), [], { symlinkFindings: ['link/x'] }).verdict).toMatchObject({ reason: 'inject-symlink-escape', details: { paths: ['link/x'] } });
  });
  test('I6 a new cycle names the new task', () => {
    const r = inject(req({ id: 'n', depends_on: ['z'] }), [rec('z', { depends_on: ['n'] })]);
    expect(r.verdict).toEqual({ _tag: 'Rejected', reason: 'inject-cycle', reasons: ['inject-cycle'], details: { members: ['z', 'n'] } });
  });
  test('I7 phase boundary: equal to the dependency phase refused, one above accepted; 0 refused; derived otherwise', () => {
    const tasks = [rec('d', { phase: 3, status: 'done' })];
    expect(reasonOf(inject(req({ depends_on: ['d'], phase: 3 }), tasks))).toBe('inject-phase-invalid');
    expect(reasonOf(inject(req({ depends_on: ['d'], phase: 2 }), tasks))).toBe('inject-phase-invalid');
    expect(inject(req({ depends_on: ['d'], phase: 4 }), tasks).verdict).toMatchObject({ record: { phase: 4 } });
    expect(reasonOf(inject(req({ phase: 0 }), []))).toBe('inject-phase-invalid');
    expect(reasonOf(inject(req({ phase: 1.5 }), []))).toBe('inject-phase-invalid');
    expect(inject(req({ phase: 1 }), []).verdict).toMatchObject({ record: { phase: 1 } });
    expect(inject(req({ depends_on: ['d'] }), tasks).verdict).toMatchObject({ record: { phase: 4 } });
    expect(inject(req(), []).verdict).toMatchObject({ record: { phase: 1 } });
  });
  test('I8 record defaults and normalized files; effects InsertTask then info event', () => {
    const r = inject(req({ files: ['./src//a.ts', '\\lib\\'] }), [], { defaults: { on_exhausted: 'skip' } });
    expect(r.verdict._tag).toBe('Inserted');
    if (r.verdict._tag === 'Inserted') {
      expect(r.verdict.record).toEqual({
        id: 'n',
        prompt: 'do it',
        agent: 'developer',
        phase: 1,
        depends_on: [],
        files: ['src/a.ts', 'lib/'],
        timeout_ms: 1_800_000,
        max_retries: 1,
        on_exhausted: 'skip',
        injected: true,
        provenance: null,
        idempotency_key: null,
        status: 'pending',
        retries: 0,
        drift_retried: false,
        panel_blocks: 0,
        retry_note: null,
      });
      expect(r.effects).toEqual([
        { _tag: 'InsertTask', record: r.verdict.record },
        { _tag: 'EmitEvent', type: 'injection', severity: 'info', code: 'inject-inserted', taskId: 'n' },
      ]);
    }
    const full = inject(req({ timeout_ms: 5, max_retries: 3, on_exhausted: 'stop', provenance: 'agent:x', idempotency_key: 'k' }), [], { defaults: { on_exhausted: 'skip' } });
    expect(full.verdict).toMatchObject({ record: { timeout_ms: 5, max_retries: 3, on_exhausted: 'stop', provenance: 'agent:x', idempotency_key: 'k' } });
    expect(inject(req(), []).verdict).toMatchObject({ record: { on_exhausted: 'dlq' } });
  });
});

/** The rules PT-9 can break, in rule order, with how to break each. */
const BREAKERS = [
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
] as const;

const scenario = (broken: ReadonlySet<(typeof BREAKERS)[number]>, ci: boolean) => {
  const tasks: TaskRecord[] = [rec('base', { status: 'done' }), rec('busy', { status: 'running', files: ['src/api/'] })];
  const rq = { ...req({ id: 'n', files: ['lib/ok.ts'], depends_on: ['base'] }) } as { -readonly [K in keyof paths.InjectionRequest]: paths.InjectionRequest[K] };
  let symlinkFindings: string[] = [];
  const deps = ['base'];
  const files = ['lib/ok.ts'];
  if (broken.has('inject-limit')) for (let i = 0; i < 10; i++) tasks.push(rec(`inj${i}`, { injected: true, status: 'done' }));
  if (broken.has('inject-duplicate-id')) rq.id = 'base';
  if (broken.has('inject-unknown-dependency')) deps.push('ghost');
  if (broken.has('inject-dependency-terminal')) {
    tasks.push(rec('dead', { status: 'failed' }));
    deps.push('dead');
  }
  if (broken.has('inject-path-invalid')) files.push('a/../b');
  if (broken.has('inject-symlink-escape')) symlinkFindings = ['lib/ok.ts'];
  if (broken.has('inject-partition-overlap')) files.push('src/api/x.ts');
  if (broken.has('inject-existing-cycle')) tasks.push(rec('x', { depends_on: ['y'] }), rec('y', { depends_on: ['x'] }));
  if (broken.has('inject-cycle')) {
    tasks.push(rec('z', { depends_on: [rq.id] }));
    deps.push('z');
  }
  if (broken.has('inject-phase-invalid')) rq.phase = 0;
  rq.depends_on = deps;
  rq.files = files;
  return { request: rq as paths.InjectionRequest, tasks, defaults: {}, symlinkFindings, caseInsensitive: ci };
};

describe('injection properties (paths.md §8)', () => {
  test('PT-9 rule order: the reported code is the earliest broken rule', () => {
    fc.assert(
      fc.property(fc.subarray([...BREAKERS]), fc.boolean(), (sub, ci) => {
        const f = deepFreeze(scenario(new Set(sub), ci));
        const r = validateInjection(f);
        // With the duplicate id, the cycle breaker's edge points at the existing id, which keeps the rule broken.
        const expected = BREAKERS.find((b) => sub.includes(b)) ?? 'inject-inserted';
        expect(r.verdict.reason).toBe(expected);
      }),
      RUNS,
    );
  });
  test('PT-10 replays return the identical record whatever the other fields', () => {
    fc.assert(
      fc.property(fc.subarray([...BREAKERS]), fc.string(), fc.array(fc.string(), { maxLength: 3 }), (sub, prompt, files) => {
        const f = scenario(new Set(sub), false);
        const stored = rec('stored', { injected: true, idempotency_key: 'K', files: ['x/'] });
        const facts = deepFreeze({ ...f, tasks: [...f.tasks, stored], request: { ...f.request, prompt, files, idempotency_key: 'K' } });
        const r = validateInjection(facts);
        expect(r.verdict._tag).toBe('Existing');
        expect(r.verdict._tag === 'Existing' && r.verdict.record).toBe(stored);
      }),
      RUNS,
    );
  });
  test('PT-11 over any sequence of injections the injected count never exceeds 10', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(30), fc.option(fc.nat(5), { nil: undefined })), { maxLength: 25 }), (reqs) => {
        let tasks: TaskRecord[] = [rec('base', { status: 'done' })];
        for (const [n, key] of reqs) {
          const r = validateInjection(deepFreeze({ request: req({ id: `r${n}`, ...(key === undefined ? {} : { idempotency_key: `k${key}` }) }), tasks, defaults: {}, symlinkFindings: [], caseInsensitive: false }));
          if (r.verdict._tag === 'Inserted') tasks = [...tasks, r.verdict.record];
          expect(tasks.filter((t) => t.injected).length).toBeLessThanOrEqual(10);
        }
      }),
      RUNS,
    );
  });
  test('PT-12 accepted requests: acyclic, no live overlap, fixed-point files, live or done dependencies', () => {
    const statuses = ['pending', 'running', 'assigned', 'done', 'failed', 'skipped'] as const;
    fc.assert(
      fc.property(
        arbDag({ maxNodes: 6, cycles: true }).chain((dag) =>
          fc.tuple(
            fc.constant(dag),
            fc.array(fc.tuple(fc.constantFrom(...statuses), fc.array(arbPoolPath, { maxLength: 2 })), { minLength: dag.length, maxLength: dag.length }),
            fc.subarray(dag.map((d) => d.id)),
            fc.array(fc.oneof(arbPoolPath, arbPath), { maxLength: 3 }),
            fc.boolean(),
          ),
        ),
        ([dag, attrs, deps, files, ci]) => {
          const tasks = dag.map((n, i) => rec(n.id, { depends_on: [...n.deps], status: (attrs[i] as [paths.TaskRecord['status'], string[]])[0], files: (attrs[i] as [unknown, string[]])[1].map((p) => renderPath(norm(p))) }));
          const r = validateInjection(deepFreeze({ request: req({ id: 'new', depends_on: deps, files }), tasks, defaults: {}, symlinkFindings: [], caseInsensitive: ci }));
          if (r.verdict._tag !== 'Inserted') return;
          const rec2 = r.verdict.record;
          expect(hasCycle([...tasks.map((t) => ({ id: t.id, deps: t.depends_on })), { id: rec2.id, deps: rec2.depends_on }])).toBe(false);
          for (const t of tasks.filter((x) => ['pending', 'assigned', 'running'].includes(x.status)))
            for (const p of t.files) for (const q of rec2.files) expect(pathsOverlap(norm(p), norm(q), ci)).toBe(false);
          for (const f of rec2.files) expect(renderPath(norm(f))).toBe(f);
          for (const d of rec2.depends_on) {
            const dep = tasks.find((t) => t.id === d);
            expect(dep).toBeDefined();
            expect(['pending', 'assigned', 'running', 'done']).toContain(dep?.status);
          }
        },
      ),
      RUNS,
    );
  });
  test('PT-13 an existing cycle the new edges are not part of yields inject-existing-cycle, never inject-cycle', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.boolean(), (k, dependOnCycle) => {
        const ring = Array.from({ length: k }, (_, i) => rec(`c${i}`, { depends_on: [`c${(i + 1) % k}`] }));
        const r = validateInjection(deepFreeze({ request: req({ depends_on: dependOnCycle ? ['c0'] : [] }), tasks: ring, defaults: {}, symlinkFindings: [], caseInsensitive: false }));
        expect(r.verdict).toEqual({ _tag: 'Rejected', reason: 'inject-existing-cycle', reasons: ['inject-existing-cycle'], details: { members: ring.map((t) => t.id) } });
      }),
      RUNS,
    );
  });
});

describe('probe answers to facts (paths.md §3, paths.md §6)', () => {
  test('caseInsensitiveOf fails closed: only NotFound means case-sensitive', () => {
    fc.assert(
      fc.property(fc.oneof(fc.constant({ _tag: 'Found' as const }), fc.constant({ _tag: 'NotFound' as const }), fc.string().map((detail) => ({ _tag: 'Failed' as const, detail }))), (p) => {
        expect(paths.caseInsensitiveOf(p)).toBe(p._tag !== 'NotFound');
      }),
    );
  });
  test('symlinkFindingsOf keeps escapes and unresolved paths (fail closed), in scan order, each once; inside never', () => {
    const entry = fc.oneof(
      fc.constantFrom('a', 'b/c', 'd/').map((path) => ({ path, outcome: 'inside' as const })),
      fc.constantFrom('a', 'x/y', 'z').map((path) => ({ path, outcome: 'escapes' as const, via: path })),
      fc.constantFrom('a', 'loop').map((path) => ({ path, outcome: 'unresolved' as const, detail: 'ELOOP' })),
    );
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 12 }), (es) => {
        const f = paths.symlinkFindingsOf(es);
        expect(f).toEqual([...new Set(es.filter((e) => e.outcome !== 'inside').map((e) => e.path))]);
      }),
    );
  });
});

// ───────────────────────────────────────── exact outputs (mutation testing, testing.md §3) ─────────────────────────────────────────

describe('samePath and segmentKey (paths.md §1, paths.md §2)', () => {
  test('samePath is structural equality: tag, segments and directory flag; for normalized paths it equals equal rendering', () => {
    expect(paths.samePath(paths.ROOT, paths.ROOT)).toBe(true);
    expect(paths.samePath(paths.ROOT, norm('a'))).toBe(false);
    expect(paths.samePath(norm('a'), paths.ROOT)).toBe(false);
    expect(paths.samePath(norm('a/b'), norm('./a//b'))).toBe(true);
    expect(paths.samePath(norm('a/b/'), norm('a/b'))).toBe(false);
    expect(paths.samePath(norm('a/b'), norm('a/b/'))).toBe(false);
    expect(paths.samePath(norm('a'), norm('a/b'))).toBe(false);
    expect(paths.samePath(norm('a/b'), norm('a'))).toBe(false);
    expect(paths.samePath(norm('a/b'), norm('a/c'))).toBe(false);
    expect(paths.samePath(norm('x/b'), norm('a/b'))).toBe(false);
    expect(paths.samePath(norm('A'), norm('a'))).toBe(false);
    fc.assert(
      fc.property(arbNormPath, arbNormPath, (a, b) => {
        expect(paths.samePath(deepFreeze(a), deepFreeze(b))).toBe(renderPath(a) === renderPath(b));
      }),
      RUNS,
    );
  });
  test('segmentKey: NFC always, lower case only when case-insensitive', () => {
    expect(paths.segmentKey('Cafe\u0301', false)).toBe('Caf\u00e9');
    expect(paths.segmentKey('Cafe\u0301', true)).toBe('caf\u00e9');
    expect(paths.segmentKey('ÄB', true)).toBe('äb');
  });
});

describe('findCycles (paths.md §4 V2, paths.md §6 I6)', () => {
  const graph = (g: Record<string, string[]>) => (n: string) => g[n] ?? [];
  test('members in node order, cycles ordered by their first member, whatever the order Tarjan closes them', () => {
    // From a, the search closes {c, d} before {a, b}.
    expect(paths.findCycles(['a', 'b', 'c', 'd'], graph({ a: ['b', 'c'], b: ['a'], c: ['d'], d: ['c'] }))).toEqual([
      ['a', 'b'],
      ['c', 'd'],
    ]);
    expect(paths.findCycles(['d', 'c', 'b', 'a'], graph({ a: ['b'], b: ['a'], c: ['d'], d: ['c'] }))).toEqual([
      ['d', 'c'],
      ['b', 'a'],
    ]);
  });
  test('a self edge is a cycle of one, reported once even when reached from an earlier root; other single nodes are not', () => {
    expect(paths.findCycles(['a', 'b'], graph({ a: ['b'], b: ['b'] }))).toEqual([['b']]);
    expect(paths.findCycles(['a', 'b', 'c'], graph({ a: ['b'], b: ['c'] }))).toEqual([]);
  });
  test('a node reached twice inside one component, and targets outside the node list, change nothing', () => {
    expect(paths.findCycles(['a', 'b', 'c'], graph({ a: ['b', 'c', 'ghost'], b: ['c'], c: ['a'] }))).toEqual([['a', 'b', 'c']]);
    expect(paths.findCycles(['a'], graph({ a: ['ghost'], ghost: ['a'] }))).toEqual([]);
  });
  test('the edges of each node are asked once, and of no other node (linear in nodes + edges)', () => {
    const g: Record<string, string[]> = { a: ['b', 'c'], b: ['a', 'c'], c: ['c', 'ghost'], d: [] };
    const asked: unknown[] = [];
    const r = paths.findCycles(['a', 'b', 'c', 'd'], (n) => (asked.push(n), g[n] as string[]));
    expect(r).toEqual([['a', 'b'], ['c']]);
    expect(asked).toEqual(['a', 'b', 'c', 'd']);
  });
});

describe('plan messages (paths.md §4, paths.md §9)', () => {
  const { planErrorMessage, noticeMessage, safePath } = paths;
  test('every error kind has its fixed template, each path cause its text', () => {
    expect(planErrorMessage({ _tag: 'PathInvalid', reason: 'plan-path-invalid', taskId: 'a', path: 'src/*.ts', cause: 'path-glob' })).toBe(
      'Task a: invalid path "src/*.ts": glob characters (* or ?) are not allowed',
    );
    expect(planErrorMessage({ _tag: 'PathInvalid', reason: 'plan-path-invalid', taskId: 'a', path: '../x', cause: 'path-traversal' })).toBe(
      'Task a: invalid path "../x": a .. segment is not allowed',
    );
    expect(planErrorMessage({ _tag: 'PathInvalid', reason: 'plan-path-invalid', taskId: 'b', path: 'C:/y', cause: 'path-drive' })).toBe(
      'Task b: invalid path "C:/y": drive-letter paths are not allowed',
    );
    expect(planErrorMessage({ _tag: 'DuplicateTask', reason: 'plan-duplicate-task', taskId: 'a' })).toBe('Task id a is used more than once');
    expect(planErrorMessage({ _tag: 'UnknownDependency', reason: 'plan-unknown-dependency', taskId: 'a', dep: 'zz' })).toBe('Task a depends on unknown task zz');
    expect(planErrorMessage({ _tag: 'Cycle', reason: 'plan-cycle', members: ['a', 'b', 'c'] })).toBe('Dependency cycle among tasks a, b, c');
    expect(planErrorMessage({ _tag: 'Conflict', reason: 'partition-conflict', phaseNumber: 3, taskA: 'a', taskB: 'b', overlapping: ['src/', 'lib/x.ts'] })).toBe(
      'Phase 3: tasks a and b both claim src/, lib/x.ts',
    );
    expect(noticeMessage({ reason: 'partition-serialised', taskA: 'a', phaseA: 1, taskB: 'c', phaseB: 2, overlapping: ['src/', 'x'] })).toBe(
      'Phases 1 and 2: tasks a and c both claim src/, x; they will not run at the same time',
    );
  });
  test('ids keep only [A-Za-z0-9_.-], at most 128, else "unknown"; paths have controls replaced and are cut to 200', () => {
    expect(planErrorMessage({ _tag: 'DuplicateTask', reason: 'plan-duplicate-task', taskId: 'a b/c\n' })).toBe('Task id abc is used more than once');
    expect(planErrorMessage({ _tag: 'UnknownDependency', reason: 'plan-unknown-dependency', taskId: '', dep: 'é' })).toBe('Task unknown depends on unknown task unknown');
    expect(planErrorMessage({ _tag: 'Cycle', reason: 'plan-cycle', members: ['x'.repeat(130), '\u0007'] })).toBe(`Dependency cycle among tasks ${'x'.repeat(128)}, unknown`);
    expect(planErrorMessage({ _tag: 'Conflict', reason: 'partition-conflict', phaseNumber: 1, taskA: 'a;', taskB: '$b', overlapping: ['s\u0000c/', 'd\u001b'] })).toBe(
      'Phase 1: tasks a and b both claim s?c/, d?',
    );
    expect(noticeMessage({ reason: 'partition-serialised', taskA: '', phaseA: 2, taskB: 'c!', phaseB: 4, overlapping: ['x\u007f'] })).toBe(
      'Phases 2 and 4: tasks unknown and c both claim x?; they will not run at the same time',
    );
    expect(planErrorMessage({ _tag: 'PathInvalid', reason: 'plan-path-invalid', taskId: 'a', path: '*\r\n', cause: 'path-glob' })).toBe(
      'Task a: invalid path "*??": glob characters (* or ?) are not allowed',
    );
    // The control ranges at their edges: U+001F, U+007F and U+009F replaced; space, ~ and U+00A0 kept.
    expect(safePath('\u001f \u007e\u007f\u0080\u009f\u00a0')).toBe('? \u007e???\u00a0');
    expect(safePath('y'.repeat(201))).toBe('y'.repeat(200));
    expect(safePath('y'.repeat(200))).toBe('y'.repeat(200));
  });
});

describe('validateFilePartitions exact verdicts (paths.md §4)', () => {
  test('V1 every error whole, path and cause, in plan order; it wins over duplicates and unknown dependencies', () => {
    const r = validateFilePartitions(
      deepFreeze([
        { id: 'a', files: ['src/*.ts', 'ok.ts'] },
        { id: 'a', files: ['../x'], depends_on: ['ghost'] },
        { id: 'b', files: ['C:/y'] },
      ]),
      false,
    );
    expect(r).toEqual(
      E.left({
        errors: [
          { _tag: 'PathInvalid', reason: 'plan-path-invalid', taskId: 'a', path: 'src/*.ts', cause: 'path-glob' },
          { _tag: 'PathInvalid', reason: 'plan-path-invalid', taskId: 'a', path: '../x', cause: 'path-traversal' },
          { _tag: 'PathInvalid', reason: 'plan-path-invalid', taskId: 'b', path: 'C:/y', cause: 'path-drive' },
        ],
      }),
    );
  });
  test('duplicate ids: each repeated id once, in the order of its second use; before unknown dependencies', () => {
    const r = validateFilePartitions(deepFreeze([{ id: 'a' }, { id: 'b' }, { id: 'b', depends_on: ['ghost'] }, { id: 'a' }, { id: 'b' }, { id: 'c' }]), false);
    expect(r).toEqual(
      E.left({
        errors: [
          { _tag: 'DuplicateTask', reason: 'plan-duplicate-task', taskId: 'b' },
          { _tag: 'DuplicateTask', reason: 'plan-duplicate-task', taskId: 'a' },
        ],
      }),
    );
  });
  test('V2 every unknown dependency, in plan order, each once per task even when named by depends_on and inputs; before cycles', () => {
    const r = validateFilePartitions(
      deepFreeze([
        { id: 'a', depends_on: ['x', 'y', 'a'], inputs: [{ from: 'x' }] },
        { id: 'b', inputs: [{ from: 'z' }, { from: 'a' }], depends_on: ['b'] },
      ]),
      false,
    );
    expect(r).toEqual(
      E.left({
        errors: [
          { _tag: 'UnknownDependency', reason: 'plan-unknown-dependency', taskId: 'a', dep: 'x' },
          { _tag: 'UnknownDependency', reason: 'plan-unknown-dependency', taskId: 'a', dep: 'y' },
          { _tag: 'UnknownDependency', reason: 'plan-unknown-dependency', taskId: 'b', dep: 'z' },
        ],
      }),
    );
  });
  test('V2 phases: plan order inside a phase, a task listed before its dependency, a dependency named twice, a diamond', () => {
    const r = validateFilePartitions(
      deepFreeze([
        { id: 'd', depends_on: ['b', 'c'] },
        { id: 'c', depends_on: ['a'], inputs: [{ from: 'a' }] },
        { id: 'b', depends_on: ['a'] },
        { id: 'e', depends_on: ['a', 'd', 'c'] },
        { id: 'a' },
        { id: 'f' },
      ]),
      false,
    );
    expect(r).toEqual(
      E.right({
        phases: [
          { phase: 1, taskIds: ['a', 'f'] },
          { phase: 2, taskIds: ['c', 'b'] },
          { phase: 3, taskIds: ['d'] },
          { phase: 4, taskIds: ['e'] },
        ],
        notices: [],
      }),
    );
    expect(validateFilePartitions([], false)).toEqual(E.right({ phases: [], notices: [] }));
  });
  test('V2 layering visits each task once: 40 diamond layers (2^40 dependency paths) validate at once', () => {
    // Layer k holds l<k>a and l<k>b, each depending on both tasks of layer k − 1. Re-queuing a task per incoming
    // edge, or walking ancestors without remembering the visited ones, would follow every path and never finish.
    const plan = [{ id: 'l0a' }, { id: 'l0b' }];
    for (let k = 1; k <= 40; k++) for (const x of ['a', 'b']) plan.push({ id: `l${k}${x}`, depends_on: [`l${k - 1}a`, `l${k - 1}b`] } as { id: string });
    const r = validateFilePartitions(deepFreeze(plan), false);
    expect(r).toEqual(E.right({ phases: Array.from({ length: 41 }, (_, k) => ({ phase: k + 1, taskIds: [`l${k}a`, `l${k}b`] })), notices: [] }));
  });
  test('V3 every same-phase conflict, pair by pair in plan order; A\'s files once each, in A\'s order', () => {
    const r = validateFilePartitions(
      deepFreeze([
        { id: 'a', files: ['src/x.ts', './src/x.ts', 'lib/', 'docs/'] },
        { id: 'b', files: ['lib/y.ts', 'src/'] },
        { id: 'c', files: [] },
        { id: 'd', files: ['docs/readme.md', 'src/x.ts/'] },
      ]),
      false,
    );
    expect(r).toEqual(
      E.left({
        errors: [
          { _tag: 'Conflict', reason: 'partition-conflict', phaseNumber: 1, taskA: 'a', taskB: 'b', overlapping: ['src/x.ts', 'lib/'] },
          { _tag: 'Conflict', reason: 'partition-conflict', phaseNumber: 1, taskA: 'a', taskB: 'd', overlapping: ['src/x.ts', 'docs/'] },
          { _tag: 'Conflict', reason: 'partition-conflict', phaseNumber: 1, taskA: 'b', taskB: 'd', overlapping: ['src/'] },
        ],
      }),
    );
  });
  test('V3 different phases never conflict; V4 pairs ordered through a chain, in either plan order, give no notice', () => {
    const chain = validateFilePartitions(
      deepFreeze([
        { id: 'c', files: ['src/x.ts'], depends_on: ['b'] },
        { id: 'b', depends_on: ['a'] },
        { id: 'a', files: ['src/'] },
      ]),
      false,
    );
    expect(chain).toEqual(
      E.right({
        phases: [
          { phase: 1, taskIds: ['a'] },
          { phase: 2, taskIds: ['b'] },
          { phase: 3, taskIds: ['c'] },
        ],
        notices: [],
      }),
    );
    const forward = validateFilePartitions(deepFreeze([{ id: 'a', files: ['src/'] }, { id: 'b', depends_on: ['a'] }, { id: 'c', files: ['src/x.ts'], depends_on: ['b'] }]), false);
    expect(E.isRight(forward) && forward.right.notices).toEqual([]);
  });
  test('V4 notices: every unordered overlapping pair in plan order, with both phases; the case fact applies', () => {
    const plan = deepFreeze([
      { id: 'a', files: ['Src/'] },
      { id: 'b', files: ['lib/'] },
      { id: 'p' },
      { id: 'c', files: ['src/x.ts', 'lib/z'], depends_on: ['p'] },
      { id: 'q', depends_on: ['c'] },
      { id: 'd', files: ['lib/'], depends_on: ['q'] },
    ]);
    expect(validateFilePartitions(plan, true)).toEqual(
      E.right({
        phases: [
          { phase: 1, taskIds: ['a', 'b', 'p'] },
          { phase: 2, taskIds: ['c'] },
          { phase: 3, taskIds: ['q'] },
          { phase: 4, taskIds: ['d'] },
        ],
        notices: [
          { reason: 'partition-serialised', taskA: 'a', phaseA: 1, taskB: 'c', phaseB: 2, overlapping: ['Src/'] },
          { reason: 'partition-serialised', taskA: 'b', phaseA: 1, taskB: 'c', phaseB: 2, overlapping: ['lib/'] },
          { reason: 'partition-serialised', taskA: 'b', phaseA: 1, taskB: 'd', phaseB: 4, overlapping: ['lib/'] },
        ],
      }),
    );
    const cs = validateFilePartitions(plan, false);
    expect(E.isRight(cs) && cs.right.notices.map((n) => [n.taskA, n.taskB])).toEqual([
      ['b', 'c'],
      ['b', 'd'],
    ]);
  });
});

describe('admitByPartition exact results (paths.md §5)', () => {
  const T = (taskId: string, ...fs: string[]) => ({ taskId, files: fs.map(norm) });
  const cands = [T('a', 'a/'), T('b', 'b/'), T('c', 'c/')];
  const admit = (freeSlots: number) => admitByPartition(deepFreeze({ candidates: cands, live: [], freeSlots, caseInsensitive: false })).admitted;
  test('AD1 freeSlots floored at 0: fractions round down, negatives and non-numbers admit nothing', () => {
    expect(admit(2.9)).toEqual(['a', 'b']);
    expect(admit(0.5)).toEqual([]);
    expect(admit(-1)).toEqual([]);
    expect(admit(Number.NaN)).toEqual([]);
    expect(admit(Number.NEGATIVE_INFINITY)).toEqual([]);
  });
  test('AD2 a file-less candidate takes a slot; the walk then stops before the next candidate', () => {
    const r = admitByPartition(deepFreeze({ candidates: [T('a'), T('b', 'x'), T('c')], live: [T('l', 'x')], freeSlots: 1, caseInsensitive: false }));
    expect(r).toEqual({ admitted: ['a'], deferred: [], effects: [] });
  });
  test('AD3 blockedBy: live tasks first (their order), then tasks admitted in this call; each id once', () => {
    const r = admitByPartition(
      deepFreeze({
        candidates: [T('a', 'src/a.ts'), T('b', 'src/b.ts'), T('c', 'src/')],
        live: [T('l2', 'src/z/'), T('k', 'lib/'), T('l1', 'src/y.ts'), T('l2', 'src/w')],
        freeSlots: 5,
        caseInsensitive: false,
      }),
    );
    expect(r).toEqual({
      admitted: ['a', 'b'],
      deferred: [{ taskId: 'c', blockedBy: ['l2', 'l1', 'a', 'b'] }],
      effects: [{ _tag: 'EmitEvent', type: 'partition', severity: 'info', code: 'partition-deferred', taskId: 'c', data: { blockedBy: ['l2', 'l1', 'a', 'b'] } }],
    });
  });
  test('AD3 any of the candidate\'s files against any of the other\'s, under the case fact', () => {
    const facts = (caseInsensitive: boolean) => deepFreeze({ candidates: [T('c', 'docs/', 'Src/A.ts')], live: [T('l', 'lib/', 'src/a.ts')], freeSlots: 1, caseInsensitive });
    expect(admitByPartition(facts(true))).toMatchObject({ admitted: [], deferred: [{ taskId: 'c', blockedBy: ['l'] }] });
    expect(admitByPartition(facts(false))).toEqual({ admitted: ['c'], deferred: [], effects: [] });
  });
});

describe('validateInjection exact verdicts (paths.md §6)', () => {
  test('I1 a key that matches no task goes on to the other rules; a key is stored', () => {
    const r = inject(req({ idempotency_key: 'k2' }), [rec('old', { injected: true, idempotency_key: 'k1' })]);
    expect(r.verdict).toMatchObject({ _tag: 'Inserted', record: { id: 'n', idempotency_key: 'k2' } });
  });
  test('I2 the refusal whole: details, warn event with the details, only tasks flagged injected count', () => {
    const tasks = [...Array.from({ length: 10 }, (_, i) => rec(`i${i}`, { injected: true, status: 'done' })), rec('plain')];
    const r = inject(req(), tasks);
    expect(r).toEqual({
      verdict: { _tag: 'Rejected', reason: 'inject-limit', reasons: ['inject-limit'], details: { injected: 10, limit: 10 } },
      effects: [{ _tag: 'EmitEvent', type: 'injection', severity: 'warn', code: 'inject-limit', taskId: 'n', data: { injected: 10, limit: 10 } }],
    });
    expect(reasonOf(inject(req(), [...tasks.slice(1), ...Array.from({ length: 5 }, (_, i) => rec(`p${i}`))]))).toBe('inject-inserted');
  });
  test('I3 details name the id; the event\'s task id keeps only [A-Za-z0-9_.-], else "unknown"', () => {
    expect(inject(req({ id: 'a' }), [rec('a')])).toEqual({
      verdict: { _tag: 'Rejected', reason: 'inject-duplicate-id', reasons: ['inject-duplicate-id'], details: { id: 'a' } },
      effects: [{ _tag: 'EmitEvent', type: 'injection', severity: 'warn', code: 'inject-duplicate-id', taskId: 'a', data: { id: 'a' } }],
    });
    expect(inject(req({ id: 'n x\n', depends_on: ['ghost'] }), []).effects).toEqual([
      { _tag: 'EmitEvent', type: 'injection', severity: 'warn', code: 'inject-unknown-dependency', taskId: 'nx', data: { dep: 'ghost' } },
    ]);
    expect(inject(req({ id: '', depends_on: ['ghost'] }), []).effects[0]).toMatchObject({ taskId: 'unknown' });
  });
  test('I4 a store holding one id twice: the first record decides', () => {
    const r = inject(req({ depends_on: ['d'] }), [rec('d', { status: 'failed' }), rec('d', { status: 'done' })]);
    expect(r.verdict).toEqual({ _tag: 'Rejected', reason: 'inject-dependency-terminal', reasons: ['inject-dependency-terminal'], details: { dep: 'd', status: 'failed' } });
    const ok = inject(req({ depends_on: ['d'] }), [rec('d', { status: 'done', phase: 2 }), rec('d', { status: 'failed', phase: 7 })]);
    expect(ok.verdict).toMatchObject({ _tag: 'Inserted', record: { phase: 3 } });
  });
  test('I5.1 the bad path is quoted cut to 256 characters, with its cause', () => {
    const long = 'C:/' + 'x'.repeat(300);
    expect(inject(req({ files: [long] }), []).verdict).toEqual({
      _tag: 'Rejected',
      reason: 'inject-path-invalid',
      reasons: ['inject-path-invalid'],
      details: { path: long.slice(0, 256), cause: 'path-drive' },
    });
    expect(inject(req({ files: ['x?'] }), []).verdict).toMatchObject({ details: { path: 'x?', cause: 'path-glob' } });
  });
  test('I5.2 every finding listed, as a copy', () => {
    const findings = ['a', 'b/c'];
    const r = inject(req({ files: ['a', 'b/c'] }), [], { symlinkFindings: findings });
    expect(r.verdict).toEqual({ _tag: 'Rejected', reason: 'inject-symlink-escape', reasons: ['inject-symlink-escape'], details: { paths: ['a', 'b/c'] } });
    expect(r.verdict._tag === 'Rejected' && r.verdict.details.paths).not.toBe(findings);
  });
  test('I5.3 a stored file entry that no longer normalizes is the whole tree; only live tasks count; the case fact applies', () => {
    const tasks = [rec('odd', { status: 'assigned', files: ['a/../b'] }), rec('gone', { status: 'skipped', files: ['.'] }), rec('cased', { status: 'pending', files: ['Lib/'] })];
    expect(inject(req({ files: ['zzz', 'lib/x'] }), tasks).verdict).toEqual({
      _tag: 'Rejected',
      reason: 'inject-partition-overlap',
      reasons: ['inject-partition-overlap'],
      details: { conflicts: [{ taskId: 'odd', paths: ['zzz', 'lib/x'] }] },
    });
    expect(inject(req({ files: ['lib/x'] }), tasks, { caseInsensitive: true }).verdict).toMatchObject({
      details: {
        conflicts: [
          { taskId: 'odd', paths: ['lib/x'] },
          { taskId: 'cased', paths: ['lib/x'] },
        ],
      },
    });
    expect(reasonOf(inject(req({ files: ['lib/x'] }), tasks.slice(1)))).toBe('inject-inserted');
  });
  test('I6 the first existing cycle is named; the new task\'s cycle with every member in store order, the new id last', () => {
    const two = [rec('x', { depends_on: ['y'] }), rec('y', { depends_on: ['x'] }), rec('p', { depends_on: ['q'] }), rec('q', { depends_on: ['p'] })];
    expect(inject(req(), two.slice(2).concat(two.slice(0, 2))).verdict).toMatchObject({ reason: 'inject-existing-cycle', details: { members: ['p', 'q'] } });
    const r = inject(req({ id: 'n', depends_on: ['c'] }), [rec('a', { depends_on: ['n'] }), rec('b', { depends_on: ['a'] }), rec('c', { depends_on: ['b'] }), rec('o')]);
    expect(r).toEqual({
      verdict: { _tag: 'Rejected', reason: 'inject-cycle', reasons: ['inject-cycle'], details: { members: ['a', 'b', 'c', 'n'] } },
      effects: [{ _tag: 'EmitEvent', type: 'injection', severity: 'warn', code: 'inject-cycle', taskId: 'n', data: { members: ['a', 'b', 'c', 'n'] } }],
    });
    // Edges of stored tasks towards the requested id alone make no cycle.
    expect(reasonOf(inject(req({ id: 'n' }), [rec('a', { depends_on: ['n'] })]))).toBe('inject-inserted');
  });
  test('I7 the minimum is 1 + the largest dependency phase; the refusal names the phase and the minimum', () => {
    const tasks = [rec('hi', { phase: 5, status: 'done' }), rec('lo', { phase: 2, status: 'running' })];
    expect(inject(req({ depends_on: ['hi', 'lo'], phase: 5 }), tasks).verdict).toEqual({
      _tag: 'Rejected',
      reason: 'inject-phase-invalid',
      reasons: ['inject-phase-invalid'],
      details: { phase: 5, minimum: 6 },
    });
    expect(inject(req({ depends_on: ['lo', 'hi'] }), tasks).verdict).toMatchObject({ record: { phase: 6, depends_on: ['lo', 'hi'] } });
    expect(inject(req({ depends_on: ['lo'], phase: 9 }), tasks).verdict).toMatchObject({ record: { phase: 9 } });
    expect(inject(req({ phase: 2 ** 53 }), []).verdict).toMatchObject({ reason: 'inject-phase-invalid', details: { phase: 2 ** 53, minimum: 1 } });
    expect(inject(req({ phase: Number.NaN }), []).verdict).toMatchObject({ reason: 'inject-phase-invalid', details: { minimum: 1 } });
    expect(inject(req({ phase: -3 }), []).verdict).toMatchObject({ reason: 'inject-phase-invalid', details: { phase: -3, minimum: 1 } });
  });
  test('I8 the record\'s lists are copies of the request\'s', () => {
    const rq = req({ depends_on: [] });
    const r = inject(rq, []);
    expect(r.verdict._tag === 'Inserted' && r.verdict.record.depends_on).not.toBe(rq.depends_on);
  });
});
