/**
 * Demo section: the convoy gates a shell runner or CI calls (issue 5): a plan whose tasks fight over files is
 * refused, a planted fake key is found and masked, and a real `git diff` is measured by the blast radius.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DemoContext } from './context.js';

/** Run the section. */
export const run = async (ctx: DemoContext): Promise<void> => {
  ctx.heading('Convoy gates: partitions, secret scan, blast radius');
  const repo = ctx.makeRepo(join(ctx.tmp, 'convoy'));
  writeFileSync(
    join(repo, 'plan.yml'),
    'tasks:\n  - id: schema\n    files: [db/]\n  - id: api\n    depends_on: [schema]\n    files: [src/api/]\n  - id: auth\n    depends_on: [schema]\n    files: [src/api/auth.ts]\n',
  );
  ctx.verdict('arbiter partitions check plan.yml (api and auth both claim src/api/ in phase 2)', { ...ctx.arbiter(['partitions', 'check', 'plan.yml'], { cwd: repo }), stderr: '' });
  writeFileSync(join(repo, 'plan.yml'), 'tasks:\n  - id: schema\n    files: [db/]\n  - id: api\n    depends_on: [schema]\n    files: [src/api/]\n  - id: auth\n    depends_on: [api]\n    files: [src/api/auth.ts]\n');
  const ok = ctx.arbiter(['partitions', 'check', 'plan.yml'], { cwd: repo });
  ctx.verdict('the same plan with auth after api', { ...ok, stdout: ok.stdout.trim().split('\n').pop() ?? '' });

  mkdirSync(join(repo, 'src'), { recursive: true });
  // Assembled at run time so the demo's own source does not scan dirty.
  const fake = ['AKIA', 'DEMO', '0000', 'EXAMPLE0'].join('');
  writeFileSync(join(repo, 'src', 'config.ts'), `export const region = 'eu-west-1';\nexport const accessKey = '${fake}';\n`);
  const scan = ctx.arbiter(['scan', 'secrets', 'src'], { cwd: repo });
  ctx.verdict('arbiter scan secrets src (a fake AWS key planted in src/config.ts)', { ...scan, stderr: '' });
  ctx.say(`the key itself appears in the output: ${scan.stdout.includes(fake) ? 'yes' : 'no'}`);

  ctx.git(repo, ['add', '.']);
  ctx.git(repo, ['commit', '-q', '-m', 'config']);
  writeFileSync(join(repo, 'src', 'big.ts'), Array.from({ length: 240 }, (_, i) => `export const v${i} = ${i};`).join('\n') + '\n');
  ctx.git(repo, ['add', '-N', 'src/big.ts']);
  const diff = ctx.git(repo, ['diff']);
  const br = ctx.arbiter(['blast-radius'], { stdin: diff, cwd: repo });
  ctx.verdict('git diff | arbiter blast-radius (240 new lines)', { ...br, stdout: (JSON.parse(br.stdout || '{}') as { summary?: string }).summary ?? br.stdout });
};
