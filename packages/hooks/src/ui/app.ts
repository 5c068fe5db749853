/**
 * The dashboard page (dashboard.md §3 and dashboard.md §5): one browser bundle, `dist/ui/app.js`, built by the hooks
 * package's tsup config (platform `browser`). Vanilla TypeScript and the DOM, no UI library: the page is a handful of
 * tables refreshed from one JSON snapshot, which `createElement` + `textContent` and a keyed row cache do in a few
 * hundred lines; a library would add a dependency to audit and a bundle to ship for none of that.
 *
 * Rules (dashboard.md §5 D6): every string that comes from the service (session ids, branches, reasons, lane names —
 * all of them attacker-chosen text) is inserted with `textContent` or as a text node, never through `innerHTML`,
 * and class names are chosen from fixed maps, never built from data. Token flow (dashboard.md §4 D2): a `?token=` in
 * the address is moved into sessionStorage and removed from the address with `history.replaceState`; the page trades
 * it for an HttpOnly cookie (`POST /v1/ui-session`), which its fetches and its `EventSource` then carry.
 */
import type { LaneStatus, StatusSnapshot, SessionStatus } from '@arbiter/kernel';

const TOKEN_KEY = 'arbiter-token';

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => document.getElementById(id) as T;

/** A cell holding `text` as a text node (never parsed as HTML). */
const td = (text: string, cls?: string): HTMLTableCellElement => {
  const c = document.createElement('td');
  c.textContent = text;
  if (cls !== undefined) c.className = cls;
  return c;
};

const STATE_CLASS: Readonly<Record<string, string>> = { working: 'state-working', waiting: 'state-waiting', idle: 'state-idle', gone: 'state-gone' };

const badge = (state: string): HTMLTableCellElement => {
  const c = document.createElement('td');
  const b = document.createElement('span');
  b.className = `badge ${STATE_CLASS[state] ?? 'state-unknown'}`;
  b.textContent = state;
  b.dataset['state'] = STATE_CLASS[state] === undefined ? 'unknown' : state;
  c.appendChild(b);
  return c;
};

const verdictClass = (v: string): string => {
  const k = v.toLowerCase();
  return k === 'block' || k === 'deny' ? 'verdict-block' : k === 'allow' || k === 'ok' ? 'verdict-allow' : 'verdict-other';
};

/** `12s`, `5m`, `3h`, `2d`: a duration in ms, rounded down. */
const dur = (ms: number): string => {
  const s = Math.max(0, Math.floor(ms / 1000));
  return s < 60 ? `${s}s` : s < 3600 ? `${Math.floor(s / 60)}m` : s < 86_400 ? `${Math.floor(s / 3600)}h` : `${Math.floor(s / 86_400)}d`;
};

/** Server clock minus page clock at the last snapshot, ms: ages and leases are shown on the page's clock. */
let skew = 0;
const serverNow = (): number => Date.now() + skew;

/** A cell that counts: `since` (age since an instant) or `until` (time left until an instant), on the server clock. */
const clockCell = (kind: 'since' | 'until', t: number | null): HTMLTableCellElement => {
  const c = td(t === null ? '—' : '');
  if (t !== null) {
    c.dataset[kind] = String(t);
    c.textContent = kind === 'since' ? dur(serverNow() - t) : dur(t - serverNow());
  }
  return c;
};

const tick = (): void => {
  const now = serverNow();
  for (const el of document.querySelectorAll<HTMLElement>('[data-since]')) {
    const s = dur(now - Number(el.dataset['since']));
    if (el.textContent !== s) el.textContent = s;
  }
  for (const el of document.querySelectorAll<HTMLElement>('[data-until]')) {
    const s = dur(Number(el.dataset['until']) - now);
    if (el.textContent !== s) el.textContent = s;
  }
};

/**
 * Render `items` into `body`, one row each, reusing the row of an item whose `sig` did not change since the last
 * render (10 000 sessions re-render in a few ms when one changed). `key` must be unique per item.
 */
const rowCache = new WeakMap<HTMLElement, Map<string, { sig: string; tr: HTMLTableRowElement }>>();
const renderRows = <T>(body: HTMLElement, items: ReadonlyArray<T>, key: (x: T) => string, sig: (x: T) => string, build: (x: T) => HTMLTableRowElement): void => {
  const old = rowCache.get(body) ?? new Map<string, { sig: string; tr: HTMLTableRowElement }>();
  const next = new Map<string, { sig: string; tr: HTMLTableRowElement }>();
  const rows: HTMLTableRowElement[] = [];
  for (const x of items) {
    const k = key(x);
    if (next.has(k)) continue;
    const s = sig(x);
    const o = old.get(k);
    const tr = o !== undefined && o.sig === s ? o.tr : build(x);
    next.set(k, { sig: s, tr });
    rows.push(tr);
  }
  rowCache.set(body, next);
  body.replaceChildren(...rows);
};

