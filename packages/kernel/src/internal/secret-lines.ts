/**
 * Line selection for the secret scan (convoy-policies.md §7.1 S1–S2, §7.2): which lines of a text can hold a
 * candidate of one of the ten patterns. Only those lines run the patterns, so this must never miss one: every line
 * that contains a *trigger* is selected, and every match of every §7.2 pattern contains a trigger on its own line.
 * (Selecting a line without a candidate only costs time.)
 *
 * Triggers (ASCII; "ci" = ASCII case-insensitive, the way the `i` flag without `u` compares letters: no non-ASCII
 * character matches an ASCII letter):
 *
 * | Trigger                                                                                | Covers patterns |
 * |----------------------------------------------------------------------------------------|-----------------|
 * | `akia` (ci)                                                                            | 1               |
 * | `key`, `pwd`, `passwd`, `password`, `secret`, `token`, `credential` (ci), `[ \t]*[=:]` | 2, 3, 8, 10     |
 * | `bearer` (ci) then a space or tab                                                      | 4               |
 * | `-----BEGIN `                                                                          | 5               |
 * | scheme `postgres`, `postgresql`, `mysql`, `mongodb`, `mongodb+srv`, `redis`, `rediss` (ci), `://` | 6    |
 * | `gh` + one of `pousr` + `_`, or `github_pat_`                                          | 7               |
 * | `xox` (ci), one of `bprs` (ci), `-`                                                    | 9               |
 *
 * (`aws_secret_access_key`, `secret_key` and `api[_-]?key` all end in `key`.) Two implementations:
 *
 * - **SIMD** (WebAssembly, where the host has it and `TextEncoder`): the text is encoded to UTF-8 with
 *   `encodeInto` into the module's memory; one pass over 32-byte chunks (two 16-byte vectors) marks the *anchors*,
 *   bytes that every trigger of some kind contains (`=`, `:`, `_`, and `k`/`b`/`x` in either case followed by
 *   `i`/`e`/`o`), and queues the chunks that have any; then scalar code checks each anchor for a whole trigger
 *   around it. The pass counts newlines (line numbers) and UTF-16 code units (offsets in the JavaScript string: a
 *   UTF-8 lead byte starts one unit, a 4-byte lead two; `encodeInto` turns a lone surrogate into U+FFFD, one unit
 *   as well). ASCII bytes never occur inside a multi-byte UTF-8 sequence, so triggers are found exactly where the
 *   string has them. `secret-lines-wasm.ts` generates the module as WebAssembly text, the dev-only `wabt` package
 *   assembles it, and the bytes are kept here (`LINE_SCANNER_HEX`, checked by a test) so that nothing is assembled
 *   at run time and the runtime never loads wabt. `auto` takes this path for texts of {@link SIMD_MIN_CHARS}
 *   characters or more: below that the regular expression costs less than a millisecond, and a hook that only
 *   scans short texts never compiles the module.
 * - **Regular expression** (short texts, hosts without WebAssembly, texts too large for the memory): one
 *   case-insensitive alternation of the triggers, line numbers counted with `indexOf`.
 *   Slower (V8 cannot skip ahead over a large case-insensitive alternation) but needs nothing else.
 *
 * Pure: the compiled module is a function of constant bytes (compiled once, on first use), and the scratch memory
 * reused between calls is written or zeroed before it is read in each call. Linear time: one pass,
 * and each anchor check reads a bounded window, except the walk back over the spaces and tabs before a `=` or `:`,
 * which reads each such run once (the walk stops at the run's start and the run ends at that `=`/`:`).
 */

/** Visit a trigger line: the line without its `\r`, its 1-based number, and its span in the text (`end` excludes `\n`/`\r`). */
export type LineVisitor = (line: string, lineNo: number, start: number, end: number) => void;

/** Which implementation to use: `auto` takes SIMD for long texts when available. The others are for tests and benches. */
export type LineMode = 'auto' | 'simd' | 'regex';

