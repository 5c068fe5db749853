/**
 * Embedded file-system `LaneStore` (push-gate.md §5.5 E1–E7). Lives in the repository's runtime directory
 * (`<git common dir>/arbiter/`, or `$ARBITER_STATE_DIR/repos/<key>/`), shared by every worktree of a clone.
 *
 * Each lane is a chain of immutable generation files `lanes/<lane-key>.json.<g>`; a method reads the newest
 * generation, applies the kernel transition (`claimT`, …) and commits generation g+1 by hard-linking a fully
 * written temp file to a name that must not exist (`createExclusive`). A lost race re-reads and re-decides, at most
 * `STORE_CAS_ATTEMPTS` rounds. Never check-then-write. The generation's `event` is its built-in audit record, so a
 * force-release and its audit become visible in the same atomic link (LS7); `audit.ndjson` is a projection.
 */
import { chmodSync, lstatSync, readdirSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { LaneFailure, LaneQueue, LaneStore } from '@arbiter/kernel';
import { pushGate as PG } from '@arbiter/kernel';
import { createExclusive, ensureDir, errnoCode, randomHex16, readNonBlocking } from './atomic.js';
import { dirMark, keepIndexIfSettled, readIndexBody, type DirMark } from './dir-index.js';
import { failureByCode, LaneFail, laneTask } from './lane-task.js';
import { appendState, readLinesBackward, readState, readStateText, throwingState } from './state-io.js';
import { fsLaneQueue } from './fs-lane-queue.js';
import { sha256Hex } from './hash.js';

/** Options. `now` is the store clock (LS2); `inject` is a fault-injection seam for tests. */
export interface FsLaneStoreOptions {
  readonly now?: () => number;
  readonly owners?: ReadonlyArray<string>;
  readonly defaultLeaseMin?: number;
  /**
   * Called before each primitive step (`list`, `read`, `link`, `append`, `mkdir`; `mark`: a generation's chmod once
   * its audit line is appended, and `recover`: collection's append of a missing line, E3); return an errno code to
   * fail it.
   */
  readonly inject?: (step: string) => string | null;
  /**
   * The machine clock (ms since the epoch) that decides whether `lanes/` has settled long enough for the overview
   * index to be written (E9; `DIR_INDEX_SETTLE_MS`). Tests fake a settled directory with it; default `Date.now`.
   */
  readonly indexNow?: () => number;
}

/**
 * Generations of one lane that collection keeps (E2): the newest `GEN_KEEP`, whatever their age. A reader overtaken
 * by that many commits between its listing and its read finds its file gone and lists again (session-lock.md §6.4
 * F4); a writer that re-created a collected number sees a generation `GEN_KEEP` or more numbers newer after its link
 * (F6), while a newer one fewer numbers ahead was built on its commit at once (see `commit`). So nothing here needs
 * an age floor, and one lane never leaves more than `GEN_KEEP` + 1 files behind, however busy it is (besides a
 * generation whose audit line is pending, for at most `PENDING_GRACE_MS`: E3).
 */
const GEN_KEEP = 8;
/**
 * How many of `audit.ndjson`'s last lines collection searches for the audit line of a generation it is about to
 * delete before it appends that line itself (E3). The line of a generation `GEN_KEEP` commits old is normally among
 * the last few dozen; past this bound a copy is appended anyway, and `audit` lists the identical line once.
 */
const AUDIT_SCAN_LINES = 4096;
/**
 * Creation mode of a generation whose audit line is not yet in `audit.ndjson` (E3): owner read only. The writer
 * makes it owner read-write (`GEN_MODE_PROJECTED`, by chmod, which the umask does not touch) once its line was
 * appended; a generation with no audit line (heartbeat, re-entry) is created that way. Collection then reads, and
 * checks against the log, only a generation whose owner-write bit is clear: one whose writer crashed or failed
 * before that. (A umask that removes the owner-write bit makes every generation look pending: slower, still right.)
 */
const GEN_MODE_PENDING = 0o400;
const GEN_MODE_PROJECTED = 0o600;
/**
 * A pending generation (E3) younger than this, by its modification time against the store clock, may still be in
 * its writer's hands: between its link and its append, or, when the writer re-created a collected number, before it
 * deletes its own file (E2). Collection leaves such a generation for a later round, ms; after that, a writer still
 * silent has crashed, and collection appends its line.
 */
const PENDING_GRACE_MS = 60_000;
/** Largest generation file collection reads to recover its event (E3), bytes; a lane record is far smaller. */
const GEN_READ_MAX_BYTES = 1024 * 1024;
/** Largest `audit.ndjson` read by `audit`, bytes. */
const AUDIT_READ_MAX_BYTES = 64 * 1024 * 1024;
/** A temporary file a crashed writer left behind (`<key>.json.<g>.tmp-…`) is removed once it is older than this, ms. */
const TMP_GC_AGE_MS = 600_000;

/**
 * File key of a lane (E2): the first 32 hex of SHA-256 of the lane name's UTF-8 bytes. Fixed length whatever the
 * name (non-ASCII, shell metacharacters, 8 192 units), so every lane fits a file name; the full name lives inside the
 * record. Lane names are well-formed UTF-16 (N5), so the UTF-8 encoding, and the key, is one per name. Unchanged
 * since the first release, so stores written before keep their lanes. Computed with `node:crypto` (hash.ts, loaded on
 * first use): loading it costs a few ms once, while a pure-JavaScript SHA-256 runs its first hundred keys
 * unoptimised and costs a reader of every lane (`arbiter status`, 100 lanes) several times that (status.md "Speed").
 */
export const laneKey = (lane: string): string => {
  let k = keyMemo.get(lane);
  if (k === undefined) {
    k = sha256Hex(lane, 32);
    if (keyMemo.size >= KEY_MEMO_MAX) keyMemo.clear();
    keyMemo.set(lane, k);
  }
  return k;
};
/** The overview index of an embedded store (E9), in its root beside `lanes/`: writing it never changes `lanes/`. */
export const LANE_INDEX_FILE = 'lanes.index';

/** Largest overview index read, bytes: a thousand lane records of a few KiB each fit. */
const LANE_INDEX_MAX_BYTES = 16 * 1024 * 1024;

/**
 * The records the overview index of the store at `root` holds for the `lanes/` state `mark`, or `null` when there is
 * none to use (E9, dir-index.ts): no index, one of another state or version, one whose body does not match its
 * SHA-256, or one that is not a list of lane records. The records were decoded and key-checked when the index was
 * written. Never throws.
 */
const readLaneIndex = (root: string, mark: DirMark): PG.LaneRecord[] | null => {
  const body = readIndexBody(join(root, LANE_INDEX_FILE), mark, LANE_INDEX_MAX_BYTES);
  if (body === null) return null;
  try {
    const list = JSON.parse(body) as { lanes?: unknown };
    const ok = (r: unknown): boolean => typeof r === 'object' && r !== null && typeof (r as { lane?: unknown }).lane === 'string' && typeof (r as { fence?: unknown }).fence === 'number';
    return Array.isArray(list.lanes) && list.lanes.every(ok) ? (list.lanes as PG.LaneRecord[]) : null;
  } catch {
    return null;
  }
};

/**
 * Every halt record in `haltsDir` (`<16 hex>.json`, closed by a `<id>.closed.json` marker), oldest first. A corrupt
 * halt file is skipped: a halt only ever blocks on a verified record. `step` is the fault-injection seam. Throws the
 * listing's errno error other than ENOENT (an absent directory has no halts).
 */
const listHalts = (haltsDir: string, step: (name: string) => void): { rec: PG.HaltRecord; open: boolean }[] => {
  let names: string[];
  try {
    step('list');
    names = readdirSync(haltsDir);
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return [];
    throw e;
  }
  const closed = new Set(names.filter((n) => n.endsWith('.closed.json')).map((n) => n.slice(0, -'.closed.json'.length)));
  const out: { rec: PG.HaltRecord; open: boolean }[] = [];
  for (const n of names) {
    if (!/^[0-9a-f]{16}\.json$/.test(n)) continue;
    try {
      const d = PG.HaltRecordCodec.decode(JSON.parse(throwingState(join(haltsDir, n)))); // not a regular file: corrupt
      if (d._tag === 'Right') out.push({ rec: d.right, open: !closed.has(d.right.halt_id) });
    } catch {
      // a corrupt halt file is ignored: a halt only ever blocks on a verified record
    }
  }
  return out.sort((a, b) => a.rec.created_at - b.rec.created_at);
};

/**
 * Every open halt of the embedded store rooted at `root`, whoever placed it and whoever it is directed at, oldest
 * first, as `Halt` views at `now` (ms epoch). The `LaneStore` port answers halts per session only (LS9); `arbiter
 * status` (status.md §2) lists them all, so it reads the embedded store's halts directly. Never throws: an
 * unreadable directory is a `LaneFailure` with the errno code as `status`.
 */
export const fsOpenHalts = (root: string, now: number): { readonly _tag: 'Right'; readonly right: ReadonlyArray<PG.Halt> } | { readonly _tag: 'Left'; readonly left: LaneFailure } => {
  try {
    return { _tag: 'Right', right: listHalts(join(root, 'halts'), () => undefined).filter((h) => h.open).map((h) => PG.haltView(h.rec, true, now)) };
  } catch (e) {
    const code = errnoCode(e);
    return { _tag: 'Left', left: { _tag: 'LaneFailure', kind: kindOfErrno(code), status: code.slice(0, 64) } };
  }
};

/** Keys already computed in this process (a long-lived `arbiter serve` asks for the same few lanes again and again). */
const keyMemo = new Map<string, string>();
const KEY_MEMO_MAX = 1024;

/**
 * Status of a call whose commit may or may not have taken effect (push-gate.md §5.5 E2: overtaken by `GEN_KEEP` or
 * more generations before its own listing); kind `contended`.
 */
export const OUTCOME_UNKNOWN = 'OUTCOME-UNKNOWN';

/** push-gate.md §5.6 "embedded" row: errno → failure kind. */
export const kindOfErrno = (code: string): LaneFailure['kind'] => {
  if (code === 'EROFS' || code === 'EIO' || code === 'ENOTDIR' || code === 'ENOENT') return 'transport';
  if (code === 'EBUSY' || code === 'EAGAIN' || code === 'CAS-EXHAUSTED' || code === OUTCOME_UNKNOWN) return 'contended';
  if (code === 'EACCES' || code === 'EPERM' || code === 'not-owner') return 'forbidden';
  return 'other';
};

type Loaded = { readonly g: number; readonly rec: PG.LaneRecord | null; readonly corrupt: string | null };
/** A listing of one lane's files in `lanes/`. */
type Listing = { readonly gens: ReadonlyArray<number>; readonly tmps: ReadonlyArray<string> };

/**
 * Build the store rooted at `root` (the repository runtime directory). Methods never throw; every error is a
 * `LaneFailure` with the errno code as `status`.
 */
export const fsLaneStore = (root: string, o: FsLaneStoreOptions = {}): LaneStore & LaneQueue => {
  const now = o.now ?? Date.now;
  const indexNow = o.indexNow ?? Date.now;
  const lanesDir = join(root, 'lanes');
  const haltsDir = join(root, 'halts');
  const auditFile = join(root, 'audit.ndjson');
  const step = (name: string): void => {
    const c = o.inject?.(name) ?? null;
    if (c !== null) throw new LaneFail(c);
  };
  /** One listing of `lanes/`: the generation numbers of `key`, ascending, and its temporary files (E2). */
  const listLane = (key: string): Listing => {
    step('list');
    let names: string[];
    try {
      names = readdirSync(lanesDir);
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') return { gens: [], tmps: [] };
      throw e;
    }
    const prefix = `${key}.json.`;
    const gens: number[] = [];
    const tmps: string[] = [];
    for (const n of names) {
      if (!n.startsWith(prefix)) continue;
      const rest = n.slice(prefix.length);
      if (/^[1-9][0-9]*$/.test(rest)) gens.push(Number(rest));
      else if (/^[1-9][0-9]*\.tmp-/.test(rest)) tmps.push(n);
    }
    return { gens: gens.sort((a, b) => a - b), tmps };
  };
  /** Read generation `g` of `lane` (file key `key`). @throws ENOENT when collected meanwhile (the caller lists again). */
  const readGen = async (lane: string, key: string, g: number): Promise<Loaded> => {
    step('read');
    // Asynchronous on purpose: a read that never returns (a FIFO, a hung mount) must leave the event loop free
    // for the hook's watchdog (push-gate.md §14 rule 2).
    const text = await readGeneration(join(lanesDir, `${key}.json.${g}`));
    if (text === null) return { g, rec: null, corrupt: 'not a regular file' };
    const d = PG.decodeLaneRecord(text, lane);
    return 'corrupt' in d ? { g, rec: null, corrupt: d.corrupt } : { g, rec: d, corrupt: null };
  };
  const load = async (lane: string, key: string): Promise<Loaded> => {
    for (let race = 0; race < 3; race++) {
      const g = listLane(key).gens.at(-1) ?? 0;
      if (g === 0) return { g: 0, rec: null, corrupt: null };
      try {
        return await readGen(lane, key, g);
      } catch (e) {
        if (e instanceof LaneFail || errnoCode(e) !== 'ENOENT') throw e; // vanished by GC: list again (F4)
      }
    }
    throw new LaneFail('EAGAIN');
  };
  /**
   * Append `recs` to `audit.ndjson`, each line keyed by `gen`, the generation whose event it is (null for halts, which
   * have no generation). Best effort: the generation file already carries the event, and collection appends it when
   * this write did not happen (E3).
   */
  const appendAudit = (recs: ReadonlyArray<PG.AuditRecord>, gen: number | null, stepName = 'append'): boolean => {
    if (recs.length === 0) return true;
    try {
      step(stepName);
      return appendState(auditFile, recs.map((r) => auditLine(r, gen)).join(''))._tag === 'Appended'; // never blocks (state-io)
    } catch {
      return false; // the generation file already carries the event (E3); the projection is best effort
    }
  };
  /** Append the audit lines of the just committed generation `g` of `key`; once they are in the log, mark it projected (E3). */
  const appendAndMark = (recs: ReadonlyArray<PG.AuditRecord>, key: string, g: number): void => {
    if (recs.length === 0 || !appendAudit(recs, g)) return;
    try {
      step('mark');
      chmodSync(join(lanesDir, `${key}.json.${g}`), GEN_MODE_PROJECTED);
    } catch {
      // left pending: collection checks the log for it
    }
  };
  /**
   * E3: before generation `g` of `lane` is deleted, make sure `audit.ndjson` holds its event. The audit line is a
   * function of the generation file alone (`auditOf`, keyed by `g`), so "missing" means that exact line is not among
   * the last `AUDIT_SCAN_LINES`: the writer that committed `g` crashed before its append, or its append failed.
   * Heartbeats, re-entries and corrupt generations have no audit line. Best effort.
   */
  const auditBeforeCollect = (lane: string, key: string, g: number): void => {
    const text = readStateText(join(lanesDir, `${key}.json.${g}`), GEN_READ_MAX_BYTES);
    if (text === null) return; // collected by another writer meanwhile, or unreadable: nothing to recover
    const d = PG.decodeLaneRecord(text, lane);
    if ('corrupt' in d) return;
    const missing = new Map(PG.auditOf(d).map((r) => [auditLine(r, g).slice(0, -1), r]));
    if (missing.size === 0) return;
    let seen = 0;
    const r = readLinesBackward(auditFile, (line) => {
      missing.delete(line);
      return missing.size === 0 || ++seen >= AUDIT_SCAN_LINES;
    });
    if (missing.size > 0 && (r._tag === 'Done' || r._tag === 'Absent')) appendAudit([...missing.values()], g, 'recover'); // an unreadable log is left alone
  };
  /**
   * Collection after a commit, best effort, from the listing the commit already made (no second `readdir`): every
   * generation of the lane but the newest `GEN_KEEP` (one `lstat` each; a pending one, E3, is first checked against
   * the log, or left for a later round while younger than `PENDING_GRACE_MS`), and temporary files older than
   * `TMP_GC_AGE_MS`. Never the newest generation.
   */
  const gc = (lane: string, key: string, l: Listing): void => {
    const t = now();
    for (const g of l.gens.slice(0, Math.max(0, l.gens.length - GEN_KEEP))) {
      const p = join(lanesDir, `${key}.json.${g}`);
      const st = lstatSync(p, { throwIfNoEntry: false });
      if (st === undefined) continue; // collected by another writer
      if ((st.mode & 0o200) === 0) {
        // still pending: its line may be missing, unless its writer is still at work
        if (t - st.mtimeMs < PENDING_GRACE_MS) continue;
        auditBeforeCollect(lane, key, g);
      }
      try {
        unlinkSync(p);
      } catch {
        // already collected by another writer
      }
    }
    if (l.tmps.length === 0) return;
    for (const n of l.tmps) {
      try {
        const p = join(lanesDir, n);
        if (t - statSync(p).mtimeMs > TMP_GC_AGE_MS) unlinkSync(p);
      } catch {
        // best effort
      }
    }
  };
  /**
   * Commit `next` as generation g+1 (F5), then list once (F6). `recs`: the audit lines of `next` (`PG.auditOf`);
   * when there are any, its file is created pending (E3) until `appendAndMark` has appended them.
   * @returns that listing when the commit took effect: g+1 is the newest generation, or a newer one lies fewer than
   * `GEN_KEEP` numbers ahead (other writers built on ours at once; ours cannot have been collected, since collection
   * keeps the newest `GEN_KEEP`, so the step stands as decided and the caller keeps its answer). null when another
   * writer took g+1 first (the caller decides again).
   * @throws `OUTCOME-UNKNOWN` (kind `contended`) when the newest lies `GEN_KEEP` or more numbers ahead (E2): either
   * other writers built on ours and went on (it took effect) or ours re-created a number that collection had removed
   * (it did not, and nobody builds on it). The listing cannot tell the two apart, and deciding again answered wrongly
   * in the first case (a fresh claim `reclaimed`, a release that did release `NotHolder`), so the call answers
   * neither; a caller that tries again gets the right answer from the lane as it is. Our file is deleted first, so
   * its event is never audited: in the second case it never happened (E3).
   */
  const commit = (lane: string, key: string, g: number, next: PG.LaneRecord, recs: ReadonlyArray<PG.AuditRecord>): Listing | null => {
    const text = PG.storableLaneText(next, lane);
    if (text === null) throw new LaneFail('unstorable-record'); // E7: never write what load() would call corrupt
    step('mkdir'); // createExclusive creates the directory
    step('link');
    const path = join(lanesDir, `${key}.json.${g + 1}`);
    const r = createExclusive(path, text, { mode: recs.length > 0 ? GEN_MODE_PENDING : GEN_MODE_PROJECTED });
    if (r._tag === 'Exists') return null;
    if (r._tag === 'FsError') throw new LaneFail(r.code);
    const after = listLane(key);
    // Deciding again on a generation built on ours would decide against our own change: a fresh claim would come back
    // `reclaimed` (and be written twice), a release that did release would answer NotHolder.
    if ((after.gens.at(-1) ?? 0) - (g + 1) < GEN_KEEP) return after;
    // Ours lies outside what collection keeps, so nobody reads it as the newest: collect it now, unaudited. Were it a
    // re-created number, collection would otherwise project (E3) an event that never took effect.
    try {
      unlinkSync(path);
    } catch {
      // collected by another writer already
    }
    throw new LaneFail(OUTCOME_UNKNOWN);
  };
  /** The compare-and-set loop around one kernel transition. */
  const cas = async <R>(lane: string, t: (cur: PG.LaneRecord | null, at: number) => PG.Transition<R>): Promise<R> => {
    if (!PG.isLaneName(lane)) throw new LaneFail('bad-lane-name'); // push-gate.md §3.2 N5: refused before anything is read or written
    const key = laneKey(lane);
    for (let round = 0; round < PG.STORE_CAS_ATTEMPTS; round++) {
      const l = await load(lane, key);
      if (l.corrupt !== null) {
        // E2: replace a corrupt newest generation by a free lane with fence = g, audited, then decide again.
        const rep = PG.corruptReplacement(lane, l.g, now(), l.corrupt);
        const recs = PG.auditOf(rep);
        if (commit(lane, key, l.g, rep, recs) !== null) appendAndMark(recs, key, l.g + 1);
        continue;
      }
      const tr = t(l.rec, now());
      if (tr.next === null) return tr.result;
      const listing = commit(lane, key, l.g, tr.next, tr.audit);
      if (listing !== null) {
        appendAndMark(tr.audit, key, l.g + 1);
        gc(lane, key, listing);
        return tr.result;
      }
    }
    throw new LaneFail('CAS-EXHAUSTED');
  };
  /**
   * The newest readable record of every lane, as `state('all')` shows them (corrupt generations skipped), read from
   * the generation files. `complete` is false when a read failed with an errno error or raced a collection, so the
   * listing is not kept in the overview index (E9). Throws the listing's errno error other than ENOENT.
   */
  const readOverview = async (): Promise<{ records: PG.LaneRecord[]; complete: boolean }> => {
    let names: string[] = [];
    try {
      names = readdirSync(lanesDir);
    } catch (e) {
      if (errnoCode(e) !== 'ENOENT') throw e;
    }
    const newestByKey = new Map<string, number>();
    for (const n of names) {
      const m = /^([0-9a-f]{32})\.json\.([1-9][0-9]*)$/.exec(n);
      if (m) newestByKey.set(m[1] as string, Math.max(newestByKey.get(m[1] as string) ?? 0, Number(m[2])));
    }
    const records: PG.LaneRecord[] = [];
    let complete = true;
    for (const [key, newest] of newestByKey) {
      // a generation collected since the listing (GEN_KEEP newer commits meanwhile): list that lane again (F4)
      let g = newest;
      for (let race = 0; race < 3 && g > 0; race++) {
        let text: string | null;
        try {
          text = await readGeneration(join(lanesDir, `${key}.json.${g}`));
        } catch (e) {
          complete = false;
          if (errnoCode(e) !== 'ENOENT') break; // unreadable now (too many open files, …): skipped, not indexed
          g = listLane(key).gens.at(-1) ?? 0;
          continue;
        }
        try {
          const json = JSON.parse(text ?? '') as { lane?: unknown };
          if (typeof json.lane !== 'string' || laneKey(json.lane) !== key) break;
          const d = PG.decodeLaneJson(json, json.lane); // parsed once: the lane it names picks the key to check
          if (!('corrupt' in d)) records.push(d);
        } catch {
          // a corrupt generation is skipped in the overview
        }
        break;
      }
    }
    return { records, complete };
  };
  /**
   * The overview of every lane (E9): from `lanes.index` while `lanes/` is in the state it was made from, else from the
   * generation files, then kept in the index when the directory had settled and did not change during the reads.
   */
  const overview = async (): Promise<PG.LaneRecord[]> => {
    const before = dirMark(lanesDir);
    if (before !== null) {
      const indexed = readLaneIndex(root, before);
      if (indexed !== null) return indexed;
    }
    const r = await readOverview();
    keepIndexIfSettled(lanesDir, before, r.complete, indexNow(), root, LANE_INDEX_FILE, () => JSON.stringify({ lanes: r.records }));
    return r.records;
  };
  const failureOf = failureByCode(kindOfErrno);
  const wrap = <A>(f: () => A | Promise<A>) => laneTask(failureOf, f);
  const readHalts = (): { rec: PG.HaltRecord; open: boolean }[] => listHalts(haltsDir, step);
  const forbidden = (): never => {
    throw new LaneFail('not-owner');
  };
  const auditEvent = (kind: 'halt' | 'unhalt', by: PG.Holder, reason: string | null): PG.AuditRecord => ({
    at: now(), lane: null, kind, by_handle: by.handle, by_session: by.session, by_instance: by.instance, fence: null, previous: null, reason, body: null,
  });
  return {
    ...fsLaneQueue(root, { now, key: laneKey, kindOf: kindOfErrno, inject: o.inject }), // the landing queue (land.md §2.1)
    claim: (lane, holder, meta) => wrap(() => cas(lane, (cur, at) => PG.claimT(cur, lane, holder, meta, at, o.defaultLeaseMin))),
    heartbeat: (lane, instance, fence) => wrap(() => cas(lane, (cur, at) => PG.heartbeatT(cur, lane, instance, fence, at))),
    release: (lane, instance) => wrap(() => cas(lane, (cur, at) => PG.releaseT(cur, lane, instance, at))),
    forceRelease: (lane, by, reason) =>
      wrap(async () => {
        if (!PG.isOwner(by.handle, o.owners)) forbidden(); // LS7: owner check first, nothing written
        const r = await cas(lane, (cur, at) => PG.forceReleaseT(cur, lane, by, reason, at, o.owners));
        if (r._tag === 'Forbidden') return forbidden();
        return r;
      }),
    state: (lane, session) =>
      wrap(async () => {
        const t = now();
        let lanes: PG.LaneView[];
        if (lane === 'all') {
          step('list');
          lanes = (await overview()).map((r) => PG.viewOf(r.lane, r, t));
          lanes.sort((a, b) => (a.lane < b.lane ? -1 : a.lane > b.lane ? 1 : 0));
        } else {
          if (!PG.isLaneName(lane)) throw new LaneFail('bad-lane-name');
          const l = await load(lane, laneKey(lane));
          lanes = [l.corrupt !== null ? { lane, fence: l.g, holder: null, expired: false } : PG.viewOf(lane, l.rec, t)];
        }
        const hs = readHalts();
        return {
          lanes,
          halts: hs.filter((h) => h.open && h.rec.target_session === session).map((h) => PG.haltView(h.rec, true, t)),
          placed: hs.filter((h) => h.open && h.rec.by_session === session).map((h) => PG.haltView(h.rec, true, t)),
        };
      }),
    post: (p) =>
      wrap(() => {
        step('mkdir');
        ensureDir(root);
        step('append');
        const rec: PG.AuditRecord = { at: now(), lane: p.lane, kind: 'status', by_handle: p.by.handle, by_session: p.by.session, by_instance: p.by.instance, fence: null, previous: null, reason: null, body: p.body };
        const a = appendState(auditFile, auditLine(rec, null));
        if (a._tag !== 'Appended') throw new LaneFail(a._tag === 'NotRegular' ? 'ENOTREG' : a.code);
        return { _tag: 'Posted' as const };
      }),
    halt: (target, by, reason) =>
      wrap(() => {
        step('mkdir');
        ensureDir(haltsDir);
        for (let i = 0; i < PG.STORE_CAS_ATTEMPTS; i++) {
          const id = randomHex16();
          const rec: PG.HaltRecord = { halt_id: id, target_session: target, by_handle: by.handle, by_session: by.session, by_instance: by.instance, reason, created_at: now() };
          step('link');
          const r = createExclusive(join(haltsDir, `${id}.json`), JSON.stringify(PG.HaltRecordCodec.encode(rec)));
          if (r._tag === 'Created') {
            appendAudit([auditEvent('halt', by, reason)], null);
            return { _tag: 'Halted' as const, halt_id: id };
          }
          if (r._tag === 'FsError') throw new LaneFail(r.code);
        }
        throw new LaneFail('CAS-EXHAUSTED');
      }),
    unhalt: (target, by) =>
      wrap(() => {
        const open = readHalts().filter((h) => h.open && h.rec.target_session === target);
        if (!PG.mayUnhalt(open.map((h) => h.rec), by, o.owners)) return forbidden();
        let count = 0;
        for (const h of open) {
          step('link');
          const r = createExclusive(join(haltsDir, `${h.rec.halt_id}.closed.json`), JSON.stringify({ closed_at: new Date(now()).toISOString(), by_handle: by.handle, by_session: by.session }));
          if (r._tag === 'Created') count++;
          else if (r._tag === 'FsError') throw new LaneFail(r.code);
        }
        appendAudit([auditEvent('unhalt', by, null)], null);
        return { _tag: 'Unhalted' as const, count };
      }),
    audit: (limit) =>
      wrap(() => {
        const got = readState(auditFile, AUDIT_READ_MAX_BYTES);
        if (got._tag === 'NotRegular') throw new LaneFail('ENOTREG');
        if (got._tag === 'Error') throw new LaneFail(got.code);
        const text = got._tag === 'File' ? got.bytes.toString('utf8') : '';
        const out: PG.AuditRecord[] = [];
        // E3: a generation's line is a function of its file, so an event appended twice (by its writer and by
        // collection) is the same text twice, listed once. The text, not lane + generation alone: a lanes directory
        // removed by hand starts its numbers again, and those later events are not duplicates.
        const seen = new Set<string>();
        for (const line of text.split('\n')) {
          if (line.trim() === '') continue;
          try {
            const u = JSON.parse(line) as { gen?: unknown } | null;
            const r = decodeAudit(u);
            if (r === null) continue;
            if (typeof u?.gen === 'number') {
              if (seen.has(line)) continue;
              seen.add(line);
            }
            out.push(r);
          } catch {
            // a torn line is skipped
          }
        }
        return out.slice(-Math.max(0, limit));
      }),
  };
};

/** Read one generation file without blocking or following a symlink (atomic.ts). @returns null unless a regular file. */
const readGeneration = async (path: string): Promise<string | null> => {
  const r = await readNonBlocking(path);
  return r.regular ? r.text : null;
};

const iso = (ms: number): string => new Date(ms).toISOString();

/** One `audit.ndjson` line (with its `\n`): `r` with an ISO instant, keyed by `gen`, its lane generation, when it has one (E3). */
const auditLine = (r: PG.AuditRecord, gen: number | null): string => JSON.stringify(gen === null ? { ...r, at: iso(r.at) } : { ...r, at: iso(r.at), gen }) + '\n';

const decodeAudit = (u: unknown): PG.AuditRecord | null => {
  if (typeof u !== 'object' || u === null) return null;
  const o = u as Record<string, unknown>;
  const at = typeof o['at'] === 'string' ? Date.parse(o['at']) : NaN;
  if (!Number.isFinite(at) || typeof o['kind'] !== 'string') return null;
  const s = (k: string): string => (typeof o[k] === 'string' ? (o[k] as string) : '');
  return {
    at,
    lane: typeof o['lane'] === 'string' ? o['lane'] : null,
    kind: o['kind'] as PG.AuditRecord['kind'],
    by_handle: s('by_handle'),
    by_session: s('by_session'),
    by_instance: s('by_instance'),
    fence: typeof o['fence'] === 'number' ? o['fence'] : null,
    previous: (o['previous'] as PG.PreviousHolder | null) ?? null,
    reason: typeof o['reason'] === 'string' ? o['reason'] : null,
    body: typeof o['body'] === 'string' ? o['body'] : null,
  };
};
