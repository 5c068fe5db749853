/** Runs the `DecisionLog` contract suite against the in-memory log (io-memory) and the daily NDJSON files (io-node). */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildLogEntry } from '@arbiter/kernel';
import { memoryDecisionLog } from '@arbiter/io-memory';
import { openDecisionLog } from '@arbiter/io-node';
import { decisionLogContract } from './contract/decision-log.contract.js';

decisionLogContract('io-memory', () => memoryDecisionLog(), 100);

const root = mkdtempSync(join(tmpdir(), 'arbiter-dlog-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const NOW = 1_700_000_000_000;
decisionLogContract('io-node', () => openDecisionLog(join(root, `log${n++}`), () => NOW));

describe('io-node DecisionLog specifics', () => {
  it('a log directory that cannot be created answers LogWriteFailure (and the caller goes on: DL2)', async () => {
    const blocker = join(root, 'a-file');
    writeFileSync(blocker, 'not a directory');
    const log = openDecisionLog(join(blocker, 'log'), () => NOW);
    const entry = buildLogEntry({ decision_id: 'x', policy: 'p', policy_version: '1', now: NOW, mode: 'cli', facts: {}, verdict: 'Allow', reasons: [], duration_ms: 0 });
    const r = await log.append(entry)();
    expect(r._tag === 'Left' && r.left._tag).toBe('LogWriteFailure');
    const back = await log.read()();
    expect(back).toEqual({ _tag: 'Right', right: [] });
  });
});
