/**
 * Nothing Arbiter persists keeps a secret (issue 12 "Secrets"; secrets.md §12 M1–M9, push-gate.md §16 DL4): a secret
 * of every form (each of the scanner's ten patterns, each command-line form the outside campaign planted) is put in
 * every string field of every kind of decision-log entry the hooks and verbs write, appended through the one writer
 * (`appendVerdicts`), and the file is read back: no secret value survives anywhere in it, and every string in it
 * scans clean.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { secrets } from '@arbiter/kernel';
import { appendVerdicts, type VerdictInput } from '../packages/hooks/src/decision-record.js';
import { arbAnySecret, arbText } from '../packages/kernel/test/arb/secrets.js';
import { tmp } from './helpers/bin.js';

/** A planted secret: the text put in a field, and the parts of it that must never reach the file. */
export interface Planted {
  readonly form: string;
  readonly text: string;
  readonly values: ReadonlyArray<string>;
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const chars = (alphabet: string, n: number) => fc.string({ unit: fc.constantFrom(...alphabet.split('')), minLength: n, maxLength: n });
/** A password-like value: starts with a marker no noise contains, so its survival is unambiguous. */
const arbValue = chars(ALNUM, 12).map((v) => `Qz9${v}`);
const arbAkia = chars('ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789', 16).map((v) => `AKIA${v}`);
/** A 40-character AWS secret access key (mixed case, digits, `/` and `+`). */
const arbAwsSecret = chars(ALNUM + '/+', 38).map((v) => `wJ${v}`);
const arbGhp = chars(ALNUM, 36).map((v) => `ghp_${v}`);

/** The command-line forms of issue 12 (and the DL4 forms), each with the secret values it carries. */
export const arbCommandForm: fc.Arbitrary<Planted> = fc.oneof(
  fc.tuple(arbAkia, arbAwsSecret).map(([k, s]) => ({ form: 'aws-pair', text: `aws configure set aws_access_key_id ${k} && aws configure set aws_secret_access_key ${s}`, values: [k, s] })),
  fc.tuple(arbAkia, arbAwsSecret).map(([k, s]) => ({ form: 'aws-bare', text: `${k} ${s}`, values: [k, s] })),
  arbGhp.map((t) => ({ form: 'ghp-argument', text: `gh auth login --hostname github.com ${t}`, values: [t] })),
  arbValue.map((v) => ({ form: 'mysql-p', text: `mysql -uroot -p${v} prod`, values: [v] })),
  arbValue.map((v) => ({ form: 'query-api-key', text: `curl "https://api.example.com/v1?api_key=sk-live-${v}&x=1"`, values: [`sk-live-${v}`] })),
  arbGhp.map((t) => ({ form: 'push-option-token', text: `git push --push-option=token=${t} origin main`, values: [t] })),
  arbValue.map((v) => ({ form: 'push-option-token-short', text: `git push -o token=${v} origin main`, values: [v] })),
  arbValue.map((v) => ({ form: 'password-equals', text: `mysql --password=${v} prod`, values: [v] })),
  arbValue.map((v) => ({ form: 'password-word', text: `docker login --username bob --password ${v}`, values: [v] })),
  arbValue.map((v) => ({ form: 'sshpass', text: `sshpass -p ${v} ssh host`, values: [v] })),
  arbValue.map((v) => ({ form: 'curl-user', text: `curl -u bob:${v} https://h/x`, values: [v] })),
  arbValue.map((v) => ({ form: 'url-userinfo', text: `git push https://bob:${v}@example.com/r.git main`, values: [v] })),
  arbValue.map((v) => ({ form: 'assignment', text: `GITHUB_TOKEN=${v} make deploy`, values: [v] })),
  arbValue.map((v) => ({ form: 'git-c-extraheader', text: `git -c http.extraheader=${v} push`, values: [v] })),
  arbValue.map((v) => ({ form: 'authorization', text: `curl -H "Authorization: Bearer ${v}" https://h`, values: [v] })),
);

/** Each of the scanner's ten patterns (secrets.md §2): the whole match must not survive. */
export const arbScannerForm: fc.Arbitrary<Planted> = arbAnySecret.map((s) => ({ form: s.pattern, text: s.secret, values: [s.secret] }));

/** Any planted secret, with noise on both sides (kept apart by a space, so the noise cannot change the form). */
export const arbPlanted: fc.Arbitrary<Planted> = fc
  .tuple(fc.oneof(arbCommandForm, arbScannerForm), arbText, arbText)
  .map(([p, a, b]) => ({ ...p, text: `${a} ${p.text} ${b}` }));

/**
 * The kinds of entries the code writes (policy, verdict, reasons, effects, probes, facts), one template per writer;
 * every string leaf of a template is a field a secret is planted in.
 */
const KINDS: ReadonlyArray<VerdictInput> = [
  { policy: 'push-gate', policy_version: '1.0.0', mode: 'agent:claude', verdict: 'Allow', reasons: ['not-a-push'], facts: { agent: 'claude', hook: 'gate-push', tool_name: 'Bash', session_id: 's', cwd: '/r', command: 'npm test', stdin: 'Ok', fast_path: true } },
  { policy: 'push-gate', policy_version: '1.0.0', mode: 'git', verdict: 'Block', reasons: ['held-by-other', 'deploy:main'], effects: ['Claim(deploy:main)'], probes: [{ name: 'refs', duration_ms: 3, outcome: 'ok' }], facts: { remote: 'origin', url: 'https://h/r.git', refs: [{ local: 'refs/heads/main', remote: 'refs/heads/main' }], break_glass_reason: 'hotfix' } },
  { policy: 'push-release', policy_version: '1.0.0', mode: 'agent:claude', verdict: 'Released', reasons: ['released'], facts: { agent: 'claude', session_id: 's', command: 'git push origin main', lanes: ['deploy:main'] } },
  { policy: 'context', policy_version: '1.0.0', mode: 'agent:claude', verdict: 'ok', reasons: ['ok'], facts: { agent: 'claude', event: 'session-start', session_id: 's', status: 'ok', chars: 10 } },
  { policy: 'session-lock', policy_version: '1.0.0', mode: 'agent:codex', verdict: 'Allow', reasons: ['acquired'], facts: { agent: 'codex', verb: 'acquire', workspace_path: '/w', previous: { session: 'p' }, outcome: 'Acquired' } },
  { policy: 'action-claim', policy_version: '1.0.0', mode: 'agent:claude', verdict: 'Registered', reasons: ['registered'], effects: ['CommitmentCreate', 'Audit'], facts: { session_id: 's', span: 'Pushing it now.', lemma: 'push' } },
  { policy: 'follow-through', policy_version: '1.0.0', mode: 'agent:claude', verdict: 'Delivered', reasons: ['delivered'], effects: ['CommitmentClose(delivered)'], facts: { session_id: 's', tool_use_id: 't', command: 'git push origin main', delivered: ['c1'], store: 'Applied' } },
  { policy: 'follow-through', policy_version: '1.0.0', mode: 'agent:claude', verdict: 'delivered', reasons: ['delivered'], facts: { id: 'c1', lemma: 'push', topic: 's' } },
  { policy: 'build-stop', policy_version: '1.0.0', mode: 'agent:claude', verdict: 'reinforce', reasons: ['reinforce'], facts: { session: 's', phase: 'build', n: 1, max: 3 } },
  { policy: 'stop-gate', policy_version: '1.0.0', mode: 'agent:claude', verdict: 'stated-continuation', reasons: ['stated-continuation'], facts: { failOpen: false, guard: 1, commit: 'I will', imminent: 'push now' } },
  { policy: 'state-lock', policy_version: '1.0.0', mode: 'cli', verdict: 'Acquired', reasons: ['acquired'], facts: { dir: '/r', holder: 'host', dry_run: false } },
  { policy: 'lane-cli', policy_version: '1.0.0', mode: 'cli', verdict: 'halted', reasons: ['halted'], facts: { target: 's', reason: 'stop pushing' } },
  { policy: 'secrets', policy_version: '1.0.0', mode: 'cli', verdict: 'secret-found', reasons: ['secret-found'], facts: { files: 1, findings: [{ file: 'a', line: 1, pattern: 'github-token' }] } },
  { policy: 'stop-hook', policy_version: '1.0.0', mode: 'agent:claude', verdict: 'Allow', reasons: ['internal-error'], facts: { agent: 'claude', detail: 'boom' } },
];

/** Dotted paths of every string leaf of a verdict (its facts included). */
const stringPaths = (v: unknown, path: ReadonlyArray<string | number> = []): Array<ReadonlyArray<string | number>> => {
  if (typeof v === 'string') return [path];
  if (Array.isArray(v)) return v.flatMap((x, i) => stringPaths(x, [...path, i]));
  if (v !== null && typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => stringPaths(x, [...path, k]));
  return [];
};

/** A copy of `v` with the string at `path` replaced by `s`. */
const setAt = (v: unknown, path: ReadonlyArray<string | number>, s: string): unknown => {
  if (path.length === 0) return s;
  const [head, ...rest] = path;
  if (Array.isArray(v)) return v.map((x, i) => (i === head ? setAt(x, rest, s) : x));
  return { ...(v as Record<string, unknown>), [head as string]: setAt((v as Record<string, unknown>)[head as string], rest, s) };
};

/** Every string inside a parsed JSON value. */
const strings = (v: unknown): string[] =>
  typeof v === 'string' ? [v] : Array.isArray(v) ? v.flatMap(strings) : v !== null && typeof v === 'object' ? Object.entries(v).flatMap(([k, x]) => [k, ...strings(x)]) : [];

/** Slots: every (kind, string field) pair, `mode` excluded (a closed set the type fixes). */
const SLOTS = KINDS.flatMap((k) => stringPaths(k).filter((p) => p[0] !== 'mode').map((p) => ({ kind: k, path: p })));

/** Read back every line of every daily file in `dir`. */
const readBack = (dir: string): { raw: string; entries: unknown[] } => {
  const raw = readdirSync(dir)
    .map((f) => readFileSync(join(dir, f), 'utf8'))
    .join('');
  return { raw, entries: raw.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as unknown) };
};

