/**
 * Notifications (issue 14 point 4; docs/notify.md): what `notify.webhooks` in `.arbiter/config.json` means, the
 * Slack-compatible body each event becomes (fixed templates only), and the delivery queue's policy as pure functions
 * over a state value: a bounded queue, one retry per delivery, a cool-down per endpoint after a failure, and dedup
 * of identical events within a short window.
 *
 * Pure: no clock (`now`, ms epoch, is an argument), no randomness (ids come from a counter in the state), no I/O.
 * The adapters (packages/io-node `notify-outbox.ts`, packages/hooks `notify/`) read the outbox, call these, POST and
 * write the state back.
 */
import { maskString } from '../internal/mask.js';
import { EVENT_KINDS, isKind, normalizeEvent, type NotifyEvent, type NotifyEventKind } from '../internal/notify-event.js';
import { sha256Hex } from '../internal/sha256.js';
import { sanitizeLine } from '../internal/text.js';
import { msToIso } from '../internal/time.js';

// ───────────────────────────── constants (docs/notify.md §4) ─────────────────────────────

/** Most deliveries waiting at once; beyond it the oldest is dropped and counted (docs/notify.md §4 N1). */
export const QUEUE_MAX = 100;
/** Attempts per delivery: the first and at most one retry (docs/notify.md §4 N2). */
export const MAX_ATTEMPTS = 2;
/** Pause before the one retry of a delivery, ms (docs/notify.md §4 N2). */
export const RETRY_DELAY_MS = 500;
/** How long an endpoint rests after a delivery to it failed for good, ms (docs/notify.md §4 N3). */
export const COOL_DOWN_MS = 60_000;
/** An event identical to one seen this recently is not sent again, ms (docs/notify.md §4 N4). */
export const DEDUP_WINDOW_MS = 30_000;
/** Most remembered event keys for dedup. */
export const RECENT_MAX = 500;
/** Default and bounds of `notify.timeout_ms`, the time one POST may take, ms (docs/notify.md §2). */
export const DEFAULT_TIMEOUT_MS = 3_000;
export const TIMEOUT_MIN_MS = 200;
export const TIMEOUT_MAX_MS = 10_000;
/** Longest a flush process runs, ms: it stops starting requests once this has passed (docs/notify.md §4 N5). */
export const FLUSH_BUDGET_MS = 15_000;
/** Most webhooks read from the configuration. */
export const WEBHOOKS_MAX = 20;

// ───────────────────────────── events (event.ts) ─────────────────────────────

export { EVENT_KINDS, FIELD_MAX, normalizeEvent, wantsNotifications, isKind } from '../internal/notify-event.js';
export type { NotifyEvent, NotifyEventKind } from '../internal/notify-event.js';

/** Identity of an event for dedup (docs/notify.md §4 N4): 16 hex of the SHA-256 of its fields in a fixed order. */
export const eventKey = (e: NotifyEvent): string => {
  const parts: ReadonlyArray<unknown> =
    e.kind === 'lane-granted'
      ? [e.kind, e.lane, e.session, e.fence]
      : e.kind === 'halt'
        ? [e.kind, e.target, e.by, e.reason]
        : e.kind === 'waiting'
          ? [e.kind, e.session, e.branch, e.message ?? null]
          : [e.kind, e.policy, e.reason, e.session, e.lane ?? null];
  return sha256Hex(JSON.stringify(parts)).slice(0, 16);
};

// ───────────────────────────── configuration (docs/notify.md §2) ─────────────────────────────

/** One usable webhook: where to POST, for which events, and the key and label that stand for it everywhere else. */
export interface Webhook {
  /** The URL (may carry a secret path or credentials: never logged, never written to the state). */
  readonly url: string;
  readonly events: ReadonlyArray<NotifyEventKind>;
  /** 12 hex of the SHA-256 of the URL: how the queue and `notify status` name the endpoint. */
  readonly key: string;
  /** A printable name without secrets: scheme, host and port, the path elided, and the key ({@link endpointLabel}). */
  readonly label: string;
}

