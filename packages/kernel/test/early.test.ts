/**
 * The early verdicts of `@arbiter/kernel/early`: the rules the dispatcher applies to a hook payload before any state
 * is read (session-lock.md §12.3 H4, push-gate.md §8.6 P2–P3, hooks.md §8, stop-gate.md §6). The end-to-end suite
 * test/fast-paths.e2e.test.ts checks the binary takes these paths; this file pins each rule in process, where a
 * mutant of the kernel can be seen: every boundary of the predicates and every field of the logged records.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  agentLogMode,
  agentOf,
  bashCommandOf,
  claimTopicOf,
  gateEarlyAllow,
  gateSessionOf,
  isMutatingTool,
  mayHoldClaim,
  pushGateEarly,
  pushReleaseEarly,
  sessionLockEarly,
  stopEarly,
  surelyNotPush,
  type StopRepoFacts,
} from '@arbiter/kernel/early';

describe('agents', () => {
  it('agentLogMode spells the log tag of each agent', () => {
    expect(agentLogMode('claude')).toBe('agent:claude');
    expect(agentLogMode('codex')).toBe('agent:codex');
  });
  it('agentOf accepts exactly the two agent names', () => {
    expect(agentOf('claude')).toBe('claude');
    expect(agentOf('codex')).toBe('codex');
    for (const v of ['', 'Claude', 'gemini', null, undefined, 1, {}]) expect(agentOf(v)).toBeNull();
  });
});

describe('session lock: rule H4 (session-lock.md §12.3)', () => {
  it('isMutatingTool: the per-agent tool lists; an absent tool counts as mutating, any other non-string does not', () => {
    for (const t of ['Edit', 'Write', 'MultiEdit', 'NotebookEdit', 'Bash']) expect(isMutatingTool('claude', t)).toBe(true);
    for (const t of ['Bash', 'apply_patch', 'Edit', 'Write']) expect(isMutatingTool('codex', t)).toBe(true);
    expect(isMutatingTool('claude', 'apply_patch')).toBe(false);
    expect(isMutatingTool('codex', 'NotebookEdit')).toBe(false);
    for (const a of ['claude', 'codex'] as const) {
      expect(isMutatingTool(a, undefined)).toBe(true);
      for (const t of ['Read', 'Grep', '', 'bash', null, 7, ['Bash']]) expect(isMutatingTool(a, t)).toBe(false);
    }
  });
  it('sessionLockEarly skips only a read-only tool with a usable session id, and never release', () => {
    expect(sessionLockEarly('claude', 'acquire', { session_id: 's', tool_name: 'Read' })).toBe('skip');
    expect(sessionLockEarly('codex', 'refresh', { session_id: 's', tool_name: 'Read' })).toBe('skip');
    expect(sessionLockEarly('claude', 'release', { session_id: 's', tool_name: 'Read' })).toBeNull();
    expect(sessionLockEarly('claude', 'acquire', null)).toBeNull();
    expect(sessionLockEarly('claude', 'acquire', { session_id: '', tool_name: 'Read' })).toBeNull();
    expect(sessionLockEarly('claude', 'acquire', { session_id: 5, tool_name: 'Read' })).toBeNull();
    expect(sessionLockEarly('claude', 'acquire', { tool_name: 'Read' })).toBeNull();
    expect(sessionLockEarly('claude', 'acquire', { session_id: 's', tool_name: 'Edit' })).toBeNull();
    expect(sessionLockEarly('claude', 'acquire', { session_id: 's' })).toBeNull();
  });
});

describe('push gate: rules P2–P3 (push-gate.md §8.6)', () => {
  it('bashCommandOf reads tool_input.command, else tool_input.cmd, and never throws', () => {
    expect(bashCommandOf({ tool_input: { command: 'a', cmd: 'b' } })).toBe('a');
    expect(bashCommandOf({ tool_input: { command: 1, cmd: 'b' } })).toBe('b');
    expect(bashCommandOf({ tool_input: { cmd: 'b' } })).toBe('b');
    expect(bashCommandOf({ tool_input: { cmd: 2 } })).toBeNull();
    expect(bashCommandOf({ tool_input: {} })).toBeNull();
    for (const p of [null, undefined, 'x', 3, [], [{ tool_input: { command: 'a' } }], {}, { tool_input: null }, { tool_input: 'git push' }]) {
      expect(bashCommandOf(p)).toBeNull();
    }
    // an array is never a payload, even one that carries a `tool_input` property
    expect(bashCommandOf(Object.assign([], { tool_input: { command: 'git push' } }))).toBeNull();
  });
  it('surelyNotPush: the length limit, ANSI-C quoting, and quotes, backslashes or line continuations inside "push"', () => {
    expect(surelyNotPush('ls -la')).toBe(true);
    expect(surelyNotPush('git push')).toBe(false);
    expect(surelyNotPush('a'.repeat(65_536))).toBe(true);
    expect(surelyNotPush('a'.repeat(65_537))).toBe(false);
    expect(surelyNotPush("echo $'x'")).toBe(false);
    expect(surelyNotPush("echo '$x'")).toBe(true);
    for (const c of ["git pu'sh'", 'git pu"s"h', 'git pu\\sh', 'git pu\\\nsh', 'git pu\\\r\nsh']) expect(surelyNotPush(c)).toBe(false);
    expect(surelyNotPush('git pu\nsh')).toBe(true);
  });
  const record = (agent: 'claude' | 'codex', o: Record<string, unknown>, command: string) => ({
    policy: 'push-gate',
    policyVersion: '1.0.0',
    facts: {
      agent,
      hook: 'gate-push',
      tool_name: typeof o['tool_name'] === 'string' ? o['tool_name'] : null,
      session_id: typeof o['session_id'] === 'string' ? o['session_id'] : null,
      cwd: typeof o['cwd'] === 'string' ? o['cwd'] : null,
      command,
      stdin: 'Ok',
      fast_path: true,
    },
    verdict: 'Allow',
    reason: 'not-a-push',
  });
  it('pushGateEarly logs Allow not-a-push for a command surely without a push, or from a string tool other than Bash', () => {
    const bash = { tool_name: 'Bash', session_id: 's1', cwd: '/r', tool_input: { command: 'npm test' } };
    expect(pushGateEarly('claude', bash)).toEqual(record('claude', bash, 'npm test'));
    const write = { tool_name: 'Write', tool_input: { command: 'git push' } };
    expect(pushGateEarly('codex', write)).toEqual(record('codex', write, 'git push'));
    const odd = { tool_name: 3, session_id: 4, cwd: 5, tool_input: { cmd: 'ls' } };
    expect(pushGateEarly('claude', odd)).toEqual(record('claude', odd, 'ls'));
  });
  it('pushGateEarly leaves the decision to the full gate when a push may be there or there is no command', () => {
    expect(pushGateEarly('claude', null)).toBeNull();
    expect(pushGateEarly('claude', { tool_name: 'Write' })).toBeNull();
    expect(pushGateEarly('claude', { tool_name: 'Bash', tool_input: { command: 'git push' } })).toBeNull();
    expect(pushGateEarly('claude', { tool_input: { command: 'git push' } })).toBeNull();
    expect(pushGateEarly('claude', { tool_name: 7, tool_input: { command: 'git push' } })).toBeNull();
  });
  it('pushReleaseEarly skips exactly where pushGateEarly answers', () => {
    expect(pushReleaseEarly(null)).toBeNull();
    expect(pushReleaseEarly({ tool_name: 'Write' })).toBeNull();
    expect(pushReleaseEarly({ tool_name: 'Bash', tool_input: { command: 'git push' } })).toBeNull();
    expect(pushReleaseEarly({ tool_name: 'Bash', tool_input: { command: 'npm test' } })).toBe('skip');
    expect(pushReleaseEarly({ tool_name: 'Edit', tool_input: { command: 'git push' } })).toBe('skip');
    const payload = fc.record(
      { tool_name: fc.constantFrom('Bash', 'Edit', 5), tool_input: fc.record({ command: fc.constantFrom('git push', 'ls', 'pu\\sh', 9) }, { requiredKeys: [] }) },
      { requiredKeys: [] },
    );
    fc.assert(fc.property(payload, (p) => (pushReleaseEarly(p) === 'skip') === (pushGateEarly('claude', p) !== null)));
  });
});

describe('the Stop hook (hooks.md §8)', () => {
  it('mayHoldClaim: each claim stem, case-insensitive; a non-string never holds a claim', () => {
    for (const s of ['relaunch', 'RESTART', 'deployed', 'pushed', 'merged', 'reverted', 'rebased', 'rerun', 're-run', 'Fixed']) expect(mayHoldClaim(`I ${s} it`)).toBe(true);
    for (const v of ['all good', '', null, 3, ['push']]) expect(mayHoldClaim(v)).toBe(false);
  });
  it('gateSessionOf: session_id when non-empty, else sessionId when non-empty, else null', () => {
    expect(gateSessionOf({ session_id: 'a', sessionId: 'b' })).toBe('a');
    expect(gateSessionOf({ session_id: '', sessionId: 'b' })).toBe('b');
    expect(gateSessionOf({ session_id: 1, sessionId: 'b' })).toBe('b');
    expect(gateSessionOf({ sessionId: '' })).toBeNull();
    expect(gateSessionOf({ sessionId: 2 })).toBeNull();
    expect(gateSessionOf({})).toBeNull();
  });
  it('claimTopicOf: a string with a non-space character, unchanged', () => {
    expect(claimTopicOf(' s ')).toBe(' s ');
    for (const v of ['', ' \t\n', null, undefined, 3]) expect(claimTopicOf(v)).toBeNull();
  });
  it('gateEarlyAllow: the loop guard (truthy) before the missing session', () => {
    expect(gateEarlyAllow({ stop_hook_active: true })).toEqual({ reason: 'loop-guard', failOpen: false });
    expect(gateEarlyAllow({ stop_hook_active: 'yes', session_id: 's' })).toEqual({ reason: 'loop-guard', failOpen: false });
    expect(gateEarlyAllow({ stop_hook_active: 0 })).toEqual({ reason: 'no-session', failOpen: true });
    expect(gateEarlyAllow({ stop_hook_active: false, session_id: 's' })).toBeNull();
  });

  const QUIET: StopRepoFacts = { inRepository: true, buildState: false, gateState: false, config: null };
  const records = (agent: 'claude' | 'codex', claim: string, buildSid: string, gateSid: string, gate: { probes: string[]; failOpen: boolean; reason: string }, sid: string | null, inRepository = true) => [
    { policy: 'action-claim', policyVersion: '1.0.0', facts: { session_id: sid, fast_path: true }, verdict: 'Skipped', reason: claim },
    {
      policy: 'build-stop',
      policyVersion: '1.0.0',
      facts: { agent, session_id: buildSid, probes: ['BuildState'], in_repository: inRepository, fast_path: true },
      verdict: 'Approve',
      reason: 'no-state',
    },
    {
      policy: 'stop-gate',
      policyVersion: '1.0.0',
      facts: { agent, session_id: gateSid, payload: 'Object', probes: gate.probes, failOpen: gate.failOpen, fast_path: true },
      verdict: 'Allow',
      reason: gate.reason,
    },
  ];
  const MODE_OFF = { probes: ['GateState'], failOpen: false, reason: 'mode-off' };

  it('stopEarly logs the three verdicts of a quiet Stop: no-claim, no-state, mode-off', () => {
    expect(stopEarly('claude', { session_id: 's', last_assistant_message: 'all good' }, QUIET)).toEqual(records('claude', 'no-claim', 's', 's', MODE_OFF, 's'));
  });
  it('stopEarly: the action-claim reason is no-topic, then no-message for an empty or non-string message', () => {
    expect(stopEarly('codex', { session_id: ' ', last_assistant_message: 'ok' }, QUIET)).toEqual(records('codex', 'no-topic', ' ', ' ', MODE_OFF, ' '));
    expect(stopEarly('codex', { session_id: 's', last_assistant_message: '' }, QUIET)).toEqual(records('codex', 'no-message', 's', 's', MODE_OFF, 's'));
    expect(stopEarly('codex', { session_id: 's' }, QUIET)).toEqual(records('codex', 'no-message', 's', 's', MODE_OFF, 's'));
  });
  it('stopEarly: the stop gate allows by rules 4–5 without a probe; the build-stop session is "" for a non-string', () => {
    expect(stopEarly('claude', { session_id: 's', stop_hook_active: true, last_assistant_message: 'ok' }, QUIET)).toEqual(
      records('claude', 'no-claim', 's', 's', { probes: [], failOpen: false, reason: 'loop-guard' }, 's'),
    );
    expect(stopEarly('claude', { session_id: 7, last_assistant_message: 'ok' }, QUIET)).toEqual(
      records('claude', 'no-topic', '', '', { probes: [], failOpen: true, reason: 'no-session' }, null),
    );
    expect(stopEarly('claude', { sessionId: 'b', last_assistant_message: 'ok' }, QUIET)).toEqual(records('claude', 'no-topic', '', 'b', MODE_OFF, null));
  });
  it('stopEarly needs the full hook for a claim stem, any state, a land marker, or a configuration that can change the outcome', () => {
    const o = { session_id: 's', last_assistant_message: 'ok' };
    expect(stopEarly('claude', null, QUIET)).toBeNull();
    expect(stopEarly('claude', { session_id: 's', last_assistant_message: 'I pushed it' }, QUIET)).toBeNull();
    for (const repo of [
      { ...QUIET, buildState: true },
      { ...QUIET, gateState: true },
      { ...QUIET, landMarker: true },
      { ...QUIET, config: 'unreadable' as const },
      { ...QUIET, config: { version: 1, stop_gate: {} } },
      { ...QUIET, config: { version: 1, commitments: {} } },
      { ...QUIET, config: { version: 1, state_lock: {} } },
    ]) {
      expect(stopEarly('claude', o, repo)).toBeNull();
    }
    for (const repo of [{ ...QUIET, landMarker: false }, { ...QUIET, config: { version: 1, lanes: {} } }]) expect(stopEarly('claude', o, repo)).not.toBeNull();
  });
  it('stopEarly outside a repository ignores the repository facts', () => {
    const outside: StopRepoFacts = { inRepository: false, buildState: true, gateState: true, landMarker: true, config: 'unreadable' };
    expect(stopEarly('claude', { session_id: 's', last_assistant_message: 'ok' }, outside)).toEqual(records('claude', 'no-claim', 's', 's', MODE_OFF, 's', false));
  });
});
