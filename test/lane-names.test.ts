/**
 * Lane names and how they are shown (issue 12, push-gate.md §3.2 N5 and push-gate.md §13.1):
 * - the generated ref names agree with the real `git check-ref-format`, both ways, on a sample;
 * - every `deploy:` + ref is a lane name the record codec accepts;
 * - a lane or session id printed in a message is one copy-pasteable shell word (printable ASCII only): read back by
 *   the verbs' own argument rules, and by a real bash, it is exactly the name; distinct names print distinctly;
 * - the model-facing sanitizers drop bidi controls and invisible characters (hooks.md §4 rule 0).
 *
 * The bash cross-check runs `bash -c` on words produced by `showWord` on purpose: what is under test is that a shell
 * reads them back as the name. It never runs anything else.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { pushGate as PG, nameArg, sanitizeBlock, sanitizeLine, showWord, stripInvisible, unquoteWord } from '@arbiter/kernel';
import { branchNameArb, isValidRefName, nearRefNameArb, refNameArb } from './helpers/ref-names.js';

const NOT_CONFIGURED = { _tag: 'NotConfigured' } as const;

/** One `git check-ref-format` per name. @returns whether git accepts each. */
const gitAccepts = (names: ReadonlyArray<string>): boolean[] =>
  names.map((n) => spawnSync('git', ['check-ref-format', n], { encoding: 'utf8' }).status === 0);

/** What bash makes of each word: `printf '%s\0' <words>` in a UTF-8 locale, split on NUL. */
const bashReads = (words: ReadonlyArray<string>): string[] => {
  const r = spawnSync('bash', ['--norc', '--noprofile', '-c', `printf '%s\\0' ${words.join(' ')}`], { env: { PATH: process.env['PATH'] ?? '', LC_ALL: 'C.UTF-8' }, encoding: 'utf8' });
  expect(r.status).toBe(0);
  return r.stdout.split('\0').slice(0, -1);
};

/** Visible ASCII plus the fixed templates' own `—`, `…` and `·`. */
const PRINTABLE_MESSAGE = /^[\x20-\x7e\n—…·]*$/;

describe('ref names: the generator agrees with git check-ref-format', () => {
  it('a sample of generated valid and near-valid names gets the same verdict from git and from isValidRefName', () => {
    const valid = fc.sample(refNameArb, { numRuns: 50, seed: 12 });
    const near = fc.sample(nearRefNameArb, { numRuns: 50, seed: 12 });
    const names = [...valid, ...near, 'refs/heads/release/café', 'refs/heads/release/$(id);`x`|&>q', `refs/heads/release/${'x'.repeat(238)}`];
    const git = gitAccepts(names);
    expect(names.map((n, i) => [n, git[i]])).toEqual(names.map((n) => [n, isValidRefName(n)]));
    expect(valid.every(isValidRefName)).toBe(true);
    expect(near.filter(isValidRefName).length).toBeLessThan(near.length / 4); // the mutations mostly break a rule
  });
});

