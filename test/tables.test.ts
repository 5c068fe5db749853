/**
 * Decision tables (architecture.md "Decision tables and decision log"): `arbiter table` prints the same bytes as the
 * generator in every format. The comparison of every generator with `docs/tables/<policy>.md` is in-process, in
 * tables-docs.test.ts (so mutation testing runs it).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { tableToCsv, tableToJson, tableToMarkdown } from '@arbiter/kernel';
import { TABLES } from '@arbiter/hooks';
import { requireBuilt, runBin, testEnv, tmp } from './helpers/bin.js';

describe('decision tables', () => {
  beforeAll(() => requireBuilt());

  it('arbiter table prints md, csv and json from the same generator; unknown policy is a usage error', () => {
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

  it('csv quoting survives commas, quotes and newlines', () => {
    const csv = tableToCsv({ policy: 'p', version: '1', title: 't', columns: ['a', 'b'], rows: [['x,y', 'say "hi"\nthen']], notes: [] });
    expect(csv).toBe('a,b\r\n"x,y","say ""hi""\nthen"\r\n');
  });
});
