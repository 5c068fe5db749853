/**
 * End-to-end tests of action claims and follow-through (action-claim.md) against the BUILT binary
 * `packages/hooks/dist/arbiter.cjs` (run `npm run build` first), on real git repositories, with Claude Code and
 * Codex Stop and PostToolUse payloads shaped as their documentation gives them (spec/host-protocols.md C2, C3, C6).
 *
 * The Stop entry is the composite `arbiter hook stop` (claim observation first, hooks.md §8); with no build
 * and the gate off it prints `{}` and exits 0.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { spawnSync, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { resolveRepo } from '@arbiter/io-node';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import fc from 'fast-check';

const BIN = resolve(__dirname, '../packages/hooks/dist/arbiter.cjs');
const STOP_HOOK = 'stop';

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

const run = (args: string[], o: { stdin?: string | Buffer; cwd: string; env: NodeJS.ProcessEnv }): Ran => {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: o.cwd, env: o.env, input: o.stdin ?? '', timeout: 30_000, maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status, stdout: r.stdout?.toString() ?? '', stderr: r.stderr?.toString() ?? '' };
};

const gitEnv = (stateDir: string): NodeJS.ProcessEnv => ({
  PATH: process.env['PATH'],
  HOME: stateDir,
  ARBITER_STATE_DIR: stateDir,
  GIT_AUTHOR_NAME: 'T',
  GIT_AUTHOR_EMAIL: 't@example.invalid',
  GIT_COMMITTER_NAME: 'T',
  GIT_COMMITTER_EMAIL: 't@example.invalid',
  GIT_CONFIG_NOSYSTEM: '1',
});

/** A repository with one commit and a bare remote `origin`; returns its path and the environment to use. */
const makeRepo = (): { repo: string; env: NodeJS.ProcessEnv } => {
  const tmp = mkdtempSync(join(tmpdir(), 'arbiter-ac-e2e-'));
  const env = gitEnv(join(tmp, 'state'));
  mkdirSync(join(tmp, 'state'), { recursive: true });
  const repo = join(tmp, 'repo');
  const remote = join(tmp, 'remote.git');
  execFileSync('git', ['init', '-q', '--bare', '-b', 'main', remote], { env });
  mkdirSync(repo);
  execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: repo, env });
  writeFileSync(join(repo, 'README.md'), '# t\n');
  execFileSync('git', ['add', 'README.md'], { cwd: repo, env });
  execFileSync('git', ['commit', '-q', '-m', 'init'], { cwd: repo, env });
  execFileSync('git', ['remote', 'add', 'origin', remote], { cwd: repo, env });
  return { repo, env };
};

// Claude Code Stop payload (host-protocols.md C2 + C3 "Stop").
const claudeStop = (repo: string, session: string, message: string): string =>
  JSON.stringify({
    session_id: session,
    transcript_path: join(repo, '.claude-transcript.jsonl'),
    cwd: repo,
    permission_mode: 'default',
    hook_event_name: 'Stop',
    stop_hook_active: false,
    last_assistant_message: message,
    background_tasks: [],
    session_crons: [],
  });

// Claude Code PostToolUse payload for Bash (C3: tool_input {command, description?, timeout?, run_in_background?};
// tool_response {stdout, stderr, interrupted, isImage}).
const claudePost = (repo: string, session: string, command: string, over: { interrupted?: boolean; background?: boolean } = {}): string =>
  JSON.stringify({
    session_id: session,
    transcript_path: join(repo, '.claude-transcript.jsonl'),
    cwd: repo,
    permission_mode: 'default',
    hook_event_name: 'PostToolUse',
    tool_name: 'Bash',
    tool_input: { command, description: 'Push the branch', ...(over.background === true ? { run_in_background: true } : {}) },
    tool_response: { stdout: '', stderr: 'To origin\n   abc..def  main -> main\n', interrupted: over.interrupted === true, isImage: false },
    tool_use_id: 'toolu_01ABCDEF',
    duration_ms: 812,
  });

// Codex Stop payload (C6: common input + turn_id, stop_hook_active, last_assistant_message).
const codexStop = (repo: string, session: string, message: string): string =>
  JSON.stringify({
    session_id: session,
    transcript_path: null,
    cwd: repo,
    hook_event_name: 'Stop',
    model: 'gpt-5-codex',
    permission_mode: 'default',
    turn_id: 'turn-7',
    stop_hook_active: false,
    last_assistant_message: message,
  });

