/**
 * Action claims, commitments and follow-through evidence.
 *
 * Normative source: spec/sentinels.md §1 (policy `action-claim`, version 1.0.0), with DESIGN.md conventions
 * (reason codes are the spec's codes without the `cm.` / `fe.` area prefix, written beside the policy name: claim
 * observation and the CLI log under `action-claim`, evidence under `follow-through`; instants on disk are ISO-8601
 * via `IsoMillis`; the store lives in `<git common dir>/arbiter/commitments/`).
 *
 * Sections: model → classification (§1.2) → command classification and outcome (§1.5.2–1.5.3) → decisions
 * (`observeClaim` §1.3, `observeEvidence` §1.5.5, CLI closes §1.6) → store semantics (effects application, §1.3
 * "Applying the effects") → messages (§1.5, §1.6) → table.
 *
 * Pure: no I/O, no clock, no randomness. `now` and store contents arrive as facts.
 */
import * as t from 'io-ts';
import { isRight } from 'fp-ts/lib/Either.js';
import { IsoMillis, SafeInt, describeErrors, intIn, msToIso } from '../internal/codecs.js';
import { done, need, type Done, type Need } from '../internal/step.js';
import { HANDLE_CHAR, clamp, keepOnly, sanitiseLine, shortId } from '../internal/text.js';
import { sha256Hex } from '../internal/sha256.js';
import { ACTION_CLAIM_POLICY, ACTION_CLAIM_POLICY_VERSION, CLAIM_STEM_RE, claimTopicOf } from '../hot.js';
import type { DecisionTable } from '../internal/table.js';

// ───────────────────────────────────────── constants (§1.3, §1.4) ─────────────────────────────────────────

/** Policy id of claim observation and the `arbiter commitments` verbs in the decision log. */
export const POLICY = ACTION_CLAIM_POLICY;
/** Policy id of follow-through evidence (§1.5) in the decision log. */
export const EVIDENCE_POLICY = 'follow-through';
/** Policy version (semver). */
export const POLICY_VERSION = ACTION_CLAIM_POLICY_VERSION;
/** Messages are classified after `clamp(message, MESSAGE_CLAMP)`, UTF-16 code units. */
export const MESSAGE_CLAMP = 16_384;
/** Largest number of active `actionclaim:` commitments one topic may gain by registration. */
export const PER_TOPIC_CAP = 5;
/** Lifetime of a commitment after its creation or latest restatement, ms (6 h). */
export const EXPIRY_MS = 21_600_000;
/** Stored span length, code points. */
export const SPAN_MAX = 120;
/** Hex characters of the external key hash. */
export const KEY_HASH_LEN = 16;
/** Prefix of every action-claim external key. */
export const KEY_PREFIX = 'actionclaim:';
/** Closed records older than this are pruned when the store is written, ms (7 days, sentinels.md §0.5 rule 4). */
export const PRUNE_AFTER_MS = 7 * 86_400_000;
/** Evidence command text length, code points. */
export const EVIDENCE_COMMAND_MAX = 200;
/** Withdrawal note / manual note length, code points. */
export const NOTE_MAX = 200;

// ───────────────────────────────────────── model ─────────────────────────────────────────

/** The ten lemmas, in the fixed order that breaks ties (§1.2). */
export const LEMMAS = ['relaunch', 'restart', 'redeploy', 'deploy', 'push', 'merge', 'revert', 'rebase', 'rerun', 'fix'] as const;
export const LemmaCodec = t.keyof({
  relaunch: null,
  restart: null,
  redeploy: null,
  deploy: null,
  push: null,
  merge: null,
  revert: null,
  rebase: null,
  rerun: null,
  fix: null,
});
export type Lemma = t.TypeOf<typeof LemmaCodec>;

/** Lemmas whose evidence comes from `commitments.evidence.action_patterns.<lemma>` (§1.5.3). */
export const ACTION_PATTERN_LEMMAS = ['relaunch', 'restart', 'deploy', 'redeploy'] as const;
export type ActionPatternLemma = (typeof ACTION_PATTERN_LEMMAS)[number];

export const StatusCodec = t.keyof({ open: null, delivered: null, withdrawn: null, expired: null });
export type Status = t.TypeOf<typeof StatusCodec>;

const Text = t.string;

const evidenceCodecs = <I>(instant: t.Type<number, I, unknown>) =>
  t.union([
    t.type({
      kind: t.literal('command'),
      lemma: LemmaCodec,
      command: Text,
      toolUseId: t.union([t.string, t.null]),
      at: instant,
    }),
    t.type({ kind: t.literal('manual'), note: t.union([t.string, t.null]) }),
  ]);

const commitmentCodecs = <I>(instant: t.Type<number, I, unknown>) => {
  const flat = t.type({
    id: t.string,
    externalKey: t.string,
    topic: t.string,
    lemma: LemmaCodec,
    span: Text,
    lastSpan: Text,
    createdAt: instant,
    expiresAt: instant,
    restatedAt: instant,
    restatements: intIn(0, Number.MAX_SAFE_INTEGER, 'Restatements'),
    status: StatusCodec,
    closedAt: t.union([instant, t.null]),
    evidence: t.union([evidenceCodecs(instant), t.null]),
    note: t.union([t.string, t.null]),
  });
  // A stored record is open exactly when it has no `closedAt` (§1.4: "Set when the status leaves open").
  return new t.Type<t.TypeOf<typeof flat>, t.OutputOf<typeof flat>, unknown>(
    'Commitment',
    (u): u is t.TypeOf<typeof flat> => flat.is(u) && (u.status === 'open') === (u.closedAt === null),
    (u, c) => {
      const r = flat.validate(u, c);
      if (isRight(r) && (r.right.status === 'open') !== (r.right.closedAt === null)) {
        return t.failure(u, c, 'closedAt must be null exactly when status is open');
      }
      return r;
    },
    flat.encode,
  );
};

/** In-memory commitment codec (instants as ms epoch). */
export const CommitmentMem = commitmentCodecs(SafeInt);
/** On-disk commitment codec (instants as ISO-8601 UTC with ms; DESIGN.md conventions §4). */
export const CommitmentCodec = commitmentCodecs(IsoMillis);
/** One commitment record (§1.4). Instants in ms epoch. */
export type Commitment = t.TypeOf<typeof CommitmentMem>;
export type Evidence = NonNullable<Commitment['evidence']>;

/** The store document `{version:1, commitments:[…]}` (sentinels.md §0.5), on-disk form. */
export const StoreFileCodec = t.type({ version: t.literal(1), commitments: t.array(CommitmentCodec) });

