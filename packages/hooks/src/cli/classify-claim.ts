/**
 * `arbiter classify claim -- '<text>'` (issue 4): print the action-claim classification of a text as one JSON line
 * `{"claim":false}` or `{"claim":true,"lemma":…,"span":…}` (action-claim.md §2). The words after `--` are joined with
 * single spaces. Exit 0; a missing text is a usage error (exit 2).
 */
import { Command } from 'commander';
import { actionClaim as AC } from '@arbiter/kernel';

/** Pure core: the JSON line printed for `words`. */
export const classifyClaimLine = (words: ReadonlyArray<string>): string => JSON.stringify(AC.classifyActionClaim(words.join(' '))) + '\n';

/** Add the `claim` subcommand to the given `classify` command. */
export const addClaimSubcommand = (classify: Command): void => {
  classify
    .command('claim')
    .description("classify an assistant message as an action claim: arbiter classify claim -- '<text>'")
    .argument('<text...>', 'the message text (quote it; words are joined with spaces)')
    .action((words: string[]) => {
      process.stdout.write(classifyClaimLine(words));
    });
};

/** A standalone `classify` command holding only `claim` (tests; the lead wires `addClaimSubcommand` into `cli/classify.ts`). */
export const classifyClaimProgram = (): Command => {
  const c = new Command('classify').exitOverride();
  addClaimSubcommand(c);
  return c;
};
