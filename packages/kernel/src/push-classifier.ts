/**
 * TEMPORARY STAND-IN for the classifier branch (issue-classifier). Shapes follow push-gate.md §6.1, §6.9 and §7;
 * behaviour covers only simple command lines. Deleted when `issue-classifier` is merged.
 */

export type SrcKind = 'current' | 'head' | 'ref' | 'name' | 'expr' | 'unknown';
export type DstKind = 'same' | 'ref' | 'name' | 'unknown';
export interface PushTarget {
  readonly src: { readonly kind: SrcKind; readonly text: string | null };
  readonly dst: { readonly kind: DstKind; readonly text: string | null };
  readonly op: 'update' | 'delete';
  readonly force: boolean;
}
export interface PushInvocation {
  readonly remote: string | null;
  readonly dir_hints: ReadonlyArray<string>;
  readonly force: boolean;
  readonly no_verify: boolean;
  readonly broad: ReadonlyArray<'all' | 'tags'>;
  readonly targets: ReadonlyArray<PushTarget>;
}
export type PushClassification =
  | { readonly _tag: 'NotPush'; readonly reason: 'no-git-push' | 'git-dry-run' }
  | { readonly _tag: 'Push'; readonly confidence: 'exact' | 'fallback'; readonly invocations: ReadonlyArray<PushInvocation> };

const CURRENT: PushTarget = { src: { kind: 'current', text: null }, dst: { kind: 'same', text: null }, op: 'update', force: false };

const tokenSeq = (s: string): boolean => {
  const toks = s.split(/[\s;&|()<>`'"{}$=]+/).filter((x) => x !== '');
  let sawGit = false;
  for (const tk of toks) {
    if (tk === 'git-push') return true;
    const last = tk.split('/').pop() ?? '';
    if (last === 'git' || last === 'git.exe') sawGit = true;
    else if (sawGit && tk === 'push') return true;
  }
  return false;
};

const srcKind = (s: string): SrcKind =>
  s === 'HEAD' || s === '@' ? 'head' : s.startsWith('refs/') ? 'ref' : /^[0-9a-fA-F]{4,64}$/.test(s) || /[~^]|@\{/.test(s) ? 'expr' : 'name';

/** Stand-in classifier: simple lines only; anything it cannot read falls back per F1/F2. */
export const classifyPushCommand = (command: unknown): PushClassification => {
  if (typeof command !== 'string') return { _tag: 'NotPush', reason: 'no-git-push' };
  const invocations: PushInvocation[] = [];
  let uncertain = false;
  let dry = false;
  for (const seg of command.split(/&&|\|\||;|\||\n/)) {
    const words: string[] = [];
    const re = /'([^']*)'|"([^"]*)"|(\S+)/g;
    let m: RegExpExecArray | null;
    while ((m = re.exec(seg)) !== null) {
      const w = m[1] ?? m[2] ?? m[3] ?? '';
      if (m[3] !== undefined && /['"`$]/.test(w)) uncertain = true;
      words.push(w);
    }
    let i = 0;
    while (i < words.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[i] ?? '')) i++;
    if (words[i] !== 'git') continue;
    i++;
    const dirs: string[] = [];
    while (i < words.length && (words[i] ?? '').startsWith('-')) {
      const w = words[i] ?? '';
      if (w === '-C') dirs.push(words[i + 1] ?? '');
      if (w === '-C' || w === '-c') i++;
      i++;
    }
    if (words[i] !== 'push') continue;
    i++;
    let force = false;
    let noVerify = false;
    let del = false;
    const broad = new Set<'all' | 'tags'>();
    const pos: string[] = [];
    let isDry = false;
    for (; i < words.length; i++) {
      const w = words[i] ?? '';
      if (w === '-h' || w === '--help') { isDry = true; break; }
      if (w === '-n' || w === '--dry-run') isDry = true;
      else if (w === '-f' || w === '--force' || w.startsWith('--force-with-lease') || w === '--force-if-includes') force = true;
      else if (w === '-d' || w === '--delete') del = true;
      else if (w === '--tags' || w === '--follow-tags') broad.add('tags');
      else if (w === '--all' || w === '--branches') broad.add('all');
      else if (w === '--mirror') { broad.add('all'); broad.add('tags'); }
      else if (w === '--no-verify') noVerify = true;
      else if (w.startsWith('-')) continue;
      else pos.push(w);
    }
    if (isDry) { dry = true; continue; }
    const remote = pos[0] ?? null;
    const targets: PushTarget[] = [];
    for (const spec0 of pos.slice(1)) {
      let spec = spec0;
      let f = false;
      if (spec.startsWith('+')) { f = true; spec = spec.slice(1); }
      const colon = spec.indexOf(':');
      const src = colon < 0 ? spec : spec.slice(0, colon);
      const dst = colon < 0 ? '' : spec.slice(colon + 1);
      if (del || (colon >= 0 && src === '')) {
        const d = del && colon < 0 ? src : dst;
        targets.push({ src: { kind: 'name', text: null }, dst: { kind: d.startsWith('refs/') ? 'ref' : 'name', text: d }, op: 'delete', force: f });
        continue;
      }
      if (src.includes('*')) { broad.add(dst.startsWith('refs/tags/') ? 'tags' : 'all'); continue; }
      targets.push({
        src: { kind: srcKind(src), text: src },
        dst: dst === '' ? { kind: 'same', text: null } : { kind: dst.startsWith('refs/') ? 'ref' : 'name', text: dst },
        op: 'update',
        force: f,
      });
    }
    if (targets.length === 0 && broad.size === 0) targets.push(CURRENT);
    invocations.push({ remote, dir_hints: dirs, force, no_verify: noVerify, broad: [...broad], targets });
  }
  if (invocations.length > 0) return { _tag: 'Push', confidence: uncertain ? 'fallback' : 'exact', invocations };
  if (dry) return { _tag: 'NotPush', reason: 'git-dry-run' };
  if (uncertain && tokenSeq(command)) {
    return { _tag: 'Push', confidence: 'fallback', invocations: [{ remote: null, dir_hints: [], force: false, no_verify: false, broad: [], targets: [CURRENT] }] };
  }
  return { _tag: 'NotPush', reason: 'no-git-push' };
};