/** `auto` uses SIMD from this many UTF-16 code units on (the regular expression takes ~0.8 ms for 256 Ki). */
export const SIMD_MIN_CHARS = 1 << 18;

// ───────────────────────────────────────── regular-expression implementation ─────────────────────────────────────────

/**
 * The triggers as one case-insensitive alternation (the scanner's former one): `key` only as `aws_secret_access_key`,
 * `secret_key` or `api[_-]?key`, the keywords those patterns use; `-----begin ` and `gh…` in any case.
 */
const TRIGGER =
  'akia|(?:aws_secret_access_key|secret_key|api[_-]?key|passw(?:or)?d|pwd|secret|token|credential)[ \\t]*[=:]|bearer[ \\t]|-----begin |' +
  '(?:postgres(?:ql)?|mysql|mongodb(?:\\+srv)?|rediss?):\\/\\/|gh[pousr]_|github_pat_|xox[bprs]-';

const visitLineAt = (content: string, at: number, lineNo: number, visit: LineVisitor): number => {
  const start = content.lastIndexOf('\n', at) + 1;
  let nl = content.indexOf('\n', at);
  if (nl === -1) nl = content.length;
  const end = nl > start && content.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
  visit(content.slice(start, end), lineNo, start, end);
  return nl;
};

const regexLines = (content: string, visit: LineVisitor): void => {
  const trig = new RegExp(TRIGGER, 'gi');
  let lineNo = 1;
  let counted = 0; // newlines before `counted` are already in lineNo
  for (let m = trig.exec(content); m !== null; m = trig.exec(content)) {
    const start = content.lastIndexOf('\n', m.index) + 1;
    for (let k = content.indexOf('\n', counted); k !== -1 && k < start; k = content.indexOf('\n', k + 1)) lineNo++;
    counted = start;
    const nl = visitLineAt(content, m.index, lineNo, visit);
    if (nl >= content.length) break;
    trig.lastIndex = nl + 1;
  }
};

// ───────────────────────────────────────── WebAssembly host surface (not in the ES2022 lib) ─────────────────────────────────────────

interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmHost {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number }) => WasmMemory;
}
interface Utf8Encoder {
  encodeInto(s: string, dest: Uint8Array): { read: number; written: number };
}
declare const WebAssembly: WasmHost | undefined;
declare const TextEncoder: (new () => Utf8Encoder) | undefined;

// ───────────────────────────────────────── SIMD implementation ─────────────────────────────────────────

/**
 * The bytes of the WebAssembly module: `lineScannerWat()` in `secret-lines-wasm.ts` generates its text (which also
 * documents the module), and the dev-only `wabt` package assembles it; a test assembles the text with wabt and
 * checks that the bytes equal these. Kept here as hex so that nothing is assembled at run time. To regenerate after
 * a change to the generator: `npm run line-scanner -- --hex` (`npm run line-scanner` prints the text).
 */
