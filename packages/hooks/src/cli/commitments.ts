/**
 * `arbiter commitments list|done|withdraw` (action-claim.md §6). Exit codes: 0 success, 1 refusal (unknown id, not
 * open, store unreadable or not written, not in a repository), 2 usage error. Every verdict goes to the decision
 * log under policy `action-claim` (reasons `cli-listed`, `cli-not-found`, `cli-not-open`, `cli-delivered`,
 * `cli-withdrawn`).
 */
import { Command } from 'commander';
import { actionClaim as AC } from '@arbiter/kernel';
import { applyCommitmentEffects } from '@arbiter/io-node';
import { commitmentsContext, logCommitmentDecision, type CommitmentsContext } from '../hook/commitments-io.js';
import { recordDecision } from '../decision-record.js';
import { requireWritableRuntime } from '../state-lock-guard.js';
import { die } from './util.js';

const context = (): CommitmentsContext => {
  let ctx: CommitmentsContext | null = null;
  try {
    ctx = commitmentsContext(process.cwd(), process.env);
  } catch (e) {
    die(`cannot resolve the repository: ${e instanceof Error ? e.message : 'unknown error'}`, 1);
  }
  if (ctx === null) return die('not inside a git repository (commitments are kept per repository)', 1);
  return ctx;
};

const readAll = async (ctx: CommitmentsContext): Promise<ReadonlyArray<AC.Commitment>> => {
  const r = await ctx.store.read()();
  if (r._tag === 'Left') {
    return die(
      r.left._tag === 'Corrupt'
        ? `the commitment store is corrupt (generation ${r.left.generation}: ${r.left.detail}); nothing was changed`
        : `the commitment store cannot be read (${r.left.detail})`,
      1,
    );
  }
  return r.right.commitments;
};

const close = async (action: 'done' | 'withdraw', id: string, text: string | undefined): Promise<void> => {
  const ctx = context();
  // state-lock.md §8 rule 4: a writing verb refuses with exit 1 while the runtime directory's guard is disabled.
  const guard = await requireWritableRuntime(ctx.startDir, process.env);
  try {
    await closeGuarded(ctx, action, id, text);
  } finally {
    await guard?.release();
  }
};

const closeGuarded = async (ctx: CommitmentsContext, action: 'done' | 'withdraw', id: string, text: string | undefined): Promise<void> => {
  const now = Date.now();
  const records = await readAll(ctx);
  const d = AC.decideCliClose(records, action, id, text ?? null, now);
  const v = d.outcome;
  if (v._tag !== 'Closed') {
    logCommitmentDecision(ctx.startDir, process.env, 'cli', AC.POLICY, v, { id: AC.safeId(id), action }, d.effects, null);
    return die(v.message, 1);
  }
  const applied = await applyCommitmentEffects(ctx.store, d.effects.filter((e) => e._tag !== 'Audit'), now);
  logCommitmentDecision(ctx.startDir, process.env, 'cli', AC.POLICY, v, { id: v.id, action }, d.effects, applied);
  if (applied._tag === 'Failed') return die(`the commitment store was not written (${applied.error._tag}); nothing changed`, 1);
  if (applied._tag === 'Unchanged') {
    // Closed by someone else between our read and our write: report what the store now says.
    const again = (await readAll(ctx)).find((c) => c.id === v.id);
    return die(AC.notOpenMessage(v.id, again === undefined ? 'expired' : AC.effectiveStatus(again, now)), 1);
  }
  process.stdout.write(`${v.message}\n`);
};

/** Register `arbiter commitments`. */
export const register = (program: Command): void => {
  const cmd = program.command('commitments').description('open promises agents made in this repository (action claims) and their follow-through');
  cmd
    .command('list')
    .description('list active commitments of every session, newest first')
    .option('--session <id>', 'only this agent session')
    .option('--all', 'include delivered, withdrawn and expired records')
    .option('--json', 'print the records as JSON (with effectiveStatus)')
    .action(async (o: { session?: string; all?: boolean; json?: boolean }) => {
      const ctx = context();
      const now = Date.now();
      const rows = AC.selectForList(await readAll(ctx), { session: o.session, all: o.all === true }, now);
      recordDecision({ startDir: ctx.startDir, env: process.env, policy: AC.POLICY, policyVersion: AC.POLICY_VERSION, mode: 'cli', verdict: 'Listed', reasons: ['cli-listed'], facts: { count: rows.length, all: o.all === true } });
      if (o.json === true) {
        const out = rows.map((c) => ({ ...AC.CommitmentCodec.encode(c), effectiveStatus: AC.effectiveStatus(c, now) }));
        process.stdout.write(JSON.stringify(out, null, 2) + '\n');
        return;
      }
      if (rows.length === 0) {
        process.stdout.write(`${AC.LIST_EMPTY}\n`);
        return;
      }
      for (const c of rows) process.stdout.write(`${AC.listLine(c, now)}\n`);
    });
  cmd
    .command('done <id>')
    .description('mark an open commitment delivered (manual evidence)')
    .option('--note <text>', 'what was done')
    .action(async (id: string, o: { note?: string }) => close('done', id, o.note));
  cmd
    .command('withdraw <id>')
    .description('withdraw an open commitment')
    .option('--reason <text>', 'why it no longer applies')
    .action(async (id: string, o: { reason?: string }) => close('withdraw', id, o.reason));
};
