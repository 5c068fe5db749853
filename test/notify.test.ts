/**
 * Notifications, the pure part (docs/notify.md; kernel `notify`): configuration, event reading, the fixed Slack
 * templates and their escaping, and the queue policy (bound, one retry, cool-down, dedup) with properties over
 * random schedules.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { notify as N } from '@arbiter/kernel';

const hook = (url: string, events: ReadonlyArray<N.NotifyEventKind> = N.EVENT_KINDS): N.Webhook => ({ url, events, key: N.endpointKey(url), label: N.endpointLabel(url) });
const A = hook('https://hooks.example.com/services/T0/B0/SECRETPATH');
const B = hook('http://127.0.0.1:9/b');
const halt = (i: number): N.NotifyEvent => ({ kind: 'halt', target: `sess-${i}`, by: 'ops', reason: `r${i}` });

/** Strings with the characters that matter here: markup, controls, bidi and zero-width characters, surrogates. */
const hostile = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.array(fc.constantFrom('<', '>', '&', '`', '*', '\u0000', '\u001b[31m', '\u007f', '\u0085', '\u202e', '\u2066', '\u200b', '\ufeff', '\n', '\r', '<!channel>', 'token=abc', '\ud800', 'a', ' '), { maxLength: 60 }).map((a) => a.join('')),
);
const anyEvent: fc.Arbitrary<N.NotifyEvent> = fc.oneof(
  fc.record({ kind: fc.constant('lane-granted' as const), lane: hostile, session: hostile, fence: fc.nat() }),
  fc.record({ kind: fc.constant('halt' as const), target: hostile, by: hostile, reason: hostile }),
  fc.record({ kind: fc.constant('waiting' as const), session: hostile, branch: fc.option(hostile, { nil: null }), message: fc.option(hostile, { nil: undefined }) }).map((e) => (e.message === undefined ? { kind: e.kind, session: e.session, branch: e.branch } : e)),
  fc.record({ kind: fc.constant('block' as const), policy: hostile, reason: hostile, session: hostile, lane: fc.option(hostile, { nil: undefined }) }).map((e) => (e.lane === undefined ? { kind: e.kind, policy: e.policy, reason: e.reason, session: e.session } : e)),
);

// eslint-disable-next-line no-control-regex
const CONTROL_OR_INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\p{Cf}]/u;

describe('configuration (docs/notify.md §2)', () => {
  const env = (vars: Record<string, string>) => (n: string) => vars[n];

  it('reads url and url_env entries, defaults every event, keeps the timeout in range', () => {
    const s = N.notifySettings(
      { timeout_ms: 1000, webhooks: [{ url: 'https://hooks.slack.com/services/X/Y/Z' }, { url_env: 'SLACK_HOOK', events: ['halt', 'block'] }] },
      env({ SLACK_HOOK: 'https://example.org/hook' }),
    );
    expect(s.warnings).toEqual([]);
    expect(s.timeoutMs).toBe(1000);
    expect(s.webhooks.map((h) => h.events)).toEqual([N.EVENT_KINDS, ['halt', 'block']]);
    expect(s.webhooks[1]?.url).toBe('https://example.org/hook');
  });

  it('skips an unusable entry with a warning naming its key, never the URL', () => {
    const s = N.notifySettings(
      {
        timeout_ms: 5,
        webhooks: [
          { url: 'http://hooks.example.com/x' }, // cleartext to a remote host
          { url: 'ftp://127.0.0.1/x' },
          { url_env: 'UNSET_VAR' },
          { url_env: 'lower' },
          { url: 'https://a.example/x', url_env: 'X' },
          { url: 'https://a.example/x', events: ['halt', 'nope'] },
          { url: 'https://a.example/x', events: [] },
          'https://a.example/x',
          { url: 'http://[::1]:8080/ok' },
          { url: 'http://localhost/ok' },
        ],
      },
      env({}),
    );
    expect(s.timeoutMs).toBe(N.DEFAULT_TIMEOUT_MS);
    expect(s.webhooks.map((h) => h.url)).toEqual(['http://[::1]:8080/ok', 'http://localhost/ok']);
    expect(s.warnings).toHaveLength(9);
    expect(s.warnings[1]).toBe('notify.webhooks[0].url: http is allowed only to a loopback host (use https) (skipped)');
    expect(s.warnings[3]).toBe('notify.webhooks[2].url_env: UNSET_VAR is not set (skipped)');
    for (const w of s.warnings) expect(w).not.toContain('example');
  });

  it('absent, null or a non-object notify gives no webhook', () => {
    expect(N.notifySettings(undefined, () => undefined).webhooks).toEqual([]);
    expect(N.notifySettings([], () => undefined).warnings).toEqual(['notify: not an object (ignored)']);
    expect(N.wantsNotifications({ version: 1 })).toBe(false);
    expect(N.wantsNotifications({ notify: { webhooks: [] } })).toBe(false);
    expect(N.wantsNotifications({ notify: { webhooks: [{ url_env: 'X' }] } })).toBe(true);
  });

  it('property: a label never shows credentials or the path of the URL', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9]{1,12}$/), fc.stringMatching(/^[A-Za-z0-9]{6,20}$/), fc.stringMatching(/^\/[A-Za-z0-9/]{6,40}$/), (user, pass, path) => {
        const url = `https://${user}:${pass}@hooks.example.com:8443${path}`;
        expect(N.webhookUrlProblem(url)).toBeNull();
        const label = N.endpointLabel(url);
        expect(label).not.toContain(pass);
        expect(label).not.toContain(path);
        expect(label).toMatch(/^https:\/\/hooks\.example\.com:8443\/… #[0-9a-f]{12}$/);
      }),
    );
  });
});

