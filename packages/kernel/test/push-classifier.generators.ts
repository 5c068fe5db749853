/**
 * Generators shared by the classifier properties (PG-1 to PG-7) and the bash differential test: `git push`
 * commands from the grammar of push-gate.md §6.4–6.6 (git-push(1)), with the invocation each must produce,
 * random quoting, and contexts to embed them in. Expected values come from the generator's own structure.
 */
import fc from 'fast-check';
import type { PushClassification, PushDst, PushInvocation, PushSrc, PushTarget } from '../src/push-gate/classifier.js';

// ───────────────────────────── word rendering with random quoting ─────────────────────────────

export type Quoting = 'plain' | 'single' | 'double' | 'escaped' | 'ansi' | 'mixed';
export const QUOTINGS: Quoting[] = ['plain', 'single', 'double', 'escaped', 'ansi', 'mixed'];
export const sq = (w: string): string => `'${w.replace(/'/g, `'\\''`)}'`;
export const dq = (w: string): string => `"${w.replace(/[\\"$`]/g, '\\$&')}"`;
export const render = (w: string, q: Quoting): string => {
  switch (q) {
    case 'plain':
      return /^[A-Za-z0-9_.\/:@+=,^~{}-]+$/.test(w) && !/[{].*,/.test(w) && !w.startsWith('~') ? w : sq(w);
    case 'single':
      return sq(w);
    case 'double':
      return dq(w);
    case 'escaped':
      return w
        .split('')
        .map((c) => `\\${c}`)
        .join('');
    case 'ansi':
      return `$'${w.replace(/[\\']/g, '\\$&')}'`;
    case 'mixed': {
      const k = Math.floor(w.length / 2);
      return k === 0 ? sq(w) : sq(w.slice(0, k)) + dq(w.slice(k));
    }
  }
};

// ───────────────────────────── generated pushes (grammar of push-gate.md §6.4–6.6) ─────────────────────────────

export const NAME = fc
  .stringMatching(/^[a-z][a-z0-9._-]{0,7}(\/[a-z0-9][a-z0-9_-]{0,5})?$/)
  .filter((n) => !/^[0-9a-f]{4,64}$/.test(n) && n !== 'tag' && !n.includes('..'));

interface GenRefspec {
  text: string;
  target: PushTarget; // expected, before the invocation's force is merged
  deletionForm: boolean;
}

export const srcGen: fc.Arbitrary<{ text: string; src: PushSrc }> = fc.oneof(
  NAME.map((n) => ({ text: n, src: { kind: 'name', name: n } as PushSrc })),
  fc.constantFrom('HEAD', '@').map((h) => ({ text: h, src: { kind: 'head', text: h } as PushSrc })),
  fc
    .tuple(fc.constantFrom('refs/heads/', 'refs/tags/'), NAME)
    .map(([p, n]) => ({ text: p + n, src: { kind: 'ref', ref: p + n } as PushSrc })),
  fc
    .oneof(
      fc.tuple(NAME, fc.integer({ min: 1, max: 9 })).map(([n, d]) => `${n}~${d}`),
      fc.integer({ min: 1, max: 9 }).map((d) => `HEAD~${d}`),
      NAME.map((n) => `${n}^`),
      fc.string({ unit: fc.constantFrom(...'0123456789abcdef'.split('')), minLength: 7, maxLength: 40 }),
      fc.constant('@{u}'),
    )
    .map((e) => ({ text: e, src: { kind: 'expr', expr: e } as PushSrc })),
);
export const dstGen: fc.Arbitrary<{ text: string; dst: PushDst }> = fc.oneof(
  NAME.map((n) => ({ text: n, dst: { kind: 'name', name: n } as PushDst })),
  NAME.map((n) => ({ text: `refs/heads/${n}`, dst: { kind: 'ref', ref: `refs/heads/${n}` } as PushDst })),
);
export const refspecGen: fc.Arbitrary<GenRefspec> = fc.oneof(
  fc.record({ plus: fc.boolean(), s: srcGen, d: fc.option(dstGen, { nil: undefined }), emptyDst: fc.boolean() }).map(
    ({ plus, s, d, emptyDst }) => ({
      text: (plus ? '+' : '') + s.text + (d !== undefined ? `:${d.text}` : emptyDst ? ':' : ''),
      target: { src: s.src, dst: d?.dst ?? { kind: 'same' }, op: 'update', force: plus } as PushTarget,
      deletionForm: false,
    }),
  ),
  dstGen.map((d) => ({
    text: `:${d.text}`,
    target: { src: { kind: 'none' }, dst: d.dst, op: 'delete', force: false } as PushTarget,
    deletionForm: true,
  })),
);

interface GenOption {
  words: string[];
  force?: true;
  del?: true;
  tags?: true;
  all?: true;
  follow?: true;
  noVerify?: true;
}
const OPTIONS: GenOption[] = [
  { words: ['-u'] },
  { words: ['--set-upstream'] },
  { words: ['-q'] },
  { words: ['-v'] },
  { words: ['--atomic'] },
  { words: ['--progress'] },
  { words: ['--porcelain'] },
  { words: ['-o', 'ci.skip'] },
  { words: ['--push-option=x=1'] },
  { words: ['--push-option', 'y'] },
  { words: ['--receive-pack=/usr/bin/git-receive-pack'] },
  { words: ['--exec', '/x'] },
  { words: ['--recurse-submodules=check'] },
  { words: ['--recurse-submodules', 'no'] },
  { words: ['--signed=if-asked'] },
  { words: ['-4'] },
  { words: ['--thin'] },
  { words: ['--prune'] },
  { words: ['-f'], force: true },
  { words: ['--force'], force: true },
  { words: ['--force-with-lease'], force: true },
  { words: ['--force-with-lease=main:abc'], force: true },
  { words: ['--force-if-includes'], force: true },
  { words: ['-fu'], force: true },
  { words: ['--no-verify'], noVerify: true },
  { words: ['--tags'], tags: true },
  { words: ['--follow-tags'], follow: true },
  { words: ['--all'], all: true },
  { words: ['--branches'], all: true },
  { words: ['--mirror'], all: true, tags: true },
];
const DELETE_OPTIONS: GenOption[] = [{ words: ['-d'], del: true }, { words: ['--delete'], del: true }];

const GLOBALS: { words: string[]; hint?: { kind: 'git-C' | 'git-dir' | 'work-tree'; path: string } }[] = [
  { words: ['-C', 'app'], hint: { kind: 'git-C', path: 'app' } },
  { words: ['-C', '../other repo'], hint: { kind: 'git-C', path: '../other repo' } },
  { words: ['-c', 'user.name=x y'] },
  { words: ['-c', 'push.default=current'] },
  { words: ['--no-pager'] },
  { words: ['-p'] },
  { words: ['--bare'] },
  { words: ['--git-dir=/x/.git'], hint: { kind: 'git-dir', path: '/x/.git' } },
  { words: ['--work-tree', '/x'], hint: { kind: 'work-tree', path: '/x' } },
  { words: ['--namespace=ns'] },
  { words: ['--literal-pathspecs'] },
  { words: ['--config-env=http.extraheader=AUTH'] },
];

export interface GenPush {
  words: string[]; // unrendered words of the command
  expected: PushInvocation;
}

export const pushGen = (opts: { dryRun?: boolean; allowDelete?: boolean; commands?: string[][] } = {}): fc.Arbitrary<GenPush> =>
  fc
    .record({
      command: fc.constantFrom(...(opts.commands ?? [['git'], ['/usr/bin/git'], ['git-push'], ['git.exe']])),
      globals: fc.subarray(GLOBALS, { maxLength: 3 }),
      options: fc.subarray(OPTIONS, { maxLength: 4 }),
      del: opts.allowDelete === false ? fc.constant(null) : fc.option(fc.constantFrom(...DELETE_OPTIONS), { freq: 5 }),
      optionsAfter: fc.boolean(),
      remote: fc.option(fc.constantFrom('origin', 'upstream', 'git@host:org/r.git', 'https://h.example/r.git', '../bare.git'), {
        freq: 6,
      }),
      refspecs: fc.array(refspecGen, { maxLength: 3 }),
      dry: fc.constantFrom('-n', '--dry-run', '-nu', '-fn'),
    })
    .filter((g) => g.remote !== null || g.refspecs.length === 0)
    .filter((g) => g.del === null || g.refspecs.every((r) => !r.text.endsWith(':')))
    .map((g) => {
      const options = g.del === null ? g.options : [...g.options, g.del];
      const optWords = options.flatMap((o) => o.words);
      if (opts.dryRun) optWords.push(g.dry);
      const head = g.command[0] === 'git-push' ? g.command : [...g.command, ...g.globals.flatMap((x) => x.words), 'push'];
      const positional = [...(g.remote === null ? [] : [g.remote]), ...g.refspecs.map((r) => r.text)];
      const words = g.optionsAfter ? [...head, ...positional, ...optWords] : [...head, ...optWords, ...positional];
      const force = options.some((o) => o.force);
      const del = options.some((o) => o.del);
      const broad = new Set<'all' | 'tags'>();
      if (options.some((o) => o.all)) broad.add('all');
      if (options.some((o) => o.tags)) broad.add('tags');
      const targets: PushTarget[] = g.refspecs.map((r) => {
        const plus = r.text.startsWith('+');
        if (del) {
          const colon = r.text.indexOf(':');
          const name = colon < 0 ? r.text.replace(/^\+/, '') : r.text.slice(colon + 1);
          const dst: PushDst = name.startsWith('refs/') ? { kind: 'ref', ref: name } : { kind: 'name', name };
          return { src: { kind: 'none' }, dst, op: 'delete', force: plus || force };
        }
        return { ...r.target, force: r.target.force || force };
      });
      if (g.refspecs.length === 0 && broad.size === 0)
        targets.push({ src: { kind: 'current' }, dst: { kind: 'same' }, op: 'update', force });
      if (options.some((o) => o.follow)) broad.add('tags');
      const hints = g.command[0] === 'git-push' ? [] : g.globals.flatMap((x) => (x.hint ? [x.hint] : []));
      const expected: PushInvocation = {
        remote: g.remote,
        dir_hints: hints,
        dir_uncertain: false,
        force,
        no_verify: options.some((o) => o.noVerify),
        broad: (['all', 'tags'] as const).filter((b) => broad.has(b)),
        targets,
        fallback: false,
      };
      return { words, expected };
    });

export const renderWords = (words: string[], qs: Quoting[]): string =>
  words.map((w, k) => render(w, qs[k % qs.length] as Quoting)).join(' ');
export const quotingsGen = fc.array(fc.constantFrom(...QUOTINGS), { minLength: 1, maxLength: 6 });

// ───────────────────────────── contexts ─────────────────────────────

/** A context wraps a command string; `nest` is the nesting it adds (S2, S6, S7); `simple` whether it needs a simple command head. */
export interface Ctx {
  name: string;
  nest: number;
  needsSimpleHead: boolean;
  simpleHeadAfter: boolean | 'keep';
  wrap: (x: string) => string;
}
export const bt = (x: string): string => x.replace(/[\\`$]/g, '\\$&');
export const CONTEXTS: Ctx[] = [
  { name: 'assign', nest: 0, needsSimpleHead: true, simpleHeadAfter: false, wrap: (x) => `A=1 B='x y' ${x}` },
  { name: 'env', nest: 0, needsSimpleHead: true, simpleHeadAfter: 'keep', wrap: (x) => `env -u OLDPWD FOO=1 ${x}` },
  { name: 'sudo', nest: 0, needsSimpleHead: true, simpleHeadAfter: 'keep', wrap: (x) => `sudo -u root -E ${x}` },
  { name: 'nice', nest: 0, needsSimpleHead: true, simpleHeadAfter: 'keep', wrap: (x) => `nice -n 5 ${x}` },
  { name: 'nohup', nest: 0, needsSimpleHead: true, simpleHeadAfter: 'keep', wrap: (x) => `nohup ${x}` },
  // `command` and `time` are shell builtins / reserved words: no external wrapper can precede them.
  { name: 'command', nest: 0, needsSimpleHead: true, simpleHeadAfter: false, wrap: (x) => `command ${x}` },
  { name: 'timeout', nest: 0, needsSimpleHead: true, simpleHeadAfter: 'keep', wrap: (x) => `timeout -k 5 60 ${x}` },
  { name: 'time', nest: 0, needsSimpleHead: true, simpleHeadAfter: false, wrap: (x) => `time ${x}` },
  { name: 'stdbuf', nest: 0, needsSimpleHead: true, simpleHeadAfter: 'keep', wrap: (x) => `stdbuf -oL ${x}` },
  { name: '&& before', nest: 0, needsSimpleHead: false, simpleHeadAfter: true, wrap: (x) => `npm test && ${x}` },
  { name: '; before', nest: 0, needsSimpleHead: false, simpleHeadAfter: true, wrap: (x) => `echo hi; ${x}` },
  { name: '|| before', nest: 0, needsSimpleHead: false, simpleHeadAfter: true, wrap: (x) => `false || ${x}` },
  { name: 'newline before', nest: 0, needsSimpleHead: false, simpleHeadAfter: true, wrap: (x) => `git status\n${x}` },
  { name: '| after', nest: 0, needsSimpleHead: false, simpleHeadAfter: 'keep', wrap: (x) => `${x} 2>&1 | tee push.log` },
  { name: '&& after', nest: 0, needsSimpleHead: false, simpleHeadAfter: 'keep', wrap: (x) => `${x} && echo ok` },
  { name: '& after', nest: 0, needsSimpleHead: false, simpleHeadAfter: 'keep', wrap: (x) => `${x} &` },
  { name: 'sh -c', nest: 1, needsSimpleHead: false, simpleHeadAfter: true, wrap: (x) => `sh -c ${sq(x)}` },
  { name: 'bash -ec', nest: 1, needsSimpleHead: false, simpleHeadAfter: true, wrap: (x) => `bash -ec ${dq(x)}` },
  // `eval` is a builtin: external wrappers (`nice eval …`) could not run it, so none is applied after it.
  { name: 'eval', nest: 1, needsSimpleHead: false, simpleHeadAfter: false, wrap: (x) => `eval ${sq(x)}` },
  { name: '$()', nest: 1, needsSimpleHead: false, simpleHeadAfter: true, wrap: (x) => `echo "out: $( ${x} )"` },
  { name: 'backticks', nest: 1, needsSimpleHead: false, simpleHeadAfter: true, wrap: (x) => `echo "\`${bt(x)}\`"` },
  { name: 'subshell', nest: 0, needsSimpleHead: false, simpleHeadAfter: false, wrap: (x) => `( ${x} )` },
  { name: 'group', nest: 0, needsSimpleHead: false, simpleHeadAfter: false, wrap: (x) => `{ ${x}; }` },
  { name: 'if', nest: 0, needsSimpleHead: false, simpleHeadAfter: false, wrap: (x) => `if true; then ${x}; fi` },
];

/** Apply contexts in order, skipping those that do not fit, staying below MAX_NESTING. */
export const applyContexts = (x: string, ctxs: Ctx[]): string => {
  let s = x;
  let simple = true;
  let nest = 0;
  // After `x &`, bash rejects `x & && y`, `x & | y`, `x & &`, `{ x &; }` and `then x &; fi`.
  let background = false;
  const APPENDS = new Set(['| after', '&& after', '& after', 'group', 'if']);
  const ENCLOSES = new Set(['sh -c', 'bash -ec', 'eval', '$()', 'backticks', 'subshell']);
  for (const c of ctxs) {
    if (c.needsSimpleHead && !simple) continue;
    if (nest + c.nest > 3) continue;
    if (background && APPENDS.has(c.name)) continue;
    s = c.wrap(s);
    nest += c.nest;
    if (c.simpleHeadAfter !== 'keep') simple = c.simpleHeadAfter;
    if (c.name === '& after') background = true;
    else if (ENCLOSES.has(c.name)) background = false;
  }
  return s;
};
export const contextsGen = fc.array(fc.constantFrom(...CONTEXTS), { maxLength: 4 });

export const invocationsOf = (c: PushClassification): ReadonlyArray<PushInvocation> => (c._tag === 'Push' ? c.invocations : []);

// ───────────────────────────── data commands (decoys) ─────────────────────────────

export const DATA_COMMANDS = [
  'echo',
  "printf '%s\\n'",
  'grep -rn',
  'cat',
  'touch',
  'git commit -m',
  'git log --grep',
  'git tag -a v1 -m',
  'ssh deploy@host',
  'npm run',
  'jq -r',
  'vim',
  'docker exec web',
  'node -e',
  'python3 -c',
  'sudo echo',
  'env FOO=1 echo',
];

