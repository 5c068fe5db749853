/**
 * The screen of `arbiter status` (status.md §3): a `StatusSnapshot` as lines of text fitted to a terminal width.
 * Pure: snapshot, width and painter in, lines out.
 *
 * Every string from a store or a record is escaped before it is shown (status.md §5): names (session ids, branches,
 * lanes, agents, tools, policies, verdicts, paths) with `showWord` (printable ASCII that a shell reads back as the
 * name), free text (reasons, commitment text, build tasks, problem details) with `sanitizeLine` (controls become
 * spaces, invisible and bidi characters are removed). So no escape sequence, carriage return or bidi override from a
 * branch name or a session id ever reaches the terminal; the only control characters in the output are the line
 * feeds between lines and the colour codes the painter adds.
 */
import { PRESENCE_FORGET_AFTER_DAYS, sanitizeLine, showWord, type PresenceState, type SessionStatus, type StatusSnapshot } from '@arbiter/kernel';

/** What the renderer paints with (picocolors' painter, or {@link PLAIN}). */
export interface Paint {
  readonly bold: (s: string) => string;
  readonly dim: (s: string) => string;
  readonly red: (s: string) => string;
  readonly green: (s: string) => string;
  readonly yellow: (s: string) => string;
  readonly cyan: (s: string) => string;
}

const id = (s: string): string => s;
/** No colour. */
export const PLAIN: Paint = { bold: id, dim: id, red: id, green: id, yellow: id, cyan: id };

/** Width used when the output is not a terminal (status.md §3). */
export const DEFAULT_WIDTH = 100;
/** Narrowest layout: below this the columns would be unreadable; wider lines wrap in the terminal instead. */
export const MIN_WIDTH = 40;
/** Longest any one cell grows before the layout is fitted, code points. */
const CELL_MAX = 80;
const GAP = '  ';
const INDENT = '  ';

/** A name as shown: one shell word of printable ASCII (`showWord`). */
export const showName = (s: string): string => showWord(s);
/** Free text as shown: one line, no controls or invisible characters (`sanitizeLine`); `-` when empty. */
export const showText = (s: string): string => sanitizeLine(s, CELL_MAX * 4) || '-';

/** `s` cut to `w` code points, the last one an ellipsis when cut. */
export const fit = (s: string, w: number): string => {
  if (s.length <= w) return s; // UTF-16 units ≥ code points: it fits
  const cps = Array.from(s);
  if (cps.length <= w) return s;
  return w <= 0 ? '' : cps.slice(0, w - 1).join('') + '\u2026';
};
const SURROGATE = /[\ud800-\udfff]/;
/** Length in code points. */
const len = (s: string): number => {
  if (!SURROGATE.test(s)) return s.length;
  let n = 0;
  for (const _ of s) n++;
  return n;
};
const pad = (s: string, w: number): string => s + ' '.repeat(Math.max(0, w - len(s)));

/**
 * A duration as its largest unit, rounded down: `12s`, `5m`, `3h`, `2d`; a negative one (clock skew) is `0s`.
 * `ms` in milliseconds.
 */
export const age = (ms: number): string => {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (!Number.isFinite(s)) return '-';
  if (s < 120) return `${s}s`;
  if (s < 120 * 60) return `${Math.floor(s / 60)}m`;
  if (s < 48 * 3600) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
};

/** One column: its header, whether it may shrink below its natural width, and how its cells are painted. */
interface Column {
  readonly header: string;
  readonly flex: boolean;
  readonly paint?: (cell: string, row: number) => string;
}

/**
 * Lay out a table: natural widths (header or widest cell, at most {@link CELL_MAX}), then the widest flexible column
 * shrinks one step at a time until the line fits `width` or every flexible column is at its floor (6, or its header).
 * Cells are cut with an ellipsis, padded, and painted after padding so colour never changes the layout.
 */
