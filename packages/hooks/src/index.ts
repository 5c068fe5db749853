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
// `arbiter status` as a library (docs/status.md): the collector, the node sources, the screen and the safe JSON text.
export { collectStatus, SourceError, SOURCE_TIMEOUT_MS, type RegistrySource, type StatusReaders } from './status/collect.js';
export { nodeStatusSources, fsRegistrySource, type NodeStatusSources } from './status/node-sources.js';
export { renderStatus, PLAIN, DEFAULT_WIDTH, type Paint } from './status/render.js';
export { snapshotJson } from './status/json.js';
