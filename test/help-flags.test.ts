/**
 * Where `--help` / `-h` asks for help (hooks.md §6, README "Verbs"): anywhere before the `--` that ends the options,
 * including where an option would take it as its value; never after it. The hook dispatcher's rule
 * (`parseHookArgs().help`) and the verbs' rule (`helpTarget`) are checked over generated command lines; the built
 * binary's answers are in cli-usage.e2e.test.ts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseHookArgs } from '../packages/hooks/src/invocation.js';
import { buildProgram, helpTarget } from '../packages/hooks/src/cli/index.js';

const VALUES = ['claude', 'codex', 'session-start', '--help', '-h', 'x'];
/** One unit of a command line: a string option with its value, a flag, a word, or the terminator `--`. */
const unit = fc.oneof(
  fc.constantFrom('--agent', '--event', '--reason', '--session').chain((o) => fc.constantFrom(...VALUES).map((v) => [o, v])),
  fc.constantFrom(['--post'], ['--dry-run'], ['--help'], ['-h'], ['--'], ['acquire'], ['main'], ['--agent=--help'], ['--unknown']),
);
const line = fc.array(unit, { maxLength: 8 });
/** The oracle: a help token in a unit before the first `--` unit. */
const asksHelp = (units: ReadonlyArray<ReadonlyArray<string>>): boolean => {
  const end = units.findIndex((u) => u.length === 1 && u[0] === '--');
  return (end === -1 ? units : units.slice(0, end)).some((u) => u.includes('--help') || u.includes('-h'));
};

describe('help flags', () => {
  it('a hook asks for help exactly when --help or -h comes before the first --, even as an option value', () => {
    fc.assert(
      fc.property(fc.constantFrom('pre-tool', 'context', 'session-lock', 'pre-push'), line, (hook, units) => {
        expect(parseHookArgs([hook, ...units.flat()]).help).toBe(asksHelp(units));
      }),
    );
  });

  it('a verb asks for help exactly when --help or -h comes before the first --; the target is the deepest named command', () => {
    const program = buildProgram();
    fc.assert(
      fc.property(fc.constantFrom(['lane', 'halt'], ['deploy'], ['breaker', 'record'], ['log']), line, (words, units) => {
        const t = helpTarget(program, [...words, ...units.flat()]);
        expect(t !== null).toBe(asksHelp(units));
        if (t !== null) expect(t.name()).toBe(words[words.length - 1]);
      }),
    );
    expect(helpTarget(program, ['--help', 'lane'])?.name()).toBe('arbiter');
    expect(helpTarget(program, ['lane', 'nope', '-h'])?.name()).toBe('lane');
    expect(helpTarget(program, ['classify', 'claim', '--', 'I will', '--help'])).toBeNull();
  });
});
