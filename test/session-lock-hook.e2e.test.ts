/**
 * End-to-end: the built `arbiter` binary with documented Claude Code and Codex payloads (spec/host-protocols.md C2–C6),
 * real git repositories, real file-system state. SL-21, SL-23, SL-24 and the session-lock.md §12 pipeline.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { sessionLock as SL } from '@arbiter/kernel';
import { BIN, makeRepo, requireBuilt, runBin, testEnv, tmp } from './helpers/bin.js';

/** Claude Code PreToolUse payload, current documented shape (host-protocols.md C2, C3). */
export const claudePre = (session: string, cwd: string, tool: string, toolInput: Record<string, unknown> = {}) =>
  JSON.stringify({
    session_id: session,
    prompt_id: '0b6a6c1e-1f2d-4c1e-9a51-2b8c2f1d7e10',
    transcript_path: `/home/u/.claude/projects/x/${session}.jsonl`,
    cwd,
    permission_mode: 'default',
    hook_event_name: 'PreToolUse',
    tool_name: tool,
    tool_input: toolInput,
    tool_use_id: 'toolu_01ABC',
  });
/** Older Claude Code payload: no cwd, no hook_event_name (host-protocols.md C2 "Earlier version"). */
const claudePreOld = (session: string, tool: string) => JSON.stringify({ session_id: session, transcript_path: '/tmp/t.jsonl', tool_name: tool, tool_input: { file_path: '/x' } });
const claudePost = (session: string, cwd: string, tool: string) =>
  JSON.stringify({ session_id: session, transcript_path: '/t.jsonl', cwd, hook_event_name: 'PostToolUse', tool_name: tool, tool_input: {}, tool_response: { stdout: '', stderr: '', interrupted: false, isImage: false }, tool_use_id: 'toolu_2', duration_ms: 12 });
const claudeStop = (session: string, cwd: string) =>
  JSON.stringify({ session_id: session, transcript_path: '/t.jsonl', cwd, hook_event_name: 'Stop', stop_hook_active: false, last_assistant_message: 'All done.', background_tasks: [], session_crons: [] });
const claudeSessionEnd = (session: string, cwd: string) => JSON.stringify({ session_id: session, transcript_path: '/t.jsonl', cwd, hook_event_name: 'SessionEnd', reason: 'clear' });
/** Codex PreToolUse payload (host-protocols.md C6, CX-schema). */
export const codexPre = (session: string, cwd: string, tool: string, command = 'ls') =>
  JSON.stringify({ session_id: session, transcript_path: null, cwd, hook_event_name: 'PreToolUse', model: 'gpt-5-codex', permission_mode: 'default', turn_id: 'turn-1', tool_name: tool, tool_use_id: 'call_1', tool_input: { command } });
const codexStop = (session: string, cwd: string) =>
  JSON.stringify({ session_id: session, transcript_path: null, cwd, hook_event_name: 'Stop', model: 'gpt-5-codex', turn_id: 'turn-1', stop_hook_active: false, last_assistant_message: 'Done.' });

const ACQ = (agent: 'claude' | 'codex') => ['hook', 'session-lock', 'acquire', '--agent', agent];
const REF = ['hook', 'session-lock', 'refresh', '--agent', 'claude'];
const REL = (agent: 'claude' | 'codex') => ['hook', 'session-lock', 'release', '--agent', agent];

const MSG_RE = /^parallel session lock held by [A-Za-z0-9_.-]{1,64} \(pid (\d+|\?)\) — wait or close that session first$/;

const newWorld = () => {
  const root = tmp('arbiter-e2e-sl-');
  const state = join(root, 'state');
  const repo = makeRepo(join(root, 'repo'));
  return { root, state, repo, env: testEnv(state) };
};

const generations = (state: string): string[] => {
  try {
    return readdirSync(join(state, 'locks')).sort();
  } catch {
    return [];
  }
};

beforeAll(() => requireBuilt());

