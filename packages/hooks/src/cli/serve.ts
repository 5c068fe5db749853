/**
 * `arbiter serve` and `arbiter token create|list|revoke` (push-gate.md §5.7). The server itself is the separate bundle
 * `dist/serve.cjs` (fastify), loaded only here; the token verbs need no server.
 */
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { parseStoreOption, type StoreOption } from '../serve/store-option.js';

const die = (msg: string, code = 1): never => {
  process.stderr.write(`arbiter: ${msg}\n`);
  process.exit(code);
};

const storeOf = (s: string | undefined): StoreOption => parseStoreOption(s, process.cwd(), process.env) ?? die('--store must be "postgres" or "fs:DIR"', 2);

const positiveNumber = (s: string, max: number): number => {
  const n = Number(s);
  return Number.isFinite(n) && n > 0 && n <= max ? n : die(`expected a number in (0, ${max}], got ${JSON.stringify(s.slice(0, 40))}`, 2);
};

const STORE_HELP = 'postgres (URL from $ARBITER_DATABASE_URL) or fs:DIR (embedded store); default fs:<state dir>/serve';

/** Register `serve` and `token`. */
export const register = (program: Command): void => {
  program
    .command('serve')
    .description('serve deploy lanes over HTTP to clones on other machines (bearer tokens from `arbiter token`)')
    .option('--listen <host:port>', 'address to listen on', '127.0.0.1:7420')
    .option('--store <store>', STORE_HELP)
    .option('--lease-minutes <n>', 'lease of a claim without an ETA', '30')
    .option('--ui', 'also serve the read-only dashboard at /ui and its /v1 read routes (docs/dashboard.md)')
    .addOption(new Option('--clock-rate <n>', 'store clock rate (demos and tests, fs only)').default('1').hideHelp())
    .action(async (o: { listen: string; store?: string; leaseMinutes: string; clockRate: string; ui?: boolean }) => {
      const store = storeOf(o.store);
      const lease = positiveNumber(o.leaseMinutes, 1_440);
      if (!Number.isInteger(lease)) die('--lease-minutes must be an integer', 2);
      // A computed path keeps the bundler from inlining the server bundle into this one.
      const m = require(join(__dirname, 'serve.cjs')) as typeof import('../bin/serve.js');
      await m.main({ listen: o.listen, store, leaseMinutes: lease, clockRate: positiveNumber(o.clockRate, 100_000), ui: o.ui === true, cwd: process.cwd() });
    });
  const token = program.command('token').description('bearer tokens of `arbiter serve`: create, list, revoke');
  const open = async (s: string | undefined) => {
    const { openStoreOption } = await import('../serve/store-option.js');
    const r = await openStoreOption(storeOf(s), process.env);
    return typeof r === 'string' ? die(r) : r;
  };
  token
    .command('create')
    .description('mint a token for a member; printed once, alone on its line; only its hash is stored')
    .requiredOption('--member <name>', 'the member (the lane holder handle the server will use)')
    .option('--owner', 'may force-release lanes and lift halts placed by others (the same as --role owner)')
    .option('--role <role>', 'owner, member (default) or viewer (reads the dashboard and the session registry only, docs/dashboard.md)')
    .option('--store <store>', STORE_HELP)
    .action(async (o: { member: string; owner?: boolean; role?: string; store?: string }) => {
      const { MEMBER_RE, TOKEN_ROLES } = await import('../serve/tokens.js');
      if (!MEMBER_RE.test(o.member)) die('--member must be 1–128 characters of A-Z a-z 0-9 _ . @ + -', 2);
      const role = TOKEN_ROLES.find((r) => r === (o.role ?? (o.owner === true ? 'owner' : 'member'))) ?? die('--role must be owner, member or viewer', 2);
      if (o.owner === true && role !== 'owner') die('--owner and --role ' + role + ' disagree', 2);
      const s = await open(o.store);
      try {
        const t = await s.tokens.create(o.member, role);
        process.stderr.write(`arbiter: token ${t.id} for ${o.member}${role === 'member' ? '' : ` (${role})`} created; it is shown only now:\n`);
        process.stdout.write(`${t.token}\n`);
      } catch (e) {
        die(`cannot store the token: ${(e as Error).message.slice(0, 120)}`);
      } finally {
        await s.close();
      }
    });
  token
    .command('list')
    .description('list tokens (id, member, role, created, revoked); never the secrets')
    .option('--store <store>', STORE_HELP)
    .action(async (o: { store?: string }) => {
      const s = await open(o.store);
      try {
        for (const t of await s.tokens.list()) {
          process.stdout.write(`${t.id}  ${t.member}  ${t.role}  created ${t.created_at}${t.revoked_at === null ? '' : `  revoked ${t.revoked_at}`}\n`);
        }
      } finally {
        await s.close();
      }
    });
  token
    .command('revoke <id>')
    .description('revoke a token by id; the server refuses it from its next request on')
    .option('--store <store>', STORE_HELP)
    .action(async (id: string, o: { store?: string }) => {
      const s = await open(o.store);
      try {
        if (!(await s.tokens.revoke(id))) die(`no token with id ${JSON.stringify(id.slice(0, 40))}`);
        process.stdout.write(`arbiter: token ${id} revoked.\n`);
      } finally {
        await s.close();
      }
    });
};
