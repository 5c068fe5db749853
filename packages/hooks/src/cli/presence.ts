/**
 * `arbiter presence publish --session ID [--quiet]` (presence.md §10): copy one session's local registry record to
 * the shared store the repository configures (`lanes.store` http or postgres). A hook starts it as a short detached
 * process when a publish is due (PR9); a person may run it to push a record at once.
 * Exit codes: 0 published, nothing to publish, another publisher busy with it, or no shared store configured; 1 not
 * in a repository, an invalid configuration, or the shared store refused or could not be reached; 2 a usage error.
 *
 * `arbiter presence prune [--older-than DAYS] [--dry-run]` (presence.md §12): remove the local registry records of
 * sessions silent for DAYS days or more (default 7, the PR11 age at which the status view stops showing them).
 * Exit codes: 0 done (also when nothing was old enough); 1 not in a repository, the runtime directory held by another
 * host, or a file that could not be listed or removed; 2 a usage error.
 */
import type { Command } from 'commander';
import { DAY_MS, PRESENCE_FORGET_AFTER_DAYS, pushGate as PG, showWord } from '@arbiter/kernel';
import { foreignHeld, openSharedPresenceStore, prunePresenceSync, readRepoConfig, resolveRepo } from '@arbiter/io-node';
import { publishSession } from '../presence/publish.js';
import { die } from './util.js';

/** Register `presence`. */
export const register = (program: Command): void => {
  const p = program.command('presence').description('the session registry: publish a session to the shared store (normally started by the hooks), prune forgotten sessions');
  p.command('publish')
    .description("copy a session's local registry record to the shared lane store (lanes.store http or postgres)")
    .requiredOption('--session <id>', 'the session id whose record to publish')
    .option('--quiet', 'print nothing on success')
    .action(async (o: { session: string; quiet?: boolean }) => {
      if (o.session === '') die('presence publish: --session must not be empty.', 2);
      const repo = resolveRepo(process.cwd(), process.env);
      if (repo === null) return die('presence publish: not inside a git repository.');
      const conf = readRepoConfig(repo.topLevel);
      if (conf._tag === 'Invalid') return die(`presence publish: the configuration is invalid (${conf.detail}).`);
      const store = openSharedPresenceStore(PG.settingsOf(conf).store, process.env);
      if (store === null) {
        if (o.quiet !== true) process.stdout.write('arbiter: presence: no shared store is configured (lanes.store is embedded); nothing to publish.\n');
        return process.exit(0);
      }
      const r = await publishSession(repo.runtimeDir, o.session, store);
      await store.close().catch(() => undefined);
      if (r._tag === 'Failed') {
        process.stderr.write(`arbiter: presence: the shared store did not take the record (${r.failure.kind}: ${r.failure.detail}).\n`);
        return process.exit(1);
      }
      if (o.quiet !== true)
        process.stdout.write(r._tag === 'Busy' ? 'arbiter: presence: another publisher is sending this session; it sends the newest record.\n' : `arbiter: presence: ${r.sent} event(s) published.\n`);
      return process.exit(0);
    });
  p.command('prune')
    .description('remove the local registry records of sessions silent for a number of days (default 7: the age at which arbiter status stops showing them)')
    .option('--older-than <days>', 'remove sessions whose last event is at least this many days old (a whole number, 1 to 3650)', String(PRESENCE_FORGET_AFTER_DAYS))
    .option('--dry-run', 'list what would be removed, remove nothing')
    .action((o: { olderThan: string; dryRun?: boolean }) => {
      const days = /^[0-9]{1,4}$/.test(o.olderThan) ? Number(o.olderThan) : NaN;
      if (!(days >= 1 && days <= 3650)) die(`presence prune: --older-than must be a whole number of days from 1 to 3650 (got ${JSON.stringify(o.olderThan)}).`, 2);
      const repo = resolveRepo(process.cwd(), process.env);
      if (repo === null) return die('presence prune: not inside a git repository.');
      // state-lock.md §8: a runtime directory another host holds is written by nobody here
      if (foreignHeld(repo.runtimeDir)) return die("presence prune: the runtime directory is held by another host (host.lock); prune from that host.");
      const r = prunePresenceSync(repo.runtimeDir, Date.now(), days * DAY_MS, o.dryRun === true);
      if (r._tag === 'Failed') return die(`presence prune: ${r.failure.detail}.`);
      const verb = o.dryRun === true ? 'would remove' : 'removed';
      const lines = [
        `arbiter: presence: ${verb} ${r.removed.length} record(s) of sessions silent for ${days} day(s) or more; ${r.kept} kept${r.problems === 0 ? '' : `, ${r.problems} problem record(s) left as they are`}.`,
        ...r.removed.map((x) => `  ${showWord(x.session)}  last seen ${new Date(x.lastEventAt).toISOString()}`),
      ];
      process.stdout.write(lines.join('\n') + '\n');
      return process.exit(0);
    });
};
