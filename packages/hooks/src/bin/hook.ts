/**
 * Bundle entry `dist/hook.cjs`: `arbiter hook <name> …`. Loaded only for hooks so that a hook pays for hook code
 * only. Unknown hook names and any crash exit 0 (a mis-wired hook must never block a session).
 */
import { writeSync } from 'node:fs';
import { HOOKS } from '../hook/registry.js';

const HELP = `usage: arbiter hook <name> [args] --agent claude|codex

Hook wrappers for Claude Code, Codex and git. Each reads the host's payload on stdin and is fail-open.
Hooks: ${Object.keys(HOOKS).join(', ')}
Run \`arbiter hook <name> --help\` for one hook's arguments.
`;

/** Run the hook named by `argv[0]`. */
export const main = async (argv: ReadonlyArray<string>, pre: { readonly stdinText?: string; readonly stdinFailed?: 'too-large' | 'timeout' } = {}): Promise<void> => {
  const name = argv[0];
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    writeSync(1, HELP);
    process.exit(0);
  }
  const handler = HOOKS[name];
  if (handler === undefined) {
    writeSync(2, `arbiter: unknown hook "${name.replace(/[^A-Za-z0-9_.-]/g, '').slice(0, 64)}" (allowed)\n`);
    process.exit(0);
  }
  try {
    await handler(argv.slice(1), pre);
  } catch {
    process.exit(0);
  }
};
