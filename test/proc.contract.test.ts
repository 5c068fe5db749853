/** Runs the `Proc` contract suite against the scripted process table (io-memory) and the real one (io-node). */
import { spawn } from 'node:child_process';
import { scriptedProc } from '@arbiter/io-memory';
import { nodeProc } from '@arbiter/io-node';
import { procContract } from './contract/proc.contract.js';

procContract('io-memory', async () => ({ proc: scriptedProc({ 4242: 'alive', 4343: 'dead' }), live: 4242, dead: 4343 }));

/** The pid of a child that has exited and been reaped (so the process table no longer has it). */
const exitedPid = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', () => (child.pid === undefined ? reject(new Error('no pid')) : resolve(child.pid)));
  });

procContract('io-node', async () => ({ proc: nodeProc, live: process.pid, dead: await exitedPid() }));
