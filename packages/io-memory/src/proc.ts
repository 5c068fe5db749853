/** Scripted process table for tests: liveness answers per pid, and a record of every probe asked. */
import type { PidLiveness, Proc } from '@arbiter/kernel';

/** A `Proc` whose answers come from a map (default `unknown`), recording each probed pid. */
export interface ScriptedProc extends Proc {
  readonly set: (pid: number, answer: PidLiveness) => void;
  readonly probed: () => ReadonlyArray<number>;
}

/** Create a scripted process table. */
export const scriptedProc = (answers: Record<number, PidLiveness> = {}): ScriptedProc => {
  const map = new Map<number, PidLiveness>(Object.entries(answers).map(([k, v]) => [Number(k), v]));
  const asked: number[] = [];
  return {
    pidAlive: (pid) => () => {
      asked.push(pid);
      return Promise.resolve(map.get(pid) ?? 'unknown');
    },
    set: (pid, a) => {
      map.set(pid, a);
    },
    probed: () => asked,
  };
};
