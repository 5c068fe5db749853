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
    // absent is no configuration at all: no webhook and no warning (the 97.8 % run's survivor at the first test)
    expect(N.notifySettings(undefined, () => undefined)).toStrictEqual({ webhooks: [], timeoutMs: N.DEFAULT_TIMEOUT_MS, warnings: [] });
    // a webhook entry that is a number or a string is not an object either, with the same warning as null
    expect(N.notifySettings({ webhooks: [7, 'https://a.example/x'] }, () => undefined).warnings).toEqual(['notify.webhooks[0]: not an object (skipped)', 'notify.webhooks[1]: not an object (skipped)']);
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

describe('configuration, each rule at its edge (docs/notify.md §2 W1–W3)', () => {
  const env = (vars: Record<string, string>) => (n: string) => vars[n];

  it('W1–W2: each unusable URL has its own fixed reason; the limits hold at their edges', () => {
    const base = 'https://h.example/';
    expect(N.webhookUrlProblem(undefined)).toBe('not a string');
    expect(N.webhookUrlProblem('')).toBe('not a string');
    expect(N.webhookUrlProblem(base + 'x'.repeat(2_048 - base.length))).toBeNull();
    expect(N.webhookUrlProblem(base + 'x'.repeat(2_049 - base.length))).toBe('longer than 2048 characters');
    for (const c of [' ', '\t', '\u0000', '\u001f', '\u007f', '\u0085', '\u009f'])
      expect(N.webhookUrlProblem(`${base}a${c}b`)).toBe('contains whitespace or a control character');
    expect(N.webhookUrlProblem(`${base}a\u00a0b`)).toBe('contains whitespace or a control character'); // \s includes NBSP
    expect(N.webhookUrlProblem(`${base}\u00a1`)).toBeNull();
    for (const u of ['ftp://h.example/x', 'https:/h.example/x', 'https://', 'https://h_x.example/', 'https://h.example:/x', 'https://h.example:123456/x', 'xhttps://h.example/', 'https://[fe80::1', 'https://h.example\\x'])
      expect(N.webhookUrlProblem(u)).toBe('not an http(s) URL');
    expect(N.webhookUrlProblem('https://h.example:65535/x')).toBeNull();
    expect(N.webhookUrlProblem('https://h.example:65536/x')).toBe('port out of range');
    expect(N.webhookUrlProblem('https://h.example:99999')).toBe('port out of range');
    for (const u of ['https://h.example', 'https://h.example?x=1', 'https://h.example#f', 'https://user:pa%40ss@h.example/x', 'https://[2001:db8::1]:8443/x', 'HTTPS://H.EXAMPLE/x'.toLowerCase()])
      expect(N.webhookUrlProblem(u)).toBeNull();
    // W2: plain http only to a loopback host, the whole host matched
    for (const u of ['http://127.0.0.1/x', 'http://127.255.1.20:9/x', 'http://LOCALHOST/x', 'http://[::1]/x', 'http://u:p@localhost/x'])
      expect(N.webhookUrlProblem(u)).toBeNull();
    for (const u of ['http://localhost.evil.example/x', 'http://evil.localhost.example/x', 'http://127.0.0.1.evil.example/x', 'http://10.0.0.1/x', 'http://[::2]/x', 'http://127.0.0/x', 'http://x127.0.0.1/x', 'http://1270.0.0.1/x'])
      expect(N.webhookUrlProblem(u)).toBe('http is allowed only to a loopback host (use https)');
  });

  it('S1: a label is the lower-case scheme, host and port, the path elided, and the key; a URL that does not parse is invalid-url', () => {
    const u = 'HTTPS://u:secret@Hooks.Example.com:8443/services/SECRET?x#y';
    expect(N.endpointKey(u)).toMatch(/^[0-9a-f]{12}$/);
    expect(N.endpointKey(u)).not.toBe(N.endpointKey(u.toLowerCase()));
    expect(N.endpointLabel(u)).toBe(`https://Hooks.Example.com:8443/… #${N.endpointKey(u)}`);
    expect(N.endpointLabel('https://h.example?q=SECRET')).toBe(`https://h.example/… #${N.endpointKey('https://h.example?q=SECRET')}`);
    expect(N.endpointLabel('not a url')).toBe(`invalid-url/… #${N.endpointKey('not a url')}`);
    expect(N.endpointLabel('x1://h/')).toBe(`invalid-url/… #${N.endpointKey('x1://h/')}`);
    expect(N.endpointLabel(' https://h/')).toBe(`invalid-url/… #${N.endpointKey(' https://h/')}`);
    expect(N.endpointLabel('https://h\u202e.example/x')).toBe(`https://h.example/… #${N.endpointKey('https://h\u202e.example/x')}`);
  });

  it('timeout_ms: an integer from 200 to 10 000 ms, else the default with a warning', () => {
    const t = (v: unknown) => N.notifySettings({ timeout_ms: v }, env({}));
    expect(t(N.TIMEOUT_MIN_MS)).toEqual({ webhooks: [], timeoutMs: 200, warnings: [] });
    expect(t(N.TIMEOUT_MAX_MS).timeoutMs).toBe(10_000);
    for (const bad of [199, 10_001, 250.5, '300', null, Number.NaN]) {
      expect(t(bad)).toEqual({ webhooks: [], timeoutMs: N.DEFAULT_TIMEOUT_MS, warnings: ['notify.timeout_ms: not an integer in 200–10000 (default 3000 used)'] });
    }
    expect(N.notifySettings({}, env({}))).toEqual({ webhooks: [], timeoutMs: 3_000, warnings: [] });
    expect(N.notifySettings(null, env({}))).toEqual({ webhooks: [], timeoutMs: 3_000, warnings: [] });
    expect(N.notifySettings('x', env({}))).toEqual({ webhooks: [], timeoutMs: 3_000, warnings: ['notify: not an object (ignored)'] });
  });

  it('webhooks: every warning names its entry and why; at most 20 entries are read; events keep the documented order', () => {
    const s = N.notifySettings(
      {
        timeout_ms: 9,
        webhooks: [
          null,
          ['https://a.example/x'],
          { url: 'https://a.example/x', url_env: 'X' },
          { url_env: 'lower' },
          { url_env: 7 },
          { url_env: 'EMPTY' },
          { url_env: 'UNSET' },
          {},
          { url: 'https://a.example/x', events: 'halt' },
          { url: 'https://a.example/x', events: [] },
          { url: 'https://a.example/x', events: ['halt', 'nope'] },
          { url: 'https://a.example/x', events: ['block', 'halt', 'block'] },
          { url_env: 'A_1', events: ['waiting'] },
          { url_env: `_${'A'.repeat(63)}` },
          { url_env: `_${'A'.repeat(64)}` },
          { url_env: '1A' },
        ],
      },
      env({ EMPTY: '', A_1: 'https://env.example/hook', [`_${'A'.repeat(63)}`]: 'https://long.example/x' }),
    );
    expect(s.timeoutMs).toBe(N.DEFAULT_TIMEOUT_MS);
    expect(s.warnings).toEqual([
      'notify.timeout_ms: not an integer in 200–10000 (default 3000 used)',
      'notify.webhooks[0]: not an object (skipped)',
      'notify.webhooks[1]: not an object (skipped)',
      'notify.webhooks[2]: both url and url_env (skipped)',
      'notify.webhooks[3].url_env: not an environment variable name (skipped)',
      'notify.webhooks[4].url_env: not an environment variable name (skipped)',
      'notify.webhooks[5].url_env: EMPTY is not set (skipped)',
      'notify.webhooks[6].url_env: UNSET is not set (skipped)',
      'notify.webhooks[7].url: not a string (skipped)',
      'notify.webhooks[8].events: not a non-empty list of lane-granted, halt, waiting, block (skipped)',
      'notify.webhooks[9].events: not a non-empty list of lane-granted, halt, waiting, block (skipped)',
      'notify.webhooks[10].events: not a non-empty list of lane-granted, halt, waiting, block (skipped)',
      'notify.webhooks[14].url_env: not an environment variable name (skipped)',
      'notify.webhooks[15].url_env: not an environment variable name (skipped)',
    ]);
    expect(s.webhooks).toEqual([
      { url: 'https://a.example/x', events: ['halt', 'block'], key: N.endpointKey('https://a.example/x'), label: N.endpointLabel('https://a.example/x') },
      { url: 'https://env.example/hook', events: ['waiting'], key: N.endpointKey('https://env.example/hook'), label: N.endpointLabel('https://env.example/hook') },
      { url: 'https://long.example/x', events: N.EVENT_KINDS, key: N.endpointKey('https://long.example/x'), label: N.endpointLabel('https://long.example/x') },
    ]);

    const many = (n: number) => N.notifySettings({ webhooks: Array.from({ length: n }, (_, i) => ({ url: `https://h${i}.example/x` })) }, env({}));
    expect(many(N.WEBHOOKS_MAX)).toMatchObject({ warnings: [] });
    expect(many(N.WEBHOOKS_MAX).webhooks).toHaveLength(20);
    const over = many(N.WEBHOOKS_MAX + 1);
    expect(over.webhooks.map((h) => h.url)).toEqual(many(20).webhooks.map((h) => h.url));
    expect(over.warnings).toEqual(['notify.webhooks: more than 20 entries (the rest ignored)']);
    expect(N.notifySettings({ timeout_ms: 500, webhooks: {} }, env({}))).toEqual({ webhooks: [], timeoutMs: 500, warnings: ['notify.webhooks: not a list (ignored)'] });
    expect(N.notifySettings({ timeout_ms: 1, webhooks: 'x' }, env({})).warnings).toHaveLength(2);
  });
});

