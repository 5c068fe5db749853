/**
 * `arbiter blast-radius`: read a unified diff on stdin and print the secrets.md §7 verdict as JSON
 * (`{level, passed, reason, lines, files, summary}`).
 *
 * Exit codes: 0 `ok` or `warn` (passed); 1 `block` (too large, or a diff that cannot be parsed: fail-closed);
 * 2 usage error (stdin is a terminal) or a diff larger than 256 MiB.
 */
import { Command } from 'commander';
import { secrets } from '@arbiter/kernel';
import { recordDecision } from '../decision-record.js';
import { die } from './util.js';

const MAX_BYTES = 256 * 1024 * 1024;

const readAll = (): Promise<string> =>
  new Promise((ok, fail) => {
    const chunks: Buffer[] = [];
    let n = 0;
    process.stdin.on('data', (c: Buffer) => {
      n += c.length;
      if (n > MAX_BYTES) fail(new Error('diff larger than 256 MiB'));
      chunks.push(c);
    });
    process.stdin.on('end', () => ok(Buffer.concat(chunks).toString('utf8')));
    process.stdin.on('error', fail);
  });

/** Register `blast-radius`. */
export const register = (program: Command): void => {
  program
    .command('blast-radius')
    .description('measure a unified diff read from stdin (e.g. `git diff | arbiter blast-radius`); exit 1 when it blocks')
    .action(async () => {
      if (process.stdin.isTTY === true) die('pipe a unified diff on stdin, e.g. `git diff main | arbiter blast-radius`', 2);
      let text: string;
      try {
        text = await readAll();
      } catch (e) {
        return die((e as Error).message, 2);
      }
      const v = secrets.blastRadius(text);
      process.stdout.write(JSON.stringify({ level: v.level, passed: v.passed, reason: v.reason, lines: v.lines, files: v.files, summary: v.summary }, null, 2) + '\n');
      recordDecision({
        startDir: process.cwd(),
        env: process.env,
        policy: 'blast-radius',
        policyVersion: secrets.POLICY_VERSION,
        mode: 'cli',
        facts: { lines: v.lines, files: v.files },
        verdict: v._tag,
        reasons: v.reasons,
      });
      process.exitCode = v.passed ? 0 : 1;
    });
};