/** Decode the text of one store document. `Left` carries a short byte-free detail. Total. */
export const decodeStoreFile = (text: string): { ok: true; commitments: Commitment[] } | { ok: false; detail: string } => {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, detail: 'not valid JSON' };
  }
  const r = StoreFileCodec.decode(json);
  return isRight(r) ? { ok: true, commitments: r.right.commitments } : { ok: false, detail: describeErrors(r.left) };
};

/** Encode a store document (ISO instants). Deterministic. */
export const encodeStoreFile = (commitments: ReadonlyArray<Commitment>): string =>
  JSON.stringify(StoreFileCodec.encode({ version: 1, commitments: [...commitments] }));

/** Settings of this policy (`commitments.*`, sentinels.md §0.5), already defaulted. */
export interface CommitmentsSettings {
  readonly enabled: boolean;
  readonly evidence: {
    readonly enabled: boolean;
    readonly test_commands: ReadonlyArray<string>;
    readonly action_patterns: Readonly<Record<ActionPatternLemma, ReadonlyArray<string>>>;
  };
}

/** §1.5.4 default `test_commands`. */
export const DEFAULT_TEST_COMMANDS: ReadonlyArray<string> = [
  'npm test',
  'npm run test',
  'npm t',
  'pnpm test',
  'pnpm run test',
  'yarn test',
  'yarn run test',
  'bun test',
  'npx vitest',
  'vitest',
  'npx jest',
  'jest',
  'pytest',
  'python -m pytest',
  'go test',
  'cargo test',
  'make test',
];

/** Documented defaults (§0.5, §1.5.4): enabled, evidence enabled, the default test commands, no action patterns. */
export const DEFAULT_SETTINGS: CommitmentsSettings = {
  enabled: true,
  evidence: {
    enabled: true,
    test_commands: DEFAULT_TEST_COMMANDS,
    action_patterns: { relaunch: [], restart: [], deploy: [], redeploy: [] },
  },
};

/** A probe answer (§0.3 rule 2). */
export type ProbeAnswer<A> =
  | { readonly ok: true; readonly value: A }
  | { readonly ok: false; readonly error: { readonly kind: string; readonly detail: string } };

/** The only probe of this policy: every commitment of one topic, any status. */
export interface TopicCommitmentsProbe {
  readonly _tag: 'TopicCommitments';
  readonly topic: string;
}

// ───────────────────────────────────────── classification (§1.2) ─────────────────────────────────────────

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
 * One global, case-insensitive, non-unicode regex holding the 30 patterns of §1.2 grouped by shape. At any origin at
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

/** A cheap pre-filter: a text without any lemma stem cannot hold a claim (shared with the dispatcher via hot.ts). */
const STEM_RE = CLAIM_STEM_RE;

const QUOTES = new Set(['"', "'", '\u201c', '\u201d', '\u2018', '\u2019', '`']);

/**
 * §1.2 rule 2: look at up to two characters before `origin`, skipping U+0020; the first other character decides.
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
 * `classifyActionClaim(text)` (§1.2): does the text promise one of the ten actions in the first person?
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

// ───────────────────────────────────────── command outcome and classification (§1.5.2–1.5.3) ───────────────

export type Agent = 'claude' | 'codex';
export type CommandOutcome = 'succeeded' | 'failed' | 'unknown';

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === 'object' && u !== null && !Array.isArray(u);

/**
 * §1.5.2: the outcome of a Bash call from its PostToolUse payload. Claude: background → unknown, `interrupted` →
 * failed, else succeeded (failures go to PostToolUseFailure). Codex: an integer `exit_code`/`exitCode` in an object,
 * or a string whose first line reads `Exit code: <integer>`; 0 → succeeded, other → failed; anything else unknown.
 * Total; never throws on plain JSON values.
 */
export const commandOutcome = (agent: Agent, toolInput: unknown, toolResponse: unknown): CommandOutcome => {
  if (agent === 'claude') {
    if (isRecord(toolInput) && toolInput['run_in_background'] === true) return 'unknown';
    if (isRecord(toolResponse) && toolResponse['interrupted'] === true) return 'failed';
    return 'succeeded';
  }
  const fromCode = (v: unknown): CommandOutcome | null =>
    typeof v === 'number' && Number.isInteger(v) ? (v === 0 ? 'succeeded' : 'failed') : null;
  if (isRecord(toolResponse)) {
    return fromCode(toolResponse['exit_code']) ?? fromCode(toolResponse['exitCode']) ?? 'unknown';
  }
  if (typeof toolResponse === 'string') {
    const nl = toolResponse.indexOf('\n');
    const first = nl < 0 ? toolResponse : toolResponse.slice(0, nl);
    const m = /^\s*exit\s*code\s*:\s*([+-]?\d{1,15})\s*$/i.exec(first.slice(0, 200));
    if (m !== null) return Number(m[1]) === 0 ? 'succeeded' : 'failed';
  }
  return 'unknown';
};

/**
 * §1.5.3 step 1: split a shell command into simple commands, outside quotes, backslash escapes, `$(…)` and backtick
 * spans, at `&&`, `||`, `;`, `|`, `|&`, `&` and LF. Linear; total.
 */
export const splitSimpleCommands = (command: string): string[] => {
  const out: string[] = [];
  let start = 0;
  let single = false;
  let double = false;
  let backtick = false;
  let depth = 0;
  const n = command.length;
  for (let i = 0; i < n; i++) {
    const ch = command[i]!;
    if (single) {
      if (ch === "'") single = false;
      continue;
    }
    if (ch === '\\') {
      i++;
      continue;
    }
    if (double) {
      if (ch === '"') double = false;
      else if (ch === '$' && command[i + 1] === '(') {
        depth++;
        i++;
      } else if (ch === ')' && depth > 0) depth--;
      continue;
    }
    if (ch === "'") single = true;
    else if (ch === '"') double = true;
    else if (ch === '`') backtick = !backtick;
    else if (ch === '$' && command[i + 1] === '(') {
      depth++;
      i++;
    } else if (ch === ')' && depth > 0) depth--;
    else if (!backtick && depth === 0) {
      let sepLen = 0;
      if ((ch === '&' || ch === '|') && command[i + 1] === ch) sepLen = 2;
      else if (ch === '|' && command[i + 1] === '&') sepLen = 2;
      // `>&`, `<&` and `&>` are redirections (`2>&1`, `&> log`), not the background separator.
      else if (ch === '&' && (command[i - 1] === '>' || command[i - 1] === '<' || command[i + 1] === '>')) sepLen = 0;
      else if (ch === ';' || ch === '|' || ch === '&' || ch === '\n') sepLen = 1;
      if (sepLen > 0) {
        out.push(command.slice(start, i));
        i += sepLen - 1;
        start = i + 1;
      }
    }
  }
  out.push(command.slice(start));
  return out.filter((s) => s.trim() !== '');
};