describe('the body, each template whole (docs/notify.md §3 T1–T4, notify.md §6 S2)', () => {
  it('T3: a waiting session without a branch, with a message that cleans to nothing, and with a message', () => {
    expect(N.messageText({ kind: 'waiting', session: 's1', branch: null })).toBe(':hourglass: Session `s1` is waiting for its person.');
    expect(N.messageText({ kind: 'waiting', session: 's1', branch: null, message: ' \u200b\n ' })).toBe(':hourglass: Session `s1` is waiting for its person.');
    expect(N.messageText({ kind: 'waiting', session: 's1', branch: 'b', message: 'x' })).toBe(':hourglass: Session `s1` on `b` is waiting for its person: x');
    expect(N.messageText({ kind: 'waiting', session: 's1', branch: 'b', message: '' })).toBe(':hourglass: Session `s1` on `b` is waiting for its person.');
  });

  it('T4: a block names the lane when it has one; values are cut to their template widths', () => {
    expect(N.messageText({ kind: 'block', policy: 'push-gate', reason: 'lane-held', session: 's1', lane: 'deploy:main' })).toBe(
      ':no_entry: Arbiter blocked session `s1`: `push-gate` (lane-held) on lane `deploy:main`.',
    );
    const cut = (n: number) => 'x'.repeat(n - 1) + '\u2026';
    expect(N.messageText({ kind: 'block', policy: 'p'.repeat(61), reason: 'r'.repeat(121), session: 's'.repeat(121), lane: 'l'.repeat(161) })).toBe(
      `:no_entry: Arbiter blocked session \`${cut(120).replace(/x/g, 's')}\`: \`${cut(60).replace(/x/g, 'p')}\` (${cut(120).replace(/x/g, 'r')}) on lane \`${cut(160).replace(/x/g, 'l')}\`.`,
    );
    expect(N.messageText({ kind: 'block', policy: 'p'.repeat(60), reason: 'r'.repeat(120), session: 's'.repeat(120), lane: 'l'.repeat(160) })).toBe(
      `:no_entry: Arbiter blocked session \`${'s'.repeat(120)}\`: \`${'p'.repeat(60)}\` (${'r'.repeat(120)}) on lane \`${'l'.repeat(160)}\`.`,
    );
    expect(N.messageText({ kind: 'halt', target: 't', by: 'b', reason: 'r'.repeat(201) })).toBe(`:octagonal_sign: Session \`t\` halted by \`b\`: ${'r'.repeat(199)}\u2026`);
    expect(N.escapeMrkdwn('a'.repeat(201))).toBe('a'.repeat(199) + '\u2026');
    expect(N.escapeMrkdwn('a'.repeat(200))).toBe('a'.repeat(200));
    expect(N.escapeMrkdwn('<a> & `b`', 5)).toBe('&lt;a&gt; \u2026');
    expect(N.messageText({ kind: 'lane-granted', lane: 'l'.repeat(161), session: 's'.repeat(121), fence: 0 })).toBe(
      `:large_green_circle: Lane \`${'l'.repeat(159)}\u2026\` granted to session \`${'s'.repeat(119)}\u2026\` (fence 0).`,
    );
  });

  it('the context block names the repository (cut to 80) and the instant; the machine field carries the cleaned repository', () => {
    const e: N.NotifyEvent = { kind: 'halt', target: 't', by: 'b', reason: 'r' };
    const b = N.renderBody(e, 'd7', Date.UTC(2026, 11, 5, 17, 1, 17, 891), 'my-`repo`\u202e');
    expect(b.blocks).toEqual([
      { type: 'section', text: { type: 'mrkdwn', text: b.text } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: "arbiter · `my-'repo'` · 2026-12-05T17:01:17.891Z" }] },
    ]);
    expect(b.arbiter).toEqual({ version: 1, id: 'd7', at: '2026-12-05T17:01:17.891Z', repo: 'my-`repo`', event: e });
    const long = N.renderBody(e, 'd', 0, 'r'.repeat(81));
    expect(long.arbiter.repo).toBe('r'.repeat(79) + '\u2026');
    expect((long.blocks[1] as { elements: Array<{ text: string }> }).elements[0]?.text).toBe(`arbiter · \`${'r'.repeat(79)}\u2026\` · 1970-01-01T00:00:00.000Z`);
  });

  it('the test body is fixed: its text, one section, and a waiting event named test', () => {
    expect(N.testBody(Date.UTC(2026, 0, 2), 'my <repo>')).toEqual({
      text: ':white_check_mark: Arbiter test notification for `my &lt;repo&gt;`: this webhook is wired.',
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: ':white_check_mark: Arbiter test notification for `my &lt;repo&gt;`: this webhook is wired.' } }],
      arbiter: { version: 1, id: 'test', at: '2026-01-02T00:00:00.000Z', repo: 'my <repo>', event: { kind: 'waiting', session: 'test', branch: null, message: 'test notification' } },
    });
    expect(N.testBody(0, 'r'.repeat(81)).arbiter.repo).toBe('r'.repeat(79) + '\u2026');
  });
});