describe('lane names (N5)', () => {
  it('PG-40 deploy: + every valid ref is a lane name, laneFor gives it for a per-ref deploy ref, and its record decodes', () => {
    fc.assert(
      fc.property(refNameArb, (ref) => {
        const lane = `deploy:${ref}`;
        expect(PG.isLaneName(lane)).toBe(true);
        if (ref.startsWith('refs/heads/release/')) expect(PG.laneFor(ref)).toBe(lane);
        const rec = PG.claimT(null, lane, { handle: 'a', session: 's', instance: 'i', host: 'h' }, { intent: 'deploy', eta_minutes: null }, 1_700_000_000_000).next;
        expect(rec !== null && PG.isStorableRecord(rec, lane)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('issue 12: release/café and a 246-character branch are lane names (the 0.1 codec refused both)', () => {
    expect(PG.isLaneName('deploy:refs/heads/release/café')).toBe(true);
    expect(PG.isLaneName(`deploy:refs/heads/${'b'.repeat(246)}`)).toBe(true);
    expect(PG.isLaneName('deploy:refs/heads/a\nb')).toBe(false);
    expect(PG.isLaneName('deploy:refs/heads/\ud800')).toBe(false);
    expect(PG.isLaneName('x'.repeat(PG.LANE_NAME_MAX + 1))).toBe(false);
  });

  it('the verbs refuse a --lane that is not a lane name before any store is asked', () => {
    expect(PG.laneArg('a:\u0007', null, NOT_CONFIGURED)).toMatchObject({ _tag: 'Exit', code: 2, reason: 'bad-argument' });
    const facts: PG.DeployFacts = {
      lane_arg: 'x:\n',
      eta_arg: null,
      break_glass: false,
      reason: null,
      repo: { kind: 'repo', top: '/r', common_dir: '/r/.git', shallow: false, config: NOT_CONFIGURED },
      refs: { current_branch: 'main', head_oid: null, default_remote: 'origin' },
    };
    const r = PG.deployStep(facts);
    expect(r._tag === 'Done' && r.outcome).toMatchObject({ code: 2, reason: 'bad-argument' });
  });
});

describe('showWord / unquoteWord: one printable shell word per name', () => {
  const anyString = fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 20 }), fc.string({ maxLength: 40 }));

  it('PG-42 showWord is printable ASCII only and reads back to the same string (lone surrogates included)', () => {
    fc.assert(
      fc.property(anyString, (s) => {
        const w = showWord(s);
        expect(w).toMatch(/^[\x20-\x21\x23-\x5f\x61-\x7e]+$/); // printable ASCII, never `"` or a backtick
        expect(unquoteWord(w)).toBe(s);
        expect(nameArg(w)).toBe(s); // what a verb does with an argument it is given verbatim
      }),
      { numRuns: 2_000 },
    );
  });

  it('PG-42 distinct names print distinctly', () => {
    fc.assert(
      fc.property(anyString, anyString, (a, b) => {
        fc.pre(a !== b);
        expect(showWord(a)).not.toBe(showWord(b));
      }),
      { numRuns: 2_000 },
    );
  });

  it('unquoteWord refuses what is not one literal word', () => {
    for (const w of ["'open", "$'open", '"open', 'a b', 'a;b', '$(id)', '`x`', 'a*', '"$HOME"', '', 'a\\']) expect(unquoteWord(w)).toBeNull();
    expect(unquoteWord(`'it'\\''s'`)).toBe("it's");
    expect(unquoteWord(`"a\\"b"`)).toBe('a"b');
    expect(unquoteWord(`$'\\x41\\u00e9\\U0001f600\\n\\101'`)).toBe('Aé😀\nA');
  });
});

describe('lanes and session ids as the messages print them (issue 12, push-gate.md §13.1)', () => {
  it('issue example: `release/$(id);`x`|&>q` prints quoted, not stripped, and `lane release <printed>` names that lane', () => {
    const lane = 'deploy:refs/heads/release/$(id);`x`|&>q';
    const shown = PG.safeLane(lane);
    expect(shown).toBe("$'deploy:refs/heads/release/$(id);\\x60x\\x60|&>q'");
    expect(PG.messages.deployClear(lane, 1)).toBe(`arbiter: lane ${shown} claimed (fence 1) — clear to deploy. Release it with \`arbiter lane release ${shown}\` when done.`);
    expect(PG.safeLane('deploy:refs/heads/release/idxq')).not.toBe(shown);
    expect(PG.laneArg(shown, null, NOT_CONFIGURED)).toEqual({ lane }); // passed on verbatim
    expect(bashReads([shown])).toEqual([lane]); // pasted into a shell
    expect(PG.safeLane('deploy:refs/heads/release/café')).toBe("$'deploy:refs/heads/release/caf\\u00e9'");
    expect(PG.safeLane('deploy:refs/heads/main')).toBe('deploy:refs/heads/main');
  });

  it('PG-42 for generated branches, the printed lane read by the verb rule (verbatim, or through bash) is the lane; distinct lanes print distinctly', () => {
    const sample = fc.sample(fc.uniqueArray(branchNameArb, { minLength: 2, maxLength: 2 }), { numRuns: 150, seed: 7 });
    const lanes = sample.flat().map((b) => `deploy:refs/heads/${b}`);
    const shown = lanes.map((l) => PG.safeLane(l));
    for (const [i, l] of lanes.entries()) {
      expect(shown[i]).toMatch(/^[\x20-\x7e]+$/);
      expect(PG.laneArg(shown[i] as string, null, NOT_CONFIGURED)).toEqual({ lane: l });
      expect(PG.messages.laneNotHolder(l)).toMatch(PRINTABLE_MESSAGE);
    }
    for (const [a, b] of sample) expect(PG.safeLane(`deploy:refs/heads/${a}`)).not.toBe(PG.safeLane(`deploy:refs/heads/${b}`));
    // a person pastes the printed word into a shell: bash hands the verb exactly the lane
    expect(bashReads(shown).map((w) => (PG.laneArg(w, null, NOT_CONFIGURED) as { lane: string }).lane)).toEqual(lanes);
    // and the branch alone (what `--lane <branch>` takes) works the same way
    const branches = sample.flat();
    expect(bashReads(branches.map(showWord)).map((w) => PG.laneFromArg(w))).toEqual(lanes);
  });

  it('PG-42 session ids print whole (sess-bo-02, not sess-bo-.) and --session accepts the printed form', () => {
    expect(PG.messages.laneHalted('0123456789abcdef', 'sess-bo-02')).toBe('arbiter: halt 0123456789abcdef is now directed at session sess-bo-02.');
    expect(PG.showSession('sess-bo.')).toBe("'sess-bo.'"); // a bare word never ends in `.`: the sentence's period stays outside
    const sessionArb = fc.stringMatching(/^[A-Za-z0-9_.:@-]{1,128}$/);
    fc.assert(
      fc.property(sessionArb, sessionArb, (a, b) => {
        expect(PG.sessionArg(PG.showSession(a))).toBe(a);
        if (a !== b) expect(PG.showSession(a)).not.toBe(PG.showSession(b));
      }),
      { numRuns: 500 },
    );
    const ids = fc.sample(sessionArb, { numRuns: 60, seed: 3 });
    expect(bashReads(ids.map((s) => PG.showSession(s))).map((w) => PG.sessionArg(w))).toEqual(ids);
    expect(PG.haltArgs(PG.showSession('sess.'), 'why')).toBeNull();
  });

  it('the context block shows the held lane and the placed halt in the forms the verbs accept', () => {
    const lane = 'deploy:refs/heads/release/$(id);x';
    const view: PG.StateView = {
      lanes: [{ lane, fence: 2, holder: { handle: 'me@x', session: 'sess-bo-02', instance: 'i', host: 'h', claimed_at: 0, heartbeat_age_sec: 1, lease_sec: 600, intent: 'deploy', eta_minutes: null }, expired: false }],
      halts: [],
      placed: [{ halt_id: 'abcdef0123456789', target_session: 'sess-bo-02', by_handle: 'me@x', by_session: 'sess-me', reason: 'r', created_at: 0, age_sec: 5, open: true }],
    };
    const block = PG.renderContextBlock('/r/app', 'sess-me.', 'i', { view, lock: { kind: 'other', session: 'sess-bo-02', pid: 7, age_sec: 3 } }, null);
    expect(block).toContain(`arbiter lane release ${PG.safeLane(lane)}`);
    expect(block).toContain('arbiter lane unhalt --session sess-bo-02`');
    expect(block).toContain("session 'sess-me.'");
    expect(block).toContain('session lock: held by sess-bo-02 (pid 7');
    expect(block).toMatch(PRINTABLE_MESSAGE);
  });
});

describe('model-facing sanitizers drop bidi controls and invisible characters (hooks.md §4 rule 0)', () => {
  const PLANTED = ['\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069', '\u200e', '\u200f', '\u061c', '\u200b', '\u200c', '\u200d', '\u2060', '\ufeff', '\u00ad', '\u180e', '\u{e0041}', '\ufe0f', '\u3164'];
  const plant = (s: string, at: ReadonlyArray<[number, number]>): string => {
    const cps = Array.from(s);
    for (const [pos, which] of at) cps.splice(pos % (cps.length + 1), 0, PLANTED[which % PLANTED.length] as string);
    return cps.join('');
  };
  const clean = fc.oneof(fc.string({ maxLength: 60 }), fc.string({ unit: 'grapheme', maxLength: 30 }), fc.string({ unit: 'binary', maxLength: 30 })).map(stripInvisible);
  const spots = fc.array(fc.tuple(fc.nat(), fc.nat()), { minLength: 1, maxLength: 6 });
  const SEEN = new RegExp(`[${PLANTED.join('')}]`, 'u');

  it('PG-43 planted anywhere, they never come out, and the text is what it would be without them', () => {
    fc.assert(
      fc.property(clean, spots, fc.integer({ min: 1, max: 80 }), (s, at, n) => {
        const dirty = plant(s, at);
        for (const [f, out] of [
          [sanitizeLine, sanitizeLine(dirty, n)],
          [sanitizeBlock, sanitizeBlock(dirty, n)],
          [PG.safeReason, PG.safeReason(dirty, n)],
        ] as const) {
          expect(out).not.toMatch(SEEN);
          expect(out).toBe((f as (x: string, k: number) => string)(s, n));
        }
      }),
      { numRuns: 1_000 },
    );
  });

  it('the issue examples: U+202E and U+200B are removed', () => {
    expect(sanitizeLine('safe\u202eexe.txt\u200b', 100)).toBe('safeexe.txt');
    expect(PG.safeReason('deploy\u202e now')).toBe('deploy now');
  });
});