// ───────────────────────────────────────── §7 pre-push parser ─────────────────────────────────────────

export interface PrePushLine {
  readonly local_ref: string;
  readonly local_oid: string | null;
  readonly remote_ref: string;
  readonly remote_oid: string | null;
  readonly op: 'create' | 'update' | 'delete';
}
export interface PrePushInput {
  readonly readable: boolean;
  readonly lines: ReadonlyArray<PrePushLine>;
  readonly malformed: number;
}

const OID = /^([0-9a-fA-F]{40}|[0-9a-fA-F]{64})$/;
const isZero = (o: string): boolean => /^0+$/.test(o);

/** §7 PP1–PP8. `null`/non-string → unreadable. */
export const parsePrePushInput = (stdin: unknown): PrePushInput => {
  if (typeof stdin !== 'string') return { readable: false, lines: [], malformed: 0 };
  const lines: PrePushLine[] = [];
  let malformed = 0;
  for (const raw of stdin.split('\n')) {
    const l = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (l.trim() === '') continue;
    const f = l.trim().split(/\s+/);
    const [lr, lo, rr, ro] = f;
    if (f.length !== 4 || lr === undefined || lo === undefined || rr === undefined || ro === undefined || !OID.test(lo) || !OID.test(ro) || !rr.startsWith('refs/')) {
      malformed++;
      continue;
    }
    const localOid = isZero(lo) ? null : lo.toLowerCase();
    const remoteOid = isZero(ro) ? null : ro.toLowerCase();
    const op = lr === '(delete)' || localOid === null ? 'delete' : remoteOid === null ? 'create' : 'update';
    lines.push({ local_ref: lr, local_oid: localOid, remote_ref: rr, remote_oid: remoteOid, op });
  }
  if (lines.length === 0 && malformed > 0) return { readable: false, lines: [], malformed };
  return { readable: true, lines, malformed };
};

// ───────────────────────────────────────── §6.9 destination resolution ─────────────────────────────────

