/**
 * @arbiter/io-node: Node adapters for Arbiter ports (filesystem stores, process probes, decision log, paths).
 * Nothing here decides; every decision is a kernel function.
 */
export * from './paths.js';
export * from './atomic.js';
export * from './atomic-write.js';
export * from './decision-log.js';
export * from './config-file.js';
export * from './proc.js';
export * from './clock.js';
export * from './fs-lock-store.js';
export * from './state-files.js';
export * from './http.js';
export * from './sentinel-probes.js';
export * from './session-lock-driver.js';
export * from './fs-lane-store.js';
export * from './fs-lane-queue.js';
export * from './git.js';
export * from './push-gate-state.js';
export * from './hash.js';
export * from './fs-kind.js';
export * from './state-lock.js';
export * from './breaker-store.js';
export * from './fs-commitment-store.js';
export * from './path-probes.js';
export * from './state-io.js';
export * from './http-lane-store.js';
export * from './lane-store-config.js';
export * from './pg-loader.js';
export { crypto, os, childProcess } from './lazy-builtins.js';
export * from './pg-lane-store.js';
export * from './pg-lane-queue.js';
export * from './pg-migrate.js';
export * from './presence-key.js';
export * from './presence-files.js';
export { DIR_INDEX_SETTLE_MS } from './dir-index.js';
export * from './presence-inbox.js';
export * from './presence-ingest.js';
export * from './fs-presence-store.js';
export * from './presence-store-config.js';
export * from './notify-append.js';
export * from './notify-outbox.js';
export * from './process-lock.js';
export * from './pg-presence-store.js';
export * from './http-presence-store.js';
