/**
 * Decision tables (architecture.md "Decision tables and decision log"): every registered policy's generated table equals
 * `docs/tables/<policy>.md`, every doc has a generator, and `arbiter table` prints the same bytes in every format.
 * Regenerate with `npm run tables`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tableToCsv, tableToJson, tableToMarkdown } from '@arbiter/kernel';
import { TABLES } from '@arbiter/hooks';
import { requireBuilt, runBin, testEnv, tmp } from './helpers/bin.js';

const docs = join(__dirname, '..', 'docs', 'tables');

describe('decision tables', () => {
  beforeAll(() => requireBuilt());

  for (const [policy, gen] of Object.entries(TABLES)) {
    it(`docs/tables/${policy}.md is current (npm run tables regenerates it)`, () => {
      const tb = gen();
      expect(tb.policy).toBe(policy);
      expect(tb.rows.length).toBeGreaterThan(0);
      for (const r of tb.rows) expect(r).toHaveLength(tb.columns.length);
      expect(readFileSync(join(docs, `${policy}.md`), 'utf8')).toBe(tableToMarkdown(tb));
      expect(gen()).toEqual(tb); // deterministic
    });
  }

  it('every file in docs/tables has a generator', () => {
    const files = readdirSync(docs).filter((f) => f.endsWith('.md')).map((f) => f.slice(0, -3)).sort();
    expect(files).toEqual(Object.keys(TABLES).sort());
  });

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
