/**
 * In-memory `StateFiles` (kernel `ports/state-files.ts`) with fault injection: the same contract as the filesystem
 * adapter (test/contract/state-files.contract.ts). `update` runs read-modify-write without yielding, which is what
 * the file mutex guarantees on disk.
 */
import type { StateFileFailure, StateFileName, StateFiles } from '@arbiter/kernel';

/** A memory store with switches for failures (tests). */
export interface MemoryStateFiles extends StateFiles {
  /** Current texts (for assertions). */
  readonly snapshot: () => Readonly<Record<string, string>>;
  /** Make the next operations on `name` fail with `failure` (null clears). */
  readonly fail: (name: StateFileName, failure: StateFileFailure | null) => void;
  /** Number of writes per file (for "no write happened" assertions). */
  readonly writes: (name: StateFileName) => number;
}

const NAMES: ReadonlySet<string> = new Set<StateFileName>(['build-state.json', 'stop-gate.json', 'stop-gate-continues.json']);

/** Create a memory store, optionally seeded with file texts. */
export const memoryStateFiles = (seed: Partial<Record<StateFileName, string>> = {}, dir = '/memory/arbiter'): MemoryStateFiles => {
  const files = new Map<string, string>(Object.entries(seed).filter((e): e is [string, string] => typeof e[1] === 'string'));
  const failures = new Map<string, StateFileFailure>();
  const writeCount = new Map<string, number>();
  const bump = (n: string): void => {
    writeCount.set(n, (writeCount.get(n) ?? 0) + 1);
  };
  const unknown = (): StateFileFailure => ({ _tag: 'WriteFailed', detail: 'unknown state file' });
  return {
    dir,
    read: (name) => async () => {
      if (!NAMES.has(name)) return { _tag: 'Left', left: { _tag: 'ReadFailed', detail: 'unknown state file' } };
      const f = failures.get(name);
      if (f !== undefined) return { _tag: 'Left', left: f };
      return { _tag: 'Right', right: files.get(name) ?? null };
    },
    replace: (name, text) => async () => {
      if (!NAMES.has(name)) return { _tag: 'Left', left: unknown() };
      const f = failures.get(name);
      if (f !== undefined) return { _tag: 'Left', left: f };
      files.set(name, text);
      bump(name);
      return { _tag: 'Right', right: undefined };
    },
    update: (name, fn) => async () => {
      if (!NAMES.has(name)) return { _tag: 'Left', left: unknown() };
      const f = failures.get(name);
      if (f !== undefined) return { _tag: 'Left', left: f };
      let step;
      try {
        step = fn(files.get(name) ?? null);
      } catch {
        return { _tag: 'Left', left: { _tag: 'WriteFailed', detail: 'update function threw' } };
      }
      if (step.next !== null) {
        files.set(name, step.next);
        bump(name);
      }
      return { _tag: 'Right', right: step.result };
    },
    snapshot: () => Object.fromEntries(files),
    fail: (name, failure) => {
      if (failure === null) failures.delete(name);
      else failures.set(name, failure);
    },
    writes: (name) => writeCount.get(name) ?? 0,
  };
};
