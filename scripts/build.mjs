// `npm run build` (and the build step of `npm test`, `npm run demo`, `npm run bench`, `npm run tables`): build every
// workspace package with tsup, in workspace order, then record what the build was made from.
//
//   node scripts/build.mjs              build, record the stamp
//   node scripts/build.mjs --if-stale   skip the build when the stamp says the dist is fresh (see below)
//   node scripts/build.mjs --strict     fail (exit 1) when the build printed any warning
//
// Freshness (README, "Building"): the stamp (node_modules/.cache/arbiter/build-stamp.json, so `npm ci` drops it) holds
// one SHA-256 over every input of the build (each package's src/, package.json, tsup.config.ts, tsconfig.json; the
// root package.json, package-lock.json, tsconfig files, the installed tree's node_modules/.package-lock.json and this
// script) and one SHA-256 per output file under packages/*/dist. The dist is fresh only when the inputs hash the same
// and every recorded output is present with the same content and no other file appeared. Content, not timestamps: a
// checkout, a touch or a clock skew cannot make a stale dist look fresh. The stamp is deleted before a build starts
// and written only after it succeeded, so an interrupted or failed build always rebuilds next time.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dropStamp, inputsHash, isFresh, isWarningLine, writeStamp } from './build-stamp.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = new Set(process.argv.slice(2));

if (args.has('--if-stale') && isFresh(root)) {
  process.stdout.write('build: packages/*/dist is up to date with the sources (scripts/build.mjs); not rebuilt\n');
  process.exit(0);
}
dropStamp(root);
const inputs = inputsHash(root);
const warnings = [];
const code = await new Promise((resolve) => {
  const npm = process.env.npm_execpath;
  // under `npm run`, npm_execpath is npm's own CLI script: run it with this node, no shell; else `npm` from PATH
  const [cmd, pre] = npm !== undefined && npm.endsWith('.js') ? [process.execPath, [npm]] : ['npm', []];
  const child = spawn(cmd, [...pre, 'run', 'build', '--workspaces', '--if-present'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  for (const [stream, sink] of [
    [child.stdout, process.stdout],
    [child.stderr, process.stderr],
  ]) {
    let rest = '';
    stream.on('data', (chunk) => {
      sink.write(chunk);
      const lines = (rest + chunk.toString('utf8')).split('\n');
      rest = lines.pop() ?? '';
      for (const l of lines) if (isWarningLine(l)) warnings.push(l);
    });
    stream.on('end', () => {
      if (isWarningLine(rest)) warnings.push(rest);
    });
  }
  child.on('close', (c) => resolve(c ?? 1));
  child.on('error', () => resolve(1));
});
if (code !== 0) process.exit(code);
writeStamp(root, inputs);
if (warnings.length > 0) {
  process.stderr.write(`\nbuild: ${warnings.length} warning line(s); a clean build prints none:\n${warnings.map((w) => `  ${w}`).join('\n')}\n`);
  if (args.has('--strict')) process.exit(1);
}
