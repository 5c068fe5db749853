/**
 * Bundle entry `dist/serve.cjs`: `arbiter serve` (push-gate.md §5.7), loaded by the `serve` verb only, so that
 * fastify and its dependencies never reach a hook's or another verb's start-up.
 */
import { join } from 'node:path';
import { logDirFor, readDecisions, resolveRepo } from '@arbiter/io-node';
import { openStoreOption, type StoreOption } from '../serve/store-option.js';
import { buildServer, parseListen } from '../serve/server.js';
import { laneSnapshot, servedLanes } from '../serve/lane-snapshot.js';
import { presenceRegistrySource } from '../serve/presence-registry.js';
import { collectStatus } from '../status/collect.js';
import { fsRegistrySource, nodeStatusSources, sharedRegistrySource } from '../status/node-sources.js';

/** Options of {@link main} (already parsed by the verb). */
export interface ServeMainOptions {
  readonly listen: string;
  readonly store: StoreOption;
  readonly leaseMinutes: number;
  /** Store clock rate for demos and tests (fs only): 60 makes a one-minute lease last one second. */
  readonly clockRate: number;
  /** Serve the dashboard too (`--ui`, dashboard.md): its decision log is the one of the repository at `cwd`. */
  readonly ui?: boolean;
  readonly cwd?: string;
}

const die = (msg: string): never => {
  process.stderr.write(`arbiter serve: ${msg}\n`);
  process.exit(1);
};

/**
 * Open the store, listen, print `arbiter serve: listening on <url> (store <label>)` on stderr, write one access-log
 * line per request on stdout, and on SIGTERM or SIGINT stop accepting, let in-flight requests finish, then exit 0.
 * Exits 1 with a message when the address or the store cannot be used.
 */
export const main = async (o: ServeMainOptions): Promise<void> => {
  const where = parseListen(o.listen);
  if (where === null) return die(`--listen must be host:port (got ${JSON.stringify(o.listen.slice(0, 80))})`);
  if (o.clockRate !== 1 && o.store.kind !== 'fs') return die('--clock-rate is for the embedded store only');
  const base = Date.now();
  const now = o.clockRate === 1 ? Date.now : () => base + Math.round((Date.now() - base) * o.clockRate);
  const opened = await openStoreOption(o.store, process.env, now, o.leaseMinutes);
  if (typeof opened === 'string') return die(opened);
  const cwd = o.cwd ?? process.cwd();
  const logDir = logDirFor(cwd);
  // in a repository the page shows what `arbiter status` shows there, with the served store's lanes (dashboard.md §3 D7)
  // and sessions: the served registry (every machine recording through this service, presence.md §9) merged with
  // this repository's own registry (this machine's sessions, written by the local hooks; the local record wins, presence.md §10)
  const served = presenceRegistrySource(opened.presence);
  const repo = o.ui === true ? resolveRepo(cwd, process.env) : null;
  const registry = repo === null ? served : sharedRegistrySource(fsRegistrySource(repo.runtimeDir, process.env), opened.presence);
  const status = o.ui === true ? nodeStatusSources(cwd, process.env, registry) : null;
  const dashboard =
    o.ui === true
      ? {
          snapshot:
            status === null
              ? laneSnapshot(opened.store(true), cwd, Date.now, served)
              : () => collectStatus({ ...status.readers, lanes: servedLanes(opened.store(true)) }, Date.now()),
          decisions: async (q: { since?: number }) => readDecisions(logDir, q.since === undefined ? {} : { since: q.since }),
          assetsDir: join(__dirname, 'ui'),
        }
      : undefined;
  const app = buildServer({ store: opened.store, tokens: opened.tokens, presence: opened.presence, ...(dashboard === undefined ? {} : { dashboard }) });
  try {
    await app.listen({ host: where.host, port: where.port });
  } catch (e) {
    await opened.close();
    return die(`cannot listen on ${o.listen}: ${(e as { code?: string }).code ?? 'error'}`);
  }
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : where.port;
  const host = where.host.includes(':') ? `[${where.host}]` : where.host;
  const rate = o.clockRate === 1 ? '' : `, store clock ×${o.clockRate}`;
  let stopping = false;
  const stop = (): void => {
    if (stopping) process.exit(1); // a second signal: do not wait
    stopping = true;
    process.stderr.write('arbiter serve: stopping (in-flight requests finish, new ones get 503)\n');
    void app
      .close()
      .then(() => opened.close())
      .then(() => status?.close())
      .then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  // announced only once the signal handlers are in: a supervisor (or test) that signals as soon as it reads this line
  // must find them, not the default action that kills the process with no exit code
  process.stderr.write(`arbiter serve: listening on http://${host}:${port} (store ${opened.label}${rate})\n`);
  if (o.ui === true) process.stderr.write(`arbiter serve: dashboard at http://${host}:${port}/ui?token=<a token; arbiter token create --role viewer>\n`);
};
