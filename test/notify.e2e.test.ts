/**
 * Notifications end to end (docs/notify.md): the built `arbiter` binary in temporary repositories, a real loopback
 * HTTP receiver (node:http) per test. A halt reaches the receiver as a Slack body; a hook's block does too; an
 * endpoint that never answers slows no verb and the flush gives up within its timeout; a 500 is tried twice and the
 * endpoint cools down; the queue holds at most 100 of 1,000 events; a URL's credentials and path never appear in any
 * output or file; with no webhook configured nothing is written.
 */
import { execFileSync } from 'node:child_process';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { emitNotification } from '../packages/hooks/src/notify/emit.js';
import { makeRepo, requireBuilt, runBin, runBinAsync, testEnv, tmp } from './helpers/bin.js';

/** A Claude Code PreToolUse payload (host-protocols.md C2). */
const claudePre = (session: string, cwd: string, tool: string, toolInput: Record<string, unknown> = {}): string =>
  JSON.stringify({ session_id: session, transcript_path: `/tmp/${session}.jsonl`, cwd, hook_event_name: 'PreToolUse', tool_name: tool, tool_input: toolInput });

interface Received {
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

type Mode = 'ok' | 'fail' | 'hang';

/** A loopback receiver: answers 200, 500, or never; records what it got and how many connections it saw. */
const receiver = async (mode: Mode) => {
  const got: Received[] = [];
  let connections = 0;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      got.push({ url: req.url ?? '', headers: req.headers, body });
      if (mode === 'hang') return; // never answer
      res.writeHead(mode === 'ok' ? 200 : 500);
      res.end(mode === 'ok' ? 'ok' : 'boom');
    });
  });
  server.on('connection', () => (connections += 1));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  servers.push(server);
  return { got, port, connections: () => connections };
};
const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

const waitFor = async (cond: () => boolean, ms: number): Promise<boolean> => {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return cond();
};

/** A repository with `notify` configured, its isolated state directory and environment. */
const world = (notify: unknown, extraEnv: NodeJS.ProcessEnv = {}) => {
  requireBuilt();
  const root = tmp('arbiter-e2e-notify-');
  const state = join(root, 'state');
  const repo = makeRepo(join(root, 'repo'));
  mkdirSync(join(repo, '.arbiter'), { recursive: true });
  writeFileSync(join(repo, '.arbiter', 'config.json'), JSON.stringify({ version: 1, lanes: { store: { kind: 'embedded', dir: join(root, 'lanes') } }, ...(notify === undefined ? {} : { notify }) }));
  const env = testEnv(state, { ARBITER_SESSION: 'sess-halter', ...extraEnv });
  const notifyDir = (): string | null => {
    const repos = join(state, 'repos');
    if (!existsSync(repos)) return null;
    const key = readdirSync(repos)[0];
    return key === undefined ? null : join(repos, key, 'notify');
  };
  const stateFile = (): { counts: Record<string, number>; pending: unknown[]; cooled: Record<string, string> } | null => {
    const d = notifyDir();
    if (d === null || !existsSync(join(d, 'state.json'))) return null;
    try {
      return JSON.parse(readFileSync(join(d, 'state.json'), 'utf8')) as { counts: Record<string, number>; pending: unknown[]; cooled: Record<string, string> };
    } catch {
      return null; // between the temp file and the rename
    }
  };
  const flushDone = (): boolean => {
    const d = notifyDir();
    return d !== null && !existsSync(join(d, 'flush.lock')) && !existsSync(join(d, 'outbox.ndjson'));
  };
  return { root, state, repo, env, notifyDir, stateFile, flushDone };
};

const halt = (w: ReturnType<typeof world>, target: string, reason: string) => runBin(['lane', 'halt', '--session', target, '--reason', reason], { env: w.env, cwd: w.repo, timeout: 30_000 });

/** Every file under `dir`, recursively. */
const filesUnder = (dir: string): string[] =>
  existsSync(dir) ? readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? filesUnder(join(dir, n)) : [join(dir, n)])) : [];

