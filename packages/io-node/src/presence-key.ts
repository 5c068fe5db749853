/**
 * The registry key of a session id (presence.md §5): the name its record, inbox and marks are stored under. A module
 * of its own, free of the kernel, so the hook's fast path (presence-inbox.ts) can name a session's inbox without
 * loading the registry's decoder.
 */
import { crypto } from './lazy-builtins.js';

/** Longest session id (UTF-16 code units) whose key spells it out; a longer id is named by its SHA-256. */
export const PRESENCE_DIRECT_MAX_UNITS = 48;

/**
 * The key of `session` (presence.md §5): `u` and the id's UTF-16 code units in hex (four digits each) for an id of at
 * most {@link PRESENCE_DIRECT_MAX_UNITS} units, so distinct ids never share a key and every key is lowercase hex (safe
 * on a case-insensitive file system); `h` and the SHA-256 of those units (node:crypto, loaded only then) for a longer
 * id. Either way no character of the id reaches a path, and the full id inside a record decides whose it is. Total.
 */
export const presenceKey = (session: string): string => {
  const units = Buffer.from(session, 'utf16le');
  if (session.length > 0 && session.length <= PRESENCE_DIRECT_MAX_UNITS) return `u${units.toString('hex')}`;
  return `h${crypto().createHash('sha256').update(units).digest('hex')}`;
};
