/**
 * Line selection for the secret scan (secrets.md §1 S1–S2, secrets.md §2): which lines of a text can hold a
 * candidate of one of the ten patterns. Only those lines run the patterns, so this must never miss one: every line
 * that contains a *trigger* is selected, and every match of every secrets.md §2 pattern contains a trigger on its own line.
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
 * (`aws_secret_access_key`, `secret_key` and `api[_-]?key` all end in `key`.)
 *
 * One case-insensitive alternation of the triggers finds them; line numbers are counted with `indexOf`, so the
 * walk is linear: each trigger match visits its line once and the search resumes after that line. At 160-180 MB/s
 * this scans a 10 MB diff in well under a tenth of a second, which is why no faster (WebAssembly) selector is kept.
 *
 * Pure and total: the matcher is compiled per call unless the caller passes one (its `lastIndex` is reset around each walk).
 */

/** Visit a trigger line: the line without its `\r`, its 1-based number, and its span in the text (`end` excludes `\n`/`\r`). */
export type LineVisitor = (line: string, lineNo: number, start: number, end: number) => void;

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

/**
 * Visit every line (S1: split on `\n`, one trailing `\r` removed) that contains a trigger, in order, once.
 * `visit(line, lineNo, start, end)` gets the line without its `\r`, its 1-based number and its span in `content`.
 * Lines without a trigger cannot hold a secrets.md §2 candidate and are skipped. `trig` is a matcher from
 * {@link compileTrigger} that the caller may keep and reuse (its `lastIndex` is reset before and after the walk);
 * by default each call compiles its own.
 */
export const forEachTriggerLine = (content: string, visit: LineVisitor, trig: RegExp = compileTrigger()): void => {
  trig.lastIndex = 0;
  try {
    walk(content, visit, trig);
  } finally {
    trig.lastIndex = 0;
  }
};

/** The trigger alternation as a fresh global, case-insensitive matcher (for {@link forEachTriggerLine}). */
export const compileTrigger = (): RegExp => new RegExp(TRIGGER, 'gi');

const walk = (content: string, visit: LineVisitor, trig: RegExp): void => {
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
