/**
 * In-memory engine-lock row (engine-lock.md §6): row `id = 1` with the compare-and-set statements of
 * the engine lock (insert, replace-if, update-heartbeat-if, delete-if) and a fenced write transaction. Used by the
 * LK-9 model-based test and by simulations; a SQL adapter implements the same statements on the database.
 */
import { engineLock } from '@arbiter/kernel';

type Token = engineLock.Token;

/** The row as stored: the owner's token and its heartbeat (ms since the epoch), or absent. */
export type StoredLockRow = { readonly token: Token; readonly heartbeat: number } | null;

/** One committed fenced write, as recorded by the row (for invariant checks). */
export interface FencedCommit {
  readonly by: Token;
  readonly rowTokenAtCommit: Token | null;
  readonly label: string;
}

/** The in-memory row. Every method is one atomic statement (JavaScript runs it without interleaving). */
export interface MemoryEngineLockRow {
  /** Read row 1 as the kernel sees it (`Absent` or `Present`; never corrupt here). */
  readonly read: () => engineLock.Row;
  /** Raw stored value. */
  readonly peek: () => StoredLockRow;
  /** `InsertLockRow`: `inserted`, or `constraint` when the row exists. */
  readonly insert: (self: Token, heartbeat: number) => 'inserted' | 'constraint';
  /** `ReplaceLockRowIf`: rows affected (1 when the stored token equals `expected`). */
  readonly replaceIf: (expected: Token, next: Token, heartbeat: number) => number;
  /** `UpdateHeartbeatIf`: rows affected. */
  readonly updateHeartbeatIf: (token: Token, at: number) => number;
  /** `DeleteLockRowIf`: rows affected. */
  readonly deleteIf: (token: Token) => number;
  /**
   * A fenced write transaction (engine-lock.md §6 "Fencing"): commits (and records) only when row 1 carries `token` at commit
   * time. @returns true when committed, false when rolled back (the caller handles it as `Lost`).
   */
  readonly fencedWrite: (token: Token, label: string) => boolean;
  /** Every committed fenced write, in order. */
  readonly commits: () => ReadonlyArray<FencedCommit>;
  /** Run one kernel lock effect and return rows affected (insert: 1 or 0). */
  readonly run: (e: engineLock.InsertLockRow | engineLock.ReplaceLockRowIf | engineLock.UpdateHeartbeatIf | engineLock.DeleteLockRowIf) => number;
}

/** Create an empty row. */
export const memoryEngineLockRow = (): MemoryEngineLockRow => {
  let row: StoredLockRow = null;
  const log: FencedCommit[] = [];
  const holds = (t: Token): boolean => row !== null && engineLock.sameToken(row.token, t);
  const api: MemoryEngineLockRow = {
    read: () => (row === null ? { _tag: 'Absent' } : { _tag: 'Present', token: row.token, heartbeat: { _tag: 'At', at: row.heartbeat } }),
    peek: () => row,
    insert: (self, heartbeat) => {
      if (row !== null) return 'constraint';
      row = { token: self, heartbeat };
      return 'inserted';
    },
    replaceIf: (expected, next, heartbeat) => {
      if (!holds(expected)) return 0;
      row = { token: next, heartbeat };
      return 1;
    },
    updateHeartbeatIf: (token, at) => {
      if (!holds(token) || row === null) return 0;
      row = { token: row.token, heartbeat: at };
      return 1;
    },
    deleteIf: (token) => {
      if (!holds(token)) return 0;
      row = null;
      return 1;
    },
    fencedWrite: (token, label) => {
      if (!holds(token)) return false;
      log.push({ by: token, rowTokenAtCommit: row === null ? null : row.token, label });
      return true;
    },
    commits: () => log,
    run: (e) => {
      switch (e._tag) {
        case 'InsertLockRow':
          return api.insert(e.self, e.heartbeat) === 'inserted' ? 1 : 0;
        case 'ReplaceLockRowIf':
          return api.replaceIf(e.expected, e.next, e.heartbeat);
        case 'UpdateHeartbeatIf':
          return api.updateHeartbeatIf(e.token, e.at);
        case 'DeleteLockRowIf':
          return api.deleteIf(e.token);
      }
    },
  };
  return api;
};
