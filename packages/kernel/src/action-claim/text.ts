/**
 * Action-claim text classification (action-claim.md §2): does an assistant message announce an action (`I'll
 * redeploy …`), and which lemma? Pure and total.
 */
import { CLAIM_STEM_RE } from '../early.js';
import { LEMMAS, type Lemma } from './records.js';

// ───────────────────────────────────────── classification (action-claim.md §2) ─────────────────────────────────────────

/** Result of {@link classifyActionClaim}. */
export type ClaimClass =
  | { readonly claim: false }
  | { readonly claim: true; readonly lemma: Lemma; readonly span: string };

/** Verb-slot forms per lemma (shapes A and B). */
const FORMS: Readonly<Record<Lemma, ReadonlyArray<string>>> = {
  relaunch: ['relaunch', 'relaunches', 'relaunching'],
  restart: ['restart', 'restarts', 'restarting'],
  redeploy: ['redeploy', 'redeploys', 'redeploying'],
  deploy: ['deploy', 'deploys', 'deploying'],
  push: ['push', 'pushes', 'pushing'],
  merge: ['merg', 'merge', 'merges', 'merging'],
  revert: ['revert', 'reverts', 'reverting'],
  rebase: ['rebas', 'rebase', 'rebases', 'rebasing'],
  rerun: ['rerun', 'reruns', 'rerunning', 're-run', 're-runs', 're-running'],
  fix: ['fix', 'fixes', 'fixing'],
};

/** Participles per lemma (shape C). */
const PARTICIPLES: Readonly<Record<Lemma, ReadonlyArray<string>>> = {
  relaunch: ['relaunching'],
  restart: ['restarting'],
  redeploy: ['redeploying'],
  deploy: ['deploying'],
  push: ['pushing'],
  merge: ['merging'],
  revert: ['reverting'],
  rebase: ['rebasing'],
  rerun: ['rerunning', 're-running'],
  fix: ['fixing'],
};

/** Verb-slot forms of each lemma, exported for tests and tables. */
export const verbForms = (lemma: Lemma): ReadonlyArray<string> => FORMS[lemma];
/** Shape C participles of each lemma, exported for tests and tables. */
export const participles = (lemma: Lemma): ReadonlyArray<string> => PARTICIPLES[lemma];

const FORM_TO_LEMMA = new Map<string, Lemma>();
for (const l of LEMMAS) for (const f of [...FORMS[l], ...PARTICIPLES[l]]) FORM_TO_LEMMA.set(f, l);

const esc = (s: string): string => s.replace(/[-]/g, '\\-');
// Longest first inside each alternation; the trailing ‹WB› decides anyway.
const alt = (words: ReadonlyArray<string>): string =>
  [...new Set(words)].sort((a, b) => b.length - a.length || (a < b ? -1 : 1)).map(esc).join('|');

const AP = "['\\u2019]";
const SUBJ = `(?:I${AP}?m|I\\s+am|we${AP}re|we\\s+are)`;
const LEADS = [`I${AP}?ll`, `I\\s+will`, `we${AP}ll`, `we\\s+will`, `let\\s+me`, `${SUBJ}\\s+(?:going|about)\\s+to`].join('|');
const ALL_FORMS = alt(LEMMAS.flatMap((l) => FORMS[l]));
const ALL_PARTS = alt(LEMMAS.flatMap((l) => PARTICIPLES[l]));
const X = '[^.!?\\n]{0,40}';
const START = '(?:^|[.!?]\\s+)';

/**
 * One global, case-insensitive, non-unicode regex holding the 30 patterns of action-claim.md §2 grouped by shape. At any origin at
 * most one pattern can match (their fixed words are disjoint), so the leftmost match of this union is the candidate
 * with the smallest origin, and a tie in rule 4 never arises. The regex has no nested quantifiers: every `\s+` is
 * followed by a literal, X is bounded at 40, so a search is linear in the text length.
 *
 * Groups: 1 = form (A, personal lead) · 2 = span (A, elliptical lead), 3 = its form · 4 = form (B) ·
 * 5 = span (C, before trimming), 6 = participle.
 */
const CLAIM_RE = new RegExp(
  [
    `\\b(?:${LEADS})\\s+(${ALL_FORMS})\\b`,
    `\\b${START}((?:going|about)\\s+to\\s+(${ALL_FORMS}))\\b`,
    `\\b(?:I${AP}?m|I\\s+am)\\s+(${ALL_FORMS})\\b`,
    `${START}((${ALL_PARTS})\\s+(?:(?:now|it|this|that)\\b|the\\b${X}|to\\b${X}))`,
  ].join('|'),
  'gi',
);

/** A cheap pre-filter: a text without any lemma stem cannot hold a claim (shared with the dispatcher via early.ts). */
const STEM_RE = CLAIM_STEM_RE;

const QUOTES = new Set(['"', "'", '\u201c', '\u201d', '\u2018', '\u2019', '`']);

/**
 * action-claim.md §2 rule 2: look at up to two characters before `origin`, skipping U+0020; the first other character decides.
 * True when that character is a quote (`"` `'` `“` `”` `‘` `’` or the backtick).
 */
export const isQuotedAt = (text: string, origin: number): boolean => {
  for (let k = 1; k <= 2; k++) {
    const i = origin - k;
    if (i < 0) return false;
    const ch = text[i]!;
    if (ch === ' ') continue;
    return QUOTES.has(ch);
  }
  return false;
};

const trimEnd = (s: string): string => s.replace(/\s+$/, '');

/**
 * `classifyActionClaim(text)` (action-claim.md §2): does the text promise one of the ten actions in the first person?
 *
 * Total over any value: a non-string or empty input gives `{claim:false}`; never throws. Linear time in the input
 * length (one regex scan with bounded backtracking, plus a re-scan from the next position after each quoted
 * candidate). Rules: candidates from shapes A (future lead), B (first-person progressive), C (participle opening a
 * sentence, with a trailer); a candidate preceded by a quote is dropped (rule 2); past forms never fit the verb slot
 * (rule 3); the smallest origin wins (rule 4). `span` runs from the lead, `I` or the participle to the end of the
 * match with trailing whitespace removed, and is always a substring of the input.
 */
export const classifyActionClaim = (text: unknown): ClaimClass => {
  if (typeof text !== 'string' || text.length === 0 || !STEM_RE.test(text)) return { claim: false };
  // One shared regex object: JavaScript runs this synchronously to completion, so resetting `lastIndex` before each
  // search is safe and saves compiling a regex per call.
  const re = CLAIM_RE;
  let from = 0;
  while (from <= text.length) {
    re.lastIndex = from;
    const m = re.exec(text);
    if (m === null) return { claim: false };
    const origin = m.index;
    if (!isQuotedAt(text, origin)) {
      const end = origin + m[0].length;
      let form: string;
      let spanText: string;
      if (m[1] !== undefined) {
        form = m[1];
        spanText = m[0];
      } else if (m[2] !== undefined) {
        form = m[3]!;
        spanText = text.slice(end - m[2].length, end);
      } else if (m[4] !== undefined) {
        form = m[4];
        spanText = m[0];
      } else {
        form = m[6]!;
        spanText = text.slice(end - m[5]!.length, end);
      }
      const lemma = FORM_TO_LEMMA.get(form.toLowerCase());
      if (lemma !== undefined) return { claim: true, lemma, span: trimEnd(spanText) };
    }
    from = origin + 1;
  }
  return { claim: false };
};
