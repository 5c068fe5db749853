/**
 * The masker: one function, {@link maskString}, for every string Arbiter persists or shows a model (secrets.md §12
 * M1–M9): decision-log entries (push-gate.md §16 DL4, every field), commitments, halt and force-release reasons,
 * context blocks and hook answers. It applies the command-line forms (M1–M7), the scanner's own ten patterns (M9:
 * secrets.md §2, through the shared `secret-patterns.ts`, so the scanner and the masker never disagree on what a
 * secret looks like), and AWS secret keys beside their key id (M8).
 *
 * Pure and total: every function accepts any string and never throws. Cheap on a hook's hot path: a string without
 * any trigger of any rule ({@link mayNeedMask}) is returned as it is, and the regular expressions are compiled once
 * per process, each on the first string that holds what it starts from (so a hook that writes no record, or only
 * ordinary text, compiles none or few). Every matcher with `lastIndex` state is reset before each use and used to the
 * end before the function returns.
 */
import { forEachTriggerLine, compileTrigger } from './secret-lines.js';
import { compilePatterns, redactLine } from './secret-patterns.js';

/** Cut applied to every string fact (DL4 e), in UTF-16 code units. */
export const FACT_STRING_MAX = 2_000;

/** What a masked value becomes (secrets.md §12 M1–M7). Scanner patterns use `[REDACTED:{name}]` (M8, M9). */
export const MASK = '***';

const SECRET_NAME = /(TOKEN|SECRET|PASS|PASSWORD|KEY|AUTH|CREDENTIAL|COOKIE)/i;
const SECRET_GIT_KEY = /^(http\..*extraheader|credential\..*)$/i;

/** True when an assignment name or `-c` key names a secret (DL4 b; secrets.md §12 M4–M5). */
export const isSecretName = (name: string): boolean => SECRET_NAME.test(name) || SECRET_GIT_KEY.test(name);

/**
 * secrets.md §12 M6: an option whose value follows as the next word is secret when its last word names a secret
 * (`--password`, `--token`, `--client-secret`, `--api-key`, `--aws-secret-access-key`, `-passin`); `--no-…` is a switch.
 */
const SECRET_OPTION = /^(?!no-)(?:[A-Za-z0-9]+[-_])*(?:password|passwd|passphrase|pass|pwd|passin|passout|token|secret|credentials?|api[-_]?key|apikey|access[-_]?key|secret[-_]?key|private[-_]?key|auth)$/i;

/** A value made on first use and kept for the life of the process (a compiled regular expression, see the module note). */
const once = <T>(make: () => T): (() => T) => {
  let v: T | undefined;
  return () => (v ??= make());
};

/**
 * Sound pre-check of {@link maskAll}: every rule needs one of these (M1 `@`, M2 `:`, M3 `Bearer`, M4–M5 `=`, M6 a
 * secret word in the option name, M7 a program name, M8 `akia` or `secret`, M9 a scanner trigger of secrets.md §1 —
 * each contains `=`, `:`, or one of the words listed), looked up in the lower-cased text without a regular
 * expression. Proven equal to {@link maskAll} by a property.
 */
const MAY_WORDS = [
  '=', ':', '@', 'bearer', 'akia', 'ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_', 'github_pat_', 'xoxb-', 'xoxp-', 'xoxr-', 'xoxs-',
  '-----begin ', 'mysql', 'mariadb', 'sshpass', 'curl', 'pass', 'pwd', 'token', 'secret', 'credential', 'key', 'auth',
] as const;
/** M6 gate: a secret word of {@link SECRET_OPTION}, on the lower-cased text. */
const OPTION_WORD = once(() => /pass|pwd|token|secret|credential|key|auth/);

