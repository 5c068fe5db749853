// Push classifier throughput (push-gate.md §6): classifications per second of `classifyPushCommand` over a mix of
// typical agent Bash commands (non-pushes, pushes, decoys, nested shells), against a baseline of
// `String.prototype.includes('git push')` over the same strings in the same run. Also the worst-case time of one
// call on 64 KiB inputs (PG-4 bound: 50 ms per call), measured here rather than asserted in a test.
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';

const MIX = [
  'ls -la',
  'npm test',
  'git status',
  'git diff --stat HEAD~1',
  'cat package.json | jq .scripts',
  "grep -rn 'git push' docs/",
  'echo "git push origin main"',
  'git commit -m "fix: handle empty input"',
  'npm test && git push origin main',
  'git push',
  'git push -u origin feature/x',
  'git push --force-with-lease origin HEAD:refs/heads/main',
  "bash -lc 'cd api && git push origin release/2.4'",
  'timeout 60 env -u SSH_AUTH_SOCK git push origin main',
  'git -C ../app -c core.sshCommand=ssh --no-pager push origin main',
  'cd app && make build 2>&1 | tee build.log && git push origin main',
  'for f in src/*.ts; do npx prettier --check "$f"; done',
  "cat <<'EOF' > notes.md\n# Notes\nRemember to git push later.\nEOF",
  'python3 -c "import sys; print(sys.version)"',
  'echo "$(git rev-parse HEAD)" && git log --oneline -5',
];

export default async ({ root, lib }) => {
  // The CommonJS build: the ESM one imports `fp-ts/Either` by directory, which plain Node ESM does not resolve.
  const { pushClassifier } = createRequire(import.meta.url)(join(root, 'packages/kernel/dist/index.cjs'));
  const classify = pushClassifier.classifyPushCommand;
  let sink = 0;
  const ours = lib.opsPerSec((i) => {
    sink ^= classify(MIX[i % MIX.length])._tag.length;
  });
  const base = lib.opsPerSec((i) => {
    sink ^= MIX[i % MIX.length].includes('git push') ? 1 : 0;
  });
  const o = lib.stats(ours);
  const b = lib.stats(base);
  const rows = [
    {
      name: `classifyPushCommand on a ${MIX.length}-command mix`,
      value: o.median,
      unit: 'calls/s median',
      spread: `${lib.fmt(o.p25)}–${lib.fmt(o.p75)}`,
      baseline: `includes('git push') ${lib.fmt(b.median)} calls/s (IQR ${lib.fmt(b.p25)}–${lib.fmt(b.p75)})`,
      ratio: o.median / b.median,
    },
  ];
  // Worst cases near MAX_COMMAND_CHARS (65 536 characters).
  const big = {
    'chain of pushes': 'git push origin main; '.repeat(2978),
    'nested $() at the depth limit': '$('.repeat(4) + 'x '.repeat(32_000) + ')'.repeat(4),
    'quote soup': `echo "${'a\\"$x'.repeat(13_000)}"`,
    'heredoc body': `cat <<EOF\n${'git push origin main $(echo x)\n'.repeat(2_000)}EOF`,
    'unterminated (fallback)': `echo "${'git push '.repeat(7_000)}`,
  };
  for (const [label, s] of Object.entries(big)) {
    const samples = [];
    for (let k = 0; k < 15; k++) {
      const t0 = performance.now();
      sink ^= classify(s)._tag.length;
      samples.push(performance.now() - t0);
    }
    const st = lib.stats(samples);
    rows.push({
      name: `one call, ${label} (${s.length} chars)`,
      value: st.median,
      unit: 'ms median',
      spread: `${lib.fmt(st.p25)}–${lib.fmt(st.p75)} ms, max ${lib.fmt(Math.max(...samples))} ms`,
      target: '≤ 50 ms (PG-4)',
    });
  }
  if (sink === 0.5) console.log(sink);
  return rows;
};