const tr = (...cells: HTMLTableCellElement[]): HTMLTableRowElement => {
  const r = document.createElement('tr');
  r.append(...cells);
  return r;
};

const holdsText = (s: SessionStatus): string => {
  const h = s.holds;
  const parts: string[] = [];
  if (h.lock) parts.push('session lock');
  for (const l of h.lanes) parts.push(`lane ${l.lane} #${l.fence}`);
  for (const b of h.builds) parts.push(`build ${b}`);
  if (h.commitments > 0) parts.push(`${h.commitments} commitment${h.commitments === 1 ? '' : 's'}`);
  for (const x of h.halts) parts.push(`halt ${x}`);
  return parts.join(', ');
};

const sessionOfRow = new WeakMap<HTMLTableRowElement, string>();

const sessionRow = (s: SessionStatus): HTMLTableRowElement => {
  const r = tr(
    badge(s.shown),
    td(s.session),
    td(s.agent),
    td(s.host),
    td(s.branch ?? '(detached)'),
    clockCell('since', s.stateSince),
    td(s.lastTool === null ? s.lastEvent : `${s.lastEvent} ${s.lastTool}`),
    td(holdsText(s)),
  );
  sessionOfRow.set(r, s.session);
  return r;
};

const laneRow = (l: LaneStatus, at: number): HTMLTableRowElement =>
  tr(
    td(l.lane),
    td(l.holder ?? 'free', l.holder === null ? 'free' : 'held'),
    td(l.fence === null ? '—' : String(l.fence)),
    clockCell('until', l.leaseLeftMs === null ? null : at + l.leaseLeftMs),
    td(l.queue.join(', ')),
  );

const setCount = (id: string, n: number): void => {
  $(id).textContent = `(${n})`;
};

/**
 * Most session rows in the page at once (dashboard.md §5 D8). A table of ten thousand rows costs the browser seconds
 * of layout on every change; the count shows them all, the rows the first {@link SESSION_ROWS_MAX} in order of need
 * (waiting, working, idle, gone), and the filter box finds any other.
 */
const SESSION_ROWS_MAX = 500;
const STATE_RANK: Readonly<Record<string, number>> = { waiting: 0, working: 1, idle: 2, gone: 3 };
let lastSnapshot: StatusSnapshot | null = null;

const renderSessions = (all: ReadonlyArray<SessionStatus>): void => {
  const f = $<HTMLInputElement>('f-sessions').value.trim().toLowerCase();
  const matching = f === '' ? all : all.filter((x) => [x.session, x.branch ?? '', x.host, x.agent, x.shown].some((v) => v.toLowerCase().includes(f)));
  const shown = [...matching].sort((a, b) => (STATE_RANK[a.shown] ?? 4) - (STATE_RANK[b.shown] ?? 4)).slice(0, SESSION_ROWS_MAX);
  renderRows($('t-sessions'), shown, (x) => x.session, (x) => JSON.stringify(x), sessionRow);
  setCount('n-sessions', all.length);
  const more = $('more-sessions');
  more.hidden = matching.length <= shown.length;
  more.textContent = `${matching.length - shown.length} more ${f === '' ? '' : 'matching '}not shown: type in the filter to find one.`;
};

