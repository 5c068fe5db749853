/**
 * Secret masking for the decision log (push-gate.md §16 DL4, shared by every policy per architecture.md conventions §6).
 * Pure and total: every function accepts any string and never throws.
 */

/** Cut applied to every string fact (DL4 e), in UTF-16 code units. */
export const FACT_STRING_MAX = 2_000;

const SECRET_NAME = /(TOKEN|SECRET|PASS|PASSWORD|KEY|AUTH|CREDENTIAL|COOKIE)/i;
const SECRET_GIT_KEY = /^(http\..*extraheader|credential\..*)$/i;

/** True when an assignment name or `-c` key names a secret (DL4 b). */
export const isSecretName = (name: string): boolean => SECRET_NAME.test(name) || SECRET_GIT_KEY.test(name);

/**
 * Mask one string (DL4 a–c):
 * (a) URL user information becomes `user:***@` or `***@`;
 * (b) `NAME=value` (also inside `env` arguments and `-c key=value`) gets value `***` when the name is secret;
 * (c) text after `Authorization:` or `Bearer ` becomes `***`.
 * Returns the masked string (unchanged when nothing matched).
 */
export const maskString = (s: string): string => (mayNeedMask(s) ? maskAll(s) : s);

/**
 * Sound pre-check of {@link maskString}: every rule needs `@` (a), `=` (b), `:` (c, `Authorization:`) or the word
 * `Bearer` (c), so a string with none of them is returned as it is without running (and, in a cold hook process,
 * compiling) the five expressions. Proven equal to {@link maskAll} by a property test.
 */
export const mayNeedMask = (s: string): boolean => s.includes('=') || s.includes(':') || s.includes('@') || s.includes('Bearer');

/** {@link maskString} without the pre-check: the five DL4 rewrites in order. */
export const maskAll = (s: string): string => {
  let out = s.replace(/\b([a-z][a-z0-9+.-]*:\/\/)([^\s/@:]+)(?::([^\s/@]*))?@/gi, (_m, scheme: string, user: string, pass?: string) =>
    pass === undefined ? `${scheme}***@` : `${scheme}${user}:***@`,
  );
  out = out.replace(/(Authorization:\s*)([^\r\n]*)/gi, (_m, k: string) => `${k}***`);
  out = out.replace(/(Bearer\s+)([^\s"']+)/g, (_m, k: string) => `${k}***`);
  // `git -c <key>=<value>`: a key may contain a URL (`http.https://host/.extraheader`)
  out = out.replace(/(-c\s+)([^\s=]+)=("[^"]*"|'[^']*'|\S*)/g, (m, pre: string, key: string) => (isSecretName(key) ? `${pre}${key}=***` : m));
  out = out.replace(
    /(^|[\s;&|'"(])([A-Za-z_][A-Za-z0-9_.-]*)=("[^"]*"|'[^']*'|[^\s;&|'"]*)/g,
    (m, pre: string, name: string) => (isSecretName(name) ? `${pre}${name}=***` : m),
  );
  return out;
};

/** Result of masking a facts object. `masked` lists the dotted paths whose value masking or cutting changed. */
export interface MaskedFacts {
  readonly facts: Record<string, unknown>;
  readonly masked: ReadonlyArray<string>;
}

const maskValue = (v: unknown, path: string, masked: string[], depth: number): unknown => {
  if (typeof v === 'string') {
    let m = maskString(v);
    if (m.length > FACT_STRING_MAX) m = m.slice(0, FACT_STRING_MAX);
    if (m !== v) masked.push(path);
    return m;
  }
  if (depth > 8 || v === null || typeof v !== 'object') return typeof v === 'function' ? undefined : v;
  if (Array.isArray(v)) return v.slice(0, 200).map((x, i) => maskValue(x, `${path}[${i}]`, masked, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    out[k] = maskValue(x, path === '' ? k : `${path}.${k}`, masked, depth + 1);
  }
  return out;
};

/** Mask every string inside `facts` (depth ≤ 8, arrays ≤ 200 items). Source: push-gate.md §16 DL4. */
export const maskFacts = (facts: Record<string, unknown>): MaskedFacts => {
  const masked: string[] = [];
  const out = maskValue(facts, '', masked, 0) as Record<string, unknown>;
  return { facts: out, masked };
};
