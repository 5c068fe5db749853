/**
 * Captures what the real clients send to hooks: a recording hook (harness.ts `record`) registered beside Arbiter's
 * for every event copies each payload. With ARBITER_UPDATE_CLIENT_FIXTURES=1 the first payload of each event (and
 * tool) is written, scrubbed of ids and paths, to test/fixtures/clients/<client>/<event>.json; otherwise the test
 * checks that the pinned clients still send exactly the fields the stored fixtures have, so the fixtures stay real.
 * test/client-payloads.test.ts feeds the fixtures to the hooks' decoders.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { say } from './fake-model.js';
import { CLIENTS, makeWorld, recorded, runSession, shell, writeFile, type Client, type World, SESSION_TEST_MS, SETUP_MS, cleanupWorlds, setupClients } from './harness.js';

vi.setConfig({ testTimeout: SESSION_TEST_MS });
beforeAll(setupClients, SETUP_MS);
afterAll(cleanupWorlds);

const FIXTURES = resolve(__dirname, '../fixtures/clients');
const UPDATE = process.env['ARBITER_UPDATE_CLIENT_FIXTURES'] === '1';

/** The fixture name of a payload: the event, plus the tool or outcome where one event has several shapes. */
const nameOf = (client: Client, event: string, p: Record<string, unknown>): string => {
  const toolName = typeof p['tool_name'] === 'string' ? p['tool_name'] : '';
  if (event === 'PreToolUse' || event === 'PostToolUse') {
    const base = toolName === 'Bash' ? event : `${event}-${toolName}`;
    const input = JSON.stringify(p['tool_input'] ?? '');
    return client === 'codex' && event === 'PostToolUse' && toolName === 'Bash' && input.includes('no-such-branch') ? `${base}-failed` : base;
  }
  return event;
};

/** Replace ids, paths and object ids by placeholders so a fixture is stable and says nothing about the machine. */
const scrub = (w: World, p: Record<string, unknown>): unknown => {
  const ids = new Map<string, string>();
  for (const [k, tag] of [
    ['session_id', '<session-id>'],
    ['turn_id', '<turn-id>'],
    ['prompt_id', '<prompt-id>'],
    ['tool_use_id', '<tool-use-id>'],
  ] as const) {
    const v = p[k];
    if (typeof v === 'string' && v !== '') ids.set(v, tag);
  }
  // object ids become fixed hex of the same length, distinct per id (1111111, 2222222, …), so a scrubbed push report
  // still reads as git's (`<old>..<new>  main -> main`) to the parsers the fixtures feed
  const oids = new Map<string, string>();
  const oidTag = (oid: string): string => {
    if (!oids.has(oid)) oids.set(oid, ((oids.size % 9) + 1).toString().repeat(oid.length));
    return oids.get(oid) as string;
  };
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') {
      let s = v.split(w.root).join('/tmp/world').split(w.root.replace(/\//g, '-')).join('-tmp-world'); // Claude's transcript directory encodes the path
      for (const [id, tag] of ids) s = s.split(id).join(tag);
      return s.replace(/\b[0-9a-f]{7,40}\b/g, (oid) => oidTag(oid)).replace(/rollout-[0-9T-]+-/, 'rollout-<time>-').replace(/\/sessions\/\d{4}\/\d{2}\/\d{2}\//, '/sessions/<date>/');
    }
    if (Array.isArray(v)) return v.map(walk);
    if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(p);
};

/** The shape of a payload: its keys, and the keys of `tool_input` and the type of `tool_response`. */
const shapeOf = (p: Record<string, unknown>): unknown => ({
  keys: Object.keys(p).sort(),
  tool_input: typeof p['tool_input'] === 'object' && p['tool_input'] !== null ? Object.keys(p['tool_input']).sort() : typeof p['tool_input'],
  tool_response: typeof p['tool_response'] === 'object' && p['tool_response'] !== null ? Object.keys(p['tool_response']).sort() : typeof p['tool_response'],
});

describe.each(CLIENTS)('%s: real hook payloads', (client) => {
  it('every event the client fires reaches the hooks with the fields of the stored fixtures', async () => {
    const w = makeWorld(`payloads-${client}`, { record: true });
    const s = await runSession(client, w, {
      prompt: 'Ship the change to main.',
      script: [
        shell(client, 'git commit -q --allow-empty -m "ship it" && git push origin main'),
        shell(client, 'git push origin no-such-branch'),
        writeFile(client, w, 'notes.txt', 'hello\n'),
        say('Pushed.'),
      ],
    });
    expect(s.code, s.stderr).toBe(0);
    expect(s.unused).toBe(0);
    // start-up traffic: nothing but the agent loop's endpoint reached the loopback server (host-protocols.md, observed payloads)
    expect([...new Set(s.requests.map((r) => `${r.method} ${r.path}`))]).toEqual([client === 'claude' ? 'POST /v1/messages' : 'POST /v1/responses']);
    const seen = new Map<string, Record<string, unknown>>();
    for (const { event, payload } of recorded(w, client)) {
      const name = nameOf(client, event, payload);
      if (!seen.has(name)) seen.set(name, payload);
    }
    const dir = join(FIXTURES, client);
    if (UPDATE) {
      mkdirSync(dir, { recursive: true });
      for (const [name, payload] of seen) writeFileSync(join(dir, `${name}.json`), JSON.stringify(scrub(w, payload), null, 2) + '\n');
    }
    const stored = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -'.json'.length)).sort() : [];
    expect([...seen.keys()].sort()).toEqual(stored);
    for (const name of stored) {
      const fixture = JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')) as Record<string, unknown>;
      expect(shapeOf(seen.get(name) as Record<string, unknown>), `${client}/${name}`).toEqual(shapeOf(fixture));
    }
  });
});
