/**
 * The committed hook launcher `.arbiter/bin/arbiter-hook` and the pre-push shim resolve Arbiter in one order
 * (hooks.md §11 "Registration"): the node and script recorded for the clone (a gone node gives way to `node` on
 * PATH), then the repository's `node_modules/.bin/arbiter`, then `arbiter` on PATH; with none of them the launcher
 * exits 1 with its "did NOT run" line (fail-open, loudly; never a silent 127) and the shim exits 0 with its own.
 * A fast-check property over every combination, with fake node and arbiter executables (sh scripts naming
 * themselves), in a main checkout and in a linked worktree whose `.git` is a file.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { HOOK_LAUNCHER, hookLauncherScript, isOurLauncher, prePushShim } from '../packages/hooks/src/cli/install.js';

const exe = (path: string, text: string): void => {
  writeFileSync(path, text);
  chmodSync(path, 0o755);
};
/** A fake executable that prints its name and its arguments. */
const fake = (path: string, name: string): void => exe(path, `#!/bin/sh\necho "${name} $*"\n`);

interface Case {
  readonly record: 'none' | 'node-ok' | 'node-gone';
  readonly script: 'abs' | 'rel' | 'gone';
  readonly nodeOnPath: boolean;
  readonly nodeModules: boolean;
  readonly arbiterOnPath: boolean;
  readonly worktree: boolean;
}

/** What the resolution order says must run, or null (nothing resolves). */
const expected = (c: Case, root: string, top: string): string | null => {
  const node = c.record === 'node-ok' ? 'recorded-node' : c.nodeOnPath ? 'path-node' : null;
  const script = c.record === 'none' || c.script === 'gone' ? null : c.script === 'abs' ? join(root, 'pkg', 'arbiter.cjs') : `${top}/node_modules/@arbiter/hooks/dist/arbiter.cjs`;
  if (node !== null && script !== null) return `${node} ${script}`;
  if (node !== null && c.nodeModules) return `${node} ${top}/node_modules/.bin/arbiter`;
  if (c.arbiterOnPath) return 'path-arbiter';
  return null;
};

/** Lay out a clone for `c` under a fresh root; returns the root, the worktree top and the PATH directory. */
const layout = (c: Case): { root: string; top: string; bin: string } => {
  const root = mkdtempSync(join(tmpdir(), 'arbiter-launcher-'));
  const bin = join(root, 'bin');
  mkdirSync(bin);
  const common = join(root, 'main', '.git');
  mkdirSync(common, { recursive: true });
  let top = join(root, 'main');
  if (c.worktree) {
    top = join(root, 'wt');
    const wtGit = join(common, 'worktrees', 'wt');
    mkdirSync(wtGit, { recursive: true });
    writeFileSync(join(wtGit, 'commondir'), '../..\n');
    mkdirSync(top);
    writeFileSync(join(top, '.git'), `gitdir: ${wtGit}\n`);
  }
  mkdirSync(join(top, '.arbiter', 'bin'), { recursive: true });
  exe(join(top, HOOK_LAUNCHER), hookLauncherScript());
  mkdirSync(join(root, 'recorded'));
  fake(join(root, 'recorded', 'node'), 'recorded-node');
  mkdirSync(join(root, 'pkg'));
  writeFileSync(join(root, 'pkg', 'arbiter.cjs'), '');
  if (c.nodeOnPath) fake(join(bin, 'node'), 'path-node');
  if (c.arbiterOnPath) fake(join(bin, 'arbiter'), 'path-arbiter');
  const nm = join(top, 'node_modules');
  if (c.nodeModules || c.script === 'rel') {
    mkdirSync(join(nm, '@arbiter', 'hooks', 'dist'), { recursive: true });
    writeFileSync(join(nm, '@arbiter', 'hooks', 'dist', 'arbiter.cjs'), '');
  }
  if (c.nodeModules) {
    mkdirSync(join(nm, '.bin'), { recursive: true });
    writeFileSync(join(nm, '.bin', 'arbiter'), '');
  }
  if (c.record !== 'none') {
    const node = c.record === 'node-ok' ? join(root, 'recorded', 'node') : join(root, 'gone', 'node');
    const script = c.script === 'abs' ? join(root, 'pkg', 'arbiter.cjs') : c.script === 'rel' ? 'node_modules/@arbiter/hooks/dist/arbiter.cjs' : join(root, 'gone', 'arbiter.cjs');
    writeFileSync(join(common, 'arbiter-launcher'), `${node}\n${script}\n`);
  }
  return { root, top, bin };
};

