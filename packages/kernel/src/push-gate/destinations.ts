/**
 * Destination resolution of the push classifier (push-gate.md §6.9, rules D1–D9): the refs probe's answer, the
 * expressions it must resolve, and each invocation's targets resolved to destination refs and object ids. Pure and
 * total.
 */
import * as t from 'io-ts';
import { isRight } from 'fp-ts/lib/Either.js';
import type { PushClassification, PushInvocation } from './model.js';

const Oid = t.string;
/**
 * Answer of the refs probe (push-gate.md §6.9), decoded at the boundary:
 * - `head_branch`: short name of the current branch (`git symbolic-ref --short HEAD`), null when HEAD is detached;
 * - `head_oid`: `git rev-parse HEAD`, null in an unborn repository;
 * - `branches` / `tags`: every local branch / tag, short name → object id (`git for-each-ref refs/heads refs/tags`);
 * - `objects`: `git rev-parse --verify` of each string `refsProbeExpressions` lists, null when it does not resolve.
 */
export const RefsFacts = t.type({
  head_branch: t.union([t.string, t.null]),
  head_oid: t.union([Oid, t.null]),
  branches: t.record(t.string, Oid),
  tags: t.record(t.string, Oid),
  objects: t.record(t.string, t.union([Oid, t.null])),
});
export type RefsFacts = t.TypeOf<typeof RefsFacts>;

/** Decode a refs-probe answer; null when it does not match `RefsFacts`. */
export const decodeRefsFacts = (u: unknown): RefsFacts | null => {
  const r = RefsFacts.decode(u);
  return isRight(r) ? r.right : null;
};

/** A deploy-ref entry of the configuration (push-gate.md §3.1): a pattern and its lane mode. */
export interface DeployRefEntry {
  readonly pattern: string;
  readonly lane: 'per-ref' | 'shared';
}

/** push-gate.md §3.2 N1: a full ref name, or a prefix followed by one final `*` that matches strictly longer refs. */
export const patternMatches = (pattern: string, ref: string): boolean =>
  pattern.endsWith('*') ? ref.length > pattern.length - 1 && ref.startsWith(pattern.slice(0, -1)) : pattern === ref;

/** One gated destination after push-gate.md §6.9. `src_oid` is D9's local source object id (null when unknown). */
export interface ResolvedTarget {
  readonly ref: string;
  readonly src_oid: string | null;
  readonly force: boolean;
  readonly remote: string | null;
  /** Index of the invocation in the classification. */
  readonly invocation: number;
  /** `exact` refspec, `broad` (D8 `all`), or `fallback` (current branch standing in for something unknown). */
  readonly via: 'exact' | 'broad' | 'fallback';
}

/** A shared lane contributed by `broad: tags` (D8): `lane` is `deploy:` followed by the pattern (push-gate.md §3.2 N3). */
export interface SharedLaneTarget {
  readonly lane: string;
  readonly pattern: string;
  readonly force: boolean;
  readonly remote: string | null;
  readonly invocation: number;
}

/** Output of `resolveDestinations`. */
export interface Resolution {
  /** `fallback` when the classification was, or when D7 replaced an unknown side by the current branch. */
  readonly confidence: 'exact' | 'fallback';
  /** Gated destinations, first occurrence order, one per ref (force flags merged). */
  readonly targets: ReadonlyArray<ResolvedTarget>;
  readonly shared_lanes: ReadonlyArray<SharedLaneTarget>;
  /** Destinations deleted (never gated, PP8/push-gate.md §6.9), as typed or as full refs. */
  readonly deletions: ReadonlyArray<string>;
  /** Targets that resolve to nothing git would push: detached HEAD (D2) or an expression without dst (D6). */
  readonly skipped: ReadonlyArray<{ readonly invocation: number; readonly reason: 'detached-head' | 'expr-needs-destination' }>;
}

const own = <V>(rec: Readonly<Record<string, V>>, key: string): V | undefined =>
  Object.prototype.hasOwnProperty.call(rec, key) ? rec[key] : undefined;

/**
 * The strings the refs probe must `rev-parse` beyond the branch/tag listing (D9): every `expr` source and every
 * `ref` source outside `refs/heads/` and `refs/tags/`, in first-occurrence order. Empty for `NotPush`.
 */
export const refsProbeExpressions = (c: PushClassification): string[] => {
  if (c._tag !== 'Push') return [];
  const out: string[] = [];
  for (const inv of c.invocations)
    for (const tg of inv.targets) {
      const s =
        tg.src.kind === 'expr'
          ? tg.src.expr
          : tg.src.kind === 'ref' && !tg.src.ref.startsWith('refs/heads/') && !tg.src.ref.startsWith('refs/tags/')
            ? tg.src.ref
            : null;
      if (s !== null && !out.includes(s)) out.push(s);
    }
  return out;
};

/**
 * Destination resolution (push-gate.md §6.9, rules D1–D9).
 *
 * @param c a classification from `classifyPushCommand`; `NotPush` resolves to nothing.
 * @param refs the decoded refs-probe answer (`RefsFacts`).
 * @param deployRefs the configured deploy-ref entries in match order (push-gate.md §3.1), used by D8 only.
 * @returns the gated destination refs with their local source ids, the shared lanes of `broad: tags`, the
 *   deletions (never gated) and the targets git would not push. Pure and total over decoded facts.
 */
