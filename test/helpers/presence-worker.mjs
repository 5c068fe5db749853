// One process of the multi-process registry test (test/presence-store.test.ts): for each round i, waits for the file
// `go-<i>`, records one sighting of session `race` in the file-system registry, then creates `done-<id>-<i>`.
// Prints one line of JSON: the record each round's `record` call left (what this process wrote, or read when late).
// argv: <runtime dir> <worker id> <rounds> <event>.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fsPresenceStore } from '../../packages/io-node/dist/index.js';

const [dir, id, roundsArg, event] = process.argv.slice(2);
const store = fsPresenceStore(dir);
const out = [];
for (let i = 0; i < Number(roundsArg); i++) {
  const deadline = Date.now() + 20_000;
  while (!existsSync(join(dir, `go-${i}`)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1));
  const r = await store.record({ session: 'race', agent: 'claude', event, host: `h${id}`, workspace: '/w', worktree: `/w/${id}`, branch: `b${i}`, tool: `t${id}-${i}` })();
  out.push(r._tag === 'Right' ? r.right.presence : { failure: r.left });
  writeFileSync(join(dir, `done-${id}-${i}`), '');
}
process.stdout.write(JSON.stringify(out) + '\n');
