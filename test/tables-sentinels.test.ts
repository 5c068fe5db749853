/** The generated tables of build-stop and stop-gate are registered and `docs/tables/*.md` is up to date. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tableToMarkdown } from '@arbiter/kernel';
import { TABLES } from '../packages/hooks/src/tables.js';

describe('sentinel decision tables', () => {
  for (const policy of ['build-stop', 'stop-gate']) {
    it(`${policy}: registered, every row as wide as the header, docs/tables/${policy}.md current (run npm run tables)`, () => {
      const gen = TABLES[policy];
      expect(gen).toBeDefined();
      const t = gen!();
      expect(t.policy).toBe(policy);
      for (const r of t.rows) expect(r).toHaveLength(t.columns.length);
      expect(readFileSync(join(__dirname, '..', 'docs', 'tables', `${policy}.md`), 'utf8')).toBe(tableToMarkdown(t));
    });
  }
});