const table = (cols: ReadonlyArray<Column>, rows: ReadonlyArray<ReadonlyArray<string>>, width: number, p: Paint): string[] => {
  const w = cols.map((c, i) => Math.min(CELL_MAX, Math.max(len(c.header), ...rows.map((r) => len(r[i] ?? '')))));
  const floor = cols.map((c) => Math.max(Math.min(6, len(c.header)), c.flex ? Math.min(6, len(c.header)) : len(c.header)));
  const total = (): number => len(INDENT) + w.reduce((a, b) => a + b, 0) + GAP.length * (cols.length - 1);
  while (total() > width) {
    let widest = -1;
    for (let i = 0; i < cols.length; i++) if ((cols[i] as Column).flex && (w[i] as number) > (floor[i] as number) && (widest < 0 || (w[i] as number) > (w[widest] as number))) widest = i;
    if (widest < 0) break;
    w[widest] = (w[widest] as number) - 1;
  }
  const line = (cells: ReadonlyArray<string>, paintCell: (c: Column, s: string) => string): string =>
    (INDENT + cells.map((s, i) => paintCell(cols[i] as Column, i === cells.length - 1 ? fit(s, w[i] as number) : pad(fit(s, w[i] as number), w[i] as number))).join(GAP)).trimEnd();
  return [line(cols.map((c) => c.header), (_c, s) => p.dim(s)), ...rows.map((r, ri) => line(r, (c, s) => (c.paint === undefined ? s : c.paint(s, ri))))];
};

const stateColour = (p: Paint, st: PresenceState): ((s: string) => string) => (st === 'waiting' ? p.yellow : st === 'working' ? p.green : st === 'idle' ? id : p.dim);

/** What a session holds, in one cell: `lock`, `lane <name>#<fence>`, `build <task>`, `N commitments`, `halted <id>`. */
export const holdsText = (s: SessionStatus): string => {
  const h = s.holds;
  const parts: string[] = [];
  if (h.lock) parts.push('lock');
  for (const l of h.lanes) parts.push(`lane ${showName(l.lane)}#${l.fence}`);
  for (const b of h.builds) parts.push(`build ${showText(b)}`);
  if (h.commitments > 0) parts.push(`${h.commitments} commitment${h.commitments === 1 ? '' : 's'}`);
  for (const t of h.halts) parts.push(`halted ${showName(t)}`);
  return parts.length === 0 ? '-' : parts.join(', ');
};

/**
 * The screen for `snap`, one string per line (no trailing newline): a header, then the sections Sessions, Lanes,
 * Halts, Commitments, Builds, Stop gate, Recent blocks/asks, then what was unavailable and the problems reported.
 * `width` is the terminal's (at least {@link MIN_WIDTH} is used); `p` paints (PLAIN for none). Ages are relative to
 * `snap.at`.
 */
