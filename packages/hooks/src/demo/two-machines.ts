/**
 * Demo section "two machines" (issue 9 item 7, push-gate.md §5.7): `arbiter serve` on loopback with the embedded
 * store (no database), two separate clones with different host identities (`ARBITER_HOST`, their own state
 * directories) both configured with `lanes.store = {"kind":"http",…}` and their own member tokens. B gets `ask`
 * while A holds; A's holder (a deploy script renewing its lease) is killed with SIGKILL; once the lease has run out
 * B is granted with fence + 1; A's late heartbeat is `Lost`; `lane assert` with A's old fence fails.
 *
 * The service runs with its store clock at 20× (`--clock-rate 20`, a demo and test knob of the embedded store), so
 * the two-minute lease of the killed holder runs out in six seconds of real time.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DemoContext } from './context.js';

const pre = (session: string, cwd: string, command: string, id: string) =>
  JSON.stringify({ session_id: session, transcript_path: `/tmp/${session}.jsonl`, cwd, hook_event_name: 'PreToolUse', tool_name: 'Bash', tool_input: { command }, tool_use_id: id });

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Start a child and resolve with the first match of `re` on its stderr (or reject after `ms`). */
const startAndWait = (cmd: string, args: string[], env: NodeJS.ProcessEnv, cwd: string, re: RegExp, ms = 15_000): Promise<{ child: ChildProcess; match: RegExpExecArray }> =>
  new Promise((res, rej) => {
    const child = spawn(cmd, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let text = '';
    const t = setTimeout(() => rej(new Error(`timed out waiting for ${re}: ${text.slice(0, 300)}`)), ms);
    const on = (d: Buffer): void => {
      text += d.toString('utf8');
      const m = re.exec(text);
      if (m !== null) {
        clearTimeout(t);
        res({ child, match: m });
      }
    };
    child.stderr?.on('data', on);
    child.stdout?.on('data', on);
    child.on('exit', () => rej(new Error(`exited early: ${text.slice(0, 300)}`)));
  });

/** Run the section. */
export const run = async (ctx: DemoContext): Promise<void> => {
  ctx.heading('Two machines: `arbiter serve` shares deploy lanes between separate clones (embedded store, no database)');
  const root = join(ctx.tmp, 'two-machines');
  const served = join(root, 'served-lanes');
  mkdirSync(root, { recursive: true });
  const node = process.execPath;
  const token = (member: string): string => ctx.arbiter(['token', 'create', '--member', member, '--store', `fs:${served}`]).stdout.trim();
  const tokA = token('ana@example.com');
  const tokB = token('bo@example.com');
  ctx.say('`arbiter token create --member ana@example.com` and `… bo@example.com`: each token printed once, only its hash kept');
  const srv = await startAndWait(node, [ctx.bin, 'serve', '--listen', '127.0.0.1:0', '--store', `fs:${served}`, '--clock-rate', '20'], ctx.env, root, /listening on (http:\/\/127\.0\.0\.1:\d+)/);
  const url = srv.match[1] as string;
  ctx.say(`\`arbiter serve --listen 127.0.0.1:0 --store fs:…\` → listening on ${url} (store clock ×20 for the demo: a 2-minute lease lasts 6 s)`);
  const holders: ChildProcess[] = [];
  try {
    const remote = join(root, 'remote.git');
    ctx.git(root, ['init', '-q', '--bare', '-b', 'main', remote]);
    const seed = ctx.makeRepo(join(root, 'seed'));
    ctx.git(seed, ['push', '-q', remote, 'main']);
    const machines = [
      { name: 'A', dir: join(root, 'laptop-ana', 'repo'), host: 'laptop-ana', member: 'ana@example.com', token: tokA },
      { name: 'B', dir: join(root, 'ci-runner-7', 'repo'), host: 'ci-runner-7', member: 'bo@example.com', token: tokB },
    ];
    for (const m of machines) {
      mkdirSync(join(m.dir, '..'), { recursive: true });
      ctx.git(root, ['clone', '-q', remote, m.dir]);
      ctx.git(m.dir, ['config', 'user.email', m.member]);
      mkdirSync(join(m.dir, '.arbiter'), { recursive: true });
      writeFileSync(join(m.dir, '.arbiter', 'config.json'), JSON.stringify({ version: 1, lanes: { store: { kind: 'http', url, token_env: 'ARBITER_TOKEN' } } }, null, 2) + '\n');
    }
    ctx.say(`clones A (host laptop-ana) and B (host ci-runner-7), each with its own state directory and token; config: lanes.store = {"kind":"http","url":"${url}","token_env":"ARBITER_TOKEN"}`);
    const [A, B] = machines as [(typeof machines)[0], (typeof machines)[0]];
    const envOf = (m: typeof A, session: string): NodeJS.ProcessEnv => ({ ARBITER_STATE_DIR: join(m.dir, '..', 'state'), ARBITER_HOST: m.host, ARBITER_TOKEN: m.token, ARBITER_SESSION: session });
    const on = (m: typeof A, args: string[], session: string, stdin?: string) => ctx.arbiter(args, { cwd: m.dir, env: envOf(m, session), ...(stdin === undefined ? {} : { stdin }) });

    ctx.say('');
    ctx.say("A's deploy script claims the lane and keeps renewing it (`arbiter deploy --eta 2 --print-env`, then `arbiter lane heartbeat --fence N` every 0.3 s):");
    const script = `set -e\neval "$("${node}" "${ctx.bin}" deploy --eta 2 --print-env)"\necho "holder: lane $ARBITER_LANE fence $ARBITER_FENCE" >&2\nwhile :; do "${node}" "${ctx.bin}" lane heartbeat --fence "$ARBITER_FENCE" >/dev/null; sleep 0.3; done\n`;
    writeFileSync(join(root, 'deploy-a.sh'), script);
    const holder = await startAndWait('sh', [join(root, 'deploy-a.sh')], { ...ctx.env, ...envOf(A, 'sess-ana-deploy') }, A.dir, /holder: lane (\S+) fence (\d+)/);
    holders.push(holder.child);
    const fenceA = Number(holder.match[2]);
    ctx.say(`A holds ${holder.match[1]} with fence ${fenceA} (host laptop-ana)`);
    ctx.verdict('B PreToolUse `git push origin main` while A holds (Claude asks)', on(B, ['hook', 'gate-push', '--agent', 'claude'], 'sess-bo-ci', pre('sess-bo-ci', B.dir, 'git push origin main', 'toolu_B1')));

    ctx.say('');
    ctx.say("A's holder is killed with SIGKILL (a laptop closed mid-deploy): no release, its lease just stops being renewed.");
    if (holder.child.pid !== undefined) process.kill(-holder.child.pid, 'SIGKILL');
    await sleep(6_500);
    ctx.verdict('after the lease ran out: B `arbiter deploy`', on(B, ['deploy'], 'sess-bo-ci'));
    const hb = on(A, ['lane', 'heartbeat', '--fence', String(fenceA)], 'sess-ana-deploy');
    ctx.verdict(`A's late \`arbiter lane heartbeat --fence ${fenceA}\``, hb);
    ctx.verdict(`A's deploy step guarded by \`arbiter lane assert deploy:refs/heads/main --fence ${fenceA}\``, on(A, ['lane', 'assert', 'deploy:refs/heads/main', '--fence', String(fenceA)], 'sess-ana-deploy'));
    ctx.verdict(`B's guard \`arbiter lane assert deploy:refs/heads/main --fence ${fenceA + 1}\``, on(B, ['lane', 'assert', 'deploy:refs/heads/main', '--fence', String(fenceA + 1)], 'sess-bo-ci'));
    const st = on(B, ['lane', 'status'], 'sess-bo-ci');
    ctx.say('`arbiter lane status` on B (served by the same service):');
    for (const l of st.stdout.trim().split('\n').slice(0, 6)) ctx.say(`  | ${l}`);
  } finally {
    for (const h of holders) if (h.pid !== undefined && h.exitCode === null) {
      try {
        process.kill(-h.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    if (srv.child.pid !== undefined) {
      try {
        process.kill(-srv.child.pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
  }
};
