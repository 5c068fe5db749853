// One process of the multi-process queue test (test/lane-queue.test.ts): waits for the start file, then enqueues one
// ticket on the embedded store (again while the store answers `contended`, as a waiting `arbiter land` does), refreshes
// it once, and dequeues it when asked. Prints one line of JSON. argv: <root> <lane> <worker id> <start file> <dequeue 0|1>.
import { existsSync } from 'node:fs';
import { fsLaneStore } from '../../packages/io-node/dist/index.js';

const [root, lane, id, startFile, leave] = process.argv.slice(2);
const store = fsLaneStore(root);
const me = { handle: `w${id}@example.com`, session: `s-${id}`, instance: `inst-${id}`, host: `h${id}` };
const deadline = Date.now() + 20_000;
while (!existsSync(startFile) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
const persist = async (f) => {
  let contended = 0;
  for (;;) {
    const r = await f();
    if (r._tag === 'Right') return { right: r.right, contended };
    if (r.left.kind !== 'contended' || contended >= 200) return { failure: r.left, contended };
    contended++;
  }
};
const first = await persist(store.enqueue(lane, me, { branch: `feature/${id}`, ttl_ms: 600_000 }));
const again = await persist(store.enqueue(lane, me, { branch: `feature/${id}`, ttl_ms: 600_000 }));
const out = await (leave === '1' ? persist(store.dequeue(lane, me.instance)) : Promise.resolve(null));
process.stdout.write(JSON.stringify({ id, instance: me.instance, first, again, out }) + '\n');
