/** Instants as text, without any codec dependency (architecture.md conventions §4). */

/**
 * Render a ms-epoch instant as ISO-8601 UTC with milliseconds (`toISOString` form), without reading a clock.
 * Throws a `RangeError` only for instants outside the `Date` range (callers pass validated instants).
 */
export const msToIso = (ms: number): string => new Date(ms).toISOString();