export const LINE_SCANNER_HEX = [
  '0061736d0100000001100260047f7f7f7f017f60037f7f7f017f020a01016d036d656d0200000303020001070801047363616e00000aa922',
  '02960702057f067b410121042002210702400340200020014f0d012000fd0000002109200041106afd000000210c2009fd0c202020202020',
  '20202020202020202020fd50210a200cfd0c20202020202020202020202020202020fd50210d200041016afd000000fd0c20202020202020',
  '202020202020202020fd50210b200041116afd000000fd0c20202020202020202020202020202020fd50210e2009fd0c3d3d3d3d3d3d3d3d',
  '3d3d3d3d3d3d3d3dfd232009fd0c3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3afd23fd502009fd0c5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5ffd23',
  'fd50200afd0c6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6bfd23200bfd0c69696969696969696969696969696969fd23fd4efd50200afd0c6262',
  '6262626262626262626262626262fd23200bfd0c65656565656565656565656565656565fd23fd4efd50200afd0c78787878787878787878',
  '787878787878fd23200bfd0c6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6ffd23fd4efd50fd64200cfd0c3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d',
  'fd23200cfd0c3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3afd23fd50200cfd0c5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5ffd23fd50200dfd0c6b6b',
  '6b6b6b6b6b6b6b6b6b6b6b6b6b6bfd23200efd0c69696969696969696969696969696969fd23fd4efd50200dfd0c62626262626262626262',
  '626262626262fd23200efd0c65656565656565656565656565656565fd23fd4efd50200dfd0c78787878787878787878787878787878fd23',
  '200efd0c6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6ffd23fd4efd50fd6441107472210620072000360200200720063602042007200436020820',
  '07200536020c200720064100474104746a210720042009fd0c0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0afd23fd64696a200cfd0c0a0a0a0a0a',
  '0a0a0a0a0a0a0a0a0a0a0afd23fd64696a2104200541206a21052009200cfd50fd6421082008044020052009fd0cf8f8f8f8f8f8f8f8f8f8',
  'f8f8f8f8f8f8fd4efd0cf0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0fd23fd64696a2009fd0cc0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0fd4efd0c',
  '80808080808080808080808080808080fd23fd64696b200cfd0cf8f8f8f8f8f8f8f8f8f8f8f8f8f8f8f8fd4efd0cf0f0f0f0f0f0f0f0f0f0',
  'f0f0f0f0f0f0fd23fd64696a200cfd0cc0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0fd4efd0c80808080808080808080808080808080fd23fd64',
  '696b21050b200041206a21000c000b0b20022007200310010b8e1b020c7f027b2002210d417f210e02400340200020014f0d012000280200',
  '21032000280204210420002802082105200028020c2106200041106a2100024003402004450d0141012004687441016b2107200420044101',
  '6b71210420032007696a210920092d0000210a200a413d46200a413a4672047f200a413a46047f200941016a2d0000412f46047f20094102',
  '6a2d0000412f46047f200941786a2d000041207241f00046047f200941796a2d000041207241ef0046047f2009417a6a2d000041207241f3',
  '0046047f2009417b6a2d000041207241f40046047f2009417c6a2d000041207241e70046047f2009417d6a2d000041207241f20046047f20',
  '09417e6a2d000041207241e50046047f2009417f6a2d000041207241f300460541000b0541000b0541000b0541000b0541000b0541000b05',
  '41000b047f410105200941766a2d000041207241f00046047f200941776a2d000041207241ef0046047f200941786a2d000041207241f300',
  '46047f200941796a2d000041207241f40046047f2009417a6a2d000041207241e70046047f2009417b6a2d000041207241f20046047f2009',
  '417c6a2d000041207241e50046047f2009417d6a2d000041207241f30046047f2009417e6a2d000041207241f10046047f2009417f6a2d00',
  '0041207241ec00460541000b0541000b0541000b0541000b0541000b0541000b0541000b0541000b0541000b047f4101052009417b6a2d00',
  '0041207241ed0046047f2009417c6a2d000041207241f90046047f2009417d6a2d000041207241f30046047f2009417e6a2d000041207241',
  'f10046047f2009417f6a2d000041207241ec00460541000b0541000b0541000b0541000b047f410105200941796a2d000041207241ed0046',
  '047f2009417a6a2d000041207241ef0046047f2009417b6a2d000041207241ee0046047f2009417c6a2d000041207241e70046047f200941',
  '7d6a2d000041207241ef0046047f2009417e6a2d000041207241e40046047f2009417f6a2d000041207241e200460541000b0541000b0541',
  '000b0541000b0541000b0541000b047f410105200941756a2d000041207241ed0046047f200941766a2d000041207241ef0046047f200941',
  '776a2d000041207241ee0046047f200941786a2d000041207241e70046047f200941796a2d000041207241ef0046047f2009417a6a2d0000',
  '41207241e40046047f2009417b6a2d000041207241e20046047f2009417c6a2d0000412b46047f2009417d6a2d000041207241f30046047f',
  '2009417e6a2d000041207241f20046047f2009417f6a2d000041207241f600460541000b0541000b0541000b0541000b0541000b0541000b',
  '0541000b0541000b0541000b0541000b047f4101052009417b6a2d000041207241f20046047f2009417c6a2d000041207241e50046047f20',
  '09417d6a2d000041207241e40046047f2009417e6a2d000041207241e90046047f2009417f6a2d000041207241f300460541000b0541000b',
  '0541000b0541000b047f4101052009417a6a2d000041207241f20046047f2009417b6a2d000041207241e50046047f2009417c6a2d000041',
  '207241e40046047f2009417d6a2d000041207241e90046047f2009417e6a2d000041207241f30046047f2009417f6a2d000041207241f300',
  '460541000b0541000b0541000b0541000b0541000b0b0b0b0b0b0b0541000b0541000b0541000b047f410105200941016b210b0240034020',
  '0b2d0000210c200c412046200c41094672450d01200b41016b210b0c000b0b200b2d0000412072210c200c41f90046047f200b417e6a2d00',
  '0041207241eb0046047f200b417f6a2d000041207241e50046047f200b41006a2d000041207241f900460541000b0541000b05200c41e400',
  '46047f200b417e6a2d000041207241f00046047f200b417f6a2d000041207241f70046047f200b41006a2d000041207241e400460541000b',
  '0541000b047f410105200b417b6a2d000041207241f00046047f200b417c6a2d000041207241e10046047f200b417d6a2d000041207241f3',
  '0046047f200b417e6a2d000041207241f30046047f200b417f6a2d000041207241f70046047f200b41006a2d000041207241e40046054100',
  '0b0541000b0541000b0541000b0541000b047f410105200b41796a2d000041207241f00046047f200b417a6a2d000041207241e10046047f',
  '200b417b6a2d000041207241f30046047f200b417c6a2d000041207241f30046047f200b417d6a2d000041207241f70046047f200b417e6a',
  '2d000041207241ef0046047f200b417f6a2d000041207241f20046047f200b41006a2d000041207241e400460541000b0541000b0541000b',
  '0541000b0541000b0541000b0541000b0b0b05200c41f40046047f200b417b6a2d000041207241f30046047f200b417c6a2d000041207241',
  'e50046047f200b417d6a2d000041207241e30046047f200b417e6a2d000041207241f20046047f200b417f6a2d000041207241e50046047f',
  '200b41006a2d000041207241f400460541000b0541000b0541000b0541000b0541000b05200c41ee0046047f200b417c6a2d000041207241',
  'f40046047f200b417d6a2d000041207241ef0046047f200b417e6a2d000041207241eb0046047f200b417f6a2d000041207241e50046047f',
  '200b41006a2d000041207241ee00460541000b0541000b0541000b0541000b05200c41ec0046047f200b41776a2d000041207241e3004604',
  '7f200b41786a2d000041207241f20046047f200b41796a2d000041207241e50046047f200b417a6a2d000041207241e40046047f200b417b',
  '6a2d000041207241e50046047f200b417c6a2d000041207241ee0046047f200b417d6a2d000041207241f40046047f200b417e6a2d000041',
  '207241e90046047f200b417f6a2d000041207241e10046047f200b41006a2d000041207241ec00460541000b0541000b0541000b0541000b',
  '0541000b0541000b0541000b0541000b0541000b0541000b0b0b0b0b0b05200a41207241eb0046047f2009417f6a2d000041207241e10046',
  '047f200941006a2d000041207241eb0046047f200941016a2d000041207241e90046047f200941026a2d000041207241e100460541000b05',
  '41000b0541000b05200a41207241e20046047f200941006a2d000041207241e20046047f200941016a2d000041207241e50046047f200941',
  '026a2d000041207241e10046047f200941036a2d000041207241f20046047f200941046a2d000041207241e50046047f200941056a2d0000',
  '41207241f200460541000b0541000b0541000b0541000b0541000b047f200941066a2d0000412046047f410105200941066a2d0000410946',
  '0b0541000b047f410105200a41c20046047f2009417b6a2d0000412d46047f2009417c6a2d0000412d46047f2009417d6a2d0000412d4604',
  '7f2009417e6a2d0000412d46047f2009417f6a2d0000412d46047f200941006a2d000041c20046047f200941016a2d000041c50046047f20',
  '0941026a2d000041c70046047f200941036a2d000041c90046047f200941046a2d000041ce0046047f200941056a2d00004120460541000b',
  '0541000b0541000b0541000b0541000b0541000b0541000b0541000b0541000b0541000b0541000b0b05200a41207241f80046047f200941',
  '006a2d000041207241f80046047f200941016a2d000041207241ef0046047f200941026a2d000041207241f800460541000b0541000b047f',
  '200941036a2d000041207241e20046047f410105200941036a2d000041207241f00046047f410105200941036a2d000041207241f2004604',
  '7f410105200941036a2d000041207241f300460b0b0b047f200941046a2d0000412d460541000b0541000b052009417d6a2d000041e70046',
  '047f2009417e6a2d000041e800460541000b047f2009417f6a2d000041f00046047f4101052009417f6a2d000041ef0046047f4101052009',
  '417f6a2d000041f50046047f4101052009417f6a2d000041f30046047f4101052009417f6a2d000041f200460b0b0b0b0541000b047f4101',
  '05200941766a2d000041e70046047f200941776a2d000041e90046047f200941786a2d000041f40046047f200941796a2d000041e8004604',
  '7f2009417a6a2d000041f50046047f2009417b6a2d000041e20046047f2009417c6a2d000041df0046047f2009417d6a2d000041f0004604',
  '7f2009417e6a2d000041e10046047f2009417f6a2d000041f40046047f200941006a2d000041df00460541000b0541000b0541000b054100',
  '0b0541000b0541000b0541000b0541000b0541000b0541000b0b0b0b0b0b04402003fd000000210f200341106afd00000021102005200ffd',
  '0c0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0afd23fd642010fd0c0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0afd23fd6441107472200771696a2108',
  '2008200e470440200d20062007696a200ffd0cf8f8f8f8f8f8f8f8f8f8f8f8f8f8f8f8fd4efd0cf0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0fd',
  '23fd642010fd0cf8f8f8f8f8f8f8f8f8f8f8f8f8f8f8f8fd4efd0cf0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0fd23fd6441107472200771696a',
  '200ffd0cc0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0fd4efd0c80808080808080808080808080808080fd23fd642010fd0cc0c0c0c0c0c0c0c0',
  'c0c0c0c0c0c0c0c0fd4efd0c80808080808080808080808080808080fd23fd6441107472200771696b360200200d2008360204200d41086a',
  '210d2008210e0b0b0c000b0b0c000b0b200d20026b4103760b',
].join('');