const assertNoSecret = (dir: string, p: Planted): void => {
  const { raw, entries } = readBack(dir);
  expect(entries.length).toBeGreaterThan(0);
  for (const v of p.values) {
    expect(raw).not.toContain(JSON.stringify(v).slice(1, -1));
    for (const s of entries.flatMap(strings)) expect(s).not.toContain(v);
  }
  for (const s of entries.flatMap(strings)) expect(secrets.scanForSecrets(s, 'log', []).clean).toBe(true);
};

describe('decision log: no planted secret survives in the file (secrets.md §12, push-gate.md §16 DL4)', () => {
  it(`MK-1 every form in every string field of every entry kind (${SLOTS.length} fields of ${KINDS.length} kinds)`, () => {
    fc.assert(
      fc.property(fc.constantFrom(...SLOTS), arbPlanted, (slot, planted) => {
        const dir = tmp('arbiter-mask-log-');
        const v = setAt(slot.kind, slot.path, planted.text) as VerdictInput;
        appendVerdicts(() => dir, [v]);
        assertNoSecret(dir, planted);
      }),
      { numRuns: 600 },
    );
  });

  it('each form alone, in the command fact and in a reason, is masked (one deterministic case per form)', () => {
    const forms = [...fc.sample(arbCommandForm, { numRuns: 200, seed: 12 })];
    const seen = new Set<string>();
    for (const p of forms) {
      if (seen.has(p.form)) continue;
      seen.add(p.form);
      const dir = tmp('arbiter-mask-form-');
      appendVerdicts(() => dir, [{ ...(KINDS[0] as VerdictInput), reasons: ['not-a-push', p.text], facts: { command: p.text } }]);
      assertNoSecret(dir, p);
    }
    expect(seen.size).toBe(15);
  });

  it('a secret just before the 2 000-character cut of a megabyte fact is masked, not cut in half', () => {
    const dir = tmp('arbiter-mask-cut-');
    const ghp = 'ghp_' + 'Zz9'.repeat(12);
    appendVerdicts(() => dir, [{ ...(KINDS[0] as VerdictInput), facts: { command: `${'x'.repeat(1_980)} ${ghp} ${'y'.repeat(1_000_000)}` } }]);
    const [e] = readBack(dir).entries as Array<{ facts: { command?: string } }>;
    expect(e?.facts.command?.length).toBe(2_000);
    expect(e?.facts.command).not.toContain('ghp_Zz9');
  });

  it('the entry lists what masking changed: facts by path, other fields as entry.<field>', () => {
    const dir = tmp('arbiter-mask-paths-');
    appendVerdicts(() => dir, [{ ...(KINDS[0] as VerdictInput), reasons: ['not-a-push', 'mysql -pHunter2Secret'], facts: { command: 'mysql -pHunter2Secret', ok: 'plain' } }]);
    const [e] = readBack(dir).entries as Array<{ masked: string[]; facts: { command: string }; reasons: string[] }>;
    expect(e?.masked).toEqual(['command', 'entry.reasons[1]']);
    expect(e?.facts.command).toBe('mysql -p***');
    expect(e?.reasons[1]).toBe('mysql -p***');
  });
});
