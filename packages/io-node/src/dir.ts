/**
 * The two file-system helpers the decision-log writer needs, apart from atomic.ts (which re-exports them): a bundle
 * that only appends to the log (the hook dispatcher, `dist/arbiter.cjs`) then imports no other `node:fs` function,
 * and the bundler has no unused import to warn about (a clean build prints no warning; scripts/build.mjs --strict).
 */
import { mkdirSync } from 'node:fs';

/** errno code of an unknown thrown value, `EUNKNOWN` when it has none. */
export const errnoCode = (e: unknown): string =>
  typeof e === 'object' && e !== null && typeof (e as { code?: unknown }).code === 'string'
    ? (e as { code: string }).code
    : 'EUNKNOWN';

/** `mkdir -p` with mode 0700 (session-lock.md §4.2 SD4). Throws the fs error. */
export const ensureDir = (dir: string): void => {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
};
