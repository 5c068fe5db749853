/**
 * The sighting inbox (presence.md §11): the due mark (IN2), the append that never loses a line even when a folder
 * takes the inbox away mid-write (IN1, with real processes), the decoder of a line (IN4), and the fold (IN3): folding
 * sightings through the inbox leaves the same record as recording each directly, lines outside a repository or of
 * another session are dropped, a torn line is skipped, a taken file left half-way is folded by the next folder, and a
 * corrupt record is never overwritten (PR8).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync, appendFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildSync } from 'esbuild';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  INBOX_FOLD_MS,
  appendToInbox,
  decodeInboxLine,
  dueMarkFile,
  inboxDue,
  inboxFile,
  inboxLine,
  ingestAllInboxes,
  ingestInbox,
  presenceFileName,
  presenceKey,
  readPresenceFile,
  recordEventsSync,
  removeTaken,
  resolveRepo,
  sessionsDir,
  setInboxDue,
  takeInboxLines,
  type InboxSighting,
} from '@arbiter/io-node';
import { presence as P, type PresenceEvent, type PresenceEventKind, type SessionPresence } from '@arbiter/kernel';
import { makeRepo, runNodeScript, tmp } from './helpers/bin.js';

const root = resolve(__dirname, '..');

const sighting = (over: Partial<InboxSighting> = {}): InboxSighting => ({ session: 's1', agent: 'claude', event: 'pre-tool', tool: 'Read', at: 1_000, cwd: '/', host: null, ...over });

const recordOf = (runtimeDir: string, session: string): SessionPresence | null => {
  const r = readPresenceFile(sessionsDir(runtimeDir), presenceFileName(session));
  return r._tag === 'Ok' ? r.presence : null;
};

describe('the due mark (presence.md §11 IN2)', () => {
  it('is due when missing, at or before now, or further ahead than the fold interval (a clock stepped back)', () => {
    const inbox = join(tmp('arbiter-inbox-'), 'inbox');
    const now = 1_800_000_000_000;
    expect(inboxDue(inbox, 's1', now)).toBe(true);
    expect(setInboxDue(inbox, 's1', now + 1_000)).toBe(true);
    expect(existsSync(dueMarkFile(inbox, presenceKey('s1')))).toBe(true);
    expect(inboxDue(inbox, 's1', now)).toBe(false);
    expect(inboxDue(inbox, 's1', now + 999)).toBe(false);
    expect(inboxDue(inbox, 's1', now + 1_000)).toBe(true);
    expect(inboxDue(inbox, 's1', now + 1_000 - INBOX_FOLD_MS - 1)).toBe(true);
    expect(inboxDue(inbox, 's1', now + 1_000 - INBOX_FOLD_MS)).toBe(false);
    setInboxDue(inbox, 's1', 0);
    expect(inboxDue(inbox, 's1', now)).toBe(true);
    expect(inboxDue(inbox, 'other', now)).toBe(true);
  });
});

describe('an inbox line (IN1, IN4)', () => {
  const arbSighting = fc.record({
    session: fc.string({ minLength: 1, maxLength: 60 }),
    agent: fc.constantFrom('claude' as const, 'codex' as const, 'git' as const, 'cli' as const),
    event: fc.constantFrom(...P.PRESENCE_EVENTS),
    tool: fc.option(fc.string({ maxLength: 40 })),
    at: fc.integer({ min: 0, max: 2 ** 50 }),
    cwd: fc.string({ maxLength: 40 }).map((s) => `/${s}`),
    host: fc.option(fc.string({ maxLength: 20 })),
  });

  it('decodes back to the sighting it encodes', () => {
    fc.assert(
      fc.property(arbSighting, (s) => {
        expect(decodeInboxLine(inboxLine(s).trimEnd())).toEqual(s);
      }),
    );
  });

  it('anything else decodes to null, never throws', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json(), arbSighting.map((s) => JSON.stringify({ ...s, v: 2 }))), (text) => {
        const d = decodeInboxLine(text);
        if (d !== null) expect(inboxLine(d).trimEnd()).toBe(JSON.stringify(JSON.parse(text)));
      }),
    );
    for (const bad of [
      '{"v":1}',
      JSON.stringify({ ...sighting(), cwd: 'relative/dir' }),
      JSON.stringify({ ...sighting(), at: 1.5 }),
      JSON.stringify({ ...sighting(), at: -1 }),
      JSON.stringify({ ...sighting(), agent: 'robot' }),
      JSON.stringify({ ...sighting(), event: 'lunch' }),
      JSON.stringify({ ...sighting(), session: '' }),
      JSON.stringify({ ...sighting(), tool: 7 }),
      'null',
      '[]',
      '{"v":1,"session":"s1"', // torn
    ])
      expect(decodeInboxLine(bad)).toBeNull();
  });
});

describe('the fold (IN3)', () => {
  const world = () => {
    const base = tmp('arbiter-inbox-fold-');
    const env = { ARBITER_STATE_DIR: join(base, 'state'), HOME: base };
    const repo = makeRepo(join(base, 'repo'));
    const r = resolveRepo(repo, env)!;
    const inbox = join(base, 'state', 'presence-inbox');
    const ev = (event: PresenceEventKind, at: number, tool: string | null = null, session = 's1'): PresenceEvent => ({
      session,
      agent: 'claude',
      event,
      at,
      host: 'h1',
      workspace: r.commonDir,
      worktree: r.topLevel,
      branch: 'main',
      tool,
    });
    return { base, env, repo, runtime: r.runtimeDir, inbox, ev };
  };

  it('folding through the inbox leaves the record that recording each event directly leaves (any events, any split)', () => {
    const w = world();
    let n = 0;
    fc.assert(
      fc.property(
        fc.array(fc.record({ event: fc.constantFrom(...P.PRESENCE_EVENTS), dt: fc.integer({ min: 0, max: 3 }), tool: fc.option(fc.constantFrom('Read', 'Bash')), viaInbox: fc.boolean() }), { minLength: 1, maxLength: 12 }),
        (steps) => {
          const session = `prop-${n++}`;
          let at = 1_000;
          let direct: SessionPresence | null = null;
          for (const s of steps) {
            at += s.dt;
            const e = { ...w.ev(s.event, at, s.tool, session) };
            direct = P.observe(direct, e) ?? direct;
            if (s.viaInbox) expect(appendToInbox(w.inbox, { session, agent: 'claude', event: s.event, tool: s.tool, at, cwd: w.repo, host: 'h1' })).toBe(true);
            else expect(ingestInbox(w.inbox, session, w.env, { runtimeDir: w.runtime, event: e }).busy).toBe(false);
          }
          ingestAllInboxes(w.inbox, w.env);
          expect(recordOf(w.runtime, session)).toEqual(direct);
          expect(existsSync(inboxFile(w.inbox, presenceKey(session)))).toBe(false);
        },
      ),
      { numRuns: 40 },
    );
    expect(readdirSync(w.inbox).filter((f) => f.startsWith('.taken-') || f.startsWith('.lock-'))).toEqual([]);
  });

  it('resolves each line where it was seen: workspace, worktree and branch read when folding, the host from the line or this machine', () => {
    const w = world();
    appendToInbox(w.inbox, sighting({ cwd: join(w.repo), at: 5_000, host: null }));
    appendToInbox(w.inbox, sighting({ session: 's2', cwd: join(w.repo), at: 5_000, host: 'named-host' }));
    expect(ingestAllInboxes(w.inbox, w.env)).toEqual({ folded: 2, dropped: 0 });
    const rec = recordOf(w.runtime, 's1');
    expect(rec).toMatchObject({ state: 'working', lastEvent: 'pre-tool', lastTool: 'Read', worktree: resolveRepo(w.repo, w.env)!.topLevel, branch: 'main', lastEventAt: 5_000 });
    expect(rec?.host).not.toBe('');
    expect(recordOf(w.runtime, 's2')?.host).toBe('named-host');
  });

  it('drops lines outside a repository, of another session, or not sightings; skips a torn last line; folds a taken file left half-way', () => {
    const w = world();
    const key = presenceKey('s1');
    mkdirSync(w.inbox, { recursive: true });
    writeFileSync(join(w.inbox, `.taken-${key}.jsonl`), inboxLine(sighting({ cwd: w.repo, at: 10, tool: 'FromTaken' })));
    appendToInbox(w.inbox, sighting({ cwd: w.base, at: 20 })); // outside the repository
    appendFileSync(inboxFile(w.inbox, key), inboxLine(sighting({ session: 'intruder', cwd: w.repo, at: 30 })));
    appendFileSync(inboxFile(w.inbox, key), 'not json\n');
    appendFileSync(inboxFile(w.inbox, key), inboxLine(sighting({ cwd: w.repo, at: 40, tool: 'Torn' })).slice(0, 30)); // a writer that died mid-line
    expect(ingestInbox(w.inbox, 's1', w.env)).toEqual({ own: null, folded: 1, dropped: 3, busy: false });
    expect(recordOf(w.runtime, 's1')).toMatchObject({ lastTool: 'FromTaken', lastEventAt: 10 });
    expect(recordOf(w.runtime, 'intruder')).toBeNull();
    expect(readdirSync(w.inbox).filter((f) => !f.startsWith('.due-'))).toEqual([]);
  });

  it('a corrupt record is kept, never overwritten by a fold; its lines are dropped (PR8)', () => {
    const w = world();
    mkdirSync(sessionsDir(w.runtime), { recursive: true });
    const file = join(sessionsDir(w.runtime), presenceFileName('s1'));
    writeFileSync(file, '{"v":1,"garbage":true}\n');
    appendToInbox(w.inbox, sighting({ cwd: w.repo, at: 50 }));
    const r = ingestInbox(w.inbox, 's1', w.env, { runtimeDir: w.runtime, event: w.ev('stop', 60) });
    expect(r.own?._tag).toBe('Failed');
    expect(r.dropped).toBe(1);
    expect(readFileSync(file, 'utf8')).toBe('{"v":1,"garbage":true}\n');
  });

  it('the caller\'s own event is recorded even when another folder holds the session (IN5)', () => {
    const w = world();
    mkdirSync(w.inbox, { recursive: true });
    writeFileSync(join(w.inbox, `.lock-${presenceKey('s1')}`), JSON.stringify({ pid: process.pid, at: new Date().toISOString(), tag: 'x' }));
    appendToInbox(w.inbox, sighting({ cwd: w.repo, at: 70 }));
    const r = ingestInbox(w.inbox, 's1', w.env, { runtimeDir: w.runtime, event: w.ev('stop', 80) });
    expect(r.busy).toBe(true);
    expect(recordOf(w.runtime, 's1')).toMatchObject({ state: 'idle', lastEvent: 'stop' });
    expect(existsSync(inboxFile(w.inbox, presenceKey('s1')))).toBe(true); // left to the holder
  });

  it('sets the due mark from the record the own event leaves: later while working, at once otherwise (IN2)', () => {
    const w = world();
    const now = Date.now();
    ingestInbox(w.inbox, 's1', w.env, { runtimeDir: w.runtime, event: w.ev('prompt', now) });
    expect(inboxDue(w.inbox, 's1', now + INBOX_FOLD_MS - 1)).toBe(false);
    expect(inboxDue(w.inbox, 's1', now + INBOX_FOLD_MS)).toBe(true);
    ingestInbox(w.inbox, 's1', w.env, { runtimeDir: w.runtime, event: w.ev('notification', now + 1) });
    expect(inboxDue(w.inbox, 's1', now + 2)).toBe(true);
    ingestInbox(w.inbox, 's1', w.env, { runtimeDir: w.runtime, event: w.ev('post-tool', now + 3, 'Bash') });
    expect(inboxDue(w.inbox, 's1', now + 4)).toBe(false);
    // a fold by a reader (no own event) leaves the mark alone
    ingestAllInboxes(w.inbox, w.env);
    expect(inboxDue(w.inbox, 's1', now + 4)).toBe(false);
  });

  it('an inbox that cannot be created records the own event at once, without waiting for a lock (IN5)', () => {
    const w = world();
    writeFileSync(join(w.base, 'not-a-dir'), '');
    const inbox = join(w.base, 'not-a-dir', 'presence-inbox');
    const r = ingestInbox(inbox, 's1', w.env, { runtimeDir: w.runtime, event: w.ev('prompt', 1) });
    expect(r).toMatchObject({ busy: false, own: { _tag: 'Recorded' } }); // busy would mean the lock was waited for, then given up
    expect(recordOf(w.runtime, 's1')).toMatchObject({ state: 'working', lastEvent: 'prompt' });
  });

  it('recordEventsSync folds several events in one write and reports no change for duplicates (PR6)', () => {
    const w = world();
    const evs = [w.ev('prompt', 1), w.ev('pre-tool', 2, 'Read'), w.ev('stop', 3)];
    const a = recordEventsSync(w.runtime, 's1', evs);
    expect(a._tag === 'Recorded' && a.recorded.changed && a.recorded.presence?.state).toBe('idle');
    const b = recordEventsSync(w.runtime, 's1', evs);
    expect(b._tag === 'Recorded' && b.recorded.changed).toBe(false);
  });
});

describe('appends racing a folder, with real processes (IN1)', () => {

  it('no line is lost when 4 writers append while a folder keeps taking the inbox away', async () => {
    const dir = tmp('arbiter-inbox-race-');
    const script = join(dir, 'writer.cjs');
    buildSync({
      entryPoints: [join(root, 'test/fixtures/inbox-writer.ts')],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      outfile: script,
      logLevel: 'silent',
      alias: { '@arbiter/kernel': join(root, 'packages/kernel/src/index.ts'), '@arbiter/io-node': join(root, 'packages/io-node/src/index.ts') },
    });
    const inbox = join(dir, 'inbox');
    mkdirSync(inbox);
    const key = presenceKey('race');
    const workers = 4;
    const count = 400;
    const startAt = String(Date.now() + 1_000);
    let done = false;
    const children = Promise.all(Array.from({ length: workers }, (_, w) => runNodeScript(script, [inbox, 'race', String(w), String(count), startAt]))).finally(() => (done = true));
    const seen = new Set<string>();
    let takes = 0;
    const take = (): void => {
      for (const l of takeInboxLines(inbox, key)) {
        const s = decodeInboxLine(l);
        if (s?.tool != null) seen.add(s.tool);
      }
      removeTaken(inbox, key);
      takes++;
    };
    while (!done) {
      take();
      await new Promise((r) => setImmediate(r));
    }
    const outs = await children;
    take();
    for (const o of outs) expect(o).toMatchObject({ code: 0, stderr: '' });
    // an append that reports failure (every one of its writes taken away, possible only against a folder that takes
    // the inbox in a tight loop, as here) is the hook's cue to take the full path instead: the sighting still lands
    const failed = new Set(outs.flatMap((o) => JSON.parse(o.stdout) as string[]));
    const missing: string[] = [];
    for (let w = 0; w < workers; w++) for (let i = 0; i < count; i++) if (!seen.has(`w${w}-${i}`) && !failed.has(`w${w}-${i}`)) missing.push(`w${w}-${i}`);
    expect(missing).toEqual([]);
    expect(failed.size).toBeLessThanOrEqual((workers * count) / 100);
    expect(takes).toBeGreaterThan(10);
  }, 60_000);
});
