/** `arbiter table [policy] [--format md|csv|json] [--write-docs [--out-dir D]]`: decision tables from the kernel. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command, Option } from 'commander';
import { tableToCsv, tableToJson, tableToMarkdown } from '@arbiter/kernel';
import { TABLES } from '../tables.js';
import { die } from './util.js';

const RENDER = { md: tableToMarkdown, csv: tableToCsv, json: tableToJson } as const;

/** Register the `table` verb. */
export const register = (program: Command): void => {
  program
    .command('table')
    .description('print the decision table generated from the kernel for a policy')
    .argument('[policy]', `one of: ${Object.keys(TABLES).join(', ')}`)
    .addOption(new Option('--format <format>', 'output format').choices(['md', 'csv', 'json']).default('md'))
    .option('--write-docs', 'write every table as Markdown into --out-dir')
    .option('--out-dir <dir>', 'directory for --write-docs', 'docs/tables')
    .action((policy: string | undefined, opts: { format: keyof typeof RENDER; writeDocs?: boolean; outDir: string }) => {
      if (opts.writeDocs === true) {
        const dir = resolve(opts.outDir);
        mkdirSync(dir, { recursive: true });
        for (const [name, gen] of Object.entries(TABLES)) {
          writeFileSync(join(dir, `${name}.md`), tableToMarkdown(gen()));
          process.stdout.write(`wrote ${join(opts.outDir, `${name}.md`)}\n`);
        }
        return;
      }
      if (policy === undefined) return die(`a policy is required; one of: ${Object.keys(TABLES).join(', ')}`, 2);
      const gen = TABLES[policy];
      if (gen === undefined) return die(`unknown policy "${policy}"; one of: ${Object.keys(TABLES).join(', ')}`, 2);
      process.stdout.write(RENDER[opts.format](gen()));
    });
};