describe('notify.webhooks, end to end', () => {
  it('arbiter lane halt: the loopback receiver gets the Slack body (fixed template, escaped, with the event)', async () => {
    const r = await receiver('ok');
    const w = world({ webhooks: [{ url: `http://127.0.0.1:${r.port}/hook` }] });
    const h = halt(w, 'sess-other', 'freeze <!channel> & audit');
    expect(h.code).toBe(0);
    expect(await waitFor(() => r.got.length > 0, 20_000)).toBe(true);
    const got = r.got[0] as Received;
    expect(got.url).toBe('/hook');
    expect(got.headers['content-type']).toBe('application/json; charset=utf-8');
    const body = JSON.parse(got.body) as { text: string; blocks: unknown[]; arbiter: { event: unknown; repo: string } };
    expect(body.text).toMatch(/^:octagonal_sign: Session `sess-other` halted by `[^`]+`: freeze &lt;!channel&gt; &amp; audit$/);
    expect(body.blocks).toHaveLength(2);
    expect(body.arbiter.event).toMatchObject({ kind: 'halt', target: 'sess-other', reason: 'freeze <!channel> & audit' });
    expect(body.arbiter.repo).toBe('repo');
    expect(await waitFor(() => w.stateFile()?.counts['sent'] === 1 && w.flushDone(), 10_000)).toBe(true);
  });

  it('a hook that blocks (session lock held by another session) emits a block notification', async () => {
    const r = await receiver('ok');
    const w = world({ webhooks: [{ url: `http://127.0.0.1:${r.port}/b`, events: ['block'] }] });
    const acq = ['hook', 'session-lock', 'acquire', '--agent', 'claude'];
    expect(runBin(acq, { input: claudePre('sess-A', w.repo, 'Edit', { file_path: join(w.repo, 'README.md') }), env: w.env, cwd: w.repo }).code).toBe(0);
    const b = runBin(acq, { input: claudePre('sess-B', w.repo, 'Write'), env: w.env, cwd: w.repo });
    expect(b.code).toBe(2);
    expect(await waitFor(() => r.got.length > 0, 20_000)).toBe(true);
    const body = JSON.parse((r.got[0] as Received).body) as { text: string; arbiter: { event: unknown } };
    expect(body.arbiter.event).toEqual({ kind: 'block', policy: 'session-lock', reason: 'held-by-other', session: 'sess-B' });
    expect(body.text).toBe(':no_entry: Arbiter blocked session `sess-B`: `session-lock` (held-by-other).');
    // the halt is not among this webhook's events: nothing more arrives for it
    expect(halt(w, 'sess-x', 'r').code).toBe(0);
    await waitFor(() => w.flushDone(), 10_000);
    expect(r.got).toHaveLength(1);
  });

  it('an endpoint that never answers slows no verb; the flush gives up within its timeout and cools the endpoint', async () => {
    const r = await receiver('hang');
    const timeout = 6_000;
    const w = world({ timeout_ms: timeout, webhooks: [{ url: `http://127.0.0.1:${r.port}/slow` }] });
    const t0 = Date.now();
    const h = halt(w, 'sess-other', 'hang test');
    expect(h.code).toBe(0);
    // the verb returned before a single request could have timed out: no attempt is recorded yet
    expect(h.ms).toBeLessThan(timeout);
    expect(w.stateFile()?.counts['attempts'] ?? 0).toBe(0);
    // two attempts (the first and its one retry), each cut at the timeout, then the endpoint cools down
    expect(await waitFor(() => w.stateFile()?.counts['failed'] === 1 && w.flushDone(), 2 * timeout + 10_000)).toBe(true);
    expect(Date.now() - t0).toBeLessThan(2 * timeout + 10_000);
    expect(r.got).toHaveLength(2);
    expect(Object.keys(w.stateFile()?.cooled ?? {})).toHaveLength(1);
  });

  it('an endpoint answering 500 is tried twice, then cooled: later events to it are dropped and counted', async () => {
    const r = await receiver('fail');
    const w = world({ webhooks: [{ url: `http://127.0.0.1:${r.port}/err` }] });
    expect(halt(w, 'sess-1', 'first').code).toBe(0);
    expect(await waitFor(() => w.stateFile()?.counts['failed'] === 1 && w.flushDone(), 20_000)).toBe(true);
    expect(r.got).toHaveLength(2);
    expect(halt(w, 'sess-2', 'second').code).toBe(0);
    expect(await waitFor(() => w.stateFile()?.counts['dropped_cooled'] === 1 && w.flushDone(), 20_000)).toBe(true);
    expect(r.got).toHaveLength(2); // no third attempt while it cools down
    const st = runBin(['notify', 'status'], { env: w.env, cwd: w.repo });
    expect(st.code).toBe(0);
    expect(st.stdout).toContain('failed: 1');
    expect(st.stdout).toContain('endpoint cooling down 1');
    expect(st.stdout).toMatch(new RegExp(`cooled endpoints: 1\\n  http://127\\.0\\.0\\.1:${r.port}/… #[0-9a-f]{12}  for \\d+ s more`));
    expect(st.stdout).toContain('status-500');
  });

  it('1,000 events: the queue holds at most 100; the rest are dropped and counted, never sent', async () => {
    const r = await receiver('ok');
    const w = world({ webhooks: [{ url: `http://127.0.0.1:${r.port}/many` }] });
    const repoCtx = { startDir: w.repo, env: w.env, bin: null };
    for (let i = 0; i < 1_000; i++) expect(emitNotification(repoCtx, { kind: 'halt', target: `s-${i}`, by: 'ops', reason: `n${i}` })).toBe('queued');
    const f = await runBinAsync(['notify', 'flush'], { env: w.env, cwd: w.repo }); // async: the receiver lives in this process
    expect(f.code).toBe(0);
    expect(f.stdout).toBe('arbiter: notify: 100 attempt(s), 100 sent, 0 failed, 0 pending.\n');
    expect(r.got).toHaveLength(100);
    expect((JSON.parse((r.got[0] as Received).body) as { arbiter: { event: { target: string } } }).arbiter.event.target).toBe('s-900'); // oldest dropped
    expect(w.stateFile()?.counts).toMatchObject({ sent: 100, dropped_overflow: 900 });
  });

  it('a URL with credentials and a secret path never appears in output, logs or files', async () => {
    const r = await receiver('fail');
    const url = `http://hook-user:pa55-s3cr3t@127.0.0.1:${r.port}/services/T000/B000/XYZsecretpath`;
    const w = world({ webhooks: [{ url_env: 'ARBITER_TEST_HOOK' }] }, { ARBITER_TEST_HOOK: url });
    const outs = [halt(w, 'sess-1', 'creds')];
    await waitFor(() => w.stateFile()?.counts['failed'] === 1 && w.flushDone(), 20_000);
    expect(r.got[0]?.headers.authorization).toBe(`Basic ${Buffer.from('hook-user:pa55-s3cr3t').toString('base64')}`);
    outs.push(runBin(['notify', 'status'], { env: w.env, cwd: w.repo }));
    outs.push(runBin(['notify', 'status', '--json'], { env: w.env, cwd: w.repo }));
    // async where the binary talks to the receiver, which lives in this process
    outs.push(await runBinAsync(['notify', 'flush'], { env: w.env, cwd: w.repo }));
    outs.push(await runBinAsync(['notify', 'test'], { env: w.env, cwd: w.repo }));
    outs.push(await runBinAsync(['notify', 'test', '--url', url], { env: w.env, cwd: w.repo }));
    outs.push(runBin(['log'], { env: w.env, cwd: w.repo }));
    expect(outs[4]?.code).toBe(1); // the receiver answers 500
    expect(outs[4]?.stdout).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/… #[0-9a-f]{12}  failed \(status-500\)\n$/);
    const texts = [...outs.flatMap((o) => [o.stdout, o.stderr]), ...filesUnder(w.state).map((f) => readFileSync(f, 'utf8'))];
    for (const t of texts) {
      expect(t).not.toContain('pa55-s3cr3t');
      expect(t).not.toContain('hook-user');
      expect(t).not.toContain('XYZsecretpath');
    }
  });

  it('arbiter land: the lane granted after waiting in the queue is announced (lane-granted)', async () => {
    const r = await receiver('ok');
    const w = world({ webhooks: [{ url: `http://127.0.0.1:${r.port}/land`, events: ['lane-granted'] }] });
    const remote = join(w.root, 'remote.git');
    const g = (args: string[]): string => execFileSync('git', args, { cwd: w.repo, env: w.env, encoding: 'utf8' });
    execFileSync('git', ['init', '-q', '--bare', '-b', 'main', remote], { env: w.env });
    g(['remote', 'add', 'origin', remote]);
    g(['push', '-q', 'origin', 'main']);
    g(['checkout', '-q', '-b', 'feat']);
    writeFileSync(join(w.repo, 'f.txt'), 'x\n');
    g(['add', 'f.txt']);
    g(['commit', '-q', '-m', 'feat']);
    const as = (session: string): NodeJS.ProcessEnv => ({ ...w.env, ARBITER_SESSION: session });
    expect(runBin(['lane', 'claim', 'main'], { env: as('person'), cwd: w.repo }).code).toBe(0);
    const landing = runBinAsync(['land', '--check', 'true'], { env: as('sess-lander'), cwd: w.repo });
    const queued = async (): Promise<boolean> => (await runBinAsync(['land', 'status'], { env: as('observer'), cwd: w.repo })).stdout.includes('sess-lander');
    const end = Date.now() + 30_000;
    while (!(await queued()) && Date.now() < end) await new Promise((res) => setTimeout(res, 200));
    expect(r.got).toHaveLength(0); // waiting is not a grant
    expect((await runBinAsync(['lane', 'release', 'main'], { env: as('person'), cwd: w.repo })).code).toBe(0);
    const done = await landing;
    expect(done.code).toBe(0);
    expect(await waitFor(() => r.got.length > 0, 20_000)).toBe(true);
    const body = JSON.parse((r.got[0] as Received).body) as { text: string; arbiter: { event: unknown } };
    expect(body.arbiter.event).toEqual({ kind: 'lane-granted', lane: 'deploy:refs/heads/main', session: 'sess-lander', fence: 2 });
    expect(body.text).toBe(':large_green_circle: Lane `deploy:refs/heads/main` granted to session `sess-lander` (fence 2).');
  });

  it('with no webhook configured, a halt and a block write no notification file', () => {
    const w = world(undefined);
    expect(halt(w, 'sess-1', 'quiet').code).toBe(0);
    const acq = ['hook', 'session-lock', 'acquire', '--agent', 'claude'];
    runBin(acq, { input: claudePre('sess-A', w.repo, 'Edit'), env: w.env, cwd: w.repo });
    expect(runBin(acq, { input: claudePre('sess-B', w.repo, 'Edit'), env: w.env, cwd: w.repo }).code).toBe(2);
    expect(w.notifyDir()).not.toBeNull(); // the runtime directory exists (the decision log is there)
    expect(existsSync(w.notifyDir() as string)).toBe(false);
  });

  it('notify test --url refuses cleartext to a remote host (usage, exit 2); notify --help works', () => {
    const w = world(undefined);
    const t = runBin(['notify', 'test', '--url', 'http://hooks.example.com/x'], { env: w.env, cwd: w.repo });
    expect(t.code).toBe(2);
    expect(t.stderr).toContain('http is allowed only to a loopback host');
    expect(t.stderr).not.toContain('hooks.example.com');
    const help = runBin(['notify', '--help'], { env: w.env, cwd: w.repo });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('flush');
    expect(help.stdout).toContain('status');
  });
});
