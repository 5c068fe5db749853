/**
 * The WebAssembly module of the secret scan's SIMD line selection (`secret-lines.ts`), generated as WebAssembly
 * text (WAT) by the code below: `lineScannerWat()`. The runtime does not run this file. The flow is: this text →
 * the dev-only `wabt` package (the WebAssembly Binary Toolkit's `wat2wasm`) → the module bytes, which
 * `secret-lines.ts` carries as `LINE_SCANNER_HEX` (so that a hook neither loads an assembler nor assembles at
 * start-up); a test (`packages/kernel/test/secret-lines.test.ts`) assembles the text with wabt and checks that the
 * bytes are exactly `LINE_SCANNER_HEX`. After a change here, put the new hex into `LINE_SCANNER_HEX`: the failing
 * test prints it, and so does `npm run line-scanner -- --hex` (`npm run line-scanner` prints the text).
 *
 * Pure and total: builds a string from constants. Keep it free of imports: `packages/kernel/scripts/line-scanner.mjs` loads it
 * through TypeScript's single-file transpiler (Node 20 cannot run TypeScript).
 */

// ───────────────────────────────────────── WebAssembly text ─────────────────────────────────────────

/**
 * Instructions: a piece of WebAssembly text (a folded instruction `(op operands…)`, a plain one such as
 * `if (result i32)`, or a comment), or a sequence of them (nested sequences are spliced, one piece per line).
 */
type Code = string | ReadonlyArray<Code>;
const seq = (c: Code, out: string[] = []): string[] => {
  if (typeof c === 'string') out.push(c);
  else for (const x of c) seq(x, out);
  return out;
};

/** A form longer than this is broken: one operand per line, indented under the operator. */
const WIDTH = 120;
const indent = (s: string): string => s.replace(/^/gm, '  ');
/** `(head operands…)`: on one line when it fits and holds only folded forms, otherwise one operand per line. */
const form = (head: string, ...operands: Code[]): string => {
  const xs = seq(operands);
  if (xs.every((x) => x.startsWith('(') && !x.includes('\n'))) {
    const line = `(${[head, ...xs].join(' ')})`;
    if (line.length <= WIDTH) return line;
  }
  return `(${head}\n${xs.map(indent).join('\n')})`;
};
/** A comment where an instruction may stand (it assembles to nothing). */
const note = (text: string): string => `(; ${text} ;)`;

const get = (l: string): string => `(local.get ${l})`;
const set = (l: string, value: Code): string => form(`local.set ${l}`, value);
const i32 = (n: number): string => `(i32.const ${n})`;
/** An i32 character code, with the character as a comment when it is printable. */
const chr = (code: number): string => (code > 0x20 && code < 0x7f ? `(i32.const 0x${code.toString(16)} (; ${String.fromCharCode(code)} ;))` : i32(code));
const binary =
  (name: string) =>
  (a: Code, b: Code): string =>
    form(name, a, b);
const unary =
  (name: string) =>
  (a: Code): string =>
    form(name, a);
const op = {
  eqz: unary('i32.eqz'),
  eq: binary('i32.eq'),
  ne: binary('i32.ne'),
  geU: binary('i32.ge_u'),
  ctz: unary('i32.ctz'),
  popcnt: unary('i32.popcnt'),
  add: binary('i32.add'),
  sub: binary('i32.sub'),
  and: binary('i32.and'),
  or: binary('i32.or'),
  shl: binary('i32.shl'),
  shrU: binary('i32.shr_u'),
};
const load8 = unary('i32.load8_u');
const load32 = (offset: number, addr: Code): string => form(`i32.load offset=${offset}`, addr);
const store32 = (offset: number, addr: Code, value: Code): string => form(`i32.store offset=${offset}`, addr, value);
const v128 = {
  /** Unaligned: the chunk loads are at any byte (`align=1` also keeps the hint the module always had). */
  load: unary('v128.load align=1'),
  eq: binary('i8x16.eq'),
  and: binary('v128.and'),
  or: binary('v128.or'),
  bitmask: unary('i8x16.bitmask'),
};
/** A `v128.const` with every byte `b`, inline at each use (V8 keeps such constants out of the register allocator). */
const splat16 = (b: number): string => `(v128.const i64x2${` 0x${b.toString(16).padStart(2, '0').repeat(8)}`.repeat(2)})`;
/**
 * `if (result i32) then else end`, as plain instructions (the condition is on the stack before the `if`): folded
 * forms would indent every link of the chains below one level deeper.
 */
