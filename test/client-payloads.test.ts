/**
 * The hooks' payload decoders on payloads the real clients sent (test/fixtures/clients/<client>/<event>.json,
 * captured by test/clients/payloads.e2e.test.ts from Claude Code 2.1.332 and Codex 0.171.0, ids and paths scrubbed).
 * Each fixture must decode, reach a registered event row whose matcher takes its tool, and give the facts Arbiter reads
 * from it: the command, the session, the outcome of a shell call (action-claim.md §5.2), the Stop fields.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { actionClaim, pushGate } from '@arbiter/kernel';
import { bashCommandOf, isMutatingTool, type Agent } from '@arbiter/kernel/early';
import { EVENTS, stageMatches } from '../packages/hooks/src/wiring.js';
import { objectOf } from '../packages/hooks/src/hook/json-object.js';

const DIR = join(__dirname, 'fixtures', 'clients');
const fixtures = (['claude', 'codex'] as const).flatMap((client) =>
  readdirSync(join(DIR, client))
    .filter((f) => f.endsWith('.json'))
    .map((f) => ({ client, name: f.slice(0, -'.json'.length), text: readFileSync(join(DIR, client, f), 'utf8') })),
);
const fixture = (client: Agent, name: string): Record<string, unknown> => {
  const f = fixtures.find((x) => x.client === client && x.name === name);
  if (f === undefined) throw new Error(`missing fixture ${client}/${name}`);
  return objectOf(f.text) as Record<string, unknown>;
};

describe('real client payloads decode', () => {
  it('there is a fixture for every event each client fired', () => {
    expect(fixtures.filter((f) => f.client === 'claude').map((f) => f.name.split('-')[0]).sort()).toEqual(
      expect.arrayContaining(['PostToolUse', 'PostToolUseFailure', 'PreToolUse', 'SessionEnd', 'SessionStart', 'Stop', 'UserPromptSubmit']),
    );
    expect(fixtures.filter((f) => f.client === 'codex').map((f) => f.name.split('-')[0]).sort()).toEqual(
      expect.arrayContaining(['PostToolUse', 'PreToolUse', 'SessionStart', 'Stop', 'UserPromptSubmit']),
    );
  });

  it.each(fixtures.map((f) => [`${f.client}/${f.name}`, f] as const))('%s: an object with the common fields, for an event Arbiter registers', (_n, f) => {
    const o = objectOf(f.text);
    expect(o).not.toBeNull();
    const p = o as Record<string, unknown>;
    const event = f.name.split('-')[0];
    expect(p['hook_event_name']).toBe(event);
    expect(typeof p['session_id']).toBe('string');
    expect(typeof p['cwd']).toBe('string');
    const rows = EVENTS.filter((r) => r.client === f.client && r.event === event);
    expect(rows.length, `${f.client} ${event} is registered`).toBe(1);
  });

  it.each(fixtures.filter((f) => f.name.startsWith('PreToolUse') || f.name.startsWith('PostToolUse')).map((f) => [`${f.client}/${f.name}`, f] as const))(
    '%s: the tool call decodes and the registration of its event covers the tool',
    (_n, f) => {
      const p = objectOf(f.text) as Record<string, unknown>;
      const ti = p['tool_input'] as Record<string, unknown>;
      const row = EVENTS.find((r) => r.client === f.client && r.event === f.name.split('-')[0]);
      expect(isMutatingTool(f.client, p['tool_name'])).toBe(true);
      if (typeof ti['command'] === 'string') {
        expect(pushGate.decodeAgentPayload(p)?.command).toBe(ti['command']);
        expect(bashCommandOf(p)).toBe(ti['command']);
      }
      // the session lock's stage of pre-tool takes every mutating tool the client sent
      if (f.name.startsWith('PreToolUse')) expect(row?.stages.filter((s) => stageMatches(s, p['tool_name'])).map((s) => s.id)).toContain('session-lock acquire');
    },
  );

  it('Claude Code: a successful Bash call is a success; a failed one arrives as PostToolUseFailure with "Exit code N"', () => {
    const ok = fixture('claude', 'PostToolUse');
    expect(actionClaim.commandOutcome('claude', ok['tool_input'], ok['tool_response'])).toBe('succeeded');
    const failed = fixture('claude', 'PostToolUseFailure');
    expect(failed['error']).toMatch(/^Exit code 1\n/);
  });

  it('Codex: the outcome of a shell call is read from its output string (a push report versus error:)', () => {
    const ok = fixture('codex', 'PostToolUse');
    expect(typeof ok['tool_response']).toBe('string');
    // a push report counts as success only for a command the caller classified as a push (action-claim.md §5.2)
    expect(actionClaim.commandOutcome('codex', ok['tool_input'], ok['tool_response'], true)).toBe('succeeded');
    expect(actionClaim.commandOutcome('codex', ok['tool_input'], ok['tool_response'], false)).toBe('unknown');
    const failed = fixture('codex', 'PostToolUse-failed');
    expect(actionClaim.commandOutcome('codex', failed['tool_input'], failed['tool_response'])).toBe('failed');
    const patch = fixture('codex', 'PostToolUse-apply_patch');
    expect(actionClaim.commandOutcome('codex', patch['tool_input'], patch['tool_response'])).toBe('succeeded');
  });

  it.each(['claude', 'codex'] as const)('%s: Stop carries stop_hook_active and last_assistant_message', (client) => {
    const p = fixture(client, 'Stop');
    expect(p['stop_hook_active']).toBe(false);
    expect(p['last_assistant_message']).toBe('Pushed.');
  });
});
