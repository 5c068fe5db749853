/**
 * `arbiter db migrate [--store postgres]` (push-gate.md §5.7 PS1–PS2): create or upgrade the PostgreSQL lane-store
 * schema. The URL comes only from the environment (`ARBITER_DATABASE_URL`, or the variable `--url-env` names); it
 * is never printed. Idempotent and safe to run twice at once. Hooks never run DDL, so this is the one way in.
 *
 * Exit codes: 0 = schema at the current version (printed), 1 = the database refused or is unreachable, 2 = usage.
 */
import { Command } from 'commander';
import { migrate, pgFailure } from '@arbiter/io-node';
import { die } from './util.js';

/** Register `arbiter db`. */
export const register = (program: Command): void => {
  const db = program.command('db').description('lane-store database: migrate the PostgreSQL schema');
  db.command('migrate')
    .description('create or upgrade the PostgreSQL lane-store schema (idempotent; URL from $ARBITER_DATABASE_URL)')
    .option('--store <kind>', 'lane store to migrate: postgres (fs:DIR needs no migration)', 'postgres')
    .option('--url-env <name>', 'environment variable holding the database URL', 'ARBITER_DATABASE_URL')
    .action(async (o: { store: string; urlEnv: string }) => {
      if (o.store.startsWith('fs:') || o.store === 'embedded') {
        process.stdout.write('arbiter: the embedded lane store needs no migration.\n');
        return;
      }
      if (o.store !== 'postgres') return die(`unknown --store ${JSON.stringify(o.store.slice(0, 40))} (postgres or fs:DIR)`, 2);
      const url = process.env[o.urlEnv];
      if (url === undefined || url === '') return die(`${o.urlEnv.slice(0, 128)} is not set: export the PostgreSQL URL there (never in .arbiter/config.json)`, 2);
      try {
        const r = await migrate(url);
        process.stdout.write(r.from === r.to ? `arbiter: lane-store schema already at version ${r.to}.\n` : `arbiter: lane-store schema migrated from version ${r.from} to ${r.to}.\n`);
      } catch (e) {
        const f = pgFailure(e);
        return die(`migration failed (${f.kind}: ${f.status}); nothing was changed.`, 1);
      }
    });
};
