/**
 * Every string Arbiter persists or shows a model goes through the one masker (secrets.md §12): commitments (claim
 * span, delivery evidence, manual note, withdraw reason), the delivered line and the open-commitments block, halt /
 * force-release / break-glass reasons (`safeReason`, `forceReleaseT`), and the build task. Each test fails when its
 * surface skips the masker.
 */
import { describe, expect, it } from 'vitest';
import { actionClaim as AC, buildStop as BS, pushGate as PG } from '@arbiter/kernel';

type Commitment = AC.Commitment;

const NOW = Date.parse('2026-12-05T10:00:00.000Z');
const PW = 'Sup3rS3cretPw';
const GHP = 'ghp_' + 'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8';
const SESSION = 'sess-mask-1';

/** An open `push` commitment of {@link SESSION} made by the real claim step. */
const openPush = (message = 'Pushing it now.'): Commitment => {
  const { step } = AC.runStep(
    (a) => AC.observeClaim({ enabled: true, sessionId: SESSION, message, now: NOW, ...(a === undefined ? {} : { topicCommitments: a }) }),
    () => ({ ok: true, value: [] }),
  );
  const create = step.effects.find((e) => e._tag === 'CommitmentCreate');
  if (create?._tag !== 'CommitmentCreate') throw new Error('no commitment created');
  return create.record;
};

describe('commitments', () => {
  it('the delivering command is masked in the stored evidence, the verdict and the line shown to Claude', () => {
    const record = openPush();
    const command = `git push https://bob:${PW}@example.com/r.git main`;
    const { step } = AC.runStep(
      (a) =>
        AC.observeEvidence({
          agent: 'claude',
          settings: AC.DEFAULT_SETTINGS,
          toolName: 'Bash',
          toolInput: { command },
          toolResponse: { stdout: '', stderr: '', interrupted: false, isImage: false },
          toolUseId: 'toolu_1',
          sessionId: SESSION,
          now: NOW + 1,
          ...(a === undefined ? {} : { topicCommitments: a }),
        }),
      () => ({ ok: true, value: [record] }),
    );
    expect(step.outcome._tag).toBe('Delivered');
    const close = step.effects.find((e) => e._tag === 'CommitmentClose');
    expect(JSON.stringify(step.effects)).not.toContain(PW);
    expect(close).toMatchObject({ evidence: { kind: 'command', command: 'git push https://bob:***@example.com/r.git main' } });
    const out = AC.renderEvidence('claude', step.outcome as AC.EvidenceVerdict, true);
    expect(out).not.toContain(PW);
    expect(out).toContain('marked delivered by: git push https://bob:***@example.com/r.git main');
    // a record stored before masking existed is masked when shown
    expect(AC.deliveredContext({ id: 'c1', lemma: 'push', command })).not.toContain(PW);
  });

  it('a claim span holding a secret is stored and listed masked', () => {
    const record = openPush(`Pushing it now with token=${GHP}.`);
    expect(JSON.stringify(record)).not.toContain(GHP);
    const old: Commitment = { ...record, span: `I'll push with ${GHP}`, lastSpan: `I'll push with ${GHP}` };
    expect(AC.renderOpenCommitments([old], NOW)).not.toContain(GHP);
    expect(AC.listLine(old, NOW)).not.toContain(GHP);
  });

  it('a manual note and a withdraw reason are stored masked', () => {
    const record = openPush();
    for (const action of ['done', 'withdraw'] as const) {
      const d = AC.decideCliClose([record], action, record.id, `used mysql -p${PW} on prod`, NOW + 1);
      expect(JSON.stringify(d.effects)).not.toContain(PW);
      expect(JSON.stringify(d.effects)).toContain('mysql -p***');
    }
  });
});

describe('lanes: halt, force-release and break-glass reasons', () => {
  it('safeReason masks before it cuts (halt reasons are stored and shown through it)', () => {
    expect(PG.safeReason(`rotate: curl -u bob:${PW} https://h`, 200)).toBe('rotate: curl -u bob:*** https://h');
    expect(PG.safeReason(`x ${GHP}`, 10)).not.toContain('ghp_a1B2c3');
    expect(PG.messages.postBreakGlass('deploy:main', 'ops', `hotfix with --token ${PW}`)).not.toContain(PW);
  });

  it('forceReleaseT stores a masked reason in the lane event (the gate passes the raw break-glass reason)', () => {
    const by = { handle: 'ops', session: 's-O', instance: 'i-1', host: 'h' };
    const t = PG.forceReleaseT(null, 'deploy:main', by, `hotfix, API_TOKEN=${PW}`, NOW, undefined);
    expect(JSON.stringify(t)).not.toContain(PW);
    expect(t.next?.event?.reason).toBe('hotfix, API_TOKEN=***');
  });
});

describe('build-stop', () => {
  it('the task of `arbiter build start` is stored masked', () => {
    const c = BS.checkStart(null, { task: `deploy with GITHUB_TOKEN=${PW}` }, '/x/build.json');
    expect(c).toMatchObject({ _tag: 'Ok', task: 'deploy with GITHUB_TOKEN=***' });
  });
});