// Codex PostToolUse payload for Bash (C6: tool_name, tool_use_id, tool_input.command; tool_response is any JSON).
const codexPost = (repo: string, session: string, command: string, toolResponse: unknown): string =>
  JSON.stringify({
    session_id: session,
    transcript_path: null,
    cwd: repo,
    hook_event_name: 'PostToolUse',
    model: 'gpt-5-codex',
    permission_mode: 'default',
    turn_id: 'turn-8',
    tool_name: 'Bash',
    tool_use_id: 'call_9',
    tool_input: { command },
    tool_response: toolResponse,
  });

interface Listed {
  id: string;
  topic: string;
  lemma: string;
  status: string;
  effectiveStatus: string;
  createdAt: string;
  evidence: null | { kind: string; command?: string; toolUseId?: string | null };
}

const list = (repo: string, env: NodeJS.ProcessEnv, extra: string[] = ['--all']): Listed[] => {
  const r = run(['commitments', 'list', '--json', ...extra], { cwd: repo, env });
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as Listed[];
};

const isOneJsonObject = (s: string): boolean => {
  if (!s.endsWith('\n') || s.slice(0, -1).includes('\n')) return false;
  try {
    const v: unknown = JSON.parse(s);
    return typeof v === 'object' && v !== null && !Array.isArray(v);
  } catch {
    return false;
  }
};

beforeAll(() => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`npm run build\` first`);
});

