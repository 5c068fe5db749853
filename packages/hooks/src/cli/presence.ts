/**
 * `arbiter presence publish --session ID [--quiet]` (presence.md §10): copy one session's local registry record to
 * the shared store the repository configures (`lanes.store` http or postgres). A hook starts it as a short detached
 * process when a publish is due (PR9); a person may run it to push a record at once.
 *
 * Exit codes: 0 published, nothing to publish, another publisher busy with it, or no shared store configured; 1 not
 * in a repository, an invalid configuration, or the shared store refused or could not be reached; 2 a usage error.
 */
import type { Command } from 'commander';
import { pushGate as PG } from '@arbiter/kernel';
import { openSharedPresenceStore, readRepoConfig, resolveRepo } from '@arbiter/io-node';
import { publishSession } from '../presence/publish.js';
import { die } from './util.js';

/** Register `presence`. */
export const register = (program: Command): void => {
  const p = program.command('presence').description('the session registry: publish a session to the shared store (normally started by the hooks)');
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
};
