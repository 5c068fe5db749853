/** The Codex Stop output schema (codex-rs/hooks/schema/generated/stop.command.output.schema.json), as a predicate. */
export const validCodexStopOutput = (o: unknown): boolean => {
  if (typeof o !== 'object' || o === null || Array.isArray(o)) return false;
  const allowed = new Set(['continue', 'stopReason', 'suppressOutput', 'systemMessage', 'decision', 'reason']);
  for (const k of Object.keys(o)) if (!allowed.has(k)) return false;
  const r = o as Record<string, unknown>;
  if (r['decision'] !== undefined && r['decision'] !== null && r['decision'] !== 'block') return false;
  if (r['reason'] !== undefined && r['reason'] !== null && typeof r['reason'] !== 'string') return false;
  if (r['decision'] === 'block' && (typeof r['reason'] !== 'string' || r['reason'].trim() === '')) return false;
  return true;
};