describe('action claims end to end (built binary, real git)', () => {
  it('Claude Code: "Pushing it now." on Stop opens a commitment; a real, succeeded `git push` delivers it', () => {
    const { repo, env } = makeRepo();
    const stop = run(['hook', STOP_HOOK, '--agent', 'claude'], { cwd: repo, env, stdin: claudeStop(repo, 'sess-claude-1', 'All tests pass. Pushing it now.') });
    expect(stop).toMatchObject({ code: 0, stdout: '{}\n' });
    const open = list(repo, env, []);
    expect(open).toHaveLength(1);
    expect(open[0]).toMatchObject({ topic: 'sess-claude-1', lemma: 'push', status: 'open', effectiveStatus: 'open' });
    expect(open[0]!.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    // The agent really pushes.
    execFileSync('git', ['push', '-q', 'origin', 'main'], { cwd: repo, env });
    const post = run(['hook', 'post-tool', '--agent', 'claude'], { cwd: repo, env, stdin: claudePost(repo, 'sess-claude-1', 'git push origin main') });
    expect(post.code).toBe(0);
    expect(JSON.parse(post.stdout)).toEqual({
      hookSpecificOutput: { hookEventName: 'PostToolUse', additionalContext: `Arbiter: commitment ${open[0]!.id} (push) marked delivered by: git push origin main` },
    });
    const after = list(repo, env);
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({ id: open[0]!.id, status: 'delivered', evidence: { kind: 'command', command: 'git push origin main', toolUseId: 'toolu_01ABCDEF' } });
    expect(list(repo, env, [])).toHaveLength(0);
    // The same payload again changes nothing (FE-P8).
    expect(run(['hook', 'post-tool', '--agent', 'claude'], { cwd: repo, env, stdin: claudePost(repo, 'sess-claude-1', 'git push origin main') }).stdout).toBe('{}\n');
    // The decision log holds the verdicts.
    const log = run(['log', '--json'], { cwd: repo, env });
    const entries = log.stdout.trim().split('\n').map((l) => JSON.parse(l) as { policy: string; verdict: string; reasons: string[] });
    expect(entries.some((e) => e.policy === 'action-claim' && e.verdict === 'Registered' && e.reasons[0] === 'registered')).toBe(true);
    expect(entries.some((e) => e.policy === 'follow-through' && e.verdict === 'Delivered')).toBe(true);
    // one row per decision: the audited `delivered` event sits under its verdict, never as a row of its own
    expect(entries.filter((e) => e.verdict === 'delivered' || e.verdict === 'registered')).toEqual([]);
    const delivered = entries.find((e) => e.verdict === 'Delivered') as unknown as { audits?: Array<{ verdict: string }> };
    expect(delivered.audits?.map((a) => a.verdict)).toEqual(['delivered']);
  });

  it('Claude Code: an interrupted, background, dry-run, other-session or non-Bash call leaves the commitment open', () => {
    const { repo, env } = makeRepo();
    run(['hook', STOP_HOOK, '--agent', 'claude'], { cwd: repo, env, stdin: claudeStop(repo, 's1', "I'll push the branch.") });
    const cases = [
      claudePost(repo, 's1', 'git push', { interrupted: true }),
      claudePost(repo, 's1', 'git push', { background: true }),
      claudePost(repo, 's1', 'git push --dry-run'),
      claudePost(repo, 's1', 'echo "git push"'),
      claudePost(repo, 'other-session', 'git push'),
      claudePost(repo, 's1', 'git push').replace('"tool_name":"Bash"', '"tool_name":"Edit"'),
    ];
    for (const c of cases) expect(run(['hook', 'post-tool', '--agent', 'claude'], { cwd: repo, env, stdin: c })).toMatchObject({ code: 0, stdout: '{}\n' });
    expect(list(repo, env, [])).toHaveLength(1);
  });

  it('Codex: claims on Stop; an exit_code 0 object or an "Exit code: 0" string delivers, unknown outcomes do not; output is always {}', () => {
    const { repo, env } = makeRepo();
    expect(run(['hook', STOP_HOOK, '--agent', 'codex'], { cwd: repo, env, stdin: codexStop(repo, 'cx-1', "I'm going to rebase onto main.") })).toMatchObject({ code: 0, stdout: '{}\n' });
    expect(run(['hook', STOP_HOOK, '--agent', 'codex'], { cwd: repo, env, stdin: codexStop(repo, 'cx-2', 'Merging it now.') })).toMatchObject({ code: 0, stdout: '{}\n' });
    expect(list(repo, env, []).map((c) => c.lemma).sort()).toEqual(['merge', 'rebase']);
    // unknown outcome (no exit code) and a failed one: nothing delivered
    expect(run(['hook', 'post-tool', '--agent', 'codex'], { cwd: repo, env, stdin: codexPost(repo, 'cx-1', 'git rebase main', { output: 'ok' }) }).stdout).toBe('{}\n');
    expect(run(['hook', 'post-tool', '--agent', 'codex'], { cwd: repo, env, stdin: codexPost(repo, 'cx-1', 'git rebase main', { exit_code: 1 }) }).stdout).toBe('{}\n');
    expect(list(repo, env, [])).toHaveLength(2);
    expect(run(['hook', 'post-tool', '--agent', 'codex'], { cwd: repo, env, stdin: codexPost(repo, 'cx-1', 'git rebase main', { exit_code: 0, stdout: '' }) })).toMatchObject({ code: 0, stdout: '{}\n' });
    expect(run(['hook', 'post-tool', '--agent', 'codex'], { cwd: repo, env, stdin: codexPost(repo, 'cx-2', 'git merge feature', 'Exit code: 0\nWall time: 0.2 seconds\nOutput:\nAlready up to date.\n') })).toMatchObject({ code: 0, stdout: '{}\n' });
    const all = list(repo, env);
    expect(all.map((c) => c.status)).toEqual(['delivered', 'delivered']);
  });

  it('Codex: "Pushing it now." then a push whose output (a plain string, no exit code) is rejected stays open; a successful push report delivers', () => {
    const { repo, env } = makeRepo();
    const out = (f: string) => readFileSync(join(__dirname, 'fixtures', 'git-push-outputs', f), 'utf8');
    expect(run(['hook', STOP_HOOK, '--agent', 'codex'], { cwd: repo, env, stdin: codexStop(repo, 'cx-p', 'Pushing it now.') })).toMatchObject({ code: 0, stdout: '{}\n' });
    for (const f of ['rejected-fetch-first.txt', 'fatal-auth-http.txt', 'remote-rejected-hook.txt']) {
      expect(run(['hook', 'post-tool', '--agent', 'codex'], { cwd: repo, env, stdin: codexPost(repo, 'cx-p', 'git push origin main', out(f)) })).toMatchObject({ code: 0, stdout: '{}\n' });
    }
    expect(list(repo, env).map((c) => c.status)).toEqual(['open']);
    expect(run(['hook', 'post-tool', '--agent', 'codex'], { cwd: repo, env, stdin: codexPost(repo, 'cx-p', 'git push origin main', out('success-fast-forward.txt')) })).toMatchObject({ code: 0, stdout: '{}\n' });
    expect(list(repo, env).map((c) => c.status)).toEqual(['delivered']);
  });

  it('restated claim refreshes (one commitment); a third-person or past-tense message registers nothing', () => {
    const { repo, env } = makeRepo();
    for (const m of ["I'll push it.", 'Pushing it now.', 'He is going to push it.', 'I pushed it.', '"I\'ll merge it" was the plan.']) {
      expect(run(['hook', STOP_HOOK, '--agent', 'claude'], { cwd: repo, env, stdin: claudeStop(repo, 's', m) })).toMatchObject({ code: 0, stdout: '{}\n' });
    }
    const rs = list(repo, env);
    expect(rs).toHaveLength(1);
    expect(rs[0]).toMatchObject({ lemma: 'push', status: 'open' });
    expect((rs[0] as unknown as { restatements: number }).restatements).toBe(1);
  });

  it('arbiter commitments done|withdraw: 0 on success, 1 for unknown or closed ids, 2 for usage errors', () => {
    const { repo, env } = makeRepo();
    run(['hook', STOP_HOOK, '--agent', 'claude'], { cwd: repo, env, stdin: claudeStop(repo, 's', "I'll fix the flaky test. Then I'll deploy.") });
    run(['hook', STOP_HOOK, '--agent', 'claude'], { cwd: repo, env, stdin: claudeStop(repo, 's2', "We'll deploy tonight.") });
    const [a, b] = list(repo, env, []);
    const text = run(['commitments', 'list'], { cwd: repo, env });
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(new RegExp(`^${a!.id}  deploy  open  expires in 5h5\\dm  session s2  "We'll deploy"\\n${b!.id}  fix  open`));
    const done = run(['commitments', 'done', b!.id, '--note', 'fixed in abc123'], { cwd: repo, env });
    expect(done).toMatchObject({ code: 0, stdout: `Commitment ${b!.id} (fix) marked delivered.\n` });
    const again = run(['commitments', 'withdraw', b!.id], { cwd: repo, env });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`Commitment ${b!.id} is already delivered; nothing changed.`);
    const w = run(['commitments', 'withdraw', a!.id, '--reason', 'not tonight'], { cwd: repo, env });
    expect(w).toMatchObject({ code: 0, stdout: `Commitment ${a!.id} (deploy) withdrawn.\n` });
    const nf = run(['commitments', 'done', 'c-00000000'], { cwd: repo, env });
    expect(nf.code).toBe(1);
    expect(nf.stderr).toContain('No commitment with id c-00000000.');
    expect(run(['commitments', 'done'], { cwd: repo, env }).code).toBe(2);
    expect(run(['commitments', 'list'], { cwd: repo, env }).stdout).toBe('No open commitments.\n');
    const all = list(repo, env);
    expect(all.map((c) => [c.id, c.status])).toEqual([[a!.id, 'withdrawn'], [b!.id, 'delivered']]);
    expect(list(repo, env, ['--all', '--session', 's2'])).toHaveLength(1);
  });

  it('outside a git repository the hooks still exit 0 with {} and the CLI refuses with exit 1', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'arbiter-ac-norepo-'));
    const env = gitEnv(join(tmp, 'state'));
    expect(run(['hook', STOP_HOOK, '--agent', 'claude'], { cwd: tmp, env, stdin: claudeStop(tmp, 's', "I'll push.") })).toMatchObject({ code: 0, stdout: '{}\n' });
    expect(run(['hook', 'post-tool', '--agent', 'claude'], { cwd: tmp, env, stdin: claudePost(tmp, 's', 'git push') })).toMatchObject({ code: 0, stdout: '{}\n' });
    expect(run(['commitments', 'list'], { cwd: tmp, env }).code).toBe(1);
  });
});

