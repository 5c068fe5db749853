/**
 * Claim registration on Stop (action-claim.md §3): `observeClaim`, the step that turns an announced action into an
 * open commitment. Pure.
 */
import { done, need, type Done, type Need, type StepDriver } from '../internal/step.js';
import { clamp, sanitizeLine } from '../internal/text.js';
import { maskString } from '../internal/mask.js';
import { type ClaimFacts, type ClaimReason, type ClaimStep, type ClaimVerdict, type Commitment, MAX_STEPS, type ProbeAnswer, withAnswer, EXPIRY_MS, type Effect, KEY_PREFIX, MESSAGE_CLAMP, PER_TOPIC_CAP, POLICY, SPAN_MAX, type TopicCommitmentsProbe, auditTopic, commitmentId, expiryHousekeeping, externalKey, isActive, topicOf } from './records.js';
import { classifyActionClaim } from './text.js';

const skipped = (r: Exclude<ClaimReason, 'refreshed' | 'per-topic-cap' | 'registered'>): Done<ClaimVerdict, Effect> =>
  done<ClaimVerdict, Effect>({ _tag: 'Skipped', reasons: [r] });

/**
 * `observeClaim` (action-claim.md §3), a step function. Rules in order: disabled → `disabled`; no topic → `no-topic`; no message →
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
  const lastSpan = sanitizeLine(maskString(c.span), SPAN_MAX); // secrets.md §12: masked before it is stored or shown
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

/** Claim registration for the step driver: {@link observeClaim}, `withAnswer`, at most `MAX_STEPS` calls. */
export const claimDriver: StepDriver<ClaimFacts, TopicCommitmentsProbe, ProbeAnswer<ReadonlyArray<Commitment>>, ClaimVerdict, Effect> = {
  step: (f) => observeClaim(f),
  withAnswer,
  limit: MAX_STEPS,
  probeKey: (p) => p._tag,
};
