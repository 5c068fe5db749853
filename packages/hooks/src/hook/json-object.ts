/** Parse a JSON object (not an array). @returns `null` for anything else, including invalid JSON. Never throws. */
export const objectOf = (text: string): Record<string, unknown> | null => {
  try {
    const p: unknown = JSON.parse(text);
    return typeof p === 'object' && p !== null && !Array.isArray(p) ? (p as Record<string, unknown>) : null;
  } catch {
    return null; // the hook bundle decides (and logs) what a malformed payload means
  }
};