describe('hook stdin fuzzing (post-tool and the Stop claim path)', () => {
  const seeded = (): { repo: string; env: NodeJS.ProcessEnv; id: string } => {
    const { repo, env } = makeRepo();
    // A `fix` commitment can never be delivered by a command (FE-P1), so it must survive every fuzz input.
    run(['hook', STOP_HOOK, '--agent', 'claude'], { cwd: repo, env, stdin: claudeStop(repo, 'seed-session', "I'll fix the parser.") });
    const [c] = list(repo, env, []);
    return { repo, env, id: c!.id };
  };

  const checkRun = (r: Ran): void => {
    expect(r.code).toBe(0);
    expect(isOneJsonObject(r.stdout)).toBe(true);
    expect(r.stderr).not.toMatch(/\n\s+at |Error:|TypeError|RangeError/);
  };

  const bigPayload = (repo: string): string => {
    const p = JSON.parse(claudePost(repo, 'seed-session', 'git push')) as Record<string, unknown>;
    p['tool_response'] = { stdout: 'x'.repeat(5 * 1024 * 1024), stderr: '', interrupted: false, isImage: false };
    return JSON.stringify(p);
  };

  const deep = (n: number): string => '['.repeat(n) + ']'.repeat(n);

  it('G-P5 / FE: random bytes, truncated JSON, 5 MB, deep nesting and wrong types: exit 0, one JSON object, no stack trace, no commitment lost', () => {
    const { repo, env, id } = seeded();
    const base = claudePost(repo, 'seed-session', 'git push origin main');
    const fixed: Array<string | Buffer> = [
      '',
      'null',
      '[]',
      '"x"',
      '42',
      base.slice(0, base.length >> 1),
      bigPayload(repo),
      deep(100_000),
      `{"a":${deep(50_000)}}`,
      JSON.stringify({ session_id: 42, tool_name: ['Bash'], tool_input: 'git push', tool_response: null }),
      JSON.stringify({ session_id: 'seed-session', tool_name: 'Bash', tool_input: { command: ['git', 'push'] } }),
      JSON.stringify({ session_id: 'seed-session', tool_name: 'Bash', tool_input: { command: 'git push' }, cwd: 7 }),
      JSON.stringify({ session_id: 'seed-session', tool_name: 'Bash', tool_input: { command: 'git push' }, cwd: '/nonexistent/dir' }),
      JSON.stringify({ session_id: 'seed-session', tool_name: 'Bash', tool_input: { command: `git push ${'"'.repeat(100_000)}` } }),
      Buffer.from([0xff, 0xfe, 0x00, 0x7b, 0x22]),
    ];
    for (const agent of ['claude', 'codex']) {
      for (const stdin of fixed) checkRun(run(['hook', 'post-tool', '--agent', agent], { cwd: repo, env, stdin }));
    }
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 2048 }).map((u) => Buffer.from(u)), fc.json().map((j) => j), fc.jsonValue().map((v) => JSON.stringify({ ...JSON.parse(base), tool_input: v }))), fc.constantFrom('claude', 'codex'), (stdin, agent) => {
        checkRun(run(['hook', 'post-tool', '--agent', agent], { cwd: repo, env, stdin }));
      }),
      { numRuns: 25 },
    );
    const after = list(repo, env);
    expect(after.find((c) => c.id === id)).toMatchObject({ status: 'open', lemma: 'fix' });
  });

  it('CM-P7 never blocks: the Stop claim path renders {} and exits 0 for any stdin bytes; no commitment lost', () => {
    const { repo, env, id } = seeded();
    const fixed: Array<string | Buffer> = ['', '{', 'null', deep(100_000), claudeStop(repo, 'x', `I'll push ${'x'.repeat(6 * 1024 * 1024)}`), JSON.stringify({ session_id: {}, last_assistant_message: ["I'll push"] })];
    for (const stdin of fixed) {
      const r = run(['hook', STOP_HOOK, '--agent', 'claude'], { cwd: repo, env, stdin });
      checkRun(r);
      expect(r.stdout).toBe('{}\n');
    }
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 1024 }).map((u) => Buffer.from(u)), fc.json(), fc.string().map((m) => claudeStop(repo, 'fz', m))), fc.constantFrom('claude', 'codex'), (stdin, agent) => {
        const r = run(['hook', STOP_HOOK, '--agent', agent], { cwd: repo, env, stdin });
        checkRun(r);
        expect(r.stdout).toBe('{}\n');
      }),
      { numRuns: 20 },
    );
    expect(list(repo, env).find((c) => c.id === id)).toMatchObject({ status: 'open' });
  });
});

