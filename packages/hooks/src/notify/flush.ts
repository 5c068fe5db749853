/**
 * `arbiter notify flush` (docs/notify.md §5): under the outbox's flush lock, claim what the emitters appended, queue
 * it with the kernel's policy (`notify.enqueue`: dedup, bound, cool-downs), POST each due delivery with a timeout,
 * record each answer (`notify.recordAttempt`: one retry, then a cool-down) and store the state after every step, all
 * within `notify.FLUSH_BUDGET_MS`. Then release the lock, and go round again if the emitters appended meanwhile.
 */
import { statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { notify } from '@arbiter/kernel';
import { OUTBOX_FILE, claimOutbox, httpRequest, notifyDir, readNotifyState, takeFlushLock, writeNotifyState } from '@arbiter/io-node';

/** What the flush needs from the outside world (tests replace the clock, the POST and the pause). */
export interface FlushDeps {
  /** ms epoch. */
  readonly now: () => number;
  /** POST `body` (JSON text) to `url` within `timeoutMs`. Never rejects. */
  readonly post: (url: string, body: string, timeoutMs: number) => Promise<notify.AttemptAnswer>;
  readonly sleep: (ms: number) => Promise<void>;
}

/** The real world: `Date.now`, io-node's `httpRequest`, `setTimeout`. */
export const nodeFlushDeps: FlushDeps = {
  now: Date.now,
  post: async (url, body, timeoutMs) => {
    const r = await httpRequest({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/json; charset=utf-8', 'user-agent': 'arbiter-notify/1' },
      body,
      timeoutMs,
      maxBodyBytes: 64 * 1024,
    });
    if (r._tag === 'Right') return { _tag: 'Status', status: r.right.status };
    // an answer body over 64 KiB: the receiver answered and its body is ignored anyway (docs/notify.md §6 S3), so
    // the delivery is taken as made rather than posted again
    return r.left._tag === 'Timeout' ? { _tag: 'Timeout' } : r.left._tag === 'TooLarge' ? { _tag: 'Status', status: 200 } : { _tag: 'Unreachable' };
  },
  sleep: (ms) => new Promise((res) => setTimeout(res, Math.max(0, ms))),
};

/** Summary of one flush. */
export interface FlushReport {
  /** `Busy`: another flush holds the lock (it will deliver what was appended). */
  readonly _tag: 'Flushed' | 'Busy';
  readonly attempts: number;
  readonly sent: number;
  readonly failed: number;
  readonly pending: number;
  /** The state could not be stored (errno code), or `null`. */
  readonly writeError: string | null;
}

const outboxWaiting = (runtimeDir: string): boolean => {
  try {
    return statSync(join(notifyDir(runtimeDir), OUTBOX_FILE)).size > 0;
  } catch {
    return false;
  }
};

/**
 * Flush the outbox of the repository at `topLevel` / `runtimeDir` to `settings.webhooks` (module doc). Never throws;
 * bounded by `notify.FLUSH_BUDGET_MS` plus one request's timeout at most (each request's timeout is cut to the budget left).
 */
export const flushOutbox = async (repo: { readonly topLevel: string; readonly runtimeDir: string }, settings: notify.NotifySettings, deps: FlushDeps = nodeFlushDeps): Promise<FlushReport> => {
  const start = deps.now();
  const deadline = start + notify.FLUSH_BUDGET_MS;
  const name = basename(repo.topLevel);
  const keys = settings.webhooks.map((h) => h.key);
  const byKey = new Map(settings.webhooks.map((h) => [h.key, h]));
  let attempts = 0;
  let before: notify.NotifyCounts | null = null;
  let last: notify.QueueState | null = null;
  let writeError: string | null = null;
  const store = (s: notify.QueueState): void => {
    const e = writeNotifyState(repo.runtimeDir, s);
    if (e !== null) writeError = e;
  };
  for (let round = 0; round < 5; round++) {
    const release = takeFlushLock(repo.runtimeDir, deps.now);
    if (release === null) {
      if (round === 0) return { _tag: 'Busy', attempts: 0, sent: 0, failed: 0, pending: 0, writeError: null };
      break;
    }
    try {
      let state = readNotifyState(repo.runtimeDir).state;
      before ??= state.counts;
      for (;;) {
        const c = claimOutbox(repo.runtimeDir);
        const now = deps.now();
        if (c.items.length > 0 || c.overflowed > 0) state = notify.enqueue(state, c.items, settings.webhooks, now, c.overflowed);
        const step = notify.nextDelivery(notify.pruneCooled(state, now), keys, now);
        state = step.state;
        const next = step.next;
        if (next._tag === 'Idle') break;
        if (next._tag === 'Wait') {
          if (next.until >= deadline) break;
          store(state);
          await deps.sleep(next.until - now);
          continue;
        }
        const left = deadline - now;
        const hook = byKey.get(next.delivery.endpoint);
        if (left <= 0 || hook === undefined) break;
        const body = JSON.stringify(notify.renderBody(next.delivery.event, next.delivery.id, next.delivery.at, name));
        const answer = await deps.post(hook.url, body, Math.min(settings.timeoutMs, left));
        attempts += 1;
        state = notify.recordAttempt(state, next.delivery.id, answer, deps.now());
        store(state);
      }
      store(state);
      last = state;
    } finally {
      release();
    }
    if (deps.now() >= deadline || !outboxWaiting(repo.runtimeDir)) break;
  }
  const counts = last?.counts ?? before ?? notify.emptyState().counts;
  const b = before ?? counts;
  return { _tag: 'Flushed', attempts, sent: counts.sent - b.sent, failed: counts.failed - b.failed, pending: last?.pending.length ?? 0, writeError };
};
