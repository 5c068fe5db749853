/**
 * The decision log (push-gate.md §16 DL1–DL4; architecture.md conventions §6): daily NDJSON files, one line per verdict,
 * a partial trailing line repaired on the next append, masking, the 16 KiB cap, retention, and `arbiter log`.
 */
import { readFileSync, readdirSync, writeFileSync, appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { buildLogEntry, fitsUtf8, LOG_ENTRY_MAX_BYTES, maskAll, maskString, mayNeedMask, utf8Length, type DecisionLogEntry } from '@arbiter/kernel';
import { appendDecisionSync, logFileName, readDecisions } from '@arbiter/io-node';
import { runBin, testEnv, tmp } from './helpers/bin.js';

const NOW = Date.parse('2026-11-21T10:00:00.000Z');
const entry = (i: number, facts: Record<string, unknown> = {}): DecisionLogEntry =>
  buildLogEntry({ decision_id: `01J${String(i).padStart(23, '0')}`, policy: 'session-lock', policy_version: '1.0.0', now: NOW + i, mode: 'agent:claude', facts, verdict: 'Allow', reasons: ['acquired'], duration_ms: 3 });

describe('decision log', () => {
  it('appends one line per entry to the UTC daily file and reads them back in order', () => {
    const dir = tmp();
    for (let i = 0; i < 5; i++) expect(appendDecisionSync(dir, entry(i), NOW)).toBeNull();
    expect(readdirSync(dir)).toEqual(['decisions-2026-11-21.ndjson']);
    expect(logFileName(Date.parse('2026-11-21T23:59:59.999Z'))).toBe('decisions-2026-11-21.ndjson');
    const lines = readFileSync(join(dir, 'decisions-2026-11-21.ndjson'), 'utf8').split('\n');
    expect(lines).toHaveLength(6);
    expect(readDecisions(dir).map((e) => e.decision_id)).toEqual([0, 1, 2, 3, 4].map((i) => entry(i).decision_id));
  });

  it('a partial trailing line left by a crash is truncated on the next append', () => {
    const dir = tmp();
    appendDecisionSync(dir, entry(1), NOW);
    const file = join(dir, logFileName(NOW));
    appendFileSync(file, '{"decision_id":"01JPARTIAL","policy":"sess'); // crash mid-write
    appendDecisionSync(dir, entry(2), NOW);
    const text = readFileSync(file, 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    expect(text).not.toContain('01JPARTIAL');
    expect(text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l).decision_id)).toEqual([entry(1).decision_id, entry(2).decision_id]);
  });

  it('a file that is only a partial line is truncated to empty first', () => {
    const dir = tmp();
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, logFileName(NOW)), '{"half":');
    appendDecisionSync(dir, entry(7), NOW);
    expect(readFileSync(join(dir, logFileName(NOW)), 'utf8')).toBe(JSON.stringify(entry(7)) + '\n');
  });

  it('the first writer of a new day deletes files older than 14 days', () => {
    const dir = tmp();
    for (const d of ['2026-10-01', '2026-11-06', '2026-11-08']) writeFileSync(join(dir, `decisions-${d}.ndjson`), '');
    writeFileSync(join(dir, 'unrelated.txt'), 'x');
    appendDecisionSync(dir, entry(1), NOW);
    expect(readdirSync(dir).sort()).toEqual(['decisions-2026-11-08.ndjson', 'decisions-2026-11-21.ndjson', 'unrelated.txt']);
  });

  it('DL4 masking of URLs, secret assignments, -c options and Authorization headers', () => {
    expect(maskString('git push https://ana:hunter2@example.com/r.git main')).toBe('git push https://ana:***@example.com/r.git main');
    expect(maskString('https://ghp_abc123@github.com/x')).toBe('https://***@github.com/x');
    expect(maskString('GITHUB_TOKEN=abc123 API_KEY="x y" PATH=/bin make')).toBe('GITHUB_TOKEN=*** API_KEY=*** PATH=/bin make');
    expect(maskString('git -c http.https://x.extraheader=AUTHZ push')).toBe('git -c http.https://x.extraheader=*** push');
    expect(maskString('curl -H "Authorization: Bearer sk-live-1"')).toBe('curl -H "Authorization: ***');
    expect(maskString('Bearer abc.def')).toBe('Bearer ***');
    const e = entry(1, { command: 'DB_PASSWORD=s3cret psql', nested: { url: 'https://u:p@h/x' }, ok: 'plain' });
    expect(e.facts).toEqual({ command: 'DB_PASSWORD=*** psql', nested: { url: 'https://u:***@h/x' }, ok: 'plain' });
    expect(e.masked).toEqual(['command', 'nested.url']);
  });

  it('DL4 the masking pre-check is sound: maskString equals the full rule set on any text, and skips only unchanged text', () => {
    // text built from the characters the rules look at, so that URLs, assignments, headers and -c options appear
    const piece = fc.constantFrom('=', ':', '@', '//', 'https', 'Bearer', 'bearer ', 'Authorization', 'TOKEN', 'key', '-c ', ' ', '"', "'", 'x', '/', ';', '\n', 'é');
    const text = fc.oneof(fc.string(), fc.array(piece, { maxLength: 24 }).map((xs) => xs.join('')));
    fc.assert(
      fc.property(text, (s) => {
        expect(maskString(s)).toBe(maskAll(s));
        if (!mayNeedMask(s)) expect(maskAll(s)).toBe(s);
      }),
      { numRuns: 2000 },
    );
  });

  it('DL4(e) the size pre-check agrees with the exact UTF-8 length', () => {
    const text = fc.string({ unit: fc.constantFrom('a', 'é', '€', '😀', '\ud800', '\udc00'), maxLength: 60 });
    fc.assert(fc.property(text, fc.integer({ min: 0, max: 240 }), (s, max) => {
      expect(fitsUtf8(s, max)).toBe(utf8Length(s) <= max);
    }), { numRuns: 2000 });
  });

  it('DL4(e) every entry fits in 16 KiB: long strings cut, then command, then payload dropped', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 3000 }), fc.array(fc.string({ maxLength: 2500 }), { maxLength: 20 }), (command, extra) => {
        const facts: Record<string, unknown> = { command, payload: { big: extra } };
        extra.forEach((x, i) => (facts[`f${i}`] = x));
        const e = entry(1, facts);
        expect(utf8Length(JSON.stringify(e) + '\n')).toBeLessThanOrEqual(LOG_ENTRY_MAX_BYTES);
        for (const v of Object.values(e.facts)) if (typeof v === 'string') expect(v.length).toBeLessThanOrEqual(2000);
      }),
      { numRuns: 200 },
    );
  });

  it('arbiter log filters by policy and verdict and prints NDJSON with --json', () => {
    const dir = tmp();
    appendDecisionSync(dir, entry(1), NOW);
    appendDecisionSync(dir, { ...entry(2), verdict: 'Block', reasons: ['held-by-other'] }, NOW);
    appendDecisionSync(dir, { ...entry(3), policy: 'push-gate' }, NOW);
    const env = testEnv(tmp());
    const all = runBin(['log', '--dir', dir, '--json'], { env });
    expect(all.stdout.trim().split('\n')).toHaveLength(3);
    const blocks = runBin(['log', '--dir', dir, '--json', '--verdict', 'Block'], { env });
    expect(JSON.parse(blocks.stdout).reasons).toEqual(['held-by-other']);
    expect(runBin(['log', '--dir', dir, '--policy', 'push-gate', '--json'], { env }).stdout.trim().split('\n')).toHaveLength(1);
    expect(runBin(['log', '--dir', dir, '--since', 'yesterday'], { env }).code).toBe(2);
    expect(runBin(['log', '--dir', dir, '--limit', '1', '--json'], { env }).stdout.trim().split('\n')).toHaveLength(1);
  });
});
