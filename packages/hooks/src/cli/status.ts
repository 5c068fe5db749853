/**
 * `arbiter status [--json] [--watch [--interval ms]]` (status.md): one screen with the sessions of this repository
 * and what they hold, the lanes, halts, open commitments, builds, the stop gate's mode and the recent decisions that
 * blocked or asked. Read only: it writes nothing and records no decision.
 *
 * Exit codes (the verbs' convention): 0 after the snapshot is printed (a source that cannot be read is shown as
 * unavailable, not an error), and 0 when `--watch` is ended by SIGINT; 1 outside a git repository; 2 on a usage
 * error (a bad `--interval`, `--interval` without `--watch`, an unknown option).
 */
import { fstatSync, writeSync } from 'node:fs';
import type { Command } from 'commander';
import { errnoCode } from '@arbiter/io-node';
import { colourWanted, paintFor } from './colour.js';
import { die } from './util.js';
import { collectStatus, type RegistrySource } from '../status/collect.js';
import { nodeStatusSources } from '../status/node-sources.js';
import { DEFAULT_WIDTH, PLAIN, renderStatus, type Paint } from '../status/render.js';
import { snapshotJson } from '../status/json.js';

/** Default and bounds of `--interval`, ms. */
export const WATCH_INTERVAL_MS = 2_000;
export const WATCH_INTERVAL_MIN_MS = 100;
export const WATCH_INTERVAL_MAX_MS = 3_600_000;

/** `--interval`: a whole number of ms within the bounds, or `null` (usage error). */
export const parseInterval = (text: string): number | null => {
  if (!/^[0-9]{1,7}$/.test(text)) return null;
  const n = Number(text);
  return n >= WATCH_INTERVAL_MIN_MS && n <= WATCH_INTERVAL_MAX_MS ? n : null;
};

const CSI = '\x1b[';

/**
 * What `--watch` writes for one snapshot `text` (status.md §6). On a terminal (`tty`): the screen cleared the first
 * time, then cursor home, each line erased to its end and the rest of the screen erased, a redraw in place without a
 * blank flash, cut to `rows` lines (the terminal's height) with a last line saying how many were left out. Otherwise
 * no control sequence at all: the text and a line feed, after a blank line from the second
 * snapshot on, or with `json` one line per snapshot.
 */
export const watchFrame = (text: string, first: boolean, tty: boolean, json: boolean, rows = Infinity): string => {
  if (tty && !json) {
    let lines = text.split('\n');
    // a screen taller than the terminal would scroll and break the redraw: keep what fits, say what was left out
    if (lines.length > rows && rows >= 2) lines = [...lines.slice(0, rows - 1), `\u2026 ${lines.length - rows + 1} more lines (arbiter status | less)`];
    return `${first ? `${CSI}2J` : ''}${CSI}H${lines.join(`${CSI}K\n`)}${CSI}K${CSI}J`;
  }
  return json || first ? `${text}\n` : `\n${text}\n`;
};

/**
 * Whether descriptor `fd` may be a terminal: a terminal is always a character device, so anything else (a pipe, a
 * file, a socket) is certainly not one, known from one `fstat` without loading `node:tty`. `true` when unsure.
 */
const maybeTerminal = (fd: number): boolean => {
  try {
    return fstatSync(fd).isCharacterDevice();
  } catch {
    return true;
  }
};

/**
 * Write `buf` from `off` with `write` (a `writeSync` of one descriptor: it writes some bytes and says how many) until
 * all of it is written or the descriptor would block. @returns the offset reached: `buf.length` when all is written,
 * less when `write` threw EAGAIN (a full non-blocking pipe). Rethrows any other error (EPIPE: the reader went away).
 */
export const writeUntilBlocked = (buf: Uint8Array, write: (buf: Uint8Array, off: number) => number): number => {
  let off = 0;
  try {
    while (off < buf.length) off += write(buf, off);
  } catch (e) {
    if (errnoCode(e) !== 'EAGAIN') throw e;
  }
  return off;
};

/**
 * Write `text` to standard output synchronously and exit 0. A full non-blocking pipe hands the rest to
 * `process.stdout`, which waits for the reader; any error (EPIPE: the reader went away) ends it quietly, as the
 * stream's error handler below does. Never returns.
 */
