/**
 * What the PostgreSQL lane store (`pg-lane-store.ts`, push-gate.md §5.7 PS1–PS9) and its landing queue
 * (`pg-lane-queue.ts`, land.md §2.1 QP1–QP6) write the same way: the clock every statement reads, instants as
 * milliseconds, the PL/pgSQL function each method's statement lives in and the call that runs it, the reading of
 * result columns. One place, so the two files
 * cannot drift apart (a clock read differently by the queue than by the lanes would order their events wrongly).
 *
 * Only fixed SQL text is built here: identifiers are the quoted schema (`pgIdent`) and names from the code, never
 * user text; every value travels as a `$n` parameter.
 */
/**
 * The `clk` CTE of a statement (PS3, LS2): the instant it decides by, from the view `view` of schema `S` (the database
 * clock, whole milliseconds; the view's name carries the schema version that created it), or `$1` (ms epoch) when the
 * caller sent one: the shared contract suite's test clock. Production sends `null`.
 */
export const clockCte = (S: string, view: string): string =>
  `clk AS (SELECT CASE WHEN $1::float8 IS NULL THEN v.t ELSE 'epoch'::timestamptz + $1::float8 * interval '1 millisecond' END AS t FROM ${S}.${view} v)`;

/** The `timestamptz` expression `col` as milliseconds since the epoch (`float8`), as the kernel counts time. */
export const msOf = (col: string): string => `(extract(epoch from ${col}) * 1000)::float8`;

/** A method function's argument types in `$n` order and its result columns (`TABLE(…)`); `null` = no result. */
export interface PgSignature {
  readonly args: ReadonlyArray<string>;
  readonly returns: string | null;
}

/**
 * DDL of the PL/pgSQL function `S.name` that runs one method's `statement` (PS6): the client then sends a short call
 * and the server keeps the plan per connection, while each call stays one statement in one transaction and needs no
 * session state (PgBouncer in transaction mode is fine). Column names win over PL/pgSQL variables of the same name.
 */
export const methodFunctionDDL = (S: string, name: string, sig: PgSignature, statement: string): string =>
  `CREATE FUNCTION ${S}.${name}(${sig.args.join(', ')}) RETURNS ${sig.returns ?? 'void'} LANGUAGE plpgsql AS $fn$
#variable_conflict use_column
BEGIN
  ${sig.returns === null ? '' : 'RETURN QUERY '}${statement};
END
$fn$`;

/** The parameterised call of the function `S.name` with arguments of types `args` (`$1::float8, $2::text, …`). */
export const methodCall = (S: string, name: string, args: ReadonlyArray<string>): string =>
  `SELECT * FROM ${S}.${name}(${args.map((t, i) => `$${i + 1}::${t}`).join(', ')})`;

/** One result row (or one object of a JSON column). */
export type PgRow = Record<string, unknown>;

/** A text column's value; `''` for SQL null or anything not text. */
export const rowStr = (v: unknown): string => (typeof v === 'string' ? v : '');

/** A numeric column's value (`float8` arrives as a number, `bigint` as text); `NaN` when it is neither. */
export const rowNum = (v: unknown): number => (typeof v === 'number' ? v : Number(v));