describe('queue policy, each rule at its edge (docs/notify.md §4 N1–N6)', () => {
  const at0 = (events: ReadonlyArray<N.NotifyEvent>, at = 0) => events.map((event) => ({ event, at }));

  it('N4: the dedup key covers every field of every kind, and only those', () => {
    const variants: ReadonlyArray<ReadonlyArray<N.NotifyEvent>> = [
      [
        { kind: 'lane-granted', lane: 'l', session: 's', fence: 1 },
        { kind: 'lane-granted', lane: 'l2', session: 's', fence: 1 },
        { kind: 'lane-granted', lane: 'l', session: 's2', fence: 1 },
        { kind: 'lane-granted', lane: 'l', session: 's', fence: 2 },
      ],
      [
        { kind: 'halt', target: 't', by: 'b', reason: 'r' },
        { kind: 'halt', target: 't2', by: 'b', reason: 'r' },
        { kind: 'halt', target: 't', by: 'b2', reason: 'r' },
        { kind: 'halt', target: 't', by: 'b', reason: 'r2' },
      ],
      [
        { kind: 'waiting', session: 's', branch: null },
        { kind: 'waiting', session: 's2', branch: null },
        { kind: 'waiting', session: 's', branch: 'b' },
        { kind: 'waiting', session: 's', branch: null, message: 'm' },
        { kind: 'waiting', session: 's', branch: null, message: 'm2' },
      ],
      [
        { kind: 'block', policy: 'p', reason: 'r', session: 's' },
        { kind: 'block', policy: 'p2', reason: 'r', session: 's' },
        { kind: 'block', policy: 'p', reason: 'r2', session: 's' },
        { kind: 'block', policy: 'p', reason: 'r', session: 's2' },
        { kind: 'block', policy: 'p', reason: 'r', session: 's', lane: 'l' },
        { kind: 'block', policy: 'p', reason: 'r', session: 's', lane: 'l2' },
      ],
    ];
    const keys = variants.flat().map(N.eventKey);
    for (const k of keys) expect(k).toMatch(/^[0-9a-f]{16}$/);
    expect(new Set(keys).size).toBe(keys.length);
    // the same fields in another object give the same key
    expect(N.eventKey({ kind: 'halt', reason: 'r', by: 'b', target: 't' } as N.NotifyEvent)).toBe(N.eventKey({ kind: 'halt', target: 't', by: 'b', reason: 'r' }));
    // a halt and a lane grant whose fields line up are different events
    expect(N.eventKey({ kind: 'halt', target: 'x', by: 'y', reason: 'z' })).not.toBe(N.eventKey({ kind: 'block', policy: 'x', reason: 'y', session: 'z' }));
  });

  it('N4: the window is 30 s on either side of a queued event, and a remembered key is forgotten once the window has passed', () => {
    const e = halt(1);
    const first = N.enqueue(N.emptyState(), at0([e], 100_000), [A], 100_000);
    expect(first.recent).toEqual([{ key: N.eventKey(e), at: 100_000 }]);
    const again = (at: number, now = 100_000) => N.enqueue(first, [{ event: e, at }], [A], now);
    expect(again(100_000 + N.DEDUP_WINDOW_MS - 1).counts.deduped).toBe(1);
    expect(again(100_000 + N.DEDUP_WINDOW_MS).counts.deduped).toBe(0);
    expect(again(100_000 - N.DEDUP_WINDOW_MS + 1).counts.deduped).toBe(1);
    expect(again(100_000 - N.DEDUP_WINDOW_MS).counts.deduped).toBe(0);
    // the memory itself: kept while now - at < window, dropped at the window and when from the future
    expect(N.enqueue(first, [], [A], 100_000 + N.DEDUP_WINDOW_MS - 1).recent).toHaveLength(1);
    expect(N.enqueue(first, [], [A], 100_000 + N.DEDUP_WINDOW_MS).recent).toEqual([]);
    expect(N.enqueue(first, [], [A], 100_000).recent).toHaveLength(1);
    expect(N.enqueue(first, [], [A], 99_999).recent).toEqual([]);
    expect(again(100_001, 99_999).counts.deduped).toBe(0);
    // only the last RECENT_MAX keys are remembered
    const lots = N.enqueue(N.emptyState(), Array.from({ length: N.RECENT_MAX + 5 }, (_, i) => ({ event: halt(i), at: 0 })), [], 0);
    expect(lots.recent).toHaveLength(N.RECENT_MAX);
    expect(lots.recent[0]?.key).toBe(N.eventKey(halt(5)));
    expect(lots.pending).toEqual([]);
  });

  it('N1: deliveries are numbered in order, start with no attempt, and the emitters\' overflow counts only whole non-negative events', () => {
    const s = N.enqueue(N.emptyState(), at0([halt(1), halt(2)], 5), [A, B], 9);
    expect(s.seq).toBe(4);
    expect(s.pending).toEqual([
      { id: 'd1', endpoint: A.key, event: halt(1), at: 5, attempts: 0, not_before: 0 },
      { id: 'd2', endpoint: B.key, event: halt(1), at: 5, attempts: 0, not_before: 0 },
      { id: 'd3', endpoint: A.key, event: halt(2), at: 5, attempts: 0, not_before: 0 },
      { id: 'd4', endpoint: B.key, event: halt(2), at: 5, attempts: 0, not_before: 0 },
    ]);
    expect(N.enqueue(s, [], [A], 9, 2.9).counts.dropped_overflow).toBe(2);
    expect(N.enqueue(s, [], [A], 9, -3).counts.dropped_overflow).toBe(0);
    const full = N.enqueue(N.emptyState(), Array.from({ length: N.QUEUE_MAX }, (_, i) => ({ event: halt(i), at: 0 })), [A], 0);
    expect(full.pending).toHaveLength(N.QUEUE_MAX);
    expect(full.counts.dropped_overflow).toBe(0);
  });

  it('N3: a cool-down ends at its instant; a delivery to a cooling endpoint is refused at enqueue and dropped from the queue', () => {
    const s = { ...N.emptyState(), cooled: { [A.key]: 1_000 } };
    expect(N.isCooled(s, A.key, 999)).toBe(true);
    expect(N.isCooled(s, A.key, 1_000)).toBe(false);
    expect(N.isCooled(s, B.key, -1e15)).toBe(false);
    const q = N.enqueue(s, at0([halt(1)], 999), [A, B], 999);
    expect(q.pending.map((d) => d.endpoint)).toEqual([B.key]);
    expect(q.counts.dropped_cooled).toBe(1);
    expect(N.enqueue(s, at0([halt(1)], 1_000), [A, B], 1_000).pending).toHaveLength(2);
    expect(N.pruneCooled(s, 999).cooled).toEqual({ [A.key]: 1_000 });
    expect(N.pruneCooled(s, 1_000).cooled).toEqual({});
  });

  it('N2: the next step sends the oldest ready head, else waits for the earliest pause to end, else is idle', () => {
    const s = N.enqueue(N.emptyState(), at0([halt(1)]), [A, B], 0);
    const paused: N.QueueState = { ...s, pending: s.pending.map((d, i) => ({ ...d, attempts: 1, not_before: 700 - 100 * i })) };
    expect(N.nextDelivery(paused, [A.key, B.key], 599).next).toEqual({ _tag: 'Wait', until: 600 });
    expect(N.nextDelivery(paused, [A.key, B.key], 600).next).toMatchObject({ _tag: 'Send', delivery: { id: 'd2' } });
    expect(N.nextDelivery(paused, [A.key, B.key], 700).next).toMatchObject({ _tag: 'Send', delivery: { id: 'd1' } });
    expect(N.nextDelivery(paused, [A.key], 0)).toEqual({ state: { ...paused, pending: [paused.pending[0]], counts: { ...paused.counts, dropped_unconfigured: 1 } }, next: { _tag: 'Wait', until: 700 } });
    expect(N.nextDelivery(N.emptyState(), [A.key], 0)).toEqual({ state: N.emptyState(), next: { _tag: 'Idle' } });
  });

  it('N2: which answers are retried, and the code each one is shown as', () => {
    const cases: ReadonlyArray<readonly [N.AttemptAnswer, string, string]> = [
      [{ _tag: 'Status', status: 199 }, 'permanent', 'status-199'],
      [{ _tag: 'Status', status: 200 }, 'ok', 'status-200'],
      [{ _tag: 'Status', status: 299 }, 'ok', 'status-299'],
      [{ _tag: 'Status', status: 300 }, 'permanent', 'status-300'],
      [{ _tag: 'Status', status: 407 }, 'permanent', 'status-407'],
      [{ _tag: 'Status', status: 408 }, 'retryable', 'status-408'],
      [{ _tag: 'Status', status: 409 }, 'permanent', 'status-409'],
      [{ _tag: 'Status', status: 428 }, 'permanent', 'status-428'],
      [{ _tag: 'Status', status: 429 }, 'retryable', 'status-429'],
      [{ _tag: 'Status', status: 499 }, 'permanent', 'status-499'],
      [{ _tag: 'Status', status: 500 }, 'retryable', 'status-500'],
      [{ _tag: 'Status', status: 599 }, 'retryable', 'status-599'],
      [{ _tag: 'Timeout' }, 'retryable', 'timeout'],
      [{ _tag: 'Unreachable' }, 'retryable', 'unreachable'],
    ];
    for (const [a, verdict, code] of cases) {
      expect(N.classifyAnswer(a)).toBe(verdict);
      expect(N.answerCode(a)).toBe(code);
    }
  });

  it('N2–N3, N6: an answer updates the delivery, the counters and the endpoint\'s last answer; an unknown id only counts the attempt', () => {
    const s = N.enqueue(N.emptyState(), at0([halt(1)]), [A, B], 0);
    const ok = N.recordAttempt(s, 'd1', { _tag: 'Status', status: 201 }, 40);
    expect(ok).toEqual({ ...s, pending: [s.pending[1]], counts: { ...s.counts, sent: 1, attempts: 1 }, last: { [A.key]: { at: 40, outcome: 'status-201' } } });
    const retry = N.recordAttempt(s, 'd2', { _tag: 'Status', status: 503 }, 40);
    expect(retry).toEqual({ ...s, pending: [s.pending[0], { ...s.pending[1], attempts: 1, not_before: 40 + N.RETRY_DELAY_MS }], counts: { ...s.counts, attempts: 1 }, last: { [B.key]: { at: 40, outcome: 'status-503' } } });
    const gone = N.recordAttempt(retry, 'd2', { _tag: 'Unreachable' }, 600);
    expect(gone).toEqual({ ...retry, pending: [s.pending[0]], counts: { ...retry.counts, failed: 1, attempts: 2 }, cooled: { [B.key]: 600 + N.COOL_DOWN_MS }, last: { [B.key]: { at: 600, outcome: 'unreachable' } } });
    const permanent = N.recordAttempt(s, 'd1', { _tag: 'Status', status: 410 }, 7);
    expect(permanent.pending).toEqual([s.pending[1]]);
    expect(permanent.cooled).toEqual({ [A.key]: 7 + N.COOL_DOWN_MS });
    expect(permanent.counts).toMatchObject({ failed: 1, attempts: 1, sent: 0 });
    expect(N.recordAttempt(s, 'd9', { _tag: 'Status', status: 200 }, 7)).toEqual({ ...s, counts: { ...s.counts, attempts: 1 } });
  });
});

