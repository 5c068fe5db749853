/**
 * `arbiter scan secrets <paths…> [--allowlist FILE] [--json]`: the secrets.md secret scan over files (die-loud posture).
 *
 * Exit codes: 0 no finding; 1 at least one finding (each printed as `file:line:column pattern snippet`, the snippet
 * redacted, so no secret is ever printed); 2 usage or I/O error (a path that cannot be read, a bad allowlist path).
 * Directories are walked recursively, skipping `.git` and `node_modules`. The allowlist defaults to
 * `.arbiter/secret-allowlist.yml` at the top level of the git worktree containing the current directory; findings are
 * labelled with paths relative to that top level (so path-scoped entries match), else as given.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { Command } from 'commander';
import { secrets } from '@arbiter/kernel';
import { findTopLevel } from '@arbiter/io-node';
// `yaml` (eemeli/yaml): the maintained YAML 1.2 parser with no dependencies; the allowlist file is YAML (secrets.md §3).
import { parse as parseYaml } from 'yaml';
import { recordDecision } from '../decision-record.js';
import { die } from './util.js';

const SKIP_DIRS = new Set(['.git', 'node_modules']);

/** Expand files and directories (recursively, sorted) into file paths; throws on a path that cannot be read. */
const expand = (p: string, out: string[]): void => {
  const st = statSync(p);
  if (st.isDirectory()) {
    for (const name of readdirSync(p).sort()) {
      if (SKIP_DIRS.has(name)) continue;
      expand(join(p, name), out);
    }
  } else if (st.isFile()) out.push(p);
};

/** Load an allowlist file: missing → empty; unreadable or unparseable → empty plus a warning (fail-closed). */
export const loadAllowlist = (file: string): { allowlist: secrets.Allowlist; warnings: string[] } => {
  if (!existsSync(file)) return { allowlist: [], warnings: [] };
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(file, 'utf8'));
  } catch {
    return { allowlist: [], warnings: [`secret-allowlist-unreadable: ${file} cannot be read or parsed; nothing is allowlisted`] };
  }
  const d = secrets.decodeAllowlist(doc ?? {});
  return { allowlist: d.allowlist, warnings: d.problems.map((p) => `${p.code}: ${file}${p.index >= 0 ? ` entry ${p.index}` : ''}: ${p.detail}`) };
};

/** Register `scan secrets`. */
export const register = (program: Command): void => {
  const scan = program.command('scan').description('scan files for problems (run `arbiter scan secrets --help`)');
  scan
    .command('secrets')
    .description('scan files for likely credentials; exit 0 clean, 1 findings, 2 usage or I/O error')
    .argument('<paths...>', 'files or directories to scan')
    .option('--allowlist <file>', 'allowlist YAML (default: .arbiter/secret-allowlist.yml at the worktree top level)')
    .option('--json', 'print findings as one JSON document')
    .action((paths: string[], o: { allowlist?: string; json?: boolean }) => {
      const top = findTopLevel(process.cwd());
      const allowFile = o.allowlist ?? (top === null ? null : join(top, '.arbiter', 'secret-allowlist.yml'));
      if (o.allowlist !== undefined && !existsSync(o.allowlist)) die(`--allowlist: no such file: ${o.allowlist}`, 2);
      const { allowlist, warnings } = allowFile === null ? { allowlist: [], warnings: [] } : loadAllowlist(allowFile);
      for (const w of warnings) process.stderr.write(`arbiter: warning: ${w}\n`);
      const files: string[] = [];
      for (const p of paths) {
        try {
          expand(p, files);
        } catch (e) {
          die(`cannot read ${p}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`, 2);
        }
      }
      const findings: secrets.Finding[] = [];
      for (const f of files) {
        let text: string;
        try {
          text = readFileSync(f, 'utf8');
        } catch (e) {
          return die(`cannot read ${f}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`, 2);
        }
        const abs = resolve(f);
        const rel = top !== null && !relative(top, abs).startsWith('..') && !isAbsolute(relative(top, abs)) ? relative(top, abs).split(sep).join('/') : f;
        const r = secrets.scanForSecrets(text, rel, allowlist);
        findings.push(...r.findings);
      }
      if (o.json === true) process.stdout.write(JSON.stringify({ clean: findings.length === 0, files: files.length, findings }, null, 2) + '\n');
      else {
        for (const f of findings) process.stdout.write(secrets.findingMessage(f) + '\n');
        process.stderr.write(`${findings.length} finding(s) in ${files.length} file(s)\n`);
      }
      recordDecision({
        startDir: process.cwd(),
        env: process.env,
        policy: secrets.POLICY,
        policyVersion: secrets.POLICY_VERSION,
        mode: 'cli',
        facts: { files: files.length, findings: findings.slice(0, 50).map((f) => ({ file: f.file, line: f.line, pattern: f.pattern })) },
        verdict: findings.length === 0 ? 'Clean' : 'Findings',
        reasons: [findings.length === 0 ? 'secret-clean' : 'secret-found'],
      });
      process.exitCode = findings.length === 0 ? 0 : 1;
    });
};
