// `npm run line-scanner`: prints the secret scanner's WebAssembly text (packages/kernel/src/internal/secret-lines-wasm.ts);
// `npm run line-scanner -- --hex`: prints the bytes wabt assembles from it, as the `LINE_SCANNER_HEX` literal to paste
// into packages/kernel/src/internal/secret-lines.ts (the test in packages/kernel/test/secret-lines.test.ts checks it).
// The generator has no imports, so TypeScript's own transpiler turns it into a module that Node 20 can load.
import { readFileSync } from 'node:fs';
import ts from 'typescript';
import wabtInit from 'wabt';

const source = readFileSync(new URL('../src/internal/secret-lines-wasm.ts', import.meta.url), 'utf8');
const out = ts.transpileModule(source, { reportDiagnostics: true, compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } });
if (out.diagnostics?.length) throw new Error(ts.formatDiagnostics(out.diagnostics, { getCanonicalFileName: (f) => f, getCurrentDirectory: () => '', getNewLine: () => '\n' }));
const { lineScannerWat } = await import(`data:text/javascript;base64,${Buffer.from(out.outputText).toString('base64')}`);
const wat = lineScannerWat();

if (process.argv.includes('--hex')) {
  const module = (await wabtInit()).parseWat('secret-lines.wat', wat);
  module.validate();
  const hex = Buffer.from(module.toBinary({}).buffer).toString('hex');
  module.destroy();
  process.stdout.write(`export const LINE_SCANNER_HEX = [\n${hex.match(/.{1,112}/g).map((l) => `  '${l}',`).join('\n')}\n].join('');\n`);
} else {
  process.stdout.write(wat);
}
