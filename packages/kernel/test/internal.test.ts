/** Shared kernel vocabulary: IsoMillis (architecture.md conventions §4), sanitizers, configuration (session-lock.md §3). */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isRight } from 'fp-ts/lib/Either.js';
import { IsoMillis, config, hasControl, intIn, keepOnly, msToIso, SESSION_CHAR, sessionLock as SL, strLen } from '@arbiter/kernel';

describe('IsoMillis', () => {
  it('round-trips every ms instant in the Date range through its toISOString form', () => {
    fc.assert(
      fc.property(fc.integer({ min: -62_135_596_800_000, max: 253_402_300_799_999 }), (ms) => {
        const iso = IsoMillis.encode(ms);
        const back = IsoMillis.decode(iso);
        expect(isRight(back) && back.right).toBe(ms);
      }),
    );
  });
  it('rejects anything that does not round-trip exactly', () => {
    for (const bad of ['2026-01-01T00:00:00Z', '2026-01-01T00:00:00.000+00:00', '2026-01-01', '2026-02-30T00:00:00.000Z', 1_700_000_000_000, null, '', '2026-01-01T00:00:00.0000Z']) {
      expect(isRight(IsoMillis.decode(bad))).toBe(false);
    }
    expect(msToIso(0)).toBe('1970-01-01T00:00:00.000Z');
  });
});

describe('codec helpers and sanitizers', () => {
  it('intIn and strLen accept exactly their ranges (at, one below, one above)', () => {
    const c = intIn(1, 10);
    expect([0, 1, 10, 11, 1.5, '3'].map((v) => isRight(c.decode(v)))).toEqual([false, true, true, false, false, false]);
    const s = strLen(1, 3);
    expect(['', 'a', 'abc', 'abcd', 3].map((v) => isRight(s.decode(v)))).toEqual([false, true, true, false, false]);
  });
  it('keepOnly keeps only allowed characters, cuts to max, falls back when empty, and never emits control characters', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), fc.anything()), fc.integer({ min: 1, max: 100 }), (v, max) => {
        const out = keepOnly(v, SESSION_CHAR, max, 'unknown');
        expect(out === 'unknown' || (out.length <= max && /^[A-Za-z0-9_.-]+$/.test(out))).toBe(true);
        expect(hasControl(out)).toBe(false);
      }),
    );
  });
});

describe('repository configuration', () => {
  it('absent → not configured; not JSON / wrong version / too large → invalid; valid → configured', () => {
    expect(config.parseConfig(null)).toEqual({ _tag: 'NotConfigured' });
    expect(config.parseConfig('{')._tag).toBe('Invalid');
    expect(config.parseConfig('{"version":2}')._tag).toBe('Invalid');
    expect(config.parseConfig(JSON.stringify({ version: 1, pad: 'x'.repeat(70_000) }))._tag).toBe('Invalid');
    expect(config.parseConfig('{"version":1,"future_policy":{"x":1}}')._tag).toBe('Configured');
  });
  it('session_lock.ttl_ms: used when an integer in [1 000, 86 400 000], else the default (boundaries)', () => {
    const ttl = (v: unknown) => config.sessionLockTtl(config.parseConfig(JSON.stringify({ version: 1, session_lock: { ttl_ms: v } })));
    expect([999, 1_000, 86_400_000, 86_400_001, 1_500.5, 60_000].map(ttl)).toEqual([SL.DEFAULT_TTL_MS, 1_000, 86_400_000, SL.DEFAULT_TTL_MS, SL.DEFAULT_TTL_MS, 60_000]);
    expect(config.sessionLockTtl({ _tag: 'NotConfigured' })).toBe(SL.DEFAULT_TTL_MS);
    expect(config.sessionLockTtl({ _tag: 'Invalid', detail: 'x' })).toBe(SL.DEFAULT_TTL_MS);
    expect(config.parseConfig(JSON.stringify(config.defaultConfig()))._tag).toBe('Configured');
  });
});
