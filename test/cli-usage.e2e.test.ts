/**
 * Usage and exit codes of every command of the built `arbiter` binary, from ONE table (issue 12, "A newcomer's
 * friction"; README "Verbs"): each row is an argv, the expected exit code and a fragment of stdout or stderr.
 *
 * - `--help` and `-h` anywhere before `--`, on every verb, sub-verb and hook (aliases included), print the usage on
 *   stdout and exit 0 without running anything: the row's own state directory stays empty, although a hook run
 *   with the same payload and without the help flag writes there (checked below, so that assertion can fail).
 * - Usage errors (unknown flag, missing or invalid argument, bad value, a limit) exit 2 with a message naming the
 *   flag and the expectation; a refusal or confirmed conflict exits 1; success 0.
 * - A second test enumerates the dispatcher's verbs (the commander program of `cli/index.ts`) and hooks (the event
 *   table and the per-decision bundles of `hook/events.ts`) and fails when one has no `--help`, `-h` or
 *   unknown-flag row, or, when it takes a required argument, no missing-argument row.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, test } from 'vitest';
import { buildProgram } from '../packages/hooks/src/cli/index.js';
import { EVENT_NAMES, HOOK_BUNDLES } from '../packages/hooks/src/hook/events.js';
import { makeRepo, requireBuilt, runBinAsync, testEnv, tmp } from './helpers/bin.js';

/** One row: the argv after `arbiter`, the exit code, and fragments expected on stdout / stderr. */
interface Row {
  readonly argv: ReadonlyArray<string>;
  readonly code: 0 | 1 | 2;
  readonly out?: string;
  readonly err?: string;
  /** stdin (hooks get a payload that makes them write state if they run). */
  readonly input?: string;
  /** The state directory may be written (a refusal that logs its verdict); every other row must leave it empty. */
  readonly writes?: true;
}

const root = tmp('arbiter-usage-');
const repo = join(root, 'repo');
const PAYLOAD = JSON.stringify({
  session_id: 's-help',
  cwd: repo,
  hook_event_name: 'PreToolUse',
  tool_name: 'Bash',
  tool_input: { command: 'git push origin main' },
  last_assistant_message: 'I will deploy it now.',
});
const UNKNOWN = '--no-such-flag';

/** Usage of a verb as commander prints it (`Usage: arbiter lane halt [options]`). */
const usage = (...path: string[]): string => `Usage: arbiter ${path.join(' ')} [`;
/** The `--help` and `-h` rows of a verb, given the words before the flag. */
const helps = (path: ReadonlyArray<string>, extra: ReadonlyArray<string> = []): Row[] =>
  ['--help', '-h'].map((h) => ({ argv: [...path, ...extra, h], code: 0, out: usage(...path) }));
/** The unknown-flag row of a verb (its required arguments first, so the flag is what commander refuses). */
const unknownFlag = (path: ReadonlyArray<string>, args: ReadonlyArray<string> = []): Row => ({ argv: [...path, ...args, UNKNOWN], code: 2, err: `unknown option '${UNKNOWN}'` });
/**
 * The help rows of a hook: `--help` right after its name, and `-h` after the arguments a host passes (where the hook
 * would run); usage on stdout, exit 0, and a payload on stdin that the hook must not read.
 */
const hookHelps = (words: ReadonlyArray<string>, fragment: string, extra: ReadonlyArray<string> = ['--agent', 'claude']): Row[] => [
  { argv: ['hook', ...words, '--help'], code: 0, out: fragment, input: PAYLOAD },
  { argv: ['hook', ...words, '-h'], code: 0, out: fragment, input: PAYLOAD },
  { argv: ['hook', ...words, ...extra, '--help'], code: 0, out: fragment, input: PAYLOAD },
];

const REASON_201 = 'r'.repeat(201);
const SESSION_129 = 's'.repeat(129);

