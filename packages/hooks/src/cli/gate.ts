/**
 * `arbiter gate status|mode|kill` (stop-gate.md §2): the stop gate's local mode (`off` by default, `shadow`,
 * `enforce`) and kill switch, persisted in `stop-gate.json` in the repository runtime directory (atomic replace
 * under the file mutex). Exit 0 on success, 2 on a bad value, 1 when the state cannot be written or the command
 * runs outside a repository.
 */
import { Command } from 'commander';
import { config, stopGate as SG } from '@arbiter/kernel';
import { fsStateFiles, guardRuntimeDir, readRepoConfig, resolveRepo } from '@arbiter/io-node';
import { recordDecision } from '../decision-record.js';
import { die } from './util.js';

const log = (verdict: string, facts: Record<string, unknown>): void =>
  recordDecision({ startDir: process.cwd(), env: process.env, policy: SG.POLICY, policyVersion: SG.POLICY_VERSION, mode: 'cli', facts, verdict, reasons: [verdict] });

const repoOrDie = () => {
  const repo = resolveRepo(process.cwd(), process.env);
  if (repo === null) return die('not inside a git repository: the stop gate state lives in the repository runtime directory', 1);
  return { repo, files: fsStateFiles(repo.runtimeDir) };
};

/** Write one field of the gate state; prints `{label}: {new} (was {prior})` or JSON. */
const setField = async (patch: (g: SG.GateState) => SG.GateState, show: (g: SG.GateState) => string, label: string, json: boolean): Promise<never> => {
  const { repo, files } = repoOrDie();
  // stop-gate.md §2: a writing command refuses with exit 1 when the state guard is disabled (the state-lock.md §9 warning is on stderr).
  const g = await guardRuntimeDir(repo.runtimeDir, { config: readRepoConfig(repo.topLevel) });
  if (!g.status.enabled) {
    await g.release();
    return die('the stop gate state was not changed: the state directory guard is disabled (see the warning above)', 1);
  }
  const r = await files.update<{ prior: SG.GateState | null; next: SG.GateState }>(SG.GATE_FILE, (cur) => {
    const prior = SG.readGateState(cur);
    const next = patch(prior ?? SG.GATE_DEFAULT);
    return { next: SG.encodeGateState(next, Date.now()), result: { prior, next } };
  })();
  await g.release();
  if (r._tag === 'Left') return die(`the stop gate state cannot be written (${r.left._tag}: ${r.left.detail})`, 1);
  const { prior, next } = r.right;
  const priorText = prior === null ? 'unreadable' : show(prior);
  log(`cli-${label.replace(/ /g, '-')}`, { value: show(next), prior: priorText });
  if (prior === null) process.stderr.write('arbiter: warning: the previous stop-gate.json could not be parsed and was replaced\n');
  process.stdout.write(
    json ? JSON.stringify({ [label === 'stop gate mode' ? 'mode' : 'killSwitch']: show(next), prior: priorText, changed: priorText !== show(next) }) + '\n' : `${label}: ${show(next)} (was ${priorText})\n`,
  );
  process.exit(0);
};

/** Register the `gate` verb. */
export const register = (program: Command): void => {
  const gate = program.command('gate').description('the stop gate: local mode (off | shadow | enforce) and kill switch (stop-gate.md)');

  gate
    .command('status')
    .description('show the mode, the kill switch and the authority')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }) => {
      const { repo, files } = repoOrDie();
      const cur = await files.read(SG.GATE_FILE)();
      const g = cur._tag === 'Right' ? SG.readGateState(cur.right) : null;
      const { settings, warnings } = config.stopGateSettings(readRepoConfig(repo.topLevel), process.env['ARBITER_AUTHORITY_TOKEN']);
      for (const w of warnings) process.stderr.write(`arbiter: ${w}\n`);
      const mode = g === null ? 'unreadable' : g.mode;
      const kill = g === null ? 'unreadable' : g.killSwitch ? 'on' : 'off';
      const authority = settings.authority?.baseUrl ?? 'none';
      process.stdout.write(
        o.json === true
          ? JSON.stringify({ mode, killSwitch: g === null ? null : g.killSwitch, authority: settings.authority?.baseUrl ?? null }) + '\n'
          : `stop gate: mode ${mode}, kill switch ${kill}, authority ${authority}\n`,
      );
      process.exit(0);
    });

  gate
    .command('mode')
    .description('set the mode: off (default), shadow (record only) or enforce (may block)')
    .argument('<mode>', 'off | shadow | enforce')
    .option('--json', 'print {mode, prior, changed}')
    .action(async (m: string, o: { json?: boolean }) => {
      if (m !== 'off' && m !== 'shadow' && m !== 'enforce') return die('mode must be one of: off, shadow, enforce', 2);
      return setField((g) => ({ ...g, mode: m }), (g) => g.mode, 'stop gate mode', o.json === true);
    });

  gate
    .command('kill')
    .description('turn the kill switch on (nothing in the stop gate runs) or off')
    .argument('<state>', 'on | off')
    .option('--json', 'print {killSwitch, prior, changed}')
    .action(async (v: string, o: { json?: boolean }) => {
      if (v !== 'on' && v !== 'off') return die('kill switch must be one of: on, off', 2);
      return setField((g) => ({ ...g, killSwitch: v === 'on' }), (g) => (g.killSwitch ? 'on' : 'off'), 'stop gate kill switch', o.json === true);
    });
};
