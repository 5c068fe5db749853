/**
 * `arbiter status` in process (docs/status.md): the collector with fake sources (a source that fails, hangs or
 * answers garbage is shown unavailable, never a crash; a corrupt or newer registry record is reported), the screen
 * (sections, column fitting, ellipsis, colour only when painted) and the escaping of hostile strings.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { appendDecisionSync, fsLaneStore, fsOpenHalts, presenceFileName, readDecisions, sessionsDir } from '@arbiter/io-node';
import { createColors } from 'picocolors';
import { PRESENCE_GONE_AFTER_MS, buildLogEntry, isBlockOrAsk, type SessionPresence, type StatusSnapshot } from '@arbiter/kernel';
import { collectStatus, type StatusReaders } from '../packages/hooks/src/status/collect.js';
import { fsRegistrySource, mayBlockOrAsk, recentDecisions } from '../packages/hooks/src/status/node-sources.js';
import { writeUntilBlocked } from '../packages/hooks/src/cli/status.js';
import { PLAIN, age, fit, renderStatus } from '../packages/hooks/src/status/render.js';
import { parseInterval, watchFrame } from '../packages/hooks/src/cli/status.js';
import { snapshotJson } from '../packages/hooks/src/status/json.js';
import { plainStatus } from '../packages/hooks/src/status/plain.js';
import { presenceRecord } from './helpers/presence.js';

const NOW = 1_800_000_000_000;

const presence = (session: string, o: Partial<SessionPresence> = {}): SessionPresence => presenceRecord(session, NOW, o);

const readers = (o: Partial<StatusReaders> = {}): StatusReaders => ({
  repo: '/repo',
  registry: { list: async () => ({ sessions: [presence('s-1'), presence('s-2', { state: 'waiting', branch: 'feature/x' })], problems: [] }) },
  lanes: async () => [{ lane: 'deploy:refs/heads/main', holder: 's-1', fence: 4, leaseLeftMs: 600_000, queue: ['s-2'] }],
  halts: async () => [{ target: 's-2', by: 's-1', reason: 'hold on', at: NOW - 60_000 }],
  commitments: async () => [{ session: 's-2', text: 'I will run the tests', at: NOW - 30_000 }],
  builds: async () => [{ session: 's-1', name: 'ship the feature', state: 'executing', at: NOW - 600_000 }],
  lockHolders: async () => ['s-1'],
  stopGate: async () => ({ mode: 'enforce' }),
  decisions: async () => [
    { at: NOW - 10_000, policy: 'push-gate', verdict: 'Block', reason: 'halted', session: 's-2', lane: null },
    { at: NOW - 5_000, policy: 'push-gate', verdict: 'Allow', reason: 'clear', session: 's-1', lane: null },
  ],
  ...o,
});

const text = (s: StatusSnapshot, width = 100): string => renderStatus(s, width, PLAIN).join('\n');

describe('collectStatus', () => {
  it('joins every source into one snapshot', async () => {
    const s = await collectStatus(readers(), NOW);
    expect(s.unavailable).toEqual([]);
    expect(s.sessions.map((x) => x.session)).toEqual(['s-2', 's-1']); // waiting first
    expect(s.sessions[1]?.holds).toEqual({ lock: true, lanes: [{ lane: 'deploy:refs/heads/main', fence: 4 }], builds: ['ship the feature'], commitments: 0, halts: ['s-2'] });
    expect(s.recent.map((d) => d.verdict)).toEqual(['Block']);
    expect(s.stopGate.mode).toBe('enforce');
  });

  it('a source that throws, rejects or hangs is unavailable with its reason; the rest is shown', async () => {
    const s = await collectStatus(
      readers({
        lanes: () => Promise.reject(new Error('lane store: transport (ECONNREFUSED)')),
        commitments: () => {
          throw new Error('boom');
        },
        builds: () => new Promise(() => undefined),
        registry: { list: () => Promise.reject(new Error('registry unreadable')) },
      }),
      NOW,
      50,
    );
    expect(s.unavailable).toEqual(['sessions', 'lanes', 'commitments', 'builds']);
    expect(s.lanes).toEqual([]);
    expect(s.halts).toHaveLength(1);
    expect(s.problems).toContainEqual({ source: 'lanes', key: '', detail: 'lane store: transport (ECONNREFUSED)' });
    expect(s.problems).toContainEqual({ source: 'builds', key: '', detail: 'no answer within 50 ms' });
    const screen = text(s);
    expect(screen).toMatch(/Lanes \(0\)\n {2}unavailable/);
    expect(screen).toContain('Unavailable: sessions, lanes, commitments, builds');
  });

  it('a corrupt or newer registry record is reported and the other sessions are still shown (the file-system registry)', async () => {
    const runtime = mkdtempSync(join(tmpdir(), 'arb-status-reg-'));
    try {
      const dir = sessionsDir(runtime);
      mkdirSync(dir, { recursive: true });
      const put = (id: string, text: string): string => {
        writeFileSync(join(dir, presenceFileName(id)), text);
        return presenceFileName(id);
      };
      put('ok', JSON.stringify(presence('ok')));
      const torn = put('torn', '{"v":1,"session":');
      const future = put('future', JSON.stringify({ ...presence('future'), v: 2, extra: true }));
      const bad = put('bad', JSON.stringify({ ...presence('bad'), state: 'dancing' }));
      const s = await collectStatus(readers({ registry: fsRegistrySource(runtime) }), NOW);
      expect(s.sessions.map((x) => x.session)).toEqual(['ok']);
      expect(s.unavailable).toEqual([]);
      const problems = s.problems ?? [];
      expect(problems.map((p) => p.key).sort()).toEqual([torn, future, bad].sort());
      expect(problems.find((p) => p.key === future)?.detail).toMatch(/^from a newer Arbiter/);
      expect(problems.find((p) => p.key === torn)?.detail).toMatch(/^corrupt: /);
      expect(problems.find((p) => p.key === bad)?.detail).toMatch(/^corrupt: /);
      expect(text(s)).toContain(`Problems (3)`);
    } finally {
      rmSync(runtime, { recursive: true, force: true });
    }
  });

  it('asks halts for every registry session and every lane holder, locks for every worktree', async () => {
    const asked: { halts: string[]; worktrees: string[] } = { halts: [], worktrees: [] };
    await collectStatus(
      readers({
        registry: { list: async () => ({ sessions: [presence('a', { worktree: '/w1' }), presence('b', { worktree: '/w1' }), presence('c', { worktree: '/w2' })], problems: [] }) },
        lanes: async () => [{ lane: 'l', holder: 'ghost', fence: 1, leaseLeftMs: 1, queue: [] }],
        halts: async (ids) => ((asked.halts = [...ids]), []),
        lockHolders: async (w) => ((asked.worktrees = [...w]), []),
      }),
      NOW,
    );
    expect(asked.halts.sort()).toEqual(['a', 'b', 'c', 'ghost']);
    expect(asked.worktrees.sort()).toEqual(['/w1', '/w2']);
  });
});

describe('recent blocks and asks from the decision log', () => {
  const DAY = 86_400_000;
  it('reads exactly the verdict entries that blocked or asked, whatever the prefilter skips', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            // what isBlockOrAsk accepts in every spelling the prefilter must let through (case, Kelvin sign, `-`, `_`,
            // white space raw or escaped by JSON), and near misses
            verdict: fc.constantFrom('Block', 'Allow', 'Ask', 'ask', 'DENY', 'B-lock', 'AllowLoud', 'allow-loud', 'Die', 'Blocked', 'task', 'B\tlock', '\nask', 'DE\fNY', 'BLOC\u212A', ' Block ', 'Ask\r', 'b_l-o c\u00a0k', 'de\u2028ny', 'ſ', 'Bl0ck'),
            // `block` also puts a nested `verdict: "Block"` in the facts: a candidate line, decided by the parse
            fact: fc.constantFrom('', 'block', 'a task', 'mask'),
            // the same entry as another writer could spell it: key or verdict through \u escapes, space around `:`
            spelling: fc.constantFrom('plain', 'key-escaped', 'verdict-escaped', 'spaced'),
            audit: fc.boolean(),
            day: fc.nat(3),
          }),
          { maxLength: 25 },
        ),
        (es) => {
          const dir = mkdtempSync(join(tmpdir(), 'arbiter-status-log-'));
          try {
            es.forEach((e, i) => {
              const now = NOW - e.day * DAY + i;
              const entry = buildLogEntry({ decision_id: `d${i}`, ...(e.audit ? { audit_of: null } : {}), policy: 'push-gate', policy_version: '1', now, mode: 'cli', facts: { session_id: `s${i}`, note: e.fact, ...(e.fact === 'block' ? { verdict: 'Block' } : {}) }, verdict: e.verdict, reasons: ['r'], duration_ms: 0 });
              if (e.spelling === 'plain') return appendDecisionSync(dir, entry, now);
              const member = `"verdict":${JSON.stringify(e.verdict)}`;
              const line = JSON.stringify(entry);
              const at = line.lastIndexOf(member);
              const v = e.verdict;
              const spelled =
                e.spelling === 'key-escaped' ? `"verdic\\u0074":${JSON.stringify(v)}` : e.spelling === 'spaced' ? `"verdict" :\t${JSON.stringify(v)}` : `"verdict":"\\u${v.charCodeAt(0).toString(16).padStart(4, '0')}${JSON.stringify(v.slice(1)).slice(1)}`;
              writeFileSync(join(dir, `decisions-${new Date(now).toISOString().slice(0, 10)}.ndjson`), `${line.slice(0, at)}${spelled}${line.slice(at + member.length)}\n`, { flag: 'a' });
            });
            writeFileSync(join(dir, `decisions-${new Date(NOW).toISOString().slice(0, 10)}.ndjson`), '{"verdict":"Block", torn\n', { flag: 'a' });
            const want = readDecisions(dir)
              .filter((e) => e.audit_of === undefined && isBlockOrAsk(e.verdict))
              .map((e) => `${e.verdict}@${e.timestamp}/${String(e.facts['session_id'])}`)
              .sort();
            const got = recentDecisions(dir, Infinity)
              .map((d) => `${d.verdict}@${new Date(d.at).toISOString()}/${d.session}`)
              .sort();
            expect(got).toEqual(want);
          } finally {
            rmSync(dir, { recursive: true, force: true });
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('parses only lines that may block or ask: an allowed entry, whatever its facts say, is not parsed', () => {
    const line = (verdict: string, facts: Record<string, unknown> = {}): string =>
      JSON.stringify(buildLogEntry({ decision_id: 'd', policy: 'push-gate', policy_version: '1', now: NOW, mode: 'agent:claude', facts, verdict, reasons: ['ask the owner'], duration_ms: 1 }));
    // every logged entry carries `"masked"`: a test on the whole line for `ask` let each one through
    for (const l of [line('Allow'), line('AllowLoud', { note: 'a task', lane: 'deploy:block' }), line('Allow', { tool: 'AskUserQuestion' })]) expect(mayBlockOrAsk(l)).toBe(false);
    for (const l of [line('Block'), line('Ask'), line('deny'), line('Allow', { verdict: 'Block' })]) expect(mayBlockOrAsk(l)).toBe(true);
  });

  it('reads the newest days from their ends and stops at the max-th most recently logged', () => {
    const dir = mkdtempSync(join(tmpdir(), 'arbiter-status-log-'));
    try {
      for (let d = 0; d < 3; d++) for (let i = 0; i < 3; i++) appendDecisionSync(dir, buildLogEntry({ decision_id: `d${d}${i}`, policy: 'p', policy_version: '1', now: NOW - d * DAY + i, mode: 'cli', facts: {}, verdict: 'Block', reasons: [`day${d}-${i}`], duration_ms: 0 }), NOW - d * DAY + i);
      expect(recentDecisions(dir, 2).map((x) => x.reason)).toEqual(['day0-2', 'day0-1']);
      expect(recentDecisions(dir, 4).map((x) => x.reason)).toEqual(['day0-2', 'day0-1', 'day0-0', 'day1-2']);
      expect(recentDecisions(dir, Infinity)).toHaveLength(9);
      expect(recentDecisions(join(dir, 'absent'), 4)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the screen', () => {
  it('shows every section with its columns', async () => {
    const screen = text(await collectStatus(readers(), NOW), 200);
    for (const h of ['Sessions (2)', 'Lanes (1)', 'Halts (1)', 'Commitments (1)', 'Builds (1)', 'Stop gate: enforce', 'Recent blocks/asks (1)']) expect(screen).toContain(h);
    expect(screen).toMatch(/STATE +FOR +SEEN +SESSION +AGENT +BRANCH +LAST +HOLDS/);
    expect(screen).toMatch(/waiting +5s +1s +s-2 +claude +feature\/x +pre-tool Bash +1 commitment/);
    expect(screen).toMatch(/working +5s +1s +s-1 +claude +main +pre-tool Bash +lock, lane deploy:refs\/heads\/main#4, build ship the feature, halted s-2/);
    expect(screen).toMatch(/deploy:refs\/heads\/main +s-1 +4 +10m +s-2/);
    expect(screen).toMatch(/10s +push-gate +Block +s-2 +- +halted/);
    expect(screen).not.toContain('\x1b');
  });

  it('a silent session is shown gone', async () => {
    const s = await collectStatus(readers({ registry: { list: async () => ({ sessions: [presence('old', { lastEventAt: NOW - PRESENCE_GONE_AFTER_MS })], problems: [] }) } }), NOW);
    expect(text(s)).toMatch(/\n {2}gone +\S+ +30m +old/);
  });

  it('fits the terminal width: no line is wider, long cells end in an ellipsis', async () => {
    const long = `feature/${'x'.repeat(200)}`;
    const s = await collectStatus(readers({ registry: { list: async () => ({ sessions: [presence('s-1', { branch: long })], problems: [] }) } }), NOW);
    for (const w of [60, 80, 100, 140]) {
      const lines = renderStatus(s, w, PLAIN);
      for (const l of lines) expect(Array.from(l).length).toBeLessThanOrEqual(w);
      expect(lines.join('\n')).toContain('\u2026');
    }
  });

  it('colours only through the painter: the same layout with and without colour', async () => {
    const s = await collectStatus(readers(), NOW);
    const plain = renderStatus(s, 100, PLAIN);
    const painted = renderStatus(s, 100, createColors(true));
    expect(painted.join('\n')).toContain('\x1b[');
    // eslint-disable-next-line no-control-regex
    expect(painted.map((l) => l.replace(/\x1b\[[0-9;]*m/g, ''))).toEqual(plain);
  });

  it('helpers: age, fit, --interval', () => {
    expect([age(-5), age(0), age(119_999), age(120_000), age(7_199_999), age(7_200_000), age(48 * 3_600_000)]).toEqual(['0s', '0s', '119s', '2m', '119m', '2h', '2d']);
    expect(fit('abcdef', 4)).toBe('abc\u2026');
    expect(fit('abc', 3)).toBe('abc');
    expect([parseInterval('100'), parseInterval('99'), parseInterval('3600000'), parseInterval('3600001'), parseInterval('1e3'), parseInterval('-5'), parseInterval('')]).toEqual([100, null, 3_600_000, null, null, null, null]);
  });
});

describe('--watch frames', () => {
  it('redraw in place with ANSI only on a terminal; plain snapshots separated by a blank line otherwise', () => {
    expect(watchFrame('a\nb', true, true, false)).toBe('\x1b[2J\x1b[Ha\x1b[K\nb\x1b[K\x1b[J');
    expect(watchFrame('a\nb', false, true, false)).toBe('\x1b[Ha\x1b[K\nb\x1b[K\x1b[J');
    expect(watchFrame('a\nb', true, false, false)).toBe('a\nb\n');
    expect(watchFrame('a\nb', false, false, false)).toBe('\na\nb\n');
    expect(watchFrame('{}', false, true, true)).toBe('{}\n');
    expect(watchFrame('{}', false, false, true)).toBe('{}\n');
    expect(watchFrame('1\n2\n3\n4\n5', false, true, false, 3)).toBe('\x1b[H1\x1b[K\n2\x1b[K\n\u2026 3 more lines (arbiter status | less)\x1b[K\x1b[J');
    expect(watchFrame('1\n2\n3', false, true, false, 3)).toBe('\x1b[H1\x1b[K\n2\x1b[K\n3\x1b[K\x1b[J');
    expect(watchFrame('1\n2\n3\n4\n5', false, false, false, 3)).toBe('\n1\n2\n3\n4\n5\n');
  });
});

describe('fsOpenHalts: every open halt of the embedded store', () => {
  it('lists open halts whoever placed them, not lifted ones; an unreadable directory is a failure, not a throw', async () => {
    const root = mkdtempSync(join(tmpdir(), 'arbiter-status-halts-'));
    try {
      const s = fsLaneStore(root);
      const by = (session: string) => ({ handle: 'h', session, instance: 'a'.repeat(32), host: 'x' });
      expect((await s.halt('t-1', by('b-1'), 'one')())._tag).toBe('Right');
      expect((await s.halt('t-2', by('b-2'), 'two')())._tag).toBe('Right');
      expect((await s.unhalt('t-1', by('b-1'))())._tag).toBe('Right');
      const r = fsOpenHalts(root, Date.now());
      expect(r._tag === 'Right' ? r.right.map((h) => [h.target_session, h.by_session, h.reason]) : r).toEqual([['t-2', 'b-2', 'two']]);
      expect(fsOpenHalts(join(root, 'absent'), Date.now())).toEqual({ _tag: 'Right', right: [] });
      writeFileSync(join(root, 'file'), '');
      expect(fsOpenHalts(join(root, 'file'), Date.now())).toEqual({ _tag: 'Left', left: { _tag: 'LaneFailure', kind: 'transport', status: 'ENOTDIR' } });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

// ── hostile strings ─────────────────────────────────────────────────────────────────────────────────────────────────
/** Characters a terminal acts on or that reorder text: C0 (but LF, the line separator), DEL, C1, bidi and format. */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\u061c]/u;
const hostile = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.constantFrom('\x1b[2J\x1b[31mred', 'a\rb', '\u202eevil\u202c', '$(rm -rf ~)', '`id`', '\x9b31m', 'x\u2028y', 'tab\there', '\u0000nul', 'zero\u200bwidth', 'e\u0301'),
  fc.array(fc.constantFrom('\x1b', '\r', '\n', '\u202e', '\u2066', '\x9b', '\x07', 'a', '$(', ')', ' ', '\u200f'), { maxLength: 12 }).map((a) => a.join('')),
);

