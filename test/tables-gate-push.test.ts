/** `docs/tables/gate-push.md` is generated from the kernel (`npm run tables`); this fails when it is stale. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { pushGate, tableToMarkdown } from '@arbiter/kernel';
import { TABLES } from '../packages/hooks/src/tables.js';

it('docs/tables/gate-push.md matches pushGate.table() and is registered as `arbiter table gate-push`', () => {
  expect(TABLES['gate-push']).toBe(pushGate.table);
  expect(readFileSync(join(__dirname, '..', 'docs', 'tables', 'gate-push.md'), 'utf8')).toBe(tableToMarkdown(pushGate.table()));
});
