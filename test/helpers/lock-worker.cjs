// A long-lived worker process for the multi-process exclusion test: on each "go" it runs the session-lock hook's
// acquire pipeline (runSessionLock from the built @arbiter/hooks, with the real fs store, pid probe and hostname)
// under its own session id and reports the rendered exit code.
const { runSessionLock } = require('@arbiter/hooks');
const { fsLockStore, pidAlive, hostname } = require('@arbiter/io-node');

process.on('message', async (m) => {
  if (m.type !== 'go') return;
  const r = await runSessionLock('acquire', 'claude', {
    stdin: async () => ({ _tag: 'Ok', text: JSON.stringify({ session_id: m.session, cwd: m.cwd, hook_event_name: 'PreToolUse', tool_name: 'Edit' }) }),
    env: { ARBITER_STATE_DIR: m.state },
    cwd: m.cwd,
    now: Date.now,
    hostname,
    anchorPid: () => process.pid,
    store: (d) => fsLockStore(d),
    pidAlive: async (p) => pidAlive(p),
    record: () => undefined,
    deadlineMs: 20_000,
  });
  process.send({ type: 'done', round: m.round, session: m.session, code: r.result.code, failOpen: r.failOpen ?? null });
});
process.on('disconnect', () => process.exit(0));
process.send({ type: 'ready' });