describe('hostile strings in sessions, branches, lanes and reasons', () => {
  it('never produce a raw control, bidi or format character in the plain screen or the JSON', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(hostile, { minLength: 10, maxLength: 10 }), fc.integer({ min: 40, max: 160 }), async (h, width) => {
        const [a, b, c, d, e, f, g, i, j, k] = h as [string, string, string, string, string, string, string, string, string, string];
        const s = await collectStatus(
          readers({
            repo: k,
            registry: { list: async () => ({ sessions: [presence(a, { branch: b, lastTool: c, host: d, worktree: e })], problems: [{ key: f, detail: g }] }) },
            lanes: async () => [{ lane: b, holder: a, fence: 1, leaseLeftMs: 1_000, queue: [c, a] }],
            halts: async () => [{ target: a, by: c, reason: i, at: NOW }],
            commitments: async () => [{ session: a, text: j, at: NOW }],
            builds: async () => [{ session: a, name: i, state: j, at: NOW }],
            stopGate: async () => ({ mode: f }),
            decisions: async () => [{ at: NOW, policy: g, verdict: 'Block', reason: i, session: a, lane: b }],
          }),
          NOW,
        );
        const screen = renderStatus(s, width, PLAIN).join('\n');
        expect(screen).not.toMatch(UNSAFE);
        const json = snapshotJson(s);
        expect(json).not.toMatch(UNSAFE);
        expect(JSON.parse(json)).toEqual(JSON.parse(JSON.stringify(s))); // escaped, not changed
      }),
      { numRuns: 300 },
    );
  });

  it('the painted screen carries colour codes only: no other escape sequence survives', async () => {
    const s = await collectStatus(readers({ registry: { list: async () => ({ sessions: [presence('\x1b]0;pwned\x07', { branch: '\x1b[2J' })], problems: [] }) } }), NOW);
    const painted = renderStatus(s, 100, createColors(true)).join('\n');
    // eslint-disable-next-line no-control-regex
    expect(painted.replace(/\x1b\[[0-9;]*m/g, '')).not.toMatch(UNSAFE);
    expect(painted).toContain("$'\\x1b]0;pwned\\x07'");
  });
});

