/**
 * Grounds the classifier's generated expectations in a real shell: the PG-1 / PG-2 generators' commands are run
 * by bash with stub `git`, `git-push`, `git.exe` (they record their argv) on PATH, and the recorded calls are
 * compared with what the generator says the command runs. So the generators (and the classifier tests built on
 * them) agree with bash, not only with the spec's reading of it.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pushClassifier } from '@arbiter/kernel';
import {
  applyContexts,
  contextsGen,
  DATA_COMMANDS,
  dq,
  pushGen,
  quotingsGen,
  renderWords,
  sq,
} from '../packages/kernel/test/push-classifier.generators.js';

let dir = '';
let stubs = '';
const RECORD = `#!/bin/sh
{ printf '%s\\037' "$(basename "$0")"; for a in "$@"; do printf '%s\\037' "$a"; done; printf '\\036'; } >> "$ARB_LOG"
`;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'arbiter-bash-diff-'));
  stubs = join(dir, 'bin');
  spawnSync('mkdir', ['-p', stubs]);
  const put = (name: string, body: string): void => {
    writeFileSync(join(stubs, name), body);
    chmodSync(join(stubs, name), 0o755);
  };
  for (const n of ['git', 'git-push', 'git.exe']) put(n, RECORD);
  put('sudo', '#!/bin/sh\nwhile [ $# -gt 0 ]; do case "$1" in -u) shift 2;; -*) shift;; *) break;; esac; done\nexec "$@"\n');
  put('npm', '#!/bin/sh\nexit 0\n');
  put('sh', '#!/bin/sh\nexec bash "$@"\n'); // the classifier reads `sh -c` scripts with bash's rules
  for (const n of ['ssh', 'docker', 'node', 'python3', 'vim', 'jq']) put(n, '#!/bin/sh\nexit 0\n');
});
afterAll(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

/** Run `cmd` with bash in the temp dir; the argv lists the stubs recorded, each starting with the command name. */
const runBash = (cmd: string): string[][] => {
  const log = join(dir, `log-${Math.random().toString(36).slice(2)}`);
  const r = spawnSync('bash', ['-c', `${cmd}\nwait`], {
    cwd: dir,
    env: { ...process.env, PATH: `${stubs}:${process.env['PATH'] ?? '/usr/bin:/bin'}`, ARB_LOG: log },
    encoding: 'utf8',
    timeout: 15_000,
  });
  expect(r.error).toBeUndefined();
  if (!existsSync(log)) return [];
  const text = readFileSync(log, 'utf8');
  rmSync(log);
  return text
    .split('\x1e')
    .filter((e) => e !== '')
    .map((e) => e.split('\x1f').slice(0, -1));
};

describe('generators agree with bash (differential)', () => {
  it('PG-1 ground truth: bash runs exactly the generated git push argv, and the classifier reports its invocation', () => {
    fc.assert(
      fc.property(pushGen({ commands: [['git'], ['git-push'], ['git.exe']] }), quotingsGen, contextsGen, (g, qs, ctxs) => {
        const cmd = applyContexts(renderWords(g.words, qs), ctxs);
        const calls = runBash(cmd).filter((c) => !(c[0] === 'git' && c[1] === 'status'));
        expect(calls).toEqual([g.words]);
        const c = pushClassifier.classifyPushCommand(cmd);
        expect(c._tag === 'Push' ? c.invocations : []).toEqual([g.expected]);
      }),
      { numRuns: Number(process.env.DIFF_RUNS ?? 60) },
    );
  });

  it('PG-2 ground truth: bash runs no git push for a push quoted as a data argument, and the classifier says NotPush', () => {
    fc.assert(
      fc.property(
        pushGen({ commands: [['git'], ['git-push']] }),
        quotingsGen,
        fc.constantFrom(...DATA_COMMANDS),
        fc.boolean(),
        (g, qs, data, single) => {
          const push = renderWords(g.words, qs);
          const cmd = `${data} ${single ? sq(push) : dq(push)} > /dev/null 2>&1`;
          const pushes = runBash(cmd).filter((c) => c[0] === 'git-push' || (c[0] === 'git' && c.includes('push') && c[1] !== 'commit' && c[1] !== 'log' && c[1] !== 'tag'));
          expect(pushes).toEqual([]);
          expect(pushClassifier.classifyPushCommand(cmd)).toEqual({ _tag: 'NotPush', reason: 'no-git-push' });
        },
      ),
      { numRuns: Number(process.env.DIFF_RUNS ?? 40) },
    );
  });
});
