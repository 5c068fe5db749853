/**
 * Presence reaches the shared store through the hooks (presence.md §10), end to end on the built binary: a served
 * embedded store (`arbiter serve --store fs:DIR`), two clones on two "machines" configured with the http lane store.
 * A Claude prompt on machine A starts a detached `arbiter presence publish`, and the service soon lists the session
 * working, stamped with its own clock; a tool call in the same state publishes nothing (PR9); a Stop publishes idle;
 * `arbiter status` on machine B shows A's session beside its own.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import { httpPresenceStore } from '@arbiter/io-node';
import type { SessionPresence } from '@arbiter/kernel';
import { makeRepo, requireBuilt, runBin, startServe, stopChild, testEnv, tmp } from './helpers/bin.js';

const root = tmp('arbiter-presence-shared-');
const STORE = join(root, 'served');
let server: Awaited<ReturnType<typeof startServe>> | null = null;
let token = '';

const machine = (name: string) => {
  const env = { ...testEnv(join(root, name, 'state')), ARBITER_HOST: name, ARBITER_TOKEN: token };
  const repo = makeRepo(join(root, name, 'repo'));
  mkdirSync(join(repo, '.arbiter'));
  writeFileSync(join(repo, '.arbiter', 'config.json'), JSON.stringify({ version: 1, lanes: { store: { kind: 'http', url: server!.url, token_env: 'ARBITER_TOKEN' } } }));
  const hook = (event: string, hostEvent: string, session: string, extra: Record<string, unknown> = {}) =>
    runBin(['hook', event, '--agent', 'claude'], { input: JSON.stringify({ session_id: session, cwd: repo, hook_event_name: hostEvent, transcript_path: null, ...extra }), env, cwd: repo });
  return { env, repo, hook };
};

/** The service's record of `session`, polled until `ok` holds or 10 s pass (the publisher is a detached process). */
const served = async (session: string, ok: (p: SessionPresence | undefined) => boolean): Promise<SessionPresence | undefined> => {
  const store = httpPresenceStore({ url: server!.url, token });
  const until = Date.now() + 10_000;
  for (;;) {
    const l = await store.list()();
    const p = E.isRight(l) ? l.right.sessions.find((s) => s.session === session) : undefined;
    if (ok(p) || Date.now() > until) return p;
    await new Promise((r) => setTimeout(r, 50));
  }
};

describe('presence published through the hooks to a shared store (presence.md §10)', () => {
  beforeAll(async () => {
    requireBuilt();
    mkdirSync(join(root, 'home'), { recursive: true });
    const env = testEnv(join(root, 'state'));
    token = runBin(['token', 'create', '--member', 'ana@example.com', '--store', `fs:${STORE}`], { env, cwd: root }).stdout.trim();
    expect(token).toMatch(/^arb_/);
    server = await startServe(['--listen', '127.0.0.1:0', '--store', `fs:${STORE}`, '--clock-rate', '10'], { env, cwd: root });
  }, 60_000);
  afterAll(() => stopChild(server?.child));

  it('a prompt publishes working with the service clock, a tool call in the same state publishes nothing, a Stop publishes idle; status on another machine shows the session', async () => {
    const a = machine('machine-a');
    expect(a.hook('prompt', 'UserPromptSubmit', 'sess-a', { prompt: 'go' }).code).toBe(0);
    const working = await served('sess-a', (p) => p?.state === 'working');
    expect(working).toMatchObject({ session: 'sess-a', state: 'working', lastEvent: 'prompt', host: 'machine-a', branch: 'main' });
    expect(working!.lastEventAt - Date.now()).toBeGreaterThan(1_000); // stamped by the service's clock (ten times fast), not machine A's

    // PR9: same state, attempt fresh → no publisher; the served record stays the prompt's
    expect(a.hook('pre-tool', 'PreToolUse', 'sess-a', { tool_name: 'Read', tool_input: { file_path: join(a.repo, 'x') } }).code).toBe(0);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await served('sess-a', () => true)).toMatchObject({ lastEvent: 'prompt', lastEventAt: working!.lastEventAt });

    expect(a.hook('stop', 'Stop', 'sess-a', { stop_hook_active: false, last_assistant_message: 'Done.' }).code).toBe(0);
    expect(await served('sess-a', (p) => p?.state === 'idle')).toMatchObject({ state: 'idle', lastEvent: 'stop' });

    const b = machine('machine-b');
    // an id that looks like an option (the dispatcher takes a lone --help anywhere as a help request) reaches the publisher whole
    expect(b.hook('prompt', 'UserPromptSubmit', '--help', { prompt: 'go' }).code).toBe(0);
    expect(await served('--help', (p) => p?.state === 'working')).toMatchObject({ session: '--help', host: 'machine-b' });
    const st = runBin(['status', '--json'], { env: b.env, cwd: b.repo });
    expect(st.code).toBe(0);
    const snap = JSON.parse(st.stdout) as { sessions: Array<{ session: string; host: string; shown: string }> };
    expect(snap.sessions.map((s) => `${s.session}@${s.host}:${s.shown}`).sort()).toEqual(['--help@machine-b:working', 'sess-a@machine-a:idle']);
  }, 60_000);
});