describe('the stored state (architecture.md conventions §4)', () => {
  const T = Date.UTC(2026, 11, 6);
  const iso = (ms: number) => new Date(ms).toISOString();
  const stored = (over: Record<string, unknown> = {}) => ({
    version: 1,
    seq: 2,
    pending: [{ id: 'd1', endpoint: A.key, event: halt(1), at: iso(T), attempts: 0, not_before: iso(0) }],
    recent: [{ key: 'k', at: iso(T) }],
    cooled: { [B.key]: iso(T + 1) },
    counts: { sent: 1, failed: 2, dropped_overflow: 3, dropped_cooled: 4, dropped_unconfigured: 5, deduped: 6, attempts: 7 },
    last: { [A.key]: { at: iso(T), outcome: 'status-500' } },
    ...over,
  });

  it('encodes instants as ISO-8601 UTC and reads them back', () => {
    const s = N.decodeState(stored()) as N.QueueState;
    expect(s).toEqual({
      seq: 2,
      pending: [{ id: 'd1', endpoint: A.key, event: halt(1), at: T, attempts: 0, not_before: 0 }],
      recent: [{ key: 'k', at: T }],
      cooled: { [B.key]: T + 1 },
      counts: { sent: 1, failed: 2, dropped_overflow: 3, dropped_cooled: 4, dropped_unconfigured: 5, deduped: 6, attempts: 7 },
      last: { [A.key]: { at: T, outcome: 'status-500' } },
    });
    expect(N.encodeState(s)).toEqual(stored());
  });

  it('refuses a value that is not a version-1 object, naming the version', () => {
    expect(N.decodeState(null)).toEqual({ corrupt: 'not an object' });
    for (const scalar of [42, 'x', true, undefined]) expect(N.decodeState(scalar)).toEqual({ corrupt: 'not an object' });
    expect(N.decodeState([stored()])).toEqual({ corrupt: 'not an object' });
    expect(N.decodeState(stored({ version: 2 }))).toEqual({ corrupt: 'version 2 is not 1' });
    expect(N.decodeState(stored({ version: '1' }))).toEqual({ corrupt: 'version 1 is not 1' });
    expect(N.decodeState(stored({ version: 'x'.repeat(30) }))).toEqual({ corrupt: `version ${'x'.repeat(20)} is not 1` });
    expect(N.decodeState({})).toEqual({ corrupt: 'version undefined is not 1' });
  });

  it('drops each item that does not read, and only that item', () => {
    const p = stored().pending[0] as Record<string, unknown>;
    const badPending = [
      { ...p, id: 3 },
      { ...p, endpoint: null },
      { ...p, event: { kind: 'halt' } },
      { ...p, at: 'yesterday' },
      { ...p, at: '2026-12-06T00:00:00Z' }, // not the canonical form it was written in
      { ...p, not_before: 5 },
      { ...p, attempts: 2 },
      { ...p, attempts: -1 },
      { ...p, attempts: '0' },
      'x',
    ];
    const s = N.decodeState(stored({ pending: [...badPending, { ...p, id: 'd9', attempts: 1 }] })) as N.QueueState;
    expect(s.pending.map((d) => [d.id, d.attempts])).toEqual([['d9', 1]]);
    const r = N.decodeState(stored({ recent: [{ key: 1, at: iso(T) }, { key: 'a', at: 'x' }, null, { key: 'b', at: iso(T) }], cooled: { a: 'x', b: iso(T), c: 5 }, last: { a: { at: iso(T), outcome: 3 }, b: { at: 'x', outcome: 'ok' }, c: 'x', d: { at: iso(T), outcome: 'status-200' } } })) as N.QueueState;
    expect(r.recent).toEqual([{ key: 'b', at: T }]);
    expect(r.cooled).toEqual({ b: T });
    expect(r.last).toEqual({ d: { at: T, outcome: 'status-200' } });
    const e = N.decodeState(stored({ pending: 'x', recent: {}, cooled: [], last: null, counts: 'x', seq: -1 })) as N.QueueState;
    expect(e).toEqual({ seq: 0, pending: [], recent: [], cooled: {}, counts: N.emptyState().counts, last: {} });
  });

  it('cuts ids, keys and outcomes to 40 characters, cleans the outcome, and reads a counter only as a non-negative safe integer', () => {
    const long = 'k'.repeat(41);
    const p = stored().pending[0] as Record<string, unknown>;
    const s = N.decodeState(
      stored({
        pending: [{ ...p, id: long, endpoint: long }],
        recent: [{ key: long, at: iso(T) }],
        cooled: { [long]: iso(T) },
        last: { [long]: { at: iso(T), outcome: `a\u0007b${'o'.repeat(50)}` } },
        seq: 2 ** 53,
        counts: { sent: 0, failed: 1.5, dropped_overflow: -1, dropped_cooled: '4', deduped: Number.MAX_SAFE_INTEGER, attempts: null },
      }),
    ) as N.QueueState;
    const k40 = 'k'.repeat(40);
    expect(s.pending.map((d) => [d.id, d.endpoint])).toEqual([[k40, k40]]);
    expect(s.recent).toEqual([{ key: k40, at: T }]);
    expect(s.cooled).toEqual({ [k40]: T });
    expect(s.last).toEqual({ [k40]: { at: T, outcome: `a b${'o'.repeat(36)}\u2026` } });
    expect(s.seq).toBe(0);
    expect(s.counts).toEqual({ sent: 0, failed: 0, dropped_overflow: 0, dropped_cooled: 0, dropped_unconfigured: 0, deduped: Number.MAX_SAFE_INTEGER, attempts: 0 });
  });

  it('N1 again on reading: a stored queue longer than 100 keeps its newest 100 and counts the rest; at most 500 recent keys', () => {
    const p = stored().pending[0] as Record<string, unknown>;
    const pending = Array.from({ length: N.QUEUE_MAX + 3 }, (_, i) => ({ ...p, id: `d${i}` }));
    const recent = Array.from({ length: N.RECENT_MAX + 2 }, (_, i) => ({ key: `k${i}`, at: iso(T) }));
    const s = N.decodeState(stored({ pending, recent })) as N.QueueState;
    expect(s.pending).toHaveLength(N.QUEUE_MAX);
    expect(s.pending[0]?.id).toBe('d3');
    expect(s.counts.dropped_overflow).toBe(3 + 3);
    expect(s.recent).toHaveLength(N.RECENT_MAX);
    expect(s.recent[0]?.key).toBe('k2');
    const exact = N.decodeState(stored({ pending: pending.slice(0, N.QUEUE_MAX) })) as N.QueueState;
    expect(exact.pending).toHaveLength(N.QUEUE_MAX);
    expect(exact.counts.dropped_overflow).toBe(3);
  });
});
