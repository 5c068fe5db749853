import { describe, expect, it } from 'vitest';
import {
  classifyPushCommand,
  MAX_COMMAND_CHARS,
  type PushClassification,
  type PushInvocation,
  type PushTarget,
} from '../src/push-classifier.js';
import { EXAMPLES } from './push-classifier.examples.js';

/** Compact rendering of a classification (notation documented in push-classifier.examples.ts). */
export const showTarget = (t: PushTarget): string => {
  const dst = t.dst.kind === 'same' ? '' : t.dst.kind === 'unknown' ? '?' : t.dst.kind === 'ref' ? t.dst.ref : t.dst.name;
  const f = t.force ? '+' : '';
  if (t.op === 'delete') return `${f}:${dst}`;
  const s = t.src;
  const src =
    s.kind === 'current' ? '@cur'
    : s.kind === 'head' ? s.text
    : s.kind === 'ref' ? s.ref
    : s.kind === 'name' ? s.name
    : s.kind === 'expr' ? `expr(${s.expr})`
    : s.kind === 'unknown' ? '?'
    : '';
  return f + src + (t.dst.kind === 'same' ? '' : `:${dst}`);
};
export const showInvocation = (inv: PushInvocation): string => {
  if (inv.fallback) return 'FB';
  const parts = [inv.remote ?? '-', ...inv.targets.map(showTarget)];
  if (inv.force) parts.push('[force]');
  if (inv.no_verify) parts.push('[no-verify]');
  for (const b of inv.broad) parts.push(`[${b}]`);
  if (inv.dir_hints.length > 0) parts.push(`[dir ${inv.dir_hints.map((h) => `${h.kind}=${h.path}`).join(',')}]`);
  if (inv.dir_uncertain) parts.push('[dir?]');
  return parts.join(' ');
};
export const show = (c: PushClassification): string => {
  if (c._tag === 'NotPush') return c.reason === 'git-dry-run' ? 'dry' : 'no';
  const body = c.invocations.map(showInvocation).join(' ; ');
  return c.confidence === 'fallback' ? `FALLBACK(${c.fallback}) ${body}` : body;
};

describe('push classifier examples (§6.10 and git-push(1) grammar)', () => {
  it('has at least 150 distinct command strings', () => {
    expect(new Set(EXAMPLES.map((e) => e[1])).size).toBeGreaterThanOrEqual(150);
  });
  it.each(EXAMPLES.map(([rule, cmd, exp]) => ({ rule, cmd, exp })))('$rule: $cmd', ({ cmd, exp }) => {
    expect(show(classifyPushCommand(cmd))).toBe(exp);
  });
});

describe('boundaries', () => {
  const pad = (n: number, tail: string): string => ' '.repeat(n - tail.length) + tail;
  it('MAX_COMMAND_CHARS: at the limit the parser runs (exact), one above goes to the fallback (too-long)', () => {
    const tail = 'git push origin main';
    expect(show(classifyPushCommand(pad(MAX_COMMAND_CHARS, tail)))).toBe('origin main');
    expect(show(classifyPushCommand(pad(MAX_COMMAND_CHARS - 1, tail)))).toBe('origin main');
    expect(show(classifyPushCommand(pad(MAX_COMMAND_CHARS + 1, tail)))).toBe('FALLBACK(too-long) FB');
  });
  it('MAX_COMMAND_CHARS: too long without a git…push token sequence is NotPush (F4)', () => {
    expect(show(classifyPushCommand(pad(MAX_COMMAND_CHARS + 1, 'echo push git')))).toBe('no');
  });
  it('non-strings are NotPush no-git-push', () => {
    for (const v of [undefined, null, 42, {}, ['git push'], { command: 'git push' }, true])
      expect(classifyPushCommand(v)).toEqual({ _tag: 'NotPush', reason: 'no-git-push' });
  });
  it('the empty string and blanks are NotPush', () => {
    expect(show(classifyPushCommand(''))).toBe('no');
    expect(show(classifyPushCommand(' \t\n '))).toBe('no');
  });
});