/** `notify.*` resolved: the usable webhooks, the per-request timeout, and one warning per unusable entry. */
export interface NotifySettings {
  readonly webhooks: ReadonlyArray<Webhook>;
  readonly timeoutMs: number;
  /** Fixed-template warnings naming the key (`notify.webhooks[1].url: …`); never a URL. */
  readonly warnings: ReadonlyArray<string>;
}

const LOOPBACK = /^(?:localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

/**
 * Check a webhook URL (docs/notify.md §2 W1–W3): at most 2 048 characters, no whitespace or control character,
 * `https:` anywhere, `http:` only to a loopback host (W2: a webhook URL is a secret; it never crosses a network in
 * clear text). Credentials in the URL are allowed (W3: they are masked wherever the endpoint is shown).
 * @returns `null` when usable, else a short fixed reason.
 */
export const webhookUrlProblem = (u: unknown): string | null => {
  if (typeof u !== 'string' || u.length === 0) return 'not a string';
  if (u.length > 2_048) return 'longer than 2048 characters';
  if (/[\s\u0000-\u001f\u007f-\u009f]/.test(u)) return 'contains whitespace or a control character';
  const m = /^(https?):\/\/(?:[^/?#@]*@)?(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?(?:[/?#]|$)/.exec(u);
  if (m === null) return 'not an http(s) URL';
  if (m[1] === 'http' && !LOOPBACK.test(m[2] as string)) return 'http is allowed only to a loopback host (use https)';
  if (m[3] !== undefined && Number(m[3]) > 65_535) return 'port out of range';
  return null;
};

/** The key of an endpoint: 12 hex of the SHA-256 of its URL. */
export const endpointKey = (url: string): string => sha256Hex(url).slice(0, 12);

/**
 * What an endpoint is shown as (docs/notify.md §6 S1): `scheme://host[:port]/… #key`. Credentials and the path (a
 * Slack webhook's path is its secret) never appear; the result is also passed through the masker. Total.
 */
export const endpointLabel = (url: string): string => {
  const m = /^([a-z]+):\/\/(?:[^/?#@]*@)?([^/?#]*)/i.exec(url);
  const origin = m === null ? 'invalid-url' : `${(m[1] as string).toLowerCase()}://${m[2] as string}`;
  return `${maskString(sanitizeLine(origin, 300))}/… #${endpointKey(url)}`;
};

const isEnvName = (u: unknown): u is string => typeof u === 'string' && /^[A-Z_][A-Z0-9_]{0,63}$/.test(u);

/**
 * Resolve `notify.*` from the raw configuration value (`config.notify`, any JSON) and the environment
 * (docs/notify.md §2): `webhooks` a list of `{url | url_env, events?}` (at most {@link WEBHOOKS_MAX}), `timeout_ms`
 * an integer in [{@link TIMEOUT_MIN_MS}, {@link TIMEOUT_MAX_MS}] (default {@link DEFAULT_TIMEOUT_MS}). An unusable
 * entry is skipped with one warning naming its key; an unset `url_env` variable likewise. Pure and total.
 */
export const notifySettings = (raw: unknown, env: (name: string) => string | undefined): NotifySettings => {
  const warnings: string[] = [];
  if (raw === undefined || raw === null) return { webhooks: [], timeoutMs: DEFAULT_TIMEOUT_MS, warnings };
  if (typeof raw !== 'object' || Array.isArray(raw)) return { webhooks: [], timeoutMs: DEFAULT_TIMEOUT_MS, warnings: ['notify: not an object (ignored)'] };
  const o = raw as Record<string, unknown>;
  let timeoutMs = DEFAULT_TIMEOUT_MS;
  const t = o['timeout_ms'];
  if (t !== undefined) {
    if (typeof t === 'number' && Number.isInteger(t) && t >= TIMEOUT_MIN_MS && t <= TIMEOUT_MAX_MS) timeoutMs = t;
    else warnings.push(`notify.timeout_ms: not an integer in ${TIMEOUT_MIN_MS}–${TIMEOUT_MAX_MS} (default ${DEFAULT_TIMEOUT_MS} used)`);
  }
  const list = o['webhooks'];
  if (list === undefined) return { webhooks: [], timeoutMs, warnings };
  if (!Array.isArray(list)) return { webhooks: [], timeoutMs, warnings: [...warnings, 'notify.webhooks: not a list (ignored)'] };
  const webhooks: Webhook[] = [];
  list.slice(0, WEBHOOKS_MAX).forEach((entry: unknown, i) => {
    const at = `notify.webhooks[${i}]`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return void warnings.push(`${at}: not an object (skipped)`);
    const e = entry as Record<string, unknown>;
    let url: string | undefined;
    if (e['url'] !== undefined && e['url_env'] !== undefined) return void warnings.push(`${at}: both url and url_env (skipped)`);
    if (e['url_env'] !== undefined) {
      if (!isEnvName(e['url_env'])) return void warnings.push(`${at}.url_env: not an environment variable name (skipped)`);
      url = env(e['url_env']);
      if (url === undefined || url === '') return void warnings.push(`${at}.url_env: ${e['url_env']} is not set (skipped)`);
    } else url = e['url'] as string | undefined;
    const problem = webhookUrlProblem(url);
    if (problem !== null) return void warnings.push(`${at}.url: ${problem} (skipped)`);
    const ev = e['events'];
    let events: ReadonlyArray<NotifyEventKind> = EVENT_KINDS;
    if (ev !== undefined) {
      if (!Array.isArray(ev) || ev.length === 0 || !ev.every(isKind)) return void warnings.push(`${at}.events: not a non-empty list of ${EVENT_KINDS.join(', ')} (skipped)`);
      events = EVENT_KINDS.filter((k) => ev.includes(k));
    }
    const u = url as string;
    webhooks.push({ url: u, events, key: endpointKey(u), label: endpointLabel(u) });
  });
  if (list.length > WEBHOOKS_MAX) warnings.push(`notify.webhooks: more than ${WEBHOOKS_MAX} entries (the rest ignored)`);
  return { webhooks, timeoutMs, warnings };
};

// ───────────────────────────── body (docs/notify.md §3) ─────────────────────────────

/**
 * A value inside Slack `mrkdwn` text (docs/notify.md §6 S2): sanitized ({@link sanitizeLine}: controls and bidi or
 * zero-width characters removed, one line) and cut to `max` code points, then `&`, `<`, `>` escaped as Slack asks,
 * so no value can open a link, a mention (`<!channel>`) or a tag. Total.
 */
export const escapeMrkdwn = (s: unknown, max = 200): string =>
  sanitizeLine(s, max).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A value shown in a code span: {@link escapeMrkdwn} with backticks replaced, so it cannot close the span. */
const code = (s: unknown, max = 120): string => '`' + escapeMrkdwn(s, max).replace(/`/g, "'") + '`';

/** The Slack-compatible body of one delivery (docs/notify.md §3). */
export interface SlackBody {
  readonly text: string;
  readonly blocks: ReadonlyArray<Record<string, unknown>>;
  /** The event for machines: `{version, id, at, repo, event}`. */
  readonly arbiter: { readonly version: 1; readonly id: string; readonly at: string; readonly repo: string; readonly event: NotifyEvent };
}

/**
 * The one line of text of an event, from a fixed template per kind (docs/notify.md §3 T1–T4); every interpolated
 * value goes through {@link escapeMrkdwn}. Total.
 */
export const messageText = (e: NotifyEvent): string => {
  switch (e.kind) {
    case 'lane-granted':
      return `:large_green_circle: Lane ${code(e.lane, 160)} granted to session ${code(e.session)} (fence ${e.fence}).`;
    case 'halt':
      return `:octagonal_sign: Session ${code(e.target)} halted by ${code(e.by)}: ${escapeMrkdwn(e.reason, 200)}`;
    case 'waiting':
      return `:hourglass: Session ${code(e.session)}${e.branch === null ? '' : ` on ${code(e.branch, 160)}`} is waiting for its person${e.message === undefined || sanitizeLine(e.message, 1) === '' ? '.' : `: ${escapeMrkdwn(e.message, 200)}`}`;
    case 'block':
      return `:no_entry: Arbiter blocked session ${code(e.session)}: ${code(e.policy, 60)} (${escapeMrkdwn(e.reason, 120)})${e.lane === undefined ? '' : ` on lane ${code(e.lane, 160)}`}.`;
  }
};

/**
 * The body POSTed for one delivery (docs/notify.md §3): `text` ({@link messageText}), one `section` block with the
 * same text and one `context` block naming the repository and the instant, plus the machine-readable `arbiter`
 * field. `repo` is a display name (the worktree's directory name), `at` ms epoch. Total.
 */
export const renderBody = (e: NotifyEvent, id: string, at: number, repo: string): SlackBody => {
  const text = messageText(e);
  const iso = msToIso(at);
  return {
    text,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: `arbiter · ${code(repo, 80)} · ${iso}` }] },
    ],
    arbiter: { version: 1, id, at: iso, repo: sanitizeLine(repo, 80), event: e },
  };
};

/** The body of `arbiter notify test` (fixed template). */
export const testBody = (at: number, repo: string): SlackBody => {
  const text = `:white_check_mark: Arbiter test notification for ${code(repo, 80)}: this webhook is wired.`;
  return {
    text,
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }],
    arbiter: { version: 1, id: 'test', at: msToIso(at), repo: sanitizeLine(repo, 80), event: { kind: 'waiting', session: 'test', branch: null, message: 'test notification' } },
  };
};