/** THE table. */
const ROWS: ReadonlyArray<Row> = [
  // the program itself
  { argv: ['--help'], code: 0, out: 'Usage: arbiter [options] [command]' },
  { argv: ['-h'], code: 0, out: 'Usage: arbiter [options] [command]' },
  { argv: ['help', 'lane'], code: 0, out: usage('lane') },
  { argv: ['--version'], code: 0, out: '0.1.0' },
  { argv: ['bogus'], code: 2, err: "unknown command 'bogus'" },
  { argv: [UNKNOWN], code: 2, err: `unknown option '${UNKNOWN}'` },

  // hooks: usage on stdout, exit 0, stdin never read, nothing written
  { argv: ['hook'], code: 0, out: 'usage: arbiter hook <event> --agent claude|codex', input: PAYLOAD },
  { argv: ['hook', '--help'], code: 0, out: 'Events: pre-tool, post-tool', input: PAYLOAD },
  { argv: ['hook', '-h'], code: 0, out: 'Events: pre-tool, post-tool', input: PAYLOAD },
  { argv: ['hook', 'help', 'stop'], code: 0, out: 'usage: arbiter hook stop --agent claude|codex', input: PAYLOAD },
  { argv: ['hook', 'bogus', '--help'], code: 0, out: 'usage: arbiter hook <event>', input: PAYLOAD },
  ...hookHelps(['pre-tool'], 'usage: arbiter hook pre-tool --agent claude|codex'),
  ...hookHelps(['post-tool'], 'usage: arbiter hook post-tool --agent claude|codex'),
  ...hookHelps(['post-tool-failure'], 'usage: arbiter hook post-tool-failure --agent claude'),
  ...hookHelps(['stop'], 'usage: arbiter hook stop --agent claude|codex'),
  ...hookHelps(['session-start'], 'usage: arbiter hook session-start --agent claude|codex'),
  ...hookHelps(['prompt'], 'usage: arbiter hook prompt --agent claude|codex'),
  ...hookHelps(['session-end'], 'usage: arbiter hook session-end --agent claude'),
  ...hookHelps(['notification'], 'usage: arbiter hook notification --agent claude'),
  ...hookHelps(['session-lock'], 'usage: arbiter hook session-lock acquire|refresh|release', ['acquire', '--agent', 'claude']),
  { argv: ['hook', 'session-lock', 'release', '--agent', 'codex', '-h'], code: 0, out: 'usage: arbiter hook session-lock', input: PAYLOAD },
  ...hookHelps(['gate-push'], 'usage: arbiter hook gate-push [--post]'),
  { argv: ['hook', 'gate-push', '--post', '--agent', 'codex', '-h'], code: 0, out: 'usage: arbiter hook gate-push [--post]', input: PAYLOAD },
  ...hookHelps(['context'], 'usage: arbiter hook context --agent claude|codex --event', ['--agent', 'claude', '--event', 'session-start']),
  ...hookHelps(['pre-push'], 'arbiter hook pre-push <remote> <url>', ['origin', 'https://example.invalid/r.git']),
  // a help flag taken as an option's value still asks for help (and runs nothing)
  { argv: ['hook', 'context', '--agent', 'claude', '--event', '--help'], code: 0, out: 'usage: arbiter hook context', input: PAYLOAD },
  { argv: ['hook', 'pre-tool', '--agent', '-h'], code: 0, out: 'usage: arbiter hook pre-tool', input: PAYLOAD },
  // after `--` it is an argument, and a mis-wired hook never fails on its command line (exit 0)
  { argv: ['hook', 'session-lock', 'acquire', '--agent', 'claude', '--', '--help'], code: 0, input: '{}', writes: true },
  { argv: ['hook', 'pre-tool', '--agent', 'claude', UNKNOWN], code: 0, input: '{"tool_name":"Read"}', writes: true },

  // table
  ...helps(['table']),
  unknownFlag(['table'], ['session-lock']),
  { argv: ['table'], code: 2, err: 'a policy is required; one of:' },
  { argv: ['table', 'nope'], code: 2, err: 'unknown policy "nope"' },
  { argv: ['table', 'session-lock', '--format', 'xml'], code: 2, err: 'Allowed choices are md, csv, json' },
  { argv: ['table', 'session-lock', '--out-dir'], code: 2, err: "option '--out-dir <dir>' argument missing" },

  // log
  ...helps(['log']),
  unknownFlag(['log']),
  { argv: ['log', '--limit', 'x'], code: 2, err: '--limit: expected a positive integer' },
  { argv: ['log', '--limit', '0'], code: 2, err: '--limit: expected a positive integer' },
  { argv: ['log', '--since', 'yesterday'], code: 2, err: '--since: expected a duration like 10m, 2h, 1d or an ISO-8601 instant, got yesterday' },

  // status
  ...helps(['status']),
  unknownFlag(['status']),
  { argv: ['status', '--interval', '500'], code: 2, err: '--interval needs --watch' },
  { argv: ['status', '--watch', '--interval', '99'], code: 2, err: '--interval: expected a whole number of milliseconds from 100 to 3600000' },
  { argv: ['status', '--watch', '--interval'], code: 2, err: "option '--interval <ms>' argument missing" },

  // lock
  ...helps(['lock']),
  ...helps(['lock', 'status']),
  unknownFlag(['lock', 'status']),
  { argv: ['lock', 'bogus'], code: 2, err: "unknown command 'bogus'" },
  { argv: ['lock', 'status', '--dir'], code: 2, err: "option '--dir <dir>' argument missing" },

  // breaker
  ...helps(['breaker']),
  ...helps(['breaker', 'status']),
  ...helps(['breaker', 'record']),
  ...helps(['breaker', 'can-assign']),
  ...helps(['breaker', 'reset']),
  unknownFlag(['breaker', 'status']),
  unknownFlag(['breaker', 'record'], ['--agent', 'a', '--outcome', 'failure']),
  unknownFlag(['breaker', 'can-assign'], ['--agent', 'a']),
  unknownFlag(['breaker', 'reset']),
  { argv: ['breaker', 'status', '--threshold', 'x'], code: 2, err: '--threshold: expected an integer ≥ 1' },
  { argv: ['breaker', 'status', '--threshold', '0'], code: 2, err: '--threshold: expected an integer ≥ 1' },
  { argv: ['breaker', 'record', '--agent', 'a'], code: 2, err: "required option '--outcome <outcome>' not specified" },
  { argv: ['breaker', 'record', '--agent', 'a', '--outcome', 'maybe'], code: 2, err: 'Allowed choices are failure, success, probe-released' },
  { argv: ['breaker', 'can-assign'], code: 2, err: "required option '--agent <agent>' not specified" },
  { argv: ['breaker', 'can-assign', '--agent', 'a', '--task', 'no spaces allowed'], code: 2, err: '--task: expected a task id' },
  { argv: ['breaker', 'can-assign', '--agent', 'x'.repeat(129)], code: 2, err: '--agent: expected an agent name (1-128 characters' },

  // build
  ...helps(['build']),
  ...['start', 'phase', 'done', 'fail', 'escalate', 'status'].flatMap((v) => helps(['build', v])),
  unknownFlag(['build', 'start'], ['--task', 't']),
  unknownFlag(['build', 'phase'], ['planning']),
  unknownFlag(['build', 'done']),
  unknownFlag(['build', 'fail']),
  unknownFlag(['build', 'escalate']),
  unknownFlag(['build', 'status']),
  { argv: ['build', 'phase'], code: 2, err: "missing required argument 'phase'" },
  // build-stop.md §3 logs these usage verdicts (reason cli-usage)
  { argv: ['build', 'start', '--size', 'huge', '--task', 't'], code: 2, err: '--size must be one of: small, standard, large', writes: true },
  { argv: ['build', 'start'], code: 2, err: '--task <text> is required and must not be blank', writes: true },
  { argv: ['build', 'phase', 'Bad'], code: 2, err: 'phase must match ^[a-z][a-z0-9-]{0,31}$', writes: true },
  { argv: ['build', 'done'], code: 1, err: 'No build', writes: true },

  // gate
  ...helps(['gate']),
  ...helps(['gate', 'status']),
  ...helps(['gate', 'mode']),
  ...helps(['gate', 'kill']),
  unknownFlag(['gate', 'status']),
  unknownFlag(['gate', 'mode'], ['off']),
  unknownFlag(['gate', 'kill'], ['off']),
  { argv: ['gate', 'mode'], code: 2, err: "missing required argument 'mode'" },
  { argv: ['gate', 'kill'], code: 2, err: "missing required argument 'state'" },
  { argv: ['gate', 'mode', 'loud'], code: 2, err: 'mode must be one of: off, shadow, enforce' },
  { argv: ['gate', 'kill', 'maybe'], code: 2, err: 'kill switch must be one of: on, off' },

  // classify
  ...helps(['classify']),
  ...helps(['classify', 'push']),
  ...helps(['classify', 'claim']),
  ...helps(['classify', 'df-source']),
  unknownFlag(['classify', 'push'], ['git', 'status']),
  unknownFlag(['classify', 'claim'], ['text']),
  unknownFlag(['classify', 'df-source'], ['/dev/sda1']),
  { argv: ['classify', 'push'], code: 2, err: "missing required argument 'command'" },
  { argv: ['classify', 'claim'], code: 2, err: "missing required argument 'text'" },
  { argv: ['classify', 'df-source'], code: 2, err: "missing required argument 'source'" },
  { argv: ['classify', 'df-source', 'tmpfs', '--fstype'], code: 2, err: "option '--fstype <type>' argument missing" },
  // after `--` a help flag is the text being classified
  { argv: ['classify', 'claim', '--', 'I will deploy it', '--help'], code: 0, out: '"claim":true' },

  // commitments
  ...helps(['commitments']),
  ...helps(['commitments', 'list']),
  ...helps(['commitments', 'done']),
  ...helps(['commitments', 'withdraw']),
  unknownFlag(['commitments', 'list']),
  unknownFlag(['commitments', 'done'], ['c1']),
  unknownFlag(['commitments', 'withdraw'], ['c1']),
  { argv: ['commitments', 'done'], code: 2, err: "missing required argument 'id'" },
  { argv: ['commitments', 'withdraw'], code: 2, err: "missing required argument 'id'" },
  { argv: ['commitments', 'done', 'c-none'], code: 1, err: 'c-none', writes: true },

  // demo, install, doctor
  ...helps(['demo']),
  unknownFlag(['demo']),
  ...helps(['install']),
  unknownFlag(['install']),
  { argv: ['install', '--user', '--git'], code: 2, err: '--git cannot be used with --user' },
  ...helps(['doctor']),
  unknownFlag(['doctor']),

  // scan, blast-radius, partitions
  ...helps(['scan']),
  ...helps(['scan', 'secrets']),
  unknownFlag(['scan', 'secrets'], ['README.md']),
  { argv: ['scan', 'secrets'], code: 2, err: "missing required argument 'paths'" },
  { argv: ['scan', 'secrets', 'README.md', '--allowlist', 'no-such.yml'], code: 2, err: '--allowlist: no such file' },
  ...helps(['blast-radius']),
  unknownFlag(['blast-radius']),
  ...helps(['partitions']),
  ...helps(['partitions', 'check']),
  unknownFlag(['partitions', 'check'], ['plan.json']),
  { argv: ['partitions', 'check'], code: 2, err: "missing required argument 'plan'" },
  { argv: ['partitions', 'check', 'no-such-plan.json'], code: 2, err: 'cannot read no-such-plan.json' },

  // deploy and lanes (push-gate.md §10 and push-gate.md §11): usage errors exit 2 before anything is read or written
  ...helps(['deploy']),
  ...helps(['deploy'], ['--lane', 'main', '--eta', '5']),
  unknownFlag(['deploy']),
  { argv: ['deploy', '--eta', 'abc'], code: 2, err: '--eta must be a whole number of minutes from 1 to 1440' },
  { argv: ['deploy', '--eta', '1441'], code: 2, err: '--eta must be a whole number of minutes from 1 to 1440' },
  { argv: ['deploy', '--lane'], code: 2, err: "option '--lane <name>' argument missing" },
  ...helps(['lane']),
  { argv: ['lane', 'bogus'], code: 2, err: "unknown command 'bogus'" },
  ...['status', 'claim', 'release', 'halt', 'unhalt'].flatMap((v) => helps(['lane', v])),
  unknownFlag(['lane', 'status']),
  unknownFlag(['lane', 'claim']),
  unknownFlag(['lane', 'release']),
  unknownFlag(['lane', 'halt'], ['--session', 's1', '--reason', 'r']),
  unknownFlag(['lane', 'unhalt'], ['--session', 's1']),
  { argv: ['lane', 'claim', 'main', '--eta', '0'], code: 2, err: '--eta must be a whole number of minutes from 1 to 1440' },
  { argv: ['lane', 'halt'], code: 2, err: "required option '--session <session>' not specified" },
  { argv: ['lane', 'halt', '--session', 's1'], code: 2, err: "required option '--reason <text>' not specified" },
  { argv: ['lane', 'unhalt'], code: 2, err: "required option '--session <session>' not specified" },
  { argv: ['lane', 'halt', '--session', 's1', '--reason', REASON_201], code: 2, err: 'invalid argument --reason: expected 1–200 characters' },
  { argv: ['lane', 'halt', '--session', 's1', '--reason', REASON_201], code: 2, err: 'got 201 characters.' },
  { argv: ['lane', 'halt', '--session', 's1', '--reason', '  '], code: 2, err: 'got 0 characters.' },

  // land (land.md §8 LU1): usage errors exit 2 before anything is read or written
  ...helps(['land']),
  ...helps(['land'], ['status']),
  ...helps(['land'], ['cancel']),
  unknownFlag(['land']),
  unknownFlag(['land'], ['status']),
  { argv: ['land', 'bogus'], code: 2, err: "unknown land action 'bogus' (expected status or cancel" },
  { argv: ['land', '--timeout', '0'], code: 2, err: '--timeout must be a whole number of minutes from 1 to 1440' },
  { argv: ['land', '--timeout', '1441'], code: 2, err: '--timeout must be a whole number of minutes from 1 to 1440' },
  { argv: ['land', '--strategy', 'squash'], code: 2, err: '--strategy must be rebase or merge' },
  { argv: ['land', '--ttl', '4'], code: 2, err: '--ttl must be a whole number of seconds from 5 to 3600' },
  { argv: ['land', '--onto', '-x'], code: 2, err: '--onto must be a branch or ref name' },
  { argv: ['land', '--remote', 'a b'], code: 2, err: '--remote must be a remote name or URL' },
  { argv: ['land', '--check', '  '], code: 2, err: '--check must not be blank' },
  { argv: ['land', 'status', '--check', 'true'], code: 2, err: 'land status takes only --onto and --remote' },
  { argv: ['land', '--check'], code: 2, err: "option '--check <command>' argument missing" },
  { argv: ['lane', 'halt', '--session', SESSION_129, '--reason', 'r'], code: 2, err: 'invalid argument --session: expected a session id of 1–128 characters' },
  { argv: ['lane', 'halt', '--session', 'a b', '--reason', 'r'], code: 2, err: 'got a character outside that set.' },
  { argv: ['lane', 'unhalt', '--session', 'a;b'], code: 2, err: 'invalid argument --session' },
  // help anywhere, even as the value of an option: the usage, and no halt placed
  { argv: ['lane', 'halt', '--session', 's1', '--reason', '--help'], code: 0, out: usage('lane', 'halt') },
  { argv: ['lane', 'halt', '-h', '--session', 's1', '--reason', 'stop now'], code: 0, out: usage('lane', 'halt') },
  // fences (push-gate.md §11.1): a bad --fence is a usage error (PG.fenceArgError) before the store is opened
  ...['assert', 'heartbeat'].flatMap((v) => helps(['lane', v])),
  unknownFlag(['lane', 'assert'], ['deploy:refs/heads/main', '--fence', '1']),
  unknownFlag(['lane', 'heartbeat'], ['--fence', '1']),
  { argv: ['lane', 'assert', '--fence', '1'], code: 2, err: "missing required argument 'lane'" },
  { argv: ['lane', 'assert', 'deploy:refs/heads/main'], code: 2, err: "required option '--fence <n>' not specified" },
  { argv: ['lane', 'heartbeat'], code: 2, err: "required option '--fence <n>' not specified" },
  { argv: ['lane', 'assert', 'deploy:refs/heads/main', '--fence', 'x'], code: 2, err: 'invalid argument --fence: expected a whole number' },
  { argv: ['lane', 'heartbeat', '--fence', '-1'], code: 2, err: 'invalid argument --fence: expected a whole number' },
  // arbiter serve and its tokens (push-gate.md §5.7 SV1, SV2)
  ...helps(['serve']),
  unknownFlag(['serve']),
  ...helps(['token']),
  ...['create', 'list', 'revoke'].flatMap((v) => helps(['token', v])),
  unknownFlag(['token', 'create'], ['--member', 'ana@example.com']),
  unknownFlag(['token', 'list']),
  unknownFlag(['token', 'revoke'], ['0123456789abcdef']),
  { argv: ['token', 'create'], code: 2, err: "required option '--member <name>' not specified" },
  { argv: ['token', 'create', '--member', 'a b'], code: 2, err: '--member must be 1–128 characters' },
  { argv: ['token', 'revoke'], code: 2, err: "missing required argument 'id'" },
  // the PostgreSQL schema (push-gate.md §5.7 PS1)
  ...helps(['db']),
  ...helps(['db', 'migrate']),
  unknownFlag(['db', 'migrate']),
  { argv: ['db', 'migrate', '--store', 'mysql'], code: 2, err: 'unknown --store "mysql" (postgres or fs:DIR)' },
  { argv: ['db', 'migrate', '--url-env', 'ARBITER_USAGE_TEST_UNSET'], code: 2, err: 'ARBITER_USAGE_TEST_UNSET is not set' },
  // webhook notifications (docs/notify.md §7)
  ...helps(['notify']),
  ...helps(['notify', 'flush']),
  ...helps(['notify', 'test']),
  ...helps(['notify', 'status']),
  unknownFlag(['notify', 'flush']),
  unknownFlag(['notify', 'test']),
  unknownFlag(['notify', 'status']),
  { argv: ['notify', 'test', '--url', 'http://hooks.example.com/x'], code: 2, err: 'http is allowed only to a loopback host' },
  // publishing presence to a shared store (presence.md §10)
  ...helps(['presence']),
  ...helps(['presence', 'publish']),
  unknownFlag(['presence', 'publish'], ['--session', 's1']),
  { argv: ['presence', 'publish'], code: 2, err: "required option '--session <id>' not specified" },
  { argv: ['presence', 'publish', '--session', ''], code: 2, err: '--session must not be empty' },
  // removing forgotten sessions' records (presence.md §12)
  ...helps(['presence', 'prune']),
  unknownFlag(['presence', 'prune']),
  { argv: ['presence', 'prune', '--older-than', '0'], code: 2, err: '--older-than must be a whole number of days from 1 to 3650' },
];

