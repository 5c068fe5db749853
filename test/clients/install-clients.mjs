#!/usr/bin/env node
/**
 * Installs the real clients the suite drives, pinned exactly, into a cache OUTSIDE the repository:
 * `${ARBITER_TEST_CLIENTS_DIR:-${XDG_CACHE_HOME:-~/.cache}/arbiter-test-clients}/<name>@<version>`. They are not
 * dependencies of the project. Each client is installed into a temporary directory beside its final one, checked
 * with `--version`, then renamed into place, so a cache entry is either complete or absent; an existing entry is
 * checked and kept. Prints the binary paths as JSON on stdout.
 *
 * Claude Code's `engines` asks for Node >= 22: npm on Node 20 would quietly pick an older release unless the version
 * is exact, and `--engine-strict=false` lets the exact one install. Its npm package is a stub whose postinstall copies
 * the native binary from the optional platform package (`@anthropic-ai/claude-code-linux-x64`) over `bin/claude.exe`;
 * the native binary does not need Node. Codex's `bin/codex.js` finds its native binary in the optional platform package
 * (`@openai/codex-linux-x64`, `vendor/<target>/bin/codex`) and runs it. So optional dependencies must not be omitted.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The pinned clients: npm package, exact version, the bin name, and what `--version` prints. */
export const CLIENTS = {
  claude: { pkg: '@anthropic-ai/claude-code', version: '2.1.332', bin: 'claude', expect: /^2\.1\.332 \(Claude Code\)/ },
  codex: { pkg: '@openai/codex', version: '0.171.0', bin: 'codex', expect: /^codex-cli 0\.171\.0$/m },
};

/** The cache directory. */
export const cacheDir = () =>
  process.env.ARBITER_TEST_CLIENTS_DIR || join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'arbiter-test-clients');

const versionOf = (bin) => execFileSync(bin, ['--version'], { encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'pipe'] }).trim();

/** Install (or verify) one client; returns its binary's absolute path. Throws with npm's output on failure. */
export const ensureClient = (name) => {
  const c = CLIENTS[name];
  const root = cacheDir();
  const dir = join(root, `${c.pkg.split('/').pop()}@${c.version}`);
  const bin = join(dir, 'node_modules', '.bin', c.bin);
  if (existsSync(bin)) {
    const v = versionOf(bin);
    if (c.expect.test(v)) return bin;
    rmSync(dir, { recursive: true, force: true }); // a wrong or broken entry: reinstall
  }
  mkdirSync(root, { recursive: true });
  const staging = mkdtempSync(join(root, `.staging-${name}-`));
  try {
    execFileSync(
      'npm',
      ['install', '--prefix', staging, '--no-save', '--no-audit', '--no-fund', '--no-package-lock', '--engine-strict=false', '--include=optional', `${c.pkg}@${c.version}`],
      { encoding: 'utf8', timeout: 600_000, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const v = versionOf(join(staging, 'node_modules', '.bin', c.bin));
    if (!c.expect.test(v)) throw new Error(`${c.pkg}@${c.version} installed but --version printed ${JSON.stringify(v)}`);
    try {
      renameSync(staging, dir);
    } catch (e) {
      if (!existsSync(bin)) throw e; // another process won the race: use its copy
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return bin;
};

if (import.meta.url === `file://${process.argv[1]}`) {
  const names = process.argv.slice(2).length > 0 ? process.argv.slice(2) : Object.keys(CLIENTS);
  const out = {};
  for (const n of names) out[n] = ensureClient(n);
  process.stdout.write(JSON.stringify(out) + '\n');
}
