/**
 * From probe answers to the path facts (paths.md §3 and paths.md §6): the fail direction of each probe lives here, so the
 * adapters only report what they saw. Pure and total.
 */
import type { CaseProbe, SymlinkScanEntry } from '../ports/path-probes.js';

/**
 * paths.md §3: the `caseInsensitive` fact from the case probe. `Found` → true; `NotFound` → false; `Failed` → true
 * (fail closed: a false overlap only serialises work, a missed one lets two agents edit one file).
 */
export const caseInsensitiveOf = (p: CaseProbe): boolean => p._tag !== 'NotFound';

/**
 * paths.md §6: the `symlinkFindings` fact from a symlink scan: the request paths whose outcome is `escapes` or
 * `unresolved` (fail closed: a path that cannot be resolved is refused), in scan order, each once.
 */
export const symlinkFindingsOf = (entries: ReadonlyArray<SymlinkScanEntry>): ReadonlyArray<string> => {
  const out: string[] = [];
  for (const e of entries) if (e.outcome !== 'inside' && !out.includes(e.path)) out.push(e.path);
  return out;
};