/**
 * §1.5.3 step 2: words of one simple command. Splits on whitespace outside quotes, `$(…)` and backticks; removes
 * quote characters; applies backslash escapes; strips leading `(`, `{`, `!` and trailing `)`, `}`; drops empty words.
 */
export const tokenize = (simple: string): string[] => {
  const words: string[] = [];
  let cur = '';
  let has = false;
  let single = false;
  let double = false;
  let backtick = false;
  let depth = 0;
  const n = simple.length;
  const flush = (): void => {
    if (has) words.push(cur);
    cur = '';
    has = false;
  };
  for (let i = 0; i < n; i++) {
    const ch = simple[i]!;
    if (single) {
      if (ch === "'") single = false;
      else cur += ch;
      continue;
    }
    if (ch === '\\') {
      if (i + 1 < n) cur += simple[i + 1];
      i++;
      has = true;
      continue;
    }
    if (double) {
      if (ch === '"') double = false;
      else cur += ch;
      continue;
    }
    if (ch === "'") {
      single = true;
      has = true;
    } else if (ch === '"') {
      double = true;
      has = true;
    } else if (ch === '`') {
      backtick = !backtick;
      cur += ch;
      has = true;
    } else if (ch === '$' && simple[i + 1] === '(') {
      depth++;
      cur += '$(';
      i++;
      has = true;
    } else if (ch === ')' && depth > 0) {
      depth--;
      cur += ch;
    } else if (/\s/.test(ch) && !backtick && depth === 0) flush();
    else {
      cur += ch;
      has = true;
    }
  }
  flush();
  return words.map((w) => w.replace(/^[({!]+/, '').replace(/[)}]+$/, '')).filter((w) => w !== '');
};

const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;
const WRAPPERS = new Set(['command', 'nohup', 'time', 'exec']);

/** §1.5.3 steps 3–4: drop assignments and wrappers (`env` with its assignments and options, `command`, `nohup`, `time`, `exec`), then reduce the program to its basename. */
export const stripPrefixes = (words: ReadonlyArray<string>): string[] => {
  let i = 0;
  for (;;) {
    const w = words[i];
    if (w === undefined) break;
    if (ASSIGNMENT.test(w) || WRAPPERS.has(w)) {
      i++;
      continue;
    }
    if (w === 'env') {
      i++;
      while (i < words.length && (ASSIGNMENT.test(words[i]!) || words[i]!.startsWith('-'))) i++;
      continue;
    }
    break;
  }
  const rest = words.slice(i);
  if (rest.length > 0) rest[0] = rest[0]!.slice(rest[0]!.lastIndexOf('/') + 1);
  return rest;
};

const GIT_CONSUMING = new Set(['--git-dir', '--work-tree', '--namespace', '--exec-path']);

/** §1.5.3 step 5: the git subcommand and its arguments, skipping global options; null when there is none. */
export const gitSubcommand = (words: ReadonlyArray<string>): { sub: string; args: string[] } | null => {
  let i = 1;
  while (i < words.length) {
    const w = words[i]!;
    if (w === '-C' || w === '-c' || GIT_CONSUMING.has(w)) {
      i += 2;
      continue;
    }
    if (w.startsWith('-')) {
      i++;
      continue;
    }
    return { sub: w, args: words.slice(i + 1) };
  }
  return null;
};

/** Word-prefix match (§1.5.3): every entry word equals the word at the same position; `*` matches any one word. */
export const wordPrefixMatch = (words: ReadonlyArray<string>, entry: string): boolean => {
  const ew = entry.split(/\s+/).filter((w) => w !== '');
  if (ew.length === 0 || ew.length > words.length) return false;
  return ew.every((e, k) => e === '*' || e === words[k]);
};

/** One simple command that is evidence for one lemma. */
export interface CommandHit {
  readonly lemma: Lemma;
  /** The simple command text (raw, unsanitised). */
  readonly simple: string;
}

const settingsOf = (config: unknown): CommitmentsSettings['evidence'] => {
  const c = config as Partial<CommitmentsSettings> | undefined;
  const e = c?.evidence;
  if (!isRecord(e)) return DEFAULT_SETTINGS.evidence;
  const list = (v: unknown, d: ReadonlyArray<string>): ReadonlyArray<string> =>
    Array.isArray(v) && v.every((x) => typeof x === 'string') ? v : d;
  const ap = isRecord(e['action_patterns']) ? (e['action_patterns'] as Record<string, unknown>) : {};
  return {
    enabled: e['enabled'] !== false,
    test_commands: list(e['test_commands'], DEFAULT_TEST_COMMANDS),
    action_patterns: {
      relaunch: list(ap['relaunch'], []),
      restart: list(ap['restart'], []),
      deploy: list(ap['deploy'], []),
      redeploy: list(ap['redeploy'], []),
    },
  };
};

/** Lemmas one simple command's words deliver (after steps 2–4). */
const lemmasOfWords = (words: ReadonlyArray<string>, ev: CommitmentsSettings['evidence']): Lemma[] => {
  const out: Lemma[] = [];
  if (words.length === 0) return out;
  const has = (args: ReadonlyArray<string>, flags: ReadonlyArray<string>): boolean => args.some((a) => flags.includes(a));
  if (words[0] === 'git') {
    const g = gitSubcommand(words);
    if (g !== null) {
      if (g.sub === 'push' && !has(g.args, ['-n', '--dry-run'])) out.push('push');
      if (g.sub === 'merge' && !has(g.args, ['--abort', '--quit'])) out.push('merge');
      if (g.sub === 'rebase' && !has(g.args, ['--abort', '--quit', '--edit-todo', '--show-current-patch'])) out.push('rebase');
      if (g.sub === 'revert' && !has(g.args, ['--abort', '--quit'])) out.push('revert');
    }
  }
  if (words[0] === 'gh' && words[1] === 'pr' && words[2] === 'merge' && !has(words.slice(3), ['--disable-auto'])) out.push('merge');
  if (ev.test_commands.some((e) => wordPrefixMatch(words, e))) out.push('rerun');
  for (const l of ACTION_PATTERN_LEMMAS) if (ev.action_patterns[l].some((e) => wordPrefixMatch(words, e))) out.push(l);
  return out;
};

/**
 * §1.5.3 in detail: every (lemma, simple command) pair the command delivers, in command order. Never yields `fix`.
 * `config` is a {@link CommitmentsSettings} (anything else means the defaults). Total and linear.
 */
export const classifyCommandHits = (command: unknown, config?: unknown): CommandHit[] => {
  if (typeof command !== 'string' || command === '') return [];
  const ev = settingsOf(config);
  const hits: CommandHit[] = [];
  for (const simple of splitSimpleCommands(command)) {
    for (const lemma of lemmasOfWords(stripPrefixes(tokenize(simple)), ev)) hits.push({ lemma, simple: simple.trim() });
  }
  return hits;
};

