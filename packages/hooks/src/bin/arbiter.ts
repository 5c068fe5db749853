/**
 * Bundle entry `dist/arbiter.cjs`, the `arbiter` binary: parses the command line once and loads at most what the
 * invocation needs.
 *
 * - `arbiter hook <event> --agent claude|codex` (and the per-decision aliases): the event runner
 *   (`hook/events.ts`), which answers early verdicts here and loads a hook bundle (`dist/hook-<name>.cjs`) only for
 *   a stage that must decide.
 * - `arbiter hook pre-push <remote> <url>`: git's hook, `dist/hook-pre-push.cjs`.
 * - `arbiter hook …` with `--help` / `-h` anywhere before `--` (or `arbiter hook [help]`): that hook's usage from
 *   `dist/hook-help.cjs`, exit 0, before any stdin is read or any state touched (hooks.md §6).
 * - an unknown hook name exits 0 (a mis-wired hook never blocks).
 * - `arbiter status` and `arbiter status --json` exactly: `dist/status.cjs`, one snapshot without the option parser
 *   and the other verbs (status.md §8); any other `status` command line is the verbs' like the rest.
 * - anything else: the verbs people run, `dist/cli.cjs`.
 *
 * This bundle holds no decision, codec or CLI library: only the early verdicts, path resolution and the log writer.
 */
import { writeSync } from 'node:fs';
import { join } from 'node:path';
import { parseHookArgs } from '../invocation.js';
import { plainStatus } from '../status/plain.js';
import { EVENT_NAMES, HOOK_BUNDLES, eventOf, runEvent, type BundleLoader, type HookBundle } from '../hook/events.js';

// A computed path keeps the bundler from inlining the other entries into this one.
const load: BundleLoader = (file) => require(join(__dirname, file)) as HookBundle;

/** A hook name safe to echo on stderr. */
const shown = (name: string): string => name.replace(/[^A-Za-z0-9_.-]/g, '').slice(0, 64);

const args = process.argv.slice(2);
if (args[0] === 'hook') {
  const inv = parseHookArgs(args.slice(1));
  // Arbiter only ever formats instants in UTC; pinning this process's zone spares the first Date formatting the
  // local-timezone set-up (~2 ms of a hook's start-up). Hook bundles inherit it.
  process.env['TZ'] = 'UTC';
  if (inv.help || inv.hook === '') {
    // usage only, before stdin or state: the text lives in its own bundle, so the hook path never loads it
    const usage = require(join(__dirname, 'hook-help.cjs')) as { hookUsage: (hook: string) => string };
    writeSync(1, usage.hookUsage(inv.hook === 'help' ? (inv.positionals[0] ?? '') : inv.hook));
    process.exit(0);
  }
  const event = eventOf(inv);
  const bundle = Object.prototype.hasOwnProperty.call(HOOK_BUNDLES, inv.hook) ? HOOK_BUNDLES[inv.hook as keyof typeof HOOK_BUNDLES] : undefined;
  if (event !== null) {
    void runEvent(event, inv, load).catch(() => process.exit(0));
  } else if (bundle !== undefined) {
    // the hook's own main: its answer to a mis-wired call (no --agent, no verb), exactly as before
    void load(bundle).main(inv).catch(() => process.exit(0));
  } else {
    const why = EVENT_NAMES.includes(inv.hook) ? 'needs --agent claude|codex' : 'is unknown';
    writeSync(2, `arbiter: hook "${shown(inv.hook)}" ${why} (allowed)\n`);
    process.exit(0);
  }
} else {
  void (load(plainStatus(args) !== null ? 'status.cjs' : 'cli.cjs') as unknown as { main: (argv: ReadonlyArray<string>) => Promise<void> }).main(args);
}
