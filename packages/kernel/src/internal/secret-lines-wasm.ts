/**
 * The WebAssembly module of the secret scan's SIMD line selection (`secret-lines.ts`), assembled from the
 * instruction list below by a minimal assembler. The runtime does not run this file: `secret-lines.ts` carries the
 * resulting bytes (`LINE_SCANNER_HEX`, so that a hook does not spend milliseconds assembling at start-up), and a
 * test checks that they are exactly what `assembleLineScanner()` returns. After a change here, put the new hex
 * into `LINE_SCANNER_HEX` (the failing test prints it).
 *
 * Pure and total: builds bytes from constants.
 */

// ───────────────────────────────────────── a minimal WebAssembly assembler ─────────────────────────────────────────

/** Code as a tree of byte arrays, flattened once at the end (concatenating flat arrays at every level was quadratic). */
type Code = number | ReadonlyArray<Code>;
const flatten = (c: Code, out: number[] = []): number[] => {
  if (typeof c === 'number') out.push(c);
  else for (const x of c) flatten(x, out);
  return out;
};
const uleb = (n: number): Code => {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
};
const sleb = (n: number): Code => {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
};
const vec = (items: Code[]): Code => [uleb(items.length), items];
const name = (s: string): Code => [uleb(s.length), Array.from(s, (c) => c.charCodeAt(0))];
/** A length-prefixed byte string (section bodies, function bodies). */
const sized = (body: Code): Code => {
  const b = flatten(body);
  return [uleb(b.length), b];
};
const section = (id: number, body: Code): Code => [id, sized(body)];

const T_I32 = 0x7f;
const T_V128 = 0x7b;
const cat = (...parts: Code[]): Code => parts;
const get = (l: number): Code => [0x20, uleb(l)];
const set = (l: number): Code => [0x21, uleb(l)];
const i32 = (n: number): Code => [0x41, sleb(n)];
const op = {
  eqz: [0x45],
  eq: [0x46],
  ne: [0x47],
  ltU: [0x49],
  geU: [0x4f],
  ctz: [0x68],
  popcnt: [0x69],
  add: [0x6a],
  sub: [0x6b],
  and: [0x71],
  or: [0x72],
  xor: [0x73],
  shl: [0x74],
  shrU: [0x76],
} as const;
const load8 = (): Code => [0x2d, 0, 0];
const load32 = (offset: number): Code => [0x28, 2, uleb(offset)];
const store32 = (offset: number): Code => [0x36, 2, uleb(offset)];
const simd = (code: number, ...imm: number[]): Code => [0xfd, uleb(code), imm];
const v128 = {
  load: simd(0x00, 0, 0),
  const: (bytes: ReadonlyArray<number>): Code => simd(0x0c, ...bytes),
  splat: simd(0x0f),
  swizzle: simd(0x0e),
  eq: simd(0x23),
  ne: simd(0x24),
  and: simd(0x4e),
  or: simd(0x50),
  bitmask: simd(0x64),
  shrU: simd(0x6d),
};
/** A `v128.const` with every byte `b`, inline at each use (V8 keeps such constants out of the register allocator). */
const splat16 = (b: number): Code => v128.const(Array.from({ length: 16 }, () => b));
/** `if (result i32) then else end`. */
const ifI32 = (cond: Code, then: Code, els: Code): Code => cat(cond, [0x04, T_I32], then, [0x05], els, [0x0b]);
/** Short-circuit conjunction / disjunction of i32 conditions. */
const all = (cs: Code[]): Code => (cs.length === 1 ? (cs[0] as Code) : ifI32(cs[0] as Code, all(cs.slice(1)), i32(0)));
const any = (cs: Code[]): Code => (cs.length === 1 ? (cs[0] as Code) : ifI32(cs[0] as Code, i32(1), any(cs.slice(1))));

// ───────────────────────────────────────── the module ─────────────────────────────────────────
//
// Memory: [0, BASE) zero; the UTF-8 text at [p, end); PAD zero bytes; the chunk queue at q; the records at out.
//
// `scan(p, end, q, out) -> records` (function 0): one pass over 32-byte chunks. For each chunk it computes the
// 32 anchor bits M and stores the entry (p, M, line number at the chunk start, UTF-16 units before the chunk) at
// the queue's end, moving the end only when M is not 0 (no branch: on source code about every other chunk has an
// anchor, and a branch that unpredictable costs more than the stores). Then it calls `anchors(q, queueEnd, out)`
// (function 1), which checks each anchor for a whole trigger and writes one record (UTF-16 offset of the anchor,
// line number) per trigger line.

