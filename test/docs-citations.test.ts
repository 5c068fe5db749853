/**
 * Every citation in the code resolves inside the repository (issue 11 point 1; the citation format is fixed in
 * docs/policies and docs/architecture.md). `checkCitations` is a pure checker over texts; the unit tests feed it
 * bad citations, and the repository scan runs it over packages/src+test, test/ and bench/ against docs/.
 *
 * Rules checked (file:line in every finding):
 *  1. every section sign is part of a `<doc>.md <sign><n>[.<n>…]` citation (optionally `<doc>.md conventions <sign><n>`);
 *  2. the doc exists under docs/ (names are unique) and has a heading starting with that number; a range checks
 *     both ends; `conventions <sign>N` looks among the headings of the doc's "Conventions" section;
 *  3. rule ids right after a citation (`X4`, `LS7`, `SL-8`, `H2a`, ranges `A1–A7`) are defined in that doc (a table
 *     row whose first cell is the id, a list item starting with the bold id, or, in host-protocols.md, a heading
 *     starting with the id); `rule N` / `step N` / `item N` needs a numbered list or a table in the cited section;
 *  4. every property id used as a test-title prefix (`it('SL-15 …')`, `test.prop(…)('PG-10 …')`) is defined in some
 *     docs/policies file;
 *  5. every policy doc links to its generated table in docs/tables when one exists.
 *
 * This file contains no literal section sign: fixtures build it from `SIGN`, so the scan may read this file too.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const SIGN = '\u00a7';

/** One text file: a repository-relative path and its content. */
export interface TextFile {
  readonly path: string;
  readonly text: string;
}

/** What a doc defines: numbered headings, convention headings, ids, sections holding lists or tables, table links. */
export interface DocIndex {
  readonly path: string;
  /** Section numbers of headings (`## 6. …` → `6`, `### 6.2 …` → `6.2`). */
  readonly sections: ReadonlySet<string>;
  /** Numbers of the headings inside the "Conventions" section. */
  readonly conventions: ReadonlySet<string>;
  /** Ids defined by a table row's first cell, a bold list item, or (host protocols) a heading such as `## C5.`. */
  readonly ids: ReadonlySet<string>;
  /** Sections (and their ancestors) whose span holds a numbered list or a table. */
  readonly listed: ReadonlySet<string>;
  /** Targets of markdown links. */
  readonly links: ReadonlyArray<string>;
}

const HEADING = /^(#{1,6})\s+(.*)$/;
const NUMBERED = /^(\d+(?:\.\d+)*)\.?(?:\s|$)/;
const ID_HEADING = /^([A-Z][A-Z0-9-]*)\.(?:\s|$)/;
const ROW_ID = /^\|\s*\**`?([A-Za-z][A-Za-z0-9-]*)`?\**\s*\|/;
const BOLD_ITEM = /^\s*(?:[-*]|\d+\.)\s+\*\*([A-Za-z][A-Za-z0-9-]*)\*\*/;
const LIST_OR_TABLE = /^\s*(?:\d+\.\s|\|)/;
const LINK = /\]\(([^)\s]+)\)/g;

/**
 * Index one markdown doc. Pure. Headings are numbered when their text starts with `N.` or `N.M` (`## 6. Command
 * classifier`, `### 6.2 Lexing`); the "Conventions" heading opens a scope whose numbered sub-headings are recorded
 * separately, because architecture.md cites them as `conventions <sign>N`.
 */
