/**
 * The one decision log (push-gate.md §16; architecture.md conventions §6): entry shape and the pure builder that masks
 * facts and fits an entry into `LOG_ENTRY_MAX_BYTES`. The id and the timestamp arrive as facts (the adapter draws
 * the ULID and reads the clock).
 */
import { maskFacts, maskString } from './mask.js';
import { msToIso } from './time.js';

/** Largest serialised entry, in bytes of UTF-8, newline included (DL2). */
export const LOG_ENTRY_MAX_BYTES = 16 * 1024;

/** Where a verdict was reached (DL3 `mode`). */
export type LogMode = 'agent:claude' | 'agent:codex' | 'git' | 'cli' | 'library';

/** One probe run while reaching a verdict. `duration_ms` in milliseconds. */
export interface ProbeRecord {
  readonly name: string;
  readonly duration_ms: number;
  readonly outcome: string;
}

/** One NDJSON line of the decision log (DL3). */
export interface DecisionLogEntry {
  readonly decision_id: string;
  /**
   * Only on an audit entry (architecture.md, decision log: an audited event is an entry whose `verdict` is the event):
   * the `decision_id` of the verdict entry of the same run it belongs to (written in the same append), or `null` for
   * an event no verdict of that run records. Absent on every verdict entry.
   */
  readonly audit_of?: string | null;
  readonly policy: string;
  readonly policy_version: string;
  /** ISO-8601 UTC with milliseconds. */
  readonly timestamp: string;
  readonly mode: LogMode;
  readonly facts: Record<string, unknown>;
  readonly verdict: string;
  readonly reasons: ReadonlyArray<string>;
  readonly effects: ReadonlyArray<string>;
  readonly probes: ReadonlyArray<ProbeRecord>;
  /** Process start to verdict, integer milliseconds. */
  readonly duration_ms: number;
  readonly masked: ReadonlyArray<string>;
}

/** Input of {@link buildLogEntry}: everything but masking and size fitting. `now` is ms epoch. */
export interface LogEntryInput {
  readonly decision_id: string;
  /** Set only for an audit entry (see {@link DecisionLogEntry.audit_of}). */
  readonly audit_of?: string | null;
  readonly policy: string;
  readonly policy_version: string;
  readonly now: number;
  readonly mode: LogMode;
  readonly facts: Record<string, unknown>;
  readonly verdict: string;
  readonly reasons: ReadonlyArray<string>;
  readonly effects?: ReadonlyArray<string>;
  readonly probes?: ReadonlyArray<ProbeRecord>;
  readonly duration_ms: number;
}

/**
 * Whether the UTF-8 encoding of `s` fits in `max` bytes. A UTF-16 code unit never takes more than 3 bytes (a
 * surrogate pair, two units, takes 4), so a string of at most `max / 3` units fits without being walked.
 */
export const fitsUtf8 = (s: string, max: number): boolean => s.length * 3 <= max || utf8Length(s) <= max;

/** UTF-8 byte length of a string (lone surrogates count as the 3-byte replacement character). */
export const utf8Length = (s: string): number => {
  let n = 0;
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    n += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
  }
  return n;
};

/** Prefix of a `masked` path that names an entry field rather than a fact (`entry.reasons[0]`). */
export const ENTRY_PATH = 'entry.';

/**
 * Build a log entry: mask the facts (DL4 a–d) and every other string field the caller supplies (`policy`,
 * `policy_version`, `verdict`, `reasons`, `effects`, probe names and outcomes; secrets.md §12 M1–M9, listed in
 * `masked` as `entry.<field>`), cut long strings (DL4 e) and, while the serialised line exceeds
 * `LOG_ENTRY_MAX_BYTES`, drop `facts.command`, then `facts.payload`, then every remaining fact. Total; never throws
 * for a finite `now` in the `Date` range.
 */
export const buildLogEntry = (i: LogEntryInput): DecisionLogEntry => {
  const mf = maskFacts(i.facts);
  const facts = mf.facts;
  const masked = [...mf.masked];
  // secrets.md §12: every other string field is masked too (a reason or an effect may quote a command).
  const field = (name: string, s: string): string => {
    const m = maskString(s);
    if (m !== s) masked.push(`${ENTRY_PATH}${name}`);
    return m;
  };
  const policy = field('policy', i.policy);
  const policyVersion = field('policy_version', i.policy_version);
  const verdict = field('verdict', i.verdict);
  const reasons = i.reasons.map((r, k) => field(`reasons[${k}]`, r));
  const effects = (i.effects ?? []).map((e, k) => field(`effects[${k}]`, e));
  const probes = (i.probes ?? []).map((p, k) => ({ ...p, name: field(`probes[${k}].name`, p.name), outcome: field(`probes[${k}].outcome`, p.outcome) }));
  const make = (f: Record<string, unknown>, extraMasked: string[]): DecisionLogEntry => ({
    decision_id: i.decision_id,
    ...(i.audit_of === undefined ? {} : { audit_of: i.audit_of }),
    policy,
    policy_version: policyVersion,
    timestamp: msToIso(i.now),
    mode: i.mode,
    facts: f,
    verdict,
    reasons,
    effects,
    probes,
    duration_ms: Math.max(0, Math.round(i.duration_ms)),
    masked: [...masked, ...extraMasked],
  });
  let entry = make(facts, []);
  const dropped: string[] = [];
  const current = { ...facts };
  for (const key of ['command', 'payload', '*']) {
    if (fitsUtf8(serializeLogEntry(entry), LOG_ENTRY_MAX_BYTES)) return entry;
    if (key === '*') {
      for (const k of Object.keys(current)) {
        delete current[k];
        dropped.push(k);
      }
    } else if (key in current) {
      delete current[key];
      dropped.push(key);
    }
    entry = make({ ...current }, dropped);
  }
  return entry;
};

/** Serialise one entry as a single NDJSON line terminated by `\n`. */
export const serializeLogEntry = (e: DecisionLogEntry): string => JSON.stringify(e) + '\n';
