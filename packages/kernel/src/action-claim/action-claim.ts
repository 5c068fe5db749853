/**
 * Action claims, commitments and follow-through evidence.
 *
 * Normative source: action-claim.md (policy `action-claim`, version 1.0.0), with architecture.md conventions
 * (reason codes are the spec's codes without the `cm.` / `fe.` area prefix, written beside the policy name: claim
 * observation and the CLI log under `action-claim`, evidence under `follow-through`; instants on disk are ISO-8601
 * via `IsoMillis`; the store lives in `<git common dir>/arbiter/commitments/`).
 *
 * The namespace's face. Modules: `records.ts` (constants, model, keys, effects, store semantics), `text.ts` (claim
 * classification action-claim.md §2), `commands.ts` (command outcome and classification action-claim.md §5.2–5.3), `claim.ts` (`observeClaim`
 * action-claim.md §3), `evidence.ts` (`observeEvidence` action-claim.md §5.5); here: the scripted driver, CLI decisions (action-claim.md §6), messages (action-claim.md §5,
 * action-claim.md §6) and the table.
 *
 * Pure: no I/O, no clock, no randomness. `now` and store contents arrive as facts.
 */
import { IsoMillis, msToIso } from '../internal/codecs.js';
import { done, runStepsSync, type Done, type Need } from '../internal/step.js';
import { HANDLE_CHAR, keepOnly, sanitizeLine, shortId } from '../internal/text.js';
import { maskString } from '../internal/mask.js';
import type { DecisionTable } from '../internal/table.js';
import { type ClaimFacts, type Commitment, DEFAULT_SETTINGS, MAX_STEPS, EVIDENCE_COMMAND_MAX, EXPIRY_MS, type Effect, type EvidenceFacts, type EvidenceVerdict, LEMMAS, type Lemma, NOTE_MAX, PER_TOPIC_CAP, POLICY, POLICY_VERSION, type ProbeAnswer, SPAN_MAX, type Status, type TopicCommitmentsProbe, auditTopic, commitmentId, effectiveStatus, externalKey, isActive } from './records.js';
import { classifyActionClaim } from './text.js';
import { observeClaim } from './claim.js';
import { observeEvidence } from './evidence.js';
import type { Agent } from '../early.js';

export * from './records.js';
export * from './text.js';
export * from './commands.js';
export * from './claim.js';
export * from './evidence.js';

/**
 * Run a commitment step function with a synchronous store answer (for tables, simulations and io-memory).
 * Returns the final `Done` and the probes requested; runs through `runStepsSync` (a second probe throws). The
 * decisions' own drivers are `claimDriver` and `evidenceDriver`.
 */
export const runStep = <V>(
  step: (answer?: ProbeAnswer<ReadonlyArray<Commitment>>) => Need<TopicCommitmentsProbe> | Done<V, Effect>,
  answer: (p: TopicCommitmentsProbe) => ProbeAnswer<ReadonlyArray<Commitment>>,
): { readonly step: Done<V, Effect>; readonly probes: ReadonlyArray<TopicCommitmentsProbe> } => {
  const probes: TopicCommitmentsProbe[] = [];
  // The facts are the store answer so far (none at first); the step closes over the rest.
  const r = runStepsSync<ProbeAnswer<ReadonlyArray<Commitment>> | undefined, TopicCommitmentsProbe, ProbeAnswer<ReadonlyArray<Commitment>>, V, Effect>(
    { step, withAnswer: (_known, _p, a) => a, limit: MAX_STEPS, probeKey: (p) => p._tag },
    undefined,
    (p) => {
      probes.push(p);
      return answer(p);
    },
  );
  if (r._tag !== 'Done') throw new Error('probe requested twice');
  return { step: done<V, Effect>(r.outcome, r.effects), probes };
};

// ───────────────────────────────────────── CLI decisions (action-claim.md §6) ─────────────────────────────────────────

/** Verdict of `arbiter commitments done|withdraw <id>`. Exit 0 for Closed, 1 otherwise. */
export type CliCloseVerdict =
  | { readonly _tag: 'NotFound'; readonly reasons: readonly ['cli-not-found']; readonly message: string }
  | { readonly _tag: 'NotOpen'; readonly reasons: readonly ['cli-not-open']; readonly message: string }
  | { readonly _tag: 'Closed'; readonly reasons: readonly ['cli-delivered' | 'cli-withdrawn']; readonly message: string; readonly id: string };

