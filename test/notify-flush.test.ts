/**
 * Notifications, the Node side without a network (docs/notify.md §4–5): what `emitNotification` writes (nothing
 * when unconfigured, one masked line otherwise, a counted overflow when the outbox is full), and the flush loop with a
 * fake clock and a fake POST: the budget, the retry pause, the cool-down, the lock.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { notify as N } from '@arbiter/kernel';
import { OUTBOX_FILE, OUTBOX_MAX_BYTES, OVERFLOW_FILE, notifyDir, readNotifyState, resolveRepo, takeFlushLock, FLUSH_LOCK_FILE } from '@arbiter/io-node';
import { emitNotification } from '../packages/hooks/src/notify/emit.js';
import { flushOutbox, type FlushDeps } from '../packages/hooks/src/notify/flush.js';
import { makeRepo, testEnv, tmp } from './helpers/bin.js';

const setup = (notify?: unknown) => {
  const root = tmp('arbiter-notify-unit-');
  const repo = makeRepo(join(root, 'repo'));
  const env = testEnv(join(root, 'state'));
  mkdirSync(join(repo, '.arbiter'), { recursive: true });
  writeFileSync(join(repo, '.arbiter', 'config.json'), JSON.stringify({ version: 1, ...(notify === undefined ? {} : { notify }) }));
  const r = resolveRepo(repo, env);
  if (r === null) throw new Error('no repo');
  return { repo, env, r, dir: notifyDir(r.runtimeDir) };
};
const halt = (i: number): N.NotifyEvent => ({ kind: 'halt', target: `s${i}`, by: 'ops', reason: `r${i}` });

/** A fake world: the clock moves only when a POST takes time or the flush sleeps. */
const fakeDeps = (answer: (url: string, n: number) => { a: N.AttemptAnswer; ms: number }) => {
  let now = Date.UTC(2026, 0, 1);
  const posts: Array<{ url: string; at: number; timeout: number }> = [];
  const deps: FlushDeps = {
    now: () => now,
    post: (url, _body, timeoutMs) => {
      posts.push({ url, at: now, timeout: timeoutMs });
      const { a, ms } = answer(url, posts.length);
      now += Math.min(ms, timeoutMs);
      return Promise.resolve(ms >= timeoutMs ? { _tag: 'Timeout' } : a);
    },
    sleep: (ms) => {
      now += ms;
      return Promise.resolve();
    },
  };
  return { deps, posts, advance: (ms: number) => (now += ms) };
};

describe('emitNotification (docs/notify.md §5)', () => {
  it('E2: without notify.webhooks nothing is written', () => {
    const w = setup();
    expect(emitNotification({ startDir: w.repo, env: w.env, bin: null }, halt(1))).toBe('off');
    const w2 = setup({ webhooks: [] });
    expect(emitNotification({ startDir: w2.repo, env: w2.env, bin: null }, halt(1))).toBe('off');
    expect(existsSync(w.dir) || existsSync(w2.dir)).toBe(false);
    expect(emitNotification({ startDir: '/', env: w.env, bin: null }, halt(1))).toBe('off'); // outside a repository
  });

  it('E3: one masked, cleaned line per event; a bad event is refused; a caller-supplied config is used as is', () => {
    const w = setup({ webhooks: [{ url_env: 'UNSET_IN_THIS_TEST' }] });
    expect(emitNotification({ startDir: w.repo, env: w.env, bin: null }, { kind: 'halt', target: 's\u202e1', by: 'ops', reason: 'use token=hunter2\nnow' })).toBe('queued');
    expect(emitNotification({ startDir: w.repo, env: w.env, bin: null }, { kind: 'nope' } as unknown as N.NotifyEvent)).toBe('invalid');
    expect(emitNotification({ startDir: w.repo, env: w.env, bin: null, config: { notify: {} } }, halt(2))).toBe('off');
    const lines = readFileSync(join(w.dir, OUTBOX_FILE), 'utf8').split('\n').filter((l) => l !== '');
    expect(lines).toHaveLength(1);
    const o = JSON.parse(lines[0] as string) as { v: number; at: string; event: N.NotifyEvent };
    expect(o.v).toBe(1);
    expect(o.event).toEqual({ kind: 'halt', target: 's1', by: 'ops', reason: 'use token=*** now' });
  });

  it('N1: a full outbox counts the event instead of growing, and the flush reports it as dropped', async () => {
    const w = setup({ webhooks: [{ url: 'https://hooks.example.com/x' }] });
    mkdirSync(w.dir, { recursive: true });
    writeFileSync(join(w.dir, OUTBOX_FILE), 'x'.repeat(OUTBOX_MAX_BYTES));
    expect(emitNotification({ startDir: w.repo, env: w.env, bin: null }, halt(1))).toBe('overflow');
    expect(readFileSync(join(w.dir, OVERFLOW_FILE), 'utf8')).toBe('1');
    const f = fakeDeps(() => ({ a: { _tag: 'Status', status: 200 }, ms: 1 }));
    await flushOutbox(w.r, N.notifySettings({ webhooks: [{ url: 'https://hooks.example.com/x' }] }, () => undefined), f.deps);
    expect(readNotifyState(w.r.runtimeDir).state.counts.dropped_overflow).toBe(1);
    expect(existsSync(join(w.dir, OVERFLOW_FILE))).toBe(false);
  });
});