// scan: parameters, then i32 locals, then v128 locals
const P = 0;
const END = 1;
const Q = 2;
const OUT = 3;
const LINES = 4; // 1 + newlines before the chunk
const U16 = 5; // UTF-16 units before the chunk
const M = 6; // anchor bits of the chunk
const QP = 7; // queue end
const HI = 8; // bits of the chunk's non-ASCII bytes (either vector)
const V = 9; // the chunk's first 16 bytes
const F = 10; // the same with ASCII letters lower-cased (b | 0x20)
const FN = 11; // the same for the bytes one further (p + 1 … p + 16)
const V2 = 12; // the chunk's second 16 bytes, and so on
const F2 = 13;
const FN2 = 14;

// anchors: parameters, then i32 locals, then v128 locals
const A_Q = 0;
const A_QEND = 1;
const A_OUT = 2;
const A_P = 3; // the entry: chunk address, anchor bits, line number, UTF-16 units
const A_M = 4;
const A_LINES = 5;
const A_U16 = 6;
const BELOW = 7; // bits below the anchor
const LINE = 8;
const POS = 9; // byte address of the anchor
const C = 10; // the anchor byte
const J = 11; // walk-back pointer
const D = 12; // folded byte before the blanks
const REC = 13; // next record address
const LAST = 14; // line of the last record
const A_V = 15; // the chunk of a trigger
const A_V2 = 16;

const A_LOWER = 0x20;
const isLetter = (ch: number): boolean => (ch >= 0x61 && ch <= 0x7a) || (ch >= 0x41 && ch <= 0x5a);
/** i32: byte at `get(base) + delta`, ASCII-lower-cased when `fold` (exact for letters: `b | 0x20` is `ch` only for `ch` and its upper case). */
const byteAt = (base: number, delta: number, fold: boolean): Code =>
  cat(get(base), i32(delta), op.add, load8(), fold ? cat(i32(A_LOWER), op.or) : []);
/** i32: the bytes at `get(base) + delta …` spell `word` (letters ASCII case-insensitive when `ci`, other characters exactly). */
const spells = (base: number, delta: number, word: string, ci: boolean): Code =>
  all(
    Array.from(word, (s, k) => {
      const ch = s.charCodeAt(0);
      const fold = ci && isLetter(ch);
      return cat(byteAt(base, delta + k, fold), i32(fold ? ch | A_LOWER : ch), op.eq);
    }),
  );
const byteIn = (base: number, delta: number, chars: string, fold: boolean): Code =>
  any(Array.from(chars, (s) => cat(byteAt(base, delta, fold), i32(s.charCodeAt(0)), op.eq)));
const eqC = (ch: string): Code => cat(get(C), i32(ch.charCodeAt(0)), op.eq);
const foldedC = (ch: string): Code => cat(get(C), i32(A_LOWER), op.or, i32(ch.charCodeAt(0)), op.eq);

/** `keyword [ \t]* [=:]` with the `=`/`:` at POS: walk back over blanks to J; the keyword ends at J + 1. */
const assignTrigger = (): Code => {
  const blank = (): Code => cat(get(J), load8(), set(D), get(D), i32(0x20), op.eq, get(D), i32(0x09), op.eq, op.or);
  const walk = cat(
    get(POS), i32(1), op.sub, set(J),
    [0x02, 0x40, 0x03, 0x40], // block loop
    blank(), op.eqz, [0x0d, 1], // br_if out when not blank (the zero bytes before BASE end every walk)
    get(J), i32(1), op.sub, set(J),
    [0x0c, 0, 0x0b, 0x0b], // br loop; end loop; end block
    get(J), load8(), i32(A_LOWER), op.or, set(D),
  );
  const endsWith = (words: string[]): Code => any(words.map((w) => spells(J, 1 - w.length, w, true)));
  const byLast: Array<[string, string[]]> = [
    ['y', ['key']],
    ['d', ['pwd', 'passwd', 'password']],
    ['t', ['secret']],
    ['n', ['token']],
    ['l', ['credential']],
  ];
  const dispatch = (k: number): Code => {
    const e = byLast[k];
    if (e === undefined) return i32(0);
    return ifI32(cat(get(D), i32(e[0].charCodeAt(0)), op.eq), endsWith(e[1]), dispatch(k + 1));
  };
  return cat(walk, dispatch(0));
};

