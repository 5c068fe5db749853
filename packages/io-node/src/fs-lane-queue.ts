/**
 * The landing queue of the embedded file-system store (land.md §2 Q1–Q6, file layout land.md §2.1 QF1–QF6),
 * composed into `fsLaneStore` (push-gate.md §5.5).
 *
 * One chain of immutable generation files per lane, exactly like the lanes themselves (E2): `queue/<lane key>.json.<g>`
 * holds the whole queue of that lane (its live tickets and the highest `seq` the lane has used). A method reads the
 * newest generation, applies the kernel transition (`enqueueT`, `dequeueT`) and commits generation g+1 by hard-linking
 * a fully written temp file to a name that must not exist (`createExclusive`); a lost race re-reads and re-decides,
 * at most `STORE_CAS_ATTEMPTS` rounds with a short random pause between them, then `contended`. So every method is one
 * atomic step (LS12): a reader sees the queue before or after a step, never half of one, and two processes that
 * enqueue at once both end in the queue, in the order their commits won.
 *
 * A corrupt newest generation (not JSON, a field out of range, a ticket of another lane, a FIFO at the name) is never
 * read as an empty queue: the queue is rebuilt from the newest older generation that still decodes, its `max_seq`
 * raised by the number of generations in between (each generation adds at most one ticket, so no `seq` is reused),
 * the rebuilt queue is committed as the next generation, and a `corrupt-record` audit names the generation (QF4).
 */
import { lstatSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { LaneFailure, LaneQueue } from '@arbiter/kernel';
import { IsoMillis, landQueue as Q, pushGate as PG } from '@arbiter/kernel';
import { createExclusive, ensureDir, errnoCode, randomHex16, readNonBlocking } from './atomic.js';
import { failureByCode, LaneFail, laneTask } from './lane-task.js';
import { appendState, listState, STATE_READ_MAX_BYTES } from './state-io.js';

/** Schema version of a queue generation file (QF2). */
export const QUEUE_FILE_VERSION = 1;

/** Generations kept per lane and the age past which older ones are removed (as for the lanes, E2). */
const GEN_KEEP = 8;
const GEN_GC_AGE_MS = 600_000;

/** What {@link fsLaneQueue} needs from the store it is composed into. */
export interface FsLaneQueueOptions {
  /** The store clock, ms epoch (LS2). */
  readonly now: () => number;
  /** The store's file key of a lane (E2), so a lane's queue sits next to its lane under the same key. */
  readonly key: (lane: string) => string;
  /** The store's errno → failure-kind mapping (push-gate.md §5.6, embedded row). */
  readonly kindOf: (code: string) => LaneFailure['kind'];
  /** Fault-injection seam for tests: called before each primitive step (`list`, `read`, `link`, `append`, `mkdir`). */
  readonly inject?: (step: string) => string | null;
}

/** The decoded content of one queue generation (QF2). */
export interface QueueFile {
  readonly lane: string;
  /** Highest `seq` the lane has used (Q1: never reused, also after the queue drains). */
  readonly max_seq: number;
  readonly tickets: ReadonlyArray<Q.TicketRecord>;
}

type Obj = Record<string, unknown>;
const isObj = (u: unknown): u is Obj => typeof u === 'object' && u !== null && !Array.isArray(u);

/** Encode a queue generation as its file text (instants ISO-8601 with ms, architecture.md conventions §4). */
export const encodeQueueFile = (f: QueueFile): string =>
  JSON.stringify({
    schema_version: QUEUE_FILE_VERSION,
    lane: f.lane,
    max_seq: f.max_seq,
    tickets: f.tickets.map((r) => ({ ...Q.TicketRecordCodec.encode(r), created_at: IsoMillis.encode(r.created_at), heartbeat_at: IsoMillis.encode(r.heartbeat_at) })),
  });

/**
 * Decode one queue generation's text for `lane` (QF2). A file naming another lane, a ticket of another lane, two
 * tickets of one instance, a repeated `seq` or a `seq` above `max_seq` is corrupt.
 * @returns the queue, or `{corrupt: detail}` (a short description without the file's bytes).
 */
export const decodeQueueFile = (text: string, lane: string): QueueFile | { readonly corrupt: string } => {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { corrupt: 'not valid JSON' };
  }
  if (!isObj(json) || json['schema_version'] !== QUEUE_FILE_VERSION) return { corrupt: 'not a queue file of schema version 1' };
  if (json['lane'] !== lane) return { corrupt: 'queue file names another lane' };
  const maxSeq = json['max_seq'];
  if (typeof maxSeq !== 'number' || !Number.isSafeInteger(maxSeq) || maxSeq < 0) return { corrupt: 'max_seq out of range' };
  if (!Array.isArray(json['tickets'])) return { corrupt: 'tickets is not a list' };
  const tickets: Q.TicketRecord[] = [];
  for (const raw of json['tickets'] as unknown[]) {
    if (!isObj(raw)) return { corrupt: 'a ticket is not an object' };
    const c = IsoMillis.decode(raw['created_at']);
    const h = IsoMillis.decode(raw['heartbeat_at']);
    if (c._tag === 'Left' || h._tag === 'Left') return { corrupt: 'a ticket instant is not ISO-8601 with ms' };
    const d = Q.decodeTicket({ ...raw, created_at: c.right, heartbeat_at: h.right });
    if ('corrupt' in d) return { corrupt: `ticket: ${d.corrupt}` };
    if (d.lane !== lane) return { corrupt: 'a ticket of another lane' };
    if (d.seq > maxSeq) return { corrupt: 'a ticket seq above max_seq' };
    if (tickets.some((x) => x.seq === d.seq || x.instance === d.instance || x.ticket_id === d.ticket_id)) return { corrupt: 'a repeated ticket' };
    tickets.push(d);
  }
  return { lane, max_seq: maxSeq, tickets };
};

