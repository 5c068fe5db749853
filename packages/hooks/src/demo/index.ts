/**
 * `arbiter demo`: the main job on the embedded default, in a temporary directory, with the real binary and real
 * git. Sections run in order; each policy adds one (add a line below).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sessionLock, tableToMarkdown } from '@arbiter/kernel';
import { demoContext, type DemoContext } from './context.js';
import * as sessionLockDemo from './session-lock.js';
import * as buildStopDemo from './build-stop.js';
import * as stateLockDemo from './state-lock.js';
import * as breakerDemo from './breaker.js';
import * as convoyDemo from './convoy.js';
import * as pushGateDemo from './push-gate.js';
import * as claimsDemo from './claims.js';
import * as twoMachinesDemo from './two-machines.js';
import * as landDemo from './land.js';

/** Demo sections in narrative order. */
export const SECTIONS: ReadonlyArray<{ readonly name: string; readonly run: (ctx: DemoContext) => Promise<void> }> = [
  { name: 'session-lock', run: sessionLockDemo.run },
  { name: 'push-gate', run: pushGateDemo.run },
  { name: 'two-machines', run: twoMachinesDemo.run },
  { name: 'land', run: landDemo.run },
  { name: 'build-stop', run: buildStopDemo.run },
  { name: 'state-lock', run: stateLockDemo.run },
  { name: 'breaker', run: breakerDemo.run },
  { name: 'convoy', run: convoyDemo.run },
  { name: 'action-claims', run: claimsDemo.run },
];

/** Run every section with the binary at `bin`; keeps the scratch directory when `keep` is true. */
export const runDemo = async (bin: string, keep = false): Promise<void> => {
  const tmp = mkdtempSync(join(tmpdir(), 'arbiter-demo-'));
  const ctx = demoContext(bin, tmp);
  try {
    // each section gets its own scratch directory and state directory, so no two sections collide
    for (const s of SECTIONS) {
      const dir = join(tmp, s.name);
      mkdirSync(dir, { recursive: true });
      await s.run(demoContext(bin, dir));
    }
    ctx.heading('Decision table excerpt: session-lock (arbiter table session-lock)');
    const md = tableToMarkdown(sessionLock.table()).split('\n');
    const start = md.findIndex((l) => l.startsWith('| newest generation'));
    for (const l of md.slice(start, start + 8)) ctx.say(l);
    ctx.say('… full tables in docs/tables/*.md');
  } finally {
    if (keep) process.stdout.write(`\nscratch kept at ${tmp}\n`);
    else rmSync(tmp, { recursive: true, force: true });
  }
};