export const indexDoc = (file: TextFile): DocIndex => {
  const sections = new Set<string>();
  const conventions = new Set<string>();
  const ids = new Set<string>();
  const listed = new Set<string>();
  const links: string[] = [];
  // Stack of open numbered headings: [level, number]; the conventions scope: its level, or null.
  let open: Array<[number, string]> = [];
  let convLevel: number | null = null;
  let inFence = false;
  for (const line of file.text.split('\n')) {
    if (/^\s*```/.test(line)) {
      inFence = !inFence;
      continue;
    }
    if (inFence) continue;
    for (const m of line.matchAll(LINK)) links.push(m[1] as string);
    const h = HEADING.exec(line);
    if (h) {
      const level = (h[1] as string).length;
      const title = (h[2] as string).trim();
      open = open.filter(([l]) => l < level);
      if (convLevel !== null && level <= convLevel) convLevel = null;
      if (/^conventions\b/i.test(title)) convLevel = level;
      const n = NUMBERED.exec(title);
      if (n) {
        const num = n[1] as string;
        if (convLevel !== null && level > convLevel) conventions.add(num);
        else sections.add(num);
        open.push([level, num]);
      }
      const idh = ID_HEADING.exec(title);
      if (idh) ids.add(idh[1] as string);
      continue;
    }
    const row = ROW_ID.exec(line) ?? BOLD_ITEM.exec(line);
    if (row) ids.add(row[1] as string);
    if (LIST_OR_TABLE.test(line)) for (const [, num] of open) listed.add(num);
  }
  return { path: file.path, sections, conventions, ids, listed, links };
};

/** Policy docs whose generated table has another name. */
const TABLE_ALIASES: Readonly<Record<string, ReadonlyArray<string>>> = {
  'push-gate': ['gate-push'],
  review: ['review-level'],
};

const NUM = String.raw`\d+(?:\.\d+)*`;
const ID = String.raw`[A-Z][A-Z]*(?:-P?)?\d+[a-z]?`;
/** `<doc>.md [conventions ]<sign>N[–M]` then optional `rule(s)/step(s)/item(s) N[–M]` then ids. */
const CITATION = new RegExp(
  String.raw`([A-Za-z][A-Za-z0-9-]*)\.md(\s+conventions)?\s+${SIGN}(${NUM})(?:(?:–|-)${SIGN}?(${NUM}))?` +
    String.raw`((?:,?\s+(?:rules?|steps?|items?)\s+\d+(?:\s*[–-]\s*\d+)?)?)` +
    String.raw`((?:(?:,\s*|\s+|\s*/\s*|\s*[–-]\s*)(?:and\s+)?${ID}\b)*)`,
  'g',
);
/** A citation by id only: `host-protocols.md C5`, `push-gate.md P2–P3`. */
const ID_CITATION = new RegExp(String.raw`([A-Za-z][A-Za-z0-9-]*)\.md((?:(?:,\s*|\s+|\s*[–-]\s*)(?:and\s+)?${ID}\b)+)`, 'g');
const TITLE_ID = /\b(?:it|test|prop)\b[^'"`\n]*['"`]([A-Z]{1,4}-P?\d+)\b/g;

/** Counts a scan reports. */
export interface CitationStats {
  citations: number;
  ids: number;
  titleIds: number;
}

/**
 * Check every source against the docs. Pure: `sources` are the scanned code files, `docs` every markdown file under
 * docs/ (paths relative to the repository root, e.g. `docs/policies/push-gate.md`). Returns the findings
 * (`path:line: message`, empty when everything resolves) and counts of what was checked.
 */
export const checkCitations = (
  sources: ReadonlyArray<TextFile>,
  docs: ReadonlyArray<TextFile>,
): { findings: string[]; stats: CitationStats } => {
  const findings: string[] = [];
  const stats: CitationStats = { citations: 0, ids: 0, titleIds: 0 };
  const byName = new Map<string, DocIndex>();
  // Citable docs: docs/<name>.md and docs/policies/<name>.md (generated tables are linked, never cited).
  for (const d of docs.filter((x) => /^docs\/(?:policies\/)?[^/]+\.md$/.test(x.path))) {
    const name = basename(d.path, '.md');
    if (byName.has(name)) findings.push(`${d.path}: doc name ${name}.md is not unique under docs/`);
    byName.set(name, indexDoc(d));
  }
  const policyIds = new Set<string>();
  for (const [, d] of byName) if (d.path.startsWith('docs/policies/')) for (const id of d.ids) policyIds.add(id);

  const idsOf = (text: string): string[] => {
    const out: string[] = [];
    for (const m of text.matchAll(new RegExp(String.raw`(${ID})(?:\s*[–-]\s*(${ID}))?`, 'g'))) {
      out.push(m[1] as string);
      if (m[2]) out.push(m[2]);
    }
    return out;
  };
  const checkIds = (where: string, docName: string, doc: DocIndex, ids: string[]): void => {
    for (const id of ids) {
      stats.ids++;
      if (!doc.ids.has(id)) findings.push(`${where}: id ${id} is not defined in ${docName}.md`);
    }
  };

  for (const src of sources) {
    const lines = src.text.split('\n');
    lines.forEach((line, i) => {
      const where = `${src.path}:${i + 1}`;
      const covered = new Set<number>();
      for (const m of line.matchAll(CITATION)) {
        const whole = m[0];
        const name = m[1] as string;
        const conv = m[2];
        const a = m[3] as string;
        const b = m[4];
        const rule = m[5];
        const idText = m[6];
        const start = m.index ?? 0;
        for (let k = start; k < start + whole.length; k++) if (line[k] === SIGN) covered.add(k);
        stats.citations++;
        const doc = byName.get(name);
        if (!doc) {
          findings.push(`${where}: ${name}.md ${SIGN}${a} cites a doc that does not exist under docs/`);
          continue;
        }
        const pool = conv ? doc.conventions : doc.sections;
        for (const n of b === undefined ? [a] : [a, b]) {
          if (!pool.has(n)) findings.push(`${where}: ${name}.md has no ${conv ? 'conventions ' : ''}heading numbered ${n}`);
        }
        if (rule && rule.trim() !== '' && !doc.listed.has(a)) {
          findings.push(`${where}: ${name}.md ${SIGN}${a} is cited with "${rule.trim()}" but has no numbered list or table`);
        }
        checkIds(where, name, doc, idsOf(idText ?? ''));
      }
      for (let k = 0; k < line.length; k++) {
        if (line[k] === SIGN && !covered.has(k)) findings.push(`${where}: a section sign that is not part of a <doc>.md citation`);
      }
      for (const m of line.matchAll(ID_CITATION)) {
        const name = m[1] as string;
        const doc = byName.get(name);
        if (!doc) continue; // a mention of a file that is not a doc (e.g. README.md) carries no ids to check
        checkIds(where, name, doc, idsOf(m[2] as string));
      }
      if (/\.test\.ts$/.test(src.path)) {
        for (const m of line.matchAll(TITLE_ID)) {
          stats.titleIds++;
          const id = m[1] as string;
          if (!policyIds.has(id)) findings.push(`${where}: test-title id ${id} is not defined in any docs/policies file`);
        }
      }
    });
  }

  const tables = new Set(docs.filter((d) => d.path.startsWith('docs/tables/')).map((d) => basename(d.path, '.md')));
  for (const [name, d] of byName) {
    if (!d.path.startsWith('docs/policies/')) continue;
    for (const t of [name, ...(TABLE_ALIASES[name] ?? [])]) {
      if (!tables.has(t)) continue;
      if (!d.links.some((l) => l.endsWith(`tables/${t}.md`))) findings.push(`${d.path}: does not link to its table docs/tables/${t}.md`);
    }
  }
  return { findings, stats };
};

// ───────────────────────────── repository files ─────────────────────────────

const root = join(__dirname, '..');

const walk = (dir: string, ext: string): string[] => {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((n) => {
    if (n === 'node_modules' || n === 'dist' || n.startsWith('.')) return [];
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p, ext) : p.endsWith(ext) ? [p] : [];
  });
};
const read = (p: string): TextFile => ({ path: relative(root, p).split('\\').join('/'), text: readFileSync(p, 'utf8') });

/** The scanned code: packages/*\/src and test (.ts), test/ (.ts) and bench/ (.mjs). */
export const repositorySources = (): TextFile[] => {
  const pk = join(root, 'packages');
  const files = readdirSync(pk).flatMap((p) => [...walk(join(pk, p, 'src'), '.ts'), ...walk(join(pk, p, 'test'), '.ts')]);
  const self = join(root, 'test', 'docs-citations.test.ts'); // its fixtures are bad citations on purpose
  return [...files, ...walk(join(root, 'test'), '.ts'), ...walk(join(root, 'bench'), '.mjs')].filter((p) => p !== self).map(read);
};
/** Every markdown file under docs/. */
export const repositoryDocs = (): TextFile[] => walk(join(root, 'docs'), '.md').map(read);

// ───────────────────────────── tests ─────────────────────────────

const doc = (path: string, text: string): TextFile => ({ path, text });
const DOCS: TextFile[] = [
  doc(
    'docs/policies/push-gate.md',
    [
      '# Push gate',
      'Table: [gate-push](../tables/gate-push.md).',
      '## 6. Command classifier',
      '### 6.2 Lexing',
      '| Id | Rule |',
      '|---|---|',
      '| X4 | double quotes |',
      '## 8. Decision',
      'Just prose here.',
      '## 17. Properties',
      '| PG-10 | zero I/O |',
    ].join('\n'),
  ),
  doc('docs/policies/hooks.md', ['# Hooks', '## 7. Rules for every hook', '1. stdin', '2. exit', '- **G-P5** one JSON object'].join('\n')),
  doc('docs/architecture.md', ['# Architecture', '## Conventions', '### 1. Configuration', '### 7. One process', '## Glossary'].join('\n')),
  doc('docs/host-protocols.md', ['# Hosts', '## C5. Claude Code output', '## D. git pre-push'].join('\n')),
  doc('docs/tables/gate-push.md', '# table'),
];
const src = (text: string, path = 'packages/kernel/src/x.ts'): TextFile => ({ path, text });
const check = (text: string, path?: string, docs: TextFile[] = DOCS): string[] => checkCitations([src(text, path)], docs).findings;

describe('checkCitations (pure checker)', () => {
  it('accepts citations that resolve: section, sub-section, ids, rule lists, conventions, host ids, ranges', () => {
    expect(check(`// push-gate.md ${SIGN}6.2 X4 and push-gate.md ${SIGN}6`)).toEqual([]);
    expect(check(`// hooks.md ${SIGN}7 rule 2, hooks.md ${SIGN}7, G-P5`)).toEqual([]);
    expect(check(`// architecture.md conventions ${SIGN}1 and architecture.md conventions ${SIGN}1–7`)).toEqual([]);
    expect(check('// host-protocols.md C5 and host-protocols.md D')).toEqual([]);
    expect(check(`// push-gate.md ${SIGN}6–8, push-gate.md ${SIGN}17`)).toEqual([]);
  });

  it('fails on a bare section sign', () => {
    const f = check(`// see ${SIGN}6.2 for the lexer`);
    expect(f).toHaveLength(1);
    expect(f[0]).toMatch(/^packages\/kernel\/src\/x\.ts:1: a section sign that is not part of/);
  });

  it('fails on a spec name that is not a doc of the repository', () => {
    expect(check(`// nowhere.md ${SIGN}1.3 rule 2`)[0]).toMatch(/nowhere\.md .*does not exist under docs/);
  });

  it('fails on a section number the doc does not have, at either end of a range', () => {
    expect(check(`// push-gate.md ${SIGN}6.11`)[0]).toMatch(/push-gate\.md has no heading numbered 6\.11/);
    expect(check(`// push-gate.md ${SIGN}6–9`)[0]).toMatch(/no heading numbered 9/);
    expect(check(`// architecture.md conventions ${SIGN}4`)[0]).toMatch(/no conventions heading numbered 4/);
  });

  it('fails on a rule id the cited doc does not define', () => {
    expect(check(`// push-gate.md ${SIGN}6.2 X9`)[0]).toMatch(/id X9 is not defined in push-gate\.md/);
    expect(check(`// push-gate.md ${SIGN}6.2 X4–X5`)[0]).toMatch(/id X5/);
    expect(check('// host-protocols.md C9')[0]).toMatch(/id C9 is not defined in host-protocols\.md/);
  });

  it('fails on "rule N" when the cited section has no numbered list or table', () => {
    expect(check(`// push-gate.md ${SIGN}8 rule 3`)[0]).toMatch(/has no numbered list or table/);
  });

  it('fails on a test-title id that no policy doc defines, and accepts a defined one', () => {
    const t = 'test/x.test.ts';
    expect(check("it('PG-10 zero I/O', () => {})", t)).toEqual([]);
    expect(check("test.prop([fc.string()])('SL-99 something', () => {})", t)[0]).toMatch(/test-title id SL-99/);
  });

  it('fails when a policy doc does not link its generated table', () => {
    const docs = DOCS.map((d) => (d.path.endsWith('push-gate.md') && d.path.includes('policies') ? doc(d.path, d.text.replace('../tables/gate-push.md', '#')) : d));
    expect(check('// nothing cited', undefined, docs)).toEqual(['docs/policies/push-gate.md: does not link to its table docs/tables/gate-push.md']);
  });
});

describe('repository scan', () => {
  it('every citation in packages, test and bench resolves in docs/', () => {
    const { findings, stats } = checkCitations(repositorySources(), repositoryDocs());
    // The counts, for the record (printed by `npx vitest run test/docs-citations.test.ts --reporter verbose`).
    console.log(`docs-citations: ${stats.citations} citations, ${stats.ids} ids after citations, ${stats.titleIds} test-title ids checked`);
    expect(findings.slice(0, 50)).toEqual([]);
    expect(findings).toHaveLength(0);
  });
});

describe('the package map of docs/architecture.md ("Where things live in io-node and hooks")', () => {
  const repo = join(__dirname, '..');
  const section = (() => {
    const text = readFileSync(join(repo, 'docs/architecture.md'), 'utf8');
    const from = text.indexOf('## Where things live in io-node and hooks');
    return text.slice(from, text.indexOf('\n## ', from + 1));
  })();

  it('names every source file of io-node and every folder of hooks/src, so a new one cannot go unmapped', () => {
    expect(section.length).toBeGreaterThan(1000);
    const ioNode = readdirSync(join(repo, 'packages/io-node/src')).filter((f) => f.endsWith('.ts') && f !== 'index.ts');
    const hookDirs = readdirSync(join(repo, 'packages/hooks/src')).filter((f) => statSync(join(repo, 'packages/hooks/src', f)).isDirectory());
    expect(ioNode.length).toBeGreaterThan(30);
    expect(hookDirs.length).toBeGreaterThan(5);
    expect(ioNode.filter((f) => !section.includes(`\`${f}\``))).toEqual([]);
    expect(hookDirs.filter((d) => !section.includes(`\`${d}/\``))).toEqual([]);
  });
});