describe('session-lock hook, end to end', () => {
  it('SL-24 Claude: allow is silent exit 0; a block is exit 2 with exactly the message and a line feed on stderr', () => {
    const w = newWorld();
    const a = runBin(ACQ('claude'), { input: claudePre('sess-A', w.repo, 'Edit', { file_path: join(w.repo, 'README.md') }), env: w.env, cwd: w.repo });
    expect(a).toMatchObject({ code: 0, stdout: '', stderr: '' });
    const b = runBin(ACQ('claude'), { input: claudePre('sess-B', w.repo, 'Write'), env: w.env, cwd: w.repo });
    expect(b.code).toBe(2);
    expect(b.stdout).toBe('');
    expect(b.stderr.endsWith('\n')).toBe(true);
    expect(b.stderr.slice(0, -1)).toMatch(MSG_RE);
    expect(b.stderr).toContain('held by sess-A');
  });

  it('SL-24 Codex: a block is exit 0 with the deny envelope on stdout; allow is silent', () => {
    const w = newWorld();
    expect(runBin(ACQ('codex'), { input: codexPre('cx-1', w.repo, 'apply_patch'), env: w.env, cwd: w.repo })).toMatchObject({ code: 0, stdout: '', stderr: '' });
    const b = runBin(ACQ('codex'), { input: codexPre('cx-2', w.repo, 'Bash', 'rm -rf build'), env: w.env, cwd: w.repo });
    expect(b.code).toBe(0);
    expect(b.stderr).toBe('');
    expect(b.stdout.endsWith('\n')).toBe(true);
    const env = JSON.parse(b.stdout) as { hookSpecificOutput: Record<string, string> };
    expect(Object.keys(env)).toEqual(['hookSpecificOutput']);
    expect(env.hookSpecificOutput).toEqual({ hookEventName: 'PreToolUse', permissionDecision: 'deny', permissionDecisionReason: expect.stringMatching(MSG_RE) });
  });

  it('Claude and Codex sessions contend for the same lock (one state directory)', () => {
    const w = newWorld();
    expect(runBin(ACQ('claude'), { input: claudePre('cl-1', w.repo, 'Bash', { command: 'make' }), env: w.env, cwd: w.repo }).code).toBe(0);
    const cx = runBin(ACQ('codex'), { input: codexPre('cx-1', w.repo, 'Bash'), env: w.env, cwd: w.repo });
    expect(JSON.parse(cx.stdout).hookSpecificOutput.permissionDecision).toBe('deny');
  });

  it('PostToolUse refreshes, Stop releases keeping the fence, SessionEnd is idempotent, the next acquirer gets fence + 1', () => {
    const w = newWorld();
    const sub = join(w.repo, 'pkg', 'a');
    mkdirSync(sub, { recursive: true });
    expect(runBin(ACQ('claude'), { input: claudePre('sess-A', sub, 'MultiEdit'), env: w.env, cwd: sub }).code).toBe(0);
    expect(runBin(REF, { input: claudePost('sess-A', sub, 'MultiEdit'), env: w.env, cwd: sub })).toMatchObject({ code: 0, stdout: '', stderr: '' });
    expect(runBin(REL('claude'), { input: claudeStop('sess-A', w.repo), env: w.env, cwd: w.repo })).toMatchObject({ code: 0, stdout: '', stderr: '' });
    expect(runBin(REL('claude'), { input: claudeSessionEnd('sess-A', w.repo), env: w.env, cwd: w.repo })).toMatchObject({ code: 0, stdout: '', stderr: '' });
    const gens = generations(w.state);
    expect(gens).toHaveLength(3); // acquire, refresh, release; the second release committed nothing
    const last = JSON.parse(readFileSync(join(w.state, 'locks', gens[gens.length - 1] as string), 'utf8')) as Record<string, unknown>;
    expect(last).toMatchObject({ state: 'released', session_id: 'sess-A', fence: 1 });
    expect(typeof last['released_at']).toBe('string');
    expect(runBin(ACQ('codex'), { input: codexPre('cx-9', w.repo, 'Bash'), env: w.env, cwd: w.repo })).toMatchObject({ code: 0, stdout: '' });
    const g4 = JSON.parse(readFileSync(join(w.state, 'locks', generations(w.state).at(-1) as string), 'utf8'));
    expect(g4).toMatchObject({ state: 'held', session_id: 'cx-9', fence: 2 });
  });

  it('Codex Stop releases with nothing on stdout (Codex requires JSON there if anything)', () => {
    const w = newWorld();
    runBin(ACQ('codex'), { input: codexPre('cx-1', w.repo, 'Bash'), env: w.env, cwd: w.repo });
    expect(runBin(REL('codex'), { input: codexStop('cx-1', w.repo), env: w.env, cwd: w.repo })).toMatchObject({ code: 0, stdout: '', stderr: '' });
    expect(runBin(ACQ('claude'), { input: claudePre('cl-2', w.repo, 'Edit'), env: w.env, cwd: w.repo }).code).toBe(0);
  });

  it('an older Claude payload without cwd uses the process working directory (W1)', () => {
    const w = newWorld();
    expect(runBin(ACQ('claude'), { input: claudePreOld('old-1', 'Edit'), env: w.env, cwd: w.repo }).code).toBe(0);
    expect(runBin(ACQ('claude'), { input: claudePre('new-2', join(w.repo), 'Edit'), env: w.env, cwd: '/' }).code).toBe(2);
  });

  it('subdirectories of one worktree share a lock; a linked worktree has its own (W6)', () => {
    const w = newWorld();
    const wt = join(w.root, 'wt-feature');
    execFileSync('git', ['worktree', 'add', '-q', '-b', 'feature', wt], { cwd: w.repo, env: w.env });
    mkdirSync(join(w.repo, 'deep', 'er'), { recursive: true });
    expect(runBin(ACQ('claude'), { input: claudePre('A', join(w.repo, 'deep', 'er'), 'Edit'), env: w.env }).code).toBe(0);
    expect(runBin(ACQ('claude'), { input: claudePre('B', w.repo, 'Edit'), env: w.env }).code).toBe(2);
    expect(runBin(ACQ('claude'), { input: claudePre('B', wt, 'Edit'), env: w.env }).code).toBe(0);
  });

  it('subagents share the lock with their parent (agent_id ignored, SL-17 end to end)', () => {
    const w = newWorld();
    expect(runBin(ACQ('claude'), { input: claudePre('parent', w.repo, 'Edit'), env: w.env }).code).toBe(0);
    const sub = JSON.stringify({ ...JSON.parse(claudePre('parent', w.repo, 'Write')), agent_id: 'agent-7', agent_type: 'general-purpose' });
    expect(runBin(ACQ('claude'), { input: sub, env: w.env })).toMatchObject({ code: 0, stdout: '', stderr: '' });
  });

  it('a stale holder is taken over and audited in the decision log; a corrupt record is healed', () => {
    const w = newWorld();
    mkdirSync(join(w.repo, '.arbiter'));
    require('node:fs').writeFileSync(join(w.repo, '.arbiter', 'config.json'), JSON.stringify({ version: 1, session_lock: { ttl_ms: 1000 } }));
    expect(runBin(ACQ('claude'), { input: claudePre('old-holder', w.repo, 'Edit'), env: w.env }).code).toBe(0);
    execFileSync('sleep', ['1.2']);
    expect(runBin(ACQ('claude'), { input: claudePre('new-holder', w.repo, 'Edit'), env: w.env }).code).toBe(0);
    const log = runBin(['log', '--json', '--policy', 'session-lock'], { env: w.env, cwd: w.repo });
    type Row = { decision_id: string; verdict: string; reasons: string[]; facts: Record<string, unknown>; audit_of?: string; audits?: Row[] };
    const entries = log.stdout.trim().split('\n').map((l) => JSON.parse(l) as Row);
    // one row per decision: the takeover's audit entry is under its verdict, linked by audit_of
    expect(entries.map((e) => e.verdict)).toEqual(['Allow', 'Allow']);
    const taken = entries[1];
    const audit = taken?.audits?.[0];
    expect(taken?.audits?.map((a) => a.verdict)).toEqual(['stale-takeover']);
    expect(audit?.audit_of).toBe(taken?.decision_id);
    const text = runBin(['log', '--policy', 'session-lock'], { env: w.env, cwd: w.repo }).stdout.trim().split('\n');
    expect(text).toHaveLength(2);
    expect(text[1]).toMatch(/ Allow +stale-takeover {2}audited: stale-takeover$/);
    expect(audit?.facts).toMatchObject({ kind: 'stale-takeover', by_session: 'new-holder', new_fence: 2, previous: { session_id: 'old-holder', fence: 1 } });
    expect(String(audit?.facts['at'])).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(String((audit?.facts['previous'] as Record<string, unknown>)['refreshed_at'])).toMatch(/Z$/);
    expect(entries.filter((e) => e.verdict === 'Allow').map((e) => e.reasons[0])).toEqual(['acquired', 'stale-takeover']);
    // corrupt newest generation → corrupt-takeover with fence above the floor
    const gens = generations(w.state);
    require('node:fs').writeFileSync(join(w.state, 'locks', gens[0]!.replace(/\.\d+$/, `.${gens.length + 1}`)), '{"schema_version":1,"session_id":');
    execFileSync('sleep', ['2.1']); // older than the F9 partial-write window
    expect(runBin(ACQ('codex'), { input: codexPre('healer', w.repo, 'Bash'), env: w.env }).stdout).toBe('');
    const healed = JSON.parse(readFileSync(join(w.state, 'locks', generations(w.state).sort((a, b) => Number(a.split('.').pop()) - Number(b.split('.').pop())).at(-1)!), 'utf8'));
    expect(healed).toMatchObject({ session_id: 'healer', fence: gens.length + 2 });
  });

  it('read-only tools never touch the store (no lock directory is even created)', () => {
    const w = newWorld();
    for (const tool of ['Read', 'Grep', 'Glob', 'WebFetch', 'mcp__github__get_issue']) {
      expect(runBin(ACQ('claude'), { input: claudePre('A', w.repo, tool), env: w.env })).toMatchObject({ code: 0, stdout: '', stderr: '' });
    }
    expect(runBin(ACQ('codex'), { input: codexPre('A', w.repo, 'WebSearch'), env: w.env })).toMatchObject({ code: 0, stdout: '' });
    expect(generations(w.state)).toEqual([]);
  });

  it('a FIFO planted as the newest generation cannot hang the hook: it reads as corrupt and is healed (fail-open)', () => {
    const w = newWorld();
    mkdirSync(join(w.state, 'locks'), { recursive: true });
    const ws = execFileSync('realpath', [w.repo], { encoding: 'utf8' }).trim();
    const hash = require('node:crypto').createHash('md5').update(ws).digest('hex').slice(0, 12);
    execFileSync('mkfifo', [join(w.state, 'locks', `session-lock-${hash}.json.1`)]);
    const r = runBin(ACQ('claude'), { input: claudePre('A', w.repo, 'Edit'), env: w.env, timeout: 10_000 });
    expect(r).toMatchObject({ code: 0, signal: null, stdout: '', stderr: '' });
    const g2 = JSON.parse(readFileSync(join(w.state, 'locks', `session-lock-${hash}.json.2`), 'utf8'));
    expect(g2).toMatchObject({ session_id: 'A', fence: 2 });
  });

  it('SL-23 watchdog: a host that never closes stdin gets exit 0, silently, from the watchdog', async () => {
    const w = newWorld();
    const { spawn } = await import('node:child_process');
    for (const args of [ACQ('claude'), REF, REL('claude'), ACQ('codex')]) {
      const t0 = Date.now();
      const child = spawn(process.execPath, [BIN, ...args], { env: w.env, stdio: ['pipe', 'pipe', 'pipe'] });
      child.stdin.write(claudePre('A', w.repo, 'Edit').slice(0, 20)); // a partial payload, then silence
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      child.stderr.on('data', (c: Buffer) => (out += c.toString()));
      const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
      const ms = Date.now() - t0;
      child.stdin.destroy();
      expect({ code, out }).toEqual({ code: 0, out: '' });
      // it was a watchdog (not an early error) that ended it — the in-process deadline (100 ms before the
      // process timer) or the process timer itself — and well before the host's 5 s hook timeout
      expect(ms).toBeGreaterThanOrEqual(SL.LOCK_WATCHDOG_MS - 100);
      expect(ms).toBeLessThan(5_000);
    }
    expect(generations(w.state)).toEqual([]);
  });

  it('mis-wired invocations never block: unknown verb, missing --agent, unknown hook, --help', () => {
    const w = newWorld();
    const p = claudePre('A', w.repo, 'Edit');
    expect(runBin(['hook', 'session-lock', 'grab', '--agent', 'claude'], { input: p, env: w.env }).code).toBe(0);
    expect(runBin(['hook', 'session-lock', 'acquire'], { input: p, env: w.env }).code).toBe(0);
    expect(runBin(['hook', 'no-such-hook'], { input: p, env: w.env }).code).toBe(0);
    const help = runBin(['hook', 'session-lock', '--help'], { env: w.env });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('acquire');
    expect(generations(w.state)).toEqual([]);
  });

  it('the dispatcher bundles no decision, codec or CLI library: only the dependency-free early verdicts and path resolution', () => {
    const requiresOf = (src: string) => [...src.matchAll(/require\(["']([^"']+)["']\)/g)].map((m) => m[1]).sort();
    const src = readFileSync(BIN, 'utf8');
    expect(requiresOf(src)).toEqual(['fs', 'path', 'util']); // util for parseArgs (loaded by Node's own start-up anyway); other built-ins load lazily, on first use, and the fast paths use none
    expect(src).not.toMatch(/io-ts|fp-ts|commander|session-lock\.ts|push-gate\/step/); // only early verdicts, masking and the log writer
  });
});