/**
 * `classifyCommand(command, config) → Set<Lemma>` (§1.5.3): which lemmas an executed command is evidence for.
 * `fix` is never in the set (FE-P1). Total over any value.
 */
export const classifyCommand = (command: unknown, config?: unknown): ReadonlySet<Lemma> =>
  new Set(classifyCommandHits(command, config).map((h) => h.lemma));

// ───────────────────────────────────────── keys, status (§1.4) ─────────────────────────────────────────

/** The pre-hash string of an external key: `<topic>|<lemma>` (the lemma, free of `|`, comes last). */
export const keyMaterial = (topic: string, lemma: Lemma): string => `${topic}|${lemma}`;

/** `externalKey = "actionclaim:" + first 16 hex of sha256("<topic>|<lemma>")` (§1.4). */
export const externalKey = (topic: string, lemma: Lemma): string =>
  KEY_PREFIX + sha256Hex(keyMaterial(topic, lemma)).slice(0, KEY_HASH_LEN);

/** `id = "c-" + first 8 hex of sha256("<externalKey>|<createdAt>")` (§1.4). */
export const commitmentId = (key: string, createdAt: number): string => `c-${sha256Hex(`${key}|${createdAt}`).slice(0, 8)}`;

/** Effective status (§1.4): `expired` when stored `open` and `now > expiresAt`, else the stored status. */
export const effectiveStatus = (c: Commitment, now: number): Status =>
  c.status === 'open' && now > c.expiresAt ? 'expired' : c.status;

/** Active (§1.4): effective status `open` (`now ≤ expiresAt`, inclusive). */
export const isActive = (c: Commitment, now: number): boolean => c.status === 'open' && now <= c.expiresAt;

/** §1.3 rule 2 / §1.5.5 rule 3: a topic is a string holding a non-space character. */
export const topicOf = claimTopicOf;

// ───────────────────────────────────────── effects and verdicts ─────────────────────────────────────────

/** Audit events written to the decision log (DESIGN.md conventions §6: audit records are log entries). */
export interface AuditEffect {
  readonly _tag: 'Audit';
  readonly policy: typeof POLICY | typeof EVIDENCE_POLICY;
  readonly event: 'registered' | 'refreshed' | 'per-topic-cap' | 'delivered' | 'cli-delivered' | 'cli-withdrawn';
  readonly id: string | null;
  readonly lemma: Lemma | null;
  readonly topic: string;
  readonly details: Readonly<Record<string, string | number>>;
}

/** Effects as data; the store adapter applies them with {@link applyEffects}. */
export type Effect =
  | { readonly _tag: 'CommitmentCreate'; readonly record: Commitment }
  | {
      readonly _tag: 'CommitmentRefresh';
      readonly id: string;
      readonly expiresAt: number;
      readonly lastSpan: string;
      readonly restatedAt: number;
      readonly restatements: number;
    }
  | {
      readonly _tag: 'CommitmentClose';
      readonly id: string;
      readonly status: Exclude<Status, 'open'>;
      readonly closedAt: number;
      readonly evidence: Evidence | null;
      readonly note: string | null;
    }
  | AuditEffect;

/** Reason codes of claim observation (§1.3, spec `cm.*` without the area prefix). */
export type ClaimReason =
  | 'disabled'
  | 'no-topic'
  | 'no-message'
  | 'no-claim'
  | 'store-unavailable'
  | 'refreshed'
  | 'per-topic-cap'
  | 'registered';
export const CLAIM_REASONS: ReadonlyArray<ClaimReason> = [
  'disabled',
  'no-topic',
  'no-message',
  'no-claim',
  'store-unavailable',
  'refreshed',
  'per-topic-cap',
  'registered',
];

/** Reason codes of follow-through evidence (§1.5.5, spec `fe.*` without the area prefix). */
export type EvidenceReason =
  | 'disabled'
  | 'not-bash'
  | 'no-topic'
  | 'no-command'
  | 'not-succeeded'
  | 'no-action'
  | 'store-unavailable'
  | 'no-open-commitment'
  | 'delivered';
export const EVIDENCE_REASONS: ReadonlyArray<EvidenceReason> = [
  'disabled',
  'not-bash',
  'no-topic',
  'no-command',
  'not-succeeded',
  'no-action',
  'store-unavailable',
  'no-open-commitment',
  'delivered',
];

/** Reason codes of the `arbiter commitments` verbs (§1.6, spec `cm.cli-*`). */
export type CliReason = 'cli-listed' | 'cli-not-found' | 'cli-not-open' | 'cli-delivered' | 'cli-withdrawn';
export const CLI_REASONS: ReadonlyArray<CliReason> = ['cli-listed', 'cli-not-found', 'cli-not-open', 'cli-delivered', 'cli-withdrawn'];

/** Verdict of {@link observeClaim}. Never a block: the Stop hook renders other decisions (§1.3 "Rendering"). */
export type ClaimVerdict =
  | { readonly _tag: 'Skipped'; readonly reasons: readonly [Exclude<ClaimReason, 'refreshed' | 'per-topic-cap' | 'registered'>] }
  | { readonly _tag: 'Refreshed'; readonly reasons: readonly ['refreshed']; readonly id: string; readonly lemma: Lemma }
  | { readonly _tag: 'CapReached'; readonly reasons: readonly ['per-topic-cap']; readonly lemma: Lemma; readonly open: number }
  | { readonly _tag: 'Registered'; readonly reasons: readonly ['registered']; readonly id: string; readonly lemma: Lemma };

/** Verdict of {@link observeEvidence}. */
export type EvidenceVerdict =
  | { readonly _tag: 'NoEvidence'; readonly reasons: readonly [Exclude<EvidenceReason, 'delivered'>]; readonly outcome?: CommandOutcome }
  | { readonly _tag: 'Delivered'; readonly reasons: readonly ['delivered']; readonly delivered: ReadonlyArray<{ readonly id: string; readonly lemma: Lemma; readonly command: string }> };

/** Facts of {@link observeClaim} (§1.3). `now` in ms epoch. */
export interface ClaimFacts {
  readonly enabled: boolean;
  readonly sessionId: unknown;
  readonly message: unknown;
  readonly now: number;
  /** Present once the `TopicCommitments` probe was answered. */
  readonly topicCommitments?: ProbeAnswer<ReadonlyArray<Commitment>>;
}

