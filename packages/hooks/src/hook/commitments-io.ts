/**
 * Shared plumbing of the commitment hooks and verbs (action-claim.md): find the repository's commitment store and
 * `commitments.*` settings, drive a kernel step function against the store (at most one probe), apply the effects
 * with compare-and-set retries, and write every verdict and audit event to the one decision log.
 */
import { actionClaim as AC, config, runSteps, type CommitmentStore, type LogMode, type StepDriver } from '@arbiter/kernel';
import { applyCommitmentEffects, fsCommitmentStore, readRepoConfig, resolveRepo, type ApplyResult, type Env } from '@arbiter/io-node';
import { recordDecision } from '../decision-record.js';

/** A repository's commitment context. */
export interface CommitmentsContext {
  readonly startDir: string;
  readonly runtimeDir: string;
  readonly store: CommitmentStore;
  readonly settings: AC.CommitmentsSettings;
  /** Config keys whose invalid value fell back to the default (one stderr warning each, hooks.md §5). */
  readonly warnings: ReadonlyArray<string>;
}

/**
 * Resolve the repository containing `startDir` and its commitment store (`<runtime dir>/commitments`) and settings.
 * @returns `null` outside a git repository (commitments are per repository; architecture.md conventions §2). Throws only
 *   on unexpected filesystem errors (callers catch).
 */
export const commitmentsContext = (startDir: string, env: Env, store?: (runtimeDir: string) => CommitmentStore): CommitmentsContext | null => {
  const repo = resolveRepo(startDir, env);
  if (repo === null) return null;
  const r = config.commitmentsSettings(readRepoConfig(repo.topLevel));
  return {
    startDir,
    runtimeDir: repo.runtimeDir,
    store: (store ?? fsCommitmentStore)(repo.runtimeDir),
    settings: r.settings,
    warnings: r.warnings,
  };
};

/** Read the store and answer a `TopicCommitments` probe (records of that topic). Never throws. */
export const answerTopicProbe = async (
  store: CommitmentStore | null,
  topic: string,
): Promise<AC.ProbeAnswer<ReadonlyArray<AC.Commitment>>> => {
  if (store === null) return { ok: false, error: { kind: 'unavailable', detail: 'not inside a git repository' } };
  try {
    const r = await store.read()();
    if (r._tag === 'Left') return { ok: false, error: { kind: r.left._tag === 'Corrupt' ? 'failed' : 'unavailable', detail: r.left.detail } };
    return { ok: true, value: r.right.commitments.filter((c) => c.topic === topic) };
  } catch (e) {
    return { ok: false, error: { kind: 'failed', detail: e instanceof Error ? e.message : 'unknown' } };
  }
};

/** Outcome of {@link driveAndApply}. */
export interface Driven<V> {
  readonly verdict: V;
  readonly effects: ReadonlyArray<AC.Effect>;
  readonly probed: boolean;
  readonly probeOk: boolean | null;
  readonly applied: ApplyResult | null;
  /** True when the state guard refused the write (hooks.md §7 rule 5): nothing was written, not even a log. */
  readonly guardDisabled: boolean;
}

/**
 * Run a commitment decision (`AC.claimDriver` or `AC.evidenceDriver`) to its verdict on the kernel's step driver
 * (at most one `TopicCommitments` probe, action-claim.md §3 rule 3), then apply its store effects after `beforeWrite`
 * agreed (the state guard, evaluated only when there is something to write so the common no-claim / no-evidence call
 * touches nothing). Rejects only if the decision throws or exceeds its step limit; callers treat that as an internal
 * error.
 */
export const driveAndApply = async <F, V>(
  driver: StepDriver<F, AC.TopicCommitmentsProbe, AC.ProbeAnswer<ReadonlyArray<AC.Commitment>>, V, AC.Effect>,
  facts: F,
  store: CommitmentStore | null,
  now: number,
  /** Asked once, right before the first write; `false` skips every write (the state guard is disabled). */
  beforeWrite: () => Promise<boolean> = async () => true,
): Promise<Driven<V>> => {
  let probed = false;
  let probeOk: boolean | null = null;
  const s = await runSteps(driver, facts, async (probe) => {
    const answer = await answerTopicProbe(store, probe.topic);
    probed = true;
    probeOk = answer.ok;
    return answer;
  });
  if (s._tag !== 'Done') throw new Error(s._tag === 'RepeatedProbe' ? 'step requested an answered probe' : 'commitment decision exceeded its step limit');
  const storeEffects = s.effects.filter((e) => e._tag !== 'Audit');
  if (storeEffects.length === 0 || store === null) return { verdict: s.outcome, effects: s.effects, probed, probeOk, applied: null, guardDisabled: false };
  if (!(await beforeWrite())) return { verdict: s.outcome, effects: s.effects, probed, probeOk, applied: null, guardDisabled: true };
  const applied = await applyCommitmentEffects(store, storeEffects, now);
  return { verdict: s.outcome, effects: s.effects, probed, probeOk, applied, guardDisabled: false };
};

/**
 * Write the verdict and every Audit effect to the decision log in one append (architecture.md conventions §6: an audit
 * is a log entry whose verdict is the audited event; each is linked to this verdict by `audit_of`). Never throws.
 */
export const logCommitmentDecision = (
  startDir: string,
  env: Env,
  mode: LogMode,
  policy: string,
  verdict: { readonly _tag: string; readonly reasons: ReadonlyArray<string> },
  facts: Record<string, unknown>,
  effects: ReadonlyArray<AC.Effect>,
  applied: ApplyResult | null,
): void => {
  const audits = effects.flatMap((e) =>
    e._tag === 'Audit' ? [{ policy: e.policy, policy_version: AC.POLICY_VERSION, event: e.event, facts: { id: e.id, lemma: e.lemma, topic: e.topic, ...e.details } }] : [],
  );
  recordDecision({
    startDir,
    env,
    ...(audits.length === 0 ? {} : { audits }),
    policy,
    policyVersion: AC.POLICY_VERSION,
    mode,
    verdict: verdict._tag,
    reasons: [...verdict.reasons, ...(applied !== null && applied._tag === 'Failed' ? ['store-write-failed'] : [])],
    facts: { ...facts, ...(applied === null ? {} : { store: applied._tag === 'Failed' ? { failed: applied.error._tag, ...('detail' in applied.error ? { detail: applied.error.detail } : {}) } : applied._tag }) },
    effects: effects.map((e) => (e._tag === 'CommitmentClose' ? `CommitmentClose(${e.status})` : e._tag)),
  });
};
