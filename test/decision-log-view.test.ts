/**
 * `arbiter log` (architecture.md, decision log; issue 12): one row per decision, the events a run audited linked to
 * its verdict by `audit_of` and written in the same append, and the filters `--policy`, `--verdict` (any case),
 * `--session` and `--since` (a duration or an ISO instant), combinable with each other and with `--json`.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { buildLogEntry, type DecisionLogEntry } from '@arbiter/kernel';
import { appendDecisionSync } from '@arbiter/io-node';
import { appendVerdicts } from '../packages/hooks/src/decision-record.js';
import { colourWanted } from '../packages/hooks/src/cli/colour.js';
import { groupRows, parseSince, rowMatches, rowText } from '../packages/hooks/src/cli/log-view.js';
import { runBin, testEnv, tmp } from './helpers/bin.js';

const NOW = Date.now();
let serial = 0;
const mk = (over: Partial<Parameters<typeof buildLogEntry>[0]> = {}): DecisionLogEntry =>
  buildLogEntry({
    decision_id: `01J${String(serial++).padStart(23, '0')}`,
    policy: 'session-lock',
    policy_version: '1.0.0',
    now: NOW,
    mode: 'agent:claude',
    facts: {},
    verdict: 'Allow',
    reasons: ['acquired'],
    duration_ms: 3,
    ...over,
  });

describe('decision log writer: audited events', () => {
  it('writes the events a run audited before its verdict, in the same append, each linked by audit_of', () => {
    const dir = tmp();
    appendVerdicts(() => dir, [
      {
        policy: 'session-lock',
        policy_version: '1.0.0',
        mode: 'agent:claude',
        facts: { session_id: 'new' },
        verdict: 'Allow',
        reasons: ['stale-takeover'],
        audits: [{ policy: 'session-lock', policy_version: '1.0.0', event: 'stale-takeover', facts: { by_session: 'new' } }],
      },
    ]);
    const [file] = readdirSync(dir);
    const lines = readFileSync(join(dir, file as string), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as DecisionLogEntry);
    expect(lines.map((e) => [e.verdict, e.reasons])).toEqual([
      ['stale-takeover', ['stale-takeover']],
      ['Allow', ['stale-takeover']],
    ]);
    expect(lines[0]?.audit_of).toBe(lines[1]?.decision_id);
    expect('audit_of' in (lines[1] as object)).toBe(false);
    expect(groupRows(lines)).toHaveLength(1);
  });
});

describe('log view', () => {
  it('one row per verdict entry; every audit entry appears exactly once (with its verdict, or alone when the verdict is absent)', () => {
    const script = fc.array(fc.record({ audits: fc.nat({ max: 3 }), verdictKept: fc.boolean(), lone: fc.boolean() }), { maxLength: 12 });
    fc.assert(
      fc.property(script, (runs) => {
        const entries: DecisionLogEntry[] = [];
        let verdicts = 0;
        for (const r of runs) {
          const v = mk({ facts: { session_id: 's' } });
          const audits = Array.from({ length: r.audits }, () => mk({ verdict: 'stale-takeover', reasons: ['stale-takeover'], audit_of: r.lone ? null : v.decision_id }));
          entries.push(...audits);
          if (r.verdictKept) {
            entries.push(v);
            verdicts++;
          }
        }
        const rows = groupRows(entries);
        expect(rows.filter((x) => x.entry.audit_of === undefined)).toHaveLength(verdicts);
        const seen = rows.flatMap((x) => [x.entry, ...x.audits]).map((e) => e.decision_id).sort();
        expect(seen).toEqual(entries.map((e) => e.decision_id).sort());
        for (const x of rows) for (const a of x.audits) expect(a.audit_of).toBe(x.entry.decision_id);
      }),
      { numRuns: 300 },
    );
  });

  it('a row shows the verdict once and the audited events beside it; a lone audit row shows the verdict Audit', () => {
    const v = mk({ reasons: ['stale-takeover'] });
    const a = mk({ verdict: 'stale-takeover', reasons: ['stale-takeover'], audit_of: v.decision_id });
    const [row] = groupRows([a, v]);
    expect(rowText(row!)).toMatch(/ Allow +stale-takeover {2}audited: stale-takeover$/);
    const lone = mk({ policy: 'state-lock', verdict: 'reclaimed', reasons: ['reclaimed'], audit_of: null });
    expect(rowText(groupRows([lone])[0]!)).toMatch(/ Audit +reclaimed$/);
  });

  it('filters: verdict in any case or spelling, audited events, session, policy of an audited event, since', () => {
    const v = mk({ policy: 'follow-through', verdict: 'Delivered', reasons: ['delivered-by-push'], facts: { session_id: 'sess-A' } });
    const a = mk({ policy: 'action-claim', verdict: 'delivered', reasons: ['delivered'], audit_of: v.decision_id });
    const [row] = groupRows([a, v]);
    for (const verdict of ['Delivered', 'delivered', 'DELIVERED']) expect(rowMatches(row!, { verdict })).toBe(true);
    expect(rowMatches(groupRows([mk({ verdict: 'AllowLoud' })])[0]!, { verdict: 'allow-loud' })).toBe(true);
    expect(rowMatches(row!, { verdict: 'Allow' })).toBe(false);
    expect(rowMatches(row!, { policy: 'action-claim' })).toBe(true);
    expect(rowMatches(row!, { session: 'sess-A' })).toBe(true);
    expect(rowMatches(row!, { session: 'sess-B' })).toBe(false);
    expect(rowMatches(row!, { since: NOW + 1 })).toBe(false);
    expect(rowMatches(row!, { since: NOW, session: 'sess-A', verdict: 'delivered', policy: 'follow-through' })).toBe(true);
  });

  it('--since takes a duration back from now or an ISO-8601 instant, nothing else', () => {
    const now = Date.parse('2026-12-05T12:00:00.000Z');
    expect(parseSince('10m', now)).toBe(now - 600_000);
    expect(parseSince('2h', now)).toBe(now - 7_200_000);
    expect(parseSince('1d', now)).toBe(now - 86_400_000);
    expect(parseSince('90s', now)).toBe(now - 90_000);
    expect(parseSince('2026-12-05T10:00:00Z', now)).toBe(Date.parse('2026-12-05T10:00:00Z'));
    expect(parseSince('2026-12-05', now)).toBe(Date.parse('2026-12-05'));
    for (const bad of ['yesterday', '10', 'm10', '1w', '2026-13-45', '', '10 m ago']) expect(parseSince(bad, now)).toBeNull();
  });
});

describe('arbiter log', () => {
  const world = () => {
    const dir = tmp();
    const old = mk({ now: NOW - 3 * 3_600_000, facts: { session_id: 'sess-A' }, reasons: ['acquired'] });
    const take = mk({ facts: { session_id: 'sess-B' }, reasons: ['stale-takeover'] });
    const audit = mk({ verdict: 'stale-takeover', reasons: ['stale-takeover'], audit_of: take.decision_id, facts: { by_session: 'sess-B' } });
    const block = mk({ verdict: 'Block', reasons: ['held-by-other'], facts: { session_id: 'sess-A' } });
    const gate = mk({ policy: 'push-gate', verdict: 'AllowLoud', reasons: ['store-contended'], facts: { session_id: 'sess-B' } });
    appendDecisionSync(dir, old, NOW - 3 * 3_600_000);
    appendDecisionSync(dir, [audit, take], NOW);
    appendDecisionSync(dir, [block, gate], NOW);
    return { dir, env: testEnv(tmp()), take, block, gate };
  };
  const json = (stdout: string) => stdout.trim().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as DecisionLogEntry & { audits?: DecisionLogEntry[] });

  it('prints one row per decision: an audited takeover is one line, not the event and then the verdict', () => {
    const { dir, env } = world();
    const text = runBin(['log', '--dir', dir], { env }).stdout.trim().split('\n');
    expect(text).toHaveLength(4);
    expect(text.filter((l) => l.includes('stale-takeover'))).toHaveLength(1);
    expect(text.find((l) => l.includes('stale-takeover'))).toMatch(/Allow .*stale-takeover {2}audited: stale-takeover$/);
    const rows = json(runBin(['log', '--dir', dir, '--json'], { env }).stdout);
    expect(rows.map((r) => r.verdict)).toEqual(['Allow', 'Allow', 'Block', 'AllowLoud']);
    expect(rows[1]?.audits?.map((a) => a.verdict)).toEqual(['stale-takeover']);
  });

  it('filters combine with each other and with --json', () => {
    const { dir, env, take, block, gate } = world();
    const ids = (args: string[]) => json(runBin(['log', '--dir', dir, '--json', ...args], { env }).stdout).map((r) => r.decision_id);
    expect(ids(['--verdict', 'block'])).toEqual([block.decision_id]);
    expect(ids(['--verdict', 'allow-loud'])).toEqual([gate.decision_id]);
    expect(ids(['--verdict', 'stale-takeover'])).toEqual([take.decision_id]);
    expect(ids(['--session', 'sess-B'])).toEqual([take.decision_id, gate.decision_id]);
    expect(ids(['--session', 'sess-B', '--policy', 'session-lock'])).toEqual([take.decision_id]);
    expect(ids(['--since', '1h'])).toEqual([take.decision_id, block.decision_id, gate.decision_id]);
    expect(ids(['--since', '1h', '--session', 'sess-A', '--verdict', 'BLOCK', '--policy', 'session-lock'])).toEqual([block.decision_id]);
    expect(ids(['--since', new Date(NOW - 60_000).toISOString(), '--limit', '1'])).toEqual([gate.decision_id]);
    const text = runBin(['log', '--dir', dir, '--session', 'sess-A', '--since', '1d'], { env }).stdout.trim().split('\n');
    expect(text).toHaveLength(2);
    for (const bad of ['yesterday', '10']) expect(runBin(['log', '--dir', dir, '--since', bad], { env }).code).toBe(2);
  });

  it('colour only for a terminal: a pipe gets plain text also when CI is set; FORCE_COLOR paints, NO_COLOR wins (architecture.md "Colour")', () => {
    const { dir, env } = world();
    const ESC = '\u001b[';
    const out = (extra: NodeJS.ProcessEnv) => runBin(['log', '--dir', dir], { env: { ...env, ...extra } }).stdout;
    expect(out({ CI: 'true' })).not.toContain(ESC);
    expect(out({ CI: 'true', FORCE_COLOR: '1' })).toContain(ESC);
    expect(out({ FORCE_COLOR: '0' })).not.toContain(ESC);
    expect(out({ FORCE_COLOR: '1', NO_COLOR: '1' })).not.toContain(ESC);
  });
});

describe('colourWanted (architecture.md "Colour")', () => {
  it('NO_COLOR (non-empty) wins; else FORCE_COLOR decides (0/false off); else a terminal whose TERM is not dumb', () => {
    const envArb = fc.record(
      {
        NO_COLOR: fc.constantFrom('', '1', 'yes'),
        FORCE_COLOR: fc.constantFrom('', '0', '1', '3', 'false', 'FALSE', 'true'),
        TERM: fc.constantFrom('dumb', 'xterm-256color'),
        CI: fc.constantFrom('true', '1'),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.boolean(), envArb, (isTTY, env) => {
        const want = colourWanted({ isTTY, env });
        if ((env.NO_COLOR ?? '') !== '') return want === false;
        if (env.FORCE_COLOR !== undefined) return want === !['0', 'false'].includes(env.FORCE_COLOR.toLowerCase());
        return want === (isTTY && env.TERM !== 'dumb');
      }),
    );
  });
});