// ───────────────────────────── queue policy (docs/notify.md §4) ─────────────────────────────

/** One delivery waiting to be sent: an event to one endpoint. Times ms epoch. */
export interface Delivery {
  readonly id: string;
  /** {@link Webhook.key} of the endpoint. */
  readonly endpoint: string;
  readonly event: NotifyEvent;
  /** When the event was emitted. */
  readonly at: number;
  /** Attempts made so far (0, or 1 after a retryable failure). */
  readonly attempts: number;
  /** Not sent before this instant (the retry pause). */
  readonly not_before: number;
}

/** Counters kept for `notify status` (docs/notify.md §4 N6). */
export interface NotifyCounts {
  readonly sent: number;
  /** Deliveries that failed on their last allowed attempt. */
  readonly failed: number;
  /** Dropped because the queue was full (oldest first), including events the emitter could not store. */
  readonly dropped_overflow: number;
  /** Dropped because their endpoint was cooling down. */
  readonly dropped_cooled: number;
  /** Dropped because their endpoint is no longer configured. */
  readonly dropped_unconfigured: number;
  /** Events not queued because an identical one was queued within {@link DEDUP_WINDOW_MS}. */
  readonly deduped: number;
  /** POST attempts made. */
  readonly attempts: number;
}

/** The queue and its memory (what the adapter stores between flushes). */
export interface QueueState {
  /** Counter behind delivery ids. */
  readonly seq: number;
  /** Oldest first; never more than {@link QUEUE_MAX}. */
  readonly pending: ReadonlyArray<Delivery>;
  /** Event keys queued recently, with when (dedup). */
  readonly recent: ReadonlyArray<{ readonly key: string; readonly at: number }>;
  /** Endpoint key → end of its cool-down (ms epoch). */
  readonly cooled: Readonly<Record<string, number>>;
  readonly counts: NotifyCounts;
  /** The last attempt's outcome per endpoint, for `notify status` (a fixed code, e.g. `status-500`, `timeout`). */
  readonly last: Readonly<Record<string, { readonly at: number; readonly outcome: string }>>;
}

