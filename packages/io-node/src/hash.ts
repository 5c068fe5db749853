/**
 * SHA-256 through `node:crypto`, loaded on first use (lazy-builtins.ts): native hashing costs a few ms once to load
 * and microseconds per call, where a pure-JavaScript hash runs its first calls unoptimised (about a tenth of a
 * millisecond each in a fresh process), which a reader of a hundred lane keys or a large file would pay.
 */
import { crypto } from './lazy-builtins.js';

/** The first `n` lowercase hex characters of the SHA-256 of the UTF-8 bytes of `s` (`n` ≤ 64). Total. */
export const sha256Hex = (s: string, n: number): string => crypto().createHash('sha256').update(s, 'utf8').digest('hex').slice(0, n);
