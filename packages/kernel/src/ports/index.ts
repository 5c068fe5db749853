/** Port interfaces (types only). One file per port; re-exported here. */
export type * from './common.js';
export type * from './lock-store.js';
export type * from './http.js';
export type * from './state-files.js';
export type * from './lane-store.js';
export type * from './git.js';
export type * from './fs-kind.js';
export type * from './state-lock-files.js';
export type * from './breaker-store.js';
export type * from './commitment-store.js';
export type * from './path-probes.js';
export type * from './presence-store.js';