/** `scheme://` with the `:` at POS. */
const schemeTrigger = (): Code =>
  all([
    cat(byteAt(POS, 1, false), i32(0x2f), op.eq),
    cat(byteAt(POS, 2, false), i32(0x2f), op.eq),
    any(['postgres', 'postgresql', 'mysql', 'mongodb', 'mongodb+srv', 'redis', 'rediss'].map((w) => spells(POS, -w.length, w, true))),
  ]);

/** i32: a trigger contains the anchor byte C at POS (C is one of the anchor bytes). */
const trigger = (): Code =>
  ifI32(
    cat(eqC('='), eqC(':'), op.or),
    any([all([eqC(':'), schemeTrigger()]), assignTrigger()]),
    ifI32(
      foldedC('k'),
      spells(POS, -1, 'akia', true),
      ifI32(
        foldedC('b'),
        any([
          all([spells(POS, 0, 'bearer', true), byteIn(POS, 6, ' \t', false)]),
          all([eqC('B'), spells(POS, -5, '-----BEGIN ', false)]),
        ]),
        ifI32(
          foldedC('x'),
          all([spells(POS, 0, 'xox', true), byteIn(POS, 3, 'bprs', true), cat(byteAt(POS, 4, false), i32(0x2d), op.eq)]),
          // '_'
          any([all([spells(POS, -3, 'gh', false), byteIn(POS, -1, 'pousr', false)]), spells(POS, -10, 'github_pat_', false)]),
        ),
      ),
    ),
  );

const vEq = (l: number, ch: number): Code => cat(get(l), splat16(ch), v128.eq);
const vOr = (...xs: Code[]): Code => xs.reduce((a, b) => cat(a, b, v128.or));
const bitmask = (vector: Code): Code => cat(vector, v128.bitmask);
const ch = (s: string): number => s.charCodeAt(0);
/** i32 bits of the vector `get(v)`: newlines; UTF-8 continuation bytes; 4-byte leads (two UTF-16 units each). */
const newlineBits = (v: number): Code => bitmask(vEq(v, 0x0a));
const contBits = (v: number): Code => bitmask(cat(get(v), splat16(0xc0), v128.and, splat16(0x80), v128.eq));
const lead4Bits = (v: number): Code => bitmask(cat(get(v), splat16(0xf8), v128.and, splat16(0xf0), v128.eq));

/** Anchor lanes of one 16-byte vector `v` (`f`: lower-cased; `fn`: lower-cased, one byte further). */
const anchorLanes = (v: number, f: number, fn: number): Code =>
  vOr(
    vEq(v, ch('=')),
    vEq(v, ch(':')),
    vEq(v, ch('_')),
    cat(vEq(f, ch('k')), vEq(fn, ch('i')), v128.and),
    cat(vEq(f, ch('b')), vEq(fn, ch('e')), v128.and),
    cat(vEq(f, ch('x')), vEq(fn, ch('o')), v128.and),
  );
/** i32: 32 bits of a 32-byte chunk from the 16-bit masks of its two halves. */
const bits32 = (lo: Code, hi: Code): Code => cat(lo, hi, i32(16), op.shl, op.or);

