/** Runs the `Clock` contract suite against the fake clock (io-memory) and the system clock (io-node). */
import { describe, expect, it } from 'vitest';
import { fakeClock } from '@arbiter/io-memory';
import { systemClock } from '@arbiter/io-node';
import { clockContract } from './contract/clock.contract.js';

clockContract('io-memory', () => fakeClock());
clockContract('io-node', () => systemClock);

describe('fake clock specifics', () => {
  it('time moves only when told: advance adds exactly, set replaces', () => {
    const c = fakeClock(1_000);
    expect([c.now(), c.now()]).toEqual([1_000, 1_000]);
    c.advance(250);
    expect(c.now()).toBe(1_250);
    c.set(5_000);
    expect(c.now()).toBe(5_000);
  });
});

describe('system clock specifics', () => {
  it('reads the wall clock (within the time of the call)', () => {
    const before = Date.now();
    const t = systemClock.now();
    expect(t).toBeGreaterThanOrEqual(before);
    expect(t).toBeLessThanOrEqual(Date.now());
  });
});
