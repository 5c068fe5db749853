/**
 * SHA-256 for commitment keys and ids (action-claim.md §4 "Hash decision"), through `@noble/hashes` — the audited,
 * dependency-free, pure-JavaScript hash library architecture.md allows in the kernel (no `node:crypto` here). Strings
 * are encoded as UTF-8 (lone surrogates become U+FFFD, exactly as `node:crypto` does; CM-P2 checks the two agree).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';

/** SHA-256 of raw bytes, as 64 lowercase hex characters. */
export const sha256Bytes = (msg: Uint8Array): string => bytesToHex(sha256(msg));

/** SHA-256 of the UTF-8 bytes of `s`, as 64 lowercase hex characters. Total over every string. */
export const sha256Hex = (s: string): string => sha256Bytes(utf8ToBytes(s));