export const renderStatus = (snap: StatusSnapshot, width: number, p: Paint = PLAIN): string[] => {
  const W = Math.max(MIN_WIDTH, Math.floor(Number.isFinite(width) ? width : DEFAULT_WIDTH));
  const now = snap.at;
  const out: string[] = [];
  const section = (title: string, n: number | null, body: string[]): void => {
    out.push('', p.bold(n === null ? title : `${title} (${n})`));
    out.push(...(body.length === 0 ? [`${INDENT}${p.dim('none')}`] : body));
  };
  const unavailable = new Set(snap.unavailable);
  const body = (source: string, n: number, lines: () => string[]): string[] => (unavailable.has(source) ? [`${INDENT}${p.yellow('unavailable')}`] : n === 0 ? [] : lines());

  const title = 'arbiter status';
  const head = fit(`${title}  ${showName(snap.repo)}  ${Number.isFinite(now) ? new Date(now).toISOString() : '-'}`, W);
  out.push(head.startsWith(title) ? p.bold(title) + head.slice(title.length) : head);

  const ss = snap.sessions;
  section('Sessions', ss.length, body('sessions', ss.length, () =>
    table(
      [
        { header: 'STATE', flex: false, paint: (c, r) => stateColour(p, (ss[r] as SessionStatus).shown)(c) },
        { header: 'FOR', flex: false },
        { header: 'SEEN', flex: false },
        { header: 'SESSION', flex: true },
        { header: 'AGENT', flex: false },
        { header: 'BRANCH', flex: true },
        { header: 'LAST', flex: true },
        { header: 'HOLDS', flex: true },
      ],
      ss.map((s) => [
        s.shown,
        age(now - s.stateSince),
        age(now - s.lastEventAt),
        showName(s.session),
        showName(s.agent),
        s.branch === null ? '-' : showName(s.branch),
        s.lastTool === null ? showName(s.lastEvent) : `${showName(s.lastEvent)} ${showName(s.lastTool)}`,
        holdsText(s),
      ]),
      W,
      p,
    ),
  ));
  // presence.md §3 PR11: forgotten sessions are counted, never listed
  const forgotten = snap.forgotten ?? 0;
  if (forgotten > 0) out.push(`${INDENT}${p.dim(`${forgotten} more silent for ${PRESENCE_FORGET_AFTER_DAYS} days or more, not shown (arbiter presence prune removes them)`)}`);

  const ls = snap.lanes;
  section('Lanes', ls.length, body('lanes', ls.length, () =>
    table(
      [
        { header: 'LANE', flex: true },
        { header: 'HOLDER', flex: true, paint: (c, r) => ((ls[r]?.holder ?? null) === null ? p.dim(c) : p.cyan(c)) },
        { header: 'FENCE', flex: false },
        { header: 'LEASE', flex: false },
        { header: 'QUEUE', flex: true },
      ],
      ls.map((l) => [
        showName(l.lane),
        l.holder === null ? 'free' : showName(l.holder),
        l.fence === null ? '-' : String(l.fence),
        l.leaseLeftMs === null ? '-' : age(l.leaseLeftMs),
        l.queue.length === 0 ? '-' : l.queue.map(showName).join(' '),
      ]),
      W,
      p,
    ),
  ));

  const hs = snap.halts;
  section('Halts', hs.length, body('halts', hs.length, () =>
    table(
      [
        { header: 'TARGET', flex: true, paint: (c) => p.red(c) },
        { header: 'BY', flex: true },
        { header: 'AGE', flex: false },
        { header: 'REASON', flex: true },
      ],
      hs.map((h) => [showName(h.target), showName(h.by), age(now - h.at), showText(h.reason)]),
      W,
      p,
    ),
  ));

  const cs = snap.commitments;
  section('Commitments', cs.length, body('commitments', cs.length, () =>
    table(
      [
        { header: 'SESSION', flex: true },
        { header: 'AGE', flex: false },
        { header: 'COMMITMENT', flex: true },
      ],
      cs.map((c) => [showName(c.session), age(now - c.at), showText(c.text)]),
      W,
      p,
    ),
  ));

  const bs = snap.builds;
  section('Builds', bs.length, body('builds', bs.length, () =>
    table(
      [
        { header: 'SESSION', flex: true },
        { header: 'PHASE', flex: true },
        { header: 'AGE', flex: false },
        { header: 'TASK', flex: true },
      ],
      bs.map((b) => [b.session === null ? '-' : showName(b.session), showName(b.state), b.at > 0 ? age(now - b.at) : '-', showText(b.name)]),
      W,
      p,
    ),
  ));

  out.push('', `${p.bold('Stop gate')}: ${unavailable.has('stop-gate') ? p.yellow('unavailable') : showName(snap.stopGate.mode)}`);

  const rs = snap.recent;
  section('Recent blocks/asks', rs.length, body('decisions', rs.length, () =>
    table(
      [
        { header: 'AGE', flex: false },
        { header: 'POLICY', flex: true },
        { header: 'VERDICT', flex: false, paint: (c, r) => ((rs[r]?.verdict ?? '').toLowerCase() === 'ask' ? p.yellow(c) : p.red(c)) },
        { header: 'SESSION', flex: true },
        { header: 'LANE', flex: true },
        { header: 'REASON', flex: true },
      ],
      rs.map((d) => [age(now - d.at), showName(d.policy), showName(d.verdict), d.session === null ? '-' : showName(d.session), d.lane === null ? '-' : showName(d.lane), showText(d.reason)]),
      W,
      p,
    ),
  ));

  if (snap.unavailable.length > 0) out.push('', `${p.yellow('Unavailable')}: ${snap.unavailable.map(showName).join(', ')}`);
  const problems = snap.problems ?? [];
  if (problems.length > 0) {
    out.push('', p.yellow(`Problems (${problems.length})`));
    for (const x of problems) out.push(`${INDENT}${fit(`${showName(x.source)}${x.key === '' ? '' : ` ${showName(x.key)}`}: ${showText(x.detail)}`, W - INDENT.length)}`);
  }
  return out;
};
