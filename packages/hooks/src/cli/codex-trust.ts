/**
 * Recording the user's trust in Arbiter's Codex hooks through Codex itself (hooks.md §11, "Codex trust"), for
 * `arbiter install --codex --trust-codex-hooks`.
 *
 * Codex runs a hook only once `$CODEX_HOME/config.toml` holds `[hooks.state."<key>"] trusted_hash = "<hash>"` for it.
 * Arbiter never computes that hash: it asks the user's own `codex app-server` (JSON-RPC 2.0, one JSON object per line
 * on stdio). `hooks/list` names each hook Codex sees for a directory with its `key`, its `currentHash` and its
 * `trustStatus`; `config/batchWrite` is the method Codex's own `/hooks` screen uses to record trust, and it writes
 * Codex's configuration file with Codex's own editor. So no TOML library and no hash code live here: the hashes
 * written are exactly the ones Codex reported, in one batch (all or none), and a second `hooks/list` confirms Codex
 * now reports each of them `trusted`. Only Arbiter's registrations in the hooks file `install` wrote are trusted;
 * other hooks are left as they are. Spawned with an argument array, never a shell.
 */
import { spawn } from 'node:child_process';
import { realpathSync } from 'node:fs';

/** One hook as `hooks/list` reports it (the fields used here). */
export interface CodexHook {
  readonly key: string;
  readonly handlerType: string;
  readonly command?: string;
  readonly sourcePath: string;
  readonly currentHash: string;
  /** `trusted`, `untrusted`, `modified` (trusted once, changed since) or `managed` (needs no trust). */
  readonly trustStatus: string;
}

/** What {@link trustCodexHooks} did: the keys it recorded trust for, and those Codex already trusted. */
export interface TrustOutcome {
  readonly trusted: ReadonlyArray<string>;
  readonly already: ReadonlyArray<string>;
}

/** Options of {@link trustCodexHooks}. */
export interface TrustOptions {
  /** The `codex` executable: a path, or a name looked up on PATH. */
  readonly codexBin: string;
  /** The directory Codex lists hooks for (the repository's top level, or any directory for user-level hooks). */
  readonly cwd: string;
  /** The hooks file `install` wrote (`.codex/hooks.json` or `$CODEX_HOME/hooks.json`). */
  readonly file: string;
  /** The exact commands `install` registered there (one per registration). */
  readonly commands: ReadonlyArray<string>;
  /** The environment Codex runs with (its CODEX_HOME decides which config.toml is written). */
  readonly env: NodeJS.ProcessEnv;
  /** Bound on the whole exchange, milliseconds (default 60 000). */
  readonly timeoutMs?: number;
}

/** A JSON-RPC connection to one `codex app-server` process. */
interface Rpc {
  readonly call: (method: string, params: unknown) => Promise<unknown>;
  readonly close: () => void;
}

