/**
 * Fuzz the session-lock hooks' stdin with the real binary (issue 2 "Proof", SL-21): random bytes, truncated JSON,
 * 5 MB payloads, deeply nested JSON and wrong field types. Always exit 0 within the watchdog, nothing on stdout or
 * stderr (so no stack trace), and the lock state — an existing holder's chain of generations — unchanged.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { makeRepo, requireBuilt, runBin, testEnv, tmp } from './helpers/bin.js';

const root = tmp('arbiter-fuzz-');
const state = join(root, 'state');
const repo = makeRepo(join(root, 'repo'));
const env = testEnv(state);
const VERBS = [
  ['hook', 'session-lock', 'acquire', '--agent', 'claude'],
  ['hook', 'session-lock', 'acquire', '--agent', 'codex'],
  ['hook', 'session-lock', 'refresh', '--agent', 'claude'],
  ['hook', 'session-lock', 'release', '--agent', 'claude'],
  ['hook', 'session-lock', 'release', '--agent', 'codex'],
];

const snapshotState = (): Record<string, string> => {
  const dir = join(state, 'locks');
  return Object.fromEntries(readdirSync(dir).sort().map((n) => [n, readFileSync(join(dir, n), 'utf8')]));
};

const valid = { session_id: 'holder', cwd: repo, hook_event_name: 'PreToolUse', tool_name: 'Edit', tool_input: { file_path: join(repo, 'x') } };
const truncatedJson = fc.integer({ min: 1, max: JSON.stringify(valid).length - 1 }).map((n) => JSON.stringify({ ...valid, session_id: 'intruder' }).slice(0, n));
const wrongTypes = fc
  .record({
    session_id: fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.string()), fc.object(), fc.constant(''), fc.string({ minLength: 257, maxLength: 300 })),
    cwd: fc.oneof(fc.integer(), fc.constant(null), fc.string(), fc.constant(repo)),
    tool_name: fc.oneof(fc.integer(), fc.constant(null), fc.constant('Edit'), fc.array(fc.constant('Edit'))),
  })
  .map((o) => JSON.stringify(o));
const randomBytes = fc.uint8Array({ maxLength: 4096 }).map((b) => Buffer.from(b));
// deep structure where a string is expected (a valid payload with a deep extra field is simply a payload)
const deepNesting = fc.integer({ min: 1_000, max: 200_000 }).map((d) => '{"tool_name":"Edit","session_id":' + '['.repeat(d) + ']'.repeat(d) + '}');
const deepUnclosed = fc.integer({ min: 1_000, max: 200_000 }).map((d) => '['.repeat(d));
const nonObject = fc.oneof(fc.constant('null'), fc.constant('[]'), fc.constant('"Edit"'), fc.constant('42'), fc.constant(''), fc.constant('\uFEFF{"session_id":"intruder"}'));

beforeAll(() => {
  requireBuilt();
  // an existing holder whose state the garbage must not disturb
  const r = runBin(VERBS[0] as string[], { input: JSON.stringify(valid), env, cwd: repo });
  expect(r.code).toBe(0);
});

const check = (input: string | Buffer): void => {
  const before = snapshotState();
  for (const args of VERBS) {
    const r = runBin(args, { input, env, cwd: repo, timeout: 10_000 });
    expect({ code: r.code, signal: r.signal, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: 0, signal: null, stdout: '', stderr: '' });
    expect(r.ms).toBeLessThan(5_000); // inside the host's hook timeout (the watchdog is 1 500 ms)
  }
  expect(snapshotState()).toEqual(before);
};

describe('SL-21 session-lock hook stdin fuzz (real binary)', () => {
  it('random bytes', () => fc.assert(fc.property(randomBytes, check), { numRuns: 12 }), 300_000);
  it('truncated JSON', () => fc.assert(fc.property(truncatedJson, check), { numRuns: 12 }), 300_000);
  it('wrong field types', () => fc.assert(fc.property(wrongTypes, check), { numRuns: 12 }), 300_000);
  it('deeply nested JSON, closed and unclosed', () => fc.assert(fc.property(fc.oneof(deepNesting, deepUnclosed), check), { numRuns: 8 }), 300_000);
  it('non-object JSON and a BOM', () => fc.assert(fc.property(nonObject, check), { numRuns: 6 }), 300_000);
  it('5 MB payloads (over the 1 MiB stdin cap), valid JSON or not', () => {
    check(JSON.stringify({ ...valid, session_id: 'intruder', pad: 'x'.repeat(5 * 1024 * 1024) }));
    check('{"session_id":"intruder","tool_name":"Write","pad":"' + 'y'.repeat(5 * 1024 * 1024));
  }, 300_000);
  it('the holder is still the holder afterwards', () => {
    const blocked = runBin(VERBS[0] as string[], { input: JSON.stringify({ ...valid, session_id: 'intruder' }), env, cwd: repo });
    expect(blocked.code).toBe(2);
    expect(blocked.stderr).toContain('held by holder');
  });
});
