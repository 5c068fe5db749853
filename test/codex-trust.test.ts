/**
 * Which hooks `install --trust-codex-hooks` asks Codex to trust (codex-trust.ts; hooks.md §11): only Arbiter's own
 * command hooks from the file install wrote, whatever else Codex lists. The end-to-end proof with the real Codex is
 * test/clients/install.e2e.test.ts.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { arbiterHooks, type CodexHook } from '../packages/hooks/src/cli/codex-trust.js';

const FILE = '/repo/.codex/hooks.json';
const OURS = ['/usr/bin/node /opt/arbiter.cjs hook pre-tool --agent codex', '/usr/bin/node /opt/arbiter.cjs hook stop --agent codex'];
const hook = (over: Partial<CodexHook>): CodexHook => ({ key: `${FILE}:stop:0:0`, handlerType: 'command', command: OURS[1], sourcePath: FILE, currentHash: 'sha256:00', trustStatus: 'untrusted', ...over });

describe('arbiterHooks', () => {
  it('keeps Arbiter\'s registered commands from the file install wrote, and nothing else', () => {
    const listed = [
      hook({ key: 'a', command: OURS[0] }),
      hook({ key: 'b' }),
      hook({ key: 'other-command', command: 'echo hi' }),
      hook({ key: 'other-file', sourcePath: '/home/u/.codex/hooks.json' }),
      hook({ key: 'prompt-handler', handlerType: 'prompt', command: undefined }),
    ];
    expect(arbiterHooks(listed, FILE, OURS).map((h) => h.key)).toEqual(['a', 'b']);
  });

  it('never selects a hook whose command is not one install registered (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ command: fc.oneof(fc.constantFrom(...OURS), fc.string()), sourcePath: fc.constantFrom(FILE, '/elsewhere/hooks.json') })), (rows) => {
        const picked = arbiterHooks(rows.map((r, i) => hook({ key: String(i), ...r })), FILE, OURS);
        return picked.every((h) => OURS.includes(h.command as string) && h.sourcePath === FILE);
      }),
    );
  });
});