/** Render one snapshot (dashboard.md §3). */
const render = (s: StatusSnapshot): void => {
  const t0 = performance.now();
  skew = s.at - Date.now();
  $('repo').textContent = s.repo;
  for (const sec of document.querySelectorAll<HTMLElement>('section[data-source]')) {
    const note = sec.querySelector<HTMLElement>('.unavailable');
    if (note !== null) note.hidden = !s.unavailable.includes(sec.dataset['source'] ?? '');
  }
  lastSnapshot = s;
  renderSessions(s.sessions);
  renderRows($('t-lanes'), s.lanes, (x) => x.lane, (x) => JSON.stringify([x.holder, x.fence, x.leaseLeftMs === null ? null : Math.round((s.at + x.leaseLeftMs) / 1000), x.queue]), (x) => laneRow(x, s.at));
  setCount('n-lanes', s.lanes.length);
  renderRows($('t-halts'), s.halts, (x) => `${x.target}\u0000${x.by}\u0000${x.at}`, (x) => JSON.stringify(x), (x) => tr(td(x.target), td(x.by), td(x.reason), clockCell('since', x.at)));
  setCount('n-halts', s.halts.length);
  renderRows($('t-commitments'), s.commitments, (x) => `${x.session}\u0000${x.at}\u0000${x.text}`, (x) => JSON.stringify(x), (x) => tr(td(x.session), td(x.text), clockCell('since', x.at)));
  setCount('n-commitments', s.commitments.length);
  renderRows($('t-builds'), s.builds, (x) => `${x.name}\u0000${x.session ?? ''}`, (x) => JSON.stringify(x), (x) => tr(td(x.name), td(x.state), td(x.session ?? '—'), clockCell('since', x.at)));
  setCount('n-builds', s.builds.length);
  $('stop-mode').textContent = s.stopGate.mode;
  renderRows(
    $('t-recent'),
    [...s.recent].reverse(),
    (x) => `${x.at}\u0000${x.policy}\u0000${x.session ?? ''}\u0000${x.reason}`,
    (x) => JSON.stringify(x),
    (x) => tr(td(new Date(x.at).toISOString()), td(x.policy), td(x.verdict, verdictClass(x.verdict)), td(x.session ?? '—'), td(x.lane ?? '—'), td(x.reason)),
  );
  setCount('n-recent', s.recent.length);
  document.body.dataset['renderMs'] = (performance.now() - t0).toFixed(1);
  document.body.dataset['snapshotAt'] = String(s.at);
};

// ── the timeline and a session's history (dashboard.md §3 D4) ──

type Row = { timestamp?: unknown; policy?: unknown; verdict?: unknown; reasons?: unknown; facts?: Record<string, unknown> };
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const sessionOf = (r: Row): string => {
  const f = r.facts ?? {};
  const id = f['identity'];
  return str(f['session_id']) || str(f['by_session']) || (typeof id === 'object' && id !== null ? str((id as Record<string, unknown>)['session']) : '');
};
const laneOf = (r: Row): string => str(r.facts?.['lane']) || str(r.facts?.['lane_arg']);
const reasonsOf = (r: Row): string => (Array.isArray(r.reasons) ? r.reasons.filter((x): x is string => typeof x === 'string').join(', ') : '');

const decisionRow = (r: Row, withSession: boolean): HTMLTableRowElement => {
  const cells = [td(str(r.timestamp)), td(str(r.policy)), td(str(r.verdict), verdictClass(str(r.verdict)))];
  if (withSession) cells.push(td(sessionOf(r) || '—'));
  cells.push(td(laneOf(r) || '—'), td(reasonsOf(r)));
  return tr(...cells);
};

// ── talking to the service ──

const showAuth = (): void => {
  $('auth').hidden = false;
  $('main').hidden = true;
  const c = $('conn');
  c.dataset['conn'] = 'auth';
  c.textContent = 'token required';
};

/** Trade the kept token for a cookie session. @returns false when no token is kept or the service refused it. */
const login = async (): Promise<boolean> => {
  const t = sessionStorage.getItem(TOKEN_KEY);
  if (t === null) return false;
  const r = await fetch('/v1/ui-session', { method: 'POST', headers: { authorization: `Bearer ${t}` }, credentials: 'same-origin' });
  if (r.status === 401) sessionStorage.removeItem(TOKEN_KEY);
  return r.ok;
};

class AuthError extends Error {}

/** GET a read route as JSON; on 401 opens a new cookie session once, then gives up with the token message. */
const get = async (path: string): Promise<unknown> => {
  let r = await fetch(path, { credentials: 'same-origin' });
  if (r.status === 401 && (await login())) r = await fetch(path, { credentials: 'same-origin' });
  if (r.status === 401) {
    showAuth();
    throw new AuthError('token required');
  }
  const body = (await r.json()) as unknown;
  if (!r.ok) throw new Error(typeof body === 'object' && body !== null ? str((body as Record<string, unknown>)['message']) : `HTTP ${r.status}`);
  return body;
};

/** `GET /v1/status` with the token in a header (the first load, before the cookie session exists). */
const firstStatus = async (token: string): Promise<unknown> => {
  const r = await fetch('/v1/status', { headers: { authorization: `Bearer ${token}` }, credentials: 'same-origin' });
  if (r.status === 401) {
    showAuth();
    throw new AuthError('token required');
  }
  if (!r.ok) throw new Error(`HTTP ${r.status}`);
  return r.json();
};

