/**
 * Stop-gate router: should a session that is trying to end its turn be sent back to work? Two local text guards
 * (stated continuation, false-excuse deferral) and an optional HTTP authority; off by default, blocks only in
 * `enforce`, and every failure lets the session stop.
 *
 * Normative source: stop-gate.md (policy `stop-gate`, version 1.0.0), with architecture.md conventions winning:
 * gate state and continue counts live in the repository runtime directory, instants on disk are ISO-8601 UTC with
 * milliseconds, and reason codes are lowercase kebab-case without the spec's `sg.` area prefix.
 *
 * Pure: no I/O, no clock, no randomness, no environment. The authority token arrives as a fact.
 *
 * The namespace's face. Modules: `settings.ts` (constants, configuration), `state.ts` (gate state and continue
 * counter), `guards.ts` (payload, local text guards), `authority.ts` (evidence and the authority HTTP contract),
 * `step.ts` (facts, verdicts, the step and its driver); here: rendering and the table.
 */
import { type ProbeAnswer } from '../internal/step.js';
import type { DecisionTable } from '../internal/table.js';
import { CONTINUE_CEILING, DEFAULT_SETTINGS, EVALUATE_TIMEOUT_MS, GIT_HISTORY_BUDGET_MS, GIT_TIMEOUT_MS, HOT_PATH_TIMEOUT_MS, POLICY, POLICY_VERSION, type StopGateSettings } from './settings.js';
import { type Payload } from './guards.js';
import { type ScriptedAnswers, run } from './step.js';

export * from './settings.js';
export * from './state.js';
export * from './guards.js';
export * from './authority.js';
export * from './step.js';

// ───────────────────────────────────────── rendering (stop-gate.md §10, hooks.md §7 rule 3) ─────────────────────────────────────

/**
 * Render a Stop-hook answer for Claude Code and Codex alike (hooks.md §7 rule 3, build-stop.md §9, stop-gate.md §10): `{}` to allow, or
 * `{"decision":"block","reason":<text>}` to block (a blank reason renders as allow, so a block always carries a
 * non-blank reason). One JSON object plus LF; exit code 0 is the caller's.
 */
export const renderStop = (block: string | null): string =>
  block === null || block.trim() === '' ? '{}\n' : JSON.stringify({ decision: 'block', reason: block }) + '\n';

// ───────────────────────────────────────── table ─────────────────────────────────────────

const TABLE_NOW = 1_700_000_000_000;

/**
 * The stop-gate decision table: abstract situations (payload, gate state, guard hits, authority answers) through
 * {@link run}. Guard examples are the spec's; the authority is `http://127.0.0.1:4100/internal/stop-gate`.
 */