/** The state before anything happened. */
export const emptyState = (): QueueState => ({
  seq: 0,
  pending: [],
  recent: [],
  cooled: {},
  counts: { sent: 0, failed: 0, dropped_overflow: 0, dropped_cooled: 0, dropped_unconfigured: 0, deduped: 0, attempts: 0 },
  last: {},
});

const bump = (c: NotifyCounts, k: keyof NotifyCounts, n = 1): NotifyCounts => ({ ...c, [k]: c[k] + n });

/** Whether `endpoint` is cooling down at `now`. */
export const isCooled = (s: QueueState, endpoint: string, now: number): boolean => (s.cooled[endpoint] ?? -Infinity) > now;

/**
 * Add emitted events to the queue (docs/notify.md §4 N1, N3, N4): an event identical to one queued within
 * {@link DEDUP_WINDOW_MS} before it is counted as `deduped`; otherwise one delivery per configured webhook whose
 * `events` include its kind, except to an endpoint cooling down at `now` (counted as `dropped_cooled`). Then, while
 * more than {@link QUEUE_MAX} wait, the oldest is dropped (`dropped_overflow`). `overflowed` adds the events the
 * emitter could not store. Pure.
 */
export const enqueue = (
  s: QueueState,
  events: ReadonlyArray<{ readonly event: NotifyEvent; readonly at: number }>,
  hooks: ReadonlyArray<Webhook>,
  now: number,
  overflowed = 0,
): QueueState => {
  let counts = bump(s.counts, 'dropped_overflow', Math.max(0, Math.floor(overflowed)));
  let seq = s.seq;
  const recent = s.recent.filter((r) => now - r.at < DEDUP_WINDOW_MS && r.at <= now);
  const pending = [...s.pending];
  for (const { event, at } of events) {
    const key = eventKey(event);
    if (recent.some((r) => r.key === key && Math.abs(at - r.at) < DEDUP_WINDOW_MS)) {
      counts = bump(counts, 'deduped');
      continue;
    }
    recent.push({ key, at });
    for (const h of hooks) {
      if (!h.events.includes(event.kind)) continue;
      if (isCooled(s, h.key, now)) {
        counts = bump(counts, 'dropped_cooled');
        continue;
      }
      seq += 1;
      pending.push({ id: `d${seq}`, endpoint: h.key, event, at, attempts: 0, not_before: 0 });
    }
  }
  const over = Math.max(0, pending.length - QUEUE_MAX);
  if (over > 0) counts = bump(counts, 'dropped_overflow', over);
  return { ...s, seq, pending: pending.slice(over), recent: recent.slice(-RECENT_MAX), counts };
};

