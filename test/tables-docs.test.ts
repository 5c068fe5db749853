/**
 * Decision tables (architecture.md "Decision tables and decision log"): every registered policy's generated table equals
 * `docs/tables/<policy>.md`, every doc has a generator, and CSV quoting. Regenerate with `npm run tables`. In process
 * only (the binary's `arbiter table` is checked in test/tables.test.ts), so mutation testing runs these against every
 * mutant of a decision's `table()`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tableToCsv, tableToMarkdown } from '@arbiter/kernel';
import { TABLES } from '@arbiter/hooks';

const docs = join(__dirname, '..', 'docs', 'tables');

describe('decision tables', () => {
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

  it('csv quoting survives commas, quotes and newlines', () => {
    const csv = tableToCsv({ policy: 'p', version: '1', title: 't', columns: ['a', 'b'], rows: [['x,y', 'say "hi"\nthen']], notes: [] });
    expect(csv).toBe('a,b\r\n"x,y","say ""hi""\nthen"\r\n');
  });
});