/** Facts of {@link observeEvidence} (§1.5.1). */
export interface EvidenceFacts {
  readonly agent: Agent;
  readonly settings: CommitmentsSettings;
  readonly toolName: unknown;
  readonly toolInput: unknown;
  readonly toolResponse: unknown;
  readonly toolUseId: unknown;
  readonly sessionId: unknown;
  readonly now: number;
  readonly topicCommitments?: ProbeAnswer<ReadonlyArray<Commitment>>;
}

export type ClaimStep = Need<TopicCommitmentsProbe> | Done<ClaimVerdict, Effect>;
export type EvidenceStep = Need<TopicCommitmentsProbe> | Done<EvidenceVerdict, Effect>;

const skipped = (r: Exclude<ClaimReason, 'refreshed' | 'per-topic-cap' | 'registered'>): Done<ClaimVerdict, Effect> =>
  done<ClaimVerdict, Effect>({ _tag: 'Skipped', reasons: [r] });

/** §1.3 rule 6: close every open commitment of `topic` whose expiry has passed. */
const expiryHousekeeping = (records: ReadonlyArray<Commitment>, topic: string, now: number): Effect[] =>
  records
    .filter((c) => c.topic === topic && c.status === 'open' && now > c.expiresAt)
    .map((c) => ({ _tag: 'CommitmentClose', id: c.id, status: 'expired', closedAt: now, evidence: null, note: null }));

/** A topic rendered into a log record: the kernel's session charset, at most 128 characters. */
const auditTopic = (topic: string): string => keepOnly(topic, /[A-Za-z0-9_.:-]/, 128, 'unknown');

/**
 * `observeClaim` (§1.3), a step function. Rules in order: disabled → `disabled`; no topic → `no-topic`; no message →
 * `no-message`; classification of `clamp(message, 16384)` finds no claim → `no-claim` (rules 1–4 request no probe);
 * otherwise Need `TopicCommitments(topic)`; a failed probe → `store-unavailable`; then expiry housekeeping effects,
 * then Refreshed (same key active: expiry `max(old, now + 6 h)`), CapReached (≥ 5 active `actionclaim:`), or
 * Registered (CommitmentCreate). Never blocks; never throws on its facts.
 */
export const observeClaim = (f: ClaimFacts): ClaimStep => {
  if (!f.enabled) return skipped('disabled');
  const topic = topicOf(f.sessionId);
  if (topic === null) return skipped('no-topic');
  if (typeof f.message !== 'string' || f.message === '') return skipped('no-message');
  const c = classifyActionClaim(clamp(f.message, MESSAGE_CLAMP));
  if (!c.claim) return skipped('no-claim');
  if (f.topicCommitments === undefined) return need<TopicCommitmentsProbe>({ _tag: 'TopicCommitments', topic });
  if (!f.topicCommitments.ok) return skipped('store-unavailable');
  const records = f.topicCommitments.value.filter((r) => r.topic === topic);
  const key = externalKey(topic, c.lemma);
  const housekeeping = expiryHousekeeping(records, topic, f.now);
  const active = records.filter((r) => isActive(r, f.now));
  const lastSpan = sanitiseLine(c.span, SPAN_MAX);
  const same = active.find((r) => r.externalKey === key);
  if (same !== undefined) {
    return done<ClaimVerdict, Effect>({ _tag: 'Refreshed', reasons: ['refreshed'], id: same.id, lemma: c.lemma }, [
      ...housekeeping,
      {
        _tag: 'CommitmentRefresh',
        id: same.id,
        expiresAt: Math.max(same.expiresAt, f.now + EXPIRY_MS),
        lastSpan,
        restatedAt: f.now,
        restatements: same.restatements + 1,
      },
      { _tag: 'Audit', policy: POLICY, event: 'refreshed', id: same.id, lemma: c.lemma, topic: auditTopic(topic), details: { restatements: same.restatements + 1 } },
    ]);
  }
  const openClaims = active.filter((r) => r.externalKey.startsWith(KEY_PREFIX)).length;
  if (openClaims >= PER_TOPIC_CAP) {
    return done<ClaimVerdict, Effect>({ _tag: 'CapReached', reasons: ['per-topic-cap'], lemma: c.lemma, open: openClaims }, [
      ...housekeeping,
      { _tag: 'Audit', policy: POLICY, event: 'per-topic-cap', id: null, lemma: c.lemma, topic: auditTopic(topic), details: { cap: PER_TOPIC_CAP, open: openClaims } },
    ]);
  }
  const record: Commitment = {
    id: commitmentId(key, f.now),
    externalKey: key,
    topic,
    lemma: c.lemma,
    span: lastSpan,
    lastSpan,
    createdAt: f.now,
    expiresAt: f.now + EXPIRY_MS,
    restatedAt: f.now,
    restatements: 0,
    status: 'open',
    closedAt: null,
    evidence: null,
    note: null,
  };
  return done<ClaimVerdict, Effect>({ _tag: 'Registered', reasons: ['registered'], id: record.id, lemma: c.lemma }, [
    ...housekeeping,
    { _tag: 'CommitmentCreate', record },
    { _tag: 'Audit', policy: POLICY, event: 'registered', id: record.id, lemma: c.lemma, topic: auditTopic(topic), details: {} },
  ]);
};

const noEvidence = (r: Exclude<EvidenceReason, 'delivered'>, outcome?: CommandOutcome): Done<EvidenceVerdict, Effect> =>
  done<EvidenceVerdict, Effect>(outcome === undefined ? { _tag: 'NoEvidence', reasons: [r] } : { _tag: 'NoEvidence', reasons: [r], outcome });

/**
 * `observeEvidence` (§1.5.5), a step function. Rules in order: disabled → `disabled`; tool not exactly `Bash` →
 * `not-bash`; no topic → `no-topic`; no command → `no-command`; outcome not succeeded → `not-succeeded`;
 * `classifyCommand` empty → `no-action` (rules 1–6 request no probe); Need `TopicCommitments(topic)`; a failed probe
 * → `store-unavailable`; expiry housekeeping; no active commitment of the topic with its lemma in the set →
 * `no-open-commitment`; otherwise Delivered with one CommitmentClose(delivered) + Audit per match. Never throws.
 */