/**
 * True when `f` is a queue file that {@link decodeQueueFile} reads back unchanged for `lane` and that fits the read
 * bound of a state file (push-gate.md §5.5 E7: no adapter commits what it would later call corrupt).
 */
export const isStorableQueueFile = (f: QueueFile, lane: string): boolean => {
  if (!f.tickets.every((r) => Q.TicketRecordCodec.is(r))) return false;
  try {
    const text = encodeQueueFile(f);
    if (Buffer.byteLength(text, 'utf8') > STATE_READ_MAX_BYTES) return false;
    const back = decodeQueueFile(text, lane);
    return !('corrupt' in back) && encodeQueueFile(back) === text;
  } catch {
    return false; // an instant outside the ISO range cannot be encoded
  }
};

type Loaded =
  | { readonly g: number; readonly file: QueueFile | null; readonly corrupt: null }
  | { readonly g: number; readonly file: QueueFile; readonly corrupt: string; readonly from: number };

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Build the queue methods of the embedded store rooted at `root` (the repository runtime directory, E1). Methods never
 * throw; every error is a `LaneFailure` whose status is the errno code (or `bad-lane-name`, `bad-ticket`,
 * `unstorable-record`, `CAS-EXHAUSTED`).
 */
export const fsLaneQueue = (root: string, o: FsLaneQueueOptions): LaneQueue => {
  const dir = join(root, 'queue');
  const auditFile = join(root, 'audit.ndjson');
  const step = (name: string): void => {
    const c = o.inject?.(name) ?? null;
    if (c !== null) throw new LaneFail(c);
  };
  const pathOf = (lane: string, g: number): string => join(dir, `${o.key(lane)}.json.${g}`);
  /**
   * Generation numbers of `lane`'s queue, ascending. Most repositories never queue (`arbiter land` unused), and a
   * reader such as `arbiter status` asks for every lane's queue: a missing queue directory is found with one `lstat`
   * that does not throw (a thrown ENOENT per lane cost more than the listing), and the lane's key, a SHA-256, is
   * computed only when there are names to match.
   */
  const gensOf = (lane: string): number[] => {
    step('list');
    if (lstatSync(dir, { throwIfNoEntry: false }) === undefined) return [];
    const l = listState(dir);
    if (l._tag === 'Absent') return [];
    if (l._tag === 'NotRegular') throw new LaneFail('ENOTDIR');
    if (l._tag === 'Error') throw new LaneFail(l.code);
    const prefix = `${o.key(lane)}.json.`;
    const out: number[] = [];
    for (const n of l.names) if (n.startsWith(prefix) && /^[1-9][0-9]*$/.test(n.slice(prefix.length))) out.push(Number(n.slice(prefix.length)));
    return out.sort((a, b) => a - b);
  };
  /** Generation `g` decoded; `null` when it vanished (garbage collection). Non-blocking read (state-io.ts). */
  const readGen = async (lane: string, g: number): Promise<QueueFile | { readonly corrupt: string } | null> => {
    step('read');
    try {
      const r = await readNonBlocking(pathOf(lane, g));
      return r.regular ? decodeQueueFile(r.text, lane) : { corrupt: 'not a regular file' };
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') return null;
      throw e;
    }
  };
  /** The newest generation; when it is corrupt, the queue rebuilt from the newest older one that decodes (QF4). */
  const load = async (lane: string): Promise<Loaded> => {
    for (let race = 0; race < 3; race++) {
      const gens = gensOf(lane);
      const g = gens.at(-1) ?? 0;
      if (g === 0) return { g: 0, file: null, corrupt: null };
      const cur = await readGen(lane, g);
      if (cur === null) continue; // vanished: list again
      if (!('corrupt' in cur)) return { g, file: cur, corrupt: null };
      for (const older of gens.slice(0, -1).reverse()) {
        const f = await readGen(lane, older);
        if (f === null || 'corrupt' in f) continue;
        // each generation adds at most one ticket, so the corrupt ones used at most (g − older) more numbers
        return { g, file: { lane, max_seq: f.max_seq + (g - older), tickets: f.tickets }, corrupt: cur.corrupt, from: older };
      }
      return { g, file: { lane, max_seq: g, tickets: [] }, corrupt: cur.corrupt, from: 0 };
    }
    throw new LaneFail('EAGAIN');
  };
  const appendAudit = (lane: string, reason: string): void => {
    try {
      step('append');
      const rec = { at: new Date(o.now()).toISOString(), lane, kind: 'corrupt-record', by_handle: 'arbiter', by_session: 'arbiter', by_instance: 'arbiter', fence: null, previous: null, reason: reason.slice(0, PG.REASON_MAX), body: null };
      appendState(auditFile, JSON.stringify(rec) + '\n'); // never blocks (state-io)
    } catch {
      // the repaired generation is committed either way; the audit line is best effort, as for the lanes (E3)
    }
  };
  const gc = (lane: string): void => {
    try {
      const gens = gensOf(lane);
      const t = o.now();
      for (const g of gens.slice(0, Math.max(0, gens.length - GEN_KEEP))) {
        const p = pathOf(lane, g);
        const m = statMtime(p);
        if (m !== null && t - m > GEN_GC_AGE_MS) unlinkQuietly(p);
      }
    } catch {
      // best effort
    }
  };
  /**
   * Commit `next` as generation g+1 (F5–F6). @returns `won` when it is now the newest generation, `lost` when another
   * writer took g+1 first, `superseded` when it was created but a newer generation already exists (normally built on
   * it; the caller decides again on the newest, which is idempotent for every queue step).
   */
  const commit = (lane: string, g: number, next: QueueFile): 'won' | 'lost' | 'superseded' => {
    if (!isStorableQueueFile(next, lane)) throw new LaneFail('unstorable-record'); // E7
    step('mkdir');
    ensureDir(dir);
    step('link');
    const r = createExclusive(pathOf(lane, g + 1), encodeQueueFile(next));
    if (r._tag === 'Exists') return 'lost';
    if (r._tag === 'FsError') throw new LaneFail(r.code);
    return (gensOf(lane).at(-1) ?? 0) === g + 1 ? 'won' : 'superseded';
  };
  /**
   * The compare-and-set loop around one queue transition. `t` gets the current tickets and `max_seq` and returns the
   * tickets to keep (`null`: nothing to write) and the answer. When a round's commit was superseded, the step decides
   * again on the newest generation, where its own change already is; `merge(first, last)` then gives the answer of the
   * step that took effect (a dequeue that finds its ticket already gone answers the withdrawal it made).
   */
  const cas = async <R>(
    lane: string,
    t: (file: QueueFile, at: number) => { readonly next: ReadonlyArray<Q.TicketRecord> | null; readonly result: R },
    merge: (first: R, last: R) => R = (_, last) => last,
  ): Promise<R> => {
    let first: { readonly r: R } | null = null;
    const answer = (r: R): R => (first === null ? r : merge(first.r, r));
    for (let round = 0; round < PG.STORE_CAS_ATTEMPTS; round++) {
      if (round > 0) await sleep(1 + Math.floor(Math.random() * 4 * 2 ** round)); // spread the racers out
      const l = await load(lane);
      const file = l.file ?? { lane, max_seq: 0, tickets: [] };
      const at = o.now();
      const tr = t(file, at);
      if (tr.next === null && l.corrupt === null) return answer(tr.result);
      const next: QueueFile = { lane, max_seq: Math.max(file.max_seq, ...(tr.next ?? file.tickets).map((r) => r.seq)), tickets: tr.next ?? Q.liveTickets(file.tickets, lane, at) };
      const c = commit(lane, l.g, next);
      if (c === 'lost') continue;
      if (l.corrupt !== null) appendAudit(lane, `queue generation ${l.g} corrupt (${l.corrupt}); rebuilt from generation ${l.from}`);
      if (c === 'superseded') {
        first ??= { r: tr.result };
        continue;
      }
      gc(lane);
      return answer(tr.result);
    }
    throw new LaneFail('CAS-EXHAUSTED');
  };
  const failureOf = failureByCode(o.kindOf);
  const wrap = <A>(f: () => Promise<A>) => laneTask(failureOf, f);
  // Q6: refused before anything is read or written
  const checkLane = (lane: string): void => {
    if (!PG.isLaneName(lane)) throw new LaneFail('bad-lane-name');
  };
  return {
    enqueue: (lane, holder, meta) =>
      wrap(async () => {
        const refusal = Q.enqueueRefusal(lane, holder, meta);
        if (refusal !== null) throw new LaneFail(refusal);
        const id = randomHex16(); // kept across rounds: a round that finds this id already committed took the ticket (QF5)
        const r = await cas(lane, (file, at) => {
          const tr = Q.enqueueT(file.tickets, lane, holder, meta, at, file.max_seq, id);
          return { next: tr.next, result: tr.result };
        });
        return r.refreshed && r.ticket.ticket_id === id ? { ...r, refreshed: false } : r;
      }),
    dequeue: (lane, instance) =>
      wrap(async () => {
        checkLane(lane);
        return cas(
          lane,
          (file, at) => {
            const tr = Q.dequeueT(file.tickets, lane, instance, at);
            return { next: tr.result._tag === 'NotQueued' ? null : tr.next, result: tr.result };
          },
          (firstR, lastR) => (lastR._tag === 'NotQueued' && firstR._tag === 'Dequeued' ? firstR : lastR),
        );
      }),
    queue: (lane) =>
      wrap(async () => {
        checkLane(lane);
        const l = await load(lane); // read-only: a corrupt newest generation shows the rebuilt queue, repaired on the next write
        return Q.queueView(l.file?.tickets ?? [], lane, o.now());
      }),
  };
};

/** mtime of a generation file (ms), or null when it is gone; `lstat` never follows or blocks. */
const statMtime = (p: string): number | null => {
  try {
    return lstatSync(p).mtimeMs;
  } catch {
    return null;
  }
};

const unlinkQuietly = (p: string): void => {
  try {
    unlinkSync(p);
  } catch {
    // another process removed it first
  }
};
