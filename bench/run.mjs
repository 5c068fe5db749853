// `npm run bench`: runs every bench/*.bench.mjs (default export: async (ctx) => rows) and prints one table.
// A row is {name, value, unit, spread?, baseline?, ratio?, target?}. Results also go to .bench-out/results.json.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as lib from './lib.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const only = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.mjs'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();
const ctx = { root, bin: join(root, 'packages/hooks/dist/arbiter.cjs'), lib };
const all = [];
for (const f of files) {
  process.stdout.write(`\n## ${f}\n`);
  const rows = await (await import(join(here, f))).default(ctx);
  for (const r of rows) {
    all.push({ bench: f, ...r });
    const parts = [`${r.name}: ${lib.fmt(r.value)} ${r.unit}`];
    if (r.spread) parts.push(`(IQR ${r.spread})`);
    if (r.baseline) parts.push(`baseline ${r.baseline}`);
    if (r.ratio !== undefined) parts.push(`ratio ${lib.fmt(r.ratio)}×`);
    if (r.target) parts.push(`target ${r.target}`);
    process.stdout.write(`- ${parts.join('  ')}\n`);
  }
}
mkdirSync(join(root, '.bench-out'), { recursive: true });
writeFileSync(join(root, '.bench-out', 'results.json'), JSON.stringify({ at: new Date().toISOString(), node: process.version, rows: all }, null, 2));
process.stdout.write(`\nresults written to .bench-out/results.json\n`);