const fromHex = (hex: string): Uint8Array => {
  const out = new Uint8Array(hex.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
};

let compiled: object | null | undefined; // undefined: not tried yet; null: no WebAssembly or TextEncoder here

/** The compiled module (a constant), or null when the host cannot run it. */
const simdModule = (): object | null => {
  if (compiled === undefined) {
    try {
      compiled = typeof WebAssembly === 'undefined' || typeof TextEncoder === 'undefined' ? null : new WebAssembly.Module(fromHex(LINE_SCANNER_HEX));
    } catch {
      compiled = null;
    }
  }
  return compiled;
};

const PAGE = 65536;
/** Text starts at BASE: the zero bytes before it end every walk back; PAD zero bytes after it cover every read ahead. */
const BASE = 32;
const PAD = 64;
/** Scratch memory is kept between calls up to this size (a larger one is dropped after its call). */
const KEEP_BYTES = 1 << 28;
/**
 * Memory is not asked for beyond this, so that every address fits in 31 bits (the module's i32 arithmetic never
 * wraps); longer texts take the regular-expression path. Worst case per UTF-16 unit: 3 bytes of UTF-8, plus the
 * queue (at most 1 byte per text byte) and the records (at most 2 bytes per text byte): 12 bytes.
 */
const MAX_BYTES = 0x7fff0000;

interface Scratch {
  readonly mem: WasmMemory;
  readonly scan: (p: number, end: number, q: number, out: number) => number;
}
/**
 * The scratch memory and instance of the last call, reused so that the pages are not faulted in again (a fresh
 * 10 MB memory costs more than the whole scan). Every byte the module reads is written, or zeroed, by the call
 * that reads it, so no call sees another call's data; calls do not nest (records are copied out before any visit).
 */
let kept: Scratch | null = null;

const scratchFor = (wasm: WasmHost, mod: object, bytes: number): Scratch => {
  if (kept !== null && kept.mem.buffer.byteLength >= bytes) return kept;
  const mem = new wasm.Memory({ initial: Math.ceil(bytes / PAGE) });
  const inst = new wasm.Instance(mod, { m: { mem } });
  const s: Scratch = { mem, scan: inst.exports['scan'] as Scratch['scan'] };
  kept = s;
  return s;
};

const growTo = (mem: WasmMemory, bytes: number): void => {
  const need = Math.ceil(bytes / PAGE) - mem.buffer.byteLength / PAGE;
  if (need > 0) mem.grow(need);
};

/**
 * SIMD line selection; false when it could not run (memory refused for this size), with nothing visited. Records
 * are (UTF-16 offset of an anchor byte in a trigger, line number), one per trigger line, in text order. Sizes: the
 * queue holds at most one 16-byte entry per 32-byte chunk; a trigger line holds at least 4 bytes and its newline,
 * so `bytes / 4 + 2` records always fit.
 */
const simdLines = (wasm: WasmHost, mod: object, content: string, visit: LineVisitor): boolean => {
  const n = content.length;
  if (BASE + 12 * n + 4 * PAD > MAX_BYTES) return false;
  let records: Int32Array;
  try {
    const scratch = scratchFor(wasm, mod, BASE + n + PAD);
    const { mem } = scratch;
    const enc = new (TextEncoder as new () => Utf8Encoder)();
    const r = enc.encodeInto(content, new Uint8Array(mem.buffer, BASE, n));
    let written = r.written;
    if (r.read < n) {
      // Non-ASCII text: each remaining UTF-16 unit takes at most 3 bytes.
      const rest = n - r.read;
      growTo(mem, BASE + written + 3 * rest + PAD);
      written += enc.encodeInto(content.slice(r.read), new Uint8Array(mem.buffer, BASE + written, 3 * rest)).written;
    }
    const q = (BASE + written + PAD + 15) & ~15;
    const out = q + 16 * ((written >> 4) + 2);
    growTo(mem, out + 8 * ((written >> 2) + 2));
    new Uint8Array(mem.buffer, BASE + written, PAD).fill(0);
    const k = scratch.scan(BASE, BASE + written, q, out);
    records = new Int32Array(mem.buffer, out, 2 * k).slice();
  } catch {
    return false;
  } finally {
    if (kept !== null && kept.mem.buffer.byteLength > KEEP_BYTES) kept = null;
  }
  for (let i = 0; i < records.length; i += 2) visitLineAt(content, records[i] as number, records[i + 1] as number, visit);
  return true;
};

/**
 * Visit every line (S1: split on `\n`, one trailing `\r` removed) that contains a trigger, in order, once.
 * `visit(line, lineNo, start, end)` gets the line without its `\r`, its 1-based number and its span in `content`.
 * Lines without a trigger cannot hold a §7.2 candidate and are skipped.
 */
export const forEachTriggerLine = (content: string, visit: LineVisitor, mode: LineMode = 'auto'): void => {
  if (mode === 'simd' || (mode === 'auto' && content.length >= SIMD_MIN_CHARS)) {
    const mod = simdModule();
    if (mod !== null && simdLines(WebAssembly as WasmHost, mod, content, visit)) return;
    if (mode === 'simd') throw new Error('SIMD line selection is not available on this host');
  }
  regexLines(content, visit);
};

/** Whether the SIMD implementation runs on this host (tests and benches report it). */
export const simdAvailable = (): boolean => simdModule() !== null;