let timelineSeq = 0;
const loadTimeline = async (): Promise<void> => {
  const q = new URLSearchParams();
  for (const k of ['policy', 'verdict', 'session', 'lane', 'since', 'until']) {
    const v = $<HTMLInputElement>(`f-${k}`).value.trim();
    if (v !== '') q.set(k, v);
  }
  const seq = ++timelineSeq;
  const err = $('timeline-error');
  try {
    const r = (await get(`/v1/decisions?${q.toString()}`)) as { rows: Row[]; total: number };
    if (seq !== timelineSeq) return; // a newer filter answered first
    err.hidden = true;
    $('t-timeline').replaceChildren(...r.rows.map((x) => decisionRow(x, true)));
    $('n-timeline').textContent = r.total > r.rows.length ? `(newest ${r.rows.length} of ${r.total})` : `(${r.total})`;
    document.body.dataset['timelineSeq'] = String(seq);
  } catch (e) {
    if (e instanceof AuthError || seq !== timelineSeq) return;
    err.textContent = (e as Error).message;
    err.hidden = false;
  }
};

const showHistory = async (session: string): Promise<void> => {
  $('sec-history').hidden = false;
  $('history-title').textContent = `History of session ${session}`;
  const r = (await get(`/v1/sessions/${encodeURIComponent(session)}/decisions`)) as { rows: Row[] };
  $('t-history').replaceChildren(...r.rows.map((x) => decisionRow(x, false)));
};

const setConn = (state: 'live' | 'lost'): void => {
  const c = $('conn');
  c.dataset['conn'] = state;
  c.textContent = state === 'live' ? 'live' : 'reconnecting…';
};

let timelineTimer: number | undefined;
const timelineSoon = (ms: number): void => {
  window.clearTimeout(timelineTimer);
  timelineTimer = window.setTimeout(() => void loadTimeline(), ms);
};

const listen = (): void => {
  const es = new EventSource('/v1/events');
  es.addEventListener('snapshot', (ev) => {
    setConn('live');
    render(JSON.parse((ev as MessageEvent<string>).data) as StatusSnapshot);
    timelineSoon(300); // a change of state usually comes with new decisions
  });
  es.addEventListener('open', () => setConn('live'));
  es.addEventListener('error', () => {
    setConn('lost');
    if (es.readyState === EventSource.CLOSED) {
      // refused (the service restarted and forgot the cookie session, or the token was revoked): log in again
      es.close();
      window.setTimeout(() => {
        void login().then((ok) => (ok ? listen() : showAuth()), () => window.setTimeout(listen, 2000));
      }, 1000);
    }
  });
};

const start = async (): Promise<void> => {
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl !== null) {
    sessionStorage.setItem(TOKEN_KEY, fromUrl);
    url.searchParams.delete('token');
    window.history.replaceState(null, '', url.pathname + url.search + url.hash);
  }
  // the first snapshot with the kept token in a header while the cookie session opens (one round trip, not two)
  const kept = sessionStorage.getItem(TOKEN_KEY);
  const session = kept === null ? Promise.resolve(false) : login().catch(() => false);
  let first: StatusSnapshot;
  try {
    first = (kept === null ? await get('/v1/status') : await firstStatus(kept)) as StatusSnapshot;
    await session;
  } catch (e) {
    if (!(e instanceof AuthError)) setConn('lost');
    return;
  }
  $('main').hidden = false;
  render(first);
  document.body.dataset['ready'] = '1';
  document.body.dataset['readyMs'] = performance.now().toFixed(1); // from navigation start: the first load's figure
  listen();
  void loadTimeline();
  $('filters').addEventListener('input', () => timelineSoon(150));
  $('f-sessions').addEventListener('input', () => {
    if (lastSnapshot !== null) renderSessions(lastSnapshot.sessions);
  });
  $('filters').addEventListener('submit', (e) => e.preventDefault());
  $('t-sessions').addEventListener('click', (e) => {
    const row = (e.target as HTMLElement).closest('tr');
    const id = row === null ? undefined : sessionOfRow.get(row);
    if (id !== undefined) void showHistory(id);
  });
  $('history-close').addEventListener('click', () => {
    $('sec-history').hidden = true;
  });
  window.setInterval(tick, 1000);
};

void start();
