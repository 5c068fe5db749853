/**
 * `arbiter table` (architecture.md "Decision tables and decision log"): the binary prints the same bytes as the
 * generators in every format. The in-process checks (every generated table equals `docs/tables/<policy>.md`) live in
 * test/tables-docs.test.ts, where mutation testing can run them.
 */
import { describe, expect, it } from 'vitest';
import { tableToCsv, tableToJson, tableToMarkdown } from '@arbiter/kernel';
import { TABLES } from '@arbiter/hooks';
import { requireBuilt, runBin, testEnv, tmp } from './helpers/bin.js';

describe('decision tables', () => {
  it('arbiter table prints md, csv and json from the same generator; unknown policy is a usage error', () => {
    requireBuilt();
    const env = testEnv(tmp());
    const [policy, gen] = Object.entries(TABLES)[0] as [string, () => Parameters<typeof tableToMarkdown>[0]];
    expect(runBin(['table', policy], { env }).stdout).toBe(tableToMarkdown(gen()));
    expect(runBin(['table', policy, '--format', 'csv'], { env }).stdout).toBe(tableToCsv(gen()));
    expect(JSON.parse(runBin(['table', policy, '--format', 'json'], { env }).stdout)).toEqual(JSON.parse(tableToJson(gen())));
    const bad = runBin(['table', 'no-such-policy'], { env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unknown policy');
    expect(runBin(['table', policy, '--format', 'xml'], { env }).code).toBe(2);
  });
});
