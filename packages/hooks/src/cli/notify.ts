/**
 * `arbiter notify flush|test|status` (docs/notify.md §7): deliver the outbox now, send a test message, or show
 * the queue. Endpoints are shown only by their label (`https://host/… #key`, kernel `notify.endpointLabel`): a URL,
 * its path and its credentials never reach stdout, stderr or a file (docs/notify.md §6 S1).
 *
 * Exit codes: 0 done; 1 a failure (not in a repository, an invalid configuration, a test that did not get a 2xx);
 * 2 a usage error (a `--url` that is not a usable webhook URL).
 */
import { statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Command } from 'commander';
import { config as CFG, notify } from '@arbiter/kernel';
import { OUTBOX_FILE, notifyDir, readNotifyState, readRepoConfig, resolveRepo, type Env, type Repo } from '@arbiter/io-node';
import { flushOutbox, nodeFlushDeps } from '../notify/flush.js';
import { die } from './util.js';

/** The repository of the working directory and its resolved `notify.*`, or die (exit 1). */
const context = (cwd: string, env: Env): { readonly repo: Repo; readonly settings: notify.NotifySettings } => {
  const repo = resolveRepo(cwd, env);
  if (repo === null) return die('notify: not inside a git repository.');
  const conf = readRepoConfig(repo.topLevel);
  if (conf._tag === 'Invalid') return die(`notify: the configuration is invalid (${conf.detail}).`);
  const raw = conf._tag === 'Configured' ? (conf.config as CFG.RepoConfig & { notify?: unknown }).notify : undefined;
  return { repo, settings: notify.notifySettings(raw, (n) => env[n]) };
};

const warn = (ws: ReadonlyArray<string>): void => {
  for (const w of ws) process.stderr.write(`arbiter: ${w}\n`);
};

/** Whether the outbox holds events no flush has read yet. */
const outboxWaiting = (runtimeDir: string): boolean => {
  try {
    return statSync(join(notifyDir(runtimeDir), OUTBOX_FILE)).size > 0;
  } catch {
    return false;
  }
};

const ago = (ms: number): string => `${Math.max(0, Math.round(ms / 1000))} s`;

/** Register `notify`. */
export const register = (program: Command): void => {
  const n = program.command('notify').description('webhook notifications (notify.webhooks): flush the outbox, send a test, show the queue');
  n.command('flush')
    .description('deliver what the outbox holds now (normally started in the background after each event)')
    .option('--quiet', 'print nothing')
    .action(async (o: { quiet?: boolean }) => {
      const { repo, settings } = context(process.cwd(), process.env);
      if (o.quiet !== true) warn(settings.warnings);
      const r = await flushOutbox(repo, settings, nodeFlushDeps);
      if (o.quiet !== true) {
        process.stdout.write(
          r._tag === 'Busy'
            ? 'arbiter: notify: another flush is running; it delivers what was queued.\n'
            : `arbiter: notify: ${r.attempts} attempt(s), ${r.sent} sent, ${r.failed} failed, ${r.pending} pending.\n`,
        );
        if (r.writeError !== null) process.stderr.write(`arbiter: notify: the queue state could not be stored (${r.writeError}).\n`);
      }
      process.exit(0);
    });
  n.command('test')
    .description('POST a test message to every configured webhook (or to --url) and report each answer')
    .option('--url <url>', 'a webhook URL to test instead of the configured ones (https, or http to a loopback host)')
    .action(async (o: { url?: string }) => {
      if (o.url !== undefined) {
        const p = notify.webhookUrlProblem(o.url);
        if (p !== null) die(`notify test: --url: ${p}.`, 2);
      }
      const { repo, settings } = context(process.cwd(), process.env);
      warn(settings.warnings);
      const hooks = o.url !== undefined ? [{ url: o.url, label: notify.endpointLabel(o.url) }] : settings.webhooks;
      if (hooks.length === 0) die('notify test: no webhook is configured (notify.webhooks in .arbiter/config.json).');
      let ok = true;
      for (const h of hooks) {
        const a = await nodeFlushDeps.post(h.url, JSON.stringify(notify.testBody(Date.now(), basename(repo.topLevel))), settings.timeoutMs);
        const good = notify.classifyAnswer(a) === 'ok';
        ok &&= good;
        process.stdout.write(`${h.label}  ${good ? 'ok' : 'failed'} (${notify.answerCode(a)})\n`);
      }
      process.exit(ok ? 0 : 1);
    });
  n.command('status')
    .description('configured webhooks, pending deliveries, dropped counts, cooled endpoints')
    .option('--json', 'print JSON')
    .action((o: { json?: boolean }) => {
      const { repo, settings } = context(process.cwd(), process.env);
      const now = Date.now();
      const { state, reset } = readNotifyState(repo.runtimeDir);
      const cooled = Object.entries(state.cooled).filter(([, until]) => until > now);
      const label = (key: string): string => settings.webhooks.find((h) => h.key === key)?.label ?? `(not configured) #${key}`;
      const view = {
        webhooks: settings.webhooks.map((h) => ({ endpoint: h.label, key: h.key, events: h.events })),
        warnings: settings.warnings,
        pending: state.pending.length,
        outbox_unclaimed: outboxWaiting(repo.runtimeDir),
        counts: state.counts,
        cooled: cooled.map(([k, until]) => ({ endpoint: label(k), key: k, until: new Date(until).toISOString(), left_ms: until - now })),
        last: Object.entries(state.last).map(([k, v]) => ({ endpoint: label(k), key: k, at: new Date(v.at).toISOString(), outcome: v.outcome })),
        state_reset: reset,
      };
      if (o.json === true) {
        process.stdout.write(`${JSON.stringify(view, null, 2)}\n`);
        process.exit(0);
      }
      const c = state.counts;
      const lines = [
        `webhooks: ${settings.webhooks.length}`,
        ...settings.webhooks.map((h) => `  ${h.label}  events: ${h.events.join(', ')}`),
        ...settings.warnings.map((w) => `  warning: ${w}`),
        `pending: ${state.pending.length}${view.outbox_unclaimed ? ' (and events in the outbox not yet read by a flush)' : ''}`,
        `sent: ${c.sent}  failed: ${c.failed}  attempts: ${c.attempts}  deduplicated: ${c.deduped}`,
        `dropped: ${c.dropped_overflow + c.dropped_cooled + c.dropped_unconfigured} (queue full ${c.dropped_overflow}, endpoint cooling down ${c.dropped_cooled}, endpoint no longer configured ${c.dropped_unconfigured})`,
        `cooled endpoints: ${cooled.length}`,
        ...cooled.map(([k, until]) => `  ${label(k)}  for ${ago(until - now)} more`),
        ...view.last.map((l) => `last answer: ${l.endpoint}  ${l.outcome}  ${ago(now - Date.parse(l.at))} ago`),
        ...(reset === null ? [] : [`warning: the stored queue state was unreadable (${reset}) and starts empty`]),
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
      process.exit(0);
    });
};
