/** Shared diff arbitraries (convoy.md §8 `arbDiffModel`): files and hunks, rendered to unified-diff text. */
import fc from 'fast-check';

export type DiffLine = { readonly kind: '-' | '+' | ' '; readonly content: string; readonly noNewline: boolean };
export interface Hunk {
  readonly oldStart: number;
  readonly newStart: number;
  readonly lines: ReadonlyArray<DiffLine>;
  readonly omitOne: boolean;
  readonly emptyContext: boolean;
}
export type DiffFile = { readonly _tag: 'Text'; readonly name: string; readonly hunks: ReadonlyArray<Hunk> } | { readonly _tag: 'Binary'; readonly name: string };
export interface DiffModel {
  readonly files: ReadonlyArray<DiffFile>;
  /** Render with `diff --git` lines (git) or without (plain `diff -u`, no binary sections). */
  readonly git: boolean;
  readonly crlf: boolean;
}

const arbContent = fc.oneof(
  fc.constantFrom('-', '--', '---', '+', '++', '+++', '\\', '', '-- drop column', '++i;', '--- a/x', '+++ b/x', '@@ -1 +1 @@', 'diff --git a/x b/x', 'index 0..1', ' lead'),
  fc.string({ maxLength: 12 }).map((s) => s.replace(/[\r\n]/g, '')),
);

const arbHunk: fc.Arbitrary<Hunk> = fc
  .record({
    oldStart: fc.nat(500),
    newStart: fc.nat(500),
    lines: fc.array(fc.record({ kind: fc.constantFrom('-', '+', ' ') as fc.Arbitrary<'-' | '+' | ' '>, content: arbContent, noNewline: fc.boolean() }), { minLength: 1, maxLength: 8 }),
    omitOne: fc.boolean(),
    emptyContext: fc.boolean(),
  })
  // the "\ No newline" marker is only allowed after the last line of a hunk
  .map((h) => ({ ...h, lines: h.lines.map((l, i) => ({ ...l, noNewline: l.noNewline && i === h.lines.length - 1 })) }));

export const arbDiffModel: fc.Arbitrary<DiffModel> = fc.record({
  files: fc.array(
    fc.oneof(
      { weight: 5, arbitrary: fc.record({ _tag: fc.constant('Text' as const), name: fc.constantFrom('a.ts', 'src/b.ts', 'docs/c.md'), hunks: fc.array(arbHunk, { minLength: 1, maxLength: 3 }) }) },
      { weight: 1, arbitrary: fc.record({ _tag: fc.constant('Binary' as const), name: fc.constantFrom('img.png', 'bin/x') }) },
    ),
    { maxLength: 6 },
  ),
  git: fc.boolean(),
  crlf: fc.boolean(),
});

const range = (start: number, n: number, omitOne: boolean) => (n === 1 && omitOne ? `${start}` : `${start},${n}`);

/** Render a hunk: header plus body lines. */
export const renderHunk = (h: Hunk): string[] => {
  const oldN = h.lines.filter((l) => l.kind !== '+').length;
  const newN = h.lines.filter((l) => l.kind !== '-').length;
  const out = [`@@ -${range(h.oldStart, oldN, h.omitOne)} +${range(h.newStart, newN, h.omitOne)} @@ fn()`];
  for (const l of h.lines) {
    out.push(l.kind === ' ' && l.content === '' && h.emptyContext ? '' : l.kind + l.content);
    if (l.noNewline) out.push('\\ No newline at end of file');
  }
  return out;
};

export const renderDiff = (m: DiffModel): string => {
  const lines: string[] = [];
  for (const f of m.files) {
    if (f._tag === 'Binary') {
      if (!m.git) continue;
      lines.push(`diff --git a/${f.name} b/${f.name}`, 'index 0000000..1111111 100644', `Binary files a/${f.name} and b/${f.name} differ`);
      continue;
    }
    if (m.git) lines.push(`diff --git a/${f.name} b/${f.name}`, 'index 0000000..1111111 100644');
    lines.push(`--- a/${f.name}`, `+++ b/${f.name}`);
    for (const h of f.hunks) lines.push(...renderHunk(h));
  }
  const eol = m.crlf ? '\r\n' : '\n';
  return lines.length === 0 ? '' : lines.join(eol) + eol;
};

/** The model's own counts. */
export const modelCounts = (m: DiffModel) => {
  const files = m.files.filter((f) => m.git || f._tag === 'Text');
  let added = 0;
  let removed = 0;
  for (const f of files) if (f._tag === 'Text') for (const h of f.hunks) for (const l of h.lines) l.kind === '+' ? added++ : l.kind === '-' ? removed++ : 0;
  return { files: files.length, added, removed, linesChanged: added + removed };
};
