/** The convoy decision tables in docs/tables are the kernel's output (regenerate with `npm run tables`). */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { tableToMarkdown } from '@arbiter/kernel';
import { TABLES } from '../packages/hooks/src/tables.js';

describe('convoy decision tables are current', () => {
  for (const policy of ['breaker', 'review-level', 'drift', 'engine-lock']) {
    it(`docs/tables/${policy}.md`, () => {
      const gen = TABLES[policy];
      expect(gen).toBeDefined();
      const tb = (gen as () => Parameters<typeof tableToMarkdown>[0])();
      expect(tb.rows.every((r) => r.length === tb.columns.length)).toBe(true);
      expect(readFileSync(resolve(__dirname, `../docs/tables/${policy}.md`), 'utf8')).toBe(tableToMarkdown(tb));
    });
  }
});