export const table = (): DecisionTable => {
  const withAuth: StopGateSettings = { ...DEFAULT_SETTINGS, authority: { baseUrl: 'http://127.0.0.1:4100/internal/stop-gate', token: null } };
  const ok = <A>(value: A): ProbeAnswer<A, never> => ({ ok: true, value });
  const fail = <K extends string>(kind: K): ProbeAnswer<never, K> => ({ ok: false, error: { kind, detail: kind } });
  const obj = (o: Record<string, unknown>): Payload => ({ _tag: 'Object', value: o });
  const plain = { session_id: 'S1', last_assistant_message: 'All tests pass; the change is merged.' };
  const g1 = { session_id: 'S1', last_assistant_message: "I'll run the migration now." };
  const g2 = { session_id: 'S1', last_assistant_message: "The real fix is clear but it's late, so I'll leave it for the next session." };
  const gate = (mode: string, kill = false) => () => ok(JSON.stringify({ version: 1, mode, killSwitch: kill, updatedAt: '2026-01-01T00:00:00.000Z' }));
  const cont = (n: number) => () => ok(n === 0 ? null : JSON.stringify({ version: 1, sessions: { S1: { count: n, lastAt: '2026-01-01T00:00:00.000Z' } } }));
  const hot = (o: Record<string, unknown> = {}) => () => ok(JSON.stringify({ mode: 'enforce', ...o }));
  const ev = (o: Record<string, unknown>) => () => ok(JSON.stringify(o));
  type Case = [string, Payload, string, boolean, ScriptedAnswers];
  const cases: Case[] = [
    ['stdin unreadable', { _tag: 'Unreadable' }, '—', false, {}],
    ['empty stdin', { _tag: 'Empty' }, '—', false, {}],
    ['malformed JSON', { _tag: 'Malformed' }, '—', false, {}],
    ['stop_hook_active true', obj({ ...g1, stop_hook_active: true }), 'enforce', true, { gateState: gate('enforce') }],
    ['no session id', obj({ last_assistant_message: 'x' }), 'enforce', true, { gateState: gate('enforce') }],
    ['gate state unreadable', obj(plain), '(unreadable)', true, { gateState: () => ok('{oops') }],
    ['kill switch on', obj(g1), 'enforce + kill', true, { gateState: gate('enforce', true) }],
    ['gate file absent', obj(g1), 'off (absent)', true, { gateState: () => ok(null) }],
    ['mode off', obj(g1), 'off', true, { gateState: gate('off') }],
    ['guard 1 hit', obj(g1), 'enforce', false, { gateState: gate('enforce') }],
    ['guard 1 hit', obj(g1), 'shadow', false, { gateState: gate('shadow') }],
    ['guard 2 hit', obj(g2), 'enforce', false, { gateState: gate('enforce') }],
    ['no guard hit', obj(plain), 'enforce', false, { gateState: gate('enforce') }],
    ['continue count unreadable', obj(plain), 'enforce', true, { gateState: gate('enforce'), continueCount: () => fail('failed') }],
    ['continue count 2', obj(plain), 'enforce', true, { gateState: gate('enforce'), continueCount: cont(2) }],
    ['hot path timeout', obj(plain), 'enforce', true, { gateState: gate('enforce'), continueCount: cont(0), hotPath: () => fail('timeout') }],
    ['hot path unreachable', obj(plain), 'enforce', true, { gateState: gate('enforce'), continueCount: cont(0), hotPath: () => fail('unreachable') }],
    ['hot path 401/5xx', obj(plain), 'enforce', true, { gateState: gate('enforce'), continueCount: cont(0), hotPath: () => fail('http-status') }],
    ['hot path garbage body', obj(plain), 'enforce', true, { gateState: gate('enforce'), continueCount: cont(0), hotPath: () => ok('<html>') }],
    ['remote kill switch', obj(plain), 'enforce', true, { gateState: gate('enforce'), continueCount: cont(0), hotPath: hot({ killSwitch: true }) }],
    ['remote mode off', obj(plain), 'enforce', true, { gateState: gate('enforce'), continueCount: cont(0), hotPath: hot({ mode: 'off' }) }],
    ['compaction in flight', obj(plain), 'enforce', true, { gateState: gate('enforce'), continueCount: cont(0), hotPath: hot({ compactionInFlight: true }) }],
    ['evaluate timeout', obj(plain), 'enforce', true, { gateState: gate('enforce'), continueCount: cont(0), hotPath: hot(), gitFiles: () => ok([]), evaluate: () => fail('timeout') }],
    ['evaluate connection refused', obj(plain), 'enforce', true, { gateState: gate('enforce'), continueCount: cont(0), hotPath: hot(), gitFiles: () => ok([]), evaluate: () => fail('unreachable') }],
    ['evaluate 400/5xx', obj(plain), 'enforce', true, { gateState: gate('enforce'), continueCount: cont(0), hotPath: hot(), gitFiles: () => ok([]), evaluate: () => fail('http-status') }],
    ['evaluate unknown decision', obj(plain), 'enforce', true, { gateState: gate('enforce'), continueCount: cont(0), hotPath: hot(), gitFiles: () => ok([]), evaluate: ev({ decision: 'maybe' }) }],
    ['authority continue + reminder, count 1', obj(plain), 'enforce', true, { gateState: gate('enforce'), continueCount: cont(1), hotPath: hot(), gitFiles: () => ok([]), evaluate: ev({ decision: 'continue', reminder: 'Finish the spec.', rule: 'R1' }) }],
    ['authority continue + reminder', obj(plain), 'shadow', true, { gateState: gate('shadow'), hotPath: hot(), gitFiles: () => ok([]), evaluate: ev({ decision: 'continue', reminder: 'Finish the spec.' }) }],
    ['authority continue, blank reminder', obj(plain), 'enforce', true, { gateState: gate('enforce'), continueCount: cont(0), hotPath: hot(), gitFiles: () => ok([]), evaluate: ev({ decision: 'continue', reminder: '  ' }) }],
    ['authority allow', obj(plain), 'enforce', true, { gateState: gate('enforce'), continueCount: cont(0), hotPath: hot(), gitFiles: () => ok([]), evaluate: ev({ decision: 'allow' }) }],
    ['authority escalate', obj(plain), 'enforce', true, { gateState: gate('enforce'), continueCount: cont(0), hotPath: hot(), gitFiles: () => ok([]), evaluate: ev({ decision: 'escalate' }) }],
    ['authority force_allow', obj(plain), 'enforce', true, { gateState: gate('enforce'), continueCount: cont(0), hotPath: hot(), gitFiles: () => ok([]), evaluate: ev({ decision: 'force_allow' }) }],
    ['git evidence fails (degrades)', obj(plain), 'enforce', true, { gateState: gate('enforce'), continueCount: cont(0), hotPath: hot(), gitFiles: () => fail('timeout'), evaluate: ev({ decision: 'allow' }) }],
  ];
  const rows = cases.map(([situation, payload, mode, authority, answers]) => {
    const { step: s, probes } = run({ payload, settings: authority ? withAuth : DEFAULT_SETTINGS, now: TABLE_NOW }, answers);
    const v = s.outcome;
    return [
      situation,
      mode,
      authority ? 'yes' : 'no',
      probes.map((q) => q._tag).join(' → ') || '—',
      v._tag,
      v.reasons[0],
      v._tag === 'Allow' ? (v.failOpen ? 'yes' : 'no') : '—',
      s.effects.map((e) => (e._tag === 'Audit' ? `Audit(${e.reason})` : e._tag)).join(', ') || '—',
    ];
  });
  return {
    policy: POLICY,
    version: POLICY_VERSION,
    title: 'Stop gate: send a stopping session back to work? Blocks only in enforce, on a local guard hit or an authority continue with a reminder.',
    columns: ['situation', 'gate mode', 'authority', 'probes', 'verdict', 'reason', 'fail-open', 'effects'],
    rows,
    notes: [
      `Continue ceiling ${CONTINUE_CEILING} per session (counted only for enforce blocks); hot path ${HOT_PATH_TIMEOUT_MS} ms, evaluate ${EVALUATE_TIMEOUT_MS} ms, git ${GIT_TIMEOUT_MS} ms per call and ${GIT_HISTORY_BUDGET_MS} ms in total.`,
      'Guard 1 (stated continuation, min length 8): a commit phrase and an imminent phrase. Guard 2 (false-excuse deferral, min length 40): an excuse phrase and a known-work phrase.',
      'Kill switch and mode off silence everything after the gate state is read (no guard, no authority, no audit).',
      'Fail direction: open. Every failure (stdin, state files, HTTP, decoding) allows with fail-open = yes; evidence probes (git, transcript) degrade to empty evidence.',
    ],
  };
};
