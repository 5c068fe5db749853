/**
 * The git pre-push stdin parser (push-gate.md §7, rules PP1–PP8; host-protocols.md D, githooks(5)): the lines git writes
 * to a pre-push hook, and the refs they gate. Pure and total.
 */

/** One well-formed pre-push line (push-gate.md §7 PP3–PP6); fields exactly as git wrote them. */
export interface PrePushLine {
  readonly local_ref: string;
  readonly local_oid: string;
  readonly remote_ref: string;
  readonly remote_oid: string;
  readonly op: 'create' | 'update' | 'delete';
}

/** Result of `parsePrePushInput` (push-gate.md §7 PP7). */
export type PrePushInput =
  | { readonly _tag: 'Unreadable'; readonly reason: 'not-text' | 'all-malformed'; readonly malformed: number }
  | { readonly _tag: 'Lines'; readonly lines: ReadonlyArray<PrePushLine>; readonly malformed: number };

const OID_RE = /^(?:[0-9a-fA-F]{40}|[0-9a-fA-F]{64})$/;
/** PP4: the all-zero id of either length means "none". */
export const isZeroOid = (oid: string): boolean => /^(?:0{40}|0{64})$/.test(oid);

/**
 * Parse the text git wrote to the pre-push hook's stdin (push-gate.md §7).
 *
 * @param stdin the text read until end of file; anything that is not a string (a terminal stdin, a read error,
 *   a timeout, reported by the adapter as null/undefined) is `Unreadable not-text` (PP1).
 * @returns `Lines` with the well-formed lines in input order and the count of malformed ones (PP2–PP6), or
 *   `Unreadable all-malformed` when every non-empty line is malformed (PP7). Empty input gives no lines.
 *   Total, linear in the input.
 */
export const parsePrePushInput = (stdin: unknown): PrePushInput => {
  if (typeof stdin !== 'string') return { _tag: 'Unreadable', reason: 'not-text', malformed: 0 };
  const lines: PrePushLine[] = [];
  let malformed = 0;
  for (const raw of stdin.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw; // PP2
    const trimmed = line.trim();
    if (trimmed === '') continue;
    const f = trimmed.split(/\s+/);
    if (f.length !== 4) {
      malformed++; // PP3
      continue;
    }
    const [localRef, localOid, remoteRef, remoteOid] = f as [string, string, string, string];
    if (!OID_RE.test(localOid) || !OID_RE.test(remoteOid) || !remoteRef.startsWith('refs/')) {
      malformed++; // PP4, PP5
      continue;
    }
    const op: PrePushLine['op'] =
      localRef === '(delete)' || isZeroOid(localOid) ? 'delete' : isZeroOid(remoteOid) ? 'create' : 'update'; // PP6
    lines.push({ local_ref: localRef, local_oid: localOid, remote_ref: remoteRef, remote_oid: remoteOid, op });
  }
  if (lines.length === 0 && malformed > 0) return { _tag: 'Unreadable', reason: 'all-malformed', malformed };
  return { _tag: 'Lines', lines, malformed };
};

/** PP8: the gated refs of parsed pre-push input: the remote ref of every create or update, in order, unique. */
export const prePushGatedRefs = (input: PrePushInput): string[] => {
  if (input._tag !== 'Lines') return [];
  const out: string[] = [];
  for (const l of input.lines) if (l.op !== 'delete' && !out.includes(l.remote_ref)) out.push(l.remote_ref);
  return out;
};
