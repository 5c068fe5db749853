/**
 * `arbiter classify df-source '<source>' [--fstype T]`: print `local` or `not-local` (state-lock.md §4,
 * `stateLock.classifyDfSource`). Exit 0 either way: the verb classifies, it does not judge.
 *
 * This module only adds the `df-source` subcommand to a given `classify` command; `cli/classify.ts` (the action-claim
 * classifier's module) owns `classify` itself and calls {@link addDfSource} on it.
 */
import type { Command } from 'commander';
import { stateLock } from '@arbiter/kernel';

/**
 * Add `df-source <source> [--fstype T]` to `classify`. The source is df's first column (quote it: `//nas/share`,
 * `nas:/export`, `map auto_home`); `--fstype` is df's Type column when known. Prints exactly one line.
 */
export const addDfSource = (classify: Command): Command =>
  classify
    .command('df-source')
    .description('classify a df source (and optional file-system type) as local or not-local')
    .argument('<source>', "df's Filesystem column, e.g. /dev/sda1, nas:/export, //server/share, tmpfs")
    .option('--fstype <type>', "df's Type column, e.g. ext4, nfs4, fuse.sshfs")
    .action((source: string, o: { fstype?: string }) => {
      process.stdout.write(stateLock.classifyDfSource(source, o.fstype) + '\n');
    });
