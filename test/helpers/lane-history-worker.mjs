// One process of the lane history check (test/pg-history.test.ts, test/lane-store.test.ts): a random walk of lane
// operations against a store, one line of JSON per operation on stdout. argv: <kind> <url> <schema> <worker id> <ops> <seed>.
// kind `pg` = the PostgreSQL store direct (<url> a database URL); kind `http` = the HTTP client store in front of
// `arbiter serve --store postgres` (<url> the service, bearer token in $ARBITER_TOKEN, <schema> unused); kind `fs` =
// the embedded store (<url> its root directory, <schema> a start file the worker waits for, so that the processes race).
// Each line carries the call's start and end (t0, t1: ms since the epoch), so a failing run can be put in time order.
import { existsSync } from 'node:fs';
import { fsLaneStore, httpLaneStore, openPgLaneStore } from '../../packages/io-node/dist/index.js';

const [kind, url, schema, id, opsArg, seedArg] = process.argv.slice(2);
const ops = Number(opsArg);
let seed = Number(seedArg) >>> 0;
const rand = (n) => {
  seed = (seed * 1664525 + 1013904223) >>> 0;
  return seed % n;
};
if (kind !== 'pg' && kind !== 'http' && kind !== 'fs') throw new Error(`unknown store kind ${kind}`);
const store =
  kind === 'pg'
    ? openPgLaneStore({ url, schema, poolMax: 1, statementTimeoutMs: 2_000 })
    : kind === 'fs'
      ? { ...fsLaneStore(url), close: async () => undefined }
      : { ...httpLaneStore({ url, token: process.env.ARBITER_TOKEN ?? null }), close: async () => undefined };
if (kind === 'fs') {
  const deadline = Date.now() + 20_000;
  while (!existsSync(schema) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
}
const me = { handle: `w${id}@example.com`, session: `s-${id}`, instance: Number(id).toString(16).padStart(32, 'a'), host: `h${id}` };
const LANES = ['deploy:a', 'deploy:b', 'deploy:c'];
const fences = new Map();
const out = [];
for (let i = 0; i < ops; i++) {
  const lane = LANES[rand(LANES.length)];
  const r = rand(10);
  let op;
  let res;
  const t0 = Date.now();
  if (r < 5) {
    op = 'claim';
    res = await store.claim(lane, me, { intent: 'push', eta_minutes: 1 })();
    if (res._tag === 'Right' && res.right._tag === 'Granted') fences.set(lane, res.right.fence);
  } else if (r < 7) {
    op = 'heartbeat';
    res = await store.heartbeat(lane, me.instance, fences.get(lane) ?? 0)();
  } else if (r < 9) {
    op = 'release';
    res = await store.release(lane, me.instance)();
  } else {
    op = 'force';
    res = await store.forceRelease(lane, me, 'history check')();
  }
  out.push(JSON.stringify({ op, lane, instance: me.instance, t0, t1: Date.now(), res: res._tag === "Right" ? res.right : { failure: res.left } }));
}
await store.close();
process.stdout.write(out.join('\n') + '\n');
