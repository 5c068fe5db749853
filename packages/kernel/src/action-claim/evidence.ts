/**
 * Delivery evidence on PostToolUse (action-claim.md §5.5): `observeEvidence`, the step that closes open commitments
 * an executed command delivers. Pure.
 */
import { done, need, type Done, type Need, type StepDriver } from '../internal/step.js';
import { clamp, sanitizeLine } from '../internal/text.js';
import { maskString } from '../internal/mask.js';
import { classifyCommandHits, commandOutcome, isRecord } from './commands.js';
import { type CommandOutcome, type Commitment, EVIDENCE_COMMAND_MAX, MAX_STEPS, type ProbeAnswer, withAnswer, EVIDENCE_POLICY, type Effect, type EvidenceFacts, type EvidenceReason, type EvidenceStep, type EvidenceVerdict, type Lemma, type TopicCommitmentsProbe, auditTopic, expiryHousekeeping, isActive, topicOf } from './records.js';

const noEvidence = (r: Exclude<EvidenceReason, 'delivered'>, outcome?: CommandOutcome): Done<EvidenceVerdict, Effect> =>
  done<EvidenceVerdict, Effect>(outcome === undefined ? { _tag: 'NoEvidence', reasons: [r] } : { _tag: 'NoEvidence', reasons: [r], outcome });

/**
 * `observeEvidence` (action-claim.md §5.5), a step function. Rules in order: disabled → `disabled`; tool not exactly `Bash` →
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
  const hits = classifyCommandHits(command, f.settings);
  const outcome = commandOutcome(f.agent, f.toolInput, f.toolResponse, hits.some((h) => h.lemma === 'push'));
  if (outcome !== 'succeeded') return noEvidence('not-succeeded', outcome);
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
    const cmd = sanitizeLine(maskString(hit.simple), EVIDENCE_COMMAND_MAX); // secrets.md §12: masked, then cut (a cut secret escapes the rules)
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

/** Delivery evidence for the step driver: {@link observeEvidence}, `withAnswer`, at most `MAX_STEPS` calls. */
export const evidenceDriver: StepDriver<EvidenceFacts, TopicCommitmentsProbe, ProbeAnswer<ReadonlyArray<Commitment>>, EvidenceVerdict, Effect> = {
  step: (f) => observeEvidence(f),
  withAnswer,
  limit: MAX_STEPS,
  probeKey: (p) => p._tag,
};
