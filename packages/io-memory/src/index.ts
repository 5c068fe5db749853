/**
 * @arbiter/io-memory: in-memory adapters (fake clock, stores with fault injection, scripted probes) for tests and
 * simulations. They honour the same contract suites as the io-node adapters.
 */
export * from './clock.js';
export * from './faults.js';
export * from './lock-store.js';
export * from './proc.js';
export * from './decision-log.js';
export * from './state-files.js';
export * from './http.js';
export * from './lane-store.js';
export * from './state-lock-files.js';
export * from './fs-kind.js';
export * from './breaker-store.js';
export * from './engine-lock-row.js';
export * from './commitment-store.js';
export * from './git.js';
export * from './path-probes.js';
export * from './presence-store.js';
