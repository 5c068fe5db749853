/**
 * Issue 2 item 1: every package builds to ESM + CJS + .d.ts behind an `exports` map, and each entry loads in plain
 * Node (not only through vitest's resolver). The `arbiter` binary is a dispatcher plus one bundle per entry.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(__dirname, '..');
const PKGS = ['kernel', 'io-memory', 'io-node', 'hooks'] as const;

describe('packages', () => {
  for (const p of PKGS) {
    it(`@arbiter/${p} has an exports map whose ESM, CJS and type files exist and load in plain Node`, () => {
      const dir = join(root, 'packages', p);
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name: string; exports: Record<string, { import: { types: string; default: string }; require: { types: string; default: string } }> };
      expect(pkg.name).toBe(`@arbiter/${p}`);
      const main = pkg.exports['.'];
      if (main === undefined) throw new Error('no "." export');
      for (const f of [main.import.types, main.import.default, main.require.types, main.require.default]) expect(existsSync(join(dir, f))).toBe(true);
      const esm = execFileSync(process.execPath, ['--input-type=module', '-e', `import * as m from '@arbiter/${p}'; console.log(Object.keys(m).length)`], { cwd: root, encoding: 'utf8' });
      const cjs = execFileSync(process.execPath, ['-e', `console.log(Object.keys(require('@arbiter/${p}')).length)`], { cwd: root, encoding: 'utf8' });
      expect(Number(esm)).toBeGreaterThan(0);
      expect(Number(cjs)).toBe(Number(esm));
    });
  }

  it('the kernel exports each decision as a namespace with the spec names', () => {
    const out = execFileSync(process.execPath, ['-e', "const k=require('@arbiter/kernel');console.log(JSON.stringify(['acquireStep','refresh','release','decide'].map(f=>typeof k.sessionLock[f])))"], { cwd: root, encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual(['function', 'function', 'function', 'function']);
  });

  it('the arbiter binary is declared and every bundle exists', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'packages/hooks/package.json'), 'utf8')) as { bin: Record<string, string> };
    expect(pkg.bin['arbiter']).toBe('./dist/arbiter.cjs');
    for (const b of ['arbiter.cjs', 'cli.cjs']) expect(existsSync(join(root, 'packages/hooks/dist', b))).toBe(true);
    expect(readFileSync(join(root, 'packages/hooks/dist/arbiter.cjs'), 'utf8').startsWith('#!/usr/bin/env node')).toBe(true);
  });

  it('every hook has its own bundle, and the session-lock bundle carries no other decision (lean hot path)', async () => {
    const { HOOKS } = await import('@arbiter/hooks');
    for (const name of Object.keys(HOOKS)) expect(existsSync(join(root, 'packages/hooks/dist', `hook-${name}.cjs`))).toBe(true);
    const sl = readFileSync(join(root, 'packages/hooks/dist/hook-session-lock.cjs'), 'utf8');
    const modules = [...sl.matchAll(/^\/\/ (\S+)$/gm)].map((m) => m[1] as string);
    expect(modules.some((m) => m.endsWith('kernel/src/session-lock.ts'))).toBe(true);
    const foreign = modules.filter((m) => /kernel\/src\/(?!session-lock|state-lock|early|config|internal\/)/.test(m) || /commander|write-file-atomic|fp-ts\/lib\//.test(m));
    expect(foreign).toEqual([]);
  });

  it('the status bundle carries only the decisions it reads (status.md §8: its compile time is part of every snapshot)', () => {
    const st = readFileSync(join(root, 'packages/hooks/dist/status.cjs'), 'utf8');
    const modules = [...st.matchAll(/^\/\/ (\S+)$/gm)].map((m) => m[1] as string);
    expect(modules.some((m) => m.endsWith('kernel/src/presence/status.ts'))).toBe(true);
    // the push-gate decision itself (classifier, shell lexer, verbs), the other decisions' steps and the atomic writer:
    // a kernel namespace imported whole, or a writer the read-only screen never calls, would bring them back
    const foreign = modules.filter((m) => /kernel\/src\/(push-gate\/(classifier|verbs|text|destinations|push-gate)|shell\/|stop-gate\/(step|stop-gate)|action-claim\/(claim|evidence|commands)|secrets)/.test(m) || /commander|write-file-atomic|fp-ts\/lib\//.test(m));
    expect(foreign).toEqual([]);
    expect(st.length).toBeLessThan(260_000);
  });

  it('the toolchain is pinned for Node 20', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
    expect(pkg.devDependencies['tsup']).toMatch(/^8\.5\./);
    expect(pkg.devDependencies['vitest']).toMatch(/^4\.1\./);
    expect(pkg.devDependencies['typescript']).toMatch(/^5\.9\./);
    expect(pkg.devDependencies['fast-check']).toMatch(/^4\./);
    const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version: string }> };
    expect(lock.packages['node_modules/fp-ts']?.version).toMatch(/^2\.16\./);
    expect(lock.packages['node_modules/io-ts']?.version).toMatch(/^2\.2\./);
  });
});
