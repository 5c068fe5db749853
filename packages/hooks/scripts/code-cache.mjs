// Build step after tsup (`npm run build` in packages/hooks): make the V8 code cache of the dispatcher bundle,
// `dist/dispatch.cjs.v8cache`, which `dist/arbiter.cjs` loads (see src/bin/arbiter.ts). The cache holds the
// functions compiled while the binary answers the three fast paths (a read-only session-lock call, a non-push
// gate-push call and a no-op Stop), each run starting from the previous run's cache, in a scratch directory with
// its own state directory (nothing outside it is written). The cache is only a speed-up: when this step fails
// it says so and the build goes on, and the binary compiles the source instead.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const target = join(dist, 'dispatch.cjs.v8cache');
const scratch = mkdtempSync(join(tmpdir(), 'arbiter-code-cache-'));
const env = { ...process.env, HOME: scratch, ARBITER_STATE_DIR: join(scratch, 'state'), ARBITER_NO_TMUX: '1' };
delete env.NODE_OPTIONS;
const runs = [
  [['hook', 'session-lock', 'acquire', '--agent', 'claude'], { session_id: 'build', cwd: scratch, hook_event_name: 'PreToolUse', tool_name: 'Read', tool_input: { file_path: 'x' } }],
  [['hook', 'gate-push', '--agent', 'claude'], { session_id: 'build', cwd: scratch, hook_event_name: 'PreToolUse', tool_name: 'Bash', tool_input: { command: 'ls' } }],
  [['hook', 'stop', '--agent', 'claude'], { session_id: 'build', cwd: scratch, hook_event_name: 'Stop', stop_hook_active: false, last_assistant_message: 'Done.' }],
];
try {
  for (const [args, payload] of runs) {
    const tmp = `${target}.tmp-${process.pid}`;
    const r = spawnSync(process.execPath, [join(dist, 'arbiter.cjs'), ...args], { cwd: scratch, env: { ...env, ARBITER_CODE_CACHE_OUT: tmp }, input: JSON.stringify(payload), encoding: 'utf8', timeout: 30_000 });
    if (r.status !== 0) throw new Error(`arbiter ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
    renameSync(tmp, target);
  }
  process.stdout.write(`code cache: ${target}\n`);
} catch (e) {
  rmSync(target, { force: true });
  process.stderr.write(`code cache not made (the binary compiles its source instead): ${e instanceof Error ? e.message : e}\n`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