const ifI32 = (cond: Code, then: Code, els: Code): Code => [cond, 'if (result i32)', seq(then).map(indent), 'else', seq(els).map(indent), 'end'];
/**
 * Short-circuit conjunction / disjunction of i32 conditions: `c1 if c2 if … cn else 0 end … else 0 end` and
 * `c1 if 1 else c2 if 1 else … cn end … end`, laid out as a list (each condition indented under its `if`).
 */
const chain = (cs: Code[], link: string, close: string): Code =>
  cs.length === 1
    ? (cs[0] as Code)
    : [cs.map((c, k) => [k === 0 ? [] : link, seq(c).map(indent)]), Array.from({ length: cs.length - 1 }, () => close).join(' ')];
const all = (cs: Code[]): Code => chain(cs, 'if (result i32)', 'else (i32.const 0) end');
const any = (cs: Code[]): Code => chain(cs, 'if (result i32) (i32.const 1) else', 'end');

// ───────────────────────────────────────── the module ─────────────────────────────────────────
//
// Memory: [0, BASE) zero; the UTF-8 text at [p, end); PAD zero bytes; the chunk queue at q; the records at out.
//
// `scan(p, end, q, out) -> records`: one pass over 32-byte chunks. For each chunk it computes the 32 anchor bits M
// and stores the entry (p, M, line number at the chunk start, UTF-16 units before the chunk) at the queue's end,
// moving the end only when M is not 0 (no branch: on source code about every other chunk has an anchor, and a
// branch that unpredictable costs more than the stores). Then it calls `anchors(q, queueEnd, out)`, which checks
// each anchor for a whole trigger and writes one record (UTF-16 offset of the anchor, line number) per trigger line.

// scan: parameters, then i32 locals, then v128 locals
const P = '$p';
const END = '$end';
const Q = '$q';
const OUT = '$out';
const LINES = '$lines'; // 1 + newlines before the chunk
const U16 = '$u16'; // UTF-16 units before the chunk
const M = '$m'; // anchor bits of the chunk
const QP = '$qp'; // queue end
const HI = '$hi'; // bits of the chunk's non-ASCII bytes (either vector)
const V = '$v'; // the chunk's first 16 bytes
const F = '$f'; // the same with ASCII letters lower-cased (b | 0x20)
const FN = '$fn'; // the same for the bytes one further (p + 1 … p + 16)
const V2 = '$v2'; // the chunk's second 16 bytes, and so on
const F2 = '$f2';
const FN2 = '$fn2';

// anchors: parameters, then i32 locals, then v128 locals
const A_Q = '$q';
const A_QEND = '$qend';
const A_OUT = '$out';
const A_P = '$p'; // the entry: chunk address, anchor bits, line number, UTF-16 units
const A_M = '$m';
const A_LINES = '$lines';
const A_U16 = '$u16';
const BELOW = '$below'; // bits below the anchor
const LINE = '$line';
const POS = '$pos'; // byte address of the anchor
const C = '$c'; // the anchor byte
const J = '$j'; // walk-back pointer
const D = '$d'; // folded byte before the blanks
const REC = '$rec'; // next record address
const LAST = '$last'; // line of the last record
const A_V = '$v'; // the chunk of a trigger
const A_V2 = '$v2';

const A_LOWER = 0x20;
const isLetter = (ch: number): boolean => (ch >= 0x61 && ch <= 0x7a) || (ch >= 0x41 && ch <= 0x5a);
/** i32: byte at `base + delta`, ASCII-lower-cased when `fold` (exact for letters: `b | 0x20` is `ch` only for `ch` and its upper case). */
const byteAt = (base: string, delta: number, fold: boolean): string => {
  const b = load8(op.add(get(base), i32(delta)));
  return fold ? op.or(b, i32(A_LOWER)) : b;
};
/** i32: the bytes at `base + delta …` spell `word` (letters ASCII case-insensitive when `ci`, other characters exactly). */
const spells = (base: string, delta: number, word: string, ci: boolean): Code => [
  note(`${JSON.stringify(word)} at ${base}${delta < 0 ? ' - ' : ' + '}${Math.abs(delta)}${ci ? ', ASCII case-insensitive' : ''}`),
  all(
    Array.from(word, (s, k) => {
      const ch = s.charCodeAt(0);
      const fold = ci && isLetter(ch);
      return op.eq(byteAt(base, delta + k, fold), chr(fold ? ch | A_LOWER : ch));
    }),
  ),
];
const byteIn = (base: string, delta: number, chars: string, fold: boolean): Code =>
  any(Array.from(chars, (s) => op.eq(byteAt(base, delta, fold), chr(s.charCodeAt(0)))));