// M1 (DL4 a)
const URL_USER = once(() => /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/@:]+)(?::([^\s/@]*))?@/gi);
// M2, M3 (DL4 c)
const AUTHZ = once(() => /(Authorization:\s*)([^\r\n]*)/gi);
const BEARER = once(() => /(Bearer\s+)([^\s"']+)/g);
// M4 (DL4 b): `git -c <key>=<value>`; a key may contain a URL (`http.https://host/.extraheader`), never a bracket
// (so an M9 `[REDACTED:…]` is never read as a key on a second pass)
const GIT_C = once(() => /(-c\s+)([^\s=[\]]+)=("[^"]*"|'[^']*'|\S*)/g);
// M5: `name=` after a word start, an option's dashes, `=` (nested), `?`/`&` (query) or `,`; the value after it
const ASSIGN = once(() => /(^|[\s;&|'"(?=,])(-{0,2})([A-Za-z_][A-Za-z0-9_.-]*)=/g);
const VALUE = once(() => /(?:"[^"]*"?|'[^']*'?|[^\s;&|'"])*/y);
// M6
const OPTION = once(() => /(^|[\s;&|'"(])(--?)([A-Za-z][A-Za-z0-9_-]*)[ \t]+/g);
const OPTION_VALUE = once(() => /"[^"]*"?|'[^']*'?|[^\s;&|'"<>-][^\s;&|'"]*/y);
// M7: a program and the rest of its simple command, then each program's password argument
const PROGRAM = once(() => /(^|[\s;&|(`'"/])(mysql[A-Za-z_-]*|mariadb[A-Za-z_-]*|sshpass|curl)(?=[\s'"]|$)([^;&|\n]*)/g);
const MYSQL_P = once(() => /(\s["']?)-p((?:"[^"]*"?|'[^']*'?|[^\s'"])+)/g);
const SSHPASS_P = once(() => /(\s["']?)-p([ \t]*)((?:"[^"]*"?|'[^']*'?|[^\s'"])+)/g);
const CURL_U = once(() => /(\s["']?(?:-u|-U|--user|--proxy-user)(?:[ \t]+|=)?["']?)([^\s:'"]*):((?:"[^"]*"?|'[^']*'?|[^\s'"])+)/g);
// M8
const AWS_CONTEXT = once(() => /akia[a-z0-9]{16}|secret[-_]?access[-_]?key/i);
const AWS_40 = once(() => /(^|[^A-Za-z0-9/+])([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])/g);
// M9: the scanner's trigger selector and its ten patterns (the patterns only once a trigger line is found)
const TRIGGER = once(compileTrigger);
const PATTERNS = once(compilePatterns);

/**
 * Mask one string (secrets.md §12 M1–M9, which include DL4 a–c):
 * M1 URL user information becomes `user:***@` or `***@`; M2 text after `Authorization:` and M3 after `Bearer ` becomes
 * `***`; M4 `-c key=value` and M5 `name=value` (assignments, `env` arguments, `--option=value`, nested
 * `--push-option=token=…`, query strings, comma lists) get value `***` when the name is secret; M6 the word after a
 * secret option (`--password x`) becomes `***`; M7 `mysql -pX`, `sshpass -p X` and `curl -u user:X` become `-p***`,
 * `-p ***`, `user:***`; M8 a 40-character AWS secret key in a string that holds an access key id; M9 every match of
 * the scanner's ten patterns becomes `[REDACTED:{pattern}]` (secrets.md §5 X1–X4), a connection string whose
 * password M1 masked included, so masked text always scans clean.
 * Returns the masked string (the same string when nothing matched). Idempotent; never throws.
 */
export const maskString = (s: string): string => (mayNeedMask(s) ? maskAll(s) : s);

/**
 * Sound pre-check of {@link maskString}: `false` only for a string that no rule can change, so it is returned as it
 * is without running (and, in a cold hook process, compiling) the rules.
 */
export const mayNeedMask = (s: string): boolean => {
  const l = s.toLowerCase();
  return MAY_WORDS.some((w) => l.includes(w));
};

/** M5: `name=value` pairs anywhere a word, an option, a nested pair, a query string or a comma list starts. */
const maskAssignments = (s: string): string => {
  const re = ASSIGN();
  const value = VALUE();
  re.lastIndex = 0;
  let out = '';
  let pos = 0;
  for (let m = re.exec(s); m !== null; m = re.exec(s)) {
    const eq = m.index + m[0].length;
    if (!isSecretName(m[3] as string)) {
      re.lastIndex = eq - 1; // the `=` may open a nested pair (`--push-option=token=…`)
      continue;
    }
    value.lastIndex = eq;
    const v = value.exec(s);
    const end = eq + (v === null ? 0 : v[0].length);
    out += s.slice(pos, eq) + MASK;
    pos = end;
    re.lastIndex = end;
  }
  value.lastIndex = 0;
  re.lastIndex = 0;
  return pos === 0 ? s : out + s.slice(pos);
};

/**
 * M6: the word after a secret option. The word is consumed only when it is masked, so an option that is not secret
 * never hides the next one (`-x "… --token t`).
 */
const maskOptions = (s: string): string => {
  const re = OPTION();
  const value = OPTION_VALUE();
  re.lastIndex = 0;
  let out = '';
  let pos = 0;
  for (let m = re.exec(s); m !== null; m = re.exec(s)) {
    const nameEnd = m.index + (m[1] as string).length + (m[2] as string).length + (m[3] as string).length;
    const end = m.index + m[0].length;
    value.lastIndex = end;
    const v = SECRET_OPTION.test(m[3] as string) ? value.exec(s) : null;
    if (v === null) {
      re.lastIndex = nameEnd; // the blanks after the name may open the next option
      continue;
    }
    out += s.slice(pos, end) + MASK;
    pos = end + v[0].length;
    re.lastIndex = pos;
  }
  value.lastIndex = 0;
  re.lastIndex = 0;
  return pos === 0 ? s : out + s.slice(pos);
};

/** M7: the password arguments of the programs that take one inline. */
const maskProgramArgs = (s: string): string =>
  s.replace(PROGRAM(), (_m, pre: string, prog: string, args: string) => {
    let a = args;
    if (prog === 'sshpass') a = a.replace(SSHPASS_P(), (_x, p: string, ws: string) => `${p}-p${ws}${MASK}`);
    else if (prog === 'curl') a = a.replace(CURL_U(), (_x, p: string, user: string) => `${p}${user}:${MASK}`);
    else a = a.replace(MYSQL_P(), (_x, p: string) => `${p}-p${MASK}`);
    return `${pre}${prog}${a}`;
  });

/**
 * M8: standalone 40-character mixed-case runs, in a string that named an AWS access key (id or secret) before M9
 * replaced it; runs after M9 so that a run next to a replaced key id is standalone in one pass (idempotence).
 */
const maskAwsSecret = (s: string, context: boolean): string => {
  if (!context) return s;
  return s.replace(AWS_40(), (m, pre: string, v: string) => (/[A-Z]/.test(v) && /[a-z]/.test(v) ? `${pre}[REDACTED:aws-secret-key]` : m));
};

/** M9: the scanner's patterns, span by span (secrets.md §5 X1–X4, no allowlist), on the lines that hold a trigger. */
const maskPatterns = (s: string): string => {
  const parts: string[] = [];
  let pos = 0;
  forEachTriggerLine(
    s,
    (line, _n, start, end) => {
      const red = redactLine(line, PATTERNS());
      if (red === line) return;
      parts.push(s.slice(pos, start), red);
      pos = end;
    },
    TRIGGER(),
  );
  if (pos === 0) return s;
  parts.push(s.slice(pos));
  return parts.join('');
};

/**
 * {@link maskString} without the pre-check: M1–M7, M9, then M8 (see {@link maskAwsSecret}). Each rule runs only when the
 * text holds what its expression starts from, so ordinary text compiles and runs few expressions.
 */
export const maskAll = (s: string): string => {
  let out = s;
  if (out.includes('@') && out.includes('://')) {
    out = out.replace(URL_USER(), (_m, scheme: string, user: string, pass?: string) => (pass === undefined ? `${scheme}${MASK}@` : `${scheme}${user}:${MASK}@`));
  }
  if (out.includes(':') && out.toLowerCase().includes('authorization')) out = out.replace(AUTHZ(), (_m, k: string) => `${k}${MASK}`);
  if (out.includes('Bearer')) out = out.replace(BEARER(), (_m, k: string) => `${k}${MASK}`);
  if (out.includes('=')) {
    if (out.includes('-c')) out = out.replace(GIT_C(), (m, pre: string, key: string) => (isSecretName(key) ? `${pre}${key}=${MASK}` : m));
    out = maskAssignments(out);
  }
  const lower = out.toLowerCase();
  if (OPTION_WORD().test(lower)) out = maskOptions(out);
  if (out.includes('mysql') || out.includes('mariadb') || out.includes('sshpass') || out.includes('curl')) out = maskProgramArgs(out);
  const aws = (lower.includes('akia') || lower.includes('secret')) && AWS_CONTEXT().test(out);
  out = maskPatterns(out);
  return maskAwsSecret(out, aws);
};

/** Result of masking a facts object. `masked` lists the dotted paths whose value masking or cutting changed. */
export interface MaskedFacts {
  readonly facts: Record<string, unknown>;
  readonly masked: ReadonlyArray<string>;
}

/**
 * A string fact is cut to this many code units before it is masked (then to {@link FACT_STRING_MAX} after), so a
 * megabyte command costs no more than a long one; the margin keeps whole any secret that starts before the final cut.
 */
const FACT_MASK_WINDOW = FACT_STRING_MAX + 1_024;

const maskValue = (v: unknown, path: string, masked: string[], depth: number): unknown => {
  if (typeof v === 'string') {
    let m = maskString(v.length > FACT_MASK_WINDOW ? v.slice(0, FACT_MASK_WINDOW) : v);
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

/** Mask every string inside `facts` (depth ≤ 8, arrays ≤ 200 items). Source: push-gate.md §16 DL4, secrets.md §12 M1–M9. */
export const maskFacts = (facts: Record<string, unknown>): MaskedFacts => {
  const masked: string[] = [];
  const out = maskValue(facts, '', masked, 0) as Record<string, unknown>;
  return { facts: out, masked };
};

/** Every string of a JSON value masked, and whether any changed. */
const maskJson = (v: unknown): { readonly v: unknown; readonly changed: boolean } => {
  if (typeof v === 'string') {
    const m = maskString(v);
    return { v: m, changed: m !== v };
  }
  if (v === null || typeof v !== 'object') return { v, changed: false };
  let changed = false;
  if (Array.isArray(v)) {
    const a = v.map((x) => {
      const r = maskJson(x);
      changed ||= r.changed;
      return r.v;
    });
    return { v: a, changed };
  }
  const o: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    const r = maskJson(x);
    changed ||= r.changed;
    o[k] = r.v;
  }
  return { v: o, changed };
};

/**
 * Mask what a hook prints for its host (secrets.md §12, "hook answers"): a JSON answer (`systemMessage`, `reason`,
 * `additionalContext`, …) has each string value masked and is serialised again, its trailing line feed kept, so
 * masking never breaks the JSON; any other text (a block message on stderr) is masked as text. Returns `text`
 * itself when nothing changed. Never throws.
 */
export const maskOutput = (text: string): string => {
  if (text.length <= 3 || !mayNeedMask(text)) return text;
  const body = text.trimEnd();
  if (body.startsWith('{') || body.startsWith('[')) {
    try {
      const r = maskJson(JSON.parse(body) as unknown);
      return r.changed ? JSON.stringify(r.v) + text.slice(body.length) : text;
    } catch {
      // not JSON after all: masked as text below
    }
  }
  return maskString(text);
};
