/**
 * `arbiter breaker status|record|can-assign|reset`: the circuit breaker (breaker.md) for shell-based
 * runners and CI. The book is the per-repository runtime state `<git common dir>/arbiter/breaker/` (or
 * `$ARBITER_STATE_DIR/repos/<key>/breaker/`), else `<per-user state dir>/breaker/` outside a repository; `--dir`
 * overrides. Every change is a compare-and-set on the book's generation, so concurrent runners never lose an update.
 *
 * Exit codes (die-loud verbs): 0 = done / may assign the requested agent; 3 = `can-assign` refused; 4 = `can-assign`
 * says route to the fallback agent (printed); 1 = error (unreadable book, store failure, bad configuration);
 * 2 = usage error.
 */
import { Command, Option } from 'commander';
import * as E from 'fp-ts/lib/Either.js';
import { breaker } from '@arbiter/kernel';
import { breakerDirFor, findTopLevel, fsBreakerStore, readRepoConfig, updateBook } from '@arbiter/io-node';
import { recordDecision } from '../decision-record.js';
import { die } from './util.js';
import { requireWritableRuntime } from '../state-lock-guard.js';

/** Exit code of `can-assign` when the breaker refuses. */
export const EXIT_REFUSED = 3;
/** Exit code of `can-assign` when the task must go to the fallback agent. */
export const EXIT_ROUTE = 4;

interface CommonOpts {
  readonly dir?: string;
  readonly json?: boolean;
  readonly threshold?: string;
  readonly cooldownMs?: string;
  readonly probeLeaseMs?: string;
  readonly fallback?: string;
}

const intOpt = (name: string, v: string | undefined, min: number): number | undefined => {
  if (v === undefined) return undefined;
  if (!/^[0-9]{1,15}$/.test(v) || Number(v) < min) return die(`${name}: expected an integer ≥ ${min}`, 2);
  return Number(v);
};

/**
 * The breaker configuration: `.arbiter/config.json` key `breaker` (snake_case, convoy.md §7 `circuit_breaker`), defaults
 * when absent, then command-line overrides. An invalid configuration is an error (exit 1), never ignored.
 */
const resolveConfig = (o: CommonOpts): breaker.BreakerConfig => {
  const top = findTopLevel(process.cwd());
  let base = breaker.DEFAULT_CONFIG;
  if (top !== null) {
    const c = readRepoConfig(top);
    if (c._tag === 'Invalid') return die(`invalid .arbiter/config.json: ${c.detail}`, 1);
    if (c._tag === 'Configured' && c.config.breaker !== undefined) {
      const d = breaker.BreakerConfigCodec.decode(c.config.breaker);
      if (E.isLeft(d)) return die('invalid .arbiter/config.json: breaker: expected {threshold ≥ 1, cooldown_ms ≥ 0, probe_lease_ms ≥ 1, fallback_agent}', 1);
      base = d.right;
    }
  }
  const fallback = o.fallback === undefined ? undefined : fallbackArg(o.fallback);
  return {
    threshold: intOpt('--threshold', o.threshold, 1) ?? base.threshold,
    cooldownMs: intOpt('--cooldown-ms', o.cooldownMs, 0) ?? base.cooldownMs,
    probeLeaseMs: intOpt('--probe-lease-ms', o.probeLeaseMs, 1) ?? base.probeLeaseMs,
    fallbackAgent: fallback ?? base.fallbackAgent,
  };
};

const agentArg = (a: string): string => {
  if (a.length < 1 || a.length > 128 || /[\u0000-\u001f\u007f-\u009f]/.test(a)) return die('--agent: expected an agent name (1-128 characters, no control characters)', 2);
  return a;
};

const taskArg = (t: string): string => (/^[A-Za-z0-9._-]{1,128}$/.test(t) ? t : die('--task: expected a task id ([A-Za-z0-9._-], 1-128 characters)', 2));

const fallbackArg = (f: string): string =>
  f.length < 1 || f.length > 128 || /[\u0000-\u001f\u007f-\u009f]/.test(f) ? die('--fallback: expected an agent name (1-128 characters, no control characters)', 2) : f;

/**
 * Every argument's syntax, checked before the action runs (commander `preAction`): a usage error exits 2 before any
 * state is read or written, on every subcommand, including options a subcommand accepts but does not use.
 */
const checkArgs = (o: CommonOpts & { readonly agent?: string; readonly task?: string }): void => {
  intOpt('--threshold', o.threshold, 1);
  intOpt('--cooldown-ms', o.cooldownMs, 0);
  intOpt('--probe-lease-ms', o.probeLeaseMs, 1);
  if (o.fallback !== undefined) fallbackArg(o.fallback);
  if (o.agent !== undefined) agentArg(o.agent);
  if (o.task !== undefined) taskArg(o.task);
};