describe('flushOutbox (docs/notify.md §4)', () => {
  const queue = (w: ReturnType<typeof setup>, n: number): void => {
    for (let i = 0; i < n; i++) expect(emitNotification({ startDir: w.repo, env: w.env, bin: null }, halt(i))).toBe('queued');
  };

  it('N5: stops starting requests once the budget is spent, keeping the rest pending', async () => {
    const urls = Array.from({ length: 12 }, (_, i) => `https://h${i}.example.com/x`);
    const settings = N.notifySettings({ timeout_ms: 3_000, webhooks: urls.map((url) => ({ url })) }, () => undefined);
    const w = setup({ webhooks: urls.map((url) => ({ url })) });
    queue(w, 3);
    const f = fakeDeps(() => ({ a: { _tag: 'Status', status: 200 }, ms: 10_000 })); // every endpoint hangs
    const t0 = f.deps.now();
    const r = await flushOutbox(w.r, settings, f.deps);
    expect(r._tag).toBe('Flushed');
    for (const p of f.posts) expect(p.at - t0).toBeLessThan(N.FLUSH_BUDGET_MS);
    expect(f.deps.now() - t0).toBeLessThanOrEqual(N.FLUSH_BUDGET_MS + settings.timeoutMs);
    expect(r.pending).toBeGreaterThan(0);
  });

  it('N2–N3: a failing endpoint gets two attempts (0.5 s apart), then cools down; the healthy one gets everything', async () => {
    const bad = 'https://bad.example.com/x';
    const good = 'https://good.example.com/x';
    const w = setup({ webhooks: [{ url: bad }, { url: good }] });
    const settings = N.notifySettings({ webhooks: [{ url: bad }, { url: good }] }, () => undefined);
    queue(w, 5);
    const f = fakeDeps((url) => ({ a: { _tag: 'Status', status: url === bad ? 503 : 200 }, ms: 20 }));
    const r = await flushOutbox(w.r, settings, f.deps);
    const badPosts = f.posts.filter((p) => p.url === bad);
    expect(badPosts).toHaveLength(2);
    expect((badPosts[1]?.at ?? 0) - (badPosts[0]?.at ?? 0)).toBeGreaterThanOrEqual(N.RETRY_DELAY_MS);
    expect(f.posts.filter((p) => p.url === good)).toHaveLength(5);
    expect(r).toMatchObject({ sent: 5, failed: 1, pending: 0 });
    const st = readNotifyState(w.r.runtimeDir).state;
    expect(st.counts.dropped_cooled).toBe(4);
    expect(N.isCooled(st, N.endpointKey(bad), f.deps.now())).toBe(true);
    expect(JSON.stringify(readFileSync(join(w.dir, 'state.json'), 'utf8'))).not.toContain('bad.example.com'); // keys only
  });

  it('one flush at a time: a held lock makes another flush return Busy; a dead holder\'s lock is taken over', async () => {
    const w = setup({ webhooks: [{ url: 'https://a.example.com/x' }] });
    queue(w, 1);
    const settings = N.notifySettings({ webhooks: [{ url: 'https://a.example.com/x' }] }, () => undefined);
    const release = takeFlushLock(w.r.runtimeDir);
    expect(release).not.toBeNull();
    const f = fakeDeps(() => ({ a: { _tag: 'Status', status: 200 }, ms: 1 }));
    expect((await flushOutbox(w.r, settings, f.deps))._tag).toBe('Busy');
    release?.();
    writeFileSync(join(w.dir, FLUSH_LOCK_FILE), JSON.stringify({ pid: 2 ** 22 + 12_345, at: new Date().toISOString(), tag: 'x' })); // no such pid
    expect(await flushOutbox(w.r, settings, f.deps)).toMatchObject({ _tag: 'Flushed', sent: 1 });
    expect(existsSync(join(w.dir, FLUSH_LOCK_FILE))).toBe(false);
  });
});
