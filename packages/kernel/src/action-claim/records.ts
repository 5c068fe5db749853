/**
 * Commitment records of the action-claim policy (action-claim.md §3, action-claim.md §4): constants, lemmas, the record and store
 * codecs, settings, the store probe, keys and status, the effects and verdicts of both decisions, and the store
 * semantics (`applyEffects`, action-claim.md §3 "Applying the effects"). Pure.
 */
import * as t from 'io-ts';
import { isRight } from 'fp-ts/lib/Either.js';
import { IsoMillis, SafeInt, describeErrors, intIn } from '../internal/codecs.js';
import { type Done, type Need } from '../internal/step.js';
import { clamp, keepOnly } from '../internal/text.js';
import { sha256Hex } from '../internal/sha256.js';
import { ACTION_CLAIM_POLICY, ACTION_CLAIM_POLICY_VERSION, claimTopicOf } from '../early.js';
import type { Agent } from '../early.js';

// ───────────────────────────────────────── constants (action-claim.md §3, action-claim.md §4) ─────────────────────────────────────────

/** Policy id of claim observation and the `arbiter commitments` verbs in the decision log. */
export const POLICY = ACTION_CLAIM_POLICY;
/** Policy id of follow-through evidence (action-claim.md §5) in the decision log. */
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
/** Closed records older than this are pruned when the store is written, ms (7 days, hooks.md §5 rule 4). */
export const PRUNE_AFTER_MS = 7 * 86_400_000;
/** Evidence command text length, code points. */
export const EVIDENCE_COMMAND_MAX = 200;
/** Withdrawal note / manual note length, code points. */
export const NOTE_MAX = 200;

// ───────────────────────────────────────── model ─────────────────────────────────────────

/** The ten lemmas, in the fixed order that breaks ties (action-claim.md §2). */
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

/** Lemmas whose evidence comes from `commitments.evidence.action_patterns.<lemma>` (action-claim.md §5.3). */
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
  // A stored record is open exactly when it has no `closedAt` (action-claim.md §4: "Set when the status leaves open").
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
/** On-disk commitment codec (instants as ISO-8601 UTC with ms; architecture.md conventions §4). */
export const CommitmentCodec = commitmentCodecs(IsoMillis);
/** One commitment record (action-claim.md §4). Instants in ms epoch. */
export type Commitment = t.TypeOf<typeof CommitmentMem>;
export type Evidence = NonNullable<Commitment['evidence']>;

/** The store document `{version:1, commitments:[…]}` (hooks.md §5), on-disk form. */
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

/** Settings of this policy (`commitments.*`, hooks.md §5), already defaulted. */
export interface CommitmentsSettings {
  readonly enabled: boolean;
  readonly evidence: {
    readonly enabled: boolean;
    readonly test_commands: ReadonlyArray<string>;
    readonly action_patterns: Readonly<Record<ActionPatternLemma, ReadonlyArray<string>>>;
  };
}

/** action-claim.md §5.4 default `test_commands`. */
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

/** Documented defaults (hooks.md §5, action-claim.md §5.4): enabled, evidence enabled, the default test commands, no action patterns. */
export const DEFAULT_SETTINGS: CommitmentsSettings = {
  enabled: true,
  evidence: {
    enabled: true,
    test_commands: DEFAULT_TEST_COMMANDS,
    action_patterns: { relaunch: [], restart: [], deploy: [], redeploy: [] },
  },
};

/** A probe answer (hooks.md §3 rule 2). */
export type ProbeAnswer<A> =
  | { readonly ok: true; readonly value: A }
  | { readonly ok: false; readonly error: { readonly kind: string; readonly detail: string } };

/** The only probe of this policy: every commitment of one topic, any status. */
export interface TopicCommitmentsProbe {
  readonly _tag: 'TopicCommitments';
  readonly topic: string;
}

// ───────────────────────────────────────── keys, status (action-claim.md §4) ─────────────────────────────────────────

/** The pre-hash string of an external key: `<topic>|<lemma>` (the lemma, free of `|`, comes last). */
export const keyMaterial = (topic: string, lemma: Lemma): string => `${topic}|${lemma}`;

/** `externalKey = "actionclaim:" + first 16 hex of sha256("<topic>|<lemma>")` (action-claim.md §4). */
export const externalKey = (topic: string, lemma: Lemma): string =>
  KEY_PREFIX + sha256Hex(keyMaterial(topic, lemma)).slice(0, KEY_HASH_LEN);

/** `id = "c-" + first 8 hex of sha256("<externalKey>|<createdAt>")` (action-claim.md §4). */
export const commitmentId = (key: string, createdAt: number): string => `c-${sha256Hex(`${key}|${createdAt}`).slice(0, 8)}`;

/** Effective status (action-claim.md §4): `expired` when stored `open` and `now > expiresAt`, else the stored status. */
export const effectiveStatus = (c: Commitment, now: number): Status =>
  c.status === 'open' && now > c.expiresAt ? 'expired' : c.status;

/** Active (action-claim.md §4): effective status `open` (`now ≤ expiresAt`, inclusive). */
export const isActive = (c: Commitment, now: number): boolean => c.status === 'open' && now <= c.expiresAt;