const storeFor = (o: CommonOpts) => fsBreakerStore(o.dir ?? breakerDirFor(process.cwd()));

const explainError = (e: import('@arbiter/io-node').UpdateBookError): string => {
  switch (e._tag) {
    case 'BookUnreadable':
      return `the breaker book is unreadable (${e.detail}); dispatch must stop until an operator runs \`arbiter breaker reset\` (breaker-book-unreadable)`;
    case 'BreakerStoreFailure':
      return `breaker store failure: ${e.detail}`;
    case 'CasExhausted':
      return `could not update the breaker book after ${e.attempts} attempts (too much contention)`;
  }
};

const log = (verdict: string, reasons: ReadonlyArray<string>, facts: Record<string, unknown>): void =>
  recordDecision({ startDir: process.cwd(), env: process.env, policy: breaker.POLICY, policyVersion: breaker.POLICY_VERSION, mode: 'cli', facts, verdict, reasons });

const common = (c: Command): Command =>
  c
    .option('--dir <dir>', 'breaker book directory (default: this repository\'s runtime state, else the per-user state)')
    .option('--json', 'print JSON')
    .option('--threshold <n>', 'override breaker.threshold (consecutive exhausted failures)')
    .option('--cooldown-ms <ms>', 'override breaker.cooldown_ms')
    .option('--probe-lease-ms <ms>', 'override breaker.probe_lease_ms')
    .option('--fallback <agent>', 'override breaker.fallback_agent')
    .hook('preAction', (_c, action) => checkArgs(action.opts()));

const EXIT_HELP = `
Exit codes:
  0  done; for can-assign: assign the requested agent
  3  can-assign: refused (the output says defer or skip, and when to retry)
  4  can-assign: route the task to the fallback agent (its name is printed)
  1  error: unreadable book (run \`arbiter breaker reset\`), store failure, invalid configuration
  2  usage error`;