const eqC = (ch: string): string => op.eq(get(C), chr(ch.charCodeAt(0)));
const foldedC = (ch: string): string => op.eq(op.or(get(C), i32(A_LOWER)), chr(ch.charCodeAt(0)));

/** `keyword [ \t]* [=:]` with the `=`/`:` at POS: walk back over blanks to J; the keyword ends at J + 1. */
const assignTrigger = (): Code => {
  const walk = [
    set(J, op.sub(get(POS), i32(1))),
    form(
      'block $walked',
      form(
        'loop $back',
        set(D, load8(get(J))),
        // out when not blank (the zero bytes before BASE end every walk)
        form('br_if $walked', op.eqz(op.or(op.eq(get(D), chr(0x20)), op.eq(get(D), chr(0x09))))),
        set(J, op.sub(get(J), i32(1))),
        '(br $back)',
      ),
    ),
    set(D, op.or(load8(get(J)), i32(A_LOWER))),
  ];
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
    return ifI32(op.eq(get(D), chr(e[0].charCodeAt(0))), endsWith(e[1]), dispatch(k + 1));
  };
  return [walk, dispatch(0)];
};

/** `scheme://` with the `:` at POS. */
const schemeTrigger = (): Code =>
  all([
    op.eq(byteAt(POS, 1, false), chr(0x2f)),
    op.eq(byteAt(POS, 2, false), chr(0x2f)),
    any(['postgres', 'postgresql', 'mysql', 'mongodb', 'mongodb+srv', 'redis', 'rediss'].map((w) => spells(POS, -w.length, w, true))),
  ]);

/** i32: a trigger contains the anchor byte C at POS (C is one of the anchor bytes). */
const trigger = (): Code =>
  ifI32(
    op.or(eqC('='), eqC(':')),
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
          all([spells(POS, 0, 'xox', true), byteIn(POS, 3, 'bprs', true), op.eq(byteAt(POS, 4, false), chr(0x2d))]),
          // '_'
          any([all([spells(POS, -3, 'gh', false), byteIn(POS, -1, 'pousr', false)]), spells(POS, -10, 'github_pat_', false)]),
        ),
      ),
    ),
  );

const vEq = (l: string, ch: number): string => v128.eq(get(l), splat16(ch));
const vOr = (...xs: string[]): string => xs.reduce((a, b) => v128.or(a, b));
const ch = (s: string): number => s.charCodeAt(0);
/** i32 bits of the vector `l`: newlines; UTF-8 continuation bytes; 4-byte leads (two UTF-16 units each). */
const newlineBits = (l: string): string => v128.bitmask(vEq(l, 0x0a));
const contBits = (l: string): string => v128.bitmask(v128.eq(v128.and(get(l), splat16(0xc0)), splat16(0x80)));
const lead4Bits = (l: string): string => v128.bitmask(v128.eq(v128.and(get(l), splat16(0xf8)), splat16(0xf0)));

/** Anchor lanes of one 16-byte vector `v` (`f`: lower-cased; `fn`: lower-cased, one byte further). */
const anchorLanes = (v: string, f: string, fn: string): string =>
  vOr(
    vEq(v, ch('=')),
    vEq(v, ch(':')),
    vEq(v, ch('_')),
    v128.and(vEq(f, ch('k')), vEq(fn, ch('i'))),
    v128.and(vEq(f, ch('b')), vEq(fn, ch('e'))),
    v128.and(vEq(f, ch('x')), vEq(fn, ch('o'))),
  );
/** i32: 32 bits of a 32-byte chunk from the 16-bit masks of its two halves. */
const bits32 = (lo: Code, hi: Code): string => op.or(lo, op.shl(hi, i32(16)));
const lower = (vector: Code): string => v128.or(vector, splat16(A_LOWER));