const scanBody = (): Code =>
  cat(
    i32(1), set(LINES),
    get(Q), set(QP),
    [0x02, 0x40, 0x03, 0x40], // block $done loop $chunks (32 bytes: two vectors)
    get(P), get(END), op.geU, [0x0d, 1],
    get(P), v128.load, set(V),
    get(P), i32(16), op.add, v128.load, set(V2),
    get(V), splat16(A_LOWER), v128.or, set(F),
    get(V2), splat16(A_LOWER), v128.or, set(F2),
    get(P), i32(1), op.add, v128.load, splat16(A_LOWER), v128.or, set(FN),
    get(P), i32(17), op.add, v128.load, splat16(A_LOWER), v128.or, set(FN2),
    bits32(bitmask(anchorLanes(V, F, FN)), bitmask(anchorLanes(V2, F2, FN2))), set(M),
    get(QP), get(P), store32(0),
    get(QP), get(M), store32(4),
    get(QP), get(LINES), store32(8),
    get(QP), get(U16), store32(12),
    get(QP), get(M), i32(0), op.ne, i32(4), op.shl, op.add, set(QP),
    get(LINES), newlineBits(V), op.popcnt, op.add, newlineBits(V2), op.popcnt, op.add, set(LINES),
    get(U16), i32(32), op.add, set(U16),
    bitmask(cat(get(V), get(V2), v128.or)), set(HI),
    get(HI),
    [0x04, 0x40], // if the chunk has non-ASCII bytes
    get(U16),
    lead4Bits(V), op.popcnt, op.add, contBits(V), op.popcnt, op.sub,
    lead4Bits(V2), op.popcnt, op.add, contBits(V2), op.popcnt, op.sub,
    set(U16),
    [0x0b],
    get(P), i32(32), op.add, set(P),
    [0x0c, 0, 0x0b, 0x0b], // br $chunks; end loop; end block
    get(Q), get(QP), get(OUT), [0x10, 1], // anchors(q, queueEnd, out)
    [0x0b],
  );

const popcntBelow = (bits: Code): Code => cat(bits, get(BELOW), op.and, op.popcnt);

const anchorsBody = (): Code =>
  cat(
    get(A_OUT), set(REC),
    i32(-1), set(LAST),
    [0x02, 0x40, 0x03, 0x40], // block $done loop $entries
    get(A_Q), get(A_QEND), op.geU, [0x0d, 1],
    ...[A_P, A_M, A_LINES, A_U16].map((l, k) => cat(get(A_Q), load32(4 * k), set(l))),
    get(A_Q), i32(16), op.add, set(A_Q),
    [0x02, 0x40, 0x03, 0x40], // block $next loop $anchors (lowest bit first)
    get(A_M), op.eqz, [0x0d, 1],
    i32(1), get(A_M), op.ctz, op.shl, i32(1), op.sub, set(BELOW),
    get(A_M), get(A_M), i32(1), op.sub, op.and, set(A_M),
    get(A_P), get(BELOW), op.popcnt, op.add, set(POS),
    get(POS), load8(), set(C),
    trigger(),
    [0x04, 0x40], // if trigger
    get(A_P), v128.load, set(A_V),
    get(A_P), i32(16), op.add, v128.load, set(A_V2),
    get(A_LINES), popcntBelow(bits32(newlineBits(A_V), newlineBits(A_V2))), op.add, set(LINE),
    get(LINE), get(LAST), op.ne,
    [0x04, 0x40], // if the line has no record yet: record (UTF-16 offset of the anchor, line)
    get(REC),
    get(A_U16), get(BELOW), op.popcnt, op.add,
    popcntBelow(bits32(lead4Bits(A_V), lead4Bits(A_V2))), op.add,
    popcntBelow(bits32(contBits(A_V), contBits(A_V2))), op.sub,
    store32(0),
    get(REC), get(LINE), store32(4),
    get(REC), i32(8), op.add, set(REC),
    get(LINE), set(LAST),
    [0x0b, 0x0b], // end if; end if
    [0x0c, 0, 0x0b, 0x0b], // br $anchors; end loop; end block
    [0x0c, 0, 0x0b, 0x0b], // br $entries; end loop; end block
    get(REC), get(A_OUT), op.sub, i32(3), op.shrU,
    [0x0b],
  );

/** The module: imports memory `m.mem`, exports `scan(p, end, q, out) -> records`. */
export const assembleLineScanner = (): Uint8Array => {
  const scan = [vec([[uleb(5), T_I32], [uleb(6), T_V128]]), scanBody()];
  const anchors = [vec([[uleb(12), T_I32], [uleb(2), T_V128]]), anchorsBody()];
  const i32s = (k: number): Code => vec(Array.from({ length: k }, () => [T_I32]));
  return new Uint8Array(
    flatten([
      [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
      section(1, vec([[0x60, i32s(4), i32s(1)], [0x60, i32s(3), i32s(1)]])),
      section(2, vec([[name('m'), name('mem'), 0x02, 0x00, 0x00]])),
      section(3, vec([[0], [1]])),
      section(7, vec([[name('scan'), 0x00, 0]])),
      section(10, vec([sized(scan), sized(anchors)])),
    ]),
  );
};
