/**
 * Codex follow-through evidence from the output string (action-claim.md §5.2, Codex rows; host-protocols.md C7):
 * Codex 0.171.0 hands PostToolUse the command's combined output as one string with no exit code, and fires
 * PostToolUse for failed commands too. The fixtures in `fixtures/git-push-outputs/` are real `git push` outputs
 * (git 2.39, stdout and stderr together, LC_ALL=C) captured from local repositories: success (new branch, new tag,
 * fast-forward, forced update, up to date), rejection (fetch first, non-fast-forward, a remote hook), and failures
 * (no repository, HTTP authentication, bad refspec). Paths were rewritten to `/srv/git`.
 *
 * The boundary is fail-closed for evidence: an output that reports any failure never counts as a delivered push.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { actionClaim as ac } from '@arbiter/kernel';

const DIR = join(__dirname, 'fixtures', 'git-push-outputs');
const fixtures = readdirSync(DIR).map((f) => ({ name: f, text: readFileSync(join(DIR, f), 'utf8') }));
const succeeded = fixtures.filter((f) => f.name.startsWith('success-'));
const failed = fixtures.filter((f) => !f.name.startsWith('success-'));

describe('Codex push report (real git push outputs)', () => {
  it('has captured outputs for success, rejection and authentication failure', () => {
    expect(succeeded.map((f) => f.name).sort()).toEqual(['success-fast-forward.txt', 'success-forced-update.txt', 'success-new-branch.txt', 'success-new-tag.txt', 'success-up-to-date.txt']);
    for (const n of ['rejected-fetch-first.txt', 'rejected-non-fast-forward.txt', 'remote-rejected-hook.txt', 'fatal-auth-http.txt', 'fatal-auth-failed.txt']) expect(failed.map((f) => f.name)).toContain(n);
  });

  it.each(succeeded)('$name: a push → succeeded; not a push → unknown', ({ text }) => {
    expect(ac.commandOutcome('codex', { command: 'git push' }, text, true)).toBe('succeeded');
    expect(ac.commandOutcome('codex', { command: 'make' }, text, false)).toBe('unknown');
  });

  it.each(failed)('$name: failed, whatever the command', ({ text }) => {
    expect(ac.commandOutcome('codex', { command: 'git push' }, text, true)).toBe('failed');
    expect(ac.commandOutcome('codex', { command: 'make' }, text, false)).toBe('failed');
  });

  it('an explicit exit code still wins, and Claude Code is unaffected', () => {
    expect(ac.commandOutcome('codex', {}, 'Exit code: 1\nTo /srv/git/remote.git\n * [new branch]      main -> main\n', true)).toBe('failed');
    expect(ac.commandOutcome('codex', {}, { exit_code: 0 }, true)).toBe('succeeded');
    expect(ac.commandOutcome('claude', {}, failed[0]?.text, true)).toBe('succeeded');
  });
});

/** Lines that are neither a failure line nor part of a push report. */
const noise = fc
  .array(fc.constantFrom('Enumerating objects: 5, done.', 'remote: Resolving deltas: 100% (1/1)', 'hint: see git help', 'Writing objects: 100% (3/3)', 'done', ''), { maxLength: 6 })
  .map((ls) => ls.join('\n'));
const failureLine = fc.constantFrom('error: failed to push some refs to \'x\'', 'fatal: unable to access', ' ! [rejected]        main -> main (fetch first)', ' ! [remote rejected] main -> main (hook declined)', '! [rejected] x');
const updatedLine = fc.constantFrom('   e7e9dd4..14ae7a0  main -> main', ' * [new branch]      f -> f', ' * [new tag]         v1 -> v1', ' + 7a9b2df...d8d3928 main -> main (forced update)', ' - [deleted]         old');

describe('Codex push report properties (fast-check)', () => {
  it('a failure line anywhere → failed, never succeeded (fail-closed evidence)', () => {
    fc.assert(
      fc.property(noise, failureLine, noise, fc.boolean(), fc.boolean(), (a, bad, b, withReport, isPush) => {
        const text = [a, withReport ? 'To /srv/git/r.git\n   1111111..2222222  main -> main' : '', bad, b, withReport ? 'Everything up-to-date' : ''].join('\n');
        expect(ac.commandOutcome('codex', {}, text, isPush)).toBe('failed');
      }),
    );
  });

  it('`To <remote>` followed by an updated-ref line, without a failure line → succeeded exactly for a push', () => {
    fc.assert(
      fc.property(noise, updatedLine, noise, fc.boolean(), (a, upd, b, isPush) => {
        const text = `${a}\nTo /srv/git/r.git\n${b.replace(/^To /gm, '')}\n${upd}\n`;
        expect(ac.commandOutcome('codex', {}, text, isPush)).toBe(isPush ? 'succeeded' : 'unknown');
      }),
    );
  });

  it('without `To <remote>` or `Everything up-to-date`, arbitrary output is never succeeded', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), (s) => {
        fc.pre(!/^To \S/m.test(s) && !/^Everything up-to-date/m.test(s) && !/^\s*exit\s*code\s*:/i.test(s));
        expect(ac.commandOutcome('codex', {}, s, true)).not.toBe('succeeded');
      }),
    );
  });

  it('an updated-ref line before `To <remote>` does not count', () => {
    expect(ac.commandOutcome('codex', {}, '   1111111..2222222  main -> main\nTo /srv/git/r.git\n', true)).toBe('unknown');
  });

  it('the reader is total and bounded on large output', () => {
    const big = 'x'.repeat(ac.PUSH_REPORT_MAX_CHARS * 4) + '\nEverything up-to-date\n';
    expect(ac.commandOutcome('codex', {}, big, true)).toBe('unknown');
  });
});