/** What to do next (see {@link nextDelivery}). */
export type NextStep =
  | { readonly _tag: 'Send'; readonly delivery: Delivery }
  | { readonly _tag: 'Wait'; readonly until: number }
  | { readonly _tag: 'Idle' };

/**
 * The next delivery to attempt at `now`, after dropping every pending delivery whose endpoint is cooling down
 * (`dropped_cooled`) or no longer among `configured` endpoint keys (`dropped_unconfigured`) (docs/notify.md §4 N3).
 * Only the oldest delivery of each endpoint is eligible (so an endpoint waiting for a retry gets nothing else first):
 * `Send` the oldest eligible delivery whose retry pause is over; else `Wait` for the earliest pause to end; else
 * `Idle`. Pure.
 */
export const nextDelivery = (s: QueueState, configured: ReadonlyArray<string>, now: number): { readonly state: QueueState; readonly next: NextStep } => {
  let counts = s.counts;
  const keep: Delivery[] = [];
  for (const d of s.pending) {
    if (!configured.includes(d.endpoint)) counts = bump(counts, 'dropped_unconfigured');
    else if (isCooled(s, d.endpoint, now)) counts = bump(counts, 'dropped_cooled');
    else keep.push(d);
  }
  const state: QueueState = { ...s, pending: keep, counts };
  // only the oldest delivery of each endpoint may go: while it waits for its retry, the endpoint gets nothing else
  const seen = new Set<string>();
  const heads = keep.filter((d) => !seen.has(d.endpoint) && seen.add(d.endpoint) !== undefined);
  const ready = heads.find((d) => d.not_before <= now);
  if (ready !== undefined) return { state, next: { _tag: 'Send', delivery: ready } };
  if (heads.length === 0) return { state, next: { _tag: 'Idle' } };
  return { state, next: { _tag: 'Wait', until: Math.min(...heads.map((d) => d.not_before)) } };
};

