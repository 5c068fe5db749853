/**
 * Fuzzing the stdin of `arbiter hook stop` (hooks.md §7, G-P5): random bytes, truncated JSON, 5 MB payloads,
 * deep nesting, wrong types and an over-size (> 8 MiB) payload. Every run must exit 0 (not killed: within the
 * watchdog and the host's 30 s timeout), print exactly `{}` plus LF, print no stack trace, and lose no state: the
 * build owned by another session and the gate state are byte-identical afterwards, and the decision log stays
 * parseable NDJSON.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { arbiter, claudeStop, logEntries, requireBinary, runtimeDir, scratch } from './helpers.js';

beforeAll(() => requireBinary());

const setup = async () => {
  const s = scratch();
  await arbiter(['build', 'start', '--size', 'large', '--task', 'fuzz target', '--owner-session', 'OWNER'], { cwd: s.repo, env: s.env });
  await arbiter(['gate', 'mode', 'enforce'], { cwd: s.repo, env: s.env });
  const rt = runtimeDir(s.dir);
  const snap = () => ({ build: readFileSync(join(rt, 'build-state.json'), 'utf8'), gate: readFileSync(join(rt, 'stop-gate.json'), 'utf8') });
  return { ...s, snap };
};

const check = (r: { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }) => {
  expect(r.signal).toBeNull();
  expect(r.code).toBe(0);
  expect(r.stdout).toBe('{}\n');
  expect(r.stderr).not.toMatch(/\n\s+at |TypeError|RangeError|SyntaxError|ReferenceError/);
};

describe('fuzz: arbiter hook stop stdin', () => {
  it('random bytes, truncated JSON and wrong types: {} exit 0, no stack trace, no state lost', async () => {
    const s = await setup();
    const before = s.snap();
    const full = claudeStop({ session_id: 'S2', cwd: s.repo, last_assistant_message: "I'll run it now." });
    const inputs = fc.oneof(
      fc.uint8Array({ maxLength: 2048 }).map((b) => Buffer.from(b)),
      fc.integer({ min: 0, max: full.length - 1 }).map((n) => Buffer.from(full.slice(0, n))),
      fc
        .record({
          session_id: fc.oneof(fc.integer(), fc.constant(null), fc.array(fc.string()), fc.constant({ id: 'OWNER' }), fc.constant('')),
          stop_hook_active: fc.oneof(fc.constant(false), fc.constant(0), fc.constant('')),
          last_assistant_message: fc.oneof(fc.integer(), fc.object(), fc.constant(null)),
          cwd: fc.oneof(fc.integer(), fc.constant('/nonexistent/dir'), fc.constant('relative/path')),
          transcript_path: fc.oneof(fc.integer(), fc.constant('/etc/shadow')),
        })
        .map((o) => Buffer.from(JSON.stringify(o))),
      fc.constantFrom('null', '[]', '"Stop"', '42', 'true', '{"session_id":"OWNER"', '\uFEFF{}', '{"__proto__":{"session_id":"OWNER"}}').map((t) => Buffer.from(t)),
    );
    const samples = fc.sample(inputs, { numRuns: 24, seed: 4242 });
    for (const input of samples) {
      const agent = input.length % 2 === 0 ? 'claude' : 'codex';
      check(await arbiter(['hook', 'stop', '--agent', agent], { cwd: s.repo, env: s.env, stdin: input }));
    }
    expect(s.snap()).toEqual(before);
    expect(() => logEntries(s.dir)).not.toThrow();
  });

  it('a 5 MB payload, deep nesting and an over-size (9 MiB) payload: {} exit 0, no state lost', async () => {
    const s = await setup();
    const before = s.snap();
    const big = claudeStop({ session_id: 'S2', cwd: s.repo, last_assistant_message: 'The tests pass. '.repeat(330_000) });
    expect(big.length).toBeGreaterThan(5_000_000);
    const deepArray = '['.repeat(500_000) + ']'.repeat(500_000);
    const deepObject = '{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000);
    const deepMessage = JSON.stringify({ session_id: 'S2', last_assistant_message: { x: JSON.parse('['.repeat(2000) + ']'.repeat(2000)) } });
    const oversize = Buffer.alloc(9 * 1024 * 1024, 0x20);
    for (const input of [big, deepArray, deepObject, deepMessage, oversize]) {
      check(await arbiter(['hook', 'stop', '--agent', 'claude'], { cwd: s.repo, env: s.env, stdin: input }));
    }
    expect(s.snap()).toEqual(before);
    const reasons = logEntries(s.dir)
      .filter((e) => e['policy'] === 'stop-gate' && e['verdict'] === 'Allow')
      .map((e) => (e['reasons'] as string[])[0]);
    expect(reasons).toEqual(expect.arrayContaining(['malformed-input', 'stdin-unreadable', 'no-authority']));
  });

  it('stdin that never reaches end of file (a stuck host pipe): {} exit 0 after the 5 s read limit, not killed', async () => {
    const s = await setup();
    const before = s.snap();
    const r = await arbiter(['hook', 'stop', '--agent', 'claude'], { cwd: s.repo, env: s.env, stdin: '{"session_id":"OWNER","cwd":', keepStdinOpen: true });
    check(r);
    expect(s.snap()).toEqual(before);
    expect(logEntries(s.dir).filter((e) => e['policy'] === 'stop-gate').pop()).toMatchObject({ reasons: ['stdin-unreadable'] });
  });

  it('no argument or a bad --agent still answers {} exit 0', async () => {
    const s = await setup();
    for (const args of [['hook', 'stop'], ['hook', 'stop', '--agent', 'vim']]) {
      const r = await arbiter(args, { cwd: s.repo, env: s.env, stdin: claudeStop({ session_id: 'OWNER', cwd: s.repo }) });
      expect(r).toMatchObject({ code: 0, stdout: '{}\n' });
    }
  });
});
