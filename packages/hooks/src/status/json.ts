/** `arbiter status --json` (status.md §4): the snapshot as JSON text that is safe to print on a terminal. */
import type { StatusSnapshot } from '@arbiter/kernel';

/**
 * Characters JSON.stringify leaves raw that a terminal may act on: DEL, C1 controls, line separators, format (bidi)
 * characters, and every other default-ignorable code point (the reserved U+2065 among them, which a later Unicode
 * version may make a format character).
 */
const JSON_UNSAFE = /[\u007f-\u009f\u2028\u2029\p{Cf}\p{Default_Ignorable_Code_Point}]/gu;
const u4 = (n: number): string => `\\u${n.toString(16).padStart(4, '0')}`;

/**
 * The snapshot as one line of JSON in which every character a terminal could act on is a `\uXXXX` escape
 * (status.md §4): the same value for a JSON reader, safe to print. Structural characters are ASCII, so only string contents
 * are touched.
 */
export const snapshotJson = (s: StatusSnapshot): string =>
  JSON.stringify(s).replace(JSON_UNSAFE, (ch) => {
    const cp = ch.codePointAt(0) as number;
    return cp <= 0xffff ? u4(cp) : u4(0xd800 + ((cp - 0x10000) >> 10)) + u4(0xdc00 + ((cp - 0x10000) & 0x3ff));
  });