describe('the status fast path (status.md §8)', () => {
  it('takes exactly `status` and `status --json`; every other command line goes to the option parser', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('status', '--json', '--watch', '--help', '-h', '--interval', '500', '--', 'json', '--JSON', '--json=1', ''), { maxLength: 4 }), (argv) => {
        const want = argv.length === 1 && argv[0] === 'status' ? { json: false } : argv.length === 2 && argv[0] === 'status' && argv[1] === '--json' ? { json: true } : null;
        expect(plainStatus(argv)).toEqual(want);
      }),
    );
    expect(plainStatus(['status'])).toEqual({ json: false });
    expect(plainStatus(['status', '--json'])).toEqual({ json: true });
  });
});

describe('one snapshot into a pipe', () => {
  const eagain = (): never => {
    throw Object.assign(new Error('EAGAIN: resource temporarily unavailable, write'), { code: 'EAGAIN' });
  };
  it('property: writes every byte in order through partial writes, and stops at the offset where the pipe is full', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 500 }), fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 40 }), fc.nat({ max: 50 }), (bytes, steps, fullAfter) => {
        const out: number[] = [];
        let calls = 0;
        const got = writeUntilBlocked(bytes, (b, off) => {
          if (calls === fullAfter) eagain();
          const n = Math.min(steps[calls++ % steps.length] as number, b.length - off);
          out.push(...b.subarray(off, off + n));
          return n;
        });
        expect(out).toEqual([...bytes.subarray(0, got)]);
        if (got < bytes.length) expect(calls).toBe(fullAfter);
      }),
    );
  });
  it('rethrows any other error (EPIPE: the reader went away)', () => {
    expect(() =>
      writeUntilBlocked(Buffer.from('x'), () => {
        throw Object.assign(new Error('EPIPE'), { code: 'EPIPE' });
      }),
    ).toThrow('EPIPE');
  });
});

describe('the JSON text', () => {
  it('escapes every default-ignorable code point, the reserved U+2065 included (a counterexample the hostile-strings property found)', () => {
    const json = snapshotJson({ ...JSON.parse('{}'), repo: 'a\u2065b\u2064c\ufe0fd\u{e0001}e' } as StatusSnapshot);
    expect(json).toContain('a\\u2065b\\u2064c\\ufe0fd\\udb40\\udc01e');
    expect(JSON.parse(json).repo).toBe('a\u2065b\u2064c\ufe0fd\u{e0001}e');
  });
});