export const observeEvidence = (f: EvidenceFacts): EvidenceStep => {
  if (!f.settings.enabled || !f.settings.evidence.enabled) return noEvidence('disabled');
  if (f.toolName !== 'Bash') return noEvidence('not-bash');
  const topic = topicOf(f.sessionId);
  if (topic === null) return noEvidence('no-topic');
  const command = isRecord(f.toolInput) ? f.toolInput['command'] : undefined;
  if (typeof command !== 'string' || command.trim() === '') return noEvidence('no-command');
  const outcome = commandOutcome(f.agent, f.toolInput, f.toolResponse);
  if (outcome !== 'succeeded') return noEvidence('not-succeeded', outcome);
  const hits = classifyCommandHits(command, f.settings);
  if (hits.length === 0) return noEvidence('no-action');
  if (f.topicCommitments === undefined) return need<TopicCommitmentsProbe>({ _tag: 'TopicCommitments', topic });
  if (!f.topicCommitments.ok) return noEvidence('store-unavailable');
  const records = f.topicCommitments.value.filter((r) => r.topic === topic);
  const housekeeping = expiryHousekeeping(records, topic, f.now);
  const toolUseId = typeof f.toolUseId === 'string' ? clamp(f.toolUseId, 256) : null;
  const effects: Effect[] = [...housekeeping];
  const delivered: { id: string; lemma: Lemma; command: string }[] = [];
  for (const r of records) {
    if (!isActive(r, f.now)) continue;
    const hit = hits.find((h) => h.lemma === r.lemma);
    if (hit === undefined) continue;
    const cmd = sanitiseLine(hit.simple, EVIDENCE_COMMAND_MAX);
    delivered.push({ id: r.id, lemma: r.lemma, command: cmd });
    effects.push(
      {
        _tag: 'CommitmentClose',
        id: r.id,
        status: 'delivered',
        closedAt: f.now,
        evidence: { kind: 'command', lemma: r.lemma, command: cmd, toolUseId, at: f.now },
        note: null,
      },
      { _tag: 'Audit', policy: EVIDENCE_POLICY, event: 'delivered', id: r.id, lemma: r.lemma, topic: auditTopic(topic), details: {} },
    );
  }
  if (delivered.length === 0) return done<EvidenceVerdict, Effect>({ _tag: 'NoEvidence', reasons: ['no-open-commitment'] }, housekeeping);
  return done<EvidenceVerdict, Effect>({ _tag: 'Delivered', reasons: ['delivered'], delivered }, effects);
};

/**
 * Run a commitment step function with a synchronous store answer (for tables, simulations and io-memory).
 * Returns the final `Done` and the probes requested.
 */
export const runStep = <V>(
  step: (answer?: ProbeAnswer<ReadonlyArray<Commitment>>) => Need<TopicCommitmentsProbe> | Done<V, Effect>,
  answer: (p: TopicCommitmentsProbe) => ProbeAnswer<ReadonlyArray<Commitment>>,
): { readonly step: Done<V, Effect>; readonly probes: ReadonlyArray<TopicCommitmentsProbe> } => {
  const probes: TopicCommitmentsProbe[] = [];
  let s = step(undefined);
  while (s._tag === 'Need') {
    if (probes.length > 0) throw new Error('probe requested twice');
    probes.push(s.probe);
    s = step(answer(s.probe));
  }
  return { step: s, probes };
};

// ───────────────────────────────────────── CLI decisions (§1.6) ─────────────────────────────────────────

/** Verdict of `arbiter commitments done|withdraw <id>`. Exit 0 for Closed, 1 otherwise. */
export type CliCloseVerdict =
  | { readonly _tag: 'NotFound'; readonly reasons: readonly ['cli-not-found']; readonly message: string }
  | { readonly _tag: 'NotOpen'; readonly reasons: readonly ['cli-not-open']; readonly message: string }
  | { readonly _tag: 'Closed'; readonly reasons: readonly ['cli-delivered' | 'cli-withdrawn']; readonly message: string; readonly id: string };

/**
 * `arbiter commitments done <id> [--note]` / `withdraw <id> [--reason]` (§1.6): unknown id → NotFound; effective
 * status not open → NotOpen; otherwise Closed with one CommitmentClose (delivered with manual evidence, or withdrawn
 * with `note = reason`, each cut to 200 code points) and an Audit.
 */
export const decideCliClose = (
  records: ReadonlyArray<Commitment>,
  action: 'done' | 'withdraw',
  id: string,
  text: string | null,
  now: number,
): Done<CliCloseVerdict, Effect> => {
  const r = records.find((c) => c.id === id);
  if (r === undefined) return done<CliCloseVerdict, Effect>({ _tag: 'NotFound', reasons: ['cli-not-found'], message: notFoundMessage(id) });
  const st = effectiveStatus(r, now);
  if (st !== 'open') return done<CliCloseVerdict, Effect>({ _tag: 'NotOpen', reasons: ['cli-not-open'], message: notOpenMessage(r.id, st) });
  const note = text === null ? null : sanitiseLine(text, NOTE_MAX);
  const reason: 'cli-delivered' | 'cli-withdrawn' = action === 'done' ? 'cli-delivered' : 'cli-withdrawn';
  return done<CliCloseVerdict, Effect>(
    { _tag: 'Closed', reasons: [reason], id: r.id, message: action === 'done' ? doneMessage(r) : withdrawnMessage(r) },
    [
      action === 'done'
        ? { _tag: 'CommitmentClose', id: r.id, status: 'delivered', closedAt: now, evidence: { kind: 'manual', note }, note: null }
        : { _tag: 'CommitmentClose', id: r.id, status: 'withdrawn', closedAt: now, evidence: null, note },
      { _tag: 'Audit', policy: POLICY, event: reason, id: r.id, lemma: r.lemma, topic: auditTopic(r.topic), details: {} },
    ],
  );
};

/**
 * `arbiter commitments list` selection (§1.6): active records of every session (or of `session`), newest first;
 * `all` adds every effective status. Pure.
 */
export const selectForList = (
  records: ReadonlyArray<Commitment>,
  opts: { readonly session?: string | undefined; readonly all?: boolean | undefined },
  now: number,
): Commitment[] =>
  records
    .filter((c) => (opts.session === undefined || c.topic === opts.session) && (opts.all === true || isActive(c, now)))
    .sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

// ───────────────────────────────────────── store semantics (§1.3 "Applying the effects") ─────────────────

/**
 * Apply effects to the store's records, as the store adapter does under its compare-and-set (§1.3):
 * - CommitmentCreate is dropped when a record with its id exists (idempotent replay), becomes a refresh when an
 *   active commitment with the same key exists (dedupe under races), and is dropped when its topic already holds 5
 *   active `actionclaim:` commitments (cap under races);
 * - CommitmentRefresh does nothing unless the id is still active, and nothing for a replay (same `restatedAt`);
 *   `expiresAt` and `restatedAt` never decrease;
 * - CommitmentClose applies only to a record whose stored status is still `open`;
 * - Audit is not a store effect.
 * Finally records closed (or effectively expired) for more than 7 days are pruned (§0.5 rule 4). Pure; input order
 * of records is kept, new records are appended.
 */