const writeAndExit = (text: string): Promise<never> => {
  const buf = Buffer.from(text, 'utf8');
  let off: number;
  try {
    off = writeUntilBlocked(buf, (b, o) => writeSync(1, b, o, b.length - o));
  } catch {
    return process.exit(0);
  }
  if (off === buf.length) return process.exit(0);
  process.stdout.on('error', () => process.exit(0));
  process.stdout.write(buf.subarray(off), () => process.exit(0));
  return new Promise<never>(() => undefined);
};

/**
 * Print snapshots of the repository containing `cwd`. Without `watch`: one, then exit 0. With it: one every
 * `interval` ms until SIGINT (exit 0), redrawn in place on a terminal, else each printed after a blank line (with
 * `json`, one JSON line each). `registry` overrides the session registry source.
 */
export const runStatus = async (o: { json: boolean; watch: boolean; interval: number }, cwd: string, env: NodeJS.ProcessEnv, registry?: RegistrySource): Promise<never> => {
  const src = nodeStatusSources(cwd, env, registry);
  if (src === null) return die('not inside a git repository: arbiter status shows the sessions and stores of one repository', 1);
  /** One snapshot as text: the JSON line, or the screen `cols` wide painted with `paint`. */
  const frameOf = async (cols: number, paint: Paint): Promise<string> => {
    const snap = await collectStatus(src.readers, Date.now());
    return o.json ? snapshotJson(snap) : renderStatus(snap, cols, paint).join('\n');
  };
  if (!o.watch && !maybeTerminal(1)) {
    // one snapshot into a pipe or a file (scripts, `--json`): written straight to the descriptor, so Node's stream
    // machinery behind `process.stdout` (about 5 ms to load) is never loaded; the text is as the stream would write it
    const text = await frameOf(DEFAULT_WIDTH, o.json || !colourWanted({ isTTY: false, env }) ? PLAIN : paintFor({ isTTY: false }));
    await src.close();
    return writeAndExit(`${text}\n`);
  }
  const out = process.stdout;
  out.on('error', () => process.exit(0)); // a closed pipe (`arbiter status --watch | head`) ends the view, not an error
  const paint = o.json ? PLAIN : paintFor(out);
  const frame = (): Promise<string> => frameOf(out.isTTY === true && typeof out.columns === 'number' && out.columns > 0 ? out.columns : DEFAULT_WIDTH, paint);
  if (!o.watch) {
    const text = await frame();
    await src.close();
    out.write(`${text}\n`, () => process.exit(0));
    return new Promise<never>(() => undefined);
  }
  const tty = out.isTTY === true && !o.json;
  const stop = (): void => {
    if (tty) out.write('\n');
    void src.close().finally(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  for (let first = true; ; first = false) {
    const text = await frame();
    out.write(watchFrame(text, first, tty, o.json, typeof out.rows === 'number' && out.rows > 0 ? out.rows : Infinity));
    await new Promise((res) => setTimeout(res, o.interval));
  }
};

/** Register the `status` verb. */
export const register = (program: Command): void => {
  program
    .command('status')
    .description('one screen: sessions and what they hold, lanes, halts, commitments, builds, the stop gate, recent blocks (docs/status.md)')
    .option('--json', 'print the snapshot as one line of JSON (with --watch: one line per snapshot)')
    .option('--watch', 'redraw every --interval ms until Ctrl-C (in place on a terminal)')
    .option('--interval <ms>', `redraw interval for --watch, ms (${WATCH_INTERVAL_MIN_MS}–${WATCH_INTERVAL_MAX_MS}, default ${WATCH_INTERVAL_MS})`)
    .action(async (o: { json?: boolean; watch?: boolean; interval?: string }) => {
      if (o.interval !== undefined && o.watch !== true) return die('--interval needs --watch', 2);
      const interval = o.interval === undefined ? WATCH_INTERVAL_MS : parseInterval(o.interval);
      if (interval === null) return die(`--interval: expected a whole number of milliseconds from ${WATCH_INTERVAL_MIN_MS} to ${WATCH_INTERVAL_MAX_MS}`, 2);
      await runStatus({ json: o.json === true, watch: o.watch === true, interval }, process.cwd(), process.env);
    });
};