/** Register the `breaker` verb and its subcommands. */
export const register = (program: Command): void => {
  const cmd = program
    .command('breaker')
    .description('per-agent circuit breaker for convoy runners: status, record outcomes, admission, reset')
    .addHelpText('after', EXIT_HELP);

  common(cmd.command('status'))
    .description('print every agent\'s breaker state (or one agent\'s with --agent)')
    .option('--agent <agent>', 'only this agent')
    .addHelpText('after', EXIT_HELP)
    .action(async (o: CommonOpts & { agent?: string }) => {
      const snap = await storeFor(o).read()();
      if (E.isLeft(snap)) return die(`breaker store failure: ${snap.left.detail}`, 1);
      const r = breaker.restoreBook(snap.right.raw, Date.now());
      if (E.isLeft(r)) return die(explainError(r.left), 1);
      const book = r.right.book;
      const agents = o.agent !== undefined ? [agentArg(o.agent)] : Object.keys(book).sort();
      if (o.json === true) {
        const out: Record<string, unknown> = {};
        for (const a of agents) Object.defineProperty(out, a, { value: breaker.entryCodec.encode(breaker.stateOf(book, a)), enumerable: true });
        process.stdout.write(JSON.stringify({ generation: snap.right.generation, agents: out, quarantined: r.right.quarantined }) + '\n');
        return;
      }
      if (agents.length === 0) process.stdout.write('no agent has a breaker entry (every agent is closed)\n');
      for (const a of agents) process.stdout.write(`${JSON.stringify(a)}: ${breaker.describeState(breaker.stateOf(book, a))}${r.right.quarantined.includes(a) ? ' [quarantined: invalid entry]' : ''}\n`);
    });

  common(cmd.command('record'))
    .description('record an outcome of a task run by an agent (failure = an exhausted failure, retry.md §6)')
    .requiredOption('--agent <agent>', 'the agent that ran the attempt')
    .addOption(new Option('--outcome <outcome>', 'what happened').choices(['failure', 'success', 'probe-released']).makeOptionMandatory())
    .option('--task <id>', 'the task id (identifies the probe holder)', 'cli')
    .addHelpText('after', EXIT_HELP)
    .action(async (o: CommonOpts & { agent: string; outcome: 'failure' | 'success' | 'probe-released'; task: string }) => {
      await requireWritableRuntime(process.cwd(), process.env); // state-lock.md §8
      const agent = agentArg(o.agent);
      const taskId = taskArg(o.task);
      const cfg = resolveConfig(o);
      const now = Date.now();
      const event: breaker.BreakerEvent =
        o.outcome === 'failure' ? { _tag: 'Failure', taskId } : o.outcome === 'success' ? { _tag: 'Success', taskId } : { _tag: 'ProbeReleased', taskId };
      const r = await updateBook(storeFor(o), now, (book) => {
        const before = breaker.stateOf(book, agent);
        const t = breaker.transition(cfg, before, event, now);
        return { book: t.state === before ? book : { ...book, [agent]: t.state }, value: t };
      });
      if (E.isLeft(r)) return die(explainError(r.left), 1);
      const t = r.right.value;
      log(t.code, [t.code], { agent, task: taskId, outcome: o.outcome });
      if (o.json === true) process.stdout.write(JSON.stringify({ agent, code: t.code, state: breaker.entryCodec.encode(t.state), generation: r.right.generation }) + '\n');
      else process.stdout.write(`${t.code}: ${JSON.stringify(agent)} is now ${breaker.describeState(t.state)}\n`);
    });

  common(cmd.command('can-assign'))
    .description('may this task go to this agent now? Takes the probe lease when it admits a probe (persisted)')
    .requiredOption('--agent <agent>', 'the agent the task asks for')
    .option('--task <id>', 'the task id (identifies the probe holder)', 'cli')
    .addHelpText('after', EXIT_HELP)
    .action(async (o: CommonOpts & { agent: string; task: string }) => {
      await requireWritableRuntime(process.cwd(), process.env); // state-lock.md §8
      const agent = agentArg(o.agent);
      const taskId = taskArg(o.task);
      const cfg = resolveConfig(o);
      const now = Date.now();
      const r = await updateBook(storeFor(o), now, (book) => {
        const v = breaker.assign(cfg, book, { taskId, agent }, now);
        return { book: v.book, value: v };
      });
      if (E.isLeft(r)) {
        log('Refuse', ['breaker-book-unreadable'], { agent, task: taskId });
        return die(explainError(r.left), 1);
      }
      const v = r.right.value;
      log(v._tag, v.reasons, { agent, task: taskId });
      if (o.json === true) {
        const { book: _b, effects: _e, ...rest } = v;
        process.stdout.write(JSON.stringify(rest) + '\n');
      } else if (v._tag === 'Assign') {
        process.stdout.write(`assign ${JSON.stringify(agent)} (${v.reason})\n`);
      } else if (v._tag === 'RouteToFallback') {
        process.stdout.write(`route to ${v.to}\n${JSON.stringify(agent)} is barred (${v.primaryReason}); the task goes to the fallback agent ${JSON.stringify(v.to)} (${v.reason})\n`);
      } else {
        const a: breaker.Admission = { allowed: false, reason: v.reason, state: breaker.stateOf(v.book, agent), retryAfterMs: v.retryAfterMs };
        process.stdout.write(`refuse ${v.disposition} (${v.reason}, retry after ${v.retryAfterMs} ms)\n${breaker.admissionMessage(agent, a)}\n`);
      }
      if (v._tag === 'Refuse') process.exit(EXIT_REFUSED);
      if (v._tag === 'RouteToFallback') process.exit(EXIT_ROUTE);
    });

  common(cmd.command('reset'))
    .description('write an empty book (every agent closed), or drop one agent\'s entry with --agent; clears an unreadable book')
    .option('--agent <agent>', 'only this agent (needs a readable book)')
    .addHelpText('after', EXIT_HELP)
    .action(async (o: CommonOpts & { agent?: string }) => {
      await requireWritableRuntime(process.cwd(), process.env); // state-lock.md §8
      const store = storeFor(o);
      if (o.agent !== undefined) {
        const agent = agentArg(o.agent);
        const r = await updateBook(store, Date.now(), (book) => {
          if (!Object.prototype.hasOwnProperty.call(book, agent)) return { book, value: null };
          const next: Record<string, breaker.BreakerState> = {};
          for (const k of Object.keys(book)) if (k !== agent) Object.defineProperty(next, k, { value: book[k], enumerable: true, writable: true, configurable: true });
          return { book: next, value: null };
        });
        if (E.isLeft(r)) return die(explainError(r.left), 1);
        log('Reset', ['breaker-reset'], { agent });
        process.stdout.write(`reset ${JSON.stringify(agent)}: closed\n`);
        return;
      }
      // The operator's explicit reset: an empty book over whatever is there, still as a compare-and-set.
      for (let i = 0; i < 50; i++) {
        const snap = await store.read()();
        if (E.isLeft(snap)) return die(`breaker store failure: ${snap.left.detail}`, 1);
        const c = await store.commit(snap.right.generation, breaker.EMPTY_BOOK)();
        if (E.isLeft(c)) return die(`breaker store failure: ${c.left.detail}`, 1);
        if (c.right._tag === 'Committed') {
          log('Reset', ['breaker-reset'], { agent: '*' });
          process.stdout.write('reset: empty breaker book written (every agent closed)\n');
          return;
        }
      }
      return die('could not reset the breaker book (too much contention)', 1);
    });
};
