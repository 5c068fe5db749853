/**
 * Colour for the verbs' human output, decided per stream (picocolors paints; this module only decides whether).
 *
 * picocolors' own default turns colour on whenever a `CI` variable is set, even when the output is a pipe or a
 * file, so `arbiter log | grep` in a CI job would carry escape codes. Our rule (architecture.md "Colour"):
 * `NO_COLOR` (any non-empty value) turns colour off; otherwise `FORCE_COLOR` (any value but `0` or `false`) turns
 * it on; otherwise colour is on only when the stream is a terminal and `TERM` is not `dumb`.
 */
type Picocolors = typeof import('picocolors');

/** The painter type picocolors returns (red, green, bold, ...). */
export type Painter = ReturnType<Picocolors['createColors']>;

let picocolors: Picocolors | null = null;
/**
 * picocolors' `createColors`, loaded on the first painter. Loading picocolors reads `process.stdout.isTTY` for its own
 * default (unused here), which creates the stdout stream and Node's stream modules (about 5 ms): a verb that writes
 * its output to the descriptor (one `arbiter status` into a pipe) and paints nothing never pays for it. The binary's
 * bundles are CommonJS, where the bundler turns this `require` into a call of the bundled module.
 */
const createColors = (on: boolean): Painter => (picocolors ??= require('picocolors') as Picocolors).createColors(on);

/** The stream facts the decision needs. */
export interface ColourFacts {
  readonly isTTY: boolean;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/**
 * Whether to colour a stream. Total: every input gives a boolean (rule in the module comment).
 * Source: architecture.md "Colour".
 */
export const colourWanted = ({ isTTY, env }: ColourFacts): boolean => {
  if ((env['NO_COLOR'] ?? '') !== '') return false;
  const force = env['FORCE_COLOR'];
  if (force !== undefined) return force !== '0' && force.toLowerCase() !== 'false';
  return isTTY && env['TERM'] !== 'dumb';
};

/** A painter for `stream` (stdout or stderr of this process) under this process's environment. */
export const paintFor = (stream: { readonly isTTY?: boolean }): Painter =>
  createColors(colourWanted({ isTTY: stream.isTTY === true, env: process.env }));