export const applyEffects = (records: ReadonlyArray<Commitment>, effects: ReadonlyArray<Effect>, now: number): Commitment[] => {
  const out: Commitment[] = records.map((r) => ({ ...r }));
  const refresh = (i: number, expiresAt: number, lastSpan: string, restatedAt: number, restatements: number): void => {
    const r = out[i]!;
    // A replay of the same restatement (same instant) changes nothing; otherwise count it, never moving back in time.
    if (r.restatedAt === restatedAt) return;
    out[i] = {
      ...r,
      expiresAt: Math.max(r.expiresAt, expiresAt),
      lastSpan: restatedAt > r.restatedAt ? lastSpan : r.lastSpan,
      restatedAt: Math.max(r.restatedAt, restatedAt),
      restatements: Math.max(r.restatements + 1, restatements),
    };
  };
  for (const e of effects) {
    switch (e._tag) {
      case 'CommitmentCreate': {
        const rec = e.record;
        if (out.some((r) => r.id === rec.id)) break; // replayed create
        const same = out.findIndex((r) => r.externalKey === rec.externalKey && isActive(r, now));
        if (same >= 0) {
          refresh(same, rec.expiresAt, rec.lastSpan, rec.createdAt, 0);
          break;
        }
        const open = out.filter((r) => r.topic === rec.topic && isActive(r, now) && r.externalKey.startsWith(KEY_PREFIX)).length;
        if (rec.externalKey.startsWith(KEY_PREFIX) && open >= PER_TOPIC_CAP) break;
        out.push({ ...rec });
        break;
      }
      case 'CommitmentRefresh': {
        const i = out.findIndex((r) => r.id === e.id && isActive(r, now));
        if (i >= 0) refresh(i, e.expiresAt, e.lastSpan, e.restatedAt, e.restatements);
        break;
      }
      case 'CommitmentClose': {
        const i = out.findIndex((r) => r.id === e.id && r.status === 'open');
        if (i >= 0) out[i] = { ...out[i]!, status: e.status, closedAt: e.closedAt, evidence: e.evidence, note: e.note };
        break;
      }
      case 'Audit':
        break;
    }
  }
  return out.filter((r) => {
    const closed = r.status === 'open' ? (now > r.expiresAt ? r.expiresAt : null) : r.closedAt;
    return closed === null || now - closed <= PRUNE_AFTER_MS;
  });
};

/** True when applying `effects` changes nothing that is stored (the adapter then skips the write). */
export const sameRecords = (a: ReadonlyArray<Commitment>, b: ReadonlyArray<Commitment>): boolean =>
  a.length === b.length && a.every((r, i) => JSON.stringify(r) === JSON.stringify(b[i]));

// ───────────────────────────────────────── messages (§1.5, §1.6) ─────────────────────────────────────────

/** A commitment id as typed by a person, made safe to print: `[A-Za-z0-9_./-]`, at most 64 characters. */
export const safeId = (id: unknown): string => keepOnly(id, HANDLE_CHAR, 64, '?');

/** `{H}h{MM}m` of a non-negative duration in ms (negative counts as 0). */
export const formatRemaining = (ms: number): string => {
  const m = Math.max(0, Math.floor(ms / 60_000));
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
};

/** §1.5 rendering (Claude Code, Delivered): `Arbiter: commitment {id} ({lemma}) marked delivered by: {command}`. */
export const deliveredContext = (d: { readonly id: string; readonly lemma: Lemma; readonly command: string }): string =>
  `Arbiter: commitment ${safeId(d.id)} (${d.lemma}) marked delivered by: ${sanitiseLine(d.command, EVIDENCE_COMMAND_MAX)}`;

/**
 * `renderOpenCommitments(active, now)` (§1.6): null when there is no active commitment; otherwise the header, one
 * line per commitment oldest first, and the closing instruction, joined with LF.
 */
export const renderOpenCommitments = (records: ReadonlyArray<Commitment>, now: number): string | null => {
  const active = records.filter((c) => isActive(c, now)).sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
  if (active.length === 0) return null;
  return [
    `Open commitments from your earlier messages in this session (${active.length}):`,
    ...active.map(
      (c) => `- ${c.lemma}: "${sanitiseLine(c.lastSpan, SPAN_MAX)}" (id ${safeId(c.id)}, expires in ${formatRemaining(c.expiresAt - now)})`,
    ),
    'Follow through on each, or close it: arbiter commitments done <id>, or arbiter commitments withdraw <id> --reason "<why>".',
  ].join('\n');
};

/** §1.6 list, empty. */
export const LIST_EMPTY = 'No open commitments.';

/** §1.6 list line: `{id}  {lemma}  {status}  {expires in …, or closed ISO}  session {shortId}  "{lastSpan}"`. */
export const listLine = (c: Commitment, now: number): string => {
  const st = effectiveStatus(c, now);
  const when =
    st === 'open'
      ? `expires in ${formatRemaining(c.expiresAt - now)}`
      : `closed ${msToIso(c.closedAt ?? c.expiresAt)}`;
  return `${safeId(c.id)}  ${c.lemma}  ${st}  ${when}  session ${shortId(c.topic)}  "${sanitiseLine(c.lastSpan, SPAN_MAX)}"`;
};

/** §1.6 done, ok. */
export const doneMessage = (c: Pick<Commitment, 'id' | 'lemma'>): string => `Commitment ${safeId(c.id)} (${c.lemma}) marked delivered.`;
/** §1.6 withdraw, ok. */
export const withdrawnMessage = (c: Pick<Commitment, 'id' | 'lemma'>): string => `Commitment ${safeId(c.id)} (${c.lemma}) withdrawn.`;
/** §1.6 not found. */
export const notFoundMessage = (id: unknown): string => `No commitment with id ${safeId(id)}.`;
/** §1.6 not open. */
export const notOpenMessage = (id: unknown, status: Status): string => `Commitment ${safeId(id)} is already ${status}; nothing changed.`;

// ───────────────────────────────────────── table ─────────────────────────────────────────

const TABLE_NOW = 1_700_000_000_000;
const TABLE_TOPIC = 'sess-A';

const tableRecord = (lemma: Lemma, age: number, topic = TABLE_TOPIC): Commitment => {
  const createdAt = TABLE_NOW - age;
  const key = externalKey(topic, lemma);
  return {
    id: commitmentId(key, createdAt),
    externalKey: key,
    topic,
    lemma,
    span: `I'll ${lemma} it`,
    lastSpan: `I'll ${lemma} it`,
    createdAt,
    expiresAt: createdAt + EXPIRY_MS,
    restatedAt: createdAt,
    restatements: 0,
    status: 'open',
    closedAt: null,
    evidence: null,
    note: null,
  };
};

type StoreKind = 'empty' | 'same key active' | 'same key expired' | '5 other claims active' | 'store fails';
const STORE_KINDS: ReadonlyArray<StoreKind> = ['empty', 'same key active', 'same key expired', '5 other claims active', 'store fails'];

