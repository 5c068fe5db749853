import { defineConfig } from 'tsup';

// Library build: ESM + CJS + .d.ts, dependencies stay external (the consumer installs them).
export default defineConfig({
  entry: ['src/index.ts', 'src/early.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  target: 'node20',
  sourcemap: false,
  treeshake: true,
});
