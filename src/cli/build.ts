/**
 * Compiles ./lakehouse: one executable holding every stage, the Parquet wasm and the TUI, that runs
 * with no node_modules. Run by `npm run build`; not part of the binary itself.
 *
 * Ink imports the optional `react-devtools-core` (only when DEV=true); it is not installed, so the
 * bundle resolves it to a stub that explains itself instead of failing at start-up.
 */
import { resolve } from 'node:path';

const root = resolve(import.meta.dir, '../..');
const devtoolsStub = resolve(import.meta.dir, 'react-devtools-stub.ts');

const result = await Bun.build({
  // Workers are entry points of their own; in the binary they are found by path relative to src/
  // (see src/core/worker-url.ts). The query worker is a process of the binary itself (cli/main.ts).
  entrypoints: ['src/cli/main.ts', 'src/api/server-worker.ts', 'src/source/file/reader-worker.ts'].map((p) => resolve(root, p)),
  compile: { outfile: resolve(root, 'lakehouse') },
  minify: true,
  bytecode: true,
  format: 'esm',
  // React's development build keeps every render's bookkeeping: the TUI grew to 1.2 GB in a minute.
  define: { 'process.env.NODE_ENV': '"production"' },
  plugins: [
    {
      name: 'react-devtools-stub',
      setup(build) {
        build.onResolve({ filter: /^react-devtools-core$/ }, () => ({ path: devtoolsStub }));
      },
    },
  ],
});
if (!result.success) {
  for (const log of result.logs) console.error(log);
  process.exit(1);
}
console.log(`built ${resolve(root, 'lakehouse')}`);
