/** `arbiter log [--policy P] [--verdict V] [--since ISO] [--limit N] [--json] [--dir D]`: read the decision log. */
import { Command } from 'commander';
import { logDirFor, readDecisions } from '@arbiter/io-node';
import pc from 'picocolors';
import { die } from './util.js';

/** Register the `log` verb. */
export const register = (program: Command): void => {
  program
    .command('log')
    .description('print the decision log of this repository (or the per-user log outside a repository)')
    .option('--policy <policy>', 'only entries of this policy (e.g. session-lock)')
    .option('--verdict <verdict>', 'only entries with this verdict (e.g. Block)')
    .option('--since <iso>', 'only entries at or after this ISO-8601 instant')
    .option('--limit <n>', 'only the newest n entries')
    .option('--json', 'print raw NDJSON entries')
    .option('--dir <dir>', 'read this log directory instead')
    .action((o: { policy?: string; verdict?: string; since?: string; limit?: string; json?: boolean; dir?: string }) => {
      const since = o.since === undefined ? undefined : Date.parse(o.since);
      if (since !== undefined && !Number.isFinite(since)) die(`--since: not an ISO-8601 instant: ${o.since}`, 2);
      const limit = o.limit === undefined ? undefined : Number(o.limit);
      if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) die('--limit: expected a positive integer', 2);
      const dir = o.dir ?? logDirFor(process.cwd());
      const entries = readDecisions(dir, {
        ...(o.policy === undefined ? {} : { policy: o.policy }),
        ...(o.verdict === undefined ? {} : { verdict: o.verdict }),
        ...(since === undefined ? {} : { since }),
        ...(limit === undefined ? {} : { limit }),
      });
      for (const e of entries) {
        if (o.json === true) {
          process.stdout.write(JSON.stringify(e) + '\n');
          continue;
        }
        const v = e.verdict === 'Block' || e.verdict === 'Deny' ? pc.red(e.verdict) : e.verdict === 'Allow' ? pc.green(e.verdict) : pc.yellow(e.verdict);
        process.stdout.write(`${e.timestamp}  ${e.policy.padEnd(13)} ${e.mode.padEnd(12)} ${v.padEnd(10)} ${e.reasons.join(',')}\n`);
      }
      if (entries.length === 0 && o.json !== true) process.stderr.write(`no decisions logged in ${dir}\n`);
    });
};