/** action-claim.md §3 rule 2 / action-claim.md §5.5 rule 3: a topic is a string holding a non-space character. */
export const topicOf = claimTopicOf;

/** The agent host whose PostToolUse payload is read (action-claim.md §5.2). */
/** The agents a hook serves (declared once, in `early.ts`). */
export type { Agent };
/** Outcome of an executed Bash call (action-claim.md §5.2). */
export type CommandOutcome = 'succeeded' | 'failed' | 'unknown';

// ───────────────────────────────────────── effects and verdicts ─────────────────────────────────────────

/** Audit events written to the decision log (architecture.md conventions §6: audit records are log entries). */
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

/** Reason codes of claim observation (action-claim.md §3, spec `cm.*` without the area prefix). */
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

/** Reason codes of follow-through evidence (action-claim.md §5.5, spec `fe.*` without the area prefix). */
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

/** Reason codes of the `arbiter commitments` verbs (action-claim.md §6, spec `cm.cli-*`). */
export type CliReason = 'cli-listed' | 'cli-not-found' | 'cli-not-open' | 'cli-delivered' | 'cli-withdrawn';
export const CLI_REASONS: ReadonlyArray<CliReason> = ['cli-listed', 'cli-not-found', 'cli-not-open', 'cli-delivered', 'cli-withdrawn'];

/** Verdict of {@link observeClaim}. Never a block: the Stop hook renders other decisions (action-claim.md §3 "Rendering"). */
export type ClaimVerdict =
  | { readonly _tag: 'Skipped'; readonly reasons: readonly [Exclude<ClaimReason, 'refreshed' | 'per-topic-cap' | 'registered'>] }
  | { readonly _tag: 'Refreshed'; readonly reasons: readonly ['refreshed']; readonly id: string; readonly lemma: Lemma }
  | { readonly _tag: 'CapReached'; readonly reasons: readonly ['per-topic-cap']; readonly lemma: Lemma; readonly open: number }
  | { readonly _tag: 'Registered'; readonly reasons: readonly ['registered']; readonly id: string; readonly lemma: Lemma };

/** Verdict of {@link observeEvidence}. */
export type EvidenceVerdict =
  | { readonly _tag: 'NoEvidence'; readonly reasons: readonly [Exclude<EvidenceReason, 'delivered'>]; readonly outcome?: CommandOutcome }
  | { readonly _tag: 'Delivered'; readonly reasons: readonly ['delivered']; readonly delivered: ReadonlyArray<{ readonly id: string; readonly lemma: Lemma; readonly command: string }> };

/** Facts of {@link observeClaim} (action-claim.md §3). `now` in ms epoch. */
export interface ClaimFacts {
  readonly enabled: boolean;
  readonly sessionId: unknown;
  readonly message: unknown;
  readonly now: number;
  /** Present once the `TopicCommitments` probe was answered. */
  readonly topicCommitments?: ProbeAnswer<ReadonlyArray<Commitment>>;
}

/** Facts of {@link observeEvidence} (action-claim.md §5.1). */
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

/** Step calls of one claim or evidence run: the first, and one more after the only probe. */
export const MAX_STEPS = 2;

/** Merge the store probe's answer into claim or evidence facts: `topicCommitments` becomes the answer. Pure. */
export const withAnswer = <F extends ClaimFacts | EvidenceFacts>(facts: F, _probe: TopicCommitmentsProbe, answer: ProbeAnswer<ReadonlyArray<Commitment>>): F => ({
  ...facts,
  topicCommitments: answer,
});

export type ClaimStep = Need<TopicCommitmentsProbe> | Done<ClaimVerdict, Effect>;
export type EvidenceStep = Need<TopicCommitmentsProbe> | Done<EvidenceVerdict, Effect>;

/** action-claim.md §3 rule 6: close every open commitment of `topic` whose expiry has passed. */
export const expiryHousekeeping = (records: ReadonlyArray<Commitment>, topic: string, now: number): Effect[] =>
  records
    .filter((c) => c.topic === topic && c.status === 'open' && now > c.expiresAt)
    .map((c) => ({ _tag: 'CommitmentClose', id: c.id, status: 'expired', closedAt: now, evidence: null, note: null }));

/** A topic rendered into a log record: the kernel's session charset, at most 128 characters. */
export const auditTopic = (topic: string): string => keepOnly(topic, /[A-Za-z0-9_.:-]/, 128, 'unknown');

// ───────────────────────────────────────── store semantics (action-claim.md §3 "Applying the effects") ─────────────────

/**
 * Apply effects to the store's records, as the store adapter does under its compare-and-set (action-claim.md §3):
 * - CommitmentCreate is dropped when a record with its id exists (idempotent replay), becomes a refresh when an
 *   active commitment with the same key exists (dedupe under races), and is dropped when its topic already holds 5
 *   active `actionclaim:` commitments (cap under races);
 * - CommitmentRefresh does nothing unless the id is still active, and nothing for a replay (same `restatedAt`);
 *   `expiresAt` and `restatedAt` never decrease;
 * - CommitmentClose applies only to a record whose stored status is still `open`;
 * - Audit is not a store effect.
 * Finally records closed (or effectively expired) for more than 7 days are pruned (hooks.md §5 rule 4). Pure; input order
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