/** What one POST came to: an HTTP status, or no answer in time, or no connection. */
export type AttemptAnswer = { readonly _tag: 'Status'; readonly status: number } | { readonly _tag: 'Timeout' } | { readonly _tag: 'Unreachable' };

/**
 * Classify an answer (docs/notify.md §4 N2): 2xx `ok`; 408, 429, 5xx, a timeout or no connection `retryable`; any
 * other status (a 4xx: wrong URL, revoked webhook, rejected body) `permanent`, which is not retried.
 */
export const classifyAnswer = (a: AttemptAnswer): 'ok' | 'retryable' | 'permanent' => {
  if (a._tag !== 'Status') return 'retryable';
  if (a.status >= 200 && a.status < 300) return 'ok';
  return a.status === 408 || a.status === 429 || a.status >= 500 ? 'retryable' : 'permanent';
};

/** The fixed code of an answer shown by `notify status`. */
export const answerCode = (a: AttemptAnswer): string => (a._tag === 'Status' ? `status-${a.status}` : a._tag === 'Timeout' ? 'timeout' : 'unreachable');

/**
 * Record the answer to an attempt at delivery `id` made at `now` (docs/notify.md §4 N2–N3). `ok`: the delivery is
 * done (`sent`). A `retryable` failure on a first attempt: kept, retried after {@link RETRY_DELAY_MS}. Any other
 * failure (a permanent one, or the retry's): the delivery is dropped (`failed`) and its endpoint cools down for
 * {@link COOL_DOWN_MS}, so a failing endpoint gets at most {@link MAX_ATTEMPTS} attempts per cool-down. An unknown
 * `id` changes only the counters of the attempt. Pure.
 */
export const recordAttempt = (s: QueueState, id: string, answer: AttemptAnswer, now: number): QueueState => {
  const d = s.pending.find((x) => x.id === id);
  const counts = bump(s.counts, 'attempts');
  if (d === undefined) return { ...s, counts };
  const last = { ...s.last, [d.endpoint]: { at: now, outcome: answerCode(answer) } };
  const verdict = classifyAnswer(answer);
  const others = s.pending.filter((x) => x.id !== id);
  if (verdict === 'ok') return { ...s, pending: others, counts: bump(counts, 'sent'), last };
  const attempts = d.attempts + 1;
  if (verdict === 'retryable' && attempts < MAX_ATTEMPTS) {
    return { ...s, pending: s.pending.map((x) => (x.id === id ? { ...x, attempts, not_before: now + RETRY_DELAY_MS } : x)), counts, last };
  }
  return { ...s, pending: others, counts: bump(counts, 'failed'), cooled: { ...s.cooled, [d.endpoint]: now + COOL_DOWN_MS }, last };
};

/** Forget cool-downs that ended before `now` (keeps the stored state small). Pure. */
export const pruneCooled = (s: QueueState, now: number): QueueState => ({
  ...s,
  cooled: Object.fromEntries(Object.entries(s.cooled).filter(([, until]) => until > now)),
});

// ───────────────────────────── stored state codec (architecture.md conventions §4) ─────────────────────────────

/** Version of the stored state file. */
export const STATE_VERSION = 1;

const iso = (ms: number): string => msToIso(ms);
const fromIso = (u: unknown): number | null => {
  if (typeof u !== 'string') return null;
  const ms = Date.parse(u);
  return Number.isFinite(ms) && msToIso(ms) === u ? ms : null;
};
const count = (u: unknown): number => (typeof u === 'number' && Number.isSafeInteger(u) && u >= 0 ? u : 0);

