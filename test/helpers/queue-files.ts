/**
 * Helpers shared by the landing-queue suites (test/lane-queue.test.ts in process, test/lane-queue.multiprocess.test.ts
 * with real processes): throwaway roots, the newest queue generation on disk, and waiter fixtures.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { fsLaneStore, laneKey } from '@arbiter/io-node';

/** A function that makes throwaway directories, all removed after the calling file's tests. */
export const tmpDirs = (): (() => string) => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  return () => {
    const d = mkdtempSync(join(tmpdir(), 'arbiter-queue-'));
    dirs.push(d);
    return d;
  };
};

/** The newest queue generation of `lane` under `root`: its number and text (null when none). */
export const newestFile = (root: string, lane: string): { g: number; text: string } | null => {
  const dir = join(root, 'queue');
  if (!existsSync(dir)) return null;
  const gens = readdirSync(dir)
    .filter((n) => n.startsWith(`${laneKey(lane)}.json.`))
    .map((n) => Number(n.slice(laneKey(lane).length + 6)))
    .sort((a, b) => a - b);
  const g = gens.at(-1);
  return g === undefined ? null : { g, text: readFileSync(join(dir, `${laneKey(lane)}.json.${g}`), 'utf8') };
};

/** Waiter `i`'s identity. */
export const H = (i: number) => ({ handle: `u${i}`, session: `s${i}`, instance: `inst-${i}`, host: 'h' });
/** The ticket metadata every fixture enqueues with. */
export const META = { branch: 'feature/x', ttl_ms: 60_000 };

/** Run a store call and return its Right value; throws with the Left when it failed. */
export const right = async <A>(t: () => Promise<{ _tag: string; right?: A; left?: unknown }>): Promise<A> => {
  const r = await t();
  if (r._tag !== 'Right') throw new Error(JSON.stringify(r.left));
  return r.right as A;
};

/** The instances waiting on `lane`, in queue order. */
export const instances = async (s: ReturnType<typeof fsLaneStore>, lane: string): Promise<string[]> => (await right(s.queue(lane))).map((v) => v.instance);