/** Start `<bin> app-server` and say `initialize` / `initialized`. Rejects with Codex's stderr when it cannot start. */
const connect = async (bin: string, cwd: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<Rpc> => {
  const child = spawn(bin, ['app-server'], { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
  const pending = new Map<number, { res: (v: unknown) => void; rej: (e: Error) => void }>();
  let stderr = '';
  let buf = '';
  let next = 0;
  let dead: Error | null = null;
  const failAll = (e: Error): void => {
    dead ??= e;
    for (const p of pending.values()) p.rej(dead);
    pending.clear();
  };
  const timer = setTimeout(() => {
    failAll(new Error(`\`${bin} app-server\` did not answer within ${timeoutMs} ms`));
    child.kill('SIGKILL');
  }, timeoutMs);
  child.stderr.on('data', (c: Buffer) => (stderr = (stderr + c.toString('utf8')).slice(-2_000)));
  child.stdout.on('data', (c: Buffer) => {
    buf += c.toString('utf8');
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      let m: { id?: unknown; result?: unknown; error?: { message?: unknown } };
      try {
        m = JSON.parse(line) as typeof m;
      } catch {
        continue; // not a protocol line
      }
      const p = typeof m.id === 'number' ? pending.get(m.id) : undefined;
      if (p === undefined) continue; // a notification (warnings, status changes)
      pending.delete(m.id as number);
      if (m.error !== undefined) p.rej(new Error(`codex app-server answered an error: ${String(m.error.message ?? JSON.stringify(m.error))}`));
      else p.res(m.result);
    }
  });
  child.on('error', (e) => failAll(new Error(`cannot start \`${bin} app-server\`: ${e.message}`)));
  child.on('close', (code) => failAll(new Error(`\`${bin} app-server\` exited (${String(code)}): ${stderr.trim().split('\n').slice(-3).join(' | ')}`)));
  child.stdin.on('error', () => undefined); // a dead child is reported by 'close'
  const send = (o: unknown): void => void child.stdin.write(`${JSON.stringify(o)}\n`);
  const call = (method: string, params: unknown): Promise<unknown> =>
    new Promise((res, rej) => {
      if (dead !== null) return rej(dead);
      const id = ++next;
      pending.set(id, { res, rej });
      send({ jsonrpc: '2.0', id, method, params });
    });
  const close = (): void => {
    clearTimeout(timer);
    dead ??= new Error('closed');
    child.stdin.end();
    child.kill();
  };
  try {
    await call('initialize', { clientInfo: { name: 'arbiter', title: 'Arbiter', version: '1' }, capabilities: null });
    send({ jsonrpc: '2.0', method: 'initialized' });
  } catch (e) {
    close();
    throw e;
  }
  return { call, close };
};

/** The hooks `hooks/list` reports for `cwd`, with the warnings and errors Codex gives. */
const listHooks = async (rpc: Rpc, cwd: string): Promise<{ hooks: CodexHook[]; problems: string[] }> => {
  const r = (await rpc.call('hooks/list', { cwds: [cwd] })) as { data?: Array<{ hooks?: CodexHook[]; warnings?: string[]; errors?: unknown[] }> } | null;
  const entries = Array.isArray(r?.data) ? r.data : [];
  return {
    hooks: entries.flatMap((e) => (Array.isArray(e.hooks) ? e.hooks : [])),
    problems: entries.flatMap((e) => [...(e.warnings ?? []), ...(e.errors ?? []).map((x) => JSON.stringify(x))]),
  };
};

/** `p` and its real path (the hooks file may be reached through a symlink). */
const samePath = (a: string, b: string): boolean => {
  const real = (p: string): string => {
    try {
      return realpathSync(p);
    } catch {
      return p;
    }
  };
  return a === b || real(a) === real(b);
};

/**
 * Arbiter's hooks among those Codex lists: from `file`, run as commands, each command one `install` registered.
 * Pure; exported for tests.
 */
export const arbiterHooks = (hooks: ReadonlyArray<CodexHook>, file: string, commands: ReadonlyArray<string>): CodexHook[] =>
  hooks.filter((h) => h.handlerType === 'command' && typeof h.command === 'string' && commands.includes(h.command) && samePath(h.sourcePath, file));

/**
 * Record the user's trust in each of Arbiter's hooks in `o.file` through `codex app-server` (module doc). Idempotent:
 * hooks Codex already reports `trusted` (or `managed`) are not written again. Throws (nothing written) when Codex
 * cannot be started, does not list every registered hook, or refuses the write; throws after the write when Codex
 * still does not report each hook trusted.
 */
export const trustCodexHooks = async (o: TrustOptions): Promise<TrustOutcome> => {
  const rpc = await connect(o.codexBin, o.cwd, o.env, o.timeoutMs ?? 60_000);
  try {
    const before = await listHooks(rpc, o.cwd);
    const ours = arbiterHooks(before.hooks, o.file, o.commands);
    if (ours.length < o.commands.length) {
      throw new Error(
        `Codex lists ${ours.length} of the ${o.commands.length} Arbiter hook(s) in ${o.file} for ${o.cwd}, so their trust was not recorded` +
          (before.problems.length > 0 ? ` (Codex says: ${before.problems.join('; ').slice(0, 300)})` : '') +
          '. For project hooks Codex must trust the project first ([projects."<path>"] trust_level = "trusted").',
      );
    }
    const ok = (h: CodexHook): boolean => h.trustStatus === 'trusted' || h.trustStatus === 'managed';
    const todo = ours.filter((h) => !ok(h));
    if (todo.length > 0) {
      const state = Object.fromEntries(todo.map((h) => [h.key, { trusted_hash: h.currentHash }]));
      await rpc.call('config/batchWrite', { edits: [{ keyPath: 'hooks.state', value: state, mergeStrategy: 'upsert' }] });
      const after = arbiterHooks((await listHooks(rpc, o.cwd)).hooks, o.file, o.commands);
      const still = todo.filter((t) => !after.some((a) => a.key === t.key && ok(a)));
      if (still.length > 0) throw new Error(`Codex accepted the trust entries but still reports ${still.length} hook(s) untrusted: ${still.map((s) => s.key).join(', ')}`);
    }
    return { trusted: todo.map((h) => h.key), already: ours.filter(ok).map((h) => h.key) };
  } finally {
    rpc.close();
  }
};