const tableStore = (kind: StoreKind, lemma: Lemma): ProbeAnswer<ReadonlyArray<Commitment>> => {
  switch (kind) {
    case 'empty':
      return { ok: true, value: [] };
    case 'same key active':
      return { ok: true, value: [tableRecord(lemma, 60_000)] };
    case 'same key expired':
      return { ok: true, value: [tableRecord(lemma, EXPIRY_MS + 60_000)] };
    case '5 other claims active':
      return { ok: true, value: LEMMAS.filter((l) => l !== lemma).slice(0, 5).map((l, i) => tableRecord(l, 60_000 * (i + 1))) };
    case 'store fails':
      return { ok: false, error: { kind: 'unavailable', detail: 'EACCES' } };
  }
};

/**
 * The action-claim decision table: classification by shape and rule, `observeClaim` over {enabled, topic, message,
 * store state}, and `observeEvidence` over {tool, outcome, command, store state}, each through the real step
 * functions with a scripted store answer.
 */
export const table = (): DecisionTable => {
  const rows: string[][] = [];
  const fmtEffects = (es: ReadonlyArray<Effect>): string =>
    es.map((e) => (e._tag === 'CommitmentClose' ? `CommitmentClose(${e.status})` : e._tag)).join(', ') || '—';
  const claimCase = (label: string, facts: Omit<ClaimFacts, 'topicCommitments'>, store: StoreKind | null): void => {
    const { step, probes } = runStep(
      (a) => observeClaim(a === undefined ? facts : { ...facts, topicCommitments: a }),
      () => tableStore(store ?? 'empty', 'push'),
    );
    rows.push(['observeClaim (Stop)', label, probes.length > 0 ? `TopicCommitments → ${store}` : '—', step.outcome._tag, step.outcome.reasons[0], fmtEffects(step.effects)]);
  };
  const base = { enabled: true, sessionId: TABLE_TOPIC, message: "I'll push the branch.", now: TABLE_NOW };
  claimCase('commitments.enabled = false', { ...base, enabled: false }, null);
  claimCase('no session_id', { ...base, sessionId: '  ' }, null);
  claimCase('no last_assistant_message', { ...base, message: '' }, null);
  claimCase('message without a claim ("I pushed it.")', { ...base, message: 'I pushed it.' }, null);
  for (const s of STORE_KINDS) claimCase('claim "I\'ll push the branch."', base, s);

  const evBase: Omit<EvidenceFacts, 'topicCommitments'> = {
    agent: 'claude',
    settings: DEFAULT_SETTINGS,
    toolName: 'Bash',
    toolInput: { command: 'git push origin main' },
    toolResponse: { stdout: '', stderr: '', interrupted: false, isImage: false },
    toolUseId: 'toolu_01',
    sessionId: TABLE_TOPIC,
    now: TABLE_NOW,
  };
  const evCase = (label: string, facts: Omit<EvidenceFacts, 'topicCommitments'>, store: StoreKind | null): void => {
    const { step, probes } = runStep(
      (a) => observeEvidence(a === undefined ? facts : { ...facts, topicCommitments: a }),
      () => tableStore(store ?? 'empty', 'push'),
    );
    rows.push(['observeEvidence (PostToolUse)', label, probes.length > 0 ? `TopicCommitments → ${store}` : '—', step.outcome._tag, step.outcome.reasons[0], fmtEffects(step.effects)]);
  };
  evCase('commitments.evidence.enabled = false', { ...evBase, settings: { ...DEFAULT_SETTINGS, evidence: { ...DEFAULT_SETTINGS.evidence, enabled: false } } }, null);
  evCase('tool_name = Edit', { ...evBase, toolName: 'Edit' }, null);
  evCase('no session_id', { ...evBase, sessionId: null }, null);
  evCase('empty command', { ...evBase, toolInput: { command: '' } }, null);
  evCase('claude, run_in_background', { ...evBase, toolInput: { command: 'git push', run_in_background: true } }, null);
  evCase('claude, interrupted', { ...evBase, toolResponse: { interrupted: true } }, null);
  evCase('codex, exit_code 1', { ...evBase, agent: 'codex', toolResponse: { exit_code: 1 } }, null);
  evCase('codex, no exit code', { ...evBase, agent: 'codex', toolResponse: { output: 'ok' } }, null);
  evCase('`git push --dry-run`', { ...evBase, toolInput: { command: 'git push --dry-run' } }, null);
  evCase('`echo "git push"`', { ...evBase, toolInput: { command: 'echo "git push"' } }, null);
  for (const s of STORE_KINDS) evCase('`git push origin main` succeeded', evBase, s);

  const samples: ReadonlyArray<[string, string]> = [
    ["I'll restart the worker.", 'shape A'],
    ['We\u2019ll redeploy after the migration.', 'shape A, "we" lead, typographic apostrophe'],
    ['About to merge it.', 'shape A, elliptical lead at a sentence start'],
    ['He is going to deploy it.', 'no first-person subject'],
    ['Im rebasing onto main', 'shape B, apostrophe optional'],
    ['Deploying to prod now.', 'shape C, "to" trailer'],
    ['Fixing the deployed build now.', 'shape C; past form in the trailer does not matter'],
    ['Pushing items into the queue is slow.', '"it" must end at a word boundary'],
    ['I pushed it.', 'past form in the verb slot'],
    ['He wrote "I\'ll merge it" yesterday.', 'quoted'],
    ["I'll rebase, then I'll push.", 'leftmost wins'],
    ['Well push it then.', '"well" is not a lead'],
  ];
  for (const [text, why] of samples) {
    const c = classifyActionClaim(text);
    rows.push(['classifyActionClaim', `"${text}" (${why})`, '—', c.claim ? 'claim' : 'no claim', c.claim ? c.lemma : '—', c.claim ? `span "${c.span}"` : '—']);
  }
  return {
    policy: POLICY,
    version: POLICY_VERSION,
    title: 'Action claims on Stop, follow-through evidence on PostToolUse, and the claim classifier (sentinels.md §1).',
    columns: ['decision', 'facts', 'probe', 'verdict', 'reason', 'effects'],
    rows,
    notes: [
      `Session ${TABLE_TOPIC}; the store answers with the listed state for the claim's lemma (push).`,
      `Per-topic cap ${PER_TOPIC_CAP} active actionclaim: commitments; expiry ${EXPIRY_MS} ms after creation or restatement; active iff now ≤ expiresAt.`,
      'Reason codes are written beside the policy name: `action-claim` for observeClaim and the CLI, `follow-through` for observeEvidence (spec codes cm.* and fe.*).',
      'Fail direction: toward not registering a claim and toward leaving a commitment open. Nothing here ever blocks.',
    ],
  };
};