/** Every command path of the verbs (commander), without the `hook` stub the dispatcher answers itself. */
type Cmd = ReturnType<typeof buildProgram>;
const verbPaths = (): Array<{ path: string[]; cmd: Cmd }> => {
  const out: Array<{ path: string[]; cmd: Cmd }> = [];
  const walk = (c: Cmd, path: string[]): void => {
    for (const sub of c.commands) {
      if (path.length === 0 && sub.name() === 'hook') continue;
      const p = [...path, sub.name()];
      out.push({ path: p, cmd: sub });
      walk(sub, p);
    }
  };
  walk(buildProgram(), []);
  return out;
};

/** True when `argv` starts with `prefix`. */
const startsWith = (argv: ReadonlyArray<string>, prefix: ReadonlyArray<string>): boolean => prefix.every((w, i) => argv[i] === w);

describe('usage and exit codes, from one table', () => {
  beforeAll(() => {
    requireBuilt();
    makeRepo(repo);
    mkdirSync(join(repo, '.arbiter'));
    writeFileSync(join(repo, '.arbiter', 'config.json'), JSON.stringify({ version: 1 }));
  });

  let n = 0;
  test.concurrent.each(ROWS.map((r) => [r.argv.join(' ').slice(0, 120), r] as const))('arbiter %s', async (_name, row) => {
    const state = join(root, `state-${n++}`);
    mkdirSync(state);
    const r = await runBinAsync(row.argv as string[], { input: row.input ?? '', env: testEnv(state, { NO_COLOR: '1' }), cwd: repo });
    expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toMatchObject({ code: row.code });
    if (row.out !== undefined) expect(r.stdout).toContain(row.out);
    if (row.err !== undefined) expect(r.stderr).toContain(row.err);
    if (row.code === 0 && row.out !== undefined && /usage/i.test(row.out)) expect(r.stderr).toBe('');
    if (row.writes !== true) expect(readdirSync(state)).toEqual([]); // ran nothing: no lock, lane, identity or log
  });

  it('every hook writes state when it runs on that payload without the help flag (so the empty-directory check can fail)', async () => {
    const controls: ReadonlyArray<ReadonlyArray<string>> = [
      ...EVENT_NAMES.map((e) => ['hook', e, '--agent', 'claude']),
      ['hook', 'session-lock', 'acquire', '--agent', 'claude'],
      ['hook', 'gate-push', '--agent', 'claude'],
      ['hook', 'context', '--agent', 'claude', '--event', 'session-start'],
      ['hook', 'pre-push', 'origin', 'https://example.invalid/r.git'],
    ];
    expect(new Set(controls.map((a) => a[1]))).toEqual(new Set([...EVENT_NAMES, ...Object.keys(HOOK_BUNDLES)]));
    for (const argv of controls) {
      expect(ROWS.some((r) => r.code === 0 && r.argv.length === argv.length + 1 && startsWith(r.argv, argv)), `a help row for ${argv.join(' ')}`).toBe(true);
      const state = join(root, `control-${argv.join('_').replace(/[^A-Za-z0-9_-]/g, '')}`);
      mkdirSync(state);
      const r = await runBinAsync(argv, { input: PAYLOAD, env: testEnv(state), cwd: repo });
      expect(r.code, argv.join(' ')).toBe(0);
      expect(readdirSync(state).length, `arbiter ${argv.join(' ')} wrote nothing`).toBeGreaterThan(0);
    }
  });

  it('every verb, sub-verb and hook of the dispatcher has its rows (a new one without --help cannot slip in)', () => {
    const has = (argv: ReadonlyArray<string>, code: number): boolean => ROWS.some((r) => r.code === code && r.argv.length === argv.length && startsWith(r.argv, argv));
    const missing: string[] = [];
    const paths = verbPaths();
    expect(paths.length).toBeGreaterThan(30);
    for (const { path, cmd } of paths) {
      for (const h of ['--help', '-h']) if (!has([...path, h], 0)) missing.push(`arbiter ${path.join(' ')} ${h}`);
      const leaf = cmd.commands.length === 0;
      if (leaf && !ROWS.some((r) => r.code === 2 && startsWith(r.argv, path) && r.argv.includes(UNKNOWN))) missing.push(`arbiter ${path.join(' ')} ${UNKNOWN}`);
      const required = cmd.registeredArguments.some((a) => a.required) || cmd.options.some((o) => o.mandatory);
      if (required && !ROWS.some((r) => r.code === 2 && startsWith(r.argv, path) && /missing required argument|not specified/.test(r.err ?? ''))) {
        missing.push(`arbiter ${path.join(' ')} (a missing required argument)`);
      }
    }
    for (const hook of new Set([...EVENT_NAMES, ...Object.keys(HOOK_BUNDLES)])) {
      for (const h of ['--help', '-h']) if (!has(['hook', hook, h], 0)) missing.push(`arbiter hook ${hook} ${h}`);
    }
    expect(missing).toEqual([]);
  });

  it('the table has no duplicate row', () => {
    const keys = ROWS.map((r) => JSON.stringify([r.argv, r.out ?? '', r.err ?? '']));
    expect(new Set(keys).size).toBe(keys.length);
  });
});
