/**
 * Small io-ts building blocks shared by every decision's model section.
 *
 * Source: architecture.md conventions §4 (instants on disk are ISO-8601 UTC with milliseconds, converted at the
 * boundary, anything that does not round-trip rejected) and the range rules of each spec.
 */
import * as t from 'io-ts';

/**
 * Integer codec bounded to `[min, max]` (inclusive). Decodes only `number` values that are integers in range.
 * Errors: an io-ts validation failure naming `name`.
 */
export const intIn = (min: number, max: number, name = `Int[${min},${max}]`): t.Type<number, number, unknown> =>
  new t.Type<number, number, unknown>(
    name,
    (u): u is number => typeof u === 'number' && Number.isInteger(u) && u >= min && u <= max,
    (u, c) =>
      typeof u === 'number' && Number.isInteger(u) && u >= min && u <= max ? t.success(u) : t.failure(u, c),
    t.identity,
  );

/** Any safe integer (e.g. a ms-epoch instant held in memory). */
export const SafeInt = intIn(Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, 'SafeInt');

/**
 * String codec whose length (UTF-16 code units) lies in `[min, max]`.
 * Errors: an io-ts validation failure naming `name`.
 */
export const strLen = (min: number, max: number, name = `String[${min},${max}]`): t.Type<string, string, unknown> =>
  new t.Type<string, string, unknown>(
    name,
    (u): u is string => typeof u === 'string' && u.length >= min && u.length <= max,
    (u, c) => (typeof u === 'string' && u.length >= min && u.length <= max ? t.success(u) : t.failure(u, c)),
    t.identity,
  );

/** Largest ms-epoch instant a JavaScript `Date` can represent (±8.64e15 ms). */
const MAX_DATE_MS = 8_640_000_000_000_000;

import { msToIso } from './time.js';

export { msToIso };

/**
 * Codec between a ms-epoch integer (in memory) and its ISO-8601 UTC string with milliseconds (on disk and in
 * logs). Decoding accepts only strings that round-trip exactly through `toISOString` (architecture.md conventions §4),
 * so `2026-01-01T00:00:00Z` (no milliseconds) or a local offset is rejected.
 */
export const IsoMillis: t.Type<number, string, unknown> = new t.Type<number, string, unknown>(
  'IsoMillis',
  (u): u is number => typeof u === 'number' && Number.isInteger(u) && Math.abs(u) <= MAX_DATE_MS,
  (u, c) => {
    if (typeof u !== 'string' || u.length !== 24) return t.failure(u, c, 'expected an ISO-8601 UTC instant with ms');
    const ms = Date.parse(u);
    if (!Number.isFinite(ms) || msToIso(ms) !== u) return t.failure(u, c, 'instant does not round-trip');
    return t.success(ms);
  },
  (ms) => msToIso(ms),
);

/**
 * Summarise the first io-ts error as a short, byte-free message (at most `max` characters), for `Corrupt.detail`
 * style fields. Never includes the offending value itself, only the path and the expected type.
 */
export const describeErrors = (errors: t.Errors, max = 200): string => {
  const first = errors[0];
  if (first === undefined) return 'invalid value';
  const path = first.context
    .map((c) => c.key)
    .filter((k) => k !== '')
    .join('.');
  const expected = first.context[first.context.length - 1]?.type.name ?? 'value';
  const text = first.message ?? `invalid ${path === '' ? 'value' : path}: expected ${expected}`;
  return text.replace(/[^\x20-\x7e]/g, '?').slice(0, max);
};