describe('open commitments in arbiter hook context (action-claim.md §6)', () => {
  it('SessionStart of the claiming session lists its open commitment; another session sees none; delivery removes it', () => {
    const { repo, env } = makeRepo();
    mkdirSync(join(repo, '.arbiter'), { recursive: true });
    writeFileSync(join(repo, '.arbiter', 'config.json'), JSON.stringify({ version: 1 }));
    run(['hook', STOP_HOOK, '--agent', 'claude'], { cwd: repo, env, stdin: claudeStop(repo, 'ctx-1', 'Tests pass. Pushing it now.') });
    const [c] = list(repo, env, []);
    const start = (session: string, agent: string) =>
      run(['hook', 'context', '--agent', agent, '--event', 'session-start'], { cwd: repo, env, stdin: JSON.stringify({ session_id: session, hook_event_name: 'SessionStart', source: 'startup', cwd: repo, transcript_path: null }) });
    const mine = start('ctx-1', 'claude');
    expect(mine.code).toBe(0);
    expect(mine.stdout).toContain('Open commitments from your earlier messages in this session (1):');
    expect(mine.stdout).toContain(`- push: "Pushing it" (id ${c!.id}, expires in 5h5`);
    expect(mine.stdout).toContain('arbiter commitments done <id>');
    expect(start('ctx-2', 'codex').stdout).not.toContain('Open commitments');
    run(['hook', 'post-tool', '--agent', 'claude'], { cwd: repo, env, stdin: claudePost(repo, 'ctx-1', 'git push origin main') });
    expect(start('ctx-1', 'claude').stdout).not.toContain('Open commitments');
  });
});