/** The state as stored: instants as ISO-8601 UTC strings (architecture.md conventions §4). */
export const encodeState = (s: QueueState): unknown => ({
  version: STATE_VERSION,
  seq: s.seq,
  pending: s.pending.map((d) => ({ id: d.id, endpoint: d.endpoint, event: d.event, at: iso(d.at), attempts: d.attempts, not_before: iso(d.not_before) })),
  recent: s.recent.map((r) => ({ key: r.key, at: iso(r.at) })),
  cooled: Object.fromEntries(Object.entries(s.cooled).map(([k, v]) => [k, iso(v)])),
  counts: s.counts,
  last: Object.fromEntries(Object.entries(s.last).map(([k, v]) => [k, { at: iso(v.at), outcome: v.outcome }])),
});

/**
 * Read a stored state (the inverse of {@link encodeState}). Lenient per item: a pending delivery, a recent key or a
 * cool-down that does not read is dropped, a counter that does not read is 0; the queue bound is applied again.
 * @returns the state, or `{corrupt}` when the value is not a version-1 state object at all. Total.
 */
export const decodeState = (u: unknown): QueueState | { readonly corrupt: string } => {
  if (typeof u !== 'object' || u === null || Array.isArray(u)) return { corrupt: 'not an object' };
  const o = u as Record<string, unknown>;
  if (o['version'] !== STATE_VERSION) return { corrupt: `version ${String(o['version']).slice(0, 20)} is not ${STATE_VERSION}` };
  const arr = (x: unknown): ReadonlyArray<unknown> => (Array.isArray(x) ? x : []);
  const obj = (x: unknown): Record<string, unknown> => (typeof x === 'object' && x !== null && !Array.isArray(x) ? (x as Record<string, unknown>) : {});
  const pending: Delivery[] = [];
  for (const p of arr(o['pending'])) {
    const r = obj(p);
    const event = normalizeEvent(r['event']);
    const at = fromIso(r['at']);
    const nb = fromIso(r['not_before']);
    const attempts = r['attempts'];
    if (typeof r['id'] !== 'string' || typeof r['endpoint'] !== 'string' || event === null || at === null || nb === null) continue;
    if (attempts !== 0 && attempts !== 1) continue;
    pending.push({ id: r['id'].slice(0, 40), endpoint: r['endpoint'].slice(0, 40), event, at, attempts, not_before: nb });
  }
  const recent = arr(o['recent']).flatMap((x) => {
    const r = obj(x);
    const at = fromIso(r['at']);
    return typeof r['key'] === 'string' && at !== null ? [{ key: r['key'].slice(0, 40), at }] : [];
  });
  const cooled: Record<string, number> = {};
  for (const [k, v] of Object.entries(obj(o['cooled']))) {
    const at = fromIso(v);
    if (at !== null) cooled[k.slice(0, 40)] = at;
  }
  const last: Record<string, { at: number; outcome: string }> = {};
  for (const [k, v] of Object.entries(obj(o['last']))) {
    const r = obj(v);
    const at = fromIso(r['at']);
    if (at !== null && typeof r['outcome'] === 'string') last[k.slice(0, 40)] = { at, outcome: sanitizeLine(r['outcome'], 40) };
  }
  const c = obj(o['counts']);
  const counts: NotifyCounts = {
    sent: count(c['sent']),
    failed: count(c['failed']),
    dropped_overflow: count(c['dropped_overflow']) + Math.max(0, pending.length - QUEUE_MAX),
    dropped_cooled: count(c['dropped_cooled']),
    dropped_unconfigured: count(c['dropped_unconfigured']),
    deduped: count(c['deduped']),
    attempts: count(c['attempts']),
  };
  return { seq: count(o['seq']), pending: pending.slice(Math.max(0, pending.length - QUEUE_MAX)), recent: recent.slice(-RECENT_MAX), cooled, counts, last };
};
