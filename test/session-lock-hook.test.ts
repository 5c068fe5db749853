/**
 * The session-lock hook pipeline in-process with injected ports (spec session-lock.md §12): SL-17 subagents, SL-22 read-only
 * tools never reach the store, SL-23 a store that never answers, session-lock.md §12.6 every internal error allows.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { sessionLock as SL, type LockStore } from '@arbiter/kernel';
import { memoryLockStore } from '@arbiter/io-memory';
import { runSessionLock, type SessionLockDeps } from '@arbiter/hooks';

const dir = mkdtempSync(join(tmpdir(), 'arbiter-slh-'));

const deps = (store: LockStore, text: string | null, over: Partial<SessionLockDeps> = {}): SessionLockDeps & { logged: Array<{ verdict: string; reasons: string[] }> } => {
  const logged: Array<{ verdict: string; reasons: string[] }> = [];
  return {
    stdin: async () => (text === null ? { _tag: 'TooLarge' } : { _tag: 'Ok', text }),
    env: { ARBITER_STATE_DIR: join(dir, 'state') },
    cwd: dir,
    now: () => 1_700_000_000_000,
    hostname: () => 'laptop',
    anchorPid: () => 4242,
    store: () => store,
    pidAlive: async () => 'alive',
    record: (r) => logged.push({ verdict: r.verdict, reasons: r.reasons }),
    logged,
    ...over,
  };
};
const payload = (o: Record<string, unknown>) => JSON.stringify({ cwd: dir, hook_event_name: 'PreToolUse', ...o });

describe('session-lock hook pipeline (in-process)', () => {
  it('SL-22 a tool outside the mutating set never reaches the store', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom<'claude' | 'codex'>('claude', 'codex'), fc.constantFrom<'acquire' | 'refresh'>('acquire', 'refresh'), fc.string(), async (agent, verb, tool) => {
        fc.pre(!SL.MUTATING_TOOLS[agent].includes(tool));
        const store = memoryLockStore();
        const r = await runSessionLock(verb, agent, deps(store, payload({ session_id: 's', tool_name: tool })));
        expect(r.result).toEqual({ code: 0 });
        expect(store.calls()).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  it('SL-17 payloads sharing session_id never hold against each other, whatever agent_id / agent_type', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.record({ agent_id: fc.option(fc.string(), { nil: undefined }), agent_type: fc.option(fc.string(), { nil: undefined }) }), { minLength: 2, maxLength: 6 }), async (subs) => {
        const store = memoryLockStore();
        for (const s of subs) {
          const r = await runSessionLock('acquire', 'claude', deps(store, payload({ session_id: 'parent-1', tool_name: 'Edit', ...s })));
          expect(r.result.code).toBe(0);
        }
        const other = await runSessionLock('acquire', 'claude', deps(store, payload({ session_id: 'other', tool_name: 'Edit' })));
        expect(other.result.code).toBe(2);
      }),
      { numRuns: 100 },
    );
  });

  it('SL-23 a store whose read never resolves ends in an allow by the deadline, logged as watchdog', async () => {
    const hung: LockStore = { read: () => () => new Promise(() => undefined), commit: () => TE.right({ _tag: 'Conflict' }) };
    const d = deps(hung, payload({ session_id: 's', tool_name: 'Bash' }), { deadlineMs: 200 });
    const r = await runSessionLock('acquire', 'claude', d);
    expect(r).toEqual({ result: { code: 0 }, failOpen: 'watchdog' });
    expect(d.logged).toEqual([{ verdict: 'Allow', reasons: ['no-result', 'watchdog'] }]);
  });

  it('session-lock.md §13.2 a watchdog firing during a commit logs the run\'s facts and the commit in flight; one firing after a conflict does not', async () => {
    const factsOf = (d: SessionLockDeps, into: Array<Record<string, unknown>>): SessionLockDeps => ({ ...d, record: (r) => into.push(r.facts) });
    // the commit never answers: the entry names the session and the generation the commit would create
    const hungCommit: LockStore = { read: () => TE.right({ generation: 4, content: { _tag: 'Absent' } }), commit: () => () => new Promise(() => undefined) };
    const a: Array<Record<string, unknown>> = [];
    const r = await runSessionLock('acquire', 'claude', factsOf(deps(hungCommit, payload({ session_id: 's1', tool_name: 'Edit' }), { deadlineMs: 200 }), a));
    expect(r.failOpen).toBe('watchdog');
    expect(a).toHaveLength(1);
    expect(a[0]).toMatchObject({ agent: 'claude', verb: 'acquire', session_id: 's1', tool_name: 'Edit', commit_in_flight: 5 });
    // the commit conflicted and the next read hangs: nothing is in flight any more
    let reads = 0;
    const conflictThenHang: LockStore = {
      read: () => () => (reads++ === 0 ? Promise.resolve({ _tag: 'Right', right: { generation: 0, content: { _tag: 'Absent' } } } as const) : new Promise(() => undefined)),
      commit: () => TE.right({ _tag: 'Conflict' }),
    };
    const b: Array<Record<string, unknown>> = [];
    await runSessionLock('acquire', 'claude', factsOf(deps(conflictThenHang, payload({ session_id: 's2', tool_name: 'Edit' }), { deadlineMs: 200 }), b));
    expect(b).toHaveLength(1);
    expect(b[0]).toMatchObject({ session_id: 's2' });
    expect(b[0]).not.toHaveProperty('commit_in_flight');
    // a run that finishes logs its outcome, never a commit in flight
    const c: Array<Record<string, unknown>> = [];
    await runSessionLock('acquire', 'claude', factsOf(deps(memoryLockStore(), payload({ session_id: 's3', tool_name: 'Edit' })), c));
    expect(c).toHaveLength(1);
    expect(c[0]).toMatchObject({ outcome: 'Acquired', fence: 1 });
    expect(c[0]).not.toHaveProperty('commit_in_flight');
  });

  it('session-lock.md §12.6 every internal error allows, with its fail-open detail', async () => {
    const cases: Array<[string, SessionLockDeps, string]> = [];
    const m = memoryLockStore();
    cases.push(['unreadable stdin', deps(m, null), 'bad-payload']);
    cases.push(['bad JSON', deps(m, '{"session_id":'), 'bad-payload']);
    cases.push(['array payload', deps(m, '[1,2]'), 'bad-payload']);
    cases.push(['missing session_id', deps(m, payload({ tool_name: 'Edit' })), 'no-session']);
    cases.push(['numeric session_id', deps(m, payload({ session_id: 42, tool_name: 'Edit' })), 'no-session']);
    cases.push(['empty session_id', deps(m, payload({ session_id: '', tool_name: 'Edit' })), 'no-session']);
    const failRead = memoryLockStore();
    failRead.failNextRead();
    cases.push(['store read failure', deps(failRead, payload({ session_id: 's', tool_name: 'Edit' })), 'store-failure']);
    const failCommit = memoryLockStore();
    failCommit.failNextCommit('Failure');
    cases.push(['store commit failure', deps(failCommit, payload({ session_id: 's', tool_name: 'Edit' })), 'store-failure']);
    const alwaysConflict: LockStore = { read: () => TE.right({ generation: 0, content: { _tag: 'Absent' } }), commit: () => TE.right({ _tag: 'Conflict' }) };
    cases.push(['CAS exhausted', deps(alwaysConflict, payload({ session_id: 's', tool_name: 'Edit' })), 'cas-exhausted']);
    cases.push(['realpath failure', deps(m, JSON.stringify({ session_id: 's', tool_name: 'Edit', cwd: '/definitely/not/here' })), 'internal-error']);
    cases.push(['throwing port', deps(m, payload({ session_id: 's', tool_name: 'Edit' }), { hostname: () => { throw new Error('x'); } }), 'internal-error']);
    for (const [name, d, detail] of cases) {
      const r = await runSessionLock('acquire', 'claude', d);
      expect({ name, r }).toEqual({ name, r: { result: { code: 0 }, failOpen: detail } });
    }
  });

  it('a held lock blocks (exit 2) only with a live or unknown same-host holder or a fresh foreign holder', async () => {
    for (const [liveness, code] of [['alive', 2], ['unknown', 2], ['dead', 0]] as const) {
      const store = memoryLockStore();
      await runSessionLock('acquire', 'claude', deps(store, payload({ session_id: 'A', tool_name: 'Edit' })));
      const r = await runSessionLock('acquire', 'claude', deps(store, payload({ session_id: 'B', tool_name: 'Edit' }), { pidAlive: async () => liveness }));
      expect(r.result.code).toBe(code);
    }
    const store = memoryLockStore();
    await runSessionLock('acquire', 'claude', deps(store, payload({ session_id: 'A', tool_name: 'Edit' }), { hostname: () => 'other-box' }));
    let probed = 0;
    const r = await runSessionLock('acquire', 'claude', deps(store, payload({ session_id: 'B', tool_name: 'Edit' }), { pidAlive: async () => (probed++, 'dead') }));
    expect(r.result.code).toBe(2);
    expect(probed).toBe(0); // never pid-probe a foreign host
  });
});