describe('arbiter classify claim (built binary)', () => {
  it('prints {claim, lemma?, span?} as JSON; a missing text is a usage error', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'arbiter-ac-classify-'));
    const env = gitEnv(cwd);
    const a = run(['classify', 'claim', '--', "We'll redeploy after the migration."], { cwd, env });
    expect(a.code).toBe(0);
    expect(JSON.parse(a.stdout)).toEqual({ claim: true, lemma: 'redeploy', span: "We'll redeploy" });
    const b = run(['classify', 'claim', '--', 'He wrote "I\'ll merge it" yesterday.'], { cwd, env });
    expect(JSON.parse(b.stdout)).toEqual({ claim: false });
    expect(run(['classify', 'claim'], { cwd, env }).code).toBe(2);
  });
});

describe('state guard (hooks.md §7 rule 5, state-lock.md §8) on the commitment paths', () => {
  it('a foreign host lock: Stop and post-tool print {} and write nothing; done/withdraw refuse with exit 1', () => {
    const { repo, env } = makeRepo();
    run(['hook', STOP_HOOK, '--agent', 'claude'], { cwd: repo, env, stdin: claudeStop(repo, 's', "I'll push it.") });
    const [c] = list(repo, env, []);
    const runtime = resolveRepo(repo, env)!.runtimeDir;
    const body = JSON.stringify({ pid: 4242, hostname: 'another-machine.example', acquiredAt: '2026-01-01T00:00:00.000Z' });
    writeFileSync(join(runtime, 'host.lock'), body);
    const before = readdirSync(join(runtime, 'commitments')).sort();
    const post = run(['hook', 'post-tool', '--agent', 'claude'], { cwd: repo, env, stdin: claudePost(repo, 's', 'git push') });
    expect(post).toMatchObject({ code: 0, stdout: '{}\n' });
    expect(post.stderr).toContain('read-only for Arbiter (foreign-host)');
    const stop = run(['hook', STOP_HOOK, '--agent', 'claude'], { cwd: repo, env, stdin: claudeStop(repo, 's2', "I'll merge it.") });
    expect(stop).toMatchObject({ code: 0, stdout: '{}\n' });
    expect(stop.stderr).toContain('(foreign-host)');
    const done = run(['commitments', 'done', c!.id], { cwd: repo, env });
    expect(done.code).toBe(1);
    expect(done.stderr).toContain('(foreign-host)');
    expect(readdirSync(join(runtime, 'commitments')).sort()).toEqual(before);
    expect(readFileSync(join(runtime, 'host.lock'), 'utf8')).toBe(body);
    // Reading still works while the guard is disabled.
    expect(list(repo, env, []).map((x) => [x.id, x.status])).toEqual([[c!.id, 'open']]);
  });
});