/**
 * `arbiter commitments done <id> [--note]` / `withdraw <id> [--reason]` (action-claim.md §6): unknown id → NotFound; effective
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
  const note = text === null ? null : sanitizeLine(maskString(text), NOTE_MAX); // secrets.md §12: masked before it is stored
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
 * `arbiter commitments list` selection (action-claim.md §6): active records of every session (or of `session`), newest first;
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

// ───────────────────────────────────────── messages (action-claim.md §5, action-claim.md §6) ─────────────────────────────────────────

/** A commitment id as typed by a person, made safe to print: `[A-Za-z0-9_./-]`, at most 64 characters. */
export const safeId = (id: unknown): string => keepOnly(id, HANDLE_CHAR, 64, '?');

/** `{H}h{MM}m` of a non-negative duration in ms (negative counts as 0). */
export const formatRemaining = (ms: number): string => {
  const m = Math.max(0, Math.floor(ms / 60_000));
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
};

/**
 * action-claim.md §5 rendering (Claude Code, Delivered): `Arbiter: commitment {id} ({lemma}) marked delivered by: {command}`, the
 * command masked (secrets.md §12).
 */
export const deliveredContext = (d: { readonly id: string; readonly lemma: Lemma; readonly command: string }): string =>
  `Arbiter: commitment ${safeId(d.id)} (${d.lemma}) marked delivered by: ${sanitizeLine(maskString(d.command), EVIDENCE_COMMAND_MAX)}`;

/**
 * Render delivery evidence for the host (action-claim.md §5, hooks.md §7 rule 3): exactly one JSON object and a line
 * feed on stdout. Claude Code, when commitments were delivered and stored, gets them as PostToolUse
 * `additionalContext` (one `deliveredContext` line each); everything else (Codex, no evidence, a failed store write)
 * gets `{}`. Pure.
 */
export const renderEvidence = (agent: Agent, v: EvidenceVerdict, stored: boolean): string =>
  agent === 'claude' && v._tag === 'Delivered' && stored
    ? JSON.stringify({ hookSpecificOutput: { hookEventName: 'PostToolUse', additionalContext: v.delivered.map((x) => deliveredContext(x)).join('\n') } }) + '\n'
    : '{}\n';

/**
 * `renderOpenCommitments(active, now)` (action-claim.md §6): null when there is no active commitment; otherwise the header, one
 * line per commitment oldest first, and the closing instruction, joined with LF.
 */
export const renderOpenCommitments = (records: ReadonlyArray<Commitment>, now: number): string | null => {
  const active = records.filter((c) => isActive(c, now)).sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
  if (active.length === 0) return null;
  return [
    `Open commitments from your earlier messages in this session (${active.length}):`,
    ...active.map(
      (c) => `- ${c.lemma}: "${sanitizeLine(maskString(c.lastSpan), SPAN_MAX)}" (id ${safeId(c.id)}, expires in ${formatRemaining(c.expiresAt - now)})`,
    ),
    'Follow through on each, or close it: arbiter commitments done <id>, or arbiter commitments withdraw <id> --reason "<why>".',
  ].join('\n');
};

/** action-claim.md §6 list, empty. */
export const LIST_EMPTY = 'No open commitments.';

/** action-claim.md §6 list line: `{id}  {lemma}  {status}  {expires in …, or closed ISO}  session {shortId}  "{lastSpan}"`. */
export const listLine = (c: Commitment, now: number): string => {
  const st = effectiveStatus(c, now);
  const when =
    st === 'open'
      ? `expires in ${formatRemaining(c.expiresAt - now)}`
      : `closed ${msToIso(c.closedAt ?? c.expiresAt)}`;
  return `${safeId(c.id)}  ${c.lemma}  ${st}  ${when}  session ${shortId(c.topic)}  "${sanitizeLine(maskString(c.lastSpan), SPAN_MAX)}"`;
};

/** action-claim.md §6 done, ok. */
export const doneMessage = (c: Pick<Commitment, 'id' | 'lemma'>): string => `Commitment ${safeId(c.id)} (${c.lemma}) marked delivered.`;
/** action-claim.md §6 withdraw, ok. */
export const withdrawnMessage = (c: Pick<Commitment, 'id' | 'lemma'>): string => `Commitment ${safeId(c.id)} (${c.lemma}) withdrawn.`;
/** action-claim.md §6 not found. */
export const notFoundMessage = (id: unknown): string => `No commitment with id ${safeId(id)}.`;
/** action-claim.md §6 not open. */
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
  evCase('codex, push output string with ` ! [rejected]`', { ...evBase, agent: 'codex', toolResponse: 'To /srv/r.git\n ! [rejected]        main -> main (fetch first)\nerror: failed to push some refs\n' }, null);
  evCase('codex, push output string `To … a..b  main -> main`', { ...evBase, agent: 'codex', toolResponse: 'To /srv/r.git\n   e7e9dd4..14ae7a0  main -> main\n' }, 'empty');
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
    title: 'Action claims on Stop, follow-through evidence on PostToolUse, and the claim classifier (action-claim.md).',
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