describe('events and the body (docs/notify.md §3)', () => {
  it('reads each kind, drops unknown fields, refuses a bad one', () => {
    expect(N.normalizeEvent({ kind: 'lane-granted', lane: 'deploy:refs/heads/main', session: 's1', fence: 3, extra: 1 })).toEqual({ kind: 'lane-granted', lane: 'deploy:refs/heads/main', session: 's1', fence: 3 });
    expect(N.normalizeEvent({ kind: 'waiting', session: 's1', branch: null })).toEqual({ kind: 'waiting', session: 's1', branch: null });
    expect(N.normalizeEvent({ kind: 'block', policy: 'push-gate', reason: 'lane-held', session: 's', lane: 'l' })).toMatchObject({ lane: 'l' });
    expect(N.normalizeEvent({ kind: 'lane-granted', lane: 'l', session: 's', fence: -1 })).toBeNull();
    expect(N.normalizeEvent({ kind: 'halt', target: 's', by: 'b' })).toBeNull();
    expect(N.normalizeEvent({ kind: 'other' })).toBeNull();
    expect(N.normalizeEvent('halt')).toBeNull();
  });

  it('masks a secret in a free-text field before it is stored or sent', () => {
    const e = N.normalizeEvent({ kind: 'halt', target: 's', by: 'b', reason: 'rotate: curl -u bob:hunter2 https://x' });
    expect(JSON.stringify(e)).not.toContain('hunter2');
  });

  it('renders the fixed template with mrkdwn escaping, and the event for machines', () => {
    const b = N.renderBody({ kind: 'halt', target: 'sess-`x`', by: 'ops', reason: 'stop <!channel> & go' }, 'd1', Date.UTC(2026, 0, 2), 'repo');
    expect(b.text).toBe(":octagonal_sign: Session `sess-'x'` halted by `ops`: stop &lt;!channel&gt; &amp; go");
    expect(b.blocks[0]).toEqual({ type: 'section', text: { type: 'mrkdwn', text: b.text } });
    expect(b.arbiter).toEqual({ version: 1, id: 'd1', at: '2026-01-02T00:00:00.000Z', repo: 'repo', event: { kind: 'halt', target: 'sess-`x`', by: 'ops', reason: 'stop <!channel> & go' } });
    expect(N.messageText({ kind: 'lane-granted', lane: 'deploy:refs/heads/main', session: 's1', fence: 4 })).toBe(':large_green_circle: Lane `deploy:refs/heads/main` granted to session `s1` (fence 4).');
    expect(N.messageText({ kind: 'waiting', session: 's1', branch: 'feat', message: 'needs approval' })).toBe(':hourglass: Session `s1` on `feat` is waiting for its person: needs approval');
    expect(N.messageText({ kind: 'block', policy: 'push-gate', reason: 'lane-held', session: 's1' })).toBe(':no_entry: Arbiter blocked session `s1`: `push-gate` (lane-held).');
  });

  it('property (fail-closed escaping): no raw < or >, no control, bidi or zero-width character, no bare & in any text', () => {
    fc.assert(
      fc.property(anyEvent, hostile, (raw, repo) => {
        for (const e of [raw, N.normalizeEvent(raw) ?? raw]) {
          const b = N.renderBody(e, 'd1', 0, repo);
          const texts = [b.text, ...b.blocks.map((x) => JSON.stringify(x))].map((t) => (t.startsWith('{') ? (JSON.parse(t) as { text?: { text: string }; elements?: Array<{ text: string }> }) : t));
          const strings = [b.text, N.messageText(e), ...(texts.flatMap((t) => (typeof t === 'string' ? [] : [t.text?.text ?? '', ...(t.elements ?? []).map((x) => x.text)])) as string[])];
          for (const s of strings) {
            expect(s).not.toMatch(/[<>]/);
            expect(s).not.toMatch(CONTROL_OR_INVISIBLE);
            expect(s.replace(/&(?:amp|lt|gt);/g, '')).not.toContain('&');
          }
          expect(JSON.stringify(b.arbiter.event)).toBe(JSON.stringify(e)); // the machine field is the event itself
        }
      }),
    );
  });

  it('property: a normalised event holds no control or invisible character and reads back as itself', () => {
    fc.assert(
      fc.property(anyEvent, (raw) => {
        const e = N.normalizeEvent(raw);
        expect(e).not.toBeNull();
        for (const v of Object.values(e as object)) if (typeof v === 'string') expect(v).not.toMatch(CONTROL_OR_INVISIBLE);
        expect(N.normalizeEvent(JSON.parse(JSON.stringify(e)))).toEqual(e);
      }),
    );
  });
});

