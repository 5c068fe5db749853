/**
 * `arbiter log [--policy P] [--verdict V] [--session S] [--since 10m|2h|1d|ISO] [--limit N] [--json] [--dir D]`: read
 * the decision log, one row per decision (a verdict with the events its run audited; cli/log-view.ts).
 */
import { Command } from 'commander';
import { logDirFor, readDecisions } from '@arbiter/io-node';
import { paintFor } from './colour.js';
import { die } from './util.js';
import { groupRows, parseSince, rowJson, rowMatches, rowText, type LogFilter } from './log-view.js';

/** Register the `log` verb. */
export const register = (program: Command): void => {
  program
    .command('log')
    .description('print the decision log of this repository (or the per-user log outside a repository), one row per decision')
    .option('--policy <policy>', 'only decisions of this policy (e.g. session-lock), or that audited an event of it')
    .option('--verdict <verdict>', 'only decisions with this verdict or audited event, in any case (e.g. Block, allow-loud, stale-takeover)')
    .option('--session <id>', 'only decisions of this session id')
    .option('--since <when>', 'only decisions at or after this: a duration back from now (90s, 10m, 2h, 1d) or an ISO-8601 instant')
    .option('--limit <n>', 'only the newest n decisions')
    .option('--json', 'one JSON object per decision: the entry as written, with its audited events under "audits"')
    .option('--dir <dir>', 'read this log directory instead')
    .action((o: { policy?: string; verdict?: string; session?: string; since?: string; limit?: string; json?: boolean; dir?: string }) => {
      const since = o.since === undefined ? undefined : parseSince(o.since, Date.now());
      if (since === null) die(`--since: expected a duration like 10m, 2h, 1d or an ISO-8601 instant, got ${o.since}`, 2);
      const limit = o.limit === undefined ? undefined : Number(o.limit);
      if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) die('--limit: expected a positive integer', 2);
      const dir = o.dir ?? logDirFor(process.cwd());
      const filter: LogFilter = {
        ...(o.policy === undefined ? {} : { policy: o.policy }),
        ...(o.verdict === undefined ? {} : { verdict: o.verdict }),
        ...(o.session === undefined ? {} : { session: o.session }),
        ...(since === undefined || since === null ? {} : { since }),
      };
      const matching = groupRows(readDecisions(dir)).filter((r) => rowMatches(r, filter));
      const rows = limit === undefined ? matching : matching.slice(-limit);
      const pc = paintFor(process.stdout);
      const paint = (v: string, shown: string): string => (v === 'Block' || v === 'Deny' ? pc.red(shown) : v === 'Allow' ? pc.green(shown) : pc.yellow(shown));
      for (const r of rows) process.stdout.write((o.json === true ? JSON.stringify(rowJson(r)) : rowText(r, paint)) + '\n');
      if (rows.length === 0 && o.json !== true) process.stderr.write(`no decisions logged in ${dir}\n`);
    });
};
