/** Instants as text, without any codec dependency (architecture.md conventions §4). */

/** One day, ms (24 hours: calendar days and daylight saving play no part in the ages the policies count). */
export const DAY_MS = 86_400_000;

/**
 * Render a ms-epoch instant as ISO-8601 UTC with milliseconds (`toISOString` form), without reading a clock.
 * Throws a `RangeError` only for instants outside the `Date` range (callers pass validated instants).
 */
export const msToIso = (ms: number): string => new Date(ms).toISOString();