describe('queue policy (docs/notify.md §4)', () => {
  it('one delivery per matching webhook; a webhook that did not ask for the kind gets none', () => {
    const s = N.enqueue(N.emptyState(), [{ event: halt(1), at: 0 }, { event: { kind: 'waiting', session: 's', branch: null }, at: 0 }], [A, hook('https://b.example/x', ['halt'])], 0);
    expect(s.pending.map((d) => d.event.kind)).toEqual(['halt', 'halt', 'waiting']);
  });

  it('N1: beyond QUEUE_MAX the oldest are dropped and counted (1,000 events)', () => {
    const events = Array.from({ length: 1_000 }, (_, i) => ({ event: halt(i), at: i }));
    const s = N.enqueue(N.emptyState(), events, [A], 1_000);
    expect(s.pending).toHaveLength(N.QUEUE_MAX);
    expect(s.pending[0]?.event).toEqual(halt(900));
    expect(s.counts.dropped_overflow).toBe(900);
    expect(N.enqueue(s, [], [A], 1_000, 7).counts.dropped_overflow).toBe(907); // the emitters' overflow is added
  });

  it('N4: an identical event within the window is deduplicated; after it, sent again', () => {
    let s = N.enqueue(N.emptyState(), [{ event: halt(1), at: 0 }], [A], 0);
    s = N.enqueue(s, [{ event: halt(1), at: 1_000 }], [A], 1_000);
    expect(s.counts.deduped).toBe(1);
    expect(s.pending).toHaveLength(1);
    s = N.enqueue(s, [{ event: halt(1), at: N.DEDUP_WINDOW_MS + 1 }], [A], N.DEDUP_WINDOW_MS + 1);
    expect(s.pending).toHaveLength(2);
  });

  it('N2–N3: a 500 is retried once after the pause, then the endpoint cools down and its other deliveries are dropped', () => {
    let s = N.enqueue(N.emptyState(), [halt(1), halt(2)].map((event) => ({ event, at: 0 })), [A, B], 0);
    const keys = [A.key, B.key];
    let step = N.nextDelivery(s, keys, 0);
    expect(step.next).toMatchObject({ _tag: 'Send', delivery: { endpoint: A.key, id: 'd1' } });
    s = N.recordAttempt(step.state, 'd1', { _tag: 'Status', status: 500 }, 0);
    step = N.nextDelivery(s, keys, 10);
    expect(step.next).toMatchObject({ _tag: 'Send', delivery: { endpoint: B.key, id: 'd2' } }); // A waits for its retry
    s = N.recordAttempt(step.state, 'd2', { _tag: 'Status', status: 200 }, 10);
    step = N.nextDelivery(s, keys, 10);
    expect(step.next).toMatchObject({ _tag: 'Send', delivery: { endpoint: B.key, id: 'd4' } }); // A's d3 stays behind d1
    s = N.recordAttempt(step.state, 'd4', { _tag: 'Status', status: 200 }, 10);
    step = N.nextDelivery(s, keys, 10);
    expect(step.next).toEqual({ _tag: 'Wait', until: N.RETRY_DELAY_MS });
    step = N.nextDelivery(s, keys, N.RETRY_DELAY_MS);
    expect(step.next).toMatchObject({ _tag: 'Send', delivery: { id: 'd1', attempts: 1 } });
    s = N.recordAttempt(step.state, 'd1', { _tag: 'Timeout' }, N.RETRY_DELAY_MS);
    expect(s.counts).toMatchObject({ failed: 1, sent: 2, attempts: 4 });
    expect(N.isCooled(s, A.key, N.RETRY_DELAY_MS + N.COOL_DOWN_MS - 1)).toBe(true);
    step = N.nextDelivery(s, keys, N.RETRY_DELAY_MS + 1);
    expect(step.next).toEqual({ _tag: 'Idle' });
    expect(step.state.counts.dropped_cooled).toBe(1); // d3 (halt 2 to A) dropped, never tried
    expect(N.enqueue(s, [{ event: halt(3), at: 600 }], [A], 600).counts.dropped_cooled).toBe(1);
  });

  it('a 4xx is not retried; an unconfigured endpoint is dropped', () => {
    let s = N.enqueue(N.emptyState(), [{ event: halt(1), at: 0 }], [A, B], 0);
    s = N.recordAttempt(s, 'd1', { _tag: 'Status', status: 404 }, 0);
    expect(s.counts.failed).toBe(1);
    const step = N.nextDelivery(s, [A.key], 0);
    expect(step.next).toEqual({ _tag: 'Idle' });
    expect(step.state.counts.dropped_unconfigured).toBe(1);
    expect(N.classifyAnswer({ _tag: 'Status', status: 429 })).toBe('retryable');
    expect(N.classifyAnswer({ _tag: 'Status', status: 204 })).toBe('ok');
    expect(N.classifyAnswer({ _tag: 'Unreachable' })).toBe('retryable');
  });

  /** A random schedule: batches of events arriving, flush steps at rising instants, each endpoint's answers. */
  const schedule = fc.array(
    fc.record({
      gap: fc.integer({ min: 0, max: 30_000 }),
      arrive: fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 60 }),
      steps: fc.integer({ min: 0, max: 8 }),
      overflow: fc.integer({ min: 0, max: 3 }),
    }),
    { maxLength: 40 },
  );

  it('property (bound and conservation): the queue never exceeds QUEUE_MAX and every delivery is accounted for', () => {
    fc.assert(
      fc.property(schedule, fc.array(fc.constantFrom(200, 500, 404, -1), { minLength: 1, maxLength: 8 }), (plan, answers) => {
        let s = N.emptyState();
        let now = 0;
        let k = 0;
        let overflowIn = 0; // drops the emitters reported (no delivery was made for them)
        let cooledAtEnqueue = 0; // deliveries refused at enqueue for a cooled endpoint (none was made)
        for (const b of plan) {
          now += b.gap;
          const before = s.counts.dropped_cooled;
          s = N.enqueue(s, b.arrive.map((i) => ({ event: halt(i), at: now })), [A, B], now, b.overflow);
          overflowIn += b.overflow;
          cooledAtEnqueue += s.counts.dropped_cooled - before;
          expect(s.pending.length).toBeLessThanOrEqual(N.QUEUE_MAX);
          for (let i = 0; i < b.steps; i++) {
            const st = N.nextDelivery(s, [A.key, B.key], now);
            s = st.state;
            if (st.next._tag === 'Wait') now = st.next.until;
            if (st.next._tag !== 'Send') continue;
            const code = answers[k++ % answers.length] as number;
            s = N.recordAttempt(s, st.next.delivery.id, code === -1 ? { _tag: 'Timeout' } : { _tag: 'Status', status: code }, now);
            expect(s.pending.length).toBeLessThanOrEqual(N.QUEUE_MAX);
          }
          const c = s.counts;
          // seq counts every delivery made; each one is pending, sent, failed or dropped
          expect(s.seq).toBe(s.pending.length + c.sent + c.failed + (c.dropped_overflow - overflowIn) + c.dropped_unconfigured + (c.dropped_cooled - cooledAtEnqueue));
        }
      }),
      { numRuns: 150 },
    );
  });

  it('property (no retry storm): an always-failing endpoint gets at most MAX_ATTEMPTS attempts in any COOL_DOWN_MS window', () => {
    fc.assert(
      fc.property(schedule, fc.constantFrom<N.AttemptAnswer>({ _tag: 'Timeout' }, { _tag: 'Unreachable' }, { _tag: 'Status', status: 500 }, { _tag: 'Status', status: 503 }, { _tag: 'Status', status: 400 }), (plan, answer) => {
        let s = N.emptyState();
        let now = 0;
        const attempts: number[] = [];
        for (const b of plan) {
          now += b.gap;
          s = N.enqueue(s, b.arrive.map((i) => ({ event: halt(i), at: now })), [A], now);
          for (let i = 0; i < b.steps + 3; i++) {
            const st = N.nextDelivery(s, [A.key], now);
            s = st.state;
            if (st.next._tag === 'Wait') now = st.next.until;
            if (st.next._tag !== 'Send') continue;
            attempts.push(now);
            s = N.recordAttempt(s, st.next.delivery.id, answer, now);
          }
        }
        for (const t of attempts) expect(attempts.filter((u) => u >= t && u < t + N.COOL_DOWN_MS).length).toBeLessThanOrEqual(N.MAX_ATTEMPTS);
      }),
      { numRuns: 200 },
    );
  });

  it('property: the stored state reads back as itself', () => {
    fc.assert(
      fc.property(schedule, (plan) => {
        let s = N.emptyState();
        let now = Date.UTC(2026, 0, 1);
        for (const b of plan) {
          now += b.gap;
          s = N.enqueue(s, b.arrive.map((i) => ({ event: halt(i), at: now })), [A, B], now);
          const st = N.nextDelivery(s, [A.key, B.key], now);
          s = st.next._tag === 'Send' ? N.recordAttempt(st.state, st.next.delivery.id, { _tag: 'Status', status: b.gap % 2 === 0 ? 500 : 200 }, now) : st.state;
        }
        expect(N.decodeState(JSON.parse(JSON.stringify(N.encodeState(s))))).toEqual(s);
      }),
      { numRuns: 100 },
    );
  });

  it('a corrupt or newer state file is refused as a whole; a bad item is dropped', () => {
    expect(N.decodeState({ version: 2 })).toHaveProperty('corrupt');
    expect(N.decodeState('x')).toHaveProperty('corrupt');
    const s = N.decodeState({ version: 1, seq: 3, pending: [{ id: 'd1', endpoint: 'e', event: { kind: 'nope' }, at: 'x', attempts: 0, not_before: 'y' }], counts: { sent: -4 } });
    expect(s).toMatchObject({ seq: 3, pending: [], counts: { sent: 0 } });
  });
});
