/**
 * Decision tables (architecture.md "Decision tables and decision log"): every registered policy's generated table equals
 * `docs/tables/<policy>.md`, and every doc has a generator. Regenerate with `npm run tables`.
 *
 * In process on purpose (no built binary): `npm run mutate` runs only in-process suites (docs/testing.md §3), and
 * this comparison is what notices a mutant in a kernel `table()` fixture. The binary's `arbiter table` output is
 * checked in tables.test.ts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tableToMarkdown } from '@arbiter/kernel';
import { TABLES } from '../packages/hooks/src/tables.js';

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
});
