/**
 * @arbiter/hooks as a library: the wiring table, the table registry and the hook runtime, for tools that embed
 * Arbiter's hooks. The `arbiter` binary is `dist/arbiter.cjs`.
 */
export { EVENTS, LEGACY_COMMANDS, argsOf, eventRow, stageMatches, type EventName, type EventRow, type Stage, type StageId } from './wiring.js';
export { TABLES } from './tables.js';
export { HOOKS, type HookHandler } from './hook/registry.js';
export { hookUsage } from './hook/usage.js';
export { runSessionLock, type SessionLockDeps, type SessionLockRun } from './hook/session-lock.js';
export * from './hook/runtime.js';
