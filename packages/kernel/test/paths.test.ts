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