const arbCase: fc.Arbitrary<Case> = fc.record({
  record: fc.constantFrom('none' as const, 'node-ok' as const, 'node-gone' as const),
  script: fc.constantFrom('abs' as const, 'rel' as const, 'gone' as const),
  nodeOnPath: fc.boolean(),
  nodeModules: fc.boolean(),
  arbiterOnPath: fc.boolean(),
  worktree: fc.boolean(),
});

describe('the committed launcher', () => {
  it('runs the first arbiter of the order, with its arguments, or exits 1 with the reason and the fix (never 127) (fast-check)', () => {
    fc.assert(
      fc.property(arbCase, (c) => {
        const { root, top, bin } = layout(c);
        try {
          // as Claude Code runs it: "$CLAUDE_PROJECT_DIR"/.arbiter/bin/arbiter-hook …
          const r = spawnSync('/bin/sh', ['-c', `"$CLAUDE_PROJECT_DIR"/${HOOK_LAUNCHER} hook stop --agent claude`], { cwd: top, env: { PATH: bin, CLAUDE_PROJECT_DIR: top }, encoding: 'utf8' });
          const want = expected(c, root, `${top}/.arbiter/bin/../..`);
          if (want === null) {
            expect({ code: r.status, out: r.stdout }).toEqual({ code: 1, out: '' });
            expect(r.stderr).toMatch(/^arbiter: 'arbiter hook stop --agent claude' did NOT run: no arbiter for this clone .*'arbiter doctor' checks it\.\n$/);
          } else {
            expect({ code: r.status, out: r.stdout, err: r.stderr }).toEqual({ code: 0, out: `${want} hook stop --agent claude\n`, err: '' });
          }
        } finally {
          rmSync(root, { recursive: true, force: true });
        }
      }),
      { numRuns: 60 },
    );
  }, 60_000);

  it('is recognised by its marker and names nothing of this machine', () => {
    const text = hookLauncherScript();
    expect(isOurLauncher(text)).toBe(true);
    expect(isOurLauncher('#!/bin/sh\necho mine\n')).toBe(false);
    expect(text).not.toContain(process.execPath);
    expect(text).not.toContain(tmpdir());
  });
});

describe('the pre-push shim', () => {
  it('resolves in the same order outside a repository (no record) and, with nothing found, lets the push go with its line (exit 0)', () => {
    for (const [nodeOnPath, arbiterOnPath] of [[true, false], [false, true], [false, false]] as const) {
      const root = mkdtempSync(join(tmpdir(), 'arbiter-shim-order-'));
      try {
        const bin = join(root, 'bin');
        mkdirSync(bin);
        if (nodeOnPath) fake(join(bin, 'node'), 'path-node');
        if (arbiterOnPath) fake(join(bin, 'arbiter'), 'path-arbiter');
        mkdirSync(join(root, 'node_modules', '.bin'), { recursive: true });
        writeFileSync(join(root, 'node_modules', '.bin', 'arbiter'), '');
        exe(join(root, 'pre-push'), prePushShim(false));
        const r = spawnSync('/bin/sh', [join(root, 'pre-push'), 'origin', 'u'], { cwd: root, env: { PATH: bin }, input: '', encoding: 'utf8' });
        if (nodeOnPath) expect(r.stdout).toBe(`path-node ${root}/node_modules/.bin/arbiter hook pre-push origin u\n`);
        else if (arbiterOnPath) expect(r.stdout).toBe('path-arbiter hook pre-push origin u\n');
        else expect(r.stderr).toContain('arbiter: the pre-push gate did NOT run');
        expect(r.status).toBe(0);
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    }
  });
});
