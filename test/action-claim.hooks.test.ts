/**
 * In-process tests of the commitment hooks (action-claim.md §3, action-claim.md §5, action-claim.md §6) with the io-memory store injected:
 * the evidence path never blocks for any payload (exit 0, one JSON object), the store is read only when the kernel
 * asks (FE-P7 at the hook level), a store failure leaves commitments untouched, model-based dedupe through the
 * io-memory store (CM-P3 "applied through io-memory"), the context block, and `arbiter classify claim`.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { actionClaim as ac, config } from '@arbiter/kernel';
import { memoryCommitmentStore } from '@arbiter/io-memory';
import { applyCommitmentEffects } from '@arbiter/io-node';
import { runPostTool } from '../packages/hooks/src/hook/post-tool.js';
import { observeStopClaimDetailed } from '../packages/hooks/src/hook/action-claim-stop.js';
import { commitmentContextLines } from '../packages/hooks/src/hook/commitments-context.js';
import { classifyClaimLine, classifyClaimProgram } from '../packages/hooks/src/cli/classify-claim.js';

const NOW = 1_700_000_000_000;

const makeRepo = (): { repo: string; env: NodeJS.ProcessEnv } => {
  const tmp = mkdtempSync(join(tmpdir(), 'arbiter-ac-hooks-'));
  const repo = join(tmp, 'repo');
  mkdirSync(repo);
  execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: repo });
  return { repo, env: { ARBITER_STATE_DIR: join(tmp, 'state'), PATH: process.env['PATH'] } };
};

const open = (topic: string, lemma: ac.Lemma): ac.Commitment => {
  const key = ac.externalKey(topic, lemma);
  return { id: ac.commitmentId(key, NOW), externalKey: key, topic, lemma, span: 'x', lastSpan: 'x', createdAt: NOW, expiresAt: NOW + ac.EXPIRY_MS, restatedAt: NOW, restatements: 0, status: 'open', closedAt: null, evidence: null, note: null };
};

describe('post-tool hook pipeline (io-memory store)', () => {
  const { repo, env } = makeRepo();

  it('FE never blocks: for any stdin text and either agent, exit 0 and exactly one JSON object', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.string(), fc.json(), fc.record({ session_id: fc.anything(), tool_name: fc.constantFrom('Bash', 'Edit', 7), tool_input: fc.anything(), tool_response: fc.anything(), cwd: fc.anything() }).map((o) => JSON.stringify(o) ?? '')),
        fc.constantFrom('claude' as const, 'codex' as const),
        async (text, agent) => {
          const store = memoryCommitmentStore([open('s', 'push')]);
          const r = await runPostTool(agent, { stdin: async () => ({ _tag: 'Ok', text }), env, cwd: repo, now: () => NOW, store: () => store });
          expect(r.code).toBe(0);
          const out = r.stdout ?? '';
          expect(out.endsWith('\n')).toBe(true);
          const v: unknown = JSON.parse(out);
          expect(typeof v === 'object' && v !== null && !Array.isArray(v)).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('unreadable stdin (timeout, too large, tty, error) prints {}', async () => {
    for (const tag of ['Timeout', 'TooLarge', 'Tty', 'Error'] as const) {
      const r = await runPostTool('claude', { stdin: async () => ({ _tag: tag }), env, cwd: repo, now: () => NOW });
      expect(r).toEqual({ code: 0, stdout: '{}\n' });
    }
  });

  it('a store read only when the command is evidence for something (FE-P7), and a delivered push renders for Claude only', async () => {
    const store = memoryCommitmentStore([open('s', 'push')]);
    const payload = (command: string) => JSON.stringify({ session_id: 's', cwd: repo, tool_name: 'Bash', tool_input: { command }, tool_response: { interrupted: false }, tool_use_id: 'u' });
    await runPostTool('claude', { stdin: async () => ({ _tag: 'Ok', text: payload('ls -la') }), env, cwd: repo, now: () => NOW, store: () => store });
    expect(store.calls()).toBe(0);
    const r = await runPostTool('claude', { stdin: async () => ({ _tag: 'Ok', text: payload('git push') }), env, cwd: repo, now: () => NOW, store: () => store });
    expect(JSON.parse(r.stdout!)).toEqual({ hookSpecificOutput: { hookEventName: 'PostToolUse', additionalContext: `Arbiter: commitment ${open('s', 'push').id} (push) marked delivered by: git push` } });
    expect(store.peek().commitments[0]!.status).toBe('delivered');
    const store2 = memoryCommitmentStore([open('s', 'push')]);
    const r2 = await runPostTool('codex', { stdin: async () => ({ _tag: 'Ok', text: payload('git push').replace('"tool_response":{"interrupted":false}', '"tool_response":{"exit_code":0}') }), env, cwd: repo, now: () => NOW, store: () => store2 });
    expect(r2.stdout).toBe('{}\n');
    expect(store2.peek().commitments[0]!.status).toBe('delivered');
  });

  it('a failing store read or write leaves the commitment open, prints {} and says so on stderr (fail direction action-claim.md §5.5)', async () => {
    const payload = JSON.stringify({ session_id: 's', cwd: repo, tool_name: 'Bash', tool_input: { command: 'git push' }, tool_response: {}, tool_use_id: 'u' });
    const s1 = memoryCommitmentStore([open('s', 'push')]);
    s1.failNextRead();
    expect((await runPostTool('claude', { stdin: async () => ({ _tag: 'Ok', text: payload }), env, cwd: repo, now: () => NOW, store: () => s1 })).stdout).toBe('{}\n');
    expect(s1.peek().commitments[0]!.status).toBe('open');
    const s2 = memoryCommitmentStore([open('s', 'push')]);
    s2.failNextCommit('Unavailable');
    const r = await runPostTool('claude', { stdin: async () => ({ _tag: 'Ok', text: payload }), env, cwd: repo, now: () => NOW, store: () => s2 });
    expect(r.stdout).toBe('{}\n');
    expect(r.stderr).toContain('could not be stored');
    expect(s2.peek().commitments[0]!.status).toBe('open');
  });
});

describe('state guard seam of the post-tool hook', () => {
  it('a disabled guard: the commitment stays open, {} is printed, and the guard is asked only when there is a write', async () => {
    const { repo, env } = makeRepo();
    const store = memoryCommitmentStore([open('s', 'push')]);
    let asked = 0;
    const guard = async () => {
      asked++;
      return false;
    };
    const payload = (command: string) => JSON.stringify({ session_id: 's', cwd: repo, tool_name: 'Bash', tool_input: { command }, tool_response: {}, tool_use_id: 'u' });
    expect(await runPostTool('claude', { stdin: async () => ({ _tag: 'Ok', text: payload('npm test') }), env, cwd: repo, now: () => NOW, store: () => store, guard })).toEqual({ code: 0, stdout: '{}\n' });
    expect(asked).toBe(0);
    expect(await runPostTool('claude', { stdin: async () => ({ _tag: 'Ok', text: payload('git push') }), env, cwd: repo, now: () => NOW, store: () => store, guard })).toEqual({ code: 0, stdout: '{}\n' });
    expect(asked).toBe(1);
    expect(store.peek()).toMatchObject({ generation: 1, commitments: [{ status: 'open' }] });
  });
});

describe('CM-P3 dedupe through io-memory with interleaved writers', () => {
  it('CM-P3 (model-based, io-memory): interleaved observe/evidence/close/advance events never leave two active commitments for one key', async () => {
    const claimText = fc.constantFrom("I'll push it.", 'Pushing now.', "I'm merging.", "We'll deploy it.", 'Let me fix that.', 'nothing here');
    const ev = fc.oneof(
      fc.record({ k: fc.constant('claim' as const), topic: fc.constantFrom('a', 'b'), text: claimText }),
      fc.record({ k: fc.constant('evidence' as const), topic: fc.constantFrom('a', 'b'), command: fc.constantFrom('git push', 'git merge x', 'ls') }),
      fc.record({ k: fc.constant('close' as const), pick: fc.nat(9) }),
      fc.record({ k: fc.constant('advance' as const), ms: fc.constantFrom(1, 60_000, ac.EXPIRY_MS, ac.EXPIRY_MS + 1) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(ev, { minLength: 1, maxLength: 3 }), { maxLength: 12 }), fc.scheduler(), async (batches, s) => {
        const store = memoryCommitmentStore();
        let now = NOW;
        for (const batch of batches) {
          // Each event of a batch decides on its own read, then the writers race (scheduled by fast-check).
          const snap = store.peek().commitments;
          const jobs = batch.map((e) => {
            let effects: ReadonlyArray<ac.Effect> = [];
            if (e.k === 'advance') now += e.ms;
            if (e.k === 'claim') effects = ac.runStep((a) => ac.observeClaim({ enabled: true, sessionId: e.topic, message: e.text, now, ...(a ? { topicCommitments: a } : {}) }), (p) => ({ ok: true, value: snap.filter((r) => r.topic === p.topic) })).step.effects;
            if (e.k === 'evidence')
              effects = ac.runStep((a) => ac.observeEvidence({ agent: 'claude', settings: ac.DEFAULT_SETTINGS, toolName: 'Bash', toolInput: { command: e.command }, toolResponse: {}, toolUseId: 'u', sessionId: e.topic, now, ...(a ? { topicCommitments: a } : {}) }), (p) => ({ ok: true, value: snap.filter((r) => r.topic === p.topic) })).step.effects;
            if (e.k === 'close' && snap.length > 0) effects = ac.decideCliClose(snap, 'withdraw', snap[e.pick % snap.length]!.id, null, now).effects;
            const at = now;
            return s.schedule(Promise.resolve()).then(() => applyCommitmentEffects(store, effects, at, { attempts: 50, backoffMs: 1 }));
          });
          await s.waitAll();
          await Promise.all(jobs);
          const counts = new Map<string, number>();
          for (const r of store.peek().commitments) if (ac.isActive(r, now)) counts.set(r.externalKey, (counts.get(r.externalKey) ?? 0) + 1);
          for (const n of counts.values()) expect(n).toBeLessThanOrEqual(1);
        }
      }),
      { numRuns: 60 },
    );
  });
});

describe('Stop claim path and the context block (real fs store in a temp repository)', () => {
  it('observeStopClaim never throws for arbitrary payloads and registers only claims', async () => {
    const { repo, env } = makeRepo();
    await fc.assert(
      fc.asyncProperty(fc.record({ session_id: fc.oneof(fc.anything(), fc.constantFrom('s1', 's2')), last_assistant_message: fc.oneof(fc.anything(), fc.constantFrom("I'll push.", 'I pushed.', 'He will merge.')) }), async (payload) => {
        const r = await observeStopClaimDetailed({ payload, agent: 'claude', startDir: repo, env, now: NOW });
        expect(r._tag).toBe('Observed');
        if (r._tag === 'Observed' && r.verdict._tag === 'Registered') expect(payload.last_assistant_message).toBe("I'll push.");
      }),
      { numRuns: 60 },
    );
  });

  it('commitmentContextLines lists the session\'s active commitments with the action-claim.md §6 template, [] otherwise', async () => {
    const { repo, env } = makeRepo();
    expect(await commitmentContextLines(repo, env, NOW, 's1')).toEqual([]);
    await observeStopClaimDetailed({ payload: { session_id: 's1', last_assistant_message: 'Tests pass. Pushing it now.' }, agent: 'claude', startDir: repo, env, now: NOW });
    await observeStopClaimDetailed({ payload: { session_id: 's2', last_assistant_message: "I'll revert it." }, agent: 'codex', startDir: repo, env, now: NOW + 1 });
    const id = ac.commitmentId(ac.externalKey('s1', 'push'), NOW);
    expect(await commitmentContextLines(repo, env, NOW + 60_000, 's1')).toEqual([
      'Open commitments from your earlier messages in this session (1):',
      `- push: "Pushing it" (id ${id}, expires in 5h59m)`,
      'Follow through on each, or close it: arbiter commitments done <id>, or arbiter commitments withdraw <id> --reason "<why>".',
    ]);
    expect(await commitmentContextLines(repo, env, NOW, undefined)).toHaveLength(4);
    expect(await commitmentContextLines(repo, env, NOW + ac.EXPIRY_MS + 1, 's1')).toEqual([]);
    expect(await commitmentContextLines(join(tmpdir(), 'definitely-not-a-repo-xyz'), env, NOW, 's1')).toEqual([]);
  });
});

describe('arbiter classify claim', () => {
  it('prints {claim:boolean, lemma?, span?} as one JSON line', async () => {
    expect(classifyClaimLine(["I'll", 'push', 'it'])).toBe('{"claim":true,"lemma":"push","span":"I\'ll push"}\n');
    expect(classifyClaimLine(['I pushed it.'])).toBe('{"claim":false}\n');
    const out: string[] = [];
    const orig = process.stdout.write.bind(process.stdout);
    (process.stdout as { write: unknown }).write = (s: string) => {
      out.push(s);
      return true;
    };
    try {
      await classifyClaimProgram().parseAsync(['claim', '--', 'Deploying to prod now.'], { from: 'user' });
    } finally {
      (process.stdout as { write: unknown }).write = orig;
    }
    expect(out.join('')).toBe('{"claim":true,"lemma":"deploy","span":"Deploying to prod now"}\n');
  });
});

describe('commitments.* configuration (hooks.md §5, action-claim.md §5.4)', () => {
  const withConfig = (cfg: unknown): { repo: string; env: NodeJS.ProcessEnv } => {
    const r = makeRepo();
    mkdirSync(join(r.repo, '.arbiter'), { recursive: true });
    writeFileSync(join(r.repo, '.arbiter', 'config.json'), JSON.stringify(cfg));
    return r;
  };

  it('defaults when absent; an invalid value falls back to its default and is named; unknown keys are ignored', () => {
    expect(config.commitmentsSettings({ _tag: 'NotConfigured' })).toEqual({ settings: ac.DEFAULT_SETTINGS, warnings: [] });
    const r = config.commitmentsSettings(config.parseConfig(JSON.stringify({ version: 1, commitments: { enabled: 'yes', future_key: 1, evidence: { test_commands: [1], action_patterns: { deploy: ['deploy.sh *'], restart: 'x' } } } })));
    expect([...r.warnings].sort()).toEqual(['commitments.enabled', 'commitments.evidence.action_patterns.restart', 'commitments.evidence.test_commands']);
    expect(r.settings.enabled).toBe(true);
    expect(r.settings.evidence.test_commands).toEqual(ac.DEFAULT_TEST_COMMANDS);
    expect(r.settings.evidence.action_patterns.deploy).toEqual(['deploy.sh *']);
    expect(config.parseConfig(JSON.stringify({ version: 1, commitments: 7 }))._tag).toBe('Configured');
  });

  it('commitments.enabled = false: no claim is registered and no evidence is looked for', async () => {
    const { repo, env } = withConfig({ version: 1, commitments: { enabled: false } });
    const r = await observeStopClaimDetailed({ payload: { session_id: 's', last_assistant_message: "I'll push." }, agent: 'claude', startDir: repo, env, now: NOW });
    expect(r).toMatchObject({ _tag: 'Observed', verdict: { _tag: 'Skipped', reasons: ['disabled'] } });
  });

  it('an action pattern makes a configured deploy command evidence; an invalid key warns on stderr', async () => {
    const { repo, env } = withConfig({ version: 1, commitments: { evidence: { enabled: 'sometimes', action_patterns: { deploy: ['deploy.sh *'] } } } });
    await observeStopClaimDetailed({ payload: { session_id: 's', last_assistant_message: 'Deploying to staging now.' }, agent: 'claude', startDir: repo, env, now: NOW });
    const payload = JSON.stringify({ session_id: 's', cwd: repo, tool_name: 'Bash', tool_input: { command: './deploy.sh staging' }, tool_response: {}, tool_use_id: 'u' });
    const r = await runPostTool('claude', { stdin: async () => ({ _tag: 'Ok', text: payload }), env, cwd: repo, now: () => NOW + 1000 });
    expect(r.stderr).toContain('config key commitments.evidence.enabled has an invalid value');
    expect(JSON.parse(r.stdout!)).toMatchObject({ hookSpecificOutput: { additionalContext: expect.stringContaining('(deploy) marked delivered by: ./deploy.sh staging') } });
  });
});