const scanBody = (): Code => [
  set(LINES, i32(1)),
  set(QP, get(Q)),
  form(
    'block $done',
    form(
      'loop $chunks', // 32 bytes: two vectors
      form('br_if $done', op.geU(get(P), get(END))),
      set(V, v128.load(get(P))),
      set(V2, v128.load(op.add(get(P), i32(16)))),
      set(F, lower(get(V))),
      set(F2, lower(get(V2))),
      set(FN, lower(v128.load(op.add(get(P), i32(1))))),
      set(FN2, lower(v128.load(op.add(get(P), i32(17))))),
      set(M, bits32(v128.bitmask(anchorLanes(V, F, FN)), v128.bitmask(anchorLanes(V2, F2, FN2)))),
      note('the queue entry: chunk address, anchor bits, line number, UTF-16 units'),
      [P, M, LINES, U16].map((l, k) => store32(4 * k, get(QP), get(l))),
      note('kept (the end moves) only when the chunk has an anchor'),
      set(QP, op.add(get(QP), op.shl(op.ne(get(M), i32(0)), i32(4)))),
      set(LINES, op.add(op.add(get(LINES), op.popcnt(newlineBits(V))), op.popcnt(newlineBits(V2)))),
      set(U16, op.add(get(U16), i32(32))),
      set(HI, v128.bitmask(v128.or(get(V), get(V2)))),
      form(
        'if',
        get(HI),
        note('the chunk has non-ASCII bytes'),
        form(
          'then',
          set(
            U16,
            op.sub(op.add(op.sub(op.add(get(U16), op.popcnt(lead4Bits(V))), op.popcnt(contBits(V))), op.popcnt(lead4Bits(V2))), op.popcnt(contBits(V2))),
          ),
        ),
      ),
      set(P, op.add(get(P), i32(32))),
      '(br $chunks)',
    ),
  ),
  form('call $anchors', get(Q), get(QP), get(OUT)),
];

const popcntBelow = (bits: Code): string => op.popcnt(op.and(bits, get(BELOW)));

const anchorsBody = (): Code => [
  set(REC, get(A_OUT)),
  set(LAST, i32(-1)),
  form(
    'block $done',
    form(
      'loop $entries',
      form('br_if $done', op.geU(get(A_Q), get(A_QEND))),
      [A_P, A_M, A_LINES, A_U16].map((l, k) => set(l, load32(4 * k, get(A_Q)))),
      set(A_Q, op.add(get(A_Q), i32(16))),
      form(
        'block $next',
        form(
          'loop $anchors', // lowest bit first
          form('br_if $next', op.eqz(get(A_M))),
          set(BELOW, op.sub(op.shl(i32(1), op.ctz(get(A_M))), i32(1))),
          set(A_M, op.and(get(A_M), op.sub(get(A_M), i32(1)))),
          set(POS, op.add(get(A_P), op.popcnt(get(BELOW)))),
          set(C, load8(get(POS))),
          trigger(),
          form(
            'if',
            note('the trigger check above left its answer on the stack'),
            form(
              'then',
              set(A_V, v128.load(get(A_P))),
              set(A_V2, v128.load(op.add(get(A_P), i32(16)))),
              set(LINE, op.add(get(A_LINES), popcntBelow(bits32(newlineBits(A_V), newlineBits(A_V2))))),
              form(
                'if',
                op.ne(get(LINE), get(LAST)),
                form(
                  'then',
                  note('the line has no record yet: record (UTF-16 offset of the anchor, line)'),
                  store32(
                    0,
                    get(REC),
                    op.sub(
                      op.add(op.add(get(A_U16), op.popcnt(get(BELOW))), popcntBelow(bits32(lead4Bits(A_V), lead4Bits(A_V2)))),
                      popcntBelow(bits32(contBits(A_V), contBits(A_V2))),
                    ),
                  ),
                  store32(4, get(REC), get(LINE)),
                  set(REC, op.add(get(REC), i32(8))),
                  set(LAST, get(LINE)),
                ),
              ),
            ),
          ),
          '(br $anchors)',
        ),
      ),
      '(br $entries)',
    ),
  ),
  op.shrU(op.sub(get(REC), get(A_OUT)), i32(3)),
];

const func = (head: string, params: string[], i32s: string[], v128s: string[], body: Code): string =>
  form(
    [head, ...params.map((p) => `(param ${p} i32)`), '(result i32)'].join(' '),
    i32s.map((l) => `(local ${l} i32)`),
    v128s.map((l) => `(local ${l} v128)`),
    body,
  );

/** The memory's import name: `secret-lines.ts` instantiates the module with `{ m: { mem } }`. */
const MEMORY = ['m', 'mem'].map((s) => JSON.stringify(s)).join(' ');

/** The module as WebAssembly text: imports memory `m.mem`, exports `scan(p, end, q, out) -> records`. */
export const lineScannerWat = (): string =>
  form(
    'module',
    `(import ${MEMORY} (memory 0))`,
    func('func $scan', [P, END, Q, OUT], [LINES, U16, M, QP, HI], [V, F, FN, V2, F2, FN2], scanBody()),
    func('func $anchors', [A_Q, A_QEND, A_OUT], [A_P, A_M, A_LINES, A_U16, BELOW, LINE, POS, C, J, D, REC, LAST], [A_V, A_V2], anchorsBody()),
    '(export "scan" (func $scan))',
  ) + '\n';
