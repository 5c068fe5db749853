/**
 * What `arbiter log` shows (push-gate.md §16 DL5; architecture.md, decision log): the entries as written, grouped into
 * one row per decision, and the filters. Pure: entries in, rows out; the verb reads the files and prints.
 *
 * A run that audits an event (a stale-lock takeover, a delivered commitment) writes the event as its own entry
 * (`verdict` = the event, architecture.md conventions §6) in the same append as its verdict, linked by `audit_of`.
 * A row is a verdict entry with the audit entries that point at it; an audit entry whose verdict is not in the
 * entries read (`audit_of: null`, or the verdict's file already pruned) is a row of its own.
 */
import type { DecisionLogEntry } from '@arbiter/kernel';

/** One row: a verdict entry with the audited events of its run, or a lone audit entry (`entry.audit_of` set). */
export interface LogRow {
  readonly entry: DecisionLogEntry;
  /** Audit entries linked to `entry`, in file order. */
  readonly audits: ReadonlyArray<DecisionLogEntry>;
}

/** Filters of `arbiter log`, each optional; a row passes when it passes every given one. */
export interface LogFilter {
  /** Policy of the verdict or of one of its audited events. */
  readonly policy?: string;
  /** Verdict (`Block`, `allow-loud`) or audited event (`stale-takeover`), compared by {@link verdictKey}. */
  readonly verdict?: string;
  /** Session id, exactly as logged (`facts.session_id`, a push gate's `facts.identity.session`, an audit's `facts.by_session`). */
  readonly session?: string;
  /** Only rows whose verdict was logged at or after this instant, ms epoch. */
  readonly since?: number;
}

/**
 * How a verdict or event is compared: lower case without `-`, `_` or spaces, so `AllowLoud`, `allow-loud` and
 * `allowloud` name the same verdict (verdicts are written as the verdict's `_tag`, events as kebab-case codes).
 */
export const verdictKey = (s: string): string => s.toLowerCase().replace(/[-_\s]/g, '');

const isAudit = (e: DecisionLogEntry): boolean => e.audit_of !== undefined;

/**
 * Group entries (oldest first, as read) into rows, oldest first: each verdict entry with the audit entries linked to
 * it, and every audit entry whose verdict is absent as a row of its own. Entries written before `audit_of` existed
 * are verdict rows. Total.
 */
export const groupRows = (entries: ReadonlyArray<DecisionLogEntry>): LogRow[] => {
  const verdictIds = new Set<string>();
  for (const e of entries) if (!isAudit(e)) verdictIds.add(e.decision_id);
  const linked = new Map<string, DecisionLogEntry[]>();
  for (const e of entries) {
    if (isAudit(e) && typeof e.audit_of === 'string' && verdictIds.has(e.audit_of)) {
      const l = linked.get(e.audit_of) ?? [];
      l.push(e);
      linked.set(e.audit_of, l);
    }
  }
  const rows: LogRow[] = [];
  for (const e of entries) {
    if (!isAudit(e)) rows.push({ entry: e, audits: linked.get(e.decision_id) ?? [] });
    else if (!(typeof e.audit_of === 'string' && verdictIds.has(e.audit_of))) rows.push({ entry: e, audits: [] });
  }
  return rows;
};

/** Session ids an entry names (see {@link LogFilter.session}). */
const sessionsOf = (e: DecisionLogEntry): string[] => {
  const f = e.facts;
  const out: string[] = [];
  const add = (v: unknown): void => {
    if (typeof v === 'string' && v !== '') out.push(v);
  };
  add(f['session_id']);
  add(f['by_session']);
  const id = f['identity'];
  if (typeof id === 'object' && id !== null) add((id as Record<string, unknown>)['session']);
  return out;
};

/** Whether `row` passes every filter of `f`. Total. */
export const rowMatches = (row: LogRow, f: LogFilter): boolean => {
  const all = [row.entry, ...row.audits];
  if (f.policy !== undefined && !all.some((e) => e.policy === f.policy)) return false;
  if (f.verdict !== undefined) {
    const want = verdictKey(f.verdict);
    if (!all.some((e) => verdictKey(e.verdict) === want) && !(isAudit(row.entry) && want === 'audit')) return false;
  }
  if (f.session !== undefined && !all.some((e) => sessionsOf(e).includes(f.session as string))) return false;
  if (f.since !== undefined && !(Date.parse(row.entry.timestamp) >= f.since)) return false;
  return true;
};

const UNIT_MS: Readonly<Record<string, number>> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * `--since`: a duration back from `now` (`90s`, `10m`, `2h`, `1d`; a whole number and one unit) or an ISO-8601 instant
 * (`2026-12-05`, `2026-12-05T10:00:00Z`). @returns ms epoch, or `null` for anything else (the verb exits 2).
 */
export const parseSince = (text: string, now: number): number | null => {
  const d = /^(\d{1,9})([smhd])$/.exec(text.trim());
  if (d !== null) return now - Number(d[1]) * (UNIT_MS[d[2] as string] as number);
  if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(text.trim())) return null;
  const t = Date.parse(text.trim());
  return Number.isFinite(t) ? t : null;
};

/**
 * A row as one line of text: `timestamp  policy  mode  verdict  reasons`, then `audited: <event>[ (<policy>)], …`
 * when the run audited events. A lone audit row shows the verdict `Audit` and the event as its reason, so the verdict
 * column only ever holds verdicts. `paint` colours the verdict column.
 */
export const rowText = (row: LogRow, paint: (verdict: string, shown: string) => string = (_v, s) => s): string => {
  const e = row.entry;
  const lone = isAudit(e);
  const verdict = lone ? 'Audit' : e.verdict;
  const reasons = lone ? [e.verdict] : e.reasons;
  const audited = row.audits.map((a) => (a.policy === e.policy ? a.verdict : `${a.verdict} (${a.policy})`));
  return (
    `${e.timestamp}  ${e.policy.padEnd(13)} ${e.mode.padEnd(12)} ${paint(verdict, verdict.padEnd(10))} ${reasons.join(',')}` +
    (audited.length > 0 ? `  audited: ${audited.join(', ')}` : '')
  );
};

/** A row as one JSON object: the verdict entry as written, plus `audits` (the linked audit entries) when there are some. */
export const rowJson = (row: LogRow): Record<string, unknown> => (row.audits.length === 0 ? { ...row.entry } : { ...row.entry, audits: row.audits });
