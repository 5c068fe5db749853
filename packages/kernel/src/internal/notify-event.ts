/**
 * Notification events (docs/notify.md §3): their shape and the one reader every emitter and the flush apply. Shared
 * vocabulary like the log entry, not a decision, so it lives with the other internal modules, apart from
 * notify/notify.ts, and is exported flat from the kernel index as well: a hook that emits an event bundles this small
 * module only, never the templates or the queue policy (docs/notify.md §5 E2).
 */
import { maskString } from './mask.js';
import { sanitizeLine } from './text.js';

/** Longest string field of a stored event, UTF-16 units (display text is cut further by the templates). */
export const FIELD_MAX = 512;

/** The four kinds of notification (docs/notify.md §3). */
export const EVENT_KINDS = ['lane-granted', 'halt', 'waiting', 'block'] as const;
export type NotifyEventKind = (typeof EVENT_KINDS)[number];

/** A notification event, as emitters write it and the `arbiter` field of a body carries it (docs/notify.md §3). */
export type NotifyEvent =
  | { readonly kind: 'lane-granted'; readonly lane: string; readonly session: string; readonly fence: number }
  | { readonly kind: 'halt'; readonly target: string; readonly by: string; readonly reason: string }
  | { readonly kind: 'waiting'; readonly session: string; readonly branch: string | null; readonly message?: string }
  | { readonly kind: 'block'; readonly policy: string; readonly reason: string; readonly session: string; readonly lane?: string };

/** Narrow to a {@link NotifyEventKind}. */
export const isKind = (u: unknown): u is NotifyEventKind => typeof u === 'string' && (EVENT_KINDS as ReadonlyArray<string>).includes(u);

/**
 * A stored string field: control and bidi characters gone and cut, then masked (secrets.md §12: a reason may quote a
 * command; masking the cleaned line finds what a control character would have split), then cleaned again.
 */
const field = (u: unknown): string | null => (typeof u === 'string' ? sanitizeLine(maskString(sanitizeLine(u, FIELD_MAX)), FIELD_MAX) : null);

/**
 * Read an event from anything (an outbox line, an emitter's argument): the known fields of its kind, each string
 * masked, sanitized ({@link sanitizeLine}) and cut to {@link FIELD_MAX}; unknown fields dropped. Total.
 * @returns the event, or `null` when the kind is unknown or a required field is missing or of the wrong type.
 */
export const normalizeEvent = (u: unknown): NotifyEvent | null => {
  if (typeof u !== 'object' || u === null) return null;
  const o = u as Record<string, unknown>;
  const kind = o['kind'];
  if (!isKind(kind)) return null;
  switch (kind) {
    case 'lane-granted': {
      const lane = field(o['lane']);
      const session = field(o['session']);
      const fence = o['fence'];
      if (lane === null || session === null || typeof fence !== 'number' || !Number.isSafeInteger(fence) || fence < 0) return null;
      return { kind, lane, session, fence };
    }
    case 'halt': {
      const target = field(o['target']);
      const by = field(o['by']);
      const reason = field(o['reason']);
      return target === null || by === null || reason === null ? null : { kind, target, by, reason };
    }
    case 'waiting': {
      const session = field(o['session']);
      const branch = o['branch'] === null || o['branch'] === undefined ? null : field(o['branch']);
      const message = o['message'] === undefined ? undefined : field(o['message']);
      if (session === null || (o['branch'] !== null && o['branch'] !== undefined && branch === null) || message === null) return null;
      return message === undefined ? { kind, session, branch } : { kind, session, branch, message };
    }
    case 'block': {
      const policy = field(o['policy']);
      const reason = field(o['reason']);
      const session = field(o['session']);
      const lane = o['lane'] === undefined || o['lane'] === null ? undefined : field(o['lane']);
      if (policy === null || reason === null || session === null || lane === null) return null;
      return lane === undefined ? { kind, policy, reason, session } : { kind, policy, reason, session, lane };
    }
  }
};

/**
 * Whether a configuration value asks for any webhook at all, without resolving it: the emitters' cheap test
 * (docs/notify.md §5 E2: with none configured, emitting writes nothing and starts nothing). Total.
 */
export const wantsNotifications = (configJson: unknown): boolean => {
  if (typeof configJson !== 'object' || configJson === null) return false;
  const n = (configJson as Record<string, unknown>)['notify'];
  if (typeof n !== 'object' || n === null) return false;
  const w = (n as Record<string, unknown>)['webhooks'];
  return Array.isArray(w) && w.length > 0;
};