export const resolveDestinations = (
  c: PushClassification,
  refs: RefsFacts,
  deployRefs: ReadonlyArray<DeployRefEntry>,
): Resolution => {
  const targets: ResolvedTarget[] = [];
  const shared: SharedLaneTarget[] = [];
  const deletions: string[] = [];
  const skipped: { invocation: number; reason: 'detached-head' | 'expr-needs-destination' }[] = [];
  if (c._tag !== 'Push') return { confidence: 'exact', targets, shared_lanes: shared, deletions, skipped };
  let fallback = c.confidence === 'fallback';
  const add = (t0: ResolvedTarget): void => {
    const k = targets.findIndex((x) => x.ref === t0.ref);
    if (k < 0) targets.push(t0);
    else if (t0.force && !(targets[k] as ResolvedTarget).force) targets[k] = { ...(targets[k] as ResolvedTarget), force: true };
  };
  const refOid = (ref: string): string | null => {
    if (ref.startsWith('refs/heads/')) return own(refs.branches, ref.slice(11)) ?? own(refs.objects, ref) ?? null;
    if (ref.startsWith('refs/tags/')) return own(refs.tags, ref.slice(10)) ?? own(refs.objects, ref) ?? null;
    return own(refs.objects, ref) ?? null;
  };
  c.invocations.forEach((inv, n) => {
    const base = { remote: inv.remote, invocation: n };
    const current = (force: boolean, via: ResolvedTarget['via']): void => {
      // D2
      if (refs.head_branch === null) skipped.push({ invocation: n, reason: 'detached-head' });
      else add({ ...base, ref: `refs/heads/${refs.head_branch}`, src_oid: refs.head_oid, force, via });
    };
    for (const tg of inv.targets) {
      if (tg.op === 'delete') {
        deletions.push(tg.dst.kind === 'ref' ? tg.dst.ref : tg.dst.kind === 'name' ? tg.dst.name : '?');
        continue;
      }
      const { src, dst, force } = tg;
      if (src.kind === 'unknown' || dst.kind === 'unknown') {
        fallback = true; // D7
        current(force, 'fallback');
        continue;
      }
      if (inv.fallback) {
        current(force, 'fallback'); // the F1 invocation
        continue;
      }
      // source object id and whether the source is a tag (D5, D9)
      let srcOid: string | null = null;
      let srcIsTag = false;
      let srcIsBranch = false;
      switch (src.kind) {
        case 'current':
        case 'head':
          srcOid = refs.head_oid;
          break;
        case 'ref':
          srcOid = refOid(src.ref);
          srcIsTag = src.ref.startsWith('refs/tags/');
          break;
        case 'name': {
          const b = own(refs.branches, src.name);
          const tg2 = own(refs.tags, src.name);
          srcIsBranch = b !== undefined;
          srcIsTag = tg2 !== undefined;
          srcOid = b ?? tg2 ?? null;
          break;
        }
        case 'expr':
          srcOid = own(refs.objects, src.expr) ?? null;
          break;
        case 'none':
          continue;
      }
      if (dst.kind === 'ref') {
        add({ ...base, ref: dst.ref, src_oid: srcOid, force, via: 'exact' }); // D1
        continue;
      }
      if (dst.kind === 'name') {
        // D5 (a source that is both a branch and a tag: both destinations, as D4 does)
        if (srcIsTag) add({ ...base, ref: `refs/tags/${dst.name}`, src_oid: srcOid, force, via: 'exact' });
        if (!srcIsTag || srcIsBranch)
          add({ ...base, ref: `refs/heads/${dst.name}`, src_oid: srcOid, force, via: 'exact' });
        continue;
      }
      // dst same
      switch (src.kind) {
        case 'current':
        case 'head':
          current(force, 'exact'); // D2
          break;
        case 'ref':
          add({ ...base, ref: src.ref, src_oid: srcOid, force, via: 'exact' }); // D3
          break;
        case 'name': {
          // D4
          const b = own(refs.branches, src.name);
          const tg2 = own(refs.tags, src.name);
          if (b !== undefined || tg2 === undefined)
            add({ ...base, ref: `refs/heads/${src.name}`, src_oid: b ?? null, force, via: 'exact' });
          if (tg2 !== undefined) add({ ...base, ref: `refs/tags/${src.name}`, src_oid: tg2, force, via: 'exact' });
          break;
        }
        case 'expr':
          skipped.push({ invocation: n, reason: 'expr-needs-destination' }); // D6
          break;
      }
    }
    // D8
    if (inv.broad.includes('all')) {
      for (const b of Object.keys(refs.branches).sort()) {
        const ref = `refs/heads/${b}`;
        const entry = deployRefs.find((e) => patternMatches(e.pattern, ref));
        if (entry !== undefined && entry.pattern.startsWith('refs/heads/'))
          add({ ...base, ref, src_oid: own(refs.branches, b) ?? null, force: inv.force, via: 'broad' });
      }
    }
    if (inv.broad.includes('tags')) {
      for (const e of deployRefs) {
        if (!e.pattern.startsWith('refs/tags/') || e.lane !== 'shared') continue;
        const lane = `deploy:${e.pattern}`;
        if (!shared.some((x) => x.lane === lane))
          shared.push({ lane, pattern: e.pattern, force: inv.force, remote: inv.remote, invocation: n });
      }
    }
  });
  return { confidence: fallback ? 'fallback' : 'exact', targets, shared_lanes: shared, deletions, skipped };
};