/** Refs facts (probe `refs`). Oids lowercase hex or null. */
export interface RefsFacts {
  readonly current_branch: string | null;
  readonly head_oid: string | null;
  readonly default_remote: string | null;
  /** For each src name: local branch / tag oid; for each expr: its oid. */
  readonly names: Readonly<Record<string, { readonly branch: string | null; readonly tag: string | null }>>;
  readonly exprs: Readonly<Record<string, string | null>>;
  readonly deploy_branches: ReadonlyArray<string>;
}
export interface ResolvedTarget {
  readonly ref: string;
  readonly src_oid: string | null;
  readonly force: boolean;
  readonly remote: string | null;
  readonly op: 'update' | 'delete';
}
export interface DeployPatternEntry {
  readonly pattern: string;
  readonly lane: 'per-ref' | 'shared';
}

/** §6.9 D1–D9 (stand-in). Returns the destination refs and whether D7 lowered confidence. */
export const resolveDestinations = (
  inv: PushInvocation,
  refs: RefsFacts,
  patterns: ReadonlyArray<DeployPatternEntry>,
): { readonly targets: ReadonlyArray<ResolvedTarget>; readonly lanes_extra: ReadonlyArray<string>; readonly fallback: boolean } => {
  const out: ResolvedTarget[] = [];
  const extra: string[] = [];
  let fallback = false;
  const cur = (force: boolean, op: 'update' | 'delete'): void => {
    if (refs.current_branch !== null) out.push({ ref: `refs/heads/${refs.current_branch}`, src_oid: refs.head_oid, force, remote: inv.remote, op });
  };
  for (const tg of inv.targets) {
    const force = tg.force || inv.force;
    if (tg.src.kind === 'unknown' || tg.dst.kind === 'unknown') { fallback = true; cur(force, tg.op); continue; }
    if (tg.op === 'delete') {
      const d = tg.dst.text ?? '';
      out.push({ ref: d.startsWith('refs/') ? d : `refs/heads/${d}`, src_oid: null, force, remote: inv.remote, op: 'delete' });
      continue;
    }
    const name = tg.src.text ?? '';
    const nm = refs.names[name];
    let srcOid: string | null = null;
    let srcIsTag = false;
    const srcRefs: string[] = [];
    switch (tg.src.kind) {
      case 'current':
      case 'head':
        if (refs.current_branch !== null) srcRefs.push(`refs/heads/${refs.current_branch}`);
        srcOid = refs.head_oid;
        break;
      case 'ref':
        srcRefs.push(name);
        srcOid = refs.exprs[name] ?? null;
        srcIsTag = name.startsWith('refs/tags/');
        break;
      case 'name':
        if (nm?.branch) srcRefs.push(`refs/heads/${name}`);
        if (nm?.tag) { srcRefs.push(`refs/tags/${name}`); srcIsTag = nm.branch === null; }
        if (srcRefs.length === 0) srcRefs.push(`refs/heads/${name}`);
        srcOid = nm?.branch ?? nm?.tag ?? null;
        break;
      case 'expr':
        srcOid = refs.exprs[name] ?? null;
        break;
    }
    if (tg.dst.kind === 'ref') out.push({ ref: tg.dst.text ?? '', src_oid: srcOid, force, remote: inv.remote, op: 'update' });
    else if (tg.dst.kind === 'name') out.push({ ref: `${srcIsTag ? 'refs/tags/' : 'refs/heads/'}${tg.dst.text ?? ''}`, src_oid: srcOid, force, remote: inv.remote, op: 'update' });
    else for (const r of srcRefs) out.push({ ref: r, src_oid: srcOid, force, remote: inv.remote, op: 'update' });
  }
  if (inv.broad.includes('all')) for (const b of refs.deploy_branches) out.push({ ref: b, src_oid: null, force: inv.force, remote: inv.remote, op: 'update' });
  if (inv.broad.includes('tags')) for (const e of patterns) if (e.pattern.startsWith('refs/tags/') && e.lane === 'shared') extra.push(`deploy:${e.pattern}`);
  return { targets: out, lanes_extra: extra, fallback };
};
