/**
 * The usage text of every `arbiter hook …` command (hooks.md §6). The dispatcher answers `--help` / `-h` before any
 * hook runs: it reads no stdin, touches no state, prints one of these texts on stdout and exits 0. This module is
 * its own bundle (`dist/hook-help.cjs`), required only on that path, so the text costs a hook call nothing.
 *
 * The event hooks' texts are generated from the wiring table (`wiring.ts`), so what `--help` says each event runs
 * is what the dispatcher runs.
 */
import { pushGate as PG, sessionLock as SL } from '@arbiter/kernel';
import { EVENTS, type EventRow } from '../wiring.js';
import { POST_TOOL_WATCHDOG_MS, STOP_WATCHDOG_MS } from './watchdogs.js';

/** Every event hook name, in wiring order. */
const EVENT_NAMES: ReadonlyArray<string> = [...new Set(EVENTS.map((r) => r.name))];

/** The usage of `arbiter hook` itself: every hook name. */
const GENERAL = `usage: arbiter hook <event> --agent claude|codex
       arbiter hook pre-push <remote> <url> [--dry-run]
       arbiter hook <name> --help

One process per client event; each reads the host's payload on stdin, runs the decisions attached to the event in a
fixed order, prints one combined answer and is fail-open (a mis-wired call, an unknown name or a crash allows).
Events: ${EVENT_NAMES.join(', ')}
Per-decision hooks (aliases of single-stage events, for tests and older installs):
  session-lock acquire|refresh|release, gate-push [--post], context --event session-start|user-prompt-submit
git: pre-push <remote> <url> (installed by \`arbiter install --git\`)
`;

/** What each hook adds to its usage line and stage list: its own behaviour, by command-line name. */
const DETAIL: Readonly<Record<string, { readonly usage: string; readonly text: string }>> = {
  'session-lock': {
    usage: 'usage: arbiter hook session-lock acquire|refresh|release --agent claude|codex',
    text: `Reads a Claude Code or Codex hook payload on stdin.
  acquire  PreToolUse on a mutating tool: take the workspace lock or block (Claude: exit 2; Codex: deny JSON)
  refresh  PostToolUse: extend the holder's lease
  release  Stop / SessionEnd: give the workspace up (the fence is kept)
Fail-open: bad input, store errors and the ${SL.LOCK_WATCHDOG_MS} ms watchdog all exit 0.
`,
  },
  'gate-push': {
    usage: `usage: arbiter hook gate-push [--post] --agent claude|codex [--dry-run]
       arbiter hook pre-push <remote> <url> [--dry-run]`,
    text: `gate-push: PreToolUse on Bash — claims the deploy lane of a push to a deploy ref; --post on PostToolUse releases it.
pre-push:  git's pre-push hook — gates the exact refs git is about to push (reads git's ref lines on stdin).
Fail-open and loud; a Block needs a confirmed positive (a halt for this session, or the remote ahead of the push).
Watchdog: ${PG.GATE_WATCHDOG_MS} ms.
`,
  },
  context: {
    usage: 'usage: arbiter hook context --agent claude|codex --event session-start|user-prompt-submit [--export-session]',
    text: `SessionStart / UserPromptSubmit: prints a short coordination block for the model (lanes held, halts directed at
this session, its open commitments, the session-lock holder). --export-session (Codex) exports the session id.
Never blocks: exit 0 whatever happens; the ${PG.CONTEXT_WATCHDOG_MS} ms watchdog prints nothing.
`,
  },
  'post-tool': {
    usage: 'usage: arbiter hook post-tool --agent claude|codex',
    text: `PostToolUse, in order: the session-lock refresh (mutating tools), push release (Bash: the lanes of a finished
push), and delivery evidence (Bash: a succeeded command that delivers an open commitment of this session, such as
git push, git merge, gh pr merge, git rebase, git revert, a configured test command or action pattern, marks it
delivered).
Never blocks: exit 0 and one JSON object on stdout, whatever happens (watchdog ${POST_TOOL_WATCHDOG_MS} ms).
`,
  },
  stop: {
    usage: 'usage: arbiter hook stop --agent claude|codex',
    text: `Reads a Claude Code or Codex Stop payload on stdin and prints one JSON object: {} to let the session stop, or
{"decision":"block","reason":"…"} to send it back to work (exit 0 either way). Order: the session-lock release
(silent), claim observation, the build stop-hook (a session that owns an unfinished build, within its budget), then
the stop gate (off unless \`arbiter gate mode\` says otherwise). Fail-open: any error or the ${STOP_WATCHDOG_MS} ms
watchdog prints {}.
`,
  },
};
const ALIASES: Readonly<Record<string, string>> = { 'pre-push': 'gate-push' };

/**
 * One line per client registration of an event: host event, host matcher, and its stages in order (a stage's own
 * matcher when it narrows the registration's).
 */
const stageLines = (rows: ReadonlyArray<EventRow>): string =>
  rows
    .map((r) => {
      const stages =
        r.stages.length === 0
          ? 'no decision; records the session presence only'
          : r.stages.map((s) => (s.matcher === undefined || s.matcher === r.matcher ? s.id : `${s.id} (${s.matcher})`)).join(', then ');
      return `  ${r.client.padEnd(6)} ${r.event}${r.matcher === undefined ? '' : ` on ${r.matcher}`}, host timeout ${r.timeoutSec} s: ${stages}`;
    })
    .join('\n');

/**
 * The usage text for `arbiter hook <hook> --help`: an event hook's generated text (its clients and stages, plus its
 * final hook's detail), a per-decision hook's own text, or the list of every hook for `''`, `help` and unknown names.
 * Always ends with a newline. Pure.
 */
export const hookUsage = (hook: string): string => {
  const rows = EVENTS.filter((r) => r.name === hook);
  const detail = DETAIL[ALIASES[hook] ?? hook];
  if (rows.length > 0) {
    const clients = rows.map((r) => r.client).join('|');
    const head = `usage: arbiter hook ${hook} --agent ${clients}\n\nRuns, in one process, for each client:\n${stageLines(rows)}\nEvery event records the session's presence in the registry after its answer (presence.md).\n`;
    return detail === undefined ? `${head}Fail-open: a bad payload, a store error or a watchdog allows.\n` : `${head}\n${detail.text}`;
  }
  return detail === undefined ? GENERAL : `${detail.usage}\n\n${detail.text}`;
};
