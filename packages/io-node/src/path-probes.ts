/**
 * The `PathProbes` port on the real file system (paths.md §3 case probe, paths.md §6 symlink findings). Nothing here
 * decides: the kernel turns the answers into facts (`paths.caseInsensitiveOf`, `paths.symlinkFindingsOf`), and
 * {@link probePathFacts} is the one place a verb or runner gathers both facts.
 *
 * Only `lstat`, `readlink`, `realpath`, an exclusive create and an unlink: nothing opens an existing file, so a FIFO
 * or device among the request paths cannot block the probe.
 */
import { join } from 'node:path';
import type { PathProbes, CaseProbe, SymlinkScanEntry } from '@arbiter/kernel';
import { paths as P } from '@arbiter/kernel';
import { crypto, fsp } from './lazy-builtins.js';

/** Symlinks followed for one request path before it counts as `unresolved` (`ELOOP`), as Linux's MAXSYMLINKS. */
export const MAX_LINK_HOPS = 40;

const codeOf = (e: unknown): string => {
  const c = (e as NodeJS.ErrnoException | null)?.code;
  return typeof c === 'string' && /^[A-Z0-9_]{1,32}$/.test(c) ? c : 'error';
};

/**
 * paths.md §3 on `<top>/.arbiter/`: create `case-probe-<pid>-<16 hex>.tmp` exclusively (`wx`, mode 0600: never
 * clobbers, so concurrent probes cannot meet), `lstat` its upper-case spelling, then unlink the file (always, even
 * after an error). `Found` only when the upper-case name is the same file (same device and inode); ENOENT or another
 * file → `NotFound`; a failed create (no `.arbiter/`, read-only, …) or any other error → `Failed` with the errno code.
 */
export const nodeCaseProbe = async (top: string): Promise<CaseProbe> => {
  const name = `case-probe-${process.pid}-${crypto().randomBytes(8).toString('hex')}.tmp`;
  const lower = join(top, '.arbiter', name);
  const upper = join(top, '.arbiter', name.toUpperCase());
  try {
    const fh = await fsp().open(lower, 'wx', 0o600);
    await fh.close();
  } catch (e) {
    return { _tag: 'Failed', detail: codeOf(e) };
  }
  try {
    const mine = await fsp().lstat(lower);
    try {
      const other = await fsp().lstat(upper);
      return other.ino === mine.ino && other.dev === mine.dev ? { _tag: 'Found' } : { _tag: 'NotFound' };
    } catch (e) {
      return codeOf(e) === 'ENOENT' ? { _tag: 'NotFound' } : { _tag: 'Failed', detail: codeOf(e) };
    }
  } catch (e) {
    return { _tag: 'Failed', detail: codeOf(e) };
  } finally {
    await fsp()
      .unlink(lower)
      .catch(() => undefined);
  }
};

/** A resolved position: an absolute path with no symlink in it, and whether it (still) exists. */
type Pos = { readonly ok: true; readonly path: string; readonly missing: boolean } | { readonly ok: false; readonly detail: string };

const parentOf = (p: string): string => {
  const i = p.lastIndexOf('/');
  return i <= 0 ? '/' : p.slice(0, i);
};

/**
 * One segment from a resolved position: `.`/empty stay, `..` goes to the parent, a missing position (or ENOENT,
 * ENOTDIR) continues lexically, a symlink is replaced by its target resolved from the link's directory (absolute
 * targets from `/`), counting hops in `hops`.
 */
const stepOne = async (cur: string, missing: boolean, seg: string, hops: { n: number }): Promise<Pos> => {
  if (seg === '' || seg === '.') return { ok: true, path: cur, missing };
  if (seg === '..') return { ok: true, path: parentOf(cur), missing };
  const next = cur === '/' ? `/${seg}` : `${cur}/${seg}`;
  if (missing) return { ok: true, path: next, missing: true };
  let isLink: boolean;
  try {
    isLink = (await fsp().lstat(next)).isSymbolicLink();
  } catch (e) {
    const c = codeOf(e);
    return c === 'ENOENT' || c === 'ENOTDIR' ? { ok: true, path: next, missing: true } : { ok: false, detail: c };
  }
  if (!isLink) return { ok: true, path: next, missing: false };
  if (++hops.n > MAX_LINK_HOPS) return { ok: false, detail: 'ELOOP' };
  let target: string;
  try {
    target = await fsp().readlink(next);
  } catch (e) {
    return { ok: false, detail: codeOf(e) };
  }
  let pos: Pos = { ok: true, path: target.startsWith('/') ? '/' : cur, missing: false };
  for (const s of target.split('/')) {
    if (!pos.ok) break;
    pos = await stepOne(pos.path, pos.missing, s, hops);
  }
  return pos;
};

