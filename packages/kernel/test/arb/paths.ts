/** Shared path arbitraries (convoy.md §8 `arbSegment`, `arbPath`). */
import fc from 'fast-check';
import * as E from 'fp-ts/Either';
import { paths } from '@arbiter/kernel';

/** Short segments from a small alphabet with `.`, `..`, `...`, `*`, `?`, `\`, `:`, '' and case/NFC pairs. */
export const arbSegment = fc.oneof(
  fc.constantFrom('.', '..', '...', '*', '?', '\\', ':', '', 'a', 'A', 'b', 'B', 'src', 'Src', 'auth', 'AUTH', 'x.ts', 'X.TS', '..foo', 'é', 'e\u0301', 'C:', 'ab:'),
  fc.string({ unit: fc.constantFrom('a', 'B', '.', '-', '_', 'é', 'e\u0301', '1'), minLength: 1, maxLength: 4 }),
);

/** Separators and segments joined. */
export const arbPath = fc
  .tuple(fc.array(fc.tuple(arbSegment, fc.constantFrom('/', '\\', '//', '/./')), { maxLength: 5 }), fc.boolean(), fc.boolean())
  .map(([parts, lead, trail]) => (lead ? '/' : '') + parts.map(([s, sep], i) => (i === parts.length - 1 ? s : s + sep)).join('') + (trail ? '/' : ''));

/** Segments that normalize cleanly (no glob, no `..`, no drive). */
export const arbCleanSegment = fc.constantFrom('a', 'A', 'b', 'B', 'src', 'Src', 'auth', 'AUTH', 'x.ts', 'X.TS', '..foo', '...', 'é', 'e\u0301', 'ab:');

/** A valid `NormPath` (Root sometimes). */
export const arbNormPath: fc.Arbitrary<paths.NormPath> = fc.oneof(
  { weight: 1, arbitrary: fc.constant(paths.ROOT) },
  {
    weight: 6,
    arbitrary: fc.tuple(fc.array(arbCleanSegment, { minLength: 1, maxLength: 4 }), fc.boolean()).map(([segs, dir]) => {
      const r = paths.normalizePath(segs.join('/') + (dir ? '/' : ''));
      if (E.isLeft(r)) throw new Error('arbNormPath produced an invalid path');
      return r.right;
    }),
  },
);

/** A rendered path from a small pool, so that overlaps are frequent. */
export const arbPoolPath = fc.constantFrom('src/', 'src/a.ts', 'src/b.ts', 'lib/', 'lib/x.ts', 'docs/readme.md', 'SRC/A.TS', 'test/a.test.ts', '.');
