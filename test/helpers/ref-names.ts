/**
 * Generated git ref names (push-gate.md §3.2 N5): a fast-check arbitrary of names that `git check-ref-format`
 * accepts, and the predicate it is filtered by, written from git's rules (git-check-ref-format(1); refs.c
 * `check_refname_component`). `test/lane-names.test.ts` cross-checks the predicate against the real git on a sample,
 * both ways, so the arbitrary cannot drift from git.
 *
 * Names are JavaScript strings (what Arbiter sees after decoding git's UTF-8 output), so they are well-formed UTF-16.
 */
import fc from 'fast-check';

/** Characters git refuses anywhere in a ref name: ASCII controls, DEL, space, `~ ^ : ? * [ \`. */
const BAD_CHAR = /[\u0000-\u0020\u007f~^:?*[\\]/;

/**
 * `git check-ref-format <name>` (no options) as a predicate: at least two `/`-separated non-empty components, none
 * starting with `.` or ending with `.lock`; no `..`, `@{` or bad character; not ending with `.`; not `@`.
 */
export const isValidRefName = (name: string): boolean => {
  if (name === '@' || BAD_CHAR.test(name) || name.includes('..') || name.includes('@{') || name.endsWith('.')) return false;
  const parts = name.split('/');
  if (parts.length < 2) return false;
  return parts.every((c) => c.length > 0 && !c.startsWith('.') && !c.endsWith('.lock'));
};

/** Characters of a component: plain ASCII, shell metacharacters git allows, and non-ASCII (bidi, zero-width, C1, astral). */
const charArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...'abcxyzABZ0129-_.'.split('')) },
  { weight: 3, arbitrary: fc.constantFrom(...'$()`;|&<>\'"!#%{}=,+@'.split('')) },
  { weight: 3, arbitrary: fc.constantFrom('é', 'ü', 'ß', 'е', '中', '😀', 'e\u0301', '\u202e', '\u200b', '\u2066', '\u0085', '\u00a0', '\ufeff', '\u{e0041}') },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }) },
);

const componentArb = (maxLength: number): fc.Arbitrary<string> =>
  fc.array(charArb, { minLength: 1, maxLength }).map((cs) => cs.join('')).filter((c) => !c.startsWith('.') && !c.endsWith('.lock') && !c.includes('/'));

/**
 * Ref names `git check-ref-format` accepts: `refs/heads/…`, `refs/tags/…` or `refs/<x>/…` with one to four
 * generated components, now and then a long one (up to 250 characters, near the 255-byte file-name limit).
 */
export const refNameArb: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom('refs/heads/', 'refs/tags/', 'refs/'),
    fc.array(fc.oneof({ weight: 5, arbitrary: componentArb(12) }, { weight: 1, arbitrary: componentArb(250) }), { minLength: 1, maxLength: 4 }),
  )
  .map(([prefix, parts]) => prefix + parts.join('/'))
  .filter(isValidRefName);

/** Branch names (the part after `refs/heads/`) of valid refs. */
export const branchNameArb: fc.Arbitrary<string> = refNameArb.filter((r) => r.startsWith('refs/heads/')).map((r) => r.slice('refs/heads/'.length));

/** Strings that look like ref names but break one of git's rules (for the two-way cross-check with git). */
export const nearRefNameArb: fc.Arbitrary<string> = fc
  .tuple(refNameArb, fc.constantFrom('..', '@{', ' ', '~', '^', ':', '?', '*', '[', '\\', '\u0001', '\u007f', '/.x', '.lock', '//', '/', '.'), fc.nat())
  .map(([r, bad, at]) => {
    if (bad === '.lock' || bad === '.' || bad === '/') return r + bad;
    const cps = Array.from(r); // split between code points, never inside a surrogate pair
    const i = 5 + (at % Math.max(1, cps.length - 5));
    return cps.slice(0, i).join('') + bad + cps.slice(i).join('');
  });