const within = (p: string, root: string): boolean => p === root || p.startsWith(root === '/' ? '/' : `${root}/`);

/**
 * paths.md §11 symlink scan of rendered normalized request paths under `top`: each path is walked segment by segment
 * from `realpath(top)`; the first prefix that resolves outside it makes the path `escapes` (with that prefix as
 * `via`); a loop or more than {@link MAX_LINK_HOPS} links, or an error other than ENOENT/ENOTDIR, makes it
 * `unresolved`; otherwise `inside` (missing segments included: nothing can redirect them). `.` (the whole tree) is
 * `inside`. When `top` itself cannot be resolved, every path is `unresolved`. Never rejects.
 */
export const nodeSymlinkScan = async (top: string, requests: ReadonlyArray<string>): Promise<ReadonlyArray<SymlinkScanEntry>> => {
  let root: string;
  try {
    root = await fsp().realpath(top);
  } catch (e) {
    const detail = codeOf(e);
    return requests.map((path) => ({ path, outcome: 'unresolved', detail }));
  }
  const out: SymlinkScanEntry[] = [];
  for (const path of requests) {
    const segs = path.split('/').filter((s) => s !== '' && s !== '.');
    let pos: Pos = { ok: true, path: root, missing: false };
    const hops = { n: 0 };
    let entry: SymlinkScanEntry = { path, outcome: 'inside' };
    for (let i = 0; i < segs.length; i++) {
      pos = await stepOne(pos.path, pos.missing, segs[i] as string, hops);
      if (!pos.ok) {
        entry = { path, outcome: 'unresolved', detail: pos.detail };
        break;
      }
      if (!within(pos.path, root)) {
        entry = { path, outcome: 'escapes', via: segs.slice(0, i + 1).join('/') };
        break;
      }
    }
    out.push(entry);
  }
  return out;
};

/** The `PathProbes` port over the real file system ({@link nodeCaseProbe}, {@link nodeSymlinkScan}). */
export const nodePathProbes = (): PathProbes => ({
  caseProbe: (top) => () => nodeCaseProbe(top),
  symlinkScan: (top, requests) => () => nodeSymlinkScan(top, requests),
});

/** The path facts of one repository and request, with the answers they came from (for the decision log). */
export interface PathFacts {
  /** paths.md §3 fact (`paths.caseInsensitiveOf` of `case_probe`, unless overridden). */
  readonly caseInsensitive: boolean;
  /** Where `caseInsensitive` came from: the probe, or an explicit override (`--case-sensitive`/`--case-insensitive`). */
  readonly case_source: 'probe' | 'override';
  /** The probe's answer; `null` when overridden. */
  readonly case_probe: CaseProbe | null;
  /** paths.md §6 fact (`paths.symlinkFindingsOf` of `symlink_scan`). */
  readonly symlinkFindings: ReadonlyArray<string>;
  readonly symlink_scan: ReadonlyArray<SymlinkScanEntry>;
}

/**
 * Gather the path facts for `requests` (rendered normalized paths) in the repository whose top level is `top`: the
 * case probe (skipped when `caseOverride` is a boolean) and the symlink scan run concurrently. Never rejects.
 */
export const probePathFacts = async (probes: PathProbes, top: string, requests: ReadonlyArray<string>, caseOverride: boolean | null = null): Promise<PathFacts> => {
  const [caseProbe, scan] = await Promise.all([caseOverride === null ? probes.caseProbe(top)() : Promise.resolve(null), probes.symlinkScan(top, requests)()]);
  return {
    caseInsensitive: caseProbe === null ? (caseOverride as boolean) : P.caseInsensitiveOf(caseProbe),
    case_source: caseProbe === null ? 'override' : 'probe',
    case_probe: caseProbe,
    symlinkFindings: P.symlinkFindingsOf(scan),
    symlink_scan: scan,
  };
};
